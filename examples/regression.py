"""Linear regression fitted by gradient descent with ``funcad.value_and_grad``.

The parameters are a dict (a pytree): ``{"w": array of shape (3,), "b": scalar}``. The
gradient comes back with the same structure, so one ``tree_map`` does the update. The fit is
checked against the exact least-squares solution from ``numpy.linalg.lstsq``.

Run: ``python examples/regression.py``
"""

from __future__ import annotations

import numpy as np

import funcad
import funcad.numpy as fnp
from funcad.tree_util import tree_map


def make_data(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    true_w, true_b = np.array([2.0, -3.0, 0.5]), 1.25
    y = X @ true_w + true_b + 0.1 * rng.standard_normal(n)
    return X, y


def predict(params, X):
    return X @ params["w"] + params["b"]


def loss(params, X, y):
    """Mean squared error."""
    return fnp.mean((predict(params, X) - y) ** 2)


def fit(X, y, steps: int = 300, lr: float = 0.1, every: int = 50):
    params = {"w": np.zeros(X.shape[1]), "b": np.float64(0.0)}
    loss_and_grad = funcad.value_and_grad(loss)
    print(f"{'step':>5}  {'loss':>12}")
    for step in range(steps + 1):
        value, grads = loss_and_grad(params, X, y)
        if step % every == 0:
            print(f"{step:5d}  {float(value):12.8f}")
        if step < steps:
            params = tree_map(lambda p, g: p - lr * g, params, grads)
    return params


def main() -> None:
    X, y = make_data()
    params = fit(X, y)

    # The exact least-squares solution: append a column of ones for the intercept.
    A = np.column_stack([X, np.ones(len(X))])
    solution, *_ = np.linalg.lstsq(A, y, rcond=None)
    w_ls, b_ls = solution[:3], solution[3]

    print()
    print(f"{'':16}{'w0':>10}{'w1':>10}{'w2':>10}{'b':>10}")
    print(f"{'gradient descent':16}" + "".join(f"{v:10.6f}" for v in [*params["w"], params["b"]]))
    print(f"{'lstsq':16}" + "".join(f"{v:10.6f}" for v in [*w_ls, b_ls]))
    assert np.allclose(params["w"], w_ls, atol=1e-8), (params["w"], w_ls)
    assert np.allclose(params["b"], b_ls, atol=1e-8), (params["b"], b_ls)
    print("gradient descent reached the least-squares solution")


if __name__ == "__main__":
    main()
