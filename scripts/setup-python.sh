#!/usr/bin/env bash
# Installs what scripts/test-python.sh and scripts/bench-python.sh need: python3 with venv
# (apt, only when missing) and a build/tools venv at build/venv-python holding the pinned
# tools of bindings/python/requirements-{dev,test}.txt (maturin, pytest, mypy, starlette,
# uvicorn). Idempotent: the venv is reused while its pins are unchanged.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
REQ="$REPO/bindings/python/requirements-dev.txt"
REQ_TEST="$REPO/bindings/python/requirements-test.txt"
VENV="$REPO/build/venv-python"

if ! command -v "$PY" >/dev/null || ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y python3 python3-venv python3-pip
    PY=python3
fi
"$PY" -c 'import sys; assert sys.version_info >= (3, 9), sys.version'

stamp="$VENV/.requirements"
if [ -x "$VENV/bin/python" ] && cat "$REQ" "$REQ_TEST" | cmp -s - "$stamp"; then
    echo "setup-python: $VENV is up to date"
else
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet -r "$REQ"
    cat "$REQ" "$REQ_TEST" > "$stamp"
fi
"$VENV/bin/maturin" --version
"$VENV/bin/python" -m pytest --version
