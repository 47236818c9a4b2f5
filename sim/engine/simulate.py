"""Running a scenario: its replicates in batches, to per-replicate metrics and hourly series.

Same config and seed, same numbers. Each replicate's numbers come from its own key (its
index in the run and the replicate seed), so the engine's batch size changes memory and
speed, never the numbers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim import metrics
from sim.engine.engine import Engine, bytes_per_replicate
from sim.engine.scenario import Scenario, build_scenario, replicate_keys
from sim.network import Network
from sim.rules.population import GENERIC, PERSONAL

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    replicates: pd.DataFrame  # one row per replicate
    series: np.ndarray  # (H, len(sim.engine.engine.SERIES), R)
    network: Network
    scenario: Scenario


def horizon_warnings(scenario: Scenario) -> list[str]:
    """What each sender's strategy planned for hours at or after the horizon, and so will
    not be sent: one line per sender (at most three, then a count), naming the messages.

    The count replays the plan on a throwaway batch of one replicate in which nobody
    reports or unfollows, so it is what the plan would send, not what a run would."""
    eng = Engine(scenario, 1, 0, record_series=False)
    H, lines, more = eng.H, [], 0
    for s, strat in enumerate(eng.strategies):
        start = int(round(scenario.start_hours[s]))
        view = eng.sender_view(s)
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


def batch_size(cfg, scenario: Scenario) -> int:
    """Replicates per batch: ``engine.batch_size``, fewer when that many would take more than
    ``engine.memory_gib`` (many senders on a large network). Memory only: a replicate's
    numbers do not depend on its batch."""
    want = int(cfg.engine.batch_size)
    budget = float(cfg.engine.get("memory_gib", 2.0)) * 2 ** 30
    fits = max(1, int(budget // bytes_per_replicate(scenario)))
    if fits < want:
        log.info("engine: %d replicates per batch (engine.memory_gib=%s)", fits,
                 cfg.engine.get("memory_gib", 2.0))
    return min(want, fits)


def simulate(cfg, scenario: Scenario | None = None, progress: bool = False) -> RunResult:
    sc = scenario if scenario is not None else build_scenario(cfg)
    for w in horizon_warnings(sc):
        log.warning(w)
    total, bs = int(cfg.replicates), batch_size(cfg, sc)
    starts = range(0, total, bs)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, desc="replicates", unit="rep", leave=False)
    tables, series = [], []
    try:
        for first in starts:
            size = min(bs, total - first)
            eng = Engine(sc, size, replicate_keys(cfg, first, size))
            res = eng.run()
            tables.append(pd.DataFrame(res.metrics))
            series.append(res.series)
            if bar is not None:
                bar.update(size)
    finally:  # an error message then starts on a clean line
        if bar is not None:
            bar.close()
    df = pd.concat(tables, ignore_index=True)
    df.insert(0, "replicate", np.arange(len(df)))
    if sc.population.n_senders == 1:  # one sender: each risk is a yes or no per replicate
        for name in metrics.names(kind=metrics.PROPORTION):
            df[name] = df[name].astype(bool)
    return RunResult(replicates=df, series=np.concatenate(series, axis=2), network=sc.network, scenario=sc)
