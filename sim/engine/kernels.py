"""Compiled inner loops (numba) where numpy's whole-array passes cost more than the work itself:
delivering messages (read or not, and when), reading them, drawing who sees a share, seeing
shares. Each is one pass over the events due in an hour, in queue order; the calendar, sends,
platform rule and records stay in numpy (sim/engine/engine.py).

Every random number is a keyed draw (sim/engine/draws.py): a hash of the replicate's key and
of who and what it is about, never the next number of a shared stream. So a kernel's result
does not depend on the order in which it meets events, or on which other replicates share
its batch, and a draw that is not needed is simply not made.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.engine.draws import (CONSTANT, EXPOSURE, READ, READ_DELAY, REPLY, REPORT, SEE_DELAY,
                              SHARE, UNFOLLOW, WOM, bits_at, delay_hours, exponential_bits,
                              stream, uniform)


@njit(cache=True, nogil=True)
def _skip(j, end, h, scale):  # pragma: no cover - compiled
    """The next connection index after j that sees a post: a geometric gap ceil(E * scale),
    E ~ Exp(1) from the hash h (ziggurat) and scale = -1 / log(1 - q), so P(gap > k) =
    (1 - q)^k; ``end`` when the gap runs past the last connection (no integer overflow for
    tiny q)."""
    g = exponential_bits(h) * scale
    if not g < end - j:  # also NaN, from 0 * inf when q is below 1e-308
        return end
    return j + max(1, np.int64(np.ceil(g)))


@njit(cache=True, nogil=True)
def _happens(p, key, purpose, a, b, c):  # pragma: no cover - compiled
    """True with probability p, by the keyed uniform; a certain outcome (p <= 0 or p >= 1)
    skips the hash (keyed draws make skipping a draw change nothing else)."""
    if p >= 1.0:
        return True
    return p > 0.0 and uniform(key, purpose, a, b, c) < p


@njit(cache=True, nogil=True)
def _decayed(x, since, t, decay):  # pragma: no cover - compiled
    """x, last set at hour ``since``, decayed until hour t: ``decay[k]`` is the factor of k
    whole hours, 2 ** (-k / half-life) (a table: hours are whole, and a power per event
    cost more than the rest of the event)."""
    if x == 0.0:
        return 0.0
    return x * decay[t - since]


@njit(cache=True, nogil=True)
def deliver(keys, t, horizon, r, pair, kind, P, shifts, contact, sender_node, read_prob, sent,
            delay, fatigue, slot, M, recent, recent_hour):  # pragma: no cover - compiled
    """Messages of kind ``kind`` delivered at hour t to (replicate r[i], pair pair[i]). Each
    is the m-th message of its sender to that contact (m counted in ``sent``, by r * P + pair);
    it is read with the pair's read chance for its kind (``read_prob`` by (pair << 1) | kind)
    times the fatigue factor 1 / (1 + per_ask * n), n the contact's recent asks before this
    one, after a read delay, both drawn from the key (replicate, contact, sender, m). Every
    delivery adds 1 to the contact's recent asks (``recent`` by r * M + slot, last updated at
    ``recent_hour``; each ask halves every half-life hours). Returns (events, hours) of the
    messages read before the horizon; an event is (m << shifts[2]) | (t << shifts[1]) |
    (r << shifts[0]) | (pair << 1) | kind: t, the delivery hour, is what the rate rule charges
    a report to.

    delay = (code, mean, mu, sigma) of ``draws.delay_hours``; fatigue = (per_ask,
    annoyance_per_ask, decay): both per-ask weights 0 = no fatigue (nothing tracked); decay[k]
    = 2 ** (-k / fatigue half-life), k = 0 .. horizon hours."""
    code, mean, mu, sigma = delay
    per_ask, annoy_per_ask, decay = fatigue
    tired = per_ask > 0.0 or annoy_per_ask > 0.0
    n = len(r)
    events = np.empty(n, dtype=np.int64)
    hours = np.empty(n, dtype=np.int64)
    pair_shift, hour_shift, m_shift = shifts
    limit = np.int64(1) << (63 - m_shift)
    k = 0
    for i in range(n):
        p = pair[i]
        rp = r[i] * P + p
        m = np.int64(sent[rp])
        if m + 1 >= limit:
            raise ValueError("more messages from one sender to one contact than can be numbered")
        sent[rp] = m + 1
        key = keys[r[i]]
        c, s = contact[p], sender_node[p]
        q = read_prob[(p << 1) | kind]
        if tired:
            a = r[i] * M + slot[p]
            before = _decayed(recent[a], recent_hour[a], t, decay)
            recent[a] = before + 1.0
            recent_hour[a] = t
            q = q / (1.0 + per_ask * before)
        if _happens(q, key, READ, c, s, m):
            u = 0.0 if code == CONSTANT else uniform(key, READ_DELAY, c, s, m)
            h = t + delay_hours(u, code, mean, mu, sigma)
            if h < horizon:
                events[k] = (m << m_shift) | (t << hour_shift) | (r[i] << pair_shift) | (p << 1) | kind
                hours[k] = h
                k += 1
    return events[:k], hours[:k]


@njit(cache=True, nogil=True)
def audience(keys, senders, indptr, indices, nodes, p, exclude, base, first, delay):  # pragma: no cover
    """For sharers i = first, first + 1, ... (graph node nodes[i], sharing the ask of the
    sender at node senders[i], in the replicate of key keys[i]), the connections v that see
    the post, each with probability p[i], never v == exclude[i]; as keys base[i] + v, grouped
    by sharer, connections in CSR order, with the hours until each sees it (read delay drawn
    from (replicate, v, sender, sharer)). The output holds the expected number plus a margin
    (at least one sharer's connections); it stops before a sharer whose connections might not
    fit, and returns (keys, hours, index of the next sharer) for the caller to continue.

    Geometric skips from one seen connection to the next (``_skip``), drawn from the sharer's
    own stream (replicate, sharer, sender, j = 0, 1, ...): the work grows with the number who
    see the post, not with the sharer's degree, and a sharer reaches the same people in a
    replicate whatever else happens in it."""
    code, mean, mu, sigma = delay
    expect = 0.0
    widest = 0
    for i in range(first, len(nodes)):
        d = indptr[nodes[i] + 1] - indptr[nodes[i]]
        widest = max(widest, d)
        expect += d * min(max(p[i], 0.0), 1.0)
    cap = max(int(expect + 4.0 * np.sqrt(expect) + 64.0), widest)
    out = np.empty(cap, dtype=np.int64)
    hours = np.empty(cap, dtype=np.int64)
    fixed = np.int64(np.rint(mean))
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
            key, sender, sharer = keys[i], senders[i], nodes[i]
            st = stream(key, EXPOSURE, sharer, sender)
            j = a if every else _skip(a - 1, b, bits_at(st, 0), scale)
            n_draws = 1
            while j < b:
                v = indices[j]
                if v != exclude[i]:
                    out[k] = base[i] + v
                    if code == CONSTANT:
                        hours[k] = fixed
                    else:
                        hours[k] = delay_hours(uniform(key, SEE_DELAY, v, sender, sharer),
                                               code, mean, mu, sigma)
                    k += 1
                if every:
                    j += 1
                else:
                    j = _skip(j, b, bits_at(st, n_draws), scale)
                    n_draws += 1
        i += 1
    return out[:k], hours[:k], i


# The counters the kernels add to, in the order of their ``rows`` argument: the engine passes
# each one's row in its counter matrix (from the metric registry, sim/metrics.py), so the
# registry's order is never compiled in (numba's cache would not notice a changed global).
KERNEL_COUNTERS = ("reach", "supporters", "direct_supporters", "unfollows", "unfollows_weighted",
                   "close_ties_lost", "annoyed", "close_ties_annoyed", "reports", "replies",
                   "reach_hop1", "reach_hop2", "reach_hop3plus")


@njit(cache=True, nogil=True)
def read_messages(keys, t, events, shifts, annoyance_decay, dims, pairs, contacts, state, counts,
                  rows, fatigue):  # pragma: no cover
    """The sender messages read at hour t, one after the other in queue order (rules 0-5 of
    docs/MODEL.md). events: (m << shifts[2]) | (delivery hour << shifts[1]) | (r << shifts[0])
    | (pair << 1) | kind, as ``deliver`` made them. Returns the keys (r * S + s) * N + node of
    the readers who now share (already marked as sharing and counted as direct supporters), and
    one entry per new report, ((r * S + s) << (shifts[2] - shifts[1])) | the reported message's
    delivery hour. Report, unfollow, reply and share are drawn from (replicate, contact,
    sender, m), the key of the message.

    dims = (P, M, N, S); pairs = (slot, sender, sender_node, contact, close, tie, report_prob,
    unfollow_prob, goodwill), per pair; contacts = (inc, share, reply) by (pair << 1) | kind,
    quality already applied; state = (annoyance, annoyance_hour, threshold, contact_annoyed,
    recent, recent_hour) by r * M + slot, then (aware, shared) by skey, (unfollowed,
    pair_annoyed, pair_reported, pair_goodwill) by r * P + pair, and day_replies by
    (r * S + s, delivery day); rows: the counter rows of KERNEL_COUNTERS; fatigue =
    (per_ask, annoyance_per_ask, decay) as in ``deliver``; annoyance_decay[k] = 2 ** (-k /
    annoyance half-life).
    """
    REACH, SUPPORTERS, DIRECT, UNFOLLOWS, UNFOLLOWS_W, CLOSE_LOST, ANNOYED, CLOSE_ANNOYED, \
        REPORTS, REPLIES, HOP1 = rows[0], rows[1], rows[2], rows[3], rows[4], rows[5], \
        rows[6], rows[7], rows[8], rows[9], rows[10]
    P, M, N, S = dims
    slot, sender, sender_node, contact, close, tie, report_prob, unfollow_prob, goodwill = pairs
    inc, share, reply = contacts
    annoyance, annoyance_hour, threshold, contact_annoyed, recent, recent_hour, aware, shared, \
        unfollowed, pair_annoyed, pair_reported, pair_goodwill, day_replies = state
    per_ask, annoy_per_ask, fatigue_decay = fatigue
    tired = per_ask > 0.0 or annoy_per_ask > 0.0
    pair_shift, hour_shift, m_shift = shifts
    pair_mask = (np.int64(1) << pair_shift) - 1
    r_mask = (np.int64(1) << (hour_shift - pair_shift)) - 1
    hour_bits = m_shift - hour_shift
    hour_mask = (np.int64(1) << hour_bits) - 1
    out = np.empty(len(events), dtype=np.int64)
    n_out = 0
    reported = np.empty(len(events), dtype=np.int64)
    n_reported = 0
    for i in range(len(events)):
        ev = events[i]
        pk = ev & pair_mask  # (pair << 1) | kind
        pair = pk >> 1
        personal = (pk & 1) == 1
        r = (ev >> pair_shift) & r_mask
        m = ev >> m_shift
        delivered = (ev >> hour_shift) & hour_mask
        rp = r * P + pair
        a_idx = r * M + slot[pair]
        # fatigue: the other asks received recently (all delivered up to now, but this one)
        phi, boost = 1.0, 1.0
        if tired:
            n_other = _decayed(recent[a_idx], recent_hour[a_idx], t, fatigue_decay) \
                - fatigue_decay[t - delivered]
            n_other = max(n_other, 0.0)
            phi = 1.0 / (1.0 + per_ask * n_other)
            boost = 1.0 + annoy_per_ask * n_other
        a = _decayed(annoyance[a_idx], annoyance_hour[a_idx], t, annoyance_decay)
        if personal:
            a += inc[pk]
        else:
            a += inc[pk] * boost * (1.0 - pair_goodwill[rp])
        annoyance[a_idx] = a
        annoyance_hour[a_idx] = t
        rs = r * S + sender[pair]
        skey = rs * N + contact[pair]
        if not aware[skey]:
            aware[skey] = True
            counts[REACH, rs] += 1
            counts[HOP1, rs] += 1  # a contact: one hop from the sender
        key, c, s = keys[r], contact[pair], sender_node[pair]
        if a > threshold[a_idx]:
            if not pair_annoyed[rp]:
                pair_annoyed[rp] = True
                counts[ANNOYED, rs] += 1
                if close[pair]:
                    counts[CLOSE_ANNOYED, rs] += 1
            contact_annoyed[a_idx] = True
            # a contact reports a sender at most once
            if not pair_reported[rp] and _happens(report_prob[pair], key, REPORT, c, s, m):
                counts[REPORTS, rs] += 1
                pair_reported[rp] = True
                reported[n_reported] = (rs << hour_bits) | delivered
                n_reported += 1
            if not unfollowed[rp] and _happens(unfollow_prob[pair], key, UNFOLLOW, c, s, m):
                unfollowed[rp] = True
                counts[UNFOLLOWS, rs] += 1
                counts[UNFOLLOWS_W, rs] += tie[pair]
                if close[pair]:
                    counts[CLOSE_LOST, rs] += 1
        else:
            if _happens(reply[pk] * phi, key, REPLY, c, s, m):
                counts[REPLIES, rs] += 1
                day_replies[rs, delivered // 24] += 1
            if not shared[skey] and _happens(share[pk] * phi, key, SHARE, c, s, m):
                shared[skey] = True
                counts[DIRECT, rs] += 1
                counts[SUPPORTERS, rs] += 1
                out[n_out] = skey
                n_out += 1
        if personal:  # rule 5: goodwill towards this sender's later asks
            pair_goodwill[rp] = goodwill[pair]
    return out[:n_out], reported[:n_reported]


@njit(cache=True, nogil=True)
def see_shares(keys, events, N, S, sender_nodes, word_of_mouth, aware, shared, counts,
               rows, hops):  # pragma: no cover
    """Shares seen this hour (events (r * S + s) * N + node): a person who did not know yet
    becomes aware once, however many shares they see (counted by their distance class from
    the sender, ``hops`` by s * N + node: 1, 2 or 3 = 3 or more), and shares in turn with their
    word-of-mouth probability, drawn from (replicate, person, sender). Returns the keys of the
    new sharers (marked and counted)."""
    REACH, SUPPORTERS, HOP1 = rows[0], rows[1], 10  # HOP1: index in rows
    out = np.empty(len(events), dtype=np.int64)
    n_out = 0
    for key in events:
        if aware[key]:
            continue
        aware[key] = True
        rs = key // N
        counts[REACH, rs] += 1
        node = key - rs * N
        r = rs if S == 1 else rs // S
        counts[rows[HOP1 + _hop_row(hops[(rs - r * S) * N + node])], rs] += 1
        if not shared[key] and _happens(word_of_mouth[node], keys[r], WOM, node,
                                        sender_nodes[rs - r * S], 0):
            shared[key] = True
            counts[SUPPORTERS, rs] += 1
            out[n_out] = key
            n_out += 1
    return out[:n_out]


@njit(cache=True, nogil=True)
def _hop_row(h):  # pragma: no cover - compiled
    """Offset of distance class h (1, 2, 3+) from reach_hop1 in KERNEL_COUNTERS."""
    return min(max(np.int64(h), 1), 3) - 1


@njit(cache=True, nogil=True)
def spread_now(keys, S, sender_nodes, rs0, node0, exclude0, cap, N, indptr, indices, exposure,
               word_of_mouth, aware, shared, counts, rows, hops):  # pragma: no cover - compiled
    """Word of mouth within the hour (read delay 0), from new sharers (replicate-sender rs0,
    node node0, already marked and counted): each connection but the message's sender
    (exclude0) sees a post with the sharer's exposure probability (geometric skips from the
    sharer's stream, as in ``audience``); a viewer who did not know becomes aware, and shares
    in turn with their word-of-mouth probability (drawn from (replicate, viewer, sender)),
    until the cascade stops. Works from a stack of ``cap`` entries (``cap`` >= len(rs0)); if
    a sharer's viewers might not fit, returns the sharers still to do as (rs, node, exclude),
    else three empty arrays. Keyed draws make the outcome independent of the stack's order."""
    REACH, SUPPORTERS, HOP1 = rows[0], rows[1], 10  # HOP1: index in rows
    # a stack, not a queue: a new sharer's cascade is followed at once, while that replicate's
    # slice of aware/shared is still in cache
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
        r = rs if S == 1 else rs // S
        key, sender = keys[r], sender_nodes[rs - r * S]
        hop_base = (rs - r * S) * N
        every = q >= 1.0
        if not every and q != last_q:
            last_q, scale = q, -1.0 / np.log1p(-q)
        st = stream(key, EXPOSURE, node, sender)
        j = a if every else _skip(a - 1, b, bits_at(st, 0), scale)
        n_draws = 1
        reached = 0
        supporters = 0
        while j < b:
            v = indices[j]
            seen = base + v
            if v != exclude and not aware[seen]:
                # not aware yet, so not sharing yet either (sharing implies awareness)
                aware[seen] = True
                reached += 1
                counts[rows[HOP1 + _hop_row(hops[hop_base + v])], rs] += 1
                if _happens(word_of_mouth[v], key, WOM, v, sender, 0):
                    shared[seen] = True
                    supporters += 1
                    st_rs[n] = rs
                    st_node[n] = v
                    st_ex[n] = exclude
                    n += 1
            if every:
                j += 1
            else:
                j = _skip(j, b, bits_at(st, n_draws), scale)
                n_draws += 1
        counts[REACH, rs] += reached
        counts[SUPPORTERS, rs] += supporters
    return st_rs[:0].copy(), st_node[:0].copy(), st_ex[:0].copy()
