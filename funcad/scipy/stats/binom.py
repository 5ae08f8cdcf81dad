"""The binomial distribution (funcad.scipy.stats.binom): k successes in n trials. Not a
whole number k is outside the support (-inf), as in SciPy."""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import gammaln, integer_support, promote, safe, xlog1py, xlogy
from funcad.typing import Array, ArrayLike

__all__ = ["logpmf", "pmf"]


def logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """Log of the binomial probability mass at ``k`` (shape ``n``, ``p``; shifted by ``loc``), as
    ``scipy.stats.binom.logpmf``.

    >>> from funcad.scipy import stats
    >>> print(stats.binom.logpmf(2, 5, 0.3))
    -1.1753853474740237
    """
    k, n, p, loc = promote(k, n, p, loc)
    k = fnp.subtract(k, loc)
    inside = integer_support(k, 0, n)
    k = safe(inside, k, 0.0)
    rest = fnp.subtract(n, k)
    combinations = fnp.subtract(gammaln(fnp.add(n, 1)),
                                fnp.add(gammaln(fnp.add(k, 1)), gammaln(fnp.add(rest, 1))))
    out = fnp.add(combinations, fnp.add(xlogy(k, p), xlog1py(rest, fnp.negative(p))))
    return fnp.where(inside, out, -np.inf)


def pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The binomial probability mass at ``k`` (shape ``n``, ``p``; shifted by ``loc``), as
    ``scipy.stats.binom.pmf``.

    >>> from funcad.scipy import stats
    >>> print(stats.binom.pmf(2, 5, 0.3))
    0.3086999999999999
    """
    return fnp.exp(logpmf(k, n, p, loc))
