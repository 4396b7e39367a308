#!/usr/bin/env bash
# Builds @corsgate/wasm in place (bindings/wasm): the core for wasm32-unknown-unknown
# (cargo profile `wasm`) copied to corsgate.wasm, and the CommonJS entries dist/*.cjs
# bundled from the ESM sources by esbuild. Needs scripts/setup-wasm.sh first.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
W="$REPO/bindings/wasm"

cargo build -p corsgate-wasm --target wasm32-unknown-unknown --profile wasm
cp "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm/corsgate_wasm.wasm" "$W/corsgate.wasm"

# CommonJS: each entry bundled alone; `#core` stays external so every entry shares the
# one instance of dist/index.cjs (one Policy class). import.meta.url becomes the file's URL.
cd "$W"
rm -rf dist
for entry in index fetch hono; do
  [ -f "$entry.js" ] || continue
  ./node_modules/.bin/esbuild "$entry.js" --bundle --format=cjs --platform=node \
    --external:'#core' --external:hono --external:'hono/*' \
    --define:import.meta.url=__corsgate_url \
    --banner:js="const __corsgate_url = require('node:url').pathToFileURL(__filename).href;" \
    --log-level=warning --outfile="dist/$entry.cjs"
done
raw=$(wc -c < corsgate.wasm)
gz=$(gzip -9c corsgate.wasm | wc -c)
echo "build-wasm: corsgate.wasm $raw bytes, $gz gzip -9"
