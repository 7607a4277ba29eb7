"""Executors: where a sweep's chunks run. The choice never changes the results, only where and how fast.

- ``SerialExecutor``: in this process, one chunk after another (``--workers 1``).
- ``ProcessExecutor``: a pool of local processes (the default; all cores). A worker process that dies
  (killed, out of memory) breaks the pool: it is rebuilt and the chunks that were in flight are sent again,
  one at a time; a chunk that kills its worker twice while running alone is given up and its runs are
  reported as failed.
- ``DaskExecutor``: a Dask distributed cluster at ``--scheduler tcp://host:port``, or a ``LocalCluster`` of
  worker processes on 127.0.0.1 when no address is given. Dask itself resends the chunks of a worker that
  dies; a chunk that kills several workers comes back as ``KilledWorker`` and is reported as failed.
  On a running cluster the project's code is shipped to the workers first (sim.sweep.shipping), and each
  chunk carries the bytes of the sweep and scenario files (sim.sweep.bundle): a worker needs only Python
  and the third-party libraries, no copy of this project and no shared file system. The workers of the
  ``LocalCluster`` are started from this process and import the code it imports.

All of them take an iterator of tasks and yield ``(task, result, error)`` as chunks finish, in any order,
with a bounded number of chunks in flight so memory does not grow with the number of runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator


class ExecutorError(Exception):
    """The executor could not be started."""


class ChunkLost(Exception):
    """A chunk could not be run because its worker kept dying."""


def cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def watch_parent(parent: int, every: float = 0.5) -> None:
    """In a worker process: end this process as soon as ``parent`` (the sweep's main process) is gone.

    A daemon thread checks twice a second whether this process has been handed to another parent (what
    happens when the parent dies); it then exits at once, whatever chunk is running."""
    import threading
    import time

    def watch():
        while True:
            if os.getppid() != parent:
                os._exit(3)
            time.sleep(every)

    if os.getppid() != parent:
        os._exit(3)
    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


class SerialExecutor:
    name = "serial"
    workers = 1

    def map_unordered(self, fn: Callable, tasks: Iterable) -> Iterator:
        for task in tasks:
            yield task, fn(task), None

    def close(self) -> None:
        pass


class ProcessExecutor:
    name = "local"
    max_breaks = 2

    def __init__(self, workers: int | None = None):
        self.workers = workers or cpu_count()
        self._pool = None

    def _new_pool(self):
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # spawn: fresh interpreters, no state copied from this process (threads, open files); each worker
        # watches this process and ends itself when it is gone (killed with -9, it cannot tell them)
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("spawn"),
                                         initializer=watch_parent, initargs=(os.getpid(),))
        return self._pool

    def map_unordered(self, fn: Callable, tasks: Iterable) -> Iterator:
        """Yield (task, result, error) as chunks finish. When the pool breaks, nobody knows which chunk
        killed it: the chunks in flight are sent again one at a time (on probation), so that a chunk that
        kills its worker while running alone is the culprit; at ``max_breaks`` such deaths it is given up."""
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        pool = self._pool or self._new_pool()
        todo = iter(tasks)
        probation: list = []
        deaths: dict[int, int] = {}
        running: dict = {}

        def fill():
            while True:
                if probation:
                    if running:
                        return
                    task = probation.pop(0)
                elif len(running) < 2 * self.workers:
                    task = next(todo, None)
                    if task is None:
                        return
                else:
                    return
                running[pool.submit(fn, task)] = task

        fill()
        while running:
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            alone = len(running) == 1
            broken = []
            for fut in done:
                task = running.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    broken.append(task)
                    continue
                yield task, result, None
            if broken:
                broken += list(running.values())  # lost with the pool
                running.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = self._new_pool()
                if alone:  # it ran alone: it is the culprit
                    task = broken[0]
                    deaths[task.index] = deaths.get(task.index, 0) + 1
                    if deaths[task.index] >= self.max_breaks:
                        yield task, None, ChunkLost(f"its worker process died {self.max_breaks} times")
                    else:
                        probation.append(task)
                else:
                    probation.extend(broken)
            fill()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor:
    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        import logging

        import dask
        from dask.distributed import Client, LocalCluster

        from sim.sweep import dask_logs

        self.cluster = None
        self.code = None  # sha256 of the code archive shipped to the workers, if any
        if scheduler:
            try:
                with dask.config.set(dask_logs.config()):  # short debugging logs (sim.sweep.dask_logs)
                    self.client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as e:
                raise ConnectionError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
            from sim.sweep.shipping import ship_code

            try:
                self.code = ship_code(self.client)
                dask_logs.bound_logs(self.client)
            except Exception as e:
                self.client.close()
                raise ExecutorError(f"could not ship the project's code to the workers of {scheduler}: "
                                    f"{type(e).__name__}: {e}") from e
        else:
            try:
                with dask.config.set(dask_logs.config()):  # the scheduler, the workers and the client
                    self.cluster = LocalCluster(n_workers=workers or cpu_count(), threads_per_worker=1,
                                                processes=True, host="127.0.0.1", dashboard_address=None,
                                                silence_logs=logging.ERROR)
                    self.client = Client(self.cluster)
            except Exception as e:
                raise ExecutorError(f"could not start a Dask LocalCluster on 127.0.0.1: {e}") from e
        self.workers = workers or max(1, sum(self.client.nthreads().values()))

    def map_unordered(self, fn: Callable, tasks: Iterable) -> Iterator:
        from dask.distributed import as_completed
        from distributed import KilledWorker

        todo = iter(tasks)
        window = 2 * self.workers
        pending = {}

        def submit(task):
            key = f"greatgame-chunk-{task.fingerprint[:16]}-{task.index}"
            if self.code:  # a cluster of its own: the scheduler cannot unpickle objects of sim
                import pickle

                from sim.sweep.shipping import packed

                fut = self.client.submit(pickle.loads, packed(fn, task), key=key, pure=False)
            else:
                fut = self.client.submit(fn, task, key=key, pure=False)
            pending[fut.key] = task
            return fut

        first = [submit(t) for t in _take(todo, window)]
        ac = as_completed(first)
        for fut in ac:
            task = pending.pop(fut.key)
            try:
                yield task, fut.result(), None
            except KilledWorker as e:
                yield task, None, ChunkLost(f"Dask lost it with its worker ({e})")
            fut.release()
            nxt = next(todo, None)
            if nxt is not None:
                ac.add(submit(nxt))

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _take(it: Iterator, n: int) -> list:
    out = []
    for _ in range(n):
        x = next(it, None)
        if x is None:
            break
        out.append(x)
    return out


def make_executor(kind: str, workers: int | None = None, scheduler: str | None = None):
    """``local`` (processes; ``workers=1`` runs in this process) or ``dask``."""
    if kind == "local":
        if scheduler:
            raise ValueError("--scheduler belongs to the dask executor (add --executor dask)")
        if workers == 1:
            return SerialExecutor()
        return ProcessExecutor(workers)
    if kind == "dask":
        return DaskExecutor(workers, scheduler)
    raise ValueError(f"unknown executor {kind!r}; expected local or dask")
