"""Cumulative reductions with NumPy's arguments: ``cumprod``, the array API's
``cumulative_sum``/``cumulative_prod`` (``include_initial=``), and ``nancumsum``/``nancumprod``
(NaNs count as the identity, and get a zero gradient). ``axis=None`` flattens, and the
result dtype is NumPy's (integers widen as NumPy widens them; ``dtype=`` is kept).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from funcad.core import dtype_of, shape_of
from funcad.numpy._conversion import as_operand, astype, normalize_axes, reject_out
from funcad.primitives import reductions
from funcad.primitives.elementwise import isnan, select
from funcad.primitives.lax_ops import pad
from funcad.primitives.shape import convert_element_type, reshape
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = ["cumprod", "cumulative_sum", "cumulative_prod", "nancumsum", "nancumprod"]


def _accumulate(primitive_fn: Any, a: Any, axis: Any, dtype: Any, name: str,
                nan_identity: Any = None) -> Any:
    a = as_operand(a)
    if dtype is not None:
        a = astype(a, dtype)
    if nan_identity is not None and dtype_of(a).kind in "fc":
        a = select(isnan(a), nan_identity, a)
    if axis is None:
        a, axis = reshape(a, (int(np.prod(shape_of(a), dtype=np.int64)),)), 0
    (ax,) = normalize_axes(axis, len(shape_of(a)), name)
    result = primitive_fn(a, ax)
    if dtype is not None and dtype_of(result) != np.dtype(dtype):
        result = convert_element_type(result, dtype)  # (NumPy keeps the dtype asked for)
    return result


def cumprod(a: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None,
            out: None = None) -> Array:
    """The running product; its gradient is exact with zeros in the input."""
    reject_out(out, "cumprod")
    return _accumulate(reductions.cumprod, a, axis, dtype, "cumprod")


def nancumsum(a: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None,
              out: None = None) -> Array:
    """Cumulative sum treating nans as 0, as numpy.nancumsum. Differentiable. ``out=`` is not
    supported.

    >>> funcad.numpy.nancumsum(funcad.numpy.array([1.0, funcad.numpy.nan, 2.0]))
    Array([1., 1., 3.])
    """
    reject_out(out, "nancumsum")
    return _accumulate(reductions.cumsum, a, axis, dtype, "nancumsum", nan_identity=0)


def nancumprod(a: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None,
               out: None = None) -> Array:
    """Cumulative product treating nans as 1, as numpy.nancumprod. Differentiable. ``out=`` is not
    supported.

    >>> funcad.numpy.nancumprod(funcad.numpy.array([2.0, funcad.numpy.nan, 3.0]))
    Array([2., 2., 6.])
    """
    reject_out(out, "nancumprod")
    return _accumulate(reductions.cumprod, a, axis, dtype, "nancumprod", nan_identity=1)


def _cumulative(primitive_fn: Any, x: Any, axis: Any, dtype: Any, include_initial: bool,
                identity: int, name: str) -> Any:
    x = as_operand(x)
    ndim = len(shape_of(x))
    if ndim == 0:
        x = reshape(x, (1,))
    elif axis is None and ndim > 1:
        raise ValueError(f"{name}: for arrays which have more than one dimension the axis "
                         f"argument is required")
    result = _accumulate(primitive_fn, x, 0 if axis is None else axis, dtype, name)
    if include_initial:
        (ax,) = normalize_axes(0 if axis is None else axis, len(shape_of(result)), name)
        config = [(0, 0, 0)] * len(shape_of(result))
        config[ax] = (1, 0, 0)
        result = pad(result, identity, config)
    return result


def cumulative_sum(x: ArrayLike, /, *, axis: int | None = None, dtype: DTypeLike | None = None,
                   out: None = None, include_initial: bool = False) -> Array:
    """The array API's running sum: ``axis`` is required beyond 1-d, and
    ``include_initial`` starts the result with a 0."""
    reject_out(out, "cumulative_sum")
    return _cumulative(reductions.cumsum, x, axis, dtype, include_initial, 0,
                       "cumulative_sum")


def cumulative_prod(x: ArrayLike, /, *, axis: int | None = None, dtype: DTypeLike | None = None,
                    out: None = None, include_initial: bool = False) -> Array:
    """The array API's running product (``include_initial`` starts it with a 1)."""
    reject_out(out, "cumulative_prod")
    return _cumulative(reductions.cumprod, x, axis, dtype, include_initial, 1,
                       "cumulative_prod")
