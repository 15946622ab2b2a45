#!/bin/bash
# The re-audit of an unchanged site beside a cold first audit and a plain scan, timed as a user
# waits for them (hyperfine, one run): `bash benches/reaudit.sh [TREE] [BAOMI...]`.
# TREE: the 20,000-file tree `small/` made by ../shared/perf/gen_corpus.py (default
# /tmp/perf-data/small). BAOMI: builds to compare (default target/release/baomi).
set -euo pipefail
tree=${1:-/tmp/perf-data/small}
shift || true
builds=("$@")
[ ${#builds[@]} -gt 0 ] || builds=(target/release/baomi)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/key"
first=() plain=() again=()
for i in "${!builds[@]}"; do
  b=$(realpath "${builds[$i]}")
  d="$work/$i"
  mkdir -p "$d"
  flags=(--quiet --cache "$d/cache" --baseline "$d/base.json" --baseline-key "$work/key" --only-new --format csv "$tree")
  # The first audit writes the cache and the baseline, the second stamps every file.
  for _ in 1 2; do "$b" scan "${flags[@]}" >/dev/null 2>&1 || true; done
  first+=(-n "first-audit-$i" --prepare "rm -rf $work/cold" "$b scan --quiet --cache $work/cold/cache --baseline $work/cold/base.json --baseline-key $work/key --only-new --format csv $tree")
  plain+=(-n "plain-$i" "$b scan --quiet --format csv $tree")
  again+=(-n "reaudit-$i" "$b scan ${flags[*]}")
done
hyperfine -N -i -w 1 -r 8 "${first[@]}"
hyperfine -N -i -w 1 -r 10 "${plain[@]}" "${again[@]}"
