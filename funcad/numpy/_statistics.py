"""Statistics: order statistics (``median``, ``quantile``, ``percentile``), the NaN-ignoring
reductions, weighted averages, covariance, differences and integrals, and the counting
functions (``histogram``, ``bincount``, ``digitize``).

Everything is a composition of primitives. Order statistics sort and then gather, so their
gradient goes to the selected (or interpolated) elements. The ``nan*`` functions replace NaN
entries with a neutral value through ``where`` before reducing: those entries get a zero
gradient, and nothing of the NaN reaches the gradient of the others. Counts and indices are
integers and have no derivative; histogram weights are summed into their bins, which is
linear, so a histogram is differentiable in its weights (and, through the bin edges computed
from the data's range, in ``density=`` mode).
"""

from __future__ import annotations

import builtins
import operator
from typing import Any, Literal, Protocol, Sequence, Union, cast, overload

import numpy as np

from funcad.core import Tracer, dtype_of, is_python_scalar, shape_of
from funcad.errors import ConcretizationTypeError
from funcad.numpy._array import at, with_at
from funcad.numpy._conversion import (
    as_operand,
    astype,
    ndim_of,
    normalize_axes,
    reject_out,
)
from funcad.numpy._elementwise import (
    add,
    ceil,
    clip,
    divide,
    equal,
    floor,
    greater,
    greater_equal,
    isnan,
    less,
    logical_and,
    logical_not,
    logical_or,
    maximum,
    minimum,
    multiply,
    not_equal,
    rint,
    sqrt,
    subtract,
    where,
)
from funcad.numpy._indexing import getitem, take_along_axis
from funcad.numpy._products import matmul
from funcad.numpy._reductions import all as all_
from funcad.numpy._reductions import any as any_
from funcad.numpy._reductions import argmax, argmin, max, mean, min, prod, sum, var
from funcad.numpy._shapes import (
    broadcast_to,
    concatenate,
    diagonal,
    expand_dims,
    moveaxis,
    ravel,
    reshape,
    transpose,
)
from funcad.numpy._sorting import searchsorted, sort
from funcad.primitives.elementwise import conj, real, select
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "median", "quantile", "percentile", "nanmedian", "nanquantile", "nanpercentile",
    "nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanargmax",
    "nanargmin", "average", "ptp", "diff", "ediff1d", "gradient", "trapezoid", "cov",
    "corrcoef", "histogram", "histogram_bin_edges", "histogram2d", "histogramdd", "bincount",
    "digitize",
]

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")
_Method = Literal["linear", "lower", "higher", "midpoint", "nearest"]
_Axis = Union[int, Sequence[int], None]


def _is_concrete(x: Any) -> bool:
    return not isinstance(x, Tracer)


def _is_inexact(x: Any) -> bool:
    return dtype_of(x).kind in "fc"


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    return int(np.prod([shape[i] for i in axes], dtype=np.int64))


def _reduced_to_last(a: Any, axes: tuple[int, ...]) -> tuple[Any, tuple[int, ...]]:
    """``a`` with the kept axes first and the reduced ones flattened into one last axis."""
    x_shape = shape_of(a)
    kept = [i for i in range(len(x_shape)) if i not in axes]
    kept_shape = tuple(x_shape[i] for i in kept)
    moved = transpose(a, kept + list(axes))
    return reshape(moved, kept_shape + (_count(x_shape, axes),)), kept_shape


# ----------------------------------------------------------------------------------------------
# Order statistics.


def _quantile_dtype(a: Any, q: Any, method: str) -> np.dtype:
    a_dtype = dtype_of(a)
    if method in ("lower", "higher", "nearest"):
        return a_dtype
    base = np.dtype(np.float64) if a_dtype.kind in "biu" else a_dtype
    return base if is_python_scalar(q) else np.result_type(base, dtype_of(q))


def _lerp(lo: Any, hi: Any, t: Any) -> Any:
    """``lo + (hi - lo) t``, written from the nearer end (as NumPy does, so t = 1 gives hi)."""
    step = subtract(hi, lo)
    return where(greater_equal(t, 0.5), subtract(hi, multiply(step, subtract(1, t))),
                 add(lo, multiply(step, t)))


def _quantile(a: Any, q: Any, axis: Any, method: str, keepdims: bool, name: str,
              skip_nan: bool, q_range: float = 1.0) -> Any:
    if method not in _METHODS:
        raise ValueError(f"{name}: method must be one of {_METHODS}, got {method!r}")
    a = as_operand(a)
    q = as_operand(q)
    if dtype_of(a).kind == "c":
        raise TypeError(f"{name}: a must be an array of real numbers")
    if dtype_of(q).kind not in "biuf":
        raise TypeError(f"{name}: q must be real numbers, got dtype {dtype_of(q)}")
    if _is_concrete(q):
        qv = np.asarray(q)
        if not np.all((qv >= 0) & (qv <= q_range)):
            kind = "Quantiles" if q_range == 1.0 else "Percentiles"
            raise ValueError(f"{name}: {kind} must be in the range [0, {q_range:g}]")
    out_dtype = _quantile_dtype(a, q, method)
    if q_range != 1.0:
        q = divide(q, q_range)
    if _is_concrete(q):
        q = np.asarray(q)
    x_shape = shape_of(a)
    axes = normalize_axes(axis, len(x_shape), name)
    out_shape = tuple(shape_of(q)) + tuple(
        1 if i in axes else n for i, n in enumerate(x_shape) if keepdims or i not in axes)
    n = _count(x_shape, axes)
    if n == 0:
        if out_dtype.kind not in "fc":
            raise IndexError(f"{name}: cannot take a quantile of an empty array of integers")
        return with_at(np.full(out_shape, np.nan, out_dtype))
    if dtype_of(a).kind in "iu" and out_dtype.kind == "f":
        a = astype(a, out_dtype)  # interpolate in floats: no integer overflow in hi - lo
    x, kept_shape = _reduced_to_last(a, axes)
    values = sort(x, axis=-1)  # NaNs sort last
    nan_mask = isnan(x) if _is_inexact(x) else None
    if skip_nan and nan_mask is not None:
        count: Array | int = sum(logical_not(nan_mask), -1, keepdims=True)
        last: Array | int = subtract(count, 1)
    else:
        count, last = n, n - 1
    qf = reshape(q, (-1,))
    pos = multiply(qf, last)
    index_shape = kept_shape + shape_of(qf)
    top = maximum(last, 0)

    def gather(index_float: Any) -> Any:
        index = minimum(maximum(astype(index_float, np.intp), 0), top)
        return take_along_axis(values, broadcast_to(index, index_shape), -1)

    if method == "lower":
        result = gather(floor(pos))
    elif method == "higher":
        result = gather(ceil(pos))
    elif method == "nearest":
        result = gather(rint(pos))  # halves to the even index, as NumPy
    else:
        below = floor(pos)
        frac = subtract(pos, below)
        if method == "midpoint":
            frac = where(greater(frac, 0), 0.5, 0.0)
        result = _lerp(gather(below), gather(ceil(pos)), frac)
    if nan_mask is not None:
        if skip_nan:
            result = where(equal(count, 0), np.nan, result)
        else:
            result = where(any_(nan_mask, -1, keepdims=True), np.nan, result)
    result = moveaxis(result, -1, 0)
    return astype(reshape(result, out_shape), out_dtype)


def quantile(a: ArrayLike, q: ArrayLike, axis: _Axis = None, out: None = None,
             overwrite_input: bool = False, method: _Method = "linear",
             keepdims: bool = False) -> Array:
    """The ``q``-th quantiles (``q`` in [0, 1]) over ``axis``: a sort, then a gather of the
    one or two order statistics each ``method`` uses; the gradient goes to them. ``q``'s
    axes come first in the result. A slice holding a NaN gives NaN."""
    reject_out(out, "quantile")
    return _quantile(a, q, axis, method, keepdims, "quantile", False)


def percentile(a: ArrayLike, q: ArrayLike, axis: _Axis = None, out: None = None,
               overwrite_input: bool = False, method: _Method = "linear",
               keepdims: bool = False) -> Array:
    """``quantile`` with ``q`` in percent ([0, 100])."""
    reject_out(out, "percentile")
    return _quantile(a, q, axis, method, keepdims, "percentile", False, 100.0)


def median(a: ArrayLike, axis: _Axis = None, out: None = None, overwrite_input: bool = False,
           keepdims: bool = False) -> Array:
    """The median over ``axis``: the middle element, or the mean of the two middle ones
    (each gets half the gradient)."""
    reject_out(out, "median")
    a = as_operand(a)
    if dtype_of(a) == np.bool_:
        a = astype(a, np.float64)  # (NumPy averages the middle booleans as numbers)
    return _quantile(a, 0.5, axis, "linear", keepdims, "median", False)


def nanquantile(a: ArrayLike, q: ArrayLike, axis: _Axis = None, out: None = None,
                overwrite_input: bool = False, method: _Method = "linear",
                keepdims: bool = False) -> Array:
    """``quantile`` of the non-NaN elements of each slice (NaN for an all-NaN slice)."""
    reject_out(out, "nanquantile")
    return _quantile(a, q, axis, method, keepdims, "nanquantile", True)


def nanpercentile(a: ArrayLike, q: ArrayLike, axis: _Axis = None, out: None = None,
                  overwrite_input: bool = False, method: _Method = "linear",
                  keepdims: bool = False) -> Array:
    """``percentile`` of the non-NaN elements of each slice."""
    reject_out(out, "nanpercentile")
    return _quantile(a, q, axis, method, keepdims, "nanpercentile", True, 100.0)


def nanmedian(a: ArrayLike, axis: _Axis = None, out: None = None,
              overwrite_input: bool = False, keepdims: bool = False) -> Array:
    """``median`` of the non-NaN elements of each slice."""
    reject_out(out, "nanmedian")
    a = as_operand(a)
    if dtype_of(a) == np.bool_:
        a = astype(a, np.float64)
    return _quantile(a, 0.5, axis, "linear", keepdims, "nanmedian", True)


# ----------------------------------------------------------------------------------------------
# Reductions that skip NaNs: NaN entries are replaced by the reduction's neutral value with
# ``where``, so their gradient is zero and no NaN reaches the others'.


def _without_nans(a: Any, fill: Any) -> Any:
    return where(isnan(a), fill, a) if _is_inexact(a) else a


def nansum(a: ArrayLike, axis: _Axis = None, dtype: DTypeLike | None = None, out: None = None,
           keepdims: bool = False, initial: ArrayLike | None = None,
           where: ArrayLike | None = None) -> Array:
    """``sum`` treating NaNs as zero."""
    reject_out(out, "nansum")
    return sum(_without_nans(as_operand(a), 0), axis, dtype, keepdims=keepdims,
               initial=initial, where=where)


def nanprod(a: ArrayLike, axis: _Axis = None, dtype: DTypeLike | None = None,
            out: None = None, keepdims: bool = False, initial: ArrayLike | None = None,
            where: ArrayLike | None = None) -> Array:
    """``prod`` treating NaNs as one."""
    reject_out(out, "nanprod")
    return prod(_without_nans(as_operand(a), 1), axis, dtype, keepdims=keepdims,
                initial=initial, where=where)


def _kept_mask(a: Any, where_: Any) -> Any:
    """Where an element counts: not NaN, and selected by ``where``."""
    mask = logical_not(isnan(a)) if _is_inexact(a) else np.ones(shape_of(a), bool)
    if where_ is not None:
        mask = logical_and(mask, broadcast_to(as_operand(where_), shape_of(a)))
    return mask


def nanmean(a: ArrayLike, axis: _Axis = None, dtype: DTypeLike | None = None,
            out: None = None, keepdims: bool = False, where: ArrayLike | None = None) -> Array:
    """The mean of the non-NaN elements (NaN for an all-NaN slice)."""
    reject_out(out, "nanmean")
    a = as_operand(a)
    return mean(a, axis, dtype, keepdims=keepdims, where=_kept_mask(a, where))


def nanvar(a: ArrayLike, axis: _Axis = None, dtype: DTypeLike | None = None, out: None = None,
           ddof: int | float = 0, keepdims: bool = False, where: ArrayLike | None = None, *,
           correction: int | float | None = None) -> Array:
    """The variance of the non-NaN elements."""
    reject_out(out, "nanvar")
    a = as_operand(a)
    return var(a, axis, dtype, ddof=ddof, keepdims=keepdims, where=_kept_mask(a, where),
               correction=correction)


def nanstd(a: ArrayLike, axis: _Axis = None, dtype: DTypeLike | None = None, out: None = None,
           ddof: int | float = 0, keepdims: bool = False, where: ArrayLike | None = None, *,
           correction: int | float | None = None) -> Array:
    """The standard deviation of the non-NaN elements."""
    reject_out(out, "nanstd")
    return sqrt(nanvar(a, axis, dtype, ddof=ddof, keepdims=keepdims, where=where,
                       correction=correction))


class _NanChooser(Protocol):
    """The type of ``nanmax`` and ``nanmin``."""

    def __call__(self, a: ArrayLike, axis: _Axis = None, out: None = None,
                 keepdims: bool = False, initial: ArrayLike | None = None,
                 where: ArrayLike | None = None) -> Array: ...


class _NanArgChooser(Protocol):
    """The type of ``nanargmax`` and ``nanargmin``."""

    def __call__(self, a: ArrayLike, axis: int | None = None, out: None = None, *,
                 keepdims: bool = False) -> Array: ...


def _nan_chooser(reduce: Any, name: str, fill: float) -> _NanChooser:
    def fn(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,
           initial: Any = None, where: Any = None) -> Any:
        reject_out(out, name)
        a = as_operand(a)
        if not _is_inexact(a):
            return reduce(a, axis, keepdims=keepdims, initial=initial, where=where)
        nan_mask = isnan(a)
        result = reduce(select(nan_mask, np.array(fill, dtype_of(a)), a), axis,
                        keepdims=keepdims, initial=initial, where=where)
        if initial is not None:
            return result
        all_nan = all_(nan_mask, axis, keepdims=keepdims, where=where)
        return select(all_nan, np.array(np.nan, dtype_of(result)), result)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``{name[3:]}`` ignoring NaNs (NaN for an all-NaN slice); NaN entries get "
                  f"a zero gradient.")
    return fn


nanmax = _nan_chooser(max, "nanmax", -np.inf)
nanmin = _nan_chooser(min, "nanmin", np.inf)


def _nan_arg_chooser(reduce: Any, name: str, fill: float) -> _NanArgChooser:
    def fn(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Any:
        reject_out(out, name)
        a = as_operand(a)
        if not _is_inexact(a):
            return reduce(a, axis, keepdims=keepdims)
        nan_mask = isnan(a)
        index = reduce(select(nan_mask, np.array(fill, dtype_of(a)), a), axis,
                       keepdims=keepdims)
        return where(all_(nan_mask, axis, keepdims=keepdims), np.intp(-1), index)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Index of the {name[6:]}imum ignoring NaNs; -1 for an all-NaN slice, as in "
                  f"jax.numpy (it cannot raise under jit). No derivative.")
    return fn


nanargmax = _nan_arg_chooser(argmax, "nanargmax", -np.inf)
nanargmin = _nan_arg_chooser(argmin, "nanargmin", np.inf)


# ----------------------------------------------------------------------------------------------
# Averages, ranges, covariance.


@overload
def average(a: ArrayLike, axis: _Axis = None, weights: ArrayLike | None = None,
            returned: Literal[False] = False, *, keepdims: bool = False) -> Array: ...
@overload
def average(a: ArrayLike, axis: _Axis, weights: ArrayLike | None, returned: Literal[True], *,
            keepdims: bool = False) -> tuple[Array, Array]: ...
@overload
def average(a: ArrayLike, axis: _Axis = None, weights: ArrayLike | None = None, *,
            returned: Literal[True], keepdims: bool = False) -> tuple[Array, Array]: ...
@overload
def average(a: ArrayLike, axis: _Axis = None, weights: ArrayLike | None = None,
            returned: bool = False, *, keepdims: bool = False) -> Array | tuple[Array, Array]: ...
def average(a: ArrayLike, axis: _Axis = None, weights: ArrayLike | None = None,
            returned: bool = False, *, keepdims: bool = False) -> Array | tuple[Array, Array]:
    """The weighted mean ``sum(a w) / sum(w)`` over ``axis`` (``returned``: also the sum of
    the weights, broadcast like the average)."""
    a = as_operand(a)
    x_shape = shape_of(a)
    axes = normalize_axes(axis, len(x_shape), "average")
    if weights is None:
        avg = mean(a, axis, keepdims=keepdims)
        scale = np.asarray(_count(x_shape, axes), dtype_of(avg))
    else:
        w = as_operand(weights)
        if tuple(shape_of(w)) != tuple(x_shape):
            if axis is None:
                raise TypeError("average: axis must be specified when shapes of a and weights "
                                "differ")
            if tuple(shape_of(w)) != tuple(x_shape[i] for i in axes):
                raise ValueError("average: shape of weights must be consistent with shape of a "
                                 "along specified axis")
            order = sorted(range(len(axes)), key=lambda k: axes[k])
            w = transpose(w, order) if len(axes) > 1 else w
            w = reshape(w, tuple(n if i in axes else 1 for i, n in enumerate(x_shape)))
        dtype = (np.result_type(dtype_of(a), dtype_of(w), np.float64)
                 if dtype_of(a).kind in "biu" else np.result_type(dtype_of(a), dtype_of(w)))
        w = astype(broadcast_to(w, x_shape), dtype)
        scale = sum(w, axis, keepdims=keepdims)
        if _is_concrete(scale) and np.any(np.asarray(scale) == 0):
            raise ZeroDivisionError("average: weights sum to zero, can't be normalized")
        avg = divide(sum(multiply(astype(a, dtype), w), axis, keepdims=keepdims), scale)
    if returned:
        return avg, broadcast_to(astype(scale, dtype_of(avg)), shape_of(avg))
    return avg


def ptp(a: ArrayLike, axis: _Axis = None, out: None = None, keepdims: bool = False) -> Array:
    """Peak to peak: ``max - min`` over ``axis``."""
    reject_out(out, "ptp")
    a = as_operand(a)
    if dtype_of(a) == np.bool_:
        raise TypeError("ptp: numpy boolean subtract is not supported, use logical_xor")
    return subtract(max(a, axis, keepdims=keepdims), min(a, axis, keepdims=keepdims))


def _as_rows(m: Any, rowvar: bool, dtype: np.dtype, name: str) -> Any:
    m = as_operand(m)
    if ndim_of(m) > 2:
        raise ValueError(f"{name}: m has more than 2 dimensions")
    x = astype(m, dtype)
    if ndim_of(x) < 2:
        x = reshape(x, (1,) * (2 - ndim_of(x)) + tuple(shape_of(x)))
    if not rowvar and shape_of(x)[0] != 1:
        x = transpose(x, (1, 0))
    return x


def _check_observation_weights(w: Any, n: int, name: str, integer: bool) -> Any:
    w = as_operand(w)
    if integer and dtype_of(w).kind not in "biu":
        raise TypeError("cov: fweights must be integer")
    if ndim_of(w) > 1:
        raise RuntimeError(f"cov: cannot handle multidimensional {name}")
    if shape_of(w)[0] != n:
        raise RuntimeError(f"cov: incompatible numbers of samples and {name}")
    if _is_concrete(w) and np.any(np.asarray(w) < 0):
        raise ValueError(f"cov: {name} cannot be negative")
    return w


def cov(m: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, bias: bool = False,
        ddof: int | None = None, fweights: ArrayLike | None = None,
        aweights: ArrayLike | None = None, *, dtype: DTypeLike | None = None) -> Array:
    """The covariance matrix of the variables in the rows of ``m`` (columns if not
    ``rowvar``), with frequency and reliability weights."""
    if ddof is not None and ddof != int(ddof):
        raise ValueError("cov: ddof must be integer")
    operands = [as_operand(m)] + ([] if y is None else [as_operand(y)])
    if dtype is None:
        dtype = np.result_type(*[dtype_of(v) for v in operands], np.float64)
    dtype = np.dtype(dtype)
    x = _as_rows(m, rowvar, dtype, "cov")
    if shape_of(x)[0] == 0:
        return with_at(np.empty((0, 0), dtype))
    if y is not None:
        x = concatenate([x, _as_rows(y, rowvar, dtype, "cov")], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    n = shape_of(x)[1]
    w = None
    if fweights is not None:
        w = astype(_check_observation_weights(fweights, n, "fweights", True), np.float64)
    if aweights is not None:
        aw = _check_observation_weights(aweights, n, "aweights", False)
        w = aw if w is None else multiply(w, aw)
    if w is None:
        center = mean(x, axis=1, keepdims=True)
        fact: Any = n - ddof
    else:
        w = astype(w, np.result_type(dtype_of(w), np.float64))
        center, w_sum = average(x, axis=1, weights=w, returned=True, keepdims=True)
        w_sum = getitem(w_sum, (0, 0))
        if ddof == 0:
            fact = w_sum
        elif aweights is None:
            fact = subtract(w_sum, ddof)
        else:
            fact = subtract(w_sum, divide(multiply(ddof, sum(multiply(w, aw))), w_sum))
    fact = maximum(fact, 0) if not is_python_scalar(fact) else builtins.max(fact, 0)
    centered = subtract(x, center)
    weighted = centered if w is None else multiply(centered, w)
    other = conj(weighted) if dtype.kind == "c" else weighted
    c = divide(matmul(centered, transpose(other, (1, 0))), fact)
    shape = tuple(k for k in shape_of(c) if k != 1)
    return reshape(c, shape)


def corrcoef(x: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, *,
             dtype: DTypeLike | None = None) -> Array:
    """Pearson correlation coefficients, ``cov`` normalized by the standard deviations and
    clipped to [-1, 1] (real part, for complex input)."""
    c = cov(x, y, rowvar, dtype=dtype)
    if ndim_of(c) == 0:
        return divide(c, c)
    d = diagonal(c)
    stddev = sqrt(real(d) if dtype_of(d).kind == "c" else d)
    c = divide(divide(c, expand_dims(stddev, 1)), expand_dims(stddev, 0))
    if dtype_of(c).kind != "c":
        c = clip(c, -1, 1)
    return c


# ----------------------------------------------------------------------------------------------
# Differences and integrals.


def _slice_along(ndim: int, axis: int, part: slice) -> tuple:
    return (slice(None),) * axis + (part,)


def _with_ends(a: Any, value: Any, axis: int) -> Any:
    value = as_operand(value)
    if ndim_of(value) == 0:
        shape = list(shape_of(a))
        shape[axis] = 1
        value = broadcast_to(value, tuple(shape))
    return value


def diff(a: ArrayLike, n: int = 1, axis: int = -1, prepend: ArrayLike | None = None,
         append: ArrayLike | None = None) -> Array:
    """The ``n``-th differences along ``axis`` (of booleans: ``!=``), after joining
    ``prepend`` and ``append``."""
    x = as_operand(a)
    n = operator.index(n)
    if n < 0:
        raise ValueError(f"diff: order must be non-negative but got {n}")
    if ndim_of(x) == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    (ax,) = normalize_axes(axis, ndim_of(x), "diff")
    if n == 0:
        return x
    parts = []
    if prepend is not None:
        parts.append(_with_ends(x, prepend, ax))
    parts.append(x)
    if append is not None:
        parts.append(_with_ends(x, append, ax))
    if len(parts) > 1:
        x = concatenate(parts, axis=ax)
    for _ in range(n):
        head = getitem(x, _slice_along(ndim_of(x), ax, slice(1, None)))
        tail = getitem(x, _slice_along(ndim_of(x), ax, slice(None, -1)))
        x = not_equal(head, tail) if dtype_of(x) == np.bool_ else subtract(head, tail)
    return x


def ediff1d(ary: ArrayLike, to_end: ArrayLike | None = None,
            to_begin: ArrayLike | None = None) -> Array:
    """Differences of the flattened ``ary``, with ``to_begin``/``to_end`` joined (cast to
    ``ary``'s dtype, which NumPy requires to be safe under ``same_kind``)."""
    ary = ravel(as_operand(ary))
    dtype = dtype_of(ary)
    parts: list[Any] = []
    for value, label in ((to_begin, "to_begin"), (to_end, "to_end")):
        if value is None:
            parts.append(None)
            continue
        value = as_operand(value)
        if not np.can_cast(dtype_of(value), dtype, casting="same_kind"):
            raise TypeError(f"dtype of `{label}` must be compatible with input `ary` under the "
                            f"`same_kind` rule.")
        parts.append(astype(ravel(value), dtype))
    d = diff(ary) if shape_of(ary)[0] else ary
    pieces = [p for p in (parts[0], d, parts[1]) if p is not None]
    return concatenate(pieces) if len(pieces) > 1 else d


def _spacing(spacing: Any, n: int, ax: int, name: str) -> tuple[bool, Any]:
    """A scalar step (True, h) or the coordinates' steps (False, dx) along an axis."""
    spacing = as_operand(spacing)
    if ndim_of(spacing) == 0:
        return True, spacing
    if ndim_of(spacing) != 1:
        raise ValueError(f"{name}: distances must be either scalars or 1d")
    if shape_of(spacing)[0] != n:
        raise ValueError(f"{name}: when 1d, distances must match the length of the "
                         f"corresponding dimension")
    if dtype_of(spacing).kind in "biu":
        spacing = astype(spacing, np.float64)
    return False, diff(spacing)


def gradient(f: ArrayLike, *varargs: ArrayLike, axis: _Axis = None,
             edge_order: int | None = None) -> Array | list[Array]:
    """The gradient of sampled values by second-order central differences inside and
    first-order one-sided differences at the edges (``edge_order=1``; spacing a scalar step
    or the sample coordinates, per axis). One array, or a list for several axes."""
    if edge_order not in (None, 1):
        raise NotImplementedError("funcad.numpy.gradient: only edge_order=1 is supported")
    f = as_operand(f)
    if dtype_of(f).kind in "biu":
        f = astype(f, np.float64)
    nd = ndim_of(f)
    axes = normalize_axes(axis, nd, "gradient")
    if not varargs:
        spacings: list[Any] = [1.0] * len(axes)
    elif len(varargs) == 1 and ndim_of(as_operand(varargs[0])) == 0:
        spacings = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes):
        spacings = list(varargs)
    else:
        raise TypeError("gradient: invalid number of arguments")
    out = []
    for ax, spacing in zip(axes, spacings):
        n = shape_of(f)[ax]
        if n < 2:
            raise ValueError("Shape of array too small to calculate a numerical gradient, at "
                             "least (edge_order + 1) elements are required.")
        uniform, h = _spacing(spacing, n, ax, "gradient")

        def part(s: slice, ax: int = ax) -> Any:
            return getitem(f, _slice_along(nd, ax, s))

        def along(v: Any, ax: int = ax) -> Any:
            return reshape(v, tuple(-1 if i == ax else 1 for i in range(nd)))

        if uniform:
            first = divide(subtract(part(slice(1, 2)), part(slice(0, 1))), h)
            last = divide(subtract(part(slice(-1, None)), part(slice(-2, -1))), h)
            inner = divide(subtract(part(slice(2, None)), part(slice(None, -2))),
                           multiply(h, 2.0))
        else:
            first = divide(subtract(part(slice(1, 2)), part(slice(0, 1))),
                           along(getitem(h, slice(0, 1))))
            last = divide(subtract(part(slice(-1, None)), part(slice(-2, -1))),
                          along(getitem(h, slice(-1, None))))
            dx1 = along(getitem(h, slice(None, -1)))
            dx2 = along(getitem(h, slice(1, None)))
            w_before = _negative_div(dx2, multiply(dx1, add(dx1, dx2)))
            w_here = divide(subtract(dx2, dx1), multiply(dx1, dx2))
            w_after = divide(dx1, multiply(dx2, add(dx1, dx2)))
            inner = add(add(multiply(w_before, part(slice(None, -2))),
                            multiply(w_here, part(slice(1, -1)))),
                        multiply(w_after, part(slice(2, None))))
        pieces = [first, inner, last] if n > 2 else [first, last]
        # (NumPy writes into an array of f's dtype, whatever the spacing's.)
        out.append(astype(concatenate(pieces, axis=ax), dtype_of(f)))
    return out[0] if len(out) == 1 else out


def _negative_div(x: Any, y: Any) -> Any:
    return divide(subtract(0, x), y)


def trapezoid(y: ArrayLike, x: ArrayLike | None = None, dx: ArrayLike = 1.0,
              axis: int = -1) -> Array:
    """The integral of sampled ``y`` by the trapezoidal rule along ``axis`` (coordinates
    ``x``, or a constant step ``dx``)."""
    y = as_operand(y)
    nd = ndim_of(y)
    if nd == 0:
        raise ValueError("trapezoid: y must be at least one dimensional")
    (ax,) = normalize_axes(axis, nd, "trapezoid")
    if x is None:
        d = dx
    else:
        x = as_operand(x)
        if ndim_of(x) == 1:
            d = reshape(diff(x), tuple(-1 if i == ax else 1 for i in range(nd)))
        else:
            d = diff(x, axis=ax)
    head = getitem(y, _slice_along(nd, ax, slice(1, None)))
    tail = getitem(y, _slice_along(nd, ax, slice(None, -1)))
    return sum(divide(multiply(d, add(head, tail)), 2.0), axis=ax)


# ----------------------------------------------------------------------------------------------
# Counting: bincount, digitize, histograms.


def _static_length(x: Any, name: str, fixes: str) -> int:
    """``max(x) + 1`` from a concrete ``x``, or the concretization error naming the fix."""
    if isinstance(x, Tracer):
        try:
            value = x.concrete_value(f"funcad.numpy.{name}() (its output length depends on "
                                     f"values)")
        except ConcretizationTypeError:
            raise ConcretizationTypeError(
                f"funcad.numpy.{name}() (its output length depends on values)",
                x.aval.str_short(), fixes=fixes) from None
    else:
        value = x
    value = np.asarray(value)
    return int(value.max()) + 1 if value.size else 0


def bincount(x: ArrayLike, weights: ArrayLike | None = None, minlength: int = 0, *,
             length: int | None = None) -> Array:
    """Counts (or summed ``weights``) of each non-negative integer in the 1-d ``x``. The
    length is ``max(max(x) + 1, minlength)``, which needs concrete values; under ``jit`` or
    ``vmap`` pass ``length=`` (then values below 0 count as 0 and values beyond are
    dropped, as in jax.numpy). Differentiable in ``weights`` only."""
    x = as_operand(x)
    if dtype_of(x).kind not in "biu":
        raise TypeError(f"bincount: x must be an integer array, got dtype {dtype_of(x)}")
    if ndim_of(x) != 1:
        raise ValueError(f"bincount: x must be 1-dimensional, got shape {tuple(shape_of(x))}")
    minlength = operator.index(minlength)
    if minlength < 0:
        raise ValueError("'minlength' must not be negative")
    if _is_concrete(x) and np.any(np.asarray(x) < 0):
        raise ValueError("'list' argument must have no negative elements")
    if length is None:
        length = builtins.max(_static_length(
            x, "bincount", "  - pass length=N (a static output length), as in "
            "funcad.numpy.bincount(x, length=N)."), minlength)
    else:
        length = operator.index(length)
    if weights is None:
        values: Any = np.ones((), np.intp)
        dtype: np.dtype[Any] = np.dtype(np.intp)
    else:
        values = as_operand(weights)
        if tuple(shape_of(values)) != tuple(shape_of(x)):
            raise ValueError("bincount: the weights and list don't have the same length.")
        dtype = np.dtype(np.complex128 if dtype_of(values).kind == "c" else np.float64)
        values = astype(values, dtype)
    return _scatter_counts(x, values, length, dtype)


def _scatter_counts(index: Any, values: Any, length: int, dtype: np.dtype) -> Any:
    """Sums of ``values`` into ``length`` bins at ``index``; indices outside [0, length) go
    to a discarded extra bin."""
    index = astype(index, np.intp)
    index = where(less(index, 0), 0, index)
    index = where(greater_equal(index, length), length, index)
    if shape_of(values) != shape_of(index):
        values = broadcast_to(values, shape_of(index))
    bins = at(np.zeros(length + 1, dtype))[index].add(values)
    return getitem(bins, slice(None, length))


def _check_monotonic_bins(bins: Any) -> int:
    """1 for increasing bins, -1 for decreasing, 0 when not known (traced)."""
    if not _is_concrete(bins):
        return 0
    b = np.asarray(bins)
    steps = np.diff(b)
    if np.all(steps >= 0):
        return 1
    if np.all(steps <= 0):
        return -1
    raise ValueError("bins must be monotonically increasing or decreasing")


def digitize(x: ArrayLike, bins: ArrayLike, right: bool = False, *,
             method: str | None = None) -> Array:
    """The index of the bin of each ``x`` (``bins[i-1] <= x < bins[i]`` for increasing bins,
    the other edge closed with ``right``; decreasing bins count from the other end). No
    derivative (integer output). ``method`` is searchsorted's, accepted as jax.numpy does."""
    method = "scan" if method is None else method
    x, bins = as_operand(x), as_operand(bins)
    if dtype_of(x).kind == "c":
        raise TypeError("digitize: x may not be complex")
    if ndim_of(bins) != 1:
        raise ValueError("digitize: bins must be one-dimensional")
    side = "left" if right else "right"
    n = shape_of(bins)[0]
    direction = _check_monotonic_bins(bins)
    if n == 0:
        return with_at(np.zeros(shape_of(x), np.intp))
    increasing = searchsorted(bins, x, side=side, method=method) if direction >= 0 else None
    if direction == 1:
        return cast(Array, increasing)
    decreasing = subtract(n, searchsorted(getitem(bins, slice(None, None, -1)), x, side=side,
                                          method=method))
    if direction == -1:
        return astype(decreasing, np.intp)
    up = greater_equal(getitem(bins, -1), getitem(bins, 0))
    return where(up, cast(Array, increasing), astype(decreasing, np.intp))


def _edges(a: Any, bins: Any, range_: Any, weights: Any, name: str) -> Any:
    """Bin edges: ``bins + 1`` equal steps over ``range`` (default: the data's range), or
    ``bins`` itself as edges. A string rule is NumPy's, on concrete values."""
    if isinstance(bins, str):
        if not (_is_concrete(a) and _is_concrete(weights)):
            raise ConcretizationTypeError(
                f"funcad.numpy.{name}(bins={bins!r})", "(its bins depend on values)",
                fixes="  - pass bins as a number of bins or an array of bin edges.")
        return with_at(np.histogram_bin_edges(np.asarray(a), bins, range_, None if weights is None
                                              else np.asarray(weights)))
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, (bool, np.bool_)):
        count = operator.index(bins)
        if count < 1:
            raise ValueError(f"{name}: `bins` must be positive, when an integer")
        dtype = np.result_type(dtype_of(a), np.float64) if dtype_of(a).kind in "biu" else (
            dtype_of(a))
        if range_ is not None:
            lo, hi = range_
            if _is_concrete(lo) and _is_concrete(hi):
                if lo > hi:
                    raise ValueError(f"{name}: max must be larger than min in range parameter.")
                if not (np.isfinite(lo) and np.isfinite(hi)):
                    raise ValueError(f"{name}: supplied range of [{lo}, {hi}] is not finite")
            lo, hi = astype(as_operand(lo), dtype), astype(as_operand(hi), dtype)
        elif shape_of(a) and _count(shape_of(a), tuple(range(ndim_of(a)))) == 0:
            lo, hi = np.array(0, dtype), np.array(1, dtype)
        else:
            lo, hi = astype(min(a), dtype), astype(max(a), dtype)
            if _is_concrete(lo) and not (np.isfinite(lo) and np.isfinite(hi)):
                raise ValueError(f"{name}: autodetected range of [{lo}, {hi}] is not finite")
        same = equal(lo, hi)
        lo, hi = where(same, subtract(lo, 0.5), lo), where(same, add(hi, 0.5), hi)
        # (computed in float64 and rounded once, as NumPy's linspace does)
        wide = np.result_type(dtype, np.float64)
        lo, hi = astype(lo, wide), astype(hi, wide)
        steps = np.arange(count, dtype=wide)
        inner = add(lo, multiply(steps, divide(subtract(hi, lo), count)))
        return astype(concatenate([inner, reshape(hi, (1,))]), dtype)
    edges = as_operand(bins)
    if ndim_of(edges) == 0:
        raise TypeError(f"{name}: `bins` must be an integer, a string, or an array")
    if ndim_of(edges) != 1:
        raise ValueError(f"{name}: `bins` must be 1d, when an array")
    if _is_concrete(edges) and np.any(np.diff(np.asarray(edges)) < 0):
        raise ValueError(f"{name}: `bins` must increase monotonically, when an array")
    return edges


def histogram_bin_edges(a: ArrayLike, bins: ArrayLike = 10,
                        range: Sequence[ArrayLike] | None = None,
                        weights: ArrayLike | None = None) -> Array:
    """The edges ``histogram`` uses (differentiable in ``a`` through its min and max)."""
    return _edges(ravel(as_operand(a)), bins, range, weights, "histogram_bin_edges")


def _bin_index(values: Any, edges: Any) -> Any:
    """The bin of each value, -1 or len(edges) - 1 outside; the last edge closes the last
    bin."""
    nbins = shape_of(edges)[0] - 1
    index = subtract(searchsorted(edges, values, side="right"), 1)
    on_last = equal(values, getitem(edges, -1))
    index = where(on_last, nbins - 1, index)
    outside = logical_or(less(index, 0), greater_equal(index, nbins))
    return where(outside, nbins, index)


def _weights_for(sample_shape: tuple[int, ...], weights: Any, name: str) -> Any:
    if weights is None:
        return None
    w = as_operand(weights)
    if tuple(shape_of(w)) != tuple(sample_shape):
        raise ValueError(f"{name}: weights should have the same shape as a.")
    return ravel(w)


def histogram(a: ArrayLike, bins: ArrayLike = 10, range: Sequence[ArrayLike] | None = None,
              weights: ArrayLike | None = None,
              density: bool | None = None) -> tuple[Array, Array]:
    """Counts (or summed ``weights``) of ``a`` in each bin, and the bin edges. Differentiable
    in ``weights``, and with ``density`` also through the edges."""
    a = as_operand(a)
    w = _weights_for(shape_of(a), weights, "histogram")
    flat = ravel(a)
    edges = _edges(flat, bins, range, weights, "histogram")
    nbins = shape_of(edges)[0] - 1
    index = _bin_index(flat, edges)
    if w is None:
        counts = _scatter_counts(index, np.ones((), np.intp), nbins, np.dtype(np.intp))
    else:
        counts = _scatter_counts(index, w, nbins, dtype_of(w))
    if density:
        widths = diff(edges)
        total = sum(counts)
        counts = divide(divide(counts, total), widths)
    return counts, edges


def _sample_columns(sample: Any) -> list[Any]:
    if isinstance(sample, (list, tuple)):
        columns = [ravel(as_operand(s)) for s in sample]
        lengths = {shape_of(c)[0] for c in columns}
        if len(lengths) > 1:
            raise ValueError("histogramdd: all sample coordinates must have the same length")
        return columns
    sample = as_operand(sample)
    if ndim_of(sample) == 1:
        return [sample]
    if ndim_of(sample) != 2:
        raise ValueError("histogramdd: sample must be an (N, D) array or a sequence of D arrays")
    return [getitem(sample, (slice(None), k)) for k in builtins.range(shape_of(sample)[1])]


def histogramdd(sample: ArrayLike | Sequence[ArrayLike], bins: ArrayLike = 10,
                range: Sequence[Sequence[ArrayLike] | None] | None = None,
                density: bool | None = None,
                weights: ArrayLike | None = None) -> tuple[Array, list[Array]]:
    """The D-dimensional histogram of N points, and the list of each dimension's edges."""
    columns = _sample_columns(sample)
    dims = len(columns)
    if isinstance(bins, (int, np.integer)) or (
            not isinstance(bins, (list, tuple)) and ndim_of(as_operand(bins)) == 0):
        bin_specs: Sequence[Any] = [bins] * dims
    else:
        bin_specs = cast(Sequence[Any], bins)
    if len(bin_specs) != dims:
        raise ValueError("histogramdd: the dimension of bins must be equal to the dimension of "
                         "the sample x.")
    ranges = [None] * dims if range is None else list(range)
    if len(ranges) != dims:
        raise ValueError("histogramdd: range argument must have one entry per dimension")
    n = shape_of(columns[0])[0]
    w = _weights_for((n,), weights, "histogramdd")
    edges = [_edges(c, b, r, weights, "histogramdd") for c, b, r in zip(columns, bin_specs, ranges)]
    sizes = [shape_of(e)[0] - 1 for e in edges]
    total = int(np.prod(sizes, dtype=np.int64))
    flat = np.zeros((n,), np.intp)
    outside = np.zeros((n,), bool)
    for c, e, size in zip(columns, edges, sizes):
        index = _bin_index(c, e)
        outside = logical_or(outside, equal(index, size))
        flat = add(multiply(flat, size), index)
    flat = where(outside, total, flat)
    # (NumPy's counts here are floats, complex for complex weights.)
    dtype = np.dtype(np.complex128 if w is not None and dtype_of(w).kind == "c" else np.float64)
    hist = _scatter_counts(flat, np.ones((), dtype) if w is None else astype(w, dtype), total,
                           dtype)
    hist = reshape(hist, tuple(sizes))
    if density:
        volume: Any = np.ones((), np.float64)
        for k, e in enumerate(edges):
            widths = reshape(diff(e), tuple(-1 if i == k else 1 for i in builtins.range(dims)))
            volume = multiply(volume, widths)
        hist = divide(divide(hist, sum(hist)), volume)
    return hist, edges


def histogram2d(x: ArrayLike, y: ArrayLike, bins: ArrayLike = 10,
                range: Sequence[Sequence[ArrayLike] | None] | None = None,
                density: bool | None = None,
                weights: ArrayLike | None = None) -> tuple[Array, Array, Array]:
    """The 2-d histogram of the points ``(x, y)``, and the x and y edges."""
    x, y = as_operand(x), as_operand(y)
    bin_specs: Any = bins
    if isinstance(bin_specs, (list, tuple)) and len(bin_specs) != 2:
        bin_specs = as_operand(bin_specs)
    if not isinstance(bin_specs, (list, tuple)) and not isinstance(bin_specs, (int, np.integer)):
        bin_specs = as_operand(bin_specs)
        if ndim_of(bin_specs) == 1:
            bin_specs = [bin_specs, bin_specs]
    hist, edges = histogramdd([x, y], bin_specs, range, density, weights)
    return hist, edges[0], edges[1]


