"""The Mesa view of one run: contacts and the sender as Mesa agents over the engine's arrays.

The arithmetic stays in ``Engine`` (one replicate here); each agent reads its attributes and
state from the engine's arrays, so what the agents show is exactly what the batched runs
compute. Use it to inspect a run, to write agents of your own, with Mesa's ``batch_run``,
DataCollector and SolaraViz.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim import metrics
from sim.config import compose
from sim.engine.engine import Engine
from sim.engine.scenario import build_scenario, replicate_keys
from sim.model.agents import Contact, Sender


def _reporter(name: str):
    if metrics.BY_NAME[name].kind == metrics.PROPORTION:  # the primary sender's state
        return lambda m: bool(m.engine.state(name)[0])
    return lambda m: m.metric(name)


class OutreachModel(mesa.Model):
    """One outreach run, stepped hour by hour.

    Parameters follow the command line: config options by name (``strategy``, ``network``,
    ``population``, ``platform``), then ``overrides`` as Hydra override strings, then any other
    keyword as ``key=value`` (e.g. ``horizon_hours=336`` or ``**{"strategy.batch_size": 50}``).
    ``rng`` is the seed: ``OutreachModel(rng=7)`` gives the same numbers as replicate 0 of
    ``outreach seed=7`` (each replicate draws from its own key, whatever the run's size).
    """

    def __init__(self, strategy: str = "generic_blast", network: str = "ego",
                 population: str = "default", platform: str = "count", overrides=(),
                 rng=None, **params):
        super().__init__(rng=rng)
        if isinstance(rng, (int, np.integer)):
            seed = int(rng)
        else:
            seed = int(self.rng.integers(0, 2**31 - 1))
        args = [f"strategy={strategy}", f"network={network}", f"population={population}",
                f"platform={platform}", *overrides,
                *(f"{k}={v}" for k, v in params.items()), f"seed={seed}", "replicates=1"]
        self.config = compose(args)
        self.seed = seed
        # not ``self.scenario``: Mesa's Model owns that name (its Scenario of the experiment),
        # and SolaraViz reads it to rebuild the model on Reset
        self.outreach_scenario = build_scenario(self.config)
        self.network = self.outreach_scenario.network
        self.population = self.outreach_scenario.population
        self.engine = Engine(self.outreach_scenario, 1, replicate_keys(self.config, 0, 1))
        pop = self.population
        self.senders = [Sender(self, int(node), s) for s, node in enumerate(pop.senders)]
        primary = pop.contacts_of(0)
        pair_of = dict(zip(pop.pair_contact[primary].tolist(), range(primary.start, primary.stop)))
        slot_of = dict(zip(self.engine.contact_nodes.tolist(), range(self.engine.M)))
        sender_nodes = set(pop.senders.tolist())
        self.contacts = {
            node: Contact(self, node, pair_of.get(node), slot_of.get(node))
            for node in range(self.network.n_nodes) if node not in sender_nodes
        }
        # the registry's hourly series (sim/metrics.py), for the primary sender
        self.datacollector = mesa.DataCollector(model_reporters={
            "hour": lambda m: m.engine.hour,
            **{name: _reporter(name) for name in metrics.names(metrics.SERIES)},
        })
        self.running = True
        self.datacollector.collect(self)

    def metric(self, name: str) -> float:
        """A cumulative count for the primary sender (mean over senders if several)."""
        return float(self.engine.count[name].mean())

    def step(self) -> None:
        if self.engine.hour >= self.engine.H:
            self.running = False
            return
        self.engine.step()
        self.datacollector.collect(self)
        if self.engine.hour >= self.engine.H:
            self.running = False

    def results(self) -> dict:
        """Per-run metrics, identical to one row of ``replicates.parquet`` for this seed."""
        return {k: float(v[0]) for k, v in self.engine.result().metrics.items()}
