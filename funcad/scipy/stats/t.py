"""Student's t distribution (funcad.scipy.stats.t)."""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import gammaln, promote
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf"]

_LOG_PI = float(np.log(np.pi))


def logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """Log of the Student's t probability density at ``x`` (shape ``df``; shifted by ``loc``, scaled
    by ``scale``), as ``scipy.stats.t.logpdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.t.logpdf(0.5, 4.0))
    -1.1323908075528133
    """
    x, df, loc, scale = promote(x, df, loc, scale)
    z = fnp.divide(fnp.subtract(x, loc), scale)
    half_df_plus = fnp.multiply(0.5, fnp.add(df, 1))
    normalizer = fnp.subtract(gammaln(half_df_plus), gammaln(fnp.multiply(0.5, df)))
    normalizer = fnp.subtract(normalizer, fnp.multiply(0.5, fnp.add(_LOG_PI, fnp.log(df))))
    normalizer = fnp.subtract(normalizer, fnp.log(scale))
    return fnp.subtract(normalizer,
                        fnp.multiply(half_df_plus, fnp.log1p(fnp.divide(fnp.square(z), df))))


def pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The Student's t probability density at ``x`` (shape ``df``; shifted by ``loc``, scaled by
    ``scale``), as ``scipy.stats.t.pdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.t.pdf(0.5, 4.0))
    0.3222618685603871
    """
    return fnp.exp(logpdf(x, df, loc, scale))
