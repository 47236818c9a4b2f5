"""The Mesa view of one run: contacts and the sender as Mesa agents over the engine's arrays.

The arithmetic stays in ``Engine`` (one replicate here); each agent reads its attributes and
state from the engine's arrays, so what the agents show is exactly what the batched runs
compute. Use it to inspect a run, to write agents of your own, with Mesa's ``batch_run``,
DataCollector and SolaraViz.
"""

from __future__ import annotations

import numpy as np
import mesa

from .config import compose
from .engine import Engine
from .simulation import build_scenario, replicate_seeds

STATES = ("unaware", "aware", "supporter", "annoyed", "unfollowed", "reported")


class Sender(mesa.Agent):
    """The person doing the outreach."""

    def __init__(self, model: "OutreachModel", node: int, index: int):
        super().__init__(model)
        self.node, self.index = node, index

    @property
    def suspended(self) -> bool:
        return bool(self.model.engine.suspended[self.index])

    @property
    def messages_sent(self) -> int:
        return int(self.model.engine.count["messages_sent"][self.index])


class Contact(mesa.Agent):
    """A person in the network; a *contact* when the sender messages them directly."""

    def __init__(self, model: "OutreachModel", node: int, pair: int | None, slot: int | None):
        super().__init__(model)
        # pair: this person's pair with the primary sender; slot: their place in the engine's
        # per-contact arrays (None for people no sender messages)
        self.node, self.pair, self.slot = node, pair, slot

    def _pair_value(self, arr, default=0.0):
        return float(arr[self.pair]) if self.pair is not None else default

    @property
    def is_contact(self) -> bool:
        return self.pair is not None

    @property
    def tie_strength(self) -> float:
        return self._pair_value(self.model.population.tie_strength)

    @property
    def close_tie(self) -> bool:
        return bool(self.pair is not None and self.model.population.close[self.pair])

    @property
    def annoyance_threshold(self) -> float:
        """NaN for people no sender messages: their patience is never put to the test."""
        if self.slot is None:
            return float("nan")
        return float(self.model.engine.contact_threshold[self.slot])

    @property
    def annoyance(self) -> float:
        """Current annoyance, decayed to the model's hour."""
        if self.slot is None:
            return 0.0
        e = self.model.engine
        dt = max(0, e.hour - 1 - int(e.contact_annoyance_hour[self.slot]))
        return float(e.contact_annoyance[self.slot] * 2.0 ** (-dt / e.sc.half_life_hours))

    @property
    def read_prob(self) -> float:
        return self._pair_value(self.model.population.read_prob)

    @property
    def share_prob(self) -> float:
        pop = self.model.population
        return self._pair_value(pop.share_generic, float(pop.share_word_of_mouth[self.node]))

    @property
    def report_prob(self) -> float:
        return self._pair_value(self.model.population.report_prob)

    @property
    def unfollow_prob(self) -> float:
        return self._pair_value(self.model.population.unfollow_prob)

    @property
    def state(self) -> str:
        """The most telling of: reported > unfollowed > annoyed > supporter > aware > unaware."""
        e = self.model.engine
        if self.pair is not None:
            if e.pair_reported[self.pair]:
                return "reported"
            if e.unfollowed[self.pair]:
                return "unfollowed"
            if e.pair_annoyed[self.pair]:
                return "annoyed"
        if e.shared[self.node]:
            return "supporter"
        if e.aware[self.node]:
            return "aware"
        return "unaware"


class OutreachModel(mesa.Model):
    """One outreach run, stepped hour by hour.

    Parameters follow the command line: config options by name (``strategy``, ``network``,
    ``population``, ``platform``), then ``overrides`` as Hydra override strings, then any other
    keyword as ``key=value`` (e.g. ``horizon_hours=336`` or ``**{"strategy.batch_size": 50}``).
    ``rng`` is the seed: ``OutreachModel(rng=7)`` gives the same numbers as
    ``outreach seed=7 replicates=1``.
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
        batch_seed = replicate_seeds(self.config, 1)[0]
        self.engine = Engine(self.outreach_scenario, 1, np.random.default_rng(batch_seed))
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
        self.datacollector = mesa.DataCollector(model_reporters={
            "hour": lambda m: m.engine.hour,
            "reach": lambda m: m.metric("reach"),
            "supporters": lambda m: m.metric("supporters"),
            "unfollows": lambda m: m.metric("unfollows"),
            "reports": lambda m: m.metric("reports"),
            "messages_sent": lambda m: m.metric("messages_sent"),
            "suspended": lambda m: bool(m.engine.suspended[0]),
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
