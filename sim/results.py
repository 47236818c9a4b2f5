"""Result folders written so that a killed run never looks finished.

A run first drops an ``INCOMPLETE`` marker, writes each file under a temporary name and
renames it into place, writes ``summary.json`` last and then removes the marker. A folder
with a summary and no marker is complete; anything else is skipped by readers, with a message.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd

from . import __version__

MARKER = "INCOMPLETE"
SUMMARY = "summary.json"


class ResultsError(ValueError):
    """A results folder that cannot be written or read; one line naming the folder."""


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, obj) -> None:
    atomic_write(path, lambda p: p.write_text(json.dumps(obj, indent=2, default=_json_default) + "\n"))


def write_parquet(path: Path, df: pd.DataFrame) -> None:
    atomic_write(path, lambda p: df.to_parquet(p, index=False))


def _json_default(o):
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def begin(folder: Path) -> Path:
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MARKER).write_text("this run has not finished; its files are not results\n")
    except OSError as exc:
        raise ResultsError(f"output folder {folder}: not writable ({exc.strerror})") from None
    return folder


def finish(folder: Path, summary: dict) -> None:
    summary = {"outreach_sim_version": __version__, **summary}
    write_json(Path(folder) / SUMMARY, summary)
    (Path(folder) / MARKER).unlink(missing_ok=True)


def is_complete(folder: Path) -> bool:
    folder = Path(folder)
    return (folder / SUMMARY).is_file() and not (folder / MARKER).exists()


def read_summary(folder: Path) -> dict:
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsError(f"{folder}: no such results folder")
    if not is_complete(folder):
        raise ResultsError(f"{folder}: incomplete run (no {SUMMARY}, or an {MARKER} marker)")
    try:
        summary = json.loads((folder / SUMMARY).read_text())
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{folder / SUMMARY}: not valid JSON (line {exc.lineno})") from None
    if "outreach_sim_version" not in summary:
        raise ResultsError(f"{folder}: written by an older version of outreach-sim (no version stamp)")
    return summary
