#!/usr/bin/env bash
# Installs what scripts/test-bench.sh needs: valgrind (apt) and the pinned
# instruction-count runner gungraun-runner, which must match the `gungraun` version in
# benches/Cargo.toml exactly. Idempotent: each piece is checked first.
set -euo pipefail
GUNGRAUN_VERSION=0.20.0

if ! command -v valgrind >/dev/null; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y valgrind
fi
valgrind --version

if [ "$(gungraun-runner --version 2>/dev/null || true)" != "gungraun-runner $GUNGRAUN_VERSION" ]; then
    cargo install gungraun-runner --locked --version "$GUNGRAUN_VERSION"
fi
gungraun-runner --version
