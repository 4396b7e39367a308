#!/usr/bin/env bash
# wrk against nginx on loopback (not run by CI): ngx_http_corsgate_module versus the
# usual `map $http_origin` + `add_header` recipe, same allow-list of 1,000 origins, same
# static file, preflight and actual requests. Answers are checked with curl first.
# Usage: bash scripts/bench-nginx.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
SECS="${1:-5}"
CONNS="${2:-32}"
PREFIX="$REPO/build/nginx/bench"
PORT_MODULE=18491
PORT_MAP=18492
BENCH=1 bash scripts/setup-nginx.sh >/dev/null
MODULE="$(bash bindings/nginx/build.sh | tail -n 1)"
rm -rf "$PREFIX"
ORIGIN="$(python3 benches/nginx/gen_conf.py "$PREFIX" "$MODULE" "$PORT_MODULE" "$PORT_MAP" 1000)"
export ORIGIN
NGX=(nginx -p "$PREFIX/" -c conf/nginx.conf -e "$PREFIX/logs/error.log")
"${NGX[@]}"
trap '"${NGX[@]}" -s stop || true' EXIT
sleep 0.5

for port in "$PORT_MODULE" "$PORT_MAP"; do # same answers before timing
    acao="$(curl -s -D - -o /dev/null -H "Origin: $ORIGIN" "http://127.0.0.1:$port/index.html" |
        tr -d '\r' | sed -n 's/^[Aa]ccess-[Cc]ontrol-[Aa]llow-[Oo]rigin: //p')"
    [ "$acao" = "$ORIGIN" ] || { echo "port $port: actual ACAO '$acao'"; exit 1; }
    status="$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS -H "Origin: $ORIGIN" \
        -H 'Access-Control-Request-Method: PUT' "http://127.0.0.1:$port/index.html")"
    [ "$status" = 204 ] || { echo "port $port: preflight status $status"; exit 1; }
    denied="$(curl -s -D - -o /dev/null -H 'Origin: https://evil.example' "http://127.0.0.1:$port/index.html" |
        grep -ci '^access-control-allow-origin: https' || true)"
    [ "$denied" = 0 ] || { echo "port $port: evil origin allowed"; exit 1; }
done

run() { # run LABEL PORT [wrk args]
    local label="$1" port="$2"; shift 2
    local rps
    rps="$(wrk -t1 -c"$CONNS" -d"${SECS}s" "$@" "http://127.0.0.1:$port/index.html" | awk '/Requests\/sec/ {print $2}')"
    printf '%-34s %12s req/s\n' "$label" "$rps"
}
echo "wrk -t1 -c$CONNS -d${SECS}s, nginx 1 worker, 1,000 allowed origins, origin $ORIGIN"
run "actual    corsgate module" "$PORT_MODULE" -H "Origin: $ORIGIN"
run "actual    map + add_header" "$PORT_MAP" -H "Origin: $ORIGIN"
run "preflight corsgate module" "$PORT_MODULE" -s benches/nginx/preflight.lua
run "preflight map + add_header" "$PORT_MAP" -s benches/nginx/preflight.lua
run "no CORS   corsgate module" "$PORT_MODULE"
run "no CORS   map + add_header" "$PORT_MAP"
