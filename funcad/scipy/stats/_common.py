"""What the distributions share: argument promotion, support masks that keep derivatives
finite, and the normal distribution's special functions in log space.

A distribution's formula is evaluated only at safe points: outside the support the
arguments are first replaced by an inner point (``safe``), then the result is replaced by
the out-of-support value. Masking only the result would leave ``0 * nan`` in the
derivative of the discarded branch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.lax as lax
import funcad.numpy as fnp
from funcad.numpy._conversion import as_operand

__all__ = [
    "promote", "safe", "gammaln", "betaln", "xlogy", "xlog1py", "ndtr", "log_ndtr", "ndtri",
    "log_diff", "integer_support", "LOG_2PI", "HALF_LOG_2PI",
]

LOG_2PI = float(np.log(2 * np.pi))
HALF_LOG_2PI = 0.5 * LOG_2PI
_SQRT_HALF = float(np.sqrt(0.5))


def promote(*args: Any) -> list[Any]:
    """The arguments in one inexact dtype, by NumPy's rules (integers become float64, Python
    scalars are weak: the default ``loc=0`` keeps a float32 ``x`` float32), all cast to it
    (so that log(scale) of a Python scale is not computed in float64)."""
    operands = [as_operand(a) for a in args]
    dtype = fnp.result_type(*operands, 1.0)
    if dtype.kind not in "fc":
        dtype = np.dtype(np.float64)
    if dtype.kind == "c":
        raise TypeError("funcad.scipy.stats: complex arguments are not supported")
    return [fnp.astype(a, dtype) for a in operands]


def safe(condition: Any, x: Any, fill: Any) -> Any:
    """x where ``condition`` holds, else ``fill``: a point where the formula is finite."""
    return fnp.where(condition, x, fill)


def gammaln(x: Any) -> Any:
    return lax.lgamma(x)


def betaln(a: Any, b: Any) -> Any:
    return fnp.subtract(fnp.add(lax.lgamma(a), lax.lgamma(b)), lax.lgamma(fnp.add(a, b)))


def xlogy(x: Any, y: Any) -> Any:
    """x log y, 0 where x == 0 (also at y == 0), with finite derivatives there."""
    zero = fnp.equal(x, 0)
    return fnp.where(zero, 0, fnp.multiply(x, fnp.log(fnp.where(zero, 1, y))))


def xlog1py(x: Any, y: Any) -> Any:
    """x log(1 + y), 0 where x == 0 (also at y == -1)."""
    zero = fnp.equal(x, 0)
    return fnp.where(zero, 0, fnp.multiply(x, fnp.log1p(fnp.where(zero, 0, y))))


def ndtr(x: Any) -> Any:
    """The standard normal CDF, erfc(-x / sqrt 2) / 2: accurate in the lower tail."""
    return fnp.multiply(0.5, lax.erfc(fnp.multiply(x, -_SQRT_HALF)))


# Below this the lower tail uses the asymptotic series (ndtr underflows near -38).
_LOWER = -20.0
_UPPER = 5.0


def log_ndtr(x: Any) -> Any:
    """log of the standard normal CDF at every x: log1p(-ndtr(-x)) in the upper tail,
    log(ndtr(x)) in the middle, and in the lower tail the asymptotic series
    log(phi(x) / -x) + log(1 - 1/x^2 + 3/x^4 - 15/x^6 + 105/x^8 - 945/x^10)."""
    upper = fnp.greater(x, _UPPER)
    lower = fnp.less(x, _LOWER)
    x_up = safe(upper, x, _UPPER + 1)
    x_mid = safe(fnp.logical_or(upper, lower), 0.0, x)
    x_low = safe(lower, x, _LOWER - 1)
    up = fnp.log1p(fnp.negative(ndtr(fnp.negative(x_up))))
    mid = fnp.log(ndtr(x_mid))
    r = fnp.reciprocal(fnp.square(x_low))
    series = fnp.add(-1, fnp.multiply(r, fnp.add(3, fnp.multiply(r, fnp.add(
        -15, fnp.multiply(r, fnp.add(105, fnp.multiply(r, -945))))))))
    series = fnp.add(1, fnp.multiply(r, series))
    low = fnp.subtract(fnp.subtract(fnp.multiply(-0.5, fnp.square(x_low)),
                                    fnp.log(fnp.negative(x_low))), HALF_LOG_2PI)
    low = fnp.add(low, fnp.log(series))
    return fnp.where(upper, up, fnp.where(lower, low, mid))


def ndtri(q: Any) -> Any:
    """The standard normal quantile sqrt 2 erf^-1(2q - 1); nan outside [0, 1]."""
    out = fnp.multiply(1 / _SQRT_HALF, lax.erf_inv(fnp.subtract(fnp.multiply(2, q), 1)))
    return fnp.where(fnp.logical_or(fnp.less(q, 0), fnp.greater(q, 1)), np.nan, out)


def log_diff(log_a: Any, log_b: Any) -> Any:
    """log(exp(log_a) - exp(log_b)) for log_a >= log_b, as log_a + log1p(-exp(log_b - log_a))
    (finite derivatives when both are -inf is not promised)."""
    return fnp.add(log_a, fnp.log1p(fnp.negative(fnp.exp(fnp.subtract(log_b, log_a)))))


def integer_support(k: Any, low: Any = None, high: Any = None) -> Any:
    """Where k is a whole number in [low, high] (either bound optional): the support of a
    discrete distribution. Non-integer k is outside it, as in SciPy."""
    inside = fnp.equal(k, fnp.floor(k))
    if low is not None:
        inside = fnp.logical_and(inside, fnp.greater_equal(k, low))
    if high is not None:
        inside = fnp.logical_and(inside, fnp.less_equal(k, high))
    return inside
