"""The multivariate normal distribution (funcad.scipy.stats.multivariate_normal), through
the Cholesky factor of the covariance: its log-determinant is twice the sum of the log
diagonal, and the Mahalanobis distance one triangular solve. The points (x's last axis)
and stacked covariances broadcast. As in JAX, cov is read as (cov + cov^T) / 2, and one
that is not positive definite gives nan. A scalar ``cov`` is a multiple of the identity; a
0-d ``mean`` makes the distribution univariate."""

from __future__ import annotations

from typing import Any

import funcad.numpy as fnp
from funcad.primitives.linalg import cholesky, triangular_solve
from funcad.scipy.stats._common import LOG_2PI, promote
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf"]


def logpdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike, allow_singular: None = None) -> Array:
    """Log of the multivariate normal probability density at ``x`` (shape ``mean``, ``cov``), as
    ``scipy.stats.multivariate_normal.logpdf``.

    >>> import funcad.numpy as fnp
    >>> from funcad.scipy import stats
    >>> print(stats.multivariate_normal.logpdf(fnp.array([0.5, -1.0]), fnp.zeros(2), fnp.eye(2)))
    -2.4628770664093453
    """
    if allow_singular is not None:
        raise NotImplementedError("multivariate_normal.logpdf: allow_singular is not "
                                  "supported (as in JAX); pass None")
    x, mean, cov = promote(x, mean, cov)
    if fnp.ndim(mean) == 0:
        return fnp.subtract(fnp.multiply(-0.5, fnp.divide(fnp.square(fnp.subtract(x, mean)),
                                                          cov)),
                            fnp.multiply(0.5, fnp.add(LOG_2PI, fnp.log(cov))))
    n = fnp.shape(mean)[-1]
    y = fnp.subtract(x, mean)
    if fnp.ndim(cov) == 0:
        return fnp.subtract(fnp.multiply(-0.5, fnp.divide(fnp.sum(fnp.square(y), axis=-1), cov)),
                            fnp.multiply(n / 2, fnp.add(LOG_2PI, fnp.log(cov))))
    if fnp.ndim(cov) < 2 or tuple(fnp.shape(cov)[-2:]) != (n, n):
        raise ValueError(f"multivariate_normal.logpdf: cov must be a scalar or ({n}, {n}) "
                         f"matrices to match mean of shape {fnp.shape(mean)}, got shape "
                         f"{fnp.shape(cov)}")
    if fnp.ndim(y) == 0 or fnp.shape(y)[-1] != n:
        raise ValueError(f"multivariate_normal.logpdf: x must have {n} entries on its last "
                         f"axis to match mean, got shape {fnp.shape(x)}")
    # both triangles count, as in JAX: the derivative in cov is then symmetric
    cov = fnp.multiply(0.5, fnp.add(cov, fnp.swapaxes(cov, -1, -2)))
    lower = cholesky(cov)
    log_det = fnp.sum(fnp.log(fnp.diagonal(lower, axis1=-2, axis2=-1)), axis=-1)
    distance = _mahalanobis(lower, y)
    return fnp.subtract(fnp.multiply(-0.5, fnp.add(distance, n * LOG_2PI)), log_det)


def _mahalanobis(lower: Any, y: Any) -> Any:
    """|L^-1 y|^2 for each point y (last axis): with one covariance, one solve for all
    points (as the columns of a matrix); stacked covariances broadcast with the points."""
    n = fnp.shape(y)[-1]
    batch = fnp.broadcast_shapes(tuple(fnp.shape(lower)[:-2]), tuple(fnp.shape(y)[:-1]))
    if fnp.ndim(lower) == 2:
        columns = fnp.transpose(fnp.reshape(fnp.broadcast_to(y, batch + (n,)), (-1, n)))
        solved = triangular_solve(lower, columns, left_side=True, lower=True)
        return fnp.reshape(fnp.sum(fnp.square(solved), axis=0), batch)
    lower = fnp.broadcast_to(lower, batch + (n, n))
    columns = fnp.expand_dims(fnp.broadcast_to(y, batch + (n,)), -1)
    solved = triangular_solve(lower, columns, left_side=True, lower=True)
    return fnp.sum(fnp.square(solved), axis=(-2, -1))


def pdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike) -> Array:
    """The multivariate normal probability density at ``x`` (shape ``mean``, ``cov``), as
    ``scipy.stats.multivariate_normal.pdf``.

    >>> import funcad.numpy as fnp
    >>> from funcad.scipy import stats
    >>> print(stats.multivariate_normal.pdf(fnp.array([0.5, -1.0]), fnp.zeros(2), fnp.eye(2)))
    0.0851895021952265
    """
    return fnp.exp(logpdf(x, mean, cov))
