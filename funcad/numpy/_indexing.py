"""Indexing: NumPy indices as the ``getitem`` primitive's static indexer and index arrays,
and the functions made of it (``take``, ``take_along_axis``), with ``nonzero`` and
``argwhere``, whose output shapes depend on values.

``getitem`` is also ``Tracer.__getitem__``, and ``normalize_index`` serves the ``.at[...]``
updates (``_array.py``).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from funcad.core import Tracer, dtype_of, shape_of
from funcad.numpy._conversion import as_operand, concrete_value, ndim_of, normalize_axes
from funcad.primitives import indexing
from funcad.primitives.indexing import ArrayIndex, Slice
from funcad.primitives.shape import reshape

__all__ = [
    "normalize_index", "getitem", "take", "take_along_axis", "nonzero", "argwhere",
]


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
            if isinstance(item, Tracer):
                arr = item
            else:
                arr = np.asarray(item)
                if arr.dtype == object:
                    raise IndexError(f"invalid index {item!r}")
            kind = dtype_of(arr).kind
            if kind == "b":
                value = concrete_value(arr, "boolean mask indexing")
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


def _flattened(a: Any) -> Any:
    """``ravel(a)``, from the primitive (the shape functions are built on this module)."""
    return reshape(a, [int(np.prod(shape_of(a), dtype=np.int64))])


def take(a: Any, indices: Any, axis: Any = None) -> Any:
    a = as_operand(a)
    if axis is None:
        a, axis = _flattened(a), 0
    (ax,) = normalize_axes(axis, ndim_of(a), "take")
    index = (slice(None),) * ax + (indices,)
    return getitem(a, index)


def take_along_axis(arr: Any, indices: Any, axis: int) -> Any:
    arr = as_operand(arr)
    (ax,) = normalize_axes(axis, ndim_of(arr), "take_along_axis")
    idx_shape = shape_of(indices)
    index = []
    for i, n in enumerate(shape_of(arr)):
        if i == ax:
            index.append(indices)
        else:
            shape_i = [1] * len(idx_shape)
            shape_i[i] = n
            index.append(np.arange(n).reshape(shape_i))
    return getitem(arr, tuple(index))


def nonzero(a: Any) -> tuple[Any, ...]:
    return np.nonzero(concrete_value(a, "nonzero"))


def argwhere(a: Any) -> Any:
    return np.argwhere(concrete_value(a, "argwhere"))
