"""The real SNAP files for network tests: found through sim.data, skipped if absent."""

from __future__ import annotations

import pytest

from sim.data import ENV_VAR, data_dir, data_file


def data_path(name: str):
    path = data_file(name)
    if not path.exists():
        pytest.skip(f"{name} not found in {data_dir()}: set {ENV_VAR} to the folder holding "
                    "the SNAP files (default <project root>/../shared/data)")
    return path
