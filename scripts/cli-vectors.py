#!/usr/bin/env python3
"""Runs every shared conformance vector through a `corsgate` CLI binary (any command
prefix, e.g. `qemu-aarch64-static path/to/corsgate`) and judges each decision as a
browser would (bindings/python/tests/browser.py). Used by scripts/test-dist.sh for the
cross-built CLI.

    scripts/cli-vectors.py [--vectors FILE] -- COMMAND...
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bindings" / "python" / "tests"))
from browser import check_expectations, load_vectors  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vectors")
    ap.add_argument("command", nargs="+")
    args = ap.parse_args()
    if args.vectors:
        os.environ["CORSGATE_VECTORS"] = args.vectors
    vectors = load_vectors()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        policy = Path(tmp) / "policy.json"
        for v in vectors:
            policy.write_text(json.dumps(v["policy"]))
            req = json.dumps({"method": v["request"]["method"], "headers": v["request"]["headers"]})
            run = subprocess.run(
                [*args.command, "eval", str(policy), "--jsonl"],
                input=req + "\n", capture_output=True, text=True, check=False,
            )
            if v["expect"].get("config_error"):
                if run.returncode != 1:
                    failures += 1
                    print(f"FAIL {v['id']}: exit {run.returncode}, expected 1 (config error)")
                continue
            try:
                d = json.loads(run.stdout)
            except ValueError:
                failures += 1
                print(f"FAIL {v['id']}: exit {run.returncode}: {run.stdout!r} {run.stderr!r}")
                continue
            headers = tuple(tuple(h) for h in d["headers"])
            problems = check_expectations(v, d["kind"], d["status"], headers)
            if problems or d["allowed"] != v["expect"]["allowed"]:
                failures += 1
                print(f"FAIL {v['id']}: {problems}")
    print(f"cli vectors: {len(vectors) - failures}/{len(vectors)} ok ({' '.join(args.command)})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
