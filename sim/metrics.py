"""Per-run summaries: means with intervals, suspension risk with a Wilson interval."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .engine import SERIES

METRICS = (
    "reach", "supporters", "direct_supporters", "unfollows", "unfollows_weighted",
    "close_ties_lost", "annoyed", "close_ties_annoyed", "people_annoyed", "reports",
    "messages_sent", "personal_notes", "effort_hours",
)
Z95 = 1.959963984540054


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


def summarize(df: pd.DataFrame) -> dict:
    out = {name: describe(df[name].to_numpy()) for name in METRICS if name in df}
    n = len(df)
    susp = df["suspended"].to_numpy(dtype=float)
    k = float(susp.sum())
    hours = df["suspension_hour"].dropna().to_numpy()
    out["suspension_risk"] = {
        "p": k / n if n else float("nan"),
        "wilson95": list(wilson(k, n)),
        "suspended_replicates": k,
        "replicates": n,
        "median_suspension_hour": float(np.median(hours)) if len(hours) else None,
    }
    return out


def timeseries_table(series: np.ndarray) -> pd.DataFrame:
    """Hour x metric: mean and 5% / 95% quantiles over replicates (long format)."""
    h, m, _ = series.shape
    mean = series.mean(axis=2)
    q = np.quantile(series, [0.05, 0.95], axis=2)
    hours = np.repeat(np.arange(h), m)
    names = np.tile(np.array(SERIES, dtype=object), h)
    return pd.DataFrame({
        "hour": hours, "metric": names, "mean": mean.ravel(),
        "q05": q[0].ravel(), "q95": q[1].ravel(),
    })
