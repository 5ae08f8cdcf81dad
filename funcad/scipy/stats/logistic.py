"""The logistic distribution (funcad.scipy.stats.logistic). Its quantile functions take
``x`` as their first argument's name, as JAX's do."""

from __future__ import annotations

from typing import Any

import funcad.numpy as fnp
from funcad.scipy.special import logit
from funcad.scipy.stats._common import promote
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "sf", "ppf", "isf"]


def _standard(x: Any, loc: Any, scale: Any) -> tuple[Any, Any]:
    x, loc, scale = promote(x, loc, scale)
    return fnp.divide(fnp.subtract(x, loc), scale), scale


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """-|z| - 2 log(1 + exp(-|z|)) - log scale: symmetric, so written at -|z| (no overflow)."""
    z, scale = _standard(x, loc, scale)
    size = fnp.abs(z)
    return fnp.subtract(fnp.subtract(fnp.negative(size),
                                     fnp.multiply(2, fnp.log1p(fnp.exp(fnp.negative(size))))),
                        fnp.log(scale))


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The logistic probability density at ``x`` (shifted by ``loc``, scaled by ``scale``), as
    ``scipy.stats.logistic.pdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.logistic.pdf(0.5))
    0.2350037122015945
    """
    return fnp.exp(logpdf(x, loc, scale))


def _sigmoid(z: Any) -> Any:
    """1 / (1 + exp(-z)) from e = exp(-|z|): 1 / (1 + e) above 0, e / (1 + e) below, so the
    lower tail keeps its relative precision (no 1 - (nearly 1))."""
    e = fnp.exp(fnp.negative(fnp.abs(z)))
    upper = fnp.reciprocal(fnp.add(1, e))
    return fnp.where(fnp.greater_equal(z, 0), upper, fnp.multiply(e, upper))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The logistic cumulative distribution function at ``x``: the probability of a value <= ``x``
    (shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.logistic.cdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.logistic.cdf(0.5))
    0.6224593312018546
    """
    return _sigmoid(_standard(x, loc, scale)[0])


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The logistic survival function at ``x``: ``1 - cdf``, computed without the cancellation
    (shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.logistic.sf``.

    >>> from funcad.scipy import stats
    >>> print(stats.logistic.sf(0.5))
    0.37754066879814546
    """
    return _sigmoid(fnp.negative(_standard(x, loc, scale)[0]))


def ppf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The logistic quantile function (inverse of ``cdf``) at probability ``x`` (shifted by ``loc``,
    scaled by ``scale``), as ``scipy.stats.logistic.ppf``.

    >>> from funcad.scipy import stats
    >>> print(stats.logistic.ppf(0.75))
    1.0986122886681098
    """
    x, loc, scale = promote(x, loc, scale)
    return fnp.add(fnp.multiply(logit(x), scale), loc)


def isf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The logistic inverse survival function (inverse of ``sf``) at probability ``x`` (shifted by
    ``loc``, scaled by ``scale``), as ``scipy.stats.logistic.isf``.

    >>> from funcad.scipy import stats
    >>> print(stats.logistic.isf(0.75))
    -1.0986122886681098
    """
    x, loc, scale = promote(x, loc, scale)
    return fnp.subtract(loc, fnp.multiply(logit(x), scale))
