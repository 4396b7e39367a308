"""Drop-ins against their anchors over real HTTP (tests/dropin.py): Starlette's
CORSMiddleware, django-cors-headers, flask-cors; plus the startup refusals, the
compatibility fixes of issue 18 and dynamic origins."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import django  # type: ignore[import-untyped]
import flask
import flask_cors
import pytest
from django.conf import settings  # type: ignore[import-untyped]
from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped]
from django.core.handlers.wsgi import WSGIHandler  # type: ignore[import-untyped]
from django.http import HttpResponse  # type: ignore[import-untyped]
from django.test.utils import override_settings  # type: ignore[import-untyped]
from django.urls import re_path  # type: ignore[import-untyped]
from starlette.middleware.cors import CORSMiddleware as StarletteCORS

import corsgate
import corsgate.flask
from corsgate import Decision, Policy
from corsgate.asgi import CORSMiddleware
from corsgate.django import policy_from_settings
from corsgate.dynamic import DynamicOrigins
from dropin import cors_headers, differential, origin_of, safelisted_method_difference
from servers import Client, serve_asgi, serve_wsgi

A = "https://app.example.com"
REGEX = r"^https://[a-z0-9]+\.example\.org$"


def _example_org(origin: str) -> bool:
    return re.match(REGEX, origin) is not None or origin == "http://localhost:3000"


# ---- Starlette / FastAPI ------------------------------------------------------------

async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"app"})


STARLETTE: list[dict[str, Any]] = [
    # The FastAPI tutorial's configuration.
    dict(allow_origins=[A], allow_credentials=True, allow_methods=["*"], allow_headers=["*"]),
    dict(allow_origins=["*"], allow_methods=["*"], allow_headers=["*"]),
    dict(allow_origins=[A], allow_origin_regex=REGEX[1:-1], allow_methods=["GET", "PUT"],
         allow_headers=["x-token"], allow_credentials=True, expose_headers=["x-request-id"]),
    dict(allow_origins=[A]),
]


def explain_starlette(config: dict[str, Any]) -> Any:
    def explain(r: dict[str, Any], ours: bool, theirs: bool) -> Optional[str]:
        # Starlette's preflight answers 400 unless the method is listed.
        if safelisted_method_difference(r, ours, theirs, list(config.get("allow_methods", ["GET"]))):
            return "safelisted-methods"
        return None
    return explain


@pytest.mark.parametrize("config", STARLETTE, ids=["fastapi-tutorial", "any", "regex+credentials", "defaults"])
def test_starlette_differential(config: dict[str, Any], judge_bin: Path) -> None:
    with serve_asgi(CORSMiddleware(asgi_app, **config)) as ours, \
            serve_asgi(StarletteCORS(asgi_app, **config)) as theirs:
        table = differential(f"starlette {config}", judge_bin, ours, theirs,
                             bool(config.get("allow_credentials")), explain_starlette(config))
    assert table.unexplained == []


def test_starlette_star_headers_echo_authorization() -> None:
    """Issue 18: allow_headers=["*"] (the FastAPI tutorial) must let Authorization through."""
    mw = CORSMiddleware(asgi_app, allow_origins=[A], allow_credentials=True, allow_methods=["*"], allow_headers=["*"])
    d = mw.policy.evaluate("OPTIONS", [("Origin", A), ("Access-Control-Request-Method", "GET"),
                                      ("Access-Control-Request-Headers", "authorization, content-type")])
    assert d.allowed and d.header("Access-Control-Allow-Headers") == "authorization, content-type"
    # Listing Authorization next to "*" is not a duplicate.
    CORSMiddleware(asgi_app, allow_origins=[A], allow_headers=["*", "Authorization"])


# ---- Django / django-cors-headers ------------------------------------------------------

def django_view(request: Any) -> Any:
    return HttpResponse("app")


urlpatterns = [re_path(r"^.*$", django_view)]

if not settings.configured:
    settings.configure(DEBUG=False, ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__, MIDDLEWARE=[],
                       INSTALLED_APPS=[], USE_TZ=True, SECRET_KEY="test")
    django.setup()

DJANGO: list[dict[str, Any]] = [
    dict(CORS_ALLOWED_ORIGINS=[A]),
    dict(CORS_ALLOWED_ORIGINS=[A], CORS_ALLOWED_ORIGIN_REGEXES=[REGEX], CORS_ALLOW_CREDENTIALS=True,
         CORS_EXPOSE_HEADERS=["x-request-id"], CORS_PREFLIGHT_MAX_AGE=600),
    dict(CORS_ALLOW_ALL_ORIGINS=True, CORS_ALLOW_METHODS=["GET", "PUT"], CORS_ALLOW_HEADERS=["content-type", "x-token"]),
    dict(CORS_ALLOWED_ORIGINS=[A], CORS_URLS_REGEX=r"^/api/.*$"),
]


@contextmanager
def django_server(middleware: str, config: dict[str, Any]) -> Iterator[int]:
    with override_settings(MIDDLEWARE=[middleware], **config):
        with serve_wsgi(WSGIHandler()) as port:
            yield port


def explain_django(r: dict[str, Any], ours: bool, theirs: bool) -> Optional[str]:
    return None


@pytest.mark.parametrize("config", DJANGO, ids=["list", "regex+credentials", "all+methods", "urls-regex"])
def test_django_differential(config: dict[str, Any], judge_bin: Path) -> None:
    for path in ("/", "/api/x"):
        with django_server("corsgate.django.CorsMiddleware", config) as ours, \
                override_settings(**config), \
                django_server("corsheaders.middleware.CorsMiddleware", config) as theirs:
            table = differential(f"django-cors-headers {config} {path}", judge_bin, ours, theirs,
                                 bool(config.get("CORS_ALLOW_CREDENTIALS")), explain_django, path)
        assert table.unexplained == []


@pytest.mark.parametrize(("config", "message"), [
    (dict(CORS_ALLOW_ALL_ORIGINS=True, CORS_ALLOW_CREDENTIALS=True), "List the origins in CORS_ALLOWED_ORIGINS"),
    (dict(CORS_ALLOWED_ORIGIN_REGEXES=[r"^https://\w+\.example\.com"]), "not anchored at the end"),
    (dict(CORS_ALLOWED_ORIGIN_REGEXES=[r"^https://a\.com|https://b\.com$"]), "top-level |"),
    (dict(CORS_ALLOWED_ORIGINS=["null"]), "dangerously_allow_null_origin"),
    (dict(CORS_ALLOWED_ORIGINS=["https://*example.com"]), "invalid_wildcard"),
    (dict(CORSGATE_POLICY="/nonexistent.json", CORS_ALLOWED_ORIGINS=[A]), "keep one"),
])
def test_django_refuses_unsafe_settings(config: dict[str, Any], message: str) -> None:
    with override_settings(**config), pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        policy_from_settings()


def _located(error: BaseException) -> list[str]:
    """Where each line of a config error's text says the problem is."""
    return [line.strip().split(": ")[0] for line in str(error).splitlines()[1:]]


def test_django_errors_name_the_settings() -> None:
    config = dict(
        CORS_ALLOWED_ORIGINS=[A, "https://*example.com"],
        CORS_ALLOWED_ORIGIN_REGEXES=[r"^https://(?=x)a\.com$"],
        CORS_ALLOW_METHODS=["GET", "PUT", "put", "bad method"],
        CORS_ALLOW_HEADERS=["x-a", "X-A", "bad header"],
        CORS_EXPOSE_HEADERS=["set-cookie"],
        CORS_PREFLIGHT_MAX_AGE=999999,
    )
    with override_settings(**config), pytest.raises(ImproperlyConfigured) as raised:
        policy_from_settings()
    error = raised.value.__cause__
    assert isinstance(error, corsgate.ConfigError)
    assert error.options == [  # type: ignore[attr-defined]
        "CORS_ALLOWED_ORIGINS[1]",
        "CORS_ALLOWED_ORIGIN_REGEXES[0]",
        "CORS_ALLOW_METHODS[3]",
        "CORS_ALLOW_HEADERS[2]",
        "CORS_EXPOSE_HEADERS[0]",
        "CORS_PREFLIGHT_MAX_AGE",
    ]
    assert _located(error) == [
        'CORS_ALLOWED_ORIGINS[1] "https://*example.com"',
        # The core writes the value JSON-escaped.
        r'CORS_ALLOWED_ORIGIN_REGEXES[0] "~^https://(?=x)a\\.com$"',
        'CORS_ALLOW_METHODS[3] "bad method"',
        'CORS_ALLOW_HEADERS[2] "bad header"',
        'CORS_EXPOSE_HEADERS[0] "set-cookie"',
        "CORS_PREFLIGHT_MAX_AGE",
    ]
    assert "CORS_ALLOW_HEADERS[2] \"bad header\": invalid_header_name" in str(raised.value)
    # The core's diagnostics stay in policy terms.
    assert [d.field for d in error.errors][:3] == ["origins", "origins", "methods"]


def test_flask_errors_name_the_options() -> None:
    with pytest.raises(corsgate.ConfigError) as raised:
        flask_app(True, dict(
            origins=[A, "https://app.example.com/x"],
            methods=["get", "put", "PUT", "bad method"],
            allow_headers=["*", "bad header"],
            expose_headers="set-cookie",
        ))
    assert raised.value.options == [  # type: ignore[attr-defined]
        "origins[1]", "methods[3]", "allow_headers[1]", "expose_headers",
    ]
    assert _located(raised.value) == [
        'origins[1] "https://app.example.com/x"',
        'methods[3] "BAD METHOD"',
        'allow_headers[1] "bad header"',
        'expose_headers "set-cookie"',
    ]


def _warned(caplog: pytest.LogCaptureFixture) -> list[tuple[str, Any]]:
    """The `corsgate` logger's policy warnings: (message, option)."""
    return [(r.getMessage(), getattr(r, "corsgate_option", None)) for r in caplog.records
            if r.name == "corsgate" and r.levelno == logging.WARNING and "github.io" in r.getMessage()]


WARNED_ORIGINS = [A, "https://*.github.io"]  # a public suffix wildcard: a warning, not an error
WARNING_TAIL = ' "https://*.github.io": public_suffix_wildcard_uncredentialed: '


def test_django_warnings_name_the_settings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="corsgate")
    with override_settings(CORS_ALLOWED_ORIGINS=WARNED_ORIGINS):
        corsgate.django.CorsMiddleware(lambda request: HttpResponse("ok"))
    [(message, option)] = _warned(caplog)
    assert option == "CORS_ALLOWED_ORIGINS[1]"
    assert message.startswith("policy warning: CORS_ALLOWED_ORIGINS[1]" + WARNING_TAIL), message
    # A policy the user wrote keeps its own words.
    caplog.clear()
    corsgate.django.CorsMiddleware(lambda request: HttpResponse("ok"), Policy(WARNED_ORIGINS))
    [(message, option)] = _warned(caplog)
    assert option is None and message.startswith("policy warning: origins[1]" + WARNING_TAIL), message


def test_starlette_warnings_name_the_arguments(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="corsgate")
    CORSMiddleware(asgi_app, allow_origins=WARNED_ORIGINS)
    [(message, option)] = _warned(caplog)
    assert option == "allow_origins[1]"
    assert message.startswith("policy warning: allow_origins[1]" + WARNING_TAIL), message


def test_django_policy_file_and_origin_callback(tmp_path: Path) -> None:
    f = tmp_path / "cors.json"
    f.write_text('{"origins": ["https://app.example.com"], "methods": ["PUT"]}')
    with override_settings(CORSGATE_POLICY=str(f), CORSGATE_ORIGIN_CALLBACK=f"{__name__}._example_org"):
        policy = policy_from_settings()
    assert isinstance(policy, DynamicOrigins)
    d = policy.evaluate("OPTIONS", [("Origin", "https://x.example.org"), ("Access-Control-Request-Method", "PUT")])
    assert d.allowed and d.header("Access-Control-Allow-Origin") == "https://x.example.org"


# ---- Flask / flask-cors ------------------------------------------------------------------

FLASK: list[dict[str, Any]] = [
    dict(),
    dict(origins=[A, REGEX], supports_credentials=True, expose_headers=["X-Request-Id"], max_age=600),
    dict(origins=A, methods=["GET", "PUT"], allow_headers=["Content-Type", "X-Token"]),
    dict(resources={r"/api/*": {"origins": [A], "supports_credentials": True}, r"/public/*": {"origins": "*"}}),
]


def flask_app(use_corsgate: bool, options: dict[str, Any]) -> flask.Flask:
    app = flask.Flask(f"dropin{int(use_corsgate)}")

    @app.route("/", defaults={"p": ""}, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
    @app.route("/<path:p>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
    def view(p: str) -> str:
        return "app"

    (corsgate.flask.CORS if use_corsgate else flask_cors.CORS)(app, **options)
    return app


def explain_flask(options: dict[str, Any]) -> Any:
    methods = options.get("methods", corsgate.flask.ALL_METHODS)
    return lambda r, ours, theirs: _explain_flask(r, ours, theirs, list(methods))


def _explain_flask(r: dict[str, Any], ours: bool, theirs: bool, methods: list[str]) -> Optional[str]:
    # flask-cors sends no Access-Control-Allow-* but the origin unless the method is listed.
    if safelisted_method_difference(r, ours, theirs, methods):
        return "safelisted-methods"
    origin = origin_of(r) or ""
    # flask-cors compares listed origins ignoring case and reflects the request's bytes;
    # browsers serialize origins in lowercase, so only a non-browser client sends these.
    if not ours and theirs and origin != origin.lower():
        return "uppercase-origin"
    return None


@pytest.mark.parametrize("options", FLASK, ids=["defaults", "list+regex+credentials", "one-origin", "resources"])
def test_flask_differential(options: dict[str, Any], judge_bin: Path) -> None:
    credentials = bool(options.get("supports_credentials"))
    for path in ("/", "/api/x", "/public/y"):
        if path != "/" and "resources" not in options:
            continue
        creds = credentials or (path == "/api/x" and "resources" in options)
        with serve_wsgi(flask_app(True, options)) as ours, serve_wsgi(flask_app(False, options)) as theirs:
            table = differential(f"flask-cors {options} {path}", judge_bin, ours, theirs, creds, explain_flask(options), path)
        assert table.unexplained == []


@pytest.mark.parametrize(("options", "message"), [
    (dict(supports_credentials=True), "List the origins"),
    (dict(origins=[r"https://.*\.example\.com"]), "not anchored at the end"),
    (dict(origins=["null"]), "dangerously_allow_null_origin"),
    (dict(allow_headers=["X-Custom-.*"]), "is a regex"),
    (dict(origin="https://a.com"), "unknown flask-cors option"),
])
def test_flask_refuses_unsafe_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        flask_app(True, options)


def test_flask_per_resource_policies() -> None:
    app = flask_app(True, dict(resources={r"/api/*": {"origins": [A], "supports_credentials": True}}))
    with serve_wsgi(app) as port:
        c = Client(port)
        try:
            _, h, _ = c.request("GET", "/api/x", [("Origin", A)])
            assert cors_headers(h).get("access-control-allow-credentials") == "true"
            _, h, _ = c.request("GET", "/other", [("Origin", A)])
            assert "access-control-allow-origin" not in cors_headers(h)
        finally:
            c.close()


# ---- dynamic origins -------------------------------------------------------------------

def test_dynamic_origins_cache_and_core_decision() -> None:
    asked: list[str] = []

    def callback(origin: str) -> bool:
        asked.append(origin)
        return origin.endswith(".example.org")

    base = Policy([A], credentials=True, methods=["PUT"])
    dyn = DynamicOrigins(base, callback, max_entries=2, ttl=0.05)

    def get(origin: str) -> Decision:
        return dyn.evaluate("GET", [("Origin", origin)])

    assert get(A).allowed and asked == [], "allowed by the policy: not asked"
    assert get("https://a.example.org").header("Access-Control-Allow-Origin") == "https://a.example.org"
    assert get("https://a.example.org").header("Access-Control-Allow-Credentials") == "true"
    assert not get("https://evil.example.net").allowed
    assert not get("https://evil.example.net").allowed
    assert asked == ["https://a.example.org", "https://evil.example.net"], "one call per origin per TTL"
    get("https://b.example.org")  # evicts the oldest (max 2)
    get("https://a.example.org")
    assert asked.count("https://a.example.org") == 2
    time.sleep(0.08)
    get("https://b.example.org")
    assert asked.count("https://b.example.org") == 2, "expired"
    # The core decides: a "yes" never allows what the policy does not.
    d = dyn.evaluate("OPTIONS", [("Origin", "https://c.example.org"), ("Access-Control-Request-Method", "DELETE")])
    assert not d.allowed and d.reason_code == "method_not_allowed"
    # Malformed origins and insecure origins with credentials stay denied, unasked or not.
    assert not get("https://c.example.org/").allowed
    assert not get("http://insecure.example.org").allowed
    # Works as the middleware's policy.
    CORSMiddleware(asgi_app, dyn)


def test_django_async_mode() -> None:
    """Under ASGI Django hands an async get_response: the middleware awaits it."""
    import asyncio

    from django.test import AsyncRequestFactory  # type: ignore[import-untyped]

    from corsgate.django import CorsMiddleware as DjangoCors

    async def get_response(request: Any) -> Any:
        return HttpResponse("app")

    with override_settings(CORS_ALLOWED_ORIGINS=[A]):
        mw = DjangoCors(get_response)
    factory = AsyncRequestFactory()
    res = asyncio.run(mw(factory.get("/", headers={"Origin": A})))
    assert res["Access-Control-Allow-Origin"] == A and res.content == b"app"
    pf = asyncio.run(mw(factory.options("/", headers={"Origin": A, "Access-Control-Request-Method": "PUT"})))
    assert pf.status_code == 200 and pf["Access-Control-Allow-Methods"] == "PUT"


def test_django_answers_refusals_itself(tmp_path: Path) -> None:
    """Cross-origin protection: a refused POST is answered 403 by the middleware and the
    view never runs, in the sync and the async mode alike."""
    import asyncio

    from django.test import AsyncRequestFactory, RequestFactory

    from corsgate.django import CorsMiddleware as DjangoCors

    f = tmp_path / "cors.json"
    f.write_text(json.dumps({"origins": [A], "methods": ["POST"], "cross_origin_protection": True}))
    calls: list[str] = []

    def view(request: Any) -> Any:
        calls.append(request.path)
        return HttpResponse("app")

    async def aview(request: Any) -> Any:
        return view(request)

    evil = {"Origin": "https://evil.example.net", "Sec-Fetch-Site": "cross-site"}
    trusted = {"Origin": A, "Sec-Fetch-Site": "cross-site"}
    with override_settings(CORSGATE_POLICY=str(f)):
        sync_mw, async_mw = DjangoCors(view), DjangoCors(aview)
    for answer in (
        sync_mw(RequestFactory().post("/transfer", headers=evil)),
        asyncio.run(async_mw(AsyncRequestFactory().post("/transfer", headers=evil))),
    ):
        assert answer.status_code == 403 and answer.content == b""
        assert answer["Vary"] == "Origin" and "Access-Control-Allow-Origin" not in answer
    assert calls == [], "the view ran for a refused request"
    ok = sync_mw(RequestFactory().post("/transfer", headers=trusted))
    assert ok.status_code == 200 and ok.content == b"app" and ok["Access-Control-Allow-Origin"] == A
    assert calls == ["/transfer"]


# ---- policy sets through Django and Flask ------------------------------------------------

SET_DOC = {
    "policies": {"acme": {"origins": ["https://*.acme.com"], "credentials": True},
                 "admin": {"origins": [A], "methods": ["DELETE"]}},
    "routes": [{"host": "api.acme.com", "policy": "acme"},
               {"host": "api.acme.com", "path_prefix": "/admin/", "policy": "admin"}],
}
ACME = "https://app.acme.com"


def _set_requests(c: Client) -> None:
    """What any runtime serving SET_DOC must answer: the Host and path over HTTP select."""
    _, h, _ = c.request("GET", "/users", [("Host", "api.acme.com"), ("Origin", ACME)])
    assert cors_headers(h).get("access-control-allow-credentials") == "true"
    _, h, _ = c.request("GET", "/admin/users", [("Host", "api.acme.com"), ("Origin", ACME)])
    assert "access-control-allow-origin" not in cors_headers(h)
    status, h, _ = c.request("OPTIONS", "/admin/users", [("Host", "api.acme.com"), ("Origin", A),
                                                          ("Access-Control-Request-Method", "DELETE")])
    assert status in (200, 204) and cors_headers(h).get("access-control-allow-origin") == A
    _, h, _ = c.request("GET", "/users", [("Host", "api.other.com"), ("Origin", ACME)])
    assert "access-control-allow-origin" not in cors_headers(h)


def test_django_policy_set_file(tmp_path: Path) -> None:
    f = tmp_path / "cors.json"
    f.write_text(json.dumps(SET_DOC))
    with override_settings(CORSGATE_POLICY=str(f)):
        assert isinstance(policy_from_settings(), corsgate.PolicySet)
    with django_server("corsgate.django.CorsMiddleware", {"CORSGATE_POLICY": str(f)}) as port:
        c = Client(port)
        try:
            _set_requests(c)
        finally:
            c.close()
    with override_settings(CORSGATE_POLICY=str(f), CORSGATE_ORIGIN_CALLBACK=f"{__name__}._example_org"):
        with pytest.raises(ImproperlyConfigured, match="policy set"):
            policy_from_settings()


def test_flask_policy_set() -> None:
    app = flask_app(True, dict(policy=corsgate.PolicySet.from_json(json.dumps(SET_DOC))))
    with serve_wsgi(app) as port:
        c = Client(port)
        try:
            _set_requests(c)
        finally:
            c.close()
