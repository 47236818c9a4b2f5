"""The fast engine agrees in distribution with the per-agent reference (tests/oracles/reference.py).

Both run the same built scenario (network, population, strategy, platform rule, restriction
ladder and caps) with their own random numbers. For every cell (network x population x
strategy x platform variant) and every metric, a two-sample test compares the engine's
replicates with the reference's: Welch's t-test on the means (the counts, the number of
restrictions and the hours restricted), Fisher's exact test on the number of restricted and
of suspended replicates (with one sender; with many, Welch on the fractions) and a
Mann-Whitney test on the hours of the first restriction and of the suspension. Cells use
parameters that make every rule fire (many annoyed, reports, unfollows, shares, restrictions,
second restrictions, suspensions, caps that hold messages back), and seeds are fixed, so the
test is deterministic. All p-values of the family are held to one Bonferroni threshold,
ALPHA / (number of comparisons). test_perturbed_reference_is_detected shows the same
procedure rejects a reference with a wrong parameter (report_prob doubled, exposure x1.5, a
restriction ladder twice as long).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from conftest import make_cfg
from oracles.reference import run_reference_scenario
from sim.engine.engine import SERIES
from sim.engine.scenario import build_scenario
from sim.engine.simulate import simulate

ALPHA = 0.01  # family-wise error rate of the whole agreement suite

NETWORKS = {
    "ego": ["network=ego", "network.n_contacts=60", "network.strong_ties=10", "close_ties=10",
            "network.communities=3", "network.within_degree=5", "network.outside_degree=5"],
    "erdos_renyi": ["network=erdos_renyi", "network.n=100", "network.mean_degree=12", "close_ties=5"],
}
# many senders in one network (the reciprocity study): annoyance is per person, shared
# across senders; each sender has its own strategy state, platform standing and start hour
NETWORKS["erdos_renyi_10_senders"] = NETWORKS["erdos_renyi"] + [
    "senders.fraction=0.1", "senders.start_spread_hours=48"]
NETWORKS["ego_10_senders"] = NETWORKS["ego"] + ["senders.fraction=0.05", "senders.start_spread_hours=30"]
POPULATIONS = {
    # tie strength from neighbourhood overlap, lognormal thresholds, exponential read delays;
    # threshold, report, unfollow and share chances raised so that every branch is common
    "default": ["population=default", "population.threshold_median=1.0",
                "population.report_prob=0.1", "population.unfollow_prob=0.3",
                "population.share_prob_base=0.1", "population.exposure_prob=0.2",
                "population.share_prob_word_of_mouth=0.1", "population.reply_prob_base=0.2",
                "population.fatigue_per_ask=0.5", "population.fatigue_annoyance_per_ask=0.5",
                "population.fatigue_half_life_hours=48"],
    # every generic message annoys (0.7 > 0.5), personal notes do not on their own (0.14)
    "homogeneous": ["population=homogeneous", "population.tie_strength=0.3",
                    "population.annoyance_threshold=0.5", "population.annoyance_generic=1.0",
                    "population.annoyance_personal=0.2", "population.read_prob=0.7",
                    "population.share_prob=0.3", "population.exposure_prob=0.25",
                    "population.report_prob=0.05", "population.unfollow_prob=0.3",
                    "population.read_delay_hours=6", "population.reply_prob=0.3",
                    "population.fatigue_per_ask=0.5", "population.fatigue_annoyance_per_ask=0.3"],
}
# lognormal read delays and Beta tie strengths instead of exponential delays and overlap
POPULATIONS["default_lognormal_beta"] = POPULATIONS["default"] + [
    "population.read_delay.dist=lognormal", "population.read_delay.mean_hours=12",
    "population.read_delay.sigma=1.5", "population.tie_strength.from=beta"]
STRATEGIES = {
    "generic_blast": ["strategy=generic_blast"],
    "personal_first": ["strategy=personal_first", "strategy.k=10", "strategy.notes_per_day=4",
                       "strategy.delay_hours=24", "strategy.note_quality=0.9",
                       "strategy.message_quality=0.3"],
    "staggered": ["strategy=staggered", "strategy.batch_size=15", "strategy.interval_hours=24",
                  "strategy.order=random", "strategy.adaptive_pause=true",
                  "strategy.pause_reports=1", "strategy.pause_window_hours=48"],
    "blast_then_personal": ["strategy=blast_then_personal", "strategy.k=10",
                            "strategy.notes_per_day=5", "strategy.delay_hours=72"],
}
PLATFORMS = {
    # temporary restrictions with escalation (a suspension after the third): the sender's
    # later sends shift, and reports from before a lift are spent
    "count": ["platform=count", "platform.max_reports=1", "platform.window_hours=24",
              "platform.restriction_hours=[24,48,168]"],
    # two reports within two days: reports spent at a lift matter
    "count_two": ["platform=count", "platform.max_reports=2", "platform.window_hours=48",
                  "platform.restriction_hours=[24,48,168]"],
    # the first restriction is permanent (the first build's suspension)
    "count_permanent": ["platform=count", "platform.max_reports=1", "platform.window_hours=24",
                        "platform.restriction_hours=[]"],
    "review": ["platform=review", "platform.restrict_prob=0.5", "platform.restriction_hours=[12,36]"],
    # a day's smoothed spam rate; a weak prior (20 messages at 2%) and a limit of 5%, so that a
    # report or two among a day's few dozen messages restricts about half the time
    "rate": ["platform=rate", "platform.max_rate=0.05", "platform.prior_rate=0.02",
             "platform.prior_messages=20", "platform.restriction_hours=[12,36]"],
    # volume caps that bind (12 a day, 50 a week: the 60 contacts of the ego network take
    # two calendar weeks), with the review rule
    # LinkedIn's InMail rule, scaled down: under 10% replies on 20 or more messages over
    # two days, restricted for a day, and again
    "response_rate": ["platform=response_rate", "platform.min_response_rate=0.1",
                      "platform.min_volume=20", "platform.window_hours=48",
                      "platform.restriction_hours=[24]", "platform.after_last=repeat"],
    "caps": ["platform=review", "platform.restrict_prob=0.5", "platform.restriction_hours=[24,48]",
             "platform.daily_cap=12", "platform.weekly_cap=50"],
}
# every strategy x population x {count, rate} on the ego network; on Erdos-Renyi, every
# strategy with each population (count_permanent with default, review with homogeneous); caps
# with the strategies they bind hardest; two cells with ten senders; one with other delay and
# tie-strength distributions
CELLS = [("ego", pop, strat, plat) for pop in ("default", "homogeneous") for strat in STRATEGIES
         for plat in ("count", "rate")]
CELLS += [("erdos_renyi", pop, strat, plat)
          for (pop, plat) in (("default", "count_permanent"), ("homogeneous", "review"))
          for strat in STRATEGIES]
CELLS += [("ego", "default", "staggered", "caps"), ("ego", "homogeneous", "generic_blast", "caps"),
          ("ego", "default", "blast_then_personal", "caps")]
CELLS += [("ego", "default", "staggered", "count_two")]
CELLS += [("ego", "default", "staggered", "response_rate"),
          ("ego_10_senders", "default", "personal_first", "response_rate")]
CELLS += [("erdos_renyi_10_senders", "default", "generic_blast", "count"),
          ("ego_10_senders", "homogeneous", "personal_first", "review"),
          ("ego", "default_lognormal_beta", "staggered", "rate")]
MEAN_METRICS = (
    "reach", "supporters", "direct_supporters", "unfollows", "unfollows_weighted",
    "close_ties_lost", "annoyed", "close_ties_annoyed", "people_annoyed", "reports",
    "messages_sent", "personal_notes", "effort_hours", "restrictions", "restricted_hours",
    "replies", "reach_hop1", "reach_hop2", "reach_hop3plus",
)
# 0/1 per sender (the share of senders with several), and the hour each first happened
RISKS = (("restricted", "restriction_hour"), ("suspended", "suspension_hour"))
# per cell: one test per mean metric, and per risk one on its counts and one on its hours
N_COMPARISONS = len(CELLS) * (len(MEAN_METRICS) + 2 * len(RISKS))
THRESHOLD = ALPHA / N_COMPARISONS
R = 1000  # replicates per implementation and cell
R_MANY_SENDERS = 400  # ten senders: ten times the reference's work per replicate


def replicates(network: str) -> int:
    return R_MANY_SENDERS if "senders" in network else R


def cell_config(network, population, strategy, platform, seed=1):
    return make_cfg(NETWORKS[network] + POPULATIONS[population] + STRATEGIES[strategy]
                    + PLATFORMS[platform] + ["horizon_hours=336", f"replicates={replicates(network)}",
                                             f"engine.batch_size={R}", f"seed={seed}"])


def _two_sample(a: np.ndarray, b: np.ndarray, test) -> float:
    """p-value of `test`, or exactly 1 / 0 when both samples are one and the same constant /
    two different constants (where the tests are undefined)."""
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        return 1.0 if math.isclose(a[0], b[0], rel_tol=1e-9, abs_tol=1e-12) else 0.0
    return float(test(a, b).pvalue)


def compare(engine: dict, reference: dict) -> dict[str, float]:
    """p-value of each two-sample comparison, metric -> p."""
    welch = lambda a, b: stats.ttest_ind(a, b, equal_var=False)  # noqa: E731
    out = {}
    for name in MEAN_METRICS:
        out[name] = _two_sample(np.asarray(engine[name], float), np.asarray(reference[name], float), welch)
    for risk, hour in RISKS:
        sa, sb = np.asarray(engine[risk], float), np.asarray(reference[risk], float)
        if np.isin(sa, (0, 1)).all() and np.isin(sb, (0, 1)).all():  # one sender: yes or no
            table = [[sa.sum(), len(sa) - sa.sum()], [sb.sum(), len(sb) - sb.sum()]]
            out[risk] = float(stats.fisher_exact(table).pvalue)
        else:  # many senders: the fraction
            out[risk] = _two_sample(sa, sb, welch)
        ha, hb = np.asarray(engine[hour], float), np.asarray(reference[hour], float)
        ha, hb = ha[~np.isnan(ha)], hb[~np.isnan(hb)]
        if len(ha) >= 10 and len(hb) >= 10:
            out[hour] = _two_sample(ha, hb, stats.mannwhitneyu)
        else:  # too few to compare their timing; their number is compared above
            out[hour] = 1.0
    assert not any(math.isnan(v) for v in out.values()), out
    return out


def run_both(cell, reference_population=None, reference_enforcement=None, seed=1):
    cfg = cell_config(*cell, seed=seed)
    scenario = build_scenario(cfg)
    engine = simulate(cfg, scenario=scenario).replicates
    pop = reference_population(scenario.population) if reference_population else None
    enf = reference_enforcement(scenario.enforcement) if reference_enforcement else None
    reference = run_reference_scenario(scenario, replicates(cell[0]), np.random.default_rng(1000 + seed),
                                       population=pop, enforcement=enf)
    return scenario, engine, reference


def check_invariants(df, scenario):
    """Counting laws every replicate obeys, whatever the random numbers."""
    n_contacts = scenario.population.n_pairs
    assert (df["reach"] <= scenario.network.n_nodes - 1).all()
    assert (df["direct_supporters"] <= df["supporters"]).all()
    assert (df["supporters"] <= df["reach"]).all()
    assert (df["unfollows"] <= df["annoyed"]).all()
    S = scenario.population.n_senders  # metrics are means over senders; people_annoyed a total
    assert (df["annoyed"] <= n_contacts).all()
    assert (df["people_annoyed"] <= S * df["annoyed"] + 1e-9).all()
    if S == 1:
        assert (df["annoyed"] == df["people_annoyed"]).all()
    assert (df["close_ties_lost"] <= np.minimum(df["unfollows"], df["close_ties_annoyed"])).all()
    assert (df["unfollows_weighted"] <= df["unfollows"] + 1e-9).all()
    assert (df["personal_notes"] <= df["messages_sent"]).all()
    # restrictions: at most one past the ladder (the permanent one), blocking at most the horizon
    ladder = scenario.enforcement.restriction_hours
    assert (df["restrictions"] <= len(ladder) + 1).all()
    assert (df["suspended"] <= df["restricted"]).all() and (df["restricted"] <= df["restrictions"]).all()
    assert ((df["restricted_hours"] >= 0) & (df["restricted_hours"] <= scenario.horizon_hours)).all()
    if S == 1:
        assert (df["suspended"] == df["suspension_hour"].notna()).all()
        assert (df["restricted"] == df["restriction_hour"].notna()).all()
        assert (df["restricted"] == (df["restrictions"] > 0)).all()
        both = df["suspension_hour"].notna()
        assert (df.loc[both, "restriction_hour"] <= df.loc[both, "suspension_hour"]).all()
    else:  # the fraction of senders suspended; the hour is the first sender's
        assert (df.loc[df["suspension_hour"].notna(), "suspended"] > 0).all()
        assert (df.loc[df["restriction_hour"].notna(), "restricted"] > 0).all()
    if len(ladder) == 0:  # every restriction is a suspension
        assert (df["restricted"] == df["suspended"]).all()
        assert df["restriction_hour"].equals(df["suspension_hour"])


def _cell_param(cell):
    return pytest.param(cell, id="-".join(cell))


@pytest.mark.parametrize("cell", [_cell_param(c) for c in CELLS])
def test_engine_agrees_with_reference(cell):
    scenario, engine, reference = run_both(cell)
    check_invariants(engine, scenario)
    p = compare(engine, reference)
    failed = {k: v for k, v in p.items() if v < THRESHOLD}
    means = {k: (round(float(np.nanmean(engine[k].astype(float))), 3),
                 round(float(np.nanmean(reference[k])), 3)) for k in failed}
    assert not failed, f"engine vs reference differ (p < {THRESHOLD:.1e}): {failed}; means {means}"


def test_cells_exercise_every_rule():
    """The agreement above means something only if each mechanism actually happens."""
    seen = {}
    # (cell, whether second restrictions are common in it)
    for cell, escalates in ((("ego", "default", "generic_blast", "count"), True),
                            (("ego", "homogeneous", "staggered", "count"), True),
                            (("ego", "homogeneous", "personal_first", "rate"), False),
                            (("ego", "homogeneous", "staggered", "rate"), True),
                            (("ego", "default", "blast_then_personal", "rate"), False),
                            (("ego", "default", "staggered", "caps"), True),
                            (("ego", "homogeneous", "generic_blast", "caps"), True)):
        df = simulate(cell_config(*cell)).replicates
        seen[cell] = df
        for name in ("reach", "unfollows", "annoyed", "reports", "messages_sent"):
            assert df[name].mean() > 0.5, (cell, name)
        assert 0.05 < df["restricted"].mean() < 0.95, cell
        if escalates:
            assert (df["restrictions"] >= 2).mean() > 0.05, cell
        if cell[1] == "default" or cell[2] != "generic_blast" and cell[2] != "staggered":
            # (in the homogeneous population every generic message annoys: no supporters)
            assert df["supporters"].mean() > 0.5, cell
            assert (df["supporters"] > df["direct_supporters"]).any(), cell  # word of mouth
    assert seen[("ego", "homogeneous", "personal_first", "rate")]["personal_notes"].eq(10).mean() > 0.9
    # a restricted staggered sender carries on: restricted early, it still sends (nearly) all
    stag = seen[("ego", "homogeneous", "staggered", "count")]
    early = stag["restriction_hour"] < 48
    assert early.mean() > 0.3 and stag.loc[early, "messages_sent"].mean() > 50
    # suspensions happen, with the ladder and without it
    assert (seen[("ego", "homogeneous", "generic_blast", "caps")]["suspended"]).mean() > 0.01
    perm = simulate(cell_config("erdos_renyi", "default", "staggered", "count_permanent")).replicates
    assert 0.05 < perm["suspended"].mean() < 0.95
    # replies, and the response_rate rule acting on them; shares reaching two and three hops
    rr = simulate(cell_config("ego", "default", "staggered", "response_rate")).replicates
    assert rr["replies"].mean() > 2 and 0.05 < rr["restricted"].mean() < 0.95
    assert (rr["restrictions"] >= 2).mean() > 0.05
    hops = seen[("ego", "default", "generic_blast", "count")]
    assert hops["reach_hop2"].mean() > 1 and (hops["reach_hop3plus"] > 0).mean() > 0.05
    for rule in ("review", "count"):  # the review rule, and ten senders on different clocks
        net = "erdos_renyi" if rule == "review" else "erdos_renyi_10_senders"
        pop = "homogeneous" if rule == "review" else "default"
        df = simulate(cell_config(net, pop, "generic_blast", rule)).replicates
        assert 0.05 < df["restricted"].mean() < 0.95, rule


def test_caps_bind_in_the_caps_cells():
    """12 a day and 50 a week: a blast of 60 goes out 12 at hours 0, 24, 48 and 72, 2 at hour
    96 (the week's 50th), the last 10 from hour 168; restricted replicates later still."""
    res = simulate(cell_config("ego", "homogeneous", "generic_blast", "caps"))
    sent = res.series[:, SERIES.index("messages_sent"), :]  # (hours, replicates), cumulative
    per_day = np.diff(sent[23::24], axis=0, prepend=0)
    assert per_day.max() == 12
    week = np.add.reduceat(per_day, np.arange(0, per_day.shape[0], 7), axis=0)
    assert week.max() == 50
    free = ~res.replicates["restricted"].to_numpy(bool)
    assert free.sum() > 50
    assert (sent[[0, 24, 48, 72, 96, 167, 168], :][:, free].T == [12, 24, 36, 48, 50, 50, 60]).all()


def _double_ladder(enforcement):
    return dataclasses.replace(enforcement, restriction_hours=tuple(2 * h for h in enforcement.restriction_hours))


@pytest.mark.parametrize("what, cell, population, enforcement", [
    ("report_prob x2", ("ego", "default", "generic_blast", "count"),
     lambda pop: dataclasses.replace(pop, report_prob=pop.report_prob * 2), None),
    ("exposure_prob x1.5", ("ego", "default", "generic_blast", "count"),
     lambda pop: dataclasses.replace(pop, exposure=pop.exposure * 1.5), None),
    ("restriction ladder x2", ("ego", "homogeneous", "staggered", "count"), None, _double_ladder),
])
def test_perturbed_reference_is_detected(what, cell, population, enforcement):
    """The same test, the same seeds, but the reference gets a deliberately wrong parameter:
    the procedure must reject (so the agreement test is able to fail)."""
    scenario, engine, reference = run_both(cell, reference_population=population,
                                           reference_enforcement=enforcement)
    p = compare(engine, reference)
    assert min(p.values()) < THRESHOLD, (what, p)


def test_reference_is_independent_of_the_code_it_checks():
    """The reference imports neither the engine, nor the platform rules, nor the population
    builder (read with ast: only the strategies' interface from the package)."""
    import ast
    from pathlib import Path

    tree = ast.parse((Path(__file__).parent / "oracles" / "reference.py").read_text())
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 0}
    modules |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    assert {m for m in modules if m.startswith("sim")} == {"sim.rules.strategies"}, modules
