"""Fitting a damped oscillation through its spectrum: FFT and complex numbers under ``grad``.

A noisy recording of ``a * exp(-d t) * sin(2 pi f t + phi)`` is fitted in two steps, as one
would by hand: the peak of the periodogram (``fnp.fft.rfft``, ``argmax``) gives a coarse
frequency, then gradient descent refines all four parameters by minimising the distance
between the model's spectrum and the data's, ``mean(|rfft(model) - rfft(data)|^2)``. The loss
runs through the FFT and complex arithmetic; its gradient is real, as the parameters are.

Two checks that the complex derivatives are right:
- Parseval's theorem, ``sum |x|^2 = sum |fft(x)|^2 / n``, makes the full-spectrum loss a
  multiple of the time-domain squared error, so their gradients must agree;
- a holomorphic derivative, ``grad(p, holomorphic=True)(z)`` of a polynomial ``p``, must
  equal ``polyval(polyder(c), z)``.

Run: ``python examples/spectral_fit.py``
"""

from __future__ import annotations

import numpy as np

import funcad
import funcad.numpy as fnp

N_SAMPLES, DURATION = 512, 2.0
TRUE = np.array([1.5, 0.8, 5.3, 0.4])  # amplitude, decay, frequency (Hz), phase


def model(params, t):
    amplitude, decay, frequency, phase = params[0], params[1], params[2], params[3]
    return amplitude * fnp.exp(-decay * t) * fnp.sin(2 * fnp.pi * frequency * t + phase)


def spectral_loss(params, t, data_spectrum):
    residual = fnp.fft.rfft(model(params, t)) - data_spectrum
    return fnp.mean(fnp.abs(residual) ** 2)


def time_loss(params, t, data):
    return fnp.sum((model(params, t) - data) ** 2)


def full_spectrum_loss(params, t, data):
    return fnp.sum(fnp.abs(fnp.fft.fft(model(params, t) - data)) ** 2) / t.size


def coarse_frequency(t, data):
    """The frequency of the periodogram's peak (a piecewise-constant estimate: no gradient)."""
    power = fnp.abs(fnp.fft.rfft(data)) ** 2
    frequencies = fnp.fft.rfftfreq(t.size, d=t[1] - t[0])
    return frequencies[fnp.argmax(power[1:]) + 1]


def fit(t, data, steps=300, learning_rate=0.01):
    """Adam from the coarse estimate (the frequency is far stiffer than the other parameters,
    which Adam's per-parameter step sizes absorb)."""
    data_spectrum = fnp.fft.rfft(data)
    params = np.array([1.0, 0.5, float(coarse_frequency(t, data)), 0.0])
    loss_and_grad = funcad.jit(funcad.value_and_grad(spectral_loss))
    mean, second = np.zeros(4), np.zeros(4)
    print(f"{'step':>5}  {'loss':>10}  amplitude  decay  frequency  phase")
    for step in range(1, steps + 1):
        loss, gradient = loss_and_grad(params, t, data_spectrum)
        if step == 1 or step % 100 == 0:
            print(f"{step:>5}  {float(loss):10.4f}  " + "  ".join(f"{p:7.4f}" for p in params))
        mean = 0.9 * mean + 0.1 * gradient
        second = 0.999 * second + 0.001 * gradient**2
        step_size = learning_rate * np.sqrt(1 - 0.999**step) / (1 - 0.9**step)
        params = params - step_size * mean / (np.sqrt(second) + 1e-12)
    return params


def main():
    rng = np.random.default_rng(0)
    t = np.linspace(0.0, DURATION, N_SAMPLES, endpoint=False)
    data = model(TRUE, t) + 0.05 * rng.standard_normal(N_SAMPLES)

    params = fit(t, data)
    print("fitted:", np.round(params, 3), " true:", TRUE)
    assert np.allclose(params, TRUE, atol=0.05), params

    # Parseval: the gradient of the full-spectrum loss is the time-domain one.
    by_spectrum = funcad.grad(full_spectrum_loss)(params, t, data)
    by_time = funcad.grad(time_loss)(params, t, data)
    print("gradient through fft:", by_spectrum, "\ngradient in time:    ", by_time)
    assert np.allclose(by_spectrum, by_time, rtol=1e-9, atol=1e-9)

    # A holomorphic derivative agrees with the polynomial's own derivative.
    coefficients = np.array([1.0 - 2.0j, 0.5, 3.0j, -1.0])
    z = np.complex128(0.3 + 0.7j)
    derivative = funcad.grad(lambda z: fnp.polyval(coefficients, z), holomorphic=True)(z)
    expected = np.polyval(np.polyder(coefficients), z)
    print(f"d/dz p(z) at {z}: {derivative:.6f} (polyder: {expected:.6f})")
    assert np.isclose(derivative, expected)


if __name__ == "__main__":
    main()
