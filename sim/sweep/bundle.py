"""The files a sweep reads, carried inside its chunks, so a worker needs no shared file system.

A sweep reads its sweep file and the scenario chain (the scenario, the files it extends and, for an
outlook that continues another scenario, that scenario's files). ``bundle`` reads their bytes once, on the
machine that starts the sweep, with each file's path relative to the folder that holds them all. A worker
writes them under its own temporary folder, in the same layout (so the relative paths inside the files
still lead to each other), and loads the sweep from there. The sweep's fingerprint hashes the files'
contents, not their paths, so the worker checks that what it loaded is the sweep the client validated.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SweepFiles:
    """A sweep file and every file it reads: (path relative to their common folder, bytes)."""

    sweep: str  # the sweep file's relative path
    files: tuple[tuple[str, bytes], ...]
    fingerprint: str  # LoadedSweep.fingerprint() of the sweep these bytes describe

    @property
    def nbytes(self) -> int:
        return sum(len(data) for _, data in self.files)


def bundle(sweep, fingerprint: str | None = None) -> SweepFiles:
    """The bytes of ``sweep``'s file and of its scenario chain (a LoadedSweep), read now; ``fingerprint``
    is the one the sweep was validated with (by default computed now)."""
    from sim.sweep.loader import scenario_chain

    paths = [Path(sweep.path).resolve()] + [Path(f).resolve() for f in scenario_chain(sweep.scenario)]
    paths = list(dict.fromkeys(paths))  # a file read twice is carried once
    root = Path(os.path.commonpath([str(p.parent) for p in paths]))
    files = tuple((p.relative_to(root).as_posix(), p.read_bytes()) for p in paths)
    return SweepFiles(files[0][0], files, fingerprint or sweep.fingerprint())


_PLACES: dict[str, Path] = {}
_TEMP: list[Path] = []


def _own_folder() -> Path:
    """This process's temporary folder, removed when the process ends (also a pool's or a cluster's worker
    process, which ends through multiprocessing's exit and skips ``atexit``)."""
    if not _TEMP:
        import shutil
        from multiprocessing.util import Finalize

        _TEMP.append(Path(tempfile.mkdtemp(prefix="greatgame-sweep-")))
        Finalize(None, shutil.rmtree, args=(str(_TEMP[0]), True), exitpriority=0)
    return _TEMP[0]


def materialize(bundled: SweepFiles) -> Path:
    """Write the files under this process's temporary folder (once per fingerprint); return the sweep
    file's path there. The folder is removed when the process ends."""
    place = _PLACES.get(bundled.fingerprint)
    if place is None:
        place = _own_folder() / bundled.fingerprint[:16]
        for rel, data in bundled.files:
            target = place / rel
            if ".." in Path(rel).parts or Path(rel).is_absolute():
                raise ValueError(f"a sweep's file must lie under its folder, got {rel!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        _PLACES[bundled.fingerprint] = place
    return place / bundled.sweep
