#!/usr/bin/env bash
# Benchmarks the Python binding against Starlette's CORSMiddleware (benches/python/bench.py).
# Not run by CI. Builds the release wheel and installs it into the tools venv.
# Usage: scripts/bench-python.sh [--quick]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$REPO/scripts/setup-python.sh" >/dev/null
TOOLS="$REPO/build/venv-python"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
WHEELS="$REPO/build/wheels-python-bench"
rm -rf "$WHEELS"
"$TOOLS/bin/maturin" build --release --locked -m "$REPO/bindings/python/Cargo.toml" -o "$WHEELS" >/dev/null 2>&1
"$TOOLS/bin/python" -m pip install --quiet --force-reinstall --no-deps "$WHEELS"/corsgate-*.whl
cd "$REPO/build"
"$TOOLS/bin/python" "$REPO/benches/python/bench.py" "$@"
