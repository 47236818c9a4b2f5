"""Compiled inner loops (numba) where numpy's whole-array passes cost more than the work itself:
drawing who sees a share, reading the sender's messages, seeing shares. Each is one pass over
the events due in an hour, in queue order; the calendar, sends, platform rule and records stay
in numpy (sim/engine.py).

The kernels draw from the engine's own ``numpy.random.Generator`` (numba shares its bit
generator state), so a seed gives the same numbers whether or not the compile cache is warm.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def audience(rng, indptr, indices, nodes, p, exclude, base):  # pragma: no cover - compiled
    """For each sharer i (graph node nodes[i]), the connections v that see its post, each with
    probability p[i], never v == exclude[i]; returned as keys base[i] + v, grouped by sharer,
    connections in CSR order. Geometric skips from one seen connection to the next: the gap is
    ceil(E / -log(1 - q)) with E ~ Exp(1), so P(gap > k) = (1 - q)^k."""
    n = len(nodes)
    expect = 0.0
    for i in range(n):
        expect += (indptr[nodes[i] + 1] - indptr[nodes[i]]) * min(max(p[i], 0.0), 1.0)
    cap = int(expect + 4.0 * np.sqrt(expect) + 64.0)
    keys = np.empty(cap, dtype=np.int64)
    k = 0
    for i in range(n):
        a = indptr[nodes[i]]
        b = indptr[nodes[i] + 1]
        q = p[i]
        if b <= a or q <= 0.0:
            continue
        every = q >= 1.0
        scale = 0.0 if every else -1.0 / np.log1p(-q)
        j = a if every else a + max(1, int(np.ceil(rng.standard_exponential() * scale))) - 1
        while j < b:
            v = indices[j]
            if v != exclude[i]:
                if k == cap:
                    cap *= 2
                    grown = np.empty(cap, dtype=np.int64)
                    grown[:k] = keys[:k]
                    keys = grown
                keys[k] = base[i] + v
                k += 1
            j += 1 if every else max(1, int(np.ceil(rng.standard_exponential() * scale)))
    return keys[:k]


# rows of the engine's counter matrix the kernels add to (sim.engine.COUNTERS order)
REACH, SUPPORTERS, DIRECT, UNFOLLOWS, UNFOLLOWS_W, CLOSE_LOST, ANNOYED, CLOSE_ANNOYED, REPORTS = range(9)


@njit(cache=True, nogil=True)
def read_messages(rng, t, keys, half_life, dims, pairs, contacts, state, counts):  # pragma: no cover
    """The sender messages read at hour t, one after the other in queue order (rules 2-4 of
    docs/MODEL.md). keys: ((r * P + pair) << 1) | kind. Returns the keys (r * S + s) * N + node
    of the readers who now share (already marked as sharing and counted as direct supporters).

    dims = (P, M, N, S); pairs = (slot, sender, contact, close, tie, report_prob, unfollow_prob),
    per pair; contacts = (inc, share) by (pair << 1) | kind; state = (annoyance, annoyance_hour,
    threshold, contact_annoyed) by r * M + slot, then (aware, shared) by skey and
    (unfollowed, pair_annoyed, pair_reported) by r * P + pair.
    """
    P, M, N, S = dims
    slot, sender, contact, close, tie, report_prob, unfollow_prob = pairs
    inc, share = contacts
    annoyance, annoyance_hour, threshold, contact_annoyed, aware, shared, \
        unfollowed, pair_annoyed, pair_reported = state
    out = np.empty(len(keys), dtype=np.int64)
    n_out = 0
    for key in keys:
        rp = key >> 1
        r = rp // P
        pk = key - ((r * P) << 1)
        pair = pk >> 1
        a_idx = r * M + slot[pair]
        a = annoyance[a_idx] * 2.0 ** ((annoyance_hour[a_idx] - t) / half_life) + inc[pk]
        annoyance[a_idx] = a
        annoyance_hour[a_idx] = t
        rs = r * S + sender[pair]
        skey = rs * N + contact[pair]
        if not aware[skey]:
            aware[skey] = True
            counts[REACH, rs] += 1
        if a > threshold[a_idx]:
            if not pair_annoyed[rp]:
                pair_annoyed[rp] = True
                counts[ANNOYED, rs] += 1
                if close[pair]:
                    counts[CLOSE_ANNOYED, rs] += 1
            contact_annoyed[a_idx] = True
            if rng.random() < report_prob[pair]:
                counts[REPORTS, rs] += 1
                pair_reported[rp] = True
            if rng.random() < unfollow_prob[pair] and not unfollowed[rp]:
                unfollowed[rp] = True
                counts[UNFOLLOWS, rs] += 1
                counts[UNFOLLOWS_W, rs] += tie[pair]
                if close[pair]:
                    counts[CLOSE_LOST, rs] += 1
        elif rng.random() < share[pk] and not shared[skey]:
            shared[skey] = True
            counts[DIRECT, rs] += 1
            counts[SUPPORTERS, rs] += 1
            out[n_out] = skey
            n_out += 1
    return out[:n_out]


@njit(cache=True, nogil=True)
def see_shares(rng, keys, N, S, word_of_mouth, aware, shared, counts):  # pragma: no cover
    """Shares seen this hour (keys (r * S + s) * N + node): a person who did not know yet
    becomes aware once, however many shares they see, and shares in turn with their
    word-of-mouth probability. Returns the keys of the new sharers (marked and counted)."""
    out = np.empty(len(keys), dtype=np.int64)
    n_out = 0
    for key in keys:
        if aware[key]:
            continue
        aware[key] = True
        rs = key // N
        counts[REACH, rs] += 1
        if rng.random() < word_of_mouth[key - rs * N] and not shared[key]:
            shared[key] = True
            counts[SUPPORTERS, rs] += 1
            out[n_out] = key
            n_out += 1
    return out[:n_out]
