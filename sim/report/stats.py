"""Intervals for the summaries: a normal interval for a mean, Wilson's for a proportion."""

from __future__ import annotations

import math

import numpy as np

Z95 = 1.959963984540054  # the standard normal's 97.5% quantile


def wilson(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (Wilson 1927)."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def describe(x: np.ndarray) -> dict:
    """Mean, sd, a 95% confidence interval for the mean (normal approximation), and the
    2.5-97.5% range of the replicates themselves."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    mean = float(x.mean()) if n else float("nan")
    sd = float(x.std(ddof=1)) if n > 1 else 0.0
    half = Z95 * sd / math.sqrt(n) if n else float("nan")
    lo, hi = (np.percentile(x, [2.5, 97.5]) if n else (float("nan"),) * 2)
    return {"mean": mean, "sd": sd, "ci95": [mean - half, mean + half],
            "range95": [float(lo), float(hi)]}
