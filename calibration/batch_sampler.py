"""A pyabc sampler that evaluates the model for many particles in one call of the batch engine.

pyabc draws, simulates and judges one particle at a time (``simulate_one``). This sampler runs ``batch``
calls of ``simulate_one`` side by side, each in its own thread, and lets the threads take turns in a fixed
order: a thread runs until its particle needs the model, hands its parameters over and waits. When every
thread waits, the batch of parameters is simulated in one call (``evaluate``: a list of parameter dicts in,
a list of summary-statistics dicts out), and the threads are released one after another, in order, to judge
their particle and draw the next. Only one thread runs at any time, so the draws, and hence the result, are
the same in every run with the same numpy seed. The sample keeps the particles in the order they were drawn,
up to the ``n``-th accepted one (the particles still in flight past it are dropped, as pyabc's own parallel
samplers do).
"""

from __future__ import annotations

import threading

import numpy as np
from pyabc.sampler import Sampler


class BatchSampler(Sampler):
    def __init__(self, evaluate, batch: int = 64):
        super().__init__()
        if batch < 1:
            raise ValueError("batch must be 1 or more")
        self.evaluate = evaluate
        self.batch = int(batch)
        self._local = threading.local()
        self.batches = 0  # engine calls made, for the record
        self.simulations = 0

    def model(self, parameters) -> dict:
        """The model pyabc calls (inside ``simulate_one``): wait for the batch that simulates these parameters."""
        slot = self._local.slot
        slot["request"] = dict(parameters)
        self._parked.release()
        slot["go"].wait()
        slot["go"].clear()
        result = slot.pop("result")
        if isinstance(result, BaseException):
            raise result
        return result

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                ana_vars=None):
        self._parked = threading.Semaphore(0)
        drawn = []  # (draw index, particle) in the order the particles were drawn
        state = {"started": 0, "accepted": 0, "error": None}
        slots = [{"go": threading.Event()} for _ in range(self.batch)]

        def worker(slot):
            self._local.slot = slot
            slot["go"].wait()
            slot["go"].clear()
            try:
                while state["accepted"] < n and state["started"] < max_eval and state["error"] is None:
                    index = state["started"]
                    state["started"] += 1
                    particle = simulate_one()
                    drawn.append((index, particle))
                    state["accepted"] += bool(particle.accepted)
            except BaseException as e:  # noqa: BLE001 - handed to the main thread and raised there
                state["error"] = state["error"] or e
            slot["done"] = True
            self._parked.release()

        threads = [threading.Thread(target=worker, args=(s,), daemon=True) for s in slots]
        for th in threads:
            th.start()
        for s in slots:  # each thread draws its first particle in turn
            s["go"].set()
            self._parked.acquire()
        while True:
            waiting = [s for s in slots if "request" in s]
            if not waiting:
                break
            try:
                results = list(self.evaluate([s.pop("request") for s in waiting]))
            except BaseException as e:  # noqa: BLE001 - every waiting thread gets it, the first one raises
                results = [e] * len(waiting)
            self.batches += 1
            self.simulations += len(waiting)
            for s, r in zip(waiting, results):
                s["result"] = r
                s["go"].set()
                self._parked.acquire()
        for th in threads:
            th.join()
        if state["error"] is not None:
            raise state["error"]
        sample = self._create_empty_sample()
        accepted = 0
        for _, particle in sorted(drawn, key=lambda x: x[0]):
            if accepted >= n:
                break
            sample.append(particle)
            accepted += bool(particle.accepted)
        self.nr_evaluations_ = len(drawn)
        if sample.n_accepted < n:
            sample.ok = False
        return sample
