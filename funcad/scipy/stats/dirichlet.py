"""The Dirichlet distribution (funcad.scipy.stats.dirichlet). As in SciPy, the categories
run along x's first axis (further axes are points), and x may leave out its last category
(it is then 1 minus the others)."""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import gammaln, promote, xlogy
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf"]


def logpdf(x: ArrayLike, alpha: ArrayLike) -> Array:
    """Log of the Dirichlet probability density at ``x`` (shape ``alpha``), as
    ``scipy.stats.dirichlet.logpdf``.

    >>> import funcad.numpy as fnp
    >>> from funcad.scipy import stats
    >>> print(stats.dirichlet.logpdf(fnp.array([0.2, 0.3, 0.5]), fnp.array([1.0, 2.0, 3.0])))
    1.5040773967762737
    """
    x, alpha = promote(x, alpha)
    if fnp.ndim(alpha) != 1:
        raise ValueError(f"dirichlet.logpdf: alpha must be one-dimensional, got shape "
                         f"{fnp.shape(alpha)}")
    k = fnp.shape(alpha)[0]
    if fnp.ndim(x) == 0 or fnp.shape(x)[0] not in (k, k - 1):
        raise ValueError(f"dirichlet.logpdf: x must have as many entries along its first axis "
                         f"as alpha ({k}) or one fewer, got x of shape {fnp.shape(x)}")
    if fnp.shape(x)[0] == k - 1:
        x = fnp.concatenate([x, fnp.subtract(1, fnp.sum(x, axis=0, keepdims=True))], axis=0)
    normalizer = fnp.subtract(fnp.sum(gammaln(alpha)), gammaln(fnp.sum(alpha)))
    alpha = fnp.reshape(alpha, (k,) + (1,) * (fnp.ndim(x) - 1))
    simplex = fnp.logical_and(fnp.all(fnp.greater(x, 0), axis=0),
                              fnp.less(fnp.abs(fnp.subtract(fnp.sum(x, axis=0), 1)), 1e-6))
    safe_x = fnp.where(simplex, x, 1 / k)
    out = fnp.subtract(fnp.sum(xlogy(fnp.subtract(alpha, 1), safe_x), axis=0), normalizer)
    return fnp.where(simplex, out, -np.inf)


def pdf(x: ArrayLike, alpha: ArrayLike) -> Array:
    """The Dirichlet probability density at ``x`` (shape ``alpha``), as
    ``scipy.stats.dirichlet.pdf``.

    >>> import funcad.numpy as fnp
    >>> from funcad.scipy import stats
    >>> print(stats.dirichlet.pdf(fnp.array([0.2, 0.3, 0.5]), fnp.array([1.0, 2.0, 3.0])))
    4.499999999999998
    """
    return fnp.exp(logpdf(x, alpha))
