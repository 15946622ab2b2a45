#!/usr/bin/env bash
# CI's fuzzing: every target for a share of FUZZ_CI_SECONDS (default 60) in all, one after the
# other, one process each, from the kept corpus. Built without AddressSanitizer (about half the
# build time; the long runs use it: fuzz/run.sh's default). A crash or timeout fails the run and
# its input is printed as base64 for a regression test. Skips with a message and exits 0 where no
# nightly toolchain exists.
set -euo pipefail
FUZZ_DIR="$(cd "$(dirname "$0")" && pwd)"
if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz: no nightly toolchain (rustup toolchain list shows none): fuzzing skipped"
  exit 0
fi
export FUZZ_SANITIZER="${FUZZ_SANITIZER:-none}"
# Several codegen units: the baomi crate builds on both cores (cargo-fuzz forces one, for
# faster executions; for a minute of fuzzing the build time matters more).
export FUZZ_CODEGEN_UNITS="${FUZZ_CODEGEN_UNITS:-16}"
targets=(text docx scan html sheet doc ofd pdf)
total="${FUZZ_CI_SECONDS:-60}"
share=$((total / ${#targets[@]}))
start=$SECONDS
"$FUZZ_DIR/run.sh" --build
built=$SECONDS
status=0
for t in "${targets[@]}"; do
  if ! "$FUZZ_DIR/run.sh" "$t" "$share" 2>"$FUZZ_DIR/target/$t.log"; then
    status=1
    tail -n 60 "$FUZZ_DIR/target/$t.log"
    for f in "$FUZZ_DIR/artifacts/$t"/*; do
      [ -f "$f" ] && echo "fuzz: $t reproducer $(basename "$f") (base64):" && base64 -w0 "$f" && echo
    done
  fi
  grep -E "DONE|stat::number_of_executed_units" "$FUZZ_DIR/target/$t.log" |
    sed "s/^/fuzz: $t: /" || true
done
echo "fuzz: build $((built - start))s, fuzzing $((SECONDS - built))s"
exit $status
