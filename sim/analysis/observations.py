"""What senders saw, read and checked: the cases `outreach calibrate` fits the model to.

An observations file (or the ``observations`` config group, ``configs/observations/*.yaml``)
is a list of cases; each case is a mapping with

* ``name`` (optional): a label for the tables;
* ``overrides``: the case's scenario as ``outreach`` overrides (network, strategy, sizes, ...),
  applied after the command line's;
* ``observed``: metric name (sim/metrics.py's registry) -> the value the sender saw: a count
  as a number >= 0, a yes/no outcome (``restricted``, ``suspended``) as true or false, an
  hour (``restriction_hour``, ``suspension_hour``) as a number >= 0, or null for "never".

A mistake stops the command with one line naming the file, the case (counted from 1) and the
key. Checks between metrics: an hour implies its yes/no outcome (``restriction_hour: 30``
means ``restricted: true``; null means false), and a suspension is a restriction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from omegaconf import DictConfig, ListConfig, OmegaConf

from sim import metrics
from sim.errors import ConfigError

CASE_KEYS = ("name", "overrides", "observed")
# keys a case may not set: calibrate sets them itself, or they are not the scenario's
RESERVED = ("replicates", "replicate_seed", "calibrate", "observations", "uncertainty", "hydra")
# each hour metric and the yes/no outcome it implies (registry: RISKS)
HOUR_OF = {hour: risk for risk, (_, hour) in metrics.RISKS.items()}


@dataclass(frozen=True)
class Case:
    index: int  # from 0, in file order
    name: str
    overrides: tuple[str, ...]
    observed: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.name or f"case {self.index + 1}"

    def outcomes(self) -> dict[str, bool]:
        """The yes/no outcomes the case fixes (``restricted``, ``suspended``), including those
        implied by an observed hour."""
        out = {k: bool(v) for k, v in self.observed.items()
               if metrics.BY_NAME[k].kind == metrics.PROPORTION}
        for hour, risk in HOUR_OF.items():
            if hour in self.observed:
                out[risk] = self.observed[hour] is not None
        return out

    def counts(self) -> dict[str, float]:
        return {k: v for k, v in self.observed.items() if metrics.BY_NAME[k].kind == metrics.COUNT}

    def hours(self) -> dict[str, float]:
        """The observed hours of events that happened."""
        return {k: v for k, v in self.observed.items()
                if metrics.BY_NAME[k].kind == metrics.HOUR and v is not None}


@dataclass(frozen=True)
class Observations:
    source: str  # the file, or the config group option, for messages
    cases: tuple[Case, ...]


def source_of(obs_cfg) -> str:
    """Where a config's observations come from, as messages name it."""
    if obs_cfg.get("file"):
        return str(obs_cfg.file)
    name = obs_cfg.get("name", "none")
    return f"observations={name} (configs/observations/{name}.yaml)"


def load(cfg) -> Observations:
    """The observations of a composed config: ``observations.file`` when set, else the
    group's own ``cases``. ConfigError (one line) when there are none or one is wrong."""
    obs = cfg.observations
    if obs.get("file"):
        path = Path(str(obs.file))
        if not path.is_file():
            raise ConfigError(f"observations.file={obs.file}: "
                              + ("a folder, not a file" if path.is_dir() else "no such file"))
        try:
            data = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}: " if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ConfigError(f"{path}: not valid YAML ({where}{problem})") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot be read ({exc})") from None
        return parse(data, str(path))
    cases = obs.get("cases")
    if isinstance(cases, (DictConfig, ListConfig)):
        cases = OmegaConf.to_container(cases, resolve=True)
    if not cases:
        raise ConfigError("no observations: choose observations=NAME (configs/observations/: "
                          "story) or give observations.file=PATH")
    return parse(cases, source_of(obs))


def parse(data: Any, source: str) -> Observations:
    """Check a list of cases (or a mapping holding one under ``cases``)."""
    if isinstance(data, dict):  # a mapping holding the list (the config group's own format)
        extra = sorted(set(map(str, data)) - {"cases", "name", "defaults", "file"})
        if "cases" not in data or extra:
            raise ConfigError(f"{source}: expected a list of cases, or a mapping with cases:"
                              + (f" (unknown key {extra[0]!r})" if extra else ""))
        data = data["cases"]
    if data is None or data == []:
        raise ConfigError(f"{source}: no cases (expected a list of cases, each with overrides "
                          "and observed)")
    if not isinstance(data, list):
        raise ConfigError(f"{source}: expected a list of cases (or a mapping with cases:), "
                          f"got {type(data).__name__}")
    cases = tuple(_case(c, i, source) for i, c in enumerate(data))
    labels = [c.label for c in cases]
    for c in cases:
        if labels.count(c.label) > 1:
            raise ConfigError(f"{source}: case {c.index + 1}: name {c.label!r} is used twice "
                              "(the tables name each case by it)")
    return Observations(source=source, cases=cases)


def _case(raw: Any, i: int, source: str) -> Case:
    where = f"{source}: case {i + 1}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping with overrides and observed, got "
                          f"{type(raw).__name__}")
    name = raw.get("name")
    if name is not None:
        where += f" ({name})"
    unknown = [k for k in raw if k not in CASE_KEYS]
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (a case has only: "
                          f"{', '.join(CASE_KEYS)})")
    if name is not None and not isinstance(name, str):
        raise ConfigError(f"{where}: name={name!r}: expected text")
    overrides = raw.get("overrides") or []
    if not isinstance(overrides, list):
        raise ConfigError(f"{where}: overrides: expected a list of key=value overrides, got "
                          f"{overrides!r}")
    for o in overrides:
        if not isinstance(o, str) or "=" not in o:
            raise ConfigError(f"{where}: overrides: {o!r}: expected key=value")
        key = o.split("=", 1)[0].lstrip("+~")
        top = key.split(".", 1)[0].split("[", 1)[0]
        if top in RESERVED:
            raise ConfigError(f"{where}: overrides: {o}: {top} is set by outreach calibrate, "
                              "not by a case (use calibrate.* on the command line)")
    observed = raw.get("observed")
    if not isinstance(observed, dict) or not observed:
        raise ConfigError(f"{where}: observed: expected a mapping of metric -> value seen, e.g. "
                          "replies: 25")
    clean = {}
    for key, value in observed.items():
        clean[key] = _value(where, key, value)
    case = Case(index=i, name=name or "", overrides=tuple(overrides), observed=clean)
    _consistent(where, case)
    return case


def _value(where: str, key: Any, value: Any):
    if key not in metrics.BY_NAME:
        raise ConfigError(f"{where}: observed.{key}: unknown metric; valid: "
                          f"{', '.join(metrics.BY_NAME)}")
    kind = metrics.BY_NAME[key].kind
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == metrics.PROPORTION:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: observed.{key}={value!r}: expected true or false "
                              f"(whether the sender was {key})")
        return value
    if kind == metrics.HOUR:
        if value is None:
            return None
        if not number or not 0 <= value < math.inf:
            raise ConfigError(f"{where}: observed.{key}={value!r}: expected an hour >= 0, or "
                              "null for never")
        return float(value)
    if not number or not 0 <= value < math.inf:
        raise ConfigError(f"{where}: observed.{key}={value!r}: expected a count >= 0 "
                          f"({metrics.BY_NAME[key].unit})")
    return value


def _consistent(where: str, case: Case) -> None:
    obs = case.observed
    for hour, risk in HOUR_OF.items():
        if hour in obs and risk in obs and (obs[hour] is not None) != obs[risk]:
            raise ConfigError(f"{where}: observed.{hour}={obs[hour]!r} contradicts "
                              f"observed.{risk}={obs[risk]!r}")
    out = case.outcomes()
    if out.get("suspended") is True and out.get("restricted") is False:
        raise ConfigError(f"{where}: observed: suspended but not restricted (a suspension is "
                          "a restriction: restricted is true whenever suspended is)")
