"""Everything the package asks of Hydra, in one place: where the config files are, the typed
schemas registered in Hydra's ConfigStore, the ``--help`` resolver, composing a config outside
a running app, and listing the jobs of a sweep. Only public Hydra API is used.

The YAML files live in the project's top-level ``configs/`` folder; a built wheel carries the
same folder inside the package as ``sim/configs`` (pyproject.toml maps it), so an installed
package runs from any folder.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

from sim.config.schema import SCHEMAS, ObservationsConfig, OutreachConfig, UncertaintyConfig
from sim.errors import ConfigError

_PACKAGE = Path(__file__).resolve().parent.parent


def _config_dir() -> Path:
    """``sim/configs`` in an installed wheel, else ``configs/`` beside the package (a source
    checkout or an editable install)."""
    for candidate in (_PACKAGE / "configs", _PACKAGE.parent / "configs"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise ConfigError(f"no config folder: neither {_PACKAGE / 'configs'} nor "
                      f"{_PACKAGE.parent / 'configs'} holds config.yaml (a broken install?)")


CONFIG_DIR = str(_config_dir())


def register_configs() -> None:
    """Store the schemas: ``<option>_schema`` in each group, ``outreach_schema`` at the root,
    and ``uncertainty_schema``, the one schema of the uncertainty group's options."""
    cs = ConfigStore.instance()
    cs.store(name="outreach_schema", node=OutreachConfig)
    cs.store(group="uncertainty", name="uncertainty_schema", node=UncertaintyConfig)
    for group, options in SCHEMAS.items():
        for name, node in options.items():
            cs.store(group=group, name=f"{name}_schema", node=node)
    cs.store(group="observations", name="observations_schema", node=ObservationsConfig)


def options(group: str) -> list[str]:
    """The options of a config group, as the command line knows them (its YAML files)."""
    return sorted(p.stem for p in (Path(CONFIG_DIR) / group).glob("*.yaml"))


def _options_text(group: str) -> str:
    return ", ".join(options(group))


register_configs()
OmegaConf.register_new_resolver("outreach_options", _options_text, replace=True)


def compose(overrides=()) -> Any:
    """The config a command line with these overrides would give, outside a Hydra app
    (tests, the Mesa model, the web app). Inside a running Hydra app, reuse its search path."""
    import hydra
    from hydra.core.global_hydra import GlobalHydra

    overrides = list(overrides)
    if GlobalHydra.instance().is_initialized():
        return hydra.compose(config_name="config", overrides=overrides)
    with hydra.initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return hydra.compose(config_name="config", overrides=overrides)


def first_lines(exc: BaseException) -> str:
    """Hydra's (or OmegaConf's) message and its cause, one line: 'Error merging override
    x=abc: Value ...'."""
    lines = [str(e).strip().splitlines()[0] for e in (exc, exc.__cause__)
             if e is not None and str(e).strip()]
    return ": ".join(lines) or type(exc).__name__


def compose_checked(overrides=(), where: str = "") -> Any:
    """``compose`` then ``validate``: the config, or a ConfigError of one line (prefixed with
    ``where``, e.g. the case it is about) whether Hydra or a range check refused it."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from sim.config.validation import validate
    from sim.errors import ConfigError

    try:
        cfg = compose(overrides)
    except (HydraException, OmegaConfBaseException) as exc:
        raise ConfigError(f"{where}{first_lines(exc)}") from None
    try:
        validate(cfg)
    except ConfigError as exc:
        raise ConfigError(f"{where}{exc}") from None
    return cfg


def sweep_jobs(config: DictConfig) -> list[list[str]] | None:
    """The jobs Hydra's basic sweeper will launch, each as its list of overrides, in launch
    order; None for another sweeper (its jobs cannot be listed here).

    The same expansion as the basic sweeper: ``hydra.sweeper.params`` first, then the command
    line's overrides (a later one of the same key replaces an earlier one, keeping its
    place), and the cartesian product of the comma-separated values."""
    if not str(config.hydra.sweeper.get("_target_", "")).endswith("BasicSweeper"):
        return None
    params = [f"{k}={v}" for k, v in (config.hydra.sweeper.get("params") or {}).items()]
    params += list(config.hydra.overrides.task)
    choices: dict[str, list[str]] = {}
    for override in OverridesParser.create().parse_overrides(params):
        key = override.get_key_element()
        if override.is_sweep_override():
            if not override.is_discrete_sweep():
                return None  # a range or interval sweep: the basic sweeper refuses it itself
            choices[key] = [f"{key}={v}" for v in override.sweep_string_iterator()]
        else:
            choices[key] = [f"{key}={override.get_value_element_as_str()}"]
    return [list(job) for job in itertools.product(*choices.values())]
