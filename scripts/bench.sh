#!/usr/bin/env bash
# The full timing run (not run by CI): criterion benches with tower-http side by side,
# the Zipf replay, compile time and memory, then the plot and the table of medians.
#
#   bash scripts/bench.sh                 # everything (about 15-25 min on 2 cores)
#   bash scripts/bench.sh -- --quick      # extra arguments go to criterion
#   CORSGATE_BENCH_SIZES=1,100,1000 bash scripts/bench.sh   # fewer policy sizes
#
# Outputs: build/bench/*.txt (raw criterion output), build/bench/summary.md (medians),
# benches/origin-scaling.png (committed plot).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
OUT="$REPO/build/bench"
mkdir -p "$OUT"
[ "${1:-}" = "--" ] && shift
CRIT_ARGS=("$@")

# The replay log: generated (deterministically), never committed.
if [ ! -s build/zipf-1m.log ]; then
    cargo run --release -p corsgate-benches --bin gen-zipf -- build/zipf-1m.log
fi

for bench in evaluate peers compile; do
    echo "== cargo bench -p corsgate-benches --bench $bench"
    cargo bench -p corsgate-benches --bench "$bench" -- "${CRIT_ARGS[@]}" 2>&1 | tee "$OUT/$bench.txt"
done

# The plot: matplotlib from a venv under build/.
VENV="$REPO/build/venv-plot"
if ! "$VENV/bin/python" -c 'import matplotlib' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "matplotlib==3.11.2"
fi
"$VENV/bin/python" benches/plot.py "$TARGET/criterion" benches/origin-scaling.png "$OUT/summary.md"
grep -h '^memory/' "$OUT/compile.txt" || true
