#!/usr/bin/env bash
# Installs what the Node binding's build and tests need: the npm devDependencies of
# bindings/node (@napi-rs/cli, typescript, @types/node, express, fastify, cors), from
# the committed package-lock.json. Idempotent. Needs the machine's Node.js >= 20 and npm,
# and the Rust toolchain (cargo) for the addon itself.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup-node: node and npm are required (Node.js >= 20)" >&2
  exit 1
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
  echo "setup-node: Node.js >= 20 is required, found $(node --version)" >&2
  exit 1
fi
command -v cargo >/dev/null 2>&1 || { echo "setup-node: cargo (Rust) is required" >&2; exit 1; }

cd "$REPO/bindings/node"
# Not `npm ci`: this registry lacks other platforms' optional packages, so the lockfile
# cannot list them and `npm ci` refuses it. `npm install` with the committed lockfile
# installs the same versions.
npm install --no-audit --no-fund
echo "setup-node: node $(node --version), npm $(npm --version), napi $(npx --no-install napi --version)"
