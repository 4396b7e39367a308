"""ASGI middleware: ``corsgate.asgi.CORSMiddleware``.

Pure ASGI (no framework imports): works under Starlette, FastAPI, Quart, Litestar or a
bare ASGI app, served by any ASGI server.

    from corsgate import Policy
    from corsgate.asgi import CORSMiddleware

    app = CORSMiddleware(app, Policy.from_file("cors.json"))
    # or, with Starlette's arguments:
    app.add_middleware(CORSMiddleware, allow_origins=["https://example.com"])

Preflights, and requests refused by cross-origin protection (a policy with
``cross_origin_protection``: 403, ``Vary: Origin``), are answered here: the application
is not called. Every other HTTP response gets the decision applied on
``http.response.start`` by the core's response rule (:meth:`corsgate.Decision.apply_to`):
the application's ``Access-Control-*`` headers are dropped, the decision's added, ``Vary``
merged by tokens.

``websocket`` scopes are handshakes (``GET`` with ``Upgrade: websocket``): the core
decides them like any request. A refused handshake never reaches the application: it is
answered with the decision's 403 and headers through the WebSocket Denial Response
extension (``websocket.http.response``) when the server offers it, else by closing the
handshake (``websocket.close`` before ``websocket.accept``; the server answers a bare
403). Any other handshake passes through untouched, as do ``lifespan`` scopes: CORS
headers mean nothing on them.

Policy sets: give a :class:`corsgate.PolicySet` instead of a policy (or load either
with :func:`corsgate.load`). Each HTTP request and WebSocket handshake is answered by the
policy of the route its ``Host`` line and path select. The path is ``scope["path"]``,
the percent-decoded path (as UTF-8) that ASGI routers route by, including the
``root_path`` the server prepends; not ``raw_path``: a request for ``/%61dmin/x`` reaches
the application's ``/admin/`` route, so it must select the ``/admin/`` route of the set
too. The WSGI middleware (``SCRIPT_NAME + PATH_INFO``), Django (``request.path``) and
nginx (``$uri``) select by the same decoded path.

Hot reload: assign a new policy or set, ``middleware.policy = corsgate.load(path)``. Each
request reads the attribute once, so it is answered wholly by the old or the new one. A
file that is rejected raises :class:`corsgate.ConfigError` before anything is assigned:
the old policy keeps serving.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ._base import MiddlewareBase
from ._corsgate import Decision, PolicySet
from ._observe import evaluate

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

__all__ = ["CORSMiddleware"]


class CORSMiddleware(MiddlewareBase[ASGIApp]):
    """Answers CORS for an ASGI application from a :class:`corsgate.Policy` or a
    :class:`corsgate.PolicySet`.

    Arguments: see :class:`corsgate._base.MiddlewareBase` (a ``Policy``, a ``PolicySet``,
    or Starlette's ``CORSMiddleware`` keyword arguments).
    """

    __slots__ = ()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "websocket":
            await self._websocket(scope, receive, send)
            return
        if kind != "http":
            await self.app(scope, receive, send)
            return
        policy, method, headers = self.policy, scope["method"], scope["headers"]
        if isinstance(policy, PolicySet):
            path = scope["path"]
            decision = policy.evaluate(method, headers, path)
        else:
            path = "/"
            decision = policy.evaluate(method, headers)
        self.observer.decided(policy, decision, method, headers, path)
        if not decision.calls_application:  # a preflight or a refusal: answered here
            await send({"type": "http.response.start", "status": decision.status,
                        "headers": _own_headers(decision)})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = decision.apply_to(message.get("headers", ()), raw=True)
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A handshake: refused ones are answered here, the others go on untouched."""
        headers = scope.get("headers", ())
        if not any(name.lower() == b"upgrade" for name, _ in headers):
            # A websocket scope is an upgrade by definition; a server that left the
            # line out still gets the handshake decided as one.
            headers = [*headers, (b"upgrade", b"websocket")]
        policy, path = self.policy, scope.get("path", "/")
        decision = evaluate(policy, "GET", headers, path)
        self.observer.decided(policy, decision, "GET", headers, path)
        if decision.calls_application:
            await self.app(scope, receive, send)
            return
        message = await receive()  # websocket.connect: the handshake is waiting for us
        if message.get("type") == "websocket.disconnect":
            return
        if "websocket.http.response" in (scope.get("extensions") or {}):
            await send({"type": "websocket.http.response.start", "status": decision.status,
                        "headers": _own_headers(decision)})
            await send({"type": "websocket.http.response.body", "body": b""})
        else:
            await send({"type": "websocket.close", "code": 1008})


def _own_headers(decision: Decision) -> list[tuple[bytes, bytes]]:
    """The response headers of a decision that answers the request itself."""
    headers: list[tuple[bytes, bytes]] = decision.raw_headers
    if decision.status != 204:  # RFC 9110: no Content-Length on a 204
        headers.append((b"content-length", b"0"))
    return headers
