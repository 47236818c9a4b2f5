"""`outreach sensitivity` (sim/analysis/sensitivity.py) on a case whose answer is known, its
resume, and its bad input.

The case: a homogeneous blast under the count rule with one report and no second chance
(everyone reads at once and is annoyed, no replies, no shares), so the restriction risk is
1 - (1 - report_prob)^n for the sender's n contacts and depends on report_prob alone. Three
keys that cannot change it are uncertain too: share_prob (an annoyed reader never shares),
exposure_prob (nobody shares, so nobody sees a share) and unfollow_prob (a separate draw, after
the report). With common random numbers their indices must be exactly 0."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from helpers import outreach
from sim.analysis import sensitivity as S
from sim.cli import sensitivity as cli
from sim.config import compose
from sim.engine.scenario import build_scenario
from sim.report import folders

REPORT = "population.report_prob"
IRRELEVANT = ("population.share_prob", "population.exposure_prob", "population.unfollow_prob")
KEYS = f"{REPORT}: [0.0, 0.1]\n" + "".join(f"{k}: [0.0, 1.0]\n" for k in IRRELEVANT)
REPLICATES = 60
BLAST = [
    "network=erdos_renyi", "network.n=60", "network.mean_degree=20", "close_ties=5",
    "population=homogeneous", "platform=count", "platform.max_reports=1",
    "platform.restriction_hours=[]", "horizon_hours=2",
    "sensitivity.outputs=[restricted,suspended,supporters]",
    f"sensitivity.replicates={REPLICATES}", "sensitivity.workers=1",
    "output.progress=false",
]


@pytest.fixture(scope="module")
def keys_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("keys") / "keys.yaml"
    path.write_text(KEYS)
    return path


def blast(keys_file, *extra):
    return compose([*BLAST, f"uncertainty.file={keys_file}", *extra])


def index(table, output, parameter, name) -> pd.Series:
    row = table[(table.output == output) & (table.parameter == parameter) & (table["index"] == name)]
    assert len(row) == 1
    return row.iloc[0]


@pytest.fixture(scope="module")
def sobol(tmp_path_factory, keys_file):
    out = tmp_path_factory.mktemp("sobol")
    cfg = blast(keys_file, "sensitivity.method=sobol", "sensitivity.samples=64")
    return cfg, S.run(cfg, out, progress=False)


def test_sobol_finds_report_prob_alone(sobol):
    cfg, res = sobol
    t = res.table
    assert list(t.columns) == list(S.COLUMNS)
    assert set(t["index"]) == {"S1", "ST"} and set(t.method) == {"sobol"}
    for output in ("restricted", "suspended"):
        st = index(t, output, REPORT, "ST")
        assert st.ci_low <= 1.0 <= st.ci_high and st.value > 0.8, st
        s1 = index(t, output, REPORT, "S1")
        assert s1.ci_low <= 1.0 <= s1.ci_high, s1
        for key in IRRELEVANT:
            for name in ("S1", "ST"):
                row = index(t, output, key, name)
                assert abs(row.value) < 1e-12 and abs(row.ci_high) < 1e-12, row
    # an output that never moves (nobody shares): every index 0, not NaN
    assert (t[t.output == "supporters"][["value", "ci_low", "ci_high"]] == 0).all().all()
    # the files: table, figure (PNG and SVG), the points, and the info written last
    for name in (S.TABLE, "sensitivity.png", "sensitivity.svg", S.POINTS, S.INFO):
        assert (res.folder / name).is_file(), name
    assert not (res.folder / folders.MARKER).exists()


def test_each_points_risk_is_the_formula(sobol, keys_file):
    """The points themselves: the restriction risk at report_prob p is 1 - (1 - p)^n."""
    cfg, res = sobol
    scenario = build_scenario(cfg)
    n = int(scenario.network.degree()[scenario.network.sender])
    lines = (res.folder / S.POINTS).read_text().splitlines()[1:]
    points = [json.loads(line) for line in lines]
    assert len(points) == 64 * (4 + 2) == len({p["index"] for p in points})
    for p in points:
        risk = 1 - (1 - p["inputs"][REPORT]) ** n
        sd = np.sqrt(risk * (1 - risk) / REPLICATES)
        assert abs(p["outputs"]["restricted"] - risk) <= 4.5 * sd + 1 / REPLICATES, (p, risk)
        assert p["outputs"]["suspended"] == p["outputs"]["restricted"]


def test_morris_gives_the_irrelevant_keys_no_effect(tmp_path, keys_file):
    cfg = blast(keys_file, "sensitivity.method=morris", "sensitivity.samples=6")
    t = S.run(cfg, tmp_path, progress=False).table
    assert set(t["index"]) == {"mu_star", "sigma"}
    for output in ("restricted", "suspended"):
        assert index(t, output, REPORT, "mu_star").value > 0.2
        for key in IRRELEVANT:
            assert index(t, output, key, "mu_star").value == 0
            assert index(t, output, key, "sigma").value == 0


def test_sigma_and_mu_star_are_salibs(tmp_path, keys_file):
    """Our elementary effects (behind sigma's interval) agree with SALib's indices."""
    cfg = blast(keys_file, "sensitivity.method=morris", "sensitivity.samples=6")
    res = S.run(cfg, tmp_path, progress=False)
    dists = S.uncertainty.load(cfg)
    unit = S.design(cfg, dists)
    points = {json.loads(x)["index"]: json.loads(x)
              for x in (tmp_path / S.POINTS).read_text().splitlines()[1:]}
    y = np.array([points[i]["outputs"]["restricted"] for i in range(len(unit))])
    ee = S._elementary_effects(unit, y)
    for j, d in enumerate(dists):
        assert index(res.table, "restricted", d.key, "mu_star").value == pytest.approx(np.abs(ee[:, j]).mean())
        assert index(res.table, "restricted", d.key, "sigma").value == pytest.approx(ee[:, j].std(ddof=1))


# --------------------------------------------------------------------------- resume


def test_a_rerun_evaluates_no_point_twice(tmp_path, keys_file, monkeypatch):
    cfg = blast(keys_file, "sensitivity.method=morris", "sensitivity.samples=6")
    n_points = 6 * (4 + 1)
    calls = []
    real = S.evaluate
    monkeypatch.setattr(S, "evaluate", lambda *a, **k: calls.append(a[3]) or real(*a, **k))
    first = S.run(cfg, tmp_path, progress=False)
    assert sorted(calls) == list(range(n_points)) and first.evaluated == n_points
    # the final files deleted: a rerun rebuilds them from the points, simulating none
    for name in (S.TABLE, S.INFO, "sensitivity.png", "sensitivity.svg"):
        (tmp_path / name).unlink()
    calls.clear()
    again = S.run(cfg, tmp_path, progress=False)
    assert calls == [] and (again.evaluated, again.reused) == (0, n_points)
    pd.testing.assert_frame_equal(again.table, first.table)
    # killed mid-way: half the points and half a line; the rest run (on two processes) once
    lines = (tmp_path / S.POINTS).read_text().splitlines()
    kept = lines[:1 + n_points // 2]
    (tmp_path / S.POINTS).write_text("\n".join(kept) + "\n" + lines[-1][:25])
    (tmp_path / S.INFO).unlink()
    (tmp_path / folders.MARKER).write_text("this run has not finished\n")
    done_before = {json.loads(x)["index"] for x in kept[1:]}
    resumed = S.run(blast(keys_file, "sensitivity.method=morris", "sensitivity.samples=6",
                          "sensitivity.workers=2"), tmp_path, progress=False)
    assert (resumed.evaluated, resumed.reused) == (n_points - len(done_before), len(done_before))
    indices = [json.loads(x)["index"] for x in (tmp_path / S.POINTS).read_text().splitlines()[1:]]
    assert sorted(indices) == list(range(n_points))  # each point once, the cut line gone
    pd.testing.assert_frame_equal(resumed.table, first.table)
    assert not (tmp_path / folders.MARKER).exists()


def test_a_different_config_in_the_same_folder_is_refused(tmp_path, keys_file, capsys):
    args = [*BLAST, f"uncertainty.file={keys_file}", "sensitivity.samples=2", "--out", str(tmp_path)]
    assert cli.main(args) == 0
    capsys.readouterr()
    assert cli.main([*args, "sensitivity.replicates=7"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"outreach sensitivity: error: {tmp_path}: holds the points of another "
                   f"sensitivity run (config.sensitivity.replicates was {REPLICATES}, now 7); use "
                   f"another --out, or delete {S.POINTS} there to start again")
    # another distribution for a key: named by its place in the list
    other = tmp_path.parent / "other_keys.yaml"
    other.write_text(KEYS.replace("[0.0, 0.1]", "[0.0, 0.2]"))
    assert cli.main([*args, f"uncertainty.file={other}"]) == 2
    assert "(dists[0].params.high was 0.1, now 0.2)" in capsys.readouterr().err
    # changing only what is analysed reuses every point
    assert cli.main([*args, "sensitivity.outputs=[reach]", "sensitivity.workers=3"]) == 0
    assert "0 points simulated, 10 reused" in capsys.readouterr().out


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("override, message", [
    ("sensitivity.outputs=[restricted,nope]", "sensitivity.outputs='nope': expected one of reach, "),
    ("sensitivity.outputs=[restriction_hour]", "sensitivity.outputs='restriction_hour': expected one of"),
    ("sensitivity.method=anova", "sensitivity.method='anova': expected one of morris, sobol"),
    ("sensitivity.samples=100", "sensitivity.samples=100: expected a power of 2 with "
                                "sensitivity.method=sobol"),
    ("uncertainty=none", "nothing is uncertain: set uncertainty=default or uncertainty.file=PATH"),
    ("sensitivity.nope=1", "Could not override 'sensitivity.nope'."),
])
def test_bad_input_is_one_line(tmp_path, capsys, override, message):
    extra = ["sensitivity.method=sobol"] if "samples" in override else []
    assert cli.main([*BLAST, *extra, override, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"outreach sensitivity: error: {message}"), err


def test_the_command_exits_2_on_an_unknown_output(tmp_path):
    p = outreach("sensitivity", "sensitivity.outputs=[reach,nope]", "--out", tmp_path / "s",
                 cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert p.stderr.splitlines() == [
        "outreach sensitivity: error: sensitivity.outputs='nope': expected one of "
        + ", ".join(S.STORED)]
    assert not (tmp_path / "s").exists()  # nothing was started
