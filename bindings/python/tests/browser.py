"""A browser's side of CORS, to judge responses instead of comparing header strings.

Implements the checks of the Fetch standard that decide whether a page may read a
response: the CORS check (Fetch "CORS check"), the CORS-preflight checks ("CORS-preflight
fetch", step 7) and the Private Network Access preflight check. A vector's `allowed`
says what these checks must conclude for the response a binding produced.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SAFELISTED_METHODS = {"GET", "HEAD", "POST"}

Headers = Sequence[tuple[str, str]]


def vectors_path() -> Path:
    env = os.environ.get("CORSGATE_VECTORS")
    if env:
        return Path(env)
    # bindings/python/tests -> repository -> ../shared
    return Path(__file__).resolve().parents[4] / "shared" / "conformance" / "vectors.jsonl"


def load_vectors() -> list[dict[str, Any]]:
    path = vectors_path()
    with open(path, encoding="utf-8") as f:
        vectors = [json.loads(line) for line in f if line.strip()]
    assert vectors, f"no vectors in {path}"
    return vectors


def values(headers: Headers, name: str) -> list[str]:
    return [v for n, v in headers if n.lower() == name.lower()]


def request_values(vector: dict[str, Any], name: str) -> list[str]:
    return [v for n, v in vector["request"]["headers"] if n.lower() == name.lower()]


def parse_list(header_values: list[str]) -> list[str] | None:
    """A comma-separated list header (several lines join with ','), items trimmed."""
    if not header_values:
        return []
    items = [item.strip(" \t") for item in ",".join(header_values).split(",")]
    items = [i for i in items if i]
    for i in items:
        if any(c in i for c in " \t\"") or not i.isascii():
            return None
    return items


def cors_check(headers: Headers, origin: str, credentials: bool) -> bool:
    """Fetch "CORS check"."""
    acao = values(headers, "Access-Control-Allow-Origin")
    if len(acao) != 1:
        return False
    if not credentials and acao[0] == "*":
        return True
    if acao[0] != origin:
        return False
    if not credentials:
        return True
    return values(headers, "Access-Control-Allow-Credentials") == ["true"]


def requested_names(vector: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for v in request_values(vector, "Access-Control-Request-Headers"):
        names += [n.strip(" \t").lower() for n in v.split(",") if n.strip(" \t")]
    return names


def preflight_check(
    status: int | None, headers: Headers, vector: dict[str, Any], credentials: bool
) -> bool:
    """Fetch "CORS-preflight fetch" step 7, plus the Private Network Access check."""
    origins = request_values(vector, "Origin")
    if len(origins) != 1 or status is None or not 200 <= status <= 299:
        return False
    if not cors_check(headers, origins[0], credentials):
        return False
    methods = parse_list(values(headers, "Access-Control-Allow-Methods"))
    header_names = parse_list(values(headers, "Access-Control-Allow-Headers"))
    if methods is None or header_names is None:
        return False
    acrm = request_values(vector, "Access-Control-Request-Method")
    if len(acrm) != 1:
        return False
    method = acrm[0]
    if (
        method not in methods
        and method not in SAFELISTED_METHODS
        and (credentials or "*" not in methods)
    ):
        return False
    allowed_names = {h.lower() for h in header_names}
    for name in requested_names(vector):
        if name in allowed_names:
            continue
        if credentials or "*" not in allowed_names or name == "authorization":
            return False
    # Browsers send exactly "true"; anything else is not a PNA request.
    if request_values(vector, "Access-Control-Request-Private-Network") == ["true"]:
        if values(headers, "Access-Control-Allow-Private-Network") != ["true"]:
            return False
    return True


def browser_allows(kind: str, status: int | None, headers: Headers, vector: dict[str, Any]) -> bool:
    credentials = bool(vector["policy"].get("credentials"))
    if kind == "not_cors":
        return True
    if kind == "preflight":
        return preflight_check(status, headers, vector, credentials)
    origins = request_values(vector, "Origin")
    return len(origins) == 1 and cors_check(headers, origins[0], credentials)


def vary_tokens(headers: Headers) -> set[str]:
    return {t.strip().lower() for v in values(headers, "Vary") for t in v.split(",") if t.strip()}


def covered(listed: list[str] | None, wanted: list[str], credentials: bool, case_insensitive: bool) -> bool:
    if listed is None:
        return False
    def norm(s: str) -> str:
        return s.lower() if case_insensitive else s

    have = {norm(x) for x in listed}
    for w in wanted:
        if norm(w) in have:
            continue
        if "*" in have and not credentials and norm(w) != "authorization":
            continue
        return False
    return True


def check_expectations(
    vector: dict[str, Any], kind: str, status: int | None, headers: Headers
) -> list[str]:
    """Every way the response misses the vector's `expect`; empty when it passes."""
    exp = vector["expect"]
    credentials = bool(vector["policy"].get("credentials"))
    problems = []

    def want(cond: bool, what: str) -> None:
        if not cond:
            problems.append(what)

    want(kind == exp["kind"], f"kind {kind!r} != {exp['kind']!r}")
    want(
        browser_allows(kind, status, headers, vector) == exp["allowed"],
        f"browser checks say {not exp['allowed']}, expected allowed={exp['allowed']}",
    )
    acao = values(headers, "Access-Control-Allow-Origin")
    want(acao == ([] if exp["acao"] is None else [exp["acao"]]), f"ACAO {acao} != {exp['acao']!r}")
    acac = values(headers, "Access-Control-Allow-Credentials") == ["true"]
    want(acac == exp["acac"], f"ACAC {acac} != {exp['acac']}")
    missing = {t.lower() for t in exp["vary_contains"]} - vary_tokens(headers)
    want(not missing, f"Vary lacks {sorted(missing)}")
    if "status" in exp:
        want(status == exp["status"], f"status {status} != {exp['status']}")
    if "acam_contains" in exp:
        acam = parse_list(values(headers, "Access-Control-Allow-Methods"))
        want(covered(acam, exp["acam_contains"], credentials, False), f"ACAM {acam} does not cover {exp['acam_contains']}")
    if "acah_contains" in exp:
        acah = parse_list(values(headers, "Access-Control-Allow-Headers"))
        want(covered(acah, exp["acah_contains"], credentials, True), f"ACAH {acah} does not cover {exp['acah_contains']}")
    if "aceh_contains" in exp:
        aceh = parse_list(values(headers, "Access-Control-Expose-Headers"))
        want(covered(aceh, exp["aceh_contains"], credentials, True), f"ACEH {aceh} does not cover {exp['aceh_contains']}")
    if "acma" in exp:
        acma = values(headers, "Access-Control-Max-Age")
        want(acma == ([] if exp["acma"] is None else [exp["acma"]]), f"ACMA {acma} != {exp['acma']!r}")
    if "acapn" in exp:
        acapn = values(headers, "Access-Control-Allow-Private-Network") == ["true"]
        want(acapn == exp["acapn"], f"ACAPN {acapn} != {exp['acapn']}")
    return problems
