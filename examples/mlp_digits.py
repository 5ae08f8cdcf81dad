"""An MLP classifier for scikit-learn's handwritten digits, trained by minibatch SGD.

The 8x8 digit images ship with scikit-learn (``sklearn.datasets.load_digits``: 1,797
images, no download). The network is one tanh hidden layer and a softmax output; the
training step is ``jit(value_and_grad(loss))`` over a dict of parameters, and the test
accuracy is measured on a held-out quarter of the images. scikit-learn is optional: without
it the script says so and exits cleanly.

    python examples/mlp_digits.py
"""

from __future__ import annotations

import sys
import time

import numpy as np

import funcad
import funcad.numpy as fnp
from funcad.nn import log_softmax, one_hot

HIDDEN, CLASSES, BATCH, EPOCHS, RATE = 64, 10, 64, 15, 0.5


def load():
    """The digits as float features in [0, 1], split 3:1 into training and test sets."""
    try:
        from sklearn.datasets import load_digits  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return None
    digits = load_digits()
    images = digits.data / 16.0
    order = np.random.default_rng(0).permutation(len(images))
    split = len(images) * 3 // 4
    train, test = order[:split], order[split:]
    return images[train], digits.target[train], images[test], digits.target[test]


def init(rng, features):
    return {"w1": rng.normal(size=(features, HIDDEN)) / np.sqrt(features),
            "b1": np.zeros(HIDDEN),
            "w2": rng.normal(size=(HIDDEN, CLASSES)) / np.sqrt(HIDDEN),
            "b2": np.zeros(CLASSES)}


def logits(params, images):
    hidden = fnp.tanh(images @ params["w1"] + params["b1"])
    return hidden @ params["w2"] + params["b2"]


def loss(params, images, labels):
    """Mean cross-entropy of the softmax over the ten classes."""
    return -fnp.mean(fnp.sum(one_hot(labels, CLASSES) * log_softmax(logits(params, images)),
                             axis=-1))


def accuracy(params, images, labels):
    return float(np.mean(np.argmax(np.asarray(logits(params, images)), axis=-1) == labels))


def main() -> None:
    data = load()
    if data is None:
        print("mlp_digits.py needs scikit-learn for its bundled digits data: "
              "python -m pip install scikit-learn (skipped)")
        sys.exit(0)
    start = time.perf_counter()
    train_x, train_y, test_x, test_y = data
    rng = np.random.default_rng(1)
    params = init(rng, train_x.shape[1])
    step = funcad.jit(funcad.value_and_grad(loss))
    before = float(loss(params, train_x, train_y))
    batches = len(train_x) // BATCH  # whole batches only, so jit traces one shape
    for _ in range(EPOCHS):
        order = rng.permutation(len(train_x))
        for index in range(batches):
            batch = order[index * BATCH:(index + 1) * BATCH]
            _, grads = step(params, train_x[batch], train_y[batch])
            params = {name: params[name] - RATE * grads[name] for name in params}
    after = float(loss(params, train_x, train_y))
    test_accuracy = accuracy(params, test_x, test_y)
    print(f"{len(train_x)} training and {len(test_x)} test images of 8x8 pixels")
    print(f"training loss {before:.3f} -> {after:.3f} after {EPOCHS} epochs of SGD "
          f"(batch {BATCH}, traced {step.trace_count} time"
          f"{'s' if step.trace_count != 1 else ''})")
    print(f"test accuracy {test_accuracy:.1%} ({time.perf_counter() - start:.1f} s)")
    assert test_accuracy > 0.9 and step.trace_count == 1


if __name__ == "__main__":
    main()
