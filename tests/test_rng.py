"""The counter-based generator: draws depend only on (seed, month, agent, stream)."""

import numpy as np

from sim.core import rng


def test_same_keys_same_draws_whatever_the_batch():
    alone = rng.normal(np.uint64(7), 5, np.arange(15), 1)
    seeds = np.array([1, 7, 9], dtype=np.uint64)[:, None]
    batch = rng.normal(seeds, 5, np.arange(15)[None, :], 1)
    assert np.array_equal(batch[1], alone)
    assert not np.array_equal(batch[0], alone)


def test_each_key_changes_the_draw():
    base = rng.uniform(1, 1, 1, 1)
    for other in (rng.uniform(2, 1, 1, 1), rng.uniform(1, 2, 1, 1), rng.uniform(1, 1, 2, 1), rng.uniform(1, 1, 1, 2)):
        assert other != base


def test_uniform_and_normal_look_right():
    u = rng.uniform(np.uint64(3), np.arange(20000), 0, 2)
    assert u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.01
    z = rng.normal(np.uint64(3), np.arange(20000), 0, 2)
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    assert np.all(np.isfinite(z))
