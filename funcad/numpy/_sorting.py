"""Sorting in funcad.numpy: ``sort`` is a gather at ``argsort``'s indices, and so are
``partition``, ``lexsort`` and ``sort_complex``; the gradient of each goes back to the place
each selected element came from. Index outputs (``argsort``, ``searchsorted``...) are
integers and have no derivative.
"""

from __future__ import annotations

import operator
from typing import Any, Literal, Sequence

import numpy as np

from funcad.core import Tracer, dtype_of, shape_of
from funcad.numpy._conversion import as_operand, astype, ndim_of, normalize_axes
from funcad.numpy._indexing import IN_BOUNDS, getitem, take, take_along_axis
from funcad.numpy._shapes import concatenate, flip, ravel
from funcad.primitives.sorting import argsort as argsort_primitive
from funcad.primitives.sorting import searchsorted as searchsorted_primitive
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "argsort", "sort", "lexsort", "partition", "argpartition", "searchsorted", "sort_complex",
    "sorted_order",
]

_SortKind = Literal["quicksort", "mergesort", "heapsort", "stable"]
_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")
_SEARCH_METHODS = ("scan", "scan_unrolled", "sort", "compare_all")


def _check_sort_arguments(name: str, kind: Any, order: Any) -> None:
    if order is not None:
        raise ValueError(f"funcad.numpy.{name}: the order= argument (field names of structured "
                         f"arrays) is not supported")
    if kind not in _KINDS:
        raise ValueError(f"{name}: kind must be one of {_KINDS[1:]}, got {kind!r}")


def sorted_order(a: Any, axis: int, descending: bool = False) -> Any:
    """The stable sorting permutation of ``a`` along a normalized ``axis`` (for other
    modules, which have checked their arguments already)."""
    return argsort_primitive(a, axis, descending)


def argsort(a: ArrayLike, axis: int | None = -1, kind: _SortKind | None = None,
            order: None = None, *, stable: bool = True, descending: bool = False,
            dtype: DTypeLike | None = None) -> Array:
    """Indices that sort ``a`` along ``axis`` (always stable: equal elements keep their
    order, also when ``descending``). No derivative (integer output)."""
    _check_sort_arguments("argsort", kind, order)
    a = as_operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    (ax,) = normalize_axes(axis, ndim_of(a), "argsort")
    out = argsort_primitive(a, ax, bool(descending))
    return out if dtype is None else astype(out, dtype)


def sort(a: ArrayLike, axis: int | None = -1, kind: _SortKind | None = None,
         order: None = None, *, stable: bool = True, descending: bool = False) -> Array:
    """``a`` sorted along ``axis``; the gradient goes back to each element's original place."""
    _check_sort_arguments("sort", kind, order)
    a = as_operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    (ax,) = normalize_axes(axis, ndim_of(a), "sort")
    return take_along_axis(a, argsort_primitive(a, ax, bool(descending)), ax, mode=IN_BOUNDS)


def _keys_list(keys: Any) -> list[Any]:
    if isinstance(keys, (list, tuple)):
        return [as_operand(k) for k in keys]
    keys = as_operand(keys)
    if ndim_of(keys) == 0:
        raise TypeError("lexsort: need a sequence of keys with len > 0 (got a 0-d array)")
    return [getitem(keys, i) for i in range(shape_of(keys)[0])]


def lexsort(keys: ArrayLike | Sequence[ArrayLike], axis: int = -1) -> Array:
    """Indices sorting by several keys, the last key the primary one: a stable argsort by
    each key in turn, from the first (least significant) key to the last."""
    keys = _keys_list(keys)
    if not keys:
        raise TypeError("lexsort: need a sequence of keys with len > 0")
    shapes = {tuple(shape_of(k)) for k in keys}
    if len(shapes) != 1:
        raise ValueError(f"lexsort: all keys need to be the same shape, got {sorted(shapes)}")
    if ndim_of(keys[0]) == 0:
        return np.intp(0)
    (ax,) = normalize_axes(axis, ndim_of(keys[0]), "lexsort")
    perm = argsort_primitive(keys[0], ax, False)
    for key in keys[1:]:
        step = argsort_primitive(take_along_axis(key, perm, ax, mode=IN_BOUNDS), ax, False)
        perm = take_along_axis(perm, step, ax, mode=IN_BOUNDS)
    return perm


def _kth(kth: Any, n: int, name: str) -> int:
    if isinstance(kth, Tracer) or not isinstance(kth, (int, np.integer)) or isinstance(
            kth, (bool, np.bool_)):
        raise TypeError(f"funcad.numpy.{name}: kth must be a static integer, got {kth!r}")
    kth = operator.index(kth)
    if not -n <= kth < n:
        raise ValueError(f"{name}: kth(={kth}) out of bounds ({n})")
    return kth % n


def _split(x: Any, ax: int, at: int) -> tuple[Any, Any]:
    head = (slice(None),) * ax
    return getitem(x, head + (slice(None, at),)), getitem(x, head + (slice(at, None),))


def _check_partition_arguments(name: str, kind: Any, order: Any) -> None:
    if order is not None:
        raise ValueError(f"funcad.numpy.{name}: the order= argument (field names of "
                         f"structured arrays) is not supported")
    if kind != "introselect":
        raise ValueError(f"{name}: kind must be 'introselect', got {kind!r}")


def argpartition(a: ArrayLike, kth: int, axis: int | None = -1, kind: str = "introselect",
                 order: None = None) -> Array:
    """Indices partitioning ``a`` at ``kth`` as JAX orders them: the ``kth + 1`` smallest
    in sorted order, then the indices of the rest in increasing index order."""
    _check_partition_arguments("argpartition", kind, order)
    a = as_operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    (ax,) = normalize_axes(axis, ndim_of(a), "argpartition")
    k = _kth(kth, shape_of(a)[ax], "argpartition")
    bottom, rest = _split(argsort_primitive(a, ax, False), ax, k + 1)
    rest = take_along_axis(rest, argsort_primitive(rest, ax, False), ax, mode=IN_BOUNDS)
    return concatenate([bottom, rest], ax)


def partition(a: ArrayLike, kth: int, axis: int | None = -1, kind: str = "introselect",
              order: None = None) -> Array:
    """``a`` partitioned at ``kth`` as JAX orders it: the ``kth + 1`` smallest values in
    increasing order, then the others in decreasing order. The gradient goes to each
    value's original place."""
    _check_partition_arguments("partition", kind, order)
    a = as_operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    (ax,) = normalize_axes(axis, ndim_of(a), "partition")
    k = _kth(kth, shape_of(a)[ax], "partition")
    bottom, rest = _split(argsort_primitive(a, ax, False), ax, k + 1)
    return take_along_axis(a, concatenate([bottom, flip(rest, ax)], ax), ax, mode=IN_BOUNDS)


def searchsorted(a: ArrayLike, v: ArrayLike, side: str = "left",
                 sorter: ArrayLike | None = None, *, method: str = "scan") -> Array:
    """Where the values ``v`` would be inserted into the sorted 1-d ``a`` (``sorter``: the
    permutation that sorts ``a``). ``method`` is accepted for JAX compatibility; the result
    is the same for every method. No derivative (integer output)."""
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if method not in _SEARCH_METHODS:
        raise ValueError(f"searchsorted: method must be one of {_SEARCH_METHODS}, "
                         f"got {method!r}")
    a, v = as_operand(a), as_operand(v)
    if ndim_of(a) != 1:
        raise ValueError(f"searchsorted: a should be 1-dimensional, got shape {shape_of(a)}")
    if sorter is not None:
        a = take(a, as_operand(sorter))
    return searchsorted_primitive(a, v, side)


def sort_complex(a: ArrayLike) -> Array:
    """``a`` sorted by real part, then imaginary part, as a complex array (NumPy's dtypes:
    small integers give complex64, everything else complex128 unless already complex)."""
    a = as_operand(a)
    if dtype_of(a).kind != "c":
        a = astype(a, np.complex64 if dtype_of(a).char in "bhBH" else np.complex128)
    return sort(a, axis=-1)
