"""The classroom app: the model in the browser (Mesa SolaraViz), served offline by ``python run.py app``.

- ``classroom``: the model as the app runs it (history of every month, a message instead of a crash);
- ``mapview``: the map of the region, each state coloured by the power it leans to most;
- ``components``: the panels (chart, map, why, what-if, events and decisions);
- ``app``: the page, ``page = SolaraViz(...)``; ``command``: the ``app`` command.
"""
