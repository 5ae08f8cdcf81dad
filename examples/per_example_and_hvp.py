"""Per-example gradients with vmap(grad), and Hessian-vector products without the Hessian.

For a logistic-regression loss, ``vmap(grad(loss), in_axes=(None, 0, 0))`` gives one
gradient per example in one batched pass (their mean is the full-batch gradient, and their
norms are what per-example clipping needs). ``funcad.hvp`` is forward mode over reverse
mode, ``jvp(grad(f))``: the product of the Hessian with a vector at the cost of a few
gradients, never forming the d x d matrix. Both are checked against ``jacfwd``,
``jacrev`` and ``hessian``.

    python examples/per_example_and_hvp.py
"""

from __future__ import annotations

import numpy as np

import funcad
import funcad.numpy as fnp

EXAMPLES, FEATURES = 256, 20


def example_loss(weights, x, y):
    """Logistic loss of one example (x a feature vector, y in {0, 1})."""
    z = x @ weights
    return fnp.logaddexp(0.0, z) - y * z


def batch_loss(weights, xs, ys):
    return fnp.mean(funcad.vmap(example_loss, in_axes=(None, 0, 0))(weights, xs, ys))


def main() -> None:
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(EXAMPLES, FEATURES))
    true_weights = rng.normal(size=FEATURES)
    ys = (xs @ true_weights + rng.normal(size=EXAMPLES) > 0).astype(np.float64)
    weights = 0.1 * rng.normal(size=FEATURES)

    # Per-example gradients: one batched pass, shape (examples, features).
    per_example = funcad.jit(funcad.vmap(funcad.grad(example_loss), in_axes=(None, 0, 0)))
    grads = np.asarray(per_example(weights, xs, ys))
    full = np.asarray(funcad.grad(batch_loss)(weights, xs, ys))
    # The same rows from the Jacobian of the vector of per-example losses.
    losses = funcad.vmap(example_loss, in_axes=(None, 0, 0))
    jacobian = np.asarray(funcad.jacrev(losses)(weights, xs, ys))
    norms = np.linalg.norm(grads, axis=1)
    print(f"per-example gradients {grads.shape}: norms from {norms.min():.3f} "
          f"to {norms.max():.3f}, median {np.median(norms):.3f}")
    print(f"  mean of the rows vs grad of the mean loss: max difference "
          f"{np.abs(grads.mean(axis=0) - full).max():.1e}")
    print(f"  rows vs jacrev of the per-example losses:  max difference "
          f"{np.abs(grads - jacobian).max():.1e}")
    np.testing.assert_allclose(grads.mean(axis=0), full, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grads, jacobian, rtol=1e-12, atol=1e-14)

    # Hessian-vector products: jvp of grad, checked against the full Hessian.
    vector = rng.normal(size=FEATURES)

    def loss_of_weights(w):
        return batch_loss(w, xs, ys)

    product = np.asarray(funcad.hvp(loss_of_weights, (weights,), (vector,)))
    by_hand = np.asarray(funcad.jvp(funcad.grad(loss_of_weights), (weights,), (vector,))[1])
    hessian = np.asarray(funcad.hessian(batch_loss)(weights, xs, ys))
    forward_over_reverse = np.asarray(funcad.jacfwd(funcad.grad(batch_loss))(weights, xs, ys))
    # The closed form: X^T diag(s (1 - s)) X / n with s the predicted probabilities.
    s = 1 / (1 + np.exp(-(xs @ weights)))
    closed_form = xs.T @ (xs * (s * (1 - s))[:, None]) / EXAMPLES
    print(f"Hessian-vector product of a {FEATURES}x{FEATURES} Hessian:")
    print(f"  hvp vs jvp(grad):         {np.abs(product - by_hand).max():.1e}")
    print(f"  hvp vs hessian @ v:       {np.abs(product - hessian @ vector).max():.1e}")
    print(f"  hessian vs jacfwd(grad):  {np.abs(hessian - forward_over_reverse).max():.1e}")
    print(f"  hessian vs closed form:   {np.abs(hessian - closed_form).max():.1e}")
    np.testing.assert_allclose(product, by_hand, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(product, hessian @ vector, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hessian, forward_over_reverse, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hessian, closed_form, rtol=1e-10, atol=1e-12)


if __name__ == "__main__":
    main()
