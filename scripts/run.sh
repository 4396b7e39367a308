#!/usr/bin/env bash
# The main job: build the corsgate CLI and run it on the bundled example policy.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p corsgate-cli
bin="${CARGO_TARGET_DIR:-target}/release/corsgate"
echo "== corsgate check examples/policy.json"
"$bin" check examples/policy.json
echo
echo "== corsgate eval: a preflight from a wildcard subdomain"
"$bin" eval examples/policy.json --origin https://app.example.com \
  --request-method PUT --request-headers 'content-type, x-request-id'
echo
echo "== corsgate eval: a look-alike origin"
"$bin" eval examples/policy.json --origin https://app.example.com.evil.net
echo
echo "== corsgate eval --jsonl"
printf '%s\n' \
  '{"method":"GET","headers":[["Origin","http://localhost:5173"]]}' \
  '{"method":"OPTIONS","headers":[["Origin","https://pr-42.preview.example.net"],["Access-Control-Request-Method","DELETE"]]}' \
  '{"method":"GET","headers":[]}' \
  | "$bin" eval examples/policy.json --jsonl
echo
echo "== corsgate check on a broken policy (exit 1 expected)"
if "$bin" check examples/broken/unsafe-credentials.json; then
  echo "expected the broken policy to be rejected" >&2; exit 1
fi
