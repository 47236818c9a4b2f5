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
def audience(rng, indptr, indices, nodes, p, exclude, base, first):  # pragma: no cover
    """For sharers i = first, first + 1, ... (graph node nodes[i]), the connections v that see
    the post, each with probability p[i], never v == exclude[i]; as keys base[i] + v, grouped
    by sharer, connections in CSR order. The output holds the expected number plus a margin
    (at least one sharer's connections); it stops before a sharer whose connections might not
    fit, and returns (keys, index of the next sharer) for the caller to continue.

    Geometric skips from one seen connection to the next: the gap is ceil(E * scale) with
    E ~ Exp(1) and scale = -1 / log(1 - q), so P(gap > k) = (1 - q)^k; the work grows with
    the number who see the post, not with the sharer's degree."""
    expect = 0.0
    widest = 0
    for i in range(first, len(nodes)):
        d = indptr[nodes[i] + 1] - indptr[nodes[i]]
        widest = max(widest, d)
        expect += d * min(max(p[i], 0.0), 1.0)
    cap = max(int(expect + 4.0 * np.sqrt(expect) + 64.0), widest)
    keys = np.empty(cap, dtype=np.int64)
    k = 0
    last_q, scale = -1.0, 0.0
    i = first
    while i < len(nodes):
        a, b, q = indptr[nodes[i]], indptr[nodes[i] + 1], p[i]
        if k + (b - a) > cap and k > 0:
            break
        if b > a and q > 0.0:
            every = q >= 1.0
            if not every and q != last_q:
                last_q, scale = q, -1.0 / np.log1p(-q)
            j = a if every else a + max(1, int(np.ceil(rng.standard_exponential() * scale))) - 1
            while j < b:
                v = indices[j]
                if v != exclude[i]:
                    keys[k] = base[i] + v
                    k += 1
                j += 1 if every else max(1, int(np.ceil(rng.standard_exponential() * scale)))
        i += 1
    return keys[:k], i


# The counters the kernels add to, in the order of their ``rows`` argument: the engine passes
# each one's row in its counter matrix (from the metric registry, sim/metrics.py), so the
# registry's order is never compiled in (numba's cache would not notice a changed global).
KERNEL_COUNTERS = ("reach", "supporters", "direct_supporters", "unfollows", "unfollows_weighted",
                   "close_ties_lost", "annoyed", "close_ties_annoyed", "reports")


@njit(cache=True, nogil=True)
def read_messages(rng, t, keys, replicate, half_life, dims, pairs, contacts, state, counts,
                  rows, hb):  # pragma: no cover
    """The sender messages read at hour t, one after the other in queue order (rules 2-4 of
    docs/MODEL.md). keys: ((((r * P + pair) << 1) | kind) << hb) | the hour the message was
    delivered; replicate: r of each. Returns the keys (r * S + s) * N + node of the readers who
    now share (already marked as sharing and counted as direct supporters), and one entry per
    new report, ((r * S + s) << hb) | the reported message's delivery hour.

    dims = (P, M, N, S); pairs = (slot, sender, contact, close, tie, report_prob, unfollow_prob),
    per pair; contacts = (inc, share) by (pair << 1) | kind; state = (annoyance, annoyance_hour,
    threshold, contact_annoyed) by r * M + slot, then (aware, shared) by skey and
    (unfollowed, pair_annoyed, pair_reported) by r * P + pair; rows: the counter rows of
    KERNEL_COUNTERS.
    """
    REACH, SUPPORTERS, DIRECT, UNFOLLOWS, UNFOLLOWS_W, CLOSE_LOST, ANNOYED, CLOSE_ANNOYED, REPORTS = rows
    P, M, N, S = dims
    slot, sender, contact, close, tie, report_prob, unfollow_prob = pairs
    inc, share = contacts
    annoyance, annoyance_hour, threshold, contact_annoyed, aware, shared, \
        unfollowed, pair_annoyed, pair_reported = state
    out = np.empty(len(keys), dtype=np.int64)
    n_out = 0
    reported = np.empty(len(keys), dtype=np.int64)
    n_reported = 0
    hour_mask = (1 << hb) - 1
    for i in range(len(keys)):
        key = keys[i] >> hb
        rp = key >> 1
        r = replicate[i]
        pk = key - ((r * P) << 1)
        pair = pk >> 1
        a_idx = r * M + slot[pair]
        a = annoyance[a_idx]
        if a != 0.0:  # decayed since the last read (half-life half_life hours)
            a *= 2.0 ** ((annoyance_hour[a_idx] - t) / half_life)
        a += inc[pk]
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
            # a contact reports a sender at most once (the draw is made either way)
            if rng.random() < report_prob[pair] and not pair_reported[rp]:
                counts[REPORTS, rs] += 1
                pair_reported[rp] = True
                reported[n_reported] = (rs << hb) | (keys[i] & hour_mask)
                n_reported += 1
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
    return out[:n_out], reported[:n_reported]


@njit(cache=True, nogil=True)
def see_shares(rng, keys, N, S, word_of_mouth, aware, shared, counts, rows):  # pragma: no cover
    """Shares seen this hour (keys (r * S + s) * N + node): a person who did not know yet
    becomes aware once, however many shares they see, and shares in turn with their
    word-of-mouth probability. Returns the keys of the new sharers (marked and counted)."""
    REACH, SUPPORTERS = rows[0], rows[1]
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


@njit(cache=True, nogil=True)
def spread_now(rng, rs0, node0, exclude0, cap, N, indptr, indices, exposure, word_of_mouth,
               aware, shared, counts, rows):  # pragma: no cover - compiled
    """Word of mouth within the hour (read delay 0), from new sharers (replicate-sender rs0,
    node node0, already marked and counted): each connection but the message's sender
    (exclude0) sees a post with the sharer's exposure probability (geometric skips, as in
    ``audience``); a viewer who did not know becomes aware, and shares in turn with their
    word-of-mouth probability, until the cascade stops. Works from a stack of ``cap`` entries
    (``cap`` >= len(rs0)); if a sharer's viewers might not fit, returns the sharers still to
    do as (rs, node, exclude), else three empty arrays."""
    REACH, SUPPORTERS = rows[0], rows[1]
    # a stack, not a queue: a new sharer's cascade is followed at once, while that replicate's
    # slice of aware/shared is still in cache (the order of sightings does not matter)
    st_rs = np.empty(cap, dtype=np.int64)
    st_node = np.empty(cap, dtype=np.int64)
    st_ex = np.empty(cap, dtype=np.int64)
    n = len(rs0)
    st_rs[:n] = rs0[::-1]
    st_node[:n] = node0[::-1]
    st_ex[:n] = exclude0[::-1]
    last_q, scale = -1.0, 0.0
    while n > 0:
        rs, node, exclude = st_rs[n - 1], st_node[n - 1], st_ex[n - 1]
        a, b, q = indptr[node], indptr[node + 1], exposure[node]
        if n - 1 + (b - a) > cap:
            return st_rs[:n].copy(), st_node[:n].copy(), st_ex[:n].copy()
        n -= 1
        if b <= a or q <= 0.0:
            continue
        base = rs * N
        every = q >= 1.0
        if not every and q != last_q:
            last_q, scale = q, -1.0 / np.log1p(-q)
        j = a if every else a + max(1, int(np.ceil(rng.standard_exponential() * scale))) - 1
        reached = 0
        supporters = 0
        while j < b:
            v = indices[j]
            seen = base + v
            if v != exclude and not aware[seen]:
                # not aware yet, so not sharing yet either (sharing implies awareness);
                # a draw whose outcome is certain (probability 1) is skipped
                aware[seen] = True
                reached += 1
                p_share = word_of_mouth[v]
                if p_share >= 1.0 or rng.random() < p_share:
                    shared[seen] = True
                    supporters += 1
                    st_rs[n] = rs
                    st_node[n] = v
                    st_ex[n] = exclude
                    n += 1
            j += 1 if every else max(1, int(np.ceil(rng.standard_exponential() * scale)))
        counts[REACH, rs] += reached
        counts[SUPPORTERS, rs] += supporters
    return st_rs[:0].copy(), st_node[:0].copy(), st_ex[:0].copy()
