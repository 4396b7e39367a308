from __future__ import annotations

import sys

import corsgate


def pytest_report_header() -> list[str]:
    return [f"corsgate {corsgate.__version__} from {corsgate.__file__}", f"python {sys.version.split()[0]}"]
