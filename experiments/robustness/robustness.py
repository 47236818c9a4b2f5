"""How robust is a conclusion? The share of the uncertainty in which strategy A beats B.

    .venv/bin/python experiments/robustness/robustness.py EXPERIMENT [--draws 40]
        [--replicates 100] [--out results/robustness] [KEY=VALUE ...]

An experiment's headline compares ways of asking at the defaults. Every default of the
calibration table that is an assumption has a plausible range (docs/MODEL.md); this script
draws ``--draws`` points from those ranges (``uncertainty=default``: every range at once,
uniform or loguniform by the table's scale), and at each point runs every way of asking the
experiment compares, with the same seed and replicate seed (the same network, people and
draws: paired), and compares each with the experiment's baseline (the generic blast) on the
outcomes a sender cares about. A point counts as *better* when the paired 95% interval of the
difference lies on the better side of 0, *worse* on the other side, otherwise *no detectable
difference*. The table gives, per strategy and outcome, the shares of the points in each
class: "personal_first has more supporters than the blast in 100% of the uncertainty" is a
conclusion that does not rest on one set of assumed numbers; "in 55%" is one that does.

Experiments: flat_army and real_network (each strategy against the generic blast), and for
stagger_grid, rate_by_batch and reciprocity the settings their headlines compare (``ENTRIES``:
batch sizes under each rule, the fraction of senders).
Writes ``robustness_EXPERIMENT.md`` and ``robustness_EXPERIMENT.parquet`` (one row per point,
strategy and outcome) into --out.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

STRATEGIES = ("personal_first", "staggered", "blast_then_personal")
BASELINE = "generic_blast"
OUTCOMES = ("supporters", "replies", "reach", "close_ties_annoyed", "unfollows", "restricted")
# Experiments that compare settings of one strategy rather than strategies: each entry (a
# label and its overrides) against the first, on the outcomes its headline is about.
ENTRIES = {
    "stagger_grid": ([("count, 900 a day", ["platform=count", "strategy.batch_size=900"]),
                      ("count, 100 a day", ["platform=count", "strategy.batch_size=100"]),
                      ("rate, 900 a day", ["platform=rate", "strategy.batch_size=900"]),
                      ("rate, 100 a day", ["platform=rate", "strategy.batch_size=100"])],
                     ("restricted", "supporters")),
    "rate_by_batch": ([("1,800 at once", ["strategy.batch_size=1800"]),
                       ("100 a day", ["strategy.batch_size=100"]),
                       ("10 a day", ["strategy.batch_size=10"])],
                      ("restricted",)),
    "reciprocity": ([("f = 0.05", ["senders.fraction=0.05"]),
                     ("f = 0.4", ["senders.fraction=0.4"]),
                     ("f = 1", ["senders.fraction=1.0"])],
                    ("replies", "supporters", "close_ties_annoyed")),
}


def entries(experiment: str):
    """(labels and overrides of the runs compared, the first the baseline; the outcomes)."""
    if experiment in ENTRIES:
        return ENTRIES[experiment]
    return ([(BASELINE, [f"strategy={BASELINE}"])]
            + [(s, [f"strategy={s}"]) for s in STRATEGIES], OUTCOMES)


def point_configs(experiment: str, draws: int, seed: int, extra: list[str]):
    """The experiment's config for each strategy, and the uncertain keys with their values at
    each of the ``draws`` points (one row per point)."""
    from sim.config import compose
    from sim.config import uncertainty as unc

    runs, _ = entries(experiment)
    base = {label: compose([f"+experiment={experiment}", *overrides, "uncertainty=default",
                            "output.progress=false", *extra])
            for label, overrides in runs}
    dists = unc.load(base[runs[0][0]])
    rng = np.random.default_rng(seed)
    # one uniform per key and point, mapped by each key's inverse CDF
    u = rng.random((draws, len(dists)))
    values = np.column_stack([d.ppf(u[:, j]) for j, d in enumerate(dists)])
    return base, dists, values


def paired(a: np.ndarray, b: np.ndarray, better: str) -> str:
    from sim.report.stats import t_interval

    d = np.asarray(a, float) - np.asarray(b, float)
    if np.all(d == d[0]):
        lo = hi = float(d[0])
    else:
        lo, hi = t_interval(d)
    if lo <= 0 <= hi:
        return "no difference"
    up = lo > 0
    return "better" if (up == (better == "higher")) else "worse"


def main(argv=None) -> int:
    from sim import metrics
    from sim.config import uncertainty as unc
    from sim.engine.simulate import simulate

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("experiment")
    ap.add_argument("--draws", type=int, default=40)
    ap.add_argument("--replicates", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0, help="seed of the points drawn")
    ap.add_argument("--out", default="results/robustness")
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args(argv)
    base, dists, values = point_configs(args.experiment, args.draws, args.seed, args.overrides)
    labels = list(base)
    baseline, compared = labels[0], labels[1:]
    outcomes = entries(args.experiment)[1]
    rows, t0 = [], time.time()
    for k in range(args.draws):
        runs = {}
        for s, cfg in base.items():
            c = unc.apply(cfg, dists, values[k])
            c.replicates = args.replicates
            c.replicate_seed = 1000 + k
            runs[s] = simulate(c).replicates
        for s in compared:
            for m in outcomes:
                better = metrics.BY_NAME[m].better
                rows.append({"point": k, "strategy": s, "outcome": m,
                             "difference": float((runs[s][m].astype(float)
                                                  - runs[baseline][m].astype(float)).mean()),
                             "verdict": paired(runs[s][m], runs[baseline][m], better)})
        print(f"point {k + 1}/{args.draws} ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    df = pd.DataFrame(rows)
    for d, j in zip(dists, range(len(dists))):
        df[d.key] = values[df["point"].to_numpy(), j]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_parquet(out / f"robustness_{args.experiment}.parquet", index=False)
    lines = [f"# How robust is {args.experiment}? Each run against {baseline}",
             "",
             f"{args.draws} points drawn from every plausible range of the calibration table at "
             f"once (`uncertainty=default`, {len(dists)} keys), {args.replicates} paired "
             "replicates per run at each point. Per outcome: the share of points at which "
             f"the run is detectably better than {baseline} (paired 95% interval on the "
             "better side of 0), shows no detectable difference, or is detectably worse; and "
             "the median difference over the points.",
             "",
             "| run | outcome | better | no difference | worse | median difference |",
             "|---|---|---|---|---|---|"]
    for (s, m), g in df.groupby(["strategy", "outcome"], sort=False):
        share = g["verdict"].value_counts(normalize=True)
        lines.append(f"| {s} | {m} | {share.get('better', 0):.0%} | "
                     f"{share.get('no difference', 0):.0%} | {share.get('worse', 0):.0%} | "
                     f"{g['difference'].median():+.3g} |")
    lines += ["", f"Command: `python experiments/robustness/robustness.py {args.experiment} "
              f"--draws {args.draws} --replicates {args.replicates} --seed {args.seed}`"
              f"{' ' + ' '.join(args.overrides) if args.overrides else ''}; "
              f"{time.time() - t0:.0f} s."]
    text = "\n".join(lines) + "\n"
    (out / f"robustness_{args.experiment}.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
