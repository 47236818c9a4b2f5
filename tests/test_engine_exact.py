"""Small cases worked by hand from the rules of docs/MODEL.md: every probability is 0 or 1 and
every delay constant, so the hour of each event, and every number a run reports, can be
written down without simulating. Each case combines several rules (a strategy's schedule, a
platform rule, annoyance adding up across messages and senders, word of mouth) and says what a
plausible wrong rule would give instead. The cases run on the engine and on the per-agent
reference (tests/oracles/reference.py); the hourly series come from the engine.

(These replace a comparison with a frozen copy of the engine before its speed work, which
could only show that the two agreed, not that either followed the rules.)"""

import math

import numpy as np
import pytest

from conftest import at_end_of
from helpers import check_metrics, written_scenario
from sim.engine.engine import SERIES, Engine, Scenario
from sim.rules.platform_rules import CountRule
from sim.rules.strategies import BlastThenPersonal, GenericBlast, PersonalFirst, Staggered


def _series(scenario, name, replicates=2):
    """The engine's hourly series of `name` (mean over senders), checked equal in every replicate."""
    series = Engine(scenario, replicates, 7).run().series
    x = series[:, SERIES.index(name), :]
    assert (x == x[:, :1]).all(), name
    return x[:, 0].tolist()


# ------------------------------------------------------------------ blast, then notes


def _blast_then_notes(window_hours):
    """Sender 0; contacts 1 (w 0.9), 2 (w 0.6), 3 (w 0.2), strongest first; 1 knows 4, 4 knows
    5. Half-life 3 h, no read delay. Blast at hour 0, then notes to the k = 3 strongest, two a
    day, from hour 3: to 1 and 2 at hour 3, to 3 at hour 27. Count rule: 2 reports within
    window_hours."""
    return written_scenario(
        [(0, 1), (0, 2), (0, 3), (1, 4), (4, 5)], 6, [(0, [1, 2, 3])],
        lambda: BlastThenPersonal(k=3, notes_per_day=2, delay_hours=3, minutes_per_note=10,
                                  minutes_per_batch=15),
        pairs={"w": [0.9, 0.6, 0.2], "generic": [0.3, 0.7, 0.5], "personal": [0.3, 0.0, 0.6],
               "share": [1, 0, 0], "unfollow": [0, 1, 0]},
        exposure={1: 1, 4: 1}, wom={4: 1}, close_ties=2, half_life=3.0,
        platform=CountRule(max_reports=2, window_hours=window_hours), horizon=40)


@pytest.mark.parametrize("window_hours, suspended", [(24, 0), (27, 0), (28, 1)])
def test_blast_then_notes_with_a_two_report_rule(impl, window_hours, suspended):
    """Hour 0, the blast, read at once, in rank order:
      1: annoyance 0.3, not above the threshold 0.5: shares (direct supporter); 4 sees the
         share the same hour and shares too (word of mouth 1); 4's share reaches 5 (aware,
         does not share) and 1 (already aware); the sender is never shown a share.
      2: 0.7 > 0.5: annoyed, reports (report 1, hour 0) and unfollows.
      3: 0.5, not strictly above: nothing.
    Hour 3, notes to 1 and 2: 2 has unfollowed, so only 1's is delivered. 1's annoyance has
      decayed for one half-life: 0.3 * 2^(-3/3) + 0.3 = 0.45, not above 0.5; 1 has shared
      already and does not share again.
    Hour 27, the note to 3: 0.5 * 2^(-27/3) + 0.6 = 0.6009..., annoyed: reports (report 2).
    The two reports are 27 h apart: a window of w hours at hour 27 covers 28 - w .. 27, so it
    holds both only when w >= 28; then the sender is suspended at hour 27.
    Totals: reach 5 (1-5), supporters 2 (1, 4), annoyed 2 (2, 3; of whom 2 is a close tie,
    and the unfollow, tie strength 0.6), 5 messages (3 + 1 + 1), 2 of them notes, effort
    15 + 2 * 10 minutes (a note is paid for only when delivered).
    Wrong rules would give: no decay, 1 annoyed at hour 3 (0.6) and a suspension at hour 3
    whatever the window; annoyed at >= the threshold, 3 annoyed at hour 0 and a suspension at
    hour 0; a note delivered to an unfollower, 6 messages and 45 minutes; a second share by 1,
    3 supporters; the sender shown a share, reach 6."""
    m = at_end_of(impl, _blast_then_notes(window_hours), 39)
    check_metrics(m, {
        "reach": 5, "supporters": 2, "direct_supporters": 1, "annoyed": 2,
        "close_ties_annoyed": 1, "people_annoyed": 2, "reports": 2, "unfollows": 1,
        "unfollows_weighted": 0.6, "close_ties_lost": 1, "messages_sent": 5,
        "personal_notes": 2, "effort_hours": 35 / 60, "suspended": suspended,
        "suspension_hour": 27.0 if suspended else math.nan,
    })


def test_blast_then_notes_hour_by_hour():
    sc = _blast_then_notes(28)
    assert _series(sc, "reach")[:3] == [5, 5, 5]  # the whole cascade within hour 0
    assert _series(sc, "messages_sent")[:29] == [3] * 3 + [4] * 24 + [5] * 2
    assert _series(sc, "reports")[:29] == [1] * 27 + [2] * 2
    assert _series(sc, "suspended")[:29] == [0] * 27 + [1] * 2


# ------------------------------------------------------------------ two senders, count rule


def _two_senders_notes_first(max_reports):
    """Sender 0 (node 0) starts at hour 1, with contacts 5 (w 0.5) and 2 (w 0.2); sender 1
    (node 1) starts at hour 0, with contacts 2 (w 0.8), 3 (w 0.1), 4 (w 0). Person 2 is a
    contact of both. Each sends a personal note to its strongest contact (k = 1) at its
    start and the generic message to the others 2 h later; reads come 2 h after delivery.
    Count rule: max_reports reports within 24 h suspend (the first restriction is permanent)."""
    return written_scenario(
        [(0, 5), (0, 2), (1, 2), (1, 3), (1, 4)], 6, [(0, [5, 2]), (1, [2, 3, 4])],
        lambda: PersonalFirst(k=1, notes_per_day=1, delay_hours=2, minutes_per_note=10,
                              minutes_per_batch=15),
        pairs={"w": [0.5, 0.2, 0.8, 0.1, 0.0], "generic": [0.0, 0.3, 0.0, 0.9, 0.0],
               "personal": [0.0, 0.0, 0.3, 0.0, 0.0]},
        start_hours=(1, 0), delay=2, half_life=168.0,
        platform=CountRule(max_reports=max_reports, window_hours=24))


@pytest.mark.parametrize("max_reports, suspended", [(1, 1), (2, 0)])
def test_two_senders_share_one_persons_annoyance(impl, max_reports, suspended):
    """Deliveries: sender 1's note to 2 at hour 0 and generic to 3, 4 at hour 2; sender 0's
    note to 5 at hour 1 and generic to 2 at hour 3. Reads, 2 h later:
      hour 2: 2 reads sender 1's note: annoyance 0.3, not above 0.5.
      hour 3: 5 reads sender 0's note: 0.
      hour 4: 3 reads sender 1's generic: 0.9, annoyed, reports sender 1: with one report
              enough, sender 1 is suspended at hour 4 (its sends are all done); 4 reads it: 0.
      hour 5: 2 reads sender 0's generic: annoyance is the person's, whoever sent the
              earlier message: 0.3 * 2^(-3/168) + 0.3 = 0.5963 > 0.5: annoyed, reports
              sender 0, suspended at hour 5 with one report enough.
    Per sender: 2 and 3 messages (one note each), reach 2 and 3, one annoyed and one report
    each; the metrics are the means over the two senders, people_annoyed the total (2, 3);
    suspension_hour is the first sender's (5). Neither annoyed pair is a close tie (2 is
    sender 1's close tie, but was annoyed by sender 0). With two reports needed nobody is ever
    suspended (each sender draws one). Wrong rules would give: annoyance kept per sender, 2
    not annoyed (0.3), sender 0 never suspended (mean 0.5); start hours ignored, sender 0's
    generic read at hour 4 and its suspension at hour 4; reports pooled over senders, a
    suspension with two reports needed; closeness per person, close_ties_annoyed 0.5."""
    m = at_end_of(impl, _two_senders_notes_first(max_reports), 30)
    check_metrics(m, {
        "messages_sent": 2.5, "personal_notes": 1, "effort_hours": 25 / 60, "reach": 2.5,
        "annoyed": 1, "reports": 1, "people_annoyed": 2, "close_ties_annoyed": 0,
        "supporters": 0, "unfollows": 0, "suspended": suspended,
        "suspension_hour": 5.0 if suspended else math.nan,
    })


def test_two_senders_hour_by_hour():
    sc = _two_senders_notes_first(1)
    # the series are means over the two senders
    assert _series(sc, "messages_sent")[:5] == [0.5, 1.0, 2.0, 2.5, 2.5]
    assert _series(sc, "reach")[:6] == [0, 0, 0.5, 1.0, 2.0, 2.5]
    assert _series(sc, "reports")[:6] == [0, 0, 0, 0, 0.5, 1.0]
    assert _series(sc, "suspended")[:8] == [0] * 4 + [0.5] + [1.0] * 3


# ------------------------------------------------------------------ staggered, adaptive pause


def _paused_batches():
    """Sender 0; contacts 1-4 (w 0.4, 0.3, 0.2, 0.1); 2 knows 5. Staggered: one contact per
    batch, strongest first, every 2 h; a batch is held back while the reports in the last 5 h
    are at least 1. Reads and sightings of shares come 1 h later. No platform rule."""
    return written_scenario(
        [(0, 1), (0, 2), (0, 3), (0, 4), (2, 5)], 6, [(0, [1, 2, 3, 4])],
        lambda: Staggered(batch_size=1, interval_hours=2, order="strongest_first",
                          adaptive_pause=True, pause_reports=1, pause_window_hours=5,
                          minutes_per_batch=15),
        pairs={"w": [0.4, 0.3, 0.2, 0.1], "generic": [0.7, 0.3, 0.7, 0.0], "share": [0, 1, 0, 0]},
        exposure={2: 1}, delay=1, horizon=30)


def test_staggered_batches_wait_out_the_pause_window(impl):
    """Batch ticks at hours 0, 2, 4, ...; the window of 5 h at hour t covers t - 4 .. t.
      hour 0: no report yet: 1 gets the message; reads it at hour 1 (0.7): reports.
      hours 2, 4: the hour-1 report is in the window: held back.
      hour 6: window 2..6 is clear: 2 gets it; reads at 7 (0.3) and shares; 5 sees it at 8.
      hour 8: 3 gets it; reads at 9 (0.7): reports.
      hours 10, 12: held back. hour 14: window 10..14 clear: 4 gets it (reads at 15).
    4 batches (60 minutes), reach 5 (1-4 and 5), 2 reports, 1 supporter.
    Wrong rules would give: no pause, messages at hours 0, 2, 4, 6; a window of 6 h (or one
    counting the report's hour twice), the queue resuming at hour 8 instead of 6."""
    m = at_end_of(impl, _paused_batches(), 29)
    check_metrics(m, {"messages_sent": 4, "effort_hours": 1.0, "reach": 5, "supporters": 1,
               "direct_supporters": 1, "reports": 2, "annoyed": 2, "suspended": 0})


def test_staggered_pause_hour_by_hour():
    sc = _paused_batches()
    assert _series(sc, "messages_sent")[:16] == [1] * 6 + [2] * 2 + [3] * 6 + [4] * 2
    assert _series(sc, "reports")[:11] == [0] + [1] * 8 + [2] * 2
    assert _series(sc, "reach")[:17] == [0] + [1] * 6 + [2] + [3] + [4] * 6 + [5] * 2


# ------------------------------------------------------------------ two blasts, count rule


def _two_blasts():
    """Sender 0 (node 0) starts at hour 3, with contacts 2 and 4; sender 1 (node 1) starts at
    hour 0, with contacts 2 and 3; 3 knows 4. Each sends one generic message to all its
    contacts at its start; no read delay. Count rule: 1 report within 4 h."""
    return written_scenario(
        [(0, 2), (0, 4), (1, 2), (1, 3), (3, 4)], 5, [(0, [2, 4]), (1, [2, 3])],
        lambda: GenericBlast(minutes_per_batch=15),
        pairs={"generic": [0.3, 0.0, 0.3, 0.0], "share": [0, 0, 0, 1]},
        start_hours=(3, 0), exposure={3: 1},
        platform=CountRule(max_reports=1, window_hours=4), horizon=20)


def test_two_blasts_awareness_per_ask_annoyance_per_person(impl):
    """Hour 0, sender 1's blast: 2 reads it (0.3, not annoyed); 3 reads it and shares; 3's
    connections are sender 1 (never shown its own ask) and 4, who becomes aware of sender 1's
    ask and does not pass it on. Sender 1: reach 3, one supporter.
    Hour 3, sender 0's blast: 2's annoyance is 0.3 * 2^(-3/168) + 0.3 = 0.5963 > 0.5: annoyed,
    reports sender 0, which is suspended at hour 3. 4 reads it (0) and is aware of sender 0's
    ask too: awareness is per ask, so sender 0's reach is 2 although both had heard of sender
    1's. Means over the two senders: reach 2.5, supporters 0.5, annoyed 0.5, reports 0.5,
    suspended 0.5; one person annoyed; 2 messages and 15 minutes each.
    Wrong rules would give: annoyance per sender, no report; start hours ignored, both blasts
    at hour 0, where 2 reads sender 0's message first (senders act in order) and is annoyed
    by sender 1's, so sender 1 is suspended instead (suspension_hour, sender 0's, NaN);
    awareness shared across asks, sender 0's reach 0 (mean 1.5); sender 1 shown the share of
    its own ask, reach 4 (mean 3)."""
    m = at_end_of(impl, _two_blasts(), 19)
    check_metrics(m, {"reach": 2.5, "supporters": 0.5, "direct_supporters": 0.5, "annoyed": 0.5,
               "reports": 0.5, "people_annoyed": 1, "messages_sent": 2, "effort_hours": 0.25,
               "suspended": 0.5, "suspension_hour": 3.0})


def test_two_blasts_hour_by_hour():
    sc = _two_blasts()
    assert _series(sc, "reach")[:5] == [1.5, 1.5, 1.5, 2.5, 2.5]
    assert _series(sc, "messages_sent")[:5] == [1, 1, 1, 2, 2]
    assert _series(sc, "suspended")[:5] == [0, 0, 0, 0.5, 0.5]


# ------------------------------------------------------------------ one sender, word of mouth


def _tiny(exposure: float, wom: float, threshold: float, generic: float) -> Scenario:
    """Sender 0 with contacts 1, 2, 3; contact 1 knows 4 and 5; 4 knows 6; 2 knows 3. Reads
    1 h after delivery; only contact 1 shares the sender's message; everyone annoyed reports
    and unfollows; 1 report within 24 h suspends."""
    return written_scenario(
        [(0, 1), (0, 2), (0, 3), (1, 4), (1, 5), (4, 6), (2, 3)], 7, [(0, [1, 2, 3])],
        GenericBlast, pairs={"generic": [generic] * 3, "share": [1, 0, 0], "unfollow": [1] * 3},
        exposure=dict.fromkeys(range(7), exposure), wom=dict.fromkeys(range(7), wom),
        threshold=threshold, delay=1,
        platform=CountRule(max_reports=1, window_hours=24), horizon=10)


def test_hand_worked_word_of_mouth_chain():
    # everyone reads after 1 h; only contact 1 shares; its connections 4, 5 see it at hour 2
    # and share in turn (wom = 1); 4's connection 6 sees it at hour 3. The sender is never
    # counted; 2 and 3 already know.
    res = Engine(_tiny(exposure=1.0, wom=1.0, threshold=5.0, generic=1.0), 3, 0).run()
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
    res = Engine(_tiny(exposure=1.0, wom=1.0, threshold=0.5, generic=1.0), 2, 0).run()
    m = res.metrics
    for name, value in (("reach", 3), ("annoyed", 3), ("reports", 3), ("unfollows", 3),
                        ("close_ties_lost", 1), ("supporters", 0), ("people_annoyed", 3)):
        np.testing.assert_array_equal(m[name], [value, value], err_msg=name)
    np.testing.assert_array_equal(m["suspension_hour"], [1, 1])


def test_annoyance_exactly_at_the_threshold_does_not_annoy():
    res = Engine(_tiny(exposure=0.0, wom=0.0, threshold=1.0, generic=1.0), 2, 0).run()
    np.testing.assert_array_equal(res.metrics["annoyed"], [0, 0])
    np.testing.assert_array_equal(res.metrics["reach"], [3, 3])
    np.testing.assert_array_equal(res.metrics["supporters"], [1, 1])  # contact 1 shares
