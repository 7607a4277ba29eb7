"""Ship this project's code to the workers of a Dask cluster, so that a worker needs only Python and the
third-party libraries of pyproject.toml, not this project installed at the same path.

When a sweep starts on a running cluster (``--scheduler``), the machine that starts it packs the ``sim``
package (its Python files and the data files they read; no caches) into one zip archive in memory and
registers a worker plugin that holds it (``Client.register_plugin``). Every worker, those there now and
those that join later, unpacks the archive into its own folder,
``<the worker's local directory>/greatgame-<first 16 hex digits of the archive's sha256>/sim``, and puts that
folder first on its import path, so ``import sim`` finds the shipped copy: real files on disk, so the data
files, the provenance hash and numba's cache of compiled loops work as in a checkout.

The scheduler needs no copy either: it unpickles the tasks it is given, so a chunk goes to it as bytes
that a worker's ``pickle.loads`` turns into the call ``run_chunk(task)`` (``packed``).

The provenance check (sim.sweep.provenance) still runs on every chunk: a worker that imported another
version of ``sim`` before the plugin came (from an installed copy) refuses its chunks. A copy shipped by an
earlier sweep is set aside (taken off the import path, its modules forgotten) when a new one arrives.

This module is sent to the workers by value (cloudpickle), since they cannot import it before it arrives;
so the plugin imports nothing of ``sim``.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from functools import lru_cache
from pathlib import Path

from distributed.diagnostics.plugin import WorkerPlugin

PLUGIN = "greatgame-code"
SKIP_DIRS = {"__pycache__"}
SKIP_SUFFIXES = {".pyc", ".pyo", ".nbi", ".nbc"}  # byte code and numba's caches: rebuilt on the worker


def package_files(package: Path) -> list[Path]:
    """The files of the package to ship, in a fixed order (no caches)."""
    return sorted(p for p in package.rglob("*")
                  if p.is_file() and not SKIP_DIRS & set(p.relative_to(package).parts[:-1])
                  and p.suffix not in SKIP_SUFFIXES)


@lru_cache(maxsize=1)
def code_archive() -> tuple[bytes, str]:
    """(zip archive of the ``sim`` package, its sha256). The same files give the same bytes."""
    import sim

    package = Path(sim.__file__).resolve().parent
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in package_files(package):
            info = zipfile.ZipInfo(f"sim/{f.relative_to(package).as_posix()}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, f.read_bytes())
    data = buf.getvalue()
    return data, hashlib.sha256(data).hexdigest()


class ShipCode(WorkerPlugin):
    """A worker plugin that unpacks the project's code on the worker and puts it first on ``sys.path``."""

    name = PLUGIN

    def __init__(self, archive: bytes, digest: str):
        self.archive, self.digest = archive, digest
        self.folder = f"greatgame-{digest[:16]}"

    def setup(self, worker) -> None:
        import importlib
        import os
        import shutil
        import sys
        import zipfile

        base = os.path.join(worker.local_directory, self.folder)
        if not os.path.isfile(os.path.join(base, "sim", "__init__.py")):
            tmp = f"{base}.tmp-{os.getpid()}"
            shutil.rmtree(tmp, ignore_errors=True)
            with zipfile.ZipFile(io.BytesIO(self.archive)) as z:
                z.extractall(tmp)
            try:
                os.replace(tmp, base)  # whole or absent
            except OSError:  # another process of this folder got there first
                shutil.rmtree(tmp, ignore_errors=True)
        # set aside a copy that an earlier sweep shipped to this worker
        sys.path[:] = [p for p in sys.path if not os.path.basename(p).startswith("greatgame-") or p == base]
        old = sys.modules.get("sim")
        old_dir = os.path.dirname(os.path.dirname(getattr(old, "__file__", None) or "")) if old else ""
        if old is not None and os.path.basename(old_dir).startswith("greatgame-") and old_dir != base:
            for mod in [m for m in sys.modules if m == "sim" or m.startswith("sim.")]:
                del sys.modules[mod]
        if base not in sys.path:
            sys.path.insert(0, base)
        importlib.invalidate_caches()


def ship_code(client) -> str:
    """Send the ``sim`` package to every worker of ``client``'s cluster (and to those that join later);
    return the archive's sha256. Raises what a worker raised while unpacking."""
    import sys

    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    data, digest = code_archive()
    client.register_plugin(ShipCode(data, digest), name=PLUGIN)
    return digest


class _Call:
    """Pickles as the call ``fn(arg)``: unpickling it makes the call and gives its result."""

    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return self.fn, (self.arg,)


def packed(fn, arg) -> bytes:
    """The call ``fn(arg)`` as bytes: ``pickle.loads`` of them, on a worker, imports the shipped ``sim`` and
    returns ``fn(arg)``. The scheduler unpickles every task it is given and has no copy of ``sim``, so a
    chunk is sent as the task ``pickle.loads(bytes)``, which it can unpickle with Python alone."""
    import pickle

    return pickle.dumps(_Call(fn, arg), protocol=pickle.HIGHEST_PROTOCOL)


def where_sim_is() -> str:
    """On a worker: the folder ``sim`` is imported from (for checks)."""
    import sim

    return str(Path(sim.__file__).resolve().parent)
