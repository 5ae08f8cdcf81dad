"""SciPy's special functions behind funcad.scipy.special that no composition of other
primitives computes to SciPy's accuracy: each is one SciPy ufunc (loaded lazily; SciPy is
the optional ``funcad[scipy]`` extra), elementwise, with NumPy's dtype rule read from the
ufunc's own loops, and with its derivative rules written in primitives, so that they
differentiate again.

Arguments that are integer orders (``expn``'s n) get zero cotangents. Derivatives in the
parameters that have no closed form in these functions (``hyp1f1``'s a and b, ``zeta``'s x,
the incomplete gamma function's a) are Richardson-extrapolated central differences of
SciPy's kernel, to second order (about 1e-10 relative for the first derivative, 1e-7 for
the second); a third refuses, naming the function.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from funcad.core import Primitive, ShapedArray, dtype_of, get_aval, shape_of
from funcad.primitives.elementwise import (
    absorbing_div,
    absorbing_mul,
    add,
    broadcast_shapes,
    cos,
    div,
    elementwise_batching_rule,
    eq,
    exp,
    ge,
    integer_pow,
    jvp_from_elementwise_vjp,
    log,
    mul,
    neg,
    real,
    select,
    sin,
    sqrt,
    sub,
    ufunc_result_dtype,
)
from funcad.primitives.elementwise import complex as make_complex
from funcad.primitives.elementwise import max as maximum
from funcad.primitives.lax_ops import digamma, erf, lgamma, polygamma, require_scipy
from funcad.primitives.shape import unbroadcast, zeros
from funcad.rules import batching_rules, defjvp, defjvp_all, defnondiff, defvjp, defvjp_all

__all__ = [
    "log_ndtr_p", "ndtri_p", "betaln_p", "gamma_p", "gammasgn_p", "spence_p", "expi_p",
    "exp1_p", "expn_p", "poch_p", "hyp1f1_p", "hyp2f1_p", "owens_t_p", "dawsn_p", "erfcx_p",
    "fresnel_s_p", "fresnel_c_p", "sin_integral_p", "cos_integral_p", "bessel_jv_p",
    "log_ndtr", "ndtri", "betaln", "gamma", "gammasgn", "spence", "expi", "exp1", "expn",
    "poch", "hyp1f1", "hyp2f1", "owens_t", "dawsn", "erfcx", "fresnel_s", "fresnel_c",
    "sin_integral", "cos_integral", "bessel_jv", "wofz_p", "wofz", "igamma_da_p", "igamma_da",
    "sph_harm_y_p", "sph_harm_y", "parameter_derivative_p", "parameter_derivative",
]

_SQRT_2PI = float(np.sqrt(2 * np.pi))
_TWO_OVER_SQRT_PI = float(2 / np.sqrt(np.pi))


def _scipy_primitive(name: str, scipy_name: str, output: int | None = None,
                     order: str | None = None) -> Primitive:
    """The SciPy ufunc ``scipy_name`` as an elementwise primitive (its result ``output``
    when the ufunc has several, which then share the dtype rule of erf's loops; with
    ``order``, an integer param given as its first operand)."""
    primitive = Primitive(name)
    primitive.elementwise = True
    primitive.output_buffer = "fresh"

    def ufunc(which: str = scipy_name) -> Any:
        return getattr(require_scipy(f"funcad.scipy.special.{name}"), which)

    dtype_rule = scipy_name if output is None else "erf"

    def operand_avals(avals: tuple) -> tuple:
        return avals if order is None else (ShapedArray((), np.dtype(float)),) + avals

    def impl(*args: Any, **params: Any) -> Any:
        fn = ufunc()
        avals = operand_avals(tuple(get_aval(a) for a in args))
        dtype = ufunc_result_dtype(ufunc(dtype_rule), avals)
        out = fn(*args) if order is None else fn(float(params[order]), *args)
        if output is not None:
            out = out[output]
        return out.astype(dtype, copy=False) if isinstance(out, np.ndarray) else \
            dtype.type(out)

    def abstract_eval(*avals: ShapedArray, **params: Any) -> ShapedArray:
        return ShapedArray(broadcast_shapes(*(a.shape for a in avals)),
                           ufunc_result_dtype(ufunc(dtype_rule), operand_avals(avals)))

    primitive.def_impl(impl)
    primitive.def_abstract_eval(abstract_eval)
    batching_rules[primitive] = elementwise_batching_rule(primitive)
    return primitive


def _derivatives(primitive: Primitive, *derivatives: Callable[..., Any] | None) -> None:
    """Register VJP and JVP rules from each argument's partial derivative
    ``derivative(ans, *args, **params)``; None: the argument is an integer order (zero)."""
    rules: list[Callable[..., Any]] = []
    for derivative in derivatives:
        if derivative is None:
            def rule(g: Any, ans: Any, *args: Any, _i: int = len(rules), **params: Any) -> Any:
                return zeros(shape_of(args[_i]), dtype_of(args[_i]))
        else:
            def rule(g: Any, ans: Any, *args: Any, _i: int = len(rules),  # type: ignore[misc]
                     _d: Callable[..., Any] = derivative, **params: Any) -> Any:
                # (two variants by design; mypy wants conditional definitions identical)
                return unbroadcast(args[_i], absorbing_mul(g, _d(ans, *args, **params)))
        rules.append(rule)
    defvjp(primitive, *rules)
    defjvp(primitive, *(jvp_from_elementwise_vjp(rule, i) for i, rule in enumerate(rules)))


def _safe(where_bad: Any, x: Any, replacement: float) -> Any:
    """x with ``replacement`` where ``where_bad``: the unused branch of a ``select`` stays
    finite, so its derivatives do too."""
    return select(where_bad, replacement, x)


log_ndtr_p = _scipy_primitive("log_ndtr", "log_ndtr")
ndtri_p = _scipy_primitive("ndtri", "ndtri")
betaln_p = _scipy_primitive("betaln", "betaln")
gamma_p = _scipy_primitive("gamma", "gamma")
gammasgn_p = _scipy_primitive("gammasgn", "gammasgn")
spence_p = _scipy_primitive("spence", "spence")
expi_p = _scipy_primitive("expi", "expi")
exp1_p = _scipy_primitive("exp1", "exp1")
expn_p = _scipy_primitive("expn", "expn")
poch_p = _scipy_primitive("poch", "poch")
hyp1f1_p = _scipy_primitive("hyp1f1", "hyp1f1")
hyp2f1_p = _scipy_primitive("hyp2f1", "hyp2f1")
owens_t_p = _scipy_primitive("owens_t", "owens_t")
dawsn_p = _scipy_primitive("dawsn", "dawsn")
erfcx_p = _scipy_primitive("erfcx", "erfcx")
fresnel_s_p = _scipy_primitive("fresnel_s", "fresnel", output=0)
fresnel_c_p = _scipy_primitive("fresnel_c", "fresnel", output=1)
sin_integral_p = _scipy_primitive("sin_integral", "sici", output=0)
cos_integral_p = _scipy_primitive("cos_integral", "sici", output=1)
bessel_jv_p = _scipy_primitive("bessel_jv", "jv", order="v")
wofz_p = _scipy_primitive("wofz", "wofz")

log_ndtr, ndtri, betaln, gamma = log_ndtr_p.bind, ndtri_p.bind, betaln_p.bind, gamma_p.bind
gammasgn, spence, expi, exp1 = gammasgn_p.bind, spence_p.bind, expi_p.bind, exp1_p.bind
expn, poch, hyp1f1, hyp2f1 = expn_p.bind, poch_p.bind, hyp1f1_p.bind, hyp2f1_p.bind
owens_t, dawsn, erfcx = owens_t_p.bind, dawsn_p.bind, erfcx_p.bind
fresnel_s, fresnel_c = fresnel_s_p.bind, fresnel_c_p.bind
sin_integral, cos_integral = sin_integral_p.bind, cos_integral_p.bind
wofz = wofz_p.bind


def bessel_jv(v: int, x: Any) -> Any:
    """The Bessel function of the first kind J_v(x) of a fixed integer order v."""
    return bessel_jv_p.bind(x, v=int(v))


defnondiff(gammasgn_p)

# log Phi(x)' = phi(x) / Phi(x) = exp(-x^2/2 - log Phi(x)) / sqrt(2 pi): no cancellation in
# either tail. ndtri' = 1 / phi(ndtri(p)).
_derivatives(log_ndtr_p, lambda ans, x: div(exp(sub(mul(-0.5, integer_pow(x, 2)), ans)),
                                            _SQRT_2PI))
_derivatives(ndtri_p, lambda ans, p: mul(_SQRT_2PI, exp(mul(0.5, integer_pow(ans, 2)))))
# log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b).
_derivatives(betaln_p, lambda ans, a, b: sub(digamma(a), digamma(add(a, b))),
             lambda ans, a, b: sub(digamma(b), digamma(add(a, b))))
_derivatives(gamma_p, lambda ans, x: mul(ans, digamma(x)))


def _spence_derivative(ans: Any, z: Any) -> Any:
    """spence(z) = int_1^z log t / (1 - t) dt: the integrand, -1 at z = 1."""
    one = eq(z, 1)
    z = _safe(one, z, 2.0)
    return select(one, -1.0, div(log(z), sub(1, z)))


_derivatives(spence_p, _spence_derivative)
_derivatives(expi_p, lambda ans, x: div(exp(x), x))
_derivatives(exp1_p, lambda ans, x: neg(div(exp(neg(x)), x)))


def _expn_derivative(ans: Any, n: Any, x: Any) -> Any:
    """E_n' = -E_{n-1} for n >= 1; E_0 = e^-x / x, so E_0' = -e^-x (x + 1) / x^2."""
    positive = ge(n, 1)
    lower = expn(select(positive, sub(n, 1), 0), x)
    zeroth = div(mul(exp(neg(x)), add(x, 1)), integer_pow(x, 2))
    return neg(select(positive, lower, zeroth))


_derivatives(expn_p, None, _expn_derivative)
# poch(z, m) = Gamma(z + m) / Gamma(z).
_derivatives(poch_p, lambda ans, z, m: mul(ans, sub(digamma(add(z, m)), digamma(z))),
             lambda ans, z, m: mul(ans, digamma(add(z, m))))


def _in_parameter(name: str, i: int, count: int) -> Callable[..., Any]:
    """The derivative in operand i by differences of SciPy's kernel."""
    orders = tuple(int(j == i) for j in range(count))
    return lambda ans, *args: parameter_derivative(name, orders, *args)


# 1F1(a; b; x)' = a / b 1F1(a + 1; b + 1; x); 2F1(a, b; c; x)' = a b / c 2F1(a+1, b+1; c+1; x);
# in the parameters, differences.
_derivatives(hyp1f1_p, _in_parameter("hyp1f1", 0, 3), _in_parameter("hyp1f1", 1, 3),
             lambda ans, a, b, x: mul(div(a, b), hyp1f1(add(a, 1), add(b, 1), x)))
_derivatives(hyp2f1_p, _in_parameter("hyp2f1", 0, 4), _in_parameter("hyp2f1", 1, 4),
             _in_parameter("hyp2f1", 2, 4),
             lambda ans, a, b, c, x: mul(div(mul(a, b), c),
                                         hyp2f1(add(a, 1), add(b, 1), add(c, 1), x)))


def _owens_t_h(ans: Any, h: Any, a: Any) -> Any:
    """dT/dh = -phi(h) erf(a h / sqrt 2) / 2."""
    density = div(exp(mul(-0.5, integer_pow(h, 2))), _SQRT_2PI)
    return mul(-0.5, mul(density, erf(mul(float(1 / np.sqrt(2)), mul(a, h)))))


def _owens_t_a(ans: Any, h: Any, a: Any) -> Any:
    """dT/da = exp(-h^2 (1 + a^2) / 2) / (2 pi (1 + a^2))."""
    spread = add(1, integer_pow(a, 2))
    return div(exp(mul(-0.5, mul(integer_pow(h, 2), spread))), mul(2 * np.pi, spread))


_derivatives(owens_t_p, _owens_t_h, _owens_t_a)
# Dawson's F' = 1 - 2 x F; erfcx' = 2 x erfcx(x) - 2 / sqrt(pi).
_derivatives(dawsn_p, lambda ans, x: sub(1, mul(2, mul(x, ans))))
_derivatives(erfcx_p, lambda ans, x: sub(mul(2, mul(x, ans)), _TWO_OVER_SQRT_PI))
# Faddeeva's w(z) = exp(-z^2) erfc(-iz), holomorphic: w' = 2i / sqrt(pi) - 2 z w.
_derivatives(wofz_p, lambda ans, z: sub(_TWO_OVER_SQRT_PI * 1j, mul(2, mul(z, ans))))
# S' = sin(pi x^2 / 2), C' = cos(pi x^2 / 2); Si' = sin(x) / x (1 at 0), Ci' = cos(x) / x.
_derivatives(fresnel_s_p, lambda ans, x: sin(mul(np.pi / 2, integer_pow(x, 2))))
_derivatives(fresnel_c_p, lambda ans, x: cos(mul(np.pi / 2, integer_pow(x, 2))))


def _sinc(ans: Any, x: Any) -> Any:
    zero = eq(x, 0)
    x = _safe(zero, x, 1.0)
    return select(zero, 1.0, div(sin(x), x))


_derivatives(sin_integral_p, _sinc)
_derivatives(cos_integral_p, lambda ans, x: absorbing_div(cos(x), x))


def _bessel_jv_derivative(ans: Any, x: Any, *, v: int) -> Any:
    """J_v' = (J_{v-1} - J_{v+1}) / 2, and J_0' = -J_1."""
    if v == 0:
        return neg(bessel_jv(1, x))
    return mul(0.5, sub(bessel_jv(v - 1, x), bessel_jv(v + 1, x)))


_derivatives(bessel_jv_p, _bessel_jv_derivative)


# ----------------------------------------------------------------------------------------------
# The derivatives of the regularized incomplete gamma function P(a, x) in a, which SciPy has
# no kernel for: Richardson-extrapolated central differences of SciPy's P (or of -Q = P - 1
# where Q is the smaller, so that the relative accuracy holds in the upper tail too), about
# 1e-10 relative for the first derivative and 1e-7 for the second. Their derivatives in x are
# exact: the a-derivatives of the density x^(a-1) e^-x / Gamma(a).

_IGAMMA_DA_STEP = {1: 2e-3, 2: 1e-2}


def _igamma_da_impl(a: Any, x: Any, *, order: int) -> Any:
    special = require_scipy("funcad.scipy.special.gammainc")
    dtype = ufunc_result_dtype(special.gammainc, (get_aval(a), get_aval(x)))
    a64, x64 = np.asarray(a, np.float64), np.asarray(x, np.float64)
    upper = special.gammainc(a64, x64) > 0.5
    # The step follows the scale P changes on in a: sqrt(a) in the bulk, 1 / |log x -
    # digamma(a)| in the tails (where P or Q is x^a e^-x / Gamma(a + 1) to first order);
    # a - 2h stays positive, where P is defined.
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.abs(np.log(x64) - special.psi(a64))
        scale = np.sqrt(np.maximum(np.abs(a64), 1.0)) / np.maximum(slope, 1.0)
        h = np.minimum(_IGAMMA_DA_STEP[order] * np.nan_to_num(scale, nan=1.0), np.abs(a64) / 4)

    def f(shift: Any) -> Any:
        shifted = a64 + shift
        return np.where(upper, -special.gammaincc(shifted, x64), special.gammainc(shifted, x64))

    def differences(step: Any) -> Any:
        if order == 1:
            return (f(step) - f(-step)) / (2 * step)
        return (f(step) - 2 * f(0.0) + f(-step)) / step ** 2

    with np.errstate(invalid="ignore", divide="ignore"):
        out = (4 * differences(h / 2) - differences(h)) / 3
    out = np.asarray(out).astype(dtype, copy=False)
    return out[()] if out.ndim == 0 else out


igamma_da_p = Primitive("igamma_da")
igamma_da_p.elementwise = True
igamma_da_p.output_buffer = "fresh"
igamma_da_p.def_impl(_igamma_da_impl)
igamma_da_p.def_abstract_eval(lambda a, x, *, order: ShapedArray(
    broadcast_shapes(a.shape, x.shape),
    ufunc_result_dtype(require_scipy("funcad.scipy.special.gammainc").gammainc, (a, x))))
batching_rules[igamma_da_p] = elementwise_batching_rule(igamma_da_p)


def igamma_da(a: Any, x: Any, order: int = 1) -> Any:
    """The order-th derivative (1 or 2) of P(a, x) in a."""
    return igamma_da_p.bind(a, x, order=int(order))


def _igamma_da_a(ans: Any, a: Any, x: Any, *, order: int) -> Any:
    if order >= 2:
        raise NotImplementedError("gammainc: derivatives of order 3 in a are not implemented")
    return igamma_da(a, x, order + 1)


def _igamma_da_x(ans: Any, a: Any, x: Any, *, order: int) -> Any:
    """d^order/da^order of the density exp(L), L = (a - 1) log x - x - lgamma(a)."""
    density = exp(sub(sub(mul(sub(a, 1), log(x)), x), lgamma(a)))
    slope = sub(log(x), digamma(a))
    if order == 1:
        return mul(density, slope)
    return mul(density, sub(integer_pow(slope, 2), polygamma(1, a)))


_derivatives(igamma_da_p, _igamma_da_a, _igamma_da_x)


# ----------------------------------------------------------------------------------------------
# The spherical harmonics Y_n^m(theta, phi) (SciPy's sph_harm_y: theta polar, phi azimuthal,
# Condon-Shortley phase; complex128, 0 where |m| > n), differentiable in both angles:
# dY/dphi = i m Y and dY/dtheta = (B e^-i phi Y_n^(m+1) - A e^i phi Y_n^(m-1)) / 2 with
# A = sqrt((n + m)(n - m + 1)), B = sqrt((n - m)(n + m + 1)), finite at the poles too.


def _sph_harm_y_impl(n: Any, m: Any, theta: Any, phi: Any) -> Any:
    out = require_scipy("funcad.scipy.special.sph_harm_y").sph_harm_y(n, m, theta, phi)
    return np.asarray(out, np.complex128)[()] if np.ndim(out) == 0 else \
        np.asarray(out, np.complex128)


sph_harm_y_p = Primitive("sph_harm_y")
sph_harm_y_p.elementwise = True
sph_harm_y_p.output_buffer = "fresh"
sph_harm_y_p.def_impl(_sph_harm_y_impl)
sph_harm_y_p.def_abstract_eval(lambda *avals: ShapedArray(
    broadcast_shapes(*(a.shape for a in avals)), np.dtype(np.complex128)))
batching_rules[sph_harm_y_p] = elementwise_batching_rule(sph_harm_y_p)
sph_harm_y = sph_harm_y_p.bind


def _sph_harm_y_theta(ans: Any, n: Any, m: Any, theta: Any, phi: Any) -> Any:
    if dtype_of(theta).kind == "c":  # (forward mode promotes it to the output's dtype)
        theta = real(theta)
    a = sqrt(maximum(mul(add(n, m), add(sub(n, m), 1)), 0))
    b = sqrt(maximum(mul(sub(n, m), add(add(n, m), 1)), 0))
    below = mul(make_complex(cos(phi), sin(phi)), sph_harm_y(n, sub(m, 1), theta, phi))
    above = mul(make_complex(cos(phi), neg(sin(phi))), sph_harm_y(n, add(m, 1), theta, phi))
    return mul(0.5, sub(mul(b, above), mul(a, below)))


_derivatives(sph_harm_y_p, None, None, _sph_harm_y_theta,
             lambda ans, n, m, theta, phi: mul(make_complex(0.0, m), ans))


# ----------------------------------------------------------------------------------------------
# Derivatives of a SciPy function in its parameters, by Richardson-extrapolated central
# differences of the kernel: ``orders`` gives the order in each operand (total 1 or 2;
# mixed second derivatives nest the differences).

# name: the SciPy ufunc whose dtype rule it has (SciPy's zeta is a Python function)
_PARAMETER_FUNCTIONS = {"hyp1f1": "hyp1f1", "hyp2f1": "hyp2f1", "zeta": "gammainc"}
_STEP = {1: 2e-3, 2: 1e-2}


def _differences(fn: Callable[..., Any], args: list, orders: tuple, step: float) -> Any:
    for j, order in enumerate(orders):
        if order:
            rest = orders[:j] + (0,) + orders[j + 1:]
            h = step * np.maximum(np.abs(args[j]), 1.0)

            def at(shift: Any, j: int = j, rest: tuple = rest) -> Any:
                return _differences(fn, args[:j] + [args[j] + shift] + args[j + 1:], rest,
                                    step)

            def stencil(h: Any, order: int = order, at: Callable[..., Any] = at) -> Any:
                if order == 1:
                    return (at(h) - at(-h)) / (2 * h)
                return (at(h) - 2 * at(0.0) + at(-h)) / h ** 2

            return (4 * stencil(h / 2) - stencil(h)) / 3
    return fn(*args)


def _parameter_derivative_impl(*args: Any, name: str, orders: tuple) -> Any:
    special = require_scipy(f"funcad.scipy.special.{name}")
    fn = getattr(special, name)
    dtype = ufunc_result_dtype(getattr(special, _PARAMETER_FUNCTIONS[name]),
                               tuple(get_aval(a) for a in args))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        out = _differences(fn, [np.asarray(a, np.float64) for a in args], orders,
                           _STEP[sum(orders)])
    out = np.asarray(out).astype(dtype, copy=False)
    return out[()] if out.ndim == 0 else out


def _parameter_derivative_abstract_eval(*avals: ShapedArray, name: str,
                                        orders: tuple) -> ShapedArray:
    rule = getattr(require_scipy(f"funcad.scipy.special.{name}"), _PARAMETER_FUNCTIONS[name])
    return ShapedArray(broadcast_shapes(*(a.shape for a in avals)),
                       ufunc_result_dtype(rule, avals))


parameter_derivative_p = Primitive("parameter_derivative")
parameter_derivative_p.elementwise = True
parameter_derivative_p.output_buffer = "fresh"
parameter_derivative_p.def_impl(_parameter_derivative_impl)
parameter_derivative_p.def_abstract_eval(_parameter_derivative_abstract_eval)
batching_rules[parameter_derivative_p] = elementwise_batching_rule(parameter_derivative_p)


def parameter_derivative(name: str, orders: tuple, *args: Any) -> Any:
    """The partial derivative of SciPy's ``name`` of the given ``orders`` in its operands."""
    if name not in _PARAMETER_FUNCTIONS:
        raise ValueError(f"parameter_derivative: no differences for {name!r}")
    if sum(orders) > 2:
        raise NotImplementedError(f"{name}: derivatives of order 3 in its parameters are not "
                                  f"implemented")
    return parameter_derivative_p.bind(*args, name=name, orders=tuple(orders))


def _parameter_derivative_rule(i: int) -> Callable[..., Any]:
    def rule(g: Any, ans: Any, *args: Any, name: str, orders: tuple) -> Any:
        higher = orders[:i] + (orders[i] + 1,) + orders[i + 1:]
        return unbroadcast(args[i], absorbing_mul(g, parameter_derivative(name, higher, *args)))

    return rule


def _parameter_derivative_vjp(g: Any, ans: Any, args: Any, params: dict, wanted: Any) -> list:
    return [_parameter_derivative_rule(i)(g, ans, *args, **params) if want is not None
            else None
            for i, want in enumerate(wanted)]


def _parameter_derivative_jvp(tangents: Any, ans: Any, args: Any, params: dict) -> Any:
    total = None
    for i, tangent in enumerate(tangents):
        if tangent is not None:
            term = jvp_from_elementwise_vjp(_parameter_derivative_rule(i), i)(
                tangent, ans, *args, **params)
            total = term if total is None else add(total, term)
    return total if total is not None else zeros(shape_of(ans), dtype_of(ans))


defvjp_all(parameter_derivative_p, _parameter_derivative_vjp)
defjvp_all(parameter_derivative_p, _parameter_derivative_jvp)
