#!/usr/bin/env bash
# Issue 14's selection cost per request, in about a minute (the gate's
# `set.selected_100k` - `set.direct_100k` takes six): builds benches/src/bin/set-probe.rs
# in the bench profile and runs it under callgrind, collecting only the measured
# function, once per mode; prints instructions per request and their difference.
# Callgrind files are left in $OUT for `callgrind_annotate` (add --dump-instr=yes via
# PROBE_CALLGRIND_ARGS for per-instruction counts).
#
#   bash scripts/set-probe.sh [TENANTS] [REQUESTS]     # defaults: 20000 1024
set -euo pipefail
cd "$(dirname "$0")/.."
TENANTS="${1:-20000}"
REQUESTS="${2:-1024}"
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
OUT="$TARGET/set-probe"
mkdir -p "$OUT"
command -v valgrind >/dev/null || { echo "set-probe: valgrind is not installed (bash scripts/setup-bench.sh)" >&2; exit 1; }
cargo build -q --profile bench -p corsgate-benches --bin set-probe
BIN="$TARGET/release/set-probe"
declare -A count
for mode in direct selected; do
    # shellcheck disable=SC2086
    valgrind --tool=callgrind --toggle-collect="set_probe::measure" ${PROBE_CALLGRIND_ARGS:-} \
        --callgrind-out-file="$OUT/callgrind.$mode.out" "$BIN" "$TENANTS" "$REQUESTS" "$mode" \
        2>"$OUT/valgrind.$mode.log"
    count[$mode]="$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$OUT/valgrind.$mode.log")"
    [ -n "${count[$mode]}" ] || { echo "set-probe: no count for $mode (see $OUT/valgrind.$mode.log)" >&2; exit 1; }
done
python3 - "${count[direct]}" "${count[selected]}" "$REQUESTS" "$TENANTS" <<'PY'
import sys
direct, selected, n, tenants = (int(x) for x in sys.argv[1:])
print(f"set-probe ({tenants} tenants, {n} requests): direct {direct / n:.1f}, "
      f"selected {selected / n:.1f}, selection {(selected - direct) / n:.1f} instructions per request")
PY
