"""With the same Starlette arguments, browsers reach the same verdicts through corsgate's
middleware as through Starlette's, except where corsgate is stricter on purpose."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware as StarletteCORS

import judge_client
from corsgate.asgi import CORSMiddleware

CONFIGS: list[dict[str, Any]] = [
    dict(allow_origins=["https://a.example.com", "https://b.example.com"], allow_methods=["GET", "PUT"],
         allow_headers=["x-token"], allow_credentials=True, expose_headers=["x-id"]),
    dict(allow_origins=["*"], allow_methods=["*"], allow_headers=["*"]),
    dict(allow_origins=["*"], allow_methods=["*"], allow_headers=["x-token", "authorization"]),
    dict(allow_origin_regex=r"https://[a-z]+\.c\.example\.com", allow_methods=["DELETE"],
         allow_credentials=True),
]
ORIGINS = ["https://a.example.com", "https://b.example.com", "https://x.c.example.com",
           "https://evil.example.com", "https://a.example.com.evil.net", "http://a.example.com"]
METHODS = ["GET", "PUT", "DELETE", "PATCH"]
HEADER_SETS = [None, "x-token", "X-Token, content-type", "authorization", "x-other"]


async def app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def run(mw: Any, method: str, headers: list[tuple[str, str]]) -> tuple[int, list[tuple[str, str]]]:
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {"type": "http", "method": method, "path": "/", "query_string": b"",
             "headers": [(n.lower().encode(), v.encode()) for n, v in headers]}
    asyncio.run(mw(scope, receive, send))
    start = messages[0]
    return start["status"], [(bytes(n).decode(), bytes(v).decode()) for n, v in start["headers"]]


@pytest.mark.parametrize("config", CONFIGS, ids=["list+credentials", "any-origin-star-headers", "any-origin", "regex+credentials"])
def test_same_browser_verdicts_as_starlette(config: dict[str, Any], judge_bin: Path) -> None:
    ours, theirs = CORSMiddleware(app, **config), StarletteCORS(app, **config)
    credentials = bool(config.get("allow_credentials"))

    def verdicts(kind: str, method: str, headers: list[tuple[str, str]]) -> list[bool]:
        """The browser's verdict (corsgate-judge --verdict) on our answer and theirs."""
        exchanges = []
        for mw in (ours, theirs):
            status, response = run(mw, method, headers)
            exchanges.append({"credentials": credentials, "request": headers, "kind": kind,
                              "status": status, "headers": response})
        return judge_client.verdicts(judge_bin, exchanges)

    compared = 0
    for origin, method, acrh in itertools.product(ORIGINS, METHODS, HEADER_SETS):
        headers = [("Origin", origin), ("Access-Control-Request-Method", method)]
        if acrh is not None:
            headers.append(("Access-Control-Request-Headers", acrh))
        verdict = verdicts("preflight", "OPTIONS", headers)
        # Deliberate difference: GET, HEAD and POST need no listing (Fetch); Starlette's
        # preflight refuses them unless listed.
        methods = config.get("allow_methods", ["GET"])
        if method in ("GET", "HEAD", "POST") and method not in methods and "*" not in methods:
            assert not verdict[1]
            continue
        assert verdict[0] == verdict[1], (config, origin, method, acrh, verdict)
        compared += 1
    for origin in ORIGINS:
        verdict = verdicts("actual", "GET", [("Origin", origin)])
        assert verdict[0] == verdict[1], (config, origin, verdict)
        compared += 1
    assert compared >= len(ORIGINS) * len(METHODS) * len(HEADER_SETS) // 2
