"""What the ASGI and WSGI middleware share: a policy given, or Starlette's arguments."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Generic, TypeVar

from ._corsgate import Policy
from ._observe import Observer, OnDecision
from ._starlette import policy_from_starlette
from .dynamic import DynamicOrigins

App = TypeVar("App")


def resolve_policy(
    policy: Policy | DynamicOrigins | None, starlette_args: dict[str, Any]
) -> Policy | DynamicOrigins:
    """The policy given, or the one Starlette's arguments describe (not both)."""
    given = {k: v for k, v in starlette_args.items() if v is not None}
    if policy is not None:
        if given:
            raise TypeError(
                "pass either a Policy or Starlette's keyword arguments, not both "
                f"(got policy and {', '.join(sorted(given))})"
            )
        if not isinstance(policy, (Policy, DynamicOrigins)):
            raise TypeError(
                f"policy must be a corsgate.Policy or corsgate.dynamic.DynamicOrigins, not {type(policy).__name__}"
            )
        return policy
    return policy_from_starlette(**given)


class MiddlewareBase(Generic[App]):
    """Holds the wrapped application and the policy (swap ``policy`` to hot-reload).

    Give either ``policy`` or Starlette's ``CORSMiddleware`` keyword arguments (same
    names and defaults; see :func:`corsgate.policy_from_starlette`), optionally with
    ``cross_origin_protection=True`` (refuse cross-site unsafe requests and WebSocket
    handshakes from origins not allowed: 403, the application is not called). Unsafe
    combinations raise :class:`corsgate.ConfigError`.

    Seeing decisions (see :mod:`corsgate._observe`): the ``corsgate`` logger reports
    policy warnings and denials; ``on_decision(decision)`` is called for every request;
    ``shadow_policy`` is evaluated beside the live policy and every disagreement logged.
    """

    __slots__ = ("app", "policy", "observer")

    def __init__(
        self,
        app: App,
        policy: Policy | DynamicOrigins | None = None,
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
        shadow_policy: Policy | None = None,
        cross_origin_protection: bool | None = None,
    ) -> None:
        self.app = app
        self.policy: Policy | DynamicOrigins = resolve_policy(
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
