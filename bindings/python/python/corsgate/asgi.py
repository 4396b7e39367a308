"""ASGI middleware: ``corsgate.asgi.CORSMiddleware``.

Pure ASGI (no framework imports): works under Starlette, FastAPI, Quart, Litestar or a
bare ASGI app, served by any ASGI server.

    from corsgate import Policy
    from corsgate.asgi import CORSMiddleware

    app = CORSMiddleware(app, Policy.from_file("cors.json"))
    # or, with Starlette's arguments:
    app.add_middleware(CORSMiddleware, allow_origins=["https://example.com"])

Preflights are answered here (the application is not called); every other HTTP response
gets the decision's headers, its ``Vary`` merged with the application's. Non-HTTP scopes
(``websocket``, ``lifespan``) pass through untouched: CORS does not apply to them.

Hot reload: assign a new policy, ``middleware.policy = Policy.from_file(...)``. Each
request reads the attribute once, so it is answered wholly by the old or the new policy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from ._merge import CORS_NAMES_BYTES, merge_headers
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
        decision = self.policy.evaluate(scope["method"], scope["headers"])
        if decision.is_preflight:
            status = decision.status
            headers = decision.raw_headers
            if status != 204:  # RFC 9110: no Content-Length on a 204
                headers.append((b"content-length", b"0"))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        cors = decision.raw_headers

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _merge(message.get("headers", ()), cors)
            await send(message)

        await self.app(scope, receive, send_with_cors)


def _merge(app_headers: Iterable[Any], cors: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return merge_headers(app_headers, cors, b"vary", CORS_NAMES_BYTES, b",", b"*", b", ")
