"""The two-sided Student t quantile, exactly, with numpy and the standard library only.

Why here: the calibrate layer may not import sim.capacity (same layer, independent), and the regression of
utilisation on throughput needs t(1 - alpha/2, n - 2) for its interval. For whole degrees of freedom the t
distribution's central probability P(|T| <= t) has a closed form in theta = atan(t / sqrt(df)) (Abramowitz and
Stegun, Handbook of Mathematical Functions, 26.7.3 and 26.7.4); the quantile is found from it by bisection on
theta, to machine precision. tests/test_calibrate_demand.py checks it against the printed t table.
"""

from __future__ import annotations

import math


def central_probability(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with `df` degrees of freedom (A&S 26.7.3, odd df; 26.7.4, even df)."""
    return _central(math.atan(abs(t) / math.sqrt(df)), df)


def _central(theta: float, df: int) -> float:
    s, c = math.sin(theta), math.cos(theta)
    c2 = c * c
    if df % 2:  # odd: (2/pi) [theta + sin cos (1 + 2/3 cos^2 + 2.4/(3.5) cos^4 + ... up to cos^(df-3))]
        total, term = 0.0, 1.0
        for j in range(1, (df - 1) // 2 + 1):
            total += term
            term *= c2 * (2 * j) / (2 * j + 1)
        return 2.0 / math.pi * (theta + s * c * total)
    total, term = 0.0, 1.0  # even: sin (1 + 1/2 cos^2 + 1.3/(2.4) cos^4 + ... up to cos^(df-2))
    for j in range(1, df // 2 + 1):
        total += term
        term *= c2 * (2 * j - 1) / (2 * j)
    return s * total


def t_quantile(confidence: float, df: int) -> float:
    """The t with P(|T| <= t) = confidence: the multiplier of a two-sided `confidence` interval."""
    if not 0.0 < confidence < 1.0 or df < 1:
        raise ValueError("confidence must be between 0 and 1 and df at least 1")
    low, high = 0.0, math.pi / 2
    for _ in range(200):  # theta in [0, pi/2): the probability rises from 0 to 1
        middle = (low + high) / 2
        if _central(middle, df) < confidence:
            low = middle
        else:
            high = middle
        if high - low < 1e-15:
            break
    return math.sqrt(df) * math.tan((low + high) / 2)
