"""Typed schema for every knob: the only place each default is written.

Each config group (network, population, strategy, platform) has one schema per option; the
YAML files under ``configs/<group>/`` extend these schemas, so an unknown key or a wrong type
fails at composition time, naming the key. Range checks are in ``sim.config.validation``;
registration with Hydra and composition are in ``sim.config.hydra_glue``.

Units: time in hours, effort in minutes per action, probabilities per event.
Every default names its source here or in docs/MODEL.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from omegaconf import II, MISSING

# --------------------------------------------------------------------------- network


@dataclass
class NetworkConfig:
    kind: str = MISSING
    # The sender: a node id (a file's own id, integer or string; a generator's node index),
    # "max_degree" (the best-connected node), or null for the source's own sender (node 0;
    # for the synthetic ego network, the ego). Our default: the story's single sender.
    sender: Any = None
    # Ego extraction, applied after any source: 1 = the sender, its contacts and the ties
    # among them; 2 = also the contacts' connections (the audience of a share); null = the
    # whole graph. Hops, integer.
    radius: Optional[int] = None


@dataclass
class EgoNetworkConfig(NetworkConfig):
    """The synthetic sender (docs/NETWORKS.md compares it with ego-Facebook)."""

    kind: str = "ego"
    n_contacts: int = 1800  # people; story: ~1,800 LinkedIn contacts
    strong_ties: int = II("close_ties")  # people; story: ~150 thanked by name
    # Communities among the contacts (school, jobs, field, ...); our assumption.
    communities: int = 6
    # Mean number of the sender's other contacts each contact knows (people). Our
    # assumption, inside ego-Facebook's range: 14.5-79.5 for its six largest egos.
    within_degree: float = 20.0
    # Spread of that number across contacts: coefficient of variation of the sociability
    # draw (dimensionless), before close ties are boosted. With the boost, the realised spread
    # at defaults is ~0.92, as ego-Facebook sender 107 (its six largest egos: 0.80-1.07).
    degree_spread: float = 0.8
    # S1-model beta (> 1, dimensionless): how strictly contacts know only those close to
    # them on the similarity circle; higher = more clustering. 2.5 gives average clustering
    # ~0.52 among the contacts, as ego-Facebook sender 107 (its six largest egos: 0.47-0.63).
    clustering_beta: float = 2.5
    # Close ties are the contacts who know most of the sender's circle (they get the highest
    # sociability draws), and know this many times more on top (multiplier). Calibrated: at
    # 1.5, 97-100% of the planted close ties are the strongest 150 by overlap at defaults.
    strong_tie_boost: float = 1.5
    # Fraction of a contact's links to the sender's other contacts that cross communities;
    # our assumption.
    cross_fraction: float = 0.05
    # Mean number of connections each contact has outside the sender's network (people):
    # the second-degree audience that sees shares. Our assumption.
    outside_degree: float = 10.0
    # Each outside person is shared by this many contacts on average (people); our assumption.
    outside_overlap: float = 1.5
    # Mean number of the other outside people each outside person knows (people): the links
    # that carry a share a third hop and further (0 = none: everyone is within two hops of
    # the sender). The mean is over the whole pool of outside people, including those no
    # contact knows (a fraction ~exp(-outside_overlap)), who join the network through these
    # links, three or more hops from the sender. Only the part of an outside person's
    # network that falls inside this modelled audience counts, so it is far below a whole
    # friend count (Facebook's active users: median 99, mean 190; Ugander, Karrer, Backstrom
    # & Marlow 2011); 10 is our assumption, plausible 2-50.
    outside_within_degree: float = 10.0
    # Spread of that number across outside people: the log-sd of each one's expected degree,
    # lognormal (dimensionless; 0 = every outside person alike, a Poisson degree). 1.14 is
    # the lognormal with Facebook's mean 190 and median 99 (Ugander et al. 2011: 721 million
    # active users, 68.7 billion friendships; sqrt(2 ln(190.6 / 99)) = 1.14), assuming a
    # random part of each network falls in the audience, which keeps the log-sd; plausible
    # 0.5-1.5, at most 3.
    outside_degree_sigma: float = 1.14


@dataclass
class ErdosRenyiNetworkConfig(NetworkConfig):
    kind: str = "erdos_renyi"
    n: int = 2000  # nodes; our assumption (a baseline without structure)
    mean_degree: float = 10.0  # expected contacts per node; our assumption


@dataclass
class SmallWorldNetworkConfig(NetworkConfig):
    """Watts & Strogatz (1998, Nature 393:440), built by networkx."""

    kind: str = "small_world"
    n: int = 2000  # nodes; our assumption
    k: int = 10  # even: each node joined to its k nearest ring neighbours (k/2 each side)
    p: float = 0.1  # probability of rewiring each ring edge; W&S's small-world regime


@dataclass
class PowerlawClusterNetworkConfig(NetworkConfig):
    """Holme & Kim (2002, Phys Rev E 65:026107); sim/network/holme_kim.py."""

    kind: str = "powerlaw_cluster"
    n: int = 2000  # nodes; our assumption
    m: int = 5  # edges each new node adds (mean degree ~2m); our assumption
    p: float = 0.3  # probability of a triad-formation step after each edge; our assumption


@dataclass
class StochasticBlockNetworkConfig(NetworkConfig):
    """Holland, Laskey & Leinhardt (1983) stochastic block model, built by networkx."""

    kind: str = "stochastic_block"
    sizes: list[int] = field(default_factory=lambda: [500, 500, 500, 500])  # nodes per block
    p_in: float = 0.02  # edge probability inside a block (mean degree ~10); our assumption
    p_out: float = 0.001  # edge probability between blocks; our assumption


@dataclass
class EdgelistNetworkConfig(NetworkConfig):
    """A network file: SNAP "u v" lines or CSV/TSV with a header (sim/network/edgelist.py)."""

    kind: str = "edgelist"
    path: str = MISSING  # file (plain or .gz); relative paths are from the working directory
    # true: lines are arcs u->v; either way the network is undirected (an arc either way is
    # a tie) and reciprocal arcs are merged; false: each line is a tie and a repeat is a
    # duplicate. Only the counts in the summary differ.
    directed: bool = False
    sender: Any = "max_degree"  # a file has no natural sender; the hub is our default


@dataclass
class OwnNetworkConfig(NetworkConfig):
    """Keys shared by the user's own networks (network=contacts, network=linkedin;
    sim/network/own.py, docs/NETWORKS.md "Your own network")."""

    path: str = MISSING  # the file (or export); relative paths are from the working directory
    # A file naming the sender's close ties, one name or profile URL per line ('#' comments);
    # they rank first by tie strength (tie strength 1, the others scaled into [0, 0.99]) and
    # close_ties of the strongest count as close. Entries matching no contact are reported
    # by line number; a file matching nobody is an error. null: the close_ties strongest.
    close_ties_file: Optional[str] = None
    # Probability that two contacts who share nothing the file shows know each other (per
    # pair). Our assumption: 0.005, so a contact knows ~9 of 1,800 such contacts; plausible
    # 0-0.02. Contact lists do not say who knows whom, so these links are drawn.
    across_prob: float = 0.005
    # The synthetic outside audience, as the ego network's (EgoNetworkConfig, same meaning,
    # units, defaults and sources): connections per contact outside the sender's network
    # (people), how many contacts share each outside person, how many other outside people
    # each knows, and the log-sd of that number.
    outside_degree: float = 10.0
    outside_overlap: float = 1.5
    outside_within_degree: float = 10.0
    outside_degree_sigma: float = 1.14


@dataclass
class ContactsNetworkConfig(OwnNetworkConfig):
    """A contact list: a CSV with a header naming name (or id), and optionally tie_strength
    (0-1), close (true/false), community, email."""

    kind: str = "contacts"
    # Probability that two contacts of the same community know each other (per pair; at
    # least across_prob). Our assumption: 0.1, about the ego network's within-community
    # density (20 known of ~300 per community: 0.07); plausible 0.02-0.3.
    within_community_prob: float = 0.1


@dataclass
class LinkedinNetworkConfig(OwnNetworkConfig):
    """A LinkedIn data export: its ZIP, the folder it unpacks to, or Connections.csv; an
    optional messages.csv beside it gives interaction intensity."""

    kind: str = "linkedin"
    # Probability that two connections at the same company know each other (per pair; at
    # least across_prob). Our assumption: 0.1; plausible 0.02-0.5 (higher in small firms).
    same_company_prob: float = 0.1
    # ... with similar positions (the same title once seniority words are dropped: "Senior
    # Data Engineer" ~ "Data Engineer"), per pair. Our assumption: 0.02; plausible 0.005-0.1.
    similar_position_prob: float = 0.02
    # Weight of message intensity in tie strength when messages.csv is present (0-1).
    # Rajkumar et al. (2022, Science 377:1304) measured LinkedIn tie strength by interaction
    # intensity and mutual connections; mutual connections are drawn here, not measured,
    # so intensity is the main signal. 0.7 is our assumption; plausible 0.5-0.9.
    messages_weight: float = 0.7
    # Half-life of a message's contribution to intensity (days): recency. Our assumption;
    # plausible 30-720.
    message_half_life_days: float = 180.0
    # Years connected at which the connection-age part of tie strength is full (years); our
    # assumption, plausible 2-10.
    connection_age_full_years: float = 5.0
    # The sender's own employers, past and present (company names as LinkedIn writes them);
    # a connection at one of them gets the same-company part of tie strength. [] = none known.
    own_companies: list[str] = field(default_factory=list)
    # Weight of a shared company against connection age in the tie strength without
    # messages (0-1); our assumption, plausible 0.2-0.6.
    company_weight: float = 0.3


# --------------------------------------------------------------------------- population

TIE_SOURCES = ("auto", "overlap", "embeddedness", "weight", "beta")
# Where tie strength comes from (a choice of TIE_SOURCES) and, for "beta", the Beta(a, b)
# draw: mean 0.2, most ties weak and a few strong (our assumption; docs/MODEL.md). A user
# block that names only some keys gets the others from here.
TIE_STRENGTH_DEFAULTS = {"from": "auto", "a": 1.5, "b": 6.0}


@dataclass
class ReadDelayConfig:
    dist: str = "exponential"  # exponential | constant | lognormal
    mean_hours: float = 24.0  # issue 2: default mean one day
    sigma: float = 1.0  # lognormal only: sd of log-delay


@dataclass
class DefaultPopulationConfig:
    """Each default's source, or "our assumption" with its plausible range: docs/MODEL.md,
    calibration table (generated from sim/config/calibration.py)."""

    kind: str = "default"
    # from: auto | overlap | embeddedness | weight | beta, plus a, b for beta.
    # ("from" is a Python keyword, so this block is a validated mapping.)
    tie_strength: dict[str, Any] = field(default_factory=lambda: dict(TIE_STRENGTH_DEFAULTS))
    threshold_median: float = 5.0  # annoyance units; one generic ask to a stranger = 1
    threshold_sigma: float = 1.0  # lognormal spread of thresholds (sd of log-threshold)
    annoyance_generic: float = 1.0  # annoyance units per generic ask, times (1 - w)
    annoyance_personal: float = 0.0  # annoyance units per personal note, times (1 - w)
    # a read note's goodwill towards its sender: g = clip(base + gain * w, 0, 1); that sender's
    # later generic asks annoy by (1 - g)
    goodwill_base: float = 0.5
    goodwill_tie_gain: float = 0.5
    read_prob_base: float = 0.5  # read chance of a generic ask = base + gain * w
    read_prob_tie_gain: float = 0.45
    read_prob_personal_base: float = 0.8  # read chance of a personal note = base + gain * w
    read_prob_personal_tie_gain: float = 0.2
    read_delay: ReadDelayConfig = field(default_factory=ReadDelayConfig)
    reply_prob_base: float = 0.03  # reply chance of a generic ask (read, not annoyed) = base + gain * w
    reply_prob_tie_gain: float = 0.12
    reply_prob_personal_base: float = 0.3  # reply chance of a personal note = base + gain * w
    reply_prob_personal_tie_gain: float = 0.5
    share_prob_base: float = 0.01  # share chance of a generic ask (read, not annoyed) = base + gain * w
    share_prob_tie_gain: float = 0.1
    personal_share_multiplier: float = 1.5  # a personal note multiplies share_prob (cap 1)
    share_prob_word_of_mouth: float = 0.02  # someone who hears of it from a share
    exposure_prob: float = 0.08  # chance each connection sees one share
    report_prob: float = 0.006  # annoyed stranger (w=0); scaled by (1 - w)
    unfollow_prob: float = 0.1  # annoyed stranger (w=0); scaled by (1 - w)
    # fatigue: n = recent asks received from anyone (each halves every fatigue_half_life_hours);
    # read, reply and share chances x 1 / (1 + fatigue_per_ask * n); a generic ask's annoyance
    # x (1 + fatigue_annoyance_per_ask * n). Both 0: no fatigue.
    fatigue_per_ask: float = 0.2
    fatigue_annoyance_per_ask: float = 0.2
    fatigue_half_life_hours: float = 168.0


@dataclass
class HomogeneousPopulationConfig:
    kind: str = "homogeneous"
    tie_strength: float = 0.0
    annoyance_threshold: float = 0.5
    annoyance_generic: float = 1.0
    annoyance_personal: float = 0.0
    read_prob: float = 1.0
    reply_prob: float = 0.0
    share_prob: float = 0.0
    exposure_prob: float = 0.0
    report_prob: float = 0.01
    unfollow_prob: float = 0.0
    read_delay_hours: float = 0.0
    goodwill: float = 0.0
    fatigue_per_ask: float = 0.0
    fatigue_annoyance_per_ask: float = 0.0
    fatigue_half_life_hours: float = 168.0


# --------------------------------------------------------------------------- strategy


@dataclass
class StrategyConfig:
    """Every strategy knob, on every strategy: a strategy ignores the keys it does not use,
    so one sweep can cross strategies with their parameters
    (``outreach -m strategy=generic_blast,staggered strategy.batch_size=50,200``); a key that
    no strategy has is still an error. Which strategy uses which key: docs/MODEL.md."""

    name: str = MISSING
    # Quality of the generic message and of the personal notes, in [0, 1]: 0.5 is the story's
    # ordinary message (the population's chances are calibrated at it); reply and share chances
    # x (0.5 + q), annoyance x (1.5 - q) (docs/MODEL.md, rule 6; our assumption).
    message_quality: float = 0.5
    note_quality: float = 0.5
    # Effort of preparing and sending one generic batch (mail merge), minutes. All strategies.
    minutes_per_batch: float = 15.0
    # personal_first, blast_then_personal: notes to the k strongest ties
    k: int = II("close_ties")
    notes_per_day: int = 20
    minutes_per_note: float = 10.0
    # personal_first: generic after the last note; blast_then_personal: notes after the blast
    delay_hours: float = 24.0
    # staggered
    batch_size: int = 100
    interval_hours: float = 24.0
    order: str = "strongest_first"  # strongest_first | random | weakest_first
    adaptive_pause: bool = False
    pause_reports: int = 1  # pause while reports in the last pause_window_hours >= this
    pause_window_hours: float = 72.0
    # plan: the plan file, a CSV with the columns contact,hour,kind (docs/MODEL.md); relative
    # paths are from the working directory
    path: Optional[str] = None


@dataclass
class GenericBlastConfig(StrategyConfig):
    name: str = "generic_blast"


@dataclass
class PersonalFirstConfig(StrategyConfig):
    name: str = "personal_first"
    delay_hours: float = 24.0  # after the last personal note


@dataclass
class StaggeredConfig(StrategyConfig):
    name: str = "staggered"


@dataclass
class BlastThenPersonalConfig(StrategyConfig):
    name: str = "blast_then_personal"
    delay_hours: float = 504.0  # story: notes planned for three weeks later


@dataclass
class PlanConfig(StrategyConfig):
    """A schedule of the user's own, replayed from strategy.path (sim/rules/strategies.py)."""

    name: str = "plan"


# --------------------------------------------------------------------------- platform


# Restriction lengths, in hours, of a sender's first, second, third... restriction; one past the
# end of the list is permanent (a suspension). Third-party reports of LinkedIn practice (not a
# published rule; LinkedIn's help pages say only that most restrictions lift within a week): a
# first restriction for spam-like messaging lifts within about a day, a second after about two
# days, a further one within a week; after that the account is reviewed by hand (here: permanent).
# Plausible range: 12-168 h for the first, up to 30 days for later ones.
RESTRICTION_HOURS = (24.0, 48.0, 168.0)


@dataclass
class PlatformConfig:
    """What every platform rule shares: how restrictions escalate, and volume caps."""

    rule: str = MISSING
    # hours of each successive restriction; past the list: permanent. [] = the first
    # restriction is permanent (the first build's suspension).
    restriction_hours: list[float] = field(default_factory=lambda: list(RESTRICTION_HOURS))
    # What a restriction past the end of restriction_hours is: "permanent" (a suspension; the
    # default) or "repeat" (as long as the last length again, never permanent; needs a
    # non-empty restriction_hours).
    after_last: str = "permanent"
    # Messages a sender may deliver per calendar day / week (0 = no cap). Messages over a cap
    # wait for the next day / week. LinkedIn's limits on messages to 1st-degree connections are
    # not published; 0 = no cap is our default (the story's author sent 1,800 in one go).
    daily_cap: int = 0
    weekly_cap: int = 0


@dataclass
class NoPlatformConfig(PlatformConfig):
    rule: str = "none"


@dataclass
class CountPlatformConfig(PlatformConfig):
    rule: str = "count"
    max_reports: int = 1  # story: suspended "after someone marked the message as spam"
    # reports counted over this many hours (including the current one); a day, as Gmail
    # measures a spam rate. Reports from before a restriction lifts do not count again.
    window_hours: float = 24.0


@dataclass
class RatePlatformConfig(PlatformConfig):
    rule: str = "rate"
    max_rate: float = 0.003  # Gmail bulk-sender guideline: never reach a 0.3% spam rate
    # A report counts against the day its message was delivered (Gmail's daily spam rate).
    # The platform's estimate of a day's rate starts from a prior worth `prior_messages`
    # pseudo-messages at `prior_rate`, so one report among a handful of messages is not read as
    # a rate of 10%: on each new report it restricts with the probability that the day's rate
    # exceeds max_rate, given the day's reports and messages. Our assumptions: a new sender is
    # presumed at Gmail's 0.1% target (plausible 0.0001-0.003), worth 1,000 messages of
    # evidence (plausible 100-10,000).
    prior_rate: float = 0.001
    prior_messages: float = 1000.0


@dataclass
class ReviewPlatformConfig(PlatformConfig):
    rule: str = "review"
    # Each spam report is reviewed once and, independently, leads to a restriction with this
    # probability. Our assumption (no platform publishes it): about half of the reports on a
    # personal ask from a real account are upheld; plausible range 0.1-1 (1: the count rule
    # with one report).
    restrict_prob: float = 0.5


@dataclass
class ResponseRatePlatformConfig(PlatformConfig):
    rule: str = "response_rate"
    # LinkedIn's published InMail rule (LinkedIn Talent Blog, "InMail Policy Change to Increase
    # Response Rates", 10 July 2014): a sender whose response rate drops below 13% on 100 or
    # more InMails sent over a 14-day period can send only one-to-one InMails for 14 days, and
    # for another 14 if still below. Judged at the end of each calendar day over the messages
    # delivered on the last window_hours / 24 calendar days (only days starting at or after the
    # sender's last lift) and the replies to them so far; a reply is any answer.
    min_response_rate: float = 0.13
    min_volume: int = 100  # messages in the window before the rate is judged
    window_hours: float = 336.0  # 14 calendar days; a positive multiple of 24
    restriction_hours: list[float] = field(default_factory=lambda: [336.0])  # 14 days
    after_last: str = "repeat"  # another 14 days each time it is judged below again


# --------------------------------------------------------------------------- root


@dataclass
class SendersConfig:
    # How many agents send. count = 1 is the one sender of the network config; a fraction
    # f > 0 makes round(f * N) agents senders (the reciprocity question), sender first.
    fraction: float = 0.0
    # Senders start at an hour drawn uniformly from [0, start_spread_hours).
    start_spread_hours: float = 0.0


@dataclass
class EngineConfig:
    # Replicates advanced together in one batch: memory and speed only (each replicate draws
    # its numbers from its own key, so the batch size never changes the numbers).
    batch_size: int = 500
    # Memory the engine's state may take, in GiB: fewer replicates go in a batch when
    # batch_size of them would not fit (many senders on a large network). Memory only, as
    # batch_size. Our default: a laptop's comfortable share.
    memory_gib: float = 2.0


@dataclass
class OutputConfig:
    plot: bool = True
    table: bool = True  # print the summary table at the end
    progress: bool = True


# --------------------------------------------------------------------------- uncertainty


UNCERTAINTY_KINDS = ("none", "default")


@dataclass
class UncertaintyConfig:
    """Which config keys are uncertain, and their distributions (sim/config/uncertainty.py;
    docs/MODEL.md, Uncertainty). Read by the analyses (``outreach sensitivity``); a plain run
    uses the config's own values."""

    # none: nothing is uncertain. default: every entry of the calibration table with a
    # plausible range, for the run's platform rule (uniform, or loguniform on a log scale).
    kind: str = "none"
    # A YAML file mapping config keys to distributions ([low, high] or {dist: ..., ...});
    # relative paths are from the working directory. With kind=default its keys replace the
    # table's or add to them; with none they are the whole list.
    file: Optional[str] = None


# --------------------------------------------------------------------------- sensitivity


SENSITIVITY_METHODS = ("morris", "sobol")
SENSITIVITY_OUTPUTS = ("suspended", "restricted", "supporters", "replies", "close_ties_annoyed")


@dataclass
class SensitivityConfig:
    """``outreach sensitivity``: which of the uncertain keys (the uncertainty block) move
    which outputs (docs/MODEL.md, Sensitivity)."""

    # morris: screening (mu_star, sigma of the elementary effects); sobol: variance shares
    # (first-order S1, total-order ST) from Saltelli's sampling.
    method: str = "morris"
    # Base sample size: Morris trajectories (samples x (k + 1) points for k uncertain keys);
    # Sobol's N, a power of 2 (samples x (k + 2) points). Points.
    samples: int = 16
    # Replicates simulated at each point; the point's output is their mean (a risk: the share
    # of replicates hit). Every point uses the same replicate seed (common random numbers).
    replicates: int = 100
    # The metrics analysed (registry names, sim/metrics.py, counts or risks). Every metric is
    # stored per point, so changing this list reuses the points already run.
    outputs: list[str] = field(default_factory=lambda: list(SENSITIVITY_OUTPUTS))
    levels: int = 4  # Morris: grid levels of each key's quantile (even); SALib's default
    resamples: int = 1000  # bootstrap resamples behind the 95% intervals
    workers: int = 0  # processes evaluating points; 0 = every core


# --------------------------------------------------------------------------- calibration
# `outreach calibrate`: from what a sender saw to a posterior over the uncertain keys
# (sim/analysis/calibrate.py; docs/MODEL.md, "Calibration to what a sender saw").


@dataclass
class ObservationsConfig:
    """What senders saw, case by case (group ``observations``: ``none``, ``story``, or
    ``observations.file=PATH``). Each case is a mapping with ``overrides`` (the scenario, as
    ``outreach`` overrides) and ``observed`` (registry metric name -> the value seen); an
    optional ``name`` labels it. Checked by sim/analysis/observations.py."""

    name: str = "none"
    # A YAML file of cases (a list, or a mapping with ``cases``); when set it replaces
    # ``cases``. Relative paths are from the working directory.
    file: Optional[str] = None
    cases: list[Any] = field(default_factory=list)


@dataclass
class CalibrateConfig:
    """Importance sampling from the prior (the ``uncertainty`` group) weighted by a synthetic
    likelihood of the observations; every key's meaning and unit in docs/MODEL.md."""

    # M: parameter vectors drawn from the prior (scrambled Sobol points through each key's
    # inverse CDF). More draws, a larger effective sample size; a rerun with more draws
    # reuses the ones already evaluated. Our default: about six minutes for the story (two
    # cases, 44 keys) on two cores, with an effective sample size near 150.
    draws: int = 1000
    # Replicates simulated per case and draw (one engine run each), from which each observed
    # metric's likelihood is estimated. Our default: a yes/no outcome's chance to about +-0.05.
    replicates: int = 100
    # Seed of the prior draws and of each case's replicate seed (the same for every draw:
    # common random numbers, so likelihood ratios between draws are not the dice's).
    seed: int = 0
    # Warn (on stderr and in calibration.md) when the effective sample size of the weights
    # is below this many draws: the posterior then rests on a few draws.
    min_ess: float = 50.0
    # Counts that are not whole numbers (several senders, effort, weighted unfollows) get a
    # Gaussian synthetic likelihood whose variance is at least this (metric units squared).
    variance_floor: float = 0.25
    # The pair plot shows at most this many keys: those the observations moved the most
    # (0: no pair plot). The progress bar follows output.progress.
    plot_keys: int = 6

# --------------------------------------------------------------------------- optimise


OPTIMISE_SAMPLERS = ("tpe", "nsga2")


@dataclass
class OptimiseConfig:
    """``outreach optimise``: the plan (who gets a personal note, the generic message or
    nothing, and when) that does best on ``objective`` under the constraints, across the
    uncertain keys (the uncertainty block); docs/MODEL.md, Optimising a plan."""

    # The metric to make as good as possible (a registry name, sim/metrics.py, a count or a
    # risk that is better higher or lower): its mean over the draws and replicates. Our
    # default: supporters, the story's aim (people who spread the word).
    objective: str = "supporters"
    # Constraints on means over the draws and replicates; null = none. The chance of being
    # restricted at least once (share of replicates; the brief's one in twenty: a sender
    # should rarely meet the platform's sanctions); close ties annoyed (people; the story's
    # harm; no bound by default); the sender's effort (hours; no bound by default).
    max_restriction_risk: Optional[float] = 0.05
    max_close_ties_annoyed: Optional[float] = None
    max_effort_hours: Optional[float] = None
    # Plans tried in all (trials). A rerun into the same folder or storage continues the study
    # up to this many completed trials. 100: enough for TPE over the dozen decision variables
    # to settle (its first 10 are random), in minutes on the default scenario.
    trials: int = 100
    # Draws of the uncertain keys each trial is simulated at (the same for every trial), and
    # replicates per draw (the same replicate seed for every trial): common random numbers.
    # 16 x 64 = 1,024 histories a trial: a restriction risk near 0.05 to +-0.007 (one sd),
    # and about a second a trial on the default scenario. With uncertainty=none there is one
    # draw (the config's values) of draws x replicates histories.
    draws: int = 16
    replicates: int = 64
    # tpe: one objective, constraints as Optuna constraints (TPE, seeded). nsga2: two
    # objectives, the objective and the restriction risk (NSGA-II): a Pareto front; the
    # recommendation is still the best plan within the constraints.
    sampler: str = "tpe"
    # Tie-strength bands, as ranks among the sender's contacts (strongest first) where a band
    # ends: [150, 840] makes bands 1-150, 151-840 and 841 to the last contact. null = the
    # close ties (close_ties), then the contacts up to as many notes as the sender can write
    # within the horizon (strategy.notes_per_day x days: 840 at defaults), then the rest: the
    # ties one would thank by name, those a note could still reach, those only a generic
    # message can.
    bands: Optional[list[int]] = None
    # CELF's note selection: independent-cascade samples behind each contact's expected gain
    # in supporters (samples; a few hundred keep its ranking steady in a second or two).
    celf_samples: int = 200
    # Hours at the end of the horizon in which a plan sends nothing: what a message causes
    # (reads, replies, reports, a restriction) takes days to happen, and whatever falls past
    # the horizon is not counted, so a plan sending late would look safer than it is. Two
    # weeks: LinkedIn's response-rate window, and beyond most read delays in the calibration
    # table's range (means of 6-168 h).
    settle_hours: int = 336
    # Where the study is kept: null = study.db (SQLite) in the output folder; or any database
    # URL Optuna accepts (sqlite:///path, postgresql://...), so several machines can work on
    # one study. The study's name in it.
    storage: Optional[str] = None
    study: str = "outreach"


@dataclass
class OutreachConfig:
    network: Any = MISSING
    population: Any = MISSING
    strategy: Any = MISSING
    platform: Any = MISSING
    seed: int = 0
    # Seed of the Monte Carlo replicates only; null = derived from `seed`. The network, the
    # population and the senders always come from `seed`, so runs that differ only in their
    # strategy or platform meet the same people (common random numbers). A sweep sets this
    # per job (sim/cli/sweep.py).
    replicate_seed: Optional[int] = None
    # Sweeps: jobs differing only in strategy or platform keys share replicate seeds, so their
    # replicate r is paired (the same people's same decisions draw the same numbers); false:
    # every job its own stream (sim/cli/sweep.py, docs/MODEL.md).
    paired: bool = True
    replicates: int = 500
    horizon_hours: int = 1008  # six weeks
    close_ties: int = 150  # story: ~150 close ties thanked by name
    annoyance_half_life_hours: float = 168.0  # issue 2: seven days
    senders: SendersConfig = field(default_factory=SendersConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    uncertainty: UncertaintyConfig = field(default_factory=UncertaintyConfig)
    sensitivity: SensitivityConfig = field(default_factory=SensitivityConfig)
    # `outreach calibrate` (sim/analysis/calibrate.py): the observations and its settings
    observations: Any = MISSING
    calibrate: CalibrateConfig = field(default_factory=CalibrateConfig)

    optimise: OptimiseConfig = field(default_factory=OptimiseConfig)


SCHEMAS = {
    "network": {
        "ego": EgoNetworkConfig,
        "erdos_renyi": ErdosRenyiNetworkConfig,
        "small_world": SmallWorldNetworkConfig,
        "powerlaw_cluster": PowerlawClusterNetworkConfig,
        "stochastic_block": StochasticBlockNetworkConfig,
        "edgelist": EdgelistNetworkConfig,
        "contacts": ContactsNetworkConfig,
        "linkedin": LinkedinNetworkConfig,
    },
    "population": {
        "default": DefaultPopulationConfig,
        "homogeneous": HomogeneousPopulationConfig,
    },
    "strategy": {
        "generic_blast": GenericBlastConfig,
        "personal_first": PersonalFirstConfig,
        "staggered": StaggeredConfig,
        "blast_then_personal": BlastThenPersonalConfig,
        "plan": PlanConfig,
    },
    "platform": {
        "none": NoPlatformConfig,
        "count": CountPlatformConfig,
        "rate": RatePlatformConfig,
        "review": ReviewPlatformConfig,
        "response_rate": ResponseRatePlatformConfig,
    },
}
