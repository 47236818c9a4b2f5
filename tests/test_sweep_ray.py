"""The Ray launcher (extra [cluster]) gives the same sweep as the joblib launcher.

Starts a local Ray inside the sweep process (2 CPUs, no dashboard, usage stats off, its
session files in a temporary folder), bounded by a timeout; Ray stops with the process and
the folder is removed. Skipped when ray or hydra-ray-launcher is not installed.
"""

from __future__ import annotations

import shutil
import tempfile

import pandas as pd
import pytest

from helpers import SWEEP_GRID, run_sweep
from sim.report.sweep_table import SWEEP_TABLE

# Genuinely optional: the `cluster` extra, which `make test` does not install. The project's own
# imports come first, so a broken one fails instead of hiding behind this skip.
pytest.importorskip("ray")
pytest.importorskip("hydra_plugins.hydra_ray_launcher")


@pytest.mark.slow
def test_ray_sweep_matches_joblib_sweep(tmp_path, monkeypatch):
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    ray_tmp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths are limited
    try:
        ray_dir, p = run_sweep(tmp_path, "ray", SWEEP_GRID, [
            "hydra/launcher=ray", "+hydra.launcher.ray.init.num_cpus=2",
            "+hydra.launcher.ray.init.include_dashboard=false",
            f"+hydra.launcher.ray.init._temp_dir={ray_tmp}",
        ])
        assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
        assert "Ray Launcher is launching 4 jobs" in p.stdout + p.stderr
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
    job_dir, p = run_sweep(tmp_path, "joblib", SWEEP_GRID,
                           ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"])
    assert p.returncode == 0, p.stderr
    a = pd.read_parquet(ray_dir / SWEEP_TABLE)
    b = pd.read_parquet(job_dir / SWEEP_TABLE)
    assert len(a) == 4 and (a["status"] == "complete").all()
    pd.testing.assert_frame_equal(a, b)
