"""The Pareto distribution (funcad.scipy.stats.pareto): support x >= loc + scale."""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import promote, safe
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def _standard(x: Any, b: Any, loc: Any, scale: Any) -> tuple[Any, Any, Any, Any]:
    """log z for z = (x - loc) / scale clamped into the support, the mask, b and scale."""
    x, b, loc, scale = promote(x, b, loc, scale)
    z = fnp.divide(fnp.subtract(x, loc), scale)
    inside = fnp.greater_equal(z, 1)
    return fnp.log(safe(inside, z, 2.0)), inside, b, scale


def logpdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the Pareto probability density at ``x`` (shape ``b``; shifted by ``loc``, scaled by
    ``scale``), as ``scipy.stats.pareto.logpdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.pareto.logpdf(1.5, 3.0))
    -0.5232481437645478
    """
    log_z, inside, b, scale = _standard(x, b, loc, scale)
    out = fnp.subtract(fnp.subtract(fnp.log(b), fnp.log(scale)),
                       fnp.multiply(fnp.add(b, 1), log_z))
    return fnp.where(inside, out, -np.inf)


def pdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The Pareto probability density at ``x`` (shape ``b``; shifted by ``loc``, scaled by
    ``scale``), as ``scipy.stats.pareto.pdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.pareto.pdf(1.5, 3.0))
    0.5925925925925927
    """
    return fnp.exp(logpdf(x, b, loc, scale))


def logsf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the Pareto survival function (``1 - cdf``) at ``x`` (shape ``b``; shifted by ``loc``,
    scaled by ``scale``), as ``scipy.stats.pareto.logsf``.

    >>> from funcad.scipy import stats
    >>> print(stats.pareto.logsf(1.5, 3.0))
    -1.2163953243244932
    """
    log_z, inside, b, _ = _standard(x, b, loc, scale)
    return fnp.where(inside, fnp.negative(fnp.multiply(b, log_z)), 0)


def sf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The Pareto survival function at ``x``: ``1 - cdf``, computed without the cancellation (shape
    ``b``; shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.pareto.sf``.

    >>> from funcad.scipy import stats
    >>> print(stats.pareto.sf(1.5, 3.0))
    0.2962962962962963
    """
    return fnp.exp(logsf(x, b, loc, scale))


def cdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The Pareto cumulative distribution function at ``x``: the probability of a value <= ``x``
    (shape ``b``; shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.pareto.cdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.pareto.cdf(1.5, 3.0))
    0.7037037037037037
    """
    log_z, inside, b, _ = _standard(x, b, loc, scale)
    return fnp.where(inside, fnp.negative(fnp.expm1(fnp.negative(fnp.multiply(b, log_z)))), 0)


def logcdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the Pareto cumulative distribution function at ``x`` (shape ``b``; shifted by ``loc``,
    scaled by ``scale``), as ``scipy.stats.pareto.logcdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.pareto.logcdf(1.5, 3.0))
    -0.3513978868378886
    """
    log_z, inside, b, _ = _standard(x, b, loc, scale)
    out = fnp.log(fnp.negative(fnp.expm1(fnp.negative(fnp.multiply(b, log_z)))))
    return fnp.where(inside, out, -np.inf)


def ppf(q: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The Pareto quantile function (inverse of ``cdf``) at probability ``q`` (shape ``b``; shifted
    by ``loc``, scaled by ``scale``), as ``scipy.stats.pareto.ppf``.

    >>> from funcad.scipy import stats
    >>> print(stats.pareto.ppf(0.75, 3.0))
    1.5874010519681994
    """
    q, b, loc, scale = promote(q, b, loc, scale)
    valid = fnp.logical_and(fnp.greater_equal(q, 0), fnp.less_equal(q, 1))
    z = fnp.exp(fnp.divide(fnp.negative(fnp.log1p(fnp.negative(safe(valid, q, 0.5)))), b))
    return fnp.where(valid, fnp.add(fnp.multiply(scale, z), loc), np.nan)
