"""The metric registry (sim/metrics.py) is the one list every output follows: the engine's
per-replicate metrics, replicates.parquet, summary.json, sweep.parquet, the compare table, the
command's table and the Mesa view's DataCollector all carry exactly the registry's metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import make_cfg
from sim import metrics
from sim.cli.run import format_table, run_scenario
from sim.engine.engine import COUNTERS, SERIES
from sim.engine.kernels import KERNEL_COUNTERS
from sim.report import summary

SMALL = ["network=erdos_renyi", "network.n=80", "network.mean_degree=6", "replicates=6",
         "horizon_hours=48", "output.plot=false", "output.progress=false",
         "population.report_prob=0.3", "seed=2"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    return folder, run_scenario(make_cfg(SMALL), folder, progress=False)


def test_names_are_unique_and_each_has_a_known_kind_and_places():
    names = [m.name for m in metrics.REGISTRY]
    assert len(names) == len(set(names))
    places = {metrics.CLI, metrics.SERIES, metrics.RUN_FIGURE, metrics.COMPARE, metrics.BENEFIT,
              metrics.HARM, metrics.BY_PARAMETER, metrics.APP}
    for m in metrics.REGISTRY:
        assert m.kind in (metrics.COUNT, metrics.PROPORTION, metrics.HOUR)
        assert set(m.shown) <= places, m.name
        assert m.meaning and m.unit and m.label


def test_the_engine_counts_what_the_registry_declares():
    assert COUNTERS[:-1] == metrics.COUNTERS and COUNTERS[-1] == "effort_minutes"
    assert set(KERNEL_COUNTERS) <= set(metrics.COUNTERS)
    assert SERIES == metrics.names(metrics.SERIES)


def test_replicates_parquet_has_the_registry_columns_in_order(run):
    folder, _ = run
    rep = pd.read_parquet(folder / "replicates.parquet")
    assert list(rep.columns) == ["replicate", *metrics.names()]


def test_summary_holds_every_count_and_the_risk(run):
    _, s = run
    assert set(s.metrics) == {*metrics.names(kind=metrics.COUNT),
                              *(key for key, _ in metrics.RISKS.values())}
    # the reader gives back what the writer wrote
    again = summary.read(s.folder)
    for name in metrics.names(kind=metrics.COUNT):
        assert again.mean(name) == s.mean(name)
        rep = pd.read_parquet(s.folder / "replicates.parquet")
        assert again.mean(name) == pytest.approx(rep[name].mean())


def test_sweep_row_and_cli_table_follow_the_registry(run):
    _, s = run
    row = s.row()
    for name in metrics.names(kind=metrics.COUNT):
        assert {f"{name}_mean", f"{name}_ci_low", f"{name}_ci_high"} <= set(row)
    table = format_table(s).splitlines()
    shown = [line.split()[0] for line in table[3:]]
    assert shown == [*metrics.names(metrics.CLI, kind=metrics.COUNT),
                     *(metrics.RISKS[n][0] for n in metrics.names(metrics.CLI, kind=metrics.PROPORTION))]
    # the story's main harm is on the command's table and in the comparison
    assert "close_ties_annoyed" in shown
    assert {"close_ties_annoyed", "supporters"} <= set(metrics.names(metrics.COMPARE))


def test_the_mesa_view_collects_the_registry_series():
    from sim.model import OutreachModel

    model = OutreachModel(network="erdos_renyi", rng=1, horizon_hours=12,
                          **{"network.n": 60, "network.mean_degree": 6})
    for _ in range(3):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == ["hour", *metrics.names(metrics.SERIES)]
    assert np.all(np.diff(frame["reach"]) >= 0)


def test_model_md_carries_the_registry_table():
    from conftest import ROOT

    doc = (ROOT / "docs" / "MODEL.md").read_text()
    assert metrics.markdown_table() in doc, (
        "docs/MODEL.md's metrics table differs from sim/metrics.py: paste "
        "metrics.markdown_table() between its markers")
