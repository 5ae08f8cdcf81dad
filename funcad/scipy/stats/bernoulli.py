"""The Bernoulli distribution (funcad.scipy.stats.bernoulli)."""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import integer_support, promote, safe, xlog1py, xlogy
from funcad.typing import Array, ArrayLike

__all__ = ["logpmf", "pmf", "cdf", "ppf"]


def logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """Log of the Bernoulli probability mass at ``k`` (shape ``p``; shifted by ``loc``), as
    ``scipy.stats.bernoulli.logpmf``.

    >>> from funcad.scipy import stats
    >>> print(stats.bernoulli.logpmf(1, 0.3))
    -1.2039728043259361
    """
    k, p, loc = promote(k, p, loc)
    k = fnp.subtract(k, loc)
    inside = integer_support(k, 0, 1)
    k = safe(inside, k, 0.0)
    out = fnp.add(xlogy(k, p), xlog1py(fnp.subtract(1, k), fnp.negative(p)))
    return fnp.where(inside, out, -np.inf)


def pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The Bernoulli probability mass at ``k`` (shape ``p``; shifted by ``loc``), as
    ``scipy.stats.bernoulli.pmf``.

    >>> from funcad.scipy import stats
    >>> print(stats.bernoulli.pmf(1, 0.3))
    0.3
    """
    return fnp.exp(logpmf(k, p, loc))


def _bad_p(p: Any) -> Any:
    return fnp.logical_or(fnp.isnan(p), fnp.logical_or(fnp.less(p, 0), fnp.greater(p, 1)))


def cdf(k: ArrayLike, p: ArrayLike) -> Array:
    """The Bernoulli cumulative distribution function at ``k``: the probability of a value <= ``k``
    (shape ``p``), as ``scipy.stats.bernoulli.cdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.bernoulli.cdf(1, 0.3))
    1.0
    """
    k, p = promote(k, p)
    out = fnp.where(fnp.less(k, 0), 0, fnp.where(fnp.less(k, 1), fnp.subtract(1, p), 1))
    return fnp.where(fnp.logical_or(fnp.isnan(k), _bad_p(p)), np.nan, out)


def ppf(q: ArrayLike, p: ArrayLike) -> Array:
    """0 up to 1 - p, then 1; -1 at q = 0, SciPy's convention for discrete quantiles (JAX
    gives 0 there)."""
    q, p = promote(q, p)
    out = fnp.where(fnp.less_equal(q, fnp.subtract(1, p)), 0, 1)
    out = fnp.where(fnp.equal(q, 0), -1, out)
    bad = fnp.logical_or(_bad_p(p), fnp.logical_or(
        fnp.isnan(q), fnp.logical_or(fnp.less(q, 0), fnp.greater(q, 1))))
    return fnp.where(bad, np.nan, fnp.astype(out, fnp.result_type(q)))
