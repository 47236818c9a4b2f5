"""Each strategy's schedule on small cases: who gets which message, when.

First the strategy objects alone, through a SenderView we control (so a pause can be forced);
then through the engine and the reference, with everything else switched off (nobody reads),
hour by hour."""

from __future__ import annotations

import re

import numpy as np
import pytest
from omegaconf import OmegaConf

from conftest import at_end_of, hand_scenario, homogeneous, make_cfg
from custom_strategy import TwoWaves
from sim.errors import StrategyError
from sim.rules.population import GENERIC, PERSONAL
from sim.engine.scenario import build_scenario
from sim.engine.simulate import simulate
from sim.rules.strategies import (BlastThenPersonal, GenericBlast, PersonalFirst, Staggered, Strategy,
                            make_strategy)


def view(n_contacts, replicates=1, reports=None, suspended=None, seed=0, asked=None):
    """A SenderView over `replicates` replicates; `reports` is a mutable list holding the
    reports-in-window per replicate the strategy will see; asked records the windows asked."""
    from sim.rules.strategies import SenderView

    reports = reports if reports is not None else [np.zeros(replicates, dtype=int)]
    asked = asked if asked is not None else []

    def reports_in_last(hours):
        asked.append(hours)
        return np.asarray(reports[0])

    return SenderView(
        n_contacts=n_contacts, tie_strength=np.linspace(1, 0, n_contacts), n_replicates=replicates,
        uniforms=lambda stream=0: np.random.default_rng([seed, stream]).random((replicates, n_contacts)),
        suspended=np.zeros(replicates, bool) if suspended is None else np.asarray(suspended),
        reports_in_last=reports_in_last,
        unfollowed=lambda: np.zeros((replicates, n_contacts), bool),
    )


def schedule(strategy, v, horizon=1000):
    """{hour: [(kind, ranks as a list of per-replicate lists, replicate mask, minutes,
    minutes_each)]} for every send hour the strategy announces."""
    out = {}
    for h in strategy.send_hours(v, horizon).tolist():
        sends = strategy.sends(h, v)
        out[h] = [(s.kind, _ranks(s, v.n_replicates),
                   None if s.replicates is None else np.asarray(s.replicates).tolist(),
                   s.minutes, s.minutes_each) for s in sends]
    return out


def _ranks(send, replicates):
    r = np.asarray(send.ranks)
    if r.ndim == 1:
        return [r.tolist()] * replicates
    return [[int(x) for x in row if x >= 0] for row in r]


# ------------------------------------------------------------------ the objects alone


def test_generic_blast_sends_everyone_at_hour_zero():
    s = schedule(GenericBlast(minutes_per_batch=15), view(5))
    assert s == {0: [(GENERIC, [[0, 1, 2, 3, 4]], None, 15, 0)]}


def test_personal_first_caps_notes_per_day_then_generic_after_delay():
    """k=5 notes, 2 a day, at hours 0, 24, 48; the last note goes out at hour 48, so the
    generic message to the other contacts follows at 48 + 30 = 78."""
    st = PersonalFirst(k=5, notes_per_day=2, minutes_per_note=10, delay_hours=30, minutes_per_batch=15)
    s = schedule(st, view(8))
    assert s == {
        0: [(PERSONAL, [[0, 1]], None, 0, 10)],
        24: [(PERSONAL, [[2, 3]], None, 0, 10)],
        48: [(PERSONAL, [[4]], None, 0, 10)],
        78: [(GENERIC, [[5, 6, 7]], None, 15, 0)],
    }
    # no other hour sends anything
    assert all(st.sends(h, view(8)) == [] for h in range(200) if h not in s)


def test_personal_first_with_k_covering_everyone_sends_no_generic():
    s = schedule(PersonalFirst(k=10, notes_per_day=3, delay_hours=24), view(4))
    kinds = [send[0] for sends in s.values() for send in sends]
    assert kinds == [PERSONAL, PERSONAL]
    assert s[0][0][1] == [[0, 1, 2]] and s[24][0][1] == [[3]]


def test_personal_first_with_no_notes_is_the_blast_at_hour_zero():
    """k=0: no note to wait for, so the generic message goes to everyone at once (it used to
    wait delay_hours), exactly as generic_blast."""
    s = schedule(PersonalFirst(k=0, notes_per_day=3, delay_hours=24, minutes_per_batch=15), view(4))
    assert s == {0: [(GENERIC, [[0, 1, 2, 3]], None, 15, 0)]}
    assert s == schedule(GenericBlast(minutes_per_batch=15), view(4))


def test_blast_then_personal():
    """Generic to all at hour 0, then notes to the k=3 strongest from delay_hours=100, two a
    day (hours 100 and 124)."""
    st = BlastThenPersonal(k=3, notes_per_day=2, minutes_per_note=10, delay_hours=100, minutes_per_batch=15)
    s = schedule(st, view(6))
    assert s == {
        0: [(GENERIC, [[0, 1, 2, 3, 4, 5]], None, 15, 0)],
        100: [(PERSONAL, [[0, 1]], None, 0, 10)],
        124: [(PERSONAL, [[2]], None, 0, 10)],
    }
    assert all(st.sends(h, view(6)) == [] for h in range(1, 300) if h not in s)


@pytest.mark.parametrize("order, expected", [
    ("strongest_first", [list(range(0, 10)), list(range(10, 20)), list(range(20, 25))]),
    ("weakest_first", [list(range(24, 14, -1)), list(range(14, 4, -1)), list(range(4, -1, -1))]),
])
def test_staggered_batches_in_order(order, expected):
    st = Staggered(batch_size=10, interval_hours=12, order=order, minutes_per_batch=15)
    s = schedule(st, view(25))
    assert sorted(s) == [0, 12, 24]
    assert [s[h][0][1][0] for h in (0, 12, 24)] == expected
    assert all(s[h][0][0] == GENERIC and s[h][0][3] == 15 for h in s)


def test_staggered_random_order_is_a_fresh_permutation_per_replicate():
    R, C = 4, 25
    st = Staggered(batch_size=10, interval_hours=12, order="random")
    s = schedule(st, view(C, replicates=R))
    per_rep = [sum((s[h][0][1][r] for h in (0, 12, 24)), []) for r in range(R)]
    for ranks in per_rep:
        assert sorted(ranks) == list(range(C))  # everyone exactly once
    assert [len(s[h][0][1][0]) for h in (0, 12, 24)] == [10, 10, 5]
    assert len({tuple(r) for r in per_rep}) == R  # replicates differ
    assert per_rep[0] != list(range(C))


def test_staggered_adaptive_pause_holds_batches_while_reports_reach_guard():
    """Guard 2 reports in 48 h. Replicate 0 sees 2 reports at hour 24 and pauses; replicate 1
    sees 1 and goes on. A paused batch is not skipped: the queue resumes where it stopped."""
    reports, asked = [np.array([0, 0])], []
    v = view(30, replicates=2, reports=reports, asked=asked)
    st = Staggered(batch_size=10, interval_hours=24, adaptive_pause=True, pause_reports=2,
                   pause_window_hours=48)
    hours = st.send_hours(v, 240).tolist()
    assert hours == list(range(0, 240, 24))  # ticks up to the horizon, for paused batches
    assert st.send_hours(v, 250).tolist() == list(range(0, 250, 24))
    first = st.sends(0, v)[0]
    assert _ranks(first, 2) == [list(range(10)), list(range(10))]
    reports[0] = np.array([2, 1])
    second = st.sends(24, v)[0]
    assert second.replicates.tolist() == [False, True]
    assert _ranks(second, 2)[1] == list(range(10, 20))
    reports[0] = np.array([3, 0])
    third = st.sends(48, v)[0]
    assert third.replicates.tolist() == [False, True]
    reports[0] = np.array([1, 0])
    fourth = st.sends(72, v)[0]  # replicate 0 resumes with its second batch
    assert fourth.replicates.tolist() == [True, False]
    assert _ranks(fourth, 2)[0] == list(range(10, 20))
    assert set(asked) == {48}


def test_adaptive_staggered_plans_nothing_after_the_horizon():
    """Its extra ticks (for paused batches) stop before the horizon, so a run whose batches
    all fit does not warn that planned sends will be lost."""
    from sim.engine.simulate import horizon_warnings

    cfg = make_cfg(["network=erdos_renyi", "network.n=200", "network.mean_degree=8", "seed=1",
                    "strategy=staggered", "strategy.adaptive_pause=true", "strategy.batch_size=3",
                    "horizon_hours=1008"])
    assert horizon_warnings(build_scenario(cfg)) == []
    cfg = make_cfg(["network=erdos_renyi", "network.n=200", "network.mean_degree=8", "seed=1",
                    "strategy=staggered", "strategy.batch_size=1", "horizon_hours=96"])
    assert horizon_warnings(build_scenario(cfg))  # one contact a day: more than 4 do not fit in 96 h


def test_staggered_stops_for_suspended_replicates():
    st = Staggered(batch_size=2, interval_hours=1)
    v = view(6, replicates=2, suspended=[True, False])
    send = st.sends(0, v)[0]
    assert send.replicates.tolist() == [False, True]


# ------------------------------------------------------------------ through the engine

STAR = [(0, i) for i in range(1, 9)]  # a sender with 8 contacts and nothing else


def _sent_by_hour(impl, sc, hours):
    return [at_end_of(impl, sc, h)["messages_sent"] for h in hours]


def test_personal_first_in_the_engine(impl):
    pop = homogeneous(read_prob=0)
    sc = hand_scenario(STAR, 9, lambda: PersonalFirst(k=5, notes_per_day=2, minutes_per_note=10,
                                                      delay_hours=30, minutes_per_batch=15),
                       population=pop)
    assert _sent_by_hour(impl, sc, [0, 23, 24, 48, 77, 78]) == [2, 2, 4, 5, 5, 8]
    m = at_end_of(impl, sc, 100)
    assert m["personal_notes"] == 5
    assert m["effort_hours"] == pytest.approx((5 * 10 + 15) / 60)


def test_staggered_adaptive_pause_in_the_engine(impl):
    """Every reader reports at once (delay 0, report_prob 1); batches of 3 every 24 h with a
    guard of 1 report in 48 h. The 48-hour window at hour 24 (hours -23 .. 24) holds the
    reports of hour 0, so that batch waits; at hour 48 (hours 1 .. 48) it is empty, so the
    second batch goes out, and its reports hold hour 72; the last batch goes at hour 96."""
    pop = homogeneous(read_prob=1, read_delay_hours=0, annoyance_threshold=0.5, report_prob=1)
    sc = hand_scenario(STAR, 9, lambda: Staggered(batch_size=3, interval_hours=24, adaptive_pause=True,
                                                  pause_reports=1, pause_window_hours=48),
                       population=pop, horizon_hours=300)
    assert _sent_by_hour(impl, sc, [0, 24, 47, 48, 72, 95, 96, 200]) == [3, 3, 3, 6, 6, 6, 8, 8]
    assert at_end_of(impl, sc, 200)["reports"] == 8


def test_staggered_without_pause_in_the_engine(impl):
    pop = homogeneous(read_prob=1, read_delay_hours=0, annoyance_threshold=0.5, report_prob=1)
    sc = hand_scenario(STAR, 9, lambda: Staggered(batch_size=3, interval_hours=24, order="weakest_first"),
                       population=pop, horizon_hours=300)
    assert _sent_by_hour(impl, sc, [0, 23, 24, 48, 200]) == [3, 3, 6, 8, 8]


def test_blast_then_personal_notes_skip_unfollowers(impl):
    """Everyone is annoyed by the blast and unfollows, so the notes planned from hour 48 find
    nobody: no note is delivered and none costs effort (only the batch's 15 minutes)."""
    pop = homogeneous(read_prob=1, read_delay_hours=0, annoyance_threshold=0.5, unfollow_prob=1)
    sc = hand_scenario(STAR, 9, lambda: BlastThenPersonal(k=4, notes_per_day=4, delay_hours=48),
                       population=pop)
    m = at_end_of(impl, sc, 100)
    assert (m["messages_sent"], m["personal_notes"], m["unfollows"]) == (8, 0, 8)
    assert m["effort_hours"] == pytest.approx(15 / 60)


# ------------------------------------------------------------------ a user's own strategy


def test_custom_strategy_by_target():
    cfg = OmegaConf.create({"_target_": "custom_strategy.TwoWaves", "gap_hours": 7,
                            "minutes_per_batch": 15.0})
    st = make_strategy(cfg)
    assert isinstance(st, TwoWaves) and isinstance(st, Strategy) and st.gap == 7
    s = schedule(st, view(5))
    assert s == {0: [(GENERIC, [[0, 2, 4]], None, 15, 0)], 7: [(PERSONAL, [[1, 3]], None, 0, 5)]}


@pytest.mark.parametrize("target, message", [
    ("custom_strategy.NotAStrategy", "expected a class with send_hours() and sends()"),
    ("custom_strategy.Missing", "cannot import"),
    ("no_such_module_xyz.Thing", "cannot import"),
])
def test_custom_strategy_errors_name_the_key(target, message):
    with pytest.raises(StrategyError, match=re.escape(message)) as err:
        make_strategy(OmegaConf.create({"_target_": target}))
    assert str(err.value).startswith(f"strategy._target_='{target}'")
    assert "\n" not in str(err.value)


def test_custom_strategy_from_composed_config():
    """A whole run with `+strategy._target_=...` (Hydra needs the + to add a key to the
    strategy schema); its other keys reach the constructor."""
    cfg = make_cfg(["network=erdos_renyi", "network.n=50", "network.mean_degree=6", "seed=4",
                    "population=homogeneous", "population.read_prob=0", "replicates=3",
                    "+strategy._target_=custom_strategy.TwoWaves", "+strategy.gap_hours=5",
                    "strategy.minutes_per_note=6"])
    sc = build_scenario(cfg)
    st = sc.strategy_factory()
    assert isinstance(st, TwoWaves) and (st.gap, st.minutes_per_note) == (5, 6.0)
    c = sc.population.n_pairs
    df = simulate(cfg, scenario=sc).replicates
    assert (df["messages_sent"] == c).all()
    assert (df["personal_notes"] == c // 2).all()
    assert np.allclose(df["effort_hours"], (15 + 6 * (c // 2)) / 60)
