"""Where the real network files live (read-only, never copied into the repository).

The SNAP files (ego-Facebook, email-Eu-core, wiki-Vote) sit beside the project checkout in
``shared/data``; the environment variable OUTREACH_DATA_DIR points elsewhere, e.g. when the
checkout is a git worktree that does not sit beside ``shared/``.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENV_VAR = "OUTREACH_DATA_DIR"


def data_dir() -> Path:
    """OUTREACH_DATA_DIR if set, else ``<project root>/../shared/data`` (it may not exist)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return PROJECT_ROOT.parent / "shared" / "data"


def data_file(name: str) -> Path:
    """A file in the data directory (the caller checks that it exists)."""
    return data_dir() / name
