#!/usr/bin/env bash
# Installs what scripts/test-nginx.sh needs: Debian's nginx + nginx-dev (module build),
# curl, python3, plus everything scripts/setup-c.sh installs. Idempotent.
# wrk (for scripts/bench-nginx.sh only) is installed with BENCH=1.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$REPO/scripts/setup-c.sh"

pkgs=(nginx nginx-dev curl python3)
[ "${BENCH:-0}" = 1 ] && pkgs+=(wrk)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update
    # Debian's nginx package starts a system service on install; the tests never use it.
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
test -f /usr/share/nginx/src/conf_flags
nginx -v
