"""Plain helpers shared by the test files (pytest fixtures, and the helpers that build and run
scenarios in-process, are in conftest.py; independent implementations are in oracles/).

* ``outreach`` / ``start_outreach``: the `outreach` command in a subprocess, as a user runs it;
* ``run_sweep``, ``SWEEP_SMALL``, ``SWEEP_GRID``: a small sweep through that command;
* ``data_path``: a real SNAP file, or a skip when the data folder lacks it.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.engine.scenario import Scenario
from sim.network.graph import from_edges
from sim.network.shared_data import ENV_VAR, data_dir, data_file
from sim.rules.platform_rules import Enforcement, NoRule
from sim.rules.population import Population, ReadDelay

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent

# `python -m sim.cli.main` is the `outreach` console script without depending on where pip put
# it (tests/test_wheel.py checks the installed script itself).
COMMAND = (sys.executable, "-m", "sim.cli.main")


# --------------------------------------------------------------------------- the command


def outreach_env(env=None, hashseed=None) -> dict[str, str]:
    """The environment of an `outreach` subprocess: this process's, as a user's shell has it,

    * without HYDRA_FULL_ERROR (set, Hydra would print a traceback where a user sees one line);
    * with tests/ first on PYTHONPATH, so ``+strategy._target_=custom_strategy.TwoWaves`` imports;
    * with PYTHONHASHSEED=hashseed when given (to show results do not depend on it);

    then ``env`` on top: each variable set to its value, or removed when the value is None."""
    out = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    out["PYTHONPATH"] = os.pathsep.join(p for p in (str(TESTS), os.environ.get("PYTHONPATH")) if p)
    if hashseed is not None:
        out["PYTHONHASHSEED"] = str(hashseed)
    for key, value in (env or {}).items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = str(value)
    return out


def outreach(*args, cwd=ROOT, env=None, timeout=120, hashseed=None) -> subprocess.CompletedProcess:
    """Run `outreach *args` in `cwd` and wait for it (output captured as text); ``env`` and
    ``hashseed`` as in outreach_env."""
    return subprocess.run([*COMMAND, *map(str, args)], cwd=cwd, env=outreach_env(env, hashseed),
                          capture_output=True, text=True, timeout=timeout)


def start_outreach(*args, cwd, env=None, hashseed=None) -> subprocess.Popen:
    """Start `outreach *args` in `cwd` without waiting (to kill or interrupt it): stdout
    discarded, stderr a text pipe."""
    return subprocess.Popen([*COMMAND, *map(str, args)], cwd=cwd, env=outreach_env(env, hashseed),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


# --------------------------------------------------------------------------- sweeps

# A scenario small enough for a sweep of a few jobs to take seconds.
SWEEP_SMALL = [
    "network=erdos_renyi", "network.n=300", "network.mean_degree=8", "replicates=12",
    "horizon_hours=96", "output.progress=false", "output.plot=false", "output.table=false",
]
# Two numeric parameters, two values each: four jobs.
SWEEP_GRID = ["strategy=staggered", "strategy.batch_size=2,120", "strategy.interval_hours=12,48"]


def run_sweep(tmp_path: Path, name: str, params, launcher) -> tuple[Path, subprocess.CompletedProcess]:
    """`outreach -m <params> <SWEEP_SMALL> <launcher>` into tmp_path/name (with Hydra's full
    errors, so that a job that breaks shows its traceback in the test's output)."""
    sweep_dir = tmp_path / name
    proc = outreach("-m", *params, *SWEEP_SMALL, f"hydra.sweep.dir={sweep_dir}", *launcher,
                    cwd=tmp_path, env={"HYDRA_FULL_ERROR": "1"})
    return sweep_dir, proc


# --------------------------------------------------------------------------- real data


def data_path(name: str) -> Path:
    """The real SNAP file `name` from the shared data folder; the test is skipped when the
    folder does not have it (the data is not part of the repository). Only the file's absence
    skips: a broken project import fails where this module is imported."""
    path = data_file(name)
    if not path.exists():
        pytest.skip(f"{name} not found in {data_dir()}: set {ENV_VAR} to the folder holding "
                    "the SNAP files (default <project root>/../shared/data)")
    return path


# --------------------------------------------------------------------------- exact cases

# The exact cases were worked with the first restriction permanent (a suspension); cases of
# temporary restrictions pass their own Enforcement.
PERMANENT = Enforcement(restriction_hours=())


def written_scenario(edges, n, senders, strategy, *, pairs, start_hours=(0,), exposure=None,
                     wom=None, close_ties=1, threshold=0.5, delay=0, half_life=168.0,
                     platform=None, enforcement=PERMANENT, horizon=60, fatigue=(0.0, 0.0, 168.0),
                     quality=(0.5, 0.5)) -> Scenario:
    """A scenario written out in full. senders: [(node, [its contacts, strongest first])];
    pairs: per-pair values in that order (sender by sender): "w" (tie strength), "generic"
    and "personal" (annoyance increments), "share" (generic and personal share chance, unless
    "share_personal" is given), "reply" (likewise, "reply_personal"), "read" (read chance,
    default 1; "read_personal" for notes), "goodwill", "report", "unfollow"; reads come after
    `delay` hours; everyone's threshold is `threshold`. exposure, wom: {node: value}, others 0.
    fatigue: (per_ask, annoyance_per_ask, half-life hours); quality: (generic, note). The
    platform rule (none by default) restricts by `enforcement` (by default the first
    restriction is permanent, as the exact cases of tests/test_engine_exact.py were worked)."""
    u, v = zip(*edges)
    net = from_edges(np.array(u), np.array(v), n, senders[0][0])
    contacts = [c for _, cs in senders for c in cs]
    p = len(contacts)
    offset = np.cumsum([0] + [len(cs) for _, cs in senders])
    rank = np.concatenate([np.arange(len(cs)) for _, cs in senders])

    def col(name, default):
        return np.asarray(pairs.get(name, [default] * p), dtype=float)

    def per_person(values):
        out = np.zeros(n)
        for node, x in (values or {}).items():
            out[node] = x
        return out

    pop = Population(
        n_agents=n, senders=np.array([s for s, _ in senders]), threshold_median=threshold,
        threshold_sigma=0.0, share_word_of_mouth=per_person(wom), exposure=per_person(exposure),
        pair_offset=offset, pair_sender=np.repeat(np.arange(len(senders)), np.diff(offset)),
        pair_contact=np.array(contacts), tie_strength=col("w", 0.0), close=rank < close_ties,
        read_prob=col("read", 1.0), annoyance_generic=col("generic", 0.0),
        annoyance_personal=col("personal", 0.0), share_generic=col("share", 0.0),
        share_personal=col("share_personal", None) if "share_personal" in pairs else col("share", 0.0),
        report_prob=col("report", 1.0),
        unfollow_prob=col("unfollow", 0.0), read_delay=ReadDelay("constant", float(delay)),
        read_prob_personal=col("read_personal", None) if "read_personal" in pairs else col("read", 1.0),
        reply_generic=col("reply", 0.0),
        reply_personal=col("reply_personal", None) if "reply_personal" in pairs else col("reply", 0.0),
        goodwill=col("goodwill", 0.0), fatigue_per_ask=fatigue[0],
        fatigue_annoyance_per_ask=fatigue[1], fatigue_half_life_hours=fatigue[2],
    )
    return Scenario(network=net, population=pop, strategy_factory=strategy,
                    platform=platform if platform is not None else NoRule(),
                    enforcement=enforcement, horizon_hours=horizon, half_life_hours=half_life,
                    start_hours=np.array(start_hours, dtype=float), quality=tuple(quality))


def check_metrics(m, expected):
    """Each expected value exactly (NaN for an event that never happened)."""
    for name, value in expected.items():
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(m[name]), (name, m[name])
        else:
            assert m[name] == pytest.approx(value, abs=1e-12), (name, m[name], value)
