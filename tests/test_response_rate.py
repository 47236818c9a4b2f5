"""The response_rate rule and the after_last key of docs/MODEL.md ("Platform rules"), in cases
worked by hand.

* ``after_last=repeat``: a restriction past the end of the ladder lasts as long as the last
  one again, never for good; run through the engine with rules of one's own
  (tests/custom_strategy.py) that restrict exactly when a test needs.
* ``ResponseRateRule.restrict`` on hand-built ``PlatformState`` objects: the messages and
  replies of the window's calendar days, only days starting at or after the last lift, judged
  only at the end of a calendar day.
* The config: defaults, and a bad key fails with one line naming it.

Set-up of the engine cases: a sender (node 0) and contacts 1..C, contact c + 1 of rank c;
everyone reads every message at once (read_prob 1, delay 0) and is annoyed by it (threshold
0.5, increment 1), and reports it when its report chance is 1.
"""

from __future__ import annotations

import numpy as np
import pytest

from custom_strategy import RestrictOnFirstReport, Script
from helpers import check_metrics, outreach, written_scenario
from sim.config import compose
from sim.config.validation import validate
from sim.engine.engine import Engine
from sim.errors import ConfigError
from sim.rules.platform_rules import (Enforcement, PlatformState, ResponseRateRule,
                                      make_platform_rule)


def _scenario(plan, reports, platform, enforcement, horizon):
    """plan: (planned hour, [ranks]) of generic messages; reports: each contact's report chance."""
    contacts = list(range(1, len(reports) + 1))
    return written_scenario(
        [(0, c) for c in contacts], len(contacts) + 1, [(0, contacts)],
        lambda: Script([(h, "generic", ranks) for h, ranks in plan]),
        pairs={"generic": [1.0] * len(contacts), "report": list(reports)}, close_ties=0,
        threshold=0.5, delay=0, platform=platform, enforcement=enforcement, horizon=horizon)


def _run(scenario, replicates=2):
    """One replicate's metrics (every replicate the same), the hours of each delivery, and the
    restrictions (from, until) of replicate 0's sender."""
    eng = Engine(scenario, replicates, 0, record_series=False)
    sent: dict[int, list[int]] = {}
    eng.on_deliver = lambda t, s, r, pairs: [sent.setdefault(t, []).append(int(p))
                                             for i, p in zip(np.asarray(r).tolist(),
                                                             np.asarray(pairs).tolist()) if i == 0]
    metrics = eng.run().metrics
    out = {}
    for k, v in metrics.items():
        v = np.asarray(v, dtype=float)
        assert np.array_equal(v, np.full_like(v, v[0]), equal_nan=True), (k, v)
        out[k] = float(v[0])
    blocks = [(a, b) for i, a, b in eng.restriction_log if i == 0]
    return out, sent, blocks


# ------------------------------------------------------------------ after_last=repeat, end to end


def test_repeat_after_the_last_step_restricts_again_for_the_last_length():
    """Ladder [5, 10], after_last=repeat; one message planned at 0, 2, 4 and 6 (ranks 0..3),
    each reported at once; RestrictOnFirstReport restricts a free sender on any report.
    Hour 0: report, restriction 1 (5 h): blocks 1..5, free from 6, the plan 5 h late.
    Planned 2 -> 7: report, restriction 2 (10 h): blocks 8..17, free from 18, 15 h late.
    Planned 4 -> 19: report, restriction 3, past the ladder: the last length again (10 h),
      blocks 20..29, free from 30, 25 h late.
    Planned 6 -> 31: report, restriction 4 (10 h): blocks 32..41 (32..39 within the 40-hour
      horizon). Restricted hours 5 + 10 + 10 + 8 = 33; never suspended.
    With after_last=permanent (tests/test_platform_rules.py) the third is a suspension at 19
    and the fourth message never goes out."""
    sc = _scenario([(0, [0]), (2, [1]), (4, [2]), (6, [3])], [1, 1, 1, 1],
                   RestrictOnFirstReport(),
                   Enforcement(restriction_hours=(5, 10), after_last="repeat"),
                   horizon=40)
    m, sent, blocks = _run(sc)
    assert sent == {0: [0], 7: [1], 19: [2], 31: [3]}
    assert blocks == [(1, 6), (8, 18), (20, 30), (32, 40)]
    check_metrics(m, {"messages_sent": 4, "reports": 4, "restrictions": 4, "restricted": 1,
                      "restriction_hour": 0, "restricted_hours": 33, "suspended": 0,
                      "suspension_hour": float("nan")})


def test_repeat_with_one_step_repeats_it_every_time():
    """Ladder [4], after_last=repeat (as the response_rate default [336]); one message planned
    at 0, 1, 2 and 3, each reported at once. Each report restricts for 4 h and the plan slips
    4 h each time: 0 (blocks 1..4), planned 1 -> 5 (blocks 6..9), planned 2 -> 10 (11..14),
    planned 3 -> 15 (16..19). Four restrictions, 16 hours, no suspension within the 30 hours."""
    sc = _scenario([(0, [0]), (1, [1]), (2, [2]), (3, [3])], [1, 1, 1, 1],
                   RestrictOnFirstReport(),
                   Enforcement(restriction_hours=(4,), after_last="repeat"),
                   horizon=30)
    m, sent, blocks = _run(sc)
    assert sent == {0: [0], 5: [1], 10: [2], 15: [3]}
    assert blocks == [(1, 5), (6, 10), (11, 15), (16, 20)]
    check_metrics(m, {"messages_sent": 4, "restrictions": 4, "restricted_hours": 16,
                      "suspended": 0, "suspension_hour": float("nan")})


def test_permanent_after_the_last_step_is_still_a_suspension():
    """The same one-step ladder with after_last=permanent (the default): restricted at 0 for 4
    h, then suspended at 5 when the message planned at 1 is reported: blocks 6..29, so 4 + 24
    hours restricted, two restrictions, and the messages planned at 2 and 3 never go out."""
    sc = _scenario([(0, [0]), (1, [1]), (2, [2]), (3, [3])], [1, 1, 1, 1],
                   RestrictOnFirstReport(), Enforcement(restriction_hours=(4,)), horizon=30)
    m, sent, blocks = _run(sc)
    assert sent == {0: [0], 5: [1]}
    assert blocks == [(1, 5), (6, 30)]
    check_metrics(m, {"messages_sent": 2, "restrictions": 2, "restricted_hours": 28,
                      "suspended": 1, "suspension_hour": 5})


def test_repeat_needs_a_ladder():
    with pytest.raises(ValueError, match="after_last='repeat' needs at least one"):
        Enforcement(restriction_hours=(), after_last="repeat")
    with pytest.raises(ValueError, match="after_last='again'"):
        Enforcement(after_last="again")


# ------------------------------------------------------------------ the rule, by hand

DAY = 24
RULE = ResponseRateRule(min_response_rate=0.13, min_volume=100, window_hours=336)


def _state(hour, delivered, replies, last_lift=None):
    """A PlatformState at the end of `hour`: delivered, replies {sender: {day: count}} for
    senders 0..S-1 (S = len(delivered)); last_lift per sender (default 0: never restricted).
    No reports: the rule must not need them."""
    S, days = len(delivered), 40
    day_delivered = np.zeros((S, days), dtype=np.int32)
    day_replies = np.zeros((S, days), dtype=np.int32)
    for s in range(S):
        for d, n in delivered[s].items():
            day_delivered[s, d] = n
        for d, k in replies[s].items():
            day_replies[s, d] = k
    lift = np.zeros(S, dtype=np.int64) if last_lift is None else np.asarray(last_lift, np.int64)
    return PlatformState(
        hour=hour, new_reports=np.zeros(S, dtype=np.int64),
        reports_in_last=lambda h: np.zeros(S, dtype=np.int64),
        delivered_in_last=lambda h: np.zeros(S, dtype=np.int64),
        report_sender=np.zeros(0, dtype=np.int64), report_delivery_hour=np.zeros(0, dtype=np.int64),
        day_reports=np.zeros((S, days), dtype=np.int32), day_delivered=day_delivered,
        day_replies=day_replies, last_lift=lift, uniform=lambda: np.zeros(S))


# End of day 20 (hour 503): the window is days 7..20.
END_OF_DAY_20 = 20 * DAY + 23


def test_the_threshold_and_the_minimum_volume():
    """Day 20, never restricted:
    sender 0: 100 messages, 12 replies: 12% < 13% on 100 >= 100 -> restricted;
    sender 1: 100 messages, 13 replies: 13% is not below 13% -> free;
    sender 2: 99 messages, no reply: below the minimum volume -> free;
    sender 3: 100 messages on day 7 (the window's first day), 12 replies -> restricted.
    At the end of day 0 (hour 23; the window cut at day 0): 100 messages on day 0 with no reply
    -> restricted; with 13 replies -> free."""
    st = _state(END_OF_DAY_20, [{20: 100}, {20: 100}, {20: 99}, {7: 100}],
                [{20: 12}, {20: 13}, {}, {7: 12}])
    assert RULE.restrict(st).tolist() == [True, False, False, True]
    assert RULE.restrict(_state(23, [{0: 100}], [{}])).tolist() == [True]
    assert RULE.restrict(_state(23, [{0: 100}], [{0: 13}])).tolist() == [False]


def test_the_window_is_the_last_fourteen_calendar_days():
    """Messages spread over 15 days, days 6..20; at the end of day 20 day 6 falls out.
    sender 0: 8 messages a day; day 6's 8 all answered, one reply on each later day: in the
      window 112 messages and 14 replies, 12.5% -> restricted (with day 6: 22 of 120, 18%);
    sender 1: 10 messages on day 6 and 7 a day on days 7..20, no reply: 98 in the window, under
      the minimum -> free (with day 6: 108 -> restricted).
    At the end of day 19 (window 6..19) the same senders: sender 0 has 8 * 14 = 112 messages
    and 8 + 13 = 21 replies (18.75%) -> free; sender 1 has 10 + 7 * 13 = 101 -> restricted."""
    delivered = [{d: 8 for d in range(6, 21)}, {6: 10, **{d: 7 for d in range(7, 21)}}]
    replies = [{6: 8, **{d: 1 for d in range(7, 21)}}, {}]
    assert RULE.restrict(_state(END_OF_DAY_20, delivered, replies)).tolist() == [True, False]
    assert RULE.restrict(_state(19 * DAY + 23, delivered, replies)).tolist() == [False, True]


def test_days_before_the_last_lift_do_not_count():
    """sender 0 was lifted at hour 365 (day 15 starts at 360, before the lift): day 15's 50
      unanswered messages do not count; days 16..20, 20 a day with 3 replies each: 100
      messages, 15 replies, 15% -> free (counting day 15: 15 of 150, 10% -> restricted);
    sender 1 was lifted at hour 384, the start of day 16: day 16 counts: 100 messages, no
      reply -> restricted;
    sender 2 was lifted at hour 385: day 16 no longer counts -> free (nothing else)."""
    delivered = [{15: 50, **{d: 20 for d in range(16, 21)}}, {16: 100}, {16: 100}]
    replies = [{d: 3 for d in range(16, 21)}, {}, {}]
    st = _state(END_OF_DAY_20, delivered, replies, last_lift=[365, 384, 385])
    assert RULE.restrict(st).tolist() == [False, True, False]


@pytest.mark.parametrize("hour", [0, 22, 20 * DAY, 20 * DAY + 22, 21 * DAY])
def test_only_at_the_end_of_a_calendar_day(hour):
    """A sender far below the rate (200 messages every day 0..21, no reply) is judged only at
    hours 24d + 23: at any other hour the rule restricts nobody."""
    st = _state(hour, [{d: 200 for d in range(22)}], [{}])
    assert RULE.restrict(st).tolist() == [False]
    st.hour = hour - hour % DAY + 23
    assert RULE.restrict(st).tolist() == [True]


def test_the_rule_acts_without_reports_and_says_its_limit():
    assert RULE.acts_without_reports is True
    assert RULE.limit_text() == "a response rate below 13% on 100 or more messages over 14 days"


# ------------------------------------------------------------------ through the engine, no replies


def _blast_plan(*hours, per=100):
    """per messages at each planned hour, to the next ranks."""
    return [(h, list(range(i * per, (i + 1) * per))) for i, h in enumerate(hours)]


def test_an_unanswered_blast_is_restricted_at_the_end_of_its_day_then_again():
    """200 contacts, nobody replies nor reports; 100 messages planned at hour 0 and 100 at 24;
    the rule's defaults (0.13, 100, 14 days, [336] repeated).
    End of day 0 (hour 23): 100 messages, 0 replies -> restricted for 336 h: blocks 24..359,
      lift at 360 (the start of day 15); the batch planned at 24 goes out at 24 + 336 = 360.
    End of day 15 (hour 383): days 2..15 in the window, only day 15 counts (since the lift):
      100 messages, 0 replies -> restricted again, past the ladder's one step: 336 h again,
      blocks 384..719. Nothing more is delivered: no further restriction within 800 hours.
    Restricted hours 336 + 336; never suspended."""
    sc = _scenario(_blast_plan(0, 24), [0] * 200, ResponseRateRule(),
                   Enforcement(restriction_hours=(336,), after_last="repeat"), horizon=800)
    m, sent, blocks = _run(sc)
    assert sorted(sent) == [0, 360] and len(sent[0]) == len(sent[360]) == 100
    assert blocks == [(24, 360), (384, 720)]
    check_metrics(m, {"messages_sent": 200, "reports": 0, "restrictions": 2, "restricted": 1,
                      "restriction_hour": 23, "restricted_hours": 672, "suspended": 0,
                      "suspension_hour": float("nan")})


def test_a_short_restriction_spends_the_days_before_its_lift():
    """One unanswered blast of 100 at hour 0; ladder [48] repeated: restricted at 23, blocks
    24..71, lift at 72 (the start of day 3). At the end of day 3 the window holds days 0..3 but
    only day 3 counts (no messages): no second restriction (counting day 0 again would
    restrict at 95, and every three days after). 99 messages: never restricted."""
    enf = Enforcement(restriction_hours=(48,), after_last="repeat")
    m, _, blocks = _run(_scenario(_blast_plan(0), [0] * 100, ResponseRateRule(), enf, horizon=200))
    assert blocks == [(24, 72)]
    check_metrics(m, {"restrictions": 1, "restriction_hour": 23, "restricted_hours": 48})
    m, _, blocks = _run(_scenario(_blast_plan(0, per=99), [0] * 99, ResponseRateRule(), enf,
                                  horizon=200))
    assert blocks == [] and m["restrictions"] == 0


# ------------------------------------------------------------------ the config


def test_the_config_builds_the_rule_with_its_defaults():
    cfg = compose(["platform=response_rate"])
    validate(cfg)
    rule = make_platform_rule(cfg.platform)
    assert rule == ResponseRateRule(min_response_rate=0.13, min_volume=100, window_hours=336)
    assert Enforcement.from_config(cfg.platform) == Enforcement(
        restriction_hours=(336,), daily_cap=0, weekly_cap=0, after_last="repeat")
    # the other rules keep a suspension past the ladder
    assert Enforcement.from_config(compose(["platform=count"]).platform).after_last == "permanent"


WHOLE_DAYS = "expected a positive multiple of 24 (the rule counts whole calendar days)"


@pytest.mark.parametrize("overrides, message", [
    (["platform.min_response_rate=1.5"],
     "platform.min_response_rate=1.5: expected a probability in [0, 1]"),
    (["platform.min_volume=0"], "platform.min_volume=0: expected a positive integer"),
    (["platform.window_hours=100"], f"platform.window_hours=100.0: {WHOLE_DAYS}"),
    (["platform.window_hours=0"], f"platform.window_hours=0.0: {WHOLE_DAYS}"),
    (["platform.after_last=again"],
     "platform.after_last='again': expected one of permanent, repeat"),
    (["platform.restriction_hours=[]"],
     "platform.after_last='repeat': expected permanent when platform.restriction_hours=[] "
     "(repeat repeats the last length)"),
])
def test_bad_keys_fail_naming_the_key(overrides, message):
    with pytest.raises(ConfigError) as err:
        validate(compose(["platform=response_rate", *overrides]))
    assert str(err.value) == message


def test_a_bad_key_on_the_command_line_is_one_line_and_exit_2(tmp_path):
    run = tmp_path / "run"
    p = outreach("platform=response_rate", "platform.min_volume=-1", "network.n_contacts=100",
                 "close_ties=10", "replicates=5", "output.plot=false", "output.progress=false",
                 "output.table=false", f"hydra.run.dir={run}", cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert lines == ["outreach: error: platform.min_volume=-1: expected a positive integer"]
    assert not (run / "replicates.parquet").exists()
