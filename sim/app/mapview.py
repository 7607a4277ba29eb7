"""The map of the region: each state filled with the colour of the power it leans to most.

The outlines are Natural Earth's, shipped in ``sim/assets/central_asia.geojson`` (see the README there);
nothing is downloaded. A state's colour is its leading power's; the stronger the lead (the leading score
minus the runner-up's), the deeper the colour. Each state is labelled with its leading power and score,
and the bases open on its soil are listed under its name. Neighbours are drawn in grey for orientation.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

OUTLINES = Path(__file__).resolve().parents[1] / "assets" / "central_asia.geojson"
POWER_COLOURS = {"RUS": "#c0392b", "USA": "#2563eb", "CHN": "#d4a017", "EU": "#7c3aed", "IRN": "#059669",
                 "IND": "#ea580c", "TUR": "#0891b2"}
FALLBACK = ("#6b7280", "#0d9488", "#a21caf", "#65a30d")
#: where to write each state's label (lon, lat): inside the country, clear of its neighbours' labels
LABEL_AT = {"KAZ": (67.5, 48.5), "UZB": (63.8, 41.6), "TKM": (59.0, 39.2), "TJK": (71.0, 38.6), "KGZ": (74.8, 41.6)}


@lru_cache(maxsize=1)
def outlines() -> dict[str, dict]:
    """code -> {"name", "role" ("state" or "neighbour"), "rings": [array (n, 2) of lon, lat]}."""
    data = json.loads(OUTLINES.read_text())
    out = {}
    for f in data["features"]:
        props = f["properties"]
        rings = [np.asarray(poly[0], dtype=float) for poly in f["geometry"]["coordinates"]]
        out[props["code"]] = {"name": props["name"], "role": props["role"], "rings": rings}
    return out


def power_colour(code: str, powers: tuple[str, ...]) -> str:
    if code in POWER_COLOURS:
        return POWER_COLOURS[code]
    return FALLBACK[powers.index(code) % len(FALLBACK)] if code in powers else FALLBACK[0]


def state_fills(alignment: np.ndarray, states: tuple[str, ...], powers: tuple[str, ...]) -> dict[str, dict]:
    """For each state: its leading power, the score, the lead over the runner-up and the fill opacity.

    Opacity = 0.25 + 0.75 x min(1, lead / 0.4): a state torn between two powers looks pale.
    """
    out = {}
    for i, s in enumerate(states):
        order = np.argsort(-alignment[i], kind="stable")
        top = int(order[0])
        lead = float(alignment[i, top] - (alignment[i, order[1]] if len(order) > 1 else 0.0))
        out[s] = {"power": powers[top], "score": float(alignment[i, top]), "lead": lead,
                  "alpha": 0.25 + 0.75 * min(1.0, lead / 0.4), "colour": power_colour(powers[top], powers)}
    return out


def draw_map(ax, alignment: np.ndarray, states: tuple[str, ...], powers: tuple[str, ...], date: str,
             bases: dict[str, list[str]] | None = None) -> dict[str, dict]:
    """Draw the region on a matplotlib axis; return the fills used (for legends and tests).

    ``bases``: for each state, the powers with a base open there (one entry per base).
    """
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_rgba
    from matplotlib.patches import Patch

    shapes = outlines()
    fills = state_fills(alignment, states, powers)
    near = [ring for shape in shapes.values() if shape["role"] == "neighbour" for ring in shape["rings"]]
    ax.add_collection(PolyCollection(near, facecolors="#eeeeee", edgecolors="#bbbbbb", linewidths=0.5))
    rings, colours = [], []
    for code in states:
        for ring in shapes.get(code, {}).get("rings", []):
            rings.append(ring)
            colours.append(to_rgba(fills[code]["colour"], fills[code]["alpha"]))
    ax.add_collection(PolyCollection(rings, facecolors=colours, edgecolors="#333333", linewidths=0.8))
    for code in states:
        if code not in shapes:
            continue
        f = fills[code]
        x, y = LABEL_AT.get(code, shapes[code]["rings"][0].mean(axis=0))
        text = f"{shapes[code]['name']}\n{f['power']} {f['score']:.2f}"
        if bases and bases.get(code):
            text += "\nbases: " + ", ".join(dict.fromkeys(bases[code]))
        ax.text(x, y, text, ha="center", va="center", fontsize=7.5,
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.75, "edgecolor": "none"})
    for code, (x, y) in {"RUS": (60.0, 55.5), "CHN": (85.0, 40.0), "AFG": (66.0, 34.2), "IRN": (55.5, 34.5)}.items():
        if code in shapes:
            ax.text(x, y, shapes[code]["name"], ha="center", va="center", fontsize=7, color="#888888")
    ax.set_xlim(46, 88)
    ax.set_ylim(34, 56)
    ax.set_aspect(1.0 / np.cos(np.radians(45)))  # longitude shrinks with latitude: true shapes near 45N
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"Leading alignment, {date} (deeper colour: clearer lead)", fontsize=9)
    ax.legend(handles=[Patch(facecolor=power_colour(p, powers), label=p) for p in powers], loc="lower left",
              fontsize=7, frameon=True, title="leans to", title_fontsize=7)
    return fills
