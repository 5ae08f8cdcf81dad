"""The beta-binomial distribution (funcad.scipy.stats.betabinom): a binomial whose success
probability is beta(a, b) distributed."""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import betaln, integer_support, promote, safe
from funcad.typing import Array, ArrayLike

__all__ = ["logpmf", "pmf"]


def logpmf(k: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0) -> Array:
    """Log of the beta-binomial probability mass at ``k`` (shape ``n``, ``a``, ``b``; shifted by
    ``loc``), as ``scipy.stats.betabinom.logpmf``.

    >>> from funcad.scipy import stats
    >>> print(stats.betabinom.logpmf(2, 5, 2.0, 3.0))
    -1.435084525289323
    """
    k, n, a, b, loc = promote(k, n, a, b, loc)
    k = fnp.subtract(k, loc)
    inside = integer_support(k, 0, n)
    k = safe(inside, k, 0.0)
    rest = fnp.subtract(n, k)
    combinations = fnp.negative(fnp.add(fnp.log1p(n), betaln(fnp.add(rest, 1), fnp.add(k, 1))))
    out = fnp.add(combinations, fnp.subtract(betaln(fnp.add(k, a), fnp.add(rest, b)),
                                             betaln(a, b)))
    return fnp.where(inside, out, -np.inf)


def pmf(k: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The beta-binomial probability mass at ``k`` (shape ``n``, ``a``, ``b``; shifted by ``loc``),
    as ``scipy.stats.betabinom.pmf``.

    >>> from funcad.scipy import stats
    >>> print(stats.betabinom.pmf(2, 5, 2.0, 3.0))
    0.23809523809523803
    """
    return fnp.exp(logpmf(k, n, a, b, loc))
