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

from .config import check_contacts, validate
from .engine import SERIES, Engine, Scenario
from .network import Network, build_network
from .platform import PlatformRule
from .population import GENERIC, PERSONAL, build_population
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


def replicate_seeds(cfg, n_batches: int) -> list[np.random.SeedSequence]:
    """One seed per batch of replicates: from ``replicate_seed`` when set, else from ``seed``."""
    rs = cfg.get("replicate_seed")
    root = np.random.SeedSequence(int(rs)) if rs is not None else seed_streams(cfg.seed)["dynamics"]
    return root.spawn(n_batches)


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
    make_strategy(cfg.strategy)  # a strategy that cannot be built fails before the network
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
        platform=PlatformRule.from_config(cfg.platform), horizon_hours=int(cfg.horizon_hours),
        half_life_hours=float(cfg.annoyance_half_life_hours), start_hours=start,
    )


def horizon_warnings(scenario: Scenario) -> list[str]:
    """What each sender's strategy planned for hours at or after the horizon, and so will
    not be sent: one line per sender (at most three, then a count), naming the messages.

    The count replays the plan on a throwaway batch of one replicate in which nobody
    reports or unfollows, so it is what the plan would send, not what a run would."""
    eng = Engine(scenario, 1, np.random.default_rng(0), record_series=False)
    H, lines, more = eng.H, [], 0
    for s, strat in enumerate(eng.strategies):
        start = int(round(scenario.start_hours[s]))
        view = eng._view(s)
        hours = sorted({int(h) for h in np.asarray(strat.send_hours(view, H)).ravel()})
        late = [h for h in hours if start + h >= H]
        if not late:
            continue
        if len(lines) == 3:
            more += 1
            continue
        who = f"sender {scenario.network.node_id(int(scenario.population.senders[s]))!r}"
        what = _late_messages(strat, view, hours, start, H)
        lines.append(
            f"horizon_hours={H}: {who} planned {what} at hour(s) {start + late[0]}"
            f"{'' if len(late) == 1 else f'-{start + late[-1]}'}, at or after the horizon; "
            f"they will not be sent (horizon_hours >= {start + late[-1] + 1} sends everything)"
        )
    if more:
        lines.append(f"horizon_hours={H}: {more} more sender(s) planned sends after the horizon")
    return lines


def _late_messages(strat, view, hours: list[int], start: int, horizon: int) -> str:
    """'N generic message(s) and M personal note(s)' planned at or after the horizon."""
    n = {GENERIC: 0, PERSONAL: 0}
    try:
        for h in hours:  # in order: strategies such as Staggered keep a queue
            for send in strat.sends(h, view):
                if start + h < horizon:
                    continue
                ranks = np.asarray(send.ranks)
                row = ranks if ranks.ndim == 1 else ranks[0]
                if send.replicates is None or bool(np.asarray(send.replicates)[0]):
                    n[send.kind] += int((row >= 0).sum())
    except Exception:  # a user strategy that cannot be replayed outside a run
        late = sum(start + h >= horizon for h in hours)
        return f"{late} send hour(s)"
    parts = [f"{n[GENERIC]} generic message(s)"] if n[GENERIC] else []
    parts += [f"{n[PERSONAL]} personal note(s)"] if n[PERSONAL] else []
    return " and ".join(parts) or "sends (to no one)"


def simulate(cfg, scenario: Scenario | None = None, progress: bool = False) -> RunResult:
    sc = scenario if scenario is not None else build_scenario(cfg)
    for w in horizon_warnings(sc):
        log.warning(w)
    total, bs = int(cfg.replicates), int(cfg.engine.batch_size)
    sizes = [min(bs, total - i) for i in range(0, total, bs)]
    batch_seeds = replicate_seeds(cfg, len(sizes))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, desc="replicates", unit="rep", leave=False)
    metrics, series = [], []
    try:
        for size, ss in zip(sizes, batch_seeds):
            eng = Engine(sc, size, np.random.default_rng(ss))
            res = eng.run()
            metrics.append(pd.DataFrame(res.metrics))
            series.append(res.series)
            if bar is not None:
                bar.update(size)
    finally:  # an error message then starts on a clean line
        if bar is not None:
            bar.close()
    df = pd.concat(metrics, ignore_index=True)
    df.insert(0, "replicate", np.arange(len(df)))
    df["suspended"] = df["suspended"] if sc.population.n_senders > 1 else df["suspended"].astype(bool)
    return RunResult(replicates=df, series=np.concatenate(series, axis=2), network=sc.network, scenario=sc)


__all__ = ["RunResult", "SERIES", "build_scenario", "simulate", "seed_streams"]
