"""The free parameters of the calibration, read from data (calibration/free_parameters.yaml).

The file names, for each parameter the calibration may move, a uniform prior range and why it is free, and,
for every other parameter of the registry (sim/core/parameters.py), why it is fixed: by theory, by data or by a
convention. The loader checks the file against the registry: an unknown name, a parameter listed twice or
not at all, a prior outside the registry's range or more than ``MAX_FREE`` free parameters is an error that
names the file and the line. Everything that calibrates or draws parameters reads the list from here, so
renaming a parameter in the registry only needs this file edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.core.parameters import BY_NAME, DEFAULTS
from sim.scenario.errors import ScenarioError
from sim.scenario.yamlfile import read_yaml

MAX_FREE = 15
BASES = ("theory", "data", "convention")
DEFAULT_FILE = Path(__file__).resolve().parent.parent / "calibration" / "free_parameters.yaml"


@dataclass(frozen=True)
class FreeParameter:
    name: str
    low: float
    high: float
    why: str

    def clip(self, value: float) -> float:
        return float(min(max(value, self.low), self.high))


@dataclass(frozen=True)
class FreeParameters:
    path: Path
    free: tuple[FreeParameter, ...]
    fixed: dict[str, tuple[str, str]]  # name -> (basis, why)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.free]

    def bounds(self) -> tuple[list[float], list[float]]:
        return [p.low for p in self.free], [p.high for p in self.free]

    def full(self, values: dict[str, float], base: dict[str, float] | None = None) -> dict[str, float]:
        """A complete parameter dict: the free values given, every other parameter at its default (or base)."""
        out = dict(base or DEFAULTS)
        out.update({k: float(v) for k, v in values.items()})
        return out


def load_free_parameters(path: str | Path = DEFAULT_FILE) -> FreeParameters:
    """Read and check the file; any problem raises one ScenarioError naming the file, the line and the field."""
    path = Path(path)
    data, lines = read_yaml(path)
    file = str(path)

    def err(where: tuple, message: str) -> ScenarioError:
        for k in range(len(where), -1, -1):
            if where[:k] in lines:
                return ScenarioError(file, message, line=lines[where[:k]], field=".".join(map(str, where)) or None)
        return ScenarioError(file, message)

    if not isinstance(data, dict) or set(data) - {"free", "fixed"} or "free" not in data:
        extra = sorted(set(data) - {"free", "fixed"}) if isinstance(data, dict) else []
        raise err((extra[0],) if extra else (), "expected a mapping with the keys 'free' and 'fixed' only")
    free_raw, fixed_raw = data.get("free") or {}, data.get("fixed") or {}
    for key, block in (("free", free_raw), ("fixed", fixed_raw)):
        if not isinstance(block, dict):
            raise err((key,), f"expected a mapping of parameter names under '{key}'")
    seen: dict[str, str] = {}
    free = []
    for name, entry in free_raw.items():
        where = ("free", name)
        _known(name, where, err)
        if not isinstance(entry, dict) or set(entry) != {"prior", "why"}:
            raise err(where, "expected {prior: [low, high], why: ...}")
        prior = entry["prior"]
        if (not isinstance(prior, list) or len(prior) != 2
                or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in prior)):
            raise err(where + ("prior",), f"expected two numbers [low, high], got {prior!r}")
        lo, hi = float(prior[0]), float(prior[1])
        p = BY_NAME[name]
        if not (p.low <= lo < hi <= p.high):
            raise err(where + ("prior",), f"the prior [{lo}, {hi}] must be an interval inside the registry's "
                                          f"range [{p.low}, {p.high}] of {name}")
        if not str(entry["why"] or "").strip():
            raise err(where + ("why",), "say why the parameter is free")
        free.append(FreeParameter(name, lo, hi, str(entry["why"]).strip()))
        seen[name] = "free"
    if len(free) > MAX_FREE:
        raise err(("free",), f"{len(free)} free parameters; at most {MAX_FREE} may be free")
    if not free:
        raise err(("free",), "no free parameter")
    fixed = {}
    for name, entry in fixed_raw.items():
        where = ("fixed", name)
        _known(name, where, err)
        if name in seen:
            raise err(where, f"{name} is listed as free and as fixed")
        if not isinstance(entry, dict) or set(entry) != {"basis", "why"}:
            raise err(where, "expected {basis: theory | data | convention, why: ...}")
        if entry["basis"] not in BASES:
            raise err(where + ("basis",), f"expected one of {', '.join(BASES)}, got {entry['basis']!r}")
        if not str(entry["why"] or "").strip():
            raise err(where + ("why",), "say why the parameter is fixed")
        fixed[name] = (entry["basis"], str(entry["why"]).strip())
    missing = [n for n in DEFAULTS if n not in seen and n not in fixed]
    if missing:
        raise err(("fixed",), "every parameter of sim/core/parameters.py must be free or fixed; not listed: "
                  + ", ".join(missing))
    return FreeParameters(path, tuple(free), fixed)


def _known(name, where, err) -> None:
    if name not in BY_NAME:
        raise err(where, f"unknown parameter {name!r}; expected a name of sim/core/parameters.py")
