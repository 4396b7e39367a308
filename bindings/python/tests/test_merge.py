"""The core's response rule through Python: every runnable shared ``merge-`` vector through
``Decision.apply_to`` and over real HTTP through the ASGI (uvicorn) and WSGI (wsgiref)
middleware, judged by the one judge (``corsgate-judge``); and the two cases issue 12
names, asserted directly per runtime."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

import corsgate
import corsgate.asgi
import corsgate.wsgi
import judge_client
from servers import Client, serve_asgi, serve_wsgi
from wire import VECTOR_LINE, compile_vector, send, vector_path

# Every merge- vector, merge-in-set (a policy set) included.
MERGE = judge_client.runnable(
    [v for v in judge_client.load("vectors-v2.jsonl") if v["id"].startswith(judge_client.MERGE[0])],
    (), "python-merge")


def decide(vector: dict[str, Any]) -> corsgate.Decision:
    """The vector's decision through the API (a set selects by Host and path)."""
    req = vector["request"]
    policy = compile_vector(vector)
    headers = [tuple(h) for h in req["headers"]]
    if isinstance(policy, corsgate.PolicySet):
        return policy.evaluate(req["method"], headers, vector_path(vector))
    return policy.evaluate(req["method"], headers)


def judged(judge_bin: Path, observations: list[dict[str, Any]]) -> None:
    judge_client.judge(judge_bin, observations).assert_all_passed(len(observations))


def test_merge_vectors_through_apply_to(judge_bin: Path) -> None:
    assert len(MERGE) >= 18
    observations = []
    for v in MERGE:
        req = v["request"]
        d = decide(v)
        app = [tuple(h) for h in req["app_headers"]]
        final = d.apply_to(app)
        raw = d.apply_to([(n.encode(), val.encode()) for n, val in app], raw=True)
        # Kept lines are the caller's own objects; str and bytes forms agree.
        assert all(any(line is a for a in app) or line in d.headers for line in final)
        assert [(n.lower(), val) for n, val in final] == [(n.decode().lower(), val.decode()) for n, val in raw]
        common = {"kind": d.kind, "allowed": d.allowed, "status": d.status, "reason_code": d.reason_code,
                  "policy": d.policy, "route": d.route}
        observations.append(judge_client.observation(v["id"], "python-api", headers=d.headers, final_headers=final,
                                                     **common))
        raw_str = [(n.decode(), val.decode()) for n, val in raw]
        observations.append(judge_client.observation(v["id"], "python-api-raw", headers=d.headers,
                                                     final_headers=raw_str, **common))
    judged(judge_bin, observations)


def test_apply_to_rejects_bad_input() -> None:
    d = corsgate.Policy(["https://a.example"]).evaluate("GET", [("Origin", "https://a.example")])
    for bad in ("Vary: x", [("Vary",)], [(1, "x")], 7):
        with pytest.raises(TypeError):
            d.apply_to(bad)  # type: ignore[arg-type]
    # Any iterable of pairs, e.g. a generator.
    assert d.apply_to(h for h in [("X", "1")])[0] == ("X", "1")


def asgi_app(vectors: list[dict[str, Any]]) -> Any:
    """Routes a request with ``x-vector: i`` to vector i's policy around an app answering
    with its app_headers."""

    def app_for(headers: list[list[str]]) -> Any:
        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            raw = [(n.encode(), val.encode()) for n, val in headers]
            await send({"type": "http.response.start", "status": 200, "headers": raw})
            await send({"type": "http.response.body", "body": b"app"})

        return app

    routes = [corsgate.asgi.CORSMiddleware(app_for(v["request"]["app_headers"]), compile_vector(v)) for v in vectors]

    line = VECTOR_LINE.encode()

    async def dispatch(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await routes[int(next(v for n, v in scope["headers"] if n == line))](scope, receive, send)

    return dispatch


def wsgi_app(vectors: list[dict[str, Any]]) -> Any:
    def app_for(headers: list[list[str]]) -> Any:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            start_response("200 OK", [(n, val) for n, val in headers])
            return [b"app"]

        return app

    routes = [corsgate.wsgi.CORSMiddleware(app_for(v["request"]["app_headers"]), compile_vector(v)) for v in vectors]

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return routes[int(environ["HTTP_" + VECTOR_LINE.upper().replace("-", "_")])](environ, start_response)

    return dispatch


SERVERS: dict[str, Callable[[list[dict[str, Any]]], AbstractContextManager[int]]] = {
    "python-asgi-http": lambda vs: serve_asgi(asgi_app(vs)),
    "python-wsgi-http": lambda vs: serve_wsgi(wsgi_app(vs)),
}


@pytest.fixture(params=sorted(SERVERS))
def runtime(request: pytest.FixtureRequest) -> Iterator[tuple[str, Client]]:
    with SERVERS[request.param](MERGE) as port:
        client = Client(port)
        try:
            yield request.param, client
        finally:
            client.close()


def test_merge_vectors_over_http(runtime: tuple[str, Client], judge_bin: Path) -> None:
    via, client = runtime
    observations = []
    for i, v in enumerate(MERGE):
        status, headers, _ = send(client, i, v)
        observations.append(
            judge_client.observation(v["id"], via, kind=None, allowed=None, headers=headers, final_headers=headers,
                                     status=status if judge_client.answers_itself(v) else None)
        )
    judged(judge_bin, observations)


def test_app_acao_removed_for_denied_origin_and_vary_origin_kept(runtime: tuple[str, Client]) -> None:
    via, client = runtime
    ids = [v["id"] for v in MERGE]
    # merge-app-acao-removed-when-denied: the application sets ACAO: * for a denied origin.
    i = ids.index("merge-app-acao-removed-when-denied")
    _, headers, _ = send(client, i, MERGE[i])
    assert not [v for n, v in headers if n.lower() == "access-control-allow-origin"], (via, headers)
    # merge-vary-appended: the application sets its own Vary; Vary: Origin is still there.
    i = ids.index("merge-vary-appended")
    _, headers, _ = send(client, i, MERGE[i])
    tokens = [t.strip().lower() for n, v in headers if n.lower() == "vary" for t in v.split(",")]
    assert "origin" in tokens and "accept-encoding" in tokens, (via, headers)
