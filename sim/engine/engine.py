"""The batched engine: R replicates of one scenario advanced together, hour by hour.

State lives in flat arrays indexed by replicate and sender-contact pair (``r * P + p``), by
replicate, sender and agent (``(r * S + s) * N + i``, awareness and sharing), and, for
annoyance, by replicate and *contact slot* (``r * M + c``): only the M people some sender
messages directly can ever be annoyed, so their annoyance, threshold and last-read hour are
kept for them alone (a million-node graph with a few thousand contacts stays small).

Work is event-driven: a message that will be read, or a share that a connection will see, is
queued for its hour as one packed integer key (numpy), and each hour hands the events due then,
all replicates at once, to a compiled pass (``sim.engine.kernels``, numba) that applies the rules one
event after the other in queue order. No Python loop runs over agents, events or replicates.
A sharer's audience is drawn by geometric skips over its connections (each one sees the post
independently with the sharer's exposure probability), so the work grows with the number of
people who see a post, not with the sharer's degree. With no read delay, a whole hour's
cascade runs in one compiled pass; ``run()`` jumps over hours in which nothing can happen.

Random numbers are keyed draws (``sim.engine.draws``): each replicate has a 64-bit key, and
every decision draws from a hash of that key and of who the decision is about (the person,
the sender, the message's number m among the sender's messages to that contact, the sharer),
so a replicate's numbers do not depend on the batch it runs in, and replicate r of two
strategies meets the same thresholds and the same dice for the same decisions.

Order within an hour: the strategies' sends, then reads of the sender's messages, then
exposures to shares (repeated while zero-delay events appear), then the platform rule.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from sim import metrics
from sim.engine import draws
from sim.engine.kernels import (KERNEL_COUNTERS, audience, deliver, read_messages, see_shares,
                                spread_now)
from sim.engine.scenario import Scenario
from sim.network import Network
from sim.rules.population import PERSONAL
from sim.rules.strategies import Send, SenderView
from sim.units import MINUTES_PER_HOUR

# Per-sender counters summed over events: the registry's counter metrics, then the effort in
# minutes (reported as the metric effort_hours).
COUNTERS = (*metrics.COUNTERS, "effort_minutes")
# Cumulative series recorded every hour (per replicate, mean over senders); the risk last.
SERIES = metrics.names(metrics.SERIES)
_C = {name: i for i, name in enumerate(COUNTERS)}
_SERIES_ROWS = [_C[name] for name in SERIES if name != metrics.RISK]
_KERNEL_ROWS = tuple(_C[name] for name in KERNEL_COUNTERS)


@dataclass
class BatchResult:
    metrics: dict[str, np.ndarray]  # name -> (R,)
    series: np.ndarray  # (H, len(SERIES), R) float32
    extra: dict = field(default_factory=dict)


def _per_sharer(x, n: int, dtype) -> np.ndarray:
    x = np.asarray(x, dtype=dtype)
    return np.full(n, x, dtype=dtype) if x.ndim == 0 else np.ascontiguousarray(x)


def sample_audience(net: Network, nodes: np.ndarray, p, keys, senders=0, exclude=None, base=None,
                    delay: tuple = (draws.CONSTANT, 0.0, 0.0, 0.0)) -> tuple[np.ndarray, np.ndarray]:
    """Who sees each sharer's post: each connection v of ``nodes[i]`` independently with
    probability ``p[i]``, never ``exclude[i]`` (the message's sender); returned as the keys
    ``base[i] + v`` (base 0: the viewer nodes), grouped by sharer, and the hours after the post
    at which each sees it (``delay``: ``draws.delay_params`` of the read delay; default 0).

    ``keys[i]`` is the replicate key and ``senders[i]`` the sender node of sharer i's post (a
    scalar for all): its audience is drawn from the stream (replicate, sharer, sender), so
    a sharer reaches the same people whoever else shares in the same call.

    Geometric skips (compiled, ``sim.engine.kernels.audience``): the work grows with the number who
    see the post, not with the sharer's degree. p = 1 gives every connection, p = 0 none.
    """
    n = len(nodes)
    nodes = np.ascontiguousarray(nodes, dtype=np.int64)
    p = _per_sharer(p, n, float)
    keys = _per_sharer(keys, n, np.uint64)
    senders = _per_sharer(senders, n, np.int64)
    exclude = _per_sharer(-1 if exclude is None else exclude, n, np.int64)
    base = _per_sharer(0 if base is None else base, n, np.int64)
    delay = (int(delay[0]), float(delay[1]), float(delay[2]), float(delay[3]))
    chunks, hours, i = [], [], 0
    while i < n:
        k, h, i = audience(keys, senders, net.indptr, net.indices, nodes, p, exclude, base, i, delay)
        chunks.append(k)
        hours.append(h)
    if len(chunks) == 1:
        return chunks[0], hours[0]
    if not chunks:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(chunks), np.concatenate(hours)


def as_replicate_keys(keys, n_replicates: int) -> np.ndarray:
    """The engine's replicate keys: an array of one uint64 key per replicate, or a replicate
    seed (an int or a numpy SeedSequence) for replicates 0 .. n - 1 of a run with that
    ``replicate_seed`` (``draws.replicate_keys``)."""
    if isinstance(keys, np.random.Generator):
        raise TypeError("Engine takes replicate keys or a replicate seed, not a numpy Generator "
                        "(its numbers are keyed draws: sim/engine/draws.py)")
    if isinstance(keys, (int, np.integer, np.random.SeedSequence)):
        return draws.replicate_keys(keys, 0, n_replicates)
    keys = np.ascontiguousarray(keys, dtype=np.uint64)
    if keys.shape != (n_replicates,):
        raise ValueError(f"expected {n_replicates} replicate keys, got shape {keys.shape}")
    return keys


class Engine:
    """One batch of replicates; ``step()`` advances one hour, ``run()`` to the horizon."""

    # Test hook: called as on_deliver(hour, sender, replicates, pairs) with the messages
    # actually delivered (after suspension and unfollow filtering); None in normal runs.
    on_deliver = None

    def __init__(self, scenario: Scenario, n_replicates: int, keys, record_series: bool = True):
        """``keys``: one uint64 key per replicate (``sim.engine.scenario.replicate_keys`` of a
        run), or a replicate seed for replicates 0 .. n_replicates - 1 (``as_replicate_keys``)."""
        sc = self.sc = scenario
        pop = sc.population
        self.keys = as_replicate_keys(keys, n_replicates)
        self.R, self.S, self.N, self.P = n_replicates, pop.n_senders, pop.n_agents, pop.n_pairs
        self.H = int(sc.horizon_hours)
        R, S, N, P = self.R, self.S, self.N, self.P
        self.hour = 0
        # people some sender messages directly: the only ones whose annoyance can rise
        self.contact_nodes, self.pair_slot = np.unique(pop.pair_contact, return_inverse=True)
        self.M = M = len(self.contact_nodes)
        self.pair_slot = self.pair_slot.astype(np.int64)
        # thresholds: lognormal(ln median, sigma) from (replicate, person)
        if pop.threshold_sigma == 0:
            self.contact_threshold = np.full(R * M, float(pop.threshold_median))
        else:
            u = draws.uniform_grid(self.keys, draws.THRESHOLD, self.contact_nodes.astype(np.int64))
            self.contact_threshold = draws.lognormals(
                u.ravel(), np.log(pop.threshold_median), float(pop.threshold_sigma))
        self.contact_annoyance = np.zeros(R * M)
        self.contact_annoyance_hour = np.zeros(R * M, dtype=np.int64)
        self.contact_annoyed = np.zeros(R * M, dtype=bool)
        self.aware = np.zeros(R * S * N, dtype=bool)
        self.shared = np.zeros(R * S * N, dtype=bool)
        self.unfollowed = np.zeros(R * P, dtype=bool)
        # messages each sender delivered to each contact so far: the next one's number m
        self.sent = np.zeros(R * P, dtype=np.int32)
        # a read event packs (m << shifts[1]) | (r << shifts[0]) | (pair << 1) | kind (bit
        # fields, so that unpacking needs no division)
        pair_bits = max(1, int(2 * P - 1).bit_length())
        self._shifts = (pair_bits, pair_bits + max(1, int(R - 1).bit_length()))
        self.pair_annoyed = np.zeros(R * P, dtype=bool)
        self.pair_reported = np.zeros(R * P, dtype=bool)
        self.suspended = np.zeros(R * S, dtype=bool)
        self.suspension_hour = np.full(R * S, -1, dtype=np.int64)
        self.counts = np.zeros((len(COUNTERS), R * S))
        self.count = {k: self.counts[i] for i, k in enumerate(COUNTERS)}  # views of the rows
        # cumulative reports and deliveries at the end of each hour, for rolling windows
        self.reports_hist = np.zeros((self.H, R * S), dtype=np.int32)
        self.delivered_hist = np.zeros((self.H, R * S), dtype=np.int32)
        # pending events by hour: reads as above, sees key (r * S + s) * N + node
        self.reads: dict[int, list] = defaultdict(list)
        self.sees: dict[int, list] = defaultdict(list)
        self.record_series = record_series
        self.series = np.zeros((self.H, len(SERIES), R), dtype=np.float32) if record_series else None
        self._changed = True  # counters or suspensions moved since the last recorded hour
        self.sender_nodes = pop.senders
        # per pair, indexed by (pair << 1) | kind: annoyance increment and share probability
        self._inc = np.stack([pop.annoyance_generic, pop.annoyance_personal], axis=1).ravel()
        self._share = np.stack([pop.share_generic, pop.share_personal], axis=1).ravel()
        self._pair_sender_node = pop.senders[pop.pair_sender].astype(np.int64)
        self._pair_contact = pop.pair_contact.astype(np.int64)
        self._pair_arrays = (self.pair_slot, pop.pair_sender.astype(np.int64), self._pair_sender_node,
                             self._pair_contact, pop.close.astype(bool),
                             pop.tie_strength.astype(float), pop.report_prob.astype(float),
                             pop.unfollow_prob.astype(float))
        self._pair_kind_arrays = (self._inc.astype(float), self._share.astype(float))
        self._delay = draws.delay_params(pop.read_delay)
        self._read_prob = np.ascontiguousarray(pop.read_prob, dtype=float)
        # read delays always 0 (constant, or mean 0): shares are seen the same hour
        self._max_degree = int(sc.network.degree().max(initial=0))
        self._same_hour = bool(self._delay[0] == draws.CONSTANT and np.rint(self._delay[1]) == 0)
        self._sort_hours = np.int16 if self.H < np.iinfo(np.int16).max else np.int64
        # strategies and the hours at which each sender may act
        self.strategies = [sc.strategy_factory() for _ in range(S)]
        self.schedule: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for s, strat in enumerate(self.strategies):
            start = int(round(sc.start_hours[s]))
            for rel in strat.send_hours(self.sender_view(s), self.H):
                t = start + int(rel)
                if 0 <= t < self.H:
                    self.schedule[t].append((s, int(rel)))

    # ------------------------------------------------------------------ per-agent views

    def _per_agent(self, values: np.ndarray, fill) -> np.ndarray:
        out = np.full((self.R, self.N), fill, dtype=values.dtype)
        out[:, self.contact_nodes] = values.reshape(self.R, self.M)
        return out.ravel()

    @property
    def threshold(self) -> np.ndarray:
        """(R * N) annoyance thresholds; NaN for people no sender messages (never in play)."""
        return self._per_agent(self.contact_threshold, np.nan)

    @property
    def annoyance(self) -> np.ndarray:
        """(R * N) annoyance at each person's last read of a sender message."""
        return self._per_agent(self.contact_annoyance, 0.0)

    # ------------------------------------------------------------------ views

    def sender_view(self, s: int) -> SenderView:
        """What sender s's strategy may see of its standing in each replicate."""
        pop, R, S = self.sc.population, self.R, self.S
        sl = pop.contacts_of(s)
        idx = np.arange(R) * S + s
        sender_node = int(pop.senders[s])
        contact_nodes = pop.pair_contact[sl].astype(np.int64)

        def reports_in_last(hours: int) -> np.ndarray:
            return self._window(self.count["reports"], self.reports_hist, int(hours))[idx]

        def unfollowed() -> np.ndarray:
            return self.unfollowed.reshape(R, self.P)[:, sl]

        def uniforms(stream: int = 0) -> np.ndarray:
            return draws.uniform_grid(self.keys, draws.ORDER, contact_nodes, sender_node, int(stream))

        return SenderView(
            n_contacts=sl.stop - sl.start, tie_strength=pop.tie_strength[sl], n_replicates=R,
            uniforms=uniforms, suspended=self.suspended[idx], reports_in_last=reports_in_last,
            unfollowed=unfollowed,
        )

    def _window(self, total: np.ndarray, hist: np.ndarray, hours: int) -> np.ndarray:
        """Counts in the window of `hours` ending with the current hour."""
        before = self.hour - hours
        return total - hist[before] if before >= 0 else total.copy()

    # ------------------------------------------------------------------ the hour

    def step(self) -> None:
        t = self.hour
        for s, rel in self.schedule.pop(t, []):
            view = self.sender_view(s)
            for send in self.strategies[s].sends(rel, view):
                self._deliver(s, send, t)
        reads, sees = self.reads, self.sees
        while t in reads or t in sees:
            if t in reads:
                batch = reads.pop(t)
                self._process_reads(t, batch[0] if len(batch) == 1 else np.concatenate(batch))
            if t in sees:
                batch = sees.pop(t)
                self._process_sees(t, batch[0] if len(batch) == 1 else np.concatenate(batch))
        self._platform(t)
        self.reports_hist[t] = self.counts[_C["reports"]]
        self.delivered_hist[t] = self.counts[_C["messages_sent"]]
        if self.record_series:
            self._record(t)
        self.hour += 1

    def run(self, progress=None) -> BatchResult:
        while self.hour < self.H:
            t = self.hour
            if self._quiet(t):  # nothing due for a while: record those hours in one go
                until = self._next_event(t)
                self._fast_forward(t, until)
                if progress is not None:
                    progress(until - t)
                continue
            self.step()
            if progress is not None:
                progress(1)
        return self.result()

    def _quiet(self, t: int) -> bool:
        """No sends, reads or sightings due at t, and the platform rule cannot fire without a
        new report (count rule: the window only loses reports; rate rule: no report yet)."""
        if t in self.schedule or t in self.reads or t in self.sees:
            return False
        rule = self.sc.platform.rule
        return rule != "rate" or not self.counts[_C["reports"]].any()

    def _next_event(self, t: int) -> int:
        pending = [h for q in (self.schedule, self.reads, self.sees) for h in q if h > t]
        return min(min(pending, default=self.H), self.H)

    def _fast_forward(self, t: int, until: int) -> None:
        """Hours t .. until - 1 in which nothing happens: same counts, same records."""
        self.reports_hist[t:until] = self.counts[_C["reports"]]
        self.delivered_hist[t:until] = self.counts[_C["messages_sent"]]
        if self.record_series:
            self._record(t)
            self.series[t + 1:until] = self.series[t]
        self.hour = until

    # ------------------------------------------------------------------ sends

    def _deliver(self, s: int, send: Send, t: int) -> None:
        pop, R, S, P = self.sc.population, self.R, self.S, self.P
        active = ~self.suspended[np.arange(R) * S + s]
        if send.replicates is not None:
            active &= np.asarray(send.replicates, dtype=bool)
        act = np.flatnonzero(active)
        if len(act) == 0:
            return
        ranks = np.asarray(send.ranks, dtype=np.int64)
        if ranks.ndim == 1:
            r = np.repeat(act, len(ranks))
            rk = np.tile(ranks, len(act))
        else:
            rows = ranks[act]
            r = np.repeat(act, rows.shape[1])
            rk = rows.ravel()
            keep = rk >= 0
            r, rk = r[keep], rk[keep]
        pair = pop.pair_offset[s] + rk
        follows = ~self.unfollowed[r * P + pair]
        if not follows.all():
            r, pair = r[follows], pair[follows]
        if self.on_deliver is not None:
            self.on_deliver(t, s, r, pair)
        n_by = np.bincount(r, minlength=R) if S == 1 else np.bincount(r * S + s, minlength=R * S)
        self.count["messages_sent"] += n_by
        if send.kind == PERSONAL:
            self.count["personal_notes"] += n_by
        self.count["effort_minutes"][act * S + s] += send.minutes
        self.count["effort_minutes"] += send.minutes_each * n_by
        self._changed = True
        events, at = deliver(self.keys, t, self.H, r.astype(np.int64, copy=False),
                             pair.astype(np.int64, copy=False), int(send.kind), P, self._shifts,
                             self._pair_contact, self._pair_sender_node, self._read_prob, self.sent,
                             self._delay)
        self._queue(self.reads, at, events)

    def _queue(self, queue: dict, hours: np.ndarray, keys: np.ndarray) -> None:
        """File each event under its hour, keeping the order of arrival within an hour."""
        due = hours < self.H
        if not due.all():
            hours, keys = hours[due], keys[due]
        if len(hours) == 0:
            return
        first = hours[0]
        if (hours == first).all():
            queue[int(first)].append(keys)
            return
        order = np.argsort(hours.astype(self._sort_hours), kind="stable")
        hours, keys = hours[order], keys[order]
        cut = np.flatnonzero(hours[1:] != hours[:-1]) + 1
        bounds = [0, *cut.tolist(), len(keys)]
        for h, a, b in zip(hours[bounds[:-1]].tolist(), bounds[:-1], bounds[1:]):
            queue[h].append(keys[a:b])

    # ------------------------------------------------------------------ reads, word of mouth

    def _process_reads(self, t: int, keys: np.ndarray) -> None:
        """Sender messages read this hour, one after the other in queue order (two reads by
        one person in one hour, from two senders or a note and a generic, add up in turn)."""
        sharers = read_messages(
            self.keys, t, keys, self._shifts, float(self.sc.half_life_hours),
            (self.P, self.M, self.N, self.S), self._pair_arrays, self._pair_kind_arrays,
            (self.contact_annoyance, self.contact_annoyance_hour, self.contact_threshold,
             self.contact_annoyed, self.aware, self.shared, self.unfollowed, self.pair_annoyed,
             self.pair_reported),
            self.counts, _KERNEL_ROWS)
        self._changed = True
        self._start_shares(t, sharers)

    def _process_sees(self, t: int, keys: np.ndarray) -> None:
        """Shares seen this hour: the newly aware pass it on with their word-of-mouth chance."""
        pop = self.sc.population
        sharers = see_shares(self.keys, keys, self.N, self.S, self.sender_nodes,
                             pop.share_word_of_mouth, self.aware, self.shared, self.counts,
                             _KERNEL_ROWS)
        self._changed = True
        self._start_shares(t, sharers)

    def _start_shares(self, t: int, skey: np.ndarray) -> None:
        """Each sharer posts once; each connection sees it with the sharer's exposure
        probability after its own read delay. The sender of the message is not counted.
        With no read delay the whole cascade of this hour runs in one compiled pass."""
        if len(skey) == 0:
            return
        net, pop, N = self.sc.network, self.sc.population, self.N
        rs = skey // N
        node = skey - rs * N
        exclude = self.sender_nodes[rs % self.S]
        if self._same_hour:
            self._changed = True
            top = self._max_degree + (1 << 16)
            while len(rs):
                rs, node, exclude = spread_now(
                    self.keys, self.S, self.sender_nodes, rs, node, exclude, len(rs) + top, N,
                    net.indptr, net.indices, pop.exposure, pop.share_word_of_mouth, self.aware,
                    self.shared, self.counts, _KERNEL_ROWS)
            return
        keys, hours = sample_audience(net, node, pop.exposure[node], self.keys[rs // self.S],
                                      senders=exclude, exclude=exclude, base=rs * N,
                                      delay=self._delay)
        self._queue(self.sees, t + hours, keys)

    # ------------------------------------------------------------------ platform, records

    def _platform(self, t: int) -> None:
        rule = self.sc.platform
        if rule.rule == "none":
            return
        # both rules need at least one report in the window (max_reports is positive)
        if not self.counts[_C["reports"]].any():
            return
        live = ~self.suspended
        if not live.any():
            return
        w = rule.window_hours
        reps = self._window(self.count["reports"], self.reports_hist, w)
        dels = self._window(self.count["messages_sent"], self.delivered_hist, w)
        hit = live & rule.violated(reps, dels)
        if hit.any():
            self.suspended[hit] = True
            self.suspension_hour[hit] = t
            self._changed = True

    def _per_replicate(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(self.R, self.S).mean(axis=1)

    def _record(self, t: int) -> None:
        if not self._changed and t > 0:
            self.series[t] = self.series[t - 1]
            return
        R, S = self.R, self.S
        rows = self.counts[_SERIES_ROWS]
        if S == 1:
            self.series[t, :-1] = rows
            self.series[t, -1] = self.suspended
        else:
            self.series[t, :-1] = rows.reshape(len(rows), R, S).mean(axis=2)
            self.series[t, -1] = self._per_replicate(self.suspended.astype(float))
        self._changed = False

    def result(self) -> BatchResult:
        m = {k: self._per_replicate(v) for k, v in self.count.items() if k != "effort_minutes"}
        m["effort_hours"] = self._per_replicate(self.count["effort_minutes"]) / MINUTES_PER_HOUR
        m["people_annoyed"] = self.contact_annoyed.reshape(self.R, self.M).sum(axis=1).astype(float)
        m["suspended"] = self._per_replicate(self.suspended.astype(float))
        first = self.suspension_hour.reshape(self.R, self.S)[:, 0]
        m["suspension_hour"] = np.where(first >= 0, first, np.nan).astype(float)
        return BatchResult(metrics={name: m[name] for name in metrics.names()}, series=self.series)
