#!/usr/bin/env bash
# The `wasm` part: builds @corsgate/wasm (scripts/build-wasm.sh), type-checks its
# TypeScript declarations, then runs every vector through the wasm API in Node
# (node --test, with the API contract and middleware tests), Deno and Bun; then real HTTP
# on loopback (ephemeral ports) to workerd (a Worker), Deno.serve and Bun.serve serving
# the Fetch middleware (every vector) and a Hono app (hono/cors vs corsgate). Everything
# is judged by corsgate-judge (tests/, the project's one judge; built here).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
W="$REPO/bindings/wasm"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
BIN="$W/node_modules/.bin"
mkdir -p "$REPO/build"

if [ ! -x "$BIN/workerd" ] || [ ! -x "$BIN/deno" ] || [ ! -x "$BIN/bun" ] || [ ! -x "$BIN/esbuild" ] \
  || ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  bash "$REPO/scripts/setup-wasm.sh"
fi

echo "== build"
bash "$REPO/scripts/build-wasm.sh"
echo "== build corsgate-judge"
cargo build -q -p corsgate-conformance --bin corsgate-judge

cd "$W"
echo "== tsc"
"$BIN/tsc" -p tsconfig.json

echo "== node --test (API contract, middleware, vectors through the API in Node)"
node --test test/*.test.js

for rt in deno bun; do
  echo "== vectors through the API in $rt"
  case $rt in
    deno) "$BIN/deno" run --quiet --allow-read --allow-env --allow-run test/run-api.js > "$REPO/build/wasm-$rt.jsonl" ;;
    bun) "$BIN/bun" test/run-api.js > "$REPO/build/wasm-$rt.jsonl" ;;
  esac
  node test/support/judge.js < "$REPO/build/wasm-$rt.jsonl"
done

echo "== real HTTP: workerd, Deno.serve, Bun.serve (vectors through @corsgate/wasm/fetch; Hono comparison)"
node test/run-http.js workerd deno bun
