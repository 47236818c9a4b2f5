"""A run's own figure, ``outreach.png``: what people would rather look at than read;
``outreach sensitivity``'s bars of indices; and ``outreach optimise``'s trials against their
restriction risk."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim import metrics  # noqa: E402
from sim.report.folders import atomic_write  # noqa: E402
from sim.units import HOURS_PER_DAY  # noqa: E402

FORMATS = ("png", "svg")  # a figure of a report is written in both (outreach.png: PNG only)


def save(fig, out: Path, name: str) -> list[Path]:
    """Write ``out/name.png`` and ``out/name.svg`` whole (temporary file, then renamed), close
    the figure; the paths."""
    paths = []
    for fmt in FORMATS:
        path = Path(out) / f"{name}.{fmt}"
        atomic_write(path, lambda p, fmt=fmt: fig.savefig(p, dpi=110, format=fmt))
        paths.append(path)
    plt.close(fig)
    return paths


def outreach_figure(ts: pd.DataFrame, summary: dict, title: str, limit=None, path: Path | None = None):
    """The registry's run-figure metrics over time, cumulative (mean and 5-95% band), with
    the median hour of the first restriction marked and the platform's report limit drawn."""
    panels = metrics.names(metrics.RUN_FIGURE)
    fig, axes = plt.subplots(1, len(panels), figsize=(13, 3.8), constrained_layout=True)
    days = ts["hour"].unique() / HOURS_PER_DAY
    risk_block = summary.get(metrics.RISK_SUMMARY, {})
    med, risk = risk_block.get("median_hour"), risk_block.get("p")
    for ax, name in zip(axes, panels):
        d = ts[ts["metric"] == name].sort_values("hour")
        x = d["hour"].to_numpy() / HOURS_PER_DAY
        ax.fill_between(x, d["q05"], d["q95"], alpha=0.25, color="C0", label="5-95% of replicates")
        ax.plot(x, d["mean"], color="C0", label="mean")
        if med is not None:
            ax.axvline(med / HOURS_PER_DAY, color="C3", ls="--",
                       label=f"median first restriction (risk {risk:.0%})")
        if name == "reports" and limit is not None:
            ax.axhline(limit, color="k", ls=":", label="platform limit")
        ax.set_xlabel("days since first send")
        ax.set_ylabel(metrics.BY_NAME[name].meaning.split(":")[0])
        ax.set_xlim(0, days.max() if len(days) else 1)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="lower right")
    axes[-1].legend(fontsize=8, loc="lower right")
    fig.suptitle(title)
    if path is not None:
        atomic_write(Path(path), lambda p: fig.savefig(p, dpi=110, format="png"))
        plt.close(fig)
    return fig


def sensitivity_figure(table: pd.DataFrame, stem: Path, title: str) -> list[Path]:
    """``outreach sensitivity``'s indices as bars with their 95% intervals: one panel per
    output, the keys down the side (the keys that matter most on top: by their main index,
    mu_star or ST, as a share of each output's largest, averaged over the outputs), the two
    indices of the method side by side. Written as ``stem``.png and .svg."""
    outputs = list(dict.fromkeys(table["output"]))
    names = list(dict.fromkeys(table["index"]))  # (mu_star, sigma) or (S1, ST)
    main = "ST" if "ST" in names else names[0]
    wide = table[table["index"] == main].pivot_table(index="parameter", columns="output",
                                                      values="value", sort=False)
    top = wide.abs().max().replace(0, 1.0)
    weight = (wide.abs() / top).mean(axis=1)
    keys = list(weight.sort_values(kind="stable").index)  # drawn bottom to top: largest on top
    y = np.arange(len(keys))
    height = 0.8 / len(names)
    fig, axes = plt.subplots(1, len(outputs), figsize=(3.4 * len(outputs) + 2.5, 0.22 * len(keys) + 1.8),
                             sharey=True, constrained_layout=True, squeeze=False)
    for ax, output in zip(axes[0], outputs):
        for n, (name, color) in enumerate(zip(names, ("C0", "C1"))):
            d = table[(table["output"] == output) & (table["index"] == name)].set_index("parameter").loc[keys]
            v = d["value"].to_numpy(dtype=float)
            lo = np.clip(v - d["ci_low"].to_numpy(dtype=float), 0, None)
            hi = np.clip(d["ci_high"].to_numpy(dtype=float) - v, 0, None)
            ax.barh(y + (n - (len(names) - 1) / 2) * height, v, height=height, color=color,
                    xerr=np.nan_to_num(np.vstack([lo, hi])), ecolor="0.3", capsize=1.5,
                    error_kw={"elinewidth": 0.8}, label=name)
        ax.axvline(0, color="k", lw=0.6)
        label = metrics.BY_NAME[output].label if output in metrics.BY_NAME else output
        still = (table[table["output"] == output][["value", "ci_low", "ci_high"]] == 0).all().all()
        ax.set_title(label + (" (never moved)" if still else ""), fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].set_yticks(y, keys, fontsize=7)
    axes[0][0].set_ylim(-0.6, len(keys) - 0.4)
    axes[0][-1].legend(fontsize=8, loc="lower right")
    fig.suptitle(title, fontsize=10)
    return save(fig, Path(stem).parent, Path(stem).name)


PARETO_MARKERS = {"generic_blast": ("s", "C2"), "personal_first": ("^", "C1"),
                  "staggered": ("v", "C4"), "blast_then_personal": ("D", "C5")}


def pareto_front(risk: np.ndarray, value: np.ndarray, higher: bool) -> np.ndarray:
    """Indices of the points no other point beats on both (lower risk, better value), by risk."""
    v = value if higher else -value
    order = np.lexsort((-v, risk))
    front, best = [], -np.inf
    for i in order:
        if v[i] > best:
            front.append(i)
            best = v[i]
    return np.array(front, dtype=np.int64)


def pareto_figure(trials: pd.DataFrame, points: dict, objective: str, bound, stem: Path,
                  title: str) -> list[Path]:
    """``outreach optimise``: each trial's objective against its restriction risk (filled:
    within the constraints; hollow: outside them), the trials' Pareto front, the bound on the
    risk, the recommended plan (star) and the built-in strategies (``points``: label -> means,
    the key ``recommended`` for the plan). Written as ``stem``.png and .svg."""
    fig, ax = plt.subplots(figsize=(7.5, 5), constrained_layout=True)
    m = metrics.BY_NAME[objective]
    x = trials["restricted"].to_numpy(dtype=float) if len(trials) else np.empty(0)
    y = trials["objective"].to_numpy(dtype=float) if len(trials) else np.empty(0)
    ok = trials["feasible"].to_numpy(dtype=bool) if len(trials) else np.empty(0, dtype=bool)
    ax.scatter(x[ok], y[ok], s=16, color="C0", alpha=0.8, label="trial within the constraints")
    ax.scatter(x[~ok], y[~ok], s=16, facecolors="none", edgecolors="0.45", alpha=0.8,
               label="trial outside them")
    if len(x):
        front = pareto_front(x, y, m.better == metrics.HIGHER)
        ax.step(x[front], y[front], where="post", color="C0", lw=1, alpha=0.6,
                label="Pareto front of the trials")
    if bound is not None:
        ax.axvline(bound, color="C3", ls="--", lw=1, label=f"max restriction risk {bound:g}")
    for name, (marker, color) in PARETO_MARKERS.items():
        if name in points:
            p = points[name]
            ax.scatter([p["restricted"]], [p[objective]], marker=marker, s=60, color=color,
                       edgecolors="k", linewidths=0.6, zorder=4, label=name)
    if "recommended" in points:
        p = points["recommended"]
        ax.scatter([p["restricted"]], [p[objective]], marker="*", s=260, color="C3",
                   edgecolors="k", linewidths=0.7, zorder=5, label="recommended plan")
    ax.set_xlabel("restriction risk (share of replicates restricted at least once)")
    ax.set_ylabel(f"{m.label} ({m.unit}; {m.better} is better)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    ax.set_title(title, fontsize=10)
    return save(fig, Path(stem).parent, Path(stem).name)
