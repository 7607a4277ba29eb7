"""Extract the country outlines of Central Asia shipped in central_asia.geojson (run once, by hand).

Source: the npm package world-atlas 2.0.2 (TopoJSON built from Natural Earth 1:50m admin-0 countries,
public domain; the package's own code is under the ISC licence). Usage, from the repository root:

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python sim/assets/extract_outlines.py package/countries-50m.json sim/assets/central_asia.geojson

The five states are kept whole; the neighbours (Russia, China, Afghanistan, Iran, ...) are clipped to
the frame of the map. Nothing is downloaded when the model or the app runs: they read the file written here.
"""

from __future__ import annotations

import json
import sys

# ISO 3166 numeric code -> our code (the five states) or a neighbour's ISO alpha-3 code
STATES = {"398": "KAZ", "860": "UZB", "795": "TKM", "762": "TJK", "417": "KGZ"}
NEIGHBOURS = {"643": "RUS", "156": "CHN", "004": "AFG", "364": "IRN", "586": "PAK", "496": "MNG",
              "031": "AZE", "356": "IND"}
FRAME = (44.0, 33.0, 90.0, 57.0)  # lon min, lat min, lon max, lat max


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """TopoJSON arcs (delta-encoded, quantized) to lists of (lon, lat)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring(arcs, indexes) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for i in indexes:
        pts = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        out.extend(pts if not out else pts[1:])
    return out


def clip(points, frame):
    """Sutherland-Hodgman clip of a ring to the rectangle ``frame``."""
    x0, y0, x1, y1 = frame
    edges = [(lambda p: p[0] >= x0, lambda a, b: _cut_x(a, b, x0)),
             (lambda p: p[0] <= x1, lambda a, b: _cut_x(a, b, x1)),
             (lambda p: p[1] >= y0, lambda a, b: _cut_y(a, b, y0)),
             (lambda p: p[1] <= y1, lambda a, b: _cut_y(a, b, y1))]
    for inside, cut in edges:
        if not points:
            break
        out = []
        prev = points[-1]
        for cur in points:
            if inside(cur):
                if not inside(prev):
                    out.append(cut(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cut(prev, cur))
            prev = cur
        points = out
    return points


def _cut_x(a, b, x):
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _cut_y(a, b, y):
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def main(src: str, dst: str) -> None:
    topo = json.load(open(src))
    arcs = decode_arcs(topo)
    features = []
    for geom in topo["objects"]["countries"]["geometries"]:
        gid = geom.get("id")
        if gid not in STATES and gid not in NEIGHBOURS:
            continue
        polys = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        rings_out = []
        for poly in polys:
            outer = ring(arcs, poly[0])  # holes dropped: none matters at this scale
            if gid in NEIGHBOURS:
                outer = clip(outer, FRAME)
            if len(outer) >= 4:
                if outer[0] != outer[-1]:
                    outer.append(outer[0])
                rings_out.append([[[round(x, 3), round(y, 3)] for x, y in outer]])
        if not rings_out:
            continue
        code = STATES.get(gid) or NEIGHBOURS[gid]
        features.append({"type": "Feature",
                         "properties": {"code": code, "name": geom["properties"]["name"],
                                        "role": "state" if gid in STATES else "neighbour"},
                         "geometry": {"type": "MultiPolygon", "coordinates": rings_out}})
    out = {"type": "FeatureCollection",
           "note": "Natural Earth 1:50m admin-0 countries (public domain), via the npm package world-atlas "
                   "2.0.2; neighbours clipped to lon 44-90, lat 33-57. See extract_outlines.py.",
           "features": features}
    with open(dst, "w") as f:
        json.dump(out, f, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
