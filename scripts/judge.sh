# Sourced by the suites that feed corsgate-judge (tests/src/bin/corsgate-judge.rs), the
# one judge of conformance observations. Needs REPO; honours CARGO_TARGET_DIR.
#   build_judge                 builds it (debug) and sets JUDGE
#   judge_observations FILE N   judges FILE (JSON lines); passes when the judge exits 0
#                               and exactly N observations passed (none missing)
#   v2_skip_args [merge] [cop] [sets]  the --skip arguments of bindings/c/ctest/vectors_to_records.py
#                               for the version-2 features the C ABI and nginx lack yet
#                               (`sets`: the runner has policy sets, so set- vectors run)
JUDGE="${CARGO_TARGET_DIR:-$REPO/target}/debug/corsgate-judge"

build_judge() {
    (cd "$REPO" && cargo build -q -p corsgate-conformance --bin corsgate-judge)
}

judge_observations() {
    local file="$1" want="$2" rc summary
    "$JUDGE" < "$file" > "$file.answers" 2> "$file.summary"
    rc=$?
    grep -v '"ok":true' "$file.answers" | head -40
    summary="$(tail -n 1 "$file.summary")"
    echo "$summary (want $want passed)"
    [ "$rc" -eq 0 ] && [ "$summary" = "judge: $want passed, 0 failed" ]
}

# The features keyed on the vector id prefix (shared/conformance/README.md "Version 2").
# `merge` also skips every merge- vector (for a runner that runs them in a pass of its
# own); `cop` skips the cross-origin protection vectors (for a runner that does not
# answer refusals yet). The C ABI has cross-origin protection (the core decides).
v2_skip_args() {
    local arg merge=0 cop=0 sets=0
    for arg in "$@"; do
        case "$arg" in
            merge) merge=1 ;;
            cop) cop=1 ;;
            sets) sets=1 ;;
        esac
    done
    if [ "$sets" = 0 ]; then
        printf '%s\n' --skip "cop-set-=policy sets (issue 14)" \
            --skip "set-=policy sets (issue 14)" \
            --skip "merge-in-set=policy sets (issue 14)"
    fi
    if [ "$cop" = 1 ]; then
        printf '%s\n' --skip "cop-=cross-origin protection in this runtime (issue 13)" \
            --skip "merge-refused-=cross-origin protection in this runtime (issue 13)"
    fi
    if [ "$merge" = 1 ]; then
        printf '%s\n' --skip "merge-=the pass with an upstream sending app_headers (run separately)"
    fi
}
