#!/usr/bin/env bash
# Installs what the test suite needs beyond the Rust toolchain, and only what is missing
# (idempotent; apt-get runs only when something is). The README's test command runs it before
# `cargo test --release`, and so does .ci/run; no test installs anything itself.
#
# - tests/durability.rs compiles tests/support/fsync_shim.c with `cc` (gcc and libc headers).
# - tests/power_loss.rs mounts a FUSE filesystem: it needs root and /dev/fuse (no libfuse, no
#   fusermount: the fuser crate mounts with mount(2)). Nothing to install; the fuse module is
#   loaded when it is missing and can be.
# - tests/adversarial.rs counts instructions with valgrind (callgrind).
# - tests/console.rs drives Debian's Chromium with playwright-core (pinned in tests/e2e, from
#   the npm registry) under Node.js.
# - tests/store_conformance.rs and tests/pg_nodes.rs run a real PostgreSQL server: Debian's
#   postgresql package (initdb, pg_ctl, postgres under /usr/lib/postgresql/*/bin); each test
#   process makes its own cluster in a temporary directory (tests/support/pg.rs), with a
#   certificate authority and server certificate made by the openssl command for TLS.
# - tests/redact.rs opens redacted .docx files with python-docx (pinned, from the PyPI
#   registry) in a virtual environment at target/pyvenv.
set -euo pipefail

missing=()
command -v cc >/dev/null 2>&1 || missing+=(gcc)
[ -e /usr/include/dlfcn.h ] || missing+=(libc6-dev)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
if [ -z "${BAOMI_CHROMIUM:-}" ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fi
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -e /dev/fuse ] || ! grep -qw fuse /proc/filesystems; then
  modprobe fuse 2>/dev/null || echo "tests/setup.sh: no FUSE here (/dev/fuse); tests/power_loss.rs will fail and say so" >&2
fi

if [ ! -e "$(dirname "$0")/e2e/node_modules/playwright-core/package.json" ]; then
  npm ci --prefix "$(dirname "$0")/e2e" --no-audit --no-fund >/dev/null
fi

pyvenv="$(dirname "$0")/../target/pyvenv"
if ! "$pyvenv/bin/python" -c 'import docx' >/dev/null 2>&1; then
  python3 -m venv "$pyvenv"
  "$pyvenv/bin/pip" install -q --disable-pip-version-check python-docx==1.2.0 lxml==6.2.0
fi
