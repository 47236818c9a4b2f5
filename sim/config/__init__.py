"""The config: typed schemas (the only copy of each default), validation, and composition
with Hydra. Data flows from here to the network, the population, the engine and on."""

from sim.config.hydra_glue import (CONFIG_DIR, compose, compose_checked, first_lines, options,
                                   sweep_jobs)
from sim.config.schema import SCHEMAS
from sim.config.validation import check_contacts, validate
from sim.errors import ConfigError

__all__ = ["CONFIG_DIR", "SCHEMAS", "ConfigError", "check_contacts", "compose",
           "compose_checked", "first_lines", "options", "sweep_jobs", "validate"]
