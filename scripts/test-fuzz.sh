#!/usr/bin/env bash
# CI smoke test of the fuzz targets (installs its tools with scripts/setup-fuzz.sh):
#   1. a canary proves the harness notices a crash (a panicking input must fail the
#      run and leave a crash artifact), so the checks below cannot pass on a crash;
#   2. every target replays its committed corpus and its regression inputs
#      (fuzz/regressions/<target>/, when present), then fuzzes for SMOKE_SECONDS
#      (default 15) from that corpus. A target passes when libFuzzer exits 0, reports
#      "Done N runs" with N > 0, and leaves no crash, leak, timeout (30 s) or OOM
#      artifact (inputs slower than 10 s are left as slow-unit files, not failures).
# FUZZ_TARGETS (space-separated) picks targets. Prints "N passed, M failed" last and exits 1 on any failure.
set -uo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
if ! bash scripts/setup-fuzz.sh; then
    echo "fuzz setup failed"
    echo "0 passed, 1 failed"
    exit 1
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}/fuzz"
BIN_DIR="$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release"
WORK="$REPO/build/fuzz-smoke"
DICT="$REPO/fuzz/dict/cors.dict"
SECS="${SMOKE_SECONDS:-15}"
# FUZZ_TARGETS="differential normalizer" runs only those (all are built).
read -r -a TARGETS <<<"${FUZZ_TARGETS:-origin compile differential normalizer acrh regex c_abi set_paths}"
passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }

echo "== building the fuzz targets"
if ! (cd fuzz && cargo +nightly fuzz build -O --features c-abi); then
    echo "fuzz build failed"
    echo "0 passed, 1 failed"
    exit 1
fi
rm -rf "$WORK"
mkdir -p "$WORK"

# 1. The canary: a crashing input must be reported as a crash.
# It runs exactly as the replay below does (a corpus directory, -runs=0).
mkdir -p "$WORK/canary/art" "$WORK/canary/corpus"
printf 'CORSGATE-CANARY' >"$WORK/canary/corpus/input"
CORSGATE_FUZZ_CANARY=1 "$BIN_DIR/origin" -runs=0 -artifact_prefix="$WORK/canary/art/" \
    "$WORK/canary/corpus" >"$WORK/canary/log" 2>&1
rc=$?
if [ "$rc" != 0 ] && grep -q "canary input" "$WORK/canary/log" &&
    [ -n "$(find "$WORK/canary/art" -name 'crash-*')" ]; then
    pass "canary: a panicking input fails the run (exit $rc) and leaves a crash artifact"
else
    fail "canary: a panicking input was not reported (exit $rc); see $WORK/canary/log"
fi

# 2. Every target: replay, then a short fuzzing run.
for t in "${TARGETS[@]}"; do
    dir="$WORK/$t"
    mkdir -p "$dir/corpus" "$dir/art"
    cp "fuzz/corpus/$t"/* "$dir/corpus/" 2>/dev/null || true
    inputs="$(ls "$dir/corpus" | wc -l)"
    if [ -d "fuzz/regressions/$t" ]; then
        inputs="$inputs + $(ls "fuzz/regressions/$t" | wc -l) regression"
    fi
    replay=("$dir/corpus")
    [ -d "fuzz/regressions/$t" ] && replay+=("fuzz/regressions/$t")
    # -runs=0 executes every input of the directories once, then stops.
    "$BIN_DIR/$t" -runs=0 -timeout=30 -artifact_prefix="$dir/art/" "${replay[@]}" \
        >"$dir/replay.log" 2>&1
    rc_replay=$?
    "$BIN_DIR/$t" "$dir/corpus" -dict="$DICT" -max_total_time="$SECS" -timeout=30 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/art/" \
        >"$dir/run.log" 2>&1
    rc=$?
    runs="$(sed -n 's/^Done \([0-9]*\) runs in.*/\1/p' "$dir/run.log" | tail -1)"
    eps="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/run.log" | tail -1)"
    cov="$(grep -E '^#[0-9]+' "$dir/run.log" | tail -1 | sed -n 's/.* cov: \([0-9]*\).*/\1/p')"
    artifacts="$(find "$dir/art" -type f ! -name 'slow-unit-*' | wc -l)"
    if [ "$rc_replay" = 0 ] && [ "$rc" = 0 ] && [ "${runs:-0}" -gt 0 ] && [ "$artifacts" = 0 ]; then
        pass "$t: replayed $inputs inputs, then ${runs} runs in ${SECS}s (${eps} exec/s, cov ${cov})"
    else
        fail "$t: replay exit $rc_replay, run exit $rc, runs '${runs:-}', $artifacts artifact(s); see $dir/*.log"
        grep -E "panicked|ERROR: libFuzzer|SUMMARY" "$dir/replay.log" "$dir/run.log" | head -5
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
