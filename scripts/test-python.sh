#!/usr/bin/env bash
# Builds the corsgate wheel with maturin, installs it with pip into a FRESH virtual
# environment (build/venv-python-test), checks the type stubs against the compiled
# module (mypy stubtest, plus mypy --strict over the package) and runs the pytest suite
# (API contract, every shared conformance vector through the API and through the ASGI
# and WSGI middleware over real loopback HTTP, threads, hot reload).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
bash "$REPO/scripts/setup-python.sh"

TOOLS="$REPO/build/venv-python"
FRESH="$REPO/build/venv-python-test"
WHEELS="$REPO/build/wheels-python"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
export CORSGATE_VECTORS="${CORSGATE_VECTORS:-$REPO/../shared/conformance/vectors.jsonl}"
test -f "$CORSGATE_VECTORS" || { echo "test-python: vectors not found at $CORSGATE_VECTORS" >&2; exit 1; }

echo "== corsgate-judge (the one judge, tests/)"
(cd "$REPO" && cargo build -q -p corsgate-conformance --bin corsgate-judge)
export CORSGATE_JUDGE="$CARGO_TARGET_DIR/debug/corsgate-judge"
# The suites import tests/judge_client.py (which feeds it).
export MYPYPATH="$REPO/tests"

echo "== maturin build (release, abi3)"
rm -rf "$WHEELS"
"$TOOLS/bin/maturin" build --release --locked -m "$REPO/bindings/python/Cargo.toml" -o "$WHEELS"
wheel=("$WHEELS"/corsgate-*-abi3-*.whl)
[ -f "${wheel[0]}" ] || { echo "test-python: no abi3 wheel built" >&2; exit 1; }

echo "== fresh venv + pip install ${wheel[0]##*/}"
rm -rf "$FRESH"
"$PY" -m venv "$FRESH"
"$FRESH/bin/python" -m pip install --quiet "${wheel[0]}" -r "$REPO/bindings/python/requirements-test.txt"

# Run from outside the source tree so that `import corsgate` can only find the wheel.
cd "$REPO/build"
echo "== stubtest"
"$FRESH/bin/python" -m mypy.stubtest corsgate
echo "== mypy --strict (package, tests, bench)"
"$FRESH/bin/python" -m mypy --strict --no-incremental -p corsgate
"$FRESH/bin/python" -m mypy --strict --no-incremental "$REPO/bindings/python/tests" "$REPO/benches/python"

# One abi3 wheel serves every CPython >= 3.9: run the vectors on the oldest and newest
# other interpreters on this machine (pyenv's, or ABI3_PYTHONS="py1 py2").
if [ -z "${ABI3_PYTHONS+x}" ]; then
    ABI3_PYTHONS=""
    root="$(pyenv root 2>/dev/null || true)"
    for v in 3.9 3.13; do
        for py in "$root"/versions/"$v".*/bin/python3; do
            [ -x "$py" ] && ABI3_PYTHONS="$ABI3_PYTHONS $py"
        done
    done
fi
for py in $ABI3_PYTHONS; do
    venv="$REPO/build/venv-python-abi3"
    rm -rf "$venv"
    "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --no-deps "${wheel[0]}"
    "$venv/bin/python" "$REPO/bindings/python/tests/abi3_smoke.py"
done
[ -n "$ABI3_PYTHONS" ] || echo "abi3 smoke: no other CPython found, skipped"

echo "== pytest"
"$FRESH/bin/python" -m pytest -p no:cacheprovider -q --rootdir "$REPO/bindings/python" \
    "$REPO/bindings/python/tests" "$@"
