"""The Laplace distribution (funcad.scipy.stats.laplace)."""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import promote
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf"]

_LOG_2 = float(np.log(2))


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the Laplace probability density at ``x`` (shifted by ``loc``, scaled by ``scale``), as
    ``scipy.stats.laplace.logpdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.laplace.logpdf(0.5))
    -1.1931471805599454
    """
    x, loc, scale = promote(x, loc, scale)
    z = fnp.divide(fnp.subtract(x, loc), scale)
    return fnp.negative(fnp.add(fnp.add(_LOG_2, fnp.log(scale)), fnp.abs(z)))


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The Laplace probability density at ``x`` (shifted by ``loc``, scaled by ``scale``), as
    ``scipy.stats.laplace.pdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.laplace.pdf(0.5))
    0.3032653298563167
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """exp(z) / 2 below the location, 1 - exp(-z) / 2 above (each branch at |z|, so neither
    overflows)."""
    x, loc, scale = promote(x, loc, scale)
    z = fnp.divide(fnp.subtract(x, loc), scale)
    half_tail = fnp.multiply(0.5, fnp.exp(fnp.negative(fnp.abs(z))))
    return fnp.where(fnp.less(z, 0), half_tail, fnp.subtract(1, half_tail))
