"""Load a user's network from an edge-list file (SNAP ``u v`` lines, or CSV/TSV with a header).

Parsing runs in pandas' C reader, so the 88k-edge ego-Facebook file loads in milliseconds;
only when something is wrong does a line-by-line scan run, to name the offending line.

Formats (plain or gzip-compressed, detected from the content, not the name):
- SNAP: one edge ``u v`` per line, separated by spaces or tabs; lines starting with ``#`` are
  comments. Columns after the second are ignored (SNAP uses them for timestamps or signs,
  which are not tie strengths); to use a weight, name it in a header.
- A header row naming the columns ``source`` and ``target`` (and optionally ``weight``), in any
  order, separated by commas (CSV) or by spaces/tabs. A comma-separated file must have this
  header, so that a header such as ``u,v`` is never read as an edge.
Node ids are integers or strings (no whitespace, except in CSV).

Direction: the simulation's ties are mutual (a contact can see the sender's posts and the
sender can message them), so a directed file is made undirected: an arc either way is a tie.
``directed=true`` only changes the accounting: reciprocal arcs u->v and v->u are merged into
one tie (counted as ``reciprocal_arcs_merged``, their weights summed: the tie carries the
interaction both ways), whereas with ``directed=false`` a repeated pair is a duplicate
(counted as ``duplicate_edges_dropped``, the first weight kept). Self-loops are always
dropped and counted (``self_loops_dropped``).
"""

from __future__ import annotations

import gzip
import io
import logging
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import NetworkError
from sim.network.graph import Network, from_edges

log = logging.getLogger(__name__)

HEADER_SOURCE, HEADER_TARGET, HEADER_WEIGHT = "source", "target", "weight"


def load_edgelist(path, directed: bool = False, key: str = "network.path") -> Network:
    """The undirected simple graph in ``path``; its node ids are kept in ``node_ids``."""
    shown = str(path)
    raw = _read_bytes(Path(path).expanduser(), shown, key)
    first = _first_data_line(raw, shown, key)
    lineno, line = first
    sep = "," if "," in line else None  # None: runs of spaces or tabs
    fields = _split(line, sep)
    names = [f.strip().strip('"').lower() for f in fields]
    has_header = HEADER_SOURCE in names and HEADER_TARGET in names
    if sep == "," and not has_header:
        raise NetworkError(
            f"{shown} line {lineno}: a comma-separated file needs a header naming the columns "
            f"source,target[,weight], got {line.strip()!r}"
        )
    if len(fields) < 2:
        raise NetworkError(
            f"{shown} line {lineno}: malformed, expected two node ids 'u v', "
            f"got {len(fields)} field(s): {line.strip()!r}"
        )
    df = _parse(raw, sep, has_header, len(fields), shown)
    if has_header:
        cols = {n: i for i, n in enumerate(names)}
        src, dst = df.iloc[:, cols[HEADER_SOURCE]], df.iloc[:, cols[HEADER_TARGET]]
        wcol = df.iloc[:, cols[HEADER_WEIGHT]] if HEADER_WEIGHT in cols else None
        extra = len(fields) - 2 - (wcol is not None)
    else:
        src, dst, wcol = df.iloc[:, 0], df.iloc[:, 1], None
        extra = len(fields) - 2
    n_rows = len(df)
    if n_rows == 0:
        raise NetworkError(f"{key}={shown}: the file is empty (a header but no edges)")
    required = [cols[HEADER_SOURCE], cols[HEADER_TARGET]] if has_header else [0, 1]
    bad = src.isna().to_numpy() | dst.isna().to_numpy()
    if wcol is not None:
        required.append(cols[HEADER_WEIGHT])
        bad |= wcol.isna().to_numpy()
    if bad.any():
        _raise_malformed(raw, sep, has_header, len(fields), required, shown)
    ids_u, ids_v = _ids(src, dst)
    if ids_u.dtype.kind == "U":
        _reject_header_like_first_row(src, dst, has_header, first, shown)
    weights = None if wcol is None else _weights(wcol, raw, has_header, shown)
    node_ids, (u, v) = _index(ids_u, ids_v)
    n = len(node_ids)
    info = {
        "source": "edgelist",
        "path": shown,
        "format": "csv" if sep == "," else ("columns with header" if has_header else "snap"),
        "lines": int(n_rows),
        "directed": bool(directed),
    }
    if extra > 0:
        info["extra_columns_ignored"] = int(extra)
    if directed:
        u, v, weights, info = _merge_reciprocal(u, v, weights, n, info)
    net = from_edges(u, v, n, 0, weights=weights, node_ids=node_ids, name=Path(shown).name,
                     info=info)
    log.info(
        "loaded %s: %d edge lines, %d nodes, %d edges (dropped %d self-loops, %d duplicates%s)",
        shown, n_rows, net.n_nodes, net.n_edges, net.info["self_loops_dropped"],
        net.info["duplicate_edges_dropped"],
        f", merged {net.info['reciprocal_arcs_merged']} reciprocal arcs" if directed else "",
    )
    return net


# --------------------------------------------------------------------------- reading


def _read_bytes(p: Path, shown: str, key: str) -> bytes:
    if not p.exists():
        raise NetworkError(f"{key}={shown}: no such file")
    if p.is_dir():
        raise NetworkError(f"{key}={shown}: is a directory, expected an edge-list file")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise NetworkError(f"{key}={shown}: cannot read ({exc.strerror})") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise NetworkError(f"{key}={shown}: not a valid gzip file ({exc})") from None
    if not raw.strip():
        raise NetworkError(f"{key}={shown}: the file is empty (no edges)")
    nul = raw.find(b"\x00", 0, 1 << 20)
    if nul >= 0:
        raise NetworkError(
            f"{key}={shown}: binary content (NUL byte at offset {nul}), expected a text edge list"
        )
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NetworkError(
            f"{key}={shown}: binary content (not UTF-8 text at byte {exc.start}), "
            "expected a text edge list"
        ) from None
    return raw


def _lines(raw: bytes):
    """(line number, text without the newline) for every line; the slow path only."""
    for i, line in enumerate(io.StringIO(raw.decode("utf-8-sig"), newline=None), start=1):
        yield i, line.rstrip("\r\n")


def _is_data(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith("#")


def _first_data_line(raw: bytes, shown: str, key: str) -> tuple[int, str]:
    for i, line in _lines(raw):
        if _is_data(line):
            return i, line
    raise NetworkError(f"{key}={shown}: the file is empty (only comments, no edges)")


def _split(line: str, sep: str | None) -> list[str]:
    line = line.split("#", 1)[0]
    return [f.strip() for f in line.split(",")] if sep == "," else line.split()


def _parse(raw: bytes, sep: str | None, has_header: bool, n_fields: int, shown: str) -> pd.DataFrame:
    try:
        return pd.read_csv(
            io.BytesIO(raw),
            sep="," if sep == "," else r"\s+",
            header=0 if has_header else None,
            names=None if has_header else list(range(n_fields)),
            comment="#",
            skip_blank_lines=True,
            skipinitialspace=True,
            dtype=None,
            keep_default_na=False,  # a node called "NA" is a node; only empty fields are missing
            na_values=[""],
            engine="c",
            encoding="utf-8-sig",
            quoting=3 if sep != "," else 0,  # QUOTE_NONE for SNAP lines
        )
    except (pd.errors.ParserError, ValueError) as exc:
        _raise_malformed(raw, sep, has_header, n_fields, [0, 1], shown)
        raise NetworkError(f"{shown}: cannot parse ({str(exc).splitlines()[-1]})") from None


def _raise_malformed(raw: bytes, sep, has_header: bool, n_fields: int, required: list[int],
                     shown: str) -> None:
    """Find the first line with the wrong number of fields or an empty required field."""
    seen_header = not has_header
    want = "source,target[,weight] columns" if has_header else "two node ids 'u v'"
    for i, line in _lines(raw):
        if not _is_data(line):
            continue
        fields = _split(line, sep)
        if not seen_header:
            seen_header = True
            continue
        if len(fields) != n_fields or any(j >= len(fields) or fields[j] == "" for j in required):
            raise NetworkError(
                f"{shown} line {i}: malformed, expected {n_fields} fields ({want}), "
                f"got {len(fields)}: {line.strip()!r}"
            )


def _data_line(raw: bytes, row: int, has_header: bool) -> tuple[int, str]:
    """Line number and text of the ``row``-th edge (0-based), for error messages."""
    k = -1 if has_header else 0
    for i, line in _lines(raw):
        if _is_data(line):
            if k == row:
                return i, line.strip()
            k += 1
    return -1, ""


def _reject_header_like_first_row(src, dst, has_header, first, shown) -> None:
    """A first row of words over integer ids is a header without '#', not an edge."""
    if has_header or len(src) < 2:
        return
    rest = pd.concat([src.iloc[1:], dst.iloc[1:]]).astype(str)
    if rest.str.fullmatch(r"[+-]?\d+").all():
        lineno, line = first
        raise NetworkError(
            f"{shown} line {lineno}: looks like a header ({line.strip()!r}) over integer ids; "
            "comment it out with '#' or name the columns source target [weight]"
        )


# --------------------------------------------------------------------------- ids, weights


def _ids(src: pd.Series, dst: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer ids if both columns are integers, else both as strings (spaces trimmed)."""
    if pd.api.types.is_integer_dtype(src) and pd.api.types.is_integer_dtype(dst):
        return src.to_numpy(np.int64), dst.to_numpy(np.int64)
    return (src.astype(str).str.strip().to_numpy(dtype=str),
            dst.astype(str).str.strip().to_numpy(dtype=str))


def _index(u_ids: np.ndarray, v_ids: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Sorted distinct ids and each endpoint's position among them."""
    both = np.concatenate([u_ids, v_ids])
    if both.dtype.kind == "i" and both.min() >= 0 and both.max() <= 4 * len(both) + 1024:
        present = np.zeros(int(both.max()) + 1, dtype=bool)  # counting, not sorting
        present[both] = True
        node_ids = np.flatnonzero(present).astype(np.int64)
        pos = np.cumsum(present) - 1
        codes = pos[both]
    else:
        node_ids, codes = np.unique(both, return_inverse=True)
    m = len(u_ids)
    return node_ids, (codes[:m].astype(np.int64), codes[m:].astype(np.int64))


def _weights(col: pd.Series, raw: bytes, has_header: bool, shown: str) -> np.ndarray:
    w = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        lineno, line = _data_line(raw, row, has_header)
        raise NetworkError(
            f"{shown} line {lineno}: weight {col.iloc[row]!r} is not a number >= 0: {line!r}"
        )
    return w


def _merge_reciprocal(u, v, weights, n: int, info: dict):
    """Arcs to undirected ties: drop self-loops and repeated arcs, merge u->v with v->u."""
    loops = u == v
    info["self_loops_dropped"] = int(loops.sum())
    u, v = u[~loops], v[~loops]
    w = None if weights is None else weights[~loops]
    _, first = np.unique(u * n + v, return_index=True)
    first.sort()
    info["duplicate_edges_dropped"] = int(len(u) - len(first))
    u, v = u[first], v[first]
    w = None if w is None else w[first]
    key = np.minimum(u, v) * n + np.maximum(u, v)
    uniq, first, inv = np.unique(key, return_index=True, return_inverse=True)
    info["reciprocal_arcs_merged"] = int(len(key) - len(uniq))
    if w is not None:
        w = np.bincount(inv, weights=w, minlength=len(uniq))
        order = np.argsort(first, kind="stable")
        w = w[order]
    else:
        order = np.argsort(first, kind="stable")
    keep = first[order]
    return u[keep], v[keep], w, info
