#!/usr/bin/env bash
# Builds libnginx-mod-http-corsgate_VERSION_ARCH.deb for the Debian nginx installed here
# (nginx-dev), laid out like Debian's own module packages (libnginx-mod-http-geoip …):
#   /usr/lib/nginx/modules/ngx_http_corsgate_module.so
#   /usr/share/nginx/modules-available/mod-http-corsgate.conf   (load_module line)
#   /etc/nginx/modules-enabled/50-mod-http-corsgate.conf -> the above, made by postinst
#   Depends: nginx-abi-X (the exact module ABI of the nginx-dev it was built against,
#   from /usr/share/nginx/src/debian/libnginx-mod.abisubstvars, as dh_nginx reads it)
# The maintainer scripts are debhelper's own nginx autoscripts (postinst/prerm/postrm-nginx)
# with the module's names filled in, so enable/disable/purge behave as for Debian's modules.
#   scripts/nginx-deb.sh OUTDIR
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUTDIR="${1:?usage: nginx-deb.sh OUTDIR}"
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' "$REPO/Cargo.toml" | head -1)"
ARCH="$(dpkg --print-architecture)"
PKG=libnginx-mod-http-corsgate
CONF=mod-http-corsgate.conf
LINK=50-mod-http-corsgate.conf
AUTOSCRIPTS=/usr/share/debhelper/autoscripts

abi="$(sed -n 's/^nginx:abi=//p' /usr/share/nginx/src/debian/libnginx-mod.abisubstvars)"
[ -n "$abi" ] || { echo "nginx-deb: no nginx:abi in nginx-dev's libnginx-mod.abisubstvars" >&2; exit 1; }
for s in postinst prerm postrm; do
    [ -f "$AUTOSCRIPTS/$s-nginx" ] || { echo "nginx-deb: $AUTOSCRIPTS/$s-nginx missing (nginx-dev)" >&2; exit 1; }
done

module="$(bash "$REPO/bindings/nginx/build.sh" | tail -n 1)"
root="$REPO/build/dist/deb/$PKG"
rm -rf "$root" && mkdir -p "$root/DEBIAN" "$root/usr/lib/nginx/modules" \
    "$root/usr/share/nginx/modules-available" "$root/usr/share/doc/$PKG"
install -m 0644 "$module" "$root/usr/lib/nginx/modules/ngx_http_corsgate_module.so"
strip --strip-unneeded "$root/usr/lib/nginx/modules/ngx_http_corsgate_module.so"
echo "load_module modules/ngx_http_corsgate_module.so;" > "$root/usr/share/nginx/modules-available/$CONF"
cp "$REPO/bindings/nginx/README.md" "$root/usr/share/doc/$PKG/README.md"
cat > "$root/usr/share/doc/$PKG/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: corsgate

Files: *
Copyright: The corsgate contributors
License: MIT or Apache-2.0
 The full texts are LICENSE-MIT and LICENSE-APACHE in the corsgate sources;
 Apache-2.0 is also /usr/share/common-licenses/Apache-2.0.
EOF

# libc6 (>= the newest GLIBC_x.y symbol version the module uses); nothing else is needed
# (libcorsgate.a is linked in).
glibc="$(objdump -T "$root/usr/lib/nginx/modules/ngx_http_corsgate_module.so" |
    grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)"
needed="$(readelf -d "$root/usr/lib/nginx/modules/ngx_http_corsgate_module.so" |
    sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')"
case "$needed" in
    "libc.so.6 " | "libc.so.6 libgcc_s.so.1 " | "ld-linux-x86-64.so.2 libc.so.6 " | "ld-linux-x86-64.so.2 libc.so.6 libgcc_s.so.1 ") ;;
    *) echo "nginx-deb: unexpected shared-library dependencies: $needed" >&2; exit 1 ;;
esac
depends="$abi, libc6 (>= $glibc)"
[[ "$needed" == *libgcc_s* ]] && depends="$depends, libgcc-s1"

size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
cat > "$root/DEBIAN/control" <<EOF
Package: $PKG
Source: corsgate
Version: $VERSION-1
Architecture: $ARCH
Maintainer: The corsgate contributors <corsgate@localhost>
Installed-Size: $size
Depends: $depends
Recommends: nginx
Section: httpd
Priority: optional
Description: CORS policy module for Nginx (corsgate)
 The corsgate_policy directive answers CORS preflights and adds the CORS
 response headers from one policy file (JSON), with the corsgate engine's
 decisions, the same as its C, Python, Node and Rust packages.
EOF
names="$CONF:$LINK"
for s in postinst prerm postrm; do
    {
        echo "#!/bin/sh"
        echo "set -e"
        echo "# Generated from debhelper's $s-nginx autoscript (as dh_nginx does)."
        sed "s|#NAMES#|$names|g" "$AUTOSCRIPTS/$s-nginx"
        echo "exit 0"
    } > "$root/DEBIAN/$s"
    chmod 0755 "$root/DEBIAN/$s"
done
(cd "$root" && find usr -type f -exec md5sum {} + > DEBIAN/md5sums)

mkdir -p "$OUTDIR"
out="$OUTDIR/${PKG}_${VERSION}-1_${ARCH}.deb"
dpkg-deb --root-owner-group --build "$root" "$out" >/dev/null
echo "$out"
