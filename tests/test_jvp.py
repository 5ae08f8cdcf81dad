"""Forward mode: ``jvp`` and ``linearize``.

Every shared case of the rule tables (``cases.py``, the same cases test_rules.py checks in
reverse mode) is checked with ``check_grads(..., order=2, modes=("fwd",))``: forward mode
against central finite differences to second order (jvp of jvp), plus the transpose
(dot-product) test ``<u, jvp(v)> == <vjp(u), v>`` that ties the two rule tables together.
Then closed forms and conventions, the API (pytrees, has_aux, integer and Python-scalar
primals, tangent dtypes and shapes, symbolic zeros, error messages), ``linearize`` (same
numbers as jvp, primal function not re-run), and compositions with grad, vmap and itself,
including perturbation confusion.
"""

from __future__ import annotations

import cases as C
import numpy as np
import pytest
import strategies as S
from hypothesis import given
from hypothesis import strategies as st
from strategies import Domain

import funcad
import funcad.numpy as fnp
from funcad import float0, grad, jvp, linearize, tree_util, vmap
from funcad.scipy.special import logsumexp, softmax
from funcad.test_util import check_dot_product, check_grads


def _ones_tangent(x):
    x = np.asarray(x)
    if x.dtype.kind in "fc":
        return np.ones(x.shape, x.dtype)
    return np.zeros(x.shape, float0)


def check(f, *args, order: int = 2, modes=("fwd",)) -> None:
    """check_grads in ``modes`` and the transpose test, plus: each output tangent has its
    output's shape and dtype (float0 for integer/bool outputs)."""
    check_grads(f, args, order=order, modes=modes)
    if "rev" not in modes:  # (check_grads runs it when given both modes)
        check_dot_product(f, args)
    out, t_out = jvp(f, args, tree_util.tree_map(_ones_tangent, args))
    assert tree_util.tree_structure(out) == tree_util.tree_structure(t_out)
    for o, t in zip(tree_util.tree_leaves(out), tree_util.tree_leaves(t_out)):
        assert not isinstance(t, funcad.core.Tracer), t
        assert np.shape(t) == np.shape(o), (np.shape(t), np.shape(o))
        expected = np.result_type(o) if np.result_type(o).kind in "fc" else float0
        assert np.result_type(t) == expected, (np.result_type(t), expected)


@pytest.mark.parametrize("case", list(C.CASES))
@given(data=st.data())
def test_forward_mode(case, data):
    """Every shared case (cases.py), in forward mode to second order, with the transpose
    test."""
    for f, args in C.CASES[case](data):
        check(f, *args)


# ----------------------------------------------------------------------------------------------
# Closed forms and conventions.


@pytest.mark.parametrize("name", ["sin", "exp", "sqrt", "abs", "tanh"])
def test_unary_closed_form_and_python_scalar(name):
    """(The finite-difference check at a Python scalar is the case unary_python_scalar.)"""
    fn, _ = C.UNARY[name]
    derivative = {"sin": np.cos, "exp": np.exp, "sqrt": lambda x: 0.5 / np.sqrt(x),
                  "abs": np.sign, "tanh": lambda x: 1 - np.tanh(x) ** 2}[name]
    _, t = jvp(fn, (0.7,), (2.0,))
    assert np.result_type(t) == np.float64 and np.shape(t) == ()
    np.testing.assert_allclose(t, 2.0 * derivative(0.7), rtol=1e-14)


def test_piecewise_constant_functions_have_zero_tangents():
    x = np.array([-1.3, 0.4, 2.6])
    for fn in (fnp.sign, fnp.floor, fnp.ceil, fnp.round, fnp.rint):
        _, t = jvp(lambda a, fn=fn: fn(a) * 1.0, (x,), (np.ones(3),))
        np.testing.assert_array_equal(t, np.zeros(3))
        assert t.dtype == np.float64
    # Comparisons have bool outputs: float0 tangents.
    _, t = jvp(lambda a: a > 0, (x,), (np.ones(3),))
    assert t.dtype == float0 and t.shape == (3,)


def test_integer_power_closed_form():
    for k in range(-2, 5):
        _, t = jvp(lambda a, k=k: a ** k, (1.5,), (1.0,))
        assert t == pytest.approx(k * 1.5 ** (k - 1), rel=1e-14), k
        # second derivative by jvp of jvp
        _, t2 = jvp(lambda a, k=k: jvp(lambda b: b ** k, (a,), (1.0,))[1], (1.5,), (1.0,))
        assert t2 == pytest.approx(k * (k - 1) * 1.5 ** (k - 2), rel=1e-14, abs=1e-14), k


def test_power_at_zero_base_is_finite():
    """The forward rule shares the VJP's convention: 0 ** 0 has derivative 0 (not nan)."""
    _, t = jvp(lambda x, y: fnp.power(x, y), (0.0, 0.0), (1.0, 1.0))
    assert t == 0.0
    _, t = jvp(lambda x: x ** 0, (0.0,), (1.0,))
    assert t == 0.0


def test_max_min_ties_forward_convention():
    """At a tie the tangent is the mean of the tied tangents: the transpose of reverse
    mode's even split (so the dot-product test holds there too)."""
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    v = np.array([[5.0, 1.0, 2.0], [3.0, 6.0, 9.0]])
    _, t = jvp(lambda a: fnp.max(a, axis=1), (x,), (v,))
    np.testing.assert_allclose(t, [1.5, 6.0])
    _, t = jvp(fnp.maximum, (1.5, 1.5), (2.0, 4.0))
    assert t == 3.0
    # At a kink finite differences mean nothing, but the transpose test still holds.
    check_dot_product(lambda a: fnp.max(a, axis=1), (x,))
    check_dot_product(lambda a: fnp.min(a), (x,))
    check_dot_product(lambda a, b: fnp.minimum(a, b), (x, x))
    check_dot_product(lambda a: fnp.maximum(a, a[:, ::-1]), (x,))


@given(operands=C.prod_with_zeros_operands())
def test_prod_with_zeros_exact_tangent(operands):
    """The jvp along e_i is the product of the others (no 0/0)."""
    x, _ = operands
    i = tuple(0 for _ in x.shape)
    e = np.zeros_like(x)
    e[i] = 1.0
    _, t = jvp(lambda a: fnp.prod(a), (x,), (e,))
    others = x.copy()
    others[i] = 1.0
    assert t == pytest.approx(np.prod(others), rel=1e-12, abs=1e-300)


def test_index_update_repeated_positions():
    """Repeated positions (cases.REPEATED_POSITIONS): add adds every value, multiply
    multiplies by every one, set keeps the last. Forward mode gives the exact derivative."""
    x, index, values = C.REPEATED_POSITIONS
    e = np.eye(4)
    f = lambda v: fnp.at(x)[index].multiply(v)
    cols = [jvp(f, (values,), (e[j],))[1] for j in range(4)]
    np.testing.assert_allclose(cols[0], [1.5 * -0.5 * 0.25, 0, 0])
    np.testing.assert_allclose(cols[1], [0, 0, 0.5])
    np.testing.assert_allclose(cols[3], [1.5 * 2 * -0.5, 0, 0])
    _, t = jvp(lambda v: fnp.at(x)[index].set(v), (values,), (np.array([1.0, 2.0, 3.0, 4.0]),))
    np.testing.assert_allclose(t, [4.0, 0.0, 2.0])
    _, t = jvp(lambda a, v: fnp.at(a)[index].add(v), (x, values),
               (np.array([1.0, 10.0, 100.0]), np.array([1.0, 2.0, 3.0, 4.0])))
    np.testing.assert_allclose(t, [9.0, 10.0, 102.0])


# ----------------------------------------------------------------------------------------------
# Mixed precision.


def test_dot_general_mixed_precision_tangent_dtypes():
    """A float32 operand times a float64 one: the output (and its tangent) is float64."""
    x32 = np.array([[0.5, 2.0]], np.float32)
    y64 = np.array([[3.0], [4.0]])
    out, t = jvp(lambda x, y: x @ y, (x32, y64), (np.ones_like(x32), np.ones_like(y64)))
    assert out.dtype == t.dtype == np.float64
    np.testing.assert_allclose(t, [[3 + 4 + 0.5 + 2]])
    out, t = jvp(lambda x: x @ y64, (x32,), (np.ones_like(x32),))
    assert t.dtype == np.float64
    out, t = jvp(lambda x: fnp.sum(x * x), (x32,), (np.ones_like(x32),))
    assert t.dtype == np.float32


@pytest.mark.parametrize("op", ["mul", "div", "rdiv", "add", "pow", "maximum", "where"])
def test_mixed_precision_tangents_are_not_rounded(op):
    """A float32 operand of a float64 result: its tangent is promoted, not rounded to
    float32 on the way (the result is exact to float64 precision)."""
    y = np.float64(1 / 7)
    x32 = np.float32(1 / 3)
    fn, derivative = {
        "mul": (lambda x: x * y, y),
        "div": (lambda x: x / y, 1 / y),
        "rdiv": (lambda x: y / x, -y / np.float64(x32) ** 2),
        "add": (lambda x: (x + y) * y, y),
        "pow": (lambda x: x ** y, y * np.float64(x32) ** (y - 1)),
        "maximum": (lambda x: fnp.maximum(x, y) * y, y),
        "where": (lambda x: fnp.where(x > 0, x, y) * y, y),
    }[op]
    _, t = jvp(fn, (x32,), (np.float32(1.0),))
    assert np.result_type(t) == np.float64
    assert t == pytest.approx(derivative, rel=1e-14)


# ----------------------------------------------------------------------------------------------
# The jvp API.


def test_pytrees_in_and_out():
    def f(params, xs):
        w, b = params["w"], params["b"]
        return {"y": fnp.tanh(xs[0] @ w + b), "z": [fnp.sum(w * w), xs[1] * 2.0]}

    params = {"w": np.array([[1.0, -0.5], [0.25, 2.0]]), "b": np.array([0.1, -0.2])}
    xs = (np.array([0.3, 0.7]), 1.5)
    t_params = {"w": np.array([[0.1, 0.2], [0.3, 0.4]]), "b": np.array([1.0, -1.0])}
    t_xs = (np.array([0.5, -0.5]), 2.0)
    out, t = jvp(f, (params, xs), (t_params, t_xs))
    assert tree_util.tree_structure(out) == tree_util.tree_structure(t)
    assert set(t) == {"y", "z"} and len(t["z"]) == 2
    pre = xs[0] @ params["w"] + params["b"]
    dpre = t_xs[0] @ params["w"] + xs[0] @ t_params["w"] + t_params["b"]
    np.testing.assert_allclose(out["y"], np.tanh(pre))
    np.testing.assert_allclose(t["y"], (1 - np.tanh(pre) ** 2) * dpre, rtol=1e-14)
    np.testing.assert_allclose(t["z"][0], 2 * np.sum(params["w"] * t_params["w"]), rtol=1e-14)
    assert t["z"][1] == 4.0
    check(f, params, xs, modes=("fwd", "rev"))


def test_primals_as_list():
    out, t = jvp(lambda x, y: x * y, [2.0, 3.0], [1.0, 0.0])
    assert (out, t) == (6.0, 3.0)


def test_has_aux():
    def f(x):
        y = fnp.sin(x)
        return y * 2.0, {"y": y, "n": 3, "x": x}

    x = np.array([0.5, 1.0])
    _, t, aux = jvp(f, (x,), (np.ones(2),), has_aux=True)
    np.testing.assert_allclose(t, 2 * np.cos(x))
    # The auxiliary data is plain values (no tracers), unchanged structure.
    assert set(aux) == {"y", "n", "x"} and aux["n"] == 3
    for leaf in tree_util.tree_leaves(aux):
        assert not isinstance(leaf, funcad.core.Tracer)
    np.testing.assert_allclose(aux["y"], np.sin(x))
    np.testing.assert_array_equal(aux["x"], x)
    with pytest.raises(TypeError, match="has_aux"):
        jvp(lambda x: fnp.sin(x), (x,), (np.ones(2),), has_aux=True)


def test_integer_primals_with_float0_tangents():
    x = np.array([0.5, 1.5])
    n = np.array([2, 3])
    out, t = jvp(lambda a, k: a ** 2 * k, (x, n), (np.ones(2), np.zeros(2, float0)))
    np.testing.assert_allclose(t, 2 * x * n)
    # Python int primal, its float0 tangent; an integer output gets a float0 tangent.
    out, t = jvp(lambda a, k: (a * k, k + 1, fnp.argmax(a)), (1.5, 4),
                 (1.0, np.zeros((), float0)))
    assert t[0] == 4.0 and out[1] == 5 and out[2] == 0
    assert t[1].dtype == float0 and t[1].shape == ()
    assert t[2].dtype == float0 and t[2].shape == ()
    out, t = jvp(lambda k: k * 2, (np.arange(3),), (np.zeros(3, float0),))
    assert t.dtype == float0 and t.shape == (3,)
    check(lambda a, k: a * k, x, n, modes=("fwd", "rev"))


def test_python_scalar_primals_and_tangents():
    out, t = jvp(lambda x, y: x * y + x, (2.0, 3.0), (1.0, 1.0))
    assert out == 8.0 and t == 6.0
    assert np.result_type(t) == np.float64
    # A Python float tangent for a float32 primal is taken in float32 (weak typing).
    out, t = jvp(fnp.sin, (np.float32(0.5),), (1.0,))
    assert np.result_type(t) == np.float32
    out, t = jvp(lambda x: x * 2.0, (np.ones(3, np.float32),), (np.ones(3, np.float32),))
    assert t.dtype == np.float32 and t.shape == (3,)
    # Scalar primal, array tangent of the same (0-d) shape.
    out, t = jvp(fnp.exp, (0.0,), (np.array(3.0),))
    assert t == 3.0


def test_output_tangent_shapes_and_dtypes():
    x = np.ones((2, 3), np.float32)
    _, t = jvp(lambda a: (a.sum(0), a.T, a[0, 0], a * np.float64(2.0)), (x,),
                 (np.ones_like(x),))
    assert [np.shape(v) for v in t] == [(3,), (3, 2), (), (2, 3)]
    assert [np.result_type(v) for v in t] == [np.float32] * 3 + [np.float64]
    for v in t:
        assert isinstance(v, (np.ndarray, np.generic))


def test_zero_tangents_for_outputs_independent_of_inputs():
    x = np.array([1.0, 2.0])

    def f(a):
        return {"dep": a * 2.0, "const": np.ones((2, 2), np.float32), "scalar": 2.0,
                "int": np.arange(3), "stopped": funcad.stop_gradient(a) * 3.0,
                "python_int": 7}

    _, t = jvp(f, (x,), (np.ones(2),))
    np.testing.assert_array_equal(t["dep"], [2.0, 2.0])
    assert t["const"].dtype == np.float32 and t["const"].shape == (2, 2)
    np.testing.assert_array_equal(t["const"], 0)
    assert np.result_type(t["scalar"]) == np.float64 and np.shape(t["scalar"]) == ()
    assert t["scalar"] == 0.0
    assert t["int"].dtype == float0 and t["int"].shape == (3,)
    assert np.result_type(t["stopped"]) == np.float64 and np.all(t["stopped"] == 0)
    assert t["python_int"].dtype == float0
    # A zero input tangent gives zero output tangents.
    _, t = jvp(lambda a: (fnp.log(a), a @ a), (np.array([0.5, 1.0]),), (np.zeros(2),))
    np.testing.assert_array_equal(t[0], [0.0, 0.0])
    assert t[1] == 0.0


@pytest.mark.parametrize("primals, tangents, match", [
    ((np.ones(3),), (np.ones(2),), r"expected f64\[3\], got f64\[2\]"),
    ((np.ones(3),), (np.ones(3, np.float32),), r"expected f64\[3\], got f32\[3\]"),
    ((np.ones(3, np.float32),), (np.ones(3),), r"expected f32\[3\], got f64\[3\]"),
    ((np.ones(3),), (np.ones(3, int),), r"expected f64\[3\], got i64\[3\]"),
    ((np.ones(3),), (np.ones(3), np.ones(3)), "same structure"),
    (({"a": 1.0},), ({"b": 1.0},), "same structure"),
    (((1.0, 2.0),), ([1.0, 2.0],), "same structure"),
    ((np.arange(3),), (np.ones(3),), r"float0.*expected float0\[3\], got f64\[3\]"),
    ((np.arange(3),), (np.zeros(2, float0),), r"expected float0\[3\], got float0\[2\]"),
    ((np.ones(2),), (np.zeros(2, float0),), r"expected f64\[2\], got float0\[2\]"),
    ((np.ones(2),), (np.ones(2, complex),), r"expected f64\[2\], got c128\[2\]"),
    ((1.0,), (np.ones(2),), r"expected f64\[\], got f64\[2\]"),
])
def test_bad_tangents_raise_value_error(primals, tangents, match):
    f = lambda *args: tree_util.tree_leaves(args)
    with pytest.raises(ValueError, match=match):
        jvp(f, primals, tangents)


def test_bad_tangent_error_names_expected_and_got():
    with pytest.raises(ValueError) as info:
        jvp(fnp.sin, (np.ones((2, 3)),), (np.ones((3, 2)),))
    message = str(info.value)
    assert "expected" in message and "got" in message
    assert "f64[2,3]" in message and "f64[3,2]" in message


def test_primals_must_be_a_tuple_or_list():
    with pytest.raises(TypeError, match="tuple"):
        jvp(fnp.sin, np.ones(3), np.ones(3))
    with pytest.raises(TypeError, match="tuple"):
        jvp(fnp.sin, 1.0, 1.0)
    with pytest.raises(TypeError, match="tuple"):
        jvp(fnp.sin, (1.0,), 1.0)


def test_leaked_jvp_tracer_raises():
    box = []
    jvp(lambda x: box.append(x * 2.0) or x, (1.0,), (1.0,))
    with pytest.raises(funcad.UnexpectedTracerError):
        fnp.sin(box[0])


def test_python_control_flow_on_primal_values():
    def f(x):
        if x > 0:
            return x * x
        return -x

    assert jvp(f, (3.0,), (1.0,))[1] == 6.0
    assert jvp(f, (-3.0,), (1.0,))[1] == -1.0


# ----------------------------------------------------------------------------------------------
# linearize.


def _program(x, y):
    return fnp.sin(x) * y + fnp.exp(x / (1 + y * y)), fnp.sum(x ** 3)


def test_linearize_matches_jvp():
    x = np.array([0.3, -1.2, 2.0])
    y = np.array([1.5, 0.5, -0.25])
    out, f_jvp = linearize(_program, x, y)
    expected = _program(x, y)
    np.testing.assert_allclose(out[0], expected[0])
    np.testing.assert_allclose(out[1], expected[1])
    rng = np.random.default_rng(0)
    for _ in range(4):
        tx, ty = rng.standard_normal(3), rng.standard_normal(3)
        got = f_jvp(tx, ty)
        _, want = jvp(_program, (x, y), (tx, ty))
        np.testing.assert_allclose(got[0], want[0], rtol=1e-13)
        np.testing.assert_allclose(got[1], want[1], rtol=1e-13)
    # linear: f_jvp(a t1 + t2) = a f_jvp(t1) + f_jvp(t2)
    t1, t2 = (rng.standard_normal(3), rng.standard_normal(3)), (np.ones(3), np.zeros(3))
    lhs = f_jvp(2.0 * t1[0] + t2[0], 2.0 * t1[1] + t2[1])[0]
    rhs = 2.0 * f_jvp(*t1)[0] + f_jvp(*t2)[0]
    np.testing.assert_allclose(lhs, rhs, rtol=1e-13)


def test_linearize_does_not_rerun_the_function():
    calls = []

    def f(x):
        calls.append(1)
        return fnp.sum(fnp.tanh(x) ** 2)

    x = np.array([0.5, -0.25])
    _, f_jvp = linearize(f, x)
    assert len(calls) == 1
    for v in (np.ones(2), np.array([1.0, -2.0]), np.zeros(2)):
        t = f_jvp(v)
        np.testing.assert_allclose(t, np.sum(2 * np.tanh(x) * (1 - np.tanh(x) ** 2) * v))
    assert len(calls) == 1
    # Only the linear part is replayed: no tanh equation in the linear map's IR.
    closed = funcad.make_jaxpr(f_jvp)(np.ones(2))
    names = {eqn.primitive.name for eqn in closed.jaxpr.eqns}
    assert "tanh" not in names and names, names


def test_linearize_pytrees_and_scalars():
    def f(p):
        return {"out": p["a"] * fnp.cos(p["b"]), "sum": fnp.sum(p["b"])}

    p = {"a": 2.0, "b": np.array([0.1, 0.2])}
    _, f_jvp = linearize(f, p)
    t = f_jvp({"a": 1.0, "b": np.array([1.0, 0.0])})
    _, want = jvp(f, (p,), ({"a": 1.0, "b": np.array([1.0, 0.0])},))
    assert set(t) == {"out", "sum"}
    np.testing.assert_allclose(t["out"], want["out"], rtol=1e-14)
    np.testing.assert_allclose(t["sum"], want["sum"], rtol=1e-14)
    with pytest.raises(ValueError, match="expected"):
        f_jvp({"a": 1.0, "b": np.ones(3)})


def test_linearize_integer_inputs_and_outputs():
    _, f_jvp = linearize(lambda x, n: (x * n, n * 2), np.array([1.0, 2.0]), np.array([3, 4]))
    t = f_jvp(np.ones(2), np.zeros(2, float0))
    np.testing.assert_allclose(t[0], [3.0, 4.0])
    assert t[1].dtype == float0 and t[1].shape == (2,)


def test_linearize_has_aux():
    """As jax.linearize: the auxiliary output comes back as its value, not linearized."""
    def f(x):
        y = fnp.sin(x) * x
        return y, {"cos": fnp.cos(x), "n": 3}

    x = np.array([0.5, 1.0])
    out, f_jvp, aux = linearize(f, x, has_aux=True)
    np.testing.assert_allclose(out, np.sin(x) * x)
    np.testing.assert_allclose(f_jvp(np.ones(2)), np.cos(x) * x + np.sin(x))
    np.testing.assert_allclose(aux["cos"], np.cos(x))
    assert aux["n"] == 3 and not isinstance(aux["cos"], funcad.core.Tracer)
    _, want_tangent, want_aux = jvp(f, (x,), (np.ones(2),), has_aux=True)
    np.testing.assert_allclose(f_jvp(np.ones(2)), want_tangent)
    np.testing.assert_allclose(aux["cos"], want_aux["cos"])
    # Under jit the auxiliary output is traced with the rest, and comes out concrete.
    jitted_aux = funcad.jit(lambda x: linearize(f, x, has_aux=True)[2]["cos"])(x)
    np.testing.assert_allclose(jitted_aux, np.cos(x))
    assert len(linearize(f, x, has_aux=True)) == 3 and len(linearize(fnp.sin, x)) == 2


def test_linearize_has_aux_wants_a_pair():
    with pytest.raises(TypeError, match="return a pair.*an array f64\\[2\\]"):
        linearize(fnp.sin, np.ones(2), has_aux=True)


def test_linearize_composes_with_vmap_and_grad():
    x = np.array([0.5, 1.0, 1.5])
    _, f_jvp = linearize(lambda a: fnp.sin(a) * a, x)
    basis = np.eye(3)
    jac = vmap(f_jvp)(basis)
    np.testing.assert_allclose(jac, np.diag(np.cos(x) * x + np.sin(x)), atol=1e-15)
    # The linear map's gradient (its transpose applied to 1) is the same Jacobian's column sum.
    g = grad(lambda v: fnp.sum(f_jvp(v)))(np.ones(3))
    np.testing.assert_allclose(g, np.cos(x) * x + np.sin(x))


# ----------------------------------------------------------------------------------------------
# Compositions.


def f_scalar(x):
    return fnp.sin(x) * fnp.exp(x / 2)


def f_second(x):
    return (-np.sin(x) * np.exp(x / 2) + np.cos(x) * np.exp(x / 2)
            + 0.25 * np.sin(x) * np.exp(x / 2))


@pytest.mark.parametrize("x", [0.3, -1.1, 2.5])
def test_second_derivatives_every_nesting(x):
    second = f_second(x)
    first = np.cos(x) * np.exp(x / 2) + 0.5 * np.sin(x) * np.exp(x / 2)
    assert jvp(f_scalar, (x,), (1.0,))[1] == pytest.approx(first, rel=1e-13)
    # jvp of jvp
    _, t = jvp(lambda a: jvp(f_scalar, (a,), (1.0,))[1], (x,), (1.0,))
    assert t == pytest.approx(second, rel=1e-12)
    # jvp of grad (forward over reverse)
    _, t = jvp(grad(f_scalar), (x,), (1.0,))
    assert t == pytest.approx(second, rel=1e-12)
    # grad of jvp (reverse over forward)
    t = grad(lambda a: jvp(f_scalar, (a,), (1.0,))[1])(x)
    assert t == pytest.approx(second, rel=1e-12)
    # grad of grad, for reference
    assert grad(grad(f_scalar))(x) == pytest.approx(second, rel=1e-12)
    # third derivative (against finite differences of the closed-form second derivative):
    # jvp of jvp of grad, and grad of jvp of jvp
    h = 1e-4
    third_fd = (f_second(x + h) - f_second(x - h)) / (2 * h)
    _, t3 = jvp(lambda a: jvp(grad(f_scalar), (a,), (1.0,))[1], (x,), (1.0,))
    assert t3 == pytest.approx(third_fd, rel=1e-6)
    t3 = grad(lambda a: jvp(lambda b: jvp(f_scalar, (b,), (1.0,))[1], (a,), (1.0,))[1])(x)
    assert t3 == pytest.approx(third_fd, rel=1e-6)


def test_jvp_of_jvp_vector_closed_form():
    x = np.array([0.2, 0.9])
    u = np.array([1.0, 2.0])
    w = np.array([-0.5, 0.25])
    # d/dx <grad f, u> along w for f = sum(x^3 y) style: d2(x0^2 x1) = Hessian bilinear form
    f = lambda a: a[0] ** 2 * a[1] + fnp.sin(a[1])
    hess = np.array([[2 * x[1], 2 * x[0]], [2 * x[0], -np.sin(x[1])]])
    _, t = jvp(lambda a: jvp(f, (a,), (u,))[1], (x,), (w,))
    assert t == pytest.approx(u @ hess @ w, rel=1e-13)


def test_perturbation_confusion():
    assert jvp(lambda x: jvp(lambda y: x * y, (2.0,), (1.0,))[1], (3.0,), (1.0,))[1] == 1.0
    # The same with grad on either side.
    assert grad(lambda x: jvp(lambda y: x * y, (2.0,), (1.0,))[1])(3.0) == 1.0
    assert jvp(lambda x: grad(lambda y: x * y)(2.0), (3.0,), (1.0,))[1] == 1.0
    # Closures over the outer tracer inside the inner function, used non-linearly.
    out = jvp(lambda x: jvp(lambda y: x * y * x + y * y, (x,), (1.0,))[1], (3.0,), (1.0,))
    # inner: d/dy (x^2 y + y^2) at y = x is x^2 + 2x; outer derivative: 2x + 2 = 8
    assert out == (15.0, 8.0)
    # Siskind & Pearlmutter's example: d/dx (x * d/dy (x + y)) = 1.
    assert jvp(lambda x: x * jvp(lambda y: x + y, (1.0,), (1.0,))[1], (1.0,), (1.0,))[1] == 1.0


def test_vmap_of_jvp_and_jvp_of_vmap():
    xs = np.array([[0.1, 0.2], [0.3, -0.4], [1.0, 2.0]])
    vs = np.array([[1.0, 0.0], [0.5, 0.5], [-1.0, 2.0]])

    def f(x):
        return fnp.sum(fnp.tanh(x) * x)

    def df(x, v):
        return np.sum(((1 - np.tanh(x) ** 2) * x + np.tanh(x)) * v)

    expected = np.array([df(x, v) for x, v in zip(xs, vs)])
    np.testing.assert_allclose(vmap(lambda x, v: jvp(f, (x,), (v,))[1])(xs, vs), expected)
    # One tangent for every example (in_axes None), and every tangent for one point.
    t = vmap(lambda x: jvp(f, (x,), (vs[0],))[1])(xs)
    np.testing.assert_allclose(t, [df(x, vs[0]) for x in xs])
    t = vmap(lambda v: jvp(f, (xs[1],), (v,))[1])(vs)
    np.testing.assert_allclose(t, [df(xs[1], v) for v in vs])
    out, t = jvp(vmap(f), (xs,), (vs,))
    np.testing.assert_allclose(out, [np.sum(np.tanh(x) * x) for x in xs])
    np.testing.assert_allclose(t, expected)
    # vmap over the batch of a jvp of grad: per-example Hessian-vector products.
    hv = vmap(lambda x, v: jvp(grad(f), (x,), (v,))[1])(xs, vs)
    for x, v, row in zip(xs, vs, hv):
        h = 1e-6
        fd = (np.asarray(grad(f)(x + h * v)) - np.asarray(grad(f)(x - h * v))) / (2 * h)
        np.testing.assert_allclose(row, fd, rtol=1e-6, atol=1e-8)


def test_grad_of_jvp_with_respect_to_tangent():
    """The tangent output is linear in the tangent input; its gradient there is J^T 1."""
    x = np.array([0.5, -1.0, 2.0])
    g = grad(lambda v: fnp.sum(jvp(fnp.sin, (x,), (v,))[1]))(np.ones(3))
    np.testing.assert_allclose(g, np.cos(x))


def test_make_jaxpr_with_python_scalar_tangents():
    """make_jaxpr's Python-scalar arguments are weakly typed tracers: as tangents they are
    traced, not converted to NumPy."""
    closed = funcad.make_jaxpr(lambda a, b: jvp(fnp.sin, (a,), (b,)))(1.0, 2.0)
    primal, tangent = funcad.eval_jaxpr(closed.jaxpr, closed.consts, 0.5, 2.0)
    assert primal == np.sin(0.5) and tangent == 2.0 * np.cos(0.5)
    closed = funcad.make_jaxpr(lambda a, b: jvp(fnp.sin, (a,), (b,)))(np.float32(1.0), 2.0)
    assert [v.aval.dtype for v in closed.jaxpr.outvars] == [np.float32, np.float32]


def test_make_jaxpr_of_jvp_shows_the_tangent_equations():
    def f(x):
        return jvp(lambda a: fnp.sin(a) * a, (x,), (np.ones_like(x),))

    closed = funcad.make_jaxpr(f)(np.ones(3))
    names = [eqn.primitive.name for eqn in closed.jaxpr.eqns]
    assert "sin" in names and "cos" in names and names.count("mul") >= 2
    assert len(closed.jaxpr.outvars) == 2
    x = np.array([0.1, 0.2, 0.3])
    primal, tangent = funcad.eval_jaxpr(closed.jaxpr, closed.consts, x)
    np.testing.assert_allclose(primal, np.sin(x) * x)
    np.testing.assert_allclose(tangent, np.cos(x) * x + np.sin(x))
    text = str(closed)
    assert "cos" in text


# ----------------------------------------------------------------------------------------------
# Every primitive has a forward rule, and the rules are written in funcad operations: the
# tangent computation stages under make_jaxpr and nests under another jvp / grad.


def all_primitives():
    """Every primitive defined in a module of funcad.primitives (found by walking the
    package, so a new family module is covered without being listed here)."""
    import importlib
    import pkgutil

    import funcad.primitives
    from funcad.core import Primitive

    modules = [importlib.import_module(f"funcad.primitives.{info.name}")
               for info in pkgutil.iter_modules(funcad.primitives.__path__)]
    return {value for module in modules for value in vars(module).values()
            if isinstance(value, Primitive)}


def test_every_primitive_has_a_forward_rule():
    from funcad.rules import jvp_rules, nondifferentiable

    primitives = all_primitives()
    assert len(primitives) > 60
    missing = sorted(p.name for p in primitives
                     if p not in jvp_rules and p not in nondifferentiable)
    assert not missing, missing


def test_every_primitive_has_reverse_and_batching_rules():
    from funcad.rules import batching_rules, nondifferentiable, vjp_rules

    primitives = all_primitives()
    no_reverse = sorted(p.name for p in primitives
                        if p not in vjp_rules and p not in nondifferentiable)
    no_batching = sorted(p.name for p in primitives if p not in batching_rules)
    assert not no_reverse, no_reverse
    assert not no_batching, no_batching


_Y = np.array([0.35, 0.55, 0.8])
STAGED = {
    "sin_exp_log": lambda a: fnp.sin(a) * fnp.exp(a) + fnp.log(a),
    "pow": lambda a: a ** _Y + _Y ** a + a ** a,
    "integer_pow": lambda a: a ** 3 + 1.0 / a,
    "abs_sqrt": lambda a: fnp.abs(a - 0.5) + fnp.sqrt(a),
    "max_min": lambda a: fnp.max(a, axis=0) + fnp.min(a) + fnp.maximum(a, _Y).sum(),
    "prod": lambda a: fnp.prod(a, axis=1),
    "var": lambda a: fnp.var(a, axis=1),
    "cumsum": lambda a: fnp.cumsum(a, axis=1) ** 2,
    "getitem": lambda a: a[np.array([0, 0, 1]), ::-1] ** 2,
    "at_set": lambda a: fnp.at(a)[np.array([0, 0])].set(a[1] * 2),
    "at_add": lambda a: fnp.at(a)[:, np.array([2, 2])].add(a[:, :2] ** 2),
    "at_multiply": lambda a: fnp.at(a)[np.array([0, 0])].multiply(a[1]),
    "matmul_einsum": lambda a: fnp.matmul(a, a.T) + fnp.einsum("ij,ij,kj->ik", a, a, a),
    "logsumexp_softmax": lambda a: logsumexp(a, axis=1) + softmax(a, axis=0).sum(),
    "norm": lambda a: fnp.linalg.norm(a, ord=np.inf, axis=1) + fnp.linalg.norm(a),
    "concatenate_split": lambda a: fnp.split(fnp.concatenate([a, a[:1]]), 3)[1],
    "where_clip": lambda a: fnp.where(a > 0.5, a, a ** 2) + fnp.clip(a, 0.4, 0.7),
    "sort": lambda a: fnp.sort(a * _Y, axis=1),
    "tile_repeat_flip": lambda a: fnp.flip(fnp.repeat(fnp.tile(a, (1, 2)), 2, axis=0)),
    "reshape_transpose_broadcast": lambda a: fnp.broadcast_to(a.reshape(3, 2).T, (2, 2, 3)),
    "mixed_dtypes": lambda a: a.astype(np.float32) * a + fnp.sum(a.astype(np.int64)),
}


NONLINEAR = {"sin", "cos", "exp", "log", "sqrt", "abs", "pow", "integer_pow", "max", "min",
             "reduce_max", "reduce_min", "reduce_prod", "argsort", "argmax", "gt", "lt", "eq"}


@pytest.mark.parametrize("name", sorted(STAGED))
@given(x=S.arrays((2, 3), Domain(0.2, 0.95)), v=S.arrays((2, 3), Domain(-1, 1)))
def test_forward_rules_stage_and_nest(name, x, v):
    f = STAGED[name]
    out, tangent = jvp(f, (x,), (v,))
    # make_jaxpr of the jvp-wrapped function reproduces the eager numbers.
    closed = funcad.make_jaxpr(lambda a, t: jvp(f, (a,), (t,)))(x, v)
    staged_out, staged_tangent = funcad.eval_jaxpr(closed.jaxpr, closed.consts, x, v)
    np.testing.assert_allclose(staged_out, out, rtol=1e-13)
    np.testing.assert_allclose(staged_tangent, tangent, rtol=1e-12, atol=1e-13)
    assert closed.out_avals[1].dtype == np.result_type(tangent)
    # linearize stages the same tangent computation.
    _, f_jvp = linearize(f, x)
    np.testing.assert_allclose(f_jvp(v), tangent, rtol=1e-12, atol=1e-13)
    # ... and only it: the non-linear primal operations were evaluated once, not staged.
    staged = {eqn.primitive.name for eqn in funcad.make_jaxpr(f_jvp)(v).jaxpr.eqns}
    assert not staged & NONLINEAR, staged & NONLINEAR
    # Nesting: second derivatives by jvp of jvp, jvp of grad, grad of jvp all agree.
    u = np.cos(np.arange(np.size(out)).reshape(np.shape(out)))
    scalar = lambda a: fnp.sum(f(a) * u)
    second_ff = jvp(lambda a: jvp(scalar, (a,), (v,))[1], (x,), (v,))[1]
    hv_fr = jvp(grad(scalar), (x,), (v,))[1]
    hv_rf = grad(lambda a: jvp(scalar, (a,), (v,))[1])(x)
    tol = 1e-6 if name == "mixed_dtypes" else 1e-9  # (float32 intermediates round differently)
    np.testing.assert_allclose(np.sum(hv_fr * v), second_ff, rtol=tol, atol=tol)
    np.testing.assert_allclose(hv_rf, hv_fr, rtol=tol, atol=tol)
