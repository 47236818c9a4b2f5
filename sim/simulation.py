"""From a composed config to per-replicate metrics and hourly series.

Seeds: the master seed is split (numpy SeedSequence) into independent streams for the
network, the population, the choice of senders, and one stream per batch of replicates.
Same config and seed, same numbers; the batch size is part of the config.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .config import validate
from .engine import SERIES, Engine, Scenario
from .network import Network, build_network
from .platform import PlatformRule
from .population import build_population
from .strategies import make_strategy

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    replicates: pd.DataFrame  # one row per replicate
    series: np.ndarray  # (H, len(SERIES), R)
    network: Network
    scenario: Scenario


def seed_streams(seed: int) -> dict[str, np.random.SeedSequence]:
    names = ("network", "population", "senders", "dynamics")
    return dict(zip(names, np.random.SeedSequence(int(seed)).spawn(len(names))))


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
    streams = seed_streams(cfg.seed)
    net = network if network is not None else build_network(cfg.network, np.random.default_rng(streams["network"]))
    srng = np.random.default_rng(streams["senders"])
    senders = choose_senders(net, float(cfg.senders.fraction), srng)
    start = np.zeros(len(senders))
    if cfg.senders.start_spread_hours > 0 and len(senders) > 1:
        start[1:] = srng.uniform(0, cfg.senders.start_spread_hours, size=len(senders) - 1)
    pop = build_population(cfg.population, net, senders, int(cfg.close_ties),
                           np.random.default_rng(streams["population"]))
    strategy_cfg = cfg.strategy
    return Scenario(
        network=net, population=pop, strategy_factory=lambda: make_strategy(strategy_cfg),
        platform=PlatformRule.from_config(cfg.platform), horizon_hours=int(cfg.horizon_hours),
        half_life_hours=float(cfg.annoyance_half_life_hours), start_hours=start,
    )


def horizon_warnings(scenario: Scenario) -> list[str]:
    """What the strategy planned to send after the horizon (and so will not be sent)."""
    eng = Engine(scenario, 1, np.random.default_rng(0), record_series=False)
    late = []
    for s, strat in enumerate(eng.strategies):
        hours = np.asarray(strat.send_hours(eng._view(s), eng.H)) + scenario.start_hours[s]
        if (hours >= eng.H).any():
            late.append(f"sender {s}: {int((hours >= eng.H).sum())} planned send hour(s) after "
                        f"horizon_hours={eng.H} will not be sent")
    return late


def simulate(cfg, scenario: Scenario | None = None, progress: bool = False) -> RunResult:
    sc = scenario if scenario is not None else build_scenario(cfg)
    for w in horizon_warnings(sc):
        log.warning(w)
    total, bs = int(cfg.replicates), int(cfg.engine.batch_size)
    sizes = [min(bs, total - i) for i in range(0, total, bs)]
    batch_seeds = seed_streams(cfg.seed)["dynamics"].spawn(len(sizes))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, desc="replicates", unit="rep", leave=False)
    metrics, series = [], []
    for size, ss in zip(sizes, batch_seeds):
        eng = Engine(sc, size, np.random.default_rng(ss))
        res = eng.run()
        metrics.append(pd.DataFrame(res.metrics))
        series.append(res.series)
        if bar is not None:
            bar.update(size)
    if bar is not None:
        bar.close()
    df = pd.concat(metrics, ignore_index=True)
    df.insert(0, "replicate", np.arange(len(df)))
    df["suspended"] = df["suspended"] if sc.population.n_senders > 1 else df["suspended"].astype(bool)
    return RunResult(replicates=df, series=np.concatenate(series, axis=2), network=sc.network, scenario=sc)


__all__ = ["RunResult", "SERIES", "build_scenario", "simulate", "seed_streams"]
