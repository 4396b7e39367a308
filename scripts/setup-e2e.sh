#!/usr/bin/env bash
# Installs what scripts/test-e2e.sh needs: Debian's chromium (the browser itself; nothing
# is ever downloaded by playwright), curl, and the npm packages of tests/e2e
# (playwright-core and ws, pinned, from the committed package-lock.json). Idempotent.
# The Python, Node and nginx runtimes are set up by their own setup scripts
# (test-e2e.sh calls them).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

pkgs=(chromium fonts-dejavu-core curl)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
/usr/bin/chromium --version

command -v npm >/dev/null 2>&1 || { echo "setup-e2e: node and npm are required" >&2; exit 1; }
cd "$REPO/tests/e2e"
# Not `npm ci` (see TOOLCHAIN.md); the committed lockfile pins the same tree.
# PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: playwright-core never downloads, this makes it explicit.
if [ ! -f node_modules/playwright-core/package.json ] || [ ! -f node_modules/ws/package.json ] ||
   [ "$(node -p 'require("./node_modules/playwright-core/package.json").version')" != \
     "$(node -p 'require("./package.json").dependencies["playwright-core"]')" ]; then
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund
fi
echo "setup-e2e: playwright-core $(node -p 'require("./node_modules/playwright-core/package.json").version')"
