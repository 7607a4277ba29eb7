"""The manifest: exactly what produced a results folder."""

from __future__ import annotations

import hashlib
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("greatgame", "mesa", "numpy", "pandas", "matplotlib", "pydantic", "PyYAML", "scipy", "SALib",
                "dask", "pyarrow"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def scenario_files(loaded) -> list[dict]:
    files = []
    for f in loaded.files:
        files.append({"path": str(f), "sha256": sha256(f)})
    if loaded.spec.continues:
        from sim.scenario.loader import load_scenario

        parent = load_scenario(loaded.continues_path)
        files += [{"continues": True, **x} for x in scenario_files(parent)]
    return files


def command_line() -> str:
    return " ".join([Path(sys.argv[0]).name] + sys.argv[1:])


def provenance(started: str, elapsed: float, seeds: list[int], overrides: dict) -> dict:
    """What every results manifest records about how it was produced: the command, the seeds, the parameter
    overrides, the package versions and the times."""
    return {
        "producer": "greatgame",
        "command": command_line(),
        "seeds": seeds,
        "parameter_overrides": overrides,
        "versions": versions(),
        "started": started,
        "finished": now(),
        "simulation_seconds": round(elapsed, 3),
    }
