"""corsgate.asgi.CORSMiddleware inside real Starlette apps served by uvicorn over loopback."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

import corsgate
from corsgate.asgi import CORSMiddleware
from servers import Client, serve_asgi
from vectors import suite_vectors
from wire import APP_BODY, APP_MARK, VECTOR_LINE, carried_by_http, compile_vector, judge_over_http

VECTORS = suite_vectors("python-asgi-http")
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


async def endpoint(request: Request) -> Response:
    return PlainTextResponse(APP_BODY.decode(), headers={APP_MARK: "called"})


def inner_app() -> Starlette:
    return Starlette(routes=[Route("/x", endpoint, methods=METHODS)])


def any_path_app() -> Starlette:
    """The application behind a vector: answers every path (set vectors carry theirs)."""
    return Starlette(routes=[Route("/{rest:path}", endpoint, methods=METHODS)])


@pytest.fixture(scope="module")
def vector_server() -> Iterator[Client]:
    """One uvicorn server; each vector's policy (or policy set) guards its own Starlette
    app, picked by the request's ``x-vector`` line, so that the request's path and
    ``Host`` line are the vector's own. WebSocket support off: the handshake vectors
    (cop-websocket-…) arrive as HTTP requests here (as on a server without WebSocket
    support); test_cop sends them as handshakes."""
    apps: dict[bytes, Any] = {}
    for i, vector in enumerate(VECTORS):
        if not vector["expect"].get("config_error"):
            apps[str(i).encode()] = CORSMiddleware(any_path_app(), compile_vector(vector))
    line = VECTOR_LINE.encode()

    async def dispatch(scope: dict[str, Any], receive: Any, send: Any) -> None:
        key = next(v for n, v in scope["headers"] if n == line)
        await apps[key](scope, receive, send)

    with serve_asgi(dispatch, ws="none") as port:
        client = Client(port)
        yield client
        client.close()


def test_whitespace_vectors_are_the_only_ones_http_cannot_carry() -> None:
    skipped = [v["id"] for v in VECTORS if not carried_by_http(v)]
    assert sorted(skipped) == ["exact-leading-space", "exact-trailing-space"]


@pytest.fixture(scope="module")
def http_problems(vector_server: Client, judge_bin: Path) -> dict[str, list[str]]:
    return judge_over_http(judge_bin, vector_server, VECTORS, "python-asgi-http")


@pytest.mark.parametrize("index", range(len(VECTORS)), ids=[v["id"] for v in VECTORS])
def test_vector_over_http(http_problems: dict[str, list[str]], index: int) -> None:
    vector = VECTORS[index]
    if vector["expect"].get("config_error"):
        with pytest.raises(corsgate.ConfigError):
            CORSMiddleware(inner_app(), compile_vector(vector))
        return
    if not carried_by_http(vector):
        pytest.skip("leading/trailing whitespace is not part of an HTTP field value (RFC 9110 5.5)")
    problems = http_problems[vector["id"]]
    assert not problems, f"{vector['id']}: {problems}"


async def vary_endpoint(request: Request) -> Response:
    # An application that sets its own Vary and (wrongly) its own CORS header.
    return PlainTextResponse("hi", headers={"Vary": "Accept-Encoding", "Access-Control-Allow-Origin": "*"})


def test_starlette_add_middleware_with_starlette_arguments() -> None:
    app = Starlette(
        routes=[Route("/", vary_endpoint, methods=METHODS)],
        middleware=[Middleware(
            CORSMiddleware,
            allow_origins=["https://app.example.com"],
            allow_methods=["GET", "PUT"],
            allow_headers=["x-token"],
            allow_credentials=True,
            expose_headers=["x-request-id"],
        )],
    )
    with serve_asgi(app) as port:
        c = Client(port)
        status, headers, body = c.request("GET", "/", [("Origin", "https://app.example.com")])
        h = [(n.lower(), v) for n, v in headers]
        assert status == 200 and body == b"hi"
        assert [v for n, v in h if n == "access-control-allow-origin"] == ["https://app.example.com"]
        assert [v for n, v in h if n == "access-control-allow-credentials"] == ["true"]
        assert [v for n, v in h if n == "access-control-expose-headers"] == ["x-request-id"]
        assert [v for n, v in h if n == "vary"] == ["Accept-Encoding", "Origin"]
        # Denied: the app's own "*" is dropped, the policy decides.
        status, headers, body = c.request("GET", "/", [("Origin", "https://evil.example.com")])
        h = [(n.lower(), v) for n, v in headers]
        assert status == 200 and body == b"hi"
        assert not [v for n, v in h if n.startswith("access-control-")]
        assert [v for n, v in h if n == "vary"] == ["Accept-Encoding", "Origin"]
        # Preflight: answered by the middleware; Starlette's max_age default (600) applies.
        status, headers, body = c.request("OPTIONS", "/", [
            ("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "PUT"),
            ("Access-Control-Request-Headers", "X-Token, content-type")])
        hd = dict((n.lower(), v) for n, v in headers)
        assert status == 204 and body == b""
        assert hd["access-control-allow-origin"] == "https://app.example.com"
        assert hd["access-control-max-age"] == "600"
        assert "content-length" not in hd
        status, headers, body = c.request("OPTIONS", "/", [
            ("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "DELETE")])
        hd = dict((n.lower(), v) for n, v in headers)
        assert status == 403 and "access-control-allow-origin" not in hd and hd["content-length"] == "0"
        c.close()


def test_unsafe_starlette_arguments_raise_config_error() -> None:
    with pytest.raises(corsgate.ConfigError) as info:
        CORSMiddleware(inner_app(), allow_origins=["*"], allow_credentials=True)
    assert info.value.code == "any_origin_with_credentials"
    assert "credentials" in info.value.errors[0].message
    with pytest.raises(TypeError):
        CORSMiddleware(inner_app(), corsgate.Policy(["https://a.com"]), allow_origins=["https://b.com"])
    with pytest.raises(TypeError):
        CORSMiddleware(inner_app(), "https://a.com")  # type: ignore[arg-type]


def test_streaming_response_gets_headers() -> None:
    async def stream(request: Request) -> Response:
        async def chunks() -> Any:
            for i in range(3):
                yield f"chunk{i};"
        return StreamingResponse(chunks(), headers={"vary": "accept"})

    app = CORSMiddleware(Starlette(routes=[Route("/", stream)]), corsgate.Policy(["https://a.com"]))
    with serve_asgi(app) as port:
        c = Client(port)
        status, headers, body = c.request("GET", "/", [("Origin", "https://a.com")])
        assert (status, body) == (200, b"chunk0;chunk1;chunk2;")
        h = [(n.lower(), v) for n, v in headers]
        assert ("access-control-allow-origin", "https://a.com") in h
        assert [v for n, v in h if n == "vary"] == ["accept", "Origin"]
        c.close()


def test_non_http_scopes_pass_through() -> None:
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope, receive, send))

    async def receive() -> Any:
        return {}

    async def send(message: Any) -> None:
        raise AssertionError("middleware must not send for a non-http scope")

    mw = CORSMiddleware(app, corsgate.Policy(["https://a.com"]))
    for scope in ({"type": "lifespan"}, {"type": "websocket", "headers": [(b"origin", b"https://evil.com")]}):
        asyncio.run(mw(scope, receive, send))
        assert seen[-1] == (scope, receive, send)


def test_hot_reload_while_requests_flow() -> None:
    allow = corsgate.Policy(["https://a.example.com"], credentials=True)
    deny = corsgate.Policy(["https://b.example.com"], credentials=True)
    mw = CORSMiddleware(inner_app(), allow)
    stop = threading.Event()
    seen = {"allow": 0, "deny": 0}
    errors: list[str] = []
    lock = threading.Lock()

    def hammer(port: int) -> None:
        c = Client(port)
        try:
            while not stop.is_set():
                status, headers, body = c.request("GET", "/x", [("Origin", "https://a.example.com")])
                h = [(n.lower(), v) for n, v in headers]
                acao = [v for n, v in h if n == "access-control-allow-origin"]
                acac = [v for n, v in h if n == "access-control-allow-credentials"]
                with lock:
                    if status != 200 or body != APP_BODY:
                        errors.append(f"status {status}")
                    elif acao == ["https://a.example.com"] and acac == ["true"]:
                        seen["allow"] += 1
                    elif acao == [] and acac == []:
                        seen["deny"] += 1
                    else:
                        errors.append(f"mixed answer {h}")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))
        finally:
            c.close()

    with serve_asgi(mw) as port:
        threads = [threading.Thread(target=hammer, args=(port,)) for _ in range(3)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 1.5
        flips = 0
        while time.monotonic() < deadline:
            mw.policy = deny if mw.policy is allow else allow
            flips += 1
            time.sleep(0.01)
        stop.set()
        for t in threads:
            t.join(20)
        mw.policy = deny
        c = Client(port)
        _, headers, _ = c.request("GET", "/x", [("Origin", "https://a.example.com")])
        c.close()
    assert not errors, errors[:5]
    assert seen["allow"] > 0 and seen["deny"] > 0, seen
    assert flips > 10
    assert not [v for n, v in headers if n.lower() == "access-control-allow-origin"]
