"""The left-skewed Gumbel distribution (funcad.scipy.stats.gumbel_l), the mirror image of
gumbel_r."""

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
    """Log of the left-skewed Gumbel probability density at ``x`` (shifted by ``loc``, scaled by
    ``scale``), as ``scipy.stats.gumbel_l.logpdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gumbel_l.logpdf(0.5))
    -1.1487212707001282
    """
    z, scale = _standard(x, loc, scale)
    return fnp.subtract(fnp.subtract(z, fnp.exp(z)), fnp.log(scale))


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The left-skewed Gumbel probability density at ``x`` (shifted by ``loc``, scaled by
    ``scale``), as ``scipy.stats.gumbel_l.pdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gumbel_l.pdf(0.5))
    0.31704192107794216
    """
    return fnp.exp(logpdf(x, loc, scale))


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the left-skewed Gumbel survival function (``1 - cdf``) at ``x`` (shifted by ``loc``,
    scaled by ``scale``), as ``scipy.stats.gumbel_l.logsf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gumbel_l.logsf(0.5))
    -1.6487212707001282
    """
    z, _ = _standard(x, loc, scale)
    return fnp.negative(fnp.exp(z))


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The left-skewed Gumbel survival function at ``x``: ``1 - cdf``, computed without the
    cancellation (shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.gumbel_l.sf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gumbel_l.sf(0.5))
    0.1922956455479649
    """
    return fnp.exp(logsf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The left-skewed Gumbel cumulative distribution function at ``x``: the probability of a value
    <= ``x`` (shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.gumbel_l.cdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gumbel_l.cdf(0.5))
    0.807704354452035
    """
    z, _ = _standard(x, loc, scale)
    return fnp.negative(fnp.expm1(fnp.negative(fnp.exp(z))))


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the left-skewed Gumbel cumulative distribution function at ``x`` (shifted by ``loc``,
    scaled by ``scale``), as ``scipy.stats.gumbel_l.logcdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gumbel_l.logcdf(0.5))
    -0.21355918537343418
    """
    return fnp.log(cdf(x, loc, scale))


def ppf(p: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The left-skewed Gumbel quantile function (inverse of ``cdf``) at probability ``p`` (shifted
    by ``loc``, scaled by ``scale``), as ``scipy.stats.gumbel_l.ppf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gumbel_l.ppf(0.75))
    0.32663425997828094
    """
    p, loc, scale = promote(p, loc, scale)
    valid = fnp.logical_and(fnp.greater_equal(p, 0), fnp.less_equal(p, 1))
    out = fnp.add(loc, fnp.multiply(scale, fnp.log(fnp.negative(fnp.log1p(fnp.negative(p))))))
    return fnp.where(valid, out, np.nan)
