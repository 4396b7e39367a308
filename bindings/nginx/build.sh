#!/usr/bin/env bash
# Builds ngx_http_corsgate_module.so against Debian's nginx-dev (/usr/share/nginx/src,
# same configure flags as the packaged nginx, so the module's signature matches) and the
# static libcorsgate.a. Prints the module's path last.
# Needs scripts/setup-nginx.sh. Configure runs only when its inputs change.
# Safe to run while an nginx uses a module built before: one build tree per
# CARGO_TARGET_DIR, builds serialized by flock, the finished .so moved into place
# atomically.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
export CORSGATE_LIB_DIR="$TARGET/release"
KEY="$(echo "$CORSGATE_LIB_DIR" | md5sum | cut -c1-8)"
OUT="$REPO/build/nginx/$KEY"

(cd "$REPO" && cargo build -p corsgate-c --release >&2)
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9
stamp="$CORSGATE_LIB_DIR $(nginx -v 2>&1) $(md5sum "$REPO/bindings/nginx/config" | cut -d' ' -f1)"
if [ ! -f "$OUT/objs/Makefile" ] || [ "$(cat "$OUT/configure.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$OUT/src" "$OUT/objs"
    cp -r /usr/share/nginx/src "$OUT/src"
    (
        cd "$OUT/src"
        # shellcheck disable=SC1091
        . ./conf_flags
        ./configure --with-cc-opt="$(dpkg-buildflags --get CFLAGS) -fPIC $(dpkg-buildflags --get CPPFLAGS)" \
            --with-ld-opt="$(dpkg-buildflags --get LDFLAGS) -fPIC" "${NGX_CONF_FLAGS[@]}" \
            --add-dynamic-module="$REPO/bindings/nginx" --builddir="$OUT/objs" >"$OUT/configure.log" 2>&1 ||
            { tail -n 30 "$OUT/configure.log" >&2; exit 1; }
    )
    echo "$stamp" > "$OUT/configure.stamp"
fi
# The archive is not a make dependency: always relink the module (about a second).
rm -f "$OUT/objs/ngx_http_corsgate_module.so"
(cd "$OUT/src" && make -f "$OUT/objs/Makefile" modules >"$OUT/make.log" 2>&1) ||
    { tail -n 40 "$OUT/make.log" >&2; exit 1; }
mkdir -p "$OUT/modules"
cp "$OUT/objs/ngx_http_corsgate_module.so" "$OUT/modules/.tmp.$$"
mv -f "$OUT/modules/.tmp.$$" "$OUT/modules/ngx_http_corsgate_module.so"
echo "$OUT/modules/ngx_http_corsgate_module.so"
