"""Shared helpers of funcad.lax: axis checks, the enums jax.lax passes around, the dtype
and platform helpers."""

from __future__ import annotations

import builtins as _builtins
import enum as _enum
from collections.abc import Callable, Sequence
from typing import Any, Protocol, Union

import numpy as _np

from funcad.core import dtype_of as _dtype_of
from funcad.numpy._array import Array as _Array
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "normalize_axis", "normalize_dims", "as_array", "RoundingMethod", "Precision", "dtype",
    "platform_dependent", "PrecisionLike", "UnaryFunction", "BinaryFunction", "TernaryFunction",
    "IntegerPowFunction", "PolygammaFunction", "BitcastFunction", "ReducePrecisionFunction",
    "TransposeFunction", "BroadcastToFunction", "ReductionFunction",
]


def normalize_axis(axis: int, ndim: int, name: str) -> int:
    if not -ndim <= axis < _builtins.max(ndim, 1) or (ndim == 0 and axis != 0):
        raise ValueError(f"{name}: axis {axis} is out of bounds for an operand of rank {ndim}")
    return axis % ndim if ndim else 0


def normalize_dims(dims: Sequence[int], ndim: int, name: str,
                   argument: str = "dimensions") -> tuple[int, ...]:
    dims = tuple(int(d) for d in dims)
    for d in dims:
        if not -ndim <= d < ndim:
            raise ValueError(f"{name}: {argument} {dims} out of range for an operand of rank "
                             f"{ndim}")
    dims = tuple(d % ndim for d in dims)
    if len(set(dims)) != len(dims):
        raise ValueError(f"{name}: {argument} {dims} repeat an axis")
    return dims


def as_array(value: Any) -> Array:
    """A constant result as funcad.numpy's array type (so ``.at`` works on it)."""
    return _np.asarray(value).view(_Array)


class UnaryFunction(Protocol):
    """An elementwise function of one array, as ``lax.sin``."""

    def __call__(self, x: ArrayLike, /) -> Array: ...


class BinaryFunction(Protocol):
    """An elementwise function of two arrays (broadcast together), as ``lax.add``."""

    def __call__(self, x: ArrayLike, y: ArrayLike, /) -> Array: ...


class TernaryFunction(Protocol):
    """An elementwise function of three arrays, as ``lax.select``."""

    def __call__(self, x: ArrayLike, y: ArrayLike, z: ArrayLike, /) -> Array: ...


class IntegerPowFunction(Protocol):
    """``integer_pow(x, y)``: x to the static integer power y."""

    def __call__(self, x: ArrayLike, y: int) -> Array: ...


class PolygammaFunction(Protocol):
    """``polygamma(n, x)``: the n-th derivative of the digamma function."""

    def __call__(self, n: int, x: ArrayLike) -> Array: ...


class BitcastFunction(Protocol):
    """``bitcast_convert_type(x, new_dtype)``: x's bits read as another dtype."""

    def __call__(self, x: ArrayLike, new_dtype: DTypeLike) -> Array: ...


class ReducePrecisionFunction(Protocol):
    """``reduce_precision(x, exponent_bits, mantissa_bits)``: x rounded to a smaller float."""

    def __call__(self, x: ArrayLike, exponent_bits: int, mantissa_bits: int) -> Array: ...


class TransposeFunction(Protocol):
    """``transpose(x, permutation)``: x's axes permuted."""

    def __call__(self, x: ArrayLike, permutation: Sequence[int]) -> Array: ...


class BroadcastToFunction(Protocol):
    """``broadcast_to(x, shape)``: x broadcast NumPy-style to ``shape``."""

    def __call__(self, x: ArrayLike, shape: Sequence[int]) -> Array: ...


class ReductionFunction(Protocol):
    """``reduce_max(x, axes)`` and ``reduce_min(x, axes)``: a reduction over ``axes``."""

    def __call__(self, x: ArrayLike, axes: Sequence[int]) -> Array: ...


class RoundingMethod(_enum.IntEnum):
    """How ``round`` treats halves."""

    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1


class Precision(_enum.Enum):
    """A matrix product's precision: on the CPU, with NumPy, every one computes the same."""

    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2


PrecisionLike = Union[None, str, Precision, tuple[str, str], tuple[Precision, Precision]]
"""A matrix product's ``precision``: None, a Precision or its name, or one per operand."""


def dtype(x: ArrayLike) -> _np.dtype:
    """The dtype of an array, scalar or tracer (a Python float is float64, as in NumPy)."""
    return _np.dtype(_dtype_of(x))


def platform_dependent(*args: Any, default: Callable[..., Any] | None = None,
                       **per_platform: Callable[..., Any]) -> Any:
    """Calls the function given for the CPU (funcad's one platform), else ``default``."""
    fn = per_platform.get("cpu", default)
    if fn is None:
        raise ValueError(f"platform_dependent: no function for 'cpu' and no default among "
                         f"{sorted(per_platform)}")
    return fn(*args)
