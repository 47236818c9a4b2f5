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
from helpers import check_metrics, written_scenario
from sim.engine.engine import Engine
from sim.rules.platform_rules import Enforcement


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
                   RestrictOnFirstReport(), Enforcement(restriction_hours=(5, 10), after_last="repeat"),
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
                   RestrictOnFirstReport(), Enforcement(restriction_hours=(4,), after_last="repeat"),
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
