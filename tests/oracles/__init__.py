"""Independent implementations the tests compare the project's code with.

An oracle here is written from the documented rules (docs/MODEL.md, docs/NETWORKS.md), not
from the code it checks: it may read the inputs a run is given (a built Scenario's network and
population arrays) but must not call the engine's, the population builder's or the network
code's computations. Known exception: ``reference`` drives the project's own strategy classes
(``sim.rules.strategies``) through a ``SenderView``, so strategies are checked by the worked
cases of tests/test_strategies.py, not by the reference; it recognises a built-in platform rule
by its class name and reads its parameters (and the scenario's restriction ladder and caps)
as attributes, without calling ``sim.rules.platform_rules``.

* ``reference``: the outreach model, one replicate, one message at a time (per-agent);
* ``graphs``: our ``Network`` as a networkx graph, for networkx's own algorithms.
* ``intervals``: Wilson's and Newcombe's interval formulas as their papers write them.
"""
