"""Cross-origin protection through the Python middleware, over real loopback servers:
refused requests are answered with the decision's 403 and ``Vary: Origin``, and the
application is never called (its own record shows it); WebSocket handshakes to a
Starlette app under uvicorn (the ``websockets`` implementation) are refused through the
WebSocket Denial Response extension, or by closing the handshake where the server does
not offer it. The shared ``cop-`` vectors run in test_vectors / test_asgi / test_wsgi."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, MutableMapping
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

import corsgate
import corsgate.asgi
import corsgate.wsgi
import judge_client
from servers import Client, serve_asgi, serve_wsgi
from ws_client import handshake
from wire import compile_vector

TRUSTED = "https://app.example.com"
EVIL = "https://evil.example.net"
HOST = "api.example.com"


def policy() -> corsgate.Policy:
    return corsgate.Policy([TRUSTED], credentials=True, methods=["PUT", "DELETE"], cross_origin_protection=True)


def lines(headers: Iterable[tuple[str, str]], name: str) -> list[str]:
    return [v for n, v in headers if n.lower() == name]


class Record:
    """What the application saw: the server's own record of side effects."""

    def __init__(self) -> None:
        self.writes: list[str] = []
        self.sockets: list[str] = []


def starlette_app(record: Record) -> Starlette:
    async def write(request: Request) -> Response:
        record.writes.append(request.method)
        return PlainTextResponse("written", headers={"X-App": "1", "Vary": "Cookie"})

    async def ws(websocket: WebSocket) -> None:
        record.sockets.append(websocket.headers.get("origin", ""))
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    return Starlette(routes=[Route("/w", write, methods=["GET", "POST", "PUT", "DELETE"]),
                             WebSocketRoute("/ws", ws)])


HTTP_CASES = [
    # (method, headers, refused)
    ("POST", [("Host", HOST), ("Origin", EVIL), ("Sec-Fetch-Site", "cross-site")], True),
    ("DELETE", [("Host", HOST), ("Origin", EVIL)], True),  # an old browser: no Sec-Fetch-Site
    ("POST", [("Host", HOST), ("Origin", "null"), ("Sec-Fetch-Site", "cross-site")], True),
    ("PUT", [("Host", HOST), ("Origin", TRUSTED), ("Sec-Fetch-Site", "same-site")], False),
    ("POST", [("Host", HOST), ("Origin", f"https://{HOST}"), ("Sec-Fetch-Site", "same-origin")], False),
    ("POST", [("Host", HOST), ("Origin", f"https://{HOST}")], False),  # old browser, same origin
    ("POST", [("Host", HOST)], False),  # not a browser
    ("GET", [("Host", HOST), ("Origin", EVIL), ("Sec-Fetch-Site", "cross-site")], False),
]


def check_http(client: Client, record: Record, via: str) -> None:
    for method, headers, refused in HTTP_CASES:
        before = len(record.writes)
        status, got, body = client.request(method, "/w", headers)
        if refused:
            assert (status, body) == (403, b""), (via, method, headers, status, body)
            assert lines(got, "vary") == ["Origin"], (via, got)
            assert not lines(got, "x-app") and not [n for n, _ in got if n.lower().startswith("access-control-")]
            assert len(record.writes) == before, f"{via}: the application was called for a refused {method}"
        else:
            assert (status, body) == (200, b"written"), (via, method, headers, status)
            assert record.writes[before:] == [method], via


def test_asgi_http_refusals_over_uvicorn() -> None:
    record = Record()
    app = corsgate.asgi.CORSMiddleware(starlette_app(record), policy())
    with serve_asgi(app) as port:
        client = Client(port)
        check_http(client, record, "asgi")
        client.close()


def test_wsgi_refusals_over_wsgiref() -> None:
    record = Record()

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        record.writes.append(environ["REQUEST_METHOD"])
        start_response("200 OK", [("X-App", "1"), ("Vary", "Cookie"), ("Content-Length", "7")])
        return [b"written"]

    with serve_wsgi(corsgate.wsgi.CORSMiddleware(app, policy())) as port:
        client = Client(port)
        check_http(client, record, "wsgi")
        client.close()


def test_starlette_arguments_take_cross_origin_protection() -> None:
    record = Record()
    app = corsgate.asgi.CORSMiddleware(starlette_app(record), allow_origins=[TRUSTED], allow_credentials=True,
                                       allow_methods=["PUT", "DELETE"], cross_origin_protection=True)
    assert app.policy.evaluate("POST", [("Host", HOST), ("Origin", EVIL)]).is_refused
    assert not corsgate.asgi.CORSMiddleware(starlette_app(record), allow_origins=[TRUSTED]).policy.evaluate(
        "POST", [("Host", HOST), ("Origin", EVIL)]).is_refused


def strip_extensions(app: Any) -> Any:
    """An ASGI server without the WebSocket Denial Response extension (uvicorn minus it)."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            scope = {**scope, "extensions": {}}
        await app(scope, receive, send)

    return wrapped


@pytest.mark.parametrize("denial", [True, False], ids=["denial-response", "close-before-accept"])
def test_websocket_handshakes_over_uvicorn(denial: bool) -> None:
    record = Record()
    mw = corsgate.asgi.CORSMiddleware(starlette_app(record), policy())
    with serve_asgi(mw if denial else strip_extensions(mw)) as port:
        # Chromium's handshakes carry Origin but no Sec-Fetch-Site: step 3 decides them.
        for origin in (EVIL, "null", f"http://{HOST}:8443"):
            status, headers, rest = handshake(port, "/ws", [("Host", HOST), ("Origin", origin)])
            assert status == 403, (origin, status, headers)
            if denial:  # the decision's own answer: 403, Vary: Origin, empty body
                assert lines(headers, "vary") == ["Origin"] and rest == b"", headers
        assert record.sockets == [], "a refused handshake reached the application"
        for headers in ([("Host", HOST), ("Origin", TRUSTED)],
                        [("Host", HOST), ("Origin", f"http://{HOST}")],
                        [("Host", HOST)]):
            status, got, rest = handshake(port, "/ws", headers)
            assert status == 101 and b"hello" in rest, (headers, status, got)
        assert record.sockets == [TRUSTED, f"http://{HOST}", ""]


def test_websocket_scope_without_upgrade_line_is_still_a_handshake() -> None:
    """A server that leaves the Upgrade line out of the scope: still decided as a handshake
    (GET alone would pass), answered by websocket.close when no extension is offered."""
    sent: list[MutableMapping[str, Any]] = []
    called: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        called.append(scope)

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    mw = corsgate.asgi.CORSMiddleware(app, policy())
    scope = {"type": "websocket", "path": "/ws", "headers": [(b"host", HOST.encode()), (b"origin", EVIL.encode())]}
    asyncio.run(mw(scope, receive, send))
    assert called == [] and [m["type"] for m in sent] == ["websocket.close"]
    sent.clear()
    asyncio.run(mw({**scope, "extensions": {"websocket.http.response": {}}}, receive, send))
    assert called == [] and [m["type"] for m in sent] == ["websocket.http.response.start",
                                                          "websocket.http.response.body"]
    assert sent[0]["status"] == 403 and (b"vary", b"Origin") in sent[0]["headers"]
    # Trusted: the application gets the very scope, receive and send.
    trusted = {**scope, "headers": [(b"host", HOST.encode()), (b"origin", TRUSTED.encode())]}
    asyncio.run(mw(trusted, receive, send))
    assert called == [trusted]


def test_decision_api() -> None:
    p = policy()
    d = p.evaluate("POST", [("Host", HOST), ("Origin", EVIL), ("Sec-Fetch-Site", "cross-site")])
    assert (d.kind, d.allowed, d.status, d.is_refused, d.is_preflight, d.calls_application) == (
        "refused", False, 403, True, False, False)
    assert d.headers == (("Vary", "Origin"),) and d.reason_code == "cross_origin_request_refused"
    # The application's headers never appear on a refusal.
    assert d.apply_to([("X-App", "1"), ("Vary", "Cookie")]) == [("Vary", "Origin")]
    ok = p.evaluate("POST", [("Host", HOST), ("Origin", TRUSTED)])
    assert (ok.kind, ok.is_refused, ok.calls_application) == ("actual", False, True)
    assert corsgate.Policy([TRUSTED]).evaluate("POST", [("Host", HOST), ("Origin", EVIL)]).kind == "actual"
    assert '"cross_origin_protection":true' in p.to_json().replace(" ", "")


WS_VECTORS = [v for v in judge_client.load("vectors-v2.jsonl") if v["id"].startswith("cop-websocket-")]


def test_websocket_vectors_as_handshakes_over_uvicorn() -> None:
    """The shared cop-websocket- vectors as real handshakes (uvicorn's websocket scopes)."""
    assert len(WS_VECTORS) >= 6
    for v in WS_VECTORS:
        record = Record()
        mw = corsgate.asgi.CORSMiddleware(starlette_app(record), compile_vector(v))
        headers = [(n, val) for n, val in v["request"]["headers"]
                   if n.lower() not in ("upgrade", "connection", "sec-websocket-key", "sec-websocket-version")]
        with serve_asgi(mw) as port:
            status, got, _ = handshake(port, "/ws", headers)
        if v["expect"]["kind"] == "refused":
            assert (status, lines(got, "vary"), record.sockets) == (403, ["Origin"], []), (v["id"], status, got)
        else:
            assert status == 101 and len(record.sockets) == 1, (v["id"], status, got)
