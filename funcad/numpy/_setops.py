"""Set operations: ``unique`` and its array-API forms, ``union1d``, ``intersect1d``,
``setdiff1d``, ``setxor1d`` and ``isin``.

Each is one stable sort and a mask over the sorted values (which elements start a group of
equal values, or which groups qualify), followed by a *compaction*: the ``j``-th selected
position is ``searchsorted(cumsum(mask), j + 1)``. Everything is a primitive with a batching
rule, so with a static ``size=`` (and ``fill_value=`` for the padding) these run under
``jit`` and ``vmap``; without it the number of results must be concrete, and an abstract
value raises funcad's concretization error naming ``size=``. Values are gathered from the
input, so their gradient goes to the first occurrence of each value (also without
``size=``, where JAX's gradient is zero); indices and counts are integers.
"""

from __future__ import annotations

import operator
from typing import Any, Literal, NamedTuple, cast, overload

import numpy as np

from funcad.core import Tracer, dtype_of, shape_of
from funcad.errors import ConcretizationTypeError
from funcad.numpy._conversion import as_operand, astype, ndim_of, normalize_axes
from funcad.numpy._elementwise import (
    equal,
    greater_equal,
    isnan,
    less,
    logical_and,
    logical_not,
    minimum,
    not_equal,
    subtract,
    where,
)
from funcad.numpy._indexing import getitem, take
from funcad.numpy._reductions import any as any_
from funcad.numpy._reductions import cumsum
from funcad.numpy._reductions import sum as sum_
from funcad.numpy._shapes import broadcast_to, concatenate, moveaxis, ravel, reshape
from funcad.numpy._sorting import lexsort, sorted_order
from funcad.primitives.sorting import searchsorted as searchsorted_primitive
from funcad.typing import Array, ArrayLike

__all__ = [
    "unique", "unique_all", "unique_counts", "unique_inverse", "unique_values", "union1d",
    "intersect1d", "setdiff1d", "setxor1d", "isin", "UniqueAllResult", "UniqueCountsResult",
    "UniqueInverseResult",
]


class UniqueAllResult(NamedTuple):
    values: Array
    indices: Array
    inverse_indices: Array
    counts: Array


class UniqueCountsResult(NamedTuple):
    values: Array
    counts: Array


class UniqueInverseResult(NamedTuple):
    values: Array
    inverse_indices: Array


_SIZE_FIXES = (
    "  - pass a static size= (and fill_value= for the padding): the result then has exactly "
    "size entries, and the function runs under jit and vmap;\n"
    "  - or call it outside jit/vmap, on concrete values.")


def _static_count(mask: Any, name: str) -> int:
    """How many entries of ``mask`` are true, as a Python int (the result's length)."""
    total = sum_(astype(mask, np.intp))
    if isinstance(total, Tracer):
        operation = f"funcad.numpy.{name}() without size= (its output shape depends on values)"
        try:
            total = total.concrete_value(operation)
        except ConcretizationTypeError:
            raise ConcretizationTypeError(operation, total.aval.str_short(),
                                          fixes=_SIZE_FIXES) from None
    return int(total)


def _size(size: Any, name: str) -> int | None:
    if size is None:
        return None
    if isinstance(size, Tracer):
        raise TypeError(f"funcad.numpy.{name}: size must be a static Python int, got a traced "
                        f"value")
    size = operator.index(size)
    if size < 0:
        raise ValueError(f"{name}: size must be non-negative, got {size}")
    return size


def _compact(mask: Any, size: int | None, name: str) -> tuple[Any, Any, int]:
    """The positions of the true entries of the 1-d ``mask``, in order, padded with
    ``len(mask)`` to ``size`` entries; whether each is real; and the length."""
    if shape_of(mask)[0] == 0:
        size = size or 0
        return np.zeros(size, np.intp), np.zeros(size, bool), size
    counts = cumsum(astype(mask, np.intp))
    if size is None:
        size = _static_count(mask, name)
        valid = None
    else:
        valid = less(np.arange(size), getitem(counts, -1))
    positions = searchsorted_primitive(counts, np.arange(1, size + 1, dtype=np.intp), "left")
    return positions, valid, size


def _group_starts(distinct: Any) -> tuple[Any, Any]:
    """For a sorted array whose ``distinct[i]`` says element ``i + 1`` differs from
    element ``i``: the mask of group starts, and each element's group's first position."""
    starts = concatenate([np.ones(1, bool), distinct])
    counts = cumsum(astype(starts, np.intp))
    return starts, searchsorted_primitive(counts, counts, "left")


def _rows_differ(aux: Any, equal_nan: bool) -> Any:
    """Whether each row of the sorted (n, m) ``aux`` differs from the row before it."""
    after, before = getitem(aux, slice(1, None)), getitem(aux, slice(None, -1))
    differ = not_equal(after, before)
    if equal_nan and dtype_of(aux).kind in "fc":
        differ = logical_and(differ, logical_not(logical_and(isnan(after), isnan(before))))
    return any_(differ, axis=1)


def _fill(values: Any, valid: Any, fill_value: Any) -> Any:
    if valid is None or fill_value is None:
        return values
    valid = reshape(valid, shape_of(valid) + (1,) * (ndim_of(values) - 1))
    return where(valid, values, np.asarray(fill_value).astype(dtype_of(values)))


def _unique(ar: Any, axis: Any, equal_nan: bool, size: Any, fill_value: Any,
            name: str) -> tuple[Any, Any, Any, Any]:
    """(values, first indices, inverse, counts) along ``axis`` (None: of the flattened
    array, whose inverse then has ``ar``'s shape)."""
    ar = as_operand(ar)
    size = _size(size, name)
    in_shape = tuple(shape_of(ar))
    if axis is None:
        rows, ax = reshape(ar, (-1, 1)), None
    else:
        (ax,) = normalize_axes(axis, ndim_of(ar), name)
        moved = moveaxis(ar, ax, 0)
        rows = reshape(moved, (shape_of(moved)[0], -1))
    n, m = shape_of(rows)
    item_shape = () if ax is None else tuple(shape_of(moveaxis(ar, ax, 0)))[1:]
    if n == 0:
        if size and fill_value is None:
            raise ValueError(f"{name}: for zero-sized input with nonzero size argument, "
                             f"fill_value must be specified")
        count = size or 0
        values = broadcast_to(np.asarray(0 if fill_value is None else fill_value,
                                         dtype_of(ar)), (count,) + item_shape)
        empty = np.zeros(count, np.intp)
        inverse = np.zeros(in_shape if ax is None else (0,), np.intp)
        return (values if ax is None else moveaxis(values, 0, ax)), empty, inverse, empty
    if m == 0:
        perm = np.arange(n)
        distinct = np.zeros(n - 1, bool)
    elif m == 1:
        perm = sorted_order(getitem(rows, (slice(None), 0)), 0)
    else:
        perm = lexsort([getitem(rows, (slice(None), j)) for j in range(m - 1, -1, -1)])
    aux = take(rows, perm, axis=0)
    if m:
        distinct = _rows_differ(aux, equal_nan)
    starts_mask, _ = _group_starts(distinct)
    starts, valid, size = _compact(starts_mask, size, name)
    # Group j ends where group j + 1 starts (n past the last group), so padding counts 0.
    group_counts = cumsum(astype(starts_mask, np.intp))
    ends = searchsorted_primitive(group_counts, np.arange(2, size + 2, dtype=np.intp), "left")
    counts = subtract(ends, starts)
    index = where(valid, starts, 0) if valid is not None else starts
    values = _fill(take(aux, index, axis=0), valid, fill_value)
    values = reshape(values, (size,) + item_shape)
    if ax is not None:
        values = moveaxis(values, 0, ax)
    first = take(perm, index)
    group = subtract(group_counts, 1)
    inverse = take(group, sorted_order(perm, 0))
    if ax is None:
        inverse = reshape(inverse, in_shape)
    return values, first, inverse, counts


@overload
def unique(ar: ArrayLike, return_index: Literal[False] = False,
           return_inverse: Literal[False] = False, return_counts: Literal[False] = False,
           axis: int | None = None, *, equal_nan: bool = True, size: int | None = None,
           fill_value: ArrayLike | None = None, sorted: bool = True) -> Array: ...
@overload
def unique(ar: ArrayLike, return_index: Literal[True], return_inverse: bool = False,
           return_counts: bool = False, axis: int | None = None, *, equal_nan: bool = True,
           size: int | None = None, fill_value: ArrayLike | None = None,
           sorted: bool = True) -> tuple[Array, ...]: ...
@overload
def unique(ar: ArrayLike, return_index: bool, return_inverse: Literal[True],
           return_counts: bool = False, axis: int | None = None, *, equal_nan: bool = True,
           size: int | None = None, fill_value: ArrayLike | None = None,
           sorted: bool = True) -> tuple[Array, ...]: ...
@overload
def unique(ar: ArrayLike, return_index: bool, return_inverse: bool,
           return_counts: Literal[True], axis: int | None = None, *, equal_nan: bool = True,
           size: int | None = None, fill_value: ArrayLike | None = None,
           sorted: bool = True) -> tuple[Array, ...]: ...
@overload
def unique(ar: ArrayLike, return_index: bool = False, *, return_inverse: Literal[True],
           return_counts: bool = False, axis: int | None = None, equal_nan: bool = True,
           size: int | None = None, fill_value: ArrayLike | None = None,
           sorted: bool = True) -> tuple[Array, ...]: ...
@overload
def unique(ar: ArrayLike, return_index: bool = False, return_inverse: bool = False, *,
           return_counts: Literal[True], axis: int | None = None, equal_nan: bool = True,
           size: int | None = None, fill_value: ArrayLike | None = None,
           sorted: bool = True) -> tuple[Array, ...]: ...
@overload
def unique(ar: ArrayLike, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: int | None = None, *, equal_nan: bool = True,
           size: int | None = None, fill_value: ArrayLike | None = None,
           sorted: bool = True) -> Array | tuple[Array, ...]: ...
def unique(ar: ArrayLike, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: int | None = None, *, equal_nan: bool = True,
           size: int | None = None, fill_value: ArrayLike | None = None,
           sorted: bool = True) -> Array | tuple[Array, ...]:
    """The sorted unique values of ``ar`` (rows along ``axis``), with the first index of
    each, the inverse mapping and the counts if asked. With ``size``: exactly ``size``
    entries, padded with ``fill_value`` (default: the smallest value), indices padded with
    the first one, counts with 0. ``sorted`` is accepted: the result is always sorted."""
    values, first, inverse, counts = _unique(ar, axis, equal_nan, size, fill_value, "unique")
    extra = [out for flag, out in ((return_index, first), (return_inverse, inverse),
                                   (return_counts, counts)) if flag]
    return (values, *extra) if extra else values


def unique_all(x: ArrayLike, /, *, size: int | None = None,
               fill_value: ArrayLike | None = None) -> UniqueAllResult:
    """``unique`` of the flattened ``x`` with everything (NaNs are all distinct, as the
    array API says); ``inverse_indices`` has ``x``'s shape."""
    return UniqueAllResult(*_unique(x, None, False, size, fill_value, "unique_all"))


def unique_counts(x: ArrayLike, /, *, size: int | None = None,
                  fill_value: ArrayLike | None = None) -> UniqueCountsResult:
    """The sorted unique values and how often each occurs, as a named tuple (``values``,
    ``counts``), as numpy.unique_counts. Under jit pass ``size=`` (the number of values to
    return) and ``fill_value=`` for the padding, as in JAX.

    >>> funcad.numpy.unique_counts(funcad.numpy.array([3, 1, 3]))
    UniqueCountsResult(values=Array([1, 3]), counts=Array([1, 2]))
    """
    values, _, _, counts = _unique(x, None, False, size, fill_value, "unique_counts")
    return UniqueCountsResult(values, counts)


def unique_inverse(x: ArrayLike, /, *, size: int | None = None,
                   fill_value: ArrayLike | None = None) -> UniqueInverseResult:
    """The sorted unique values and, for each element of ``x``, the index of its value, as a named
    tuple (``values``, ``inverse_indices``), as numpy.unique_inverse. Under jit pass ``size=``
    and ``fill_value=``, as in JAX.

    >>> funcad.numpy.unique_inverse(funcad.numpy.array([3, 1, 3]))
    UniqueInverseResult(values=Array([1, 3]), inverse_indices=Array([1, 0, 1]))
    """
    values, _, inverse, _ = _unique(x, None, False, size, fill_value, "unique_inverse")
    return UniqueInverseResult(values, inverse)


def unique_values(x: ArrayLike, /, *, size: int | None = None,
                  fill_value: ArrayLike | None = None) -> Array:
    """The sorted unique values of ``x``, flattened, as numpy.unique_values. Under jit pass
    ``size=`` and ``fill_value=``, as in JAX.

    >>> funcad.numpy.unique_values(funcad.numpy.array([3, 1, 3]))
    Array([1, 3])
    """
    return _unique(x, None, False, size, fill_value, "unique_values")[0]


def union1d(ar1: ArrayLike, ar2: ArrayLike, *, size: int | None = None,
            fill_value: ArrayLike | None = None) -> Array:
    """The sorted unique values of both (flattened) arrays."""
    both = concatenate([ravel(as_operand(ar1)), ravel(as_operand(ar2))])
    return _unique(both, None, True, size, fill_value, "union1d")[0]


def _tagged_sort(ar1: Any, ar2: Any) -> tuple[Any, Any, Any, Any, int]:
    """Both flattened arrays sorted together (stable, so within a group of equal values
    ``ar1``'s elements come first): the sorted values, the permutation, whether each
    sorted element comes from ``ar2``, where groups of equal values differ, and ``len(ar1)``.
    """
    a1, a2 = ravel(as_operand(ar1)), ravel(as_operand(ar2))
    n1 = shape_of(a1)[0]
    both = concatenate([a1, a2])
    perm = sorted_order(both, 0)
    aux = take(both, perm)
    from_second = greater_equal(perm, n1)
    after, before = getitem(aux, slice(1, None)), getitem(aux, slice(None, -1))
    distinct = not_equal(after, before)
    if dtype_of(aux).kind in "fc":
        # NaNs are one value within each array (NumPy's unique of each), never across them.
        same_array = equal(getitem(from_second, slice(1, None)),
                           getitem(from_second, slice(None, -1)))
        both_nan = logical_and(isnan(after), isnan(before))
        distinct = logical_and(distinct, logical_not(logical_and(both_nan, same_array)))
    return aux, perm, from_second, distinct, n1


def _select_groups(aux: Any, mask: Any, group_start: Any, size: Any, fill: Any,
                   name: str) -> tuple[Any, Any, Any]:
    """The values at the first element of the groups whose last element ``mask`` marks."""
    positions, valid, size = _compact(mask, size, name)
    total = shape_of(aux)[0]
    clipped = minimum(positions, max(total - 1, 0))
    first = take(group_start, clipped) if total else clipped
    values = take(aux, first) if total else broadcast_to(np.zeros((), dtype_of(aux)), (size,))
    return _fill(values, valid, fill), first, valid


def _last_of_group(distinct: Any) -> Any:
    return concatenate([distinct, np.ones(1, bool)])


@overload
def intersect1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False,
                return_indices: Literal[False] = False, *, size: int | None = None,
                fill_value: ArrayLike | None = None) -> Array: ...
@overload
def intersect1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False, *,
                return_indices: Literal[True], size: int | None = None,
                fill_value: ArrayLike | None = None) -> tuple[Array, Array, Array]: ...
@overload
def intersect1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool,
                return_indices: Literal[True], *, size: int | None = None,
                fill_value: ArrayLike | None = None) -> tuple[Array, Array, Array]: ...
@overload
def intersect1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False,
                return_indices: bool = False, *, size: int | None = None,
                fill_value: ArrayLike | None = None) -> Array | tuple[Array, Array, Array]: ...
def intersect1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False,
                return_indices: bool = False, *, size: int | None = None,
                fill_value: ArrayLike | None = None) -> Array | tuple[Array, Array, Array]:
    """The sorted values found in both arrays, with (``return_indices``) the index of each
    one's first occurrence in each. With ``size``: padded with ``fill_value`` (default: the
    smallest common value, 0 if none), indices with ``len(ar1)`` and ``len(ar2)``."""
    name = "intersect1d"
    size = _size(size, name)
    aux, perm, from_second, distinct, n1 = _tagged_sort(ar1, ar2)
    total = shape_of(aux)[0]
    if total == 0:
        mask = np.zeros(0, bool)
        group_start = np.zeros(0, np.intp)
    else:
        _, group_start = _group_starts(distinct)
        # A group holds both arrays when its first element is from ar1 and its last from ar2.
        first_from_second = take(from_second, group_start)
        mask = logical_and(logical_and(_last_of_group(distinct), from_second),
                           logical_not(first_from_second))
    positions, valid, size = _compact(mask, size, name)
    if total == 0:
        # (NumPy's arrays are Arrays: isinstance holds for them)
        values = cast(Array, np.full(size, 0 if fill_value is None else fill_value,
                                     dtype_of(aux)))
        empty = cast(Array, np.zeros(size, np.intp))
        return (values, empty, empty) if return_indices else values
    clipped = minimum(positions, total - 1)
    first = take(group_start, clipped)
    values = take(aux, first)
    if valid is not None:
        default = where(any_(mask), getitem(values, 0), np.zeros((), dtype_of(aux))) \
            if size else np.zeros((), dtype_of(aux))
        values = where(valid, values, default if fill_value is None else
                       np.asarray(fill_value).astype(dtype_of(aux)))
    if not return_indices:
        return values
    # The group's first ar2 element follows its ar1 elements.
    second_first = minimum(_first_from_second(from_second, first, clipped), total - 1)
    ind1 = take(perm, first)
    ind2 = subtract(take(perm, second_first), n1)
    if valid is not None:
        n2 = total - n1
        ind1, ind2 = where(valid, ind1, n1), where(valid, ind2, n2)
    return values, ind1, ind2


def _first_from_second(from_second: Any, start: Any, end: Any) -> Any:
    """Within each group ``[start, end]`` (sorted, ar1's elements first, ``start`` one of
    them), the position of the first element from ar2: ``start`` plus the number of ar1
    elements in the group."""
    from_first = cumsum(astype(logical_not(from_second), np.intp))
    return subtract(take(from_first, end), take(from_first, start)) + start + 1


def setdiff1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False, *,
              size: int | None = None, fill_value: ArrayLike | None = None) -> Array:
    """The sorted unique values of ``ar1`` not in ``ar2`` (with ``size``: padded with
    ``fill_value``, default 0)."""
    name = "setdiff1d"
    size = _size(size, name)
    aux, perm, from_second, distinct, n1 = _tagged_sort(ar1, ar2)
    if shape_of(aux)[0] == 0:
        return _select_groups(aux, np.zeros(0, bool), None, size, fill_value, name)[0]
    _, group_start = _group_starts(distinct)
    # Only ar1 in the group: its last element (ar2's come last) is from ar1.
    mask = logical_and(_last_of_group(distinct), logical_not(from_second))
    fill = 0 if fill_value is None else fill_value
    return _select_groups(aux, mask, group_start, size, fill, name)[0]


def setxor1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False, *,
             size: int | None = None, fill_value: ArrayLike | None = None) -> Array:
    """The sorted unique values in exactly one of the arrays (with ``size``: padded with
    ``fill_value``, default the smallest such value, 0 if none)."""
    name = "setxor1d"
    size = _size(size, name)
    aux, perm, from_second, distinct, n1 = _tagged_sort(ar1, ar2)
    if shape_of(aux)[0] == 0:
        return _select_groups(aux, np.zeros(0, bool), None, size, fill_value, name)[0]
    _, group_start = _group_starts(distinct)
    # One array only: the group's first and last elements come from the same array.
    mask = logical_and(_last_of_group(distinct),
                       equal(from_second, take(from_second, group_start)))
    values, _, valid = _select_groups(aux, mask, group_start, size, fill_value, name)
    if valid is not None and fill_value is None and size:
        default = where(any_(mask), getitem(values, 0), np.zeros((), dtype_of(aux)))
        values = where(valid, values, default)
    return values


def isin(element: ArrayLike, test_elements: ArrayLike, assume_unique: bool = False,
         invert: bool = False, *, method: str = "auto",
         kind: Literal["sort", "table"] | None = None) -> Array:
    """Whether each element of ``element`` is in ``test_elements`` (a boolean array of
    ``element``'s shape): a binary search in the sorted test elements, whatever ``method``
    (JAX's) or ``kind`` (NumPy's) asks for."""
    if kind not in (None, "sort", "table"):
        raise ValueError(f"isin: kind must be None, 'sort' or 'table', got {kind!r}")
    if method not in ("auto", "compare_all", "binary_search", "sort"):
        raise ValueError(f"isin: method must be one of 'auto', 'compare_all', "
                         f"'binary_search', 'sort', got {method!r}")
    element = as_operand(element)
    tests = ravel(as_operand(test_elements))
    n = shape_of(tests)[0]
    if n == 0:
        found = cast(Array, np.zeros(shape_of(element), bool))  # (a NumPy array is an Array)
    else:
        sorted_tests = take(tests, sorted_order(tests, 0))
        at = minimum(searchsorted_primitive(sorted_tests, element, "left"), n - 1)
        found = equal(take(sorted_tests, at), element)
    return logical_not(found) if invert else found

