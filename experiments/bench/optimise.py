"""How long `outreach optimise` takes on the default scenario (a benchmark, not a test).

    .venv/bin/python experiments/bench/optimise.py [--trials 100] [--out DIR] [overrides ...]

Runs ``outreach optimise optimise.trials=N [overrides]`` as a user would (a child process, a
new study in a temporary folder, the default 1,800-contact scenario and uncertainty=default),
measures its wall time and the CPU time it used, and writes results/bench/optimise.md: the
time against the target (under 10 minutes for 100 trials), the settings, the machine, and the
recommendation it made (the plan in words and its comparison table), with its figure and whole
report beside it (optimise_pareto.png, optimise_recommendation.md). The study folder itself
(results/bench/optimise_run/) is deleted afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TARGET_S = 600.0  # 100 trials on the default scenario under 10 minutes


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python experiments/bench/optimise.py")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "results" / "bench")
    parser.add_argument("--keep", action="store_true", help="keep the study folder (optimise_run/)")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args(argv)
    run_dir = args.out / "optimise_run"
    if run_dir.exists():
        shutil.rmtree(run_dir)  # a new study: the time of a whole optimisation, not a resume
    overrides = [f"optimise.trials={args.trials}", *args.overrides]
    try:  # from the checkout, as a relative path: the report's replay commands then are too
        shown_dir = run_dir.resolve().relative_to(PROJECT_ROOT)
    except ValueError:
        shown_dir = run_dir.resolve()
    command = [sys.executable, "-m", "sim.cli.main", "optimise", *overrides, "--out", str(shown_dir)]
    info = machine()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr, sep="\n", file=sys.stderr)
        return proc.returncode
    result = json.loads((run_dir / "optimise.json").read_text())
    report = (run_dir / "recommendation.md").read_text()
    shown = " ".join(["outreach optimise", *overrides])
    lines = [
        "# Benchmark: `outreach optimise`", "",
        f"Command: `{shown}` (a new study; `python experiments/bench/optimise.py`).", "",
        "| what | value |", "|---|---|",
        f"| trials | {result['trials']} ({result['sampler']}), {result['evaluated']} run |",
        f"| histories a trial | {result['draws']} draws x {result['replicates_per_draw']} replicates |",
        f"| uncertain keys | {len(result['uncertain'])} (uncertainty=default; "
        f"{len(result['held_fixed'])} held fixed) |",
        f"| wall time | {wall:.1f} s ({wall / 60:.1f} min) |",
        f"| CPU time | {cpu:.1f} s |",
        f"| of which: setup (network, scenarios, CELF) | "
        f"{sum(result['seconds'].get(k, 0) for k in ('network', 'scenarios', 'celf')):.1f} s |",
        f"| of which: trials | {result['seconds'].get('trials', 0):.1f} s "
        f"({result['seconds'].get('trials', 0) / max(1, result['evaluated']):.2f} s a trial) |",
        f"| of which: the fresh check (plan and 4 built-ins, tuning and fresh draws) | "
        f"{result['seconds'].get('check', 0):.1f} s |",
        f"| target | 100 trials under {TARGET_S / 60:.0f} min: "
        f"{'met' if wall < TARGET_S else 'not met'} |", "",
        f"Machine: {info['nproc']} cores ({info['cpu']}), Python {info['python']}; load average "
        f"{info['load_average_at_start']} at the start (the machine is shared, so wall times vary "
        "from run to run). One process: the trials run one after another.", "",
        "## What it recommended", "",
    ]
    body = report.split("## The plan", 1)[1] if "## The plan" in report else report
    plan = body.split("Trial ", 1)[0].strip()
    table = report.split("## Against the built-in strategies", 1)[-1].split("## What this means", 1)[0]
    lines += [plan, "", "Against the built-ins, on fresh draws:", "", table.strip(), "",
              "![Each trial's supporters against its restriction risk](optimise_pareto.png)", "",
              "The whole report: [optimise_recommendation.md](optimise_recommendation.md) (its "
              "replay commands name the study folder, which the benchmark deletes unless --keep).", ""]
    args.out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(run_dir / "pareto.png", args.out / "optimise_pareto.png")
    (args.out / "optimise_recommendation.md").write_text(report)
    (args.out / "optimise.md").write_text("\n".join(lines))
    if not args.keep:
        shutil.rmtree(run_dir, ignore_errors=True)
    print(f"{wall:.1f} s wall, {cpu:.1f} s CPU; {args.out / 'optimise.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
