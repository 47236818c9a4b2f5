"""``outreach calibrate``: from what senders saw to a posterior over the uncertain keys, by
importance sampling from the prior weighted with a synthetic likelihood (docs/MODEL.md,
"Calibration to what a sender saw"; the command line is sim/cli/calibrate.py).

1. The prior is the ``uncertainty`` group (sim/config/uncertainty.py): M draws
   (``calibrate.draws``), scrambled Sobol points through each key's inverse CDF. Draw j is the
   same whatever M is, so a rerun with more draws keeps the ones done.
2. Each case of the observations (sim/analysis/observations.py) is composed once: the command
   line's overrides, then the case's; ``calibrate.replicates`` replicates and a replicate seed
   per case from ``calibrate.seed``, the same for every draw (common random numbers: two draws
   differ by their parameters, not by their dice).
3. For each draw and case: the draw's values set on the case's config, one engine run
   (``simulate``), and the case's synthetic log-likelihood (sim/analysis/likelihood.py). The
   network is rebuilt only when a network key changes.
4. Weight = likelihood (the draws come from the prior); the effective sample size says how
   many draws carry the posterior (sim/analysis/weighting.py).

Resume: each evaluated draw is appended, as one JSON line, to ``evaluations.jsonl`` in the
output folder (first line: everything that decides the numbers). Run again with the same
folder and the draws already there are skipped (more draws extend them); a folder holding
another calibration's evaluations is refused, naming the first difference.
The final files are written whole (temporary name, then renamed), ``calibration.md`` last, and
the folder carries an ``INCOMPLETE`` marker until then.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException
from scipy.stats import qmc

from sim import __version__
from sim.analysis import likelihood, observations, weighting
from sim.config import compose_checked, first_lines, uncertainty, validate
from sim.engine.scenario import build_scenario
from sim.engine.simulate import simulate
from sim.errors import ConfigError, ResultsError, UserError
from sim.report import folders
from sim.report.posterior import markdown, pair_plot

EVALUATIONS = "evaluations.jsonl"
POSTERIOR_TABLE = "posterior.parquet"
POSTERIOR_YAML = "posterior.yaml"
REPORT = "calibration.md"
PLOT = "pair_plot"
CONFIG = "config.yaml"
SYNC_SECONDS = 5.0  # evaluations.jsonl is forced to disk at least this often
FORMAT = 1  # of evaluations.jsonl: a change makes old evaluations a different calibration


# --------------------------------------------------------------------------- set-up


@dataclass
class CaseRun:
    """One case: what was seen and its composed config (replicates and seed set)."""

    case: observations.Case
    cfg: DictConfig
    keys: tuple[str, ...]  # the uncertain keys its config has (others cannot change it)


@dataclass
class Setup:
    root: DictConfig  # the command line's config
    observations: observations.Observations
    dists: list
    cases: list[CaseRun]
    overrides: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)  # warnings found while setting up

    @property
    def settings(self) -> DictConfig:
        return self.root.calibrate

    @property
    def keys(self) -> list[str]:
        return [d.key for d in self.dists]


def case_seed(seed: int, index: int) -> int:
    """The replicate seed of case ``index``: the same for every draw."""
    state = np.random.SeedSequence([int(seed), int(index)]).generate_state(1, dtype=np.uint64)
    return int(state[0] >> np.uint64(1))


def setup(overrides=(), dists=None) -> Setup:
    """Compose the command line's config and every case's; read the observations and the
    prior (``dists``: the prior's list of distributions, else ``uncertainty.load``). A user
    error is a ConfigError of one line naming the case or key."""
    overrides = list(overrides)
    root = compose_checked(overrides, "")
    obs = observations.load(root)
    if dists is None:
        dists = uncertainty.load(root)
    dists = list(dists)
    if not dists:
        raise ConfigError("no uncertain keys to calibrate (uncertainty=none): choose "
                          "uncertainty=default or give uncertainty.file=PATH")
    cal = root.calibrate
    cases, notes = [], []
    for case in obs.cases:
        where = f"{obs.source}: case {case.index + 1} ({case.label}): "
        cfg = compose_checked(overrides + list(case.overrides), where)
        if float(cfg.senders.fraction) > 0:
            raise ConfigError(f"{where}senders.fraction={cfg.senders.fraction}: what a sender saw "
                              "is one sender's; calibrate needs senders.fraction=0")
        # checked as typed above; kept as plain containers from here (the same numbers, read
        # faster: each draw sets its values on it, builds and runs the scenario)
        cfg = OmegaConf.create(OmegaConf.to_container(cfg, resolve=False))
        cfg.replicates = int(cal.replicates)
        cfg.replicate_seed = case_seed(int(cal.seed), case.index)
        cfg.output.progress = False
        keys = tuple(d.key for d in dists if _has_key(cfg, d.key))
        cases.append(CaseRun(case=case, cfg=cfg, keys=keys))
    for d in dists:
        if not any(d.key in c.keys for c in cases):
            notes.append(f"{d.key}: in no case's config, so the observations cannot inform it "
                         "(its posterior is its prior)")
    return Setup(root=root, observations=obs, dists=dists, cases=cases,
                 overrides=tuple(overrides), notes=notes)


def _path(key: str) -> str:
    """An OmegaConf path for a key as typed: ``a.b[0]`` -> ``a.b.0``."""
    return key.replace("[", ".").replace("]", "")


def _has_key(cfg, key: str) -> bool:
    found = OmegaConf.select(cfg, _path(key), default=KeyError, throw_on_missing=False)
    return found is not KeyError


# --------------------------------------------------------------------------- draws


def prior_draws(dists, m: int, seed: int) -> np.ndarray:
    """(m, k) values: scrambled Sobol points (seeded) through each key's inverse CDF. The
    first m points are the same for any larger m."""
    with warnings.catch_warnings():  # balance needs m = 2^j; any prefix is still a fine sample
        warnings.simplefilter("ignore", UserWarning)
        u = qmc.Sobol(len(dists), scramble=True, seed=int(seed)).random(int(m))
    return np.column_stack([np.clip(np.asarray(d.ppf(u[:, i]), dtype=float), *d.bounds())
                            for i, d in enumerate(dists)])


def value_of(dist, v: float) -> int | float:
    """A drawn value as the config takes it (a whole-number key: an int)."""
    return int(round(float(v))) if dist.integer else float(v)


def set_values(cfg: DictConfig, dists, values) -> DictConfig:
    """Set one draw's values on a case's config, in place (keys it lacks are left out: they
    cannot change this case). Every draw sets every key, so nothing of the last one stays."""
    for d, v in zip(dists, np.asarray(values, dtype=float).ravel()):
        if _has_key(cfg, d.key):
            OmegaConf.update(cfg, _path(d.key), value_of(d, v), merge=False)
    return cfg


def with_values(cfg: DictConfig, dists, values) -> DictConfig:
    """A copy of a case's config with one draw's values."""
    return set_values(copy.deepcopy(cfg), dists, values)


def preflight(setup: Setup) -> None:
    """The prior's low ends together, then its high ends, pass every case's checks (the
    constraints between keys are linear: base + gain at most 1), before any run."""
    for end, name in ((0, "low"), (1, "high")):
        row = [d.bounds()[end] for d in setup.dists]
        for c in setup.cases:
            try:
                validate(with_values(c.cfg, setup.dists, row))
            except (ConfigError, OmegaConfBaseException) as exc:
                raise ConfigError(f"the prior's {name} ends are not a valid config for case "
                                  f"{c.case.index + 1} ({c.case.label}): "
                                  f"{first_lines(exc)}") from None


# --------------------------------------------------------------------------- evaluation


class Runner:
    """Runs the cases for one draw; keeps each case's network while its keys do not change."""

    def __init__(self, setup: Setup):
        self.setup = setup
        self._networks: dict[int, tuple[str, object]] = {}

    def _network(self, index: int, cfg: DictConfig):
        key = json.dumps([OmegaConf.to_container(cfg.network, resolve=True), int(cfg.seed)],
                         sort_keys=True, default=str)
        cached = self._networks.get(index)
        return (key, cached[1]) if cached is not None and cached[0] == key else (key, None)

    def evaluate(self, values) -> dict:
        """The draw's per-case log-likelihood, its terms, and the replicates' means of what
        was observed (for the posterior predictive check)."""
        setup = self.setup
        loglik, terms, means = [], [], []
        for c in setup.cases:
            cfg = set_values(c.cfg, setup.dists, values)
            key, net = self._network(c.case.index, cfg)
            scenario = build_scenario(cfg, network=net)
            self._networks[c.case.index] = (key, scenario.network)
            table = simulate(cfg, scenario=scenario).replicates
            t = likelihood.case_loglik(c.case, table, float(cfg.horizon_hours),
                                       float(setup.settings.variance_floor))
            loglik.append(float(sum(t.values())))
            terms.append(t)
            means.append(predicted(c.case, table))
        return {"loglik": loglik, "terms": terms, "means": means}


def predicted(case: observations.Case, table: pd.DataFrame) -> dict[str, float]:
    """What one draw's replicates give for each observed quantity: a count's mean, a yes/no
    outcome's share, an hour's mean where it happened."""
    out = {}
    for name in case.observed:
        col = table[name].to_numpy(dtype=float)
        if name in observations.HOUR_OF:
            col = col[np.isfinite(col)]
            out[name] = float(col.mean()) if len(col) else float("nan")
        else:
            out[name] = float(col.mean())
    return out


# --------------------------------------------------------------------------- the record


def identity(setup: Setup) -> dict:
    """Everything that decides a draw's evaluation (not how many draws, nor what only changes
    the report), as plain data: the cases' configs (the drawn keys blanked) and observations,
    the prior, the seed, the replicates and the variance floor."""
    cases = []
    for c in setup.cases:
        blank = with_values(c.cfg, [d for d in setup.dists if d.key in c.keys],
                            [0.0] * len(c.keys))  # the drawn keys' own values do not count
        conf = OmegaConf.to_container(blank, resolve=True)
        for drop in ("output", "calibrate", "observations", "uncertainty", "sensitivity"):
            conf.pop(drop, None)
        cases.append({"config": conf, "observed": c.case.observed})
    cal = setup.settings
    return json.loads(json.dumps({
        "format": FORMAT, "version": __version__, "cases": cases,
        "dists": [{"key": d.key, "dist": d.dist, "params": d.params, "integer": bool(d.integer)}
                  for d in setup.dists],
        "seed": int(cal.seed), "replicates": int(cal.replicates),
        "variance_floor": float(cal.variance_floor),
    }, sort_keys=True, default=str))


class Record:
    """``evaluations.jsonl``: a header line (the calibration's identity), then one line per
    evaluated draw, appended as each finishes; a line cut short by a kill is dropped when
    read. A file of another calibration is refused (ResultsError naming the first
    difference), never overwritten."""

    def __init__(self, folder: Path, setup: Setup, values: np.ndarray):
        self.path = Path(folder) / EVALUATIONS
        self.header = {"identity": identity(setup), "keys": setup.keys,
                       "cases": [c.case.label for c in setup.cases]}
        self.done: dict[int, dict] = {}
        self._synced = time.monotonic()
        rows = self._read()
        if rows is not None:
            head, body = rows
            if "identity" not in head:
                raise ResultsError(f"{self.path}: not an evaluations file of outreach calibrate "
                                   "(delete it or use another --out)")
            if head["identity"] != self.header["identity"]:
                raise ResultsError(
                    f"{folder}: holds the evaluations of another calibration "
                    f"({folders.first_difference(head['identity'], self.header['identity'])}); use "
                    f"another --out, or delete {EVALUATIONS} there to start again")
            for r in body:
                j = r["draw"]
                if j < len(values) and not np.allclose(r["values"], values[j], rtol=1e-12, atol=0):
                    raise ResultsError(f"{self.path}: draw {j}'s values differ from this run's "
                                       "(a different scipy?); delete the file to start again")
            self.done = {r["draw"]: r for r in body}
        self._rewrite()

    def _read(self):
        if not self.path.is_file():
            return None
        lines = self.path.read_text(errors="replace").splitlines()
        parsed = []
        for line in lines:
            try:
                parsed.append(json.loads(line))
            except ValueError:
                break  # cut short by a kill: it and anything after are dropped
        if not parsed or not isinstance(parsed[0], dict):
            return {}, []
        body = [r for r in parsed[1:] if isinstance(r, dict) and "draw" in r and "loglik" in r]
        return parsed[0], body

    def _rewrite(self) -> None:
        """The header and the draws kept, written whole (drops a torn last line)."""
        lines = [json.dumps(self.header)] + [json.dumps(self.done[j]) for j in sorted(self.done)]
        folders.atomic_write(self.path, lambda p: p.write_text("\n".join(lines) + "\n"))

    def append(self, row: dict) -> None:
        """Add a draw's line: handed to the system at once (a killed process loses nothing),
        forced to disk every few seconds (a crash of the machine loses those seconds)."""
        line = json.dumps(row, default=_plain)
        with open(self.path, "a") as f:
            f.write(line + "\n")
            f.flush()
            if time.monotonic() - self._synced > SYNC_SECONDS:
                os.fsync(f.fileno())
                self._synced = time.monotonic()
        self.done[row["draw"]] = json.loads(line)


def _plain(o):
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


# --------------------------------------------------------------------------- the run


@dataclass
class Result:
    folder: Path
    table: pd.DataFrame  # posterior.parquet
    summaries: list  # weighting.KeySummary per key
    ess: float
    seconds: float  # this run's time (draws done earlier not counted)
    evaluated: int  # draws evaluated by this run
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def run(setup: Setup, out: Path, say: Callable[[str], None] = print,
        check: Callable[[], None] = lambda: None) -> Result:
    """Evaluate the draws not yet in ``out``'s record, then write the posterior's files.
    ``check`` is called between draws (the command's Ctrl-C check)."""
    t0 = time.perf_counter()
    out = Path(out)
    folders.begin(out)
    cal = setup.settings
    m = int(cal.draws)
    values = prior_draws(setup.dists, m, int(cal.seed))
    preflight(setup)
    folders.atomic_write(out / CONFIG, lambda p: p.write_text(_config_text(setup)))
    record = Record(out, setup, values)
    todo = [j for j in range(m) if j not in record.done]
    if record.done and todo:
        say(f"calibrate: resuming: {m - len(todo)} of {m} draws already evaluated in {out}")
    for note in setup.notes:
        say(f"calibrate: warning: {note}")
    runner = Runner(setup)
    bar = None
    if setup.root.output.progress and todo:
        from tqdm import tqdm

        bar = tqdm(total=m, initial=m - len(todo), desc="draws", unit="draw", leave=False)
    engine_log = logging.getLogger("sim")  # a case's warnings (horizon) once, not per draw
    level = engine_log.level
    try:
        for n, j in enumerate(todo):
            check()
            if n == 1:
                engine_log.setLevel(logging.ERROR)
            t = time.perf_counter()
            try:
                row = runner.evaluate(values[j])
            except UserError as exc:  # a draw whose config cannot run: name it
                shown = ", ".join(f"{d.key}={value_of(d, v):g}"
                                  for d, v in zip(setup.dists, values[j]))
                raise type(exc)(f"prior draw {j} ({shown}): {exc}") from None
            record.append({"draw": j, "values": values[j].tolist(), **row,
                           "seconds": round(time.perf_counter() - t, 4)})
            if bar is not None:
                bar.update(1)
                if len(record.done) % 10 == 0 or len(record.done) == m:
                    bar.set_postfix_str(f"ESS {_running_ess(record, m):.0f}")
    finally:
        engine_log.setLevel(level)
        if bar is not None:
            bar.close()
    check()
    return finish(setup, out, record, values, t0, len(todo), say)


def _running_ess(record: Record, m: int) -> float:
    ll = np.array([sum(r["loglik"]) for j, r in record.done.items() if j < m])
    return weighting.ess(weighting.normalise(ll)) if len(ll) else 0.0


def posterior_table(setup: Setup, record: Record, values: np.ndarray) -> pd.DataFrame:
    """One row per draw: its values, weight, total and per-case log-likelihood."""
    m = len(values)
    rows = [record.done[j] for j in range(m)]
    ll = np.array([r["loglik"] for r in rows], dtype=float).reshape(m, len(setup.cases))
    total = ll.sum(axis=1)
    df = pd.DataFrame({"draw": np.arange(m)})
    for i, key in enumerate(setup.keys):
        df[key] = values[:, i]
    df["weight"] = weighting.normalise(total)
    df["loglik"] = total
    for i, c in enumerate(setup.cases):
        df[f"loglik_{c.case.label}"] = ll[:, i]
    return df


def predictive(setup: Setup, record: Record, w: np.ndarray, m: int) -> list[dict]:
    """Per case and observed quantity: what was seen, the prior's and the posterior's mean of
    what the replicates gave (a posterior predictive check)."""
    out = []
    for i, c in enumerate(setup.cases):
        for name, seen in c.case.observed.items():
            vals = np.array([record.done[j]["means"][i].get(name, float("nan"))
                             for j in range(m)], dtype=float)
            ok = np.isfinite(vals)
            prior = float(vals[ok].mean()) if ok.any() else float("nan")
            post = (float(np.sum(w[ok] * vals[ok]) / np.sum(w[ok]))
                    if ok.any() and w[ok].sum() > 0 else float("nan"))
            out.append({"case": c.case.label, "metric": name, "seen": seen, "prior": prior,
                        "posterior": post})
    return out


def finish(setup: Setup, out: Path, record: Record, values: np.ndarray, t0: float,
           evaluated: int, say=print) -> Result:
    m = len(values)
    table = posterior_table(setup, record, values)
    w = table["weight"].to_numpy()
    ess = weighting.ess(w)
    summaries = weighting.summarise(setup.dists, values, w)
    notes = list(setup.notes)
    if ess < float(setup.settings.min_ess):
        notes.append(f"effective sample size {ess:.1f} of {m} draws is below calibrate.min_ess="
                     f"{setup.settings.min_ess:g}: the posterior rests on a few draws; run more "
                     "draws (calibrate.draws, resumes in the same folder) or observe less "
                     "precisely")
        say(f"calibrate: warning: {notes[-1]}")
    files = [out / POSTERIOR_TABLE]
    folders.write_parquet(out / POSTERIOR_TABLE, table)
    posterior = posterior_dists(setup.dists, values, w)
    folders.atomic_write(out / POSTERIOR_YAML, lambda p: uncertainty.write(p, posterior))
    files.append(out / POSTERIOR_YAML)
    files += pair_plot(table, summaries, out, PLOT, max_keys=int(setup.settings.plot_keys))
    seconds = time.perf_counter() - t0
    stored = sum(float(record.done[j].get("seconds", 0.0)) for j in range(m))
    text = markdown(
        source=setup.observations.source, overrides=setup.overrides,
        cases=[(c.case.label, list(c.case.overrides), c.case.observed) for c in setup.cases],
        summaries=summaries, ess=ess, draws=m, replicates=int(setup.settings.replicates),
        predictive=predictive(setup, record, w, m), notes=notes, simulate_seconds=stored,
        posterior_file=POSTERIOR_YAML,
    )
    folders.atomic_write(out / REPORT, lambda p: p.write_text(text))
    files.append(out / REPORT)
    folders.mark_complete(out)
    return Result(folder=out, table=table, summaries=summaries, ess=ess, seconds=seconds,
                  evaluated=evaluated, files=files, warnings=notes)


def posterior_dists(dists, values: np.ndarray, w: np.ndarray) -> list:
    """The weighted draws summarised per key as the prior module's distributions."""
    out = []
    for i, d in enumerate(dists):
        name, params = weighting.fit(d, values[:, i], w)
        out.append(uncertainty.Dist(key=d.key, dist=name, params=params, integer=bool(d.integer)))
    return out


def _config_text(setup: Setup) -> str:
    return OmegaConf.to_yaml(setup.root, resolve=True)
