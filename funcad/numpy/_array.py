"""JAX's functional ``.at[...]`` updates (``x.at[i].set(v)``, for tracers too), installed on
``Array`` (funcad.typing), with the indexing of an ``Array`` by a traced index.

funcad.numpy's functions return arrays viewed as ``Array``, so code written for jax.numpy,
``fnp.zeros(3).at[0].set(1.0)``, runs unchanged. It is a view, never a copy, and arithmetic
on it returns plain ndarrays, so the subclass costs nothing downstream.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from funcad.core import Tracer, dtype_of, shape_of
from funcad.numpy._conversion import as_operand, astype
from funcad.numpy._elementwise import (
    greater,
    maximum,
    minimum,
    negative,
    power,
    reciprocal,
    true_divide,
    where,
)
from funcad.numpy._indexing import (
    crop_axes,
    gather,
    getitem,
    index_with_mode,
    normalize_index,
    pad_axes,
)
from funcad.primitives import indexing
from funcad.primitives.indexing import ArrayIndex, build_index, index_update
from funcad.primitives.shape import broadcast_to, reshape
from funcad.primitives.sorting import argsort
from funcad.typing import Array, ArrayLike

__all__ = [
    "Array", "with_at", "returns_array", "IndexUpdateRef", "IndexUpdateHelper", "at",
    "ones_like_array",
]


_SCATTER_MODES = (None, "promise_in_bounds", "clip", "drop", "fill")


def _check_update_args(mode: Any, wrap_negative_indices: bool) -> Any:
    if mode not in _SCATTER_MODES:
        raise ValueError(f"x.at[...]: mode must be one of {_SCATTER_MODES[1:]}, got {mode!r}")
    if not wrap_negative_indices:
        raise NotImplementedError("x.at[...]: wrap_negative_indices=False is not supported")
    return "drop" if mode == "fill" else mode


class IndexUpdateRef:
    """``x.at[index]``: functional updates returning a new array. ``mode`` says what
    out-of-bounds indices do, as in JAX: ``"drop"`` ignores them (``"fill"`` for ``get``
    reads ``fill_value``), ``"clip"`` clamps them; by default they are refused as NumPy
    refuses them. ``indices_are_sorted`` and ``unique_indices`` are hints, accepted and
    not needed."""

    __slots__ = ("array", "index")

    def __init__(self, array: ArrayLike, index: Any):
        self.array = array
        self.index = index

    def _prepared(self, mode: Any) -> tuple[Any, tuple, list[Any], tuple[int, ...]]:
        """The (padded) operand, indexer, index arrays and padded axes for ``mode``."""
        x = as_operand(self.array)
        indexer, arrays = normalize_index(self.index)
        indexer, arrays, padded = index_with_mode(shape_of(x), indexer, arrays, mode)
        if padded:
            x = pad_axes(x, padded, np.zeros((), dtype_of(x)))
        return x, indexer, arrays, padded

    def _update(self, values: Any, kind: str, mode: Any = None) -> Any:
        x, indexer, arrays, padded = self._prepared(mode)
        values = astype(as_operand(values), dtype_of(x))
        return with_at(crop_axes(index_update(x, values, indexer, kind, *arrays), padded))

    def get(self, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None, fill_value: ArrayLike | None = None,
            wrap_negative_indices: bool = True) -> Array:
        if mode not in _SCATTER_MODES:
            raise ValueError(f"x.at[...].get: mode must be one of {_SCATTER_MODES[1:]}, got "
                             f"{mode!r}")
        _check_update_args(None, wrap_negative_indices)
        indexer, arrays = normalize_index(self.index)
        return gather(as_operand(self.array), indexer, arrays,
                      "fill" if mode == "drop" else mode, fill_value)

    def set(self, values: ArrayLike, *, indices_are_sorted: bool = False,
            unique_indices: bool = False, mode: str | None = None,
            wrap_negative_indices: bool = True) -> Array:
        return self._update(values, "set", _check_update_args(mode, wrap_negative_indices))

    def add(self, values: ArrayLike, *, indices_are_sorted: bool = False,
            unique_indices: bool = False, mode: str | None = None,
            wrap_negative_indices: bool = True) -> Array:
        return self._update(values, "add", _check_update_args(mode, wrap_negative_indices))

    def subtract(self, values: ArrayLike, *, indices_are_sorted: bool = False,
                 unique_indices: bool = False, mode: str | None = None,
                 wrap_negative_indices: bool = True) -> Array:
        return self._update(negative(values), "add",
                            _check_update_args(mode, wrap_negative_indices))

    def multiply(self, values: ArrayLike, *, indices_are_sorted: bool = False,
                 unique_indices: bool = False, mode: str | None = None,
                 wrap_negative_indices: bool = True) -> Array:
        return self._update(values, "multiply",
                            _check_update_args(mode, wrap_negative_indices))

    mul = multiply

    def divide(self, values: ArrayLike, *, indices_are_sorted: bool = False,
               unique_indices: bool = False, mode: str | None = None,
               wrap_negative_indices: bool = True) -> Array:
        """``x[idx] /= values``; an integer array keeps its dtype (the quotient truncated,
        as JAX does)."""
        mode = _check_update_args(mode, wrap_negative_indices)
        x = as_operand(self.array)
        if dtype_of(x).kind in "fc":
            return self._update(reciprocal(astype(as_operand(values), dtype_of(x))),
                                "multiply", mode)
        divisors = IndexUpdateRef(ones_like_array(x), self.index)._update(
            values, "multiply", mode)
        return with_at(astype(true_divide(x, divisors), dtype_of(x)))

    div = divide

    def power(self, values: ArrayLike, *, indices_are_sorted: bool = False,
              unique_indices: bool = False, mode: str | None = None,
              wrap_negative_indices: bool = True) -> Array:
        """``x[idx] **= values`` (repeated indices multiply their exponents, as in JAX)."""
        mode = _check_update_args(mode, wrap_negative_indices)
        x = as_operand(self.array)
        exponents = IndexUpdateRef(ones_like_array(x), self.index)._update(
            values, "multiply", mode)
        return with_at(astype(power(x, exponents), dtype_of(x)))

    def min(self, values: ArrayLike, *, indices_are_sorted: bool = False,
            unique_indices: bool = False, mode: str | None = None,
            wrap_negative_indices: bool = True) -> Array:
        """``x[idx] = minimum(x[idx], values)``, every value at a repeated index counted."""
        return self._extremum(values, minimum,
                              _check_update_args(mode, wrap_negative_indices))

    def max(self, values: ArrayLike, *, indices_are_sorted: bool = False,
            unique_indices: bool = False, mode: str | None = None,
            wrap_negative_indices: bool = True) -> Array:
        """``x[idx] = maximum(x[idx], values)``, every value at a repeated index counted."""
        return self._extremum(values, maximum,
                              _check_update_args(mode, wrap_negative_indices))

    def _extremum(self, values: Any, combine: Callable[..., Any], mode: Any) -> Any:
        x, indexer, arrays, padded = self._prepared(mode)
        current = indexing.getitem(x, indexer, *arrays)
        target = shape_of(current)
        values = astype(as_operand(values), dtype_of(x))
        if len(shape_of(values)) > len(target):  # extra leading 1-sized axes
            values = reshape(values, target)
        values = broadcast_to(values, target)
        if arrays and _may_repeat(shape_of(x), indexer, arrays):
            # Repeated positions: order the updates by position, and within a position so
            # that the extremum comes last (two stable argsorts); a "set" keeps the last
            # write, so each position receives combine(x, its extremum update).
            m = int(np.prod(target, dtype=np.int64))
            size = int(np.prod(shape_of(x), dtype=np.int64))
            ids = np.arange(size).reshape(shape_of(x))
            positions = reshape(indexing.getitem(ids, indexer, *arrays), (m,))
            flat_values = reshape(values, (m,))
            if combine is maximum:
                by_value = argsort(flat_values, 0, False)
            elif dtype_of(x).kind in "fc":  # (NaNs sort last, so they are written last)
                by_value = argsort(negative(flat_values), 0, False)
            else:
                by_value = argsort(flat_values, 0, True)
            first = (ArrayIndex(0),)
            by_position = argsort(indexing.getitem(positions, first, by_value), 0, False)
            order = indexing.getitem(by_value, first, by_position)
            where_to = indexing.getitem(positions, first, order)
            flat = reshape(x, (size,))
            new = combine(indexing.getitem(flat, first, where_to),
                          indexing.getitem(flat_values, first, order))
            updated = reshape(index_update(flat, new, first, "set", where_to), shape_of(x))
            return with_at(crop_axes(updated, padded))
        updated = index_update(x, combine(current, values), indexer, "set", *arrays)
        return with_at(crop_axes(updated, padded))

    def apply(self, func: Callable[[Array], ArrayLike], *, indices_are_sorted: bool = False,
              unique_indices: bool = False, mode: str | None = None,
              wrap_negative_indices: bool = True) -> Array:
        """``func`` applied at the indexed elements, once per occurrence of an index."""
        x, indexer, arrays, padded = self._prepared(
            _check_update_args(mode, wrap_negative_indices))
        if not arrays or not _may_repeat(shape_of(x), indexer, arrays):
            current = indexing.getitem(x, indexer, *arrays)
            out = index_update(x, astype(func(current), dtype_of(x)), indexer, "set", *arrays)
            return with_at(crop_axes(out, padded))
        counts = index_update(np.zeros(shape_of(x), np.intp), np.ones((), np.intp), indexer,
                              "add", *arrays)
        if isinstance(counts, Tracer):
            rounds = int(np.prod(shape_of(indexing.getitem(x, indexer, *arrays)),
                                 dtype=np.int64))
        else:
            rounds = int(counts.max(initial=0))
        for j in range(rounds):
            x = where(greater(counts, j), astype(func(x), dtype_of(x)), x)
        return with_at(crop_axes(x, padded))

    def __repr__(self) -> str:
        return f"IndexUpdateRef({self.array!r}, {self.index!r})"


def _may_repeat(x_shape: tuple[int, ...], indexer: tuple, arrays: list[Any]) -> bool:
    """Whether an advanced index may name a position twice (True if the arrays are traced)."""
    if any(isinstance(a, Tracer) for a in arrays):
        return True
    ids = np.arange(int(np.prod(x_shape, dtype=np.int64))).reshape(x_shape)
    positions = ids[build_index(indexer, arrays)]
    return np.unique(positions).size != positions.size


def ones_like_array(x: Any) -> np.ndarray:
    return np.ones(shape_of(x), dtype_of(x))


class IndexUpdateHelper:
    """``x.at``: indexing it gives the updates at that index."""

    __slots__ = ("array",)

    def __init__(self, array: ArrayLike):
        self.array = array

    def __getitem__(self, index: Any) -> IndexUpdateRef:
        return IndexUpdateRef(self.array, index)


def at(x: ArrayLike) -> IndexUpdateHelper:
    """``fnp.at(x)[i].set(v)``: the ``.at`` updates for any array, NumPy arrays included."""
    return IndexUpdateHelper(as_operand(x))


_ndarray_getitem = np.ndarray.__getitem__


def _array_getitem(self: Array, index: Any) -> Any:
    # A traced index (inside vmap/jit) needs funcad's indexing, as in jax.numpy.
    if isinstance(index, tuple):
        for item in index:
            if isinstance(item, Tracer):
                return getitem(self, index)
    elif isinstance(index, Tracer):
        return getitem(self, index)
    return _ndarray_getitem(self, index)


def _install() -> None:
    # (setattr: the core floor's class gains these at import; typing.py declares them.)
    setattr(Array, "at", property(IndexUpdateHelper))
    setattr(Array, "__getitem__", _array_getitem)


_install()


def with_at(value: Any) -> Array:
    """View an ndarray as ``Array`` (scalars and tracers pass through)."""
    return _view(value, Array) if type(value) is np.ndarray else value


_view = np.ndarray.view  # (the unbound method: no attribute lookup per call)


def returns_array(numpy_constructor: Callable[..., Any]) -> Callable[..., Array]:
    """A NumPy constructor whose result is viewed as ``Array``."""
    @functools.wraps(numpy_constructor)
    def constructor(*args: Any, **kwargs: Any) -> Array:
        out = numpy_constructor(*args, **kwargs)
        return _view(out, Array) if type(out) is np.ndarray else out

    return constructor
