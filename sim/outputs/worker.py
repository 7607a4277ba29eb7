"""Drawing in another process: a second Python process that runs plotting jobs while this one writes tables.

    worker = Worker(preload=["sim.outputs.figures"]).start()   # imports matplotlib while we simulate
    worker.submit("sim.outputs.figures", "write_figures", folder, data)
    ...                                                          # tables, report
    worker.wait()                                                # the jobs' results, in order

The worker is started with this interpreter (without Python's site step: it is handed this process's
path, which that step made) and this very package first on its path, imports the ``preload`` modules at
once, then runs each job (a module, a function and its pickled arguments) in the
order submitted. ``wait`` returns their results; a job that raises makes ``wait`` raise ``WorkerError``
with its message; once it has answered, the worker ends without tearing down its modules. Jobs are sent by
a thread, so ``submit`` never blocks on a full pipe. When no process
can be started the jobs run here, at ``wait``.
"""

from __future__ import annotations

import importlib
import pickle
import queue
import subprocess
import sys
import threading
from pathlib import Path


class WorkerError(RuntimeError):
    """A job of the worker failed (the message says which and why)."""


def _call(module: str, function: str, args: tuple, kwargs: dict):
    return getattr(importlib.import_module(module), function)(*args, **kwargs)


def serve(preload: list[str]) -> None:
    """The worker's main loop: read jobs from stdin until the end marker, answer on stdout."""
    for name in preload:
        importlib.import_module(name)
    results, error = [], None
    while True:
        try:
            msg = pickle.load(sys.stdin.buffer)
        except EOFError:
            return  # the caller went away
        if msg is None:
            break
        if error is None:
            module, function, args, kwargs = msg
            try:
                results.append(_call(module, function, args, kwargs))
            except Exception as e:  # noqa: BLE001 - reported to the caller, which fails its command
                error = f"{module}.{function}: {type(e).__name__}: {e}"
    pickle.dump(("error", error) if error else ("ok", results), sys.stdout.buffer)
    sys.stdout.buffer.flush()


class Worker:
    def __init__(self, preload: list[str] | None = None):
        self.preload = list(preload or [])
        self.proc = None
        self.jobs: list[tuple] = []
        self._queue: queue.Queue = queue.Queue()
        self._sender = None

    def start(self) -> Worker:
        import sim

        root = str(Path(sim.__file__).resolve().parent.parent)
        # Python without its site step (-S: this process's path, which the site step made, is handed over
        # instead), and once it has answered it ends at once (os._exit): tearing down its modules
        # (matplotlib's many objects) would only keep the caller waiting
        path = [root] + [p for p in sys.path if p != root]
        code = (f"import sys; sys.path[:] = {path!r}; from sim.outputs.worker import serve; "
                f"serve({self.preload!r}); sys.stderr.flush(); import os; os._exit(0)")
        try:
            self.proc = subprocess.Popen([sys.executable, "-S", "-c", code], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError:
            self.proc = None
            return self
        self._sender = threading.Thread(target=self._send, daemon=True)
        self._sender.start()
        return self

    def _send(self) -> None:
        while True:
            msg = self._queue.get()
            try:
                pickle.dump(msg, self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                self.proc.stdin.flush()
                if msg is None:
                    self.proc.stdin.close()
            except (OSError, ValueError):  # the worker died; wait() reports it
                try:
                    self.proc.stdin.close()
                except (OSError, ValueError):
                    pass
                return
            if msg is None:
                return

    def submit(self, module: str, function: str, *args, **kwargs) -> None:
        job = (module, function, args, kwargs)
        self.jobs.append(job)
        if self.proc is not None:
            self._queue.put(job)

    def wait(self) -> list:
        """The results of the jobs submitted, in order (raises WorkerError if one failed)."""
        if self.proc is None:
            return [_call(*job) for job in self.jobs]
        self._queue.put(None)
        self._sender.join()
        self.proc.stdin = None  # closed by the sender
        out, err = self.proc.communicate()
        self.proc = None
        try:
            status, value = pickle.loads(out)
        except Exception:  # noqa: BLE001 - no answer: the worker died, say how
            lines = err.decode(errors="replace").strip().splitlines()
            status, value = "error", (lines[-1] if lines else "the drawing process ended without an answer")
        if status != "ok":
            raise WorkerError(f"drawing the figures failed: {value}")
        return value

    def close(self) -> None:
        """Stop the worker if it still runs (after an error, or when wait() was never called)."""
        if self.proc is not None:
            self.proc.kill()
            self._queue.put(None)
            if self._sender is not None:
                self._sender.join(timeout=5)
            self.proc.stdin = None
            self.proc.communicate()
            self.proc = None
