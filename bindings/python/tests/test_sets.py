"""corsgate.PolicySet: the API (errors by path, decisions naming the policy and route),
the ASGI and WSGI middleware selecting by the Host line and path that came over real
HTTP, the observer hooks with sets, and hot reload of a set while requests flow (a broken
new set keeps the old one serving). Every shared set- vector runs in test_vectors,
test_asgi, test_wsgi and test_merge."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

import corsgate
import corsgate.asgi
import corsgate.wsgi
from servers import Client, serve_asgi, serve_wsgi, swap_under_load

ACME = "https://app.acme.com"
GLOBEX = "https://app.globex.io"

SET: dict[str, Any] = {
    "defaults": {"methods": ["PUT"], "max_age": 600},
    "policies": {
        "acme": {"origins": ["https://*.acme.com"], "credentials": True},
        "globex": {"origins": [GLOBEX]},
        "admin": {"origins": [ACME], "credentials": True, "methods": ["DELETE"], "max_age": 5},
        "public": {"origins": ["*"]},
    },
    "routes": [
        {"host": "api.acme.com", "policy": "acme"},
        {"host": "api.acme.com", "path_prefix": "/admin/", "policy": "admin"},
        {"host": "api.globex.io", "policy": "globex"},
        {"host": "*.public.example", "policy": "public"},
    ],
}


def compiled(doc: dict[str, Any] = SET) -> corsgate.PolicySet:
    return corsgate.PolicySet.from_json(json.dumps(doc))


def acao(headers: Iterable[tuple[str, str]]) -> list[str]:
    return [v for n, v in headers if n.lower() == "access-control-allow-origin"]


# ---- the API ----------------------------------------------------------------------------

def test_evaluate_selects_by_host_and_path() -> None:
    s = compiled()
    d = s.evaluate("GET", [("Host", "API.acme.com:443"), ("Origin", ACME)], "/users")
    assert (d.policy, d.route, d.allowed, d.header("Access-Control-Allow-Credentials")) == ("acme", 0, True, "true")
    d = s.evaluate(b"OPTIONS", [(b"Host", b"api.acme.com"), (b"Origin", ACME.encode()),
                                (b"Access-Control-Request-Method", b"DELETE")], b"/admin/users")
    assert (d.policy, d.route, d.kind, d.allowed, d.header("Access-Control-Max-Age")) == ("admin", 1, "preflight", True, "5")
    # The same preflight on the acme route: DELETE is not among its methods.
    d = s.evaluate("OPTIONS", [("Host", "api.acme.com"), ("Origin", ACME),
                               ("Access-Control-Request-Method", "DELETE")], "/users")
    assert (d.policy, d.allowed, d.reason_code) == ("acme", False, "method_not_allowed")
    d = s.evaluate("GET", [("Host", "api.globex.io"), ("Origin", ACME)], "/")
    assert (d.policy, d.route, d.allowed) == ("globex", 2, False)
    d = s.evaluate("GET", [("Host", "x.y.public.example"), ("Origin", ACME)], "/")
    assert (d.policy, d.route, acao(d.headers)) == ("public", 3, ["*"])
    assert 'policy="public", route=3' in repr(d)


def test_no_route_is_no_policy_and_decisions_of_policies_name_none() -> None:
    s = compiled()
    # The path defaults to "/" (the conformance vectors' default).
    assert s.evaluate("GET", [("Host", "api.acme.com"), ("Origin", ACME)]).policy == "acme"
    for headers in ([("Host", "www.other.org"), ("Origin", ACME)], [("Origin", ACME)],
                    [("Host", "api.acme.com"), ("Host", "api.acme.com"), ("Origin", ACME)]):
        d = s.evaluate("GET", headers, "/")
        assert (d.kind, d.allowed, d.policy, d.route, d.reason_code) == ("not_cors", True, None, None, "no_policy")
        assert d.headers == (("Vary", "Origin"),)
        line = json.loads(s.evaluate_json("GET", headers, "/"))
        assert (line["policy"], line["route"], line["reason_code"]) == (None, None, "no_policy")
    d = corsgate.Policy([ACME]).evaluate("GET", [("Origin", ACME)])
    assert (d.policy, d.route) == (None, None) and "policy=" not in repr(d)


def test_set_introspection_and_shared_compiled_policies() -> None:
    doc = {"policies": {f"t{i}": {"origins": ["https://a.example"]} for i in range(50)},
           "routes": [{"host": f"t{i}.example", "policy": f"t{i}"} for i in range(50)]}
    s = compiled(doc)
    assert s.compiled_len == 1 and len(s.policies) == 50 and s.routes[3] == ("t3.example", "/", "t3")
    p = s.policy("t7")
    assert isinstance(p, corsgate.Policy) and p.is_origin_allowed("https://a.example")
    assert s.policy("nope") is None
    assert repr(s) == "<corsgate.PolicySet: 50 policies (1 compiled), 50 routes>"


def test_errors_are_named_by_path_all_at_once() -> None:
    bad = {
        "defaults": {"methods": ["PUT"]},
        "policies": {"acme": {"origins": ["https://ok.com", "https://*example.com"]},
                     "b": {"origins": ["https://b.com"], "max_age": -1}},
        "routes": [{"host": "api.acme.com", "policy": "acme"}, {"host": "a b", "policy": "acme"},
                   {"host": "x.com", "policy": "missing"}],
    }
    with pytest.raises(corsgate.ConfigError) as info:
        compiled(bad)
    paths = [e.path for e in info.value.errors]
    for want in ("policies.acme.origins[1]", "policies.b.max_age", "routes[1].host", "routes[2].policy"):
        assert any(p == want for p in paths), (want, paths)
        assert want in str(info.value)
    assert all(e.severity == "error" for e in info.value.errors)


def test_warnings_carry_their_path() -> None:
    s = compiled({"policies": {"p": {"origins": ["https://A.example.com"]}},
                  "routes": [{"host": "*", "policy": "p"}]})
    assert s.warnings and s.warnings[0].path.startswith("policies.p.origins")
    assert corsgate.Policy.from_json('{"origins": ["https://A.example.com"]}').warnings[0].path == "origins[0]"


def test_files_load_as_what_they_hold(tmp_path: Path) -> None:
    set_file, policy_file = tmp_path / "set.json", tmp_path / "policy.json"
    set_file.write_text(json.dumps(SET))
    policy_file.write_text(json.dumps({"origins": [ACME]}))
    assert isinstance(corsgate.load(set_file), corsgate.PolicySet)
    assert isinstance(corsgate.load(str(policy_file)), corsgate.Policy)
    assert isinstance(corsgate.PolicySet.from_file(set_file), corsgate.PolicySet)
    assert corsgate.is_policy_set(set_file.read_text()) and corsgate.is_policy_set(set_file.read_bytes())
    assert not corsgate.is_policy_set(policy_file.read_text()) and not corsgate.is_policy_set("not json")
    with pytest.raises(FileNotFoundError) as missing:
        corsgate.load(tmp_path / "missing.json")
    assert missing.value.filename == str(tmp_path / "missing.json")
    with pytest.raises(FileNotFoundError):
        corsgate.PolicySet.from_file(tmp_path / "missing.json")
    # Each class refuses the other's document.
    with pytest.raises(corsgate.ConfigError):
        corsgate.Policy.from_file(set_file)
    with pytest.raises(corsgate.ConfigError):
        corsgate.PolicySet.from_file(policy_file)


def test_bad_arguments_are_type_errors() -> None:
    s = compiled()
    with pytest.raises(TypeError, match="path must be str or bytes"):
        s.evaluate("GET", [], 7)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        s.evaluate("GET", "Host: x", "/")
    with pytest.raises(TypeError):
        corsgate.PolicySet.from_file(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        corsgate.asgi.CORSMiddleware(None, "cors.json")  # type: ignore[arg-type]


# ---- the middleware, over real HTTP ----------------------------------------------------

APP_BODY = b"app"


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"1")]})
    await send({"type": "http.response.body", "body": APP_BODY})


def wsgi_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("x-app", "1"), ("Content-Length", str(len(APP_BODY)))])
    return [APP_BODY]


SERVED: dict[str, Callable[[Any], tuple[Any, Callable[[Any], AbstractContextManager[int]]]]] = {
    "asgi": lambda policy: (corsgate.asgi.CORSMiddleware(asgi_app, policy), serve_asgi),
    "wsgi": lambda policy: (corsgate.wsgi.CORSMiddleware(wsgi_app, policy), serve_wsgi),
}


@pytest.fixture(params=sorted(SERVED))
def served_set(request: pytest.FixtureRequest) -> Iterator[tuple[Any, Client]]:
    """A middleware guarding an app with SET, served by uvicorn or wsgiref."""
    mw, serve = SERVED[request.param](compiled())
    with serve(mw) as port:
        client = Client(port)
        try:
            yield mw, client
        finally:
            client.close()


def test_host_and_path_over_http_select_the_route(served_set: tuple[Any, Client]) -> None:
    _, c = served_set
    preflight = [("Origin", ACME), ("Access-Control-Request-Method", "DELETE")]
    status, h, _ = c.request("OPTIONS", "/admin/users?x=1", [("Host", "api.acme.com"), *preflight])
    assert status == 204 and acao(h) == [ACME]
    status, h, _ = c.request("OPTIONS", "/users", [("Host", "api.acme.com"), *preflight])
    assert status == 403 and acao(h) == []
    # The decoded path selects, as the application routes: /%61dmin/ is /admin/.
    status, h, _ = c.request("OPTIONS", "/%61dmin/users", [("Host", "api.acme.com"), *preflight])
    assert status == 204 and acao(h) == [ACME]
    status, h, body = c.request("GET", "/", [("Host", "api.globex.io"), ("Origin", GLOBEX)])
    assert (status, acao(h), body) == (200, [GLOBEX], APP_BODY)
    status, h, body = c.request("GET", "/", [("Host", "api.globex.io:443"), ("Origin", ACME)])
    assert (status, acao(h), body) == (200, [], APP_BODY)
    # No route: the application answers, no CORS header, Vary: Origin.
    status, h, body = c.request("GET", "/", [("Host", "www.other.org"), ("Origin", ACME)])
    assert (status, acao(h), body) == (200, [], APP_BODY)
    assert [v for n, v in h if n.lower() == "vary"] == ["Origin"]


def test_wsgi_selects_by_script_name_and_path_info() -> None:
    mw = corsgate.wsgi.CORSMiddleware(wsgi_app, compiled())
    seen: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen.append((status, headers))
        return lambda b: None

    environ = {"REQUEST_METHOD": "OPTIONS", "HTTP_HOST": "api.acme.com", "HTTP_ORIGIN": ACME,
               "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "DELETE", "SCRIPT_NAME": "/admin", "PATH_INFO": "/users"}
    mw(environ, start_response)
    assert seen[-1][0].startswith("204") and acao(seen[-1][1]) == [ACME]
    mw({**environ, "SCRIPT_NAME": "", "PATH_INFO": "/users"}, start_response)
    assert acao(seen[-1][1]) == []
    assert corsgate.wsgi.request_path({}) == b"/"


def test_websocket_handshake_selects_by_host_and_path() -> None:
    """A set whose /ws/ route protects and whose other route does not: the handshake is
    refused only on the protected route (decided on the scope's path)."""
    doc = {"policies": {"open": {"origins": ["https://a.example"]},
                        "guarded": {"origins": ["https://a.example"], "cross_origin_protection": True}},
           "routes": [{"host": "*", "policy": "open"}, {"host": "*", "path_prefix": "/ws/", "policy": "guarded"}]}
    called: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        called.append(scope["path"])

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: Any) -> None:
        sent.append(message)

    mw = corsgate.asgi.CORSMiddleware(app, compiled(doc))
    headers = [(b"host", b"api.example.com"), (b"origin", b"https://evil.example")]
    for path in ("/chat", "/ws/chat"):
        scope: dict[str, Any] = {"type": "websocket", "path": path, "headers": headers,
                 "extensions": {"websocket.http.response": {}}}
        asyncio.run(mw(scope, receive, send))
    assert called == ["/chat"]
    assert sent[0]["type"] == "websocket.http.response.start" and sent[0]["status"] == 403


# ---- observer hooks ---------------------------------------------------------------------

def ignore_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
    return lambda body: None


def test_on_decision_logs_and_shadow_set(caplog: pytest.LogCaptureFixture) -> None:
    decisions: list[corsgate.Decision] = []
    shadow = compiled({**SET, "policies": {**SET["policies"], "globex": {"origins": [GLOBEX, ACME]}}})
    mw = corsgate.wsgi.CORSMiddleware(wsgi_app, compiled(), on_decision=decisions.append, shadow_policy=shadow)
    with caplog.at_level(logging.INFO, logger="corsgate"):
        mw({"REQUEST_METHOD": "GET", "HTTP_HOST": "api.globex.io", "HTTP_ORIGIN": ACME, "PATH_INFO": "/"},
           ignore_start)
    assert [(d.policy, d.route, d.allowed) for d in decisions] == [("globex", 2, False)]
    denied = [r for r in caplog.records if r.levelno == logging.INFO]
    assert denied and getattr(denied[0], "corsgate_policy") == "globex" and "policy 'globex'" in denied[0].getMessage()
    disagree = [r for r in caplog.records if "shadow policy disagrees" in r.getMessage()]
    assert len(disagree) == 1 and getattr(disagree[0], "corsgate_shadow_allowed") is True
    # A plain shadow policy beside a live set works too.
    mw = corsgate.wsgi.CORSMiddleware(wsgi_app, compiled(), shadow_policy=corsgate.Policy([ACME]))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="corsgate"):
        mw({"REQUEST_METHOD": "GET", "HTTP_HOST": "api.globex.io", "HTTP_ORIGIN": ACME}, ignore_start)
    assert any("shadow policy disagrees" in r.getMessage() for r in caplog.records)
    with pytest.raises(TypeError, match="PolicySet"):
        corsgate.wsgi.CORSMiddleware(wsgi_app, compiled(), shadow_policy="set.json")  # type: ignore[arg-type]


# ---- hot reload ---------------------------------------------------------------------------

def reload_set(origin: str) -> dict[str, Any]:
    return {"policies": {"t": {"origins": [origin]}}, "routes": [{"host": "api.acme.com", "policy": "t"}]}


@pytest.mark.parametrize("runtime", sorted(SERVED))
def test_hot_reload_of_a_set_while_requests_flow(runtime: str, tmp_path: Path) -> None:
    """Two set files swapped in by `middleware.policy = corsgate.load(path)` while two
    threads send requests: every answer is wholly one set's. A broken file then raises
    ConfigError and the last good set keeps serving."""
    a, b, broken = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "broken.json"
    a.write_text(json.dumps(reload_set("https://a.example")))
    b.write_text(json.dumps(reload_set("https://b.example")))
    broken.write_text(json.dumps({**reload_set("https://b.example"), "routes": [{"host": "a b", "policy": "t"}]}))
    mw, serve = SERVED[runtime](corsgate.load(a))
    use_b = [True]

    def swap() -> None:
        mw.policy = corsgate.load(b if use_b[0] else a)
        use_b[0] = not use_b[0]

    with serve(mw) as port:
        counts, errors = swap_under_load(port, ("https://a.example", "https://b.example"), swap, 1.0,
                                         [("Host", "api.acme.com")])
        mw.policy = corsgate.load(a)
        with pytest.raises(corsgate.ConfigError) as info:
            mw.policy = corsgate.load(broken)
        assert [e.path for e in info.value.errors] == ["routes[0].host"]
        c = Client(port)
        try:
            _, h, _ = c.request("GET", "/x", [("Host", "api.acme.com"), ("Origin", "https://a.example")])
            assert acao(h) == ["https://a.example"]
        finally:
            c.close()
    assert not errors, errors[:5]
    assert all(counts.values()), counts
