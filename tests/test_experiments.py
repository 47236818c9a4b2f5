"""Named experiments: each composes to the scenario it claims; one runs end to end."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import outreach
from sim.cli import experiments
from sim.report.sweep_table import SWEEP_TABLE
from sim.config import compose, validate


def test_the_four_named_experiments_exist():
    assert {"flat_army", "stagger_grid", "rate_by_batch", "reciprocity", "real_network",
            "my_network"} <= set(experiments.names())


@pytest.mark.parametrize("name", ["flat_army", "stagger_grid", "rate_by_batch", "reciprocity", "decide", "my_network"])
def test_experiment_composes_and_validates(name):
    cfg = compose([f"+experiment={name}"])
    validate(cfg)


def test_flat_army_is_the_story():
    cfg = compose(["+experiment=flat_army"])
    assert cfg.network.kind == "ego" and cfg.network.n_contacts == 1800
    assert cfg.close_ties == 150 and cfg.network.strong_ties == 150
    assert cfg.platform.rule == "count" and cfg.platform.max_reports == 1


def test_decide_is_the_story_and_runs_the_optimiser(tmp_path):
    """decide: the author's scenario under the prior, optimised for supporters with the
    story's limits; `outreach experiment decide` runs `outreach optimise` into its folder
    (a tiny version: 3 trials on 60 contacts at the config's values)."""
    cfg = compose(["+experiment=decide"])
    assert cfg.network.n_contacts == 1800 and cfg.close_ties == 150
    assert cfg.uncertainty.kind == "default" and cfg.optimise.objective == "supporters"
    assert cfg.optimise.max_restriction_risk == 0.05 and cfg.optimise.max_effort_hours == 30
    assert experiments.command("decide") == "optimise" and experiments.command("flat_army") is None
    out = tmp_path / "decide"
    p = outreach("experiment", "decide", "--out", out, "network.n_contacts=60", "close_ties=5",
                 "uncertainty=none", "optimise.trials=3", "optimise.draws=1",
                 "optimise.replicates=8", "horizon_hours=400", "output.progress=false",
                 cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    for name in ("plan.csv", "recommendation.md", "trials.parquet"):
        assert (out / name).is_file(), name
    assert len(pd.read_parquet(out / "trials.parquet")) == 3


def test_real_network_reads_ego_facebook_from_the_data_dir(monkeypatch):
    monkeypatch.setenv("OUTREACH_DATA_DIR", "/data/here")
    cfg = compose(["+experiment=real_network"])
    assert cfg.network.kind == "edgelist"
    assert cfg.network.path == "/data/here/facebook_combined.txt"
    assert cfg.network.sender == 107 and cfg.population.tie_strength["from"] == "overlap"


def test_unknown_experiment_is_a_one_line_error(capsys):
    assert experiments.main(["no_such_thing"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "flat_army" in err


def test_reciprocity_runs_end_to_end_into_its_results_folder(tmp_path):
    out = tmp_path / "results" / "reciprocity"
    p = outreach("experiment", "reciprocity", "--out", out, "network.n=120",
                 "network.mean_degree=10", "close_ties=3", "replicates=6", "horizon_hours=72",
                 "senders.start_spread_hours=24", "output.progress=false", "output.plot=false",
                 "hydra/launcher=basic", cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    table = pd.read_parquet(out / "sweep" / SWEEP_TABLE).sort_values("senders.fraction")
    assert table["senders.fraction"].tolist() == [0, 0.05, 0.1, 0.2, 0.4, 0.7, 1.0]
    # round(f * N) senders (at least the one configured sender)
    assert table["n_senders"].tolist() == [1, 6, 12, 24, 48, 84, 120]
    for name in ("by_senders_fraction.png", "reach_vs_risk.png", "comparison.md"):
        assert (out / name).is_file()
    # rerunning resumes: every job is skipped, the table is unchanged
    p2 = outreach("experiment", "reciprocity", "--out", out, "network.n=120",
                  "network.mean_degree=10", "close_ties=3", "replicates=6", "horizon_hours=72",
                  "senders.start_spread_hours=24", "output.progress=false", "output.plot=false",
                  "hydra/launcher=basic", cwd=tmp_path)
    assert p2.returncode == 0, p2.stderr
    assert (p2.stdout + p2.stderr).count("already complete, skipped") == 7
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "sweep" / SWEEP_TABLE).sort_values("senders.fraction"), table)


def test_compare_subcommand_is_dispatched(tmp_path):
    (tmp_path / "empty").mkdir()
    p = outreach("compare", tmp_path / "empty", cwd=tmp_path)
    assert p.returncode == 2 and "no results" in p.stderr
