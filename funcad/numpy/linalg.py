"""funcad.numpy.linalg: the parts of numpy.linalg built from funcad's primitives."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["norm", "matrix_power", "multi_dot"]


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """Vector and matrix norms (numpy.linalg.norm). The 2-norm's gradient at 0 is nan, as in
    any sqrt-based implementation; add a small epsilon inside if you need it there."""
    import funcad.numpy as fnp

    x = fnp._arr(x)
    if fnp.dtype_of(x).kind not in "fc":  # integers and booleans: norms are floats
        x = fnp.astype(x, np.float64)
    ndim = fnp._ndim(x)
    if axis is None and ord is None:
        return fnp.sqrt(fnp.sum(fnp.square(x), keepdims=keepdims))
    if axis is None:
        axis = tuple(range(ndim)) if ndim <= 2 else None
    axes = fnp._axes(axis, ndim, "norm")
    if len(axes) == 1:
        ax = axes
        if ord is None or ord == 2:
            return fnp.sqrt(fnp.sum(fnp.square(x), axis=ax, keepdims=keepdims))
        if ord == np.inf:
            return fnp.max(fnp.abs(x), axis=ax, keepdims=keepdims)
        if ord == -np.inf:
            return fnp.min(fnp.abs(x), axis=ax, keepdims=keepdims)
        if ord == 1:
            return fnp.sum(fnp.abs(x), axis=ax, keepdims=keepdims)
        if ord == 0:
            return fnp.sum(fnp.not_equal(x, 0).astype(x.dtype if hasattr(x, "dtype") else
                                                         float), axis=ax, keepdims=keepdims)
        return fnp.power(fnp.sum(fnp.power(fnp.abs(x), ord), axis=ax, keepdims=keepdims),
                         1.0 / ord)
    if len(axes) == 2:
        if ord in (None, "fro"):
            return fnp.sqrt(fnp.sum(fnp.square(x), axis=axes, keepdims=keepdims))
        row, col = axes
        if ord == 1:
            out = fnp.max(fnp.sum(fnp.abs(x), axis=row, keepdims=True), axis=col, keepdims=True)
        elif ord == np.inf:
            out = fnp.max(fnp.sum(fnp.abs(x), axis=col, keepdims=True), axis=row, keepdims=True)
        else:
            raise NotImplementedError(f"funcad.numpy.linalg.norm: matrix ord={ord!r} is not "
                                      f"supported yet (supported: None, 'fro', 1, inf)")
        return out if keepdims else fnp.squeeze(out, axis=axes)
    raise ValueError("norm: improper number of dimensions to norm")


def matrix_power(a: Any, n: int) -> Any:
    import funcad.numpy as fnp

    if n < 0:
        raise NotImplementedError("matrix_power: negative powers need inv (not implemented)")
    a = fnp._arr(a)
    result = np.broadcast_to(np.eye(fnp.shape(a)[-1], dtype=fnp.result_type(a)), fnp.shape(a))
    base = a
    while n:
        if n & 1:
            result = fnp.matmul(result, base)
        base = fnp.matmul(base, base)
        n >>= 1
    return result


def multi_dot(arrays: Any) -> Any:
    import funcad.numpy as fnp

    out = arrays[0]
    for a in arrays[1:]:
        out = fnp.dot(out, a)
    return out
