"""hop_classes (each node's distance class from each sender: 0, 1, 2, 3 = three or more hops
or unreachable) against networkx's breadth-first search on small graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim.network import from_edges, hop_classes


def as_network(g: nx.Graph):
    edges = np.array(list(g.edges()), dtype=np.int64).reshape(-1, 2)
    return from_edges(edges[:, 0], edges[:, 1], g.number_of_nodes(), 0)


def networkx_classes(g: nx.Graph, sources) -> np.ndarray:
    out = np.full((len(sources), g.number_of_nodes()), 3, dtype=np.int8)
    for r, s in enumerate(sources):
        for node, d in nx.single_source_shortest_path_length(g, int(s)).items():
            out[r, node] = min(d, 3)
    return out


def disconnected() -> nx.Graph:
    """A path, a triangle with a tail, and two isolated nodes, in one graph."""
    g = nx.Graph()
    g.add_nodes_from(range(14))
    nx.add_path(g, [0, 1, 2, 3, 4, 5])
    g.add_edges_from([(6, 7), (7, 8), (8, 6), (8, 9), (9, 10), (10, 11)])
    return g  # 12 and 13 have no links


GRAPHS = {
    "path": nx.path_graph(9),
    "star": nx.star_graph(7),
    "cycle": nx.cycle_graph(11),
    "complete": nx.complete_graph(5),
    "grid": nx.convert_node_labels_to_integers(nx.grid_2d_graph(5, 6)),
    "sparse random": nx.gnp_random_graph(80, 0.03, seed=1),
    "denser random": nx.gnp_random_graph(60, 0.1, seed=2),
    "powerlaw cluster": nx.powerlaw_cluster_graph(100, 2, 0.5, seed=3),
    "disconnected": disconnected(),
}


@pytest.mark.parametrize("name", list(GRAPHS))
def test_hop_classes_agree_with_networkx_from_every_node(name):
    g = GRAPHS[name]
    sources = np.arange(g.number_of_nodes())
    got = hop_classes(as_network(g), sources)
    assert got.dtype == np.int8 and got.shape == (len(sources), g.number_of_nodes())
    np.testing.assert_array_equal(got, networkx_classes(g, sources))


def test_hop_classes_any_sources_in_any_order():
    """Repeated and unordered sources: each row is its own source's, nothing carried over."""
    g = nx.gnp_random_graph(120, 0.02, seed=4)
    sources = np.array([7, 3, 7, 119, 0, 3, 55], dtype=np.int32)
    np.testing.assert_array_equal(hop_classes(as_network(g), sources), networkx_classes(g, sources))


def test_hop_classes_of_no_sources_is_empty():
    got = hop_classes(as_network(nx.path_graph(4)), np.array([], dtype=np.int64))
    assert got.shape == (0, 4) and got.dtype == np.int8


def test_hop_classes_refuse_a_node_that_is_not_there():
    with pytest.raises(ValueError, match="source 4 is not a node index in 0..3"):
        hop_classes(as_network(nx.path_graph(4)), np.array([0, 4]))
