"""One Policy shared by many threads gives the same answers as one thread."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import corsgate
from vectors import load_vectors

CASES = [v for v in load_vectors() if not v["expect"].get("config_error")]


def test_shared_policies_across_threads() -> None:
    policies = [corsgate.Policy.from_json(json.dumps(v["policy"])) for v in CASES]
    requests: list[tuple[str, list[Any]]] = [
        (v["request"]["method"], [tuple(h) for h in v["request"]["headers"]]) for v in CASES
    ]
    baseline = [repr(p.evaluate(m, h)) for p, (m, h) in zip(policies, requests)]

    def worker(seed: int) -> list[str]:
        out = []
        for round_ in range(30):
            order = range(len(CASES)) if (seed + round_) % 2 else reversed(range(len(CASES)))
            for i in order:
                m, h = requests[i]
                got = repr(policies[i].evaluate(m, h))
                if got != baseline[i]:
                    out.append(f"{CASES[i]['id']}: {got} != {baseline[i]}")
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(worker, range(8)))
    assert results == [[]] * 8


def test_compiling_in_threads() -> None:
    origins = [f"https://app{i}.example{i % 7}.com" for i in range(2000)] + ["~^https://pr-[0-9]+\\.x\\.com$"]

    def build(_: int) -> bool:
        p = corsgate.Policy(origins)
        return p.is_origin_allowed("https://app1999.example4.com") and not p.is_origin_allowed("https://evil.com")

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(build, range(8)))
