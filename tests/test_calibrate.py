"""`outreach calibrate` (sim/analysis/: observations, likelihood, weighting, calibrate):
the synthetic likelihood's pieces against their formulas; a case whose posterior is known
exactly; bad observation files; resuming; and (slow) the coverage of the 90% credible
intervals on synthetic data drawn from known parameter values."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import integrate, stats

from helpers import outreach
from sim.analysis import calibrate, likelihood, observations, weighting
from sim.config import compose
from sim.config import uncertainty
from sim.config.uncertainty import Dist
from sim.engine.simulate import simulate
from sim.errors import ConfigError, ResultsError

# --------------------------------------------------------------------------- the prior


def uniform(key, low, high):
    return Dist(key, "uniform", {"low": low, "high": high})


# A sender with N contacts, each of whom reads at once (population=homogeneous): a blast is
# annoying when the threshold is below 1 and harmless when above.
N = 20
BLAST = ["population=homogeneous", "network=small_world", f"network.n={N + 1}",
         f"network.k={N}", "network.p=0", "close_ties=0", "platform=count", "horizon_hours=2",
         "calibrate.plot_keys=1", "output.progress=false"]


def obs_file(tmp_path, cases, name="obs.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(cases, sort_keys=False))
    return f"observations.file={path}"


# --------------------------------------------------------------------------- the likelihood


def test_a_yes_no_outcome_gets_k_plus_a_half_over_n_plus_one():
    assert likelihood.outcomes_loglik(0, 100, 1) == pytest.approx(math.log(0.5 / 101))
    assert likelihood.outcomes_loglik(37, 100, 1) == pytest.approx(math.log(37.5 / 101))
    # two outcomes observed together: (k + 1/2) / (n + 4/2)
    assert likelihood.outcomes_loglik(10, 100, 2) == pytest.approx(math.log(10.5 / 102))


def test_a_poisson_like_count_gets_the_poisson_jeffreys_predictive():
    """Replicates no more spread than Poisson: exactly the negative binomial r = S + 1/2,
    p = n / (n + 1), the predictive of a Poisson count under a Jeffreys prior."""
    values = np.array([3, 5, 4, 4, 6, 2, 4, 5])  # mean 4.125, variance 1.55
    n, s = len(values), values.sum()
    for x in (0, 4, 11):
        assert likelihood.count_loglik(x, values) == pytest.approx(
            stats.nbinom.logpmf(x, s + 0.5, n / (n + 1)))
    zeros = np.zeros(200)  # never happened in 200 replicates: seeing it once is unlikely, not impossible
    assert likelihood.count_loglik(1, zeros) == pytest.approx(stats.nbinom.logpmf(1, 0.5, 200 / 201))
    assert -10 < likelihood.count_loglik(1, zeros) < likelihood.count_loglik(0, zeros) < 0


def test_an_overdispersed_count_keeps_its_spread():
    rng = np.random.default_rng(1)
    values = rng.negative_binomial(2, 0.1, size=400)  # mean 18, variance 180
    x = np.arange(0, 400)
    pmf = np.exp([likelihood.count_loglik(k, values) for k in x])
    n = len(values)
    mean = (values.sum() + 0.5) / n
    assert pmf.sum() == pytest.approx(1, abs=1e-6)
    assert (pmf * x).sum() == pytest.approx(mean, rel=1e-6)
    assert (pmf * (x - mean) ** 2).sum() == pytest.approx(values.var(ddof=1) * (n + 1) / n, rel=1e-4)


def test_a_count_that_is_not_whole_gets_a_gaussian_with_a_variance_floor():
    same = np.full(50, 2.5)
    sd = math.sqrt(0.25 * 51 / 50)
    assert likelihood.count_loglik(3.0, same, 0.25) == pytest.approx(stats.norm.logpdf(3.0, 2.5, sd))
    spread = np.linspace(0, 10, 50)
    sd = math.sqrt(spread.var(ddof=1) * 51 / 50)
    assert likelihood.count_loglik(4.2, spread, 0.25) == pytest.approx(
        stats.norm.logpdf(4.2, 5.0, sd))


def test_an_hour_is_likelier_near_the_replicates_hours_and_never_impossible():
    hours = np.array([10, 12, 13, 15, 20, np.nan, np.nan])
    near, far = likelihood.hour_loglik(13, hours, 1008), likelihood.hour_loglik(900, hours, 1008)
    assert near > far > -math.inf
    assert far == pytest.approx(math.log(1 / 6) - math.log(1008), rel=1e-3)  # the uniform's share
    assert likelihood.hour_loglik(5, np.array([np.nan]), 1008) == pytest.approx(-math.log(1008))
    grid = np.arange(0, 1008, 0.25)  # a density over the horizon (the kernel reflected at 0)
    dens = np.exp([likelihood.hour_loglik(h, hours, 1008) for h in grid])
    assert dens.sum() * 0.25 == pytest.approx(1, abs=0.01)


def test_counts_are_judged_among_the_replicates_with_the_observed_outcomes():
    """Restricted replicates sent 10 messages, the others 100: seeing 10 messages and a
    restriction is judged on the restricted replicates alone."""
    table = pd.DataFrame({"restricted": [True] * 30 + [False] * 70,
                          "messages_sent": [10] * 30 + [100] * 70,
                          "restriction_hour": [5.0] * 30 + [np.nan] * 70})
    case = observations.parse([{"observed": {"restricted": True, "messages_sent": 10,
                                             "restriction_hour": 6}}], "t").cases[0]
    terms = likelihood.case_loglik(case, table, 1008)
    assert terms["outcomes"] == pytest.approx(math.log(30.5 / 101))
    assert terms["messages_sent"] == pytest.approx(likelihood.count_loglik(10, np.full(30, 10)))
    assert terms["restriction_hour"] == pytest.approx(
        likelihood.hour_loglik(6, np.full(30, 5.0), 1008))
    none = observations.parse([{"observed": {"restricted": True, "messages_sent": 10}}], "t").cases[0]
    t2 = likelihood.case_loglik(none, table.assign(restricted=False), 1008)
    assert t2["outcomes"] == pytest.approx(math.log(0.5 / 101))  # none restricted: all judged
    assert t2["messages_sent"] == pytest.approx(
        likelihood.count_loglik(10, table["messages_sent"].to_numpy()))


# --------------------------------------------------------------------------- weights


def test_weighted_summaries():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    w = np.full(4, 0.25)
    assert weighting.ess(w) == pytest.approx(4)
    assert weighting.quantile(x, w, [0.1, 0.5, 0.9]) == pytest.approx(
        np.quantile(x, [0.1, 0.5, 0.9], method="hazen"))
    w = weighting.normalise(np.array([0.0, 0.0, math.log(2), -np.inf]))
    assert w == pytest.approx([0.25, 0.25, 0.5, 0.0])
    assert weighting.ess(w) == pytest.approx(1 / (0.0625 * 2 + 0.25))
    assert weighting.mean(x, w) == pytest.approx(2.25)
    with pytest.raises(ValueError):
        weighting.normalise(np.full(3, -np.inf))


def test_the_posterior_beta_has_the_weighted_moments_within_the_prior_bounds():
    rng = np.random.default_rng(0)
    prior = uniform("population.report_prob", 0.001, 0.05)
    x = prior.ppf(rng.random(4000))
    w = stats.norm.pdf(x, 0.01, 0.005)
    name, p = weighting.fit(prior, x, w)
    assert name == "beta" and (p["low"], p["high"]) == (0.001, 0.05)
    fitted = stats.beta(p["a"], p["b"], loc=p["low"], scale=p["high"] - p["low"])
    assert fitted.mean() == pytest.approx(weighting.mean(x, w))
    assert fitted.var() == pytest.approx(weighting.var(x, w))


# --------------------------------------------------------------------------- a known posterior


def test_a_yes_no_outcome_gives_the_exact_posterior_mean(tmp_path):
    """One uncertain key, report_prob ~ U(0, 0.2); everyone of N contacts reads the blast at
    once and is annoyed, and reports with report_prob; one report restricts (count rule). Not
    restricted has likelihood (1 - p)^N: the posterior mean is a ratio of two integrals.

    The tolerance, 0.006: the Monte Carlo error of the weighted mean (posterior sd 0.04,
    effective sample size about 120) and the likelihood's +1/2 correction, which adds
    0.5 / (n + 1) to every draw's likelihood and lifts the high end a little (+0.002 here)."""
    s = calibrate.setup(BLAST + [obs_file(tmp_path, [{"observed": {"restricted": False}}]),
                                 "calibrate.draws=256", "calibrate.replicates=100"],
                        dists=[uniform("population.report_prob", 0.0, 0.2)])
    r = calibrate.run(s, tmp_path / "out", say=lambda m: None)
    lik = lambda p: (1 - p) ** N  # noqa: E731
    exact = integrate.quad(lambda p: p * lik(p), 0, 0.2)[0] / integrate.quad(lik, 0, 0.2)[0]
    assert exact == pytest.approx(0.0437, abs=1e-4)
    assert r.summaries[0].mean == pytest.approx(exact, abs=0.006)
    assert r.ess > 80
    # the files: one row per draw, weights summing to 1, the plot, the yaml, the report
    table = pd.read_parquet(tmp_path / "out" / calibrate.POSTERIOR_TABLE)
    assert list(table.columns) == ["draw", "population.report_prob", "weight", "loglik",
                                   "loglik_case 1"]
    assert len(table) == 256 and table["weight"].sum() == pytest.approx(1)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["calibration.md", "config.yaml", "evaluations.jsonl", "pair_plot.png",
                     "pair_plot.svg", "posterior.parquet", "posterior.yaml"]  # no INCOMPLETE
    text = (tmp_path / "out" / "calibration.md").read_text()
    assert "| `population.report_prob` | 0 to 0.2 | 0.1 | " in text
    # posterior.yaml is a prior: a beta on the prior's bounds with the weighted mean
    post = uncertainty.load(compose(BLAST + [f"uncertainty.file={tmp_path / 'out' / 'posterior.yaml'}"]))
    assert [(d.key, d.dist, d.bounds()) for d in post] == [("population.report_prob", "beta", (0.0, 0.2))]
    assert float(np.mean(post[0].ppf((np.arange(4000) + 0.5) / 4000))) == pytest.approx(
        r.summaries[0].mean, abs=1e-3)


def test_a_draw_is_judged_on_what_outreach_gives_with_its_values(tmp_path):
    """The fast path (plain configs set in place, the network kept) gives the replicates that
    composing the case with the draw's values as overrides and running gives."""
    scene = ["network.n_contacts=60", "network.outside_degree=3", "close_ties=5",
             "population.threshold_median=1",
             "platform=count", "horizon_hours=48", "calibrate.plot_keys=0",
             "output.progress=false"]
    seen = obs_file(tmp_path, [{"name": "x", "overrides": ["population.read_prob_base=0.3"],
                                "observed": {"replies": 4, "restricted": True,
                                             "restriction_hour": 20}}])
    prior = [uniform("population.report_prob", 0.05, 0.5),
             uniform("population.reply_prob_base", 0.05, 0.3)]
    s = calibrate.setup(scene + [seen, "calibrate.draws=3", "calibrate.replicates=30"],
                        dists=prior)
    r = calibrate.run(s, tmp_path / "out", say=lambda m: None)
    case = s.cases[0].case
    assert r.table["loglik_x"].nunique() == 3
    for j in range(3):
        values = r.table.loc[j, [d.key for d in prior]].tolist()
        cfg = compose(scene + [*case.overrides, "replicates=30",
                               f"replicate_seed={calibrate.case_seed(0, 0)}"]
                      + [f"{d.key}={v!r}" for d, v in zip(prior, values)])
        table = simulate(cfg).replicates
        assert 0 < table["restricted"].mean() < 1 and table["replies"].std() > 0
        terms = likelihood.case_loglik(case, table, 48)
        assert r.table.loc[j, "loglik_x"] == pytest.approx(sum(terms.values()), abs=1e-12)


# --------------------------------------------------------------------------- observations


def test_the_story_ships_two_cases():
    obs = observations.load(compose(["observations=story"]))
    assert [(c.label, c.observed) for c in obs.cases] == [
        ("author", {"suspended": False, "close_ties_annoyed": 1}),
        ("commenter", {"replies": 25, "restricted": True})]
    assert "network.n_contacts=1000" in obs.cases[1].overrides


VALID = ", ".join(["reach", "supporters", "replies"])


@pytest.mark.parametrize("content, message", [
    ("- observed: {replys: 3}\n",
     r"^{f}: case 1: observed\.replys: unknown metric; valid: " + VALID + ", "),
    ("- name: a\n  observed: {replies: 3}\n- name: b\n  observed: {restricted: 1}\n",
     r"^{f}: case 2 \(b\): observed\.restricted=1: expected true or false"),
    ("- observed: {replies: -2}\n", r"^{f}: case 1: observed\.replies=-2: expected a count >= 0"),
    ("- observed: {replies: lots}\n", r"^{f}: case 1: observed\.replies='lots': expected a count"),
    ("- observed: {restriction_hour: -1}\n",
     r"^{f}: case 1: observed\.restriction_hour=-1: expected an hour >= 0, or null for never$"),
    ("- observed: {restriction_hour: 30, restricted: false}\n",
     r"^{f}: case 1: observed\.restriction_hour=30\.0 contradicts observed\.restricted=False$"),
    ("- observed: {suspended: true, restricted: false}\n",
     r"^{f}: case 1: observed: suspended but not restricted"),
    ("- overrides: [replicates=5]\n  observed: {replies: 3}\n",
     r"^{f}: case 1: overrides: replicates=5: replicates is set by outreach calibrate"),
    ("- overrides: network.n=5\n  observed: {replies: 3}\n",
     r"^{f}: case 1: overrides: expected a list of key=value overrides"),
    ("- overrides: [strategy]\n  observed: {replies: 3}\n",
     r"^{f}: case 1: overrides: 'strategy': expected key=value$"),
    ("- overides: []\n  observed: {replies: 3}\n",
     r"^{f}: case 1: unknown key 'overides' \(a case has only: name, overrides, observed\)$"),
    ("- overrides: []\n", r"^{f}: case 1: observed: expected a mapping of metric -> value seen"),
    ("- 3\n", r"^{f}: case 1: expected a mapping with overrides and observed, got int$"),
    ("replies: 3\n", r"^{f}: expected a list of cases, or a mapping with cases: \(unknown key 'replies'\)$"),
    ("[]\n", r"^{f}: no cases"),
    ("- {name: a, observed: {replies: 3}}\n- {name: a, observed: {replies: 4}}\n",
     r"^{f}: case 1: name 'a' is used twice"),
    ("- observed: {replies: 3\n", r"^{f}: not valid YAML \(line 2: "),
])
def test_a_bad_observations_file_is_one_line_naming_file_case_and_key(tmp_path, content, message):
    path = tmp_path / "seen.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError) as err:
        observations.load(compose([f"observations.file={path}"]))
    text = str(err.value)
    assert "\n" not in text
    assert re.match(message.replace("{f}", re.escape(str(path))), text), text


def test_a_missing_file_or_no_observations_at_all(tmp_path):
    with pytest.raises(ConfigError, match=r"^observations\.file=.*nope\.yaml: no such file$"):
        observations.load(compose([f"observations.file={tmp_path / 'nope.yaml'}"]))
    with pytest.raises(ConfigError, match=r"^no observations: choose observations=NAME"):
        observations.load(compose([]))


def test_a_case_that_does_not_compose_or_has_several_senders(tmp_path):
    prior = [uniform("population.report_prob", 0.0, 0.2)]
    bad = obs_file(tmp_path, [{"name": "x", "overrides": ["network.nn=3"],
                               "observed": {"replies": 1}}])
    with pytest.raises(ConfigError, match=r": case 1 \(x\): Could not override 'network\.nn'"):
        calibrate.setup(BLAST + [bad], dists=prior)
    many = obs_file(tmp_path, [{"overrides": ["senders.fraction=0.5"], "observed": {"replies": 1}}])
    with pytest.raises(ConfigError, match=r"case 1 \(case 1\): senders\.fraction=0\.5: what a "
                                          r"sender saw is one sender's"):
        calibrate.setup(BLAST + [many], dists=prior)


def test_a_prior_that_breaks_a_check_stops_before_any_run(tmp_path):
    s = calibrate.setup(BLAST + [obs_file(tmp_path, [{"observed": {"replies": 1}}]),
                                 "calibrate.draws=4"],
                        dists=[uniform("population.report_prob", 0.5, 1.5)])
    with pytest.raises(ConfigError, match=r"^the prior's high ends are not a valid config for "
                                          r"case 1 \(case 1\): population\.report_prob=1\.5: "
                                          r"expected a probability in \[0, 1\]$"):
        calibrate.run(s, tmp_path / "out", say=lambda m: None)
    assert not (tmp_path / "out" / calibrate.EVALUATIONS).exists()


# --------------------------------------------------------------------------- resume


def test_a_rerun_skips_the_draws_done_and_more_draws_extend_them(tmp_path):
    seen = obs_file(tmp_path, [{"observed": {"restricted": True}}])
    seen = [seen, "calibrate.min_ess=0"]  # no warning about so few draws
    prior = [uniform("population.report_prob", 0.0, 0.2)]
    out = tmp_path / "out"
    first = calibrate.run(calibrate.setup(BLAST + [*seen, "calibrate.draws=6",
                                                   "calibrate.replicates=20"], dists=prior), out,
                          say=lambda m: None)
    assert first.evaluated == 6
    said = []
    again = calibrate.run(calibrate.setup(BLAST + [*seen, "calibrate.draws=6",
                                                   "calibrate.replicates=20"], dists=prior), out,
                          say=said.append)
    assert again.evaluated == 0 and said == []
    pd.testing.assert_frame_equal(again.table, first.table)
    # a run killed mid-line leaves a torn last line: dropped, and that draw is run again
    path = out / calibrate.EVALUATIONS
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:25])
    more = calibrate.run(calibrate.setup(BLAST + [*seen, "calibrate.draws=10",
                                                  "calibrate.replicates=20"], dists=prior), out,
                         say=said.append)
    assert more.evaluated == 5  # the torn draw 5, and draws 6-9
    assert said == ["calibrate: resuming: 5 of 10 draws already evaluated in " + str(out)]
    assert more.table["loglik"][:6].tolist() == pytest.approx(first.table["loglik"].tolist())
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["draw"] for r in rows[1:]] == list(range(10))
    # other settings: refused, naming what changed, and the record is left as it was
    before = path.read_text()
    with pytest.raises(ResultsError, match=r"holds the evaluations of another calibration "
                                           r"\(cases\[0\]\.config\.replicates: 20 then, now 30\); "
                                           r"use another --out"):
        calibrate.run(calibrate.setup(BLAST + [*seen, "calibrate.draws=6",
                                               "calibrate.replicates=30"], dists=prior), out)
    assert path.read_text() == before


def test_the_same_draws_whatever_their_number():
    prior = [uniform("a", 0, 1), uniform("b", 10, 20)]
    few, many = calibrate.prior_draws(prior, 5, 3), calibrate.prior_draws(prior, 40, 3)
    assert np.array_equal(few, many[:5])
    assert many[:, 1].min() >= 10 and many[:, 1].max() <= 20


# --------------------------------------------------------------------------- the command


def test_the_command_names_the_bad_file_in_one_line(tmp_path):
    path = tmp_path / "seen.yaml"
    path.write_text("- observed: {replys: 3}\n")
    proc = outreach("calibrate", f"observations.file={path}", "--out", tmp_path / "out",
                    cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"outreach calibrate: error: {path}: case 1: observed.replys: "
                                  "unknown metric; valid: reach, ")
    assert proc.stderr.count("\n") == 1
    proc = outreach("calibrate", "hydra.job.chdir=true", cwd=tmp_path)
    assert proc.returncode == 2
    assert "takes no hydra.* overrides but hydra.run.dir" in proc.stderr


# --------------------------------------------------------------------------- coverage


@pytest.mark.slow
def test_the_90_percent_credible_intervals_cover_the_truth(tmp_path):
    """20 synthetic data sets, each drawn from parameter values drawn from the prior: a
    friendly blast (nobody annoyed) whose replies tell reply_prob, and an annoying one (all
    annoyed) whose spam reports and restriction tell report_prob. If the posterior is right,
    each 90% credible interval holds the truth with probability 0.9, so the number of hits
    out of 20 is Binomial(20, 0.9): at least 14 with probability 0.998 (P(X <= 13) = 0.0024),
    per key; and at most 20, since an interval a little too wide (our likelihood's +1/2
    corrections lean that way) is not wrong, only cautious."""
    n_sets, contacts = 20, 60
    scene = ["population=homogeneous", "network=small_world", f"network.n={contacts + 1}",
             f"network.k={contacts}", "network.p=0", "close_ties=0", "platform=count",
             "horizon_hours=2", "calibrate.draws=96", "calibrate.replicates=30",
             "calibrate.plot_keys=0", "output.progress=false"]
    cases = [{"name": "friendly", "overrides": ["population.annoyance_threshold=10"],
              "observed": ["replies"]},
             {"name": "annoying", "overrides": ["population.annoyance_threshold=0.5"],
              "observed": ["reports", "restricted"]}]
    prior = [uniform("population.reply_prob", 0.02, 0.2), uniform("population.report_prob", 0.005, 0.1)]
    rng = np.random.default_rng(2024)
    template = obs_file(tmp_path, [{"name": c["name"], "overrides": c["overrides"],
                                    "observed": {m: 0 if m != "restricted" else False
                                                 for m in c["observed"]}} for c in cases])
    truth_setup = calibrate.setup(scene + [template], dists=prior)
    hits = np.zeros(len(prior), dtype=int)
    for i in range(n_sets):
        truth = np.array([d.ppf(rng.random()) for d in prior], dtype=float)
        seen = []
        for c, run in zip(cases, truth_setup.cases):
            cfg = calibrate.with_values(run.cfg, prior, truth)
            cfg.replicates, cfg.replicate_seed = 1, 10_000 + i  # not the calibration's seed
            row = simulate(cfg).replicates.iloc[0]
            seen.append({"name": c["name"], "overrides": c["overrides"],
                         "observed": {m: bool(row[m]) if m == "restricted" else int(row[m])
                                      for m in c["observed"]}})
        s = calibrate.setup(scene + [obs_file(tmp_path, seen, f"seen{i}.yaml")], dists=prior)
        r = calibrate.run(s, tmp_path / f"out{i}", say=lambda m: None)
        hits += [k.q05 <= t <= k.q95 for k, t in zip(r.summaries, truth)]
    assert all(h >= 14 for h in hits), hits
