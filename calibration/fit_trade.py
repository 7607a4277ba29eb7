#!/usr/bin/env python3
"""Fit the trade parameters to the Correlates of War trade shares of 1995-2008.

    .venv/bin/python calibration/fit_trade.py [--out calibration/trade_fit.yaml] [--check]

The shares are computed by the trade rules alone (sim/trade_history.py: masses and the oil price from the
base scenario's series, the export routes of calibration/trade_routes.yaml); scipy's least squares chooses
the free parameters (``FREE``, within their registered ranges) that minimise the squared differences between
the yearly shares and the data for every state and power. ``route_rate`` is not fitted (a stated
assumption: pipelines take two to three years to build). The script prints the mean absolute error (MAE) of
the yearly shares per state and partner (the rest of the world against 1 minus the powers' shares) and
China's shares of 1999 and 2008, and writes the fitted values. ``--check`` writes nothing and exits 1 when
the fitted values differ from those recorded in --out by more than 1e-3.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np
import yaml
from scipy.optimize import least_squares

from sim.core.parameters import BY_NAME, DEFAULTS
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario
from sim.trade_data import trade_data
from sim.trade_history import RecordError, cow_shares, errors, read_record, yearly_shares

BASE = ROOT / "scenarios" / "base" / "central_asia_1999.yaml"
RECORD = ROOT / "calibration" / "trade_routes.yaml"
OUT = ROOT / "calibration" / "trade_fit.yaml"
FREE = ("trade_mass_elasticity", "trade_growth_elasticity", "trade_distance_decay", "trade_legacy", "trade_border", "oil_value_elasticity",
        "transit_share")
FIRST, LAST = 1995, 2008
X0 = (1.0, 1.0, 0.3, 1.0, 1.0, 1.0, 0.5)  # where the search starts (fixed, so the fit does not depend on the registry)


def trade_params(values: dict[str, float]) -> dict[str, float]:
    """The trade group's parameters: the registry's defaults with ``values`` over them."""
    out = {p: float(DEFAULTS[p]) for p in DEFAULTS if BY_NAME[p].group == "trade"}
    out.update(values)
    return out


def fit(data, record, cow):
    lows = np.array([BY_NAME[p].low for p in FREE])
    highs = np.array([BY_NAME[p].high for p in FREE])
    x0 = np.clip(np.array(X0), lows, highs)
    mask = ~np.isnan(cow)

    def residuals(x):
        shares = yearly_shares(data, record, trade_params(dict(zip(FREE, x))), FIRST, LAST)["trade"]
        return (shares[..., :-1] - cow)[mask]

    result = least_squares(residuals, x0, bounds=(lows, highs), x_scale="jac", ftol=1e-12, xtol=1e-12, gtol=1e-12)
    return dict(zip(FREE, (round(float(v), 4) for v in result.x))), result


def report(data, record, cow, values) -> tuple[str, np.ndarray, dict]:
    shares = yearly_shares(data, record, trade_params(values), FIRST, LAST)
    mae = errors(shares["trade"], cow)
    lines = [f"Mean absolute error of the yearly trade shares {FIRST}-{LAST} (COW data), by state and partner:",
             "state  " + "  ".join(f"{p:>5}" for p in data.partners)]
    for s, code in enumerate(data.states):
        lines.append(f"{code:5}  " + "  ".join(f"{mae[s, j]:5.3f}" for j in range(len(data.partners))))
    powers = mae[:, :-1]
    lines.append(f"overall (powers) {powers.mean():.3f}; worst {powers.max():.3f}; with the rest of the world "
                 f"{mae.mean():.3f}, worst {mae.max():.3f}")
    c = data.partners.index("CHN")
    y99, y08 = 1999 - FIRST, 2008 - FIRST
    lines.append("China's trade share 1999 -> 2008, model (data): " + "; ".join(
        f"{code} {shares['trade'][y99, s, c]:.3f} -> {shares['trade'][y08, s, c]:.3f} "
        f"({cow[y99, s, c]:.3f} -> {cow[y08, s, c]:.3f})" for s, code in enumerate(data.states)))
    return "\n".join(lines), mae, shares


def write_yaml(path: Path, doc: dict) -> None:
    """Write atomically: a half-written file never replaces the old one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("# Written by calibration/fit_trade.py; the defaults of the trade group in sim/core/parameters.py "
                    "are these values.\n")
            yaml.safe_dump(doc, f, sort_keys=False)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if the recorded fit differs")
    args = ap.parse_args(argv)
    try:
        spec = load_scenario(BASE).spec
        data = trade_data(spec)
        record = read_record(RECORD, data)
    except (ScenarioError, RecordError, ValueError) as e:
        print(f"fit_trade: {e}", file=sys.stderr)
        return 2
    cow = cow_shares(data, FIRST, LAST)
    values, result = fit(data, record, cow)
    text, mae, shares = report(data, record, cow, values)
    print(text)
    print("fitted: " + ", ".join(f"{k}={v}" for k, v in values.items()))
    if args.check:
        try:
            recorded = yaml.safe_load(args.out.read_text(encoding="utf-8"))["parameters"]
        except (OSError, KeyError, TypeError, yaml.YAMLError) as e:
            print(f"fit_trade: cannot read the recorded fit {args.out} ({e})", file=sys.stderr)
            return 2
        off = {k: (recorded.get(k), v) for k, v in values.items() if abs(float(recorded.get(k, np.inf)) - v) > 1e-3}
        if off:
            print(f"fit_trade: the recorded fit differs: {off}", file=sys.stderr)
            return 1
        print("fit_trade: the recorded fit is up to date")
        return 0
    c = data.partners.index("CHN")
    doc = {
        "procedure": "calibration/fit_trade.py (scipy.optimize.least_squares on the yearly shares, 1995-2008)",
        "data": "sim/data/cow_trade_1995_2008.csv (Correlates of War Trade v4.0)",
        "fixed": {"route_rate": float(DEFAULTS["route_rate"])},
        "parameters": values,
        "mae": {code: {p: round(float(mae[s, j]), 4) for j, p in enumerate(data.partners)}
                for s, code in enumerate(data.states)},
        "mae_overall_powers": round(float(mae[:, :-1].mean()), 4),
        "china_share": {code: {"model_1999": round(float(shares["trade"][1999 - FIRST, s, c]), 4),
                               "model_2008": round(float(shares["trade"][2008 - FIRST, s, c]), 4),
                               "data_1999": round(float(cow[1999 - FIRST, s, c]), 4),
                               "data_2008": round(float(cow[2008 - FIRST, s, c]), 4)}
                        for s, code in enumerate(data.states)},
        "mae_worst": round(float(mae.max()), 4),
        "cost": round(float(result.cost), 6),
    }
    write_yaml(args.out, doc)
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
