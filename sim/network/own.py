"""The user's own network: a contact list (``network=contacts``) or a LinkedIn data export
(``network=linkedin``). docs/NETWORKS.md, "Your own network", documents every rule here.

A contact list knows the sender's contacts but not who among them know each other, nor who
they know outside: both are drawn (``contact_links``; the outside audience of the ``ego``
generator, ``generators.outside_audience``). The sender is node 0, the contacts nodes 1..C in
file order, the outside audience after them.

Tie strength goes on the sender's edges as edge weights, so that the default population
(``population.tie_strength.from=auto``) uses it, as it uses a file's weight column.

Privacy: a node's id is a short hash of the person's profile URL (or, without one, of their
name or id), never the name; names, URLs and e-mails stay in ``Network.people``, which
nothing writes out. Errors name the file and line; the line's text is not repeated.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import NetworkError
from sim.network import ties as tie_mod
from sim.network.generators import outside_audience
from sim.network.graph import Network, from_edges

log = logging.getLogger(__name__)

SENDER_ID = "sender"
LINKEDIN_COLUMNS = ("first name", "last name", "url", "email address", "company", "position",
                    "connected on")
MESSAGE_COLUMNS = ("from", "sender profile url", "to", "recipient profile urls", "date")
TRUE = {"true", "yes", "y", "1", "x"}
FALSE = {"false", "no", "n", "0", ""}
# seniority words dropped before comparing positions ("Senior Data Engineer" ~ "Data Engineer")
SENIORITY = {"senior", "sr", "junior", "jr", "lead", "principal", "staff", "head", "of",
             "chief", "associate", "assistant", "intern", "i", "ii", "iii", "iv", "the", "and",
             "&", "-", "vp", "svp", "evp", "deputy", "acting", "interim"}


@dataclass
class ContactTable:
    """Parsed contacts, one per row of the file, in file order (before the graph)."""

    key: list[str]  # identity: normalised profile URL, else name/id (hashed into node ids)
    line: list[int]  # line of the file each contact came from
    people: pd.DataFrame  # name, url, email (kept out of node ids and outputs)
    tie: np.ndarray  # tie strength in [0, 1], NaN where the file gives none
    close: np.ndarray  # bool: marked close by the file
    groups: dict[str, list[str]] = field(default_factory=dict)  # grouping -> label per contact
    info: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- reading text


def _decode(raw: bytes, shown: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        raise NetworkError(f"{shown}: the file is empty")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise NetworkError(f"{shown}: binary content (NUL byte at offset {nul}), "
                           "expected UTF-8 CSV text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise NetworkError(f"{shown} line {line}: not UTF-8 text (byte {exc.start}); "
                           "save the file as UTF-8 CSV") from None


def _rows(text: str, shown: str):
    """(line number, fields) for each CSV record; a line number is where the record starts."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise NetworkError(f"{shown} line {reader.line_num}: not valid CSV ({exc})") from None
        yield start, [f.strip() for f in row]
        start = reader.line_num + 1


def _blank(row: list[str]) -> bool:
    return not any(row)


def _records(rows, width: int, hline: int, shown: str):
    """The (line number, fields) of the rows after the header: blank rows skipped, a row with
    another number of fields than the header's a NetworkError naming its line."""
    for lineno, row in rows:
        if _blank(row):
            continue
        if len(row) != width:
            raise NetworkError(f"{shown} line {lineno}: expected {width} fields as in the "
                               f"header (line {hline}), got {len(row)}")
        yield lineno, row


def _read(path: Path, shown: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise NetworkError(f"{shown}: cannot read ({exc.strerror})") from None


def norm_url(url: str) -> str:
    u = url.strip().lower()
    u = re.sub(r"^https?://", "", u)
    u = re.sub(r"^www\.", "", u)
    return u.rstrip("/")


def norm_name(name: str) -> str:
    return " ".join(name.casefold().split())


def node_hash(key: str) -> str:
    """A contact's node id: 12 hex digits of SHA-256 of their identity (URL or name)."""
    return "c" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


# --------------------------------------------------------------------------- contact list


def parse_contacts(path, key: str = "network.path") -> ContactTable:
    """A contact list with a header: name (or id), optional tie_strength, close, community,
    email. Blank rows are skipped; anything else wrong is a NetworkError naming the line."""
    p = Path(str(path)).expanduser()
    shown = str(path)
    if not p.is_file():
        raise NetworkError(f"{key}={shown}: no such file" if not p.exists()
                           else f"{key}={shown}: is a directory, expected a CSV contact list")
    text = _decode(_read(p, shown), shown)
    rows = _rows(text, shown)
    header = None
    for lineno, row in rows:
        if not _blank(row):
            header, hline = [h.lower() for h in row], lineno
            break
    if header is None:
        raise NetworkError(f"{shown}: the file is empty")
    col = {h: i for i, h in enumerate(header)}
    ident = "name" if "name" in col else ("id" if "id" in col else None)
    if ident is None:
        raise NetworkError(f"{shown} line {hline}: expected a header with a column 'name' (or "
                           f"'id'), got {len(header)} column(s) {', '.join(header)[:120]}")
    keys, lines, names, emails, tie, close, community = [], [], [], [], [], [], []
    seen: dict[str, int] = {}
    for lineno, row in _records(rows, len(header), hline, shown):
        name = row[col[ident]]
        if not name:
            raise NetworkError(f"{shown} line {lineno}: empty '{ident}'")
        k = norm_name(name)
        if k in seen:
            raise NetworkError(f"{shown} line {lineno}: the same person as line {seen[k]} "
                               f"(duplicate '{ident}')")
        seen[k] = lineno
        t = np.nan
        if "tie_strength" in col and row[col["tie_strength"]]:
            try:
                t = float(row[col["tie_strength"]])
            except ValueError:
                t = np.nan
                bad = True
            else:
                bad = not 0.0 <= t <= 1.0
            if bad:
                raise NetworkError(f"{shown} line {lineno}: tie_strength "
                                   f"{row[col['tie_strength']][:20]!r} is not a number in [0, 1]")
        c = False
        if "close" in col:
            v = row[col["close"]].lower()
            if v in TRUE:
                c = True
            elif v not in FALSE:
                raise NetworkError(f"{shown} line {lineno}: close {row[col['close']][:20]!r} "
                                   "is not true/false")
        keys.append(k)
        lines.append(lineno)
        names.append(name)
        emails.append(row[col["email"]] if "email" in col else "")
        tie.append(t)
        close.append(c)
        community.append(row[col["community"]].casefold() if "community" in col else "")
    if not keys:
        raise NetworkError(f"{shown}: the file is empty (a header but no contacts)")
    people = pd.DataFrame({"name": names, "url": [""] * len(keys), "email": emails})
    return ContactTable(key=keys, line=lines, people=people, tie=np.asarray(tie, dtype=float),
                        close=np.asarray(close, dtype=bool), groups={"community": community},
                        info={"source": "contacts", "path": shown, "contacts": len(keys),
                              "tie_strength_column": "tie_strength" in col,
                              "close_column": "close" in col,
                              "community_column": "community" in col})


# --------------------------------------------------------------------------- LinkedIn export


def _linkedin_files(path, key: str) -> tuple[str, bytes, str | None, bytes | None]:
    """(name, bytes) of Connections.csv and of messages.csv (or None) from a ZIP, a folder or
    a Connections.csv."""
    shown = str(path)
    p = Path(shown).expanduser()
    if not p.exists():
        raise NetworkError(f"{key}={shown}: no such file or folder")
    if p.is_dir():
        found = {f.name.lower(): f for f in sorted(p.rglob("*.csv"))}
        conn = found.get("connections.csv")
        if conn is None:
            raise NetworkError(f"{key}={shown}: no Connections.csv in this folder (expected a "
                               "LinkedIn data export)")
        msg = found.get("messages.csv")
        return (str(conn), _read(conn, str(conn)), None if msg is None else str(msg),
                None if msg is None else _read(msg, str(msg)))
    if zipfile.is_zipfile(p):
        try:
            with zipfile.ZipFile(p) as z:
                members = {Path(n).name.lower(): n for n in z.namelist() if not n.endswith("/")}
                if "connections.csv" not in members:
                    raise NetworkError(f"{key}={shown}: the ZIP has no Connections.csv (expected "
                                       "a LinkedIn data export)")
                conn = members["connections.csv"]
                raw_c = z.read(conn)
                msg = members.get("messages.csv")
                raw_m = None if msg is None else z.read(msg)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
            raise NetworkError(f"{key}={shown}: cannot read the ZIP ({exc})") from None
        return (f"{shown}:{conn}", raw_c, None if msg is None else f"{shown}:{msg}", raw_m)
    raw = _read(p, shown)
    if raw[:2] == b"PK":
        raise NetworkError(f"{key}={shown}: not a valid ZIP file")
    msg = next((f for f in p.parent.iterdir() if f.name.lower() == "messages.csv"), None)
    return shown, raw, None if msg is None else str(msg), None if msg is None else _read(msg, str(msg))


def _header(rows, wanted: tuple[str, ...], first: str, shown: str):
    """Skip LinkedIn's "Notes:" lines to the header; the column index of each wanted name."""
    for lineno, row in rows:
        low = [h.lower() for h in row]
        if low and low[0] == first:
            missing = [w for w in wanted if w not in low]
            if missing:
                raise NetworkError(f"{shown} line {lineno}: the header lacks the column(s) "
                                   f"{', '.join(missing)} (expected {','.join(wanted)})")
            return lineno, len(row), {h: low.index(h) for h in wanted}
    raise NetworkError(f"{shown}: no header line; expected one starting "
                       f"{','.join(w.title() for w in wanted[:3])}")


def parse_linkedin(path, key: str = "network.path") -> tuple[ContactTable, dict]:
    """Connections.csv (and messages.csv if present) of a LinkedIn export. Returns the
    contacts and, per contact position, the message dates (UTC datetimes)."""
    cname, craw, mname, mraw = _linkedin_files(path, key)
    text = _decode(craw, cname)
    rows = _rows(text, cname)
    hline, width, col = _header(rows, LINKEDIN_COLUMNS, "first name", cname)
    keys, lines, names, urls, emails, connected = [], [], [], [], [], []
    company, position = [], []
    seen: dict[str, int] = {}
    for lineno, row in _records(rows, width, hline, cname):
        name = " ".join(f for f in (row[col["first name"]], row[col["last name"]]) if f)
        url = row[col["url"]]
        if not name and not url:
            raise NetworkError(f"{cname} line {lineno}: neither a name nor a URL")
        k = norm_url(url) if url else norm_name(name)
        if k in seen:
            raise NetworkError(f"{cname} line {lineno}: the same person as line {seen[k]} "
                               f"(duplicate {'URL' if url else 'name'})")
        seen[k] = lineno
        when = row[col["connected on"]]
        if when:
            try:
                d = datetime.strptime(when, "%d %b %Y").replace(tzinfo=timezone.utc)
            except ValueError:
                raise NetworkError(f"{cname} line {lineno}: Connected On {when[:20]!r} is not a "
                                   "date like 05 Nov 2024") from None
        else:
            d = None
        keys.append(k)
        lines.append(lineno)
        names.append(name)
        urls.append(url)
        emails.append(row[col["email address"]])
        connected.append(d)
        company.append(" ".join(row[col["company"]].casefold().split()))
        position.append(similar_position(row[col["position"]]))
    if not keys:
        raise NetworkError(f"{cname}: the file is empty (a header but no connections)")
    people = pd.DataFrame({"name": names, "url": urls, "email": emails})
    table = ContactTable(key=keys, line=lines, people=people,
                         tie=np.full(len(keys), np.nan), close=np.zeros(len(keys), dtype=bool),
                         groups={"company": company, "position": position},
                         info={"source": "linkedin", "path": str(path), "contacts": len(keys)})
    table.info["connected_on"] = connected  # popped by the builder (datetimes, not for output)
    messages = {} if mraw is None else parse_messages(mname, mraw, table)
    return table, messages


def similar_position(position: str) -> str:
    """A position without seniority words, lower case: "Senior Data Engineer" ->
    "data engineer". Two contacts with the same (non-empty) result have similar positions."""
    words = re.findall(r"[^\W_]+", position.casefold())
    return " ".join(w for w in words if w not in SENIORITY)


def parse_messages(shown: str, raw: bytes, table: ContactTable) -> dict[int, list[datetime]]:
    """messages.csv: the dates of the messages each contact sent or received in a
    conversation with the sender, matched by profile URL, else by name."""
    text = _decode(raw, shown)
    rows = _rows(text, shown)
    hline, width, col = _header(rows, MESSAGE_COLUMNS, "conversation id", shown)
    by_url = {norm_url(u): i for i, u in enumerate(table.people["url"]) if u}
    by_name: dict[str, int] = {}
    for i, nm in enumerate(table.people["name"]):
        by_name.setdefault(norm_name(nm), i)
    dates: dict[int, list[datetime]] = {}
    n_msg = 0
    for lineno, row in _records(rows, width, hline, shown):
        stamp = row[col["date"]]
        try:
            d = datetime.strptime(stamp.replace(" UTC", ""), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise NetworkError(f"{shown} line {lineno}: DATE {stamp[:25]!r} is not a date like "
                               "2024-11-05 14:03:22 UTC") from None
        d = d.replace(tzinfo=timezone.utc)
        n_msg += 1
        who = set()
        for u in [row[col["sender profile url"]], *row[col["recipient profile urls"]].split(",")]:
            if u.strip() and norm_url(u) in by_url:
                who.add(by_url[norm_url(u)])
        if not who:
            for nm in [row[col["from"]], *row[col["to"]].split(",")]:
                if norm_name(nm) in by_name:
                    who.add(by_name[norm_name(nm)])
        for i in who:
            dates.setdefault(i, []).append(d)
    table.info["messages"] = n_msg
    table.info["contacts_messaged"] = len(dates)
    return dates


# --------------------------------------------------------------------------- close ties


def read_close_ties(path, table: ContactTable, key: str = "network.close_ties_file") -> np.ndarray:
    """Which contacts the file (one name or profile URL per line) names; lines that match
    nobody are reported by line number (not by name) in a warning."""
    shown = str(path)
    p = Path(shown).expanduser()
    if not p.is_file():
        raise NetworkError(f"{key}={shown}: no such file")
    text = _decode(_read(p, shown), shown)
    by_url: dict[str, list[int]] = {}
    by_name: dict[str, list[int]] = {}
    for i, (nm, u) in enumerate(zip(table.people["name"], table.people["url"])):
        if u:
            by_url.setdefault(norm_url(u), []).append(i)
        by_name.setdefault(norm_name(nm), []).append(i)
    close = np.zeros(len(table.key), dtype=bool)
    unknown, entries = [], 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        s = line.strip().strip(",").strip('"').strip()
        if not s or s.startswith("#"):
            continue
        entries += 1
        hits = by_url.get(norm_url(s)) if ("/" in s or "linkedin" in s.lower()) else None
        hits = hits or by_name.get(norm_name(s)) or []
        if hits:
            close[hits] = True
        else:
            unknown.append(lineno)
    if not close.any():
        raise NetworkError(f"{key}={shown}: none of its {entries} entries matches a contact "
                           "(expected one name or profile URL per line)")
    if unknown:
        shown_lines = ", ".join(map(str, unknown[:20])) + (" ..." if len(unknown) > 20 else "")
        log.warning("%s: %d of %d entries match no contact (lines %s)", shown, len(unknown),
                    entries, shown_lines)
    return close


# --------------------------------------------------------------------------- the graph


def pair_links(c: int, p: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """G(c, p): each of the c(c-1)/2 pairs linked with probability p (i < j)."""
    n_pairs = c * (c - 1) // 2
    if p <= 0 or n_pairs == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z
    m = int(rng.binomial(n_pairs, min(p, 1.0)))
    k = np.sort(rng.choice(n_pairs, size=m, replace=False)).astype(np.int64)
    # row i of the upper triangle starts at pair index i*c - i(i+1)/2
    i = (c - 2 - np.floor(np.sqrt(-8.0 * k + 4.0 * c * (c - 1) - 7) / 2.0 - 0.5)).astype(np.int64)
    j = k + i + 1 - n_pairs + (c - i) * (c - i - 1) // 2
    return i, j


def contact_links(groups: list[tuple[list[str], float]], c: int, across: float,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Links among c contacts (positions 0..c-1): any two are linked with probability
    ``across``; two who share a label of a grouping (same community; same company; similar
    position) with that grouping's probability p instead (more if they share several:
    each shared label is one more chance, 1 - (1 - across) prod (1 - q_g), q_g = (p - across)
    / (1 - across)). An empty label is no label."""
    us, vs = [], []
    a, b = pair_links(c, across, rng)
    us.append(a)
    vs.append(b)
    for labels, p in groups:
        q = (p - across) / (1.0 - across) if across < 1 else 0.0
        if q <= 0:
            continue
        lab = pd.Series(labels)
        lab = lab[lab != ""]
        for _, members in sorted(lab.groupby(lab).groups.items()):
            members = np.asarray(members, dtype=np.int64)
            if len(members) < 2:
                continue
            i, j = pair_links(len(members), q, rng)
            us.append(members[i])
            vs.append(members[j])
    return np.concatenate(us), np.concatenate(vs)


def build_own(table: ContactTable, group_probs: list[tuple[str, float]], cfg,
              rng: np.random.Generator, name: str) -> tuple[Network, np.ndarray]:
    """The sender (node 0), the contacts (1..C), links among them and the outside audience.
    Returns the network (no weights yet) and the contacts' node indices."""
    c = len(table.key)
    contacts = np.arange(1, c + 1, dtype=np.int64)
    a, b = contact_links([(table.groups[g], p) for g, p in group_probs], c,
                         float(cfg.across_prob), rng)
    ou, ov, n = outside_audience(contacts, c + 1, cfg, rng)
    u = np.concatenate([np.zeros(c, dtype=np.int64), a + 1, ou])
    v = np.concatenate([contacts, b + 1, ov])
    hashed = [node_hash(k) for k in table.key]
    if len(set(hashed)) != c:  # 48-bit hashes: a clash is ~1e-8 at 30,000 contacts
        raise NetworkError(f"{table.info['path']}: two contacts hash to the same node id")
    ids = np.array([SENDER_ID, *hashed, *(f"x{i}" for i in range(c + 1, n))], dtype=str)
    info = {k: v for k, v in table.info.items() if k != "connected_on"}
    net = from_edges(u, v, n, 0, node_ids=ids, name=name, info=info)
    net.people = table.people.assign(node=contacts).set_index("node")
    return net, contacts


def set_sender_weights(net: Network, tie: np.ndarray, close: np.ndarray | None) -> None:
    """Put each contact's tie strength (by node index 1..C) on the sender's edges; other
    edges get 0 (the sender's ties are the only ones a contact list measures). Listed close
    ties get 1 and the others are scaled into [0, 0.99], so the listed rank first."""
    t = np.asarray(tie, dtype=float)
    if close is not None and close.any():
        top = t[~close].max() if (~close).any() else 0.0
        t = np.where(close, 1.0, 0.99 * (t / top if top > 0 else t))
    by_node = np.zeros(net.n_nodes)
    by_node[1 : len(t) + 1] = t
    rows = np.repeat(np.arange(net.n_nodes), net.degree())
    w = np.zeros(len(net.indices))
    from_sender = rows == 0
    to_sender = net.indices == 0
    w[from_sender] = by_node[net.indices[from_sender]]
    w[to_sender] = by_node[rows[to_sender]]
    net.weights = w


def _fill_missing(net: Network, tie: np.ndarray) -> np.ndarray:
    """Tie strengths the file leaves empty: from the neighbourhood overlap of the drawn graph,
    as the default population does without weights (Onnela et al. 2007)."""
    miss = np.isnan(tie)
    if not miss.any():
        return tie
    contacts, o = tie_mod.overlap(net, 0)
    by_node = np.zeros(net.n_nodes)
    by_node[contacts] = tie_mod.rescale(o)
    out = tie.copy()
    out[miss] = by_node[1 : len(tie) + 1][miss]
    return out


def contacts(cfg, rng: np.random.Generator) -> Network:
    """network=contacts: a contact list with a header."""
    table = parse_contacts(cfg.path)
    close = table.close
    if cfg.get("close_ties_file"):
        close = close | read_close_ties(cfg.close_ties_file, table)
    net, _ = build_own(table, [("community", float(cfg.within_community_prob))], cfg, rng,
                       name=f"contacts ({len(table.key)} contacts)")
    set_sender_weights(net, _fill_missing(net, table.tie), close)
    net.info["close_ties_listed"] = int(close.sum())
    _log(net)
    return net


def linkedin(cfg, rng: np.random.Generator) -> Network:
    """network=linkedin: a LinkedIn data export (ZIP, its folder, or Connections.csv)."""
    table, messages = parse_linkedin(cfg.path)
    connected = table.info.pop("connected_on")
    close = None
    if cfg.get("close_ties_file"):
        close = read_close_ties(cfg.close_ties_file, table)
    net, _ = build_own(table, [("company", float(cfg.same_company_prob)),
                               ("position", float(cfg.similar_position_prob))], cfg, rng,
                       name=f"linkedin ({len(table.key)} connections)")
    tie = linkedin_ties(connected, table.groups["company"], messages, cfg)
    set_sender_weights(net, tie, close)
    net.info["close_ties_listed"] = 0 if close is None else int(close.sum())
    net.info["tie_strength_from"] = "messages, connection age, company" if messages else \
        "connection age, company"
    _log(net)
    return net


def linkedin_ties(connected: list, company: list[str], messages: dict, cfg) -> np.ndarray:
    """Tie strength per connection, in [0, 1] (docs/NETWORKS.md, "Your own network").

    Without messages: (1 - company_weight) * age + company_weight * same_company, where
    age = min(years connected / connection_age_full_years, 1) (a missing date counts as the
    median) and same_company = 1 if the company is one of ``own_companies``.
    With messages: messages_weight * intensity + (1 - messages_weight) * that, where
    intensity = log(1 + sum over messages of 2^(-age in days / message_half_life_days)),
    divided by its maximum (Rajkumar et al. 2022 measured LinkedIn tie strength by
    interaction intensity). Ages are counted back from the export's latest date.
    """
    c = len(connected)
    stamps = [d for d in connected if d is not None]
    stamps += [d for ds in messages.values() for d in ds]
    ref = max(stamps) if stamps else datetime(2000, 1, 1, tzinfo=timezone.utc)
    years = np.array([np.nan if d is None else (ref - d).days / 365.25 for d in connected])
    if np.isnan(years).all():
        years[:] = 0.0
    years = np.where(np.isnan(years), np.nanmedian(years), years)
    full = float(cfg.connection_age_full_years)
    age = np.clip(years / full, 0.0, 1.0) if full > 0 else np.ones(c)
    own = {" ".join(str(x).casefold().split()) for x in (cfg.get("own_companies") or [])}
    same = np.array([1.0 if co and co in own else 0.0 for co in company])
    cw = float(cfg.company_weight)
    base = (1 - cw) * age + cw * same
    if not messages:
        return base
    half = float(cfg.message_half_life_days)
    intensity = np.zeros(c)
    for i, ds in messages.items():
        days = np.array([(ref - d).total_seconds() / 86400.0 for d in ds])
        intensity[i] = np.sum(np.exp2(-np.maximum(days, 0.0) / half))
    mw = float(cfg.messages_weight)
    return mw * tie_mod.rescale(np.log1p(intensity)) + (1 - mw) * base


def _log(net: Network) -> None:
    log.info("loaded %s: %d contacts, %d nodes, %d edges (%d close ties listed)", net.name,
             int(net.degree()[0]), net.n_nodes, net.n_edges, net.info.get("close_ties_listed", 0))
