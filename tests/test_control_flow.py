"""Tests for control flow (funcad/control_flow): cond, switch, select_n, scan, while_loop,
fori_loop and map, under every transformation, against finite differences, Python loops, and
numbers recorded from JAX 0.10.2 (x64) for the same programs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcad
import funcad.numpy as fnp
from funcad import grad, jit, lax, make_jaxpr, vmap
from funcad.test_util import check_grads

W = (np.arange(9.0).reshape(3, 3) - 4) / 10
XS = np.sin(np.arange(15.0)).reshape(5, 3)
H0 = np.array([0.1, -0.2, 0.3])


def rnn(h0, xs, w):
    def step(h, x):
        h = fnp.tanh(w @ h + x)
        return h, fnp.sum(h ** 2)

    h, ys = lax.scan(step, h0, xs)
    return fnp.sum(h) + fnp.sum(ys)


def rnn_python_loop(h0, xs, w):
    h, total = h0, 0.0
    for x in xs:
        h = fnp.tanh(w @ h + x)
        total = total + fnp.sum(h ** 2)
    return fnp.sum(h) + total


def branchy(x):
    return lax.cond(x > 0, lambda y: fnp.sin(y) * y, lambda y: y ** 3, x)


# ----------------------------------------------------------------------------------------------
# Numbers recorded from JAX for the same programs.

JAX_RNN_VALUE = 3.9030887629025566
JAX_RNN_GRADS = (
    [0.031626272442373, 0.161932189819166, 0.292238107195959],
    [[0.031515436562501, 0.70025433457904, 0.571289402626389],
     [-0.338234857408348, -0.652886242850856, -0.445296592330932],
     [0.020136645467789, 0.660486023317542, 0.614860562009353],
     [0.229948292406318, -0.45995258933781, -0.297471035722562],
     [0.316984305839142, 1.486373591225977, 1.436039016147473]],
    [[0.062114083739892, -0.270505285340269, -0.30244979705234],
     [0.098951293360756, -1.925385634870856, -1.615392332254435],
     [0.091559409984556, -1.613707201759094, -1.36283730556375]],
)


def test_scan_matches_jax_and_a_python_loop():
    assert rnn(H0, XS, W) == pytest.approx(JAX_RNN_VALUE, rel=1e-13)
    grads = grad(rnn, argnums=(0, 1, 2))(H0, XS, W)
    for got, want in zip(grads, JAX_RNN_GRADS):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    loop_grads = grad(rnn_python_loop, argnums=(0, 1, 2))(H0, XS, W)
    for got, want in zip(grads, loop_grads):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_scan_reverse_matches_jax():
    def f(xs):
        return lax.scan(lambda c, x: (c * 0.9 + x, c), 0.0, xs, reverse=True)

    carry, ys = f(np.arange(4.0))
    assert carry == pytest.approx(4.707)
    np.testing.assert_allclose(ys, [5.23, 4.7, 3.0, 0.0])
    np.testing.assert_allclose(grad(lambda xs: fnp.sum(f(xs)[1] ** 2))(np.arange(4.0)),
                               [0.0, 10.46, 18.814, 22.9326])


def test_cond_and_switch_match_jax():
    assert [grad(branchy)(v) for v in (0.5, -0.5)] == pytest.approx([0.9182168195493894, 0.75])
    assert [grad(grad(branchy))(v) for v in (0.5, -0.5)] == pytest.approx(
        [1.515452354478644, -3.0])

    def s(i, x):
        return lax.switch(i, [lambda y: y, lambda y: y ** 2, lambda y: fnp.exp(y)], x)

    assert [grad(s, argnums=1)(i, 1.5) for i in (-1, 0, 1, 2, 7)] == pytest.approx(
        [1.0, 1.0, 3.0, 4.4816890703380645, 4.4816890703380645])  # (index clamped)
    np.testing.assert_allclose(vmap(branchy)(np.array([0.5, -0.5, 2.0])),
                               [0.2397127693021015, -0.125, 1.8185948536513634])


def test_fori_loop_and_batched_while_match_jax():
    def f(x):
        return lax.fori_loop(0, 10, lambda i, v: v * 1.1 + fnp.sin(v) * i, x)

    assert f(0.3) == pytest.approx(-3.1455509532645394, rel=1e-12)
    assert grad(f)(0.3) == pytest.approx(-1882.53188579333, rel=1e-10)
    assert jit(grad(f))(0.3) == pytest.approx(-1882.53188579333, rel=1e-10)
    loop = vmap(lambda x: lax.while_loop(lambda c: c < 5.0, lambda c: c * 2.0 + 0.5, x))
    np.testing.assert_allclose(loop(np.array([0.1, 1.0, 7.0])), [9.1, 5.5, 7.0])


# ----------------------------------------------------------------------------------------------
# Every transformation, against finite differences.


@given(st.integers(0, 4), st.integers(1, 4), st.booleans())
def test_scan_derivatives_against_finite_differences(seed, length, reverse):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(2, 2)) * 0.5
    xs = {"a": rng.normal(size=(length, 2)), "b": rng.normal(size=(length,))}

    def f(h, xs, w):
        def step(carry, x):
            h, total = carry
            h = fnp.sin(w @ h * x["b"] + x["a"])
            return (h, total + fnp.sum(h * h)), h[0] * x["b"]

        (h, total), ys = lax.scan(step, (h, 0.0), xs, reverse=reverse)
        return total + fnp.sum(ys * fnp.arange(length)) + fnp.sum(h)

    check_grads(f, (rng.normal(size=2), xs, w), order=2, modes=("fwd", "rev"))


def test_cond_derivatives_against_finite_differences():
    def f(x, y):
        return lax.cond(fnp.sum(x) > 0, lambda a, b: fnp.sin(a) * b, lambda a, b: a * b ** 2,
                        x, y)

    for sign in (1.0, -1.0):
        check_grads(f, (sign * np.array([0.3, 0.8]), np.array([1.2, -0.4])), order=2,
                    modes=("fwd", "rev"))


def test_while_and_fori_loop_derivatives_against_finite_differences():
    def while_f(x):
        return lax.while_loop(lambda c: c[0] < 4, lambda c: (c[0] + 1, fnp.sin(c[1]) * 1.3),
                              (0, x))[1]

    def fori_f(x):
        return lax.fori_loop(1, 5, lambda i, v: fnp.cos(v) * i + v, x)

    for f in (while_f, fori_f):
        check_grads(f, (np.array([0.2, -0.7]),), order=2, modes=("fwd", "rev"))


def test_every_transformation_of_a_scan():
    expected = grad(rnn_python_loop)(H0, XS, W)
    np.testing.assert_allclose(jit(grad(rnn))(H0, XS, W), expected, rtol=1e-12)
    np.testing.assert_allclose(grad(jit(rnn))(H0, XS, W), expected, rtol=1e-12)
    np.testing.assert_allclose(funcad.jacrev(rnn)(H0, XS, W), expected, rtol=1e-12)
    np.testing.assert_allclose(funcad.jacfwd(rnn)(H0, XS, W), expected, rtol=1e-12)
    np.testing.assert_allclose(funcad.hessian(rnn)(H0, XS, W),
                               funcad.hessian(rnn_python_loop)(H0, XS, W), rtol=1e-10)
    _, f_jvp = funcad.linearize(rnn, H0, XS, W)
    v = np.array([1.0, 0.5, -2.0])
    np.testing.assert_allclose(f_jvp(v, np.zeros_like(XS), np.zeros_like(W)),
                               expected @ v, rtol=1e-12)
    batch = np.stack([H0, -H0, 2 * H0])
    np.testing.assert_allclose(vmap(grad(rnn), in_axes=(0, None, None))(batch, XS, W),
                               [grad(rnn)(h, XS, W) for h in batch], rtol=1e-12)
    xs_batch = np.stack([XS, XS[::-1]])  # batched xs (the scanned axis stays first per example)
    np.testing.assert_allclose(vmap(rnn, in_axes=(None, 0, None))(H0, xs_batch, W),
                               [rnn(H0, x, W) for x in xs_batch], rtol=1e-12)
    np.testing.assert_allclose(vmap(rnn, in_axes=(None, 1, None))(H0, np.moveaxis(xs_batch, 0, 1),
                                                                   W),
                               [rnn(H0, x, W) for x in xs_batch], rtol=1e-12)
    np.testing.assert_allclose(jit(vmap(grad(rnn, argnums=2), in_axes=(0, None, None)))(
        batch, XS, W), [grad(rnn, argnums=2)(h, XS, W) for h in batch], rtol=1e-12)


def test_closures_over_differentiated_values_are_seen():
    """A body closing over a value being differentiated gets its derivative (the tracer is
    lifted to an operand), and nested derivatives keep their levels apart."""
    def f(w):
        return lax.scan(lambda c, x: (c * w + x, None), 1.0, np.arange(3.0))[0]

    assert grad(f)(2.0) == pytest.approx(3 * 2.0 ** 2 + 1)  # f(w) = w^3 + w + 2
    assert grad(lambda x: grad(lambda y: lax.cond(True, lambda a: a * x, lambda a: a, y))(2.0)
                )(3.0) == 1.0


def test_while_loop_under_grad_of_grad_and_with_zero_iterations():
    def f(x, n):
        return lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * c[1] * 0.5),
                              (0, x))[1]

    assert grad(f)(1.5, 3) == pytest.approx(8 * 1.5 ** 7 / 2 ** 7)
    assert grad(grad(f))(1.5, 3) == pytest.approx(56 * 1.5 ** 6 / 2 ** 7)
    assert grad(f)(1.5, 0) == 1.0
    assert funcad.jvp(lambda x: f(x, 3), (1.5,), (1.0,))[1] == pytest.approx(
        8 * 1.5 ** 7 / 2 ** 7)
    assert jit(f)(1.5, 3) == pytest.approx(1.5 ** 8 / 2 ** 7)


def test_reverse_mode_through_while_loop_under_jit_says_what_to_do():
    def f(x):
        return lax.while_loop(lambda c: c < 10.0, lambda c: c * 2.0, x)

    with pytest.raises(TypeError, match="fori_loop"):
        jit(grad(f))(1.5)
    with pytest.raises(TypeError, match="fori_loop"):
        vmap(grad(f))(np.array([1.5, 2.0]))


def test_fori_loop_with_traced_bounds_is_a_while_loop():
    f = jit(lambda n, x: lax.fori_loop(0, n, lambda i, v: v * 2.0 + i, x))
    assert f(3, 1.0) == 1.0 * 8 + 0 * 4 + 1 * 2 + 2
    assert "while" in str(make_jaxpr(lambda n, x: lax.fori_loop(0, n, lambda i, v: v, x))(3, 1.0))
    assert "scan" in str(make_jaxpr(lambda x: lax.fori_loop(0, 3, lambda i, v: v, x))(1.0))


def test_weakly_typed_initial_values_take_the_body_dtype():
    assert lax.fori_loop(0, 4, lambda i, v: v + 0.5, 0) == 2.0
    assert lax.cond(True, lambda x: 0, lambda x: x, 1.5) == 0.0
    out = lax.scan(lambda c, x: (c + x, None), 0, np.ones(3, np.float32))[0]
    assert out.dtype == np.float32 and out == 3.0


def test_map_and_select_n():
    xs = np.arange(7.0)
    np.testing.assert_allclose(lax.map(lambda x: x ** 2, xs), xs ** 2)
    np.testing.assert_allclose(lax.map(lambda x: x ** 2, xs, batch_size=3), xs ** 2)
    np.testing.assert_allclose(grad(lambda x: fnp.sum(lax.map(fnp.sin, x, batch_size=2)))(xs),
                               np.cos(xs))
    which = np.array([0, 2, 1])
    np.testing.assert_allclose(lax.select_n(which, np.zeros(3), np.ones(3), np.full(3, 2.0)),
                               [0.0, 2.0, 1.0])
    np.testing.assert_allclose(lax.select_n(np.array([True, False]), np.zeros(2), np.ones(2)),
                               [1.0, 0.0])
    np.testing.assert_allclose(grad(lambda x: fnp.sum(lax.select_n(which, x, 2 * x, 3 * x)))(
        np.ones(3)), [1.0, 3.0, 2.0])


def test_one_equation_each_with_the_sub_irs_printed():
    text = str(make_jaxpr(rnn)(H0, XS, W))
    assert text.count(" = scan[") == 1 and "body=" in text and "tanh" in text
    text = str(make_jaxpr(branchy)(0.5))
    assert text.count(" = cond[") == 1 and "sin" in text and "integer_pow" in text
    text = str(make_jaxpr(lambda x: lax.while_loop(lambda c: c < 3.0, lambda c: c + 1.0, x))(
        0.5))
    assert text.count(" = while[") == 1 and "cond=" in text and "body=" in text


def test_under_jit_the_body_is_traced_once():
    calls = []

    def step(c, x):
        calls.append(1)
        return c + x, c

    f = jit(lambda xs: lax.scan(step, np.float64(0.0), xs))
    f(np.arange(100.0))
    f(np.arange(100.0))
    assert len(calls) == 1


# ----------------------------------------------------------------------------------------------
# Bad input.


def test_branches_that_disagree():
    with pytest.raises(TypeError, match="same structure"):
        lax.cond(True, lambda x: (x, x), lambda x: x, 1.0)
    with pytest.raises(TypeError, match=r"output is f64\[\] in false_fun and f64\[2\]"):
        lax.cond(True, lambda x: np.ones(2) * x, lambda x: x, 1.0)
    with pytest.raises(TypeError, match="f32"):
        lax.switch(0, [lambda x: x, lambda x: x.astype(np.float32)], np.ones(2))
    with pytest.raises(TypeError, match="scalar"):
        lax.cond(np.array([True, False]), lambda x: x, lambda x: x, 1.0)
    with pytest.raises(TypeError, match="integer"):
        lax.switch(1.5, [lambda x: x, lambda x: x], 1.0)


def test_loops_that_change_their_carry():
    with pytest.raises(TypeError, match=r"carry\[1\] is f64\[\] on input and f64\[2\]"):
        lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, np.ones(2) * c[1]), (0, 1.0))
    with pytest.raises(TypeError, match="structure"):
        lax.fori_loop(0, 3, lambda i, v: (v, v), 1.0)
    with pytest.raises(TypeError, match="boolean scalar"):
        lax.while_loop(lambda c: c, lambda c: c + 1.0, 1.0)
    with pytest.raises(TypeError, match="pair"):
        lax.scan(lambda c, x: c + x, 0.0, np.ones(3))


def test_scan_lengths_that_disagree():
    with pytest.raises(ValueError, match=r"xs\['a'\] has 3, xs\['b'\] has 4"):
        lax.scan(lambda c, x: (c, None), 0.0, {"a": np.ones(3), "b": np.ones(4)})
    with pytest.raises(ValueError, match="length=5 disagrees"):
        lax.scan(lambda c, x: (c, None), 0.0, np.ones(3), length=5)
    with pytest.raises(ValueError, match="nothing to scan over"):
        lax.scan(lambda c, x: (c, None), 0.0)
    assert lax.scan(lambda c, x: (c + 1.0, c), 0.0, length=3)[1].tolist() == [0.0, 1.0, 2.0]


# ----------------------------------------------------------------------------------------------
# Control flow inside control flow, and with the other higher-order primitives.


def test_nested_control_flow_and_custom_rules():
    def cond_in_scan(x):
        def step(c, v):
            c = lax.cond(v > 0, lambda a: a * v, lambda a: a - v, c)
            return c, c ** 2

        c, ys = lax.scan(step, 1.0, x)
        return c + fnp.sum(ys)

    x = np.array([0.5, -0.3, 1.2, -0.7])
    check_grads(cond_in_scan, (x,), order=2, modes=("fwd", "rev"))
    np.testing.assert_allclose(jit(grad(cond_in_scan))(x), grad(cond_in_scan)(x))
    np.testing.assert_allclose(vmap(grad(cond_in_scan))(np.stack([x, -x]))[1],
                               grad(cond_in_scan)(-x))

    @funcad.custom_vjp
    def square(v):
        return v * v

    square.defvjp(lambda v: (v * v, v), lambda v, g: (2 * v * g,))

    def repeated(v):
        return lax.scan(lambda c, _: (square(c), None), v, None, length=3)[0]

    assert jit(grad(repeated))(1.1) == pytest.approx(8 * 1.1 ** 7)
    np.testing.assert_allclose(vmap(grad(repeated))(np.array([1.1, 0.9])),
                               8 * np.array([1.1, 0.9]) ** 7)
    remat = lambda v: lax.scan(  # noqa: E731
        lambda c, _: (funcad.checkpoint(lambda z: fnp.sin(z) * 2)(c), None), v, None,
        length=4)[0]
    check_grads(remat, (0.4,), order=2, modes=("fwd", "rev"))


def test_loops_under_forward_mode_and_batching():
    batched_bounds = vmap(lambda n, x: lax.fori_loop(0, n, lambda i, v: v * 2.0, x))
    np.testing.assert_allclose(batched_bounds(np.array([1, 2, 3]), np.ones(3)), [2, 4, 8])
    picked = jit(vmap(lambda p, x: lax.cond(p, lambda a: a + 1, lambda a: a * 10, x)))
    np.testing.assert_allclose(picked(np.array([True, False]), np.ones(2)), [2.0, 10.0])

    def tanh_chain(w):
        return lax.scan(lambda c, x: (fnp.tanh(c * w + x), None), 0.3, np.arange(3.0))[0]

    second = (grad(tanh_chain)(0.7 + 1e-5) - grad(tanh_chain)(0.7 - 1e-5)) / 2e-5
    assert funcad.hessian(tanh_chain)(0.7) == pytest.approx(second, rel=1e-6)
    _, f_jvp = funcad.linearize(
        lambda x: lax.while_loop(lambda v: v < 10.0, lambda v: v * 2.0, x), 1.5)
    assert f_jvp(1.0) == 8.0


def test_while_loop_inside_a_differentiated_scan_says_what_to_do():
    def f(x):
        def step(c, _):
            c = lax.while_loop(lambda v: v[0] < 3, lambda v: (v[0] + 1, fnp.sin(v[1])), (0, c))
            return c[1], c[1]

        return lax.scan(step, x, None, length=3)[1].sum()

    assert f(0.5) == pytest.approx(sum(_iterate_sin(0.5, 3 * k) for k in (1, 2, 3)))
    with pytest.raises(TypeError, match="fori_loop with static"):
        grad(f)(0.5)


def _iterate_sin(x, n):
    for _ in range(n):
        x = np.sin(x)
    return x
