#!/usr/bin/env bash
# Fuzzing campaign: runs every cargo-fuzz target of fuzz/ for a given time and reports,
# per target, the executions, executions per second and coverage (libFuzzer's `cov`,
# covered edges, and `ft`, features), then appends them to build/fuzz/campaign.tsv so
# that time spread over several runs adds up.
#
# usage: scripts/fuzz.sh [--seed] [SECONDS_PER_TARGET] [TARGET...]
#   SECONDS_PER_TARGET  default 60
#   TARGET              default: all (origin compile differential normalizer acrh regex c_abi set_paths)
#   --seed              first rebuild the raw seeds from the conformance vectors and the
#                       example policies (fuzz/seeds.py) and minimize them into
#                       fuzz/corpus/<target> with `cargo fuzz cmin` (the committed corpora)
#
# Each run works on a copy of the committed corpus under build/fuzz/corpus/<target>, so
# the repository keeps only the minimized seeds. Crashes land in
# build/fuzz/artifacts/<target>/; the script then exits 1. Environment: FUZZ_JOBS
# (parallel targets, default 1), FUZZ_TIMEOUT (seconds per input, default 30;
# inputs slower than 10 s are reported as slow, not as failures).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"

seed=0
if [ "${1:-}" = "--seed" ]; then
    seed=1
    shift
fi
secs="${1:-60}"
shift || true
ALL_TARGETS=(origin compile differential normalizer acrh regex c_abi set_paths)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${ALL_TARGETS[@]}"); fi

# Its own directory under the shared target dir: the sanitizer flags differ from every
# other build, and a separate directory keeps them from invalidating each other.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}/fuzz"
BIN_DIR="$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release"
WORK="$REPO/build/fuzz"
DICT="$REPO/fuzz/dict/cors.dict"
timeout_s="${FUZZ_TIMEOUT:-30}"
mkdir -p "$WORK"

echo "== building the fuzz targets (cargo +nightly fuzz build)"
(cd fuzz && cargo +nightly fuzz build -O --features c-abi)

if [ "$seed" = 1 ]; then
    echo "== seeding from the conformance vectors and example policies"
    rm -rf "$WORK/seeds"
    python3 fuzz/seeds.py "$REPO" "$WORK/seeds"
    for t in "${targets[@]}"; do
        rm -rf "fuzz/corpus/$t"
        mkdir -p "fuzz/corpus/$t"
        "$BIN_DIR/$t" -merge=1 -dict="$DICT" -timeout="$timeout_s" \
            "fuzz/corpus/$t" "$WORK/seeds/$t" >"$WORK/cmin-$t.log" 2>&1
        echo "$t: $(ls "$WORK/seeds/$t" | wc -l) seeds minimized to $(ls "fuzz/corpus/$t" | wc -l)"
    done
fi

run_one() {
    local t="$1"
    local corpus="$WORK/corpus/$t" art="$WORK/artifacts/$t/" log="$WORK/run-$t.log"
    # Artifacts of earlier runs are kept in fuzz/regressions/ when they matter.
    rm -rf "$art"
    mkdir -p "$corpus" "$art"
    cp -n "fuzz/corpus/$t"/* "$corpus/" 2>/dev/null || true
    local rc=0
    "$BIN_DIR/$t" "$corpus" -dict="$DICT" -max_total_time="$secs" -timeout="$timeout_s" \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art" >"$log" 2>&1 || rc=$?
    echo "$rc" >"$WORK/rc-$t"
}

echo "== fuzzing ${#targets[@]} target(s) for ${secs}s each"
jobs_max="${FUZZ_JOBS:-1}"
for t in "${targets[@]}"; do
    run_one "$t" &
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
done
wait

failed=0
printf '%-13s %8s %12s %10s %7s %7s %7s %s\n' target seconds execs execs/s cov ft corpus result
for t in "${targets[@]}"; do
    log="$WORK/run-$t.log"
    rc="$(cat "$WORK/rc-$t")"
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    eps="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
    ran="$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)"
    last="$(grep -E '^#[0-9]+' "$log" | tail -1)"
    cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
    ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
    corp="$(ls "$WORK/corpus/$t" | wc -l)"
    crashes="$(find "$WORK/artifacts/$t" -type f ! -name 'slow-unit-*' | wc -l)"
    slow="$(find "$WORK/artifacts/$t" -type f -name 'slow-unit-*' | wc -l)"
    [ "$slow" != 0 ] && echo "note: $t: $slow slow input(s) (> 10 s) in $WORK/artifacts/$t"
    result=ok
    if [ "$rc" != 0 ] || [ "$crashes" != 0 ] || [ -z "$ran" ]; then
        result="FAILED (exit $rc, $crashes artifact(s), see $log)"
        failed=1
    fi
    printf '%-13s %8s %12s %10s %7s %7s %7s %s\n' "$t" "${ran:-?}" "${execs:-?}" "${eps:-?}" \
        "${cov:-?}" "${ft:-?}" "$corp" "$result"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "${ran:-0}" "${execs:-0}" \
        "${eps:-0}" "${cov:-0}" "${ft:-0}" "$result" >>"$WORK/campaign.tsv"
done

echo "== totals over every recorded run (build/fuzz/campaign.tsv)"
awk -F'\t' '{ s[$2] += $3; e[$2] += $4 }
    END { for (t in s) printf "%-13s %8d s %14d execs\n", t, s[t], e[t] }' "$WORK/campaign.tsv" | sort
exit "$failed"
