"""OutreachModel follows Mesa's conventions: keyword parameters and rng, agents that expose
the engine's state, and Mesa's own batch_run can drive it."""

import mesa
import numpy as np

from sim.config import compose
from sim.model import STATES, Contact, OutreachModel
from sim.engine.simulate import simulate

SMALL = {"network": "erdos_renyi", "network.n": 300, "network.mean_degree": 8,
         "horizon_hours": 120, "close_ties": 3}


def engine_row(seed: int, strategy: str):
    overrides = [f"{k}={v}" for k, v in SMALL.items() if k != "network"]
    cfg = compose([f"network={SMALL['network']}", f"strategy={strategy}", f"seed={seed}",
                   "replicates=1", *overrides])
    return simulate(cfg).replicates.iloc[0]


def test_mesa_batch_run_drives_the_model_and_matches_the_engine():
    params = {"strategy": ["generic_blast", "staggered"], "network": "erdos_renyi",
              **{k: v for k, v in SMALL.items() if k != "network"}}
    rows = mesa.batch_run(OutreachModel, parameters=params, rng=[3, 4], max_steps=500,
                          data_collection_period=-1, display_progress=False)
    assert len(rows) == 4
    for row in rows:
        assert row["Step"] == SMALL["horizon_hours"]  # the model stops itself at the horizon
        ref = engine_row(row["rng"], row["strategy"])
        for name in ("reach", "supporters", "unfollows", "reports", "messages_sent"):
            assert row[name] == ref[name], (row["strategy"], row["rng"], name)
    assert {(r["strategy"], r["rng"]) for r in rows} == {
        (s, g) for s in ("generic_blast", "staggered") for g in (3, 4)}


def test_contact_agents_read_their_attributes_from_the_population_and_engine():
    model = OutreachModel(rng=5, network="erdos_renyi", population="homogeneous",
                          overrides=["population.tie_strength=0.3", "population.read_prob=1",
                                     "population.report_prob=1", "population.annoyance_threshold=0.5"],
                          **{k: v for k, v in SMALL.items() if k != "network"})
    pop = model.population
    contacts = [a for a in model.agents if isinstance(a, Contact) and a.is_contact]
    assert len(contacts) == pop.n_pairs == model.network.degree()[model.network.sender]
    assert all(a.tie_strength == 0.3 and a.read_prob == 1.0 for a in contacts)
    assert sum(a.close_tie for a in contacts) == 3
    assert all(a.state == "unaware" for a in contacts)
    while model.running:
        model.step()
    # homogeneous: every contact reads at hour 0, is annoyed (0.7 > 0.5) and reports
    states = {a.state for a in contacts}
    assert states == {"reported"} and states <= set(STATES)
    assert model.results()["reports"] == len(contacts)
    data = model.datacollector.get_model_vars_dataframe()
    assert len(data) == SMALL["horizon_hours"] + 1
    assert np.all(np.diff(data["reach"].to_numpy()) >= 0)
