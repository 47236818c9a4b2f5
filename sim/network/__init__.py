"""Build the graph a run uses from the ``network`` config group."""

from __future__ import annotations

import numpy as np

from . import generators
from .graph import Network, NetworkError, from_edges

__all__ = ["Network", "NetworkError", "build_network", "from_edges"]


def build_network(cfg, rng: np.random.Generator) -> Network:
    """Dispatch on ``cfg.kind``; choose the sender; cut the ego network if ``radius`` is set."""
    kind = cfg.kind
    if kind == "ego":
        net = generators.ego(cfg, rng)
    elif kind == "erdos_renyi":
        net = generators.erdos_renyi(int(cfg.n), float(cfg.mean_degree), rng)
    else:
        from . import sources  # the file loaders and networkx-backed generators

        net = sources.build(cfg, rng)
    if kind in ("ego", "erdos_renyi") and cfg.get("sender") not in (None, 0):
        net.sender = _resolve_sender(net, cfg.sender)
    if net.degree()[net.sender] == 0:
        raise NetworkError(
            f"network.sender={net.node_id(net.sender)!r}: the sender has no contacts in {net.name}"
        )
    return net


def _resolve_sender(net: Network, sender) -> int:
    if sender == "max_degree":
        return int(np.argmax(net.degree()))
    try:
        idx = int(sender)
    except (TypeError, ValueError):
        raise NetworkError(f"network.sender={sender!r}: expected a node id or max_degree") from None
    if not 0 <= idx < net.n_nodes:
        raise NetworkError(f"network.sender={sender!r}: no such node in {net.name} ({net.n_nodes} nodes)")
    return idx
