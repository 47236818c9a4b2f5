"""Strategies and platform rules written outside the core, as a user would: loaded by
``strategy._target_`` or ``platform._target_`` and used by the exact small cases to send (or
restrict) precisely what a test needs."""

from __future__ import annotations

import numpy as np

from sim.rules.population import GENERIC, PERSONAL
from sim.rules.strategies import Send


class TwoWaves:
    """A user's own idea: a generic message to the even ranks (strongest, third strongest,
    ...) at hour 0, then a personal note to the odd ranks gap_hours later."""

    def __init__(self, gap_hours=10, minutes_per_note=5.0, minutes_per_batch=15.0, **_):
        self.gap = int(gap_hours)
        self.minutes_per_note = float(minutes_per_note)
        self.minutes_per_batch = float(minutes_per_batch)

    def send_hours(self, view, horizon_hours):
        return np.array([0, self.gap])

    def sends(self, hour, view):
        if hour == 0:
            return [Send(GENERIC, np.arange(0, view.n_contacts, 2), minutes=self.minutes_per_batch)]
        if hour == self.gap:
            return [Send(PERSONAL, np.arange(1, view.n_contacts, 2), minutes_each=self.minutes_per_note)]
        return []


class Script:
    """Exactly the given sends: a list of (hour, kind, ranks) or (hour, kind, ranks, minutes,
    minutes_each), kind "generic" or "personal"."""

    KINDS = {"generic": GENERIC, "personal": PERSONAL}

    def __init__(self, plan):
        self.plan = [tuple(p) + (0.0, 0.0)[len(p) - 3:] for p in plan]

    def send_hours(self, view, horizon_hours):
        return np.array(sorted({p[0] for p in self.plan}))

    def sends(self, hour, view):
        return [Send(self.KINDS[kind], np.asarray(ranks, dtype=np.int64), minutes=m, minutes_each=me)
                for h, kind, ranks, m, me in self.plan if h == hour]


class NotAStrategy:
    """Has no send_hours/sends: make_strategy must refuse it with a clear message."""

    def __init__(self, **_):
        pass


# --------------------------------------------------------------------------- platform rules
# Rules of one's own (``+platform._target_=custom_strategy.RestrictAtHour``): the other keys
# of the platform block come as keyword arguments, so each accepts **kwargs.


class RestrictOnFirstReport:
    """Restrict a sender in any hour in which it has a new report."""

    def __init__(self, **_):
        pass

    def restrict(self, state):
        return np.asarray(state.new_reports) > 0

    def limit_text(self):
        return "any report"


class RestrictAtHour:
    """Restrict every free sender at the end of one hour, reports or not."""

    acts_without_reports = True

    def __init__(self, hour=5, **_):
        self.hour = int(hour)

    def restrict(self, state):
        return np.full(len(state.new_reports), state.hour == self.hour)

    def limit_text(self):
        return f"everyone at hour {self.hour}"


class RestrictAlways:
    """Restrict every free sender whenever it is asked (only in hours with a new report)."""

    def __init__(self, **_):
        pass

    def restrict(self, state):
        return np.ones(len(state.new_reports), dtype=bool)

    def limit_text(self):
        return "whenever asked"


class NotARule:
    """Has no restrict(): make_platform_rule must refuse it with a clear message."""

    def __init__(self, **_):
        pass
