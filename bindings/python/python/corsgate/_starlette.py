"""Starlette's ``CORSMiddleware`` keyword arguments, mapped onto a corsgate policy."""

from __future__ import annotations

from collections.abc import Collection

from ._corsgate import ConfigError, Policy
from ._user_words import in_user_words, remember_namer, starlette_namer

# Starlette always allows these request headers, whatever allow_headers says.
STARLETTE_SAFELISTED_HEADERS = ("accept", "accept-language", "content-language", "content-type")
# What Starlette's allow_methods=["*"] stands for (starlette.middleware.cors.ALL_METHODS).
STARLETTE_ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def policy_from_starlette(
    allow_origins: Collection[str] = (),
    allow_methods: Collection[str] = ("GET",),
    allow_headers: Collection[str] = (),
    allow_credentials: bool = False,
    allow_origin_regex: str | None = None,
    allow_private_network: bool = False,
    expose_headers: Collection[str] = (),
    max_age: int = 600,
    cross_origin_protection: bool = False,
) -> Policy:
    """Builds the :class:`Policy` for the arguments of Starlette's ``CORSMiddleware``.

    Defaults are Starlette's. Each argument maps onto one policy field (see the README);
    the core then validates the result, so combinations Starlette accepts but answers
    unsafely raise :class:`corsgate.ConfigError` with the core's explanation, e.g.
    ``allow_origins=["*"]`` with ``allow_credentials=True`` (Starlette reflects every
    origin with credentials) is ``any_origin_with_credentials``.
    ``cross_origin_protection`` is corsgate's own (Starlette has no such argument): the
    policy field of the same name.
    """
    for name, value in (
        ("allow_origins", allow_origins),
        ("allow_methods", allow_methods),
        ("allow_headers", allow_headers),
        ("expose_headers", expose_headers),
    ):
        if isinstance(value, (str, bytes)):
            raise TypeError(f"{name} must be a collection of str, not a single {type(value).__name__}")
    origins = list(allow_origins)  # "*" is the core's any-origin pattern as it stands
    if allow_origin_regex is not None:
        origins.append("~" + allow_origin_regex)
    # Starlette's "*" is its ALL_METHODS, not any method (a PROPFIND preflight gets 400).
    methods = list(STARLETTE_ALL_METHODS) if "*" in allow_methods else list(allow_methods)
    if "*" in allow_headers:
        # Starlette echoes the requested names, Authorization included; "*" alone
        # excludes Authorization (Fetch), so it is listed too.
        listed = [h for h in allow_headers if h != "*" and h.lower() != "authorization"]
        headers = ["*", "authorization", *listed]
    else:
        seen = {h.lower() for h in allow_headers}
        headers = [*allow_headers, *(h for h in STARLETTE_SAFELISTED_HEADERS if h not in seen)]
    namer = starlette_namer(list(allow_origins), list(allow_methods), list(allow_headers))
    try:
        policy = Policy(
            origins,
            credentials=allow_credentials,
            methods=methods,
            request_headers=headers,
            expose_headers=list(expose_headers),
            max_age=max_age,
            private_network=allow_private_network,
            cross_origin_protection=cross_origin_protection,
        )
    except ConfigError as e:
        # The core's errors, located by the arguments the user wrote (allow_methods[0] ...).
        raise in_user_words(e, namer) from None
    # Its warnings too, when a middleware logs them (corsgate._observe).
    return remember_namer(policy, namer)
