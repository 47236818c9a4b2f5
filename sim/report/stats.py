"""Intervals for the summaries and the comparisons, each kept inside what the metric can be.

* ``wilson``: Wilson's score interval for a binomial proportion (one sender's suspension risk).
* ``count_interval``: a 95% interval for the mean of a count (>= 0, and at most a known bound):
  a score interval with an estimated dispersion (see its docstring for why).
* ``cluster_wilson``: the risk with several senders: Wilson's interval with the effective
  number of sender-replicates that a cluster-robust variance (replicates as clusters) gives.
* ``t_interval``, ``welch``, ``mover``: intervals for differences (sim/report/paired.py):
  the mean of paired differences, an unpaired difference of means, and a difference recovered
  from the two estimates' own intervals (Newcombe's paired-proportion interval is its case).

All of them are closed-form: the same numbers give the same interval, with no random draws.
"""

from __future__ import annotations

import math

from functools import lru_cache

import numpy as np

Z95 = 1.959963984540054  # the standard normal's 97.5% quantile

COUNT_METHOD = "score interval with estimated dispersion (quasi-Poisson), t quantile"
WILSON_METHOD = "Wilson score interval over replicates"
CLUSTER_METHOD = ("Wilson score interval with a cluster-robust effective n "
                  "(replicates as clusters of senders; Korn-Graubard degrees of freedom)")


@lru_cache(maxsize=1024)
def t95(df: float) -> float:
    """Student's t 97.5% quantile with ``df`` degrees of freedom (the normal's when df is
    infinite)."""
    if not math.isfinite(df):
        return Z95
    from scipy.stats import t  # imported here: scipy.stats takes a while to load

    return float(t.ppf(0.975, df))


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (Wilson 1927); ``n`` may be an
    effective (non-integer) sample size."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(max(p * (1 - p), 0.0) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def count_interval(x: np.ndarray, upper: float | None = None) -> tuple[float, float]:
    """95% interval for the mean of a count per replicate, within [0, upper] (upper None: no
    bound known, [0, inf)).

    The method: a score interval with an estimated dispersion, the quasi-likelihood
    generalisation of Wilson's interval (Wilson 1927; Wedderburn 1974). The variance of one
    replicate is taken as phi * V(mu), with V(mu) = mu (a Poisson-like count; with a known
    bound U, V(mu) = mu (1 - mu / U), binomial-like) and the dispersion phi = s^2 / V(mean)
    estimated from the replicates. The interval is every mu with

        n (mean - mu)^2 <= q^2 phi V(mu),      q = t quantile, n - 1 degrees of freedom,

    the roots of a quadratic in mu. Why this one: the normal interval mean +- q s / sqrt(n)
    goes below 0 for rare events and undercovers there (its upper end is too low exactly when
    few events were seen, because s is small then); the score interval lets the variance grow
    with mu, so it is asymmetric the right way, never leaves [0, U], and reduces to the normal
    interval for large, common counts. It needs no random draws (so the same replicates
    always give the same interval) and no iteration. Measured coverage of the 95% interval
    over 1,000 data sets of n = 500 replicates (tests/test_stats.py; the normal interval's in
    brackets): Poisson with mean 0.05: 0.954 (0.934); mean 0.01: 0.973 (0.862, and below 0 in
    about a quarter of the data sets); 0/1 counts with p = 0.1: 0.960 (0.950); lognormal with
    sigma 1: 0.937 (0.932); negative binomial with mean 0.2 and k = 0.1: 0.949 (0.936).

    Special cases: no replicates: NaN; every replicate 0 (or every one at the bound): the
    dispersion cannot be estimated and phi = 1 is used (whole, Poisson-like events, with the
    normal quantile), so 0 events in n replicates give [0, 3.84 / n], near the exact Poisson
    bound 3.69 / n; every replicate equal otherwise (a deterministic count, or one replicate):
    the value itself.
    """
    x = np.asarray(x, dtype=float)
    n = len(x)
    if n == 0:
        return (math.nan, math.nan)
    if np.any(x < 0) or (upper is not None and np.any(x > upper)):
        raise ValueError(f"count_interval: values outside [0, {upper}]: a bug upstream")
    m = float(x.mean())
    bound = math.inf if upper is None else float(upper)
    v = m * (1 - m / bound) if math.isfinite(bound) else m
    s2 = float(x.var(ddof=1)) if n > 1 else 0.0
    if v > 0:
        phi, q = s2 / v, (t95(n - 1) if n > 1 else Z95)
    else:  # all at 0 (or all at the bound): no spread to go on; whole, Poisson-like events
        phi, q = 1.0, Z95
    if phi == 0:
        return (m, m)
    c = q * q * phi / n
    a = 1 + (c / bound if math.isfinite(bound) else 0.0)
    root = math.sqrt(c * (c + 4 * v))
    hi = (2 * m + c + root) / (2 * a)
    lo = m * m / (a * hi) if hi > 0 else 0.0  # the product of the roots is m^2 / a (no cancellation)
    return (max(0.0, min(lo, m)), min(bound, max(hi, m)))


def cluster_wilson(shares: np.ndarray, senders: int) -> tuple[float, float, float]:
    """95% interval for a risk measured on ``senders`` senders in each replicate, from the
    per-replicate shares suspended; also the effective number of sender-replicates.

    The senders of one replicate share a network and a population, so their fates are not
    independent: the replicates are clusters. The estimate is the ratio estimator
    p = sum of suspended / sum of senders (= the mean share, the cluster sizes being equal);
    its cluster-robust variance is var_c = s^2 / R over the R per-replicate shares, and the
    effective sample size n_eff = p (1 - p) / var_c (Kish's design effect: R * senders / n_eff).
    Wilson's interval is then taken with n_eff, as Korn and Graubard (1998) do for survey
    proportions: n_eff is capped at R * senders (a design effect below 1 is not trusted) and
    scaled by (z / t_{R-1})^2 for the R - 1 degrees of freedom of var_c. When p is 0 or 1 the
    correlation cannot be estimated and n_eff = R (senders of a replicate taken as sharing
    their fate: the cautious end). One sender: Wilson over replicates, as ``wilson``.
    """
    y = np.asarray(shares, dtype=float)
    r = len(y)
    if r == 0:
        return (0.0, 1.0, 0.0)
    p = float(y.mean())
    if senders <= 1:
        return (*wilson(p * r, r), float(r))
    if p <= 0 or p >= 1 or r < 2:
        n_eff = float(r)
    else:
        var_c = float(y.var(ddof=1)) / r
        n_eff = min(p * (1 - p) / var_c, float(r * senders)) if var_c > 0 else float(r * senders)
    if r > 1:
        n_eff *= (Z95 / t95(r - 1)) ** 2
    lo, hi = wilson(p * n_eff, n_eff)
    return (lo, hi, n_eff)


def describe(x: np.ndarray, upper: float | None = None) -> dict:
    """Mean, sd, a 95% interval for the mean (``count_interval``) and the 2.5-97.5% range of
    the replicates themselves."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    mean = float(x.mean()) if n else float("nan")
    sd = float(x.std(ddof=1)) if n > 1 else 0.0
    lo, hi = (np.percentile(x, [2.5, 97.5]) if n else (float("nan"),) * 2)
    return {"mean": mean, "sd": sd, "ci95": list(count_interval(x, upper)),
            "range95": [float(lo), float(hi)], "ci95_method": COUNT_METHOD}


# --------------------------------------------------------------------------- differences


def t_interval(d: np.ndarray) -> tuple[float, float]:
    """95% t-interval for the mean of paired differences (Student): mean +- t_{n-1} s / sqrt(n).
    Differences are centred near their mean and far less skewed than the counts themselves,
    and they may be negative, so no transformation is needed. One difference or none: NaN."""
    d = np.asarray(d, dtype=float)
    n = len(d)
    if n < 2:
        return (math.nan, math.nan)
    m = float(d.mean())
    half = t95(n - 1) * float(d.std(ddof=1)) / math.sqrt(n)
    return (m - half, m + half)


def welch(m1: float, s1: float, n1: int, m2: float, s2: float, n2: int) -> tuple[float, float]:
    """95% interval for m1 - m2 from two independent samples (Welch 1947): standard error
    sqrt(s1^2/n1 + s2^2/n2), t quantile with the Welch-Satterthwaite degrees of freedom."""
    if n1 < 2 or n2 < 2:
        return (math.nan, math.nan)
    v1, v2 = s1 * s1 / n1, s2 * s2 / n2
    d = m1 - m2
    se = math.sqrt(v1 + v2)
    if se == 0:
        return (d, d)
    df = (v1 + v2) ** 2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
    half = t95(df) * se
    return (d - half, d + half)


def mover(p1: float, ci1: tuple[float, float], p2: float, ci2: tuple[float, float],
          r: float = 0.0, bounds: tuple[float, float] = (-1.0, 1.0)) -> tuple[float, float]:
    """95% interval for p1 - p2 recovered from each estimate's own 95% interval and the
    correlation ``r`` between the two estimates (MOVER: Zou and Donner 2008; Newcombe 1998):

        lower = d - sqrt((p1 - l1)^2 + (u2 - p2)^2 - 2 r (p1 - l1)(u2 - p2))
        upper = d + sqrt((u1 - p1)^2 + (p2 - l2)^2 - 2 r (u1 - p1)(p2 - l2))

    With Wilson intervals and r the phi coefficient of the paired 0/1 outcomes this is
    Newcombe's interval for a paired difference of proportions (his method 10); with r = 0,
    his hybrid score interval for independent proportions. The asymmetry of the Wilson
    intervals near 0 and 1 carries over, so it stays in ``bounds`` and keeps its coverage for
    rare events, where a t-interval on the 0/1 differences collapses to a point.
    """
    (l1, u1), (l2, u2) = ci1, ci2
    d = p1 - p2
    r = 0.0 if not math.isfinite(r) else r
    lo = d - math.sqrt(max((p1 - l1) ** 2 + (u2 - p2) ** 2 - 2 * r * (p1 - l1) * (u2 - p2), 0.0))
    hi = d + math.sqrt(max((u1 - p1) ** 2 + (p2 - l2) ** 2 - 2 * r * (u1 - p1) * (p2 - l2), 0.0))
    return (max(bounds[0], lo), min(bounds[1], hi))
