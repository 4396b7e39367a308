#!/usr/bin/env python3
"""Runs conformance vectors through a `corsgate` CLI binary (any command prefix, e.g.
`qemu-aarch64-static path/to/corsgate`) with `eval POLICY --jsonl`, and has the one
judge, corsgate-judge (tests/src/bin/corsgate-judge.rs), check every decision as a
browser would. Policy sets (set- vectors) go through the same command: the request line
carries the vector's `path`, the decision line names `policy` and `route`. Used by
scripts/test-dist.sh for the cross-built CLI.

    scripts/cli-vectors.py [--vectors FILE]... [--judge PATH] [--skip PREFIX=WHY]... -- COMMAND...

Without --vectors: the shared vectors.jsonl and vectors-v2.jsonl (beside the repository,
or CORSGATE_VECTORS's directory) and the project's tests/vectors/*.jsonl and
tests/vectors/v2/*.jsonl. Vectors whose id starts with a --skip prefix are left out and
counted (none by default: the CLI has every feature the vectors need). The judge is
--judge, else $CORSGATE_JUDGE, else target/debug/corsgate-judge (built with cargo when
absent). The last line is
"cli vectors: N passed, N failed, N skipped"; exit 0 only when all passed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SKIPS: list[str] = []


def default_files() -> list[Path]:
    shared = Path(os.environ.get("CORSGATE_VECTORS", REPO.parent / "shared" / "conformance" / "vectors.jsonl")).parent
    files = [shared / "vectors.jsonl", shared / "vectors-v2.jsonl"]
    files += sorted((REPO / "tests" / "vectors").glob("*.jsonl"))
    files += sorted((REPO / "tests" / "vectors" / "v2").glob("*.jsonl"))
    return files


def judge_binary(path: str | None) -> str:
    path = path or os.environ.get("CORSGATE_JUDGE")
    if path:
        return path
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    judge = target / "debug" / "corsgate-judge"
    if not judge.exists():
        subprocess.run(["cargo", "build", "-q", "-p", "corsgate-conformance", "--bin", "corsgate-judge"],
                       cwd=REPO, check=True)
    return str(judge)


def observe(command: list[str], policy: Path, v: dict) -> dict:
    """One observation line of the judge protocol for vector `v`."""
    req = v["request"]
    line = {"method": req["method"], "headers": req["headers"]}
    for key in ("path", "app_headers"):
        if key in req:
            line[key] = req[key]
    policy.write_text(json.dumps(v["policy"]))
    run = subprocess.run([*command, "eval", str(policy), "--jsonl"], input=json.dumps(line) + "\n",
                         capture_output=True, text=True, check=False)
    if run.returncode == 1:
        observed = {"config_error": True}
    else:
        try:
            observed = json.loads(run.stdout.splitlines()[0])
            observed["config_error"] = False
        except (ValueError, IndexError):
            observed = {"malformed": f"exit {run.returncode}: {run.stdout!r} {run.stderr!r}"}
    return {"id": v["id"], "via": "cli", "observed": observed}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vectors", action="append")
    ap.add_argument("--judge")
    ap.add_argument("--skip", action="append", default=None)
    ap.add_argument("command", nargs="+")
    args = ap.parse_args()
    files = [Path(f) for f in args.vectors] if args.vectors else default_files()
    skips = [s.partition("=")[::2] for s in (args.skip if args.skip is not None else DEFAULT_SKIPS)]
    vectors, skipped = [], 0
    for f in files:
        for text in f.read_text(encoding="utf-8").splitlines():
            if not text.strip():
                continue
            v = json.loads(text)
            if any(v["id"].startswith(p) for p, _ in skips):
                skipped += 1
            else:
                vectors.append(v)
    with tempfile.TemporaryDirectory() as tmp:
        policy = Path(tmp) / "policy.json"
        observations = "".join(json.dumps(observe(args.command, policy, v)) + "\n" for v in vectors)
    judged = subprocess.run([judge_binary(args.judge)], input=observations, capture_output=True,
                            text=True, check=False)
    answers = [json.loads(a) for a in judged.stdout.splitlines() if a.strip()]
    failed = [a for a in answers if not a.get("ok")]
    for a in failed[:40]:
        print(f"FAIL {a.get('id')}: {'; '.join(a.get('problems', []))}")
    passed = len(answers) - len(failed)
    failed_n = len(failed) + (len(vectors) - len(answers))
    print(f"cli vectors: {passed} passed, {failed_n} failed, {skipped} skipped ({' '.join(args.command)})")
    return 0 if failed_n == 0 and judged.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
