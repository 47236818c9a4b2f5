"""Synthetic networks, built with numpy so that a million nodes take seconds, not minutes."""

from __future__ import annotations

import numpy as np

from .graph import Network, from_edges


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
    """A synthetic professional network around one sender (node 0).

    Contacts 1..C fall into communities (school, jobs, field); inside each, people cluster in
    circles of about 2 x within_degree members who mostly know each other (p = 0.5). Close
    ties sit in strong_tie_boost circles at once, so they share more contacts with the sender
    and come out strongest by neighbourhood overlap, as in Onnela et al. (2007). A few links
    cross communities, and each contact has connections outside the sender's network: the
    second-degree audience that sees shares. Nodes C+1.. are those outside people.
    """
    c = int(cfg.n_contacts)
    n_strong = int(cfg.strong_ties)
    contacts = np.arange(1, c + 1)
    community = rng.integers(0, int(cfg.communities), size=c)
    strong = np.zeros(c, dtype=bool)
    strong[rng.choice(c, size=n_strong, replace=False)] = True
    circle_size = max(3, int(round(2 * cfg.within_degree)))
    us, vs = [np.zeros(c, dtype=np.int64)], [contacts]  # sender - contact edges
    for com in range(int(cfg.communities)):
        members = np.flatnonzero(community == com)
        if len(members) < 2:
            continue
        n_circles = max(1, int(round(len(members) / circle_size)))
        memberships = []
        for idx in members:
            extra = int(round(cfg.strong_tie_boost)) if strong[idx] else 1
            circles = rng.choice(n_circles, size=min(extra, n_circles), replace=False)
            memberships.extend((int(ci), int(idx)) for ci in circles)
        mem = np.array(memberships)
        for ci in range(n_circles):
            people = np.unique(mem[mem[:, 0] == ci, 1])
            if len(people) < 2:
                continue
            a, b = np.triu_indices(len(people), k=1)
            keep = rng.random(len(a)) < 0.5
            us.append(contacts[people[a[keep]]])
            vs.append(contacts[people[b[keep]]])
    # links across communities
    n_cross = rng.poisson(c * cfg.within_degree * cfg.cross_fraction / 2.0)
    a, b = rng.integers(0, c, size=n_cross), rng.integers(0, c, size=n_cross)
    ok = community[a] != community[b]
    us.append(contacts[a[ok]])
    vs.append(contacts[b[ok]])
    # the outside audience
    n_outside_links = rng.poisson(cfg.outside_degree, size=c)
    total = int(n_outside_links.sum())
    m_out = max(1, int(round(total / cfg.outside_overlap)))
    owner = np.repeat(contacts, n_outside_links)
    outsider = c + 1 + rng.integers(0, m_out, size=total)
    us.append(owner)
    vs.append(outsider)
    # outside people nobody drew are not part of the network
    used, outsider = np.unique(outsider, return_inverse=True)
    vs[-1] = c + 1 + outsider
    n = c + 1 + len(used)
    return from_edges(np.concatenate(us), np.concatenate(vs), n, 0,
                      name=f"ego(n_contacts={c}, strong_ties={n_strong})")
