"""Analyses over many runs: what the model's answers rest on. They run the engine at many
points of the uncertain keys (sim/config/uncertainty.py) and write their own tables and
figures; the commands are in sim/cli."""
