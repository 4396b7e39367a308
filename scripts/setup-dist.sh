#!/usr/bin/env bash
# Installs what scripts/dist.sh and scripts/test-dist.sh need. Idempotent.
# - build/venv-dist: the pinned tools of scripts/dist-requirements.txt (PyPI), plus a
#   `zig` shim over `python -m ziglang` (napi-rs's --cross-compile wants `zig` on PATH);
# - apt: dpkg-dev, pkg-config, binutils, and nginx-dev (scripts/setup-nginx.sh);
# - npm: bindings/node's devDependencies (scripts/setup-node.sh);
# - ALL=1: the rustup targets of the cross matrix, qemu-user-static when the archive
#   has it (test-dist.sh runs the aarch64 musl CLI and Node under it), and a musl Node
#   for x86_64 and aarch64 (scripts/setup-musl-node.sh; test-dist.sh loads the musl npm
#   packages with it, or says why not).
# apt waits for a lock another apt holds (DPkg::Lock::Timeout) instead of failing.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQ="$REPO/scripts/dist-requirements.txt"
VENV="$REPO/build/venv-dist"

bash "$REPO/scripts/setup-nginx.sh" >/dev/null
need=()
for p in dpkg-dev pkg-config binutils file; do
    [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == "install ok installed" ]] || need+=("$p")
done
if [ "${ALL:-0}" = 1 ] && ! command -v qemu-aarch64-static >/dev/null; then
    apt-cache show qemu-user-static >/dev/null 2>&1 && need+=(qemu-user-static)
fi
if [ ${#need[@]} -gt 0 ]; then
    apt-get -o DPkg::Lock::Timeout=300 update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 "${need[@]}"
fi

# A venv's scripts name its own path in their shebangs: one made in another checkout
# (a copied or moved worktree) fails to run them, and is rebuilt.
if [ -x "$VENV/bin/python" ] && cmp -s "$REQ" "$VENV/.requirements" &&
    "$VENV/bin/auditwheel" --version >/dev/null 2>&1; then
    :
else
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet -r "$REQ"
    cp "$REQ" "$VENV/.requirements"
fi
printf '#!/bin/sh\nexec "%s" -m ziglang "$@"\n' "$VENV/bin/python" > "$VENV/bin/zig"
chmod +x "$VENV/bin/zig"

[ -x "$REPO/bindings/node/node_modules/.bin/napi" ] || bash "$REPO/scripts/setup-node.sh" >/dev/null

if [ "${ALL:-0}" = 1 ]; then
    installed="$(rustup target list --installed)"
    for t in aarch64-unknown-linux-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
        grep -qx "$t" <<<"$installed" || rustup target add "$t"
    done
    # Optional: without it test-dist.sh inspects the musl npm packages but cannot load them.
    bash "$REPO/scripts/setup-musl-node.sh" || echo "setup-dist: no musl Node (see above)" >&2
fi
echo "setup-dist: $("$VENV/bin/maturin" --version), zig $("$VENV/bin/zig" version), $("$VENV/bin/cargo-zigbuild" --version 2>/dev/null | head -1)"
