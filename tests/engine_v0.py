"""The engine as it was before the speed work (commit bc4a0bb), kept only as the reference for
tests/test_engine_exact.py: the optimised engine must give the same numbers in deterministic cases.

Original docstring: the batched engine: R replicates of one scenario advanced together, hour by hour.

State lives in flat arrays indexed by replicate and agent (``r * N + i``), by replicate,
sender and agent (``(r * S + s) * N + i``) or by replicate and sender-contact pair
(``r * P + p``). Work is event-driven: a message that will be read, or a share that a
connection will see, is queued for its hour, and each hour touches only the events due then,
all replicates at once. No Python loop runs over agents or replicates.

Order within an hour: the strategies' sends, then reads of the sender's messages, then
exposures to shares (repeated while zero-delay events appear), then the platform rule.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from sim.network import Network
from sim.network.graph import index_ranges as _ranges
from sim.rules.platform_rules import PlatformRule
from sim.rules.population import GENERIC, PERSONAL, Population
from sim.rules.strategies import Send, SenderView

# Per-sender counters summed over events; each becomes a per-replicate metric.
COUNTERS = (
    "reach", "supporters", "direct_supporters", "unfollows", "unfollows_weighted",
    "close_ties_lost", "annoyed", "close_ties_annoyed", "reports", "messages_sent",
    "personal_notes", "effort_minutes",
)
# Cumulative series recorded every hour (per replicate, mean over senders).
SERIES = ("reach", "supporters", "unfollows", "close_ties_lost", "reports", "messages_sent", "suspended")


@dataclass
class Scenario:
    """Everything a batch needs, built once per run."""

    network: Network
    population: Population
    strategy_factory: callable  # () -> a fresh Strategy (one per sender per batch)
    platform: PlatformRule
    horizon_hours: int
    half_life_hours: float
    start_hours: np.ndarray  # (S,) hour each sender starts its strategy


@dataclass
class BatchResult:
    metrics: dict[str, np.ndarray]  # name -> (R,)
    series: np.ndarray  # (H, len(SERIES), R) float32
    extra: dict = field(default_factory=dict)


class Engine:
    """One batch of replicates; ``step()`` advances one hour, ``run()`` to the horizon."""

    def __init__(self, scenario: Scenario, n_replicates: int, rng: np.random.Generator,
                 record_series: bool = True):
        sc = self.sc = scenario
        pop, net = sc.population, sc.network
        self.rng = rng
        self.R, self.S, self.N, self.P = n_replicates, pop.n_senders, pop.n_agents, pop.n_pairs
        self.H = int(sc.horizon_hours)
        R, S, N, P = self.R, self.S, self.N, self.P
        self.hour = 0
        self.threshold = pop.draw_thresholds(rng, R)
        self.annoyance = np.zeros(R * N)
        self.annoyance_hour = np.zeros(R * N, dtype=np.int64)
        self.person_annoyed = np.zeros(R * N, dtype=bool)
        self.aware = np.zeros(R * S * N, dtype=bool)
        self.shared = np.zeros(R * S * N, dtype=bool)
        self.unfollowed = np.zeros(R * P, dtype=bool)
        self.pair_annoyed = np.zeros(R * P, dtype=bool)
        self.pair_reported = np.zeros(R * P, dtype=bool)
        self.suspended = np.zeros(R * S, dtype=bool)
        self.suspension_hour = np.full(R * S, -1, dtype=np.int64)
        self.count = {k: np.zeros(R * S) for k in COUNTERS}
        # cumulative reports and deliveries at the end of each hour, for rolling windows
        self.reports_hist = np.zeros((self.H, R * S), dtype=np.int32)
        self.delivered_hist = np.zeros((self.H, R * S), dtype=np.int32)
        self.reads: dict[int, list] = defaultdict(list)
        self.sees: dict[int, list] = defaultdict(list)
        self.record_series = record_series
        self.series = np.zeros((self.H, len(SERIES), R), dtype=np.float32) if record_series else None
        self.sender_nodes = pop.senders
        # strategies and the hours at which each sender may act
        self.strategies = [sc.strategy_factory() for _ in range(S)]
        self.schedule: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for s, strat in enumerate(self.strategies):
            start = int(round(sc.start_hours[s]))
            for rel in strat.send_hours(self._view(s), self.H):
                t = start + int(rel)
                if 0 <= t < self.H:
                    self.schedule[t].append((s, int(rel)))

    # ------------------------------------------------------------------ views

    def _view(self, s: int) -> SenderView:
        pop, R, S = self.sc.population, self.R, self.S
        sl = pop.contacts_of(s)
        idx = np.arange(R) * S + s

        def reports_in_last(hours: int) -> np.ndarray:
            return self._window(self.count["reports"], self.reports_hist, int(hours))[idx]

        def unfollowed() -> np.ndarray:
            return self.unfollowed.reshape(R, self.P)[:, sl]

        return SenderView(
            n_contacts=sl.stop - sl.start, tie_strength=pop.tie_strength[sl], n_replicates=R,
            rng=self.rng, suspended=self.suspended[idx], reports_in_last=reports_in_last,
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
            view = self._view(s)
            for send in self.strategies[s].sends(rel, view):
                self._deliver(s, send, t)
        while self.reads.get(t) or self.sees.get(t):
            if self.reads.get(t):
                batch = self.reads.pop(t)
                self._process_reads(t, *(np.concatenate(c) for c in zip(*batch)))
            if self.sees.get(t):
                batch = self.sees.pop(t)
                self._process_sees(t, *(np.concatenate(c) for c in zip(*batch)))
        self._platform(t)
        self.reports_hist[t] = self.count["reports"]
        self.delivered_hist[t] = self.count["messages_sent"]
        if self.record_series:
            self._record(t)
        self.hour += 1

    def run(self, progress=None) -> BatchResult:
        while self.hour < self.H:
            self.step()
            if progress is not None:
                progress(1)
        return self.result()

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
        ok = ~self.unfollowed[r * P + pair]
        r, pair = r[ok], pair[ok]
        rs = r * S + s
        n_by = np.bincount(rs, minlength=R * S)
        self.count["messages_sent"] += n_by
        if send.kind == PERSONAL:
            self.count["personal_notes"] += n_by
        self.count["effort_minutes"][act * S + s] += send.minutes
        self.count["effort_minutes"] += send.minutes_each * n_by
        read = self.rng.random(len(pair)) < pop.read_prob[pair]
        r, pair = r[read], pair[read]
        at = t + pop.read_delay.draw(self.rng, len(pair))
        kind = np.full(len(pair), send.kind, dtype=np.int8)
        self._queue(self.reads, at, r, pair, kind)

    def _queue(self, queue: dict, hours: np.ndarray, *cols: np.ndarray) -> None:
        due = hours < self.H
        if not due.all():
            hours = hours[due]
            cols = tuple(c[due] for c in cols)
        if len(hours) == 0:
            return
        order = np.argsort(hours, kind="stable")
        hours = hours[order]
        cols = tuple(c[order] for c in cols)
        uniq, starts = np.unique(hours, return_index=True)
        ends = np.append(starts[1:], len(hours))
        for h, a, b in zip(uniq.tolist(), starts.tolist(), ends.tolist()):
            queue[h].append(tuple(c[a:b] for c in cols))

    # ------------------------------------------------------------------ reads

    def _process_reads(self, t, r, pair, kind) -> None:
        """Sender messages read this hour. Two reads by one person in one hour (two senders,
        or a note and a generic) are applied one after the other, in queue order."""
        pop = self.sc.population
        node = pop.pair_contact[pair]
        akey = r * self.N + node
        order = np.argsort(akey, kind="stable")
        sk = akey[order]
        first = np.r_[True, sk[1:] != sk[:-1]]
        group_start = np.maximum.accumulate(np.where(first, np.arange(len(sk)), 0))
        rnd = np.empty(len(sk), dtype=np.int64)
        rnd[order] = np.arange(len(sk)) - group_start
        for k in range(int(rnd.max()) + 1 if len(rnd) else 0):
            m = rnd == k
            self._read_round(t, r[m], pair[m], kind[m], node[m], akey[m])

    def _read_round(self, t, r, pair, kind, node, akey) -> None:
        pop, S, N, P = self.sc.population, self.S, self.N, self.P
        s = pop.pair_sender[pair]
        decay = np.exp2(-(t - self.annoyance_hour[akey]) / self.sc.half_life_hours)
        inc = np.where(kind == GENERIC, pop.annoyance_generic[pair], pop.annoyance_personal[pair])
        a = self.annoyance[akey] * decay + inc
        self.annoyance[akey] = a
        self.annoyance_hour[akey] = t
        annoyed = a > self.threshold[akey]
        rs = r * S + s
        skey = rs * N + node
        self._make_aware(rs, skey)
        u = self.rng.random((3, len(pair)))
        rp = r * P + pair
        # annoyed: count once per pair, maybe report, maybe unfollow
        first = annoyed & ~self.pair_annoyed[rp]
        self.pair_annoyed[rp[first]] = True
        self.person_annoyed[akey[annoyed]] = True
        self._add("annoyed", rs[first])
        self._add("close_ties_annoyed", rs[first & pop.close[pair]])
        report = annoyed & (u[0] < pop.report_prob[pair]) & ~self.pair_reported[rp]
        self._add("reports", rs[report])
        self.pair_reported[rp[report]] = True
        unf = annoyed & (u[1] < pop.unfollow_prob[pair]) & ~self.unfollowed[rp]
        self.unfollowed[rp[unf]] = True
        self._add("unfollows", rs[unf])
        self._add("unfollows_weighted", rs[unf], pop.tie_strength[pair[unf]])
        self._add("close_ties_lost", rs[unf & pop.close[pair]])
        # not annoyed: maybe becomes a supporter and shares once
        p_share = np.where(kind == GENERIC, pop.share_generic[pair], pop.share_personal[pair])
        share = ~annoyed & (u[2] < p_share) & ~self.shared[skey]
        self._add("direct_supporters", rs[share])
        self._start_shares(t, r[share], s[share], node[share], skey[share], rs[share])

    # ------------------------------------------------------------------ word of mouth

    def _process_sees(self, t, r, s, node) -> None:
        rs = r * self.S + s
        skey = rs * self.N + node
        _, first = np.unique(skey, return_index=True)
        r, s, node, rs, skey = r[first], s[first], node[first], rs[first], skey[first]
        new = ~self.aware[skey]
        r, s, node, rs, skey = r[new], s[new], node[new], rs[new], skey[new]
        self._make_aware(rs, skey)
        share = (self.rng.random(len(node)) < self.sc.population.share_word_of_mouth[node]) & ~self.shared[skey]
        self._start_shares(t, r[share], s[share], node[share], skey[share], rs[share])

    def _make_aware(self, rs, skey) -> None:
        new = ~self.aware[skey]
        self.aware[skey[new]] = True
        self._add("reach", rs[new])

    def _start_shares(self, t, r, s, node, skey, rs) -> None:
        """Each sharer posts once; each connection sees it with the sharer's exposure
        probability after its own read delay. The sender of the message is not counted."""
        if len(node) == 0:
            return
        net, pop = self.sc.network, self.sc.population
        self.shared[skey] = True
        self._add("supporters", rs)
        starts, ends = net.indptr[node], net.indptr[node + 1]
        deg = ends - starts
        viewer = net.indices[_ranges(starts, ends)].astype(np.int64)
        rr, ss, p = np.repeat(r, deg), np.repeat(s, deg), np.repeat(pop.exposure[node], deg)
        seen = (self.rng.random(len(viewer)) < p) & (viewer != self.sender_nodes[ss])
        viewer, rr, ss = viewer[seen], rr[seen], ss[seen]
        at = t + pop.read_delay.draw(self.rng, len(viewer))
        self._queue(self.sees, at, rr, ss, viewer)

    def _add(self, name: str, rs: np.ndarray, weights: np.ndarray | None = None) -> None:
        if len(rs):
            self.count[name] += np.bincount(rs, weights=weights, minlength=self.R * self.S)

    # ------------------------------------------------------------------ platform, records

    def _platform(self, t: int) -> None:
        rule = self.sc.platform
        if rule.rule == "none":
            return
        live = ~self.suspended
        if not live.any():
            return
        w = rule.window_hours
        reps = self._window(self.count["reports"], self.reports_hist, w)
        dels = self._window(self.count["messages_sent"], self.delivered_hist, w)
        hit = live & rule.violated(reps, dels)
        self.suspended[hit] = True
        self.suspension_hour[hit] = t

    def _per_replicate(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(self.R, self.S).mean(axis=1)

    def _record(self, t: int) -> None:
        for j, name in enumerate(SERIES):
            x = self.suspended if name == "suspended" else self.count[name]
            self.series[t, j] = self._per_replicate(x.astype(float))

    def result(self) -> BatchResult:
        m = {k: self._per_replicate(v) for k, v in self.count.items() if k != "effort_minutes"}
        m["effort_hours"] = self._per_replicate(self.count["effort_minutes"]) / 60.0
        m["people_annoyed"] = self.person_annoyed.reshape(self.R, self.N).sum(axis=1).astype(float)
        m["suspended"] = self._per_replicate(self.suspended.astype(float))
        first = self.suspension_hour.reshape(self.R, self.S)[:, 0]
        m["suspension_hour"] = np.where(first >= 0, first, np.nan).astype(float)
        return BatchResult(metrics=m, series=self.series)
