"""Sweep jobs (Hydra multirun): per-job seeds, resume and failure handling. The sweep folder's
table, ``sweep.parquet``, is written by sim/report/sweep_table.py when the sweep ends
(``SweepCallback`` in sim/cli/callbacks.py).

Why each piece exists:

* **Job seeds.** A sweep job's *replicate* seed is derived from the master ``seed`` and the
  job's own overrides, never from its job number or the worker that ran it, so a job's numbers
  are the same with 1 worker or 32, in any order, and when the sweep is resumed. The
  derivation (``job_seed``) takes the job's task overrides, drops the ones that cannot change
  the numbers (``seed``, ``replicate_seed`` and ``output.*``) and, with ``paired=true`` (the
  default), the strategy and platform keys (``strategy``, ``strategy.*``, ``platform``,
  ``platform.*``, with or without a leading ``+`` or ``~``), strips leading ``+``, sorts
  them, hashes the joined text with SHA-256 and feeds the master seed and the hash words to
  ``numpy.random.SeedSequence``; the job seed is the first 63 bits of its state, set as
  ``replicate_seed``. The network, population and senders come from the master ``seed``, so
  all jobs meet the same people; and jobs that differ only in strategy or platform share
  their replicate seed, so their replicate r meets the same thresholds and the same keyed
  draws for the same decisions (paired replicates, docs/MODEL.md): their differences are the
  strategies', not the dice's. ``paired=false`` gives every job its own stream. A single run
  (``outreach seed=7``) is not a sweep job and keeps ``replicate_seed`` null. To rerun one
  sweep job alone, use its overrides plus ``replicate_seed=<job seed>`` (the ``job_seed``
  column of ``sweep.parquet``, or ``replicate_seed`` in its summary).
* **Resume.** A job whose folder is complete (``folders.is_complete``) and whose summary holds
  the same config is skipped; anything else is (re)run. Folders are written atomically with an
  INCOMPLETE marker first, so a killed sweep restarted with the same ``hydra.sweep.dir`` only
  redoes the jobs that had not finished.
* **Failures.** A job that raises is caught in the job itself (Hydra would otherwise re-raise
  the first failure and skip ``on_multirun_end``; Ray and joblib would cancel the rest): the
  error goes into the job folder's INCOMPLETE marker and the log, the other jobs go on, and
  ``SweepCallback.on_multirun_end`` lists the failed jobs and exits non-zero.
* **Aggregation.** ``SweepCallback.on_multirun_end`` writes ``sweep.parquet`` in the sweep
  folder: one row per job folder with its overrides as columns and its summary metrics. It
  holds nothing that depends on timing or workers, so it is identical however the sweep ran.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
from omegaconf import DictConfig, OmegaConf

from sim.errors import UserError
from sim.report import folders, summary
from sim.report.sweep_table import is_seed_neutral, job_folders, override_key, override_value

log = logging.getLogger("outreach.sweep")

JOBS_FILE = "sweep_jobs.json"  # the job list, written at the start (progress: "k of N")


# --------------------------------------------------------------------------- seeds


# Keys whose jobs share replicate seeds when ``paired`` (the option and all of its keys).
PAIRED_GROUPS = ("strategy", "platform")


def is_paired_key(key: str) -> bool:
    """A strategy or platform key: left out of the job seed when jobs are paired."""
    return any(key == g or key.startswith(g + ".") for g in PAIRED_GROUPS)


def seed_overrides(overrides: Iterable[str], paired: bool = True) -> list[str]:
    """The overrides that enter a job's seed, in canonical form (sorted, no leading ``+``);
    with ``paired``, without the strategy and platform keys."""
    out = []
    for o in overrides:
        key = override_key(o)
        if is_seed_neutral(key) or (paired and is_paired_key(key)):
            continue
        prefix = "~" if o.lstrip("+").startswith("~") else ""
        out.append(f"{prefix}{key}={override_value(o)}")
    return sorted(out)


def job_seed(master_seed: int, overrides: Iterable[str], paired: bool = True) -> int:
    """The seed of the sweep job with these overrides (see the module docstring); ``paired``
    is the config's ``paired`` key."""
    text = "\n".join(seed_overrides(overrides, paired)).encode()
    words = np.frombuffer(hashlib.sha256(text).digest(), dtype="<u4").tolist()
    state = np.random.SeedSequence([int(master_seed), *words]).generate_state(1, dtype=np.uint64)
    return int(state[0] >> np.uint64(1))


# --------------------------------------------------------------------------- one job


def _config_for_compare(cfg) -> str:
    """The parts of a config that decide a job's numbers, as canonical JSON."""
    c = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else dict(cfg)
    c.pop("output", None)
    return json.dumps(c, sort_keys=True, default=str)


def already_done(out_dir: Path, cfg) -> bool:
    """True when ``out_dir`` holds the complete results of exactly this config."""
    if not folders.is_complete(out_dir):
        return False
    old = summary.read_config(out_dir)
    if old is None:
        return False
    same = json.loads(_config_for_compare(old)) == json.loads(_config_for_compare(cfg))
    if not same:
        log.warning("%s: holds results of a different config; running this job again", out_dir)
    return same


def run_job(cfg: DictConfig, out_dir: Path, hydra_cfg, run: Callable[..., dict]):
    """Run one sweep job: derive its seed, skip it if done, record a failure instead of raising.

    ``run(cfg, out_dir, progress=...)`` is ``sim.cli.run.run_scenario``. Returns the summary,
    the string ``"skipped"``, or the error message of a failed job.
    """
    overrides = list(hydra_cfg.overrides.task)
    num = hydra_cfg.job.num
    shown = " ".join(overrides) or "(no overrides)"
    master = int(cfg.seed)
    cfg.replicate_seed = job_seed(master, overrides, paired=bool(cfg.get("paired", True)))
    sweep_dir = Path(hydra_cfg.sweep.dir)
    if already_done(out_dir, cfg):
        log.info("job #%s [%s]: already complete, skipped (%s)", num, shown, _progress(sweep_dir))
        return "skipped"
    log.info("job #%s [%s]: replicate seed %d (from master seed %d), running", num, shown,
             cfg.replicate_seed, master)
    t0 = time.perf_counter()
    try:
        summary = run(cfg, out_dir, progress=True)
    except Exception as exc:  # noqa: BLE001  (a failed job must not take the sweep down)
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if not isinstance(exc, UserError):  # a bug: its traceback in the log
            message = f"{folders.INTERNAL_ERROR}{type(exc).__name__}: {message}"
            log.exception("job #%s [%s] failed", num, shown)
        folders.mark_failed(out_dir, message)
        log.error("job #%s [%s] failed: %s (%s)", num, shown, message, _progress(sweep_dir))
        return message
    log.info("job #%s [%s]: done in %.1f s (%s)", num, shown, time.perf_counter() - t0,
             _progress(sweep_dir))
    return summary


def _progress(sweep_dir: Path) -> str:
    done = sum(folders.is_complete(f) for f in job_folders(sweep_dir))
    total = None
    try:
        total = len(json.loads((sweep_dir / JOBS_FILE).read_text())["jobs"])
    except (OSError, ValueError, KeyError):
        pass
    if total is None:
        return f"{done} jobs complete"
    return f"{done} of {total} jobs complete, {max(total - done, 0)} left"
