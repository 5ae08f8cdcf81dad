"""A tiny tanh MLP classifier on a two-moons dataset, trained with ``funcad.grad``.

The parameters are a list of per-layer dicts (a pytree); ``grad`` returns gradients with
the same structure, and plain gradient descent with momentum trains the network. The loss
is the mean logistic loss ``log(1 + exp(-t * logit))`` with labels ``t`` in {-1, +1}, written
with ``fnp.logaddexp`` so that it is stable for large logits.

Run: ``python examples/mlp.py``
"""

from __future__ import annotations

import numpy as np

import funcad
import funcad.numpy as fnp
from funcad.tree_util import tree_map


def two_moons(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Two interleaved half circles; labels +1 (upper moon) and -1 (lower moon)."""
    rng = np.random.default_rng(seed)
    half = n // 2
    angle = rng.uniform(0.0, np.pi, size=n)
    upper = np.column_stack([np.cos(angle[:half]), np.sin(angle[:half])])
    lower = np.column_stack([1.0 - np.cos(angle[half:]), 0.5 - np.sin(angle[half:])])
    X = np.concatenate([upper, lower]) + noise * rng.standard_normal((n, 2))
    t = np.concatenate([np.ones(half), -np.ones(n - half)])
    return X, t


def init_params(sizes=(2, 16, 16, 1), seed: int = 1):
    rng = np.random.default_rng(seed)
    return [
        {"W": rng.standard_normal((m, n)) / np.sqrt(m), "b": np.zeros(n)}
        for m, n in zip(sizes[:-1], sizes[1:])
    ]


def logits(params, X):
    h = X
    for layer in params[:-1]:
        h = fnp.tanh(h @ layer["W"] + layer["b"])
    last = params[-1]
    return (h @ last["W"] + last["b"])[:, 0]


def loss(params, X, t):
    # log(1 + exp(-t z)), averaged over the batch.
    return fnp.mean(fnp.logaddexp(0.0, -t * logits(params, X)))


def accuracy(params, X, t) -> float:
    return float(np.mean(np.sign(logits(params, X)) == t))


def train(X, t, steps: int = 400, lr: float = 0.2, momentum: float = 0.9, every: int = 50):
    params = init_params()
    velocity = tree_map(np.zeros_like, params)
    grad_loss = funcad.grad(loss)
    print(f"{'step':>5}  {'loss':>9}  {'accuracy':>8}")
    for step in range(steps + 1):
        if step % every == 0:
            print(f"{step:5d}  {float(loss(params, X, t)):9.5f}  {accuracy(params, X, t):8.1%}")
        if step == steps:
            break
        grads = grad_loss(params, X, t)
        velocity = tree_map(lambda v, g: momentum * v - lr * g, velocity, grads)
        params = tree_map(lambda p, v: p + v, params, velocity)
    return params


def main() -> None:
    X, t = two_moons()
    params = train(X, t)
    acc = accuracy(params, X, t)
    assert acc > 0.9, f"training accuracy {acc:.1%} is not above 90%"
    print(f"training accuracy {acc:.1%} (> 90%)")


if __name__ == "__main__":
    main()
