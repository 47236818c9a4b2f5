"""The config schema: an unknown key, a wrong type, a missing or out-of-range value fails
before any work, with one line naming the key, the value and what was expected."""

from pathlib import Path

import numpy as np
import pytest
from hydra import initialize_config_dir
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf

from sim.config import CONFIG_DIR, ConfigError, compose, validate
from sim.network import from_edges
from sim.engine.scenario import build_scenario
from sim.engine.simulate import horizon_warnings, simulate


def options(group):
    return sorted(p.stem for p in (Path(CONFIG_DIR) / group).glob("*.yaml"))


def star(n_contacts):
    """The sender (node 0) and n_contacts people who know only the sender."""
    leaves = np.arange(1, n_contacts + 1)
    return from_edges(np.zeros(n_contacts, dtype=np.int64), leaves, n_contacts + 1, name="star")


@pytest.fixture(autouse=True, scope="module")
def hydra_once():
    """One Hydra initialisation for the module; compose() reuses it (fast)."""
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        yield


def error_of(overrides):
    with pytest.raises(ConfigError) as err:
        validate(compose(overrides))
    return str(err.value)


# --------------------------------------------------------------------------- composition

@pytest.mark.parametrize(
    "override, first_line, detail",
    [
        ("replicatez=5", "Could not override 'replicatez'.", "Key 'replicatez' not in 'OutreachConfig'"),
        ("strategy.foo=1", "Could not override 'strategy.foo'.", "Key 'foo' not in 'GenericBlastConfig'"),
        ("replicates=abc", "Error merging override replicates=abc",
         "Value 'abc' of type 'str' could not be converted to Integer"),
        ("strategy.batch_size=1.5", "Error merging override strategy.batch_size=1.5",
         "could not be converted to Integer"),
        ("seed=null", "Error merging override seed=null", "field 'seed' is not Optional"),
        ("output.plot=maybe", "Error merging override output.plot=maybe",
         "Value 'maybe' is not a valid bool"),
        ("paired=maybe", "Error merging override paired=maybe", "Value 'maybe' is not a valid bool"),
        ("network=nope", "In 'config': Could not find 'network/nope'", "Available options in 'network'"),
    ],
)
def test_hydra_rejects_typos_and_wrong_types_naming_the_key(override, first_line, detail):
    extra = ["strategy=staggered"] if "batch_size" in override else []
    with pytest.raises(ConfigCompositionException) as err:
        compose(extra + [override])
    text = str(err.value) + "\n" + str(err.value.__cause__ or "")
    assert text.splitlines()[0] == first_line
    assert detail in text


# --------------------------------------------------------------------------- keys the schema does not know

# every strategy carries every strategy key (so one sweep can cross strategies)
STRATEGY_KEYS = ("name, message_quality, note_quality, minutes_per_batch, k, notes_per_day, minutes_per_note, delay_hours, "
                 "batch_size, interval_hours, order, adaptive_pause, pause_reports, pause_window_hours, path")


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["+foo=1"], "foo=1: unknown key; the root config has only: network, population, strategy, "
                     "platform, seed, replicate_seed, paired, replicates, horizon_hours, close_ties, "
                     "annoyance_half_life_hours, senders, engine, output, uncertainty, sensitivity, "
                     "observations, calibrate, optimise"),
        (["+strategy.foo=1"], "strategy.foo=1: unknown key; strategy=generic_blast has only: "
                              + STRATEGY_KEYS),
        (["strategy=personal_first", "+strategy.delay_hour=3"],
         "strategy.delay_hour=3: unknown key (did you mean strategy.delay_hours?); "
         "strategy=personal_first has only: " + STRATEGY_KEYS),
        (["+population.read_delay.mean=2"],
         "population.read_delay.mean=2: unknown key (did you mean population.read_delay.mean_hours?); "
         "population.read_delay has only: dist, mean_hours, sigma"),
        (["platform=rate", "+platform.max_reports=2"],
         "platform.max_reports=2: unknown key (did you mean platform.max_rate?); platform=rate "
         "has only: rule, restriction_hours, after_last, daily_cap, weekly_cap, max_rate, "
         "prior_rate, prior_messages"),
        (["+engine.workers=4"], "engine.workers=4: unknown key; engine has only: batch_size, memory_gib"),
        (["+population.tie_strength.c=1"], "population.tie_strength='c': expected only the keys from, a, b"),
    ],
)
def test_keys_added_with_plus_are_rejected(overrides, message):
    assert error_of(overrides) == message


def test_a_target_strategy_takes_any_constructor_argument():
    validate(compose(["+strategy._target_=my_module.MyStrategy", "+strategy.anything=1"]))


def test_a_missing_required_value_names_the_key():
    assert error_of(["network=edgelist"]) == "network.path: missing value (required: set network.path=...)"


# --------------------------------------------------------------------------- ranges

@pytest.mark.parametrize(
    "overrides, message",
    [
        (["replicates=0"], "replicates=0: expected a positive integer"),
        (["horizon_hours=-5"], "horizon_hours=-5: expected a positive integer"),
        (["seed=-1"], "seed=-1: expected an integer >= 0"),
        (["close_ties=-1"], "close_ties=-1: expected an integer >= 0"),
        (["annoyance_half_life_hours=0"], "annoyance_half_life_hours=0.0: expected a positive finite number"),
        (["engine.batch_size=0"], "engine.batch_size=0: expected a positive integer"),
        (["senders.fraction=1.5"], "senders.fraction=1.5: expected a probability in [0, 1]"),
        (["senders.start_spread_hours=-1"], "senders.start_spread_hours=-1.0: expected a finite number >= 0"),
        (["population.read_prob_base=1.5"], "population.read_prob_base=1.5: expected a probability in [0, 1]"),
        (["population.report_prob=nan"], "population.report_prob=nan: expected a probability in [0, 1]"),
        (["population.read_prob_tie_gain=0.6"],
         "population.read_prob_base + read_prob_tie_gain=1.1: expected a probability in [0, 1]"),
        (["population.threshold_median=0"], "population.threshold_median=0.0: expected a positive finite number"),
        (["population.annoyance_generic=inf"], "population.annoyance_generic=inf: expected a finite number"),
        (["population.read_delay.dist=gamma"],
         "population.read_delay.dist='gamma': expected one of exponential, constant, lognormal"),
        (["population.tie_strength.from=magic"],
         "population.tie_strength.from='magic': expected one of auto, overlap, embeddedness, weight, beta"),
        (["population=homogeneous", "population.share_prob=-0.1"],
         "population.share_prob=-0.1: expected a probability in [0, 1]"),
        (["strategy=personal_first", "strategy.k=-3"], "strategy.k=-3: expected an integer >= 0"),
        (["strategy=personal_first", "strategy.notes_per_day=0"],
         "strategy.notes_per_day=0: expected a positive integer"),
        (["strategy=blast_then_personal", "strategy.delay_hours=-24"],
         "strategy.delay_hours=-24.0: expected a finite number >= 0"),
        (["strategy=staggered", "strategy.batch_size=0"], "strategy.batch_size=0: expected a positive integer"),
        (["strategy=staggered", "strategy.interval_hours=0.5"],
         "strategy.interval_hours=0.5: expected a number of hours >= 1 (sends happen on whole hours)"),
        (["strategy=staggered", "strategy.order=alphabetical"],
         "strategy.order='alphabetical': expected one of strongest_first, random, weakest_first"),
        (["strategy=staggered", "strategy.pause_window_hours=0"],
         "strategy.pause_window_hours=0.0: expected a number of hours >= 1 (windows are whole hours)"),
        (["platform.max_reports=0"], "platform.max_reports=0: expected a positive integer"),
        (["platform.window_hours=inf"],
         "platform.window_hours=inf: expected a number of hours >= 1 (windows are whole hours)"),
        (["platform=rate", "platform.max_rate=2"], "platform.max_rate=2.0: expected a probability in [0, 1]"),
        (["platform=rate", "platform.prior_messages=0"],
         "platform.prior_messages=0.0: expected a positive finite number"),
        (["platform=rate", "platform.prior_rate=0"],
         "platform.prior_rate=0.0: expected a rate strictly between 0 and 1"),
        (["platform=review", "platform.restrict_prob=1.5"],
         "platform.restrict_prob=1.5: expected a probability in [0, 1]"),
        (["platform.restriction_hours=[24,0.5]"],
         "platform.restriction_hours[1]=0.5: expected a number of hours >= 1 (restrictions last whole hours)"),
        (["platform.daily_cap=-1"], "platform.daily_cap=-1: expected an integer >= 0"),
    ],
)
def test_out_of_range_values_name_key_value_and_range(overrides, message):
    assert error_of(overrides) == message


def test_paired_must_be_a_boolean():
    """``paired`` (sweeps: jobs differing only in strategy or platform share replicate seeds)
    is true by default; anything but a boolean that got past Hydra fails naming the key."""
    cfg = compose([])
    assert cfg.paired is True
    validate(compose(["paired=false"]))
    plain = OmegaConf.to_container(cfg)
    plain["paired"] = "yes"
    with pytest.raises(ConfigError, match=r"^paired='yes': expected true or false$"):
        validate(OmegaConf.create(plain))


def test_every_shipped_option_validates_with_its_defaults():
    """Every YAML under configs/ is a valid choice as shipped (edgelist, contacts, linkedin and
    plan need a file)."""
    groups = {g: options(g) for g in ("network", "population", "strategy", "platform")}
    assert all(groups.values())
    for group, names in groups.items():
        for name in names:
            extra = {"edgelist": ["network.path=/some/file.txt"],
                     "contacts": ["network.path=/some/contacts.csv"],
                     "linkedin": ["network.path=/some/export.zip"],
                     "plan": ["strategy.path=/some/plan.csv"]}.get(name, [])
            validate(compose([f"{group}={name}", *extra]))


# --------------------------------------------------------------------------- checks that need the network

def test_k_above_the_senders_contacts_fails_naming_the_count():
    cfg = compose(["strategy=personal_first", "strategy.k=8", "population=homogeneous"])
    with pytest.raises(ConfigError) as err:
        build_scenario(cfg, network=star(5))
    assert str(err.value) == ("strategy.k=8: expected at most 5, the sender's number of contacts "
                              "in star (strategy.k defaults to close_ties)")
    build_scenario(compose(["strategy=personal_first", "strategy.k=5", "population=homogeneous"]),
                   network=star(5))


def test_k_defaults_to_close_ties_and_is_checked_too():
    cfg = compose(["strategy=blast_then_personal", "close_ties=6", "population=homogeneous"])
    with pytest.raises(ConfigError, match=r"^strategy\.k=6: expected at most 5,"):
        build_scenario(cfg, network=star(5))


# --------------------------------------------------------------------------- horizon

QUIET = ["population=homogeneous", "population.report_prob=0", "platform=none", "replicates=3",
         "engine.batch_size=3"]


@pytest.mark.parametrize(
    "overrides, warning, planned, unsent",
    [
        # notes 10/day at hours 0, 24, 48 (10, 10, 5); the generic to the other 15 at 48 + 24
        (["strategy=personal_first", "strategy.k=25", "strategy.notes_per_day=10",
          "strategy.delay_hours=24", "horizon_hours=30"],
         "horizon_hours=30: sender 0 planned 15 generic message(s) and 5 personal note(s) at "
         "hour(s) 48-72, at or after the horizon; they will not be sent (horizon_hours >= 73 "
         "sends everything)", 40, 20),
        # batches of 15 at hours 0, 24, 48: the last holds the remaining 10
        (["strategy=staggered", "strategy.batch_size=15", "horizon_hours=25"],
         "horizon_hours=25: sender 0 planned 10 generic message(s) at hour(s) 48, at or after the "
         "horizon; they will not be sent (horizon_hours >= 49 sends everything)", 40, 10),
        # everyone at hour 0, notes 10/day from hour 504: 504, 528, 552 (10, 10, 5)
        (["strategy=blast_then_personal", "strategy.k=25", "strategy.notes_per_day=10",
          "horizon_hours=530"],
         "horizon_hours=530: sender 0 planned 5 personal note(s) at hour(s) 552, at or after the "
         "horizon; they will not be sent (horizon_hours >= 553 sends everything)", 40 + 25, 5),
    ],
)
def test_horizon_warning_names_what_will_not_be_sent_and_the_run_agrees(overrides, warning, planned,
                                                                        unsent):
    cfg = compose(QUIET + overrides)
    sc = build_scenario(cfg, network=star(40))
    assert horizon_warnings(sc) == [warning]
    # independent check: the run sends everything else (nobody reports, unfollows or is suspended)
    sent = simulate(cfg, scenario=sc).replicates["messages_sent"].to_numpy()
    assert np.all(sent == planned - unsent)


@pytest.mark.parametrize("adaptive", [False, True])
def test_no_warning_when_everything_fits(adaptive):
    # 3 batches at 0, 24, 48; adaptive spare ticks must stop before hour 72, not at it
    cfg = compose(QUIET + ["strategy=staggered", "strategy.batch_size=15",
                           f"strategy.adaptive_pause={adaptive}", "horizon_hours=72"])
    assert horizon_warnings(build_scenario(cfg, network=star(40))) == []


def test_composed_config_is_plain_data():
    """What summary.json stores: the resolved config as plain containers."""
    cfg = compose(["strategy=personal_first"])
    data = OmegaConf.to_container(cfg, resolve=True)
    assert data["strategy"]["k"] == data["close_ties"] == 150
