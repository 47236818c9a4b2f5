"""Differences between two runs, metric by metric: paired when the two runs drew the same
replicates, unpaired otherwise (used by ``outreach compare``, sim/report/compare.py).

**When runs are paired.** Replicate i of a run is drawn from the run's replicate seed
(``replicate_seed``, or, when that is null, the stream the master ``seed`` gives the
replicates). Two runs with the same replicate seed and the same number of replicates, both
with their ``replicates.parquet``, are compared replicate by replicate: replicate i of one
against replicate i of the other (common random numbers). Anything else is compared as two
independent samples, and says so.

**Paired.** d_i = entry_i - baseline_i for every replicate i:

* a count: the mean of d and Student's t-interval of it (``stats.t_interval``);
* the risk: the difference of the two shares suspended, with the interval recovered from each
  run's own Wilson interval (cluster-robust with several senders) and the correlation of
  their per-replicate values (``stats.mover``: with one sender, Newcombe's interval for a
  paired difference of proportions);
* the share of replicates in which the entry is better than the baseline (the registry's
  ``better``: higher or lower), worse, and tied; none for a metric that is neither.

**Unpaired.** From the two summaries: a count by Welch's interval, the risk by ``stats.mover``
with no correlation (Newcombe's hybrid score interval); no shares (there are no pairs).

A difference whose interval holds 0 is "no detectable difference". Everything here is a pure
function of two tables or two summaries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim import metrics
from sim.report.stats import cluster_wilson, mover, t_interval, welch

REPLICATE = "replicate"  # the replicate number column of replicates.parquet

PAIRED_T = "paired t-interval of the mean difference"
PAIRED_RISK = "paired difference of proportions (Newcombe / MOVER with Wilson intervals)"
WELCH = "unpaired: Welch's interval"
UNPAIRED_RISK = "unpaired: Newcombe's hybrid score interval (MOVER, no correlation)"


@dataclass(frozen=True)
class Difference:
    """One metric's difference entry - baseline."""

    metric: str
    mean: float
    ci95: tuple[float, float]
    paired: bool
    n: int  # pairs when paired; else the entry's replicates
    method: str
    better: float | None = None  # shares of pairs: the entry better, worse, the same
    worse: float | None = None
    tied: float | None = None

    @property
    def detectable(self) -> bool:
        """True when the 95% interval excludes 0 (a NaN interval detects nothing)."""
        lo, hi = self.ci95
        return bool(lo > 0 or hi < 0)

    @property
    def verdict(self) -> str:
        """In words: 'no detectable difference', else better/worse (or higher/lower for a
        metric that is neither)."""
        if not self.detectable:
            return "no detectable difference"
        up = self.ci95[0] > 0
        way = metrics.BY_NAME[self.metric].better
        if way == metrics.NEITHER:
            return "higher" if up else "lower"
        good = up == (way == metrics.HIGHER)
        return f"{'better' if good else 'worse'} ({'higher' if up else 'lower'})"


# --------------------------------------------------------------------------- pairing


def replicate_stream(seed: int | None, replicate_seed: int | None):
    """What a run's replicates are drawn from: its replicate seed, or else its master seed's
    replicate stream; None when unknown."""
    if replicate_seed is not None:
        return ("replicate_seed", int(replicate_seed))
    if seed is not None:
        return ("seed", int(seed))
    return None


def unpaired_reason(entry, baseline, entry_reps: pd.DataFrame | None,
                    base_reps: pd.DataFrame | None) -> str | None:
    """Why two runs (``Summary``-like: seed, replicate_seed, replicates) cannot be compared
    replicate by replicate; None when they can."""
    a = replicate_stream(entry.seed, entry.replicate_seed)
    b = replicate_stream(baseline.seed, baseline.replicate_seed)
    if a is None or b is None or a != b:
        return "replicate seeds differ"
    if entry.replicates != baseline.replicates:
        return "numbers of replicates differ"
    if entry_reps is None or base_reps is None:
        return "no replicates.parquet"
    if REPLICATE in entry_reps and REPLICATE in base_reps:
        if sorted(entry_reps[REPLICATE]) != sorted(base_reps[REPLICATE]):
            return "replicate numbers differ"
    elif len(entry_reps) != len(base_reps):
        return "numbers of replicates differ"
    return None


def _aligned(entry_reps: pd.DataFrame, base_reps: pd.DataFrame, name: str):
    if REPLICATE in entry_reps and REPLICATE in base_reps:
        a = entry_reps.set_index(REPLICATE)[name].sort_index()
        b = base_reps.set_index(REPLICATE)[name].sort_index()
        return a.to_numpy(float), b.to_numpy(float)
    return entry_reps[name].to_numpy(float), base_reps[name].to_numpy(float)


# --------------------------------------------------------------------------- differences


def shares(d: np.ndarray, better: str) -> tuple[float | None, float | None, float | None]:
    """Shares of the differences d (entry - baseline) in which the entry is better, worse and
    tied, by the registry's direction; (None, None, None) for a metric that is neither."""
    d = np.asarray(d, dtype=float)
    if better == metrics.NEITHER or len(d) == 0:
        return (None, None, None)
    up, down = float(np.mean(d > 0)), float(np.mean(d < 0))
    tied = float(np.mean(d == 0))
    return (up, down, tied) if better == metrics.HIGHER else (down, up, tied)


def _corr(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation; 0 when either is constant."""
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


def paired_difference(name: str, entry: np.ndarray, baseline: np.ndarray,
                      senders: tuple[int, int] = (1, 1)) -> Difference:
    """Replicate i of ``entry`` against replicate i of ``baseline`` (same length, same order).

    ``senders``: the entry's and the baseline's senders per replicate (the risk's intervals
    treat them as clusters)."""
    x, y = np.asarray(entry, dtype=float), np.asarray(baseline, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"paired_difference({name}): {x.shape} and {y.shape} replicates")
    d = x - y
    mean = float(d.mean()) if len(d) else math.nan
    m = metrics.BY_NAME[name]
    if m.kind == metrics.PROPORTION:
        lx, hx, _ = cluster_wilson(x, senders[0])
        ly, hy, _ = cluster_wilson(y, senders[1])
        ci = mover(float(x.mean()), (lx, hx), float(y.mean()), (ly, hy), _corr(x, y))
        method = PAIRED_RISK
    else:
        ci = t_interval(d)
        method = PAIRED_T
    better, worse, tied = shares(d, m.better)
    return Difference(name, mean, ci, True, len(d), method, better, worse, tied)


def unpaired_difference(name: str, entry, baseline) -> Difference:
    """From two summaries (``sim.report.summary.Summary``): independent samples."""
    if metrics.BY_NAME[name].kind == metrics.PROPORTION:
        p1, p2 = entry.mean(name), baseline.mean(name)
        ci = mover(p1, entry.ci(name), p2, baseline.ci(name), 0.0)
        return Difference(name, p1 - p2, ci, False, entry.replicates or 0, UNPAIRED_RISK)
    m1, m2 = entry.mean(name), baseline.mean(name)
    ci = welch(m1, entry.sd(name), entry.replicates or 0, m2, baseline.sd(name),
               baseline.replicates or 0)
    return Difference(name, m1 - m2, ci, False, entry.replicates or 0, WELCH)


def differences(entry, baseline, entry_reps: pd.DataFrame | None, base_reps: pd.DataFrame | None,
                names: tuple[str, ...]) -> tuple[list[Difference], str | None]:
    """Each metric of ``names``: entry - baseline, paired when the runs allow it; and the reason
    they are not paired (None when they are)."""
    reason = unpaired_reason(entry, baseline, entry_reps, base_reps)
    out = []
    for name in names:
        if reason is None and name in entry_reps and name in base_reps:
            x, y = _aligned(entry_reps, base_reps, name)
            out.append(paired_difference(name, x, y, (entry.senders or 1, baseline.senders or 1)))
        else:
            out.append(unpaired_difference(name, entry, baseline))
    return out, reason
