"""strategy=plan: a schedule read from a file (contact, hour, kind), replayed.

A small case worked by hand on the engine and on the per-agent reference (deliveries, counts,
effort); then plans written to equal generic_blast's and personal_first's schedules, which must
give the same replicates as those strategies, number for number (same seed and replicate seed:
paired draws); then every bad plan file, one line naming the file and the line."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from conftest import make_cfg
from helpers import outreach, written_scenario
from oracles.reference import run_reference_scenario
from sim.engine.engine import Engine
from sim.engine.scenario import build_scenario
from sim.engine.simulate import simulate
from sim.errors import ConfigError, StrategyError
from sim.report.plan import write_plan
from sim.rules.population import GENERIC, PERSONAL
from sim.rules.strategies import Plan, SenderView, make_strategy, read_plan

# ------------------------------------------------------------------ a case worked by hand

# The sender (node 0) and three contacts, strongest first: node 3 (rank 0, pair 0), node 1
# (rank 1, pair 1), node 2 (rank 2, pair 2), so a plan's node ids are not its ranks. Contact A
# is node 1, B node 2, C node 3; from a file their ids are the names below.
A, B, C = 1, 2, 3
NAMES = np.array(["me", "ann", "bob", "cy"])  # node_ids of a network read from a file
PAIR = {3: 0, 1: 1, 2: 2}  # node -> its pair (= rank: one sender)


def _hand(tmp_path, ids):
    """The plan: a note to A at hour 0, generic asks to B and C at hour 5 (rows out of order,
    kinds in any case, with extra columns), on the scenario above, whose ids are the node
    indices (ids None, as a generator's) or NAMES (as a file's)."""
    name = (lambda n: str(n)) if ids is None else (lambda n: str(ids[n]))
    path = tmp_path / "plan.csv"
    path.write_text("name,contact,kind,hour,note\n"
                    f"Cy,{name(C)},Generic,5,\n"
                    f"Ann,{name(A)},PERSONAL,0,\"thanks, Ann\"\n"
                    f"Bob,{name(B)},generic,5,\n")
    sc = written_scenario([(0, 1), (0, 2), (0, 3)], 4, [(0, [3, 1, 2])],
                          lambda: Plan(path=str(path), minutes_per_note=10, minutes_per_batch=15),
                          pairs={}, horizon=48)
    if ids is not None:
        sc.network = dataclasses.replace(sc.network, node_ids=ids)
    return sc


def _deliveries(which, sc, replicates=2):
    """Per replicate, the messages delivered as (hour, pair), in delivery order; and metrics."""
    log = []
    if which == "engine":
        eng = Engine(sc, replicates, 0, record_series=False)
        eng.on_deliver = lambda t, s, r, pairs: log.extend(
            (int(i), t, int(p)) for i, p in zip(np.asarray(r).tolist(), np.asarray(pairs).tolist()))
        m = eng.run().metrics
    else:
        m = run_reference_scenario(sc, replicates, np.random.default_rng(0),
                                   on_deliver=lambda t, s, i, p: log.append((i, t, p)))
    per = [[(t, p) for i, t, p in log if i == r] for r in range(replicates)]
    return per, {k: np.asarray(v, dtype=float) for k, v in m.items()}


@pytest.mark.parametrize("ids", [None, NAMES], ids=["node-indices", "file-ids"])
@pytest.mark.parametrize("which", ["engine", "reference"])
def test_a_note_then_two_generic_asks_worked_by_hand(tmp_path, which, ids):
    """The note reaches A (pair 1) at hour 0; at hour 5 the generic batch reaches C (rank 0,
    pair 0) then B (rank 2, pair 2), strongest first. Three messages, one a note; effort one
    note (10 min) and one batch (15 min) = 25 min. Everyone reads at once (read chance 1, no
    delay), nobody is annoyed (increments 0), so nothing else happens: reach 3, no reports."""
    per, m = _deliveries(which, _hand(tmp_path, ids))
    expected = [(0, PAIR[A]), (5, PAIR[C]), (5, PAIR[B])]
    assert per == [expected, expected]
    for name, value in {"messages_sent": 3, "personal_notes": 1, "effort_hours": 25 / 60,
                        "reach": 3, "reports": 0, "unfollows": 0}.items():
        assert m[name].tolist() == pytest.approx([value, value]), name


def test_the_schedule_by_itself(tmp_path):
    """send_hours and sends through a view we control: hours 0 and 5; at 0 one note (10 min
    each delivered), at 5 one generic batch (15 min) in rank order; other hours send nothing."""
    sc = _hand(tmp_path, NAMES)
    plan = sc.strategy_factory()
    view = SenderView(n_contacts=3, tie_strength=np.array([0.9, 0.5, 0.1]), n_replicates=2,
                      uniforms=None, suspended=np.zeros(2, bool), reports_in_last=None,
                      unfollowed=None, contact_ids=NAMES[[3, 1, 2]])
    assert plan.send_hours(view, 48).tolist() == [0, 5]
    [note] = plan.sends(0, view)
    assert (note.kind, note.ranks.tolist(), note.minutes, note.minutes_each) == (PERSONAL, [1], 0, 10)
    [batch] = plan.sends(5, view)
    assert (batch.kind, batch.ranks.tolist(), batch.minutes, batch.minutes_each) == (GENERIC, [0, 2], 15, 0)
    assert all(plan.sends(h, view) == [] for h in range(1, 48) if h != 5)


def test_a_note_and_a_generic_ask_in_one_hour_go_note_first(tmp_path):
    """Several rows for one contact: a note and a generic ask at the same hour are two sends,
    the notes first (as personal_first, whose notes and blast may share an hour)."""
    path = write_plan(tmp_path / "p.csv", [(7, 3, "generic"), (7, 3, "personal"), (5, 3, "generic")])
    plan = make_strategy(OmegaConf.create({"name": "plan", "path": str(path)}))
    view = SenderView(n_contacts=2, tie_strength=np.array([0.5, 0.2]), n_replicates=1,
                      uniforms=None, suspended=np.zeros(1, bool), reports_in_last=None,
                      unfollowed=None, contact_ids=np.array([5, 7]))
    assert plan.send_hours(view, 10).tolist() == [3]
    assert [(s.kind, s.ranks.tolist()) for s in plan.sends(3, view)] == [(PERSONAL, [1]),
                                                                        (GENERIC, [0, 1])]


# ------------------------------------------------------------------ the same as a built-in strategy

# A scenario with every rule at work (the default population: replies, shares, reports,
# unfollows, fatigue; the count rule's restrictions), small enough to run in a second.
SMALL = ["network=ego", "network.n_contacts=60", "close_ties=8", "network.communities=3",
         "population.threshold_median=0.7", "population.report_prob=0.1", "replicates=40",
         "horizon_hours=200", "seed=5", "replicate_seed=17"]


def _contacts_by_rank(cfg):
    """The sender's contacts' node ids, strongest first (rank order)."""
    sc = build_scenario(cfg)
    nodes = sc.population.pair_contact[sc.population.contacts_of(0)]
    return [sc.network.node_id(int(n)) for n in nodes]


def _replay(tmp_path, rows, overrides=()):
    path = write_plan(tmp_path / "plan.csv", rows)
    return simulate(make_cfg(SMALL + ["strategy=plan", f"strategy.path={path}", *overrides])).replicates


def test_a_plan_of_everyone_at_hour_zero_is_generic_blast(tmp_path):
    ids = _contacts_by_rank(make_cfg(SMALL))
    blast = simulate(make_cfg(SMALL + ["strategy=generic_blast"])).replicates
    plan = _replay(tmp_path, [(c, 0, "generic") for c in reversed(ids)])  # any row order
    assert blast["messages_sent"].eq(60).all() and blast["restrictions"].gt(0).any()
    pd.testing.assert_frame_equal(plan, blast)


def test_a_plan_of_personal_firsts_schedule_is_personal_first(tmp_path):
    """personal_first with k = 5, 2 notes a day, delay 30: notes to ranks 0-1 at hour 0, 2-3
    at hour 24, 4 at hour 48, then the generic message to ranks 5.. at 48 + 30 = 78."""
    knobs = ["strategy.k=5", "strategy.notes_per_day=2", "strategy.delay_hours=30"]
    ids = _contacts_by_rank(make_cfg(SMALL))
    rows = [(ids[r], 24 * (r // 2), "personal") for r in range(5)]
    rows += [(c, 78, "generic") for c in ids[5:]]
    first = simulate(make_cfg(SMALL + ["strategy=personal_first", *knobs])).replicates
    plan = _replay(tmp_path, rows, knobs)  # the same knobs: a plan ignores them
    assert first["personal_notes"].eq(5).all() and first["restrictions"].gt(0).any()
    pd.testing.assert_frame_equal(plan, first)


def test_a_plan_in_memory_is_the_plan_file(tmp_path):
    """Plan(rows=...) gives the numbers the same rows give from a file (a program that writes
    a plan may try it first without one)."""
    ids = _contacts_by_rank(make_cfg(SMALL))
    rows = [(ids[r], 24 * (r // 3), "personal") for r in range(6)]
    rows += [(c, 30 + 5 * (i // 10), "generic") for i, c in enumerate(ids[3:])]
    from_file = _replay(tmp_path, rows)
    cfg = make_cfg(SMALL)
    sc = dataclasses.replace(build_scenario(cfg), strategy_factory=lambda: Plan(rows=rows))
    pd.testing.assert_frame_equal(simulate(cfg, scenario=sc).replicates, from_file)
    with pytest.raises(StrategyError, match="repeats"):
        Plan(rows=[rows[0], rows[0]])
    with pytest.raises(StrategyError, match="not personal or generic"):
        Plan(rows=[(ids[0], 0, "fax")])


# ------------------------------------------------------------------ pausing after complaints


def _view(reports):
    """Two replicates, three contacts; ``reports`` holds each replicate's reports in the window."""
    return SenderView(n_contacts=3, tie_strength=np.array([0.9, 0.5, 0.1]), n_replicates=2,
                      uniforms=None, suspended=np.zeros(2, bool),
                      reports_in_last=lambda hours: np.asarray(reports), unfollowed=None,
                      contact_ids=np.array([3, 1, 2]))


def test_a_held_batch_waits_and_the_later_ones_keep_their_spacing():
    """Generic batches at hours 0 (contact 3) and 5 (contacts 1, 2), a note at hour 2. With
    adaptive_pause, replicate 0 has a report in the window at hour 0: its first batch waits to
    hour 1 and its second to hour 6; replicate 1 sends at 0 and 5. The note is never held."""
    rows = [(3, 0, "generic"), (1, 5, "generic"), (2, 5, "generic"), (1, 2, "personal")]
    plan = Plan(rows=rows, adaptive_pause=True, pause_reports=1, pause_window_hours=24)
    reports = [1, 0]
    view = _view(reports)
    assert plan.send_hours(view, 10).tolist() == list(range(10))  # tried again every hour
    sent = {}
    for hour in range(10):
        reports[:] = [1, 0] if hour in (0, 2) else [0, 0]
        for send in plan.sends(hour, view):
            who = [0, 1] if send.replicates is None else np.flatnonzero(send.replicates).tolist()
            for r in who:
                sent.setdefault(r, []).append((hour, send.kind, np.asarray(send.ranks).tolist()))
    assert sent[0] == [(1, GENERIC, [0]), (2, PERSONAL, [1]), (6, GENERIC, [1, 2])]
    assert sent[1] == [(0, GENERIC, [0]), (2, PERSONAL, [1]), (5, GENERIC, [1, 2])]
    # without the pause the plan ignores the reports: batches at 0 and 5 in both replicates
    still = Plan(rows=rows)
    assert still.send_hours(view, 10).tolist() == [0, 2, 5]
    reports[:] = [1, 1]
    assert [s.kind for s in still.sends(0, view)] == [GENERIC]


def test_an_adaptive_plan_of_hourly_batches_is_staggered_with_adaptive_pause(tmp_path):
    """staggered with interval_hours=1 and adaptive_pause tries its next batch every hour, as an
    adaptive plan does: a plan of its batches (3 contacts an hour, strongest first) gives its
    numbers, replicate for replicate, restrictions and pauses included (reads within hours, so
    reports come while batches are still going out; a horizon just past the last batch, so a
    pause leaves messages unsent)."""
    knobs = ["strategy.adaptive_pause=true", "strategy.pause_reports=1",
             "strategy.pause_window_hours=48", "population.read_delay.mean_hours=2", "horizon_hours=60"]
    ids = _contacts_by_rank(make_cfg(SMALL))
    rows = [(c, i // 3, "generic") for i, c in enumerate(ids)]
    stag = simulate(make_cfg(SMALL + ["strategy=staggered", "strategy.batch_size=3",
                                      "strategy.interval_hours=1", *knobs])).replicates
    plan = _replay(tmp_path, rows, knobs)
    fixed = _replay(tmp_path, rows, knobs[-2:])  # without the pause: other numbers
    assert stag["restrictions"].gt(0).any()
    assert not fixed.equals(plan)
    pd.testing.assert_frame_equal(plan, stag)

# ------------------------------------------------------------------ the writer


def test_write_plan_writes_what_read_plan_reads(tmp_path):
    """Extra columns (a name, a note with a comma and quotes) are written and ignored on
    reading; kinds are written in lower case; numpy hours are whole hours."""
    path = write_plan(tmp_path / "p.csv", [
        {"contact": "ann", "hour": np.int64(0), "kind": "Personal", "name": "Ann, PhD",
         "note": 'say "thanks"'},
        ("bob", 5.0, "generic"),
    ])
    assert path.read_text().splitlines() == [
        "contact,hour,kind,name,note", 'ann,0,personal,"Ann, PhD","say ""thanks"""', "bob,5,generic,,"]
    assert [(r.contact, r.hour, r.kind, r.line) for r in read_plan(path)] == [
        ("ann", 0, PERSONAL, 2), ("bob", 5, GENERIC, 3)]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("rows, message", [
    ([], "no rows"),
    ([("ann", -1, "generic")], "hour -1 is not a whole number"),
    ([("ann", 1.5, "generic")], "hour 1.5 is not a whole number"),
    ([("ann", 0, "email")], "kind 'email' is not personal or generic"),
    ([("", 0, "generic")], "is not a node id"),
    ([("ann", 0, "generic"), ("ann", 0, "Generic")], "row 1 repeats row 0"),
    ([{"contact": "ann", "hour": 0}], "lacks kind"),
    ([{"contact": "ann", "hour": 0, "kind": "generic", "note": "two\nlines"}], "line break"),
])
def test_write_plan_refuses_what_the_reader_would(tmp_path, rows, message):
    with pytest.raises(ValueError, match=message):
        write_plan(tmp_path / "p.csv", rows)
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------ bad input

HEADER = "contact,hour,kind\n"


@pytest.mark.parametrize("text, message", [
    ("", "strategy.path={f}: the file is empty, expected a header contact,hour,kind and one row "
         "per message"),
    ("\n12,0,generic\n", "{f} line 2: expected a header naming the columns contact,hour,kind "
                         "(missing: contact, hour, kind), got '12,0,generic'"),
    ("contact,hour\n12,0\n", "{f} line 1: expected a header naming the columns contact,hour,kind "
                             "(missing: kind), got 'contact,hour'"),
    (HEADER, "{f} line 1: a header but no rows; expected one row per message (contact,hour,kind)"),
    (HEADER + "12,0,generic\n12,-3,generic\n",
     "{f} line 3: hour '-3' is not a whole number of hours >= 0: '12,-3,generic'"),
    (HEADER + "12,2.5,generic\n", "{f} line 2: hour '2.5' is not a whole number of hours >= 0: "
                                  "'12,2.5,generic'"),
    (HEADER + "12,soon,generic\n", "{f} line 2: hour 'soon' is not a whole number of hours >= 0: "
                                   "'12,soon,generic'"),
    (HEADER + "12,0,email\n", "{f} line 2: kind 'email' is not personal or generic: '12,0,email'"),
    (HEADER + "12,0\n", "{f} line 2: expected 3 fields as the header (contact,hour,kind), got 2: "
                        "'12,0'"),
    (HEADER + ",0,generic\n", "{f} line 2: contact is empty, expected a node id: ',0,generic'"),
    (HEADER + "12,0,generic\n\n12,0,GENERIC\n",
     "{f} line 4: repeats line 2 (contact 12, hour 0, generic); expected at most one message per "
     "contact, hour and kind"),
])
def test_a_bad_plan_file_is_one_line_naming_the_file_and_line(tmp_path, text, message):
    f = tmp_path / "plan.csv"
    f.write_text(text)
    with pytest.raises(StrategyError) as err:
        build_scenario(make_cfg(["strategy=plan", f"strategy.path={f}"]))  # before the network
    assert str(err.value) == message.format(f=f)


def test_missing_path_or_file_and_several_senders(tmp_path):
    with pytest.raises(ConfigError, match=r"^strategy\.path: missing value \(strategy=plan "):
        build_scenario(make_cfg(["strategy=plan"]))
    with pytest.raises(StrategyError, match=r"^strategy\.path=nowhere\.csv: no such file$"):
        build_scenario(make_cfg(["strategy=plan", "strategy.path=nowhere.csv"]))
    with pytest.raises(ConfigError, match=r"^senders\.fraction=0\.1: expected 0 with strategy=plan"):
        build_scenario(make_cfg(["strategy=plan", "strategy.path=p.csv", "senders.fraction=0.1"]))
    # strategy.path on another strategy is ignored (every strategy carries every key)
    build_scenario(make_cfg(SMALL + ["strategy=generic_blast", "strategy.path=nowhere.csv"]))


def test_a_contact_the_sender_lacks_names_the_line(tmp_path):
    """Known only once the network is built: the run stops before its first hour."""
    ids = _contacts_by_rank(make_cfg(SMALL))
    stranger = next(n for n in range(10_000) if n not in ids and n != 0)
    f = tmp_path / "plan.csv"
    f.write_text(HEADER + f"{ids[0]},0,generic\n{stranger},4,personal\n")
    with pytest.raises(StrategyError) as err:
        simulate(make_cfg(SMALL + ["strategy=plan", f"strategy.path={f}"]))
    assert str(err.value) == (f"{f} line 3: contact '{stranger}' is not a contact of the sender "
                              "(expected the node id of one of its 60 contacts, as the network "
                              "names them)")


@pytest.mark.parametrize("rows, error", [
    (None, "outreach: error: strategy.path: missing value"),
    ("contact,hour,kind\n1,0,letter\n", "outreach: error: plan.csv line 2: kind 'letter' is not "
                                        "personal or generic"),
    ("contact,hour,kind\n9999,0,generic\n", "outreach: error: plan.csv line 2: contact '9999' is "
                                            "not a contact of the sender"),
])
def test_the_command_exits_2_with_one_line(tmp_path, rows, error):
    args = ["strategy=plan", "network=erdos_renyi", "network.n=60", "replicates=2",
            "output.plot=false", "output.progress=false", f"hydra.run.dir={tmp_path / 'run'}"]
    if rows is not None:
        (tmp_path / "plan.csv").write_text(rows)
        args.append("strategy.path=plan.csv")
    proc = outreach(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith(error), proc.stderr


# ------------------------------------------------------------------ the web app


def test_the_app_offers_plan_only_with_a_file(tmp_path):
    from sim.app.controls import launch_settings

    assert "plan" not in launch_settings([])["strategy"]["values"]
    params = launch_settings(["strategy=plan", "strategy.path=plan.csv"])
    assert params["strategy"]["value"] == "plan" and "plan" in params["strategy"]["values"]
    assert params["base_overrides"] == ("strategy.path=plan.csv",)
