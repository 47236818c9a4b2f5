"""Every ``network.kind`` as a Network with its sender chosen.

Files go through sim/network/edgelist.py; Holme-Kim runs on arrays (holme_kim.py) because it
must reach a million nodes; the ego and Erdos-Renyi generators are numpy (generators.py);
Watts-Strogatz and the stochastic block model come from networkx, fine for the few thousand
nodes they are used with (networkx keeps a dict per node: a million nodes would take GBs).
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from sim.network import generators, own
from sim.network.edgelist import load_edgelist
from sim.errors import NetworkError
from sim.network.graph import Network, from_edges
from sim.network.holme_kim import powerlaw_cluster
from sim.network.sender import resolve_sender


def build(cfg, rng: np.random.Generator) -> Network:
    """The graph of ``cfg.kind``, sender resolved (node 0 unless ``network.sender`` is set)."""
    net = make(cfg, rng)
    net.sender = resolve_sender(net, cfg.get("sender"))
    return net


def make(cfg, rng: np.random.Generator) -> Network:
    kind = cfg.kind
    if kind == "ego":
        return generators.ego(cfg, rng)
    if kind == "erdos_renyi":
        return generators.erdos_renyi(int(cfg.n), float(cfg.mean_degree), rng)
    if kind == "powerlaw_cluster":
        return powerlaw_cluster(int(cfg.n), int(cfg.m), float(cfg.p), rng)
    if kind == "small_world":
        return small_world(int(cfg.n), int(cfg.k), float(cfg.p), rng)
    if kind == "stochastic_block":
        return stochastic_block(list(cfg.sizes), float(cfg.p_in), float(cfg.p_out), rng)
    if kind == "edgelist":
        return load_edgelist(cfg.path, bool(cfg.get("directed", False)))
    if kind == "contacts":
        return own.contacts(cfg, rng)
    if kind == "linkedin":
        return own.linkedin(cfg, rng)
    raise NetworkError(f"network.kind={kind!r}: expected one of ego, erdos_renyi, small_world, "
                       "powerlaw_cluster, stochastic_block, edgelist, contacts, linkedin")


def _nx_seed(rng: np.random.Generator) -> int:
    """networkx draws from Python's Mersenne Twister; seed it from our stream."""
    return int(rng.integers(0, 2**32))


def _from_nx(g: nx.Graph, name: str, info: dict) -> Network:
    e = np.asarray(list(g.edges()), dtype=np.int64).reshape(-1, 2)
    return from_edges(e[:, 0], e[:, 1], g.number_of_nodes(), 0, name=name, info=info)


def small_world(n: int, k: int, p: float, rng: np.random.Generator) -> Network:
    """Watts-Strogatz ring of n nodes, each linked to k/2 neighbours on either side, rewired."""
    if k < 2 or k % 2 or k >= n:
        raise NetworkError(f"network.k={k}: expected an even number, 2 <= k < network.n={n}")
    if not 0.0 <= p <= 1.0:
        raise NetworkError(f"network.p={p}: expected a probability in [0, 1]")
    g = nx.watts_strogatz_graph(n, k, p, seed=_nx_seed(rng))
    return _from_nx(g, f"small_world(n={n}, k={k}, p={p})", {"generator": "Watts-Strogatz (1998)"})


def stochastic_block(sizes: list[int], p_in: float, p_out: float, rng: np.random.Generator) -> Network:
    """Blocks of the given sizes, edge probability p_in inside a block and p_out between."""
    if not sizes or any(int(s) <= 0 for s in sizes):
        raise NetworkError(f"network.sizes={sizes}: expected a non-empty list of positive integers")
    for key, p in (("p_in", p_in), ("p_out", p_out)):
        if not 0.0 <= p <= 1.0:
            raise NetworkError(f"network.{key}={p}: expected a probability in [0, 1]")
    probs = np.full((len(sizes), len(sizes)), p_out)
    np.fill_diagonal(probs, p_in)
    g = nx.stochastic_block_model([int(s) for s in sizes], probs.tolist(), seed=_nx_seed(rng),
                                  sparse=True)
    return _from_nx(g, f"stochastic_block(sizes={list(sizes)}, p_in={p_in}, p_out={p_out})",
                    {"generator": "stochastic block model"})
