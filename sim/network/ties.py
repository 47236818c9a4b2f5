"""Tie strength between a sender and each contact, from the graph's structure.

Onnela et al. (2007, PNAS 104:7332) found that the overlap of two people's neighbourhoods
tracks the strength of their tie; it is the structural proxy used when no weights exist.
"""

from __future__ import annotations

import numpy as np

from sim.errors import NetworkError
from sim.network.graph import Network, index_ranges


def mutual_contacts(net: Network, sender: int) -> tuple[np.ndarray, np.ndarray]:
    """The sender's contacts and, for each, how many contacts they share with the sender."""
    contacts = net.neighbours(sender).astype(np.int64)
    mark = np.zeros(net.n_nodes, dtype=bool)
    mark[contacts] = True
    starts, ends = net.indptr[contacts], net.indptr[contacts + 1]
    gathered = mark[net.indices[index_ranges(starts, ends)]]
    lengths = ends - starts
    mutual = np.zeros(len(contacts), dtype=np.int64)
    nz = lengths > 0
    if nz.any():
        csum = np.concatenate(([0], np.cumsum(gathered, dtype=np.int64)))
        ends_pos = np.cumsum(lengths)
        mutual = csum[ends_pos] - csum[ends_pos - lengths]
    return contacts, mutual


def overlap(net: Network, sender: int) -> tuple[np.ndarray, np.ndarray]:
    """Raw neighbourhood overlap n_ij / ((k_i - 1) + (k_j - 1) - n_ij) for each contact j."""
    contacts, n_ij = mutual_contacts(net, sender)
    deg = net.degree()
    denom = (deg[sender] - 1) + (deg[contacts] - 1) - n_ij
    o = np.divide(n_ij, denom, out=np.zeros(len(contacts)), where=denom > 0)
    return contacts, o


def rescale(x: np.ndarray) -> np.ndarray:
    """Divide by the maximum so the strongest tie is 1; an all-zero vector stays zero."""
    x = np.asarray(x, dtype=float)
    m = x.max() if len(x) else 0.0
    return x / m if m > 0 else np.zeros_like(x)


def edge_weights(net: Network, sender: int) -> np.ndarray:
    """The file's weight column on the sender's edges, in neighbour order."""
    if net.weights is None:
        raise NetworkError(f"{net.name}: the network has no edge weights")
    return net.weights[net.indptr[sender] : net.indptr[sender + 1]].astype(float)
