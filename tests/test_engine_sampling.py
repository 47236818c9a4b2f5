"""Audience sampling by geometric skips: each connection of a sharer sees the post
independently with the exposure probability, exactly as one uniform per connection would; the
skips come from the sharer's own keyed stream (replicate, sharer, sender)."""

import numpy as np
from scipy import stats

from sim.engine import draws
from sim.engine.engine import sample_audience
from sim.network.graph import Network
from sim.rules.population import ReadDelay


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


def _sample(key, net, nodes, p, exclude=None, senders=0):
    """(sharer index, viewer) from the keys sharer * BIG + viewer (replicate key ``key``)."""
    big = net.n_nodes + 1
    keys, _ = sample_audience(net, nodes, p, key, senders, exclude, base=np.arange(len(nodes)) * big)
    return np.divmod(keys, big)


def test_extremes_are_exact_and_the_excluded_node_never_sees_it():
    deg = np.array([0, 1, 5, 30])
    net, off = _stars(deg)
    nodes = np.arange(4)
    who, viewer = _sample(np.uint64(0), net, nodes, np.ones(4))
    np.testing.assert_array_equal(who, np.repeat(np.arange(4), deg))
    np.testing.assert_array_equal(_positions(who, viewer, off, 4),
                                  np.concatenate([np.arange(d) for d in deg]))
    who, viewer = _sample(np.uint64(0), net, nodes, np.zeros(4))
    assert len(who) == 0 and len(viewer) == 0
    excluded = np.array([-1, 4, 4 + 1 + 2, 4 + 6 + 29])  # node 1's only leaf, 2's third, 3's last
    who, viewer = _sample(np.uint64(0), net, nodes, np.ones(4), excluded)
    assert len(who) == deg.sum() - 3 and not np.isin(viewer, excluded[1:]).any()


def test_each_connection_sees_it_independently_with_p():
    n, d = 20_000, 25
    net, off = _stars(np.full(n, d))
    p = np.where(np.arange(n) % 2 == 0, 0.05, 0.3)  # two probabilities in one call
    who, viewer = _sample(draws.replicate_keys(42, 0, 1)[0], net, np.arange(n), p)
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


def test_a_sharers_audience_is_keyed_by_replicate_sharer_and_sender():
    """Same key, same audience, bit for bit; a sharer reaches the same people whoever else
    shares in the same call (nothing is consumed from a shared stream); another replicate key
    or another sender draws another audience."""
    net, off = _stars(np.full(50, 40))
    key = draws.replicate_keys(7, 0, 1)[0]
    p = np.full(50, 0.2)
    wa, va = _sample(key, net, np.arange(50), p)
    wb, vb = _sample(key, net, np.arange(50), p)
    np.testing.assert_array_equal(wa, wb)
    np.testing.assert_array_equal(va, vb)
    # sharer 17 alone, or among the others in another order: the same viewers
    alone = _sample(key, net, np.array([17]), p[:1])[1]
    mixed_who, mixed_viewer = _sample(key, net, np.array([3, 17, 40]), p[:3])
    np.testing.assert_array_equal(mixed_viewer[mixed_who == 1], alone)
    np.testing.assert_array_equal(alone, va[wa == 17])
    other_key = _sample(draws.replicate_keys(7, 1, 1)[0], net, np.arange(50), p)[1]
    other_sender = _sample(key, net, np.arange(50), p, senders=1)[1]
    assert not np.array_equal(other_key, va) and not np.array_equal(other_sender, va)


def test_sighting_delays_are_keyed_by_viewer_sender_and_sharer():
    """With an exponential read delay, the hours until each viewer sees the post come from
    (replicate, viewer, sender, sharer): the documented keyed draw, mean as configured."""
    net, off = _stars(np.full(400, 30))
    key = draws.replicate_keys(3, 0, 1)[0]
    delay = draws.delay_params(ReadDelay("exponential", 24.0))
    keys, hours = sample_audience(net, np.arange(400), 0.5, key, 9, delay=delay)
    sharer = np.searchsorted(400 + off, keys, side="right") - 1  # leaves of star i follow 400 + off[i]
    u = draws.uniforms(key, draws.SEE_DELAY, keys, 9, sharer)
    np.testing.assert_array_equal(hours, np.rint(24.0 * draws.exponentials(u)).astype(np.int64))
    assert abs(hours.mean() - 24.0) < 4 * 24.0 / np.sqrt(len(hours))
