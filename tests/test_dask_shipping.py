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
