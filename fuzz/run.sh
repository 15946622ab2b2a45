#!/usr/bin/env bash
# Builds the fuzz targets with the nightly toolchain and the flags cargo-fuzz uses, without
# needing cargo-fuzz, and runs one libFuzzer binary.
#
#   fuzz/run.sh TARGET SECONDS [libFuzzer args...]   fuzz TARGET for SECONDS (one process)
#   fuzz/run.sh --build [cargo args...]              build every target, run nothing
#   fuzz/run.sh --merge TARGET [libFuzzer args...]   shrink fuzz/corpus/TARGET, taking in what
#                                                    earlier runs found: -set_cover_merge=1 (the
#                                                    fewest inputs with every feature), or
#                                                    FUZZ_MERGE=merge for -merge=1
#   fuzz/run.sh --repro TARGET FILE...               run the target on given inputs once
#
# Targets: doc docx html ofd pdf scan sheet text (fuzz/fuzz_targets/). The kept corpus fuzz/corpus/TARGET is read
# but never written while fuzzing; new inputs go to fuzz/target/corpus/TARGET (use --merge to
# keep the interesting ones). Crashes and timeouts go to fuzz/artifacts/TARGET/ (not kept).
#
# Environment:
#   FUZZ_SANITIZER  address (default here) or none; ci.sh uses none (half the build time)
#   FUZZ_RSS_MB     -rss_limit_mb (default 2048)    FUZZ_TIMEOUT  -timeout seconds (default 10)
# Where `cargo +nightly` does not work, prints that fuzzing was skipped and exits 0.
set -euo pipefail
FUZZ_DIR="$(cd "$(dirname "$0")" && pwd)"
CALLER_DIR="$PWD"
cd "$FUZZ_DIR"

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz: no nightly toolchain (rustup toolchain list shows none): fuzzing skipped"
  exit 0
fi

SANITIZER="${FUZZ_SANITIZER:-address}"
case "$SANITIZER" in address | none) ;; *)
  echo "fuzz: FUZZ_SANITIZER must be address or none" >&2
  exit 2
  ;;
esac
TRIPLE="$(rustc +nightly -vV | sed -n 's/^host: //p')"
TARGET_DIR="$FUZZ_DIR/target/$SANITIZER"

build() {
  # cargo-fuzz's flags (src/project.rs, `cargo fuzz build` defaults): optimised, with debug
  # assertions and overflow checks, SanitizerCoverage (inline 8-bit counters, PC table, compare
  # tracing, stack depth), --cfg fuzzing, no branch folding, one codegen unit. `--target` keeps
  # the flags away from build scripts.
  local flags="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4"
  flags+=" -Cllvm-args=-sanitizer-coverage-inline-8bit-counters"
  flags+=" -Cllvm-args=-sanitizer-coverage-pc-table"
  flags+=" -Cllvm-args=-sanitizer-coverage-trace-compares"
  flags+=" -Cllvm-args=-sanitizer-coverage-stack-depth"
  flags+=" --cfg fuzzing -Cllvm-args=-simplifycfg-branch-fold-threshold=0"
  flags+=" -Cdebug-assertions -Ccodegen-units=${FUZZ_CODEGEN_UNITS:-1}"
  if [ "$SANITIZER" = address ]; then
    flags+=" -Zsanitizer=address"
  fi
  RUSTFLAGS="$flags ${RUSTFLAGS:-}" cargo +nightly build --manifest-path "$FUZZ_DIR/Cargo.toml" \
    --target "$TRIPLE" --target-dir "$TARGET_DIR" --release \
    --config 'profile.release.debug="line-tables-only"' --bins "$@"
}

bin() { echo "$TARGET_DIR/$TRIPLE/release/$1"; }

check_target() {
  if [ ! -f "$FUZZ_DIR/fuzz_targets/$1.rs" ]; then
    echo "fuzz: no target '$1' (have: $(cd "$FUZZ_DIR/fuzz_targets" && ls | grep -v '^check' | sed 's/\.rs$//' | tr '\n' ' '))" >&2
    exit 2
  fi
}

export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_odr_violation=0"
RSS_MB="${FUZZ_RSS_MB:-2048}"
TIMEOUT="${FUZZ_TIMEOUT:-10}"

case "${1:-}" in
--build)
  shift
  build "$@"
  exit 0
  ;;
--merge)
  target="${2:?usage: run.sh --merge TARGET}"
  check_target "$target"
  build
  kept="$FUZZ_DIR/corpus/$target"
  found="$FUZZ_DIR/target/corpus/$target"
  new="$FUZZ_DIR/target/merge/$target"
  mkdir -p "$kept" "$found"
  rm -rf "$new" && mkdir -p "$new"
  # FUZZ_MAX_LEN (bytes) truncates what is kept, to keep the corpus small in the repository.
  "$(bin "$target")" -"${FUZZ_MERGE:-set_cover_merge}"=1 ${FUZZ_MAX_LEN:+-max_len=$FUZZ_MAX_LEN} \
    -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT" "${@:3}" "$new" "$kept" "$found"
  rm -rf "$kept" && mv "$new" "$kept"
  echo "fuzz: $target corpus: $(ls "$kept" | wc -l) files, $(du -sb "$kept" | cut -f1) bytes"
  exit 0
  ;;
--repro)
  target="${2:?usage: run.sh --repro TARGET FILE...}"
  check_target "$target"
  shift 2
  files=()
  for f in "$@"; do
    case "$f" in -* | /*) files+=("$f") ;; *) files+=("$CALLER_DIR/$f") ;; esac
  done
  build
  exec "$(bin "$target")" -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT" "${files[@]}"
  ;;
esac

target="${1:?usage: run.sh TARGET SECONDS [libFuzzer args...]}"
seconds="${2:?usage: run.sh TARGET SECONDS [libFuzzer args...]}"
shift 2
check_target "$target"
build
found="$FUZZ_DIR/target/corpus/$target"
artifacts="$FUZZ_DIR/artifacts/$target"
mkdir -p "$found" "$artifacts" "$FUZZ_DIR/corpus/$target"
args=(-max_total_time="$seconds" -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT"
  -artifact_prefix="$artifacts/" -print_final_stats=1)
if [ -f "$FUZZ_DIR/dict/$target.dict" ]; then
  args+=(-dict="$FUZZ_DIR/dict/$target.dict")
fi
echo "fuzz: $target for ${seconds}s (sanitizer: $SANITIZER)"
exec "$(bin "$target")" "${args[@]}" "$@" "$found" "$FUZZ_DIR/corpus/$target"
