"""Config errors in the user's own words: a policy built from a framework's options
(Starlette's ``allow_methods`` ...) is rejected by the core in policy-file terms
(``methods[0]``); this module renames each error's location to the option the user wrote
(``allow_methods[0]``). The errors themselves (codes, messages, ``errors`` /
``warnings`` lists) stay the core's; only the location prefix of each line changes, and
``options`` lists the option behind each error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Optional, TypeVar

from ._corsgate import ConfigError

# (policy field, index) -> the option the user wrote, or None to keep the core's words.
Namer = Callable[[Optional[str], Optional[int]], Optional[str]]


def in_user_words(error: ConfigError, name: Namer) -> ConfigError:
    """A ConfigError like `error` whose lines name the user's options."""
    lines = str(error).splitlines()
    summary = lines[0] if lines else "corsgate: invalid policy"
    out, options = [summary], []
    for d in error.errors:
        text, where = diagnostic_in_user_words(d, name)
        out.append("  " + text)
        options.append(where)
    renamed = ConfigError("\n".join(out))
    renamed.errors = error.errors
    renamed.warnings = error.warnings
    renamed.code = error.code
    renamed.options = options  # type: ignore[attr-defined]
    return renamed


def diagnostic_in_user_words(d: object, name: Namer) -> tuple[str, str | None]:
    """One core diagnostic (error or warning) in the user's words: its text with the
    location prefix renamed by `name`, and the option behind it (None, and the text
    unchanged, when `name` keeps the core's words)."""
    field, index = getattr(d, "field", None), getattr(d, "index", None)
    text = str(d)
    where = name(field, index)
    core = (field or "") + ("" if index is None else f"[{index}]")
    if where is not None and core and text.startswith(core):
        text = where + text[len(core):]
    return text, where


# Policies translated from a framework's options, with the namer of their translation:
# id -> (policy, namer); the policy is held so that its id is never reused. One entry per
# translation (made at startup), so this stays small.
_NAMED: dict[int, tuple[object, Namer]] = {}


_P = TypeVar("_P")


def remember_namer(policy: _P, name: Namer) -> _P:
    """Records that `policy` was translated with `name` (its warnings are then logged in
    the user's words, :mod:`corsgate._observe`); returns `policy`."""
    _NAMED[id(policy)] = (policy, name)
    return policy


def namer_of(policy: object) -> Namer | None:
    """The namer `policy` was translated with, or None (a policy the user wrote)."""
    entry = _NAMED.get(id(policy))
    return entry[1] if entry is not None and entry[0] is policy else None


# Where each entry of a policy list came from: (option, index in the option or None).
Source = tuple[str, Optional[int]]


def sources_namer(options: Mapping[str, str], entries: Mapping[str, Sequence[Source]]) -> Namer:
    """Names policy locations from a translation's bookkeeping: ``options`` maps a policy
    field to the option it comes from (for errors about the whole field), ``entries``
    maps a list field to the source of each of its entries, in policy order."""

    def name(field: str | None, index: int | None) -> str | None:
        if field is None:
            return None
        listed = entries.get(field)
        if listed is not None and index is not None and index < len(listed):
            option, at = listed[index]
            return option if at is None else f"{option}[{at}]"
        return options.get(field)

    return name


def first_of_each(names: Sequence[str]) -> list[int]:
    """The index of the first occurrence of each name, ignoring case, in order."""
    seen: set[str] = set()
    out = []
    for i, n in enumerate(names):
        if n.lower() not in seen:
            seen.add(n.lower())
            out.append(i)
    return out


def starlette_namer(
    allow_origins: Sequence[str],
    allow_methods: Sequence[str],
    allow_headers: Sequence[str],
) -> Namer:
    """Names policy locations after Starlette's ``CORSMiddleware`` arguments, for the
    translation of :func:`corsgate.policy_from_starlette` (regex appended to the origins;
    ``*`` alone among methods; ``*`` first among headers, Starlette's always-allowed
    headers appended)."""

    def indexed(option: str, position: int | None) -> str:
        return option if position is None else f"{option}[{position}]"

    def name(field: str | None, index: int | None) -> str | None:
        if field == "origins":
            if index is not None and index >= len(allow_origins):
                return "allow_origin_regex"
            return indexed("allow_origins", index)
        if field == "methods":
            if "*" in allow_methods and index is not None:
                return indexed("allow_methods", list(allow_methods).index("*"))
            return indexed("allow_methods", index)
        if field == "request_headers":
            if index is None:
                return "allow_headers"
            if "*" in allow_headers:
                positions = [allow_headers.index("*")] + [i for i, h in enumerate(allow_headers) if h != "*"]
                return indexed("allow_headers", positions[index] if index < len(positions) else None)
            if index >= len(allow_headers):
                return "allow_headers (a header Starlette always allows)"
            return indexed("allow_headers", index)
        return {
            "expose_headers": indexed("expose_headers", index),
            "credentials": "allow_credentials",
            "private_network": "allow_private_network",
            "max_age": "max_age",
        }.get(field or "")

    return name
