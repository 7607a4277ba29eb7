"""Write a calibration's point estimate into the parameter registry's defaults (sim/parameters.py).

    python calibration/set_defaults.py calibration/calibrated.yaml

Each named parameter's default is replaced in place; its source says where the value comes from.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

REGISTRY = Path(__file__).resolve().parent.parent / "sim" / "parameters.py"


def main(path: str) -> int:
    values = yaml.safe_load(Path(path).read_text())["parameters"]
    text = REGISTRY.read_text()
    for name, value in values.items():
        pattern = re.compile(r'(_P\("' + re.escape(name) + r'", )([-0-9.e]+)(,)')
        if not pattern.search(text):
            print(f"error: {name} is not in {REGISTRY}", file=sys.stderr)
            return 2
        text = pattern.sub(lambda m: f"{m.group(1)}{float(value):.4g}{m.group(3)}", text, count=1)
    REGISTRY.write_text(text)
    print(f"{len(values)} defaults written to {REGISTRY}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
