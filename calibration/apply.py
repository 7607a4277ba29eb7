#!/usr/bin/env python3
"""Write a point calibration (calibration/point.py's result) into the defaults of sim/core/parameters.py.

    .venv/bin/python calibration/apply.py [--check] [--point calibration/point.yaml]

For every free parameter of the point calibration, the default value in the registry becomes the
calibrated one and its source starts with "calibrated (FILE, over [low, high])", with the prior range of
calibration/free_parameters.yaml, followed by the reading of the sources. ``--check`` changes nothing and
exits 1 when the registry differs.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "sim" / "core" / "parameters.py"
PREFIX = "calibrated ({file}, over [{lo}, {hi}]); "


def rewrite(text: str, values: dict[str, float], ranges: dict[str, list[float]],
            file: str = "calibration/point.yaml") -> str:
    for name, value in values.items():
        # _P("name", default, low, high, "unit",
        pattern = re.compile(r'(_P\("' + re.escape(name) + r'", )([-0-9.e]+)(, )')
        if not pattern.search(text):
            raise SystemExit(f"{REGISTRY}: no parameter {name!r}")
        text = pattern.sub(lambda m, v=value: m.group(1) + repr(float(v)) + m.group(3), text, count=1)
        # the source is the first string after the meaning: find the entry and its source string
        start = text.index(f'_P("{name}"')
        end = text.index("_P(", start + 3) if "_P(" in text[start + 3:] else len(text)
        entry = text[start:end]
        src = _source_span(entry)
        old = entry[src[0]:src[1]]
        body = old.strip()
        body = re.sub(r'^"calibrated \([^,()]+, over \[[^\]]*\]\); "\s*', '', body)
        # a parameter that was fixed and is free now: its note that it is held fixed no longer holds
        body = re.sub(r'^"held at [^"]*\(fixed: [^)"]*\); "\s*', '', body)
        lo, hi = ranges[name]
        new_body = '"' + PREFIX.format(file=file, lo=lo, hi=hi) + '"\n       ' + body
        text = text[:start] + entry[:src[0]] + new_body + entry[src[1]:] + text[end:]
    return text


def _source_span(entry: str) -> tuple[int, int]:
    """Span of the source argument (the 7th positional argument) inside one _P(...) entry."""
    depth, args, i, begin = 0, [], entry.index("(") + 1, entry.index("(") + 1
    in_str = False
    while i < len(entry):
        c = entry[i]
        if in_str:
            if c == "\\":
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c in "([":
            depth += 1
        elif c in ")]":
            if depth == 0:
                args.append((begin, i))
                break
            depth -= 1
        elif c == "," and depth == 0:
            args.append((begin, i))
            begin = i + 1
        i += 1
    a, b = args[6]
    while entry[a] in " \n":
        a += 1
    return a, b


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="only check that the registry holds the calibration")
    ap.add_argument("--point", metavar="FILE", default=str(ROOT / "calibration" / "point.yaml"),
                    help="the point calibration to apply (default calibration/point.yaml)")
    args = ap.parse_args(argv)
    text = REGISTRY.read_text()
    sys.path.insert(0, str(ROOT))
    from sim.free_parameters import load_free_parameters

    record = yaml.safe_load(Path(args.point).read_text())
    ranges = {p.name: [p.low, p.high] for p in load_free_parameters().free}
    unknown = sorted(set(record["parameters"]) - set(ranges))
    if unknown:
        print(f"error: {args.point}: not free in calibration/free_parameters.yaml: {', '.join(unknown)}",
              file=sys.stderr)
        return 2
    where = Path(args.point).resolve()
    name = str(where.relative_to(ROOT)) if where.is_relative_to(ROOT) else where.name
    new = rewrite(text, record["parameters"], ranges, name)
    if args.check:
        print("sim/core/parameters.py holds the calibration" if new == text else "sim/core/parameters.py differs")
        return 0 if new == text else 1
    REGISTRY.write_text(new)
    print(f"wrote {len(record['parameters'])} calibrated defaults into {REGISTRY}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
