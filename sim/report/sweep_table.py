"""A sweep folder read back: its job folders, their overrides and status, and ``sweep.parquet``.

A sweep folder holds one job folder per job (Hydra's, with ``.hydra/overrides.yaml``).
``collect`` makes one row per job folder: the job, its status, its overrides as columns and
its summary's numbers (``Summary.row``); ``write_table`` writes it as ``sweep.parquet``. The
table holds nothing that depends on timing or workers, so it is identical however the sweep
ran.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import yaml

from sim.errors import ResultsError
from sim.report import folders, summary

SWEEP_TABLE = "sweep.parquet"
# Overrides that cannot change a job's numbers: they neither enter its seed nor label it.
SEED_NEUTRAL_KEYS = ("seed", "replicate_seed")
SEED_NEUTRAL_PREFIXES = ("output.",)


def override_key(override: str) -> str:
    """``+strategy.batch_size=50`` -> ``strategy.batch_size``."""
    return override.split("=", 1)[0].lstrip("+~").strip()


def override_value(override: str) -> str:
    return override.split("=", 1)[1].strip() if "=" in override else ""


def is_seed_neutral(key: str) -> bool:
    return key in SEED_NEUTRAL_KEYS or key.startswith(SEED_NEUTRAL_PREFIXES)


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
        status, error = folders.status(folder)
        row = {"job": folder.relative_to(sweep_dir).as_posix(), "status": status, "error": error}
        for o in job_overrides(folder):
            key = override_key(o)
            if key not in override_keys:
                override_keys.append(key)
            row[f"override:{key}"] = override_value(o)
        if status == "complete":
            try:
                row.update(summary.read(folder).row())
            except ResultsError as exc:
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
    folders.write_parquet(Path(sweep_dir) / SWEEP_TABLE, df)
    return df
