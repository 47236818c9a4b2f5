"""The Mesa view: ``OutreachModel`` (a mesa.Model stepping one run hour by hour) and its
agents, ``Sender`` and ``Contact``, which read their state from the engine's arrays."""

from sim.model.agents import STATES, Contact, Sender
from sim.model.model import OutreachModel

__all__ = ["STATES", "Contact", "OutreachModel", "Sender"]
