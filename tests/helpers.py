"""Plain helpers shared by the test files (pytest fixtures, and the helpers that build and run
scenarios in-process, are in conftest.py; independent implementations are in oracles/).

* ``outreach`` / ``start_outreach``: the `outreach` command in a subprocess, as a user runs it;
* ``run_sweep``, ``SWEEP_SMALL``, ``SWEEP_GRID``: a small sweep through that command;
* ``data_path``: a real SNAP file, or a skip when the data folder lacks it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.network.shared_data import ENV_VAR, data_dir, data_file

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent

# `python -m sim.cli.main` is the `outreach` console script without depending on where pip put
# it (tests/test_wheel.py checks the installed script itself).
COMMAND = (sys.executable, "-m", "sim.cli.main")


# --------------------------------------------------------------------------- the command


def outreach_env(env=None, hashseed=None) -> dict[str, str]:
    """The environment of an `outreach` subprocess: this process's, as a user's shell has it,

    * without HYDRA_FULL_ERROR (set, Hydra would print a traceback where a user sees one line);
    * with tests/ first on PYTHONPATH, so ``+strategy._target_=custom_strategy.TwoWaves`` imports;
    * with PYTHONHASHSEED=hashseed when given (to show results do not depend on it);

    then ``env`` on top: each variable set to its value, or removed when the value is None."""
    out = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    out["PYTHONPATH"] = os.pathsep.join(p for p in (str(TESTS), os.environ.get("PYTHONPATH")) if p)
    if hashseed is not None:
        out["PYTHONHASHSEED"] = str(hashseed)
    for key, value in (env or {}).items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = str(value)
    return out


def outreach(*args, cwd=ROOT, env=None, timeout=120, hashseed=None) -> subprocess.CompletedProcess:
    """Run `outreach *args` in `cwd` and wait for it (output captured as text); ``env`` and
    ``hashseed`` as in outreach_env."""
    return subprocess.run([*COMMAND, *map(str, args)], cwd=cwd, env=outreach_env(env, hashseed),
                          capture_output=True, text=True, timeout=timeout)


def start_outreach(*args, cwd, env=None, hashseed=None) -> subprocess.Popen:
    """Start `outreach *args` in `cwd` without waiting (to kill or interrupt it): stdout
    discarded, stderr a text pipe."""
    return subprocess.Popen([*COMMAND, *map(str, args)], cwd=cwd, env=outreach_env(env, hashseed),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


# --------------------------------------------------------------------------- sweeps

# A scenario small enough for a sweep of a few jobs to take seconds.
SWEEP_SMALL = [
    "network=erdos_renyi", "network.n=300", "network.mean_degree=8", "replicates=12",
    "horizon_hours=96", "output.progress=false", "output.plot=false", "output.table=false",
]
# Two numeric parameters, two values each: four jobs.
SWEEP_GRID = ["strategy=staggered", "strategy.batch_size=2,120", "strategy.interval_hours=12,48"]


def run_sweep(tmp_path: Path, name: str, params, launcher) -> tuple[Path, subprocess.CompletedProcess]:
    """`outreach -m <params> <SWEEP_SMALL> <launcher>` into tmp_path/name (with Hydra's full
    errors, so that a job that breaks shows its traceback in the test's output)."""
    sweep_dir = tmp_path / name
    proc = outreach("-m", *params, *SWEEP_SMALL, f"hydra.sweep.dir={sweep_dir}", *launcher,
                    cwd=tmp_path, env={"HYDRA_FULL_ERROR": "1"})
    return sweep_dir, proc


# --------------------------------------------------------------------------- real data


def data_path(name: str) -> Path:
    """The real SNAP file `name` from the shared data folder; the test is skipped when the
    folder does not have it (the data is not part of the repository). Only the file's absence
    skips: a broken project import fails where this module is imported."""
    path = data_file(name)
    if not path.exists():
        pytest.skip(f"{name} not found in {data_dir()}: set {ENV_VAR} to the folder holding "
                    "the SNAP files (default <project root>/../shared/data)")
    return path
