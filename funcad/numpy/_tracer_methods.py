"""Give tracers the array interface: operators, methods, indexing, and NumPy dispatch.

core.Tracer cannot import funcad.numpy (core sits below it), so the array API is attached
here, once, when funcad.numpy is imported. ``__array_ufunc__`` and ``__array_function__``
route ``np.sin(tracer)``, ``np.sum(tracer)`` and ``ndarray * tracer`` to funcad.numpy, so
plain NumPy code differentiates unchanged; anything funcad does not implement raises
NotImplementedForTracerError instead of silently dropping the derivative.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp
from funcad.core import Tracer
from funcad.errors import NotImplementedForTracerError
from funcad.primitives import elementwise as ew


def _swap(fn: Any) -> Any:
    return lambda self, other: fn(other, self)


def _pow(x: Any, y: Any) -> Any:
    return fnp.power(x, y)


def _matmul(x: Any, y: Any) -> Any:
    return fnp.matmul(x, y)


_ARRAY_LIKE = fnp._ARRAY_LIKE
_arr = fnp._arr


def _operator(binder: Any) -> tuple[Any, Any]:
    """``x op y`` and ``y op x`` straight to the primitive (operators are the hot path)."""

    def op(self: Any, other: Any) -> Any:
        return binder(self, other if isinstance(other, _ARRAY_LIKE) else _arr(other))

    def reflected(self: Any, other: Any) -> Any:
        return binder(other if isinstance(other, _ARRAY_LIKE) else _arr(other), self)

    return op, reflected


def _install_operators() -> None:
    direct = {"add": ew.add, "sub": ew.sub, "mul": ew.mul, "truediv": ew.div,
              "floordiv": ew.floor_divide, "mod": ew.rem, "and": ew.bitwise_and_p.bind,
              "or": ew.bitwise_or_p.bind, "xor": ew.bitwise_xor_p.bind}
    for name, binder in direct.items():
        op, reflected = _operator(binder)
        setattr(Tracer, f"__{name}__", op)
        setattr(Tracer, f"__r{name}__", reflected)
    for name, fn in (("pow", _pow), ("matmul", _matmul)):
        setattr(Tracer, f"__{name}__", lambda self, other, fn=fn: fn(self, other))
        setattr(Tracer, f"__r{name}__", _swap(fn))
    comparisons = {"eq": ew.eq, "ne": ew.ne, "lt": ew.lt, "le": ew.le, "gt": ew.gt, "ge": ew.ge}
    for name, binder in comparisons.items():
        setattr(Tracer, f"__{name}__", _operator(binder)[0])
    Tracer.__neg__ = lambda self: ew.neg(self)
    Tracer.__pos__ = lambda self: self
    Tracer.__abs__ = lambda self: ew.abs(self)
    Tracer.__invert__ = lambda self: ew.bitwise_not_p.bind(self)
    Tracer.__round__ = lambda self, ndigits=None: fnp.round(self, ndigits or 0)


def _install_methods() -> None:
    Tracer.__getitem__ = lambda self, index: fnp._getitem(self, index)
    Tracer.T = property(lambda self: fnp.transpose(self))
    Tracer.mT = property(lambda self: fnp.matrix_transpose(self))
    Tracer.at = property(lambda self: fnp._IndexUpdateHelper(self))
    Tracer.real = property(lambda self: self)

    def reshape(self: Any, *shape: Any, order: str = "C") -> Any:
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = tuple(shape[0])
        return fnp.reshape(self, shape, order)

    def transpose(self: Any, *axes: Any) -> Any:
        if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
            axes = axes[0]
        return fnp.transpose(self, axes or None)

    Tracer.reshape = reshape
    Tracer.transpose = transpose
    for name in ("sum", "mean", "max", "min", "prod", "std", "var", "argmax", "argmin",
                 "all", "any", "cumsum", "squeeze", "ravel", "swapaxes", "clip", "round",
                 "dot", "take", "repeat", "diagonal", "trace", "nonzero", "astype"):
        setattr(Tracer, name, getattr(fnp, name))
    Tracer.flatten = lambda self: fnp.ravel(self)
    Tracer.copy = lambda self: self
    def conj(self: Any) -> Any:
        if self.dtype.kind == "c":
            raise NotImplementedForTracerError("conjugate of a complex traced value")
        return self

    Tracer.conj = Tracer.conjugate = conj
    Tracer.item = lambda self: self.concrete_value("item()").item()
    Tracer.tolist = lambda self: np.asarray(self.concrete_value("tolist()")).tolist()


# ----------------------------------------------------------------------------------------------
# NumPy dispatch.

_UFUNCS = {
    np.add: fnp.add, np.subtract: fnp.subtract, np.multiply: fnp.multiply,
    np.divide: fnp.divide, np.true_divide: fnp.divide, np.power: fnp.power,
    np.float_power: fnp.float_power, np.negative: fnp.negative, np.positive: fnp.positive,
    np.maximum: fnp.maximum, np.minimum: fnp.minimum, np.fmax: fnp.maximum,
    np.fmin: fnp.minimum, np.floor_divide: fnp.floor_divide, np.remainder: fnp.remainder,
    np.arctan2: fnp.arctan2, np.hypot: fnp.hypot, np.logaddexp: fnp.logaddexp,
    np.logaddexp2: fnp.logaddexp2, np.equal: fnp.equal, np.not_equal: fnp.not_equal,
    np.less: fnp.less, np.less_equal: fnp.less_equal, np.greater: fnp.greater,
    np.greater_equal: fnp.greater_equal, np.logical_and: fnp.logical_and,
    np.logical_or: fnp.logical_or, np.logical_xor: fnp.logical_xor,
    np.logical_not: fnp.logical_not, np.sin: fnp.sin, np.cos: fnp.cos, np.tan: fnp.tan,
    np.arcsin: fnp.arcsin, np.arccos: fnp.arccos, np.arctan: fnp.arctan, np.sinh: fnp.sinh,
    np.cosh: fnp.cosh, np.tanh: fnp.tanh, np.arcsinh: fnp.arcsinh, np.arccosh: fnp.arccosh,
    np.arctanh: fnp.arctanh, np.exp: fnp.exp, np.exp2: fnp.exp2, np.log: fnp.log,
    np.log2: fnp.log2, np.log10: fnp.log10, np.log1p: fnp.log1p, np.expm1: fnp.expm1,
    np.sqrt: fnp.sqrt, np.cbrt: fnp.cbrt, np.square: fnp.square, np.reciprocal: fnp.reciprocal,
    np.absolute: fnp.absolute, np.fabs: fnp.absolute, np.sign: fnp.sign, np.floor: fnp.floor,
    np.ceil: fnp.ceil, np.rint: fnp.rint, np.isnan: fnp.isnan, np.isinf: fnp.isinf,
    np.isfinite: fnp.isfinite, np.deg2rad: fnp.deg2rad, np.rad2deg: fnp.rad2deg,
    np.radians: fnp.deg2rad, np.degrees: fnp.rad2deg, np.matmul: fnp.matmul,
    np.bitwise_and: fnp.bitwise_and, np.bitwise_or: fnp.bitwise_or,
    np.bitwise_xor: fnp.bitwise_xor, np.invert: fnp.invert,
}

_REDUCE_METHODS = {np.add: fnp.sum, np.multiply: fnp.prod, np.maximum: fnp.max,
                   np.minimum: fnp.min, np.logical_and: fnp.all, np.logical_or: fnp.any}


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
        return fnp.cumsum(*inputs, **kwargs)
    suffix = "" if method == "__call__" else f".{method}"
    raise NotImplementedForTracerError(f"numpy.{ufunc.__name__}{suffix}")


_FUNCTIONS: dict[Any, Any] = {}


def _register_functions() -> None:
    for name in dir(fnp):
        if name.startswith("_"):
            continue
        ours = getattr(fnp, name)
        theirs = getattr(np, name, None)
        if callable(ours) and theirs is not None and theirs is not ours and callable(theirs):
            _FUNCTIONS[theirs] = ours
    from funcad.numpy import linalg as fnp_linalg

    for name in fnp_linalg.__all__:
        _FUNCTIONS[getattr(np.linalg, name)] = getattr(fnp_linalg, name)


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
_register_functions()
Tracer.__array_ufunc__ = _array_ufunc
Tracer.__array_function__ = _array_function
