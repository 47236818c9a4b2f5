"""The `outreach` command as a user runs it: files written, and bad input refused cleanly."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from helpers import outreach
from sim import metrics
from sim.engine.engine import SERIES
from sim.report.stats import COUNT_METHOD, WILSON_METHOD, count_interval

SMALL = ["network.n_contacts=120", "network.strong_ties=15", "close_ties=15", "replicates=40",
         "engine.batch_size=20", "horizon_hours=240", "output.progress=false",
         "population.report_prob=0.05"]


@pytest.fixture(scope="module")
def run_dirs(tmp_path_factory):
    """The same small scenario run twice, in two processes with different hash seeds."""
    dirs = []
    for hashseed in ("1", "2"):
        d = tmp_path_factory.mktemp("run")
        res = outreach(*SMALL, "seed=3", f"hydra.run.dir={d}", hashseed=hashseed)
        assert res.returncode == 0, res.stderr
        dirs.append((d, res))
    return dirs


def test_run_writes_summary_replicates_series_and_figure(run_dirs):
    d, res = run_dirs[0]
    assert {"summary.json", "replicates.parquet", "timeseries.parquet", "outreach.png"} <= {
        p.name for p in d.iterdir()}
    assert not (d / "INCOMPLETE").exists()
    summary = json.loads((d / "summary.json").read_text())
    m = summary["metrics"]
    rep = pd.read_parquet(d / "replicates.parquet")
    assert len(rep) == 40 and rep["replicate"].tolist() == list(range(40))
    for name in ("reach", "direct_supporters", "unfollows", "close_ties_lost", "reports",
                 "messages_sent", "effort_hours"):
        assert name in rep.columns
        x = rep[name].to_numpy(float)
        assert m[name]["mean"] == pytest.approx(x.mean())
        assert m[name]["sd"] == pytest.approx(x.std(ddof=1))
        # the interval of the mean stays in the count's range (its method: tests/test_stats.py)
        lo, hi = m[name]["ci95"]
        upper = summary["network"]["nodes"] if metrics.BY_NAME[name].at_most else None
        assert (lo, hi) == pytest.approx(count_interval(x, upper), rel=1e-12, abs=1e-15)
        assert 0 <= lo <= x.mean() <= hi <= (upper or np.inf)
        assert m[name]["ci95_method"] == COUNT_METHOD
    assert set(metrics.names()) <= set(rep.columns)
    from scipy.stats import binomtest

    for name, (key, hour) in metrics.RISKS.items():
        assert rep[name].dtype == bool
        assert (rep[name] == rep[hour].notna()).all()
        k = int(rep[name].sum())
        sr = m[key]
        assert sr["p"] == pytest.approx(k / 40) and sr["replicates_hit"] == k
        ci = binomtest(k, 40).proportion_ci(method="wilson")
        assert sr["wilson95"] == pytest.approx([ci.low, ci.high], abs=1e-9)
        assert sr["wilson95_method"] == WILSON_METHOD and sr["senders"] == 1
        if k:
            assert sr["median_hour"] == pytest.approx(float(rep[hour].median()))
    k = int(rep["restricted"].sum())
    assert 0 < k < 40, "the scenario should restrict some replicates and not others"
    assert (rep["suspended"] <= rep["restricted"]).all()

    ts = pd.read_parquet(d / "timeseries.parquet")
    assert set(ts.columns) >= {"hour", "metric", "mean", "q05", "q95"}
    assert set(ts["metric"]) == set(SERIES)
    assert ts["hour"].max() == 239 and len(ts) == 240 * len(SERIES)
    last = ts[(ts["hour"] == 239) & (ts["metric"] == "reach")]
    assert float(last["mean"].iloc[0]) == pytest.approx(rep["reach"].mean())
    assert (ts["q05"] <= ts["q95"]).all()

    png = (d / "outreach.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert "restriction_risk" in res.stdout and "suspension_risk" in res.stdout  # the table


def test_same_seed_same_numbers_across_processes(run_dirs):
    """Two processes (different PYTHONHASHSEED) give the same replicates.parquet."""
    (a, _), (b, _) = run_dirs
    pd.testing.assert_frame_equal(pd.read_parquet(a / "replicates.parquet"),
                                  pd.read_parquet(b / "replicates.parquet"), check_exact=True)


def test_summary_names_a_custom_strategy(tmp_path):
    """A run with a user's `_target_` strategy says so in summary.json (not the name of the
    schema the target was added to)."""
    from conftest import make_cfg
    from sim.cli.run import run_scenario

    cfg = make_cfg(["network=erdos_renyi", "network.n=60", "network.mean_degree=6", "seed=4",
                    "replicates=4", "output.plot=false",
                    "+strategy._target_=custom_strategy.TwoWaves", "+strategy.gap_hours=5"])
    summary = run_scenario(cfg, tmp_path, progress=False)
    assert summary.strategy == "custom_strategy.TwoWaves"
    assert json.loads((tmp_path / "summary.json").read_text())["strategy"] == "custom_strategy.TwoWaves"


@pytest.mark.parametrize("override, key", [
    (["population=homogeneous", "population.read_prob=2"], "population.read_prob"),
    (["replicates=0"], "replicates"),
    (["strategy=staggered", "strategy.order=sideways"], "strategy.order"),
])
def test_bad_override_fails_with_one_line_naming_the_key(tmp_path, override, key):
    res = outreach(*override, f"hydra.run.dir={tmp_path}")
    assert res.returncode != 0
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith(f"outreach: error: {key}="), lines[0]
    assert "expected" in lines[0]
    assert not (tmp_path / "summary.json").exists()
    assert not list(tmp_path.glob("*.parquet"))
