"""The Python runtime of the e2e suite: a Starlette app behind corsgate's ASGI middleware,
served by uvicorn (with the `websockets` library for WebSocket scopes). /api/* uses
policy.json, /star/* uses policy-star.json, /cop/* (HTTP and the WebSocket /cop/ws)
policy-cop.json with cross-origin protection (the same files as the Node and nginx
runtimes). The routes are the twins of node-api.js.

    uvicorn --app-dir tests/e2e app:app --host 127.0.0.1 --port PORT
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from corsgate import Policy
from corsgate.asgi import CORSMiddleware
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

HERE = Path(__file__).resolve().parent
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


async def echo(request: Request) -> Response:
    body = await request.body()
    h = request.headers
    return JSONResponse(
        {
            "runtime": "python",
            "method": request.method,
            "path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            "cookie": h.get("cookie"),
            "authorization": h.get("authorization"),
            "x_request_id": h.get("x-request-id"),
            "x_custom": h.get("x-custom"),
            "content_type": h.get("content-type"),
            "body_length": len(body.decode("utf-8", "replace")),
        },
        headers={"Cache-Control": "no-store", "X-Request-Id": "rid-e2e", "X-Secret": "hidden"},
    )


async def set_cookie(request: Request) -> Response:
    resp = JSONResponse({"set": True}, headers={"Cache-Control": "no-store"})
    resp.set_cookie("sid", "python-session", path="/", samesite="lax", httponly=True)
    return resp


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


# Cross-origin protection: what reached the application, per case (the side effects a
# refusal must prevent).
COP_RECORD: dict[str, dict[str, Any]] = {}


def cop_entry(case: str) -> dict[str, Any]:
    return COP_RECORD.setdefault(case, {"writes": [], "sockets": 0})


async def cop_echo(request: Request) -> Response:
    cop_entry(request.query_params.get("case", ""))["writes"].append(request.method)
    return JSONResponse({"runtime": "python", "method": request.method},
                        headers={"Cache-Control": "no-store", "X-App": "python"})


async def cop_record(request: Request) -> Response:
    return JSONResponse(cop_entry(request.query_params.get("case", "")), headers={"Cache-Control": "no-store"})


async def cop_page(request: Request) -> Response:
    return Response('<!doctype html><meta charset="utf-8"><title>same origin</title><body>cop page</body>',
                    media_type="text/html", headers={"Cache-Control": "no-store"})


async def cop_ws(websocket: WebSocket) -> None:
    cop_entry(websocket.query_params.get("case", ""))["sockets"] += 1
    await websocket.accept()
    await websocket.send_text("hello")
    await websocket.close()


inner = Starlette(
    routes=[
        Route("/api/echo", echo, methods=METHODS),
        Route("/star/echo", echo, methods=METHODS),
        Route("/api/set-cookie", set_cookie, methods=METHODS),
        Route("/health", health),
        Route("/cop/echo", cop_echo, methods=METHODS),
        Route("/cop/record", cop_record),
        Route("/cop/page", cop_page),
        WebSocketRoute("/cop/ws", cop_ws),
    ]
)
api_cors = CORSMiddleware(inner, Policy.from_file(str(HERE / "policy.json")))
star_cors = CORSMiddleware(inner, Policy.from_file(str(HERE / "policy-star.json")))
cop_cors = CORSMiddleware(inner, Policy.from_file(str(HERE / "policy-cop.json")))


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Routes /star/* through the star policy, /cop/* (HTTP and WebSocket) through the
    protected one, everything else through policy.json."""
    path = scope.get("path", "")
    if path.startswith("/star/"):
        await star_cors(scope, receive, send)
    elif path.startswith("/cop/"):
        await cop_cors(scope, receive, send)
    else:
        await api_cors(scope, receive, send)
