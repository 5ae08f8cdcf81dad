"""funcad.lax: jax.lax's operations, with its signatures and semantics, the primitives'
binders, and control flow.

funcad.numpy is built from the primitives. The functions here do no NumPy-style argument
conversion; where jax.lax's semantics differ from NumPy's they follow jax.lax and XLA
(``div`` and ``rem`` truncate toward zero as C does, with XLA's results for a zero divisor;
``round`` rounds halves away from zero; ``convert_element_type`` saturates floats converted
to integers; ``clamp`` has no derivative at its bounds; dynamic slices clamp their starts;
cumulative reductions default to ``axis=0``; sums and products, plain and cumulative, keep
the operand's dtype), while elementwise dtypes follow NumPy's rules as everywhere in funcad.
Elementwise functions broadcast NumPy-style. A name jax.lax has and funcad.lax does not yet
raises AttributeError saying so.
"""

import builtins as _builtins
import enum as _enum
import functools as _functools
import itertools as _itertools
from typing import NamedTuple as _NamedTuple

import numpy as _np

from funcad.ad import vjp as _vjp
from funcad.control_flow import cond, fori_loop, map, scan, select_n, switch, while_loop
from funcad.control_flow._subjaxprs import run as _run, trace_function as _trace_function
from funcad.core import Tracer as _Tracer, dtype_of as _dtype_of, get_aval as _get_aval
from funcad.core import shape_of as _shape_of
from funcad.custom_derivatives import custom_vjp as _custom_vjp
from funcad.numpy._array import Array as _Array
from funcad.primitives.elementwise import (
    abs, acos, acosh, add, asin, asinh, atan, atan2, atanh, cbrt, ceil, complex, conj, cos,
    cosh, eq, exp, exp2, expm1, floor, floor_divide, ge, gt, imag, integer_pow, isfinite, isinf,
    isnan, le, log, log1p, log2, log10, logaddexp, logical_and, logical_not, logical_or,
    logical_xor, lt, max, min, mul, ne, neg, pow, real, select, sign, sin, sinh, sqrt, sub, tan,
    tanh,
)
from funcad.primitives.elementwise import bitwise_and_p as _bitwise_and_p
from funcad.primitives.elementwise import bitwise_not_p as _bitwise_not_p
from funcad.primitives.elementwise import bitwise_or_p as _bitwise_or_p
from funcad.primitives.elementwise import bitwise_xor_p as _bitwise_xor_p
from funcad.primitives.elementwise import div as _true_divide, rem as _remainder
from funcad.primitives.elementwise import round as _round_half_even
from funcad.primitives.elementwise import ufunc_result_dtype as _ufunc_result_dtype
from funcad.primitives.fft import fft as _fft
from funcad.primitives.indexing import ArrayIndex as _ArrayIndex, Slice as _Slice
from funcad.primitives.indexing import concatenate as _concatenate, getitem, index_update
from funcad.primitives.lax_ops import (
    betainc, bitcast_convert_type, digamma, erf, erf_inv, erfc, igamma, igammac, lgamma,
    polygamma, zeta,
)
from funcad.primitives.lax_ops import bessel_ive as _bessel_ive, pad as _pad, reduce_precision
from funcad.primitives.linalg import dot_general as _dot_general
from funcad.primitives.numeric import bitwise_count as _bitwise_count, fmod as _fmod
from funcad.primitives.numeric import left_shift as _left_shift, nextafter
from funcad.primitives.numeric import right_shift as _right_shift, trunc as _trunc
from funcad.primitives.reductions import (
    argmax_p as _argmax_p, argmin_p as _argmin_p, reduce_and_p as _reduce_and_p,
    reduce_or_p as _reduce_or_p,
)
from funcad.primitives.reductions import cumlogsumexp as _cumlogsumexp, cummax as _cummax
from funcad.primitives.reductions import cummin as _cummin, cumprod as _cumprod
from funcad.primitives.reductions import cumsum as _cumsum
from funcad.primitives.reductions import reduce_max, reduce_min
from funcad.primitives.reductions import reduce_prod as _reduce_prod
from funcad.primitives.shape import (
    broadcast_to, convert_element_type as _convert, transpose,
)
from funcad.primitives.shape import reduce_sum as _reduce_sum
from funcad.primitives.shape import reshape as _reshape, stop_gradient as _stop_gradient
from funcad.primitives.sorting import argsort as _argsort
from funcad.rules import float0 as _float0
from funcad.tree_util import tree_flatten as _tree_flatten, tree_leaves as _tree_leaves
from funcad.tree_util import tree_map as _tree_map, tree_unflatten as _tree_unflatten

__all__ = [
    # Elementwise
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "ceil",
    "cos", "cosh", "div", "eq", "exp", "exp2", "expm1", "floor", "floor_divide", "ge", "gt",
    "integer_pow", "isfinite", "isinf", "isnan", "is_finite", "le", "log", "log1p", "log2",
    "log10", "logaddexp", "logical_and", "logical_not", "logical_or", "logical_xor", "lt",
    "max", "min", "mul", "ne", "neg", "pow", "rem", "round", "select", "sign", "sin", "sinh",
    "sqrt", "sub", "tan", "tanh", "clamp", "square", "rsqrt", "reciprocal", "logistic", "erf",
    "erfc", "erf_inv", "lgamma", "digamma", "polygamma", "bessel_i0e", "bessel_i1e", "igamma",
    "igammac", "betainc", "zeta",
    "nextafter", "real", "imag", "conj", "complex",
    # Bits
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "population_count", "clz",
    "shift_left", "shift_right_logical", "shift_right_arithmetic", "bitcast_convert_type",
    "mulhi", "reduce_precision",
    # Types and constants
    "RoundingMethod", "Precision", "dtype", "empty", "platform_dependent",
    "convert_element_type", "iota", "broadcasted_iota", "full", "full_like",
    "zeros_like_array", "stop_gradient",
    # Shapes
    "reshape", "transpose", "broadcast_to", "broadcast", "broadcast_in_dim",
    "broadcast_to_rank", "broadcast_shapes", "broadcast_like", "stack", "unstack", "squeeze",
    "expand_dims", "collapse", "rev",
    "pad", "concatenate", "split", "tile",
    # Slicing and indexing
    "getitem", "index_update", "gather", "scatter", "scatter_add", "scatter_sub", "scatter_mul",
    "scatter_min", "scatter_max",
    "GatherDimensionNumbers", "ScatterDimensionNumbers", "GatherScatterMode", "slice",
    "slice_in_dim", "index_in_dim", "dynamic_slice",
    "dynamic_slice_in_dim", "dynamic_index_in_dim", "dynamic_update_slice",
    "dynamic_update_slice_in_dim", "dynamic_update_index_in_dim",
    # Products and convolutions
    "dot_general", "dot", "batch_matmul", "ragged_dot", "conv_general_dilated", "conv",
    "conv_with_general_padding", "conv_transpose", "conv_general_dilated_patches",
    "conv_dimension_numbers",
    "ConvDimensionNumbers", "padtype_to_pads", "conv_general_permutations", "conv_shape_tuple",
    "conv_general_shape_tuple", "conv_transpose_shape_tuple", "reduce_window_shape_tuple",
    "fft", "FftType",
    # Reductions
    "reduce", "reduce_window", "reduce_sum", "reduce_prod", "reduce_max", "reduce_min",
    "reduce_and", "reduce_or", "reduce_xor", "argmax", "argmin", "cumsum", "cumprod", "cummax",
    "cummin", "cumlogsumexp",
    # Sorting
    "sort", "sort_key_val", "top_k", "approx_max_k", "approx_min_k",
    # Control flow
    "associative_scan", "optimization_barrier", "with_sharding_constraint", "composite",
    "shape_as_value", "custom_linear_solve", "custom_root", "cond",
    "switch",
    "select_n", "scan", "while_loop", "fori_loop", "map",
]


def _normalize_axis(axis, ndim, name):
    if not -ndim <= axis < _builtins.max(ndim, 1) or (ndim == 0 and axis != 0):
        raise ValueError(f"{name}: axis {axis} is out of bounds for an operand of rank {ndim}")
    return axis % ndim if ndim else 0


def _normalize_dims(dims, ndim, name, argument="dimensions"):
    dims = tuple(int(d) for d in dims)
    for d in dims:
        if not -ndim <= d < ndim:
            raise ValueError(f"{name}: {argument} {dims} out of range for an operand of rank "
                             f"{ndim}")
    dims = tuple(d % ndim for d in dims)
    if len(set(dims)) != len(dims):
        raise ValueError(f"{name}: {argument} {dims} repeat an axis")
    return dims


def _as_array(value):
    """A constant result as funcad.numpy's array type (so ``.at`` works on it)."""
    return _np.asarray(value).view(_Array)


class RoundingMethod(_enum.IntEnum):
    """How ``round`` treats halves."""

    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1


class Precision(_enum.Enum):
    """A matrix product's precision: on the CPU, with NumPy, every one computes the same."""

    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2


def dtype(x):
    """The dtype of an array, scalar or tracer (a Python float is float64, as in NumPy)."""
    return _np.dtype(_dtype_of(x))


def empty(shape, dtype):
    """An array of ``shape`` (zeros: funcad arrays are never left uninitialised)."""
    return full(shape, 0, dtype)


def platform_dependent(*args, default=None, **per_platform):
    """Calls the function given for the CPU (funcad's one platform), else ``default``."""
    fn = per_platform.get("cpu", default)
    if fn is None:
        raise ValueError(f"platform_dependent: no function for 'cpu' and no default among "
                         f"{sorted(per_platform)}")
    return fn(*args)


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


def div(x, y):
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


def rem(x, y):
    """C's fmod: the remainder of the division truncated toward zero, with x's sign
    (differentiable in both: d/dy = -trunc(x / y)); as in XLA, x % 0 is x on integers."""
    dtype = _ufunc_result_dtype(_np.fmod, (_get_aval(x), _get_aval(y)))
    if dtype.kind not in "iu":
        return _fmod(x, y)
    divisor, by_zero, _ = _integer_division(x, y, dtype)
    return select(by_zero, x, _fmod(x, divisor))


def round(x, rounding_method=0):
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


def is_finite(x):
    return isfinite(x)


def clamp(min, x, max):
    """x limited to [min, max]. As in JAX, the derivative reaches x strictly inside the
    interval, ``min`` where x is below it and ``max`` where x is above (none at a bound)."""
    inside = logical_and(gt(x, min), lt(x, max))
    held = select(inside, x, _stop_gradient(x))
    low = select(gt(min, x), min, held)
    return select(lt(max, low), max, low)


def bessel_i0e(x):
    """exp(-|x|) I_0(x)."""
    return _bessel_ive(0, x)


def bessel_i1e(x):
    """exp(-|x|) I_1(x)."""
    return _bessel_ive(1, x)


def square(x):
    return integer_pow(x, 2)


def rsqrt(x):
    return _true_divide(1, sqrt(x))


def reciprocal(x):
    return _true_divide(1, x)


def logistic(x):
    """1 / (1 + exp(-x)), from exp(-|x|) (never overflows, full relative precision)."""
    e = exp(neg(abs(x)))
    return _true_divide(select(ge(x, 0), 1, e), add(1, e))


# ----------------------------------------------------------------------------------------------
# Bits.


def bitwise_and(x, y):
    return _bitwise_and_p.bind(x, y)


def bitwise_or(x, y):
    return _bitwise_or_p.bind(x, y)


def bitwise_xor(x, y):
    return _bitwise_xor_p.bind(x, y)


def bitwise_not(x):
    return _bitwise_not_p.bind(x)


def _integer_dtype(x, name):
    dtype = _dtype_of(x)
    if dtype.kind not in "iu":
        raise TypeError(f"{name} requires an integer operand, got {dtype.name}")
    return dtype


def population_count(x):
    """The number of set bits of each element (of its two's complement), in x's dtype."""
    dtype = _integer_dtype(x, "population_count")
    return convert_element_type(_bitwise_count(_unsigned(x, dtype)), dtype)


def clz(x):
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


def shift_left(x, y):
    """x << y; 0 where y is negative or at least the bit width (as in XLA)."""
    dtype = _integer_dtype(x, "shift_left")
    width = dtype.itemsize * 8
    out = _shift_out_of_range(y, width)
    return select(out, convert_element_type(0, dtype),
                  _left_shift(x, select(out, 0, y)))


def shift_right_logical(x, y):
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


def shift_right_arithmetic(x, y):
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


def mulhi(x, y):
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


def convert_element_type(operand, new_dtype):
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


def iota(dtype, size):
    """0, 1, ..., size - 1 (a constant)."""
    return _as_array(_np.arange(int(size), dtype=dtype))


def broadcasted_iota(dtype, shape, dimension):
    """The index along ``dimension`` at each position of an array of ``shape``."""
    shape = tuple(int(n) for n in shape)
    dimension = _normalize_axis(int(dimension), len(shape), "broadcasted_iota")
    line = _np.arange(shape[dimension], dtype=dtype).reshape(
        tuple(n if i == dimension else 1 for i, n in enumerate(shape)))
    return _as_array(_np.array(_np.broadcast_to(line, shape)))


def full(shape, fill_value, dtype=None):
    shape = (int(shape),) if isinstance(shape, (int, _np.integer)) else \
        tuple(int(n) for n in shape)
    if _shape_of(fill_value) != ():
        raise TypeError(f"full must be called with a scalar fill_value, got fill_value.shape "
                        f"{_shape_of(fill_value)}")
    if isinstance(fill_value, _Tracer):
        if dtype is not None and _np.dtype(dtype) != fill_value.dtype:
            fill_value = convert_element_type(fill_value, dtype)
        return broadcast_to(fill_value, shape)
    return _as_array(_np.full(shape, fill_value, dtype=dtype))


def full_like(x, fill_value, dtype=None, shape=None):
    return full(_shape_of(x) if shape is None else shape, fill_value,
                _dtype_of(x) if dtype is None else dtype)


def zeros_like_array(x):
    return full_like(x, 0)


def stop_gradient(x):
    """The value, with no derivative flowing back through it (on every leaf of a pytree)."""
    return _tree_map(_stop_gradient, x)


# ----------------------------------------------------------------------------------------------
# Shapes.


def reshape(operand, new_sizes, dimensions=None):
    """operand reshaped to ``new_sizes``, after transposing it to ``dimensions`` if given."""
    if dimensions is not None:
        dimensions = tuple(int(d) for d in dimensions)
        if sorted(dimensions) != list(range(len(_shape_of(operand)))):
            raise ValueError(f"reshape: dimensions {dimensions} must be a permutation of the "
                             f"operand's axes, for shape {_shape_of(operand)}")
        operand = transpose(operand, dimensions)
    return _reshape(operand, new_sizes)


def broadcast_in_dim(operand, shape, broadcast_dimensions):
    """operand's axis i becomes axis broadcast_dimensions[i] of an array of ``shape`` (sizes
    equal, or 1 and stretched)."""
    shape = tuple(int(n) for n in shape)
    dims = tuple(int(d) for d in broadcast_dimensions)
    operand_shape = _shape_of(operand)
    if len(dims) != len(operand_shape):
        raise TypeError(f"broadcast_in_dim broadcast_dimensions must have length equal to "
                        f"operand ndim; got broadcast_dimensions {dims} for operand ndim "
                        f"{len(operand_shape)}.")
    if any(not 0 <= d < len(shape) for d in dims) or list(dims) != sorted(set(dims)):
        raise TypeError(f"broadcast_in_dim broadcast_dimensions must be strictly increasing "
                        f"axes of the result (rank {len(shape)}); got {dims}")
    if any(n not in (1, shape[d]) for n, d in zip(operand_shape, dims)):
        raise TypeError(f"broadcast_in_dim operand dimension sizes must either be 1, or be "
                        f"equal to their corresponding dimensions in the target broadcast "
                        f"shape; got operand of shape {operand_shape}, target broadcast shape "
                        f"{shape}, broadcast_dimensions {dims}")
    expanded = [1] * len(shape)
    for n, d in zip(operand_shape, dims):
        expanded[d] = n
    return broadcast_to(_reshape(operand, expanded), shape)


def broadcast(operand, sizes):
    """New leading axes of the given sizes."""
    sizes = tuple(int(n) for n in sizes)
    ndim = len(_shape_of(operand))
    return broadcast_in_dim(operand, sizes + tuple(_shape_of(operand)),
                            tuple(range(len(sizes), len(sizes) + ndim)))


def broadcast_to_rank(x, rank):
    """x with leading axes of size 1 added up to ``rank``."""
    shape = tuple(_shape_of(x))
    if len(shape) >= rank:
        return x
    return _reshape(x, (1,) * (rank - len(shape)) + shape)


def broadcast_shapes(*shapes):
    return tuple(_np.broadcast_shapes(*(tuple(s) for s in shapes)))


def broadcast_like(arr, like_arr):
    """arr broadcast to like_arr's shape."""
    return broadcast_to(arr, tuple(_shape_of(like_arr)))


def stack(operands, axis=0):
    """The operands (of one shape) stacked along a new ``axis``."""
    operands = list(operands)
    if not operands:
        raise ValueError("stack: need at least one operand")
    shape = tuple(_shape_of(operands[0]))
    if any(tuple(_shape_of(x)) != shape for x in operands):
        raise ValueError(f"stack: all operands need the same shape, got "
                         f"{[tuple(_shape_of(x)) for x in operands]}")
    axis = _normalize_axis(int(axis), len(shape) + 1, "stack")
    return concatenate([expand_dims(x, (axis,)) for x in operands], axis)


def unstack(x, axis=0):
    """The slices of x along ``axis``, as a tuple."""
    shape = _shape_of(x)
    axis = _normalize_axis(int(axis), len(shape), "unstack")
    return tuple(index_in_dim(x, i, axis, False) for i in range(shape[axis]))


def squeeze(array, dimensions):
    shape = _shape_of(array)
    dims = _normalize_dims(dimensions, len(shape), "squeeze")
    if any(shape[d] != 1 for d in dims):
        raise ValueError(f"cannot select an axis to squeeze out which has size not equal to "
                         f"one, got shape={shape} and dimensions={tuple(dimensions)}")
    return _reshape(array, [n for i, n in enumerate(shape) if i not in dims])


def expand_dims(array, dimensions):
    """New axes of size 1 at ``dimensions`` (positions in the result)."""
    shape = list(_shape_of(array))
    dims = _normalize_dims(dimensions, len(shape) + len(tuple(dimensions)), "expand_dims")
    for d in sorted(dims):
        shape.insert(d, 1)
    return _reshape(array, shape)


def collapse(operand, start_dimension, stop_dimension=None):
    """Axes start_dimension to stop_dimension - 1 merged into one."""
    shape = tuple(_shape_of(operand))
    ndim = len(shape)
    start = start_dimension % ndim if start_dimension < 0 else start_dimension
    stop = ndim if stop_dimension is None else (
        stop_dimension % ndim if stop_dimension < 0 else stop_dimension)
    if not 0 <= start <= stop <= ndim:
        raise ValueError(f"collapse: invalid dimensions ({start_dimension}, {stop_dimension}) "
                         f"for an operand of shape {shape}")
    merged = int(_np.prod(shape[start:stop], dtype=_np.int64))
    return _reshape(operand, shape[:start] + (merged,) + shape[stop:])


def rev(operand, dimensions):
    """operand reversed along ``dimensions``."""
    ndim = len(_shape_of(operand))
    dims = tuple(int(d) for d in dimensions)
    if any(not 0 <= d < ndim for d in dims):
        raise TypeError(f"rev dimensions must all be less than operand ndim, got dimensions "
                        f"{dims} for operand ndim {ndim}.")
    if not dims:
        return operand
    full_slice, backwards = _Slice(None, None, None), _Slice(None, None, -1)
    return getitem(operand, tuple(backwards if i in dims else full_slice for i in range(ndim)))


def pad(operand, padding_value, padding_config):
    """``padding_config`` holds (low, high, interior) per axis: ``low``/``high`` elements of
    ``padding_value`` before/after, ``interior`` between neighbours; negative low/high crop."""
    return _pad(operand, padding_value, padding_config)


def concatenate(operands, dimension):
    operands = list(operands)
    if not operands:
        raise ValueError("concatenate: need at least one operand")
    ndim = len(_shape_of(operands[0]))
    return _concatenate(operands, _normalize_axis(int(dimension), ndim, "concatenate"))


def split(operand, sizes, axis=0):
    """operand cut along ``axis`` into pieces of the given sizes."""
    shape = _shape_of(operand)
    axis = _normalize_axis(int(axis), len(shape), "split")
    sizes = [int(n) for n in sizes]
    if any(n < 0 for n in sizes) or _builtins.sum(sizes) != shape[axis]:
        raise ValueError(f"split: sizes must be nonnegative and sum to the size of axis "
                         f"{axis}, {shape[axis]}; got {sizes}")
    pieces, start = [], 0
    for n in sizes:
        pieces.append(slice_in_dim(operand, start, start + n, axis=axis))
        start += n
    return pieces


def tile(operand, reps):
    shape = tuple(_shape_of(operand))
    reps = tuple(int(r) for r in reps)
    if len(reps) != len(shape):
        raise TypeError(f"reps length must be equal to the ndim of x, got len(reps)="
                        f"{len(reps)} and x.ndim={len(shape)}.")
    interleaved = tuple(v for pair in zip(reps, shape) for v in pair)
    tiled = broadcast_in_dim(operand, interleaved, tuple(range(1, 2 * len(shape), 2)))
    return _reshape(tiled, tuple(r * n for r, n in zip(reps, shape)))


# ----------------------------------------------------------------------------------------------
# Slicing. Static slices are views (getitem with slices); dynamic ones, whose start indices
# are traced, gather with index arrays, and their updates scatter: both have their rules.


def slice(operand, start_indices, limit_indices, strides=None):
    shape = _shape_of(operand)
    starts = tuple(int(i) for i in start_indices)
    limits = tuple(int(i) for i in limit_indices)
    strides = (1,) * len(shape) if strides is None else tuple(int(s) for s in strides)
    if not len(starts) == len(limits) == len(strides) == len(shape):
        raise TypeError(f"slice start_indices, limit_indices and strides must have length "
                        f"equal to the operand's rank {len(shape)}; got {starts}, {limits}, "
                        f"{strides}")
    for n, start, limit, stride in zip(shape, starts, limits, strides):
        if not 0 <= start <= limit <= n or stride < 1:
            raise TypeError(f"slice: need 0 <= start_indices <= limit_indices <= shape and "
                            f"positive strides; got start_indices {starts}, limit_indices "
                            f"{limits}, strides {strides} for an operand of shape {shape}")
    return getitem(operand, tuple(_Slice(start, limit, None if stride == 1 else stride)
                                  for start, limit, stride in zip(starts, limits, strides)))


def slice_in_dim(operand, start_index, limit_index, stride=1, axis=0):
    shape = _shape_of(operand)
    axis = _normalize_axis(int(axis), len(shape), "slice_in_dim")
    n = shape[axis]
    start = 0 if start_index is None else int(start_index)
    limit = n if limit_index is None else int(limit_index)
    start, limit = (start + n if start < 0 else start), (limit + n if limit < 0 else limit)
    starts, limits, strides = [0] * len(shape), list(shape), [1] * len(shape)
    starts[axis], limits[axis], strides[axis] = start, limit, int(stride)
    return slice(operand, starts, limits, strides)


def index_in_dim(operand, index, axis=0, keepdims=True):
    shape = _shape_of(operand)
    axis = _normalize_axis(int(axis), len(shape), "index_in_dim")
    index = int(index)
    if not -shape[axis] <= index < shape[axis]:
        raise IndexError(f"index {index} is out of bounds for axis {axis} with size "
                         f"{shape[axis]}")
    index %= shape[axis]
    result = slice_in_dim(operand, index, index + 1, axis=axis)
    return result if keepdims else squeeze(result, (axis,))


def _start_list(start_indices, ndim, name):
    if isinstance(start_indices, (list, tuple)):
        starts = list(start_indices)
    elif _shape_of(start_indices) == (ndim,):
        starts = [getitem(start_indices, (i,)) for i in range(ndim)] \
            if isinstance(start_indices, _Tracer) else list(_np.asarray(start_indices))
    else:
        starts = None
    if starts is None or len(starts) != ndim:
        raise ValueError(f"{name}: the number of start indices must match the operand's "
                         f"rank {ndim}, got {start_indices!r}")
    return starts


def _negative_flags(allow_negative_indices, ndim):
    if isinstance(allow_negative_indices, bool):
        return [allow_negative_indices] * ndim
    return [bool(flag) for flag in allow_negative_indices]


def _dynamic_index(operand_shape, starts, sizes, allow_negative_indices, name):
    """The indexer and index arrays selecting the block of ``sizes`` at ``starts`` (each
    start wrapped if negative and allowed, then clamped so the block fits, as in XLA)."""
    flags = _negative_flags(allow_negative_indices, len(operand_shape))
    if not any(isinstance(s, _Tracer) for s in starts):
        indexer = []
        for s, n, size, flag in zip(starts, operand_shape, sizes, flags):
            s = int(s)
            if flag and s < 0:
                s += n
            s = _builtins.min(_builtins.max(s, 0), n - size)
            indexer.append(_Slice(s, s + size, None))
        return tuple(indexer), []
    arrays = []
    ndim = len(operand_shape)
    for axis, (s, n, size, flag) in enumerate(zip(starts, operand_shape, sizes, flags)):
        if isinstance(s, _Tracer) and s.dtype.kind not in "iu":
            raise TypeError(f"{name}: start indices must be integers, got {s.dtype.name}")
        s = convert_element_type(s, _np.intp) if isinstance(s, _Tracer) else _np.intp(s)
        if flag:
            s = select(lt(s, 0), add(s, n), s)
        s = max(min(s, n - size), 0)
        line = _np.arange(size).reshape(tuple(size if i == axis else 1 for i in range(ndim)))
        arrays.append(add(s, line))
    return tuple(_ArrayIndex(i) for i in range(ndim)), arrays


def dynamic_slice(operand, start_indices, slice_sizes, *, allow_negative_indices=True):
    """The block of ``slice_sizes`` at ``start_indices`` (which may be traced). Out-of-range
    starts are clamped so the block fits, as in XLA; negative ones count from the end."""
    shape = _shape_of(operand)
    starts = _start_list(start_indices, len(shape), "dynamic_slice")
    sizes = tuple(int(n) for n in slice_sizes)
    if len(sizes) != len(shape):
        raise TypeError(f"dynamic_slice slice_sizes must have the same length as the "
                        f"operand's rank {len(shape)}, got {sizes}")
    if any(not 0 <= size <= n for size, n in zip(sizes, shape)):
        raise TypeError(f"slice slice_sizes must be less than or equal to operand shape and "
                        f"nonnegative, got slice_sizes {sizes} for operand shape {shape}.")
    if not shape:
        return operand
    indexer, arrays = _dynamic_index(shape, starts, sizes, allow_negative_indices,
                                     "dynamic_slice")
    return getitem(operand, indexer, *arrays)


def dynamic_update_slice(operand, update, start_indices, *, allow_negative_indices=True):
    """operand with the block at ``start_indices`` replaced by ``update`` (starts clamped so
    it fits)."""
    shape, update_shape = _shape_of(operand), _shape_of(update)
    if _dtype_of(update) != _dtype_of(operand):
        raise TypeError(f"lax.dynamic_update_slice requires arguments to have the same "
                        f"dtypes, got {_dtype_of(operand).name}, {_dtype_of(update).name}.")
    if len(update_shape) != len(shape):
        raise TypeError(f"dynamic_update_slice update must have the operand's rank "
                        f"{len(shape)}, got update shape {update_shape}")
    if any(u > n for u, n in zip(update_shape, shape)):
        raise TypeError(f"dynamic_update_slice update shape must be smaller than operand "
                        f"shape, got update shape {update_shape} for operand shape {shape}.")
    starts = _start_list(start_indices, len(shape), "dynamic_update_slice")
    if not shape:
        return update
    indexer, arrays = _dynamic_index(shape, starts, update_shape, allow_negative_indices,
                                     "dynamic_update_slice")
    return index_update(operand, update, indexer, "set", *arrays)


def dynamic_slice_in_dim(operand, start_index, slice_size, axis=0, *,
                         allow_negative_indices=True):
    shape = _shape_of(operand)
    axis = _normalize_axis(int(axis), len(shape), "dynamic_slice_in_dim")
    starts = [0] * len(shape)
    starts[axis] = start_index
    sizes = list(shape)
    sizes[axis] = int(slice_size)
    return dynamic_slice(operand, starts, sizes, allow_negative_indices=allow_negative_indices)


def dynamic_index_in_dim(operand, index, axis=0, keepdims=True, *,
                         allow_negative_indices=True):
    result = dynamic_slice_in_dim(operand, index, 1, axis,
                                  allow_negative_indices=allow_negative_indices)
    if keepdims:
        return result
    return squeeze(result, (_normalize_axis(int(axis), len(_shape_of(operand)),
                                            "dynamic_index_in_dim"),))


def dynamic_update_slice_in_dim(operand, update, start_index, axis, *,
                                allow_negative_indices=True):
    shape = _shape_of(operand)
    axis = _normalize_axis(int(axis), len(shape), "dynamic_update_slice_in_dim")
    starts = [0] * len(shape)
    starts[axis] = start_index
    return dynamic_update_slice(operand, update, starts,
                                allow_negative_indices=allow_negative_indices)


def dynamic_update_index_in_dim(operand, update, index, axis, *, allow_negative_indices=True):
    shape = _shape_of(operand)
    axis = _normalize_axis(int(axis), len(shape), "dynamic_update_index_in_dim")
    if len(_shape_of(update)) == len(shape) - 1:
        update = expand_dims(update, (axis,))
    return dynamic_update_slice_in_dim(operand, update, index, axis,
                                       allow_negative_indices=allow_negative_indices)


# ----------------------------------------------------------------------------------------------
# gather and scatter with XLA's dimension numbers, as getitem (a gather with index arrays) and
# index_update (set, add, multiply): each window's index arrays are its clamped start plus an
# iota, so their rules give every derivative.


class GatherDimensionNumbers(_NamedTuple):
    """Which output axes are window (offset) axes, which operand axes are collapsed (window
    size 1, no output axis), which operand axis each index column starts, and the batching
    axes shared by operand and indices."""

    offset_dims: tuple
    collapsed_slice_dims: tuple
    start_index_map: tuple
    operand_batching_dims: tuple = ()
    start_indices_batching_dims: tuple = ()


class ScatterDimensionNumbers(_NamedTuple):
    """Which update axes are window axes, which operand axes get a size-1 window with no
    update axis, which operand axis each index column addresses, and the batching axes."""

    update_window_dims: tuple
    inserted_window_dims: tuple
    scatter_dims_to_operand_dims: tuple
    operand_batching_dims: tuple = ()
    scatter_indices_batching_dims: tuple = ()


class GatherScatterMode(_enum.Enum):
    """Out-of-bounds windows: clamped into bounds (CLIP), filled or dropped (FILL_OR_DROP,
    scatter's default), or assumed absent (PROMISE_IN_BOUNDS, gather's default: a gather
    clamps then, a scatter drops)."""

    CLIP = "clip"
    FILL_OR_DROP = "fill"
    PROMISE_IN_BOUNDS = "promise_in_bounds"

    @staticmethod
    def from_any(mode):
        if isinstance(mode, GatherScatterMode):
            return mode
        if mode is None or mode in ("fill", "drop"):
            return GatherScatterMode.FILL_OR_DROP
        if mode == "clip":
            return GatherScatterMode.CLIP
        if mode == "promise_in_bounds":
            return GatherScatterMode.PROMISE_IN_BOUNDS
        raise ValueError(f'Unknown gather mode "{mode}"')


def _window_indices(operand_shape, indices, index_map, window, batching_pairs, name,
                    drop=False):
    """Index arrays (batch shape + window shape each) for windows of ``window`` sizes whose
    starts are the columns of ``indices`` (for the operand axes in ``index_map``), the batch
    position (for batching axes) or 0, clamped into bounds; and where every start was in
    bounds. With ``drop``, an out-of-bounds window starts just past the end of each
    index-mapped axis instead (where a scatter into a padded operand discards it)."""
    index_shape = tuple(_shape_of(indices))
    if not index_shape or index_shape[-1] != len(index_map):
        raise TypeError(f"{name}: the last axis of the indices (shape {index_shape}) must "
                        f"have one entry per index-mapped operand axis, {len(index_map)}")
    if _dtype_of(indices).kind not in "iu":
        raise TypeError(f"{name}: indices must be integers, got {_dtype_of(indices).name}")
    batch_shape = index_shape[:-1]
    rank, batch_rank = len(operand_shape), len(batch_shape)
    in_bounds = None
    starts = []
    for d, (n, size) in enumerate(zip(operand_shape, window)):
        if d in index_map:
            start = getitem(indices, (Ellipsis, index_map.index(d)))
            start = convert_element_type(start, _np.intp)
            fits = logical_and(ge(start, 0), le(start, n - size))
            in_bounds = fits if in_bounds is None else logical_and(in_bounds, fits)
            start = max(min(start, n - size), 0)
        elif d in batching_pairs:
            axis = batching_pairs[d]
            start = _np.arange(batch_shape[axis]).reshape(
                tuple(m if i == axis else 1 for i, m in enumerate(batch_shape)))
        else:
            start = _np.intp(0)
        starts.append(start)
    arrays = []
    for d, (start, n, size) in enumerate(zip(starts, operand_shape, window)):
        if drop and d in index_map and in_bounds is not None:
            start = select(in_bounds, start, n)
        start = _reshape(start, tuple(_shape_of(start)) + (1,) * rank) \
            if _shape_of(start) else start
        line = _np.arange(size).reshape((1,) * batch_rank + tuple(
            size if i == d else 1 for i in range(rank)))
        arrays.append(add(start, line))
    return arrays, in_bounds, batch_shape


def gather(operand, start_indices, dimension_numbers, slice_sizes, *, unique_indices=False,
           indices_are_sorted=False, mode=None, fill_value=None):
    """XLA's gather: for each row of start indices (their last axis), the window of
    ``slice_sizes`` at those starts, with collapsed axes removed and window axes placed at
    ``offset_dims``. Out-of-bounds windows are clamped into bounds (mode 'clip', and the
    default 'promise_in_bounds', as XLA computes it) or filled with ``fill_value`` (mode
    'fill'; NaN or the extreme integer by default)."""
    dn = dimension_numbers
    mode = GatherScatterMode.from_any("promise_in_bounds" if mode is None else mode)
    shape = tuple(_shape_of(operand))
    window = tuple(int(n) for n in slice_sizes)
    if len(window) != len(shape) or any(not 0 <= w <= n for w, n in zip(window, shape)):
        raise TypeError(f"gather: slice_sizes {window} must have one entry per operand axis, "
                        f"each between 0 and the axis size, for an operand of shape {shape}")
    dropped = tuple(dn.collapsed_slice_dims) + tuple(dn.operand_batching_dims)
    if any(window[d] != 1 for d in dropped):
        raise TypeError(f"gather: collapsed and batching axes {dropped} need slice size 1, got "
                        f"slice_sizes {window}")
    pairs = dict(zip(dn.operand_batching_dims, dn.start_indices_batching_dims))
    arrays, in_bounds, batch_shape = _window_indices(
        shape, start_indices, tuple(dn.start_index_map), window, pairs, "gather")
    out = getitem(operand, tuple(_ArrayIndex(i) for i in range(len(shape))), *arrays)
    if mode is GatherScatterMode.FILL_OR_DROP and in_bounds is not None:
        if fill_value is None:
            dtype = _dtype_of(operand)
            fill_value = (_np.nan if dtype.kind in "fc" else True if dtype.kind == "b" else
                          _np.iinfo(dtype).min if dtype.kind == "i" else _np.iinfo(dtype).max)
        mask = _reshape(in_bounds, tuple(batch_shape) + (1,) * len(shape))
        out = select(mask, out, convert_element_type(fill_value, _dtype_of(operand)))
    kept = [d for d in range(len(shape)) if d not in dropped]
    out = _reshape(out, tuple(batch_shape) + tuple(window[d] for d in kept))
    offset_dims = tuple(dn.offset_dims)
    if len(offset_dims) != len(kept):
        raise TypeError(f"gather: offset_dims {offset_dims} must name one output axis per "
                        f"window axis that is not collapsed ({len(kept)})")
    rank = len(batch_shape) + len(kept)
    batch_axes = iter(range(len(batch_shape)))
    order = [len(batch_shape) + sorted(offset_dims).index(p) if p in offset_dims
             else next(batch_axes) for p in range(rank)]
    return transpose(out, order)


def _scatter(operand, scatter_indices, updates, dimension_numbers, mode, update_mode, name):
    """Scatter as index_update. Out-of-bounds windows (unless clamped) are dropped: they are
    written past the end of a padded copy of the operand, which is then cropped."""
    dn = dimension_numbers
    mode = GatherScatterMode.from_any(mode)
    shape = tuple(_shape_of(operand))
    update_shape = tuple(_shape_of(updates))
    window_dims = tuple(dn.update_window_dims)
    inserted = tuple(dn.inserted_window_dims) + tuple(dn.operand_batching_dims)
    kept = [d for d in range(len(shape)) if d not in inserted]
    if len(window_dims) != len(kept):
        raise TypeError(f"{name}: update_window_dims {window_dims} must name one updates axis "
                        f"per operand axis that is not inserted ({len(kept)})")
    window_sizes = dict(zip(kept, (update_shape[a] for a in sorted(window_dims))))
    window = tuple(window_sizes.get(d, 1) for d in range(len(shape)))
    if any(w > n for w, n in zip(window, shape)):
        raise TypeError(f"{name}: update windows {window} are larger than the operand "
                        f"{shape}")
    index_map = tuple(dn.scatter_dims_to_operand_dims)
    pairs = dict(zip(dn.operand_batching_dims, dn.scatter_indices_batching_dims))
    drop = mode is not GatherScatterMode.CLIP
    arrays, in_bounds, batch_shape = _window_indices(
        shape, scatter_indices, index_map, window, pairs, name, drop)
    batch_axes = [a for a in range(len(update_shape)) if a not in window_dims]
    if tuple(update_shape[a] for a in batch_axes) != tuple(batch_shape):
        raise TypeError(f"{name}: the updates' scatter axes {batch_axes} of shape "
                        f"{update_shape} must match the indices' batch shape {batch_shape}")
    values = transpose(updates, batch_axes + sorted(window_dims))
    values = _reshape(values, tuple(batch_shape) + window)
    index = tuple(_ArrayIndex(i) for i in range(len(shape)))
    update = _extremum_update if update_mode in ("min", "max") else index_update
    if not drop or in_bounds is None:
        return update(operand, values, index, update_mode, *arrays)
    room = [(0, window[d] if d in index_map else 0, 0) for d in range(len(shape))]
    padded = update(_pad(operand, 0, room), values, index, update_mode, *arrays)
    return slice(padded, (0,) * len(shape), shape)


def _extremum_update(operand, values, index, mode, *arrays):
    """operand with each indexed element replaced by the min/max of it and every update
    aimed at it: the updates are ordered by position and, within one, so that the extremum
    (or a NaN) comes last, and a "set" keeps the last write."""
    shape = tuple(_shape_of(operand))
    size = int(_np.prod(shape, dtype=_np.int64))
    ids = _np.arange(size).reshape(shape)
    target = tuple(_shape_of(getitem(ids, index, *arrays)))
    m = int(_np.prod(target, dtype=_np.int64))
    positions = _reshape(getitem(ids, index, *arrays), (m,))
    flat_values = _reshape(broadcast_to(values, target), (m,))
    if mode == "max":
        by_value = _argsort(flat_values, 0)
    elif _dtype_of(flat_values).kind == "f":
        by_value = _argsort(neg(flat_values), 0)  # (NaNs still last)
    else:
        by_value = _argsort(flat_values, 0, True)
    first = (_ArrayIndex(0),)
    by_position = _argsort(getitem(positions, first, by_value), 0)
    order = getitem(by_value, first, by_position)
    where = getitem(positions, first, order)
    flat = _reshape(operand, (size,))
    combine = max if mode == "max" else min
    new = combine(getitem(flat, first, where), getitem(flat_values, first, order))
    return _reshape(index_update(flat, new, first, "set", where), shape)


def scatter(operand, scatter_indices, updates, dimension_numbers, *, indices_are_sorted=False,
            unique_indices=False, mode=None):
    """XLA's scatter: each update window replaces the operand's window at its indices (out of
    bounds: dropped by default, clamped with mode='clip'; overlapping windows: the last)."""
    return _scatter(operand, scatter_indices, updates, dimension_numbers, mode, "set",
                    "scatter")


def scatter_add(operand, scatter_indices, updates, dimension_numbers, *,
                indices_are_sorted=False, unique_indices=False, mode=None):
    """XLA's scatter with addition: overlapping windows accumulate."""
    return _scatter(operand, scatter_indices, updates, dimension_numbers, mode, "add",
                    "scatter_add")


def scatter_sub(operand, scatter_indices, updates, dimension_numbers, *,
                indices_are_sorted=False, unique_indices=False, mode=None):
    return _scatter(operand, scatter_indices, neg(updates), dimension_numbers, mode, "add",
                    "scatter_sub")


def scatter_max(operand, scatter_indices, updates, dimension_numbers, *,
                indices_are_sorted=False, unique_indices=False, mode=None):
    """XLA's scatter with maximum: each element becomes the max of it and its updates."""
    return _scatter(operand, scatter_indices, updates, dimension_numbers, mode, "max",
                    "scatter_max")


def scatter_min(operand, scatter_indices, updates, dimension_numbers, *,
                indices_are_sorted=False, unique_indices=False, mode=None):
    """XLA's scatter with minimum: each element becomes the min of it and its updates."""
    return _scatter(operand, scatter_indices, updates, dimension_numbers, mode, "min",
                    "scatter_min")


def scatter_mul(operand, scatter_indices, updates, dimension_numbers, *,
                indices_are_sorted=False, unique_indices=False, mode=None):
    return _scatter(operand, scatter_indices, updates, dimension_numbers, mode, "multiply",
                    "scatter_mul")


# ----------------------------------------------------------------------------------------------
# Products.


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None):
    """Contraction over ``((lhs_contract, rhs_contract), (lhs_batch, rhs_batch))``. On the
    CPU every ``precision`` computes the same; ``preferred_element_type`` is the result's
    dtype (the operands are converted to it first)."""
    if preferred_element_type is not None:
        lhs = convert_element_type(lhs, preferred_element_type)
        rhs = convert_element_type(rhs, preferred_element_type)
    return _dot_general(lhs, rhs, dimension_numbers)


def dot(lhs, rhs, *, dimension_numbers=None, precision=None, preferred_element_type=None):
    """vector-vector, matrix-vector or matrix-matrix product (or ``dot_general`` with
    ``dimension_numbers``)."""
    if dimension_numbers is None:
        lhs_shape, rhs_shape = _shape_of(lhs), _shape_of(rhs)
        if len(lhs_shape) not in (1, 2) or len(rhs_shape) not in (1, 2):
            raise ValueError(f"dot: dimension_numbers must be specified when not performing "
                             f"simple un-batched matrix-matrix, matrix-vector, or vector-vector "
                             f"products; got lhs_shape={lhs_shape} rhs_shape={rhs_shape}")
        if lhs_shape[-1] != rhs_shape[0]:
            raise TypeError(f"dot: incompatible shapes for a product: {lhs_shape} and "
                            f"{rhs_shape}")
        dimension_numbers = (((len(lhs_shape) - 1,), (0,)), ((), ()))
    return dot_general(lhs, rhs, dimension_numbers, precision, preferred_element_type)


def ragged_dot(lhs, rhs, group_sizes, precision=None, preferred_element_type=None,
               group_offset=None):
    """lhs (m, k) rows in consecutive groups of ``group_sizes``, each times its own matrix
    of rhs (g, k, n); rows past the groups give zeros. Each row's matrix is gathered by its
    group index (rows compared with the groups' ends), then a batched product."""
    if group_offset is not None:
        raise NotImplementedError("funcad.lax.ragged_dot: group_offset is not implemented yet")
    (m, k), rhs_shape = _shape_of(lhs), tuple(_shape_of(rhs))
    if len(rhs_shape) != 3 or rhs_shape[1] != k or _shape_of(group_sizes) != rhs_shape[:1]:
        raise TypeError(f"ragged_dot needs lhs (m, k), rhs (g, k, n) and group_sizes (g,), "
                        f"got shapes {(m, k)}, {rhs_shape} and {_shape_of(group_sizes)}")
    if preferred_element_type is not None:
        lhs = convert_element_type(lhs, preferred_element_type)
        rhs = convert_element_type(rhs, preferred_element_type)
    ends = _cumsum(convert_element_type(group_sizes, _np.intp), 0)
    rows = _np.arange(m).reshape(m, 1)
    group = _reduce_sum(convert_element_type(ge(rows, _reshape(ends, (1, rhs_shape[0]))),
                                            _np.intp), (1,))
    inside = lt(group, rhs_shape[0])
    matrices = getitem(rhs, (_ArrayIndex(0),), min(group, rhs_shape[0] - 1))  # (m, k, n)
    products = _dot_general(lhs, matrices, (((1,), (1,)), ((0,), (0,))))  # (m, n)
    return select(_reshape(inside, (m, 1)), products, 0)


def batch_matmul(lhs, rhs, precision=None):
    """Matrix products over the leading (batch) axes, which must agree."""
    lhs_shape, rhs_shape = _shape_of(lhs), _shape_of(rhs)
    if len(lhs_shape) != len(rhs_shape) or len(lhs_shape) < 2 or \
            lhs_shape[:-2] != rhs_shape[:-2]:
        raise ValueError(f"batch_matmul needs operands of equal rank >= 2 and equal batch "
                         f"axes, got shapes {lhs_shape} and {rhs_shape}")
    ndim = len(lhs_shape)
    batch = tuple(range(ndim - 2))
    return _dot_general(lhs, rhs, (((ndim - 1,), (ndim - 2,)), (batch, batch)))


# ----------------------------------------------------------------------------------------------
# Convolutions, as compositions: one pad (the input's dilation and padding), one strided
# slice per kernel position (the windows), and a dot_general with the kernel, grouped by
# its batch axes. Every derivative and batching rule comes from those primitives.


class ConvDimensionNumbers(_NamedTuple):
    """Where the batch, feature and spatial axes are: ``lhs_spec`` = (batch, feature,
    spatial...), ``rhs_spec`` = (output feature, input feature, spatial...), ``out_spec``
    = (batch, feature, spatial...), each an axis of that array."""

    lhs_spec: tuple
    rhs_spec: tuple
    out_spec: tuple


def _spec_permutations(specs):
    """Axis permutations from strings such as ('NCHW', 'OIHW', 'NHWC'); spatial axes are
    matched by letter, in the order of the kernel's string."""
    pairs = (("N", "C"), ("O", "I"), ("N", "C"))
    for i, (spec, (a, b)) in enumerate(zip(specs, pairs)):
        if spec.count(a) != 1 or spec.count(b) != 1:
            raise TypeError(f"convolution dimension_numbers[{i}] must contain the characters "
                            f"'{a}' and '{b}' exactly once, got {spec}.")
        if len(set(spec)) != len(spec):
            raise TypeError(f"convolution dimension_numbers[{i}] cannot have duplicate "
                            f"characters, got {spec}.")
    spatial = [set(spec) - set(pair) for spec, pair in zip(specs, pairs)]
    if not spatial[0] == spatial[1] == spatial[2]:
        raise TypeError(f"convolution dimension_numbers elements must each have the same set "
                        f"of spatial characters, got {tuple(specs)}.")
    kernel = specs[1]
    order = [c for c in kernel if c not in "OI"]
    return ConvDimensionNumbers(*(
        (spec.index(a), spec.index(b)) + tuple(spec.index(c) for c in order)
        for spec, (a, b) in zip(specs, pairs)))


def conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers):
    """``dimension_numbers`` (None, three strings, or ConvDimensionNumbers) as
    ConvDimensionNumbers."""
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return dimension_numbers
    if len(lhs_shape) != len(rhs_shape):
        raise TypeError(f"convolution requires lhs and rhs ndim to be equal, got "
                        f"{len(lhs_shape)} and {len(rhs_shape)}.")
    if dimension_numbers is None:
        iota_ = tuple(range(len(lhs_shape)))
        return ConvDimensionNumbers(iota_, iota_, iota_)
    if not isinstance(dimension_numbers, (list, tuple)) or len(dimension_numbers) != 3 or \
            not all(isinstance(spec, str) for spec in dimension_numbers):
        raise TypeError(f"convolution dimension_numbers must be None, ConvDimensionNumbers "
                        f"or three strings, got {dimension_numbers!r}")
    for i, spec in enumerate(dimension_numbers):
        if len(spec) != len(lhs_shape):
            raise TypeError(f"convolution dimension_numbers[{i}] must have len equal to the "
                            f"ndim of lhs and rhs, got {len(spec)} for lhs and rhs shapes "
                            f"{tuple(lhs_shape)} and {tuple(rhs_shape)}.")
    return _spec_permutations(tuple(dimension_numbers))


def padtype_to_pads(in_shape, window_shape, window_strides, padding):
    """(low, high) padding per spatial axis for 'VALID', 'SAME' (an odd total puts the extra
    element at the end) or 'SAME_LOWER' (at the start)."""
    kind = padding.upper() if isinstance(padding, str) else padding
    if kind == "VALID":
        return [(0, 0)] * len(in_shape)
    if kind not in ("SAME", "SAME_LOWER"):
        raise RuntimeError(f"Unrecognized padding type: expected 'VALID', 'SAME' or "
                           f"'SAME_LOWER', got {padding!r}.")
    pads = []
    for n, k, stride in zip(in_shape, window_shape, window_strides):
        out = -(-int(n) // int(stride))
        total = _builtins.max((out - 1) * int(stride) + int(k) - int(n), 0)
        low = total // 2 if kind == "SAME" else total - total // 2
        pads.append((low, total - low))
    return pads


def _spatial_arg(value, count, name):
    value = (1,) * count if value is None else tuple(int(v) for v in value)
    if len(value) != count:
        raise ValueError(f"conv_general_dilated: {name} must have one entry per spatial axis "
                         f"({count}), got {value}")
    return value


def conv_general_permutations(dimension_numbers):
    """The axis permutations (lhs, rhs, out) of three layout strings."""
    return tuple(_spec_permutations(tuple(dimension_numbers)))


def _window_count(size, window, stride):
    return _builtins.max((size - window) // stride + 1, 0) if size >= window else 0


def conv_shape_tuple(lhs_shape, rhs_shape, strides, pads, batch_group_count=1):
    """The output shape of a convolution in NC.../OI... layouts with (low, high) ``pads``."""
    spatial = [n + low + high for n, (low, high) in zip(lhs_shape[2:], pads)]
    out = [_window_count(n, k, s) for n, k, s in zip(spatial, rhs_shape[2:], strides)]
    return (lhs_shape[0] // batch_group_count, rhs_shape[0], *out)


def _layout_shape(canonical, out_spec):
    shape = [0] * len(canonical)
    for axis, n in zip(out_spec, canonical):
        shape[axis] = n
    return tuple(shape)


def conv_general_shape_tuple(lhs_shape, rhs_shape, window_strides, padding, dimension_numbers):
    """The output shape of conv_general_dilated (no dilation) in the output layout."""
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    lhs = tuple(lhs_shape[a] for a in dn.lhs_spec)
    rhs = tuple(rhs_shape[a] for a in dn.rhs_spec)
    if isinstance(padding, str):
        padding = padtype_to_pads(lhs[2:], rhs[2:], window_strides, padding)
    return _layout_shape(conv_shape_tuple(lhs, rhs, window_strides, padding), dn.out_spec)


def conv_transpose_shape_tuple(lhs_shape, rhs_shape, window_strides, padding,
                               dimension_numbers):
    """The output shape of conv_transpose (no kernel dilation) in the output layout."""
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    lhs = tuple(lhs_shape[a] for a in dn.lhs_spec)
    rhs = tuple(rhs_shape[a] for a in dn.rhs_spec)
    if isinstance(padding, str):
        padding = [_transpose_padding(k, s, padding.upper())
                   for k, s in zip(rhs[2:], window_strides)]
    spatial = [(n - 1) * s + 1 + low + high - k + 1 if n else 0
               for n, s, (low, high), k in zip(lhs[2:], window_strides, padding, rhs[2:])]
    return _layout_shape((lhs[0], rhs[0], *spatial), dn.out_spec)


def reduce_window_shape_tuple(operand_shape, window_dimensions, window_strides, padding,
                              base_dilation=None, window_dilation=None):
    """The output shape of reduce_window."""
    count = len(operand_shape)
    base_dilation = base_dilation or (1,) * count
    window_dilation = window_dilation or (1,) * count
    sizes = [(n - 1) * d + 1 + low + high if n else low + high
             for n, d, (low, high) in zip(operand_shape, base_dilation, padding)]
    windows = [(k - 1) * d + 1 for k, d in zip(window_dimensions, window_dilation)]
    return tuple(_window_count(n, w, s) for n, w, s in zip(sizes, windows, window_strides))


def _conv_patches(x, kernel, strides, padding, lhs_dilation, rhs_dilation):
    """The windows of x (N, C, spatial...) for a kernel of spatial shape ``kernel``:
    (N, C, kernel positions, out...), positions in row-major order, and the out shape."""
    count = len(kernel)
    (n, c, *spatial) = _shape_of(x)
    windows = [(k - 1) * d + 1 for k, d in zip(kernel, rhs_dilation)]
    if isinstance(padding, str):
        if any(d != 1 for d in lhs_dilation):
            raise ValueError("String padding is not implemented for transposed convolution "
                             "using this op. Please either exactly specify the required "
                             "padding or use conv_transpose.")
        padding = padtype_to_pads(spatial, windows, strides, padding)
    padding = [tuple(int(v) for v in pair) for pair in padding]
    if len(padding) != count or any(len(pair) != 2 for pair in padding):
        raise ValueError(f"conv_general_dilated: padding must be a string or one (low, high) "
                         f"pair per spatial axis ({count}), got {padding}")
    x = _pad(x, 0, [(0, 0, 0), (0, 0, 0)] + [
        (low, high, dilation - 1) for (low, high), dilation in zip(padding, lhs_dilation)])
    padded = _shape_of(x)[2:]
    out = [_builtins.max((p - window) // stride + 1, 0) if p >= window else 0
           for p, window, stride in zip(padded, windows, strides)]
    patches = []
    for offsets in _itertools.product(*(range(k) for k in kernel)):
        starts = [0, 0] + [k * d if m else 0 for k, d, m in zip(offsets, rhs_dilation, out)]
        limits = [n, c] + [start + (m - 1) * stride + 1 if m else 0
                           for start, m, stride in zip(starts[2:], out, strides)]
        window_slice = slice(x, starts, limits, (1, 1) + tuple(strides))
        patches.append(_reshape(window_slice, (n, c, 1, *out)))
    if not patches:
        return broadcast_to(_np.zeros((), _dtype_of(x)), (n, c, 0, *out)), out
    return (patches[0] if len(patches) == 1 else _concatenate(patches, 2)), out


def conv_general_dilated_patches(lhs, filter_shape, window_strides, padding,
                                 lhs_dilation=None, rhs_dilation=None, dimension_numbers=None,
                                 precision=None, preferred_element_type=None):
    """The patches a convolution with a kernel of spatial shape ``filter_shape`` sees: the
    output has C * prod(filter_shape) features (channel-major), in the output layout."""
    lhs_shape = tuple(_shape_of(lhs))
    count = len(lhs_shape) - 2
    filter_shape = tuple(int(k) for k in filter_shape)
    if len(filter_shape) != count:
        raise ValueError(f"conv_general_dilated_patches: filter_shape {filter_shape} must "
                         f"have one entry per spatial axis ({count})")
    dn = conv_dimension_numbers(lhs_shape, (1, 1) + filter_shape, dimension_numbers)
    strides = _spatial_arg(window_strides, count, "window_strides")
    lhs_dilation = _spatial_arg(lhs_dilation, count, "lhs_dilation")
    rhs_dilation = _spatial_arg(rhs_dilation, count, "rhs_dilation")
    if preferred_element_type is not None:
        lhs = convert_element_type(lhs, preferred_element_type)
    x = transpose(lhs, dn.lhs_spec)
    p, out = _conv_patches(x, filter_shape, strides, padding, lhs_dilation, rhs_dilation)
    n, c, positions = _shape_of(p)[:3]
    result = _reshape(p, (n, c * positions, *out))
    return transpose(result, _np.argsort(dn.out_spec))


def conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=None,
                         rhs_dilation=None, dimension_numbers=None, feature_group_count=1,
                         batch_group_count=1, precision=None, preferred_element_type=None):
    """XLA's convolution (a cross-correlation: the kernel is not flipped), with strides,
    padding (pairs or 'VALID'/'SAME'/'SAME_LOWER'), input and kernel dilation, layouts and
    feature or batch groups."""
    lhs_shape, rhs_shape = tuple(_shape_of(lhs)), tuple(_shape_of(rhs))
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    count = len(lhs_shape) - 2
    if count < 0:
        raise TypeError(f"convolution needs operands of rank >= 2, got shapes {lhs_shape} "
                        f"and {rhs_shape}")
    strides = _spatial_arg(window_strides, count, "window_strides")
    lhs_dilation = _spatial_arg(lhs_dilation, count, "lhs_dilation")
    rhs_dilation = _spatial_arg(rhs_dilation, count, "rhs_dilation")
    if any(v < 1 for v in strides + lhs_dilation + rhs_dilation):
        raise ValueError("conv_general_dilated: strides and dilations must be positive")
    if preferred_element_type is not None:
        lhs = convert_element_type(lhs, preferred_element_type)
        rhs = convert_element_type(rhs, preferred_element_type)
    x, w = transpose(lhs, dn.lhs_spec), transpose(rhs, dn.rhs_spec)
    (n, c, *_), (o, i, *kernel) = _shape_of(x), _shape_of(w)
    groups, batch_groups = int(feature_group_count), int(batch_group_count)
    if groups < 1 or batch_groups < 1 or (groups > 1 and batch_groups > 1):
        raise ValueError(f"conv_general_dilated: feature_group_count ({groups}) and "
                         f"batch_group_count ({batch_groups}) must be positive, one of them 1")
    if c != i * groups or o % groups:
        raise TypeError(f"conv_general_dilated lhs feature dimension size divided by "
                        f"feature_group_count must equal the rhs input feature dimension size, "
                        f"and the rhs output features must be a multiple of it; got lhs "
                        f"features {c}, rhs (output, input) features ({o}, {i}), "
                        f"feature_group_count {groups}")
    if n % batch_groups or o % batch_groups:
        raise ValueError(f"conv_general_dilated: lhs batch size {n} and rhs output features "
                         f"{o} must be multiples of batch_group_count {batch_groups}")
    p, out = _conv_patches(x, kernel, strides, padding, lhs_dilation, rhs_dilation)
    positions = _shape_of(p)[2]
    if not positions:
        return transpose(broadcast_to(_np.zeros((), _dtype_of(x)), (n // batch_groups, o,
                                                                      *out)),
                         _np.argsort(dn.out_spec))
    if batch_groups > 1:
        p = _reshape(p, (batch_groups, n // batch_groups, c, positions, *out))
        w = _reshape(w, (batch_groups, o // batch_groups, i, positions))
        contract = ((2, 3), (2, 3))
    else:
        p = _reshape(p, (n, groups, i, positions, *out))
        w = _reshape(w, (groups, o // groups, i, positions))
        p = transpose(p, (1, 0) + tuple(range(2, 4 + count)))
        contract = ((2, 3), (2, 3))
    result = _dot_general(p, w, (contract, ((0,), (0,))))  # (group, N', out..., O_g)
    result = transpose(result, (1, 0, count + 2) + tuple(range(2, count + 2)))
    shape = _shape_of(result)
    result = _reshape(result, (shape[0], shape[1] * shape[2]) + tuple(shape[3:]))
    return transpose(result, _np.argsort(dn.out_spec))


def conv(lhs, rhs, window_strides, padding, precision=None, preferred_element_type=None):
    """conv_general_dilated with NCHW/OIHW layouts and no dilation."""
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                              precision=None, preferred_element_type=None):
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation,
                                rhs_dilation, precision=precision,
                                preferred_element_type=preferred_element_type)


def _transpose_padding(window, stride, padding):
    """(low, high) padding of the stride-dilated input for a transposed convolution whose
    forward convolution had this (dilated) window and padding ('SAME', 'VALID' or a pair)."""
    if padding == "SAME":
        total = window + stride - 2
        low = window - 1 if stride > window - 1 else -(-total // 2)
    elif padding == "VALID":
        total = window + stride - 2 + _builtins.max(window - stride, 0)
        low = window - 1
    elif isinstance(padding, (tuple, list)) and len(padding) == 2:
        low, high = (window - int(p) - 1 for p in padding)
        total = low + high
    else:
        raise ValueError(f"conv_transpose: invalid padding {padding!r}")
    return low, total - low


_TRANSPOSE_LAYOUTS = {2: ("NC", "IO", "NC"), 3: ("NHC", "HIO", "NHC"),
                      4: ("NHWC", "HWIO", "NHWC"), 5: ("NHWDC", "HWDIO", "NHWDC")}


def conv_transpose(lhs, rhs, strides, padding, rhs_dilation=None, dimension_numbers=None,
                   transpose_kernel=False, precision=None, preferred_element_type=None,
                   use_consistent_padding=False):
    """The transposed (fractionally strided) convolution: the input dilated by ``strides``
    (layouts default to NHWC/HWIO). 'SAME'/'VALID' name the forward convolution's padding;
    pairs are the transposed convolution's own, unless ``use_consistent_padding`` (then
    they are the forward one's, as in PyTorch). ``transpose_kernel`` flips the kernel and
    swaps its feature axes, which makes this the gradient of conv_general_dilated."""
    lhs_shape, rhs_shape = tuple(_shape_of(lhs)), tuple(_shape_of(rhs))
    if len(lhs_shape) != len(rhs_shape) or len(lhs_shape) < 2:
        raise TypeError(f"conv_transpose needs operands of equal rank >= 2, got shapes "
                        f"{lhs_shape} and {rhs_shape}")
    if dimension_numbers is None:
        if len(lhs_shape) not in _TRANSPOSE_LAYOUTS:
            raise ValueError("No 4+ dimensional dimension_number defaults.")
        dimension_numbers = _TRANSPOSE_LAYOUTS[len(lhs_shape)]
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    count = len(lhs_shape) - 2
    strides = _spatial_arg(strides, count, "strides")
    rhs_dilation = _spatial_arg(rhs_dilation, count, "rhs_dilation")
    kernel = [rhs_shape[axis] for axis in dn.rhs_spec[2:]]
    windows = [(k - 1) * d + 1 for k, d in zip(kernel, rhs_dilation)]
    if use_consistent_padding or padding in ("SAME", "VALID"):
        kinds = [padding] * count if isinstance(padding, str) else list(padding)
        padding = [_transpose_padding(k, s, kind)
                   for k, s, kind in zip(windows, strides, kinds)]
    if transpose_kernel:
        rhs = rev(rhs, tuple(dn.rhs_spec[2:]))
        order = list(range(len(rhs_shape)))
        order[dn.rhs_spec[0]], order[dn.rhs_spec[1]] = dn.rhs_spec[1], dn.rhs_spec[0]
        rhs = transpose(rhs, order)
    return conv_general_dilated(lhs, rhs, (1,) * count, padding, strides, rhs_dilation, dn,
                                precision=precision,
                                preferred_element_type=preferred_element_type)


class FftType(_enum.IntEnum):
    """The transforms of ``fft``."""

    FFT = 0
    IFFT = 1
    RFFT = 2
    IRFFT = 3


def fft(x, fft_type, fft_lengths):
    """The discrete Fourier transform ``fft_type`` (FFT, IFFT, RFFT, IRFFT, as a name or
    FftType) over the trailing ``len(fft_lengths)`` axes."""
    return _fft(x, getattr(fft_type, "name", fft_type), fft_lengths)


# ----------------------------------------------------------------------------------------------
# Reductions.


def reduce_and(operand, axes):
    return _reduce_and_p.bind(operand, axes=tuple(axes))


def reduce_or(operand, axes):
    return _reduce_or_p.bind(operand, axes=tuple(axes))


def reduce_xor(operand, axes):
    """The exclusive or over ``axes`` (booleans or integers): pairs are combined in log2(n)
    rounds (an odd length padded with 0, xor's identity)."""
    shape = tuple(_shape_of(operand))
    dtype = _dtype_of(operand)
    if dtype.kind not in "biu":
        raise TypeError(f"reduce_xor requires a boolean or integer operand, got {dtype.name}")
    axes = _normalize_dims(axes, len(shape), "reduce_xor", "axes")
    kept = [d for d in range(len(shape)) if d not in axes]
    kept_shape = tuple(shape[d] for d in kept)
    m = int(_np.prod([shape[d] for d in axes], dtype=_np.int64))
    x = _reshape(transpose(operand, kept + list(axes)), kept_shape + (m,))
    if m == 0:
        return _as_array(_np.zeros(kept_shape, dtype))
    while m > 1:
        if m % 2:
            x = _pad(x, _np.zeros((), dtype), [(0, 0, 0)] * len(kept_shape) + [(0, 1, 0)])
            m += 1
        x = _reshape(x, kept_shape + (m // 2, 2))
        x = bitwise_xor(index_in_dim(x, 0, -1, False), index_in_dim(x, 1, -1, False))
        m //= 2
    return _reshape(x, kept_shape)


def _identity(kind, dtype):
    """The element that leaves the reduction ``kind`` unchanged, in ``dtype``."""
    if kind in ("add", "or"):
        return _np.zeros((), dtype)
    if kind in ("mul", "and"):
        return _np.ones((), dtype)
    lowest = kind == "max"
    if dtype.kind == "f":
        return _np.asarray(-_np.inf if lowest else _np.inf, dtype)
    if dtype.kind in "iu":
        info = _np.iinfo(dtype)
        return _np.asarray(info.min if lowest else info.max, dtype)
    return _np.asarray(not lowest, dtype)


def _is_identity(kind, value, dtype):
    """Whether an initial value leaves the reduction unchanged (then it is not applied)."""
    value = _np.asarray(value)
    if kind in ("and", "or"):
        return bool(value) == bool(_identity(kind, dtype))
    return bool(value == _identity(kind, dtype))


def _in_operand_dtype(reducer, name):
    """jax.lax never promotes: an int32 sum is int32, where NumPy's (and funcad's primitive)
    is int64. Integer results wrap around as XLA's do."""
    def fn(operand, axes):
        out = reducer(operand, tuple(axes))
        dtype = _dtype_of(operand)
        return out if _dtype_of(out) == dtype else _convert(out, dtype)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"The {name[7:]} over ``axes``, in the operand's dtype (as jax.lax)."
    return fn


reduce_sum = _in_operand_dtype(_reduce_sum, "reduce_sum")
reduce_prod = _in_operand_dtype(_reduce_prod, "reduce_prod")


def _reduce_computations():
    table = {}
    for kind, reducer, combiners in (
            ("add", reduce_sum, (add, _np.add)),
            ("mul", reduce_prod, (mul, _np.multiply)),
            ("max", reduce_max, (max, _np.maximum)),
            ("min", reduce_min, (min, _np.minimum)),
            ("and", reduce_and, (bitwise_and, logical_and, _np.logical_and, _np.bitwise_and)),
            ("or", reduce_or, (bitwise_or, logical_or, _np.logical_or, _np.bitwise_or))):
        for combiner in combiners:
            table[combiner] = (reducer, combiner, kind)
    return table


_REDUCE_COMPUTATIONS = _reduce_computations()


def reduce(operands, init_values, computation, dimensions):
    """Reduces over ``dimensions`` with ``computation``, which must be one funcad knows:
    lax.add, mul, max, min, bitwise_and/or (or logical_and/or, or their NumPy ufuncs),
    mapped to the reduce_* primitives. ``init_values`` is combined with the result (once)
    unless it is the computation's identity."""
    if isinstance(operands, (list, tuple)):
        if len(operands) != 1 or not isinstance(init_values, (list, tuple)) or \
                len(init_values) != 1:
            raise NotImplementedError("funcad.lax.reduce: several operands (a variadic "
                                      "reduce) are not implemented yet")
        return (reduce(operands[0], init_values[0], computation, dimensions),)
    entry = _REDUCE_COMPUTATIONS.get(computation)
    if entry is None:
        raise TypeError(f"funcad.lax.reduce: the computation {computation!r} is not one "
                        f"funcad recognises; use funcad.lax.add, mul, max, min, bitwise_and, "
                        f"bitwise_or (or the reduce_* functions), or write the reduction with "
                        f"funcad.lax.scan")
    reducer, combiner, kind = entry
    shape = _shape_of(operands)
    dims = _normalize_dims(dimensions, len(shape), "reduce")
    dtype = _dtype_of(operands)
    if any(shape[d] == 0 for d in dims):
        kept = tuple(n for i, n in enumerate(shape) if i not in dims)
        return broadcast_to(convert_element_type(init_values, dtype), kept)
    result = reducer(operands, dims)
    if not isinstance(init_values, _Tracer) and _is_identity(kind, init_values, dtype):
        return result
    return combiner(init_values, result)


def reduce_window(operand, init_value, computation, window_dimensions, window_strides=None,
                  padding="VALID", base_dilation=None, window_dilation=None):
    """Reduces every window (pooling), with ``computation`` one funcad knows (as in
    ``reduce``): the operand is padded (and dilated) with the computation's identity, each
    window position is a strided slice, the slices are reduced together, and
    ``init_value`` is combined once. Max pooling's gradient goes to each window's maximum."""
    if isinstance(operand, (list, tuple)):
        if len(operand) != 1 or not isinstance(init_value, (list, tuple)) or \
                len(init_value) != 1:
            raise NotImplementedError("funcad.lax.reduce_window: several operands are not "
                                      "implemented yet")
        return (reduce_window(operand[0], init_value[0], computation, window_dimensions,
                              window_strides, padding, base_dilation, window_dilation),)
    entry = _REDUCE_COMPUTATIONS.get(computation)
    if entry is None:
        raise TypeError(f"funcad.lax.reduce_window: the computation {computation!r} is not "
                        f"one funcad recognises; use funcad.lax.add, mul, max, min, "
                        f"bitwise_and or bitwise_or")
    reducer, combiner, kind = entry
    shape = tuple(_shape_of(operand))
    window = tuple(int(k) for k in window_dimensions)
    count = len(shape)
    if len(window) != count:
        raise TypeError(f"reduce_window: window_dimensions {window} must have one entry per "
                        f"axis of the operand of shape {shape}")
    strides = _spatial_arg(window_strides, count, "window_strides")
    base_dilation = _spatial_arg(base_dilation, count, "base_dilation")
    window_dilation = _spatial_arg(window_dilation, count, "window_dilation")
    windows = [(k - 1) * d + 1 for k, d in zip(window, window_dilation)]
    if isinstance(padding, str):
        padding = padtype_to_pads(shape, windows, strides, padding)
    padding = [tuple(int(v) for v in pair) for pair in padding]
    if len(padding) != count:
        raise ValueError(f"reduce_window: padding must have one (low, high) pair per axis, got "
                         f"{padding}")
    dtype = _dtype_of(operand)
    x = _pad(operand, _identity(kind, dtype), [(low, high, d - 1)
                                              for (low, high), d in zip(padding, base_dilation)])
    padded = _shape_of(x)
    out = [_builtins.max((p - w) // s + 1, 0) if p >= w else 0
           for p, w, s in zip(padded, windows, strides)]
    pieces = []
    for offsets in _itertools.product(*(range(k) for k in window)):
        starts = [k * d if m else 0 for k, d, m in zip(offsets, window_dilation, out)]
        limits = [start + (m - 1) * s + 1 if m else 0
                  for start, m, s in zip(starts, out, strides)]
        pieces.append(_reshape(slice(x, starts, limits, strides), (1, *out)))
    if not pieces:
        return broadcast_to(convert_element_type(init_value, dtype), tuple(out))
    stacked = pieces[0] if len(pieces) == 1 else _concatenate(pieces, 0)
    result = reducer(stacked, (0,))
    if not isinstance(init_value, _Tracer) and _is_identity(kind, init_value, dtype):
        return result
    return combiner(init_value, result)


def argmax(operand, axis, index_dtype):
    """The index of the first maximum along ``axis``, in ``index_dtype``."""
    return _arg_reduction(_argmax_p, operand, axis, index_dtype, "argmax")


def argmin(operand, axis, index_dtype):
    """The index of the first minimum along ``axis``, in ``index_dtype``."""
    return _arg_reduction(_argmin_p, operand, axis, index_dtype, "argmin")


def _arg_reduction(primitive, operand, axis, index_dtype, name):
    shape = _shape_of(operand)
    if not 0 <= int(axis) < len(shape):
        raise ValueError(f"Invalid axis {axis} for operand shape {shape}")
    index_dtype = _np.dtype(index_dtype)
    if index_dtype.kind not in "iu":
        raise TypeError(f"{name}: index_dtype must be an integer type, got {index_dtype}")
    if shape[int(axis)] == 0:
        raise ValueError(f"{name}: the reduced axis {axis} of shape {shape} is empty")
    return convert_element_type(primitive.bind(operand, axis=int(axis)), index_dtype)


def _cumulative(primitive_fn, name):
    def fn(operand, axis=0, reverse=False):
        ndim = len(_shape_of(operand))
        if not -ndim <= axis < ndim:
            raise ValueError(f"axis {axis} is out of bounds for array of shape "
                             f"{_shape_of(operand)}")
        out = primitive_fn(operand, axis % ndim, bool(reverse))
        dtype = _dtype_of(operand)  # (jax.lax never promotes: int32 stays int32)
        return out if _dtype_of(out) == dtype else _convert(out, dtype)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"The running {name[3:]} along ``axis`` (from the end if ``reverse``), "
                  f"differentiable.")
    return fn


cumsum = _cumulative(_cumsum, "cumsum")
cumprod = _cumulative(_cumprod, "cumprod")
cummax = _cumulative(_cummax, "cummax")
cummin = _cumulative(_cummin, "cummin")
cumlogsumexp = _cumulative(_cumlogsumexp, "cumlogsumexp")


# ----------------------------------------------------------------------------------------------
# Sorting: argsort (stable) and a gather; the gradient goes back to each element's place.


def _take_along(x, indices, axis):
    shape = _shape_of(indices)
    arrays = [indices if i == axis else
              _np.arange(n).reshape(tuple(n if j == i else 1 for j in range(len(shape))))
              for i, n in enumerate(shape)]
    return getitem(x, tuple(_ArrayIndex(i) for i in range(len(shape))), *arrays)


def sort(operand, dimension=-1, is_stable=True, num_keys=1):
    """Sorts along ``dimension`` (stably). A sequence of operands is sorted together, by
    the first ``num_keys`` of them (the first the most significant); returns a tuple."""
    single = not isinstance(operand, (list, tuple))
    operands = [operand] if single else list(operand)
    if not 1 <= num_keys <= len(operands):
        raise ValueError(f"sort: num_keys must be between 1 and the number of operands "
                         f"{len(operands)}, got {num_keys}")
    shape = _shape_of(operands[0])
    if any(_shape_of(x) != shape for x in operands):
        raise TypeError(f"sort: all operands must have the same shape, got "
                        f"{[_shape_of(x) for x in operands]}")
    if not shape:
        raise ValueError("sort: the operand must have at least one axis")
    axis = _normalize_axis(int(dimension), len(shape), "sort")
    order = _argsort(operands[num_keys - 1], axis)
    for key in operands[num_keys - 2::-1] if num_keys > 1 else ():
        order = _take_along(order, _argsort(_take_along(key, order, axis), axis), axis)
    results = tuple(_take_along(x, order, axis) for x in operands)
    return results[0] if single else results


def sort_key_val(keys, values, dimension=-1, is_stable=True):
    """``keys`` sorted, and ``values`` in the same order."""
    return sort((keys, values), dimension, is_stable, 1)


def top_k(operand, k, *, axis=-1):
    """The k largest elements along ``axis``, largest first (ties: the lower index first),
    and their indices (int32, as in JAX)."""
    return _top_k_along(operand, k, axis, True)


def approx_max_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True):
    """The k largest along ``reduction_dimension`` and their indices: computed exactly (an
    exact answer meets every recall target)."""
    return _top_k_along(operand, k, reduction_dimension, True)


def approx_min_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True):
    """The k smallest along ``reduction_dimension`` and their indices (exactly)."""
    return _top_k_along(operand, k, reduction_dimension, False)


def _top_k_along(operand, k, axis, largest):
    shape = _shape_of(operand)
    if not shape:
        raise ValueError("top_k: the operand must have at least one axis")
    axis = _normalize_axis(int(axis), len(shape), "top_k")
    if int(k) != k or not 0 <= k <= shape[axis]:
        raise ValueError(f"k argument to top_k must be no larger than size along axis; got "
                         f"k={k} with shape={list(shape)} and axis={axis}")
    order = _argsort(operand, axis, largest)
    indices = slice_in_dim(order, 0, int(k), axis=axis)
    return _take_along(operand, indices, axis), convert_element_type(indices, _np.int32)


def optimization_barrier(operand):
    """The operand itself (a pytree): funcad's passes reorder nothing across calls anyway."""
    return operand


# ----------------------------------------------------------------------------------------------
# associative_scan: the parallel prefix of an associative ``fn``, from slices, concatenations
# and reshapes (so it is differentiable, batchable and staged like any composition).


def _interleave(even, odd, axis):
    """even[0], odd[0], even[1], odd[1], ... along ``axis`` (even may be one longer)."""
    n_even, n_odd = _shape_of(even)[axis], _shape_of(odd)[axis]
    if n_even > n_odd:
        odd = _concatenate([odd, slice_in_dim(even, 0, 1, axis=axis)], axis)
    shape = tuple(_shape_of(even))
    pair_shape = shape[:axis + 1] + (1,) + shape[axis + 1:]
    pairs = _concatenate([_reshape(even, pair_shape), _reshape(odd, pair_shape)], axis + 1)
    merged = _reshape(pairs, shape[:axis] + (2 * n_even,) + shape[axis + 1:])
    return slice_in_dim(merged, 0, n_even + n_odd, axis=axis)


def associative_scan(fn, elems, reverse=False, axis=0):
    """The running ``fn``-combination of ``elems`` (a pytree of arrays of equal length along
    ``axis``) for an associative ``fn`` of two such pytrees: element i is
    fn(...fn(fn(e_0, e_1), e_2)..., e_i). Pairs are combined in log2(n) rounds."""
    leaves, tree = _tree_flatten(elems)
    if not leaves:
        raise ValueError("associative_scan: elems must hold at least one array")
    ndim = len(_shape_of(leaves[0]))
    axis = _normalize_axis(int(axis), ndim, "associative_scan")
    n = _shape_of(leaves[0])[axis]
    if any(_shape_of(leaf)[axis:axis + 1] != (n,) for leaf in leaves):
        raise ValueError(f"associative_scan: every array of elems needs the same length "
                         f"along axis {axis}, got shapes {[_shape_of(v) for v in leaves]}")
    if reverse:
        leaves = [rev(leaf, (axis,)) for leaf in leaves]

    def combine(a, b):
        out = _tree_leaves(fn(_tree_unflatten(tree, a), _tree_unflatten(tree, b)))
        if len(out) != len(a):
            raise TypeError("associative_scan: fn must return a pytree like its arguments")
        return out

    def scan_(values):
        length = _shape_of(values[0])[axis]
        if length < 2:
            return values
        pairs = combine([slice_in_dim(v, 0, length - 1, 2, axis) for v in values],
                        [slice_in_dim(v, 1, length, 2, axis) for v in values])
        odd = scan_(pairs)
        rest = [slice_in_dim(v, 2, length, 2, axis) for v in values]
        if length % 2 == 0:
            odd_part = [slice_in_dim(o, 0, _shape_of(o)[axis] - 1, axis=axis) for o in odd]
        else:
            odd_part = odd
        even = combine(odd_part, rest) if _shape_of(rest[0])[axis] else rest
        even = [_concatenate([slice_in_dim(v, 0, 1, axis=axis), e], axis)
                for v, e in zip(values, even)]
        return [_interleave(e, o, axis) for e, o in zip(even, odd)]

    out = scan_(leaves)
    if reverse:
        out = [rev(leaf, (axis,)) for leaf in out]
    return _tree_unflatten(tree, out)


def with_sharding_constraint(x, shardings):
    """x itself: funcad runs on one device, where every sharding is the whole array."""
    return x


def composite(decomposition, name, version=0):
    """``decomposition`` under a name (which only a compiler for devices would use)."""
    @_functools.wraps(decomposition)
    def wrapped(*args, **kwargs):
        return decomposition(*args, **kwargs)

    return wrapped


def shape_as_value(shape):
    """A shape as an integer array."""
    return _as_array(_np.array(tuple(int(n) for n in shape), dtype=_np.intp))


# ----------------------------------------------------------------------------------------------
# custom_linear_solve: a solve differentiated implicitly (never through the solver).


def custom_linear_solve(matvec, b, solve, transpose_solve=None, symmetric=False,
                        has_aux=False):
    """x = solve(matvec, b) for a linear ``matvec``, whose reverse-mode derivative does not
    go through ``solve`` (which may be iterative): b's cotangent is transpose_solve(vecmat,
    g) (``solve`` again if ``symmetric``), and the values matvec closes over get minus their
    cotangent through matvec(x) of it. (Forward mode is refused, as for any custom_vjp.)"""
    if has_aux:
        raise NotImplementedError("funcad.lax.custom_linear_solve: has_aux=True is not "
                                  "implemented yet")
    traced = _trace_function(matvec, (b,))

    def matvec_with(consts, v):
        return _tree_unflatten(traced.out_tree, _run(traced.jaxpr, *consts,
                                                     *_tree_leaves(v)))

    @_custom_vjp
    def linear_solve(consts, rhs):
        return solve(lambda v: matvec_with(consts, v), rhs)

    def forward(consts, rhs):
        x = solve(lambda v: matvec_with(consts, v), rhs)
        return x, (consts, x)

    def backward(residuals, g):
        consts, x = residuals
        if symmetric:
            rhs_cotangent = solve(lambda v: matvec_with(consts, v), g)
        elif transpose_solve is None:
            raise TypeError("transpose_solve required for backwards mode automatic "
                            "differentiation of custom_linear_solve")
        else:
            _, vecmat = _vjp(lambda v: matvec_with(consts, v), x)  # (its own transpose)
            rhs_cotangent = transpose_solve(lambda u: vecmat(u)[0], g)
        _, consts_vjp = _vjp(lambda c: matvec_with(c, x), consts)
        (consts_cotangent,) = consts_vjp(rhs_cotangent)
        consts_cotangent = [c if _dtype_of(c) == _float0 else neg(c) for c in consts_cotangent]
        return consts_cotangent, rhs_cotangent

    linear_solve.defvjp(forward, backward)
    return linear_solve(list(traced.consts), b)


def custom_root(f, initial_guess, solve, tangent_solve, has_aux=False):
    """The root x = solve(f, initial_guess) of f, differentiated implicitly (never through
    ``solve``): by the implicit function theorem, the values f closes over get minus their
    cotangent through f(x) of u, where u solves the transposed linearisation of f in x,
    J^T u = g, by ``tangent_solve(linear_map, g)``. The initial guess gets none."""
    if has_aux:
        raise NotImplementedError("funcad.lax.custom_root: has_aux=True is not implemented "
                                  "yet")
    traced = _trace_function(f, (initial_guess,))

    def f_with(consts, x):
        return _tree_unflatten(traced.out_tree, _run(traced.jaxpr, *consts, *_tree_leaves(x)))

    @_custom_vjp
    def root(consts, guess):
        return solve(lambda x: f_with(consts, x), guess)

    def forward(consts, guess):
        x = solve(lambda v: f_with(consts, v), guess)
        return x, (consts, x, guess)

    def backward(residuals, g):
        consts, x, guess = residuals
        _, transposed = _vjp(lambda v: f_with(consts, v), x)
        u = tangent_solve(lambda w: transposed(w)[0], g)
        _, consts_vjp = _vjp(lambda c: f_with(c, x), consts)
        (consts_cotangent,) = consts_vjp(u)
        consts_cotangent = [c if _dtype_of(c) == _float0 else neg(c) for c in consts_cotangent]
        return consts_cotangent, _tree_map(lambda v: full_like(v, 0), guess)

    root.defvjp(forward, backward)
    return root(list(traced.consts), initial_guess)


# ----------------------------------------------------------------------------------------------
# jax.lax's names that funcad.lax does not implement yet: asking for one says so.

_JAX_LAX_NAMES = frozenset("""
AccuracyMode ConvDimensionNumbers ConvGeneralDilatedDimensionNumbers DotAlgorithm
DotAlgorithmPreset DotDimensionNumbers FftType GatherDimensionNumbers GatherScatterMode
Precision PrecisionLike RaggedDotDimensionNumbers RandomAlgorithm RoundingMethod
ScatterDimensionNumbers Tolerance abs abs_p acos acos_p acosh acosh_p add add_p after_all
after_all_p all_gather all_gather_p all_to_all all_to_all_p and_p approx_max_k approx_min_k
approx_top_k_p argmax argmax_p argmin argmin_p asin asin_p asinh asinh_p associative_scan
atan atan2 atan2_p atan_p atanh atanh_p axis_index axis_index_p axis_size batch_matmul
bessel_i0e bessel_i0e_p bessel_i1e bessel_i1e_p betainc bitcast_convert_type
bitcast_convert_type_p bitwise_and bitwise_not bitwise_or bitwise_xor broadcast
broadcast_in_dim broadcast_in_dim_p broadcast_like broadcast_shapes broadcast_to_rank
broadcasted_iota cbrt cbrt_p ceil ceil_p clamp clamp_p clz clz_p collapse complex complex_p
composite concatenate concatenate_p cond cond_p conj conj_p conv conv_dimension_numbers
conv_general_dilated conv_general_dilated_local conv_general_dilated_p
conv_general_dilated_patches conv_general_permutations conv_general_shape_tuple
conv_shape_tuple conv_transpose conv_transpose_shape_tuple conv_with_general_padding
convert_element_type convert_element_type_p copy_p cos cos_p cosh cosh_p create_token
create_token_p cumlogsumexp cumlogsumexp_p cummax cummax_p cummin cummin_p cumprod cumprod_p
cumsum cumsum_p custom_linear_solve custom_root dce_sink dce_sink_p device_put_p digamma
digamma_p div div_p dot dot_general dot_general_p dtype dynamic_index_in_dim dynamic_slice
dynamic_slice_in_dim dynamic_slice_p dynamic_update_index_in_dim dynamic_update_slice
dynamic_update_slice_in_dim dynamic_update_slice_p empty eq eq_p eq_to_p erf erf_inv
erf_inv_p erf_p erfc erfc_p exp exp2 exp2_p exp_p expand_dims expm1 expm1_p fft fft_p floor
floor_p fori_loop full full_like gather gather_p ge ge_p gt gt_p igamma igamma_grad_a
igamma_grad_a_p igamma_p igammac igammac_p imag imag_p index_in_dim index_take integer_pow
integer_pow_p iota iota_p is_finite is_finite_p le le_p le_to_p lgamma lgamma_p linalg
linear_solve_p log log1p log1p_p log_p logistic logistic_p lt lt_p lt_to_p map max max_p min
min_p mul mul_p mulhi mulhi_p ne ne_p neg neg_p nextafter nextafter_p not_p
optimization_barrier optimization_barrier_p or_p pad pad_p padtype_to_pads pbroadcast pcast
platform_dependent pmax pmax_p pmean pmin pmin_p polygamma polygamma_p population_count
population_count_p pow pow_p ppermute ppermute_p precv psend pshuffle psum psum_p
psum_scatter pswapaxes ragged_all_to_all ragged_all_to_all_p ragged_dot ragged_dot_general
random_gamma_grad real real_p reciprocal reduce reduce_and reduce_and_p reduce_max
reduce_max_p reduce_min reduce_min_p reduce_or reduce_or_p reduce_p reduce_precision
reduce_precision_p reduce_prod reduce_prod_p reduce_sum reduce_sum_p reduce_window
reduce_window_max_p reduce_window_min_p reduce_window_p reduce_window_shape_tuple
reduce_window_sum_p reduce_xor reduce_xor_p regularized_incomplete_beta_p rem rem_p reshape
reshape_p rev rev_p rng_bit_generator rng_bit_generator_p rng_uniform rng_uniform_p round
round_p rsqrt rsqrt_p scaled_dot scan scan_p scatter scatter_add scatter_add_p scatter_apply
scatter_max scatter_max_p scatter_min scatter_min_p scatter_mul scatter_mul_p scatter_p
scatter_sub scatter_sub_p select select_and_gather_add_p select_and_scatter_add_p
select_and_scatter_p select_n select_n_p shape_as_value sharding_constraint_p shift_left
shift_left_p shift_right_arithmetic shift_right_arithmetic_p shift_right_logical
shift_right_logical_p sign sign_p sin sin_p sinh sinh_p slice slice_in_dim slice_p sort
sort_key_val sort_p split split_p sqrt sqrt_p square square_p squeeze squeeze_p stack
stack_p stage stage_p stop_gradient stop_gradient_p sub sub_p switch tan tan_p tanh tanh_p
tile tile_p top_k top_k_p transpose transpose_p unstack unstack_p while_loop while_p
with_sharding_constraint xor_p zeta zeta_p
""".split())


def __getattr__(name):
    if name in _JAX_LAX_NAMES:
        raise AttributeError(f"funcad.lax does not implement {name} yet (jax.lax.{name} has no "
                             f"funcad counterpart)")
    raise AttributeError(f"module 'funcad.lax' has no attribute {name!r}")
