"""Every error funcad promises, with the content of its message.

Errors are part of the interface: each test checks the exception type and that the message
names the argument or operation, what was expected, what was found, and the fix.
"""

from __future__ import annotations

import math
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import funcad
import funcad.numpy as fnp
from funcad import grad, make_jaxpr, value_and_grad, vjp
from funcad.test_util import check_grads

# ----------------------------------------------------------------------------------------------
# grad's inputs and outputs.


@pytest.mark.parametrize("transform", [grad, value_and_grad])
def test_non_scalar_output(transform):
    with pytest.raises(TypeError) as info:
        transform(lambda x: x * 2.0)(np.ones((2, 3)))
    message = str(info.value)
    assert "(2, 3)" in message
    assert "vjp" in message and "jacrev" in message


def test_pytree_output_points_to_vjp_and_has_aux():
    with pytest.raises(TypeError, match="vjp") as info:
        grad(lambda x: (x, x * 2))(1.0)
    assert "has_aux" in str(info.value)


def test_non_float_output():
    with pytest.raises(TypeError, match="int64"):
        grad(lambda x: (x > 0).astype(np.int64).sum())(np.ones(2))


@pytest.mark.parametrize(
    "value, dtype_name",
    [(1, "int64"), (True, "bool"), (np.arange(3), "int64"), (np.int32(4), "int32"),
     (np.array([True, False]), "bool")],
)
def test_integer_or_bool_argument(value, dtype_name):
    with pytest.raises(TypeError) as info:
        grad(lambda x, y: fnp.sum(x * 1.0) * y, argnums=0)(value, 2.0)
    message = str(info.value)
    assert "argument 0" in message
    assert dtype_name in message
    assert "float" in message  # the fix: pass a float


def test_integer_argument_named_by_position():
    with pytest.raises(TypeError, match=r"argument 1\b.*int64"):
        grad(lambda x, n: x * n, argnums=(0, 1))(2.0, 3)
    # Not differentiated: integer arguments are fine.
    assert grad(lambda x, n: x * n)(2.0, 3) == 3.0


def test_integer_leaf_inside_pytree_argument():
    with pytest.raises(TypeError, match=r"argument 0.*int64"):
        grad(lambda p: p["w"] * p["n"])({"w": 2.0, "n": 3})


@pytest.mark.parametrize("argnums", [1, -2, (0, 1), (0, 5)])
def test_argnums_out_of_range(argnums):
    with pytest.raises(ValueError, match="out of range") as info:
        grad(lambda x: x * 2.0, argnums=argnums)(1.0)
    assert "1 positional argument" in str(info.value)


def test_argnums_repeated_is_rejected():
    # Differentiating the same argument twice must not silently give a zero gradient.
    try:
        result = grad(lambda x: x * x, argnums=(0, 0))(3.0)
    except ValueError as err:
        assert "argnums" in str(err)
    else:
        assert result == (6.0, 6.0)


def test_has_aux_without_pair():
    with pytest.raises(TypeError, match="has_aux"):
        grad(lambda x: x * 2.0, has_aux=True)(1.0)


# ----------------------------------------------------------------------------------------------
# Cotangents passed to f_vjp.


def vjp_of_dict_output():
    return vjp(lambda x, y: {"a": x * y, "b": (fnp.sin(x), None)}, np.ones(3), 2.0)


def test_cotangent_wrong_shape():
    _, f_vjp = vjp_of_dict_output()
    with pytest.raises(ValueError) as info:
        f_vjp({"a": np.ones(2), "b": (np.ones(3), None)})
    message = str(info.value)
    assert "expected f64[3]" in message and "got f64[2]" in message


def test_cotangent_wrong_dtype():
    _, f_vjp = vjp_of_dict_output()
    with pytest.raises(ValueError, match=r"expected f64\[3\].*got f32\[3\]"):
        f_vjp({"a": np.ones(3, np.float32), "b": (np.ones(3), None)})
    with pytest.raises(ValueError, match=r"expected f64\[3\].*got i64\[3\]"):
        f_vjp({"a": np.ones(3, np.int64), "b": (np.ones(3), None)})


def test_cotangent_wrong_structure():
    _, f_vjp = vjp_of_dict_output()
    with pytest.raises(ValueError, match="structure") as info:
        f_vjp({"a": np.ones(3)})
    message = str(info.value)
    assert "expected" in message and "got" in message
    assert "'b'" in message  # the expected structure is shown
    with pytest.raises(ValueError, match="structure"):
        f_vjp([np.ones(3), np.ones(3)])


def test_scalar_cotangent_shape():
    _, f_vjp = vjp(lambda x: x * 2.0, 1.0)
    assert f_vjp(1.0) == (2.0,)  # a Python scalar is fine
    with pytest.raises(ValueError, match=r"expected f64\[\].*got f64\[1\]"):
        f_vjp(np.ones(1))


# ----------------------------------------------------------------------------------------------
# Mutation and the .at[] updates.


def test_setitem_on_tracer_points_to_at():
    def f(x):
        x[0] = 1.0
        return fnp.sum(x)

    with pytest.raises(TypeError, match=re.escape(".at[")):
        grad(f)(np.ones(3))
    with pytest.raises(TypeError, match=re.escape(".at[")):
        make_jaxpr(f)(np.ones(3))


def _store_element(x):
    buf = np.zeros(3)
    buf[0] = x  # NumPy sees the tracer as a sequence
    return fnp.sum(buf)


def _store_slice(x):
    buf = np.zeros(3)
    buf[:2] = x  # NumPy asks the tracer for an array
    return fnp.sum(buf)


@pytest.mark.parametrize("transform", [
    grad, funcad.jit, lambda f: funcad.vmap(f), lambda f: (lambda x: funcad.jvp(f, (x,), (x,))),
    lambda f: (lambda x: funcad.linearize(f, x)),
], ids=["grad", "jit", "vmap", "jvp", "linearize"])
def test_storing_a_tracer_into_a_numpy_array_explains_the_fix(transform):
    x = np.ones(2) if transform is not grad else 1.0
    with pytest.raises(funcad.errors.TracerArrayAssignmentError) as info:
        transform(_store_element)(x)
    message = str(info.value)
    assert "buf[i] = x" in message and "fnp.stack" not in message
    assert "funcad.numpy.stack" in message and ".at[i].set(x)" in message
    assert isinstance(info.value, ValueError)  # what NumPy raised, explained


def test_storing_a_tracer_into_a_numpy_slice_explains_the_fix():
    for transform, kind in [(grad, TypeError), (funcad.jit, TypeError)]:
        with pytest.raises(kind, match=re.escape("buf[i:j] = x")):
            transform(_store_slice)(np.ones(2) if transform is grad else np.ones(2))


def test_other_value_errors_pass_through_unchanged():
    def f(x):
        raise ValueError("setting the answer to 42")

    with pytest.raises(ValueError, match="^setting the answer to 42$"):
        grad(f)(1.0)


def test_at_updates_values():
    x = np.arange(4.0)
    np.testing.assert_array_equal(fnp.at(x)[1].set(9.0), [0.0, 9.0, 2.0, 3.0])
    np.testing.assert_array_equal(fnp.at(x)[1:3].add(1.0), [0.0, 2.0, 3.0, 3.0])
    np.testing.assert_array_equal(fnp.at(x)[np.array([0, 3])].multiply(2.0), [0.0, 1.0, 2.0, 6.0])
    np.testing.assert_array_equal(x, np.arange(4.0))  # the input is not mutated


def test_at_updates_differentiate():
    x = np.arange(1.0, 5.0)
    # set: the overwritten entry gets no gradient from x, the value gets it instead.
    g = grad(lambda x: fnp.sum(x.at[1].set(5.0) * x))(x)
    np.testing.assert_allclose(g, [2.0, 5.0, 6.0, 8.0])
    g_value = grad(lambda v: fnp.sum(fnp.at(fnp.ones(4))[2].set(v) * x))(2.0)
    assert g_value == x[2]
    # add: d/dx sum((x with x[0] added at 1)^2)
    g = grad(lambda x: fnp.sum(x.at[1].add(x[0]) ** 2))(x)
    np.testing.assert_allclose(g, [2 * 1 + 2 * (2 + 1), 2 * 3.0, 6.0, 8.0])
    # multiply: sum(x with x[1] *= x[3]) -> d/dx1 = x3, d/dx3 = 1 + x1
    g = grad(lambda x: fnp.sum(x.at[1].multiply(x[3])))(x)
    np.testing.assert_allclose(g, [1.0, 4.0, 1.0, 3.0])
    check_grads(lambda x: fnp.at(x)[1:3].multiply(x[:2]), (x,), order=2)


# ----------------------------------------------------------------------------------------------
# Leaked tracers.


def leak_from(transform):
    store = []

    def f(x):
        store.append(x)
        return x * 2.0

    transform(f)(1.0)
    return store[0]


@pytest.mark.parametrize(
    "use",
    [lambda t: t * 2, lambda t: fnp.sin(t), lambda t: np.sin(t), lambda t: t + np.ones(2),
     lambda t: grad(lambda y: y * t)(1.0), lambda t: make_jaxpr(lambda y: y * t)(1.0),
     lambda t: vjp(lambda y: y, t), lambda t: bool(t > 0)],
    ids=["mul", "fnp.sin", "np.sin", "add_array", "inside_grad", "inside_make_jaxpr",
         "as_vjp_primal", "comparison"],
)
def test_leaked_grad_tracer(use):
    leaked = leak_from(grad)
    with pytest.raises(funcad.UnexpectedTracerError, match="funcad.grad") as info:
        use(leaked)
    assert "already returned" in str(info.value)


@pytest.mark.parametrize(
    "use", [bool, float, int, lambda t: t.item(), math.sin], ids=["bool", "float", "int", "item",
                                                                  "math.sin"]
)
@pytest.mark.parametrize("transform", [grad, make_jaxpr], ids=["grad", "make_jaxpr"])
def test_leaked_tracer_python_conversion(transform, use):
    # A leaked tracer must fail as leaked, not as a (misleading) concretization error or,
    # worse, silently hand back its stale value.
    leaked = leak_from(transform)
    with pytest.raises(funcad.UnexpectedTracerError, match=f"funcad.{transform.__name__}"):
        use(leaked)


def test_leaked_make_jaxpr_tracer():
    leaked = leak_from(make_jaxpr)
    with pytest.raises(funcad.UnexpectedTracerError, match="funcad.make_jaxpr"):
        leaked * 2
    with pytest.raises(funcad.UnexpectedTracerError, match="funcad.make_jaxpr"):
        grad(lambda x: leaked * x)(1.0)
    with pytest.raises(funcad.UnexpectedTracerError, match="funcad.make_jaxpr"):
        make_jaxpr(lambda x: leaked)(1.0)


def test_tracer_leaked_from_inner_grad_into_outer():
    def outer(x):
        inner_store = []

        def inner(y):
            inner_store.append(y)
            return y * x

        grad(inner)(1.0)
        return inner_store[0] * x

    with pytest.raises(funcad.UnexpectedTracerError, match="funcad.grad"):
        grad(outer)(2.0)


def test_leaked_vjp_tracer():
    leaked = leak_from(lambda f: (lambda x: vjp(f, x)))
    with pytest.raises(funcad.UnexpectedTracerError, match="funcad.vjp"):
        fnp.exp(leaked)


def test_tracer_used_from_another_thread():
    inside = threading.Event()
    release = threading.Event()
    store = []

    def f(x):
        store.append(x)
        inside.set()
        release.wait(timeout=30)
        return x * 2.0

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(grad(f), 1.0)
        assert inside.wait(timeout=30)
        try:
            # The trace is alive in its own thread, but not here.
            with pytest.raises(funcad.UnexpectedTracerError, match="not active"):
                fnp.sin(store[0])
        finally:
            release.set()
        assert future.result() == 2.0


# ----------------------------------------------------------------------------------------------
# NumPy functions funcad does not implement.


@pytest.mark.parametrize("transform", [grad, make_jaxpr], ids=["grad", "make_jaxpr"])
def test_unimplemented_numpy_function(transform):
    with pytest.raises(funcad.NotImplementedForTracerError) as info:
        transform(lambda x: np.lib.stride_tricks.sliding_window_view(x, 2).sum())(np.ones(4))
    message = str(info.value)
    assert "numpy.sliding_window_view" in message
    assert "not differentiable by funcad yet" in message
    assert isinstance(info.value, TypeError)


def test_unimplemented_ufunc_method():
    with pytest.raises(funcad.NotImplementedForTracerError, match=r"numpy\.add\.outer"):
        grad(lambda x: np.add.outer(x, x).sum())(np.ones(2))


# ----------------------------------------------------------------------------------------------
# Converting an abstract tracer to a Python value (make_jaxpr).


def branch_on_value(x):
    if x > 0:
        return x
    return -x


@pytest.mark.parametrize(
    "fun, operation",
    [(bool, "bool()"), (branch_on_value, "bool()"), (float, "float()"), (int, "int()"),
     (math.sin, "float()"), (lambda t: range(t), "index"), (lambda t: t.item(), "item()"),
     (lambda t: np.asarray(t), "numpy.asarray()")],
    ids=["bool", "if", "float", "int", "math.sin", "range", "item", "np.asarray"],
)
def test_concretization_under_make_jaxpr(fun, operation):
    with pytest.raises(funcad.ConcretizationTypeError) as info:
        make_jaxpr(fun)(1.0)
    message = str(info.value)
    assert operation in message
    assert "static_argnums" in message
    assert "f64[]" in message or "bool[]" in message  # the traced value's type
    assert isinstance(info.value, TypeError)


def test_static_argnums_is_the_fix():
    closed = make_jaxpr(lambda x, n: x**2 if n > 0 else x, static_argnums=1)(1.0, 3)
    assert "integer_pow" in str(closed)


def test_concretization_under_make_jaxpr_of_grad():
    # Inside grad inside make_jaxpr the primal is abstract: bool() cannot be decided.
    with pytest.raises(funcad.ConcretizationTypeError, match="bool()"):
        make_jaxpr(grad(branch_on_value))(1.0)


# ----------------------------------------------------------------------------------------------
# Converting a tracer to a Python number inside grad drops its derivative (funcad's choice).


@pytest.mark.parametrize(
    "fun, operation",
    [(lambda t: float(t) * t, "float()"), (lambda t: math.sin(t) * t, "float()"),
     (lambda t: np.asarray(t) * t, "numpy.asarray()"), (lambda t: complex(t).real * t,
                                                         "complex()"),
     (lambda t: t.item() * t, "item()")],
    ids=["float", "math.sin", "np.asarray", "complex", "item"],
)
def test_derivative_drop_inside_grad(fun, operation):
    with pytest.raises(funcad.DerivativeDropError) as info:
        grad(fun)(2.0)
    message = str(info.value)
    assert operation in message
    assert "grad" in message
    assert "drop" in message and "derivative" in message
    assert "stop_gradient" in message  # the way to say "I mean it"
    assert isinstance(info.value, funcad.FuncadError)


def test_piecewise_constant_conversions_work_inside_grad():
    assert grad(lambda t: t * 2.0 if bool(t > 1) else t)(2.0) == 2.0
    assert grad(lambda t: t * int(t))(2.5) == 2.0
    assert grad(lambda t: t * [1.0, 5.0, 7.0][t.astype(int)])(1.0) == 5.0
    assert grad(lambda t: float(funcad.stop_gradient(t)) * t)(3.0) == 3.0


# ----------------------------------------------------------------------------------------------
# Error classes.


def test_error_hierarchy():
    assert issubclass(funcad.ConcretizationTypeError, TypeError)
    assert issubclass(funcad.DerivativeDropError, TypeError)
    assert issubclass(funcad.NotImplementedForTracerError, TypeError)
    assert issubclass(funcad.UnexpectedTracerError, TypeError)  # (as JAX's is)
    for cls in (funcad.ConcretizationTypeError, funcad.DerivativeDropError,
                funcad.NotImplementedForTracerError, funcad.UnexpectedTracerError):
        assert issubclass(cls, funcad.FuncadError)


# ----------------------------------------------------------------------------------------------
# make_jaxpr's arguments.


@pytest.mark.parametrize("static", [2, -3, (0, 5)])
def test_static_argnums_out_of_range(static):
    # Out of range must not silently wrap around to another argument (5 % 2 == 1).
    with pytest.raises(ValueError, match="static_argnums") as info:
        make_jaxpr(lambda x, n: x * n, static_argnums=static)(1.0, 3)
    assert "2 positional arguments" in str(info.value)


def test_make_jaxpr_rejects_non_array_argument():
    with pytest.raises(TypeError, match="not a valid funcad array"):
        make_jaxpr(lambda s: s)("text")


def test_boolean_mask_under_jit_names_the_shape_preserving_fixes():
    with pytest.raises(funcad.errors.ConcretizationTypeError) as info:
        funcad.jit(lambda x: fnp.sum(x[x > 0]))(np.ones(3))
    message = str(info.value)
    assert "x[mask]" in message and "fnp.where(mask, x, 0)" in message
    assert "size=" in message
    # with concrete values (grad) the mask just works
    np.testing.assert_array_equal(grad(lambda x: fnp.sum(x[x > 0] ** 2))(np.array([1.0, -1.0])),
                                  [2.0, 0.0])
