"""Tests for reverse mode (funcad/ad.py): grad, value_and_grad and vjp.

The tutorial's numbers, argnums and has_aux, pytrees, higher order and nesting (no
perturbation confusion), Python control flow, dtypes, stop_gradient, the deep chain, memory
release, thread safety and NumPy interop. Each test compares with a closed form or a serial
run, so each can fail.
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcad
import funcad.numpy as fnp
from funcad import ad, core, grad, rules, tree_util, value_and_grad, vjp
from funcad.core import Tracer

finite_floats = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False, allow_infinity=False)


def has_tracer(tree: Any) -> bool:
    return any(isinstance(leaf, Tracer) for leaf in tree_util.tree_leaves(tree))


# ----------------------------------------------------------------------------------------------
# The tutorial's two functions.


def tutorial_f(x):
    return 2 * fnp.sin(x**3) ** 2


def tutorial_df(x):
    return 12 * x**2 * np.cos(x**3) * np.sin(x**3)


def tutorial_d2f(x):
    # f'(x) = 6 x^2 sin(2 x^3), so f''(x) = 12 x sin(2 x^3) + 36 x^4 cos(2 x^3).
    return 12 * x * np.sin(2 * x**3) + 36 * x**4 * np.cos(2 * x**3)


def two_input_f(x, y):
    # x reaches the output by two paths: through x**2 and as the outer factor.
    return fnp.cos((x**2 + fnp.sin(y)) * x)


def two_input_partials(x, y):
    u = (x**2 + np.sin(y)) * x
    return -np.sin(u) * (3 * x**2 + np.sin(y)), -np.sin(u) * x * np.cos(y)


@pytest.mark.parametrize("x", [10.0, 5.0, 3.0])
def test_tutorial_gradient_matches_closed_form(x):
    np.testing.assert_allclose(grad(tutorial_f)(x), tutorial_df(x), rtol=1e-12)
    value, gradient = value_and_grad(tutorial_f)(x)
    np.testing.assert_allclose(value, 2 * np.sin(x**3) ** 2, rtol=1e-12)
    np.testing.assert_allclose(gradient, tutorial_df(x), rtol=1e-12)


@given(finite_floats)
def test_tutorial_gradient_property(x):
    np.testing.assert_allclose(grad(tutorial_f)(x), tutorial_df(x), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("x, y", [(1.0, 2.0), (0.5, -1.5), (2.0, 3.0)])
def test_two_paths_partials_match_closed_form(x, y):
    dx, dy = grad(two_input_f, argnums=(0, 1))(x, y)
    want_dx, want_dy = two_input_partials(x, y)
    np.testing.assert_allclose(dx, want_dx, rtol=1e-12)
    np.testing.assert_allclose(dy, want_dy, rtol=1e-12)
    np.testing.assert_allclose(grad(two_input_f)(x, y), want_dx, rtol=1e-12)
    np.testing.assert_allclose(grad(two_input_f, argnums=1)(x, y), want_dy, rtol=1e-12)


@given(finite_floats, finite_floats)
def test_two_paths_property(x, y):
    dx, dy = grad(two_input_f, argnums=(0, 1))(x, y)
    want_dx, want_dy = two_input_partials(x, y)
    np.testing.assert_allclose([dx, dy], [want_dx, want_dy], rtol=1e-9, atol=1e-9)


def test_repeated_calls_do_not_accumulate():
    g = grad(tutorial_f)
    first = g(3.0)
    for _ in range(3):
        assert g(3.0) == first


# ----------------------------------------------------------------------------------------------
# argnums and has_aux.


def product3(a, b, c):
    return a * b * c**2


def test_argnums_int_tuple_and_negative():
    args = (2.0, 3.0, 4.0)
    assert grad(product3)(*args) == 48.0
    assert grad(product3, argnums=1)(*args) == 32.0
    assert grad(product3, argnums=-1)(*args) == 48.0  # 2 a b c
    assert grad(product3, argnums=(0, 2))(*args) == (48.0, 48.0)
    assert grad(product3, argnums=(-3, 1))(*args) == (48.0, 32.0)
    single = grad(product3, argnums=(1,))(*args)
    assert isinstance(single, tuple) and single == (32.0,)
    value, grads = value_and_grad(product3, argnums=(0, 1, 2))(*args)
    assert value == 96.0 and grads == (48.0, 32.0, 48.0)


def test_keyword_arguments_are_not_differentiated():
    assert grad(lambda x, scale=1.0: x * scale)(2.0, scale=3.0) == 3.0


def test_has_aux_returns_aux_without_tracers():
    def f(x):
        return fnp.sum(x**2), {"doubled": x * 2, "norm": [fnp.sqrt(fnp.sum(x**2))], "n": 3}

    x = np.array([3.0, 4.0])
    gradient, aux = grad(f, has_aux=True)(x)
    np.testing.assert_allclose(gradient, 2 * x)
    assert not has_tracer(aux)
    np.testing.assert_allclose(aux["doubled"], 2 * x)
    np.testing.assert_allclose(aux["norm"][0], 5.0)
    assert aux["n"] == 3

    (value, aux2), gradient2 = value_and_grad(f, has_aux=True)(x)
    assert value == 25.0 and not has_tracer(aux2)
    np.testing.assert_allclose(gradient2, 2 * x)

    out, f_vjp, aux3 = vjp(f, x, has_aux=True)
    assert out == 25.0 and not has_tracer(aux3)
    np.testing.assert_allclose(f_vjp(1.0)[0], 2 * x)


# ----------------------------------------------------------------------------------------------
# Pytrees.


@tree_util.register_dataclass
@dataclasses.dataclass
class Linear:
    weight: Any
    bias: Any
    name: str = dataclasses.field(default="layer", metadata=dict(static=True))


def test_gradient_has_structure_of_dict_tuple_list_none_args():
    params = {"w": np.array([1.0, 2.0]), "pair": (3.0, [4.0, None]), "none": None}

    def f(p):
        return fnp.sum(p["w"] ** 2) * p["pair"][0] + p["pair"][1][0] ** 3

    g = grad(f)(params)
    assert tree_util.tree_structure(g) == tree_util.tree_structure(params)
    np.testing.assert_allclose(g["w"], 2 * params["w"] * 3.0)
    np.testing.assert_allclose(g["pair"][0], 5.0)
    np.testing.assert_allclose(g["pair"][1][0], 48.0)
    assert g["none"] is None and g["pair"][1][1] is None


def test_gradient_of_registered_dataclass():
    layer = Linear(np.array([1.0, -2.0]), 0.5, name="first")
    x = np.array([3.0, 4.0])

    def loss(layer, x):
        return fnp.sum(fnp.tanh(layer.weight * x + layer.bias))

    g = grad(loss)(layer, x)
    assert isinstance(g, Linear) and g.name == "first"
    sech2 = 1 - np.tanh(layer.weight * x + layer.bias) ** 2
    np.testing.assert_allclose(g.weight, sech2 * x)
    np.testing.assert_allclose(g.bias, np.sum(sech2))
    gx = grad(loss, argnums=1)(layer, x)
    np.testing.assert_allclose(gx, sech2 * layer.weight)


def test_vjp_pytree_outputs_and_cotangents():
    def f(x, y):
        return {"prod": x * y, "rest": (fnp.sin(x), None, [y**2])}

    x, y = np.array([0.5, 1.0, 2.0]), 3.0
    out, f_vjp = vjp(f, x, y)
    np.testing.assert_allclose(out["prod"], x * y)
    assert out["rest"][1] is None
    cotangent = {"prod": np.array([1.0, 2.0, 3.0]), "rest": (np.ones(3), None, [2.0])}
    first = f_vjp(cotangent)
    second = f_vjp(cotangent)
    assert isinstance(first, tuple) and len(first) == 2
    want_x = cotangent["prod"] * y + np.cos(x)
    want_y = np.sum(cotangent["prod"] * x) + 2.0 * 2 * y
    np.testing.assert_allclose(first[0], want_x)
    np.testing.assert_allclose(first[1], want_y)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    # A different cotangent after the first call is not polluted by it.
    zero_ct = tree_util.tree_map(np.zeros_like, cotangent)
    for leaf in f_vjp(zero_ct):
        np.testing.assert_array_equal(leaf, 0.0)


def test_vjp_of_pytree_primals():
    out, f_vjp = vjp(lambda d: d["a"] * d["b"][0], {"a": 2.0, "b": [5.0]})
    assert out == 10.0
    (g,) = f_vjp(1.0)
    assert g == {"a": 5.0, "b": [2.0]}


def test_vjp_integer_primal_gets_float0_cotangent():
    out, f_vjp = vjp(lambda x, n: x * n, 2.0, np.arange(3))
    gx, gn = f_vjp(np.ones(3))
    assert gx == 3.0
    assert gn.dtype == funcad.float0 and gn.shape == (3,)


# ----------------------------------------------------------------------------------------------
# Constant outputs, unused inputs, dtypes.


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_constant_output_gives_zeros_of_input_dtype(dtype):
    x = np.ones(3, dtype)
    g = grad(lambda x: 3.0)(x)
    assert g.shape == (3,) and g.dtype == dtype
    np.testing.assert_array_equal(g, 0.0)
    g = grad(lambda x: fnp.sum(fnp.ones(4)))(dtype(2.0))
    assert np.shape(g) == () and np.asarray(g).dtype == dtype and g == 0


def test_size_zero_argument():
    g = grad(lambda x, y: fnp.sum(x) + y * 2.0, argnums=(0, 1))(np.zeros((0, 3)), 1.0)
    assert g[0].shape == (0, 3) and g[1] == 2.0


def test_unused_inputs_get_zeros_of_their_shape_and_dtype():
    gx, gy = grad(lambda x, y: x * 2.0, argnums=(0, 1))(1.0, np.ones((2, 3), np.float32))
    assert gx == 2.0
    assert gy.shape == (2, 3) and gy.dtype == np.float32
    np.testing.assert_array_equal(gy, 0.0)


def test_float32_stays_float32():
    def f(x):
        return fnp.sum(fnp.sin(x) * 2.5 + x**2 / 3.0)

    x = np.linspace(0, 1, 4, dtype=np.float32)
    value, g = value_and_grad(f)(x)
    assert np.asarray(value).dtype == np.float32
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2.5 * np.cos(x) + 2 * x / 3, rtol=1e-6)
    # A float64 array constant promotes the value, but the gradient keeps the input's dtype.
    g = grad(lambda x: fnp.sum(x * np.ones(4)))(x)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, 1.0)
    scalar_value, scalar_g = value_and_grad(lambda x: x * 2.5 + 1.0)(np.float32(3.0))
    assert np.asarray(scalar_value).dtype == np.float32
    assert np.asarray(scalar_g).dtype == np.float32


def test_python_float_is_float64():
    value, g = value_and_grad(tutorial_f)(0.3)
    assert np.asarray(value).dtype == np.float64
    assert np.asarray(g).dtype == np.float64
    gx, gy = grad(lambda x, y: x * y, argnums=(0, 1))(np.float32(3.0), 2.0)
    assert np.asarray(gx).dtype == np.float32 and np.asarray(gy).dtype == np.float64


# ----------------------------------------------------------------------------------------------
# Higher order and nesting.


def sin_x_squared(x):
    return fnp.sin(x) * x**2


@pytest.mark.parametrize("x", [0.5, -1.3, 2.0])
def test_second_and_third_derivatives(x):
    # f = x^2 sin x; f'' = -x^2 sin x + 4x cos x + 2 sin x; f''' = -x^2 cos x - 6x sin x + 6 cos x
    s, c = np.sin(x), np.cos(x)
    np.testing.assert_allclose(grad(sin_x_squared)(x), x**2 * c + 2 * x * s, rtol=1e-12)
    np.testing.assert_allclose(
        grad(grad(sin_x_squared))(x), -(x**2) * s + 4 * x * c + 2 * s, rtol=1e-12
    )
    np.testing.assert_allclose(
        grad(grad(grad(sin_x_squared)))(x), -(x**2) * c - 6 * x * s + 6 * c, rtol=1e-12
    )


@pytest.mark.parametrize("x", [10.0, 5.0, 3.0])
def test_tutorial_second_derivative(x):
    np.testing.assert_allclose(grad(grad(tutorial_f))(x), tutorial_d2f(x), rtol=1e-10)


def test_grad_of_function_calling_vjp():
    def derivative_via_vjp(x):
        _, f_vjp = vjp(lambda y: fnp.sin(y) * x, x)
        return f_vjp(1.0)[0]  # d/dy [x sin y] at y = x: x cos x

    x = 0.5
    np.testing.assert_allclose(derivative_via_vjp(x), x * np.cos(x))
    np.testing.assert_allclose(grad(derivative_via_vjp)(x), np.cos(x) - x * np.sin(x))


def test_grad_of_vjp_with_traced_cotangent():
    def f(x):
        _, f_vjp = vjp(fnp.sin, x)
        return f_vjp(x)[0]  # x cos x, with the cotangent itself depending on x

    np.testing.assert_allclose(grad(f)(0.7), np.cos(0.7) - 0.7 * np.sin(0.7))


def test_closure_over_outer_tracer():
    def f(x):
        return grad(lambda y: fnp.sin(x * y))(1.0)  # x cos(x y) at y = 1

    x = 0.5
    np.testing.assert_allclose(f(x), x * np.cos(x))
    np.testing.assert_allclose(grad(f)(x), np.cos(x) - x * np.sin(x))


def test_perturbation_confusion():
    assert grad(lambda x: grad(lambda y: x * y)(2.0))(3.0) == 1.0
    # d/dx [x * d/dy (x y)] = d/dx x^2 = 2x
    assert grad(lambda x: x * grad(lambda y: x * y)(2.0))(3.0) == 6.0
    # Siskind and Pearlmutter: d/dx [x * d/dy (x + y)] = 1, not 2.
    assert grad(lambda x: x * grad(lambda y: x + y)(1.0))(1.0) == 1.0
    # The inner function is evaluated at the outer tracer itself: d/dy (x y) = x, d/dx x = 1.
    assert grad(lambda x: grad(lambda y: x * y)(x))(3.0) == 1.0
    # d/dy (y x^2) = x^2, d/dx x^2 = 2x.
    assert grad(lambda x: grad(lambda y: y * x**2)(x))(3.0) == 6.0
    # An inner function that does not depend on its own input.
    assert grad(lambda x: grad(lambda y: x * x)(1.0) + x)(3.0) == 1.0


def test_nested_value_and_grad_and_vjp_mix():
    def inner(x):
        value, slope = value_and_grad(lambda y: y**3 * x)(x)  # x^4 and 3 x^3
        return value + slope

    np.testing.assert_allclose(grad(inner)(2.0), 4 * 8.0 + 9 * 4.0)


# ----------------------------------------------------------------------------------------------
# Python control flow on concrete values.


def piecewise(x):
    if x > 0:
        return x**2
    return -(x**3)


def doubling_loop(x):
    while x < 10.0:
        x = x * 2.0
    return x


def power_by_int_count(x):
    y = x
    for _ in range(int(x)):
        y = y * x
    return y


def test_python_control_flow_inside_grad():
    assert grad(piecewise)(2.0) == 4.0
    assert grad(piecewise)(-2.0) == -12.0
    assert grad(doubling_loop)(1.5) == 8.0  # 1.5 -> 3 -> 6 -> 12
    assert grad(doubling_loop)(6.0) == 2.0
    assert grad(power_by_int_count)(3.0) == 4 * 27.0  # x^4
    assert grad(power_by_int_count)(2.0) == 3 * 4.0  # x^3
    table = [1.0, 10.0, 100.0]
    assert grad(lambda x: x * table[int(x)])(1.5) == 10.0


def test_control_flow_inside_nested_grad():
    assert grad(grad(piecewise))(2.0) == 2.0
    assert grad(grad(piecewise))(-2.0) == 12.0


# ----------------------------------------------------------------------------------------------
# stop_gradient.


def test_stop_gradient():
    assert grad(lambda x: funcad.stop_gradient(x) * x)(3.0) == 3.0
    assert grad(lambda x: funcad.stop_gradient(x**2) + x)(3.0) == 1.0
    g = grad(lambda d: funcad.stop_gradient(d)["a"] * d["a"] + d["b"])({"a": 3.0, "b": 1.0})
    assert g == {"a": 3.0, "b": 1.0}
    # Under grad of grad, a stop_gradient in the inner function blocks only where it is.
    assert grad(grad(lambda x: funcad.stop_gradient(x) * x**2))(3.0) == 6.0


# ----------------------------------------------------------------------------------------------
# The deep chain and memory.


def test_deep_chain_differentiates_without_recursion():
    steps = 100_000

    def chain(x):
        for _ in range(steps):
            x = fnp.sin(x)
        return x

    x, derivative = 0.5, 1.0
    for _ in range(steps):
        derivative *= np.cos(x)
        x = np.sin(x)
    np.testing.assert_allclose(grad(chain)(0.5), derivative, rtol=1e-9)


tagged_intermediates: list[weakref.ref] = []
alive_when_probed: list[int] = []

tagged_sin_p = core.Primitive("test_tagged_sin")


def _tagged_sin_impl(x):
    out = np.sin(x)
    tagged_intermediates.append(weakref.ref(out))
    return out


tagged_sin_p.def_impl(_tagged_sin_impl)
tagged_sin_p.def_abstract_eval(lambda x: core.ShapedArray(x.shape, x.dtype))
rules.defvjp(tagged_sin_p, lambda g, ans, x: g * fnp.cos(x))

probe_p = core.Primitive("test_probe")
probe_p.def_impl(lambda x: x)
probe_p.def_abstract_eval(lambda x: x)


def _probe_rule(g, ans, x):
    # Runs in the backward pass after every tagged_sin step has been processed.
    alive_when_probed.append(sum(ref() is not None for ref in tagged_intermediates))
    return g


rules.defvjp(probe_p, _probe_rule)


def probed_chain(x):
    y = probe_p.bind(x)
    for _ in range(20):
        y = tagged_sin_p.bind(y)
    return fnp.sum(y)


def _alive_intermediates() -> int:
    return sum(ref() is not None for ref in tagged_intermediates)


def test_intermediates_released_during_and_after_grad():
    tagged_intermediates.clear()
    alive_when_probed.clear()
    x = np.linspace(0.0, 1.0, 1000)
    g = grad(probed_chain)(x)
    want = np.ones_like(x)
    y = x
    for _ in range(20):
        want = want * np.cos(y)
        y = np.sin(y)
    np.testing.assert_allclose(g, want)
    assert len(tagged_intermediates) == 20
    # When the backward pass reaches the first operation, the 20 later intermediates are gone.
    assert alive_when_probed == [0]
    assert _alive_intermediates() == 0


def test_vjp_keeps_tape_until_f_vjp_is_dropped():
    tagged_intermediates.clear()
    out, f_vjp = vjp(probed_chain, np.linspace(0.0, 1.0, 100))
    first = f_vjp(1.0)[0]
    np.testing.assert_array_equal(f_vjp(1.0)[0], first)  # the tape survives reuse
    del f_vjp
    assert _alive_intermediates() == 0


def test_tape_is_empty_after_grad():
    traces = []

    def f(x):
        traces.append(core.current_trace())
        return fnp.sum(fnp.exp(x) * x)

    grad(f)(np.ones(3))
    (trace,) = traces
    assert isinstance(trace, ad.VJPTrace)
    assert trace.tape == [] and not trace.alive


# ----------------------------------------------------------------------------------------------
# Thread safety.


def test_grad_from_eight_threads_matches_serial():
    barrier = threading.Barrier(8)

    def f(x, wait):
        if wait:
            barrier.wait(timeout=30)  # all 8 threads are inside their own grad at once
        y = x
        for _ in range(200):
            y = fnp.sin(y) * 1.01 + x * 0.01
        if wait:
            barrier.wait(timeout=30)
        return fnp.sum(y**2)

    inputs = [np.linspace(0.0, 1.0, 5) + i for i in range(8)]
    serial = [grad(f)(x, False) for x in inputs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda x: grad(f)(x, True), inputs))
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)
    assert len({float(g[0]) for g in serial}) == 8  # the inputs really differ


def test_tracing_in_one_thread_does_not_capture_another():
    inside = threading.Event()
    release = threading.Event()

    def slow(x):
        inside.set()
        release.wait(timeout=30)
        return x * 2

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(funcad.make_jaxpr(slow), 1.0)
        assert inside.wait(timeout=30)
        try:
            value = fnp.sin(np.float64(1.0))  # the other thread is tracing abstractly
        finally:
            release.set()
        closed = future.result()
    assert not isinstance(value, Tracer) and value == np.sin(1.0)
    assert len(closed.eqns) == 1


# ----------------------------------------------------------------------------------------------
# NumPy interop.


def test_numpy_functions_dispatch_inside_grad():
    x = np.array([0.1, 0.5, 2.0])

    def f(t):
        return np.sum(np.sin(t)) + np.sum(t * np.ones(3)) + np.ones(3) @ (t**2) + np.mean(t)

    want = np.cos(x) + 1.0 + 2 * x + 1.0 / 3
    np.testing.assert_allclose(grad(f)(x), want)
    np.testing.assert_allclose(grad(lambda t: np.dot(t, t))(x), 2 * x)
    np.testing.assert_allclose(grad(lambda t: np.sum(np.ones(3) * t * 2.0))(x), 2.0)
    np.testing.assert_allclose(
        grad(lambda t: np.sum(np.exp(t) / np.maximum(t, 0.3)))(x),
        np.exp(x) / np.maximum(x, 0.3) - np.exp(x) / x**2 * (x > 0.3),
    )


def test_vjp_with_an_integer_argument_before_a_float_one():
    """Input leaf i is tape node i even when an earlier leaf has no derivative."""
    _, f_vjp = vjp(lambda i, x, y: x * 2.0 + y * i, 3, 5.0, np.float64(7.0))
    cotangent_i, cotangent_x, cotangent_y = f_vjp(1.0)
    assert cotangent_i.dtype == funcad.float0
    assert cotangent_x == 2.0 and cotangent_y == 3.0
    g = grad(lambda d: d["x"] * d["y"], argnums=0)
    assert g({"x": 3.0, "y": 2.0}) == {"x": 2.0, "y": 3.0}
