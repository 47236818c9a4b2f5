"""The optimised engine gives exactly the numbers of the engine it replaced (tests/engine_v0.py)
whenever every probability is 0 or 1 and delays are constant, so that the random streams,
which the two engines consume differently, cannot matter; plus small cases worked by hand."""

import numpy as np
import pytest

import engine_v0
from sim.config import compose
from sim.engine.engine import Engine, Scenario
from sim.network.graph import from_edges
from sim.rules.platform_rules import PlatformRule
from sim.rules.population import Population, ReadDelay
from sim.engine.scenario import build_scenario
from sim.rules.strategies import GenericBlast


def _deterministic(sc: Scenario, seed: int, delay_hours: float) -> Scenario:
    """Turn every probability of the scenario's population into a fixed 0/1 pattern."""
    pop = sc.population
    pick = np.random.default_rng(seed)
    p, n = pop.n_pairs, pop.n_agents
    coin = lambda size, q: (pick.random(size) < q).astype(float)  # noqa: E731
    pop.read_prob = coin(p, 0.8)
    pop.share_generic = coin(p, 0.4)
    pop.share_personal = coin(p, 0.7)
    pop.report_prob = coin(p, 0.3)
    pop.unfollow_prob = coin(p, 0.5)
    pop.share_word_of_mouth = coin(n, 0.5)
    pop.exposure = coin(n, 0.6)
    # increments straddling the threshold (0.5), so that repeated messages tip some over
    pop.annoyance_generic = pick.choice([0.0, 0.3, 0.5, 0.7], size=p)
    pop.annoyance_personal = pick.choice([-0.2, 0.0, 0.3], size=p)
    pop.read_delay = ReadDelay("constant", float(delay_hours))
    return sc


CASES = [
    # strategy, platform, senders fraction, delay hours
    (["strategy=blast_then_personal", "strategy.delay_hours=3", "strategy.k=8",
      "strategy.notes_per_day=3"], ["platform=count", "platform.max_reports=2"], 0.0, 0),
    (["strategy=personal_first", "strategy.k=3", "strategy.notes_per_day=2",
      "strategy.delay_hours=2"],
     ["platform=rate", "platform.max_rate=0.05", "platform.min_volume=5"], 0.05, 2),
    (["strategy=staggered", "strategy.batch_size=5", "strategy.interval_hours=2",
      "strategy.adaptive_pause=true", "strategy.pause_window_hours=5"], ["platform=none"], 0.1, 1),
    (["strategy=generic_blast"], ["platform=count", "platform.window_hours=4"], 0.1, 0),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_same_numbers_as_the_original_engine(case):
    strategy, platform, fraction, delay = CASES[case]
    cfg = compose(["network=erdos_renyi", "network.n=80", "network.mean_degree=10",
                   "population=homogeneous", "population.annoyance_threshold=0.5",
                   "horizon_hours=40", "close_ties=5", f"senders.fraction={fraction}",
                   "senders.start_spread_hours=3", *strategy, *platform])
    sc = _deterministic(build_scenario(cfg), seed=case, delay_hours=delay)
    R = 4
    new = Engine(sc, R, np.random.default_rng(1)).run()
    old = engine_v0.Engine(sc, R, np.random.default_rng(2)).run()
    assert set(new.metrics) == set(old.metrics)
    for name in old.metrics:
        np.testing.assert_array_equal(new.metrics[name], old.metrics[name], err_msg=name)
    np.testing.assert_array_equal(new.series, old.series)
    # the case is not trivial: people read, share, get annoyed
    assert old.metrics["reach"].sum() > 0 and old.metrics["supporters"].sum() > 0
    assert old.metrics["annoyed"].sum() > 0


def _tiny(exposure: float, wom: float, threshold: float, generic: float) -> Scenario:
    """Sender 0 with contacts 1, 2, 3; contact 1 knows 4 and 5; 4 knows 6; 2 knows 3."""
    u = np.array([0, 0, 0, 1, 1, 4, 2])
    v = np.array([1, 2, 3, 4, 5, 6, 3])
    net = from_edges(u, v, 7, 0)
    contacts = np.array([1, 2, 3])
    ones = np.ones(3)
    pop = Population(
        n_agents=7, senders=np.array([0]), threshold_median=threshold, threshold_sigma=0.0,
        share_word_of_mouth=np.full(7, wom), exposure=np.full(7, exposure),
        pair_offset=np.array([0, 3]), pair_sender=np.zeros(3, dtype=np.int64),
        pair_contact=contacts, tie_strength=np.zeros(3), close=np.array([True, False, False]),
        read_prob=ones, annoyance_generic=generic * ones, annoyance_personal=0 * ones,
        share_generic=np.array([1.0, 0.0, 0.0]), share_personal=ones, report_prob=ones,
        unfollow_prob=ones, read_delay=ReadDelay("constant", 1.0),
    )
    return Scenario(network=net, population=pop, strategy_factory=GenericBlast,
                    platform=PlatformRule("count", max_reports=1, window_hours=24),
                    horizon_hours=10, half_life_hours=168.0, start_hours=np.zeros(1))


def test_hand_worked_word_of_mouth_chain():
    # everyone reads after 1 h; only contact 1 shares; its connections 4, 5 see it at hour 2
    # and share in turn (wom = 1); 4's connection 6 sees it at hour 3. The sender is never
    # counted; 2 and 3 already know.
    res = Engine(_tiny(exposure=1.0, wom=1.0, threshold=5.0, generic=1.0), 3,
                 np.random.default_rng(0)).run()
    m = res.metrics
    np.testing.assert_array_equal(m["reach"], [6, 6, 6])
    np.testing.assert_array_equal(m["direct_supporters"], [1, 1, 1])
    np.testing.assert_array_equal(m["supporters"], [4, 4, 4])  # 1, then 4 and 5, then 6
    assert (m["annoyed"] == 0).all() and (m["suspended"] == 0).all()
    reach = res.series[:, 0, 0]
    np.testing.assert_array_equal(reach[:5], [0, 3, 5, 6, 6])


def test_hand_worked_annoyed_contacts_report_and_suspend():
    # the generic message (1.0) exceeds every threshold (0.5): all three contacts are
    # annoyed, report and unfollow at hour 1; nobody shares; one report suspends at hour 1
    res = Engine(_tiny(exposure=1.0, wom=1.0, threshold=0.5, generic=1.0), 2,
                 np.random.default_rng(0)).run()
    m = res.metrics
    for name, value in (("reach", 3), ("annoyed", 3), ("reports", 3), ("unfollows", 3),
                        ("close_ties_lost", 1), ("supporters", 0), ("people_annoyed", 3)):
        np.testing.assert_array_equal(m[name], [value, value], err_msg=name)
    np.testing.assert_array_equal(m["suspension_hour"], [1, 1])


def test_annoyance_exactly_at_the_threshold_does_not_annoy():
    res = Engine(_tiny(exposure=0.0, wom=0.0, threshold=1.0, generic=1.0), 2,
                 np.random.default_rng(0)).run()
    np.testing.assert_array_equal(res.metrics["annoyed"], [0, 0])
    np.testing.assert_array_equal(res.metrics["reach"], [3, 3])
    np.testing.assert_array_equal(res.metrics["supporters"], [1, 1])  # contact 1 shares
