"""The arrays funcad returns: funcad.numpy's ``Array`` (an ``np.ndarray`` with ``.at``), given
the rest of ``jax.Array``'s interface that means something on a CPU, and the places that hand
it to the user.

Every value funcad gives back is viewed as ``Array`` once, where it leaves funcad: the
result of a funcad.numpy function called outside any transformation, and the outputs of
``grad``, ``vjp``, ``jvp``, ``linearize``, ``vmap`` (so ``jacfwd``, ``jacrev``, ``hessian``)
and ``jit``. Inside, values stay plain ndarrays: NumPy computes on a subclass through its
slower subclass path (about 1-2 us more per operation), so the view is taken at that
boundary only, and NumPy's functions and operators on an ``Array`` return plain ndarrays (or
NumPy scalars), as ``Array.__array_wrap__`` says. Scalars stay scalars: a 0-d result that
NumPy gives as a NumPy scalar (``np.float64``, fast to compute on, and what ``jit`` of scalar
code returns) is not an ndarray, so it is handed back as it is.

The transformations live below funcad.numpy, so they call ``core.returned_values``, which
this module sets (an assignment from above, as ``_tracer_methods`` attaches the array API to
``Tracer``).
"""

from __future__ import annotations

import functools
import types
from typing import Any, Callable

import numpy as np

from funcad.core import Tracer, set_returned_values
from funcad.numpy._array import Array

__all__ = ["returned", "returned_leaves", "returning_arrays", "wrap_namespace", "CPU"]

CPU = "cpu"
"""The one device: NumPy's name for it (``np.ndarray.device``)."""


def returned(value: Any) -> Any:
    """``value`` as funcad hands it to the user: an ndarray viewed as ``Array``, tuples and
    lists of them element by element; anything else (scalars, tracers) as it is."""
    t = type(value)
    if t is np.ndarray:
        return value.view(Array)
    if t is tuple or t is list:
        return t(returned(v) for v in value)
    if isinstance(value, tuple) and hasattr(t, "_fields"):  # (SVDResult, EighResult...)
        return t(*(returned(v) for v in value))
    return value


def returned_leaves(leaves: list) -> list:
    """The output leaves of a transformation, viewed as ``Array`` (tracers pass through)."""
    return [leaf.view(Array) if type(leaf) is np.ndarray else leaf for leaf in leaves]


def returning_arrays(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` whose result is ``returned``: for funcad.numpy's public functions."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        out = function(*args, **kwargs)
        if isinstance(out, Tracer):  # (inside a transformation: the common case)
            return out
        return returned(out)

    wrapper.__wrapped_function__ = function
    return wrapper


def wrap_namespace(namespace: dict[str, Any], names: list[str]) -> None:
    """Replace the functions among ``names`` in ``namespace`` by ``returning_arrays`` ones
    (funcad's own Python functions only: classes, dtypes, constants and NumPy's re-exported
    objects stay as they are). Aliases (``abs`` and ``absolute``, ``fnp.matmul`` and
    ``fnp.linalg.matmul``) stay one object."""
    for name in names:
        value = namespace[name]
        if (isinstance(value, types.FunctionType)
                and (value.__module__ or "").startswith("funcad.")
                and not hasattr(value, "__wrapped_function__")):
            wrapper = _WRAPPERS.get(value)
            if wrapper is None:
                wrapper = _WRAPPERS[value] = returning_arrays(value)
            namespace[name] = wrapper


_WRAPPERS: dict[Any, Any] = {}


# ----------------------------------------------------------------------------------------------
# jax.Array's methods that ndarray lacks, on Array. An array here is always ready, on the one
# device, in one piece: so waiting returns at once, and the sharding questions have one answer.


def _block_until_ready(self: Any) -> Any:
    """The array itself: NumPy computes eagerly, so it is ready when it is returned."""
    return self


def _copy_to_host_async(self: Any) -> None:
    """Nothing to do: the array is in host memory."""


def _addressable_data(self: Any, index: int) -> Any:
    """Shard ``index`` of the array: there is one, the array itself."""
    if index != 0:
        raise IndexError(f"addressable_data: index {index} is out of range; a funcad array "
                         f"has a single shard, index 0.")
    return self


def _devices(self: Any) -> set[str]:
    return {CPU}


def _ptp(self: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
    return returned(np.ptp(self.view(np.ndarray), axis=axis, out=out, keepdims=keepdims))


def _install() -> None:
    Array.block_until_ready = _block_until_ready
    Array.copy_to_host_async = _copy_to_host_async
    Array.addressable_data = _addressable_data
    Array.devices = _devices
    Array.is_fully_addressable = property(lambda self: True)
    Array.is_fully_replicated = property(lambda self: True)
    Array.committed = property(lambda self: False)
    Array.weak_type = property(lambda self: False)
    Array.is_deleted = lambda self: False
    Array.ptp = _ptp
    set_returned_values(returned_leaves)


_install()
