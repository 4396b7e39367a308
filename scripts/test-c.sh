#!/usr/bin/env bash
# C ABI suite: build libcorsgate, check include/corsgate.h for drift, Rust FFI tests, the
# C tests under AddressSanitizer (static lib) and valgrind (shared lib), all shared
# vectors through the C ABI judged as a browser would, and the README example.
# Closes with "test-c: N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
LIB="$TARGET/release"
BUILD="$REPO/build/c"
VECTORS="${CORSGATE_VECTORS:-$REPO/../shared/conformance/vectors.jsonl}"
VECTORS_V2="$(dirname "$VECTORS")/vectors-v2.jsonl"
CTEST="$REPO/bindings/c/ctest"
mkdir -p "$BUILD"
# shellcheck source=scripts/judge.sh
. "$REPO/scripts/judge.sh"

bash "$REPO/scripts/setup-c.sh" >/dev/null || { echo "setup-c.sh failed"; exit 1; }

passed=0; failed=0; failures=()
step() { # step NAME CMD...: run, count, keep going
    local name="$1"; shift
    echo "=== $name"
    if "$@"; then passed=$((passed + 1)); echo "--- ok: $name"
    else failed=$((failed + 1)); failures+=("$name"); echo "--- FAILED: $name"; fi
}

cargo build -p corsgate-c --release && build_judge || { echo "test-c: 0 passed, 1 failed"; exit 1; }
# The library's SONAME is libcorsgate.so.0: give the build tree the link an install makes.
ln -sf libcorsgate.so "$LIB/libcorsgate.so.0"

header_drift() {
    cbindgen -q --config bindings/c/cbindgen.toml --crate corsgate-c --output "$BUILD/corsgate.h" bindings/c &&
        diff -u include/corsgate.h "$BUILD/corsgate.h"
}
step "header matches a fresh cbindgen run" header_drift
step "cargo test -p corsgate-c (no-alloc, C == core)" \
    env CORSGATE_VECTORS="$VECTORS" cargo test -p corsgate-c --release -q

CFLAGS=(-std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -O1 -I"$REPO/include" -I"$CTEST")
STATIC_LIBS=("$LIB/libcorsgate.a" -lpthread -ldl -lm -lrt)
SAN=(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
build_all() {
    for t in test_api test_threads test_vectors; do
        gcc "${CFLAGS[@]}" "${SAN[@]}" "$CTEST/$t.c" "${STATIC_LIBS[@]}" -o "$BUILD/$t.asan" || return 1
        gcc "${CFLAGS[@]}" "$CTEST/$t.c" -L"$LIB" -lcorsgate -lpthread -Wl,-rpath,"$LIB" -o "$BUILD/$t.dyn" || return 1
    done
    # The benchmark is not run here, only kept compiling.
    gcc "${CFLAGS[@]}" -O2 "$REPO/benches/c/bench_evaluate.c" "${STATIC_LIBS[@]}" -o "$BUILD/bench_evaluate"
}
step "compile C tests and bench (gcc -Wall -Wextra -Werror)" build_all

# v1 and v2 vectors (merge- ones through corsgate_decision_apply); v2 features the C ABI
# lacks are skipped by id prefix, printed, counted.
mapfile -t SKIPS < <(v2_skip_args sets)
python3 "$CTEST/vectors_to_records.py" "${SKIPS[@]}" "$VECTORS" "$VECTORS_V2" \
    "$REPO"/tests/vectors/v2/*.jsonl > "$BUILD/vectors.rec" \
    2> "$BUILD/records.log" || failed=$((failed + 1))
grep '^skip ' "$BUILD/records.log"
tail -n 1 "$BUILD/records.log"
RECORDS="$(sed -n 's/^records: \([0-9]*\) written.*/\1/p' "$BUILD/records.log")"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
VG=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible)
vectors_run() { # vectors_run RUNNER...: observations through the C ABI, then corsgate-judge
    "$@" < "$BUILD/vectors.rec" > "$BUILD/observations.jsonl" &&
        judge_observations "$BUILD/observations.jsonl" "$RECORDS"
}
step "test_api (ASan+UBSan)" "$BUILD/test_api.asan"
step "test_threads (ASan+UBSan)" "$BUILD/test_threads.asan"
step "vectors through the C ABI (ASan+UBSan)" vectors_run "$BUILD/test_vectors.asan"
step "test_api (valgrind)" "${VG[@]}" "$BUILD/test_api.dyn"
step "test_threads (valgrind)" "${VG[@]}" "$BUILD/test_threads.dyn"
step "vectors through the C ABI (valgrind)" vectors_run "${VG[@]}" "$BUILD/test_vectors.dyn"

readme_example() {
    sed -n '/<!-- example:begin -->/,/<!-- example:end -->/p' bindings/c/README.md |
        sed -e '1,2d' -e '$d' | sed '$d' > "$BUILD/readme_example.c"
    [ "$(wc -l < "$BUILD/readme_example.c")" -le 25 ] || { echo "README example grew past 25 lines"; return 1; }
    mkdir -p "$BUILD/pkgconfig"
    sed -e "s|@PREFIX@|$REPO|" -e "s|@LIBDIR@|$LIB|" -e "s|@INCLUDEDIR@|$REPO/include|" \
        -e "s|@VERSION@|$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)|" \
        include/corsgate.pc.in > "$BUILD/pkgconfig/corsgate.pc"
    local flags
    flags="$(PKG_CONFIG_PATH="$BUILD/pkgconfig" pkg-config --static --cflags --libs corsgate)" || return 1
    [ "$(PKG_CONFIG_PATH="$BUILD/pkgconfig" pkg-config --modversion corsgate)" = \
      "$(sed -n 's/^#define CORSGATE_VERSION_[A-Z]* \([0-9]*\)$/\1/p' include/corsgate.h | head -3 | paste -sd.)" ] ||
        { echo "corsgate.pc version differs from the header"; return 1; }
    # Static link: -l:libcorsgate.a picks the archive even though the .so sits beside it.
    # shellcheck disable=SC2086
    gcc -std=c11 -Wall -Wextra -Werror "$BUILD/readme_example.c" ${flags/-lcorsgate/-l:libcorsgate.a} \
        -o "$BUILD/readme_example" || return 1
    local out
    out="$("$BUILD/readme_example")" || return 1
    echo "$out"
    [ "$out" = $'Access-Control-Allow-Origin: https://app.example.com\nVary: Origin' ]
}
step "README example compiles (pkg-config --static) and prints the decision" readme_example

for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "test-c: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
