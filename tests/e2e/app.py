"""The Python runtime of the e2e suite: a Starlette app behind corsgate's ASGI middleware,
served by uvicorn. /api/* uses policy.json, /star/* uses policy-star.json (the same files
as the Node and nginx runtimes). The routes are the twins of node-api.js.

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
from starlette.routing import Route

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


inner = Starlette(
    routes=[
        Route("/api/echo", echo, methods=METHODS),
        Route("/star/echo", echo, methods=METHODS),
        Route("/api/set-cookie", set_cookie, methods=METHODS),
        Route("/health", health),
    ]
)
api_cors = CORSMiddleware(inner, Policy.from_file(str(HERE / "policy.json")))
star_cors = CORSMiddleware(inner, Policy.from_file(str(HERE / "policy-star.json")))


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Routes /star/* through the star policy, everything else through policy.json."""
    path = scope.get("path", "")
    if path.startswith("/star/"):
        await star_cors(scope, receive, send)
    else:
        await api_cors(scope, receive, send)
