"""Same config and seed, same numbers; another seed, other numbers; the engine's batch size
changes memory and speed, never the numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import make_cfg
from helpers import SWEEP_SMALL, outreach
from sim.engine.simulate import simulate

BASE = ["network=ego", "network.n_contacts=150", "network.strong_ties=20", "close_ties=20",
        "population.threshold_median=1.5", "population.report_prob=0.05", "platform=count",
        "platform.max_reports=2", "replicates=60", "engine.batch_size=25", "horizon_hours=400"]


@pytest.mark.parametrize("strategy", [
    ["strategy=generic_blast"],
    ["strategy=staggered", "strategy.order=random", "strategy.adaptive_pause=true", "strategy.batch_size=40"],
    ["strategy=blast_then_personal", "strategy.k=20", "strategy.delay_hours=100"],
])
def test_same_seed_same_replicates(strategy):
    """Two runs of one config in one process (three batches each) give the same
    replicates.parquet table and the same hourly series, bit for bit."""
    cfg = make_cfg(BASE + strategy + ["seed=5"])
    a, b = simulate(cfg), simulate(cfg)
    pd.testing.assert_frame_equal(a.replicates, b.replicates, check_exact=True)
    assert np.array_equal(a.series, b.series)
    assert len(a.replicates) == 60
    assert a.replicates["reach"].std() > 0  # the replicates themselves differ


def test_different_seeds_differ():
    a = simulate(make_cfg(BASE + ["seed=5"])).replicates
    b = simulate(make_cfg(BASE + ["seed=6"])).replicates
    assert not a.equals(b)
    assert not np.array_equal(a["reach"].to_numpy(), b["reach"].to_numpy())


def test_same_seed_same_network_and_population():
    """The network and the population come from their own seed streams: the strategy and the
    number of replicates change the dynamics, not who the contacts are."""
    a = simulate(make_cfg(BASE + ["seed=9", "replicates=5"])).scenario
    b = simulate(make_cfg(BASE + ["seed=9", "replicates=7", "strategy=staggered"])).scenario
    assert np.array_equal(a.network.indices, b.network.indices)
    assert np.array_equal(a.population.tie_strength, b.population.tie_strength)
    assert np.array_equal(a.population.pair_contact, b.population.pair_contact)


def test_batch_sizes_7_and_500_write_identical_replicates(tmp_path):
    """`outreach engine.batch_size=7` and `engine.batch_size=500` (one batch) write the same
    replicates.parquet, bit for bit: each replicate draws from its own key (its index in the
    run and the replicate seed), not from its batch's stream."""
    tables = {}
    for size in (7, 500):
        out = tmp_path / f"b{size}"
        p = outreach(*SWEEP_SMALL, "replicates=40", "seed=3", "strategy=staggered",
                     "strategy.order=random", "strategy.batch_size=30", f"engine.batch_size={size}",
                     f"hydra.run.dir={out}", cwd=tmp_path)
        assert p.returncode == 0, p.stderr
        tables[size] = pd.read_parquet(out / "replicates.parquet")
        assert len(tables[size]) == 40
    pd.testing.assert_frame_equal(tables[7], tables[500], check_exact=True)
    assert tables[7]["reach"].std() > 0
