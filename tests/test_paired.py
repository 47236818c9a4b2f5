"""Differences between two runs (sim/report/paired.py) on tiny replicate tables worked by hand:
the mean difference, the shares better / worse / tied, the interval, when runs are paired, and
the unpaired fallback."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from oracles.intervals import newcombe_paired
from sim import metrics
from sim.report import paired, stats, summary


def run(table: pd.DataFrame, seed=0, replicate_seed=5, senders=1) -> summary.Summary:
    """A Summary of these replicates, as a finished run would have it."""
    return summary.Summary(folder=Path("."), data={
        "schema_version": summary.SCHEMA_VERSION, "seed": seed, "replicate_seed": replicate_seed,
        "replicates": len(table), "senders": senders,
        "metrics": summary.summarize(table, senders=senders)})


def table(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    df = pd.DataFrame({"replicate": np.arange(n)})
    for name in metrics.names():
        df[name] = columns.get(name, np.zeros(n))
    for name, (_, hour) in metrics.RISKS.items():
        if name not in columns:
            df[name] = np.zeros(n, dtype=bool)
        df[hour] = np.where(df[name] > 0, 3.0, np.nan)
    return df


# the baseline and the entry, replicate by replicate
BASE = table(reach=[10.0, 12, 8, 10], unfollows=[0.0, 1, 0, 2], messages_sent=[5.0, 5, 5, 5],
             suspended=np.array([1, 0, 0, 1], bool))
ENTRY = table(reach=[12.0, 12, 9, 7], unfollows=[1.0, 0, 0, 0], messages_sent=[6.0, 4, 5, 5],
              suspended=np.array([0, 0, 0, 1], bool))


def test_paired_differences_worked_by_hand():
    diffs, reason = paired.differences(run(ENTRY), run(BASE), ENTRY, BASE,
                                       ("reach", "unfollows", "messages_sent", "suspended"))
    assert reason is None
    reach, unfollows, sent, risk = diffs
    # reach: d = 2, 0, 1, -3 -> mean 0; higher is better: 2 better, 1 worse, 1 tied
    assert reach.paired and reach.n == 4 and reach.mean == 0
    assert (reach.better, reach.worse, reach.tied) == (0.5, 0.25, 0.25)
    # t-interval by hand: sd of (2, 0, 1, -3) = sqrt(14/3), t(3) = 3.182446305
    half = 3.182446305 * math.sqrt(14 / 3) / 2
    assert reach.ci95 == pytest.approx((-half, half), abs=1e-8)
    assert reach.verdict == "no detectable difference"
    # unfollows: d = 1, -1, 0, -2 -> mean -0.5; lower is better: 2 better, 1 worse, 1 tied
    assert unfollows.mean == -0.5 and (unfollows.better, unfollows.worse, unfollows.tied) == (0.5, 0.25, 0.25)
    # messages sent is neither better nor worse: no shares
    assert sent.mean == 0 and (sent.better, sent.worse, sent.tied) == (None, None, None)
    # suspended: d = -1, 0, 0, 0 -> -0.25; lower is better: 1 better, 3 tied
    assert risk.mean == -0.25 and (risk.better, risk.worse, risk.tied) == (0.25, 0.0, 0.75)
    assert risk.method == paired.PAIRED_RISK


def test_paired_risk_is_newcombes_interval():
    # 2x2 table of (entry, baseline): both 1: 2, entry only: 1, baseline only: 4, neither: 13
    x = np.array([1] * 2 + [1] * 1 + [0] * 4 + [0] * 13, float)
    y = np.array([1] * 2 + [0] * 1 + [1] * 4 + [0] * 13, float)
    d = paired.paired_difference("suspended", x, y)
    assert d.mean == pytest.approx(-3 / 20)
    assert d.ci95 == pytest.approx(newcombe_paired(2, 1, 4, 13), abs=1e-12)


def test_a_clear_difference_is_named_better_or_worse():
    base = table(reach=np.arange(30.0), unfollows=np.zeros(30))
    entry = table(reach=np.arange(30.0) + 5 + np.tile([0, 1], 15), unfollows=np.full(30, 2.0))
    reach, unfollows = paired.differences(run(entry), run(base), entry, base,
                                          ("reach", "unfollows"))[0]
    assert reach.ci95[0] > 0 and reach.verdict == "better (higher)" and reach.better == 1.0
    assert unfollows.ci95 == (2.0, 2.0) and unfollows.verdict == "worse (higher)"
    assert unfollows.worse == 1.0


def test_pairs_follow_the_replicate_numbers_not_the_row_order():
    shuffled = ENTRY.iloc[[2, 0, 3, 1]].reset_index(drop=True)
    a = paired.differences(run(ENTRY), run(BASE), ENTRY, BASE, ("reach",))[0][0]
    b = paired.differences(run(shuffled), run(BASE), shuffled, BASE, ("reach",))[0][0]
    assert a == b


@pytest.mark.parametrize("entry_kw, base_kw, reps, reason", [
    ({"replicate_seed": 6}, {}, True, "replicate seeds differ"),
    ({"replicate_seed": None}, {}, True, "replicate seeds differ"),
    ({}, {}, False, "no replicates.parquet"),
])
def test_unpaired_when_the_replicates_were_not_drawn_alike(entry_kw, base_kw, reps, reason):
    e, b = run(ENTRY, **entry_kw), run(BASE, **base_kw)
    got = paired.unpaired_reason(e, b, ENTRY if reps else None, BASE if reps else None)
    assert got == reason


def test_paired_by_master_seed_when_neither_has_a_replicate_seed():
    # two single runs with the same seed draw their replicates from the same stream
    e, b = run(ENTRY, seed=3, replicate_seed=None), run(BASE, seed=3, replicate_seed=None)
    assert paired.unpaired_reason(e, b, ENTRY, BASE) is None
    assert paired.unpaired_reason(run(ENTRY, seed=4, replicate_seed=None), b, ENTRY, BASE) \
        == "replicate seeds differ"


def test_unpaired_when_the_numbers_of_replicates_differ():
    longer = pd.concat([ENTRY, ENTRY.assign(replicate=ENTRY["replicate"] + 4)], ignore_index=True)
    assert paired.unpaired_reason(run(longer), run(BASE), longer, BASE) == "numbers of replicates differ"


def test_unpaired_fallback_is_welch_and_newcombe_without_shares():
    diffs, reason = paired.differences(run(ENTRY, replicate_seed=6), run(BASE), ENTRY, BASE,
                                       ("reach", "suspended"))
    assert reason == "replicate seeds differ"
    reach, risk = diffs
    ci = sps.ttest_ind(ENTRY["reach"], BASE["reach"], equal_var=False).confidence_interval(0.95)
    assert not reach.paired and reach.method == paired.WELCH
    assert reach.ci95 == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert (reach.better, reach.worse, reach.tied) == (None, None, None)
    # the risk: Newcombe's hybrid score interval from the two Wilson intervals, r = 0
    want = stats.mover(0.25, stats.wilson(1, 4), 0.5, stats.wilson(2, 4), 0.0)
    assert risk.mean == -0.25 and risk.ci95 == pytest.approx(want)
    assert risk.method == paired.UNPAIRED_RISK and risk.verdict == "no detectable difference"


def test_several_senders_use_the_cluster_intervals():
    rng = np.random.default_rng(1)
    y = rng.binomial(4, 0.3, 40) / 4
    x = np.clip(y + rng.choice([-0.25, 0, 0.25], 40), 0, 1)
    d = paired.paired_difference("suspended", x, y, senders=(4, 4))
    lx, hx, _ = stats.cluster_wilson(x, 4)
    ly, hy, _ = stats.cluster_wilson(y, 4)
    r = float(np.corrcoef(x, y)[0, 1])
    assert d.ci95 == pytest.approx(stats.mover(x.mean(), (lx, hx), y.mean(), (ly, hy), r))
    assert -1 <= d.ci95[0] <= d.mean <= d.ci95[1] <= 1


def test_mismatched_lengths_are_a_bug():
    with pytest.raises(ValueError):
        paired.paired_difference("reach", np.zeros(3), np.zeros(4))
