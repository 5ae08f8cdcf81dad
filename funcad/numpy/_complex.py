"""Complex numbers: the parts of a complex array, its conjugate and its angle, and the tests
for complex values.

Complex operands go through the ``real``, ``imag`` and ``conj`` primitives (linear, with
JAX's derivatives); real operands need none: their real part and conjugate are themselves,
their imaginary part a constant zero. Values that are not traced get NumPy's own answer.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from funcad.core import Tracer, dtype_of, shape_of
from funcad.numpy._conversion import as_operand
from funcad.numpy._elementwise import rad2deg
from funcad.primitives import elementwise
from funcad.typing import Array, ArrayLike

__all__ = [
    "real", "imag", "conj", "conjugate", "angle", "iscomplex", "isreal", "iscomplexobj",
    "isrealobj",
]


def _is_complex(x: Any) -> bool:
    return dtype_of(x).kind == "c"


def real(val: ArrayLike) -> Array:
    """The real part (a real array is returned as it is)."""
    x = as_operand(val)
    if isinstance(x, Tracer):
        return cast(Array, elementwise.real(x) if _is_complex(x) else x)
    return cast(Array, np.real(x))


def imag(val: ArrayLike) -> Array:
    """The imaginary part (zeros for a real array, with its dtype and no derivative)."""
    x = as_operand(val)
    if isinstance(x, Tracer):
        if _is_complex(x):
            return elementwise.imag(x)
        return cast(Array, np.zeros(shape_of(x), dtype_of(x)))
    return cast(Array, np.imag(x))


def conjugate(x: ArrayLike) -> Array:
    """The complex conjugate, elementwise (a real array is its own)."""
    x = as_operand(x)
    if isinstance(x, Tracer):
        return cast(Array, elementwise.conj(x) if _is_complex(x) else x)
    return cast(Array, np.conjugate(x))


conj = conjugate


def angle(z: ArrayLike, deg: bool = False) -> Array:
    """The argument of each element, atan2(imag, real), in radians (degrees with ``deg``);
    0 or pi for real numbers. Its derivative is nan at 0, as JAX's."""
    value = as_operand(z)
    if not isinstance(value, Tracer):
        return cast(Array, np.angle(value, deg=deg))
    if _is_complex(value):
        result = elementwise.atan2(elementwise.imag(value), elementwise.real(value))
    else:
        result = elementwise.atan2(np.zeros((), dtype_of(value)), value)
    return rad2deg(result) if deg else result


def iscomplex(x: ArrayLike) -> Array:
    """Where the imaginary part is nonzero (a boolean array)."""
    x = as_operand(x)
    if not isinstance(x, Tracer):
        return cast(Array, np.iscomplex(x))
    if _is_complex(x):
        return elementwise.ne(elementwise.imag(x), 0)
    return cast(Array, np.zeros(shape_of(x), np.bool_))


def isreal(x: ArrayLike) -> Array:
    """Where the imaginary part is zero (a boolean array)."""
    x = as_operand(x)
    if not isinstance(x, Tracer):
        return cast(Array, np.isreal(x))
    if _is_complex(x):
        return elementwise.eq(elementwise.imag(x), 0)
    return cast(Array, np.ones(shape_of(x), np.bool_))


def iscomplexobj(x: ArrayLike) -> bool:
    """Whether the dtype is complex (whatever the values)."""
    if isinstance(x, Tracer):
        return _is_complex(x)
    return np.iscomplexobj(x)


def isrealobj(x: ArrayLike) -> bool:
    """Whether the dtype is not complex (whatever the values)."""
    return not iscomplexobj(x)
