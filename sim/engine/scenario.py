"""A scenario: the network, the population, the senders, their strategy and the platform rule,
built once per run from a composed config.

Seeds: the master seed is split (numpy SeedSequence) into independent streams for the
network, the population, the choice of senders, and the replicates. The network, population
and senders always come from the master seed, so runs that differ only in their strategy or
platform meet the same people. The replicates' stream (or ``replicate_seed`` when set) gives
each replicate r of the run its 64-bit key (``replicate_keys``), from which all of its
random numbers are drawn (sim/engine/draws.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.config import check_contacts, validate
from sim.engine import draws
from sim.network import Network, build_network
from sim.network.distances import hop_classes
from sim.rules.platform_rules import Enforcement, PlatformRule, make_platform_rule
from sim.rules.population import Population, build_population
from sim.rules.strategies import make_strategy


@dataclass
class Scenario:
    """Everything a batch of replicates needs, built once per run."""

    network: Network
    population: Population
    strategy_factory: callable  # () -> a fresh Strategy (one per sender per batch)
    platform: PlatformRule
    horizon_hours: int
    half_life_hours: float
    start_hours: np.ndarray  # (S,) hour each sender starts its strategy
    # how restrictions escalate and the volume caps (the platform block's common keys)
    enforcement: Enforcement = field(default_factory=Enforcement)
    # quality of the generic message and of the notes (strategy.message_quality, .note_quality)
    quality: tuple[float, float] = (0.5, 0.5)
    # (S, N) int8: each person's breadth-first distance class from each sender (0 the sender,
    # 1, 2, 3 = three or more); computed on first use
    _hops: np.ndarray | None = field(default=None, repr=False)

    @property
    def hops(self) -> np.ndarray:
        if self._hops is None:
            self._hops = hop_classes(self.network, self.population.senders)
        return self._hops


def seed_streams(seed: int) -> dict[str, np.random.SeedSequence]:
    names = ("network", "population", "senders", "dynamics")
    return dict(zip(names, np.random.SeedSequence(int(seed)).spawn(len(names))))


def replicate_root(cfg) -> np.random.SeedSequence:
    """The seed of the run's replicates: ``replicate_seed`` when set, else derived from ``seed``."""
    rs = cfg.get("replicate_seed")
    return np.random.SeedSequence(int(rs)) if rs is not None else seed_streams(cfg.seed)["dynamics"]


def replicate_keys(cfg, first: int, count: int) -> np.ndarray:
    """The keys of replicates first .. first + count - 1 of the run (their index in the whole
    run, not in a batch: a replicate's numbers do not depend on engine.batch_size)."""
    return draws.replicate_keys(replicate_root(cfg), first, count)


def choose_senders(net: Network, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """The configured sender first; with fraction f > 0, round(f * N) senders in all, the
    others drawn at random among nodes that have contacts."""
    if fraction <= 0:
        return np.array([net.sender], dtype=np.int64)
    deg = net.degree()
    candidates = np.flatnonzero(deg > 0)
    candidates = candidates[candidates != net.sender]
    n_more = min(len(candidates), max(0, int(round(fraction * net.n_nodes)) - 1))
    others = np.sort(rng.choice(candidates, size=n_more, replace=False))
    return np.concatenate(([net.sender], others)).astype(np.int64)


def build_scenario(cfg, network: Network | None = None) -> Scenario:
    validate(cfg)
    make_strategy(cfg.strategy)  # a strategy or a rule that cannot be built fails before the network
    rule = make_platform_rule(cfg.platform)
    streams = seed_streams(cfg.seed)
    net = network if network is not None else build_network(cfg.network, np.random.default_rng(streams["network"]))
    srng = np.random.default_rng(streams["senders"])
    senders = choose_senders(net, float(cfg.senders.fraction), srng)
    start = np.zeros(len(senders))
    if cfg.senders.start_spread_hours > 0 and len(senders) > 1:
        start[1:] = srng.uniform(0, cfg.senders.start_spread_hours, size=len(senders) - 1)
    check_contacts(cfg, int(net.degree()[net.sender]), net.name)
    pop = build_population(cfg.population, net, senders, int(cfg.close_ties),
                           np.random.default_rng(streams["population"]))
    strategy_cfg = cfg.strategy
    return Scenario(
        network=net, population=pop, strategy_factory=lambda: make_strategy(strategy_cfg),
        platform=rule, enforcement=Enforcement.from_config(cfg.platform),
        horizon_hours=int(cfg.horizon_hours),
        half_life_hours=float(cfg.annoyance_half_life_hours), start_hours=start,
        quality=(float(strategy_cfg.get("message_quality", 0.5)),
                 float(strategy_cfg.get("note_quality", 0.5))),
    )
