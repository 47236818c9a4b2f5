"""outreach compare: figures and table from a small sweep, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import SWEEP_SMALL, outreach
from sim import metrics
from sim.cli import compare as compare_cli
from sim.report import compare, folders, paired, stats, summary
from sim.report.sweep_table import job_folders, job_overrides

EXPECTED = ("reach_over_time", "benefits", "harms", "risks", "reach_vs_risk", "heatmap",
            "paired_differences")


def first_table(text: str) -> list[str]:
    """comparison.md's first table (one row per entry), up to the first blank line."""
    lines = text.splitlines()
    return lines[:lines.index("")] if "" in lines else lines


def differences_rows(text: str) -> list[list[str]]:
    """The cells of comparison.md's table of differences from the baseline."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("## Paired differences from "))
    rows = []
    for line in lines[start + 4:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory):
    """A 2 x 2 sweep over two numeric parameters (so the heatmap applies)."""
    tmp = tmp_path_factory.mktemp("compare")
    d = tmp / "sweep"
    p = outreach("-m", "strategy=staggered", "strategy.batch_size=40,120",
                 "strategy.interval_hours=12,48", *SWEEP_SMALL, f"hydra.sweep.dir={d}",
                 "hydra/launcher=basic", cwd=tmp)
    assert p.returncode == 0, p.stderr
    return d


def test_compare_writes_figures_and_table_from_a_sweep(grid_sweep, tmp_path):
    out = tmp_path / "figs"
    assert compare_cli.main([str(grid_sweep), "--out", str(out)]) == 0
    for name in EXPECTED:
        for fmt in ("png", "svg"):
            f = out / f"{name}.{fmt}"
            assert f.is_file() and f.stat().st_size > 1000, f
    assert (out / "heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (out / "harms.svg").read_bytes()[:2000]
    text = (out / "comparison.md").read_text()
    md = first_table(text)
    rows = [line for line in md if line.startswith("| batch_size=")]
    assert len(rows) == 4  # one row per job, labelled by what differs between jobs
    # the header names the registry's comparison metrics, the story's harm among them
    header = [c.strip() for c in md[0].strip("|").split("|")]
    assert header[1:] == [metrics.label(n) for n in metrics.names(metrics.COMPARE)]
    assert {"supporters", "close ties annoyed"} <= set(header)
    # each row carries its job's own numbers (read back from summary.json)
    for job in job_folders(grid_sweep):
        s = summary.read(job)
        ov = dict(o.split("=", 1) for o in job_overrides(job))
        label = f"batch_size={ov['strategy.batch_size']}, interval_hours={ov['strategy.interval_hours']}"
        row = next(r for r in rows if r.startswith(f"| {label} |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        for name, (key, _) in metrics.RISKS.items():
            risk = s.data["metrics"][key]
            cell = cells[1 + header[1:].index(metrics.label(name))]
            assert cell == f"{risk['p']:.3f} [{risk['wilson95'][0]:.3f}, {risk['wilson95'][1]:.3f}]"
        for name in ("reach", "supporters", "close_ties_annoyed"):
            cell = cells[1 + header[1:].index(metrics.label(name))]
            assert cell.startswith(compare._fmt(s.data["metrics"][name]["mean"]) + " [")
    # differences from the first job (no generic_blast here): jobs that differ only in
    # strategy keys share their replicate seed (paired: the same people and draws)
    jobs = job_folders(grid_sweep)
    seeds = {summary.read(j).replicate_seed for j in jobs}
    assert len(seeds) == 1 and None not in seeds
    first = summary.read(jobs[0])
    ov = dict(o.split("=", 1) for o in job_overrides(jobs[0]))
    base_label = f"batch_size={ov['strategy.batch_size']}, interval_hours={ov['strategy.interval_hours']}"
    assert f"## Paired differences from {base_label}" in text
    diffs = differences_rows(text)
    names = metrics.names(metrics.COMPARE)
    assert len(diffs) == (len(jobs) - 1) * len(names)
    first_n = summary.read(jobs[0]).replicates
    assert {r[1] for r in diffs} == {f"paired ({first_n} replicates)"}
    assert all(r[5].endswith("%") for r in diffs if r[2] == metrics.label("reach"))
    for job in jobs[1:]:
        s = summary.read(job)
        ov = dict(o.split("=", 1) for o in job_overrides(job))
        label = f"batch_size={ov['strategy.batch_size']}, interval_hours={ov['strategy.interval_hours']}"
        row = next(r for r in diffs if r[0] == label and r[2] == metrics.label("reach"))
        assert row[3] == compare._signed(s.mean("reach") - first.mean("reach"))


def test_compare_skips_incomplete_jobs_with_a_message(grid_sweep, tmp_path, capsys):
    # a copy of the sweep with one job left as a killed run leaves it
    import shutil

    d = tmp_path / "copy"
    shutil.copytree(grid_sweep, d)
    (d / "3" / folders.MARKER).write_text("this run has not finished\n")
    assert compare_cli.main([str(d), "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert f"skipping {d / '3'}: incomplete" in err
    assert sum(line.startswith("| batch_size=") for line in
               first_table((tmp_path / "o" / "comparison.md").read_text())) == 3


def test_compare_empty_folder_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert compare_cli.main([str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(tmp_path / "empty") in err and "no results" in err


def test_compare_older_version_folder_is_a_one_line_error(tmp_path, capsys):
    old = tmp_path / "old"
    old.mkdir()
    (old / folders.SUMMARY).write_text(json.dumps({"metrics": {}}))
    assert compare_cli.main([str(old)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "older version" in err


def _fake_run(folder: Path, overrides, reach, risk, n=100):
    """A run folder with a summary only (what compare reads), for cases a simulation cannot
    pin down exactly."""
    folders.begin(folder)
    (folder / ".hydra").mkdir()
    (folder / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    m = {name: {"mean": v, "sd": 0.0, "ci95": [v, v], "range95": [v, v]}
         for name, v in (("reach", reach), ("supporters", 3.0), ("unfollows", 1.0),
                         ("close_ties_lost", 0.0), ("close_ties_annoyed", 0.5), ("reports", risk),
                         ("people_annoyed", 2.0))}
    for key in ("restriction_risk", "suspension_risk"):
        m[key] = {"p": risk, "wilson95": [max(risk - 0.05, 0), min(risk + 0.05, 1)],
                  "replicates_hit": risk * n, "replicates": n, "median_hour": None}
    summary.write(folder, {"schema_version": summary.SCHEMA_VERSION, "strategy": "generic_blast",
                           "replicates": n, "senders": 3, "horizon_hours": 100, "metrics": m})


def test_one_numeric_parameter_gives_a_line_figure(tmp_path):
    for i, f in enumerate((0.0, 0.1, 0.2)):
        _fake_run(tmp_path / "s" / str(i), [f"senders.fraction={f}"], 100 - 10 * i, 0.1 * i)
    written = compare.compare([tmp_path / "s"], tmp_path / "o", say=lambda m: None)
    names = {p.name for p in written}
    assert {"by_senders_fraction.png", "by_senders_fraction.svg"} <= names
    assert "heatmap.png" not in names
    assert "each a mean over senders" in (tmp_path / "o" / "comparison.md").read_text()


def test_pareto_front_exact():
    reach = np.array([10.0, 8.0, 12.0, 5.0, 10.0])
    risk = np.array([0.2, 0.1, 0.5, 0.3, 0.2])
    # 3 is beaten by 0 (more reach, less risk); 0 and 4 tie, and neither beats the other
    assert compare.pareto_front(reach, risk).tolist() == [0, 1, 2, 4]


# --------------------------------------------------------------------------- differences


@pytest.fixture(scope="module")
def seeded_runs(tmp_path_factory):
    """Three single runs: staggered and generic_blast with replicate_seed=5 (paired), and
    personal_first with replicate_seed=6 (not paired with them). 30 contacts in batches of 5,
    so that staggered and generic_blast differ."""
    tmp = tmp_path_factory.mktemp("paired")
    dirs = []
    for strategy, seed in (("staggered", 5), ("generic_blast", 5), ("personal_first", 6)):
        d = tmp / strategy
        p = outreach(f"strategy={strategy}", f"replicate_seed={seed}", *SWEEP_SMALL,
                     "network.mean_degree=30", "strategy.batch_size=5", "close_ties=4",
                     "population.report_prob=0.2", f"hydra.run.dir={d}", cwd=tmp)
        assert p.returncode == 0, p.stderr
        dirs.append(d)
    return dirs


def test_runs_with_the_same_replicate_seed_are_compared_pair_by_pair(seeded_runs, tmp_path):
    stag, blast, personal = seeded_runs
    out = tmp_path / "o"
    assert compare_cli.main([str(d) for d in seeded_runs] + ["--out", str(out)]) == 0
    for fmt in ("png", "svg"):
        assert (out / f"paired_differences.{fmt}").stat().st_size > 1000
    text = (out / "comparison.md").read_text()
    # the default baseline: the generic_blast entry, though it is not the first
    assert "## Paired differences from generic_blast" in text
    rows = differences_rows(text)
    a = pd.read_parquet(stag / "replicates.parquet")
    b = pd.read_parquet(blast / "replicates.parquet")
    n = len(a)
    for name in metrics.names(metrics.COMPARE):
        row = next(r for r in rows if r[0] == "staggered" and r[2] == metrics.label(name))
        assert row[1] == f"paired ({n} replicates)"
        d = a[name].to_numpy(float) - b[name].to_numpy(float)
        digits = 3 if name in metrics.RISKS else None
        assert row[3] == compare._signed(d.mean(), digits)
        way = metrics.BY_NAME[name].better
        if way == metrics.NEITHER:
            assert row[5:8] == ["-", "-", "-"]
        else:
            better = np.mean(d > 0) if way == metrics.HIGHER else np.mean(d < 0)
            assert row[5] == f"{100 * better:.0f}%" and row[7] == f"{100 * np.mean(d == 0):.0f}%"
        expected = paired.paired_difference(name, a[name], b[name])
        if name not in metrics.RISKS:
            assert expected.ci95 == stats.t_interval(d)
        lo, hi = expected.ci95
        assert row[4] == f"[{compare._signed(lo, digits)}, {compare._signed(hi, digits)}]"
        assert row[8] == expected.verdict
        assert (row[8] == "no detectable difference") == (lo <= 0 <= hi)
    # the runs differ: staggered sends fewer messages within the horizon, in every replicate
    row = next(r for r in rows if r[0] == "staggered" and r[2] == metrics.label("messages_sent"))
    assert row[3].startswith("-") and row[8] == "lower"
    other = [r for r in rows if r[0] == "personal_first"]
    assert other and {r[1] for r in other} == {"unpaired: replicate seeds differ"}


def test_baseline_by_label_or_index(seeded_runs, tmp_path):
    entries = compare.load(seeded_runs, say=lambda m: None)
    assert [e.label for e in entries] == ["staggered", "generic_blast", "personal_first"]
    assert compare.baseline_index(entries) == 1  # generic_blast
    assert compare.baseline_index(entries, "personal_first") == 2
    assert compare.baseline_index(entries, "0") == 0 and compare.baseline_index(entries, 2) == 2
    # no generic_blast: the first entry
    assert compare.baseline_index([entries[0], entries[2]]) == 0
    out = tmp_path / "o"
    assert compare_cli.main([str(d) for d in seeded_runs] + ["--out", str(out), "--baseline", "0"]) == 0
    text = (out / "comparison.md").read_text()
    assert "## Paired differences from staggered" in text
    assert {r[0] for r in differences_rows(text)} == {"generic_blast", "personal_first"}


@pytest.mark.parametrize("value", ["no_such_strategy", "3", "-1"])
def test_unknown_baseline_is_a_one_line_error(seeded_runs, tmp_path, capsys, value):
    code = compare_cli.main([str(d) for d in seeded_runs] + ["--out", str(tmp_path / "o"),
                                                            "--baseline", value])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"--baseline {value!r}" in err
    assert "'generic_blast'" in err and "indexes 0-2" in err
    assert not (tmp_path / "o").exists()  # nothing written
