"""Benchmark: load ego-Facebook and build the run on it; grow a million-node Holme-Kim graph.

Targets (issue 3): loading the 88k-edge file and building the run well under a second; a
1,000,000-node graph within a few GB. Not a test: timings depend on the machine.

    OUTREACH_DATA_DIR=/work/shared/data .venv/bin/python experiments/bench/network_load.py
    .venv/bin/python experiments/bench/network_load.py --skip-file --n 1000000 --m 5

The big graph is grown in a child process so that its peak resident memory (getrusage
ru_maxrss of that process, which includes the interpreter and libraries) is its own.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import time

import numpy as np


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def bench_file(repeat: int) -> None:
    from sim.config import compose
    from sim.network.shared_data import data_file
    from sim.network import build_network
    from sim.network.edgelist import load_edgelist
    from sim.engine.scenario import build_scenario

    path = data_file("facebook_combined.txt")
    if not path.exists():
        print(f"skipped the file benchmark: {path} not found (set OUTREACH_DATA_DIR)")
        return
    overrides = ["network=edgelist", f"network.path={path}", "network.sender=107"]
    cfg = compose(overrides)
    t_load, net = timed(lambda: load_edgelist(path), repeat)
    t_net, net = timed(lambda: build_network(cfg.network, np.random.default_rng(0)), repeat)
    t_run, sc = timed(lambda: build_scenario(cfg), repeat)
    t_desc, d = timed(lambda: sc.network.describe(), repeat)
    print(f"ego-Facebook ({path.name}): {net.n_nodes} nodes, {net.n_edges} edges "
          f"(median of {repeat})")
    print(f"  load_edgelist                  {t_load * 1000:8.1f} ms")
    print(f"  build_network (sender 107)     {t_net * 1000:8.1f} ms")
    print(f"  build_scenario (network + population + strategy) {t_run * 1000:8.1f} ms")
    print(f"  describe() for the summary     {t_desc * 1000:8.1f} ms")


def _grow(n: int, m: int, p: float, out: mp.Queue) -> None:
    from sim.network.holme_kim import powerlaw_cluster

    t = time.perf_counter()
    net = powerlaw_cluster(n, m, p, np.random.default_rng(0))
    elapsed = time.perf_counter() - t
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    csr = net.indptr.nbytes + net.indices.nbytes
    out.put((elapsed, peak_kb, net.n_nodes, net.n_edges, int(net.degree().max()), csr))


def bench_big(n: int, m: int, p: float) -> None:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    proc = ctx.Process(target=_grow, args=(n, m, p, q))
    proc.start()
    elapsed, peak_kb, nodes, edges, max_deg, csr = q.get()
    proc.join()
    print(f"powerlaw_cluster(n={n}, m={m}, p={p}): {nodes} nodes, {edges} edges, "
          f"max degree {max_deg}")
    print(f"  build time                     {elapsed:8.1f} s")
    print(f"  peak resident memory           {peak_kb / 1024**2:8.2f} GB (whole child process)")
    print(f"  the finished CSR arrays        {csr / 1024**2:8.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--m", type=int, default=10)
    ap.add_argument("--p", type=float, default=0.3)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--skip-file", action="store_true")
    ap.add_argument("--skip-big", action="store_true")
    args = ap.parse_args()
    if not args.skip_file:
        bench_file(args.repeat)
    if not args.skip_big:
        bench_big(args.n, args.m, args.p)


if __name__ == "__main__":
    main()
