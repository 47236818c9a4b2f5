"""Uncertainty as config (sim/config/uncertainty.py): each distribution is scipy's, the
default option covers the calibration table's ranges, values become overrides that compose and
validate, every bad input is one line naming the source and the key, and a file round-trips."""

from __future__ import annotations

import numpy as np
import pytest
from hydra import initialize_config_dir
from omegaconf import OmegaConf
from scipy import stats

from sim.config import CONFIG_DIR, ConfigError, calibration, compose, validate
from sim.config import uncertainty as U
from sim.config.uncertainty import Dist


@pytest.fixture(autouse=True, scope="module")
def hydra_once():
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        yield


U01 = np.array([0.0, 1e-6, 0.01, 0.25, 0.5, 0.75, 0.99, 1 - 1e-6, 1.0])

CASES = [
    (Dist("k", "uniform", {"low": 2.0, "high": 5.0}), stats.uniform(2.0, 3.0)),
    (Dist("k", "loguniform", {"low": 0.001, "high": 0.05}), stats.loguniform(0.001, 0.05)),
    (Dist("k", "beta", {"a": 2.0, "b": 30.0}), stats.beta(2.0, 30.0)),
    (Dist("k", "beta", {"a": 0.7, "b": 1.5, "low": 2.5, "high": 10.0}),
     stats.beta(0.7, 1.5, loc=2.5, scale=7.5)),
    (Dist("k", "normal", {"mean": 10.0, "sd": 3.0}), stats.norm(10.0, 3.0)),
    (Dist("k", "normal", {"mean": 10.0, "sd": 3.0, "low": 3.0}),
     stats.truncnorm(-7 / 3, np.inf, loc=10.0, scale=3.0)),
    (Dist("k", "normal", {"mean": 0.01, "sd": 0.02, "low": 0.0, "high": 0.05}),
     stats.truncnorm(-0.5, 2.0, loc=0.01, scale=0.02)),
]


@pytest.mark.parametrize("d, ref", CASES, ids=lambda c: c.describe() if isinstance(c, Dist) else "")
def test_ppf_and_logpdf_are_scipys(d, ref):
    np.testing.assert_allclose(d.ppf(U01), ref.ppf(U01), rtol=1e-12)
    low, high = d.bounds()
    x = np.linspace(low, high, 41)
    np.testing.assert_allclose(d.logpdf(x), ref.logpdf(x), rtol=1e-10)
    # bounds: the support where finite, else mean +- 4 sd; ppf's ends land on them
    lo_ref, hi_ref = ref.support()
    assert low == (lo_ref if np.isfinite(lo_ref) else 10.0 - 12.0)
    assert high == (hi_ref if np.isfinite(hi_ref) else 10.0 + 12.0)
    # sample is ppf of the generator's uniforms
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(d.sample(5, a), d.ppf(b.random(5)))


def test_a_whole_number_key_is_rounded():
    d = Dist("network.communities", "loguniform", {"low": 2, "high": 15}, integer=True)
    x = d.ppf(np.linspace(0, 1, 101))
    assert np.array_equal(x, np.rint(x)) and x.min() == 2 and x.max() == 15


# --------------------------------------------------------------------------- the options


def test_none_is_the_default_and_holds_nothing():
    cfg = compose([])
    assert cfg.uncertainty.kind == "none" and cfg.uncertainty.file is None
    assert U.load(cfg) == []


@pytest.mark.parametrize("rule", ["count", "response_rate"])
def test_default_covers_every_range_of_the_calibration_table(rule):
    cfg = compose(["uncertainty=default", f"platform={rule}"])
    dists = {d.key: d for d in U.load(cfg)}
    rows = calibration.ranges(rule)
    assert set(dists) == set(rows)
    for key, row in rows.items():
        d = dists[key]
        assert d.dist == ("loguniform" if row.scale == calibration.LOG else "uniform"), key
        assert d.bounds() == (row.low, row.high), key
        assert d.integer == row.integer, key
    assert any(d.integer for d in dists.values())
    if rule == "count":
        assert {f"platform.restriction_hours[{i}]" for i in range(3)} <= set(dists)
    else:  # its one-rung ladder is sourced (no range), and the count rule's keys are absent
        assert not any(k.startswith("platform.") for k in dists)


def test_default_leaves_out_keys_the_configs_network_and_population_lack():
    keys = {d.key for d in U.load(compose(["uncertainty=default", "population=homogeneous",
                                           "network=erdos_renyi"]))}
    assert keys and not any(k.startswith(("population.", "network.")) for k in keys)


def test_a_file_adds_to_default_or_replaces_its_entries(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relative paths are from the working directory
    (tmp_path / "u.yaml").write_text(
        "population.report_prob: {dist: beta, a: 2, b: 200}\nreplicates: [10, 20]\n")
    alone = U.load(compose(["uncertainty.file=u.yaml"]))
    assert [(d.key, d.dist) for d in alone] == [("population.report_prob", "beta"),
                                                ("replicates", "uniform")]
    assert alone[1].integer
    both = {d.key: d for d in U.load(compose(["uncertainty=default", "uncertainty.file=u.yaml"]))}
    assert both["population.report_prob"].dist == "beta" and "replicates" in both
    assert len(both) == len(calibration.ranges("count")) + 1


# --------------------------------------------------------------------------- values -> configs


@pytest.mark.parametrize("rule", ["count", "review"])
def test_overrides_compose_and_validate(rule):
    base = ["uncertainty=default", f"platform={rule}"]
    cfg = compose(base)
    dists = U.load(cfg)
    u = np.random.default_rng(1).random((4, len(dists)))
    u[0], u[1] = 0.0, 1.0  # the ends of every range at once
    values = np.column_stack([d.ppf(u[:, j]) for j, d in enumerate(dists)])
    for row, overrides in zip(values, U.as_overrides(dists, values)):
        assert not any("[" in o.split("=")[0] for o in overrides)
        composed = compose(base + overrides)
        validate(composed)
        for d, v in zip(dists, row):
            got = OmegaConf.select(composed, d.key)
            assert got == (int(v) if d.integer else v), d.key
            assert isinstance(got, int) == d.integer, d.key
        # apply() gives the same config without composing again
        assert OmegaConf.to_container(U.apply(cfg, dists, row)) == OmegaConf.to_container(composed)


def test_a_list_element_overrides_the_whole_list_keeping_the_others(tmp_path):
    (tmp_path / "u.yaml").write_text("platform.restriction_hours[1]: [24, 720]\n"
                                     "population.report_prob: [0.001, 0.01]\n")
    cfg = compose([f"uncertainty.file={tmp_path / 'u.yaml'}", "platform.restriction_hours=[12,48,96]"])
    dists = U.load(cfg)
    (overrides,) = U.as_overrides(dists, np.array([[100.5, 0.002]]))
    assert overrides == ["platform.restriction_hours=[12.0,100.5,96.0]", "population.report_prob=0.002"]
    assert list(compose(overrides).platform.restriction_hours) == [12.0, 100.5, 96.0]
    # read without a config: Hydra's element form, which composes to the same list
    (element,) = U.as_overrides(U.read(tmp_path / "u.yaml"), np.array([[100.5, 0.002]]))
    assert element[0] == "platform.restriction_hours.1=100.5"
    assert list(compose(["platform.restriction_hours=[12,48,96]", *element]).platform.restriction_hours) \
        == [12.0, 100.5, 96.0]


# --------------------------------------------------------------------------- bad input


def load_text(tmp_path, text, extra=()):
    path = tmp_path / "u.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        U.load(compose([f"uncertainty.file={path}", *extra]))
    message = str(err.value)
    assert "\n" not in message
    return message.replace(str(path), "U")


@pytest.mark.parametrize("text, expected", [
    ("population.report_prb: [0, 0.1]",
     "uncertainty.file=U: population.report_prb: not a key of the config (did you mean "
     "population.report_prob?)"),
    ("no_such_knob: [0, 1]",
     "uncertainty.file=U: no_such_knob: not a key of the config (keys as `outreach` takes them, "
     "e.g. population.report_prob)"),
    ("platform.restriction_hours[5]: [1, 2]",
     "uncertainty.file=U: platform.restriction_hours[5]: not a key of the config "
     "(platform.restriction_hours has 3 element(s), [0] to [2])"),
    ("strategy.order: [0, 1]",
     "uncertainty.file=U: strategy.order: expected a key with a number, its value is "
     "'strongest_first'"),
    ("population.report_prob: [0.05, 0.01]",
     "uncertainty.file=U: population.report_prob: low=0.05, high=0.01: expected low < high"),
    ("population.report_prob: [0.01]",
     "uncertainty.file=U: population.report_prob: expected [low, high] (two numbers) or "
     "{dist: uniform|loguniform|beta|normal, ...}, got [0.01]"),
    ("population.report_prob: 0.01",
     "uncertainty.file=U: population.report_prob: expected [low, high] or "
     "{dist: uniform|loguniform|beta|normal, ...}, got 0.01"),
    ("population.report_prob: {dist: loguniform, low: 0, high: 0.1}",
     "uncertainty.file=U: population.report_prob: low=0: expected low > 0 for loguniform"),
    ("population.report_prob: {dist: gamma, a: 1}",
     "uncertainty.file=U: population.report_prob: dist='gamma': expected one of uniform, "
     "loguniform, beta, normal"),
    ("population.report_prob: {dist: beta, a: 1}",
     "uncertainty.file=U: population.report_prob: beta needs a, b (missing b)"),
    ("population.report_prob: {dist: beta, a: 1, b: 2, lo: 0}",
     "uncertainty.file=U: population.report_prob: unknown parameter 'lo'; beta takes a, b, low, high"),
    ("population.report_prob: {dist: normal, mean: 0.01, sd: 0}",
     "uncertainty.file=U: population.report_prob: sd=0: expected a standard deviation > 0"),
    ("population.report_prob: [0.001, 1.5]",
     "uncertainty.file=U: population.report_prob ~ uniform(low=0.001, high=1.5): at its high end: "
     "population.report_prob=1.5: expected a probability in [0, 1]"),
    ("population.report_prob: {dist: normal, mean: 0.01, sd: 0.01}",
     "uncertainty.file=U: population.report_prob ~ normal(mean=0.01, sd=0.01): at its low end: "
     "population.report_prob=-0.03: expected a probability in [0, 1]"),
    ("network.communities: [0, 5]",
     "uncertainty.file=U: network.communities ~ uniform(low=0, high=5): at its low end: "
     "network.communities=0: expected a positive integer"),
    ("population.read_prob_base: [0.3, 0.55]\npopulation.read_prob_tie_gain: [0.2, 0.5]",
     "uncertainty.file=U: with every uncertain key at its high end: population.read_prob_base + "
     "read_prob_tie_gain=1.05: expected a probability in [0, 1]"),
    ("- population.report_prob", "uncertainty.file=U: expected a mapping of config keys to "
                                 "distributions, got list"),
    ("population.report_prob: [0.001, 0.01\n", "uncertainty.file=U: not valid YAML at line 2 "
                                               "(expected ',' or ']', but got '<stream end>')"),
])
def test_each_bad_input_is_one_line_naming_the_key(tmp_path, text, expected):
    assert load_text(tmp_path, text) == expected


def test_a_missing_file_names_itself_and_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"^uncertainty.file=nope.yaml: no such file \(relative "
                                          r"paths are from the working directory, .+\)$"):
        U.load(compose(["uncertainty.file=nope.yaml"]))


def test_a_bad_option_value_is_caught_by_validation():
    with pytest.raises(ConfigError, match=r"^uncertainty.kind='maybe': expected one of none, default$"):
        validate(compose(["uncertainty.kind=maybe"]))


def test_a_file_that_breaks_a_constraint_with_the_default_ranges_names_both(tmp_path):
    (tmp_path / "u.yaml").write_text("population.read_prob_tie_gain: [0.3, 0.48]\n")
    with pytest.raises(ConfigError) as err:
        U.load(compose(["uncertainty=default", f"uncertainty.file={tmp_path / 'u.yaml'}"]))
    assert str(err.value) == (
        f"uncertainty=default with uncertainty.file={tmp_path / 'u.yaml'}: with every uncertain "
        "key at its high end: population.read_prob_base + read_prob_tie_gain=1.03: expected a "
        "probability in [0, 1]")


# --------------------------------------------------------------------------- files


def test_a_user_file_round_trips_through_write_and_read(tmp_path):
    text = ("population.report_prob: [0.001, 0.05]\n"
            "population.unfollow_prob: {dist: loguniform, low: 0.02, high: 0.5}\n"
            "population.reply_prob_base: {dist: beta, a: 2, b: 60, high: 0.5}\n"
            "population.threshold_median: {dist: beta, a: 2, b: 2, low: 2.5, high: 10}\n"
            "network.outside_degree: {dist: normal, mean: 10, sd: 3, low: 3}\n"
            "network.communities: [2, 15]\n"
            "platform.restriction_hours[0]: {dist: normal, mean: 30.5, sd: 4.25, low: 12, high: 168}\n")
    (tmp_path / "in.yaml").write_text(text)
    cfg = compose([f"uncertainty.file={tmp_path / 'in.yaml'}"])
    dists = U.load(cfg)
    assert [d.integer for d in dists] == [False] * 5 + [True, False]
    U.write(tmp_path / "out.yaml", dists)
    assert U.read(tmp_path / "out.yaml") == dists  # no config: the distributions themselves
    assert U.read(tmp_path / "out.yaml", cfg) == dists
    again = U.load(compose([f"uncertainty.file={tmp_path / 'out.yaml'}"]))
    assert again == dists
    u = np.linspace(0.01, 0.99, 7)
    for a, b in zip(dists, again):
        np.testing.assert_array_equal(a.ppf(u), b.ppf(u))
    assert not list(tmp_path.glob(".*.tmp"))
