#!/usr/bin/env python3
"""Per-function cold-start figures over several runs of scripts/cold-start.sh.

One run gives each function one sample, and this machine's speed drifts by ±25 % between phases
(the calibration line of each run shows it), so the highest of 31 single samples says more about
the phase than about any function. This reads the outputs of several runs and prints, per function,
the median, lowest and highest total (init + first invocation), and in how many runs it was above
the target.

    scripts/cold-start-summary.py [--target-ms 1500] [--json] run1.out run2.out ...

Exits 1 when a run did not end with cold-start.sh's OK line (a probe failed, or a function built a
client it does not use), or when a function is missing from a run, or when a function's median is
above the target.
"""
import argparse
import json
import re
import statistics
import sys

ROW = re.compile(r"^\| (orchestra-[a-z0-9-]+) \| (\d+) \| (\d+) \| (\d+) \|")
CALIBRATION = re.compile(r"^calibration: ([0-9.]+) s")


def read_run(path):
    rows, calibration, ok = {}, None, False
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = ROW.match(line)
            if m:
                rows[m.group(1)] = (int(m.group(2)), int(m.group(3)), int(m.group(4)))
            m = CALIBRATION.match(line)
            if m:
                calibration = float(m.group(1))
            if line.startswith("OK: no function built a client it does not use"):
                ok = True
    return rows, calibration, ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", help="outputs of scripts/cold-start.sh, one per run")
    parser.add_argument("--target-ms", type=int, default=1500)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    problems, runs = [], []
    for path in args.runs:
        try:
            rows, calibration, ok = read_run(path)
        except OSError as e:
            sys.exit(f"cold-start-summary: cannot read {path}: {e.strerror}")
        if not ok:
            problems.append(f"{path}: the run did not end with cold-start.sh's OK line")
        if not rows:
            problems.append(f"{path}: no function rows (is it an output of scripts/cold-start.sh?)")
        runs.append((path, rows, calibration))

    functions = []
    for _, rows, _ in runs:
        functions += [f for f in rows if f not in functions]
    summary = []
    for fn in functions:
        totals = [rows[fn][2] for _, rows, _ in runs if fn in rows]
        missing = [path for path, rows, _ in runs if rows and fn not in rows]
        if missing:
            problems.append(f"{fn}: missing from {', '.join(missing)}")
        median = statistics.median(totals)
        if median > args.target_ms:
            problems.append(f"{fn}: median {median:.0f} ms is above the target {args.target_ms} ms")
        summary.append(
            {
                "function": fn,
                "runs": len(totals),
                "median_ms": round(median),
                "min_ms": min(totals),
                "max_ms": max(totals),
                "runs_above_target": sum(t > args.target_ms for t in totals),
            }
        )
    calibrations = [c for _, _, c in runs if c is not None]

    if args.json:
        print(json.dumps({"target_ms": args.target_ms, "calibration_s": calibrations,
                          "functions": summary, "problems": problems}, indent=2))
    else:
        print(f"{len(runs)} runs; calibration (s, lower is faster): "
              + (", ".join(f"{c:.3f}" for c in calibrations) or "not recorded"))
        print(f"| function | median ms | min ms | max ms | runs above {args.target_ms} ms |")
        print("|---|---|---|---|---|")
        for s in sorted(summary, key=lambda s: -s["median_ms"]):
            print(f"| {s['function']} | {s['median_ms']} | {s['min_ms']} | {s['max_ms']} "
                  f"| {s['runs_above_target']} of {s['runs']} |")
        worst = max(summary, key=lambda s: s["max_ms"], default=None)
        if worst:
            above = sum(any(r[2] > args.target_ms for r in rows.values()) for _, rows, _ in runs)
            print(f"highest median: {max(s['median_ms'] for s in summary)} ms; highest single sample: "
                  f"{worst['max_ms']} ms ({worst['function']}); runs with any sample above "
                  f"{args.target_ms} ms: {above} of {len(runs)}")
        for p in problems:
            print(f"PROBLEM: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
