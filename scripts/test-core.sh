#!/usr/bin/env bash
# Core, CLI and conformance: formatting and lints of the whole workspace, every Rust
# test of the workspace's core crates (shared + project vectors through the API and the binary, the zero
# allocation proof, 100,000 differential cases against the reference evaluator).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 tests/vectors/generate.py --check
cargo fmt --all -- --check
# Lints gate every crate that ships, the bindings (where all the `unsafe` is) and the
# benches included; the pyo3 crate needs python3 at build time.
cargo clippy --workspace --all-targets -- -D warnings
CORSGATE_DIFF_CASES="${CORSGATE_DIFF_CASES:-100000}" \
  cargo test -p corsgate -p corsgate-cli -p corsgate-conformance
# The tower layer, and its differential against tower-http over real HTTP (issue 18).
cargo test -p corsgate-tower
