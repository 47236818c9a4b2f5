"""Put runs and sweeps side by side in figures and a table (``outreach compare DIR...``,
whose command line is sim/cli/compare.py).

Each DIR is a run folder (with ``summary.json``) or a sweep folder (job folders below it).
Incomplete or failed runs are skipped with a message; an empty folder or one written by an
older version is an error. Entries are labelled by the overrides that differ between them.

Writes to ``--out`` (default: ``DIR/compare`` for one DIR, else ``./compare``), each figure as
PNG and SVG:

* ``reach_over_time``: mean reach per entry over days, with a band (a 95% CI of the mean when
  the series has ``sd``; otherwise the 5-95% range of replicates, and the legend says which);
* ``benefits`` and ``harms``: the registry's benefit and harm metrics (sim/metrics.py), means
  with 95% CIs;
* ``risks``: the shares of replicates restricted at least once and suspended, with Wilson
  95% intervals;
* ``reach_vs_risk``: reach against restriction risk with the Pareto front (no other entry has
  more reach at no more risk) marked;
* ``by_<key>``: for a sweep over one numeric parameter, the main metrics against it;
* ``heatmap``: for a sweep over two numeric parameters (facets for the other swept keys),
  restriction risk and reach on the grid;
* ``paired_differences``: per comparison metric, each entry's difference from the baseline
  (mean and 95% CI, 0 marked; open markers where the runs are not paired);
* ``comparison.md``: the registry's comparison metrics as a markdown table, then the table of
  differences from the baseline: per entry and metric the mean difference with its 95% CI,
  the shares of replicates in which the entry is better, worse and tied, and in words
  ("no detectable difference" when the interval holds 0). How the differences are computed,
  and when runs are paired: sim/report/paired.py.

The baseline (``baseline``, ``--baseline LABEL|INDEX``) is an entry's label or its index in
the table (0 = the first row, as Hydra numbers a sweep's jobs); by default, the first entry
whose strategy is ``generic_blast`` (the untargeted ask every other strategy refines), else
the first entry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim import metrics  # noqa: E402
from sim.errors import ResultsError  # noqa: E402
from sim.report import folders, summary  # noqa: E402
from sim.report.figures import save  # noqa: E402
from sim.report.paired import Difference, differences  # noqa: E402
from sim.report.stats import CLUSTER_METHOD, Z95  # noqa: E402
from sim.report.sweep_table import (  # noqa: E402
    is_seed_neutral, job_folders, job_overrides, override_key, override_value,
)
from sim.units import HOURS_PER_DAY  # noqa: E402

DEFAULT_BASELINE_STRATEGY = "generic_blast"


@dataclass
class Entry:
    """One complete run to compare: its summary, its overrides and its label."""

    summary: summary.Summary
    overrides: dict = field(default_factory=dict)
    label: str = ""

    @property
    def folder(self) -> Path:
        return self.summary.folder

    def mean(self, name: str) -> float:
        return self.summary.mean(name)

    def ci(self, name: str) -> tuple[float, float]:
        return self.summary.ci(name)

    @property
    def risk(self) -> float:
        return self.summary.risk

    @property
    def risk_ci(self) -> tuple[float, float]:
        return self.summary.risk_ci

    def timeseries(self) -> pd.DataFrame | None:
        path = self.folder / "timeseries.parquet"
        return pd.read_parquet(path) if path.is_file() else None

    def replicates(self) -> pd.DataFrame | None:
        """The run's replicates.parquet (read once), or None when it has none readable."""
        if "_replicates" not in self.__dict__:
            path = self.folder / "replicates.parquet"
            try:
                self._replicates = pd.read_parquet(path) if path.is_file() else None
            except (OSError, ValueError):
                self._replicates = None
        return self._replicates


# --------------------------------------------------------------------------- loading


def _overrides(folder: Path) -> dict:
    out = {}
    for o in job_overrides(folder):
        key = override_key(o)
        if is_seed_neutral(key):
            continue
        out[key] = _value(override_value(o))
    return out


def _value(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def load(dirs, say=print) -> list[Entry]:
    """Entries for every complete run in ``dirs``; skipped ones are reported through ``say``."""
    entries = []
    for d in map(Path, dirs):
        if not d.is_dir():
            raise ResultsError(f"{d}: no such folder")
        if (d / folders.SUMMARY).exists() or (d / folders.MARKER).exists():
            found = [d]
        else:
            found = job_folders(d)
            if not found:
                raise ResultsError(f"{d}: no results here (neither a run folder with "
                                   f"{folders.SUMMARY} nor a sweep folder with job folders)")
        for f in found:
            status, error = folders.status(f)
            if status != "complete":
                say(f"skipping {f}: {status}" + (f" ({error})" if error else ""))
                continue
            entries.append(Entry(summary=summary.read(f), overrides=_overrides(f)))
    if not entries:
        raise ResultsError("nothing to compare: no complete runs in " + " ".join(map(str, dirs)))
    label(entries)
    return entries


def varying_keys(entries: list[Entry]) -> list[str]:
    """Override keys whose value is not the same in every entry, in first-seen order."""
    keys = []
    for e in entries:
        keys += [k for k in e.overrides if k not in keys]
    return [k for k in keys if len({repr(e.overrides.get(k)) for e in entries}) > 1]


def _short(key: str, keys: list[str]) -> str:
    last = key.rsplit(".", 1)[-1]
    return last if sum(k.rsplit(".", 1)[-1] == last for k in keys) == 1 else key


def label(entries: list[Entry]) -> None:
    keys = varying_keys(entries)
    for e in entries:
        parts = []
        for k in keys:
            if k not in e.overrides:
                continue
            v = e.overrides[k]
            parts.append(str(v) if k == "strategy" else f"{_short(k, keys)}={v}")
        e.label = ", ".join(parts) or str(e.summary.strategy)
    seen = {}
    for e in entries:
        seen.setdefault(e.label, []).append(e)
    for same in seen.values():
        if len(same) > 1:
            for e in same:
                e.label = f"{e.label} ({e.folder.parent.name}/{e.folder.name})"


def baseline_index(entries: list[Entry], baseline: str | int | None = None) -> int:
    """The baseline entry: by label, or by index (0 = the first entry); by default the first
    ``generic_blast`` entry, else the first. An unknown one is a ResultsError naming the
    labels."""
    if baseline is None:
        return next((i for i, e in enumerate(entries)
                     if e.summary.strategy == DEFAULT_BASELINE_STRATEGY), 0)
    text = str(baseline).strip()
    for i, e in enumerate(entries):
        if e.label == text:
            return i
    if text.isdigit() and int(text) < len(entries):
        return int(text)
    labels = "; ".join(repr(e.label) for e in entries)
    raise ResultsError(f"--baseline {text!r}: no entry has that label or index (labels: "
                       f"{labels}; indexes 0-{len(entries) - 1})")


def all_differences(entries: list[Entry], base: int) -> list[tuple[Entry, list[Difference], str | None]]:
    """For each entry but the baseline: its differences from the baseline over the comparison
    metrics, and why they are not paired (None when they are)."""
    b = entries[base]
    names = metrics.names(metrics.COMPARE)
    out = []
    for i, e in enumerate(entries):
        if i == base:
            continue
        diffs, reason = differences(e.summary, b.summary, e.replicates(), b.replicates(), names)
        out.append((e, diffs, reason))
    return out


# --------------------------------------------------------------------------- figures


def _per_sender(entries) -> str:
    return " per sender" if any(e.summary.senders > 1 for e in entries) else ""


def _colors(n: int):
    cmap = plt.get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(n)]


def reach_over_time(entries, out: Path) -> list[Path]:
    fig, ax = plt.subplots(figsize=(8, 4.8), constrained_layout=True)
    band_kind = set()
    for e, c in zip(entries, _colors(len(entries))):
        ts = e.timeseries()
        if ts is None:
            continue
        d = ts[ts["metric"] == "reach"].sort_values("hour")
        x = d["hour"].to_numpy() / HOURS_PER_DAY
        if "sd" in d:
            n = e.summary.replicates
            half = Z95 * d["sd"].to_numpy() / math.sqrt(n)
            lo, hi = d["mean"] - half, d["mean"] + half
            band_kind.add("95% CI of the mean")
        else:
            lo, hi = d["q05"], d["q95"]
            band_kind.add("5-95% of replicates")
        ax.fill_between(x, lo, hi, color=c, alpha=0.18, lw=0)
        ax.plot(x, d["mean"], color=c, label=e.label)
    ax.set_xlabel("days since first send")
    ax.set_ylabel(f"people aware of the ask{_per_sender(entries)} (mean)")
    ax.set_title(f"Reach over time (bands: {', '.join(sorted(band_kind))})", fontsize=10)
    ax.grid(alpha=0.3)
    ax.set_xlim(left=0)
    if ax.lines:
        ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    else:
        ax.text(0.5, 0.5, "no timeseries.parquet in these runs", ha="center", transform=ax.transAxes)
    return save(fig, out, "reach_over_time")


def _barh(ax, entries, values, lows, highs, colors, xlabel):
    y = np.arange(len(entries))
    v = np.asarray(values, float)
    err = np.vstack([v - np.asarray(lows, float), np.asarray(highs, float) - v]).clip(min=0)
    ax.barh(y, v, xerr=err, color=colors, alpha=0.85, capsize=3, ecolor="k")
    ax.set_yticks(y, [e.label for e in entries], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_xlim(left=0)
    ax.grid(axis="x", alpha=0.3)


def _height(n: int) -> float:
    return max(2.6, 0.32 * n + 1.4)


def _bars(entries, out: Path, names: tuple[str, ...], title: str, file: str) -> list[Path]:
    """One panel per metric: each entry's mean with its 95% interval (a risk: its share of
    replicates with its Wilson interval, on [0, 1])."""
    fig, axes = plt.subplots(1, len(names), figsize=(4.4 * len(names), _height(len(entries))),
                             sharey=True, constrained_layout=True, squeeze=False)
    colors = _colors(len(entries))
    per = _per_sender(entries)
    for ax, name in zip(axes[0], names):
        cis = [e.ci(name) for e in entries]
        risk = name in metrics.RISKS
        text = (f"{metrics.label(name)}: share of replicates (Wilson 95%)" if risk
                else f"{metrics.label(name)}{per} (mean, 95% CI)")
        _barh(ax, entries, [e.mean(name) for e in entries], [c[0] for c in cis],
              [c[1] for c in cis], colors, text)
        if risk:
            ax.set_xlim(0, 1)
    fig.suptitle(title, fontsize=11)
    return save(fig, out, file)


def benefits(entries, out: Path) -> list[Path]:
    return _bars(entries, out, metrics.names(metrics.BENEFIT), "What the ask achieved", "benefits")


def harms(entries, out: Path) -> list[Path]:
    return _bars(entries, out, metrics.names(metrics.HARM), "Harms per strategy", "harms")


def risks(entries, out: Path) -> list[Path]:
    """Each risk of the registry (restricted at least once; suspended for good)."""
    h = entries[0].summary.horizon_hours
    return _bars(entries, out, tuple(metrics.RISKS), f"Risks within {h} h" if h else "Risks",
                 "risks")


def pareto_front(reach: np.ndarray, risk: np.ndarray) -> np.ndarray:
    """Indices of entries no other entry beats: at least as much reach at no more risk and
    strictly better in one of them."""
    front = []
    for i in range(len(reach)):
        dominated = np.any((reach >= reach[i]) & (risk <= risk[i]) & ((reach > reach[i]) | (risk < risk[i])))
        if not dominated:
            front.append(i)
    return np.array(front, dtype=int)


def reach_vs_risk(entries, out: Path) -> list[Path]:
    fig, ax = plt.subplots(figsize=(8, 5), constrained_layout=True)
    reach = np.array([e.mean("reach") for e in entries])
    risk = np.array([e.risk for e in entries])
    front = pareto_front(reach, risk)
    for i, (e, c) in enumerate(zip(entries, _colors(len(entries)))):
        lo, hi = e.risk_ci
        rlo, rhi = e.ci("reach")
        xerr = np.clip([[risk[i] - lo], [hi - risk[i]]], 0, None)
        yerr = np.clip([[reach[i] - rlo], [rhi - reach[i]]], 0, None)
        ax.errorbar(risk[i], reach[i], xerr=xerr, yerr=yerr, fmt="o", color=c, ms=7,
                    capsize=2, label=e.label, mec="k" if i in front else c)
    order = front[np.argsort(risk[front])]
    ax.plot(risk[order], reach[order], "k--", lw=1, label="Pareto front of the means (no other has more reach at less risk)")
    ax.scatter(risk[front], reach[front], s=180, facecolors="none", edgecolors="k", zorder=3)
    ax.set_xlabel(f"{metrics.label(metrics.RISK)} (share of replicates restricted at least once, "
                  "Wilson 95%)")
    ax.set_ylabel(f"reach: people aware of the ask{_per_sender(entries)} (mean, 95% CI)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return save(fig, out, "reach_vs_risk")


def _numeric_keys(entries, keys) -> list[str]:
    return [k for k in keys
            if all(isinstance(e.overrides.get(k), (int, float)) for e in entries)
            and len({e.overrides[k] for e in entries}) > 1]


def by_parameter(entries, key: str, out: Path) -> list[Path]:
    """Main metrics against the one numeric swept parameter."""
    es = sorted(entries, key=lambda e: e.overrides[key])
    x = np.array([e.overrides[key] for e in es], float)
    per = _per_sender(es)
    panels = [(name, metrics.label(name) + ("" if name in (*metrics.RISKS, "people_annoyed") else per))
              for name in metrics.names(metrics.BY_PARAMETER)]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.8 * len(panels), 3.8), constrained_layout=True)
    for ax, (name, text) in zip(axes, panels):
        y = np.array([e.mean(name) for e in es])
        lo, hi = np.array([e.ci(name) for e in es]).T
        band = "Wilson 95%" if name in metrics.RISKS else "95% CI"
        ax.fill_between(x, lo, hi, alpha=0.25, color="C0", label=band)
        ax.plot(x, y, "o-", color="C0", label="mean")
        ax.set_xlabel(key)
        ax.set_ylabel(text)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"Outcomes against {key}", fontsize=11)
    return save(fig, out, f"by_{key.replace('.', '_')}")


def heatmap(entries, xkey: str, ykey: str, facet_keys: list[str], out: Path) -> list[Path]:
    """Suspension risk and reach on the xkey x ykey grid, one column per facet value."""
    facets = sorted({tuple(str(e.overrides.get(k)) for k in facet_keys) for e in entries})
    xs = sorted({e.overrides[xkey] for e in entries})
    ys = sorted({e.overrides[ykey] for e in entries})
    rows = ((metrics.RISK, metrics.label(metrics.RISK), "Reds", "{:.2f}"),
            ("reach", f"reach{_per_sender(entries)} (mean)", "Blues", "{:.0f}"))
    fig, axes = plt.subplots(2, len(facets), figsize=(1.2 + 0.9 * len(xs) * len(facets) + 1.5 * len(facets),
                                                      2 * (1.4 + 0.55 * len(ys))),
                             squeeze=False, constrained_layout=True)
    for j, facet in enumerate(facets):
        sub = [e for e in entries if tuple(str(e.overrides.get(k)) for k in facet_keys) == facet]
        for i, (name, text, cmap, fmt) in enumerate(rows):
            grid = np.full((len(ys), len(xs)), np.nan)
            for e in sub:
                v = e.mean(name)
                grid[ys.index(e.overrides[ykey]), xs.index(e.overrides[xkey])] = v
            ax = axes[i, j]
            vmax = 1.0 if name == metrics.RISK else np.nanmax([e.mean("reach") for e in entries])
            im = ax.imshow(grid, cmap=cmap, vmin=0, vmax=vmax, origin="lower", aspect="auto")
            for (r, c), v in np.ndenumerate(grid):
                if not np.isnan(v):
                    ax.text(c, r, fmt.format(v), ha="center", va="center", fontsize=8,
                            color="white" if v > 0.6 * vmax else "black")
            ax.set_xticks(range(len(xs)), [str(x) for x in xs])
            ax.set_yticks(range(len(ys)), [str(y) for y in ys])
            ax.set_xlabel(xkey)
            ax.set_ylabel(ykey)
            title = ", ".join(f"{_short(k, facet_keys)}={v}" for k, v in zip(facet_keys, facet))
            ax.set_title(f"{text}" + (f"\n{title}" if title else ""), fontsize=9)
            if j == len(facets) - 1:
                fig.colorbar(im, ax=ax, shrink=0.8)
    return save(fig, out, "heatmap")


def paired_differences(rows, baseline: Entry, out: Path) -> list[Path]:
    """One panel per comparison metric: each entry's mean difference from the baseline with
    its 95% CI, 0 marked; filled markers paired, open ones unpaired."""
    names = metrics.names(metrics.COMPARE)
    ncols = min(4, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, nrows * _height(len(rows))),
                             sharey=True, constrained_layout=True, squeeze=False)
    y = np.arange(len(rows))
    colors = _colors(len(rows))
    for k, ax in enumerate(axes.flat):
        if k >= len(names):
            ax.axis("off")
            continue
        name = names[k]
        for j, (e, diffs, reason) in enumerate(rows):
            d = diffs[k]
            lo, hi = d.ci95
            err = np.clip([[d.mean - lo], [hi - d.mean]], 0, None)
            ax.errorbar(d.mean, y[j], xerr=err, fmt="o", color=colors[j], capsize=3, ms=6,
                        mfc=colors[j] if d.paired else "white")
        ax.axvline(0, color="k", lw=1)
        ax.set_yticks(y, [e.label for e, _, _ in rows], fontsize=8)
        ax.set_ylim(len(rows) - 0.5, -0.5)  # first entry on top
        way = metrics.BY_NAME[name].better
        ax.set_title(metrics.label(name) + ("" if way == metrics.NEITHER else f" ({way} is better)"),
                     fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Differences from {baseline.label}: entry - baseline, mean and 95% CI "
                 "(open markers: not paired)", fontsize=10)
    return save(fig, out, "paired_differences")


# --------------------------------------------------------------------------- table


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.2f}"


def _signed(x: float, digits: int | None = None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if digits is None:
        digits = 0 if abs(x) >= 100 else 2
    return f"{x:+.{digits}f}"


def _share(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def differences_table(rows, baseline: Entry, index: int) -> str:
    """The differences from the baseline, one row per entry and metric."""
    head = ["run", "pairing", "metric", "difference", "95% CI", "better", "worse", "tied",
            "in words"]
    lines = [f"## Paired differences from {baseline.label}", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for e, diffs, reason in rows:
        pairing = f"paired ({diffs[0].n} replicates)" if reason is None else f"unpaired: {reason}"
        for d in diffs:
            digits = 3 if d.metric in metrics.RISKS else None
            lo, hi = d.ci95
            ci = f"[{_signed(lo, digits)}, {_signed(hi, digits)}]"
            lines.append("| " + " | ".join([
                e.label, pairing, metrics.label(d.metric), _signed(d.mean, digits), ci,
                _share(d.better), _share(d.worse), _share(d.tied), d.verdict]) + " |")
    neutral = [metrics.label(n) for n in metrics.names(metrics.COMPARE)
               if metrics.BY_NAME[n].better == metrics.NEITHER]
    neither = f"; none for {', '.join(neutral)}, neither better nor worse" if neutral else ""
    notes = [
        "",
        f"Differences are entry - baseline ({baseline.label}, entry {index}; another with "
        "`outreach compare ... --baseline LABEL|INDEX`). Paired runs (the same replicate seed "
        "and number of replicates) are compared replicate by replicate: the mean difference "
        "with a t-interval, for a risk the paired difference of proportions "
        "(Newcombe's interval); better / worse / tied are the shares of replicates in which "
        "the entry did better, worse or the same as the baseline (which way is better: "
        f"docs/MODEL.md's metrics table{neither}). Unpaired runs: Welch's "
        "interval (a risk: Newcombe's hybrid score interval). \"no detectable "
        "difference\": the 95% interval holds 0.",
    ]
    return "\n".join(lines + notes) + "\n"


def table(entries) -> str:
    """The registry's comparison metrics, each as mean [95% interval], one row per entry."""
    names = metrics.names(metrics.COMPARE)
    head = ["run"] + [metrics.label(n) for n in names]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for e in entries:
        cells = [e.label]
        for name in names:
            lo, hi = e.ci(name)
            if name in metrics.RISKS:
                cells.append(f"{e.mean(name):.3f} [{lo:.3f}, {hi:.3f}]")
            else:
                cells.append(f"{_fmt(e.mean(name))} [{_fmt(lo)}, {_fmt(hi)}]")
        lines.append("| " + " | ".join(cells) + " |")
    first = entries[0].summary
    per = _per_sender(entries)
    risk = ("mean share of senders restricted (suspended) per replicate" if per else
            "share of replicates in which the sender was restricted at least once (suspended)")
    cluster = any(e.summary.risk_method == CLUSTER_METHOD for e in entries)
    notes = [
        "",
        f"Means over {first.replicates} replicates{' (each a mean over senders)' if per else ''} "
        "with 95% confidence intervals of the mean (score intervals: never below 0); "
        f"restriction (suspension) risk = {risk}, with a Wilson 95% interval"
        f"{' (effective n from the spread between replicates: senders of a replicate are a cluster)' if cluster else ''}"
        "; people annoyed counts distinct people.",
    ]
    return "\n".join(lines + notes) + "\n"


# --------------------------------------------------------------------------- command


def compare(dirs, out: Path, say=print, baseline: str | int | None = None) -> list[Path]:
    """Figures and comparison.md of the runs in ``dirs`` into ``out``; differences from
    ``baseline`` (a label or index; None: the default, see the module docstring)."""
    entries = load(dirs, say=say)
    base = baseline_index(entries, baseline)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResultsError(f"--out {out}: not writable ({exc.strerror})") from None
    written = []
    written += reach_over_time(entries, out)
    written += benefits(entries, out)
    written += harms(entries, out)
    written += risks(entries, out)
    written += reach_vs_risk(entries, out)
    keys = varying_keys(entries)
    numeric = _numeric_keys(entries, keys)
    if len(numeric) == 1 and len(keys) == 1:
        written += by_parameter(entries, numeric[0], out)
    elif len(numeric) >= 2:
        xkey, ykey = numeric[-1], numeric[-2]
        facet_keys = [k for k in keys if k not in (xkey, ykey)]
        n_facets = len({tuple(str(e.overrides.get(k)) for k in facet_keys) for e in entries})
        if n_facets <= 6:
            written += heatmap(entries, xkey, ykey, facet_keys, out)
    text = table(entries)
    if len(entries) > 1:
        rows = all_differences(entries, base)
        written += paired_differences(rows, entries[base], out)
        text += "\n" + differences_table(rows, entries[base], base)
    md = out / "comparison.md"
    folders.atomic_write(md, lambda p: p.write_text(text))
    written.append(md)
    return written
