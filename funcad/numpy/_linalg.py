"""The parts of numpy.linalg built from funcad's primitives (the API is funcad.numpy.linalg)."""

from __future__ import annotations

from typing import Any

import numpy as np

from funcad.core import dtype_of
from funcad.numpy._conversion import as_operand, astype, ndim_of, normalize_axes, result_type
from funcad.numpy._elementwise import absolute, not_equal, power, sqrt, square
from funcad.numpy._products import dot, matmul
from funcad.numpy._reductions import amax, amin, sum
from funcad.numpy._shapes import shape, squeeze

__all__ = ["norm", "matrix_power", "multi_dot"]


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """Vector and matrix norms (numpy.linalg.norm). The 2-norm's gradient at 0 is nan, as in
    any sqrt-based implementation; add a small epsilon inside if you need it there."""
    x = as_operand(x)
    if dtype_of(x).kind not in "fc":  # integers and booleans: norms are floats
        x = astype(x, np.float64)
    ndim = ndim_of(x)
    if axis is None and ord is None:
        return sqrt(sum(square(x), keepdims=keepdims))
    if axis is None:
        axis = tuple(range(ndim)) if ndim <= 2 else None
    axes = normalize_axes(axis, ndim, "norm")
    if len(axes) == 1:
        ax = axes
        if ord is None or ord == 2:
            return sqrt(sum(square(x), axis=ax, keepdims=keepdims))
        if ord == np.inf:
            return amax(absolute(x), axis=ax, keepdims=keepdims)
        if ord == -np.inf:
            return amin(absolute(x), axis=ax, keepdims=keepdims)
        if ord == 1:
            return sum(absolute(x), axis=ax, keepdims=keepdims)
        if ord == 0:
            return sum(not_equal(x, 0).astype(x.dtype if hasattr(x, "dtype") else float),
                       axis=ax, keepdims=keepdims)
        return power(sum(power(absolute(x), ord), axis=ax, keepdims=keepdims), 1.0 / ord)
    if len(axes) == 2:
        if ord in (None, "fro"):
            return sqrt(sum(square(x), axis=axes, keepdims=keepdims))
        row, col = axes
        if ord == 1:
            out = amax(sum(absolute(x), axis=row, keepdims=True), axis=col, keepdims=True)
        elif ord == np.inf:
            out = amax(sum(absolute(x), axis=col, keepdims=True), axis=row, keepdims=True)
        else:
            raise NotImplementedError(f"funcad.numpy.linalg.norm: matrix ord={ord!r} is not "
                                      f"supported yet (supported: None, 'fro', 1, inf)")
        return out if keepdims else squeeze(out, axis=axes)
    raise ValueError("norm: improper number of dimensions to norm")


def matrix_power(a: Any, n: int) -> Any:
    if n < 0:
        raise NotImplementedError("matrix_power: negative powers need inv (not implemented)")
    a = as_operand(a)
    result = np.broadcast_to(np.eye(shape(a)[-1], dtype=result_type(a)), shape(a))
    base = a
    while n:
        if n & 1:
            result = matmul(result, base)
        base = matmul(base, base)
        n >>= 1
    return result


def multi_dot(arrays: Any) -> Any:
    out = arrays[0]
    for a in arrays[1:]:
        out = dot(out, a)
    return out
