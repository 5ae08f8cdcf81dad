"""``where`` with a singular function in the branch not taken: the gradient is exactly zero.

The derivative rules of functions whose derivative can be inf or nan (log at 0, sqrt below 0,
x / 0, ...) treat a zero cotangent as an exact zero (``absorbing_mul`` / ``absorbing_div``),
so ``grad(lambda x: where(x > 0, sqrt(x), 0))(-1.0)`` is 0, not ``0 * nan``. Each case is
checked at points where its branch is not taken and the function is singular (exact zeros,
in reverse mode, under jit, vmap and jacrev, to second order), and on arrays that mix those
points with points where the branch is taken, against central finite differences to second
order in both modes. The conditions keep a margin around the singular points, so that a
finite-difference step never crosses into the other branch.

A user's own multiplication still follows IEEE arithmetic: the last tests pin down exactly
where the rule applies and where it does not.
"""

from __future__ import annotations

import numpy as np
import pytest

import funcad
import funcad.numpy as fnp
from funcad.primitives.elementwise import absorbing_div, absorbing_mul
from funcad.test_util import check_grads

# The functions are evaluated at their singularities on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _away_from_zero(x):
    return fnp.abs(x) > 0.25


def _inside_unit(x):
    return fnp.abs(x) < 0.75


# name -> (branch function, condition, points not taken (singular there), points taken)
UNARY = {
    "sqrt": (fnp.sqrt, lambda x: x > 0.25, [-1.0, 0.0, -1e-300], [0.5, 4.0]),
    "cbrt": (fnp.cbrt, _away_from_zero, [0.0], [-2.0, 0.7]),
    "log": (fnp.log, lambda x: x > 0.25, [0.0, -1.0], [0.5, 3.0]),
    "log2": (fnp.log2, lambda x: x > 0.25, [0.0, -1.0], [0.5, 3.0]),
    "log10": (fnp.log10, lambda x: x > 0.25, [0.0, -1.0], [0.5, 3.0]),
    "log1p": (fnp.log1p, lambda x: x > -0.75, [-1.0, -2.0], [-0.5, 2.0]),
    "arcsin": (fnp.arcsin, _inside_unit, [1.0, -1.0, 2.0], [0.3, -0.6]),
    "arccos": (fnp.arccos, _inside_unit, [1.0, -1.0, 2.0], [0.3, -0.6]),
    "arctanh": (fnp.arctanh, _inside_unit, [1.0, -1.0], [0.3, -0.6]),
    "arccosh": (fnp.arccosh, lambda x: x > 1.25, [1.0, 0.5, -3.0], [1.5, 3.0]),
    "reciprocal": (lambda x: 1.0 / x, _away_from_zero, [0.0], [-2.0, 0.5]),
    "divide": (lambda x: x / (x - 1.0), lambda x: fnp.abs(x - 1.0) > 0.25, [1.0],
               [3.0, -1.0]),
    "power_half": (lambda x: x ** 0.5, lambda x: x > 0.25, [-1.0, 0.0], [0.5, 2.0]),
    "power_negative": (lambda x: x ** -1.5, lambda x: x > 0.25, [0.0, -1.0], [0.5, 2.0]),
    "integer_power_negative": (lambda x: x ** -2, _away_from_zero, [0.0], [-2.0, 0.5]),
    "power_traced_exponent": (lambda x: x ** (x + 0.5), lambda x: x > 0.25, [0.0, -1.0],
                              [0.5, 2.0]),
    "remainder": (lambda x: fnp.remainder(1.5, x), _away_from_zero, [0.0], [0.7, 2.0, -1.1]),
    "arctan2": (lambda x: fnp.arctan2(x, x ** 3), _away_from_zero, [0.0], [1.0, -2.0]),
}


def branch(name):
    fn, cond, _, _ = UNARY[name]
    return lambda x: fnp.where(cond(x), fn(x), 0.0)


def _assert_exact_zeros(value):
    value = np.asarray(value)
    assert np.all(value == 0), value


@pytest.mark.parametrize("name", sorted(UNARY))
def test_branch_not_taken_has_zero_gradient(name):
    f = branch(name)
    points = np.array(UNARY[name][2])
    for x in points:
        _assert_exact_zeros(funcad.grad(f)(x))
        _assert_exact_zeros(funcad.jit(funcad.grad(f))(x))
        _assert_exact_zeros(funcad.jvp(f, (x,), (1.0,))[1])
    _assert_exact_zeros(funcad.vmap(funcad.grad(f))(points))
    _assert_exact_zeros(funcad.jacrev(f)(points))
    _assert_exact_zeros(funcad.jacfwd(f)(points))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_branch_not_taken_has_zero_second_derivative(name):
    f = branch(name)
    for x in UNARY[name][2]:
        _assert_exact_zeros(funcad.grad(funcad.grad(f))(x))
        _assert_exact_zeros(funcad.hessian(f)(x))
        _assert_exact_zeros(funcad.jacfwd(funcad.jacrev(f))(x))
        _assert_exact_zeros(funcad.jit(funcad.grad(funcad.grad(f)))(x))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_mixed_points_match_finite_differences(name):
    """Taken and not-taken points in one array, to second order in both modes."""
    _, _, not_taken, taken = UNARY[name]
    x = np.array(not_taken + taken)
    check_grads(branch(name), (x,), order=2, modes=("fwd", "rev"))
    check_grads(lambda a: fnp.sum(branch(name)(a)), (x,), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_float32(name):
    _, _, not_taken, taken = UNARY[name]
    x = np.array(not_taken + taken, np.float32)
    f = branch(name)
    g = funcad.grad(lambda a: fnp.sum(f(a)))(x)
    assert g.dtype == np.float32
    _assert_exact_zeros(g[:len(not_taken)])
    expected = funcad.grad(lambda a: fnp.sum(f(a)))(x.astype(np.float64))
    np.testing.assert_allclose(g, expected, rtol=1e-5)
    assert funcad.jit(funcad.grad(lambda a: fnp.sum(f(a))))(x).dtype == np.float32


# ----------------------------------------------------------------------------------------------
# Two traced operands, broadcast against each other.

BINARY = {
    # name -> (f(a, b), a (2, 1), b (3,)): the branch is not taken where b (or a) is singular
    "divide": (lambda a, b: fnp.where(_away_from_zero(b), a / b, 0.0),
               [[0.0], [1.5]], [0.0, 2.0, -0.5]),
    "power": (lambda a, b: fnp.where(a > 0.25, a ** b, 0.0),
              [[0.0], [1.5]], [0.5, -1.5, 2.5]),
    "power_negative_base": (lambda a, b: fnp.where(a > 0.25, a ** b, 0.0),
                            [[-1.0], [0.7]], [0.5, -1.5, 2.5]),
    "remainder": (lambda a, b: fnp.where(_away_from_zero(b), fnp.remainder(a, b), 0.0),
                  [[0.3], [1.5]], [0.0, 2.0, -1.1]),
    "arctan2": (lambda a, b: fnp.where(_away_from_zero(a) | _away_from_zero(b),
                                       fnp.arctan2(a, b), 0.0),
                [[0.0], [1.5]], [0.0, 2.0, 0.5]),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_broadcast_operands(name):
    f, a, b = BINARY[name]
    a, b = np.array(a), np.array(b)
    check_grads(f, (a, b), order=2, modes=("fwd", "rev"))
    ga, gb = funcad.grad(lambda x, y: fnp.sum(f(x, y)), argnums=(0, 1))(a, b)
    assert ga.shape == a.shape and gb.shape == b.shape
    assert np.all(np.isfinite(ga)) and np.all(np.isfinite(gb))
    # The element (0, 0) is not taken: its cotangents alone are exact zeros.
    one = funcad.grad(lambda x, y: f(x, y)[0, 0], argnums=(0, 1))(a, b)
    _assert_exact_zeros(one[0])
    _assert_exact_zeros(one[1])
    ga32, gb32 = funcad.grad(lambda x, y: fnp.sum(f(x, y)), argnums=(0, 1))(
        a.astype(np.float32), b.astype(np.float32))
    assert ga32.dtype == gb32.dtype == np.float32
    np.testing.assert_allclose(ga32, ga, rtol=1e-5)
    np.testing.assert_allclose(gb32, gb, rtol=1e-5)


def test_integer_operands_are_constants():
    """An integer denominator (a constant) with zeros: the float operand's gradient."""
    k = np.array([0, 2, -1])
    x = np.array([1.0, 3.0, 5.0], np.float32)
    g = funcad.grad(lambda a: fnp.sum(fnp.where(k != 0, a / k, 0.0)))(x)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, [0.0, 0.5, -1.0])


def test_logaddexp_at_infinities():
    """Two equal infinities make e^(x - ans) nan: a branch not taken there gives zeros (to
    first order: the second derivative goes through exp of that nan)."""
    def f(a, b):
        return fnp.where(fnp.isfinite(a) & fnp.isfinite(b), fnp.logaddexp(a, b), 0.0)

    a = np.array([-np.inf, np.inf, 0.5])
    b = np.array([-np.inf, np.inf, -1.0])
    ga, gb = funcad.grad(lambda x, y: fnp.sum(f(x, y)), argnums=(0, 1))(a, b)
    _assert_exact_zeros(ga[:2])
    _assert_exact_zeros(gb[:2])
    np.testing.assert_allclose(ga[2] + gb[2], 1.0)
    check_grads(f, (a[2:], b[2:]), order=2, modes=("fwd", "rev"))


def test_max_of_a_slice_with_nan():
    """max over a nan has no chosen element; a zero cotangent still gives zeros."""
    x = np.array([[1.0, np.nan, 2.0], [3.0, 0.5, 1.0]])

    def f(a):
        m = fnp.max(a, axis=1)
        return fnp.sum(fnp.where(fnp.isnan(m), 0.0, m))

    np.testing.assert_array_equal(funcad.grad(f)(x), [[0, 0, 0], [1, 0, 0]])


# ----------------------------------------------------------------------------------------------
# What the rule means, exactly.


def test_second_derivative_through_a_zero_cotangent_is_exact_where_finite():
    """A cotangent that is zero on the branch taken (x = 0 in x * log1p(x)) still carries
    its derivative: f'' = 2 / (1 + x) - x / (1 + x)^2 = 2 at 0."""
    f = lambda x: x * fnp.log1p(x)  # noqa: E731
    assert funcad.grad(funcad.grad(f))(0.0) == 2.0
    assert funcad.hessian(f)(0.0) == 2.0
    assert funcad.grad(funcad.grad(lambda x: (x - 1.0) * fnp.log(x)))(1.0) == 2.0


def test_zero_cotangent_at_a_singularity_is_taken_as_zero():
    """Where the cotangent is zero and the local derivative infinite, the derivative through
    that cotangent is taken as zero: d/dy (y / (2 sqrt x)) at x = 0, y = 0 is 0, not inf."""
    def dfdx(x, y):
        return funcad.grad(lambda a: y * fnp.sqrt(a))(x)

    assert funcad.grad(lambda y: dfdx(0.0, y))(0.0) == 0.0
    assert funcad.grad(lambda y: dfdx(4.0, y))(0.0) == 0.25  # exact where finite
    assert funcad.grad(lambda y: dfdx(0.0, y))(1.0) == np.inf  # a nonzero cotangent: IEEE


def test_users_own_multiplication_follows_ieee():
    # x * inf: the product's own derivative is inf, times the zero cotangent of the branch.
    assert np.isnan(funcad.grad(lambda x: fnp.where(x > 0, x * fnp.inf, 0.0))(-1.0))
    # 0.0 * log(x): the value is nan; the product sends a zero cotangent into log, which
    # absorbs it.
    value, g = funcad.value_and_grad(lambda x: 0.0 * fnp.log(x))(0.0)
    assert np.isnan(value) and g == 0.0
    # p * log(p) at 0: d(p * log p)/dp has the term log(p) = -inf times the zero cotangent,
    # in the user's product: the double where is still the way out there.
    assert np.isnan(funcad.grad(lambda p: fnp.where(p > 0, p * fnp.log(p), 0.0))(0.0))

    def entropy_term(p):
        safe = fnp.where(p > 0, p, 1.0)
        return fnp.where(p > 0, safe * fnp.log(safe), 0.0)

    assert funcad.grad(entropy_term)(0.0) == 0.0


def test_functions_with_finite_derivatives_keep_the_plain_product():
    for f in (fnp.sin, fnp.tanh, fnp.exp, lambda x: x * x, lambda x: x + 2.0 * x):
        assert "absorbing" not in str(funcad.make_jaxpr(funcad.grad(f))(1.5))
    assert "absorbing_div" in str(funcad.make_jaxpr(funcad.grad(fnp.log))(1.5))
    # Division by a nonzero number (as in mean) needs no care either.
    assert "absorbing" not in str(funcad.make_jaxpr(funcad.grad(fnp.mean))(np.ones(3)))


def test_forward_mode_absorbs_zero_tangents_too():
    """Forward-mode rules come from the same derivatives: a zero tangent component at a
    singular point gives 0, so jacfwd and jacrev agree (off the diagonal: 0, not nan)."""
    x = np.array([0.0, 1.0])
    expected = np.array([[np.inf, 0.0], [0.0, 0.5]])
    np.testing.assert_array_equal(funcad.jacfwd(fnp.sqrt)(x), expected)
    np.testing.assert_array_equal(funcad.jacrev(fnp.sqrt)(x), expected)


def test_where_still_picks_the_tangent_of_the_taken_branch():
    f = branch("sqrt")
    assert funcad.jvp(f, (4.0,), (1.0,))[1] == 0.25
    assert funcad.grad(f)(4.0) == 0.25


# ----------------------------------------------------------------------------------------------
# The two primitives.


def test_absorbing_values():
    inf, nan = np.inf, np.nan
    x = np.array([0.0, 0.0, 1.0, nan, 0.0, -2.0])
    y = np.array([inf, nan, inf, 0.0, 3.0, 0.5])
    np.testing.assert_array_equal(absorbing_mul(x, y), [0, 0, inf, 0, 0, -1])
    y = np.array([0.0, nan, 0.0, 1.0, inf, 0.5])
    np.testing.assert_array_equal(absorbing_div(x, y), [0, 0, inf, nan, 0, -4])
    assert absorbing_div(np.float64(0), np.float64(0)) == 0.0
    assert type(absorbing_div(np.float64(0), np.float64(0))) is np.float64
    assert type(absorbing_mul(np.float32(0), np.float32(inf))) is np.float32
    assert absorbing_mul(np.zeros(2, np.float32), np.float32(inf)).dtype == np.float32
    assert np.isnan(absorbing_mul(np.float64(nan), np.float64(2.0)))  # no zero: IEEE
    assert np.isinf(absorbing_div(np.float64(1.0), np.float64(0.0)))
    assert absorbing_div(fnp.zeros(2), 0.0).tolist() == [0.0, 0.0]  # (an Array subclass)


def test_absorbing_primitives_derivatives():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 2.0, (2, 3))
    y = rng.uniform(0.5, 2.0, (3,))
    for f in (absorbing_mul, absorbing_div):
        check_grads(f, (x, y), order=2, modes=("fwd", "rev"))
        np.testing.assert_allclose(funcad.vmap(f)(x, np.stack([y, y])), f(x, y))
        check_grads(funcad.jit(f), (x, y), order=1, modes=("fwd", "rev"))
