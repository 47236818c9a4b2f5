"""Result folders: atomic writes, the INCOMPLETE marker, and what summary.read says about
folders that are not finished runs (empty, partial, older version, damaged)."""

import json
import stat

import pandas as pd
import pytest

from sim import __version__
from sim.errors import ResultsError
from sim.report import folders as results
from sim.report import summary
from sim.report.folders import MARKER, SUMMARY

RISK = {"p": 0.0, "wilson95": [0.0, 1.0], "replicates_hit": 0, "replicates": 2,
        "median_hour": None}


def a_summary(**extra):
    return {"schema_version": summary.SCHEMA_VERSION, "outreach_sim_version": __version__,
            "config": {"seed": 0}, "metrics": {"reach": {"mean": 1.5}, "restriction_risk": RISK,
                                               "suspension_risk": RISK},
            **extra}


def finished(folder, **extra):
    results.begin(folder)
    results.write_parquet(folder / "replicates.parquet", pd.DataFrame({"reach": [1, 2]}))
    summary.write(folder, a_summary(**extra))
    return folder


def test_atomic_write_keeps_the_old_file_when_the_writer_dies(tmp_path):
    path = tmp_path / "summary.json"
    results.write_json(path, {"v": 1})

    def broken(p):
        p.write_text('{"v": 2, "half')  # a partial file under the temporary name ...
        raise OSError("disk full")  # ... then the writer dies

    with pytest.raises(OSError, match="disk full"):
        results.atomic_write(path, broken)
    assert json.loads(path.read_text()) == {"v": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]  # no temp left


def test_atomic_write_gives_normal_permissions(tmp_path):
    # mkstemp alone creates 0600; a result file gets what open() would give under the umask
    results.write_json(tmp_path / "a.json", {})
    mode = stat.S_IMODE((tmp_path / "a.json").stat().st_mode)
    assert mode == 0o666 & ~results._umask()


def test_finished_run_reads_back_with_version_and_config(tmp_path):
    folder = finished(tmp_path / "run")
    assert not (folder / MARKER).exists()
    s = summary.read(folder)
    assert s.data["outreach_sim_version"] == __version__
    assert s.config == {"seed": 0} and s.mean("reach") == 1.5
    assert results.incomplete_reason(folder) is None


def test_begin_marks_the_folder_until_finish(tmp_path):
    folder = results.begin(tmp_path / "run")
    assert (folder / MARKER).exists()
    assert not results.is_complete(folder)
    summary.write(folder, a_summary())
    assert results.is_complete(folder)


def test_rerun_into_a_finished_folder_is_incomplete_until_it_finishes(tmp_path):
    folder = finished(tmp_path / "run")
    results.begin(folder)  # a second run starts in the same folder and is killed
    with pytest.raises(ResultsError, match="incomplete run"):
        summary.read(folder)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda f: None, r"no such results folder"),
        (lambda f: f.mkdir(), r"empty folder, not a results folder"),
        (lambda f: results.begin(f), r"incomplete run \(INCOMPLETE marker: this run has not finished"),
        (lambda f: (f.mkdir(), (f / "replicates.parquet").write_bytes(b"PAR1")),
         r"no summary\.json \(a run that never finished, or not a results folder\)"),
        (lambda f: (results.begin(f), results.mark_failed(f, "replicates=0: expected a positive integer")),
         r"incomplete run \(INCOMPLETE marker: failed: replicates=0: expected a positive integer\)"),
        (lambda f: (f.mkdir(), (f / SUMMARY).write_text('{"metrics": {"reach": ')),
         r"summary\.json: not valid JSON \(line 1"),
        (lambda f: (f.mkdir(), (f / SUMMARY).write_bytes(b"\xff\xfe\x00binary")),
         r"summary\.json: not a text file"),
        (lambda f: (f.mkdir(), (f / SUMMARY).write_text("[1, 2]")),
         r"summary\.json: expected a JSON object, found list"),
        (lambda f: (f.mkdir(), (f / SUMMARY).write_text('{"metrics": {}, "config": {}}')),
         r"written by an older version of outreach-sim \(no schema_version"),
        (lambda f: (f.mkdir(), (f / SUMMARY).write_text('{"schema_version": 99, "metrics": {}}')),
         r"summary\.json: schema_version 99, this outreach-sim \(.*\) reads 2; rerun it"),
        (lambda f: (f.mkdir(), (f / SUMMARY).write_text(json.dumps(
            {"schema_version": 1, "metrics": {"reach": {"mean": 1.0}, "suspension_risk": RISK}}))),
         r"summary\.json: schema_version 1, this outreach-sim \(.*\) reads 2; rerun it with this"),
        (lambda f: (f.mkdir(), (f / SUMMARY).write_text('{"schema_version": 2, "config": {}}')),
         r"summary\.json: no 'metrics' with 'restriction_risk'; rerun it"),
    ],
    ids=["missing", "empty", "killed", "partial-no-summary", "failed", "bad-json", "binary",
         "not-object", "older-version", "newer-version", "version-1-layout", "no-metrics"],
)
def test_read_summary_says_why_a_folder_is_not_a_finished_run(tmp_path, make, message):
    folder = tmp_path / "run"
    make(folder)
    with pytest.raises(ResultsError, match=message) as err:
        summary.read(folder)
    text = str(err.value)
    assert "\n" not in text and str(folder) in text
    if "no such" not in text:
        assert results.incomplete_reason(folder) is None or results.incomplete_reason(folder) in text


def test_begin_on_an_unwritable_place_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a regular file: nothing can be created under it, not even by root")
    with pytest.raises(ResultsError) as err:
        results.begin(blocker / "run" / "deeper")
    assert str(err.value) == (f"output folder {blocker}/run/deeper: not writable "
                              f"({blocker} is a file, not a folder)")


def test_mark_failed_on_a_missing_folder_does_nothing(tmp_path):
    results.mark_failed(tmp_path / "never-created", "boom")
    assert not (tmp_path / "never-created").exists()


def test_a_new_run_in_the_folder_clears_temporaries_of_a_killed_one(tmp_path):
    folder = results.begin(tmp_path / "run")
    stale = folder / ".timeseries.parquet.k1ll3d.tmp"  # what a kill mid-write leaves
    stale.write_bytes(b"PAR1 half")
    keep = folder / "notes.txt"
    keep.write_text("the user's own file")
    results.begin(folder)
    assert not stale.exists() and keep.exists() and (folder / MARKER).exists()
