"""Whole Jacobians and Hessians: ``jacfwd``, ``jacrev``, ``hessian``, ``hvp``.

Random programs (Hypothesis draws a chain of funcad.numpy operations, tracking the shape as it
goes) are differentiated both ways: ``jacfwd == jacrev``, both equal to a finite-difference
Jacobian, with pytree arguments and outputs, ``argnums`` int / tuple / negative and
``has_aux``. Hessians are symmetric and equal finite differences of the gradient; ``hvp`` is
``hessian @ v``. The layout is JAX's: ``out.shape + in.shape``. ``make_jaxpr`` of the
transformed functions shows the transformed equations (and reproduces the numbers).
"""

from __future__ import annotations

import numpy as np
import pytest
import strategies as S
from hypothesis import given
from hypothesis import strategies as st
from strategies import Domain

import funcad
import funcad.numpy as fnp
from funcad import grad, hessian, hvp, jacfwd, jacrev, jvp, tree_util, vmap
from funcad.scipy.special import logsumexp, softmax

# ----------------------------------------------------------------------------------------------
# Random programs.
#
# A program is a list of steps; each step maps an array to an array. Steps are drawn one at a
# time among those valid for the current shape (found by running the program so far on the
# drawn inputs: funcad.numpy on NumPy arrays is eager). All steps are smooth at the drawn
# points (no max/abs/sort kinks), so finite differences are valid.

def _steps_for(shape):
    ndim = len(shape)
    steps = {
        "sin": lambda z: fnp.sin(z),
        "tanh_times": lambda z: fnp.tanh(z) * z,
        "square_plus": lambda z: z * z + 0.5 * z,
        "exp_neg_square": lambda z: fnp.exp(-z * z),
        "stack": lambda z: fnp.stack([z, fnp.cos(z)]),
        "broadcast": lambda z: fnp.broadcast_to(z, (2,) + shape) * np.array(
            [1.0, -0.5]).reshape((2,) + (1,) * ndim),
    }
    if ndim:
        axis = ndim - 1
        steps.update({
            "sum_last": lambda z: fnp.sum(z, axis=-1),
            "sum_keep": lambda z: fnp.sum(z * z, axis=0, keepdims=True),
            "transpose": lambda z: z.T,
            "reverse": lambda z: z[..., ::-1],
            "cumsum": lambda z: fnp.cumsum(z, axis=axis),
            "softmax": lambda z: softmax(z, axis=-1),
            "logsumexp": lambda z: logsumexp(z, axis=0),
            "ravel": lambda z: fnp.ravel(z),
            "take": lambda z: z[np.array([0, -1, 0])],
            "concat": lambda z: fnp.concatenate([z, fnp.sin(z)], axis=0),
            "matmul": lambda z: z @ np.cos(np.arange(2.0 * shape[-1])).reshape(-1, 2),
            "at_add": lambda z: fnp.at(z)[0].add(fnp.sum(z)),
            "prod": lambda z: fnp.prod(z * 0.5 + 1.0, axis=-1),
        })
    if ndim >= 2:
        steps["einsum"] = lambda z: fnp.einsum("ij...,kj...->ik", z, fnp.cos(z))
    return steps


@st.composite
def programs(draw, min_steps: int = 2, max_steps: int = 5):
    """(f, x, y): f(x, y) starts from x * y (broadcasting), or x + sin(y), then applies
    random steps; returns the array."""
    (x_shape, y_shape), _ = draw(S.broadcastable_shapes(2, max_side=3))
    x = draw(S.arrays(x_shape, Domain(-1.5, 1.5)), label="x")
    y = draw(S.arrays(y_shape, Domain(-1.5, 1.5)), label="y")
    start = draw(st.sampled_from(["mul", "add_sin"]), label="start")

    def begin(a, b):
        return a * b if start == "mul" else a + fnp.sin(b)

    z = begin(x, y)
    chosen = []
    for _ in range(draw(st.integers(min_steps, max_steps), label="number of steps")):
        steps = _steps_for(np.shape(z))
        name = draw(st.sampled_from(sorted(steps)), label="step")
        if np.size(z) > 40 and name in ("stack", "broadcast", "concat"):
            continue  # keep Jacobians small
        z = steps[name](z)
        chosen.append((name, steps[name]))

    def f(a, b):
        out = begin(a, b)
        for _, step in chosen:
            out = step(out)
        return out

    f.__name__ = "program_" + "_".join([start] + [n for n, _ in chosen])
    return f, x, y


def numerical_jacobian(f, args, argnums, eps=1e-6):
    """Central-difference Jacobian of f's leaves with respect to args[argnums] leaves, as a
    nested list [out_leaf][in_leaf] of arrays shaped out.shape + in.shape."""
    args = list(args)
    out_leaves = [np.asarray(o) for o in tree_util.tree_leaves(f(*args))]
    diff = [args[i] for i in argnums]
    in_leaves, in_tree = tree_util.tree_flatten(diff)
    in_leaves = [np.asarray(x, np.float64) for x in in_leaves]
    jac = [[np.zeros(o.shape + x.shape) for x in in_leaves] for o in out_leaves]
    for k, x in enumerate(in_leaves):
        for index in np.ndindex(x.shape):
            results = []
            for sign in (1, -1):
                leaves = [v.copy() for v in in_leaves]
                leaves[k][index] += sign * eps
                full = list(args)
                for i, sub in zip(argnums, tree_util.tree_unflatten(in_tree, leaves)):
                    full[i] = sub
                results.append([np.asarray(o) for o in tree_util.tree_leaves(f(*full))])
            for j, (plus, minus) in enumerate(zip(*results)):
                jac[j][k][(Ellipsis,) + index] = (plus - minus) / (2 * eps)
    return jac


def assert_jacobians_close(got, want, rtol, atol):
    assert len(got) == len(want)
    for g_row, w_row in zip(got, want):
        assert len(g_row) == len(w_row)
        for g, w in zip(g_row, w_row):
            assert g.shape == w.shape, (g.shape, w.shape)
            scale = 1.0 + (np.max(np.abs(w)) if w.size else 0.0)
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol * scale)


@given(program=programs())
def test_random_programs_jacfwd_equals_jacrev_and_finite_differences(program):
    f, x, y = program
    for argnums in (0, 1, (0, 1), -1):
        nums = (argnums % 2,) if isinstance(argnums, int) else argnums
        fwd = jacfwd(f, argnums)(x, y)
        rev = jacrev(f, argnums)(x, y)
        out = f(x, y)
        if isinstance(argnums, int):
            fwd, rev = (fwd,), (rev,)
        # layout: out.shape + in.shape, for each differentiated argument
        for i, j_fwd, j_rev in zip(nums, fwd, rev):
            expected_shape = np.shape(out) + np.shape((x, y)[i])
            assert np.shape(j_fwd) == expected_shape == np.shape(j_rev)
            assert np.result_type(j_fwd) == np.float64 == np.result_type(j_rev)
            np.testing.assert_allclose(j_fwd, j_rev, rtol=1e-10, atol=1e-10)
        numeric = numerical_jacobian(f, (x, y), nums)
        assert_jacobians_close([[np.asarray(j) for j in fwd]], numeric, rtol=1e-5, atol=1e-6)


@given(program=programs(min_steps=1, max_steps=3))
def test_random_programs_pytree_arguments_outputs_and_aux(program):
    step, x, y = program

    def f(params, scale):
        z = step(params["x"], params["ys"][0])
        out = {"z": z * scale, "parts": (fnp.sum(z * z), params["ys"][1] * scale)}
        aux = {"z_value": z, "count": 3}
        return out, aux

    params = {"x": x, "ys": [y, np.array([0.5, -1.5])]}
    scale = 1.25
    (out, aux_expected) = f(params, scale)
    for argnums in (0, (0, 1)):
        fwd, aux_fwd = jacfwd(f, argnums, has_aux=True)(params, scale)
        rev, aux_rev = jacrev(f, argnums, has_aux=True)(params, scale)
        # aux is passed through as values
        for aux in (aux_fwd, aux_rev):
            assert aux["count"] == 3
            np.testing.assert_allclose(aux["z_value"], aux_expected["z_value"])
            assert not isinstance(aux["z_value"], funcad.core.Tracer)
        # Structure: the output's tree, and inside each output leaf the argnums' tree.
        assert tree_util.tree_structure(fwd) == tree_util.tree_structure(rev)
        if argnums == 0:
            inner = fwd["z"]
            assert set(inner) == {"x", "ys"} and len(inner["ys"]) == 2
            assert np.shape(inner["x"]) == np.shape(out["z"]) + np.shape(x)
            assert np.shape(fwd["parts"][1]["ys"][1]) == (2, 2)
        else:
            assert isinstance(fwd["z"], tuple) and len(fwd["z"]) == 2
            assert np.shape(fwd["parts"][1][1]) == (2,)
        for a, b in zip(tree_util.tree_leaves(fwd), tree_util.tree_leaves(rev)):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
        nums = (0,) if argnums == 0 else (0, 1)
        numeric = numerical_jacobian(lambda p, s: f(p, s)[0], (params, scale), nums)
        got = [[np.asarray(leaf) for leaf in tree_util.tree_leaves(block)]
               for block in tree_util.tree_structure(out).flatten_up_to(fwd)]
        assert_jacobians_close(got, numeric, rtol=1e-5, atol=1e-6)


def test_jacobian_layout_like_jax():
    a = np.arange(24.0).reshape(4, 6) / 10
    x = np.arange(6.0).reshape(2, 3) / 7

    def f(v):
        return a @ fnp.ravel(v)

    for jac in (jacfwd(f), jacrev(f)):
        j = jac(x)
        assert j.shape == (4, 2, 3)
        np.testing.assert_allclose(j, a.reshape(4, 2, 3), rtol=1e-15)
    # Scalar input: out.shape; scalar output: in.shape; both scalar: ().
    for jac in (jacfwd, jacrev):
        np.testing.assert_allclose(jac(lambda t: fnp.stack([t, t * t, fnp.sin(t)]))(1.5),
                                   [1.0, 3.0, np.cos(1.5)])
        j = jac(lambda v: fnp.sum(v * v))(x)
        assert j.shape == (2, 3)
        np.testing.assert_allclose(j, 2 * x)
        assert np.shape(jac(fnp.sin)(0.5)) == ()
        assert jac(fnp.sin)(0.5) == pytest.approx(np.cos(0.5), rel=1e-15)
        # Size-0 arrays.
        assert jac(lambda v: v * 2.0)(np.ones((0, 2))).shape == (0, 2, 0, 2)
        # An output that does not depend on the input: zeros.
        np.testing.assert_array_equal(jac(lambda v: np.ones(3))(x), np.zeros((3, 2, 3)))


@pytest.mark.parametrize("case", ["scalar_and_empty", "empty_and_scalar", "no_outputs",
                                  "two_scalars", "scalar_input_pytree_out", "empty_input_leaf",
                                  "one_scalar_of_pytree"])
def test_output_and_input_structure_edge_cases(case):
    """Scalar, size-0 and missing leaves on either side: both modes agree with the closed
    form (jacrev's shortcut for scalar functions must not swallow other output leaves)."""
    x = np.array([0.3, 0.5, 0.9])
    f, arg, expected = {
        "scalar_and_empty": (lambda v: (fnp.sum(v), v[:0] * 2.0), x,
                             (np.ones(3), np.zeros((0, 3)))),
        "empty_and_scalar": (lambda v: (v[:0] * 2.0, fnp.sum(v * v)), x,
                             (np.zeros((0, 3)), 2 * x)),
        "no_outputs": (lambda v: (), x, ()),
        "two_scalars": (lambda v: {"s": fnp.sum(v), "first": v[0]}, x,
                        {"s": np.ones(3), "first": np.eye(3)[0]}),
        "scalar_input_pytree_out": (lambda t: [t * t, t * np.ones(2)], 1.5,
                                    [np.array(3.0), np.ones(2)]),
        "empty_input_leaf": (lambda p: p["a"] * fnp.sum(p["b"]) + p["a"] ** 2,
                             {"a": 1.5, "b": np.ones(0)}, {"a": 3.0, "b": np.zeros(0)}),
        "one_scalar_of_pytree": (lambda p: fnp.sum(p["a"] * p["b"]),
                                 {"a": x, "b": 2.0}, {"a": np.full(3, 2.0), "b": np.sum(x)}),
    }[case]
    for jac in (jacfwd, jacrev):
        got = jac(f)(arg)
        assert tree_util.tree_structure(got) == tree_util.tree_structure(expected), jac
        for g, e in zip(tree_util.tree_leaves(got), tree_util.tree_leaves(expected)):
            assert np.shape(g) == np.shape(e), (jac, np.shape(g), np.shape(e))
            np.testing.assert_allclose(g, e, rtol=1e-14)


def test_jacobian_dtypes():
    x32 = np.array([0.5, 1.5], np.float32)
    for jac in (jacfwd, jacrev):
        j = jac(lambda v: fnp.sin(v) * v)(x32)
        assert j.dtype == np.float32 and j.shape == (2, 2)
        np.testing.assert_allclose(j, np.diag(np.cos(x32) * x32 + np.sin(x32)), rtol=1e-6)
        with pytest.raises(TypeError, match="floating-point"):
            jac(lambda v: v * 2)(np.arange(3))


def test_jacrev_of_integer_output_raises():
    with pytest.raises(TypeError, match="floating-point outputs"):
        jacrev(lambda v: fnp.argmax(v))(np.array([0.5, 2.0]))


def test_argnums_variants():
    def f(a, b, c):
        return a * fnp.sin(b) + c ** 2

    a, b, c = np.array([1.0, 2.0]), np.array([0.3, 0.4]), np.array([-1.0, 0.5])
    for jac in (jacfwd, jacrev):
        np.testing.assert_allclose(jac(f)(a, b, c), np.diag(np.sin(b)))
        np.testing.assert_allclose(jac(f, 1)(a, b, c), np.diag(a * np.cos(b)))
        np.testing.assert_allclose(jac(f, -1)(a, b, c), np.diag(2 * c))
        ja, jc = jac(f, (0, 2))(a, b, c)
        np.testing.assert_allclose(ja, np.diag(np.sin(b)))
        np.testing.assert_allclose(jc, np.diag(2 * c))
        (only,) = jac(f, (1,))(a, b, c)
        np.testing.assert_allclose(only, np.diag(a * np.cos(b)))
        with pytest.raises(ValueError, match="out of range"):
            jac(f, 3)(a, b, c)


def test_no_python_loop_over_basis_vectors():
    """The staged Jacobian has one sin (and one cos) however large the input: the basis is
    pushed / pulled through in one batched pass."""
    for n in (3, 17):
        for jac in (jacfwd, jacrev):
            closed = funcad.make_jaxpr(jac(lambda v: fnp.sin(v) * v))(np.ones(n))
            names = [eqn.primitive.name for eqn in closed.jaxpr.eqns]
            assert names.count("sin") == 1 and names.count("cos") == 1, (jac, names)


# ----------------------------------------------------------------------------------------------
# Hessians.


def numerical_hessian_of(f, x, eps=1e-5):
    """Central differences of the (reverse-mode) gradient."""
    g = grad(f)
    h = np.zeros(x.shape + x.shape)
    for index in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[index] = eps
        h[(Ellipsis,) + index] = (np.asarray(g(x + e)) - np.asarray(g(x - e))) / (2 * eps)
    return h


@given(program=programs(min_steps=1, max_steps=3), weights=S.arrays((5,), Domain(-1, 1)))
def test_hessian_symmetric_and_equal_to_finite_differences(program, weights):
    step, x, y = program

    def f(v):
        z = step(v, y)
        return fnp.sum(fnp.sin(z) * weights[0] + z * z * weights[1]) + fnp.sum(v ** 3) * weights[2]

    h = hessian(f)(x)
    n = x.size
    assert h.shape == x.shape + x.shape and h.dtype == np.float64
    flat = np.reshape(h, (n, n))
    np.testing.assert_allclose(flat, flat.T, rtol=1e-10, atol=1e-10)
    expected = numerical_hessian_of(f, x)
    scale = 1 + (np.max(np.abs(expected)) if expected.size else 0.0)
    np.testing.assert_allclose(h, expected, rtol=1e-5, atol=1e-6 * scale)
    # Every way of nesting the two modes gives the same matrix.
    for other in (jacfwd(jacfwd(f)), jacrev(jacrev(f)), jacrev(jacfwd(f))):
        np.testing.assert_allclose(other(x), h, rtol=1e-9, atol=1e-9)
    # hvp = H v, for a few v.
    rng = np.random.default_rng(0)
    for _ in range(2):
        v = rng.standard_normal(x.shape)
        got = hvp(f, (x,), (v,))
        assert np.shape(got) == x.shape
        np.testing.assert_allclose(np.ravel(got), flat @ np.ravel(v), rtol=1e-9,
                                   atol=1e-9 * (1 + np.max(np.abs(flat), initial=0)))


def test_hessian_closed_form_and_argnums():
    def f(a, b):
        return fnp.sum(a * a * b) + fnp.sum(fnp.sin(a)) * b[0]

    a, b = np.array([0.5, -1.0]), np.array([2.0, 3.0])
    h_aa = np.diag(2 * b - np.sin(a) * b[0])
    h_ab = np.diag(2 * a) + np.outer(np.cos(a), [1.0, 0.0])
    np.testing.assert_allclose(hessian(f)(a, b), h_aa)
    (haa, hab), (hba, hbb) = hessian(f, (0, 1))(a, b)
    np.testing.assert_allclose(haa, h_aa)
    np.testing.assert_allclose(hab, h_ab)
    np.testing.assert_allclose(hba, h_ab.T)
    np.testing.assert_allclose(hbb, np.zeros((2, 2)))
    # Pytree argument: blocks for every pair of leaves.
    h = hessian(lambda p: f(p["a"], p["b"]))({"a": a, "b": b})
    np.testing.assert_allclose(h["a"]["b"], h_ab)
    np.testing.assert_allclose(h["b"]["a"], h_ab.T)
    # has_aux
    h, aux = hessian(lambda v: (fnp.sum(v ** 3), {"norm": fnp.sum(v * v)}), has_aux=True)(a)
    np.testing.assert_allclose(h, np.diag(6 * a))
    assert aux["norm"] == pytest.approx(1.25)
    # hvp with several primals returns one product per argument.
    va, vb = np.array([1.0, 2.0]), np.array([-1.0, 0.5])
    pa, pb = hvp(f, (a, b), (va, vb))
    np.testing.assert_allclose(pa, h_aa @ va + h_ab @ vb)
    np.testing.assert_allclose(pb, h_ab.T @ va)
    # Scalar input.
    assert hessian(lambda t: t ** 4)(1.5) == pytest.approx(12 * 1.5 ** 2)


def test_hessian_of_tanh_of_linear_map():
    """The issue's benchmark function: H = A^T diag(-2 tanh(Ax) (1 - tanh(Ax)^2)) A."""
    rng = np.random.default_rng(1)
    a = rng.standard_normal((6, 4))
    x = rng.standard_normal(4)
    t = np.tanh(a @ x)
    expected = a.T @ np.diag(-2 * t * (1 - t * t)) @ a
    np.testing.assert_allclose(hessian(lambda v: fnp.sum(fnp.tanh(a @ v)))(x), expected,
                               rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------------------------
# Compositions with vmap and grad.


@given(program=programs(min_steps=1, max_steps=4))
def test_random_programs_compose_with_vmap(program):
    """vmap of jvp, jvp of vmap, vmap of jacrev and jacfwd of vmap on random programs agree
    with per-example loops."""
    f, x, y = program
    xs = np.stack([x, 0.5 * x - 0.1, np.cos(x)])
    vs = np.stack([np.ones_like(x), np.sin(x + 1), -x])
    zero = np.zeros_like(y)
    loop = np.stack([jvp(f, (a, y), (v, zero))[1] for a, v in zip(xs, vs)])
    got = vmap(lambda a, v: jvp(f, (a, y), (v, zero))[1])(xs, vs)
    np.testing.assert_allclose(got, loop, rtol=1e-12, atol=1e-12)
    _, got = jvp(vmap(f, in_axes=(0, None)), (xs, y), (vs, zero))
    np.testing.assert_allclose(got, loop, rtol=1e-12, atol=1e-12)
    per_example = np.stack([jacfwd(f)(a, y) for a in xs])
    np.testing.assert_allclose(vmap(jacrev(f), in_axes=(0, None))(xs, y), per_example,
                               rtol=1e-12, atol=1e-12)
    # jacfwd(vmap(f)) is block diagonal: out (3, *out) by in (3, *in).
    big = jacfwd(vmap(f, in_axes=(0, None)))(xs, y)
    out_ndim = np.ndim(per_example) - 1 - np.ndim(x)
    for i in range(3):
        for j in range(3):
            block = np.take(np.take(big, i, axis=0), j, axis=out_ndim)
            np.testing.assert_allclose(block, per_example[i] if i == j else 0 * block,
                                       rtol=1e-12, atol=1e-12)


def test_vmap_and_jacobians_compose():
    xs = np.array([[0.1, 0.5, -0.3], [1.0, -2.0, 0.25]])

    def f(v):
        return fnp.sin(v) * fnp.sum(v * v)

    per_example = [np.asarray(jacfwd(f)(x)) for x in xs]
    for jac in (jacfwd, jacrev):
        np.testing.assert_allclose(vmap(jac(f))(xs), per_example, rtol=1e-13)
    # jacrev(vmap(f)): block diagonal across examples.
    g = lambda v: fnp.sum(fnp.tanh(v))
    for jac in (jacfwd, jacrev):
        j = jac(vmap(g))(xs)
        assert j.shape == (2, 2, 3)
        np.testing.assert_allclose(j[0, 0], 1 - np.tanh(xs[0]) ** 2)
        np.testing.assert_allclose(j[1, 1], 1 - np.tanh(xs[1]) ** 2)
        np.testing.assert_array_equal(j[0, 1], 0)
    hs = vmap(hessian(g))(xs)
    for x, h in zip(xs, hs):
        np.testing.assert_allclose(h, np.diag(-2 * np.tanh(x) * (1 - np.tanh(x) ** 2)))


def test_grad_and_jvp_of_jacobians():
    x = np.array([0.3, -0.6])
    # d/dx sum(jac(sin)(x)) = -sin(x)
    for jac in (jacfwd, jacrev):
        np.testing.assert_allclose(grad(lambda v, jac=jac: fnp.sum(jac(fnp.sin)(v)))(x),
                                   -np.sin(x))
        _, t = jvp(jac(fnp.sin), (x,), (np.ones(2),))
        np.testing.assert_allclose(t, np.diag(-np.sin(x)))


# ----------------------------------------------------------------------------------------------
# make_jaxpr of transformed functions.


def _names(closed):
    return [eqn.primitive.name for eqn in closed.jaxpr.eqns]


def test_make_jaxpr_of_grad_shows_the_backward_pass():
    def f(v):
        return fnp.sum(fnp.sin(v) * v)

    x = np.array([0.2, 0.4, 0.6])
    closed = funcad.make_jaxpr(grad(f))(x)
    names = _names(closed)
    assert "sin" in names and "cos" in names  # forward pass and its derivative
    assert "broadcast_to" in names  # the sum's cotangent, spread back over v
    (g,) = funcad.eval_jaxpr(closed.jaxpr, closed.consts, x)
    np.testing.assert_allclose(g, np.cos(x) * x + np.sin(x))
    np.testing.assert_allclose(g, grad(f)(x))
    assert "cos" in str(closed)


def test_make_jaxpr_of_jvp_wrapped_function():
    def f(v):
        return fnp.sum(fnp.exp(v) * v)

    def f_jvp(v, t):
        return jvp(f, (v,), (t,))

    x, t = np.array([0.2, 0.4]), np.array([1.0, -1.0])
    closed = funcad.make_jaxpr(f_jvp)(x, t)
    names = _names(closed)
    assert names.count("exp") == 1  # the primal exp, reused by its tangent rule (ans)
    assert names.count("mul") >= 3  # primal product, and the tangent's two product terms
    assert len(closed.jaxpr.outvars) == 2
    primal, tangent = funcad.eval_jaxpr(closed.jaxpr, closed.consts, x, t)
    np.testing.assert_allclose(primal, np.sum(np.exp(x) * x))
    np.testing.assert_allclose(tangent, np.sum((np.exp(x) * x + np.exp(x)) * t))


def test_make_jaxpr_of_hessian_reproduces_it():
    def f(v):
        return fnp.sum(fnp.tanh(v) * v[::-1])

    x = np.array([0.1, -0.7, 0.4])
    for fn in (hessian(f), jacfwd(jacrev(f)), jacrev(grad(f))):
        closed = funcad.make_jaxpr(fn)(x)
        (h,) = funcad.eval_jaxpr(closed.jaxpr, closed.consts, x)
        np.testing.assert_allclose(h, hessian(f)(x), rtol=1e-13)
        np.testing.assert_allclose(h, numerical_hessian_of(f, x), rtol=1e-6, atol=1e-8)


def test_keyword_arguments_pass_through_undifferentiated():
    """As in JAX: keywords of the call reach the function and are not differentiated."""
    def f(x, scale=1.0):
        return fnp.sin(x) * scale

    x = np.array([0.2, 0.7])
    want = np.diag(np.cos(x) * 3.0)
    np.testing.assert_allclose(jacfwd(f)(x, scale=3.0), want)
    np.testing.assert_allclose(jacrev(f)(x, scale=3.0), want)
    h = hessian(lambda x, power=2: fnp.sum(x ** power))(x, power=3)
    np.testing.assert_allclose(h, np.diag(6 * x))
    with pytest.raises(ValueError, match="argnums"):
        jacfwd(f)(x=x)  # (the differentiated argument must be positional)
