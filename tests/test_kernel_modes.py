"""The kernels (sim/core/rules/kernels.py) run as Python or compiled by numba from one source, with the same
bits either way: every kernel on the inputs a replay hands it and on those inputs scrambled (NaN, infinities,
signed zeros, huge and tiny numbers), whole runs of both engines in each mode, and the auto mode's choice."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import REPLAY, ROOT

from sim.core.rules import kernels, kernels_month

# every kernel of the month step, in both modules that make them with kernels._jit
KERNELS = {name: k for module in (kernels, kernels_month) for name, k in vars(module).items()
           if isinstance(k, kernels.Kernel)}


def _copies(args) -> tuple:
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def _both(k, args) -> tuple:
    """The kernel's Python function and its compiled twin on copies of the same arguments: their results,
    then the arguments as each left them (a kernel that changes an array in place, add_deal_routes)."""
    py_args, jit_args = _copies(args), _copies(args)
    with np.errstate(all="ignore"):  # as the kernel's own call does
        py, jit = k.python()(*py_args), k.compiled()(*jit_args)
    return (py, py_args), (jit, jit_args)


@pytest.fixture
def mode():
    """Set the process's kernel mode inside a test; the mode before is put back afterwards."""
    before = kernels.mode()
    state = dict(kernels._AUTO)
    yield kernels.set_mode
    kernels.set_mode(before)
    kernels._AUTO.update(state)


def _same(a, b, any_nan: bool = False) -> None:
    """The same shape, type and bytes; with ``any_nan``, a NaN may differ in its sign and payload (which
    operand's NaN an operation passes on is the hardware's choice of operand order, and a compiler may swap
    the operands of + and x; a run stops at the first NaN, sim.core.world_checks)."""
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y, any_nan)
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    if any_nan and a.dtype.kind == "f":
        nan = np.isnan(a)
        assert (nan == np.isnan(b)).all()
        a, b = np.where(nan, 0.0, a), np.where(nan, 0.0, b)
    assert a.tobytes() == b.tobytes()


@pytest.fixture(scope="module")
def calls(replay):
    """Copies of the arguments of the first calls of each kernel in a replay of 3 runs (compiled: as Python, the
    noise and the finite check take numpy's statements instead of their kernels)."""
    from sim.core.parameters import make_params
    from sim.engine import BatchEngine

    seen: dict[str, list[tuple]] = {}
    real = kernels.Kernel.__call__

    def spy(self, *args):
        kept = seen.setdefault(self.__name__, [])
        if len(kept) < 6:
            kept.append(tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args))
        return real(self, *args)

    before = kernels.set_mode("compiled")
    kernels.Kernel.__call__ = spy
    try:
        row = make_params(dict(replay.spec.parameters))
        BatchEngine(replay, [row] * 3, [0, 1, 2]).run()
    finally:
        kernels.Kernel.__call__ = real
        kernels.set_mode(before)
    # the rules' other paths, which the replay does not take
    g = np.random.default_rng(3)
    seen["rival_pressure"] = [(g.random((15, 3)), g.random((15, 3, 3)))]
    seen["bloc_conflict"] = [(g.random((15, 6)) < 0.5, g.random((6, 6)))]
    return seen


def test_every_kernel_has_inputs(calls):
    assert set(KERNELS) - set(calls) == {"_mix", "_bits"}
    assert "_mix" in kernels.random_bits.py.__code__.co_names  # called inside random_bits only
    assert "_bits" in kernels_month.box_muller_angles.py.__code__.co_names  # inside the noise's kernel only


@pytest.mark.parametrize("name", sorted(set(KERNELS) - {"_mix", "_bits"}))
def test_python_and_compiled_give_the_same_bytes(calls, name):
    k = KERNELS[name]
    for args in calls[name]:
        (py, py_args), (jit, jit_args) = _both(k, args)
        _same(py if py is not None else (), jit if jit is not None else ())
        _same(tuple(a for a in py_args if isinstance(a, np.ndarray)),
              tuple(a for a in jit_args if isinstance(a, np.ndarray)))


SPECIALS = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-300, -1e-300, 1e300, 5e-324, 1.0, -1.0, 0.5, 1e-12,
                     -1e-12, 2.0])


def _scrambled(args: tuple, g: np.random.Generator) -> tuple:
    """The float arrays of ``args`` with a third of their numbers replaced by special values and the rest
    by random ones of all sizes; booleans shuffled; integers (indices, codes, months) kept."""
    out = []
    for a in args:
        if isinstance(a, np.ndarray) and a.dtype == np.float64:
            x = g.normal(size=a.shape) * 10.0 ** g.integers(-5, 6, size=a.shape)
            special = g.random(a.shape) < 0.33
            x[special] = g.choice(SPECIALS, size=int(special.sum()))
            a = np.ascontiguousarray(x)
        elif isinstance(a, np.ndarray) and a.dtype == np.bool_:
            a = np.ascontiguousarray(g.random(a.shape) < 0.5)
        out.append(a)
    return tuple(out)


@pytest.mark.parametrize("name", sorted(set(KERNELS) - {"_mix", "_bits", "random_bits"}))
def test_python_and_compiled_agree_on_special_numbers(calls, name):
    k = KERNELS[name]
    g = np.random.default_rng(sum(map(ord, name)))
    for args in calls[name]:
        for _ in range(5):
            wild = _scrambled(args, g)
            (py, py_args), (jit, jit_args) = _both(k, wild)
            _same(py if py is not None else (), jit if jit is not None else (), any_nan=True)
            _same(tuple(a for a in py_args if isinstance(a, np.ndarray)),
                  tuple(a for a in jit_args if isinstance(a, np.ndarray)), any_nan=True)


def test_the_random_mixing_agrees_on_any_words():
    g = np.random.default_rng(5)
    words = [g.integers(0, 2**63, size=50, dtype=np.uint64) * np.uint64(2) + np.uint64(1) for _ in range(4)]
    words[0][:3] = [0, 2**64 - 1, 2**63]
    _same(*_both(kernels.random_bits, words))
    _same(*_both(kernels._mix, words[:1]))


def _record_batch(sc, n):
    from sim.core.parameters import make_params
    from sim.engine import BatchEngine
    from sim.recorders import FullRecorder

    rec = FullRecorder()
    BatchEngine(sc, [make_params(dict(sc.spec.parameters))] * n, list(range(40, 40 + n))).run(rec)
    return rec


def _record_mesa(sc, seed):
    from sim.model import GreatGameModel
    from sim.recorders import FullRecorder

    model = GreatGameModel(sc, seed=seed)
    model.recorder = FullRecorder()
    model.run()
    return model.recorder


def _arrays(rec) -> list[bytes]:
    out = [np.stack(getattr(rec, name)).tobytes() for name in ("alignment", "drivers", "members", "bases_open")]
    for d in (rec.state_vars, rec.power_vars):
        out += [np.stack(d[k]).tobytes() for k in sorted(d)]
    return out + [repr(rec.decisions).encode(), repr(rec.refusals).encode(), repr(rec.events).encode()]


def test_whole_runs_are_the_same_in_every_mode(replay, mode):
    """Two runs of the batch engine and one Mesa model, as Python, compiled, and in auto mode made to switch
    in the middle (a budget of numbers the first months use up): every recorded array the same bytes."""
    got = {}
    for how in ("python", "compiled", "switching"):
        if how == "switching":
            mode("auto")
            kernels._AUTO["handed"] = kernels.PYTHON_BUDGET - 40 * 81_000 // 120  # about 40 months as Python
        else:
            mode(how)
        batch = _record_batch(replay, 2)
        if how == "switching":
            assert kernels.runs_compiled()
            kernels._AUTO["handed"] = kernels.PYTHON_BUDGET - 40 * 81_000 // 120
            kernels._AUTO["compiled"] = False
        got[how] = (_arrays(batch), _arrays(_record_mesa(replay, 7)))
        if how == "switching":
            assert kernels.runs_compiled()
    assert got["python"] == got["compiled"]
    assert got["switching"] == got["python"]


def test_auto_mode_switches_on_a_big_call_or_after_its_budget(mode):
    x, rivals = np.zeros((2, 3)), np.zeros((3, 3))
    mode("auto")
    kernels.toward_rivals(x, rivals)
    assert not kernels.runs_compiled() and kernels._AUTO["handed"] == 9
    kernels.toward_rivals(np.zeros((kernels.COMPILE_AT // 3 + 1, 3)), rivals)
    assert kernels.runs_compiled() and kernels.mode() == "auto"
    mode("auto")  # a fresh count
    assert not kernels.runs_compiled()
    kernels._AUTO["handed"] = kernels.PYTHON_BUDGET - 10  # as after many small calls
    kernels.toward_rivals(x, rivals)  # 9 numbers more
    assert not kernels.runs_compiled()
    kernels.toward_rivals(x, rivals)
    assert kernels.runs_compiled()
    mode("python")
    assert not kernels.runs_compiled()
    with pytest.raises(ValueError, match="expected one of auto, python, compiled"):
        kernels.set_mode("fast")


def _python_c(code: str, **env) -> subprocess.CompletedProcess:
    import os

    full = {k: v for k, v in os.environ.items() if k != kernels.ENV} | env
    return subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=ROOT, env=full,
                          timeout=300)


def test_a_single_replay_does_not_import_numba_and_a_batch_of_ten_does():
    code = ("import sys; from sim.scenario import load_scenario; from sim.simulate import run_scenario; "
            f"sc = load_scenario({str(REPLAY)!r}); run_scenario(sc, [0]); print('numba' in sys.modules); "
            "run_scenario(sc, list(range(10))); print('numba' in sys.modules)")
    done = _python_c(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]
    forced = _python_c(code.replace("list(range(10))", "[1]"), GREATGAME_KERNELS="compiled")
    assert forced.stdout.split() == ["True", "True"], forced.stderr


def test_a_wrong_kernel_mode_in_the_environment_is_a_clear_error(tmp_path):
    import os

    env = {**os.environ, kernels.ENV: "turbo"}
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), "run", str(REPLAY), "--out", str(tmp_path / "r")],
                          check=False, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert done.returncode == 2
    assert done.stderr.strip() == ("error: environment variable GREATGAME_KERNELS='turbo': expected one of auto, "
                                   "python, compiled")
    assert not (tmp_path / "r").exists()


def _kernel_tests():
    """The tests of tests/test_kernels.py (each kernel against the numpy rule it replaced), with their
    parameters."""
    import test_kernels

    for name, fn in vars(test_kernels).items():
        if not name.startswith("test_"):
            continue
        marks = [m for m in getattr(fn, "pytestmark", []) if m.name == "parametrize"]
        if not marks:
            yield name, fn, {}
            continue
        argname, values = marks[0].args
        for v in values:
            yield f"{name}[{v}]", fn, {argname: v}


@pytest.mark.parametrize("how", ["python", "compiled"])
def test_the_kernels_match_the_numpy_rules_in_both_modes(how, mode):
    """tests/test_kernels.py runs in whatever mode its calls choose (auto: as Python for its small inputs);
    here every one of its tests runs with the kernels forced to each way."""
    mode(how)
    ran = []
    for name, fn, kwargs in _kernel_tests():
        fn(**kwargs)
        ran.append(name)
    assert len(ran) >= 15
