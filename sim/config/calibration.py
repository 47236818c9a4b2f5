"""The calibration table: where the default of each of the model's knobs comes from.

One entry per knob, keyed as a user types it (``population.reply_prob_base``,
``platform.restriction_hours[0]``), with its status:

- ``sourced``: taken from a named source (a paper, a platform's published rule or reports of its
  practice, the story), or fixed by definition or by the story's scenario;
- ``calibrated``: tuned so that the model reproduces a stated observation;
- ``assumption``: ours, with the reason for the number.

Assumptions and calibrated values carry a plausible range (``low``, ``high``, drawn on a
``linear`` or ``log`` scale) for an uncertainty analysis to draw from; a sourced value carries
one where the source gives a range of values. The defaults themselves are not written here:
``entries()`` reads each from the schema (sim/config/schema.py, the only copy), and
docs/MODEL.md carries ``markdown_table()`` (a test keeps the two in step).

Platform keys belong to a rule (``rule``: ``count``, ``rate``, ...) since two rules may use the
same name (``platform.window_hours``); an entry without a rule (the restriction ladder, the
caps) holds for every rule that does not have its own entry for the key.

Left out, on purpose:

- how a run is computed, not what it models: ``seed``, ``replicate_seed``, ``paired``,
  ``replicates``, ``engine.*``, ``output.*``;
- what the senders decide, the levers a study varies on purpose: ``senders.*`` and the
  strategies' own schedule keys (``strategy.k``, ``delay_hours``, ``batch_size``,
  ``interval_hours``, ``order``, ``adaptive_pause``, ``pause_*``);
- aliases of ``close_ties``: ``network.strong_ties`` and ``strategy.k``;
- choices among named options, not numbers: ``population.tie_strength.from``,
  ``population.read_delay.dist``, ``platform.after_last``;
- the other network sources and ``population=homogeneous``: baselines and analytic checks,
  whose defaults docs/NETWORKS.md and docs/MODEL.md mark.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Optional

from sim.config.schema import SCHEMAS, OutreachConfig, PlatformConfig, StrategyConfig

SOURCED = "sourced"
CALIBRATED = "calibrated"
ASSUMPTION = "assumption"
STATUSES = (SOURCED, CALIBRATED, ASSUMPTION)
LINEAR = "linear"
LOG = "log"


@dataclass(frozen=True)
class Entry:
    """One knob: its key as typed, where its default comes from and its plausible range."""

    key: str
    status: str
    source: str  # one sentence: the source, or our assumption and why the number
    low: Optional[float] = None
    high: Optional[float] = None
    why: str = ""  # the reason for the range, a few words
    scale: str = LINEAR
    unit: str = "-"
    rule: Optional[str] = None  # platform keys: the rule they belong to (None: every rule)


@dataclass(frozen=True)
class Row(Entry):
    """An entry with its default, read from the schema."""

    default: Any = None
    integer: bool = False  # the knob takes whole numbers (a range draw must be rounded)


_LINKEDIN_2014 = ("LinkedIn Talent Blog, 10 July 2014, \"InMail Policy Change to Increase "
                  "Response Rates\"")
_LADDER = ("third-party reports of LinkedIn practice (not a published rule; LinkedIn's help "
           "says most restrictions lift within a week)")

ENTRIES: tuple[Entry, ...] = (
    # ------------------------------------------------------------------ top level
    Entry("horizon_hours", SOURCED,
          "A scenario setting from the story (issue 2): six weeks, room for the notes the "
          "author planned three weeks after the blast and their effects.", unit="h"),
    Entry("close_ties", SOURCED,
          "The story: the author thanked ~150 close ties by name; a scenario setting.",
          unit="contacts"),
    Entry("annoyance_half_life_hours", ASSUMPTION,
          "Our assumption (issue 2): irritation at an unwanted ask fades over about a week.",
          24, 720, "a day to a month", scale=LOG, unit="h"),
    # ------------------------------------------------------------------ population
    Entry("population.tie_strength.a", ASSUMPTION,
          "Our assumption after Granovetter 1973 (most ties are weak): a Beta with mean 0.2; "
          "used only when tie strengths are drawn (from: beta), not on the default ego "
          "network (overlap).", 1.0, 2.5,
          "with b's range, mean tie strengths of 0.09-0.38, around the real ego-Facebook "
          "senders' 0.16-0.31"),
    Entry("population.tie_strength.b", ASSUMPTION,
          "Our assumption, with tie_strength.a: most ties weak (Granovetter 1973).", 4.0, 10.0,
          "as tie_strength.a"),
    Entry("population.threshold_median", CALIBRATED,
          "Calibrated with threshold_sigma to the story: about one of the ~150 close ties felt "
          "spammed by the generic blast.", 2.5, 10.0,
          "a stranger who reads one generic ask is annoyed with a chance of 18% to 1% (at "
          "threshold_sigma 1)", scale=LOG, unit="annoyance units"),
    Entry("population.threshold_sigma", CALIBRATED,
          "Calibrated with threshold_median to the same close tie.", 0.5, 1.5,
          "people's patience differs by a factor of 1.6 to 4.5 per standard deviation",
          unit="sd of log-threshold"),
    Entry("population.annoyance_generic", SOURCED,
          "A definition, not a measurement: the unit of annoyance (one generic ask of ordinary "
          "quality to a stranger); the thresholds are in this unit, so its uncertainty is "
          "threshold_median's.", unit="annoyance units"),
    Entry("population.annoyance_personal", ASSUMPTION,
          "Our assumption: a note that names what the person did does not annoy (its goodwill "
          "is in goodwill_*).", -0.2, 0.5,
          "from a thank-you that soothes (the first build's value) to still an ask, half a "
          "generic one", unit="annoyance units"),
    Entry("population.goodwill_base", ASSUMPTION,
          "Our assumption: a read note halves what that sender's later generic asks annoy a "
          "stranger.", 0.0, 0.5, "from no goodwill to that half; base + gain at most 1",
          unit="share of annoyance spared"),
    Entry("population.goodwill_tie_gain", ASSUMPTION,
          "Our assumption: the closer the tie, the more a note counts, full goodwill for the "
          "closest.", 0.0, 0.5, "from none to full goodwill for the closest; base + gain at "
          "most 1", unit="share of annoyance spared"),
    Entry("population.read_prob_base", ASSUMPTION,
          "Our assumption: half of acquaintances open a personal email asking for help.",
          0.25, 0.55, "a quarter to over half; base + gain at most 1", unit="probability"),
    Entry("population.read_prob_tie_gain", ASSUMPTION,
          "Our assumption: nearly all close ties open it.", 0.2, 0.45,
          "a close tie opens it with a chance of 45% to 100%; base + gain at most 1",
          unit="probability"),
    Entry("population.read_prob_personal_base", ASSUMPTION,
          "Our assumption: most people open a note that names them.", 0.5, 0.8,
          "half to most strangers; base + gain at most 1", unit="probability"),
    Entry("population.read_prob_personal_tie_gain", ASSUMPTION,
          "Our assumption: a close tie always opens a personal note.", 0.0, 0.2,
          "base + gain at most 1", unit="probability"),
    Entry("population.read_delay.mean_hours", ASSUMPTION,
          "Our assumption (issue 2): a message is read a day after it arrives, on average.",
          4, 168, "from the same working day to a week", scale=LOG, unit="h"),
    Entry("population.read_delay.sigma", ASSUMPTION,
          "Our assumption, used only with read_delay.dist=lognormal (the default is "
          "exponential).", 0.5, 2.0,
          "from similar delays to delays spread over orders of magnitude",
          unit="sd of log-delay"),
    Entry("population.reply_prob_base", CALIBRATED,
          "Calibrated with reply_prob_tie_gain to the story: the second reader's generic email "
          "to 1,000 contacts drew replies from 2-3% of them.", 0.01, 0.1,
          "a third to three times the default", scale=LOG, unit="probability"),
    Entry("population.reply_prob_tie_gain", CALIBRATED,
          "Calibrated with reply_prob_base to the same 2-3%, closer ties answering "
          "more.", 0.04, 0.3, "a third to two and a half times the default", scale=LOG,
          unit="probability"),
    Entry("population.reply_prob_personal_base", ASSUMPTION,
          "Our assumption: a note that names what the person did invites an answer even from "
          "nearly a third of distant contacts.", 0.1, 0.45,
          "one in ten to nearly half; base + gain at most 1", unit="probability"),
    Entry("population.reply_prob_personal_tie_gain", ASSUMPTION,
          "Our assumption: most close ties answer a personal note.", 0.2, 0.55,
          "base + gain at most 1", unit="probability"),
    Entry("population.share_prob_base", ASSUMPTION,
          "Our assumption: reposting an ask publicly is rarer than answering it privately, so "
          "below reply_prob_base.", 0.003, 0.03, "a third to three times the default",
          scale=LOG, unit="probability"),
    Entry("population.share_prob_tie_gain", ASSUMPTION,
          "Our assumption: close ties share far more readily.", 0.03, 0.3,
          "a third to three times the default", scale=LOG, unit="probability"),
    Entry("population.personal_share_multiplier", SOURCED,
          "Aral & Walker 2011 (Management Science 57:1623) and 2013 (GfK MIR 5(2)): friends of "
          "users whose app sent automated broadcast notifications adopted at +450% over "
          "control, after personal invitations at +750%, so per recipient a personal "
          "invitation is worth (1 + 7.5) / (1 + 4.5) ≈ 1.5 broadcasts.", 1.0, 4.0,
          "from no gain to the first build's 4", unit="multiplier"),
    Entry("population.share_prob_word_of_mouth", ASSUMPTION,
          "Our assumption: hearing of the ask from a friend's share is like a generic ask to a "
          "weak tie (share_prob_base + share_prob_tie_gain x 0.1).", 0.005, 0.05,
          "small enough that cascades stay rare, as Goel, Watts & Goldstein 2012 (EC'12) find "
          "most adoptions within one hop of a seed", scale=LOG, unit="probability"),
    Entry("population.exposure_prob", ASSUMPTION,
          "Our assumption, within what social-media marketing reports give for a post's "
          "organic reach: a few percent to about 10% of one's connections.", 0.02, 0.15,
          "that organic reach, with some room", scale=LOG, unit="probability"),
    Entry("population.report_prob", ASSUMPTION,
          "Our assumption: few annoyed people mark a personal email as spam, so complaints stay "
          "well inside Gmail's 0.1% target, as for ordinary mail.", 0.001, 0.05,
          "a sixth to eight times the default: reports are rare, yet the story's second reader "
          "was marked once in 1,000 emails", scale=LOG, unit="probability"),
    Entry("population.unfollow_prob", ASSUMPTION,
          "Our assumption: one annoyed stranger in ten removes the sender, so unsubscribes "
          "after an unexpected ask stay under 1% of recipients.", 0.02, 0.5,
          "one in fifty to one in two", scale=LOG, unit="probability"),
    Entry("population.fatigue_per_ask", ASSUMPTION,
          "Our assumption: five recent asks halve a person's chance to read, reply or share.",
          0.0, 1.0, "from no fatigue to one recent ask halving it", unit="per recent ask"),
    Entry("population.fatigue_annoyance_per_ask", ASSUMPTION,
          "Our assumption: five recent asks double what a generic ask annoys.", 0.0, 1.0,
          "from none to one recent ask doubling it", unit="per recent ask"),
    Entry("population.fatigue_half_life_hours", ASSUMPTION,
          "Our assumption: a week, as the annoyance half-life.", 24, 720, "a day to a month",
          scale=LOG, unit="h"),
    # ------------------------------------------------------------------ strategy
    Entry("strategy.message_quality", SOURCED,
          "The story's ordinary message, by definition the reference quality: at 0.5 the "
          "quality multipliers are 1 and the population's chances apply as set (how quality "
          "acts, rule 6, is our assumption); a lever of the sender.", unit="0 to 1"),
    Entry("strategy.note_quality", SOURCED,
          "The story's notes thanking each close tie by name, taken as ordinary (0.5): the "
          "population's chances for notes apply as set; a lever of the sender.",
          unit="0 to 1"),
    Entry("strategy.minutes_per_batch", ASSUMPTION,
          "Our assumption: writing one message and mail-merging it takes about a quarter of "
          "an hour.", 5, 60, "a short template to an hour's care", scale=LOG, unit="min"),
    Entry("strategy.minutes_per_note", ASSUMPTION,
          "Our assumption: a few lines that name what the person did.", 3, 30,
          "a line or two to a considered letter", scale=LOG, unit="min"),
    Entry("strategy.notes_per_day", ASSUMPTION,
          "Our assumption: about three hours of writing a day, at ten minutes a note.", 5, 50,
          "an evening's spare time to a full day", scale=LOG, unit="notes"),
    # ------------------------------------------------------------------ platform, every rule
    Entry("platform.restriction_hours[0]", SOURCED,
          f"The escalation ladder, from {_LADDER}: a first restriction for spam-like messaging "
          "lifts within about a day.", 12, 168, "12 h to a week", scale=LOG, unit="h"),
    Entry("platform.restriction_hours[1]", SOURCED,
          "The same reports: a second lifts after about two days.", 24, 720,
          "a day to 30 days", scale=LOG, unit="h"),
    Entry("platform.restriction_hours[2]", SOURCED,
          "The same reports: a further one within a week, after which the account is reviewed "
          "by hand (here: a suspension).", 48, 720, "two days to 30 days", scale=LOG, unit="h"),
    Entry("platform.daily_cap", SOURCED,
          "No published limit on messages to 1st-degree connections, and the story's author "
          "sent ~1,800 in one go: no cap (0); a scenario setting.", unit="messages"),
    Entry("platform.weekly_cap", SOURCED,
          "As daily_cap: no published weekly limit, no cap (0); a scenario setting.",
          unit="messages"),
    # ------------------------------------------------------------------ platform=count
    Entry("platform.max_reports", SOURCED,
          "The story: the second reader was suspended after someone marked the message as "
          "spam, one report.", unit="reports", rule="count"),
    Entry("platform.window_hours", SOURCED,
          "A day, the period over which Gmail measures a sender's spam rate (bulk-sender "
          "guidelines).", unit="h", rule="count"),
    # ------------------------------------------------------------------ platform=rate
    Entry("platform.max_rate", SOURCED,
          "Gmail's bulk-sender guidelines: keep the spam rate below 0.1% and never reach "
          "0.3%.", 0.001, 0.003, "from that target to that limit", scale=LOG,
          unit="reports per message", rule="rate"),
    Entry("platform.prior_rate", ASSUMPTION,
          "Our assumption: a new sender is presumed at Gmail's 0.1% target.", 0.0001, 0.003,
          "a tenth of the target to the limit", scale=LOG, unit="reports per message",
          rule="rate"),
    Entry("platform.prior_messages", ASSUMPTION,
          "Our assumption: the platform's prior is worth a thousand messages of evidence.",
          100, 10000, "a tenth to ten times that", scale=LOG, unit="messages", rule="rate"),
    # ------------------------------------------------------------------ platform=review
    Entry("platform.restrict_prob", ASSUMPTION,
          "Our assumption (no platform publishes it): about half of the reports on a personal "
          "ask from a real account are upheld.", 0.1, 1.0,
          "from one report in ten to every report (the count rule with one report)",
          unit="probability", rule="review"),
    # ------------------------------------------------------------------ platform=response_rate
    Entry("platform.min_response_rate", SOURCED,
          f"{_LINKEDIN_2014}: a sender below a 13% response rate on 100 or more InMails over 14 "
          "days may send only one-to-one InMails for 14 days.", unit="replies per message",
          rule="response_rate"),
    Entry("platform.min_volume", SOURCED,
          f"{_LINKEDIN_2014}: the rate is judged on 100 or more InMails.", unit="messages",
          rule="response_rate"),
    Entry("platform.window_hours", SOURCED,
          f"{_LINKEDIN_2014}: InMails sent over a 14-day period.", unit="h",
          rule="response_rate"),
    Entry("platform.restriction_hours[0]", SOURCED,
          f"{_LINKEDIN_2014}: one-to-one InMails only for 14 days, and for another 14 if still "
          "below (after_last: repeat).", unit="h", rule="response_rate"),
    # ------------------------------------------------------------------ network=ego
    Entry("network.n_contacts", SOURCED,
          "The story: the author emailed ~1,800 LinkedIn contacts; a scenario setting.",
          unit="people"),
    Entry("network.communities", ASSUMPTION,
          "Our assumption: a handful of circles (school, jobs, field).", 2, 15,
          "from two circles to many small ones", scale=LOG, unit="count"),
    Entry("network.within_degree", ASSUMPTION,
          "Our assumption, at the low end of ego-Facebook (SNAP; McAuley & Leskovec 2012), "
          "whose six largest egos' contacts know 14.5-79.5 of the others on average.", 10, 80,
          "that span, reaching lower as professional contacts may know fewer of each other",
          scale=LOG, unit="people"),
    Entry("network.degree_spread", CALIBRATED,
          "Calibrated: the spread of how many of the sender's contacts each knows matches "
          "ego-Facebook sender 107's 0.92 (McAuley & Leskovec 2012).", 0.65, 0.95,
          "realised spreads across the six largest egos' 0.80-1.07",
          unit="coefficient of variation"),
    Entry("network.clustering_beta", CALIBRATED,
          "Calibrated: the S1 model's beta (Serrano, Krioukov & Boguñá 2008) that gives the "
          "contacts ego-Facebook sender 107's average clustering, 0.52.", 2.2, 4.5,
          "clustering across the six largest egos' 0.47-0.63"),
    Entry("network.strong_tie_boost", CALIBRATED,
          "Calibrated: the planted close ties come out the strongest by neighbourhood overlap "
          "(Onnela et al. 2007), as close ties know most of the sender's circle.", 1.3, 2.0,
          "nearly all planted close ties still come out strongest, and the spread stays "
          "within ego-Facebook's", unit="multiplier"),
    Entry("network.cross_fraction", ASSUMPTION,
          "Our assumption: few of a contact's links to the sender's other contacts cross "
          "circles.", 0.01, 0.2, "from nearly closed circles to one link in five across",
          scale=LOG, unit="fraction"),
    Entry("network.outside_degree", ASSUMPTION,
          "Our assumption: the part of a contact's own network outside the sender's that could "
          "see its shares, far below a whole friend list.", 3, 30,
          "a third to three times the default", scale=LOG, unit="people"),
    Entry("network.outside_overlap", ASSUMPTION,
          "Our assumption: an outside person is known by one or two of the sender's "
          "contacts.", 1.0, 4.0, "one to a few", unit="people"),
    Entry("network.outside_within_degree", ASSUMPTION,
          "Our assumption: only the part of an outside person's network inside the modelled "
          "audience counts, far below a whole friend count (Facebook: median 99, mean 190; "
          "Ugander, Karrer, Backstrom & Marlow 2011).", 2, 50,
          "a few to a sizeable part of a friend list", scale=LOG, unit="people"),
    Entry("network.outside_degree_sigma", SOURCED,
          "The lognormal with Facebook's mean 190 and median 99 friends (Ugander, Karrer, "
          "Backstrom & Marlow 2011), assuming a random part of each network falls in the "
          "audience.", 0.5, 1.5, "narrower or wider than Facebook's spread",
          unit="sd of log-degree"),
)

# The schema each key's default is read from: a group's option (its schema in SCHEMAS), or
# the class every option of the group shares.
_GROUP_SCHEMA = {
    "population": SCHEMAS["population"]["default"],
    "network": SCHEMAS["network"]["ego"],
    "strategy": StrategyConfig,
    "platform": PlatformConfig,
}


def _path(key: str) -> list[str | int]:
    """``platform.restriction_hours[0]`` -> ["platform", "restriction_hours", 0]."""
    parts = re.findall(r"\[\d+\]|[^.\[\]]+", key)
    return [int(p[1:-1]) if p.startswith("[") else p for p in parts]


def _schema_for(key: str, rule: Optional[str]) -> tuple[type, list[str | int]]:
    """The schema class a key's default is written in, and the key's path inside it."""
    path = _path(key)
    if path[0] == "platform" and rule is not None:
        return SCHEMAS["platform"][rule], path[1:]
    if path[0] in _GROUP_SCHEMA:
        return _GROUP_SCHEMA[path[0]], path[1:]
    return OutreachConfig, path


def schema_default(key: str, rule: Optional[str] = None) -> Any:
    """The schema's default for a key (a platform key: of that rule's schema, or of the
    schema the rules share). KeyError when the schema has no such key."""
    cls, path = _schema_for(key, rule)
    node: Any = cls()
    for part in path:
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        elif isinstance(node, dict) and part in node:  # population.tie_strength
            node = node[part]
        elif dataclasses.is_dataclass(node) and part in {f.name for f in dataclasses.fields(node)}:
            node = getattr(node, part)
        else:
            raise KeyError(f"{key}: not in {cls.__name__}")
    return node


def _row(entry: Entry, rule: Optional[str]) -> Row:
    default = schema_default(entry.key, rule)
    if isinstance(default, bool) or not isinstance(default, (int, float)):
        raise TypeError(f"{entry.key}: default {default!r} is not a number")
    return Row(**{f.name: getattr(entry, f.name) for f in dataclasses.fields(Entry)},
               default=default, integer=isinstance(default, int))


def _has(key: str, rule: Optional[str]) -> bool:
    try:
        schema_default(key, rule)
    except KeyError:
        return False
    return True


def entries(rule: Optional[str] = None) -> list[Row]:
    """Every entry with its default filled in from the schema.

    ``rule=None``: the whole table (a platform key shared by the rules with the default of
    their common schema, each rule's own keys with their rule's). A rule (``count``, ``rate``,
    ...): the entries that hold under ``platform=<rule>``: every key outside the platform, the
    rule's own entries, and the shared ones its schema has and it does not replace, with its
    defaults. A key the schema lacks is an error (KeyError naming it)."""
    if rule is not None and rule not in SCHEMAS["platform"]:
        raise KeyError(f"{rule}: not a platform rule ({', '.join(SCHEMAS['platform'])})")
    own = {e.key for e in ENTRIES if rule is not None and e.rule == rule}
    rows = []
    for e in ENTRIES:
        if rule is None:
            rows.append(_row(e, e.rule))
        elif not e.key.startswith("platform."):
            rows.append(_row(e, None))
        elif e.rule == rule or (e.rule is None and e.key not in own and _has(e.key, rule)):
            # (a shared key this rule's schema lacks, a rung of the common ladder beyond the
            # rule's own, does not hold under it)
            rows.append(_row(e, rule))
    return rows


def ranges(rule: str = "count") -> dict[str, Row]:
    """The entries that hold under ``platform=<rule>`` and have a plausible range, by key:
    what an uncertainty analysis draws from (each row says its status and scale)."""
    return {r.key: r for r in entries(rule) if r.low is not None}


def _number(value: Any) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


def markdown_table() -> str:
    """The table as markdown (docs/MODEL.md carries it; a test keeps them in step)."""
    lines = ["| key | default | unit | status | source | plausible range |",
             "|---|---|---|---|---|---|"]
    for r in entries():
        key = f"`{r.key}`" + (f" (`platform={r.rule}`)" if r.rule else "")
        span = "-" if r.low is None else (f"{_number(r.low)} to {_number(r.high)}"
                                         + (" (log)" if r.scale == LOG else "")
                                         + (f": {r.why}" if r.why else ""))
        lines.append(f"| {key} | {_number(r.default)} | {r.unit} | {r.status} | {r.source} | "
                     f"{span} |")
    return "\n".join(lines) + "\n"
