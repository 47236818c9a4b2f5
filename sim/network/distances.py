"""Temporary: replaced by the real module."""
import numpy as np


def hop_classes(net, sources):
    out = np.full((len(sources), net.n_nodes), 3, dtype=np.int8)
    for i, s in enumerate(sources):
        nb = net.indices[net.indptr[s]:net.indptr[s + 1]]
        two = np.concatenate([net.indices[net.indptr[v]:net.indptr[v + 1]] for v in nb]) if len(nb) else np.zeros(0, int)
        out[i, two] = 2
        out[i, nb] = 1
        out[i, s] = 0
    return out
