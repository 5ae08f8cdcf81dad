"""gaussian_kde: a kernel density estimate with Gaussian kernels, differentiable in its data,
weights and evaluation points, and a pytree (so it passes through jit, vmap and grad).

Densities go through the Cholesky factor of the kernel covariance: points and data are
whitened by one triangular solve each, and the log density is a logsumexp over the data.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

import funcad.numpy as fnp
from funcad.numpy._conversion import as_operand, concrete_value
from funcad.primitives.linalg import cholesky, triangular_solve
from funcad.scipy.special import logsumexp
from funcad.scipy.stats._common import LOG_2PI, ndtr, promote
from funcad.tree_util import register_pytree_node_class
from funcad.typing import Array, ArrayLike

__all__ = ["gaussian_kde"]


@register_pytree_node_class
class gaussian_kde:
    """SciPy's and JAX's gaussian_kde: ``dataset`` of shape (d, n) (or (n,) for d = 1),
    ``bw_method`` None or 'scott', 'silverman', a number or a callable of the estimate, and
    optional ``weights`` (normalized to sum to 1)."""

    neff: Array
    dataset: Array
    weights: Array
    covariance: Array
    inv_cov: Array

    def __init__(self, dataset: ArrayLike,
                 bw_method: None | str | float | Callable[..., Any] = None,
                 weights: ArrayLike | None = None) -> None:
        dataset = as_operand(dataset)
        if fnp.result_type(dataset).kind == "c":
            raise NotImplementedError("gaussian_kde does not support complex data")
        dataset = fnp.atleast_2d(dataset)
        if not fnp.size(dataset) > 1:
            raise ValueError("gaussian_kde: the dataset should have multiple elements")
        d, n = fnp.shape(dataset)
        if weights is None:
            (dataset,) = promote(dataset)
            weights = fnp.full(n, 1.0 / n, dtype=fnp.result_type(dataset))
        else:
            dataset, weights = promote(dataset, weights)
            weights = fnp.atleast_1d(weights)
            if fnp.ndim(weights) != 1:
                raise ValueError("gaussian_kde: weights should be one-dimensional")
            if fnp.shape(weights)[0] != n:
                raise ValueError(f"gaussian_kde: weights should have length n = {n}, got "
                                 f"{fnp.shape(weights)[0]}")
            weights = fnp.divide(weights, fnp.sum(weights))
        self.dataset, self.weights = dataset, weights
        self.neff = fnp.reciprocal(fnp.sum(fnp.square(weights)))
        factor = self._bandwidth(bw_method)
        # (NumPy's cov computes weighted covariances in float64; the estimate keeps the
        # data's precision, as JAX's does)
        data_covariance = fnp.astype(fnp.atleast_2d(fnp.cov(
            dataset, rowvar=True, bias=False, aweights=weights)), fnp.result_type(dataset))
        self.covariance = fnp.multiply(data_covariance, fnp.square(factor))
        self.inv_cov = _inverse(self.covariance)

    def _bandwidth(self, bw_method: Any) -> Any:
        d = self.d
        if bw_method is None or bw_method == "scott":
            return fnp.power(self.neff, -1.0 / (d + 4))
        if bw_method == "silverman":
            return fnp.power(fnp.multiply(self.neff, (d + 2) / 4.0), -1.0 / (d + 4))
        if isinstance(bw_method, str):
            raise ValueError(f"gaussian_kde: bw_method should be 'scott', 'silverman', a "
                             f"scalar or a callable, got {bw_method!r}")
        if callable(bw_method):
            return bw_method(self)
        if fnp.ndim(bw_method) != 0:
            raise ValueError("gaussian_kde: a numeric bw_method must be a scalar")
        return bw_method

    @property
    def d(self) -> int:
        return fnp.shape(self.dataset)[0]

    @property
    def n(self) -> int:
        return fnp.shape(self.dataset)[1]

    def tree_flatten(self) -> tuple[tuple[Any, ...], None]:
        return (self.neff, self.dataset, self.weights, self.covariance, self.inv_cov), None

    @classmethod
    def tree_unflatten(cls, aux_data: Any, children: Any) -> "gaussian_kde":
        kde = cls.__new__(cls)
        kde.neff, kde.dataset, kde.weights, kde.covariance, kde.inv_cov = children
        return kde

    def _points(self, points: Any) -> Any:
        points = fnp.atleast_2d(as_operand(points))
        d, m = fnp.shape(points)
        if d != self.d:
            if d == 1 and m == self.d:
                return fnp.reshape(points, (self.d, 1))
            raise ValueError(f"gaussian_kde: points have dimension {d}, the dataset has "
                             f"dimension {self.d}")
        return points

    def logpdf(self, x: ArrayLike) -> Array:
        """log sum_i w_i N(x; x_i, covariance), one value per point."""
        points = self._points(x)
        lower = cholesky(self.covariance)
        white_points = triangular_solve(lower, points, left_side=True, lower=True)
        white_data = triangular_solve(lower, self.dataset, left_side=True, lower=True)
        difference = fnp.subtract(white_points[:, :, None], white_data[:, None, :])
        exponent = fnp.multiply(-0.5, fnp.sum(fnp.square(difference), axis=0))
        log_norm = fnp.add(0.5 * self.d * LOG_2PI,
                           fnp.sum(fnp.log(fnp.diagonal(lower))))
        return fnp.subtract(logsumexp(exponent, axis=1, b=self.weights[None, :]), log_norm)

    def evaluate(self, points: ArrayLike) -> Array:
        return fnp.exp(self.logpdf(points))

    pdf = evaluate
    __call__ = evaluate

    def integrate_gaussian(self, mean: ArrayLike, cov: ArrayLike) -> Array:
        """The integral of the estimate times N(mean, cov): sum_i w_i N(x_i; mean, cov + K)."""
        mean = fnp.atleast_1d(as_operand(mean))
        cov = fnp.atleast_2d(as_operand(cov))
        if fnp.shape(mean) != (self.d,):
            raise ValueError(f"gaussian_kde.integrate_gaussian: mean should have shape "
                             f"({self.d},), got {fnp.shape(mean)}")
        if fnp.shape(cov) != (self.d, self.d):
            raise ValueError(f"gaussian_kde.integrate_gaussian: cov should have shape "
                             f"({self.d}, {self.d}), got {fnp.shape(cov)}")
        return _mixture_overlap(self.dataset, self.weights, mean[:, None],
                                fnp.ones(1, dtype=fnp.result_type(self.weights)),
                                fnp.add(self.covariance, cov))

    def integrate_box_1d(self, low: ArrayLike, high: ArrayLike) -> Array:
        if self.d != 1:
            raise ValueError("gaussian_kde.integrate_box_1d only handles 1-D densities")
        if fnp.ndim(low) != 0 or fnp.ndim(high) != 0:
            raise ValueError("gaussian_kde.integrate_box_1d: the limits low and high must be "
                             "scalars")
        sigma = fnp.sqrt(self.covariance[0, 0])
        data = self.dataset[0]
        upper = ndtr(fnp.divide(fnp.subtract(high, data), sigma))
        lower = ndtr(fnp.divide(fnp.subtract(low, data), sigma))
        return fnp.sum(fnp.multiply(self.weights, fnp.subtract(upper, lower)))

    def integrate_kde(self, other: "gaussian_kde") -> Array:
        """The integral of the product of two estimates."""
        if other.d != self.d:
            raise ValueError("gaussian_kde.integrate_kde: the estimates must have the same "
                             "dimension")
        return _mixture_overlap(self.dataset, self.weights, other.dataset, other.weights,
                                fnp.add(self.covariance, other.covariance))

    def integrate_box(self, low_bounds: ArrayLike, high_bounds: ArrayLike,
                      maxpts: ArrayLike | None = None) -> Array:
        raise NotImplementedError("gaussian_kde.integrate_box is not supported (as in JAX); "
                                  "integrate_box_1d handles 1-D estimates")

    def resample(self, key: Any, shape: tuple[int, ...] = ()) -> Array:
        """Draws of shape (d,) + shape. funcad has no PRNG keys: ``key`` is a NumPy
        Generator or an integer seed. Differentiable in the dataset (reparameterized)."""
        rng = key if isinstance(key, np.random.Generator) else np.random.default_rng(key)
        shape = tuple(shape)
        weights = np.asarray(concrete_value(self.weights, "gaussian_kde.resample"), np.float64)
        index = rng.choice(self.n, size=shape, p=weights / weights.sum())
        noise = rng.standard_normal((self.d,) + shape).astype(fnp.result_type(self.dataset))
        lower = cholesky(self.covariance)
        flat = fnp.reshape(noise, (self.d, -1))
        correlated = fnp.reshape(fnp.matmul(lower, flat), (self.d,) + shape)
        return fnp.add(fnp.take(self.dataset, index, axis=1), correlated)

    def set_bandwidth(self,
                      bw_method: None | str | float | Callable[..., Any] = None) -> None:
        raise NotImplementedError("gaussian_kde.set_bandwidth: changing the bandwidth of an "
                                  "estimate is not supported (as in JAX); make a new one")


def _mixture_overlap(x: Any, wx: Any, y: Any, wy: Any, covariance: Any) -> Any:
    """sum_ij wx_i wy_j N(x_i - y_j; 0, covariance), x (d, n) and y (d, m)."""
    d = fnp.shape(x)[0]
    lower = cholesky(covariance)
    difference = fnp.subtract(x[:, :, None], y[:, None, :])
    flat = fnp.reshape(difference, (d, -1))
    white = fnp.reshape(triangular_solve(lower, flat, left_side=True, lower=True),
                        fnp.shape(difference))
    exponent = fnp.multiply(-0.5, fnp.sum(fnp.square(white), axis=0))
    log_norm = fnp.add(0.5 * d * LOG_2PI, fnp.sum(fnp.log(fnp.diagonal(lower))))
    weights = fnp.multiply(wx[:, None], wy[None, :])
    return fnp.exp(fnp.subtract(logsumexp(exponent, b=weights), log_norm))


def _inverse(covariance: Any) -> Any:
    """covariance^-1 = L^-T L^-1 from its Cholesky factor L."""
    lower = cholesky(covariance)
    identity = fnp.eye(fnp.shape(covariance)[0], dtype=fnp.result_type(covariance))
    inverse_lower = triangular_solve(lower, identity, left_side=True, lower=True)
    return fnp.matmul(fnp.transpose(inverse_lower), inverse_lower)
