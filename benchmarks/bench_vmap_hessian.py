"""Batching and Hessians, eager: ``funcad.vmap(grad)`` and ``funcad.hessian`` against the
closed forms in NumPy, Python loops of funcad calls, autograd, JAX (no jit) and torch.func.

  (e) per-example gradients of a logistic loss, w (100,), a batch of 128 examples
  (f) the full Hessian of sum(tanh(A @ x)), A (30, 50)

    python benchmarks/bench_vmap_hessian.py             # about 1 minute
    python benchmarks/bench_vmap_hessian.py --quick --only f --libs numpy,funcad,torch
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads

# isort: split
import functools
import math
import sys
from typing import Any

import numpy as np

COLUMNS = {
    "numpy": harness.Column("NumPy closed form", "numpy"),
    "funcad": harness.Column("funcad", "funcad"),
    "funcad_loop": harness.Column("funcad loop", "funcad"),
    "autograd": harness.Column("autograd", "autograd"),
    "jax": harness.Column("JAX eager", "jax"),
    "torch": harness.Column("PyTorch eager", "torch"),
}
FEATURES, BATCH = 100, 128
A_SHAPE = (30, 50)
PER_EXAMPLE = (None, 0, 0)  # w shared, x and y batched


def logistic(lib: Any) -> Any:
    """The loss of one example, softplus(z) - y z with z = x . w, written with
    logaddexp(0, z) so that it cannot overflow."""
    zero = lib.asarray(0.0) if lib.name == "torch" else 0.0  # torch.logaddexp wants tensors

    def loss(w: Any, x: Any, y: Any) -> Any:
        z = lib.np.dot(x, w)
        return lib.np.logaddexp(zero, z) - y * z

    return loss


def logistic_arguments() -> tuple:
    """w (100,), X (128, 100), y (128,) of 0.0 and 1.0; X @ w is about N(0, 1)."""
    rng = np.random.default_rng(0)
    w = rng.normal(size=FEATURES) / math.sqrt(FEATURES)
    return w, rng.normal(size=(BATCH, FEATURES)), (rng.random(BATCH) < 0.5).astype(np.float64)


def per_example_by_hand(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """d loss_i / d w = (sigmoid(x_i . w) - y_i) x_i, for every i at once."""
    return (1.0 / (1.0 + np.exp(-(X @ w))) - y)[:, None] * X


@functools.cache
def tanh_matrix() -> np.ndarray:
    """A (30, 50), made once; A @ x is about N(0, 1), away from tanh's saturation."""
    return np.random.default_rng(1).normal(size=A_SHAPE) / math.sqrt(A_SHAPE[1])


def tanh_sum(lib: Any) -> Any:
    A = lib.asarray(tanh_matrix())
    return lambda x: lib.np.sum(lib.np.tanh(A @ x))


def hessian_by_hand(x: np.ndarray) -> np.ndarray:
    """A^T diag(d) A with d = tanh''(A x) = -2 t (1 - t^2): A's columns scaled, no diagonal."""
    A = tanh_matrix()
    t = np.tanh(A @ x)
    return (A.T * (-2.0 * t * (1.0 - t * t))) @ A


def loop_of_grads(lib: Any, loss: Any) -> Any:
    gradient = lib.grad(loss)
    return lambda w, X, y: np.stack([gradient(w, x, label) for x, label in zip(X, y)])


def loop_of_hvps(lib: Any, f: Any) -> Any:
    """One Hessian-vector product per basis vector: the loop that jacfwd's vmap replaces."""
    return lambda x: np.stack([lib.hvp(f, (x,), (v,)) for v in np.eye(x.shape[0])])


def batched_grads(lib: Any, loss: Any) -> Any:
    grad = lib.module.func.grad if lib.name == "torch" else lib.grad  # composable with vmap
    return lib.vmap(grad(loss), PER_EXAMPLE)


def hessian(lib: Any, f: Any) -> Any:
    return lib.hessian(f)


CASES = {
    "e": harness.Case(
        "(e) per-example grads, logistic, w (100,), batch 128", logistic, logistic_arguments,
        {"numpy": per_example_by_hand},
        {"funcad": batched_grads, "funcad_loop": loop_of_grads, "autograd": loop_of_grads,
         "jax": batched_grads, "torch": batched_grads}),
    "f": harness.Case(
        "(f) Hessian of sum(tanh(A @ x)), A (30, 50)", tanh_sum,
        lambda: (np.random.default_rng(2).normal(size=A_SHAPE[1]),), {"numpy": hessian_by_hand},
        {"funcad": hessian, "funcad_loop": loop_of_hvps, "autograd": hessian, "jax": hessian,
         "torch": hessian}),
}
NOTE = ("Columns: (e) funcad vmap(grad(loss), in_axes=(None, 0, 0)); funcad loop and autograd: "
        "a Python loop of grad over the 128 examples; JAX jax.vmap(jax.grad); PyTorch "
        "torch.func.vmap(torch.func.grad). (f) funcad.hessian, autograd.hessian, jax.hessian, "
        "torch.func.hessian; funcad loop: 50 funcad.hvp calls on the basis vectors.")
FAMILY = harness.Family("Batching and Hessians", COLUMNS, CASES, note=NOTE)

if __name__ == "__main__":
    sys.exit(harness.main(FAMILY))
