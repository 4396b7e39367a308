#!/usr/bin/env bash
# CI gate for performance: runs the instruction-count benches (gungraun / callgrind,
# benches/iai/hot_paths.rs, issue15.rs and c_abi.rs, which first assert every verdict), then compares each count
# with the committed baseline benches/iai-baseline.txt and fails when one grew by more
# than 5 % (or is missing). Instruction counts are deterministic up to the ~0.3 % that a
# randomly seeded hash table moves them; the timing benches are not run here.
#
#   bash scripts/test-bench.sh            # check
#   bash scripts/test-bench.sh --update   # rewrite the baseline from this run
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
LIMIT_PCT="${CORSGATE_IAI_LIMIT_PCT:-5}"
BASELINE="benches/iai-baseline.txt"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
OUT="$TARGET/corsgate-iai.txt"

bash scripts/setup-bench.sh >/dev/null
# The fixtures and the Zipf generator (its counts against corsgate's verdicts).
cargo test -p corsgate-benches --lib
cargo bench -p corsgate-benches --bench iai --bench iai_issue15 --bench iai_c_abi 2>&1 | tee "$OUT.log"

# "iai::hot_paths::origin hit_1k:(...)" then "  Instructions:  24328|..." -> "origin.hit_1k 24328";
# other groups keep their name: "iai_issue15::issue15::verdict exact_hit:(...)" -> "issue15.verdict.exact_hit"
awk '/^iai[a-z0-9_]*::[a-z0-9_]+::/ { split($1, p, "::"); split($2, q, ":");
                                      name = (p[2] == "hot_paths" ? "" : p[2] ".") p[3] "." q[1] }
     /^  Instructions:/ && name != "" { split($2, v, "|"); print name, v[1]; name = "" }' \
    "$OUT.log" > "$OUT"
if [ ! -s "$OUT" ]; then
    echo "no instruction counts found in the bench output" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

if [ "${1:-}" = "--update" ]; then
    {
        echo "# Instructions per benchmark (each decides a batch of 64 requests; see"
        echo "# benches/iai/hot_paths.rs). Written by: bash scripts/test-bench.sh --update"
        cat "$OUT"
    } > "$BASELINE"
    echo "baseline updated: $BASELINE"
fi

python3 - "$BASELINE" "$OUT" "$LIMIT_PCT" <<'PY'
import sys
base_path, cur_path, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
def read(path):
    out = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            name, value = line.split()
            out[name] = int(value)
    return out
base, cur = read(base_path), read(cur_path)
passed = failed = 0
for name in sorted(set(base) | set(cur)):
    b, c = base.get(name), cur.get(name)
    if b is None:
        print(f"FAIL {name}: {c} instructions, not in the baseline (run with --update)")
        failed += 1
    elif c is None:
        print(f"FAIL {name}: in the baseline ({b}) but not measured")
        failed += 1
    else:
        change = (c - b) * 100.0 / b
        ok = change <= limit
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {c} instructions, baseline {b} ({change:+.2f} %, limit +{limit:g} %)")
        passed += ok
        failed += not ok
def per_request(label, more, less, target, enforced, what, under=False):
    """Checks (more - less) / 64, one target of an issue (at most `target`, or under it
    with `under`): FAIL past it when enforced, else NOTE. Either count missing: nothing to check (the rows above report it)."""
    global passed, failed
    a, b = cur.get(more), cur.get(less)
    if a is None or b is None:
        return
    per = (a - b) / 64
    if per < target or (per == target and not under):
        status = "ok  "
        passed += enforced
    elif enforced:
        status = "FAIL"
        failed += 1
    else:
        status = "NOTE"
    print(f"{status} {label}: {per:.1f} instructions per {what} (target {'under ' if under else ''}{target}, {'enforced' if enforced else 'not enforced yet'})")
# Issue 14's target: selecting a policy of a 100,000-route set adds at most 60
# instructions per request to evaluating that policy directly (each bench decides a
# batch of 64). ~103 on round 6's merged main, 86.3 on round 7's, 75.0 on round 8's;
# met on round 9's (see benches/README.md, "Policy sets at scale"), enforced since.
per_request("set selection at 100,000 routes", "set.selected_100k", "set.direct_100k", 60, True, "request")
# Issue 15's target: the C ABI adds at most 40 instructions per decision to the same
# Rust call (benches/iai/c_abi.rs, batches of 64). Met for all three cases since round 7
# (+22 / +27 / +8 per call, GET exact, GET wildcard, preflight; see benches/README.md),
# so the gate FAILS above the target itself. Spread: the same source has printed up to
# ~25 per call apart in two builds (the preflight's 142 and 167 in two clones, 118 and
# 126 around an unrelated merge, when it was far higher), ~3 per call usually; the GETs
# have ~13 of margin, the preflight ~30. A FAIL after an unrelated change is first
# re-measured (cargo bench -p corsgate-benches --bench iai_c_abi) before it is believed.
for case in ("get_hit", "get_wildcard_hit", "preflight"):
    per_request(f"C ABI overhead, {case}", f"c_abi.c.{case}", f"c_abi.rust.{case}", 40, True, "call")
# Issue 13's target: cross-origin protection adds under 40 instructions to an allowed
# unsafe request (protection.protected_post_1k - protection.unprotected_post_1k, batches of
# 64). Measured 36.0 on round 7's merged main (benches/README.md, protect7); enforced at the
# target itself: the two counts move together with the scan they share, and the difference
# was stable to ~1 per request between builds in earlier rounds.
per_request("cross-origin protection", "protection.protected_post_1k", "protection.unprotected_post_1k", 40, True, "allowed request", under=True)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
