"""What the ASGI and WSGI middleware share: a policy or policy set given, or Starlette's
arguments."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Generic, TypeVar

from ._corsgate import Policy, PolicySet
from ._observe import LivePolicy, Observer, OnDecision, ShadowPolicy
from ._starlette import policy_from_starlette
from .dynamic import DynamicOrigins

App = TypeVar("App")


def check_live_policy(policy: object) -> LivePolicy:
    """`policy` when a middleware can decide with it, else a TypeError naming the types."""
    if not isinstance(policy, (Policy, PolicySet, DynamicOrigins)):
        raise TypeError(
            "policy must be a corsgate.Policy, corsgate.PolicySet or corsgate.dynamic.DynamicOrigins, "
            f"not {type(policy).__name__}"
        )
    return policy


def resolve_policy(policy: LivePolicy | None, starlette_args: dict[str, Any]) -> LivePolicy:
    """The policy given, or the one Starlette's arguments describe (not both)."""
    given = {k: v for k, v in starlette_args.items() if v is not None}
    if policy is not None:
        if given:
            raise TypeError(
                "pass either a Policy or Starlette's keyword arguments, not both "
                f"(got policy and {', '.join(sorted(given))})"
            )
        return check_live_policy(policy)
    return policy_from_starlette(**given)


class MiddlewareBase(Generic[App]):
    """Holds the wrapped application and the policy (swap ``policy`` to hot-reload).

    Give either ``policy`` (a :class:`corsgate.Policy`, a :class:`corsgate.PolicySet`,
    whose route is selected per request by its ``Host`` line and path, or a
    :class:`corsgate.dynamic.DynamicOrigins`) or Starlette's ``CORSMiddleware`` keyword arguments (same
    names and defaults; see :func:`corsgate.policy_from_starlette`), optionally with
    ``cross_origin_protection=True`` (refuse cross-site unsafe requests and WebSocket
    handshakes from origins not allowed: 403, the application is not called). Unsafe
    combinations raise :class:`corsgate.ConfigError`.

    Seeing decisions (see :mod:`corsgate._observe`): the ``corsgate`` logger reports
    policy warnings and denials; ``on_decision(decision)`` is called for every request;
    ``shadow_policy`` (a policy or a policy set) is evaluated beside the live policy and
    every disagreement logged.
    """

    __slots__ = ("app", "policy", "observer")

    def __init__(
        self,
        app: App,
        policy: LivePolicy | None = None,
        *,
        allow_origins: Collection[str] | None = None,
        allow_methods: Collection[str] | None = None,
        allow_headers: Collection[str] | None = None,
        allow_credentials: bool | None = None,
        allow_origin_regex: str | None = None,
        allow_private_network: bool | None = None,
        expose_headers: Collection[str] | None = None,
        max_age: int | None = None,
        on_decision: OnDecision | None = None,
        shadow_policy: ShadowPolicy | None = None,
        cross_origin_protection: bool | None = None,
    ) -> None:
        self.app = app
        self.policy: LivePolicy = resolve_policy(
            policy,
            {
                "allow_origins": allow_origins,
                "allow_methods": allow_methods,
                "allow_headers": allow_headers,
                "allow_credentials": allow_credentials,
                "allow_origin_regex": allow_origin_regex,
                "allow_private_network": allow_private_network,
                "expose_headers": expose_headers,
                "max_age": max_age,
                "cross_origin_protection": cross_origin_protection,
            },
        )
        self.observer = Observer(self.policy, on_decision, shadow_policy)
