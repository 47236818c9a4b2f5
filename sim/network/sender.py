"""Which node is the sender: a node id from the file, a generator's node index, or the hub."""

from __future__ import annotations

import numpy as np

from sim.errors import NetworkError
from sim.network.graph import Network

MAX_DEGREE = "max_degree"


def resolve_sender(net: Network, sender, key: str = "network.sender") -> int:
    """Node index of ``sender``: None keeps the source's own (node 0), ``max_degree`` picks
    the best-connected node (the lowest index among equals), anything else is a node id.

    Node ids are the file's ids when the network came from a file (integers or strings; the
    command line's ``107`` and ``"107"`` both find node 107), else the node indices 0..N-1.
    """
    if sender is None:
        return int(net.sender)
    if isinstance(sender, str) and sender == MAX_DEGREE:
        return int(np.argmax(net.degree()))
    if isinstance(sender, (bool, np.bool_)) or not isinstance(sender, (int, str, np.integer)):
        raise NetworkError(f"{key}={sender!r}: expected a node id or {MAX_DEGREE}")
    idx = _find(net, sender)
    if idx is None:
        raise NetworkError(
            f"{key}={sender!r}: no such node in {net.name} ({net.n_nodes} nodes)"
        )
    return idx


def _find(net: Network, sender) -> int | None:
    ids = net.node_ids
    if ids is None:
        try:
            idx = int(sender)
        except ValueError:
            return None
        return idx if 0 <= idx < net.n_nodes else None
    if ids.dtype.kind in "iu":
        try:
            target = int(sender)
        except ValueError:
            return None
    else:
        target = str(sender)
    if np.all(ids[:-1] <= ids[1:]):  # loaders keep ids sorted
        pos = int(np.searchsorted(ids, target))
        return pos if pos < len(ids) and ids[pos] == target else None
    hits = np.flatnonzero(ids == target)
    return int(hits[0]) if len(hits) else None


def check_has_contacts(net: Network, key: str = "network.sender") -> None:
    if net.degree()[net.sender] == 0:
        raise NetworkError(
            f"{key}={net.node_id(net.sender)!r}: the sender has no contacts in {net.name}"
        )
