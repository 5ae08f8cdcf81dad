"""funcad.lax's elementwise operations with C's and XLA's semantics, bit operations, types
and constants."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as _np

from funcad.core import Tracer as _Tracer
from funcad.core import dtype_of as _dtype_of
from funcad.core import get_aval as _get_aval
from funcad.core import shape_of as _shape_of
from funcad.lax._common import RoundingMethod, as_array, normalize_axis
from funcad.primitives.elementwise import (
    abs,
    add,
    eq,
    exp,
    floor_divide,
    ge,
    gt,
    integer_pow,
    isfinite,
    isnan,
    logical_and,
    logical_not,
    logical_or,
    lt,
    mul,
    ne,
    neg,
    real,
    select,
    sign,
    sqrt,
    sub,
)
from funcad.primitives.elementwise import bitwise_and_p as _bitwise_and_p
from funcad.primitives.elementwise import bitwise_not_p as _bitwise_not_p
from funcad.primitives.elementwise import bitwise_or_p as _bitwise_or_p
from funcad.primitives.elementwise import bitwise_xor_p as _bitwise_xor_p
from funcad.primitives.elementwise import div as _true_divide
from funcad.primitives.elementwise import rem as _remainder
from funcad.primitives.elementwise import round as _round_half_even
from funcad.primitives.elementwise import ufunc_result_dtype as _ufunc_result_dtype
from funcad.primitives.lax_ops import bessel_ive as _bessel_ive
from funcad.primitives.lax_ops import (
    bitcast_convert_type,
)
from funcad.primitives.numeric import bitwise_count as _bitwise_count
from funcad.primitives.numeric import fmod as _fmod
from funcad.primitives.numeric import left_shift as _left_shift
from funcad.primitives.numeric import right_shift as _right_shift
from funcad.primitives.numeric import trunc as _trunc
from funcad.primitives.shape import (
    broadcast_to,
)
from funcad.primitives.shape import (
    convert_element_type as _convert,
)
from funcad.primitives.shape import stop_gradient as _stop_gradient
from funcad.tree_util import tree_map as _tree_map
from funcad.typing import Array, ArrayLike, DTypeLike

_T = TypeVar("_T")

__all__ = [
    "div", "rem", "round", "is_finite", "clamp", "bessel_i0e", "bessel_i1e", "square", "rsqrt",
    "reciprocal", "logistic", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    "population_count", "clz", "shift_left", "shift_right_logical", "shift_right_arithmetic",
    "mulhi", "convert_element_type", "iota", "broadcasted_iota", "full", "empty", "full_like",
    "zeros_like_array", "stop_gradient"
]


# ----------------------------------------------------------------------------------------------
# Elementwise arithmetic with C's (and XLA's) semantics.


def _integer_division(x, y, dtype):
    """The divisor with XLA's special cases (0, and -1 for signed types) replaced by 1, and
    where they were."""
    by_zero = eq(y, 0)
    divisor = select(by_zero, 1, y)
    by_minus_one = eq(divisor, -1) if dtype.kind == "i" else None
    if by_minus_one is not None:
        divisor = select(by_minus_one, 1, divisor)
    return divisor, by_zero, by_minus_one


def div(x: ArrayLike, y: ArrayLike) -> Array:
    """x / y; on integers the quotient is truncated toward zero, as in C, and as in XLA a
    division by zero gives -1 (all bits set) and the lowest integer over -1 itself."""
    dtype = _ufunc_result_dtype(_np.floor_divide, (_get_aval(x), _get_aval(y)))
    if dtype.kind not in "iu":
        return _true_divide(x, y)
    divisor, by_zero, by_minus_one = _integer_division(x, y, dtype)
    quotient = floor_divide(x, divisor)
    if dtype.kind == "i":
        # The floor and the truncation differ by one where the signs differ and the
        # divisor does not divide x.
        inexact = logical_and(ne(_remainder(x, divisor), 0), ne(lt(x, 0), lt(divisor, 0)))
        quotient = select(by_minus_one, neg(x), add(quotient, convert_element_type(inexact,
                                                                                    dtype)))
    return select(by_zero, dtype.type(-1) if dtype.kind == "i" else dtype.type(_np.iinfo(
        dtype).max), quotient)


def rem(x: ArrayLike, y: ArrayLike) -> Array:
    """C's fmod: the remainder of the division truncated toward zero, with x's sign
    (differentiable in both: d/dy = -trunc(x / y)); as in XLA, x % 0 is x on integers."""
    dtype = _ufunc_result_dtype(_np.fmod, (_get_aval(x), _get_aval(y)))
    if dtype.kind not in "iu":
        return _fmod(x, y)
    divisor, by_zero, _ = _integer_division(x, y, dtype)
    return select(by_zero, x, _fmod(x, divisor))


def round(x: ArrayLike, rounding_method: int | RoundingMethod = 0) -> Array:
    """Rounds to the nearest integer: halves away from zero (``rounding_method`` 0, lax's
    default) or to even (1). No derivative (piecewise constant)."""
    method = int(getattr(rounding_method, "value", rounding_method))
    if method == 1:
        return _round_half_even(x)
    if method != 0:
        raise ValueError(f"round: rounding_method must be 0 (AWAY_FROM_ZERO) or 1 "
                         f"(TO_NEAREST_EVEN), got {rounding_method!r}")
    if _dtype_of(x).kind not in "f":
        return _round_half_even(x)
    whole = _trunc(x)  # exact: x - trunc(x) is computed without rounding
    return select(ge(abs(sub(x, whole)), 0.5), add(whole, sign(x)), whole)


def is_finite(x: ArrayLike) -> Array:
    """True where ``x`` is neither infinite nor nan, as ``jax.lax.is_finite``.

    >>> from funcad import lax
    >>> import numpy as np
    >>> print(lax.is_finite(np.array([1.0, np.inf, np.nan])))
    [ True False False]
    """
    return isfinite(x)


def clamp(min: ArrayLike, x: ArrayLike, max: ArrayLike) -> Array:
    """x limited to [min, max]. As in JAX, the derivative reaches x strictly inside the
    interval, ``min`` where x is below it and ``max`` where x is above (none at a bound)."""
    inside = logical_and(gt(x, min), lt(x, max))
    held = select(inside, x, _stop_gradient(x))
    low = select(gt(min, x), min, held)
    return select(lt(max, low), max, low)


def bessel_i0e(x: ArrayLike) -> Array:
    """exp(-|x|) I_0(x)."""
    return _bessel_ive(0, x)


def bessel_i1e(x: ArrayLike) -> Array:
    """exp(-|x|) I_1(x)."""
    return _bessel_ive(1, x)


def square(x: ArrayLike) -> Array:
    """``x * x``, as ``jax.lax.square``.

    >>> from funcad import lax
    >>> print(lax.square(3.0))
    9.0
    """
    return integer_pow(x, 2)


def rsqrt(x: ArrayLike) -> Array:
    """The reciprocal square root ``1 / sqrt(x)``, as ``jax.lax.rsqrt``.

    >>> from funcad import lax
    >>> print(lax.rsqrt(4.0))
    0.5
    """
    return _true_divide(1, sqrt(x))


def reciprocal(x: ArrayLike) -> Array:
    """``1 / x``, as ``jax.lax.reciprocal``.

    >>> from funcad import lax
    >>> print(lax.reciprocal(4.0))
    0.25
    """
    return _true_divide(1, x)


def logistic(x: ArrayLike) -> Array:
    """1 / (1 + exp(-x)), from exp(-|x|) (never overflows, full relative precision)."""
    e = exp(neg(abs(x)))
    return _true_divide(select(ge(x, 0), 1, e), add(1, e))


# ----------------------------------------------------------------------------------------------
# Bits.


def bitwise_and(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise bitwise AND of two integer (or boolean) arrays, as ``jax.lax.bitwise_and``; no
    broadcasting of ranks, as in lax.

    >>> from funcad import lax
    >>> print(lax.bitwise_and(12, 10))
    8
    """
    return _bitwise_and_p.bind(x, y)


def bitwise_or(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise bitwise OR of two integer (or boolean) arrays, as ``jax.lax.bitwise_or``.

    >>> from funcad import lax
    >>> print(lax.bitwise_or(12, 10))
    14
    """
    return _bitwise_or_p.bind(x, y)


def bitwise_xor(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise bitwise exclusive OR of two integer (or boolean) arrays, as
    ``jax.lax.bitwise_xor``.

    >>> from funcad import lax
    >>> print(lax.bitwise_xor(12, 10))
    6
    """
    return _bitwise_xor_p.bind(x, y)


def bitwise_not(x: ArrayLike) -> Array:
    """Elementwise bitwise NOT (logical NOT for booleans), as ``jax.lax.bitwise_not``.

    >>> from funcad import lax
    >>> print(lax.bitwise_not(12))
    -13
    """
    return _bitwise_not_p.bind(x)


def _integer_dtype(x, name):
    dtype = _dtype_of(x)
    if dtype.kind not in "iu":
        raise TypeError(f"{name} requires an integer operand, got {dtype.name}")
    return dtype


def population_count(x: ArrayLike) -> Array:
    """The number of set bits of each element (of its two's complement), in x's dtype."""
    dtype = _integer_dtype(x, "population_count")
    return convert_element_type(_bitwise_count(_unsigned(x, dtype)), dtype)


def clz(x: ArrayLike) -> Array:
    """The number of leading zero bits: the width minus the bit length, which is the bit
    count of x with every bit below its highest set bit also set."""
    dtype = _integer_dtype(x, "clz")
    width = dtype.itemsize * 8
    bits = _unsigned(x, dtype)
    step = 1
    while step < width:
        bits = bitwise_or(bits, _right_shift(bits, step))
        step *= 2
    return convert_element_type(sub(width, convert_element_type(_bitwise_count(bits), dtype)),
                                dtype)


def _unsigned(x, dtype):
    return bitcast_convert_type(x, _np.dtype(f"u{dtype.itemsize}")) if dtype.kind == "i" \
        else x


def _shift_out_of_range(y, width):
    return logical_or(lt(y, 0), ge(y, width))


def shift_left(x: ArrayLike, y: ArrayLike) -> Array:
    """x << y; 0 where y is negative or at least the bit width (as in XLA)."""
    dtype = _integer_dtype(x, "shift_left")
    width = dtype.itemsize * 8
    out = _shift_out_of_range(y, width)
    return select(out, convert_element_type(0, dtype),
                  _left_shift(x, select(out, 0, y)))


def shift_right_logical(x: ArrayLike, y: ArrayLike) -> Array:
    """x >> y filling with zeros (x's bits read as unsigned); 0 for y out of range."""
    dtype = _integer_dtype(x, "shift_right_logical")
    width = dtype.itemsize * 8
    out = _shift_out_of_range(y, width)
    unsigned = _unsigned(x, dtype)
    amount = convert_element_type(select(out, 0, y), _dtype_of(unsigned))
    shifted = _right_shift(unsigned, amount)
    if dtype.kind == "i":
        shifted = bitcast_convert_type(shifted, dtype)
    return select(out, convert_element_type(0, dtype), shifted)


def shift_right_arithmetic(x: ArrayLike, y: ArrayLike) -> Array:
    """x >> y filling with the sign bit (x's bits read as signed); a shift out of range
    fills every bit with it."""
    dtype = _integer_dtype(x, "shift_right_arithmetic")
    width = dtype.itemsize * 8
    signed = bitcast_convert_type(x, _np.dtype(f"i{dtype.itemsize}")) if dtype.kind == "u" \
        else x
    amount = select(_shift_out_of_range(y, width), width - 1, y)
    if dtype.kind == "u":
        amount = convert_element_type(amount, _dtype_of(signed))
    shifted = _right_shift(signed, amount)
    return bitcast_convert_type(shifted, dtype) if dtype.kind == "u" else shifted


def mulhi(x: ArrayLike, y: ArrayLike) -> Array:
    """The high half of the double-width product of integers of one dtype: computed in the
    doubled width up to 32 bits, and from 32-bit halves for 64-bit integers."""
    dtype = _integer_dtype(x, "mulhi")
    if _dtype_of(y) != dtype:
        raise TypeError(f"mulhi requires operands of one dtype, got {dtype.name} and "
                        f"{_dtype_of(y).name}")
    bits = dtype.itemsize * 8
    if bits < 64:
        wide = _np.dtype(f"{dtype.kind}{2 * dtype.itemsize}")
        product = mul(convert_element_type(x, wide), convert_element_type(y, wide))
        return convert_element_type(_right_shift(product, bits), dtype)
    a, b = _unsigned(x, dtype), _unsigned(y, dtype)
    low_mask = _np.uint64(0xFFFFFFFF)
    a_lo, a_hi = bitwise_and(a, low_mask), _right_shift(a, _np.uint64(32))
    b_lo, b_hi = bitwise_and(b, low_mask), _right_shift(b, _np.uint64(32))
    lo_lo, lo_hi, hi_lo = mul(a_lo, b_lo), mul(a_lo, b_hi), mul(a_hi, b_lo)
    carry = _right_shift(add(add(_right_shift(lo_lo, _np.uint64(32)), bitwise_and(lo_hi, low_mask)),
                             bitwise_and(hi_lo, low_mask)), _np.uint64(32))
    high = add(add(add(mul(a_hi, b_hi), _right_shift(lo_hi, _np.uint64(32))),
                   _right_shift(hi_lo, _np.uint64(32))), carry)
    if dtype.kind == "u":
        return high
    # Signed: subtract y where x < 0 and x where y < 0 (modulo 2^64).
    zero = _np.uint64(0)
    high = sub(high, select(lt(x, 0), b, zero))
    high = sub(high, select(lt(y, 0), a, zero))
    return bitcast_convert_type(high, dtype)


# ----------------------------------------------------------------------------------------------
# Types and constants.


def convert_element_type(operand: ArrayLike, new_dtype: DTypeLike) -> Array:
    """operand in ``new_dtype``, with XLA's conversions: a float becomes an integer truncated
    toward zero and saturated at the integer's range (NaN becomes 0); a complex number
    becomes a real one by its real part; integers wrap as in NumPy."""
    new_dtype = _np.dtype(new_dtype)
    old = _dtype_of(operand)
    if old.kind == "c" and new_dtype.kind != "c":
        operand, old = real(operand), _np.dtype(_np.finfo(old).dtype)
    if old.kind != "f" or new_dtype.kind not in "iu":
        return _convert(operand, new_dtype)
    info = _np.iinfo(new_dtype)
    bits = new_dtype.itemsize * 8
    whole = _trunc(operand)
    wide = whole if old.itemsize >= 8 else _convert(whole, _np.float64)  # (bounds exact)
    above = ge(wide, 2.0 ** (bits - 1 if new_dtype.kind == "i" else bits))
    below = lt(wide, -(2.0 ** (bits - 1)) if new_dtype.kind == "i" else 0)
    inside = logical_not(logical_or(logical_or(above, below), isnan(whole)))
    converted = _convert(select(inside, whole, 0), new_dtype)
    return select(above, new_dtype.type(info.max), select(below, new_dtype.type(info.min),
                                                          converted))


def iota(dtype: DTypeLike, size: int) -> Array:
    """0, 1, ..., size - 1 (a constant)."""
    return as_array(_np.arange(int(size), dtype=dtype))


def broadcasted_iota(dtype: DTypeLike, shape: Sequence[int], dimension: int) -> Array:
    """The index along ``dimension`` at each position of an array of ``shape``."""
    shape = tuple(int(n) for n in shape)
    dimension = normalize_axis(int(dimension), len(shape), "broadcasted_iota")
    line = _np.arange(shape[dimension], dtype=dtype).reshape(
        tuple(n if i == dimension else 1 for i, n in enumerate(shape)))
    return as_array(_np.array(_np.broadcast_to(line, shape)))


def full(shape: int | Sequence[int], fill_value: ArrayLike,
         dtype: DTypeLike | None = None) -> Array:
    """An array of ``shape`` filled with ``fill_value`` (its dtype, or ``dtype``), as
    ``jax.lax.full``.

    >>> from funcad import lax
    >>> print(lax.full((2, 3), 1.5))
    [[1.5 1.5 1.5]
     [1.5 1.5 1.5]]
    """
    shape = (int(shape),) if isinstance(shape, (int, _np.integer)) else \
        tuple(int(n) for n in shape)
    if _shape_of(fill_value) != ():
        raise TypeError(f"full must be called with a scalar fill_value, got fill_value.shape "
                        f"{_shape_of(fill_value)}")
    if isinstance(fill_value, _Tracer):
        if dtype is not None and _np.dtype(dtype) != fill_value.dtype:
            fill_value = convert_element_type(fill_value, dtype)
        return broadcast_to(fill_value, shape)
    return as_array(_np.full(shape, fill_value, dtype=dtype))


def empty(shape: int | Sequence[int], dtype: DTypeLike) -> Array:
    """An array of ``shape`` (zeros: funcad arrays are never left uninitialised)."""
    return full(shape, 0, dtype)


def full_like(x: ArrayLike, fill_value: ArrayLike, dtype: DTypeLike | None = None,
              shape: Sequence[int] | None = None) -> Array:
    """An array like ``x`` (its shape and dtype, unless ``shape``/``dtype`` are given) filled with
    ``fill_value``, as ``jax.lax.full_like``.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.full_like(fnp.zeros((2,), 'int32'), 7))
    [7 7]
    """
    return full(_shape_of(x) if shape is None else shape, fill_value,
                _dtype_of(x) if dtype is None else dtype)


def zeros_like_array(x: ArrayLike) -> Array:
    """Zeros of ``x``'s shape and dtype, as ``jax.lax.zeros_like_array``.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.zeros_like_array(fnp.ones((2, 2))))
    [[0. 0.]
     [0. 0.]]
    """
    return full_like(x, 0)


def stop_gradient(x: _T) -> _T:
    """The value, with no derivative flowing back through it (on every leaf of a pytree)."""
    return _tree_map(_stop_gradient, x)
