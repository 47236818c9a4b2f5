"""Synthetic networks against independent references: networkx, analytic results, real data."""

from __future__ import annotations

import hashlib

import networkx as nx
import networkx.generators.random_graphs as nx_random
import numpy as np
import pytest
from omegaconf import OmegaConf
from scipy import stats
from scipy.sparse.csgraph import shortest_path

from oracles.graphs import to_nx
from sim.config.schema import (EgoNetworkConfig, PowerlawClusterNetworkConfig,
                               SmallWorldNetworkConfig, StochasticBlockNetworkConfig)
from sim.config.validation import validate_network
from sim.errors import ConfigError
from sim.network import NetworkError, build_network
from sim.network.generators import ego_with_close_ties, outside_links
from sim.network.holme_kim import powerlaw_cluster
from sim.network.sources import small_world, stochastic_block
from sim.network.ties import overlap


# --------------------------------------------------------------------------- Holme-Kim


def networkx_holme_kim(n, m, p, seed, monkeypatch):
    """networkx's powerlaw_cluster_graph with its PA candidates used in random order.

    networkx keeps the m candidates in a set and pops them in hash order (for ints: by value
    modulo the table size), so candidates like the initial nodes 0..m-1 are used first and
    the others dropped when TF steps replace PA steps; that favours those nodes (max degree
    ~1.5x at p=0.9), which is not part of Holme & Kim's process. Shuffling restores it."""
    original = nx_random._random_subset

    def shuffled(seq, k, rng):
        s = list(original(seq, k, rng))
        rng.shuffle(s)
        return s

    with monkeypatch.context() as mp:
        mp.setattr(nx_random, "_random_subset", shuffled)
        return nx.powerlaw_cluster_graph(n, m, p, seed=seed)


@pytest.mark.parametrize("p", [0.3, 0.8])
def test_holme_kim_agrees_with_networkx(p, monkeypatch):
    n, m, runs = 2000, 4, 6
    ours = [powerlaw_cluster(n, m, p, np.random.default_rng(s)) for s in range(runs)]
    ref = [networkx_holme_kim(n, m, p, 100 + s, monkeypatch) for s in range(runs)]
    for net in ours:  # every new node adds exactly m distinct edges
        assert net.n_edges == (n - m) * m
        assert net.info["self_loops_dropped"] == 0 and net.info["duplicate_edges_dropped"] == 0
        assert net.degree()[m:].min() >= m
    c_ours = np.array([net.average_clustering() for net in ours])
    c_ref = np.array([nx.average_clustering(g) for g in ref])
    assert abs(c_ours.mean() - c_ref.mean()) < 0.05 * c_ref.mean(), (c_ours, c_ref)
    d_ours = np.concatenate([net.degree() for net in ours])
    d_ref = np.concatenate([[d for _, d in g.degree()] for g in ref])
    assert stats.ks_2samp(d_ours, d_ref).pvalue > 0.01
    assert abs(np.percentile(d_ours, 99) - np.percentile(d_ref, 99)) <= 0.15 * np.percentile(d_ref, 99)


def test_holme_kim_p0_is_preferential_attachment():
    """With p = 0, Holme-Kim is Barabasi-Albert: P(k) ~ 2m(m+1)/(k(k+1)(k+2)) for k >= m
    (Dorogovtsev, Mendes & Samukhin 2000); compare the tail mass P(k >= 2m)."""
    n, m = 20000, 3
    d = powerlaw_cluster(n, m, 0.0, np.random.default_rng(5)).degree()
    k0 = 2 * m
    expected = m * (m + 1) / (k0 * (k0 + 1))  # sum of the pmf from k0 on
    got = (d >= k0).mean()
    assert abs(got - expected) < 0.03, (got, expected)


def test_holme_kim_same_seed_same_graph():
    a = powerlaw_cluster(500, 3, 0.5, np.random.default_rng(9))
    b = powerlaw_cluster(500, 3, 0.5, np.random.default_rng(9))
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)


# --------------------------------------------------------------------------- other generators


def test_small_world_ring_clustering_is_analytic():
    """p = 0 is the ring lattice: n k / 2 edges, clustering 3(k - 2) / (4(k - 1))."""
    net = small_world(200, 6, 0.0, np.random.default_rng(0))
    assert net.n_edges == 200 * 3
    assert net.average_clustering() == pytest.approx(3 * 4 / (4 * 5))
    rewired = small_world(2000, 10, 0.1, np.random.default_rng(0))
    assert rewired.n_edges == 2000 * 5  # rewiring moves edges, never adds or drops them


def test_stochastic_block_edge_counts_are_binomial():
    sizes, p_in, p_out = [300, 200, 100], 0.05, 0.002
    net = stochastic_block(sizes, p_in, p_out, np.random.default_rng(4))
    block = np.repeat(np.arange(3), sizes)
    a = net.adjacency().tocoo()
    upper = a.row < a.col
    same = block[a.row[upper]] == block[a.col[upper]]
    pairs_in = sum(s * (s - 1) // 2 for s in sizes)
    pairs_out = (sum(sizes) ** 2 - sum(s * s for s in sizes)) // 2
    for count, pairs, p in ((same.sum(), pairs_in, p_in), ((~same).sum(), pairs_out, p_out)):
        sd = np.sqrt(pairs * p * (1 - p))
        assert abs(count - pairs * p) < 4 * sd, (count, pairs * p)


# --------------------------------------------------------------------------- ego


def within_stats(net, sender=0):
    nb = net.neighbours(sender)
    g = to_nx(net).subgraph(nb.tolist())
    within = np.array([g.degree(v) for v in nb.tolist()])
    return within, nx.average_clustering(g)


@pytest.mark.parametrize("seed", [0, 1])
def test_default_ego_network_looks_like_ego_facebook(seed):
    """Ranges measured on ego-Facebook's six largest egos (experiments/networks/
    real_ego_stats.py): contacts' average clustering 0.47-0.63, spread (coefficient of
    variation) of how many of the sender's contacts each contact knows 0.80-1.07."""
    cfg = OmegaConf.structured(EgoNetworkConfig(strong_ties=150))
    net, strong = ego_with_close_ties(cfg, np.random.default_rng(seed))
    within, clustering = within_stats(net)
    assert net.degree()[0] == 1800
    assert 0.47 <= clustering <= 0.63
    assert 0.80 <= within.std() / within.mean() <= 1.07
    assert within.mean() == pytest.approx(cfg.within_degree, rel=0.1)
    # the planted close ties come out strongest by neighbourhood overlap
    contacts, o = overlap(net, 0)
    top = contacts[np.argsort(-o, kind="stable")[:150]]
    assert strong[top - 1].mean() >= 0.9


def test_ego_knobs_move_what_they_say():
    base = dict(n_contacts=600, strong_ties=30, communities=2)
    low = OmegaConf.structured(EgoNetworkConfig(**base, clustering_beta=1.5, degree_spread=0.4))
    high = OmegaConf.structured(EgoNetworkConfig(**base, clustering_beta=4.0, degree_spread=1.2))
    w_lo, c_lo = within_stats(ego_with_close_ties(low, np.random.default_rng(2))[0])
    w_hi, c_hi = within_stats(ego_with_close_ties(high, np.random.default_rng(2))[0])
    assert c_hi > c_lo + 0.15
    assert w_hi.std() / w_hi.mean() > w_lo.std() / w_lo.mean() + 0.3
    for w in (w_lo, w_hi):
        assert w.mean() == pytest.approx(20.0, rel=0.1)


def test_ego_outside_audience():
    cfg = OmegaConf.structured(EgoNetworkConfig(n_contacts=1000, strong_ties=50,
                                                outside_degree=8, outside_overlap=2.0))
    net, _ = ego_with_close_ties(cfg, np.random.default_rng(3))
    to_contacts = np.diff(net.adjacency().tocsr()[1001:, 1:1001].indptr)
    links, outside = int(to_contacts.sum()), int((to_contacts > 0).sum())
    assert links / 1000 == pytest.approx(8, rel=0.05)  # Poisson mean per contact
    assert outside == pytest.approx(8 * 1000 / 2.0 * (1 - np.exp(-2.0)), rel=0.05)  # people drawn at least once
    # the pool's people no contact drew, known only to other outside people, come after them
    assert to_contacts[:outside].min() >= 1 and to_contacts[outside:].max(initial=0) == 0
    assert net.n_nodes - 1001 - outside == pytest.approx(8 * 1000 / 2.0 * np.exp(-2.0), rel=0.15)


@pytest.mark.parametrize("mean, sigma", [(10.0, 1.14), (3.0, 0.0), (25.0, 0.6), (10.0, 2.5)])
def test_outside_people_know_each_other_with_the_configured_mean(mean, sigma):
    """The links among m outside people are Poisson in number with mean m * mean / 2, so their
    mean degree 2L / m has standard error sqrt(2 mean / m): within 4 of those. A lognormal
    spread (sigma > 0) puts the median well under the mean; sigma = 0 leaves a Poisson-like
    degree (variance = mean, up to 4 standard errors of a sample variance)."""
    m = 6000
    a, b = outside_links(m, mean, sigma, np.random.default_rng(11))
    assert (a < b).all() and b.max() < m
    assert len(np.unique(a * m + b)) == len(a)  # no pair twice
    deg = np.bincount(a, minlength=m) + np.bincount(b, minlength=m)
    assert abs(deg.mean() - mean) < 4 * np.sqrt(2 * mean / m), (deg.mean(), mean)
    if sigma > 0:
        assert np.median(deg) < np.exp(-sigma**2 / 4) * mean  # lognormal median: e^(-s^2/2) mean
    else:
        se_var = np.sqrt((mean + 2 * mean**2) / m)
        assert abs(deg.var() - mean) < 4 * se_var, (deg.var(), mean)


def test_no_outside_links_make_no_draws():
    rng = np.random.default_rng(1)
    for m, mean in ((500, 0.0), (1, 10.0), (0, 10.0)):
        a, b = outside_links(m, mean, 1.0, rng)
        assert len(a) == len(b) == 0
    assert rng.random() == np.random.default_rng(1).random()


def fingerprint(net, strong) -> str:
    h = hashlib.sha256()
    for a in (net.indptr.astype(np.int64), net.indices.astype(np.int64), strong.astype(np.int8)):
        h.update(a.tobytes())
    return h.hexdigest()[:16]


@pytest.mark.parametrize("keys, seed, nodes, edges, digest, next_draw", [
    # measured with the generator as it was before outside people knew each other
    (dict(strong_ties=150), 0, 11140, 37957, "0b2b764765883509", 0.4156316177728051),
    (dict(n_contacts=300, strong_ties=20, communities=3), 7, 1836, 6199, "aff7c3e7391195d3",
     0.2851483969875701),
])
def test_no_links_among_outside_people_is_the_old_network(keys, seed, nodes, edges, digest,
                                                         next_draw):
    """outside_within_degree = 0 makes no new draw: the same graph, the same close ties and
    the generator left in the same state as before the key existed."""
    cfg = OmegaConf.structured(EgoNetworkConfig(**keys, outside_within_degree=0))
    rng = np.random.default_rng(seed)
    net, strong = ego_with_close_ties(cfg, rng)
    assert (net.n_nodes, net.n_edges, fingerprint(net, strong)) == (nodes, edges, digest)
    assert rng.random() == next_draw


def test_outside_links_are_drawn_after_everything_else():
    """The default network without its links among outside people (and without the people
    only those links bring in) is the network built without them: contacts, their ties,
    clustering and tie strengths do not move."""
    c = 1800
    with_links, strong_a = ego_with_close_ties(
        OmegaConf.structured(EgoNetworkConfig(strong_ties=150)), np.random.default_rng(0))
    without, strong_b = ego_with_close_ties(
        OmegaConf.structured(EgoNetworkConfig(strong_ties=150, outside_within_degree=0)),
        np.random.default_rng(0))
    n = without.n_nodes
    assert np.array_equal(strong_a, strong_b) and with_links.n_nodes > n
    a = with_links.adjacency().tolil()
    a[c + 1:, c + 1:] = 0
    a = a.tocsr()
    a.eliminate_zeros()
    assert a[n:].nnz == 0  # the people past n know only other outside people
    assert (a[:n, :n] != without.adjacency()).nnz == 0
    assert with_links.n_edges > without.n_edges


def test_default_ego_network_has_people_three_hops_away():
    """With outside people linked among themselves, a share can travel past the second hop;
    without those links everyone is within two hops of the sender. Distances by scipy."""
    counts = {}
    for d in (0.0, 10.0):
        cfg = OmegaConf.structured(EgoNetworkConfig(strong_ties=150, outside_within_degree=d))
        net, _ = ego_with_close_ties(cfg, np.random.default_rng(0))
        dist = shortest_path(net.adjacency(), unweighted=True, indices=0)
        counts[d] = [(dist == 1).sum(), (dist == 2).sum(), (dist >= 3).sum()]
    assert counts[0.0][0] == counts[10.0][0] == 1800
    assert counts[0.0][2] == 0
    assert counts[10.0][2] > 0


# --------------------------------------------------------------------------- bad parameters


@pytest.mark.parametrize("cfg, message", [
    (SmallWorldNetworkConfig(k=5), "network.k=5: expected an even number (k/2 ring neighbours on each side)"),
    (SmallWorldNetworkConfig(n=10, k=10), "network.k=10: expected less than network.n=10"),
    (SmallWorldNetworkConfig(p=1.5), "network.p=1.5: expected a probability in [0, 1]"),
    (PowerlawClusterNetworkConfig(n=5, m=5), "network.m=5: expected less than network.n=5"),
    (PowerlawClusterNetworkConfig(m=0), "network.m=0: expected a positive integer"),
    (StochasticBlockNetworkConfig(sizes=[]), "network.sizes=[]: expected a non-empty list of positive integers"),
    (StochasticBlockNetworkConfig(sizes=[10, 0]), "network.sizes=[10, 0]: expected a non-empty list of positive integers"),
    (StochasticBlockNetworkConfig(p_in=-0.1), "network.p_in=-0.1: expected a probability in [0, 1]"),
    (EgoNetworkConfig(strong_ties=5, clustering_beta=1.0), "network.clustering_beta=1.0: expected a number > 1"),
    (EgoNetworkConfig(strong_ties=5, n_contacts=3), "network.strong_ties=5: expected at most network.n_contacts=3"),
    (EgoNetworkConfig(strong_ties=5, radius=3), "network.radius=3: expected 1, 2 or null"),
    (EgoNetworkConfig(strong_ties=5, outside_within_degree=-1),
     "network.outside_within_degree=-1.0: expected a finite number >= 0"),
    (EgoNetworkConfig(strong_ties=5, outside_degree_sigma=-0.5),
     "network.outside_degree_sigma=-0.5: expected a finite number >= 0"),
    (EgoNetworkConfig(strong_ties=5, outside_degree_sigma=4.0),
     "network.outside_degree_sigma=4.0: expected a log-sd in [0, 3] (above 3 a handful of "
     "people would hold all the links)"),
])
def test_impossible_parameters_are_config_errors(cfg, message):
    with pytest.raises(ConfigError) as err:
        validate_network(OmegaConf.structured(cfg))
    assert str(err.value) == message


@pytest.mark.parametrize("build, message", [
    (lambda rng: powerlaw_cluster(5, 5, 0.3, rng), "network.m=5: expected 1 <= m < network.n=5"),
    (lambda rng: powerlaw_cluster(50, 2, 1.2, rng), "network.p=1.2: expected a probability in [0, 1]"),
    (lambda rng: small_world(50, 3, 0.1, rng), "network.k=3: expected an even number, 2 <= k < network.n=50"),
    (lambda rng: stochastic_block([], 0.1, 0.1, rng), "network.sizes=[]: expected a non-empty list of positive integers"),
])
def test_generators_refuse_impossible_parameters(build, message):
    """Called directly (not through validate), the generators still refuse, naming the key."""
    with pytest.raises(NetworkError) as err:
        build(np.random.default_rng(0))
    assert str(err.value) == message


@pytest.mark.parametrize("kind", ["ego", "erdos_renyi", "small_world", "powerlaw_cluster",
                                  "stochastic_block"])
def test_every_kind_builds_with_sender_node_0_unless_set(kind):
    from sim.config import SCHEMAS as _SCHEMAS

    extra = {"strong_ties": 20, "n_contacts": 300} if kind == "ego" else {}
    cfg = OmegaConf.structured(_SCHEMAS["network"][kind](**extra))
    net = build_network(cfg, np.random.default_rng(0))
    assert net.sender == 0
    cfg.sender = "max_degree"
    hub = build_network(cfg, np.random.default_rng(0))
    assert hub.degree()[hub.sender] == hub.degree().max()
    again = build_network(cfg, np.random.default_rng(0))
    assert np.array_equal(hub.indices, again.indices)  # same seed, same graph
