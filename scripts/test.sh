#!/usr/bin/env bash
# Every test of every part, on a fresh machine: each part's script installs what it
# needs (apt packages, cargo tools, a Python venv, npm packages) and runs its suite.
# Exit non-zero when any part fails; the last line summarizes the parts.
#
#   scripts/test.sh            all parts
#   scripts/test.sh core node  only the named parts
set -uo pipefail
cd "$(dirname "$0")/.."

ALL_PARTS=(core c nginx python node wasm e2e bench fuzz dist)
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=("${ALL_PARTS[@]}")

passed=0
failed=0
failed_names=()
start_all=$SECONDS
for part in "${parts[@]}"; do
  script="scripts/test-$part.sh"
  echo
  echo "================================================================"
  echo "== $part ($script)"
  echo "================================================================"
  if [ ! -f "$script" ]; then
    echo "missing $script" >&2
    failed=$((failed + 1)); failed_names+=("$part"); continue
  fi
  t0=$SECONDS
  if bash "$script"; then
    passed=$((passed + 1))
    echo "== $part: ok ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1)); failed_names+=("$part")
    echo "== $part: FAILED ($((SECONDS - t0)) s)"
  fi
done
echo
echo "== all parts took $((SECONDS - start_all)) s; failed: ${failed_names[*]:-none}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
