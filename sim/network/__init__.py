"""Build the graph a run uses from the ``network`` config group."""

from __future__ import annotations

import numpy as np

from sim.errors import NetworkError
from sim.network.distances import hop_classes
from sim.network.graph import Network, from_edges

__all__ = ["Network", "NetworkError", "build_network", "from_edges", "hop_classes"]


def build_network(cfg, rng: np.random.Generator) -> Network:
    """The source's graph (sources.build), cut to ``radius`` hops around the sender if set;
    a sender without contacts is an error, since there would be no one to ask."""
    from sim.network import sources
    from sim.network.extract import ego_network
    from sim.network.sender import check_has_contacts

    net = sources.build(cfg, rng)
    if cfg.get("radius") is not None:
        net = ego_network(net, int(cfg.radius))
    check_has_contacts(net)
    return net
