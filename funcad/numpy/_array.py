"""``Array``: a NumPy array that also has JAX's functional ``.at[...]`` updates.

funcad.numpy's constructors (``zeros``, ``arange``, ``asarray``...) return it, so code
written for jax.numpy, ``fnp.zeros(3).at[0].set(1.0)``, runs unchanged. It is a view, never a
copy, and arithmetic on it returns plain ndarrays, so the subclass costs nothing downstream.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from funcad.core import Tracer


class Array(np.ndarray):
    @property
    def at(self) -> Any:
        from funcad.numpy import _IndexUpdateHelper

        return _IndexUpdateHelper(self)

    def __getitem__(self, index: Any) -> Any:
        # A traced index (inside vmap/jit) needs funcad's indexing, as in jax.numpy.
        if isinstance(index, Tracer) or (
            isinstance(index, tuple) and any(isinstance(i, Tracer) for i in index)
        ):
            from funcad.numpy import _getitem

            return _getitem(self, index)
        return super().__getitem__(index)

    def __array_wrap__(self, obj: Any, context: Any = None, return_scalar: bool = False) -> Any:
        if return_scalar:
            return obj[()]
        return obj.view(np.ndarray) if isinstance(obj, Array) else obj


def with_at(value: Any) -> Any:
    """View an ndarray as ``Array`` (scalars and tracers pass through)."""
    return value.view(Array) if type(value) is np.ndarray else value


def returns_array(numpy_constructor: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(numpy_constructor)
    def constructor(*args: Any, **kwargs: Any) -> Any:
        return with_at(numpy_constructor(*args, **kwargs))

    return constructor
