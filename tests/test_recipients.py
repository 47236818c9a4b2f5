"""Recipients who reply, tire of asks, keep goodwill per sender and judge a message by its
quality (docs/MODEL.md, "Rules", rules 0-6), and reach split by distance from the sender: cases
worked by hand from the text, run on the engine and on the per-agent reference
(tests/oracles/reference.py). Each case says what a plausible wrong rule would give instead.

Set-up: tests/helpers.py ``written_scenario``: every probability and increment written out,
constant read delays, thresholds all equal.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from conftest import make_cfg
from custom_strategy import Script
from helpers import written_scenario
from oracles.reference import run_reference_scenario
from sim.engine.engine import Engine
from sim.engine.simulate import simulate

INF = float("inf")


@pytest.fixture(params=["engine", "reference"])
def which(request):
    return request.param


def run(which, scenario, replicates, seed=0):
    if which == "engine":
        m = Engine(scenario, replicates, seed, record_series=False).run().metrics
    else:
        m = run_reference_scenario(scenario, replicates, np.random.default_rng(seed))
    return {k: np.asarray(v, dtype=float) for k, v in m.items()}


def within(k, n, p, level=0.999):
    """p inside the Wilson interval of k successes in n (a correct rule fails 1 time in 1000)."""
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=level, method="wilson")
    return ci.low <= p <= ci.high


def sends(*plan):
    """One Script per sender: plan[s] = [(hour, kind, ranks), ...]."""
    return [lambda p=p: Script(p) for p in plan]


def two_senders(plan_a, plan_b, **kw):
    """Senders A (node 0) and B (node 1), one contact C (node 2): pairs (A, C) then (B, C)."""
    scripts = sends(plan_a, plan_b)
    made = iter(range(10 ** 6))

    def factory():  # the engine and the reference make one strategy per sender, in order
        return scripts[next(made) % 2]()

    return written_scenario([(0, 2), (1, 2)], 3, [(0, [2]), (1, [2])], factory,
                            start_hours=(0, 0), close_ties=0, **kw)


# ------------------------------------------------------------------ fatigue (rule 0)


def test_fatigue_of_a_second_senders_ask(which):
    """C reads A's generic ask at hour 0 (increment 1, threshold 1.6: not annoyed). B's ask is
    delivered at hour 10. Fatigue half-life 10 h, per ask 1: C's recent asks before B's are
    2^(-10/10) = 0.5, so B's ask is read with chance 1 / (1 + 0.5) = 2/3 (not 1). Read: the
    annoyance half-life is 10 h too, so A's 1 has decayed to 0.5, and B's ask adds
    1 * (1 + 1 * 0.5) = 1.5: 2.0 > 1.6, annoyed and reported (without fatigue 0.5 + 1 = 1.5:
    not annoyed). Per sender means: reach = (1 + read_B) / 2, reports = read_B / 2."""
    sc = two_senders([(0, "generic", [0])], [(10, "generic", [0])],
                     pairs={"generic": [1.0, 1.0], "report": [1.0, 1.0]}, threshold=1.6,
                     half_life=10.0, fatigue=(1.0, 1.0, 10.0), horizon=40)
    n = 3000
    m = run(which, sc, n)
    read_b = 2 * m["reach"] - 1
    assert set(np.unique(read_b)) <= {0.0, 1.0}
    np.testing.assert_array_equal(m["reports"], read_b / 2)  # every read of B's ask annoys
    assert within(read_b.sum(), n, 2 / 3), read_b.mean()


def test_fatigue_lowers_replies_by_its_factor(which):
    """Nobody is annoyed (threshold 100); every reader replies (reply 1) unless tired. A's ask
    at hour 0, B's at hour 10, half-life 10 h, per ask 1, no annoyance boost: B's ask is read
    with chance 2/3 (the other ask: 0.5 at delivery) and, read at hour 10, answered with chance
    1 / (1 + 0.5) = 2/3 (at the read, the other ask still counts 0.5; B's own does not count):
    4/9 of B's asks get a reply, 2/3 of those read."""
    sc = two_senders([(0, "generic", [0])], [(10, "generic", [0])],
                     pairs={"generic": [1.0, 1.0], "report": [0.0, 0.0], "reply": [1.0, 1.0]},
                     threshold=100.0, fatigue=(1.0, 0.0, 10.0), horizon=40)
    n = 4000
    m = run(which, sc, n)
    read_b = 2 * m["reach"] - 1
    replied_b = 2 * m["replies"] - 1  # A's ask is always read and answered
    assert (replied_b <= read_b).all()
    assert within(replied_b.sum(), n, 4 / 9), replied_b.mean()
    assert within(replied_b.sum(), read_b.sum(), 2 / 3)


def test_no_fatigue_no_effect(which):
    """Fatigue off (both per-ask weights 0): B's ask is read and answered every time."""
    sc = two_senders([(0, "generic", [0])], [(10, "generic", [0])],
                     pairs={"generic": [1.0, 1.0], "report": [0.0, 0.0], "reply": [1.0, 1.0]},
                     threshold=100.0, fatigue=(0.0, 0.0, 10.0), horizon=40)
    m = run(which, sc, 5)
    np.testing.assert_array_equal(m["replies"], 1.0)
    np.testing.assert_array_equal(m["reach"], 1.0)


# ------------------------------------------------------------------ goodwill (rule 5)


@pytest.mark.parametrize("goodwill, a_reports", [(1.0, 0.0), (0.6, 0.0), (0.4, 1.0), (0.0, 1.0)])
def test_goodwill_stays_with_the_pair(which, goodwill, a_reports):
    """A sends C a note at hour 0 (increment 0), A's generic ask at hour 1, B's generic ask at
    hour 2; increments 1, threshold 0.5, no decay, report 1 when annoyed. A's ask adds
    1 * (1 - g): annoyed when 1 - g > 0.5. B's adds its full 1 whatever A's note did: C was
    annoyed by B (reported) in every case; with goodwill pooled across senders (the first
    build's reading), B's ask after a note with g = 1 would not annoy. Per sender means."""
    sc = two_senders([(0, "personal", [0]), (1, "generic", [0])], [(2, "generic", [0])],
                     pairs={"generic": [1.0, 1.0], "personal": [0.0, 0.0], "report": [1.0, 1.0],
                            "goodwill": [goodwill, 0.0]},
                     threshold=0.5, half_life=INF, horizon=10)
    m = run(which, sc, 2)
    # A reported by C when its ask annoyed; B always: (a_reports + 1) / 2
    np.testing.assert_array_equal(m["reports"], (a_reports + 1.0) / 2)
    np.testing.assert_array_equal(m["people_annoyed"], 1.0)


def test_a_note_from_b_does_not_soften_a(which):
    """B's note (goodwill 1 towards B) at hour 0, then A's generic ask at hour 1: A's ask
    annoys in full (1 > 0.5) and is reported: goodwill is B's, not C's mood."""
    sc = two_senders([(1, "generic", [0])], [(0, "personal", [0])],
                     pairs={"generic": [1.0, 1.0], "personal": [0.0, 0.0], "report": [1.0, 1.0],
                            "goodwill": [0.0, 1.0]},
                     threshold=0.5, half_life=INF, horizon=10)
    m = run(which, sc, 2)
    np.testing.assert_array_equal(m["reports"], 0.5)  # A reported, B not


# ------------------------------------------------------------------ quality (rule 6)


@pytest.mark.parametrize("q, reply, annoyed", [(1.0, 0.75, 0.0), (0.5, 0.5, 1.0), (0.0, 0.25, 1.0)])
def test_quality_scales_replies_and_annoyance(which, q, reply, annoyed):
    """One contact, one generic ask, reply chance 0.5, increment 1, threshold 0.6. Quality q:
    reply chance 0.5 * (0.5 + q), annoyance 1 * (1.5 - q): q = 1 gives 0.75 and 0.5 (not
    annoyed, answered 3 times in 4); q = 0.5 gives 0.5 and 1 (annoyed: an annoyed reader does
    not reply); q = 0 gives 0.25 and 1.5 (annoyed)."""
    sc = written_scenario([(0, 1)], 2, [(0, [1])], lambda: Script([(0, "generic", [0])]),
                          pairs={"generic": [1.0], "report": [0.0], "reply": [0.5]},
                          close_ties=0, threshold=0.6, quality=(q, 0.5), horizon=5)
    n = 2000
    m = run(which, sc, n)
    np.testing.assert_array_equal(m["annoyed"], annoyed)
    if annoyed:
        np.testing.assert_array_equal(m["replies"], 0.0)
    else:
        assert within(m["replies"].sum(), n, reply)


def test_note_quality_is_its_own(which):
    """A note of quality 1 with reply chance 0.7 is always answered (0.7 * 1.5, capped at 1),
    while the generic message's quality (0, which would give 0.35) does not touch it."""
    sc = written_scenario([(0, 1)], 2, [(0, [1])], lambda: Script([(0, "personal", [0])]),
                          pairs={"personal": [0.0], "report": [0.0], "reply": [0.7]},
                          close_ties=0, threshold=0.6, quality=(0.0, 1.0), horizon=5)
    m = run(which, sc, 3)
    np.testing.assert_array_equal(m["replies"], 1.0)


# ------------------------------------------------------------------ replies and read chances


def test_notes_are_read_with_their_own_chance(which):
    """Read chance 0 for a generic ask and 1 for a note: the note is read, the ask never."""
    sc = written_scenario([(0, 1), (0, 2)], 3, [(0, [1, 2])],
                          lambda: Script([(0, "personal", [0]), (0, "generic", [1])]),
                          pairs={"read": [0.0, 0.0], "read_personal": [1.0, 1.0], "report": [0, 0]},
                          close_ties=0, horizon=5)
    m = run(which, sc, 3)
    np.testing.assert_array_equal(m["reach"], 1.0)


def test_replies_of_a_homogeneous_blast_match_their_binomial_mean():
    """population=homogeneous, 300 people with about 10 contacts each around the sender: each
    contact reads (0.6) and, never annoyed (threshold 100), replies (0.25): replies per
    replicate ~ Binomial(contacts, 0.15). Engine only (the reference's agreement is checked in
    tests/test_agreement.py)."""
    cfg = make_cfg(["network=erdos_renyi", "network.n=300", "network.mean_degree=40",
                    "population=homogeneous", "population.read_prob=0.6",
                    "population.reply_prob=0.25", "population.annoyance_threshold=100",
                    "platform=none", "replicates=400", "output.plot=false", "seed=3"])
    res = simulate(cfg)
    contacts = int(res.network.degree()[res.network.sender])
    replies = res.replicates["replies"].to_numpy()
    n = contacts * len(replies)
    assert within(replies.sum(), n, 0.15), (replies.mean(), 0.15 * contacts)
    # and the spread of a binomial, not of something else: var = n p (1 - p) per replicate
    var = contacts * 0.15 * 0.85
    chi = (len(replies) - 1) * replies.var(ddof=1) / var
    assert stats.chi2.ppf(0.0005, len(replies) - 1) < chi < stats.chi2.ppf(0.9995, len(replies) - 1)


# ------------------------------------------------------------------ distance from the sender


def test_reach_by_distance_is_breadth_first_whatever_the_path(which):
    """Sender 0, contacts 1 and 2; 1-3, 3-4, 4-5 and 2-4. Contact 1 shares (share 1), 2 reads
    only; everyone seeing a share sees it (exposure 1) and passes it on (word of mouth 1). The
    ask reaches 1, 2 (one hop), 3 (via 1: two hops), 4 via 3 (three steps of the cascade, but
    two hops from the sender through 2) and 5 (three hops). By distance: 2, 2, 1 (a count by
    the cascade's path would give 2, 1, 2)."""
    edges = [(0, 1), (0, 2), (1, 3), (3, 4), (4, 5), (2, 4)]
    sc = written_scenario(edges, 6, [(0, [1, 2])], lambda: Script([(0, "generic", [0, 1])]),
                          pairs={"share": [1.0, 0.0], "report": [0.0, 0.0]},
                          exposure={1: 1.0, 3: 1.0, 4: 1.0, 5: 1.0}, wom={3: 1.0, 4: 1.0, 5: 1.0},
                          close_ties=0, threshold=10.0, horizon=5)
    m = run(which, sc, 2)
    for name, value in (("reach", 5), ("reach_hop1", 2), ("reach_hop2", 2), ("reach_hop3plus", 1)):
        np.testing.assert_array_equal(m[name], value, err_msg=name)


# ------------------------------------------------------------------ the response_rate rule


@pytest.mark.parametrize("answered, restricted", [(12, True), (13, False)])
def test_response_rate_counts_the_replies_the_engine_makes(which, answered, restricted):
    """A blast of 100 generic asks at hour 0, read at once; the first `answered` contacts
    always reply (reply 1), the others never; nobody is annoyed. At the end of day 0 (hour 23)
    the rule sees 100 messages and `answered` replies: 12 / 100 < 13% restricts (for 336 h),
    13 / 100 does not. A rule that counted readers instead of replies would restrict neither."""
    from sim.rules.platform_rules import Enforcement, ResponseRateRule

    c = 100
    sc = written_scenario([(0, i) for i in range(1, c + 1)], c + 1, [(0, list(range(1, c + 1)))],
                          lambda: Script([(0, "generic", list(range(c)))]),
                          pairs={"report": [0.0] * c, "reply": [1.0] * answered + [0.0] * (c - answered)},
                          close_ties=0, threshold=100.0, horizon=48,
                          platform=ResponseRateRule(min_response_rate=0.13, min_volume=100,
                                                    window_hours=336),
                          enforcement=Enforcement(restriction_hours=(336,), after_last="repeat"))
    m = run(which, sc, 2)
    np.testing.assert_array_equal(m["replies"], answered)
    np.testing.assert_array_equal(m["restricted"], float(restricted))
    np.testing.assert_array_equal(m["suspended"], 0.0)
    if restricted:
        np.testing.assert_array_equal(m["restriction_hour"], 23.0)


# ------------------------------------------------------------------ the reader's question


def _per_message(fraction, fatigue):
    """Everyone in a fraction of a 200-person network blasts their ~20 contacts at hour 0;
    homogeneous people read half their asks and answer (or share) a fifth of those read, and
    are never annoyed, so tiring of asks is the only thing that can change a sender's yield.
    Returns per replicate the replies and supporters per message sent (means over senders)."""
    cfg = make_cfg(["network=erdos_renyi", "network.n=200", "network.mean_degree=20",
                    "population=homogeneous", "population.read_prob=0.5",
                    "population.reply_prob=0.2", "population.share_prob=0.2",
                    "population.annoyance_threshold=1000", f"population.fatigue_per_ask={fatigue}",
                    f"senders.fraction={fraction}", "platform=none", "replicates=30",
                    "horizon_hours=200", "output.plot=false", "seed=2"])
    df = simulate(cfg).replicates
    return (df["replies"] / df["messages_sent"]).to_numpy(), \
        (df["supporters"] / df["messages_sent"]).to_numpy()


def test_more_senders_tire_the_same_people():
    """With fatigue (0.5 per recent ask), replies and supporters per message fall as more of
    the network sends: at fraction 1 each person gets ~20 asks in the same hour. Without
    fatigue they stay at their expectation, 0.5 * 0.2 = 0.1 per message, whatever the
    fraction (a mean over senders of per-message yields, each with mean 0.1)."""
    flat = {f: _per_message(f, 0.0) for f in (0.0, 1.0)}
    for f, (replies, supporters) in flat.items():
        for name, x in (("replies", replies), ("supporters", supporters)):
            half = stats.t.ppf(0.9995, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
            assert abs(x.mean() - 0.1) <= half, (f, name, x.mean(), half)
    tired = {f: _per_message(f, 0.5) for f in (0.0, 0.3, 1.0)}
    for name, i in (("replies", 0), ("supporters", 1)):
        means = [tired[f][i].mean() for f in (0.0, 0.3, 1.0)]
        assert means[0] > means[1] > means[2], (name, means)
        assert means[2] < 0.05, (name, means)  # fatigue halves the yield at least


def test_most_adoption_stays_within_one_hop_at_the_defaults_but_can_travel():
    """The default ego network's outside people know each other, so an ask can travel three
    hops and more; at the default chances most supporters are contacts who read the sender's
    own message (Goel, Watts & Goldstein 2012: most adoptions happen within one hop of the
    seed), while with high word-of-mouth and exposure chances hundreds of people three or more
    hops away hear of it."""
    base = ["replicates=100", "output.plot=false", "seed=1"]
    d = simulate(make_cfg(base)).replicates
    assert d["direct_supporters"].sum() > 0.8 * d["supporters"].sum()
    assert d["reach_hop3plus"].mean() < 0.01 * d["reach"].mean()
    viral = simulate(make_cfg(base + ["population.share_prob_word_of_mouth=0.3",
                                      "population.exposure_prob=0.3"])).replicates
    assert viral["reach_hop3plus"].mean() > 300
    assert viral["direct_supporters"].sum() < 0.1 * viral["supporters"].sum()
    for df in (d, viral):  # the hop classes split reach exactly
        np.testing.assert_array_equal(df["reach_hop1"] + df["reach_hop2"] + df["reach_hop3plus"],
                                      df["reach"])
