"""Adds a decision's headers to an application's response headers.

Shared by the ASGI (bytes) and WSGI (str) middleware. The policy owns the CORS response
headers: any ``Access-Control-Allow-*`` / ``Access-Control-Expose-Headers`` the
application set are dropped, so an application can never widen what the policy decided,
and the decision's ``Vary`` tokens are merged into the application's ``Vary``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

_CORS_NAMES = (
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
    "access-control-allow-private-network",
    "access-control-expose-headers",
)
CORS_NAMES_STR = frozenset(_CORS_NAMES)
CORS_NAMES_BYTES = frozenset(n.encode() for n in _CORS_NAMES)

AnyStr_ = TypeVar("AnyStr_", str, bytes)


def merge_vary(values: Sequence[AnyStr_], comma: AnyStr_, star: AnyStr_, sep: AnyStr_) -> AnyStr_:
    """Joins ``Vary`` values into one, each token once (case-insensitive); ``*`` wins."""
    seen: set[AnyStr_] = set()
    tokens: list[AnyStr_] = []
    for value in values:
        for token in value.split(comma):
            token = token.strip()
            key = token.lower()
            if not token or key in seen:
                continue
            if token == star:
                return star
            seen.add(key)
            tokens.append(token)
    return sep.join(tokens)


def merge_headers(
    app_headers: Iterable[Sequence[AnyStr_]],
    cors: Iterable[tuple[AnyStr_, AnyStr_]],
    vary: AnyStr_,
    cors_names: frozenset[AnyStr_],
    comma: AnyStr_,
    star: AnyStr_,
    sep: AnyStr_,
) -> list[tuple[AnyStr_, AnyStr_]]:
    """The application's headers without its CORS headers, plus ``cors``, one ``Vary``.

    ``vary`` is the Vary header name in the case to emit (``b"vary"`` or ``"Vary"``).
    """
    out: list[tuple[AnyStr_, AnyStr_]] = []
    varies: list[AnyStr_] = []
    vary_lower = vary.lower()
    for name, value in app_headers:
        lname = name.lower()
        if lname == vary_lower:
            varies.append(value)
        elif lname not in cors_names:
            out.append((name, value))
    for name, value in cors:
        if name.lower() == vary_lower:
            varies.append(value)
        else:
            out.append((name, value))
    if varies:
        out.append((vary, varies[0] if len(varies) == 1 else merge_vary(varies, comma, star, sep)))
    return out
