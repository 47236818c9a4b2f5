"""A plain, per-agent reference implementation of the outreach model, for testing the engine.

Written from the model rules (BRIEF / docs/MODEL.md and the docstrings of ``sim.engine``),
not from the engine's vectorised code: one replicate at a time, one message or share at a
time, state in dicts and sets, neighbours from a networkx graph (``oracles.graphs.to_nx``).
It is slow and obvious on purpose; the fast engine must agree with it in distribution
(tests/test_agreement.py) and exactly where every probability is 0 or 1
(tests/test_analytic.py, tests/test_strategies.py, tests/test_engine_exact.py).

Rules, per message delivered by sender s to contact i with tie strength w:

1. It is read with probability read_prob, after a whole-hour read delay; unread messages
   are never read. Events falling at or after the horizon never happen.
2. On reading, i's annoyance (one per person, shared across senders) first decays by
   0.5 ** (hours since its last change / half-life), then rises by the pair's increment
   (annoyance_generic or annoyance_personal, both already scaled by 1 - w). Reading makes
   i aware of s's ask.
3. If annoyance > threshold (strict) the read is annoying: the pair counts as annoyed once,
   the person counts as annoyed; an annoying read is reported with report_prob (a contact
   reports a sender at most once) and may
   end the tie with unfollow_prob (no later message from s reaches i).
4. Otherwise i becomes a supporter with the pair's share probability (generic or personal),
   unless i already shared s's ask. A supporter shares once: every connection of i except
   s sees the share with i's exposure_prob, after the viewer's read delay. A person who is
   not yet aware becomes aware on seeing it and shares in turn with share_word_of_mouth.

Within an hour: the senders' sends (sender order), then reads, then sees of shares,
repeated while zero-delay events appear, then the platform rule. The platform counts
reports and delivered messages in the window of ``window_hours`` hours ending with the
current hour; ``count`` suspends at reports >= max_reports, ``rate`` at reports / delivered
>= max_rate once delivered >= max(min_volume, 1) and there is a report. A suspended sender
delivers nothing more; messages already delivered are still read.

Strategies are the real ones (``sim.rules.strategies``): the reference drives them through a
``SenderView`` for a batch of one replicate. So this is an independent check of the rules
above, not of the strategies' schedules (tests/test_strategies.py works those by hand). From
the package it takes only that interface and the GENERIC/PERSONAL message codes.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict

import numpy as np

from sim.rules.population import GENERIC, PERSONAL
from sim.rules.strategies import SenderView

from .graphs import to_nx

METRICS = (
    "reach", "supporters", "direct_supporters", "unfollows", "unfollows_weighted",
    "close_ties_lost", "annoyed", "close_ties_annoyed", "reports", "messages_sent",
    "personal_notes", "effort_hours", "suspended", "suspension_hour", "people_annoyed",
)
_COUNTERS = (
    "reach", "supporters", "direct_supporters", "unfollows", "unfollows_weighted",
    "close_ties_lost", "annoyed", "close_ties_annoyed", "reports", "messages_sent",
    "personal_notes", "effort_minutes",
)


class _Replicate:
    """One replicate: the whole state of the world, advanced event by event."""

    def __init__(self, ref: "Reference", rng: np.random.Generator):
        self.ref, self.rng = ref, rng
        self.threshold: dict[int, float] = {}  # drawn when a person first reads
        self.annoyance: dict[int, tuple[float, int]] = {}  # person -> (level, hour of level)
        self.person_annoyed: set[int] = set()
        self.aware: set[tuple[int, int]] = set()  # (sender, person)
        self.shared: set[tuple[int, int]] = set()
        self.unfollowed: set[int] = set()  # pair index
        self.pair_annoyed: set[int] = set()
        self.reported: set[int] = set()  # pairs whose contact has reported the sender
        self.count = [dict.fromkeys(_COUNTERS, 0.0) for _ in range(ref.n_senders)]
        self.report_hours = [defaultdict(int) for _ in range(ref.n_senders)]
        self.delivery_hours = [defaultdict(int) for _ in range(ref.n_senders)]
        self.suspended_at: list[int | None] = [None] * ref.n_senders
        self.reads: dict[int, list] = defaultdict(list)  # hour -> [(pair, kind)]
        self.sees: dict[int, list] = defaultdict(list)  # hour -> [(sender, person)]
        self.visit: list[int] = []  # hours at which something may happen
        self.strategies = [ref.make_strategy() for _ in range(ref.n_senders)]
        self.plan: dict[int, list[tuple[int, int]]] = defaultdict(list)  # hour -> [(s, rel)]
        self.hour = 0
        for s, strategy in enumerate(self.strategies):
            start = int(round(ref.start_hours[s]))
            for rel in np.asarray(strategy.send_hours(self.view(s), ref.H)).tolist():
                t = start + int(rel)
                if 0 <= t < ref.H:
                    self.plan[t].append((s, int(rel)))
                    self.at(t)

    # ---------------------------------------------------------------- helpers

    def at(self, hour: int) -> None:
        heapq.heappush(self.visit, hour)

    def delay(self) -> int:
        d = self.ref.pop.read_delay
        if d.dist == "constant" or d.mean_hours == 0:
            x = d.mean_hours
        elif d.dist == "exponential":
            x = self.rng.exponential(d.mean_hours)
        else:  # lognormal whose mean is mean_hours
            x = self.rng.lognormal(math.log(d.mean_hours) - d.sigma**2 / 2, d.sigma)
        return int(np.rint(x))

    def threshold_of(self, person: int) -> float:
        if person not in self.threshold:
            pop = self.ref.pop
            if pop.threshold_sigma == 0:
                self.threshold[person] = float(pop.threshold_median)
            else:
                self.threshold[person] = float(
                    self.rng.lognormal(math.log(pop.threshold_median), pop.threshold_sigma))
        return self.threshold[person]

    def in_window(self, log: dict, t: int, hours: int) -> int:
        """Entries of `log` in the `hours` hours ending with hour t (t included)."""
        return sum(n for h, n in log.items() if t - hours < h <= t)

    def view(self, s: int) -> SenderView:
        ref = self.ref
        first, last = ref.pair_offset[s], ref.pair_offset[s + 1]
        t = self.hour
        return SenderView(
            n_contacts=last - first,
            tie_strength=np.asarray(ref.w[first:last]),
            n_replicates=1,
            uniforms=lambda stream=0: self.rng.random((1, last - first)),
            suspended=np.array([self.suspended_at[s] is not None]),
            reports_in_last=lambda hours: np.array([self.in_window(self.report_hours[s], t, int(hours))]),
            unfollowed=lambda: np.array([[p in self.unfollowed for p in range(first, last)]]),
        )

    # ---------------------------------------------------------------- one hour

    def run(self) -> None:
        H = self.ref.H
        while self.visit:
            t = heapq.heappop(self.visit)
            if t >= H:
                break
            if t < self.hour:  # a duplicate entry of an hour already done
                continue
            self.hour = t
            for s, rel in self.plan.pop(t, []):
                for send in self.strategies[s].sends(rel, self.view(s)):
                    self.send(s, send, t)
            while self.reads.get(t) or self.sees.get(t):
                for pair, kind in self.reads.pop(t, []):
                    self.read(pair, kind, t)
                for s, person in self.sees.pop(t, []):
                    self.see(s, person, t)
            self.platform(t)
            self.hour = t + 1

    def send(self, s: int, send, t: int) -> None:
        if self.suspended_at[s] is not None:
            return
        if send.replicates is not None and not bool(np.asarray(send.replicates)[0]):
            return
        ranks = np.asarray(send.ranks)
        if ranks.ndim == 2:
            ranks = ranks[0]
        c = self.count[s]
        c["effort_minutes"] += send.minutes
        for rank in ranks.tolist():
            if rank < 0:
                continue
            pair = self.ref.pair_offset[s] + rank
            if pair in self.unfollowed:
                continue
            c["messages_sent"] += 1
            self.delivery_hours[s][t] += 1
            self.at(t + self.ref.platform.window_hours)  # when it leaves the window
            if send.kind == PERSONAL:
                c["personal_notes"] += 1
            c["effort_minutes"] += send.minutes_each
            if self.rng.random() < self.ref.read_prob[pair]:
                when = t + self.delay()
                if when < self.ref.H:
                    self.reads[when].append((pair, send.kind))
                    self.at(when)

    def read(self, pair: int, kind: int, t: int) -> None:
        ref = self.ref
        s, person = ref.pair_sender[pair], ref.pair_contact[pair]
        c = self.count[s]
        level, since = self.annoyance.get(person, (0.0, t))
        level = level * 0.5 ** ((t - since) / ref.half_life)
        level += ref.inc_generic[pair] if kind == GENERIC else ref.inc_personal[pair]
        self.annoyance[person] = (level, t)
        self.become_aware(s, person)
        if level > self.threshold_of(person):
            if pair not in self.pair_annoyed:
                self.pair_annoyed.add(pair)
                c["annoyed"] += 1
                if ref.close[pair]:
                    c["close_ties_annoyed"] += 1
            self.person_annoyed.add(person)
            if self.rng.random() < ref.report_prob[pair] and pair not in self.reported:
                self.reported.add(pair)
                c["reports"] += 1
                self.report_hours[s][t] += 1
                self.at(t + ref.platform.window_hours)
            if self.rng.random() < ref.unfollow_prob[pair] and pair not in self.unfollowed:
                self.unfollowed.add(pair)
                c["unfollows"] += 1
                c["unfollows_weighted"] += ref.w[pair]
                if ref.close[pair]:
                    c["close_ties_lost"] += 1
        else:
            p = ref.share_generic[pair] if kind == GENERIC else ref.share_personal[pair]
            if self.rng.random() < p and (s, person) not in self.shared:
                c["direct_supporters"] += 1
                self.share(s, person, t)

    def become_aware(self, s: int, person: int) -> bool:
        if (s, person) in self.aware:
            return False
        self.aware.add((s, person))
        self.count[s]["reach"] += 1
        return True

    def share(self, s: int, person: int, t: int) -> None:
        ref = self.ref
        self.shared.add((s, person))
        self.count[s]["supporters"] += 1
        for friend in ref.graph.neighbors(person):
            if friend == ref.senders[s]:
                continue
            if self.rng.random() < ref.exposure[person]:
                when = t + self.delay()
                if when < ref.H:
                    self.sees[when].append((s, friend))
                    self.at(when)

    def see(self, s: int, person: int, t: int) -> None:
        if not self.become_aware(s, person):
            return
        if self.rng.random() < self.ref.share_wom[person] and (s, person) not in self.shared:
            self.share(s, person, t)

    def platform(self, t: int) -> None:
        rule = self.ref.platform
        if rule.rule == "none":
            return
        for s in range(self.ref.n_senders):
            if self.suspended_at[s] is not None:
                continue
            reports = self.in_window(self.report_hours[s], t, rule.window_hours)
            delivered = self.in_window(self.delivery_hours[s], t, rule.window_hours)
            if rule.rule == "count":
                hit = reports >= rule.max_reports
            else:
                hit = (delivered >= max(rule.min_volume, 1) and reports > 0
                       and reports / delivered >= rule.max_rate)
            if hit:
                self.suspended_at[s] = t

    def metrics(self) -> dict[str, float]:
        S = self.ref.n_senders
        out = {k: sum(c[k] for c in self.count) / S for k in _COUNTERS if k != "effort_minutes"}
        out["effort_hours"] = sum(c["effort_minutes"] for c in self.count) / S / 60.0
        out["people_annoyed"] = float(len(self.person_annoyed))
        out["suspended"] = sum(h is not None for h in self.suspended_at) / S
        h0 = self.suspended_at[0]
        out["suspension_hour"] = float("nan") if h0 is None else float(h0)
        return out


class Reference:
    """The inputs of a run, unpacked into plain Python lists once."""

    def __init__(self, network, population, make_strategy, platform, horizon_hours,
                 half_life_hours, start_hours=None):
        pop = self.pop = population
        self.graph = to_nx(network)
        self.make_strategy = make_strategy
        self.platform = platform
        self.H = int(horizon_hours)
        self.half_life = float(half_life_hours)
        self.senders = pop.senders.tolist()
        self.n_senders = len(self.senders)
        self.start_hours = [0.0] * self.n_senders if start_hours is None else list(start_hours)
        self.pair_offset = pop.pair_offset.tolist()
        self.pair_sender = pop.pair_sender.tolist()
        self.pair_contact = pop.pair_contact.tolist()
        self.w = pop.tie_strength.tolist()
        self.close = pop.close.tolist()
        self.read_prob = pop.read_prob.tolist()
        self.inc_generic = pop.annoyance_generic.tolist()
        self.inc_personal = pop.annoyance_personal.tolist()
        self.share_generic = pop.share_generic.tolist()
        self.share_personal = pop.share_personal.tolist()
        self.report_prob = pop.report_prob.tolist()
        self.unfollow_prob = pop.unfollow_prob.tolist()
        self.exposure = pop.exposure.tolist()
        self.share_wom = pop.share_word_of_mouth.tolist()

    def replicate(self, rng: np.random.Generator) -> dict[str, float]:
        rep = _Replicate(self, rng)
        rep.run()
        return rep.metrics()


def run_reference(network, population, make_strategy, platform, *, horizon_hours,
                  half_life_hours, replicates, rng, start_hours=None) -> dict[str, np.ndarray]:
    """Per-replicate metrics (name -> array of length `replicates`), as Engine.result().

    make_strategy: a callable returning a fresh strategy object (one per sender per
    replicate, since strategies such as staggered keep a queue)."""
    ref = Reference(network, population, make_strategy, platform, horizon_hours,
                    half_life_hours, start_hours)
    rows = [ref.replicate(rng) for _ in range(int(replicates))]
    return {k: np.array([r[k] for r in rows], dtype=float) for k in METRICS}


def run_reference_scenario(scenario, replicates: int, rng: np.random.Generator,
                           population=None) -> dict[str, np.ndarray]:
    """Same as run_reference, taking the pieces from a built ``sim.engine.Scenario``
    (optionally with another population, e.g. a deliberately perturbed one)."""
    return run_reference(
        scenario.network, population if population is not None else scenario.population,
        scenario.strategy_factory, scenario.platform, horizon_hours=scenario.horizon_hours,
        half_life_hours=scenario.half_life_hours, replicates=replicates, rng=rng,
        start_hours=scenario.start_hours,
    )
