"""What the distributions share: argument promotion, support masks that keep derivatives
finite, and the special functions they use (from funcad.scipy.special).

A distribution's formula is evaluated only at safe points: outside the support the
arguments are first replaced by an inner point (``safe``), then the result is replaced by
the out-of-support value. Masking only the result would leave ``0 * nan`` in the
derivative of the discarded branch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp
from funcad.core import get_aval
from funcad.numpy._conversion import as_operand
from funcad.scipy.special import betaln, gammaln, log_ndtr, ndtr, ndtri, xlog1py, xlogy
from funcad.typing import Array, ArrayLike

__all__ = [
    "promote", "safe", "gammaln", "betaln", "xlogy", "xlog1py", "ndtr", "log_ndtr", "ndtri",
    "log_diff", "integer_support", "LOG_2PI", "HALF_LOG_2PI",
]

LOG_2PI = float(np.log(2 * np.pi))
HALF_LOG_2PI = 0.5 * LOG_2PI


def promote(*args: ArrayLike) -> list[Array]:
    """The arguments in one inexact dtype, by NumPy's rules (integers become float64, Python
    scalars are weak: the default ``loc=0`` keeps a float32 ``x`` float32), all cast to it
    (so that log(scale) of a Python scale is not computed in float64)."""
    operands = [as_operand(a) for a in args]
    dtype = np.result_type(*(_dtype_or_weak_scalar(a) for a in operands), 1.0)
    if dtype.kind not in "fc":
        dtype = np.dtype(np.float64)
    if dtype.kind == "c":
        raise TypeError("funcad.scipy.stats: complex arguments are not supported")
    return [fnp.astype(a, dtype) for a in operands]


_WEAK_SCALARS = {"b": False, "i": 0, "u": 0, "f": 0.0, "c": 0j}


def _dtype_or_weak_scalar(x: Any) -> Any:
    """x's dtype, or a Python scalar of its kind if x is weakly typed (a Python scalar, or a
    tracer of one under jit), so that it does not widen the other arguments."""
    aval = get_aval(x)
    return _WEAK_SCALARS[aval.dtype.kind] if aval.weak_type else aval.dtype


def safe(condition: ArrayLike, x: ArrayLike, fill: ArrayLike) -> Array:
    """x where ``condition`` holds, else ``fill``: a point where the formula is finite."""
    return fnp.where(condition, x, fill)


def log_diff(log_a: ArrayLike, log_b: ArrayLike) -> Array:
    """log(exp(log_a) - exp(log_b)) for log_a >= log_b, as log_a + log1p(-exp(log_b - log_a))
    (finite derivatives when both are -inf is not promised)."""
    return fnp.add(log_a, fnp.log1p(fnp.negative(fnp.exp(fnp.subtract(log_b, log_a)))))


def integer_support(k: ArrayLike, low: ArrayLike | None = None,
                    high: ArrayLike | None = None) -> Array:
    """Where k is a whole number in [low, high] (either bound optional): the support of a
    discrete distribution. Non-integer k is outside it, as in SciPy."""
    inside = fnp.equal(k, fnp.floor(k))
    if low is not None:
        inside = fnp.logical_and(inside, fnp.greater_equal(k, low))
    if high is not None:
        inside = fnp.logical_and(inside, fnp.less_equal(k, high))
    return inside
