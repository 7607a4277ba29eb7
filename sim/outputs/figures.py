"""Figures: each state's alignment toward each power over time, with the scenario's events marked.

A figure is drawn from a small ``FigureData``: the 10th, 50th and 90th percentiles of every alignment
across runs, month by month, and the events and decisions of one run. It is computed from the runs'
alignments (``figure_data``), so the figures never need the long tables. Drawing uses matplotlib's Agg
canvas directly (no pyplot), a fixed layout sized from the labels (no ``tight_layout`` pass, which draws
each figure once more to measure it) and a quick PNG compression; ``run.py run`` has them drawn in a
separate process (sim.outputs.worker) while it writes its tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.codes import STATE_NAMES

POWER_COLORS = {"RUS": "#c0392b", "USA": "#2471a3", "CHN": "#d4ac0d", "EU": "#1e8449", "IRN": "#7d3c98",
                "TUR": "#a04000"}
DECISION_MARKERS = {"base_opened": "^", "base_closed": "v", "joined": "P", "left": "X", "deal_signed": "D",
                    "deal_ended": "d"}
QUANTILES = (0.1, 0.5, 0.9)  # the band and the line
# what a drawing process imports before its first job (matplotlib is imported only where a figure is drawn)
PRELOAD = ["matplotlib.figure", "matplotlib.backends.backend_agg", "PIL.PngImagePlugin", "sim.outputs.figures"]
PNG = {"compress_level": 1}  # zlib level: quicker than the default 6, files hardly larger


def color(power: str) -> str:
    return POWER_COLORS.get(power, "#555555")


@dataclass
class FigureData:
    """What the alignment figures show, a few kilobytes whatever the number of runs."""

    title: str
    dates: list[str]  # "YYYY-MM", one per month
    states: list[str]
    powers: list[str]
    runs: int
    bands: np.ndarray  # (3, T, S, P): the QUANTILES of each alignment across runs, month by month
    event_months: list[tuple[str, list[str]]] = field(default_factory=list)  # (date, event ids), by date
    decisions: list[tuple[str, str, str, str]] = field(default_factory=list)  # (state, date, decision, counterpart)


def alignment_bands(alignment: np.ndarray) -> np.ndarray:
    """(T, N, S, P) alignments of N runs -> (3, T, S, P) percentiles across runs (linear interpolation)."""
    return np.quantile(alignment, QUANTILES, axis=1)


def figure_data(title: str, dates: list[str], states: list[str], powers: list[str], alignment: np.ndarray,
                events=None, decisions=None) -> FigureData:
    """FigureData from the runs' alignments (T, N, S, P) and the events and decisions tables of the runs
    to mark (DataFrames, or columns as a dict of arrays, with run, date, id / state, decision, counterpart;
    the lowest run in each is shown). Plain numpy: the figures can be handed their data before pandas is
    imported."""
    event_months = []
    ev = _lowest_run(events, ("date", "id"))
    if ev is not None:
        first: dict[str, list[str]] = {}  # one line and one label per month, each event once (its first row)
        seen = set()
        for date, i in zip(*ev):
            if i not in seen:
                seen.add(i)
                first.setdefault(str(date), []).append(str(i))
        event_months = [(date, first[date]) for date in sorted(first)]
    marks = []
    d = _lowest_run(decisions, ("state", "date", "decision", "counterpart"))
    if d is not None:
        marks = [(str(s), str(t), str(k), str(c)) for s, t, k, c in zip(*d)]
    return FigureData(title, list(dates), list(states), list(powers), int(alignment.shape[1]),
                      alignment_bands(alignment), event_months, marks)


def _lowest_run(table, names: tuple[str, ...]) -> list | None:
    """The columns ``names`` of the rows of the lowest run in ``table`` (None for no table or no rows)."""
    if table is None:
        return None
    run = np.asarray(table["run"])
    if not len(run):
        return None
    keep = run == run.min()
    return [np.asarray(table[n], dtype=object)[keep] for n in names]


def decimal_year(date: str) -> float:
    """'2005-07' -> 2005.5: months as evenly spaced positions on the time axis."""
    y, m = date.split("-")
    return int(y) + (int(m) - 1) / 12.0


def _year_ticks(ax, x0: float, x1: float) -> None:
    from matplotlib.ticker import FixedLocator, NullLocator

    first, last = math.ceil(x0), math.floor(x1 + 1)
    step = max(1, math.ceil((last - first + 1) / 12))
    years = list(range(first, last + 1, step))
    ax.xaxis.set_major_locator(FixedLocator(years))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticks(years, [str(y) for y in years])
    pad = 0.05 * (x1 - x0 or 1.0)
    ax.set_xlim(x0 - pad, x1 + pad)


def _x(dates: list[str]) -> np.ndarray:
    return np.array([decimal_year(d) for d in dates])


def _event_label(ids: list[str]) -> str:
    return ids[0] if len(ids) == 1 else f"{ids[0]} (+{len(ids) - 1})"


def plot_frame(ax, data: FigureData, label_events: bool = True) -> list:
    """What every state's panel shares: the axes, the grid, a dashed line per event month and, above the
    axes, the events' names. Returns the artists added."""
    x = _x(data.dates)
    arts = []
    if data.event_months:
        xs = [decimal_year(date) for date, _ in data.event_months]
        arts.append(ax.vlines(xs, 0, 1, transform=ax.get_xaxis_transform(), colors="#999999", lw=0.6,
                              linestyles="--", zorder=0))
        if label_events:
            trans = ax.get_xaxis_transform()
            for xd, (_, ids) in zip(xs, data.event_months):
                arts.append(ax.text(xd, 1.01, _event_label(ids), rotation=90, fontsize=6, va="bottom",
                                    ha="center", color="#555555", transform=trans))
    ax.set_ylim(0, 1)
    _year_ticks(ax, float(x[0]), float(x[-1]))
    ax.set_ylabel("alignment (0-1)")
    ax.grid(alpha=0.25)
    return arts


def plot_lines(ax, data: FigureData, state: str, mark_decisions: bool = True) -> list:
    """One state's median alignment toward each power across runs, the 10-90% band when runs > 1, and
    its decisions (in the run shown) marked at the bottom. Returns the artists added."""
    s = data.states.index(state)
    x = _x(data.dates)
    arts = []
    for p, power in enumerate(data.powers):
        arts += ax.plot(x, data.bands[1, :, s, p], color=color(power), lw=2, label=power)
        if data.runs > 1:
            arts.append(ax.fill_between(x, data.bands[0, :, s, p], data.bands[2, :, s, p], color=color(power),
                                        alpha=0.18, lw=0))
    if mark_decisions:
        marks = [m for m in data.decisions if m[0] == state]
        for marker in dict.fromkeys(DECISION_MARKERS.get(m[2], "o") for m in marks):
            group = [m for m in marks if DECISION_MARKERS.get(m[2], "o") == marker]
            arts.append(ax.scatter([decimal_year(m[1]) for m in group], [0.03] * len(group), marker=marker,
                                   color=[_mark_color(m[3]) for m in group], s=28, zorder=5))
        for _, date, decision, counterpart in marks:
            arts.append(ax.text(decimal_year(date), 0.07, f"{decision.replace('_', ' ')} {counterpart}",
                                rotation=90, fontsize=6, va="bottom", ha="center", color=_mark_color(counterpart)))
    return arts


def _mark_color(counterpart: str) -> str:
    return color(counterpart) if counterpart in POWER_COLORS else "#333333"


def plot_state(ax, data: FigureData, state: str, label_events: bool = True, mark_decisions: bool = True) -> None:
    """Median alignment of one state toward each power across runs, with a 10-90% band when runs > 1."""
    plot_frame(ax, data, label_events)
    plot_lines(ax, data, state, mark_decisions)
    if not label_events:  # in the overview; a single state's figure names it in its suptitle
        ax.set_title(STATE_NAMES.get(state, state), fontsize=10, pad=4)


def _label_room(data: FigureData, height: float) -> float:
    """Share of a figure's height the rotated event labels need above the axes (6-point text, about 0.62
    of its size per character) and the title: what tight_layout would measure, estimated from the text."""
    longest = max([len(_event_label(ids)) for _, ids in data.event_months] + [0])
    inches = longest * 6 * 0.62 / 72 + 0.42
    return min(0.6, inches / height)


def _figure(width: float, height: float, dpi: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def _save_png(fig, path: Path) -> None:
    """The canvas as it stands (already drawn) to a PNG: RGB, quick zlib level, matplotlib's metadata."""
    import matplotlib
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    rgb = np.ascontiguousarray(np.asarray(fig.canvas.buffer_rgba())[..., :3])
    info = PngInfo()
    info.add_text("Software", f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/")
    Image.fromarray(rgb).save(path, format="png", pnginfo=info, dpi=(fig.dpi, fig.dpi), **PNG)


def write_figures(folder: Path, data: FigureData) -> list[Path]:
    """alignment_<STATE>.png for each state and alignment_all.png, into ``folder``; returns their paths.

    The state figures share everything but their lines: the frame, the grid, the event lines and labels
    are drawn once and kept (``copy_from_bbox``); each state's lines, decisions, legend and title are then
    drawn over a copy of them."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    suffix = f" (median and 10-90% of {data.runs} runs)" if data.runs > 1 else ""
    width, height = 11, 4.6
    fig = _figure(width, height, 110)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.06, right=0.985, bottom=0.085, top=1 - _label_room(data, height))
    plot_frame(ax, data)
    fig.canvas.draw()
    frame = fig.canvas.copy_from_bbox(fig.bbox)
    title = fig.suptitle("", fontsize=10, y=0.995)
    for state in data.states:
        fig.canvas.restore_region(frame)
        arts = plot_lines(ax, data, state)
        arts.append(ax.legend(loc="upper left", fontsize=8, ncol=4))
        title.set_text(f"{data.title}: {STATE_NAMES.get(state, state)}{suffix}")
        for a in sorted(arts, key=lambda a: a.get_zorder()):  # the order a full draw would use
            ax.draw_artist(a)
        fig.draw_artist(title)
        p = folder / f"alignment_{state}.png"
        _save_png(fig, p)
        paths.append(p)
        for a in arts:
            a.remove()
    n = len(data.states)
    height = 2.6 * n
    fig = _figure(11, height, 100)
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    fig.subplots_adjust(left=0.06, right=0.985, bottom=0.3 / height, top=1 - 0.62 / height, hspace=0.22)
    for ax, state in zip(axes, data.states):
        plot_state(ax, data, state, label_events=False, mark_decisions=False)
    axes[0].legend(loc="upper left", fontsize=8, ncol=4)
    fig.suptitle(data.title, fontsize=11, y=1 - 0.1 / height)
    fig.canvas.draw()
    p = folder / "alignment_all.png"
    _save_png(fig, p)
    paths.append(p)
    return paths
