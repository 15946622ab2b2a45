#!/usr/bin/env bash
# Installs what the test suite needs beyond the Rust toolchain, and only what is missing
# (idempotent; apt-get runs only when something is). Called by .ci/run; run it by hand as root
# on a new machine before `cargo test --release`.
#
# - tests/durability.rs compiles tests/support/fsync_shim.c with `cc` (gcc and libc headers).
# - tests/power_loss.rs mounts a FUSE filesystem: it needs root and /dev/fuse (no libfuse, no
#   fusermount: the fuser crate mounts with mount(2)). Nothing to install; the fuse module is
#   loaded when it is missing and can be.
# - tests/adversarial.rs counts instructions with valgrind (callgrind).
# The console's Chromium and playwright-core are installed by .ci/run itself.
set -euo pipefail

missing=()
command -v cc >/dev/null 2>&1 || missing+=(gcc)
[ -e /usr/include/dlfcn.h ] || missing+=(libc6-dev)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -e /dev/fuse ] || ! grep -qw fuse /proc/filesystems; then
  modprobe fuse 2>/dev/null || echo "tests/setup.sh: no FUSE here (/dev/fuse); tests/power_loss.rs will fail and say so" >&2
fi
