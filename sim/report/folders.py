"""Result folders written so that a killed run never looks finished.

A run first drops an ``INCOMPLETE`` marker, writes each file under a temporary name and
renames it into place, writes ``summary.json`` last (``sim.report.summary``) and then removes
the marker. A folder with a summary and no marker is complete; anything else is skipped by
readers, with a message.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd

from sim.errors import ResultsError

MARKER = "INCOMPLETE"
FAILED_PREFIX = "failed: "  # how a marker says why the run stopped
INTERNAL_ERROR = "internal error: "  # how a marker says the run stopped on a bug
SUMMARY = "summary.json"  # written last: its presence (and no marker) means complete


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp alone gives 0600


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through ``write(tmp)`` to a temporary file beside ``path``, flush it to disk,
    then rename it into place: a reader (or a killed run) sees the old file or the new one,
    never half of one. A temporary left by a kill starts with a dot and ends in .tmp."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, _FILE_MODE)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
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
    """Make the folder marked INCOMPLETE before anything else is written in it.

    A new folder is built under a hidden temporary name with its marker inside and renamed
    into place, so even a kill right after it appears finds it marked."""
    folder = Path(folder)
    note = "this run has not finished; its files are not results\n"
    try:
        if folder.is_dir():
            (folder / MARKER).write_text(note)
            for stale in folder.glob(".*.tmp"):  # left by a run killed mid-write
                stale.unlink(missing_ok=True)
            return folder
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
        try:
            (tmp / MARKER).write_text(note)
            os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp alone gives 0700
            os.rename(tmp, folder)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if not folder.is_dir():
                raise
            (folder / MARKER).write_text(note)  # made meanwhile (e.g. by Hydra): mark it
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    except OSError as exc:
        raise ResultsError(f"output folder {folder}: not writable ({why_not(folder, exc)})") from None
    return folder


def why_not(folder: Path, exc: OSError) -> str:
    """The reason a folder cannot be made, in words: 'x is a file, not a folder' beats
    mkdir's 'File exists'."""
    for parent in [Path(folder), *Path(folder).parents]:
        if parent.exists():
            return exc.strerror or str(exc) if parent.is_dir() else f"{parent} is a file, not a folder"
    return exc.strerror or str(exc)


def mark_complete(folder: Path) -> None:
    """Drop the marker: called once the summary, the last file, is in place."""
    (Path(folder) / MARKER).unlink(missing_ok=True)


def mark_failed(folder: Path, message: str) -> None:
    """Leave the reason a run stopped in its marker (best effort: the folder may be the
    thing that failed)."""
    try:
        if Path(folder).is_dir():  # Hydra made the run or job folder before the task ran
            (Path(folder) / MARKER).write_text(f"{FAILED_PREFIX}{message}\n")
    except OSError:
        pass


def is_complete(folder: Path) -> bool:
    folder = Path(folder)
    return (folder / SUMMARY).is_file() and not (folder / MARKER).exists()


def incomplete_reason(folder: Path) -> str | None:
    """None for a finished run; otherwise one line saying why the folder is not one, for
    sweeps, plots and ``outreach compare`` to print when they skip it."""
    folder = Path(folder)
    if not folder.exists():
        return f"{folder}: no such results folder"
    if not folder.is_dir():
        return f"{folder}: not a folder"
    marker = folder / MARKER
    if marker.exists():
        try:
            note = marker.read_text(errors="replace").strip().splitlines()[0]
        except (OSError, IndexError):
            note = ""
        return f"{folder}: incomplete run ({MARKER} marker{': ' + note if note else ''})"
    if not (folder / SUMMARY).is_file():
        if not any(folder.iterdir()):
            return f"{folder}: empty folder, not a results folder"
        return f"{folder}: no {SUMMARY} (a run that never finished, or not a results folder)"
    return None


def status(folder: Path) -> tuple[str, str]:
    """("complete" | "failed" | "incomplete", the reason a failed run gave)."""
    if is_complete(folder):
        return "complete", ""
    marker = Path(folder) / MARKER
    try:
        text = marker.read_text(errors="replace").strip() if marker.is_file() else ""
    except OSError:
        text = ""
    if text.startswith(FAILED_PREFIX):
        return "failed", text[len(FAILED_PREFIX):]
    return "incomplete", ""


def first_difference(old, new, prefix: str = "", form: str = "{path}: {old} then, now {new}") -> str:
    """Where two identities of a results folder (nested dicts and lists, as JSON) first
    differ: the path to it and both values, in ``form`` (``{path}``, ``{old}``, ``{new}``),
    so that a refusal to reuse the folder can name what changed."""
    if isinstance(old, dict) and isinstance(new, dict):
        for k in sorted(set(old) | set(new), key=str):
            if old.get(k, "<absent>") != new.get(k, "<absent>"):
                return first_difference(old.get(k, "<absent>"), new.get(k, "<absent>"),
                                        f"{prefix}.{k}" if prefix else str(k), form)
        return prefix
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new)):
            if a != b:
                return first_difference(a, b, f"{prefix}[{i}]", form)
    return form.format(path=prefix, old=json.dumps(old, default=str), new=json.dumps(new, default=str))


def config_identity(cfg, neutral: dict) -> dict:
    """A config as plain data (resolved), less its ``neutral`` keys: what decides the numbers
    a results folder holds, for comparing on resume. ``neutral`` maps a top-level key to None
    (drop it) or to the names of its sub-keys to drop."""
    from omegaconf import DictConfig, OmegaConf

    c = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else copy.deepcopy(cfg)
    for key, sub in neutral.items():
        if sub is None:
            c.pop(key, None)
        else:
            for k in sub:
                c.get(key, {}).pop(k, None)
    return c
