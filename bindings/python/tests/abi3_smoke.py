"""Runs every shared vector through the API on whichever interpreter runs this file.

scripts/test-python.sh runs it on the other CPython versions it finds (3.9 ... 3.13) with
the same abi3 wheel, to show that one wheel serves them all. Standard library only.
"""

from __future__ import annotations

import json
import sys

import corsgate
import corsgate.asgi
import corsgate.wsgi
from browser import check_expectations, load_vectors


def main() -> int:
    failures = 0
    vectors = load_vectors()
    for vector in vectors:
        try:
            policy = corsgate.Policy.from_json(json.dumps(vector["policy"]))
        except corsgate.ConfigError as e:
            if not (vector["expect"].get("config_error") and e.errors):
                failures += 1
                print(f"FAIL {vector['id']}: {e}")
            continue
        if vector["expect"].get("config_error"):
            failures += 1
            print(f"FAIL {vector['id']}: compiled, expected a ConfigError")
            continue
        req = vector["request"]
        d = policy.evaluate(req["method"], [tuple(h) for h in req["headers"]])
        problems = check_expectations(vector, d.kind, d.status, d.headers)
        if problems or d.allowed != vector["expect"]["allowed"]:
            failures += 1
            print(f"FAIL {vector['id']}: {problems}")
    version = sys.version.split()[0]
    print(f"abi3 smoke, Python {version}: {len(vectors) - failures}/{len(vectors)} vectors ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
