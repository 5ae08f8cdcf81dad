"""Property tests of the derivative rule tables, in reverse mode.

Every differentiable primitive (and the funcad.numpy / funcad.scipy functions built from them)
is checked with ``check_grads`` against central finite differences along random directions,
to second order, on shapes and values drawn by Hypothesis. The cases (functions, domains,
shapes) live in ``cases.py``, shared with test_jvp.py, which checks the same cases in forward
mode.

Besides the numbers, ``check`` asserts that each input's cotangent has that input's shape
and dtype. The rest pins down what the shared cases cannot: exact gradients (products with
zeros, repeated index positions), staging of the backward pass, float32 gradients, and
derivative conventions that finite differences cannot see: ties of max/min, abs at 0, the
where-NaN trap, mixed precision.
"""

from __future__ import annotations

import cases as C
import numpy as np
import pytest
import strategies as S
from cases import ANY, NONZERO, POSITIVE
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import Domain

import funcad
import funcad.numpy as fnp
from funcad import tree_util
from funcad.scipy.special import logsumexp, softmax
from funcad.test_util import check_grads


def check(f, *args, order: int = 2) -> None:
    """check_grads to ``order``, plus: every cotangent has its primal's shape and dtype."""
    check_grads(f, args, order=order)
    out, f_vjp = funcad.vjp(f, *args)
    cotangent = tree_util.tree_map(lambda o: np.ones(np.shape(o), np.result_type(o)), out)
    cotangents = f_vjp(cotangent)
    for primal, ct in zip(tree_util.tree_leaves(args), tree_util.tree_leaves(cotangents)):
        assert isinstance(ct, (np.ndarray, np.generic)), type(ct)
        assert np.shape(ct) == np.shape(primal), (np.shape(ct), np.shape(primal))
        assert np.result_type(ct) == np.result_type(primal), (ct.dtype, np.result_type(primal))


@pytest.mark.parametrize("case", list(C.CASES))
@given(data=st.data())
def test_reverse_mode(case, data):
    """Every shared case (cases.py), in reverse mode to second order."""
    for f, args in C.CASES[case](data):
        check(f, *args)


# ----------------------------------------------------------------------------------------------
# Exact gradients.


def test_power_zero_exponent_and_zero_base():
    """0 ** 0 == 1 with derivative 0 in the base (not nan); d/dy at x == 0 taken as 0."""
    gx, gy = funcad.grad(lambda x, y: fnp.power(x, y), argnums=(0, 1))(0.0, 0.0)
    assert gx == 0.0 and gy == 0.0
    assert funcad.grad(lambda x: x ** 0)(0.0) == 0.0
    assert funcad.grad(lambda x: x ** 0.0)(0.0) == 0.0


@given(operands=C.prod_with_zeros_operands())
def test_prod_with_zeros_exact_gradient(operands):
    """The exact gradient: the product of the other elements along the reduced axes."""
    x, axis = operands
    g = funcad.grad(lambda a: fnp.sum(fnp.prod(a, axis=axis)))(x)
    axes = tuple(range(x.ndim)) if axis is None else np.atleast_1d(axis) % x.ndim
    expected = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        others = x.copy()
        others[i] = 1.0
        same = tuple(slice(None) if d in axes else i[d] for d in range(x.ndim))
        expected[i] = np.prod(others[same])
    np.testing.assert_allclose(g, expected, rtol=1e-12, atol=1e-300)


def test_index_update_repeated_positions():
    """Repeated positions (cases.REPEATED_POSITIONS): ``multiply`` multiplies by every value,
    ``set`` keeps the last one, and only that one gets a cotangent."""
    x, index, values = C.REPEATED_POSITIONS
    g_values = funcad.grad(lambda v: fnp.sum(fnp.at(x)[index].multiply(v)))(values)
    np.testing.assert_allclose(g_values, [1.5 * -0.5 * 0.25, 0.5, 1.5 * 2 * 0.25,
                                          1.5 * 2 * -0.5])
    g_values = funcad.grad(lambda v: fnp.sum(fnp.at(x)[index].set(v) * np.arange(1, 4)))(values)
    np.testing.assert_allclose(g_values, [0.0, 3.0, 0.0, 1.0])


# ----------------------------------------------------------------------------------------------
# The rules are written in funcad operations, so the backward pass can itself be staged:
# make_jaxpr(grad(f)) (and of grad of grad) reproduces the eager gradients.

_Y = np.array([0.35, 0.55, 0.8])
STAGED_LOSSES = {
    "sin": lambda a: fnp.sum(fnp.sin(a)),
    "pow": lambda a: fnp.sum(a ** _Y),
    "integer_pow": lambda a: fnp.sum(a ** 3),
    "abs": lambda a: fnp.sum(fnp.abs(a - 0.5)),
    "max": lambda a: fnp.sum(fnp.max(a, axis=0)),
    "maximum": lambda a: fnp.sum(fnp.maximum(a, _Y)),
    "prod": lambda a: fnp.prod(a),
    "var": lambda a: fnp.var(a, axis=1).sum(),
    "cumsum": lambda a: fnp.sum(fnp.cumsum(a, axis=1) ** 2),
    "getitem": lambda a: fnp.sum(a[np.array([0, 0, 1]), ::-1] ** 2),
    "at_set": lambda a: fnp.sum(fnp.at(a)[np.array([0, 0])].set(a[1] * 2) ** 2),
    "at_multiply": lambda a: fnp.sum(fnp.at(a)[np.array([0, 0])].multiply(a[1]) ** 2),
    "matmul": lambda a: fnp.sum(fnp.matmul(a, a.T) ** 2),
    "einsum": lambda a: fnp.einsum("ij,ij,kj->", a, a, a),
    "logsumexp": lambda a: logsumexp(a, axis=1, b=_Y[:2, None]).sum(),
    "softmax": lambda a: (softmax(a, axis=0) ** 2).sum(),
    "norm": lambda a: fnp.linalg.norm(a, ord=np.inf, axis=1).sum(),
    "concatenate": lambda a: (fnp.concatenate([a, a[:1]]) ** 2).sum(),
    "where": lambda a: fnp.where(a > 0.5, a, a ** 2).sum(),
    "clip": lambda a: (fnp.clip(a, 0.4, 0.7) ** 2).sum(),
    "remainder": lambda a: fnp.remainder(a, 0.25).sum() + fnp.remainder(1.0, a).sum(),
    "arctan2": lambda a: fnp.arctan2(a, _Y).sum(),
    "hypot": lambda a: fnp.hypot(a, _Y).sum(),
    "tile_split": lambda a: (fnp.split(fnp.tile(a, (2, 1)), 3, axis=1)[1] ** 2).sum(),
}


@pytest.mark.parametrize("name", sorted(STAGED_LOSSES))
@given(x=S.arrays((2, 3), Domain(0.2, 0.95)))
def test_backward_pass_stages(name, x):
    loss = STAGED_LOSSES[name]
    for fn in (funcad.grad(loss),
               funcad.grad(lambda a: fnp.sum(funcad.grad(loss)(a) ** 2))):
        expected = fn(x)
        closed = funcad.make_jaxpr(fn)(x)
        assert [(a.shape, a.dtype) for a in closed.out_avals] == [(x.shape, x.dtype)]
        (staged,) = funcad.eval_jaxpr(closed.jaxpr, closed.consts, x)
        np.testing.assert_allclose(staged, expected, rtol=1e-12, atol=1e-300)


# ----------------------------------------------------------------------------------------------
# float32: gradients are float32 and agree with the float64 computation.

FLOAT32_CASES = {
    **C.UNARY,
    "sum_axis": (lambda a: fnp.sum(a, axis=-1), ANY),
    "prod": (lambda a: fnp.prod(a), Domain(0.5, 1.5)),
    "mean": (lambda a: fnp.mean(a, axis=0), ANY),
    "var": (fnp.var, ANY),
    "logsumexp": (logsumexp, ANY),
    "softmax": (lambda a: softmax(a, axis=-1), ANY),
    "norm": (fnp.linalg.norm, NONZERO),
    "matmul_self": (lambda a: fnp.matmul(a, fnp.swapaxes(a, -1, -2)) if a.ndim >= 2
                    else a * a, ANY),
    "cumsum": (lambda a: fnp.cumsum(a * a), ANY),
    "pow_scalar": (lambda a: a ** 2.5, POSITIVE),
    "pow_int": (lambda a: a ** 3, ANY),
    "times_python_scalar": (lambda a: 3.0 * a - a / 2.0, ANY),
    "where": (lambda a: fnp.where(a > 0, a, 0.5 * a), NONZERO),
    "getitem": (lambda a: a[..., ::-1] * a, ANY),
    "einsum": (lambda a: fnp.einsum("...i,...i->...", a, a), ANY),
}


@pytest.mark.parametrize("name", sorted(FLOAT32_CASES))
@given(data=st.data())
def test_float32_gradients(name, data):
    fn, domain = FLOAT32_CASES[name]
    x32 = data.draw(S.arrays(S.shapes(min_dims=1), domain, np.float32), label="x")
    if name == "var":
        assume(x32.size >= 2)

    def loss(a):
        return fnp.sum(fn(a))

    out32 = fn(x32)
    assert np.result_type(out32) == np.float32, np.result_type(out32)
    g32 = funcad.grad(loss)(x32)
    g64 = funcad.grad(loss)(x32.astype(np.float64))
    assert g32.dtype == np.float32, g32.dtype
    assert g32.shape == x32.shape
    np.testing.assert_allclose(g32, g64, rtol=2e-4, atol=2e-5 * (1 + np.max(np.abs(g64),
                                                                            initial=0)))


# ----------------------------------------------------------------------------------------------
# Derivative conventions finite differences cannot check.


def test_max_min_ties_split_evenly():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    np.testing.assert_allclose(funcad.grad(lambda a: fnp.max(a))(x), [[0, .5, .5], [0, 0, 0]])
    np.testing.assert_allclose(funcad.grad(lambda a: fnp.sum(fnp.max(a, axis=1)))(x),
                               [[0, .5, .5], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(funcad.grad(lambda a: fnp.sum(fnp.min(a, axis=0)))(x),
                               [[1, 0, 0], [0, 1, 1]])
    np.testing.assert_allclose(funcad.grad(lambda a: fnp.min(a))(np.array([1.0, 1.0])),
                               [0.5, 0.5])


def test_maximum_minimum_ties_split_evenly():
    for fn in (fnp.maximum, fnp.minimum):
        gx, gy = funcad.grad(fn, argnums=(0, 1))(1.5, 1.5)
        assert (gx, gy) == (0.5, 0.5)
        assert funcad.grad(lambda x, fn=fn: fn(x, x))(1.5) == 1.0
        g = funcad.grad(lambda x, fn=fn: fnp.sum(fn(x, 1.0)))(np.array([0.0, 1.0, 2.0]))
        np.testing.assert_allclose(g, [0, 0.5, 1] if fn is fnp.maximum else [1, 0.5, 0])


def test_abs_at_zero_is_one():
    assert funcad.grad(fnp.abs)(0.0) == 1.0
    assert funcad.grad(fnp.abs)(-0.0) == 1.0
    assert funcad.grad(fnp.abs)(-2.0) == -1.0
    assert funcad.grad(lambda x: abs(x))(0.0) == 1.0


def test_where_nan_trap_and_double_where():
    """The unselected branch still takes part in the backward pass with a zero cotangent;
    sqrt's rule makes zero times sqrt'(-1) an exact zero, so the single where is safe. The
    double where (making the branch's *input* safe), which other libraries need, works too.
    A user's own product still follows IEEE: 0 * inf in their code's derivative is nan."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        single = funcad.grad(lambda x: fnp.where(x > 0, fnp.sqrt(x), 0.0))(-1.0)
        own_product = funcad.grad(lambda x: fnp.where(x < 0, x, fnp.exp(x) * 0.0))(1000.0)
    assert single == 0.0
    assert np.isnan(own_product)

    def double(x):
        safe = fnp.where(x > 0, x, 1.0)
        return fnp.where(x > 0, fnp.sqrt(safe), 0.0)

    assert funcad.grad(double)(-1.0) == 0.0
    assert funcad.grad(double)(4.0) == 0.25
    assert np.all(np.isfinite(funcad.grad(lambda x: fnp.sum(double(x)))(np.array([-1., 0.]))))


def test_mixed_precision_cotangent_dtypes():
    """A float32 operand times a float64 one: the product is float64, and each operand's
    cotangent has the operand's own dtype."""
    x32 = np.array([0.5, 2.0], np.float32)
    y64 = np.array([3.0, 4.0])
    cases = [
        lambda x, y: fnp.sum(x * y),
        lambda x, y: fnp.dot(x, y),
        lambda x, y: fnp.sum(fnp.outer(x, y)),
        lambda x, y: fnp.einsum("i,i->", x, y),
        lambda x, y: fnp.sum(fnp.where(x > 1, x, y)),
        lambda x, y: fnp.sum(fnp.concatenate([x, y])),
        lambda x, y: fnp.sum(fnp.maximum(x, y) + x / y + y ** x),
        lambda x, y: fnp.sum(fnp.at(y)[0].set(x[1]) * fnp.at(y)[:].add(x)),
    ]
    for f in cases:
        gx, gy = funcad.grad(f, argnums=(0, 1))(x32, y64)
        assert gx.dtype == np.float32 and gy.dtype == np.float64, (gx.dtype, gy.dtype)
        check(f, x32.astype(np.float64), y64)


def test_second_order_mixed_precision():
    x32 = np.float32(1.5)
    g2 = funcad.grad(funcad.grad(lambda x: x * np.float64(2.0) * x))(x32)
    assert np.result_type(g2) == np.float32 and g2 == 4.0


def test_integer_and_constant_operands_get_no_cotangent():
    g = funcad.grad(lambda x: fnp.sum(x * np.arange(3)))(np.ones(3))
    np.testing.assert_array_equal(g, [0.0, 1.0, 2.0])
    g = funcad.grad(lambda x: fnp.sum(x[np.array([2, 2])]) + fnp.sum(fnp.floor(x) * x))(
        np.array([0.5, 1.5, 2.5]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 4.0])


def test_stop_gradient_and_nondifferentiable_outputs():
    x = np.array([0.5, -1.5, 2.0])
    g = funcad.grad(lambda a: fnp.sum(funcad.stop_gradient(a) * a))(x)
    np.testing.assert_array_equal(g, x)
    g = funcad.grad(lambda a: fnp.sum(a * fnp.sign(a) + fnp.round(a) + fnp.floor(a)))(x)
    np.testing.assert_array_equal(g, np.sign(x))
    g = funcad.grad(lambda a: fnp.sum(a[fnp.argmax(a)] * fnp.where(a > 0, 1.0, 2.0)))(x)
    np.testing.assert_array_equal(g, [0.0, 0.0, 4.0])
