"""Export a classroom run as a zip: the tables, figures and report ``run.py run`` writes, for this one run
up to the month simulated, with the what-ifs injected in class among the events and a manifest that says
how to get the same run again (scenario file, seed, parameters moved, what-ifs with their months)."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import numpy as np


def export_files(model, folder: Path) -> list[str]:
    """Write the run's files into ``folder``; return their names (relative, sorted)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from sim.app.mapview import draw_map
    from sim.outputs import figures, report, tables
    from sim.outputs.manifest import scenario_files, versions

    rec, seeds = model.recorder, [model.seed]
    if not rec.dates:
        raise ValueError("nothing to export yet: press Step or Play first")
    events = sorted(rec.events + [{"run": 0, "date": w["date"], "event": w["event"]} for w in model.whatifs],
                    key=lambda e: e["date"])
    saved, rec.events = rec.events, events
    try:
        ts, drv = tables.timeseries(rec, seeds), tables.drivers(rec, seeds)
        dec, evs, pw = tables.decisions(rec, seeds), tables.events(rec, seeds), tables.powers(rec, seeds)
        ts.to_csv(folder / "timeseries.csv", index=False, float_format="%.6f")
        tables.states(rec, seeds).to_csv(folder / "states.csv", index=False, float_format="%.6f")
        pw.to_csv(folder / "powers.csv", index=False, float_format="%.6f")
        dec.to_csv(folder / "decisions.csv", index=False)
        evs.to_csv(folder / "events.csv", index=False)
        drv.to_csv(folder / "drivers.csv", index=False, float_format="%.9f")
        spec = model.loaded.spec
        st = model.world.setup
        alignment = np.swapaxes(rec.runs_first("alignment", rec.alignment), 0, 1)  # (T, N, S, P)
        figures.write_figures(folder / "figures", figures.figure_data(spec.title, rec.dates, st.states, st.powers,
                                                                      alignment, evs, dec))
        (folder / "report.md").write_text(report.build_report(
            spec.title, spec.description, ts, drv, dec, evs, pw, seeds, [str(f) for f in model.loaded.files],
            tables.refusals(rec, seeds)))
    finally:
        rec.events = saved
    fig = Figure(figsize=(7, 4.6), dpi=110)
    draw_map(fig.add_axes([0.01, 0.01, 0.98, 0.92]), model.world.runs.alignment, model.world.setup.states,
             model.world.setup.powers, model.last_date,
             {s.code: [b.split(":")[0] for b in s.bases] for s in model.state_agents})
    fig.savefig(folder / "figures" / "map.png")
    manifest = {
        "scenario": spec.name, "scenario_files": scenario_files(model.loaded), "seed": model.seed,
        "months_simulated": model.months_done, "last_month": model.last_date,
        "parameters_moved": dict(model.overrides), "parameters": dict(model.param_values),
        "whatifs": [{"month": w["date"], "fields": w.get("fields"), "title": w["event"].title}
                    for w in model.whatifs],
        "versions": versions(),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def export_zip(model) -> bytes:
    """The run's files as the bytes of a zip (folder ``<scenario>-seed<N>/`` inside)."""
    top = f"{model.loaded.spec.name}-seed{model.seed}"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        names = export_files(model, folder)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name in names:
                z.write(folder / name, f"{top}/{name}")
    return buf.getvalue()
