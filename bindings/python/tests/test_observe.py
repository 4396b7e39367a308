"""Seeing decisions: the ``corsgate`` logger, ``on_decision`` and ``shadow_policy`` on the
ASGI and WSGI middleware, over real loopback servers, with captured log records."""

from __future__ import annotations

import errno
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

import corsgate
from corsgate import asgi, wsgi
from servers import Client, serve_asgi, serve_wsgi

LIVE = corsgate.Policy(["https://app.example"], methods=["PUT"], request_headers=["x-a"])
SHADOW = corsgate.Policy(["https://app.example", "https://new.example"])
PRE = "Access-Control-Request-Method"


async def endpoint(request: Request) -> Response:
    return PlainTextResponse("ok")


def wsgi_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]




@contextmanager
def served(kind: str, **kwargs: Any) -> Iterator[Client]:
    """A middleware of `kind` ("asgi" or "wsgi") built with `kwargs`, served on loopback."""
    if kind == "asgi":
        app: Any = asgi.CORSMiddleware(Starlette(routes=[Route("/{p:path}", endpoint, methods=["GET", "PUT"])]),
                                       **kwargs)
        server = serve_asgi(app)
    else:
        app = wsgi.CORSMiddleware(wsgi_app, **kwargs)
        server = serve_wsgi(app)
    with server as port:
        client = Client(port)
        try:
            yield client
        finally:
            client.close()


def records(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "corsgate" and r.levelno == level]


KINDS = ("asgi", "wsgi")


@pytest.mark.parametrize("kind", KINDS)
def test_denials_logged_at_info_with_code_origin_and_check(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="corsgate")
    with served(kind, policy=LIVE) as client:
        client.request("GET", "/x", [("Origin", "https://app.example")])
        client.request("GET", "/x", [])
        assert records(caplog, logging.INFO) == [], "nothing logged per allowed request at INFO"
        client.request("OPTIONS", "/x", [("Origin", "https://evil.example"), (PRE, "PUT")])
        client.request("OPTIONS", "/x", [("Origin", "https://app.example"), (PRE, "DELETE")])
        client.request("OPTIONS", "/x", [("Origin", "https://app.example"), (PRE, "PUT"),
                                         ("Access-Control-Request-Headers", "x-a, x-b")])
        status, _, _ = client.request("GET", "/x", [("Origin", "https://evil.example")])
        assert status == 200
    got = [(r.corsgate_kind, r.corsgate_reason_code, r.corsgate_origin, r.corsgate_reason_detail)  # type: ignore[attr-defined]
           for r in records(caplog, logging.INFO)]
    assert got == [
        ("preflight", "origin_not_allowed", "https://evil.example", ""),
        ("preflight", "method_not_allowed", "https://app.example", "DELETE"),
        ("preflight", "header_not_allowed", "https://app.example", "x-b"),
        ("actual", "origin_not_allowed", "https://evil.example", ""),
    ]
    message = records(caplog, logging.INFO)[1].getMessage()
    assert message == ("denied preflight request from origin 'https://app.example': method_not_allowed "
                       "(method \"DELETE\" not allowed (methods are case-sensitive))")


@pytest.mark.parametrize("kind", KINDS)
def test_allowed_requests_only_at_debug(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="corsgate")
    with served(kind, policy=LIVE) as client:
        client.request("GET", "/x", [("Origin", "https://app.example")])
    debug = records(caplog, logging.DEBUG)
    assert [(r.corsgate_reason_code, r.corsgate_reason_detail) for r in debug] == [  # type: ignore[attr-defined]
        ("origin_allowed", "https://app.example")]


@pytest.mark.parametrize("kind", KINDS)
def test_policy_warnings_logged_when_loaded(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="corsgate")
    warned = corsgate.Policy(["https://App.Example", "https://b.example", "https://b.example"])
    codes = sorted(w.code for w in warned.warnings)
    assert codes, "the policy must carry warnings for this test"
    with served(kind, policy=warned) as client:
        logged = [r.corsgate_code for r in records(caplog, logging.WARNING)]  # type: ignore[attr-defined]
        assert sorted(logged) == codes
        assert all("policy warning: " in r.getMessage() for r in records(caplog, logging.WARNING))
        client.request("GET", "/x", [("Origin", "https://app.example")])
        assert len(records(caplog, logging.WARNING)) == len(codes), "warnings are logged once, not per request"


def test_hot_reload_logs_the_new_policys_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="corsgate")
    mw = wsgi.CORSMiddleware(wsgi_app, LIVE)
    assert records(caplog, logging.WARNING) == []
    mw.policy = corsgate.Policy(["https://App.Example"])
    with serve_wsgi(mw) as port:
        client = Client(port)
        client.request("GET", "/x", [("Origin", "https://app.example")])
        client.request("GET", "/x", [("Origin", "https://app.example")])
        client.close()
    assert [r.corsgate_code for r in records(caplog, logging.WARNING)] == [  # type: ignore[attr-defined]
        w.code for w in mw.policy.warnings]


@pytest.mark.parametrize("kind", KINDS)
def test_on_decision_counts_by_reason_code(kind: str) -> None:
    counts: Counter[tuple[str, bool]] = Counter()

    def count(decision: corsgate.Decision) -> None:
        counts[(decision.reason_code, decision.allowed)] += 1

    with served(kind, policy=LIVE, on_decision=count) as client:
        client.request("GET", "/x", [("Origin", "https://app.example")])
        client.request("GET", "/x", [("Origin", "https://evil.example")])
        client.request("OPTIONS", "/x", [("Origin", "https://evil.example"), (PRE, "PUT")])
        client.request("GET", "/x", [])
    assert counts == Counter({("origin_allowed", True): 1, ("origin_not_allowed", False): 2,
                              ("not_cors", True): 1})


def test_on_decision_exception_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    def broken(decision: corsgate.Decision) -> None:
        raise RuntimeError("metrics down")

    with served("wsgi", policy=LIVE, on_decision=broken) as client:
        status, _, body = client.request("GET", "/x", [("Origin", "https://app.example")])
    assert (status, body) == (200, b"ok")
    assert any(r.exc_info and "metrics down" in str(r.exc_info[1]) for r in records(caplog, logging.ERROR))


@pytest.mark.parametrize("kind", KINDS)
def test_shadow_disagreement_logged_response_unchanged(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="corsgate")
    with served(kind, policy=LIVE) as plain:
        without = plain.request("OPTIONS", "/x", [("Origin", "https://new.example"), (PRE, "GET")])
    with served(kind, policy=LIVE, shadow_policy=SHADOW) as client:
        with_shadow = client.request("OPTIONS", "/x", [("Origin", "https://new.example"), (PRE, "GET")])
        agree = client.request("GET", "/x", [("Origin", "https://app.example")])
    assert with_shadow[0] == without[0] == 403 and with_shadow[2] == without[2]
    drop = {"date", "server"}
    assert [h for h in with_shadow[1] if h[0].lower() not in drop] == [h for h in without[1] if h[0].lower() not in drop]
    assert agree[0] == 200
    shadow = [r for r in records(caplog, logging.WARNING) if hasattr(r, "corsgate_shadow_reason_code")]
    assert len(shadow) == 1, "one disagreement, the agreeing request logs nothing"
    r: Any = shadow[0]
    assert (r.corsgate_reason_code, r.corsgate_allowed, r.corsgate_shadow_reason_code, r.corsgate_shadow_allowed,
            r.corsgate_shadow_reason_detail, r.corsgate_origin) == (
        "origin_not_allowed", False, "origin_allowed", True, "https://new.example", "https://new.example")
    assert "live denied (origin_not_allowed: origin not allowed by any pattern), shadow allowed " \
           "(origin_allowed: origin allowed by origins[1] \"https://new.example\")" in r.getMessage()


def test_bad_arguments_name_the_argument() -> None:
    with pytest.raises(TypeError, match="on_decision must be callable, not int"):
        wsgi.CORSMiddleware(wsgi_app, LIVE, on_decision=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="shadow_policy must be a corsgate.Policy or corsgate.PolicySet, not dict"):
        asgi.CORSMiddleware(wsgi_app, LIVE, shadow_policy={"origins": []})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="^credentials must be a bool, not str"):
        corsgate.Policy(["https://a.example"], credentials="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="^debug must be a bool, not int"):
        corsgate.Policy(["https://a.example"], debug=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="^path must be str or os.PathLike, not int"):
        corsgate.Policy.from_file(3)  # type: ignore[arg-type]


def test_from_file_oserror_keeps_path_and_errno(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(FileNotFoundError) as info:
        corsgate.Policy.from_file(missing)
    assert info.value.errno == errno.ENOENT and info.value.filename == str(missing)
    assert info.value.strerror and "(os error" not in info.value.strerror
    with pytest.raises(IsADirectoryError) as dir_info:
        corsgate.Policy.from_file(tmp_path)
    assert dir_info.value.errno == errno.EISDIR and dir_info.value.filename == str(tmp_path)


@pytest.mark.parametrize("kind", KINDS)
def test_debug_mode_header_on_denied_preflight(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="corsgate")
    debug = corsgate.Policy(["https://app.example"], methods=["PUT"], debug=True)
    assert [w.code for w in debug.warnings] == ["debug_on"]
    with served(kind, policy=debug) as client:
        status, headers, _ = client.request("OPTIONS", "/x", [("Origin", "https://app.example"), (PRE, "DELETE")])
        ok_status, ok_headers, _ = client.request("OPTIONS", "/x", [("Origin", "https://app.example"), (PRE, "PUT")])
    assert status == 403
    assert [v for n, v in headers if n.lower() == "corsgate-debug-reason"] == ["method_not_allowed"]
    assert ok_status == 204 and not [v for n, v in ok_headers if n.lower() == "corsgate-debug-reason"]
    assert any(getattr(r, "corsgate_code", None) == "debug_on" for r in records(caplog, logging.WARNING))


def test_starlette_errors_name_the_arguments_written() -> None:
    with pytest.raises(corsgate.ConfigError) as info:
        corsgate.policy_from_starlette(allow_origins=["https://ok.example", "https://*example.com"],
                                       allow_methods=["GET", "TRACE"], allow_origin_regex="https://(.*")
    text = str(info.value)
    assert 'allow_origins[1] "https://*example.com": invalid_wildcard: ' in text, text
    assert 'allow_methods[1] "TRACE": forbidden_method: ' in text, text
    assert "allow_origin_regex" in text, text
    assert "methods[1]" not in text.replace("allow_methods[1]", ""), text
    assert info.value.options == ["allow_origins[1]", "allow_origin_regex", "allow_methods[1]"]  # type: ignore[attr-defined]
    assert [d.code for d in info.value.errors][:1] == ["invalid_wildcard"]
    with pytest.raises(corsgate.ConfigError, match=r"allow_credentials: any_origin_with_credentials|"
                                                   r"allow_origins\[0\] \"\*\": any_origin_with_credentials"):
        corsgate.policy_from_starlette(allow_origins=["*"], allow_credentials=True)
