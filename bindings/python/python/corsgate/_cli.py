"""The `corsgate` command (console script): the Rust CLI, run in this process.

Same commands, output and exit codes as the `corsgate` binary built with cargo:
`corsgate check|eval|audit|diff`. See `corsgate --help`.
"""

from __future__ import annotations

import sys
from typing import NoReturn

from ._corsgate import _cli_main


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and exit with its status."""
    args = sys.argv[1:] if argv is None else argv
    # The Rust side writes to file descriptors 1 and 2 itself: flush Python's buffers first.
    sys.stdout.flush()
    sys.stderr.flush()
    raise SystemExit(_cli_main(list(args)))
