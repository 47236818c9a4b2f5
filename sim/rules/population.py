"""Each contact's attributes, drawn once per run from the ``population`` config.

The population is fixed for a seed and shared by every replicate: replicates are what could
happen with these people, not different people. Attributes of a sender-contact *pair* (tie
strength and everything scaled by it) live on the pair, because in the reciprocity study the
same person is a close tie of one sender and a stranger to another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.schema import TIE_STRENGTH_DEFAULTS
from sim.errors import NetworkError
from sim.network import Network
from sim.network import ties as tie_mod

GENERIC, PERSONAL = 0, 1


@dataclass
class ReadDelay:
    """Hours from delivery (or share) to reading, rounded to whole hours: exponential with
    this mean, constant, or lognormal with this mean and log-sd sigma. The engine draws them
    per message (sim/engine/draws.py: ``delay_params``, ``delay_hours``)."""

    dist: str  # exponential | constant | lognormal
    mean_hours: float
    sigma: float = 1.0


@dataclass
class Population:
    n_agents: int
    senders: np.ndarray  # node index of each sender, primary first
    # per agent; annoyance thresholds ~ LogNormal(ln median, sigma), drawn afresh for every
    # replicate and person by the engine (nobody knows their contacts' patience in advance,
    # so the risks average over who they might be); sigma 0 = everyone at the median
    threshold_median: float
    threshold_sigma: float
    share_word_of_mouth: np.ndarray
    exposure: np.ndarray  # chance that each connection sees this agent's share
    # per sender-contact pair; pairs of sender s are pair_offset[s]:pair_offset[s+1],
    # ordered strongest tie first (ties broken by node index)
    pair_offset: np.ndarray
    pair_sender: np.ndarray
    pair_contact: np.ndarray
    tie_strength: np.ndarray
    close: np.ndarray
    read_prob: np.ndarray  # a generic ask's read chance
    annoyance_generic: np.ndarray  # increment on reading a generic message
    annoyance_personal: np.ndarray
    share_generic: np.ndarray
    share_personal: np.ndarray
    report_prob: np.ndarray
    unfollow_prob: np.ndarray
    read_delay: ReadDelay
    tie_source: str = "beta"
    # per pair, None = as the generic ask's read chance / no replies / no goodwill
    read_prob_personal: np.ndarray | None = None
    reply_generic: np.ndarray | None = None
    reply_personal: np.ndarray | None = None
    goodwill: np.ndarray | None = None  # what a read note gives the pair, in [0, 1] (rule 5)
    # fatigue (rule 0): chances x 1 / (1 + fatigue_per_ask * n), a generic ask's annoyance
    # x (1 + fatigue_annoyance_per_ask * n), n the recent asks (each halves every half-life)
    fatigue_per_ask: float = 0.0
    fatigue_annoyance_per_ask: float = 0.0
    fatigue_half_life_hours: float = 168.0

    def __post_init__(self):
        p = len(self.pair_contact)
        if self.read_prob_personal is None:
            self.read_prob_personal = np.asarray(self.read_prob, dtype=float).copy()
        for name in ("reply_generic", "reply_personal", "goodwill"):
            if getattr(self, name) is None:
                setattr(self, name, np.zeros(p))

    @property
    def n_senders(self) -> int:
        return len(self.senders)

    @property
    def n_pairs(self) -> int:
        return len(self.pair_contact)

    def contacts_of(self, s: int) -> slice:
        return slice(int(self.pair_offset[s]), int(self.pair_offset[s + 1]))


def quality_factors(quality: float) -> tuple[float, float]:
    """Rule 6 of docs/MODEL.md: a message of quality q in [0, 1] multiplies the reply and
    share chances by (0.5 + q) and the annoyance it causes by (1.5 - q); q = 0.5, the story's
    ordinary message at which the population is calibrated, changes nothing. Our assumption:
    a linear mapping (no source gives one)."""
    q = float(quality)
    return 0.5 + q, 1.5 - q


def _tie_strengths(net: Network, sender: int, spec: dict, rng) -> tuple[np.ndarray, np.ndarray, str]:
    spec = {**TIE_STRENGTH_DEFAULTS, **spec}
    source = spec["from"]
    contacts = net.neighbours(sender).astype(np.int64)
    if source == "auto":
        if net.weights is not None:
            source = "weight"
        else:
            _, mutual = tie_mod.mutual_contacts(net, sender)
            source = "overlap" if len(mutual) and (mutual > 0).mean() >= 0.5 else "beta"
    if source == "overlap":
        contacts, raw = tie_mod.overlap(net, sender)
        w = tie_mod.rescale(raw)
    elif source == "embeddedness":
        contacts, raw = tie_mod.mutual_contacts(net, sender)
        w = tie_mod.rescale(raw)
    elif source == "weight":
        if net.weights is None:
            raise NetworkError(
                "population.tie_strength.from=weight: the network has no weight column "
                "(give a CSV with source,target,weight)"
            )
        w = tie_mod.rescale(tie_mod.edge_weights(net, sender))
    else:
        w = rng.beta(float(spec["a"]), float(spec["b"]), size=len(contacts))
    return contacts, w, source


def build_population(
    cfg, net: Network, senders: np.ndarray, close_ties: int, rng: np.random.Generator
) -> Population:
    n = net.n_nodes
    homogeneous = cfg.kind == "homogeneous"
    contacts_l, w_l, sender_l = [], [], []
    source = "constant"
    for s_idx, s in enumerate(senders):
        if homogeneous:
            contacts = net.neighbours(int(s)).astype(np.int64)
            w = np.full(len(contacts), float(cfg.tie_strength))
        else:
            contacts, w, source = _tie_strengths(net, int(s), dict(cfg.tie_strength), rng)
        order = np.lexsort((contacts, -w))  # strongest first, then node index
        contacts_l.append(contacts[order])
        w_l.append(w[order])
        sender_l.append(np.full(len(contacts), s_idx, dtype=np.int64))
    pair_contact = np.concatenate(contacts_l)
    w = np.concatenate(w_l)
    pair_sender = np.concatenate(sender_l)
    pair_offset = np.concatenate(([0], np.cumsum([len(c) for c in contacts_l]))).astype(np.int64)
    # the k strongest of each sender are its close ties
    rank = np.arange(len(pair_contact)) - pair_offset[pair_sender]
    close = rank < close_ties
    if homogeneous:
        p = len(w)
        full = lambda v: np.full(p, float(v))  # noqa: E731
        share = full(cfg.share_prob)
        reply = full(cfg.reply_prob)
        return Population(
            n_agents=n, senders=np.asarray(senders, dtype=np.int64),
            threshold_median=float(cfg.annoyance_threshold), threshold_sigma=0.0,
            share_word_of_mouth=np.full(n, float(cfg.share_prob)),
            exposure=np.full(n, float(cfg.exposure_prob)),
            pair_offset=pair_offset, pair_sender=pair_sender, pair_contact=pair_contact,
            tie_strength=w, close=close, read_prob=full(cfg.read_prob),
            annoyance_generic=float(cfg.annoyance_generic) * (1 - w),
            annoyance_personal=float(cfg.annoyance_personal) * (1 - w),
            share_generic=share, share_personal=share.copy(),
            report_prob=full(cfg.report_prob), unfollow_prob=full(cfg.unfollow_prob),
            read_delay=ReadDelay("constant", float(cfg.read_delay_hours)),
            tie_source="constant", reply_generic=reply, reply_personal=reply.copy(),
            goodwill=full(cfg.goodwill), **_fatigue(cfg),
        )
    def linear(name):  # a chance linear in w: base + gain * w, in [0, 1]
        return np.clip(getattr(cfg, f"{name}_base") + getattr(cfg, f"{name}_tie_gain") * w, 0.0, 1.0)

    share_generic = linear("share_prob")
    return Population(
        n_agents=n, senders=np.asarray(senders, dtype=np.int64),
        threshold_median=float(cfg.threshold_median), threshold_sigma=float(cfg.threshold_sigma),
        share_word_of_mouth=np.full(n, float(cfg.share_prob_word_of_mouth)),
        exposure=np.full(n, float(cfg.exposure_prob)),
        pair_offset=pair_offset, pair_sender=pair_sender, pair_contact=pair_contact,
        tie_strength=w, close=close,
        read_prob=linear("read_prob"), read_prob_personal=linear("read_prob_personal"),
        reply_generic=linear("reply_prob"), reply_personal=linear("reply_prob_personal"),
        goodwill=linear("goodwill"),
        annoyance_generic=cfg.annoyance_generic * (1 - w),
        annoyance_personal=cfg.annoyance_personal * (1 - w),
        share_generic=share_generic,
        share_personal=np.minimum(1.0, cfg.personal_share_multiplier * share_generic),
        report_prob=cfg.report_prob * (1 - w),
        unfollow_prob=cfg.unfollow_prob * (1 - w),
        read_delay=ReadDelay(cfg.read_delay.dist, float(cfg.read_delay.mean_hours),
                             float(cfg.read_delay.sigma)),
        tie_source=source, **_fatigue(cfg),
    )


def _fatigue(cfg) -> dict:
    return {"fatigue_per_ask": float(cfg.fatigue_per_ask),
            "fatigue_annoyance_per_ask": float(cfg.fatigue_annoyance_per_ask),
            "fatigue_half_life_hours": float(cfg.fatigue_half_life_hours)}
