"""Cut a large graph down to the part of it a sender's outreach can reach.

radius 1 keeps the sender, the contacts and the ties among the contacts: enough for tie
strength from overlap *within* that circle, but shares reach nobody beyond it, and each
contact's degree (hence its overlap with the sender) counts only links inside the circle.
radius 2 adds the contacts' own connections (the audience that sees a contact's share) and
the ties among all of these; every contact keeps its full neighbourhood, so overlap-based
tie strengths are the same as on the whole graph.
"""

from __future__ import annotations

import numpy as np

from sim.network.graph import Network, index_ranges


def within(net: Network, radius: int) -> np.ndarray:
    """Sorted indices of the nodes at most ``radius`` hops from the sender."""
    keep = np.zeros(net.n_nodes, dtype=bool)
    keep[net.sender] = True
    frontier = np.array([net.sender], dtype=np.int64)
    for _ in range(int(radius)):
        nb = net.indices[index_ranges(net.indptr[frontier], net.indptr[frontier + 1])]
        nb = np.unique(nb)
        frontier = nb[~keep[nb]].astype(np.int64)
        keep[frontier] = True
    return np.flatnonzero(keep)


def ego_network(net: Network, radius: int) -> Network:
    """The subgraph induced by the nodes within ``radius`` hops, sender remapped.

    Node ids survive: a file's ids are kept, and a generated graph's node indices become
    its ids, so the summary still names the sender as it was configured.
    """
    nodes = within(net, radius)
    new = np.full(net.n_nodes, -1, dtype=np.int64)
    new[nodes] = np.arange(len(nodes))
    pos = index_ranges(net.indptr[nodes], net.indptr[nodes + 1])
    cols = new[net.indices[pos]]
    inside = cols >= 0
    row = np.repeat(np.arange(len(nodes)), np.diff(net.indptr)[nodes])
    counts = np.bincount(row[inside], minlength=len(nodes))
    indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    ids = net.node_ids[nodes] if net.node_ids is not None else nodes.astype(np.int64)
    weights = None if net.weights is None else net.weights[pos[inside]]
    info = dict(net.info)
    info["radius"] = int(radius)
    info["whole_graph"] = {"nodes": int(net.n_nodes), "edges": int(net.n_edges)}
    return Network(
        indptr=indptr,
        indices=cols[inside].astype(np.int32),  # order kept: new indices rise with old ones
        sender=int(new[net.sender]),
        node_ids=ids,
        weights=weights,
        name=f"{net.name} radius {int(radius)} around {net.node_id(net.sender)}",
        info=info,
    )
