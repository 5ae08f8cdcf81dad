"""The geometric distribution (funcad.scipy.stats.geom): the trial of the first success,
k = 1, 2, ..."""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import integer_support, promote, safe, xlog1py
from funcad.typing import Array, ArrayLike

__all__ = ["logpmf", "pmf"]


def logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """Log of the geometric probability mass at ``k`` (shape ``p``; shifted by ``loc``), as
    ``scipy.stats.geom.logpmf``.

    >>> from funcad.scipy import stats
    >>> print(stats.geom.logpmf(2, 0.3))
    -1.5606477482646683
    """
    k, p, loc = promote(k, p, loc)
    k = fnp.subtract(k, loc)
    inside = integer_support(k, 1)
    k = safe(inside, k, 1.0)
    out = fnp.add(xlog1py(fnp.subtract(k, 1), fnp.negative(p)), fnp.log(p))
    return fnp.where(inside, out, -np.inf)


def pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The geometric probability mass at ``k`` (shape ``p``; shifted by ``loc``), as
    ``scipy.stats.geom.pmf``.

    >>> from funcad.scipy import stats
    >>> print(stats.geom.pmf(2, 0.3))
    0.21
    """
    return fnp.exp(logpmf(k, p, loc))
