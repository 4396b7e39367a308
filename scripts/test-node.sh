#!/usr/bin/env bash
# Builds the Node addon (napi build --platform --release --js binding.js), checks that the committed
# generated index.js / index.d.ts match a fresh build, type-checks the TypeScript usage
# file, then runs the suite with `node --test` (API contract, every shared vector through
# the API and over HTTP through Express, node:http and Fastify).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
NODE_DIR="$REPO/bindings/node"
OUT="$REPO/build/node"
mkdir -p "$OUT"

if [ ! -x "$NODE_DIR/node_modules/.bin/napi" ] || [ ! -x "$NODE_DIR/node_modules/.bin/tsc" ] \
  || [ ! -f "$NODE_DIR/node_modules/ws/package.json" ]; then
  bash "$REPO/scripts/setup-node.sh"
fi
cd "$NODE_DIR"

echo "== build the addon"
for f in binding.js index.d.ts; do
  if [ ! -f "$f" ]; then
    echo "test-node: bindings/node/$f is missing: run 'npx napi build --platform --release --js binding.js' there and commit it" >&2
    exit 1
  fi
  cp "$f" "$OUT/$f.committed"
done
./node_modules/.bin/napi build --platform --release --js binding.js
node tools/patch-loader.js binding.js   # @corsgate/<platform> packages, a clear load error

echo "== drift check of the generated binding.js / index.d.ts"
drift=0
for f in binding.js index.d.ts; do
  if ! cmp -s "$OUT/$f.committed" "$f"; then
    diff -u "$OUT/$f.committed" "$f" | head -40 || true
    echo "test-node: bindings/node/$f differs from a fresh build: commit the regenerated file" >&2
    drift=1
  fi
done
[ "$drift" -eq 0 ] || exit 1

echo "== tsc"
./node_modules/.bin/tsc -p tsconfig.json

echo "== corsgate-judge (the one judge, tests/)"
(cd "$REPO" && cargo build -q -p corsgate-conformance --bin corsgate-judge)
export CORSGATE_JUDGE="$CARGO_TARGET_DIR/debug/corsgate-judge"

echo "== node --test"
node --test test/*.test.js
