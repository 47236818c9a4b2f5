"""The platform rules of docs/MODEL.md ("Platform rules"), in cases worked by hand.

Every probability is 0 or 1 and every read delay constant, so the hour of each delivery,
report and restriction can be written down; each case runs on the engine and on the per-agent
reference (tests/oracles/reference.py), and says what a plausible wrong rule would give
instead. The review and rate rules are random by design: their chance of restricting is
checked against its formula over thousands of replicates (a Wilson 99.9% interval).

Set-up of the hand cases: a sender (node 0) and contacts 1..C, contact c + 1 of rank c (pair
c); everyone reads every message (read_prob 1) after `delay` hours and is annoyed by it
(threshold 0.5, increment 1), reports it when its pair's report chance is 1, never unfollows
nor shares.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from conftest import hand_scenario, homogeneous, make_cfg
from custom_strategy import RestrictAlways, RestrictAtHour, RestrictOnFirstReport, Script
from helpers import check_metrics, outreach, written_scenario
from oracles.reference import run_reference_scenario
from sim.engine.engine import Engine, Scenario
from sim.engine.scenario import build_scenario
from sim.engine.simulate import simulate
from sim.rules.platform_rules import CountRule, Enforcement, RateRule, ReviewRule
from sim.rules.strategies import GenericBlast, Staggered

Z_999 = stats.norm.isf(0.0005)  # two-sided 99.9%: a correct implementation fails 1 seed in 1000


def _scenario(strategy, reports, *, senders=None, delay=0, platform=None, ladder=(), daily_cap=0,
              weekly_cap=0, horizon=200, start_hours=(0,)) -> Scenario:
    """senders: [(node, [its contacts, strongest first])] (default: node 0 and contacts
    1..len(reports)); reports: each pair's report chance, sender by sender."""
    if senders is None:
        senders = [(0, list(range(1, len(reports) + 1)))]
    edges = [(s, c) for s, cs in senders for c in cs]
    return written_scenario(
        edges, max(max(e) for e in edges) + 1, senders, strategy,
        pairs={"generic": [1.0] * len(edges), "report": list(reports)}, start_hours=start_hours,
        close_ties=0, threshold=0.5, delay=delay, platform=platform, horizon=horizon,
        enforcement=Enforcement(restriction_hours=tuple(ladder), daily_cap=daily_cap,
                                weekly_cap=weekly_cap))


def _script(*plan):
    """A strategy sending exactly these generic messages: (planned hour, [ranks])."""
    return lambda: Script([(h, "generic", ranks) for h, ranks in plan])


@pytest.fixture(params=["engine", "reference"])
def which(request):
    return request.param


def run(which, scenario, replicates=2, seed=0):
    """Metrics per replicate, and every delivery as (hour, sender, replicate, pair), in the
    order the messages went out."""
    log = []
    if which == "engine":
        eng = Engine(scenario, replicates, seed, record_series=False)
        eng.on_deliver = lambda t, s, r, pairs: log.extend(
            (t, s, int(i), int(p)) for i, p in zip(np.asarray(r).tolist(), np.asarray(pairs).tolist()))
        metrics = eng.run().metrics
    else:
        metrics = run_reference_scenario(scenario, replicates, np.random.default_rng(seed),
                                         on_deliver=lambda t, s, i, p: log.append((t, s, i, p)))
    return {k: np.asarray(v, dtype=float) for k, v in metrics.items()}, log


def exact(which, scenario, replicates=2):
    """One replicate's metrics and deliveries {hour: [pairs]} (sender 0), checked the same in
    every replicate."""
    m, log = run(which, scenario, replicates)
    out = {}
    for k, v in m.items():
        assert np.array_equal(v, np.full_like(v, v[0]), equal_nan=True), (k, v)
        out[k] = float(v[0])
    per = [[(t, p) for t, s, i, p in log if i == r] for r in range(replicates)]
    assert all(x == per[0] for x in per), per
    sent: dict[int, list[int]] = {}
    for t, p in per[0]:
        sent.setdefault(t, []).append(p)
    return out, sent


def wilson_contains(k, n, p):
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=0.999, method="wilson")
    return ci.low <= p <= ci.high, (k / n, p, (ci.low, ci.high))


COUNT1 = CountRule(max_reports=1, window_hours=24)


# ------------------------------------------------------------------ a restriction, then more sends


@pytest.mark.parametrize("length", [5, 30])
def test_a_temporary_restriction_shifts_every_later_batch(which, length):
    """Staggered, 2 messages every 24 h to 10 contacts: batches planned at 0, 24, 48, 72, 96.
    Ranks 0 and 1 (the first batch) report when they read, at hour 0: the count rule (one
    report) restricts at the end of hour 0 for `length` hours, blocking 1..length; the sender
    is free again at length + 1. The strategy's clock stood still for `length` hours, so every
    later batch goes out exactly `length` hours late: at 24 + length, 48 + length, ... (with
    length 5 too: the batch at 24 was not blocked, yet it is shifted). All ten messages are
    delivered within the horizon; nobody else reports, so there is one restriction.
    Wrong rules would give: batches planned inside the restriction lost (8 messages with
    length 30), or sent at the lift all at once; unblocked batches sent on their old hours
    (24, 48, ... with length 5); a suspension (2 messages)."""
    sc = _scenario(lambda: Staggered(batch_size=2, interval_hours=24, minutes_per_batch=15),
                   [1, 1] + [0] * 8, platform=COUNT1, ladder=(length,), horizon=200)
    m, sent = exact(which, sc)
    assert sent == {0: [0, 1], 24 + length: [2, 3], 48 + length: [4, 5], 72 + length: [6, 7],
                    96 + length: [8, 9]}
    check_metrics(m, {"messages_sent": 10, "reports": 2, "restrictions": 1, "restricted": 1,
              "restriction_hour": 0, "restricted_hours": length, "suspended": 0,
              "suspension_hour": float("nan"), "effort_hours": 5 * 15 / 60})


def test_escalation_then_suspension(which):
    """Ladder [5, 10]; one message planned at 0, 2, 4 and 6 (ranks 0..3), each reported at once.
    Hour 0: report, restriction 1 (5 h): blocks 1..5, free from 6, the plan 5 h late.
    Planned 2 -> 7: report, restriction 2 (10 h, the ladder's second step): blocks 8..17,
      free from 18, the plan 15 h late.
    Planned 4 -> 19: report, restriction 3, past the ladder: a suspension at hour 19.
    Planned 6 -> never. Hours restricted within the 50-hour horizon: 5 + 10 + (20..49) = 45.
    Wrong rules would give: every restriction 5 h long (message 3 at 11, suspension at 11);
    the suspension counted as 0 or 1 hour restricted; four messages."""
    sc = _scenario(_script((0, [0]), (2, [1]), (4, [2]), (6, [3])), [1, 1, 1, 1],
                   platform=COUNT1, ladder=(5, 10), horizon=50)
    m, sent = exact(which, sc)
    assert sent == {0: [0], 7: [1], 19: [2]}
    check_metrics(m, {"messages_sent": 3, "reports": 3, "restrictions": 3, "restricted": 1,
              "restriction_hour": 0, "suspended": 1, "suspension_hour": 19,
              "restricted_hours": 45})


def test_restricted_hours_stop_at_the_horizon(which):
    """The same case with a 12-hour horizon: the second restriction (at 7, 10 h) blocks 8..17,
    of which 8..11 fall within the horizon: 5 + 4 hours restricted, no suspension."""
    sc = _scenario(_script((0, [0]), (2, [1]), (4, [2]), (6, [3])), [1, 1, 1, 1],
                   platform=COUNT1, ladder=(5, 10), horizon=12)
    m, sent = exact(which, sc)
    assert sent == {0: [0], 7: [1]}
    check_metrics(m, {"restrictions": 2, "restricted_hours": 9, "suspended": 0, "restriction_hour": 0})


def test_an_empty_ladder_makes_the_first_restriction_a_suspension(which):
    """restriction_hours=[]: the first restriction is permanent, as in the first build. Ranks
    0..2 at hour 0 and rank 3 at hour 6; rank 1 reports on reading, at hour 3: suspended at 3,
    restricted at 3 (the same event), one restriction, restricted from 4 to the horizon (16 of
    20 hours); the message planned at 6 is never sent."""
    sc = _scenario(_script((0, [0, 1, 2]), (6, [3])), [0, 1, 0, 0], delay=3, platform=COUNT1,
                   ladder=(), horizon=20)
    m, sent = exact(which, sc)
    assert sent == {0: [0, 1, 2]}
    check_metrics(m, {"restrictions": 1, "restricted": 1, "suspended": 1, "restriction_hour": 3,
              "suspension_hour": 3, "restricted_hours": 16, "messages_sent": 3})


def test_an_empty_ladder_restricts_exactly_when_it_suspends(which):
    """The same in a random scenario (default population, exponential read delays): with
    restriction_hours=[] every replicate is restricted exactly when suspended, at the same hour,
    once at most."""
    cfg = make_cfg(["network=erdos_renyi", "network.n=80", "network.mean_degree=10",
                    "population.report_prob=0.2", "population.threshold_median=1",
                    "strategy=staggered", "strategy.batch_size=3", "strategy.interval_hours=12",
                    "platform=count", "platform.restriction_hours=[]", "horizon_hours=200",
                    "replicates=300", "seed=5"])
    if which == "engine":
        df = simulate(cfg).replicates
    else:
        df = pd.DataFrame(run_reference_scenario(build_scenario(cfg), 300, np.random.default_rng(5)))
    assert 0.1 < df["suspended"].mean() < 0.9
    assert (df["restricted"] == df["suspended"]).all()
    assert df["restriction_hour"].equals(df["suspension_hour"])
    assert set(df["restrictions"]) <= {0, 1}


# ------------------------------------------------------------------ reports spent at a lift


def test_a_report_during_a_restriction_does_not_restrict_at_the_lift(which):
    """Count rule, one report within 24 h; ladder [10, 10]; read delay 5. Rank 0 (hour 0) reads
    and reports at 5: restricted, blocking 6..15, free from 16. Rank 1 (hour 2) reads and
    reports at 7, while restricted: that report is spent. At the lift (16) and after, no new
    report: one restriction. Wrong rules would give a second restriction at 16 (the report at
    7 still in the 24-hour window) or at 7 (a restricted sender restricted again)."""
    sc = _scenario(_script((0, [0]), (2, [1])), [1, 1], delay=5, platform=COUNT1,
                   ladder=(10, 10), horizon=60)
    m, sent = exact(which, sc)
    assert sent == {0: [0], 2: [1]}
    check_metrics(m, {"reports": 2, "restrictions": 1, "restriction_hour": 5, "restricted_hours": 10})


def test_a_message_sent_before_a_restriction_can_restrict_again_after_it(which):
    """Ladder [3, 10], read delay 5: rank 0 (hour 0) reports at 5, restricted 6..8, free from 9;
    rank 1 (hour 2) reports at 7 (spent); rank 2 (hour 4, before the restriction) reads and
    reports at 9, the lift: a new report, a second restriction (10 h) at 9."""
    sc = _scenario(_script((0, [0]), (2, [1]), (4, [2])), [1, 1, 1], delay=5, platform=COUNT1,
                   ladder=(3, 10), horizon=60)
    m, sent = exact(which, sc)
    assert sent == {0: [0], 2: [1], 4: [2]}
    check_metrics(m, {"reports": 3, "restrictions": 2, "restriction_hour": 5, "restricted_hours": 13})


def test_the_count_window_starts_at_the_lift(which):
    """Two reports within 48 h; ladder [10, 48]; read delay 5.
    Hour 0: ranks 0, 1; both report at 5: restricted at 5, blocks 6..15, free from 16, plan
      10 h late. Hours 3, 4: ranks 2, 3, read and reported at 8 and 9, while restricted: spent.
    Planned 8 -> 18: rank 4, reported at 23: since the lift (16), one report: free.
    Planned 30 -> 40: rank 5, reported at 45: the window 16..45 holds 23 and 45: restricted
      again at 45 (48 h, within the 100-hour horizon).
    Hours restricted 10 + 48. Wrong rules would give: the spent reports counted, a second
    restriction at 23, rank 5 shifted to 88 and a third (a suspension) at 93."""
    sc = _scenario(_script((0, [0, 1]), (3, [2]), (4, [3]), (8, [4]), (30, [5])), [1] * 6,
                   delay=5, platform=CountRule(max_reports=2, window_hours=48), ladder=(10, 48),
                   horizon=100)
    m, sent = exact(which, sc)
    assert sent == {0: [0, 1], 3: [2], 4: [3], 18: [4], 40: [5]}
    check_metrics(m, {"reports": 6, "restrictions": 2, "restriction_hour": 5, "restricted_hours": 58,
              "suspended": 0})


# ------------------------------------------------------------------ volume caps


CAP_CASES = {
    # a blast of 25, 7 a day: 7 at hours 0, 24, 48, then the last 4 at 72
    "daily": (GenericBlast, 25, dict(daily_cap=7), 400,
              {0: range(0, 7), 24: range(7, 14), 48: range(14, 21), 72: range(21, 25)}),
    # 10 a week: hours 0, 168 and 336 (calendar weeks)
    "weekly": (GenericBlast, 25, dict(weekly_cap=10), 400,
               {0: range(0, 10), 168: range(10, 20), 336: range(20, 25)}),
    # 4 a day and 10 a week: 4, 4, 2 in the first week's first days, the same in the second,
    # then the rest in the third
    "daily and weekly": (GenericBlast, 25, dict(daily_cap=4, weekly_cap=10), 400,
                         {0: range(0, 4), 24: range(4, 8), 48: range(8, 10), 168: range(10, 14),
                          192: range(14, 18), 216: range(18, 20), 336: range(20, 24),
                          360: range(24, 25)}),
    # batches of 10 every 12 h, 15 a day. Hour 12: 5 of the second batch, 5 held. Hour 24:
    # the 5 held first, then the third batch (15 that day). Hour 36: the fourth batch is
    # held whole (the day is full) and goes at 48.
    "held before new": (lambda: Staggered(batch_size=10, interval_hours=12), 40,
                        dict(daily_cap=15), 200,
                        {0: range(0, 10), 12: range(10, 15), 24: range(15, 30), 48: range(30, 40)}),
}


@pytest.mark.parametrize("case", CAP_CASES)
def test_caps_hold_every_calendar_day_and_week(which, case):
    """No calendar day (24d .. 24d + 23) delivers more than daily_cap, no week (168w ..
    168w + 167) more than weekly_cap; everything is delivered in the end, in order (the
    strategy's order), held messages before new ones."""
    strategy, n, caps, horizon, expected = CAP_CASES[case]
    sc = _scenario(strategy, [0] * n, horizon=horizon, **caps)
    m, sent = exact(which, sc)
    assert sent == {h: list(r) for h, r in expected.items()}
    order = [p for h in sorted(sent) for p in sent[h]]
    assert order == list(range(n))
    for cap, length in ((caps.get("daily_cap", 0), 24), (caps.get("weekly_cap", 0), 168)):
        if cap:
            per = {}
            for h, ps in sent.items():
                per[h // length] = per.get(h // length, 0) + len(ps)
            assert max(per.values()) <= cap
    check_metrics(m, {"messages_sent": n, "restrictions": 0})


def test_held_messages_wait_for_the_lift(which):
    """A blast of 20, 5 a day; rank 0 reports at once: restricted at the end of hour 0 for 30 h
    (blocking 1..30). 5 went out at 0; the 15 held wait through hour 24 (restricted) and go
    from the lift, hour 31 (day 1: 5), then 48 and 72. Wrong rules would give 5 at hour 24
    (held messages sent while restricted), or at 54 (held messages shifted like the plan)."""
    sc = _scenario(GenericBlast, [1] + [0] * 19, platform=COUNT1, ladder=(30,), daily_cap=5,
                   horizon=200)
    m, sent = exact(which, sc)
    assert sent == {0: [0, 1, 2, 3, 4], 31: [5, 6, 7, 8, 9], 48: [10, 11, 12, 13, 14],
                    72: [15, 16, 17, 18, 19]}
    check_metrics(m, {"messages_sent": 20, "restrictions": 1, "restricted_hours": 30})


def test_a_suspended_sender_never_delivers_its_held_messages(which):
    """The same with restriction_hours=[]: suspended at hour 0; the 15 held never go out."""
    sc = _scenario(GenericBlast, [1] + [0] * 19, platform=COUNT1, ladder=(), daily_cap=5,
                   horizon=200)
    m, sent = exact(which, sc)
    assert sent == {0: [0, 1, 2, 3, 4]}
    check_metrics(m, {"messages_sent": 5, "suspended": 1, "suspension_hour": 0})


# ------------------------------------------------------------------ review and rate rules


R_RULES = 4000


def _replicates(which):
    return R_RULES if which == "engine" else R_RULES // 2  # the reference is slower


@pytest.mark.parametrize("n, q, r", [(20, 0.1, 0.5), (40, 0.05, 0.3)])
def test_review_rule_restricts_a_blast_with_its_formula(which, n, q, r):
    """A blast of n messages, read at once, every read annoying, each reported with
    probability q; each report upheld with probability r. The sender is free until the first
    upheld report, so P(restricted at least once) = 1 - (1 - q r)^n (MODEL.md)."""
    sc = hand_scenario([(0, i) for i in range(1, n + 1)], n + 1, GenericBlast,
                       population=homogeneous(report_prob=q), platform=ReviewRule(restrict_prob=r),
                       enforcement=Enforcement(), horizon_hours=48)
    R = _replicates(which)
    m, _ = run(which, sc, replicates=R, seed=11)
    ok, why = wilson_contains(m["restricted"].sum(), R, 1 - (1 - q * r) ** n)
    assert ok, why
    assert (m["restriction_hour"][m["restricted"] == 1] == 0).all()


RATE = RateRule(max_rate=0.05, prior_rate=0.02, prior_messages=20)  # a0 = 0.4, b0 = 19.6


def _rate_p(k, n):
    """P(theta > max_rate), theta ~ Beta(a0 + k, b0 + n - k), computed here with scipy.stats."""
    a0 = RATE.prior_rate * RATE.prior_messages
    b0 = (1 - RATE.prior_rate) * RATE.prior_messages
    return stats.beta.sf(RATE.max_rate, a0 + k, b0 + n - k)


@pytest.mark.parametrize("plan, delay, n", [
    # a blast of 20 at hour 0, read at once: the report's day has 20 messages
    (((0, range(20)),), 0, 20),
    # 10 at hour 0, 10 more at hour 5, read 8 h later: the report (at 8) sees the day so far, 20
    (((0, range(10)), (5, range(10, 20))), 8, 20),
    # 10 at hour 20 (day 0), 20 at hour 25 (day 1), read 10 h later: the report arrives on day
    # 1 but counts against day 0, its message's delivery day, which had 10
    (((20, range(10)), (25, range(10, 30))), 10, 10),
])
def test_rate_rule_restricts_with_the_beta_tail(which, plan, delay, n):
    """Only rank 0 ever reports: one report among the messages of its delivery day. The rule
    restricts with P(theta > max_rate), theta ~ Beta(a0 + 1, b0 + n - 1)."""
    size = max(max(r) for _, r in plan) + 1
    sc = _scenario(_script(*[(h, list(r)) for h, r in plan]), [1] + [0] * (size - 1), delay=delay,
                   platform=RATE, ladder=(24,), horizon=100)
    R = _replicates(which)
    m, _ = run(which, sc, replicates=R, seed=12)
    assert (m["reports"] == 1).all()
    ok, why = wilson_contains(m["restricted"].sum(), R, _rate_p(1, n))
    assert ok, why


def _rate_after_a_lift():
    """Rank 0 (hour 0) and 7 silent contacts (hour 0), rank 1 (hour 1) and rank 2 (hour 2): 10
    messages on day 0, read 2 h later; ranks 0, 1, 2 report at 2, 3 and 4. Ladder [1, 5]."""
    return _scenario(_script((0, [0] + list(range(3, 10))), (1, [1]), (2, [2])),
                     [1, 1, 1] + [0] * 7, delay=2, platform=RATE, ladder=(1, 5), horizon=30)


@pytest.mark.parametrize("which", ["reference", "engine"])
def test_rate_rule_after_a_lift_counts_no_spent_report(which):
    """Restricted at 2 (probability p(1 report of 10)), the sender is blocked in hour 3 (rank
    1's report there is spent) and free again at 4, when rank 2 reports. Of the day's three
    reports, the two from before the lift do not count again, so the second restriction comes
    with probability p(k = 1, n = 10) = 0.36 again; counting them (k = 3) would give 0.89."""
    R = _replicates(which)
    m, _ = run(which, _rate_after_a_lift(), replicates=R, seed=13)
    first = m["restriction_hour"] == 2
    assert first.sum() > 500
    second = (m["restrictions"][first] >= 2).sum()
    ok, why = wilson_contains(second, first.sum(), _rate_p(1, 10))
    assert ok, (why, "k = 3 would give", _rate_p(3, 10))


# ------------------------------------------------------------------ rules of one's own


def test_a_rule_of_ones_own_that_acts_without_reports(which):
    """RestrictAtHour(3), acting in every hour: nobody reports, yet the sender is restricted at
    the end of hour 3 (ladder [10]): the batches planned at 12 and 24 go out at 22 and 34."""
    sc = _scenario(lambda: Staggered(batch_size=1, interval_hours=12), [0, 0, 0],
                   platform=RestrictAtHour(hour=3), ladder=(10,), horizon=60)
    m, sent = exact(which, sc)
    assert sent == {0: [0], 22: [1], 34: [2]}
    check_metrics(m, {"reports": 0, "restrictions": 1, "restriction_hour": 3, "restricted_hours": 10})


def test_a_rule_of_ones_own_on_reports(which):
    """RestrictOnFirstReport with a ladder [4]: each report restricts a free sender; a
    report while restricted does nothing. Ranks 0, 1 at hour 0 and 2 at hour 1, read after 2
    h: reports at 2 (restricted, blocks 3..6) and 3 (spent): one restriction."""
    sc = _scenario(_script((0, [0, 1]), (1, [2])), [0, 1, 1], delay=2,
                   platform=RestrictOnFirstReport(), ladder=(4, 4), horizon=40)
    m, sent = exact(which, sc)
    assert sent == {0: [0, 1], 1: [2]}
    check_metrics(m, {"reports": 2, "restrictions": 1, "restriction_hour": 2, "restricted_hours": 4})


SMALL = ["network=erdos_renyi", "network.n=60", "network.mean_degree=8", "replicates=6",
         "horizon_hours=60", "output.progress=false", "output.plot=false", "output.table=false",
         "seed=2"]


def test_a_rule_of_ones_own_named_on_the_command_line(tmp_path):
    """+platform._target_ with its own key (+platform.hour): every replicate is restricted at
    hour 5 for the ladder's first 24 h, and nowhere else."""
    res = outreach(*SMALL, "platform=none", "+platform._target_=custom_strategy.RestrictAtHour",
                   "+platform.hour=5", f"hydra.run.dir={tmp_path}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    rep = pd.read_parquet(tmp_path / "replicates.parquet")
    assert (rep["restricted"] == 1).all() and (rep["restriction_hour"] == 5).all()
    assert (rep["restrictions"] == 1).all() and (rep["restricted_hours"] == 24).all()
    assert not rep["suspended"].any()


@pytest.mark.parametrize("target, words", [
    ("custom_strategy.NoSuchRule", "cannot import"),
    ("custom_strategy.NotARule", "expected a class with restrict(state) and limit_text()"),
])
def test_a_bad_rule_target_fails_with_one_line(tmp_path, target, words):
    res = outreach(*SMALL, f"+platform._target_={target}", f"hydra.run.dir={tmp_path}", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith(f"outreach: error: platform._target_='{target}'"), lines[0]
    assert words in lines[0]
    assert not (tmp_path / "replicates.parquet").exists()


# ------------------------------------------------------------------ the engine against the text


def _two_senders():
    """Senders 0 (contact 2, from hour 0) and 1 (contact 3, from hour 5), a blast each, both
    reported at once; one report restricts; ladder [100]; horizon 50."""
    return _scenario(GenericBlast, [1, 1], senders=[(0, [2]), (1, [3])],
                     platform=COUNT1, ladder=(100,), horizon=50, start_hours=(0, 5))


@pytest.mark.parametrize("which", ["reference", "engine"])
def test_a_restriction_lifting_after_the_horizon(which):
    """Sender 0 is restricted at 0 (blocks 1..100: 49 hours within the horizon), sender 1 at 5
    (blocks 6..: 44 hours). Per replicate, means over the two senders."""
    m, _ = exact(which, _two_senders(), replicates=1)
    check_metrics(m, {"restrictions": 1, "restricted": 1, "restricted_hours": (49 + 44) / 2,
              "restriction_hour": 0, "suspended": 0})


@pytest.mark.parametrize("which", ["reference", "engine"])
def test_a_rule_is_asked_only_in_hours_with_a_new_report(which):
    """One contact, reported with probability 1/2 on reading (at hour 0); RestrictAlways
    restricts whenever it is asked, and without acts_without_reports it is asked only in an
    hour with a new report: the sender is restricted exactly when its contact reported, in
    half the replicates, whatever the other replicates of its batch did."""
    sc = hand_scenario([(0, 1)], 2, GenericBlast, population=homogeneous(report_prob=0.5),
                       platform=RestrictAlways(), enforcement=Enforcement(), horizon_hours=10)
    m, _ = run(which, sc, replicates=400, seed=3)
    assert (m["restricted"] == m["reports"]).all()
