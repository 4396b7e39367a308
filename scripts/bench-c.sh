#!/usr/bin/env bash
# Benchmark of evaluate through the C ABI (not run by CI):
#  1. benches/c/bench_evaluate.c: ns per call from a C program (static libcorsgate.a, -O2);
#  2. bindings/c/examples/ffi_overhead.rs: the same cases as a Rust call and through the
#     extern fn (not inlinable), and the difference: the C ABI's overhead.
# Usage: bash scripts/bench-c.sh [ITERATIONS]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
ITERS="${1:-1000000}"
mkdir -p build/c
bash scripts/setup-c.sh >/dev/null
cargo build -q -p corsgate-c --release
gcc -std=c11 -O2 -Wall -Wextra -Werror -Iinclude benches/c/bench_evaluate.c "$TARGET/release/libcorsgate.a" \
    -lpthread -ldl -lm -lrt -o build/c/bench_evaluate
echo "== C program -> libcorsgate.a ($ITERS iterations, best of 7)"
build/c/bench_evaluate "$ITERS"
echo "== Rust call vs the same call through the C ABI"
cargo run -q --release -p corsgate-c --example ffi_overhead -- "$ITERS"
echo "== Instructions per call (valgrind callgrind; repeatable): Rust call vs C ABI"
EX="$TARGET/release/examples/ffi_overhead"
ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$EX" count "$1" "$2" "$3" 2>&1 | sed -n 's/.*Collected : //p'; }
names=(actual-exact-allowed actual-wildcard-allowed actual-denied preflight-allowed not-cors)
for c in 0 1 2 3 4; do
    r=$(( ($(ir "$c" rust 10000) - $(ir "$c" rust 0)) / 10000 ))
    k=$(( ($(ir "$c" c 10000) - $(ir "$c" c 0)) / 10000 ))
    printf '%-24s rust %5d   c-abi %5d   overhead %4d instructions\n' "${names[$c]}" "$r" "$k" $((k - r))
done
