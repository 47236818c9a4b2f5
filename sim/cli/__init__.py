"""The ``outreach`` command: the Hydra app and its callbacks, sweep jobs, the ``compare`` and
``experiment`` subcommands. The last link of the chain: it reads everything, nothing reads it."""
