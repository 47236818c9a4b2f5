"""Bad input through the real command line: the message the user sees, the exit status and
what is left on disk. Each case runs `outreach` in a subprocess (about 2 s each)."""

from pathlib import Path

import pytest
import yaml

from helpers import outreach
from sim import __version__
from sim.config import CONFIG_DIR, compose
from sim.report.folders import MARKER, SUMMARY

SMALL = ["network.n_contacts=100", "close_ties=10", "replicates=5", "output.plot=false",
         "output.progress=false", "output.table=false"]


def lines(text):
    return [ln for ln in text.splitlines() if ln.strip()]


@pytest.mark.parametrize(
    "override, first_line, key_line",
    [
        ("replicatez=5", "Could not override 'replicatez'.", "    full_key: replicatez"),
        ("replicates=abc", "Error merging override replicates=abc", "    full_key: replicates"),
    ],
)
def test_hydra_schema_errors_name_the_key_first_and_exit_1(tmp_path, override, first_line, key_line):
    p = outreach(override, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert p.returncode == 1
    err = lines(p.stderr)
    assert err[0] == first_line
    assert key_line in err
    assert "Traceback" not in p.stderr
    assert not (tmp_path / "run").exists()  # composition fails before the folder is made


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["+strategy.foo=1"], "strategy.foo=1: unknown key; strategy=generic_blast has only: "
                              "name, message_quality, note_quality, minutes_per_batch, k, "
                              "notes_per_day, minutes_per_note, delay_hours, batch_size, "
                              "interval_hours, order, adaptive_pause, pause_reports, "
                              "pause_window_hours, path"),
        (["population.read_prob_base=1.5"], "population.read_prob_base=1.5: expected a probability in [0, 1]"),
        (["network=edgelist"], "network.path: missing value (required: set network.path=...)"),
        (["strategy=personal_first", "strategy.k=500"],
         "strategy.k=500: expected at most 100, the sender's number of contacts in "
         "ego(n_contacts=100, strong_ties=10) (strategy.k defaults to close_ties)"),
    ],
    ids=["plus-key", "out-of-range", "missing-value", "k-above-contacts"],
)
def test_bad_values_are_one_line_exit_2_and_a_marked_folder(tmp_path, overrides, message):
    run = tmp_path / "run"
    small = [o for o in SMALL if not (o.startswith("network.") and "network=edgelist" in overrides)]
    p = outreach(*small, *overrides, f"hydra.run.dir={run}", cwd=tmp_path)
    assert p.returncode == 2
    assert lines(p.stderr) == [f"outreach: error: {message}"]
    assert not (run / SUMMARY).exists()
    assert (run / MARKER).read_text() == f"failed: {message}\n"


def test_unwritable_output_folder_is_one_line_even_as_root(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a regular file: nothing can be created under it, not even by root\n")
    p = outreach(*SMALL, f"hydra.run.dir={blocker / 'run'}", cwd=tmp_path)
    assert p.returncode == 2
    assert lines(p.stderr) == [f"outreach: error: output folder {blocker / 'run'}: not writable "
                               f"({blocker} is a file, not a folder)"]
    assert blocker.read_text().startswith("a regular file")


@pytest.mark.parametrize("error", ["RuntimeError", "ValueError"])
def test_a_bug_keeps_its_traceback_and_the_marker_says_so(tmp_path, error):
    # a ValueError raised deep inside is a bug too: only the project's user errors
    # (sim/errors.py) are shown as one line
    (tmp_path / "boom.py").write_text(
        "import numpy as np\n"
        "class Boom:\n"
        "    def __init__(self, **_): pass\n"
        "    def send_hours(self, view, horizon_hours): return np.array([0])\n"
        f"    def sends(self, hour, view): raise {error}('boom')\n")
    run = tmp_path / "run"
    p = outreach(*SMALL, "+strategy._target_=boom.Boom", f"hydra.run.dir={run}", cwd=tmp_path,
                 env={"PYTHONPATH": tmp_path})
    assert p.returncode == 1
    assert "Traceback" in p.stderr and f"{error}: boom" in p.stderr  # for a bug report
    assert (run / MARKER).read_text() == f"failed: internal error: {error}: boom\n"


def test_a_sweep_with_one_bad_job_runs_nothing(tmp_path):
    sweep = tmp_path / "sweep"
    p = outreach("-m", "replicates=5,0", "strategy=generic_blast,staggered", *SMALL[:2],
                 f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert p.returncode == 2
    assert lines(p.stderr) == [
        "outreach: error: 2 sweep job(s) have bad configs; nothing was run:",
        "  job 2 (replicates=0 strategy=generic_blast network.n_contacts=100 close_ties=10): "
        "replicates=0: expected a positive integer",
        "  job 3 (replicates=0 strategy=staggered network.n_contacts=100 close_ties=10): "
        "replicates=0: expected a positive integer",
    ]
    assert not sweep.exists()


def test_a_sweep_value_hydra_cannot_parse_is_listed_too(tmp_path):
    sweep = tmp_path / "sweep"
    p = outreach("-m", "replicates=5,abc", *SMALL[:2], f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert p.returncode == 2
    assert lines(p.stderr)[1] == (
        "  job 1 (replicates=abc network.n_contacts=100 close_ties=10): Error merging override "
        "replicates=abc: Value 'abc' of type 'str' could not be converted to Integer")
    assert not sweep.exists()


def test_a_good_run_leaves_a_complete_stamped_folder(tmp_path):
    run = tmp_path / "run"
    p = outreach(*SMALL, "seed=3", f"hydra.run.dir={run}", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    from sim.report import summary

    s = summary.read(run)
    assert not (run / MARKER).exists()
    assert s.config["seed"] == 3 and s.config["replicates"] == 5
    assert s.data["outreach_sim_version"] and s.data["schema_version"] == summary.SCHEMA_VERSION
    assert not list(run.glob(".*.tmp"))


def test_cfg_job_prints_the_composed_config(tmp_path):
    p = outreach("--cfg", "job", "--resolve", "strategy=staggered", "replicates=7", cwd=tmp_path)
    assert p.returncode == 0
    from omegaconf import OmegaConf

    expected = OmegaConf.to_container(compose(["strategy=staggered", "replicates=7"]), resolve=True)
    assert yaml.safe_load(p.stdout) == expected


def test_help_lists_every_group_option_and_the_main_keys(tmp_path):
    p = outreach("--help", "replicates=7", cwd=tmp_path)
    assert p.returncode == 0
    for group in ("network", "population", "strategy", "platform"):
        names = sorted(f.stem for f in (Path(CONFIG_DIR) / group).glob("*.yaml"))
        assert f"  {group}:".ljust(14) + ", ".join(names) in p.stdout
    for key in ("replicates=7 ", "seed=0 ", "horizon_hours=1008 ", "close_ties=150 ", "hydra.run.dir="):
        assert key in p.stdout
    assert "_schema" not in p.stdout.split("== Config with your overrides")[0]


# --------------------------------------------------------------------------- outreach compare

@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """One real finished run, and copies of it turned into what readers must refuse."""
    import json
    import shutil

    base = tmp_path_factory.mktemp("compare")
    good = base / "good"
    p = outreach(*SMALL, f"hydra.run.dir={good}", cwd=base)
    assert p.returncode == 0, p.stderr
    (base / "empty").mkdir()
    shutil.copytree(good, base / "partial")  # killed before the summary: marker, no summary
    (base / "partial" / SUMMARY).unlink()
    (base / "partial" / MARKER).write_text("this run has not finished; its files are not results\n")
    shutil.copytree(good, base / "failed")
    (base / "failed" / MARKER).write_text("failed: replicates=0: expected a positive integer\n")
    shutil.copytree(good, base / "old")  # as written before summaries carried a schema version
    s = json.loads((base / "old" / SUMMARY).read_text())
    s.pop("schema_version")
    (base / "old" / SUMMARY).write_text(json.dumps(s))
    return base


@pytest.mark.parametrize(
    "names, status, err",
    [
        (["empty"], 2, ["outreach compare: error: empty: no results here (neither a run folder with "
                        "summary.json nor a sweep folder with job folders)"]),
        (["partial"], 2, ["skipping partial: incomplete",
                          "outreach compare: error: nothing to compare: no complete runs in partial"]),
        (["failed"], 2, ["skipping failed: failed (replicates=0: expected a positive integer)",
                         "outreach compare: error: nothing to compare: no complete runs in failed"]),
        (["old"], 2, ["outreach compare: error: old: written by an older version of outreach-sim (no "
                      f"schema_version in summary.json); rerun it with version {__version__}"]),
        (["good", "partial"], 0, ["skipping partial: incomplete"]),
    ],
    ids=["empty", "partial", "failed", "older-version", "one-good-one-partial"],
)
def test_compare_refuses_unfinished_or_old_folders_in_one_line(folders, names, status, err):
    p = outreach("compare", *names, "--out", "out", cwd=folders)
    assert p.returncode == status
    assert lines(p.stderr) == err
    assert "Traceback" not in p.stderr
