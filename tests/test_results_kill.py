"""Faults: `outreach` killed (SIGKILL) at a random moment and at the moments that matter
(folder just made, first result file written) leaves either no folder, a
complete one, or one marked INCOMPLETE, and every result file present is whole. Ctrl-C
exits 130 with the folder marked."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from sim.report.folders import MARKER, SUMMARY, incomplete_reason
from sim.report.summary import read as read_summary

# big enough that simulating and writing take a visible part of the run (about 2-4 s in all)
RUN = ["network.n_contacts=600", "close_ties=50", "replicates=300", "engine.batch_size=100",
       "output.plot=true", "output.progress=false", "output.table=false"]
FILES = ("replicates.parquet", "timeseries.parquet", "outreach.png", SUMMARY)


def start(folder):
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.Popen([sys.executable, "-m", "sim.cli.main", *RUN, f"hydra.run.dir={folder}"],
                            cwd=folder.parent, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def kill_when(proc, ready, limit=60.0):
    """SIGKILL `proc` as soon as ready() is true (polled every 2 ms); False if it ended first."""
    t0 = time.monotonic()
    while proc.poll() is None and time.monotonic() - t0 < limit:
        if ready():
            proc.kill()
            proc.wait()
            return True
        time.sleep(0.002)
    proc.wait()
    return False


def assert_whole_or_marked(folder, when):
    """The invariant: no folder, a complete folder, or an INCOMPLETE one; and every result
    file that has its final name is whole (readers never see half a file)."""
    if not folder.exists():
        return "absent"
    for name in ("replicates.parquet", "timeseries.parquet"):
        if (folder / name).exists():
            assert len(pd.read_parquet(folder / name)) > 0, (when, name)
    if (folder / SUMMARY).exists():
        json.loads((folder / SUMMARY).read_text())
    if incomplete_reason(folder) is None:
        s = read_summary(folder)
        assert all((folder / f).exists() for f in FILES), (when, sorted(os.listdir(folder)))
        assert s.config["replicates"] == 300
        return "complete"
    assert (folder / MARKER).exists(), (when, sorted(os.listdir(folder)))
    with pytest.raises(Exception, match="incomplete run"):
        read_summary(folder)
    return "incomplete"


@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_a_complete_or_marked_folder(tmp_path):
    # a full run first: it is complete, and it times the run for the random kills
    t0 = time.monotonic()
    full = tmp_path / "full"
    p = start(full)
    assert p.wait() == 0, p.stderr.read()
    duration = time.monotonic() - t0
    assert assert_whole_or_marked(full, "full run") == "complete"

    moments = {
        "folder made": lambda f: f.exists(),
        "first result written": lambda f: (f / "replicates.parquet").exists(),
    }
    rng = np.random.default_rng()  # a fresh moment each time: the invariant holds at any
    for seconds in rng.uniform(0.3 * duration, 1.0 * duration, size=1):
        moments[f"after {seconds:.2f} s"] = lambda f, t=time.monotonic, s=seconds: t() - t_start > s
    seen = {}
    for i, (when, ready) in enumerate(moments.items()):
        folder = tmp_path / f"kill{i}"
        t_start = time.monotonic()
        proc = start(folder)
        killed = kill_when(proc, lambda: ready(folder))
        seen[when] = (killed, assert_whole_or_marked(folder, when))
    # the targeted kills really happened mid-run and left marked folders
    assert seen["folder made"] == (True, "incomplete")
    assert seen["first result written"] == (True, "incomplete")


def test_ctrl_c_exits_130_and_marks_the_folder(tmp_path):
    folder = tmp_path / "run"
    proc = start(folder)
    ready = lambda: (folder / ".hydra").exists()  # noqa: E731  the app is running
    t0 = time.monotonic()
    while not ready() and proc.poll() is None and time.monotonic() - t0 < 60:
        time.sleep(0.005)
    time.sleep(0.3)  # inside the simulation
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1]
    if proc.returncode == 0:
        pytest.skip("the run finished before the interrupt arrived")
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1] == "outreach: error: interrupted before the run finished"
    assert (folder / MARKER).read_text() == "failed: interrupted before the run finished\n"
    assert not (folder / SUMMARY).exists()
