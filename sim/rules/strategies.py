"""Outreach strategies: who gets which message, when.

A strategy speaks in *contact ranks*: rank 0 is the sender's strongest tie, rank C - 1 the
weakest (the population orders each sender's contacts that way). It answers two questions:
at which hours might it send (``send_hours``, relative to the sender's start), and at such an
hour, what does it send (``sends``). Everything is per sender and vectorised over the batch of
replicates, so a strategy is data the engine holds one of per sender, not a singleton.

To add a strategy without touching the core, write a class with these two methods and name
it in the config: ``+strategy._target_=my_module.MyStrategy`` (the ``+`` because the key is
added to the strategy schema; other keys of the strategy block, ``+strategy.my_key=...`` and the
schema's own such as ``minutes_per_batch``, are passed to its constructor, so it should accept
``**kwargs``). A strategy that needs randomness takes it from ``view.uniforms(stream)``: keyed
draws, the same in every run of a replicate, so strategies compared on the same replicate seed
stay paired (docs/MODEL.md, "Random numbers and paired replicates").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from sim.config.schema import (BlastThenPersonalConfig, OutreachConfig, PersonalFirstConfig,
                               StrategyConfig)
from sim.errors import StrategyError
from sim.rules import plugins
from sim.rules.population import GENERIC, PERSONAL
from sim.units import HOURS_PER_DAY

# Constructor defaults are the schema's (sim/config/schema.py), never written twice.
_D = StrategyConfig
_CLOSE_TIES = OutreachConfig.close_ties  # strategy.k defaults to close_ties


@dataclass
class Send:
    """One action of the sender at one hour.

    ranks: contact ranks, shape (b,) for the same recipients in every replicate, or (R, b)
        for recipients that differ by replicate (entries < 0 are skipped).
    replicates: bool mask over the batch; None = every replicate.
    minutes: effort of this action for the sender, per replicate that performs it.
    minutes_each: effort per message actually delivered (a personal note is written for
        someone who still follows the sender).
    """

    kind: int
    ranks: np.ndarray
    replicates: np.ndarray | None = None
    minutes: float = 0.0
    minutes_each: float = 0.0


@dataclass
class SenderView:
    """What a strategy may look at: its own sender's standing in each replicate."""

    n_contacts: int
    tie_strength: np.ndarray  # by rank, strongest first
    n_replicates: int
    # (stream=0) -> (R, C) uniforms in [0, 1), by replicate and contact rank: the same in every
    # run of a replicate, whatever the strategy (keyed by replicate, contact, sender and
    # stream; a strategy's randomness comes from here, so its replicates stay paired)
    uniforms: callable
    suspended: np.ndarray  # (R,) bool
    reports_in_last: callable  # hours -> (R,) reports against this sender in that window
    unfollowed: callable  # () -> (R, C) bool by rank
    # (R,) bool: the replicates this call is for (None: all). After a restriction a sender's
    # replicates run on different clocks, so a planned hour is played in some replicates
    # now and in others later; a strategy with a memory (a queue) must act only for these.
    active: np.ndarray | None = None


@runtime_checkable
class Strategy(Protocol):
    def send_hours(self, view: SenderView, horizon_hours: int) -> np.ndarray: ...

    def sends(self, hour: int, view: SenderView) -> list[Send]: ...


def _note_days(k: int, notes_per_day: int) -> int:
    return -(-k // notes_per_day) if k > 0 else 0


class GenericBlast:
    """One generic message to every contact at hour 0."""

    def __init__(self, minutes_per_batch: float = _D.minutes_per_batch, **_):
        self.minutes_per_batch = minutes_per_batch

    def send_hours(self, view, horizon_hours):
        return np.array([0])

    def sends(self, hour, view):
        return [Send(GENERIC, np.arange(view.n_contacts), minutes=self.minutes_per_batch)]


class PersonalFirst:
    """Personal notes to the k strongest ties, notes_per_day a day from hour 0; then one
    generic message to everyone else delay_hours after the last note (with k = 0: no notes,
    and the generic message at hour 0, the same as generic_blast)."""

    def __init__(self, k=_CLOSE_TIES, notes_per_day=_D.notes_per_day,
                 minutes_per_note=_D.minutes_per_note, delay_hours=PersonalFirstConfig.delay_hours,
                 minutes_per_batch=_D.minutes_per_batch, **_):
        self.k, self.per_day = int(k), int(notes_per_day)
        self.minutes_per_note, self.delay = float(minutes_per_note), float(delay_hours)
        self.minutes_per_batch = float(minutes_per_batch)

    def _k(self, view):
        return min(self.k, view.n_contacts)

    def _generic_hour(self, view):
        """delay_hours after the last day of notes; with no notes (k = 0), at once (hour 0)."""
        days = _note_days(self._k(view), self.per_day)
        if days == 0:
            return 0
        return int(round(HOURS_PER_DAY * (days - 1) + self.delay))

    def send_hours(self, view, horizon_hours):
        days = _note_days(self._k(view), self.per_day)
        return np.unique(np.array([HOURS_PER_DAY * d for d in range(days)] + [self._generic_hour(view)]))

    def sends(self, hour, view):
        out = []
        k = self._k(view)
        d, rem = divmod(hour, HOURS_PER_DAY)
        if rem == 0 and d < _note_days(k, self.per_day):
            ranks = np.arange(d * self.per_day, min(k, (d + 1) * self.per_day))
            out.append(Send(PERSONAL, ranks, minutes_each=self.minutes_per_note))
        if hour == self._generic_hour(view) and k < view.n_contacts:
            out.append(Send(GENERIC, np.arange(k, view.n_contacts), minutes=self.minutes_per_batch))
        return out


class Staggered:
    """Generic messages in batches of batch_size every interval_hours.

    With adaptive_pause, a batch is held back (and the rest of the queue waits) whenever the
    reports against the sender in the last pause_window_hours reach pause_reports.
    """

    def __init__(self, batch_size=_D.batch_size, interval_hours=_D.interval_hours,
                 order=_D.order, adaptive_pause=_D.adaptive_pause, pause_reports=_D.pause_reports,
                 pause_window_hours=_D.pause_window_hours, minutes_per_batch=_D.minutes_per_batch,
                 **_):
        self.batch_size, self.interval = int(batch_size), float(interval_hours)
        self.order, self.adaptive = order, bool(adaptive_pause)
        self.pause_reports, self.pause_window = int(pause_reports), int(round(pause_window_hours))
        self.minutes_per_batch = float(minutes_per_batch)
        self._queue = None
        self._next = None

    def _n_batches(self, view):
        return -(-view.n_contacts // self.batch_size)

    def send_hours(self, view, horizon_hours):
        planned = np.rint(np.arange(self._n_batches(view)) * self.interval).astype(np.int64)
        if not self.adaptive:
            return planned
        # a paused batch goes out at a later tick; the spare ticks stop before the horizon
        ticks = np.rint(np.arange(int(horizon_hours // self.interval) + 1) * self.interval)
        return np.union1d(planned, ticks[ticks < horizon_hours].astype(np.int64))

    def _setup(self, view):
        c, r = view.n_contacts, view.n_replicates
        if self.order == "random":
            self._queue = np.argsort(view.uniforms(), axis=1, kind="stable")
        elif self.order == "weakest_first":
            self._queue = np.broadcast_to(np.arange(c)[::-1], (r, c))
        else:
            self._queue = np.broadcast_to(np.arange(c), (r, c))
        self._next = np.zeros(r, dtype=np.int64)  # next batch index per replicate

    def sends(self, hour, view):
        if self._queue is None:
            self._setup(view)
        go = self._next < self._n_batches(view)
        if self.adaptive:
            go &= view.reports_in_last(self.pause_window) < self.pause_reports
        go &= ~view.suspended
        if view.active is not None:
            go &= view.active
        if not go.any():
            return []
        c = view.n_contacts
        cols = self._next[:, None] * self.batch_size + np.arange(self.batch_size)[None, :]
        valid = (cols < c) & go[:, None]
        ranks = np.where(valid, np.take_along_axis(self._queue, np.minimum(cols, c - 1), axis=1), -1)
        self._next = self._next + go
        return [Send(GENERIC, ranks, replicates=go, minutes=self.minutes_per_batch)]


class BlastThenPersonal:
    """What the author did: generic to everyone at hour 0, then personal notes to the k
    strongest ties from delay_hours on, notes_per_day a day."""

    def __init__(self, k=_CLOSE_TIES, notes_per_day=_D.notes_per_day,
                 minutes_per_note=_D.minutes_per_note,
                 delay_hours=BlastThenPersonalConfig.delay_hours,
                 minutes_per_batch=_D.minutes_per_batch, **_):
        self.k, self.per_day = int(k), int(notes_per_day)
        self.minutes_per_note, self.delay = float(minutes_per_note), int(round(delay_hours))
        self.minutes_per_batch = float(minutes_per_batch)

    def send_hours(self, view, horizon_hours):
        days = _note_days(min(self.k, view.n_contacts), self.per_day)
        return np.unique(np.array([0] + [self.delay + HOURS_PER_DAY * d for d in range(days)]))

    def sends(self, hour, view):
        out = []
        if hour == 0:
            out.append(Send(GENERIC, np.arange(view.n_contacts), minutes=self.minutes_per_batch))
        k = min(self.k, view.n_contacts)
        d, rem = divmod(hour - self.delay, HOURS_PER_DAY)
        if hour >= self.delay and rem == 0 and d < _note_days(k, self.per_day):
            ranks = np.arange(d * self.per_day, min(k, (d + 1) * self.per_day))
            out.append(Send(PERSONAL, ranks, minutes_each=self.minutes_per_note))
        return out


STRATEGIES = {
    "generic_blast": GenericBlast,
    "personal_first": PersonalFirst,
    "staggered": Staggered,
    "blast_then_personal": BlastThenPersonal,
}


def make_strategy(cfg) -> Strategy:
    """A fresh strategy object from the ``strategy`` config block (one per sender)."""
    params = {k: v for k, v in dict(cfg).items() if k not in ("name", "_target_")}
    if "_target_" in cfg:
        return plugins.build("strategy", cfg, params, Strategy, StrategyError,
                             "send_hours() and sends()")
    return STRATEGIES[cfg["name"]](**params)
