"""The agents of the Mesa view: the sender, and every other person in the network.

Each agent reads its attributes and state from the engine's arrays (one replicate), so what
the agents show is exactly what the batched runs compute.
"""

from __future__ import annotations

import mesa

STATES = ("unaware", "aware", "supporter", "annoyed", "unfollowed", "reported")


class Sender(mesa.Agent):
    """The person doing the outreach."""

    def __init__(self, model: mesa.Model, node: int, index: int):
        super().__init__(model)
        self.node, self.index = node, index

    @property
    def suspended(self) -> bool:
        """Restricted for good."""
        return bool(self.model.engine.suspended[self.index])

    @property
    def restricted(self) -> bool:
        """Cannot send in the coming hour: under a restriction, or suspended."""
        e = self.model.engine
        return bool(e.suspended[self.index] or e.restricted_until[self.index] > e.hour)

    @property
    def messages_sent(self) -> int:
        return int(self.model.engine.count["messages_sent"][self.index])


class Contact(mesa.Agent):
    """A person in the network; a *contact* when the sender messages them directly."""

    def __init__(self, model: mesa.Model, node: int, pair: int | None, slot: int | None):
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
