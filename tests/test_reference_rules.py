"""The per-agent reference (tests/oracles/reference.py) alone, on the rules of docs/MODEL.md's
"Rules, per message the sender delivers to a contact" (fatigue, read chance per kind,
goodwill per pair, replies, quality, hop distances) and the `response_rate` platform rule with
`after_last`, in small cases worked by hand from the text.

Where every probability is 0 or 1 the expected numbers are exact. An annoyance level is read
off by bracketing it: the contact is annoyed when its threshold is the level minus EPS and not
when it is the level plus EPS (rule 3: annoyed when strictly greater). Chances that are neither
0 nor 1 are checked over many replicates with Wilson's 99.9% interval (a correct reference
fails one seed in a thousand; the seeds are fixed).

The scenarios are written out with helpers.written_scenario; the population's new per-pair
fields and scalars (read_prob_personal, reply_generic, reply_personal, goodwill, fatigue_*),
the scenario's quality, the enforcement's after_last and the response_rate rule are given
through small stand-ins carrying exactly the attributes the reference reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace

import networkx as nx
import numpy as np
import pytest
from scipy import stats

from custom_strategy import Script
from helpers import written_scenario
from oracles.graphs import to_nx
from oracles.intervals import wilson
from oracles.reference import run_reference_scenario

Z_999 = stats.norm.isf(0.0005)
EPS = 1e-9


def with_rules(scenario, *, read_prob=None, read_prob_personal=None, reply_generic=0.0,
               reply_personal=0.0, goodwill=0.0, fatigue_per_ask=0.0,
               fatigue_annoyance_per_ask=0.0, fatigue_half_life_hours=168.0,
               quality=(0.5, 0.5), enforcement=None, platform=None):
    """The scenario with a population carrying the new fields (each per-pair value a scalar
    for every pair or one value per pair), a quality, and optionally another enforcement and
    platform rule."""
    pop = scenario.population
    p = len(pop.pair_contact)

    def per_pair(x):
        return np.broadcast_to(np.asarray(x, dtype=float), (p,)).copy()

    read = per_pair(read_prob) if read_prob is not None else np.asarray(pop.read_prob, float)
    fields = {
        **vars(pop),
        "read_prob": read,
        "read_prob_personal": per_pair(read_prob_personal) if read_prob_personal is not None else read,
        "reply_generic": per_pair(reply_generic), "reply_personal": per_pair(reply_personal),
        "goodwill": per_pair(goodwill), "fatigue_per_ask": float(fatigue_per_ask),
        "fatigue_annoyance_per_ask": float(fatigue_annoyance_per_ask),
        "fatigue_half_life_hours": float(fatigue_half_life_hours),
    }
    scenario.population = SimpleNamespace(**fields)
    scenario.quality = tuple(quality)
    if enforcement is not None:
        scenario.enforcement = enforcement
    if platform is not None:
        scenario.platform = platform
    return scenario


def ref(scenario, replicates=1, seed=0):
    return run_reference_scenario(scenario, replicates, np.random.default_rng(seed))


def only(m, name):
    """The value of a metric that must be the same in every replicate."""
    v = np.asarray(m[name], dtype=float)
    assert np.array_equal(v, np.full_like(v, v[0]), equal_nan=True), (name, v)
    return float(v[0])


def assert_chance(k, n, p):
    lo, hi = wilson(k, n, Z_999)
    assert lo <= p <= hi, f"{k}/{n} = {k / n:.4f}, 99.9% interval [{lo:.4f}, {hi:.4f}] misses {p:.4f}"


def by_strongest_tie(plans):
    """A strategy factory whose script depends on the sender: plans[w] for the sender whose
    strongest tie has strength w (so two senders can follow different scripts)."""
    class BySender(Script):
        def __init__(self):
            self.plan = None

        def send_hours(self, view, horizon_hours):
            Script.__init__(self, plans[float(view.tie_strength[0])])
            return Script.send_hours(self, view, horizon_hours)

    return BySender


def two_senders_one_person(plans=None, *, start_hours=(0, 0), generic=(0.0, 0.0),
                           personal=(0.0, 0.0), threshold=0.5, delay=0, half_life=168.0,
                           horizon=100, report=(0.0, 0.0), unfollow=(0.0, 0.0)):
    """Senders A (node 1, pair 0) and B (node 2, pair 1), both tied to person X (node 3).
    plans: {A's w: A's script, B's w: B's script} with A's tie 0.5 and B's 0.25 (tie
    strengths that only tell the senders apart: the increments are given as they are); by
    default each sends one generic ask to X at its start."""
    plans = plans or {0.5: [(0, "generic", [0])], 0.25: [(0, "generic", [0])]}
    return written_scenario(
        [(1, 3), (2, 3)], 4, [(1, [3]), (2, [3])], by_strongest_tie(plans),
        pairs={"w": [0.5, 0.25], "generic": list(generic), "personal": list(personal),
               "report": list(report), "unfollow": list(unfollow)},
        start_hours=start_hours, threshold=threshold, delay=delay, half_life=half_life,
        horizon=horizon)


# --------------------------------------------------------------------------- (a) fatigue


@pytest.mark.parametrize("start_b, chance", [
    # A's ask reaches X at hour 0: nothing delivered to X before it, n = 0, phi = 1: read.
    # B's ask reaches X at hour start_b; n = A's term 2 ** (-start_b / 10), phi = 1 / (1 + n):
    (10, 1 / (1 + 0.5)),  # n = 2 ** -1 = 0.5: read chance 2/3
    (20, 1 / (1 + 0.25)),  # n = 2 ** -2 = 0.25: 0.8
    # same hour: B's is delivered after A's (sender order), so A's counts with weight 1: 1/2
    (0, 1 / (1 + 1.0)),
])
def test_fatigue_lowers_the_read_chance_of_the_second_sender(start_b, chance):
    """Rule 0 and 1: fatigue half-life 10 h, fatigue_per_ask 1, read_prob 1. (Wrong readings:
    counting the message's own term gives 1 / (1 + 1 + n); no decay gives 1/2 in every case;
    no fatigue, 1.)"""
    sc = with_rules(two_senders_one_person(start_hours=(0, start_b), horizon=50),
                    read_prob=1.0, fatigue_per_ask=1.0, fatigue_half_life_hours=10.0)
    R = 2000
    m = ref(sc, R, seed=start_b)
    assert np.all(m["messages_sent"] == 1.0)  # one each: the mean over the two senders
    # reach is the mean over senders of (A read: always) and (B read)
    b_read = 2 * m["reach"] - 1
    assert set(np.unique(b_read)) <= {0.0, 1.0}
    assert_chance(int(b_read.sum()), R, chance)


# Annoyance with fatigue: fatigue_per_ask 0 (every message is read), fatigue_annoyance_per_ask
# 1, both half-lives 10 h, increment 0.3 for each pair, every read 10 h after delivery.
# start_b 5: A delivered at 0, read at 10; B delivered at 5, read at 15.
#   A's read: n = B's term (delivered at 5 <= 10) = 2 ** (-5/10) = 0.70711;
#             increment 0.3 * (1 + 0.70711) = 0.51213; level L1 = 0.51213.
#   B's read: level decays 0.51213 * 2 ** (-5/10) = 0.36213; n = A's term 2 ** (-15/10)
#             = 0.35355; increment 0.3 * 1.35355 = 0.40607; L2 = 0.76820.
# start_b 10: B delivered at 10, the hour of A's read (sends come before reads, so it counts).
#   A's read: n = 2 ** 0 = 1; increment 0.3 * 2 = 0.6; L1 = 0.6.
#   B's read at 20: 0.6 * 2 ** -1 = 0.3; n = 2 ** (-20/10) = 0.25; + 0.3 * 1.25 = 0.375;
#             L2 = 0.675.
L_FATIGUE = {5: (0.3 * (1 + 2 ** -0.5), 0.3 * (1 + 2 ** -0.5) * 2 ** -0.5 + 0.3 * (1 + 2 ** -1.5)),
             10: (0.6, 0.675)}


@pytest.mark.parametrize("start_b", [5, 10])
def test_fatigue_raises_the_annoyance_of_generic_asks(start_b):
    """Rule 0 and 2, with the read's fatigue count: other messages delivered up to the read
    hour, also those delivered after the message itself. (Wrong readings: the count at
    delivery gives L1 = 0.3 for both cases; leaving out the later message, too.)"""
    l1, l2 = L_FATIGUE[start_b]
    assert (round(l1, 5), round(l2, 5)) == {5: (0.51213, 0.76820), 10: (0.6, 0.675)}[start_b]
    # annoyed: the mean over the two senders of "X was annoyed by this sender's ask"
    for threshold, annoyed in ((l1 - EPS, 1.0), (l1 + EPS, 0.5), (l2 - EPS, 0.5), (l2 + EPS, 0.0)):
        sc = with_rules(two_senders_one_person(start_hours=(0, start_b), generic=(0.3, 0.3),
                                               threshold=threshold, delay=10, half_life=10.0),
                        fatigue_annoyance_per_ask=1.0, fatigue_half_life_hours=10.0)
        m = ref(sc, 2)
        assert only(m, "annoyed") == annoyed, (threshold, m["annoyed"])
        assert only(m, "reach") == 1.0  # fatigue_per_ask 0: both read


# --------------------------------------------------------------------------- (b) goodwill


# A: a personal note to X at hour 0 (increment 0), a generic ask at hour 5; B: a generic ask at
# hour 10. Every increment 0.3, no decay (annoyance half-life infinite), delay 0, goodwill g
# for every pair (B's pair never gets a note, so its g never applies).
#   A's note, read at 0: level 0; the pair (A, X) now has goodwill g.
#   A's generic, read at 5: + 0.3 * (1 - g).
#   B's generic, read at 10: + 0.3 (goodwill does not cross senders).
# g = 1: level 0 then 0.3; g = 0.25: 0.225 then 0.525.
# (Wrong readings: goodwill per person: B adds 0.3 * (1 - g) too (0 and 0.45); no goodwill:
# 0.3 and 0.6.)
@pytest.mark.parametrize("g, after_a, after_b", [(1.0, 0.0, 0.3), (0.25, 0.225, 0.525)])
def test_goodwill_is_per_pair(g, after_a, after_b):
    plans = {0.5: [(0, "personal", [0]), (5, "generic", [0])], 0.25: [(10, "generic", [0])]}
    cases = [(after_b - EPS, 0.5, 1.0), (after_b + EPS, 0.0, 0.0)]
    if after_a > 0:  # A's generic ask itself crosses a threshold just below its level
        cases.append((after_a - EPS, 1.0, 1.0))
    for threshold, annoyed, people in cases:
        sc = with_rules(two_senders_one_person(plans, generic=(0.3, 0.3), personal=(0.0, 0.0),
                                               threshold=threshold, half_life=math.inf),
                        goodwill=g)
        m = ref(sc, 2)
        assert only(m, "messages_sent") == 1.5  # A two, B one
        assert only(m, "personal_notes") == 0.5
        assert only(m, "annoyed") == annoyed, (threshold, m["annoyed"])
        assert only(m, "people_annoyed") == people


# --------------------------------------------------------------------------- (c) replies


def star(c, strategy, *, generic=0.0, personal=0.0, threshold=0.5, delay=0, report=0.0,
         unfollow=0.0, share=0.0, horizon=100, enforcement=None):
    """Sender 0 and contacts 1..c (contact r + 1 of rank r), no ties among the contacts."""
    edges = [(0, i) for i in range(1, c + 1)]
    kw = {} if enforcement is None else {"enforcement": enforcement}
    return written_scenario(
        edges, c + 1, [(0, list(range(1, c + 1)))], strategy,
        pairs={"generic": [generic] * c, "personal": [personal] * c, "report": [report] * c,
               "unfollow": [unfollow] * c, "share": [share] * c},
        threshold=threshold, delay=delay, horizon=horizon, close_ties=0, **kw)


def to_everyone(kind, c, hours=(0,)):
    return lambda: Script([(h, kind, list(range(c))) for h in hours])


# Homogeneous: 200 contacts, read_prob 0.6 (generic) and 0.8 (note), reply_prob 0.3 (generic)
# and 0.5 (note), no annoyance, no fatigue, quality 0.5 (factor 1). Each contact replies with
# read * reply, independently: replies ~ Binomial(200, p) per replicate and the total over R
# replicates ~ Binomial(200 R, p), p = 0.6 * 0.3 = 0.18 (generic), 0.8 * 0.5 = 0.4 (note).
@pytest.mark.parametrize("kind, p", [("generic", 0.6 * 0.3), ("personal", 0.8 * 0.5)])
def test_replies_are_binomial(kind, p):
    C, R = 200, 300
    sc = with_rules(star(C, to_everyone(kind, C)), read_prob=0.6, read_prob_personal=0.8,
                    reply_generic=0.3, reply_personal=0.5)
    m = ref(sc, R, seed=7)
    assert np.all(m["messages_sent"] == C)
    assert_chance(int(m["replies"].sum()), C * R, p)
    # the read chance of the kind: 0.6 or 0.8
    assert_chance(int(m["reach"].sum()), C * R, {"generic": 0.6, "personal": 0.8}[kind])


def test_an_annoyed_reader_does_not_reply_and_each_message_gets_one_reply_at_most():
    """Rules 3-4: every contact reads, reply_prob 1. Increment 1 > threshold 0.5: the first
    message annoys everyone, so no replies; increment 0: two messages each, two replies each
    (one per message)."""
    C = 5
    m = ref(with_rules(star(C, to_everyone("generic", C), generic=1.0), reply_generic=1.0), 2)
    assert only(m, "annoyed") == C and only(m, "replies") == 0.0
    m = ref(with_rules(star(C, to_everyone("generic", C, hours=(0, 3))), reply_generic=1.0), 2)
    assert only(m, "messages_sent") == 2 * C and only(m, "replies") == 2 * C


# --------------------------------------------------------------------------- (d) quality


# One contact, increment 0.4 for both kinds, no decay, delay 0, unfollow 1 when annoyed.
# A generic ask at hour 0 then a note at hour 1; quality (q_generic, q_note) = (1, 0):
#   generic: 0.4 * (1.5 - 1) = 0.2; note: 0.4 * (1.5 - 0) = 0.6; level 0.2 then 0.8.
# Threshold 0.2 - EPS: the generic ask annoys, X unfollows, the note is never delivered.
# 0.2 + EPS: not yet; the note (0.8) annoys.  0.8 + EPS: nothing annoys.
# (Swapped factors, (0.5 + q) on annoyance: 0.6 then 0.8; quality ignored: 0.4 then 0.8.)
@pytest.mark.parametrize("threshold, sent, annoyed", [
    (0.2 - EPS, 1, 1), (0.2 + EPS, 2, 1), (0.8 - EPS, 2, 1), (0.8 + EPS, 2, 0)],
    ids=["below 0.2", "above 0.2", "below 0.8", "above 0.8"])
def test_quality_scales_annoyance(threshold, sent, annoyed):
    plan = lambda: Script([(0, "generic", [0]), (1, "personal", [0])])  # noqa: E731
    sc = with_rules(star(1, plan, generic=0.4, personal=0.4, threshold=threshold, unfollow=1.0),
                    quality=(1.0, 0.0))
    sc.half_life_hours = math.inf
    m = ref(sc, 2)
    assert only(m, "messages_sent") == sent
    assert only(m, "annoyed") == annoyed
    assert only(m, "unfollows") == annoyed


def test_quality_scales_replies_and_shares_capped_at_one():
    """q_generic = 1: reply 0.8 and share 0.9 times 1.5 are 1.2 and 1.35, capped at 1: every
    reader replies and shares (without quality, 0.8 and 0.9: some would not)."""
    C = 20
    sc = with_rules(star(C, to_everyone("generic", C), share=0.9), reply_generic=0.8,
                    quality=(1.0, 0.5))
    m = ref(sc, 3)
    assert only(m, "replies") == C and only(m, "direct_supporters") == C
    assert only(m, "supporters") == C


def test_quality_does_not_change_the_read_chance():
    """q_generic = 0: read_prob 0.5 stays 0.5; reply 0.8 becomes 0.8 * 0.5 = 0.4 and share
    0.9 becomes 0.45, given read: per contact 0.5 (reach), 0.2 (replies), 0.225 (direct
    supporters), each binomial over contacts and replicates."""
    C, R = 100, 400
    sc = with_rules(star(C, to_everyone("generic", C), share=0.9), read_prob=0.5,
                    reply_generic=0.8, quality=(0.0, 0.5))
    m = ref(sc, R, seed=3)
    assert_chance(int(m["reach"].sum()), C * R, 0.5)
    assert_chance(int(m["replies"].sum()), C * R, 0.5 * 0.4)
    assert_chance(int(m["direct_supporters"].sum()), C * R, 0.5 * 0.45)


# --------------------------------------------------------------------------- (e) hops


def test_reach_by_hop_distance():
    """Edges 0-1, 0-2, 1-3, 3-4, 2-4, 4-5, 5-6; the sender (0) asks contact 1 only, who
    shares; 3, 4 and 5 share by word of mouth; exposure 1, delay 0. The ask travels
    1 -> 3 -> 4 -> {2, 5} -> 6: everyone 1..6 becomes aware. BFS distances from 0: 1 and 2
    are contacts (1); 3 (via 1) and 4 (via 2, although the ask reached it in three hops) are
    at 2; 5 at 3, 6 at 4. So hop1 = 2, hop2 = 2, hop3plus = 2. (Counting the hops the ask
    took: hop2 = 1, hop3plus = 3.)"""
    edges = [(0, 1), (0, 2), (1, 3), (3, 4), (2, 4), (4, 5), (5, 6)]
    sc = written_scenario(edges, 7, [(0, [1, 2])], lambda: Script([(0, "generic", [0])]),
                          pairs={"share": [1.0, 0.0], "report": [0.0, 0.0]},
                          exposure={1: 1.0, 3: 1.0, 4: 1.0, 5: 1.0}, wom={3: 1.0, 4: 1.0, 5: 1.0},
                          close_ties=0)
    sc = with_rules(sc)
    dist = nx.single_source_shortest_path_length(to_nx(sc.network), 0)
    assert dist == {0: 0, 1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 4}
    m = ref(sc, 2)
    assert only(m, "reach") == 6 and only(m, "supporters") == 4  # 1, 3, 4, 5
    aware = range(1, 7)
    from_bfs = {"reach_hop1": sum(dist[v] == 1 for v in aware),
                "reach_hop2": sum(dist[v] == 2 for v in aware),
                "reach_hop3plus": sum(dist[v] >= 3 for v in aware)}
    assert from_bfs == {"reach_hop1": 2, "reach_hop2": 2, "reach_hop3plus": 2}
    for name, value in from_bfs.items():
        assert only(m, name) == value, name


def test_a_population_without_the_new_fields():
    """The current Population (no reply, goodwill, fatigue fields) and a scenario without
    quality: no replies, and reach still split by distance (the star's contacts: all hop 1)."""
    C = 10
    sc = star(C, to_everyone("generic", C))
    m = ref(sc, 2)
    assert only(m, "replies") == 0.0
    assert only(m, "reach") == C and only(m, "reach_hop1") == C
    assert only(m, "reach_hop2") == 0.0 and only(m, "reach_hop3plus") == 0.0


# --------------------------------------------------------------------------- (f) response_rate


@dataclass
class ResponseRateRule:
    """The attributes of the response_rate rule that the reference reads (it recognises a
    built-in rule by its class name)."""

    min_response_rate: float = 0.13
    min_volume: int = 100
    window_hours: int = 336
    acts_without_reports: bool = True


def response_case(c, repliers, *, hours=(0,), ladder=(336,), after_last="repeat", delay=0,
                  horizon=480, rule=None):
    """Sender 0 asks its c contacts at each planned hour; every message is read after `delay`
    hours; the first `repliers` contacts reply to every message (reply_prob 1), the others
    never (0); nobody is annoyed."""
    enforcement = SimpleNamespace(restriction_hours=tuple(ladder), daily_cap=0, weekly_cap=0,
                                  after_last=after_last)
    sc = star(c, to_everyone("generic", c, hours), delay=delay, horizon=horizon,
              enforcement=enforcement)
    return with_rules(sc, reply_generic=[1.0] * repliers + [0.0] * (c - repliers),
                      platform=rule or ResponseRateRule())


@pytest.mark.parametrize("c, repliers, delay, restricted", [
    (100, 12, 0, True),  # end of day 0 (hour 23): n = 100 >= 100, 12/100 < 0.13
    (100, 13, 0, False),  # 13/100 = 0.13 is not below 0.13
    (99, 0, 0, False),  # n = 99 < min_volume
    (100, 100, 30, True),  # replies come at hour 30: at hour 23 all 100 are unanswered
])
def test_response_rate_at_the_end_of_the_day(c, repliers, delay, restricted):
    """One blast at hour 0, horizon 480 (20 days), restriction_hours [336], repeat. Restricted
    at the end of hour 23: blocks 24 .. 359, lift at 360 (day 15), where only days 15 and
    later count: no messages, so no second restriction."""
    m = ref(response_case(c, repliers, delay=delay), 2)
    expected = ({"restrictions": 1, "restricted_hours": 336, "restricted": 1, "suspended": 0,
                 "restriction_hour": 23} if restricted else
                {"restrictions": 0, "restricted_hours": 0, "restricted": 0, "suspended": 0})
    for name, value in expected.items():
        assert only(m, name) == value, (name, m[name])
    assert only(m, "replies") == repliers
    if not restricted:
        assert math.isnan(only(m, "restriction_hour"))


def test_response_rate_repeats_or_suspends_after_the_last_length():
    """Asks at planned hours 0 and 24, 12 of 100 reply each time, horizon 960 (40 days).
    Hour 23: restricted (12/100), blocks 24 .. 359; the clock stops, so planned hour 24 goes
    out at 24 + 336 = 360 (day 15). Hour 383 (end of day 15, the first day from the lift):
    n = 100, k = 12: restricted again.
    repeat: 336 h again, blocks 384 .. 719, lift 720 (day 30); no more messages: 2
    restrictions, 672 hours, never suspended.
    permanent: the second restriction is past [336]: suspended at 383; restricted hours
    336 + (960 - 384) = 912."""
    m = ref(response_case(100, 12, hours=(0, 24), horizon=960, after_last="repeat"), 2)
    for name, value in {"messages_sent": 200, "restrictions": 2, "restricted_hours": 672,
                        "suspended": 0, "restriction_hour": 23, "replies": 24}.items():
        assert only(m, name) == value, (name, m[name])
    m = ref(response_case(100, 12, hours=(0, 24), horizon=960, after_last="permanent"), 2)
    for name, value in {"messages_sent": 200, "restrictions": 2, "restricted_hours": 912,
                        "suspended": 1, "suspension_hour": 383}.items():
        assert only(m, name) == value, (name, m[name])


def test_response_rate_counts_only_days_since_the_lift():
    """restriction_hours [48], repeat, one blast at hour 0 to 100 contacts, none reply; horizon
    144 (6 days). Hour 23: restricted, blocks 24 .. 71, lift at 72 (day 3). Days 3, 4, 5 start
    at or after the lift and have no messages: never restricted again. (Counting the whole
    window, days 0 .. d, it would be restricted again at hour 95: 2 restrictions.)"""
    m = ref(response_case(100, 0, ladder=(48,), horizon=144), 2)
    for name, value in {"restrictions": 1, "restricted_hours": 48, "restriction_hour": 23}.items():
        assert only(m, name) == value, (name, m[name])
