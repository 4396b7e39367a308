#!/usr/bin/env python3
"""Instructions per operation of issue 15's benchmarks (benches/iai/issue15.rs).

Reads "name count" lines (benches/iai-baseline.txt, or the file scripts/test-bench.sh
writes: target/corsgate-iai.txt) and prints a Markdown table: each `verdict` and
`evaluate` case minus its loop, divided by the batch of 64; compile per exact rule as
(compile of 1,000 exact origins - compile of 1) / 999.

    python3 benches/iai_per_op.py target/corsgate-iai.txt [baseline-to-compare]
"""
import sys

BATCH = 64


def read(path):
    """The "name count" lines of `path` (the baseline's format), as a dict."""
    rows = (line.split() for line in open(path) if not line.startswith("#"))
    return {r[0]: int(r[1]) for r in rows if len(r) == 2}


def per_op(counts):
    rows = {}
    for name, value in counts.items():
        parts = name.split(".")
        if parts[0] != "issue15" or parts[1] not in ("verdict", "evaluate"):
            continue
        loop = counts.get(f"issue15.{parts[1]}_loop.loop_only")
        if loop is not None:
            rows[f"{parts[1]} {parts[2]}"] = (value - loop) / BATCH
    one, many = counts.get("issue15.compile.exact_1"), counts.get("issue15.compile.exact_1000")
    if one is not None and many is not None:
        rows["compile per exact rule"] = (many - one) / 999
    return rows


def main():
    now = per_op(read(sys.argv[1]))
    before = per_op(read(sys.argv[2])) if len(sys.argv) > 2 else {}
    if before:
        print("| operation | before | now |\n|---|---|---|")
    else:
        print("| operation | instructions |\n|---|---|")
    for name, value in now.items():
        if before:
            b = before.get(name)
            print(f"| {name} | {'' if b is None else f'{b:,.0f}'} | {value:,.0f} |")
        else:
            print(f"| {name} | {value:,.0f} |")


if __name__ == "__main__":
    main()
