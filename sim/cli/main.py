"""The ``outreach`` command: a Hydra app that runs one scenario (or a sweep with -m).

    outreach                                   # the default scenario
    outreach strategy=staggered strategy.batch_size=200 replicates=500 seed=7
    outreach -m strategy=generic_blast,staggered    # a sweep (Hydra multirun)
    outreach --cfg job                         # print the resolved config
    outreach compare|experiment|sensitivity|calibrate|optimise|app ...   # see SUBCOMMANDS below

Errors: a ``UserError`` (sim/errors.py) is one line on stderr and exit status 2; anything
else is a bug: its traceback, exit status 1, and "internal error" in the run folder's marker.
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.cli import interrupt
from sim.config import CONFIG_DIR
from sim.errors import UserError
from sim.report import folders


def quiet_libraries() -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    logging.getLogger("matplotlib").setLevel(logging.WARNING)


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def hydra_main(cfg: DictConfig) -> None:
    quiet_libraries()
    hydra_cfg = HydraConfig.get()
    out_dir = Path(hydra_cfg.runtime.output_dir)
    if hydra_cfg.mode == RunMode.MULTIRUN:  # per-job seed, resume, failures: sim/cli/sweep.py
        from sim.cli.run import run_scenario
        from sim.cli.sweep import run_job

        return run_job(cfg, out_dir, hydra_cfg, run_scenario)
    try:  # the imports too: a Ctrl-C while they load must still mark the folder
        from sim.cli.run import format_table, run_scenario

        summary = run_scenario(cfg, out_dir)
    except UserError as exc:
        fail(out_dir, str(exc))
    except MemoryError:
        fail(out_dir, f"out of memory (engine.batch_size={cfg.engine.batch_size}, engine.memory_gib={cfg.engine.memory_gib}, "
                      f"horizon_hours={cfg.horizon_hours}): lower engine.memory_gib, engine.batch_size or horizon_hours")
    except KeyboardInterrupt:
        fail(out_dir, INTERRUPTED, status=130)
    except Exception as exc:  # a bug: the traceback is for the report, the marker says so
        folders.mark_failed(out_dir, f"{folders.INTERNAL_ERROR}{type(exc).__name__}: {exc}")
        raise
    if cfg.output.table:
        print(format_table(summary))
        print(f"results: {out_dir}")


INTERRUPTED = "interrupted before the run finished"


def fail(out_dir: Path, message: str, status: int = 2) -> None:
    """One line on stderr, the reason in the folder's INCOMPLETE marker, exit status 2
    (130 after Ctrl-C, as shells expect)."""
    folders.mark_failed(out_dir, message)
    print(f"outreach: error: {message}", file=sys.stderr)
    if status == 130:
        # After Ctrl-C, leave at once: the interpreter re-raises a SIGINT it saw at exit (a
        # compiled callback may have swallowed the first KeyboardInterrupt), which would turn
        # the status into "killed by SIGINT". The marker and the message are written.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)


# `outreach <name> ...` hands the rest of the command line to <module>.main(argv).
SUBCOMMANDS = {
    "compare": ("sim.cli.compare", "compare result or sweep folders in figures and a table"),
    "experiment": ("sim.cli.experiments", "reproduce a named experiment into results/NAME/"),
    "sensitivity": ("sim.cli.sensitivity", "which uncertain keys move which outputs (Morris, Sobol)"),
    "calibrate": ("sim.cli.calibrate", "a posterior over the uncertain keys from what senders saw"),
    "optimise": ("sim.cli.optimise", "recommend a plan for an objective under constraints (Optuna)"),
    "app": ("sim.app.main", "start the interactive web app"),
}


def main() -> None:
    signal.signal(signal.SIGINT, interrupt.on_sigint)
    if len(sys.argv) > 1 and sys.argv[1] in SUBCOMMANDS:
        name = sys.argv[1]
        module = importlib.import_module(SUBCOMMANDS[name][0])
        raise SystemExit(module.main(sys.argv[2:]))
    try:
        hydra_main()
    except KeyboardInterrupt:  # before the run's own handler was reached (Hydra still setting up)
        from sim.cli.callbacks import OutputGuard

        if OutputGuard.run_dir is not None:
            fail(OutputGuard.run_dir, INTERRUPTED, status=130)
        print(f"outreach: error: {INTERRUPTED}", file=sys.stderr)
        sys.stderr.flush()
        os._exit(130)


if __name__ == "__main__":
    main()
