"""Invariants every run must hold, on random small graphs, populations, strategies and
platform rules (hypothesis), checked against independent bookkeeping: the deliveries the
engine reports through its on_deliver hook, the state at the end of each hour, the sender's
connected component computed by scipy. Plus: same seed, same numbers; a batch of R
replicates gives exactly the replicates of R runs of one (each replicate's numbers are its
own keyed draws); the edge-list parser on random bytes either parses or raises NetworkError."""

import copy
import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf
from scipy.sparse.csgraph import connected_components

from sim.config import compose
from sim.engine.engine import SERIES, Engine
from sim.network import NetworkError, from_edges
from sim.network.edgelist import load_edgelist
from sim.engine.scenario import build_scenario, seed_streams
from sim.engine.simulate import simulate

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.lru_cache(maxsize=None)
def base(population, strategy, platform):
    return compose([f"population={population}", f"strategy={strategy}", f"platform={platform}",
                    "output.progress=false"])


def config(population, strategy, platform, values):
    cfg = copy.deepcopy(base(population, strategy, platform))
    for key, value in values.items():
        OmegaConf.update(cfg, key, value, merge=False)
    return cfg


# --------------------------------------------------------------------------- random scenarios

probs = st.floats(0.0, 1.0)


@st.composite
def graphs(draw, min_contacts=1):
    n = draw(st.integers(min_contacts + 1, 24))
    node = st.integers(0, n - 1)
    pairs = draw(st.lists(st.tuples(node, node), max_size=3 * n))
    contacts = range(1, min_contacts + 1)  # the sender has at least min_contacts contacts
    u = np.array([0 for _ in contacts] + [a for a, _ in pairs], dtype=np.int64)
    v = np.array(list(contacts) + [b for _, b in pairs], dtype=np.int64)
    return from_edges(u, v, n, sender=0, name="random")


@st.composite
def populations(draw):
    if draw(st.booleans()):
        return "homogeneous", {
            "population.tie_strength": draw(probs), "population.read_prob": draw(probs),
            "population.share_prob": draw(probs), "population.exposure_prob": draw(probs),
            "population.report_prob": draw(probs), "population.unfollow_prob": draw(probs),
            "population.annoyance_threshold": draw(st.floats(0, 2)),
            "population.annoyance_generic": draw(st.floats(0, 2)),
            "population.annoyance_personal": draw(st.floats(-1, 2)),
            "population.read_delay_hours": draw(st.integers(0, 6)),
        }
    # the default population with small changes (more reports and shares than the story)
    return "default", {
        "population.threshold_median": draw(st.floats(0.2, 3)),
        "population.report_prob": draw(probs), "population.unfollow_prob": draw(probs),
        "population.exposure_prob": draw(probs),
        "population.share_prob_word_of_mouth": draw(probs),
        "population.read_delay.dist": draw(st.sampled_from(["exponential", "constant", "lognormal"])),
        "population.read_delay.mean_hours": draw(st.floats(0, 12)),
        "population.tie_strength": {"from": draw(st.sampled_from(["beta", "overlap", "embeddedness"])),
                                    "a": 1.5, "b": 6.0},
    }


@st.composite
def strategies(draw, n_contacts):
    name = draw(st.sampled_from(["generic_blast", "personal_first", "staggered", "blast_then_personal"]))
    v = {}
    if name in ("personal_first", "blast_then_personal"):
        v = {"strategy.k": draw(st.integers(0, n_contacts)),
             "strategy.notes_per_day": draw(st.integers(1, 4)),
             "strategy.delay_hours": draw(st.integers(0, 60))}
    elif name == "staggered":
        v = {"strategy.batch_size": draw(st.integers(1, 5)),
             "strategy.interval_hours": draw(st.integers(1, 30)),
             "strategy.order": draw(st.sampled_from(["strongest_first", "random", "weakest_first"])),
             "strategy.adaptive_pause": draw(st.booleans()),
             "strategy.pause_reports": draw(st.integers(1, 2)),
             "strategy.pause_window_hours": draw(st.integers(1, 48))}
    return name, v


@st.composite
def platforms(draw):
    rule = draw(st.sampled_from(["none", "count", "rate", "review"]))
    common = {"platform.restriction_hours": draw(st.lists(st.integers(1, 48), max_size=3)),
              "platform.daily_cap": draw(st.sampled_from([0, 0, 1, 3])),
              "platform.weekly_cap": draw(st.sampled_from([0, 0, 5]))}
    if rule == "count":
        return rule, {**common, "platform.max_reports": draw(st.integers(1, 3)),
                      "platform.window_hours": draw(st.integers(1, 48))}
    if rule == "rate":
        return rule, {**common, "platform.max_rate": draw(st.floats(0.0, 1)),
                      "platform.prior_messages": draw(st.floats(1, 1000))}
    if rule == "review":
        return rule, {**common, "platform.restrict_prob": draw(probs)}
    return rule, common


@st.composite
def scenarios(draw):
    net = draw(graphs())
    pop, pv = draw(populations())
    strat, sv = draw(strategies(int(net.degree()[0])))
    plat, plv = draw(platforms())
    values = {"horizon_hours": draw(st.integers(12, 120)), "seed": draw(st.integers(0, 2**31)),
              "replicates": draw(st.integers(1, 6)), "close_ties": draw(st.integers(0, 3)),
              **pv, **sv, **plv}
    values["engine.batch_size"] = values["replicates"]
    cfg = config(pop, strat, plat, values)
    return cfg, net


# --------------------------------------------------------------------------- invariants

def component_size(net, node):
    _, labels = connected_components(net.adjacency(), directed=False)
    return int((labels == labels[node]).sum())


def run_watched(sc, R, seed):
    """Run hour by hour, recording deliveries and the state before each hour."""
    eng = Engine(sc, R, seed)
    log = []
    eng.on_deliver = lambda t, s, r, pair: log.append((t, s, r.copy(), pair.copy()))
    unf, susp, until = eng.unfollowed.copy(), eng.suspended.copy(), eng.restricted_until.copy()
    while eng.hour < eng.H:
        first = len(log)
        eng.step()
        for t, s, r, pair in log[first:]:
            assert not unf[r * eng.P + pair].any(), "delivered to a contact who had unfollowed"
            assert not susp[r * eng.S + s].any(), "delivered by a suspended sender"
            assert not (until[r * eng.S + s] > t).any(), "delivered by a restricted sender"
        assert np.all(eng.unfollowed >= unf) and np.all(eng.suspended >= susp)  # never undone
        unf, susp, until = eng.unfollowed.copy(), eng.suspended.copy(), eng.restricted_until.copy()
    return eng, log, eng.result()


@st.composite
def unfollow_scenarios(draw):
    """Everyone gets a generic message, then a personal note: strangers who are annoyed by
    the first and unfollow must not get the second."""
    net = draw(graphs(min_contacts=3))
    values = {
        "population.tie_strength": draw(st.floats(0, 0.3)), "population.read_prob": draw(st.floats(0.5, 1)),
        "population.annoyance_threshold": draw(st.floats(0, 0.5)),
        "population.annoyance_generic": draw(st.floats(0.8, 2)),
        "population.unfollow_prob": draw(st.floats(0.3, 1)), "population.report_prob": draw(probs),
        "population.read_delay_hours": draw(st.integers(0, 3)),
        "strategy.k": int(net.degree()[0]), "strategy.notes_per_day": draw(st.integers(1, 3)),
        "strategy.delay_hours": draw(st.integers(0, 24)),
        "horizon_hours": 96, "replicates": 4, "engine.batch_size": 4, "close_ties": 1,
        "seed": draw(st.integers(0, 2**31)),
    }
    return config("homogeneous", "blast_then_personal", "none", values), net


@st.composite
def suspension_scenarios(draw):
    """Personal notes a few a day while reports come in: a suspended sender's later notes
    (and its generic message) must not go out."""
    net = draw(graphs(min_contacts=4))
    values = {
        "population.read_prob": draw(st.floats(0.5, 1)), "population.annoyance_threshold": 0.0,
        "population.annoyance_generic": 1.0, "population.annoyance_personal": draw(st.floats(0.1, 1)),
        "population.report_prob": draw(st.floats(0.2, 1)),
        "population.read_delay_hours": draw(st.integers(0, 12)),
        "strategy.k": draw(st.integers(1, int(net.degree()[0]))),
        "strategy.notes_per_day": draw(st.integers(1, 2)), "strategy.delay_hours": draw(st.integers(0, 24)),
        "platform.max_reports": draw(st.integers(1, 2)), "platform.window_hours": draw(st.integers(1, 96)),
        "horizon_hours": 120, "replicates": 4, "engine.batch_size": 4, "close_ties": 1,
        "seed": draw(st.integers(0, 2**31)),
    }
    return config("homogeneous", "personal_first", "count", values), net


@FAST
@given(scenarios())
def test_every_run_keeps_the_invariants(case):
    check_invariants(*case)


@settings(max_examples=25, deadline=None)
@given(unfollow_scenarios())
def test_no_message_after_unfollowing(case):
    check_invariants(*case)


@settings(max_examples=25, deadline=None)
@given(suspension_scenarios())
def test_no_message_after_suspension(case):
    check_invariants(*case)


def check_invariants(cfg, net):
    sc = build_scenario(cfg, network=net)
    R = int(cfg.replicates)
    eng, log, res = run_watched(sc, R, seed_streams(cfg.seed)["dynamics"])
    m = res.metrics
    P = eng.P

    # deliveries seen by the hook are the messages counted as sent
    delivered = np.zeros((R, P), dtype=np.int64)
    for _, _, r, pair in log:
        np.add.at(delivered, (r, pair), 1)
    assert np.array_equal(delivered.sum(axis=1), m["messages_sent"])

    # the volume caps hold in every calendar day and week, for every sender
    enf = sc.enforcement
    for cap, length in ((enf.daily_cap, 24), (enf.weekly_cap, 168)):
        if cap:
            per = {}
            for t, s, r, _ in log:
                for rr in r.tolist():
                    per[(rr, s, t // length)] = per.get((rr, s, t // length), 0) + 1
            assert max(per.values(), default=0) <= cap, (cap, length)

    # restrictions: the risks are 0/1 per sender, a suspension is a restriction, restricted
    # hours fit in the horizon, and one past the ladder is a suspension
    assert np.all(m["suspended"] <= m["restricted"]) and np.all(m["restricted_hours"] <= eng.H)
    ladder = len(enf.restriction_hours)
    assert np.array_equal(eng.suspended, eng.restrictions > ladder)

    # a contact reports a sender at most once, and only when annoyed: reports never exceed
    # annoyed readers, whatever the number of messages per contact
    assert np.all(m["reports"] <= m["annoyed"])
    reported = eng.pair_reported.reshape(R, P)
    assert np.array_equal(reported.sum(axis=1), m["reports"])
    assert not np.any(reported & ~eng.pair_annoyed.reshape(R, P))

    # reach stays inside the sender's component, minus the sender
    assert np.all(m["reach"] <= component_size(net, net.sender) - 1)
    for a, b in (("supporters", "reach"), ("annoyed", "reach"), ("direct_supporters", "supporters"),
                 ("unfollows", "annoyed"), ("close_ties_lost", "unfollows"),
                 ("close_ties_annoyed", "annoyed"), ("personal_notes", "messages_sent")):
        assert np.all(m[a] <= m[b]), (a, b)

    # cumulative series never decrease and end at the totals
    series = res.series
    assert np.all(np.diff(series, axis=0) >= 0)
    for j, name in enumerate(SERIES):
        assert np.allclose(series[-1, j], m[name]), name


@settings(max_examples=10, deadline=None)
@given(scenarios())
def test_same_seed_same_numbers(case):
    cfg, net = case
    a = simulate(cfg, scenario=build_scenario(cfg, network=net))
    b = simulate(cfg, scenario=build_scenario(cfg, network=net))
    pd.testing.assert_frame_equal(a.replicates, b.replicates)
    assert np.array_equal(a.series, b.series)


# --------------------------------------------------------------------------- batch vs single runs

SAME = [
    # word of mouth on a small random graph, no suspension: reach and supporters vary
    ("default", "generic_blast", "none",
     {"network.n": 150, "network.mean_degree": 12.0, "network.sender": "max_degree",
      "population.exposure_prob": 0.3, "population.share_prob_base": 0.2,
      "population.share_prob_word_of_mouth": 0.2, "population.threshold_median": 1.0,
      "population.report_prob": 0.2}),
    # staggered in random order with adaptive pauses and a count rule: the sender's own state
    # feeds back; and lognormal read delays
    ("default", "staggered", "count",
     {"network.n": 150, "network.mean_degree": 12.0, "network.sender": "max_degree",
      "population.report_prob": 0.3, "population.threshold_median": 1.0,
      "population.read_delay.dist": "lognormal", "population.read_delay.mean_hours": 3.0,
      "strategy.batch_size": 4, "strategy.interval_hours": 6, "strategy.order": "random",
      "strategy.adaptive_pause": True, "strategy.pause_window_hours": 12,
      "platform.max_reports": 2, "platform.window_hours": 48}),
    # read delay 0: the whole cascade of an hour in one compiled pass
    ("homogeneous", "personal_first", "rate",
     {"network.n": 150, "network.mean_degree": 12.0, "network.sender": "max_degree",
      "population.read_prob": 0.7, "population.share_prob": 0.3, "population.exposure_prob": 0.3,
      "population.report_prob": 0.05, "population.unfollow_prob": 0.2, "strategy.k": 6,
      "strategy.notes_per_day": 2, "platform.prior_messages": 20.0, "platform.max_rate": 0.05}),
]


@pytest.mark.parametrize("population, strategy, platform, values", SAME,
                         ids=["shares", "feedback", "same_hour"])
def test_batch_size_does_not_change_the_numbers(population, strategy, platform, values):
    """R replicates in one batch, in batches of 7 and in batches of one: the same replicates
    and hourly series, bit for bit (replicate r draws from its own key, whatever batch it is
    in); and the replicates differ from each other (no numbers shared between replicates)."""
    R = 120
    common = {"horizon_hours": 96, "replicates": R, "close_ties": 5, "seed": 11, **values}
    cfg = compose(["network=erdos_renyi", f"population={population}", f"strategy={strategy}",
                   f"platform={platform}", "output.progress=false"])
    for k, v in common.items():
        OmegaConf.update(cfg, k, v, merge=False)
    runs = {}
    for size in (R, 7, 1):
        OmegaConf.update(cfg, "engine.batch_size", size, merge=False)
        runs[size] = simulate(cfg)
    for size in (7, 1):
        pd.testing.assert_frame_equal(runs[R].replicates, runs[size].replicates, check_exact=True)
        assert np.array_equal(runs[R].series, runs[size].series)
    df = runs[R].replicates
    assert df["reach"].std() > 0 and df["supporters"].std() > 0
    assert df["reach"].nunique() > 5


# --------------------------------------------------------------------------- edge-list parser fuzz

@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from([b"1 2", b"2 3\n", b"# c\n", b"a b\n", b"1,2,0.5\n", b"\n", b"\t",
                              b"1 2 x\n", b"-1 4\n", b"\xff\xfe", b"3 3\n", b"1e3 2\n"]),
             max_size=12).map(b"".join),
))
def test_edgelist_parser_on_random_bytes_parses_or_raises_network_error(tmp_path, data):
    path = tmp_path / "edges.txt"
    path.write_bytes(data)
    try:
        net = load_edgelist(path, directed=False)
    except NetworkError as exc:
        assert "\n" not in str(exc).strip(), "one line"
        return
    n = net.n_nodes
    assert n >= 1 and len(net.indptr) == n + 1 and net.indptr[-1] == len(net.indices)
    assert np.all((net.indices >= 0) & (net.indices < n))


@pytest.mark.parametrize("data", [b"\x01", b"H\x19", b'"1\n2 3\n', b'""\n# c\n'],
                         ids=["one-byte", "one-field", "open-quote", "empty-quotes"])
def test_edgelist_known_crashes(tmp_path, data):
    """Inputs the fuzz test found (they used to crash the loader with IndexError): each now
    gets the tool's own one-line error."""
    path = tmp_path / "edges.txt"
    path.write_bytes(data)
    with pytest.raises(NetworkError):
        load_edgelist(path, directed=False)
