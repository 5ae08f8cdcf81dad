"""The wrapped Cauchy distribution (funcad.scipy.stats.wrapcauchy) on [0, 2 pi], shape
0 < c < 1 (nan otherwise)."""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import LOG_2PI, promote, safe
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf"]


def logpdf(x: ArrayLike, c: ArrayLike) -> Array:
    """Log of the wrapped Cauchy probability density at ``x`` (shape ``c``), as
    ``scipy.stats.wrapcauchy.logpdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.wrapcauchy.logpdf(1.0, 0.5))
    -1.7826429563301947
    """
    x, c = promote(x, c)
    inside = fnp.logical_and(fnp.greater_equal(x, 0), fnp.less_equal(x, 2 * np.pi))
    valid = fnp.logical_and(fnp.greater(c, 0), fnp.less(c, 1))
    c = safe(valid, c, 0.5)
    c2 = fnp.square(c)
    out = fnp.subtract(fnp.log1p(fnp.negative(c2)), fnp.add(LOG_2PI, fnp.log(fnp.subtract(
        fnp.add(1, c2), fnp.multiply(fnp.multiply(2, c), fnp.cos(x))))))
    return fnp.where(valid, fnp.where(inside, out, -np.inf), np.nan)


def pdf(x: ArrayLike, c: ArrayLike) -> Array:
    """The wrapped Cauchy probability density at ``x`` (shape ``c``), as
    ``scipy.stats.wrapcauchy.pdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.wrapcauchy.pdf(1.0, 0.5))
    0.16819303247833792
    """
    return fnp.exp(logpdf(x, c))
