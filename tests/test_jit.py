"""Tests of ``funcad.jit``: compiled results equal the eager function's, the per-signature
cache, static arguments and their errors, compositions with every other transformation in
every order, control-flow errors, ``lower()``, re-trace logging, the memory released by the
generated code, scalars written into the expressions that read them, and a 20,000-step
chain.

Compiled functions follow one contract that the eager path gives for free: a call never
mutates its arguments, and the arrays it returns are its own: no output shares memory with an
argument, with a constant of the function, with another output or with a later call's result,
and every output array is writable. The generated code reuses buffers (``out=``) and the
optimiser returns inputs, constants and common subexpressions, so this is tested on random
programs rich in exactly those.
"""

from __future__ import annotations

import gc
import itertools
import logging
import os
import subprocess
import sys
import time
import tracemalloc
import weakref

import numpy as np
import pytest
import strategies as S
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import funcad
import funcad.numpy as fnp
from funcad import (
    ConcretizationTypeError,
    grad,
    hessian,
    jit,
    jvp,
    linearize,
    make_jaxpr,
    tree_util,
    value_and_grad,
    vmap,
)

# ----------------------------------------------------------------------------------------------
# Comparison helpers.


def assert_trees_close(got, want, rtol=None):
    got_leaves, got_tree = tree_util.tree_flatten(got)
    want_leaves, want_tree = tree_util.tree_flatten(want)
    assert got_tree == want_tree, (got_tree, want_tree)
    for g, w in zip(got_leaves, want_leaves):
        assert not isinstance(g, funcad.core.Tracer), g
        ga, wa = np.asarray(g), np.asarray(w)
        assert ga.shape == wa.shape, (ga.shape, wa.shape)
        assert ga.dtype == wa.dtype, (ga.dtype, wa.dtype)
        tol = rtol if rtol is not None else (1e-5 if ga.dtype == np.float32 else 1e-12)
        np.testing.assert_allclose(ga, wa, rtol=tol, atol=tol, equal_nan=True)


def array_leaves(tree):
    return [leaf for leaf in tree_util.tree_leaves(tree) if isinstance(leaf, np.ndarray)]


def assert_owns_outputs(args, outs):
    """The outputs are writable arrays sharing memory with no argument and no other output."""
    out_arrays = array_leaves(outs)
    in_arrays = array_leaves(args)
    for i, out in enumerate(out_arrays):
        assert out.flags.writeable, f"output {i} is read-only"
        for j, arg in enumerate(in_arrays):
            assert not np.shares_memory(out, arg), f"output {i} shares memory with argument {j}"
        for j, other in enumerate(out_arrays[:i]):
            assert not np.shares_memory(out, other), f"outputs {j} and {i} share memory"


def scribble(tree):
    """Overwrite every output array (what a user may do with results they own)."""
    for leaf in array_leaves(tree):
        if leaf.size:
            leaf[...] = 12345


def check_jit_matches(f, *args, rtol=None):
    """jit(f)(*args) == f(*args); no argument mutated; outputs owned; results of a later
    call unaffected by scribbling over earlier outputs; one trace for two calls."""
    want = f(*args)
    originals = tree_util.tree_map(lambda a: np.array(a, copy=True), args)
    jf = jit(f)
    got = jf(*args)
    assert_trees_close(got, want, rtol)
    assert_trees_close(args, originals, 0)  # arguments untouched
    assert_owns_outputs(args, got)
    scribble(got)
    again = jf(*args)
    assert_trees_close(again, want, rtol)
    assert_trees_close(args, originals, 0)
    assert jf.trace_count == 1
    return jf


# ----------------------------------------------------------------------------------------------
# Random programs over funcad.numpy.
#
# Every value of a program broadcasts against every other (the two inputs have mutually
# broadcastable shapes; elementwise ops and keepdims reductions preserve that), so any op may
# combine any two earlier values. Long elementwise chains on arrays are where the generated
# code reuses buffers; ``x * 1``, ``x + 0``, repeated subexpressions and constants are what the
# optimiser rewrites into outputs that are inputs, constants or each other.

UNARY = {
    "sin": fnp.sin,
    "tanh": fnp.tanh,
    "neg": fnp.negative,
    "square": lambda v: v * v,
    "abs": fnp.abs,
    "exp_tanh": lambda v: fnp.exp(fnp.tanh(v)),
    "log1p_sq": lambda v: fnp.log1p(v * v),
    "times_one": lambda v: v * 1.0,
    "plus_zero": lambda v: v + 0.0,
    "times_two": lambda v: 2.0 * v,
    "reversed": lambda v: v[::-1] if fnp.ndim(v) else v,  # a view, same shape
    "roundtrip": lambda v: fnp.reshape(fnp.reshape(v, (-1,)), fnp.shape(v)),
    "transpose_twice": lambda v: fnp.transpose(fnp.transpose(v)),
    "sum_keepdims": lambda v: fnp.sum(v, axis=-1, keepdims=True) if fnp.ndim(v) else v,
    "max_keepdims": lambda v: fnp.max(v, axis=0, keepdims=True) if fnp.ndim(v) else v,
    "mean_keepdims": lambda v: fnp.mean(v, axis=0, keepdims=True) if fnp.ndim(v) else v,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (1.0 + b * b),
    "maximum": fnp.maximum,
    "where": lambda a, b: fnp.where(a > b, a, b),
}
VIEWS = {
    "self": lambda v: v,
    "ravel": lambda v: fnp.reshape(v, (-1,)),
    "T": lambda v: fnp.transpose(v),
    "reversed": lambda v: v[::-1] if fnp.ndim(v) else v,
    "sum": fnp.sum,
}


@st.composite
def programs(draw):
    shape_x, shape_y = draw(S.broadcastable_shapes(2, min_dims=0, max_dims=3)).input_shapes
    dtype_x = draw(S.floating_dtypes())
    dtype_y = draw(S.floating_dtypes())
    x = draw(S.arrays(shape_x, dtype=dtype_x))
    y = draw(S.arrays(shape_y, dtype=dtype_y))
    const = np.asarray(draw(S.arrays(shape_y)))
    steps = draw(st.lists(
        st.one_of(
            st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY)), st.integers(0, 99)),
            st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)), st.integers(0, 99),
                      st.integers(0, 99)),
            st.tuples(st.just("const"), st.sampled_from(["closure", "ones"]),
                      st.integers(0, 99)),
        ), min_size=1, max_size=12))
    outputs = draw(st.lists(st.tuples(st.sampled_from(sorted(VIEWS)), st.integers(0, 99)),
                            min_size=1, max_size=4))
    as_dict = draw(st.booleans())

    def program(x, y):
        pool = [x, y]
        for step in steps:
            kind, name, *picks = step
            args = [pool[i % len(pool)] for i in picks]
            if kind == "unary":
                pool.append(UNARY[name](args[0]))
            elif kind == "binary":
                pool.append(BINARY[name](args[0], args[1]))
            elif name == "closure":
                pool.append(args[0] * 0.5 + const)
            else:
                pool.append(fnp.ones(fnp.shape(args[0])) + 0.0 * args[0])
        outs = tuple(VIEWS[name](pool[i % len(pool)]) for name, i in outputs)
        return {"first": outs[0], "rest": outs[1:], "const": const} if as_dict else outs

    description = f"steps={steps} outputs={outputs} x:{x.dtype}{x.shape} y:{y.dtype}{y.shape}"
    return program, x, y, description


@given(programs())
def test_random_programs_match_eager(case):
    program, x, y, _description = case
    check_jit_matches(program, x, y)


@given(programs())
def test_random_programs_grad_match_eager(case):
    program, x, y, _description = case

    def loss(x, y):
        return sum(fnp.sum(fnp.sin(leaf)) for leaf in tree_util.tree_leaves(program(x, y)))

    want = grad(loss, argnums=(0, 1))(x, y)
    got = jit(grad(loss, argnums=(0, 1)))(x, y)
    assert_trees_close(got, want, rtol=1e-4 if np.float32 in (x.dtype, y.dtype) else 1e-10)
    assert_owns_outputs((x, y), got)


@given(hnp.arrays(np.float64, S.shapes(1, 2, 2, 5), elements=S.floats()))
def test_elementwise_chain_reuses_buffers_correctly(x):
    def chain(x):
        a = fnp.sin(x)
        b = a * x  # a dies here: its buffer may take b
        c = fnp.reshape(b, (-1,))  # a view of b, alive below: b's buffer must not be reused
        d = fnp.exp(b)
        e = d + fnp.reshape(c, fnp.shape(d))
        return e * 3.0 - d, c, fnp.tanh(e)

    jf = check_jit_matches(chain, x)
    assert "out=" in jf.lower(x).source


def test_outputs_are_fresh_arrays():
    c = np.linspace(0.0, 1.0, 3)
    cases = [
        lambda x: x,  # the argument itself
        lambda x: (x * 1.0, x + 0.0),  # simplified to the argument, twice
        lambda x: (fnp.sin(x), fnp.sin(x)),  # one subexpression, two outputs
        lambda x: (x, fnp.ones(3)),  # a constant (folded, or created at trace time)
        lambda x: (x + 1.0, c),  # a closed-over array
        lambda x: (fnp.transpose(c), fnp.reshape(x, (3, 1))),  # views of a constant and input
        lambda x: fnp.sin(x) * fnp.ones(3),  # simplified to broadcast_to: a read-only view
        lambda x: (x, np.array(2.0)),  # a 0-d constant
    ]
    for f in cases:
        check_jit_matches(f, np.arange(3.0))
    assert np.array_equal(c, np.linspace(0.0, 1.0, 3))


def test_python_scalar_arithmetic_follows_the_ir():
    # Two Python scalars combined by a primitive give a NumPy scalar (as eval_jaxpr and the
    # eager primitives do), whose dtype then decides later promotions.
    def f(x, a):
        return fnp.multiply(fnp.add(x, 1.0), a), -fnp.add(x, 2), fnp.square(fnp.add(x, x))

    a = np.ones(3, np.float32)
    for x in (2.0, 3):
        want = f(x, a)
        got = jit(f)(x, a)
        assert_trees_close(got, want)
        assert [np.asarray(g).dtype for g in got] == \
            [aval.dtype for aval in jit(f).lower(x, a).jaxpr.out_avals]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_dtypes_and_shapes_preserved(dtype):
    x = np.arange(6).reshape(2, 3).astype(dtype)
    check_jit_matches(lambda x: (x.T * 2, fnp.sum(x, axis=0), x[:, 1:], fnp.ones(2) > 0), x)


def test_pytree_arguments_and_outputs():
    def f(params, data):
        w, b = params["w"], params["b"]
        return {"out": [data @ w + b, None], "norm": (fnp.sum(w * w),)}

    params = {"w": np.ones((3, 2)), "b": np.zeros(2)}
    check_jit_matches(f, params, np.arange(6.0).reshape(2, 3))


def test_size_zero_and_scalar_arguments():
    check_jit_matches(lambda x, s: (fnp.sum(x) * s, x * s), np.zeros((0, 3)), 2.0)


# ----------------------------------------------------------------------------------------------
# The cache.


def test_same_signature_never_retraces():
    jf = jit(lambda x, y: x * y + 1.0)
    for _ in range(3):
        jf(np.ones(3), np.ones(3))
        jf(np.zeros(3), np.full(3, 7.0))
    assert jf.trace_count == 1


def test_new_shape_dtype_structure_retrace():
    jf = jit(lambda t: tree_util.tree_reduce(lambda a, b: a + b, t))
    jf((np.ones(3), np.ones(3)))
    assert jf.trace_count == 1
    jf((np.ones(4), np.ones(4)))  # shape
    assert jf.trace_count == 2
    jf((np.ones(4, np.float32), np.ones(4)))  # dtype
    assert jf.trace_count == 3
    jf([np.ones(4), np.ones(4)])  # structure: a list, not a tuple
    assert jf.trace_count == 4
    jf((np.ones(4), np.ones(4), np.ones(4)))  # structure: one more leaf
    assert jf.trace_count == 5
    for args in [(np.ones(3), np.ones(3)), (np.ones(4, np.float32), np.ones(4)),
                 [np.ones(4), np.ones(4)]]:
        jf(args)
    assert jf.trace_count == 5


def test_python_scalars_versus_arrays():
    jf = jit(lambda x: x * 2)
    assert jf(2.0) == 4.0
    jf(3.0)
    assert jf.trace_count == 1  # every Python float shares one (weak) signature
    assert jf(np.float64(2.0)) == 4.0
    assert jf.trace_count == 2  # a NumPy scalar is a strong float64
    jf(np.array(2.0))  # a 0-d array is the same type as a NumPy scalar
    assert jf.trace_count == 2
    assert jf(2) == 4 and np.asarray(jf(2)).dtype.kind == "i"
    assert jf.trace_count == 3
    # Weak Python scalars do not promote arrays (NEP 50), and jit keeps that.
    assert jit(lambda x, a: x * a)(2.0, np.ones(2, np.float32)).dtype == np.float32


def test_keyword_arguments():
    jf = jit(lambda x, scale=1.0, shift=0.0: x * scale + shift)
    x = np.arange(3.0)
    np.testing.assert_allclose(jf(x, scale=2.0, shift=1.0), x * 2 + 1)
    np.testing.assert_allclose(jf(x, shift=1.0, scale=2.0), x * 2 + 1)  # order is irrelevant
    assert jf.trace_count == 1
    np.testing.assert_allclose(jf(x), x)
    assert jf.trace_count == 2


def test_pytree_positionals_and_keywords_are_different_signatures():
    def f(*args, **kwargs):
        return sum(tree_util.tree_leaves(args)) + 10.0 * sum(tree_util.tree_leaves(kwargs))

    jf = jit(f)
    x, y = np.float64(1.0), np.float64(2.0)
    assert jf((x,), {"k": y}) == f((x,), {"k": y}) == 3.0
    assert jf(x, k=y) == f(x, k=y) == 21.0  # the same leaves, flattened the same way
    assert jf.trace_count == 2


def test_decorator_forms():
    @jit
    def f(x):
        return x + 1.0

    @jit(static_argnums=1)
    def g(x, n):
        return x ** n

    @jit(static_argnums=(1,), static_argnames="mode")
    def h(x, n, mode="square"):
        return x * n if mode == "scale" else x ** n

    assert f(1.0) == 2.0
    assert g(2.0, 3) == 8.0 and g(2.0, 2) == 4.0 and g.trace_count == 2
    assert h(2.0, 3) == 8.0 and h(2.0, 3, mode="scale") == 6.0
    assert f.__name__ == "f" and g.__name__ == "g"


def test_static_argnums_and_argnames():
    def f(x, n, flag=False):
        out = x
        for _ in range(n):  # Python control flow on static values
            out = out * x
        return -out if flag else out

    jf = jit(f, static_argnums=1, static_argnames="flag")
    assert jf(2.0, 3) == 16.0
    assert jf(3.0, 3) == 81.0
    assert jf.trace_count == 1
    assert jf(2.0, 2) == 8.0
    assert jf.trace_count == 2
    assert jf(2.0, 2, flag=True) == -8.0
    assert jf.trace_count == 3
    assert jf(2.0, 2, flag=True) == -8.0
    assert jf.trace_count == 3
    # A static value of another type is another signature, even when equal (1 == 1.0).
    k = jit(lambda x, n: x * n, static_argnums=1)
    assert k(np.arange(3), 1).dtype == np.int64
    assert k(np.arange(3), 1.0).dtype == np.float64
    assert k(np.arange(3), True).dtype == np.int64
    assert k.trace_count == 3


def test_static_argument_by_keyword_or_default():
    def f(x, training=False):
        return x * 2.0 if training else x

    jf = jit(f, static_argnums=1)
    assert jf(3.0) == 3.0  # the default: not passed at all
    assert jf(3.0, True) == 6.0
    assert jf(3.0, training=True) == 6.0  # static_argnums also covers the keyword form
    jg = jit(f, static_argnames="training")
    assert jg(3.0, True) == 6.0  # and static_argnames the positional form


def test_unhashable_static_argument():
    jf = jit(lambda x, shape: fnp.reshape(x, shape), static_argnums=1)
    assert jf(np.arange(6.0), (2, 3)).shape == (2, 3)
    with pytest.raises(TypeError, match="hashable"):
        jf(np.arange(6.0), [2, 3])
    with pytest.raises(TypeError, match="hashable"):
        jit(lambda x, a: x, static_argnames="a")(1.0, a=np.ones(2))


@pytest.mark.parametrize("bad", ["relu", object(), np.array(["a", "b"]),
                                 np.array([None], dtype=object)])
def test_non_array_leaf_is_a_type_error(bad):
    jf = jit(lambda x, activation: x)
    with pytest.raises(TypeError, match=r"argument 1\b(.|\n)*static_argnums"):
        jf(1.0, bad)
    with pytest.raises(TypeError, match=r"activation(.|\n)*static_argnames"):
        jf(1.0, activation=bad)
    with pytest.raises(TypeError, match=r"argument 0\b(.|\n)*static_argnums"):
        jit(lambda p: p["w"])({"w": 1.0, "name": bad})


@pytest.mark.parametrize("argnums", [2, 5, -3])
def test_static_argnums_out_of_range(argnums):
    with pytest.raises(ValueError, match="static_argnums"):
        jit(lambda x, n: x * n, static_argnums=argnums)(1.0, 2)


def test_clear_cache():
    jf = jit(lambda x: x + 1.0)
    jf(1.0)
    jf.clear_cache()
    jf(1.0)
    assert jf.trace_count == 2


# ----------------------------------------------------------------------------------------------
# Compositions.


def f_scalar(x):
    return 2.0 * fnp.sin(x ** 3) ** 2


def f_vector(x):
    return fnp.sum(fnp.tanh(x) * x + fnp.exp(-x * x))


X = np.linspace(-1.0, 1.5, 5)


def test_jit_of_grad_and_grad_of_jit():
    for x in (0.3, -1.2, np.float32(0.7)):
        want = grad(f_scalar)(x)
        assert_trees_close(jit(grad(f_scalar))(x), want, rtol=1e-6)
        assert_trees_close(grad(jit(f_scalar))(x), want, rtol=1e-6)
    assert_trees_close(jit(grad(f_vector))(X), grad(f_vector)(X))
    assert_trees_close(grad(jit(f_vector))(X), grad(f_vector)(X))


def test_vmap_and_jit_in_both_orders():
    xs = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
    want = np.stack([f_vector(x) for x in xs])
    assert_trees_close(vmap(jit(f_vector))(xs), want)
    assert_trees_close(jit(vmap(f_vector))(xs), want)
    want_grads = np.stack([grad(f_vector)(x) for x in xs])
    assert_trees_close(jit(vmap(grad(f_vector)))(xs), want_grads)
    assert_trees_close(vmap(jit(grad(f_vector)))(xs), want_grads)
    # Unbatched arguments, outputs that do not depend on the batch.
    w = np.arange(3.0)
    got = vmap(jit(lambda x, w: (x * w, w + 1.0)), in_axes=(0, None))(xs, w)
    assert_trees_close(got, (xs * w, np.broadcast_to(w + 1.0, xs.shape)))


def test_jvp_and_linearize_with_jit():
    v = np.ones_like(X)
    want = jvp(f_vector, (X,), (v,))
    assert_trees_close(jvp(jit(f_vector), (X,), (v,)), want)
    assert_trees_close(jit(lambda x, v: jvp(f_vector, (x,), (v,)))(X, v), want)
    y, f_jvp = linearize(jit(f_vector), X)
    assert_trees_close((y, f_jvp(v)), want)


def test_jit_inside_jit():
    inner = jit(lambda x: fnp.sin(x) * 2.0)

    @jit
    def outer(x):
        return inner(x) + inner(x * x)

    assert_trees_close(outer(X), fnp.sin(X) * 2 + fnp.sin(X * X) * 2)
    assert inner.trace_count == 1  # x and x * x have the same signature
    assert outer.trace_count == 1
    assert_trees_close(grad(lambda x: fnp.sum(outer(x)))(X),
                       grad(lambda x: fnp.sum(fnp.sin(x) * 2 + fnp.sin(x * x) * 2))(X))
    assert_trees_close(jit(jit(jit(f_vector)))(X), f_vector(X))


def test_higher_order():
    assert_trees_close(jit(hessian(f_vector))(X), hessian(f_vector)(X))
    for x in (0.3, 1.1):
        assert_trees_close(grad(grad(jit(f_scalar)))(x), grad(grad(f_scalar))(x))
        assert_trees_close(jit(grad(grad(f_scalar)))(x), grad(grad(f_scalar))(x))
        assert_trees_close(grad(jit(grad(f_scalar)))(x), grad(grad(f_scalar))(x))
    assert_trees_close(hessian(jit(f_vector))(X), hessian(f_vector)(X))


def test_closure_over_outer_tracers():
    assert grad(lambda x: jit(lambda y: x * y)(2.0))(3.0) == 2.0
    # Two levels of jit between the tracer and its use.
    assert grad(lambda x: jit(lambda y: jit(lambda z: x * z)(y))(2.0))(3.0) == 2.0
    # Under jit: the closed-over tracer is the outer jit's.
    assert jit(lambda x: jit(lambda y: x * y)(2.0))(3.0) == 6.0
    assert jit(grad(lambda x: jit(lambda y: x * y * y)(2.0)))(3.0) == 4.0
    # Under vmap.
    xs = np.arange(3.0)
    assert_trees_close(vmap(lambda x: jit(lambda y: x * y)(2.0))(xs), xs * 2.0)


def test_jitted_function_called_inside_and_outside_grad():
    jf = jit(f_vector)
    value = jf(X)
    g = grad(jf)(X)
    assert_trees_close(jf(X), value)
    assert_trees_close(g, grad(f_vector)(X))
    assert_trees_close(grad(lambda x: jf(x) * jf(2 * x))(X),
                       grad(lambda x: f_vector(x) * f_vector(2 * x))(X))
    assert jf.trace_count == 1


def test_grad_of_jit_with_pytree_and_unused_outputs():
    def f(p, n):
        return {"a": p["w"] * n, "b": fnp.sin(p["w"]) * p["v"], "c": n}

    p = {"w": 1.5, "v": np.arange(3.0)}
    jf = jit(f)

    def loss_jit(p):
        return fnp.sum(jf(p, 3)["b"])  # ("a" and "c" get no cotangent)

    def loss_eager(p):
        return fnp.sum(f(p, 3)["b"])

    assert_trees_close(grad(loss_jit)(p), grad(loss_eager)(p))


def test_make_jaxpr_shows_the_staged_call():
    text = str(make_jaxpr(jit(f_vector))(X))
    assert "jit_call" in text
    assert text.count("{ lambda") == 2  # the outer IR and the nested one
    assert "tanh" in text and "name='f_vector'" in text


# ----------------------------------------------------------------------------------------------
# Control flow.


def test_python_control_flow_on_traced_values():
    def relu(x):
        return x if x > 0 else 0.0 * x

    with pytest.raises(ConcretizationTypeError) as info:
        jit(relu)(1.0)
    message = str(info.value)
    assert "static_argnums" in message and "funcad.lax.cond" in message
    with pytest.raises(ConcretizationTypeError, match="static_argnums"):
        jit(grad(relu))(1.0)  # grad's concrete values are jit's abstract ones here
    with pytest.raises(ConcretizationTypeError, match="static_argnums"):
        jit(lambda x, n: x * fnp.arange(int(n)))(1.0, 3)
    # The same functions with the value made static.
    assert jit(relu, static_argnums=0)(2.0) == 2.0
    assert jit(lambda x, n: fnp.sum(x * fnp.arange(int(n))), static_argnums=1)(1.0, 3) == 3.0
    # grad keeps concrete values: control flow works inside grad inside an eager call.
    assert grad(relu)(2.0) == 1.0


# ----------------------------------------------------------------------------------------------
# lower().


def test_lower_returns_ir_and_source_that_runs():
    def f(x):
        return fnp.sum(fnp.sin(x) * 1.0 + 0.0 * x)

    jf = jit(f)
    lowered = jf.lower(X)
    assert isinstance(lowered.jaxpr, funcad.ClosedJaxpr)
    assert "def f(" in lowered.source
    traced = make_jaxpr(f)(X)
    assert len(lowered.traced.eqns) == len(traced.eqns)  # the IR as traced...
    assert len(lowered.jaxpr.eqns) < len(traced.eqns)  # ...and optimised
    assert "sin" in lowered.as_text() and "def f(" in lowered.as_text()
    assert_trees_close(lowered.compiled(X)[0], f(X))
    assert lowered.compiled.source == lowered.source
    jf(X)
    assert jf.trace_count == 1  # lower() traced once, for the call as well


def test_generated_code_survives_awkward_function_names():
    for name in ["np", "class", "u_sin", "2nd", "k1", "my-f"]:
        def f(x):
            return fnp.sin(x) / fnp.cos(x)

        f.__name__ = name
        assert_trees_close(jit(f)(X), f(X))


# ----------------------------------------------------------------------------------------------
# Re-trace logging.


@pytest.fixture
def log_retraces(monkeypatch, caplog):
    monkeypatch.setattr(funcad.config, "log_retraces", True)
    caplog.set_level(logging.WARNING, logger="funcad.jit")
    return caplog


def _messages(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "funcad.jit"]


def test_log_retraces_reasons(log_retraces):
    jf = jit(lambda x, n: x * n, static_argnums=1)
    jf(np.ones(3), 2)
    jf(np.ones(3), 2)  # cache hit: no message
    jf(np.ones(4), 2)
    jf(np.ones(4, np.float32), 2)
    jf(np.ones(4, np.float32), 3)
    jf((np.ones(4),), 3)
    messages = _messages(log_retraces)
    assert len(messages) == 5, messages
    assert "first" in messages[0]
    assert "argument leaf 0" in messages[1] and "shape" in messages[1]
    assert "f64[3]" in messages[1] and "f64[4]" in messages[1]
    assert "dtype" in messages[2] and "f64[4]" in messages[2] and "f32[4]" in messages[2]
    assert "static argument 1" in messages[3] and "2 (int) -> 3 (int)" in messages[3]
    assert "structure" in messages[4]


def test_no_retrace_log_by_default(caplog, monkeypatch):
    monkeypatch.setattr(funcad.config, "log_retraces", False)
    caplog.set_level(logging.DEBUG, logger="funcad.jit")
    jf = jit(lambda x: x)
    jf(np.ones(3))
    jf(np.ones(4))
    assert _messages(caplog) == []


def test_log_retraces_environment_variable():
    code = ("import numpy as np, funcad\n"
            "f = funcad.jit(lambda x: x + 1.0)\n"
            "f(np.ones(3)); f(np.ones(5))\n")
    env = dict(os.environ, FUNCAD_LOG_RETRACES="1")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "shape changed" in result.stderr and "f64[5]" in result.stderr, result.stderr


# ----------------------------------------------------------------------------------------------
# Memory.


def mlp_loss(params, X, Y):
    W1, b1, W2, b2, W3, b3 = params
    h1 = fnp.tanh(X @ W1 + b1)
    h2 = fnp.tanh(h1 @ W2 + b2)
    logits = h2 @ W3 + b3
    top = fnp.max(logits, axis=1, keepdims=True)
    lse = fnp.log(fnp.sum(fnp.exp(logits - top), axis=1)) + top[:, 0]
    return fnp.mean(lse - fnp.sum(Y * logits, axis=1))


def mlp_data():
    rng = np.random.default_rng(0)
    sizes = [64, 256, 256, 10]
    params = []
    for n_in, n_out in itertools.pairwise(sizes):
        params += [rng.normal(size=(n_in, n_out)) / np.sqrt(n_in), 0.1 * rng.normal(size=n_out)]
    X = rng.normal(size=(256, 64))
    Y = np.eye(10)[rng.integers(0, 10, size=256)]
    return tuple(params), X, Y


def _peak_bytes(fn, *args):
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        out = fn(*args)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return peak, out


def test_mlp_gradient_peak_memory_not_above_eager():
    params, X, Y = mlp_data()
    eager = grad(mlp_loss)
    compiled = jit(grad(mlp_loss))
    compiled(params, X, Y)  # compile outside the measurement
    eager_peak, want = _peak_bytes(eager, params, X, Y)
    jit_peak, got = _peak_bytes(compiled, params, X, Y)
    assert_trees_close(got, want, rtol=1e-10)
    assert jit_peak <= eager_peak, (jit_peak, eager_peak)
    assert "del " in compiled.lower(params, X, Y).source


def test_dropped_jitted_function_releases_its_constants():
    def make():
        big = np.random.default_rng(0).normal(size=10_000)  # not foldable: a real constant
        return jit(lambda y: fnp.sin(y) * big), weakref.ref(big)

    jf, alive = make()
    jf(np.ones(1))
    make_jaxpr(jf)(np.ones(1))
    jit(lambda y, inner=jf: inner(y) * 2.0)(np.ones(1))  # (compiled into an outer function)
    del jf
    gc.collect()
    assert alive() is None


def test_code_generation_time_is_linear_in_program_length():
    from funcad.codegen import compile_jaxpr

    def cpu_seconds(steps):
        def chain(x):
            for _ in range(steps):
                x = fnp.sin(x) * 1.01 + 0.1  # arrays: every step may reuse a buffer
            return fnp.sum(x)

        closed = make_jaxpr(grad(chain))(np.ones(4))
        gc.collect()
        start = time.process_time()
        compiled = compile_jaxpr(closed, "chain")
        seconds = time.process_time() - start
        assert compiled.source.count("out=") > steps  # (what made it quadratic)
        return seconds

    short, long = cpu_seconds(600), cpu_seconds(2400)
    assert long < 10 * short + 0.5, (short, long)  # 4x longer: ~4x the time, not ~16x


# ----------------------------------------------------------------------------------------------
# Scalars written into the expressions that read them (codegen: a scalar read once gets no
# variable of its own).

SCALAR_UNARY = {
    "sin": fnp.sin,
    "neg": lambda v: -v,
    "square": lambda v: v ** 2,
    "cube": lambda v: v ** 3,
    "times_minus_two": lambda v: -2.0 * v,
    "one_minus": lambda v: 1.0 - v,
    "minus_minus_half": lambda v: v - -0.5,
    "exp_tanh": lambda v: fnp.exp(fnp.tanh(v)),
    "halved": lambda v: v / 2.0,
}
SCALAR_BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "sub_of_sum": lambda a, b: a - (b + a),
    "product_of_differences": lambda a, b: (a - b) * (b - a * 0.5),
}


@st.composite
def scalar_programs(draw):
    """Scalar programs whose values are read any number of times (none, once, several)."""
    kind = draw(st.sampled_from([float, np.float64, np.float32]))
    x = kind(draw(st.floats(-2.0, 2.0)))
    y = kind(draw(st.floats(-2.0, 2.0)))
    steps = draw(st.lists(
        st.one_of(st.tuples(st.sampled_from(sorted(SCALAR_UNARY)), st.integers(0, 99)),
                  st.tuples(st.sampled_from(sorted(SCALAR_BINARY)), st.integers(0, 99),
                            st.integers(0, 99))),
        min_size=1, max_size=30))
    outputs = draw(st.lists(st.integers(0, 99), min_size=1, max_size=3))

    def program(x, y):
        pool = [x, y]
        for name, *picks in steps:
            args = [pool[i % len(pool)] for i in picks]
            table = SCALAR_UNARY if len(args) == 1 else SCALAR_BINARY
            pool.append(table[name](*args))
        return tuple(pool[i % len(pool)] for i in outputs)

    return program, x, y


@given(scalar_programs())
def test_random_scalar_programs_match_eager(case):
    program, x, y = case
    check_jit_matches(program, x, y)
    check_jit_matches(grad(lambda x, y: sum(program(x, y)), argnums=(0, 1)), x, y)


def test_scalars_read_once_have_no_variable():
    def chain(x):
        for _ in range(100):
            x = x * 1.0001 + fnp.sin(x) * 1e-4
        return x

    jitted = check_jit_matches(grad(chain), 0.3)
    lowered = jitted.lower(0.3)
    statements = [line for line in lowered.source.splitlines()[1:]
                  if not line.strip().startswith("del ")]
    assert len(statements) < len(lowered.jaxpr.eqns) / 3
    assert "_funcad_" not in lowered.source  # (no placeholder left behind)


@pytest.mark.parametrize("f", [
    lambda a, b, c: a - (b - c),
    lambda a, b, c: (a - b) - c,
    lambda a, b, c: a + (b + c),
    lambda a, b, c: (a + b) * c,
    lambda a, b, c: a * (b + c),
    lambda a, b, c: a * (b * c),
    lambda a, b, c: -(a + b) * c,
    lambda a, b, c: (-a) ** 2 - b ** 3,
    lambda a, b, c: a - -(b * c),
    lambda a, b, c: fnp.sin(a + b) * -(c - a),
])
def test_expressions_keep_their_order_of_evaluation(f):
    """Rounding depends on the grouping: (1e16 + -1e16) + 1 is 1, 1e16 + (-1e16 + 1) is 0."""
    args = (np.float64(1e16), np.float64(-1e16), np.float64(1.0))
    got = jit(f)(*args)
    assert got == f(*args) and type(got) is np.float64


def test_a_scalar_read_twice_by_one_expression_is_computed_once():
    jitted = check_jit_matches(lambda x: (x * 2.0 + 1.0) ** 2, np.float64(0.7))
    assert jitted.lower(np.float64(0.7)).source.count("* 2.0") == 1


def test_deletion_waits_for_the_expression_that_reads_a_variable():
    def f(x):
        a = fnp.sin(x)
        b = a * 2.0  # read once, below: written there
        c = a + 1.0  # the last equation to read a, but b's expression still does
        d = fnp.cos(c) * fnp.exp(c)
        return d + b

    check_jit_matches(f, np.float64(0.3))
    check_jit_matches(grad(f), 0.3)


def test_a_scalar_viewing_an_array_is_read_before_the_array_is_overwritten():
    def f(x):
        a = fnp.sin(x)  # an array of our own...
        s = fnp.reshape(a, ())  # ...a 0-d view of it...
        t = s * 2.0  # ...read here, used at the end
        b = fnp.exp(a)  # a dies here: exp may write into its buffer
        return b + t

    jitted = check_jit_matches(f, np.array([0.4]))
    assert "out=" in jitted.lower(np.array([0.4])).source


# ----------------------------------------------------------------------------------------------
# A long program: the 20,000-step scalar chain (80,000 operations in its gradient).


def test_twenty_thousand_step_chain():
    def chain(x):
        for _ in range(20_000):
            x = fnp.sin(x) * 1.01 + 0.1
        return x

    want = value_and_grad(chain)(0.3)
    compiled = jit(value_and_grad(chain))
    start = time.perf_counter()
    got = compiled(0.3)
    compile_seconds = time.perf_counter() - start
    print(f"\n20,000-step chain: jit(value_and_grad) trace+optimise+compile+first run "
          f"{compile_seconds:.2f} s")
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12, atol=1e-300)
    start = time.perf_counter()
    again = compiled(0.4)
    replay_seconds = time.perf_counter() - start
    print(f"20,000-step chain: replay {replay_seconds * 1e3:.1f} ms")
    np.testing.assert_allclose(again[0], value_and_grad(chain)(0.4)[0], rtol=1e-12)
    assert compiled.trace_count == 1
    assert compile_seconds < 60.0  # (the target is < 10 s: see the printed time)


def test_non_finite_python_constants_compile():
    """inf and nan have no Python literal: generated code must not write them as names."""
    for constant in (float("nan"), float("inf"), -float("inf")):
        jitted = funcad.jit(lambda t, c=constant: t + c)
        np.testing.assert_array_equal(jitted(1.0), 1.0 + constant)
        np.testing.assert_array_equal(jitted(np.ones(3)), np.ones(3) + constant)
    x, y = np.array([1.0, np.inf]), np.array([np.nan, 2.0])
    np.testing.assert_array_equal(funcad.jit(fnp.hypot)(x, y), np.hypot(x, y))


def test_matrix_products_in_generated_code_match_numpy():
    """Two-matrix contractions are written as np.dot of (transposed) views; the others, an
    outer product or a contraction over two axes, call dot_general's implementation."""
    rng = np.random.default_rng(3)
    a, b, c = rng.normal(size=(3, 4)), rng.normal(size=(4, 3)), rng.normal(size=(3, 4))
    none = ((), ())
    cases = [(a, b, ((1,), (0,))), (a, b, ((0,), (1,))), (a, c, ((1,), (1,))),
             (a, c, ((0,), (0,))), (a, b, ((), ())), (a, b, ((0, 1), (1, 0)))]
    for x, y, contract in cases:
        f = funcad.jit(lambda x, y, d=(contract, none): funcad.lax.dot_general(x, y, d))
        np.testing.assert_allclose(f(x, y), np.tensordot(x, y, contract), rtol=1e-14)
