"""Give tracers the array interface: operators, methods, indexing, and NumPy dispatch.

core.Tracer cannot import funcad.numpy (core sits below it), so the array API is attached
here, once, when funcad.numpy is imported. ``__array_ufunc__`` and ``__array_function__``
route ``np.sin(tracer)``, ``np.sum(tracer)`` and ``ndarray * tracer`` to funcad.numpy, so
plain NumPy code differentiates unchanged; anything funcad does not implement raises
NotImplementedForTracerError instead of silently dropping the derivative.

Operators, methods and ufunc dispatch are installed on import. NumPy's other functions are
registered by ``register_numpy_functions``, which funcad.numpy calls with its namespace once
its ``__all__`` exists, so that only its API can answer for a NumPy function.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from funcad.core import Tracer
from funcad.errors import DerivativeDropError, NotImplementedForTracerError
from funcad.numpy import (
    _complex,
    _conversion,
    _cumulative,
    _indexing,
    _products,
    _reductions,
    _shapes,
    _sorting,
    _statistics,
    fft,
    linalg,
)
from funcad.numpy import _elementwise as ufuncs
from funcad.numpy._array import IndexUpdateHelper
from funcad.numpy._array_type import CPU, wrap_namespace
from funcad.numpy._conversion import ARRAY_LIKE, as_operand
from funcad.numpy._indexing import getitem
from funcad.numpy._products import matmul
from funcad.primitives import elementwise
from funcad.primitives.lax_ops import bitcast_convert_type
from funcad.primitives.shape import reshape as reshape_primitive
from funcad.rules import DifferentiationTracer

__all__ = ["register_numpy_functions"]


def _swap(fn: Any) -> Any:
    return lambda self, other: fn(other, self)


def _operator(binder: Any) -> tuple[Any, Any]:
    """``x op y`` and ``y op x`` straight to the primitive (operators are the hot path)."""

    def op(self: Any, other: Any) -> Any:
        return binder(self, other if isinstance(other, ARRAY_LIKE) else as_operand(other))

    def reflected(self: Any, other: Any) -> Any:
        return binder(other if isinstance(other, ARRAY_LIKE) else as_operand(other), self)

    return op, reflected


def _install_operators() -> None:
    direct = {"add": elementwise.add, "sub": elementwise.sub, "mul": elementwise.mul,
              "truediv": elementwise.div, "floordiv": elementwise.floor_divide,
              "mod": elementwise.rem, "and": elementwise.bitwise_and_p.bind,
              "or": elementwise.bitwise_or_p.bind, "xor": elementwise.bitwise_xor_p.bind}
    for name, binder in direct.items():
        op, reflected = _operator(binder)
        setattr(Tracer, f"__{name}__", op)
        setattr(Tracer, f"__r{name}__", reflected)
    for name, fn in (("pow", ufuncs.power), ("matmul", matmul)):
        setattr(Tracer, f"__{name}__", fn)
        setattr(Tracer, f"__r{name}__", _swap(fn))
    comparisons = {"eq": elementwise.eq, "ne": elementwise.ne, "lt": elementwise.lt,
                   "le": elementwise.le, "gt": elementwise.gt, "ge": elementwise.ge}
    for name, binder in comparisons.items():
        setattr(Tracer, f"__{name}__", _operator(binder)[0])
    setattr(Tracer, "__neg__", lambda self: elementwise.neg(self))
    setattr(Tracer, "__pos__", lambda self: self)
    setattr(Tracer, "__abs__", lambda self: elementwise.abs(self))
    setattr(Tracer, "__invert__", lambda self: elementwise.bitwise_not_p.bind(self))
    setattr(Tracer, "__round__", lambda self, ndigits=None: ufuncs.round(self, ndigits or 0))


# The methods that are funcad.numpy's functions as they are, by the module defining them.
_METHODS = (
    (_reductions, ("sum", "mean", "max", "min", "prod", "std", "var", "argmax", "argmin",
                   "all", "any", "cumsum")),
    (_shapes, ("squeeze", "ravel", "swapaxes", "repeat", "diagonal", "trace")),
    (ufuncs, ("clip", "round")),
    (_products, ("dot",)),
    (_indexing, ("take", "nonzero", "choose")),
    (_conversion, ("astype",)),
    (_sorting, ("sort", "argsort", "argpartition", "searchsorted")),
    (_cumulative, ("cumprod",)),
    (_statistics, ("ptp",)),
)


def _install_methods() -> None:
    # (setattr throughout: the class gains these at import, which a type checker cannot see.)
    setattr(Tracer, "__getitem__", getitem)
    setattr(Tracer, "T", property(_shapes.transpose))
    setattr(Tracer, "mT", property(_shapes.matrix_transpose))
    setattr(Tracer, "at", property(IndexUpdateHelper))
    setattr(Tracer, "real", property(_complex.real))
    setattr(Tracer, "imag", property(_complex.imag))

    def reshape(self: Any, *shape: Any, order: str = "C") -> Any:
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = tuple(shape[0])
        return _shapes.reshape(self, shape, order)

    def transpose(self: Any, *axes: Any) -> Any:
        if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
            axes = axes[0]
        return _shapes.transpose(self, axes or None)

    setattr(Tracer, "reshape", reshape)
    setattr(Tracer, "transpose", transpose)
    for module, names in _METHODS:
        for name in names:
            setattr(Tracer, name, getattr(module, name))
    setattr(Tracer, "flatten", lambda self: _shapes.ravel(self))
    setattr(Tracer, "copy", lambda self: self)
    setattr(Tracer, "conj", _complex.conjugate)
    setattr(Tracer, "conjugate", _complex.conjugate)
    setattr(Tracer, "item", lambda self: self.concrete_value("item()").item())
    setattr(Tracer, "tolist", lambda self: np.asarray(self.concrete_value("tolist()")).tolist())
    setattr(Tracer, "tobytes", _tobytes)
    setattr(Tracer, "compress", lambda self, condition, axis=None, *, out=None, size=None,
            fill_value=0: _indexing.compress(condition, self, axis, size=size,
                                             fill_value=fill_value, out=out))
    setattr(Tracer, "view", _view)
    setattr(Tracer, "byteswap", _byteswap)
    setattr(Tracer, "flat", property(_flat))
    # What jax.Array says of its bytes and its place, which a tracer knows from its type.
    setattr(Tracer, "itemsize", property(lambda self: self.aval.dtype.itemsize))
    setattr(Tracer, "nbytes", property(lambda self: self.aval.dtype.itemsize * self.aval.size))
    setattr(Tracer, "weak_type", property(lambda self: self.aval.weak_type))
    setattr(Tracer, "device", property(lambda self: CPU))
    setattr(Tracer, "to_device", _to_device)


def _tobytes(self: Any, order: Literal["C", "F", "A", "K"] = "C") -> bytes:
    """The bytes of a concrete value; like ``tolist()``, refused where it would drop a
    derivative."""
    if isinstance(self, DifferentiationTracer) and self._trace.alive:
        raise DerivativeDropError("tobytes()", self.aval.str_short(), self._trace.name)
    return np.asarray(self.concrete_value("tobytes()")).tobytes(order)


def _view(self: Any, dtype: Any = None, type: Any = None) -> Any:
    """``x.view(dtype)``: the same bytes read as ``dtype``, as ``np.ndarray.view`` (a wider
    or narrower dtype changes the length of the last axis)."""
    if type is not None:
        raise NotImplementedError("x.view(type=...): funcad arrays have one type; the type "
                                  "argument is not supported (as in JAX).")
    if dtype is None:
        return self
    dtype = np.dtype(dtype)
    old = self.aval.dtype
    shape = tuple(self.aval.shape)
    if old == dtype:
        return self
    if old.itemsize == dtype.itemsize:
        return bitcast_convert_type(self, dtype)
    if not shape:
        raise ValueError("x.view(dtype): changing the itemsize of a 0-d array is not "
                         "supported; reshape it to 1-d first.")
    if old.itemsize > dtype.itemsize:
        out = bitcast_convert_type(self, dtype)
        return reshape_primitive(out, shape[:-1] + (shape[-1] * (old.itemsize // dtype.itemsize),))
    ratio = dtype.itemsize // old.itemsize
    if shape[-1] % ratio:
        raise ValueError(f"x.view({dtype.name}): when changing to a larger dtype, its size "
                         f"must divide the size in bytes of the last axis ({shape[-1]} "
                         f"elements of {old.itemsize} bytes here).")
    grouped = reshape_primitive(self, shape[:-1] + (shape[-1] // ratio, ratio))
    return bitcast_convert_type(grouped, dtype)


def _byteswap(self: Any, inplace: bool = False) -> Any:
    """``x.byteswap()``: each element's bytes in reverse order."""
    if inplace:
        raise ValueError("x.byteswap(inplace=True): funcad arrays are immutable; use "
                         "x.byteswap() and its return value.")
    dtype = self.aval.dtype
    if dtype.itemsize == 1:
        return self
    as_bytes = bitcast_convert_type(self, np.uint8)
    return bitcast_convert_type(getitem(as_bytes, (Ellipsis, slice(None, None, -1))), dtype)


def _flat(self: Any) -> Any:
    raise NotImplementedError("x.flat is not supported for traced arrays (as in JAX); use "
                              "x.flatten() or x.ravel().")


def _to_device(self: Any, device: Any, *, stream: Any = None) -> Any:
    """``x.to_device(device)``: the array itself, on the one device there is."""
    if stream is not None:
        raise ValueError("x.to_device(stream=...): there are no streams on the CPU.")
    return self


# ----------------------------------------------------------------------------------------------
# NumPy dispatch.

# NumPy's ufuncs, each to funcad.numpy's function of the same name (register_numpy_functions).
_UFUNCS: dict[np.ufunc, Any] = {}

_REDUCE_METHODS: dict[np.ufunc, Any] = {np.add: _reductions.sum, np.multiply: _reductions.prod,
                   np.maximum: _reductions.max, np.minimum: _reductions.min,
                   np.logical_and: _reductions.all, np.logical_or: _reductions.any}


def _array_ufunc(self: Any, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    if kwargs.get("out") is not None:
        raise TypeError(f"numpy.{ufunc.__name__}(..., out=...) cannot write into an array "
                        f"from a traced value; use the return value instead.")
    kwargs.pop("out", None)
    if method == "__call__":
        fn = _UFUNCS.get(ufunc)
        if fn is not None and not kwargs:
            return fn(*inputs)
    elif method == "reduce":
        fn = _REDUCE_METHODS.get(ufunc)
        if fn is not None:
            return fn(*inputs, **kwargs)
    elif method == "accumulate" and ufunc is np.add:
        return _reductions.cumsum(*inputs, **kwargs)
    suffix = "" if method == "__call__" else f".{method}"
    raise NotImplementedForTracerError(f"numpy.{ufunc.__name__}{suffix}")


_FUNCTIONS: dict[Any, Any] = {}


def register_numpy_functions(namespace: dict[str, Any]) -> None:
    """Route NumPy's functions to funcad.numpy's, and make funcad.numpy's public functions
    return ``Array`` (``_array_type``): for each name in ``namespace["__all__"]``
    (funcad.numpy's API, so nothing imported into it by the way), NumPy's ufunc of that name
    for ``__array_ufunc__`` and NumPy's other function of that name for
    ``__array_function__``; numpy.linalg's and numpy.fft's to funcad.numpy's submodules."""
    wrap_namespace(namespace, namespace["__all__"])
    for module in (linalg, fft):
        wrap_namespace(vars(module), module.__all__)
    for name in namespace["__all__"]:
        ours = namespace[name]
        theirs = getattr(np, name, None)
        if isinstance(theirs, np.ufunc):
            _UFUNCS[theirs] = ours
        elif callable(ours) and theirs is not None and theirs is not ours and callable(theirs):
            _FUNCTIONS[theirs] = ours
    for module, ours in ((np.linalg, linalg), (np.fft, fft)):
        for name in ours.__all__:
            theirs = getattr(module, name, None)  # (names this NumPy has)
            if theirs is not None:
                _FUNCTIONS[theirs] = getattr(ours, name)


def _array_function(self: Any, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
    ours = _FUNCTIONS.get(func)
    if ours is None:
        module = getattr(func, "__module__", "numpy") or "numpy"
        module = module.replace("numpy._core.", "numpy.").replace("numpy.core.", "numpy.")
        if module.startswith("numpy._") or module.startswith("numpy.lib"):
            module = "numpy"
        raise NotImplementedForTracerError(f"{module}.{func.__name__}")
    return ours(*args, **kwargs)


_install_operators()
_install_methods()
setattr(Tracer, "__array_ufunc__", _array_ufunc)
setattr(Tracer, "__array_function__", _array_function)
