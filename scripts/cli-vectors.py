#!/usr/bin/env python3
"""Runs every shared conformance vector (v1) through a `corsgate` CLI binary (any command
prefix, e.g. `qemu-aarch64-static path/to/corsgate`): `eval POLICY --jsonl` per vector,
its answer handed to corsgate-judge (tests/judge_client.py), which judges it as a browser
would. Used by scripts/test-dist.sh for the cross-built CLI.

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

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import judge_client  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vectors")
    ap.add_argument("command", nargs="+")
    args = ap.parse_args()
    if args.vectors:
        with open(args.vectors, encoding="utf-8") as f:
            vectors = [json.loads(line) for line in f if line.strip()]
    else:
        vectors = judge_client.load("vectors.jsonl")
    via = "cli:" + Path(args.command[-1]).name
    observations = []
    unreadable = 0
    with tempfile.TemporaryDirectory() as tmp:
        policy = Path(tmp) / "policy.json"
        for v in vectors:
            policy.write_text(json.dumps(v["policy"]))
            req = json.dumps({"method": v["request"]["method"], "headers": v["request"]["headers"]})
            run = subprocess.run(
                [*args.command, "eval", str(policy), "--jsonl"],
                input=req + "\n", capture_output=True, text=True, check=False,
            )
            if run.returncode == 1 and not run.stdout.strip():
                # A refused policy: exit 1, the errors on stderr.
                observations.append(judge_client.observation(v["id"], via, config_error=True))
                continue
            try:
                d = json.loads(run.stdout)
            except ValueError:
                unreadable += 1
                print(f"FAIL {v['id']}: exit {run.returncode}: {run.stdout!r} {run.stderr!r}")
                continue
            observations.append(judge_client.observation(
                v["id"], via, kind=d["kind"], allowed=d["allowed"], status=d["status"],
                headers=[tuple(h) for h in d["headers"]], reason_code=d.get("reason_code")))
    verdict = judge_client.judge(judge_client.binary(), observations)
    for failure in verdict.failures():
        print(f"FAIL {failure}")
    passed, _ = verdict.counts()
    print(f"cli vectors: {passed}/{len(vectors)} ok ({verdict.summary}; {' '.join(args.command)})")
    return 0 if verdict.returncode == 0 and passed == len(vectors) and not unreadable else 1


if __name__ == "__main__":
    sys.exit(main())
