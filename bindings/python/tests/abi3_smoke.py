"""Runs every shared vector through the API on whichever interpreter runs this file.

scripts/test-python.sh runs it on the other CPython versions it finds (3.9 ... 3.13) with
the same abi3 wheel, to show that one wheel serves them all. Standard library only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests"))

import corsgate  # noqa: E402
import corsgate.asgi  # noqa: E402, F401
import corsgate.wsgi  # noqa: E402, F401
import judge_client  # noqa: E402
from vectors import api_observation, load_vectors  # noqa: E402


def main() -> int:
    vectors = load_vectors()
    via = f"python-{sys.version_info[0]}.{sys.version_info[1]}"
    observations: list[dict[str, Any]] = []
    for vector in vectors:
        try:
            policy = corsgate.Policy.from_json(json.dumps(vector["policy"]))
        except corsgate.ConfigError as e:
            observations.append(judge_client.observation(vector["id"], via, config_error=bool(e.errors)))
            continue
        req = vector["request"]
        observations.append(api_observation(vector, via, policy.evaluate(req["method"], [tuple(h) for h in req["headers"]])))
    verdict = judge_client.judge(judge_client.binary(), observations)
    for failure in verdict.failures():
        print(f"FAIL {failure}")
    passed, _ = verdict.counts()
    direct = "in place" if corsgate._corsgate._direct_reads else "through the API"
    print(f"abi3 smoke, Python {sys.version.split()[0]}: {passed}/{len(vectors)} vectors ok ({verdict.summary}); "
          f"header lines read {direct}")
    return 0 if verdict.returncode == 0 and passed == len(vectors) else 1


if __name__ == "__main__":
    sys.exit(main())
