"""The calibration table (sim/config/calibration.py): every numeric knob of the default
population, of each built-in platform rule and of the ego network has an entry saying where its
default comes from; the ranges hold the defaults and are valid configs; the keys are spelled as a
user types them; docs/MODEL.md carries the generated table."""

from __future__ import annotations

import ast
import dataclasses

import pytest
from omegaconf import OmegaConf

from conftest import ROOT
from sim.config import calibration, compose, validate
from sim.config.calibration import ASSUMPTION, CALIBRATED, LINEAR, LOG, STATUSES, Entry
from sim.config.schema import SCHEMAS, DefaultPopulationConfig, EgoNetworkConfig

RULES = tuple(SCHEMAS["platform"])
START = "<!-- calibration table: generated from sim/config/calibration.py -->\n"
END = "<!-- end of calibration table -->"


def numeric_keys(node, prefix: str) -> set[str]:
    """Every numeric leaf of a schema instance, keyed as a user types it (a list by element)."""
    if dataclasses.is_dataclass(node):
        items = [(f".{f.name}", getattr(node, f.name)) for f in dataclasses.fields(node)]
    elif isinstance(node, dict):
        items = [(f".{k}", v) for k, v in node.items()]
    elif isinstance(node, list):
        items = [(f"[{i}]", v) for i, v in enumerate(node)]
    else:
        is_number = isinstance(node, (int, float)) and not isinstance(node, bool)
        return {prefix} if is_number else set()
    return set().union(*(numeric_keys(v, prefix + k) for k, v in items))


def missing_message(missing) -> str:
    return (f"no calibration entry for {', '.join(missing)}: add its source (or our assumption "
            "and a plausible range) to sim/config/calibration.py and paste markdown_table() "
            "into docs/MODEL.md")


def test_model_md_carries_the_table():
    doc = (ROOT / "docs" / "MODEL.md").read_text()
    assert doc.count(START) == 1 and doc.count(END) == 1
    pasted = doc[doc.index(START) + len(START):doc.index(END)]
    assert pasted == calibration.markdown_table(), (
        "docs/MODEL.md's calibration table differs from sim/config/calibration.py: paste "
        "calibration.markdown_table() between its markers")
    # right after the populations, which link to it
    assert doc.index("## Populations") < doc.index("## Calibration table") < doc.index("## Networks")
    assert "(#calibration-table)" in doc


def test_every_knob_of_the_default_population_has_an_entry():
    keys = numeric_keys(DefaultPopulationConfig(), "population")
    assert {"population.tie_strength.a", "population.read_delay.sigma"} <= keys
    missing = sorted(keys - {r.key for r in calibration.entries()})
    assert not missing, missing_message(missing)


@pytest.mark.parametrize("rule", RULES)
def test_every_key_of_each_platform_rule_has_an_entry(rule):
    keys = numeric_keys(SCHEMAS["platform"][rule](), "platform")
    rows = [r for r in calibration.entries(rule) if r.key.startswith("platform.")]
    missing = sorted(keys - {r.key for r in rows})
    assert not missing, missing_message(f"{k} (platform={rule})" for k in missing)
    # one entry per key under a rule, with that rule's own default
    assert len({r.key for r in rows}) == len(rows)
    for r in rows:
        assert r.default == calibration.schema_default(r.key, rule), r.key


def test_every_knob_of_the_ego_network_has_an_entry():
    keys = numeric_keys(EgoNetworkConfig(), "network")
    assert {"network.outside_within_degree", "network.outside_degree_sigma"} <= keys
    missing = sorted(keys - {r.key for r in calibration.entries()})
    assert not missing, missing_message(missing)


def test_the_same_key_in_two_rules_is_told_apart():
    count = {r.key: r for r in calibration.entries("count")}
    response = {r.key: r for r in calibration.entries("response_rate")}
    assert count["platform.window_hours"].default == 24
    assert response["platform.window_hours"].default == 336
    assert count["platform.restriction_hours[0]"].rule is None
    assert response["platform.restriction_hours[0]"].rule == "response_rate"
    assert response["platform.restriction_hours[0]"].default == 336
    assert "platform.restriction_hours[1]" not in response  # its ladder has one rung
    assert "platform.max_reports" not in response and "platform.max_rate" not in count


def test_statuses_sources_and_ranges():
    seen = set()
    for r in calibration.entries():
        where = f"{r.key} ({r.rule or 'every rule'})"
        assert (r.key, r.rule) not in seen, f"{where}: two entries"
        seen.add((r.key, r.rule))
        assert r.status in STATUSES, where
        assert r.source.strip() and r.source.endswith("."), f"{where}: a sentence of source"
        assert all("|" not in text for text in (r.source, r.why, r.unit)), where
        assert r.scale in (LINEAR, LOG), where
        if r.status in (ASSUMPTION, CALIBRATED):
            assert r.low is not None and r.high is not None, f"{where}: needs a plausible range"
        assert (r.low is None) == (r.high is None), where
        if r.low is None:
            assert not r.why, where
            continue
        assert r.low < r.high, where
        assert r.low <= r.default <= r.high, f"{where}: default {r.default} outside its range"
        assert r.why, f"{where}: the reason for the range"
        if r.scale == LOG:
            assert r.low > 0, f"{where}: a log scale needs low > 0"
        if r.integer:
            assert isinstance(r.low, int) and isinstance(r.high, int), f"{where}: whole numbers"


@pytest.mark.parametrize("rule", RULES)
def test_each_key_resolves_in_a_composed_config(rule):
    """Keys are spelled as users type them: each names its value in `outreach platform=<rule>`'s
    config, and the value composed is the schema's default."""
    cfg = compose([f"platform={rule}"])
    for r in calibration.entries(rule):
        value = OmegaConf.select(cfg, r.key, default=KeyError)
        assert value is not KeyError, f"{r.key}: not a key of the composed config"
        assert value == r.default, r.key


def test_every_row_of_the_table_holds_under_some_rule():
    under_a_rule = {(r.key, r.rule) for rule in RULES for r in calibration.entries(rule)}
    assert {(r.key, r.rule) for r in calibration.entries()} <= under_a_rule


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("end", ["low", "high"])
def test_the_ends_of_the_ranges_are_valid_configs(rule, end):
    """All the ranges at their low (or high) ends at once pass the config's checks: a draw
    from them never breaks a constraint between keys (base + gain at most 1)."""
    cfg = compose([f"platform={rule}"])
    for r in calibration.ranges(rule).values():
        OmegaConf.update(cfg, r.key, getattr(r, end))
    validate(cfg)


def test_an_entry_for_a_key_the_schema_lacks_is_an_error(monkeypatch):
    extra = Entry("population.no_such_knob", ASSUMPTION, "Our assumption.", 0.0, 1.0, "any")
    monkeypatch.setattr(calibration, "ENTRIES", (*calibration.ENTRIES, extra))
    with pytest.raises(KeyError, match="population.no_such_knob"):
        calibration.entries()


def test_the_module_is_a_leaf_reading_the_schema_only():
    tree = ast.parse((ROOT / "sim" / "config" / "calibration.py").read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert {m for m in imported if m.split(".")[0] == "sim"} == {"sim.config.schema"}
