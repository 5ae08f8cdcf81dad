"""The right-skewed Gumbel distribution (funcad.scipy.stats.gumbel_r)."""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import promote
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def _standard(x: Any, loc: Any, scale: Any) -> tuple[Any, Any]:
    x, loc, scale = promote(x, loc, scale)
    return fnp.divide(fnp.subtract(x, loc), scale), scale


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the right-skewed Gumbel probability density at ``x`` (shifted by ``loc``, scaled by
    ``scale``), as ``scipy.stats.gumbel_r.logpdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gumbel_r.logpdf(0.5))
    -1.1065306597126334
    """
    z, scale = _standard(x, loc, scale)
    return fnp.subtract(fnp.negative(fnp.add(z, fnp.exp(fnp.negative(z)))), fnp.log(scale))


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The right-skewed Gumbel probability density at ``x`` (shifted by ``loc``, scaled by
    ``scale``), as ``scipy.stats.gumbel_r.pdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gumbel_r.pdf(0.5))
    0.3307042988904181
    """
    return fnp.exp(logpdf(x, loc, scale))


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the right-skewed Gumbel cumulative distribution function at ``x`` (shifted by ``loc``,
    scaled by ``scale``), as ``scipy.stats.gumbel_r.logcdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gumbel_r.logcdf(0.5))
    -0.6065306597126334
    """
    z, _ = _standard(x, loc, scale)
    return fnp.negative(fnp.exp(fnp.negative(z)))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The right-skewed Gumbel cumulative distribution function at ``x``: the probability of a value
    <= ``x`` (shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.gumbel_r.cdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gumbel_r.cdf(0.5))
    0.545239211892605
    """
    return fnp.exp(logcdf(x, loc, scale))


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The right-skewed Gumbel survival function at ``x``: ``1 - cdf``, computed without the
    cancellation (shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.gumbel_r.sf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gumbel_r.sf(0.5))
    0.45476078810739495
    """
    z, _ = _standard(x, loc, scale)
    return fnp.negative(fnp.expm1(fnp.negative(fnp.exp(fnp.negative(z)))))


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the right-skewed Gumbel survival function (``1 - cdf``) at ``x`` (shifted by ``loc``,
    scaled by ``scale``), as ``scipy.stats.gumbel_r.logsf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gumbel_r.logsf(0.5))
    -0.7879837387044486
    """
    return fnp.log(sf(x, loc, scale))


def ppf(p: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The right-skewed Gumbel quantile function (inverse of ``cdf``) at probability ``p`` (shifted
    by ``loc``, scaled by ``scale``), as ``scipy.stats.gumbel_r.ppf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gumbel_r.ppf(0.75))
    1.2458993237072382
    """
    p, loc, scale = promote(p, loc, scale)
    valid = fnp.logical_and(fnp.greater_equal(p, 0), fnp.less_equal(p, 1))
    out = fnp.subtract(loc, fnp.multiply(scale, fnp.log(fnp.negative(fnp.log(p)))))
    return fnp.where(valid, out, np.nan)
