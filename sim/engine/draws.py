"""Counter-based random numbers: each draw of the model is a hash of *who* it is about, not of
when it happens to be made.

Why. With one sequential generator, the i-th number goes to whatever event comes i-th, so two
strategies run on the same seed soon hand the same number to different people: a difference
between strategies A and B then carries all the noise of two independent histories. Here a
uniform is a pure function of a 64-bit *replicate key* and a few integers that name the
decision::

    u = uniform(key, purpose, a, b, c)      # in [0, 1)

e.g. ``uniform(key_r, READ, contact, sender, m)``: does ``contact`` read the m-th message
``sender`` delivered to them, in replicate r. The same person meets the same numbers for the same
decisions whatever the strategy, the order of events or how replicates are batched, so
replicate r under strategy A and replicate r under strategy B are *paired* (common random
numbers) and their difference has a far smaller variance. docs/MODEL.md ("Random numbers and
paired replicates") lists every draw site and its key.

How. The key absorbs the words one after the other, each step the SplitMix64 finaliser
(Steele, Lea & Flood 2014; the ``fmix`` of MurmurHash3) of ``h + (word + 1) * golden``;
the purpose enters as a fixed 64-bit salt XORed into the key first. For a fixed prefix
``stream(key, purpose, a, b)``, the values ``at(stream, c)`` for c = 0, 1, 2, ... are exactly
a SplitMix64 sequence (e.g. the geometric skips of one sharer's audience). The top 53 bits
give the double. Replicate keys are themselves such a sequence, seeded by the run's
replicate seed (``replicate_keys``).

Two implementations of the hash: scalar functions compiled by numba (``uniform``, ``stream``,
``at``, called inside the engine's kernels) and vectorised numpy ones (``uniforms``), bit for
bit the same (integer arithmetic, then an exact conversion). The transforms to other
distributions by inverse CDF (``exponential``: -log(1 - u); ``std_normal``: Wichura's
AS 241, accurate to about 1e-16; ``lognormal``; ``delay_hours``) exist once, as
compiled scalar functions; their array forms (``exponentials``, ``std_normals``,
``lognormals``) are numpy ufuncs built by numba from that same code. Numpy's own ``log`` and
``exp`` differ from the C library's in the last bit on some CPUs (SIMD versions), so a second
pure-numpy copy of a transform could not promise identical numbers. The geometric skips of an
audience take their Exp(1) straight from the hash by Marsaglia & Tsang's ziggurat
(``exponential_bits``): a logarithm per skip made the cascade much slower.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, vectorize

# Purposes: which decision a draw is for. The numbers are part of the key (changing them
# changes every run's numbers).
REPLICATE = 0  # a replicate's key from the run's replicate seed: (root, r)
THRESHOLD = 1  # annoyance threshold: (replicate, person)
READ = 2  # is the message read: (replicate, contact, sender, m)
READ_DELAY = 3  # hours until it is read: (replicate, contact, sender, m)
REPORT = 4  # an annoyed reader reports: (replicate, contact, sender, m)
UNFOLLOW = 5  # an annoyed reader unfollows: (replicate, contact, sender, m)
SHARE = 6  # a reader who is not annoyed shares: (replicate, contact, sender, m)
WOM = 7  # word of mouth, who hears of an ask from a share: (replicate, person, sender)
SEE_DELAY = 8  # hours until a share is seen: (replicate, viewer, sender, sharer)
EXPOSURE = 9  # geometric skips over a sharer's connections: (replicate, sharer, sender, j)
ORDER = 10  # a strategy's random order of contacts: (replicate, contact, sender, stream)
PLATFORM = 11  # a platform rule's random decision: (replicate, sender, hour, call)
REPLY = 12  # a reader who is not annoyed replies: (replicate, contact, sender, m)
PURPOSES = {"REPLICATE": REPLICATE, "THRESHOLD": THRESHOLD, "READ": READ,
            "READ_DELAY": READ_DELAY, "REPORT": REPORT, "UNFOLLOW": UNFOLLOW, "SHARE": SHARE,
            "WOM": WOM, "SEE_DELAY": SEE_DELAY, "EXPOSURE": EXPOSURE, "ORDER": ORDER,
            "PLATFORM": PLATFORM, "REPLY": REPLY}

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_ONE = np.uint64(1)
_R30, _R27, _R31, _R11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_UNIT = 1.0 / 9007199254740992.0  # 2 ** -53


def _mix_np(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> _R30)) * _M1
    z = (z ^ (z >> _R27)) * _M2
    return z ^ (z >> _R31)


# one salt per purpose: the finaliser of (purpose + 1) * golden
SALTS = _mix_np((np.arange(len(PURPOSES), dtype=np.uint64) + _ONE) * _GOLDEN)


# --------------------------------------------------------------------------- compiled (numba)


@njit(cache=True, nogil=True)
def mix(z):  # pragma: no cover - compiled
    """The SplitMix64 finaliser: a bijection of 64-bit words with full avalanche."""
    z = (z ^ (z >> _R30)) * _M1
    z = (z ^ (z >> _R27)) * _M2
    return z ^ (z >> _R31)


@njit(cache=True, nogil=True)
def absorb(h, word):  # pragma: no cover - compiled
    """The state h after taking in one integer word."""
    return mix(h + (np.uint64(word) + _ONE) * _GOLDEN)


@njit(cache=True, nogil=True)
def stream(key, purpose, a, b):  # pragma: no cover - compiled
    """The prefix (key, purpose, a, b): ``at(stream(...), c) == uniform(key, purpose, a, b, c)``."""
    return absorb(absorb(np.uint64(key) ^ SALTS[purpose], a), b)


@njit(cache=True, nogil=True)
def unit(h):  # pragma: no cover - compiled
    """The top 53 bits of h as a double in [0, 1)."""
    return np.float64(h >> _R11) * _UNIT


@njit(cache=True, nogil=True)
def at(prefix, c):  # pragma: no cover - compiled
    return unit(absorb(prefix, c))


@njit(cache=True, nogil=True)
def uniform(key, purpose, a, b, c):  # pragma: no cover - compiled
    """A uniform double in [0, 1) for (key, purpose, a, b, c)."""
    return unit(absorb(stream(key, purpose, a, b), c))


@njit(cache=True, nogil=True)
def exponential(u):  # pragma: no cover - compiled
    """Exp(1) from a uniform in [0, 1): -log(1 - u), finite since u < 1. For u a multiple
    of 2^-53, 1 - u is exact, so this is as accurate as log1p, and faster."""
    return -math.log(1.0 - u)


def _ziggurat_tables(n: int = 256, r: float = 7.697117470131487, v: float = 3.949659822581572e-3):
    """Marsaglia & Tsang's (2000) tables for Exp(1) in n layers (r: where the tail starts, v:
    each layer's area), for 53-bit integers: accept ``j * w[i]`` outright when ``j < k[i]``."""
    m = 2.0**53
    k, w, f = np.zeros(n, dtype=np.uint64), np.zeros(n), np.zeros(n)
    q = v / math.exp(-r)
    k[0], k[1] = int(r / q * m), 0
    w[0], w[n - 1] = q / m, r / m
    f[0], f[n - 1] = 1.0, math.exp(-r)
    x, top = r, r
    for i in range(n - 2, 0, -1):
        x = -math.log(v / x + math.exp(-x))
        k[i + 1] = int(x / top * m)
        top = x
        f[i] = math.exp(-x)
        w[i] = x / m
    return k, w, f, r


_ZK, _ZW, _ZF, _ZR = _ziggurat_tables()
_LAYER = np.uint64(255)


@njit(cache=True, nogil=True)
def bits_at(prefix, c):  # pragma: no cover - compiled
    """The 64-bit hash behind ``at(prefix, c)``."""
    return absorb(prefix, c)


@njit(cache=True, nogil=True)
def exponential_bits(h):  # pragma: no cover - compiled
    """Exp(1) from a 64-bit hash h by the ziggurat (Marsaglia & Tsang 2000): layer from the low
    8 bits, abscissa from the top 53; 98.9% of draws are one table lookup and a multiply, the
    rest rejection steps whose uniforms are further hashes of h (deterministic, keyed as h is).
    For the geometric skips of an audience, where a logarithm per draw doubled the cascade's
    time; the read delays use the inverse CDF (``exponential``)."""
    while True:
        i = h & _LAYER
        j = h >> _R11
        x = np.float64(j) * _ZW[i]
        if j < _ZK[i]:
            return x
        h = mix(h + _GOLDEN)
        if i == 0:  # the tail beyond r: r + Exp(1)
            return _ZR + exponential(unit(h))
        if _ZF[i] + unit(h) * (_ZF[i - 1] - _ZF[i]) < math.exp(-x):
            return x
        h = mix(h + _GOLDEN)


# Wichura's algorithm AS 241 (PPND16, Applied Statistics 37, 1988): the inverse normal CDF
# to about 1e-16 relative error, rational functions in three regions (the one R's qnorm uses)
_A = (3.387132872796366608, 133.14166789178437745, 1971.5909503065514427,
      13731.693765509461125, 45921.953931549871457, 67265.770927008700853,
      33430.575583588128105, 2509.0809287301226727)
_B = (1.0, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077,
      21213.794301586595867, 39307.89580009271061, 28729.085735721942674,
      5226.495278852545925)
_C = (1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055,
      3.64784832476320460504, 1.27045825245236838258, 0.24178072517745061177,
      0.0227238449892691845833, 7.7454501427834140764e-4)
_D = (1.0, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455,
      0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4,
      1.05075007164441684324e-9)
_E = (6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358,
      0.29656057182850489123, 0.026532189526576123093, 0.0012426609473880784386,
      2.71155556874348757815e-5, 2.01033439929228813265e-7)
_F = (1.0, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525,
      7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7,
      2.04426310338993978564e-15)
_HALF_STEP = 1.0 / 18014398509481984.0  # 2 ** -54


@njit(cache=True, nogil=True)
def _poly(c, x):  # pragma: no cover - compiled
    """c[0] + c[1] x + ... + c[7] x^7 (Horner)."""
    return (((((((c[7] * x + c[6]) * x + c[5]) * x + c[4]) * x + c[3]) * x + c[2]) * x
             + c[1]) * x + c[0])


@njit(cache=True, nogil=True)
def _lower_normal(p):  # pragma: no cover - compiled
    """The inverse normal CDF for 0 < p < 0.5 (AS 241)."""
    q = p - 0.5
    if q >= -0.425:
        r = 0.180625 - q * q
        return q * _poly(_A, r) / _poly(_B, r)
    r = math.sqrt(-math.log(p))
    if r <= 5.0:
        r -= 1.6
        return -_poly(_C, r) / _poly(_D, r)
    r -= 5.0
    return -_poly(_E, r) / _poly(_F, r)


@njit(cache=True, nogil=True)
def std_normal(u):  # pragma: no cover - compiled
    """A standard normal from a uniform u in [0, 1) by the inverse CDF, taken at the middle
    of u's cell, p = u + 2^-54, so that p is in (0, 1) and the draws are symmetric. Computed
    on the lower half and mirrored, where every p is exact: u < 0.5 gives p = u + 2^-54,
    u >= 0.5 gives 1 - p = (1 - u) - 2^-54."""
    if u < 0.5:
        return _lower_normal(u + _HALF_STEP)
    return -_lower_normal((1.0 - u) - _HALF_STEP)


@njit(cache=True, nogil=True)
def lognormal(u, mu, sigma):  # pragma: no cover - compiled
    return math.exp(mu + sigma * std_normal(u))


# read-delay distributions, as codes for the kernels (delay_params)
CONSTANT, EXPONENTIAL, LOGNORMAL = 0, 1, 2


@njit(cache=True, nogil=True)
def delay_hours(u, code, mean, mu, sigma):  # pragma: no cover - compiled
    """Whole hours (rounded half to even, as numpy.rint) of a read delay from its uniform."""
    if code == CONSTANT:
        x = mean
    elif code == EXPONENTIAL:
        x = mean * exponential(u)
    else:
        x = lognormal(u, mu, sigma)
    return np.int64(np.rint(x))


def delay_params(read_delay) -> tuple[int, float, float, float]:
    """(code, mean, mu, sigma) of a ``sim.rules.population.ReadDelay`` for ``delay_hours``:
    constant when the distribution is constant or its mean is 0; lognormal with this mean."""
    mean, sigma = float(read_delay.mean_hours), float(read_delay.sigma)
    if read_delay.dist == "constant" or mean == 0:
        return CONSTANT, mean, 0.0, 0.0
    if read_delay.dist == "exponential":
        return EXPONENTIAL, mean, 0.0, 0.0
    return LOGNORMAL, mean, math.log(mean) - sigma**2 / 2, sigma


@njit(cache=True, nogil=True)
def uniform_grid(keys, purpose, a, b=0, c=0):  # pragma: no cover - compiled
    """(len(keys), len(a)) uniforms: row r, column i is ``uniform(keys[r], purpose, a[i], b, c)``
    (the engine's tables of thresholds and random orders, in one compiled pass)."""
    out = np.empty((len(keys), len(a)))
    for r in range(len(keys)):
        for i in range(len(a)):
            out[r, i] = uniform(keys[r], purpose, a[i], b, c)
    return out


# --------------------------------------------------------------------------- arrays (numpy)


def uniforms(key, purpose: int, a=0, b=0, c=0) -> np.ndarray:
    """``uniform`` over arrays (numpy broadcasting of key, a, b, c), bit for bit the same."""
    with np.errstate(over="ignore"):
        h = np.asarray(key, dtype=np.uint64) ^ SALTS[int(purpose)]
        for word in (a, b, c):
            w = np.asarray(word, dtype=np.int64).astype(np.uint64)
            h = _mix_np(h + (w + _ONE) * _GOLDEN)
        return (np.asarray(h) >> _R11).astype(np.float64) * _UNIT


@vectorize(["float64(float64)"], cache=True)
def exponentials(u):  # pragma: no cover - compiled
    """``exponential`` as a numpy ufunc (the same compiled code)."""
    return exponential(u)


@vectorize(["float64(float64)"], cache=True)
def std_normals(u):  # pragma: no cover - compiled
    """``std_normal`` as a numpy ufunc (the same compiled code)."""
    return std_normal(u)


@vectorize(["float64(float64, float64, float64)"], cache=True)
def lognormals(u, mu, sigma):  # pragma: no cover - compiled
    """``lognormal`` as a numpy ufunc (the same compiled code)."""
    return lognormal(u, mu, sigma)


def replicate_keys(root, first: int, count: int) -> np.ndarray:
    """The keys of replicates first .. first + count - 1 of a run, as uint64: a SplitMix64
    sequence seeded by the run's replicate seed (an int or a numpy SeedSequence). A replicate's
    key depends only on the seed and its index in the whole run, not on the batch it is in."""
    ss = root if isinstance(root, np.random.SeedSequence) else np.random.SeedSequence(int(root))
    base = ss.generate_state(1, dtype=np.uint64)[0]
    with np.errstate(over="ignore"):
        h = np.uint64(base) ^ SALTS[REPLICATE]
        r = np.arange(int(first), int(first) + int(count), dtype=np.uint64)
        return _mix_np(h + (r + _ONE) * _GOLDEN)
