"""The command line on a real SNAP file, and a bad file's one-line error."""

from __future__ import annotations

import json

import networkx as nx

from helpers import data_path, outreach


def test_facebook_sender_107_end_to_end(tmp_path):
    path = data_path("facebook_combined.txt")
    run = tmp_path / "run"
    res = outreach("network=edgelist", f"network.path={path}", "network.sender=107",
                   "replicates=4", "engine.batch_size=4", "output.plot=false",
                   "output.progress=false", f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    summary = json.loads((run / "summary.json").read_text())
    net = summary["network"]
    g = nx.read_edgelist(path, nodetype=int)
    assert net["name"] == "facebook_combined.txt"
    assert (net["nodes"], net["edges"]) == (4039, 88234)
    assert (net["sender"], net["sender_degree"]) == (107, 1045)
    assert net["sender_clustering"] == round(nx.density(g.subgraph(list(g[107]))), 4)
    assert net["average_clustering"] == round(nx.average_clustering(g), 4)
    assert summary["tie_strength_from"] == "overlap"  # auto: 99% of contacts share a friend
    assert summary["metrics"]["messages_sent"]["mean"] == 1045


def test_malformed_file_fails_in_one_line_without_results(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2\n2 3\n3\n")
    run = tmp_path / "run"
    res = outreach("network=edgelist", f"network.path={bad}", "replicates=2",
                   f"hydra.run.dir={run}")
    assert res.returncode == 2
    err = res.stderr.strip().splitlines()
    assert err[-1] == f"outreach: error: {bad} line 3: malformed, expected 2 fields (two node ids 'u v'), got 1: '3'"
    assert not (run / "summary.json").exists()
