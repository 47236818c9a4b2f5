"""How far each person is from each sender, in hops, up to three (``hop_classes``).

For counting whom a sender's ask reached by distance: the sender's contacts (1 hop), their
connections (2) and everyone further (3 means 3 or more, or never reachable). Only two
levels of a breadth-first search are needed: mark the neighbours, then the neighbours'
neighbours; everything left is class 3. Compiled (numba) over the CSR arrays, one source
after another: a source costs the sum of its neighbours' degrees, so all sources together
cost at most the sum of squared degrees. The result takes one byte per source and node:
11,000 sources on the default ego network (13,639 nodes, 98,774 edges) are 150 MB, filled in
~0.07 s.
"""

from __future__ import annotations

import numpy as np
from numba import njit

FAR = 3  # the class of nodes 3 or more hops away, and of nodes not reachable at all


def hop_classes(net, sources: np.ndarray) -> np.ndarray:
    """An int8 array (len(sources), net.n_nodes): 0 for the source itself, 1 for its
    neighbours, 2 for nodes two hops away, 3 for three or more hops or unreachable."""
    src = np.asarray(sources)
    if src.ndim != 1 or (len(src) and not np.issubdtype(src.dtype, np.integer)):
        raise ValueError(f"hop_classes: sources must be a 1-d array of node indices, got {src!r}")
    src = src.astype(np.int64)
    n = net.n_nodes
    if len(src) and (src.min() < 0 or src.max() >= n):
        bad = int(src[(src < 0) | (src >= n)][0])
        raise ValueError(f"hop_classes: source {bad} is not a node index in 0..{n - 1}")
    out = np.full((len(src), n), FAR, dtype=np.int8)
    _fill(np.asarray(net.indptr, dtype=np.int64), np.asarray(net.indices), src, out)
    return out


@njit(cache=True, nogil=True)
def _fill(indptr, indices, sources, out):  # pragma: no cover - compiled
    for r in range(len(sources)):
        row = out[r]
        s = sources[r]
        lo, hi = indptr[s], indptr[s + 1]
        for k in range(lo, hi):
            row[indices[k]] = 1
        for k in range(lo, hi):
            v = indices[k]
            for q in range(indptr[v], indptr[v + 1]):
                u = indices[q]
                if row[u] == FAR:
                    row[u] = 2
        row[s] = 0  # last: a self-loop must not make the source its own neighbour
