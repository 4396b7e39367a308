"""Sending a conformance vector over real HTTP: the observation for corsgate-judge, and
what only a middleware can get wrong (the application called for a preflight).

Each vector's request goes out as written: its method, its header lines (its own ``Host``
line when it has one) and its ``path`` (default ``/``), so that a policy set selects its
route from what came over the wire. The test servers pick the vector's middleware by the
``x-vector`` line (which no policy reads), not by the path. A set vector without a
``Host`` line is sent as HTTP/1.0, which needs none (an HTTP/1.1 server must answer 400).
"""

from __future__ import annotations

import json
from typing import Any

import corsgate
import judge_client
from servers import Client, request_http10

APP_BODY = b"app"
APP_MARK = "x-app"


def carried_by_http(vector: dict[str, Any]) -> bool:
    """Whether HTTP/1.1 can carry the vector's request as written.

    A field value's leading and trailing whitespace is not part of the value (RFC 9110
    section 5.5): every server strips it, so such a request cannot reach a middleware.
    """
    return all(v == v.strip(" \t") for _, v in vector["request"]["headers"])


VECTOR_LINE = "x-vector"


def is_set(vector: dict[str, Any]) -> bool:
    """Whether the vector's policy is a policy set (the core tells them apart)."""
    return corsgate.is_policy_set(json.dumps(vector["policy"]))


def compile_vector(vector: dict[str, Any]) -> corsgate.Policy | corsgate.PolicySet:
    """The vector's policy or policy set, compiled as what it is."""
    text = json.dumps(vector["policy"])
    if corsgate.is_policy_set(text):
        return corsgate.PolicySet.from_json(text)
    return corsgate.Policy.from_json(text)


def vector_path(vector: dict[str, Any]) -> str:
    """The request path of the vector (README "Version 2": default ``/``)."""
    path: str = vector["request"].get("path", "/")
    return path


def send(client: Client, index: int, vector: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """Sends vector `index`'s request as written (see the module's text) to the server
    behind `client`; returns (status, headers, body)."""
    req = vector["request"]
    headers = [*req["headers"], (VECTOR_LINE, str(index))]
    if is_set(vector) and not any(n.lower() == "host" for n, _ in req["headers"]):
        return request_http10(client.port, req["method"], vector_path(vector), headers)
    return client.request(req["method"], vector_path(vector), headers)


def observe_over_http(client: Client, index: int, vector: dict[str, Any],
                      via: str) -> tuple[dict[str, Any], list[str]]:
    """The response as an observation (kind and verdict unobservable), and the local
    problems: a preflight or a refusal must not reach the application, anything else must."""
    req = vector["request"]
    status, headers, body = send(client, index, vector)
    app_called = any(n.lower() == APP_MARK for n, _ in headers)
    kind = vector["expect"]["kind"]
    if judge_client.answers_itself(vector):
        problems = [] if not app_called and body == b"" else [f"{kind} reached the app: {status} {body!r}"]
        if kind == "refused" and [v for n, v in headers if n.lower() == "vary"] != ["Origin"]:
            problems.append(f"a refusal carries Vary: Origin alone: {headers}")
    else:
        want = b"" if req["method"] == "HEAD" else APP_BODY
        problems = [] if (status, body) == (200, want) else [f"app answer {status} {body!r}"]
    observed = judge_client.observation(vector["id"], via, kind=None, allowed=None, status=status,
                                        headers=headers, final_headers=headers)
    return observed, problems


def judge_over_http(judge_bin: Any, client: Client, vectors: list[dict[str, Any]],
                    via: str) -> dict[str, list[str]]:
    """Every sendable, compiling vector (its middleware picked by ``x-vector: <index>``)
    over HTTP, judged in one batch; returns the problems per vector id, and checks the
    judge's count."""
    local: dict[str, list[str]] = {}
    observations = []
    for i, v in enumerate(vectors):
        if v["expect"].get("config_error") or not carried_by_http(v):
            continue
        obs, local[v["id"]] = observe_over_http(client, i, v, via)
        observations.append(obs)
    verdict = judge_client.judge(judge_bin, observations)
    passed, failed = verdict.counts()
    assert passed + failed == len(observations), verdict.summary
    return {vid: verdict.problems(vid, via) + problems for vid, problems in local.items()}
