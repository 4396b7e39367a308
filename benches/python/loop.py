"""A loop of one call, for callgrind: instructions per call = (run with N calls - run with
0 calls) / N. Same policy and requests as bench.py's issue-15 ratio.

Usage: python loop.py CASE N [hold], CASE one of ioa (is_origin_allowed(bytes), allowed),
a-a / a-d (evaluate actual allowed / denied), p-a / p-d (preflight allowed / denied).
With `hold`, each call's result is kept until the next call returns (as with concurrent
requests), so `evaluate` cannot reuse its last `Decision` object (recycle.rs).
The command that runs every case is in benches/README.md (issue 15, Python).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import corsgate
from bench import ALLOWED, DENIED, KWARGS, ORIGINS, scope_headers  # the same inputs as bench.py


def run1(f: Callable[[Any], Any], a: Any, n: int) -> None:
    for _ in range(n):
        f(a)


def run2(f: Callable[[Any, Any], Any], m: Any, h: Any, n: int) -> None:
    for _ in range(n):
        f(m, h)


def run2_hold(f: Callable[[Any, Any], Any], m: Any, h: Any, n: int) -> None:
    last = None
    for _ in range(n):
        last = f(m, h)  # noqa: F841 (held until the next call has returned)
    del last


def main() -> None:
    case, n = sys.argv[1], int(sys.argv[2])
    p = corsgate.policy_from_starlette(allow_origins=ORIGINS, **KWARGS)
    if case == "ioa":
        run1(p.is_origin_allowed, ALLOWED.encode(), n)
        return
    kind, verdict = case.split("-")
    h = scope_headers(ALLOWED if verdict == "a" else DENIED, kind == "p")
    method = "OPTIONS" if kind == "p" else "GET"
    d = p.evaluate(method, h)
    assert (d.kind, d.allowed) == ("preflight" if kind == "p" else "actual", verdict == "a"), d
    (run2_hold if sys.argv[3:] == ["hold"] else run2)(p.evaluate, method, h, n)


if __name__ == "__main__":
    main()
