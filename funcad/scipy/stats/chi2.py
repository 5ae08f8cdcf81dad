"""The chi-squared distribution (funcad.scipy.stats.chi2): a gamma distribution of shape
df / 2 and twice the scale."""

from __future__ import annotations

from typing import Any

import funcad.numpy as fnp
from funcad.scipy.stats import gamma
from funcad.scipy.stats._common import promote
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def _as_gamma(x: Any, df: Any, loc: Any, scale: Any) -> tuple[Any, Any, Any, Any]:
    x, df, loc, scale = promote(x, df, loc, scale)
    return x, fnp.multiply(0.5, df), loc, fnp.multiply(2, scale)


def logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the chi-squared probability density at ``x`` (shape ``df``; shifted by ``loc``, scaled
    by ``scale``), as ``scipy.stats.chi2.logpdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.chi2.logpdf(2.0, 3.0))
    -1.5723649429247
    """
    return gamma.logpdf(*_as_gamma(x, df, loc, scale))


def pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The chi-squared probability density at ``x`` (shape ``df``; shifted by ``loc``, scaled by
    ``scale``), as ``scipy.stats.chi2.pdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.chi2.pdf(2.0, 3.0))
    0.2075537487102974
    """
    return gamma.pdf(*_as_gamma(x, df, loc, scale))


def cdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The chi-squared cumulative distribution function at ``x``: the probability of a value <=
    ``x`` (shape ``df``; shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.chi2.cdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.chi2.cdf(2.0, 3.0))
    0.42759329552912023
    """
    return gamma.cdf(*_as_gamma(x, df, loc, scale))


def logcdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the chi-squared cumulative distribution function at ``x`` (shape ``df``; shifted by
    ``loc``, scaled by ``scale``), as ``scipy.stats.chi2.logcdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.chi2.logcdf(2.0, 3.0))
    -0.8495827792593129
    """
    return gamma.logcdf(*_as_gamma(x, df, loc, scale))


def sf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The chi-squared survival function at ``x``: ``1 - cdf``, computed without the cancellation
    (shape ``df``; shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.chi2.sf``.

    >>> from funcad.scipy import stats
    >>> print(stats.chi2.sf(2.0, 3.0))
    0.5724067044708798
    """
    return gamma.sf(*_as_gamma(x, df, loc, scale))


def logsf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the chi-squared survival function (``1 - cdf``) at ``x`` (shape ``df``; shifted by
    ``loc``, scaled by ``scale``), as ``scipy.stats.chi2.logsf``.

    >>> from funcad.scipy import stats
    >>> print(stats.chi2.logsf(2.0, 3.0))
    -0.5579055184563477
    """
    return gamma.logsf(*_as_gamma(x, df, loc, scale))
