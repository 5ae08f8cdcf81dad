"""The negative binomial distribution (funcad.scipy.stats.nbinom): k failures before the
n-th success (n may be any positive real)."""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import gammaln, integer_support, promote, safe, xlog1py, xlogy
from funcad.typing import Array, ArrayLike

__all__ = ["logpmf", "pmf"]


def logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """Log of the negative binomial probability mass at ``k`` (shape ``n``, ``p``; shifted by
    ``loc``), as ``scipy.stats.nbinom.logpmf``.

    >>> from funcad.scipy import stats
    >>> print(stats.nbinom.logpmf(2, 5, 0.3))
    -4.025163708404936
    """
    k, n, p, loc = promote(k, n, p, loc)
    k = fnp.subtract(k, loc)
    inside = integer_support(k, 0)
    k = safe(inside, k, 0.0)
    combinations = fnp.subtract(gammaln(fnp.add(n, k)), fnp.add(gammaln(fnp.add(k, 1)),
                                                                 gammaln(n)))
    out = fnp.add(combinations, fnp.add(xlogy(n, p), xlog1py(k, fnp.negative(p))))
    return fnp.where(inside, out, -np.inf)


def pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The negative binomial probability mass at ``k`` (shape ``n``, ``p``; shifted by ``loc``), as
    ``scipy.stats.nbinom.pmf``.

    >>> from funcad.scipy import stats
    >>> print(stats.nbinom.pmf(2, 5, 0.3))
    0.01786049999999998
    """
    return fnp.exp(logpmf(k, n, p, loc))
