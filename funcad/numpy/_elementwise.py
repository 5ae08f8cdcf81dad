"""Elementwise functions: NumPy's ufuncs and the functions made of them (``where``, ``clip``,
``hypot``, ``sinc``...).

``sin``, ``add`` and the other ufunc wrappers are on the hot path of eager gradients: each is
one wrapper call that converts a non-array operand and calls the primitive's binder.
"""

from __future__ import annotations

from typing import Any, Protocol, overload

import numpy as np

from funcad.core import dtype_of, get_aval, is_python_scalar
from funcad.numpy._conversion import ARRAY_LIKE, as_operand, astype
from funcad.numpy._indexing import nonzero
from funcad.primitives import elementwise, numeric
from funcad.primitives.elementwise import LOG2
from funcad.primitives.shape import convert_element_type
from funcad.typing import Array, ArrayLike

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
    "nan_to_num", "acosh", "asinh", "atanh", "pow", "copysign", "divmod", "fmod", "frexp",
    "ldexp", "modf", "gcd", "lcm", "heaviside", "i0", "nextafter", "spacing", "signbit",
    "trunc", "fix", "isneginf", "isposinf", "left_shift", "right_shift", "bitwise_left_shift",
    "bitwise_right_shift", "bitwise_invert", "bitwise_count",
]


# The docstrings of the ufunc wrappers made by _unary and _binary: name -> (what it computes,
# the example's arguments, what the example returns).
_UFUNC_DOCS = {
    "negative": ("-x", "2.0", "np.float64(-2.0)"),
    "sin": ("Sine", "0.0", "np.float64(0.0)"),
    "cos": ("Cosine", "0.0", "np.float64(1.0)"),
    "tan": ("Tangent", "0.0", "np.float64(0.0)"),
    "arcsin": ("Inverse sine (also ``asin``)", "1.0", "np.float64(1.5707963267948966)"),
    "arccos": ("Inverse cosine (also ``acos``)", "1.0", "np.float64(0.0)"),
    "arctan": ("Inverse tangent (also ``atan``)", "1.0", "np.float64(0.7853981633974483)"),
    "sinh": ("Hyperbolic sine", "0.0", "np.float64(0.0)"),
    "cosh": ("Hyperbolic cosine", "0.0", "np.float64(1.0)"),
    "tanh": ("Hyperbolic tangent", "0.0", "np.float64(0.0)"),
    "arcsinh": ("Inverse hyperbolic sine", "0.0", "np.float64(0.0)"),
    "arccosh": ("Inverse hyperbolic cosine", "1.0", "np.float64(0.0)"),
    "arctanh": ("Inverse hyperbolic tangent", "0.0", "np.float64(0.0)"),
    "exp": ("e**x", "1.0", "np.float64(2.718281828459045)"),
    "exp2": ("2**x", "3.0", "np.float64(8.0)"),
    "log": ("Natural logarithm", "1.0", "np.float64(0.0)"),
    "log2": ("Base-2 logarithm", "8.0", "np.float64(3.0)"),
    "log10": ("Base-10 logarithm", "100.0", "np.float64(2.0)"),
    "log1p": ("log(1 + x), accurate for small x", "0.0", "np.float64(0.0)"),
    "expm1": ("exp(x) - 1, accurate for small x", "0.0", "np.float64(0.0)"),
    "sqrt": ("Square root", "4.0", "np.float64(2.0)"),
    "cbrt": ("Cube root", "-8.0", "np.float64(-2.0)"),
    "absolute": ("Absolute value (also ``abs``)", "-2.0", "np.float64(2.0)"),
    "sign": ("Sign", "-3.0", "np.float64(-1.0)"),
    "floor": ("Floor", "1.5", "np.float64(1.0)"),
    "ceil": ("Ceiling", "1.5", "np.float64(2.0)"),
    "rint": ("Nearest integer", "2.5", "np.float64(2.0)"),
    "isnan": ("True where x is nan", "funcad.numpy.nan", "np.True_"),
    "isinf": ("True where x is infinite", "funcad.numpy.inf", "np.True_"),
    "isfinite": ("True where x is neither infinite nor nan", "1.0", "np.True_"),
    "logical_not": ("not x", "0.0", "np.True_"),
    "add": ("x + y", "1.0, 2.0", "np.float64(3.0)"),
    "subtract": ("x - y", "1.0, 2.0", "np.float64(-1.0)"),
    "multiply": ("x * y", "2.0, 3.0", "np.float64(6.0)"),
    "divide": ("x / y, true division (also ``true_divide``)", "1, 4", "np.float64(0.25)"),
    "maximum": ("The larger of x and y (nan if either is)", "1.0, 2.0", "np.float64(2.0)"),
    "minimum": ("The smaller of x and y (nan if either is)", "1.0, 2.0", "np.float64(1.0)"),
    "arctan2": ("arctan(x / y) in the quadrant of (y, x) (also ``atan2``)", "1.0, 1.0",
                "np.float64(0.7853981633974483)"),
    "remainder": ("x mod y, with the sign of y (also ``mod``)", "-7, 3", "np.int64(2)"),
    "floor_divide": ("x // y", "7, 2", "np.int64(3)"),
    "logaddexp": ("log(exp(x) + exp(y)) without overflow", "0.0, 0.0",
                  "np.float64(0.6931471805599453)"),
    "equal": ("x == y", "1.0, 1.0", "np.True_"),
    "not_equal": ("x != y", "1.0, 1.0", "np.False_"),
    "less": ("x < y", "1.0, 2.0", "np.True_"),
    "less_equal": ("x <= y", "1.0, 2.0", "np.True_"),
    "greater": ("x > y", "1.0, 2.0", "np.False_"),
    "greater_equal": ("x >= y", "1.0, 2.0", "np.False_"),
    "logical_and": ("x and y", "True, False", "np.False_"),
    "logical_or": ("x or y", "True, False", "np.True_"),
    "logical_xor": ("x xor y", "True, False", "np.True_"),
}
_ZERO_DERIVATIVE = {"sign", "floor", "ceil", "rint", "floor_divide"}
_BOOLEAN_RESULT = {"isnan", "isinf", "isfinite", "logical_not", "equal", "not_equal", "less",
                   "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
                   "logical_xor"}


def _ufunc_docstring(name: str, doc: str, broadcasting: bool) -> str:
    """``doc`` (or the table's line for ``name``), what differentiating it gives, and an
    example from the table."""
    what, arguments, result = _UFUNC_DOCS[name]
    if not doc:
        derivative = ("A boolean result: no derivative." if name in _BOOLEAN_RESULT else
                      "Derivative zero." if name in _ZERO_DERIVATIVE else "Differentiable.")
        doc = (f"{what}, elementwise{' with broadcasting' if broadcasting else ''}, as "
               f"numpy.{name}. {derivative}")
    return f"{doc}\n\n>>> funcad.numpy.{name}({arguments})\n{result}\n"


class _Unary(Protocol):
    """The type of a one-operand ufunc wrapper (``sin``...)."""

    def __call__(self, x: ArrayLike) -> Array: ...


class _Binary(Protocol):
    """The type of a two-operand ufunc wrapper (``add``...)."""

    def __call__(self, x: ArrayLike, y: ArrayLike) -> Array: ...


def _unary(primitive_binder: Any, name: str, doc: str = "") -> _Unary:
    def fn(x: ArrayLike) -> Array:
        return primitive_binder(x if isinstance(x, ARRAY_LIKE) else as_operand(x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = _ufunc_docstring(name, doc, broadcasting=False)
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
    operands = [as_operand(a) for a in args]
    dtype = elementwise.ufunc_result_dtype(ufunc, tuple(get_aval(a) for a in operands))
    return [a if dtype_of(a) == dtype and not is_python_scalar(a)
            else convert_element_type(a, dtype) for a in operands]


def fabs(x: ArrayLike) -> Array:
    """Absolute value in floating point (integers become floats, as numpy.fabs)."""
    return elementwise.abs(*_as_ufunc_computes(np.fabs, x))


def positive(x: ArrayLike) -> Array:
    """+x, a copy (booleans refused, as numpy.positive does)."""
    x = as_operand(x)
    if dtype_of(x) == np.bool_:
        raise TypeError("positive: the argument x has dtype bool, for which numpy.positive "
                        "has no loop; use x itself, or x.astype(int).")
    return astype(x, dtype_of(x))  # (a Python scalar becomes a strong NumPy scalar)


def square(x: ArrayLike) -> Array:
    """x * x elementwise (booleans square as int8, as NumPy). Differentiable.

    >>> funcad.numpy.square(funcad.numpy.array([1.0, -2.0, 3.0]))
    Array([1., 4., 9.])
    >>> funcad.grad(funcad.numpy.square)(3.0)
    np.float64(6.0)
    """
    x = as_operand(x)
    if dtype_of(x) == np.bool_:
        x = convert_element_type(x, np.int8)  # numpy.square's loop for booleans
    return elementwise.integer_pow(x, 2)


def reciprocal(x: ArrayLike) -> Array:
    """1 / x elementwise. Differentiable. Unlike numpy.reciprocal, integers are divided in floating
    point (as jax.numpy.reciprocal).

    >>> funcad.numpy.reciprocal(4.0)
    np.float64(0.25)
    >>> funcad.grad(funcad.numpy.reciprocal)(2.0)
    np.float64(-0.25)
    """
    return elementwise.div(1, as_operand(x))


def round(a: ArrayLike, decimals: int = 0) -> Array:
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


def _binary(primitive_binder: Any, name: str, doc: str = "") -> _Binary:
    def fn(x: ArrayLike, y: ArrayLike) -> Array:
        return primitive_binder(x if isinstance(x, ARRAY_LIKE) else as_operand(x),
                                y if isinstance(y, ARRAY_LIKE) else as_operand(y))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = _ufunc_docstring(name, doc, broadcasting=True)
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


def fmax(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise maximum ignoring nan (nan only where both are nan), as numpy.fmax. At a
    tie the derivative goes to y, as in JAX."""
    x, y = _as_ufunc_computes(np.fmax, x, y)
    return where(logical_or(greater(x, y), isnan(y)), x, y)


def fmin(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise minimum ignoring nan (nan only where both are nan), as numpy.fmin. At a
    tie the derivative goes to y, as in JAX."""
    x, y = _as_ufunc_computes(np.fmin, x, y)
    return where(logical_or(less(x, y), isnan(y)), x, y)


def bitwise_and(x: ArrayLike, y: ArrayLike) -> Array:
    """x & y: bitwise on integers, logical on booleans (as NumPy)."""
    return elementwise.bitwise_and_p.bind(as_operand(x), as_operand(y))


def bitwise_or(x: ArrayLike, y: ArrayLike) -> Array:
    """x | y: bitwise on integers, logical on booleans (as NumPy); no derivative.

    >>> funcad.numpy.bitwise_or(12, 10)
    np.int64(14)
    """
    return elementwise.bitwise_or_p.bind(as_operand(x), as_operand(y))


def bitwise_xor(x: ArrayLike, y: ArrayLike) -> Array:
    """x ^ y: bitwise on integers, logical on booleans (as NumPy); no derivative.

    >>> funcad.numpy.bitwise_xor(12, 10)
    np.int64(6)
    """
    return elementwise.bitwise_xor_p.bind(as_operand(x), as_operand(y))


def invert(x: ArrayLike) -> Array:
    """~x: bitwise NOT on integers, logical NOT on booleans (also named ``bitwise_not`` and
    ``bitwise_invert``); no derivative.

    >>> funcad.numpy.invert(funcad.numpy.array([0, 5], funcad.numpy.uint8))
    Array([255, 250], dtype=uint8)
    >>> funcad.numpy.invert(True)
    np.False_
    """
    return elementwise.bitwise_not_p.bind(as_operand(x))


bitwise_not = invert


def power(x: ArrayLike, y: ArrayLike) -> Array:
    """x ** y. A Python int exponent uses ``integer_pow`` (no logarithm in its derivative);
    a traced exponent has derivative x**y * log(x)."""
    x = as_operand(x)
    if type(y) is int:
        return elementwise.integer_pow(x, y)
    return elementwise.pow(x, as_operand(y))


def float_power(x: ArrayLike, y: ArrayLike) -> Array:
    """x ** y computed in float64 (complex128 for complex operands), as numpy.float_power."""
    x, y = _as_ufunc_computes(np.float_power, x, y)
    return elementwise.pow(x, y)


def hypot(x: ArrayLike, y: ArrayLike) -> Array:
    """sqrt(x^2 + y^2), inf if either is infinite (even with a nan), as numpy.hypot."""
    x, y = _as_ufunc_computes(np.hypot, x, y)
    return where(logical_or(isinf(x), isinf(y)), np.inf, sqrt(add(square(x), square(y))))


def logaddexp2(x: ArrayLike, y: ArrayLike) -> Array:
    """log2(2**x + 2**y) without overflow, as numpy.logaddexp2. Differentiable.

    >>> funcad.numpy.logaddexp2(1.0, 1.0)
    np.float64(2.0)
    >>> funcad.grad(funcad.numpy.logaddexp2)(1.0, 1.0)
    np.float64(0.5)
    """
    x, y = _as_ufunc_computes(np.logaddexp2, x, y)
    return divide(logaddexp(multiply(x, LOG2), multiply(y, LOG2)), LOG2)


def sinc(x: ArrayLike) -> Array:
    """sin(pi x) / (pi x), 1 at 0. Near 0 it is its Taylor polynomial 1 - u^2/6 + u^4/120
    (u = pi x, exact to rounding there), so its derivatives of every order are right at 0."""
    x = as_operand(x)
    if dtype_of(x).kind in "biu":
        x = astype(x, np.float64)  # (as numpy.sinc, which multiplies by pi first)
    u = multiply(x, np.pi)
    u2 = square(u)
    near_zero = less(absolute(u), 1e-3)
    safe = where(near_zero, 1.0, u)
    taylor = add(1.0, multiply(u2, add(-1 / 6, multiply(u2, 1 / 120))))
    return where(near_zero, taylor, divide(sin(safe), safe))


def deg2rad(x: ArrayLike) -> Array:
    """Degrees to radians, x * pi / 180 (also named ``radians``), computed in the dtype
    numpy.deg2rad uses. Differentiable.

    >>> funcad.numpy.deg2rad(180.0)
    np.float64(3.141592653589793)
    """
    return multiply(_as_ufunc_computes(np.deg2rad, x)[0], np.pi / 180)


def rad2deg(x: ArrayLike) -> Array:
    """Radians to degrees, x * 180 / pi (also named ``degrees``), computed in the dtype
    numpy.rad2deg uses. Differentiable.

    >>> funcad.numpy.rad2deg(funcad.numpy.pi / 2)
    np.float64(90.0)
    """
    return multiply(_as_ufunc_computes(np.rad2deg, x)[0], 180 / np.pi)


radians, degrees = deg2rad, rad2deg


@overload
def where(condition: ArrayLike, x: None = None, y: None = None, /, *, size: int | None = None,
          fill_value: ArrayLike | None = None) -> tuple[Array, ...]: ...
@overload
def where(condition: ArrayLike, x: ArrayLike, y: ArrayLike, /, *, size: None = None,
          fill_value: None = None) -> Array: ...
def where(condition: ArrayLike, x: ArrayLike | None = None, y: ArrayLike | None = None, /, *,
          size: int | None = None, fill_value: ArrayLike | None = None) -> Any:
    """where(cond, x, y): x where cond holds, else y. With only ``cond``, the indices where it
    holds (as nonzero: concrete values, or ``size=`` and ``fill_value=`` under jit).

    Gradients flow only to the selected branch: the branch not taken gets a zero cotangent,
    and the derivative rules of functions with singularities (``sqrt``, ``log``, division,
    ``arcsin``...) turn zero times an infinite or NaN derivative into an exact zero, so
    ``where(x > 0, sqrt(x), 0)`` has gradient 0 at x < 0. A product the user writes follows
    IEEE arithmetic (``0 * inf`` is nan); there, make the unselected input safe first, the
    "double where": ``where(x > 0, f(where(x > 0, x, 1)), 0)``."""
    if x is None and y is None:
        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither")
    if size is not None or fill_value is not None:
        raise ValueError("where: size= and fill_value= apply only to the one-argument form")
    condition = as_operand(condition)
    if dtype_of(condition) != np.bool_:
        condition = not_equal(condition, 0)
    return elementwise.select(condition, as_operand(x), as_operand(y))


def clip(a: ArrayLike, a_min: ArrayLike | None = None, a_max: ArrayLike | None = None, *,
         min: ArrayLike | None = None, max: ArrayLike | None = None) -> Array:
    """Clip to [a_min, a_max]: minimum(maximum(a, a_min), a_max)."""
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    out = as_operand(a)
    if lo is not None:
        out = maximum(out, lo)
    if hi is not None:
        out = minimum(out, hi)
    return out


def nan_to_num(x: ArrayLike, copy: bool = True, nan: ArrayLike = 0.0,
               posinf: ArrayLike | None = None, neginf: ArrayLike | None = None) -> Array:
    """nan, +inf and -inf replaced (by 0 and the dtype's largest and smallest finite values
    unless given); integer and boolean arrays are returned unchanged, with their dtype."""
    x = as_operand(x)
    dtype = dtype_of(x)
    if dtype.kind not in "fc":
        return astype(x, dtype)
    if dtype.kind == "c":  # the real and imaginary parts separately, as NumPy
        parts = (nan_to_num(part, nan=nan, posinf=posinf, neginf=neginf)
                 for part in (elementwise.real(x), elementwise.imag(x)))
        return elementwise.complex(*parts)
    info = np.finfo(dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    out = where(isnan(x), astype(nan, dtype), x)
    out = where(equal(x, np.inf), astype(posinf, dtype), out)
    return where(equal(x, -np.inf), astype(neginf, dtype), out)


acosh, asinh, atanh = arccosh, arcsinh, arctanh
pow = power


def fmod(x: ArrayLike, y: ArrayLike) -> Array:
    """C's remainder x - trunc(x / y) y, with the sign of x (numpy.fmod); d/dy = -trunc(x/y)."""
    return numeric.fmod(as_operand(x), as_operand(y))


def divmod(x: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:
    """(x // y, x mod y), as numpy.divmod."""
    return floor_divide(x, y), remainder(x, y)


def trunc(x: ArrayLike) -> Array:
    """Round toward zero (integers keep their dtype). Derivative zero."""
    return numeric.trunc(as_operand(x))


fix = trunc


def signbit(x: ArrayLike) -> Array:
    """Whether the sign bit is set (true for -0.0 and negative nan)."""
    return numeric.signbit(as_operand(x))


def copysign(x: ArrayLike, y: ArrayLike) -> Array:
    """|x| with the sign of y. d/dx is +-1, d/dy is 0."""
    x, y = _as_ufunc_computes(np.copysign, x, y)
    return where(not_equal(signbit(x), signbit(y)), negative(x), x)


def isposinf(x: ArrayLike) -> Array:
    """True where x is +inf (real inputs only: complex raises), as numpy.isposinf.

    >>> funcad.numpy.isposinf(funcad.numpy.array([-funcad.numpy.inf, 0.0, funcad.numpy.inf]))
    Array([False, False,  True])
    """
    x = as_operand(x)
    _refuse_complex(x, "isposinf")
    return logical_and(isinf(x), logical_not(signbit(x)))


def isneginf(x: ArrayLike) -> Array:
    """True where x is -inf (real inputs only: complex raises), as numpy.isneginf.

    >>> funcad.numpy.isneginf(funcad.numpy.array([-funcad.numpy.inf, 0.0, funcad.numpy.inf]))
    Array([ True, False, False])
    """
    x = as_operand(x)
    _refuse_complex(x, "isneginf")
    return logical_and(isinf(x), signbit(x))


def _refuse_complex(x: Any, name: str) -> None:
    if dtype_of(x).kind == "c":
        raise TypeError(f"{name}: the argument x has dtype {dtype_of(x).name}; it is not "
                        f"supported for complex values because it would be ambiguous.")


def nextafter(x: ArrayLike, y: ArrayLike) -> Array:
    """The next floating-point value after x towards y. d/dx = 1, d/dy = 0."""
    return numeric.nextafter(as_operand(x), as_operand(y))


def spacing(x: ArrayLike) -> Array:
    """The distance from x to the next larger-magnitude float (derivative zero)."""
    return numeric.spacing(as_operand(x))


def ldexp(x: ArrayLike, n: ArrayLike) -> Array:
    """x * 2**n, exactly (n an integer array or scalar)."""
    return numeric.ldexp(as_operand(x), as_operand(n))


def frexp(x: ArrayLike) -> tuple[Array, Array]:
    """(mantissa, exponent) with x = mantissa * 2**exponent and 0.5 <= |mantissa| < 1
    (the mantissa is ldexp(x, -exponent), so its derivative is 2**-exponent)."""
    x = _as_ufunc_computes(np.fabs, x)[0]
    exponent = numeric.frexp_exponent(x)
    return numeric.ldexp(x, negative(exponent)), exponent


def modf(x: ArrayLike) -> tuple[Array, Array]:
    """(fractional part, integral part), both with the sign of x (numpy.modf)."""
    x = _as_ufunc_computes(np.fabs, x)[0]
    integral = numeric.trunc(x)
    fractional = where(isinf(x), 0.0, subtract(x, integral))
    return copysign(fractional, x), integral


def gcd(x: ArrayLike, y: ArrayLike) -> Array:
    """Greatest common divisor of integers, elementwise, as numpy.gcd; no derivative.

    >>> funcad.numpy.gcd(12, 18)
    np.int64(6)
    """
    return numeric.gcd(as_operand(x), as_operand(y))


def lcm(x: ArrayLike, y: ArrayLike) -> Array:
    """Least common multiple of integers, elementwise, as numpy.lcm; no derivative.

    >>> funcad.numpy.lcm(4, 6)
    np.int64(12)
    """
    return numeric.lcm(as_operand(x), as_operand(y))


def heaviside(x1: ArrayLike, x2: ArrayLike) -> Array:
    """0 where x1 < 0, 1 where x1 > 0, x2 where x1 == 0 (nan where x1 is nan); the
    derivative flows to x2 where x1 == 0."""
    x1, x2 = _as_ufunc_computes(np.heaviside, x1, x2)
    steps = where(less(x1, 0), 0.0, where(greater(x1, 0), 1.0, x2))
    return where(isnan(x1), x1, steps)


def i0(x: ArrayLike) -> Array:
    """The modified Bessel function of the first kind of order 0 (its derivative is I1)."""
    return numeric.i0(as_operand(x))


def left_shift(x: ArrayLike, y: ArrayLike) -> Array:
    """x << y on integers (also named ``bitwise_left_shift``), as numpy.left_shift.

    >>> funcad.numpy.left_shift(1, 3)
    np.int64(8)
    """
    return numeric.left_shift(as_operand(x), as_operand(y))


def right_shift(x: ArrayLike, y: ArrayLike) -> Array:
    """x >> y on integers (also named ``bitwise_right_shift``), as numpy.right_shift.

    >>> funcad.numpy.right_shift(16, 2)
    np.int64(4)
    """
    return numeric.right_shift(as_operand(x), as_operand(y))


def bitwise_count(x: ArrayLike) -> Array:
    """The number of 1 bits in |x| (uint8), as numpy.bitwise_count."""
    return numeric.bitwise_count(as_operand(x))


bitwise_left_shift, bitwise_right_shift, bitwise_invert = left_shift, right_shift, invert
