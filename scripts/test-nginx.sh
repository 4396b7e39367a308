#!/usr/bin/env bash
# nginx suite: build ngx_http_corsgate_module against Debian's nginx-dev, start a real
# nginx on 127.0.0.1:184xx with a private prefix under build/nginx/run (static location +
# proxied upstream), run bindings/nginx/t/test_nginx.py, stop nginx even on failure.
# Closes with "nginx: N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
PREFIX="$REPO/build/nginx/run"

bash "$REPO/scripts/setup-nginx.sh" >/dev/null || { echo "setup-nginx.sh failed"; echo "nginx: 0 passed, 1 failed"; exit 1; }
MODULE="$(bash "$REPO/bindings/nginx/build.sh" | tail -n 1)"
if [ ! -f "$MODULE" ]; then
    echo "module build failed"; echo "nginx: 0 passed, 1 failed"; exit 1
fi

stop_nginx() { # belt and braces: the suite stops nginx itself in a finally block
    local pid
    pid="$(cat "$PREFIX/logs/nginx.pid" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; fi
}
trap stop_nginx EXIT

# shellcheck source=scripts/judge.sh
. "$REPO/scripts/judge.sh"
build_judge || { echo "corsgate-judge build failed"; echo "nginx: 0 passed, 1 failed"; exit 1; }
mapfile -t SKIPS < <(v2_skip_args merge sets)
CORSGATE_JUDGE="$JUDGE" python3 "$REPO/bindings/nginx/t/test_nginx.py" --module "$MODULE" --prefix "$PREFIX" \
    "${SKIPS[@]}"
