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
from sim.rules.platform_rules import PlatformState
from sim.rules.population import PERSONAL, quality_factors
from sim.rules.strategies import Send, SenderView
from sim.units import HOURS_PER_DAY, HOURS_PER_WEEK, MINUTES_PER_HOUR

# Per-sender counters summed over events: the registry's counter metrics, then the effort in
# minutes (reported as the metric effort_hours).
COUNTERS = (*metrics.COUNTERS, "effort_minutes")
# Cumulative series recorded every hour (per replicate, mean over senders); the risk last.
SERIES = metrics.names(metrics.SERIES)
_C = {name: i for i, name in enumerate(COUNTERS)}
# series of counters (rows of the counter matrix) and of a sender's state (0/1 per sender)
_SERIES_COUNTERS = [j for j, name in enumerate(SERIES) if name in _C]
_SERIES_ROWS = [_C[SERIES[j]] for j in _SERIES_COUNTERS]
_SERIES_STATES = [(j, name) for j, name in enumerate(SERIES) if name not in _C]
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


def bytes_per_replicate(scenario: Scenario, record_series: bool = True) -> int:
    """About how much memory one replicate of a batch takes: the state arrays of ``Engine``
    (awareness and sharing per sender and person dominate with many senders), not the events
    in flight. ``sim.engine.simulate`` sizes batches with it."""
    pop, H = scenario.population, int(scenario.horizon_hours)
    S, N, P = pop.n_senders, pop.n_agents, pop.n_pairs
    M = len(np.unique(pop.pair_contact))
    days = H // HOURS_PER_DAY + 1
    per_sender = 2 * N + 2 * 4 * H + 3 * 4 * days + 8 * (len(COUNTERS) + 8)
    per_pair = 1 + 4 + 1 + 1 + 8
    per_contact = 8 * 5 + 1
    series = 4 * H * len(SERIES) if record_series else 0
    return S * per_sender + P * per_pair + M * per_contact + series


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
        # recent asks each person received (rule 0, fatigue), as of recent_hour
        # (single precision: a count of a few asks needs no more, and half the memory is half
        # the pages the first deliveries must touch)
        self.recent = np.zeros(R * M, dtype=np.float32)
        self.recent_hour = np.zeros(R * M, dtype=np.int32)
        self.pair_goodwill = np.zeros(R * P)  # rule 5: set when the pair's note is read
        self.aware = np.zeros(R * S * N, dtype=bool)
        self.shared = np.zeros(R * S * N, dtype=bool)
        self.unfollowed = np.zeros(R * P, dtype=bool)
        # messages each sender delivered to each contact so far: the next one's number m
        self.sent = np.zeros(R * P, dtype=np.int32)
        # a read event packs (m << shifts[2]) | (delivery hour << shifts[1]) | (r << shifts[0])
        # | (pair << 1) | kind (bit fields, so that unpacking needs no division)
        pair_bits = max(1, int(2 * P - 1).bit_length())
        hour_shift = pair_bits + max(1, int(R - 1).bit_length())
        self._hb = max(1, int(self.H).bit_length())  # bits of an hour (a message's delivery hour)
        self._shifts = (pair_bits, hour_shift, hour_shift + self._hb)
        self.pair_annoyed = np.zeros(R * P, dtype=bool)
        self.pair_reported = np.zeros(R * P, dtype=bool)
        # restrictions, by sender index r * S + s (docs/MODEL.md, Platform rules)
        self.suspended = np.zeros(R * S, dtype=bool)  # restricted for good
        self.suspension_hour = np.full(R * S, -1, dtype=np.int64)
        # first hour it may send again: its last lift (reports before it are spent), or a lift
        # to come; int64 max when suspended
        self.restricted_until = np.zeros(R * S, dtype=np.int64)
        self.restrictions = np.zeros(R * S, dtype=np.int64)
        self.restricted_hours = np.zeros(R * S)
        self.restriction_hour = np.full(R * S, -1, dtype=np.int64)  # the first one's
        # hours a sender's strategy runs behind its plan: the restrictions imposed so far (a
        # restriction's whole length is added when it is imposed: a send planned at hour h goes
        # out at h + lag, so the strategy carries on where it stopped)
        self.lag = np.zeros(R * S, dtype=np.int64)
        self.restriction_log: list[tuple[int, int, int]] = []  # (sender index, from, until)
        self.enforcement = sc.enforcement
        # a rule asked in every hour, not only in hours with a new report against a sender
        self._rule_every_hour = bool(getattr(sc.platform, "acts_without_reports", False))
        # messages delivered and reports against them, by the calendar day of delivery
        days = self.H // HOURS_PER_DAY + 1
        self.day_delivered = np.zeros((R * S, days), dtype=np.int32)
        self.day_reports = np.zeros((R * S, days), dtype=np.int32)
        # replies so far to the messages delivered that day (not spent by a restriction: the
        # response_rate rule counts only days starting at or after the last lift)
        self.day_replies = np.zeros((R * S, days), dtype=np.int32)
        self._hour_reports: list[np.ndarray] = []  # this hour's reports: (r*S+s) << hb | delivery hour
        # messages held back by a volume cap: [sender, replicates, pairs, kind, minutes each,
        # earliest hour]
        self.outbox: list[list] = []
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
        # per pair, indexed by (pair << 1) | kind: annoyance increment, share and reply chances,
        # each message kind's quality applied (rule 6), and read chance
        (chance_g, annoy_g), (chance_p, annoy_p) = (quality_factors(q) for q in sc.quality)

        def by_kind(generic, personal, fg=1.0, fp=1.0, cap=False):
            x = np.stack([fg * np.asarray(generic, float), fp * np.asarray(personal, float)],
                         axis=1).ravel()
            return np.minimum(x, 1.0) if cap else x

        self._inc = by_kind(pop.annoyance_generic, pop.annoyance_personal, annoy_g, annoy_p)
        self._share = by_kind(pop.share_generic, pop.share_personal, chance_g, chance_p, cap=True)
        self._reply = by_kind(pop.reply_generic, pop.reply_personal, chance_g, chance_p, cap=True)
        self._read_prob = by_kind(pop.read_prob, pop.read_prob_personal)
        hours = np.arange(self.H + 1, dtype=float)
        self._fatigue = (float(pop.fatigue_per_ask), float(pop.fatigue_annoyance_per_ask),
                         np.exp2(-hours / float(pop.fatigue_half_life_hours)))
        self._annoyance_decay = np.exp2(-hours / float(sc.half_life_hours))
        self._hops = np.ascontiguousarray(sc.hops, dtype=np.int8).ravel()
        self._pair_sender_node = pop.senders[pop.pair_sender].astype(np.int64)
        self._pair_contact = pop.pair_contact.astype(np.int64)
        self._pair_arrays = (self.pair_slot, pop.pair_sender.astype(np.int64), self._pair_sender_node,
                             self._pair_contact, pop.close.astype(bool),
                             pop.tie_strength.astype(float), pop.report_prob.astype(float),
                             pop.unfollow_prob.astype(float), pop.goodwill.astype(float))
        self._pair_kind_arrays = (self._inc, self._share, self._reply)
        self._delay = draws.delay_params(pop.read_delay)
        # read delays always 0 (constant, or mean 0): shares are seen the same hour
        self._max_degree = int(sc.network.degree().max(initial=0))
        self._same_hour = bool(self._delay[0] == draws.CONSTANT and np.rint(self._delay[1]) == 0)
        self._sort_hours = np.int16 if self.H < np.iinfo(np.int16).max else np.int64
        # strategies and the hours at which each sender may act: (sender, planned hour relative
        # to its start, the replicates it is for (None: all))
        self.strategies = [sc.strategy_factory() for _ in range(S)]
        self._start = np.array([int(round(h)) for h in sc.start_hours], dtype=np.int64)
        self.schedule: dict[int, list[tuple[int, int, np.ndarray | None]]] = defaultdict(list)
        for s, strat in enumerate(self.strategies):
            for rel in strat.send_hours(self.sender_view(s), self.H):
                t = int(self._start[s]) + int(rel)
                if 0 <= t < self.H:
                    self.schedule[t].append((s, int(rel), None))

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

    def sender_view(self, s: int, active: np.ndarray | None = None) -> SenderView:
        """What sender s's strategy may see of its standing in each replicate; ``active``: the
        replicates this call of the strategy is for (None: all)."""
        pop, R, S = self.sc.population, self.R, self.S
        sl = pop.contacts_of(s)
        idx = np.arange(R) * S + s
        sender_node = int(pop.senders[s])
        contact_nodes = pop.pair_contact[sl].astype(np.int64)
        node_ids = self.sc.network.node_ids  # what a plan file names the contacts by

        def reports_in_last(hours: int) -> np.ndarray:
            return self._window(self.count["reports"], self.reports_hist, int(hours))[idx]

        def unfollowed() -> np.ndarray:
            return self.unfollowed.reshape(R, self.P)[:, sl]

        def uniforms(stream: int = 0) -> np.ndarray:
            return draws.uniform_grid(self.keys, draws.ORDER, contact_nodes, sender_node, int(stream))

        people = getattr(self.sc.network, "people", None)

        def contact_people() -> np.ndarray:
            return people.reindex(contact_nodes)[["name", "url"]].fillna("").astype(str).to_numpy()

        return SenderView(
            n_contacts=sl.stop - sl.start, tie_strength=pop.tie_strength[sl], n_replicates=R,
            uniforms=uniforms, suspended=self.suspended[idx], reports_in_last=reports_in_last,
            unfollowed=unfollowed, active=np.ones(R, dtype=bool) if active is None else active,
            contact_ids=contact_nodes if node_ids is None else node_ids[contact_nodes],
            contact_people=None if people is None else contact_people,
        )

    def _window(self, total: np.ndarray, hist: np.ndarray, hours: int) -> np.ndarray:
        """Counts in the window of `hours` ending with the current hour."""
        before = self.hour - hours
        return total - hist[before] if before >= 0 else total.copy()

    # ------------------------------------------------------------------ the hour

    def step(self) -> None:
        t = self.hour
        if self.outbox:
            self._send_outbox(t)
        for s, rel, mask in self.schedule.pop(t, []):
            self._act(s, rel, mask, t)
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
        """No sends, held messages, reads or sightings due at t, and a rule that acts only on
        a new report (every built-in rule): nothing can happen in this hour."""
        if t in self.schedule or t in self.reads or t in self.sees:
            return False
        if self.outbox and self._outbox_next(t) <= t:
            return False
        return not self._rule_every_hour

    def _next_event(self, t: int) -> int:
        pending = [h for q in (self.schedule, self.reads, self.sees) for h in q if h > t]
        if self.outbox:
            pending.append(self._outbox_next(t + 1))
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

    def _act(self, s: int, rel: int, mask: np.ndarray | None, t: int) -> None:
        """Sender s's strategy acts at its planned hour rel, in the replicates where its clock
        has reached it: planned hour + lag = now. Replicates running behind (a restriction
        was imposed since) are filed again for their own hour."""
        idx = np.arange(self.R) * self.S + s
        live = ~self.suspended[idx]
        if mask is not None:
            live &= mask
        due = self._start[s] + rel + self.lag[idx]
        now = live & (due == t)
        later = live & (due > t)
        if later.any():
            for h in np.unique(due[later]).tolist():
                if h < self.H:
                    self.schedule[h].append((s, rel, later & (due == h)))
        if not now.any():
            return
        view = self.sender_view(s, active=now)
        for send in self.strategies[s].sends(rel, view):
            self._deliver(s, send, t, now)

    def _deliver(self, s: int, send: Send, t: int, active: np.ndarray) -> None:
        """One action of a strategy: its effort, then its messages (to contacts who still
        follow the sender) handed to the post."""
        pop, R, S = self.sc.population, self.R, self.S
        active = active.copy()
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
        self.count["effort_minutes"][act * S + s] += send.minutes
        self._post(s, r, pop.pair_offset[s] + rk, int(send.kind), float(send.minutes_each), t)

    def _post(self, s: int, r: np.ndarray, pair: np.ndarray, kind: int, minutes_each: float,
              t: int) -> None:
        """Deliver messages now (replicates r, pairs pair, in order), as far as the volume caps
        allow; the rest wait in the outbox for the next day or week."""
        pop, R, S, P = self.sc.population, self.R, self.S, self.P
        rp = r * P + pair
        follows = ~self.unfollowed[rp]
        if not follows.all():
            r, pair, rp = r[follows], pair[follows], rp[follows]
        enf = self.enforcement
        if (enf.daily_cap or enf.weekly_cap) and len(r):
            allowed = self._allowance(s, t)
            # place of each message among its replicate's, in the order given
            per = np.bincount(r, minlength=R)
            order = np.argsort(r, kind="stable")
            place = np.empty(len(r), dtype=np.int64)
            place[order] = np.arange(len(r)) - (np.cumsum(per) - per)[r[order]]
            now = place < allowed[r]
            if not now.all():
                day_end = (t // HOURS_PER_DAY + 1) * HOURS_PER_DAY
                self.outbox.append([s, r[~now], pair[~now], kind, minutes_each, day_end])
                r, pair, rp = r[now], pair[now], rp[now]
        if len(r) == 0:
            return
        if self.on_deliver is not None:
            self.on_deliver(t, s, r, pair)
        n_by = np.bincount(r, minlength=R) if S == 1 else np.bincount(r * S + s, minlength=R * S)
        self.count["messages_sent"] += n_by
        if kind == PERSONAL:
            self.count["personal_notes"] += n_by
        self.count["effort_minutes"] += minutes_each * n_by
        self.day_delivered[:, t // HOURS_PER_DAY] += n_by.astype(np.int32)
        self._changed = True
        events, at = deliver(self.keys, t, self.H, r.astype(np.int64, copy=False),
                             pair.astype(np.int64, copy=False), kind, P, self._shifts,
                             self._pair_contact, self._pair_sender_node, self._read_prob, self.sent,
                             self._delay, self._fatigue, self.pair_slot, self.M, self.recent,
                             self.recent_hour)
        self._queue(self.reads, at, events)

    def _allowance(self, s: int, t: int) -> np.ndarray:
        """(R,) messages sender s may still deliver this calendar day and week."""
        enf, idx = self.enforcement, np.arange(self.R) * self.S + s
        out = np.full(self.R, np.iinfo(np.int64).max // 4, dtype=np.int64)
        sent = self.count["messages_sent"]
        for cap, length in ((enf.daily_cap, HOURS_PER_DAY), (enf.weekly_cap, HOURS_PER_WEEK)):
            if cap:
                since = (t // length) * length  # the calendar day's or week's first hour
                so_far = sent - self.delivered_hist[since - 1] if since > 0 else sent
                out = np.minimum(out, cap - so_far[idx].astype(np.int64))
        return np.maximum(out, 0)

    def _send_outbox(self, t: int) -> None:
        """Messages held back by a cap go out first, oldest first, where the sender is free."""
        waiting, self.outbox = self.outbox, []
        for entry in waiting:
            s, r, pair, kind, minutes_each, earliest = entry
            if earliest > t:
                self.outbox.append(entry)
                continue
            rs = r * self.S + s
            gone = self.suspended[rs]
            held = ~gone & (self.restricted_until[rs] > t)
            if held.any():  # until the first of their senders' lifts
                lift = int(self.restricted_until[rs[held]].min())
                self.outbox.append([s, r[held], pair[held], kind, minutes_each, lift])
            go = ~gone & ~held
            if go.any():
                self._post(s, r[go], pair[go], kind, minutes_each, t)

    def _outbox_next(self, t: int) -> int:
        """The first hour >= t at which a held message may go out."""
        return max(t, min(entry[5] for entry in self.outbox))

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
        sharers, reports = read_messages(
            self.keys, t, keys, self._shifts, self._annoyance_decay,
            (self.P, self.M, self.N, self.S), self._pair_arrays, self._pair_kind_arrays,
            (self.contact_annoyance, self.contact_annoyance_hour, self.contact_threshold,
             self.contact_annoyed, self.recent, self.recent_hour, self.aware, self.shared,
             self.unfollowed, self.pair_annoyed, self.pair_reported, self.pair_goodwill,
             self.day_replies),
            self.counts, _KERNEL_ROWS, self._fatigue)
        self._changed = True
        if len(reports):  # by the calendar day their message was delivered (the rate rule)
            mask = (1 << self._hb) - 1
            rs = reports >> self._hb
            live = self.restricted_until[rs] <= t  # reports while restricted are spent at once
            np.add.at(self.day_reports, (rs[live], (reports[live] & mask) // HOURS_PER_DAY), 1)
            self._hour_reports.append(reports)
        self._start_shares(t, sharers)

    def _process_sees(self, t: int, keys: np.ndarray) -> None:
        """Shares seen this hour: the newly aware pass it on with their word-of-mouth chance."""
        pop = self.sc.population
        sharers = see_shares(self.keys, keys, self.N, self.S, self.sender_nodes,
                             pop.share_word_of_mouth, self.aware, self.shared, self.counts,
                             _KERNEL_ROWS, self._hops)
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
                    self.shared, self.counts, _KERNEL_ROWS, self._hops)
            return
        keys, hours = sample_audience(net, node, pop.exposure[node], self.keys[rs // self.S],
                                      senders=exclude, exclude=exclude, base=rs * N,
                                      delay=self._delay)
        self._queue(self.sees, t + hours, keys)

    # ------------------------------------------------------------------ platform, records

    def _platform(self, t: int) -> None:
        """The platform rule at the end of hour t: which free senders it restricts now."""
        rule, RS = self.sc.platform, self.R * self.S
        new = self.counts[_C["reports"]] - (self.reports_hist[t - 1] if t > 0 else 0)
        events = (np.concatenate(self._hour_reports) if self._hour_reports
                  else np.zeros(0, dtype=np.int64))
        self._hour_reports = []
        if not new.any() and not self._rule_every_hour:
            return
        free = ~self.suspended & (self.restricted_until <= t)
        if not free.any():
            return
        calls = [0]  # a rule may ask for uniforms more than once an hour: each call its own
        report_sender = events >> self._hb
        delivery_hour = events & ((1 << self._hb) - 1)

        def reports_in_last(hours: int) -> np.ndarray:
            first = np.maximum(t - int(hours) + 1, self.restricted_until)  # never before a lift
            # a lift still to come (it may lie past the horizon): nothing counts yet
            seen = np.clip(first - 1, 0, max(t - 1, 0))
            before = np.where(first > 0, self.reports_hist[seen, np.arange(RS)], 0)
            return np.where(first <= t, self.count["reports"] - before, 0)

        state = PlatformState(
            hour=t, new_reports=new.astype(np.int64), reports_in_last=reports_in_last,
            delivered_in_last=lambda hours: self._window(self.count["messages_sent"],
                                                         self.delivered_hist, int(hours)),
            report_sender=report_sender, report_delivery_hour=delivery_hour,
            day_reports=self.day_reports, day_delivered=self.day_delivered,
            day_replies=self.day_replies, last_lift=self.restricted_until,
            uniform=lambda: self._platform_uniforms(t, calls))
        hit = np.asarray(rule.restrict(state), dtype=bool) & free
        if not self._rule_every_hour:
            hit &= new > 0  # a rule acts on a sender only in an hour with a new report against it
        if hit.any():
            self._restrict(np.flatnonzero(hit), t)

    def _platform_uniforms(self, t: int, calls: list) -> np.ndarray:
        """(R * S) uniforms for a platform rule's decisions at hour t, keyed by (replicate,
        sender, hour, call): the same in every run that meets the same replicate."""
        calls[0] += 1
        rs = np.arange(self.R * self.S)
        return draws.uniforms(self.keys[rs // self.S], draws.PLATFORM,
                              self.sender_nodes[rs % self.S], t, calls[0])

    def _restrict(self, idx: np.ndarray, t: int) -> None:
        """Restrict senders idx at the end of hour t: the n-th restriction lasts
        restriction_hours[n] hours (from hour t + 1), one past the list is permanent (with
        after_last="repeat": as long as the last one)."""
        ladder = np.asarray(self.enforcement.restriction_hours, dtype=np.int64)
        n = self.restrictions[idx]
        if self.enforcement.after_last == "repeat":
            n = np.minimum(n, len(ladder) - 1)
        permanent = n >= len(ladder)
        hours = np.zeros(len(idx), dtype=np.int64)
        hours[~permanent] = ladder[n[~permanent]]
        self.restrictions[idx] += 1
        self.day_reports[idx] = 0  # the reports so far are spent: none counts again after the lift
        first = self.restriction_hour[idx] < 0
        self.restriction_hour[idx[first]] = t
        temp, perm = idx[~permanent], idx[permanent]
        until = t + 1 + hours[~permanent]
        self.restricted_until[temp] = until
        self.lag[temp] += hours[~permanent]
        self.restricted_hours[temp] += np.minimum(until, self.H) - (t + 1)
        self.suspended[perm] = True
        self.suspension_hour[perm] = t
        self.restricted_until[perm] = np.iinfo(np.int64).max
        self.restricted_hours[perm] += self.H - (t + 1)
        for i, u in zip(idx.tolist(), self.restricted_until[idx].tolist()):
            self.restriction_log.append((i, t + 1, min(u, self.H)))
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
            self.series[t, _SERIES_COUNTERS] = rows
        else:
            self.series[t, _SERIES_COUNTERS] = rows.reshape(len(rows), R, S).mean(axis=2)
        for j, name in _SERIES_STATES:
            self.series[t, j] = self._per_replicate(self.state(name).astype(float))
        self._changed = False

    def state(self, name: str) -> np.ndarray:
        """(R * S) 0/1: a sender's state named by a proportion of the registry (its value at
        the end of a batch, and at each hour for the series)."""
        if name == "suspended":
            return self.suspended
        if name == "restricted":
            return self.restrictions > 0
        raise KeyError(f"no state series {name!r} in the engine (sim/metrics.py names it)")

    def result(self) -> BatchResult:
        m = {k: self._per_replicate(v) for k, v in self.count.items() if k != "effort_minutes"}
        m["effort_hours"] = self._per_replicate(self.count["effort_minutes"]) / MINUTES_PER_HOUR
        m["people_annoyed"] = self.contact_annoyed.reshape(self.R, self.M).sum(axis=1).astype(float)
        m["restrictions"] = self._per_replicate(self.restrictions.astype(float))
        m["restricted_hours"] = self._per_replicate(self.restricted_hours)
        for name in metrics.names(kind=metrics.PROPORTION):  # the share of senders in the state
            m[name] = self._per_replicate(self.state(name).astype(float))
        for name, hour in (("restriction_hour", self.restriction_hour),
                           ("suspension_hour", self.suspension_hour)):
            first = hour.reshape(self.R, self.S)[:, 0]
            m[name] = np.where(first >= 0, first, np.nan).astype(float)
        return BatchResult(metrics={name: m[name] for name in metrics.names()}, series=self.series)
