"""The other samplers of ``jax.random``, each with JAX's algorithm on the basic ones.

Those that transform one uniform or normal draw (exponential, laplace, logistic, cauchy,
pareto, weibull_min, rayleigh, wald, geometric, triangular, lognormal, maxwell,
double_sided_maxwell, rademacher, categorical, multivariate_normal) give JAX's values for the
same key, up to the last-bit rounding of XLA's ``log``/``log1p`` on CPU. ``gamma`` is sampled
differently from JAX (JAX runs a per-element rejection loop with its own keys): Marsaglia and
Tsang's method on a fixed number of vectorised proposals, so its values are a different draw of
the same distribution. Its derivative in ``a`` is the implicit reparameterisation
``dx/da = -(dP(a, x)/da) / p(x; a)``, with P the regularised incomplete gamma function;
beta, dirichlet, chisquare, t, f, loggamma, generalized_normal and ball are built on it
as in JAX, so they differentiate too. poisson, binomial and multinomial are sampled by
inversion and sums of Bernoulli draws bounded by the largest count.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

import funcad.lax as lax
import funcad.numpy as fnp
from funcad.core import dtype_of, shape_of
from funcad.custom_derivatives import custom_jvp
from funcad.primitives.special import igamma_da
from funcad.random._core import (
    bernoulli,
    broadcast_shape,
    float_dtype,
    gumbel,
    normal_from_data,
    uniform_from_data,
)
from funcad.random._keys import KeyArrayLike, as_key_data, canonical_shape, split
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "exponential", "laplace", "logistic", "cauchy", "rademacher", "categorical", "pareto",
    "weibull_min", "maxwell", "double_sided_maxwell", "rayleigh", "wald", "geometric",
    "triangular", "lognormal", "multivariate_normal", "gamma", "loggamma", "beta", "dirichlet",
    "chisquare", "t", "f", "generalized_normal", "ball", "poisson", "binomial", "multinomial",
]


def _setup(name: str, key: Any, shape: Any, dtype: Any,
           *params: Any) -> tuple[Any, tuple[int, ...], np.dtype]:
    data, _ = as_key_data(name, key)
    dtype = float_dtype(name, dtype)
    if shape is None or params:
        shape = broadcast_shape(name, shape, *params)
    else:
        shape = canonical_shape(name, shape)
    return data, shape, dtype


def exponential(key: KeyArrayLike, shape: Sequence[int] = (),
                dtype: DTypeLike | None = None) -> Array:
    """Standard exponential values: ``-log(1 - u)``."""
    data, shape, dtype = _setup("exponential", key, shape, dtype)
    return fnp.negative(fnp.log1p(fnp.negative(uniform_from_data(data, shape, dtype))))


def laplace(key: KeyArrayLike, shape: Sequence[int] = (), dtype: DTypeLike | None = None) -> Array:
    """Standard Laplace values: ``sign(u) log(1 - |u|)`` for ``u`` in (-1, 1)."""
    data, shape, dtype = _setup("laplace", key, shape, dtype)
    low = -1.0 + np.finfo(dtype).epsneg
    u = uniform_from_data(data, shape, dtype, low, 1.0)
    return fnp.multiply(fnp.sign(u), fnp.log1p(fnp.negative(fnp.abs(u))))


def logistic(key: KeyArrayLike, shape: Sequence[int] = (), dtype: DTypeLike | None = None) -> Array:
    """Standard logistic values: ``log(u) - log(1 - u)``."""
    data, shape, dtype = _setup("logistic", key, shape, dtype)
    x = uniform_from_data(data, shape, dtype, np.finfo(dtype).tiny, 1.0)
    return fnp.subtract(fnp.log(x), fnp.log1p(fnp.negative(x)))


def cauchy(key: KeyArrayLike, shape: Sequence[int] = (), dtype: DTypeLike | None = None) -> Array:
    """Standard Cauchy values: ``tan(pi (u - 1/2))``."""
    data, shape, dtype = _setup("cauchy", key, shape, dtype)
    u = uniform_from_data(data, shape, dtype, np.finfo(dtype).eps, 1.0)
    return fnp.tan(fnp.multiply(dtype.type(np.pi), fnp.subtract(u, dtype.type(0.5))))


def rademacher(key: KeyArrayLike, shape: Sequence[int] = (), dtype: DTypeLike = int) -> Array:
    """-1 or +1 with equal probability."""
    data, _ = as_key_data("rademacher", key)
    samples = lax.convert_element_type(bernoulli(data, 0.5, canonical_shape("rademacher", shape)),
                                       dtype)
    return lax.convert_element_type(fnp.subtract(fnp.multiply(2, samples), 1), dtype)


def categorical(key: KeyArrayLike, logits: ArrayLike, axis: int = -1,
                shape: Sequence[int] | None = None, replace: bool = True,
                mode: Literal["low", "high", "highest"] | None = None) -> Array:
    """Indices drawn with probabilities ``softmax(logits)`` along ``axis`` (Gumbel argmax)."""
    data, _ = as_key_data("categorical", key)
    logits = fnp.asarray(logits)
    if not np.issubdtype(dtype_of(logits), np.inexact):
        logits = lax.convert_element_type(logits, float)
    logits_shape = tuple(shape_of(logits))
    if not -len(logits_shape) <= axis < len(logits_shape):
        raise ValueError(f"categorical: axis {axis} is out of bounds for logits of shape "
                         f"{logits_shape}")
    axis = axis % len(logits_shape)
    batch_shape = logits_shape[:axis] + logits_shape[axis + 1:]
    if shape is None:
        shape = batch_shape
    else:
        shape = canonical_shape("categorical", shape)
        if shape[len(shape) - len(batch_shape):] != batch_shape:
            raise ValueError(
                f"categorical parameter shapes must be broadcast-compatible with shape "
                f"argument, and the result of broadcasting the shapes must equal the shape "
                f"argument, but got result {np.broadcast_shapes(shape, batch_shape)} for shape "
                f"argument {shape}; the shape must end with the logits' batch shape "
                f"{batch_shape}")
    prefix = shape[:len(shape) - len(batch_shape)]
    dtype = np.dtype(dtype_of(logits))
    if replace:
        negative_axis = axis - len(logits_shape)
        sample_shape = list(shape[len(prefix):])
        sample_shape.insert(negative_axis % len(logits_shape), logits_shape[axis])
        noise = gumbel(data, (*prefix, *sample_shape), dtype, mode)
        expanded = fnp.reshape(logits, (1,) * len(prefix) + logits_shape)
        return fnp.argmax(fnp.add(noise, expanded), axis=negative_axis)
    noisy = fnp.add(logits, gumbel(data, logits_shape, dtype, mode))
    k = math.prod(prefix)
    if k > logits_shape[axis]:
        raise ValueError(f"Number of samples without replacement ({k}) cannot exceed number "
                         f"of categories ({logits_shape[axis]}).")
    _, indices = lax.top_k(fnp.moveaxis(noisy, axis, -1), k)
    indices = fnp.moveaxis(indices, -1, 0)
    return fnp.reshape(indices, shape)


def pareto(key: KeyArrayLike, b: ArrayLike, shape: Sequence[int] | None = None,
           dtype: DTypeLike | None = None) -> Array:
    """Pareto values of shape parameter ``b``: ``exp(e / b)`` for ``e`` exponential."""
    data, shape, dtype = _setup("pareto", key, shape, dtype, b)
    b = lax.convert_element_type(b, dtype)
    return fnp.exp(fnp.divide(exponential(data, shape, dtype), b))


def weibull_min(key: KeyArrayLike, scale: ArrayLike, concentration: ArrayLike,
                shape: Sequence[int] = (), dtype: DTypeLike | None = None) -> Array:
    """Weibull values: ``scale (-log(1 - u))^(1/concentration)``."""
    data, shape, dtype = _setup("weibull_min", key, shape, dtype)
    u = uniform_from_data(data, shape, dtype)
    root = fnp.power(fnp.negative(fnp.log1p(fnp.negative(u))), fnp.divide(1.0, concentration))
    return fnp.multiply(root, scale)


def maxwell(key: KeyArrayLike, shape: Sequence[int] = (), dtype: DTypeLike | None = None) -> Array:
    """Maxwell values: the length of a standard normal 3-vector."""
    data, shape, dtype = _setup("maxwell", key, shape, dtype)
    return fnp.linalg.norm(normal_from_data(data, shape + (3,), dtype), axis=-1)


def double_sided_maxwell(key: KeyArrayLike, loc: ArrayLike, scale: ArrayLike,
                         shape: Sequence[int] = (), dtype: DTypeLike | None = None) -> Array:
    """Maxwell values with a random sign, scaled and shifted."""
    data, shape, dtype = _setup("double_sided_maxwell", key, shape, dtype)
    params = np.broadcast_shapes(tuple(shape_of(loc)), tuple(shape_of(scale)))
    shape = (shape or params) + params
    maxwell_key, sign_key = split(data)
    magnitude = maxwell(maxwell_key, shape, dtype)
    sign = rademacher(sign_key, shape, dtype)
    return fnp.add(fnp.multiply(fnp.multiply(sign, magnitude), scale), loc)


def rayleigh(key: KeyArrayLike, scale: ArrayLike, shape: Sequence[int] | None = None,
             dtype: DTypeLike | None = None) -> Array:
    """Rayleigh values: ``scale sqrt(-2 log u)``."""
    data, shape, dtype = _setup("rayleigh", key, shape, dtype, scale)
    u = uniform_from_data(data, shape, dtype)
    scale = fnp.broadcast_to(lax.convert_element_type(scale, dtype), shape)
    return fnp.multiply(scale, fnp.sqrt(fnp.multiply(fnp.log(u), dtype.type(-2))))


def wald(key: KeyArrayLike, mean: ArrayLike, shape: Sequence[int] | None = None,
         dtype: DTypeLike | None = None) -> Array:
    """Wald (inverse Gaussian) values of the given mean (Michael, Schucany and Haas)."""
    data, shape, dtype = _setup("wald", key, shape, dtype, mean)
    first, second = split(data)
    mean = fnp.broadcast_to(lax.convert_element_type(mean, dtype), shape)
    v = normal_from_data(first, shape, dtype)
    z = uniform_from_data(second, shape, dtype)
    y = fnp.multiply(v, v)
    mean_sq = fnp.multiply(mean, mean)
    root = fnp.sqrt(fnp.add(fnp.multiply(fnp.multiply(4, mean), y),
                            fnp.multiply(mean_sq, fnp.multiply(y, y))))
    x = fnp.subtract(fnp.add(mean, fnp.divide(fnp.multiply(mean_sq, y), 2)),
                     fnp.multiply(fnp.divide(mean, 2), root))
    return fnp.where(z <= fnp.divide(mean, fnp.add(mean, x)), x, fnp.divide(mean_sq, x))


def geometric(key: KeyArrayLike, p: ArrayLike, shape: Sequence[int] | None = None,
              dtype: DTypeLike = int) -> Array:
    """The number of Bernoulli(p) trials up to the first success."""
    data, _ = as_key_data("geometric", key)
    shape = broadcast_shape("geometric", shape, p)
    p = fnp.asarray(p)
    if not np.issubdtype(dtype_of(p), np.inexact):
        p = lax.convert_element_type(p, float)
    u = uniform_from_data(data, shape, np.dtype(dtype_of(p)))
    u = fnp.where(u == 0, 1, u)
    steps = fnp.divide(fnp.log(u), fnp.broadcast_to(fnp.log1p(fnp.negative(p)), shape))
    return lax.convert_element_type(fnp.add(fnp.floor(steps), 1), dtype)


def triangular(key: KeyArrayLike, left: ArrayLike, mode: ArrayLike, right: ArrayLike,
               shape: Sequence[int] | None = None, dtype: DTypeLike | None = None) -> Array:
    """Triangular values on [left, right] with peak at ``mode`` (inverse CDF)."""
    data, shape, dtype = _setup("triangular", key, shape, dtype, left, mode, right)
    left, mode, right = (fnp.broadcast_to(lax.convert_element_type(v, dtype), shape)
                         for v in (left, mode, right))
    width = fnp.subtract(right, left)
    u = uniform_from_data(data, shape, dtype)
    below = fnp.add(left, fnp.sqrt(fnp.multiply(fnp.multiply(u, width),
                                                fnp.subtract(mode, left))))
    above = fnp.subtract(right, fnp.sqrt(fnp.multiply(fnp.multiply(fnp.subtract(1, u), width),
                                                      fnp.subtract(right, mode))))
    return fnp.where(u < fnp.divide(fnp.subtract(mode, left), width), below, above)


def lognormal(key: KeyArrayLike, sigma: ArrayLike = 1.0, shape: Sequence[int] | None = None,
              dtype: DTypeLike | None = None) -> Array:
    """``exp(sigma n)`` for standard normal ``n``."""
    data, shape, dtype = _setup("lognormal", key, shape, dtype, sigma)
    sigma = lax.convert_element_type(sigma, dtype)
    return fnp.exp(fnp.multiply(normal_from_data(data, shape, dtype), sigma))


def multivariate_normal(key: KeyArrayLike, mean: ArrayLike, cov: ArrayLike,
                        shape: Sequence[int] | None = None, dtype: DTypeLike | None = None,
                        method: Literal["svd", "eigh", "cholesky"] = "cholesky") -> Array:
    """Normal vectors of the given mean and covariance (factor by cholesky, eigh or svd)."""
    data, _ = as_key_data("multivariate_normal", key)
    if method not in ("svd", "eigh", "cholesky"):
        raise ValueError("method must be one of {'svd', 'eigh', 'cholesky'}")
    dtype = float_dtype("multivariate_normal", dtype)
    mean = lax.convert_element_type(mean, dtype)
    cov = lax.convert_element_type(cov, dtype)
    mean_shape, cov_shape = tuple(shape_of(mean)), tuple(shape_of(cov))
    if len(mean_shape) < 1:
        raise ValueError(f"multivariate_normal requires mean.ndim >= 1, got mean.ndim == "
                         f"{len(mean_shape)}")
    if len(cov_shape) < 2:
        raise ValueError(f"multivariate_normal requires cov.ndim >= 2, got cov.ndim == "
                         f"{len(cov_shape)}")
    n = mean_shape[-1]
    if cov_shape[-2:] != (n, n):
        raise ValueError(f"multivariate_normal requires cov.shape == (..., n, n) for n={n}, "
                         f"but got cov.shape == {cov_shape}.")
    if shape is None:
        shape = np.broadcast_shapes(mean_shape[:-1], cov_shape[:-2])
    else:
        shape = canonical_shape("multivariate_normal", shape)
        from_params = broadcast_shape("normal", shape, np.empty(mean_shape[:-1]),
                                      np.empty(cov_shape[:-2]))
        shape = from_params
    if method == "svd":
        u, s, _ = fnp.linalg.svd(cov)
        factor = fnp.multiply(u, fnp.expand_dims(fnp.sqrt(s), -2))
    elif method == "eigh":
        w, v = fnp.linalg.eigh(cov)
        factor = fnp.multiply(v, fnp.expand_dims(fnp.sqrt(w), -2))
    else:
        factor = fnp.linalg.cholesky(cov)
    samples = normal_from_data(data, tuple(shape) + (n,), dtype)
    return fnp.add(mean, fnp.einsum("...ij,...j->...i", factor, samples))


# ----------------------------------------------------------------------------------------------
# gamma and the samplers built on it.

_GAMMA_ROUNDS = 12
"""Proposals per value: Marsaglia-Tsang accepts each with probability >= 0.95 for a >= 1, so
twelve leave a value unaccepted with probability below 1e-15 (it then keeps the last)."""


def _gamma_at_least_one(data: Any, a: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    """Marsaglia and Tsang's squeeze for a >= 1, vectorised over a fixed number of rounds."""
    d = fnp.subtract(a, dtype.type(1 / 3))
    c = fnp.divide(dtype.type(1 / 3), fnp.sqrt(d))
    normal_key, uniform_key = split(data)
    x = normal_from_data(normal_key, (_GAMMA_ROUNDS,) + shape, dtype)
    u = uniform_from_data(uniform_key, (_GAMMA_ROUNDS,) + shape, dtype)
    v = fnp.power(fnp.add(1, fnp.multiply(c, x)), 3)
    positive = v > 0
    safe_v = fnp.where(positive, v, 1)
    x_sq = fnp.multiply(x, x)
    accept = fnp.logical_and(positive, fnp.less(
        fnp.log(fnp.maximum(u, np.finfo(dtype).tiny)),
        fnp.add(fnp.multiply(0.5, x_sq),
                fnp.multiply(d, fnp.add(fnp.subtract(1, safe_v), fnp.log(safe_v))))))
    candidates = fnp.multiply(d, safe_v)
    # The first accepted round (the last if none is).
    first = fnp.argmax(fnp.concatenate([accept[:-1], fnp.ones((1,) + shape, bool)]), axis=0)
    return fnp.squeeze(fnp.take_along_axis(candidates, fnp.expand_dims(first, 0), axis=0), 0)


def _gamma_sample(data: Any, a: Any, log_space: bool) -> Any:
    dtype = np.dtype(dtype_of(a))
    shape = tuple(shape_of(a))
    boost_key, main_key = split(data)
    small = a < 1
    boosted = fnp.where(small, fnp.add(a, 1), a)
    sample = _gamma_at_least_one(main_key, boosted, shape, dtype)
    u = uniform_from_data(boost_key, shape, dtype, np.finfo(dtype).tiny, 1.0)
    # a < 1: Gamma(a) = Gamma(a + 1) u^(1/a), kept in logs so tiny values do not underflow
    log_sample = fnp.add(fnp.log(sample),
                         fnp.where(small, fnp.divide(fnp.log(u), a), dtype.type(0)))
    return log_sample if log_space else fnp.exp(log_sample)


@custom_jvp
def _gamma_reparameterized(data: Any, a: Any) -> Any:
    return _gamma_sample(data, lax.stop_gradient(a), False)


@_gamma_reparameterized.defjvp
def _gamma_reparameterized_jvp(primals: Any, tangents: Any) -> Any:
    data, a = primals
    _, a_dot = tangents
    x = _gamma_reparameterized(data, a)
    return x, fnp.multiply(_gamma_sample_grad(x, a), a_dot)


def _gamma_sample_grad(x: Any, a: Any) -> Any:
    """dx/da at fixed CDF: -(dP(a, x)/da) / (x^(a-1) e^-x / Gamma(a))."""
    log_pdf = fnp.subtract(fnp.subtract(fnp.multiply(fnp.subtract(a, 1), fnp.log(x)), x),
                           lax.lgamma(a))
    return fnp.negative(fnp.divide(igamma_da(a, x), fnp.exp(log_pdf)))


def _gamma_values(name: str, key: Any, a: Any, shape: Any, dtype: Any, log_space: bool) -> Any:
    data, shape, dtype = _setup(name, key, shape, dtype, a)
    a = fnp.broadcast_to(lax.convert_element_type(a, dtype), shape)
    if math.prod(shape) == 0:
        return fnp.zeros(shape, dtype)
    if log_space:
        return _gamma_sample(data, lax.stop_gradient(a), True)
    return _gamma_reparameterized(data, a)


def gamma(key: KeyArrayLike, a: ArrayLike, shape: Sequence[int] | None = None,
          dtype: DTypeLike | None = None) -> Array:
    """Gamma(a, 1) values, differentiable in ``a`` by implicit reparameterisation."""
    return _gamma_values("gamma", key, a, shape, dtype, False)


def loggamma(key: KeyArrayLike, a: ArrayLike, shape: Sequence[int] | None = None,
             dtype: DTypeLike | None = None) -> Array:
    """The logs of Gamma(a, 1) values, accurate for small ``a`` where the values underflow."""
    return _gamma_values("loggamma", key, a, shape, dtype, True)


def beta(key: KeyArrayLike, a: ArrayLike, b: ArrayLike, shape: Sequence[int] | None = None,
         dtype: DTypeLike | None = None) -> Array:
    """Beta(a, b) values: ``x / (x + y)`` for x ~ Gamma(a), y ~ Gamma(b)."""
    data, shape, dtype = _setup("beta", key, shape, dtype, a, b)
    first, second = split(data)
    x = gamma(first, a, shape, dtype)
    y = gamma(second, b, shape, dtype)
    return fnp.divide(x, fnp.add(x, y))


def dirichlet(key: KeyArrayLike, alpha: ArrayLike, shape: Sequence[int] | None = None,
              dtype: DTypeLike | None = None) -> Array:
    """Dirichlet(alpha) vectors along the last axis: normalised Gamma(alpha) values."""
    data, _ = as_key_data("dirichlet", key)
    dtype = float_dtype("dirichlet", dtype)
    alpha_shape = tuple(shape_of(alpha))
    if len(alpha_shape) < 1:
        raise ValueError(f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == "
                         f"{len(alpha_shape)}")
    batch = broadcast_shape("dirichlet", shape, np.empty(alpha_shape[:-1]))
    g = gamma(data, alpha, batch + alpha_shape[-1:], dtype)
    return fnp.divide(g, fnp.sum(g, axis=-1, keepdims=True))


def chisquare(key: KeyArrayLike, df: ArrayLike, shape: Sequence[int] | None = None,
              dtype: DTypeLike | None = None) -> Array:
    """Chi-square values with ``df`` degrees of freedom: 2 Gamma(df / 2)."""
    data, shape, dtype = _setup("chisquare", key, shape, dtype, df)
    half = fnp.divide(lax.convert_element_type(df, dtype), 2)
    return fnp.multiply(gamma(data, half, shape, dtype), 2)


def t(key: KeyArrayLike, df: ArrayLike, shape: Sequence[int] | None = None,
      dtype: DTypeLike | None = None) -> Array:
    """Student's t values: ``n sqrt((df/2) / g)`` for normal n and Gamma(df / 2) g."""
    data, shape, dtype = _setup("t", key, shape, dtype, df)
    normal_key, gamma_key = split(data)
    n = normal_from_data(normal_key, shape, dtype)
    half = fnp.divide(lax.convert_element_type(df, dtype), 2)
    g = gamma(gamma_key, half, shape, dtype)
    return fnp.multiply(n, fnp.sqrt(fnp.divide(half, g)))


def f(key: KeyArrayLike, dfnum: ArrayLike, dfden: ArrayLike, shape: Sequence[int] | None = None,
      dtype: DTypeLike | None = None) -> Array:
    """F values: the ratio of two chi-squares, each over its degrees of freedom."""
    data, shape, dtype = _setup("f", key, shape, dtype, dfnum, dfden)
    den_key, num_key = split(data)
    dfnum = lax.convert_element_type(dfnum, dtype)
    dfden = lax.convert_element_type(dfden, dtype)
    numerator = fnp.divide(chisquare(num_key, dfnum, shape, dtype), dfnum)
    denominator = fnp.divide(chisquare(den_key, dfden, shape, dtype), dfden)
    return fnp.divide(numerator, denominator)


def generalized_normal(key: KeyArrayLike, p: ArrayLike, shape: Sequence[int] = (),
                       dtype: DTypeLike | None = None) -> Array:
    """Values of density proportional to ``exp(-|x|^p)``."""
    data, shape, dtype = _setup("generalized_normal", key, shape, dtype)
    gamma_key, sign_key = split(data)
    g = gamma(gamma_key, fnp.divide(1, p), shape, dtype)
    r = rademacher(sign_key, shape, dtype)
    return fnp.multiply(r, fnp.power(g, fnp.divide(1, p)))


def ball(key: KeyArrayLike, d: int, p: float = 2, shape: Sequence[int] = (),
         dtype: DTypeLike | None = None) -> Array:
    """Points uniform in the unit Lp ball of dimension ``d``."""
    data, shape, dtype = _setup("ball", key, shape, dtype)
    first, second = split(data)
    g = generalized_normal(first, p, (*shape, d), dtype)
    e = exponential(second, shape, dtype)
    radius = fnp.power(fnp.add(fnp.sum(fnp.power(fnp.abs(g), p), axis=-1), e), 1 / p)
    return fnp.divide(g, fnp.expand_dims(radius, -1))


# ----------------------------------------------------------------------------------------------
# Counts.


def _concrete_max(name: str, value: Any) -> float:
    try:
        return float(np.max(np.asarray(value)))
    except Exception:
        raise TypeError(f"{name}: the parameter must be concrete (not traced under jit) "
                        "because it bounds the work; pass it as a static argument") from None


def poisson(key: KeyArrayLike, lam: ArrayLike, shape: Sequence[int] | None = None,
            dtype: DTypeLike = int) -> Array:
    """Poisson(lam) counts, by inverting the CDF against one uniform per value.

    The sum over candidate counts runs to a bound set by the largest ``lam``, which must
    therefore be concrete.
    """
    data, _ = as_key_data("poisson", key)
    shape = broadcast_shape("poisson", shape, lam)
    lam = fnp.broadcast_to(lax.convert_element_type(lam, float), shape)
    top = _concrete_max("poisson", lam) if math.prod(shape) else 0.0
    bound = int(top + 12 * math.sqrt(top) + 12)
    u = uniform_from_data(data, shape, np.dtype(float))
    ks = np.arange(bound, dtype=np.float64).reshape((bound,) + (1,) * len(shape))
    log_pmf = fnp.subtract(fnp.subtract(fnp.multiply(ks, fnp.log(lam)), lam),
                           lax.lgamma(ks + 1.0))
    cdf = fnp.cumsum(fnp.exp(log_pmf), axis=0)
    count = fnp.sum(fnp.less_equal(cdf, u), axis=0)
    return lax.convert_element_type(fnp.where(lam == 0, 0, count), dtype)


def binomial(key: KeyArrayLike, n: ArrayLike, p: ArrayLike, shape: Sequence[int] | None = None,
             dtype: DTypeLike | None = None) -> Array:
    """Binomial(n, p) counts: sums of Bernoulli draws, the largest ``n`` bounding the work."""
    data, shape, dtype = _setup("binomial", key, shape, dtype, n, p)
    top = int(_concrete_max("binomial", n)) if math.prod(shape) else 0
    n = fnp.broadcast_to(lax.convert_element_type(n, dtype), shape)
    p = fnp.broadcast_to(lax.convert_element_type(p, dtype), shape)
    u = uniform_from_data(data, (top,) + shape, dtype)
    trial = np.arange(top, dtype=dtype).reshape((top,) + (1,) * len(shape))
    hits = fnp.logical_and(fnp.less(u, p), fnp.less(trial, n))
    return lax.convert_element_type(fnp.sum(hits, axis=0), dtype)


def multinomial(key: KeyArrayLike, n: ArrayLike, p: ArrayLike, *,
                shape: Sequence[int] | None = None, dtype: DTypeLike | None = None,
                unroll: int | bool = 1) -> Array:
    """Counts of ``n`` draws among the categories of ``p`` (last axis), as binomial stages."""
    data, _ = as_key_data("multinomial", key)
    dtype = float_dtype("multinomial", dtype)
    p = lax.convert_element_type(p, dtype)
    categories = tuple(shape_of(p))[-1]
    batch = broadcast_shape("multinomial", shape, n, np.empty(tuple(shape_of(p))[:-1]))
    remaining = fnp.broadcast_to(lax.convert_element_type(n, dtype), batch)
    mass = fnp.ones(batch, dtype)
    keys = split(data, categories)
    counts = []
    for i in range(categories - 1):
        share = fnp.clip(fnp.divide(p[..., i], fnp.maximum(mass, np.finfo(dtype).tiny)), 0, 1)
        count = binomial(keys[i], remaining, fnp.broadcast_to(share, batch), batch, dtype)
        counts.append(count)
        remaining = fnp.subtract(remaining, count)
        mass = fnp.subtract(mass, p[..., i])
    counts.append(remaining)
    return fnp.stack(counts, axis=-1)
