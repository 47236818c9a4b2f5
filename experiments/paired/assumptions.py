"""Which assumption does a headline rest on? The notes' gains across their assumptions' ranges.

    .venv/bin/python experiments/paired/assumptions.py [--replicates 500] [--out results/paired]

For each setting of one assumption (the others at their defaults), runs personal_first and
generic_blast on the default scenario with the same replicate keys (paired replicates, see
docs/MODEL.md) and reports the paired difference personal_first - generic_blast of the
outcomes a sender cares about, with its 95% t-interval ("no detectable difference" when the
interval holds 0). The settings are the ends of each assumption's plausible range in the
calibration table of docs/MODEL.md and its default:

* ``population.personal_share_multiplier``: how much more often a note is shared than a generic
  ask (default 1.5 from Aral & Walker; plausible 1-4);
* ``population.read_prob_personal_base``: how often a note is read (default 0.8, our
  assumption; 0.5 = as often as a generic ask);
* ``population.reply_prob_personal_base``: how often a note is answered (default 0.3).

Writes ``assumptions.md`` (one table) into --out.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

METRICS = ("reach", "supporters", "replies", "close_ties_annoyed", "reports")
SETTINGS = (
    ("defaults", ()),
    ("personal_share_multiplier=1", ("population.personal_share_multiplier=1",)),
    ("personal_share_multiplier=4", ("population.personal_share_multiplier=4",)),
    ("read_prob_personal_base=0.5", ("population.read_prob_personal_base=0.5",
                                     "population.read_prob_personal_tie_gain=0.45")),
    ("reply_prob_personal_base=0.1", ("population.reply_prob_personal_base=0.1",)),
)


def run(strategy: str, overrides, n: int) -> pd.DataFrame:
    from sim.config import compose
    from sim.engine.simulate import simulate

    cfg = compose([f"strategy={strategy}", f"replicates={n}", "replicate_seed=11",
                   "output.progress=false", *overrides])
    return simulate(cfg).replicates


def main(argv=None) -> int:
    from sim.report.stats import t_interval

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--replicates", type=int, default=500)
    ap.add_argument("--out", default="results/paired")
    args = ap.parse_args(argv)
    rows = []
    for label, overrides in SETTINGS:
        a = run("personal_first", overrides, args.replicates)
        b = run("generic_blast", overrides, args.replicates)
        row = {"setting": label}
        for m in METRICS:
            d = a[m].to_numpy(float) - b[m].to_numpy(float)
            lo, hi = t_interval(d)
            mean = d.mean()
            row[m] = (f"{mean:+.2f} [{lo:+.2f}, {hi:+.2f}]" if not lo <= 0 <= hi
                      else f"no detectable difference ({mean:+.2f} [{lo:+.2f}, {hi:+.2f}])")
        rows.append(row)
        print(row, flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    lines = ["| setting | " + " | ".join(METRICS) + " |", "|---" * (len(METRICS) + 1) + "|"]
    lines += ["| " + " | ".join(str(r[c]) for c in ["setting", *METRICS]) + " |" for r in rows]
    text = ("# personal_first - generic_blast, paired, across the notes' assumptions\n\n"
            f"{args.replicates} paired replicates per setting (replicate_seed=11, seed 0, the "
            "default scenario); 95% t-intervals of the paired differences.\n\n"
            + "\n".join(lines) + "\n")
    (out / "assumptions.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
