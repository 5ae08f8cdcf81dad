"""Creating arrays: ``asarray`` and ``array`` (tracers, and lists holding them, stay
differentiable), and the constants (``zeros``, ``arange``, ``eye``, ``linspace``...), which are
plain NumPy arrays viewed as ``Array`` (for ``.at``): they carry no derivative and cost no
equation under a trace.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from funcad.core import Tracer, dtype_of, shape_of
from funcad.numpy._array import returns_array, with_at
from funcad.numpy._conversion import as_operand, astype, contains_tracer
from funcad.numpy._shapes import broadcast_to, reshape

__all__ = [
    "asarray", "array", "zeros_like", "ones_like", "full_like", "empty_like", "full", "zeros",
    "ones", "empty", "eye", "identity", "arange", "linspace", "logspace", "geomspace", "tri",
    "meshgrid",
]


def asarray(a: Any, dtype: Any = None, order: Any = None, *, copy: Any = None) -> Any:
    """Like numpy.asarray; tracers (and lists holding tracers) stay differentiable."""
    if isinstance(a, Tracer) or (isinstance(a, (list, tuple)) and contains_tracer(a)):
        out = as_operand(a)
        return out if dtype is None else astype(out, dtype)
    return with_at(np.asarray(a, dtype=dtype))


def array(object: Any, dtype: Any = None, copy: bool = True, ndmin: int = 0) -> Any:
    out = asarray(object, dtype)
    if not isinstance(out, Tracer):
        out = with_at(np.array(out, copy=copy, ndmin=ndmin))
    elif ndmin > out.ndim:
        out = reshape(out, (1,) * (ndmin - out.ndim) + out.shape)
    return out


def zeros_like(a: Any, dtype: Any = None, shape: Any = None) -> Any:
    a = as_operand(a)
    return with_at(np.zeros(shape_of(a) if shape is None else shape,
                            dtype_of(a) if dtype is None else dtype))


def ones_like(a: Any, dtype: Any = None, shape: Any = None) -> Any:
    a = as_operand(a)
    return with_at(np.ones(shape_of(a) if shape is None else shape,
                           dtype_of(a) if dtype is None else dtype))


def full_like(a: Any, fill_value: Any, dtype: Any = None, shape: Any = None) -> Any:
    a = as_operand(a)
    shape = shape_of(a) if shape is None else shape
    dtype = dtype_of(a) if dtype is None else dtype
    if isinstance(fill_value, Tracer):
        return broadcast_to(astype(fill_value, dtype), shape)
    return with_at(np.full(shape, fill_value, dtype))


def empty_like(a: Any, dtype: Any = None, shape: Any = None) -> Any:
    return zeros_like(a, dtype, shape)


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Any:
    if isinstance(fill_value, Tracer):
        value = fill_value if dtype is None else astype(fill_value, dtype)
        return broadcast_to(value, (shape,) if isinstance(shape, int) else tuple(shape))
    return with_at(np.full(shape, fill_value, dtype))


zeros = returns_array(np.zeros)
ones = returns_array(np.ones)
empty = returns_array(np.zeros)
eye = returns_array(np.eye)
identity = returns_array(np.identity)
arange = returns_array(np.arange)
linspace = returns_array(np.linspace)
logspace = returns_array(np.logspace)
geomspace = returns_array(np.geomspace)
tri = returns_array(np.tri)


def meshgrid(*xi: Any, **kwargs: Any) -> list[Any]:
    return [with_at(m) for m in np.meshgrid(*xi, **kwargs)]
