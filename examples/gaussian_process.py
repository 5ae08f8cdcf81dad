"""Gaussian-process regression with hyperparameters fitted by maximising the marginal likelihood.

The data are noisy samples of a smooth function. The model is a GP with a squared-exponential
kernel k(x, x') = s^2 exp(-(x - x')^2 / (2 l^2)) plus noise variance n^2. The negative log
marginal likelihood, 1/2 y^T K^-1 y + 1/2 log det K + m/2 log(2 pi), is written with
``funcad.numpy.linalg.cholesky`` (the log determinant from the factor's diagonal) and
``linalg.solve``, and minimised over the log hyperparameters by
``funcad.scipy.optimize.minimize`` (BFGS on ``funcad.grad``'s gradients, under ``jit``).
The fitted GP then predicts at new points.

    python examples/gaussian_process.py
"""

from __future__ import annotations

import numpy as np

import funcad
import funcad.numpy as fnp
from funcad.scipy.optimize import minimize

POINTS = 40
TRUE = {"length": 0.8, "signal": 1.5, "noise": 0.1}


def kernel(log_params, a, b):
    length, signal = fnp.exp(log_params[0]), fnp.exp(log_params[1])
    return signal ** 2 * fnp.exp(-0.5 * ((a[:, None] - b[None, :]) / length) ** 2)


def negative_log_likelihood(log_params, x, y):
    noise = fnp.exp(log_params[2])
    covariance = kernel(log_params, x, x) + noise ** 2 * fnp.eye(x.shape[0])
    factor = fnp.linalg.cholesky(covariance)
    alpha = fnp.linalg.solve(covariance, y)
    log_det = 2 * fnp.sum(fnp.log(fnp.diagonal(factor)))
    return 0.5 * y @ alpha + 0.5 * log_det + 0.5 * x.shape[0] * fnp.log(2 * fnp.pi)


def predict(log_params, x, y, x_new):
    """The posterior mean and standard deviation at x_new."""
    noise = np.exp(log_params[2])
    covariance = np.asarray(kernel(log_params, x, x)) + noise ** 2 * np.eye(len(x))
    cross = np.asarray(kernel(log_params, x_new, x))
    mean = cross @ np.linalg.solve(covariance, y)
    variance = np.exp(2 * log_params[1]) - np.sum(cross * np.linalg.solve(covariance, cross.T).T,
                                                  axis=1)
    return mean, np.sqrt(np.maximum(variance, 0.0))


def main() -> None:
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-4, 4, size=POINTS))
    truth = np.log([TRUE["length"], TRUE["signal"], TRUE["noise"]])
    true_covariance = np.asarray(kernel(truth, x, x)) + TRUE["noise"] ** 2 * np.eye(POINTS)
    y = np.linalg.cholesky(true_covariance) @ rng.normal(size=POINTS)

    start = np.zeros(3)  # length, signal and noise all 1
    objective = funcad.jit(negative_log_likelihood)
    before = float(objective(start, x, y))
    result = funcad.jit(lambda p: minimize(negative_log_likelihood, p, (x, y),
                                           method="BFGS"))(start)
    fitted = np.asarray(result.x)
    gradient = np.asarray(funcad.grad(negative_log_likelihood)(fitted, x, y))
    length, signal, noise = np.exp(fitted)
    print(f"GP regression on {POINTS} points, squared-exponential kernel")
    print(f"log marginal likelihood {-before:.3f} at the start -> {-float(result.fun):.3f} "
          f"after {int(result.nit)} BFGS iterations (gradient norm {np.abs(gradient).max():.1e})")
    print(f"{'':>12} {'fitted':>8} {'true':>8}")
    for name, value in zip(("length", "signal", "noise"), (length, signal, noise)):
        print(f"{name:>12} {value:8.3f} {TRUE[name]:8.3f}")
    x_new = np.array([-3.0, 0.0, 3.0])
    mean, spread = predict(fitted, x, y, x_new)
    for point, m, s in zip(x_new, mean, spread):
        print(f"  prediction at x = {point:4.1f}: {m:7.3f} +- {s:.3f}")
    assert bool(result.success) and -float(result.fun) > -before
    assert np.abs(gradient).max() < 1e-4
    assert 0.3 < length < 2.0 and 0.5 < signal < 4.0 and 0.03 < noise < 0.3


if __name__ == "__main__":
    main()
