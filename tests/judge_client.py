"""Feeding corsgate-judge from Python: the nginx suite and the Python binding's suites.

corsgate-judge (tests/src/bin/corsgate-judge.rs) is the one judge of conformance
observations (protocol: tests/src/protocol.rs).
This module only builds it, runs it and reads its answers; it judges nothing itself.
Standard library only.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CORSGATE_SHARED", REPO.parent / "shared")) / "conformance"

# Version-2 features keyed on the vector id prefix (shared/conformance/README.md,
# "Version 2"); a suite passes the ones its runtime lacks yet to `runnable`. Every
# runtime fed from here (Python, nginx) has cross-origin protection (COP, MERGE_COP).
COP = ("cop-", "cross-origin protection (issue 13)")
SETS = ("set-", "policy sets (issue 14)")
MERGE = ("merge-", "the response rule (issue 12 item 2)")
# merge- vectors that also need one of those features.
MERGE_COP = ("merge-refused-", COP[1])
MERGE_SETS = ("merge-in-set", SETS[1])
# cop- vectors that also need policy sets.
COP_SETS = ("cop-set-", SETS[1])

SUMMARY = re.compile(r"^judge: (\d+) passed, (\d+) failed$")


def binary() -> Path:
    """corsgate-judge: $CORSGATE_JUDGE when the calling script built it, else built here
    (debug, this checkout's target dir)."""
    if os.environ.get("CORSGATE_JUDGE"):
        return Path(os.environ["CORSGATE_JUDGE"])
    subprocess.run(["cargo", "build", "-q", "-p", "corsgate-conformance", "--bin", "corsgate-judge"],
                   cwd=REPO, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return target / "debug" / "corsgate-judge"


def load(*names: str) -> list[dict[str, Any]]:
    """The vectors of shared/conformance files `names` (default: vectors.jsonl)."""
    out: list[dict[str, Any]] = []
    for name in names or ("vectors.jsonl",):
        with open(SHARED / name, encoding="utf-8") as f:
            out += [json.loads(line) for line in f if line.strip()]
    assert out, f"no vectors in {names}"
    return out


def runnable(vectors: list[dict[str, Any]], pending: tuple[tuple[str, str], ...],
             label: str) -> list[dict[str, Any]]:
    """`vectors` without those whose id starts with a `pending` prefix; each skipped one
    is printed with the feature it needs, and the count."""
    keep = []
    skipped = 0
    for v in vectors:
        why = next((w for p, w in pending if v["id"].startswith(p)), None)
        if why is None:
            keep.append(v)
        else:
            skipped += 1
            print(f"{label}: skip {v['id']} (needs {why})")
    print(f"{label}: {len(keep)} vectors run, {skipped} skipped by feature")
    return keep


def merge_vectors(label: str, sets: bool = False) -> list[dict[str, Any]]:
    """The shared merge- vectors (the response rule) whose other features exist
    (`sets`: the runtime has policy sets, so merge-in-set runs too)."""
    merge = [v for v in load("vectors-v2.jsonl") if v["id"].startswith(MERGE[0])]
    return runnable(merge, () if sets else (MERGE_SETS,), label)


def answers_itself(vector: dict[str, Any]) -> bool:
    """Whether the runtime answers the vector's request itself (a preflight or a refusal):
    the application is not called and the status is observable as the decision's."""
    return vector["expect"]["kind"] in ("preflight", "refused")


def observation(vector_id: str, via: str, **observed: Any) -> dict[str, Any]:
    """One protocol line; `observed` holds kind, allowed, status, headers, final_headers,
    reason_code, policy, route, config_error as the runtime saw them (None: not observable)."""
    for key in ("headers", "final_headers"):
        if observed.get(key) is not None:
            observed[key] = [[n, v] for n, v in observed[key]]
    return {"id": vector_id, "via": via, "observed": observed}


class Verdict:
    """The judge's answers to one batch of observations."""

    def __init__(self, returncode: int, answers: list[dict[str, Any]], summary: str) -> None:
        self.returncode = returncode
        self.answers = answers
        self.summary = summary

    def failures(self) -> list[str]:
        return [f"{a['id']} ({a['via']}): {'; '.join(a['problems'])}" for a in self.answers if not a["ok"]]

    def problems(self, vector_id: str, via: str) -> list[str]:
        for a in self.answers:
            if a["id"] == vector_id and a["via"] == via:
                return list(a["problems"])
        return ["the judge gave no answer"]

    def counts(self) -> tuple[int, int]:
        m = SUMMARY.match(self.summary)
        assert m, f"no judge summary: {self.summary!r}"
        return int(m.group(1)), int(m.group(2))

    def assert_all_passed(self, expected: int) -> None:
        """Exit status 0 and exactly `expected` observations passed."""
        assert self.counts() == (expected, 0) and self.returncode == 0, (
            f"{self.summary} (want {expected} passed, exit {self.returncode}):\n" + "\n".join(self.failures()))


def judge(judge_bin: Path, observations: list[dict[str, Any]]) -> Verdict:
    """Runs corsgate-judge over `observations`."""
    text = "".join(json.dumps(o) + "\n" for o in observations)
    p = subprocess.run([str(judge_bin)], input=text, capture_output=True, text=True)
    answers = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    lines = p.stderr.strip().splitlines()
    return Verdict(p.returncode, answers, lines[-1] if lines else "")


def verdicts(judge_bin: Path, exchanges: list[dict[str, Any]]) -> list[bool]:
    """The browser's verdicts alone (`corsgate-judge --verdict`), for requests that are not
    vectors: each exchange is {credentials, request, kind, status, headers}."""
    text = "".join(json.dumps(e) + "\n" for e in exchanges)
    p = subprocess.run([str(judge_bin), "--verdict"], input=text, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    out = [json.loads(line) for line in p.stdout.splitlines()]
    return [bool(o["allowed"]) for o in out]
