"""The basic samplers: uniform, normal, truncated_normal, bernoulli, randint, permutation,
choice and orthogonal, with JAX's algorithms so that equal keys give JAX's values.

A float in [0, 1) is made from random bits as JAX does: the top ``nmant`` bits become the
mantissa of a number in [1, 2), and 1 is subtracted. A normal is ``sqrt(2) erfinv(u)`` for
``u`` uniform in (-1, 1). Everything is written in ``funcad.numpy`` operations, so samples
trace under ``jit``, batch under ``vmap`` (over keys or parameters) and differentiate in their
parameters (``minval``/``maxval``, ``lower``/``upper``); the random bits themselves are
integers and have no derivative.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any, Literal, SupportsInt, cast

import numpy as np

import funcad.lax as lax
import funcad.numpy as fnp
from funcad.core import Tracer, dtype_of, shape_of
from funcad.numpy._array import with_at
from funcad.primitives.random import erf_inv, erf_inv_numpy, uniform_numpy
from funcad.random._keys import (
    UINT_DTYPES,
    KeyArrayLike,
    as_key_data,
    canonical_shape,
    random_bits,
    split,
)
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "uniform", "normal", "truncated_normal", "bernoulli", "randint", "permutation",
    "choice", "orthogonal", "check_shape", "float_dtype", "uniform_from_data",
    "normal_from_data", "gumbel", "broadcast_shape",
]


def float_dtype(name: str, dtype: Any) -> np.dtype:
    """A floating dtype (default float64, NumPy's) or an error naming ``name``."""
    dtype = np.dtype(float if dtype is None else dtype)
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"dtype argument to `{name}` must be a float dtype, got {dtype}")
    return dtype


def check_shape(name: str, shape: tuple[int, ...], *param_shapes: tuple[int, ...]) -> None:
    """The parameters must broadcast to exactly ``shape`` (JAX's rule and message)."""
    if not param_shapes:
        return
    try:
        result = np.broadcast_shapes(shape, *param_shapes)
    except ValueError:
        result = None
    if result != shape:
        raise ValueError(
            f"{name} parameter shapes must be broadcast-compatible with shape argument, and "
            f"the result of broadcasting the shapes must equal the shape argument, but got "
            f"result {result} for shape argument {shape} (parameter shapes "
            f"{list(param_shapes)}); pass shape=None or a shape the parameters broadcast to")


def broadcast_shape(name: str, shape: Any, *params: Any) -> tuple[int, ...]:
    """``shape`` checked against the parameters, or their broadcast shape if it is None."""
    param_shapes = [tuple(shape_of(p)) for p in params]
    if shape is None:
        try:
            return np.broadcast_shapes(*param_shapes) if param_shapes else ()
        except ValueError:
            raise ValueError(f"{name}: the parameter shapes {param_shapes} do not broadcast "
                             "together") from None
    shape = canonical_shape(name, shape)
    check_shape(name, shape, *param_shapes)
    return shape


_SPLITTER = 134217729.0  # 2^27 + 1: splits a float64 into two halves of 26 bits


def fused_multiply_add(a: Any, b: Any, c: Any, dtype: np.dtype) -> Any:
    """``a * b + c`` rounded once, as XLA's fused multiply-add computes it on CPU.

    Below float64 the product is exact in float64. In float64 it is Dekker's exact product
    and Knuth's exact sum, which round once but in rare double-rounding ties.
    """
    if dtype != np.float64:
        wide = np.dtype(np.float64)
        a, b, c = (lax.convert_element_type(v, wide) for v in (a, b, c))
        return lax.convert_element_type(fnp.add(fnp.multiply(a, b), c), dtype)
    product = fnp.multiply(a, b)
    scaled_a, scaled_b = fnp.multiply(_SPLITTER, a), fnp.multiply(_SPLITTER, b)
    a_high = fnp.subtract(scaled_a, fnp.subtract(scaled_a, a))
    b_high = fnp.subtract(scaled_b, fnp.subtract(scaled_b, b))
    a_low, b_low = fnp.subtract(a, a_high), fnp.subtract(b, b_high)
    product_error = fnp.add(fnp.add(fnp.add(
        fnp.subtract(fnp.multiply(a_high, b_high), product), fnp.multiply(a_high, b_low)),
        fnp.multiply(a_low, b_high)), fnp.multiply(a_low, b_low))
    total = fnp.add(product, c)
    c_part = fnp.subtract(total, product)
    sum_error = fnp.add(fnp.subtract(product, fnp.subtract(total, c_part)),
                        fnp.subtract(c, c_part))
    return fnp.add(total, fnp.add(sum_error, product_error))


def _is_power_of_two_span(minval: Any, maxval: Any) -> bool:
    """Whether ``maxval - minval`` is a known power of two (then the product is exact)."""
    if not (isinstance(minval, (np.ndarray, np.generic)) and
            isinstance(maxval, (np.ndarray, np.generic))):
        return False
    if np.shape(minval) or np.shape(maxval):
        return False
    span = float(np.subtract(maxval, minval))
    return span > 0 and math.frexp(span)[0] == 0.5


def _as_dtype(value: Any, dtype: np.dtype) -> Any:
    """A bound in the sample's dtype: converted by NumPy when concrete, so that a known
    power-of-two span takes the exact multiply even while tracing."""
    if isinstance(value, Tracer):
        return lax.convert_element_type(value, dtype)
    return np.asarray(value).astype(dtype)


def uniform_from_data(data: Any, shape: tuple[int, ...], dtype: np.dtype,
                      minval: Any = 0.0, maxval: Any = 1.0) -> Any:
    """Uniform floats in [minval, maxval) from one key's data (JAX's bits-to-float)."""
    finfo = np.finfo(dtype)
    nbits, nmant = finfo.bits, finfo.nmant
    if nbits not in (16, 32, 64):
        raise TypeError(f"uniform only accepts 16-, 32-, or 64-bit dtypes, got {dtype}")
    minval, maxval = (_as_dtype(v, dtype) for v in (minval, maxval))
    if (isinstance(data, np.ndarray) and nbits > 16 and math.prod(shape) > 0
            and _is_power_of_two_span(minval, maxval)):
        # A concrete key and an exact scaling: the same arithmetic, chunk by chunk in NumPy.
        key1, key2 = data.tolist()
        return with_at(uniform_numpy(key1, key2, shape, dtype, minval, maxval - minval))
    uint = UINT_DTYPES[nbits]
    raw = random_bits(data, nbits, shape)
    one = np.array(1.0, dtype).view(uint)
    mantissa = fnp.bitwise_or(fnp.right_shift(raw, uint(nbits - nmant)), one)
    floats = fnp.subtract(lax.bitcast_convert_type(mantissa, dtype), dtype.type(1))
    if dtype == np.float16 or _is_power_of_two_span(minval, maxval):
        scaled = fnp.add(fnp.multiply(floats, fnp.subtract(maxval, minval)), minval)
    else:
        scaled = fused_multiply_add(floats, fnp.subtract(maxval, minval), minval, dtype)
    scaled = fnp.broadcast_to(scaled, shape) if tuple(shape_of(scaled)) != shape else scaled
    return fnp.maximum(minval, scaled)


def uniform(key: KeyArrayLike, shape: Sequence[int] = (), dtype: DTypeLike | None = None,
            minval: ArrayLike = 0.0, maxval: ArrayLike = 1.0) -> Array:
    """Uniform random values in [minval, maxval)."""
    data, _ = as_key_data("uniform", key)
    dtype = float_dtype("uniform", dtype)
    return uniform_from_data(data, canonical_shape("uniform", shape), dtype, minval, maxval)


def normal_from_data(data: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    if np.issubdtype(dtype, np.complexfloating):
        real_dtype = np.dtype(np.finfo(dtype).dtype)
        real_key, imag_key = split(data)
        real = normal_from_data(real_key, shape, real_dtype)
        imag = normal_from_data(imag_key, shape, real_dtype)
        return fnp.divide(lax.complex(real, imag), dtype.type(np.sqrt(2)))
    low = np.nextafter(np.array(-1.0, dtype), np.array(0.0, dtype))
    u = uniform_from_data(data, shape, dtype, low, np.array(1.0, dtype))
    if isinstance(data, np.ndarray) and isinstance(u, np.ndarray):
        samples = erf_inv_numpy(u)  # a concrete key: no binds, and the product in place
        samples *= dtype.type(np.sqrt(2))
        return with_at(samples)
    return fnp.multiply(np.array(np.sqrt(2), dtype), erf_inv(u))


def normal(key: KeyArrayLike, shape: Sequence[int] = (), dtype: DTypeLike | None = None) -> Array:
    """Standard normal values (complex dtypes: real and imaginary parts of variance 1/2)."""
    data, _ = as_key_data("normal", key)
    dtype = np.dtype(float if dtype is None else dtype)
    if not np.issubdtype(dtype, np.inexact):
        raise ValueError(f"dtype argument to `normal` must be a float or complex dtype, "
                         f"got {dtype}")
    return normal_from_data(data, canonical_shape("normal", shape), dtype)


def truncated_normal(key: KeyArrayLike, lower: ArrayLike, upper: ArrayLike,
                     shape: Sequence[int] | None = None, dtype: DTypeLike | None = None) -> Array:
    """Standard normal values conditioned on lying in (lower, upper)."""
    data, _ = as_key_data("truncated_normal", key)
    dtype = float_dtype("truncated_normal", dtype)
    shape = broadcast_shape("truncated_normal", shape, lower, upper)
    sqrt2 = np.array(np.sqrt(2), dtype)
    lower = lax.convert_element_type(lower, dtype)
    upper = lax.convert_element_type(upper, dtype)
    a = lax.erf(fnp.divide(lower, sqrt2))
    b = lax.erf(fnp.divide(upper, sqrt2))
    u = uniform_from_data(data, shape, dtype, a, b)
    out = fnp.multiply(sqrt2, erf_inv(u))
    return fnp.clip(out, lax.nextafter(lax.stop_gradient(lower), np.array(np.inf, dtype)),
                    lax.nextafter(lax.stop_gradient(upper), np.array(-np.inf, dtype)))


def bernoulli(key: KeyArrayLike, p: ArrayLike = 0.5, shape: Sequence[int] | None = None,
              mode: Literal["high", "low"] = "low") -> Array:
    """Booleans that are True with probability ``p``."""
    data, _ = as_key_data("bernoulli", key)
    if mode not in ("high", "low"):
        raise ValueError(f"bernoulli: mode must be 'high' or 'low', got {mode!r}")
    p = fnp.asarray(p)
    dtype = np.dtype(dtype_of(p))
    if not np.issubdtype(dtype, np.floating):
        p = lax.convert_element_type(p, float)
        dtype = np.dtype(float)
    shape = broadcast_shape("bernoulli", shape, p)
    if mode == "high":
        both = uniform_from_data(data, (2,) + shape, dtype)
        u1, u2 = both[0], fnp.multiply(both[1], dtype.type(2.0 ** -np.finfo(dtype).nmant))
        return fnp.less(u2, fnp.subtract(p, u1))
    return fnp.less(uniform_from_data(data, shape, dtype), p)


def _clip_to(value: Any, dtype: np.dtype) -> Any:
    """Integer ``value`` converted to ``dtype``, clipped to its range rather than wrapped."""
    source = np.iinfo(np.dtype(dtype_of(value)))
    target = np.iinfo(dtype)
    low, high = max(source.min, target.min), min(source.max, target.max)
    clipped = fnp.clip(value, np.array(low, source.dtype), np.array(high, source.dtype))
    return lax.convert_element_type(clipped, dtype)


def _remainder(x: Any, span: Any) -> Any:
    """Unsigned ``x % span`` with XLA's ``x % 0 == x`` (a span that wrapped to 0 is 2**nbits)."""
    zero = fnp.equal(span, 0)
    return fnp.where(zero, x, fnp.remainder(x, fnp.where(zero, np.ones((), dtype_of(span)), span)))


def randint(key: KeyArrayLike, shape: Sequence[int], minval: ArrayLike, maxval: ArrayLike,
            dtype: DTypeLike = int) -> Array:
    """Integers in [minval, maxval) (biased like JAX's when the span is not a power of 2)."""
    data, _ = as_key_data("randint", key)
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.integer):
        raise TypeError(f"randint only accepts integer dtypes, got {dtype}")
    shape = canonical_shape("randint", shape)
    check_shape("randint", shape, tuple(shape_of(minval)), tuple(shape_of(maxval)))
    minval, maxval = fnp.asarray(minval), fnp.asarray(maxval)
    info = np.iinfo(dtype)
    if info.bits < 32:
        # 8- and 16-bit integers are drawn in 32 bits (less bias), then converted.
        int32 = np.dtype(np.int32)
        minval = fnp.clip(lax.convert_element_type(minval, int32), int32.type(info.min),
                          int32.type(info.max))
        maxval = fnp.clip(lax.convert_element_type(maxval, int32), int32.type(info.min),
                          int32.type(info.max + 1))
        return lax.convert_element_type(_randint(data, shape, minval, maxval, int32), dtype)
    return _randint(data, shape, minval, maxval, dtype)


def _randint(data: Any, shape: tuple[int, ...], minval: Any, maxval: Any,
             dtype: np.dtype) -> Any:
    if not np.issubdtype(dtype_of(minval), np.integer):
        minval = lax.convert_element_type(minval, int)
    if not np.issubdtype(dtype_of(maxval), np.integer):
        maxval = lax.convert_element_type(maxval, int)
    top = _clip_to(np.array(np.iinfo(dtype).max, dtype), np.dtype(dtype_of(maxval)))
    maxval_out_of_range = fnp.greater(maxval, top)
    minval, maxval = _clip_to(minval, dtype), _clip_to(maxval, dtype)
    nbits = np.iinfo(dtype).bits
    unsigned = UINT_DTYPES[nbits]
    first, second = split(data)
    higher, lower = random_bits(first, nbits, shape), random_bits(second, nbits, shape)
    span = lax.convert_element_type(fnp.subtract(maxval, minval), unsigned)
    span = fnp.where(fnp.less_equal(maxval, minval), unsigned(1), span)
    span = fnp.where(fnp.logical_and(maxval_out_of_range, fnp.greater(maxval, minval)),
                     fnp.add(span, unsigned(1)), span)
    with np.errstate(divide="ignore", over="ignore"):
        multiplier = _remainder(unsigned(2 ** (nbits // 2)), span)
        multiplier = _remainder(fnp.multiply(multiplier, multiplier), span)
        offset = fnp.add(fnp.multiply(_remainder(higher, span), multiplier),
                         _remainder(lower, span))
        offset = _remainder(offset, span)
    return fnp.add(minval, lax.convert_element_type(offset, dtype))


def _shuffle(data: Any, x: Any, axis: int) -> Any:
    """Sort by fresh random 32-bit keys, enough rounds that collisions do not bias the order."""
    size = math.prod(shape_of(x))
    rounds = int(np.ceil(3 * np.log(max(1, size)) / np.log(np.iinfo(np.uint32).max)))
    for _ in range(rounds):
        subkeys = split(data)
        data, subkey = subkeys[0], subkeys[1]
        sort_keys = random_bits(subkey, 32, tuple(shape_of(x)))
        _, x = lax.sort_key_val(sort_keys, x, axis)
    return x


def _normalize_axis(axis: Any, ndim: int, name: str) -> int:
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of bounds for an array of {ndim} "
                         "dimensions")
    return axis % ndim


def permutation(key: KeyArrayLike, x: ArrayLike, axis: int = 0, independent: bool = False) -> Array:
    """A random permutation of ``range(x)`` (int ``x``) or of ``x`` along ``axis``."""
    data, _ = as_key_data("permutation", key)
    x = fnp.asarray(x)
    if not shape_of(x):
        if not np.issubdtype(dtype_of(x), np.integer):
            raise TypeError("x must be an integer or at least 1-dimensional")
        return _shuffle(data, fnp.arange(int(x)), 0)
    axis = _normalize_axis(axis, len(shape_of(x)), "permutation")
    if independent or len(shape_of(x)) == 1:
        return _shuffle(data, x, axis)
    order = _shuffle(data, fnp.arange(shape_of(x)[axis]), 0)
    return fnp.take(x, order, axis, unique_indices=True)


def gumbel(key: KeyArrayLike, shape: Sequence[int] = (), dtype: DTypeLike | None = None,
           mode: Literal["low", "high", "highest"] | None = None) -> Array:
    """Standard Gumbel values: ``-log(-log(u))``."""
    data, _ = as_key_data("gumbel", key)
    dtype = float_dtype("gumbel", dtype)
    shape = canonical_shape("gumbel", shape)
    mode = "low" if mode is None else mode
    if mode not in ("low", "high", "highest"):
        raise ValueError(f"gumbel: mode must be 'low', 'high' or 'highest', got {mode!r}")
    finfo = np.finfo(dtype)
    if mode == "low" or (mode == "highest" and dtype == np.float32):
        # "highest" for float32 uses 64 bits of fixed point in JAX; here the "low" stream.
        u = uniform_from_data(data, shape, dtype, finfo.tiny, 1.0)
        return fnp.negative(fnp.log(fnp.negative(fnp.log(u))))
    both = uniform_from_data(data, (2,) + shape, dtype, 0.0, 1.0)
    high, low = both[0], both[1]
    nudged = fused_multiply_add(dtype.type(2.0 ** -finfo.nmant), low, high, dtype)
    x = fnp.where(high >= 0.5, high, fnp.add(nudged, finfo.tiny))
    return fnp.negative(fnp.log(fnp.negative(fnp.log1p(fnp.negative(x)))))


def choice(key: KeyArrayLike, a: ArrayLike, shape: Sequence[int] = (), replace: bool = True,
           p: ArrayLike | None = None, axis: int = 0,
           mode: Literal["low", "high", "highest"] | None = None) -> Array:
    """A random sample of ``a`` (or of ``range(a)`` for an int) along ``axis``."""
    data, _ = as_key_data("choice", key)
    if not isinstance(shape, Sequence):
        raise TypeError("shape argument of funcad.random.choice must be a sequence, "
                        f"got {shape}")
    shape = canonical_shape("choice", shape)
    array = fnp.asarray(a)
    ndim = len(shape_of(array))
    if ndim == 0:
        n_inputs = int(cast(SupportsInt, a))  # (a 0-d ``a`` is a scalar)
    else:
        axis = _normalize_axis(axis, ndim, "choice")
        n_inputs = shape_of(array)[axis]
    n_draws = math.prod(shape)
    if n_draws == 0:
        return fnp.zeros(shape, dtype=dtype_of(array))
    if n_inputs <= 0:
        raise ValueError("a must be greater than 0 unless no samples are taken")
    if not replace and n_draws > n_inputs:
        raise ValueError(f"Cannot take a larger sample (size {n_draws}) than population "
                         f"(size {n_inputs}) when 'replace=False'")
    if p is None:
        if replace:
            index = randint(data, shape, 0, n_inputs)
            result = index if ndim == 0 else fnp.take(array, index, axis)
        else:
            pool = fnp.asarray(n_inputs) if ndim == 0 else array
            shuffled = permutation(data, pool, axis)
            result = lax.slice_in_dim(shuffled, 0, n_draws, axis=0 if ndim == 0 else axis)
    else:
        p = fnp.asarray(p)
        if not np.issubdtype(dtype_of(p), np.inexact):
            p = lax.convert_element_type(p, float)
        if tuple(shape_of(p)) != (n_inputs,):
            raise ValueError("p must be None or a 1D vector with the same size as "
                             f"a.shape[axis]. p has shape {tuple(shape_of(p))} and "
                             f"a.shape[axis] is {n_inputs}.")
        if replace:
            cumulative = fnp.cumsum(p)
            u = uniform_from_data(data, shape, np.dtype(dtype_of(cumulative)))
            r = fnp.multiply(cumulative[-1], fnp.subtract(1, u))
            index = lax.convert_element_type(fnp.searchsorted(cumulative, r), int)
        else:
            g = fnp.add(gumbel(data, (n_inputs,), dtype_of(p), mode), fnp.log(p))
            index = lax.convert_element_type(lax.top_k(g, n_draws)[1], int)
        result = index if ndim == 0 else fnp.take(array, index, axis)
    array_shape = tuple(shape_of(array))
    final = shape if ndim == 0 else array_shape[:axis] + shape + array_shape[axis + 1:]
    return fnp.reshape(result, final)


def orthogonal(key: KeyArrayLike, n: int, shape: Sequence[int] = (), dtype: DTypeLike | None = None,
               m: int | None = None) -> Array:
    """Random matrices with orthonormal columns or rows, Haar-distributed (QR of normals)."""
    data, _ = as_key_data("orthogonal", key)
    shape = canonical_shape("orthogonal", shape)
    dtype = np.dtype(float if dtype is None else dtype)
    n = operator.index(n)
    m = n if m is None else operator.index(m)
    z = normal_from_data(data, (*shape, max(n, m), min(n, m)), dtype)
    q, r = fnp.linalg.qr(z)
    d = fnp.diagonal(r, axis1=-2, axis2=-1)
    x = fnp.multiply(q, fnp.expand_dims(fnp.sign(d), -2))
    return fnp.swapaxes(x, -1, -2) if n < m else x
