"""ASGI middleware: ``corsgate.asgi.CORSMiddleware``.

Pure ASGI (no framework imports): works under Starlette, FastAPI, Quart, Litestar or a
bare ASGI app, served by any ASGI server.

    from corsgate import Policy
    from corsgate.asgi import CORSMiddleware

    app = CORSMiddleware(app, Policy.from_file("cors.json"))
    # or, with Starlette's arguments:
    app.add_middleware(CORSMiddleware, allow_origins=["https://example.com"])

Preflights are answered here (the application is not called); every other HTTP response
gets the decision applied on ``http.response.start`` by the core's response rule
(:meth:`corsgate.Decision.apply_to`): the application's ``Access-Control-*`` headers are
dropped, the decision's added, ``Vary`` merged by tokens. Non-HTTP scopes
(``websocket``, ``lifespan``) pass through untouched: CORS does not apply to them.

Hot reload: assign a new policy, ``middleware.policy = Policy.from_file(...)``. Each
request reads the attribute once, so it is answered wholly by the old or the new policy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ._base import MiddlewareBase

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

__all__ = ["CORSMiddleware"]


class CORSMiddleware(MiddlewareBase[ASGIApp]):
    """Answers CORS for an ASGI application from a :class:`corsgate.Policy`.

    Arguments: see :class:`corsgate._base.MiddlewareBase` (a ``Policy``, or Starlette's
    ``CORSMiddleware`` keyword arguments).
    """

    __slots__ = ()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.policy
        decision = policy.evaluate(scope["method"], scope["headers"])
        self.observer.decided(policy, decision, scope["method"], scope["headers"])
        if decision.is_preflight:
            status = decision.status
            headers = decision.raw_headers
            if status != 204:  # RFC 9110: no Content-Length on a 204
                headers.append((b"content-length", b"0"))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = decision.apply_to(message.get("headers", ()), raw=True)
            await send(message)

        await self.app(scope, receive, send_with_cors)
