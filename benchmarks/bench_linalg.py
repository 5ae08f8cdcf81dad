"""Linear algebra: a Gaussian process's marginal likelihood, and small solves under jit.

  (ga) the gradient of a Gaussian process's negative log marginal likelihood in its two
       kernel hyperparameters (log length scale, log signal scale; RBF kernel, fixed noise),
       n = 500 points in 2-d, through a Cholesky factor and two triangular solves: against
       the gradient written by hand with SciPy (0.5 tr((K^-1 - a a^T) dK)), autograd and JAX
  (gb) per-call cost of jit(grad) of a 3x3 problem, sum(solve(A, b)) + sum(cholesky(S)): the
       overhead of small factorisations, against the same by hand and jax.jit
  (gc) the same for sum(solve(A, b)) alone, and (gd) for sum(cholesky(S)) alone

    python benchmarks/bench_linalg.py            # about 1 minute
    python benchmarks/bench_linalg.py --quick --only ga --libs numpy,funcad
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads

# isort: split
import sys
from typing import Any

import numpy as np
import scipy.linalg

COLUMNS = {
    "numpy": harness.Column("NumPy/SciPy by hand", "numpy"),
    "funcad": harness.Column("funcad grad", "funcad"),
    "funcad_jit": harness.Column("funcad jit(grad)", "funcad", compiled=True),
    "autograd": harness.Column("autograd", "autograd"),
    "jax_jit": harness.Column("jax.jit(grad)", "jax", compiled=True),
}
POINTS, NOISE = 500, 0.1


def _with_linalg(lib: Any) -> Any:
    """``lib.solve_triangular`` and ``lib.cholesky`` from the library's own SciPy layer."""
    if lib.name == "funcad":
        import funcad.scipy.linalg as linalg
    elif lib.name == "autograd":
        import autograd.scipy.linalg as linalg
    else:
        import jax.scipy.linalg as linalg
    lib.solve_triangular = linalg.solve_triangular
    lib.cholesky = lib.np.linalg.cholesky
    return lib


def gp_arguments(points: int = POINTS) -> tuple:
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, size=(points, 2))
    y = np.sin(x[:, 0]) * np.cos(x[:, 1]) + NOISE * rng.standard_normal(points)
    return np.array([0.0, 0.0]), x, y


def _squared_distances(x: np.ndarray) -> np.ndarray:
    return np.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)


def gp_nll(lib: Any) -> Any:
    """0.5 y^T K^-1 y + sum(log diag L) + n/2 log(2 pi), K = s^2 exp(-d^2 / 2 l^2) + noise^2 I."""
    xp = _with_linalg(lib).np

    def loss(log_params: Any, x: Any, y: Any) -> Any:
        d2 = xp.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)
        scale = xp.exp(-2.0 * log_params[0])
        kernel = xp.exp(2.0 * log_params[1]) * xp.exp(-0.5 * d2 * scale)
        chol = lib.cholesky(kernel + NOISE ** 2 * xp.eye(y.shape[0]))
        w = lib.solve_triangular(chol, y, lower=True)
        log_diagonal = xp.log(xp.diagonal(chol, 0, -1, -2))  # (the axes autograd can do)
        return (0.5 * xp.sum(w ** 2) + xp.sum(log_diagonal)
                + 0.5 * y.shape[0] * np.log(2 * np.pi))

    return loss


def gp_by_hand(log_params: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The textbook gradient: with a = K^-1 y, dNLL/dtheta = 0.5 tr((K^-1 - a a^T) dK/dtheta)."""
    d2 = _squared_distances(x)
    scale = np.exp(-2.0 * log_params[0])
    kernel = np.exp(2.0 * log_params[1]) * np.exp(-0.5 * d2 * scale)
    factor = scipy.linalg.cho_factor(kernel + NOISE ** 2 * np.eye(len(y)), lower=True)
    alpha = scipy.linalg.cho_solve(factor, y)
    inner = scipy.linalg.cho_solve(factor, np.eye(len(y))) - np.outer(alpha, alpha)
    d_length = kernel * (d2 * scale)  # dK / dlog(length scale)
    d_signal = 2.0 * kernel  # dK / dlog(signal scale)
    return np.array([0.5 * np.sum(inner * d_length), 0.5 * np.sum(inner * d_signal)])


def small_arguments() -> tuple:
    rng = np.random.default_rng(1)
    a = rng.normal(size=(3, 3)) + 3 * np.eye(3)
    return a, rng.normal(size=3)


def small_problem(lib: Any) -> Any:
    xp = _with_linalg(lib).np

    def loss(a: Any, b: Any) -> Any:
        return xp.sum(xp.linalg.solve(a, b)) + xp.sum(lib.cholesky(a @ a.T + xp.eye(3)))

    return loss


def small_by_hand(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """d/dA of sum(A^-1 b) is -A^-T 1 (A^-1 b)^T; of sum(chol(S)), S = A A^T + I, it is
    (G + G^T) A with G = L^-T Phi(L^T Lbar) L^-1, Lbar the lower triangle of ones (Phi: the
    lower triangle with its diagonal halved)."""
    x = np.linalg.solve(a, b)
    grad_solve = -np.outer(np.linalg.solve(a.T, np.ones(3)), x)
    chol = np.linalg.cholesky(a @ a.T + np.eye(3))
    phi = np.tril(chol.T @ np.tril(np.ones((3, 3))))
    phi[np.diag_indices(3)] *= 0.5
    inverse = scipy.linalg.solve_triangular(chol, np.eye(3), lower=True)
    g = inverse.T @ phi @ inverse
    return grad_solve + (g + g.T) @ a


def solve_problem(lib: Any) -> Any:
    xp = lib.np
    return lambda a, b: xp.sum(xp.linalg.solve(a, b))


def solve_by_hand(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """d/dA of sum(A^-1 b) is -A^-T 1 (A^-1 b)^T, from one LU factorisation."""
    factors = scipy.linalg.lu_factor(a, check_finite=False)
    x = scipy.linalg.lu_solve(factors, b, check_finite=False)
    return -np.outer(scipy.linalg.lu_solve(factors, np.ones(3), trans=1, check_finite=False), x)


def cholesky_arguments() -> tuple:
    a, _ = small_arguments()
    return (a @ a.T + np.eye(3),)


def cholesky_problem(lib: Any) -> Any:
    xp = lib.np
    return lambda s: xp.sum(xp.linalg.cholesky(s))


def cholesky_by_hand(s: np.ndarray) -> np.ndarray:
    """d/dS of sum(chol(S)): G = L^-T Phi(L^T Lbar) L^-1, symmetrised as (G + G^T) / 2."""
    chol = np.linalg.cholesky(s)
    phi = np.tril(chol.T @ np.tril(np.ones((3, 3))))
    phi[np.diag_indices(3)] *= 0.5
    inverse = scipy.linalg.solve_triangular(chol, np.eye(3), lower=True)
    g = inverse.T @ phi @ inverse
    return 0.5 * (g + g.T)


_SMALL_COLUMNS = {"funcad": lambda lib, f: lib.grad(f),
                  "funcad_jit": lambda lib, f: lib.jit(lib.grad(f)),
                  "autograd": lambda lib, f: lib.grad(f),
                  "jax_jit": lambda lib, f: lib.jit(lib.grad(f))}

CASES = {
    "ga": harness.Case(
        f"(ga) GP marginal likelihood, n = {POINTS}, RBF, 2 hyperparameters",
        gp_nll, gp_arguments, {"numpy": gp_by_hand},
        {"funcad": lambda lib, f: lib.grad(f), "funcad_jit": lambda lib, f: lib.jit(lib.grad(f)),
         "autograd": lambda lib, f: lib.grad(f), "jax_jit": lambda lib, f: lib.jit(lib.grad(f))}),
    "gb": harness.Case(
        "(gb) 3x3 solve and cholesky",
        small_problem, small_arguments, {"numpy": small_by_hand}, _SMALL_COLUMNS),
    "gc": harness.Case("(gc) 3x3 solve", solve_problem, small_arguments,
                       {"numpy": solve_by_hand}, _SMALL_COLUMNS),
    "gd": harness.Case("(gd) 3x3 cholesky", cholesky_problem, cholesky_arguments,
                       {"numpy": cholesky_by_hand}, _SMALL_COLUMNS),
}

NOTE = ("Columns: the gradient by hand with scipy.linalg.cho_factor/cho_solve; funcad grad and "
        "jit(grad); autograd grad; jax.jit(grad) (x64). The first call of the compiled columns "
        "(tracing and compiling) is printed under the table.")
FAMILY = harness.Family("Linear algebra", COLUMNS, CASES, note=NOTE)

if __name__ == "__main__":
    sys.exit(harness.main(FAMILY))
