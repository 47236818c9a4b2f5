"""The metric registry: every outcome of a run, declared once.

Each ``Metric`` says what it means, its unit, whether it is a count (summarised by a mean
with a 95% interval) or a proportion (summarised as a share with a Wilson interval), the
largest value it can take when that is known, how it goes from senders to a replicate, which
way is better for the sender, and where it is shown. Everything
downstream reads this table instead of keeping its own list: the engine's counter rows and
hourly series, ``replicates.parquet`` (column order), ``summary.json``, ``sweep.parquet``,
``outreach compare`` (table and figures), the command's table and the web app.

To add a metric: one entry here, plus the code that computes it (an engine counter, bumped
where the event happens, or a value the engine derives at the end of a batch in
``Engine.result``). The registry is a leaf: it imports nothing from the package, so the
engine, the reports, the CLI and the app can all read it without reaching back up the chain.
"""

from __future__ import annotations

from dataclasses import dataclass

# kinds
COUNT = "count"  # a number >= 0 per replicate; summarised as mean, sd, 95% CI of the mean
PROPORTION = "proportion"  # 0/1 per sender; summarised as a share (Wilson CI)
HOUR = "hour"  # an hour per replicate, NaN when it never happened; summarised by its median

# how a metric goes from the senders of a replicate to one number
MEAN_OVER_SENDERS = "mean over senders"  # per-sender counts; one sender: the count itself
PEOPLE_IN_REPLICATE = "distinct people"  # counted once per person, whoever sent to them
FIRST_SENDER = "first sender"  # the configured sender's value

# a known largest value per replicate (the interval of a count's mean stays at or below it)
NETWORK_SIZE = "network size"  # at most everyone in the network (summary.json's network.nodes)

# which way is better
HIGHER, LOWER, NEITHER = "higher", "lower", "neither"

# where a metric is shown
CLI = "cli"  # the table the `outreach` command prints
SERIES = "series"  # hourly cumulative series (timeseries.parquet, the app's DataCollector)
RUN_FIGURE = "run_figure"  # the panels of a run's own figure, outreach.png
COMPARE = "compare"  # the comparison table of `outreach compare` (comparison.md)
BENEFIT = "benefit"  # the benefits figure of `outreach compare`
HARM = "harm"  # the harms figure of `outreach compare`
BY_PARAMETER = "by_parameter"  # `outreach compare`'s figure against one swept parameter
APP = "app"  # the web app's line of numbers


@dataclass(frozen=True)
class Metric:
    name: str
    label: str  # a few words for axes, tables and the app
    meaning: str  # one sentence: what is counted, and when
    unit: str
    kind: str = COUNT
    over_senders: str = MEAN_OVER_SENDERS
    counter: bool = False  # an engine counter: summed event by event over the run
    shown: tuple[str, ...] = ()
    better: str = LOWER  # which way is better for the sender: HIGHER or LOWER (paired comparisons)
    at_most: str | None = None  # a known bound per replicate (NETWORK_SIZE); None: 0 and up


REGISTRY: tuple[Metric, ...] = (
    Metric("reach", "reach", "people other than the sender aware of the ask: read a message or saw a share", "people",
           counter=True, shown=(CLI, SERIES, RUN_FIGURE, COMPARE, BENEFIT, BY_PARAMETER, APP),
           better=HIGHER, at_most=NETWORK_SIZE),
    Metric("supporters", "supporters", "people who shared the ask (contacts and beyond)",
           "people", counter=True, shown=(CLI, SERIES, COMPARE, BENEFIT, BY_PARAMETER, APP),
           better=HIGHER, at_most=NETWORK_SIZE),
    Metric("replies", "replies",
           "messages the sender got a reply to: what a sender sees first, and what LinkedIn's "
           "InMail rule counts", "messages", counter=True,
           shown=(CLI, SERIES, RUN_FIGURE, COMPARE, BENEFIT, BY_PARAMETER, APP), better=HIGHER),
    Metric("reach_hop1", "reach: contacts",
           "aware people one hop from the sender (its contacts), whatever path the ask took",
           "people", counter=True, shown=(CLI, COMPARE), better=HIGHER, at_most=NETWORK_SIZE),
    Metric("reach_hop2", "reach: 2 hops",
           "aware people two hops from the sender (breadth-first distance in the network)",
           "people", counter=True, shown=(CLI, COMPARE), better=HIGHER, at_most=NETWORK_SIZE),
    Metric("reach_hop3plus", "reach: 3+ hops",
           "aware people three or more hops from the sender", "people", counter=True,
           shown=(CLI, COMPARE), better=HIGHER, at_most=NETWORK_SIZE),
    Metric("direct_supporters", "direct supporters",
           "contacts who shared after reading the sender's own message", "people",
           counter=True, shown=(CLI,), better=HIGHER, at_most=NETWORK_SIZE),
    Metric("unfollows", "unfollows", "contacts who unfollowed the sender", "people",
           counter=True, shown=(CLI, SERIES, RUN_FIGURE, COMPARE, HARM, BY_PARAMETER, APP),
           at_most=NETWORK_SIZE),
    Metric("unfollows_weighted", "unfollows (tie-weighted)",
           "the sum of the unfollowers' tie strengths: losing a close tie costs more", "tie strength",
           counter=True),
    Metric("close_ties_lost", "close ties lost", "close ties who unfollowed the sender",
           "people", counter=True, shown=(CLI, SERIES, COMPARE, HARM, APP), at_most=NETWORK_SIZE),
    Metric("annoyed", "annoyed contacts",
           "contacts annoyed at least once: their annoyance crossed their threshold", "people",
           counter=True, at_most=NETWORK_SIZE),
    Metric("close_ties_annoyed", "close ties annoyed",
           "close ties annoyed at least once (the story's main harm)",
           "people", counter=True, shown=(CLI, COMPARE, HARM, BY_PARAMETER), at_most=NETWORK_SIZE),
    Metric("reports", "spam reports", "spam reports against the sender", "reports",
           counter=True, shown=(CLI, SERIES, RUN_FIGURE, COMPARE, HARM, APP)),
    Metric("messages_sent", "messages sent", "messages delivered by the sender", "messages",
           counter=True, shown=(CLI, SERIES, COMPARE, APP), better=NEITHER),
    Metric("personal_notes", "personal notes", "personal notes delivered by the sender",
           "messages", counter=True, better=NEITHER),
    Metric("effort_hours", "effort (h)",
           "the sender's effort: batches x strategy.minutes_per_batch + notes x strategy.minutes_per_note", "hours",
           shown=(CLI, COMPARE)),
    Metric("people_annoyed", "people annoyed",
           "distinct people annoyed by at least one sender", "people",
           over_senders=PEOPLE_IN_REPLICATE, shown=(COMPARE, BY_PARAMETER), at_most=NETWORK_SIZE),
    Metric("restrictions", "restrictions",
           "restrictions imposed on the sender, temporary and permanent", "restrictions",
           shown=(CLI, COMPARE, HARM)),
    Metric("restricted_hours", "hours restricted",
           "hours the sender could not send within the horizon (a permanent suspension counts "
           "to the horizon)", "hours", shown=(CLI, COMPARE)),
    Metric("restricted", "restriction risk",
           "whether the sender was restricted at least once within the horizon (several "
           "senders: the share restricted)", "share of replicates",
           kind=PROPORTION, shown=(CLI, COMPARE, BY_PARAMETER, APP)),
    Metric("restriction_hour", "restriction hour",
           "hour of the first sender's first restriction (empty when never restricted)", "hour",
           kind=HOUR, over_senders=FIRST_SENDER, better=NEITHER),
    Metric("suspended", "suspension risk",
           "whether the sender was suspended (restricted for good: past the last step of "
           "platform.restriction_hours) within the horizon (several senders: the share suspended)",
           "share of replicates", kind=PROPORTION, shown=(CLI, SERIES, COMPARE, BY_PARAMETER, APP)),
    Metric("suspension_hour", "suspension hour",
           "hour of the first sender's suspension (empty when never suspended)", "hour",
           kind=HOUR, over_senders=FIRST_SENDER, better=NEITHER),
)

BY_NAME = {m.name: m for m in REGISTRY}
# The engine's counter rows, in registry order (its compiled kernels address them by row).
COUNTERS = tuple(m.name for m in REGISTRY if m.counter)
# The proportions summarised as risks in summary.json: the metric, its key in summary.json's
# metrics and the hour whose median goes with it.
RISKS = {"restricted": ("restriction_risk", "restriction_hour"),
         "suspended": ("suspension_risk", "suspension_hour")}
# The risk the comparison figures put against reach: any restriction at all (with
# platform.restriction_hours=[] the first restriction is permanent and the two risks agree).
RISK = "restricted"
RISK_SUMMARY = RISKS[RISK][0]


def names(where: str | None = None, kind: str | None = None) -> tuple[str, ...]:
    """Names of the metrics shown ``where`` (any place if None) of ``kind`` (any if None),
    in registry order."""
    return tuple(m.name for m in REGISTRY
                 if (where is None or where in m.shown) and (kind is None or m.kind == kind))


def label(name: str) -> str:
    return BY_NAME[name].label


def markdown_table() -> str:
    """The registry as a markdown table (docs/MODEL.md carries it; a test keeps them in step)."""
    lines = ["| metric | meaning | unit | kind | at most | over senders | better | shown in |",
             "|---|---|---|---|---|---|---|---|"]
    for m in REGISTRY:
        most = "1" if m.kind == PROPORTION else (m.at_most or "-")
        lines.append(f"| `{m.name}` | {m.meaning} | {m.unit} | {m.kind} | {most} | "
                     f"{m.over_senders} | {m.better} | {', '.join(m.shown) or '-'} |")
    return "\n".join(lines) + "\n"
