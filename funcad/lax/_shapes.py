"""funcad.lax's shape operations: reshapes and broadcasts, static and dynamic slices, gather
and scatter."""

from __future__ import annotations

import builtins as _builtins
import enum as _enum
from collections.abc import Sequence
from typing import NamedTuple as _NamedTuple
from typing import cast

import numpy as _np

from funcad.core import Tracer as _Tracer
from funcad.core import dtype_of as _dtype_of
from funcad.core import shape_of as _shape_of
from funcad.lax._common import normalize_axis, normalize_dims
from funcad.lax._elementwise import convert_element_type
from funcad.primitives.elementwise import (
    add,
    ge,
    le,
    logical_and,
    lt,
    max,
    min,
    neg,
    select,
)
from funcad.primitives.indexing import ArrayIndex as _ArrayIndex
from funcad.primitives.indexing import Slice as _Slice
from funcad.primitives.indexing import concatenate as _concatenate
from funcad.primitives.indexing import getitem, index_update
from funcad.primitives.lax_ops import pad as _pad
from funcad.primitives.shape import (
    broadcast_to,
    transpose,
)
from funcad.primitives.shape import reshape as _reshape
from funcad.primitives.sorting import argsort as _argsort
from funcad.typing import Array, ArrayLike

__all__ = [
    "reshape", "broadcast_in_dim", "broadcast", "broadcast_to_rank", "broadcast_shapes",
    "broadcast_like", "stack", "unstack", "squeeze", "expand_dims", "collapse", "rev", "pad",
    "concatenate", "split", "tile", "slice", "slice_in_dim", "index_in_dim", "dynamic_slice",
    "dynamic_update_slice", "dynamic_slice_in_dim", "dynamic_index_in_dim",
    "dynamic_update_slice_in_dim", "dynamic_update_index_in_dim", "GatherDimensionNumbers",
    "ScatterDimensionNumbers", "GatherScatterMode", "gather", "scatter", "scatter_add",
    "scatter_sub", "scatter_max", "scatter_min", "scatter_mul"
]


# ----------------------------------------------------------------------------------------------
# Shapes.


def reshape(operand: ArrayLike, new_sizes: Sequence[int],
            dimensions: Sequence[int] | None = None) -> Array:
    """operand reshaped to ``new_sizes``, after transposing it to ``dimensions`` if given."""
    if dimensions is not None:
        dimensions = tuple(int(d) for d in dimensions)
        if sorted(dimensions) != list(range(len(_shape_of(operand)))):
            raise ValueError(f"reshape: dimensions {dimensions} must be a permutation of the "
                             f"operand's axes, for shape {_shape_of(operand)}")
        operand = transpose(operand, dimensions)
    return _reshape(operand, new_sizes)


def broadcast_in_dim(operand: ArrayLike, shape: Sequence[int],
                     broadcast_dimensions: Sequence[int]) -> Array:
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


def broadcast(operand: ArrayLike, sizes: Sequence[int]) -> Array:
    """New leading axes of the given sizes."""
    sizes = tuple(int(n) for n in sizes)
    ndim = len(_shape_of(operand))
    return broadcast_in_dim(operand, sizes + tuple(_shape_of(operand)),
                            tuple(range(len(sizes), len(sizes) + ndim)))


def broadcast_to_rank(x: ArrayLike, rank: int) -> Array:
    """x with leading axes of size 1 added up to ``rank``."""
    shape = tuple(_shape_of(x))
    if len(shape) >= rank:
        return cast(Array, x)  # (unconverted, as lax does: an array comes back as itself)
    return _reshape(x, (1,) * (rank - len(shape)) + shape)


def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]:
    """The shape that NumPy broadcasting gives ``shapes``, as ``jax.lax.broadcast_shapes``; raises
    ValueError when they do not broadcast.

    >>> from funcad import lax
    >>> print(lax.broadcast_shapes((2, 1), (1, 3)))
    (2, 3)
    """
    return tuple(_np.broadcast_shapes(*(tuple(s) for s in shapes)))


def broadcast_like(arr: ArrayLike, like_arr: ArrayLike) -> Array:
    """arr broadcast to like_arr's shape."""
    return broadcast_to(arr, tuple(_shape_of(like_arr)))


def stack(operands: Sequence[ArrayLike], axis: int = 0) -> Array:
    """The operands (of one shape) stacked along a new ``axis``."""
    operands = list(operands)
    if not operands:
        raise ValueError("stack: need at least one operand")
    shape = tuple(_shape_of(operands[0]))
    if any(tuple(_shape_of(x)) != shape for x in operands):
        raise ValueError(f"stack: all operands need the same shape, got "
                         f"{[tuple(_shape_of(x)) for x in operands]}")
    axis = normalize_axis(int(axis), len(shape) + 1, "stack")
    return concatenate([expand_dims(x, (axis,)) for x in operands], axis)


def unstack(x: ArrayLike, axis: int = 0) -> tuple[Array, ...]:
    """The slices of x along ``axis``, as a tuple."""
    shape = _shape_of(x)
    axis = normalize_axis(int(axis), len(shape), "unstack")
    return tuple(index_in_dim(x, i, axis, False) for i in range(shape[axis]))


def squeeze(array: ArrayLike, dimensions: Sequence[int]) -> Array:
    """Remove the size-1 axes ``dimensions`` of ``array``, as ``jax.lax.squeeze`` (ValueError if one
    of them is not of size 1).

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.squeeze(fnp.zeros((1, 3, 1)), (0, 2)).shape)
    (3,)
    """
    shape = _shape_of(array)
    dims = normalize_dims(dimensions, len(shape), "squeeze")
    if any(shape[d] != 1 for d in dims):
        raise ValueError(f"cannot select an axis to squeeze out which has size not equal to "
                         f"one, got shape={shape} and dimensions={tuple(dimensions)}")
    return _reshape(array, [n for i, n in enumerate(shape) if i not in dims])


def expand_dims(array: ArrayLike, dimensions: Sequence[int]) -> Array:
    """New axes of size 1 at ``dimensions`` (positions in the result)."""
    shape = list(_shape_of(array))
    dims = normalize_dims(dimensions, len(shape) + len(tuple(dimensions)), "expand_dims")
    for d in sorted(dims):
        shape.insert(d, 1)
    return _reshape(array, shape)


def collapse(operand: ArrayLike, start_dimension: int, stop_dimension: int | None = None) -> Array:
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


def rev(operand: ArrayLike, dimensions: Sequence[int]) -> Array:
    """operand reversed along ``dimensions``."""
    ndim = len(_shape_of(operand))
    dims = tuple(int(d) for d in dimensions)
    if any(not 0 <= d < ndim for d in dims):
        raise TypeError(f"rev dimensions must all be less than operand ndim, got dimensions "
                        f"{dims} for operand ndim {ndim}.")
    if not dims:
        return cast(Array, operand)  # (unconverted, as everywhere in lax)
    full_slice, backwards = _Slice(None, None, None), _Slice(None, None, -1)
    return getitem(operand, tuple(backwards if i in dims else full_slice for i in range(ndim)))


def pad(operand: ArrayLike, padding_value: ArrayLike,
        padding_config: Sequence[tuple[int, int, int]]) -> Array:
    """``padding_config`` holds (low, high, interior) per axis: ``low``/``high`` elements of
    ``padding_value`` before/after, ``interior`` between neighbours; negative low/high crop."""
    return _pad(operand, padding_value, padding_config)


def concatenate(operands: Sequence[ArrayLike], dimension: int) -> Array:
    """Join ``operands`` (same rank and dtype) along axis ``dimension``, as ``jax.lax.concatenate``.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.concatenate([fnp.ones(2), fnp.zeros(1)], 0))
    [1. 1. 0.]
    """
    operands = list(operands)
    if not operands:
        raise ValueError("concatenate: need at least one operand")
    ndim = len(_shape_of(operands[0]))
    return _concatenate(operands, normalize_axis(int(dimension), ndim, "concatenate"))


def split(operand: ArrayLike, sizes: Sequence[int], axis: int = 0) -> list[Array]:
    """operand cut along ``axis`` into pieces of the given sizes."""
    shape = _shape_of(operand)
    axis = normalize_axis(int(axis), len(shape), "split")
    sizes = [int(n) for n in sizes]
    if any(n < 0 for n in sizes) or _builtins.sum(sizes) != shape[axis]:
        raise ValueError(f"split: sizes must be nonnegative and sum to the size of axis "
                         f"{axis}, {shape[axis]}; got {sizes}")
    pieces, start = [], 0
    for n in sizes:
        pieces.append(slice_in_dim(operand, start, start + n, axis=axis))
        start += n
    return pieces


def tile(operand: ArrayLike, reps: Sequence[int]) -> Array:
    """Repeat ``operand`` ``reps[i]`` times along each axis i (one rep per axis), as
    ``jax.lax.tile``.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.tile(fnp.array([1, 2]), (2,)))
    [1 2 1 2]
    """
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


def slice(operand: ArrayLike, start_indices: Sequence[int], limit_indices: Sequence[int],
          strides: Sequence[int] | None = None) -> Array:
    """The static slice ``operand[start:limit:stride]`` in every axis (one entry per axis), as
    ``jax.lax.slice``.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.slice(fnp.arange(10), (1,), (8,), (3,)))
    [1 4 7]
    """
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


def slice_in_dim(operand: ArrayLike, start_index: int | None, limit_index: int | None,
                 stride: int = 1, axis: int = 0) -> Array:
    """Slice one axis, ``axis``, from ``start_index`` to ``limit_index`` (None: the whole axis) with
    ``stride``, as ``jax.lax.slice_in_dim``.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.slice_in_dim(fnp.arange(6).reshape(2, 3), 1, 3, axis=1))
    [[1 2]
     [4 5]]
    """
    shape = _shape_of(operand)
    axis = normalize_axis(int(axis), len(shape), "slice_in_dim")
    n = shape[axis]
    start = 0 if start_index is None else int(start_index)
    limit = n if limit_index is None else int(limit_index)
    start, limit = (start + n if start < 0 else start), (limit + n if limit < 0 else limit)
    starts, limits, strides = [0] * len(shape), list(shape), [1] * len(shape)
    starts[axis], limits[axis], strides[axis] = start, limit, int(stride)
    return slice(operand, starts, limits, strides)


def index_in_dim(operand: ArrayLike, index: int, axis: int = 0, keepdims: bool = True) -> Array:
    """Take the static ``index`` along ``axis``, keeping that axis (size 1) when ``keepdims``, as
    ``jax.lax.index_in_dim``.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.index_in_dim(fnp.arange(6).reshape(2, 3), 1, axis=0, keepdims=False))
    [3 4 5]
    """
    shape = _shape_of(operand)
    axis = normalize_axis(int(axis), len(shape), "index_in_dim")
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


def dynamic_slice(operand: ArrayLike, start_indices: ArrayLike | Sequence[ArrayLike],
                  slice_sizes: Sequence[int], *,
                  allow_negative_indices: bool | Sequence[bool] = True) -> Array:
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
        return cast(Array, operand)  # (unconverted, as everywhere in lax)
    indexer, arrays = _dynamic_index(shape, starts, sizes, allow_negative_indices,
                                     "dynamic_slice")
    return getitem(operand, indexer, *arrays)


def dynamic_update_slice(operand: ArrayLike, update: ArrayLike,
                         start_indices: ArrayLike | Sequence[ArrayLike], *,
                         allow_negative_indices: bool | Sequence[bool] = True) -> Array:
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
        return cast(Array, update)  # (unconverted, as everywhere in lax)
    indexer, arrays = _dynamic_index(shape, starts, update_shape, allow_negative_indices,
                                     "dynamic_update_slice")
    return index_update(operand, update, indexer, "set", *arrays)


def dynamic_slice_in_dim(operand: ArrayLike, start_index: ArrayLike, slice_size: int, axis: int = 0,
                         *, allow_negative_indices: bool | Sequence[bool] = True) -> Array:
    """A slice of ``slice_size`` along ``axis`` from a start that may be a traced value, as
    ``jax.lax.dynamic_slice_in_dim`` (the start is clamped into range).

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.dynamic_slice_in_dim(fnp.arange(6), 4, 3))
    [3 4 5]
    """
    shape = _shape_of(operand)
    axis = normalize_axis(int(axis), len(shape), "dynamic_slice_in_dim")
    starts: list[ArrayLike] = [0] * len(shape)
    starts[axis] = start_index
    sizes = list(shape)
    sizes[axis] = int(slice_size)
    return dynamic_slice(operand, starts, sizes, allow_negative_indices=allow_negative_indices)


def dynamic_index_in_dim(operand: ArrayLike, index: ArrayLike, axis: int = 0, keepdims: bool = True,
                         *, allow_negative_indices: bool | Sequence[bool] = True) -> Array:
    """Take a possibly traced ``index`` along ``axis`` (kept with size 1 when ``keepdims``), as
    ``jax.lax.dynamic_index_in_dim``.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.dynamic_index_in_dim(fnp.arange(6).reshape(3, 2), 2, keepdims=False))
    [4 5]
    """
    result = dynamic_slice_in_dim(operand, index, 1, axis,
                                  allow_negative_indices=allow_negative_indices)
    if keepdims:
        return result
    return squeeze(result, (normalize_axis(int(axis), len(_shape_of(operand)),
                                            "dynamic_index_in_dim"),))


def dynamic_update_slice_in_dim(operand: ArrayLike, update: ArrayLike, start_index: ArrayLike,
                                axis: int, *,
                                allow_negative_indices: bool | Sequence[bool] = True) -> Array:
    """``operand`` with ``update`` written along ``axis`` from a possibly traced ``start_index``, as
    ``jax.lax.dynamic_update_slice_in_dim``.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.dynamic_update_slice_in_dim(fnp.zeros(5), fnp.ones(2), 1, 0))
    [0. 1. 1. 0. 0.]
    """
    shape = _shape_of(operand)
    axis = normalize_axis(int(axis), len(shape), "dynamic_update_slice_in_dim")
    starts: list[ArrayLike] = [0] * len(shape)
    starts[axis] = start_index
    return dynamic_update_slice(operand, update, starts,
                                allow_negative_indices=allow_negative_indices)


def dynamic_update_index_in_dim(operand: ArrayLike, update: ArrayLike, index: ArrayLike, axis: int,
                                *, allow_negative_indices: bool | Sequence[bool] = True) -> Array:
    """``operand`` with ``update`` written at a possibly traced ``index`` along ``axis`` (``update``
    may lack that axis), as ``jax.lax.dynamic_update_index_in_dim``.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.dynamic_update_index_in_dim(fnp.zeros((3, 2)), fnp.ones(2), 1, 0))
    [[0. 0.]
     [1. 1.]
     [0. 0.]]
    """
    shape = _shape_of(operand)
    axis = normalize_axis(int(axis), len(shape), "dynamic_update_index_in_dim")
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

    offset_dims: tuple[int, ...]
    collapsed_slice_dims: tuple[int, ...]
    start_index_map: tuple[int, ...]
    operand_batching_dims: tuple[int, ...] = ()
    start_indices_batching_dims: tuple[int, ...] = ()


class ScatterDimensionNumbers(_NamedTuple):
    """Which update axes are window axes, which operand axes get a size-1 window with no
    update axis, which operand axis each index column addresses, and the batching axes."""

    update_window_dims: tuple[int, ...]
    inserted_window_dims: tuple[int, ...]
    scatter_dims_to_operand_dims: tuple[int, ...]
    operand_batching_dims: tuple[int, ...] = ()
    scatter_indices_batching_dims: tuple[int, ...] = ()


class GatherScatterMode(_enum.Enum):
    """Out-of-bounds windows: clamped into bounds (CLIP), filled or dropped (FILL_OR_DROP,
    scatter's default), or assumed absent (PROMISE_IN_BOUNDS, gather's default: a gather
    clamps then, a scatter drops)."""

    CLIP = "clip"
    FILL_OR_DROP = "fill"
    PROMISE_IN_BOUNDS = "promise_in_bounds"

    @staticmethod
    def from_any(mode: str | GatherScatterMode | None) -> GatherScatterMode:
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


def gather(operand: ArrayLike, start_indices: ArrayLike, dimension_numbers: GatherDimensionNumbers,
           slice_sizes: Sequence[int], *, unique_indices: bool = False,
           indices_are_sorted: bool = False, mode: str | GatherScatterMode | None = None,
           fill_value: ArrayLike | None = None) -> Array:
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


def scatter(operand: ArrayLike, scatter_indices: ArrayLike, updates: ArrayLike,
            dimension_numbers: ScatterDimensionNumbers, *, indices_are_sorted: bool = False,
            unique_indices: bool = False, mode: str | GatherScatterMode | None = None) -> Array:
    """XLA's scatter: each update window replaces the operand's window at its indices (out of
    bounds: dropped by default, clamped with mode='clip'; overlapping windows: the last)."""
    return _scatter(operand, scatter_indices, updates, dimension_numbers, mode, "set",
                    "scatter")


def scatter_add(operand: ArrayLike, scatter_indices: ArrayLike, updates: ArrayLike,
                dimension_numbers: ScatterDimensionNumbers, *, indices_are_sorted: bool = False,
                unique_indices: bool = False, mode: str | GatherScatterMode | None = None) -> Array:
    """XLA's scatter with addition: overlapping windows accumulate."""
    return _scatter(operand, scatter_indices, updates, dimension_numbers, mode, "add",
                    "scatter_add")


def scatter_sub(operand: ArrayLike, scatter_indices: ArrayLike, updates: ArrayLike,
                dimension_numbers: ScatterDimensionNumbers, *, indices_are_sorted: bool = False,
                unique_indices: bool = False, mode: str | GatherScatterMode | None = None) -> Array:
    """XLA's scatter with subtraction: ``operand`` with ``updates`` subtracted at
    ``scatter_indices`` (repeated indices subtract twice), as ``jax.lax.scatter_sub``;
    ``dimension_numbers`` is a ``ScatterDimensionNumbers``.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> dn = lax.ScatterDimensionNumbers((), (0,), (0,))
    >>> indices = fnp.array([[0], [2], [2]])
    >>> print(lax.scatter_sub(fnp.ones(3), indices, fnp.array([1.0, 0.5, 0.5]), dn))
    [0. 1. 0.]
    """
    return _scatter(operand, scatter_indices, neg(updates), dimension_numbers, mode, "add",
                    "scatter_sub")


def scatter_max(operand: ArrayLike, scatter_indices: ArrayLike, updates: ArrayLike,
                dimension_numbers: ScatterDimensionNumbers, *, indices_are_sorted: bool = False,
                unique_indices: bool = False, mode: str | GatherScatterMode | None = None) -> Array:
    """XLA's scatter with maximum: each element becomes the max of it and its updates."""
    return _scatter(operand, scatter_indices, updates, dimension_numbers, mode, "max",
                    "scatter_max")


def scatter_min(operand: ArrayLike, scatter_indices: ArrayLike, updates: ArrayLike,
                dimension_numbers: ScatterDimensionNumbers, *, indices_are_sorted: bool = False,
                unique_indices: bool = False, mode: str | GatherScatterMode | None = None) -> Array:
    """XLA's scatter with minimum: each element becomes the min of it and its updates."""
    return _scatter(operand, scatter_indices, updates, dimension_numbers, mode, "min",
                    "scatter_min")


def scatter_mul(operand: ArrayLike, scatter_indices: ArrayLike, updates: ArrayLike,
                dimension_numbers: ScatterDimensionNumbers, *, indices_are_sorted: bool = False,
                unique_indices: bool = False, mode: str | GatherScatterMode | None = None) -> Array:
    """XLA's scatter with multiplication: ``operand`` multiplied by ``updates`` at
    ``scatter_indices``, as ``jax.lax.scatter_mul``.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> dn = lax.ScatterDimensionNumbers((), (0,), (0,))
    >>> print(lax.scatter_mul(fnp.ones(3), fnp.array([[0], [2]]), fnp.array([2.0, 3.0]), dn))
    [2. 1. 3.]
    """
    return _scatter(operand, scatter_indices, updates, dimension_numbers, mode, "multiply",
                    "scatter_mul")
