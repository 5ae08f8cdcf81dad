"""Elementwise functions: NumPy's ufuncs and the functions made of them (``where``, ``clip``,
``hypot``, ``sinc``...).

``sin``, ``add`` and the other ufunc wrappers are on the hot path of eager gradients: each is
one wrapper call that converts a non-array operand and calls the primitive's binder.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from funcad.core import dtype_of, get_aval, is_python_scalar
from funcad.numpy._conversion import ARRAY_LIKE, as_operand, astype
from funcad.numpy._indexing import nonzero
from funcad.primitives import elementwise
from funcad.primitives.elementwise import LOG2
from funcad.primitives.shape import convert_element_type

__all__ = [
    "negative", "positive", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "asin", "acos",
    "atan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "exp", "exp2", "log",
    "log2", "log10", "log1p", "expm1", "sqrt", "cbrt", "square", "reciprocal", "absolute",
    "abs", "fabs", "sign", "floor", "ceil", "rint", "round", "around", "isnan", "isinf",
    "isfinite", "logical_not", "add", "subtract", "multiply", "divide", "true_divide",
    "maximum", "minimum", "fmax", "fmin", "arctan2", "atan2", "remainder", "mod",
    "floor_divide", "power", "float_power", "hypot", "logaddexp", "logaddexp2", "equal",
    "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
    "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "invert",
    "bitwise_not", "sinc", "deg2rad", "rad2deg", "radians", "degrees", "where", "clip",
    "nan_to_num",
]


def _unary(primitive_binder: Any, name: str, doc: str = "") -> Any:
    def fn(x: Any) -> Any:
        return primitive_binder(x if isinstance(x, ARRAY_LIKE) else as_operand(x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc or f"Elementwise {name}, as numpy.{name}."
    return fn


negative = _unary(elementwise.neg, "negative")
sin = _unary(elementwise.sin, "sin")
cos = _unary(elementwise.cos, "cos")
tan = _unary(elementwise.tan, "tan")
arcsin = _unary(elementwise.asin, "arcsin")
arccos = _unary(elementwise.acos, "arccos")
arctan = _unary(elementwise.atan, "arctan")
sinh = _unary(elementwise.sinh, "sinh")
cosh = _unary(elementwise.cosh, "cosh")
tanh = _unary(elementwise.tanh, "tanh")
arcsinh = _unary(elementwise.asinh, "arcsinh")
arccosh = _unary(elementwise.acosh, "arccosh")
arctanh = _unary(elementwise.atanh, "arctanh")
exp = _unary(elementwise.exp, "exp")
exp2 = _unary(elementwise.exp2, "exp2")
log = _unary(elementwise.log, "log")
log2 = _unary(elementwise.log2, "log2")
log10 = _unary(elementwise.log10, "log10")
log1p = _unary(elementwise.log1p, "log1p")
expm1 = _unary(elementwise.expm1, "expm1")
sqrt = _unary(elementwise.sqrt, "sqrt")
cbrt = _unary(elementwise.cbrt, "cbrt")
absolute = _unary(elementwise.abs, "absolute")
abs = absolute
sign = _unary(elementwise.sign, "sign", "Elementwise sign (derivative zero).")
floor = _unary(elementwise.floor, "floor", "Elementwise floor (derivative zero).")
ceil = _unary(elementwise.ceil, "ceil", "Elementwise ceil (derivative zero).")
rint = _unary(elementwise.round, "rint", "Round to the nearest integer (derivative zero).")
isnan = _unary(elementwise.isnan, "isnan")
isinf = _unary(elementwise.isinf, "isinf")
isfinite = _unary(elementwise.isfinite, "isfinite")
logical_not = _unary(elementwise.logical_not, "logical_not")
asin, acos, atan = arcsin, arccos, arctan


def _as_ufunc_computes(ufunc: np.ufunc, *args: Any) -> list[Any]:
    """The operands cast to the dtype NumPy's ``ufunc`` computes in, for a function built
    from several primitives: hypot(f32, i64) is computed in f64 and deg2rad(i8) in f16, as in
    NumPy, so values and dtypes match. (Python scalars are converted too: the result of an
    operation on one is a strong NumPy scalar, so they would not stay weak along the way.)"""
    args = [as_operand(a) for a in args]
    dtype = elementwise.ufunc_result_dtype(ufunc, tuple(get_aval(a) for a in args))
    return [a if dtype_of(a) == dtype and not is_python_scalar(a)
            else convert_element_type(a, dtype) for a in args]


def fabs(x: Any) -> Any:
    """Absolute value in floating point (integers become floats, as numpy.fabs)."""
    return elementwise.abs(*_as_ufunc_computes(np.fabs, x))


def positive(x: Any) -> Any:
    x = as_operand(x)
    return astype(x, dtype_of(x))  # (a Python scalar becomes a strong NumPy scalar)


def square(x: Any) -> Any:
    x = as_operand(x)
    if dtype_of(x) == np.bool_:
        x = convert_element_type(x, np.int8)  # numpy.square's loop for booleans
    return elementwise.integer_pow(x, 2)


def reciprocal(x: Any) -> Any:
    return elementwise.div(1, as_operand(x))


def round(a: Any, decimals: int = 0) -> Any:
    """Round to ``decimals`` places (halves to even, like NumPy). Derivative zero."""
    a = as_operand(a)
    if dtype_of(a).kind in "iu":  # integers stay integers (rounded to tens... if decimals < 0)
        if decimals >= 0:
            return astype(a, dtype_of(a))  # (a Python int becomes a strong NumPy int)
        return astype(round(astype(a, np.float64), decimals), dtype_of(a))
    if decimals == 0:
        return elementwise.round(a)
    scale = 10.0 ** decimals
    return elementwise.div(elementwise.round(elementwise.mul(a, scale)), scale)


around = round


def _binary(primitive_binder: Any, name: str, doc: str = "") -> Any:
    def fn(x: Any, y: Any) -> Any:
        return primitive_binder(x if isinstance(x, ARRAY_LIKE) else as_operand(x),
                                y if isinstance(y, ARRAY_LIKE) else as_operand(y))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc or f"Elementwise {name} with broadcasting, as numpy.{name}."
    return fn


add = _binary(elementwise.add, "add")
subtract = _binary(elementwise.sub, "subtract")
multiply = _binary(elementwise.mul, "multiply")
divide = _binary(elementwise.div, "divide")
true_divide = divide
maximum = _binary(elementwise.max, "maximum")
minimum = _binary(elementwise.min, "minimum")
arctan2 = _binary(elementwise.atan2, "arctan2")
atan2 = arctan2
remainder = _binary(elementwise.rem, "remainder")
mod = remainder
floor_divide = _binary(elementwise.floor_divide, "floor_divide", "x // y (derivative zero).")
logaddexp = _binary(elementwise.logaddexp, "logaddexp")
equal = _binary(elementwise.eq, "equal")
not_equal = _binary(elementwise.ne, "not_equal")
less = _binary(elementwise.lt, "less")
less_equal = _binary(elementwise.le, "less_equal")
greater = _binary(elementwise.gt, "greater")
greater_equal = _binary(elementwise.ge, "greater_equal")
logical_and = _binary(elementwise.logical_and, "logical_and")
logical_or = _binary(elementwise.logical_or, "logical_or")
logical_xor = _binary(elementwise.logical_xor, "logical_xor")


def fmax(x: Any, y: Any) -> Any:
    """Elementwise maximum ignoring nan (nan only where both are nan), as numpy.fmax."""
    x, y = as_operand(x), as_operand(y)
    return where(isnan(x), y, where(isnan(y), x, maximum(x, y)))


def fmin(x: Any, y: Any) -> Any:
    """Elementwise minimum ignoring nan (nan only where both are nan), as numpy.fmin."""
    x, y = as_operand(x), as_operand(y)
    return where(isnan(x), y, where(isnan(y), x, minimum(x, y)))


def bitwise_and(x: Any, y: Any) -> Any:
    """x & y: bitwise on integers, logical on booleans (as NumPy)."""
    return elementwise.bitwise_and_p.bind(as_operand(x), as_operand(y))


def bitwise_or(x: Any, y: Any) -> Any:
    return elementwise.bitwise_or_p.bind(as_operand(x), as_operand(y))


def bitwise_xor(x: Any, y: Any) -> Any:
    return elementwise.bitwise_xor_p.bind(as_operand(x), as_operand(y))


def invert(x: Any) -> Any:
    return elementwise.bitwise_not_p.bind(as_operand(x))


bitwise_not = invert


def power(x: Any, y: Any) -> Any:
    """x ** y. A Python int exponent uses ``integer_pow`` (no logarithm in its derivative);
    a traced exponent has derivative x**y * log(x)."""
    x = as_operand(x)
    if type(y) is int:
        return elementwise.integer_pow(x, y)
    return elementwise.pow(x, as_operand(y))


def float_power(x: Any, y: Any) -> Any:
    return power(astype(as_operand(x), np.float64), y)


def hypot(x: Any, y: Any) -> Any:
    """sqrt(x^2 + y^2), inf if either is infinite (even with a nan), as numpy.hypot."""
    x, y = _as_ufunc_computes(np.hypot, x, y)
    return where(logical_or(isinf(x), isinf(y)), np.inf, sqrt(add(square(x), square(y))))


def logaddexp2(x: Any, y: Any) -> Any:
    x, y = _as_ufunc_computes(np.logaddexp2, x, y)
    return divide(logaddexp(multiply(x, LOG2), multiply(y, LOG2)), LOG2)


def sinc(x: Any) -> Any:
    """sin(pi x) / (pi x), 1 at 0 (the 0 branch is made safe, so derivatives stay finite)."""
    x = as_operand(x)
    is_zero = equal(x, 0)
    safe = where(is_zero, 1.0, x)
    return where(is_zero, 1.0, divide(sin(multiply(np.pi, safe)), multiply(np.pi, safe)))


def deg2rad(x: Any) -> Any:
    return multiply(*_as_ufunc_computes(np.deg2rad, x), np.pi / 180)


def rad2deg(x: Any) -> Any:
    return multiply(*_as_ufunc_computes(np.rad2deg, x), 180 / np.pi)


radians, degrees = deg2rad, rad2deg


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """where(cond, x, y): x where cond holds, else y. With only ``cond``, the indices where it
    holds (needs concrete values, like numpy.nonzero).

    Gradients flow only to the selected branch: the branch not taken gets a zero cotangent,
    and the derivative rules of functions with singularities (``sqrt``, ``log``, division,
    ``arcsin``...) turn zero times an infinite or NaN derivative into an exact zero, so
    ``where(x > 0, sqrt(x), 0)`` has gradient 0 at x < 0. A product the user writes follows
    IEEE arithmetic (``0 * inf`` is nan); there, make the unselected input safe first, the
    "double where": ``where(x > 0, f(where(x > 0, x, 1)), 0)``."""
    if x is None and y is None:
        return nonzero(condition)
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither")
    condition = as_operand(condition)
    if dtype_of(condition) != np.bool_:
        condition = not_equal(condition, 0)
    return elementwise.select(condition, as_operand(x), as_operand(y))


def clip(a: Any, a_min: Any = None, a_max: Any = None, *, min: Any = None,
         max: Any = None) -> Any:
    """Clip to [a_min, a_max]: minimum(maximum(a, a_min), a_max)."""
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    out = as_operand(a)
    if lo is not None:
        out = maximum(out, lo)
    if hi is not None:
        out = minimum(out, hi)
    return out


def nan_to_num(x: Any, nan: float = 0.0, posinf: Any = None, neginf: Any = None) -> Any:
    x = as_operand(x)
    info = np.finfo(dtype_of(x)) if dtype_of(x).kind == "f" else None
    posinf = posinf if posinf is not None else (info.max if info else 0)
    neginf = neginf if neginf is not None else (info.min if info else 0)
    x = where(isnan(x), nan, x)
    x = where(equal(x, np.inf), posinf, x)
    return where(equal(x, -np.inf), neginf, x)
