"""outreach-sim: what happens when you ask your whole network for help at once."""

__version__ = "0.1.0"
