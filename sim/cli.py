"""The ``outreach`` command: a Hydra app that runs one scenario (or a sweep with -m).

    outreach                                   # the default scenario
    outreach strategy=staggered strategy.batch_size=200 replicates=500 seed=7
    outreach -m strategy=generic_blast,staggered    # a sweep (Hydra multirun)
    outreach --cfg job                         # print the resolved config
    outreach compare|experiment|bench|app ...  # see SUBCOMMANDS below
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from . import config as _config  # noqa: F401  (registers the schemas)
from .config import CONFIG_DIR, ConfigError
from .network import NetworkError
from .results import ResultsError

log = logging.getLogger("outreach")
USER_ERRORS = (ConfigError, NetworkError, ResultsError)


def _quiet_libraries() -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    logging.getLogger("matplotlib").setLevel(logging.WARNING)


def run_scenario(cfg: DictConfig, out_dir: Path, progress: bool = True) -> dict:
    """Simulate, then write summary.json, replicates.parquet, timeseries.parquet, outreach.png."""
    from . import results
    from .metrics import summarize, timeseries_table
    from .plots import outreach_figure
    from .simulation import build_scenario, simulate

    results.begin(out_dir)
    t0 = time.perf_counter()
    scenario = build_scenario(cfg)
    net_info = scenario.network.describe()
    log.info("network %s: %d nodes, %d edges, sender %s with %d contacts",
             net_info["name"], net_info["nodes"], net_info["edges"], net_info["sender"],
             net_info["sender_degree"])
    res = simulate(cfg, scenario=scenario, progress=progress and cfg.output.progress)
    summary = summarize(res.replicates)
    ts = timeseries_table(res.series)
    # a user strategy (`+strategy._target_=...`) sits on a schema that already has a name
    strategy = cfg.strategy.get("_target_") or cfg.strategy.get("name")
    summary = {
        "strategy": strategy,
        "platform": {"rule": cfg.platform.rule, "limit": scenario.platform.limit_text()},
        "network": net_info,
        "senders": int(scenario.population.n_senders),
        "tie_strength_from": scenario.population.tie_source,
        "replicates": int(cfg.replicates),
        "seed": int(cfg.seed),
        "replicate_seed": None if cfg.get("replicate_seed") is None else int(cfg.replicate_seed),
        "horizon_hours": int(cfg.horizon_hours),
        "elapsed_seconds": round(time.perf_counter() - t0, 3),
        "metrics": summary,
        "config": OmegaConf.to_container(cfg, resolve=True),
    }
    results.write_parquet(out_dir / "replicates.parquet", res.replicates)
    results.write_parquet(out_dir / "timeseries.parquet", ts)
    if cfg.output.plot:
        limit = scenario.platform.max_reports if scenario.platform.rule == "count" else None
        outreach_figure(ts, summary["metrics"], f"{strategy} on {net_info['name']}", limit=limit,
                        path=out_dir / "outreach.png")
    results.finish(out_dir, summary)
    return summary


def format_table(summary: dict) -> str:
    m = summary["metrics"]
    rows = [("metric", "mean", "95% CI of mean", "2.5-97.5% of runs")]
    for name in ("reach", "supporters", "direct_supporters", "unfollows", "close_ties_lost",
                 "close_ties_annoyed", "reports", "messages_sent", "effort_hours"):
        d = m[name]
        rows.append((name, f"{d['mean']:.2f}", f"[{d['ci95'][0]:.2f}, {d['ci95'][1]:.2f}]",
                     f"[{d['range95'][0]:.0f}, {d['range95'][1]:.0f}]"))
    sr = m["suspension_risk"]
    med = sr["median_suspension_hour"]
    rows.append(("suspension_risk", f"{sr['p']:.3f}",
                 f"[{sr['wilson95'][0]:.3f}, {sr['wilson95'][1]:.3f}] (Wilson)",
                 f"median hour {med:.0f}" if med is not None else "never suspended"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    head = (f"{summary['strategy']} | {summary['network']['name']} | "
            f"{summary['replicates']} replicates | platform: {summary['platform']['limit']}")
    return "\n".join([head, lines[0], "-" * len(lines[0]), *lines[1:]])


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def hydra_main(cfg: DictConfig) -> None:
    _quiet_libraries()
    hydra_cfg = HydraConfig.get()
    out_dir = Path(hydra_cfg.runtime.output_dir)
    if hydra_cfg.mode == RunMode.MULTIRUN:  # per-job seed, resume, failures: sim/sweep.py
        from .sweep import run_job

        return run_job(cfg, out_dir, hydra_cfg, run_scenario)
    try:
        summary = run_scenario(cfg, out_dir)
    except USER_ERRORS as exc:
        _fail(out_dir, str(exc))
    except ValueError as exc:  # raised by user-supplied strategies and loaders
        _fail(out_dir, str(exc))
    except MemoryError:
        _fail(out_dir, f"out of memory (engine.batch_size={cfg.engine.batch_size}, "
                       f"horizon_hours={cfg.horizon_hours}): lower engine.batch_size or horizon_hours")
    except KeyboardInterrupt:
        _fail(out_dir, "interrupted before the run finished", status=130)
    except Exception as exc:  # a bug: the traceback is for the report, the marker says so
        from .results import mark_failed

        mark_failed(out_dir, f"internal error: {type(exc).__name__}: {exc}")
        raise
    if cfg.output.table:
        print(format_table(summary))
        print(f"results: {out_dir}")


def _fail(out_dir: Path, message: str, status: int = 2) -> None:
    """One line on stderr, the reason in the folder's INCOMPLETE marker, exit status 2
    (130 after Ctrl-C, as shells expect)."""
    from .results import mark_failed

    mark_failed(out_dir, message)
    print(f"outreach: error: {message}", file=sys.stderr)
    sys.exit(status)


# `outreach <name> ...` hands the rest of the command line to <module>.main(argv).
SUBCOMMANDS = {
    "compare": ("sim.compare", "compare result or sweep folders in figures and a table"),
    "experiment": ("sim.experiments", "reproduce a named experiment into results/NAME/"),
    "bench": ("sim.bench", "run the speed benchmark"),
    "app": ("sim.app", "start the interactive web app"),
}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in SUBCOMMANDS:
        import importlib

        name = sys.argv[1]
        module = importlib.import_module(SUBCOMMANDS[name][0])
        raise SystemExit(module.main(sys.argv[2:]))
    hydra_main()


if __name__ == "__main__":
    main()
