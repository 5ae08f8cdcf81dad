"""A recurrent network written with funcad.lax.scan, trained with jit(value_and_grad).

The network reads a noisy sine wave one step at a time and predicts the next value. The
loop over time is one ``scan``: traced once, compiled once, and differentiated by a reverse
scan that keeps only the residuals it needs. The gradient clipping is a ``custom_vjp``.

    python examples/rnn_scan.py
"""

from __future__ import annotations

import numpy as np

import funcad
import funcad.numpy as fnp
from funcad import lax

HIDDEN, STEPS, BATCH = 16, 50, 8


@funcad.custom_vjp
def clip_gradient(x):
    """The identity, whose cotangent is clipped to [-1, 1] on the way back."""
    return x


clip_gradient.defvjp(lambda x: (x, None), lambda _, g: (fnp.clip(g, -1.0, 1.0),))


def predict(params, inputs):
    """One prediction per step: h_t = tanh(x_t w_in + h_{t-1} w_h + b), y_t = h_t . w_out."""
    def step(h, x):
        h = fnp.tanh(x[:, None] * params["w_in"] + h @ params["w_h"] + params["b"])
        return clip_gradient(h), h @ params["w_out"]

    _, ys = lax.scan(step, fnp.zeros((inputs.shape[1], HIDDEN)), inputs)
    return ys


def loss(params, inputs, targets):
    return fnp.mean((predict(params, inputs) - targets) ** 2)


def data(rng):
    phase = rng.uniform(0, 2 * np.pi, size=BATCH)
    t = np.arange(STEPS + 1)[:, None] * 0.3 + phase
    wave = np.sin(t) + 0.05 * rng.normal(size=t.shape)
    return wave[:-1], wave[1:]


def main() -> None:
    rng = np.random.default_rng(0)
    params = {"w_in": rng.normal(size=HIDDEN) * 0.5,
              "w_h": rng.normal(size=(HIDDEN, HIDDEN)) / np.sqrt(HIDDEN),
              "b": np.zeros(HIDDEN), "w_out": rng.normal(size=HIDDEN) * 0.1}
    step = funcad.jit(funcad.value_and_grad(loss))
    inputs, targets = data(rng)
    first, _ = step(params, inputs, targets)
    for _ in range(300):
        value, grads = step(params, inputs, targets)
        params = {k: params[k] - 0.05 * grads[k] for k in params}
    print(f"loss before {first:.4f}, after 300 steps {value:.4f} "
          f"(traced {step.trace_count} time{'s' if step.trace_count != 1 else ''})")
    assert value < 0.3 * first and step.trace_count == 1


if __name__ == "__main__":
    main()
