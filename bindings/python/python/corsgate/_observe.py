"""What the middleware report about their decisions: the ``corsgate`` logger, the
``on_decision`` callback and the shadow policy.

Everything reported comes from the core's :class:`corsgate.Decision` (``kind``,
``allowed``, ``reason_code``, ``reason_detail``, ``reason``) and the policy's
:attr:`corsgate.Policy.warnings`; this module only routes it:

- ``logging.getLogger("corsgate")``: each warning of a policy at WARNING the first time a
  middleware uses it (at construction, and after a hot reload swaps ``policy``); each
  denial at INFO with the reason code, the origin and the pattern or check behind it;
  allowed requests at DEBUG only (nothing is formatted unless DEBUG is enabled).
- ``on_decision(decision)``: called with every request's live decision, e.g. to count
  them by ``decision.reason_code``. An exception it raises is logged, never raised into
  the request.
- ``shadow_policy``: a :class:`corsgate.Policy` or :class:`corsgate.PolicySet`,
  evaluated on the same request beside the live one (a set selects its own route by the
  request's ``Host`` line and path), never applied. When the verdicts (``kind``,
  ``allowed``) differ, one WARNING record carries both reasons (and, for a set, the policy
  each side selected).

A live policy set's decisions name the policy and route they came from: log records
carry them as ``corsgate_policy`` and ``corsgate_route`` (None for a plain policy, or
when no route was selected), and a denial's message names the policy.

Records carry ``corsgate_kind``, ``corsgate_allowed``, ``corsgate_reason_code``,
``corsgate_reason_detail`` and ``corsgate_origin`` attributes (and ``corsgate_shadow_*``
for a disagreement) for structured handlers.

Cost per request with nothing configured and logging at WARNING: an identity check, the
``allowed`` attribute and one ``isEnabledFor`` (cached by :mod:`logging`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Optional, Union

from ._corsgate import Decision, Policy, PolicySet
from ._user_words import diagnostic_in_user_words, namer_of
from .dynamic import DynamicOrigins

#: What a middleware decides with: a policy, a policy set, or a policy with dynamic
#: origins.
LivePolicy = Union[Policy, PolicySet, DynamicOrigins]
#: What a shadow evaluation decides with.
ShadowPolicy = Union[Policy, PolicySet]

logger = logging.getLogger("corsgate")

OnDecision = Callable[[Decision], object]
_Bytes = Union[str, bytes]


def evaluate(policy: LivePolicy, method: _Bytes, headers: Sequence[Sequence[_Bytes]], path: _Bytes) -> Decision:
    """The decision of `policy` for a request: a set selects its route by the ``Host``
    line among `headers` and by `path`; a policy ignores the path."""
    if isinstance(policy, PolicySet):
        return policy.evaluate(method, headers, path)
    return policy.evaluate(method, headers)


def _origin(headers: Iterable[Sequence[_Bytes]]) -> Optional[str]:
    """The first ``Origin`` line's value, for the log (None when absent)."""
    for name, value in headers:
        if (name.lower() if isinstance(name, str) else name.lower().decode("latin-1")) == "origin":
            return value if isinstance(value, str) else value.decode("latin-1")
    return None


def _fields(prefix: str, decision: Decision) -> dict[str, Any]:
    return {
        f"{prefix}kind": decision.kind,
        f"{prefix}allowed": decision.allowed,
        f"{prefix}reason_code": decision.reason_code,
        f"{prefix}reason_detail": decision.reason_detail,
        f"{prefix}policy": decision.policy,
        f"{prefix}route": decision.route,
    }


def _by(decision: Decision) -> str:
    """` by policy 'acme' (routes[0])` for a set's decision with a route, else ``."""
    if decision.policy is None:
        return ""
    return f" by policy {decision.policy!r} (routes[{decision.route}])"


class Observer:
    """One middleware's reporting: its callback, its shadow policy, the policy whose
    warnings were logged last. Shared by every request (thread-safe: a race only logs a
    policy's warnings twice)."""

    __slots__ = ("on_decision", "shadow_policy", "_seen")

    def __init__(
        self, policy: LivePolicy, on_decision: OnDecision | None = None, shadow_policy: ShadowPolicy | None = None
    ) -> None:
        if on_decision is not None and not callable(on_decision):
            raise TypeError(f"on_decision must be callable, not {type(on_decision).__name__}")
        if shadow_policy is not None and not isinstance(shadow_policy, (Policy, PolicySet)):
            raise TypeError(
                f"shadow_policy must be a corsgate.Policy or corsgate.PolicySet, not {type(shadow_policy).__name__}"
            )
        self.on_decision = on_decision
        self.shadow_policy = shadow_policy
        self._seen: LivePolicy | None = None
        self._loaded(policy)
        if shadow_policy is not None:
            _log_warnings(shadow_policy, "shadow policy")

    def _loaded(self, policy: LivePolicy) -> None:
        self._seen = policy
        _log_warnings(policy, "policy")

    def decided(
        self,
        policy: LivePolicy,
        decision: Decision,
        method: _Bytes,
        headers: Sequence[Sequence[_Bytes]],
        path: _Bytes = "/",
    ) -> None:
        """Reports one request's live `decision` (made by `policy` from `method`,
        `headers` and `path`, in any form Policy.evaluate takes)."""
        if policy is not self._seen:
            self._loaded(policy)
        level = logging.DEBUG if decision.allowed else logging.INFO
        if logger.isEnabledFor(level):
            origin = _origin(headers)
            logger.log(
                level,
                "%s %s request from origin %r%s: %s (%s)",
                "allowed" if decision.allowed else "denied",
                decision.kind,
                origin,
                _by(decision),
                decision.reason_code,
                decision.reason,
                extra={**_fields("corsgate_", decision), "corsgate_origin": origin},
            )
        if self.shadow_policy is not None:
            self._shadow(decision, evaluate(self.shadow_policy, method, headers, path), headers)
        if self.on_decision is not None:
            try:
                self.on_decision(decision)
            except Exception:
                logger.exception("on_decision raised; the request goes on")

    @staticmethod
    def _shadow(live: Decision, shadow: Decision, headers: Sequence[Sequence[_Bytes]]) -> None:
        if live.kind == shadow.kind and live.allowed == shadow.allowed:
            return
        origin = _origin(headers)
        logger.warning(
            "shadow policy disagrees: %s request from origin %r: live %s%s (%s: %s), shadow %s%s (%s: %s)",
            live.kind,
            origin,
            "allowed" if live.allowed else "denied",
            _by(live),
            live.reason_code,
            live.reason,
            "allowed" if shadow.allowed else "denied",
            _by(shadow),
            shadow.reason_code,
            shadow.reason,
            extra={**_fields("corsgate_", live), **_fields("corsgate_shadow_", shadow), "corsgate_origin": origin},
        )


def _log_warnings(policy: LivePolicy, what: str) -> None:
    """Logs `policy`'s warnings; a policy translated from a framework's options
    (Starlette, Django, Flask) in the user's words (``allow_origins[1]``, not
    ``origins[1]``), the option also in the record's ``corsgate_option``."""
    name = namer_of(policy.policy if isinstance(policy, DynamicOrigins) else policy)
    for w in policy.warnings:
        text, option = (str(w), None) if name is None else diagnostic_in_user_words(w, name)
        logger.warning(
            "%s warning: %s",
            what,
            text,
            extra={"corsgate_code": w.code, "corsgate_field": w.field, "corsgate_index": w.index,
                   "corsgate_path": w.path, "corsgate_option": option},
        )


def log_warnings(policy: LivePolicy) -> None:
    """Logs `policy`'s warnings (for the middleware without an :class:`Observer`)."""
    _log_warnings(policy, "policy")
