"""The engine: a scenario built from the config (scenario.py), its replicates advanced in
batches hour by hour (engine.py, with compiled inner loops in kernels.py), and a whole run
from config to per-replicate metrics (simulate.py)."""
