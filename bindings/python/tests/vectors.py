"""The vectors the Python suites run.

Every suite runs the shared v1 vectors and the v2 vectors (policy sets and cross-origin
protection included) but for those named in PENDING, which another suite runs (keyed on
the id prefix; each skipped vector is printed and counted). Observations
go to corsgate-judge through tests/judge_client.py; nothing here judges.
"""

from __future__ import annotations

from typing import Any

import judge_client

# Version-2 vectors these suites leave to another: the merge- vectors (app_headers) run in
# test_merge.py. Policy sets (set-, cop-set-, merge-in-set) run everywhere.
PENDING = ((judge_client.MERGE[0], "the app_headers pass of test_merge.py, which runs them all"),)


def load_vectors() -> list[dict[str, Any]]:
    """Shared v1 vectors."""
    return judge_client.load("vectors.jsonl")


def suite_vectors(label: str) -> list[dict[str, Any]]:
    """v1 and the runnable v2 vectors (skips printed and counted under `label`)."""
    return judge_client.runnable(judge_client.load("vectors.jsonl", "vectors-v2.jsonl"), PENDING, label)


def api_observation(vector: dict[str, Any], via: str, d: Any) -> dict[str, Any]:
    """A corsgate.Decision as a judge observation."""
    return judge_client.observation(vector["id"], via, kind=d.kind, allowed=d.allowed, status=d.status,
                                    headers=list(d.headers), reason_code=d.reason_code,
                                    policy=d.policy, route=d.route)
