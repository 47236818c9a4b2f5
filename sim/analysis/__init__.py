"""Analyses over many runs: what the model's answers rest on, and what it can learn from what
senders saw. They run the engine at many points of the uncertain keys
(sim/config/uncertainty.py) and write their own tables and figures; the commands are in
sim/cli. ``sensitivity``: which keys move which outputs; ``calibrate`` (with
``observations``, ``likelihood``, ``weighting``): a posterior over the keys from what senders
saw."""
