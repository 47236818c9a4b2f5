"""The project's errors: one base class, and the user errors that the commands print as one line.

Why a hierarchy: a mistake the user can fix (a config value, a network file, an output folder,
a strategy of their own) deserves one line naming the key or file and exit status 2; anything
else is a bug in outreach-sim and deserves a traceback, exit status 1, and an ``INCOMPLETE``
marker that says "internal error". The commands catch ``UserError`` and nothing broader, so a
``ValueError`` raised deep inside by mistake is never dressed up as a user error.
"""

from __future__ import annotations


class OutreachError(Exception):
    """Base of every error outreach-sim raises on purpose."""


class UserError(OutreachError):
    """Something the user can fix; the message is one line naming the key, file or folder."""


class ConfigError(UserError):
    """A config value that cannot be used: names the key, the value and what was expected."""


class NetworkError(UserError):
    """A network that cannot be built or loaded: names the key or the file (and line)."""


class ResultsError(UserError):
    """An output folder that cannot be written, or a results folder that cannot be read or
    compared: names the folder."""


class StrategyError(UserError):
    """A user-supplied strategy (``strategy._target_``) that cannot be imported or used."""


class PlatformRuleError(UserError):
    """A user-supplied platform rule (``platform._target_``) that cannot be imported or used."""
