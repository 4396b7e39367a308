"""Sending a conformance vector over real HTTP: the observation for corsgate-judge, and
what only a middleware can get wrong (the application called for a preflight)."""

from __future__ import annotations

import json
from typing import Any

import corsgate
import judge_client
from servers import Client

APP_BODY = b"app"
APP_MARK = "x-app"


def carried_by_http(vector: dict[str, Any]) -> bool:
    """Whether HTTP/1.1 can carry the vector's request as written.

    A field value's leading and trailing whitespace is not part of the value (RFC 9110
    section 5.5): every server strips it, so such a request cannot reach a middleware.
    """
    return all(v == v.strip(" \t") for _, v in vector["request"]["headers"])


def compile_vector(vector: dict[str, Any]) -> corsgate.Policy:
    return corsgate.Policy.from_json(json.dumps(vector["policy"]))


def observe_over_http(client: Client, path: str, vector: dict[str, Any],
                      via: str) -> tuple[dict[str, Any], list[str]]:
    """The response as an observation (kind and verdict unobservable), and the local
    problems: a preflight or a refusal must not reach the application, anything else must."""
    req = vector["request"]
    status, headers, body = client.request(req["method"], path, req["headers"])
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
    """Every sendable, compiling vector (mounted at /v/<index>/x) over HTTP, judged in one
    batch; returns the problems per vector id, and checks the judge's count."""
    local: dict[str, list[str]] = {}
    observations = []
    for i, v in enumerate(vectors):
        if v["expect"].get("config_error") or not carried_by_http(v):
            continue
        obs, local[v["id"]] = observe_over_http(client, f"/v/{i}/x", v, via)
        observations.append(obs)
    verdict = judge_client.judge(judge_bin, observations)
    passed, failed = verdict.counts()
    assert passed + failed == len(observations), verdict.summary
    return {vid: verdict.problems(vid, via) + problems for vid, problems in local.items()}
