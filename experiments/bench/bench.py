"""How fast the engine is, next to what a user would pick instead (`make bench`).

A script run from a source checkout, not part of the installed package::

    make bench    # installs the bench extra (NDlib, CyNetDiff) into .venv, then runs this
    .venv/bin/python experiments/bench/bench.py [--quick] [--only ITEM ...] [--out DIR]

Its peers sit next to it (mesa_reference.py, peers.py) and are imported as top-level modules:
Python puts a script's own folder on sys.path. The ego-Facebook file is read from
$OUTREACH_DATA_DIR, else <checkout>/../shared/data.

One process, one graph (ego-Facebook, sender 107) and fixed seeds:

1. ``engine``: the full model (generic_blast, default population), R replicates;
2. ``mesa``: the per-agent Mesa reference (experiments/bench/mesa_reference.py) on the same
   scenario, fewer replicates; per replicate times are compared;
3. ``ic``: the pure independent cascade (no annoyance, everyone shares, exposure p, seeds = the
   sender's contacts) on the engine, NDlib and CyNetDiff, with each one's mean reach;
4. ``flat_army``: the four strategies x 2,000 replicates on the default ego network, in this
   process and end to end as ``outreach -m strategy=...`` (a child process writing results);
5. ``scale``: a 1,000,000-node graph (~10M edges), 100 replicates;
6. ``everyone``: the reader's question at the story's scale: on the default network (~11,000
   people) every person sends the generic ask to their own contacts (``senders.fraction=1.0``),
   20 replicates, as ``outreach senders.fraction=1.0 replicates=20`` runs them.

Each item reports wall time and CPU time of this process (the machine may be shared: CPU time
is what the item itself cost) and the peak resident memory while it ran (Linux VmHWM, reset
before each item). The table goes to bench.md and bench.json, and the README paragraph to
README_SECTION.md, in --out (default: the checkout's results/bench/). Benchmarks, not tests:
nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

PROG = "python experiments/bench/bench.py"
PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the checkout: experiments/bench/bench.py
TARGETS = {
    "mesa": 100.0,  # full model: engine >= 100x faster per replicate than the Mesa reference
    "ndlib": 500.0,  # IC: >= 500x faster than NDlib
    "cynetdiff": 1.0,  # IC: faster than CyNetDiff
    "flat_army_s": 30.0,  # four strategies x 2,000 replicates under 30 s
    "scale_s": 120.0,  # 1M nodes, 100 replicates under 2 minutes
    "scale_gb": 4.0,  # and under 4 GB
    "everyone_s": 600.0,  # everyone sends (default network, 20 replicates) under 10 minutes
    "everyone_gb": 4.0,  # and under 4 GB
}



# ------------------------------------------------------------------------------ measuring


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
    except OSError:
        pass


@contextmanager
def measured(record: dict):
    """Wall and CPU seconds and peak RSS (MB) of the block, into ``record``."""
    _reset_peak()
    rss0 = _status_kb("VmRSS")
    w0, c0 = time.perf_counter(), time.process_time()
    yield record
    record["wall_s"] = time.perf_counter() - w0
    record["cpu_s"] = time.process_time() - c0
    peak = _status_kb("VmHWM")
    record["peak_rss_mb"] = None if peak is None else peak / 1024
    record["start_rss_mb"] = None if rss0 is None else rss0 / 1024


def per_replicate(rec: dict, n: int) -> dict:
    rec["replicates"] = n
    rec["ms_per_rep_wall"] = rec["wall_s"] / n * 1e3
    rec["ms_per_rep_cpu"] = rec["cpu_s"] / n * 1e3
    rec["reps_per_s_wall"] = n / rec["wall_s"] if rec["wall_s"] > 0 else float("inf")
    return rec


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    import numba

    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "numpy": np.__version__, "numba": numba.__version__,
            "load_average_at_start": None if load is None else [round(x, 2) for x in load]}


# ------------------------------------------------------------------------------ scenarios


def facebook(sender: int = 107):
    """ego-Facebook (SNAP facebook_combined.txt, from OUTREACH_DATA_DIR or ../shared/data)
    through the project's edge-list loader, with the sender node."""
    from sim.config import compose
    from sim.network import build_network
    from sim.network.shared_data import data_file

    path = data_file("facebook_combined.txt")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not found (set OUTREACH_DATA_DIR to the folder with "
                                "facebook_combined.txt)")
    cfg = compose(["network=edgelist", f"network.path={path}", f"network.sender={sender}"])
    return build_network(cfg.network, np.random.default_rng(0))


def scenario(net, overrides=()):
    from sim.config import compose
    from sim.engine.scenario import build_scenario

    return build_scenario(compose(list(overrides)), network=net)


IC_OVERRIDES = (
    "population=homogeneous", "population.read_prob=1", "population.share_prob=1",
    "population.annoyance_generic=0", "population.report_prob=0", "population.unfollow_prob=0",
    "population.read_delay_hours=0", "platform=none", "horizon_hours=1", "close_ties=0",
)


# ------------------------------------------------------------------------------ items


def bench_engine_full(net, reps: int, seed: int) -> dict:
    from sim.engine.engine import Engine

    sc = scenario(net, [f"engine.batch_size={reps}"])
    Engine(sc, 2, seed).run()  # compile / load the kernels first
    rec = {"item": "full model", "tool": "engine", "batch_size": reps}
    with measured(rec):
        m = Engine(sc, reps, seed).run().metrics
    rec["mean_reach"] = float(m["reach"].mean())
    rec["mean_supporters"] = float(m["supporters"].mean())
    rec["suspension_risk"] = float(m["suspended"].mean())
    rec["restriction_risk"] = float(m["restricted"].mean())
    rec["restrictions"] = float(m["restrictions"].mean())
    rec["profile"] = profile_engine(sc, reps, seed)
    return per_replicate(rec, reps)


def bench_mesa(net, reps: int, seed: int, activation: str) -> dict:
    import mesa_reference  # experiments/bench/mesa_reference.py, next to this script

    sc = scenario(net)
    mesa_reference.scenario_neighbours(sc)  # neighbour lists built once, outside the timing
    rec = {"item": "full model", "tool": f"mesa ({activation})"}
    with measured(rec):
        res = mesa_reference.run_replicates(sc, reps, seed=seed, activation=activation)
    rec["mean_reach"] = float(np.mean([r["reach"] for r in res]))
    rec["mean_supporters"] = float(np.mean([r["supporters"] for r in res]))
    rec["suspension_risk"] = float(np.mean([r["suspended"] for r in res]))
    rec["restriction_risk"] = float(np.mean([r["restricted"] for r in res]))
    rec["restrictions"] = float(np.mean([r["restrictions"] for r in res]))
    return per_replicate(rec, reps)


def bench_ic(net, p: float, reps: dict, seed: int) -> list[dict]:
    import peers  # experiments/bench/peers.py, next to this script

    from sim.engine.engine import Engine

    out = []
    sc = scenario(net, [*IC_OVERRIDES, f"population.exposure_prob={p}",
                        f"engine.batch_size={reps['engine']}"])
    seeds = net.neighbours(net.sender)
    Engine(sc, 2, seed).run()
    rec = {"item": "independent cascade", "tool": "engine"}
    with measured(rec):
        m = Engine(sc, reps["engine"], seed, record_series=False).run().metrics
    rec["mean_reach"] = float(m["reach"].mean())
    out.append(per_replicate(rec, reps["engine"]))

    peer_net = peers.without_node(net, net.sender)
    rec = {"item": "independent cascade", "tool": "cynetdiff"}
    with measured(rec):
        reach = peers.cynetdiff_reach(peer_net, seeds, p, reps["cynetdiff"], seed)
    rec["mean_reach"] = float(reach.mean())
    out.append(per_replicate(rec, reps["cynetdiff"]))

    t0 = time.perf_counter()
    model = peers.ndlib_model(peer_net, p)
    rec = {"item": "independent cascade", "tool": "ndlib",
           "setup_s_not_timed": round(time.perf_counter() - t0, 2)}
    with measured(rec):
        reach = peers.ndlib_reach(model, seeds, reps["ndlib"], seed)
    rec["mean_reach"] = float(reach.mean())
    out.append(per_replicate(rec, reps["ndlib"]))
    for r in out:
        r["exposure_p"] = p
        r["seeds"] = int(len(seeds))
    out[0]["profile"] = profile_engine(sc, reps["engine"], seed)
    return out


def profile_engine(sc, reps: int, seed: int, top: int = 8) -> list[dict]:
    """Where the engine's time goes on a scenario: cProfile's own time per function. Compiled
    kernels count in the Python method that calls them (named in KERNEL_OF)."""
    import cProfile
    import pstats

    from sim.engine.engine import Engine

    prof = cProfile.Profile()
    prof.enable()
    Engine(sc, reps, seed, record_series=False).run()
    prof.disable()
    stats = pstats.Stats(prof)
    total = sum(v[2] for v in stats.stats.values())
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]
    return [{"function": f"{Path(k[0]).name}:{k[2]}",
             "kernel": KERNEL_OF.get(k[2], KERNEL_OF.get(f"{Path(k[0]).name}:{k[2]}", "")),
             "own_s": round(v[2], 4), "share": round(v[2] / total, 3) if total else None}
            for k, v in rows]


KERNEL_OF = {"_start_shares": "kernels.spread_now", "sample_audience": "kernels.audience",
             "_deliver": "kernels.deliver", "_process_reads": "kernels.read_messages",
             "_process_sees": "kernels.see_shares",
             "dufunc.py:__call__": "draws.lognormals (the thresholds)"}


def bench_flat_army(reps: int, seed: int) -> dict:
    """The four strategies x reps replicates on the default ego network, as `outreach -m`
    would run them (scenario built per strategy), without writing results."""
    from sim.config import compose
    from sim.engine.simulate import simulate

    rec = {"item": "flat_army", "tool": "engine", "strategies": 4}
    with measured(rec):
        for strategy in ("generic_blast", "personal_first", "staggered", "blast_then_personal"):
            simulate(compose([f"strategy={strategy}", f"replicates={reps}", f"seed={seed}"]))
    return per_replicate(rec, 4 * reps)


def bench_flat_army_cli(reps: int, seed: int) -> dict:
    """The same sweep end to end, as a user types it: ``outreach -m strategy=...`` in a
    child process (Hydra start-up, four runs, parquet tables and figures written to a
    temporary folder). Peak memory is the child's."""
    import resource
    import subprocess
    import tempfile

    strategies = "generic_blast,personal_first,staggered,blast_then_personal"
    rec = {"item": "flat_army", "tool": "outreach -m (CLI)", "strategies": 4}
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "sim.cli.main", "-m", f"strategy={strategies}",
               f"replicates={reps}", f"seed={seed}", "output.progress=false",
               "output.table=false", f"hydra.sweep.dir={tmp}/sweep"]
        w0 = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        rec["wall_s"] = time.perf_counter() - w0
    rec["cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    rec["peak_rss_mb"] = after.ru_maxrss / 1024
    rec["exit_code"] = done.returncode
    if done.returncode != 0:
        rec["error"] = done.stderr.strip().splitlines()[-1:] or ["(no message)"]
    return per_replicate(rec, 4 * reps)


VIRAL = ("population.share_prob_word_of_mouth=0.5", "population.exposure_prob=0.2")


def bench_scale(n: int, mean_degree: float, reps: int, seed: int, kind: str) -> list[dict]:
    """A million-node graph, then R replicates of the default model from its best-connected
    node (which barely spreads: word of mouth is subcritical), and of a viral variant (each
    sharer reaches 20% of ~20 connections, half of whom share) that reaches ~40% of the graph."""
    from sim.config import compose
    from sim.engine.engine import Engine
    from sim.network import build_network

    rows = []
    rec = {"item": "scale", "tool": f"{kind} graph", "network": kind}
    with measured(rec):
        if kind == "powerlaw_cluster":
            cfg = compose(["network=powerlaw_cluster", f"network.n={n}",
                           f"network.m={int(round(mean_degree / 2))}", "network.sender=max_degree"])
        else:
            cfg = compose(["network=erdos_renyi", f"network.n={n}",
                           f"network.mean_degree={mean_degree}", "network.sender=max_degree"])
        net = build_network(cfg.network, np.random.default_rng(seed))
    rec["nodes"], rec["edges"] = int(net.n_nodes), int(net.n_edges)
    rows.append(per_replicate(rec, 1))
    for tool, overrides in (("engine, default model", ()), ("engine, viral variant", VIRAL)):
        rec = {"item": "scale", "tool": tool, "network": kind, "nodes": int(net.n_nodes),
               "edges": int(net.n_edges), "sender_contacts": int(net.degree()[net.sender]),
               "overrides": list(overrides)}
        with measured(rec):
            sc = scenario(net, [f"engine.batch_size={reps}", *overrides])
            m = Engine(sc, reps, seed).run().metrics
        rec["mean_reach"] = float(m["reach"].mean())
        rows.append(per_replicate(rec, reps))
    return rows


def bench_everyone(reps: int, seed: int) -> dict:
    """Every person of the default ego network sends the generic ask to their contacts in the
    same hour (``senders.fraction=1.0``): reps replicates, scenario included, batches sized by
    ``engine.memory_gib`` (its default)."""
    from sim.config import compose
    from sim.engine.simulate import simulate

    rec = {"item": "everyone sends", "tool": "engine"}
    with measured(rec):
        res = simulate(compose(["senders.fraction=1.0", f"replicates={reps}", f"seed={seed}"]))
    df = res.replicates
    rec["senders"] = int(res.scenario.population.n_senders)
    rec["nodes"] = int(res.network.n_nodes)
    rec["mean_reach"] = float(df["reach"].mean())
    rec["replies_per_sender"] = float(df["replies"].mean())
    rec["replies_per_message"] = float((df["replies"] / df["messages_sent"]).mean())
    return per_replicate(rec, reps)


# ------------------------------------------------------------------------------ report


def _fmt(x, nd=3):
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:,.{nd}f}" if abs(x) < 1000 else f"{x:,.0f}"
    return str(x)


def ratios(rows: list[dict]) -> dict:
    def find(item, tool):
        return next((r for r in rows if r["item"] == item and r["tool"] == tool), None)

    out = {}
    eng = find("full model", "engine")
    for r in rows:
        if r["item"] == "full model" and r["tool"].startswith("mesa") and eng:
            out[f"{r['tool']} / engine"] = {k: r[f"ms_per_rep_{k}"] / eng[f"ms_per_rep_{k}"]
                                            for k in ("wall", "cpu")}
    ic = find("independent cascade", "engine")
    for tool in ("ndlib", "cynetdiff"):
        r = find("independent cascade", tool)
        if r and ic:
            out[f"{tool} / engine (IC)"] = {k: r[f"ms_per_rep_{k}"] / ic[f"ms_per_rep_{k}"]
                                            for k in ("wall", "cpu")}
    return out


def targets(rows: list[dict], rat: dict) -> list[tuple[str, str, bool | None]]:
    res = []
    mesa = rat.get("mesa (events) / engine")
    if mesa:
        res.append(("full model >= 100x faster than per-agent Mesa",
                    f"{mesa['cpu']:.0f}x (CPU), {mesa['wall']:.0f}x (wall)",
                    min(mesa.values()) >= TARGETS["mesa"]))
    for tool, key, text in (("ndlib", "ndlib", "IC >= 500x faster than NDlib"),
                            ("cynetdiff", "cynetdiff", "IC faster than CyNetDiff")):
        r = rat.get(f"{tool} / engine (IC)")
        if r:
            res.append((text, f"{r['cpu']:.1f}x (CPU), {r['wall']:.1f}x (wall)",
                        min(r.values()) > TARGETS[key] if key == "cynetdiff"
                        else min(r.values()) >= TARGETS[key]))
    for flat in (r for r in rows if r["item"] == "flat_army"):
        res.append((f"flat_army (4 strategies x {flat['replicates'] // 4:,}) < 30 s, {flat['tool']}",
                    f"{flat['wall_s']:.1f} s wall ({flat['cpu_s']:.1f} s CPU)",
                    flat["wall_s"] < TARGETS["flat_army_s"] and flat.get("exit_code", 0) == 0))
    scale = [r for r in rows if r["item"] == "scale"]
    if scale:
        graph = scale[0]
        for r in scale[1:]:
            gb = max(r["peak_rss_mb"] or 0, graph["peak_rss_mb"] or 0) / 1024
            wall = graph["wall_s"] + r["wall_s"]
            res.append((f"{r['nodes']:,} nodes ({r['edges']:,} edges), {r['replicates']} replicates "
                        f"< 2 min and < 4 GB ({r['tool']})",
                        f"{wall:.1f} s wall = graph {graph['wall_s']:.1f} s + run {r['wall_s']:.1f} s "
                        f"({r['cpu_s']:.1f} s CPU); peak {gb:.2f} GB",
                        wall < TARGETS["scale_s"] and gb < TARGETS["scale_gb"]))
    for r in (r for r in rows if r["item"] == "everyone sends"):
        gb = (r["peak_rss_mb"] or 0) / 1024
        res.append((f"everyone sends ({r['senders']:,} senders, {r['nodes']:,} people), "
                    f"{r['replicates']} replicates < 10 min and < 4 GB",
                    f"{r['wall_s']:.1f} s wall ({r['cpu_s']:.1f} s CPU); peak {gb:.2f} GB",
                    r["wall_s"] < TARGETS["everyone_s"] and gb < TARGETS["everyone_gb"]))
    return res


def markdown(rows: list[dict], rat: dict, tg, info: dict) -> str:
    head = ("| item | tool | replicates | ms / replicate (wall) | ms / replicate (CPU) | "
            "replicates / s (wall) | peak RSS (MB) | mean reach |")
    lines = [head, "|" + "---|" * 8]
    for r in rows:
        lines.append("| " + " | ".join([
            r["item"], r["tool"], _fmt(r["replicates"]), _fmt(r["ms_per_rep_wall"]),
            _fmt(r["ms_per_rep_cpu"]), _fmt(r["reps_per_s_wall"], 1), _fmt(r["peak_rss_mb"], 0),
            _fmt(r.get("mean_reach"), 1)]) + " |")
    lines += ["", "| ratio (per replicate) | CPU | wall |", "|---|---|---|"]
    for k, v in rat.items():
        lines.append(f"| {k} | {v['cpu']:.1f}x | {v['wall']:.1f}x |")
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    for text, value, ok in tg:
        lines.append(f"| {text} | {value} | {'yes' if ok else 'no'} |")
    for r in rows:
        if r.get("profile"):
            lines += ["", f"Profile of the engine, {r['item']} ({r['replicates']} replicates; "
                      "own time per function, compiled kernels inside their caller):", "",
                      "| function | kernel | own time (s) | share |", "|---|---|---|---|"]
            lines += [f"| {p['function']} | {p['kernel']} | {p['own_s']:.3f} | {p['share']:.0%} |"
                      for p in r["profile"]]
    lines += ["", f"Machine: {info['nproc']} cores, {info['cpu']}, Python {info['python']}, "
              f"numpy {info['numpy']}, numba {info['numba']}; load average at start "
              f"{info['load_average_at_start']} (the machine was shared: CPU time is what each "
              "item cost this process, wall time includes waiting for a core)."]
    return "\n".join(lines) + "\n"


def readme_section(rows: list[dict], rat: dict, tg, info: dict) -> str:
    """The README's "Benchmark" paragraph, from a full run."""
    def row(item, tool):
        return next((r for r in rows if r["item"] == item and r["tool"] == tool), None)

    lines = ["## Benchmark", "",
             "`make bench` (from a source checkout: it installs the `bench` extra and runs "
             "`python experiments/bench/bench.py`) runs, in one process on "
             "ego-Facebook (SNAP, 4,039 people; sender 107 with 1,045 contacts) with fixed seeds: "
             "the full model (generic blast, default population) on the engine and on a plain "
             "per-agent Mesa model of the same rules (`experiments/bench/mesa_reference.py`); the "
             "independent cascade special case (everyone shares, exposure p = 0.05, seeds = the "
             "sender's contacts) on the engine, NDlib and CyNetDiff; the four strategies x 2,000 "
             "replicates; a 1,000,000-node graph with 100 replicates; and everyone in the default "
             "network sending to their own contacts, 20 replicates. Latest run "
             "(`results/bench/bench.md`):", "",
             "| what | tool | replicates | ms / replicate (CPU) | ms / replicate (wall) | mean reach |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['item']} | {r['tool']} | {r['replicates']:,} | {_fmt(r['ms_per_rep_cpu'])} "
                     f"| {_fmt(r['ms_per_rep_wall'])} | {_fmt(r.get('mean_reach'), 1)} |")
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {t} | {v} | {'yes' if ok else 'no'} |" for t, v, ok in tg]
    lines += ["", f"Machine: {info['nproc']} cores ({info['cpu']}), Python {info['python']}, "
              f"numpy {info['numpy']}, numba {info['numba']}. The machine was shared with other "
              f"jobs (load average {info['load_average_at_start']} at the start), so wall times "
              "are noisy; CPU time is what each tool cost its process. Kernels are compiled "
              "before timing (numba caches them on disk after the first run)."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(PROJECT_ROOT / "results" / "bench"),
                        help="folder for bench.md, bench.json and README_SECTION.md "
                             "(default: the checkout's results/bench/)")
    parser.add_argument("--only", nargs="*", default=None,
                        choices=["engine", "mesa", "ic", "flat_army", "scale", "everyone"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--engine-replicates", type=int, default=1000)
    parser.add_argument("--mesa-replicates", type=int, default=20)
    parser.add_argument("--mesa-all-replicates", type=int, default=1,
                        help="replicates of the every-agent-every-hour Mesa variant (0: skip)")
    parser.add_argument("--ic-p", type=float, default=0.05)
    parser.add_argument("--ic-replicates", type=int, default=1000)
    parser.add_argument("--ndlib-replicates", type=int, default=20)
    parser.add_argument("--flat-army-replicates", type=int, default=2000)
    parser.add_argument("--scale-nodes", type=int, default=1_000_000)
    parser.add_argument("--scale-mean-degree", type=float, default=20.0)
    parser.add_argument("--scale-replicates", type=int, default=100)
    parser.add_argument("--everyone-replicates", type=int, default=20)
    parser.add_argument("--scale-network", default="powerlaw_cluster",
                        choices=["erdos_renyi", "powerlaw_cluster"])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, to check that everything runs (numbers meaningless)")
    args = parser.parse_args(argv)
    if args.quick:
        args.engine_replicates, args.mesa_replicates, args.mesa_all_replicates = 50, 2, 0
        args.ic_replicates, args.ndlib_replicates, args.flat_army_replicates = 50, 2, 50
        args.scale_nodes, args.scale_replicates, args.everyone_replicates = 20_000, 10, 1
    only = set(args.only or ["engine", "mesa", "ic", "flat_army", "scale", "everyone"])
    import logging

    logging.getLogger("sim.engine.simulate").setLevel(logging.ERROR)
    info = machine()
    rows: list[dict] = []

    def show(rec):
        print(f"  {rec['item']:<20} {rec['tool']:<16} {rec['replicates']:>6} reps  "
              f"{rec['ms_per_rep_wall']:10.3f} ms/rep wall  {rec['ms_per_rep_cpu']:10.3f} ms/rep CPU  "
              f"peak {_fmt(rec['peak_rss_mb'], 0)} MB  reach {_fmt(rec.get('mean_reach'), 1)}",
              flush=True)
        rows.append(rec)

    try:
        net = facebook() if only & {"engine", "mesa", "ic"} else None
    except FileNotFoundError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    if net is not None:
        print(f"ego-Facebook: {net.n_nodes} nodes, {net.n_edges} edges, sender "
              f"{net.node_id(net.sender)} with {int(net.degree()[net.sender])} contacts", flush=True)
    if "engine" in only:
        show(bench_engine_full(net, args.engine_replicates, args.seed))
    if "mesa" in only:
        show(bench_mesa(net, args.mesa_replicates, args.seed, "events"))
        if args.mesa_all_replicates > 0:
            show(bench_mesa(net, args.mesa_all_replicates, args.seed, "all"))
    if "ic" in only:
        for rec in bench_ic(net, args.ic_p, {"engine": args.ic_replicates,
                                             "cynetdiff": args.ic_replicates,
                                             "ndlib": args.ndlib_replicates}, args.seed):
            show(rec)
    if "flat_army" in only:
        show(bench_flat_army(args.flat_army_replicates, args.seed))
        if not args.quick:
            show(bench_flat_army_cli(args.flat_army_replicates, args.seed))
    if "scale" in only:
        for rec in bench_scale(args.scale_nodes, args.scale_mean_degree, args.scale_replicates,
                               args.seed, args.scale_network):
            show(rec)
    if "everyone" in only:
        show(bench_everyone(args.everyone_replicates, args.seed))
    rat = ratios(rows)
    tg = targets(rows, rat)
    md = markdown(rows, rat, tg, info)
    print()
    print(md)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from sim.report.folders import atomic_write, write_json

    write_json(out / "bench.json", {"machine": info, "rows": rows, "ratios": rat,
                                    "targets": [{"target": t, "measured": v, "met": ok}
                                                for t, v, ok in tg],
                                    "args": vars(args)})
    atomic_write(out / "bench.md", lambda p: p.write_text("# Benchmark (`make bench`)\n\n" + md))
    atomic_write(out / "README_SECTION.md",
                 lambda p: p.write_text(readme_section(rows, rat, tg, info)))
    print(f"written: {out / 'bench.md'}, {out / 'bench.json'}, {out / 'README_SECTION.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
