"""A small convolutional classifier written with stax and trained with optimizers.adam, the
way jax.example_libraries code is written: only the imports name funcad.

The data are synthetic 12x12 images of one bar, horizontal, vertical or diagonal, at a random
place, in noise; the network must learn the bar's orientation (3 classes). The training step
is ``funcad.jit``-compiled: value_and_grad of the cross-entropy, then an Adam update of the
``OptimizerState``, a pytree like any other.

Run: ``python examples/cnn_stax.py``
"""

from __future__ import annotations

import numpy as np

import funcad as jax
import funcad.numpy as jnp
from funcad import random
from funcad.example_libraries import optimizers, stax

SIDE, CLASSES = 12, 3


def bars(count: int, seed: int):
    """Images (count, 12, 12, 1) of a bar of length 6 and their orientation labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, size=count)
    images = 0.3 * rng.standard_normal((count, SIDE, SIDE, 1))
    steps = {0: (0, 1), 1: (1, 0), 2: (1, 1)}
    for image, label in zip(images, labels):
        di, dj = steps[int(label)]
        i, j = rng.integers(0, SIDE - 6, size=2)
        for k in range(6):
            image[i + k * di, j + k * dj, 0] += 1.0
    return images, np.eye(CLASSES)[labels]


init_fun, apply_fun = stax.serial(
    stax.Conv(8, (3, 3), padding="SAME"), stax.Relu,
    stax.MaxPool((2, 2), strides=(2, 2)),
    stax.Conv(8, (3, 3)), stax.Relu,
    stax.Flatten, stax.Dense(CLASSES), stax.LogSoftmax)


def loss(params, images, labels):
    return -jnp.mean(jnp.sum(apply_fun(params, images) * labels, axis=1))


def accuracy(params, images, labels):
    return float(np.mean(np.argmax(apply_fun(params, images), 1) == np.argmax(labels, 1)))


opt_init, opt_update, get_params = optimizers.adam(optimizers.exponential_decay(0.02, 50, 0.5))


@jax.jit
def step(i, opt_state, images, labels):
    value, grads = jax.value_and_grad(loss)(get_params(opt_state), images, labels)
    return value, opt_update(i, grads, opt_state)


def main() -> None:
    train_images, train_labels = bars(256, seed=0)
    test_images, test_labels = bars(256, seed=1)
    _, params = init_fun(random.PRNGKey(0), (-1, SIDE, SIDE, 1))
    opt_state = opt_init(params)
    batches = np.random.default_rng(2)
    for i in range(60):
        batch = batches.choice(len(train_images), size=32, replace=False)
        value, opt_state = step(i, opt_state, train_images[batch], train_labels[batch])
        if i % 20 == 0 or i == 59:
            print(f"step {i:3d}  loss {float(value):.4f}")
    params = get_params(opt_state)
    print(f"test accuracy {accuracy(params, test_images, test_labels):.3f} "
          f"(chance {1 / CLASSES:.3f})")


if __name__ == "__main__":
    main()
