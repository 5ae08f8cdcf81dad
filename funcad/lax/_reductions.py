"""funcad.lax's reductions (plain, windowed, cumulative) and sorting."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar, overload

import numpy as _np

from funcad.core import Tracer as _Tracer
from funcad.core import dtype_of as _dtype_of
from funcad.core import shape_of as _shape_of
from funcad.lax._common import as_array, normalize_axis, normalize_dims
from funcad.lax._elementwise import bitwise_and, bitwise_or, bitwise_xor, convert_element_type
from funcad.lax._products import padtype_to_pads, spatial_arg
from funcad.lax._shapes import index_in_dim, slice_in_dim
from funcad.primitives.elementwise import (
    add,
    logical_and,
    logical_or,
    max,
    min,
    mul,
)
from funcad.primitives.indexing import ArrayIndex as _ArrayIndex
from funcad.primitives.indexing import getitem
from funcad.primitives.lax_ops import pad as _pad
from funcad.primitives.lax_ops import windows as _windows
from funcad.primitives.reductions import (
    argmax_p as _argmax_p,
)
from funcad.primitives.reductions import (
    argmin_p as _argmin_p,
)
from funcad.primitives.reductions import cumlogsumexp as _cumlogsumexp
from funcad.primitives.reductions import cummax as _cummax
from funcad.primitives.reductions import cummin as _cummin
from funcad.primitives.reductions import cumprod as _cumprod
from funcad.primitives.reductions import cumsum as _cumsum
from funcad.primitives.reductions import (
    reduce_and_p as _reduce_and_p,
)
from funcad.primitives.reductions import reduce_max, reduce_min
from funcad.primitives.reductions import (
    reduce_or_p as _reduce_or_p,
)
from funcad.primitives.reductions import reduce_prod as _reduce_prod
from funcad.primitives.shape import (
    broadcast_to,
    transpose,
)
from funcad.primitives.shape import (
    convert_element_type as _convert,
)
from funcad.primitives.shape import reduce_sum as _reduce_sum
from funcad.primitives.shape import reshape as _reshape
from funcad.primitives.sorting import argsort as _argsort
from funcad.typing import Array, ArrayLike, DTypeLike

_T = TypeVar("_T")

__all__ = [
    "reduce_and", "reduce_or", "reduce_xor", "reduce_sum", "reduce_prod", "reduce",
    "reduce_window", "argmax", "argmin", "cumsum", "cumprod", "cummax", "cummin",
    "cumlogsumexp", "sort", "sort_key_val", "top_k", "approx_max_k", "approx_min_k",
    "optimization_barrier"
]


# ----------------------------------------------------------------------------------------------
# Reductions.


def reduce_and(operand: ArrayLike, axes: Sequence[int]) -> Array:
    """Logical (or bitwise, for integers) AND of ``operand`` over ``axes``, as
    ``jax.lax.reduce_and``.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.reduce_and(fnp.array([[True, False], [True, True]]), (1,)))
    [False  True]
    """
    return _reduce_and_p.bind(operand, axes=tuple(axes))


def reduce_or(operand: ArrayLike, axes: Sequence[int]) -> Array:
    """Logical (or bitwise, for integers) OR of ``operand`` over ``axes``, as ``jax.lax.reduce_or``.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.reduce_or(fnp.array([[True, False], [False, False]]), (1,)))
    [ True False]
    """
    return _reduce_or_p.bind(operand, axes=tuple(axes))


def reduce_xor(operand: ArrayLike, axes: Sequence[int]) -> Array:
    """The exclusive or over ``axes`` (booleans or integers): pairs are combined in log2(n)
    rounds (an odd length padded with 0, xor's identity)."""
    shape = tuple(_shape_of(operand))
    dtype = _dtype_of(operand)
    if dtype.kind not in "biu":
        raise TypeError(f"reduce_xor requires a boolean or integer operand, got {dtype.name}")
    axes = normalize_dims(axes, len(shape), "reduce_xor", "axes")
    kept = [d for d in range(len(shape)) if d not in axes]
    kept_shape = tuple(shape[d] for d in kept)
    m = int(_np.prod([shape[d] for d in axes], dtype=_np.int64))
    x = _reshape(transpose(operand, kept + list(axes)), kept_shape + (m,))
    if m == 0:
        return as_array(_np.zeros(kept_shape, dtype))
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


def _in_operand_dtype(reducer: Callable[..., Any],
                      name: str) -> Callable[[ArrayLike, Sequence[int]], Array]:
    """jax.lax never promotes: an int32 sum is int32, where NumPy's (and funcad's primitive)
    is int64. Integer results wrap around as XLA's do."""
    def fn(operand: ArrayLike, axes: Sequence[int]) -> Array:
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


# A list or tuple is several operands, as in JAX (so the overloads overlap on purpose).
@overload
def reduce(operands: Sequence[ArrayLike], init_values: Sequence[ArrayLike],  # type: ignore[overload-overlap]
           computation: Callable[..., Any], dimensions: Sequence[int]) -> tuple[Array, ...]: ...
@overload
def reduce(operands: ArrayLike, init_values: ArrayLike, computation: Callable[..., Any],
           dimensions: Sequence[int]) -> Array: ...
def reduce(operands: ArrayLike | Sequence[ArrayLike], init_values: Any,
           computation: Callable[..., Any],
           dimensions: Sequence[int]) -> Array | tuple[Array, ...]:
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
    dims = normalize_dims(dimensions, len(shape), "reduce")
    dtype = _dtype_of(operands)
    if any(shape[d] == 0 for d in dims):
        kept = tuple(n for i, n in enumerate(shape) if i not in dims)
        return broadcast_to(convert_element_type(init_values, dtype), kept)
    result = reducer(operands, dims)
    if not isinstance(init_values, _Tracer) and _is_identity(kind, init_values, dtype):
        return result
    return combiner(init_values, result)


# A list or tuple is several operands, as in JAX (so the overloads overlap on purpose).
@overload
def reduce_window(operand: Sequence[ArrayLike], init_value: Sequence[ArrayLike],  # type: ignore[overload-overlap]
                  computation: Callable[..., Any], window_dimensions: Sequence[int],
                  window_strides: Sequence[int] | None = None,
                  padding: str | Sequence[tuple[int, int]] = "VALID",
                  base_dilation: Sequence[int] | None = None,
                  window_dilation: Sequence[int] | None = None) -> tuple[Array, ...]: ...
@overload
def reduce_window(operand: ArrayLike, init_value: ArrayLike, computation: Callable[..., Any],
                  window_dimensions: Sequence[int], window_strides: Sequence[int] | None = None,
                  padding: str | Sequence[tuple[int, int]] = "VALID",
                  base_dilation: Sequence[int] | None = None,
                  window_dilation: Sequence[int] | None = None) -> Array: ...
def reduce_window(operand: ArrayLike | Sequence[ArrayLike], init_value: Any,
                  computation: Callable[..., Any],
                  window_dimensions: Sequence[int], window_strides: Sequence[int] | None = None,
                  padding: str | Sequence[tuple[int, int]] = "VALID",
                  base_dilation: Sequence[int] | None = None,
                  window_dilation: Sequence[int] | None = None) -> Array | tuple[Array, ...]:
    """Reduces every window (pooling), with ``computation`` one funcad knows (as in
    ``reduce``): the operand is padded (and dilated) with the computation's identity, the
    windows are one strided copy (positions first), reduced over the positions, and
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
    strides = spatial_arg(window_strides, count, "window_strides")
    base_dilation = spatial_arg(base_dilation, count, "base_dilation")
    window_dilation = spatial_arg(window_dilation, count, "window_dilation")
    windows = [(k - 1) * d + 1 for k, d in zip(window, window_dilation)]
    if isinstance(padding, str):
        padding = padtype_to_pads(shape, windows, strides, padding)
    pairs = [tuple(int(v) for v in pair) for pair in padding]
    if len(pairs) != count:
        raise ValueError(f"reduce_window: padding must have one (low, high) pair per axis, got "
                         f"{pairs}")
    dtype = _dtype_of(operand)
    config = [(low, high, d - 1) for (low, high), d in zip(pairs, base_dilation)]
    x = _pad(operand, _identity(kind, dtype), config) if any(map(any, config)) else operand
    stacked = _windows(x, window, strides, window_dilation)  # (positions, out...)
    out = tuple(_shape_of(stacked)[1:])
    if not _shape_of(stacked)[0]:
        return broadcast_to(convert_element_type(init_value, dtype), out)
    result = reducer(stacked, (0,))
    if not isinstance(init_value, _Tracer) and _is_identity(kind, init_value, dtype):
        return result
    return combiner(init_value, result)


def argmax(operand: ArrayLike, axis: int, index_dtype: DTypeLike) -> Array:
    """The index of the first maximum along ``axis``, in ``index_dtype``."""
    return _arg_reduction(_argmax_p, operand, axis, index_dtype, "argmax")


def argmin(operand: ArrayLike, axis: int, index_dtype: DTypeLike) -> Array:
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


class _Cumulative(Protocol):
    """A cumulative reduction's signature."""

    def __call__(self, operand: ArrayLike, axis: int = 0, reverse: bool = False) -> Array: ...


def _cumulative(primitive_fn: Callable[..., Any], name: str) -> _Cumulative:
    def fn(operand: ArrayLike, axis: int = 0, reverse: bool = False) -> Array:
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


# A list or tuple is several operands, as in JAX (so the overloads overlap on purpose).
@overload
def sort(operand: Sequence[ArrayLike], dimension: int = -1, is_stable: bool = True,  # type: ignore[overload-overlap]
         num_keys: int = 1) -> tuple[Array, ...]: ...
@overload
def sort(operand: ArrayLike, dimension: int = -1, is_stable: bool = True,
         num_keys: int = 1) -> Array: ...
def sort(operand: ArrayLike | Sequence[ArrayLike], dimension: int = -1, is_stable: bool = True,
         num_keys: int = 1) -> Array | tuple[Array, ...]:
    """Sorts along ``dimension`` (stably). A sequence of operands is sorted together, by
    the first ``num_keys`` of them (the first the most significant); returns a tuple."""
    single = not isinstance(operand, (list, tuple))
    operands = list(operand) if isinstance(operand, (list, tuple)) else [operand]
    if not 1 <= num_keys <= len(operands):
        raise ValueError(f"sort: num_keys must be between 1 and the number of operands "
                         f"{len(operands)}, got {num_keys}")
    shape = _shape_of(operands[0])
    if any(_shape_of(x) != shape for x in operands):
        raise TypeError(f"sort: all operands must have the same shape, got "
                        f"{[_shape_of(x) for x in operands]}")
    if not shape:
        raise ValueError("sort: the operand must have at least one axis")
    axis = normalize_axis(int(dimension), len(shape), "sort")
    order = _argsort(operands[num_keys - 1], axis)
    for key in operands[num_keys - 2::-1] if num_keys > 1 else ():
        order = _take_along(order, _argsort(_take_along(key, order, axis), axis), axis)
    results = tuple(_take_along(x, order, axis) for x in operands)
    return results[0] if single else results


def sort_key_val(keys: ArrayLike, values: ArrayLike, dimension: int = -1,
                 is_stable: bool = True) -> tuple[Array, Array]:
    """``keys`` sorted, and ``values`` in the same order."""
    sorted_keys, sorted_values = sort((keys, values), dimension, is_stable, 1)
    return sorted_keys, sorted_values


def top_k(operand: ArrayLike, k: int, *, axis: int = -1) -> tuple[Array, Array]:
    """The k largest elements along ``axis``, largest first (ties: the lower index first),
    and their indices (int32, as in JAX)."""
    return _top_k_along(operand, k, axis, True)


def approx_max_k(operand: ArrayLike, k: int, reduction_dimension: int = -1,
                 recall_target: float = 0.95, reduction_input_size_override: int = -1,
                 aggregate_to_topk: bool = True) -> tuple[Array, Array]:
    """The k largest along ``reduction_dimension`` and their indices: computed exactly (an
    exact answer meets every recall target)."""
    return _top_k_along(operand, k, reduction_dimension, True)


def approx_min_k(operand: ArrayLike, k: int, reduction_dimension: int = -1,
                 recall_target: float = 0.95, reduction_input_size_override: int = -1,
                 aggregate_to_topk: bool = True) -> tuple[Array, Array]:
    """The k smallest along ``reduction_dimension`` and their indices (exactly)."""
    return _top_k_along(operand, k, reduction_dimension, False)


def _top_k_along(operand, k, axis, largest):
    shape = _shape_of(operand)
    if not shape:
        raise ValueError("top_k: the operand must have at least one axis")
    axis = normalize_axis(int(axis), len(shape), "top_k")
    if int(k) != k or not 0 <= k <= shape[axis]:
        raise ValueError(f"k argument to top_k must be no larger than size along axis; got "
                         f"k={k} with shape={list(shape)} and axis={axis}")
    order = _argsort(operand, axis, largest)
    indices = slice_in_dim(order, 0, int(k), axis=axis)
    return _take_along(operand, indices, axis), convert_element_type(indices, _np.int32)


def optimization_barrier(operand: _T) -> _T:
    """The operand itself (a pytree): funcad's passes reorder nothing across calls anyway."""
    return operand
