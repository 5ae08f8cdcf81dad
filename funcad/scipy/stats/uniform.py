"""The uniform distribution on [loc, loc + scale] (funcad.scipy.stats.uniform)."""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import promote
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "ppf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the uniform probability density at ``x`` (shifted by ``loc``, scaled by ``scale``), as
    ``scipy.stats.uniform.logpdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.uniform.logpdf(0.25))
    -0.0
    """
    x, loc, scale = promote(x, loc, scale)
    inside = fnp.logical_and(fnp.greater_equal(x, loc), fnp.less_equal(x, fnp.add(loc, scale)))
    return fnp.where(inside, fnp.negative(fnp.log(scale)), -np.inf)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The uniform probability density at ``x`` (shifted by ``loc``, scaled by ``scale``), as
    ``scipy.stats.uniform.pdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.uniform.pdf(0.25))
    1.0
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The uniform cumulative distribution function at ``x``: the probability of a value <= ``x``
    (shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.uniform.cdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.uniform.cdf(0.25))
    0.25
    """
    x, loc, scale = promote(x, loc, scale)
    return fnp.clip(fnp.divide(fnp.subtract(x, loc), scale), 0, 1)


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The uniform quantile function (inverse of ``cdf``) at probability ``q`` (shifted by ``loc``,
    scaled by ``scale``), as ``scipy.stats.uniform.ppf``.

    >>> from funcad.scipy import stats
    >>> print(stats.uniform.ppf(0.75))
    0.75
    """
    q, loc, scale = promote(q, loc, scale)
    valid = fnp.logical_and(fnp.greater_equal(q, 0), fnp.less_equal(q, 1))
    return fnp.where(valid, fnp.add(loc, fnp.multiply(q, scale)), np.nan)
