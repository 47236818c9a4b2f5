"""Compiled inner loops (numba) for the two places where numpy's whole-array passes cost more
than the work itself: drawing who sees a share, and keeping the first sighting of each person.
Everything else in the engine is numpy.

The kernels draw from the engine's own ``numpy.random.Generator`` (numba shares its bit
generator state), so a seed gives the same numbers whether or not the compile cache is warm.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def audience(rng, indptr, indices, nodes, p, exclude, base):  # pragma: no cover - compiled
    """For each sharer i (graph node nodes[i]), the connections v that see its post, each with
    probability p[i], never v == exclude[i]; returned as keys base[i] + v, grouped by sharer,
    connections in CSR order. Geometric skips from one seen connection to the next: the gap is
    ceil(E / -log(1 - q)) with E ~ Exp(1), so P(gap > k) = (1 - q)^k."""
    n = len(nodes)
    expect = 0.0
    for i in range(n):
        expect += (indptr[nodes[i] + 1] - indptr[nodes[i]]) * min(max(p[i], 0.0), 1.0)
    cap = int(expect + 4.0 * np.sqrt(expect) + 64.0)
    keys = np.empty(cap, dtype=np.int64)
    k = 0
    for i in range(n):
        a = indptr[nodes[i]]
        b = indptr[nodes[i] + 1]
        q = p[i]
        if b <= a or q <= 0.0:
            continue
        every = q >= 1.0
        scale = 0.0 if every else -1.0 / np.log1p(-q)
        j = a if every else a + max(1, int(np.ceil(rng.standard_exponential() * scale))) - 1
        while j < b:
            v = indices[j]
            if v != exclude[i]:
                if k == cap:
                    cap *= 2
                    grown = np.empty(cap, dtype=np.int64)
                    grown[:k] = keys[:k]
                    keys = grown
                keys[k] = base[i] + v
                k += 1
            j += 1 if every else max(1, int(np.ceil(rng.standard_exponential() * scale)))
    return keys[:k]


@njit(cache=True, nogil=True)
def first_sightings(seen, keys):  # pragma: no cover - compiled
    """The keys not yet in ``seen``, each once, in order of first appearance; marks them seen."""
    out = np.empty(len(keys), dtype=np.int64)
    k = 0
    for key in keys:
        if not seen[key]:
            seen[key] = True
            out[k] = key
            k += 1
    return out[:k]
