"""Eager reverse mode: ``funcad.grad`` against hand-written NumPy, autograd, JAX (no jit) and
PyTorch (``torch.autograd.grad``), float64.

  (a) f(x) = 2 sin(x^3)^2, the gradient at 10.0
  (b) tanh MLP 64-256-256-10, batch 256, softmax cross-entropy: gradient of 6 parameters
  (c) 500 steps of x = sin(x) * 1.01 + 0.1 on a (1000,) vector: gradient of sum(x)
  (d) the same step, 20,000 times on a scalar
  scaling: funcad alone on scalar chains of 1k, 10k and 100k steps

    python benchmarks/bench_grad.py                     # about 3 minutes
    python benchmarks/bench_grad.py --quick --only a,b --libs numpy,funcad,torch
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads

# isort: split
import itertools
import math
import sys
from typing import Any

import numpy as np

COLUMNS = {
    "numpy": harness.Column("NumPy by hand", "numpy"),
    "funcad": harness.Column("funcad grad", "funcad"),
    "autograd": harness.Column("autograd", "autograd"),
    "jax": harness.Column("JAX eager", "jax"),
    "torch": harness.Column("PyTorch eager", "torch"),
}
MLP_SIZES = (64, 256, 256, 10)
MLP_BATCH = 256
SCALING_STEPS = (1_000, 10_000, 100_000)
# At full length the chains' gradients underflow (each step multiplies by about 0.65):
# short chains check that they are right.
SHORT_CHAINS = ({"steps": 3}, {"steps": 60})


# The problems, written once with any library's NumPy (``lib.np``).


def scalar(lib: Any) -> Any:
    return lambda x: 2 * lib.np.sin(x**3) ** 2


def mlp(lib: Any) -> Any:
    """Mean softmax cross-entropy of a tanh MLP; ``Y`` is one-hot."""
    xp = lib.np

    def loss(params: tuple, X: Any, Y: Any) -> Any:
        W1, b1, W2, b2, W3, b3 = params
        h1 = xp.tanh(X @ W1 + b1)
        h2 = xp.tanh(h1 @ W2 + b2)
        logits = h2 @ W3 + b3
        return xp.mean(lib.logsumexp(logits, axis=1) - xp.sum(Y * logits, axis=1))

    return loss


def chain(lib: Any, steps: int) -> Any:
    def f(x: Any) -> Any:
        for _ in range(steps):
            x = lib.np.sin(x) * 1.01 + 0.1
        return lib.np.sum(x)

    return f


def mlp_arguments() -> tuple:
    rng = np.random.default_rng(0)
    params = []
    for n_in, n_out in itertools.pairwise(MLP_SIZES):
        params += [rng.normal(size=(n_in, n_out)) / math.sqrt(n_in), 0.1 * rng.normal(size=n_out)]
    labels = rng.integers(0, MLP_SIZES[-1], size=MLP_BATCH)
    return tuple(params), rng.normal(size=(MLP_BATCH, MLP_SIZES[0])), np.eye(MLP_SIZES[-1])[labels]


# Hand-written NumPy: the forward pass keeps what the backward pass needs, the backward pass
# applies the chain rule with the same operations the traced code records.


def grad_scalar_by_hand(x: float) -> Any:
    x = np.float64(x)
    u = x**3
    s = np.sin(u)
    y = 2.0 * s * s  # noqa: F841  (the forward value, as a forward pass computes it)
    return 4.0 * s * np.cos(u) * (3.0 * x * x)


def grad_mlp_by_hand(params: tuple, X: np.ndarray, Y: np.ndarray) -> tuple:
    W1, b1, W2, b2, W3, b3 = params
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    z = h2 @ W3 + b3
    top = z.max(axis=1, keepdims=True)
    e = np.exp(z - top)
    total = e.sum(axis=1, keepdims=True)
    loss = np.mean(np.log(total[:, 0]) + top[:, 0] - np.sum(Y * z, axis=1))  # noqa: F841
    dz = (e / total - Y) / X.shape[0]
    da2 = (dz @ W3.T) * (1.0 - h2 * h2)
    da1 = (da2 @ W2.T) * (1.0 - h1 * h1)
    return X.T @ da1, da1.sum(axis=0), h1.T @ da2, da2.sum(axis=0), h2.T @ dz, dz.sum(axis=0)


def grad_chain_by_hand(x: Any, steps: int) -> Any:
    x = np.asarray(x, dtype=np.float64)
    inputs = []
    for _ in range(steps):
        inputs.append(x)
        x = np.sin(x) * 1.01 + 0.1
    y = np.sum(x)  # noqa: F841
    cotangent = np.ones_like(x)
    for x in reversed(inputs):
        cotangent = cotangent * 1.01 * np.cos(x)
    return cotangent


def vector_arguments() -> tuple:
    return (np.random.default_rng(1).uniform(-2.0, 2.0, size=1000),)


def gradient(lib: Any, f: Any) -> Any:
    return lib.grad(f)


GRAD = dict.fromkeys(("funcad", "autograd", "jax", "torch"), gradient)
CASES = {
    "a": harness.Case("(a) scalar 2*sin(x**3)**2", scalar, lambda: (10.0,),
                      {"numpy": grad_scalar_by_hand}, GRAD),
    "b": harness.Case("(b) MLP 64-256-256-10, batch 256", mlp, mlp_arguments,
                      {"numpy": grad_mlp_by_hand}, GRAD),
    "c": harness.Case("(c) 500-step chain, (1000,)", chain, vector_arguments,
                      {"numpy": grad_chain_by_hand}, GRAD, {"steps": 500}, SHORT_CHAINS),
    "d": harness.Case("(d) 20,000-step scalar chain", chain, lambda: (0.5,),
                      {"numpy": grad_chain_by_hand}, GRAD, {"steps": 20_000}, SHORT_CHAINS),
}


def scaling(options: Any) -> None:
    """Time per step of funcad's grad on ever longer scalar chains: flat if the backward pass
    is a loop. Also with the collector paused: the growing tape is what the GC walks again."""
    funcad = harness.library("funcad")
    rows = []
    for steps in SCALING_STEPS:
        grad = funcad.grad(chain(funcad, steps))
        calls = {"numpy": lambda steps=steps: grad_chain_by_hand(0.5, steps),
                 "funcad": lambda grad=grad: grad(0.5),
                 "paused": harness.without_gc(lambda grad=grad: grad(0.5))}
        first = harness.check(f"scaling, {steps} steps", calls)
        cells = harness.measure(calls, options, first)
        rows.append([f"{steps:,}"] + [f"{harness.fmt_time(cells[name].time)} "
                                      f"({cells[name].time / steps * 1e6:.2f} us/step)"
                                      for name in ("funcad", "paused", "numpy")])
    print("Scaling of funcad's eager grad on scalar chains (forward trace + backward pass):")
    harness.markdown(["steps", "funcad grad", "funcad, GC paused", "NumPy by hand"], rows)


FAMILY = harness.Family("Eager reverse mode", COLUMNS, CASES, {"scaling": scaling})

if __name__ == "__main__":
    sys.exit(harness.main(FAMILY))
