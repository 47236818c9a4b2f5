"""``outreach calibrate [overrides]``: a posterior over the uncertain keys from what senders
saw (the computation is sim/analysis/calibrate.py; method, keys and limits in docs/MODEL.md,
"Calibration to what a sender saw").

    outreach calibrate observations=story                      # prior: uncertainty=default
    outreach calibrate observations.file=seen.yaml calibrate.draws=2000 --out calib/mine
    outreach calibrate observations=story uncertainty.file=keys.yaml

The overrides are those of ``outreach`` (the scenario, ``uncertainty``, ``observations``,
``calibrate.*``); each case's own overrides come after them. Without any ``uncertainty``
override the prior is ``uncertainty=default``. Results go to ``--out`` (or
``hydra.run.dir=DIR``, as for a run; default: ``outputs/<date>/<time>``); running the same
command with the same folder resumes, skipping the draws already evaluated, and more draws
extend them. A user error is one line and exit status 2; Ctrl-C keeps the draws done, marks
the folder INCOMPLETE and exits with 130.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli import interrupt, subcommand

PROG = "outreach calibrate"
INTERRUPTED = "interrupted; run the same command with --out {out} to resume"
RUN_DIR = "hydra.run.dir="


def split(overrides: list[str]) -> tuple[list[str], Path | None]:
    """The config overrides (``uncertainty=default`` first unless one names the prior), and
    the folder ``hydra.run.dir=`` names. Other ``hydra.`` keys mean nothing here: ValueError."""
    kept, folder = [], None
    for o in overrides:
        if o.startswith(RUN_DIR):
            folder = Path(o[len(RUN_DIR):])
        elif o.lstrip("+~").startswith("hydra."):
            raise ValueError(f"{o}: {PROG} takes no hydra.* overrides but hydra.run.dir (or --out)")
        else:
            kept.append(o)
    return subcommand.with_prior(kept), folder


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Weigh draws from the prior of the uncertain keys (uncertainty=default) by "
                    "how likely each makes what senders saw (observations=NAME or "
                    "observations.file=PATH): posterior.parquet, posterior.yaml, pair_plot "
                    "and calibration.md (docs/MODEL.md, Calibration to what a sender saw).")
    parser.add_argument("overrides", nargs="*",
                        help="outreach overrides, e.g. observations=story calibrate.draws=2000")
    parser.add_argument("--out", type=Path, default=None,
                        help="results folder (default: hydra.run.dir if given, else "
                             "outputs/<date>/<time>); the same folder again resumes")
    args = parser.parse_intermixed_args(argv)
    try:
        overrides, run_dir = split(list(args.overrides))
    except ValueError as exc:
        return subcommand.error(PROG, str(exc))
    out = args.out or run_dir or subcommand.dated_folder()

    from sim.analysis import calibrate
    from sim.cli.main import quiet_libraries

    quiet_libraries()
    say = lambda m: print(m, file=sys.stderr)  # noqa: E731

    def work():
        setup = calibrate.setup(overrides)
        return setup, calibrate.run(setup, out, say=say, check=interrupt.check)

    done, status = subcommand.guarded(PROG, out, work, INTERRUPTED)
    if status:
        return status
    setup, res = done
    if setup.root.output.table:
        print(format_table(res))
    print(f"{res.evaluated} draws evaluated, {len(res.table) - res.evaluated} reused, "
          f"{res.seconds:.1f} s; results: {res.folder}")
    return 0


def format_table(res, rows: int = 10) -> str:
    """The effective sample size, then the keys the observations moved most: prior mean,
    posterior mean and 90% credible interval (all keys: calibration.md)."""
    lines = [f"effective sample size {res.ess:.1f} of {len(res.table)} draws; the keys moved most:",
             f"  {'key':45s} {'prior mean':>10s} {'posterior':>10s}  90% credible interval"]
    ranked = sorted(res.summaries, key=lambda s: -s.moved)
    for s in ranked[:rows]:
        lines.append(f"  {s.key:45s} {s.prior_mean:10.4g} {s.mean:10.4g}  [{s.q05:.4g}, {s.q95:.4g}]")
    if len(ranked) > rows:
        lines.append(f"  ... and {len(ranked) - rows} more in calibration.md")
    return "\n".join(lines)
