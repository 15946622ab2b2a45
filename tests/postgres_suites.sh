#!/usr/bin/env bash
# The service's suites again, unchanged, on PostgreSQL: with BAOMI_TEST_STORE=postgres every
# server a test starts without --store keeps its store in a database of its own
# (tests/support/mod.rs, on the test process's cluster of tests/support/pg.rs). Skipped: the
# tests that reach into a sled data directory itself (tampering with it, downgrading its
# format) or run the CLI on `--data`. Run after `cargo test --release` (the binaries are built).
set -euo pipefail
cd "$(dirname "$0")/.."
BAOMI_TEST_STORE=postgres cargo test --release --locked \
  --test gate_integrity --test service --test suppressions --test versions \
  --test rules_service --test redact --test router -- \
  --skip audit_tampering_is_detected --skip token_and_audit_commands \
  --skip a_store_from_before_versions_keeps_working
