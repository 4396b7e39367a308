#!/usr/bin/env bash
# Installs what bindings/wasm needs: the Rust target wasm32-unknown-unknown (rustup), and
# the npm devDependencies from the committed package-lock.json — the runtimes `workerd`,
# `deno` and `bun` (their Linux binaries are npm packages too), `hono`, `esbuild`,
# TypeScript. `npm install --no-audit --no-fund`, not `npm ci` (see ../shared/TOOLCHAIN.md).
# The runtimes' install scripts are not needed: their launchers find the binary package.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v node >/dev/null 2>&1 || { echo "setup-wasm: Node.js >= 20 is required" >&2; exit 1; }
command -v cargo >/dev/null 2>&1 || { echo "setup-wasm: cargo (Rust) is required" >&2; exit 1; }
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
cd "$REPO/bindings/wasm"
npm install --no-audit --no-fund
echo "setup-wasm: node $(node --version), deno $(./node_modules/.bin/deno --version | head -1), bun $(./node_modules/.bin/bun --version), workerd $(./node_modules/.bin/workerd --version)"
