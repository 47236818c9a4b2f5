"""Plan files written: a schedule that ``strategy=plan strategy.path=FILE`` replays.

The format and its reader are the strategy's (``sim.rules.strategies.read_plan``; docs/MODEL.md,
"Strategies"): a header naming ``contact,hour,kind`` and any other columns (a name, a profile
address, a note), then one row per message. Written atomically (``sim.report.folders``), so a
reader sees the old plan or the new one, never half of one.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
from collections.abc import Iterable, Mapping
from pathlib import Path

from sim.report.folders import atomic_write
from sim.rules.strategies import PLAN_COLUMNS, PLAN_KINDS


def write_plan(path, rows: Iterable) -> Path:
    """Write ``rows`` to ``path`` as a plan file and return the path.

    Each row is a tuple ``(contact, hour, kind)`` or a mapping with the keys ``contact``,
    ``hour`` and ``kind`` and any others (written as extra columns, in the order first met;
    empty where a row lacks one). ``contact`` is the contact's node id as the network names
    it, ``hour`` a whole number of hours >= 0 from the sender's start, ``kind`` ``personal``
    or ``generic``. ValueError for a row the plan reader would refuse (so what is written
    reads back)."""
    table = [_row(r, i) for i, r in enumerate(rows)]
    if not table:
        raise ValueError("write_plan: no rows (a plan has at least one message)")
    seen = {}
    for i, r in enumerate(table):
        key = (str(r["contact"]), r["hour"], r["kind"])
        if seen.setdefault(key, i) != i:
            raise ValueError(f"write_plan: row {i} repeats row {seen[key]} {key}")
    extra = []
    for r in table:
        extra += [k for k in r if k not in PLAN_COLUMNS and k not in extra]
    columns = [*PLAN_COLUMNS, *extra]
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(columns)
    for r in table:
        out.writerow([r.get(c, "") for c in columns])
    path = Path(path)
    atomic_write(path, lambda tmp: tmp.write_text(buf.getvalue(), encoding="utf-8"))
    return path


def _row(row, i: int) -> dict:
    if isinstance(row, Mapping):
        r = {str(k): ("" if v is None else v) for k, v in row.items()}
        missing = [c for c in PLAN_COLUMNS if c not in r]
        if missing:
            raise ValueError(f"write_plan: row {i} lacks {', '.join(missing)}: {row!r}")
    else:
        r = dict(zip(PLAN_COLUMNS, row))
        if len(r) != len(PLAN_COLUMNS) or len(tuple(row)) != len(PLAN_COLUMNS):
            raise ValueError(f"write_plan: row {i} is not (contact, hour, kind): {row!r}")
    contact, hour, kind = (r[c] for c in PLAN_COLUMNS)
    if str(contact).strip() == "" or str(contact) != str(contact).strip():
        raise ValueError(f"write_plan: row {i}: contact {contact!r} is not a node id")
    if isinstance(hour, bool) or not isinstance(hour, numbers.Real) or not math.isfinite(hour) \
            or hour < 0 or hour != int(hour):
        raise ValueError(f"write_plan: row {i}: hour {hour!r} is not a whole number >= 0")
    if str(kind).lower() not in PLAN_KINDS:
        raise ValueError(f"write_plan: row {i}: kind {kind!r} is not personal or generic")
    for k, v in r.items():
        if "\n" in str(v) or "\r" in str(v):
            raise ValueError(f"write_plan: row {i}: {k} holds a line break (a plan row is one line)")
    r["hour"], r["kind"] = int(hour), str(kind).lower()
    return r
