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
from typing import TYPE_CHECKING

from sim.codes import STATE_NAMES

if TYPE_CHECKING:
    import numpy as np

POWER_COLORS = {"RUS": "#c0392b", "USA": "#2471a3", "CHN": "#d4ac0d", "EU": "#1e8449", "IRN": "#7d3c98",
                "TUR": "#a04000"}
DECISION_MARKERS = {"base_opened": "^", "base_closed": "v", "joined": "P", "left": "X", "deal_signed": "D",
                    "deal_ended": "d"}
QUANTILES = (0.1, 0.5, 0.9)  # the band and the line
# what a drawing process imports before its first job (matplotlib is imported only where a figure is drawn;
# numpy only where it is used, so that run.py run starts its drawing process before importing numpy)
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
    import numpy as np

    return np.quantile(alignment, QUANTILES, axis=1)


def figure_data(title: str, dates: list[str], states: list[str], powers: list[str], alignment: np.ndarray,
                events=None, decisions=None) -> FigureData:
    """FigureData from the runs' alignments (T, N, S, P) and the events and decisions tables of the runs
    to mark (DataFrames, or columns as a dict of arrays, with run, date, id / state, decision, counterpart;
    the lowest run in each is shown). Plain numpy: the figures can be handed their data before pandas is
    imported."""
    marks = []
    d = _lowest_run(decisions, ("state", "date", "decision", "counterpart"))
    if d is not None:
        marks = [(str(s), str(t), str(k), str(c)) for s, t, k, c in zip(*d)]
    return FigureData(title, list(dates), list(states), list(powers), int(alignment.shape[1]),
                      alignment_bands(alignment), event_months(events), marks)


def event_months(events) -> list[tuple[str, list[str]]]:
    """(date, event ids) of the lowest run of an events table (run, date, id), by date: one line and one label
    per month, each event once (its first row)."""
    ev = _lowest_run(events, ("date", "id"))
    if ev is None:
        return []
    first: dict[str, list[str]] = {}
    seen = set()
    for date, i in zip(*ev):
        if i not in seen:
            seen.add(i)
            first.setdefault(str(date), []).append(str(i))
    return [(date, first[date]) for date in sorted(first)]


def frame_data(title: str, dates: list[str], states: list[str], powers: list[str], runs: int, events=None) -> FigureData:
    """What the figures will show that is known before the runs are simulated (no bands, no decisions): for
    ``prepare_figures``, with the events expected in the lowest run (events table columns, as figure_data)."""
    return FigureData(title, list(dates), list(states), list(powers), int(runs), None, event_months(events))


def _lowest_run(table, names: tuple[str, ...]) -> list | None:
    """The columns ``names`` of the rows of the lowest run in ``table`` (None for no table or no rows)."""
    import numpy as np

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
    import numpy as np

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
    _write_png(_pixels(fig), fig.dpi, path)


def _pixels(fig) -> np.ndarray:
    """A copy of the canvas's RGBA pixels (the canvas may be drawn over at once)."""
    import numpy as np

    return np.array(fig.canvas.buffer_rgba())


def _write_png(rgba: np.ndarray, dpi: float, path: Path) -> None:
    """RGBA pixels to an RGB PNG file at a quick zlib level, with matplotlib's metadata (numpy copies and
    Pillow compresses without holding Python's lock, so this may run in a thread of its own)."""
    import matplotlib
    import numpy as np
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Software", f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/")
    rgb = np.ascontiguousarray(rgba[..., :3])
    Image.fromarray(rgb).save(path, format="png", pnginfo=info, dpi=(dpi, dpi), **PNG)


def _power_handles(powers: list[str]) -> list:
    """Lines standing for the powers in a legend, as ``plot_lines`` draws them."""
    from matplotlib.lines import Line2D

    return [Line2D([], [], color=color(p), lw=2, label=p) for p in powers]


def _frame_key(data: FigureData) -> tuple:
    """What a prepared drawing depends on: everything but the bands and the decisions."""
    return (data.title, tuple(data.dates), tuple(data.states), tuple(data.powers), data.runs,
            tuple((date, tuple(ids)) for date, ids in data.event_months))


class _Drawing:
    """The two figures of ``write_figures`` drawn as far as they can be without the runs' lines: the frame of
    the state figures (axes, grid, event lines and labels) and of the overview (its five framed panels, their
    titles, the suptitle), each drawn once and kept as pixels (``copy_from_bbox``), and their legends."""

    def __init__(self, data: FigureData):
        self.key = _frame_key(data)
        width, height = 11, 4.6
        fig = self.fig = _figure(width, height, 110)
        ax = self.ax = fig.add_subplot()
        fig.subplots_adjust(left=0.06, right=0.985, bottom=0.085, top=1 - _label_room(data, height))
        plot_frame(ax, data)
        fig.canvas.draw()
        self.frame = fig.canvas.copy_from_bbox(fig.bbox)
        self.title = fig.suptitle("", fontsize=10, y=0.995)
        self.legend = ax.legend(handles=_power_handles(data.powers), loc="upper left", fontsize=8, ncol=4)
        n = len(data.states)
        height = 2.6 * n
        over = self.over = _figure(11, height, 100)
        axes = self.axes = over.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
        over.subplots_adjust(left=0.06, right=0.985, bottom=0.3 / height, top=1 - 0.62 / height, hspace=0.22)
        for a, state in zip(axes, data.states):
            plot_frame(a, data, label_events=False)
            a.set_title(STATE_NAMES.get(state, state), fontsize=10, pad=4)
        over.suptitle(data.title, fontsize=11, y=1 - 0.1 / height)
        over.canvas.draw()
        self.over_frame = over.canvas.copy_from_bbox(over.bbox)
        self.over_legend = axes[0].legend(handles=_power_handles(data.powers), loc="upper left", fontsize=8, ncol=4)

    def write(self, folder: Path, data: FigureData) -> list[Path]:
        """The six PNG files: each state's lines, decisions, legend and title drawn over a copy of the frame
        in the order a full draw would use (by zorder); the PNGs are compressed in a second thread while the
        next figure is drawn."""
        from concurrent.futures import ThreadPoolExecutor

        suffix = f" (median and 10-90% of {data.runs} runs)" if data.runs > 1 else ""
        fig, ax = self.fig, self.ax
        paths, pending = [], []
        with ThreadPoolExecutor(max_workers=1) as png:
            for state in data.states:
                fig.canvas.restore_region(self.frame)
                arts = plot_lines(ax, data, state)
                self.title.set_text(f"{data.title}: {STATE_NAMES.get(state, state)}{suffix}")
                for a in sorted(arts + [self.legend], key=lambda a: a.get_zorder()):
                    ax.draw_artist(a)
                fig.draw_artist(self.title)
                p = folder / f"alignment_{state}.png"
                pending.append(png.submit(_write_png, _pixels(fig), fig.dpi, p))
                paths.append(p)
                for a in arts:
                    a.remove()
            over = self.over
            over.canvas.restore_region(self.over_frame)
            for a, state in zip(self.axes, data.states):
                for art in sorted(plot_lines(a, data, state, mark_decisions=False), key=lambda a: a.get_zorder()):
                    a.draw_artist(art)
            self.axes[0].draw_artist(self.over_legend)
            p = folder / "alignment_all.png"
            pending.append(png.submit(_write_png, _pixels(over), over.dpi, p))
            paths.append(p)
            for f in pending:
                f.result()
        return paths


_PREPARED: list[_Drawing] = []  # at most one drawing prepared ahead (prepare_figures)


def prepare_figures(data: FigureData) -> None:
    """Draw now what the figures of ``data`` will share (``frame_data``: everything known before the runs
    are simulated), so that ``write_figures`` with the same title, dates, states, powers, runs and events
    has only the runs' lines, decisions, legends and titles left to draw (with other ones it draws afresh)."""
    _PREPARED[:] = [_Drawing(data)]


def write_figures(folder: Path, data: FigureData) -> list[Path]:
    """alignment_<STATE>.png for each state and alignment_all.png, into ``folder``; returns their paths.

    The figures share everything but their lines: the frames (axes, grid, event lines and labels, the
    overview's panels) are drawn once and kept, before the data arrive when ``prepare_figures`` was called
    with the same frame, and each figure's lines, decisions, legend and title are drawn over a copy."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    drawing = _PREPARED.pop() if _PREPARED else None
    if drawing is None or drawing.key != _frame_key(data):
        drawing = _Drawing(data)
    return drawing.write(folder, data)
