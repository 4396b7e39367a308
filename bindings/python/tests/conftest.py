from __future__ import annotations

import sys
from pathlib import Path

# tests/judge_client.py of the repository: feeds corsgate-judge, the one judge.
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests"))

import pytest  # noqa: E402

import corsgate  # noqa: E402
import judge_client  # noqa: E402


def pytest_report_header() -> list[str]:
    return [f"corsgate {corsgate.__version__} from {corsgate.__file__}", f"python {sys.version.split()[0]}"]


@pytest.fixture(scope="session")
def judge_bin() -> Path:
    return judge_client.binary()
