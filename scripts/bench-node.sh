#!/usr/bin/env bash
# Benchmarks the Node addon and middleware against the `cors` package with the same
# 1,000-origin allow-list (benches/node/bench.js). Not run by CI. Builds the addon first.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
NODE_DIR="$REPO/bindings/node"
[ -x "$NODE_DIR/node_modules/.bin/napi" ] || bash "$REPO/scripts/setup-node.sh"
(cd "$NODE_DIR" && ./node_modules/.bin/napi build --platform --release --js binding.js && node tools/patch-loader.js binding.js)
node "$REPO/benches/node/bench.js" "$@"
