"""The engine against results known without simulating: a binomial tail, bond percolation on
a large random graph, and small cases where every probability is 0 or 1 and every delay is
constant, so the exact hour of each event can be written down by hand.

The exact cases run twice: with the engine and with the per-agent reference
(tests/oracles/reference.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from scipy.optimize import brentq

from conftest import at_end_of, hand_scenario, homogeneous, make_cfg, run_engine
from custom_strategy import Script
from sim.engine.engine import Engine
from sim.rules.platform_rules import CountRule, RateRule
from sim.engine.scenario import build_scenario
from sim.engine.simulate import simulate
from sim.rules.strategies import GenericBlast, PersonalFirst

# two-sided 99.9%: a correct engine would fail such a check for 1 seed in 1000 (seeds are fixed)
Z_999 = stats.norm.isf(0.0005)


# ------------------------------------------------------------------ (a) binomial tail


@pytest.mark.parametrize("report_prob, max_reports", [(0.01, 3), (0.005, 1)])
def test_blast_restriction_risk_is_binomial_tail(report_prob, max_reports):
    """Everyone reads (read_prob=1) and everyone is annoyed (threshold 0.5 < increment
    1 * (1 - 0)); nobody shares, nobody unfollows. Each of the C contacts then reports
    independently with report_prob, so reports ~ Bin(C, report_prob); all reads happen at
    hour read_delay_hours and the window covers the whole horizon, so the count rule
    suspends exactly when Bin(C, report_prob) >= max_reports."""
    R = 4000
    cfg = make_cfg([
        "network=ego", "network.n_contacts=200", "network.strong_ties=0", "close_ties=0",
        "population=homogeneous", "population.tie_strength=0", "population.annoyance_threshold=0.5",
        "population.annoyance_generic=1", "population.read_prob=1", "population.share_prob=0",
        "population.unfollow_prob=0", f"population.report_prob={report_prob}",
        "population.read_delay_hours=3", "strategy=generic_blast", "platform=count",
        f"platform.max_reports={max_reports}", "platform.window_hours=1008", "horizon_hours=48",
        f"replicates={R}", "engine.batch_size=4000", "seed=11",
    ])
    df = simulate(cfg).replicates
    C = int(df["messages_sent"].iloc[0])
    assert (df["messages_sent"] == C).all() and C == 200

    # restriction risk: the binomial tail lies inside the Wilson 99.9% interval of the runs
    tail = stats.binom.sf(max_reports - 1, C, report_prob)
    k = int(df["restricted"].sum())
    ci = stats.binomtest(k, R).proportion_ci(confidence_level=0.999, method="wilson")
    assert ci.low <= tail <= ci.high, (k / R, tail, ci)
    # restricted exactly when reports reached the limit, at the hour everyone read; every
    # report came at once, so none is left for a second restriction
    assert ((df["reports"] >= max_reports) == df["restricted"]).all()
    assert (df.loc[df["restricted"], "restriction_hour"] == 3).all()
    assert (df["restrictions"] <= 1).all() and not df["suspended"].any()

    # expected reports C * report_prob, within sampling error
    mean, expected = df["reports"].mean(), C * report_prob
    se = math.sqrt(C * report_prob * (1 - report_prob) / R)
    assert abs(mean - expected) < Z_999 * se, (mean, expected, se)
    # and the whole distribution is Bin(C, report_prob): chi-square, bins pooled to >= 5
    observed = np.bincount(df["reports"].astype(int), minlength=C + 1)
    pmf = stats.binom.pmf(np.arange(C + 1), C, report_prob) * R
    cut = int(np.flatnonzero(pmf >= 5).max())
    obs = np.r_[observed[:cut], observed[cut:].sum()]
    exp = np.r_[pmf[:cut], pmf[cut:].sum()]
    assert stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue > 0.001


# ------------------------------------------------------------------ (b) bond percolation


def _percolation_run(exposure, R, seed):
    cfg = make_cfg([
        "network=erdos_renyi", "network.n=20000", "network.mean_degree=5",
        "population=homogeneous", "population.annoyance_threshold=1e9", "population.read_prob=1",
        "population.share_prob=1", f"population.exposure_prob={exposure}", "population.report_prob=0",
        "population.read_delay_hours=1", "strategy=generic_blast", "platform=none",
        "horizon_hours=300", f"replicates={R}", f"engine.batch_size={R}", f"seed={seed}",
    ])
    res = simulate(cfg)
    net = res.network
    return res.replicates["reach"].to_numpy(), net.n_nodes, int(net.degree()[net.sender])


def test_spread_matches_bond_percolation_supercritical():
    """With no annoyance (threshold 1e9), read_prob=1 and share_prob=1 for the sender's
    message and for word of mouth, the sender's d contacts all read and all share; every
    person who becomes aware shares once, and each connection sees a share with
    exposure_prob = p (the sender is never shown it).

    Derivation. Each edge of G - sender is tried from whichever end became aware first; once
    one end is aware, a try the other way cannot change who is aware. Exploring from the
    contacts flips one coin per edge, so the aware set has the law of the union of the
    contacts' clusters in bond percolation on G - sender with open-edge probability p (the
    usual SIR <-> percolation mapping; delays change the timing, not the final set).

    On G(n, c/(n-1)) the percolated graph is G(n, c p/(n-1)); for c p > 1 its giant
    component holds a fraction S of the nodes, S = 1 - exp(-c p S). A contact's other edges
    are Poisson(c), like any node's, so each contact is in the giant with probability S,
    independently across contacts (their finite clusters are disjoint w.h.p. on a sparse
    graph). Hence:
      * P(the ask reaches the giant) = 1 - (1 - S)^d;
      * when it does, reach / n = S + O(d / n) (the sender is excluded; the few contacts
        outside the giant add O(1) people), up to the giant's O(1/sqrt(n)) fluctuation on
        one fixed graph.
    Here n = 20,000, c = 5, p = 0.3: c p = 1.5, S = 0.5828; the seed gives a sender with
    few contacts (d = 3), so that missing the giant is not vanishingly rare."""
    c, p, R = 5.0, 0.3, 200
    reach, n, d = _percolation_run(p, R, seed=1)
    assert d == 3
    S = brentq(lambda s: s - 1 + math.exp(-c * p * s), 1e-9, 1.0)
    assert 0.58 < S < 0.59
    big = reach > n / 10
    # every outbreak is either tiny (a few clusters of O(1)) or giant: nothing in between
    assert (reach[~big] < 100).all() and (reach[big] > 0.4 * n).all()
    p_big = 1 - (1 - S) ** d
    ci = stats.binomtest(int(big.sum()), R).proportion_ci(confidence_level=0.999, method="wilson")
    assert ci.low <= p_big <= ci.high, (big.mean(), p_big, d)
    frac = reach[big].mean() / n
    assert abs(frac - S) < 0.015, (frac, S)


def test_spread_matches_branching_subcritical():
    """Same set-up below the threshold (c p = 0.5 < 1): no giant component, so the reach is
    the sum of the d contacts' finite clusters. On G(n, c/(n-1)) each cluster is the total
    progeny of a Galton-Watson tree with Poisson(c p) offspring (Borel law): mean
    1 / (1 - c p) = 2 and variance c p / (1 - c p)^3 = 4, so E[reach] = 2 d and
    sd(mean of R runs) = sqrt(4 d / R). The reach stays a vanishing fraction of n."""
    c, p, R = 5.0, 0.1, 400
    reach, n, d = _percolation_run(p, R, seed=3)
    m = c * p
    expected, var = d / (1 - m), d * m / (1 - m) ** 3
    assert abs(reach.mean() - expected) < Z_999 * math.sqrt(var / R), (reach.mean(), expected)
    assert reach.max() < 0.01 * n


# ------------------------------------------------------------------ (c) exact small cases

PATH = [(0, 1), (1, 2)]  # sender 0 - contact 1 - friend 2
MIDDLE = [(1, 0), (0, 2)]  # contact 1 - sender 0 - contact 2 (ranks: 0 = node 1, 1 = node 2)


def test_word_of_mouth_hour_by_hour(impl):
    """Contact 1 reads the blast at hour 5 (constant delay) and shares; friend 2 sees it 5 h
    later, at hour 10, and shares in turn; 2's share reaches only 1 (already aware) and
    the sender, who is never counted."""
    pop = homogeneous(read_prob=1, read_delay_hours=5, share_prob=1, exposure_prob=1,
                      annoyance_threshold=1e9, report_prob=0)
    sc = hand_scenario(PATH, 3, GenericBlast, population=pop)
    expect = {4: (0, 0, 0), 5: (1, 1, 1), 9: (1, 1, 1), 10: (2, 2, 1), 100: (2, 2, 1)}
    for hour, (reach, supporters, direct) in expect.items():
        m = at_end_of(impl, sc, hour)
        assert (m["reach"], m["supporters"], m["direct_supporters"]) == (reach, supporters, direct), hour
        assert m["messages_sent"] == 1
    # nobody shares: the contact alone hears of it
    sc = hand_scenario(PATH, 3, GenericBlast, population=homogeneous(
        read_prob=1, read_delay_hours=5, share_prob=0, exposure_prob=1, annoyance_threshold=1e9))
    m = at_end_of(impl, sc, 100)
    assert (m["reach"], m["supporters"]) == (1, 0)


@pytest.mark.parametrize("threshold, first_annoys, second_annoys",
                         [(0.99, 1, 1), (1.0, 0, 1), (1.49, 0, 1), (1.51, 0, 0)])
def test_annoyance_decays_with_half_life(impl, threshold, first_annoys, second_annoys):
    """Two generic messages 168 h apart, half-life 168 h, increment 1 (w = 0): annoyance is
    1 after the first read and 1 * 0.5 + 1 = 1.5 after the second. An annoying read is
    reported (report_prob=1) unless the contact already reported this sender, so the hour of
    the one report tells which read annoyed first (strictly: at threshold 1.0 the first read,
    exactly 1, does not annoy)."""
    pop = homogeneous(read_prob=1, read_delay_hours=0, annoyance_threshold=threshold,
                      annoyance_generic=1.0, report_prob=1)
    sc = hand_scenario(PATH, 3, lambda: Script([(0, "generic", [0]), (168, "generic", [0])]),
                       population=pop, half_life_hours=168)
    assert at_end_of(impl, sc, 100)["reports"] == first_annoys
    m = at_end_of(impl, sc, 200)
    annoyed = int(first_annoys or second_annoys)
    assert m["reports"] == annoyed  # a contact reports a sender at most once
    assert m["annoyed"] == m["people_annoyed"] == annoyed  # once per pair
    assert m["messages_sent"] == 2 and m["reach"] == 1


def test_two_reads_in_one_hour_apply_one_after_the_other(impl):
    """Two generic messages to the same contact at hour 0, both read at once: annoyance is 1
    after the first and 2 after the second, so with threshold 1.5 exactly one read annoys."""
    pop = homogeneous(read_prob=1, read_delay_hours=0, annoyance_threshold=1.5, report_prob=1)
    sc = hand_scenario(PATH, 3, lambda: Script([(0, "generic", [0]), (0, "generic", [0])]),
                       population=pop)
    m = at_end_of(impl, sc, 0)
    assert (m["messages_sent"], m["reports"], m["annoyed"], m["reach"]) == (2, 1, 1, 1)


def test_annoyance_level_in_engine_state():
    pop = homogeneous(read_prob=1, read_delay_hours=0, annoyance_threshold=1e9, annoyance_generic=1.0,
                      annoyance_personal=-0.25)
    sc = hand_scenario(PATH, 3, lambda: Script([(0, "generic", [0]), (168, "generic", [0]),
                                                (504, "personal", [0])]), population=pop,
                       half_life_hours=168, horizon_hours=600)
    eng = Engine(sc, 2, 0, record_series=False)
    while eng.hour <= 168:
        eng.step()
    assert eng.annoyance.reshape(2, 3)[:, 1].tolist() == [1.5, 1.5]
    eng.run()
    # 1.5 decays over 336 h (two half-lives) to 0.375, then goodwill -0.25
    assert eng.annoyance.reshape(2, 3)[:, 1] == pytest.approx([0.125, 0.125], abs=1e-12)


@pytest.mark.parametrize("unfollow_prob, delay, sent, reports, unfollows", [
    (1.0, 0, 1, 1, 1),  # unfollowed at hour 0: the hour-10 message is not delivered
    (0.0, 0, 2, 1, 0),  # nobody unfollows: both delivered and annoying, reported once
    (1.0, 20, 2, 1, 1),  # both delivered before the first read; unfollowing happens once
])
def test_unfollow_stops_further_delivery(impl, unfollow_prob, delay, sent, reports, unfollows):
    pop = homogeneous(read_prob=1, read_delay_hours=delay, annoyance_threshold=0.5,
                      report_prob=1, unfollow_prob=unfollow_prob)
    sc = hand_scenario(PATH, 3, lambda: Script([(0, "generic", [0]), (10, "generic", [0])]),
                       population=pop)
    m = at_end_of(impl, sc, 100)
    assert (m["messages_sent"], m["reports"], m["unfollows"]) == (sent, reports, unfollows)
    assert m["reach"] == 1 and m["annoyed"] == 1


def test_suspension_stops_sends_not_reads(impl):
    """Count rule, one report. Contact 1 gets a message at hour 0, contact 2 at hour 2; reads
    come 5 h later. 1 reports at hour 5: suspended at hour 5. 2's message, delivered before,
    is still read at hour 7 (and reported); the hour-8 send to both is not delivered."""
    pop = homogeneous(read_prob=1, read_delay_hours=5, annoyance_threshold=0.5, report_prob=1)
    sc = hand_scenario(MIDDLE, 3, lambda: Script([(0, "generic", [0]), (2, "generic", [1]),
                                                  (8, "generic", [0, 1])]),
                       population=pop, platform=CountRule(max_reports=1, window_hours=24))
    m = at_end_of(impl, sc, 4)
    assert (m["suspended"], m["messages_sent"]) == (0, 2)
    m = at_end_of(impl, sc, 5)
    assert (m["suspended"], m["suspension_hour"], m["reports"]) == (1, 5, 1)
    m = at_end_of(impl, sc, 100)
    assert (m["suspended"], m["suspension_hour"]) == (1, 5)
    assert (m["messages_sent"], m["reach"], m["reports"]) == (2, 2, 2)


@pytest.mark.parametrize("window, suspended", [(10, 0), (11, 1)])
def test_count_window_includes_current_hour(impl, window, suspended):
    """Reports at hours 5 and 15. A window of w hours at hour t covers t - w + 1 .. t, so at
    hour 15 a 10-hour window holds one report and an 11-hour window both."""
    pop = homogeneous(read_prob=1, read_delay_hours=5, annoyance_threshold=0.5, report_prob=1)
    sc = hand_scenario(MIDDLE, 3, lambda: Script([(0, "generic", [0]), (10, "generic", [1])]),
                       population=pop,
                       platform=CountRule(max_reports=2, window_hours=window))
    m = at_end_of(impl, sc, 50)
    assert m["reports"] == 2 and m["suspended"] == suspended
    if suspended:
        assert m["suspension_hour"] == 15


@pytest.mark.parametrize("max_rate, suspended", [(0.0, 1), (1.0, 0)])
def test_rate_rule_at_its_certain_ends(impl, max_rate, suspended):
    """Both contacts get a generic message at hour 0, read it at hour 5 and report. With
    max_rate = 0 any day with a report is over the limit for sure (P(theta > 0) = 1): the
    sender is restricted at hour 5; with max_rate = 1 never (P(theta > 1) = 0)."""
    pop = homogeneous(read_prob=1, read_delay_hours=5, annoyance_threshold=0.5, report_prob=1)
    sc = hand_scenario(MIDDLE, 3, GenericBlast, population=pop,
                       platform=RateRule(max_rate=max_rate, prior_rate=0.001, prior_messages=1000))
    m = at_end_of(impl, sc, 50)
    assert m["suspended"] == suspended and m["reports"] == 2
    if suspended:
        assert m["suspension_hour"] == 5


def test_rate_rule_probability_is_the_beta_tail():
    """P(a day's rate > max_rate | k reports of n messages) against scipy's Beta distribution
    (an independent route to the same number), and it falls smoothly as the day's volume grows
    at a fixed number of reports: no cliff at any volume."""
    from scipy.stats import beta

    rule = RateRule(max_rate=0.003, prior_rate=0.001, prior_messages=1000)
    for k, n in ((1, 1), (1, 10), (1, 100), (3, 300), (5, 1800), (0, 50)):
        want = beta.sf(0.003, 0.001 * 1000 + k, 0.999 * 1000 + n - k)
        assert rule.exceed_prob(np.array([k]), np.array([n]))[0] == pytest.approx(want, rel=1e-9)
    n = np.arange(1, 2001)
    p = rule.exceed_prob(np.ones_like(n), n)
    assert np.all(np.diff(p) < 0)  # more messages, same one report: a lower rate
    assert np.max(-np.diff(p)) < 0.002  # no jump between neighbouring volumes


def _blast_rate_risk(n, q, rule):
    """The rate rule's risk for one blast of n, everyone reading at once and reporting with
    probability q, worked from the rule's text: k reports arrive in one hour against one
    delivery day of n messages; each is one look with P(theta > max_rate | k, n), so the
    sender stays free with probability (1 - P)^k. Summed over k ~ Bin(n, q)."""
    from scipy.stats import beta

    k = np.arange(n + 1)
    a0, b0 = rule.prior_rate * rule.prior_messages, (1 - rule.prior_rate) * rule.prior_messages
    look = beta.sf(rule.max_rate, a0 + k, b0 + n - k)
    return float(np.sum(stats.binom.pmf(k, n, q) * (1 - (1 - look) ** k)))


def test_rate_rule_risk_is_smooth_in_volume_and_matches_its_formula():
    """No cliff: a blast to n contacts, for n around 100 (the old rule's minimum volume) and
    far from it. The simulated risk agrees with the formula worked from MODEL.md's text, and
    the formula moves less between neighbouring volumes than the Monte Carlo error of 2,000
    replicates."""
    rule = RateRule(max_rate=0.003, prior_rate=0.001, prior_messages=1000)
    q, R = 0.02, 2000
    pop = homogeneous(read_prob=1, read_delay_hours=0, annoyance_threshold=0.5, report_prob=q)
    exact = {n: _blast_rate_risk(n, q, rule) for n in range(10, 401)}
    jumps = np.abs(np.diff([exact[n] for n in sorted(exact)]))
    assert jumps.max() < np.sqrt(0.25 / R)  # under the Monte Carlo standard error at p = 1/2
    # the same check catches the first build's rule (at least 100 delivered, then any report
    # reaches a 0.3% rate below 334 messages): its risk jumps from 0 to 1 - (1 - q)^100
    old = [(n >= 100) * (1 - (1 - q) ** n) for n in range(10, 401)]
    assert np.abs(np.diff(old)).max() > 10 * np.sqrt(0.25 / R)
    for n in (10, 99, 100, 101, 400):
        sc = hand_scenario([(0, i) for i in range(1, n + 1)], n + 1, GenericBlast, population=pop,
                           platform=rule, horizon_hours=3)
        hit = run_engine(sc, replicates=R, seed=n)["restricted"]
        se = np.sqrt(exact[n] * (1 - exact[n]) / R)
        assert abs(hit.mean() - exact[n]) < 4 * se + 1e-3, (n, hit.mean(), exact[n])


def test_personal_notes_count_as_effort(impl):
    """personal_first with k=1: a note to the strongest contact at hour 0 (10 minutes), the
    generic message to the other 24 h after the last note (15 minutes for the batch)."""
    pop = homogeneous(read_prob=1, read_delay_hours=0, annoyance_threshold=1e9)
    sc = hand_scenario(MIDDLE, 3, lambda: PersonalFirst(k=1, notes_per_day=1, minutes_per_note=10,
                                                        delay_hours=24, minutes_per_batch=15),
                       population=pop)
    m = at_end_of(impl, sc, 23)
    assert (m["messages_sent"], m["personal_notes"], m["effort_hours"]) == (1, 1, 10 / 60)
    m = at_end_of(impl, sc, 24)
    assert (m["messages_sent"], m["personal_notes"]) == (2, 1)
    assert m["effort_hours"] == pytest.approx(25 / 60)


def test_scenario_from_config_builds_same_population_as_by_hand():
    """The hand-built scenarios above use build_population like a run does: a composed
    homogeneous config gives the same per-pair numbers."""
    cfg = make_cfg(["network=erdos_renyi", "network.n=30", "network.mean_degree=4", "seed=2",
                    "population=homogeneous", "population.tie_strength=0.25",
                    "population.annoyance_generic=2", "population.report_prob=0.3"])
    pop = build_scenario(cfg).population
    assert np.allclose(pop.annoyance_generic, 2 * 0.75)
    assert np.allclose(pop.report_prob, 0.3) and np.allclose(pop.read_prob, 1.0)
    m = run_engine(build_scenario(cfg), replicates=3)
    assert set(m) >= {"reach", "reports", "suspended", "suspension_hour", "people_annoyed"}
