"""The generalized normal distribution (funcad.scipy.stats.gennorm): density proportional
to exp(-|x|^beta)."""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.special import gammainc
from funcad.scipy.stats._common import gammaln, promote
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf"]

_LOG_2 = float(np.log(2))


def logpdf(x: ArrayLike, beta: ArrayLike) -> Array:
    """Log of the generalized normal probability density at ``x`` (shape ``beta``), as
    ``scipy.stats.gennorm.logpdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gennorm.logpdf(0.5, 1.5))
    -0.9443857381925782
    """
    x, beta = promote(x, beta)
    normalizer = fnp.subtract(fnp.log(beta), fnp.add(_LOG_2, gammaln(fnp.reciprocal(beta))))
    return fnp.subtract(normalizer, fnp.power(fnp.abs(x), beta))


def pdf(x: ArrayLike, beta: ArrayLike) -> Array:
    """The generalized normal probability density at ``x`` (shape ``beta``), as
    ``scipy.stats.gennorm.pdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gennorm.pdf(0.5, 1.5))
    0.38891839526031474
    """
    return fnp.exp(logpdf(x, beta))


def cdf(x: ArrayLike, beta: ArrayLike) -> Array:
    """(1 + sign(x) P(1/beta, |x|^beta)) / 2."""
    x, beta = promote(x, beta)
    tail = gammainc(fnp.reciprocal(beta), fnp.power(fnp.abs(x), beta))
    return fnp.multiply(0.5, fnp.add(1, fnp.multiply(fnp.sign(x), tail)))
