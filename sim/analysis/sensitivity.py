"""Which uncertain keys move which outputs: Morris screening and Sobol indices (SALib).

``run(cfg, out)`` does all of it for a composed config:

1. **Design.** The uncertain keys (``uncertainty`` block, sim/config/uncertainty.py) are
   sampled on the unit hypercube, by Morris trajectories (``sensitivity.samples`` of them,
   ``sensitivity.levels`` grid levels) or Saltelli's scheme for Sobol indices (base size
   ``sensitivity.samples``, first and total order), seeded by ``seed``. Each column is mapped
   through its key's inverse CDF (``Dist.ppf``), so any distribution works; an untruncated
   normal's ends are clipped to mean +- 4 sd.
2. **Points.** Each point is the config with those values set, simulated with
   ``sensitivity.replicates`` replicates; its output is the mean over them (a risk: the share
   of replicates it happened in). Every point uses the same replicate seed (``replicate_seed``,
   else the one derived from ``seed``) and the same network seed: common random numbers, so two
   points differ by their values and not by their dice, which takes most of the noise out of
   the differences the indices are made of. A key that cannot change an output then has an
   index of exactly 0.
3. **Resume.** Points run in parallel (``sensitivity.workers`` processes, 0 = every core) and
   each is appended, as it finishes, to ``sensitivity_points.jsonl`` in the output folder: a
   header line (the config and the distributions), then one line per point (its index, inputs
   and the mean of every metric). A rerun into the same folder with the same config skips the
   points already there; a different config is refused, naming the first difference.
4. **Indices.** ``sensitivity.parquet`` (output, parameter, method, index, value, ci_low,
   ci_high): Morris ``mu_star`` (mean absolute elementary effect, in output units per unit of
   the key's quantile, i.e. across its whole distribution) with SALib's bootstrap interval, and
   ``sigma`` (their spread: interactions and non-linearity) with a bootstrap percentile interval
   over trajectories; Sobol ``S1`` (the share of the output's variance the key explains alone)
   and ``ST`` (alone and with others), with SALib's bootstrap intervals (value +- half-width).
   ``sensitivity.png``/``.svg`` draw them; ``sensitivity.json``, written last, says what was
   run and drops the folder's INCOMPLETE marker.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from sim import metrics
from sim.config import uncertainty
from sim.config.uncertainty import Dist
from sim.engine.scenario import build_scenario, seed_streams
from sim.engine.simulate import simulate
from sim.errors import ConfigError, ResultsError, UserError
from sim.network import build_network
from sim.report import folders
from sim.report.figures import sensitivity_figure

log = logging.getLogger("outreach.sensitivity")

POINTS = "sensitivity_points.jsonl"
TABLE = "sensitivity.parquet"
INFO = "sensitivity.json"  # written last: with no INCOMPLETE marker, the folder is complete
FIGURE = "sensitivity"  # .png and .svg
COLUMNS = ("output", "parameter", "method", "index", "value", "ci_low", "ci_high")
INDICES = {"morris": ("mu_star", "sigma"), "sobol": ("S1", "ST")}
CONF_LEVEL = 0.95
# the metrics stored per point: every count and risk of the registry
STORED = metrics.names(kind=metrics.COUNT) + metrics.names(kind=metrics.PROPORTION)
# keys that change how the points are analysed or shown, not their numbers
_NEUTRAL = {"output": None, "replicates": None, "uncertainty": None,
            "sensitivity": ("outputs", "workers", "resamples")}


@dataclass
class Result:
    folder: Path
    table: pd.DataFrame
    evaluated: int  # points simulated by this call
    reused: int  # points read back from an earlier, interrupted call
    seconds: float
    files: list[Path]


# --------------------------------------------------------------------------- design

# how a refused resume names what changed in the folder's config
CHANGED = "{path} was {old}, now {new}"


def problem(dists: list[Dist]) -> dict:
    """SALib's problem: every key on [0, 1] (its quantile; values come from ppf)."""
    return {"num_vars": len(dists), "names": [d.key for d in dists],
            "bounds": [[0.0, 1.0]] * len(dists)}


def design(cfg, dists: list[Dist]) -> np.ndarray:
    """The points on the unit hypercube, (P, k), in SALib's order."""
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    s = cfg.sensitivity
    if s.method == "morris":
        return morris_sample.sample(problem(dists), int(s.samples), num_levels=int(s.levels),
                                    seed=int(cfg.seed))
    return sobol_sample.sample(problem(dists), int(s.samples), calc_second_order=False,
                               scramble=True, seed=int(cfg.seed))


def values(dists: list[Dist], unit: np.ndarray) -> np.ndarray:
    """Unit-hypercube points -> the keys' values: each column through its ppf, within bounds."""
    cols = [np.clip(d.ppf(unit[:, j]), *d.bounds()) for j, d in enumerate(dists)]
    return np.column_stack(cols) if cols else np.empty((len(unit), 0))


# --------------------------------------------------------------------------- one point

_network_cache: dict = {}


def _network(cfg):
    """The point's network: built once per worker while the network keys stay the same."""
    key = json.dumps([OmegaConf.to_container(cfg.network, resolve=True), int(cfg.seed)],
                     sort_keys=True, default=str)
    if key not in _network_cache:
        _network_cache.clear()
        rng = np.random.default_rng(seed_streams(cfg.seed)["network"])
        _network_cache[key] = build_network(cfg.network, rng)
    return _network_cache[key]


def evaluate(cfg, dists: list[Dist], row: np.ndarray, index: int) -> dict:
    """One point: the config with ``row`` set, ``sensitivity.replicates`` replicates, the mean
    of every stored metric. A point whose config cannot run is a UserError naming it."""
    t0 = time.perf_counter()
    point = uncertainty.apply(cfg, dists, row)
    point.replicates = int(cfg.sensitivity.replicates)
    try:
        scenario = build_scenario(point, network=_network(point))
        res = simulate(point, scenario=scenario)
    except UserError as exc:
        shown = " ".join(uncertainty.as_overrides(dists, np.asarray(row)[None, :])[0])
        raise type(exc)(f"point {index} ({shown}): {exc}") from None
    df = res.replicates
    outputs = {name: float(df[name].astype(float).mean()) for name in STORED}
    inputs = {d.key: (int(v) if d.integer else float(v)) for d, v in zip(dists, row)}
    return {"index": int(index), "inputs": inputs, "outputs": outputs,
            "seconds": round(time.perf_counter() - t0, 4)}


def _evaluate_many(cfg, dists, rows, indices, quiet: bool = False) -> list[dict]:
    if quiet:  # a worker process: the run's warnings were shown once, by the base config
        logging.getLogger("sim").setLevel(logging.ERROR)
    return [evaluate(cfg, dists, row, i) for row, i in zip(rows, indices)]


# --------------------------------------------------------------------------- the points file


def header(cfg, dists: list[Dist], n_points: int) -> dict:
    """What decides the points' numbers: the config (less what only changes the analysis or
    the display), the distributions and the number of points."""
    return {"config": folders.config_identity(cfg, _NEUTRAL), "points": int(n_points),
            "dists": [{"key": d.key, "dist": d.dist, "params": d.params, "integer": d.integer}
                      for d in dists]}


def read_points(folder: Path, head: dict, planned: np.ndarray, dists: list[Dist]) -> dict[int, dict]:
    """The points already in ``folder`` for this header, by index; {} when there are none.
    A line cut short by a kill is dropped (and the file rewritten without it); a file of
    another config is a ResultsError naming the first difference."""
    path = Path(folder) / POINTS
    if not path.exists():
        return {}
    text = path.read_text()
    lines = text.splitlines()
    try:
        old = json.loads(lines[0])
    except (IndexError, ValueError):
        old = None
    if old is None or not isinstance(old, dict) or "config" not in old:
        raise ResultsError(f"{path}: not a points file of outreach sensitivity (delete it or use "
                           "another --out)")
    fresh = json.loads(json.dumps(head, default=str))
    if old != fresh:
        raise ResultsError(f"{folder}: holds the points of another sensitivity run "
                           f"({folders.first_difference(old, fresh, form=CHANGED)}); use another "
                           "--out, or delete "
                           f"{POINTS} there to start again")
    done, broken = {}, not text.endswith("\n")  # the next append must start a new line
    for line in lines[1:]:
        try:
            p = json.loads(line)
            i = int(p["index"])
            row = np.array([p["inputs"][d.key] for d in dists], dtype=float)
            complete = all(name in p["outputs"] for name in STORED)
        except (ValueError, KeyError, TypeError):
            broken = True  # a line cut short by a kill: that point runs again
            continue
        if not complete or not 0 <= i < len(planned):
            broken = True
            continue
        if not np.allclose(row, planned[i], rtol=1e-9, atol=0):
            raise ResultsError(f"{path}: point {i}'s inputs differ from this run's design (a "
                               "different SALib version?); delete the file to start again")
        done.setdefault(i, p)
    if broken:
        text = "\n".join([lines[0], *(json.dumps(p) for _, p in sorted(done.items()))]) + "\n"
        folders.atomic_write(path, lambda t: t.write_text(text))
    return done


# --------------------------------------------------------------------------- indices


def _elementary_effects(unit: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(trajectories, k) elementary effects of Morris trajectories of k + 1 points each: the
    change in y over the step in the one key that moved (in quantile units)."""
    k = unit.shape[1]
    r = len(unit) // (k + 1)
    ee = np.full((r, k), np.nan)
    for t in range(r):
        x, v = unit[t * (k + 1):(t + 1) * (k + 1)], y[t * (k + 1):(t + 1) * (k + 1)]
        for j in range(k):
            step = x[j + 1] - x[j]
            i = int(np.argmax(np.abs(step)))
            ee[t, i] = (v[j + 1] - v[j]) / step[i]
    return ee


def morris_indices(dists, unit, y, cfg) -> list[tuple]:
    from SALib.analyze import morris as morris_analyze

    s = cfg.sensitivity
    res = morris_analyze.analyze(problem(dists), unit, y, num_resamples=int(s.resamples),
                                 conf_level=CONF_LEVEL, num_levels=int(s.levels), seed=int(cfg.seed))
    ee = _elementary_effects(unit, y)
    rng = np.random.default_rng(int(cfg.seed))
    boot = rng.integers(0, len(ee), size=(int(s.resamples), len(ee)))
    sigmas = np.array([np.nanstd(ee[b], axis=0, ddof=1) for b in boot])
    lo, hi = np.nanpercentile(sigmas, [100 * (1 - CONF_LEVEL) / 2, 100 * (1 + CONF_LEVEL) / 2],
                              axis=0) if len(ee) > 1 else (np.full(len(dists), np.nan),) * 2
    rows = []
    for j, d in enumerate(dists):
        m, c = float(res["mu_star"][j]), float(res["mu_star_conf"][j])
        rows.append((d.key, "mu_star", m, m - c, m + c))
        rows.append((d.key, "sigma", float(res["sigma"][j]), float(lo[j]), float(hi[j])))
    return rows


def sobol_indices(dists, y, cfg) -> list[tuple]:
    from SALib.analyze import sobol as sobol_analyze

    if np.ptp(y) == 0:  # the output never moved: no key explains any of its (zero) variance
        return [(d.key, name, 0.0, 0.0, 0.0) for d in dists for name in ("S1", "ST")]
    s = cfg.sensitivity
    res = sobol_analyze.analyze(problem(dists), y, calc_second_order=False,
                                num_resamples=int(s.resamples), conf_level=CONF_LEVEL,
                                seed=int(cfg.seed))
    rows = []
    for j, d in enumerate(dists):
        for name in ("S1", "ST"):
            v, c = float(res[name][j]), float(res[f"{name}_conf"][j])
            rows.append((d.key, name, v, v - c, v + c))
    return rows


def indices(cfg, dists: list[Dist], unit: np.ndarray, points: dict[int, dict]) -> pd.DataFrame:
    """The table of ``sensitivity.parquet`` from every point's outputs."""
    method = cfg.sensitivity.method
    out = []
    for name in cfg.sensitivity.outputs:
        y = np.array([points[i]["outputs"][name] for i in range(len(unit))], dtype=float)
        rows = (morris_indices(dists, unit, y, cfg) if method == "morris"
                else sobol_indices(dists, y, cfg))
        out += [(name, key, method, index, v, lo, hi) for key, index, v, lo, hi in rows]
    return pd.DataFrame(out, columns=list(COLUMNS))


# --------------------------------------------------------------------------- the whole run


def workers(cfg) -> int:
    from joblib import cpu_count

    n = int(cfg.sensitivity.workers)
    return cpu_count() if n == 0 else n


def run(cfg, out: Path, progress: bool = True, say: Callable[[str], None] = log.info) -> Result:
    """The whole analysis into ``out`` (resuming what an earlier call left there)."""
    t0 = time.perf_counter()
    dists = uncertainty.load(cfg)
    if not dists:
        raise ConfigError("nothing is uncertain: set uncertainty=default or "
                          "uncertainty.file=PATH (docs/MODEL.md, Uncertainty)")
    out = folders.begin(Path(out))
    unit = design(cfg, dists)
    planned = values(dists, unit)
    head = header(cfg, dists, len(unit))
    done = read_points(out, head, planned, dists)
    path = out / POINTS
    if not path.exists():
        text = json.dumps(head, default=str) + "\n"
        folders.atomic_write(path, lambda p: p.write_text(text))
    todo = [i for i in range(len(unit)) if i not in done]
    n_workers = min(workers(cfg), max(1, len(todo)))
    say(f"sensitivity ({cfg.sensitivity.method}): {len(dists)} uncertain keys, {len(unit)} "
        f"points x {cfg.sensitivity.replicates} replicates"
        + (f"; {len(done)} already in {path}" if done else "")
        + (f"; {n_workers} worker(s)" if todo else ""))
    reused = len(done)
    if todo:
        _run_points(cfg, dists, planned, todo, done, path, n_workers, progress)
    table = indices(cfg, dists, unit, done)
    folders.write_parquet(out / TABLE, table)
    files = [out / TABLE, *sensitivity_figure(table, out / FIGURE, _title(cfg, dists, len(unit)))]
    seconds = time.perf_counter() - t0
    info = {
        "method": cfg.sensitivity.method, "samples": int(cfg.sensitivity.samples),
        "points": len(unit), "replicates_per_point": int(cfg.sensitivity.replicates),
        "outputs": list(cfg.sensitivity.outputs),
        "uncertain": [{"key": d.key, "dist": d.describe(), "integer": d.integer} for d in dists],
        "common_random_numbers": "every point uses the same replicate seed and network seed",
        "evaluated": len(todo), "reused": reused, "workers": n_workers,
        "seconds": round(seconds, 2),
        "seconds_per_point": round(float(np.mean([p["seconds"] for p in done.values()])), 4),
        "config": head["config"],
    }
    folders.write_json(out / INFO, info)
    folders.mark_complete(out)
    files += [out / INFO, path]
    return Result(out, table, len(todo), reused, seconds, files)


def _run_points(cfg, dists, planned, todo, done, path, n_workers, progress) -> None:
    from joblib import Parallel, delayed
    from tqdm import tqdm

    # a few points per task: each task's cost (the config shipped to the worker) is shared
    chunk = max(1, min(16, len(todo) // (4 * n_workers)))
    chunks = [todo[i:i + chunk] for i in range(0, len(todo), chunk)]
    bar = tqdm(total=len(todo), desc="points", unit="pt", leave=False, disable=not progress)
    try:
        with open(path, "a") as fh:
            if n_workers == 1:
                results = (_evaluate_many(cfg, dists, planned[c], c) for c in chunks)
            else:
                results = Parallel(n_jobs=n_workers, return_as="generator_unordered")(
                    delayed(_evaluate_many)(cfg, dists, planned[c], c, quiet=True) for c in chunks)
            for batch in results:
                for p in batch:
                    fh.write(json.dumps(p) + "\n")
                    done[p["index"]] = p
                fh.flush()
                bar.update(len(batch))
    finally:
        bar.close()


def _title(cfg, dists, n_points) -> str:
    s = cfg.sensitivity
    what = ("Morris screening (mu_star: mean |elementary effect| per unit of quantile)"
            if s.method == "morris" else "Sobol indices (share of the output's variance)")
    return (f"{what}: {len(dists)} uncertain keys, {n_points} points x {s.replicates} "
            f"replicates, 95% intervals")
