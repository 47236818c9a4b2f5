"""One run of the ``outreach`` command: simulate a composed config and write its folder
(``replicates.parquet``, ``timeseries.parquet``, ``outreach.png``, ``summary.json`` last), and
the table the command prints."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from omegaconf import DictConfig

from sim import metrics
from sim.cli import interrupt
from sim.engine.scenario import build_scenario
from sim.engine.simulate import simulate
from sim.report import folders, summary
from sim.report.figures import outreach_figure

log = logging.getLogger("outreach")


def run_scenario(cfg: DictConfig, out_dir: Path, progress: bool = True) -> summary.Summary:
    """Simulate, then write the run's folder; its summary."""
    folders.begin(out_dir)
    t0 = time.perf_counter()
    scenario = build_scenario(cfg)
    net_info = scenario.network.describe()
    log.info("network %s: %d nodes, %d edges, sender %s with %d contacts",
             net_info["name"], net_info["nodes"], net_info["edges"], net_info["sender"],
             net_info["sender_degree"])
    interrupt.check()
    res = simulate(cfg, scenario=scenario, progress=progress and cfg.output.progress)
    interrupt.check()
    data = summary.build(cfg, scenario, res.replicates, time.perf_counter() - t0, net_info)
    ts = summary.timeseries_table(res.series)
    folders.write_parquet(out_dir / "replicates.parquet", res.replicates)
    folders.write_parquet(out_dir / "timeseries.parquet", ts)
    if cfg.output.plot:
        limit = getattr(scenario.platform, "max_reports", None)  # the count rule's limit
        outreach_figure(ts, data["metrics"], f"{data['strategy']} on {net_info['name']}",
                        limit=limit, path=out_dir / "outreach.png")
    interrupt.check()
    summary.write(out_dir, data)
    return summary.Summary(folder=Path(out_dir), data=data)


def format_table(s: summary.Summary) -> str:
    """The registry's command-line metrics: mean, 95% CI of the mean, 2.5-97.5% of runs; each
    risk with its Wilson interval and median hour."""
    rows = [("metric", "mean", "95% CI of mean", "2.5-97.5% of runs")]
    for name in metrics.names(metrics.CLI, kind=metrics.COUNT):
        lo, hi = s.ci(name)
        rlo, rhi = s.range95(name)
        rows.append((name, f"{s.mean(name):.2f}", f"[{lo:.2f}, {hi:.2f}]", f"[{rlo:.0f}, {rhi:.0f}]"))
    for name in metrics.names(metrics.CLI, kind=metrics.PROPORTION):
        lo, hi = s.ci(name)
        med = s.median_hour(name)
        rows.append((metrics.RISKS[name][0], f"{s.mean(name):.3f}", f"[{lo:.3f}, {hi:.3f}] (Wilson)",
                     f"median hour {med:.0f}" if med is not None else "never"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    head = (f"{s.strategy} | {s.network_name} | {s.replicates} replicates | "
            f"platform: {s.platform_limit}")
    return "\n".join([head, lines[0], "-" * len(lines[0]), *lines[1:]])
