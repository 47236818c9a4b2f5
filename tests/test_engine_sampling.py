"""Audience sampling by geometric skips: each connection of a sharer sees the post
independently with the exposure probability, exactly as one uniform per connection would."""

import numpy as np
from scipy import stats

from sim.engine.engine import sample_audience
from sim.network.graph import Network


def _stars(degrees) -> tuple[Network, np.ndarray]:
    """Node i (i < len(degrees)) is joined to its own leaves; a leaf's id encodes its position:
    leaf j of node i is node base + offset_i + j. Returns the network and the offsets."""
    degrees = np.asarray(degrees)
    k = len(degrees)
    offsets = np.r_[0, np.cumsum(degrees)[:-1]]
    indptr = np.r_[0, np.cumsum(degrees)].astype(np.int64)
    indptr = np.r_[indptr, np.full(int(degrees.sum()), indptr[-1])]  # leaves: no out-links here
    indices = (k + np.arange(int(degrees.sum()))).astype(np.int32)
    return Network(indptr=indptr, indices=indices, sender=0), offsets


def _positions(who, viewer, offsets, k):
    return viewer - k - offsets[who]


def _sample(rng, net, nodes, p, exclude=None):
    """(sharer index, viewer) from the keys sharer * BIG + viewer."""
    big = net.n_nodes + 1
    keys = sample_audience(rng, net, nodes, p, exclude, base=np.arange(len(nodes)) * big)
    return np.divmod(keys, big)


def test_extremes_are_exact_and_the_excluded_node_never_sees_it():
    deg = np.array([0, 1, 5, 30])
    net, off = _stars(deg)
    nodes = np.arange(4)
    who, viewer = _sample(np.random.default_rng(0), net, nodes, np.ones(4))
    np.testing.assert_array_equal(who, np.repeat(np.arange(4), deg))
    np.testing.assert_array_equal(_positions(who, viewer, off, 4),
                                  np.concatenate([np.arange(d) for d in deg]))
    who, viewer = _sample(np.random.default_rng(0), net, nodes, np.zeros(4))
    assert len(who) == 0 and len(viewer) == 0
    excluded = np.array([-1, 4, 4 + 1 + 2, 4 + 6 + 29])  # node 1's only leaf, 2's third, 3's last
    who, viewer = _sample(np.random.default_rng(0), net, nodes, np.ones(4), excluded)
    assert len(who) == deg.sum() - 3 and not np.isin(viewer, excluded[1:]).any()


def test_each_connection_sees_it_independently_with_p():
    rng = np.random.default_rng(42)
    n, d = 20_000, 25
    net, off = _stars(np.full(n, d))
    p = np.where(np.arange(n) % 2 == 0, 0.05, 0.3)  # two probabilities in one call
    who, viewer = _sample(rng, net, np.arange(n), p)
    pos = _positions(who, viewer, off, n)
    # positions are distinct, inside the connections, grouped by sharer in increasing order
    assert (pos >= 0).all() and (pos < d).all()
    assert (np.diff(who * d + pos) > 0).all()
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


def test_draws_come_from_the_engine_generator():
    """Same seed, same audience; and the generator's stream moves on (no hidden RNG)."""
    net, _ = _stars(np.full(50, 40))
    a, b = np.random.default_rng(7), np.random.default_rng(7)
    wa, va = _sample(a, net, np.arange(50), np.full(50, 0.2))
    wb, vb = _sample(b, net, np.arange(50), np.full(50, 0.2))
    np.testing.assert_array_equal(wa, wb)
    np.testing.assert_array_equal(va, vb)
    assert a.random() == b.random()
    assert a.bit_generator.state != np.random.default_rng(7).bit_generator.state

