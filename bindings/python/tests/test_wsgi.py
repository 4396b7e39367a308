"""corsgate.wsgi.CORSMiddleware under the stdlib's wsgiref server, over loopback HTTP."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

import corsgate
from corsgate.wsgi import CORSMiddleware
from servers import Client, serve_wsgi, swap_under_load
from vectors import suite_vectors
from wire import APP_BODY, APP_MARK, VECTOR_LINE, carried_by_http, compile_vector, judge_over_http

VECTORS = suite_vectors("python-wsgi-http")


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), (APP_MARK, "called"),
                              ("Content-Length", str(len(APP_BODY)))])
    return [APP_BODY]


class Router:
    """Dispatches a request to the middleware guarding vector n (its ``x-vector: n``
    line), so that the path and ``Host`` line are the vector's own."""

    KEY = "HTTP_" + VECTOR_LINE.upper().replace("-", "_")

    def __init__(self) -> None:
        self.routes: dict[str, Any] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return self.routes[environ[self.KEY]](environ, start_response)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def vector_server() -> Iterator[Client]:
    router = Router()
    for i, vector in enumerate(VECTORS):
        if not vector["expect"].get("config_error"):
            router.routes[str(i)] = CORSMiddleware(app, compile_vector(vector))
    with serve_wsgi(router) as port:
        client = Client(port)
        yield client
        client.close()


@pytest.fixture(scope="module")
def http_problems(vector_server: Client, judge_bin: Path) -> dict[str, list[str]]:
    return judge_over_http(judge_bin, vector_server, VECTORS, "python-wsgi-http")


@pytest.mark.parametrize("index", range(len(VECTORS)), ids=[v["id"] for v in VECTORS])
def test_vector_over_wsgi(http_problems: dict[str, list[str]], index: int) -> None:
    vector = VECTORS[index]
    if vector["expect"].get("config_error"):
        with pytest.raises(corsgate.ConfigError):
            CORSMiddleware(app, compile_vector(vector))
        return
    if not carried_by_http(vector):
        pytest.skip("leading/trailing whitespace is not part of an HTTP field value (RFC 9110 5.5)")
    problems = http_problems[vector["id"]]
    assert not problems, f"{vector['id']}: {problems}"


def app_with_own_headers(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("Vary", "Accept-Encoding"), ("access-control-allow-origin", "*"),
                              ("Content-Length", "2")])
    return [b"hi"]


def test_headers_merge_and_preflight_with_starlette_arguments() -> None:
    mw = CORSMiddleware(app_with_own_headers, allow_origins=["https://app.example.com"],
                        allow_methods=["PUT"], allow_credentials=True, max_age=120)
    with serve_wsgi(mw) as port:
        c = Client(port)
        status, headers, body = c.request("GET", "/", [("Origin", "https://app.example.com")])
        h = [(n.lower(), v) for n, v in headers]
        assert (status, body) == (200, b"hi")
        assert [v for n, v in h if n == "access-control-allow-origin"] == ["https://app.example.com"]
        assert [v for n, v in h if n == "vary"] == ["Accept-Encoding", "Origin"]
        status, headers, body = c.request("GET", "/", [("Origin", "https://evil.example.com")])
        h = [(n.lower(), v) for n, v in headers]
        assert not [v for n, v in h if n.startswith("access-control-")]
        status, headers, body = c.request("OPTIONS", "/", [
            ("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "PUT")])
        hd = dict((n.lower(), v) for n, v in headers)
        assert (status, body) == (204, b"")
        assert hd["access-control-allow-methods"] == "PUT" and hd["access-control-max-age"] == "120"
        status, headers, body = c.request("OPTIONS", "/", [
            ("Origin", "https://evil.example.com"), ("Access-Control-Request-Method", "PUT")])
        assert (status, body) == (403, b"")
        c.close()


def test_exc_info_and_non_latin1_environ() -> None:
    calls: list[tuple[Any, ...]] = []

    def failing(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            start_response("500 Internal Server Error", [("Vary", "Cookie")], sys.exc_info())
        return [b"err"]

    def start_response(*args: Any) -> Any:
        calls.append(args)
        return lambda data: None

    mw = CORSMiddleware(failing, corsgate.Policy(["https://a.com"]))
    assert list(mw({"REQUEST_METHOD": "GET", "HTTP_ORIGIN": "https://a.com"}, start_response)) == [b"err"]
    status, headers, exc_info = calls[-1]
    assert status.startswith("500") and exc_info[0] is RuntimeError
    assert ("Access-Control-Allow-Origin", "https://a.com") in headers
    assert ("Vary", "Cookie") in headers and ("Vary", "Origin") in headers
    # A server that breaks PEP 3333 with a non-latin-1 str: a deny, not an exception.
    mw({"REQUEST_METHOD": "GET", "HTTP_ORIGIN": "https://a\u4e00.com"}, start_response)
    assert not [h for h in calls[-1][1] if h[0] == "Access-Control-Allow-Origin"]


def test_threaded_server_hot_reload_and_shared_policy() -> None:
    a = corsgate.Policy(["https://a.example.com"])
    b = corsgate.Policy(["https://b.example.com"])
    mw = CORSMiddleware(app, a)

    def swap() -> None:
        mw.policy = b if mw.policy is a else a

    with serve_wsgi(mw, threaded=True) as port:
        counts, errors = swap_under_load(port, ("https://a.example.com", "https://b.example.com") * 2, swap, 1.5)
    assert not errors, errors[:5]
    assert all(counts.values()), counts
