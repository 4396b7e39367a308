"""A loop of one call, for callgrind: instructions per call = (run with N calls - run with
0 calls) / N. Same policy and requests as bench.py's issue-15 ratio.

Usage: python loop.py CASE N, CASE one of ioa (is_origin_allowed(bytes), allowed),
a-a / a-d (evaluate actual allowed / denied), p-a / p-d (preflight allowed / denied).
The command that runs every case is in benches/README.md (issue 15, Python).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import corsgate

N_ORIGINS = 1000
ORIGINS = [f"https://app{i}.example{i % 10}.com" for i in range(N_ORIGINS)]
ALLOWED = ORIGINS[N_ORIGINS // 2]
DENIED = "https://evil.example.net"
COMMON = [(b"host", b"api.example.com"), (b"user-agent", b"bench/1.0"), (b"accept", b"*/*"),
          (b"accept-encoding", b"gzip, br"), (b"accept-language", b"en")]


def scope_headers(origin: str, preflight: bool) -> list[tuple[bytes, bytes]]:
    h = [*COMMON, (b"origin", origin.encode())]
    if preflight:
        h += [(b"access-control-request-method", b"PUT"), (b"access-control-request-headers", b"x-token")]
    return h


def run1(f: Callable[[Any], Any], a: Any, n: int) -> None:
    for _ in range(n):
        f(a)


def run2(f: Callable[[Any, Any], Any], m: Any, h: Any, n: int) -> None:
    for _ in range(n):
        f(m, h)


def main() -> None:
    case, n = sys.argv[1], int(sys.argv[2])
    p = corsgate.policy_from_starlette(allow_origins=ORIGINS, allow_methods=["GET", "PUT"],
                                       allow_headers=["x-token"], allow_credentials=True, max_age=600)
    if case == "ioa":
        run1(p.is_origin_allowed, ALLOWED.encode(), n)
        return
    kind, verdict = case.split("-")
    h = scope_headers(ALLOWED if verdict == "a" else DENIED, kind == "p")
    method = "OPTIONS" if kind == "p" else "GET"
    d = p.evaluate(method, h)
    assert (d.kind, d.allowed) == ("preflight" if kind == "p" else "actual", verdict == "a"), d
    run2(p.evaluate, method, h, n)


if __name__ == "__main__":
    main()
