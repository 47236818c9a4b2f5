"""Uncertainty as config: which keys nobody knows exactly, and a distribution for each.

The ``uncertainty`` block of a composed config (configs/uncertainty/, ``UncertaintyConfig``)
names them:

- ``uncertainty=none`` (the default): nothing is uncertain;
- ``uncertainty=default``: every entry of the calibration table (sim/config/calibration.py)
  with a plausible range, for the run's platform rule: uniform on a linear scale, loguniform on
  a log scale, rounded for whole-number keys. The table's network keys are the ego network's
  and its population keys the default population's: under another option they are left out;
- ``uncertainty.file=PATH``: a YAML mapping of config keys to distributions; with ``none`` they
  are the whole list, with ``default`` they replace the table's or add to them.

A distribution is written ``[low, high]`` (uniform) or ``{dist: NAME, ...}``::

    population.report_prob: [0.001, 0.05]
    population.unfollow_prob: {dist: loguniform, low: 0.02, high: 0.5}
    population.reply_prob_base: {dist: beta, a: 2, b: 60}               # on [0, 1]
    population.threshold_median: {dist: beta, a: 2, b: 2, low: 2.5, high: 10}
    network.outside_degree: {dist: normal, mean: 10, sd: 3, low: 3}     # truncated below 3
    platform.restriction_hours[0]: [12, 168]

Every key must name a number in the composed config, spelled as ``outreach`` takes it (a
list's element as ``key[i]``), and each distribution's ends (its support; an untruncated
normal's mean +- 4 sd) must pass the config's own checks (sim/config/validation.py) alone and
all together: a probability stays in [0, 1], base + gain stays at most 1. Anything else is a
``ConfigError`` of one line naming the source, the key and what was expected.

``as_overrides`` turns values into Hydra overrides (``key=value``), and ``apply`` sets them on
a composed config directly (the same config, faster); ``write`` and ``read`` keep a list of
distributions as a file that ``uncertainty.file=`` reads back (a posterior, for instance).
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np
import yaml
from omegaconf import DictConfig, ListConfig, OmegaConf
from scipy import stats

from sim.config import calibration
from sim.config.schema import SCHEMAS
from sim.config.validation import validate
from sim.errors import ConfigError

DISTS = ("uniform", "loguniform", "beta", "normal")
# each distribution's parameters: required, then optional
PARAMS = {
    "uniform": (("low", "high"), ()),
    "loguniform": (("low", "high"), ()),
    "beta": (("a", "b"), ("low", "high")),
    "normal": (("mean", "sd"), ("low", "high")),
}
# The options the calibration table's population and network keys describe: ``default``
# leaves those keys out under another option (``population=homogeneous`` shares some names).
TABLE_OPTIONS = {"population": "default", "network": "ego"}
NORMAL_SDS = 4.0  # an untruncated normal's bounds(): mean +- this many sd
_ELEMENT = re.compile(r"(.+)\[(\d+)\]")  # platform.restriction_hours[0]
_ABSENT = object()


@dataclass(frozen=True)
class Dist:
    """One uncertain config key and its distribution."""

    key: str  # config key as typed, e.g. "population.report_prob"
    dist: str  # uniform | loguniform | beta | normal
    params: dict  # as in the YAML
    integer: bool = False  # a whole-number key: ppf and sample round to the nearest integer
    # A list element (key[i]): the whole list in the config it was read against, so that an
    # override can set the whole list (the other elements keep these values).
    whole: Optional[tuple] = field(default=None, compare=False, repr=False)

    def _frozen(self):
        p = self.params
        if self.dist == "uniform":
            return stats.uniform(loc=p["low"], scale=p["high"] - p["low"])
        if self.dist == "loguniform":
            return stats.loguniform(p["low"], p["high"])
        if self.dist == "beta":
            low, high = self.bounds()
            return stats.beta(p["a"], p["b"], loc=low, scale=high - low)
        mean, sd = p["mean"], p["sd"]
        if p.get("low") is None and p.get("high") is None:
            return stats.norm(loc=mean, scale=sd)
        low = -math.inf if p.get("low") is None else p["low"]
        high = math.inf if p.get("high") is None else p["high"]
        return stats.truncnorm((low - mean) / sd, (high - mean) / sd, loc=mean, scale=sd)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Unit uniforms -> values (the inverse CDF); rounded for a whole-number key."""
        x = self._frozen().ppf(np.asarray(u, dtype=float))
        return np.rint(x) if self.integer else x

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """The log density of the continuous distribution (before any rounding)."""
        return self._frozen().logpdf(np.asarray(x, dtype=float))

    def bounds(self) -> tuple[float, float]:
        """The finite support: low and high (a beta's rescaling, 0 and 1 by default; a normal's
        truncation, or mean -+ 4 sd where it has none)."""
        p = self.params
        if self.dist in ("uniform", "loguniform"):
            return float(p["low"]), float(p["high"])
        if self.dist == "beta":
            low, high = p.get("low"), p.get("high")
            return float(0.0 if low is None else low), float(1.0 if high is None else high)
        low = p["mean"] - NORMAL_SDS * p["sd"] if p.get("low") is None else p["low"]
        high = p["mean"] + NORMAL_SDS * p["sd"] if p.get("high") is None else p["high"]
        return float(low), float(high)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.ppf(rng.random(n))

    def describe(self) -> str:
        """``loguniform(low=0.001, high=0.05)``: the distribution in one short phrase."""
        args = ", ".join(f"{k}={_text(v)}" for k, v in self.params.items())
        return f"{self.dist}({args})"


# --------------------------------------------------------------------------- reading


def load(cfg) -> list[Dist]:
    """The uncertain keys of a composed config: its ``uncertainty`` block (and, for
    ``default``, its platform rule); [] for ``none``. ConfigError on a bad file or range."""
    block = cfg.get("uncertainty") if hasattr(cfg, "get") else None
    if block is None:
        return []
    kind = block.get("kind", "none")
    if kind not in ("none", "default"):
        raise ConfigError(f"uncertainty.kind={kind!r}: expected one of none, default")
    dists: dict[str, Dist] = {}
    source = f"uncertainty={kind}"
    if kind == "default":
        dists = {d.key: d for d in default(cfg)}
    path = block.get("file")
    if path:
        file_source = f"uncertainty.file={path}"
        for d in parse(_read_yaml(path, file_source), file_source, cfg):
            dists[d.key] = d
        source = file_source if kind == "none" else f"{source} with {file_source}"
    out = list(dists.values())
    _check_together(out, source, cfg)
    return out


def default(cfg) -> list[Dist]:
    """``uncertainty=default``: the calibration table's ranges for the config's platform rule
    (a rule of the user's own: the ranges every rule shares), those keys the config has."""
    rule = cfg.platform.get("rule")
    rows = calibration.ranges(rule if rule in SCHEMAS["platform"] else "none")
    out = []
    for row in rows.values():
        group = row.key.split(".")[0]
        if group in TABLE_OPTIONS and cfg[group].get("kind") != TABLE_OPTIONS[group]:
            continue  # the table's ranges are for the default population and the ego network
        value = OmegaConf.select(cfg, row.key, default=_ABSENT, throw_on_missing=False)
        if value is _ABSENT or not _is_number(value):
            continue
        dist = "loguniform" if row.scale == calibration.LOG else "uniform"
        out.append(Dist(row.key, dist, {"low": row.low, "high": row.high}, bool(row.integer),
                        whole=_whole(cfg, row.key)))
    return out


def parse(mapping: dict, source: str, cfg) -> list[Dist]:
    """The distributions of a mapping as in a YAML file (key -> [low, high] or
    {dist: ..., ...}), checked against the composed config ``cfg``: every key names a
    number there and every range passes its checks. ``source`` names the mapping in errors
    (``uncertainty.file=my.yaml``)."""
    if not isinstance(mapping, dict):
        raise ConfigError(f"{source}: expected a mapping of config keys to distributions, "
                          f"got {type(mapping).__name__}")
    out = []
    for key, spec in mapping.items():
        value = OmegaConf.select(cfg, str(key), default=_ABSENT, throw_on_missing=False) \
            if isinstance(key, str) and _is_key(key) else _ABSENT
        if value is _ABSENT:
            raise ConfigError(f"{source}: {key}: not a key of the config{_near(key, cfg)}")
        if not _is_number(value):
            raise ConfigError(f"{source}: {key}: expected a key with a number, its value is "
                              f"{_text(value)}")
        d = _dist(key, spec, source, integer=isinstance(value, int))
        out.append(Dist(d.key, d.dist, d.params, d.integer, whole=_whole(cfg, key)))
    _check_together(out, source, cfg, alone=True)
    return out


def read(path, cfg=None) -> list[Dist]:
    """A file written by ``write`` (or by hand, in the same shape). With a composed config the
    keys and ranges are checked against it as ``uncertainty.file=`` would; without one, only
    the distributions themselves."""
    source = str(path)
    mapping = _read_yaml(path, source)
    if cfg is not None:
        return parse(mapping, source, cfg)
    if not isinstance(mapping, dict):
        raise ConfigError(f"{source}: expected a mapping of config keys to distributions, "
                          f"got {type(mapping).__name__}")
    return [_dist(str(k), spec, source, integer=False) for k, spec in mapping.items()]


def write(path, dists: list[Dist]) -> None:
    """The YAML form, one key a line: what ``uncertainty.file=PATH`` and ``read`` take.
    Written under a temporary name and renamed into place."""
    lines = ["# Uncertain config keys and their distributions: outreach uncertainty.file=THIS_FILE",
             "# (docs/MODEL.md, Uncertainty)."]
    for d in dists:
        spec = {"dist": d.dist, **{k: _plain(v) for k, v in d.params.items()}}
        if d.integer:
            spec["integer"] = True
        lines.append(yaml.safe_dump({d.key: spec}, default_flow_style=None, sort_keys=False,
                                    width=10_000).strip())
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(path)


# --------------------------------------------------------------------------- values -> configs


def as_overrides(dists: list[Dist], values: np.ndarray) -> list[list[str]]:
    """(n, k) values -> n lists of Hydra overrides ``key=value`` (whole-number keys as ints).
    List elements (``platform.restriction_hours[0]``) become one override of the whole list,
    the other elements at the values of the config the distributions were read against
    (without that config, ``read`` without one: Hydra's element form ``key.0=value``)."""
    values = np.atleast_2d(np.asarray(values, dtype=float))
    if values.shape[1] != len(dists):
        raise ValueError(f"values have {values.shape[1]} columns for {len(dists)} keys")
    out = []
    for row in values:
        overrides: list[str] = []
        lists: dict[str, tuple[int, list]] = {}  # list key -> (its place in overrides, values)
        for d, v in zip(dists, row):
            value = _value(d, v)
            element = _ELEMENT.fullmatch(d.key)
            if element is None:
                overrides.append(f"{d.key}={_override_text(value)}")
                continue
            base, i = element.group(1), int(element.group(2))
            if d.whole is None:
                overrides.append(f"{base}.{i}={_override_text(value)}")
                continue
            if base not in lists:
                lists[base] = (len(overrides), list(d.whole))
                overrides.append("")
            lists[base][1][i] = value
        for base, (place, whole) in lists.items():
            overrides[place] = f"{base}=[{','.join(_override_text(x) for x in whole)}]"
        out.append(overrides)
    return out


def apply(cfg, dists: list[Dist], values) -> DictConfig:
    """A copy of the composed config with one point's values set: the config that composing
    with ``as_overrides`` gives, without composing again."""
    out = copy.deepcopy(cfg)
    for d, v in zip(dists, np.asarray(values, dtype=float).ravel()):
        OmegaConf.update(out, d.key, _value(d, v), merge=False)
    return out


# --------------------------------------------------------------------------- checks


def _dist(key: str, spec: Any, source: str, integer: bool) -> Dist:
    """One entry's distribution, its parameters checked (not yet against the config)."""
    where = f"{source}: {key}"
    if isinstance(spec, list):
        if len(spec) != 2 or not all(_is_number(x) for x in spec):
            raise ConfigError(f"{where}: expected [low, high] (two numbers) or "
                              f"{{dist: {'|'.join(DISTS)}, ...}}, got {_text(spec)}")
        spec = {"dist": "uniform", "low": spec[0], "high": spec[1]}
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: expected [low, high] or {{dist: {'|'.join(DISTS)}, ...}}, "
                          f"got {_text(spec)}")
    spec = dict(spec)
    name = spec.pop("dist", None)
    if name not in DISTS:
        raise ConfigError(f"{where}: dist={_text(name)}: expected one of {', '.join(DISTS)}")
    flag = spec.pop("integer", None)
    if flag is not None and not isinstance(flag, bool):
        raise ConfigError(f"{where}: integer={_text(flag)}: expected true or false")
    required, optional = PARAMS[name]
    for p in spec:
        if p not in required + optional:
            raise ConfigError(f"{where}: unknown parameter {p!r}; {name} takes "
                              f"{', '.join(required + optional)}")
    for p in required:
        if p not in spec:
            raise ConfigError(f"{where}: {name} needs {', '.join(required)} (missing {p})")
    for p, v in spec.items():
        if not (_is_number(v) and math.isfinite(v)) and not (p in optional and v is None):
            raise ConfigError(f"{where}: {p}={_text(v)}: expected a finite number")
    low, high = spec.get("low"), spec.get("high")
    if name == "beta":
        for p in ("a", "b"):
            if spec[p] <= 0:
                raise ConfigError(f"{where}: {p}={_text(spec[p])}: expected a beta shape > 0")
        low = 0.0 if low is None else low
        high = 1.0 if high is None else high
    if name == "normal" and spec["sd"] <= 0:
        raise ConfigError(f"{where}: sd={_text(spec['sd'])}: expected a standard deviation > 0")
    if low is not None and high is not None and not low < high:
        raise ConfigError(f"{where}: low={_text(low)}, high={_text(high)}: expected low < high")
    if name == "loguniform" and low <= 0:
        raise ConfigError(f"{where}: low={_text(low)}: expected low > 0 for loguniform")
    return Dist(key, name, spec, integer=bool(integer or flag))


def _check_together(dists: list[Dist], source: str, cfg, alone: bool = False) -> None:
    """Each distribution's ends pass the config's checks (``alone``: one key at a time, the
    others at the config's values, so the message names the key), then all the low ends
    together and all the high ends together (constraints between keys, base + gain <= 1)."""
    if not dists:
        return
    validate(cfg)  # a config that fails on its own is not the distributions' fault
    if alone:
        for d in dists:
            for end, value in zip(("low", "high"), d.bounds()):
                _validate_at(cfg, [(d, value)], f"{source}: {d.key} ~ {d.describe()}: at its "
                                                f"{end} end")
    for i, end in enumerate(("low", "high")):
        _validate_at(cfg, [(d, d.bounds()[i]) for d in dists],
                     f"{source}: with every uncertain key at its {end} end")


def _validate_at(cfg, pairs, where: str) -> None:
    trial = copy.deepcopy(cfg)
    for d, value in pairs:
        OmegaConf.update(trial, d.key, _value(d, value), merge=False)
    try:
        validate(trial)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


# --------------------------------------------------------------------------- small helpers


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_key(key: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_]\w*|\[\d+\])*", key))


def _whole(cfg, key: str) -> Optional[tuple]:
    element = _ELEMENT.fullmatch(key)
    if element is None:
        return None
    node = OmegaConf.select(cfg, element.group(1), default=None)
    if isinstance(node, ListConfig):
        return tuple(OmegaConf.to_container(node, resolve=True))
    return None


def _value(d: Dist, v) -> int | float:
    return int(round(float(v))) if d.integer else float(v)


def _override_text(value) -> str:
    return str(int(value)) if isinstance(value, int) else repr(float(value))


def _plain(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


def _text(v) -> str:
    return f"{v:g}" if isinstance(v, float) else repr(v) if isinstance(v, str) else str(v)


def _leaves(node, prefix: str = "") -> list[str]:
    """Every numeric key of a config, spelled as a user types it."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _leaves(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _leaves(v, f"{prefix}[{i}]")
    elif _is_number(node):
        out.append(prefix)
    return out


def _near(key, cfg) -> str:
    element = _ELEMENT.fullmatch(str(key))
    if element is not None:
        whole = _whole(cfg, str(key))
        if whole is not None:
            return f" ({element.group(1)} has {len(whole)} element(s), [0] to [{len(whole) - 1}])"
    try:
        keys = _leaves(OmegaConf.to_container(cfg, resolve=True))
    except Exception:  # noqa: BLE001  (a hint only)
        return ""
    near = difflib.get_close_matches(str(key), keys, n=1, cutoff=0.75)
    return f" (did you mean {near[0]}?)" if near else " (keys as `outreach` takes them, e.g. " \
                                                      "population.report_prob)"


def _read_yaml(path, source: str) -> Any:
    p = Path(str(path)).expanduser()
    try:
        text = p.read_text()
    except FileNotFoundError:
        raise ConfigError(f"{source}: no such file (relative paths are from the working "
                          f"directory, {Path.cwd()})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: cannot read it ({getattr(exc, 'strerror', None) or exc})") \
            from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "a syntax error"
        raise ConfigError(f"{source}: not valid YAML{line} ({problem})") from None
    return {} if data is None else data
