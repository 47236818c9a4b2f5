"""Hydra callbacks that guard a run before any work starts.

Hydra creates the output folder itself, before the app's code runs, and reports a failure
there as a traceback; and a sweep composes each job's config only when the job starts, so a
typo in one value of a long sweep would stop it halfway. These callbacks move both checks to
the start:

- the output folder (``hydra.run.dir``, or ``hydra.sweep.dir`` for ``-m``) is created and
  written to first; if that fails, one line naming the folder and exit status 2;
- a run's folder is marked INCOMPLETE before Hydra writes anything in it (a sweep job's as
  soon as the job starts), so a run killed at any moment never leaves a folder that looks
  finished;
- every job of a sweep is composed and validated before the first one runs; the jobs with
  bad configs are listed (one line each) and nothing runs.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from . import results
from .config import ConfigError


def _die(message: str) -> None:
    print(f"outreach: error: {message}", file=sys.stderr)
    raise SystemExit(2)  # not an Exception: Hydra lets it through with this status


def prepare_folder(folder: str | Path, mark: bool) -> Path:
    """Create ``folder`` and prove it takes files (as root, permissions rarely refuse, but
    a path under a regular file, a read-only mount or /proc still do)."""
    folder = Path(folder)
    try:
        if mark:
            results.begin(folder)  # made and marked in one step
        else:
            folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except results.ResultsError as exc:
        _die(str(exc))
    except OSError as exc:
        _die(f"output folder {folder}: not writable ({results.why_not(folder, exc)})")
    return folder


def preflight(config: DictConfig) -> list[str]:
    """One line per sweep job whose config does not compose or validate."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from .config import compose, validate
    from .sweep import planned_jobs

    jobs = planned_jobs(config)
    if jobs is None:
        return []  # a sweeper whose jobs cannot be listed here: each job validates itself
    bad = []
    for i, job in enumerate(jobs):
        app_overrides = [o for o in job if not o.lstrip("+~").startswith("hydra.")]
        try:
            validate(compose(app_overrides))
        except ConfigError as exc:
            bad.append(f"job {i} ({' '.join(job)}): {exc}")
        except (HydraException, OmegaConfBaseException) as exc:
            bad.append(f"job {i} ({' '.join(job)}): {_first_lines(exc)}")
    return bad


def _first_lines(exc: BaseException) -> str:
    """Hydra's message and its cause, one line: 'Error merging override x=abc: Value ...'."""
    lines = [str(e).strip().splitlines()[0] for e in (exc, exc.__cause__)
             if e is not None and str(e).strip()]
    return ": ".join(lines) or type(exc).__name__


class OutputGuard(Callback):
    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        prepare_folder(config.hydra.run.dir, mark=True)

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        # In a sweep, Hydra makes each job's folder itself: mark a new one at once. A folder
        # that already holds a summary is left alone, so a resumed sweep can still see that
        # the job finished (the run marks it when it really starts again).
        folder = Path(config.hydra.runtime.output_dir)
        if not (folder / results.SUMMARY).exists():
            prepare_folder(folder, mark=True)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        bad = preflight(config)
        if bad:
            _die(f"{len(bad)} sweep job(s) have bad configs; nothing was run:\n  "
                 + "\n  ".join(bad))
        prepare_folder(config.hydra.sweep.dir, mark=False)
