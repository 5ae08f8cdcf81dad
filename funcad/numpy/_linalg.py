"""The parts of numpy.linalg built from funcad's primitives (the API is funcad.numpy.linalg)."""

from __future__ import annotations

from typing import Any

import numpy as np

from funcad.core import dtype_of, shape_of
from funcad.numpy._conversion import as_operand, astype, ndim_of, normalize_axes, result_type
from funcad.numpy._elementwise import (
    absolute,
    divide,
    equal,
    multiply,
    not_equal,
    power,
    sqrt,
    subtract,
    where,
)
from funcad.numpy._indexing import take_along_axis
from funcad.numpy._products import dot, matmul
from funcad.numpy._reductions import amax, amin, argmax, sum
from funcad.numpy._shapes import concatenate, shape, squeeze

__all__ = ["norm", "matrix_power", "multi_dot"]


def _abs_squared(x: Any) -> Any:
    a = absolute(x)  # (real for complex x)
    return multiply(a, a)


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """Vector and matrix norms (numpy.linalg.norm). The 2-norm's gradient at 0 is nan, as in
    any sqrt-based implementation; add a small epsilon inside if you need it there. Matrix
    orders 2, -2 and 'nuc' need singular values, which funcad does not have yet."""
    x = as_operand(x)
    if dtype_of(x).kind not in "fc":  # integers and booleans: norms are floats
        x = astype(x, np.float64)
    ndim = ndim_of(x)
    if axis is None and ord is None:
        return sqrt(sum(_abs_squared(x), keepdims=keepdims))
    if axis is None:
        if ndim > 2:
            raise ValueError("norm: improper number of dimensions to norm (give axis= for "
                             "an array of more than 2 dimensions with an ord)")
        axis = tuple(range(ndim))
    axes = normalize_axes(axis, ndim, "norm")
    if len(axes) == 1:
        ax = axes
        if isinstance(ord, str):
            raise ValueError(f"norm: invalid norm order {ord!r} for vectors")
        if ord is None or ord == 2:
            return sqrt(sum(_abs_squared(x), axis=ax, keepdims=keepdims))
        if ord == np.inf:
            return amax(absolute(x), axis=ax, keepdims=keepdims)
        if ord == -np.inf:
            return amin(absolute(x), axis=ax, keepdims=keepdims)
        if ord == 1:
            return sum(absolute(x), axis=ax, keepdims=keepdims)
        if ord == 0:
            real = np.dtype(result_type(absolute(np.zeros((), dtype_of(x)))))
            return sum(astype(not_equal(x, 0), real), axis=ax, keepdims=keepdims)
        return power(sum(power(absolute(x), ord), axis=ax, keepdims=keepdims), 1.0 / ord)
    if len(axes) == 2:
        row, col = axes
        if row == col:
            raise ValueError("norm: duplicate axes given")
        if ord in (None, "fro", "f"):
            return sqrt(sum(_abs_squared(x), axis=axes, keepdims=keepdims))
        if ord in (2, -2, "nuc"):
            raise NotImplementedError(
                f"funcad.numpy.linalg.norm: matrix ord={ord!r} needs singular values (an svd), "
                f"which funcad does not have yet; ord=None/'fro', 1, -1, inf and -inf work")
        if ord in (1, -1):
            sums = sum(absolute(x), axis=row, keepdims=True)  # column sums
            reduce_axis = col
        elif ord in (np.inf, -np.inf):
            sums = sum(absolute(x), axis=col, keepdims=True)  # row sums
            reduce_axis = row
        else:
            raise ValueError(f"norm: invalid norm order {ord!r} for matrices")
        pick = amax if ord in (1, np.inf) else amin
        out = pick(sums, axis=reduce_axis, keepdims=True)
        return out if keepdims else squeeze(out, axis=axes)
    raise ValueError("norm: improper number of dimensions to norm")


def _inverse(a: Any) -> Any:
    """The inverse of the square matrices in ``a`` (..., n, n) by Gauss-Jordan elimination
    with partial pivoting, written with funcad operations (so it differentiates, stages
    and batches). A singular matrix gives infinities or nans, as JAX's inv does."""
    n = shape_of(a)[-1]
    batch = tuple(shape_of(a))[:-2]
    eye = np.broadcast_to(np.eye(n, dtype=dtype_of(a)), batch + (n, n))
    m = concatenate([a, eye], axis=-1)  # the augmented matrix [a | I]
    rows = np.arange(n)
    for k in range(n):
        pivot_row = argmax(absolute(m[..., k:, k]), axis=-1) + k  # (batch)
        pivot_row = pivot_row[..., None]
        order = where(equal(rows, k), pivot_row, where(equal(rows, pivot_row), k, rows))
        m = take_along_axis(m, order[..., :, None], axis=-2)
        m_k = divide(m[..., k:k + 1, :], m[..., k:k + 1, k:k + 1])  # the pivot row, scaled
        factors = where(equal(rows, k)[:, None], 0, m[..., :, k:k + 1])
        m = subtract(m, multiply(factors, m_k))
        m = where(equal(rows, k)[:, None], m_k, m)
    return m[..., n:]


def matrix_power(a: Any, n: int) -> Any:
    """a @ a @ ... (n times) by repeated squaring; n == 0 gives the identity and a negative
    n the power of the inverse (numpy.linalg.matrix_power)."""
    a = as_operand(a)
    try:
        n = int(n) if int(n) == n else None
    except TypeError:
        n = None
    if n is None:
        raise TypeError("matrix_power: the argument n (the exponent) must be an integer")
    if ndim_of(a) < 2 or shape_of(a)[-1] != shape_of(a)[-2]:
        raise ValueError(f"matrix_power: the argument a must be square in its last two axes, "
                         f"got shape {tuple(shape_of(a))}")
    if n < 0:
        if dtype_of(a).kind not in "fc":
            a = astype(a, np.float64)
        a, n = _inverse(a), -n
    result = np.broadcast_to(np.eye(shape(a)[-1], dtype=result_type(a)), shape(a))
    base = a
    while n:
        if n & 1:
            result = matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


def multi_dot(arrays: Any) -> Any:
    out = arrays[0]
    for a in arrays[1:]:
        out = dot(out, a)
    return out
