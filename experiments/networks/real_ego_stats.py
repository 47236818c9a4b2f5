"""Compare the synthetic ego network with real ones (ego-Facebook's largest egos).

For each sender: how many contacts, the fraction of contact pairs who know each other
(``sender_clustering``), how many of the sender's other contacts each contact knows (mean,
median, coefficient of variation, 10th/90th percentile, max), the average clustering of the
contacts' network (networkx), the tie strengths that ``from: overlap`` gives (mean, median,
mean of the strongest 150: the default close ties), how many people are 1, 2, and 3 or more
hops from the sender (``hop_classes``; 3 includes the unreachable), and, for the synthetic
one, how many of the strongest ties by neighbourhood overlap are the close ties it planted,
the whole graph's size and how many other outside people each outside person knows.

    OUTREACH_DATA_DIR=/work/shared/data .venv/bin/python experiments/networks/real_ego_stats.py
"""

from __future__ import annotations

import sys
import time

import networkx as nx
import numpy as np
from omegaconf import OmegaConf
from scipy.sparse.csgraph import shortest_path

import sim.config.schema as C
from sim.network import hop_classes
from sim.network.shared_data import data_file
from sim.network.edgelist import load_edgelist
from sim.network.generators import ego_with_close_ties
from sim.network.ties import overlap, rescale

EGOS = (107, 1684, 1912, 3437, 0, 348)


def ego_stats(net, sender: int) -> dict:
    nb = net.neighbours(sender)
    mark = np.zeros(net.n_nodes, dtype=bool)
    mark[nb] = True
    within = np.array([int(mark[net.neighbours(v)].sum()) for v in nb])
    g = nx.Graph()
    g.add_nodes_from(nb.tolist())
    for v in nb.tolist():
        g.add_edges_from((v, u) for u in net.neighbours(v).tolist() if mark[u] and u > v)
    _, o = overlap(net, sender)
    w = np.sort(rescale(o))[::-1]  # tie strength from=overlap, as the population uses it
    return {
        "contacts": len(nb),
        "sender_clustering": round(net.sender_clustering(sender), 4),
        "within_mean": round(float(within.mean()), 1),
        "within_median": float(np.median(within)),
        "within_cv": round(float(within.std() / within.mean()), 2),
        "within_p10_p90": (float(np.percentile(within, 10)), float(np.percentile(within, 90))),
        "within_max": int(within.max()),
        "contacts_knowing_none": int((within == 0).sum()),
        "contacts_avg_clustering": round(nx.average_clustering(g), 3),
        "tie_strength_mean_median": (round(float(w.mean()), 3), round(float(np.median(w)), 3)),
        "strongest_150_mean": round(float(w[:150].mean()), 3),
        "hops_1_2_3plus": np.bincount(hop_classes(net, np.array([sender]))[0], minlength=4)[1:].tolist(),
    }


def outside_stats(net, c: int) -> dict:
    """The synthetic network's size, how far past two hops its people are, and the links
    among its outside people (nodes c+1..)."""
    a = net.adjacency()
    deg = np.diff(a.tocsr()[c + 1:, c + 1:].indptr)
    dist = shortest_path(a, unweighted=True, indices=net.sender)
    return {
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "hops_3_4_5plus_unreachable": [int((dist == 3).sum()), int((dist == 4).sum()),
                                       int(((dist >= 5) & np.isfinite(dist)).sum()),
                                       int(np.isinf(dist).sum())],
        "outside_people": len(deg),
        "outside_know_outside_mean_median_max": (round(float(deg.mean()), 2), float(np.median(deg)),
                                                 int(deg.max())),
    }


def main() -> None:
    path = data_file("facebook_combined.txt")
    if path.exists():
        fb = load_edgelist(path)
        print(f"ego-Facebook ({path})")
        for ego in EGOS:
            print(f"  sender {ego}:", ego_stats(fb, int(np.searchsorted(fb.node_ids, ego))))
    else:
        print(f"ego-Facebook not found at {path}; set OUTREACH_DATA_DIR", file=sys.stderr)
    cfg = OmegaConf.structured(C.EgoNetworkConfig(strong_ties=150))
    for key_value in sys.argv[1:]:  # e.g. clustering_beta=3
        key, value = key_value.split("=")
        cfg[key] = float(value)
    print(f"synthetic ego ({OmegaConf.to_yaml(cfg).strip().replace(chr(10), ', ')})")
    for seed in range(3):
        t = time.perf_counter()
        net, strong = ego_with_close_ties(cfg, np.random.default_rng(seed))
        elapsed = time.perf_counter() - t
        contacts, o = overlap(net, 0)
        top = contacts[np.argsort(-o, kind="stable")[: int(strong.sum())]]
        hit = float(strong[top - 1].mean()) if len(top) else float("nan")
        print(f"  seed {seed} ({elapsed:.2f} s):", ego_stats(net, 0),
              f"close ties among the {len(top)} strongest by overlap: {hit:.2f}",
              outside_stats(net, int(cfg.n_contacts)))


if __name__ == "__main__":
    main()
