"""Interval formulas written out as their papers give them, for checking sim/report/stats.py
and sim/report/paired.py (which reach them another way: the MOVER recovery from two intervals
and a correlation)."""

from __future__ import annotations

import math

Z = 1.959963984540054


def wilson(k: float, n: float, z: float = Z) -> tuple[float, float]:
    """Wilson (1927): the p with |k/n - p| <= z sqrt(p(1-p)/n), as the quadratic's roots."""
    p = k / n
    a, b, c = 1 + z * z / n, -(2 * p + z * z / n), p * p
    root = math.sqrt(b * b - 4 * a * c)
    return ((-b - root) / (2 * a), (-b + root) / (2 * a))


def newcombe_paired(a: int, b: int, c: int, d: int) -> tuple[float, float]:
    """Newcombe (1998), method 10, for the difference p1 - p2 of paired proportions, from the
    2x2 table: a = both 1, b = first 1 only, c = second 1 only, d = both 0."""
    n = a + b + c + d
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson(a + b, n)
    l2, u2 = wilson(a + c, n)
    den = (a + b) * (c + d) * (a + c) * (b + d)
    phi = (a * d - b * c) / math.sqrt(den) if den else 0.0
    dl = math.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2)
    du = math.sqrt((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2)
    return (p1 - p2 - dl, p1 - p2 + du)
