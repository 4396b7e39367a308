#!/usr/bin/env bash
# Installs what scripts/fuzz.sh and scripts/test-fuzz.sh need: a pinned cargo-fuzz and
# the nightly toolchain (libFuzzer needs -Zsanitizer). Idempotent: each piece is checked
# first; nothing is downloaded when it is already there.
set -euo pipefail
CARGO_FUZZ_VERSION=0.13.2

# The nightly toolchain comes with the machine (rustup); nothing else is downloaded.
if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "setup-fuzz: the nightly toolchain is missing (rustup toolchain list)" >&2
    exit 1
fi
cargo +nightly --version

if [ "$(cargo fuzz --version 2>/dev/null || true)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
    cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi
cargo fuzz --version
