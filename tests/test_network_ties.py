"""Tie strength from structure and from a weight column; the network's description."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from omegaconf import OmegaConf

from oracles.graphs import to_nx
from sim.config.schema import DefaultPopulationConfig
from sim.errors import NetworkError
from sim.network import from_edges
from sim.network import ties
from sim.network.edgelist import load_edgelist
from sim.rules.population import _tie_strengths, build_population

# Sender 0 with contacts 1, 2, 3, 4, 8; contacts know each other as below; 5, 6, 7 are
# outside people. Neighbourhoods: N(0) = {1,2,3,4,8}, N(1) = {0,2,3,4}, N(2) = {0,1,5},
# N(3) = {0,1,4}, N(4) = {0,1,3,6,7}, N(8) = {0}.
HAND_EDGES = [(0, 1), (0, 2), (0, 3), (0, 4), (0, 8), (1, 2), (1, 3), (1, 4), (2, 5), (3, 4),
              (4, 6), (4, 7)]
# Onnela et al. (2007): O_ij = n_ij / ((k_i - 1) + (k_j - 1) - n_ij), k_0 = 5, by hand:
#   contact 1: n = |{2,3,4}| = 3, k = 4: 3 / (4 + 3 - 3) = 3/4
#   contact 2: n = |{1}|     = 1, k = 3: 1 / (4 + 2 - 1) = 1/5
#   contact 3: n = |{1,4}|   = 2, k = 3: 2 / (4 + 2 - 2) = 1/2
#   contact 4: n = |{1,3}|   = 2, k = 5: 2 / (4 + 4 - 2) = 1/3
#   contact 8: n = 0,            k = 1: 0 / (4 + 0 - 0) = 0
HAND_OVERLAP = {1: 3 / 4, 2: 1 / 5, 3: 1 / 2, 4: 1 / 3, 8: 0.0}
HAND_MUTUAL = {1: 3, 2: 1, 3: 2, 4: 2, 8: 0}


def hand_network():
    e = np.array(HAND_EDGES)
    return from_edges(e[:, 0], e[:, 1], 9, 0, name="hand")


def test_overlap_matches_the_hand_computation():
    contacts, o = ties.overlap(hand_network(), 0)
    assert dict(zip(contacts.tolist(), o.tolist())) == pytest.approx(HAND_OVERLAP)
    contacts, n = ties.mutual_contacts(hand_network(), 0)
    assert dict(zip(contacts.tolist(), n.tolist())) == HAND_MUTUAL


@pytest.mark.parametrize("source, expected", [
    ("overlap", {j: v / (3 / 4) for j, v in HAND_OVERLAP.items()}),  # rescaled: max -> 1
    ("embeddedness", {j: v / 3 for j, v in HAND_MUTUAL.items()}),
])
def test_population_tie_strength_from_structure(source, expected):
    contacts, w, used = _tie_strengths(hand_network(), 0, {"from": source}, np.random.default_rng(0))
    assert used == source
    assert dict(zip(contacts.tolist(), w.tolist())) == pytest.approx(expected)


def test_close_ties_are_the_strongest_by_overlap():
    cfg = OmegaConf.structured(DefaultPopulationConfig(tie_strength={"from": "overlap"}))
    pop = build_population(cfg, hand_network(), np.array([0]), 2, np.random.default_rng(0))
    assert pop.pair_contact.tolist() == [1, 3, 4, 2, 8]  # strongest first
    assert pop.pair_contact[pop.close].tolist() == [1, 3]


def test_weight_column_from_csv(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text("source,target,weight\nme,ann,4\nbob,me,2\nme,cy,1\nann,bob,9\n")
    net = load_edgelist(p)
    me = int(np.flatnonzero(net.node_ids == "me")[0])
    for source in ("weight", "auto"):  # auto prefers a weight column when there is one
        contacts, w, used = _tie_strengths(net, me, {"from": source}, np.random.default_rng(0))
        assert used == "weight"
        got = dict(zip(net.node_ids[contacts].tolist(), w.tolist()))
        assert got == pytest.approx({"ann": 1.0, "bob": 0.5, "cy": 0.25})  # weight / max


def test_weight_without_a_weight_column_is_an_error():
    with pytest.raises(NetworkError, match="from=weight: the network has no weight column"):
        _tie_strengths(hand_network(), 0, {"from": "weight"}, np.random.default_rng(0))


@pytest.mark.parametrize("seed", [0, 1])
def test_clustering_equals_networkx(seed):
    g = nx.powerlaw_cluster_graph(300, 3, 0.6, seed=seed)
    g.add_node(300)  # an isolated node counts as clustering 0 in networkx
    e = np.array(list(g.edges()))
    net = from_edges(e[:, 0], e[:, 1], 301, 0)
    assert net.average_clustering() == pytest.approx(nx.average_clustering(g), abs=1e-12)
    for s in (0, 7):
        net.sender = s
        density = nx.density(g.subgraph(list(g[s])))
        assert net.sender_clustering() == pytest.approx(density, abs=1e-12)


def test_describe_names_the_graph():
    net = hand_network()
    d = net.describe()
    g = to_nx(net)
    assert d["name"] == "hand"
    assert (d["nodes"], d["edges"], d["sender"], d["sender_degree"]) == (9, 12, 0, 5)
    assert d["average_clustering"] == round(nx.average_clustering(g), 4)
    assert d["sender_clustering"] == round(nx.density(g.subgraph([1, 2, 3, 4, 8])), 4)
    assert d["self_loops_dropped"] == 0 and d["duplicate_edges_dropped"] == 0
