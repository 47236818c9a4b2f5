"""``outreach experiment NAME``: reproduce a named experiment into ``results/NAME/``.

    outreach experiment --list
    outreach experiment flat_army                    # sweep + figures into results/flat_army/
    outreach experiment flat_army --out /tmp/fa replicates=100 hydra.launcher.n_jobs=2
    outreach experiment decide                       # outreach optimise into results/decide/

An experiment is one Hydra config, ``configs/experiment/NAME.yaml``, that fixes the scenario,
declares its sweep (``hydra.sweeper.params``), its sweep folder (``results/NAME/sweep``) and
where ``outreach compare`` puts figures and table when the sweep ends (``results/NAME``).
This command is the same as ``outreach +experiment=NAME -m``; it adds ``--out`` and
``--list``. An experiment whose header says ``# runs: outreach optimise`` (``decide``) runs that
subcommand with ``+experiment=NAME`` instead of a sweep. Running it again resumes: jobs already complete are skipped.
Questions, commands and headline results: experiments/README.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.config import CONFIG_DIR

EXPERIMENT_DIR = Path(CONFIG_DIR) / "experiment"


def names() -> list[str]:
    return sorted(p.stem for p in EXPERIMENT_DIR.glob("*.yaml"))


def describe(name: str) -> str:
    """The first line of the file's header comment: the experiment in one line."""
    for line in (EXPERIMENT_DIR / f"{name}.yaml").read_text().splitlines():
        if line.startswith("#") and "@package" not in line:
            return line.lstrip("# ").strip().removeprefix(f"{name}:").strip()
    return ""


def command(name: str) -> str | None:
    """The subcommand an experiment runs instead of a sweep (its header's "# runs: outreach
    NAME" line), or None for a sweep."""
    for line in (EXPERIMENT_DIR / f"{name}.yaml").read_text().splitlines():
        if line.startswith("# runs: outreach "):
            return line.removeprefix("# runs: outreach ").strip()
    return None


def hydra_argv(name: str, out: Path | None, overrides: list[str]) -> list[str]:
    argv = ["-m", f"+experiment={name}"]
    if out is not None:
        argv += [f"hydra.sweep.dir={Path(out) / 'sweep'}", f"hydra.callbacks.sweep.compare_into={out}"]
    return argv + list(overrides)


def run(name: str, out: Path | None = None, overrides=()) -> int:
    """Run the experiment's sweep through the ``outreach`` Hydra app, or the subcommand it
    names (``decide`` runs ``outreach optimise`` into results/decide/); its exit code."""
    import importlib

    from sim.cli.main import SUBCOMMANDS, hydra_main

    sub = command(name)
    if sub is not None:
        module = importlib.import_module(SUBCOMMANDS[sub][0])
        target = out if out is not None else Path("results") / name
        return module.main([f"+experiment={name}", "--out", str(target), *overrides])

    saved = sys.argv
    sys.argv = ["outreach", *hydra_argv(name, out, list(overrides))]
    try:
        hydra_main()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = saved
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="outreach experiment",
        description="Reproduce a named experiment (configs/experiment/NAME.yaml) into results/NAME/.")
    parser.add_argument("name", nargs="?", help="experiment name (see --list)")
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides, e.g. replicates=100")
    parser.add_argument("--list", action="store_true", help="list the experiments and exit")
    parser.add_argument("--out", type=Path, default=None,
                        help="results folder (default: results/NAME, relative to here)")
    args = parser.parse_intermixed_args(argv)
    if args.list or not args.name:
        for n in names():
            print(f"{n:14s} {describe(n)}")
        return 0 if args.list else 2
    if args.name not in names():
        print(f"outreach experiment: error: unknown experiment {args.name!r}; expected one of "
              f"{', '.join(names())}", file=sys.stderr)
        return 2
    return run(args.name, args.out, args.overrides)
