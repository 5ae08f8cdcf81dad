"""The gamma distribution (funcad.scipy.stats.gamma): shape a, support x >= loc. The CDFs
are differentiable in every argument, a included (funcad.scipy.special.gammainc's
derivative in a, to second order)."""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.special import gammainc, gammaincc
from funcad.scipy.stats._common import gammaln, promote, safe, xlogy
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def logpdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the gamma probability density at ``x`` (shape ``a``; shifted by ``loc``, scaled by
    ``scale``), as ``scipy.stats.gamma.logpdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gamma.logpdf(1.5, 2.0))
    -1.0945348918918356
    """
    x, a, loc, scale = promote(x, a, loc, scale)
    z = fnp.divide(fnp.subtract(x, loc), scale)
    inside = fnp.greater_equal(z, 0)
    z = safe(inside, z, 1.0)
    out = fnp.subtract(fnp.subtract(xlogy(fnp.subtract(a, 1), z), z),
                       fnp.add(gammaln(a), fnp.log(scale)))
    return fnp.where(inside, out, -np.inf)


def pdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The gamma probability density at ``x`` (shape ``a``; shifted by ``loc``, scaled by
    ``scale``), as ``scipy.stats.gamma.pdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gamma.pdf(1.5, 2.0))
    0.33469524022264474
    """
    return fnp.exp(logpdf(x, a, loc, scale))


def _clamped(x: Any, a: Any, loc: Any, scale: Any) -> tuple[Any, Any]:
    x, a, loc, scale = promote(x, a, loc, scale)
    return a, fnp.maximum(fnp.divide(fnp.subtract(x, loc), scale), 0)


def cdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The gamma cumulative distribution function at ``x``: the probability of a value <= ``x``
    (shape ``a``; shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.gamma.cdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gamma.cdf(1.5, 2.0))
    0.4421745996289252
    """
    return gammainc(*_clamped(x, a, loc, scale))


def logcdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the gamma cumulative distribution function at ``x`` (shape ``a``; shifted by ``loc``,
    scaled by ``scale``), as ``scipy.stats.gamma.logcdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gamma.logcdf(1.5, 2.0))
    -0.8160504531201049
    """
    return fnp.log(cdf(x, a, loc, scale))


def sf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The gamma survival function at ``x``: ``1 - cdf``, computed without the cancellation (shape
    ``a``; shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.gamma.sf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gamma.sf(1.5, 2.0))
    0.5578254003710748
    """
    return gammaincc(*_clamped(x, a, loc, scale))


def logsf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the gamma survival function (``1 - cdf``) at ``x`` (shape ``a``; shifted by ``loc``,
    scaled by ``scale``), as ``scipy.stats.gamma.logsf``.

    >>> from funcad.scipy import stats
    >>> print(stats.gamma.logsf(1.5, 2.0))
    -0.5837092681258446
    """
    return fnp.log(sf(x, a, loc, scale))
