"""Tests of the IR optimisation passes (funcad/passes.py).

Each pass is checked on small IRs traced from small functions, by the exact list of
equations it leaves, and by evaluating the IR before and after. Property tests run
``optimize`` on random compositions of funcad.numpy operations and on their gradients:
values must agree, avals must be identical, and the equation count must never grow.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import arrays, shapes

import funcad
import funcad.numpy as fnp
from funcad import passes
from funcad.core import ClosedJaxpr, Eqn, Jaxpr, Literal, Primitive, ShapedArray, Var
from funcad.primitives.shape import (
    broadcast_to_p,
    convert_element_type_p,
    reduce_sum_p,
    reshape_p,
    transpose_p,
)


def names(closed: ClosedJaxpr) -> list[str]:
    return [eqn.primitive.name for eqn in closed.eqns]


def snapshot(closed: ClosedJaxpr) -> tuple:
    """Everything a pass must leave untouched in its input."""
    jaxpr = closed.jaxpr
    return (
        str(closed),
        list(jaxpr.eqns),
        [(list(e.invars), list(e.outvars), dict(e.params)) for e in jaxpr.eqns],
        list(jaxpr.constvars), list(jaxpr.invars), list(jaxpr.outvars),
        [id(c) for c in closed.consts],
    )


def assert_same_results(before: ClosedJaxpr, after: ClosedJaxpr, *args, rtol=1e-7, atol=0.0):
    assert after.out_avals == before.out_avals
    assert after.in_avals == before.in_avals
    expected = before(*args)
    actual = after(*args)
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        a, e = np.asarray(a), np.asarray(e)
        assert a.dtype == e.dtype
        assert a.shape == e.shape
        np.testing.assert_allclose(a, e, rtol=rtol, atol=atol)


def tutorial(x):
    return 2 * fnp.sin(x ** 3) ** 2


def tutorial_grad_ir() -> ClosedJaxpr:
    return funcad.make_jaxpr(funcad.grad(tutorial))(1.0)


ALL_PASSES = [passes.dead_code_elimination, passes.common_subexpression_elimination,
              passes.fold_constants, passes.simplify, passes.propagate_zeros, passes.optimize]

# ----------------------------------------------------------------------------------------------
# Every pass: pure, semantics-preserving on the tutorial's gradient.


@pytest.mark.parametrize("optimisation_pass", ALL_PASSES, ids=lambda p: p.__name__)
def test_passes_do_not_mutate_their_input(optimisation_pass):
    x = np.linspace(-1, 1, 6).reshape(2, 3)

    def f(x):
        y = fnp.sin(x) + fnp.sin(x) + 0.0 * fnp.cos(x)
        return fnp.sum(y.T.T * 1.0 + fnp.exp(np.ones((2, 3))))

    for closed in (funcad.make_jaxpr(f)(x), funcad.make_jaxpr(funcad.grad(f))(x),
                   tutorial_grad_ir()):
        before = snapshot(closed)
        result = optimisation_pass(closed)
        assert snapshot(closed) == before
        assert result is not closed and result.jaxpr is not closed.jaxpr
        assert not set(map(id, result.eqns)) & set(map(id, closed.eqns))


@pytest.mark.parametrize("optimisation_pass", ALL_PASSES, ids=lambda p: p.__name__)
def test_passes_preserve_the_tutorial_gradient(optimisation_pass):
    closed = tutorial_grad_ir()
    result = optimisation_pass(closed)
    for x in (-1.3, 0.2, 0.9):
        assert_same_results(closed, result, x)
    assert len(result.eqns) <= len(closed.eqns)


# ----------------------------------------------------------------------------------------------
# Dead-code elimination.


def test_dce_drops_the_forward_output_of_the_gradient():
    closed = tutorial_grad_ir()
    assert names(closed) == ["integer_pow", "sin", "integer_pow", "mul", "mul", "mul", "mul",
                             "cos", "mul", "integer_pow", "mul", "mul"]
    result = passes.dead_code_elimination(closed)
    # f(x) itself (sin(x^3)^2 and 2 * that) is computed by grad but never read.
    assert names(result) == ["integer_pow", "sin", "mul", "mul", "mul", "cos", "mul",
                             "integer_pow", "mul", "mul"]
    assert [e.params.get("y") for e in result.eqns if e.primitive.name == "integer_pow"] == [3, 2]


def test_dce_drops_unused_constants_and_keeps_inputs():
    def f(x, unused):
        _ = x * np.arange(3.0)  # a dead equation reading a constant
        return x + 1.0

    closed = funcad.make_jaxpr(f)(2.0, np.ones(2))
    assert names(closed) == ["mul", "add"] and len(closed.consts) == 1
    result = passes.dead_code_elimination(closed)
    assert names(result) == ["add"]
    assert result.jaxpr.constvars == [] and result.consts == []
    assert result.jaxpr.invars == closed.jaxpr.invars
    assert_same_results(closed, result, 2.0, np.ones(2))


def test_dce_keeps_input_and_literal_outputs():
    closed = funcad.make_jaxpr(lambda x, y: (x, fnp.sin(y), 3.0, fnp.cos(y)))(1.0, 2.0)
    result = passes.dead_code_elimination(closed)
    assert names(result) == ["sin", "cos"]
    assert result.jaxpr.outvars[0] is result.jaxpr.invars[0]
    assert type(result.jaxpr.outvars[2]) is Literal
    assert_same_results(closed, result, 1.0, 2.0)


# ----------------------------------------------------------------------------------------------
# Common-subexpression elimination.


def test_cse_merges_repeated_computations():
    closed = funcad.make_jaxpr(lambda x: fnp.exp(fnp.sin(x)) * fnp.exp(fnp.sin(x)))(0.5)
    assert names(closed) == ["sin", "exp", "sin", "exp", "mul"]
    result = passes.common_subexpression_elimination(closed)
    assert names(result) == ["sin", "exp", "mul"]
    mul = result.eqns[-1]
    assert mul.invars[0] is mul.invars[1] is result.eqns[1].outvars[0]
    assert_same_results(closed, result, 0.5)


def test_cse_compares_literals_by_dtype_weak_type_and_bits():
    same = funcad.make_jaxpr(lambda x: x * 2 + x * 2)(np.ones(3))
    assert names(passes.common_subexpression_elimination(same)) == ["mul", "add"]
    int_and_float = funcad.make_jaxpr(lambda x: x * 2 + x * 2.0)(np.ones(3))
    assert names(passes.common_subexpression_elimination(int_and_float)) == ["mul", "mul",
                                                                             "add"]
    signed_zeros = funcad.make_jaxpr(lambda x: 1 / (x * 0.0) + 1 / (x * -0.0))(np.ones(3))
    result = passes.common_subexpression_elimination(signed_zeros)
    assert names(result) == names(signed_zeros)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert_same_results(signed_zeros, result, np.ones(3))
    weak_and_strong = funcad.make_jaxpr(lambda x: x * 2.0 + x * np.float64(2.0))(np.ones(3))
    assert names(passes.common_subexpression_elimination(weak_and_strong)) == ["mul", "mul",
                                                                               "add"]


def test_cse_compares_params():
    x = np.ones((3, 3))
    same = funcad.make_jaxpr(lambda x: x.astype(np.float32) + x.astype(np.float32))(x)
    assert names(passes.common_subexpression_elimination(same)) == ["convert_element_type",
                                                                    "add"]
    different = funcad.make_jaxpr(lambda x: fnp.sum(x, 0) + fnp.sum(x, 1))(x)
    result = passes.common_subexpression_elimination(different)
    assert names(result) == ["reduce_sum", "reduce_sum", "add"]
    assert_same_results(different, result, np.arange(9.0).reshape(3, 3))


def test_cse_merges_constants_holding_the_same_object():
    a, b = np.arange(3.0), np.arange(3.0) + 1
    closed = funcad.make_jaxpr(lambda x: x * a + x * b)(np.ones(3))
    assert len(closed.jaxpr.constvars) == 2 and names(closed) == ["mul", "mul", "add"]
    aliased = ClosedJaxpr(closed.jaxpr, [a, a])  # both constants are now one object
    result = passes.common_subexpression_elimination(aliased)
    assert len(result.jaxpr.constvars) == 1 and result.consts[0] is a
    assert names(result) == ["mul", "add"]
    assert_same_results(aliased, result, np.array([1.0, 2.0, 3.0]))
    # Equal values in different objects are not merged (comparing arrays costs time).
    assert len(passes.common_subexpression_elimination(closed).jaxpr.constvars) == 2


def test_cse_compares_sub_jaxpr_params_by_identity():
    call_p = Primitive("call_for_test")
    inner = funcad.make_jaxpr(fnp.sin)(1.0)
    inner_twin = funcad.make_jaxpr(fnp.sin)(1.0)
    x = Var(ShapedArray((), np.float64))
    outs = [Var(ShapedArray((), np.float64)) for _ in range(3)]
    eqns = [Eqn(call_p, [x], [outs[0]], {"jaxpr": inner}),
            Eqn(call_p, [x], [outs[1]], {"jaxpr": inner}),
            Eqn(call_p, [x], [outs[2]], {"jaxpr": inner_twin})]
    closed = ClosedJaxpr(Jaxpr([], [x], list(outs), eqns), [])
    result = passes.common_subexpression_elimination(closed)
    assert len(result.eqns) == 2
    assert result.jaxpr.outvars == [outs[0], outs[0], outs[2]]


# ----------------------------------------------------------------------------------------------
# Constant folding.


def test_fold_evaluates_operations_on_constants():
    c = np.arange(3.0)
    closed = funcad.make_jaxpr(lambda x: x * fnp.exp(c))(np.ones(3))
    assert names(closed) == ["exp", "mul"]
    result = passes.fold_constants(closed)
    assert names(result) == ["mul"]
    np.testing.assert_allclose(result.consts[-1], np.exp(c))
    assert result.eqns[0].invars[1] is result.jaxpr.constvars[-1]
    assert_same_results(closed, result, np.array([1.0, -2.0, 3.0]))
    assert len(passes.dead_code_elimination(result).consts) == 1  # c itself is no longer read


def test_fold_turns_scalar_results_into_literals():
    result = passes.fold_constants(tutorial_grad_ir())
    # mul 1.0 2 (the seed cotangent 1.0 times the 2 of 2 * sin(...)^2) is now a literal.
    for eqn in result.eqns:
        assert not all(type(a) is Literal for a in eqn.invars)
    folded = [a for e in result.eqns for a in e.invars
              if type(a) is Literal and type(a.value) is np.float64]
    assert len(folded) == 1 and folded[0].value == 2.0
    assert folded[0].aval == ShapedArray((), np.float64)
    assert len(result.eqns) == len(tutorial_grad_ir().eqns) - 1


def test_fold_does_not_blow_up_memory():
    def f(n):
        return lambda x: x + fnp.broadcast_to(2.0, (n, n))

    small = funcad.make_jaxpr(f(10))(1.0)
    assert names(passes.fold_constants(small)) == ["add"]
    big = funcad.make_jaxpr(f(100))(1.0)  # 10,000 elements from a scalar: kept staged
    assert names(passes.fold_constants(big)) == ["broadcast_to", "add"]
    assert_same_results(small, passes.fold_constants(small), 3.0)


def test_fold_leaves_failing_equations_to_run_time():
    const = Var(ShapedArray((3,), np.float64))
    bad = Var(ShapedArray((4,), np.float64))
    x = Var(ShapedArray((), np.float64))
    eqns = [Eqn(reshape_p, [const], [bad], {"new_sizes": (4,)})]
    closed = ClosedJaxpr(Jaxpr([const], [x], [x], eqns), [np.ones(3)])
    assert names(passes.fold_constants(closed)) == ["reshape"]
    assert names(passes.optimize(closed)) == []  # (dead, so DCE removes it)


def test_fold_checks_results_against_the_ir():
    """A result of another dtype than the IR promises is not folded (it would change the
    program's types); the equation is left for run time."""
    wrong_p = Primitive("wrong_dtype_for_test")
    wrong_p.def_impl(lambda x: np.asarray(x, np.float32))
    const = Var(ShapedArray((3,), np.float64))
    out = Var(ShapedArray((3,), np.float64))
    closed = ClosedJaxpr(Jaxpr([const], [], [out], [Eqn(wrong_p, [const], [out], {})]),
                         [np.ones(3)])
    assert names(passes.fold_constants(closed)) == ["wrong_dtype_for_test"]


# ----------------------------------------------------------------------------------------------
# Removal of trivial operations.

F32 = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5

TRIVIAL = {
    "x*1": lambda x: x * 1,
    "1*x": lambda x: 1 * x,
    "x*1.0": lambda x: x * 1.0,
    "x+0": lambda x: x + 0,
    "0+x": lambda x: 0 + x,
    "x-0": lambda x: x - 0.0,
    "x/1": lambda x: x / 1,
    "x**1": lambda x: x ** 1,
    "x*ones": lambda x: x * np.ones((2, 3), np.float32),
    "reshape to same shape": lambda x: reshape_p.bind(x, new_sizes=(2, 3)),
    "identity transpose": lambda x: transpose_p.bind(x, permutation=(0, 1)),
    "transposes cancel": lambda x: x.T.T,
    "convert to same dtype": lambda x: convert_element_type_p.bind(x, new_dtype=x.dtype),
    "broadcast to same shape": lambda x: broadcast_to_p.bind(x, shape=(2, 3)),
    "sum over no axes": lambda x: reduce_sum_p.bind(x, axes=()),
}


@pytest.mark.parametrize("name", list(TRIVIAL))
def test_simplify_removes_trivial_operations(name):
    closed = funcad.make_jaxpr(TRIVIAL[name])(F32)
    assert len(closed.eqns) >= 1
    result = passes.dead_code_elimination(passes.simplify(closed))
    assert names(result) == []
    assert result.jaxpr.outvars[0] is result.jaxpr.invars[0]  # the output is now the input
    assert_same_results(closed, result, F32)


def test_simplify_removes_double_negation():
    closed = funcad.make_jaxpr(lambda x: fnp.negative(-x))(F32)
    result = passes.simplify(closed)
    assert names(result) == ["neg"]  # the inner one, now dead
    assert result.jaxpr.outvars[0] is result.jaxpr.invars[0]
    assert names(passes.optimize(closed)) == []


def test_simplify_composes_transposes_and_reshapes():
    x = np.arange(24.0).reshape(2, 3, 4)
    closed = funcad.make_jaxpr(lambda x: fnp.transpose(fnp.transpose(x, (1, 2, 0)),
                                                       (1, 2, 0)))(x)
    result = passes.optimize(closed)
    assert names(result) == ["transpose"]
    assert result.eqns[0].params["permutation"] == (2, 0, 1)
    assert result.eqns[0].invars[0] is result.jaxpr.invars[0]
    assert_same_results(closed, result, x)
    closed = funcad.make_jaxpr(lambda x: fnp.reshape(fnp.reshape(x, (6, 4)), (4, 6)))(x)
    result = passes.optimize(closed)
    assert names(result) == ["reshape"] and result.eqns[0].invars[0] is result.jaxpr.invars[0]
    assert_same_results(closed, result, x)


PERMUTATIONS_3 = [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)]


@pytest.mark.parametrize("first", PERMUTATIONS_3)
@pytest.mark.parametrize("second", PERMUTATIONS_3)
def test_simplify_composes_any_two_transposes(first, second):
    x = np.arange(24.0).reshape(2, 3, 4)
    closed = funcad.make_jaxpr(
        lambda x: transpose_p.bind(transpose_p.bind(x, permutation=first), permutation=second))(x)
    result = passes.optimize(closed)
    composed = np.transpose(np.transpose(x, first), second)
    if composed.shape == x.shape and (composed == x).all():
        assert names(result) == []
    else:
        assert names(result) == ["transpose"]
    assert_same_results(closed, result, x)


@pytest.mark.parametrize("f, x, expected", [
    # The replacement would have another dtype or shape: a cast or view replaces the arithmetic.
    (lambda x: x * 1.0, np.arange(3), ["convert_element_type"]),
    (lambda x: x * np.ones((2, 3)), np.ones(3), ["broadcast_to"]),
    # (Two equations for one: optimize keeps the add; see test_zero_plus_x_promotes_...)
    (lambda x: x + np.zeros((2, 3)), np.float32(1.5), ["add"]),
    # Not trivial at all, or deliberately kept.
    (lambda x: x * 2.0, np.ones(3), ["mul"]),
    (lambda x: x ** 2, np.ones(3), ["integer_pow"]),
    (lambda x: 0.0 - x, np.ones(3), ["neg"]),  # (0 - x is -x, not x)
    (lambda x: 1.0 / x, np.ones(3), ["div"]),
    (lambda x: (x * 0.0) ** 0, np.ones(2000), ["broadcast_to", "integer_pow"]),  # 0 ** 0 = 1
    (lambda x: funcad.stop_gradient(x), np.ones(3), ["stop_gradient"]),
    (lambda x: fnp.transpose(x, (1, 0)), np.ones((2, 3)), ["transpose"]),
])
def test_simplify_respects_avals(f, x, expected):
    closed = funcad.make_jaxpr(f)(x)
    result = passes.optimize(closed)
    assert names(result) == expected
    assert_same_results(closed, result, x)


@pytest.mark.parametrize("f, x", [
    (lambda x: x * np.array([1.0, 5.0, 1.0]), np.arange(3.0)),  # not all ones
    (lambda x: x + np.array([0.0, 1.0, 0.0]), np.arange(3.0)),  # not all zeros
    (lambda x: x * np.ones((2, 3)), np.arange(3, dtype=np.float32)),  # would need 2 equations
])
def test_simplify_keeps_non_trivial_operations(f, x):
    closed = funcad.make_jaxpr(f)(x)
    result = passes.simplify(closed)
    assert names(result) == names(closed)
    assert_same_results(closed, result, x)


def test_simplify_turns_splat_arrays_into_scalars():
    twos = np.full((2, 3), 2.0)
    closed = funcad.make_jaxpr(lambda x: x * twos)(F32.astype(np.float64))
    result = passes.simplify(closed)
    (mul,) = result.eqns
    assert type(mul.invars[1]) is Literal and mul.invars[1].value == 2.0
    assert mul.invars[1].aval == ShapedArray((), np.float64)
    assert_same_results(closed, result, F32.astype(np.float64))
    # A float64 splat still promotes a float32 operand as the array did.
    closed32 = funcad.make_jaxpr(lambda x: x * twos)(F32)
    assert_same_results(closed32, passes.simplify(closed32), F32)


# ----------------------------------------------------------------------------------------------
# Symbolic zeros.


def test_zeros_from_a_zero_tangent_vanish():
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    closed = funcad.make_jaxpr(
        lambda x: funcad.jvp(lambda x: fnp.sum(x * x), (x,), (fnp.zeros_like(x),)))(x)
    assert names(closed) == ["mul", "mul", "mul", "add", "reduce_sum", "reduce_sum"]
    result = passes.optimize(closed)
    assert names(result) == ["mul", "reduce_sum"]
    tangent = result.jaxpr.outvars[1]
    assert type(tangent) is Literal and tangent.aval == ShapedArray((), np.float64)
    assert_same_results(closed, result, x)


def test_zero_rules():
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    zeros = np.zeros((2, 3))

    def f(x):
        z = x * zeros  # a zero
        return (
            x + z,  # -> x
            z - x,  # -> -x
            fnp.sum(z.T, axis=0),  # -> zero
            fnp.sin(x) * 0.0,  # -> zero
            z @ np.ones((3, 4)),  # -> zero
            -z,  # -> zero
        )

    closed = funcad.make_jaxpr(f)(x)
    result = passes.dead_code_elimination(passes.propagate_zeros(closed))
    assert names(result) == ["neg", "broadcast_to", "broadcast_to", "broadcast_to",
                             "broadcast_to"]
    outs = result.jaxpr.outvars
    assert outs[0] is result.jaxpr.invars[0]
    for eqn in result.eqns[1:]:  # each zero is broadcast_to of a strong scalar literal 0.0
        (zero,) = eqn.invars
        assert type(zero) is Literal and zero.value == 0 and zero.aval == ShapedArray((),
                                                                                      np.float64)
    assert_same_results(closed, result, x)
    # optimize also folds the small zeros into constants.
    optimized = passes.optimize(closed)
    assert names(optimized) == ["neg"]
    assert all(v in optimized.jaxpr.constvars for v in optimized.jaxpr.outvars[2:])
    assert_same_results(closed, optimized, x)


def test_zero_plus_x_promotes_and_broadcasts_exactly():
    closed = funcad.make_jaxpr(lambda x: np.zeros((2, 3)) + x)(np.arange(3, dtype=np.float32))
    result = passes.propagate_zeros(closed)
    assert names(result) == ["convert_element_type", "broadcast_to"]
    assert_same_results(closed, result, np.arange(3, dtype=np.float32) / 3)


def test_zero_times_inf_is_zero_as_for_symbolic_zeros():
    closed = funcad.make_jaxpr(lambda x: x * 0.0)(np.ones(3000))
    result = passes.optimize(closed)
    assert names(result) == ["broadcast_to"]  # (3000 zeros are not folded into a constant)
    x = np.ones(3000)
    x[:2] = np.inf, np.nan
    with np.errstate(invalid="ignore"):
        assert np.isnan(closed(x)[0][:2]).all()
    np.testing.assert_array_equal(result(x)[0], np.zeros(3000))


def test_scalar_zero_output_becomes_a_literal():
    closed = funcad.make_jaxpr(lambda x: x * 0)(2.5)
    result = passes.optimize(closed)
    assert names(result) == []
    (out,) = result.jaxpr.outvars
    assert type(out) is Literal and out.aval == closed.out_avals[0]
    assert_same_results(closed, result, 2.5)


# ----------------------------------------------------------------------------------------------
# optimize.


def test_optimize_the_tutorial_gradient():
    closed = tutorial_grad_ir()
    result = passes.optimize(closed)
    assert str(result) == """\
{ lambda ; a:f64[]. let
    b:f64[] = integer_pow[y=3] a
    c:f64[] = sin b
    d:f64[] = mul 2 c
    e:f64[] = mul 2.0 d
    f:f64[] = cos b
    g:f64[] = mul e f
    h:f64[] = integer_pow[y=2] a
    i:f64[] = mul 3 h
    j:f64[] = mul g i
  in (j,) }"""
    # The seed multiplication `mul 1.0 2` is folded away and the forward output is gone.
    assert not any(type(a) is Literal and a.value == 1.0 for e in result.eqns for a in e.invars)
    for x in np.linspace(-1.5, 1.5, 7):
        expected = 12 * x ** 2 * np.cos(x ** 3) * np.sin(x ** 3)
        np.testing.assert_allclose(result(x)[0], expected, rtol=1e-12)


def test_optimize_is_a_fixed_point_and_respects_max_rounds():
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    closed = funcad.make_jaxpr(funcad.grad(lambda x: fnp.sum(fnp.tanh(x @ np.ones((3, 3))))))(x)
    once = passes.optimize(closed)
    assert len(once.eqns) < len(closed.eqns)
    assert names(passes.optimize(once)) == names(once)
    assert names(passes.optimize(closed, max_rounds=0)) == names(closed)


# ----------------------------------------------------------------------------------------------
# Long programs: ``optimize`` is one forward sweep and one backward sweep, and leaves exactly
# the equations the earlier pass-by-pass rounds left (counts taken from those rounds).


def scalar_chain(steps):
    def f(x):
        for _ in range(steps):
            x = x * 1.0001 + fnp.sin(x) * 1e-4
        return x

    return f


def vector_chain(steps):
    def f(x):
        for _ in range(steps):
            x = fnp.sin(x) * 1.01 + 0.1
        return fnp.sum(x)

    return f


WEIGHTS = np.linspace(0.5, 1.5, 6).reshape(2, 3)


def matrix_chain(steps):
    """Transposes that cancel, a ``* 1.0`` and a ``0.0 *`` in every step."""
    def f(x):
        for _ in range(steps):
            x = fnp.tanh(fnp.transpose(fnp.transpose(x) * 1.0) * WEIGHTS + 0.0 * x)
        return fnp.sum(x * x)

    return f


# name: (IR of n steps, an input, equations traced, equations left by optimize)
LONG_PROGRAMS = {
    "grad of a scalar chain": (
        lambda n: funcad.make_jaxpr(funcad.grad(scalar_chain(n)))(0.3), 0.3,
        lambda n: 9 * n, lambda n: 9 * n - 6),  # (the last step's forward pass, two seeds)
    "value_and_grad of a scalar chain": (
        lambda n: funcad.make_jaxpr(funcad.value_and_grad(scalar_chain(n)))(0.3), 0.3,
        lambda n: 9 * n, lambda n: 9 * n - 2),
    "grad of a vector chain": (
        lambda n: funcad.make_jaxpr(funcad.grad(vector_chain(n)))(np.ones(5)),
        np.linspace(-1.0, 1.0, 5), lambda n: 6 * n + 3, lambda n: 6 * n - 4),
    "grad of a matrix chain": (
        lambda n: funcad.make_jaxpr(funcad.grad(matrix_chain(n)))(np.ones((2, 3))),
        np.linspace(-1.0, 1.0, 6).reshape(2, 3), lambda n: 16 * n + 7, lambda n: 6 * n + 1),
}


@pytest.mark.parametrize("steps", [1, 2, 10, 3000])
@pytest.mark.parametrize("name", list(LONG_PROGRAMS))
def test_optimize_leaves_long_programs_as_the_rounds_did(name, steps):
    trace, x, traced, optimised = LONG_PROGRAMS[name]
    closed = trace(steps)
    assert len(closed.eqns) == traced(steps)
    result = passes.optimize(closed)
    assert len(result.eqns) == optimised(steps)
    assert names(passes.optimize(result)) == names(result)  # one round is a fixed point
    assert_same_results(closed, result, x, rtol=1e-12)


@pytest.mark.parametrize("name", list(LONG_PROGRAMS))
def test_rounds_finish_what_a_shallow_sweep_leaves(name, monkeypatch):
    """With no rewrite of a rewrite inside a sweep, optimize needs more rounds, and gets to
    the same IR."""
    trace, x, _, optimised = LONG_PROGRAMS[name]
    closed = trace(10)
    monkeypatch.setattr(passes, "MAX_REWRITE_DEPTH", 0)
    result = passes.optimize(closed)
    assert len(result.eqns) == optimised(10)
    assert_same_results(closed, result, x, rtol=1e-12)


def test_a_rewrite_is_rewritten_in_the_same_sweep():
    """``0 - (-x)``: the zero rule writes ``-(-x)``, which simplification removes at once."""
    closed = funcad.make_jaxpr(lambda x: 0.0 - (-x))(np.ones(3))
    assert names(closed) == ["neg", "sub"]
    assert names(passes.optimize(closed, max_rounds=1)) == []
    assert_same_results(closed, passes.optimize(closed), np.arange(3.0))


# ----------------------------------------------------------------------------------------------
# Property tests: random programs built from funcad.numpy operations.

MATRIX = np.linspace(-0.5, 0.5, 16).reshape(4, 4)

UNARY = [
    fnp.sin, fnp.tanh, lambda x: -x, lambda x: fnp.negative(-x), lambda x: x * 1, lambda x: 1.0 * x,
    lambda x: x + 0, lambda x: x - 0.0, lambda x: x / 1, lambda x: x ** 1,
    lambda x: fnp.tanh(x) ** 2, lambda x: x * 0.0, lambda x: x + fnp.zeros_like(x),
    lambda x: x * np.ones(x.shape), lambda x: x.T.T, lambda x: x.T,
    lambda x: reshape_p.bind(x, new_sizes=x.shape),
    lambda x: convert_element_type_p.bind(x, new_dtype=x.dtype),
    lambda x: broadcast_to_p.bind(x, shape=x.shape),
    lambda x: reduce_sum_p.bind(x, axes=()),
    funcad.stop_gradient,
    lambda x: fnp.where(x > 0, x, 0.0),
    lambda x: fnp.exp(fnp.tanh(x)),
    lambda x: fnp.sin(x) + fnp.sin(x),
    lambda x: fnp.mean(x) + x,
    lambda x: fnp.sum(x, axis=0, keepdims=True) * x if x.ndim else x,
    lambda x: x @ MATRIX[: x.shape[-1], : x.shape[-1]] if x.ndim else x,
    lambda x: x * fnp.exp(np.full(x.shape, 0.5)),
    lambda x: x + fnp.zeros_like(x) * fnp.cos(x),
    lambda x: x.astype(np.float64) * 2.0,
    lambda x: 0.0 - x, lambda x: 1 / (2.0 + fnp.tanh(x)), lambda x: (x * 0) ** 0 + x,
    lambda x: fnp.transpose(x[..., None] * fnp.ones(3), (2, 0, 1) if x.ndim == 2 else None),
]
BINARY = [
    lambda x, y: x + y, lambda x, y: x * y, lambda x, y: x - y,
    lambda x, y: x * 0 + y, lambda x, y: fnp.where(x > y, x, y), lambda x, y: x * 0 - y,
]


@st.composite
def programs(draw):
    """A function of one array built from random steps, and an input for it. Each step applies
    a unary operation to one earlier value, or a binary one to two values of the same shape."""
    shape = draw(shapes(max_dims=2))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    steps = draw(st.lists(st.tuples(st.booleans(), st.integers(0, 100), st.integers(0, 100),
                                    st.integers(0, 100)), min_size=1, max_size=8))
    x = draw(arrays(shape, dtype=dtype))

    def f(x):
        values = [x]
        for binary, op, i, j in steps:
            a, b = values[i % len(values)], values[j % len(values)]
            if binary and a.shape == b.shape:
                values.append(BINARY[op % len(BINARY)](a, b))
            else:
                values.append(UNARY[op % len(UNARY)](a))
        return values[-1]

    return f, x


def check_optimize(closed: ClosedJaxpr, x: np.ndarray):
    result = passes.optimize(closed)
    assert len(result.eqns) <= len(closed.eqns)
    assert passes.optimize(result).eqns.__len__() <= len(result.eqns)
    tolerance = 1e-5 if closed.in_avals[0].dtype == np.float32 else 1e-12
    for point in (x, np.cos(x) * 1.5):  # the traced input and a different one
        point = np.asarray(point, x.dtype)
        assert_same_results(closed, result, point, rtol=tolerance, atol=tolerance)


@given(programs())
def test_optimize_preserves_values_of_random_programs(program):
    f, x = program
    check_optimize(funcad.make_jaxpr(f)(x), x)


@given(programs())
def test_optimize_preserves_gradients_of_random_programs(program):
    f, x = program
    check_optimize(funcad.make_jaxpr(funcad.grad(lambda x: fnp.sum(f(x))))(x), x)


@given(programs())
def test_optimize_reaches_a_fixed_point_in_one_call(program):
    f, x = program
    for closed in (funcad.make_jaxpr(f)(x),
                   funcad.make_jaxpr(funcad.grad(lambda x: fnp.sum(f(x))))(x)):
        once = passes.optimize(closed)
        assert names(passes.optimize(once)) == names(once)
