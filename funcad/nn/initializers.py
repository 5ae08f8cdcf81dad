"""funcad.nn.initializers: jax.nn.initializers, functions ``init(key, shape, dtype)`` that
draw parameter arrays from funcad.random.

Each public name but ``zeros`` and ``ones`` is a factory: ``glorot_normal(in_axis=-2,
out_axis=-1)`` returns the initializer. The draws are JAX's (the same calls to the random
functions, in the same order, with the same constants), so with funcad.random's bit-exact
generator a key gives JAX's numbers. The default dtype is float64, funcad's default float
(JAX's with x64 enabled).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

import funcad.numpy as fnp
from funcad import random
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "Initializer", "zeros", "ones", "constant", "uniform", "normal", "truncated_normal",
    "variance_scaling", "glorot_uniform", "glorot_normal", "xavier_uniform", "xavier_normal",
    "lecun_uniform", "lecun_normal", "he_uniform", "he_normal", "kaiming_uniform",
    "kaiming_normal", "orthogonal", "delta_orthogonal",
]

_TRUNCATED_STDDEV = .87962566103423978
"""The standard deviation of a standard normal truncated to (-2, 2)."""
_COMPLEX_TRUNCATED_STDDEV = .95311164380491208
"""The same for a complex standard normal truncated to modulus 2."""


@runtime_checkable
class Initializer(Protocol):
    """What every initializer is: ``init(key, shape, dtype=None) -> array``."""

    def __call__(self, key: random.KeyArrayLike, shape: Sequence[int],
                 dtype: DTypeLike | None = None, out_sharding: Any = None) -> Array:
        raise NotImplementedError


def _dtype(dtype: Any) -> np.dtype:
    return np.dtype(float if dtype is None else dtype)


def _shape(name: str, shape: Any) -> tuple[int, ...]:
    try:
        return (operator.index(shape),) if not isinstance(shape, Sequence) \
            else tuple(operator.index(d) for d in shape)
    except TypeError:
        raise TypeError(f"{name}: shape must be a sequence of integers, got {shape!r}.") \
            from None


def _no_sharding(name: str, out_sharding: Any) -> None:
    if out_sharding is not None:
        raise NotImplementedError(f"{name}: out_sharding is not supported (funcad runs on "
                                  f"one NumPy device); leave it None.")


def zeros(key: random.KeyArrayLike, shape: Sequence[int], dtype: DTypeLike | None = None,
          out_sharding: Any = None) -> Array:
    """An array of zeros (the key is unused)."""
    _no_sharding("zeros", out_sharding)
    return fnp.zeros(_shape("zeros", shape), _dtype(dtype))


def ones(key: random.KeyArrayLike, shape: Sequence[int], dtype: DTypeLike | None = None,
         out_sharding: Any = None) -> Array:
    """An array of ones (the key is unused)."""
    _no_sharding("ones", out_sharding)
    return fnp.ones(_shape("ones", shape), _dtype(dtype))


def constant(value: ArrayLike, dtype: DTypeLike | None = None) -> Initializer:
    """An initializer filling its arrays with ``value``."""
    def init(key: random.KeyArrayLike, shape: Sequence[int], dtype: DTypeLike | None = dtype,
             out_sharding: Any = None) -> Array:
        _no_sharding("constant", out_sharding)
        return fnp.full(_shape("constant", shape), value, dtype=_dtype(dtype))
    return init


def uniform(scale: ArrayLike = 1e-2, dtype: DTypeLike | None = None) -> Initializer:
    """An initializer drawing uniformly from [0, scale)."""
    def init(key: random.KeyArrayLike, shape: Sequence[int], dtype: DTypeLike | None = dtype,
             out_sharding: Any = None) -> Array:
        _no_sharding("uniform", out_sharding)
        dtype = _dtype(dtype)
        return fnp.multiply(random.uniform(key, _shape("uniform", shape), dtype),
                            fnp.array(scale, dtype))
    return init


def normal(stddev: ArrayLike = 1e-2, dtype: DTypeLike | None = None) -> Initializer:
    """An initializer drawing from a normal distribution of standard deviation ``stddev``."""
    def init(key: random.KeyArrayLike, shape: Sequence[int], dtype: DTypeLike | None = dtype,
             out_sharding: Any = None) -> Array:
        _no_sharding("normal", out_sharding)
        dtype = _dtype(dtype)
        return fnp.multiply(random.normal(key, _shape("normal", shape), dtype),
                            fnp.array(stddev, dtype))
    return init


def truncated_normal(stddev: ArrayLike = 1e-2, dtype: DTypeLike | None = None,
                     lower: ArrayLike = -2.0, upper: ArrayLike = 2.0) -> Initializer:
    """An initializer drawing ``stddev`` times a standard normal truncated to (lower, upper):
    the result's standard deviation is smaller than ``stddev``."""
    def init(key: random.KeyArrayLike, shape: Sequence[int], dtype: DTypeLike | None = dtype,
             out_sharding: Any = None) -> Array:
        _no_sharding("truncated_normal", out_sharding)
        dtype = _dtype(dtype)
        draws = random.truncated_normal(key, lower, upper, _shape("truncated_normal", shape),
                                        dtype)
        return fnp.multiply(draws, fnp.array(stddev, dtype))
    return init


def _size(shape: tuple[int, ...], axes: int | Sequence[int], name: str) -> int:
    try:
        if isinstance(axes, (int, np.integer)):
            return shape[axes]
        return math.prod(shape[i] for i in axes)
    except IndexError:
        raise ValueError(f"variance_scaling: {name} {axes!r} is out of range for a weight of "
                         f"shape {shape}.") from None


def _compute_fans(shape: tuple[int, ...], in_axis: int | Sequence[int] = -2,
                  out_axis: int | Sequence[int] = -1,
                  batch_axis: int | Sequence[int] = ()) -> tuple[float, float]:
    """(fan_in, fan_out): the input and output sizes, each times the receptive field (the
    product of the axes that are neither input, output nor batch)."""
    if isinstance(in_axis, int) and in_axis == -2 and len(shape) <= 1:
        raise ValueError(f"Can't compute input and output sizes of a {len(shape)}-dimensional "
                         f"weights tensor with default in_axis. Must be at least 2D or specify "
                         f"in_axis explicitly.")
    in_size = _size(shape, in_axis, "in_axis")
    out_size = _size(shape, out_axis, "out_axis")
    batch_size = _size(shape, batch_axis, "batch_axis")
    receptive_field_size = math.prod(shape) / in_size / out_size / batch_size
    return in_size * receptive_field_size, out_size * receptive_field_size


def _complex_dtype(dtype: np.dtype) -> tuple[np.dtype, np.dtype]:
    real = np.zeros((), dtype).real.dtype
    return real, np.result_type(real, np.complex64)


def _complex_uniform(key: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    """Uniform on the disc of radius sqrt(2) (variance 1): radius sqrt(2u), uniform angle."""
    key_r, key_theta = random.split(key)
    real, dtype = _complex_dtype(dtype)
    radius = fnp.sqrt(fnp.multiply(2, random.uniform(key_r, shape, real))).astype(dtype)
    theta = fnp.multiply(2 * np.pi, random.uniform(key_theta, shape, real).astype(dtype))
    return fnp.multiply(radius, fnp.exp(fnp.multiply(1j, theta)))


def _complex_truncated_normal(key: Any, upper: Any, shape: tuple[int, ...],
                              dtype: np.dtype) -> Any:
    """A complex standard normal conditioned on modulus < upper (inverse CDF of the modulus)."""
    key_r, key_theta = random.split(key)
    real, dtype = _complex_dtype(dtype)
    t = fnp.multiply(fnp.subtract(1, fnp.exp(fnp.array(-(upper ** 2), dtype))),
                     random.uniform(key_r, shape, real).astype(dtype))
    radius = fnp.sqrt(fnp.negative(fnp.log(fnp.subtract(1, t))))
    theta = fnp.multiply(2 * np.pi, random.uniform(key_theta, shape, real).astype(dtype))
    return fnp.multiply(radius, fnp.exp(fnp.multiply(1j, theta)))


_MODES = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
_DISTRIBUTIONS = ("truncated_normal", "normal", "uniform")


def variance_scaling(scale: float, mode: Literal["fan_in", "fan_out", "fan_avg", "fan_geo_avg"],
                     distribution: Literal["truncated_normal", "normal", "uniform"],
                     in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
                     batch_axis: int | Sequence[int] = (),
                     dtype: DTypeLike | None = None) -> Initializer:
    """An initializer whose draws have variance ``scale / n``, n the fan in, the fan out,
    their mean or their geometric mean (``mode``), from a truncated normal, a normal or a
    uniform ``distribution`` (for complex dtypes: their complex counterparts)."""
    def init(key: random.KeyArrayLike, shape: Sequence[int], dtype: DTypeLike | None = dtype,
             out_sharding: Any = None) -> Array:
        _no_sharding("variance_scaling", out_sharding)
        shape = _shape("variance_scaling", shape)
        dtype = _dtype(dtype)
        fan_in, fan_out = _compute_fans(shape, in_axis, out_axis, batch_axis)
        if mode == "fan_in":
            denominator = fan_in
        elif mode == "fan_out":
            denominator = fan_out
        elif mode == "fan_avg":
            denominator = (fan_in + fan_out) / 2
        elif mode == "fan_geo_avg":
            denominator = (fan_in * fan_out) ** 0.5
        else:
            raise ValueError(f"invalid mode for variance scaling initializer: {mode}; "
                             f"expected one of {_MODES}")
        variance = fnp.array(scale / denominator, dtype=dtype)
        floating = np.issubdtype(dtype, np.floating)
        if distribution == "truncated_normal":
            if floating:
                stddev = fnp.divide(fnp.sqrt(variance), fnp.array(_TRUNCATED_STDDEV, dtype))
                return fnp.multiply(random.truncated_normal(key, -2, 2, shape, dtype), stddev)
            stddev = fnp.divide(fnp.sqrt(variance), fnp.array(_COMPLEX_TRUNCATED_STDDEV, dtype))
            return fnp.multiply(_complex_truncated_normal(key, 2, shape, dtype), stddev)
        if distribution == "normal":
            return fnp.multiply(random.normal(key, shape, dtype), fnp.sqrt(variance))
        if distribution == "uniform":
            if floating:
                return fnp.multiply(random.uniform(key, shape, dtype, -1),
                                    fnp.sqrt(fnp.multiply(3, variance)))
            return fnp.multiply(_complex_uniform(key, shape, dtype), fnp.sqrt(variance))
        raise ValueError(f"invalid distribution for variance scaling initializer: "
                         f"{distribution}; expected one of {_DISTRIBUTIONS}")
    return init


def glorot_uniform(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
                   batch_axis: int | Sequence[int] = (),
                   dtype: DTypeLike | None = None) -> Initializer:
    """Glorot (Xavier) uniform: variance 1 / mean(fan_in, fan_out)."""
    return variance_scaling(1.0, "fan_avg", "uniform", in_axis=in_axis, out_axis=out_axis,
                            batch_axis=batch_axis, dtype=dtype)


def glorot_normal(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
                  batch_axis: int | Sequence[int] = (),
                  dtype: DTypeLike | None = None) -> Initializer:
    """Glorot (Xavier) normal: a truncated normal of variance 1 / mean(fan_in, fan_out)."""
    return variance_scaling(1.0, "fan_avg", "truncated_normal", in_axis=in_axis,
                            out_axis=out_axis, batch_axis=batch_axis, dtype=dtype)


def lecun_uniform(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
                  batch_axis: int | Sequence[int] = (),
                  dtype: DTypeLike | None = None) -> Initializer:
    """LeCun uniform: variance 1 / fan_in."""
    return variance_scaling(1.0, "fan_in", "uniform", in_axis=in_axis, out_axis=out_axis,
                            batch_axis=batch_axis, dtype=dtype)


def lecun_normal(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
                 batch_axis: int | Sequence[int] = (),
                 dtype: DTypeLike | None = None) -> Initializer:
    """LeCun normal: a truncated normal of variance 1 / fan_in."""
    return variance_scaling(1.0, "fan_in", "truncated_normal", in_axis=in_axis,
                            out_axis=out_axis, batch_axis=batch_axis, dtype=dtype)


def he_uniform(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
               batch_axis: int | Sequence[int] = (), dtype: DTypeLike | None = None) -> Initializer:
    """He (Kaiming) uniform: variance 2 / fan_in."""
    return variance_scaling(2.0, "fan_in", "uniform", in_axis=in_axis, out_axis=out_axis,
                            batch_axis=batch_axis, dtype=dtype)


def he_normal(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
              batch_axis: int | Sequence[int] = (), dtype: DTypeLike | None = None) -> Initializer:
    """He (Kaiming) normal: a truncated normal of variance 2 / fan_in."""
    return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis=in_axis,
                            out_axis=out_axis, batch_axis=batch_axis, dtype=dtype)


xavier_uniform = glorot_uniform
xavier_normal = glorot_normal
kaiming_uniform = he_uniform
kaiming_normal = he_normal


def orthogonal(scale: ArrayLike = 1.0, column_axis: int = -1,
               dtype: DTypeLike | None = None) -> Initializer:
    """An initializer of ``scale`` times a uniformly random orthogonal matrix: the shape
    without ``column_axis`` is flattened into rows, and the rows (or the columns, whichever
    are fewer) are orthonormal."""
    def init(key: random.KeyArrayLike, shape: Sequence[int], dtype: DTypeLike | None = dtype,
             out_sharding: Any = None) -> Array:
        _no_sharding("orthogonal", out_sharding)
        shape = _shape("orthogonal", shape)
        dtype = _dtype(dtype)
        if len(shape) < 2:
            raise ValueError("orthogonal initializer requires at least a 2D shape")
        if any(dim == 0 for dim in shape):
            return fnp.zeros(shape, dtype=dtype)
        n_rows, n_cols = math.prod(shape) // shape[column_axis], shape[column_axis]
        matrix = random.orthogonal(key, n_rows, (), dtype, n_cols)
        matrix = fnp.reshape(matrix, tuple(np.delete(shape, column_axis)) + (n_cols,))
        matrix = fnp.moveaxis(matrix, -1, column_axis)
        return fnp.multiply(fnp.array(scale, dtype), matrix)
    return init


def delta_orthogonal(scale: ArrayLike = 1.0, column_axis: int = -1,
                     dtype: DTypeLike | None = None) -> Initializer:
    """The delta-orthogonal initializer of convolution kernels (Xiao et al. 2018): zeros but
    at the spatial centre, which holds an orthogonal (in, out) matrix. Shapes are 3-, 4- or
    5-dimensional, spatial axes first, with in <= out."""
    def init(key: random.KeyArrayLike, shape: Sequence[int], dtype: DTypeLike | None = dtype,
             out_sharding: Any = None) -> Array:
        _no_sharding("delta_orthogonal", out_sharding)
        shape = _shape("delta_orthogonal", shape)
        dtype = _dtype(dtype)
        if len(shape) not in (3, 4, 5):
            raise ValueError("Delta orthogonal initializer requires a 3D, 4D or 5D shape.")
        if shape[-1] < shape[-2]:
            raise ValueError("`fan_in` must be less or equal than `fan_out`. ")
        matrix = orthogonal(scale=scale, column_axis=column_axis, dtype=dtype)(key, shape[-2:])
        centre = tuple((k - 1) // 2 for k in shape[:-2])
        return fnp.zeros(shape, dtype=dtype).at[centre].set(matrix)
    return init
