"""Indexing: NumPy indices as the ``getitem`` primitive's static indexer and index arrays,
and the functions made of gathers and scatters (``take``, ``take_along_axis``, ``put``,
``choose``, ``select``...), with ``nonzero`` and the functions whose output shapes depend on
values (they need concrete values, or a static ``size=``).

``getitem`` is also ``Tracer.__getitem__``; ``normalize_index`` and ``index_with_mode`` serve
the ``.at[...]`` updates (``_array.py``). This module sits below ``_elementwise``, so the
arithmetic on index arrays is written with the elementwise primitives directly.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Sequence, cast

import numpy as np

from funcad.core import Tracer, dtype_of, shape_of
from funcad.errors import ConcretizationTypeError
from funcad.numpy._conversion import (
    as_operand,
    astype,
    concrete_value,
    contains_tracer,
    ndim_of,
    normalize_axes,
)
from funcad.primitives import elementwise as ew
from funcad.primitives import indexing
from funcad.primitives.indexing import ArrayIndex, Slice, index_update
from funcad.primitives.reductions import cumsum
from funcad.primitives.shape import broadcast_to, convert_element_type, reshape
from funcad.typing import Array, ArrayLike

__all__ = [
    "normalize_index", "getitem", "index_with_mode", "pad_axes", "crop_axes",
    "default_fill_value", "gather", "scatter", "sized_value",
    "take", "take_along_axis", "nonzero", "argwhere", "flatnonzero", "compress", "extract",
    "choose", "select", "piecewise", "place", "put", "put_along_axis", "ravel_multi_index",
    "unravel_index", "IN_BOUNDS",
]

# The gather mode for positions the library computes itself (a permutation, a clamped
# index): in bounds by construction, so no out-of-bounds handling is staged.
IN_BOUNDS = "promise_in_bounds"


def normalize_index(index: Any) -> tuple[tuple, list[Any]]:
    """Split a NumPy index into a static indexer and its integer index arrays. Boolean masks
    become integer arrays (they need concrete values: the result's shape depends on them)."""
    if not isinstance(index, tuple):
        index = (index,)
    indexer: list[Any] = []
    arrays: list[Any] = []
    for item in index:
        if item is None or item is Ellipsis:
            indexer.append(item)
        elif isinstance(item, slice):
            indexer.append(Slice(*(None if v is None else operator.index(v)
                                   for v in (item.start, item.stop, item.step))))
        elif isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_)):
            indexer.append(int(item))
        else:
            arr: Any  # a tracer or an ndarray
            if isinstance(item, Tracer):
                arr = item
            elif isinstance(item, (list, tuple)) and contains_tracer(item):
                arr = as_operand(item)
            else:
                arr = np.asarray(item)
                if arr.dtype == object:
                    raise IndexError(f"invalid index {item!r}")
            kind = dtype_of(arr).kind
            if kind == "b":
                value = _mask_value(arr)
                if np.ndim(value) == 0:
                    raise IndexError("funcad does not support a 0-d boolean index (x[True]); "
                                     "use x[None] or where()")
                for part in np.nonzero(value):
                    indexer.append(ArrayIndex(len(arrays)))
                    arrays.append(part)
            elif kind in "iu":
                indexer.append(ArrayIndex(len(arrays)))
                arrays.append(arr)
            else:
                raise IndexError(
                    f"only integers, slices (:), ellipsis (...), None, and integer or boolean "
                    f"arrays are valid indices; got {item!r} of dtype {dtype_of(arr).name}")
    return tuple(indexer), arrays


def getitem(x: Any, index: Any) -> Any:
    """``x[index]`` with NumPy's indexing rules."""
    indexer, arrays = normalize_index(index)
    return indexing.getitem(as_operand(x), indexer, *arrays)


# ----------------------------------------------------------------------------------------------
# Out-of-bounds indices: JAX's modes ("clip", "wrap", "fill"/"drop"), written as index
# arithmetic and a padded operand, so that gathers and scatters stay primitives.

_MODES = (None, "promise_in_bounds", "clip", "wrap", "fill", "drop")


def _item_axes(indexer: tuple, ndim: int) -> list[int | None]:
    """The axis of the operand each indexer item addresses (None for None/Ellipsis)."""
    consuming = sum(1 for item in indexer if item is not None and item is not Ellipsis)
    if consuming > ndim:
        raise IndexError(f"too many indices for array: array is {ndim}-dimensional, but "
                         f"{consuming} were indexed")
    axes: list[int | None] = []
    axis = 0
    for item in indexer:
        if item is None:
            axes.append(None)
        elif item is Ellipsis:
            axes.append(None)
            axis += ndim - consuming
        else:
            axes.append(axis)
            axis += 1
    return axes


def _int_array(a: Any) -> Any:
    return a if dtype_of(a).kind in "iu" else convert_element_type(a, np.intp)


def _wrap_negative(idx: Any, n: int) -> Any:
    return ew.select(ew.lt(idx, 0), ew.add(idx, n), idx)


def index_with_mode(shape: tuple[int, ...], indexer: tuple, arrays: list[Any],
                    mode: str | None) -> tuple[tuple, list[Any], tuple[int, ...]]:
    """The indexer and index arrays for ``mode``, and the axes on which the operand must be
    padded by one slot (index ``n``) that out-of-bounds indices are sent to."""
    if mode not in _MODES:
        raise ValueError(f"mode: expected one of {_MODES[1:]}, got {mode!r}")
    if mode in (None, "promise_in_bounds"):
        return indexer, arrays, ()
    new_indexer = list(indexer)
    new_arrays = list(arrays)
    padded: list[int] = []
    for pos, (item, axis) in enumerate(zip(indexer, _item_axes(indexer, len(shape)))):
        if axis is None or type(item) is Slice:
            continue
        n = shape[axis]
        if type(item) is int:
            if -n <= item < n:
                continue
            if mode == "clip":
                new_indexer[pos] = max(min(item, n - 1), 0) if n else item
            elif mode == "wrap":
                new_indexer[pos] = item % n if n else item
            else:
                new_indexer[pos] = n
                padded.append(axis)
            continue
        idx = _int_array(arrays[item.position])
        if n == 0:
            continue
        if not isinstance(idx, Tracer):
            # Concrete indices: NumPy's arithmetic, and nothing at all when they are in bounds
            # (NumPy wraps negative indices itself).
            concrete = np.asarray(idx)
            if not concrete.size or (concrete.min() >= -n and concrete.max() < n):
                continue
            normalized = np.where(concrete < 0, concrete + n, concrete)
            if mode == "clip":
                new_arrays[item.position] = np.clip(normalized, 0, n - 1)
            elif mode == "wrap":
                new_arrays[item.position] = concrete % n
            else:
                new_arrays[item.position] = np.where(
                    (normalized >= 0) & (normalized < n), normalized, n)
                padded.append(axis)
            continue
        if mode == "clip":
            idx = ew.min(ew.max(_wrap_negative(idx, n), 0), n - 1)
        elif mode == "wrap":
            idx = ew.rem(ew.add(ew.rem(idx, n), n), n)
        else:
            idx = _wrap_negative(idx, n)
            valid = ew.logical_and(ew.ge(idx, 0), ew.lt(idx, n))
            idx = ew.select(valid, idx, n)
            padded.append(axis)
        new_arrays[item.position] = idx
    return tuple(new_indexer), new_arrays, tuple(sorted(set(padded)))


def pad_axes(x: Any, axes: Sequence[int], value: Any) -> Any:
    """x with one more slot of ``value`` at the end of each of ``axes``."""
    for axis in axes:
        x_shape = shape_of(x)
        slot = broadcast_to(convert_element_type(value, dtype_of(x)),
                            x_shape[:axis] + (1,) + x_shape[axis + 1:])
        x = indexing.concatenate([x, slot], axis)
    return x


def crop_axes(x: Any, axes: Sequence[int]) -> Any:
    """Remove the slot ``pad_axes`` added."""
    if not axes:
        return x
    full = Slice(None, None, None)
    index = tuple(Slice(None, -1, None) if i in axes else full for i in range(ndim_of(x)))
    return indexing.getitem(x, index)


def default_fill_value(dtype: Any) -> Any:
    """JAX's value for out-of-bounds reads: NaN, the most negative (signed) or the largest
    (unsigned) integer, True."""
    dtype = np.dtype(dtype)
    if dtype.kind in "fc":
        return np.array(np.nan, dtype)
    if dtype.kind == "i":
        return np.array(np.iinfo(dtype).min, dtype)
    if dtype.kind == "u":
        return np.array(np.iinfo(dtype).max, dtype)
    return np.array(True)


def gather(x: Any, indexer: tuple, arrays: list[Any], mode: str | None,
           fill_value: Any = None) -> Any:
    """``x[index]`` with JAX's out-of-bounds ``mode``."""
    indexer, arrays, padded = index_with_mode(shape_of(x), indexer, arrays, mode)
    if padded:
        fill = default_fill_value(dtype_of(x)) if fill_value is None else fill_value
        x = pad_axes(x, padded, fill)
    return indexing.getitem(x, indexer, *arrays)


# ----------------------------------------------------------------------------------------------
# Gathers


def _flattened(a: Any) -> Any:
    """``ravel(a)``, from the primitive (the shape functions are built on this module); a
    concrete value stays concrete (NumPy's ravel), even under jit."""
    if not isinstance(a, Tracer):
        return np.ravel(a)
    return reshape(a, [int(np.prod(shape_of(a), dtype=np.int64))])


def _check_index_dtype(indices: Any, name: str) -> Any:
    """Integer indices (an empty list, and booleans, become intp, as in NumPy)."""
    indices = as_operand(indices)
    kind = dtype_of(indices).kind
    if kind == "b" or (kind == "f" and not isinstance(indices, Tracer)
                       and np.size(indices) == 0):
        return convert_element_type(indices, np.intp) if isinstance(indices, Tracer) else \
            np.asarray(indices, np.intp)
    if kind not in "iu":
        raise TypeError(f"{name}: indices must be an integer array, got dtype "
                        f"{dtype_of(indices).name}")
    return indices


def _raise_if_out_of_bounds(indices: Any, n: int, name: str) -> None:
    value = concrete_value(indices, f"{name}(mode='raise')")
    if value.size and (value.min() < -n or value.max() >= n):
        bad = value[(value < -n) | (value >= n)].flat[0]
        raise IndexError(f"{name}: index {bad} is out of bounds for axis with size {n}")


def take(a: ArrayLike, indices: ArrayLike, axis: int | None = None, out: None = None,
         mode: str | None = None, unique_indices: bool = False,
         indices_are_sorted: bool = False, fill_value: ArrayLike | None = None) -> Array:
    """Elements of ``a`` at ``indices`` along ``axis``. Out-of-bounds indices follow JAX:
    ``mode="fill"`` (the default) reads ``fill_value`` (NaN for floats), ``"clip"`` clamps
    and ``"wrap"`` wraps; ``"raise"`` checks concrete indices as NumPy does."""
    if out is not None:
        raise TypeError("take: the out= argument is not supported (use the return value)")
    a = as_operand(a)
    indices = _check_index_dtype(indices, "take")
    if axis is None:
        a, axis = _flattened(a), 0
    (ax,) = normalize_axes(axis, ndim_of(a), "take")
    n = shape_of(a)[ax]
    if mode == "raise":
        _raise_if_out_of_bounds(indices, n, "take")
        mode = "promise_in_bounds"
    elif mode is None:
        mode = "fill"
    elif mode not in ("fill", "clip", "wrap", "promise_in_bounds"):
        raise ValueError(f"take: invalid mode {mode!r}; expected 'fill', 'clip', 'wrap' or "
                         f"'raise'")
    if mode == "clip":  # (NumPy's clip does not wrap negative indices first)
        if isinstance(indices, Tracer):
            indices = ew.min(ew.max(indices, 0), max(n - 1, 0))
        else:
            indices = np.clip(indices, 0, max(n - 1, 0))
        mode = "promise_in_bounds"
    indexer = (Slice(None, None, None),) * ax + (ArrayIndex(0),)
    return gather(a, indexer, [indices], mode, fill_value)


def _along_axis_index(arr_shape: tuple[int, ...], idx_shape: tuple[int, ...],
                      ax: int) -> tuple[tuple, list[Any]]:
    """The index gathering ``indices`` along ``ax``: arange(n) broadcasts on the others."""
    if len(idx_shape) != len(arr_shape):
        raise ValueError(f"take_along_axis: indices and arr must have the same number of "
                         f"dimensions; got {len(idx_shape)} and {len(arr_shape)}")
    out_shape = tuple(i if k == ax else np.broadcast_shapes((i,), (n,))[0]
                      for k, (i, n) in enumerate(zip(idx_shape, arr_shape)))
    arrays: list[Any] = []
    for i, n in enumerate(arr_shape):
        if i == ax:
            arrays.append(None)
        else:
            shape_i = [1] * len(arr_shape)
            shape_i[i] = n if out_shape[i] == n else 1
            arrays.append(np.arange(shape_i[i]).reshape(shape_i) if shape_i[i] == n
                          else np.zeros(shape_i, np.intp))
    return tuple(ArrayIndex(i) for i in range(len(arr_shape))), arrays


def take_along_axis(arr: ArrayLike, indices: ArrayLike, axis: int | None,
                    mode: str | None = None, fill_value: ArrayLike | None = None) -> Array:
    """``arr`` gathered at ``indices`` along ``axis`` (None: the flattened array); other axes
    broadcast. Out-of-bounds indices follow JAX's ``mode`` (default ``"fill"``)."""
    arr = as_operand(arr)
    indices = _check_index_dtype(indices, "take_along_axis")
    if axis is None:
        if ndim_of(indices) != 1:
            raise ValueError("take_along_axis: when axis=None, indices must be 1-dimensional")
        arr, axis = _flattened(arr), 0
    (ax,) = normalize_axes(axis, ndim_of(arr), "take_along_axis")
    indexer, arrays = _along_axis_index(shape_of(arr), shape_of(indices), ax)
    arrays[ax] = indices
    return gather(arr, indexer, arrays, "fill" if mode is None else mode, fill_value)


# ----------------------------------------------------------------------------------------------
# Scatters (JAX's functional forms: inplace=False is required)


def _refuse_inplace(inplace: bool, name: str) -> None:
    if inplace:
        raise ValueError(f"{name}: funcad arrays are immutable, so {name} cannot modify its "
                         f"argument in place; pass inplace=False and use the return value")


def put(a: ArrayLike, ind: ArrayLike, v: ArrayLike, mode: str | None = None, *,
        inplace: bool = True) -> Array:
    """A copy of ``a`` with its flat positions ``ind`` set to ``v`` (repeated cyclically);
    out-of-bounds indices are clipped (``mode="clip"``, the default, after negative ones
    count from the end) or wrapped."""
    _refuse_inplace(inplace, "put")
    a = as_operand(a)
    ind = _flattened(_check_index_dtype(ind, "put"))
    v = _flattened(as_operand(v))
    size = int(np.prod(shape_of(a), dtype=np.int64))
    m, k = shape_of(ind)[0], shape_of(v)[0]
    if m == 0 or k == 0:
        return cast(Array, a)  # (the operand, unchanged)
    if mode == "raise":
        _raise_if_out_of_bounds(ind, size, "put")
    elif mode in (None, "clip"):  # (negative indices count from the end first, as in JAX)
        ind = ew.min(ew.max(_wrap_negative(ind, size), 0), size - 1)
    elif mode == "wrap":
        ind = ew.rem(ew.add(ew.rem(ind, size), size), size)
    else:
        raise ValueError(f"put: invalid mode {mode!r}; expected 'clip', 'wrap' or 'raise'")
    if k != m:
        v = indexing.getitem(v, (ArrayIndex(0),), np.arange(m) % k)
    flat = index_update(_flattened(a), astype(v, dtype_of(a)), (ArrayIndex(0),), "set", ind)
    return reshape(flat, shape_of(a))


def put_along_axis(arr: ArrayLike, indices: ArrayLike, values: ArrayLike, axis: int | None,
                   inplace: bool = True, mode: str | None = None) -> Array:
    """A copy of ``arr`` with ``values`` written at ``indices`` along ``axis``."""
    _refuse_inplace(inplace, "put_along_axis")
    arr = as_operand(arr)
    indices = _check_index_dtype(indices, "put_along_axis")
    arr_shape = shape_of(arr)
    if axis is None:
        if ndim_of(indices) != 1:
            raise ValueError("put_along_axis: when axis=None, indices must be 1-dimensional")
        flat = put_along_axis(_flattened(arr), indices, values, 0, inplace=False, mode=mode)
        return reshape(flat, arr_shape)
    (ax,) = normalize_axes(axis, ndim_of(arr), "put_along_axis")
    indexer, arrays = _along_axis_index(arr_shape, shape_of(indices), ax)
    arrays[ax] = indices
    return scatter(arr, astype(as_operand(values), dtype_of(arr)), indexer, arrays, "set",
                   "drop" if mode is None else mode)


def scatter(x: Any, values: Any, indexer: tuple, arrays: list[Any], kind: str,
            mode: str | None) -> Any:
    """``index_update`` with JAX's out-of-bounds ``mode`` (``"drop"``: ignored updates)."""
    indexer, arrays, padded = index_with_mode(shape_of(x), indexer, arrays, mode)
    if padded:
        x = pad_axes(x, padded, np.zeros((), dtype_of(x)))
    return crop_axes(index_update(x, values, indexer, kind, *arrays), padded)


def place(arr: ArrayLike, mask: ArrayLike, vals: ArrayLike, *, inplace: bool = True) -> Array:
    """A copy of ``arr`` with the positions where ``mask`` holds taken from ``vals`` in
    order, repeated cyclically (works under jit: the positions come from a cumsum)."""
    _refuse_inplace(inplace, "place")
    arr = as_operand(arr)
    mask = as_operand(mask)
    if shape_of(mask) != shape_of(arr):
        raise ValueError(f"place: mask and data must be the same shape, got {shape_of(mask)} "
                         f"and {shape_of(arr)}")
    vals = _flattened(astype(as_operand(vals), dtype_of(arr)))
    if shape_of(vals)[0] == 0:
        if not isinstance(mask, Tracer) and np.any(mask):
            raise ValueError("place: cannot insert from an empty vals")
        return cast(Array, arr)  # (the operand, unchanged)
    mask = ew.ne(mask, 0) if dtype_of(mask) != np.bool_ else mask
    flat_mask = _flattened(mask)
    if shape_of(flat_mask)[0] == 0:
        return cast(Array, arr)  # (the operand, unchanged)
    order = ew.sub(cumsum(convert_element_type(flat_mask, np.intp), 0), 1)
    picks = indexing.getitem(vals, (ArrayIndex(0),), ew.rem(ew.max(order, 0),
                                                              shape_of(vals)[0]))
    return reshape(ew.select(flat_mask, picks, _flattened(arr)), shape_of(arr))


# ----------------------------------------------------------------------------------------------
# Functions whose output shape depends on values: concrete values, or a static size=.


_SIZE_FIXES = (
    "  - pass a static size= (and fill_value=) to {name}: the output then has that fixed "
    "size, padded or truncated, and works under jit and vmap;\n"
    "  - or compute {name} outside the jitted function (or mark its input static with "
    "static_argnums / static_argnames)."
)


_MASK_FIXES = (
    "  - keep the shape instead: fnp.where(mask, x, 0) selects without changing it (and "
    "reductions take where=mask: fnp.sum(x, where=mask));\n"
    "  - or index with fnp.nonzero(mask, size=n, fill_value=...) for a fixed number of "
    "elements;\n"
    "  - or compute the mask outside the jitted function (or make its input static with "
    "static_argnums / static_argnames)."
)


def _mask_value(mask: Any) -> np.ndarray:
    """The concrete value of a boolean index (the result's shape depends on it), or funcad's
    concretization error with the ways to index by a traced mask."""
    if not isinstance(mask, Tracer):
        return np.asarray(mask)
    try:
        return np.asarray(mask.concrete_value("boolean mask indexing x[mask]"))
    except ConcretizationTypeError:
        raise ConcretizationTypeError(
            "boolean mask indexing x[mask] (its output shape depends on the mask's values)",
            mask.aval.str_short(), fixes=_MASK_FIXES) from None


def sized_value(a: Any, name: str) -> np.ndarray:
    """The concrete value of ``a`` for a value-dependent shape, or funcad's concretization
    error pointing to ``size=``."""
    if isinstance(a, Tracer):
        try:
            return np.asarray(a.concrete_value(
                f"funcad.numpy.{name}() (its output shape depends on values)"))
        except ConcretizationTypeError as error:
            if "size=" in str(error):
                raise
            raise ConcretizationTypeError(
                f"funcad.numpy.{name}() (its output shape depends on values)",
                a.aval.str_short(), fixes=_SIZE_FIXES.format(name=name)) from None
    return np.asarray(a)


def _check_size(size: Any, name: str) -> int:
    try:
        size = operator.index(size)
    except TypeError:
        raise TypeError(f"{name}: size must be a static integer, got {size!r}") from None
    if size < 0:
        raise ValueError(f"{name}: size must be nonnegative, got {size}")
    return size


def _flat_nonzero_sized(flat: Any, size: int) -> tuple[Any, Any]:
    """The positions of the first ``size`` nonzero entries of 1-d ``flat``, then ``fill``:
    each nonzero entry is scattered to its rank (a cumsum), the others to a dropped slot."""
    n = shape_of(flat)[0]
    mask = ew.ne(flat, 0)
    rank = ew.sub(cumsum(convert_element_type(mask, np.intp), 0), 1)
    target = ew.select(ew.logical_and(mask, ew.lt(rank, size)), rank, size)
    base = np.full(size + 1, -1, np.intp)
    positions = index_update(base, np.arange(n), (ArrayIndex(0),), "set", target)
    positions = indexing.getitem(positions, (Slice(0, size, None),))
    return positions, ew.lt(positions, 0)


def nonzero(a: ArrayLike, *, size: int | None = None,
            fill_value: ArrayLike | tuple[ArrayLike, ...] | None = None) -> tuple[Array, ...]:
    """The indices of the nonzero elements. With ``size=``, exactly that many per axis (the
    first ones, then ``fill_value``, default 0), computed without concrete values."""
    if size is None:
        if fill_value is not None:
            raise ValueError("nonzero: fill_value= needs size=")
        return cast("tuple[Array, ...]", np.nonzero(sized_value(a, "nonzero")))
    size = _check_size(size, "nonzero")
    a = as_operand(a)
    a_shape = shape_of(a)
    if len(a_shape) == 0:
        raise ValueError("nonzero: calling nonzero on 0d arrays is not allowed; use "
                         "atleast_1d(a)")
    positions, missing = _flat_nonzero_sized(_flattened(a), size)
    fills = fill_value if isinstance(fill_value, (tuple, list)) else (
        (0 if fill_value is None else fill_value),) * len(a_shape)
    if len(fills) != len(a_shape):
        raise ValueError(f"nonzero: fill_value must be a scalar or a tuple of length "
                         f"{len(a_shape)}, got {fill_value!r}")
    out = []
    for idx, fill in zip(unravel_index(ew.max(positions, 0), a_shape), fills):
        out.append(ew.select(missing, astype(fill, np.intp), idx))
    return tuple(out)


def argwhere(a: ArrayLike, *, size: int | None = None,
             fill_value: ArrayLike | tuple[ArrayLike, ...] | None = None) -> Array:
    """The indices of the nonzero elements, one row each (``size=`` as in ``nonzero``)."""
    if size is None:
        if fill_value is not None:
            raise ValueError("argwhere: fill_value= needs size=")
        return cast(Array, np.argwhere(sized_value(a, "argwhere")))
    a = as_operand(a)
    if ndim_of(a) == 0:
        a = reshape(a, (1,))
        rows = nonzero(a, size=size, fill_value=fill_value)
        return reshape(rows[0], (shape_of(rows[0])[0], 0))
    columns = nonzero(a, size=size, fill_value=fill_value)
    return indexing.concatenate([reshape(c, (shape_of(c)[0], 1)) for c in columns], 1)


def flatnonzero(a: ArrayLike, *, size: int | None = None,
                fill_value: ArrayLike | tuple[ArrayLike, ...] | None = None) -> Array:
    """The indices of the nonzero elements of the flattened array."""
    return nonzero(_flattened(as_operand(a)), size=size, fill_value=fill_value)[0]


def compress(condition: ArrayLike, a: ArrayLike, axis: int | None = None, *,
             size: int | None = None, fill_value: ArrayLike = 0, out: None = None) -> Array:
    """The slices of ``a`` along ``axis`` where ``condition`` holds (a shorter condition
    selects from the first ones; ``size=`` pads with ``fill_value``)."""
    if out is not None:
        raise TypeError("compress: the out= argument is not supported (use the return value)")
    a = as_operand(a)
    condition = as_operand(condition)
    if ndim_of(condition) != 1:
        raise ValueError("compress: condition must be a 1-d array")
    if axis is None:
        a, axis = _flattened(a), 0
    (ax,) = normalize_axes(axis, ndim_of(a), "compress")
    n = shape_of(a)[ax]
    m = shape_of(condition)[0]
    if m > n:
        if not isinstance(condition, Tracer) and np.any(np.asarray(condition)[n:]):
            raise IndexError(f"compress: condition has {m} entries (true past {n}) for an "
                             f"axis of size {n}")
        condition = cast(np.ndarray, condition)[:n] if not isinstance(condition, Tracer) else \
            indexing.getitem(condition, (Slice(0, n, None),))
        m = n
    head = (Slice(None, None, None),) * ax
    if size is None:
        picks = np.nonzero(sized_value(condition, "compress"))[0]
        return indexing.getitem(a, head + (ArrayIndex(0),), picks)
    size = _check_size(size, "compress")
    positions, missing = _flat_nonzero_sized(condition, size)
    taken = indexing.getitem(a, head + (ArrayIndex(0),), ew.max(positions, 0))
    shape = [1] * ndim_of(a)
    shape[ax] = size
    return ew.select(reshape(missing, shape), astype(fill_value, dtype_of(a)), taken)


def extract(condition: ArrayLike, arr: ArrayLike, *, size: int | None = None,
            fill_value: ArrayLike = 0) -> Array:
    """The elements of ``arr`` where ``condition`` holds, flattened."""
    condition = as_operand(condition)
    if dtype_of(condition) != np.bool_:
        condition = ew.ne(condition, 0) if isinstance(condition, Tracer) else \
            np.not_equal(condition, 0)
    return compress(_flattened(condition),
                    _flattened(as_operand(arr)), size=size, fill_value=fill_value)


# ----------------------------------------------------------------------------------------------
# Choosing between arrays


def _broadcast_all(*arrays: Any) -> list[Any]:
    shape = np.broadcast_shapes(*(shape_of(a) for a in arrays))
    return [broadcast_to(a, shape) if shape_of(a) != shape else a for a in arrays]


def choose(a: ArrayLike, choices: Sequence[ArrayLike], out: None = None,
           mode: str = "raise") -> Array:
    """``choices[a[i]][i]``, broadcasting ``a`` and the choices together."""
    if out is not None:
        raise TypeError("choose: the out= argument is not supported (use the return value)")
    a = _check_index_dtype(a, "choose")
    choices = [as_operand(c) for c in choices]
    if not choices:
        raise ValueError("choose: choices must not be empty")
    k = len(choices)
    if mode == "raise":
        value = concrete_value(a, "choose(mode='raise')")
        if value.size and (value.min() < 0 or value.max() >= k):
            raise ValueError("invalid entry in choice array")
    elif mode == "clip":
        a = ew.min(ew.max(a, 0), k - 1)
    elif mode == "wrap":
        a = ew.rem(ew.add(ew.rem(a, k), k), k)
    else:
        raise ValueError(f"choose: invalid mode {mode!r}; expected 'raise', 'wrap' or 'clip'")
    dtype = np.result_type(*(dtype_of(c) for c in choices))
    a, *choices = _broadcast_all(a, *[astype(c, dtype) for c in choices])
    chosen = choices[-1]
    for i in range(k - 2, -1, -1):
        chosen = ew.select(ew.eq(a, i), choices[i], chosen)
    return chosen


def select(condlist: Sequence[ArrayLike], choicelist: Sequence[ArrayLike],
           default: ArrayLike = 0) -> Array:
    """The choice of the first condition that holds, element by element, else ``default``."""
    if len(condlist) != len(choicelist):
        raise ValueError("select: list of cases must be same length as list of conditions")
    if not condlist:
        raise ValueError("select: select with an empty condition list is not possible")
    conds = [as_operand(c) for c in condlist]
    for i, c in enumerate(conds):
        if dtype_of(c) != np.bool_:
            raise TypeError(f"select: invalid entry {i} in condlist: should be boolean "
                            f"ndarray, got dtype {dtype_of(c).name}")
    choices = [as_operand(c) for c in choicelist]
    default = as_operand(default)
    dtype = np.result_type(*(dtype_of(c) for c in choices), dtype_of(default))
    out = astype(default, dtype)
    for cond, choice in zip(conds[::-1], choices[::-1]):
        out = ew.select(cond, astype(choice, dtype), out)
    shape = np.broadcast_shapes(*(shape_of(c) for c in conds + choices), shape_of(default))
    return broadcast_to(out, shape) if shape_of(out) != shape else out


def piecewise(x: ArrayLike, condlist: ArrayLike | Sequence[ArrayLike],
              funclist: Sequence[ArrayLike | Callable[..., ArrayLike]], *args: Any,
              **kw: Any) -> Array:
    """``funclist[i](x)`` where ``condlist[i]`` holds (the last true condition wins, as in
    NumPy), an extra last function where none does; constants stand for themselves. Every
    function is evaluated on all of ``x`` and the results selected."""
    x = as_operand(x)
    if isinstance(condlist, (Tracer, np.ndarray)) and ndim_of(condlist) == ndim_of(x) + 1:
        conds = [indexing.getitem(condlist, (i,)) for i in range(shape_of(condlist)[0])]
    elif isinstance(condlist, (list, tuple)):
        conds = [as_operand(c) for c in condlist]
    else:
        conds = [as_operand(condlist)]
    n = len(conds)
    if len(funclist) not in (n, n + 1):
        raise ValueError(f"piecewise: with {n} condition(s), either {n} or {n + 1} functions "
                         f"are needed, got {len(funclist)}")
    conds = [ew.ne(c, 0) if dtype_of(c) != np.bool_ else c for c in conds]

    def value(f: Callable[..., Any] | Any) -> Any:
        return as_operand(f(x, *args, **kw)) if callable(f) else as_operand(f)

    out: Any  # (an Array, or a NumPy scalar zero)
    if len(funclist) == n + 1:
        out = astype(value(funclist[-1]), dtype_of(x))
    else:
        out = np.zeros((), dtype_of(x))
    for cond, f in zip(conds, funclist[:n]):
        out = ew.select(cond, astype(value(f), dtype_of(x)), out)
    return broadcast_to(out, shape_of(x)) if shape_of(out) != shape_of(x) else out


# ----------------------------------------------------------------------------------------------
# Flat indices


def _dims(dims: Any) -> tuple[int, ...]:
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    return tuple(operator.index(d) for d in dims)


def ravel_multi_index(multi_index: Sequence[ArrayLike], dims: int | Sequence[int],
                      mode: str = "raise", order: str = "C") -> Array:
    """Flat indices of the coordinates ``multi_index`` into an array of shape ``dims``."""
    dims = _dims(dims)
    if len(multi_index) != len(dims):
        raise ValueError(f"ravel_multi_index: parameter multi_index must be a sequence of "
                         f"length {len(dims)}")
    if order not in ("C", "F"):
        raise ValueError(f"ravel_multi_index: order must be 'C' or 'F', got {order!r}")
    coords = [_check_index_dtype(i, "ravel_multi_index") for i in multi_index]
    fixed = []
    for c, d in zip(coords, dims):
        if mode == "raise":
            value = concrete_value(c, "ravel_multi_index(mode='raise')")
            if value.size and (value.min() < 0 or value.max() >= d):
                raise ValueError("invalid entry in coordinates array")
        elif mode == "clip":
            c = ew.min(ew.max(c, 0), d - 1)
        elif mode == "wrap":
            c = ew.rem(ew.add(ew.rem(c, d), d), d)
        else:
            raise ValueError(f"ravel_multi_index: invalid mode {mode!r}; expected 'raise', "
                             f"'wrap' or 'clip'")
        fixed.append(convert_element_type(c, np.intp))
    axes = range(len(dims)) if order == "C" else range(len(dims) - 1, -1, -1)
    out: Any = np.zeros((), np.intp)
    for i in axes:
        out = ew.add(ew.mul(out, dims[i]), fixed[i])
    shape = np.broadcast_shapes(*(shape_of(c) for c in fixed))
    return broadcast_to(out, shape) if shape_of(out) != shape else out


def unravel_index(indices: ArrayLike, shape: int | Sequence[int]) -> tuple[Array, ...]:
    """The coordinates of flat ``indices`` in an array of ``shape``. Concrete out-of-bounds
    indices are refused as NumPy does; traced ones are clipped, as in JAX."""
    shape = _dims(shape)
    indices = _check_index_dtype(indices, "unravel_index")
    total = int(np.prod(shape, dtype=np.int64))
    if not isinstance(indices, Tracer):
        value = np.asarray(indices)
        if value.size and (value.min() < -total or value.max() >= total):
            raise ValueError(f"unravel_index: index {value.max()} is out of bounds for array "
                             f"with size {total}")
    if total:
        indices = ew.min(ew.max(_wrap_negative(indices, total), 0), total - 1)
    out = []
    rest = convert_element_type(indices, np.intp)
    for d in shape[::-1]:
        out.append(ew.rem(rest, d) if d else rest)
        rest = ew.floor_divide(rest, d) if d else rest
    return tuple(out[::-1])

