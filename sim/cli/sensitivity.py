"""``outreach sensitivity [overrides]``: which uncertain keys move which outputs.

    outreach sensitivity                                   # Morris over uncertainty=default
    outreach sensitivity sensitivity.method=sobol sensitivity.samples=256
    outreach sensitivity uncertainty.file=my_keys.yaml strategy=staggered --out sens/staggered

The overrides are those of ``outreach`` (the scenario, ``uncertainty``, ``sensitivity.*``);
without any ``uncertainty`` override the uncertain keys are ``uncertainty=default``. Results go
to ``--out`` (default: ``outputs/<date>/<time>``, as a run's); running the same command with
the same ``--out`` resumes, skipping the points already simulated. The computation is
sim/analysis/sensitivity.py; keys and method in docs/MODEL.md (Sensitivity).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli import interrupt, subcommand
from sim.errors import UserError

PROG = "outreach sensitivity"
INTERRUPTED = "interrupted; run the same command with --out {out} to resume"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Morris screening or Sobol indices of the outputs over the uncertain keys "
                    "(docs/MODEL.md, Sensitivity).")
    parser.add_argument("overrides", nargs="*",
                        help="outreach overrides, e.g. sensitivity.method=sobol uncertainty.file=F")
    parser.add_argument("--out", type=Path, default=None,
                        help="results folder (default: outputs/<date>/<time>); the same folder "
                             "again resumes")
    args = parser.parse_intermixed_args(argv)
    out = args.out or subcommand.dated_folder()

    from sim.config import compose_checked

    try:
        cfg = compose_checked(subcommand.with_prior(list(args.overrides)))
    except UserError as exc:
        return subcommand.error(PROG, str(exc))

    from sim.analysis import sensitivity

    def work():
        res = sensitivity.run(cfg, out, progress=bool(cfg.output.progress),
                              say=lambda m: print(m, file=sys.stderr))
        interrupt.check()
        return res

    res, status = subcommand.guarded(PROG, out, work, INTERRUPTED)
    if status:
        return status
    if cfg.output.table:
        print(format_table(res.table))
    print(f"{res.evaluated} points simulated, {res.reused} reused, {res.seconds:.1f} s; "
          f"results: {res.folder}")
    return 0


def format_table(table, top: int = 5) -> str:
    """Per output, the keys with the largest main index (mu_star or ST), with both indices."""
    lines = []
    main_index = {"morris": "mu_star", "sobol": "ST"}
    for output, d in table.groupby("output", sort=False):
        method = d["method"].iloc[0]
        wide = d.pivot_table(index="parameter", columns="index", values="value", sort=False)
        main = main_index[method]
        other = [c for c in wide.columns if c != main][0]
        wide = wide.sort_values(main, ascending=False).head(top)
        lines.append(f"{output}: largest {main} ({other} beside it)")
        for key, row in wide.iterrows():
            lines.append(f"  {key:45s} {main} {row[main]:9.4g}   {other} {row[other]:9.4g}")
    return "\n".join(lines)
