"""Fixtures, and the helpers that build and run scenarios in-process: composing configs,
building scenarios by hand, running either implementation (the engine or the per-agent
reference, tests/oracles/reference.py) the same way. Helpers that run the command line or find
data are in helpers.py."""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

from helpers import PERMANENT, ROOT  # noqa: F401  (several test files take ROOT from here)
from oracles.reference import run_reference_scenario
from sim.config import compose
from sim.config.schema import HomogeneousPopulationConfig
from sim.engine.engine import Engine, Scenario
from sim.network import from_edges
from sim.rules.platform_rules import NoRule
from sim.rules.population import build_population


def make_cfg(overrides=()):
    """A composed run config, as `outreach <overrides>` would see it."""
    return compose(overrides)


def homogeneous(**values):
    """A population=homogeneous config block with the given values (others at defaults)."""
    return OmegaConf.structured(HomogeneousPopulationConfig(**values))


def hand_scenario(edges, n, strategy, *, sender=0, population=None, platform=None,
                  enforcement=PERMANENT,
                  horizon_hours=200, half_life_hours=168.0, close_ties=0):
    """A scenario built from an explicit edge list, a homogeneous population and a strategy
    object factory: the set-up of the exact small cases."""
    u, v = zip(*edges)
    net = from_edges(np.array(u), np.array(v), n, sender)
    pop = build_population(population if population is not None else homogeneous(), net,
                           np.array([sender]), close_ties, np.random.default_rng(0))
    return Scenario(
        network=net, population=pop, strategy_factory=strategy,
        platform=platform if platform is not None else NoRule(), enforcement=enforcement,
        horizon_hours=int(horizon_hours), half_life_hours=float(half_life_hours),
        start_hours=np.zeros(1),
    )


def run_engine(scenario, replicates=1, seed=0) -> dict[str, np.ndarray]:
    return Engine(scenario, replicates, seed, record_series=False).run().metrics


def run_ref(scenario, replicates=1, seed=0) -> dict[str, np.ndarray]:
    return run_reference_scenario(scenario, replicates, np.random.default_rng(seed))


def at_end_of(impl, scenario, hour, replicates=2):
    """Metrics once hour `hour` has run: the same scenario with the horizon just after it
    (events at or after the horizon never happen). Every replicate must agree."""
    scenario.horizon_hours = hour + 1
    m = impl(scenario, replicates=replicates, seed=hour)
    out = {}
    for k, v in m.items():
        v = np.asarray(v, dtype=float)
        assert np.array_equal(v, np.full_like(v, v[0]), equal_nan=True), (k, v)
        out[k] = v[0]
    return out


IMPLEMENTATIONS = {"engine": run_engine, "reference": run_ref}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def impl(request):
    """Run a scenario with the engine, then again with the reference."""
    return IMPLEMENTATIONS[request.param]
