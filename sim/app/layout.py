"""Where the web app draws each person: the sender in the middle, contacts around, a sample of
the second-degree audience outside.

Contacts are grouped by community (Louvain on the ties among the sender's contacts) into
sectors of the circle, so a wave of shares through one circle of friends shows as one sector
lighting up; inside a sector, contacts who share more contacts with the sender sit nearer the
middle. The second-degree audience sits on an outer ring, each person at the mean angle of
the contacts who know them. Positions depend only on the network, so they are computed once
per network (``layout_for`` caches them) and every redraw reuses them: a force-directed
layout per frame would take seconds on a thousand contacts.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import networkx as nx
import numpy as np

from sim.network import Network
from sim.network.graph import index_ranges
from sim.network.ties import mutual_contacts

# Drawing budget: enough to see structure, few enough to redraw in well under a second.
MAX_OUTSIDE = 400  # second-degree people drawn (a uniform sample)
MAX_EDGES = 4000  # ties drawn among the people shown (a uniform sample)
CONTACT_RADIUS = (0.25, 1.0)  # most to least embedded contact
OUTSIDE_RADIUS = (1.12, 1.3)
SECTOR_GAP = 0.04  # radians between two communities' sectors


@dataclass(frozen=True)
class NetworkLayout:
    nodes: np.ndarray  # node indices drawn: the sender, its contacts, then the outside sample
    xy: np.ndarray  # (len(nodes), 2) positions, sender at (0, 0)
    n_contacts: int  # nodes[1 : 1 + n_contacts] are the sender's contacts
    edges: np.ndarray  # (E, 2) positions into ``nodes``: a sample of ties among those drawn
    community: np.ndarray  # community of each contact (0 = largest), -1 for the others

    @property
    def contacts(self) -> np.ndarray:
        return self.nodes[1 : 1 + self.n_contacts]

    @property
    def outside(self) -> np.ndarray:
        return self.nodes[1 + self.n_contacts :]


def compute_layout(net: Network, max_outside: int = MAX_OUTSIDE, max_edges: int = MAX_EDGES,
                   seed: int = 0) -> NetworkLayout:
    """Positions for the sender, every contact and a sample of the second-degree audience."""
    rng = np.random.default_rng(seed)
    s = int(net.sender)
    contacts, mutual = mutual_contacts(net, s)
    k = len(contacts)
    local = np.full(net.n_nodes, -1, dtype=np.int64)
    local[contacts] = np.arange(k)

    # ties among contacts, each once
    starts, ends = net.indptr[contacts], net.indptr[contacts + 1]
    src = np.repeat(np.arange(k), ends - starts)
    nbr = net.indices[index_ranges(starts, ends)].astype(np.int64)
    dst = local[nbr]
    inner = (dst >= 0) & (src < dst)

    community = _communities(k, src[inner], dst[inner], seed)
    angle, radius = _contact_polar(community, mutual, rng)

    # the second-degree audience: neighbours of contacts that are neither contacts nor sender
    out_mask = (dst < 0) & (nbr != s)
    outside_all = np.unique(nbr[out_mask])
    if len(outside_all) > max_outside:
        outside = np.sort(rng.choice(outside_all, size=max_outside, replace=False))
    else:
        outside = outside_all
    m = len(outside)
    local_out = np.full(net.n_nodes, -1, dtype=np.int64)
    local_out[outside] = np.arange(m)
    # each outside person at the mean angle of the contacts who know them
    link = out_mask & (local_out[nbr] >= 0)
    who, via = local_out[nbr[link]], src[link]
    cx = np.bincount(who, weights=np.cos(angle[via]), minlength=m)
    cy = np.bincount(who, weights=np.sin(angle[via]), minlength=m)
    out_angle = np.arctan2(cy, cx) + rng.normal(0.0, 0.03, size=m)
    out_radius = rng.uniform(*OUTSIDE_RADIUS, size=m)

    xy = np.zeros((1 + k + m, 2))
    xy[1 : 1 + k] = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    xy[1 + k :] = np.c_[out_radius * np.cos(out_angle), out_radius * np.sin(out_angle)]

    # ties drawn: contact-contact and contact-outside (sender spokes would hide everything)
    e_cc = np.c_[src[inner], dst[inner]] + 1
    e_co = np.c_[via + 1, who + 1 + k]
    edges = np.concatenate([e_cc, e_co]).astype(np.int64)
    if len(edges) > max_edges:
        edges = edges[np.sort(rng.choice(len(edges), size=max_edges, replace=False))]
    nodes = np.concatenate(([s], contacts, outside)).astype(np.int64)
    return NetworkLayout(nodes=nodes, xy=xy, n_contacts=k, edges=edges, community=community)


def _communities(k: int, src: np.ndarray, dst: np.ndarray, seed: int) -> np.ndarray:
    """Community of each contact, numbered by size (0 = largest); contacts who know none of
    the others share one last group."""
    community = np.full(k, -1, dtype=np.int64)
    if k == 0:
        return community
    g = nx.Graph()
    g.add_nodes_from(range(k))
    g.add_edges_from(zip(src.tolist(), dst.tolist()))
    groups = [sorted(c) for c in nx.community.louvain_communities(g, seed=seed) if len(c) > 1]
    groups.sort(key=lambda c: (-len(c), c[0]))
    for i, members in enumerate(groups):
        community[members] = i
    community[community < 0] = len(groups)
    return community


def _contact_polar(community: np.ndarray, mutual: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """One sector per community, width proportional to its size; within it, random angles and
    a radius that shrinks with the contact's share of the sector's most mutual contacts."""
    k = len(community)
    angle, radius = np.zeros(k), np.zeros(k)
    if k == 0:
        return angle, radius
    n_groups = int(community.max()) + 1
    sizes = np.bincount(community, minlength=n_groups)
    gap = SECTOR_GAP if n_groups > 1 else 0.0
    width = (2 * np.pi - gap * n_groups) * sizes / k
    start = np.concatenate(([0.0], np.cumsum(width + gap)[:-1]))
    lo, hi = CONTACT_RADIUS
    for g in range(n_groups):
        members = np.flatnonzero(community == g)
        angle[members] = start[g] + rng.uniform(0.0, 1.0, size=len(members)) * width[g]
        top = max(1, int(mutual[members].max()))
        depth = np.sqrt(mutual[members] / top)  # 1 = most embedded in this community
        radius[members] = hi - (hi - lo) * depth + rng.uniform(-0.04, 0.04, size=len(members))
    return angle, radius


def network_key(net: Network) -> str:
    """A fingerprint of the graph and sender: same key, same layout."""
    h = hashlib.blake2b(digest_size=16)
    h.update(np.int64(net.sender).tobytes())
    h.update(np.ascontiguousarray(net.indptr).tobytes())
    h.update(np.ascontiguousarray(net.indices).tobytes())
    return h.hexdigest()


_CACHE: OrderedDict[str, NetworkLayout] = OrderedDict()
CACHE_SIZE = 8


def layout_for(net: Network) -> NetworkLayout:
    """The layout of this network, computed on first use and reused afterwards."""
    key = network_key(net)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    lay = compute_layout(net)
    _CACHE[key] = lay
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return lay
