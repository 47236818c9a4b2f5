"""Audience sampling by geometric skips: each connection of a sharer sees the post
independently with the exposure probability, exactly as one uniform per connection would."""

import numpy as np
from scipy import stats

from sim.engine import sample_audience


def test_extremes_are_exact():
    deg = np.array([0, 1, 5, 30])
    who, pos = sample_audience(np.random.default_rng(0), deg, np.ones(4))
    np.testing.assert_array_equal(who, np.repeat(np.arange(4), deg))
    np.testing.assert_array_equal(pos, np.concatenate([np.arange(d) for d in deg]))
    who, pos = sample_audience(np.random.default_rng(0), deg, np.zeros(4))
    assert len(who) == 0 and len(pos) == 0


def test_each_connection_sees_it_independently_with_p():
    rng = np.random.default_rng(42)
    n, d = 20_000, 25
    p = np.where(np.arange(n) % 2 == 0, 0.05, 0.3)  # two probabilities in one call
    who, pos = sample_audience(rng, np.full(n, d), p)
    # positions are distinct, inside the connections, grouped by sharer in increasing order
    assert (pos >= 0).all() and (pos < d).all()
    key = who * d + pos
    assert (np.diff(key) > 0).all()
    for parity, q in ((0, 0.05), (1, 0.3)):
        mine = who % 2 == parity
        sharers = n // 2
        # every position is seen with probability q (binomial count per position)
        hits = np.bincount(pos[mine], minlength=d)
        z = (hits - sharers * q) / np.sqrt(sharers * q * (1 - q))
        assert np.abs(z).max() < 4.5, (q, z)
        # the number seen per sharer is Binomial(d, q): compare the histogram
        k = np.bincount(who[mine], minlength=n)[parity::2]
        observed = np.bincount(k, minlength=d + 1)
        expected = sharers * stats.binom.pmf(np.arange(d + 1), d, q)
        keep = expected >= 5
        chi2 = ((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum()
        assert stats.chi2.sf(chi2, keep.sum() - 1) > 1e-4, (q, chi2)
    # pairs of positions are independent: co-occurrence of 0 and 1 at p = 0.3
    odd = who % 2 == 1
    seen = np.zeros((n, d), dtype=bool)
    seen[who[odd], pos[odd]] = True
    both = (seen[1::2, 0] & seen[1::2, 1]).mean()
    assert abs(both - 0.09) < 4.5 * np.sqrt(0.09 * 0.91 / (n // 2))
