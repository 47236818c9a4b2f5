"""The engine: a scenario built from the config (scenario.py), its replicates advanced in
batches hour by hour (engine.py, with compiled inner loops in kernels.py), every random number
a keyed draw of the replicate and the people it is about (draws.py), and a whole run from
config to per-replicate metrics (simulate.py)."""
