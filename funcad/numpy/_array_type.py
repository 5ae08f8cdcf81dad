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
import inspect
import keyword
import types
from typing import Any, Callable

import numpy as np

from funcad.core import Tracer, set_returned_values
from funcad.devices import SingleDeviceSharding, devices
from funcad.numpy._array import Array

__all__ = ["returned", "returned_leaves", "returning_arrays", "wrap_namespace", "CPU"]

CPU = "cpu"
"""The one device: NumPy's name for it (``np.ndarray.device``)."""

_ndarray = np.ndarray
_view = np.ndarray.view  # (the unbound method: no attribute lookup per call)


def returned(value: Any) -> Any:
    """``value`` as funcad hands it to the user: an ndarray viewed as ``Array``, tuples and
    lists of them element by element; anything else (scalars, tracers) as it is."""
    t = type(value)
    if t is _ndarray:
        return _view(value, Array)
    if t is tuple or t is list:
        return t(returned(v) for v in value)
    if isinstance(value, tuple) and hasattr(t, "_fields"):  # (SVDResult, EighResult...)
        return t(*(returned(v) for v in value))
    return value


def returned_leaves(leaves: list) -> list:
    """The output leaves of a transformation, viewed as ``Array`` (tracers pass through)."""
    return [_view(leaf, Array) if type(leaf) is _ndarray else leaf for leaf in leaves]


def returning_arrays(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` whose result is ``returned``: for funcad.numpy's public functions.

    The wrapper is compiled with ``function``'s own parameters (names, kinds, the very
    default objects), so a call costs one plain Python call more and no ``*args, **kwargs``
    packing (which cost as much again). It also views its ``Array`` operands (positional
    parameters without a default or with None) as plain ndarrays: NumPy computes on a
    subclass through a slower path (about 0.5 us more per ufunc call, more than the view),
    and the operands of eager code are mostly what an earlier call returned."""
    source, namespace = _wrapper_source(function)
    if source is None:
        wrapper = _generic_wrapper(function)
    else:
        namespace.update(_function=function, _Array=Array, _ndarray=_ndarray, _view=_view,
                         _Tracer=Tracer, _returned=returned, _type=type,
                         _isinstance=isinstance)
        exec(compile(source, _GENERATED_FILE, "exec"), namespace)
        wrapper = namespace[function.__name__]
    functools.update_wrapper(wrapper, function)
    setattr(wrapper, "__wrapped_function__", function)  # (functions take attributes)
    return wrapper


_GENERATED_FILE = "<funcad.numpy wrapper>"  # ("<funcad." marks it internal to tracebacks)
_KINDS = inspect.Parameter
_POSITIONAL = (_KINDS.POSITIONAL_ONLY, _KINDS.POSITIONAL_OR_KEYWORD)


def _generic_wrapper(function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        out = function(*args, **kwargs)
        if isinstance(out, Tracer):  # (inside a transformation: the common case)
            return out
        return returned(out)

    return wrapper


def _wrapper_source(function: Callable[..., Any]) -> tuple[str | None, dict[str, Any]]:
    """The source of ``function``'s wrapper, and the defaults it names; None if the
    signature cannot be written out (none, or a name that is not an identifier or that
    starts with ``_``, the wrapper's own names)."""
    try:
        parameters = list(inspect.signature(function, follow_wrapped=False).parameters.values())
    except (TypeError, ValueError):
        return None, {}
    name = function.__name__
    if (not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_")
            or any(p.name.startswith("_") for p in parameters)):
        return None, {}
    defaults: dict[str, Any] = {}
    heads, passes, operands = [], [], []
    previous = None
    for index, p in enumerate(parameters):
        if previous is _KINDS.POSITIONAL_ONLY and p.kind is not _KINDS.POSITIONAL_ONLY:
            heads.append("/")
        if p.kind is _KINDS.KEYWORD_ONLY and previous not in (_KINDS.KEYWORD_ONLY,
                                                              _KINDS.VAR_POSITIONAL):
            heads.append("*")
        head = passed = p.name
        if p.kind is _KINDS.VAR_POSITIONAL:
            head = passed = f"*{p.name}"
        elif p.kind is _KINDS.VAR_KEYWORD:
            head = passed = f"**{p.name}"
        elif p.kind is _KINDS.KEYWORD_ONLY:
            passed = f"{p.name}={p.name}"
        if p.default is not p.empty:
            defaults[f"_default{index}"] = p.default
            head += f"=_default{index}"
        if p.kind in _POSITIONAL and (p.default is p.empty or p.default is None):
            operands.append(p.name)  # (None: an optional operand, as where's x and y)
        heads.append(head)
        passes.append(passed)
        previous = p.kind
    if previous is _KINDS.POSITIONAL_ONLY:
        heads.append("/")
    lines = [f"def {name}({', '.join(heads)}):"]
    for operand in operands:
        lines += [f"    if _type({operand}) is _Array:",
                  f"        {operand} = _view({operand}, _ndarray)"]
    lines += [f"    _out = _function({', '.join(passes)})",
              "    if _type(_out) is _ndarray:",
              "        return _view(_out, _Array)",
              "    if _isinstance(_out, _Tracer):  # (inside a transformation: the common case)",
              "        return _out",
              "    return _returned(_out)"]
    return "\n".join(lines) + "\n", defaults


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


_DEVICE = devices()[0]
_SHARDING = SingleDeviceSharding(_DEVICE)


def _devices(self: Any) -> set[Any]:
    """The one CPU device (it also equals NumPy's name ``"cpu"`` that ``.device`` gives)."""
    return {_DEVICE}


def _ptp(self: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
    return returned(np.ptp(self.view(np.ndarray), axis=axis, out=out, keepdims=keepdims))


def _install() -> None:
    # (setattr: the class gains these at import, which a type checker cannot see.)
    setattr(Array, "block_until_ready", _block_until_ready)
    setattr(Array, "copy_to_host_async", _copy_to_host_async)
    setattr(Array, "addressable_data", _addressable_data)
    setattr(Array, "devices", _devices)
    setattr(Array, "sharding", property(lambda self: _SHARDING))
    setattr(Array, "is_fully_addressable", property(lambda self: True))
    setattr(Array, "is_fully_replicated", property(lambda self: True))
    setattr(Array, "committed", property(lambda self: False))
    setattr(Array, "weak_type", property(lambda self: False))
    setattr(Array, "is_deleted", lambda self: False)
    setattr(Array, "ptp", _ptp)
    set_returned_values(returned_leaves)


_install()
