"""Drop-in differentials over real HTTP: the shared requests (tests/dropin/requests.json)
sent to a server running the anchor package and to one running corsgate with the same
settings; the browser's verdict on each answer from ``corsgate-judge --verdict``; every
verdict difference must carry the tag of a README migration-table row."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import judge_client
from servers import Client

REQUESTS: list[dict[str, Any]] = json.loads(
    (judge_client.REPO / "tests" / "dropin" / "requests.json").read_text(encoding="utf-8")
)

# explain(request, ours_allowed, theirs_allowed) -> the migration-table tag, or None.
Explain = Callable[[dict[str, Any], bool, bool], Optional[str]]


def kind_of(request: dict[str, Any]) -> str:
    names = {n.lower() for n, _ in request["headers"]}
    if "origin" not in names:
        return "not_cors"
    return "preflight" if request["method"] == "OPTIONS" and "access-control-request-method" in names else "actual"


def origin_of(request: dict[str, Any]) -> str | None:
    return next((v for n, v in request["headers"] if n == "Origin"), None)


def cors_headers(lines: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for n, v in lines:
        k = n.lower()
        if k.startswith("access-control-") or k == "vary":
            out[k] = f"{out[k]}, {v}" if k in out else v
    return out


def safelisted_method_difference(r: dict[str, Any], ours: bool, theirs: bool, methods: list[str]) -> bool:
    """corsgate allows a preflight for GET, HEAD or POST that the anchor refuses because
    the method is not in its list: Fetch never needs them listed (README row
    "safelisted-methods")."""
    acrm = next((v for n, v in r["headers"] if n == "Access-Control-Request-Method"), None)
    return ours and not theirs and acrm in ("GET", "HEAD", "POST") and acrm not in methods and "*" not in methods


@dataclass
class Table:
    label: str
    requests: int = 0
    verdict_diffs: int = 0
    explained: Counter[str] = field(default_factory=Counter)
    unexplained: list[str] = field(default_factory=list)
    header_diffs: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        return (f"dropin {self.label}: {self.requests} requests, {self.verdict_diffs} verdict differences "
                f"(explained {dict(self.explained)}), header differences {dict(self.header_diffs)}")


def differential(label: str, judge_bin: Path, ours: int, theirs: int, credentials: bool,
                 explain: Explain, path: str = "/") -> Table:
    table = Table(label, requests=len(REQUESTS))
    exchanges = []
    a, b = Client(ours), Client(theirs)
    try:
        for r in REQUESTS:
            sa, ha, _ = a.request(r["method"], path, r["headers"])
            sb, hb, _ = b.request(r["method"], path, r["headers"])
            for status, headers in ((sa, ha), (sb, hb)):
                exchanges.append({"credentials": credentials, "request": r["headers"], "kind": kind_of(r),
                                  "status": status, "headers": headers})
            ca, cb = cors_headers(ha), cors_headers(hb)
            for k in sorted(set(ca) | set(cb)):
                if ca.get(k) != cb.get(k):
                    table.header_diffs[k] += 1
    finally:
        a.close()
        b.close()
    verdicts = judge_client.verdicts(judge_bin, exchanges)
    for i, r in enumerate(REQUESTS):
        va, vb = verdicts[2 * i], verdicts[2 * i + 1]
        if va == vb:
            continue
        table.verdict_diffs += 1
        tag = explain(r, va, vb)
        if tag is None:
            table.unexplained.append(f"{json.dumps(r)}: corsgate allowed={va}, anchor allowed={vb}")
        else:
            table.explained[tag] += 1
    print(table.line())
    return table
