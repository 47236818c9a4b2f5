"""Ctrl-C that is not lost. The ``outreach`` command installs ``on_sigint``: it remembers the
interrupt, then raises KeyboardInterrupt as Python would. A KeyboardInterrupt raised inside a
compiled library's callback (numba loading its cache) is swallowed there, so the run looks at
``check()`` between its stages and stops then."""

from __future__ import annotations

_seen = False


def on_sigint(signum, frame) -> None:
    global _seen
    _seen = True
    raise KeyboardInterrupt


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed, even if the first one was swallowed."""
    if _seen:
        raise KeyboardInterrupt
