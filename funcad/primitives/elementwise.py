"""Elementwise primitives: NumPy ufuncs with NumPy's broadcasting and dtype rules.

Each primitive is defined in one place: its implementation (the ufunc itself), its shape and
dtype rule (broadcast shapes; the ufunc's own dtype resolution, so results match NumPy
exactly), its VJP rule, written with funcad operations so it can be differentiated again, and
its properties. The JVP and batching rules of the whole family are derived at the end.
``g`` is the cotangent of the output, ``ans`` the output's value.
"""

from __future__ import annotations

import builtins
import operator
from typing import Any, Callable, Sequence, cast

import numpy as np

from funcad.core import Eqn, Primitive, ShapedArray, dtype_of, shape_of
from funcad.primitives.shape import (
    broadcast_to,
    convert_element_type,
    move_batch_axis,
    reshape,
    unbroadcast,
)
from funcad.rules import (
    ZERO,
    batching_rules,
    defjvp,
    deflinear,
    defnondiff,
    defvjp,
    jvp_rules,
    nondifferentiable,
    simplify_rules,
    vjp_rules,
    zero_rules,
)

__all__ = [
    "broadcast_shapes", "ufunc_result_dtype", "ELEMENTWISE_PRIMITIVES", "ufunc_primitive",
    "elementwise_batching_rule", "jvp_from_elementwise_vjp",
    "neg_p", "sin_p", "cos_p", "tan_p", "asin_p", "acos_p", "atan_p", "sinh_p", "cosh_p",
    "tanh_p", "asinh_p", "acosh_p", "atanh_p", "exp_p", "exp2_p", "log_p", "log2_p", "log10_p",
    "log1p_p", "expm1_p", "sqrt_p", "cbrt_p", "abs_p", "add_p", "sub_p", "mul_p", "div_p",
    "pow_p", "max_p", "min_p", "atan2_p", "rem_p", "logaddexp_p", "sign_p", "floor_p",
    "ceil_p", "round_p", "floor_divide_p", "eq_p", "ne_p", "lt_p", "le_p", "gt_p", "ge_p",
    "not_p", "and_p", "or_p", "xor_p", "bitwise_not_p", "bitwise_and_p", "bitwise_or_p",
    "bitwise_xor_p", "isnan_p", "isinf_p", "isfinite_p", "neg", "sin", "cos", "tan", "asin",
    "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "exp", "exp2", "log",
    "log2", "log10", "log1p", "expm1", "sqrt", "cbrt", "abs", "add", "sub", "mul", "div",
    "pow", "max", "min", "atan2", "rem", "logaddexp", "sign", "floor", "ceil", "round",
    "floor_divide", "eq", "ne", "lt", "le", "gt", "ge", "logical_not", "logical_and",
    "logical_or", "logical_xor", "isnan", "isinf", "isfinite", "LOG2", "LOG10", "select_p",
    "select", "integer_pow_p", "integer_pow", "ELEMENTWISE_UNARY", "absorbing_mul_p",
    "absorbing_div_p", "absorbing_mul", "absorbing_div",
    "real_p", "imag_p", "conj_p", "complex_p", "real", "imag", "conj", "complex",
    "real_dtype", "complex_dtype",
]


# ----------------------------------------------------------------------------------------------
# Shape and dtype rules shared by all ufunc primitives.

# A Python bool is not weak in NumPy: it is simply np.bool_ (which every dtype absorbs).
_WEAK_PYTHON_TYPE: dict[str, np.dtype | type] = {
    "b": np.dtype(np.bool_), "i": int, "u": int, "f": float, "c": builtins.complex}
_resolved_dtypes: dict[tuple, np.dtype] = {}


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(
            f"operands could not be broadcast together with shapes "
            f"{' '.join(str(s) for s in shapes)}: each axis (aligned from the right) must have "
            f"equal sizes or size 1."
        ) from None


def ufunc_result_dtype(ufunc: np.ufunc, avals: tuple[ShapedArray, ...]) -> np.dtype:
    key = (ufunc, *((a.dtype, a.weak_type) for a in avals))
    dtype = _resolved_dtypes.get(key)
    if dtype is None:
        operand_types = tuple(
            _WEAK_PYTHON_TYPE[a.dtype.kind] if a.weak_type else a.dtype for a in avals
        )
        try:
            dtype = ufunc.resolve_dtypes(operand_types + (None,))[-1]
        except TypeError:
            raise TypeError(
                f"numpy.{ufunc.__name__} is not supported for operands of dtype "
                f"{', '.join(a.dtype.name for a in avals)}."
            ) from None
        _resolved_dtypes[key] = dtype
    return dtype


ELEMENTWISE_PRIMITIVES: list[Primitive] = []


def ufunc_primitive(name: str, ufunc: np.ufunc) -> Primitive:
    primitive = Primitive(name)
    primitive.def_impl(ufunc)
    primitive.ufunc = ufunc
    primitive.elementwise = True
    primitive.output_buffer = "fresh"
    ELEMENTWISE_PRIMITIVES.append(primitive)

    def abstract_eval(*avals: ShapedArray) -> ShapedArray:
        # The result is never weak: as in NumPy (np.sin(2.0) is a strong np.float64), only a
        # Python scalar itself is, so a staged program types values as eager NumPy does.
        shape = broadcast_shapes(*(a.shape for a in avals))
        return ShapedArray(shape, ufunc_result_dtype(ufunc, avals))

    primitive.def_abstract_eval(abstract_eval)
    return primitive


# ----------------------------------------------------------------------------------------------
# The primitives, each with its derivative.

neg_p = ufunc_primitive("neg", np.negative)
sin_p = ufunc_primitive("sin", np.sin)
cos_p = ufunc_primitive("cos", np.cos)
tan_p = ufunc_primitive("tan", np.tan)
asin_p = ufunc_primitive("asin", np.arcsin)
acos_p = ufunc_primitive("acos", np.arccos)
atan_p = ufunc_primitive("atan", np.arctan)
sinh_p = ufunc_primitive("sinh", np.sinh)
cosh_p = ufunc_primitive("cosh", np.cosh)
tanh_p = ufunc_primitive("tanh", np.tanh)
asinh_p = ufunc_primitive("asinh", np.arcsinh)
acosh_p = ufunc_primitive("acosh", np.arccosh)
atanh_p = ufunc_primitive("atanh", np.arctanh)
exp_p = ufunc_primitive("exp", np.exp)
exp2_p = ufunc_primitive("exp2", np.exp2)
log_p = ufunc_primitive("log", np.log)
log2_p = ufunc_primitive("log2", np.log2)
log10_p = ufunc_primitive("log10", np.log10)
log1p_p = ufunc_primitive("log1p", np.log1p)
expm1_p = ufunc_primitive("expm1", np.expm1)
sqrt_p = ufunc_primitive("sqrt", np.sqrt)
cbrt_p = ufunc_primitive("cbrt", np.cbrt)
abs_p = ufunc_primitive("abs", np.absolute)

add_p = ufunc_primitive("add", np.add)
sub_p = ufunc_primitive("sub", np.subtract)
mul_p = ufunc_primitive("mul", np.multiply)
div_p = ufunc_primitive("div", np.true_divide)
pow_p = ufunc_primitive("pow", np.power)
max_p = ufunc_primitive("max", np.maximum)
min_p = ufunc_primitive("min", np.minimum)
atan2_p = ufunc_primitive("atan2", np.arctan2)
rem_p = ufunc_primitive("rem", np.remainder)
logaddexp_p = ufunc_primitive("logaddexp", np.logaddexp)



def _operator_impl(operator_fn: Callable[[Any, Any], Any], ufunc: np.ufunc) -> Callable:
    """On NumPy scalars the Python operators are ~10x faster than calling the ufunc, with the
    same result types (for arrays they call the same ufunc). Two Python scalars would give a
    Python (weak) scalar, where NumPy gives a strong np.float64: use the ufunc then."""

    def impl(x: Any, y: Any) -> Any:
        out = operator_fn(x, y)
        return ufunc(x, y) if type(out) in _PYTHON_SCALAR_TYPES else out

    return impl


_PYTHON_SCALAR_TYPES = (bool, int, float, builtins.complex)
add_p.def_impl(_operator_impl(operator.add, np.add))
sub_p.def_impl(_operator_impl(operator.sub, np.subtract))
mul_p.def_impl(_operator_impl(operator.mul, np.multiply))
# Generated code writes them as Python operators, for the same reason.
add_p.expression = lambda sources, params, avals: f"{sources[0]} + {sources[1]}"
sub_p.expression = lambda sources, params, avals: f"{sources[0]} - {sources[1]}"
mul_p.expression = lambda sources, params, avals: f"{sources[0]} * {sources[1]}"
neg_p.expression = lambda sources, params, avals: f"-{sources[0]}"
# Algebra the IR passes use: x + 0 = x, x * 1 = x, ...; zeros through linear maps stay zero.
add_p.identity_elements = {1: 0, 0: 0}  # (tried in this order)
sub_p.identity_elements = {1: 0}
mul_p.identity_elements = {1: 1, 0: 1}
div_p.identity_elements = {1: 1}
neg_p.linear_in = (0,)
add_p.linear_in = sub_p.linear_in = (0, 1)
mul_p.multilinear = True

# Piecewise-constant results: no derivative (zero almost everywhere), not recorded by grad.
sign_p = ufunc_primitive("sign", np.sign)
floor_p = ufunc_primitive("floor", np.floor)
ceil_p = ufunc_primitive("ceil", np.ceil)
round_p = ufunc_primitive("round", np.rint)
floor_divide_p = ufunc_primitive("floor_divide", np.floor_divide)
eq_p = ufunc_primitive("eq", np.equal)
ne_p = ufunc_primitive("ne", np.not_equal)
lt_p = ufunc_primitive("lt", np.less)
le_p = ufunc_primitive("le", np.less_equal)
gt_p = ufunc_primitive("gt", np.greater)
ge_p = ufunc_primitive("ge", np.greater_equal)
not_p = ufunc_primitive("not", np.logical_not)
and_p = ufunc_primitive("and", np.logical_and)
or_p = ufunc_primitive("or", np.logical_or)
xor_p = ufunc_primitive("xor", np.logical_xor)
bitwise_not_p = ufunc_primitive("bitwise_not", np.invert)
bitwise_and_p = ufunc_primitive("bitwise_and", np.bitwise_and)
bitwise_or_p = ufunc_primitive("bitwise_or", np.bitwise_or)
bitwise_xor_p = ufunc_primitive("bitwise_xor", np.bitwise_xor)
isnan_p = ufunc_primitive("isnan", np.isnan)
isinf_p = ufunc_primitive("isinf", np.isinf)
isfinite_p = ufunc_primitive("isfinite", np.isfinite)
defnondiff(sign_p, floor_p, ceil_p, round_p, floor_divide_p, eq_p, ne_p, lt_p, le_p, gt_p,
           ge_p, not_p, and_p, or_p, xor_p, bitwise_not_p, bitwise_and_p, bitwise_or_p,
           bitwise_xor_p, isnan_p, isinf_p, isfinite_p)

# The binders, named like the operations (lax-style): ``sin(x)`` is ``sin_p.bind(x)``.
neg, sin, cos, tan = neg_p.bind, sin_p.bind, cos_p.bind, tan_p.bind
asin, acos, atan = asin_p.bind, acos_p.bind, atan_p.bind
sinh, cosh, tanh = sinh_p.bind, cosh_p.bind, tanh_p.bind
asinh, acosh, atanh = asinh_p.bind, acosh_p.bind, atanh_p.bind
exp, exp2, log, log2, log10 = exp_p.bind, exp2_p.bind, log_p.bind, log2_p.bind, log10_p.bind
log1p, expm1, sqrt, cbrt, abs = log1p_p.bind, expm1_p.bind, sqrt_p.bind, cbrt_p.bind, abs_p.bind
add, sub, mul, div, pow = add_p.bind, sub_p.bind, mul_p.bind, div_p.bind, pow_p.bind
max, min, atan2, rem = max_p.bind, min_p.bind, atan2_p.bind, rem_p.bind
logaddexp = logaddexp_p.bind
sign, floor, ceil, round = sign_p.bind, floor_p.bind, ceil_p.bind, round_p.bind
floor_divide = floor_divide_p.bind
eq, ne, lt, le, gt, ge = eq_p.bind, ne_p.bind, lt_p.bind, le_p.bind, gt_p.bind, ge_p.bind
logical_not, logical_and, logical_or, logical_xor = not_p.bind, and_p.bind, or_p.bind, xor_p.bind
isnan, isinf, isfinite = isnan_p.bind, isinf_p.bind, isfinite_p.bind

LOG2 = float(np.log(2.0))
LOG10 = float(np.log(10.0))

# ----------------------------------------------------------------------------------------------
# Zero cotangents absorb singular derivatives.
#
# A function whose derivative can be inf or nan (log at 0, sqrt below 0, x / 0...) multiplies
# the cotangent by it with ``absorbing_mul`` or ``absorbing_div`` instead of ``mul``/``div``:
# where the cotangent is exactly zero (the branch ``where`` did not take) the result is an
# exact zero, whatever the derivative; everywhere else it is the plain product. A zero
# factor absorbs as symbolic zeros do in funcad.passes. They are primitives, so eager code
# pays one NumPy pass looking for a nan, not a mask per rule, and their own rules absorb the
# zero cotangents of the next order. For that, the derivative given to them must come from
# primitives with such rules, or from finite operands.
# Functions with finite derivatives (sin, tanh, exp, mul, add...) keep the plain product.

absorbing_mul_p = ufunc_primitive("absorbing_mul", np.multiply)
absorbing_div_p = ufunc_primitive("absorbing_div", np.true_divide)


def _absorbing_impl(operation: Callable[[Any, Any], Any], y_absorbs: bool) -> Callable:
    """``operation(x, y)``, with 0 where it is nan and x (or, if ``y_absorbs``, y) is 0. A
    squared norm is nan exactly when an element is (inf squared is inf), and is cheaper than
    a mask: the mask is only built when there is a nan to replace."""

    def impl(x: Any, y: Any) -> Any:
        out = operation(x, y)
        if isinstance(out, np.ndarray):
            norm = np.vdot(out, out)
            if norm == norm:
                return out
            zero = np.equal(x, 0)
            if y_absorbs:
                zero = np.logical_or(zero, np.equal(y, 0))
            return np.where(np.logical_and(zero, np.isnan(out)), 0, out)
        if out == out or (x != 0 and not (y_absorbs and y == 0)):
            return out
        return out.dtype.type(0)

    return impl


absorbing_mul_p.def_impl(_absorbing_impl(_operator_impl(operator.mul, np.multiply), True))
absorbing_div_p.def_impl(_absorbing_impl(np.true_divide, False))
absorbing_mul_p.ufunc = absorbing_div_p.ufunc = None  # (generated code calls the impl)
absorbing_mul_p.multilinear = True  # (for the IR passes)
absorbing_mul_p.identity_elements = {1: 1, 0: 1}
absorbing_div_p.linear_in = (0,)
absorbing_div_p.identity_elements = {1: 1}
absorbing_mul, absorbing_div = absorbing_mul_p.bind, absorbing_div_p.bind


# d(x y)/dx = y, d(x y)/dy = x; d(x / y)/dx = 1 / y, d(x / y)/dy = -ans / y. Where a result
# was absorbed, the derivative through the zero operand is taken as 0: the other operand is
# replaced before it is used (a derivative through the other one is already 0 there).


def _kept(x: Any, y: Any) -> Any:
    """Where x y is not absorbed by a zero x."""
    return logical_or(ne(x, 0), isfinite(y))


def _kept_quotient(x: Any, y: Any) -> Any:
    """Where x / y is not absorbed by a zero x (nan compares false)."""
    return logical_or(ne(x, 0), logical_or(gt(y, 0), lt(y, 0)))


defvjp(absorbing_mul_p,
       lambda g, ans, x, y: unbroadcast(x, absorbing_mul(g, select(_kept(x, y), y, 0))),
       lambda g, ans, x, y: unbroadcast(y, absorbing_mul(g, select(_kept(y, x), x, 0))))
defvjp(absorbing_div_p,
       lambda g, ans, x, y: unbroadcast(
           x, absorbing_div(g, select(_kept_quotient(x, y), y, np.inf))),
       lambda g, ans, x, y: unbroadcast(
           y, neg(absorbing_mul(g, absorbing_div(ans, y)))))


# d(-x) = -dx; trigonometric and hyperbolic functions as in a table of derivatives.
defvjp(neg_p, lambda g, ans, x: neg(g))
defvjp(sin_p, lambda g, ans, x: mul(g, cos(x)))
defvjp(cos_p, lambda g, ans, x: neg(mul(g, sin(x))))
defvjp(tan_p, lambda g, ans, x: mul(g, add(1, integer_pow(ans, 2))))  # 1 + tan^2
# 1 / sqrt(1 - x^2): infinite at |x| = 1, nan beyond.
defvjp(asin_p, lambda g, ans, x: absorbing_div(g, sqrt(sub(1, integer_pow(x, 2)))))
defvjp(acos_p, lambda g, ans, x: neg(absorbing_div(g, sqrt(sub(1, integer_pow(x, 2))))))
defvjp(atan_p, lambda g, ans, x: div(g, add(1, integer_pow(x, 2))))
defvjp(sinh_p, lambda g, ans, x: mul(g, cosh(x)))
defvjp(cosh_p, lambda g, ans, x: mul(g, sinh(x)))
defvjp(tanh_p, lambda g, ans, x: mul(g, sub(1, integer_pow(ans, 2))))  # 1 - tanh^2
defvjp(asinh_p, lambda g, ans, x: div(g, sqrt(add(integer_pow(x, 2), 1))))
# 1 / sqrt(x^2 - 1) (infinite at x = 1, nan below) and 1 / (1 - x^2) (infinite at |x| = 1).
defvjp(acosh_p, lambda g, ans, x: absorbing_div(g, sqrt(sub(integer_pow(x, 2), 1))))
defvjp(atanh_p, lambda g, ans, x: absorbing_div(g, sub(1, integer_pow(x, 2))))
# Exponentials, and logarithms (1 / x, infinite at 0).
defvjp(exp_p, lambda g, ans, x: mul(g, ans))
defvjp(exp2_p, lambda g, ans, x: mul(g, mul(ans, LOG2)))
defvjp(log_p, lambda g, ans, x: absorbing_div(g, x))
defvjp(log2_p, lambda g, ans, x: absorbing_div(g, mul(x, LOG2)))
defvjp(log10_p, lambda g, ans, x: absorbing_div(g, mul(x, LOG10)))
defvjp(log1p_p, lambda g, ans, x: absorbing_div(g, add(x, 1)))
defvjp(expm1_p, lambda g, ans, x: mul(g, add(ans, 1)))
# 1 / (2 sqrt x): infinite at 0, nan below; 1 / (3 cbrt(x)^2): infinite at 0.
defvjp(sqrt_p, lambda g, ans, x: absorbing_div(g, mul(ans, 2)))
defvjp(cbrt_p, lambda g, ans, x: absorbing_div(g, mul(integer_pow(ans, 2), 3)))
# |x|' = 1 for x >= 0 (JAX's convention at 0), -1 below. For complex z, d|z| = Re(conj(z) dz)
# / |z| (0 at z == 0), whose transpose sends g to g conj(z) / |z|.


def _abs_vjp(g: Any, ans: Any, x: Any) -> Any:
    if dtype_of(x).kind == "c":
        return mul(g, _conj_over_abs(x, ans))
    return select(ge(x, 0), g, neg(g))


def _conj_over_abs(x: Any, ans: Any) -> Any:
    return div(conj(x), select(eq(ans, 0), 1, ans))


defvjp(abs_p, _abs_vjp)

# Binary arithmetic; ``unbroadcast`` sums a broadcast operand's cotangent back to its shape.
defvjp(add_p, lambda g, ans, x, y: unbroadcast(x, g), lambda g, ans, x, y: unbroadcast(y, g))
defvjp(sub_p, lambda g, ans, x, y: unbroadcast(x, g),
       lambda g, ans, x, y: unbroadcast(y, neg(g)))
defvjp(mul_p, lambda g, ans, x, y: unbroadcast(x, mul(g, y)),
       lambda g, ans, x, y: unbroadcast(y, mul(g, x)))


def _div_vjp_numerator(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d(x / y)/dx = 1 / y, infinite at y == 0 (a nonzero Python number needs no care)."""
    if isinstance(y, (int, float)) and y != 0:
        return unbroadcast(x, div(g, y))
    return unbroadcast(x, absorbing_div(g, y))


# d(x / y)/dy = -x / y^2 = -ans / y, infinite (or nan) at y == 0.
defvjp(div_p, _div_vjp_numerator,
       lambda g, ans, x, y: unbroadcast(y, neg(absorbing_mul(g, div(ans, y)))))


def _pow_vjp_base(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d(x^y)/dx = y x^(y-1), taken as 0 at x == y == 0 (so 0^0 has derivative 0, not nan).
    Only that one point is special-cased, and through its input (the "double where"): a
    select on the output at every y == 0 would cut the y-derivative of this rule there
    (d/dy (y x^(y-1)) = 1/x at y = 0), and a nan from 0^-1 would leak through the select.
    Elsewhere x^(y-1) is infinite at x == 0 for y < 1 and nan at x < 0 for a fractional y:
    it is the factor that absorbs (``g y`` is finite), unless y is a whole number >= 1."""
    if isinstance(y, (int, float)):
        if y == 0:
            return unbroadcast(x, mul(g, 0))
        if y >= 1 and float(y).is_integer():
            return unbroadcast(x, mul(g, mul(y, pow(x, y - 1))))
        return unbroadcast(x, absorbing_mul(mul(g, y), pow(x, y - 1)))
    safe_x = select(logical_and(eq(x, 0), eq(y, 0)), 1, x)
    return unbroadcast(x, absorbing_mul(mul(g, y), pow(safe_x, sub(y, 1))))


def _pow_vjp_exponent(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d(x^y)/dy = x^y log x, taken as 0 where x == 0. Both factors can be singular (x^y
    infinite at x == 0 for y < 0, log x nan below 0), so each absorbs in turn. A real base
    of a complex power takes its logarithm as a complex number (log -2 = log 2 + i pi)."""
    if dtype_of(x) != dtype_of(ans) and dtype_of(ans).kind == "c":
        x = convert_element_type(x, dtype_of(ans))
    safe_x = select(eq(x, 0), 1, x)
    return unbroadcast(y, absorbing_mul(absorbing_mul(g, ans), log(safe_x)))


defvjp(pow_p, _pow_vjp_base, _pow_vjp_exponent)


def _balanced_eq(x: Any, ans: Any, y: Any, g: Any) -> Any:
    """Where x is the selected operand of max/min: g, or g/2 at a tie (JAX's convention)."""
    return select(eq(x, ans), select(eq(y, ans), mul(g, 0.5), g), 0)


defvjp(max_p, lambda g, ans, x, y: unbroadcast(x, _balanced_eq(x, ans, y, g)),
       lambda g, ans, x, y: unbroadcast(y, _balanced_eq(y, ans, x, g)))
defvjp(min_p, lambda g, ans, x, y: unbroadcast(x, _balanced_eq(x, ans, y, g)),
       lambda g, ans, x, y: unbroadcast(y, _balanced_eq(y, ans, x, g)))
# atan2(y, x): d/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2), nan at the origin. The first
# argument is y.
defvjp(atan2_p,
       lambda g, ans, y, x: unbroadcast(
           y, absorbing_mul(g, div(x, add(integer_pow(x, 2), mul(y, y))))),
       lambda g, ans, y, x: unbroadcast(
           x, neg(absorbing_mul(g, div(y, add(integer_pow(x, 2), mul(y, y)))))))
# x mod y = x - floor(x / y) y: d/dy = -floor(x / y), infinite or nan at y == 0.
defvjp(rem_p, lambda g, ans, x, y: unbroadcast(x, g),
       lambda g, ans, x, y: unbroadcast(y, neg(absorbing_mul(g, floor_divide(x, y)))))
# log(e^x + e^y): d/dx = e^(x - ans), nan where x and ans are the same infinity.
defvjp(logaddexp_p, lambda g, ans, x, y: unbroadcast(x, absorbing_mul(g, exp(sub(x, ans)))),
       lambda g, ans, x, y: unbroadcast(y, absorbing_mul(g, exp(sub(y, ans)))))

# ----------------------------------------------------------------------------------------------
# select (NumPy's where) and integer_pow.

select_p = Primitive("select")
select_p.def_impl(np.where)
select_p.elementwise = True
select_p.output_buffer = "fresh"
select_p.linear_in = (1, 2)  # (for a fixed predicate)


@select_p.def_abstract_eval
def _select_abstract_eval(cond: ShapedArray, x: ShapedArray, y: ShapedArray) -> ShapedArray:
    shape = broadcast_shapes(cond.shape, x.shape, y.shape)
    dtype = ufunc_result_dtype(np.add, (x, y)) if x.dtype != y.dtype else x.dtype
    return ShapedArray(shape, dtype)  # (never weak, like every result: see ufunc_primitive)


select: Callable[..., Any] = select_p.bind
"""select(cond, x, y): x where cond is true, else y (broadcasting, like numpy.where)."""

defvjp(select_p, None,
       lambda g, ans, cond, x, y: unbroadcast(x, select(cond, g, 0)),
       lambda g, ans, cond, x, y: unbroadcast(y, select(cond, 0, g)))

integer_pow_p = Primitive("integer_pow")
integer_pow_p.elementwise = True


@integer_pow_p.def_impl
def _integer_pow_impl(x: Any, *, y: int) -> Any:
    if y == 2 and dtype_of(x) != np.bool_:  # (bool * bool stays bool; bool ** 2 is an int)
        return np.multiply(x, x)
    return np.power(x, y)


@integer_pow_p.def_abstract_eval
def _integer_pow_abstract_eval(x: ShapedArray, *, y: int) -> ShapedArray:
    return ShapedArray(x.shape, ufunc_result_dtype(np.power, (x, ShapedArray((), int, True))))


def integer_pow(x: Any, y: int) -> Any:
    """x ** y for a fixed Python integer y (its derivative needs no logarithm)."""
    return integer_pow_p.bind(x, y=y)


def _integer_pow_vjp(g: Any, ans: Any, x: Any, *, y: int) -> Any:
    """d(x^y) = y x^(y-1), infinite at x == 0 for y < 0."""
    if y == 0:
        return mul(g, 0)
    if y == 1:
        return g
    if y < 0:
        return absorbing_mul(g, mul(y, integer_pow(x, y - 1)))
    return mul(g, mul(y, x if y == 2 else integer_pow(x, y - 1)))


defvjp(integer_pow_p, _integer_pow_vjp)


def _integer_pow_expression(sources, params, avals):
    """x * x and x * x * x: faster than a power on NumPy scalars, and as exact."""
    if params["y"] in (2, 3) and avals[0].dtype.kind in "fc":
        return " * ".join([sources[0]] * params["y"])
    return None


integer_pow_p.expression = _integer_pow_expression

ELEMENTWISE_UNARY: dict[str, Callable[[Any], Any]] = {
    name: globals()[name] for name in (
        "neg sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh exp exp2 log log2 "
        "log10 log1p expm1 sqrt cbrt abs sign floor ceil round").split()
}


# ----------------------------------------------------------------------------------------------
# Forward mode and batching, for every elementwise primitive at once.
#
# An elementwise primitive's Jacobian is diagonal (in the broadcast output space), hence equal
# to its transpose: the JVP of argument i is its VJP rule applied to the tangent, once the
# tangent and argument i are broadcast to the output's shape (so the rule's ``unbroadcast`` has
# nothing to sum). One derivative per primitive, written once, serves both modes.
#
# Batching moves each batched operand's batch axis to the front and gives it the output's
# rank (NumPy broadcasting aligns axes from the right; unbatched operands need nothing).

ELEMENTWISE_PRIMITIVES.extend([select_p, integer_pow_p])


def jvp_from_elementwise_vjp(arg_rule: Callable[..., Any], i: int) -> Callable[..., Any]:
    """Argument i's JVP rule from its VJP rule (an elementwise Jacobian is diagonal)."""

    def jvp_rule(tangent: Any, ans: Any, *args: Any, **params: Any) -> Any:
        # Also promote the argument and its tangent to the output's dtype (as NumPy promotes
        # the operand): otherwise the VJP rule's ``unbroadcast`` would round the tangent of a
        # float32 operand of a float64 result to float32.
        shape, dtype = shape_of(ans), dtype_of(ans)
        if shape_of(tangent) != shape:
            tangent = broadcast_to(tangent, shape)
        if dtype_of(tangent) != dtype:
            tangent = convert_element_type(tangent, dtype)
        x = args[i]
        if shape_of(x) != shape or dtype_of(x) != dtype:
            x = broadcast_to(x, shape) if shape_of(x) != shape else x
            x = convert_element_type(x, dtype) if dtype_of(x) != dtype else x
            args = args[:i] + (x,) + args[i + 1:]
        return arg_rule(tangent, ans, *args, **params)

    return jvp_rule


def elementwise_batching_rule(primitive: Primitive) -> Callable[..., Any]:
    """The batching rule of a primitive that broadcasts its operands NumPy-style and works
    element by element: batch axes to the front, operands brought to the output's rank."""

    def rule(values: Sequence[Any], batch_axes: Sequence[int | None], **params: Any) -> Any:
        rank = 0  # the rank of one example's output
        size = 0
        for value, axis in zip(values, batch_axes):
            shape = shape_of(value)
            if axis is not None:
                size = shape[axis]
                if len(shape) - 1 > rank:
                    rank = len(shape) - 1
            elif len(shape) > rank:
                rank = len(shape)
        operands = []
        for value, axis in zip(values, batch_axes):
            if axis is not None:
                if axis != 0:
                    value = move_batch_axis(value, axis, 0, size)
                shape = shape_of(value)
                if len(shape) - 1 < rank:
                    value = reshape(value, (size,) + (1,) * (rank + 1 - len(shape)) + shape[1:])
            operands.append(value)
        return primitive.bind(*operands, **params), 0

    return rule


def _register_forward_and_batching() -> None:
    for primitive in ELEMENTWISE_PRIMITIVES:
        batching_rules[primitive] = elementwise_batching_rule(primitive)
        if primitive in nondifferentiable:
            continue
        # (elementwise primitives register one rule per argument, through defvjp)
        rules = cast("tuple[Callable[..., Any] | None, ...]", vjp_rules[primitive])
        defjvp(primitive, *(None if r is None else jvp_from_elementwise_vjp(r, i)
                            for i, r in enumerate(rules)))


_register_forward_and_batching()

# ----------------------------------------------------------------------------------------------
# Complex numbers: the parts, the conjugate, and a complex from its parts.
#
# A complex cotangent ``g`` pairs with a tangent ``t`` as Re(g t), with no conjugation (JAX's
# convention): the VJP of a holomorphic f is then g f'(z), the same rule as for real inputs,
# and only the functions that are not holomorphic (real, imag, conj, abs...) need their own.
# Those four are linear, so their JVPs are themselves, and their VJPs the transposes under that
# pairing: real -> complex(g, 0), imag -> complex(0, -g), conj -> conj(g), and complex(x, y)
# -> (real(g), -imag(g)).

_REAL_DTYPE: dict[np.dtype, np.dtype] = {np.dtype(np.complex64): np.dtype(np.float32),
                                          np.dtype(np.complex128): np.dtype(np.float64),
                                          np.dtype(np.clongdouble): np.dtype(np.longdouble)}
_COMPLEX_DTYPE: dict[np.dtype, np.dtype] = {
    np.dtype(np.float16): np.dtype(np.complex64),
    np.dtype(np.float32): np.dtype(np.complex64),
    np.dtype(np.float64): np.dtype(np.complex128),
    np.dtype(np.longdouble): np.dtype(np.clongdouble)}


def real_dtype(dtype: Any) -> np.dtype:
    """The dtype of the real and imaginary parts (a real dtype is its own)."""
    dtype = np.dtype(dtype)
    return _REAL_DTYPE.get(dtype, dtype)


def complex_dtype(dtype: Any) -> np.dtype:
    """The complex dtype with parts of this dtype (integers and bools: complex128)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return dtype
    return _COMPLEX_DTYPE.get(dtype, np.dtype(np.complex128))


def _part_primitive(name: str, numpy_fn: Callable[[Any], Any]) -> Primitive:
    primitive = Primitive(name)
    primitive.elementwise = True

    def check(dtype: np.dtype) -> None:
        if dtype.kind != "c":
            raise TypeError(f"{name} requires a complex operand, got dtype {dtype.name} "
                            f"(funcad.numpy.{name} takes real arrays too).")

    def impl(x: Any) -> Any:
        check(dtype_of(x))
        return numpy_fn(x)

    def abstract_eval(x: ShapedArray) -> ShapedArray:
        check(x.dtype)
        return ShapedArray(x.shape, _REAL_DTYPE[x.dtype])

    primitive.def_impl(impl)
    primitive.def_abstract_eval(abstract_eval)
    batching_rules[primitive] = elementwise_batching_rule(primitive)
    deflinear(primitive)
    return primitive


def _complex_impl(x: Any, y: Any) -> Any:
    shape = np.broadcast_shapes(np.shape(x), np.shape(y))
    parts = np.result_type(x, y)
    if parts.kind == "c":
        raise TypeError(f"complex requires real operands, got dtypes {dtype_of(x).name} and "
                        f"{dtype_of(y).name}.")
    out = np.empty(shape, complex_dtype(parts))
    out.real = x  # (not x + 1j * y, which turns an infinite y into a nan real part)
    out.imag = y
    return out if shape else out[()]


def _complex_abstract_eval(x: ShapedArray, y: ShapedArray) -> ShapedArray:
    parts = ufunc_result_dtype(np.add, (x, y))
    if parts.kind == "c":
        raise TypeError(f"complex requires real operands, got dtypes {x.dtype.name} and "
                        f"{y.dtype.name}.")
    return ShapedArray(broadcast_shapes(x.shape, y.shape), complex_dtype(parts))


_abs_real_jvp = cast(Callable[..., Any], jvp_rules[abs_p])  # (a plain JVP rule, from defjvp)


def _abs_jvp(tangents: Any, ans: Any, args: Any, params: dict) -> Any:
    if dtype_of(args[0]).kind == "c":
        return real(mul(tangents[0], _conj_over_abs(args[0], ans)))
    return _abs_real_jvp(tangents, ans, args, params)


jvp_rules[abs_p] = _abs_jvp

real_p = _part_primitive("real", np.real)
imag_p = _part_primitive("imag", np.imag)
real, imag = real_p.bind, imag_p.bind

conj_p = ufunc_primitive("conj", np.conjugate)  # (registered after the family's loop)
batching_rules[conj_p] = elementwise_batching_rule(conj_p)
deflinear(conj_p)
conj = conj_p.bind

complex_p = Primitive("complex")
complex_p.def_impl(_complex_impl)
complex_p.def_abstract_eval(_complex_abstract_eval)
complex_p.elementwise = True
complex_p.output_buffer = "fresh"
batching_rules[complex_p] = elementwise_batching_rule(complex_p)
deflinear(complex_p)
complex: Callable[..., Any] = complex_p.bind  # (shadows the builtin after this line)
"""complex(x, y): x + i y from real parts (broadcasting), exact for infinite parts."""

defvjp(real_p, lambda g, ans, x: convert_element_type(g, dtype_of(x)))
defvjp(imag_p, lambda g, ans, x: complex(0.0, neg(g)))
defvjp(conj_p, lambda g, ans, x: conj(g))
defvjp(complex_p, lambda g, ans, x, y: unbroadcast(x, real(g)),
       lambda g, ans, x, y: unbroadcast(y, neg(imag(g))))

# ----------------------------------------------------------------------------------------------
# IR rewrites of the family's own (funcad.passes derives the rest from the properties above).


def _simplify_neg(eqn, invars, producers):
    inner = producers.get(invars[0])
    if inner is not None and inner.primitive is neg_p:
        return inner.invars[0]  # -(-x) = x
    return None


def _zero_minus(eqn, invars, is_zero):
    """0 - x = -x."""
    x, y = invars
    if is_zero(x) and not is_zero(y) and y.aval == eqn.outvars[0].aval:
        return [Eqn(neg_p, [y], list(eqn.outvars), {})]
    return None


simplify_rules[neg_p] = _simplify_neg
simplify_rules[integer_pow_p] = lambda eqn, invars, producers: (
    invars[0] if eqn.params["y"] == 1 else None)
zero_rules[sub_p] = _zero_minus
zero_rules[integer_pow_p] = lambda eqn, invars, is_zero: (
    ZERO if eqn.params["y"] > 0 and is_zero(invars[0]) else None)
