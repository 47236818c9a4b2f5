"""Ego extraction (network.radius): the same nodes and ties as networkx's ego_graph."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from omegaconf import OmegaConf

from helpers import data_path

from sim.config.schema import EdgelistNetworkConfig, ErdosRenyiNetworkConfig
from sim.network import build_network, from_edges
from sim.network.extract import ego_network


def ids_edges(net):
    a = net.adjacency().tocoo()
    ids = net.node_ids
    return {tuple(sorted((ids[i].item(), ids[j].item()))) for i, j in zip(a.row, a.col) if i < j}


@pytest.mark.parametrize("radius", [1, 2])
def test_matches_networkx_ego_graph(radius):
    g = nx.gnm_random_graph(400, 1200, seed=3)
    e = np.array(list(g.edges()))
    ids = np.arange(400) * 10 + 5  # file-like ids, not the indices
    w = np.arange(len(e), dtype=float) + 1.0
    net = from_edges(e[:, 0], e[:, 1], 400, 17, weights=w, node_ids=ids, name="g")
    sub = ego_network(net, radius)
    ref = nx.ego_graph(g, 17, radius=radius)
    assert sorted(sub.node_ids.tolist()) == sorted(i * 10 + 5 for i in ref.nodes())
    assert ids_edges(sub) == {tuple(sorted((i * 10 + 5, j * 10 + 5))) for i, j in ref.edges()}
    assert sub.node_id(sub.sender) == 175  # the sender is remapped, its id kept
    # each tie keeps its weight
    weight = {tuple(sorted(p)): wt for p, wt in zip(map(tuple, e.tolist()), w)}
    for i in range(sub.n_nodes):
        for j, wt in zip(sub.neighbours(i), sub.weights[sub.indptr[i]:sub.indptr[i + 1]]):
            a, b = (sub.node_ids[i] - 5) // 10, (sub.node_ids[j] - 5) // 10
            assert weight[tuple(sorted((int(a), int(b))))] == wt
    assert sub.info["radius"] == radius and sub.info["whole_graph"] == {"nodes": 400, "edges": 1200}


def test_generated_graph_gets_its_indices_as_ids():
    cfg = OmegaConf.structured(ErdosRenyiNetworkConfig(n=300, mean_degree=4, sender=12, radius=1))
    net = build_network(cfg, np.random.default_rng(1))
    assert net.node_id(net.sender) == 12
    assert net.n_nodes == 1 + net.degree()[net.sender]


def test_facebook_sender_107_radius_1():
    path = data_path("facebook_combined.txt")
    cfg = OmegaConf.structured(EdgelistNetworkConfig(path=str(path), sender=107, radius=1))
    net = build_network(cfg, np.random.default_rng(0))
    g = nx.read_edgelist(path, nodetype=int)
    ref = nx.ego_graph(g, 107, radius=1)
    assert net.n_nodes == 1046 == ref.number_of_nodes()
    assert net.n_edges == ref.number_of_edges()
    assert net.node_id(net.sender) == 107 and net.degree()[net.sender] == 1045
