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

``plan`` replays a schedule written in a file (``read_plan``; the format is in docs/MODEL.md,
"Strategies"): the user's own, or one a program wrote (``sim.report.plan.write_plan``).
"""

from __future__ import annotations

import csv
import functools
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
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
    # (C,) the contacts' node ids as the network names them (a file's own ids, else the node
    # indices), by rank: what a plan file names (None: not known to this view)
    contact_ids: np.ndarray | None = None
    # () -> (C, 2) the contacts' names and profile URLs by rank, when the network is the
    # sender's own (network=linkedin or contacts): a plan file may name contacts by them
    # (None: the network has no names)
    contact_people: callable | None = None


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


# --------------------------------------------------------------------------- plan files

PLAN_COLUMNS = ("contact", "hour", "kind")  # the header must name these; others are ignored
PLAN_KINDS = {"personal": PERSONAL, "generic": GENERIC}
PLAN_KEY = "strategy.path"
_PLAN_HEADER = ",".join(PLAN_COLUMNS)
_MAX_HOUR = 2**53  # hours beyond this are no whole number a float can carry
_INTEGER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True)
class PlanRow:
    """One message of a plan file: to ``contact`` (a node id, as written in the file) at
    ``hour`` (relative to the sender's start), of ``kind`` GENERIC or PERSONAL; ``line`` is
    its line in the file."""

    contact: str
    hour: int
    kind: int
    line: int


def read_plan(path, key: str = PLAN_KEY) -> tuple[PlanRow, ...]:
    """The rows of a plan file, in file order; StrategyError, one line naming the file (and
    the line) and what was expected, for anything that is not a plan."""
    shown = str(path)
    lines = _plan_lines(Path(path).expanduser(), shown, key)
    numbered = [(i, line) for i, line in enumerate(lines, 1) if line.strip()]
    if not numbered:
        raise StrategyError(f"{key}={shown}: the file is empty, expected a header "
                            f"{_PLAN_HEADER} and one row per message")
    head_no, head_line = numbered[0]
    names = [f.strip().lower() for f in _fields(head_line)]
    missing = [c for c in PLAN_COLUMNS if c not in names]
    if missing:
        raise StrategyError(f"{shown} line {head_no}: expected a header naming the columns "
                            f"{_PLAN_HEADER} (missing: {', '.join(missing)}), got {head_line.strip()!r}")
    twice = sorted({n for n in names if n in PLAN_COLUMNS and names.count(n) > 1})
    if twice:
        raise StrategyError(f"{shown} line {head_no}: the header names the column {twice[0]} "
                            f"twice: {head_line.strip()!r}")
    col = {c: names.index(c) for c in PLAN_COLUMNS}
    rows, seen = [], {}
    for no, line in numbered[1:]:
        fields = [f.strip() for f in _fields(line)]
        text = line.strip()
        if len(fields) != len(names):
            raise StrategyError(f"{shown} line {no}: expected {len(names)} fields as the header "
                                f"({','.join(names)}), got {len(fields)}: {text!r}")
        contact, hour_text, kind_text = (fields[col[c]] for c in PLAN_COLUMNS)
        if not contact:
            raise StrategyError(f"{shown} line {no}: contact is empty, expected a node id: {text!r}")
        hour = _whole_hour(hour_text)
        if hour is None:
            raise StrategyError(f"{shown} line {no}: hour {hour_text!r} is not a whole number "
                                f"of hours >= 0: {text!r}")
        kind = PLAN_KINDS.get(kind_text.lower())
        if kind is None:
            raise StrategyError(f"{shown} line {no}: kind {kind_text!r} is not personal or "
                                f"generic: {text!r}")
        before = seen.setdefault((contact, hour, kind), no)
        if before != no:
            raise StrategyError(f"{shown} line {no}: repeats line {before} (contact {contact}, "
                                f"hour {hour}, {kind_text.lower()}); expected at most one message "
                                "per contact, hour and kind")
        rows.append(PlanRow(contact, hour, kind, no))
    if not rows:
        raise StrategyError(f"{shown} line {head_no}: a header but no rows; expected one row "
                            f"per message ({_PLAN_HEADER})")
    return tuple(rows)


def _plan_lines(p: Path, shown: str, key: str) -> list[str]:
    if not p.exists():
        raise StrategyError(f"{key}={shown}: no such file")
    if p.is_dir():
        raise StrategyError(f"{key}={shown}: is a directory, expected a plan file ({_PLAN_HEADER})")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise StrategyError(f"{key}={shown}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StrategyError(f"{key}={shown}: not UTF-8 text (byte {exc.start}), expected a CSV "
                            f"plan ({_PLAN_HEADER})") from None
    return text.splitlines()


def _fields(line: str) -> list[str]:
    """One line's comma-separated fields (quotes as CSV has them; a plan row is one line)."""
    return next(csv.reader([line]), [])


def _whole_hour(text: str) -> int | None:
    try:
        x = float(text)
    except ValueError:
        return None
    if not math.isfinite(x) or x < 0 or x > _MAX_HOUR or x != int(x):
        return None
    return int(x)


@functools.lru_cache(maxsize=16)
def _cached_plan(shown: str, where: str, mtime_ns: int, size: int) -> tuple[PlanRow, ...]:
    return read_plan(shown)


def _plan_row(row, line: int) -> PlanRow:
    """A row given in memory: a PlanRow as it is, or (contact, hour, kind) checked as the
    reader checks a line (``line``: its line had it been written under a header)."""
    if isinstance(row, PlanRow):
        return row
    contact, hour, kind = row
    where = f"<plan in memory> row {line - 1}"
    contact = str(contact).strip()
    if not contact:
        raise StrategyError(f"{where}: contact is empty, expected a node id")
    whole = _whole_hour(str(hour))
    if whole is None:
        raise StrategyError(f"{where}: hour {hour!r} is not a whole number of hours >= 0")
    code = PLAN_KINDS.get(str(kind).lower()) if isinstance(kind, str) else \
        (kind if kind in PLAN_KINDS.values() else None)
    if code is None:
        raise StrategyError(f"{where}: kind {kind!r} is not personal or generic")
    return PlanRow(contact, whole, code, line)


def load_plan(path) -> tuple[PlanRow, ...]:
    """``read_plan``, parsed once per file version: the engine builds a strategy per sender
    and batch, and the file is read again only if it changed."""
    try:
        st = os.stat(Path(path).expanduser())
    except OSError:
        return read_plan(path)  # the error, named as read_plan names it
    return _cached_plan(str(path), os.path.abspath(Path(path).expanduser()), st.st_mtime_ns,
                        st.st_size)


def _by_url_or_name(find_id, people: np.ndarray, path: str):
    """A plan's contact resolved against the node ids (``find_id``), then the profile URLs,
    then the names (``people``: (C, 2) name and URL by rank); a name two contacts share is an
    error naming the line, as is one that is no one's (the caller's error)."""
    from sim.network.own import norm_name, norm_url

    by_url, by_name = {}, {}
    for r, (name, url) in enumerate(people.tolist()):
        if url.strip():
            by_url.setdefault(norm_url(url), r)
        if name.strip():
            by_name.setdefault(norm_name(name), []).append(r)

    def find(text: str, line: int):
        rank = find_id(text)
        if rank is not None:
            return rank
        rank = by_url.get(norm_url(text))
        if rank is not None:
            return rank
        ranks = by_name.get(norm_name(text), [])
        if len(ranks) > 1:
            raise StrategyError(
                f"{path} line {line}: contact {text!r} names {len(ranks)} contacts (expected one: "
                "give the profile URL or the node id of the one you mean)")
        return ranks[0] if ranks else None

    return find


class Plan:
    """A schedule read from a file (``strategy.path``): each row a message to one contact
    (its node id) at one hour, personal or generic, the same in every replicate. Each hour's
    notes go out as one send (``minutes_per_note`` each delivered), then its generic messages
    as one batch (``minutes_per_batch``), each in rank order, strongest first.

    With ``adaptive_pause``, a generic batch that comes due while the reports against the
    sender in the last ``pause_window_hours`` are at least ``pause_reports`` is held back, and
    tried again every hour; once it goes, the plan's later generic batches go as many hours
    late as it did (their spacing kept). Notes are never held. ``rows`` (PlanRow, or
    ``(contact, hour, kind)`` with kind ``personal`` or ``generic``) gives the schedule
    without a file, exactly as if read from one."""

    def __init__(self, path=None, minutes_per_note=_D.minutes_per_note,
                 minutes_per_batch=_D.minutes_per_batch, adaptive_pause=_D.adaptive_pause,
                 pause_reports=_D.pause_reports, pause_window_hours=_D.pause_window_hours,
                 rows=None, **_):
        if rows is not None:
            self.path = "<plan in memory>" if path is None else str(path)
            self.rows = tuple(_plan_row(r, i) for i, r in enumerate(rows, 2))
            if len({(r.contact, r.hour, r.kind) for r in self.rows}) < len(self.rows):
                raise StrategyError(f"{self.path}: a row repeats another (expected at most one "
                                    "message per contact, hour and kind)")
        elif path is None or not str(path).strip():
            raise StrategyError(f"{PLAN_KEY}: missing value (strategy=plan replays a plan file: "
                                f"set {PLAN_KEY}=FILE, a CSV with the columns {_PLAN_HEADER})")
        else:
            self.path = str(path)
            self.rows = load_plan(self.path)
        self.minutes_per_note = float(minutes_per_note)
        self.minutes_per_batch = float(minutes_per_batch)
        self.adaptive = bool(adaptive_pause)
        self.pause_reports, self.pause_window = int(pause_reports), int(round(pause_window_hours))
        self._by_hour = None
        self._generic = None  # adaptive: (hours of the generic batches, their ranks)
        self._next = None  # adaptive: per replicate, the next generic batch
        self._late = None  # adaptive: per replicate, hours the generic batches are held so far

    def _schedule(self, view) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """{hour: (ranks of its notes, ranks of its generic messages)}, from the rows and the
        view's contact ids; StrategyError naming the line of a contact the sender lacks."""
        if self._by_hour is not None:
            return self._by_hour
        if view.contact_ids is None:
            raise StrategyError("strategy=plan: this sender view does not give the contacts' "
                                "node ids (SenderView.contact_ids), so a plan cannot name them")
        ids = np.asarray(view.contact_ids)
        if ids.dtype.kind in "iu":
            rank_of = {int(x): r for r, x in enumerate(ids.tolist())}

            def find(text):
                return rank_of.get(int(text)) if _INTEGER.fullmatch(text) else None
        else:
            rank_of = {str(x): r for r, x in enumerate(ids.tolist())}
            find = rank_of.get
        if view.contact_people is not None:
            find = _by_url_or_name(find, view.contact_people(), self.path)
        by_hour: dict[int, tuple[list, list]] = {}
        seen: dict[tuple[int, int, int], int] = {}
        for row in self.rows:
            rank = find(row.contact) if view.contact_people is None else find(row.contact, row.line)
            if rank is None:
                raise StrategyError(
                    f"{self.path} line {row.line}: contact {row.contact!r} is not a contact of "
                    f"the sender (expected the node id of one of its {view.n_contacts} contacts, "
                    "as the network names them"
                    + (", or a contact's profile URL or name" if view.contact_people is not None
                       else "") + ")")
            before = seen.setdefault((rank, row.hour, row.kind), row.line)
            if before != row.line:
                raise StrategyError(
                    f"{self.path} line {row.line}: contact {row.contact!r} is the contact of line "
                    f"{before}, at the same hour and kind (expected at most one message per "
                    "contact, hour and kind)")
            notes, generic = by_hour.setdefault(row.hour, ([], []))
            (generic if row.kind == GENERIC else notes).append(rank)
        self._by_hour = {h: (np.array(sorted(p), dtype=np.int64), np.array(sorted(g), dtype=np.int64))
                         for h, (p, g) in by_hour.items()}
        return self._by_hour

    def send_hours(self, view, horizon_hours):
        hours = np.array(sorted(self._schedule(view)), dtype=np.int64)
        first = self._generic_batches(view)[0][:1]
        if not self.adaptive or not len(first):
            return hours
        # a held batch is tried again every hour, from the first generic batch to the horizon
        return np.union1d(hours, np.arange(int(first[0]), max(int(horizon_hours), int(first[0]) + 1)))

    def sends(self, hour, view):
        notes, generic = self._schedule(view).get(int(hour), ((), ()))
        out = []
        if len(notes):
            out.append(Send(PERSONAL, notes, minutes_each=self.minutes_per_note))
        if self.adaptive:
            out += self._adaptive_generic(int(hour), view)
        elif len(generic):
            out.append(Send(GENERIC, generic, minutes=self.minutes_per_batch))
        return out

    def _generic_batches(self, view) -> tuple[np.ndarray, list]:
        if self._generic is None:
            by_hour = self._schedule(view)
            hours = np.array([h for h in sorted(by_hour) if len(by_hour[h][1])], dtype=np.int64)
            self._generic = (hours, [by_hour[int(h)][1] for h in hours])
        return self._generic

    def _adaptive_generic(self, hour: int, view) -> list[Send]:
        """The generic batch due now in each replicate this call is for, unless held back."""
        hours, batches = self._generic_batches(view)
        if self._next is None:
            self._next = np.zeros(view.n_replicates, dtype=np.int64)
            self._late = np.zeros(view.n_replicates, dtype=np.int64)
        mine = ~np.asarray(view.suspended, dtype=bool)
        if view.active is not None:
            mine &= view.active
        mine &= self._next < len(hours)
        if not mine.any():
            return []
        due = mine & (hours[np.minimum(self._next, len(hours) - 1)] + self._late <= hour)
        if not due.any():
            return []
        held = due & (view.reports_in_last(self.pause_window) >= self.pause_reports)
        # a held batch (and every later one) waits: due again at the next hour
        self._late[held] = hour + 1 - hours[self._next[held]]
        go = due & ~held
        out = [Send(GENERIC, batches[b], replicates=go & (self._next == b),
                    minutes=self.minutes_per_batch) for b in np.unique(self._next[go]).tolist()]
        self._next[go] += 1
        return out


STRATEGIES = {
    "generic_blast": GenericBlast,
    "personal_first": PersonalFirst,
    "staggered": Staggered,
    "blast_then_personal": BlastThenPersonal,
    "plan": Plan,
}


def make_strategy(cfg) -> Strategy:
    """A fresh strategy object from the ``strategy`` config block (one per sender)."""
    params = {k: v for k, v in dict(cfg).items() if k not in ("name", "_target_")}
    if "_target_" in cfg:
        return plugins.build("strategy", cfg, params, Strategy, StrategyError,
                             "send_hours() and sends()")
    return STRATEGIES[cfg["name"]](**params)
