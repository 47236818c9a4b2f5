"""The graph a run uses: an undirected CSR adjacency with the sender chosen.

CSR arrays, not a networkx graph, because the engine gathers neighbours of thousands of
sharers per hour over replicates, and a 1,000,000-node graph must fit in a few GB.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


@dataclass
class Network:
    indptr: np.ndarray  # int64, length N + 1
    indices: np.ndarray  # int32, neighbours of node i at indices[indptr[i]:indptr[i+1]]
    sender: int  # index of the (primary) sender
    node_ids: np.ndarray | None = None  # original ids from a file; None means 0..N-1
    weights: np.ndarray | None = None  # edge weights aligned with indices, from a file
    name: str = "network"
    info: dict = field(default_factory=dict)  # what the source reports (file, dropped lines)
    # Who the nodes are, for a network of the user's own contacts (sim/network/own.py): a
    # DataFrame of name, url, email indexed by node index. Kept out of node_ids (which are
    # hashes there) and out of every output, so that only a plan the user asks for names them.
    people: object = None

    @property
    def n_nodes(self) -> int:
        return len(self.indptr) - 1

    @property
    def n_edges(self) -> int:
        return int(len(self.indices) // 2)

    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)

    def neighbours(self, i: int) -> np.ndarray:
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    def node_id(self, i: int):
        return int(i) if self.node_ids is None else self.node_ids[i].item()

    def adjacency(self) -> sp.csr_matrix:
        n = self.n_nodes
        data = np.ones(len(self.indices), dtype=np.int32)
        return sp.csr_matrix((data, self.indices, self.indptr), shape=(n, n))

    def sender_clustering(self, i: int | None = None) -> float:
        """Fraction of pairs of the sender's contacts who know each other."""
        i = self.sender if i is None else i
        nb = self.neighbours(i)
        k = len(nb)
        if k < 2:
            return 0.0
        mark = np.zeros(self.n_nodes, dtype=bool)
        mark[nb] = True
        starts, ends = self.indptr[nb], self.indptr[nb + 1]
        gathered = self.indices[index_ranges(starts, ends)]
        inside = int(mark[gathered].sum())
        return inside / (k * (k - 1))

    def average_clustering(self, max_edges: int = 2_000_000) -> float | None:
        """Mean local clustering over all nodes (networkx's definition); None if too large."""
        if self.n_edges > max_edges:
            return None
        a = self.adjacency().astype(np.int64)
        tri = np.asarray((a @ a).multiply(a).sum(axis=1)).ravel() / 2.0
        deg = self.degree().astype(float)
        pairs = deg * (deg - 1) / 2.0
        local = np.divide(tri, pairs, out=np.zeros_like(tri), where=pairs > 0)
        return float(local.mean())

    def describe(self) -> dict:
        deg = self.degree()
        avg_c = self.average_clustering()
        return {
            "name": self.name,
            "nodes": int(self.n_nodes),
            "edges": int(self.n_edges),
            "sender": self.node_id(self.sender),
            "sender_degree": int(deg[self.sender]),
            "sender_clustering": round(self.sender_clustering(), 4),
            "average_clustering": None if avg_c is None else round(avg_c, 4),
            "mean_degree": round(float(deg.mean()), 3),
            **self.info,
        }


def index_ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenate arange(s, e) for each pair without a Python loop."""
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return np.arange(total, dtype=np.int64) + offsets


def from_edges(
    u: np.ndarray,
    v: np.ndarray,
    n: int,
    sender: int = 0,
    *,
    weights: np.ndarray | None = None,
    node_ids: np.ndarray | None = None,
    name: str = "network",
    info: dict | None = None,
) -> Network:
    """Undirected simple graph from an edge list: self-loops and duplicates dropped.

    The dropped counts go into ``info`` so a loader can log them. With weights, a duplicate
    edge keeps the first weight seen.
    """
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    info = dict(info or {})
    loops = u == v
    info.setdefault("self_loops_dropped", int(loops.sum()))
    u, v = u[~loops], v[~loops]
    w = None if weights is None else np.asarray(weights, dtype=float)[~loops]
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    key = lo * n + hi
    _, first = np.unique(key, return_index=True)
    first.sort()
    info.setdefault("duplicate_edges_dropped", int(len(key) - len(first)))
    lo, hi = lo[first], hi[first]
    src = np.concatenate([lo, hi])
    dst = np.concatenate([hi, lo])
    ew = None
    if w is not None:
        w = w[first]
        ew = np.concatenate([w, w])
    # scipy's COO -> CSR conversion sorts in compiled code; carry the edge position as data
    pos = np.arange(1, len(src) + 1, dtype=np.int64)
    m = sp.csr_matrix((pos, (src, dst)), shape=(n, n))
    m.sort_indices()
    indptr = m.indptr.astype(np.int64)
    if ew is not None:
        ew = ew[m.data - 1]
    dst = m.indices
    return Network(
        indptr=indptr,
        indices=dst.astype(np.int32),
        sender=int(sender),
        node_ids=node_ids,
        weights=ew,
        name=name,
        info=info,
    )
