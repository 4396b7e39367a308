#!/usr/bin/env bash
# Measurements of @corsgate/wasm (benches/wasm; not run by CI):
#   bash scripts/bench-wasm.sh size              .wasm raw / gzip -9, by section and by crate
#   bash scripts/bench-wasm.sh evaluate [--quick] evaluate per call in Node: wasm vs the napi addon
#   bash scripts/bench-wasm.sh hono [--quick]     hono/cors vs corsgate's Hono middleware on Bun
#   bash scripts/bench-wasm.sh                    all three
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
W="$REPO/bindings/wasm"
what="${1:-all}"
[ $# -gt 0 ] && shift
[ -x "$W/node_modules/.bin/bun" ] || bash "$REPO/scripts/setup-wasm.sh"
bash "$REPO/scripts/build-wasm.sh" >/dev/null

if [ "$what" = size ] || [ "$what" = all ]; then
  # An unstripped build of the same profile (own target dir) names the functions.
  CARGO_PROFILE_WASM_STRIP=false cargo build -q -p corsgate-wasm --target wasm32-unknown-unknown \
    --profile wasm --target-dir "$CARGO_TARGET_DIR/wasm-unstripped"
  node "$REPO/benches/wasm/size.mjs" "$W/corsgate.wasm" \
    "$CARGO_TARGET_DIR/wasm-unstripped/wasm32-unknown-unknown/wasm/corsgate_wasm.wasm"
fi
if [ "$what" = evaluate ] || [ "$what" = all ]; then
  [ -x "$REPO/bindings/node/node_modules/.bin/napi" ] || bash "$REPO/scripts/setup-node.sh"
  (cd "$REPO/bindings/node" && ./node_modules/.bin/napi build --platform --release --js binding.js >/dev/null && node tools/patch-loader.js binding.js)
  node "$REPO/benches/wasm/evaluate.mjs" "$@"
fi
if [ "$what" = hono ] || [ "$what" = all ]; then
  (cd "$W" && ./node_modules/.bin/bun "$REPO/benches/wasm/hono-bun.js" "$@")
fi
