#!/usr/bin/env bash
# Core, CLI and conformance: formatting, lints, every Rust test of the workspace's
# core crates (shared + project vectors through the API and the binary, the zero
# allocation proof, 100,000 differential cases against the reference evaluator).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 tests/vectors/generate.py --check
cargo fmt --all -- --check
cargo clippy -p corsgate -p corsgate-cli -p corsgate-conformance --all-targets -- -D warnings
CORSGATE_DIFF_CASES="${CORSGATE_DIFF_CASES:-100000}" \
  cargo test -p corsgate -p corsgate-cli -p corsgate-conformance
