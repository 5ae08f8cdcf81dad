"""The Poisson distribution (funcad.scipy.stats.poisson)."""

from __future__ import annotations

import numpy as np

import funcad.lax as lax
import funcad.numpy as fnp
from funcad.scipy.stats._common import HALF_LOG_2PI, gammaln, integer_support, promote, safe, xlogy
from funcad.typing import Array, ArrayLike

__all__ = ["logpmf", "pmf", "cdf", "entropy"]


def logpmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """Log of the Poisson probability mass at ``k`` (shape ``mu``; shifted by ``loc``), as
    ``scipy.stats.poisson.logpmf``.

    >>> from funcad.scipy import stats
    >>> print(stats.poisson.logpmf(3, 2.0))
    -1.7123179275482192
    """
    k, mu, loc = promote(k, mu, loc)
    k = fnp.subtract(k, loc)
    inside = integer_support(k, 0)
    k = safe(inside, k, 0.0)
    out = fnp.subtract(fnp.subtract(xlogy(k, mu), gammaln(fnp.add(k, 1))), mu)
    return fnp.where(inside, out, -np.inf)


def pmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The Poisson probability mass at ``k`` (shape ``mu``; shifted by ``loc``), as
    ``scipy.stats.poisson.pmf``.

    >>> from funcad.scipy import stats
    >>> print(stats.poisson.pmf(3, 2.0))
    0.18044704431548356
    """
    return fnp.exp(logpmf(k, mu, loc))


def cdf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """Q(floor(k) + 1, mu), the regularized upper incomplete gamma function."""
    k, mu, loc = promote(k, mu, loc)
    k = fnp.subtract(k, loc)
    inside = fnp.greater_equal(k, 0)
    out = lax.igammac(fnp.add(fnp.floor(safe(inside, k, 0.0)), 1), mu)
    return fnp.where(inside, out, 0)


# Terms of the entropy's sum, enough below mu = 100 (its mass lies within mu + 12 sqrt(mu)).
_TERMS = 250
_LARGE = 100.0


def entropy(mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """-sum p log p: summed over k < 250 below mu = 100, above it the asymptotic series
    log(2 pi e mu) / 2 - 1/(12 mu) - 1/(24 mu^2) - 19/(360 mu^3). 0 at mu = 0, nan below.
    ``loc`` shifts the distribution and leaves the entropy alone."""
    mu, loc = promote(mu, loc)
    mu = fnp.broadcast_to(mu, fnp.broadcast_shapes(fnp.shape(mu), fnp.shape(loc)))
    small = fnp.logical_and(fnp.greater(mu, 0), fnp.less(mu, _LARGE))
    mu_small = fnp.expand_dims(safe(small, mu, 1.0), -1)
    k = fnp.arange(_TERMS, dtype=fnp.result_type(mu_small))
    log_p = fnp.subtract(fnp.subtract(xlogy(k, mu_small), gammaln(fnp.add(k, 1))), mu_small)
    summed = fnp.negative(fnp.sum(fnp.multiply(fnp.exp(log_p), log_p), axis=-1))
    mu_large = safe(fnp.greater_equal(mu, _LARGE), mu, _LARGE)
    r = fnp.reciprocal(mu_large)
    series = fnp.add(fnp.multiply(0.5, fnp.add(fnp.log(mu_large), 1 + 2 * HALF_LOG_2PI)),
                     fnp.multiply(r, fnp.add(-1 / 12, fnp.multiply(r, fnp.add(
                         -1 / 24, fnp.multiply(r, -19 / 360))))))
    out = fnp.where(small, summed, series)
    return fnp.where(fnp.equal(mu, 0), 0, fnp.where(fnp.less(mu, 0), np.nan, out))
