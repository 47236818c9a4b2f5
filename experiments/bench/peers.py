"""The independent cascade on the libraries a user would pick instead: NDlib and CyNetDiff.

Both get the same graph as the engine with the sender's own links removed: in the outreach
model the sender never hears of their own ask, so the cascade starts from the sender's
contacts (the seeds) and can never pass through the sender. Each run's reach is the number of
nodes activated, seeds included, which is the engine's ``reach`` in the same special case.
"""

from __future__ import annotations

import numpy as np

from sim.network.graph import Network, from_edges


def without_node(net: Network, node: int) -> Network:
    """The same nodes, with every link of `node` removed (it stays, isolated)."""
    deg = net.degree()
    src = np.repeat(np.arange(net.n_nodes), deg)
    dst = net.indices.astype(np.int64)
    keep = (src < dst) & (src != node) & (dst != node)
    return from_edges(src[keep], dst[keep], net.n_nodes, 0, name=net.name)


def cynetdiff_reach(net: Network, seeds: np.ndarray, p: float, n: int, seed: int) -> np.ndarray:
    """n runs of CyNetDiff's IndependentCascadeModel; reach of each."""
    from cynetdiff.models import IndependentCascadeModel

    model = IndependentCascadeModel(net.indptr[:-1].astype(np.uint32), net.indices.astype(np.uint32),
                                    activation_prob=p, rng=seed)
    model.set_seeds([int(s) for s in seeds])
    out = np.empty(n)
    for i in range(n):
        model.reset_model()
        model.advance_until_completion()
        out[i] = model.get_num_activated_nodes()
    return out


def ndlib_model(net: Network, p: float):
    """NDlib's IndependentCascadesModel on a networkx copy of the graph, every edge at p
    (configured once; the benchmark times the runs, not this set-up)."""
    import networkx as nx
    import ndlib.models.ModelConfig as mc
    import ndlib.models.epidemics as ep

    g = nx.Graph()
    g.add_nodes_from(range(net.n_nodes))
    deg = net.degree()
    src = np.repeat(np.arange(net.n_nodes), deg)
    dst = net.indices.astype(np.int64)
    up = src < dst
    g.add_edges_from(zip(src[up].tolist(), dst[up].tolist()))
    model = ep.IndependentCascadesModel(g)
    config = mc.Configuration()
    config.add_model_initial_configuration("Infected", [0])
    for e in g.edges():
        config.add_edge_configuration("threshold", e, p)
    model.set_initial_status(config)
    return model


def ndlib_reach(model, seeds: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n runs of a configured NDlib model from the seeds until no node is newly infected."""
    np.random.seed(seed)  # NDlib draws from numpy's global generator
    seeds = [int(s) for s in seeds]
    out = np.empty(n)
    for i in range(n):
        model.reset(infected_nodes=seeds)
        model.iteration(node_status=False)
        while True:
            it = model.iteration(node_status=False)
            if it["node_count"].get(1, 0) == 0:
                break
        counts = it["node_count"]
        out[i] = counts.get(1, 0) + counts.get(2, 0)
    return out
