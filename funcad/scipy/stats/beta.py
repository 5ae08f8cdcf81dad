"""The beta distribution (funcad.scipy.stats.beta): support [loc, loc + scale]. The CDFs are
differentiable in x, loc and scale; the incomplete beta function has no derivative in its
shape parameters in SciPy or funcad (it raises)."""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.lax as lax
import funcad.numpy as fnp
from funcad.scipy.stats._common import betaln, promote, safe, xlog1py, xlogy
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def logpdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
           scale: ArrayLike = 1) -> Array:
    """Log of the beta probability density at ``x`` (shape ``a``, ``b``; shifted by ``loc``, scaled
    by ``scale``), as ``scipy.stats.beta.logpdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.beta.logpdf(0.25, 2.0, 3.0))
    0.523248143764548
    """
    x, a, b, loc, scale = promote(x, a, b, loc, scale)
    z = fnp.divide(fnp.subtract(x, loc), scale)
    inside = fnp.logical_and(fnp.greater_equal(z, 0), fnp.less_equal(z, 1))
    z = safe(inside, z, 0.5)
    out = fnp.add(xlogy(fnp.subtract(a, 1), z), xlog1py(fnp.subtract(b, 1), fnp.negative(z)))
    out = fnp.subtract(out, fnp.add(betaln(a, b), fnp.log(scale)))
    return fnp.where(inside, out, -np.inf)


def pdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
        scale: ArrayLike = 1) -> Array:
    """The beta probability density at ``x`` (shape ``a``, ``b``; shifted by ``loc``, scaled by
    ``scale``), as ``scipy.stats.beta.pdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.beta.pdf(0.25, 2.0, 3.0))
    1.6875000000000002
    """
    return fnp.exp(logpdf(x, a, b, loc, scale))


def _clamped(x: Any, a: Any, b: Any, loc: Any, scale: Any) -> tuple[Any, Any, Any]:
    x, a, b, loc, scale = promote(x, a, b, loc, scale)
    return a, b, fnp.clip(fnp.divide(fnp.subtract(x, loc), scale), 0, 1)


def cdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
        scale: ArrayLike = 1) -> Array:
    """The beta cumulative distribution function at ``x``: the probability of a value <= ``x``
    (shape ``a``, ``b``; shifted by ``loc``, scaled by ``scale``), as ``scipy.stats.beta.cdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.beta.cdf(0.25, 2.0, 3.0))
    0.26171875
    """
    return lax.betainc(*_clamped(x, a, b, loc, scale))


def logcdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
           scale: ArrayLike = 1) -> Array:
    """Log of the beta cumulative distribution function at ``x`` (shape ``a``, ``b``; shifted by
    ``loc``, scaled by ``scale``), as ``scipy.stats.beta.logcdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.beta.logcdf(0.25, 2.0, 3.0))
    -1.3404848250885963
    """
    return fnp.log(cdf(x, a, b, loc, scale))


def sf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """I_{1-z}(b, a), the upper tail computed directly (no cancellation in 1 - cdf)."""
    a, b, z = _clamped(x, a, b, loc, scale)
    return lax.betainc(b, a, fnp.subtract(1, z))


def logsf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
          scale: ArrayLike = 1) -> Array:
    """Log of the beta survival function (``1 - cdf``) at ``x`` (shape ``a``, ``b``; shifted by
    ``loc``, scaled by ``scale``), as ``scipy.stats.beta.logsf``.

    >>> from funcad.scipy import stats
    >>> print(stats.beta.logsf(0.25, 2.0, 3.0))
    -0.3034304294199201
    """
    return fnp.log(sf(x, a, b, loc, scale))
