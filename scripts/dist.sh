#!/usr/bin/env bash
# Makes every artifact a release publishes, into dist/ (git-ignored). scripts/test-dist.sh
# installs each one the native way, without a Rust toolchain.
#
#   scripts/dist.sh                the x86_64 glibc slice (what CI runs):
#                                    corsgate-VERSION.crate (cargo package),
#                                    libcorsgate-VERSION-x86_64-linux-gnu.tar.gz (make install),
#                                    corsgate-VERSION-cp39-abi3-manylinux_2_17_x86_64.whl + the sdist,
#                                    corsgate-VERSION.tgz + corsgate-linux-x64-gnu-VERSION.tgz (npm),
#                                    libnginx-mod-http-corsgate_VERSION_amd64.deb
#   scripts/dist.sh --all          plus the cross matrix: aarch64 and musl wheels and npm
#                                    packages, static musl CLI binaries, and the full
#                                    `cargo publish --dry-run` (builds and documents the crate)
#   scripts/dist.sh --cross-only   only the cross matrix, beside an existing default slice
#                                    (e.g. with its own CARGO_TARGET_DIR, in parallel)
#   scripts/dist.sh [--all] PART…  only those parts: crate c python node deb cli
#
# Needs: scripts/setup-dist.sh (run here), which installs the pinned maturin, ziglang
# and cargo-zigbuild (PyPI) into build/venv-dist, nginx-dev, and with --all the rustup
# targets. The Rust toolchain is needed to MAKE the artifacts, never to install them.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
DIST="$REPO/dist"
STAGE="$REPO/build/dist"
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"

ALL=0
CROSS_ONLY=0
parts=()
for a in "$@"; do
    case "$a" in
        --all) ALL=1 ;;
        --cross-only) ALL=1; CROSS_ONLY=1 ;;
        crate | c | python | node | deb | cli) parts+=("$a") ;;
        *) echo "dist.sh: unknown argument $a (parts: crate c python node deb cli)" >&2; exit 2 ;;
    esac
done
if [ ${#parts[@]} -eq 0 ]; then
    parts=(crate c python node deb)
    [ "$ALL" = 1 ] && parts+=(cli)
fi
want() { local p; for p in "${parts[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }

GNU_TARGETS=(x86_64-unknown-linux-gnu)
MUSL_TARGETS=()
if [ "$CROSS_ONLY" = 1 ]; then
    GNU_TARGETS=(aarch64-unknown-linux-gnu)
    MUSL_TARGETS=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
elif [ "$ALL" = 1 ]; then
    GNU_TARGETS+=(aarch64-unknown-linux-gnu)
    MUSL_TARGETS=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
fi

ALL="$ALL" bash "$REPO/scripts/setup-dist.sh"
TOOLS="$REPO/build/venv-dist"
export PATH="$TOOLS/bin:$PATH"   # maturin, cargo-zigbuild, python -m ziglang
mkdir -p "$DIST" "$STAGE"
t_all=$SECONDS
timed() { # timed LABEL CMD...: run, report seconds
    local label="$1" t0=$SECONDS; shift
    "$@"
    echo "dist: $label: $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------- Rust crate
crate() {
    rm -f "$DIST"/corsgate-*.crate
    if [ "$ALL" = 1 ]; then
        RUSTDOCFLAGS="-D warnings" cargo doc -p corsgate --no-deps --quiet
        cargo publish --dry-run -p corsgate --allow-dirty
    else
        cargo package -p corsgate --no-verify --allow-dirty --quiet
    fi
    cp "$CARGO_TARGET_DIR/package/corsgate-$VERSION.crate" "$DIST/"
}

# ---------------------------------------------------------------- C library
c_lib() {
    local triple=x86_64-linux-gnu name="libcorsgate-$VERSION-x86_64-linux-gnu"
    cargo build -p corsgate-c --release
    local out="$STAGE/$name"
    rm -rf "$out" && mkdir -p "$out/lib" "$out/include"
    # --strip-debug: the archive carries std's debug sections (~20 MB otherwise).
    strip --strip-debug -o "$out/lib/libcorsgate.a" "$CARGO_TARGET_DIR/release/libcorsgate.a"
    strip --strip-unneeded -o "$out/lib/libcorsgate.so" "$CARGO_TARGET_DIR/release/libcorsgate.so"
    grep -q 'SONAME.*\[libcorsgate\.so\.0\]' <<<"$(readelf -d "$out/lib/libcorsgate.so")" ||
        { echo "dist: libcorsgate.so has no SONAME libcorsgate.so.0" >&2; return 1; }
    cp include/corsgate.h "$out/include/"
    cp include/corsgate.pc.in bindings/c/Makefile LICENSE-MIT LICENSE-APACHE "$out/"
    cp bindings/c/README.md "$out/README.md"
    echo "$VERSION" > "$out/VERSION"
    tar -C "$STAGE" -czf "$DIST/$name.tar.gz" "$name"
    echo "dist: $name.tar.gz ($triple)"
}

# ---------------------------------------------------------------- Python
python_wheels() {
    [ "$CROSS_ONLY" = 1 ] || rm -f "$DIST"/corsgate-*.whl "$DIST/corsgate-$VERSION.tar.gz"
    local t
    for t in "${GNU_TARGETS[@]}"; do
        maturin build --release --locked --zig --compatibility manylinux2014 --target "$t" \
            -m bindings/python/Cargo.toml -o "$DIST"
    done
    for t in "${MUSL_TARGETS[@]}"; do
        maturin build --release --locked --zig --compatibility musllinux_1_2 --target "$t" \
            -m bindings/python/Cargo.toml -o "$DIST"
    done
    [ "$CROSS_ONLY" = 1 ] || maturin sdist -m bindings/python/Cargo.toml -o "$DIST"
}

# ---------------------------------------------------------------- Node
# napi-rs layout: `corsgate` (JS, no binary) with optionalDependencies on one package per
# platform, @corsgate/<platform>, holding only corsgate.<platform>.node.
npm_platform() { # rust triple -> napi platform name
    case "$1" in
        x86_64-unknown-linux-gnu) echo linux-x64-gnu ;;
        aarch64-unknown-linux-gnu) echo linux-arm64-gnu ;;
        x86_64-unknown-linux-musl) echo linux-x64-musl ;;
        aarch64-unknown-linux-musl) echo linux-arm64-musl ;;
    esac
}
node_packages() {
    [ -x bindings/node/node_modules/.bin/napi ] || bash scripts/setup-node.sh
    [ "$CROSS_ONLY" = 1 ] || rm -f "$DIST"/corsgate-*.tgz
    local stage="$STAGE/npm" t plat
    rm -rf "$stage" && mkdir -p "$stage"
    for t in "${GNU_TARGETS[@]}" "${MUSL_TARGETS[@]}"; do
        plat="$(npm_platform "$t")"
        # Every binary links with zig (napi's --cross-compile = cargo-zigbuild from PyPI):
        # gnu against glibc 2.17 (the `.2.17` suffix, as the manylinux2014 wheels; the host
        # linker would need the build machine's glibc, 2.34+ here); musl as a cdylib with
        # the dynamic C runtime (-crt-static off: Node's own musl libc).
        local target="$t" rustflags=""
        [[ "$t" == *-gnu ]] && target="$t.2.17"
        [[ "$t" == *musl ]] && rustflags="-C target-feature=-crt-static"
        (cd bindings/node && RUSTFLAGS="$rustflags" ./node_modules/.bin/napi build --platform --release \
            --target "$target" --cross-compile --output-dir "$stage/bin-$plat" --no-js --dts index.d.ts)
        local pdir="$stage/$plat"
        mkdir -p "$pdir"
        mv "$stage/bin-$plat/corsgate.$plat.node" "$pdir/"
        node - "$pdir" "$plat" "$VERSION" <<'JS'
const [dir, plat, version] = process.argv.slice(2)
const [os, cpu, abi] = plat.split('-')
const pkg = {
  name: `@corsgate/${plat}`,
  version,
  description: `The ${plat} native binary of the corsgate npm package`,
  license: 'MIT OR Apache-2.0',
  main: `corsgate.${plat}.node`,
  // npm packs README and package.json by itself, but not LICENSE-* files.
  files: [`corsgate.${plat}.node`, 'LICENSE-MIT', 'LICENSE-APACHE'],
  os: [os],
  cpu: [cpu],
  libc: [abi === 'musl' ? 'musl' : 'glibc'],
  engines: { node: '>= 20' },
}
require('node:fs').writeFileSync(`${dir}/package.json`, JSON.stringify(pkg, null, 2) + '\n')
require('node:fs').writeFileSync(`${dir}/README.md`,
  `# @corsgate/${plat}\n\nThe ${plat} binary of the npm package corsgate; install \`corsgate\`, not this package.\n`)
JS
        cp LICENSE-MIT LICENSE-APACHE "$pdir/"
        (cd "$pdir" && npm pack --silent --pack-destination "$DIST" >/dev/null)
    done
    # The main package: the repository's bindings/node without binaries, plus the
    # optionalDependencies on every platform package of this release.
    local main="$stage/corsgate"
    mkdir -p "$main"
    (cd bindings/node && cp -r package.json README.md index.js binding.js index.d.ts types.d.ts cli.js lib \
        http.js http.d.ts express.js express.d.ts fastify.js fastify.d.ts "$main/")
    cp LICENSE-MIT LICENSE-APACHE "$main/"
    node - "$main" "$VERSION" <<'JS'
const fs = require('node:fs')
const [dir, version] = process.argv.slice(2)
const file = `${dir}/package.json`
const pkg = JSON.parse(fs.readFileSync(file, 'utf8'))
if (pkg.version !== version) throw new Error(`package.json version ${pkg.version} != Cargo ${version}`)
pkg.files = [...pkg.files.filter((f) => f !== '*.node'), 'LICENSE-MIT', 'LICENSE-APACHE']
pkg.optionalDependencies = {}
for (const p of ['linux-x64-gnu', 'linux-arm64-gnu', 'linux-x64-musl', 'linux-arm64-musl']) {
  pkg.optionalDependencies[`@corsgate/${p}`] = version
}
delete pkg.devDependencies
delete pkg.scripts
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n')
JS
    (cd "$main" && npm pack --silent --pack-destination "$DIST" >/dev/null)
    ls "$DIST"/corsgate-*.tgz
}

# ---------------------------------------------------------------- CLI reference
# The Rust CLI's answers (stdout, stderr, exit code) to a fixed set of command lines;
# test-dist.sh asks the wheel's and the npm package's `corsgate` the same and compares.
cli_reference() {
    cargo build -p corsgate-cli --release --quiet
    local ref="$STAGE/cli-reference" i=0 line
    rm -rf "$ref" && mkdir -p "$ref"
    cat > "$ref/commands" <<'CMDS'
check examples/policy.json
check examples/policy.json --json
check examples/broken/bad-patterns.json
check examples/broken/typos.json --json
eval examples/policy.json --origin https://app.example.com --request-method PUT --request-headers content-type
eval examples/policy.json --origin https://evil.example.net --json
audit examples/weak/unescaped-dot.json
audit examples/policy.json --json
diff examples/policy.json examples/weak/any-origin.json
check no/such/file.json
frobnicate
CMDS
    while read -r line; do
        i=$((i + 1))
        # shellcheck disable=SC2086
        { "$CARGO_TARGET_DIR/release/corsgate" $line > "$ref/$i.stdout" 2> "$ref/$i.stderr"; echo "exit $?" > "$ref/$i.exit"; } || true
    done < "$ref/commands"
    echo "dist: CLI reference answers for $i command lines"
}

# ---------------------------------------------------------------- nginx .deb
deb() {
    bash scripts/nginx-deb.sh "$DIST"
}

# ---------------------------------------------------------------- static CLI binaries
cli_bins() {
    local t
    for t in "${MUSL_TARGETS[@]}"; do
        cargo zigbuild -p corsgate-cli --release --locked --target "$t"
        local name="corsgate-$VERSION-$t"
        rm -rf "${STAGE:?}/$name" && mkdir -p "$STAGE/$name"
        cp "$CARGO_TARGET_DIR/$t/release/corsgate" "$STAGE/$name/"
        cp LICENSE-MIT LICENSE-APACHE README.md "$STAGE/$name/"
        tar -C "$STAGE" -czf "$DIST/$name.tar.gz" "$name"
    done
}

want crate && timed crate crate
{ want python || want node; } && [ "$CROSS_ONLY" = 0 ] && timed "CLI reference" cli_reference
want c && timed "C library" c_lib
want python && timed "Python wheels + sdist" python_wheels
want node && timed "npm packages" node_packages
want deb && timed "nginx .deb" deb
want cli && [ ${#MUSL_TARGETS[@]} -gt 0 ] && timed "static CLI binaries" cli_bins
echo "dist: done in $((SECONDS - t_all)) s:"
ls -l "$DIST"
