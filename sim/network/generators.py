"""Synthetic networks built with numpy: the story's ego network, and Erdos-Renyi as a baseline."""

from __future__ import annotations

import numpy as np

from sim.network.graph import Network, from_edges


def erdos_renyi(n: int, mean_degree: float, rng: np.random.Generator) -> Network:
    """G(n, p) with p = mean_degree / (n - 1): a binomial edge count, then distinct pairs."""
    pairs_total = n * (n - 1) // 2
    p = mean_degree / (n - 1) if n > 1 else 0.0
    m = int(rng.binomial(pairs_total, min(p, 1.0)))
    keys = np.zeros(0, dtype=np.int64)
    while len(keys) < m:
        need = m - len(keys)
        u = rng.integers(0, n, size=need + need // 50 + 16)
        v = rng.integers(0, n, size=len(u))
        ok = u != v
        cand = np.minimum(u[ok], v[ok]) * n + np.maximum(u[ok], v[ok])
        cand = cand[~np.isin(cand, keys)]
        _, first = np.unique(cand, return_index=True)
        cand = cand[np.sort(first)][:need]  # first distinct draws, in draw order: uniform
        keys = np.concatenate([keys, cand])
    return from_edges(keys // n, keys % n, n, 0, name=f"erdos_renyi(n={n}, mean_degree={mean_degree})")


def ego(cfg, rng: np.random.Generator) -> Network:
    """A synthetic professional network around one sender (node 0); see ``ego_with_close_ties``."""
    return ego_with_close_ties(cfg, rng)[0]


def ego_with_close_ties(cfg, rng: np.random.Generator) -> tuple[Network, np.ndarray]:
    """The synthetic ego network and which contacts (nodes 1..C) were made close ties.

    Contacts 1..C fall into communities (school, jobs, field). Inside a community, who
    knows whom follows the S1 model of Serrano, Krioukov & Boguna (2008, PRL 100:078701):
    each contact has a place on a circle (similarity: same team, same cohort) and a hidden
    degree kappa (sociability); two contacts know each other with probability
    1 / (1 + (d / (mu kappa_i kappa_j)) ** beta), d their distance along the circle. This one
    rule gives what real ego networks show together: friends of a contact mostly know each
    other (clustering, set by ``clustering_beta``) while some contacts know many more of the
    sender's contacts than others (degree spread, gamma-distributed kappa with coefficient of
    variation ``degree_spread``). mu is solved so that the mean number of the sender's
    contacts a contact knows is ``within_degree`` (a fraction ``cross_fraction`` of those
    links cross communities, drawn in proportion to kappa).

    Close ties are the contacts who know most of the sender's circle: they take the highest
    kappa draws, multiplied by ``strong_tie_boost``, so they share the most contacts with the
    sender and come out strongest by neighbourhood overlap, as in Onnela et al. (2007).
    Each contact also has connections outside the sender's network (Poisson
    ``outside_degree``, drawn from a pool of outside people ``outside_overlap`` times smaller
    than the number of such links): the second-degree audience that sees shares, nodes C+1..
    The outside people know each other too (``outside_links``: mean ``outside_within_degree``,
    lognormal spread ``outside_degree_sigma``), so a share can travel on past them; the
    people of the pool no contact drew (a fraction ~exp(-outside_overlap)) are then three or
    more hops from the sender, numbered after the contacts' connections.

    Measured against ego-Facebook by experiments/networks/real_ego_stats.py; numbers in
    docs/NETWORKS.md. Cost: O(C^2 / communities) pairs, chunked (1,800 contacts: ~0.1 s).
    """
    c = int(cfg.n_contacts)
    n_strong = int(cfg.strong_ties)
    n_comm = int(cfg.communities)
    contacts = np.arange(1, c + 1)
    community = rng.integers(0, n_comm, size=c)
    strong = np.zeros(c, dtype=bool)
    strong[rng.choice(c, size=n_strong, replace=False)] = True
    mean_deg = float(cfg.within_degree)
    cross = float(cfg.cross_fraction) if n_comm > 1 else 0.0
    kappa = _hidden_degrees(c, mean_deg, float(cfg.degree_spread), rng)
    # close ties take the highest draws (the contacts who know most of the sender's circle)
    ranked = np.sort(kappa)[::-1]
    kappa[strong] = rng.permutation(ranked[:n_strong])
    kappa[~strong] = rng.permutation(ranked[n_strong:])
    kappa[strong] *= float(cfg.strong_tie_boost)
    kappa /= kappa.mean()
    us, vs = [np.zeros(c, dtype=np.int64)], [contacts]  # sender - contact edges
    if mean_deg > 0:
        for com in range(n_comm):
            members = np.flatnonzero(community == com)
            if len(members) < 2:
                continue
            a, b = s1_edges(mean_deg * (1 - cross) * kappa[members], float(cfg.clustering_beta), rng)
            us.append(contacts[members[a]])
            vs.append(contacts[members[b]])
        # links across communities, endpoints in proportion to sociability; draws that land
        # in one community are dropped, so draw 1 / P(two draws differ) times as many
        share = np.bincount(community, weights=kappa, minlength=n_comm) / kappa.sum()
        differ = 1.0 - float((share**2).sum())
        n_cross = rng.poisson(c * mean_deg * cross / 2.0 / differ) if differ > 0 else 0
        if n_cross:
            a = rng.choice(c, size=n_cross, p=kappa / kappa.sum())
            b = rng.choice(c, size=n_cross, p=kappa / kappa.sum())
            ok = community[a] != community[b]
            us.append(contacts[a[ok]])
            vs.append(contacts[b[ok]])
    # the outside audience
    a, b, n = outside_audience(contacts, c + 1, cfg, rng)
    us.append(a)
    vs.append(b)
    net = from_edges(np.concatenate(us), np.concatenate(vs), n, 0,
                     name=f"ego(n_contacts={c}, strong_ties={n_strong})",
                     info={"generator": "ego (S1 model in communities)"})
    return net, strong


def outside_audience(contacts: np.ndarray, first_node: int, cfg,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    """The synthetic audience outside the sender's contacts: links (u, v) and the node count.

    Each contact (node indices ``contacts``) gets Poisson ``cfg.outside_degree`` connections
    to a pool of outside people ``cfg.outside_overlap`` times smaller than the number of
    such links; the outside people someone drew are numbered from ``first_node`` on. They
    know each other too (``outside_links``: mean ``cfg.outside_within_degree``, lognormal
    spread ``cfg.outside_degree_sigma``); the people of the pool no contact drew who know
    some other outside person are three or more hops from the sender, numbered after.
    Returns the links and the number of nodes, ``first_node`` plus the outside people.
    Shared by the ``ego`` generator and the user's own networks (sim/network/own.py).
    """
    c = len(contacts)
    us, vs = [], []
    n_outside_links = rng.poisson(cfg.outside_degree, size=c)
    total = int(n_outside_links.sum())
    m_out = max(1, int(round(total / cfg.outside_overlap)))
    owner = np.repeat(contacts, n_outside_links)
    outsider = rng.integers(0, m_out, size=total)
    # outside people no contact drew are part of the network only if they know other
    # outside people (below)
    used, outsider = np.unique(outsider, return_inverse=True)
    us.append(owner)
    vs.append(first_node + outsider)
    n = first_node + len(used)
    # links among all m_out outside people, drawn after everything above (so that a degree of
    # 0 leaves the network, draw for draw, as it was before these links existed). Those no
    # contact drew know the sender's world only through other outside people: three or more
    # hops from the sender, after the contacts' connections (nodes n..).
    a, b = outside_links(m_out, float(cfg.outside_within_degree),
                         float(cfg.outside_degree_sigma), rng)
    if len(a):
        node = np.full(m_out, -1, dtype=np.int64)
        node[used] = first_node + np.arange(len(used))
        linked = np.zeros(m_out, dtype=bool)
        linked[a] = True
        linked[b] = True
        beyond = np.flatnonzero(linked & (node < 0))
        node[beyond] = n + np.arange(len(beyond))
        n += len(beyond)
        us.append(node[a])
        vs.append(node[b])
    return (np.concatenate(us).astype(np.int64), np.concatenate(vs).astype(np.int64), int(n))

def outside_links(m: int, mean_degree: float, sigma: float,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Links (a < b) among m people, with a heavy-tailed spread of how many each has.

    An expected-degree random graph (Chung & Lu 2002, PNAS 99:15879): each person gets a
    weight w, lognormal with log-sd ``sigma`` (and mean ``mean_degree``, though only the
    ratios matter), and a pair's chance of a link is in proportion to w_i w_j, so person i
    has about w_i links. Sampled as the Poisson multigraph of Norros & Reittu (2006, Adv.
    Appl. Prob. 38:59): the number of links is Poisson with mean m * mean_degree / 2, so the
    mean degree is ``mean_degree`` on average, and each link's two ends are drawn in
    proportion to w. Where that multigraph would repeat a pair or join a person to
    themselves, the link is drawn again instead, which keeps the count (and the mean); the
    few heaviest people, whose pairs come up more than once, end up a little under their w.
    Cost O(m + links): ~0.02 s for 12,000 people of mean 10. No draw is made when
    mean_degree is 0 or m < 2.
    """
    none = np.zeros(0, dtype=np.int64)
    if mean_degree <= 0 or m < 2:
        return none, none
    w = rng.lognormal(np.log(mean_degree) - sigma**2 / 2.0, sigma, size=m)
    cdf = np.cumsum(w)
    cdf /= cdf[-1]
    n_pairs = m * (m - 1) // 2
    # at most half of all pairs (reached only when mean_degree > (m - 1) / 2): past that
    # the redraws below would take ever longer
    n_links = min(int(rng.poisson(m * mean_degree / 2.0)), n_pairs // 2)
    keys, kept = none, 1.0  # kept: the share of the last round's draws that were new pairs
    for _ in range(100):  # 2-3 rounds at defaults; a cap for extreme sigma on few people
        need = n_links - len(keys)
        if need <= 0:
            break
        size = int(need / max(kept, 0.05) * 1.05) + 16
        a = np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), m - 1)
        b = np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), m - 1)
        ok = a != b
        cand = np.minimum(a[ok], b[ok]) * m + np.maximum(a[ok], b[ok])
        cand = cand[~np.isin(cand, keys)]
        _, first = np.unique(cand, return_index=True)
        kept = len(first) / size
        cand = cand[np.sort(first)][:need]  # first distinct draws, in draw order
        keys = np.concatenate([keys, cand])
    return keys // m, keys % m


def _hidden_degrees(c: int, mean_deg: float, spread: float, rng) -> np.ndarray:
    """Gamma-distributed kappa, mean 1, with the spread of the *realised* degrees.

    A contact's realised degree is roughly Poisson(kappa * mean_deg), whose own noise adds
    1/mean_deg to the squared coefficient of variation; kappa's variance makes up the rest.
    """
    var = spread**2 - (1.0 / mean_deg if mean_deg > 0 else 0.0)
    if var <= 1e-9:
        return np.ones(c)
    return rng.gamma(1.0 / var, var, size=c)


def s1_edges(kappa: np.ndarray, beta: float, rng: np.random.Generator,
             max_pairs: int = 2_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Edges (i < j) of an S1 graph with expected degrees ``kappa`` on a circle of len(kappa).

    mu is solved numerically (Newton on log mu) on the actual pairs, so that the expected
    number of edges is sum(kappa) / 2 even for a small circle, where the infinite-circle
    formula mu = beta sin(pi / beta) / (2 pi <kappa>) overshoots.
    """
    n = len(kappa)
    theta = rng.uniform(0.0, 2 * np.pi, size=n)
    radius = n / (2 * np.pi)
    n_pairs = n * (n - 1) // 2
    target = min(float(kappa.sum()) / 2.0, 0.9 * n_pairs)

    def ratio(i, j):
        gap = np.abs(theta[i] - theta[j])
        dist = radius * np.minimum(gap, 2 * np.pi - gap)
        return dist / (kappa[i] * kappa[j])

    # calibrate mu on all pairs, or on a uniform sample of them for a big circle
    if n_pairs <= max_pairs:
        i, j = np.triu_indices(n, k=1)
        x, scale = ratio(i, j), 1.0
    else:
        i = rng.integers(0, n, size=max_pairs)
        j = rng.integers(0, n, size=max_pairs)
        ok = i != j
        x, scale = ratio(i[ok], j[ok]), n_pairs / ok.sum()
    log_mu = np.log(beta * np.sin(np.pi / beta) / (2 * np.pi * kappa.mean()))
    for _ in range(50):
        p = 1.0 / (1.0 + (x * np.exp(-log_mu)) ** beta)
        f = scale * p.sum() - target
        slope = scale * beta * (p * (1 - p)).sum()
        if abs(f) < 1e-6 * target or slope <= 0:
            break
        log_mu -= np.clip(f / slope, -2.0, 2.0)
    mu = np.exp(log_mu)
    if n_pairs <= max_pairs:
        keep = rng.random(len(x)) < 1.0 / (1.0 + (x / mu) ** beta)
        return i[keep].astype(np.int64), j[keep].astype(np.int64)
    us, vs = [], []
    rows = max(1, max_pairs // n)
    for start in range(0, n, rows):  # row blocks of the upper triangle
        ii = np.arange(start, min(n, start + rows))
        i_b = np.repeat(ii, n)
        j_b = np.tile(np.arange(n), len(ii))
        up = j_b > i_b
        i_b, j_b = i_b[up], j_b[up]
        keep = rng.random(len(i_b)) < 1.0 / (1.0 + (ratio(i_b, j_b) / mu) ** beta)
        us.append(i_b[keep])
        vs.append(j_b[keep])
    return np.concatenate(us).astype(np.int64), np.concatenate(vs).astype(np.int64)
