"""``outreach optimise [overrides]``: recommend a plan (who gets a personal note, the generic
message or nothing, and when) for an objective under constraints, across the uncertainty.

    outreach optimise                                          # supporters, restriction risk <= 0.05, prior
    outreach optimise optimise.objective=reach optimise.max_close_ties_annoyed=0.5
    outreach optimise uncertainty=none optimise.trials=50      # at the config's own values
    outreach optimise uncertainty.file=posterior.yaml optimise.sampler=nsga2
    outreach optimise optimise.storage=postgresql://host/db    # several machines, one study

The overrides are those of ``outreach`` (the scenario, ``uncertainty``, ``optimise.*``); without
any ``uncertainty`` override the uncertain keys are ``uncertainty=default`` (the prior).
Results go to ``--out`` (default: ``outputs/optimise/<study>-<hash of the config>``, so the same
command finds the same folder): running it again continues the study up to ``optimise.trials``.
The computation is sim/analysis/optimise.py; the method in docs/MODEL.md (Optimising a plan).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli import interrupt, subcommand
from sim.errors import UserError

PROG = "outreach optimise"
INTERRUPTED = "interrupted; run the same command (with --out {out}) to continue the study"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Recommend a plan for an objective under constraints, across the uncertain "
                    "keys (docs/MODEL.md, Optimising a plan).")
    parser.add_argument("overrides", nargs="*",
                        help="outreach overrides, e.g. optimise.objective=reach optimise.trials=50")
    parser.add_argument("--out", type=Path, default=None,
                        help="results folder (default: outputs/optimise/<study>-<config hash>); "
                             "the same folder again continues the study")
    args = parser.parse_intermixed_args(argv)

    from sim.config import compose_checked

    try:
        cfg = compose_checked(subcommand.with_prior(list(args.overrides)))
    except UserError as exc:
        return subcommand.error(PROG, str(exc))

    from sim.analysis import optimise

    out = args.out or optimise.default_folder(cfg)

    def work():
        res = optimise.run(cfg, out, progress=bool(cfg.output.progress),
                           say=lambda m: print(m, file=sys.stderr), overrides=list(args.overrides))
        interrupt.check()
        return res

    res, status = subcommand.guarded(PROG, out, work, INTERRUPTED)
    if status:
        return status
    if cfg.output.table:
        print(summary(res))
    print(f"{res.evaluated} trials run, {res.reused} reused, {res.seconds:.1f} s; results: {res.folder}")
    return 0


def summary(res) -> str:
    """The plan in words and how it compares, as the first lines of recommendation.md say."""
    from sim.analysis import optimise

    obj = res.info["objective"]
    rec = res.fresh[optimise.RECOMMENDED_LABEL]
    lines = [f"recommended plan (trial {res.recommended.number}"
             + ("" if res.feasible else ", closest to the constraints: none met them") + "):"]
    for line in res.info.get("words", []):
        lines.append(f"  {line}")
    o, r = rec[obj], rec[optimise.RISK]
    lines.append(f"  fresh seeds: {obj} {o['mean']:.4g} (95% CI {o['ci95'][0]:.4g}-{o['ci95'][1]:.4g}), "
                 f"restriction risk {r['mean']:.3f} (95% CI {r['ci95'][0]:.3f}-{r['ci95'][1]:.3f})")
    for c in res.comparison:
        lines.append(f"  vs {c['strategy']:20s} meets constraints: {'yes' if c['meets'] else 'no ':3s}  "
                     f"{obj} {c['difference']:+.3g} ({c['ci95'][0]:+.3g} to {c['ci95'][1]:+.3g}): "
                     f"{c['verdict']}")
    return "\n".join(lines)
