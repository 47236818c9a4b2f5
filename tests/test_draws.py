"""The keyed random numbers (sim/engine/draws.py): deterministic, uniform, independent between
purposes and neighbouring keys, the compiled and numpy versions bit for bit the same, and the
transforms (exponential, normal, lognormal, read delays) exact in distribution."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from numba import njit
from scipy import special, stats

from sim.engine import draws

N = 100_000
KEY = draws.replicate_keys(2024, 0, 1)[0]


@njit(cache=False)
def _compiled_uniforms(keys, purpose, a, b, c):
    out = np.empty(len(keys))
    for i in range(len(keys)):
        out[i] = draws.uniform(keys[i], purpose, a[i], b[i], c[i])
    return out


@njit(cache=False)
def _compiled_stream(key, purpose, a, b, n):
    out = np.empty(n)
    prefix = draws.stream(key, purpose, a, b)
    for c in range(n):
        out[c] = draws.at(prefix, c)
    return out


@njit(cache=False)
def _compiled_transforms(u):
    out = np.empty((4, len(u)))
    for i in range(len(u)):
        out[0, i] = draws.exponential(u[i])
        out[1, i] = draws.std_normal(u[i])
        out[2, i] = draws.lognormal(u[i], 1.6, 0.7)
        out[3, i] = draws.delay_hours(u[i], draws.LOGNORMAL, 24.0, 2.9, 1.2)
    return out


@njit(cache=False)
def _ziggurat(key, n):
    out = np.empty(n)
    prefix = draws.stream(key, draws.EXPOSURE, 1, 2)
    for c in range(n):
        out[c] = draws.exponential_bits(draws.bits_at(prefix, c))
    return out


def _close_to_zero(r: float, n: int) -> bool:
    return abs(r) < 4.5 / np.sqrt(n)


# --------------------------------------------------------------------------- the hash


def test_same_inputs_same_numbers_and_replicate_keys_do_not_depend_on_batches():
    a = np.arange(N)
    np.testing.assert_array_equal(draws.uniforms(KEY, draws.READ, a, 3, 0),
                                  draws.uniforms(KEY, draws.READ, a, 3, 0))
    keys = draws.replicate_keys(7, 0, 1000)
    assert keys.dtype == np.uint64 and len(np.unique(keys)) == 1000
    np.testing.assert_array_equal(keys, draws.replicate_keys(np.random.SeedSequence(7), 0, 1000))
    # replicate 500 has the same key in a batch starting at 0, 500 or 499
    np.testing.assert_array_equal(keys[500:], draws.replicate_keys(7, 500, 500))
    assert draws.replicate_keys(7, 499, 3)[1] == keys[500]
    assert not np.array_equal(keys, draws.replicate_keys(8, 0, 1000))


def test_uniform_in_the_unit_interval_ks():
    u = draws.uniforms(KEY, draws.SHARE, np.arange(N), 11, 0)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # over consecutive replicate keys too (one person, one decision)
    v = draws.uniforms(draws.replicate_keys(5, 0, N), draws.THRESHOLD, 42)
    assert stats.kstest(v, "uniform").pvalue > 1e-3
    # and the words of a message key: 100 x 1000 (contact, m)
    a, m = np.meshgrid(np.arange(1000), np.arange(100))
    w = draws.uniforms(KEY, draws.READ, a, 0, m).ravel()
    assert stats.kstest(w, "uniform").pvalue > 1e-3


def test_purposes_are_independent():
    """The same (key, a, b, c) under two purposes: uncorrelated uniforms (and not equal)."""
    a = np.arange(N)
    u = {p: draws.uniforms(KEY, p, a, 5, 1) for p in draws.PURPOSES.values()}
    for p, q in itertools.combinations(u, 2):
        assert _close_to_zero(np.corrcoef(u[p], u[q])[0, 1], N), (p, q)
        assert (u[p] == u[q]).sum() <= 1, (p, q)


def test_neighbouring_keys_and_words_are_independent():
    """Consecutive replicate keys, consecutive persons, senders and message numbers: the
    uniforms of neighbours are uncorrelated, in value and in rank."""
    keys = draws.replicate_keys(3, 0, N + 1)
    by_key = draws.uniforms(keys, draws.READ, 17, 4, 0)
    pairs = {"replicate": (by_key[:-1], by_key[1:])}
    a = np.arange(N + 1)
    for name, words in (("person", (a, 4, 0)), ("sender", (17, a, 0)), ("m", (17, 4, a))):
        u = draws.uniforms(KEY, draws.READ, *words)
        pairs[name] = (u[:-1], u[1:])
    # and a person's stream of skips
    s = _compiled_stream(KEY, draws.EXPOSURE, 9, 2, N + 1)
    pairs["skip"] = (s[:-1], s[1:])
    for name, (x, y) in pairs.items():
        assert _close_to_zero(np.corrcoef(x, y)[0, 1], N), name
        assert _close_to_zero(stats.spearmanr(x, y)[0], N), name


def test_numba_and_numpy_versions_are_bit_identical():
    rng = np.random.default_rng(0)
    keys = draws.replicate_keys(11, 0, 64)[rng.integers(0, 64, N)]
    a = rng.integers(-3, 2**40, N)
    b = rng.integers(0, 2**20, N)
    c = rng.integers(0, 50, N)
    for purpose in draws.PURPOSES.values():
        np.testing.assert_array_equal(_compiled_uniforms(keys, purpose, a, b, c),
                                      draws.uniforms(keys, purpose, a, b, c))
    # a stream's prefix, then its counter, is the same as the whole key
    np.testing.assert_array_equal(_compiled_stream(KEY, draws.EXPOSURE, 5, 9, 1000),
                                  draws.uniforms(KEY, draws.EXPOSURE, 5, 9, np.arange(1000)))
    # the engine's tables (compiled) are the numpy broadcast
    ks, nodes = draws.replicate_keys(1, 0, 30), np.arange(500, dtype=np.int64)
    np.testing.assert_array_equal(draws.uniform_grid(ks, draws.ORDER, nodes, 3, 2),
                                  draws.uniforms(ks[:, None], draws.ORDER, nodes[None, :], 3, 2))
    # transforms: the ufuncs run the kernels' own code
    u = draws.uniforms(KEY, draws.READ_DELAY, np.arange(N))
    t = _compiled_transforms(u)
    np.testing.assert_array_equal(t[0], draws.exponentials(u))
    np.testing.assert_array_equal(t[1], draws.std_normals(u))
    np.testing.assert_array_equal(t[2], draws.lognormals(u, 1.6, 0.7))
    np.testing.assert_array_equal(t[3], np.rint(draws.lognormals(u, 2.9, 1.2)).astype(np.int64))


# --------------------------------------------------------------------------- transforms


def test_exponential_and_normal_by_inverse_cdf():
    u = draws.uniforms(KEY, draws.THRESHOLD, np.arange(N))
    assert stats.kstest(draws.exponentials(u), "expon").pvalue > 1e-3
    z = draws.std_normals(u)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    # monotone in u, so a larger uniform is always a later delay or a higher threshold
    order = np.argsort(u)
    assert np.all(np.diff(z[order]) >= 0)
    assert np.all(np.diff(draws.exponentials(u)[order]) >= 0)


def test_inverse_normal_is_accurate_and_symmetric_over_the_whole_range():
    """Against scipy's ndtri at the cell midpoints p = u + 2^-54, from the smallest uniform
    (2^-53: z = -8.29) to the largest; and z(u) = -z(1 - 2^-53 - u) exactly."""
    k = np.unique(np.concatenate([np.arange(0, 4000), 2**53 - 1 - np.arange(0, 4000),
                                  np.linspace(0, 2**53 - 1, 200_001).astype(np.int64)]))
    u = k.astype(np.float64) * 2.0**-53
    z = draws.std_normals(u)
    lower = u < 0.5
    expect = np.where(lower, special.ndtri(np.where(lower, u + 2.0**-54, 0.25)),
                      -special.ndtri(np.where(lower, 0.25, (1 - u) - 2.0**-54)))
    assert np.max(np.abs(z - expect) / np.maximum(np.abs(expect), 1e-300)) < 1e-14
    mirror = (2**53 - 1 - k).astype(np.float64) * 2.0**-53
    np.testing.assert_array_equal(z, -draws.std_normals(mirror))
    assert np.all(np.isfinite(z)) and -8.3 < z.min() < -8.29


def test_ziggurat_exponential_for_the_skips():
    """The skips' Exp(1) (ziggurat from the hash): KS, and a chi-square over fine bins that
    covers the layers, the wedges and the tail beyond 7.7."""
    x = _ziggurat(KEY, 1_000_000)
    assert stats.kstest(x, "expon").pvalue > 1e-3
    edges = np.concatenate([np.linspace(0, 9, 181), [np.inf]])
    observed = np.histogram(x, edges)[0]
    expected = len(x) * np.diff(stats.expon.cdf(edges))
    chi2 = ((observed - expected) ** 2 / expected).sum()
    assert stats.chi2.sf(chi2, len(observed) - 1) > 1e-3
    assert x.min() >= 0 and np.isfinite(x).all()


@pytest.mark.parametrize("dist, mean, sigma", [("constant", 2.5, 1.0), ("constant", 3.0, 1.0),
                                               ("exponential", 0.0, 1.0), ("exponential", 24.0, 1.0),
                                               ("lognormal", 12.0, 1.5)])
def test_read_delays(dist, mean, sigma):
    """Whole hours, rounded half to even as numpy.rint; the mean as configured."""
    from sim.rules.population import ReadDelay

    code, m, mu, s = draws.delay_params(ReadDelay(dist, mean, sigma))
    u = draws.uniforms(KEY, draws.READ_DELAY, np.arange(N))
    hours = np.array([draws.delay_hours(x, code, m, mu, s) for x in u[:2000]])
    if dist == "constant" or mean == 0:
        assert code == draws.CONSTANT and set(hours) == {int(np.rint(mean))}
        return
    exact = mean * draws.exponentials(u) if dist == "exponential" else draws.lognormals(u, mu, s)
    np.testing.assert_array_equal(hours, np.rint(exact[:2000]).astype(np.int64))
    assert abs(exact.mean() - mean) < 5 * exact.std() / np.sqrt(N)
