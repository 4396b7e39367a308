"""Dynamic origins: a callback consulted only when the compiled policy denies an origin.

    from corsgate import Policy
    from corsgate.dynamic import DynamicOrigins
    from corsgate.asgi import CORSMiddleware

    def known_tenant(origin: str) -> bool:          # e.g. a database lookup
        return db.tenants.exists(origin=origin)

    app = CORSMiddleware(app, DynamicOrigins(Policy.from_file("cors.json"), known_tenant))

Nothing here decides a verdict. Every request is first evaluated against the base
policy; only a deny (or a cross-origin-protection refusal) of a request whose one
``Origin`` the list does not hold, and that is not malformed, asks the callback. A "yes" compiles the base policy with ``origins``
replaced by that one exact origin, and the core decides the request against it: methods,
request headers, credentials and headers stay the core's. A "no", or an origin the core
refuses to compile (``null``, insecure with credentials), leaves the base deny in force.

Invariants: at most ``max_entries`` origins cached (the oldest dropped first), each
answer kept ``ttl`` seconds, the callback called at most once per origin per TTL per
process (a lock guards the cache; the callback runs outside it). Cost when the base policy
allows the origin: none beyond :meth:`Policy.evaluate`.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Union

from ._corsgate import ConfigError, Decision, Diagnostic, Policy

__all__ = ["DynamicOrigins"]

_Bytes = Union[str, bytes]


# Denials whose origin no callback answer could make acceptable.
_NOT_ASKED = ("origin_malformed", "origin_multiple")


def _origin_of(headers: Sequence[Sequence[_Bytes]]) -> str | None:
    """The value of the request's one ``Origin`` line, or None (none, or several)."""
    found: str | None = None
    for name, value in headers:
        n = name.decode("latin-1") if isinstance(name, bytes) else name
        if n.lower() == "origin":
            if found is not None:
                return None
            found = value.decode("latin-1") if isinstance(value, bytes) else value
    return found


class DynamicOrigins:
    """A :class:`Policy` plus an origin callback; has ``evaluate`` like a policy, so it can
    be given to the ASGI/WSGI/Django middleware wherever a policy goes.

    ``callback(origin) -> bool`` is called with the serialized origin the base policy
    denied; its answer is cached ``ttl`` seconds, for at most ``max_entries`` origins.
    """

    __slots__ = ("policy", "callback", "max_entries", "ttl", "_cache", "_lock", "_config")

    def __init__(
        self,
        policy: Policy,
        callback: Callable[[str], bool],
        *,
        max_entries: int = 1000,
        ttl: float = 60.0,
    ) -> None:
        if not isinstance(policy, Policy):
            raise TypeError(f"policy must be a corsgate.Policy, not {type(policy).__name__}")
        if not callable(callback):
            raise TypeError("callback must be callable: callback(origin) -> bool")
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        if ttl < 0:
            raise ValueError("ttl must be >= 0 seconds")
        self.policy = policy
        self.callback = callback
        self.max_entries = max_entries
        self.ttl = ttl
        self._cache: OrderedDict[str, tuple[float, Policy | None]] = OrderedDict()
        self._lock = threading.Lock()
        self._config: dict[str, object] | None = None

    @property
    def warnings(self) -> list[Diagnostic]:
        """The compiled policy's warnings (the callback adds none): what a middleware
        logs when it loads this policy."""
        return self.policy.warnings

    def evaluate(self, method: _Bytes, headers: Iterable[Sequence[_Bytes]]) -> Decision:
        """The base policy's decision, or, when it denies the origin and the callback
        allows it, the decision of the base policy with that origin allowed."""
        lines = headers if isinstance(headers, list) else list(headers)
        decision = self.policy.evaluate(method, lines)
        if decision.allowed or decision.reason_code in _NOT_ASKED:
            return decision
        # Denied (or refused by cross-origin protection) for an origin the list lacks.
        origin = _origin_of(lines)
        if origin is None or self.policy.is_origin_allowed(origin):
            return decision
        derived = self._policy_for(origin)
        return decision if derived is None else derived.evaluate(method, lines)

    def _policy_for(self, origin: str) -> Policy | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(origin)
            if hit is not None and hit[0] > now:
                return hit[1]
        derived = self._derive(origin) if self.callback(origin) is True else None
        with self._lock:
            self._cache.pop(origin, None)
            while len(self._cache) >= self.max_entries:
                self._cache.popitem(last=False)
            self._cache[origin] = (now + self.ttl, derived)
        return derived

    def _derive(self, origin: str) -> Policy | None:
        if self._config is None:
            self._config = json.loads(self.policy.to_json())
        try:
            return Policy.from_json(json.dumps({**self._config, "origins": [origin]}))
        except ConfigError:
            return None
