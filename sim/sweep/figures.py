"""Figures of a sweep's analysis: outcome distributions, responses to each parameter, the sensitivity heat
map, PRIM peeling trajectories, and side-by-side distributions for ``compare``.

They are drawn on matplotlib's Agg canvas without pyplot and with a fixed layout (no ``tight_layout``,
which draws a figure once more to measure it); the responses of every outcome share one figure, whose
panels and ticks are made once and refilled for each outcome.

The drawing functions read plain numpy arrays (a table is a mapping of column names to arrays; a
DataFrame does too), so a drawing process never imports pandas; ``path_segments`` (pandas) turns the
kept runs' time series into the lines ``paths`` draws, in the process that read them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.outputs.figures import _figure, _save_png, decimal_year

if TYPE_CHECKING:  # pandas is imported where a figure needs it (a drawing process starts quicker without)
    import pandas as pd

MAX_SCATTER = 3000  # points drawn per panel; the binned means use every run
# what a drawing process imports before its first job
PRELOAD = ["matplotlib.figure", "matplotlib.backends.backend_agg", "PIL.PngImagePlugin", "sim.sweep.figures"]
DOTS = "#5d6d7e"
MEAN = "#c0392b"


def _grid(n: int, width: float = 3.2, height: float = 2.4, cols: int = 4, titles: bool = False,
          labels: bool = True):
    """A figure of n panels in rows of ``cols``, each width x height inches, with fixed room (instead of
    a layout pass) above for the figure's title, left of each panel for its tick labels, below it for
    its x label (``labels``) and above it for its title (``titles``)."""
    cols = min(cols, n)
    rows = math.ceil(n / cols)
    W, H = width * cols, height * rows
    fig = _figure(W, H, 110)
    axes = fig.subplots(rows, cols, squeeze=False)
    below = 0.45 if labels else 0.3
    above = 0.25 if titles else 0.05
    fig.subplots_adjust(left=0.55 / W, right=1 - 0.12 / W, bottom=below / H, top=1 - (0.4 + above) / H,
                        wspace=0.6 / (width - 0.6), hspace=(below + above) / (height - below - above))
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat


def _save(fig, path: Path) -> None:
    fig.canvas.draw()
    _save_png(fig, Path(path))


def distributions(ok, outcomes: list[str], path: Path, title: str) -> None:
    """One histogram per outcome over every successful run (no value: counted in the panel's title).

    An outcome of 12 values or fewer gets one bar per value; any other, 30 bins drawn as one filled outline
    (``stairs``, one patch instead of 30)."""
    from matplotlib.ticker import MaxNLocator

    fig, axes = _grid(len(outcomes), titles=True, labels=False)
    for ax, name in zip(axes, outcomes):
        x = np.asarray(ok[name], dtype=float)
        vals = x[np.isfinite(x)]
        if len(vals):
            distinct = np.unique(vals)
            if len(distinct) <= 12:
                edges = np.concatenate([distinct - 0.5 * _step(distinct), [distinct[-1] + 0.5 * _step(distinct)]])
                ax.hist(vals, bins=edges, color=DOTS, rwidth=0.8)
            else:
                counts, edges = np.histogram(vals, bins=30)
                ax.stairs(counts, edges, fill=True, color=DOTS)
        missing = int((~np.isfinite(x)).sum())
        ax.set_title(name + (f" ({missing} no value)" if missing else ""), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))  # a few ticks: each label costs a text layout
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
    fig.suptitle(f"{title}: distribution of each outcome", fontsize=11)
    _save(fig, path)


def _step(distinct: np.ndarray) -> float:
    return float(np.min(np.diff(distinct))) if len(distinct) > 1 else 1.0


def _bins(x: np.ndarray) -> np.ndarray:
    """Bin of each run along a parameter: its value when it takes 12 values or fewer, else its decile
    (equal-count bins, duplicate edges merged: what ``pandas.qcut(x, 10, labels=False, duplicates="drop")``
    gives, computed the same way with numpy)."""
    distinct = np.unique(x)
    if len(distinct) <= 12:
        return np.searchsorted(distinct, x)
    edges = np.unique(np.quantile(x, np.linspace(0, 1, 11)))
    codes = np.searchsorted(edges, x, side="left")  # bins closed on the right, (a, b]
    codes[x == edges[0]] = 1  # the lowest bin holds its left edge too
    return (codes - 1).astype(np.int64)


def _sample(n: int, size: int, seed: int) -> np.ndarray:
    """Positions of ``size`` of ``n`` rows drawn without replacement: the rows pandas'
    ``DataFrame.sample(n=size, random_state=seed)`` draws."""
    return np.random.RandomState(seed).choice(n, size=size, replace=False).astype(np.intp, copy=False)


def _binned_means(codes: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean x and mean y of each non-empty bin, in bin order."""
    count = np.bincount(codes)
    full = count > 0
    return (np.bincount(codes, weights=x)[full] / count[full], np.bincount(codes, weights=y)[full] / count[full])


def responses_all(ok, parameters: list[str], outcomes: list[str], folder: Path, seed: int = 0) -> list[Path]:
    """response_<outcome>.png for each outcome: the outcome against each parameter, a sample of runs as
    dots, the mean in ten bins as a line (see ``responses``). Returns the paths.

    The outcomes share the panels' frames and x axes (a parameter's range does not depend on the
    outcome): they are drawn once and kept (``copy_from_bbox``); for each outcome only the dots, the
    means, the y axes and the title are drawn over a copy. The panels of one outcome share its y range
    (every panel shows the same runs' values), so its y axis is drawn once and its pixels copied beside
    the other panels (``_draw_y_axes``)."""
    from matplotlib.ticker import MaxNLocator

    folder = Path(folder)
    fig, axes = _grid(len(parameters), width=2.9, height=2.3)
    axes = list(axes)[:len(parameters)]
    dots, lines = [], []
    for ax, p in zip(axes, parameters):
        dots.append(ax.plot([], [], "o", ms=2, mew=0, alpha=0.25, color=DOTS, ls="none")[0])
        lines.append(ax.plot([], [], color=MEAN, lw=2)[0])
        ax.set_xlabel(p, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))  # a few ticks: each label costs a text layout
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        x = np.asarray(ok[p], dtype=float)
        lo, hi = (float(x.min()), float(x.max())) if len(x) else (0.0, 1.0)
        pad = 0.05 * (hi - lo) if hi > lo else 0.5
        ax.set_xlim(lo - pad, hi + pad)
        ax.yaxis.set_visible(False)
    title = fig.suptitle("", fontsize=11)
    fig.canvas.draw()
    frame = fig.canvas.copy_from_bbox(fig.bbox)
    renderer = fig.canvas.get_renderer()
    below = [ax.xaxis.get_tightbbox(renderer) for ax in axes]  # what a copied y axis must not cover
    for ax in axes:
        ax.yaxis.set_visible(True)
    codes_for: dict[tuple, dict[str, np.ndarray]] = {}
    paths = []
    for outcome in outcomes:
        y_all = np.asarray(ok[outcome], dtype=float)
        keep = np.isfinite(y_all)
        y = y_all[keep]
        pick = _sample(len(y), min(len(y), MAX_SCATTER), seed) if len(y) else np.zeros(0, dtype=np.intp)
        rows = codes_for.setdefault((len(y), hash(keep.tobytes())), {})  # bins depend on the runs kept
        fig.canvas.restore_region(frame)
        y_dots = y[pick]
        for ax, p, dot, line in zip(axes, parameters, dots, lines):
            x = np.asarray(ok[p], dtype=float)[keep]
            dot.set_data(x[pick], y_dots)
            if len(y) and x.min() < x.max():
                if p not in rows:
                    rows[p] = _bins(x)
                line.set_data(*_binned_means(rows[p], x, y))
            else:
                line.set_data([], [])
        _share_y_range(axes, lines)
        for ax, dot, line in zip(axes, dots, lines):
            ax.draw_artist(dot)
            ax.draw_artist(line)
        _draw_y_axes(fig, axes, below)
        title.set_text(f"{outcome}: response to each parameter (red: mean)")
        fig.draw_artist(title)
        path = folder / f"response_{outcome}.png"
        _save_png(fig, path)
        paths.append(path)
    return paths


def _share_y_range(axes: list, lines: list) -> None:
    """Give every panel the y range matplotlib's autoscaling gives the first one when it must hold the
    dots (the same in every panel) and every panel's line of means."""
    first = axes[0]
    first.relim()
    ys = np.concatenate([np.asarray(line.get_ydata(), dtype=float) for line in lines])
    ys = ys[np.isfinite(ys)]
    if len(ys):
        x = float(np.mean(first.get_xlim()))
        first.update_datalim([(x, float(ys.min())), (x, float(ys.max()))], updatex=False)
    first.autoscale_view(scalex=False)
    for ax in axes[1:]:
        ax.set_ylim(first.get_ylim())


def _draw_y_axes(fig, axes: list, below: list) -> None:
    """Draw the y axis of the first panel and copy its pixels (tick marks and labels, left of the panel)
    beside each other panel, which has the same y range; a panel whose x tick labels the copy would
    cover, or an axis with an offset text (drawn over the panel), gets its own axis drawn instead."""
    canvas = fig.canvas
    first = axes[0]
    first.draw_artist(first.yaxis)
    renderer = canvas.get_renderer()
    box = first.yaxis.get_tightbbox(renderer)
    left, right = math.floor(box.x0), math.floor(first.bbox.x0)  # up to the spine, drawn with the frame
    bottom, top = math.floor(box.y0), math.ceil(box.y1)
    own = first.yaxis.get_offset_text().get_text() != "" or right <= left
    own = own or _overlap(_bbox(left, bottom, right, top), below[0])  # the copy would carry x labels
    region = None if own else canvas.copy_from_bbox(_bbox(left, bottom, right, top))
    for ax, xaxis in zip(axes[1:], below[1:]):
        dx = math.floor(ax.bbox.x0) - right
        dy = round(ax.bbox.y0 - first.bbox.y0)
        if region is None or _overlap(_bbox(left + dx, bottom + dy, right + dx, top + dy), xaxis):
            ax.draw_artist(ax.yaxis)
        else:  # the region's extents count rows from the top of the canvas
            x1, y1, x2, y2 = region.get_extents()
            canvas.restore_region(region, bbox=(x1, y1, x2, y2), xy=(x1 + dx, y1 - dy))


def _bbox(x0: float, y0: float, x1: float, y1: float):
    from matplotlib.transforms import Bbox

    return Bbox.from_extents(x0, y0, x1, y1)


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def responses(ok, parameters: list[str], outcome: str, path: Path, seed: int = 0) -> None:
    """The outcome against each parameter: a sample of runs as dots, the mean in ten bins as a line."""
    path = Path(path)
    out = responses_all(ok, parameters, [outcome], path.parent, seed=seed)[0]
    if out != path:
        out.replace(path)


def heatmap(values: np.ndarray, rows: list[str], columns: list[str], path: Path, label: str) -> None:
    """Outcomes (rows) x parameters (columns), coloured by the main sensitivity index (``values``, one row
    per outcome; sim.sweep.sensitivity.headline)."""
    vals = np.asarray(values, dtype=float)
    # room for the row names on the left and the column names (at 45 degrees) below, from their length
    left_in = 0.3 + max([len(str(i)) for i in rows] + [1]) * 8 * 0.6 / 72
    below_in = 0.3 + max([len(str(c)) for c in columns] + [1]) * 8 * 0.6 / 72 * 0.71
    W, H = left_in + 0.75 * vals.shape[1] + 1.3, below_in + 0.45 * vals.shape[0] + 0.45
    fig = _figure(W, H, 110)
    ax = fig.add_axes((left_in / W, below_in / H, 0.75 * vals.shape[1] / W, 0.45 * vals.shape[0] / H))
    cax = fig.add_axes(((left_in + 0.75 * vals.shape[1] + 0.15) / W, below_in / H, 0.15 / W,
                        0.45 * vals.shape[0] / H))
    im = ax.imshow(np.clip(vals, 0, None), cmap="viridis", vmin=0, vmax=max(1e-9, np.nanmax(vals)), aspect="auto")
    ax.set_xticks(range(vals.shape[1]), list(columns), rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(vals.shape[0]), list(rows), fontsize=8)
    for i in range(vals.shape[0]):
        for j in range(vals.shape[1]):
            if np.isfinite(vals[i, j]):
                ax.text(j, i, f"{vals[i, j]:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if vals[i, j] < 0.6 * np.nanmax(vals) else "black")
    fig.colorbar(im, cax=cax, label=label)
    ax.set_title("Which parameters drive which outcome", fontsize=10)
    _save(fig, path)


def peeling(coverage: np.ndarray, density: np.ndarray, chosen: int, path: Path, name: str) -> None:
    """PRIM's peeling trajectory (each box's coverage and density): density against coverage, the chosen
    box circled."""
    coverage, density = np.asarray(coverage, dtype=float), np.asarray(density, dtype=float)
    fig = _figure(4.8, 3.6, 110)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.14, right=0.97, bottom=0.14, top=0.9)
    ax.plot(coverage, density, "-o", ms=3, color="#2471a3")
    ax.scatter([coverage[chosen]], [density[chosen]], s=120, facecolors="none", edgecolors=MEAN, lw=2,
               label="box reported")
    ax.set_xlabel("coverage (share of the cases inside the box)", fontsize=8)
    ax.set_ylabel("density (share of the box that are cases)", fontsize=8)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    ax.set_title(f"PRIM peeling: {name}", fontsize=10)
    _save(fig, path)


def side_by_side(data: dict[str, np.ndarray], outcome: str, path: Path) -> None:
    """Box plots of one outcome across sweeps (label -> values)."""
    labels = list(data)
    W = 1.6 + 1.4 * len(labels)
    fig = _figure(W, 3.4, 110)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.7 / W, right=1 - 0.2 / W, bottom=0.22, top=0.9)
    vals = [v[np.isfinite(v)] for v in data.values()]
    ax.boxplot([v if len(v) else [np.nan] for v in vals], tick_labels=labels, showmeans=True)
    for i, v in enumerate(vals, start=1):
        if len(v):
            rng = np.random.default_rng(i)
            pick = v if len(v) <= 400 else rng.choice(v, 400, replace=False)
            ax.scatter(i + rng.uniform(-0.15, 0.15, len(pick)), pick, s=4, alpha=0.3, color=DOTS)
    ax.set_title(outcome, fontsize=10)
    ax.tick_params(axis="x", labelsize=8, rotation=15)
    _save(fig, path)


def path_segments(ts: pd.DataFrame) -> list[tuple[str, list[tuple[str, list[np.ndarray]]]]]:
    """The kept runs' monthly alignments as the lines ``paths`` draws: for each state, in order of first
    appearance, for each power, one (months, 2) array per run (decimal year, alignment)."""
    years = {d: decimal_year(d) for d in ts.date.unique()}
    out = []
    for state in dict.fromkeys(ts.state):
        sub = ts[ts.state == state]
        lines = []
        for power in dict.fromkeys(sub.power):
            mine = sub[sub.power == power]
            lines.append((power, [np.column_stack([[years[d] for d in g.date], g.alignment.to_numpy(dtype=float)])
                                  for _, g in mine.groupby("run", sort=False)]))
        out.append((state, lines))
    return out


def paths(segments: list, runs: int, path: Path, title: str) -> None:
    """The kept runs' monthly alignments (``path_segments``; ``runs`` of them): one panel per state, one
    thin line per run and power."""
    from matplotlib.collections import LineCollection

    from sim.outputs.figures import color

    fig, axes = _grid(len(segments), width=3.6, height=2.6, cols=3, titles=True, labels=False)
    for ax, (state, lines) in zip(axes, segments):
        for power, lines_of_runs in lines:
            ax.add_collection(LineCollection(lines_of_runs, colors=color(power), linewidths=0.6, alpha=0.5))
            ax.plot([], [], color=color(power), label=power)
        ax.autoscale_view()
        ax.set_title(state, fontsize=9)
        ax.set_ylim(0, 1)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"{title}: alignment paths of the kept runs ({runs})", fontsize=10)
    _save(fig, path)
