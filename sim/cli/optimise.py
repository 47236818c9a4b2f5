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
import os
import sys
from pathlib import Path

from sim.cli import interrupt
from sim.errors import UserError

PROG = "outreach optimise"
INTERRUPTED = "interrupted; run the same command (with --out {out}) to continue the study"


def _first_lines(exc: BaseException) -> str:
    lines = [str(e).strip().splitlines()[0] for e in (exc, exc.__cause__)
             if e is not None and str(e).strip()]
    return ": ".join(lines) or type(exc).__name__


def _has_uncertainty(overrides) -> bool:
    return any(o.lstrip("+~").split("=")[0].split(".")[0] == "uncertainty" for o in overrides)


def _error(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


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
    overrides = list(args.overrides)
    if not _has_uncertainty(overrides):
        overrides.insert(0, "uncertainty=default")

    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from sim.config import compose, validate

    try:
        cfg = compose(overrides)
        validate(cfg)
    except UserError as exc:
        return _error(str(exc))
    except (HydraException, OmegaConfBaseException) as exc:
        return _error(_first_lines(exc))

    from sim.analysis import optimise
    from sim.report import folders

    out = args.out or optimise.default_folder(cfg)
    try:
        res = optimise.run(cfg, out, progress=bool(cfg.output.progress),
                           say=lambda m: print(m, file=sys.stderr), overrides=list(args.overrides))
        interrupt.check()
    except UserError as exc:
        folders.mark_failed(out, str(exc))  # only if the folder was made
        return _error(str(exc))
    except KeyboardInterrupt:  # the finished trials are in the study; leave at once
        folders.mark_failed(out, INTERRUPTED.format(out=out))
        _error(INTERRUPTED.format(out=out))
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
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
