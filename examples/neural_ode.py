"""A neural ODE: a small MLP learns the vector field of a 2-d spiral from a trajectory.

The true system is a damped rotation, dy/dt = A y^3 (elementwise cube, as in the neural-ODE
paper's toy problem). The model integrates dy/dt = mlp(y) with
``funcad.scipy.integrate.odeint`` and fits the observed trajectory; the gradient of the loss
comes from the adjoint method: ``odeint``'s backward pass integrates the adjoint system
backwards in time, so its memory does not grow with the solver's step count. The MLP's
weights are closed over by the vector field and still get their gradients.

    python examples/neural_ode.py
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

import funcad
import funcad.numpy as fnp
from funcad.scipy.integrate import odeint

A_TRUE = np.array([[-0.1, 2.0], [-2.0, -0.1]])
Y0 = np.array([2.0, 0.0])
TIMES = np.linspace(0.0, 1.5, 16)
HIDDEN = 16
TOLERANCE = dict(rtol=1e-5, atol=1e-5)


def true_field(y, t):
    return (y ** 3) @ A_TRUE.T


def mlp(params, y):
    h = fnp.tanh((y ** 3) @ params["w1"] + params["b1"])
    return h @ params["w2"] + params["b2"]


def trajectory(params):
    return odeint(lambda y, t: mlp(params, y), Y0, TIMES, **TOLERANCE)


def loss(params, observed):
    return fnp.mean(fnp.abs(trajectory(params) - observed))


def main() -> None:
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    observed = np.asarray(odeint(true_field, Y0, TIMES, rtol=1e-8, atol=1e-8))
    params = {"w1": rng.normal(size=(2, HIDDEN)) * 0.3, "b1": np.zeros(HIDDEN),
              "w2": rng.normal(size=(HIDDEN, 2)) * 0.3, "b2": np.zeros(2)}
    value_and_grad = funcad.jit(funcad.value_and_grad(loss))
    # Adam, a few steps
    moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in params.items()}
    rate, beta1, beta2 = 0.03, 0.9, 0.999
    first: Any = None  # (the loss at the first step)
    for step in range(1, 101):
        value, grads = value_and_grad(params, observed)
        first = float(value) if first is None else first
        for k in params:
            m, v = moments[k]
            m = beta1 * m + (1 - beta1) * np.asarray(grads[k])
            v = beta2 * v + (1 - beta2) * np.asarray(grads[k]) ** 2
            moments[k] = (m, v)
            update = rate * (m / (1 - beta1 ** step)) / (np.sqrt(v / (1 - beta2 ** step)) + 1e-8)
            params[k] = params[k] - update
        if step % 25 == 0:
            print(f"step {step:3d}  mean |error| {float(value):.4f}")
    final = float(loss(params, observed))
    print(f"mean |error| of the fitted trajectory: {first:.4f} -> {final:.4f} "
          f"({time.perf_counter() - start:.1f} s)")
    assert final < first, "training did not reduce the loss"


if __name__ == "__main__":
    main()
