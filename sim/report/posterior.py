"""What `outreach calibrate` shows of a posterior: the pair plot and ``calibration.md``.

Both read plain data (the table of weighted draws, one summary per key) and never run
anything; the computation is in sim/analysis/.

* ``pair_plot``: the keys the observations moved most (at most ``max_keys``): on the
  diagonal each key's weighted histogram (the posterior) over its unweighted one (the prior),
  with the 90% credible interval; below it each pair's draws as points whose size and colour
  grow with their weight (heavy ones drawn last); log axes for log-scaled keys; most moved
  key first. PNG and SVG.
* ``markdown``: the run (observations, cases, draws, replicates, effective sample size,
  warnings), per key the prior range and mean against the posterior mean and 90% credible
  interval with its effective sample size, and per observation what the prior's and the
  posterior's draws predict.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.report.figures import save  # noqa: E402


def plotted(summaries, max_keys: int) -> list:
    """The summaries of the keys to plot: the most moved first."""
    return sorted(summaries, key=lambda s: -s.moved)[:max(0, int(max_keys))]


def _log_axis(axis) -> None:
    """A log axis with a few plain labels (0.01, 0.1; not 10^-2 with crowded minor labels)."""
    axis.set_major_locator(ticker.LogLocator(numticks=4))
    axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(ticker.NullFormatter())


def _bins(s, x: np.ndarray) -> np.ndarray:
    lo, hi = float(np.min(x)), float(np.max(x))
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    if s.log and lo > 0:
        return np.geomspace(lo, hi, 26)
    return np.linspace(lo, hi, 26)


def pair_plot(table: pd.DataFrame, summaries, out: Path, name: str = "pair_plot",
              max_keys: int = 6) -> list[Path]:
    """The pair plot of the weighted draws (``table``: a column per key and ``weight``)."""
    shown = plotted(summaries, max_keys)
    if not shown:
        return []
    k = len(shown)
    w = table["weight"].to_numpy(dtype=float)
    order = np.argsort(w, kind="stable")  # heavy points last, on top
    size = 2 + 90 * w / w.max()
    fig, axes = plt.subplots(k, k, figsize=(2.0 * k + 0.6, 2.0 * k + 0.4), squeeze=False,
                             constrained_layout=True)
    points = None
    for i, si in enumerate(shown):
        xi = table[si.key].to_numpy(dtype=float)
        for j, sj in enumerate(shown):
            ax = axes[i, j]
            if j > i:
                ax.set_axis_off()
                continue
            if i == j:
                bins = _bins(si, xi)  # share of the draws per bin (log bins on a log axis)
                ax.hist(xi, bins=bins, weights=np.full(len(xi), 1 / len(xi)), histtype="step",
                        color="0.55", label="prior")
                ax.hist(xi, bins=bins, weights=w / w.sum(), color="C0", alpha=0.6,
                        label="posterior")
                for q in (si.q05, si.q95):
                    ax.axvline(q, color="C3", ls="--", lw=1)
                ax.set_yticks([])
            else:
                xj = table[sj.key].to_numpy(dtype=float)
                points = ax.scatter(xj[order], xi[order], s=size[order], c=w[order],
                                    cmap="viridis", vmin=0, vmax=w.max(), linewidths=0,
                                    rasterized=True)  # a light SVG however many draws
                if si.log:
                    ax.set_yscale("log")
                    _log_axis(ax.yaxis)
            if sj.log:
                ax.set_xscale("log")
                _log_axis(ax.xaxis)
            if i == k - 1:
                ax.set_xlabel(_short(sj.key), fontsize=8)
            if j == 0 and i > 0:
                ax.set_ylabel(_short(si.key), fontsize=8)
            ax.tick_params(labelsize=7)
    axes[0, 0].set_title(_short(shown[0].key), fontsize=8)
    axes[0, 0].legend(fontsize=7, loc="upper right")
    if points is not None:  # in the empty upper corner
        cax = axes[0, -1].inset_axes([0.45, 0.1, 0.08, 0.85])
        fig.colorbar(points, cax=cax, label="weight of a draw")
    n = len(summaries)
    fig.suptitle(f"posterior (weighted draws){'' if k == n else f': {k} of {n} keys, the most moved'};"
                 " dashed: 90% credible interval", fontsize=9)
    return save(fig, out, name)


def _short(key: str) -> str:
    return key.split(".", 1)[1] if key.startswith("population.") else key


def _g(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, bool):
        return "true" if x else "false"
    if x == 0 or 1e-3 <= abs(x) < 1e5:
        return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"
    return f"{x:.2e}"


def markdown(*, source: str, overrides, cases, summaries, ess: float, draws: int,
             replicates: int, predictive: list[dict], notes: list[str],
             simulate_seconds: float, posterior_file: str) -> str:
    """``calibration.md``."""
    lines = ["# Calibration to what senders saw", ""]
    lines += [f"Observations: {source}", ""]
    if overrides:
        lines += [f"Command line: `{' '.join(overrides)}`", ""]
    for label, ovs, observed in cases:
        seen = ", ".join(f"{k} = {_g(v)}" for k, v in observed.items())
        lines.append(f"- **{label}** (`{' '.join(ovs) or 'no overrides'}`): {seen}")
    lines += ["", f"{draws} draws from the prior, {replicates} replicates per case and draw; "
              f"effective sample size **{ess:.1f}** ({100 * ess / draws:.1f}% of the draws); "
              f"simulation time {simulate_seconds:.0f} s.", ""]
    for note in notes:
        lines += [f"**Warning:** {note}", ""]
    lines += [
        "## Posterior per key",
        "",
        "Most moved first (by the shift of the mean and the narrowing, in prior standard "
        "deviations on the prior's scale). Prior range: the prior's bounds; 90% CI: the "
        "weighted 5% and 95% quantiles; sd ratio: posterior over prior standard deviation (1: "
        "the observations did not narrow it); ESS: the effective sample size of the posterior "
        "mean.",
        "",
        "| key | prior range | prior mean | posterior mean | 90% credible interval | sd ratio | ESS |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in sorted(summaries, key=lambda s: -s.moved):
        rng = f"{_g(s.low)} to {_g(s.high)}" + (" (log)" if s.log else "")
        lines.append(f"| `{s.key}` | {rng} | {_g(s.prior_mean)} | {_g(s.mean)} | "
                     f"{_g(s.q05)} to {_g(s.q95)} | {s.sd_ratio:.2f} | {s.ess:.0f} |")
    lines += [
        "",
        "## What the draws predict for what was seen",
        "",
        "Per case and observation: the value seen, and the mean over the prior's draws and "
        "over the posterior's (weighted) of what each draw's replicates gave (a count's mean, "
        "a yes/no outcome's share, an hour's mean where it happened).",
        "",
        "| case | metric | seen | prior | posterior |",
        "|---|---|---|---|---|",
    ]
    for p in predictive:
        lines.append(f"| {p['case']} | `{p['metric']}` | {_g(p['seen'])} | {_g(p['prior'])} | "
                     f"{_g(p['posterior'])} |")
    lines += [
        "",
        f"`{posterior_file}` summarises each key's posterior as one distribution (correlations "
        f"between keys are dropped); use it as the prior of a run: "
        f"`outreach uncertainty.file=<this folder>/{posterior_file}`.",
        "",
    ]
    return "\n".join(lines)
