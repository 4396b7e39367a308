"""Feeding the one judge (`corsgate-judge`, tests/src/bin) from a Python suite.

The C, nginx and Python suites run vectors through their runtime, turn each answer into
an observation of the judge protocol (logs/HELPERS.md, "The judge protocol") and call
:func:`judge`, which pipes them to the binary and returns its verdicts.

The binary is ``$CORSGATE_JUDGE`` when set, else it is built with
``cargo build -p corsgate-conformance --bin corsgate-judge`` in the workspace.
"""

import json
import os
import subprocess

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def shared_dir():
    """The shared conformance folder: ``$CORSGATE_SHARED/conformance`` or ../shared."""
    base = os.environ.get("CORSGATE_SHARED") or os.path.join(REPO, "..", "shared")
    return os.path.join(base, "conformance")


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def needs_pending_feature(vector):
    """Whether the vector needs a feature the core does not have yet: policy sets (issue
    14) or cross-origin protection (issue 13)."""
    policy = vector["policy"]
    return isinstance(policy, dict) and ("policies" in policy or "cross_origin_protection" in policy)


def merge_vectors():
    """The shared ``merge-`` vectors (response rule) the core can run today."""
    vs = load(os.path.join(shared_dir(), "vectors-v2.jsonl"))
    return [v for v in vs if v["id"].startswith("merge-") and not needs_pending_feature(v)]


def binary():
    path = os.environ.get("CORSGATE_JUDGE")
    if path:
        return path
    subprocess.run(["cargo", "build", "-q", "-p", "corsgate-conformance", "--bin", "corsgate-judge"],
                   cwd=REPO, check=True)
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target")
    return os.path.join(target, "debug", "corsgate-judge")


def observation(vector_id, via, headers, final_headers=None, **fields):
    """One protocol line. Over HTTP pass the response as ``headers`` and as
    ``final_headers`` (when the vector has app_headers) and leave kind/allowed unknown."""
    observed = {"kind": None, "allowed": None, "headers": [list(h) for h in headers], **fields}
    if final_headers is not None:
        observed["final_headers"] = [list(h) for h in final_headers]
    return {"id": vector_id, "via": via, "observed": observed}


def judge(observations):
    """Runs the judge on the observations; returns (all passed, [failed answer lines],
    the judge's summary line)."""
    if not observations:
        return False, ["no observations"], ""
    text = "".join(json.dumps(o) + "\n" for o in observations)
    run = subprocess.run([binary()], input=text, capture_output=True, text=True, timeout=300)
    answers = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    failed = [a for a in answers if not a.get("ok")]
    summary = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else ""
    ok = run.returncode == 0 and not failed and len(answers) == len(observations)
    return ok, failed, summary


def main():
    """``python3 judge_client.py DECISIONS.jsonl VIA``: wraps C-ABI decision lines
    (test_vectors.c output) as observations and judges them; exit 0 when all pass."""
    import sys

    with open(sys.argv[1], encoding="utf-8") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    obs = [{"id": d["id"], "via": sys.argv[2], "observed": d} for d in lines]
    ok, failed, summary = judge(obs)
    for a in failed:
        print("FAIL", json.dumps(a))
    print(summary)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
