"""Typed schema for every knob, registered in Hydra's ConfigStore.

Each config group (network, population, strategy, platform) has one schema per option; the
YAML files under ``configs/<group>/`` extend these schemas, so an unknown key or a wrong type
fails at composition time, naming the key. Range checks (probabilities in [0, 1], positive
counts, ...) run in ``validate`` before any work starts and raise ``ConfigError`` with a
one-line message naming the key, the value and what was expected.

Units: time in hours, effort in minutes per action, probabilities per event.
Every default names its source in docs/MODEL.md.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import II, MISSING, DictConfig, OmegaConf


CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")


class ConfigError(ValueError):
    """A config value that cannot be used; the message is one line naming the key."""


# --------------------------------------------------------------------------- network


@dataclass
class NetworkConfig:
    kind: str = MISSING
    # The sender: a node id (a file's own id, integer or string; a generator's node index),
    # "max_degree" (the best-connected node), or null for the source's own sender (node 0;
    # for the synthetic ego network, the ego). Our default: the story's single sender.
    sender: Any = None
    # Ego extraction, applied after any source: 1 = the sender, its contacts and the ties
    # among them; 2 = also the contacts' connections (the audience of a share); null = the
    # whole graph. Hops, integer.
    radius: Optional[int] = None


@dataclass
class EgoNetworkConfig(NetworkConfig):
    """The synthetic sender (docs/NETWORKS.md compares it with ego-Facebook)."""

    kind: str = "ego"
    n_contacts: int = 1800  # people; story: ~1,800 LinkedIn contacts
    strong_ties: int = II("close_ties")  # people; story: ~150 thanked by name
    # Communities among the contacts (school, jobs, field, ...); our assumption.
    communities: int = 6
    # Mean number of the sender's other contacts each contact knows (people). Our
    # assumption, inside ego-Facebook's range: 14.5-79.5 for its six largest egos.
    within_degree: float = 20.0
    # Spread of that number across contacts: coefficient of variation of the sociability
    # draw (dimensionless), before close ties are boosted. With the boost, the realised spread
    # at defaults is ~0.92, as ego-Facebook sender 107 (its six largest egos: 0.80-1.07).
    degree_spread: float = 0.8
    # S1-model beta (> 1, dimensionless): how strictly contacts know only those close to
    # them on the similarity circle; higher = more clustering. 2.5 gives average clustering
    # ~0.52 among the contacts, as ego-Facebook sender 107 (its six largest egos: 0.47-0.63).
    clustering_beta: float = 2.5
    # Close ties are the contacts who know most of the sender's circle (they get the highest
    # sociability draws), and know this many times more on top (multiplier). Calibrated: at
    # 1.5, 97-100% of the planted close ties are the strongest 150 by overlap at defaults.
    strong_tie_boost: float = 1.5
    # Fraction of a contact's links to the sender's other contacts that cross communities;
    # our assumption.
    cross_fraction: float = 0.05
    # Mean number of connections each contact has outside the sender's network (people):
    # the second-degree audience that sees shares. Our assumption.
    outside_degree: float = 10.0
    # Each outside person is shared by this many contacts on average (people); our assumption.
    outside_overlap: float = 1.5


@dataclass
class ErdosRenyiNetworkConfig(NetworkConfig):
    kind: str = "erdos_renyi"
    n: int = 2000  # nodes; our assumption (a baseline without structure)
    mean_degree: float = 10.0  # expected contacts per node; our assumption


@dataclass
class SmallWorldNetworkConfig(NetworkConfig):
    """Watts & Strogatz (1998, Nature 393:440), built by networkx."""

    kind: str = "small_world"
    n: int = 2000  # nodes; our assumption
    k: int = 10  # even: each node joined to its k nearest ring neighbours (k/2 each side)
    p: float = 0.1  # probability of rewiring each ring edge; W&S's small-world regime


@dataclass
class PowerlawClusterNetworkConfig(NetworkConfig):
    """Holme & Kim (2002, Phys Rev E 65:026107); sim/network/holme_kim.py."""

    kind: str = "powerlaw_cluster"
    n: int = 2000  # nodes; our assumption
    m: int = 5  # edges each new node adds (mean degree ~2m); our assumption
    p: float = 0.3  # probability of a triad-formation step after each edge; our assumption


@dataclass
class StochasticBlockNetworkConfig(NetworkConfig):
    """Holland, Laskey & Leinhardt (1983) stochastic block model, built by networkx."""

    kind: str = "stochastic_block"
    sizes: list[int] = field(default_factory=lambda: [500, 500, 500, 500])  # nodes per block
    p_in: float = 0.02  # edge probability inside a block (mean degree ~10); our assumption
    p_out: float = 0.001  # edge probability between blocks; our assumption


@dataclass
class EdgelistNetworkConfig(NetworkConfig):
    """A network file: SNAP "u v" lines or CSV/TSV with a header (sim/network/edgelist.py)."""

    kind: str = "edgelist"
    path: str = MISSING  # file (plain or .gz); relative paths are from the working directory
    # true: lines are arcs u->v; either way the network is undirected (an arc either way is
    # a tie) and reciprocal arcs are merged; false: each line is a tie and a repeat is a
    # duplicate. Only the counts in the summary differ.
    directed: bool = False
    sender: Any = "max_degree"  # a file has no natural sender; the hub is our default


# --------------------------------------------------------------------------- population


@dataclass
class ReadDelayConfig:
    dist: str = "exponential"  # exponential | constant | lognormal
    mean_hours: float = 24.0  # issue 2: default mean one day
    sigma: float = 1.0  # lognormal only: sd of log-delay


@dataclass
class DefaultPopulationConfig:
    kind: str = "default"
    # from: auto | overlap | embeddedness | weight | beta, plus a, b for beta.
    # ("from" is a Python keyword, so this block is a validated mapping.)
    tie_strength: dict[str, Any] = field(
        default_factory=lambda: {"from": "auto", "a": 1.5, "b": 6.0}
    )
    threshold_median: float = 5.0  # annoyance units; one generic ask to a stranger = 1
    threshold_sigma: float = 1.0  # lognormal spread of thresholds
    annoyance_generic: float = 1.0
    annoyance_personal: float = -0.2  # a note that thanks you by name is goodwill
    read_prob_base: float = 0.5
    read_prob_tie_gain: float = 0.45  # read_prob = base + gain * w
    read_delay: ReadDelayConfig = field(default_factory=ReadDelayConfig)
    share_prob_base: float = 0.025  # story: 2-3% replied to a generic ask
    share_prob_tie_gain: float = 0.1  # share_prob (generic) = base + gain * w
    personal_share_multiplier: float = 4.0  # a personal note multiplies share_prob (cap 1)
    share_prob_word_of_mouth: float = 0.025  # someone who hears of it from a friend
    exposure_prob: float = 0.08  # organic reach of one post among a sharer's connections
    report_prob: float = 0.006  # annoyed stranger (w=0); scaled by (1 - w)
    unfollow_prob: float = 0.1  # annoyed stranger (w=0); scaled by (1 - w)


@dataclass
class HomogeneousPopulationConfig:
    kind: str = "homogeneous"
    tie_strength: float = 0.0
    annoyance_threshold: float = 0.5
    annoyance_generic: float = 1.0
    annoyance_personal: float = 0.0
    read_prob: float = 1.0
    share_prob: float = 0.0
    exposure_prob: float = 0.0
    report_prob: float = 0.01
    unfollow_prob: float = 0.0
    read_delay_hours: float = 0.0


# --------------------------------------------------------------------------- strategy


@dataclass
class StrategyConfig:
    """Every strategy knob, on every strategy: a strategy ignores the keys it does not use,
    so one sweep can cross strategies with their parameters
    (``outreach -m strategy=generic_blast,staggered strategy.batch_size=50,200``); a key that
    no strategy has is still an error. Which strategy uses which key: docs/MODEL.md."""

    name: str = MISSING
    # Effort of preparing and sending one generic batch (mail merge), minutes. All strategies.
    minutes_per_batch: float = 15.0
    # personal_first, blast_then_personal: notes to the k strongest ties
    k: int = II("close_ties")
    notes_per_day: int = 20
    minutes_per_note: float = 10.0
    # personal_first: generic after the last note; blast_then_personal: notes after the blast
    delay_hours: float = 24.0
    # staggered
    batch_size: int = 100
    interval_hours: float = 24.0
    order: str = "strongest_first"  # strongest_first | random | weakest_first
    adaptive_pause: bool = False
    pause_reports: int = 1  # pause while reports in the last pause_window_hours >= this
    pause_window_hours: float = 72.0


@dataclass
class GenericBlastConfig(StrategyConfig):
    name: str = "generic_blast"


@dataclass
class PersonalFirstConfig(StrategyConfig):
    name: str = "personal_first"
    delay_hours: float = 24.0  # after the last personal note


@dataclass
class StaggeredConfig(StrategyConfig):
    name: str = "staggered"


@dataclass
class BlastThenPersonalConfig(StrategyConfig):
    name: str = "blast_then_personal"
    delay_hours: float = 504.0  # story: notes planned for three weeks later


# --------------------------------------------------------------------------- platform


@dataclass
class PlatformConfig:
    rule: str = MISSING


@dataclass
class NoPlatformConfig(PlatformConfig):
    rule: str = "none"


@dataclass
class CountPlatformConfig(PlatformConfig):
    rule: str = "count"
    max_reports: int = 1  # story: suspended "after someone marked the message as spam"
    window_hours: float = 24.0


@dataclass
class RatePlatformConfig(PlatformConfig):
    rule: str = "rate"
    max_rate: float = 0.003  # Gmail bulk-sender guideline: never reach 0.3% spam rate
    window_hours: float = 24.0  # Gmail measures the spam rate per day
    min_volume: int = 100


# --------------------------------------------------------------------------- root


@dataclass
class SendersConfig:
    # How many agents send. count = 1 is the one sender of the network config; a fraction
    # f > 0 makes round(f * N) agents senders (the reciprocity question), sender first.
    fraction: float = 0.0
    # Senders start at an hour drawn uniformly from [0, start_spread_hours).
    start_spread_hours: float = 0.0


@dataclass
class EngineConfig:
    # Replicates advanced together in one batch. Part of the config: a different batch size
    # gives different (equally valid) random numbers.
    batch_size: int = 500


@dataclass
class OutputConfig:
    plot: bool = True
    table: bool = True  # print the summary table at the end
    progress: bool = True


@dataclass
class OutreachConfig:
    network: Any = MISSING
    population: Any = MISSING
    strategy: Any = MISSING
    platform: Any = MISSING
    seed: int = 0
    # Seed of the Monte Carlo replicates only; null = derived from `seed`. The network, the
    # population and the senders always come from `seed`, so runs that differ only in their
    # strategy or platform meet the same people (common random numbers). A sweep sets this
    # per job (sim/sweep.py).
    replicate_seed: Optional[int] = None
    replicates: int = 500
    horizon_hours: int = 1008  # six weeks
    close_ties: int = 150  # story: ~150 close ties thanked by name
    annoyance_half_life_hours: float = 168.0  # issue 2: seven days
    senders: SendersConfig = field(default_factory=SendersConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    output: OutputConfig = field(default_factory=OutputConfig)


_SCHEMAS = {
    "network": {
        "ego": EgoNetworkConfig,
        "erdos_renyi": ErdosRenyiNetworkConfig,
        "small_world": SmallWorldNetworkConfig,
        "powerlaw_cluster": PowerlawClusterNetworkConfig,
        "stochastic_block": StochasticBlockNetworkConfig,
        "edgelist": EdgelistNetworkConfig,
    },
    "population": {
        "default": DefaultPopulationConfig,
        "homogeneous": HomogeneousPopulationConfig,
    },
    "strategy": {
        "generic_blast": GenericBlastConfig,
        "personal_first": PersonalFirstConfig,
        "staggered": StaggeredConfig,
        "blast_then_personal": BlastThenPersonalConfig,
    },
    "platform": {
        "none": NoPlatformConfig,
        "count": CountPlatformConfig,
        "rate": RatePlatformConfig,
    },
}


def register_configs() -> None:
    """Store the schemas: ``<option>_schema`` in each group, ``outreach_schema`` at the root."""
    cs = ConfigStore.instance()
    cs.store(name="outreach_schema", node=OutreachConfig)
    for group, options in _SCHEMAS.items():
        for name, node in options.items():
            cs.store(group=group, name=f"{name}_schema", node=node)


register_configs()


def config_options(group: str) -> str:
    """The options of a config group (its YAML files), for ``outreach --help``."""
    return ", ".join(sorted(p.stem for p in (Path(CONFIG_DIR) / group).glob("*.yaml")))


OmegaConf.register_new_resolver("outreach_options", config_options, replace=True)


# --------------------------------------------------------------------------- validation


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
        if group in _SCHEMAS and disc in node:
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


TIE_SOURCES = ("auto", "overlap", "embeddedness", "weight", "beta")


def _check_sender(key: str, value: Any) -> None:
    if value is None or isinstance(value, str) and value != "":
        return
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(key, value, "a node id, max_degree or null")


def validate_network(net) -> None:
    """Range checks on the ``network`` block; a file's contents are checked when loading."""
    check_choice("network.kind", net.kind, tuple(_SCHEMAS["network"]))
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
        if not isinstance(net.directed, bool):
            _fail("network.directed", net.directed, "true or false")


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
    check_positive("replicates", cfg.replicates, integer=True)
    check_positive("horizon_hours", cfg.horizon_hours, integer=True)
    check_nonneg("close_ties", cfg.close_ties, integer=True)
    # infinite half-life = annoyance never fades
    check_positive("annoyance_half_life_hours", cfg.annoyance_half_life_hours, allow_inf=True)
    check_positive("engine.batch_size", cfg.engine.batch_size, integer=True)
    check_prob("senders.fraction", cfg.senders.fraction)
    check_nonneg("senders.start_spread_hours", cfg.senders.start_spread_hours)

    validate_network(cfg.network)

    pop = cfg.population
    check_choice("population.kind", pop.kind, tuple(_SCHEMAS["population"]))
    if pop.kind == "homogeneous":
        check_prob("population.tie_strength", pop.tie_strength)
        for key in ("read_prob", "share_prob", "exposure_prob", "report_prob", "unfollow_prob"):
            check_prob(f"population.{key}", pop[key])
        check_nonneg("population.annoyance_threshold", pop.annoyance_threshold)
        check_nonneg("population.read_delay_hours", pop.read_delay_hours)
        for key in ("annoyance_generic", "annoyance_personal"):
            check_number(f"population.{key}", pop[key])
    else:
        ts = dict(pop.tie_strength)
        unknown = set(ts) - {"from", "a", "b"}
        if unknown:
            _fail("population.tie_strength", sorted(unknown)[0], "only the keys from, a, b")
        check_choice("population.tie_strength.from", ts.get("from", "auto"), TIE_SOURCES)
        check_positive("population.tie_strength.a", ts.get("a", 1.5))
        check_positive("population.tie_strength.b", ts.get("b", 6.0))
        check_positive("population.threshold_median", pop.threshold_median)
        check_nonneg("population.threshold_sigma", pop.threshold_sigma)
        for key in ("read_prob_base", "share_prob_base", "share_prob_word_of_mouth",
                    "exposure_prob", "report_prob", "unfollow_prob"):
            check_prob(f"population.{key}", pop[key])
        check_number("population.read_prob_tie_gain", pop.read_prob_tie_gain)
        check_number("population.share_prob_tie_gain", pop.share_prob_tie_gain)
        # linear in w in [0, 1]: both ends in [0, 1] keeps every pair's probability in range
        check_prob("population.read_prob_base + read_prob_tie_gain",
                   pop.read_prob_base + pop.read_prob_tie_gain)
        check_prob("population.share_prob_base + share_prob_tie_gain",
                   pop.share_prob_base + pop.share_prob_tie_gain)
        for key in ("annoyance_generic", "annoyance_personal"):
            check_number(f"population.{key}", pop[key])
        check_nonneg("population.personal_share_multiplier", pop.personal_share_multiplier)
        check_choice("population.read_delay.dist", pop.read_delay.dist,
                     ("exponential", "constant", "lognormal"))
        check_nonneg("population.read_delay.mean_hours", pop.read_delay.mean_hours)
        check_nonneg("population.read_delay.sigma", pop.read_delay.sigma)

    st = cfg.strategy
    if "_target_" not in st:
        check_choice("strategy.name", st.name, tuple(_SCHEMAS["strategy"]))
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

    pl = cfg.platform
    check_choice("platform.rule", pl.rule, tuple(_SCHEMAS["platform"]))
    if pl.rule == "count":
        check_positive("platform.max_reports", pl.max_reports, integer=True)
        check_hours("platform.window_hours", pl.window_hours)
    elif pl.rule == "rate":
        check_prob("platform.max_rate", pl.max_rate)
        check_hours("platform.window_hours", pl.window_hours)
        check_nonneg("platform.min_volume", pl.min_volume, integer=True)


def compose(overrides=()) -> Any:
    """The config a command line with these overrides would give, outside a Hydra app
    (tests, the Mesa model, the web app). Inside a running Hydra app, reuse its search path."""
    import hydra
    from hydra.core.global_hydra import GlobalHydra

    overrides = list(overrides)
    if GlobalHydra.instance().is_initialized():
        return hydra.compose(config_name="config", overrides=overrides)
    with hydra.initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return hydra.compose(config_name="config", overrides=overrides)
