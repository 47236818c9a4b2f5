"""The default scenario composes, validates and runs; the Mesa view matches the engine."""

import numpy as np

from sim.config import compose
from sim.model import OutreachModel
from sim.engine.simulate import simulate


def test_default_scenario_runs_and_conserves_messages():
    cfg = compose(["replicates=20", "horizon_hours=200"])
    res = simulate(cfg)
    df = res.replicates
    assert len(df) == 20
    # a generic blast reaches every contact exactly once at hour 0
    assert (df["messages_sent"] == res.network.degree()[res.network.sender]).all()
    # reach never exceeds the people other than the sender; direct supporters are supporters
    assert (df["reach"] <= res.network.n_nodes - 1).all()
    assert (df["direct_supporters"] <= df["supporters"]).all()
    assert (df["unfollows"] <= df["annoyed"]).all()


def test_mesa_view_gives_the_engine_numbers_for_the_same_seed():
    model = OutreachModel(rng=11, horizon_hours=150)
    while model.running:
        model.step()
    one = simulate(compose(["seed=11", "replicates=1", "horizon_hours=150"])).replicates.iloc[0]
    got = model.results()
    for name in ("reach", "supporters", "unfollows", "reports", "messages_sent"):
        assert got[name] == one[name], name
    assert np.isclose(got["suspended"], float(one["suspended"]))
    # the DataCollector saw every hour plus the initial state
    assert len(model.datacollector.get_model_vars_dataframe()) == 151
