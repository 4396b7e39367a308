"""Sending a conformance vector over real HTTP and judging what comes back."""

from __future__ import annotations

import json
from typing import Any

import corsgate
from browser import check_expectations, request_values
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


def check_over_http(client: Client, path: str, vector: dict[str, Any]) -> list[str]:
    req = vector["request"]
    status, headers, body = client.request(req["method"], path, req["headers"])
    app_called = any(n.lower() == APP_MARK for n, _ in headers)
    if not app_called:
        kind = "preflight"
        problems = [] if body == b"" else [f"preflight answered with a body {body!r}"]
    else:
        kind = "actual" if request_values(vector, "Origin") else "not_cors"
        problems = [] if (status, body) == (200, APP_BODY) else [f"app answer {status} {body!r}"]
    return problems + check_expectations(vector, kind, status if kind == "preflight" else None, headers)
