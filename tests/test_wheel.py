"""The package as a user installs it: a wheel built from the checkout carries the configs and
every module, and once installed in a fresh virtual environment its `outreach` command runs a
scenario, a sweep, `outreach compare` and `outreach experiment --list` from an empty folder.

No network is needed: the wheel is built without build isolation (setuptools and wheel come
with the test extra) from a copy of the checkout, so no build/ or *.egg-info lands in the
source tree; it is installed without dependencies into a new venv by that venv's own
interpreter (``pip --python``), and a .pth file in the new venv puts the outer venv's
site-packages on its path for the dependencies only. A directory named by a .pth line is not
itself a site directory, so the outer venv's .pth files (among them the editable install of
``sim``) are not processed there: ``sim`` comes from the wheel, which a test checks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What a build or a run leaves in a tree; none of it is copied into the build folder.
JUNK = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis",
        ".pytest_cache", "outputs", "multirun")
SMALL = ["network=erdos_renyi", "network.n=200", "network.mean_degree=6", "replicates=8",
         "horizon_hours=48", "output.progress=false"]
TIMEOUT = 300


def run(cmd, **kwargs):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=TIMEOUT, **kwargs)


def build_junk() -> dict[str, int]:
    """The build products in the checkout, by name, with their modification times."""
    return {p.name: p.stat().st_mtime_ns for p in ROOT.iterdir()
            if p.name in ("build", "dist") or p.name.endswith(".egg-info")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built by pip from a copy of the checkout, offline."""
    tmp = tmp_path_factory.mktemp("wheel")
    src, out = tmp / "src", tmp / "dist"
    before = build_junk()
    shutil.copytree(ROOT, src, symlinks=True, ignore=shutil.ignore_patterns(*JUNK))
    res = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
               "--no-index", "--no-cache-dir", "--disable-pip-version-check", "-w", out, src])
    assert res.returncode == 0, res.stdout + res.stderr
    assert build_junk() == before, "building the wheel wrote build products into the checkout"
    (whl,) = out.glob("outreach_sim-*.whl")
    return whl


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed (no dependencies, no index) and the outer venv's
    site-packages on its path for the dependencies; returns the venv's folder."""
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(env_dir)
    python = env_dir / "bin" / "python"
    # pip runs under the new venv's interpreter (--python): a real install into that venv,
    # its console scripts pointing at that interpreter; before the .pth below exists, so the
    # outer venv's editable outreach-sim cannot count as "already installed"
    res = run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
               "--no-index", "--no-cache-dir", "--disable-pip-version-check", wheel])
    assert res.returncode == 0, res.stdout + res.stderr
    res = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    assert res.returncode == 0, res.stderr
    site = Path(res.stdout.strip())
    assert site.is_dir() and site.resolve().is_relative_to(env_dir.resolve()), site
    outer = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "_outer_dependencies.pth").write_text("".join(f"{p}\n" for p in outer))
    return env_dir


@pytest.fixture(scope="module")
def clean_env(installed) -> dict[str, str]:
    """The environment of a user of the new venv: nothing pointing into the checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")}
    env["PYTHONNOUSERSITE"] = "1"
    env["PATH"] = os.pathsep.join([str(installed / "bin"), env.get("PATH", "")])
    env["VIRTUAL_ENV"] = str(installed)
    return env


def test_wheel_carries_the_configs_and_every_module(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "sim/configs/config.yaml" in names
    assert "sim/configs/hydra/help/outreach.yaml" in names
    yamls = sorted((ROOT / "configs").rglob("*.yaml"))
    assert any(p.parent.name == "strategy" for p in yamls)  # the groups are there to check
    missing = [f"sim/configs/{p.relative_to(ROOT / 'configs').as_posix()}" for p in yamls]
    missing = [name for name in missing if name not in names]
    assert not missing, f"configs left out of the wheel: {missing}"
    modules = [f"sim/{p.relative_to(ROOT / 'sim').as_posix()}"
               for p in sorted((ROOT / "sim").rglob("*.py"))]
    missing = [name for name in modules if name not in names]
    assert not missing, ("modules left out of the wheel (a package missing from "
                         f"[tool.setuptools] packages in pyproject.toml?): {missing}")
    stray = sorted(n for n in names if not n.startswith(("sim/", "outreach_sim-")))
    assert not stray, f"files outside the package in the wheel: {stray}"
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "outreach = sim.cli.main:main" in text


def test_installed_package_is_the_wheel_not_the_checkout(installed, clean_env, tmp_path):
    code = ("import json, sys, sim, sim.config; print(json.dumps({'file': sim.__file__, "
            "'configs': sim.config.CONFIG_DIR, 'editable': [m for m in sys.modules "
            "if m.startswith('__editable__')]}))")
    res = run([installed / "bin" / "python", "-c", code], cwd=tmp_path, env=clean_env)
    assert res.returncode == 0, res.stderr
    seen = json.loads(res.stdout)
    assert Path(seen["file"]).resolve().is_relative_to(installed.resolve()), seen
    assert Path(seen["configs"]).resolve().is_relative_to(installed.resolve()), seen
    assert seen["editable"] == [], seen


def test_installed_wheel_runs_from_an_empty_folder(installed, clean_env, tmp_path):
    cwd = tmp_path / "empty"
    cwd.mkdir()
    assert not cwd.resolve().is_relative_to(ROOT.resolve())
    outreach = installed / "bin" / "outreach"
    assert outreach.is_file() and (installed / "bin" / "outreach-compare").is_file()

    def call(*args):
        res = run([outreach, *args], cwd=cwd, env=clean_env)
        assert res.returncode == 0, f"outreach {' '.join(args)}:\n{res.stdout}\n{res.stderr}"
        return res

    call(*SMALL, "hydra.run.dir=run")
    assert (cwd / "run" / "summary.json").is_file()
    assert not (cwd / "run" / "INCOMPLETE").exists()

    call("-m", "strategy=generic_blast,staggered", *SMALL, "hydra.sweep.dir=sweep",
         "hydra/launcher=basic")
    assert (cwd / "sweep" / "sweep.parquet").is_file()

    call("compare", "sweep", "--out", "cmp")
    assert (cwd / "cmp" / "comparison.md").is_file()

    assert "flat_army" in call("experiment", "--list").stdout

    # the help text: configs/hydra/help/outreach.yaml, its option lists read from the install
    text = call("--help").stdout
    assert "outreach: simulate" in text and "generic_blast" in text and "erdos_renyi" in text
