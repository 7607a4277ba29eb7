"""The page's two pictures as SVG text: the map and the alignment chart.

Drawn as SVG (text the browser draws itself) rather than matplotlib images: a month's picture is a few
milliseconds of string formatting instead of most of a second of rendering and PNG encoding, which is
what lets a Step show the next month at once (benchmarks/app_step.py). The map's outlines are one SVG
that never changes (sent to the browser once); a month sends only a small style that colours the states
and the labels drawn over them. Exports (the zip) still use matplotlib's PNG figures.
"""

from __future__ import annotations

import html
from functools import lru_cache

import numpy as np

from sim.app.mapview import LABEL_AT, outlines, power_colour, state_fills
from sim.codes import POWER_NAMES, STATE_NAMES

LON0, LON1, LAT0, LAT1 = 46.0, 88.0, 34.0, 56.0
MAP_W = 620.0
SX = MAP_W / (LON1 - LON0)
SY = SX / np.cos(np.radians(45))  # longitude shrinks with latitude: true shapes near 45N
MAP_H = (LAT1 - LAT0) * SY


def _xy(lon: float, lat: float) -> tuple[float, float]:
    return (lon - LON0) * SX, (LAT1 - lat) * SY


@lru_cache(maxsize=1)
def _paths() -> dict[str, str]:
    """code -> SVG path data of its outline (made once)."""
    out = {}
    for code, shape in outlines().items():
        parts = []
        for ring in shape["rings"]:
            x = (ring[:, 0] - LON0) * SX
            y = (LAT1 - ring[:, 1]) * SY
            pts = np.round(np.stack([x, y], axis=1), 1)
            keep = np.ones(len(pts), dtype=bool)
            keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
            pts = pts[keep]
            parts.append("M" + "L".join(f"{a:g},{b:g}" for a, b in pts) + "Z")
        out[code] = "".join(parts)
    return out


def map_base_svg(states: tuple[str, ...]) -> str:
    """The map's outlines, the same every month: neighbours in grey, the states with a class each
    (``gg-s-KAZ``) that the month's style colours."""
    return _map_base(tuple(states))


@lru_cache(maxsize=4)
def _map_base(states: tuple[str, ...]) -> str:
    shapes, paths = outlines(), _paths()
    out = [(f"<svg class='gg-map-svg' viewBox='0 0 {MAP_W:.0f} {MAP_H:.0f}' width='100%' style='display:block' "
           "xmlns='http://www.w3.org/2000/svg'>"),
           f"<rect width='{MAP_W:.0f}' height='{MAP_H:.0f}' fill='#f7fbff'/>"]
    for code, shape in shapes.items():
        if shape["role"] == "neighbour":
            out.append(f"<path d='{paths[code]}' fill='#eeeeee' stroke='#bbbbbb' stroke-width='0.6'/>")
    for code in states:
        if code in paths:
            out.append(f"<path class='gg-state gg-s-{code}' d='{paths[code]}' fill='#dddddd' stroke='#333' "
                       "stroke-width='0.9'/>")
    for code, (lon, lat) in {"RUS": (60.0, 55.0), "CHN": (84.0, 40.0), "AFG": (66.0, 34.6),
                             "IRN": (55.5, 35.0)}.items():
        if code in shapes:
            x, y = _xy(lon, lat)
            out.append(f"<text x='{x:.0f}' y='{y:.0f}' font-size='15' fill='#888' text-anchor='middle'>"
                       f"{html.escape(shapes[code]['name'])}</text>")
    out.append("</svg>")
    return "".join(out)


def map_month_svg(alignment: np.ndarray, states: tuple[str, ...], powers: tuple[str, ...], date: str,
                  bases: dict[str, list[str]] | None = None) -> str:
    """What changes on the map each month, drawn over the outlines: a style that fills each state with
    the colour of the power it leans to most (deeper: a clearer lead), and the labels (that power, its
    score, the bases open there) and the legend, in an SVG of the same size."""
    shapes = outlines()
    fills = state_fills(alignment, states, powers)
    style = "".join(f".gg-map-svg .gg-s-{c}{{fill:{f['colour']};fill-opacity:{f['alpha']:.2f}}}"
                    for c, f in fills.items())
    out = [f"<style>{style}</style>",
           (f"<svg class='gg-map-labels' viewBox='0 0 {MAP_W:.0f} {MAP_H:.0f}' width='100%' "
           "xmlns='http://www.w3.org/2000/svg' role='img' "
           f"aria-label='Map: leading alignment of each state, {date}'>")]
    for code in states:
        if code not in shapes:
            continue
        f = fills[code]
        lon, lat = LABEL_AT.get(code, tuple(shapes[code]["rings"][0].mean(axis=0)))
        x, y = _xy(lon, lat)
        lines = [(shapes[code]["name"], "600"), (f"{f['power']} {f['score']:.2f}", "400")]
        if bases and bases.get(code):
            lines.append(("bases: " + ", ".join(dict.fromkeys(bases[code])), "400"))
        h = 18 * len(lines) + 5
        w = max(len(t) for t, _ in lines) * 8.4 + 12
        out.append(f"<g class='gg-label' data-state='{code}' data-power='{f['power']}'>"
                   f"<rect x='{x - w / 2:.0f}' y='{y - h / 2:.0f}' width='{w:.0f}' height='{h}' rx='4' "
                   "fill='white' fill-opacity='0.8'/>")
        for n, (text, weight) in enumerate(lines):
            out.append(f"<text x='{x:.0f}' y='{y - h / 2 + 18 * (n + 1) - 1:.0f}' font-size='15' "
                       f"font-weight='{weight}' text-anchor='middle'>{html.escape(text)}</text>")
        out.append("</g>")
    out.append(f"<rect x='6' y='{MAP_H - 30 - 20 * len(powers):.0f}' width='160' height='{20 * len(powers) + 24}' "
               "rx='4' fill='white' fill-opacity='0.9' stroke='#ccc'/>")
    out.append(f"<text x='12' y='{MAP_H - 12 - 20 * len(powers):.0f}' font-size='14' fill='#555'>leans to</text>")
    for n, p in enumerate(powers):
        y = MAP_H - 12 - 20 * (len(powers) - n - 1)
        out.append(f"<rect x='12' y='{y - 11:.0f}' width='14' height='12' fill='{power_colour(p, powers)}'/>"
                   f"<text x='32' y='{y:.0f}' font-size='14'>{html.escape(POWER_NAMES.get(p, p))}</text>")
    out.append("</svg>")
    return "".join(out)


def map_svg(alignment: np.ndarray, states: tuple[str, ...], powers: tuple[str, ...], date: str,
            bases: dict[str, list[str]] | None = None) -> str:
    """The whole map in one piece: the outlines with the month drawn over them."""
    return (f"<div style='position:relative'>{map_base_svg(states)}<div style='position:absolute;inset:0'>"
            f"{map_month_svg(alignment, states, powers, date, bases)}</div></div>")


def years(dates: list[str]) -> np.ndarray:
    """'2005-05' -> 2005.33: a month as a fractional year."""
    return np.array([int(d[:4]) + (int(d[5:7]) - 1) / 12 for d in dates], dtype=float)


def chart_svg(dates: list[str], series: np.ndarray, states: tuple[str, ...], powers: tuple[str, ...],
              span: tuple[float, float], band: tuple[list[str], np.ndarray, np.ndarray] | None = None,
              lead: tuple[list[str], np.ndarray] | None = None, marks: list[float] = (),
              band_runs: int = 0) -> str:
    """Each state's alignment with each power over time, one small panel per state.

    series: (T, S, P) of this run up to now; span: the years the x axis covers; band: dates and the
    10%-90% range (T, S, P) of several seeds, drawn as shaded areas; lead: dates and alignments of the
    scenario this one continues (drawn greyed, before the start); marks: what-ifs, as dashed lines.
    """
    cols, pw, ph, ml, mt = 2, 232.0, 150.0, 30.0, 20.0
    rows = int(np.ceil((len(states) + 1) / cols))
    W, H = cols * pw, rows * ph + 10
    x0, x1 = span
    if lead is not None and len(lead[0]):
        x0 = min(x0, float(years(lead[0])[0]))
    iw, ih = pw - ml - 10, ph - mt - 24

    def sx(x):
        return ml + (x - x0) / max(x1 - x0, 1e-9) * iw

    def sy(a):
        return mt + (1.0 - a) * ih

    out = [(f"<svg class='gg-chart-svg' viewBox='0 0 {W:.0f} {H:.0f}' width='100%' xmlns='http://www.w3.org/2000/svg' "
           "role='img' aria-label='Alignment of each state with each power over time'>")]
    x = years(dates)
    ticks = [y for y in range(int(np.ceil(x0)), int(x1) + 1)]
    step = max(1, int(np.ceil(len(ticks) / 4)))
    ticks = ticks[::step]
    for n, s in enumerate(states):
        ox, oy = (n % cols) * pw, (n // cols) * ph
        g = [f"<g transform='translate({ox:.0f},{oy:.0f})'>",
             (f"<text x='{ml + iw / 2:.0f}' y='14' font-size='13' font-weight='600' text-anchor='middle'>"
             f"{html.escape(STATE_NAMES.get(s, s))}</text>"),
             f"<rect x='{ml}' y='{mt}' width='{iw:.0f}' height='{ih:.0f}' fill='white' stroke='#ccc'/>"]
        for a in (0.25, 0.5, 0.75):
            g.append(f"<line x1='{ml}' x2='{ml + iw:.0f}' y1='{sy(a):.1f}' y2='{sy(a):.1f}' stroke='#eee'/>")
        for a in (0, 0.5, 1):
            g.append(f"<text x='{ml - 3}' y='{sy(a) + 4:.0f}' font-size='11' text-anchor='end' fill='#666'>{a:g}</text>")
        for t in ticks:
            g.append(f"<text x='{sx(t):.0f}' y='{mt + ih + 14:.0f}' font-size='11' text-anchor='middle' "
                     f"fill='#666'>{t}</text>")
        if lead is not None and len(lead[0]):
            lx = years(lead[0])
            g.append(f"<rect x='{ml}' y='{mt}' width='{sx(lx[-1]) - ml:.1f}' height='{ih:.0f}' fill='#f3f3f3'/>")
            for j, p in enumerate(powers):
                if j < lead[1].shape[2]:
                    g.append(_polyline(lx, lead[1][:, n, j], sx, sy, power_colour(p, powers), 1.0, 0.55))
        if band is not None and len(band[0]):
            bx = years(band[0])
            for j, p in enumerate(powers):
                top = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in zip(bx, band[2][:, n, j]))
                bottom = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in zip(bx[::-1], band[1][::-1, n, j]))
                g.append(f"<polygon class='gg-band' points='{top} {bottom}' fill='{power_colour(p, powers)}' "
                         "fill-opacity='0.16' stroke='none'/>")
        for m in marks:
            g.append(f"<line x1='{sx(m):.1f}' x2='{sx(m):.1f}' y1='{mt}' y2='{mt + ih:.0f}' stroke='#111' "
                     "stroke-dasharray='3,2' stroke-width='0.8'/>")
        for j, p in enumerate(powers):
            colour = power_colour(p, powers)
            g.append(_polyline(x, series[:, n, j], sx, sy, colour, 1.6, 1.0))
            g.append(f"<circle cx='{sx(x[-1]):.1f}' cy='{sy(series[-1, n, j]):.1f}' r='2.5' fill='{colour}'/>")
        g.append("</g>")
        out += g
    # legend in the last cell
    n = len(states)
    ox, oy = (n % cols) * pw, (n // cols) * ph
    out.append(f"<g transform='translate({ox + 24:.0f},{oy + 26:.0f})'>"
               "<text x='0' y='0' font-size='12' fill='#555'>alignment with</text>"
               "<text x='0' y='14' font-size='11' fill='#777'>(0 estranged, 1 client)</text>")
    for j, p in enumerate(powers):
        out.append(f"<line x1='0' x2='18' y1='{32 + 17 * j}' y2='{32 + 17 * j}' stroke='{power_colour(p, powers)}' "
                   f"stroke-width='2.5'/><text x='24' y='{36 + 17 * j}' font-size='12'>"
                   f"{html.escape(POWER_NAMES.get(p, p))}</text>")
    extra = []
    if band is not None:
        extra.append(f"shaded: 10-90% of {band_runs} seeds")
    if lead is not None:
        extra.append("grey: the run it continues")
    if marks:
        extra.append("dashed: what-ifs")
    for k, text in enumerate(extra):
        out.append(f"<text x='0' y='{42 + 17 * len(powers) + 14 * k}' font-size='11' fill='#555'>"
                   f"{html.escape(text)}</text>")
    out.append("</g></svg>")
    return "".join(out)


def _polyline(x, y, sx, sy, colour: str, width: float, opacity: float) -> str:
    pts = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in zip(x, y))
    return (f"<polyline points='{pts}' fill='none' stroke='{colour}' stroke-width='{width}' "
            f"stroke-opacity='{opacity}'/>")
