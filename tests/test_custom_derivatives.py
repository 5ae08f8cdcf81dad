"""Tests for custom_vjp, custom_jvp (funcad/custom_derivatives.py) and checkpoint
(funcad/checkpoint.py) under every transformation, with the examples of JAX's documentation."""

from __future__ import annotations

import functools
import tracemalloc

import numpy as np
import pytest

import funcad
import funcad.numpy as fnp
from funcad import grad, jit, jvp, make_jaxpr, vjp, vmap
from funcad.test_util import check_grads


@funcad.custom_jvp
def log1pexp(x):
    return fnp.log(1.0 + fnp.exp(x))


@log1pexp.defjvp
def _log1pexp_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return log1pexp(x), (1 - 1 / (1 + fnp.exp(x))) * t


@funcad.custom_jvp
def safe_ratio(x):
    return x / (1 + fnp.sqrt(x))


safe_ratio.defjvps(lambda t, ans, x: (fnp.sqrt(x) + 2) / (2 * (fnp.sqrt(x) + 1) ** 2) * t)


@funcad.custom_jvp
def sin_with_rule(x, y):
    return fnp.sin(x) * y


@sin_with_rule.defjvp
def _sin_with_rule_jvp(primals, tangents):
    (x, y), (tx, ty) = primals, tangents
    return sin_with_rule(x, y), fnp.cos(x) * y * tx + fnp.sin(x) * ty


@funcad.custom_vjp
def product(x, y):
    return fnp.sin(x) * y


def _product_fwd(x, y):
    return product(x, y), (fnp.cos(x), fnp.sin(x), y)


def _product_bwd(residuals, g):
    cos_x, sin_x, y = residuals
    return cos_x * g * y, sin_x * g


product.defvjp(_product_fwd, _product_bwd)


@funcad.custom_vjp
def clip_gradient(lo, hi, x):
    return x


clip_gradient.defvjp(lambda lo, hi, x: (x, (lo, hi)),
                     lambda res, g: (None, None, fnp.clip(g, res[0], res[1])))


# ----------------------------------------------------------------------------------------------
# custom_jvp


def test_grad_uses_the_rule_where_the_code_would_give_nan():
    """The examples of JAX's documentation: the rule's numbers, not the code's."""
    assert grad(log1pexp)(100.0) == 1.0
    assert jit(grad(log1pexp))(100.0) == 1.0
    assert grad(safe_ratio)(0.0) == 1.0
    assert jit(grad(safe_ratio))(0.0) == 1.0
    np.testing.assert_allclose(vmap(grad(log1pexp))(np.array([0.0, 100.0])), [0.5, 1.0])
    assert jvp(log1pexp, (100.0,), (1.0,))[1] == 1.0


def test_custom_jvp_in_both_modes_and_to_second_order():
    x, y = np.array([0.3, -1.2]), np.array([2.0, 0.5])
    check_grads(sin_with_rule, (x, y), order=2, modes=("fwd", "rev"))
    check_grads(log1pexp, (np.array([0.5, -2.0, 3.0]),), order=2, modes=("fwd", "rev"))
    np.testing.assert_allclose(funcad.hessian(lambda v: fnp.sum(log1pexp(v)))(x),
                               np.diag(np.exp(x) / (1 + np.exp(x)) ** 2))
    np.testing.assert_allclose(funcad.jacrev(sin_with_rule)(x, y),
                               funcad.jacfwd(sin_with_rule)(x, y))


def test_custom_jvp_with_nondiff_argnums_and_keywords():
    @functools.partial(funcad.custom_jvp, nondiff_argnums=(0,))
    def apply(f, x):
        return f(x)

    @apply.defjvp
    def apply_jvp(f, primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), 10.0 * t  # a rule that is visibly not the derivative of f

    assert grad(lambda x: apply(fnp.sin, x))(0.3) == 10.0
    assert jvp(lambda x: apply(fnp.sin, x), (0.3,), (1.0,))[1] == 10.0
    assert grad(lambda x: sin_with_rule(x, y=2.0))(0.0) == 2.0


def test_custom_jvp_rule_that_does_not_match_the_output():
    @funcad.custom_jvp
    def f(x):
        return x * 2

    f.defjvp(lambda primals, tangents: (primals[0] * 2, np.ones(3)))
    with pytest.raises(TypeError, match="equal shapes and dtypes"):
        jvp(f, (1.0,), (1.0,))

    g = funcad.custom_jvp(lambda x: x * 2)
    g.defjvp(lambda primals, tangents: (primals[0] * 2, (tangents[0], tangents[0])))
    with pytest.raises(TypeError, match="structure"):
        grad(g)(1.0)


# ----------------------------------------------------------------------------------------------
# custom_vjp


def test_custom_vjp_under_every_transformation():
    want = (np.cos(1.0) * 2.0, np.sin(1.0))
    assert grad(product, argnums=(0, 1))(1.0, 2.0) == pytest.approx(want)
    assert jit(grad(product, argnums=(0, 1)))(1.0, 2.0) == pytest.approx(want)
    assert grad(jit(product), argnums=(0, 1))(1.0, 2.0) == pytest.approx(want)
    xs, ys = np.array([1.0, 2.0]), np.array([2.0, 3.0])
    np.testing.assert_allclose(vmap(grad(product))(xs, ys), np.cos(xs) * ys)
    # an argument shared by the batch gets the sum of the examples' cotangents
    assert grad(lambda y: fnp.sum(vmap(product, in_axes=(0, None))(xs, y)))(2.0) == \
        pytest.approx(np.sin(1.0) + np.sin(2.0))
    np.testing.assert_allclose(funcad.jacrev(product)(xs, ys), np.diag(np.cos(xs) * ys))
    check_grads(product, (xs, ys), order=1, modes=("rev",))


def test_clip_gradient_example_from_jax_docs():
    assert grad(lambda x: clip_gradient(-0.75, 0.75, fnp.sin(x)) * 3)(0.1) == pytest.approx(
        0.75 * np.cos(0.1))
    assert grad(lambda x: clip_gradient(-0.75, 0.75, fnp.sin(x)) * 0.5)(0.1) == pytest.approx(
        0.5 * np.cos(0.1))


def test_custom_vjp_refuses_forward_mode_as_jax_does():
    with pytest.raises(TypeError, match=r"can't apply forward-mode autodiff \(jvp\) to a "
                                        r"custom_vjp function"):
        jvp(product, (1.0, 2.0), (1.0, 0.0))


def test_custom_vjp_with_pytrees_nondiff_argnums_and_none():
    @functools.partial(funcad.custom_vjp, nondiff_argnums=(1,))
    def scale(params, power):
        return params["w"] ** power * params["b"]

    scale.defvjp(lambda params, power: (scale(params, power), params),
                 lambda power, params, g: ({"w": g * power, "b": None},))
    g = grad(lambda p: scale(p, 3))({"w": 2.0, "b": 5.0})
    assert g == {"w": 3.0, "b": 0.0}
    assert str(make_jaxpr(lambda p: scale(p, 3))({"w": 2.0, "b": 5.0})).count(
        "custom_vjp_call[") == 1


def test_custom_vjp_bwd_that_does_not_match():
    f = funcad.custom_vjp(lambda x, y: x * y)
    f.defvjp(lambda x, y: (x * y, None), lambda res, g: (g,))
    with pytest.raises(TypeError, match="2 of them"):
        grad(f)(1.0, 2.0)
    h = funcad.custom_vjp(lambda x: x * 2)
    h.defvjp(lambda x: (x * 2, None), lambda res, g: (np.ones(3),))
    with pytest.raises(TypeError, match=r"shape \(3,\)"):
        grad(h)(1.0)
    k = funcad.custom_vjp(lambda x: x)
    with pytest.raises(AttributeError, match="No VJP defined"):
        k(1.0)


def test_closing_over_a_differentiated_value_is_an_error():
    def f(w):
        g = funcad.custom_vjp(lambda x: x * w)
        g.defvjp(lambda x: (x * w, None), lambda res, ct: (ct * w,))
        return g(1.0)

    with pytest.raises(TypeError, match="closes over a value that is being differentiated"):
        grad(f)(2.0)


# ----------------------------------------------------------------------------------------------
# checkpoint


def _mlp(params, x, checkpointed):
    def block(h, ps):
        for w, b in ps:
            h = fnp.tanh(h @ w + b)
        return h

    for k in range(0, len(params), 4):
        ps = params[k:k + 4]
        h_block = funcad.checkpoint(block) if checkpointed else block
        x = h_block(x, ps)
    return fnp.sum(x ** 2)


def _params(layers, width, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(width, width)) / np.sqrt(width), rng.normal(size=width) * 0.1)
            for _ in range(layers)]


def test_checkpoint_gives_the_same_derivatives():
    params, x = _params(8, 4), np.random.default_rng(1).normal(size=(3, 4))
    want = grad(_mlp)(params, x, False)
    for got in (grad(_mlp)(params, x, True), jit(grad(_mlp), static_argnums=2)(params, x, True)):
        for (gw, gb), (ww, wb) in zip(got, want):
            np.testing.assert_allclose(gw, ww, rtol=1e-12)
            np.testing.assert_allclose(gb, wb, rtol=1e-12)
    f = funcad.checkpoint(lambda v: fnp.sin(v) * fnp.exp(v))
    check_grads(f, (np.array([0.3, -0.4]),), order=2, modes=("fwd", "rev"))
    np.testing.assert_allclose(vmap(grad(lambda v: fnp.sum(f(v))))(np.ones((2, 3))),
                               np.ones((2, 3)) * (np.cos(1) + np.sin(1)) * np.exp(1))
    everything = funcad.checkpoint(lambda v: fnp.sin(v) * v,
                                   policy=funcad.checkpoint_policies.everything_saveable)
    assert grad(everything)(0.5) == pytest.approx(np.cos(0.5) * 0.5 + np.sin(0.5))
    static = funcad.checkpoint(lambda n, v: v ** n, static_argnums=0)
    assert grad(static, argnums=1)(3, 2.0) == 12.0
    assert "checkpoint[" in str(make_jaxpr(f)(np.ones(2)))


def test_checkpoint_lowers_the_peak_memory_of_grad():
    # (activations larger than weights: what checkpointing is for)
    params, x = _params(16, 64), np.random.default_rng(1).normal(size=(1024, 64))
    peaks = {}
    for checkpointed in (False, True):
        grad(_mlp)(params, x, checkpointed)  # (warm-up)
        tracemalloc.start()
        g = grad(_mlp)(params, x, checkpointed)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        peaks[checkpointed] = peak - sum(w.nbytes + b.nbytes for w, b in g)
    assert peaks[True] < 0.5 * peaks[False], peaks


def test_recomputation_happens_in_the_backward_pass():
    calls = []

    def block(v):
        calls.append(1)
        return fnp.sin(v) * 2

    f = funcad.checkpoint(block)
    _, f_vjp = vjp(f, 1.0)
    assert len(calls) == 1  # traced once for the forward pass
    f_vjp(1.0)
    assert len(calls) == 1  # the backward pass replays the traced IR, not the Python code
