"""The month step's loops over powers, organisations and slots, each written once in plain Python and run in
one of two ways that give the same bits: as Python (for a single run or a small batch) or compiled by numba
(for a batch large enough to pay for compiling, or loading from numba's cache, once per process).

Each kernel computes exactly what the numpy loop it replaces computed: the same operations on the same
numbers in the same order, so every result is the same to the last bit, for one run (the Mesa model) and
for a batch alike. Arrays come in with a leading batch axis (length 1 for a single run) and contiguous;
the callers in sim.core.rules and sim.core.step reshape them. No kernel calls exp or log (numpy's vectorised
exp and log may differ from the C library's in the last bit, so those stay in numpy, between two kernels
where a rule needs them: ``row_sums``, then numpy's logistic, then ``alignment_step``), and numba compiles
without fastmath, so a kernel's Python source and its compiled twin do the same IEEE double (and wrapping
uint64) arithmetic: the mode never changes a result (tests/test_kernel_modes.py compares the bytes).

Which way a call runs (``mode``, by default ``auto``): as Python until the process switches to compiled,
which it does for good on the first call that hands a kernel an array of at least ``COMPILE_AT`` numbers (a
batch of 7 runs of the replay or more), or once the kernels have been handed ``PYTHON_BUDGET`` numbers in
all as Python (about 6 runs of the replay, one after another: a Mesa model run again and again); then numba
is imported and each kernel compiled, or loaded from numba's cache, on its next call. A single run (the
command ``run.py run`` of one replay, the classroom app) thus never imports numba: its 120 months of kernels
take about 0.15 s of CPU as Python, where numba's start (importing it and loading the 14 kernels) takes
about 0.8 s. ``benchmarks/kernel_modes.py`` measures both ways by batch size (docs/performance.md).
The environment variable ``GREATGAME_KERNELS`` (``python``, ``compiled``; default ``auto``) or ``set_mode``
forces one way for the whole process.
"""

from __future__ import annotations

import functools
import os
import types

import numpy as np

from sim.core.rng import (  # the generator's own keys (sim.core.rng)
    _GOLDEN,
    _K_AGENT,
    _K_MONTH,
    _K_STREAM,
    _M1,
    _M2,
)

MODES = ("auto", "python", "compiled")
ENV = "GREATGAME_KERNELS"
# A call handing a kernel an array of this many numbers switches the process to compiled kernels: a single
# replay hands them at most 105 (the 5 x 3 x 7 pull terms of the alignment step), a batch of N runs N times
# that, and compiled kernels pay for numba's start from a first batch of about 7 runs.
COMPILE_AT = 700
# ... and so do this many numbers handed to Python kernels in all (one replay hands them about 81,000 in
# 3,100 calls, about 0.15 s of CPU): a process that runs one model after another switches in its seventh,
# and a batch of up to 6 runs, which does not switch at its first call, stays Python to its end.
PYTHON_BUDGET = 500_000


def mode_from_env() -> str:
    """The mode the environment variable asks for (auto when unset); ValueError naming it if it is wrong."""
    value = os.environ.get(ENV, "auto").strip().lower() or "auto"
    if value not in MODES:
        raise ValueError(f"environment variable {ENV}={value!r}: expected one of {', '.join(MODES)}")
    return value


_MODE: list[str | None] = [None]  # read from the environment at the first kernel call (or set_mode)
_AUTO = {"handed": 0, "compiled": False}  # auto mode: numbers handed to Python kernels so far; switched yet?


def mode() -> str:
    """The process's kernel mode: auto (Python until the switch, see above), python or compiled."""
    if _MODE[0] is None:
        _MODE[0] = mode_from_env()
    return _MODE[0]


def set_mode(value: str) -> str:
    """Run every kernel call of this process as ``value`` (auto, python, compiled); returns the previous mode.
    Setting ``auto`` starts its count afresh (Python until the switch)."""
    if value not in MODES:
        raise ValueError(f"kernel mode {value!r}: expected one of {', '.join(MODES)}")
    old, _MODE[0] = _MODE[0] or mode_from_env(), value
    if value == "auto":
        _AUTO.update(handed=0, compiled=False)
    return old


def runs_compiled() -> bool:
    """Whether the next kernel call of this process runs compiled."""
    return mode() == "compiled" or (mode() == "auto" and _AUTO["compiled"])


def _largest(args) -> int:
    """The number of elements of the largest array among ``args`` (0 if none is an array)."""
    n = 0
    for a in args:
        if isinstance(a, np.ndarray) and a.size > n:
            n = a.size
    return n


def _compile_now(args) -> bool:
    """The auto mode's choice for one call (see the module's docstring)."""
    if _AUTO["compiled"]:
        return True
    n = _largest(args)
    _AUTO["handed"] += n
    if n >= COMPILE_AT or _AUTO["handed"] >= PYTHON_BUDGET:
        _AUTO["compiled"] = True
    return _AUTO["compiled"]


class Kernel:
    """One kernel: its Python function and, made on first need, numba's compilation of the same source.

    ``kernel(*args)`` runs one or the other (see the module's docstring); ``kernel.py`` is the Python
    function, ``kernel.compiled()`` the numba dispatcher (importing numba). A kernel that calls other
    kernels calls, when compiled, their compiled twins and, as Python, their Python functions: both ways
    see the module's names as they were when the kernel first ran that way."""

    def __init__(self, py):
        functools.update_wrapper(self, py)
        self.py = py
        self._python = None
        self._compiled = None

    def __repr__(self) -> str:
        return f"<kernel {self.py.__module__}.{self.py.__qualname__}>"

    @property
    def is_compiled(self) -> bool:
        """Whether numba's version has been made (compiled or loaded from the cache) in this process."""
        return self._compiled is not None

    def _bound(self, other_kernel):
        """``py`` with the kernels it names replaced by ``other_kernel(kernel)`` (``py`` itself if it names none)."""
        py = self.py
        names = py.__globals__
        called = {n: names[n] for n in py.__code__.co_names if isinstance(names.get(n), Kernel)}
        if not called:
            return py
        glb = dict(names)
        glb.update({n: other_kernel(k) for n, k in called.items()})
        fn = types.FunctionType(py.__code__, glb, py.__name__, py.__defaults__, py.__closure__)
        fn.__qualname__, fn.__module__, fn.__doc__ = py.__qualname__, py.__module__, py.__doc__
        return fn

    def python(self):
        """The Python function, calling the other kernels' Python functions directly."""
        if self._python is None:
            self._python = self._bound(Kernel.python)
        return self._python

    def compiled(self):
        """The numba dispatcher of this kernel's source, made on first use (numba's on-disk cache as before:
        same file, same name, same code), calling the other kernels' dispatchers."""
        if self._compiled is None:
            import numba

            # error_model="numpy": a float divided by zero gives inf or NaN as numpy (and the Python mode) does,
            # where numba's default raises ZeroDivisionError
            self._compiled = numba.njit(cache=True, nogil=True, error_model="numpy")(self._bound(Kernel.compiled))
        return self._compiled

    def __call__(self, *args):
        how = _MODE[0] or mode()
        if how == "compiled" or (how == "auto" and _compile_now(args)):
            return (self._compiled or self.compiled())(*args)
        with np.errstate(all="ignore"):  # as compiled code: wrapping uint64 products, NaN and inf without warnings
            return (self._python or self.python())(*args)


def _jit(py) -> Kernel:
    """Make ``py`` a kernel (the one place where kernels are made): ``@_jit`` above a plain Python function of
    arrays and numbers, written in the subset of Python that numba compiles."""
    return Kernel(py)


@_jit
def toward_rivals(x, rivals):
    """out[n, p] = ((0 x x[n, 0] + rivals[p, 0] x x[n, 0]) + rivals[p, 1] x x[n, 1]) + ... (x (M, P))."""
    M, P = x.shape
    out = np.zeros((M, P))
    for n in range(M):
        for p in range(P):
            total = 0.0 * x[n, 0]
            for q in range(P):
                total = total + rivals[p, q] * x[n, q]
            out[n, p] = total
    return out


@_jit
def rival_pressure(presence, hostility):
    """out[n, p] = sum over q, in order, of hostility[n, q, p] x presence[n, q] (presence (M, P))."""
    M, P = presence.shape
    out = np.zeros((M, P))
    for n in range(M):
        for p in range(P):
            total = 0.0 * presence[n, 0]
            for q in range(P):
                total = total + hostility[n, q, p] * presence[n, q]
            out[n, p] = total
    return out


@_jit
def bloc_hostility(member, led, hostility):
    """veto[n, s, p] = max(0, bloc[q] x H[n, q, p] over q in order), bloc[q] = any org o with member & led[o, q].

    member (M, S, O) bool; led (O, P) bool; hostility (M, P, P)."""
    M, S, O = member.shape
    P = led.shape[1]
    veto = np.zeros((M, S, P))
    bloc = np.zeros(P, dtype=np.bool_)
    for n in range(M):
        for s in range(S):
            for q in range(P):
                b = False
                for o in range(O):
                    b = b | (member[n, s, o] & led[o, q])
                bloc[q] = b
            for p in range(P):
                v = 0.0
                for q in range(P):
                    c = (1.0 if bloc[q] else 0.0) * hostility[n, q, p]
                    v = v if v >= c else c  # noqa: FURB136 - as np.maximum(v, c) keeps v on ties
                veto[n, s, p] = v
    return veto


@_jit
def bloc_conflict(member, clash):
    """out[n, o] = sum over the other organisations, in order, of member[n, other] x clash[o, other]
    (member (M, O) bool)."""
    M, O = member.shape
    out = np.zeros((M, O))
    for n in range(M):
        for o in range(O):
            total = 0.0 * out[n, o]
            for other in range(O):
                if other == o:
                    continue
                total = total + (1.0 if member[n, other] else 0.0) * clash[o, other]
            out[n, o] = total
    return out


@_jit
def patron_weights(member, positive_weights, first_weights):
    """out[n, p] = 0 x first_weights[p] + sum over o, in order, of member[n, o] x positive_weights[o, p]
    (member (M, O) bool)."""
    M, O = member.shape
    P = positive_weights.shape[1]
    out = np.zeros((M, P))
    for n in range(M):
        m0 = 1.0 if member[n, 0] else 0.0
        for p in range(P):
            total = 0.0 * m0 * first_weights[p]
            for o in range(O):
                total = total + (1.0 if member[n, o] else 0.0) * positive_weights[o, p]
            out[n, p] = total
    return out


@_jit
def clients(member, led, base_open):
    """out[n, p] = sum over states s, in order, of (sum over o of member[n, s, o] x led[o, p]) then
    + base_open[n, s, p], accumulated as one running total (member (M, S, O) bool)."""
    M, S, O = member.shape
    P = led.shape[1]
    out = np.zeros((M, P))
    for n in range(M):
        for p in range(P):
            total = 0.0 * base_open[n, 0, p]
            for s in range(S):
                for o in range(O):
                    total = total + (1.0 if member[n, s, o] else 0.0) * led[o, p]
                total = total + base_open[n, s, p]
            out[n, p] = total
    return out


@_jit
def bases_present(status, slot_k, slot_state, slot_power, footprint, open_code, S, P):
    """out[n, s, p] = the footprints, added in slot order, of the base slots of power p in state s that are
    open (status (M, K)): the number of open bases when each is a full garrison (footprint 1)."""
    M = status.shape[0]
    out = np.zeros((M, S, P))
    for n in range(M):
        for j in range(slot_k.shape[0]):
            if status[n, slot_k[j]] == open_code:
                out[n, slot_state[j], slot_power[j]] += footprint[j]
    return out


@_jit
def state_pulls(states, capacity, attention, operations, reach, conditionality, present, member, security_weights,
                local_threat, exposure, afghan, regime_threat, openness, economy, blame, offers, alignment,
                hostility, w):
    """The seven pulls terms[n, j, p, :] on state s = states[j] of run n toward power p, from the world's raw
    quantities, in the order of operations of sim.core.rules.alignment (security_offer, regime_support,
    regime_fear, pulls) and sim.core.rules.threats.security_threat:

      threat = local[n, s] + exposure[s] x afghan[n];  fear = (1 - openness[n, s]) x (0.5 + regime[n, s])
      bloc = 0 + member[n, s, 0] x security_weights[0, p] + ... (in order of organisations)
      offer[p] = capacity[p] x (attention[n, p] + operations[p]) x reach[p] x (1 + w[0] x min(1, present)) + bloc
      support[p] = capacity[p] x attention[n, p] x reach[p] x (1 - conditionality[p])
      presence[q] = alignment[n, s, q] + 0.5 x present[n, s, q]
      terms = (w[1] x threat x (offer / mean offer - 1), w[2] x regime x (support / mean support - 1),
               -w[3] x conditionality x attention x fear, w[4] x economy, -w[5] x blame, w[6] x offers,
               -w[7] x sum over q of hostility[n, q, p] x presence[q])

    alignment, present, member, economy, blame, offers (M, S, P or O); local_threat, regime_threat, openness
    (M, S); attention (1 or M, P); afghan (1 or M,); hostility (1 or M, P, P); w (8, 1 or M): base_presence_bonus
    and the seven weights. A leading axis of length 1 is shared by every run."""
    M, _, P = alignment.shape
    O = member.shape[2]
    J = states.shape[0]
    Ma, Mh, Mw = attention.shape[0], hostility.shape[0], w.shape[1]
    terms = np.empty((M, J, P, 7))
    offer = np.empty(P)
    support = np.empty(P)
    presence = np.empty(P)
    for n in range(M):
        na = n if Ma > 1 else 0
        nh = n if Mh > 1 else 0
        nw = n if Mw > 1 else 0
        for j in range(J):
            s = states[j]
            threat = local_threat[n, s] + exposure[s] * afghan[na]
            regime = regime_threat[n, s]
            fear = (1.0 - openness[n, s]) * (0.5 + regime)
            for p in range(P):
                bloc = 0.0
                for o in range(O):
                    bloc = bloc + (1.0 if member[n, s, o] else 0.0) * security_weights[o, p]
                x = present[n, s, p]
                has_base = 1.0 if 1.0 <= x else x  # noqa: FURB136 - as np.minimum(1.0, x), NaN kept
                att = attention[na, p]
                offer[p] = capacity[p] * (att + operations[p]) * reach[p] * (1.0 + w[0, nw] * has_base) + bloc
                support[p] = capacity[p] * att * reach[p] * (1.0 - conditionality[p])
                presence[p] = alignment[n, s, p] + 0.5 * x
            mean_offer = offer[0]
            mean_support = support[0]
            for p in range(1, P):
                mean_offer = mean_offer + offer[p]
                mean_support = mean_support + support[p]
            mean_offer = mean_offer / P
            mean_support = mean_support / P
            # as sim.core.rules.arrays.standing: 0 when the mean is not positive
            offer_ok = mean_offer > 0.0
            support_ok = mean_support > 0.0
            for p in range(P):
                rivals = 0.0 * presence[0]
                for q in range(P):
                    rivals = rivals + hostility[nh, q, p] * presence[q]
                offer_standing = offer[p] / mean_offer - 1.0 if offer_ok else 0.0
                support_standing = support[p] / mean_support - 1.0 if support_ok else 0.0
                terms[n, j, p, 0] = w[1, nw] * threat * offer_standing
                terms[n, j, p, 1] = w[2, nw] * regime * support_standing
                terms[n, j, p, 2] = -w[3, nw] * (conditionality[p] * attention[na, p]) * fear
                terms[n, j, p, 3] = w[4, nw] * economy[n, s, p]
                terms[n, j, p, 4] = -w[5, nw] * blame[n, s, p]
                terms[n, j, p, 5] = w[6, nw] * offers[n, s, p]
                terms[n, j, p, 6] = -w[7, nw] * rivals
    return terms


@_jit
def row_sums(x):
    """out[i] = x[i, 0] + x[i, 1] + ... in order (x (E, K)): sim.core.rules.arrays.sum_last."""
    E, K = x.shape
    out = np.empty(E)
    for i in range(E):
        total = x[i, 0]
        for k in range(1, K):
            total = total + x[i, k]
        out[i] = total
    return out


@_jit
def alignment_step(alignment, terms, total, base, target, rate, noise):
    """The alignment step of sim.core.rules.alignment for E flat elements, given total = row_sums(terms),
    base = logistic(affinity) and target = logistic(affinity + total) (computed by numpy):

      slope = base x (1 - base) if |total| < 1e-12 else (target - base) / total
      parts[k] = (rate x slope) x terms[k];  inertia = rate x (base - alignment)
      raw = alignment + (parts[0] + parts[1] + ...) + inertia + noise;  new = raw clipped to [0, 1]
      drivers = (parts..., inertia, noise, new - raw)

    The clip keeps raw where it is inside or not a number, as np.clip does."""
    E, K = terms.shape
    new = np.empty(E)
    drivers = np.empty((E, K + 3))
    for i in range(E):
        b = base[i]
        t = total[i]
        if abs(t) < 1e-12:
            slope = b * (1.0 - b)
        else:
            slope = (target[i] - b) / t
        scale = rate[i] * slope
        parts = scale * terms[i, 0]
        drivers[i, 0] = parts
        for k in range(1, K):
            part = scale * terms[i, k]
            drivers[i, k] = part
            parts = parts + part
        inertia = rate[i] * (b - alignment[i])
        raw = alignment[i] + parts + inertia + noise[i]
        v = raw
        if v < 0.0:  # noqa: PLR1730 - as np.clip: -0.0 and NaN kept
            v = 0.0
        if v > 1.0:  # noqa: PLR1730
            v = 1.0
        new[i] = v
        drivers[i, K] = inertia
        drivers[i, K + 1] = noise[i]
        drivers[i, K + 2] = v - raw
    return new, drivers


@_jit
def slot_utility(ks, slot_state, slot_power, is_deal, value, footprint, alignment, veto, blame, local_threat,
                 afghan, exposure, neutrality, operations, w):
    """out[n, j]: the public case for granting slot k = ks[j] (state s, power p) in run n
    (sim.core.step.slot_utility), with w (5, 1 or M) = neutrality_weight, veto_weight, base_security_weight,
    base_blame_weight, base_grant, and f = footprint[k]:

      deal: alignment[n, s, p] + 0.5 x value[k]
      base: alignment - w[0] x neutrality[s] - f x (w[1] x veto[n, s, p])
            + w[2] x operations[p] x (local_threat[n, s] + exposure[s] x afghan[n]) - f x (w[3] x blame[n, s, p])
            + (1 - f) x w[4]

    alignment, veto, blame (M, S, P); local_threat (M, S); afghan (1 or M,)."""
    M = alignment.shape[0]
    J = ks.shape[0]
    Ma, Mw = afghan.shape[0], w.shape[1]
    out = np.empty((M, J))
    for n in range(M):
        na = n if Ma > 1 else 0
        nw = n if Mw > 1 else 0
        for j in range(J):
            k = ks[j]
            s, p = slot_state[k], slot_power[k]
            a = alignment[n, s, p]
            if is_deal[k]:
                out[n, j] = a + 0.5 * value[k]
            else:
                threat = local_threat[n, s] + exposure[s] * afghan[na]
                f = footprint[k]
                out[n, j] = (a - w[0, nw] * neutrality[s] - f * (w[1, nw] * veto[n, s, p])
                             + w[2, nw] * operations[p] * threat - f * (w[3, nw] * blame[n, s, p])
                             + (1.0 - f) * w[4, nw])
    return out


@_jit
def membership_step(states, alignment, member, months, taste, weights, bias, neutrality, clash, active, w):
    """Memberships of state s = states[j] of run n one month on (sim.core.rules.decisions): the appeal
    u[o] = bias[o] + 0 x alignment[0] + weights[o, 0] x alignment[0] + ... - w[0] x neutrality[s]
           - w[1] x (sum over the other organisations, in order, of member x clash[o, other]) + taste,
    then join (not a member, active, u > w[2], months >= w[4]) or leave (a member, and inactive or
    u < w[3] with months >= w[4]); months restart at 0 on a change, else count on.

    alignment (M, S, P); member, months, taste (M, S, O); w (5, 1 or M) = neutrality_weight, bloc_conflict,
    join_threshold, leave_threshold, min_dwell. Returns member, months, joined, left (M, J, O)."""
    M, _, P = alignment.shape
    O = member.shape[2]
    J = states.shape[0]
    Mw = w.shape[1]
    new = np.empty((M, J, O), dtype=np.bool_)
    new_months = np.empty((M, J, O), dtype=months.dtype)
    joined = np.empty((M, J, O), dtype=np.bool_)
    left = np.empty((M, J, O), dtype=np.bool_)
    for n in range(M):
        nw = n if Mw > 1 else 0
        for j in range(J):
            s = states[j]
            for o in range(O):
                u = bias[o] + 0.0 * alignment[n, s, 0]
                for p in range(P):
                    u = u + weights[o, p] * alignment[n, s, p]
                u = u - w[0, nw] * neutrality[s]
                conflict = 0.0
                for other in range(O):
                    if other == o:
                        continue
                    conflict = conflict + (1.0 if member[n, s, other] else 0.0) * clash[o, other]
                u = u - w[1, nw] * conflict + taste[n, s, o]
                m = member[n, s, o]
                settled = months[n, s, o] >= w[4, nw]
                join = (not m) and active[o] and u > w[2, nw] and settled
                leave = m and ((not active[o]) or (u < w[3, nw] and settled))
                changed = join or leave
                new[n, j, o] = m != changed
                new_months[n, j, o] = 0 if changed else months[n, s, o] + 1
                joined[n, j, o] = join
                left[n, j, o] = leave
    return new, new_months, joined, left


@_jit
def slot_step(ks, is_deal, window, status, months, utility, w, pending_code, open_code, refused_code, closed_code):
    """Slots ks one month on (sim.core.rules.decisions.slot_next) for each run n, utility (M, len(ks)) the
    public case plus the state's taste: a pending slot opens when utility > its grant threshold, else is
    refused once months + 1 >= its window; an open one closes when utility < its revoke threshold and it has
    stood months >= dwell; months restart at 0 on a change, else count on.

    status, months (M, K); w (5, 1 or M) = deal_accept, base_grant, deal_end, base_revoke, min_dwell (a deal
    uses the first of each pair). Returns status, months, opened, closed, refused (M, len(ks))."""
    M = status.shape[0]
    J = ks.shape[0]
    Mw = w.shape[1]
    new = np.empty((M, J), dtype=status.dtype)
    new_months = np.empty((M, J), dtype=months.dtype)
    opened = np.empty((M, J), dtype=np.bool_)
    closed = np.empty((M, J), dtype=np.bool_)
    refused = np.empty((M, J), dtype=np.bool_)
    for n in range(M):
        nw = n if Mw > 1 else 0
        for j in range(J):
            k = ks[j]
            grant = w[0, nw] if is_deal[k] else w[1, nw]
            revoke = w[2, nw] if is_deal[k] else w[3, nw]
            code, age, u = status[n, k], months[n, k], utility[n, j]
            o = code == pending_code and u > grant
            r = code == pending_code and (not o) and age + 1 >= window[k]
            c = code == open_code and u < revoke and age >= w[4, nw]
            new[n, j] = open_code if o else (refused_code if r else (closed_code if c else code))
            new_months[n, j] = 0 if (o or r or c) else age + 1
            opened[n, j] = o
            closed[n, j] = c
            refused[n, j] = r
    return new, new_months, opened, closed, refused


@_jit
def askable(ks, status, months, cooldown, not_yet, refused, closed):
    """out[n, j]: slot ks[j] may be asked (again) in run n: never asked, or refused or closed with
    months >= cooldown[n] (status, months (M, K); cooldown (1 or M,))."""
    M = status.shape[0]
    J = ks.shape[0]
    Mc = cooldown.shape[0]
    out = np.empty((M, J), dtype=np.bool_)
    for n in range(M):
        c = cooldown[n if Mc > 1 else 0]
        for j in range(J):
            code = status[n, ks[j]]
            out[n, j] = code == not_yet or ((code == refused or code == closed) and months[n, ks[j]] >= c)
    return out


@_jit
def pick_best_segments(score, eligible, starts, threshold):
    """One ask per run and segment (sim.core.rules.policy.pick_best on each group of columns): for segment g,
    the columns starts[g] to starts[g + 1], out[n] true at the eligible entry of score[n] with the largest
    score (the first on ties, the first NaN if any, as numpy's argmax), provided that score exceeds
    threshold[g, n]; all false otherwise (score (M, K), eligible (M, K) bool, threshold (G, 1 or M))."""
    M, K = score.shape
    G = starts.shape[0] - 1
    Mt = threshold.shape[1]
    out = np.zeros((M, K), dtype=np.bool_)
    for n in range(M):
        for g in range(G):
            if starts[g + 1] <= starts[g]:
                continue
            best = starts[g]
            top = -np.inf
            for j in range(starts[g], starts[g + 1]):
                v = score[n, j] if eligible[n, j] else -np.inf
                if v != v:  # noqa: PLR0124 - a NaN, where argmax stops at the first
                    best = j
                    top = v
                    break
                if v > top:
                    best = j
                    top = v
            if top > threshold[g, n if Mt > 1 else 0]:
                out[n, best] = True
    return out


@_jit
def _mix(x):
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


@_jit
def random_bits(s, m, a, k):
    """SplitMix64 of the four keys (sim.core.rng.random_bits), for flat uint64 arrays of one length."""
    out = np.empty(s.shape[0], dtype=np.uint64)
    for i in range(s.shape[0]):
        x = _mix(s[i] * _GOLDEN + _GOLDEN)
        x = _mix(x ^ (m[i] * _K_MONTH + _GOLDEN))
        x = _mix(x ^ (a[i] * _K_AGENT + _GOLDEN))
        out[i] = _mix(x ^ (k[i] * _K_STREAM + _GOLDEN))
    return out
