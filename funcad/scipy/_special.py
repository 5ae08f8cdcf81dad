"""jax.scipy.special's functions, differentiable: SciPy's kernels as primitives (funcad.lax's
erf, lgamma, igamma, betainc, zeta... and funcad.primitives.special) and compositions of
them with funcad.numpy (the API is funcad.scipy.special)."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any, Literal, cast, overload

import numpy as np

import funcad.numpy as fnp
from funcad.core import Tracer
from funcad.custom_derivatives import custom_jvp
from funcad.numpy._conversion import as_operand
from funcad.primitives import lax_ops, special
from funcad.primitives.shape import stop_gradient
from funcad.typing import Array, ArrayLike

__all__ = [
    "logsumexp", "softmax", "log_softmax", "expit", "logit", "xlogy", "xlog1py", "entr",
    "rel_entr", "kl_div", "erf", "erfc", "erfinv", "erfcx", "wofz", "dawsn", "ndtr", "log_ndtr",
    "ndtri", "gammaln", "loggamma", "gamma", "gammasgn", "digamma", "polygamma", "beta",
    "betaln", "betainc", "gammainc", "gammaincc", "multigammaln", "factorial", "comb", "poch",
    "bernoulli", "zeta", "i0", "i0e", "i1", "i1e", "bessel_jn", "spence", "expi", "exp1",
    "expn", "hyp1f1", "hyp2f1", "owens_t", "fresnel", "sici", "boxcox", "boxcox1p",
    "sph_harm_y",
]

_SQRT_HALF = float(np.sqrt(0.5))


@overload
def logsumexp(a: ArrayLike, axis: int | Sequence[int] | None = None, b: ArrayLike | None = None,
              keepdims: bool = False, return_sign: Literal[False] = False,
              where: ArrayLike | None = None) -> Array: ...
@overload
def logsumexp(a: ArrayLike, axis: int | Sequence[int] | None = None, b: ArrayLike | None = None,
              keepdims: bool = False, *, return_sign: Literal[True],
              where: ArrayLike | None = None) -> tuple[Array, Array]: ...
@overload
def logsumexp(a: ArrayLike, axis: int | Sequence[int] | None = None, b: ArrayLike | None = None,
              keepdims: bool = False, return_sign: bool = False,
              where: ArrayLike | None = None) -> Array | tuple[Array, Array]: ...
def logsumexp(a: ArrayLike, axis: int | Sequence[int] | None = None, b: ArrayLike | None = None,
              keepdims: bool = False, return_sign: bool = False,
              where: ArrayLike | None = None) -> Array | tuple[Array, Array]:
    """log(sum(b * exp(a))) over the elements ``where`` allows, without overflow: the max is
    subtracted first. The max is taken through stop_gradient (it cancels out exactly), so
    the gradient is the softmax."""
    a = as_operand(a)
    if where is not None:
        where = as_operand(where)
        a = fnp.where(where, a, -np.inf)
    shift = stop_gradient(fnp.max(a, axis=axis, keepdims=True))
    shift = fnp.where(fnp.isfinite(shift), shift, 0)
    terms = fnp.exp(fnp.subtract(a, shift))
    if b is not None:
        terms = fnp.multiply(b, terms)
    if where is not None:
        terms = fnp.where(where, terms, 0)
    total = fnp.sum(terms, axis=axis, keepdims=keepdims)
    shift_out = shift if keepdims else fnp.squeeze(shift, axis=axis)
    if return_sign:
        sign = fnp.sign(total)
        return fnp.add(fnp.log(fnp.abs(total)), shift_out), sign
    return fnp.add(fnp.log(total), shift_out)


def softmax(x: ArrayLike, axis: int | Sequence[int] | None = None) -> Array:
    """``exp(x) / sum(exp(x))`` over ``axis`` (None: all axes), as ``scipy.special.softmax``; the
    maximum is subtracted first, so large inputs do not overflow.

    >>> from funcad.scipy import special
    >>> print(special.softmax([1.0, 2.0, 3.0]))
    [0.09003057 0.24472847 0.66524096]
    """
    x = as_operand(x)
    unnormalized = fnp.exp(fnp.subtract(x, stop_gradient(fnp.max(x, axis=axis, keepdims=True))))
    return fnp.divide(unnormalized, fnp.sum(unnormalized, axis=axis, keepdims=True))


def log_softmax(x: ArrayLike, axis: int | Sequence[int] | None = None) -> Array:
    """``x - logsumexp(x)`` over ``axis`` (None: all axes), as ``scipy.special.log_softmax``.

    >>> from funcad.scipy import special
    >>> print(special.log_softmax([1.0, 2.0, 3.0]))
    [-2.40760596 -1.40760596 -0.40760596]
    """
    return fnp.subtract(x, logsumexp(x, axis=axis, keepdims=True))


def expit(x: ArrayLike) -> Array:
    """The logistic sigmoid 1 / (1 + exp(-x)); for x < 0 as exp(x) / (1 + exp(x)), so that
    neither form overflows and the lower tail keeps its relative precision (expit(-40) is
    4.2e-18, not 0). Each form sees only the inputs it is selected for (the double where),
    so the derivative is finite everywhere."""
    x = as_operand(x)
    if not fnp.issubdtype(fnp.result_type(x), fnp.inexact):
        x = fnp.astype(x, fnp.float64)
    upper = fnp.greater_equal(x, 0)
    above = fnp.where(upper, x, 0)
    below = fnp.exp(fnp.where(upper, 0, x))
    return fnp.where(upper, fnp.divide(1, fnp.add(1, fnp.exp(fnp.negative(above)))),
                     fnp.divide(below, fnp.add(1, below)))


def logit(p: ArrayLike) -> Array:
    """The log-odds ``log(p / (1 - p))``, the inverse of ``expit``, as ``scipy.special.logit``.

    >>> from funcad.scipy import special
    >>> print(special.logit(0.75))
    1.0986122886681098
    """
    return fnp.log(fnp.divide(p, fnp.subtract(1, p)))


@custom_jvp
def xlogy(x: ArrayLike, y: ArrayLike) -> Array:
    """x * log(y), 0 where x == 0 (also where y == 0). Its derivative in x is log(y)
    everywhere, x = 0 included (the limit along x), and in y it is x / y, as in SciPy's and
    JAX's conventions; a safe log keeps the value's own derivatives finite at x == 0."""
    x, y = _inexact_pair(x, y)
    zero = fnp.equal(x, 0)
    safe_y = fnp.where(zero, 1, y)
    return fnp.where(zero, 0, fnp.multiply(x, fnp.log(safe_y)))


@xlogy.defjvp
def _xlogy_jvp(primals: Any, tangents: Any) -> Any:
    x, y = _inexact_pair(*primals)
    x_dot, y_dot = tangents
    out = xlogy(x, y)
    tangent = fnp.add(fnp.multiply(x_dot, fnp.log(y)), fnp.multiply(y_dot, fnp.divide(x, y)))
    return out, fnp.astype(tangent, fnp.result_type(out))


@custom_jvp
def xlog1py(x: ArrayLike, y: ArrayLike) -> Array:
    """x * log1p(y), 0 where x == 0 (also where y == -1); derivatives log1p(y) in x (x = 0
    included) and x / (1 + y) in y, as xlogy's."""
    x, y = _inexact_pair(x, y)
    zero = fnp.equal(x, 0)
    safe_y = fnp.where(zero, 0, y)
    return fnp.where(zero, 0, fnp.multiply(x, fnp.log1p(safe_y)))


@xlog1py.defjvp
def _xlog1py_jvp(primals: Any, tangents: Any) -> Any:
    x, y = _inexact_pair(*primals)
    x_dot, y_dot = tangents
    out = xlog1py(x, y)
    tangent = fnp.add(fnp.multiply(x_dot, fnp.log1p(y)),
                      fnp.multiply(y_dot, fnp.divide(x, fnp.add(y, 1))))
    return out, fnp.astype(tangent, fnp.result_type(out))


def _inexact_pair(x: Any, y: Any) -> tuple[Any, Any]:
    """x and y promoted to one inexact dtype (integers to float64), as SciPy computes."""
    x, y = as_operand(x), as_operand(y)
    dtype = fnp.result_type(x, y, 1.0)
    return fnp.astype(x, dtype), fnp.astype(y, dtype)


def _inexact(x: Any) -> Any:
    x = as_operand(x)
    dtype = fnp.result_type(x, 1.0)
    return x if fnp.result_type(x) == dtype else fnp.astype(x, dtype)


@custom_jvp
def entr(x: ArrayLike) -> Array:
    """-x log x for x > 0, 0 at 0 and -inf below; its derivative -(1 + log x) is +inf at 0
    (the one-sided limit, as JAX)."""
    x = _inexact(x)
    positive = fnp.greater(x, 0)
    safe_x = fnp.where(positive, x, 1)
    inside = fnp.negative(fnp.multiply(x, fnp.log(safe_x)))
    return fnp.where(positive, inside, fnp.where(fnp.equal(x, 0), fnp.zeros_like(x), -np.inf))


@entr.defjvp
def _entr_jvp(primals: Any, tangents: Any) -> Any:
    (x,), (x_dot,) = primals, tangents
    x = _inexact(x)
    out = entr(x)
    slope = fnp.negative(fnp.add(fnp.log(x), 1))
    return out, fnp.astype(fnp.multiply(x_dot, slope), fnp.result_type(out))


def _relative_entropy(p: Any, q: Any, extra: bool) -> Any:
    p, q = _inexact_pair(p, q)
    both = fnp.logical_and(fnp.greater(p, 0), fnp.greater(q, 0))
    safe_p, safe_q = fnp.where(both, p, 1), fnp.where(both, q, 1)
    inside = fnp.multiply(p, fnp.log(fnp.divide(safe_p, safe_q)))
    edge = fnp.logical_and(fnp.equal(p, 0), fnp.greater_equal(q, 0))
    if extra:
        inside = fnp.add(fnp.subtract(inside, p), q)
        at_edge = q
    else:
        at_edge = fnp.zeros_like(q)
    return fnp.where(both, inside, fnp.where(edge, at_edge, np.inf))


def rel_entr(p: ArrayLike, q: ArrayLike) -> Array:
    """p log(p / q) for p, q > 0; 0 at p = 0 <= q; inf otherwise (as SciPy)."""
    return _relative_entropy(p, q, extra=False)


def kl_div(p: ArrayLike, q: ArrayLike) -> Array:
    """p log(p / q) - p + q for p, q > 0; q at p = 0 <= q; inf otherwise (as SciPy)."""
    return _relative_entropy(p, q, extra=True)


def erf(x: ArrayLike) -> Array:
    """The error function ``2/sqrt(pi) * integral of exp(-t^2) from 0 to x``, as
    ``scipy.special.erf``.

    >>> from funcad.scipy import special
    >>> print(special.erf(0.5))
    0.5204998778130465
    """
    return lax_ops.erf(as_operand(x))


def erfc(x: ArrayLike) -> Array:
    """The complementary error function ``1 - erf(x)``, accurate for large x, as
    ``scipy.special.erfc``.

    >>> from funcad.scipy import special
    >>> print(special.erfc(3.0))
    2.2090496998585445e-05
    """
    return lax_ops.erfc(as_operand(x))


def erfinv(x: ArrayLike) -> Array:
    """The inverse error function: the y with ``erf(y) == x`` for x in [-1, 1], as
    ``scipy.special.erfinv``.

    >>> from funcad.scipy import special
    >>> print(special.erfinv(0.5))
    0.4769362762044699
    """
    return lax_ops.erf_inv(as_operand(x))


def erfcx(x: ArrayLike) -> Array:
    """exp(x^2) erfc(x), SciPy's kernel (no overflow for large x)."""
    return special.erfcx(as_operand(x))


def wofz(z: ArrayLike) -> Array:
    """Faddeeva's function exp(-z^2) erfc(-iz), complex (also for real z); holomorphic."""
    return special.wofz(as_operand(z))


def dawsn(x: ArrayLike) -> Array:
    """Dawson's integral ``exp(-x^2) * integral of exp(t^2) from 0 to x``, as
    ``scipy.special.dawsn``.

    >>> from funcad.scipy import special
    >>> print(special.dawsn(1.0))
    0.5380795069127684
    """
    return special.dawsn(as_operand(x))


def ndtr(x: ArrayLike) -> Array:
    """The standard normal CDF, erfc(-x / sqrt 2) / 2 (accurate in the lower tail)."""
    x = _inexact(x)
    return fnp.multiply(lax_ops.erfc(fnp.multiply(x, -_SQRT_HALF)), 0.5)


def log_ndtr(x: ArrayLike) -> Array:
    """log(ndtr(x)), SciPy's kernel: accurate in both tails (about -x^2/2 for x << 0, and
    -ndtr(-x) for x >> 0); its derivative exp(-x^2/2 - log_ndtr(x)) / sqrt(2 pi) too."""
    return special.log_ndtr(as_operand(x))


def ndtri(p: ArrayLike) -> Array:
    """The inverse of ndtr (SciPy's kernel, accurate for p near 0)."""
    return special.ndtri(as_operand(p))


def gammaln(x: ArrayLike) -> Array:
    """log|Gamma(x)|."""
    return lax_ops.lgamma(as_operand(x))


def loggamma(x: ArrayLike) -> Array:
    """log Gamma(x) for real x: nan for x < 0, as SciPy's real loggamma."""
    x = as_operand(x)
    return fnp.where(fnp.less(x, 0), np.nan, lax_ops.lgamma(x))


def gamma(x: ArrayLike) -> Array:
    """The gamma function (``gamma(n) == (n - 1)!``), as ``scipy.special.gamma``.

    >>> from funcad.scipy import special
    >>> print(special.gamma(5.0))
    24.0
    """
    return special.gamma(as_operand(x))


def gammasgn(x: ArrayLike) -> Array:
    """The sign of Gamma(x) (nan at the poles); piecewise constant, so no derivative."""
    return special.gammasgn(as_operand(x))


def digamma(x: ArrayLike) -> Array:
    """The digamma function, the derivative of ``log(gamma(x))``, as ``scipy.special.digamma``.

    >>> from funcad.scipy import special
    >>> print(special.digamma(1.0))
    -0.5772156649015329
    """
    return lax_ops.digamma(as_operand(x))


def polygamma(n: ArrayLike, x: ArrayLike) -> Array:
    """The n-th derivative of digamma, for integer orders n (an int, or an integer array
    broadcast against x), differentiable in x. An array of orders is computed as
    (-1)^(n+1) n! zeta(n + 1, x), digamma where n == 0."""
    if isinstance(n, (int, np.integer)) and not isinstance(n, bool):
        return lax_ops.polygamma(int(n), as_operand(x))
    n, x = as_operand(n), as_operand(x)
    if fnp.result_type(n).kind not in "iu":
        raise ValueError(f"polygamma: the order n must have an integer dtype, got "
                         f"{fnp.result_type(n).name}")
    dtype = fnp.result_type(lax_ops.digamma(np.zeros((), fnp.result_type(x))))
    order = fnp.astype(n, dtype)
    first = fnp.equal(order, 0)
    safe = fnp.where(first, 1, order)
    sign = fnp.where(fnp.equal(fnp.remainder(safe, 2), 0), -1, 1)
    value = fnp.multiply(fnp.multiply(sign, gamma(fnp.add(safe, 1))),
                         lax_ops.zeta(fnp.add(safe, 1), fnp.astype(x, dtype)))
    value = fnp.where(first, lax_ops.digamma(fnp.astype(x, dtype)), value)
    return fnp.where(fnp.less(order, 0), np.nan, value)


def betaln(a: ArrayLike, b: ArrayLike) -> Array:
    """log|B(a, b)|, SciPy's kernel (no cancellation for large a, b)."""
    return special.betaln(as_operand(a), as_operand(b))


def beta(a: ArrayLike, b: ArrayLike) -> Array:
    """B(a, b) = Gamma(a) Gamma(b) / Gamma(a + b): its sign from gammasgn, its size from
    betaln."""
    a, b = as_operand(a), as_operand(b)
    sign = fnp.multiply(fnp.multiply(gammasgn(a), gammasgn(b)), gammasgn(fnp.add(a, b)))
    return fnp.multiply(sign, fnp.exp(betaln(a, b)))


def betainc(a: ArrayLike, b: ArrayLike, x: ArrayLike) -> Array:
    """The regularized incomplete beta function; differentiable in x only (as JAX)."""
    return lax_ops.betainc(as_operand(a), as_operand(b), as_operand(x))


@custom_jvp
def gammainc(a: ArrayLike, x: ArrayLike) -> Array:
    """The regularized lower incomplete gamma function P(a, x), differentiable in x (its
    density) and, as in JAX, in a (to second order; SciPy has no kernel for these, so they
    are extrapolated differences of SciPy's P, about 1e-10 and 1e-7 relative)."""
    return lax_ops.igamma(as_operand(a), as_operand(x))


@custom_jvp
def gammaincc(a: ArrayLike, x: ArrayLike) -> Array:
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x), differentiable
    as gammainc."""
    return lax_ops.igammac(as_operand(a), as_operand(x))


def _gammainc_tangent(primals: Any, tangents: Any) -> Any:
    """dP = dP/da a_dot + x^(a-1) e^-x / Gamma(a) x_dot (the density is 1 at x = 0 for
    a = 1, through xlogy)."""
    a, x = (as_operand(v) for v in primals)
    a_dot, x_dot = tangents
    log_power = fnp.astype(xlogy(fnp.subtract(a, 1), x), fnp.result_type(a, x, 1.0))
    density = fnp.exp(fnp.subtract(fnp.subtract(log_power, x), lax_ops.lgamma(a)))
    return fnp.add(fnp.multiply(a_dot, special.igamma_da(a, x)), fnp.multiply(x_dot, density))


@gammainc.defjvp
def _gammainc_jvp(primals: Any, tangents: Any) -> Any:
    out = gammainc(*primals)
    return out, fnp.astype(_gammainc_tangent(primals, tangents), fnp.result_type(out))


@gammaincc.defjvp
def _gammaincc_jvp(primals: Any, tangents: Any) -> Any:
    out = gammaincc(*primals)
    tangent = fnp.negative(_gammainc_tangent(primals, tangents))
    return out, fnp.astype(tangent, fnp.result_type(out))


def multigammaln(a: ArrayLike, d: int) -> Array:
    """The log of the multivariate gamma function of dimension d:
    d (d - 1) / 4 log pi + sum_j gammaln(a - j / 2). SciPy's domain a > (d - 1) / 2 is
    checked on concrete inputs."""
    try:
        d = operator.index(d)
    except TypeError:
        raise TypeError(f"multigammaln: the dimension d must be an integer, got {d!r}") from None
    if d < 1:
        raise ValueError(f"multigammaln: the dimension d must be positive, got {d}")
    a = _inexact(a)
    if not isinstance(a, Tracer) and np.any(np.asarray(a) <= (d - 1) / 2):
        raise ValueError(f"multigammaln: a must be > (d - 1) / 2 = {(d - 1) / 2}")
    total = fnp.sum(fnp.stack([gammaln(fnp.subtract(a, j / 2)) for j in range(d)]), axis=0)
    return fnp.add(total, d * (d - 1) / 4 * math.log(math.pi))


def factorial(n: ArrayLike, exact: bool = False) -> Array:
    """Gamma(n + 1) in float64, and 0 for n < 0 (as SciPy); ``exact=True`` is refused, as
    in JAX."""
    if exact:
        raise NotImplementedError("factorial with exact=True: only the floating-point "
                                  "Gamma(n + 1) is computed")
    n = fnp.astype(as_operand(n), np.float64)  # (SciPy's factorial is float64 throughout)
    negative = fnp.less(n, 0)
    return fnp.where(negative, 0, gamma(fnp.add(fnp.where(negative, 0, n), 1)))


def comb(N: ArrayLike, k: ArrayLike, *, repetition: bool = False) -> Array:
    """The binomial coefficient N choose k for real N, k (0 outside 0 <= k <= N), as
    1 / ((N + 1) B(N - k + 1, k + 1)); with ``repetition``, (N + k - 1) choose k."""
    N, k = _inexact_pair(N, k)
    if repetition:
        N = fnp.subtract(fnp.add(N, k), 1)
    inside = fnp.logical_and(fnp.logical_and(fnp.greater_equal(k, 0), fnp.greater_equal(N, k)),
                             fnp.greater_equal(N, 0))
    safe_N, safe_k = fnp.where(inside, N, 1), fnp.where(inside, k, 0)
    value = fnp.exp(fnp.negative(fnp.add(fnp.log1p(safe_N),
                                         betaln(fnp.add(fnp.subtract(safe_N, safe_k), 1),
                                                fnp.add(safe_k, 1)))))
    return fnp.where(inside, value, 0)


def poch(z: ArrayLike, m: ArrayLike) -> Array:
    """The Pochhammer symbol Gamma(z + m) / Gamma(z), differentiable in z and m."""
    return special.poch(as_operand(z), as_operand(m))


def bernoulli(n: int) -> Array:
    """The Bernoulli numbers B_0 ... B_n (B_1 = -1/2), a constant float64 array."""
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"bernoulli: n must be an integer, got {n!r}") from None
    if n < 0:
        raise ValueError(f"bernoulli: n must be nonnegative, got {n}")
    return cast(Array, np.asarray(
        lax_ops.require_scipy("funcad.scipy.special.bernoulli").bernoulli(n), dtype=np.float64))


def zeta(x: ArrayLike, q: ArrayLike | None = None) -> Array:
    """Hurwitz's zeta function sum_k (k + q)^-x, Riemann's when q is None; differentiable
    in q (-x zeta(x + 1, q)) and, as in JAX, in x (differences of SciPy's kernel, to second
    order)."""
    x = as_operand(x)
    q = np.ones((), fnp.result_type(x, 1.0)) if q is None else as_operand(q)
    return _hurwitz_zeta(*_inexact_pair(x, q))


@custom_jvp
def _hurwitz_zeta(x: Any, q: Any) -> Any:
    return lax_ops.zeta(x, q)


@_hurwitz_zeta.defjvp
def _hurwitz_zeta_jvp(primals: Any, tangents: Any) -> Any:
    x, q = primals
    x_dot, q_dot = tangents
    out = _hurwitz_zeta(x, q)
    in_x = special.parameter_derivative("zeta", (1, 0), x, q)
    in_q = fnp.negative(fnp.multiply(x, _hurwitz_zeta(fnp.add(x, 1), q)))
    tangent = fnp.add(fnp.multiply(x_dot, in_x), fnp.multiply(q_dot, in_q))
    return out, fnp.astype(tangent, fnp.result_type(out))


def i0e(x: ArrayLike) -> Array:
    """The exponentially scaled modified Bessel function of order 0, ``exp(-|x|) * i0(x)``, as
    ``scipy.special.i0e``.

    >>> from funcad.scipy import special
    >>> print(special.i0e(1.0))
    0.46575960759364043
    """
    return lax_ops.bessel_ive(0, as_operand(x))


def i1e(x: ArrayLike) -> Array:
    """The exponentially scaled modified Bessel function of order 1, ``exp(-|x|) * i1(x)``, as
    ``scipy.special.i1e``.

    >>> from funcad.scipy import special
    >>> print(special.i1e(1.0))
    0.2079104153497085
    """
    return lax_ops.bessel_ive(1, as_operand(x))


def i0(x: ArrayLike) -> Array:
    """I_0(x) = exp(|x|) i0e(x)."""
    x = as_operand(x)
    return fnp.multiply(fnp.exp(fnp.abs(x)), i0e(x))


def i1(x: ArrayLike) -> Array:
    """I_1(x) = exp(|x|) i1e(x)."""
    x = as_operand(x)
    return fnp.multiply(fnp.exp(fnp.abs(x)), i1e(x))


def bessel_jn(z: ArrayLike, *, v: int, n_iter: int = 50) -> Array:
    """J_0(z) ... J_v(z), stacked along a new first axis, from SciPy's kernel (``n_iter``,
    the length of JAX's recurrence, has no role here; it must be a positive integer)."""
    try:
        v, n_iter = operator.index(v), operator.index(n_iter)
    except TypeError:
        raise TypeError(f"bessel_jn: v and n_iter must be integers, got {v!r} and "
                        f"{n_iter!r}") from None
    if v < 0 or n_iter < 1:
        raise ValueError(f"bessel_jn: v must be nonnegative and n_iter positive, got {v} "
                         f"and {n_iter}")
    z = as_operand(z)
    return fnp.stack([special.bessel_jv(order, z) for order in range(v + 1)])


def spence(x: ArrayLike) -> Array:
    """Spence's function int_1^x log t / (1 - t) dt (SciPy's convention)."""
    return special.spence(as_operand(x))


def expi(x: ArrayLike) -> Array:
    """The exponential integral Ei(x), the principal value of the integral of ``exp(t) / t`` from
    -inf to x, as ``scipy.special.expi``.

    >>> from funcad.scipy import special
    >>> print(special.expi(1.0))
    1.895117816355937
    """
    return special.expi(as_operand(x))


def exp1(x: ArrayLike) -> Array:
    """The exponential integral E1(x), the integral of ``exp(-x t) / t`` from 1 to inf, as
    ``scipy.special.exp1``.

    >>> from funcad.scipy import special
    >>> print(special.exp1(1.0))
    0.2193839343955205
    """
    return special.exp1(as_operand(x))


def expn(n: ArrayLike, x: ArrayLike) -> Array:
    """The generalized exponential integral E_n(x), differentiable in x (E_n' = -E_{n-1})."""
    return special.expn(as_operand(n), as_operand(x))


def hyp1f1(a: ArrayLike, b: ArrayLike, x: ArrayLike) -> Array:
    """Kummer's confluent hypergeometric function 1F1(a; b; x), differentiable in x."""
    return special.hyp1f1(as_operand(a), as_operand(b), as_operand(x))


def hyp2f1(a: ArrayLike, b: ArrayLike, c: ArrayLike, x: ArrayLike) -> Array:
    """Gauss's hypergeometric function 2F1(a, b; c; x), differentiable in x."""
    return special.hyp2f1(as_operand(a), as_operand(b), as_operand(c), as_operand(x))


def owens_t(h: ArrayLike, a: ArrayLike) -> Array:
    """Owen's T function, differentiable in h and a."""
    return special.owens_t(as_operand(h), as_operand(a))


def fresnel(x: ArrayLike) -> tuple[Array, Array]:
    """The Fresnel integrals (S(x), C(x))."""
    x = as_operand(x)
    return special.fresnel_s(x), special.fresnel_c(x)


def sici(x: ArrayLike) -> tuple[Array, Array]:
    """The sine and cosine integrals (Si(x), Ci(x))."""
    x = as_operand(x)
    return special.sin_integral(x), special.cos_integral(x)


def _boxcox(log_x: Any, lmbda: Any) -> Any:
    """(x^lmbda - 1) / lmbda = expm1(lmbda log x) / lmbda. At lmbda = 0 its Taylor
    polynomial L (1 + lmbda L / 2 (1 + lmbda L / 3)) (L = log x): the value log x, and the
    derivatives in lmbda, L^2 / 2 and L^3 / 3, are exact there (JAX gives 0)."""
    zero = fnp.equal(lmbda, 0)
    safe = fnp.where(zero, 1, lmbda)
    scaled = fnp.multiply(lmbda, log_x)
    series = fnp.multiply(log_x, fnp.add(1, fnp.multiply(fnp.multiply(scaled, 0.5),
                                                          fnp.add(1, fnp.divide(scaled, 3)))))
    return fnp.where(zero, series, fnp.divide(fnp.expm1(fnp.multiply(safe, log_x)), safe))


def boxcox(x: ArrayLike, lmbda: ArrayLike) -> Array:
    """The Box-Cox transform (x^lmbda - 1) / lmbda (log x at lmbda = 0)."""
    x, lmbda = _inexact_pair(x, lmbda)
    return _boxcox(fnp.log(x), lmbda)


def boxcox1p(x: ArrayLike, lmbda: ArrayLike) -> Array:
    """The Box-Cox transform of 1 + x, accurate for small x."""
    x, lmbda = _inexact_pair(x, lmbda)
    return _boxcox(fnp.log1p(x), lmbda)


def sph_harm_y(n: ArrayLike, m: ArrayLike, theta: ArrayLike, phi: ArrayLike,
               diff_n: int | None = None, n_max: int | None = None) -> Array:
    """The spherical harmonic Y_n^m(theta, phi) (theta polar, phi azimuthal, as SciPy's
    sph_harm_y), complex128, differentiable in theta and phi; 0 where |m| > n. ``diff_n`` is
    refused as in JAX; ``n_max`` (JAX's static bound on n) is checked on concrete n."""
    if diff_n is not None and diff_n != 0:
        raise NotImplementedError("sph_harm_y: the diff_n argument is not supported; "
                                  "differentiate with funcad.grad or funcad.jvp instead")
    n, m = as_operand(n), as_operand(m)
    for name, value in (("n", n), ("m", m)):
        if fnp.result_type(value).kind not in "iu":
            raise TypeError(f"sph_harm_y: {name} must have an integer dtype, got "
                            f"{fnp.result_type(value).name}")
    if n_max is not None and not isinstance(n, Tracer) and np.any(np.asarray(n) > n_max):
        raise ValueError(f"sph_harm_y: n exceeds n_max = {n_max}")
    return special.sph_harm_y(n, m, as_operand(theta), as_operand(phi))
