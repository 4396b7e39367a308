#!/usr/bin/env bash
# Installs what scripts/test-c.sh needs: gcc, valgrind, python3 (apt) and a pinned cbindgen.
# Idempotent: each piece is checked first.
set -euo pipefail
CBINDGEN_VERSION=0.29.4

need_apt=()
command -v gcc >/dev/null || need_apt+=(gcc)
command -v valgrind >/dev/null || need_apt+=(valgrind)
command -v python3 >/dev/null || need_apt+=(python3)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need_apt[@]}"
fi

if [ "$(cbindgen --version 2>/dev/null || true)" != "cbindgen $CBINDGEN_VERSION" ]; then
    cargo install cbindgen --locked --version "$CBINDGEN_VERSION"
fi
cbindgen --version
