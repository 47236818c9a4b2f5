"""Our ``Network`` as a networkx graph, so that networkx's own algorithms (clustering, ego
graphs, shortest paths, generators' statistics) can check ours independently."""

from __future__ import annotations

import networkx as nx


def to_nx(net) -> nx.Graph:
    """The same graph in networkx (nodes 0..N-1, isolated nodes included), read edge by edge
    from the network's adjacency: every stored (i, j), in either direction, becomes the edge
    i-j (so an entry stored one way only is not lost); self-loops are left out."""
    g = nx.Graph()
    g.add_nodes_from(range(net.n_nodes))
    a = net.adjacency().tocoo()
    g.add_edges_from((i, j) for i, j in zip(a.row.tolist(), a.col.tolist()) if i != j)
    return g
