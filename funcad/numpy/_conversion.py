"""User inputs as primitive operands, and the argument handling every funcad.numpy function
shares (axes, ``keepdims``, ``out=``, dtypes).

This is the bottom of funcad.numpy: it is built from primitives alone, so every other module
of the package can use it.
"""

from __future__ import annotations

import operator
import warnings
from typing import Any, cast

import numpy as np

from funcad.core import Tracer, dtype_of, shape_of
from funcad.primitives.indexing import concatenate
from funcad.primitives.shape import convert_element_type, reshape
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "ARRAY_LIKE", "contains_tracer", "as_operand", "concrete_value", "ndim_of",
    "normalize_axes", "keep_reduced_dims", "reject_out", "astype", "result_type",
]

ARRAY_LIKE = (Tracer, np.ndarray, np.generic, bool, int, float, complex)
"""The types a primitive takes as they are (so a check against them is the fast path)."""


def contains_tracer(x: Any) -> bool:
    if isinstance(x, Tracer):
        return True
    if isinstance(x, (list, tuple)):
        return any(contains_tracer(v) for v in x)
    return False


def as_operand(x: Any) -> Any:
    """An operand for a primitive: tracers, arrays and Python scalars pass through; lists
    and tuples become arrays (stacked, if they hold tracers)."""
    if isinstance(x, ARRAY_LIKE):
        return x
    if isinstance(x, (list, tuple)):
        if contains_tracer(x):
            return _stack_rows([as_operand(v) for v in x])
        return np.asarray(x)
    raise TypeError(
        f"funcad.numpy expected an array, a scalar or a tracer, got {type(x).__name__}: {x!r}"
    )


def _stack_rows(rows: list[Any]) -> Any:
    """``stack(rows)`` along a new first axis, written with the primitives themselves."""
    shapes = {tuple(shape_of(row)) for row in rows}
    if len(shapes) != 1:
        raise ValueError(f"all input arrays must have the same shape, got {sorted(shapes)}")
    expanded = [reshape(row, [1, *shape_of(row)]) for row in rows]
    return expanded[0] if len(expanded) == 1 else concatenate(expanded, 0)


def concrete_value(a: Any, name: str) -> Any:
    """The value of ``a``, for a function whose output shape depends on it (``nonzero``)."""
    if isinstance(a, Tracer):
        return a.concrete_value(f"funcad.numpy.{name}() (its output shape depends on values)")
    return np.asarray(a)


def ndim_of(x: Any) -> int:
    return len(shape_of(x))


def normalize_axes(axis: Any, ndim: int, name: str) -> tuple[int, ...]:
    """``axis`` (None for all, an int, or a sequence) as non-negative axes, checked the way
    NumPy checks them: out of bounds is an AxisError, a repeated axis a ValueError."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = operator.index(a)
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(
                f"{name}: axis {a} is out of bounds for an array of dimension {ndim}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {axis!r}")
    return tuple(out)


def keep_reduced_dims(out: Any, x_shape: tuple[int, ...], axes: tuple[int, ...],
                      keepdims: bool) -> Any:
    """A reduction's result with the reduced axes kept as size 1, if ``keepdims``."""
    if keepdims:
        return reshape(out, tuple(1 if i in axes else n for i, n in enumerate(x_shape)))
    return out


def reject_out(out: Any, name: str) -> None:
    if out is not None:
        raise TypeError(f"{name}: the out= argument is not supported (funcad arrays are "
                        f"immutable; use the return value).")


def astype(x: ArrayLike, dtype: DTypeLike, copy: bool = True) -> Array:
    """``x`` converted to ``dtype``, as numpy.astype (and jax.numpy.astype); complex to real warns,
    as NumPy does. Differentiable between floating dtypes. ``x`` itself is returned when it
    already has ``dtype`` (arrays are immutable here, so ``copy`` has no effect).

    >>> funcad.numpy.astype(funcad.numpy.array([1.7, -1.7]), funcad.numpy.int32)
    Array([ 1, -1], dtype=int32)
    """
    dtype = np.dtype(dtype)
    x = as_operand(x)
    if dtype_of(x) == dtype and not isinstance(x, (int, float, complex, bool)):
        return cast(Array, x)
    if dtype_of(x).kind == "c" and dtype.kind != "c":
        warnings.warn("Casting complex values to real discards the imaginary part (take "
                      "fnp.real(x) first to say so)", np.exceptions.ComplexWarning, stacklevel=2)
    return convert_element_type(x, dtype)


def result_type(*arrays_and_dtypes: ArrayLike | DTypeLike) -> np.dtype:
    """The dtype NumPy's promotion gives for these arrays, tracers, scalars and dtypes, as
    numpy.result_type.

    >>> funcad.numpy.result_type(funcad.numpy.ones(2, funcad.numpy.float32), 1.0)
    dtype('float32')
    >>> funcad.numpy.result_type(funcad.numpy.int8, funcad.numpy.uint8)
    dtype('int16')
    """
    args = [a.dtype if isinstance(a, Tracer) else a for a in arrays_and_dtypes]
    return np.result_type(*args)
