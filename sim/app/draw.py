"""The web app's pictures of one run: the network coloured by state, the running totals
against the platform rule, and the lines of text above them.

Plain matplotlib ``Figure`` objects (no pyplot: the server draws from several threads), built
once per model. A step changes only colours and line data, so each picture keeps a bitmap of
its static part (axes, ticks, the ties of the network) and per step draws just the changing
artists on top of it, then encodes a PNG: a few tens of milliseconds instead of a full
``savefig``. The static part is redrawn only when an axis range grows. Everything shown is
read from the Mesa view (``OutreachModel``): the contacts' ``state``, the DataCollector's
series, the engine's suspension hour.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from PIL import Image

from sim import metrics
from sim.app.layout import NetworkLayout
from sim.model import STATES, OutreachModel
from sim.units import HOURS_PER_DAY

STATE_COLOURS = {
    "unaware": "#d4d4d4",
    "aware": "#6baed6",
    "supporter": "#2ca02c",
    "annoyed": "#ff9f1c",
    "unfollowed": "#7b4fa0",
    "reported": "#d62728",
}
SUSPENDED_COLOUR = "#d62728"
UPSET = ("annoyed", "unfollowed", "reported")  # drawn larger
_RGBA = {s: np.array(to_rgba(c)) for s, c in STATE_COLOURS.items()}


class _Blitted:
    """A figure whose static part is cached as a bitmap; ``png()`` draws the dynamic artists
    over it. Subclasses fill ``self.dynamic`` and return a ``static_key()`` that changes
    whenever the static part must be redrawn."""

    def __init__(self, fig: Figure):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.dynamic: list = []
        self._background = None
        self._key = None

    def static_key(self):
        return None

    def _redraw_static(self) -> None:
        for a in self.dynamic:
            a.set_visible(False)
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        for a in self.dynamic:
            a.set_visible(True)

    def png(self) -> bytes:
        key = self.static_key()
        if self._background is None or key != self._key:
            self._redraw_static()
            self._key = key
        self.canvas.restore_region(self._background)
        renderer = self.canvas.get_renderer()
        for a in self.dynamic:
            a.draw(renderer)
        buf = io.BytesIO()
        Image.fromarray(np.asarray(self.canvas.buffer_rgba())).save(buf, format="png",
                                                                     compress_level=1)
        return buf.getvalue()


def drawn_states(model: OutreachModel, nodes: np.ndarray) -> list[str]:
    """State of each drawn person, from the model's Contact agents (other senders: unaware)."""
    contacts = model.contacts
    return [contacts[n].state if n in contacts else "unaware" for n in nodes.tolist()]


class NetworkPicture(_Blitted):
    """The sender in the middle, contacts in community sectors, the second-degree sample
    outside; fill colour = state, black ring = close tie. Only the colours change per step."""

    def __init__(self, model: OutreachModel, layout: NetworkLayout, size: float = 6.2, dpi: int = 90):
        super().__init__(Figure(figsize=(size, size), dpi=dpi))
        self.model, self.layout = model, layout
        self.people = layout.nodes[1:]
        ax = self.ax = self.fig.add_axes((0.0, 0.1, 1.0, 0.85))
        ax.set_aspect("equal")
        ax.axis("off")
        xy = layout.xy
        ax.add_collection(LineCollection(xy[layout.edges], colors="#9a9a9a", linewidths=0.25,
                                         alpha=0.35, zorder=0))
        k = layout.n_contacts
        contacts = model.contacts
        self.close = np.array([n in contacts and contacts[n].close_tie for n in self.people.tolist()],
                              dtype=bool)
        # smaller dots when there are many contacts, so a crowd stays readable
        dot = float(np.clip(16.0 * np.sqrt(1000.0 / max(k, 1)), 6.0, 24.0))
        sizes = np.where(np.arange(len(self.people)) < k, dot, 0.45 * dot)
        sizes[self.close] = 2.0 * dot
        self.sizes = sizes
        edge = np.zeros((len(self.people), 4))
        edge[self.close] = (0, 0, 0, 1)
        self.points = ax.scatter(xy[1:, 0], xy[1:, 1], s=sizes, c=STATE_COLOURS["unaware"],
                                 edgecolors=edge, linewidths=np.where(self.close, 0.9, 0.0),
                                 zorder=2)
        self.sender = ax.scatter([0], [0], s=380, marker="*", c="black", zorder=4)
        self.sender_label = ax.text(0, -0.09, "sender", ha="center", va="top", fontsize=8, zorder=4,
                                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none",
                                              alpha=0.85))
        lim = 1.36
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        self.fig.text(0.5, 0.975, f"{k} contacts by community (closest in the middle), "
                      f"{len(self.people) - k} of the second-degree audience outside",
                      ha="center", va="top", fontsize=9)
        # the legend, with counts, is HTML beside the picture (see legend_html): text is the
        # slowest thing matplotlib draws
        self.dynamic = [self.points, self.sender, self.sender_label]  # in zorder
        self.update()

    def update(self) -> dict[str, int]:
        """Recolour from the model; returns how many contacts are in each state."""
        states = drawn_states(self.model, self.people)
        self.points.set_facecolors(np.array([_RGBA[s] for s in states]))
        # the few who turned against the ask stand out from the crowd
        upset = np.array([s in UPSET for s in states], dtype=bool)
        self.points.set_sizes(np.where(upset, 2.5 * self.sizes, self.sizes))
        counts = {s: 0 for s in STATES}
        for s in states[: self.layout.n_contacts]:
            counts[s] += 1
        sender = self.model.senders[0]
        self.sender.set_color(SUSPENDED_COLOUR if sender.restricted else "black")
        self.sender_label.set_text("sender (suspended)" if sender.suspended else
                                   "sender (restricted)" if sender.restricted else "sender")
        return counts


def legend_html(counts: dict[str, int]) -> str:
    """The network's legend: a dot per state with how many contacts are in it, close tie, sender."""
    dot = ('<span style="white-space:nowrap;margin-left:12px"><span style="display:inline-block;'
           'width:11px;height:11px;border-radius:50%;background:{bg};border:{border};'
           'margin:0 4px -1px 0"></span>{label}</span>')
    items = [dot.format(bg=STATE_COLOURS[s], border="none", label=f"{s} {counts.get(s, 0)}")
             for s in STATES]
    items.append(dot.format(bg="white", border="1.5px solid black", label="close tie"))
    items.append('<span style="white-space:nowrap;margin-left:12px">★ sender</span>')
    return '<div class="outreach-legend">' + "".join(items) + "</div>"


def rolling_window(cumulative: np.ndarray, hours: int) -> np.ndarray:
    """Count in the window of ``hours`` ending at each hour, as the platform rule sees it:
    cumulative[t] - cumulative[t - hours] (the whole count while t < hours)."""
    before = np.concatenate((np.zeros(hours), cumulative))[: len(cumulative)]
    return cumulative - before


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50, ... (or the tenths below 1) at least x."""
    if x <= 0:
        return 1.0
    base = 10.0 ** np.floor(np.log10(x))
    for m in (1, 2, 5, 10):
        if m * base >= x * (1 - 1e-12):
            return float(m * base)
    return float(10 * base)


class SeriesPicture(_Blitted):
    """Cumulative reach and supporters; unfollows and reports; the reports in the platform's
    window against its limit. Shaded spans mark the hours the sender was restricted (it
    resumes where the shading ends; a span to the right edge is a suspension). The hour axis
    doubles from 48 h as the run goes on, the count axes step through 1, 2, 5, 10, ..."""

    def __init__(self, model: OutreachModel, size=(6.2, 6.2), dpi: int = 90):
        super().__init__(Figure(figsize=size, dpi=dpi))
        self.model = model
        self.rule = rule = model.outreach_scenario.platform
        self.contacts = len(model.network.neighbours(model.network.sender))
        self.axes = self.fig.subplots(3, 1, sharex=True)
        self.fig.subplots_adjust(left=0.12, right=0.97, top=0.93, bottom=0.08, hspace=0.45)
        a0, a1, a2 = self.axes
        for ax in self.axes:
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=8)
        # lines above the spines (zorder 3): drawn last per frame, as a full draw would
        line = lambda ax, colour, label, **kw: ax.plot([], [], color=colour, label=label, zorder=3, **kw)[0]  # noqa: E731
        self.lines = {
            "reach": line(a0, "#1f77b4", "reach (aware)"),
            "supporters": line(a0, STATE_COLOURS["supporter"], "supporters"),
            "unfollows": line(a1, STATE_COLOURS["unfollowed"], "unfollows"),
            "reports": line(a1, STATE_COLOURS["reported"], "spam reports"),
        }
        a0.set_title("cumulative reach", fontsize=9, loc="right")
        a1.set_title("cumulative unfollows and reports", fontsize=9, loc="right")
        # the count rule's window and limit; other rules: the reports of the last day
        self.window = w = int(getattr(rule, "window_hours", HOURS_PER_DAY))
        self.lines["window"] = line(a2, STATE_COLOURS["reported"], f"reports in the last {w} h",
                                    drawstyle="steps-post")
        self.limit = float(getattr(rule, "max_reports", 0))
        if self.limit:
            a2.axhline(self.limit, color="black", ls="--", lw=1, label=f"limit: {self.limit:g} in {w} h")
        a2.set_title(f"platform rule: {rule.limit_text()}", fontsize=9, loc="right")
        a2.set_xlabel("hours since the first message", fontsize=8)
        self.spans: list = []  # the shaded restricted periods, redrawn with the static part
        self.dynamic = list(self.lines.values())
        self._limits = None
        self.update()

    def _data(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        vars_ = self.model.datacollector.model_vars
        keys = ("reach", "supporters", "unfollows", "reports", "messages_sent")
        # row j is the state after j hours; while playing, a step may be appending to the lists
        n = min(len(vars_[k]) for k in keys) - 1
        series = {k: np.asarray(vars_[k][1:n + 1], dtype=float) for k in keys}
        series["window"] = rolling_window(series["reports"], self.window)
        return np.arange(1, n + 1), series

    def update(self) -> None:
        hours, series = self._data()
        for name, ln in self.lines.items():
            ln.set_data(hours, series[name])
        right, H = 48, self.model.engine.H
        while right < len(hours):
            right *= 2
        right = min(right, max(H, len(hours)))
        tops = (
            # reach against the number of contacts from the start: fewer rescales, and scale
            nice_ceiling(max(self.contacts, 1.1 * series["reach"].max(initial=0))),
            nice_ceiling(1.1 * max(series["unfollows"].max(initial=0), series["reports"].max(initial=0))),
            nice_ceiling(max(1.3 * self.limit, 1.1 * series["window"].max(initial=0))),
        )
        periods = restricted_periods(self.model)
        limits = (right, tops, tuple(periods))
        if limits != self._limits:
            for ax, top in zip(self.axes, tops):
                ax.set_xlim(0, right)
                ax.set_ylim(0, top)
            for span in self.spans:
                span.remove()
            self.spans = []
            for i, (start, until, permanent) in enumerate(periods):
                for j, ax in enumerate(self.axes):
                    label = "_span" if j or i else "restricted (it resumes where the shade ends)"
                    if permanent:
                        label = "_span" if j else f"suspended from hour {start}"
                    self.spans.append(ax.axvspan(start, until, color=SUSPENDED_COLOUR,
                                                 alpha=0.35 if permanent else 0.15, lw=0,
                                                 label=label))
            for ax in self.axes:  # above the plot, where no line can cross it
                ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1), ncol=2,
                          frameon=False, borderaxespad=0.1, handlelength=1.5)
            self._limits = limits

    def static_key(self):
        return self._limits


def restricted_periods(model: OutreachModel) -> list[tuple[int, int, bool]]:
    """The primary sender's restrictions so far: (first hour blocked, first hour free again
    or the horizon, permanent?)."""
    e = model.engine
    return [(start, until, bool(e.suspended[0]) and until >= e.H)
            for who, start, until in e.restriction_log if who == 0]


def account_text(model: OutreachModel) -> str:
    """The sender's standing now, in words."""
    e = model.engine
    n = int(e.restrictions[0])
    if e.suspended[0]:
        return f"SUSPENDED in hour {int(e.suspension_hour[0]) + 1} (restriction {n}, permanent)"
    if e.restricted_until[0] > e.hour:
        return f"RESTRICTED until hour {int(e.restricted_until[0])} (restriction {n})"
    return f"free ({n} restriction{'' if n == 1 else 's'} so far)" if n else "never restricted"


def status_line(model: OutreachModel) -> str:
    """The current numbers in one line of text: the registry's app metrics (sim/metrics.py)."""
    e = model.engine
    counts = [f"{int(round(model.metric(name)))} {metrics.label(name)}"
              for name in metrics.names(metrics.APP, kind=metrics.COUNT)]
    return f"Hour {e.hour} of {e.H} · " + " · ".join(counts) + f" · account {account_text(model)}"


def settings_line(model: OutreachModel) -> str:
    """What this run is: the options and values it was built with (the sliders show no numbers)."""
    from sim.app.controls import STRATEGY_KEYS

    cfg = model.config
    st = cfg.strategy
    name = st.get("name", st.get("_target_"))
    used = STRATEGY_KEYS.get(name, ())
    if name == "staggered" and not st.get("adaptive_pause"):
        used = used[:4]  # the pause keys matter only with adaptive_pause
    knobs = {k: st[k] for k in used}
    strat = name + (" (" + ", ".join(f"{k} {v}" for k, v in knobs.items()) + ")" if knobs else "")
    net = model.network
    return (f"Run: {strat} · population {cfg.population.kind} · platform rule "
            f"{model.outreach_scenario.platform.limit_text()} · seed {model.seed} · "
            f"{net.name}, sender {net.node_id(net.sender)} with {len(net.neighbours(net.sender))} contacts")
