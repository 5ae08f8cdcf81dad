"""The multinomial distribution (funcad.scipy.stats.multinomial): counts x (categories on
the last axis) of n trials with probabilities p. Each row is checked on its own: a row
whose counts are not whole, not nonnegative or do not sum to n is outside the support."""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import gammaln, integer_support, promote, safe, xlogy
from funcad.typing import Array, ArrayLike

__all__ = ["logpmf", "pmf"]


def logpmf(x: ArrayLike, n: ArrayLike, p: ArrayLike) -> Array:
    """Log of the multinomial probability mass at ``x`` (shape ``n``, ``p``), as
    ``scipy.stats.multinomial.logpmf``.

    >>> import funcad.numpy as fnp
    >>> from funcad.scipy import stats
    >>> print(stats.multinomial.logpmf(fnp.array([1, 2, 2]), 5, fnp.array([0.2, 0.3, 0.5])))
    -2.002480500543708
    """
    x, n, p = promote(x, n, p)
    if fnp.ndim(p) == 0 or fnp.ndim(x) == 0:
        raise ValueError(f"multinomial.logpmf: x and p need a category axis (the last), got "
                         f"shapes {fnp.shape(x)} and {fnp.shape(p)}")
    inside = fnp.logical_and(fnp.all(integer_support(x, 0), axis=-1),
                             fnp.equal(fnp.sum(x, axis=-1), n))
    x = safe(fnp.expand_dims(inside, -1), x, 0.0)
    out = fnp.subtract(gammaln(fnp.add(n, 1)), fnp.sum(gammaln(fnp.add(x, 1)), axis=-1))
    out = fnp.add(out, fnp.sum(xlogy(x, p), axis=-1))
    return fnp.where(inside, out, -np.inf)


def pmf(x: ArrayLike, n: ArrayLike, p: ArrayLike) -> Array:
    """The multinomial probability mass at ``x`` (shape ``n``, ``p``), as
    ``scipy.stats.multinomial.pmf``.

    >>> import funcad.numpy as fnp
    >>> from funcad.scipy import stats
    >>> print(stats.multinomial.pmf(fnp.array([1, 2, 2]), 5, fnp.array([0.2, 0.3, 0.5])))
    0.13499999999999993
    """
    return fnp.exp(logpmf(x, n, p))
