"""The array type and the annotation aliases, as ``jax.Array`` and ``jax.typing`` are for JAX.

``Array`` is the one array type of funcad (``funcad.Array``, ``funcad.numpy.Array``,
``funcad.typing.Array`` are this class). It is an ``np.ndarray`` subclass, and funcad.numpy's
functions return arrays viewed as it, so they have NumPy's whole interface and JAX's
``.at[...]`` updates. As with ``jax.Array``, ``isinstance(x, Array)`` is a question about
*being an array*, not about the class an object was made with: it holds for every NumPy array
and scalar, and for the tracers that stand in for arrays inside transformations. Annotations
use it in the same sense, which is why funcad.numpy's results are annotated ``-> Array``
although a 0-d result is a NumPy scalar and, under a transformation, a tracer.

``ArrayLike`` is what funcad's functions accept: arrays, NumPy scalars, Python numbers,
nested sequences of them, and tracers. ``DTypeLike`` is anything ``numpy.dtype`` accepts.

    from funcad.typing import ArrayLike, Array

    def loss(w: ArrayLike, x: ArrayLike) -> Array:
        return funcad.numpy.sum(funcad.numpy.tanh(x @ w))

The class lives on the core floor so that every floor can annotate with it; funcad.numpy
installs ``.at``, traced indexing and JAX's extra methods on it when it is imported, as it
installs the array API on ``Tracer`` (the declarations below tell a type checker about them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Protocol, SupportsIndex, Union

import numpy as np
import numpy.typing as npt

from funcad.core import Tracer

__all__ = ["Array", "ArrayLike", "DTypeLike", "Shape"]

_ARRAY_VALUES = (np.ndarray, np.generic, Tracer)


class _ArrayType(type):
    """``isinstance(x, Array)``: x is a NumPy array or scalar or a tracer."""

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, _ARRAY_VALUES)

    def __subclasscheck__(cls, subclass: type) -> bool:
        return issubclass(subclass, _ARRAY_VALUES)


class _Update(Protocol):
    """One of ``x.at[index]``'s updates (``set``, ``add``...): the new array."""

    def __call__(self, values: ArrayLike, *, indices_are_sorted: bool = False,
                 unique_indices: bool = False, mode: str | None = None,
                 wrap_negative_indices: bool = True) -> Array: ...


class _IndexUpdateRef(Protocol):
    """What ``x.at[index]`` offers (funcad.numpy's ``IndexUpdateRef``), for a type checker."""

    set: _Update
    add: _Update
    subtract: _Update
    multiply: _Update
    divide: _Update
    power: _Update
    min: _Update
    max: _Update

    def get(self, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None, fill_value: ArrayLike | None = None,
            wrap_negative_indices: bool = True) -> Array: ...

    def apply(self, func: Callable[[Array], ArrayLike], *, indices_are_sorted: bool = False,
              unique_indices: bool = False, mode: str | None = None,
              wrap_negative_indices: bool = True) -> Array: ...


class _IndexUpdateHelper(Protocol):
    """``x.at``: indexing it gives the updates at that index."""

    def __getitem__(self, index: Any) -> _IndexUpdateRef: ...


_PLAIN = np.empty(0)  # (its bound __array_wrap__ views results as plain ndarrays)


class Array(np.ndarray, metaclass=_ArrayType):
    """The type of funcad's arrays (``jax.Array``): a NumPy array with JAX's ``.at[...]``.

    funcad.numpy returns arrays viewed as ``Array`` (a view, never a copy);
    ``isinstance(x, Array)`` holds for NumPy arrays and scalars and for tracers. Make arrays
    with ``funcad.numpy.asarray``: the class itself cannot be called.

    >>> import funcad
    >>> import funcad.numpy as fnp
    >>> x = fnp.zeros(3).at[1].set(2.0)
    >>> x
    Array([0., 2., 0.])
    >>> isinstance(x, funcad.Array), isinstance(1.0, funcad.Array)
    (True, False)
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("funcad.Array cannot be instantiated; use funcad.numpy.asarray(x).")

    __array_wrap__ = _PLAIN.__array_wrap__
    """NumPy's functions and operators on an Array return plain ndarrays (NumPy scalars for
    0-d results): the wrap of a plain ndarray, which views a subclass's result as ndarray.
    It is NumPy's own C method, so a ufunc on an Array does not call into Python."""

    if TYPE_CHECKING:  # (installed by funcad.numpy at import)
        @property
        def at(self) -> _IndexUpdateHelper: ...
        def __getitem__(self, key: Any, /) -> Array: ...
        # (NumPy keeps the subclass in these, so they return an Array at run time too)
        def astype(self, dtype: DTypeLike | None, *args: Any, **kwargs: Any) -> Array: ...
        def reshape(self, *shape: Any, **kwargs: Any) -> Array: ...
        def transpose(self, *axes: Any) -> Array: ...
        @property
        def T(self) -> Array: ...
        def ravel(self, order: Any = "C") -> Array: ...
        def flatten(self, order: Any = "C") -> Array: ...
        def squeeze(self, axis: Any = None) -> Array: ...
        def swapaxes(self, axis1: SupportsIndex, axis2: SupportsIndex, /) -> Array: ...
        def copy(self, order: Any = "C") -> Array: ...
        @property
        def sharding(self) -> Any: ...
        @property
        def is_fully_addressable(self) -> bool: ...
        @property
        def is_fully_replicated(self) -> bool: ...
        @property
        def committed(self) -> bool: ...
        @property
        def weak_type(self) -> bool: ...
        def block_until_ready(self) -> Array: ...
        def copy_to_host_async(self) -> None: ...
        def addressable_data(self, index: int) -> Array: ...
        def devices(self) -> set[Any]: ...
        def is_deleted(self) -> bool: ...
        def ptp(self, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any: ...


ArrayLike = Union[npt.ArrayLike, Tracer]
"""What funcad's functions accept: arrays, scalars, nested sequences, and tracers."""
DTypeLike = npt.DTypeLike
"""Anything ``numpy.dtype`` accepts: a dtype, a type (``float``, ``np.float32``), a name."""
Shape = tuple[int, ...]
"""An array's shape."""
