"""``summary.json``: its one writer and its one reader.

A run's summary says what ran (strategy, platform rule, network, seeds, the resolved config)
and its metrics: for each count of the registry (sim/metrics.py) the mean, sd, a 95% interval
of the mean that stays in the count's possible range (``ci95``, its method in ``ci95_method``)
and the 2.5-97.5% range of replicates; for the risk, the share suspended with a Wilson interval
(several senders: with a cluster-robust effective n; ``wilson95_method`` says which) and the
median hour. The intervals are computed in sim/report/stats.py. Sweeps, ``outreach compare`` and the command's table read
it through ``read`` and the ``Summary`` it returns, never by parsing the file themselves.

``schema_version`` changes whenever a reader of the old layout would misread the new one
(2: the intervals' methods, the risk's senders and effective n).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim import __version__, metrics
from sim.errors import ResultsError
from sim.report import folders
from sim.report.stats import CLUSTER_METHOD, WILSON_METHOD, cluster_wilson, describe

SCHEMA_VERSION = 2  # 2: restriction_risk beside suspension_risk; interval methods named
FILE = folders.SUMMARY


# --------------------------------------------------------------------------- building


def summarize(replicates: pd.DataFrame, senders: int = 1, nodes: int | None = None) -> dict:
    """The metrics block: every registry metric found among the replicates' columns.

    ``senders``: how many senders each replicate has (the risk's interval treats them as a
    cluster); ``nodes``: the network's number of people, the bound of the metrics the registry
    says are at most that (``Metric.at_most``)."""
    out = {}
    for m in metrics.REGISTRY:
        if m.kind == metrics.COUNT and m.name in replicates:
            upper = nodes if m.at_most == metrics.NETWORK_SIZE else None
            out[m.name] = describe(replicates[m.name].to_numpy(), upper=upper)
    for name, (key, hour) in metrics.RISKS.items():
        out[key] = risk_block(replicates[name].to_numpy(dtype=float),
                              replicates[hour].dropna().to_numpy(), senders)
    return out


def risk_block(hit: np.ndarray, hours: np.ndarray, senders: int = 1) -> dict:
    """A proportion over replicates with its Wilson interval (with several senders, over
    sender-replicates with replicates as clusters), and the median hour it happened."""
    n = len(hit)
    k = float(hit.sum())
    lo, hi, n_eff = cluster_wilson(hit, senders)
    return {
        "p": k / n if n else float("nan"),
        "wilson95": [lo, hi],
        "wilson95_method": WILSON_METHOD if senders <= 1 else CLUSTER_METHOD,
        "effective_n": n_eff,
        "replicates_hit": k,
        "replicates": n,
        "senders": int(senders),
        "median_hour": float(np.median(hours)) if len(hours) else None,
    }


def timeseries_table(series: np.ndarray) -> pd.DataFrame:
    """Hour x metric (the registry's series): mean and 5% / 95% quantiles over replicates
    (long format)."""
    h, m, _ = series.shape
    mean = series.mean(axis=2)
    q = np.quantile(series, [0.05, 0.95], axis=2)
    hours = np.repeat(np.arange(h), m)
    names = np.tile(np.array(metrics.names(metrics.SERIES), dtype=object), h)
    return pd.DataFrame({
        "hour": hours, "metric": names, "mean": mean.ravel(),
        "q05": q[0].ravel(), "q95": q[1].ravel(),
    })


def build(cfg: DictConfig, scenario, replicates: pd.DataFrame, elapsed_seconds: float,
          net_info: dict) -> dict:
    """The summary of a finished run of ``cfg`` on ``scenario`` (sim.engine.scenario);
    ``net_info``: ``scenario.network.describe()``, which the caller has already computed (it
    measures clustering: not work to do twice on a large graph)."""
    # a user strategy (`+strategy._target_=...`) sits on a schema that already has a name
    strategy = cfg.strategy.get("_target_") or cfg.strategy.get("name")
    return {
        "schema_version": SCHEMA_VERSION,
        "outreach_sim_version": __version__,
        "strategy": strategy,
        "platform": {"rule": cfg.platform.rule, "limit": scenario.platform.limit_text()},
        "network": net_info,
        "senders": int(scenario.population.n_senders),
        "tie_strength_from": scenario.population.tie_source,
        "replicates": int(cfg.replicates),
        "seed": int(cfg.seed),
        "replicate_seed": None if cfg.get("replicate_seed") is None else int(cfg.replicate_seed),
        "horizon_hours": int(cfg.horizon_hours),
        "elapsed_seconds": round(elapsed_seconds, 3),
        "metrics": summarize(replicates, senders=int(scenario.population.n_senders),
                             nodes=int(net_info["nodes"])),
        "config": OmegaConf.to_container(cfg, resolve=True),
    }


def write(folder: Path, summary: dict) -> None:
    """Write summary.json, the last file of a run, then mark the folder complete."""
    folders.write_json(Path(folder) / FILE, summary)
    folders.mark_complete(folder)


# --------------------------------------------------------------------------- reading


@dataclass
class Summary:
    """A finished run's summary, as read from its folder."""

    folder: Path
    data: dict

    @property
    def metrics(self) -> dict:
        return self.data["metrics"]

    @property
    def strategy(self) -> str:
        return self.data.get("strategy")

    @property
    def network_name(self) -> str:
        return self.data.get("network", {}).get("name")

    @property
    def platform_limit(self) -> str:
        return self.data.get("platform", {}).get("limit")

    @property
    def replicates(self) -> int:
        return self.data.get("replicates")

    @property
    def senders(self) -> int:
        return self.data.get("senders", 1)

    @property
    def seed(self) -> int | None:
        return self.data.get("seed")

    @property
    def replicate_seed(self) -> int | None:
        return self.data.get("replicate_seed")

    @property
    def horizon_hours(self) -> int | None:
        return self.data.get("horizon_hours")

    @property
    def config(self) -> dict | None:
        return self.data.get("config")

    def mean(self, name: str) -> float:
        """A count's mean, or a risk's share of replicates."""
        if name in metrics.RISKS:
            return self.metrics[metrics.RISKS[name][0]]["p"]
        return self.metrics.get(name, {}).get("mean", math.nan)

    def ci(self, name: str) -> tuple[float, float]:
        """95% interval: of the mean for a count, Wilson's for a risk."""
        if name in metrics.RISKS:
            lo, hi = self.metrics[metrics.RISKS[name][0]]["wilson95"]
            return lo, hi
        lo, hi = self.metrics.get(name, {}).get("ci95", (math.nan, math.nan))
        return lo, hi

    def median_hour(self, name: str) -> float | None:
        """The median hour of a risk's event among the replicates where it happened."""
        return self.metrics[metrics.RISKS[name][0]]["median_hour"]

    def sd(self, name: str) -> float:
        """The sd of a count over replicates."""
        return self.metrics.get(name, {}).get("sd", math.nan)

    def range95(self, name: str) -> tuple[float, float]:
        lo, hi = self.metrics.get(name, {}).get("range95", (math.nan, math.nan))
        return lo, hi

    @property
    def risk(self) -> float:
        """The risk the comparisons put against reach (metrics.RISK)."""
        return self.mean(metrics.RISK)

    @property
    def risk_ci(self) -> tuple[float, float]:
        return self.ci(metrics.RISK)

    @property
    def risk_method(self) -> str:
        return self.metrics[metrics.RISK_SUMMARY].get("wilson95_method", WILSON_METHOD)

    def row(self) -> dict:
        """The numbers as flat columns (one row of sweep.parquet): what ran, each count's mean
        and 95% interval, each risk with its Wilson interval and median hour."""
        d = self.data
        row = {
            "job_seed": d.get("replicate_seed"),
            "strategy_name": self.strategy,
            "platform_rule": d.get("platform", {}).get("rule"),
            "network_name": self.network_name,
            "n_senders": d.get("senders"),
            "n_replicates": self.replicates,
            "horizon_hours": self.horizon_hours,
        }
        for name in metrics.names(kind=metrics.COUNT):
            if name in self.metrics:
                row[f"{name}_mean"] = self.mean(name)
                row[f"{name}_ci_low"], row[f"{name}_ci_high"] = self.ci(name)
        for name, (key, hour) in metrics.RISKS.items():
            if key in self.metrics:
                row[key] = self.mean(name)
                row[f"{key}_low"], row[f"{key}_high"] = self.ci(name)
                row[f"median_{hour}"] = self.median_hour(name)
        return row


def read(folder: Path) -> Summary:
    """The summary of a finished run, or ResultsError with one line naming the folder."""
    folder = Path(folder)
    reason = folders.incomplete_reason(folder)
    if reason is not None:
        raise ResultsError(reason)
    path = folder / FILE
    try:
        data = json.loads(path.read_text())
    except UnicodeDecodeError:
        raise ResultsError(f"{path}: not a text file") from None
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read ({exc.strerror})") from None
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: expected a JSON object, found {type(data).__name__}")
    version = data.get("schema_version")
    if version is None:
        raise ResultsError(
            f"{folder}: written by an older version of outreach-sim (no schema_version in "
            f"{FILE}); rerun it with version {__version__}")
    if version != SCHEMA_VERSION:
        raise ResultsError(
            f"{path}: schema_version {version!r}, this outreach-sim ({__version__}) reads "
            f"{SCHEMA_VERSION}; rerun it with this version")
    missing = [key for key, _ in metrics.RISKS.values()
               if not isinstance(data.get("metrics"), dict) or key not in data["metrics"]]
    if missing:
        raise ResultsError(f"{path}: no 'metrics' with {missing[0]!r}; rerun it")
    return Summary(folder=folder, data=data)


def read_config(folder: Path) -> dict | None:
    """The config a finished run recorded, or None when the folder holds no usable summary
    (a resumed sweep then runs the job again)."""
    try:
        return read(folder).config
    except ResultsError:
        return None
