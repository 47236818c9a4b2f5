"""The user's own network: a contact list and a LinkedIn export (sim/network/own.py)."""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from sim.config.schema import ContactsNetworkConfig, LinkedinNetworkConfig
from sim.errors import NetworkError
from sim.network import own
from sim.network.ties import edge_weights
from tests.helpers import ROOT, outreach

EXAMPLE = ROOT / "experiments" / "data" / "linkedin_example"
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
NOTES = ('Notes:\n"When exporting your connection data, you may notice that some of the email '
         'addresses are missing."\n\n')
ROWS = ("Ada,Quill,https://www.linkedin.com/in/ada-q,ada@example.invalid,\"Quill, Ltd.\","
        "Senior Data Engineer,05 Nov 2024\n"
        "Bo,Rem,https://www.linkedin.com/in/bo-r,,,Data Engineer,12 Jan 2019\n"
        "美玲,蒼井,https://www.linkedin.com/in/mei-a,,\"Quill, Ltd.\",Founder,01 Feb 2020\n")


def li_cfg(path, **kw):
    return OmegaConf.structured(LinkedinNetworkConfig(path=str(path), **kw))


def ct_cfg(path, **kw):
    return OmegaConf.structured(ContactsNetworkConfig(path=str(path), **kw))


def write(tmp_path, text, name="Connections.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return p


def build(cfg):
    return own.linkedin(cfg, np.random.default_rng(0)) if cfg.kind == "linkedin" \
        else own.contacts(cfg, np.random.default_rng(0))


# --------------------------------------------------------------------------- LinkedIn quirks


def test_notes_bom_quotes_scripts_blank_rows(tmp_path):
    first, rest = ROWS.split("\n", 1)
    p = write(tmp_path, b"\xef\xbb\xbf" + (NOTES + HEADER + first + "\n\n,,,,,,\n" + rest)
              .encode("utf-8"))
    table, messages = own.parse_linkedin(p)
    assert list(table.people["name"]) == ["Ada Quill", "Bo Rem", "美玲 蒼井"]
    assert table.groups["company"] == ["quill, ltd.", "", "quill, ltd."]
    assert table.groups["position"] == ["data engineer", "data engineer", "founder"]
    assert table.line == [5, 8, 9]  # blank rows skipped, lines counted
    assert messages == {}


def test_node_ids_are_hashes_and_names_in_side_table(tmp_path):
    net = build(li_cfg(write(tmp_path, NOTES + HEADER + ROWS)))
    assert net.node_id(0) == "sender" and net.degree()[0] == 3
    ids = [net.node_id(i) for i in range(1, 4)]
    assert ids == [own.node_hash(own.norm_url(u)) for u in
                   ("https://www.linkedin.com/in/ada-q", "https://www.linkedin.com/in/bo-r",
                    "https://www.linkedin.com/in/mei-a")]
    assert all("Ada" not in str(i) for i in net.node_ids)
    assert net.people.loc[1, "name"] == "Ada Quill"
    assert "Ada" not in repr(net.describe())


def test_zip_and_folder_and_messages(tmp_path):
    msgs = ("CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
            "DATE,SUBJECT,CONTENT,FOLDER\n"
            "c1,,Me,https://www.linkedin.com/in/me,Bo Rem,https://www.linkedin.com/in/bo-r,"
            "2024-11-01 10:00:00 UTC,,\"hi, there\",INBOX\n"
            "c1,,Bo Rem,https://www.linkedin.com/in/bo-r/,Me,https://www.linkedin.com/in/me,"
            "2024-11-02 10:00:00 UTC,,yo,INBOX\n")
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("Basic_LinkedInDataExport/Connections.csv", NOTES + HEADER + ROWS)
        f.writestr("Basic_LinkedInDataExport/messages.csv", msgs)
    table, messages = own.parse_linkedin(z)
    assert set(messages) == {1} and len(messages[1]) == 2
    folder = tmp_path / "export"
    folder.mkdir()
    write(folder, NOTES + HEADER + ROWS)
    write(folder, msgs, "messages.csv")
    net = build(li_cfg(folder))
    w = edge_weights(net, 0)
    # Bo, the only one messaged, is the strongest tie
    assert net.neighbours(0)[np.argmax(w)] == 2


def test_close_ties_file(tmp_path, caplog):
    p = write(tmp_path, NOTES + HEADER + ROWS)
    close = write(tmp_path, "# mine\nhttps://linkedin.com/in/mei-a\nNobody Known\n", "close.txt")
    net = build(li_cfg(p, close_ties_file=str(close)))
    w = edge_weights(net, 0)
    assert net.neighbours(0)[np.argmax(w)] == 3 and w.max() == 1.0
    assert "1 of 2 entries match no contact (lines 3)" in caplog.text
    assert "Nobody" not in caplog.text
    nobody = write(tmp_path, "Nobody Known\n", "none.txt")
    with pytest.raises(NetworkError, match="none.txt: none of its 1 entries"):
        build(li_cfg(p, close_ties_file=str(nobody)))


@pytest.mark.parametrize("text, match", [
    ("", r"Connections.csv: the file is empty"),
    (NOTES + "First Name,Last Name,URL,Company,Position,Connected On\n" + "a,b,c,d,e,f\n",
     r"Connections.csv line 4: the header lacks the column\(s\) email address"),
    ("Name,URL\nAda,x\n", r"Connections.csv: no header line"),
    (NOTES + HEADER, r"Connections.csv: the file is empty \(a header but no connections\)"),
    (NOTES + HEADER + ROWS + ROWS.splitlines()[1] + "\n",
     r"Connections.csv line 8: the same person as line 6 \(duplicate URL\)"),
    (NOTES + HEADER + "Ada,Quill,u,,,,5 Nov\n", r"line 5: Connected On '5 Nov' is not a date"),
    (NOTES + HEADER + "Ada,Quill,u,,,\n", r"line 5: expected 7 fields as in the header"),
    (NOTES + HEADER + ",,,,,,05 Nov 2024\n", r"line 5: neither a name nor a URL"),
])
def test_bad_connections(tmp_path, text, match):
    with pytest.raises(NetworkError, match=match):
        own.parse_linkedin(write(tmp_path, text))


def test_bad_encoding_and_zip(tmp_path):
    with pytest.raises(NetworkError, match=r"line 5: not UTF-8 text"):
        own.parse_linkedin(write(tmp_path, (NOTES + HEADER).encode() + "Zoë,X,u,,,,\n"
                                 .encode("latin-1")))
    z = tmp_path / "e.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("Profile.csv", "x\n")
    with pytest.raises(NetworkError, match=r"e.zip: the ZIP has no Connections.csv"):
        own.parse_linkedin(z)
    with pytest.raises(NetworkError, match="no such file or folder"):
        own.parse_linkedin(tmp_path / "missing.zip")
    (tmp_path / "empty").mkdir()
    with pytest.raises(NetworkError, match="no Connections.csv in this folder"):
        own.parse_linkedin(tmp_path / "empty")


# --------------------------------------------------------------------------- contact list


def test_contacts_columns(tmp_path):
    p = write(tmp_path, "\ufeffName,tie_strength,close,community,email\n"
                        "Ada Quill,0.9,false,work,a@example.invalid\n"
                        "\"Rem, Bo\",,true,work,\n"
                        "\n"
                        "Cy Ode,0.1,no,,\n", "c.csv")
    net = build(ct_cfg(p, within_community_prob=1.0))
    assert net.degree()[0] == 3 and 2 in net.neighbours(1)  # same community: linked
    w = dict(zip(net.neighbours(0), edge_weights(net, 0)))
    assert w[2] == 1.0 and w[1] == pytest.approx(0.99) and w[3] == pytest.approx(0.11)
    ids = own.parse_contacts(write(tmp_path, "id\n17\n18\n", "i.csv"))
    assert ids.key == ["17", "18"]


@pytest.mark.parametrize("text, match", [
    ("", "c.csv: the file is empty"),
    ("who,email\nAda,\n", r"c.csv line 1: expected a header with a column 'name' \(or 'id'\)"),
    ("name\n", r"the file is empty \(a header but no contacts\)"),
    ("name,tie_strength\nAda,2\n", r"c.csv line 2: tie_strength '2' is not a number in \[0, 1\]"),
    ("name,close\nAda,maybe\n", "line 2: close 'maybe' is not true/false"),
    ("name\nAda\n\nada\n", r"line 4: the same person as line 2"),
    ("name,email\nAda\n", "line 2: expected 2 fields"),
    ("name,email\n,x\n", "line 2: empty 'name'"),
])
def test_bad_contacts(tmp_path, text, match):
    with pytest.raises(NetworkError, match=match):
        own.parse_contacts(write(tmp_path, text, "c.csv"))


def test_contacts_example_builds():
    net = build(ct_cfg(ROOT / "experiments" / "data" / "contacts_example.csv"))
    assert net.degree()[0] == 120 and net.n_nodes > 121
    assert (edge_weights(net, 0) == 1.0).sum() == 10  # the ten marked close


# --------------------------------------------------------------------------- fuzz

VALID = (NOTES + HEADER + ROWS).encode("utf-8")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.binary(max_size=400),
    st.tuples(st.integers(0, len(VALID)), st.integers(0, 40), st.binary(max_size=20)).map(
        lambda t: VALID[: t[0]] + t[2] + VALID[t[0] + t[1]:]),
))
def test_fuzz_parser(tmp_path, data):
    p = tmp_path / "Connections.csv"
    p.write_bytes(data)
    try:
        net = build(li_cfg(p, outside_degree=2.0))
    except NetworkError as exc:
        assert "\n" not in str(exc)
    else:
        assert net.degree()[0] >= 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_fuzz_contacts(tmp_path, text):
    p = tmp_path / "c.csv"
    p.write_bytes(("name,tie_strength,close,community\n" + text).encode("utf-8", "surrogatepass"))
    try:
        build(ct_cfg(p, outside_degree=2.0))
    except NetworkError as exc:
        assert "\n" not in str(exc)


# --------------------------------------------------------------------------- end to end


def example_secrets() -> set[str]:
    """The example export's invented first and last names and e-mails (4 characters or more,
    so that a short one is not found inside other text), and its profile addresses' slugs."""
    secrets = set()
    with open(EXAMPLE / "Connections.csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    start = next(i for i, row in enumerate(rows) if row and row[0] == "First Name")
    for row in rows[start + 1:]:
        if row:
            slug = row[2].rstrip("/").rsplit("/", 1)[-1]
            secrets.update(s for s in (row[0], row[1], row[3], slug) if len(s) >= 4)
    assert len(secrets) > 300
    return secrets


def test_example_export_end_to_end_writes_no_names(tmp_path):
    run = tmp_path / "run"
    r = outreach("network=linkedin", f"network.path={EXAMPLE}", "output.plot=false",
                 "replicates=20", "output.progress=false", f"hydra.run.dir={run}", timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    secrets = example_secrets()
    written = [p for p in run.rglob("*") if p.is_file()]
    assert any(p.name == "summary.json" for p in written)
    blob = b"".join(p.read_bytes() for p in written) + (r.stdout + r.stderr).encode()
    leaked = [s for s in secrets if s.encode("utf-8") in blob]
    assert not leaked, leaked[:5]


def test_optimise_plan_names_people_only_in_the_plan(tmp_path):
    """Names, emails and profile addresses of the example export appear in plan.csv (the file
    the sender asks for) and in no other file the optimiser writes, nor in its output."""
    out = tmp_path / "opt"
    r = outreach("optimise", "network=linkedin", f"network.path={EXAMPLE}", "optimise.trials=3",
                 "optimise.draws=1", "optimise.replicates=8", "uncertainty=none", "--out", out,
                 timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    secrets = example_secrets()
    written = [p for p in out.rglob("*") if p.is_file()]
    assert {"plan.csv", "recommendation.md", "trials.parquet", "optimise.json",
            "recommended.parquet"} <= {p.name for p in written}
    for p in written:
        blob = p.read_bytes()
        leaked = [s for s in secrets if s.encode("utf-8") in blob]
        if p.name == "plan.csv":
            assert leaked, p.name  # names where the sender reads the plan
        else:
            assert not leaked, (p.name, leaked[:5])
    log = (r.stdout + r.stderr).encode()
    assert not [s for s in secrets if s.encode("utf-8") in log]
    with open(out / "plan.csv", encoding="utf-8") as f:
        plan = list(csv.DictReader(f))
    assert {"contact", "hour", "kind", "name", "url"} <= set(plan[0])
    assert all(row["name"] and row["url"].startswith("https://www.linkedin.com/in/") for row in plan)
    text = (out / "recommendation.md").read_text(encoding="utf-8")
    if any(row["kind"] == "personal" for row in plan):
        assert "by name and profile address: `plan.csv`" in text
    again = outreach("strategy=plan", f"strategy.path={out / 'plan.csv'}", "network=linkedin",
                     f"network.path={EXAMPLE}", "replicates=4", "output.plot=false",
                     "output.progress=false", f"hydra.run.dir={tmp_path / 'replay'}", timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]


# --------------------------------------------------------------------------- plans by name

PEOPLE = np.array([["Ada Quill", "https://www.linkedin.com/in/ada-q"],
                   ["Bo Rem", "https://www.linkedin.com/in/bo-r"],
                   ["Bo Rem", "https://www.linkedin.com/in/bo-r2"],
                   ["美玲 蒼井", ""]], dtype=object)


def _view(ids=("a1", "b2", "b3", "m4"), people=PEOPLE):
    from sim.rules.strategies import SenderView

    return SenderView(n_contacts=len(ids), tie_strength=np.linspace(1, 0.1, len(ids)),
                      n_replicates=1, uniforms=None, suspended=np.zeros(1, bool),
                      reports_in_last=None, unfollowed=None, contact_ids=np.array(ids),
                      contact_people=None if people is None else (lambda: people))


def _plan(tmp_path, body):
    from sim.rules.strategies import Plan

    p = tmp_path / "mine.csv"
    p.write_text("contact,hour,kind\n" + body, encoding="utf-8")
    return Plan(path=str(p))


def test_a_plan_names_contacts_by_id_url_or_name(tmp_path):
    plan = _plan(tmp_path, "a1,0,personal\n"
                           "HTTP://LinkedIn.com/in/bo-r/,0,personal\n"
                           "  美玲   蒼井 ,2,generic\n"
                           "ada quill,2,generic\n"
                           "https://www.linkedin.com/in/bo-r2,2,generic\n")
    view = _view()
    assert plan.send_hours(view, 10).tolist() == [0, 2]
    [notes] = plan.sends(0, view)
    assert notes.ranks.tolist() == [0, 1]
    [batch] = plan.sends(2, view)
    assert batch.ranks.tolist() == [0, 2, 3]


@pytest.mark.parametrize("body, match", [
    ("a1,0,personal\nbo rem,1,personal\n", r"mine.csv line 3: contact 'bo rem' names 2 contacts"),
    ("Cy Ode,1,personal\n", r"mine.csv line 2: contact 'Cy Ode' is not a contact of the sender "
                            r".*or a contact's profile URL or name\)"),
    ("a1,1,personal\nAda Quill,1,personal\n", r"mine.csv line 3: contact 'Ada Quill' is the "
                                               r"contact of line 2"),
])
def test_a_plan_by_name_refuses_ambiguous_or_unknown_names(tmp_path, body, match):
    from sim.errors import StrategyError

    with pytest.raises(StrategyError, match=match) as exc:
        _plan(tmp_path, body).send_hours(_view(), 10)
    assert "\n" not in str(exc.value)


def test_names_need_a_network_with_people(tmp_path):
    from sim.errors import StrategyError

    with pytest.raises(StrategyError, match="line 2: contact 'Ada Quill' is not a contact"):
        _plan(tmp_path, "Ada Quill,0,personal\n").send_hours(_view(people=None), 10)


def test_a_plan_by_name_replays_on_the_example_export(tmp_path):
    with open(EXAMPLE / "Connections.csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    start = next(i for i, row in enumerate(rows) if row and row[0] == "First Name")
    people = [row for row in rows[start + 1:] if row]
    names = [f"{r[0]} {r[1]}" for r in people]
    unique = [n for n in names if names.count(n) == 1][:3]
    p = tmp_path / "mine.csv"
    p.write_text("contact,hour,kind\n" + "".join(f"{n},0,personal\n" for n in unique)
                 + f"{people[5][2]},4,generic\n", encoding="utf-8")
    r = outreach("strategy=plan", f"strategy.path={p}", "network=linkedin", f"network.path={EXAMPLE}",
                 "replicates=4", "output.plot=false", "output.progress=false",
                 f"hydra.run.dir={tmp_path / 'run'}", timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    p.write_text("contact,hour,kind\nNobody Atall,0,personal\n", encoding="utf-8")
    r = outreach("strategy=plan", f"strategy.path={p}", "network=linkedin", f"network.path={EXAMPLE}",
                 "replicates=4", "output.plot=false", "output.progress=false",
                 f"hydra.run.dir={tmp_path / 'bad'}", timeout=300)
    assert r.returncode != 0 and "mine.csv line 2: contact 'Nobody Atall'" in r.stderr


def test_compare_and_the_app_take_the_example_export(tmp_path):
    runs = []
    for strategy in ("generic_blast", "personal_first"):
        run = tmp_path / strategy
        r = outreach(f"strategy={strategy}", "network=linkedin", f"network.path={EXAMPLE}",
                     "replicates=8", "output.plot=false", "output.progress=false",
                     f"hydra.run.dir={run}", timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
        runs.append(run)
    r = outreach("compare", *runs, "--out", tmp_path / "both", timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    blob = b"".join(p.read_bytes() for p in (tmp_path / "both").rglob("*") if p.is_file())
    assert blob and not [s for s in example_secrets() if s.encode("utf-8") in blob]

    from sim.app.controls import AppModel, initial_kwargs, launch_settings

    params = launch_settings(["network=linkedin", f"network.path={EXAMPLE}"])
    assert params["network"] == "linkedin" and params["base_overrides"] == (f"network.path={EXAMPLE}",)
    model = AppModel(**initial_kwargs(params))
    model.step()
    assert model.metric("messages_sent") == 300  # generic_blast: every connection at hour 0
