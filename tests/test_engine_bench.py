"""The benchmark (`make bench`: experiments/bench/bench.py) runs end to end and writes its
table; the independent-cascade special case of the engine agrees with CyNetDiff's IC model (a
compiled implementation written by others). No timings are asserted: speed is what the
benchmark reports, not what tests check."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT

# The benchmark is a script, not part of the package: run as one, its own folder is on sys.path
# and it imports its peers (mesa_reference, peers) from there. Importing it here does the same.
BENCH_DIR = ROOT / "experiments" / "bench"
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import bench  # noqa: E402
import peers  # noqa: E402

DATA = Path(os.environ.get("OUTREACH_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))
needs_facebook = pytest.mark.skipif(not (DATA / "facebook_combined.txt").is_file(),
                                    reason=f"ego-Facebook not found in {DATA}")


@needs_facebook
def test_bench_quick_writes_table_json_and_readme_section(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_DATA_DIR", str(DATA))
    code = bench.main(["--quick", "--only", "engine", "mesa", "flat_army", "scale",
                       "--out", str(tmp_path)])
    assert code == 0
    out = json.loads((tmp_path / "bench.json").read_text())
    tools = {(r["item"], r["tool"]) for r in out["rows"]}
    assert ("full model", "engine") in tools and ("full model", "mesa (events)") in tools
    assert any(item == "scale" for item, _ in tools)
    # the engine and the Mesa reference simulate the same people: reach of the same order
    reach = {r["tool"]: r["mean_reach"] for r in out["rows"] if r["item"] == "full model"}
    assert 0.5 < reach["engine"] / reach["mesa (events)"] < 2.0
    assert "| target | measured | met |" in (tmp_path / "bench.md").read_text()
    assert (tmp_path / "README_SECTION.md").read_text().startswith("## Benchmark")


def test_bench_names_the_missing_data_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OUTREACH_DATA_DIR", str(tmp_path))
    assert bench.main(["--quick", "--only", "engine", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "facebook_combined.txt" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_bench_runs_as_a_script_from_any_folder(tmp_path):
    """`python experiments/bench/bench.py` from elsewhere than the checkout: it starts, finds
    the package, and reports the missing data file on one line (exit 2), writing nothing."""
    env = {**os.environ, "OUTREACH_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, str(BENCH_DIR / "bench.py"), "--quick", "--only",
                           "engine", "--out", str(tmp_path / "out")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(bench.PROG + ": error:") and "facebook_combined.txt" in done.stderr
    assert not (tmp_path / "out").exists()


@needs_facebook
def test_independent_cascade_reach_agrees_with_cynetdiff(monkeypatch):
    pytest.importorskip("cynetdiff")
    monkeypatch.setenv("OUTREACH_DATA_DIR", str(DATA))
    net = bench.facebook()
    from sim.engine.engine import Engine

    sc = bench.scenario(net, [*bench.IC_OVERRIDES, "population.exposure_prob=0.03"])
    ours = Engine(sc, 600, 0, record_series=False).run().metrics["reach"]
    theirs = peers.cynetdiff_reach(peers.without_node(net, net.sender), net.neighbours(net.sender),
                                   0.03, 600, seed=1)
    se = np.sqrt(ours.var(ddof=1) / len(ours) + theirs.var(ddof=1) / len(theirs))
    assert abs(ours.mean() - theirs.mean()) < 4.5 * se, (ours.mean(), theirs.mean())
    assert ours.mean() > len(net.neighbours(net.sender)) + 50  # the cascade went beyond the seeds
