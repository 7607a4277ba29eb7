"""Counter-based random numbers: every draw is a pure function of (seed, month, agent, stream).

A run's random draws therefore never depend on which other runs share its batch, on the order in which
agents act, or on how many workers a sweep uses. The mixing function is SplitMix64's finaliser applied to
a combination of the four keys, computed with numpy's wrapping uint64 arithmetic, so one run or a batch
of a million gives the same bits for the same keys.
"""

from __future__ import annotations

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_K_MONTH = np.uint64(0xD1B54A32D192ED03)
_K_AGENT = np.uint64(0x8CB92BA72F3D8DD7)
_K_STREAM = np.uint64(0xABC98388FB8FAC03)

# Named streams keep the draws of different rules independent of one another.
STREAM_ALIGNMENT_NOISE = 1
STREAM_HAZARD = 2
STREAM_SLOT_TASTE = 3
STREAM_MEMBER_TASTE = 4


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a bijective scrambling of 64-bit words."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def random_bits(seed, month, agent, stream) -> np.ndarray:
    """64 random bits for each combination of the (broadcast) keys (the mixing runs in a compiled loop,
    sim.core.rules.kernels.random_bits, on the same uint64 words; in numpy while the kernels run as Python)."""
    from sim.core.rules import kernels

    with np.errstate(over="ignore"):
        s = np.asarray(seed, dtype=np.uint64)
        m = np.asarray(month, dtype=np.int64).astype(np.uint64)
        a = np.asarray(agent, dtype=np.int64).astype(np.uint64)
        k = np.asarray(stream, dtype=np.int64).astype(np.uint64)
    shape = np.broadcast_shapes(s.shape, m.shape, a.shape, k.shape)
    if not kernels.runs_compiled():  # as Python, the kernel's loop is slower than numpy on the same words
        with np.errstate(over="ignore"):
            x = _mix(s * _GOLDEN + _GOLDEN)
            x = _mix(x ^ (m * _K_MONTH + _GOLDEN))
            x = _mix(x ^ (a * _K_AGENT + _GOLDEN))
            return np.asarray(_mix(x ^ (k * _K_STREAM + _GOLDEN)))
    flat = [np.ascontiguousarray(np.broadcast_to(v, shape)).reshape(-1) for v in (s, m, a, k)]
    return kernels.random_bits(*flat).reshape(shape)


def uniform(seed, month, agent, stream) -> np.ndarray:
    """Uniform numbers in [0, 1) with 53 random bits, one per combination of the keys."""
    return (random_bits(seed, month, agent, stream) >> np.uint64(11)).astype(np.float64) * (2.0**-53)


def normal_numpy(seed, month, agent, stream) -> np.ndarray:
    """Standard normal numbers by the Box-Muller transform of two uniform draws u1 and u2:

        z = sqrt(-2 x log1p(-u1)) x cos(2 pi x u2)

    The two uniforms use streams 1000 + 2 x stream and 1001 + 2 x stream so they never collide with
    uniform() draws of another named stream. (The statement of the rule; ``normal`` computes the same bits.)
    """
    u1 = uniform(seed, month, agent, 1000 + 2 * np.asarray(stream))
    u2 = uniform(seed, month, agent, 1001 + 2 * np.asarray(stream))
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)


def normal(seed, month, agent, stream) -> np.ndarray:
    """Standard normal numbers, the Box-Muller transform of ``normal_numpy`` to the bit. For one month and
    one stream (every caller's case), the two uniforms and the arithmetic around numpy's log1p and cos run
    in compiled loops (sim.core.rules.kernels_month: box_muller_angles, box_muller_radius); other keys take
    ``normal_numpy``, and so do all keys while the kernels run as Python (numpy's statement is the faster
    there, for the same bits)."""
    from sim.core.rules import kernels

    if np.ndim(month) or np.ndim(stream) or not kernels.runs_compiled():
        return normal_numpy(seed, month, agent, stream)
    from sim.core.rules import kernels_month as km

    with np.errstate(over="ignore"):
        s = np.asarray(seed, dtype=np.uint64)
        a = np.asarray(agent, dtype=np.int64).astype(np.uint64)
    shape = np.broadcast_shapes(s.shape, a.shape)
    s_flat, a_flat = (np.ascontiguousarray(np.broadcast_to(v, shape)).reshape(-1) for v in (s, a))
    stream = int(stream)
    minus_u1, angle = km.box_muller_angles(s_flat, a_flat, int(month), 1000 + 2 * stream, 1001 + 2 * stream)
    return km.box_muller_radius(np.log1p(minus_u1), np.cos(angle)).reshape(shape)


def logistic_noise(seed, month, agent, stream) -> np.ndarray:
    """Standard logistic numbers (the random-utility taste of a logit choice): log(u / (1 - u)) of a
    uniform draw u, kept inside (0, 1)."""
    u = uniform(seed, month, agent, stream)
    u = np.minimum(np.maximum(u, 2.0**-53), 1.0 - 2.0**-53)
    return np.log(u / (1.0 - u))
