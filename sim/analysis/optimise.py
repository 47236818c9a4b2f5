"""Which plan to follow: the schedule of notes and generic messages that does best on an
objective under constraints, across what nobody knows exactly (Optuna).

``run(cfg, out)`` does all of it for a composed config (docs/MODEL.md, "Optimising a plan"):

1. **Setup, once.** The network is built once (the plan names its people, so it is the
   network the plan is for: the uncertain ``network.*`` keys are held at the config's values,
   and so is ``strategy.notes_per_day``, the pace the plan keeps). The uncertain keys
   (``uncertainty`` block) are drawn ``optimise.draws`` times by Latin hypercube, each draw with
   its own replicate seed: the *tuning* draws, the same for every trial; a second, independent
   set (new draws, new replicate seeds) is kept apart for the *fresh* check at the end. Each
   draw's scenario (population, platform rule) is built once. The contacts' orders for the note
   selection are computed once: by tie strength, by mutual contacts, and CELF's greedy order.
2. **Trials.** Optuna suggests a decision vector (``suggest``), ``decode`` turns it into plan
   rows (contact, hour, kind), and ``evaluate`` runs them through ``strategy=plan`` (a ``Plan``
   built from the rows in memory, exactly what the written plan file replays) on every tuning
   draw with ``optimise.replicates`` replicates: the objective is the mean over draws and
   replicates, the constraints are means too (``Trial.set_constraint``). TPE by default, seeded;
   ``optimise.sampler=nsga2`` makes the restriction risk a second objective (a Pareto front). The
   study lives in ``study.db`` in the output folder (or ``optimise.storage``): a rerun continues
   it up to ``optimise.trials`` completed trials. The first trials are the four built-in
   strategies written as plans (and notes to everyone a note can reach), so the search starts
   from what a sender would do anyway.
3. **Recommendation.** The best trial that meets the constraints, written as ``plan.csv``,
   re-simulated on the fresh draws beside the four built-in strategies (paired: the same draws
   and replicate seeds): ``recommendation.md`` (the plan in words, its outcomes with 95%
   intervals, the comparison), ``trials.parquet``, ``recommended.parquet`` (every replicate of
   the recommended plan and of the built-ins, tuning and fresh), ``pareto.png``/``.svg`` and
   ``optimise.json``, written last.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import heapq
import json
import logging
import math
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from sim import metrics
from sim.config import uncertainty
from sim.config.schema import SCHEMAS
from sim.config.uncertainty import Dist
from sim.engine.scenario import Scenario, build_scenario, seed_streams
from sim.engine.simulate import simulate
from sim.errors import ConfigError, ResultsError
from sim.network import Network, build_network
from sim.report import folders
from sim.report.figures import pareto_figure
from sim.report.paired import Difference, paired_difference
from sim.report.plan import write_plan
from sim.report.stats import cluster_wilson, count_interval, t95, wilson
from sim.rules.population import quality_factors
from sim.rules.strategies import PLAN_KINDS, Plan, PlanRow, read_plan
from sim.units import HOURS_PER_DAY

log = logging.getLogger("outreach.optimise")

STUDY_DB = "study.db"
PLAN_FILE = "plan.csv"
TRIALS = "trials.parquet"
RECOMMENDED = "recommended.parquet"
FIGURE = "pareto"  # .png and .svg
REPORT = "recommendation.md"
INFO = "optimise.json"  # written last: with no INCOMPLETE marker, the folder is complete

BUILTINS = ("generic_blast", "personal_first", "staggered", "blast_then_personal")
RECOMMENDED_LABEL = "recommended"
TREATMENTS = ("note", "generic", "none")  # what a band's contacts get
SELECTIONS = ("strongest", "most_connected", "celf")  # who in the note bands gets the notes
REST = ("generic", "none")  # what note-band contacts without a note get
MIN_BATCH = 10  # the smallest generic batch tried (contacts), or every contact if fewer
MAX_INTERVAL = 168  # the longest interval between generic batches tried: a week (h)
PAUSE_REPORTS = (1, 3)  # pause_reports tried
PAUSE_WINDOW = (24, 336)  # pause_window_hours tried: a day to two weeks (log scale)
# The metrics kept per trial and per replicate: every count and risk of the registry.
STORED = metrics.names(kind=metrics.COUNT) + metrics.names(kind=metrics.PROPORTION)
RISK = "restricted"
# Uncertain keys held at the config's values, and why (docs/MODEL.md, Optimising a plan).
FIXED = {
    "network.": "the network is built once: a plan names particular people, so it is for "
                "the network it was made on",
    "strategy.notes_per_day": "the notes' pace is the limit the plan keeps, a choice of the "
                              "sender's rather than a fact about people",
}
# Tags of the seed streams: the tuning draws, the fresh draws, the CELF samples.
TUNE, FRESH, CELF = 1, 2, 3
# What a contact gets in a plan: codes of Schedule.gets
NOTHING, NOTE, GENERIC, BOTH = 0, 1, 2, 3
# Keys of the config that change neither a trial's numbers nor the recommendation.
_NEUTRAL = {"output": None, "replicates": None, "engine": None, "sensitivity": None,
            "optimise": ("trials", "storage", "study")}


# --------------------------------------------------------------------------- setup


@dataclass
class Draw:
    """One draw of the uncertain keys: its config (replicates, replicate seed set) and
    scenario, built once."""

    index: int
    values: dict
    overrides: list[str]
    replicate_seed: int
    cfg: DictConfig
    scenario: Scenario


@dataclass
class Setup:
    cfg: DictConfig
    dists: list[Dist]
    fixed: list[tuple[str, str]]  # uncertain keys held at the config's value, and why
    network: Network
    ids: np.ndarray  # (C,) the contacts' node ids as text, by rank (strongest first)
    tie: np.ndarray  # (C,) tie strength by rank
    mutual: np.ndarray  # (C,) how many of the sender's other contacts each one knows
    bands: list[tuple[int, int]]  # [start, stop) ranks
    per_day: int  # notes a day
    days: int  # days that start within the horizon
    horizon: int  # the hour from which a plan sends nothing: horizon_hours - optimise.settle_hours
    replicates: int  # per draw
    tune: list[Draw]
    fresh: list[Draw]
    orders: dict  # selection -> ranks in the order notes are given
    celf_gain: np.ndarray  # (C,) CELF's marginal gain of each contact when it was chosen
    seconds: dict = field(default_factory=dict)

    @property
    def n_contacts(self) -> int:
        return len(self.ids)

    @property
    def max_notes(self) -> int:
        return int(min(self.n_contacts, self.per_day * self.days))


def uncertain(cfg) -> tuple[list[Dist], list[tuple[str, str]]]:
    """The uncertain keys the trials draw, and those held fixed (with why)."""
    kept, fixed = [], []
    for d in uncertainty.load(cfg):
        why = next((w for prefix, w in FIXED.items()
                    if d.key == prefix or (prefix.endswith(".") and d.key.startswith(prefix))), None)
        (fixed.append((d.key, why)) if why else kept.append(d))
    return kept, fixed


def _sizes(cfg, dists) -> tuple[int, int]:
    """(draws, replicates per draw): one draw of draws x replicates without uncertain keys."""
    opt = cfg.optimise
    if not dists:
        return 1, int(opt.draws) * int(opt.replicates)
    return int(opt.draws), int(opt.replicates)


def draw_values(cfg, dists, tag: int) -> np.ndarray:
    """(K, k) values of the uncertain keys: a Latin hypercube through each key's ppf."""
    from scipy.stats import qmc

    k, _ = _sizes(cfg, dists)
    if not dists:
        return np.empty((1, 0))
    rng = np.random.default_rng(np.random.SeedSequence([int(cfg.seed), tag]))
    unit = qmc.LatinHypercube(d=len(dists), rng=rng).random(k)
    cols = [np.clip(d.ppf(unit[:, j]), *d.bounds()) for j, d in enumerate(dists)]
    return np.column_stack(cols)


def replicate_seeds(cfg, n: int, tag: int) -> list[int]:
    """One replicate seed per draw, from ``replicate_seed`` (else ``seed``) and the set."""
    root = int(cfg.replicate_seed) if cfg.get("replicate_seed") is not None else int(cfg.seed)
    return [int(x) for x in np.random.SeedSequence([root, tag]).generate_state(n)]


def make_draws(cfg, dists, net: Network, tag: int) -> list[Draw]:
    values = draw_values(cfg, dists, tag)
    _, reps = _sizes(cfg, dists)
    seeds = replicate_seeds(cfg, len(values), tag)
    overrides = uncertainty.as_overrides(dists, values) if dists else [[]]
    out = []
    for k, row in enumerate(values):
        c = uncertainty.apply(cfg, dists, row) if dists else copy.deepcopy(cfg)
        c.replicates = reps
        c.replicate_seed = seeds[k]
        sc = build_scenario(c, network=net)
        _ = sc.hops  # computed once, shared by every copy of the scenario
        out.append(Draw(k, {d.key: (int(v) if d.integer else float(v)) for d, v in zip(dists, row)},
                        overrides[k], seeds[k], c, sc))
    return out


def band_ranks(cfg, n_contacts: int, per_day: int, days: int) -> list[tuple[int, int]]:
    """The bands as [start, stop) ranks (``optimise.bands``, or the close ties, then as many
    as notes can reach within the horizon, then the rest); empty bands dropped."""
    bands = cfg.optimise.bands
    cuts = list(bands) if bands is not None else [int(cfg.close_ties), per_day * days]
    stops = sorted({min(int(c), n_contacts) for c in cuts if int(c) > 0} | {n_contacts})
    starts = [0, *stops[:-1]]
    return [(a, b) for a, b in zip(starts, stops) if b > a]


def mutual_contacts(net: Network, sender: int, nodes: np.ndarray) -> np.ndarray:
    """How many of the sender's other contacts each contact knows (mutual contacts)."""
    is_contact = np.zeros(net.n_nodes, dtype=bool)
    is_contact[nodes] = True
    return np.array([int(is_contact[net.neighbours(int(v))].sum()) for v in nodes], dtype=np.int64)


def check(cfg) -> None:
    """What outreach optimise needs of a config beyond its own checks: one sender."""
    if float(cfg.senders.fraction) > 0:
        raise ConfigError(f"senders.fraction={cfg.senders.fraction}: expected 0 with outreach "
                          "optimise (a plan is one sender's schedule)")


def setup(cfg, say: Callable[[str], None] = log.info) -> Setup:
    check(cfg)
    t0 = time.perf_counter()
    dists, fixed = uncertain(cfg)
    net = build_network(cfg.network, np.random.default_rng(seed_streams(cfg.seed)["network"]))
    seconds = {"network": time.perf_counter() - t0}
    t0 = time.perf_counter()
    tune = make_draws(cfg, dists, net, TUNE)
    fresh = make_draws(cfg, dists, net, FRESH)
    base = build_scenario(cfg, network=net)  # the config's own values: ranks, for the bands
    seconds["scenarios"] = time.perf_counter() - t0
    pop = base.population
    sl = pop.contacts_of(0)
    nodes = pop.pair_contact[sl].astype(np.int64)
    ids = np.array([str(net.node_id(int(v))) for v in nodes], dtype=object)
    tie = np.asarray(pop.tie_strength[sl], dtype=float)
    mutual = mutual_contacts(net, int(pop.senders[0]), nodes)
    per_day = int(cfg.strategy.notes_per_day)
    horizon = int(cfg.horizon_hours)
    # a plan sends nothing in the last settle_hours: what a message causes must fall within
    # the horizon to be counted (a late plan would look safer than it is)
    send_until = horizon - int(cfg.optimise.get("settle_hours", 0))
    if send_until <= 0:
        raise ConfigError(f"optimise.settle_hours={cfg.optimise.settle_hours}: expected less "
                          f"than horizon_hours={horizon} (a plan needs hours to send in)")
    days = -(-send_until // HOURS_PER_DAY)
    c = len(nodes)
    orders = {"strongest": np.arange(c),
              "most_connected": np.lexsort((np.arange(c), -mutual))}
    t0 = time.perf_counter()
    order, gain = celf_order(net, int(pop.senders[0]), nodes, tune, int(cfg.optimise.celf_samples),
                             np.random.default_rng(np.random.SeedSequence([int(cfg.seed), CELF])))
    orders["celf"] = order
    seconds["celf"] = time.perf_counter() - t0
    _, reps = _sizes(cfg, dists)
    s = Setup(cfg, dists, fixed, net, ids, tie, mutual, band_ranks(cfg, c, per_day, days), per_day,
              days, send_until, reps, tune, fresh, orders, gain, seconds)
    say(f"optimise: {c} contacts in {len(s.bands)} bands "
        f"({', '.join(f'{a + 1}-{b}' for a, b in s.bands)}); {len(dists)} uncertain keys, "
        + (f"{len(tune)} draws x {reps} replicates a trial" if dists else
           f"{reps} replicates a trial at the config's values")
        + (f"; held fixed: {', '.join(k for k, _ in fixed)}" if fixed else ""))
    return s


# --------------------------------------------------------------------------- CELF


def celf_order(net: Network, sender: int, nodes: np.ndarray, draws: list[Draw], samples: int,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The contacts (ranks) in the order greedy influence maximisation with CELF's lazy
    evaluation (Leskovec et al. 2007) picks them as note recipients, and each one's marginal
    gain in expected supporters when picked.

    The gains come from ``samples`` cheap simulations: independent cascades on the network
    with the model's own chances (sample r uses tuning draw r mod K's population). A contact
    sent a note shares with its note read chance times its note share chance (first message,
    no fatigue); each connection of a sharer other than the sender sees the share with the
    sharer's exposure chance and shares in turn with its word-of-mouth chance, drawn once per
    person (as a person aware already does not draw again). Live edges are drawn once per
    sample, so a set's expected supporters is a coverage function, submodular, and the greedy
    order with lazy re-evaluation is exact for it. Timing, annoyance, generic messages and the
    horizon are left out: it ranks contacts, the trials measure plans."""
    c, n = len(nodes), net.n_nodes
    indptr, indices = net.indptr, net.indices
    node_rank = np.full(n, -1, dtype=np.int64)
    node_rank[nodes] = np.arange(c)
    seeded = np.zeros((samples, c), dtype=bool)
    desc: dict[tuple[int, int], np.ndarray] = {}
    probs = []
    for d in draws:
        pop = d.scenario.population
        sl = pop.contacts_of(0)
        chance = quality_factors(float(d.cfg.strategy.get("note_quality", 0.5)))[0]
        p_node = np.zeros(n)
        p_node[pop.pair_contact[sl]] = (np.asarray(pop.read_prob_personal[sl], float)
                                        * np.minimum(1.0, np.asarray(pop.share_personal[sl], float) * chance))
        probs.append((p_node[nodes], np.asarray(pop.share_word_of_mouth, float),
                      np.asarray(pop.exposure, float)))
    for r in range(samples):
        p, wom_p, exposure = probs[r % len(probs)]
        seeded[r] = rng.random(c) < p
        wom = rng.random(n) < wom_p
        wom[sender] = False
        xs = np.flatnonzero(wom)
        counts = indptr[xs + 1] - indptr[xs]
        us = indices[np.concatenate([np.arange(indptr[x], indptr[x + 1]) for x in xs])] \
            if len(xs) else np.empty(0, dtype=np.int64)
        to = np.repeat(xs, counts)
        live = (rng.random(len(us)) < exposure[us]) & (us != sender)
        out: dict[int, list[int]] = {}
        for u, x in zip(us[live].tolist(), to[live].tolist()):
            out.setdefault(u, []).append(x)
        for i in np.flatnonzero(seeded[r]).tolist():
            v = int(nodes[i])
            if v not in out:
                continue
            seen, stack = {v}, [v]
            while stack:
                for x in out.get(stack.pop(), ()):
                    if x not in seen:
                        seen.add(x)
                        stack.append(x)
            seen.discard(v)
            desc[(r, i)] = np.array(sorted(seen), dtype=np.int64)
    covered = np.zeros((samples, n), dtype=bool)
    rows = [np.flatnonzero(seeded[:, i]) for i in range(c)]

    def gain(i: int) -> float:
        rs = rows[i]
        fresh = rs[~covered[rs, nodes[i]]]
        g = len(fresh)
        for r in fresh.tolist():
            d = desc.get((r, i))
            if d is not None:
                g += int((~covered[r, d]).sum())
        return g / samples

    heap = [(-gain(i), i, 0) for i in range(c)]
    heapq.heapify(heap)
    order, gains = [], []
    while heap:
        g, i, when = heapq.heappop(heap)
        if when != len(order):  # computed before the last pick: stale, compute again
            heapq.heappush(heap, (-gain(i), i, len(order)))
            continue
        order.append(i)
        gains.append(-g)
        for r in rows[i].tolist():
            if not covered[r, nodes[i]]:
                covered[r, nodes[i]] = True
                d = desc.get((r, i))
                if d is not None:
                    covered[r, d] = True
    gain_by_rank = np.zeros(c)
    gain_by_rank[np.array(order, dtype=np.int64)] = gains
    return np.array(order, dtype=np.int64), gain_by_rank


# --------------------------------------------------------------------------- decisions -> plans


@dataclass(frozen=True)
class Decision:
    """One trial's decision variables (docs/MODEL.md, Optimising a plan)."""

    bands: tuple[str, ...]  # per band: note, generic or none
    notes: int  # how many notes (at most the note bands' contacts and what the days allow)
    selection: str  # strongest | most_connected | celf: who in the note bands gets them
    rest: str  # generic | none: what note-band contacts without a note get
    noted_generic: bool  # note recipients get the generic message too
    notes_start_day: int  # notes go notes_per_day a day, at hours 24 d, from this day
    generic_start_day: int  # the first generic batch's day (hour 24 d)
    batch_size: int  # contacts per generic batch, strongest first
    interval_hours: int  # between generic batches
    adaptive_pause: bool = False  # hold generic batches back after complaints
    pause_reports: int = 1
    pause_window_hours: int = 72

    @classmethod
    def from_params(cls, params: dict, n_bands: int) -> "Decision":
        return cls(bands=tuple(params[f"band_{b + 1}"] for b in range(n_bands)),
                   notes=int(params["notes"]), selection=params["selection"], rest=params["rest"],
                   noted_generic=bool(params["noted_generic"]),
                   notes_start_day=int(params["notes_start_day"]),
                   generic_start_day=int(params["generic_start_day"]),
                   batch_size=int(params["batch_size"]), interval_hours=int(params["interval_hours"]),
                   adaptive_pause=bool(params["adaptive_pause"]),
                   pause_reports=int(params.get("pause_reports", 1)),
                   pause_window_hours=int(params.get("pause_window_hours", 72)))

    def params(self) -> dict:
        out = {f"band_{b + 1}": t for b, t in enumerate(self.bands)}
        out.update(notes=self.notes, selection=self.selection, rest=self.rest,
                   noted_generic=self.noted_generic, notes_start_day=self.notes_start_day,
                   generic_start_day=self.generic_start_day, batch_size=self.batch_size,
                   interval_hours=self.interval_hours, adaptive_pause=self.adaptive_pause)
        if self.adaptive_pause:
            out.update(pause_reports=self.pause_reports, pause_window_hours=self.pause_window_hours)
        return out


def min_batch(s: Setup) -> int:
    return min(MIN_BATCH, s.n_contacts)


def suggest(trial, s: Setup) -> Decision:
    """The search space, one Optuna suggestion per decision variable."""
    params = {f"band_{b + 1}": trial.suggest_categorical(f"band_{b + 1}", TREATMENTS)
              for b in range(len(s.bands))}
    params["notes"] = trial.suggest_int("notes", 0, s.max_notes)
    params["selection"] = trial.suggest_categorical("selection", SELECTIONS)
    params["rest"] = trial.suggest_categorical("rest", REST)
    params["noted_generic"] = trial.suggest_categorical("noted_generic", (False, True))
    params["notes_start_day"] = trial.suggest_int("notes_start_day", 0, s.days - 1)
    params["generic_start_day"] = trial.suggest_int("generic_start_day", 0, s.days - 1)
    params["batch_size"] = trial.suggest_int("batch_size", min_batch(s), s.n_contacts, log=True)
    params["interval_hours"] = trial.suggest_int("interval_hours", 1, MAX_INTERVAL, log=True)
    params["adaptive_pause"] = trial.suggest_categorical("adaptive_pause", (False, True))
    if params["adaptive_pause"]:
        params["pause_reports"] = trial.suggest_int("pause_reports", *PAUSE_REPORTS)
        params["pause_window_hours"] = trial.suggest_int("pause_window_hours", *PAUSE_WINDOW, log=True)
    return Decision.from_params(params, len(s.bands))


@dataclass
class Schedule:
    """A decision made concrete: who gets what, when, as plan rows."""

    decision: Decision
    rows: tuple[PlanRow, ...]
    gets: np.ndarray  # (C,) NOTHING, NOTE, GENERIC or BOTH, by rank
    note_ranks: np.ndarray  # in the order they are written
    note_hours: np.ndarray
    generic_ranks: np.ndarray  # sorted, the ones sent
    batches: list[tuple[int, int]]  # (hour, contacts)
    dropped: int  # generic messages whose batch would fall at or after the horizon

    @property
    def empty(self) -> bool:
        return not self.rows

    def pause_keys(self) -> dict:
        d = self.decision
        if not d.adaptive_pause:
            return {"adaptive_pause": False}
        return {"adaptive_pause": True, "pause_reports": d.pause_reports,
                "pause_window_hours": d.pause_window_hours}

    def counts(self) -> dict:
        g = self.gets
        return {"notes": int(((g == NOTE) | (g == BOTH)).sum()),
                "generic": int(((g == GENERIC) | (g == BOTH)).sum()),
                "both": int((g == BOTH).sum()), "nothing": int((g == NOTHING).sum()),
                "batches": len(self.batches), "dropped": int(self.dropped),
                "messages": len(self.rows)}


def decode(s: Setup, d: Decision) -> Schedule:
    """The plan a decision stands for (docs/MODEL.md, Optimising a plan):

    - the note bands' contacts are ordered by ``selection`` and the first ``notes`` of them
      get a note (no more than the days from ``notes_start_day`` to hour ``s.horizon``,
      ``optimise.settle_hours`` before the horizon, allow at
      ``strategy.notes_per_day``), written in that order, notes_per_day a day at hours 24 d;
    - the generic message goes to the generic bands, to the note bands' other contacts when
      ``rest`` is generic, and to the note recipients too when ``noted_generic``: in rank
      order (strongest first), ``batch_size`` at a time, every ``interval_hours`` from hour
      24 x ``generic_start_day``; batches that would fall at or after hour ``s.horizon`` are
      left out;
    - everyone else gets nothing."""
    c = s.n_contacts
    treat = np.empty(c, dtype=object)
    for (a, b), t in zip(s.bands, d.bands):
        treat[a:b] = t
    pool = treat == "note"
    order = s.orders[d.selection]
    order = order[pool[order]]
    room = s.per_day * max(0, s.days - d.notes_start_day)
    noted = order[:max(0, min(d.notes, len(order), room))]
    note_hours = HOURS_PER_DAY * (d.notes_start_day + np.arange(len(noted)) // s.per_day)
    gets = np.zeros(c, dtype=np.int64)
    gets[noted] = NOTE
    generic = treat == "generic"
    if d.rest == "generic":
        generic |= pool & (gets != NOTE)
    if d.noted_generic:
        generic[noted] = True
    queue = np.flatnonzero(generic)
    batches, sent, rows_g = [], [], []
    start = HOURS_PER_DAY * d.generic_start_day
    for i in range(0, len(queue), d.batch_size):
        hour = start + (i // d.batch_size) * d.interval_hours
        if hour >= s.horizon:
            break
        part = queue[i:i + d.batch_size]
        batches.append((int(hour), len(part)))
        sent.append(part)
        rows_g += [(int(r), int(hour)) for r in part]
    generic_ranks = np.concatenate(sent) if sent else np.empty(0, dtype=np.int64)
    gets[generic_ranks] += GENERIC
    rows = [(int(r), int(h), "personal") for r, h in zip(noted, note_hours)]
    rows += [(r, h, "generic") for r, h in rows_g]
    rows.sort(key=lambda x: (x[1], x[2] != "personal", x[0]))
    plan_rows = tuple(PlanRow(str(s.ids[r]), h, PLAN_KINDS[k], i + 2) for i, (r, h, k) in enumerate(rows))
    return Schedule(d, plan_rows, gets, noted, note_hours, np.sort(generic_ranks), batches,
                    int(len(queue) - len(generic_ranks)))


def plan_records(s: Setup, sched: Schedule) -> list[dict]:
    """The plan file's rows: contact (node id), hour, kind, and the contact's rank and tie
    strength (extra columns, which strategy=plan ignores)."""
    rank_of = {str(x): r for r, x in enumerate(s.ids)}
    kinds = {v: k for k, v in PLAN_KINDS.items()}
    people = contact_people(s)
    out = []
    for row in sched.rows:
        r = rank_of[row.contact]
        rec = {"contact": row.contact}
        if people is not None:
            rec["name"], rec["url"] = people[r]
        rec.update({"hour": row.hour, "kind": kinds[row.kind], "rank": r + 1,
                    "tie_strength": round(float(s.tie[r]), 4)})
        out.append(rec)
    return out


def contact_people(s: Setup) -> list[tuple[str, str]] | None:
    """(name, profile URL) of each contact by rank, when the network is the sender's own
    (network=linkedin or contacts); None otherwise. Only plan.csv and recommendation.md show
    them: every other output names contacts by their hashed node ids."""
    people = getattr(s.network, "people", None)
    if people is None:
        return None
    ids = s.network.node_ids
    by_id = {str(ids[int(v)]): (" ".join(str(nm or "").split()), str(u or "").strip())
             for v, nm, u in zip(people.index, people["name"], people["url"])}
    return [by_id.get(str(x), ("", "")) for x in s.ids]


# --------------------------------------------------------------------------- evaluation


@contextmanager
def _quiet(name: str = "sim"):
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def plan_factory(sched: Schedule, draw_cfg) -> Callable[[], Plan]:
    st = draw_cfg.strategy
    kw = dict(minutes_per_note=float(st.minutes_per_note),
              minutes_per_batch=float(st.minutes_per_batch), **sched.pause_keys())
    rows = sched.rows
    return lambda: Plan(rows=rows, **kw)


def _frame(draw: Draw, df: pd.DataFrame) -> pd.DataFrame:
    out = df[list(STORED)].astype(float).reset_index(drop=True)
    out.insert(0, "replicate", np.arange(len(out)))
    out.insert(0, "draw", draw.index)
    return out


def evaluate(s: Setup, sched: Schedule, draws: list[Draw]) -> pd.DataFrame:
    """Every replicate of every draw under the plan (a plan that sends nothing: zeros)."""
    frames = []
    for d in draws:
        if sched.empty:
            zeros = pd.DataFrame(0.0, index=range(int(d.cfg.replicates)), columns=list(STORED))
            frames.append(_frame(d, zeros))
            continue
        sc = dataclasses.replace(d.scenario, strategy_factory=plan_factory(sched, d.cfg))
        with _quiet():
            frames.append(_frame(d, simulate(d.cfg, scenario=sc).replicates))
    return pd.concat(frames, ignore_index=True)


def builtin_config(cfg, name: str):
    """The config with a built-in strategy: the config's strategy keys (strategy.k,
    notes_per_day, batch_size, ...), the strategy's own delay_hours default."""
    out = copy.deepcopy(cfg)
    out.strategy.name = name
    out.strategy.delay_hours = float(SCHEMAS["strategy"][name].delay_hours)
    out.strategy.path = None
    return out


def evaluate_builtin(s: Setup, name: str, draws: list[Draw], warn: bool = False) -> pd.DataFrame:
    """A built-in strategy on the draws (``warn``: show its warnings, e.g. notes planned past
    the horizon, for the first draw)."""
    frames = []
    base = builtin_config(s.cfg, name)
    for i, d in enumerate(draws):
        c = uncertainty.apply(base, s.dists, list(d.values.values())) if s.dists else copy.deepcopy(base)
        c.replicates, c.replicate_seed = d.cfg.replicates, d.replicate_seed
        sc = build_scenario(c, network=s.network)
        if i == 0 and warn:
            frames.append(_frame(d, simulate(c, scenario=sc).replicates))
        else:
            with _quiet():
                frames.append(_frame(d, simulate(c, scenario=sc).replicates))
    return pd.concat(frames, ignore_index=True)


def means(df: pd.DataFrame) -> dict:
    return {name: float(df[name].mean()) for name in STORED}


# --------------------------------------------------------------------------- constraints


@dataclass(frozen=True)
class Constraint:
    key: str  # optimise.max_...
    metric: str
    bound: float

    def excess(self, value: float) -> float:
        return float(value) - self.bound


def constraints(cfg) -> list[Constraint]:
    opt = cfg.optimise
    out = []
    for key, metric in (("max_restriction_risk", RISK), ("max_close_ties_annoyed", "close_ties_annoyed"),
                        ("max_effort_hours", "effort_hours")):
        if opt.get(key) is not None:
            out.append(Constraint(key, metric, float(opt.get(key))))
    return out


def feasible(cons: list[Constraint], m: dict) -> bool:
    return all(c.excess(m[c.metric]) <= 0 for c in cons)


def violation(cons: list[Constraint], m: dict) -> float:
    """How far a plan is outside the constraints: the sum of each excess over its bound."""
    return sum(max(0.0, c.excess(m[c.metric])) / max(c.bound, 1e-9) for c in cons)


def higher_is_better(cfg) -> bool:
    return metrics.BY_NAME[cfg.optimise.objective].better == metrics.HIGHER


# --------------------------------------------------------------------------- the study


def identity(cfg) -> dict:
    """What decides the trials' numbers: the config less what changes only the display, the
    number of trials or where the study is kept."""
    return folders.config_identity(cfg, _NEUTRAL)


def default_folder(cfg) -> Path:
    """outputs/optimise/<study>-<hash of the config>: the same command, the same folder (so
    running it again resumes), another config, another folder."""
    digest = hashlib.sha1(json.dumps(identity(cfg), sort_keys=True, default=str).encode()).hexdigest()
    return Path("outputs") / "optimise" / f"{cfg.optimise.study}-{digest[:8]}"


def header(s: Setup) -> dict:
    return json.loads(json.dumps({
        "config": identity(s.cfg), "bands": s.bands,
        "dists": [{"key": d.key, "dist": d.dist, "params": d.params, "integer": d.integer}
                  for d in s.dists]}, default=str))


def storage_url(cfg, out: Path) -> str:
    return cfg.optimise.storage or f"sqlite:///{(Path(out) / STUDY_DB).resolve()}"


def _sqlite_wal(storage) -> None:
    """SQLite in write-ahead-log mode, synced at checkpoints: a trial's dozen small writes
    then cost milliseconds instead of a disk flush each (a killed run still keeps every trial
    it finished; only a power cut may lose the last ones)."""
    import sqlalchemy

    def pragmas(conn, _record):
        cur = conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    sqlalchemy.event.listen(storage.engine, "connect", pragmas)
    storage.engine.dispose()  # connections opened from now on get the pragmas


def open_study(s: Setup, out: Path):
    """The study (created, or loaded to continue); ResultsError if it holds another config's
    trials."""
    import optuna

    cfg = s.cfg
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = storage_url(cfg, out)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            storage = optuna.storages.RDBStorage(url, heartbeat_interval=60, grace_period=180)
    except Exception as exc:  # noqa: BLE001  (a bad URL, a missing driver, no server)
        raise ConfigError(f"optimise.storage={cfg.optimise.storage or url}: cannot open it "
                          f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
    if url.startswith("sqlite"):
        _sqlite_wal(storage)
    seed = int(cfg.seed)
    direction = "maximize" if higher_is_better(cfg) else "minimize"
    if cfg.optimise.sampler == "nsga2":
        size = max(4, min(50, int(cfg.optimise.trials) // 4))
        sampler = optuna.samplers.NSGAIISampler(population_size=size, seed=seed)
        directions = [direction, "minimize"]
    else:
        sampler = optuna.samplers.TPESampler(seed=seed)
        directions = [direction]
    study = optuna.create_study(study_name=str(cfg.optimise.study), storage=storage,
                                sampler=sampler, directions=directions, load_if_exists=True)
    head = header(s)
    old = study.user_attrs.get("header")
    if old is None:
        if study.trials:
            raise ResultsError(f"{url}: the study {cfg.optimise.study!r} is not one of outreach "
                               "optimise (set optimise.study to another name)")
        study.set_user_attr("header", head)
    elif old != head:
        raise ResultsError(f"{url}: the study {cfg.optimise.study!r} holds the trials of another "
                           f"configuration ({folders.first_difference(old, head)}); use another --out or "
                           "optimise.study, or delete the study to start again")
    return study


def warm_starts(s: Setup) -> list[Decision]:
    """The first trials: the four built-in strategies written as plans (at the config's
    strategy keys, whole days), and notes to everyone a note can reach."""
    st, c, n_bands = s.cfg.strategy, s.n_contacts, len(s.bands)
    k = min(int(st.k), s.max_notes)
    cover = next((b + 1 for b, (_, stop) in enumerate(s.bands) if stop >= k), n_bands)
    note_k = tuple("note" if b < cover else "generic" for b in range(n_bands))
    every = tuple("generic" for _ in range(n_bands))
    batch_all = c
    last = s.days - 1
    note_days = -(-k // s.per_day) if k else 0
    pf_day = min(last, note_days - 1 + round(float(SCHEMAS["strategy"]["personal_first"].delay_hours)
                                             / HOURS_PER_DAY)) if k else 0
    btp_day = min(last, round(float(SCHEMAS["strategy"]["blast_then_personal"].delay_hours)
                              / HOURS_PER_DAY))
    stag_batch = int(np.clip(int(st.batch_size), min_batch(s), c))
    stag_interval = int(np.clip(round(float(st.interval_hours)), 1, MAX_INTERVAL))
    common = dict(selection="strongest", notes_start_day=0, interval_hours=HOURS_PER_DAY,
                  adaptive_pause=False)
    reach = next((b + 1 for b, (_, stop) in enumerate(s.bands) if stop >= s.max_notes), n_bands)
    return [
        Decision(every, 0, rest="generic", noted_generic=False, generic_start_day=0,
                 batch_size=batch_all, **common),  # generic_blast
        Decision(note_k, k, rest="generic", noted_generic=False, generic_start_day=pf_day,
                 batch_size=batch_all, **common),  # personal_first
        Decision(every, 0, rest="generic", noted_generic=False, generic_start_day=0,
                 batch_size=stag_batch, **{**common, "interval_hours": stag_interval}),  # staggered
        Decision(note_k, k, rest="generic", noted_generic=True, generic_start_day=0,
                 batch_size=batch_all, **{**common, "notes_start_day": btp_day}),  # blast_then_personal
        Decision(tuple("note" if b < reach else "none" for b in range(n_bands)), s.max_notes,
                 rest="none", noted_generic=False, generic_start_day=0, batch_size=batch_all,
                 **common),  # notes to all a note can reach, nothing else
    ]


@dataclass
class TrialOutcome:
    number: int
    decision: Decision
    metrics: dict
    counts: dict
    seconds: float


def run_trials(s: Setup, study, progress: bool) -> int:
    """Trials until the study has ``optimise.trials`` complete ones; the number run now."""
    import optuna
    from optuna.study import MaxTrialsCallback
    from optuna.trial import TrialState

    cfg = s.cfg
    target = int(cfg.optimise.trials)
    done = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    if done >= target:
        return 0
    if not study.trials:
        for d in warm_starts(s)[:target]:
            study.enqueue_trial(d.params(), skip_if_exists=True)
    cons = constraints(cfg)
    nsga = cfg.optimise.sampler == "nsga2"
    objective = cfg.optimise.objective
    ran = [0]

    def trial_fn(trial):
        t0 = time.perf_counter()
        d = suggest(trial, s)
        sched = decode(s, d)
        m = means(evaluate(s, sched, s.tune))
        trial.set_user_attr("metrics", m)
        trial.set_user_attr("plan", sched.counts())
        trial.set_user_attr("seconds", round(time.perf_counter() - t0, 3))
        for c in cons:
            if not (nsga and c.metric == RISK):  # nsga2: the risk is an objective
                trial.set_constraint(c.key, c.excess(m[c.metric]))
        ran[0] += 1
        return (m[objective], m[RISK]) if nsga else m[objective]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.optimize(trial_fn, n_trials=target - done, show_progress_bar=progress,
                       callbacks=[MaxTrialsCallback(target, states=(TrialState.COMPLETE,))])
    return ran[0]


def outcomes(s: Setup, study) -> list[TrialOutcome]:
    from optuna.trial import TrialState

    out = []
    for t in sorted(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)),
                    key=lambda t: t.number):
        out.append(TrialOutcome(t.number, Decision.from_params(t.params, len(s.bands)),
                                dict(t.user_attrs["metrics"]), dict(t.user_attrs["plan"]),
                                float(t.user_attrs.get("seconds", math.nan))))
    return out


def choose(cfg, trials: list[TrialOutcome]) -> tuple[TrialOutcome, bool]:
    """The best trial within the constraints (ties: lower risk, less effort, earlier); if none
    is, the one closest to them. Also whether it meets them."""
    cons = constraints(cfg)
    obj = cfg.optimise.objective
    sign = -1.0 if higher_is_better(cfg) else 1.0
    ok = [t for t in trials if feasible(cons, t.metrics)]
    if ok:
        return min(ok, key=lambda t: (sign * t.metrics[obj], t.metrics[RISK],
                                      t.metrics["effort_hours"], t.number)), True
    return min(trials, key=lambda t: (violation(cons, t.metrics), sign * t.metrics[obj], t.number)), False


def trials_table(s: Setup, trials: list[TrialOutcome]) -> pd.DataFrame:
    cons = constraints(s.cfg)
    obj = s.cfg.optimise.objective
    rows = []
    for t in trials:
        row = {"trial": t.number}
        row.update({f"param_{k}": v for k, v in t.decision.params().items()})
        row["objective"] = t.metrics[obj]
        for name in dict.fromkeys((obj, RISK, "suspended", "close_ties_annoyed", "effort_hours",
                                   "supporters", "reach", "replies")):
            row[name] = t.metrics[name]
        for key in ("max_restriction_risk", "max_close_ties_annoyed", "max_effort_hours"):
            c = next((c for c in cons if c.key == key), None)
            row[f"constraint_{key}"] = c.excess(t.metrics[c.metric]) if c else math.nan
        row["feasible"] = feasible(cons, t.metrics)
        row.update({f"plan_{k}": v for k, v in t.counts.items()})
        row["seconds"] = t.seconds
        rows.append(row)
    df = pd.DataFrame(rows)
    if "param_adaptive_pause" in df:  # the pause's settings exist only when it is on
        for col in ("param_pause_reports", "param_pause_window_hours"):
            if col not in df:
                df[col] = np.nan
    return df


# --------------------------------------------------------------------------- intervals


def outcome(values: np.ndarray, name: str, upper: float | None) -> dict:
    """(K, R) values of one metric: its mean, a 95% interval for the mean (draws as clusters
    when there are several: their means carry the uncertain keys and the replicates), and the
    95% range (counts: of the replicates; risks: of the draws' risks)."""
    m = metrics.BY_NAME[name]
    k, r = values.shape
    mean = float(values.mean())
    by_draw = values.mean(axis=1)
    if m.kind == metrics.PROPORTION:
        if k > 1 and 0 < mean < 1:
            lo, hi = cluster_wilson(by_draw, r)[:2]
        else:  # one draw; or never (always) hit, where no correlation can be estimated
            lo, hi = wilson(float(values.sum()), values.size)
        rng = (np.percentile(by_draw, [2.5, 97.5]).tolist() if k > 1 else [mean, mean])
    else:
        if k > 1:
            half = t95(k - 1) * float(by_draw.std(ddof=1)) / math.sqrt(k)
            lo = max(0.0, mean - half)
            hi = mean + half if upper is None else min(upper, mean + half)
        else:
            lo, hi = count_interval(values.ravel(), upper)
        rng = np.percentile(values.ravel(), [2.5, 97.5]).tolist()
    return {"mean": mean, "ci95": [float(lo), float(hi)], "range95": [float(x) for x in rng]}


def difference(x: np.ndarray, y: np.ndarray, name: str) -> Difference:
    """x - y on the same draws and replicates: per-draw means as paired clusters when there are
    several draws, else replicate by replicate (sim/report/paired.py)."""
    k, r = x.shape
    if k > 1:
        return paired_difference(name, x.mean(axis=1), y.mean(axis=1), (r, r))
    return paired_difference(name, x.ravel(), y.ravel())


def _matrix(df: pd.DataFrame, name: str, k: int) -> np.ndarray:
    return df.sort_values(["draw", "replicate"])[name].to_numpy(dtype=float).reshape(k, -1)


# --------------------------------------------------------------------------- the whole run


@dataclass
class Result:
    folder: Path
    trials: pd.DataFrame
    recommended: TrialOutcome
    feasible: bool
    schedule: Schedule
    fresh: dict  # label -> {metric: outcome}
    comparison: list[dict]
    evaluated: int  # trials run by this call
    reused: int  # trials read back from the study
    seconds: float
    files: list[Path]
    info: dict


def run(cfg, out: Path, progress: bool = True, say: Callable[[str], None] = log.info,
        overrides: list[str] | None = None) -> Result:
    """The whole optimisation into ``out`` (continuing the study found there or in
    ``optimise.storage``). ``overrides``: the command line's, for the replay commands shown."""
    t_start = time.perf_counter()
    check(cfg)
    out = folders.begin(Path(out))
    s = setup(cfg, say)
    study = open_study(s, out)
    before = len([t for t in study.trials if t.state.name == "COMPLETE"])
    t0 = time.perf_counter()
    ran = run_trials(s, study, progress)
    s.seconds["trials"] = time.perf_counter() - t0
    trials = outcomes(s, study)
    table = trials_table(s, trials)
    folders.write_parquet(out / TRIALS, table)
    best, ok = choose(cfg, trials)
    sched = decode(s, best.decision)
    files = [out / TRIALS]
    plan_path = out / PLAN_FILE
    if not sched.empty:
        write_plan(plan_path, plan_records(s, sched))
        back = read_plan(plan_path)
        if [(r.contact, r.hour, r.kind) for r in back] != [(r.contact, r.hour, r.kind) for r in sched.rows]:
            raise RuntimeError(f"{plan_path}: reads back other rows than were written")
        files.append(plan_path)
    elif plan_path.exists():
        plan_path.unlink()
    # the recommended plan and the built-ins: tuning draws (the figure) and fresh ones
    t0 = time.perf_counter()
    frames = []
    for label, draws in (("tune", s.tune), ("fresh", s.fresh)):
        df = evaluate(s, sched, draws)
        frames.append(df.assign(set=label, strategy=RECOMMENDED_LABEL))
        for name in BUILTINS:
            frames.append(evaluate_builtin(s, name, draws, warn=label == "tune")
                          .assign(set=label, strategy=name))
    reps = pd.concat(frames, ignore_index=True)
    reps = reps[["set", "strategy", "draw", "replicate", *STORED]]
    s.seconds["check"] = time.perf_counter() - t0
    tuned = means(reps[(reps.set == "tune") & (reps.strategy == RECOMMENDED_LABEL)])
    if any(abs(tuned[k] - best.metrics[k]) > 1e-9 * max(1.0, abs(best.metrics[k])) for k in STORED):
        raise ResultsError(f"{out}: the recommended plan (trial {best.number}) no longer gives "
                           "the numbers stored in the study (the code or the storage changed); "
                           "start a new study")
    folders.write_parquet(out / RECOMMENDED, reps)
    files.append(out / RECOMMENDED)
    fresh, comparison = fresh_check(s, reps)
    tune_points = {name: means(reps[(reps.set == "tune") & (reps.strategy == name)])
                   for name in (RECOMMENDED_LABEL, *BUILTINS)}
    files += pareto_figure(table, tune_points, cfg.optimise.objective, _bound(cfg),
                           out / FIGURE, _figure_title(s, len(trials)))
    info = _info(s, out, best, ok, sched, fresh, comparison, ran, before, overrides, t_start)
    text = recommendation_text(s, best, ok, sched, fresh, comparison, table, info)
    folders.atomic_write(out / REPORT, lambda p: p.write_text(text))
    files.append(out / REPORT)
    info["seconds"]["total"] = round(time.perf_counter() - t_start, 2)
    folders.write_json(out / INFO, info)
    folders.mark_complete(out)
    files.append(out / INFO)
    return Result(out, table, best, ok, sched, fresh, comparison, ran, before,
                  time.perf_counter() - t_start, files, info)


def _bound(cfg) -> float | None:
    v = cfg.optimise.max_restriction_risk
    return None if v is None else float(v)


def fresh_check(s: Setup, reps: pd.DataFrame) -> tuple[dict, list[dict]]:
    """On the fresh draws: each strategy's outcomes with intervals, whether it meets the
    constraints, and the recommended plan minus each built-in on the objective (paired)."""
    fresh = reps[reps.set == "fresh"]
    k = len(s.fresh)
    upper = float(s.network.n_nodes)
    cons = constraints(s.cfg)
    obj = s.cfg.optimise.objective
    names = list(dict.fromkeys((obj, RISK, "suspended", "close_ties_annoyed", "effort_hours",
                                "supporters", "reach", "replies", "unfollows", "reports",
                                "messages_sent", "personal_notes")))
    table = {}
    mats = {}
    for label in (RECOMMENDED_LABEL, *BUILTINS):
        d = fresh[fresh.strategy == label]
        mats[label] = {n: _matrix(d, n, k) for n in names}
        nodes_bound = {n: (upper if metrics.BY_NAME[n].at_most == metrics.NETWORK_SIZE else None)
                       for n in names}
        table[label] = {n: outcome(mats[label][n], n, nodes_bound[n]) for n in names}
        table[label]["constraints"] = {c.key: _verdict(c, table[label][c.metric]) for c in cons}
        table[label]["meets"] = all(v["status"] == "meets" for v in table[label]["constraints"].values())
    comparison = []
    for name in BUILTINS:
        diff = difference(mats[RECOMMENDED_LABEL][obj], mats[name][obj], obj)
        comparison.append({"strategy": name, "meets": table[name]["meets"],
                           "objective": table[name][obj]["mean"],
                           "difference": diff.mean, "ci95": [float(x) for x in diff.ci95],
                           "verdict": diff.verdict})
    return table, comparison


def _verdict(c: Constraint, o: dict) -> dict:
    """meets (the mean is within the bound), within Monte Carlo error (the mean is over it
    but its 95% interval reaches it), or over (the whole interval is above it)."""
    if o["mean"] <= c.bound:
        status = "meets"
    elif o["ci95"][0] <= c.bound:
        status = "within Monte Carlo error"
    else:
        status = "over"
    return {"metric": c.metric, "bound": c.bound, "mean": o["mean"], "ci95": o["ci95"], "status": status}


PAUSE_KEYS = ("adaptive_pause", "pause_reports", "pause_window_hours")


def replay_overrides(s: Setup, plan: Path, sched: Schedule, overrides: list[str] | None,
                     draw: Draw | None = None) -> list[str]:
    """The ``outreach`` overrides that replay the plan (on one draw, with its replicate seed):
    the command line's scenario overrides and strategy keys, ``strategy=plan`` and the file,
    and the plan's own pause keys."""
    def key(o: str) -> str:
        return o.lstrip("+~").split("=")[0]

    given = list(overrides or [])
    keep = [o for o in given if key(o).split(".")[0] not in ("strategy", "uncertainty", "optimise")]
    strategy_keys = [o for o in given if key(o).startswith("strategy.")
                     and key(o) not in ("strategy.path", *(f"strategy.{k}" for k in PAUSE_KEYS))]
    out = [*keep, "strategy=plan", f"strategy.path={plan}", *strategy_keys]
    pause = sched.pause_keys()
    if pause["adaptive_pause"]:
        out += [f"strategy.{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in pause.items()]
    elif bool(s.cfg.strategy.get("adaptive_pause", False)):
        out.append("strategy.adaptive_pause=false")
    if draw is not None:
        out += [*draw.overrides, f"replicate_seed={draw.replicate_seed}",
                f"replicates={int(draw.cfg.replicates)}"]
    return out


def _info(s, out, best, ok, sched, fresh, comparison, ran, before, overrides, t_start) -> dict:
    cfg = s.cfg
    plan = Path(out) / PLAN_FILE
    return {
        "objective": cfg.optimise.objective,
        "direction": "higher" if higher_is_better(cfg) else "lower",
        "constraints": {c.key: {"metric": c.metric, "bound": c.bound} for c in constraints(cfg)},
        "sampler": cfg.optimise.sampler, "trials": int(cfg.optimise.trials),
        "evaluated": ran, "reused": before, "storage": storage_url(cfg, out),
        "study": str(cfg.optimise.study),
        "uncertain": [{"key": d.key, "dist": d.describe(), "integer": d.integer} for d in s.dists],
        "held_fixed": [{"key": k, "why": w} for k, w in s.fixed],
        "draws": len(s.tune), "replicates_per_draw": s.replicates,
        "bands": [[a + 1, b] for a, b in s.bands],
        "words": [w.replace("**", "") for w in plan_words(s, sched)],
        "recommended": {"trial": best.number, "meets_constraints_when_tuned": ok,
                        "decision": best.decision.params(), "plan": sched.counts(),
                        "tuned": best.metrics},
        "fresh": fresh, "comparison": comparison,
        "tuning_draws": [{"draw": d.index, "replicate_seed": d.replicate_seed, "overrides": d.overrides}
                         for d in s.tune],
        "fresh_draws": [{"draw": d.index, "replicate_seed": d.replicate_seed, "overrides": d.overrides}
                        for d in s.fresh],
        "replay": None if sched.empty else replay_overrides(s, plan, sched, overrides),
        "replay_tuning_draw_0": None if sched.empty else
        replay_overrides(s, plan, sched, overrides, s.tune[0]),
        "seconds": {k: round(v, 2) for k, v in s.seconds.items()},
        "config": identity(cfg),
    }


# --------------------------------------------------------------------------- words


def _n(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def _value(x: float, name: str) -> str:
    m = metrics.BY_NAME[name]
    if m.kind == metrics.PROPORTION:
        return f"{x:.3f}"
    return f"{x:,.1f}" if abs(x) < 1000 else f"{x:,.0f}"


def _ranks(ranks: np.ndarray) -> str:
    """1-40, 45, 50-60 (1-based ranks, runs joined)."""
    ranks = np.sort(np.asarray(ranks, dtype=np.int64)) + 1
    if not len(ranks):
        return "none"
    runs, start, prev = [], int(ranks[0]), int(ranks[0])
    for r in ranks[1:].tolist():
        if r != prev + 1:
            runs.append((start, prev))
            start = r
        prev = r
    runs.append((start, prev))
    text = [f"{a}" if a == b else f"{a}-{b}" for a, b in runs]
    return ", ".join(text[:6]) + (f" and {len(text) - 6} more runs" if len(text) > 6 else "")


def _who(s: Setup, ranks: np.ndarray) -> str:
    """The contacts of ``ranks`` in words: 'your 40 strongest ties', 'the next 900',
    'the weakest 860', or their ranks."""
    ranks = np.sort(np.asarray(ranks, dtype=np.int64))
    n, c = len(ranks), s.n_contacts
    if n == 0:
        return "no one"
    if n == c:
        return f"all {_n(c)} contacts"
    if ranks[-1] - ranks[0] + 1 == n:  # one run
        if ranks[0] == 0:
            return f"your {_n(n)} strongest ties (ranks 1-{n})"
        if ranks[-1] == c - 1:
            return f"the weakest {_n(n)} (ranks {ranks[0] + 1}-{c})"
        return f"the {_n(n)} at ranks {ranks[0] + 1}-{ranks[-1] + 1}"
    return f"{_n(n)} contacts (ranks {_ranks(ranks)})"


def _hours(hours: list[int]) -> str:
    return ", ".join(f"{h}" for h in hours[:4]) + (f", ... {hours[-1]}" if len(hours) > 4 else "")


def plan_words(s: Setup, sched: Schedule) -> list[str]:
    """The plan as a few sentences, one per kind of message."""
    d = sched.decision
    lines = []
    chosen = {"strongest": "the strongest ties", "most_connected":
              "those with the most mutual contacts", "celf": "CELF's greedy choice (the largest "
              "expected gain in supporters, cascades included)"}[d.selection]
    if len(sched.note_ranks):
        days = sorted(set((sched.note_hours // HOURS_PER_DAY).tolist()))
        pool = sum(b - a for (a, b), t in zip(s.bands, d.bands) if t == "note")
        first = int(sched.note_hours.min())
        lines.append(
            f"**Personal notes** to {_who(s, sched.note_ranks)}"
            + (f", chosen as {chosen} among the {_n(pool)} contacts of the note bands" if
               d.selection != "strongest" or pool != len(sched.note_ranks) else "")
            + f": {s.per_day} a day from hour {first} (day {days[0]}) to day {days[-1]}, "
              f"{_n(len(sched.note_ranks))} notes in all.")
    if len(sched.generic_ranks):
        hours = [h for h, _ in sched.batches]
        sizes = sorted({n for _, n in sched.batches})
        size = f"{sizes[-1]}" if len(sizes) == 1 else f"{sizes[-1]} (the last {sched.batches[-1][1]})"
        also = (f", including the {_n(len(sched.note_ranks))} who get a note" if d.noted_generic and
                len(sched.note_ranks) else "")
        pace = ("in one batch at hour " + str(hours[0]) if len(hours) == 1 else
                f"in {len(hours)} batches of {size} every {d.interval_hours} h from hour {hours[0]} "
                f"(hours {_hours(hours)})")
        pause = (f"; a batch is held back (and tried again each hour) while there have been "
                 f"{d.pause_reports} or more spam reports in the last {d.pause_window_hours} h, "
                 "and the later batches wait as long" if d.adaptive_pause else "")
        lines.append(f"**The generic message** to {_who(s, sched.generic_ranks)}{also}, "
                     f"strongest first, {pace}{pause}.")
    if sched.dropped:
        lines.append(f"({_n(sched.dropped)} generic messages of the bands chosen would fall at "
                     f"or after hour {s.horizon} (optimise.settle_hours before the horizon, so "
                     "that what they cause is counted) and are left out of the plan.)")
    nothing = np.flatnonzero(sched.gets == NOTHING)
    if len(nothing):
        lines.append(f"**Nothing** to {_who(s, nothing)}.")
    if not lines:
        lines.append("**Send nothing**: no plan that sends anything met the constraints better.")
    return lines


def note_names(s: Setup, sched: Schedule) -> str:
    """Where the plan's people are named, when the network is the sender's own; '' otherwise.
    Only plan.csv names them (docs/NETWORKS.md, privacy): recommendation.md, like every other
    output, says who by rank and tie strength."""
    if contact_people(s) is None or not len(sched.note_ranks):
        return ""
    return (f"Who they are, by name and profile address: `{PLAN_FILE}`, the only file of this "
            "folder that names anyone.")


def band_table(s: Setup, sched: Schedule) -> list[str]:
    out = ["| band | ranks | tie strength | treatment | note | generic | both | nothing |",
           "|---|---|---|---|---|---|---|---|"]
    for b, ((a, z), t) in enumerate(zip(s.bands, sched.decision.bands)):
        g = sched.gets[a:z]
        out.append(f"| {b + 1} | {a + 1}-{z} | {s.tie[a]:.2f}-{s.tie[z - 1]:.2f} | {t} | "
                   f"{int((g == NOTE).sum())} | {int((g == GENERIC).sum())} | {int((g == BOTH).sum())} | "
                   f"{int((g == NOTHING).sum())} |")
    return out


def _ci(o: dict, name: str) -> str:
    lo, hi = o["ci95"]
    return f"{_value(o['mean'], name)} ({_value(lo, name)}-{_value(hi, name)})"


def _shell(overrides: list[str]) -> str:
    import shlex

    return "outreach " + " ".join(shlex.quote(o) for o in overrides)


def recommendation_text(s: Setup, best: TrialOutcome, ok: bool, sched: Schedule, fresh: dict,
                        comparison: list[dict], table: pd.DataFrame, info: dict) -> str:
    cfg = s.cfg
    obj = cfg.optimise.objective
    cons = constraints(cfg)
    label = metrics.BY_NAME[obj].label
    way = "as many" if higher_is_better(cfg) else "as few"
    unc = (f"{len(s.dists)} uncertain keys ({_uncertainty_source(cfg)}), {len(s.tune)} draws x "
           f"{s.replicates} replicates a trial" if s.dists else
           f"no uncertain keys (the config's own values), {s.replicates} replicates a trial")
    cons_text = ("; ".join(f"{c.metric} at most {c.bound:g}" for c in cons) or "none")
    n_ok = int(table["feasible"].sum()) if len(table) else 0
    lines = [
        "# Recommended plan", "",
        f"Objective: {way} **{label}** (`{obj}`, the mean over draws and replicates). "
        f"Constraints: {cons_text}. {len(table)} trials ({cfg.optimise.sampler}), {n_ok} within "
        f"the constraints; {unc}."
        + (f" Held at the config's values: {', '.join('`' + k + '`' for k, _ in s.fixed)} "
           "(the network is the one the plan names; the notes' pace is its limit)." if s.fixed else ""),
        "",
    ]
    if not ok:
        lines += ["**No trial met the constraints.** The plan below is the one closest to them "
                  "(the smallest excess over the bounds); loosen a bound or run more trials.", ""]
    lines += ["## The plan", ""]
    lines += [f"- {x}" for x in plan_words(s, sched)]
    lines += [""]
    named = note_names(s, sched)
    if named:
        lines += [named, ""]
    if not sched.empty:
        lines += [f"Trial {best.number}. The schedule, one row per message: `{PLAN_FILE}` (contacts "
                  "by node id, with their rank and tie strength"
                  + (", name and profile address" if contact_people(s) is not None else "")
                  + "). Replay it:", "",
                  "```", _shell(info["replay"]), "```", "",
                  "and on the first tuning draw, with its replicate seed, to the numbers of "
                  f"`{RECOMMENDED}` (set `tune`, draw 0):", "",
                  "```", _shell(info["replay_tuning_draw_0"]), "```", ""]
    lines += ["Bands (by tie strength, strongest first):", "", *band_table(s, sched), ""]
    lines += ["## What to expect", "",
              f"Re-simulated on fresh draws ({len(s.fresh)} new draws of the uncertain keys, new "
              "replicate seeds: not the ones it was tuned on). Mean (95% interval of the mean); "
              "the range holds 95% of the outcomes (counts: of the replicates; risks: of the "
              "draws' risks)." if s.dists else
              f"Re-simulated with a fresh replicate seed ({s.replicates} replicates, not the ones "
              "it was tuned on). Mean (95% interval of the mean); the range holds 95% of the "
              "replicates.", "",
              "| outcome | tuned | fresh: mean (95% CI) | fresh: 95% range |", "|---|---|---|---|"]
    rec = fresh[RECOMMENDED_LABEL]
    for name, o in rec.items():
        if name in ("constraints", "meets"):
            continue
        lo, hi = o["range95"]
        lines.append(f"| {metrics.BY_NAME[name].label} (`{name}`) | {_value(best.metrics[name], name)} | "
                     f"{_ci(o, name)} | {_value(lo, name)}-{_value(hi, name)} |")
    lines += [""]
    for key, v in rec["constraints"].items():
        lines.append(f"- `{key}` = {v['bound']:g}: {v['metric']} {_value(v['mean'], v['metric'])} "
                     f"(95% CI {_value(v['ci95'][0], v['metric'])}-{_value(v['ci95'][1], v['metric'])}): "
                     f"**{v['status']}**.")
    lines += ["", "## Against the built-in strategies", "",
              "Each built-in strategy at the config's strategy keys, on the same fresh draws and "
              "replicate seeds as the plan (paired); the difference is the plan minus the strategy "
              f"on {label}" + (", draws as paired clusters" if len(s.fresh) > 1 else "") + ".", "",
              f"| strategy | {label} | restriction risk | close ties annoyed | effort (h) | meets the "
              f"constraints | plan minus it (95% CI) |", "|---|---|---|---|---|---|---|"]
    rec_row = fresh[RECOMMENDED_LABEL]
    lines.append(f"| **recommended plan** | {_ci(rec_row[obj], obj)} | {_ci(rec_row[RISK], RISK)} | "
                 f"{_value(rec_row['close_ties_annoyed']['mean'], 'close_ties_annoyed')} | "
                 f"{_value(rec_row['effort_hours']['mean'], 'effort_hours')} | "
                 f"{_meets(rec_row)} | - |")
    for c in comparison:
        o = fresh[c["strategy"]]
        lo, hi = c["ci95"]
        lines.append(f"| {c['strategy']} | {_ci(o[obj], obj)} | {_ci(o[RISK], RISK)} | "
                     f"{_value(o['close_ties_annoyed']['mean'], 'close_ties_annoyed')} | "
                     f"{_value(o['effort_hours']['mean'], 'effort_hours')} | {_meets(o)} | "
                     f"{c['difference']:+.2f} ({lo:+.2f} to {hi:+.2f}): {c['verdict']} |")
    meeting = [c for c in comparison if c["meets"]]
    lines += [""]
    if meeting:
        worse = [c["strategy"] for c in meeting if c["verdict"].startswith("worse")]
        lines.append(f"Of the built-ins, {', '.join(c['strategy'] for c in meeting)} "
                     f"{'meets' if len(meeting) == 1 else 'meet'} the constraints; "
                     + ("the plan is detectably worse than " + ", ".join(worse) + "." if worse else
                        "the plan is at least as good as each of them on the objective (within "
                        "Monte Carlo error)."))
    else:
        lines.append("None of the built-in strategies meets the constraints.")
    lines += ["", "## What this means, and its limits", "",
              "- The plan is the best of the trials on the model as configured; it is as good as "
              "the model's rules and the ranges of the uncertain keys (docs/MODEL.md, calibration "
              "table): a different prior or a calibrated posterior (`uncertainty.file=`) can move it.",
              "- Tuned on its own draws, the best trial's numbers are a little optimistic (it was "
              "picked for doing well on them): the fresh columns are the ones to quote.",
              "- Contacts are named by node id and ranked by tie strength as the network gives it "
              "(overlap of mutual contacts unless the file has weights); the plan is for this "
              "network only.",
              "- Notes are assumed written at the pace `strategy.notes_per_day`; the effort is "
              "`strategy.minutes_per_note` a note and `strategy.minutes_per_batch` a generic batch."
              + ("" if any(c.metric == "effort_hours" for c in cons) else
                 f" No bound on the effort was set: this plan asks for about "
                 f"{rec_row['effort_hours']['mean']:,.0f} h of the sender's time; "
                 "`optimise.max_effort_hours=H` trades supporters for time."),
              ""]
    return "\n".join(lines)


def _meets(o: dict) -> str:
    if not o["constraints"]:
        return "yes (none set)"
    statuses = [v["status"] for v in o["constraints"].values()]
    if all(x == "meets" for x in statuses):
        return "yes"
    if all(x != "over" for x in statuses):
        return "within Monte Carlo error"
    over = [v["metric"] for v in o["constraints"].values() if v["status"] == "over"]
    return "no (" + ", ".join(over) + ")"


def _uncertainty_source(cfg) -> str:
    block = cfg.get("uncertainty") or {}
    kind, path = block.get("kind", "none"), block.get("file")
    if path and kind == "none":
        return f"uncertainty.file={path}"
    return f"uncertainty={kind}" + (f" with uncertainty.file={path}" if path else "")


def _figure_title(s: Setup, n: int) -> str:
    what = (f"{len(s.tune)} draws x {s.replicates} replicates" if s.dists
            else f"{s.replicates} replicates at the config's values")
    return f"{n} trials ({s.cfg.optimise.sampler}), each on the same {what}"
