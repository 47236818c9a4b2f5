"""The Hydra callbacks of the ``outreach`` app: guard a run before any work starts, and
collect a sweep when it ends.

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
  bad configs are listed (one line each) and nothing runs;
- when a sweep ends, ``sweep.parquet`` is written, the figures made if asked, and failed jobs
  listed with a non-zero exit status.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

from hydra.errors import HydraException
from hydra.experimental.callback import Callback
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from sim.cli.sweep import JOBS_FILE
from sim.config import compose, first_lines, sweep_jobs, validate
from sim.errors import ConfigError, ResultsError, UserError
from sim.report import folders
from sim.report.sweep_table import SWEEP_TABLE, job_folders, write_table

log = logging.getLogger("outreach.sweep")


def _die(message: str) -> None:
    print(f"outreach: error: {message}", file=sys.stderr)
    raise SystemExit(2)  # not an Exception: Hydra lets it through with this status


def prepare_folder(folder: str | Path, mark: bool) -> Path:
    """Create ``folder`` and prove it takes files (as root, permissions rarely refuse, but
    a path under a regular file, a read-only mount or /proc still do)."""
    folder = Path(folder)
    try:
        if mark:
            folders.begin(folder)  # made and marked in one step
        else:
            folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except ResultsError as exc:
        _die(str(exc))
    except OSError as exc:
        _die(f"output folder {folder}: not writable ({folders.why_not(folder, exc)})")
    return folder


def preflight(config: DictConfig) -> list[str]:
    """One line per sweep job whose config does not compose or validate."""
    jobs = sweep_jobs(config)
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
            bad.append(f"job {i} ({' '.join(job)}): {first_lines(exc)}")
    return bad


class OutputGuard(Callback):
    # the single run's folder once marked: a Ctrl-C before the run itself starts (while Hydra
    # still sets up) is caught by sim.cli.main.main, which writes its reason here
    run_dir: Path | None = None

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        OutputGuard.run_dir = Path(config.hydra.run.dir)  # first: a Ctrl-C may come at any moment
        prepare_folder(OutputGuard.run_dir, mark=True)

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        # In a sweep, Hydra makes each job's folder itself: mark a new one at once. A folder
        # that already holds a summary is left alone, so a resumed sweep can still see that
        # the job finished (the run marks it when it really starts again).
        folder = Path(config.hydra.runtime.output_dir)
        if not (folder / folders.SUMMARY).exists():
            prepare_folder(folder, mark=True)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        bad = preflight(config)
        if bad:
            _die(f"{len(bad)} sweep job(s) have bad configs; nothing was run:\n  "
                 + "\n  ".join(bad))
        prepare_folder(config.hydra.sweep.dir, mark=False)


class SweepCallback(Callback):
    """Registered in configs/config.yaml under ``hydra.callbacks``.

    ``compare_into``: a folder where ``outreach compare`` figures and table of the sweep are
    written when it ends (the named experiments set it to ``results/<name>``); null = none.
    """

    def __init__(self, compare_into: str | None = None):
        self.compare_into = compare_into

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        jobs = sweep_jobs(config)
        sweep_dir = Path(str(config.hydra.sweep.dir))
        if jobs is None:
            return
        try:
            sweep_dir.mkdir(parents=True, exist_ok=True)
            folders.write_json(sweep_dir / JOBS_FILE, {"jobs": jobs})
        except OSError:
            return
        done = sum(folders.is_complete(f) for f in job_folders(sweep_dir))
        log.info("sweep of %d jobs into %s%s", len(jobs), sweep_dir,
                 f" ({done} job folders already complete)" if done else "")

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        df = write_table(sweep_dir)
        if df.empty:
            print(f"outreach: sweep {sweep_dir}: no job folders found", file=sys.stderr)
            raise SystemExit(1)
        bad = df[df["status"] != "complete"]
        ok = len(df) - len(bad)
        print(f"sweep: {ok} of {len(df)} jobs complete; table: {sweep_dir / SWEEP_TABLE}")
        if self.compare_into and ok:
            from sim.report.compare import compare

            try:
                written = compare([sweep_dir], Path(self.compare_into), say=lambda m: None)
                print(f"figures and table: {len(written)} files in {self.compare_into}")
            except UserError as exc:
                print(f"outreach compare: error: {exc}", file=sys.stderr)
        if len(bad):
            print(f"outreach: {len(bad)} job(s) did not complete:", file=sys.stderr)
            for _, r in bad.iterrows():
                print(f"  {sweep_dir / r['job']}: {r['status']}: {r['error']}", file=sys.stderr)
            raise SystemExit(1)
