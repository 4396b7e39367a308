"""Every shared conformance vector (v1, and v2 but for features not here yet), through the
Python API, judged by corsgate-judge as a browser would. Policy sets (``set-``,
``cop-set-``) go through ``PolicySet``, with the vector's ``Host`` line and path; their
decisions' ``policy`` and ``route`` are judged too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import corsgate
import judge_client
from vectors import api_observation, suite_vectors
from wire import compile_vector, vector_path

VECTORS = suite_vectors("python-api")


def test_set_vectors_run() -> None:
    ids = [v["id"] for v in VECTORS]
    assert sum(i.startswith("set-") for i in ids) >= 30 and sum(i.startswith("cop-set-") for i in ids) >= 2


def test_all_vectors_loaded() -> None:
    assert len(VECTORS) >= 200
    assert len({v["id"] for v in VECTORS}) == len(VECTORS)


def observe(vector: dict[str, Any]) -> list[dict[str, Any]]:
    """The vector through the API with str and with bytes arguments (config errors once)."""
    try:
        policy = compile_vector(vector)
    except corsgate.ConfigError as info:
        assert info.errors, "a ConfigError must carry its errors"
        assert all(e.severity == "error" for e in info.errors)
        return [judge_client.observation(vector["id"], "python-api", config_error=True)]
    req = vector["request"]
    out = []
    for as_bytes in (False, True):
        if as_bytes:
            method: str | bytes = req["method"].encode()
            headers: list[tuple[Any, Any]] = [(n.encode(), v.encode()) for n, v in req["headers"]]
            path: str | bytes = vector_path(vector).encode()
        else:
            method, headers, path = req["method"], [tuple(h) for h in req["headers"]], vector_path(vector)
        if isinstance(policy, corsgate.PolicySet):
            d = policy.evaluate(method, headers, path)
            line = json.loads(policy.evaluate_json(method, headers, path))
            assert (line["policy"], line["route"]) == (d.policy, d.route)
        else:
            d = policy.evaluate(method, headers)
            line = json.loads(policy.evaluate_json(method, headers))
            assert (d.policy, d.route) == (None, None)
        out.append(api_observation(vector, "python-api-bytes" if as_bytes else "python-api", d))
        # The JSON line is the core's own rendering of the same decision.
        assert line["kind"] == d.kind and line["allowed"] == d.allowed and line["status"] == d.status
        assert [tuple(h) for h in line["headers"]] == list(d.headers)
        assert line["reason"] == d.reason and line["reason_code"] == d.reason_code
    return out


@pytest.fixture(scope="module")
def verdict(judge_bin: Path) -> judge_client.Verdict:
    observations = [o for v in VECTORS for o in observe(v)]
    return judge_client.judge(judge_bin, observations)


def test_judge_accepts_every_observation(verdict: judge_client.Verdict) -> None:
    configs = sum(1 for v in VECTORS if v["expect"].get("config_error"))
    verdict.assert_all_passed(2 * len(VECTORS) - configs)


def test_the_judge_sees_a_tampered_answer(judge_bin: Path) -> None:
    """The pipeline can fail: an answer with its ACAO changed comes back rejected."""
    vector = next(v for v in VECTORS if v["expect"].get("acao") and v["expect"]["kind"] == "actual")
    policy = compile_vector(vector)
    assert isinstance(policy, corsgate.Policy)
    d = policy.evaluate(vector["request"]["method"], [tuple(h) for h in vector["request"]["headers"]])
    good = api_observation(vector, "good", d)
    bad = api_observation(vector, "bad", d)
    bad["observed"]["headers"] = [[n, "https://other.example" if n == "Access-Control-Allow-Origin" else v]
                                  for n, v in bad["observed"]["headers"]]
    result = judge_client.judge(judge_bin, [good, bad])
    assert result.counts() == (1, 1) and result.returncode == 1
    assert result.problems(vector["id"], "bad")
