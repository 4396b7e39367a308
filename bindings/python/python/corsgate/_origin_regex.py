"""Origin regexes of Python CORS packages (``re.match``: anchored at the start only) as
core ``~`` patterns (a full match over the serialized origin).

The mapping is made only when both mean the same: the regex must end with an unescaped
``$`` (or ``\\Z``) and hold no top-level ``|`` (``^a|b$`` is ``(^a)|(b$)``). Anything else
is refused at startup: an end-unanchored origin regex is the classic CORS bypass
(``https://app\\.example\\.com`` also admits ``https://app.example.com.evil.net``).
"""

from __future__ import annotations


class UnanchoredRegex(ValueError):
    """An origin regex that cannot be mapped without widening or narrowing it."""


def _escaped(src: str, i: int) -> bool:
    """Whether ``src[i]`` is escaped (an odd run of backslashes before it)."""
    n = 0
    while i - n - 1 >= 0 and src[i - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def _top_level_alternation(src: str) -> bool:
    depth, in_class, i = 0, False, 0
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
        i += 1
    return False


def core_pattern(regex: str, setting: str) -> str:
    """The core ``~`` pattern for ``regex``; raises :class:`UnanchoredRegex` (naming
    ``setting``) when ``re.match(regex, origin)`` would not be a full match."""
    src = regex
    if src.endswith("\\Z") and not _escaped(src, len(src) - 2):
        src = src[:-2] + "$"
    if not src.endswith("$") or _escaped(src, len(src) - 1) or _top_level_alternation(src):
        raise UnanchoredRegex(
            f"{setting} entry {regex!r} is not anchored at the end: it is run with re.match, "
            "which anchors only the start, so it also admits e.g. https://app.example.com.evil.net; "
            "end it with $ (e.g. r'^https://[a-z0-9-]+\\.example\\.com$'; a top-level | needs a "
            "group: r'^(?:a|b)$')"
        )
    return "~" + (src if src.startswith("^") else "^" + src)
