"""The package's layout as docs/ARCHITECTURE.md draws it, checked from the source's own imports
(read with ast, nothing imported): data flows one way, config -> network -> rules -> engine ->
report and the Mesa view -> analysis -> cli and app; no module reaches back up the chain, there are no
import cycles, no private name crosses a module boundary, and no module is named after one of
the standard library's."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from conftest import ROOT

SIM = ROOT / "sim"
# Each part of the package and its place in the chain: a module may import from its own part
# and from parts with a lower number, never from a higher one.
LAYERS = {
    "sim": 0, "sim.errors": 0, "sim.units": 0, "sim.metrics": 0,
    "sim.config": 1,
    "sim.network": 2,
    "sim.rules": 3,
    "sim.engine": 4,
    "sim.model": 5, "sim.report": 5,
    "sim.analysis": 6,
    "sim.cli": 7,
    "sim.app": 8,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def part(module: str) -> str:
    """The LAYERS entry a module belongs to: the longest prefix listed."""
    pieces = module.split(".")
    for n in range(len(pieces), 0, -1):
        if ".".join(pieces[:n]) in LAYERS:
            return ".".join(pieces[:n])
    raise AssertionError(f"{module}: not in any part of LAYERS (add it to the chain)")


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import of a sim module,
    at any depth (imports inside functions count too)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.split(".")[0] == "sim"]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: relative import (use sim.<part>...)"
            if node.module and node.module.split(".")[0] == "sim":
                out.append((node.module, [a.name for a in node.names], node.lineno))
    return out


def resolve(module: str, name: str) -> str:
    """``from sim.report import summary`` imports the module sim.report.summary."""
    return f"{module}.{name}" if f"{module}.{name}" in MODULES else module


def graph() -> dict[str, set[str]]:
    g = {m: set() for m in MODULES}
    for m, path in MODULES.items():
        for target, names, _ in imports(path):
            for t in ([resolve(target, n) for n in names] or [target]):
                if t in MODULES and t != m:
                    g[m].add(t)
    return g


def test_every_module_is_in_the_chain():
    for m in MODULES:
        part(m)


def test_no_module_reaches_back_up_the_chain():
    bad = []
    for m, path in MODULES.items():
        for target, names, line in imports(path):
            for t in ([resolve(target, n) for n in names] or [target]):
                if LAYERS[part(t)] > LAYERS[part(m)]:
                    bad.append(f"{path.relative_to(ROOT)}:{line}: {part(m)} imports {t}")
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    g = graph()
    state, stack, cycles = {}, [], []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for t in sorted(g[m]):
            if state.get(t) == "open":
                cycles.append(" -> ".join(stack[stack.index(t):] + [t]))
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = "done"

    for m in sorted(g):
        if m not in state:
            visit(m)
    assert not cycles, "\n".join(cycles)


def test_no_private_name_crosses_a_module():
    bad = []
    for m, path in MODULES.items():
        for target, names, line in imports(path):
            bad += [f"{path.relative_to(ROOT)}:{line}: from {target} import {n}"
                    for n in names if n.startswith("_") and n != "__version__"]
    assert not bad, "\n".join(bad)


def test_no_hydra_internals():
    bad = [f"{p.relative_to(ROOT)}" for p in MODULES.values() if "hydra._internal" in p.read_text()]
    assert not bad


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_named_after_the_standard_library(module):
    assert module.rsplit(".", 1)[-1] not in sys.stdlib_module_names, module


def test_the_check_can_fail(tmp_path):
    """A module that reaches back up (the engine importing the CLI) is caught."""
    bad = tmp_path / "engine_bad.py"
    bad.write_text("from sim.cli.main import main\n")
    (target, names, _), = imports(bad)
    assert LAYERS[part(resolve(target, names[0]))] > LAYERS[part("sim.engine.engine")]
