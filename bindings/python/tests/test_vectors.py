"""Every shared conformance vector, through the Python API, judged as a browser would."""

from __future__ import annotations

import json
from typing import Any

import pytest

import corsgate
from browser import check_expectations, load_vectors

VECTORS = load_vectors()


def compile_vector(vector: dict[str, Any]) -> corsgate.Policy:
    return corsgate.Policy.from_json(json.dumps(vector["policy"]))


def test_all_vectors_loaded() -> None:
    assert len(VECTORS) >= 200
    assert len({v["id"] for v in VECTORS}) == len(VECTORS)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_vector(vector: dict[str, Any]) -> None:
    if vector["expect"].get("config_error"):
        with pytest.raises(corsgate.ConfigError) as info:
            compile_vector(vector)
        assert info.value.errors, "a ConfigError must carry its errors"
        assert all(e.severity == "error" for e in info.value.errors)
        return
    policy = compile_vector(vector)
    req = vector["request"]
    for as_bytes in (False, True):
        if as_bytes:
            method: str | bytes = req["method"].encode()
            headers: list[tuple[Any, Any]] = [(n.encode(), v.encode()) for n, v in req["headers"]]
        else:
            method, headers = req["method"], [tuple(h) for h in req["headers"]]
        d = policy.evaluate(method, headers)
        problems = check_expectations(vector, d.kind, d.status, d.headers)
        assert not problems, f"{vector['id']} ({'bytes' if as_bytes else 'str'}): {problems}\n{d!r}"
        assert d.allowed == vector["expect"]["allowed"], d.reason
        assert (d.status is not None) == (d.kind == "preflight")
        # The JSON line is the core's own rendering of the same decision.
        line = json.loads(policy.evaluate_json(method, headers))
        assert line["kind"] == d.kind and line["allowed"] == d.allowed and line["status"] == d.status
        assert [tuple(h) for h in line["headers"]] == list(d.headers)
        assert line["reason"] == d.reason and line["reason_code"] == d.reason_code
