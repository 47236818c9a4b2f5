"""Importance weights and what they say: normalised weights, the effective sample size, weighted
means and quantiles, each key's posterior summary, and the distribution per key written to
``posterior.yaml`` (docs/MODEL.md, "Calibration to what a sender saw").

The draws come from the prior, so a draw's weight is its likelihood (normalised to sum to 1).
``posterior.yaml`` summarises the weighted draws key by key as a **beta distribution scaled to
the prior's bounds** (``Dist.bounds()``), fitted by the weighted mean and variance:
closed-form, never outside what the prior allowed, skewed where the draws are (a beta with
a < 1 takes a loguniform's pile-up at the low end), and as wide as the prior's own moments
when the data say nothing. Correlations between keys are dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp


def normalise(logw: np.ndarray) -> np.ndarray:
    """Weights summing to 1 from log-weights (ValueError when every one is -inf or NaN)."""
    logw = np.asarray(logw, dtype=float)
    logw = np.where(np.isnan(logw), -np.inf, logw)
    total = logsumexp(logw)
    if not np.isfinite(total):
        raise ValueError("every draw has likelihood 0")
    return np.exp(logw - total)


def ess(w: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2."""
    w = np.asarray(w, dtype=float)
    return float(w.sum() ** 2 / np.sum(w ** 2))


def mean(x: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * x) / np.sum(w))


def var(x: np.ndarray, w: np.ndarray) -> float:
    m = mean(x, w)
    return float(np.sum(w * (x - m) ** 2) / np.sum(w))


def quantile(x: np.ndarray, w: np.ndarray, q) -> np.ndarray:
    """Weighted quantiles: the inverse of the weighted empirical distribution, each draw's
    weight centred on its value (with equal weights, numpy's 'hazen' quantiles)."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order] / w.sum()
    cum = np.cumsum(ws) - ws / 2
    return np.interp(q, cum, xs)


def mean_ess(x: np.ndarray, w: np.ndarray) -> float:
    """The effective sample size for the weighted mean of x: how many independent posterior
    draws would estimate it as precisely (posterior variance over the estimator's variance,
    sum w^2 (x - mean)^2 with normalised weights)."""
    w = np.asarray(w, dtype=float) / np.sum(w)
    m = float(np.sum(w * x))
    spread = float(np.sum(w * (x - m) ** 2))
    noise = float(np.sum(w ** 2 * (x - m) ** 2))
    return float(spread / noise) if noise > 0 else float("inf")


def is_log(dist) -> bool:
    """Whether a prior is drawn on a logarithmic scale (its name says so: loguniform, ...)."""
    return str(dist.dist).lower().startswith("log")


def scale(dist, x: np.ndarray) -> np.ndarray:
    """Values on the prior's own scale: their logarithm for a log-scaled prior."""
    x = np.asarray(x, dtype=float)
    return np.log(x) if is_log(dist) else x


@dataclass(frozen=True)
class KeySummary:
    """One uncertain key, prior against posterior (values on the key's own unit)."""

    key: str
    low: float  # the prior's bounds (its plausible range)
    high: float
    log: bool  # drawn on a logarithmic scale
    prior_mean: float
    prior_q05: float
    prior_q95: float
    mean: float  # posterior
    q05: float
    q50: float
    q95: float
    ess: float  # effective sample size of the posterior mean
    sd_ratio: float  # posterior sd over prior sd, on the prior's scale: 1 = not narrowed
    shift: float  # |posterior mean - prior mean| in prior sds, on the prior's scale

    @property
    def moved(self) -> float:
        """How far the observations moved the key: shift plus narrowing."""
        return self.shift + max(0.0, 1.0 - self.sd_ratio)


def summarise(dists, values: np.ndarray, w: np.ndarray) -> list[KeySummary]:
    """Each key's prior (the unweighted draws; its 90% interval from the prior itself) and
    posterior (the weighted draws)."""
    values = np.asarray(values, dtype=float)
    uniform = np.full(len(values), 1.0 / len(values))
    out = []
    for i, d in enumerate(dists):
        x = values[:, i]
        s = scale(d, x)
        prior_sd = math.sqrt(var(s, uniform))
        post_sd = math.sqrt(var(s, w))
        lo, hi = d.bounds()
        p05, p95 = (float(v) for v in np.asarray(d.ppf(np.array([0.05, 0.95])), dtype=float))
        q05, q50, q95 = quantile(x, w, [0.05, 0.5, 0.95])
        out.append(KeySummary(
            key=d.key, low=float(lo), high=float(hi), log=is_log(d),
            prior_mean=mean(x, uniform), prior_q05=p05, prior_q95=p95,
            mean=mean(x, w), q05=float(q05), q50=float(q50), q95=float(q95),
            ess=mean_ess(x, w),
            sd_ratio=post_sd / prior_sd if prior_sd > 0 else 1.0,
            shift=abs(mean(s, w) - mean(s, uniform)) / prior_sd if prior_sd > 0 else 0.0,
        ))
    return out


def beta_moments(m: float, v: float) -> tuple[float, float]:
    """Beta(a, b) on [0, 1] with mean m and variance v (v capped just below m (1 - m), the
    largest a distribution on [0, 1] with that mean can have)."""
    m = min(max(m, 1e-9), 1 - 1e-9)
    v = min(max(v, 1e-12), 0.999 * m * (1 - m))
    common = m * (1 - m) / v - 1
    return m * common, (1 - m) * common


def fit(dist, x: np.ndarray, w: np.ndarray) -> tuple[str, dict]:
    """The posterior of one key as a distribution for ``posterior.yaml``: a beta scaled to the
    prior's bounds, with the weighted mean and variance of the draws (on the key's own scale,
    also for a log-scaled prior: a beta with a < 1 takes the loguniform's skew). Returns
    (dist name, params) as sim/config/uncertainty.py reads them."""
    lo, hi = (float(b) for b in dist.bounds())
    x = np.asarray(x, dtype=float)
    if not hi > lo:  # a point prior: nothing to fit
        lo, hi = lo - 0.5, hi + 0.5
    a, b = beta_moments((mean(x, w) - lo) / (hi - lo), var(x, w) / (hi - lo) ** 2)
    return "beta", {"a": float(a), "b": float(b), "low": lo, "high": hi}
