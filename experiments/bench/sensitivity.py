"""How long `outreach sensitivity sensitivity.method=sobol` takes on the default scenario with
eight uncertain keys, and how wide its intervals come out.

    .venv/bin/python experiments/bench/sensitivity.py [--samples 512] [--workers 0] [--out DIR]

The eight keys (results/bench/sensitivity_keys.yaml, written here) are calibration-table
entries with their plausible ranges (docs/MODEL.md): the annoyance thresholds, the read,
report, reply and share chances (word of mouth too) and the organic reach of a share; none of
the network's, whose every change would rebuild the network at each point. The command runs in a child process, as a user types it, from this checkout, into a
temporary folder; wall time is the child's, and "worker time" sums the seconds each point took
inside its worker (what the points cost, whatever else the machine was doing). Writes
sensitivity.md, and the run's sensitivity.png and sensitivity.parquet, to --out (default: the
checkout's results/bench/).
A benchmark, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KEYS = """\
# Eight calibration-table keys and their plausible ranges (docs/MODEL.md), for the benchmark
# of `outreach sensitivity` (experiments/bench/sensitivity.py).
population.threshold_median: {dist: loguniform, low: 2.5, high: 10.0}
population.threshold_sigma: [0.5, 1.5]
population.report_prob: {dist: loguniform, low: 0.001, high: 0.05}
population.read_prob_base: [0.25, 0.55]
population.reply_prob_base: {dist: loguniform, low: 0.01, high: 0.1}
population.share_prob_base: {dist: loguniform, low: 0.003, high: 0.03}
population.share_prob_word_of_mouth: {dist: loguniform, low: 0.005, high: 0.05}
population.exposure_prob: {dist: loguniform, low: 0.02, high: 0.15}
"""
TARGET_S = 600.0  # under 10 minutes on the machine at hand


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=512, help="Sobol base sample size N")
    parser.add_argument("--replicates", type=int, default=100, help="replicates per point")
    parser.add_argument("--workers", type=int, default=0, help="0 = every core")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "results" / "bench")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    keys = args.out / "sensitivity_keys.yaml"
    keys.write_text(KEYS)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p)}
    overrides = ["sensitivity.method=sobol", f"uncertainty.file={keys}",
                 f"sensitivity.samples={args.samples}", f"sensitivity.replicates={args.replicates}",
                 f"sensitivity.workers={args.workers}"]
    shown = ("outreach sensitivity sensitivity.method=sobol "
             "uncertainty.file=results/bench/sensitivity_keys.yaml "
             f"sensitivity.samples={args.samples} sensitivity.replicates={args.replicates}")
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "sens"
        cmd = [sys.executable, "-m", "sim.cli.main", "sensitivity", *overrides,
               "output.progress=false", "--out", str(run_dir)]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        info = json.loads((run_dir / "sensitivity.json").read_text())
        table = pd.read_parquet(run_dir / "sensitivity.parquet")
        for name in ("sensitivity.png", "sensitivity.parquet"):
            shutil.copy(run_dir / name, args.out / name)
    worker_s = info["seconds_per_point"] * info["points"]
    md = report(args, shown, info, table, wall, worker_s, load)
    (args.out / "sensitivity.md").write_text(md)
    print(md)
    return 0


def report(args, shown, info, table, wall, worker_s, load) -> str:
    st = table[table["index"] == "ST"]
    moved = st[st["value"].abs() > 0.01]  # the keys that matter for an output
    st_half = (moved["ci_high"] - moved["ci_low"]) / 2
    still = [o for o, d in table.groupby("output", sort=False) if (d["value"] == 0).all()]
    zero = st[st["value"] == 0].groupby("output", sort=False)["parameter"].count()
    lines = [
        "# Benchmark: `outreach sensitivity` (Sobol), default scenario, 8 uncertain keys",
        "",
        "Written by `experiments/bench/sensitivity.py` (run it again to refresh). The command:",
        "",
        "```bash",
        shown,
        "```",
        "",
        "| what | value |",
        "|---|---|",
        f"| uncertain keys | {len(info['uncertain'])} (`results/bench/sensitivity_keys.yaml`) |",
        f"| Sobol base sample N | {info['samples']} |",
        f"| points (N x (k + 2)) | {info['points']:,} |",
        f"| replicates per point | {info['replicates_per_point']} (the same replicate seed at every point) |",
        f"| simulated campaigns | {info['points'] * info['replicates_per_point']:,} |",
        f"| workers | {info['workers']} of {os.cpu_count()} cores |",
        f"| wall time, whole command | {wall:.0f} s ({wall / 60:.1f} min; target < {TARGET_S / 60:.0f} min: "
        f"{'met' if wall < TARGET_S else 'not met'}) |",
        f"| worker time (sum over points) | {worker_s:.0f} s ({info['seconds_per_point'] * 1000:.0f} ms a point) |",
        f"| machine load average at the start (1, 5, 15 min) | {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} |",
        f"| ST's 95% interval half-width, keys with ST > 0.01 | median {st_half.median():.3f}, "
        f"largest {st_half.max():.3f} ({len(moved)} key-output pairs) |",
        f"| ST exactly 0 (the key cannot move the output; common random numbers) | "
        + ", ".join(f"{o}: {n}" for o, n in zip(zero.index, zero)) + " |",
        "",
        *([f"Outputs that never moved at any point (every index 0): {', '.join(still)}.", ""]
          if still else []),
        "Total-order (ST) and first-order (S1) indices with their 95% bootstrap intervals, per "
        "output, keys by ST (sensitivity.png draws them):",
        "",
    ]
    for output, d in table.groupby("output", sort=False):
        wide = d.pivot_table(index="parameter", columns="index", values=["value", "ci_low", "ci_high"], sort=False)
        wide = wide.sort_values(("value", "ST"), ascending=False)
        lines += [f"**{output}**", "", "| key | ST | S1 |", "|---|---|---|"]
        for key, row in wide.iterrows():
            cell = {n: f"{row[('value', n)]:.3f} [{row[('ci_low', n)]:.3f}, {row[('ci_high', n)]:.3f}]"
                    for n in ("ST", "S1")}
            lines.append(f"| `{key}` | {cell['ST']} | {cell['S1']} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
