"""Sweeps: job seeds independent of workers and order, resume, failures, sweep.parquet."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from helpers import SWEEP_GRID, SWEEP_SMALL, outreach, run_sweep
from sim.cli import sweep
from sim.cli.sweep import JOBS_FILE
from sim.report import folders as results
from sim.report import summary
from sim.report.sweep_table import SWEEP_TABLE, job_overrides


# --------------------------------------------------------------------------- seeds


def test_job_seed_depends_on_overrides_not_their_order():
    a = sweep.job_seed(3, ["population.report_prob=0.1", "close_ties=50"])
    assert a == sweep.job_seed(3, ["close_ties=50", "population.report_prob=0.1"])
    assert a == sweep.job_seed(3, ["+close_ties=50", "population.report_prob=0.1"])
    # overrides that cannot change the numbers do not change the seed
    assert a == sweep.job_seed(3, ["population.report_prob=0.1", "close_ties=50", "seed=3",
                                   "output.plot=false"])
    assert a != sweep.job_seed(4, ["population.report_prob=0.1", "close_ties=50"])
    assert a != sweep.job_seed(3, ["population.report_prob=0.1", "close_ties=51"])
    assert 0 <= a < 2**63
    # unpaired (paired=false), strategy keys enter the seed like any other
    b = sweep.job_seed(3, ["strategy=staggered", "strategy.batch_size=50"], paired=False)
    assert b == sweep.job_seed(3, ["+strategy.batch_size=50", "strategy=staggered"], paired=False)
    assert b != sweep.job_seed(3, ["strategy=staggered", "strategy.batch_size=51"], paired=False)
    assert b != sweep.job_seed(3, ["strategy=personal_first", "strategy.batch_size=50"], paired=False)


def test_paired_jobs_differing_only_in_strategy_or_platform_share_their_seed():
    """paired=true (the default): strategy, strategy.*, platform and platform.* keys, in any
    +/~ form, are left out of the job seed, so those jobs get the same replicate keys (paired
    replicates); any other key still gives its own seed."""
    base = ["population.report_prob=0.1"]
    a = sweep.job_seed(0, base)
    for extra in (["strategy=personal_first"], ["strategy=staggered", "strategy.batch_size=50"],
                  ["+strategy.batch_size=7"], ["~strategy.order"], ["platform=rate"],
                  ["platform=count", "platform.max_reports=3", "+platform.window_hours=48"],
                  ["+strategy._target_=custom_strategy.TwoWaves", "+strategy.gap_hours=5"]):
        assert sweep.job_seed(0, base + extra) == a, extra
        assert sweep.job_seed(0, base + extra, paired=False) != a, extra
    # keys that merely start like a group are not in it
    assert sweep.job_seed(0, base + ["strategyx=1"]) != a
    assert sweep.job_seed(0, ["population.report_prob=0.2"]) != a
    assert sweep.seed_overrides(["strategy=x", "+platform.rule=rate", "~strategy.k", "seed=1",
                                 "close_ties=5"]) == ["close_ties=5"]


# --------------------------------------------------------------------------- sweeps


def test_two_workers_and_one_give_identical_sweep_table(tmp_path):
    par, p1 = run_sweep(tmp_path, "joblib2", SWEEP_GRID,
                        ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"])
    assert p1.returncode == 0, p1.stderr
    seq, p2 = run_sweep(tmp_path, "basic", SWEEP_GRID, ["hydra/launcher=basic"])
    assert p2.returncode == 0, p2.stderr
    a = pd.read_parquet(par / SWEEP_TABLE)
    b = pd.read_parquet(seq / SWEEP_TABLE)
    assert len(a) == 4 and (a["status"] == "complete").all()
    pd.testing.assert_frame_equal(a, b)
    # the per-replicate numbers too, not only their summaries
    for job in a["job"]:
        pd.testing.assert_frame_equal(pd.read_parquet(par / job / "replicates.parquet"),
                                      pd.read_parquet(seq / job / "replicates.parquet"))
    # each job's seed is the documented derivation from master seed 0 and its own overrides;
    # the four jobs differ only in strategy keys, so (paired, the default) they share one
    for job, seed in zip(a["job"], a["job_seed"]):
        assert seed == sweep.job_seed(0, job_overrides(par / job))
    assert a["job_seed"].nunique() == 1
    # the jobs differ in what they were asked to do: within the 96 h horizon, batches of 2
    # every 48 h go out at hours 0 and 48 only (4 messages), every 12 h eight times (an
    # independent check the grid was applied; the sender has more than 4 contacts)
    sent = a.set_index(["strategy.batch_size", "strategy.interval_hours"])["messages_sent_mean"]
    assert sent[(2, 48)] == 4
    assert sent[(2, 12)] > sent[(2, 48)]
    # the jobs share the network and population (from the master seed): batch 120 sends to
    # every contact at hour 0 whatever the interval, so both jobs sent the same messages
    assert sent[(120, 12)] == sent[(120, 48)]


def test_a_sweep_job_rerun_alone_with_its_seed_gives_the_same_numbers(tmp_path):
    sweep_dir, proc = run_sweep(tmp_path, "s", ["strategy=staggered", "strategy.batch_size=40,120"],
                                ["hydra/launcher=basic"])
    assert proc.returncode == 0, proc.stderr
    table = pd.read_parquet(sweep_dir / SWEEP_TABLE)
    row = table[table["strategy.batch_size"] == 120].iloc[0]
    single = tmp_path / "single"
    p = outreach("strategy=staggered", "strategy.batch_size=120", *SWEEP_SMALL,
                 f"replicate_seed={row['job_seed']}", f"hydra.run.dir={single}", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(single / "replicates.parquet"),
                                  pd.read_parquet(sweep_dir / row["job"] / "replicates.parquet"))


def test_single_run_keeps_its_seed(tmp_path):
    p = outreach(*SWEEP_SMALL, "seed=7", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert summary.read(tmp_path / "run").data["seed"] == 7


def test_interrupted_sweep_resumes_without_redoing_finished_jobs(tmp_path):
    params = ["strategy=staggered", "strategy.batch_size=40,80,120"]
    sweep_dir, proc = run_sweep(tmp_path, "s", params, ["hydra/launcher=basic"])
    assert proc.returncode == 0, proc.stderr
    full = pd.read_parquet(sweep_dir / SWEEP_TABLE)
    # leave job 1 as a killed job leaves its folder: marker present, no summary yet;
    # and the sweep table not yet written
    killed = sweep_dir / "1"
    results.begin(killed)
    (killed / results.SUMMARY).unlink()
    (sweep_dir / SWEEP_TABLE).unlink()
    before = {j: (sweep_dir / j / results.SUMMARY).stat().st_mtime_ns for j in ("0", "2")}
    sweep_dir2, proc = run_sweep(tmp_path, "s", params, ["hydra/launcher=basic"])
    assert proc.returncode == 0, proc.stderr
    after = {j: (sweep_dir / j / results.SUMMARY).stat().st_mtime_ns for j in ("0", "2")}
    assert before == after  # finished jobs were not redone
    assert results.is_complete(killed)
    assert (proc.stdout + proc.stderr).count("already complete, skipped") == 2, proc.stdout
    pd.testing.assert_frame_equal(pd.read_parquet(sweep_dir / SWEEP_TABLE), full)


def test_changed_config_in_same_folder_is_run_again(tmp_path):
    sweep_dir, proc = run_sweep(tmp_path, "s", ["strategy=staggered"], ["hydra/launcher=basic"])
    assert proc.returncode == 0, proc.stderr
    proc = outreach("-m", "strategy=staggered", *SWEEP_SMALL, "replicates=5",
                    f"hydra.sweep.dir={sweep_dir}", "hydra/launcher=basic", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "skipped" not in proc.stdout + proc.stderr
    assert summary.read(sweep_dir / "0").replicates == 5


def test_a_failing_job_does_not_stop_the_others(tmp_path):
    # k=100000 passes the config checks made before the sweep starts (sim/callbacks.py) but
    # fails inside its job, once the network shows the sender has fewer contacts; the other
    # job must still run
    sweep_dir, proc = run_sweep(tmp_path, "s", ["strategy=personal_first", "strategy.k=2,100000"],
                                ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"])
    assert proc.returncode != 0
    assert "strategy.k=100000: expected at most" in proc.stderr
    table = pd.read_parquet(sweep_dir / SWEEP_TABLE).set_index("strategy.k")
    assert table.loc[2, "status"] == "complete" and table.loc[2, "reach_mean"] > 0
    assert table.loc[100000, "status"] == "failed"
    assert "the sender's number of contacts" in table.loc[100000, "error"]
    failed = sweep_dir / table.loc[100000, "job"]
    assert not results.is_complete(failed)
    assert results.status(failed)[0] == "failed"


def test_sweep_table_columns_are_the_summary_numbers(tmp_path):
    sweep_dir, proc = run_sweep(tmp_path, "s", ["strategy=generic_blast,staggered"],
                                ["hydra/launcher=basic"])
    assert proc.returncode == 0, proc.stderr
    table = pd.read_parquet(sweep_dir / SWEEP_TABLE)
    for _, row in table.iterrows():
        s = summary.read(sweep_dir / row["job"])
        m = s.data["metrics"]
        assert row["strategy"] == s.strategy
        assert row["reach_mean"] == m["reach"]["mean"]
        assert [row["unfollows_ci_low"], row["unfollows_ci_high"]] == m["unfollows"]["ci95"]
        assert row["suspension_risk"] == m["suspension_risk"]["p"]
        assert [row["suspension_risk_low"], row["suspension_risk_high"]] == m["suspension_risk"]["wilson95"]
        # suspension risk = share of replicates suspended, from the replicate table itself
        reps = pd.read_parquet(sweep_dir / row["job"] / "replicates.parquet")
        assert row["suspension_risk"] == pytest.approx(reps["suspended"].mean())
    assert json.loads((sweep_dir / JOBS_FILE).read_text())["jobs"]


def test_paired_sweep_jobs_share_replicate_keys_and_unpaired_do_not(tmp_path):
    """strategy=generic_blast,personal_first: paired (the default), both jobs run under one
    replicate seed; with paired=false each job has its own (the documented derivation)."""
    for paired, n_seeds in (("true", 1), ("false", 2)):
        sweep_dir, proc = run_sweep(tmp_path, f"p{paired}", ["strategy=generic_blast,personal_first",
                                                             "strategy.k=3", f"paired={paired}"],
                                    ["hydra/launcher=basic"])
        assert proc.returncode == 0, proc.stderr
        table = pd.read_parquet(sweep_dir / SWEEP_TABLE)
        assert len(table) == 2 and table["job_seed"].nunique() == n_seeds
        for job, seed in zip(table["job"], table["job_seed"]):
            assert seed == sweep.job_seed(0, job_overrides(sweep_dir / job), paired=paired == "true")
