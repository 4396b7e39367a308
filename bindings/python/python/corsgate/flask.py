"""Flask extension: ``corsgate.flask.CORS``, a drop-in for flask-cors's ``CORS``.

    from flask import Flask
    from corsgate.flask import CORS

    app = Flask(__name__)
    CORS(app, resources={r"/api/*": {"origins": ["https://app.example.com"]}},
         supports_credentials=True)

Accepted (flask-cors's names and defaults; also read from ``app.config`` as
``CORS_<NAME>``): ``resources`` (a path regex or literal, a list of them, or a dict of
path → per-resource options, matched most specific first as flask-cors orders them),
``origins``, ``methods``, ``allow_headers``, ``expose_headers``, ``supports_credentials``,
``max_age``, ``allow_private_network``, and ``send_wildcard``, ``vary_header``,
``automatic_options``, ``always_send``, ``intercept_exceptions`` (accepted: corsgate
answers as they would by default, see the README's migration table). ``policy`` (a
:class:`corsgate.Policy`, a :class:`corsgate.PolicySet` or a
:class:`corsgate.dynamic.DynamicOrigins`) replaces the options of a resource; a set
selects its route per request by the ``Host`` line and the full path
(``SCRIPT_NAME + PATH_INFO``, see :mod:`corsgate.wsgi`), e.g.
``CORS(app, policy=corsgate.load("cors.json"))``.

Each resource compiles to one policy; the application's WSGI callable is wrapped so that
a request whose path matches a resource goes through :class:`corsgate.wsgi.CORSMiddleware`
with that resource's policy (preflights answered, the core's response rule applied).
Unsafe options raise ``ValueError`` at startup naming the option and the safe
alternative; values the core rejects raise :class:`corsgate.ConfigError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any, Optional, Union
from urllib.parse import unquote

from ._corsgate import ConfigError, Policy, PolicySet
from ._origin_regex import UnanchoredRegex, core_pattern
from ._user_words import Source, first_of_each, in_user_words, remember_namer, sources_namer
from .dynamic import DynamicOrigins
from .wsgi import CORSMiddleware, StartResponse, WSGIApp

__all__ = ["CORS", "policy_from_flask_cors"]

ALL_METHODS = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"]
DEFAULTS: dict[str, Any] = {
    "origins": "*",
    "methods": ALL_METHODS,
    "allow_headers": "*",
    "expose_headers": None,
    "supports_credentials": False,
    "max_age": None,
    "send_wildcard": False,
    "automatic_options": True,
    "vary_header": True,
    "resources": r"/*",
    "intercept_exceptions": True,
    "always_send": True,
    "allow_private_network": False,
}
# Options that change nothing a browser's CORS check reads (README migration table).
_ACCEPTED = {"send_wildcard", "vary_header", "automatic_options", "always_send", "intercept_exceptions"}
_REGEX_HINT = frozenset("*\\]?$^[]()")

PolicyLike = Union[Policy, PolicySet, DynamicOrigins]
PathPattern = Union[str, "re.Pattern[str]"]


def _probably_regex(p: PathPattern) -> bool:
    return isinstance(p, re.Pattern) or not _REGEX_HINT.isdisjoint(p)


def _listed(name: str, value: Any) -> list[Any]:
    if value is None:
        return []
    return [value] if _single(value) else list(value)


def _origins(value: Any, credentials: bool) -> list[str]:
    out: list[str] = []
    for o in _listed("origins", value):
        src = o.pattern if isinstance(o, re.Pattern) else o
        if not isinstance(src, str):
            raise ValueError(f"corsgate: flask-cors option 'origins' entries must be str or re.Pattern, found {type(o).__name__}")
        if src in ("*", ".*"):
            if credentials:
                raise ValueError(
                    "corsgate: flask-cors options origins='*' with supports_credentials=True: flask-cors "
                    "then reflects every origin with credentials, so any site could read authenticated "
                    "responses. List the origins (origins=['https://app.example.com', r'^https://[a-z]+\\.example\\.com$'])"
                )
            out.append("*")
        elif _probably_regex(o):
            try:
                out.append(core_pattern(src, "flask-cors option 'origins'"))
            except UnanchoredRegex as e:
                raise ValueError(f"corsgate: {e}") from e
        elif src == "null":
            raise ValueError(
                "corsgate: flask-cors option 'origins' lists 'null': sandboxed iframes and file: pages of "
                "any site send it. Remove it; if you must, pass policy=Policy(..., dangerously_allow_null_origin=True)"
            )
        else:
            # flask-cors compares literal origins ignoring case; browsers send them lowercase.
            out.append(src.lower())
    return out


def _headers(value: Any) -> tuple[list[str], list[Source]]:
    """The header names, without repeats, and where each came from in ``allow_headers``."""
    out: list[str] = []
    at: list[Optional[int]] = []
    single = _single(value)
    for i, h in enumerate(_listed("allow_headers", value)):
        src = h.pattern if isinstance(h, re.Pattern) else h
        if src in ("*", ".*"):
            # flask-cors echoes every requested name, Authorization included.
            out += ["*", "authorization"]
            at += [i, i]
        elif _probably_regex(h):
            raise ValueError(
                f"corsgate: flask-cors option 'allow_headers' entry {src!r} is a regex: corsgate lists "
                "header names. List them, or use '*' (every requested name is echoed)"
            )
        else:
            out.append(src)
            at.append(i)
    kept = first_of_each(out)
    return [out[k] for k in kept], [("allow_headers", None if single else at[k]) for k in kept]


def _single(value: Any) -> bool:
    """Whether an option is one value rather than a list (its entries have no index)."""
    return isinstance(value, (str, re.Pattern)) or not isinstance(value, Iterable)


def _max_age(value: Any) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, int):
        return value
    raise ValueError(f"corsgate: flask-cors option 'max_age' must be seconds (int, digits or timedelta), not {value!r}")


def policy_from_flask_cors(options: Mapping[str, Any]) -> PolicyLike:
    """The policy for one resource's merged flask-cors options."""
    unknown = set(options) - set(DEFAULTS) - {"policy"}
    if unknown:
        raise ValueError(f"corsgate: unknown flask-cors option(s) {sorted(unknown)}: refused rather than ignored")
    if options.get("policy") is not None:
        policy = options["policy"]
        if not isinstance(policy, (Policy, PolicySet, DynamicOrigins)):
            raise TypeError(
                f"policy must be a corsgate.Policy, PolicySet or DynamicOrigins, not {type(policy).__name__}"
            )
        return policy
    credentials = bool(options.get("supports_credentials"))
    methods = [str(m).upper() for m in _listed("methods", options.get("methods"))]
    # GET, HEAD and POST need no listing (Fetch).
    kept_methods = [i for i in first_of_each(methods) if methods[i] not in ("GET", "HEAD", "POST")]
    expose = [str(h) for h in _listed("expose_headers", options.get("expose_headers"))]
    origins = _origins(options.get("origins"), credentials)
    headers, header_sources = _headers(options.get("allow_headers"))

    def listed(option: str, count: int) -> list[Source]:
        return [(option, None if _single(options.get(option)) else i) for i in range(count)]

    # Errors name flask-cors's options (methods[1]), not the policy's fields.
    name = sources_namer(
        {
            "origins": "origins",
            "credentials": "supports_credentials",
            "methods": "methods",
            "request_headers": "allow_headers",
            "expose_headers": "expose_headers",
            "max_age": "max_age",
            "private_network": "allow_private_network",
        },
        {
            "origins": listed("origins", len(origins)),
            "methods": [("methods", None if _single(options.get("methods")) else i) for i in kept_methods],
            "request_headers": header_sources,
            "expose_headers": listed("expose_headers", len(expose)),
        },
    )
    try:
        policy = Policy(
            origins,
            credentials=credentials,
            methods=[methods[i] for i in kept_methods],
            request_headers=headers,
            expose_headers=expose,
            max_age=_max_age(options.get("max_age")),
            # flask-cors's preflight answer is Flask's automatic OPTIONS response: 200.
            preflight_status=200,
            private_network=bool(options.get("allow_private_network")),
        )
    except ConfigError as e:
        raise in_user_words(e, name) from None
    # Its warnings too, logged by the middleware in the settings' words.
    return remember_namer(policy, name)


def _fix(p: Any) -> Any:
    """flask-cors's ``re_fix``: ``*`` means ``.*``."""
    return r".*" if p == "*" else p


def _resources(spec: Any) -> list[tuple[PathPattern, dict[str, Any]]]:
    """flask-cors's ``resources`` as (path pattern, options) pairs, in its match order."""
    if isinstance(spec, dict):
        pairs = [(_fix(k), dict(v)) for k, v in spec.items()]

        def key(pair: tuple[PathPattern, Any]) -> tuple[int, int, int, int]:
            p = pair[0]
            text = p.pattern if isinstance(p, re.Pattern) else p
            kind = (1, 0) if isinstance(p, re.Pattern) else (1, 1) if _probably_regex(p) else (0, 0)
            return (*kind, -text.count("/"), -len(text))

        pairs.sort(key=key)
        return pairs
    return [(_fix(p), {}) for p in _listed("resources", spec)]


class _Dispatch:
    """The WSGI callable: the first resource whose path pattern matches picks the
    middleware; other paths reach the application untouched (as with flask-cors)."""

    def __init__(self, app: WSGIApp, routes: list[tuple[PathPattern, CORSMiddleware]]) -> None:
        self.app = app
        self.routes = [(re.compile(p) if isinstance(p, str) and _probably_regex(p) else p, mw) for p, mw in routes]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = unquote(environ.get("PATH_INFO", "") or "/")
        for pattern, mw in self.routes:
            if (pattern.match(path) is not None) if isinstance(pattern, re.Pattern) else pattern == path:
                return mw(environ, start_response)
        return self.app(environ, start_response)


class CORS:
    """``CORS(app, **options)`` or ``CORS(**options).init_app(app)``, as flask-cors."""

    def __init__(self, app: Any = None, **options: Any) -> None:
        self._options = options
        if app is not None:
            self.init_app(app, **options)

    def init_app(self, app: Any, **options: Any) -> None:
        from_config = {
            k[len("CORS_"):].lower(): v
            for k, v in getattr(app, "config", {}).items()
            if k.startswith("CORS_") and v is not None
        }
        merged = {**DEFAULTS, **from_config, **self._options, **options}
        routes = []
        for pattern, own in _resources(merged.pop("resources")):
            policy = policy_from_flask_cors({**merged, **own})
            routes.append((pattern, CORSMiddleware(app.wsgi_app, policy)))
        app.wsgi_app = _Dispatch(app.wsgi_app, routes)
