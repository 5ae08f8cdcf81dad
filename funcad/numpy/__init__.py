"""funcad.numpy: the NumPy API, built from funcad's primitives.

Every function here accepts NumPy arrays, Python scalars and funcad tracers, follows NumPy's
semantics (broadcasting, dtype promotion, ``axis``/``keepdims``), and is differentiable
because it is made of primitives with derivative rules. Functions that only build constants
(``zeros``, ``arange``, ``eye``...) return plain NumPy arrays.

Importing this module also gives tracers their array behaviour (operators, methods,
indexing, and NumPy dispatch through ``__array_ufunc__``/``__array_function__``): see
``funcad/numpy/_tracer_methods.py``.
"""

from __future__ import annotations

import builtins
import operator
from typing import Any, Sequence

import numpy as np

from funcad.core import Tracer, dtype_of, get_aval, is_python_scalar, shape_of
from funcad.numpy._array import Array, returns_array, with_at
from funcad.primitives import elementwise as ew
from funcad.primitives import indexing as ix
from funcad.primitives import reductions as red
from funcad.primitives import shape as sh
from funcad.primitives.linalg import dot_general

# Dtypes and constants re-exported for convenience (fnp.float32, fnp.pi, ...).
from numpy import (  # noqa: F401
    bool_, complex64, complex128, dtype, e, euler_gamma, finfo, float16, float32, float64,
    iinfo, inf, int8, int16, int32, int64, integer, floating, inexact, issubdtype, nan,
    newaxis, pi, uint8, uint16, uint32, uint64, ndarray,
)

# ----------------------------------------------------------------------------------------------
# Converting inputs.


_ARRAY_LIKE = (Tracer, np.ndarray, np.generic, bool, int, float, complex)


def _is_array_like_leaf(x: Any) -> bool:
    return isinstance(x, _ARRAY_LIKE)


def _contains_tracer(x: Any) -> bool:
    if isinstance(x, Tracer):
        return True
    if isinstance(x, (list, tuple)):
        return builtins.any(_contains_tracer(v) for v in x)
    return False


def _arr(x: Any) -> Any:
    """An operand for a primitive: tracers, arrays and Python scalars pass through; lists
    and tuples become arrays (stacked, if they hold tracers)."""
    if isinstance(x, _ARRAY_LIKE):
        return x
    if isinstance(x, (list, tuple)):
        if _contains_tracer(x):
            return stack([_arr(v) for v in x])
        return np.asarray(x)
    raise TypeError(
        f"funcad.numpy expected an array, a scalar or a tracer, got {type(x).__name__}: {x!r}"
    )


def asarray(a: Any, dtype: Any = None, order: Any = None, *, copy: Any = None) -> Any:
    """Like numpy.asarray; tracers (and lists holding tracers) stay differentiable."""
    if isinstance(a, Tracer) or (isinstance(a, (list, tuple)) and _contains_tracer(a)):
        out = _arr(a)
        return out if dtype is None else astype(out, dtype)
    return with_at(np.asarray(a, dtype=dtype))


def array(object: Any, dtype: Any = None, copy: bool = True, ndmin: int = 0) -> Any:
    out = asarray(object, dtype)
    if not isinstance(out, Tracer):
        out = with_at(np.array(out, copy=copy, ndmin=ndmin))
    elif ndmin > out.ndim:
        out = reshape(out, (1,) * (ndmin - out.ndim) + out.shape)
    return out


def astype(x: Any, dtype: Any, copy: bool = True) -> Any:
    dtype = np.dtype(dtype)
    x = _arr(x)
    if dtype_of(x) == dtype and not isinstance(x, (int, float, complex, bool)):
        return x
    return sh.convert_element_type(x, dtype)


def _ndim(x: Any) -> int:
    return len(shape_of(x))


def shape(a: Any) -> tuple[int, ...]:
    return tuple(shape_of(_arr(a)))


def ndim(a: Any) -> int:
    return _ndim(_arr(a))


def size(a: Any, axis: int | None = None) -> int:
    s = shape(a)
    return int(np.prod(s, dtype=np.int64)) if axis is None else s[axis]


def result_type(*arrays_and_dtypes: Any) -> np.dtype:
    args = [a.dtype if isinstance(a, Tracer) else a for a in arrays_and_dtypes]
    return np.result_type(*args)


# ----------------------------------------------------------------------------------------------
# Elementwise functions.


def _unary(primitive_binder: Any, name: str, doc: str = "") -> Any:
    def fn(x: Any) -> Any:
        return primitive_binder(x if isinstance(x, _ARRAY_LIKE) else _arr(x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc or f"Elementwise {name}, as numpy.{name}."
    return fn


negative = _unary(ew.neg, "negative")
sin = _unary(ew.sin, "sin")
cos = _unary(ew.cos, "cos")
tan = _unary(ew.tan, "tan")
arcsin = _unary(ew.asin, "arcsin")
arccos = _unary(ew.acos, "arccos")
arctan = _unary(ew.atan, "arctan")
sinh = _unary(ew.sinh, "sinh")
cosh = _unary(ew.cosh, "cosh")
tanh = _unary(ew.tanh, "tanh")
arcsinh = _unary(ew.asinh, "arcsinh")
arccosh = _unary(ew.acosh, "arccosh")
arctanh = _unary(ew.atanh, "arctanh")
exp = _unary(ew.exp, "exp")
exp2 = _unary(ew.exp2, "exp2")
log = _unary(ew.log, "log")
log2 = _unary(ew.log2, "log2")
log10 = _unary(ew.log10, "log10")
log1p = _unary(ew.log1p, "log1p")
expm1 = _unary(ew.expm1, "expm1")
sqrt = _unary(ew.sqrt, "sqrt")
cbrt = _unary(ew.cbrt, "cbrt")
absolute = _unary(ew.abs, "absolute")
abs = absolute
sign = _unary(ew.sign, "sign", "Elementwise sign (derivative zero).")
floor = _unary(ew.floor, "floor", "Elementwise floor (derivative zero).")
ceil = _unary(ew.ceil, "ceil", "Elementwise ceil (derivative zero).")
rint = _unary(ew.round, "rint", "Round to the nearest integer (derivative zero).")
isnan = _unary(ew.isnan, "isnan")
isinf = _unary(ew.isinf, "isinf")
isfinite = _unary(ew.isfinite, "isfinite")
logical_not = _unary(ew.logical_not, "logical_not")
arcsinh, arccosh, arctanh = arcsinh, arccosh, arctanh
asin, acos, atan = arcsin, arccos, arctan


def _as_ufunc_computes(ufunc: np.ufunc, *args: Any) -> list[Any]:
    """The operands cast to the dtype NumPy's ``ufunc`` computes in, for a function built
    from several primitives: hypot(f32, i64) is computed in f64 and deg2rad(i8) in f16, as in
    NumPy, so values and dtypes match. (Python scalars are converted too: the result of an
    operation on one is a strong NumPy scalar, so they would not stay weak along the way.)"""
    args = [_arr(a) for a in args]
    dtype = ew.ufunc_result_dtype(ufunc, tuple(get_aval(a) for a in args))
    return [a if dtype_of(a) == dtype and not is_python_scalar(a)
            else sh.convert_element_type(a, dtype) for a in args]


def fabs(x: Any) -> Any:
    """Absolute value in floating point (integers become floats, as numpy.fabs)."""
    return ew.abs(*_as_ufunc_computes(np.fabs, x))


def positive(x: Any) -> Any:
    x = _arr(x)
    return astype(x, dtype_of(x))  # (a Python scalar becomes a strong NumPy scalar)


def square(x: Any) -> Any:
    x = _arr(x)
    if dtype_of(x) == np.bool_:
        x = sh.convert_element_type(x, np.int8)  # numpy.square's loop for booleans
    return ew.integer_pow(x, 2)


def reciprocal(x: Any) -> Any:
    return ew.div(1, _arr(x))


def round(a: Any, decimals: int = 0) -> Any:
    """Round to ``decimals`` places (halves to even, like NumPy). Derivative zero."""
    a = _arr(a)
    if dtype_of(a).kind in "iu":  # integers stay integers (rounded to tens... if decimals < 0)
        if decimals >= 0:
            return astype(a, dtype_of(a))  # (a Python int becomes a strong NumPy int)
        return astype(round(astype(a, np.float64), decimals), dtype_of(a))
    if decimals == 0:
        return ew.round(a)
    scale = 10.0 ** decimals
    return ew.div(ew.round(ew.mul(a, scale)), scale)


around = round


def _binary(primitive_binder: Any, name: str, doc: str = "") -> Any:
    def fn(x: Any, y: Any) -> Any:
        return primitive_binder(x if isinstance(x, _ARRAY_LIKE) else _arr(x),
                                y if isinstance(y, _ARRAY_LIKE) else _arr(y))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc or f"Elementwise {name} with broadcasting, as numpy.{name}."
    return fn


add = _binary(ew.add, "add")
subtract = _binary(ew.sub, "subtract")
multiply = _binary(ew.mul, "multiply")
divide = _binary(ew.div, "divide")
true_divide = divide
maximum = _binary(ew.max, "maximum")
minimum = _binary(ew.min, "minimum")
arctan2 = _binary(ew.atan2, "arctan2")
atan2 = arctan2
remainder = _binary(ew.rem, "remainder")
mod = remainder
floor_divide = _binary(ew.floor_divide, "floor_divide", "x // y (derivative zero).")
logaddexp = _binary(ew.logaddexp, "logaddexp")
equal = _binary(ew.eq, "equal")
not_equal = _binary(ew.ne, "not_equal")
less = _binary(ew.lt, "less")
less_equal = _binary(ew.le, "less_equal")
greater = _binary(ew.gt, "greater")
greater_equal = _binary(ew.ge, "greater_equal")
logical_and = _binary(ew.logical_and, "logical_and")
logical_or = _binary(ew.logical_or, "logical_or")
logical_xor = _binary(ew.logical_xor, "logical_xor")


def fmax(x: Any, y: Any) -> Any:
    """Elementwise maximum ignoring nan (nan only where both are nan), as numpy.fmax."""
    x, y = _arr(x), _arr(y)
    return where(isnan(x), y, where(isnan(y), x, maximum(x, y)))


def fmin(x: Any, y: Any) -> Any:
    """Elementwise minimum ignoring nan (nan only where both are nan), as numpy.fmin."""
    x, y = _arr(x), _arr(y)
    return where(isnan(x), y, where(isnan(y), x, minimum(x, y)))


def bitwise_and(x: Any, y: Any) -> Any:
    """x & y: bitwise on integers, logical on booleans (as NumPy)."""
    return ew.bitwise_and_p.bind(_arr(x), _arr(y))


def bitwise_or(x: Any, y: Any) -> Any:
    return ew.bitwise_or_p.bind(_arr(x), _arr(y))


def bitwise_xor(x: Any, y: Any) -> Any:
    return ew.bitwise_xor_p.bind(_arr(x), _arr(y))


def invert(x: Any) -> Any:
    return ew.bitwise_not_p.bind(_arr(x))


bitwise_not = invert


def power(x: Any, y: Any) -> Any:
    """x ** y. A Python int exponent uses ``integer_pow`` (no logarithm in its derivative);
    a traced exponent has derivative x**y * log(x)."""
    x = _arr(x)
    if type(y) is int:
        return ew.integer_pow(x, y)
    return ew.pow(x, _arr(y))


def float_power(x: Any, y: Any) -> Any:
    return power(astype(_arr(x), np.float64), y)


def hypot(x: Any, y: Any) -> Any:
    """sqrt(x^2 + y^2), inf if either is infinite (even with a nan), as numpy.hypot."""
    x, y = _as_ufunc_computes(np.hypot, x, y)
    return where(logical_or(isinf(x), isinf(y)), inf, sqrt(add(square(x), square(y))))


def logaddexp2(x: Any, y: Any) -> Any:
    x, y = _as_ufunc_computes(np.logaddexp2, x, y)
    return divide(logaddexp(multiply(x, ew.LOG2), multiply(y, ew.LOG2)), ew.LOG2)


def sinc(x: Any) -> Any:
    """sin(pi x) / (pi x), 1 at 0 (the 0 branch is made safe, so derivatives stay finite)."""
    x = _arr(x)
    is_zero = equal(x, 0)
    safe = where(is_zero, 1.0, x)
    return where(is_zero, 1.0, divide(sin(multiply(pi, safe)), multiply(pi, safe)))


def deg2rad(x: Any) -> Any:
    return multiply(*_as_ufunc_computes(np.deg2rad, x), pi / 180)


def rad2deg(x: Any) -> Any:
    return multiply(*_as_ufunc_computes(np.rad2deg, x), 180 / pi)


radians, degrees = deg2rad, rad2deg


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """where(cond, x, y): x where cond holds, else y. With only ``cond``, the indices where it
    holds (needs concrete values, like numpy.nonzero).

    Gradients flow only to the selected branch, but a branch that produces inf/nan (like
    ``sqrt(x)`` at x < 0) still poisons them through the zero it is multiplied by. Make the
    unselected input safe first, the "double where": ``where(x > 0, sqrt(where(x > 0, x, 1)),
    0)``."""
    if x is None and y is None:
        return nonzero(condition)
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither")
    condition = _arr(condition)
    if dtype_of(condition) != np.bool_:
        condition = not_equal(condition, 0)
    return ew.select(condition, _arr(x), _arr(y))


def nonzero(a: Any) -> tuple[Any, ...]:
    value = _concrete(a, "nonzero")
    return np.nonzero(value)


def argwhere(a: Any) -> Any:
    return np.argwhere(_concrete(a, "argwhere"))


def _concrete(a: Any, name: str) -> Any:
    if isinstance(a, Tracer):
        return a.concrete_value(f"funcad.numpy.{name}() (its output shape depends on values)")
    return np.asarray(a)


def clip(a: Any, a_min: Any = None, a_max: Any = None, *, min: Any = None,
         max: Any = None) -> Any:
    """Clip to [a_min, a_max]: minimum(maximum(a, a_min), a_max)."""
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    out = _arr(a)
    if lo is not None:
        out = maximum(out, lo)
    if hi is not None:
        out = minimum(out, hi)
    return out


def nan_to_num(x: Any, nan: float = 0.0, posinf: Any = None, neginf: Any = None) -> Any:
    x = _arr(x)
    info = np.finfo(dtype_of(x)) if dtype_of(x).kind == "f" else None
    posinf = posinf if posinf is not None else (info.max if info else 0)
    neginf = neginf if neginf is not None else (info.min if info else 0)
    x = where(isnan(x), nan, x)
    x = where(equal(x, np.inf), posinf, x)
    return where(equal(x, -np.inf), neginf, x)


# ----------------------------------------------------------------------------------------------
# Reductions.


def _axes(axis: Any, ndim: int, name: str) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = operator.index(a)
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(
                f"{name}: axis {a} is out of bounds for an array of dimension {ndim}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {axis!r}")
    return tuple(out)


def _keep(out: Any, x_shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> Any:
    if keepdims:
        return sh.reshape(out, tuple(1 if i in axes else n for i, n in enumerate(x_shape)))
    return out


def _no_out(out: Any, name: str) -> None:
    if out is not None:
        raise TypeError(f"{name}: the out= argument is not supported (funcad arrays are "
                        f"immutable; use the return value).")


def sum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
        initial: Any = None, where: Any = None) -> Any:
    _no_out(out, "sum")
    a = _arr(a)
    if dtype is not None:
        a = astype(a, dtype)
    if where is not None:
        a = ew.select(_arr(where), a, 0)
    x_shape = shape_of(a)
    axes = _axes(axis, len(x_shape), "sum")
    result = _keep(sh.reduce_sum(a, axes), x_shape, axes, keepdims)
    return result if initial is None else add(result, initial)


def prod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
         initial: Any = None, where: Any = None) -> Any:
    _no_out(out, "prod")
    a = _arr(a)
    if dtype is not None:
        a = astype(a, dtype)
    if where is not None:
        a = ew.select(_arr(where), a, 1)
    x_shape = shape_of(a)
    axes = _axes(axis, len(x_shape), "prod")
    result = _keep(red.reduce_prod(a, axes), x_shape, axes, keepdims)
    return result if initial is None else multiply(result, initial)


def _chooser(reduce: Any, name: str) -> Any:
    def fn(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,
           initial: Any = None, where: Any = None) -> Any:
        _no_out(out, name)
        if where is not None:
            raise NotImplementedError(f"funcad.numpy.{name}: where= is not supported yet")
        a = _arr(a)
        x_shape = shape_of(a)
        axes = _axes(axis, len(x_shape), name)
        if initial is not None and not isinstance(initial, Tracer):
            initial = np.array(initial, dtype_of(a))  # NumPy casts it to the array's dtype
        if builtins.any(x_shape[i] == 0 for i in axes):
            if initial is None:
                raise ValueError(f"zero-size array to reduction operation {name} which has no "
                                 f"identity (pass initial=)")
            kept = tuple(1 if i in axes else n for i, n in enumerate(x_shape) if keepdims or
                         i not in axes)
            return broadcast_to(initial, kept)
        result = _keep(reduce(a, axes), x_shape, axes, keepdims)
        if initial is not None:
            result = (maximum if name == "max" else minimum)(result, initial)
        return result

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"The {name}imum over ``axis``; its gradient is split evenly between ties."
    return fn


max = _chooser(red.reduce_max, "max")
min = _chooser(red.reduce_min, "min")
amax, amin = max, min


def mean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
         keepdims: bool = False, where: Any = None) -> Any:
    _no_out(out, "mean")
    a = _arr(a)
    if dtype is None and dtype_of(a).kind in "biu":
        dtype = np.float64
    x_shape = shape_of(a)
    axes = _axes(axis, len(x_shape), "mean")
    if where is not None:
        mask = broadcast_to(_arr(where), x_shape)
        total = sum(a, axis, dtype, keepdims=keepdims, where=mask)
        return divide(total, sum(astype(mask, total.dtype if dtype is None else dtype), axis,
                                 keepdims=keepdims))
    count = int(np.prod([x_shape[i] for i in axes], dtype=np.int64))
    return divide(sum(a, axis, dtype, keepdims=keepdims), count)


def var(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0,
        keepdims: bool = False, *, correction: Any = None) -> Any:
    _no_out(out, "var")
    if correction is not None:
        ddof = correction
    a = _arr(a)
    if dtype is None and dtype_of(a).kind in "biu":
        dtype = np.float64
    if dtype is not None:
        a = astype(a, dtype)
    x_shape = shape_of(a)
    axes = _axes(axis, len(x_shape), "var")
    centered = subtract(a, mean(a, axis, keepdims=True))
    count = int(np.prod([x_shape[i] for i in axes], dtype=np.int64))
    return divide(sum(square(centered), axis, keepdims=keepdims), builtins.max(count - ddof, 0))


def std(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0,
        keepdims: bool = False, *, correction: Any = None) -> Any:
    return sqrt(var(a, axis, dtype, out, ddof, keepdims, correction=correction))


def _arg_chooser(primitive: Any, name: str) -> Any:
    def fn(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Any:
        _no_out(out, name)
        a = _arr(a)
        if axis is None:
            result = primitive.bind(ravel(a), axis=0)
            return reshape(result, (1,) * _ndim(a)) if keepdims else result
        (ax,) = _axes(axis, _ndim(a), name)
        result = primitive.bind(a, axis=ax)
        return expand_dims(result, ax) if keepdims else result

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Index of the {name[3:]}imum (an integer array; no derivative)."
    return fn


argmax = _arg_chooser(red.argmax_p, "argmax")
argmin = _arg_chooser(red.argmin_p, "argmin")


def all(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
    a = _arr(a)
    axes = _axes(axis, _ndim(a), "all")
    return _keep(red.reduce_and_p.bind(a, axes=axes), shape_of(a), axes, keepdims)


def any(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
    a = _arr(a)
    axes = _axes(axis, _ndim(a), "any")
    return _keep(red.reduce_or_p.bind(a, axes=axes), shape_of(a), axes, keepdims)


def cumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    _no_out(out, "cumsum")
    a = _arr(a)
    if dtype is not None:
        a = astype(a, dtype)
    if axis is None:
        a, axis = ravel(a), 0
    (ax,) = _axes(axis, _ndim(a), "cumsum")
    return red.cumsum(a, ax)


def count_nonzero(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return sum(not_equal(a, 0), axis=axis, keepdims=keepdims)


# ----------------------------------------------------------------------------------------------
# Shapes and layout.


def reshape(a: Any, shape: Any = None, order: str = "C", *, newshape: Any = None) -> Any:
    if order != "C":
        raise NotImplementedError("reshape: only order='C' is supported")
    shape = newshape if shape is None else shape
    a = _arr(a)
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    shape = [operator.index(n) for n in shape]
    size_ = int(np.prod(shape_of(a), dtype=np.int64))
    if shape.count(-1) > 1:
        raise ValueError("reshape: can only specify one unknown dimension (-1)")
    if -1 in shape:
        known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
        if known == 0 or size_ % known:
            raise ValueError(f"cannot reshape array of size {size_} into shape {tuple(shape)}")
        shape[shape.index(-1)] = size_ // known
    if int(np.prod(shape, dtype=np.int64)) != size_:
        raise ValueError(f"cannot reshape array of size {size_} into shape {tuple(shape)}")
    return sh.reshape(a, shape)


def ravel(a: Any, order: str = "C") -> Any:
    return reshape(a, (-1,), order)


def transpose(a: Any, axes: Any = None) -> Any:
    a = _arr(a)
    n = _ndim(a)
    if axes is None:
        axes = tuple(range(n))[::-1]
    axes = _axes(tuple(axes), n, "transpose")
    if len(axes) != n:
        raise ValueError(f"transpose: axes {axes} don't match an array of {n} dimensions")
    return sh.transpose(a, axes)


def matrix_transpose(x: Any) -> Any:
    n = _ndim(x)
    return transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    a = _arr(a)
    n = _ndim(a)
    (i,), (j,) = _axes(axis1, n, "swapaxes"), _axes(axis2, n, "swapaxes")
    perm = list(range(n))
    perm[i], perm[j] = perm[j], perm[i]
    return sh.transpose(a, perm)


def moveaxis(a: Any, source: Any, destination: Any) -> Any:
    a = _arr(a)
    n = _ndim(a)
    src = _axes(source, n, "moveaxis")
    dst = _axes(destination, n, "moveaxis")
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must have the same length")
    order = [i for i in range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return sh.transpose(a, order)


def expand_dims(a: Any, axis: Any) -> Any:
    a = _arr(a)
    x_shape = shape_of(a)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out_ndim = len(x_shape) + len(axes)
    axes = _axes(axes, out_ndim, "expand_dims")
    it = iter(x_shape)
    new_shape = [1 if i in axes else next(it) for i in range(out_ndim)]
    return sh.reshape(a, new_shape)


def squeeze(a: Any, axis: Any = None) -> Any:
    a = _arr(a)
    x_shape = shape_of(a)
    if axis is None:
        axes = tuple(i for i, n in enumerate(x_shape) if n == 1)
    else:
        axes = _axes(axis, len(x_shape), "squeeze")
        for i in axes:
            if x_shape[i] != 1:
                raise ValueError(f"squeeze: cannot select an axis to squeeze out which has "
                                 f"size not equal to one (axis {i} has size {x_shape[i]})")
    return sh.reshape(a, [n for i, n in enumerate(x_shape) if i not in axes])


def broadcast_to(array: Any, shape: Any) -> Any:
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    return sh.broadcast_to(_arr(array), tuple(shape))


def broadcast_arrays(*args: Any) -> list[Any]:
    args = [_arr(a) for a in args]
    shape_ = np.broadcast_shapes(*(shape_of(a) for a in args))
    return [broadcast_to(a, shape_) for a in args]


def atleast_1d(*arys: Any) -> Any:
    out = [reshape(a, (1,)) if _ndim(_arr(a)) == 0 else _arr(a) for a in arys]
    return out[0] if len(out) == 1 else out


def atleast_2d(*arys: Any) -> Any:
    out = []
    for a in arys:
        a = _arr(a)
        out.append(reshape(a, (1,) * (2 - _ndim(a)) + shape_of(a)) if _ndim(a) < 2 else a)
    return out[0] if len(out) == 1 else out


def concatenate(arrays: Sequence[Any], axis: Any = 0, dtype: Any = None) -> Any:
    arrays = [_arr(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        arrays, axis = [ravel(a) for a in arrays], 0
    n = _ndim(arrays[0])
    if n == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    (ax,) = _axes(axis, n, "concatenate")
    if dtype is not None:
        arrays = [astype(a, dtype) for a in arrays]
    if len(arrays) == 1:
        return arrays[0]
    return ix.concatenate(arrays, ax)


def stack(arrays: Sequence[Any], axis: int = 0, dtype: Any = None) -> Any:
    arrays = [_arr(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to stack")
    shapes = {tuple(shape_of(a)) for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"all input arrays must have the same shape, got {sorted(shapes)}")
    (ax,) = _axes(axis, _ndim(arrays[0]) + 1, "stack")
    expanded = [expand_dims(a, ax) for a in arrays]
    if dtype is not None:
        expanded = [astype(a, dtype) for a in expanded]
    return expanded[0] if len(expanded) == 1 else ix.concatenate(expanded, ax)


def hstack(tup: Sequence[Any]) -> Any:
    arrs = atleast_1d(*tup)
    arrs = [arrs] if not isinstance(arrs, list) else arrs
    return concatenate(arrs, axis=0 if _ndim(arrs[0]) == 1 else 1)


def vstack(tup: Sequence[Any]) -> Any:
    arrs = atleast_2d(*tup)
    arrs = [arrs] if not isinstance(arrs, list) else arrs
    return concatenate(arrs, axis=0)


def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    ary = _arr(ary)
    (ax,) = _axes(axis, _ndim(ary), "split")
    n = shape_of(ary)[ax]
    if isinstance(indices_or_sections, (int, np.integer)):
        if n % indices_or_sections:
            raise ValueError("array split does not result in an equal division")
        step = n // indices_or_sections
        bounds = list(range(0, n + 1, step)) if step else [0] * (indices_or_sections + 1)
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    pieces = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        index = (ix.Slice(None, None, None),) * ax + (ix.Slice(start, stop, None),)
        pieces.append(ix.getitem(ary, index))
    return pieces


def flip(m: Any, axis: Any = None) -> Any:
    m = _arr(m)
    axes = _axes(axis, _ndim(m), "flip")
    index = tuple(ix.Slice(None, None, -1) if i in axes else ix.Slice(None, None, None)
                  for i in range(_ndim(m)))
    return ix.getitem(m, index)


def tile(a: Any, reps: Any) -> Any:
    a = _arr(a)
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    x_shape = shape_of(a)
    n = builtins.max(len(reps), len(x_shape))
    reps = (1,) * (n - len(reps)) + reps
    x_shape = (1,) * (n - len(x_shape)) + tuple(x_shape)
    a = reshape(a, x_shape)
    # Interleave: (1, s0, 1, s1, ...) broadcast to (r0, s0, r1, s1, ...).
    inter = tuple(v for s in x_shape for v in (1, s))
    target = tuple(v for r, s in zip(reps, x_shape) for v in (r, s))
    out = broadcast_to(reshape(a, inter), target)
    return reshape(out, tuple(r * s for r, s in zip(reps, x_shape)))


def repeat(a: Any, repeats: int, axis: Any = None) -> Any:
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    (ax,) = _axes(axis, _ndim(a), "repeat")
    if not isinstance(repeats, (int, np.integer)):
        index = np.repeat(np.arange(shape_of(a)[ax]), repeats)
        return take(a, index, axis=ax)
    x_shape = tuple(shape_of(a))
    expanded = expand_dims(a, ax + 1)
    target = x_shape[: ax + 1] + (int(repeats),) + x_shape[ax + 1:]
    out_shape = x_shape[:ax] + (x_shape[ax] * int(repeats),) + x_shape[ax + 1:]
    return reshape(broadcast_to(expanded, target), out_shape)


def take(a: Any, indices: Any, axis: Any = None) -> Any:
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    (ax,) = _axes(axis, _ndim(a), "take")
    index = (slice(None),) * ax + (indices,)
    return _getitem(a, index)


def take_along_axis(arr: Any, indices: Any, axis: int) -> Any:
    arr = _arr(arr)
    (ax,) = _axes(axis, _ndim(arr), "take_along_axis")
    idx_shape = shape_of(indices)
    index = []
    for i, n in enumerate(shape_of(arr)):
        if i == ax:
            index.append(indices)
        else:
            shape_i = [1] * len(idx_shape)
            shape_i[i] = n
            index.append(np.arange(n).reshape(shape_i))
    return _getitem(arr, tuple(index))


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    a = _arr(a)
    n = _ndim(a)
    (i,), (j,) = _axes(axis1, n, "diagonal"), _axes(axis2, n, "diagonal")
    rest = [k for k in range(n) if k not in (i, j)]
    moved = sh.transpose(a, rest + [i, j])
    rows, cols = shape_of(moved)[-2:]
    start_r, start_c = (0, offset) if offset >= 0 else (-offset, 0)
    length = builtins.max(0, builtins.min(rows - start_r, cols - start_c))
    r = np.arange(start_r, start_r + length)
    c = np.arange(start_c, start_c + length)
    return _getitem(moved, (Ellipsis, r, c))


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    return sum(diagonal(a, offset, axis1, axis2), axis=-1)


def diag(v: Any, k: int = 0) -> Any:
    v = _arr(v)
    if _ndim(v) == 2:
        return diagonal(v, k)
    if _ndim(v) != 1:
        raise ValueError("diag: input must be 1-d or 2-d")
    n = shape_of(v)[0] + builtins.abs(k)
    rows = np.arange(shape_of(v)[0]) + builtins.max(0, -k)
    cols = np.arange(shape_of(v)[0]) + builtins.max(0, k)
    out = zeros((n, n), dtype_of(v))
    return ix.index_update(out, v, (ix.ArrayIndex(0), ix.ArrayIndex(1)), "set", rows, cols)


def triu(m: Any, k: int = 0) -> Any:
    m = _arr(m)
    rows, cols = shape_of(m)[-2:]
    return where(np.triu(np.ones((rows, cols), bool), k), m, np.zeros((), dtype_of(m)))


def tril(m: Any, k: int = 0) -> Any:
    m = _arr(m)
    rows, cols = shape_of(m)[-2:]
    return where(np.tril(np.ones((rows, cols), bool), k), m, np.zeros((), dtype_of(m)))


# ----------------------------------------------------------------------------------------------
# Products: all of them are dot_general.


def matmul(a: Any, b: Any) -> Any:
    """The matrix product with NumPy's rules: 1-d operands are promoted and the added axis
    removed; leading (batch) axes broadcast."""
    a, b = _arr(a), _arr(b)
    a_shape, b_shape = tuple(shape_of(a)), tuple(shape_of(b))
    if not a_shape or not b_shape:
        raise ValueError("matmul: input operand does not have enough dimensions (0-d); use *")
    if a_shape[-1] != b_shape[-2 if len(b_shape) > 1 else 0]:
        raise ValueError(
            f"matmul: mismatch in its core dimension: {a_shape} @ {b_shape} (the last axis of "
            f"the first operand must match the {'second-to-' if len(b_shape) > 1 else ''}last "
            f"axis of the second)")
    if len(a_shape) == 1 or len(b_shape) == 1:
        # dot_general's layout (lhs free axes, then rhs free axes) is matmul's layout here.
        b_contract = 0 if len(b_shape) == 1 else len(b_shape) - 2
        out = dot_general(a, b, (((len(a_shape) - 1,), (b_contract,)), ((), ())))
        if len(a_shape) == 1 and len(b_shape) > 2:
            # a(K) @ b(..., K, N): dot_general gave (..., N) already in order.
            return out
        return out
    if len(a_shape) == 2 and len(b_shape) == 2:
        return dot_general(a, b, (((1,), (0,)), ((), ())))
    batch = np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    if len(b_shape) == 2:  # fold a's batch axes into its rows
        return dot_general(a, b, (((len(a_shape) - 1,), (0,)), ((), ())))
    a = broadcast_to(a, batch + a_shape[-2:])
    b = broadcast_to(b, batch + b_shape[-2:])
    nb = len(batch)
    return dot_general(a, b, (((nb + 1,), (nb,)), (tuple(range(nb)), tuple(range(nb)))))


def dot(a: Any, b: Any) -> Any:
    """numpy.dot: sum over the last axis of a and the second-to-last of b (the only axis of
    a 1-d b); a product with a scalar is an elementwise product."""
    a, b = _arr(a), _arr(b)
    if _ndim(a) == 0 or _ndim(b) == 0:
        return multiply(a, b)
    b_axis = builtins.max(_ndim(b) - 2, 0)
    if shape_of(a)[-1] != shape_of(b)[b_axis]:
        raise ValueError(f"dot: shapes {shape_of(a)} and {shape_of(b)} not aligned: "
                         f"{shape_of(a)[-1]} (dim {_ndim(a) - 1}) != "
                         f"{shape_of(b)[b_axis]} (dim {b_axis})")
    return dot_general(a, b, (((_ndim(a) - 1,), (b_axis,)), ((), ())))


def vdot(a: Any, b: Any) -> Any:
    return dot(ravel(a), ravel(b))


def inner(a: Any, b: Any) -> Any:
    a, b = _arr(a), _arr(b)
    if _ndim(a) == 0 or _ndim(b) == 0:
        return multiply(a, b)
    return dot_general(a, b, (((_ndim(a) - 1,), (_ndim(b) - 1,)), ((), ())))


def outer(a: Any, b: Any) -> Any:
    a, b = ravel(a), ravel(b)
    return multiply(reshape(a, (-1, 1)), reshape(b, (1, -1)))


def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    a, b = _arr(a), _arr(b)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        a_axes = tuple(range(_ndim(a) - n, _ndim(a)))
        b_axes = tuple(range(n))
    else:
        a_axes, b_axes = axes
        a_axes = (a_axes,) if isinstance(a_axes, (int, np.integer)) else tuple(a_axes)
        b_axes = (b_axes,) if isinstance(b_axes, (int, np.integer)) else tuple(b_axes)
        a_axes = _axes(a_axes, _ndim(a), "tensordot")
        b_axes = _axes(b_axes, _ndim(b), "tensordot")
    return dot_general(a, b, ((a_axes, b_axes), ((), ())))


def kron(a: Any, b: Any) -> Any:
    a, b = _arr(a), _arr(b)
    if _ndim(a) != _ndim(b):
        n = builtins.max(_ndim(a), _ndim(b))
        a = reshape(a, (1,) * (n - _ndim(a)) + shape_of(a))
        b = reshape(b, (1,) * (n - _ndim(b)) + shape_of(b))
    sa, sb = shape_of(a), shape_of(b)
    inter_a = tuple(v for s in sa for v in (s, 1))
    inter_b = tuple(v for s in sb for v in (1, s))
    out = multiply(reshape(a, inter_a), reshape(b, inter_b))
    return reshape(out, tuple(x * y for x, y in zip(sa, sb)))


from funcad.numpy._einsum import einsum  # noqa: E402
from funcad.numpy._sorting import argsort, sort  # noqa: E402,F401

# ----------------------------------------------------------------------------------------------
# Constants (plain NumPy arrays: they carry no derivative).


def zeros_like(a: Any, dtype: Any = None, shape: Any = None) -> Any:
    a = _arr(a)
    return with_at(np.zeros(shape_of(a) if shape is None else shape,
                            dtype_of(a) if dtype is None else dtype))


def ones_like(a: Any, dtype: Any = None, shape: Any = None) -> Any:
    a = _arr(a)
    return with_at(np.ones(shape_of(a) if shape is None else shape,
                           dtype_of(a) if dtype is None else dtype))


def full_like(a: Any, fill_value: Any, dtype: Any = None, shape: Any = None) -> Any:
    a = _arr(a)
    shape = shape_of(a) if shape is None else shape
    dtype = dtype_of(a) if dtype is None else dtype
    if isinstance(fill_value, Tracer):
        return broadcast_to(astype(fill_value, dtype), shape)
    return with_at(np.full(shape, fill_value, dtype))


def empty_like(a: Any, dtype: Any = None, shape: Any = None) -> Any:
    return zeros_like(a, dtype, shape)


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Any:
    if isinstance(fill_value, Tracer):
        value = fill_value if dtype is None else astype(fill_value, dtype)
        return broadcast_to(value, (shape,) if isinstance(shape, int) else tuple(shape))
    return with_at(np.full(shape, fill_value, dtype))


zeros = returns_array(np.zeros)
ones = returns_array(np.ones)
empty = returns_array(np.zeros)
eye = returns_array(np.eye)
identity = returns_array(np.identity)
arange = returns_array(np.arange)
linspace = returns_array(np.linspace)
logspace = returns_array(np.logspace)
geomspace = returns_array(np.geomspace)
tri = returns_array(np.tri)


def meshgrid(*xi: Any, **kwargs: Any) -> list[Any]:
    return [with_at(m) for m in np.meshgrid(*xi, **kwargs)]

# ----------------------------------------------------------------------------------------------
# Indexing (also Tracer.__getitem__) and the .at[...] updates.


def _normalize_index(index: Any) -> tuple[tuple, list[Any]]:
    """Split a NumPy index into a static indexer and its integer index arrays. Boolean masks
    become integer arrays (they need concrete values: the result's shape depends on them)."""
    if not isinstance(index, tuple):
        index = (index,)
    indexer: list[Any] = []
    arrays: list[Any] = []
    for item in index:
        if item is None or item is Ellipsis:
            indexer.append(item)
        elif isinstance(item, slice):
            indexer.append(ix.Slice(*(None if v is None else operator.index(v)
                                      for v in (item.start, item.stop, item.step))))
        elif isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_)):
            indexer.append(int(item))
        else:
            if isinstance(item, Tracer):
                arr = item
            else:
                arr = np.asarray(item)
                if arr.dtype == object:
                    raise IndexError(f"invalid index {item!r}")
            kind = dtype_of(arr).kind
            if kind == "b":
                value = _concrete(arr, "boolean mask indexing")
                if np.ndim(value) == 0:
                    raise IndexError("funcad does not support a 0-d boolean index (x[True]); "
                                     "use x[None] or where()")
                for part in np.nonzero(value):
                    indexer.append(ix.ArrayIndex(len(arrays)))
                    arrays.append(part)
            elif kind in "iu":
                indexer.append(ix.ArrayIndex(len(arrays)))
                arrays.append(arr)
            else:
                raise IndexError(
                    f"only integers, slices (:), ellipsis (...), None, and integer or boolean "
                    f"arrays are valid indices; got {item!r} of dtype {dtype_of(arr).name}")
    return tuple(indexer), arrays


def _getitem(x: Any, index: Any) -> Any:
    indexer, arrays = _normalize_index(index)
    return ix.getitem(_arr(x), indexer, *arrays)


class _IndexUpdateRef:
    """``x.at[index]``: functional updates returning a new array."""

    __slots__ = ("array", "index")

    def __init__(self, array: Any, index: Any):
        self.array = array
        self.index = index

    def _update(self, values: Any, mode: str) -> Any:
        indexer, arrays = _normalize_index(self.index)
        return with_at(ix.index_update(self.array, _arr(values), indexer, mode, *arrays))

    def get(self) -> Any:
        return _getitem(self.array, self.index)

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
        return f"_IndexUpdateRef({self.array!r}, {self.index!r})"


class _IndexUpdateHelper:
    __slots__ = ("array",)

    def __init__(self, array: Any):
        self.array = array

    def __getitem__(self, index: Any) -> _IndexUpdateRef:
        return _IndexUpdateRef(self.array, index)


def at(x: Any) -> _IndexUpdateHelper:
    """``fnp.at(x)[i].set(v)``: the ``.at`` updates for any array, NumPy arrays included."""
    return _IndexUpdateHelper(_arr(x))


from funcad.numpy import _tracer_methods  # noqa: E402,F401  (installs the array API on Tracer)
from funcad.numpy import linalg  # noqa: E402,F401
