#!/usr/bin/env python3
"""Turns criterion's output into the scaling plot and a Markdown table of medians.

    python3 benches/plot.py CRITERION_DIR OUT_PNG [OUT_MD]

CRITERION_DIR is `target/criterion` (or `$CARGO_TARGET_DIR/criterion`). The plot shows
ns per decision against the number of exact origins (log scales) for the `origin-hit`
and `origin-near_miss` groups of the `peers` bench, corsgate and tower-http side by
side. The table lists the median of every benchmark found (criterion's `median` point
estimate of `new/estimates.json`), with the tower-http / corsgate ratio where both ran.
"""

import json
import sys
from pathlib import Path


def median_ns(bench_dir: Path):
    est = bench_dir / "new" / "estimates.json"
    if not est.is_file():
        return None
    return json.loads(est.read_text())["median"]["point_estimate"]


def collect(root: Path):
    """{group: {function: {param: ns}}} from criterion's directory layout."""
    out = {}
    for est in root.glob("**/new/estimates.json"):
        bench = est.parent.parent
        bjson = est.parent / "benchmark.json"
        if not bjson.is_file():
            continue
        meta = json.loads(bjson.read_text())
        group = meta.get("group_id")
        func = meta.get("function_id") or ""
        param = meta.get("value_str") or ""
        ns = median_ns(bench)
        if group is None or ns is None:
            continue
        out.setdefault(group, {}).setdefault(func, {})[param] = ns
    return out


def fmt_ns(ns):
    if ns is None:
        return "—"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.1f} ns"


def fmt_ratio(r):
    if r >= 10:
        return f"{r:.0f}×"
    if r >= 1:
        return f"{r:.1f}×"
    return f"{r:.2f}×"


def table(data):
    lines = []
    for group in sorted(data):
        funcs = data[group]
        params = sorted(
            {p for f in funcs.values() for p in f},
            key=lambda p: (0, int(p)) if p.isdigit() else (1, p),
        )
        names = [
            f for f in ("corsgate-verdict", "corsgate", "corsgate-mw", "tower-http") if f in funcs
        ]
        names += sorted(f for f in funcs if f not in names)
        lines.append(f"\n**{group}**\n")
        if params == [""]:
            # No parameter: one row per function (e.g. the `evaluate/<size>` groups).
            lines.append("| case | median |")
            lines.append("|---|---|")
            for f in sorted(funcs):
                lines.append(f"| {f} | {fmt_ns(funcs[f].get(''))} |")
            continue
        head = "| case | " + " | ".join(names)
        both = "corsgate" in funcs and "tower-http" in funcs
        mw = "corsgate-mw" in funcs and "tower-http" in funcs
        if both:
            head += " | tower-http ÷ corsgate"
        if mw:
            head += " | tower-http ÷ corsgate-mw"
        lines.append(head + " |")
        lines.append("|" + "---|" * (head.count("|")))
        for p in params:
            row = [fmt_ns(funcs[f].get(p)) for f in names]
            cells = f"| {p or '—'} | " + " | ".join(row)
            if both:
                a, b = funcs["tower-http"].get(p), funcs["corsgate"].get(p)
                cells += f" | {fmt_ratio(a / b)}" if a and b else " | —"
            if mw:
                a, b = funcs["tower-http"].get(p), funcs["corsgate-mw"].get(p)
                cells += f" | {fmt_ratio(a / b)}" if a and b else " | —"
            lines.append(cells + " |")
    return "\n".join(lines) + "\n"


def plot(data, png: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    styles = {
        "corsgate-verdict": ("tab:cyan", "v"),
        "corsgate": ("tab:green", "o"),
        "corsgate-mw": ("tab:olive", "s"),
        "tower-http": ("tab:red", "^"),
    }
    for group, dash in (("origin-hit", "-"), ("origin-near_miss", "--")):
        for func, (color, marker) in styles.items():
            series = data.get(group, {}).get(func, {})
            pts = sorted((int(p), ns) for p, ns in series.items() if p.isdigit())
            if not pts:
                continue
            xs, ys = zip(*pts)
            label = f"{func} — {group.removeprefix('origin-').replace('_', '-')}"
            ax.plot(xs, ys, dash, color=color, marker=marker, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("exact origins in the policy (+1k wildcards, 10 regexes)")
    ax.set_ylabel("median ns per request (criterion)")
    ax.set_title("Origin decision: corsgate vs tower-http CorsLayer")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    root, png = Path(sys.argv[1]), Path(sys.argv[2])
    data = collect(root)
    if not data.get("origin-hit"):
        print(f"no origin-hit results under {root}: run the peers bench first", file=sys.stderr)
        return 1
    plot(data, png)
    md = table(data)
    if len(sys.argv) > 3:
        Path(sys.argv[3]).write_text(md)
    print(md)
    print(f"plot: {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
