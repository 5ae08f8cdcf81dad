"""Fit a pendulum's length from its observed swing, differentiating through lax.scan.

The pendulum obeys theta'' = -(g / L) sin(theta). An RK4 integrator written as one
``funcad.lax.scan`` over time steps gives the trajectory for a length L; the squared error
against an observed (noisy) trajectory is differentiated with respect to L by reverse mode
through the scan (which keeps the residuals of each step and recomputes nothing). Gauss-Newton
on log L, with the Jacobian from ``jacfwd`` of the same scan, recovers the length in a few
steps; the gradient is checked against a central finite difference.

    python examples/pendulum_scan.py
"""

from __future__ import annotations

import numpy as np

import funcad
import funcad.numpy as fnp
from funcad import lax

GRAVITY, TRUE_LENGTH, STEP, STEPS = 9.81, 1.3, 0.02, 250
START = np.array([1.2, 0.0])  # angle (radians, a large swing) and angular velocity


def field(state, length):
    angle, velocity = state[0], state[1]
    return fnp.stack([velocity, -(GRAVITY / length) * fnp.sin(angle)])


def trajectory(log_length):
    """The angle at every step of an RK4 integration, as one scan."""
    length = fnp.exp(log_length)

    def rk4(state, _):
        k1 = field(state, length)
        k2 = field(state + 0.5 * STEP * k1, length)
        k3 = field(state + 0.5 * STEP * k2, length)
        k4 = field(state + STEP * k3, length)
        state = state + STEP / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return state, state[0]

    _, angles = lax.scan(rk4, fnp.asarray(START), None, length=STEPS)
    return angles


def loss(log_length, observed):
    return 0.5 * fnp.sum((trajectory(log_length) - observed) ** 2)


def main() -> None:
    rng = np.random.default_rng(0)
    observed = np.asarray(trajectory(np.log(TRUE_LENGTH))) + 0.01 * rng.normal(size=STEPS)
    value_and_grad = funcad.jit(funcad.value_and_grad(loss))
    jacobian = funcad.jit(funcad.jacfwd(trajectory))

    guess = np.log(1.0)
    value, grad = value_and_grad(guess, observed)
    eps = 1e-6
    difference = (float(loss(guess + eps, observed)) - float(loss(guess - eps, observed))) / (
        2 * eps)
    print(f"d loss / d log L at L = 1.0: {float(grad):.6f} by reverse mode through the scan, "
          f"{difference:.6f} by a central difference")
    assert abs(float(grad) - difference) < 1e-5 * abs(difference)

    log_length = guess
    print(f"{'step':>4} {'length':>8} {'loss':>10}")
    print(f"{0:4d} {np.exp(log_length):8.4f} {float(value):10.4f}")
    for step in range(1, 6):
        residual = np.asarray(trajectory(log_length)) - observed
        column = np.asarray(jacobian(log_length))
        # Gauss-Newton step for the one parameter, damped so early steps cannot overshoot.
        log_length = log_length - np.clip(column @ residual / (column @ column), -0.2, 0.2)
        value, grad = value_and_grad(log_length, observed)
        print(f"{step:4d} {np.exp(log_length):8.4f} {float(value):10.4f}")
    fitted = float(np.exp(log_length))
    print(f"fitted length {fitted:.4f} m (true {TRUE_LENGTH} m), final gradient "
          f"{float(grad):.1e}")
    assert abs(fitted - TRUE_LENGTH) < 0.01 and abs(float(grad)) < 1e-3


if __name__ == "__main__":
    main()
