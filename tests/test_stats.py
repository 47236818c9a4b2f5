"""The intervals of sim/report/stats.py: each stays in its metric's possible range and covers
the truth about 95% of the time on data drawn from known distributions; the difference
intervals agree with cases worked by hand and with independent formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from oracles.intervals import newcombe_paired, wilson as wilson_oracle
from sim.report import stats

N_SETS, N = 1000, 500  # data sets per coverage check, replicates per data set


def coverage(intervals, truth) -> float:
    lo, hi = np.array(intervals).T
    return float(np.mean((lo <= truth) & (truth <= hi)))


# --------------------------------------------------------------------------- counts

DISTRIBUTIONS = {
    # name: (draw n values, true mean)
    "poisson, mean 0.05 (rare events)": (lambda rng, n: rng.poisson(0.05, n), 0.05),
    "0/1 counts, p 0.1": (lambda rng, n: rng.binomial(1, 0.1, n), 0.1),
    "lognormal, sigma 1 (skewed)": (lambda rng, n: rng.lognormal(0.0, 1.0, n), math.exp(0.5)),
    "negative binomial, mean 0.2, k 0.1 (bursts)":
        (lambda rng, n: rng.negative_binomial(0.1, 0.1 / 0.3, n), 0.2),
}


@pytest.mark.parametrize("name", DISTRIBUTIONS)
def test_count_interval_covers_the_true_mean_and_never_goes_below_zero(name):
    draw, truth = DISTRIBUTIONS[name]
    rng = np.random.default_rng(11)
    cis = [stats.count_interval(draw(rng, N).astype(float)) for _ in range(N_SETS)]
    assert 0.92 <= coverage(cis, truth) <= 0.98
    assert min(lo for lo, _ in cis) >= 0


def test_the_normal_interval_fails_where_the_count_interval_holds():
    """Why the method changed: for a mean of 0.01 the normal interval dips below 0 and
    undercovers; the count interval does neither."""
    rng = np.random.default_rng(3)
    data = [rng.poisson(0.01, N).astype(float) for _ in range(N_SETS)]
    normal = [(x.mean() - stats.Z95 * x.std(ddof=1) / math.sqrt(N),
               x.mean() + stats.Z95 * x.std(ddof=1) / math.sqrt(N)) for x in data]
    ours = [stats.count_interval(x) for x in data]
    assert coverage(normal, 0.01) < 0.9 and min(lo for lo, _ in normal) < 0
    assert 0.93 <= coverage(ours, 0.01) <= 0.99 and min(lo for lo, _ in ours) >= 0


def test_count_interval_stays_within_a_known_bound():
    rng = np.random.default_rng(5)
    for _ in range(200):
        u = int(rng.integers(1, 30))
        x = rng.binomial(u, rng.uniform(0.6, 1.0), int(rng.integers(1, 40))).astype(float)
        lo, hi = stats.count_interval(x, upper=u)
        assert 0 <= lo <= x.mean() <= hi <= u


def test_count_interval_with_bound_one_on_0_1_data_is_wilson():
    """On 0/1 data with the bound 1 the variance function is p(1-p): the interval is Wilson's,
    with the dispersion s^2/(p(1-p)) = n/(n-1) and the t quantile in place of z."""
    x = np.r_[np.ones(7), np.zeros(33)]
    n = len(x)
    z = stats.t95(n - 1) * math.sqrt(n / (n - 1))
    assert stats.count_interval(x, upper=1) == pytest.approx(stats.wilson(7, n, z=z), abs=1e-12)


def test_count_interval_special_cases():
    z2 = stats.Z95 ** 2
    # nothing happened in 500 replicates: [0, z^2/n], near the exact Poisson 3.69/n
    assert stats.count_interval(np.zeros(500)) == pytest.approx((0.0, z2 / 500))
    # one event in 500: the upper end near the exact Poisson one (5.57 / 500)
    lo, hi = stats.count_interval(np.r_[np.zeros(499), 1.0])
    exact_hi = sps.chi2.ppf(0.975, 4) / 2 / 500
    assert 0 < lo < 1 / 500 and hi == pytest.approx(exact_hi, rel=0.05)
    # a deterministic count, and one replicate: the value itself
    assert stats.count_interval(np.full(20, 1800.0)) == (1800.0, 1800.0)
    assert stats.count_interval(np.array([4.0])) == (4.0, 4.0)
    assert all(math.isnan(v) for v in stats.count_interval(np.array([])))
    # for large, common counts it is the t-interval
    x = np.random.default_rng(0).poisson(400, 300).astype(float)
    half = stats.t95(299) * x.std(ddof=1) / math.sqrt(300)
    assert stats.count_interval(x) == pytest.approx((x.mean() - half, x.mean() + half), rel=2e-4)


def test_count_interval_is_deterministic_and_order_free():
    x = np.random.default_rng(1).poisson(0.3, 200).astype(float)
    assert stats.count_interval(x) == stats.count_interval(x.copy())
    assert stats.count_interval(x) == pytest.approx(stats.count_interval(x[::-1]), abs=1e-15)


def test_a_negative_count_is_a_bug():
    with pytest.raises(ValueError, match="outside"):
        stats.count_interval(np.array([1.0, -1.0]))


# --------------------------------------------------------------------------- the risk


def clustered_shares(rng, p, rho, senders, replicates):
    """Per-replicate shares suspended: the senders of a replicate share a suspension chance
    drawn from a beta with mean p and intra-replicate correlation rho (beta-binomial)."""
    ab = 1 / rho - 1
    chance = rng.beta(p * ab, (1 - p) * ab, replicates)
    return rng.binomial(senders, chance) / senders


@pytest.mark.parametrize("p, rho, senders, replicates",
                         [(0.1, 0.2, 5, 200), (0.05, 0.05, 20, 40), (0.3, 0.5, 10, 50)])
def test_cluster_wilson_covers_the_risk_of_clustered_senders(p, rho, senders, replicates):
    rng = np.random.default_rng(7)
    ours, naive = [], []
    for _ in range(N_SETS):
        y = clustered_shares(rng, p, rho, senders, replicates)
        lo, hi, n_eff = stats.cluster_wilson(y, senders)
        assert 0 <= lo <= y.mean() <= hi <= 1 and 0 < n_eff <= replicates * senders
        ours.append((lo, hi))
        # every sender-replicate taken as independent: too narrow
        naive.append(stats.wilson(y.sum() * senders, replicates * senders))
    assert 0.92 <= coverage(ours, p) <= 0.98
    if rho >= 0.2:
        assert coverage(naive, p) < 0.9


def test_wilson_agrees_with_the_quadratic():
    for k, n in ((0, 10), (3, 40), (17.5, 33.3), (40, 40)):
        assert stats.wilson(k, n) == pytest.approx(wilson_oracle(k, n), abs=1e-12)


def test_cluster_wilson_edge_cases():
    # one sender: Wilson over replicates
    y = np.array([1, 0, 0, 1, 0, 0, 0, 0.0])
    lo, hi, n_eff = stats.cluster_wilson(y, 1)
    assert (lo, hi) == stats.wilson(2, 8) and n_eff == 8
    # never suspended: the correlation is unknown, so each replicate counts once
    lo, hi, n_eff = stats.cluster_wilson(np.zeros(100), 5)
    assert lo == 0 and n_eff == pytest.approx(100 * (stats.Z95 / stats.t95(99)) ** 2)
    assert hi == pytest.approx(stats.wilson(0, n_eff)[1])
    # the same share in every replicate: no spread, capped at every sender-replicate
    _, _, n_eff = stats.cluster_wilson(np.full(50, 0.2), 5)
    assert n_eff == pytest.approx(250 * (stats.Z95 / stats.t95(49)) ** 2)


# --------------------------------------------------------------------------- differences


def test_t_interval_by_hand():
    # d = 1..5: mean 3, sd sqrt(2.5), t(4) = 2.776445105
    lo, hi = stats.t_interval(np.array([1.0, 2, 3, 4, 5]))
    half = 2.776445105 * math.sqrt(2.5) / math.sqrt(5)
    assert (lo, hi) == pytest.approx((3 - half, 3 + half), abs=1e-8)
    assert stats.t_interval(np.zeros(10)) == (0.0, 0.0)


def test_welch_matches_scipy():
    rng = np.random.default_rng(2)
    a, b = rng.poisson(3, 40).astype(float), rng.poisson(5, 70).astype(float)
    ci = sps.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    ours = stats.welch(a.mean(), a.std(ddof=1), 40, b.mean(), b.std(ddof=1), 70)
    assert ours == pytest.approx((ci.low, ci.high), rel=1e-9)


@pytest.mark.parametrize("table", [(8, 5, 4, 83), (0, 3, 0, 97), (20, 0, 0, 80), (1, 10, 2, 37)])
def test_mover_with_wilson_is_newcombes_paired_interval(table):
    a, b, c, d = table
    x = np.array([1] * a + [1] * b + [0] * c + [0] * d, float)
    y = np.array([1] * a + [0] * b + [1] * c + [0] * d, float)
    r = float(np.corrcoef(x, y)[0, 1]) if x.std() and y.std() else 0.0
    ours = stats.mover(x.mean(), stats.wilson(x.sum(), len(x)), y.mean(),
                       stats.wilson(y.sum(), len(y)), r)
    assert ours == pytest.approx(newcombe_paired(a, b, c, d), abs=1e-12)
    assert -1 <= ours[0] <= x.mean() - y.mean() <= ours[1] <= 1


# --------------------------------------------------------------------------- summary.json


def test_summary_names_each_interval_method_and_keeps_counts_in_range():
    import pandas as pd

    from sim import metrics
    from sim.report import summary

    rng = np.random.default_rng(4)
    r, senders = 60, 4
    rep = pd.DataFrame({"replicate": np.arange(r)})
    for name in metrics.names(kind=metrics.COUNT):
        rep[name] = rng.poisson(0.03, r) / senders  # rare events, means over senders
    rep["reach"] = np.full(r, 30.0)  # everyone reached: at the bound
    for name, (_, hour) in metrics.RISKS.items():
        rep[name] = clustered_shares(rng, 0.2, 0.3, senders, r)
        rep[hour] = np.where(rep[name] > 0, 10.0, np.nan)
    m = summary.summarize(rep, senders=senders, nodes=30)
    for name in metrics.names(kind=metrics.COUNT):
        lo, hi = m[name]["ci95"]
        assert 0 <= lo <= m[name]["mean"] <= hi and m[name]["ci95_method"] == stats.COUNT_METHOD
    assert m["reach"]["ci95"][1] == 30.0  # never above the network size
    risk = m[metrics.RISK_SUMMARY]
    lo, hi, n_eff = stats.cluster_wilson(rep[metrics.RISK].to_numpy(), senders)
    assert risk["wilson95"] == [lo, hi] and risk["effective_n"] == n_eff
    assert risk["wilson95_method"] == stats.CLUSTER_METHOD and risk["senders"] == senders
    assert 0 <= lo <= risk["p"] <= hi <= 1
    one = summary.summarize(rep.assign(**{n: rep[n] > 0 for n in metrics.RISKS}))
    assert one[metrics.RISK_SUMMARY]["wilson95_method"] == stats.WILSON_METHOD
