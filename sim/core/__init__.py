"""The model's core: the world, the month's phases, the rules, the events, the powers' controllers, the
random numbers and the parameters.

Both engines (the Mesa model in sim.model and sim.agents, the batch engine in sim.engine) run the same
core: ``start`` builds the initial world from a validated scenario (``world``), each month ``step``
applies the events (``events``), lets the powers decide (``controllers``), moves the scores by the
equations of ``rules`` and has the states decide, drawing its random numbers from ``rng`` and its
constants from ``parameters``. Nothing here imports the engines, the outputs or the app.
"""
