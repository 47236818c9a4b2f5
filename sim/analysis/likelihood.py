"""The synthetic likelihood of one case: how likely the simulated replicates of one parameter
draw make what the sender saw (docs/MODEL.md, "Calibration to what a sender saw").

The engine gives no likelihood, only replicates; each observed quantity gets a distribution
fitted to them, and the case's likelihood is

    P(yes/no outcomes) x prod over counts P(count | outcomes) x prod over hours p(hour | outcomes)

* **Yes/no outcomes** (``restricted``, ``suspended``, and those an observed hour implies): k of
  the n replicates show exactly the observed combination of the J = 2^b outcomes observed;
  P = (k + 1/2) / (n + J/2), the posterior predictive under a Jeffreys prior (for one outcome,
  (k + 0.5) / (n + 1)): never 0 or 1, so one unlucky batch of replicates cannot rule a draw out.
* **Counts, given the outcomes**: fitted to the replicates that show the observed outcomes
  (all of them when none do, or when no outcome is observed), so a count that depends on
  them (fewer messages once restricted) is judged among the right replicates. Whole numbers:
  the negative binomial with the replicates' mean (S + 1/2) / n and variance
  max(s^2, mean) (n + 1) / n, which for s^2 <= mean is exactly the posterior predictive of a
  Poisson count under a Jeffreys prior (negative binomial with r = S + 1/2, p = n / (n + 1)), and
  widens for overdispersed counts (shares that cascade). Counts that are not whole numbers
  (means over several senders, weighted unfollows, effort): a Gaussian synthetic likelihood
  (Wood 2010) with the replicates' mean and variance max(s^2, floor) (n + 1) / n.
* **Hours** (``restriction_hour``, ``suspension_hour``, when the event happened): a Gaussian
  kernel density of the replicates' hours (Silverman's bandwidth on a spread of at least
  ``MIN_SPREAD_HOURS``, reflected at hour 0), mixed with a uniform over the horizon with
  weight 1 / (k + 1), so a hour no replicate came near is unlikely, not impossible.

Counts within a case are taken as independent given the outcomes; cases are independent
(their log-likelihoods add).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import logsumexp

MIN_SPREAD_HOURS = 12.0  # half a day: the kernel's spread when the replicates' hours agree


def outcomes_loglik(k: int, n: int, observed: int) -> float:
    """log P of ``observed`` yes/no outcomes seen together in k of n replicates:
    log((k + 1/2) / (n + 2^observed / 2))."""
    return math.log((k + 0.5) / (n + 2 ** observed / 2))


def _is_whole(x) -> bool:
    arr = np.asarray(x, dtype=float)
    return bool(np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)))


def count_loglik(x: float, values: np.ndarray, variance_floor: float = 0.25) -> float:
    """log P(count x) for a count whose replicates took ``values``."""
    v = np.asarray(values, dtype=float)
    n = len(v)
    var = float(v.var(ddof=1)) if n > 1 else 0.0
    if _is_whole(x) and _is_whole(v):
        mean = (float(v.sum()) + 0.5) / n
        target = max(var, mean) * (n + 1) / n
        p = mean / target
        r = mean * p / (1 - p)
        return float(stats.nbinom.logpmf(int(round(x)), r, p))
    mean = float(v.mean())
    sd = math.sqrt(max(var, variance_floor) * (n + 1) / n)
    return float(stats.norm.logpdf(x, mean, sd))


def hour_loglik(h: float, hours: np.ndarray, horizon_hours: float) -> float:
    """log density of an event at hour h, given the hours it happened at in the replicates
    where it happened (none: the uniform over the horizon)."""
    t = np.asarray(hours, dtype=float)
    t = t[np.isfinite(t)]
    k = len(t)
    log_uniform = -math.log(horizon_hours)
    if k == 0:
        return log_uniform
    spread = max(float(t.std(ddof=1)) if k > 1 else 0.0, MIN_SPREAD_HOURS)
    bw = 1.06 * spread * k ** (-0.2)
    kernel = np.concatenate([stats.norm.logpdf(h, t, bw), stats.norm.logpdf(-h, t, bw)])
    log_kde = float(logsumexp(kernel)) - math.log(k)
    return float(np.logaddexp(math.log(k / (k + 1)) + log_kde, math.log(1 / (k + 1)) + log_uniform))


def case_loglik(case, table: pd.DataFrame, horizon_hours: float,
                variance_floor: float = 0.25) -> dict[str, float]:
    """Each observed quantity's log-likelihood term for one case (``case``: an
    observations.Case), from its replicates ``table`` (one row per replicate, the registry's
    columns); the key ``outcomes`` holds the yes/no term. Their sum is the case's."""
    n = len(table)
    terms: dict[str, float] = {}
    match = np.ones(n, dtype=bool)
    outcomes = case.outcomes()
    for name, wanted in outcomes.items():
        match &= table[name].to_numpy().astype(bool) == wanted
    if outcomes:
        terms["outcomes"] = outcomes_loglik(int(match.sum()), n, len(outcomes))
    given = table[match] if match.any() else table
    for name, x in case.counts().items():
        terms[name] = count_loglik(x, given[name].to_numpy(), variance_floor)
    for name, h in case.hours().items():
        terms[name] = hour_loglik(h, given[name].to_numpy(), horizon_hours)
    return terms
