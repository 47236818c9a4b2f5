"""Figures people would rather look at than read."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

PANELS = (
    ("reach", "people aware of the ask"),
    ("unfollows", "contacts who unfollowed"),
    ("reports", "spam reports against the sender"),
)


def outreach_figure(ts: pd.DataFrame, summary: dict, title: str, limit=None, path: Path | None = None):
    """Cumulative reach, unfollows and reports over time (mean and 5-95% band), with the
    median suspension hour marked and the platform's report limit drawn."""
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), constrained_layout=True)
    days = ts["hour"].unique() / 24.0
    med = summary.get("suspension_risk", {}).get("median_suspension_hour")
    risk = summary.get("suspension_risk", {}).get("p")
    for ax, (name, label) in zip(axes, PANELS):
        d = ts[ts["metric"] == name].sort_values("hour")
        x = d["hour"].to_numpy() / 24.0
        ax.fill_between(x, d["q05"], d["q95"], alpha=0.25, color="C0", label="5-95% of replicates")
        ax.plot(x, d["mean"], color="C0", label="mean")
        if med is not None:
            ax.axvline(med / 24.0, color="C3", ls="--", label=f"median suspension (risk {risk:.0%})")
        if name == "reports" and limit is not None:
            ax.axhline(limit, color="k", ls=":", label="platform limit")
        ax.set_xlabel("days since first send")
        ax.set_ylabel(label)
        ax.set_xlim(0, days.max() if len(days) else 1)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="lower right")
    axes[2].legend(fontsize=8, loc="lower right")
    fig.suptitle(title)
    if path is not None:
        from .results import atomic_write

        atomic_write(Path(path), lambda p: fig.savefig(p, dpi=110, format="png"))
        plt.close(fig)
    return fig
