"""Write a results folder all or nothing: everything goes to a temporary sibling folder, which replaces
the destination only once every file is written. A failed run leaves the old results untouched.

The destination is checked first (sim.outputs.folders): a folder the project did not write, a file, the
current or root folder are refused before any work, so a user's files are never replaced. A folder without
a manifest.json of its own gets a short one (who wrote it, when, and its files), so that the next write
recognises it as the project's.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from sim.outputs.folders import (
    PRODUCER,
    OutputFolderError,
    check_destination,
    clean_stale,
    make_temporary,
    writable_folder,
)


@contextmanager
def atomic_folder(dest: str | Path, checked: bool = False):
    dest = Path(dest)
    if not checked:
        check_destination(dest)
    writable_folder(dest.parent)
    clean_stale(dest.parent)
    try:
        tmp = make_temporary(dest)
    except OSError as e:
        raise OutputFolderError(f"cannot write in {dest.parent} ({e.strerror})") from None
    try:
        yield tmp
        if not (tmp / "manifest.json").exists():
            from sim.outputs.manifest import command_line, now

            (tmp / "manifest.json").write_text(json.dumps({
                "producer": PRODUCER, "command": command_line(), "written": now(),
                "files": sorted(p.name + ("/" if p.is_dir() else "") for p in tmp.iterdir())}, indent=2))
        check_destination(dest)  # again: the folder may have changed while the results were computed
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if dest.exists() and _exchange(tmp, dest):  # one atomic step: dest is old or new, never absent
        shutil.rmtree(tmp, ignore_errors=True)  # now the old results, under the temporary name
        return
    old = None
    if dest.exists():
        old = make_temporary(dest, "old")
        os.rmdir(old)
        os.replace(dest, old)
    os.replace(tmp, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 with RENAME_EXCHANGE); False where that is unavailable."""
    import ctypes
    import ctypes.util
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
