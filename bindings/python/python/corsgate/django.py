"""Django middleware: ``corsgate.django.CorsMiddleware``, a drop-in for django-cors-headers.

    MIDDLEWARE = ["corsgate.django.CorsMiddleware", ...]   # as high as possible
    CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    CORS_ALLOW_CREDENTIALS = True
    # or the whole policy in one file:  CORSGATE_POLICY = BASE_DIR / "cors.json"

Settings read at startup (django-cors-headers' names and defaults, see
:func:`policy_from_settings`): ``CORS_ALLOWED_ORIGINS``, ``CORS_ALLOWED_ORIGIN_REGEXES``,
``CORS_ALLOW_ALL_ORIGINS``, ``CORS_ALLOW_CREDENTIALS``, ``CORS_ALLOW_METHODS``,
``CORS_ALLOW_HEADERS``, ``CORS_EXPOSE_HEADERS``, ``CORS_PREFLIGHT_MAX_AGE``,
``CORS_ALLOW_PRIVATE_NETWORK``, ``CORS_URLS_REGEX``; or ``CORSGATE_POLICY`` (a policy
file or a policy set file, told apart by its top-level ``policies`` key; then no
``CORS_*`` origin setting may be set). With a policy set, each request is answered by the
policy of the route its ``Host`` line and ``request.path`` (``SCRIPT_NAME + PATH_INFO``,
percent-decoded, as the WSGI and ASGI middleware select) select. ``CORSGATE_ORIGIN_CALLBACK`` (a
callable or its dotted path, ``callback(origin) -> bool``) adds dynamic origins
(:mod:`corsgate.dynamic`), the counterpart of django-cors-headers'
``check_request_enabled`` signal.

Preflights (to paths matching ``CORS_URLS_REGEX``) are answered here; other responses
get the decision applied by the core's response rule (:meth:`corsgate.Decision.apply_to`).
Unsafe settings raise ``ImproperlyConfigured`` at startup, naming the setting and the
safe alternative. Nothing is decided here: the core decides every request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, Union

from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped]
from django.http import HttpResponse  # type: ignore[import-untyped]
from django.utils.module_loading import import_string  # type: ignore[import-untyped]

from ._corsgate import ConfigError, Decision, Policy, PolicySet, load
from ._observe import evaluate, log_warnings
from ._origin_regex import UnanchoredRegex, core_pattern
from ._user_words import Source, first_of_each, in_user_words, remember_namer, sources_namer
from .dynamic import DynamicOrigins
from .wsgi import _ENVIRON_HEADERS

__all__ = ["CorsMiddleware", "policy_from_settings"]

# django-cors-headers' defaults (corsheaders/defaults.py).
DEFAULT_METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")
DEFAULT_HEADERS = ("accept", "authorization", "content-type", "user-agent", "x-csrftoken", "x-requested-with")
DEFAULT_MAX_AGE = 86400
DEFAULT_URLS_REGEX = r"^.*$"

_ORIGIN_SETTINGS = ("CORS_ALLOWED_ORIGINS", "CORS_ALLOWED_ORIGIN_REGEXES", "CORS_ALLOW_ALL_ORIGINS")
# django-cors-headers 3's names, still read by 4 when the new ones are unset.
_OLD_NAMES = {
    "CORS_ALLOWED_ORIGINS": "CORS_ORIGIN_WHITELIST",
    "CORS_ALLOWED_ORIGIN_REGEXES": "CORS_ORIGIN_REGEX_WHITELIST",
    "CORS_ALLOW_ALL_ORIGINS": "CORS_ORIGIN_ALLOW_ALL",
}

Settings = Any  # django.conf.settings or any object with the same attributes


def _get(conf: Settings, name: str, default: Any) -> Any:
    if hasattr(conf, name):
        return getattr(conf, name)
    old = _OLD_NAMES.get(name)
    if old is not None and hasattr(conf, old):
        return getattr(conf, old)
    return default


def _strings(name: str, value: Any) -> list[str]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ImproperlyConfigured(f"corsgate: {name} must be a list or tuple of str, not {type(value).__name__}")
    out = []
    for v in value:
        if isinstance(v, re.Pattern):
            v = v.pattern
        if not isinstance(v, str):
            raise ImproperlyConfigured(f"corsgate: {name} entries must be str, found {type(v).__name__}")
        out.append(v)
    return out


def _regex_pattern(name: str, regex: str) -> str:
    try:
        return core_pattern(regex, name)
    except UnanchoredRegex as e:
        raise ImproperlyConfigured(f"corsgate: {e}") from e


def policy_from_settings(conf: Settings = None) -> Policy | PolicySet | DynamicOrigins:
    """The policy django-cors-headers' settings describe (or ``CORSGATE_POLICY``'s file),
    with ``CORSGATE_ORIGIN_CALLBACK`` as dynamic origins when set.

    Raises ``ImproperlyConfigured`` for unsafe or unmappable settings (reflecting every
    origin with credentials, ``null`` listed, an origin regex not anchored at the end)
    and for values the core rejects (its message and code included).
    """
    if conf is None:
        from django.conf import settings  # type: ignore[import-untyped]

        conf = settings
    path = getattr(conf, "CORSGATE_POLICY", None)
    try:
        if path is not None:
            clash = [n for n in _ORIGIN_SETTINGS if hasattr(conf, n)]
            if clash:
                raise ImproperlyConfigured(
                    f"corsgate: CORSGATE_POLICY is set together with {', '.join(clash)}: keep one (the policy file holds the origins)"
                )
            policy: Policy | PolicySet = load(path)
        else:
            policy = _policy_from_cors_settings(conf)
    except ConfigError as e:
        raise ImproperlyConfigured(f"corsgate: the CORS settings are rejected ({e.code}): {e}") from e
    callback = getattr(conf, "CORSGATE_ORIGIN_CALLBACK", None)
    if callback is None:
        return policy
    if isinstance(policy, PolicySet):
        raise ImproperlyConfigured(
            "corsgate: CORSGATE_ORIGIN_CALLBACK with a policy set in CORSGATE_POLICY: dynamic origins "
            "extend one policy; list the tenants' origins in the set's policies instead"
        )
    if isinstance(callback, str):
        callback = import_string(callback)
    if not callable(callback):
        raise ImproperlyConfigured("corsgate: CORSGATE_ORIGIN_CALLBACK must be a callable or its dotted path")
    return DynamicOrigins(policy, callback)


def _policy_from_cors_settings(conf: Settings) -> Policy:
    allow_all = bool(_get(conf, "CORS_ALLOW_ALL_ORIGINS", False))
    credentials = bool(_get(conf, "CORS_ALLOW_CREDENTIALS", False))
    origins = _strings("CORS_ALLOWED_ORIGINS", _get(conf, "CORS_ALLOWED_ORIGINS", ()))
    regexes = _strings("CORS_ALLOWED_ORIGIN_REGEXES", _get(conf, "CORS_ALLOWED_ORIGIN_REGEXES", ()))
    if allow_all and credentials:
        raise ImproperlyConfigured(
            "corsgate: CORS_ALLOW_ALL_ORIGINS with CORS_ALLOW_CREDENTIALS: django-cors-headers then "
            "reflects every origin with credentials, so any site could read authenticated "
            "responses. List the origins in CORS_ALLOWED_ORIGINS (or CORS_ALLOWED_ORIGIN_REGEXES) instead"
        )
    if "null" in origins:
        raise ImproperlyConfigured(
            "corsgate: CORS_ALLOWED_ORIGINS lists 'null': sandboxed iframes and file: pages of any "
            "site send it. Remove it; if you must, use a CORSGATE_POLICY file with "
            '"dangerously_allow_null_origin": true'
        )
    if allow_all:
        patterns = ["*"]
        origin_sources: list[Source] = [("CORS_ALLOW_ALL_ORIGINS", None)]
    else:
        patterns = origins + [_regex_pattern("CORS_ALLOWED_ORIGIN_REGEXES", r) for r in regexes]
        origin_sources = [("CORS_ALLOWED_ORIGINS", i) for i in range(len(origins))]
        origin_sources += [("CORS_ALLOWED_ORIGIN_REGEXES", i) for i in range(len(regexes))]
        if not patterns:
            raise ImproperlyConfigured(
                "corsgate: no origin is allowed: set CORS_ALLOWED_ORIGINS, CORS_ALLOWED_ORIGIN_REGEXES "
                "or CORS_ALLOW_ALL_ORIGINS (or CORSGATE_POLICY), or leave the middleware out"
            )
    methods = _strings("CORS_ALLOW_METHODS", _get(conf, "CORS_ALLOW_METHODS", DEFAULT_METHODS))
    headers = _strings("CORS_ALLOW_HEADERS", _get(conf, "CORS_ALLOW_HEADERS", DEFAULT_HEADERS))
    expose = _strings("CORS_EXPOSE_HEADERS", _get(conf, "CORS_EXPOSE_HEADERS", ()))
    max_age = _get(conf, "CORS_PREFLIGHT_MAX_AGE", DEFAULT_MAX_AGE)
    # Repeats are dropped (django-cors-headers tolerates them, the core reports them);
    # GET, HEAD and POST need no listing (Fetch).
    kept_methods = [i for i in first_of_each(methods) if methods[i] not in ("GET", "HEAD", "POST")]
    kept_headers = first_of_each(headers)
    # Errors name the settings (CORS_ALLOW_METHODS[3]), not the policy's fields.
    name = sources_namer(
        {
            "origins": "CORS_ALLOWED_ORIGINS",
            "credentials": "CORS_ALLOW_CREDENTIALS",
            "methods": "CORS_ALLOW_METHODS",
            "request_headers": "CORS_ALLOW_HEADERS",
            "expose_headers": "CORS_EXPOSE_HEADERS",
            "max_age": "CORS_PREFLIGHT_MAX_AGE",
            "private_network": "CORS_ALLOW_PRIVATE_NETWORK",
        },
        {
            "origins": origin_sources,
            "methods": [("CORS_ALLOW_METHODS", i) for i in kept_methods],
            "request_headers": [("CORS_ALLOW_HEADERS", i) for i in kept_headers],
            "expose_headers": [("CORS_EXPOSE_HEADERS", i) for i in range(len(expose))],
        },
    )
    try:
        policy = Policy(
            patterns,
            credentials=credentials,
            methods=[methods[i] for i in kept_methods],
            request_headers=[headers[i] for i in kept_headers],
            expose_headers=expose,
            # django-cors-headers sends no Max-Age for 0 / None.
            max_age=max_age or None,
            # django-cors-headers answers preflights 200.
            preflight_status=200,
            private_network=bool(_get(conf, "CORS_ALLOW_PRIVATE_NETWORK", False)),
        )
    except ConfigError as e:
        raise in_user_words(e, name) from None
    # Its warnings too, logged by the middleware in the settings' words.
    return remember_namer(policy, name)


GetResponse = Callable[[Any], Any]
PolicyLike = Union[Policy, PolicySet, DynamicOrigins]


class CorsMiddleware:
    """Answers CORS for a Django project from its settings (read once, at startup).

    Sync and async capable, as django-cors-headers' middleware. ``middleware.policy``
    may be swapped at run time (hot reload).
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse, policy: PolicyLike | None = None) -> None:
        from asgiref.sync import iscoroutinefunction, markcoroutinefunction
        from django.conf import settings

        self.get_response = get_response
        self.policy: PolicyLike = policy_from_settings() if policy is None else policy
        log_warnings(self.policy)  # the `corsgate` logger, in the settings' words
        self.urls = re.compile(getattr(settings, "CORS_URLS_REGEX", DEFAULT_URLS_REGEX))
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        if not self.urls.match(request.path_info):
            return self.get_response(request)
        decision = self._decide(request)
        if not decision.calls_application:  # a preflight or a refusal: answered here
            return _answer(decision)
        return _apply(decision, self.get_response(request))

    async def __acall__(self, request: Any) -> Any:
        if not self.urls.match(request.path_info):
            return await self.get_response(request)
        decision = self._decide(request)
        if not decision.calls_application:  # a preflight or a refusal: answered here
            return _answer(decision)
        return _apply(decision, await self.get_response(request))

    def _decide(self, request: Any) -> Decision:
        meta = request.META
        headers = [
            (name, meta[key].encode("latin-1", "replace")) for key, name in _ENVIRON_HEADERS if key in meta
        ]
        return evaluate(self.policy, request.method or "GET", headers, request.path)


def _answer(decision: Decision) -> Any:
    """A preflight's or a refusal's answer: the decision's status and headers, an empty body."""
    answer = HttpResponse(status=decision.status or 403)
    for name, value in decision.headers:
        answer[name] = value
    if answer.status_code != 204:
        answer["Content-Length"] = "0"
    return answer


def _apply(decision: Decision, response: Any) -> Any:
    """The core's response rule on a Django response (repeated names joined by ", ")."""
    merged = decision.apply_to(list(response.items()))
    for name in list(response.headers):
        del response.headers[name]
    for name, value in merged:
        response.headers[name] = f"{response.headers[name]}, {value}" if name in response.headers else value
    return response
