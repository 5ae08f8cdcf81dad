"""Reductions: sums, products, extrema, statistics, logical reductions, ``argmax`` and
``cumsum``, with NumPy's ``axis``, ``keepdims``, ``dtype``, ``initial`` and ``where``.
"""

from __future__ import annotations

import builtins
from typing import Any, Protocol, Sequence

import numpy as np

from funcad.core import Tracer, dtype_of, shape_of
from funcad.numpy._conversion import (
    as_operand,
    astype,
    keep_reduced_dims,
    ndim_of,
    normalize_axes,
    reject_out,
)
from funcad.numpy._elementwise import (
    add,
    divide,
    maximum,
    minimum,
    multiply,
    not_equal,
    sqrt,
    square,
    subtract,
)
from funcad.numpy._shapes import broadcast_to, expand_dims, ravel, reshape
from funcad.primitives import reductions
from funcad.primitives.elementwise import conj, mul, real, select
from funcad.primitives.shape import reduce_sum
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "sum", "prod", "max", "min", "amax", "amin", "mean", "var", "std", "argmax", "argmin",
    "all", "any", "cumsum", "count_nonzero",
]


def sum(a: ArrayLike, axis: int | Sequence[int] | None = None, dtype: DTypeLike | None = None,
        out: None = None, keepdims: bool = False, initial: ArrayLike | None = None,
        where: ArrayLike | None = None) -> Array:
    """Sum over ``axis`` (all axes if None), as numpy.sum; ``where`` masks elements out,
    ``initial`` is added. Differentiable. ``out=`` is not supported.

    >>> funcad.numpy.sum(funcad.numpy.array([[1, 2], [3, 4]]), axis=1)
    Array([3, 7])
    >>> funcad.grad(funcad.numpy.sum)(funcad.numpy.array([1.0, 2.0]))
    Array([1., 1.])
    """
    reject_out(out, "sum")
    a = as_operand(a)
    if dtype is not None:
        a = astype(a, dtype)
    if where is not None:
        a = select(as_operand(where), a, 0)
    x_shape = shape_of(a)
    axes = normalize_axes(axis, len(x_shape), "sum")
    result = keep_reduced_dims(reduce_sum(a, axes), x_shape, axes, keepdims)
    return result if initial is None else add(result, initial)


def prod(a: ArrayLike, axis: int | Sequence[int] | None = None, dtype: DTypeLike | None = None,
         out: None = None, keepdims: bool = False, initial: ArrayLike | None = None,
         where: ArrayLike | None = None) -> Array:
    """Product over ``axis`` (all axes if None), as numpy.prod; ``where`` masks elements out,
    ``initial`` multiplies in. Differentiable. ``out=`` is not supported.

    >>> funcad.numpy.prod(funcad.numpy.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    Array([3., 8.])
    >>> funcad.grad(funcad.numpy.prod)(funcad.numpy.array([2.0, 3.0]))
    Array([3., 2.])
    """
    reject_out(out, "prod")
    a = as_operand(a)
    if dtype is not None:
        a = astype(a, dtype)
    if where is not None:
        a = select(as_operand(where), a, 1)
    x_shape = shape_of(a)
    axes = normalize_axes(axis, len(x_shape), "prod")
    result = keep_reduced_dims(reductions.reduce_prod(a, axes), x_shape, axes, keepdims)
    return result if initial is None else multiply(result, initial)


class _Chooser(Protocol):
    """The type of ``max`` and ``min``."""

    def __call__(self, a: ArrayLike, axis: int | Sequence[int] | None = None, out: None = None,
                 keepdims: bool = False, initial: ArrayLike | None = None,
                 where: ArrayLike | None = None) -> Array: ...


class _ArgChooser(Protocol):
    """The type of ``argmax`` and ``argmin``."""

    def __call__(self, a: ArrayLike, axis: int | None = None, out: None = None, *,
                 keepdims: bool = False) -> Array: ...


class _LogicalReduction(Protocol):
    """The type of ``all`` and ``any``."""

    def __call__(self, a: ArrayLike, axis: int | Sequence[int] | None = None, out: None = None,
                 keepdims: bool = False, *, where: ArrayLike | None = None) -> Array: ...


def _extreme_value(dtype: np.dtype, name: str) -> Any:
    """The value no element beats for ``name`` ("max" or "min"): masked-out elements become it."""
    if dtype.kind == "b":
        return name == "min"
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return info.min if name == "max" else info.max
    return -np.inf if name == "max" else np.inf


def _chooser(reduce: Any, name: str) -> _Chooser:
    def fn(a: ArrayLike, axis: int | Sequence[int] | None = None, out: None = None,
           keepdims: bool = False, initial: ArrayLike | None = None,
           where: ArrayLike | None = None) -> Array:
        reject_out(out, name)
        a = as_operand(a)
        x_shape = shape_of(a)
        axes = normalize_axes(axis, len(x_shape), name)
        if where is not None and initial is None:
            raise ValueError(f"reduction operation {name} does not have an identity, so to use "
                             f"a where mask one has to specify 'initial'")
        if initial is not None and not isinstance(initial, Tracer):
            initial = np.array(initial, dtype_of(a))  # NumPy casts it to the array's dtype
        if builtins.any(x_shape[i] == 0 for i in axes):
            if initial is None:
                raise ValueError(f"zero-size array to reduction operation {name} which has no "
                                 f"identity (pass initial=)")
            kept = tuple(1 if i in axes else n for i, n in enumerate(x_shape) if keepdims or
                         i not in axes)
            return broadcast_to(initial, kept)
        if where is not None:
            mask = broadcast_to(as_operand(where), x_shape)
            fill = np.array(_extreme_value(dtype_of(a), name), dtype_of(a))
            a = select(mask, a, fill)
        result = keep_reduced_dims(reduce(a, axes), x_shape, axes, keepdims)
        if initial is not None:
            result = (maximum if name == "max" else minimum)(result, initial)
        return result

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"The {name}imum over ``axis`` (of the elements ``where`` selects, and "
                  f"``initial``); its gradient is split evenly between ties.")
    return fn


max = _chooser(reductions.reduce_max, "max")
min = _chooser(reductions.reduce_min, "min")
amax, amin = max, min


def mean(a: ArrayLike, axis: int | Sequence[int] | None = None, dtype: DTypeLike | None = None,
         out: None = None, keepdims: bool = False, where: ArrayLike | None = None) -> Array:
    """Arithmetic mean over ``axis`` (integers averaged in float64), as numpy.mean; ``where`` masks
    elements out. Differentiable. ``out=`` is not supported.

    >>> funcad.numpy.mean(funcad.numpy.array([1, 2, 3, 4]))
    np.float64(2.5)
    >>> funcad.grad(funcad.numpy.mean)(funcad.numpy.array([1.0, 2.0]))
    Array([0.5, 0.5])
    """
    reject_out(out, "mean")
    a = as_operand(a)
    if dtype is None and dtype_of(a).kind in "biu":
        dtype = np.float64
    x_shape = shape_of(a)
    axes = normalize_axes(axis, len(x_shape), "mean")
    if where is not None:
        mask = broadcast_to(as_operand(where), x_shape)
        total = sum(a, axis, dtype, keepdims=keepdims, where=mask)
        return divide(total, sum(astype(mask, total.dtype if dtype is None else dtype), axis,
                                 keepdims=keepdims))
    count = int(np.prod([x_shape[i] for i in axes], dtype=np.int64))
    return divide(sum(a, axis, dtype, keepdims=keepdims), count)


_mean = mean


def _squared_magnitude(x: Any) -> Any:
    if dtype_of(x).kind == "c":
        return real(mul(x, conj(x)))
    return square(x)


def var(a: ArrayLike, axis: int | Sequence[int] | None = None, dtype: DTypeLike | None = None,
        out: None = None, ddof: int | float = 0, keepdims: bool = False, *,
        where: ArrayLike | None = None, mean: ArrayLike | None = None,
        correction: int | float | None = None) -> Array:
    """The variance, ``sum(|a - mean|**2) / (count - ddof)`` over the elements ``where``
    selects (``correction`` is the array API's name for ``ddof``; ``mean`` a precomputed
    mean with ``keepdims=True``)."""
    reject_out(out, "var")
    if correction is not None:
        if ddof != 0:
            raise ValueError("var: ddof and correction can't be provided simultaneously")
        ddof = correction
    a = as_operand(a)
    if dtype is None and dtype_of(a).kind in "biu":
        dtype = np.float64
    if dtype is not None:
        a = astype(a, dtype)
    x_shape = shape_of(a)
    axes = normalize_axes(axis, len(x_shape), "var")
    if where is None:
        center = _mean(a, axis, keepdims=True) if mean is None else mean
        centered = subtract(a, center)
        count = int(np.prod([x_shape[i] for i in axes], dtype=np.int64))
        return divide(sum(_squared_magnitude(centered), axis, keepdims=keepdims),
                      builtins.max(count - ddof, 0))
    mask = broadcast_to(as_operand(where), x_shape)
    center = _mean(a, axis, keepdims=True, where=mask) if mean is None else mean
    centered = select(mask, subtract(a, center), 0)
    total = sum(_squared_magnitude(centered), axis, keepdims=keepdims)
    selected = sum(astype(mask, total.dtype), axis, keepdims=keepdims)
    return divide(total, maximum(subtract(selected, ddof), 0))


def std(a: ArrayLike, axis: int | Sequence[int] | None = None, dtype: DTypeLike | None = None,
        out: None = None, ddof: int | float = 0, keepdims: bool = False, *,
        where: ArrayLike | None = None, mean: ArrayLike | None = None,
        correction: int | float | None = None) -> Array:
    """The square root of ``var`` (same arguments)."""
    return sqrt(var(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                    correction=correction))


def _arg_chooser(primitive: Any, name: str) -> _ArgChooser:
    def fn(a: ArrayLike, axis: int | None = None, out: None = None, *,
           keepdims: bool = False) -> Array:
        reject_out(out, name)
        a = as_operand(a)
        if axis is None:
            result = primitive.bind(ravel(a), axis=0)
            return reshape(result, (1,) * ndim_of(a)) if keepdims else result
        (ax,) = normalize_axes(axis, ndim_of(a), name)
        result = primitive.bind(a, axis=ax)
        return expand_dims(result, ax) if keepdims else result

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Index of the {name[3:]}imum (an integer array; no derivative)."
    return fn


argmax = _arg_chooser(reductions.argmax_p, "argmax")
argmin = _arg_chooser(reductions.argmin_p, "argmin")


def _logical_reduction(primitive: Any, name: str, neutral: bool) -> _LogicalReduction:
    def fn(a: ArrayLike, axis: int | Sequence[int] | None = None, out: None = None,
           keepdims: bool = False, *, where: ArrayLike | None = None) -> Array:
        reject_out(out, name)
        a = as_operand(a)
        x_shape = shape_of(a)
        axes = normalize_axes(axis, len(x_shape), name)
        if where is not None:
            a = select(broadcast_to(as_operand(where), x_shape), astype(a, np.bool_), neutral)
        result = primitive.bind(a, axes=axes)
        return keep_reduced_dims(result, x_shape, axes, keepdims)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Whether {name} elements (of those ``where`` selects) are true, over "
                  f"``axis``; a bool array with no derivative.")
    return fn


all = _logical_reduction(reductions.reduce_and_p, "all", True)
any = _logical_reduction(reductions.reduce_or_p, "any", False)


def cumsum(a: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None,
           out: None = None) -> Array:
    """Cumulative sum along ``axis`` (the flattened array if None), as numpy.cumsum.
    Differentiable. ``out=`` is not supported.

    >>> funcad.numpy.cumsum(funcad.numpy.array([1, 2, 3]))
    Array([1, 3, 6])
    >>> funcad.numpy.cumsum(funcad.numpy.ones((2, 2)), axis=1)
    Array([[1., 2.],
           [1., 2.]])
    """
    reject_out(out, "cumsum")
    a = as_operand(a)
    if dtype is not None:
        a = astype(a, dtype)
    if axis is None:
        a, axis = ravel(a), 0
    (ax,) = normalize_axes(axis, ndim_of(a), "cumsum")
    return reductions.cumsum(a, ax)


def count_nonzero(a: ArrayLike, axis: int | Sequence[int] | None = None, *,
                  keepdims: bool = False) -> Array:
    """The number of nonzero elements over ``axis`` (an integer array, no derivative)."""
    a = as_operand(a)
    axes = normalize_axes(axis, ndim_of(a), "count_nonzero")
    return astype(sum(not_equal(a, 0), axes, keepdims=keepdims), np.intp)
