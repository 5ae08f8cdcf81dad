"""Tests for the IR (funcad/core.py) and abstract tracing (funcad/tracing.py, make_jaxpr).

The printed listing, re-evaluation with eval_jaxpr, captured constants, the IR of a gradient,
pytrees, ShapeDtypeStruct and static_argnums, and differentiating a re-evaluated IR.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcad
import funcad.numpy as fnp
from funcad import ShapeDtypeStruct, eval_jaxpr, grad, make_jaxpr, vjp
from funcad.core import ClosedJaxpr, Literal, Var


def tutorial_f(x):
    return 2 * fnp.sin(x**3) ** 2


def tutorial_df(x):
    return 12 * x**2 * np.cos(x**3) * np.sin(x**3)


def primitive_names(closed):
    return [eqn.primitive.name for eqn in closed.eqns]


# ----------------------------------------------------------------------------------------------
# The listing.


def test_tutorial_listing():
    closed = make_jaxpr(tutorial_f)(10.0)
    assert isinstance(closed, ClosedJaxpr)
    text = str(closed)
    assert text.startswith("{ lambda ; a:f64[]. let")
    assert "b:f64[] = integer_pow[y=3] a" in text
    assert "c:f64[] = sin b" in text
    assert "d:f64[] = integer_pow[y=2] c" in text
    assert re.search(r"e:f64\[\] = mul 2(\.0)? d", text)
    assert text.rstrip().endswith("in (e,) }")
    assert primitive_names(closed) == ["integer_pow", "sin", "integer_pow", "mul"]
    assert closed.consts == []
    assert repr(closed) == text


def test_listing_types_shapes_and_multiple_outputs():
    closed = make_jaxpr(lambda x, y: (x @ y, fnp.sum(x, axis=1)))(
        np.ones((2, 3), np.float32), np.ones((3, 4), np.float32)
    )
    text = str(closed)
    assert "{ lambda ; a:f32[2,3] b:f32[3,4]. let" in text
    assert ":f32[2,4] =" in text and ":f32[2] = reduce_sum[axes=(1,)] a" in text
    assert re.search(r"in \([a-z]+, [a-z]+\) }$", text.rstrip())
    assert [a.shape for a in closed.out_avals] == [(2, 4), (2,)]
    assert [a.dtype for a in closed.out_avals] == [np.float32, np.float32]


def test_listing_of_integer_and_bool_values():
    text = str(make_jaxpr(lambda n, x: (n + 1, x > 0))(np.int32(2), 1.0))
    assert "a:i32[]" in text and "i32[] = add a 1" in text
    assert re.search(r"[a-z]+:bool\[\] = gt b 0", text)


def test_identity_and_constant_outputs():
    assert str(make_jaxpr(lambda x: x)(1.0)).rstrip().endswith("in (a,) }")
    closed = make_jaxpr(lambda x: 1.5)(1.0)
    assert closed.eqns == [] and eval_jaxpr(closed.jaxpr, closed.consts, 3.0) == [1.5]


def test_vars_and_literals_are_typed():
    closed = make_jaxpr(lambda x: x * 2.0 + 1.0)(np.ones(3, np.float32))
    mul = closed.eqns[0]
    assert isinstance(mul.invars[0], Var) and isinstance(mul.invars[1], Literal)
    assert mul.outvars[0].aval.shape == (3,) and mul.outvars[0].aval.dtype == np.float32
    assert closed.in_avals[0].str_short() == "f32[3]"


# ----------------------------------------------------------------------------------------------
# Re-evaluation.


def test_eval_jaxpr_reproduces_tutorial_values():
    closed = make_jaxpr(tutorial_f)(10.0)  # traced once, at 10
    for x in (10.0, 5.0, 3.0):
        (value,) = eval_jaxpr(closed.jaxpr, closed.consts, x)
        np.testing.assert_allclose(value, 2 * np.sin(x**3) ** 2, rtol=1e-12)
        (called,) = closed(x)
        assert called == value
        (from_closed,) = eval_jaxpr(closed, closed.consts, x)
        assert from_closed == value


@given(st.floats(-3, 3), st.floats(-3, 3))
def test_eval_jaxpr_matches_function(x, y):
    def f(x, y):
        return fnp.cos((x**2 + fnp.sin(y)) * x) + fnp.exp(y) / (1 + x**2)

    closed = make_jaxpr(f)(0.0, 0.0)
    (value,) = eval_jaxpr(closed.jaxpr, closed.consts, x, y)
    np.testing.assert_allclose(value, f(x, y), rtol=1e-12)


def test_eval_jaxpr_checks_argument_counts():
    closed = make_jaxpr(lambda x: x * np.arange(3.0))(np.ones(3))
    with pytest.raises(ValueError, match="1 inputs but 2"):
        eval_jaxpr(closed.jaxpr, closed.consts, np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="1 constants but 0"):
        eval_jaxpr(closed.jaxpr, [], np.ones(3))


# ----------------------------------------------------------------------------------------------
# Constants.


def test_array_constants_become_constvars():
    weights = np.arange(3.0)
    closed = make_jaxpr(lambda x: x * weights + weights)(np.ones(3))
    text = str(closed)
    assert text.startswith("{ lambda a:f64[3]; b:f64[3]. let")
    assert len(closed.jaxpr.constvars) == 1  # one array used twice is captured once
    assert closed.consts[0] is weights
    np.testing.assert_allclose(closed(np.full(3, 2.0))[0], 2 * weights + weights)
    np.testing.assert_allclose(
        eval_jaxpr(closed.jaxpr, [np.ones(3)], np.full(3, 2.0))[0], np.full(3, 3.0)
    )


def test_scalar_constants_are_literals():
    closed = make_jaxpr(lambda x: x * 3.5)(1.0)
    assert closed.jaxpr.constvars == [] and "mul a 3.5" in str(closed)


def test_constant_array_output():
    table = np.arange(4.0)
    closed = make_jaxpr(lambda x: table)(1.0)
    assert closed.eqns == []
    np.testing.assert_array_equal(closed(0.0)[0], table)


# ----------------------------------------------------------------------------------------------
# The IR of a gradient.


def test_make_jaxpr_of_grad_shows_backward_pass():
    closed = make_jaxpr(grad(tutorial_f))(10.0)
    names = primitive_names(closed)
    # The forward equations, then the backward pass: sin's derivative cos and the products
    # of the chain rule.
    assert names[:2] == ["integer_pow", "sin"]
    assert "cos" in names
    assert names.index("cos") > names.index("sin")
    assert names.count("mul") >= 3
    assert "cos" in str(closed)
    for x in (10.0, 5.0, 3.0):
        (value,) = closed(x)
        np.testing.assert_allclose(value, tutorial_df(x), rtol=1e-12)


def test_make_jaxpr_of_grad_of_grad():
    closed = make_jaxpr(grad(grad(lambda x: x**3 * fnp.sin(x))))(1.0)
    for x in (0.3, 1.0, 2.0):
        want = 6 * x * np.sin(x) + 6 * x**2 * np.cos(x) - x**3 * np.sin(x)
        np.testing.assert_allclose(closed(x)[0], want, rtol=1e-12)


def test_make_jaxpr_of_vjp():
    def f(x):
        out, f_vjp = vjp(lambda y: fnp.sin(y) * y, x)
        return out, f_vjp(np.ones_like(x))[0]

    closed = make_jaxpr(f)(ShapeDtypeStruct((3,), np.float64))
    x = np.array([0.1, 1.0, 2.0])
    out, cotangent = closed(x)
    np.testing.assert_allclose(out, np.sin(x) * x)
    np.testing.assert_allclose(cotangent, np.cos(x) * x + np.sin(x))


# ----------------------------------------------------------------------------------------------
# Pytrees, ShapeDtypeStruct, static_argnums.


def test_pytree_inputs_and_outputs():
    def f(params, extras):
        return {"y": params["w"] * extras[0] + params["b"], "n": (extras[1] * 2,)}

    params = {"w": np.ones(2, np.float32), "b": np.float32(0.5)}
    closed, shapes = make_jaxpr(f, return_shape=True)(params, (3.0, np.int64(4)))
    # Leaves in flattening order: params["b"], params["w"], extras[0], extras[1].
    assert [a.str_short() for a in closed.in_avals] == ["f32[]", "f32[2]", "f64[]", "i64[]"]
    assert shapes["y"].shape == (2,) and shapes["n"][0].dtype == np.int64
    out = closed(np.float32(1.0), np.array([1.0, 2.0], np.float32), 10.0, np.int64(5))
    # Outputs in flattening order: "n" then "y".
    assert out[0] == 10
    np.testing.assert_allclose(out[1], [11.0, 21.0])


def test_shape_dtype_struct_inputs():
    closed = make_jaxpr(lambda x, y: fnp.sum(x * y, axis=0))(
        ShapeDtypeStruct((2, 3), np.float32), ShapeDtypeStruct((3,), np.float32)
    )
    assert "{ lambda ; a:f32[2,3] b:f32[3]. let" in str(closed)
    assert closed.out_avals[0].str_short() == "f32[3]"
    x, y = np.ones((2, 3), np.float32), np.arange(3, dtype=np.float32)
    np.testing.assert_allclose(closed(x, y)[0], np.sum(x * y, axis=0))


@pytest.mark.parametrize("static", [1, -1, (1,)])
def test_static_argnums(static):
    def power(x, n):
        if n > 1:
            return x**n
        return x

    closed = make_jaxpr(power, static_argnums=static)(2.0, 3)
    assert len(closed.in_avals) == 1
    assert "integer_pow[y=3]" in str(closed)
    assert closed(2.0) == [8.0]
    assert primitive_names(make_jaxpr(power, static_argnums=static)(2.0, 1)) == []


# ----------------------------------------------------------------------------------------------
# Differentiating a re-evaluated IR.


@pytest.mark.parametrize("x", [10.0, 5.0, 3.0])
def test_grad_of_eval_jaxpr(x):
    closed = make_jaxpr(tutorial_f)(1.0)
    g = grad(lambda x: eval_jaxpr(closed.jaxpr, closed.consts, x)[0])(x)
    np.testing.assert_allclose(g, tutorial_df(x), rtol=1e-12)


def test_grad_of_eval_jaxpr_with_constants_and_arrays():
    weights = np.array([1.0, -2.0, 0.5])
    closed = make_jaxpr(lambda x: fnp.sum(fnp.tanh(x * weights)))(np.zeros(3))
    x = np.array([0.3, 0.1, -0.7])
    g = grad(lambda x: closed(x)[0])(x)
    np.testing.assert_allclose(g, weights * (1 - np.tanh(x * weights) ** 2))
    # Differentiating with respect to the captured constant as well.
    g_weights = grad(lambda w: eval_jaxpr(closed.jaxpr, [w], x)[0])(weights)
    np.testing.assert_allclose(g_weights, x * (1 - np.tanh(x * weights) ** 2))


def test_grad_of_eval_of_gradient_ir():
    gradient_ir = make_jaxpr(grad(tutorial_f))(1.0)
    second = grad(lambda x: gradient_ir(x)[0])(3.0)
    want = 12 * 3.0 * np.sin(2 * 27.0) + 36 * 3.0**4 * np.cos(2 * 27.0)
    np.testing.assert_allclose(second, want, rtol=1e-10)


def test_make_jaxpr_closing_over_grad_tracer():
    # The outer grad's tracer is a constant of the inner IR, and still differentiates.
    def f(x):
        closed = make_jaxpr(lambda y: y * x)(1.0)
        return closed(2.0)[0]

    assert grad(f)(3.0) == 2.0


def test_make_jaxpr_does_not_leave_a_trace_active():
    make_jaxpr(tutorial_f)(1.0)
    assert funcad.core.current_trace() is funcad.core.EVAL_TRACE
    with pytest.raises(ZeroDivisionError):
        make_jaxpr(lambda x: 1 / 0)(1.0)
    assert funcad.core.current_trace() is funcad.core.EVAL_TRACE


def test_make_jaxpr_traces_keyword_arguments():
    """As in JAX, keyword arguments are inputs of the IR, after the positional ones."""
    closed = make_jaxpr(lambda x, y=2.0: fnp.sin(x) * y)(3.0, y=np.float32(4.0))
    assert len(closed.jaxpr.invars) == 2
    assert [v.aval.dtype for v in closed.jaxpr.invars] == [np.float64, np.float32]
    np.testing.assert_allclose(eval_jaxpr(closed.jaxpr, closed.consts, 3.0, 4.0),
                               [np.sin(3.0) * 4.0])
    closed = make_jaxpr(lambda n, x, y: x * n + y, static_argnums=0)(3, 1.0, y=2.0)
    assert len(closed.jaxpr.invars) == 2 and "mul" in str(closed)
