"""Numeric elementwise primitives beyond arithmetic: C's fmod, truncation, the floating-point
bit-level functions (signbit, nextafter, spacing, ldexp, frexp's exponent), integer ufuncs
(gcd, lcm, shifts, bit counts) and the modified Bessel functions I0 and I1.

Each is a NumPy ufunc (or an elementwise NumPy function) with NumPy's broadcasting and dtype
rules, defined here with all its rules: the VJP written in funcad operations, the JVP derived
from it (the Jacobian is diagonal) and the shared elementwise batching rule.
"""

from __future__ import annotations

from typing import Any, Callable, cast

import numpy as np

from funcad.core import Primitive, ShapedArray
from funcad.primitives.elementwise import abs as magnitude
from funcad.primitives.elementwise import (
    absorbing_mul,
    broadcast_shapes,
    div,
    elementwise_batching_rule,
    jvp_from_elementwise_vjp,
    lt,
    mul,
    neg,
    select,
    sub,
    ufunc_primitive,
    ufunc_result_dtype,
)
from funcad.primitives.shape import unbroadcast
from funcad.rules import batching_rules, defjvp, defnondiff, defvjp, nondifferentiable, vjp_rules

__all__ = [
    "fmod_p", "trunc_p", "signbit_p", "nextafter_p", "spacing_p", "ldexp_p",
    "frexp_exponent_p", "gcd_p", "lcm_p", "left_shift_p", "right_shift_p", "bitwise_count_p",
    "i0_p", "i1_p", "NUMERIC_PRIMITIVES",
    "fmod", "trunc", "signbit", "nextafter", "spacing", "ldexp", "frexp_exponent", "gcd",
    "lcm", "left_shift", "right_shift", "bitwise_count", "i0", "i1",
]

fmod_p = ufunc_primitive("fmod", np.fmod)
trunc_p = ufunc_primitive("trunc", np.trunc)
signbit_p = ufunc_primitive("signbit", np.signbit)
nextafter_p = ufunc_primitive("nextafter", np.nextafter)
spacing_p = ufunc_primitive("spacing", np.spacing)
ldexp_p = ufunc_primitive("ldexp", np.ldexp)
gcd_p = ufunc_primitive("gcd", np.gcd)
lcm_p = ufunc_primitive("lcm", np.lcm)
left_shift_p = ufunc_primitive("left_shift", np.left_shift)
right_shift_p = ufunc_primitive("right_shift", np.right_shift)
bitwise_count_p = ufunc_primitive("bitwise_count", np.bitwise_count)

fmod, trunc, signbit = fmod_p.bind, trunc_p.bind, signbit_p.bind
nextafter, spacing, ldexp = nextafter_p.bind, spacing_p.bind, ldexp_p.bind
gcd, lcm, bitwise_count = gcd_p.bind, lcm_p.bind, bitwise_count_p.bind
left_shift, right_shift = left_shift_p.bind, right_shift_p.bind

# Piecewise-constant (or integer) results: no derivative.
defnondiff(trunc_p, signbit_p, spacing_p, gcd_p, lcm_p, left_shift_p, right_shift_p,
           bitwise_count_p)

# fmod(x, y) = x - trunc(x / y) y (C's remainder, the sign of x): d/dx = 1,
# d/dy = -trunc(x / y), infinite or nan at y == 0.
defvjp(fmod_p, lambda g, ans, x, y: unbroadcast(x, g),
       lambda g, ans, x, y: unbroadcast(y, neg(absorbing_mul(g, trunc(div(x, y))))))
# nextafter(x, y) moves x by one unit in the last place: d/dx = 1, d/dy = 0 (almost everywhere).
defvjp(nextafter_p, lambda g, ans, x, y: unbroadcast(x, g),
       lambda g, ans, x, y: unbroadcast(y, mul(g, 0)))
# ldexp(x, n) = x 2^n: d/dx = 2^n, computed exactly by ldexp itself; n is an integer.
defvjp(ldexp_p, lambda g, ans, x, n: unbroadcast(x, ldexp(g, n)), None)


# ----------------------------------------------------------------------------------------------
# Primitives made of NumPy functions that are not single-output ufuncs.


def _elementwise_primitive(name: str, impl: Any, dtype_ufunc: np.ufunc | None) -> Primitive:
    """An elementwise unary primitive computed by ``impl``; its dtype is that of
    ``dtype_ufunc`` (or of ``impl`` on a one-element example)."""
    primitive = Primitive(name)
    primitive.def_impl(impl)
    primitive.elementwise = True
    primitive.output_buffer = "fresh"

    def abstract_eval(x: ShapedArray) -> ShapedArray:
        shape = broadcast_shapes(x.shape)
        if dtype_ufunc is not None:
            return ShapedArray(shape, ufunc_result_dtype(dtype_ufunc, (x,)))
        return ShapedArray(shape, np.result_type(impl(np.zeros((1,), x.dtype))))

    primitive.def_abstract_eval(abstract_eval)
    return primitive


def _frexp_exponent_impl(x: Any) -> Any:
    return np.frexp(x)[1]


def _i0_impl(x: Any) -> Any:
    if np.iscomplexobj(x):
        raise TypeError("i0 is not supported for complex values")
    out = np.i0(x)
    return out if np.ndim(x) else out[()]


# I1(x): below |x| = 8 its power series sum_k (x/2)^(2k+1) / (k! (k+1)!) (positive terms, 40
# of them reach double precision); above, (1/pi) int_0^pi exp(x cos t) cos t dt by the
# trapezoid rule, which converges exponentially on a periodic analytic integrand (the peak at
# t = 0 has width ~ 1/sqrt(|x|): 513 nodes give double precision wherever I1 is finite).
_I1_NODES = np.linspace(0.0, np.pi, 513)
_I1_COS = np.cos(_I1_NODES)
_I1_WEIGHTS = np.full(_I1_NODES.shape, 1.0 / (_I1_NODES.size - 1))
_I1_WEIGHTS[[0, -1]] *= 0.5
_I1_SERIES = np.arange(40)
_I1_CHUNK = 2048
_I1_SERIES_DENOMINATORS = np.cumprod(np.maximum(_I1_SERIES, 1) * (_I1_SERIES + 1.0))


def _i1_impl(x: Any) -> Any:
    if np.iscomplexobj(x):
        raise TypeError("i1 is not supported for complex values")
    x = np.asarray(x)
    dtype = np.float64 if x.dtype.kind in "biu" else x.dtype  # (as numpy.i0)
    a = np.abs(x.astype(np.float64)).ravel()
    out = np.empty_like(a)
    small = a < 8.0
    half = a[small][:, None] / 2
    out[small] = (half ** (2 * _I1_SERIES + 1) / _I1_SERIES_DENOMINATORS).sum(axis=-1)
    large = np.flatnonzero(~small)
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, large.size, _I1_CHUNK):  # (bounded memory: chunk x nodes)
            chunk = large[start:start + _I1_CHUNK]
            b = a[chunk][:, None]
            out[chunk] = (np.exp(b * (_I1_COS - 1.0)) @ (_I1_COS * _I1_WEIGHTS)) * np.exp(
                b[:, 0])
    out[np.isinf(a)] = np.inf
    out = np.copysign(out.reshape(x.shape), x).astype(dtype)
    return out if out.ndim else out[()]


frexp_exponent_p = _elementwise_primitive("frexp_exponent", _frexp_exponent_impl, None)
i0_p = _elementwise_primitive("i0", _i0_impl, None)
i1_p = _elementwise_primitive("i1", _i1_impl, None)
frexp_exponent, i0, i1 = frexp_exponent_p.bind, i0_p.bind, i1_p.bind
defnondiff(frexp_exponent_p)

# I0' = I1; I1' = I0 - I1 / x = 1/2 + 3 x^2 / 16 + ..., which is 1/2 to double precision for
# |x| < 1e-8; there the quotient (I1 of a subnormal x rounds to 0) is replaced, safely.
defvjp(i0_p, lambda g, ans, x: mul(g, i1(x)))


def _i1_vjp(g: Any, ans: Any, x: Any) -> Any:
    near_zero = lt(magnitude(x), 1e-8)
    safe = select(near_zero, 1, x)
    return mul(g, select(near_zero, 0.5, sub(i0(x), div(i1(safe), safe))))


defvjp(i1_p, _i1_vjp)

NUMERIC_PRIMITIVES = [
    fmod_p, trunc_p, signbit_p, nextafter_p, spacing_p, ldexp_p, frexp_exponent_p, gcd_p,
    lcm_p, left_shift_p, right_shift_p, bitwise_count_p, i0_p, i1_p,
]

def _argument_rules(primitive: Primitive) -> tuple[Callable[..., Any] | None, ...]:
    """The per-argument VJP rules (None: not differentiable there) that defvjp registered."""
    return cast("tuple[Callable[..., Any] | None, ...]", vjp_rules[primitive])


for _primitive in NUMERIC_PRIMITIVES:
    batching_rules[_primitive] = elementwise_batching_rule(_primitive)
    if _primitive not in nondifferentiable:
        defjvp(_primitive, *(None if rule is None else jvp_from_elementwise_vjp(rule, i)
                             for i, rule in enumerate(_argument_rules(_primitive))))
del _primitive
