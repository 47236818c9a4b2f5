"""What the analysis subcommands (``outreach sensitivity``, ``calibrate``, ``optimise``) share:
the uncertain keys they default to, their default folder, their one-line errors, and how a run
ends (a user error: one line, exit 2, the folder marked; Ctrl-C: the work so far kept, the
folder marked, exit 130 at once, as ``outreach`` does; a bug: its traceback, and "internal
error" in the folder's marker)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

from sim.errors import UserError


def error(prog: str, message: str) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return 2


def with_prior(overrides: list[str]) -> list[str]:
    """The overrides, with ``uncertainty=default`` first unless one of them names the
    uncertain keys."""
    if any(o.lstrip("+~").split("=")[0].split(".")[0] == "uncertainty" for o in overrides):
        return list(overrides)
    return ["uncertainty=default", *overrides]


def dated_folder() -> Path:
    """``outputs/<date>/<time>``, as a run's folder."""
    return Path("outputs") / time.strftime("%Y-%m-%d") / time.strftime("%H-%M-%S")


def guarded(prog: str, out: Path, work: Callable[[], Any], interrupted: str) -> tuple[Any, int]:
    """``work()``'s result and 0, or None and 2 after a user error (one line; the folder, if
    made, marked with it). Ctrl-C marks the folder with ``interrupted`` (formatted with
    ``out``) and leaves with 130 at once; any other exception marks it as an internal error
    and goes on up."""
    from sim.report import folders

    try:
        return work(), 0
    except UserError as exc:
        folders.mark_failed(out, str(exc))  # only if the folder was made
        return None, error(prog, str(exc))
    except KeyboardInterrupt:  # the work so far is kept; leave at once, as `outreach` does
        message = interrupted.format(out=out)
        folders.mark_failed(out, message)
        error(prog, message)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    except Exception as exc:  # a bug: the traceback is for the report, the marker says so
        folders.mark_failed(out, f"{folders.INTERNAL_ERROR}{type(exc).__name__}: {exc}")
        raise
