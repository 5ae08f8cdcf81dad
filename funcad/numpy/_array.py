"""``Array``: a NumPy array that also has JAX's functional ``.at[...]`` updates, and those
updates themselves (``x.at[i].set(v)``, for tracers too).

funcad.numpy's constructors (``zeros``, ``arange``, ``asarray``...) return it, so code
written for jax.numpy, ``fnp.zeros(3).at[0].set(1.0)``, runs unchanged. It is a view, never a
copy, and arithmetic on it returns plain ndarrays, so the subclass costs nothing downstream.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from funcad.core import Tracer
from funcad.numpy._conversion import as_operand
from funcad.numpy._elementwise import negative, reciprocal
from funcad.numpy._indexing import getitem, normalize_index
from funcad.primitives.indexing import index_update

__all__ = [
    "Array", "with_at", "returns_array", "IndexUpdateRef", "IndexUpdateHelper", "at",
]


class IndexUpdateRef:
    """``x.at[index]``: functional updates returning a new array."""

    __slots__ = ("array", "index")

    def __init__(self, array: Any, index: Any):
        self.array = array
        self.index = index

    def _update(self, values: Any, mode: str) -> Any:
        indexer, arrays = normalize_index(self.index)
        return with_at(index_update(self.array, as_operand(values), indexer, mode, *arrays))

    def get(self) -> Any:
        return getitem(self.array, self.index)

    def set(self, values: Any) -> Any:
        return self._update(values, "set")

    def add(self, values: Any) -> Any:
        return self._update(values, "add")

    def subtract(self, values: Any) -> Any:
        return self._update(negative(values), "add")

    def multiply(self, values: Any) -> Any:
        return self._update(values, "multiply")

    def divide(self, values: Any) -> Any:
        return self._update(reciprocal(values), "multiply")

    def __repr__(self) -> str:
        return f"IndexUpdateRef({self.array!r}, {self.index!r})"


class IndexUpdateHelper:
    """``x.at``: indexing it gives the updates at that index."""

    __slots__ = ("array",)

    def __init__(self, array: Any):
        self.array = array

    def __getitem__(self, index: Any) -> IndexUpdateRef:
        return IndexUpdateRef(self.array, index)


def at(x: Any) -> IndexUpdateHelper:
    """``fnp.at(x)[i].set(v)``: the ``.at`` updates for any array, NumPy arrays included."""
    return IndexUpdateHelper(as_operand(x))


class Array(np.ndarray):
    """The ndarray funcad.numpy's constructors return: a NumPy array with ``.at``."""

    @property
    def at(self) -> IndexUpdateHelper:
        return IndexUpdateHelper(self)

    def __getitem__(self, index: Any) -> Any:
        # A traced index (inside vmap/jit) needs funcad's indexing, as in jax.numpy.
        if isinstance(index, Tracer) or (
            isinstance(index, tuple) and any(isinstance(i, Tracer) for i in index)
        ):
            return getitem(self, index)
        return super().__getitem__(index)

    def __array_wrap__(self, obj: Any, context: Any = None, return_scalar: bool = False) -> Any:
        if return_scalar:
            return obj[()]
        return obj.view(np.ndarray) if isinstance(obj, Array) else obj


def with_at(value: Any) -> Any:
    """View an ndarray as ``Array`` (scalars and tracers pass through)."""
    return value.view(Array) if type(value) is np.ndarray else value


def returns_array(numpy_constructor: Callable[..., Any]) -> Callable[..., Any]:
    """A NumPy constructor whose result is viewed as ``Array``."""
    @functools.wraps(numpy_constructor)
    def constructor(*args: Any, **kwargs: Any) -> Any:
        return with_at(numpy_constructor(*args, **kwargs))

    return constructor
