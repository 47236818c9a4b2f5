"""Platform rules that turn spam reports against a sender into a suspension.

Windows are in whole hours and cover the current hour and the window - 1 before it:
a report at hour t counts until hour t + window - 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.schema import CountPlatformConfig, RatePlatformConfig


@dataclass
class PlatformRule:
    """The rule in force (defaults: the schema's, sim/config/schema.py)."""

    rule: str = "none"
    max_reports: int = CountPlatformConfig.max_reports
    max_rate: float = RatePlatformConfig.max_rate
    window_hours: int = int(CountPlatformConfig.window_hours)
    min_volume: int = 0  # deliveries in the window before the rate rule may act (none: 0)

    @classmethod
    def from_config(cls, cfg) -> "PlatformRule":
        if cfg.rule == "none":
            return cls("none")
        if cfg.rule == "count":
            return cls("count", max_reports=int(cfg.max_reports),
                       window_hours=max(1, int(round(cfg.window_hours))))
        return cls("rate", max_rate=float(cfg.max_rate),
                   window_hours=max(1, int(round(cfg.window_hours))),
                   min_volume=int(cfg.min_volume))

    def limit_text(self) -> str:
        if self.rule == "count":
            return f"{self.max_reports} report(s) within {self.window_hours} h"
        if self.rule == "rate":
            return (f"reports / delivered >= {self.max_rate:.2%} within {self.window_hours} h "
                    f"(at least {self.min_volume} delivered)")
        return "no suspension"

    def violated(self, reports_in_window: np.ndarray, delivered_in_window: np.ndarray) -> np.ndarray:
        """Which senders (any array shape) break the rule given counts inside the window."""
        if self.rule == "count":
            return reports_in_window >= self.max_reports
        if self.rule == "rate":
            vol = np.maximum(delivered_in_window, 1)
            return (delivered_in_window >= max(self.min_volume, 1)) & (
                reports_in_window / vol >= self.max_rate
            ) & (reports_in_window > 0)
        return np.zeros(np.shape(reports_in_window), dtype=bool)
