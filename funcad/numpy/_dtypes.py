"""Dtypes and comparisons of whole arrays: NumPy's dtype names, introspection
(``can_cast``, ``promote_types``, ``isdtype``) taking arrays and tracers as well as dtypes,
and ``isclose``, ``allclose``, ``array_equal``, ``array_equiv`` built from elementwise
primitives (so they stage under ``jit`` and batch under ``vmap``; their results are
booleans, with no derivative).
"""

from __future__ import annotations

import builtins
from typing import Any, Literal, cast

import numpy as np
from numpy import (
    bool_,
    character,
    complex64,
    complex128,
    complexfloating,
    flexible,
    float64,
    generic,
    int64,
    number,
    object_,
    signedinteger,
    uint64,
    unsignedinteger,
)
from numpy.exceptions import ComplexWarning

from funcad.core import Tracer, dtype_of, shape_of
from funcad.numpy._conversion import as_operand, astype
from funcad.numpy._elementwise import (
    absolute,
    equal,
    isfinite,
    isnan,
    less_equal,
    logical_and,
    logical_or,
    multiply,
    subtract,
    where,
)
from funcad.numpy._reductions import all
from funcad.numpy._shapes import broadcast_to
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "bool", "int_", "uint", "float_", "double", "single", "cdouble", "csingle", "complex_",
    "number", "generic", "signedinteger", "unsignedinteger", "character", "flexible",
    "object_", "complexfloating", "ComplexWarning",
    "can_cast", "promote_types", "isdtype",
    "isclose", "allclose", "array_equal", "array_equiv",
]

# NumPy's names for its dtypes, as jax.numpy has them (with 64-bit defaults, as NumPy's).
bool = bool_
int_ = int64
uint = uint64
float_ = double = float64
single = np.float32
cdouble = complex_ = complex128
csingle = complex64


def _as_dtype(x: Any) -> Any:
    """A dtype (or dtype-like, or scalar type) from an array, a tracer, or a dtype-like."""
    if isinstance(x, (Tracer, np.ndarray, np.generic)):
        return dtype_of(x)
    if isinstance(x, (list, tuple)):
        return np.asarray(x).dtype
    return x


def can_cast(from_: ArrayLike | DTypeLike, to: DTypeLike,
             casting: Literal["no", "equiv", "safe", "same_kind", "unsafe"] = "safe"
             ) -> builtins.bool:
    """Whether ``from_`` (a dtype, an array or a tracer) casts to ``to`` under ``casting``.
    Python scalars are refused, as NumPy 2 refuses them."""
    if isinstance(from_, (int, float, complex)) and not isinstance(from_, np.generic):
        raise TypeError("can_cast: the argument from_ is a Python scalar; it does not have a "
                        "dtype of its own (give a dtype or an array; see result_type)")
    return np.can_cast(_as_dtype(from_), to, casting=casting)


def promote_types(type1: ArrayLike | DTypeLike, type2: ArrayLike | DTypeLike) -> np.dtype:
    """The smallest dtype both ``type1`` and ``type2`` convert to safely, as numpy.promote_types.

    >>> funcad.numpy.promote_types('int8', 'float32')
    dtype('float32')
    """
    return np.promote_types(_as_dtype(type1), _as_dtype(type2))


def isdtype(dtype: ArrayLike | DTypeLike,
            kind: str | DTypeLike | tuple[str | DTypeLike, ...]) -> builtins.bool:
    """The array API's dtype-kind test (``'real floating'``, ``'integral'``, a dtype or a
    tuple of them)."""
    return np.isdtype(np.dtype(_as_dtype(dtype)), kind)


def _inexact_pair(a: Any, b: Any) -> tuple[Any, Any]:
    """Both operands in their common inexact dtype (integers and booleans compared as floats,
    as NumPy's isclose does)."""
    a, b = as_operand(a), as_operand(b)
    dtype = np.result_type(dtype_of(a), dtype_of(b))
    if dtype.kind not in "fc":
        dtype = np.result_type(dtype, np.float64)
    return astype(a, dtype), astype(b, dtype)


def isclose(a: ArrayLike, b: ArrayLike, rtol: ArrayLike = 1e-05, atol: ArrayLike = 1e-08,
            equal_nan: builtins.bool = False) -> Array:
    """|a - b| <= atol + rtol |b| where b is finite, or a == b (so an infinity is close to
    itself only), elementwise and not symmetric, as NumPy's; nan is close to nan only with
    ``equal_nan``."""
    a, b = _inexact_pair(a, b)
    b_finite = isfinite(b)
    safe_b = where(b_finite, b, 0)  # (no inf - inf on the way)
    near = less_equal(absolute(subtract(a, safe_b)),
                      absolute(atol) + multiply(absolute(rtol), absolute(safe_b)))
    out = logical_or(logical_and(near, b_finite), equal(a, b))
    if equal_nan:
        out = logical_or(out, logical_and(isnan(a), isnan(b)))
    return out


def allclose(a: ArrayLike, b: ArrayLike, rtol: ArrayLike = 1e-05, atol: ArrayLike = 1e-08,
             equal_nan: builtins.bool = False) -> Array:
    """True if ``a`` and ``b`` are equal within ``atol + rtol * abs(b)`` everywhere, as
    numpy.allclose. Returns a boolean array scalar (a tracer under jit, as in JAX).

    >>> funcad.numpy.allclose(funcad.numpy.array([1.0, 2.0]), [1.0, 2.0 + 1e-9])
    np.True_
    """
    return all(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def array_equal(a1: ArrayLike, a2: ArrayLike, equal_nan: builtins.bool = False) -> Array:
    """Same shape and the same elements (nan equal to nan with ``equal_nan``)."""
    a1, a2 = as_operand(a1), as_operand(a2)
    if tuple(shape_of(a1)) != tuple(shape_of(a2)):
        return cast(Array, np.bool_(False))
    same = equal(a1, a2)
    if equal_nan and (dtype_of(a1).kind in "fc" or dtype_of(a2).kind in "fc"):
        same = logical_or(same, logical_and(isnan(a1), isnan(a2)))
    return all(same)


def array_equiv(a1: ArrayLike, a2: ArrayLike) -> Array:
    """The same elements once broadcast together (False when they do not broadcast)."""
    a1, a2 = as_operand(a1), as_operand(a2)
    try:
        shape = np.broadcast_shapes(tuple(shape_of(a1)), tuple(shape_of(a2)))
    except ValueError:
        return cast(Array, np.bool_(False))
    return all(equal(broadcast_to(a1, shape), broadcast_to(a2, shape)))
