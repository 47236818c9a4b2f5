"""Regenerate the tables of docs/RELIABILITY.md from real runs.

    .venv/bin/python experiments/reliability/table.py > /tmp/tables.md

Each bad input is run through the real `outreach` command (a subprocess, in a scratch
folder); each fault is injected into a real run. The tables show the exact messages, the exit
status and what is left on disk.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sim.errors import ResultsError
from sim.report import folders as results
from sim.report import summary

SCRATCH = Path(tempfile.mkdtemp(prefix="outreach-reliability-"))
RUN = SCRATCH / "run"
ENV = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}


def outreach(*args: str, cwd: Path = SCRATCH) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "sim.cli.main", *args], cwd=cwd, env=ENV,
                       capture_output=True, timeout=600)
    # bytes, decoded by hand: text mode would turn a progress bar's \r into new lines
    p.stdout, p.stderr = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    return p


def on_disk(folder: Path) -> str:
    if not folder.exists():
        return "nothing (no folder)"
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    text = ", ".join(names) or "an empty folder"
    marker = folder / results.MARKER
    if marker.exists():
        text += f'; {results.MARKER} says "{marker.read_text().strip()}"'
    return text


def cell(text: str) -> str:
    text = text.replace(str(SCRATCH), "<tmp>").replace("|", "\\|")
    # a terminal shows what follows the last carriage return (progress bars redraw with \r)
    lines = [ln.split("\r")[-1] for ln in text.split("\n")]
    lines = [ln for ln in lines if ln.strip()]
    return "<br>".join(f"`{ln.strip()}`" for ln in lines) or "(nothing)"


def row(what: str, args: list[str], show: list[str] | None = None, stream: str = "stderr",
        folder: Path = RUN, setup=None) -> str:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    if setup:
        setup()
    p = outreach(*args)
    shown = " ".join(show if show is not None else args).replace(str(SCRATCH), "<tmp>")
    out = p.stderr if stream == "stderr" else p.stdout
    if stream == "warning":
        out = "\n".join(ln for ln in (p.stdout + p.stderr).splitlines() if "WARNING" in ln)
    if "Traceback" in out:  # a bug: show its head and tail
        tb = [ln for ln in out.splitlines() if ln.strip()]
        out = "\n".join([tb[0], "...", *tb[-2:]])
    return (f"| {what} | `outreach {shown}` | {cell(out)} | {p.returncode} | "
            f"{cell(on_disk(folder)) if folder else ''} |")


def config_rows() -> list[str]:
    d = f"hydra.run.dir={RUN}"
    cases = [
        ("mistyped key", ["replicatez=5"]),
        ("wrong type", ["replicates=abc"]),
        ("null for a required number", ["seed=null"]),
        ("unknown option", ["network=nope"]),
        ("key added with + (bypasses Hydra's schema check)", ["+strategy.foo=1"]),
        ("mistyped key added with +", ["strategy=personal_first", "+strategy.delay_hour=3"]),
        ("required value left out", ["network=edgelist"]),
        ("count out of range", ["replicates=0"]),
        ("negative seed", ["seed=-1"]),
        ("probability out of range", ["population.read_prob_base=1.5"]),
        ("sum of base and gain out of range", ["population.read_prob_tie_gain=0.6"]),
        ("interval under one hour", ["strategy=staggered", "strategy.interval_hours=0.5"]),
        ("window under one hour", ["platform.window_hours=0.5"]),
        ("value not in the allowed list", ["strategy=staggered", "strategy.order=alphabetical"]),
        ("k above the sender's contacts", ["strategy=personal_first", "strategy.k=2000"]),
        ("a strategy class that does not import", ["+strategy._target_=nosuch.Strategy"]),
        ("weights asked of a network without any", ["population.tie_strength.from=weight"]),
        ("too big for memory", ["horizon_hours=100000000"]),
    ]
    out = [row(what, [*args, d], args) for what, args in cases]
    out.append(row("horizon too short for the plan (a warning in the log, on stdout; the run goes on)",
                   ["strategy=blast_then_personal", "horizon_hours=600", "replicates=50", d],
                   ["strategy=blast_then_personal", "horizon_hours=600"], stream="warning"))
    return out


def output_rows() -> list[str]:
    blocker = SCRATCH / "a-file"
    blocker.write_text("a regular file\n")
    sweep = SCRATCH / "sweep"
    return [
        row("output folder under a regular file (fails even as root)",
            ["replicates=5", f"hydra.run.dir={blocker}/run"], folder=blocker / "run"),
        row("output folder in /proc", ["replicates=5", "hydra.run.dir=/proc/outreach-run"],
            folder=None),
        row("a sweep with one bad value", ["-m", "replicates=5,0", "strategy=generic_blast,staggered",
                                           f"hydra.sweep.dir={sweep}"], folder=sweep),
        row("a sweep value Hydra cannot parse", ["-m", "replicates=5,abc", f"hydra.sweep.dir={sweep}"],
            folder=sweep),
    ]


def network_rows() -> list[str]:
    files = {
        "missing file": None,
        "empty file": b"",
        "binary file": bytes(range(256)) * 4,
        "malformed line": b"1 2\n2 3\n3\n",
        "non-numeric weight": b"source,target,weight\n1,2,0.5\n2,3,heavy\n",
        "one field on the first line": b"7\n1 2\n",
        "an unbalanced quote": b'"1\n2 3\n',
    }
    out = []
    for what, data in files.items():
        path = SCRATCH / f"{what.split(' (')[0].replace(' ', '_')}.txt"
        path.unlink(missing_ok=True)
        if data is not None:
            path.write_bytes(data)
        out.append(row(what, ["network=edgelist", f"network.path={path}", f"hydra.run.dir={RUN}"],
                       ["network=edgelist", f"network.path={path.name}"]))
    ok = SCRATCH / "edges.txt"
    ok.write_text("1 2\n2 3\n3 4\n")
    iso = SCRATCH / "isolated.txt"
    iso.write_text("source,target\n1,2\n3,3\n")
    out.append(row("unknown sender", ["network=edgelist", f"network.path={ok}", "network.sender=99",
                                      f"hydra.run.dir={RUN}"],
                   ["network=edgelist", "network.path=edges.txt", "network.sender=99"]))
    out.append(row("sender without contacts", ["network=edgelist", f"network.path={iso}",
                                               "network.sender=3", f"hydra.run.dir={RUN}"],
                   ["network=edgelist", "network.path=isolated.txt", "network.sender=3"]))
    return out


def folder_cases() -> dict[str, Path]:
    """Results folders that are not finished runs, made the way they happen."""
    base = SCRATCH / "folders"
    base.mkdir(exist_ok=True)
    empty = base / "empty"
    empty.mkdir(exist_ok=True)
    killed = base / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli.main", "replicates=2000", "output.progress=false",
                             f"hydra.run.dir={killed}"], cwd=SCRATCH, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not (killed / ".hydra").exists() and proc.poll() is None:
        time.sleep(0.01)
    time.sleep(0.5)
    proc.kill()
    proc.wait()
    old = base / "older-version"
    outreach("replicates=5", "network.n_contacts=100", "close_ties=10", "output.plot=false",
             "output.table=false", "output.progress=false", f"hydra.run.dir={old}")
    d = json.loads((old / results.SUMMARY).read_text())
    d.pop("schema_version")
    (old / results.SUMMARY).write_text(json.dumps(d))
    return {"empty folder": empty, "killed run": killed, "older version (no schema_version)": old}


def results_rows() -> list[str]:
    out = []
    for what, folder in folder_cases().items():
        try:
            summary.read(folder)
            msg = "(read)"
        except ResultsError as exc:
            msg = str(exc)
        line = f"| {what} | `summary.read` | {cell(msg)} | | {cell(on_disk(folder))} |"
        out.append(line)
        p = outreach("compare", str(folder), "--out", str(SCRATCH / "cmp"))
        out.append(f"| {what} | `outreach compare {folder.name}` | {cell(p.stderr)} | "
                   f"{p.returncode} | |")
    return out


def fault_rows() -> list[str]:
    args = ["network.n_contacts=600", "close_ties=50", "replicates=300", "engine.batch_size=100",
            "output.progress=false", "output.table=false"]
    out = []

    def kill_when(name, ready, sig=signal.SIGKILL):
        folder = SCRATCH / f"fault-{len(out)}"
        t0 = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "sim.cli.main", *args, f"hydra.run.dir={folder}"],
                                cwd=SCRATCH, env=ENV, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        while proc.poll() is None and not ready(folder, time.monotonic() - t0):
            time.sleep(0.002)
        proc.send_signal(sig)
        err = proc.communicate()[1]
        status = "complete" if results.incomplete_reason(folder) is None else "incomplete"
        shown = err.strip().splitlines()[-1] if err.strip() else ""
        out.append(f"| {name} | {cell(shown)} | {proc.returncode} | {cell(on_disk(folder))} "
                   f"({status}) |")

    kill_when("SIGKILL as soon as the folder appears", lambda f, t: f.exists())
    kill_when("SIGKILL after 1.5 s (simulating)", lambda f, t: t > 1.5)
    kill_when("SIGKILL as soon as the first result file is in place",
              lambda f, t: (f / "replicates.parquet").exists())
    started = {}

    def simulating(f, t):
        if (f / ".hydra").exists():
            started.setdefault(f, t)
        return f in started and t > started[f] + 0.3

    kill_when("Ctrl-C (SIGINT) while simulating", simulating, sig=signal.SIGINT)
    return out


def main() -> None:
    head = "| Bad input | Command | What the user sees (stderr) | Exit | Left in the run folder |"
    sep = "|---|---|---|---|---|"
    print("## Bad config\n", head, sep, *config_rows(), sep="\n")
    print("\n## Output folders and sweeps\n", head, sep, *output_rows(), sep="\n")
    print("\n## Network files\n", head, sep, *network_rows(), sep="\n")
    print("\n## Results folders given to readers\n",
          "| Folder | Read by | Message | Exit | On disk |", sep, *results_rows(), sep="\n")
    print("\n## Faults injected into a run\n",
          "| Fault | Last line on stderr | Exit | Left in the run folder |", "|---|---|---|---|",
          *fault_rows(), sep="\n")


if __name__ == "__main__":
    main()
