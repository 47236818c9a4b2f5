"""Platform rules: when spam reports against a sender lead to a restriction.

A rule only decides, at the end of an hour, which senders it restricts now. What a restriction
means is the same for every rule and set by the platform config's common keys
(``Enforcement``): the n-th restriction lasts ``restriction_hours[n]`` hours, one past the end
of the list is permanent (a suspension), or with ``after_last: repeat`` as long as the last one
again; while restricted a sender sends nothing, and when the restriction lifts its strategy
carries on where it stopped. Volume caps hold on any rule.

Built-in rules (docs/MODEL.md, Platform rules): ``none``, ``count`` (reports in a window),
``rate`` (a day's spam rate, smoothed at low volume), ``review`` (each report upheld with a
probability) and ``response_rate`` (LinkedIn's InMail rule: too few replies to the messages of
the last 14 days, judged at the end of each day). A rule of your own: a class with ``restrict(state) -> bool array`` and
``limit_text()``, named by ``+platform._target_=my_module.MyRule`` (its other keys, the
platform block's, go to its constructor, so it should accept ``**kwargs``). Set
``acts_without_reports = True`` on it if it may restrict in an hour without a new report (the
engine skips such hours otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol, runtime_checkable

import numpy as np
from scipy.special import betainc

from sim.config.schema import (RESTRICTION_HOURS, CountPlatformConfig, PlatformConfig,
                               RatePlatformConfig, ResponseRatePlatformConfig,
                               ReviewPlatformConfig)
from sim.errors import PlatformRuleError
from sim.rules import plugins
from sim.units import HOURS_PER_DAY


AFTER_LAST = ("permanent", "repeat")


@dataclass
class Enforcement:
    """What every rule shares: the restriction ladder (hours; past the end: permanent, or the
    last length again with ``after_last="repeat"``) and the volume caps (messages per calendar
    day and week; 0 = none)."""

    restriction_hours: tuple[int, ...] = tuple(int(h) for h in RESTRICTION_HOURS)
    daily_cap: int = PlatformConfig.daily_cap
    weekly_cap: int = PlatformConfig.weekly_cap
    after_last: str = PlatformConfig.after_last

    def __post_init__(self) -> None:
        if self.after_last not in AFTER_LAST:
            raise ValueError(f"after_last={self.after_last!r}: expected one of "
                             + ", ".join(AFTER_LAST))
        if self.after_last == "repeat" and not self.restriction_hours:
            raise ValueError("after_last='repeat' needs at least one restriction length")

    @classmethod
    def from_config(cls, cfg) -> "Enforcement":
        return cls(restriction_hours=tuple(int(round(h)) for h in cfg.restriction_hours),
                   daily_cap=int(cfg.daily_cap), weekly_cap=int(cfg.weekly_cap),
                   after_last=str(cfg.get("after_last", PlatformConfig.after_last)))


@dataclass
class PlatformState:
    """What a rule may look at, at the end of an hour; arrays over senders of the batch
    (index r * S + s)."""

    hour: int
    new_reports: np.ndarray  # reports this hour
    # reports in the last `hours` hours, counting none from before the sender's last lift
    reports_in_last: Callable[[int], np.ndarray]
    delivered_in_last: Callable[[int], np.ndarray]  # messages delivered in the last `hours` hours
    # this hour's reports: each report's sender index and the hour its message was delivered
    report_sender: np.ndarray
    report_delivery_hour: np.ndarray
    day_reports: np.ndarray  # (R * S, days): reports against messages delivered that day
    day_delivered: np.ndarray  # (R * S, days): messages delivered that day
    # (R * S, days): replies received so far to messages delivered that day
    day_replies: np.ndarray
    # (R * S,): the hour of each sender's last lift (0 if never restricted; for a sender
    # restricted now, the lift to come)
    last_lift: np.ndarray
    uniform: Callable[[], np.ndarray]  # one fresh uniform per sender index


@runtime_checkable
class PlatformRule(Protocol):
    def restrict(self, state: PlatformState) -> np.ndarray: ...

    def limit_text(self) -> str: ...


@dataclass
class NoRule:
    """Never restricts."""

    acts_without_reports: bool = False

    def restrict(self, state: PlatformState) -> np.ndarray:
        return np.zeros(len(state.new_reports), dtype=bool)

    def limit_text(self) -> str:
        return "no restriction"


@dataclass
class CountRule:
    """Restrict when at least ``max_reports`` reports fall within the last ``window_hours``
    (reports from before a restriction lifted do not count again)."""

    max_reports: int = CountPlatformConfig.max_reports
    window_hours: int = int(CountPlatformConfig.window_hours)
    acts_without_reports: bool = False

    def restrict(self, state: PlatformState) -> np.ndarray:
        return (state.new_reports > 0) & (state.reports_in_last(self.window_hours) >= self.max_reports)

    def limit_text(self) -> str:
        return f"{self.max_reports} report(s) within {self.window_hours} h"


@dataclass
class ReviewRule:
    """Each report is reviewed once, and independently leads to a restriction with
    probability ``restrict_prob``: a sender with k new reports this hour is restricted with
    probability 1 - (1 - restrict_prob)^k."""

    restrict_prob: float = ReviewPlatformConfig.restrict_prob
    acts_without_reports: bool = False

    def restrict(self, state: PlatformState) -> np.ndarray:
        p = 1.0 - (1.0 - self.restrict_prob) ** state.new_reports
        return (state.new_reports > 0) & (state.uniform() < p)

    def limit_text(self) -> str:
        return f"each report upheld with probability {self.restrict_prob:g}"


@dataclass
class RateRule:
    """A day's spam rate, smoothed: each report counts against the day its message was
    delivered; on each new report the platform restricts with the probability that that day's
    true rate exceeds ``max_rate``, given the day's reports k and messages n and a Beta prior
    worth ``prior_messages`` pseudo-messages at ``prior_rate``:
    P(theta > max_rate), theta ~ Beta(a0 + k, b0 + n - k), a0 = prior_rate * prior_messages,
    b0 = (1 - prior_rate) * prior_messages. No hard minimum volume: one report among ten
    messages is weak evidence, and the probability grows smoothly with volume and reports."""

    max_rate: float = RatePlatformConfig.max_rate
    prior_rate: float = RatePlatformConfig.prior_rate
    prior_messages: float = RatePlatformConfig.prior_messages
    acts_without_reports: bool = False

    def exceed_prob(self, k: np.ndarray, n: np.ndarray) -> np.ndarray:
        """P(a day's rate > max_rate | k reports among n messages delivered that day)."""
        a = self.prior_rate * self.prior_messages + np.asarray(k, float)
        b = (1.0 - self.prior_rate) * self.prior_messages + np.maximum(np.asarray(n, float) - k, 0.0)
        return 1.0 - betainc(a, b, self.max_rate)

    def restrict(self, state: PlatformState) -> np.ndarray:
        out = np.zeros(len(state.new_reports), dtype=bool)
        if len(state.report_sender) == 0:
            return out
        day = state.report_delivery_hour // HOURS_PER_DAY
        rs = state.report_sender
        p = self.exceed_prob(state.day_reports[rs, day], state.day_delivered[rs, day])
        # each of this hour's reports is one look at its day: P(no restriction) multiplies
        keep = np.ones(len(out))
        np.multiply.at(keep, rs, 1.0 - p)
        hit = np.zeros(len(out), dtype=bool)
        hit[np.unique(rs)] = True
        return hit & (state.uniform() < 1.0 - keep)

    def limit_text(self) -> str:
        return (f"a day's spam rate above {self.max_rate:.2%} (prior {self.prior_rate:.2%} over "
                f"{self.prior_messages:g} messages)")


@dataclass
class ResponseRateRule:
    """LinkedIn's InMail rule: at the end of each calendar day d, a sender whose messages
    delivered on days d - window_hours / 24 + 1 .. d (only days starting at or after its last
    lift) number n >= ``min_volume`` and got k replies so far, with k / n <
    ``min_response_rate``, is restricted. Acts without reports, once a day."""

    min_response_rate: float = ResponseRatePlatformConfig.min_response_rate
    min_volume: int = ResponseRatePlatformConfig.min_volume
    window_hours: int = int(ResponseRatePlatformConfig.window_hours)
    acts_without_reports: bool = True

    def restrict(self, state: PlatformState) -> np.ndarray:
        out = np.zeros(len(state.new_reports), dtype=bool)
        if state.hour % HOURS_PER_DAY != HOURS_PER_DAY - 1:
            return out
        d = state.hour // HOURS_PER_DAY
        first = max(0, d - self.window_hours // HOURS_PER_DAY + 1)
        days = np.arange(first, d + 1)
        counted = days[None, :] * HOURS_PER_DAY >= np.asarray(state.last_lift)[:, None]
        n = np.where(counted, state.day_delivered[:, first:d + 1], 0).sum(axis=1)
        k = np.where(counted, state.day_replies[:, first:d + 1], 0).sum(axis=1)
        judged = n >= self.min_volume
        out[judged] = k[judged] / n[judged] < self.min_response_rate
        return out

    def limit_text(self) -> str:
        return (f"a response rate below {self.min_response_rate:.0%} on {self.min_volume} or more "
                f"messages over {self.window_hours // HOURS_PER_DAY} days")


_COMMON = ("rule", "restriction_hours", "after_last", "daily_cap", "weekly_cap", "_target_")


def make_platform_rule(cfg) -> PlatformRule:
    """The rule of the ``platform`` config block: a built-in one, or a user's ``_target_``."""
    params = {k: v for k, v in dict(cfg).items() if k not in _COMMON}
    if "_target_" in cfg:
        return plugins.build("platform", cfg, params, PlatformRule, PlatformRuleError,
                             "restrict(state) and limit_text()")
    if cfg.rule == "count":
        return CountRule(max_reports=int(cfg.max_reports),
                         window_hours=max(1, int(round(cfg.window_hours))))
    if cfg.rule == "rate":
        return RateRule(max_rate=float(cfg.max_rate), prior_rate=float(cfg.prior_rate),
                        prior_messages=float(cfg.prior_messages))
    if cfg.rule == "review":
        return ReviewRule(restrict_prob=float(cfg.restrict_prob))
    if cfg.rule == "response_rate":
        return ResponseRateRule(min_response_rate=float(cfg.min_response_rate),
                                min_volume=int(cfg.min_volume),
                                window_hours=int(round(cfg.window_hours)))
    return NoRule()


__all__ = ["CountRule", "Enforcement", "NoRule", "PlatformRule", "PlatformState", "RateRule",
           "ResponseRateRule", "ReviewRule", "make_platform_rule"]
