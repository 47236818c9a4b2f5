"""The fast engine agrees in distribution with the per-agent reference (tests/oracles/reference.py).

Both run the same built scenario (network, population, strategy, platform rule) with their
own random numbers. For every cell (network x population x strategy x platform rule) and
every metric, a two-sample test compares the engine's replicates with the reference's:
Welch's t-test on the means, Fisher's exact test on the number of suspended replicates (with
one sender; with many, Welch on the fraction suspended) and a Mann-Whitney test on the
suspension hours. Cells use parameters that make every rule fire
(many annoyed, reports, unfollows, shares, suspensions), and seeds are fixed, so the test is
deterministic. All p-values of the family are held to one Bonferroni threshold,
ALPHA / (number of comparisons). test_perturbed_reference_is_detected shows the same
procedure rejects a reference with report_prob doubled.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from conftest import make_cfg
from oracles.reference import run_reference_scenario
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
                "population.share_prob_word_of_mouth=0.1"],
    # every generic message annoys (0.7 > 0.5), personal notes do not on their own (0.14)
    "homogeneous": ["population=homogeneous", "population.tie_strength=0.3",
                    "population.annoyance_threshold=0.5", "population.annoyance_generic=1.0",
                    "population.annoyance_personal=0.2", "population.read_prob=0.7",
                    "population.share_prob=0.3", "population.exposure_prob=0.25",
                    "population.report_prob=0.05", "population.unfollow_prob=0.3",
                    "population.read_delay_hours=6"],
}
# lognormal read delays and Beta tie strengths instead of exponential delays and overlap
POPULATIONS["default_lognormal_beta"] = POPULATIONS["default"] + [
    "population.read_delay.dist=lognormal", "population.read_delay.mean_hours=12",
    "population.read_delay.sigma=1.5", "population.tie_strength.from=beta"]
STRATEGIES = {
    "generic_blast": ["strategy=generic_blast"],
    "personal_first": ["strategy=personal_first", "strategy.k=10", "strategy.notes_per_day=4",
                       "strategy.delay_hours=24"],
    "staggered": ["strategy=staggered", "strategy.batch_size=15", "strategy.interval_hours=24",
                  "strategy.order=random", "strategy.adaptive_pause=true",
                  "strategy.pause_reports=1", "strategy.pause_window_hours=48"],
    "blast_then_personal": ["strategy=blast_then_personal", "strategy.k=10",
                            "strategy.notes_per_day=5", "strategy.delay_hours=72"],
}
PLATFORMS = {
    "count": ["platform=count", "platform.max_reports=2", "platform.window_hours=24"],
    "rate": ["platform=rate", "platform.max_rate=0.03", "platform.window_hours=24",
             "platform.min_volume=10"],
}
# every strategy x population x platform on the ego network; on Erdos-Renyi, every strategy
# with each population (platforms alternating); two cells with ten senders; one with other
# delay and tie-strength distributions
CELLS = [("ego", pop, strat, plat) for pop in ("default", "homogeneous") for strat in STRATEGIES
         for plat in PLATFORMS]
CELLS += [("erdos_renyi", pop, strat, plat)
          for (pop, plat) in (("default", "count"), ("homogeneous", "rate")) for strat in STRATEGIES]
CELLS += [("erdos_renyi_10_senders", "default", "generic_blast", "count"),
          ("ego_10_senders", "homogeneous", "personal_first", "count"),
          ("ego", "default_lognormal_beta", "staggered", "rate")]
MEAN_METRICS = (
    "reach", "supporters", "direct_supporters", "unfollows", "unfollows_weighted",
    "close_ties_lost", "annoyed", "close_ties_annoyed", "people_annoyed", "reports",
    "messages_sent", "personal_notes", "effort_hours",
)
# per cell: one test per mean metric, one on suspension counts, one on suspension hours
N_COMPARISONS = len(CELLS) * (len(MEAN_METRICS) + 2)
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
    sa, sb = np.asarray(engine["suspended"], float), np.asarray(reference["suspended"], float)
    if np.isin(sa, (0, 1)).all() and np.isin(sb, (0, 1)).all():  # one sender: suspended or not
        table = [[sa.sum(), len(sa) - sa.sum()], [sb.sum(), len(sb) - sb.sum()]]
        out["suspended"] = float(stats.fisher_exact(table).pvalue)
    else:  # many senders: the fraction suspended
        out["suspended"] = _two_sample(sa, sb, welch)
    ha = np.asarray(engine["suspension_hour"], float)
    hb = np.asarray(reference["suspension_hour"], float)
    ha, hb = ha[~np.isnan(ha)], hb[~np.isnan(hb)]
    if len(ha) >= 10 and len(hb) >= 10:
        out["suspension_hour"] = _two_sample(ha, hb, stats.mannwhitneyu)
    else:  # too few suspensions to compare their timing; their number is compared above
        out["suspension_hour"] = 1.0
    assert not any(math.isnan(v) for v in out.values()), out
    return out


def run_both(cell, reference_population=None, seed=1):
    cfg = cell_config(*cell, seed=seed)
    scenario = build_scenario(cfg)
    engine = simulate(cfg, scenario=scenario).replicates
    pop = reference_population(scenario.population) if reference_population else None
    reference = run_reference_scenario(scenario, replicates(cell[0]), np.random.default_rng(1000 + seed),
                                       population=pop)
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
    if S == 1:
        assert (df["suspended"] == df["suspension_hour"].notna()).all()
    else:  # the fraction of senders suspended; the hour is the first sender's
        assert (df.loc[df["suspension_hour"].notna(), "suspended"] > 0).all()


@pytest.mark.parametrize("cell", CELLS, ids=["-".join(c) for c in CELLS])
def test_engine_agrees_with_reference(cell):
    scenario, engine, reference = run_both(cell)
    check_invariants(engine, scenario)
    p = compare(engine, reference)
    failed = {k: v for k, v in p.items() if v < THRESHOLD}
    means = {k: (round(float(engine[k].mean()), 3), round(float(np.mean(reference[k])), 3)) for k in failed}
    assert not failed, f"engine vs reference differ (p < {THRESHOLD:.1e}): {failed}; means {means}"


def test_cells_exercise_every_rule():
    """The agreement above means something only if each mechanism actually happens."""
    seen = {}
    for cell in (("ego", "default", "staggered", "count"), ("ego", "homogeneous", "personal_first", "rate"),
                 ("ego", "default", "blast_then_personal", "rate")):
        cfg = cell_config(*cell)
        df = simulate(cfg).replicates
        seen[cell] = df.mean(numeric_only=True)
        for name in ("reach", "supporters", "unfollows", "annoyed", "reports", "messages_sent"):
            assert df[name].mean() > 0.5, (cell, name)
        assert 0.05 < df["suspended"].mean() < 0.95, cell
        assert (df["supporters"] > df["direct_supporters"]).any(), cell  # word of mouth
    assert seen[("ego", "homogeneous", "personal_first", "rate")]["personal_notes"] == 10


@pytest.mark.parametrize("what, perturb", [
    ("report_prob x2", lambda pop: dataclasses.replace(pop, report_prob=pop.report_prob * 2)),
    ("exposure_prob x1.5", lambda pop: dataclasses.replace(pop, exposure=pop.exposure * 1.5)),
])
def test_perturbed_reference_is_detected(what, perturb):
    """The same test, the same seeds, but the reference gets a deliberately wrong parameter:
    the procedure must reject (so the agreement test is able to fail)."""
    cell = ("ego", "default", "generic_blast", "count")
    scenario, engine, reference = run_both(cell, reference_population=perturb)
    p = compare(engine, reference)
    assert min(p.values()) < THRESHOLD, (what, p)
