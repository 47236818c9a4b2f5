"""The outreach rules written the way a Mesa user would: one Python object per person, one
random draw per decision, an hour-by-hour model step. The baseline of `make bench`.

It implements the rules of docs/MODEL.md for a single sender and the ``generic_blast``
strategy (the benchmark scenario): reads, annoyance, reports, unfollows, replies, shares and
word of mouth, fatigue (rule 0) and the generic message's quality (rule 6; a blast sends no
notes, so goodwill never applies), reading each person's attributes from the same
``Population`` the engine uses, so both simulate the same people, and the platform rules
with the new restrictions: the ``none``, ``count`` (the benchmark's), ``review`` and ``rate``
rules, temporary restrictions escalating along ``platform.restriction_hours`` (past its end:
a suspension), the strategy's planned hours shifted by the restrictions so far, reports from
before a lift spent, and the daily and weekly caps (messages over a cap held, in order, for
the next calendar day). It is deliberately plain, but not a straw man:

* ``activation="events"`` (default) steps only the people who have a message or a share due
  this hour, from a calendar of pending events; ``activation="all"`` is the textbook
  ``self.agents.shuffle_do("step")`` where every person checks their inbox every hour.
* neighbour lists come from the shared CSR graph instead of a ``mesa.discrete_space.Network``
  built per replicate (which would add its construction time to every replicate).
* draws use ``self.random`` (Python's ``random``), the cheapest scalar generator.

Mesa 3.5 API: ``Model(rng=...)``, ``self.agents`` (an AgentSet).
"""

from __future__ import annotations

import math
from collections import defaultdict, deque

import mesa
from scipy.special import betainc

GENERIC = 0


class Person(mesa.Agent):
    """Someone in the sender's network: reads, gets annoyed, reports, unfollows, shares."""

    def __init__(self, model: "OutreachABM", node: int):
        super().__init__(model)
        self.node = node
        self.aware = False
        self.shared = False
        self.annoyance = 0.0
        self.annoyance_hour = 0
        self.annoyed = False
        self.threshold = None  # drawn when a sender's message first needs it
        self.recent = 0.0  # asks received recently (rule 0), as of recent_hour
        self.recent_hour = 0
        self.inbox = []  # ("read", pair, kind, sent) or ("see",) due this hour (activation="all")

    # -- the rules -------------------------------------------------------------------------

    def read(self, pair: int, kind: int, sent: int) -> None:
        m, pop, t = self.model, self.model.pop, self.model.hour
        if self.threshold is None:
            self.threshold = m.draw_threshold()
        decay = 2.0 ** (-(t - self.annoyance_hour) / m.half_life)
        inc = pop.annoyance_generic[pair] if kind == GENERIC else pop.annoyance_personal[pair]
        # the other asks received recently: all delivered so far but this one
        n = max(0.0, self.recent_now() - 2.0 ** (-(t - sent) / pop.fatigue_half_life_hours))
        phi = 1.0 / (1.0 + pop.fatigue_per_ask * n)
        boost = 1.0 + pop.fatigue_annoyance_per_ask * n if kind == GENERIC else 1.0
        self.annoyance = self.annoyance * decay + inc * m.annoy_factor * boost
        self.annoyance_hour = t
        self.become_aware()
        if self.annoyance > self.threshold:
            if pair not in m.pair_annoyed:
                m.pair_annoyed.add(pair)
                m.counts["annoyed"] += 1
            self.annoyed = True
            if self.random.random() < pop.report_prob[pair] and pair not in m.reported:
                m.reported.add(pair)
                m.counts["reports"] += 1
                m.reports.append((t, sent))
                m.new_reports.append(sent)
            if self.random.random() < pop.unfollow_prob[pair] and pair not in m.unfollowed:
                m.unfollowed.add(pair)
                m.counts["unfollows"] += 1
                if pop.close[pair]:
                    m.counts["close_ties_lost"] += 1
        else:
            p_reply = pop.reply_generic[pair] if kind == GENERIC else pop.reply_personal[pair]
            if self.random.random() < min(1.0, p_reply * m.chance_factor) * phi:
                m.counts["replies"] += 1
            p_share = pop.share_generic[pair] if kind == GENERIC else pop.share_personal[pair]
            if self.random.random() < min(1.0, p_share * m.chance_factor) * phi and not self.shared:
                m.counts["direct_supporters"] += 1
                self.share()

    def recent_now(self) -> float:
        """The recent-ask count decayed to this hour (halving every fatigue half-life)."""
        t, half = self.model.hour, self.model.pop.fatigue_half_life_hours
        return self.recent * 2.0 ** (-(t - self.recent_hour) / half)

    def receive(self) -> float:
        """A message delivered now: the fatigue factor of its read chance, then count it."""
        before = self.recent_now()
        self.recent, self.recent_hour = before + 1.0, self.model.hour
        return 1.0 / (1.0 + self.model.pop.fatigue_per_ask * before)

    def see_share(self) -> None:
        if self.aware:
            return
        self.become_aware()
        if self.random.random() < self.model.pop.share_word_of_mouth[self.node] and not self.shared:
            self.share()

    def become_aware(self) -> None:
        if not self.aware:
            self.aware = True
            self.model.counts["reach"] += 1

    def share(self) -> None:
        """Post once: each connection except the sender sees it with this person's exposure
        probability, after the viewer's own read delay."""
        m = self.model
        self.shared = True
        m.counts["supporters"] += 1
        p = m.pop.exposure[self.node]
        for friend in m.neighbours[self.node]:
            if friend != m.sender_node and self.random.random() < p:
                m.schedule(m.hour + m.read_delay(), m.people[friend], ("see",))

    def step(self) -> None:  # activation="all": handle what is due now
        while self.inbox:
            event = self.inbox.pop(0)
            if event[0] == "read":
                self.read(event[1], event[2], event[3])
            else:
                self.see_share()


class Sender(mesa.Agent):
    """Sends one generic message to every contact at its planned hour 0; its standing with the
    platform: restrictions, the lag of its plan, its held messages."""

    PLAN = (0,)  # generic_blast: planned hours, relative to the start

    def __init__(self, model: "OutreachABM", node: int):
        super().__init__(model)
        self.node = node
        self.next = 0  # index of the next planned hour
        self.lag = 0  # lengths of all restrictions so far: the plan runs this late
        self.lift = 0  # first hour it may send again
        self.last_lift = 0  # reports before this hour are spent
        self.restrictions = 0
        self.restricted_hours = 0
        self.restriction_hour = None
        self.suspended = False
        self.held = deque()  # pairs over a volume cap, in order
        self.delivered_by_hour = defaultdict(int)

    def free(self, t: int) -> bool:
        return not self.suspended and self.lift <= t

    def act(self) -> None:
        m = self.model
        if not self.free(m.hour):
            return
        self.release_held()
        while self.next < len(self.PLAN) and self.PLAN[self.next] + self.lag == m.hour:
            self.next += 1
            for pair in range(m.pop.n_pairs):  # the blast, strongest tie first
                self.post(pair)

    def allowance(self) -> float:
        m, t = self.model, self.model.hour
        left = math.inf
        for cap, length in ((m.daily_cap, 24), (m.weekly_cap, 168)):
            if cap:
                first = t // length * length
                left = min(left, cap - sum(self.delivered_by_hour.get(h, 0) for h in range(first, t + 1)))
        return left

    def post(self, pair: int) -> None:
        if pair in self.model.unfollowed:
            return
        if self.held or self.allowance() <= 0:
            self.held.append(pair)
        else:
            self.deliver(pair)

    def release_held(self) -> None:
        while self.held:
            if self.held[0] in self.model.unfollowed:
                self.held.popleft()
            elif self.allowance() > 0:
                self.deliver(self.held.popleft())
            else:
                return

    def deliver(self, pair: int) -> None:
        m, pop = self.model, self.model.pop
        m.counts["messages_sent"] += 1
        self.delivered_by_hour[m.hour] += 1
        person = m.people[int(pop.pair_contact[pair])]
        if self.random.random() < pop.read_prob[pair] * person.receive():
            m.schedule(m.hour + m.read_delay(), person, ("read", pair, GENERIC, m.hour))

    def restrict(self) -> None:
        """Restricted at the end of this hour: the n-th restriction lasts ladder[n] hours;
        past the ladder, for good."""
        m, t = self.model, self.model.hour
        if self.restriction_hour is None:
            self.restriction_hour = t
        if self.restrictions < len(m.ladder):
            hours = m.ladder[self.restrictions]
            self.lift = self.last_lift = t + 1 + hours
            self.lag += hours
            self.restricted_hours += min(t + 1 + hours, m.H) - (t + 1)
        else:
            self.suspended = True
            self.restricted_hours += m.H - (t + 1)
            m.suspension_hour = t
        self.restrictions += 1


class OutreachABM(mesa.Model):
    """One replicate of the generic blast; ``run()`` steps to the horizon."""

    def __init__(self, scenario, seed: int, activation: str = "events"):
        super().__init__(rng=seed)
        self.random.seed(seed)
        pop, net = scenario.population, scenario.network
        self.pop, self.net = pop, net
        self.H, self.half_life = int(scenario.horizon_hours), float(scenario.half_life_hours)
        q = float(scenario.quality[0])  # the generic message's quality (rule 6)
        self.chance_factor, self.annoy_factor = 0.5 + q, 1.5 - q
        self.platform = scenario.platform
        self.rule = type(scenario.platform).__name__  # NoRule, CountRule, ReviewRule, RateRule
        enforcement = scenario.enforcement
        self.ladder = [int(round(h)) for h in enforcement.restriction_hours]
        self.daily_cap, self.weekly_cap = int(enforcement.daily_cap), int(enforcement.weekly_cap)
        self.activation = activation
        self.neighbours = scenario_neighbours(scenario)
        self.sender_node = int(pop.senders[0])
        self.sender = Sender(self, self.sender_node)
        self.people = {i: Person(self, i) for i in range(net.n_nodes) if i != self.sender_node}
        self.counts = defaultdict(int)
        self.pair_annoyed, self.unfollowed, self.reported = set(), set(), set()
        self.reports = []  # (hour, delivery hour of the reported message)
        self.new_reports = []  # delivery hours of this hour's reports
        self.calendar = defaultdict(list)  # hour -> [(person, event)]
        self.hour = 0
        self.suspension_hour = None

    # -- helpers ---------------------------------------------------------------------------

    def draw_threshold(self) -> float:
        pop = self.pop
        if pop.threshold_sigma == 0:
            return float(pop.threshold_median)
        return self.random.lognormvariate(math.log(pop.threshold_median), pop.threshold_sigma)

    def read_delay(self) -> int:
        d = self.pop.read_delay
        if d.dist == "constant" or d.mean_hours == 0:
            return int(round(d.mean_hours))
        if d.dist == "exponential":
            return int(round(self.random.expovariate(1.0 / d.mean_hours)))
        mu = math.log(d.mean_hours) - d.sigma**2 / 2
        return int(round(self.random.lognormvariate(mu, d.sigma)))

    def schedule(self, hour: int, person: Person, event: tuple) -> None:
        if hour < self.H:
            self.calendar[hour].append((person, event))

    # -- the hour --------------------------------------------------------------------------

    def step(self) -> None:
        self.sender.act()
        while self.calendar.get(self.hour):
            due = self.calendar.pop(self.hour)
            # reads of the sender's message first, then shares seen (the engine's order)
            due.sort(key=lambda item: item[1][0] != "read")
            if self.activation == "events":
                for person, event in due:
                    if event[0] == "read":
                        person.read(event[1], event[2], event[3])
                    else:
                        person.see_share()
            else:
                for person, event in due:
                    person.inbox.append(event)
                self.agents.select(agent_type=Person).shuffle_do("step")
        self.apply_platform_rule()
        self.hour += 1

    def apply_platform_rule(self) -> None:
        """At the end of the hour, on new reports against a free sender."""
        new, self.new_reports = self.new_reports, []
        sender, rule, t = self.sender, self.platform, self.hour
        if not new or not sender.free(t) or self.rule == "NoRule":
            return
        if self.rule == "CountRule":
            first = max(t - rule.window_hours + 1, sender.last_lift)  # none before the lift
            hit = sum(1 for h, _ in self.reports if first <= h <= t) >= rule.max_reports
        elif self.rule == "ReviewRule":
            hit = any(self.random.random() < rule.restrict_prob for _ in new)
        elif self.rule == "RateRule":
            hit = any(self.random.random() < self.exceed_prob(sent // 24) for sent in new)
        else:
            raise ValueError(f"{self.rule}: not a rule this model knows")
        if hit:
            sender.restrict()

    def exceed_prob(self, day: int) -> float:
        """P(the day's spam rate > max_rate) under the Beta posterior of the rate rule: k the
        day's reports since the last lift (reports before it are spent), n its messages."""
        rule = self.platform
        k = sum(1 for h, sent in self.reports if sent // 24 == day and h >= self.sender.last_lift)
        n = sum(self.sender.delivered_by_hour.get(h, 0) for h in range(24 * day, 24 * day + 24))
        a = rule.prior_rate * rule.prior_messages + k
        b = (1 - rule.prior_rate) * rule.prior_messages + n - k
        return float(1.0 - betainc(a, b, rule.max_rate))

    def run(self) -> dict:
        while self.hour < self.H:
            self.step()
        out = {k: float(self.counts[k]) for k in ("reach", "supporters", "direct_supporters",
                                                  "unfollows", "close_ties_lost", "annoyed",
                                                  "reports", "messages_sent", "replies")}
        out["suspended"] = float(self.sender.suspended)
        out["restrictions"] = float(self.sender.restrictions)
        out["restricted"] = float(self.sender.restrictions > 0)
        out["restricted_hours"] = float(self.sender.restricted_hours)
        return out


_NEIGHBOURS: dict[int, list] = {}


def scenario_neighbours(scenario) -> list[list[int]]:
    """Per-node neighbour lists, built once per graph and shared by all replicates."""
    net = scenario.network
    key = id(net)
    if key not in _NEIGHBOURS:
        _NEIGHBOURS.clear()
        ind = net.indices.tolist()
        ptr = net.indptr.tolist()
        _NEIGHBOURS[key] = [ind[ptr[i]:ptr[i + 1]] for i in range(net.n_nodes)]
    return _NEIGHBOURS[key]


def run_replicates(scenario, n: int, seed: int = 0, activation: str = "events") -> list[dict]:
    """n independent replicates (seeds seed, seed + 1, ...), each a fresh model."""
    return [OutreachABM(scenario, seed + i, activation).run() for i in range(n)]
