"""A small convolutional network: one training step, the loss's value and gradient and an
Adam update, written with stax and optimizers (funcad.example_libraries, JAX's own).

  (ca) Conv(16, 3x3) relu, Conv(16, 3x3) relu, AvgPool(2x2, stride 2), Flatten, Dense(10),
       LogSoftmax; the mean cross-entropy of 32 images of 28x28x1, float64; the step returns
       the loss and the updated (parameter, first moment, second moment) of each array.
       Against the same step by hand in NumPy (im2col convolutions, the backward pass
       written out), autograd (the convolutions as sums of nine sliced matrix products,
       the update in NumPy), JAX eager and jax.jit.

    python benchmarks/bench_cnn.py            # about 1 minute
    python benchmarks/bench_cnn.py --quick --libs numpy,funcad
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads

# isort: split
import sys
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

COLUMNS = {
    "numpy": harness.Column("NumPy by hand", "numpy"),
    "funcad": harness.Column("funcad eager", "funcad"),
    "funcad_jit": harness.Column("funcad jit", "funcad", compiled=True),
    "autograd": harness.Column("autograd", "autograd"),
    "jax": harness.Column("JAX eager", "jax"),
    "jax_jit": harness.Column("jax.jit", "jax", compiled=True),
}
BATCH, SIDE, CHANNELS, CLASSES, KERNEL = 32, 28, 16, 10, 3
STEP, LEARNING_RATE, B1, B2, EPS = 10, 1e-3, 0.9, 0.999, 1e-8
_POOLED = (SIDE - 2 * (KERNEL - 1)) // 2  # 12


def arguments() -> tuple:
    """Six parameter arrays in stax's order (W1, b1, W2, b2, W3, b3), their Adam moments,
    the images and one-hot labels."""
    rng = np.random.default_rng(0)
    shapes = [(KERNEL, KERNEL, 1, CHANNELS), (1, 1, 1, CHANNELS),
              (KERNEL, KERNEL, CHANNELS, CHANNELS), (1, 1, 1, CHANNELS),
              (_POOLED * _POOLED * CHANNELS, CLASSES), (CLASSES,)]
    params = tuple(rng.normal(size=s) / np.sqrt(np.prod(s[:-1])) for s in shapes)
    firsts = tuple(1e-3 * rng.normal(size=s) for s in shapes)
    seconds = tuple(1e-6 * rng.uniform(size=s) for s in shapes)
    images = rng.normal(size=(BATCH, SIDE, SIDE, 1))
    labels = np.eye(CLASSES)[rng.integers(0, CLASSES, size=BATCH)]
    return (*params, *firsts, *seconds, images, labels)


def _adam(params: list, grads: list, firsts: list, seconds: list, xp: Any = np) -> tuple:
    out = []
    for x, g, m, v in zip(params, grads, firsts, seconds):
        m = (1 - B1) * g + B1 * m
        v = (1 - B2) * g * g + B2 * v
        m_hat, v_hat = m / (1 - B1 ** (STEP + 1)), v / (1 - B2 ** (STEP + 1))
        out += [x - LEARNING_RATE * m_hat / (xp.sqrt(v_hat) + EPS), m, v]
    return tuple(out)


def training_step(lib: Any) -> Any:
    """The step in the library's stax and optimizers (funcad or JAX); autograd's by hand."""
    if lib.name == "autograd":
        return _autograd_step()
    if lib.name == "funcad":
        import funcad as jax
        from funcad.example_libraries import optimizers, stax
    else:
        import jax
        from jax.example_libraries import optimizers, stax
    np_ = lib.np
    _, apply_fun = stax.serial(
        stax.Conv(CHANNELS, (KERNEL, KERNEL)), stax.Relu,
        stax.Conv(CHANNELS, (KERNEL, KERNEL)), stax.Relu,
        stax.AvgPool((2, 2), strides=(2, 2)), stax.Flatten, stax.Dense(CLASSES), stax.LogSoftmax)
    init_fun, update_fun, _ = optimizers.adam(LEARNING_RATE, B1, B2, EPS)

    def loss(params: Any, images: Any, labels: Any) -> Any:
        return -np_.mean(np_.sum(apply_fun(params, images) * labels, axis=1))

    def step(*flat: Any) -> tuple:
        params = [flat[0:2], (), flat[2:4], (), (), (), flat[4:6], ()]
        template = init_fun(params)
        state = optimizers.OptimizerState(
            [list(triple) for triple in zip(flat[0:6], flat[6:12], flat[12:18])],
            template.tree_def, template.subtree_defs)
        value, grads = jax.value_and_grad(loss)(params, flat[18], flat[19])
        return (value, tuple(jax.tree_util.tree_leaves(update_fun(STEP, grads, state))))

    return step


def _autograd_step() -> Any:
    import autograd
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp

    def conv(x: Any, w: Any, b: Any) -> Any:
        """A 'VALID' convolution as the sum of one sliced matrix product per kernel tap."""
        out_side = x.shape[1] - KERNEL + 1
        return sum(anp.dot(x[:, i:i + out_side, j:j + out_side, :], w[i, j])
                   for i in range(KERNEL) for j in range(KERNEL)) + b

    def loss(params: tuple, images: Any, labels: Any) -> Any:
        w1, b1, w2, b2, w3, b3 = params
        a2 = anp.maximum(conv(anp.maximum(conv(images, w1, b1), 0.0), w2, b2), 0.0)
        pooled = anp.mean(anp.reshape(a2, (BATCH, _POOLED, 2, _POOLED, 2, CHANNELS)),
                          axis=(2, 4))
        logits = anp.dot(anp.reshape(pooled, (BATCH, -1)), w3) + b3
        log_probabilities = logits - logsumexp(logits, axis=1, keepdims=True)
        return -anp.mean(anp.sum(log_probabilities * labels, axis=1))

    value_and_grad = autograd.value_and_grad(loss)

    def step(*flat: Any) -> tuple:
        value, grads = value_and_grad(tuple(flat[0:6]), flat[18], flat[19])
        return value, _adam(flat[0:6], grads, flat[6:12], flat[12:18])

    return step


def _im2col(x: np.ndarray) -> np.ndarray:
    """(N, H', W', k*k*C) windows in (row, column, channel) order, HWIO's flattening."""
    windows = sliding_window_view(x, (KERNEL, KERNEL), axis=(1, 2))  # (N, H', W', C, k, k)
    n, h, w, c = windows.shape[:4]
    return windows.transpose(0, 1, 2, 4, 5, 3).reshape(n, h, w, KERNEL * KERNEL * c)


def step_by_hand(*flat: np.ndarray) -> tuple:
    """Forward and backward written out: im2col products for the convolutions, their
    transposes (and a scatter-add of the nine taps) for the gradients."""
    w1, b1, w2, b2, w3, b3 = flat[0:6]
    images, labels = flat[18], flat[19]
    cols1 = _im2col(images)
    z1 = cols1 @ w1.reshape(-1, CHANNELS) + b1
    a1 = np.maximum(z1, 0.0)
    cols2 = _im2col(a1)
    z2 = cols2 @ w2.reshape(-1, CHANNELS) + b2
    a2 = np.maximum(z2, 0.0)
    pooled = a2.reshape(BATCH, _POOLED, 2, _POOLED, 2, CHANNELS).mean(axis=(2, 4))
    features = pooled.reshape(BATCH, -1)
    logits = features @ w3 + b3
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    value = -np.mean(np.sum(log_probabilities * labels, axis=1))

    d_logits = (np.exp(log_probabilities) - labels) / BATCH
    g_w3, g_b3 = features.T @ d_logits, d_logits.sum(axis=0)
    d_pooled = (d_logits @ w3.T).reshape(BATCH, _POOLED, 1, _POOLED, 1, CHANNELS) / 4.0
    d_a2 = np.broadcast_to(d_pooled, (BATCH, _POOLED, 2, _POOLED, 2, CHANNELS)).reshape(
        a2.shape)
    d_z2 = d_a2 * (z2 > 0)
    flat_d_z2 = d_z2.reshape(-1, CHANNELS)
    g_w2 = (cols2.reshape(-1, cols2.shape[-1]).T @ flat_d_z2).reshape(w2.shape)
    g_b2 = flat_d_z2.sum(axis=0).reshape(b2.shape)
    d_cols2 = (flat_d_z2 @ w2.reshape(-1, CHANNELS).T).reshape(
        *z2.shape[:3], KERNEL, KERNEL, CHANNELS)
    d_a1 = np.zeros_like(a1)
    side = z2.shape[1]
    for i in range(KERNEL):
        for j in range(KERNEL):
            d_a1[:, i:i + side, j:j + side, :] += d_cols2[:, :, :, i, j, :]
    flat_d_z1 = (d_a1 * (z1 > 0)).reshape(-1, CHANNELS)
    g_w1 = (cols1.reshape(-1, cols1.shape[-1]).T @ flat_d_z1).reshape(w1.shape)
    g_b1 = flat_d_z1.sum(axis=0).reshape(b1.shape)
    grads = [g_w1, g_b1, g_w2, g_b2, g_w3, g_b3]
    return value, _adam(flat[0:6], grads, flat[6:12], flat[12:18])


_AS_IS = {name: (lambda lib, f: f) for name in ("funcad", "autograd", "jax")}
CASES = {
    "ca": harness.Case(
        f"(ca) CNN training step, {BATCH} images {SIDE}x{SIDE}x1", training_step,
        arguments, {"numpy": step_by_hand},
        {**_AS_IS, "funcad_jit": lambda lib, f: lib.jit(f),
         "jax_jit": lambda lib, f: lib.jit(f)}),
}

NOTE = ("Columns: the step by hand in NumPy (im2col); funcad.example_libraries.stax and "
        "optimizers.adam, eagerly and under funcad.jit; autograd on the convolutions as nine "
        "sliced matrix products each, with the Adam update in NumPy; "
        "jax.example_libraries.stax and optimizers, eagerly and under jax.jit (x64). The first "
        "call of the compiled columns (tracing and compiling) is printed under the table.")
FAMILY = harness.Family("A small CNN", COLUMNS, CASES, note=NOTE)

if __name__ == "__main__":
    sys.exit(harness.main(FAMILY))
