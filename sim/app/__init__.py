"""The classroom app: the model in the browser (Solara around the Mesa model), served offline by ``python run.py app``.

- ``classroom``: the model as the app runs it (every month kept, stocks credited to the events that
  filled them, the run recomputed to any month, a message instead of a crash);
- ``svg``: the map and the alignment chart as SVG; ``mapview``: the map's outlines and colours (and the
  matplotlib map an export writes);
- ``components``: the panels (header, map, chart, why, what-if, events and decisions);
- ``runs``: the runs drawn beside it (an outlook's lead-in, several seeds as a band);
- ``export``: a run's tables, figures and report as a zip; ``info``: the Info tab, from the teaching guide;
- ``app``: the page, ``page = Page``; ``command``: the ``app`` command.
"""
