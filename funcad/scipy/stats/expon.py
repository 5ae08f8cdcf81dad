"""The exponential distribution (funcad.scipy.stats.expon): support x >= loc."""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import promote, safe
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def _standard(x: Any, loc: Any, scale: Any) -> tuple[Any, Any, Any]:
    """z = (x - loc) / scale, the support mask, and z clamped to it (for safe formulas)."""
    x, loc, scale = promote(x, loc, scale)
    z = fnp.divide(fnp.subtract(x, loc), scale)
    inside = fnp.greater_equal(z, 0)
    return safe(inside, z, 1.0), inside, scale


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the exponential probability density at ``x`` (shifted by ``loc``, scaled by
    ``scale``), as ``scipy.stats.expon.logpdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.expon.logpdf(0.5))
    -0.5
    """
    z, inside, scale = _standard(x, loc, scale)
    return fnp.where(inside, fnp.negative(fnp.add(z, fnp.log(scale))), -np.inf)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The exponential probability density at ``x`` (shifted by ``loc``, scaled by ``scale``), as
    ``scipy.stats.expon.pdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.expon.pdf(0.5))
    0.6065306597126334
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The exponential cumulative distribution function at ``x``: the probability of a value <=
    ``x`` (shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.expon.cdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.expon.cdf(0.5))
    0.3934693402873666
    """
    z, inside, _ = _standard(x, loc, scale)
    return fnp.where(inside, fnp.negative(fnp.expm1(fnp.negative(z))), 0)


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the exponential cumulative distribution function at ``x`` (shifted by ``loc``, scaled
    by ``scale``), as ``scipy.stats.expon.logcdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.expon.logcdf(0.5))
    -0.9327521295671886
    """
    z, inside, _ = _standard(x, loc, scale)
    return fnp.where(inside, fnp.log(fnp.negative(fnp.expm1(fnp.negative(z)))), -np.inf)


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The exponential survival function at ``x``: ``1 - cdf``, computed without the cancellation
    (shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.expon.sf``.

    >>> from funcad.scipy import stats
    >>> print(stats.expon.sf(0.5))
    0.6065306597126334
    """
    return fnp.exp(logsf(x, loc, scale))


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the exponential survival function (``1 - cdf``) at ``x`` (shifted by ``loc``, scaled
    by ``scale``), as ``scipy.stats.expon.logsf``.

    >>> from funcad.scipy import stats
    >>> print(stats.expon.logsf(0.5))
    -0.5
    """
    z, inside, _ = _standard(x, loc, scale)
    return fnp.where(inside, fnp.negative(z), 0)


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The exponential quantile function (inverse of ``cdf``) at probability ``q`` (shifted by
    ``loc``, scaled by ``scale``), as ``scipy.stats.expon.ppf``.

    >>> from funcad.scipy import stats
    >>> print(stats.expon.ppf(0.75))
    1.3862943611198906
    """
    q, loc, scale = promote(q, loc, scale)
    valid = fnp.logical_and(fnp.greater_equal(q, 0), fnp.less_equal(q, 1))
    out = fnp.add(fnp.multiply(fnp.negative(fnp.log1p(fnp.negative(safe(valid, q, 0.5)))),
                               scale), loc)
    return fnp.where(valid, out, np.nan)
