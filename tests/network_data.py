"""Helpers for network tests: the real SNAP files (found through sim.data, skipped if
absent) and a networkx copy of a graph, the independent implementation tests compare with."""

from __future__ import annotations

import networkx as nx
import pytest

from sim.network.shared_data import ENV_VAR, data_dir, data_file


def data_path(name: str):
    path = data_file(name)
    if not path.exists():
        pytest.skip(f"{name} not found in {data_dir()}: set {ENV_VAR} to the folder holding "
                    "the SNAP files (default <project root>/../shared/data)")
    return path


def to_nx(net) -> nx.Graph:
    """The same graph in networkx, isolated nodes included."""
    g = nx.Graph()
    g.add_nodes_from(range(net.n_nodes))
    a = net.adjacency().tocoo()
    g.add_edges_from((int(i), int(j)) for i, j in zip(a.row, a.col) if i < j)
    return g
