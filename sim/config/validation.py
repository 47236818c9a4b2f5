"""Range checks on a composed config, before any work starts.

``validate`` raises ``ConfigError`` with one line naming the key, the value and what was
expected (probabilities in [0, 1], positive counts, whole hours, ...). Checks that need the
network (``strategy.k`` against the sender's contacts) are in ``check_contacts``.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim import metrics
from sim.config.schema import (OPTIMISE_SAMPLERS, SCHEMAS, SENSITIVITY_METHODS, TIE_SOURCES,
                               TIE_STRENGTH_DEFAULTS, UNCERTAINTY_KINDS)
from sim.errors import ConfigError
from sim.units import HOURS_PER_DAY


def _fail(key: str, value: Any, expected: str) -> None:
    raise ConfigError(f"{key}={value!r}: expected {expected}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_prob(key: str, value: Any) -> None:
    if not _is_number(value) or not 0.0 <= float(value) <= 1.0:
        _fail(key, value, "a probability in [0, 1]")


def check_positive(key: str, value: Any, integer: bool = False, allow_inf: bool = False) -> None:
    ok = isinstance(value, int) if integer else _is_number(value)
    if not ok or isinstance(value, bool) or not value > 0 or (value == math.inf and not allow_inf):
        _fail(key, value, "a positive " + ("integer" if integer else "finite number"))


def check_nonneg(key: str, value: Any, integer: bool = False) -> None:
    ok = isinstance(value, int) if integer else _is_number(value)
    if not ok or isinstance(value, bool) or not 0 <= value < math.inf:
        _fail(key, value, "an integer >= 0" if integer else "a finite number >= 0")


def check_number(key: str, value: Any) -> None:
    if not _is_number(value) or not math.isfinite(value):
        _fail(key, value, "a finite number")


def check_hours(key: str, value: Any, why: str = "windows are whole hours") -> None:
    """Time advances in whole hours: a window or an interval under one hour cannot be
    honoured (two batches 0.4 h apart would land in the same hour and one would be lost)."""
    if not _is_number(value) or not 1 <= value < math.inf:
        _fail(key, value, f"a number of hours >= 1 ({why})")


def check_bool(key: str, value: Any) -> None:
    if not isinstance(value, bool):
        _fail(key, value, "true or false")


def check_choice(key: str, value: Any, choices) -> None:
    if value not in choices:
        _fail(key, value, "one of " + ", ".join(map(str, choices)))


def check_missing(cfg) -> None:
    """A required value left as ``???`` (e.g. network.path) fails here, naming the key,
    instead of deep inside a loader."""
    missing = sorted(OmegaConf.missing_keys(cfg))
    if missing:
        key = missing[0]
        raise ConfigError(f"{key}: missing value (required: set {key}=...)")


def check_known_keys(node, prefix: str = "") -> None:
    """Reject keys that are not in the option's schema.

    Hydra refuses ``strategy.foo=1`` but lets ``+strategy.foo=1`` (or a YAML file that adds
    keys) through; a key nobody reads is almost always a typo, so it fails here. A strategy
    given by ``_target_`` takes arbitrary constructor arguments and is not checked."""
    schema = OmegaConf.get_type(node)
    if not dataclasses.is_dataclass(schema) or "_target_" in node:
        return
    fields = [f.name for f in dataclasses.fields(schema)]
    for key in node.keys():
        full = f"{prefix}{key}"
        if key not in fields:
            value = OmegaConf.select(node, str(key), throw_on_missing=False)
            owner = _option_label(prefix, node)
            near = difflib.get_close_matches(str(key), fields, n=1) or [
                f for f in fields if f.startswith(str(key)) or str(key).startswith(f)]
            hint = f" (did you mean {prefix}{near[0]}?)" if near else ""
            raise ConfigError(
                f"{full}={value!r}: unknown key{hint}; {owner} has only: {', '.join(fields)}"
            )
        child = node._get_node(key)
        if isinstance(child, DictConfig) and not child._is_missing() and not child._is_none():
            check_known_keys(child, prefix=f"{full}.")


def _option_label(prefix: str, node) -> str:
    group = prefix.rstrip(".")
    if not group:
        return "the root config"
    for disc in ("kind", "name", "rule"):
        if group in SCHEMAS and disc in node:
            return f"{group}={node[disc]}"
    return group


def check_contacts(cfg, n_contacts: int, where: str) -> None:
    """Checks that need the network: the sender's number of contacts.

    ``strategy.k`` (personal notes) above the contacts would silently shrink to all
    contacts; with several senders only the configured (first) sender is checked and the
    others write to at most all their contacts."""
    st = cfg.strategy
    uses_k = st.get("name") in ("personal_first", "blast_then_personal")
    if "_target_" not in st and uses_k and st.k > n_contacts:
        _fail("strategy.k", st.k, f"at most {n_contacts}, the sender's number of contacts in "
              f"{where} (strategy.k defaults to close_ties)")


def _check_sender(key: str, value: Any) -> None:
    if value is None or isinstance(value, str) and value != "":
        return
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(key, value, "a node id, max_degree or null")


def validate_network(net) -> None:
    """Range checks on the ``network`` block; a file's contents are checked when loading."""
    check_choice("network.kind", net.kind, tuple(SCHEMAS["network"]))
    _check_sender("network.sender", net.get("sender"))
    if net.get("radius") is not None and net.radius not in (1, 2):
        _fail("network.radius", net.radius, "1, 2 or null")
    if net.kind == "ego":
        check_positive("network.n_contacts", net.n_contacts, integer=True)
        check_nonneg("network.strong_ties", net.strong_ties)
        if net.strong_ties > net.n_contacts:
            _fail("network.strong_ties", net.strong_ties, f"at most network.n_contacts={net.n_contacts}")
        check_positive("network.communities", net.communities, integer=True)
        check_nonneg("network.within_degree", net.within_degree)
        check_nonneg("network.degree_spread", net.degree_spread)
        if not isinstance(net.clustering_beta, (int, float)) or net.clustering_beta <= 1:
            _fail("network.clustering_beta", net.clustering_beta, "a number > 1")
        check_positive("network.strong_tie_boost", net.strong_tie_boost)
        check_prob("network.cross_fraction", net.cross_fraction)
        check_nonneg("network.outside_degree", net.outside_degree)
        check_positive("network.outside_overlap", net.outside_overlap)
        check_nonneg("network.outside_within_degree", net.outside_within_degree)
        check_nonneg("network.outside_degree_sigma", net.outside_degree_sigma)
        if net.outside_degree_sigma > 3:
            _fail("network.outside_degree_sigma", net.outside_degree_sigma,
                  "a log-sd in [0, 3] (above 3 a handful of people would hold all the links)")
    elif net.kind in ("erdos_renyi", "small_world", "powerlaw_cluster"):
        check_positive("network.n", net.n, integer=True)
        if net.n < 2:
            _fail("network.n", net.n, "at least 2 nodes")
    if net.kind == "erdos_renyi":
        check_nonneg("network.mean_degree", net.mean_degree)
        if net.mean_degree > net.n - 1:
            _fail("network.mean_degree", net.mean_degree, f"at most network.n - 1 = {net.n - 1}")
    elif net.kind == "small_world":
        check_positive("network.k", net.k, integer=True)
        if net.k % 2:
            _fail("network.k", net.k, "an even number (k/2 ring neighbours on each side)")
        if net.k >= net.n:
            _fail("network.k", net.k, f"less than network.n={net.n}")
        check_prob("network.p", net.p)
    elif net.kind == "powerlaw_cluster":
        check_positive("network.m", net.m, integer=True)
        if net.m >= net.n:
            _fail("network.m", net.m, f"less than network.n={net.n}")
        check_prob("network.p", net.p)
    elif net.kind == "stochastic_block":
        if len(net.sizes) == 0 or any((not isinstance(s, int)) or isinstance(s, bool) or s <= 0
                                      for s in net.sizes):
            _fail("network.sizes", list(net.sizes), "a non-empty list of positive integers")
        check_prob("network.p_in", net.p_in)
        check_prob("network.p_out", net.p_out)
    elif net.kind == "edgelist":
        if not isinstance(net.path, str) or not net.path.strip():
            _fail("network.path", net.path, "a file path")
        check_bool("network.directed", net.directed)
    elif net.kind in ("contacts", "linkedin"):
        if not isinstance(net.path, str) or not net.path.strip():
            _fail("network.path", net.path, "a file path")
        check_prob("network.across_prob", net.across_prob)
        inside = (("within_community_prob",) if net.kind == "contacts"
                  else ("same_company_prob", "similar_position_prob"))
        for k in inside:
            check_prob(f"network.{k}", net[k])
            if net[k] < net.across_prob:
                _fail(f"network.{k}", net[k], f"at least network.across_prob={net.across_prob}")
        check_nonneg("network.outside_degree", net.outside_degree)
        check_positive("network.outside_overlap", net.outside_overlap)
        check_nonneg("network.outside_within_degree", net.outside_within_degree)
        check_nonneg("network.outside_degree_sigma", net.outside_degree_sigma)
        if net.outside_degree_sigma > 3:
            _fail("network.outside_degree_sigma", net.outside_degree_sigma, "at most 3")
        if net.kind == "linkedin":
            check_prob("network.messages_weight", net.messages_weight)
            check_positive("network.message_half_life_days", net.message_half_life_days)
            check_positive("network.connection_age_full_years", net.connection_age_full_years)
            check_prob("network.company_weight", net.company_weight)


def validate(cfg) -> None:
    """Checks on a composed config (DictConfig) before any work starts: no missing value,
    no key outside its schema, every value in range. Raise ConfigError on the first problem.
    Checks that need the network (``strategy.k``) are in ``check_contacts``."""
    if isinstance(cfg, DictConfig):
        check_missing(cfg)
        check_known_keys(cfg)
    check_nonneg("seed", cfg.seed, integer=True)  # numpy SeedSequence takes integers >= 0
    if cfg.get("replicate_seed") is not None:
        check_nonneg("replicate_seed", cfg.replicate_seed, integer=True)
    check_bool("paired", cfg.get("paired", True))
    check_positive("replicates", cfg.replicates, integer=True)
    check_positive("horizon_hours", cfg.horizon_hours, integer=True)
    check_nonneg("close_ties", cfg.close_ties, integer=True)
    # infinite half-life = annoyance never fades
    check_positive("annoyance_half_life_hours", cfg.annoyance_half_life_hours, allow_inf=True)
    check_positive("engine.batch_size", cfg.engine.batch_size, integer=True)
    check_positive("engine.memory_gib", cfg.engine.memory_gib)
    check_prob("senders.fraction", cfg.senders.fraction)
    check_nonneg("senders.start_spread_hours", cfg.senders.start_spread_hours)

    validate_network(cfg.network)

    pop = cfg.population
    check_choice("population.kind", pop.kind, tuple(SCHEMAS["population"]))
    if pop.kind == "homogeneous":
        check_prob("population.tie_strength", pop.tie_strength)
        for key in ("read_prob", "reply_prob", "share_prob", "exposure_prob", "report_prob",
                    "unfollow_prob", "goodwill"):
            check_prob(f"population.{key}", pop[key])
        _check_fatigue(pop)
        check_nonneg("population.annoyance_threshold", pop.annoyance_threshold)
        check_nonneg("population.read_delay_hours", pop.read_delay_hours)
        for key in ("annoyance_generic", "annoyance_personal"):
            check_number(f"population.{key}", pop[key])
    else:
        ts = {**TIE_STRENGTH_DEFAULTS, **pop.tie_strength}
        unknown = set(ts) - set(TIE_STRENGTH_DEFAULTS)
        if unknown:
            _fail("population.tie_strength", sorted(unknown)[0], "only the keys from, a, b")
        check_choice("population.tie_strength.from", ts["from"], TIE_SOURCES)
        check_positive("population.tie_strength.a", ts["a"])
        check_positive("population.tie_strength.b", ts["b"])
        check_positive("population.threshold_median", pop.threshold_median)
        check_nonneg("population.threshold_sigma", pop.threshold_sigma)
        for key in ("share_prob_word_of_mouth", "exposure_prob", "report_prob", "unfollow_prob"):
            check_prob(f"population.{key}", pop[key])
        # linear in w in [0, 1]: both ends in [0, 1] keeps every pair's probability in range
        for chance in ("read_prob", "read_prob_personal", "reply_prob", "reply_prob_personal",
                       "share_prob", "goodwill"):
            base, gain = f"{chance}_base", f"{chance}_tie_gain"
            check_prob(f"population.{base}", pop[base])
            check_number(f"population.{gain}", pop[gain])
            check_prob(f"population.{base} + {gain}", pop[base] + pop[gain])
        _check_fatigue(pop)
        for key in ("annoyance_generic", "annoyance_personal"):
            check_number(f"population.{key}", pop[key])
        check_nonneg("population.personal_share_multiplier", pop.personal_share_multiplier)
        check_choice("population.read_delay.dist", pop.read_delay.dist,
                     ("exponential", "constant", "lognormal"))
        check_nonneg("population.read_delay.mean_hours", pop.read_delay.mean_hours)
        check_nonneg("population.read_delay.sigma", pop.read_delay.sigma)

    st = cfg.strategy
    for key in ("message_quality", "note_quality"):
        if key in st:
            check_prob(f"strategy.{key}", st[key])
    if "_target_" not in st:
        check_choice("strategy.name", st.name, tuple(SCHEMAS["strategy"]))
        check_nonneg("strategy.minutes_per_batch", st.minutes_per_batch)
        # every key is checked, used or not: a sweep across strategies must not hide a bad value
        check_nonneg("strategy.k", st.k, integer=True)
        check_positive("strategy.notes_per_day", st.notes_per_day, integer=True)
        check_nonneg("strategy.minutes_per_note", st.minutes_per_note)
        check_nonneg("strategy.delay_hours", st.delay_hours)
        check_positive("strategy.batch_size", st.batch_size, integer=True)
        check_hours("strategy.interval_hours", st.interval_hours, "sends happen on whole hours")
        check_choice("strategy.order", st.order, ("strongest_first", "random", "weakest_first"))
        check_positive("strategy.pause_reports", st.pause_reports, integer=True)
        check_hours("strategy.pause_window_hours", st.pause_window_hours)
        _check_plan(cfg)

    validate_platform(cfg.platform)
    validate_analyses(cfg)
    if cfg.get("calibrate") is not None:
        validate_calibrate(cfg.calibrate)


def validate_analyses(cfg) -> None:
    """The uncertainty and sensitivity blocks (absent from configs saved before they
    existed). The distributions themselves are checked where they are read
    (sim/config/uncertainty.py), since a file may name them."""
    unc = cfg.get("uncertainty")
    if unc is not None:
        check_choice("uncertainty.kind", unc.get("kind"), UNCERTAINTY_KINDS)
        path = unc.get("file")
        if path is not None and (not isinstance(path, str) or not path.strip()):
            _fail("uncertainty.file", path, "a file path or null")
    validate_optimise(cfg.get("optimise"))
    sens = cfg.get("sensitivity")
    if sens is None:
        return
    check_choice("sensitivity.method", sens.method, SENSITIVITY_METHODS)
    check_positive("sensitivity.samples", sens.samples, integer=True)
    if sens.method == "sobol" and sens.samples & (sens.samples - 1):
        _fail("sensitivity.samples", sens.samples,
              "a power of 2 with sensitivity.method=sobol (Saltelli's scheme needs one)")
    check_positive("sensitivity.replicates", sens.replicates, integer=True)
    check_positive("sensitivity.resamples", sens.resamples, integer=True)
    check_nonneg("sensitivity.workers", sens.workers, integer=True)
    levels = sens.levels
    if not isinstance(levels, int) or isinstance(levels, bool) or levels < 2 or levels % 2:
        _fail("sensitivity.levels", levels, "an even integer >= 2 (Morris grid levels)")
    outputs = list(sens.outputs) if not isinstance(sens.outputs, str) else None
    if not outputs:
        _fail("sensitivity.outputs", sens.outputs, "a non-empty list of metric names")
    allowed = metrics.names(kind=metrics.COUNT) + metrics.names(kind=metrics.PROPORTION)
    for name in outputs:
        check_choice("sensitivity.outputs", name, allowed)


def objective_metrics() -> tuple[str, ...]:
    """The metrics ``optimise.objective`` may name: counts and risks with a better way."""
    return tuple(m.name for m in metrics.REGISTRY
                 if m.kind in (metrics.COUNT, metrics.PROPORTION) and m.better != metrics.NEITHER)


def validate_optimise(opt) -> None:
    """The optimise block (absent from configs saved before it existed)."""
    if opt is None:
        return
    check_choice("optimise.objective", opt.objective, objective_metrics())
    risk = opt.max_restriction_risk
    if risk is not None:
        check_prob("optimise.max_restriction_risk", risk)
    for key in ("max_close_ties_annoyed", "max_effort_hours"):
        if opt.get(key) is not None:
            check_nonneg(f"optimise.{key}", opt.get(key))
    for key in ("trials", "draws", "replicates", "celf_samples"):
        check_positive(f"optimise.{key}", opt.get(key), integer=True)
    check_choice("optimise.sampler", opt.sampler, OPTIMISE_SAMPLERS)
    settle = opt.get("settle_hours", 0)
    check_nonneg("optimise.settle_hours", settle, integer=True)
    bands = opt.bands
    if bands is not None:
        ranks = list(bands) if not isinstance(bands, (str, int)) else None
        if ranks is None or not all(isinstance(b, int) and not isinstance(b, bool) and b > 0
                                    for b in ranks) or any(a >= b for a, b in zip(ranks, ranks[1:])):
            _fail("optimise.bands", OmegaConf.to_container(bands) if ranks is not None else bands,
                  "null or increasing whole ranks > 0 where each band ends, e.g. [150, 840]")
    storage = opt.storage
    if storage is not None and (not isinstance(storage, str) or not storage.strip()):
        _fail("optimise.storage", storage, "null (study.db in the output folder) or a database URL")
    if not isinstance(opt.study, str) or not opt.study.strip():
        _fail("optimise.study", opt.study, "a study name")


def _check_plan(cfg) -> None:
    """strategy.path: a file name when given, and given for strategy=plan, which replays one
    sender's schedule (so only with one sender). The file itself is read when the strategy is
    built (sim/rules/strategies.py names its line on a problem)."""
    st = cfg.strategy
    path = st.get("path")
    if path is not None and (not isinstance(path, str) or not path.strip()):
        _fail("strategy.path", path, "a plan file path or null")
    if st.name != "plan":
        return
    if path is None:
        raise ConfigError("strategy.path: missing value (strategy=plan replays a plan file: "
                          "set strategy.path=FILE, a CSV with the columns contact,hour,kind)")
    if cfg.senders.fraction > 0:
        _fail("senders.fraction", cfg.senders.fraction,
              "0 with strategy=plan (a plan file is one sender's schedule)")


def validate_calibrate(cal) -> None:
    """The ``calibrate`` block (`outreach calibrate`); the observations are checked when read
    (sim/analysis/observations.py)."""
    check_positive("calibrate.draws", cal.draws, integer=True)
    check_positive("calibrate.replicates", cal.replicates, integer=True)
    check_nonneg("calibrate.seed", cal.seed, integer=True)
    check_nonneg("calibrate.min_ess", cal.min_ess)
    check_positive("calibrate.variance_floor", cal.variance_floor)
    check_nonneg("calibrate.plot_keys", cal.plot_keys, integer=True)


def _check_fatigue(pop) -> None:
    check_nonneg("population.fatigue_per_ask", pop.fatigue_per_ask)
    check_nonneg("population.fatigue_annoyance_per_ask", pop.fatigue_annoyance_per_ask)
    check_positive("population.fatigue_half_life_hours", pop.fatigue_half_life_hours, allow_inf=True)


def validate_platform(pl) -> None:
    """The platform block: the restriction ladder and caps of every rule, then the rule's own
    keys (a user's rule given by ``_target_`` checks its own)."""
    ladder = pl.get("restriction_hours")
    if ladder is None or isinstance(ladder, (str, int, float)):
        _fail("platform.restriction_hours", ladder, "a list of hours, e.g. [24, 48, 168] or []")
    for i, hours in enumerate(ladder):
        check_hours(f"platform.restriction_hours[{i}]", hours, "restrictions last whole hours")
    after_last = pl.get("after_last", "permanent")
    check_choice("platform.after_last", after_last, ("permanent", "repeat"))
    if after_last == "repeat" and len(ladder) == 0:
        _fail("platform.after_last", after_last,
              "permanent when platform.restriction_hours=[] (repeat repeats the last length)")
    check_nonneg("platform.daily_cap", pl.daily_cap, integer=True)
    check_nonneg("platform.weekly_cap", pl.weekly_cap, integer=True)
    if "_target_" in pl:
        return
    check_choice("platform.rule", pl.rule, tuple(SCHEMAS["platform"]))
    if pl.rule == "count":
        check_positive("platform.max_reports", pl.max_reports, integer=True)
        check_hours("platform.window_hours", pl.window_hours)
    elif pl.rule == "rate":
        check_prob("platform.max_rate", pl.max_rate)
        check_prob("platform.prior_rate", pl.prior_rate)
        if not 0 < pl.prior_rate < 1:
            _fail("platform.prior_rate", pl.prior_rate, "a rate strictly between 0 and 1")
        check_positive("platform.prior_messages", pl.prior_messages)
    elif pl.rule == "review":
        check_prob("platform.restrict_prob", pl.restrict_prob)
    elif pl.rule == "response_rate":
        check_prob("platform.min_response_rate", pl.min_response_rate)
        check_positive("platform.min_volume", pl.min_volume, integer=True)
        window = pl.window_hours
        if not _is_number(window) or not 0 < window < math.inf or window % HOURS_PER_DAY:
            _fail("platform.window_hours", window,
                  "a positive multiple of 24 (the rule counts whole calendar days)")
