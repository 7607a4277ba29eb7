"""A Dask cluster whose processes cannot import this project computes a sweep's chunks: the sweep ships the
``sim`` package to its workers and each chunk carries the sweep and scenario files as bytes. The chunks
equal the local executor's to the bit, the workers import the shipped copy, and the provenance check
still runs there."""

import importlib.util
import sys

import pytest
from conftest import ROOT

pytest.importorskip("distributed")

sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
from bare_cluster import BareCluster

from sim.sweep.chunks import run_chunk
from sim.sweep.executors import DaskExecutor, ProcessExecutor
from sim.sweep.loader import load_sweep
from sim.sweep.provenance import model_hash
from sim.sweep.runner import run_plan, tasks

SMALL = ROOT / "tests" / "fixtures" / "sweep_small.yaml"


def small_tasks():
    sweep = load_sweep(SMALL)
    _, runs = run_plan(sweep)
    return list(tasks(sweep, runs, 6, [0, 1], sweep.fingerprint(), keep_runs=3))


def by_chunk(results):
    out = {}
    for task, result, error in results:
        assert error is None, error
        out[task.index] = result
    return out


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with BareCluster(1, tmp_path_factory.mktemp("elsewhere")) as c:
        yield c


def test_a_worker_without_the_project_computes_the_local_executors_chunks(cluster):
    from distributed import Client

    with Client(cluster.address, timeout="30s") as client:  # before the sweep: no sim on the worker
        assert set(client.run(importlib.util.find_spec, "sim").values()) == {None}
    todo = small_tasks()
    local = ProcessExecutor(2)
    try:
        want = by_chunk(local.map_unordered(run_chunk, todo))
    finally:
        local.close()
    ex = DaskExecutor(scheduler=cluster.address)
    try:
        from sim.sweep.shipping import where_sim_is

        assert ex.code
        places = list(ex.client.run(where_sim_is).values())
        assert len(places) == 1 and f"greatgame-{ex.code[:16]}" in places[0]
        assert not places[0].startswith(str(ROOT))
        got = by_chunk(ex.map_unordered(run_chunk, todo))
        # the provenance check runs on the worker: a chunk made by other code is refused
        other = todo[0]
        other.model = "0" * len(model_hash())
        with pytest.raises(RuntimeError, match="another version of the model's code"):
            list(ex.map_unordered(run_chunk, [other]))
    finally:
        ex.close()
    assert sorted(got) == sorted(want) == [0, 1]
    for i, w in want.items():
        g = got[i]
        assert list(g.run_ids) == list(w.run_ids)
        assert sorted(g.outcomes) == sorted(w.outcomes)
        for name in w.outcomes:
            assert g.outcomes[name].tobytes() == w.outcomes[name].tobytes(), name
        assert list(g.failed) == list(w.failed) and g.errors == w.errors
        assert g.series == w.series


def _scheduler_logs(dask_scheduler):
    """The longest the scheduler's logs of recent messages to the workers may grow."""
    return [s.recent_message_log.maxlen for s in dask_scheduler.stream_comms.values()]


def _worker_logs(dask_worker):
    """The longest a worker's profiles and its log of recent messages may grow."""
    return [dask_worker.profile_history.maxlen, dask_worker.profile_keys_history.maxlen,
            dask_worker.batched_stream.recent_message_log.maxlen]


def test_a_sweep_keeps_the_clusters_debugging_logs_short(cluster):
    """Dask keeps the last 1,000 messages of each connection (a chunk's task is one, tens of kilobytes) and
    1,000 seconds of profiles per worker; during a sweep they are cut to LOG_LENGTH entries, so memory does
    not grow with the chunks (sim.sweep.dask_logs)."""
    import cloudpickle

    from sim.sweep.dask_logs import LOG_LENGTH

    assert LOG_LENGTH < 1000
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the cluster cannot import this test
    ex = DaskExecutor(scheduler=cluster.address)
    try:
        assert ex.client.scheduler_comm.recent_message_log.maxlen == LOG_LENGTH
        assert set(ex.client.run_on_scheduler(_scheduler_logs)) == {LOG_LENGTH}
        assert {n for lengths in ex.client.run(_worker_logs).values() for n in lengths} == {LOG_LENGTH}
        assert len(by_chunk(ex.map_unordered(run_chunk, small_tasks()))) == 2
    finally:
        ex.close()
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_the_sweeps_own_local_cluster_keeps_its_logs_short():
    from sim.sweep.dask_logs import LOG_LENGTH

    ex = DaskExecutor(workers=1)  # no --scheduler: a LocalCluster made with the short logs' configuration
    try:
        assert ex.client.scheduler_comm.recent_message_log.maxlen == LOG_LENGTH
        assert set(ex.client.run_on_scheduler(_scheduler_logs)) == {LOG_LENGTH}
        assert {n for lengths in ex.client.run(_worker_logs).values() for n in lengths} == {LOG_LENGTH}
    finally:
        ex.close()
