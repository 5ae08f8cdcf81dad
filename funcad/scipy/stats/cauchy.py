"""The Cauchy distribution (funcad.scipy.stats.cauchy)."""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import promote
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]

_LOG_PI = float(np.log(np.pi))


def _standard(x: Any, loc: Any, scale: Any) -> tuple[Any, Any]:
    x, loc, scale = promote(x, loc, scale)
    return fnp.divide(fnp.subtract(x, loc), scale), scale


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the Cauchy probability density at ``x`` (shifted by ``loc``, scaled by ``scale``), as
    ``scipy.stats.cauchy.logpdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.cauchy.logpdf(0.5))
    -1.3678734371636099
    """
    z, scale = _standard(x, loc, scale)
    return fnp.negative(fnp.add(fnp.add(_LOG_PI, fnp.log(scale)), fnp.log1p(fnp.square(z))))


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The Cauchy probability density at ``x`` (shifted by ``loc``, scaled by ``scale``), as
    ``scipy.stats.cauchy.pdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.cauchy.pdf(0.5))
    0.25464790894703254
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """1/2 + arctan(z) / pi written as arctan2(1, -z) / pi: no cancellation in the lower
    tail, so its log stays accurate there."""
    z, _ = _standard(x, loc, scale)
    return fnp.divide(fnp.arctan2(1, fnp.negative(z)), np.pi)


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the Cauchy cumulative distribution function at ``x`` (shifted by ``loc``, scaled by
    ``scale``), as ``scipy.stats.cauchy.logcdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.cauchy.logcdf(0.5))
    -0.4345073545177282
    """
    return fnp.log(cdf(x, loc, scale))


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The Cauchy survival function at ``x``: ``1 - cdf``, computed without the cancellation
    (shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.cauchy.sf``.

    >>> from funcad.scipy import stats
    >>> print(stats.cauchy.sf(0.5))
    0.35241638234956674
    """
    z, _ = _standard(x, loc, scale)
    return fnp.divide(fnp.arctan2(1, z), np.pi)


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the Cauchy survival function (``1 - cdf``) at ``x`` (shifted by ``loc``, scaled by
    ``scale``), as ``scipy.stats.cauchy.logsf``.

    >>> from funcad.scipy import stats
    >>> print(stats.cauchy.logsf(0.5))
    -1.0429418980620317
    """
    return fnp.log(sf(x, loc, scale))


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The Cauchy quantile function (inverse of ``cdf``) at probability ``q`` (shifted by ``loc``,
    scaled by ``scale``), as ``scipy.stats.cauchy.ppf``.

    >>> from funcad.scipy import stats
    >>> print(stats.cauchy.ppf(0.75))
    0.9999999999999999
    """
    q, loc, scale = promote(q, loc, scale)
    out = fnp.add(loc, fnp.multiply(scale, fnp.tan(fnp.multiply(np.pi, fnp.subtract(q, 0.5)))))
    return _quantile_range(q, out)


def isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The Cauchy inverse survival function (inverse of ``sf``) at probability ``q`` (shifted by
    ``loc``, scaled by ``scale``), as ``scipy.stats.cauchy.isf``.

    >>> from funcad.scipy import stats
    >>> print(stats.cauchy.isf(0.75))
    -0.9999999999999999
    """
    q, loc, scale = promote(q, loc, scale)
    out = fnp.add(loc, fnp.multiply(scale, fnp.tan(fnp.multiply(np.pi, fnp.subtract(0.5, q)))))
    return _quantile_range(q, out, -1)


def _quantile_range(q: Any, out: Any, sign: int = 1) -> Any:
    """-inf and inf (for ppf; the reverse for isf) at the ends of [0, 1], as SciPy (the
    tangent only comes near them), nan outside."""
    out = fnp.where(fnp.equal(q, 0), -sign * np.inf, fnp.where(fnp.equal(q, 1), sign * np.inf,
                                                               out))
    return fnp.where(fnp.logical_or(fnp.less(q, 0), fnp.greater(q, 1)), np.nan, out)
