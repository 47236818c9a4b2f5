"""The optimised engine agrees in distribution with the plain per-agent Mesa model of
experiments/bench/mesa_reference.py (one Python object per person, sequential draws; generic
blast only): means of each metric must agree within 4.5 standard errors. The same-hour
cascade agrees with the queued one. (Every strategy and platform rule is compared with the
per-agent reference of tests/oracles/ in tests/test_agreement.py.)"""

import sys

import numpy as np

from helpers import ROOT
from sim.config import compose
from sim.engine.engine import Engine
from sim.engine.scenario import build_scenario

# a script's module, not part of the package: imported from its folder, as the benchmark does
if str(ROOT / "experiments" / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "experiments" / "bench"))
import mesa_reference  # noqa: E402

METRICS = ("reach", "supporters", "direct_supporters", "unfollows", "annoyed", "reports",
           "messages_sent", "replies")


def _z(a: np.ndarray, b: np.ndarray) -> float:
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return 0.0 if se == 0 else float((a.mean() - b.mean()) / se)


def _small():
    # a smaller ego network and a livelier word of mouth, so that every rule fires often
    return build_scenario(compose([
        "network.n_contacts=300", "network.strong_ties=30", "close_ties=30", "horizon_hours=240",
        "strategy=generic_blast", "population.share_prob_word_of_mouth=0.2",
        "population.exposure_prob=0.2", "population.report_prob=0.05",
        "strategy.message_quality=0.8"]))


def test_agrees_with_the_per_agent_mesa_model():
    sc = _small()
    eng = Engine(sc, 1000, 3).run().metrics
    runs = mesa_reference.run_replicates(sc, 150, seed=10)
    for name in METRICS + ("suspended",):
        ref = np.array([r[name] for r in runs])
        assert abs(_z(eng[name], ref)) < 4.5, (name, eng[name].mean(), ref.mean())


def test_same_hour_cascade_matches_the_queued_one():
    """Read delay 0 runs each hour's cascade in one compiled pass (a stack of sharers); a
    constant delay of 1 h queues every sighting. The reach distribution does not depend on
    when people hear, only on who hears: compare the two."""
    common = ["population=homogeneous", "population.read_prob=1", "population.share_prob=0.5",
              "population.exposure_prob=0.15", "population.annoyance_generic=0",
              "platform=none", "horizon_hours=200", "network.n_contacts=200",
              "network.strong_ties=20", "close_ties=20"]
    now = Engine(build_scenario(compose([*common, "population.read_delay_hours=0"])), 2000,
                 4).run().metrics
    later = Engine(build_scenario(compose([*common, "population.read_delay_hours=1"])), 2000,
                   5).run().metrics
    for name in ("reach", "supporters"):
        assert abs(_z(now[name], later[name])) < 4.5, (name, now[name].mean(), later[name].mean())


def test_annoyance_state_is_kept_for_contacts_only():
    """Memory: per-replicate annoyance arrays are sized by the sender's contacts, not the
    graph; the per-agent views still cover everyone."""
    sc = _small()
    eng = Engine(sc, 7, 0)
    contacts = len(np.unique(sc.population.pair_contact))
    assert eng.contact_annoyance.shape == (7 * contacts,)
    assert eng.annoyance.shape == (7 * sc.network.n_nodes,)
    thr = eng.threshold.reshape(7, -1)
    is_contact = np.zeros(sc.network.n_nodes, dtype=bool)
    is_contact[sc.population.pair_contact] = True
    assert np.isfinite(thr[:, is_contact]).all() and np.isnan(thr[:, ~is_contact]).all()
