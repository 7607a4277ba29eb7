"""Keep a Dask cluster's debugging logs short during a sweep, so that its memory does not grow with the chunks.

Dask keeps, for debugging, the last ``distributed.admin.low-level-log-length`` (1,000) entries of several
logs. Two of them hold whole things, not one line each:

- every connection (client to scheduler, scheduler to each worker) keeps its recent messages. A chunk is
  sent as one message holding its task (its parameters and the sweep's files, about 55 KB), so the client
  and the scheduler each kept the last 1,000 chunks' tasks: 55 MB per connection, reached only after
  1,000 chunks (a million runs), so memory grew with every chunk;
- every worker samples what it runs 100 times a second and keeps one profile per second, twice over (all
  tasks, and per kind of task): tens of kilobytes a second, for 1,000 seconds.

A sweep keeps these logs at ``LOG_LENGTH`` entries: the client it starts and a ``LocalCluster`` it starts
are made with that length (``config()``); on a running cluster (``--scheduler``) a scheduler plugin and a
worker plugin cut the logs to that length on the scheduler and on every worker, those there now and those
that join later (``bound_logs``). Only the logs' length changes: what Dask computes, and the results, do
not.

Like sim.sweep.shipping, this module is sent to the cluster by value (cloudpickle), so it imports nothing
of ``sim``.
"""

from __future__ import annotations

from collections import deque

from distributed.diagnostics.plugin import SchedulerPlugin, WorkerPlugin

# entries kept in each of Dask's debugging logs during a sweep (Dask's default: 1,000): a log of messages then
# holds at most ten chunks' tasks (about 0.5 MB) per connection, reached after ten chunks of each worker
LOG_LENGTH = 10
NAME = "greatgame-logs"


def config() -> dict:
    """The Dask configuration under which the sweep makes its client and its own cluster."""
    return {"distributed.admin.low-level-log-length": LOG_LENGTH}


def _cut(owner, attribute: str) -> None:
    """Replace ``owner.attribute``, a deque, by one of at most LOG_LENGTH entries (its newest)."""
    log = getattr(owner, attribute, None)
    if isinstance(log, deque) and (log.maxlen is None or log.maxlen > LOG_LENGTH):
        setattr(owner, attribute, deque(log, maxlen=LOG_LENGTH))


class BoundSchedulerLogs(SchedulerPlugin):
    """On the scheduler: the recent messages of its connections to the workers and the clients."""

    name = NAME

    def start(self, scheduler) -> None:
        for stream in [*scheduler.stream_comms.values(), *scheduler.client_comms.values()]:
            _cut(stream, "recent_message_log")

    def add_worker(self, scheduler, worker: str) -> None:
        stream = scheduler.stream_comms.get(worker)
        if stream is not None:
            _cut(stream, "recent_message_log")


class BoundWorkerLogs(WorkerPlugin):
    """On a worker: its profiles and the recent messages of its connection to the scheduler."""

    name = NAME

    def setup(self, worker) -> None:
        _cut(worker, "profile_history")
        _cut(worker, "profile_keys_history")
        stream = getattr(worker, "batched_stream", None)
        if stream is not None:
            _cut(stream, "recent_message_log")


def bound_logs(client) -> None:
    """Cut the debugging logs of ``client``'s cluster to LOG_LENGTH entries (scheduler and workers), and
    those of ``client`` itself."""
    import sys

    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    if getattr(client, "scheduler_comm", None) is not None:
        _cut(client.scheduler_comm, "recent_message_log")
    client.register_plugin(BoundSchedulerLogs(), name=NAME)
    client.register_plugin(BoundWorkerLogs(), name=NAME)
