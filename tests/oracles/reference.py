"""A plain, per-agent reference implementation of the outreach model, for testing the engine.

Written from the text of docs/MODEL.md, not from the engine's vectorised code: one replicate
at a time, one message or share at a time, state in dicts, sets and heaps, neighbours from a
networkx graph (``oracles.graphs.to_nx``). It is slow and obvious on purpose; the fast engine
must agree with it in distribution (tests/test_agreement.py) and exactly where every
probability is 0 or 1 (tests/test_platform_rules.py, tests/test_analytic.py,
tests/test_strategies.py, tests/test_engine_exact.py). Its own rules are checked alone, on
cases worked by hand, in tests/test_reference_rules.py.

Rules, per message of kind k (generic or personal) delivered by sender s to contact i with
tie strength w, quality q_k (``scenario.quality`` = (q_generic, q_note)):

0. Fatigue: every message delivered to i (either kind, any sender, read or not) is one term
   2 ** (-(hours since its delivery) / fatigue_half_life_hours) of i's count n. At delivery,
   n sums the messages delivered to i before this one (earlier hours, and earlier in the
   same hour); at the read, every other message delivered to i up to and including the read
   hour. phi = 1 / (1 + fatigue_per_ask * n).
1. It is read with probability read_prob_k * phi (phi at delivery; read_prob for a generic
   ask, read_prob_personal for a note), after a whole-hour read delay; unread messages are
   never read. Events falling at or after the horizon never happen.
2. On reading, i's annoyance (one per person, shared across senders) first decays by
   0.5 ** (hours since its last change / half-life), then rises by the pair's increment
   (annoyance_generic or annoyance_personal, both already scaled by 1 - w) times
   (1.5 - q_k), and for a generic ask also times (1 + fatigue_annoyance_per_ask * n) (n at
   the read) and (1 - g), g the goodwill of the pair (s, i) at the read (0 until i has read a
   note from s). Reading makes i aware of s's ask.
3. If annoyance > threshold (strict) the read is annoying: the pair counts as annoyed once,
   the person counts as annoyed; an annoying read is reported with report_prob (a contact
   reports a sender at most once) and may end the tie with unfollow_prob (no later message
   from s reaches i). An annoyed reader neither replies nor shares.
4. Otherwise, independently: i replies with min(1, reply_k * (0.5 + q_k)) * phi (phi at the
   read; one reply at most per message, counted for s at the read hour), and becomes a
   supporter with min(1, share_k * (0.5 + q_k)) * phi, unless i already shared s's ask. A
   supporter shares once: every connection of i except s sees the share with i's
   exposure_prob, after the viewer's read delay. A person who is not yet aware becomes aware
   on seeing it and shares in turn with share_word_of_mouth. Shares neither annoy nor add to
   fatigue.
5. After a note from s is read (rules 2-4 applied to it), the pair (s, i) has the goodwill
   g = the population's ``goodwill`` of that pair (already clipped to [0, 1]); it never
   decays and does nothing to other senders' asks.
6. Quality enters only through the (0.5 + q) and (1.5 - q) factors above; the read chance
   does not depend on it.

Reach by distance: each aware person of s's ask counts in reach_hop1, reach_hop2 or
reach_hop3plus by the breadth-first distance from s in the network (networkx).

Within an hour: messages held back by a volume cap, then the senders' new sends (sender
order), then reads (in the order their messages were delivered), then sees of shares,
repeated while zero-delay events appear, then the platform rule.

Platform (MODEL.md, "Platform rules"). Each sender keeps its own standing:

* the rule is asked at the end of an hour, for free senders only (not restricted, not
  suspended), and only in hours with a new report against the sender (unless a rule of one's
  own sets ``acts_without_reports``). ``count``: at least max_reports reports in the hours
  max(t - window_hours + 1, last lift) .. t; ``review``: each new report is upheld on its
  own with restrict_prob (one draw per report); ``rate``: each new report, against the
  calendar day d its message was delivered, restricts on its own with P(theta > max_rate),
  theta ~ Beta(a0 + k, b0 + n - k), k the reports against day d, n the messages delivered on
  day d, both as at the end of the hour (scipy.stats.beta.sf); ``response_rate``: without
  reports, at the end of each calendar day d (hour 24d + 23): n the messages the sender
  delivered on days d - D + 1 .. d (D = window_hours / 24) that start at or after its last
  lift, k the replies so far to those messages; restricted when n >= min_volume and
  k / n < min_response_rate;
* the n-th restriction (n = 0, 1, ...) imposed at the end of hour t lasts D =
  restriction_hours[n]: it blocks hours t + 1 .. t + D (clipped to the horizon in
  restricted_hours), the sender is free again from t + 1 + D (its lift); past the end of the
  list it is permanent (a suspension, blocking every later hour) with after_last
  "permanent", or lasts the list's last length again with after_last "repeat";
* the strategy's clock stops while the sender is restricted: a planned hour h of sender s
  goes out at start_s + h + (the lengths of all restrictions imposed on s so far); a
  suspended sender's strategy never acts again;
* reports that arrived before the last lift are spent: the count rule's window starts at the
  lift, and the rate rule's k counts only reports since the lift (n all the day's messages);
* volume caps: a message is held when the sender already delivered daily_cap messages this
  calendar day (hours 24d .. 24d + 23) or weekly_cap this calendar week (168w .. 168w + 167),
  or when older messages are already held (they keep their order). Held messages go out
  before the strategy's new sends, as soon as the sender is free and the caps allow; a
  message to someone who has unfollowed in the meantime is not delivered (and does not count
  against a cap); a suspended sender's held messages are never delivered.

Readings of MODEL.md where its text leaves room (the engine's behaviour checked against the
first two, see tests/test_platform_rules.py; the others are the reference's own reading, to be
settled in MODEL.md):

* rate rule, several new reports in one hour: each one's k is the count at the end of the
  hour (the rule "decides at the end of each hour"), not 1, 2, ... in turn;
* a rule of one's own may act on a sender only in an hour with a new report against that
  sender (or in any hour, with acts_without_reports);
* goodwill (rule 5) is the pair's goodwill when the generic ask is *read*: a generic ask
  delivered before the note but read after it is discounted ("later asks" read as later
  reads, as annoyance is applied at the read);
* a note sets its pair's goodwill on every read, annoying or not (rule 5 puts no condition on
  rule 3's outcome);
* two reads by one person in the same hour are applied in the order their messages were
  delivered (earlier hour first; in the same hour, held messages, then new sends, sender by
  sender, in the order of the strategy's ranks); each counts the other in its fatigue n;
* word of mouth (share_word_of_mouth) is multiplied by neither phi nor (0.5 + q): rule 4 puts
  phi on the share chance of the message read, rule 6 puts quality on "the pair's" chances;
* the fatigue count n counts messages whether or not they were read, from every sender
  (including one the person has since unfollowed), from their delivery hour (a message held
  by a cap counts from when it is delivered);
* reach by distance: with several senders, each sender's aware people by their distance from
  that sender (a per-sender metric, the mean over senders as reach); a person with no path to
  the sender (possible only when a scenario's pairs are not edges of its network) counts in
  reach_hop3plus (infinitely far is "3 or more");
* response_rate, "the last window_hours / 24 calendar days": the calendar days with an hour in
  the last window_hours hours, i.e. ceil(window_hours / 24) days ending with day d;
* response_rate with n = 0 (possible only with min_volume = 0) never restricts (no rate);
* response_rate counts a reply for the day its message was delivered, replies that came at or
  before the judging hour (reads of that hour included);
* after_last "repeat" with an empty restriction_hours: permanent (there is no last length to
  repeat).

Populations without the new fields (read_prob_personal, reply_generic, reply_personal,
goodwill, fatigue_*), scenarios without ``quality`` and enforcement without ``after_last`` are
read with the defaults that turn the new rules off: read_prob_personal = read_prob, no
replies, no goodwill, no fatigue, quality (0.5, 0.5), after_last "permanent". With them the
reference makes the same draws in the same order as before (a reply is drawn only when its
chance is above 0).

Strategies are the real ones (``sim.rules.strategies``): the reference drives them through a
``SenderView`` for a batch of one replicate (``active`` = [True]). So this is an independent
check of the rules above, not of the strategies' schedules (tests/test_strategies.py works
those by hand). From the package it takes only that interface and its GENERIC/PERSONAL
message codes; a built-in platform rule is recognised by its class name and read through its
attributes; the restriction ladder, caps and after_last are read from ``scenario.enforcement``.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict, deque

import networkx as nx
import numpy as np
from scipy import stats

from sim.rules.strategies import GENERIC, PERSONAL, SenderView

from .graphs import to_nx

METRICS = (
    "reach", "supporters", "direct_supporters", "unfollows", "unfollows_weighted",
    "close_ties_lost", "annoyed", "close_ties_annoyed", "reports", "messages_sent",
    "personal_notes", "effort_hours", "people_annoyed", "restrictions", "restricted_hours",
    "restricted", "restriction_hour", "suspended", "suspension_hour",
    "replies", "reach_hop1", "reach_hop2", "reach_hop3plus",
)
_COUNTERS = (
    "reach", "supporters", "direct_supporters", "unfollows", "unfollows_weighted",
    "close_ties_lost", "annoyed", "close_ties_annoyed", "reports", "messages_sent",
    "personal_notes", "effort_minutes", "replies", "reach_hop1", "reach_hop2", "reach_hop3plus",
)
DAY, WEEK = 24, 168


class _Standing:
    """One sender in one replicate: its plan, its clock, its restrictions, its held messages."""

    def __init__(self, start: int, plan: list[int]):
        self.start = start
        self.plan = plan  # planned hours, relative to the start, in order
        self.next = 0  # index of the next planned hour
        self.lag = 0  # hours the strategy's clock has stood still: lengths of all restrictions
        self.lift = 0  # first hour it may send again
        self.last_lift = 0  # reports that arrived before this hour are spent
        self.blocks: list[tuple[int, int]] = []  # (first hour blocked, first hour free again)
        self.restriction_hour: int | None = None
        self.suspended_at: int | None = None
        self.reports: list[tuple[int, int]] = []  # (hour it arrived, its message's delivery hour)
        self.new_reports: list[int] = []  # delivery hours of this hour's reports
        self.delivered: dict[int, int] = defaultdict(int)  # hour -> messages delivered
        self.replied: dict[int, int] = defaultdict(int)  # delivery hour -> replies to those
        self.held: deque = deque()  # (pair, kind, minutes_each) waiting for a cap

    def free(self, t: int) -> bool:
        return self.suspended_at is None and self.lift <= t

    def due(self) -> int | None:
        """The hour at which the next planned send goes out, as things stand."""
        if self.suspended_at is not None or self.next >= len(self.plan):
            return None
        return self.start + self.plan[self.next] + self.lag

    def delivered_between(self, first: int, last: int) -> int:
        return sum(n for h, n in self.delivered.items() if first <= h <= last)

    def replied_between(self, first: int, last: int) -> int:
        """Replies so far to the messages delivered in hours first .. last."""
        return sum(n for h, n in self.replied.items() if first <= h <= last)


class _Replicate:
    """One replicate: the whole state of the world, advanced event by event."""

    def __init__(self, ref: "Reference", rng: np.random.Generator, on_deliver=None):
        self.ref, self.rng = ref, rng
        self.on_deliver = on_deliver
        self.threshold: dict[int, float] = {}  # drawn when a person first reads
        self.annoyance: dict[int, tuple[float, int]] = {}  # person -> (level, hour of level)
        self.person_annoyed: set[int] = set()
        self.aware: set[tuple[int, int]] = set()  # (sender, person)
        self.shared: set[tuple[int, int]] = set()
        self.unfollowed: set[int] = set()  # pair index
        self.pair_annoyed: set[int] = set()
        self.reported: set[int] = set()  # pairs whose contact has reported the sender
        self.goodwill: dict[int, float] = {}  # pair -> g, once its contact has read a note
        # person -> [(delivery hour, message id)]: every message delivered to them (fatigue)
        self.received: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.n_messages = 0  # message ids, in delivery order
        self.count = [dict.fromkeys(_COUNTERS, 0.0) for _ in range(ref.n_senders)]
        # hour -> [(pair, kind, delivery hour, message id)], in delivery order
        self.reads: dict[int, list] = defaultdict(list)
        self.sees: dict[int, list] = defaultdict(list)  # hour -> [(sender, person)]
        self.visit: list[int] = []  # hours at which something may happen
        self.strategies = [ref.make_strategy() for _ in range(ref.n_senders)]
        self.hour = 0
        self.senders: list[_Standing] = []
        for s, strategy in enumerate(self.strategies):
            start = int(round(ref.start_hours[s]))
            rels = np.asarray(strategy.send_hours(self.view(s), ref.H)).ravel().tolist()
            plan = sorted(int(rel) for rel in rels if 0 <= start + int(rel) < ref.H)
            self.senders.append(_Standing(start, plan))
            if plan:
                self.at(start + plan[0])
        if ref.rule_kind == "ResponseRateRule":  # judges every calendar day's last hour
            for day_end in range(DAY - 1, ref.H, DAY):
                self.at(day_end)

    # ---------------------------------------------------------------- helpers

    def at(self, hour: int) -> None:
        if hour < self.ref.H:
            heapq.heappush(self.visit, hour)

    def delay(self) -> int:
        d = self.ref.pop.read_delay
        if d.dist == "constant" or d.mean_hours == 0:
            x = d.mean_hours
        elif d.dist == "exponential":
            x = self.rng.exponential(d.mean_hours)
        else:  # lognormal whose mean is mean_hours
            x = self.rng.lognormal(math.log(d.mean_hours) - d.sigma**2 / 2, d.sigma)
        return int(np.rint(x))

    def fatigue_count(self, person: int, t: int, but: int | None = None) -> float:
        """n_i(t) (rule 0): the messages delivered to `person` so far, each weighted
        2 ** (-(t - its delivery hour) / fatigue half-life), leaving out message `but`."""
        hl = self.ref.fatigue_half_life
        n = 0.0
        for hour, msg in self.received[person]:
            if msg != but:
                n += 0.5 ** ((t - hour) / hl)
        return n

    def phi(self, n: float) -> float:
        return 1.0 / (1.0 + self.ref.fatigue_per_ask * n)

    def threshold_of(self, person: int) -> float:
        if person not in self.threshold:
            pop = self.ref.pop
            if pop.threshold_sigma == 0:
                self.threshold[person] = float(pop.threshold_median)
            else:
                self.threshold[person] = float(
                    self.rng.lognormal(math.log(pop.threshold_median), pop.threshold_sigma))
        return self.threshold[person]

    def view(self, s: int) -> SenderView:
        ref = self.ref
        first, last = ref.pair_offset[s], ref.pair_offset[s + 1]
        t = self.hour
        standing = self.senders[s] if s < len(self.senders) else None

        def reports_in_last(hours):  # every report against s in the window, spent or not
            log = standing.reports if standing else []
            return np.array([sum(1 for h, _ in log if t - int(hours) < h <= t)])

        return SenderView(
            n_contacts=last - first,
            tie_strength=np.asarray(ref.w[first:last]),
            n_replicates=1,
            uniforms=lambda stream=0: self.rng.random((1, last - first)),
            suspended=np.array([standing is not None and standing.suspended_at is not None]),
            reports_in_last=reports_in_last,
            unfollowed=lambda: np.array([[p in self.unfollowed for p in range(first, last)]]),
            active=np.array([True]),
            contact_ids=np.asarray(ref.contact_ids[first:last]),
        )

    # ---------------------------------------------------------------- one hour

    def run(self) -> None:
        H = self.ref.H
        while self.visit:
            t = heapq.heappop(self.visit)
            if t >= H:
                break
            if t < self.hour:  # a duplicate entry of an hour already done
                continue
            self.hour = t
            for s in range(self.ref.n_senders):
                self.release_held(s, t)
            for s in range(self.ref.n_senders):
                self.act(s, t)
            while self.reads.get(t) or self.sees.get(t):
                for pair, kind, sent, msg in self.reads.pop(t, []):
                    self.read(pair, kind, sent, msg, t)
                for s, person in self.sees.pop(t, []):
                    self.see(s, person, t)
            self.platform(t)
            for s, sd in enumerate(self.senders):
                due = sd.due()
                if due is not None:
                    self.at(due)
                if sd.held:
                    if sd.suspended_at is not None:
                        sd.held.clear()  # never delivered
                    elif sd.lift > t:
                        self.at(sd.lift)
                    else:  # a cap is full: try again on the next calendar day
                        self.at((t // DAY + 1) * DAY)
            if self.ref.rule_acts_every_hour:
                self.at(t + 1)
            self.hour = t + 1

    # ---------------------------------------------------------------- sends

    def act(self, s: int, t: int) -> None:
        """The strategy plays every planned hour whose (shifted) time is now."""
        sd = self.senders[s]
        if not sd.free(t):
            return
        while (due := sd.due()) is not None and due <= t:
            assert due == t, ("a planned send was skipped", s, due, t)
            rel = sd.plan[sd.next]
            sd.next += 1
            for send in self.strategies[s].sends(rel, self.view(s)):
                self.send(s, send, t)

    def send(self, s: int, send, t: int) -> None:
        if send.replicates is not None and not bool(np.asarray(send.replicates)[0]):
            return
        ranks = np.asarray(send.ranks)
        if ranks.ndim == 2:
            ranks = ranks[0]
        self.count[s]["effort_minutes"] += send.minutes
        for rank in ranks.tolist():
            if rank >= 0:
                self.post(s, self.ref.pair_offset[s] + rank, send.kind, send.minutes_each, t)

    def allowance(self, s: int, t: int) -> float:
        """Messages s may still deliver in hour t's calendar day and week."""
        ref, sd = self.ref, self.senders[s]
        out = math.inf
        if ref.daily_cap:
            day = t // DAY * DAY
            out = min(out, ref.daily_cap - sd.delivered_between(day, day + DAY - 1))
        if ref.weekly_cap:
            week = t // WEEK * WEEK
            out = min(out, ref.weekly_cap - sd.delivered_between(week, week + WEEK - 1))
        return out

    def post(self, s: int, pair: int, kind: int, minutes_each: float, t: int) -> None:
        """A new message: delivered now, or held (behind any older held message)."""
        if pair in self.unfollowed:
            return
        sd = self.senders[s]
        if sd.held or self.allowance(s, t) <= 0:
            sd.held.append((pair, kind, minutes_each))
            return
        self.deliver(s, pair, kind, minutes_each, t)

    def release_held(self, s: int, t: int) -> None:
        sd = self.senders[s]
        if not sd.held or not sd.free(t):
            return
        while sd.held:
            pair, kind, minutes_each = sd.held[0]
            if pair in self.unfollowed:
                sd.held.popleft()
                continue
            if self.allowance(s, t) <= 0:
                return
            sd.held.popleft()
            self.deliver(s, pair, kind, minutes_each, t)

    def deliver(self, s: int, pair: int, kind: int, minutes_each: float, t: int) -> None:
        c = self.count[s]
        c["messages_sent"] += 1
        self.senders[s].delivered[t] += 1
        if kind == PERSONAL:
            c["personal_notes"] += 1
        c["effort_minutes"] += minutes_each
        if self.on_deliver is not None:
            self.on_deliver(t, s, pair)
        ref = self.ref
        person = ref.pair_contact[pair]
        # rule 0: phi at delivery, from the messages delivered to this person before this one
        phi = self.phi(self.fatigue_count(person, t)) if ref.fatigue_on else 1.0
        msg = self.n_messages
        self.n_messages += 1
        self.received[person].append((t, msg))
        read_prob = ref.read_prob[pair] if kind == GENERIC else ref.read_prob_personal[pair]
        if self.rng.random() < read_prob * phi:  # rule 1
            when = t + self.delay()
            if when < ref.H:
                self.reads[when].append((pair, kind, t, msg))
                self.at(when)

    # ---------------------------------------------------------------- reads, word of mouth

    def read(self, pair: int, kind: int, sent: int, msg: int, t: int) -> None:
        ref = self.ref
        s, person = ref.pair_sender[pair], ref.pair_contact[pair]
        c = self.count[s]
        # rule 0 at the read: every other message delivered to this person up to this hour
        n = self.fatigue_count(person, t, but=msg) if ref.fatigue_on else 0.0
        phi = self.phi(n)
        q = ref.q_generic if kind == GENERIC else ref.q_note
        # rule 2
        level, since = self.annoyance.get(person, (0.0, t))
        level = level * 0.5 ** ((t - since) / ref.half_life)
        if kind == GENERIC:
            g = self.goodwill.get(pair, 0.0)
            level += (ref.inc_generic[pair] * (1.5 - q)
                      * (1.0 + ref.fatigue_annoyance_per_ask * n) * (1.0 - g))
        else:
            level += ref.inc_personal[pair] * (1.5 - q)
        self.annoyance[person] = (level, t)
        self.become_aware(s, person)
        if level > self.threshold_of(person):  # rule 3
            if pair not in self.pair_annoyed:
                self.pair_annoyed.add(pair)
                c["annoyed"] += 1
                if ref.close[pair]:
                    c["close_ties_annoyed"] += 1
            self.person_annoyed.add(person)
            if self.rng.random() < ref.report_prob[pair] and pair not in self.reported:
                self.reported.add(pair)
                c["reports"] += 1
                self.senders[s].reports.append((t, sent))
                self.senders[s].new_reports.append(sent)
            if self.rng.random() < ref.unfollow_prob[pair] and pair not in self.unfollowed:
                self.unfollowed.add(pair)
                c["unfollows"] += 1
                c["unfollows_weighted"] += ref.w[pair]
                if ref.close[pair]:
                    c["close_ties_lost"] += 1
        else:  # rule 4, chances scaled by quality (rule 6) and fatigue
            reply = ref.reply_generic[pair] if kind == GENERIC else ref.reply_personal[pair]
            reply = min(1.0, reply * (0.5 + q)) * phi
            if reply > 0 and self.rng.random() < reply:
                c["replies"] += 1
                self.senders[s].replied[sent] += 1
            p = ref.share_generic[pair] if kind == GENERIC else ref.share_personal[pair]
            p = min(1.0, p * (0.5 + q)) * phi
            if self.rng.random() < p and (s, person) not in self.shared:
                c["direct_supporters"] += 1
                self.share(s, person, t)
        if kind == PERSONAL:  # rule 5: from now on, this pair's generic asks are discounted
            self.goodwill[pair] = ref.goodwill[pair]

    def become_aware(self, s: int, person: int) -> bool:
        if (s, person) in self.aware:
            return False
        self.aware.add((s, person))
        self.count[s]["reach"] += 1
        hops = self.ref.distance[s].get(person, math.inf)
        self.count[s]["reach_hop1" if hops == 1 else "reach_hop2" if hops == 2
                     else "reach_hop3plus"] += 1
        return True

    def share(self, s: int, person: int, t: int) -> None:
        ref = self.ref
        self.shared.add((s, person))
        self.count[s]["supporters"] += 1
        for friend in ref.graph.neighbors(person):
            if friend == ref.senders[s]:
                continue
            if self.rng.random() < ref.exposure[person]:
                when = t + self.delay()
                if when < ref.H:
                    self.sees[when].append((s, friend))
                    self.at(when)

    def see(self, s: int, person: int, t: int) -> None:
        if not self.become_aware(s, person):
            return
        if self.rng.random() < self.ref.share_wom[person] and (s, person) not in self.shared:
            self.share(s, person, t)

    # ---------------------------------------------------------------- platform

    def platform(self, t: int) -> None:
        ref, rule = self.ref, self.ref.platform
        kind = ref.rule_kind
        if kind == "custom":
            hit = self.custom_rule(t)
        elif kind == "ResponseRateRule":
            hit = [t % DAY == DAY - 1 and sd.free(t) and self.low_response(sd, t)
                   for sd in self.senders]
        else:
            hit = [False] * ref.n_senders
            for s, sd in enumerate(self.senders):
                if not sd.new_reports or not sd.free(t):
                    continue
                if kind == "CountRule":
                    first = max(t - int(rule.window_hours) + 1, sd.last_lift)
                    n = sum(1 for h, _ in sd.reports if first <= h <= t)
                    hit[s] = n >= int(rule.max_reports)
                elif kind == "ReviewRule":  # each report upheld on its own
                    upheld = [self.rng.random() < float(rule.restrict_prob) for _ in sd.new_reports]
                    hit[s] = any(upheld)
                elif kind == "RateRule":  # each report one look at its delivery day
                    looks = [self.rng.random() < self.exceed_prob(sd, sent // DAY)
                             for sent in sd.new_reports]
                    hit[s] = any(looks)
        for s, sd in enumerate(self.senders):
            # a rule acts on a sender only in an hour with a new report against it (MODEL.md),
            # unless it acts without reports
            asked = bool(sd.new_reports) or ref.rule_acts_every_hour or kind == "ResponseRateRule"
            if hit[s] and asked and sd.free(t):
                self.restrict(s, t)
            sd.new_reports = []

    def low_response(self, sd: _Standing, t: int) -> bool:
        """The response_rate rule at the end of day d = t // 24: the sender's messages of the
        window's days that start at or after its last lift, and the replies to them so far."""
        rule = self.ref.platform
        d = t // DAY
        days = math.ceil(float(rule.window_hours) / DAY)
        first = max(d - days + 1, math.ceil(sd.last_lift / DAY))
        n = sd.delivered_between(first * DAY, d * DAY + DAY - 1) if first <= d else 0
        k = sd.replied_between(first * DAY, d * DAY + DAY - 1) if first <= d else 0
        return n > 0 and n >= int(rule.min_volume) and k / n < float(rule.min_response_rate)

    def exceed_prob(self, sd: _Standing, day: int) -> float:
        """P(theta > max_rate) for the day's k reports among n messages (end of this hour)."""
        rule = self.ref.platform
        since = sd.last_lift
        k = sum(1 for h, sent in sd.reports if sent // DAY == day and h >= since)
        n = sd.delivered_between(day * DAY, day * DAY + DAY - 1)
        a0 = float(rule.prior_rate) * float(rule.prior_messages)
        b0 = (1.0 - float(rule.prior_rate)) * float(rule.prior_messages)
        return float(stats.beta.sf(float(rule.max_rate), a0 + k, b0 + n - k))

    def custom_rule(self, t: int) -> list[bool]:
        """A rule of one's own, asked with this replicate's state (MODEL.md: PlatformState)."""
        ref, rule = self.ref, self.ref.platform
        S = ref.n_senders
        new = np.array([len(sd.new_reports) for sd in self.senders], dtype=np.int64)
        if not new.any() and not ref.rule_acts_every_hour:
            return [False] * S
        days = ref.H // DAY + 1
        day_reports = np.zeros((S, days), dtype=np.int64)
        day_delivered = np.zeros((S, days), dtype=np.int64)
        for s, sd in enumerate(self.senders):
            for _, sent in sd.reports:
                day_reports[s, sent // DAY] += 1
            for h, n in sd.delivered.items():
                day_delivered[s, h // DAY] += n

        def reports_in_last(hours):
            return np.array([sum(1 for h, _ in sd.reports
                                 if max(t - int(hours) + 1, sd.last_lift) <= h <= t)
                             for sd in self.senders])

        def delivered_in_last(hours):
            return np.array([sd.delivered_between(t - int(hours) + 1, t) for sd in self.senders])

        state = _State(
            hour=t, new_reports=new, reports_in_last=reports_in_last,
            delivered_in_last=delivered_in_last,
            report_sender=np.array([s for s, sd in enumerate(self.senders) for _ in sd.new_reports],
                                   dtype=np.int64),
            report_delivery_hour=np.array([h for sd in self.senders for h in sd.new_reports],
                                          dtype=np.int64),
            day_reports=day_reports, day_delivered=day_delivered,
            uniform=lambda: self.rng.random(S))
        return [bool(x) for x in np.asarray(rule.restrict(state), dtype=bool)]

    def restrict(self, s: int, t: int) -> None:
        """The sender's n-th restriction, imposed at the end of hour t."""
        sd, ladder = self.senders[s], self.ref.restriction_hours
        n = len(sd.blocks)
        if sd.restriction_hour is None:
            sd.restriction_hour = t
        if n < len(ladder) or (self.ref.after_last == "repeat" and ladder):
            length = ladder[min(n, len(ladder) - 1)]
            sd.lift = sd.last_lift = t + 1 + length
            sd.lag += length
            sd.blocks.append((t + 1, t + 1 + length))
        else:  # past the end of the ladder: for good
            sd.suspended_at = t
            sd.blocks.append((t + 1, math.inf))

    # ---------------------------------------------------------------- results

    def metrics(self) -> dict[str, float]:
        S, H = self.ref.n_senders, self.ref.H
        out = {k: sum(c[k] for c in self.count) / S for k in _COUNTERS if k != "effort_minutes"}
        out["effort_hours"] = sum(c["effort_minutes"] for c in self.count) / S / 60.0
        out["people_annoyed"] = float(len(self.person_annoyed))
        blocked = [sum(len(range(a, int(min(b, H)))) for a, b in sd.blocks) for sd in self.senders]
        out["restrictions"] = sum(len(sd.blocks) for sd in self.senders) / S
        out["restricted_hours"] = sum(blocked) / S
        out["restricted"] = sum(bool(sd.blocks) for sd in self.senders) / S
        out["suspended"] = sum(sd.suspended_at is not None for sd in self.senders) / S
        first = self.senders[0]
        out["restriction_hour"] = (float("nan") if first.restriction_hour is None
                                   else float(first.restriction_hour))
        out["suspension_hour"] = (float("nan") if first.suspended_at is None
                                  else float(first.suspended_at))
        return out


class _State:
    """What a rule of one's own may look at (the attributes MODEL.md lists), for one replicate:
    arrays over its senders."""

    def __init__(self, **values):
        self.__dict__.update(values)


class Reference:
    """The inputs of a run, unpacked into plain Python lists once."""

    def __init__(self, network, population, make_strategy, platform, enforcement, horizon_hours,
                 half_life_hours, start_hours=None, quality=None):
        pop = self.pop = population
        self.graph = to_nx(network)
        self.make_strategy = make_strategy
        self.platform = platform
        name = type(platform).__name__
        self.rule_kind = name if name in ("NoRule", "CountRule", "ReviewRule", "RateRule",
                                          "ResponseRateRule") else "custom"
        self.rule_acts_every_hour = (self.rule_kind == "custom"
                                     and bool(getattr(platform, "acts_without_reports", False)))
        self.restriction_hours = [int(round(h)) for h in enforcement.restriction_hours]
        self.after_last = str(getattr(enforcement, "after_last", "permanent"))
        assert self.after_last in ("permanent", "repeat"), self.after_last
        self.daily_cap, self.weekly_cap = int(enforcement.daily_cap), int(enforcement.weekly_cap)
        self.H = int(horizon_hours)
        self.half_life = float(half_life_hours)
        self.senders = pop.senders.tolist()
        self.n_senders = len(self.senders)
        self.start_hours = [0.0] * self.n_senders if start_hours is None else list(start_hours)
        self.pair_offset = pop.pair_offset.tolist()
        self.pair_sender = pop.pair_sender.tolist()
        self.pair_contact = pop.pair_contact.tolist()
        self.contact_ids = [network.node_id(c) for c in self.pair_contact]  # what a plan names
        self.w = pop.tie_strength.tolist()
        self.close = pop.close.tolist()
        self.read_prob = pop.read_prob.tolist()
        self.inc_generic = pop.annoyance_generic.tolist()
        self.inc_personal = pop.annoyance_personal.tolist()
        self.share_generic = pop.share_generic.tolist()
        self.share_personal = pop.share_personal.tolist()
        self.report_prob = pop.report_prob.tolist()
        self.unfollow_prob = pop.unfollow_prob.tolist()
        self.exposure = pop.exposure.tolist()
        self.share_wom = pop.share_word_of_mouth.tolist()
        # the rules of issue 12, read with defaults that turn them off when a population lacks
        # them: the read chance of a note, replies, goodwill per pair, fatigue, quality
        def per_pair(name, default):
            return np.asarray(getattr(pop, name, default), dtype=float).tolist()

        zeros = np.zeros(len(self.w))
        self.read_prob_personal = per_pair("read_prob_personal", pop.read_prob)
        self.reply_generic = per_pair("reply_generic", zeros)
        self.reply_personal = per_pair("reply_personal", zeros)
        self.goodwill = per_pair("goodwill", zeros)
        self.fatigue_per_ask = float(getattr(pop, "fatigue_per_ask", 0.0))
        self.fatigue_annoyance_per_ask = float(getattr(pop, "fatigue_annoyance_per_ask", 0.0))
        self.fatigue_half_life = float(getattr(pop, "fatigue_half_life_hours", 168.0))
        self.fatigue_on = self.fatigue_per_ask != 0 or self.fatigue_annoyance_per_ask != 0
        self.q_generic, self.q_note = (0.5, 0.5) if quality is None else map(float, quality)
        # breadth-first distance from each sender to everyone it can reach (reach by hops)
        self.distance = [dict(nx.single_source_shortest_path_length(self.graph, node))
                         for node in self.senders]

    def replicate(self, rng: np.random.Generator, on_deliver=None) -> dict[str, float]:
        rep = _Replicate(self, rng, on_deliver)
        rep.run()
        return rep.metrics()


def run_reference(network, population, make_strategy, platform, enforcement, *, horizon_hours,
                  half_life_hours, replicates, rng, start_hours=None, on_deliver=None,
                  quality=None) -> dict[str, np.ndarray]:
    """Per-replicate metrics (name -> array of length `replicates`), as Engine.result().

    make_strategy: a callable returning a fresh strategy object (one per sender per
    replicate, since strategies such as staggered keep a queue). enforcement: the restriction
    ladder and caps (``restriction_hours``, ``daily_cap``, ``weekly_cap``, ``after_last``).
    on_deliver: called as on_deliver(hour, sender, replicate, pair) for every message
    delivered. quality: (q_generic, q_note), default (0.5, 0.5)."""
    ref = Reference(network, population, make_strategy, platform, enforcement, horizon_hours,
                    half_life_hours, start_hours, quality)
    rows = []
    for i in range(int(replicates)):
        hook = None if on_deliver is None else (
            lambda t, s, pair, i=i: on_deliver(t, s, i, pair))
        rows.append(ref.replicate(rng, hook))
    return {k: np.array([r[k] for r in rows], dtype=float) for k in METRICS}


def run_reference_scenario(scenario, replicates: int, rng: np.random.Generator,
                           population=None, enforcement=None, **options) -> dict[str, np.ndarray]:
    """Same as run_reference, taking the pieces from a built ``sim.engine.Scenario``
    (optionally with another population or enforcement, e.g. a deliberately perturbed one).
    options: on_deliver."""
    return run_reference(
        scenario.network, population if population is not None else scenario.population,
        scenario.strategy_factory, scenario.platform,
        enforcement if enforcement is not None else scenario.enforcement,
        horizon_hours=scenario.horizon_hours, half_life_hours=scenario.half_life_hours,
        replicates=replicates, rng=rng, start_hours=scenario.start_hours,
        quality=getattr(scenario, "quality", None), **options,
    )
