"""Summary statistics of samples: mode, rankdata and sem (funcad.scipy.stats's top level).

Ranks and counts are integer-valued (no derivative); the mode is one of the samples, so
its derivative reaches that sample, and sem is differentiable.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

import funcad.lax as lax
import funcad.numpy as fnp
from funcad.numpy._conversion import as_operand
from funcad.typing import Array, ArrayLike

__all__ = ["ModeResult", "mode", "rankdata", "sem"]

_RANK_METHODS = ("average", "min", "max", "dense", "ordinal")


class ModeResult(NamedTuple):
    mode: Array
    count: Array  # type: ignore[assignment]  # (SciPy's field name; it hides tuple.count)


def _check_nan_policy(nan_policy: str, name: str, omit: bool = False) -> None:
    allowed = ("propagate", "omit") if omit else ("propagate",)
    if nan_policy not in ("propagate", "omit", "raise"):
        raise ValueError(f"{name}: nan_policy must be 'propagate', 'omit' or 'raise', got "
                         f"{nan_policy!r}")
    if nan_policy not in allowed:
        raise NotImplementedError(
            f"{name}: nan_policy={nan_policy!r} is not supported (whether the data hold NaNs "
            f"is not known under jit); check for NaNs before calling, or use "
            f"{' or '.join(repr(p) for p in allowed)}")


def _groups(sorted_values: Any) -> tuple[Any, Any]:
    """For each position of a sorted last axis, the first and last positions of its run of
    equal values."""
    n = fnp.shape(sorted_values)[-1]
    index = fnp.arange(n)
    differs = fnp.not_equal(sorted_values[..., 1:], sorted_values[..., :-1])
    edge = fnp.ones(fnp.shape(sorted_values)[:-1] + (1,), dtype=bool)
    starts = fnp.concatenate([edge, differs], axis=-1)
    ends = fnp.concatenate([differs, edge], axis=-1)
    first = lax.cummax(fnp.where(starts, index, 0), axis=fnp.ndim(sorted_values) - 1)
    last = lax.cummin(fnp.where(ends, index, n - 1), axis=fnp.ndim(sorted_values) - 1,
                      reverse=True)
    return first, last


def rankdata(a: ArrayLike, method: str = "average", *, axis: int | None = None,
             nan_policy: str = "propagate") -> Array:
    """Ranks from 1, ties by ``method``. A slice holding a NaN ranks as all NaN (the
    'propagate' policy), so the ranks are float64 for every method, as in JAX (SciPy gives
    integers for the methods other than 'average')."""
    if method not in _RANK_METHODS:
        raise ValueError(f"rankdata: method must be one of {_RANK_METHODS}, got {method!r}")
    _check_nan_policy(nan_policy, "rankdata")
    a = as_operand(a)
    if axis is None:
        return rankdata(fnp.ravel(a), method, axis=0)
    if fnp.ndim(a) == 0:
        raise ValueError("rankdata: axis must be None for a 0-d input")
    a = fnp.moveaxis(a, axis, -1)
    last = fnp.ndim(a) - 1
    order = fnp.argsort(a, axis=-1, stable=True)
    ordinal = fnp.add(fnp.argsort(order, axis=-1, stable=True), 1)
    if method == "ordinal":
        ranks = ordinal
    else:
        sorted_values = fnp.take_along_axis(a, order, axis=-1)
        first, final = _groups(sorted_values)
        if method == "dense":
            starts = fnp.equal(first, fnp.arange(fnp.shape(a)[-1]))
            per_sorted = fnp.cumsum(fnp.astype(starts, fnp.result_type(ordinal)), axis=last)
        elif method == "min":
            per_sorted = fnp.add(first, 1)
        elif method == "max":
            per_sorted = fnp.add(final, 1)
        else:
            per_sorted = fnp.multiply(0.5, fnp.add(fnp.add(first, final), 2))
        ranks = fnp.take_along_axis(per_sorted, fnp.subtract(ordinal, 1), axis=-1)
    ranks = fnp.astype(ranks, np.float64)
    if fnp.result_type(a).kind in "fc":
        ranks = fnp.where(fnp.any(fnp.isnan(a), axis=-1, keepdims=True), np.nan, ranks)
    return fnp.moveaxis(ranks, -1, axis)


def mode(a: ArrayLike, axis: int | None = 0, nan_policy: str = "propagate",
         keepdims: bool = False) -> ModeResult:
    """The most frequent value along ``axis`` (the smallest, among ties) and its count."""
    _check_nan_policy(nan_policy, "mode")
    a = as_operand(a)
    if axis is None or fnp.ndim(a) == 0:
        # over all values; keepdims keeps every axis, with length 1
        result = mode(fnp.ravel(a), 0, nan_policy, keepdims)
        if not keepdims:
            return result
        ones = (1,) * fnp.ndim(a)
        return ModeResult(fnp.reshape(result.mode, ones), fnp.reshape(result.count, ones))
    a = fnp.moveaxis(a, axis, -1)
    if fnp.shape(a)[-1] == 0:
        shape = fnp.shape(a)[:-1] + ((1,) if keepdims else ())
        value = fnp.full(shape, np.nan, dtype=fnp.result_type(a, 1.0))
        result = ModeResult(value, fnp.zeros(shape, dtype=fnp.result_type(a, 1.0)))
    else:
        sorted_values = fnp.sort(a, axis=-1)
        first, final = _groups(sorted_values)
        counts = fnp.add(fnp.subtract(final, first), 1)
        best = fnp.argmax(counts, axis=-1, keepdims=True)
        value = fnp.take_along_axis(sorted_values, best, axis=-1)
        count = fnp.take_along_axis(counts, best, axis=-1)
        if not keepdims:
            value, count = fnp.squeeze(value, -1), fnp.squeeze(count, -1)
        result = ModeResult(value, count)
    if keepdims:
        result = ModeResult(fnp.moveaxis(result.mode, -1, axis),
                            fnp.moveaxis(result.count, -1, axis))
    return result


def sem(a: ArrayLike, axis: int | None = 0, ddof: int = 1, nan_policy: str = "propagate", *,
        keepdims: bool = False) -> Array:
    """The standard error of the mean, std(a, ddof) / sqrt(n); with nan_policy='omit' the
    NaNs are left out of both."""
    if nan_policy == "raise":
        raise ValueError("sem: nan_policy='raise' is not supported (whether the data hold "
                         "NaNs is not known under jit); use 'propagate' or 'omit'")
    _check_nan_policy(nan_policy, "sem", omit=True)
    a = as_operand(a)
    count: Array | int
    if nan_policy == "omit":
        count = fnp.sum(fnp.logical_not(fnp.isnan(a)), axis=axis, keepdims=keepdims)
        spread = fnp.nanstd(a, axis=axis, ddof=ddof, keepdims=keepdims)
    else:
        count = fnp.size(a) if axis is None else fnp.shape(a)[axis]
        spread = fnp.std(a, axis=axis, ddof=ddof, keepdims=keepdims)
    return fnp.divide(spread, fnp.sqrt(fnp.astype(count, fnp.result_type(spread))))
