"""How much do paired replicates sharpen a comparison of two strategies?

    .venv/bin/python experiments/paired/variance.py [--replicates 1000] [KEY=VALUE ...]

Runs strategy A (default personal_first) and strategy B (default generic_blast) on the same
scenario (the default one unless overrides are given) with the same replicate keys
(``replicate_seed=S``), and B again with independent keys (``replicate_seed=S+1``). Each run's
per-replicate table is what ``replicates.parquet`` holds; rows are paired by its ``replicate``
column. For each metric it prints the mean difference A - B and the variance of the
per-replicate difference A - B paired and independent, and their ratio: how many times fewer
replicates a paired comparison needs for the same precision. With ``--folders A B C`` it reads
three finished run folders instead (A and B with the same replicate seed, C another).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

METRICS = ("reach", "supporters", "direct_supporters", "annoyed", "unfollows", "reports")


def replicates(strategy: str, replicate_seed: int, n: int, seed: int, overrides) -> pd.DataFrame:
    from sim.config import compose
    from sim.engine.simulate import simulate

    cfg = compose([f"strategy={strategy}", f"replicates={n}", f"seed={seed}",
                   f"replicate_seed={replicate_seed}", "output.progress=false", *overrides])
    return simulate(cfg).replicates


def table(a: pd.DataFrame, b: pd.DataFrame, b_other: pd.DataFrame, metrics=METRICS) -> pd.DataFrame:
    """Per metric: mean A - B, variance of A - B paired (same replicate keys) and independent,
    and the ratio independent / paired. Rows are matched on the ``replicate`` column."""
    paired = pd.merge(a, b, on="replicate", suffixes=("_a", "_b"))
    indep = pd.merge(a, b_other, on="replicate", suffixes=("_a", "_b"))
    rows = []
    for m in metrics:
        d_paired = paired[f"{m}_a"].astype(float) - paired[f"{m}_b"].astype(float)
        d_indep = indep[f"{m}_a"].astype(float) - indep[f"{m}_b"].astype(float)
        v_paired, v_indep = d_paired.var(), d_indep.var()
        rows.append({"metric": m, "mean A - B": d_paired.mean(), "var paired": v_paired,
                     "var independent": v_indep,
                     "ratio": v_indep / v_paired if v_paired > 0 else float("inf")})
    return pd.DataFrame(rows).set_index("metric")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python experiments/paired/variance.py",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0, help="master seed (network, population)")
    parser.add_argument("--replicate-seed", type=int, default=1,
                        help="replicate seed of the paired runs (the independent run uses +1)")
    parser.add_argument("--strategies", nargs=2, default=["personal_first", "generic_blast"],
                        metavar=("A", "B"))
    parser.add_argument("--folders", nargs=3, type=Path, metavar=("A", "B", "C"),
                        help="read replicates.parquet from three run folders instead")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of the scenario")
    args = parser.parse_args(argv)
    if args.folders:
        a, b, c = (pd.read_parquet(f / "replicates.parquet") for f in args.folders)
        label = " / ".join(str(f) for f in args.folders)
    else:
        sa, sb = args.strategies
        rs = args.replicate_seed
        a = replicates(sa, rs, args.replicates, args.seed, args.overrides)
        b = replicates(sb, rs, args.replicates, args.seed, args.overrides)
        c = replicates(sb, rs + 1, args.replicates, args.seed, args.overrides)
        label = (f"A = {sa}, B = {sb}; {args.replicates} replicates; replicate_seed {rs} for both "
                 f"(paired) or {rs + 1} for B (independent); {' '.join(args.overrides) or 'default scenario'}")
    print(label)
    print(table(a, b, c).to_string(float_format=lambda x: f"{x:,.3f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
