"""The web app's parts that need no browser: the network layout, the controls' mapping to
config overrides, the pictures (cached-bitmap drawing against a full redraw) and the numbers
shown against the engine. The page itself is tested in a real browser in test_app_browser.py.
"""

from __future__ import annotations

import io
from collections import Counter

import networkx as nx
import numpy as np
import pytest
from PIL import Image

from oracles.graphs import to_nx
from sim.app import layout as app_layout
from sim.app.controls import (
    AppModel, applicable, control_overrides, initial_kwargs, launch_settings, split_launch,
)
from sim.app.draw import NetworkPicture, SeriesPicture, nice_ceiling, rolling_window
from sim.app.layout import CONTACT_RADIUS, OUTSIDE_RADIUS, compute_layout, layout_for
from sim.config import ConfigError
from sim.model import OutreachModel
from sim.network import from_edges

SMALL_EGO = ("network.n_contacts=300", "network.strong_ties=30", "close_ties=30")


def _two_cliques_net():
    """Sender 0; contacts 1-5 and 6-10 form two cliques; 11-14 are outside, each known by
    one contact; 15 is three hops away."""
    edges = [(0, c) for c in range(1, 11)]
    for group in (range(1, 6), range(6, 11)):
        g = list(group)
        edges += [(a, b) for i, a in enumerate(g) for b in g[i + 1:]]
    edges += [(1, 11), (2, 12), (7, 13), (8, 14), (11, 15)]
    u, v = zip(*edges)
    return from_edges(np.array(u), np.array(v), 16, 0)


def test_layout_places_sender_contacts_and_second_degree_only():
    net = _two_cliques_net()
    lay = compute_layout(net)
    assert lay.nodes[0] == 0 and np.allclose(lay.xy[0], 0)
    assert sorted(lay.contacts.tolist()) == list(range(1, 11))
    # second degree by BFS in networkx: exactly 11-14 (15 is at distance 3)
    dist = nx.single_source_shortest_path_length(to_nx(net), 0)
    assert sorted(lay.outside.tolist()) == sorted(n for n, d in dist.items() if d == 2)
    r = np.hypot(*lay.xy.T)
    k = lay.n_contacts
    assert np.all((r[1:1 + k] >= CONTACT_RADIUS[0] - 0.05) & (r[1:1 + k] <= CONTACT_RADIUS[1] + 0.05))
    assert np.all((r[1 + k:] >= OUTSIDE_RADIUS[0]) & (r[1 + k:] <= OUTSIDE_RADIUS[1]))
    # the two cliques are the two communities, each in its own sector
    comm = dict(zip(lay.contacts.tolist(), lay.community.tolist()))
    assert len({comm[c] for c in range(1, 6)}) == 1 and len({comm[c] for c in range(6, 11)}) == 1
    assert comm[1] != comm[6]
    # each outside person sits at the angle of the one contact who knows them (+ small jitter)
    ang = np.arctan2(lay.xy[:, 1], lay.xy[:, 0])
    pos = {n: i for i, n in enumerate(lay.nodes.tolist())}
    for outsider, contact in ((11, 1), (12, 2), (13, 7), (14, 8)):
        d = np.angle(np.exp(1j * (ang[pos[outsider]] - ang[pos[contact]])))
        assert abs(d) < 0.15


def test_layout_draws_only_real_ties_and_sectors_do_not_overlap():
    m = OutreachModel(rng=1, **dict(o.split("=") for o in SMALL_EGO))
    net = m.network
    lay = compute_layout(net, max_outside=150, max_edges=800)
    g = to_nx(net)
    assert len(lay.edges) == 800
    for a, b in lay.nodes[lay.edges].tolist():
        assert g.has_edge(a, b) and net.sender not in (a, b)
    assert len(lay.outside) == 150 and len(set(lay.nodes.tolist())) == len(lay.nodes)
    ang = np.mod(np.arctan2(lay.xy[1:1 + lay.n_contacts, 1], lay.xy[1:1 + lay.n_contacts, 0]), 2 * np.pi)
    spans = sorted((ang[lay.community == c].min(), ang[lay.community == c].max())
                   for c in np.unique(lay.community))
    for (lo1, hi1), (lo2, hi2) in zip(spans, spans[1:]):
        assert hi1 < lo2


def test_layout_is_computed_once_per_network(monkeypatch):
    calls = []
    real = app_layout.compute_layout
    monkeypatch.setattr(app_layout, "compute_layout", lambda net: calls.append(1) or real(net))
    monkeypatch.setattr(app_layout, "_CACHE", type(app_layout._CACHE)())
    net = _two_cliques_net()
    first = layout_for(net)
    again = layout_for(_two_cliques_net())  # an equal network built anew
    assert again is first and len(calls) == 1
    net2 = _two_cliques_net()
    net2.sender = 1
    assert layout_for(net2) is not first and len(calls) == 2


def test_rolling_window_matches_a_direct_count():
    rng = np.random.default_rng(0)
    per_hour = rng.poisson(0.3, size=200)
    cum = np.cumsum(per_hour).astype(float)
    for w in (1, 5, 24):
        direct = [per_hour[max(0, t - w + 1): t + 1].sum() for t in range(200)]
        assert np.array_equal(rolling_window(cum, w), direct)


def test_reports_window_crosses_the_limit_in_the_hour_the_engine_restricts():
    """The plotted quantity is the one the platform rule tests: independent check on runs."""
    suspended_runs = 0
    for seed in range(10):
        m = OutreachModel(rng=seed, overrides=list(SMALL_EGO) + [
            "platform.max_reports=2", "population.threshold_median=0.8",
            "population.report_prob=0.08"])
        for _ in range(120):
            m.step()
        reports = np.asarray(m.datacollector.model_vars["reports"][1:], dtype=float)
        over = np.flatnonzero(rolling_window(reports, 24) >= 2)
        hour = int(m.engine.restriction_hour[0])  # the first restriction's
        if hour >= 0:
            suspended_runs += 1
            assert over[0] == hour
        else:
            assert len(over) == 0
    assert 0 < suspended_runs < 10  # both cases seen


def test_nice_ceiling():
    assert [nice_ceiling(x) for x in (0, 0.3, 1, 1.01, 3, 7, 10, 11, 180, 1800, 2001)] == \
        [1, 0.5, 1, 2, 5, 10, 10, 20, 200, 2000, 5000]


def test_split_and_filter_overrides():
    chosen, rest = split_launch(["population=default", "seed=4", "population.read_prob_base=0.4",
                                 "horizon_hours=100", "platform.max_reports=3"])
    assert chosen == {"population": "default", "seed": "4"}
    assert rest == ["population.read_prob_base=0.4", "horizon_hours=100", "platform.max_reports=3"]
    # a key the chosen option lacks is dropped, so switching option in the page never fails
    assert applicable(rest, {"population": "homogeneous", "platform": "count"}) == \
        ["horizon_hours=100", "platform.max_reports=3"]
    assert applicable(rest, {"population": "default", "platform": "rate"}) == \
        ["population.read_prob_base=0.4", "horizon_hours=100"]
    # a control applies only to the options that use its key
    assert control_overrides({"batch_size": 50, "notes": 10}, {"strategy": "generic_blast"}) == []
    assert control_overrides({"batch_size": 50, "max_rate": 0.01, "adaptive_pause": True},
                             {"strategy": "staggered", "platform": "count"}) == \
        ["strategy.batch_size=50", "strategy.adaptive_pause=true"]


def test_launch_settings_start_from_the_command_line():
    params = launch_settings(["strategy=staggered", "strategy.batch_size=200", "seed=7",
                              "close_ties=40"])
    assert params["strategy"]["value"] == "staggered"
    assert set(params["strategy"]["values"]) >= {"generic_blast", "staggered", "personal_first",
                                                 "blast_then_personal"}
    assert params["batch_size"]["value"] == 200
    assert params["seed"]["value"] == 7
    assert params["notes"]["value"] == 40  # strategy.k defaults to close_ties
    assert params["notes_delay_hours"]["value"] == 504 and params["blast_delay_hours"]["value"] == 24
    assert params["base_overrides"] == ("strategy.batch_size=200", "close_ties=40")
    with pytest.raises(ConfigError, match="population.read_prob_base"):
        launch_settings(["population.read_prob_base=2"])


def test_app_model_is_the_command_line_model():
    """At its starting values the page's model is OutreachModel with the same overrides."""
    launch = list(SMALL_EGO) + ["seed=3"]
    a = AppModel(**initial_kwargs(launch_settings(launch)))
    b = OutreachModel(rng=3, overrides=list(SMALL_EGO))
    for _ in range(60):
        a.step()
        b.step()
    np.testing.assert_equal(a.results(), b.results())  # NaN == NaN for the suspension hour


def test_strategy_control_reaches_the_engine():
    """staggered sends one batch of batch_size at hour 0; switched to generic_blast in the
    page, the launch's staggered knobs do not stop the blast."""
    params = launch_settings(list(SMALL_EGO) + ["strategy.batch_size=200", "strategy=staggered"])
    kw = initial_kwargs(params)
    kw.update(strategy="staggered", batch_size=40)
    m = AppModel(**kw)
    m.step()
    assert m.metric("messages_sent") == 40
    kw.update(strategy="generic_blast")
    m = AppModel(**kw)
    m.step()
    assert m.metric("messages_sent") == 300


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


def test_pictures_equal_a_full_redraw_and_follow_the_run():
    m = AppModel(**initial_kwargs(launch_settings(list(SMALL_EGO) + ["seed=2"])))
    net = NetworkPicture(m, layout_for(m.network))
    ser = SeriesPicture(m)
    first = (_pixels(net.png()), _pixels(ser.png()))
    for hour in range(1, 31):
        m.step()
        counts = net.update()
        ser.update()
        if hour in (1, 7, 30):
            for pic in (net, ser):
                fast = _pixels(pic.png())
                pic.canvas.draw()  # everything, the slow way
                assert np.array_equal(fast, np.asarray(pic.canvas.buffer_rgba()))
    # legend counts are the states of all the sender's contacts
    truth = Counter(c.state for c in m.contacts.values() if c.is_contact)
    assert {k: v for k, v in counts.items() if v} == dict(truth)
    assert truth["aware"] + truth["supporter"] > 0
    assert not np.array_equal(first[0], _pixels(net.png()))
    assert not np.array_equal(first[1], _pixels(ser.png()))


def test_the_page_imports(monkeypatch):
    """The Solara page itself (sim/app/page.py) imports: `make test` installs the viz extra, so
    a missing or broken install fails here instead of being skipped."""
    monkeypatch.setenv("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")  # as `outreach app` sets it
    from sim.app import page

    assert callable(page.Page) and callable(page.configure)


@pytest.mark.parametrize("argv, message", [
    (["population.read_prob_base=2"], "population.read_prob_base=2.0: expected a probability"),
    (["strategy=nonexistent"], "strategy/nonexistent"),
    (["--bogus"], "unknown option '--bogus'"),
])
def test_outreach_app_rejects_bad_input_before_serving(argv, message, capsys, monkeypatch):
    from sim.app.main import main

    # main sets these; monkeypatch puts them back afterwards
    monkeypatch.setenv("OUTREACH_APP_OVERRIDES", "[]")
    monkeypatch.setenv("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")

    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("outreach app: error:") and message in err[0]


def test_restricted_periods_are_shaded_and_the_account_standing_is_told():
    """A sender restricted and freed again: the running totals shade exactly the engine's
    blocked hours, and the line of numbers says restricted, then free again."""
    from sim.app.draw import account_text, restricted_periods

    m = OutreachModel(strategy="staggered", rng=2, overrides=list(SMALL_EGO) + [
        "population.report_prob=0.3", "population.threshold_median=0.8",
        "strategy.batch_size=10", "platform.restriction_hours=[5,10]"])
    picture = SeriesPicture(m)
    said = set()
    for _ in range(200):
        m.step()
        said.add(account_text(m).split(" ")[0])
    picture.update()
    e = m.engine
    periods = restricted_periods(m)
    assert periods and all(a < b <= e.H for a, b, _ in periods)
    assert all(b1 <= a2 for (_, b1, _), (a2, _, _) in zip(periods, periods[1:]))  # in order
    # the periods are the engine's: each restriction blocks hours t+1 .. t+D of the ladder
    first = periods[0]
    assert first[0] == e.restriction_hour[0] + 1 and first[1] - first[0] == 5
    assert len(picture.spans) == 3 * len(periods)  # one shaded span per period on each panel
    assert "RESTRICTED" in said and ("free" in said or "SUSPENDED" in said)
