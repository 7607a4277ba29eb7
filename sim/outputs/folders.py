"""The one guard of every output folder: a command writes only where it cannot destroy anything of the user's.

Every command that writes a folder (run, validate, compare, analyze, sweep) asks ``check_destination``
first, before any work starts. It refuses, with a message saying why and what to do:

- a path that is a file (or a link, a FIFO, a device): results are a folder, and a file is never replaced;
- the root folder, a mount point, the home folder, the current folder or a folder that contains it;
- a folder in which nothing can be written (read-only, or not the user's);
- a folder that already holds something the project did not write. A folder may be replaced only when its
  ``manifest.json`` says the project wrote it and it holds nothing but the files that manifest lists
  (``replace_own``); the sweep store, which is continued rather than replaced, asks with
  ``replace_own=False`` and checks its own manifest itself.

Temporary folders are made beside the destination with a name that says whose they are
(``.NAME.greatgame-tmp-HOST-PID-XXXX``), with the permissions of an ordinary new folder (not owner-only);
the ones a killed process left are removed at the next write into the same place, once their process is
gone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
from pathlib import Path

PRODUCER = "greatgame"
TMP_TAG = ".greatgame-tmp-"
_TMP = re.compile(r"^\..*\.greatgame-(?:tmp|old)-(?P<host>[A-Za-z0-9_.]+)-(?P<pid>\d+)-[A-Za-z0-9_]+$")


class OutputFolderError(Exception):
    """The output folder cannot be used; the message says why. Nothing has been written."""


def host() -> str:
    return re.sub(r"[^A-Za-z0-9_.]", "_", socket.gethostname() or "host")


def pid_alive(pid: int) -> bool:
    """True when a process with this id runs on this machine (or may run: no permission to ask)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def is_own(folder: str | Path) -> bool:
    """True when ``folder`` holds results the project wrote: a manifest.json of ours, and nothing but the
    files that manifest lists (plus hidden temporary names)."""
    folder = Path(folder)
    manifest = _manifest(folder)
    if manifest is None or manifest.get("kind") == "sweep":  # a sweep's store: continued, never replaced
        return False
    ours = manifest.get("producer") == PRODUCER or {"command", "versions", "started"} <= set(manifest)
    if not ours:
        return False
    listed = manifest.get("files")
    if isinstance(listed, dict):
        listed = list(listed)
    if not isinstance(listed, list):
        return True
    allowed = {"manifest.json"} | {str(x).rstrip("/") for x in listed}
    try:
        names = [p.name for p in folder.iterdir()]
    except OSError:
        return False
    return all(n in allowed or n.startswith(".") for n in names)


def _manifest(folder: Path) -> dict | None:
    """The folder's manifest.json as a mapping, or None (none, not a regular file, too big, not JSON)."""
    m = folder / "manifest.json"
    try:
        if not m.is_file() or m.stat().st_size > 50_000_000:
            return None
        manifest = json.loads(m.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def _sweep_store(folder: str | Path) -> bool:
    return (_manifest(Path(folder)) or {}).get("kind") == "sweep"


def _say(path: Path) -> str:
    return os.fsdecode(os.fsencode(str(path))).encode("utf-8", "backslashreplace").decode("utf-8")


def check_destination(dest: str | Path, replace_own: bool = True, option: str = "--out") -> Path:
    """Return ``dest`` as a Path when a command may write its results folder there; else OutputFolderError.

    Nothing is created or changed here."""
    if str(dest).strip() == "":
        raise OutputFolderError(f"{option} '': expected the name of a folder")
    dest = Path(dest)
    shown = f"{option} {_say(dest)}"
    try:
        real = Path(os.path.realpath(dest))
        cwd = Path(os.path.realpath(os.getcwd()))
    except (OSError, ValueError) as e:
        raise OutputFolderError(f"{shown}: cannot be used ({e})") from None
    if real == Path(real.anchor) or os.path.ismount(real):
        raise OutputFolderError(f"{shown}: is the root folder or a mount point; results go into a folder of their "
                                "own, e.g. results/my_run")
    if real == cwd or real in cwd.parents:
        raise OutputFolderError(f"{shown}: is the current folder or contains it; results go into a folder of "
                                "their own, e.g. results/my_run")
    home = Path(os.path.realpath(os.path.expanduser("~")))
    if real == home or real in home.parents:
        raise OutputFolderError(f"{shown}: is the home folder or contains it; choose a folder of its own")
    if os.path.islink(dest):
        raise OutputFolderError(f"{shown}: is a symbolic link; give the folder itself (nothing was written)")
    if os.path.lexists(dest) and not os.path.isdir(dest):
        raise OutputFolderError(f"{shown}: is a file, not a folder; results are a folder, and a file is never "
                                "replaced: choose another name (nothing was written)")
    if os.path.isdir(dest):
        try:
            empty = not any(True for _ in os.scandir(dest))
        except OSError as e:
            raise OutputFolderError(f"{shown}: cannot be read ({e.strerror})") from None
        if not empty and replace_own and not is_own(dest) and _sweep_store(dest):
            raise OutputFolderError(f"{shown}: is a sweep's result store, never replaced (only its sweep continues "
                                    "it): choose another folder (nothing was written)")
        if not empty and replace_own and not is_own(dest):
            raise OutputFolderError(f"{shown}: already holds files this project did not write (it has no "
                                    "manifest.json of ours, or files its manifest does not list); it is never "
                                    "replaced: choose another folder, or move those files away (nothing was "
                                    "written)")
    # the nearest folder that exists must be a folder we can write in
    probe = Path(os.path.abspath(dest)).parent
    while not os.path.lexists(probe) and probe != probe.parent:
        probe = probe.parent
    if not os.path.isdir(probe):
        raise OutputFolderError(f"{shown}: {_say(probe)} is a file, so no folder can be made inside it")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputFolderError(f"{shown}: cannot write in {_say(probe)} (read-only, or not yours); choose "
                                "another folder")
    return dest


def new_folder_mode() -> int:
    """The permissions of an ordinary new folder under the current umask (0o755 under the usual 022)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o777 & ~mask


def make_temporary(dest: Path, kind: str = "tmp") -> Path:
    """A new empty folder beside ``dest``, named for this process, with ordinary permissions."""
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.greatgame-{kind}-{host()}-{os.getpid()}-", dir=dest.parent))
    os.chmod(tmp, new_folder_mode())
    return tmp


def clean_stale(parent: Path) -> list[Path]:
    """Remove the temporary folders and files in ``parent`` that a process of this machine, now gone, left."""
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    me = host()
    for e in entries:
        m = _TMP.match(e.name)
        if not m or m.group("host") != me or pid_alive(int(m.group("pid"))):
            continue
        p = Path(e.path)
        if e.is_dir(follow_symlinks=False):
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p)
    return removed


def writable_folder(folder: Path, mode: int | None = None) -> None:
    """Make ``folder`` (and its parents) as ordinary folders, or raise OutputFolderError."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=mode if mode is not None else 0o777)
    except OSError as e:
        raise OutputFolderError(f"cannot make the folder {_say(folder)} ({e.strerror})") from None
