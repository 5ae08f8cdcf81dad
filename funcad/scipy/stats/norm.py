"""The normal distribution (funcad.scipy.stats.norm)."""

from __future__ import annotations

from typing import Any

import funcad.numpy as fnp
from funcad.scipy.stats._common import HALF_LOG_2PI, log_ndtr, ndtr, ndtri, promote
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]


def _standard(x: Any, loc: Any, scale: Any) -> tuple[Any, Any]:
    x, loc, scale = promote(x, loc, scale)
    return fnp.divide(fnp.subtract(x, loc), scale), scale


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the normal probability density at ``x`` (shifted by ``loc``, scaled by ``scale``), as
    ``scipy.stats.norm.logpdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.norm.logpdf(0.5))
    -1.0439385332046727
    """
    z, scale = _standard(x, loc, scale)
    return fnp.subtract(fnp.multiply(-0.5, fnp.square(z)), fnp.add(HALF_LOG_2PI, fnp.log(scale)))


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The normal probability density at ``x`` (shifted by ``loc``, scaled by ``scale``), as
    ``scipy.stats.norm.pdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.norm.pdf(0.5))
    0.3520653267642995
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The normal cumulative distribution function at ``x``: the probability of a value <= ``x``
    (shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.norm.cdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.norm.cdf(0.5))
    0.6914624612740131
    """
    return ndtr(_standard(x, loc, scale)[0])


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the normal cumulative distribution function at ``x`` (shifted by ``loc``, scaled by
    ``scale``), as ``scipy.stats.norm.logcdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.norm.logcdf(0.5))
    -0.368946415288656...
    """
    return log_ndtr(_standard(x, loc, scale)[0])


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The normal survival function at ``x``: ``1 - cdf``, computed without the cancellation
    (shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.norm.sf``.

    >>> from funcad.scipy import stats
    >>> print(stats.norm.sf(0.5))
    0.3085375387259869
    """
    return ndtr(fnp.negative(_standard(x, loc, scale)[0]))


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the normal survival function (``1 - cdf``) at ``x`` (shifted by ``loc``, scaled by
    ``scale``), as ``scipy.stats.norm.logsf``.

    >>> from funcad.scipy import stats
    >>> print(stats.norm.logsf(0.5))
    -1.17591176159361...
    """
    return log_ndtr(fnp.negative(_standard(x, loc, scale)[0]))


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The normal quantile function (inverse of ``cdf``) at probability ``q`` (shifted by ``loc``,
    scaled by ``scale``), as ``scipy.stats.norm.ppf``.

    >>> from funcad.scipy import stats
    >>> print(stats.norm.ppf(0.75))
    0.6744897501960817
    """
    q, loc, scale = promote(q, loc, scale)
    return fnp.add(fnp.multiply(ndtri(q), scale), loc)


def isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The normal inverse survival function (inverse of ``sf``) at probability ``q`` (shifted by
    ``loc``, scaled by ``scale``), as ``scipy.stats.norm.isf``.

    >>> from funcad.scipy import stats
    >>> print(stats.norm.isf(0.75))
    -0.6744897501960817
    """
    q, loc, scale = promote(q, loc, scale)
    return fnp.subtract(loc, fnp.multiply(ndtri(q), scale))
