"""Sweeps (Hydra multirun): per-job seeds, resume, failure handling and ``sweep.parquet``.

Why each piece exists:

* **Job seeds.** A sweep job's *replicate* seed is derived from the master ``seed`` and the
  job's own overrides, never from its job number or the worker that ran it, so a job's numbers
  are the same with 1 worker or 32, in any order, and when the sweep is resumed. The
  derivation (``job_seed``) takes the job's task overrides, drops the ones that cannot change
  the numbers (``seed``, ``replicate_seed`` and ``output.*``), strips leading ``+``, sorts
  them, hashes the joined text with SHA-256 and feeds the master seed and the hash words to
  ``numpy.random.SeedSequence``; the job seed is the first 63 bits of its state, set as
  ``replicate_seed``. The network, population and senders still come from the master
  ``seed``: jobs that differ only in strategy or platform meet the same people (common random
  numbers), so their differences are the strategies', not the network draw's. A single run
  (``outreach seed=7``) is not a sweep job and keeps ``replicate_seed`` null. To rerun one
  sweep job alone, use its overrides plus ``replicate_seed=<job seed>`` (the ``job_seed``
  column of ``sweep.parquet``, or ``replicate_seed`` in its summary).
* **Resume.** A job whose folder is complete (``results.is_complete``) and whose summary holds
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
import re
import sys
import time
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd
import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from . import results

log = logging.getLogger("outreach.sweep")

SWEEP_TABLE = "sweep.parquet"
JOBS_FILE = "sweep_jobs.json"  # the job list, written at the start (progress: "k of N")
FAILED_PREFIX = results.FAILED_PREFIX
# Overrides that cannot change a job's numbers, so they do not enter its seed.
SEED_NEUTRAL_KEYS = ("seed", "replicate_seed")
SEED_NEUTRAL_PREFIXES = ("output.",)
# Metrics reported in sweep.parquet: mean and 95% CI of the mean per replicate.
TABLE_METRICS = (
    "reach", "supporters", "direct_supporters", "unfollows", "close_ties_lost",
    "close_ties_annoyed", "annoyed", "people_annoyed", "reports", "messages_sent",
    "personal_notes", "effort_hours",
)


# --------------------------------------------------------------------------- seeds


def override_key(override: str) -> str:
    """``+strategy.batch_size=50`` -> ``strategy.batch_size``."""
    return override.split("=", 1)[0].lstrip("+~").strip()


def override_value(override: str) -> str:
    return override.split("=", 1)[1].strip() if "=" in override else ""


def seed_overrides(overrides: Iterable[str]) -> list[str]:
    """The overrides that enter a job's seed, in canonical form (sorted, no leading ``+``)."""
    out = []
    for o in overrides:
        key = override_key(o)
        if key in SEED_NEUTRAL_KEYS or key.startswith(SEED_NEUTRAL_PREFIXES):
            continue
        prefix = "~" if o.lstrip("+").startswith("~") else ""
        out.append(f"{prefix}{key}={override_value(o)}")
    return sorted(out)


def job_seed(master_seed: int, overrides: Iterable[str]) -> int:
    """The seed of the sweep job with these overrides (see the module docstring)."""
    text = "\n".join(seed_overrides(overrides)).encode()
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
    if not results.is_complete(out_dir):
        return False
    try:
        old = json.loads((out_dir / results.SUMMARY).read_text()).get("config")
    except (OSError, json.JSONDecodeError):
        return False
    if old is None:
        return False
    same = json.loads(_config_for_compare(old)) == json.loads(_config_for_compare(cfg))
    if not same:
        log.warning("%s: holds results of a different config; running this job again", out_dir)
    return same


def run_job(cfg: DictConfig, out_dir: Path, hydra_cfg, run: Callable[..., dict]):
    """Run one sweep job: derive its seed, skip it if done, record a failure instead of raising.

    ``run(cfg, out_dir, progress=...)`` is ``sim.cli.run_scenario``. Returns the summary, the
    string ``"skipped"``, or the error message of a failed job.
    """
    overrides = list(hydra_cfg.overrides.task)
    num = hydra_cfg.job.num
    shown = " ".join(overrides) or "(no overrides)"
    master = int(cfg.seed)
    cfg.replicate_seed = job_seed(master, overrides)
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
        if not isinstance(exc, ValueError):  # user errors are ValueErrors with a clear message
            message = f"{type(exc).__name__}: {message}"
            log.exception("job #%s [%s] failed", num, shown)
        results.mark_failed(out_dir, message)
        log.error("job #%s [%s] failed: %s (%s)", num, shown, message, _progress(sweep_dir))
        return message
    log.info("job #%s [%s]: done in %.1f s (%s)", num, shown, time.perf_counter() - t0,
             _progress(sweep_dir))
    return summary


def _progress(sweep_dir: Path) -> str:
    done = sum(results.is_complete(f) for f in job_folders(sweep_dir))
    total = None
    try:
        total = len(json.loads((sweep_dir / JOBS_FILE).read_text())["jobs"])
    except (OSError, ValueError, KeyError):
        pass
    if total is None:
        return f"{done} jobs complete"
    return f"{done} of {total} jobs complete, {max(total - done, 0)} left"


# --------------------------------------------------------------------------- the sweep folder


def _natural(path: Path) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.as_posix())]


def job_folders(sweep_dir: Path) -> list[Path]:
    """Every job folder under a sweep folder (one with Hydra's ``.hydra/overrides.yaml``),
    in natural order (2 before 10)."""
    sweep_dir = Path(sweep_dir)
    found = {p.parent.parent for p in sweep_dir.glob("**/.hydra/overrides.yaml")}
    found.discard(sweep_dir)
    return sorted(found, key=lambda p: _natural(p.relative_to(sweep_dir)))


def job_overrides(folder: Path) -> list[str]:
    try:
        return [str(o) for o in (yaml.safe_load((Path(folder) / ".hydra" / "overrides.yaml").read_text()) or [])]
    except (OSError, yaml.YAMLError):
        return []


def job_status(folder: Path) -> tuple[str, str]:
    """("complete" | "failed" | "incomplete", error message)."""
    if results.is_complete(folder):
        return "complete", ""
    marker = Path(folder) / results.MARKER
    text = marker.read_text().strip() if marker.is_file() else ""
    if text.startswith(FAILED_PREFIX):
        return "failed", text[len(FAILED_PREFIX):]
    return "incomplete", ""


def summary_row(summary: dict) -> dict:
    """The numbers of one run as flat columns (means, CI bounds, suspension risk + Wilson)."""
    m = summary.get("metrics", {})
    row = {
        "job_seed": summary.get("replicate_seed"),
        "strategy_name": summary.get("strategy"),
        "platform_rule": summary.get("platform", {}).get("rule"),
        "network_name": summary.get("network", {}).get("name"),
        "n_senders": summary.get("senders"),
        "n_replicates": summary.get("replicates"),
        "horizon_hours": summary.get("horizon_hours"),
    }
    for name in TABLE_METRICS:
        if name in m:
            row[f"{name}_mean"] = m[name]["mean"]
            row[f"{name}_ci_low"], row[f"{name}_ci_high"] = m[name]["ci95"]
    sr = m.get("suspension_risk")
    if sr is not None:
        row["suspension_risk"] = sr["p"]
        row["suspension_risk_low"], row["suspension_risk_high"] = sr["wilson95"]
        row["median_suspension_hour"] = sr["median_suspension_hour"]
    return row


def _typed(values: pd.Series) -> pd.Series:
    """Override values as numbers when every one of them is a number."""
    num = pd.to_numeric(values, errors="coerce")
    if num.notna().sum() == values.notna().sum():
        return num
    return values.astype(object)


def collect(sweep_dir: Path) -> pd.DataFrame:
    """One row per job folder: job, status, error, the overrides, the summary numbers."""
    sweep_dir = Path(sweep_dir)
    rows, override_keys = [], []
    for folder in job_folders(sweep_dir):
        status, error = job_status(folder)
        row = {"job": folder.relative_to(sweep_dir).as_posix(), "status": status, "error": error}
        for o in job_overrides(folder):
            key = override_key(o)
            if key not in override_keys:
                override_keys.append(key)
            row[f"override:{key}"] = override_value(o)
        if status == "complete":
            try:
                row.update(summary_row(results.read_summary(folder)))
            except results.ResultsError as exc:
                row["status"], row["error"] = "unreadable", str(exc)
        rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    # override columns keep their key as name; an info column of the same name gives way
    rename = {}
    for key in override_keys:
        if key in df.columns:
            df = df.drop(columns=key)
        rename[f"override:{key}"] = key
    df = df.rename(columns=rename)
    for key in override_keys:
        df[key] = _typed(df[key])
    front = ["job", "status", "error", *override_keys]
    return df[front + [c for c in df.columns if c not in front]]


def write_table(sweep_dir: Path) -> pd.DataFrame:
    df = collect(sweep_dir)
    results.write_parquet(Path(sweep_dir) / SWEEP_TABLE, df)
    return df


# --------------------------------------------------------------------------- the callback


def planned_jobs(config: DictConfig) -> list[list[str]] | None:
    """The jobs Hydra's basic sweeper will launch (for "k of N"), or None if unknown."""
    try:
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
        from hydra.core.override_parser.overrides_parser import OverridesParser

        if not str(config.hydra.sweeper.get("_target_", "")).endswith("BasicSweeper"):
            return None
        params = [f"{k}={v}" for k, v in (config.hydra.sweeper.get("params") or {}).items()]
        params += list(config.hydra.overrides.task)
        parsed = OverridesParser.create().parse_overrides(params)
        return [list(job) for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]
    except Exception:  # noqa: BLE001  (progress is a nicety; never fail a sweep over it)
        return None


class SweepCallback(Callback):
    """Registered in configs/config.yaml under ``hydra.callbacks``.

    ``compare_into``: a folder where ``outreach compare`` figures and table of the sweep are
    written when it ends (the named experiments set it to ``results/<name>``); null = none.
    """

    def __init__(self, compare_into: str | None = None):
        self.compare_into = compare_into

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        jobs = planned_jobs(config)
        sweep_dir = Path(str(config.hydra.sweep.dir))
        if jobs is None:
            return
        try:
            sweep_dir.mkdir(parents=True, exist_ok=True)
            results.write_json(sweep_dir / JOBS_FILE, {"jobs": jobs})
        except OSError:
            return
        done = sum(results.is_complete(f) for f in job_folders(sweep_dir))
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
            from .compare import CompareError, compare

            try:
                written = compare([sweep_dir], Path(self.compare_into), say=lambda m: None)
                print(f"figures and table: {len(written)} files in {self.compare_into}")
            except CompareError as exc:
                print(f"outreach compare: error: {exc}", file=sys.stderr)
        if len(bad):
            print(f"outreach: {len(bad)} job(s) did not complete:", file=sys.stderr)
            for _, r in bad.iterrows():
                print(f"  {sweep_dir / r['job']}: {r['status']}: {r['error']}", file=sys.stderr)
            raise SystemExit(1)
