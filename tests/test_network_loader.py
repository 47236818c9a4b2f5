"""Edge-list loading: the published counts of the real files, every format, every bad input."""

from __future__ import annotations

import gzip

import networkx as nx
import numpy as np
import pytest
from omegaconf import OmegaConf

from helpers import data_path

from sim.config.schema import EdgelistNetworkConfig
from sim.network import NetworkError, build_network
from sim.network.edgelist import load_edgelist


def edge_set(net):
    """Undirected edges as pairs of original node ids."""
    a = net.adjacency().tocoo()
    ids = net.node_ids if net.node_ids is not None else np.arange(net.n_nodes)
    return {tuple(sorted((ids[i].item(), ids[j].item()))) for i, j in zip(a.row, a.col) if i < j}


def write(tmp_path, name, text, mode="w"):
    p = tmp_path / name
    if mode == "wb":
        p.write_bytes(text)
    else:
        p.write_text(text)
    return p


def network_cfg(path, **kw):
    return OmegaConf.structured(EdgelistNetworkConfig(path=str(path), **kw))


# --------------------------------------------------------------------------- real files


def test_ego_facebook_has_the_published_counts():
    net = load_edgelist(data_path("facebook_combined.txt"))
    assert (net.n_nodes, net.n_edges) == (4039, 88234)  # SNAP's published figures
    assert net.info["self_loops_dropped"] == 0 and net.info["duplicate_edges_dropped"] == 0
    assert np.array_equal(net.node_ids, np.arange(4039))  # ids 0..4038 kept
    assert net.neighbours(107).size == 1045  # the issue: sender 107 has 1,045 friends


def test_email_eu_core_directed_arcs_become_ties_as_networkx_counts_them():
    path = data_path("email-Eu-core.txt")
    net = load_edgelist(path, directed=True)
    # independent count: networkx's directed graph, made undirected, self-loops removed
    g = nx.read_edgelist(path, nodetype=int, create_using=nx.DiGraph)
    assert g.number_of_edges() == 25571 and g.number_of_nodes() == 1005  # SNAP's figures
    u = g.to_undirected()
    u.remove_edges_from(list(nx.selfloop_edges(u)))
    assert net.n_nodes == 1005  # a node seen only in a self-loop is kept, without contacts
    assert net.n_edges == u.number_of_edges()
    assert edge_set(net) == {tuple(sorted(e)) for e in u.edges()}
    info = net.info
    assert info["lines"] == 25571 and info["self_loops_dropped"] == 642  # the data README
    # 17,730 non-loop arcs have their reverse (data README): 8,865 pairs merged into one tie
    assert info["reciprocal_arcs_merged"] == 17730 // 2
    assert net.n_edges == 25571 - 642 - 17730 // 2
    # read as undirected, the same ties; the reverse arcs are then duplicates
    und = load_edgelist(path, directed=False)
    assert edge_set(und) == edge_set(net)
    assert und.info["duplicate_edges_dropped"] == 17730 // 2


def test_wiki_vote_comments_and_tabs():
    path = data_path("Wiki-Vote.txt")
    net = load_edgelist(path, directed=True)
    g = nx.read_edgelist(path, nodetype=int, create_using=nx.DiGraph, comments="#")
    assert g.number_of_nodes() == 7115 and g.number_of_edges() == 103689
    assert net.n_nodes == 7115 and net.info["lines"] == 103689
    assert net.n_edges == g.to_undirected().number_of_edges()
    assert net.info["reciprocal_arcs_merged"] == 2927  # data README: 2,927 mutual pairs


def test_sender_107_by_config_and_max_degree():
    path = data_path("facebook_combined.txt")
    rng = np.random.default_rng(0)
    net = build_network(network_cfg(path, sender=107), rng)
    assert net.node_id(net.sender) == 107 and net.degree()[net.sender] == 1045
    net = build_network(network_cfg(path, sender="107"), rng)  # a string id finds it too
    assert net.node_id(net.sender) == 107
    hub = build_network(network_cfg(path), rng)  # default: max_degree
    g = nx.read_edgelist(path, nodetype=int)
    top = max(g.degree(), key=lambda kv: (kv[1], -kv[0]))
    assert (hub.node_id(hub.sender), int(hub.degree()[hub.sender])) == top


# --------------------------------------------------------------------------- formats


SNAP = "# a comment\n# Nodes: 5\n1 2\n2\t3\n\n3   4  \n  4\t5\n"


def test_snap_comments_tabs_spaces_blank_lines(tmp_path):
    net = load_edgelist(write(tmp_path, "g.txt", SNAP))
    assert edge_set(net) == {(1, 2), (2, 3), (3, 4), (4, 5)}
    assert net.info["format"] == "snap" and net.info["lines"] == 4


def test_crlf_and_gzip_give_the_same_graph(tmp_path):
    plain = load_edgelist(write(tmp_path, "g.txt", SNAP))
    crlf = load_edgelist(write(tmp_path, "g2.txt", SNAP.replace("\n", "\r\n").encode(), "wb"))
    gz = load_edgelist(write(tmp_path, "g.txt.gz", gzip.compress(SNAP.encode()), "wb"))
    for other in (crlf, gz):
        assert np.array_equal(other.indptr, plain.indptr)
        assert np.array_equal(other.indices, plain.indices)
        assert np.array_equal(other.node_ids, plain.node_ids)


def test_csv_header_string_ids_and_weights(tmp_path):
    p = write(tmp_path, "g.csv", "target,source,weight\nbob,alice,2.5\ncarol, alice ,1\nbob,carol,0\n")
    net = load_edgelist(p)
    assert net.node_ids.tolist() == ["alice", "bob", "carol"]
    assert edge_set(net) == {("alice", "bob"), ("alice", "carol"), ("bob", "carol")}
    alice = 0
    nb = net.neighbours(alice)
    w = dict(zip(net.node_ids[nb].tolist(), net.weights[net.indptr[alice]:net.indptr[alice + 1]]))
    assert w == {"bob": 2.5, "carol": 1.0}
    assert net.info["format"] == "csv"


def test_csv_with_byte_order_mark_and_quoted_header(tmp_path):
    p = write(tmp_path, "g.csv", '\ufeff"source","target"\n"x, y",z\n'.encode("utf-8"), "wb")
    net = load_edgelist(p)
    assert edge_set(net) == {("x, y", "z")}


def test_tsv_header(tmp_path):
    p = write(tmp_path, "g.tsv", "source\ttarget\tweight\n10\t20\t1\n20\t30\t4\n")
    net = load_edgelist(p)
    assert net.node_ids.tolist() == [10, 20, 30]
    assert net.weights is not None and sorted(set(net.weights)) == [1.0, 4.0]
    assert net.info["format"] == "columns with header"


def test_extra_columns_without_header_are_ignored(tmp_path):
    net = load_edgelist(write(tmp_path, "g.txt", "1 2 1234567\n2 3 1234999\n"))
    assert net.weights is None and net.info["extra_columns_ignored"] == 1
    assert edge_set(net) == {(1, 2), (2, 3)}


def test_self_loops_and_duplicates_dropped_and_counted(tmp_path):
    p = write(tmp_path, "g.txt", "1 2\n2 1\n1 1\n1 2\n3 4\n")
    und = load_edgelist(p)
    assert edge_set(und) == {(1, 2), (3, 4)}
    assert und.info["self_loops_dropped"] == 1 and und.info["duplicate_edges_dropped"] == 2
    arcs = load_edgelist(p, directed=True)
    assert edge_set(arcs) == {(1, 2), (3, 4)}
    assert arcs.info["self_loops_dropped"] == 1
    assert arcs.info["duplicate_edges_dropped"] == 1  # the second 1 -> 2
    assert arcs.info["reciprocal_arcs_merged"] == 1  # 2 -> 1 joins 1 -> 2


def test_directed_reciprocal_weights_are_summed(tmp_path):
    p = write(tmp_path, "g.csv", "source,target,weight\na,b,1\nb,a,2\na,c,5\n")
    net = load_edgelist(p, directed=True)
    a = 0
    w = dict(zip(net.node_ids[net.neighbours(a)].tolist(), net.weights[net.indptr[a]:net.indptr[a + 1]]))
    assert w == {"b": 3.0, "c": 5.0}
    und = load_edgelist(p, directed=False)  # a duplicate keeps the first weight
    w = dict(zip(und.node_ids[und.neighbours(a)].tolist(), und.weights[und.indptr[a]:und.indptr[a + 1]]))
    assert w == {"b": 1.0, "c": 5.0}


def test_string_ids_that_look_like_missing_values(tmp_path):
    net = load_edgelist(write(tmp_path, "g.txt", "NA null\nnull nan\n"))
    assert sorted(net.node_ids.tolist()) == ["NA", "nan", "null"]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("content, mode, message", [
    ("", "w", "the file is empty (no edges)"),
    ("   \n\n", "w", "the file is empty (no edges)"),
    ("# only a comment\n#\n", "w", "the file is empty (only comments, no edges)"),
    ("source,target,weight\n# nothing else\n", "w", "the file is empty (a header but no edges)"),
    (b"1 2\n\x00\x01\x02binary", "wb", "binary content (NUL byte at offset 4), expected a text edge list"),
    (b"\xff\xfe\xfa 1 2\n", "wb", "binary content (not UTF-8 text at byte 0), expected a text edge list"),
    (b"\x1f\x8b\x08garbage", "wb", "not a valid gzip file"),
])
def test_unreadable_files(tmp_path, content, mode, message):
    p = write(tmp_path, "bad.txt", content, mode)
    with pytest.raises(NetworkError) as err:
        load_edgelist(p)
    assert str(err.value).startswith(f"network.path={p}: ")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path):
    p = tmp_path / "nope.txt"
    with pytest.raises(NetworkError, match=r"^network\.path=.*nope\.txt: no such file$"):
        load_edgelist(p)


@pytest.mark.parametrize("content, line, shown", [
    ("# header\n1 2\n3\n4 5\n", 3, "got 1: '3'"),
    ("1 2\n\n# c\n3 4 5\n", 4, "got 3: '3 4 5'"),
    ("source,target\na,b\nc\n", 3, "got 1: 'c'"),
    ("source,target,weight\na,b,1\nc,,2\n", 3, "got 3: 'c,,2'"),
])
def test_malformed_line_is_named(tmp_path, content, line, shown):
    p = write(tmp_path, "bad.txt", content)
    with pytest.raises(NetworkError) as err:
        load_edgelist(p)
    msg = str(err.value)
    assert msg.startswith(f"{p} line {line}: malformed") and msg.endswith(shown), msg
    assert "\n" not in msg


def test_non_numeric_and_negative_weights(tmp_path):
    p = write(tmp_path, "w.csv", "source,target,weight\na,b,1\n# note\nc,d,heavy\n")
    with pytest.raises(NetworkError) as err:
        load_edgelist(p)
    assert str(err.value) == f"{p} line 4: weight 'heavy' is not a number >= 0: 'c,d,heavy'"
    p = write(tmp_path, "n.csv", "source,target,weight\na,b,-1\n")
    with pytest.raises(NetworkError, match=r"line 2: weight .*-1.* is not a number >= 0"):
        load_edgelist(p)


def test_csv_without_header_and_header_without_hash(tmp_path):
    p = write(tmp_path, "g.csv", "u,v\n1,2\n")
    with pytest.raises(NetworkError) as err:
        load_edgelist(p)
    assert str(err.value) == (f"{p} line 1: a comma-separated file needs a header naming the "
                              "columns source,target[,weight], got 'u,v'")
    p = write(tmp_path, "g.txt", "FromNodeId ToNodeId\n1 2\n2 3\n")
    with pytest.raises(NetworkError, match=r"line 1: looks like a header \('FromNodeId ToNodeId'\)"):
        load_edgelist(p)


def test_sender_not_in_graph_and_sender_without_contacts(tmp_path):
    p = write(tmp_path, "g.txt", "1 1\n2 3\n3 4\n")
    rng = np.random.default_rng(0)
    with pytest.raises(NetworkError) as err:
        build_network(network_cfg(p, sender=99), rng)
    assert str(err.value) == "network.sender=99: no such node in g.txt (4 nodes)"
    with pytest.raises(NetworkError) as err:
        build_network(network_cfg(p, sender="x"), rng)
    assert str(err.value) == "network.sender='x': no such node in g.txt (4 nodes)"
    with pytest.raises(NetworkError) as err:  # node 1 only has a self-loop, which is dropped
        build_network(network_cfg(p, sender=1), rng)
    assert str(err.value) == "network.sender=1: the sender has no contacts in g.txt"
