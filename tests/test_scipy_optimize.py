"""funcad.scipy.optimize.minimize (BFGS) against SciPy's BFGS, closed forms and results
recorded from jax.scipy.optimize.minimize (x64)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.optimize

import funcad
import funcad.numpy as fnp
from funcad.scipy.optimize import OptimizeResults, minimize

A = np.array([[3.0, 0.5, 0.1], [0.5, 2.0, -0.3], [0.1, -0.3, 1.0]])
B = np.array([1.0, -2.0, 0.5])


def rosenbrock(x):
    return fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def quadratic(x, a, b):
    return 0.5 * x @ a @ x - b @ x


# jax.scipy.optimize.minimize(..., method="BFGS") results: (x0, options) -> fields
JAX_RESULTS = {
    "quadratic": dict(
        x=[0.5147333043518758, -1.111418404708745, 0.11510552506884189], status=0,
        success=True, fun=-1.3975598526605415, nfev=8, njev=8, nit=6,
        jac=[1.2632081392016659e-06, -1.8147622045106004e-06, 4.3769166530038817e-06],
        hess_inv=[[0.3515458510772092, -0.0966841078153311, -0.06444651307064599],
                  [-0.09668410781533111, 0.5464730592748553, 0.17490775971063646],
                  [-0.06444651307064599, 0.17490775971063646, 1.058931348371264]]),
    "rosenbrock from (0.5, 0.5)": dict(
        x=[0.9999999553069896, 0.9999998880776232], status=0, success=True,
        fun=5.278620837405745e-14, nfev=23, njev=23, nit=14,
        jac=[8.9251567767226314e-06, -4.5072716002085144e-06]),
    "rosenbrock, gtol=1e-9 in the 2-norm": dict(
        x=[1.0000000000093883, 1.0000000000185807], status=0, success=True,
        fun=9.197503637507442e-23, nfev=25, njev=25, nit=16),
    # (JAX's line search gives up here: the zoom interval shrinks below its threshold)
    "rosenbrock from (-1.2, 1)": dict(
        x=[-0.2778069614751315, 0.04333877520015739], status=3, success=False,
        fun=1.7472911993555371, nfev=17, njev=17, nit=8,
        jac=[-6.3157792231097165, -6.767586528777561]),
    "rosenbrock, maxiter=5": dict(
        x=[-0.5093233117132628, 0.2428366863172165], status=1, success=False,
        fun=2.3055251137077875, nfev=12, njev=12, nit=5),
    "rosenbrock in 4-d": dict(
        x=[-0.775659248151659, 0.6130934021786941, 0.3820628879382516, 0.14597204152166485],
        status=0, success=True, fun=3.701428610430028, nfev=43, njev=43, nit=33),
}

PROBLEMS = {
    "quadratic": (quadratic, np.zeros(3), (A, B), None),
    "rosenbrock from (0.5, 0.5)": (rosenbrock, np.array([0.5, 0.5]), (), None),
    "rosenbrock, gtol=1e-9 in the 2-norm": (rosenbrock, np.array([0.5, 0.5]), (),
                                            dict(gtol=1e-9, norm=2)),
    "rosenbrock from (-1.2, 1)": (rosenbrock, np.array([-1.2, 1.0]), (), None),
    "rosenbrock, maxiter=5": (rosenbrock, np.array([-1.2, 1.0]), (), dict(maxiter=5)),
    "rosenbrock in 4-d": (rosenbrock, np.array([-1.2, 1.0, 0.5, 0.3]), (), None),
}


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_results_match_jax(name):
    fun, x0, args, options = PROBLEMS[name]
    result = minimize(fun, x0, args, method="BFGS", options=options)
    assert isinstance(result, OptimizeResults)
    for field, want in JAX_RESULTS[name].items():
        got = getattr(result, field)
        if isinstance(want, (bool, int)):
            assert got == want, (field, got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-12, err_msg=field)


def test_quadratic_matches_the_closed_form_and_scipy():
    result = minimize(quadratic, np.zeros(3), (A, B), method="BFGS", options=dict(gtol=1e-9))
    assert bool(result.success) and int(result.status) == 0
    np.testing.assert_allclose(result.x, np.linalg.solve(A, B), rtol=1e-9)
    np.testing.assert_allclose(result.jac, A @ result.x - B, atol=1e-9)
    # (the inverse-Hessian estimate approaches the true one; with inexact line searches it is
    # not exact after a few iterations)
    np.testing.assert_allclose(result.hess_inv, np.linalg.inv(A), rtol=5e-3, atol=1e-3)
    reference = scipy.optimize.minimize(lambda x: quadratic(x, A, B), np.zeros(3),
                                        jac=lambda x: A @ x - B, method="BFGS", tol=1e-10)
    np.testing.assert_allclose(result.x, reference.x, rtol=1e-7)


@pytest.mark.parametrize("x0", [[0.5, 0.5], [1.3, 0.7], [2.0, 2.0]])
def test_rosenbrock_matches_scipy(x0):
    x0 = np.array(x0)
    result = minimize(rosenbrock, x0, method="BFGS")
    reference = scipy.optimize.minimize(lambda x: float(rosenbrock(x)), x0,
                                        jac=lambda x: np.asarray(funcad.grad(rosenbrock)(x)),
                                        method="BFGS")
    assert bool(result.success)
    np.testing.assert_allclose(result.x, reference.x, rtol=1e-5)
    np.testing.assert_allclose(result.x, [1.0, 1.0], rtol=1e-5)
    assert result.fun < 1e-10
    assert result.nfev == result.njev and result.nit > 0


def test_jit_agrees_with_eager():
    run = funcad.jit(lambda x0, a, b: minimize(quadratic, x0, (a, b), method="BFGS"))
    jitted, eager = run(np.zeros(3), A, B), minimize(quadratic, np.zeros(3), (A, B),
                                                     method="BFGS")
    for field in OptimizeResults._fields:
        np.testing.assert_allclose(getattr(jitted, field), getattr(eager, field), rtol=1e-12,
                                   err_msg=field)
    jitted = funcad.jit(lambda x0: minimize(rosenbrock, x0, method="bfgs"))(np.array([0.5, 0.5]))
    np.testing.assert_allclose(jitted.x, JAX_RESULTS["rosenbrock from (0.5, 0.5)"]["x"],
                               rtol=1e-7)
    assert int(jitted.nit) == 14


def test_vmap_over_starting_points():
    x0s = np.array([[0.0, 0.0, 0.0], [1.0, -1.0, 2.0]])
    batched = funcad.vmap(lambda x0: minimize(quadratic, x0, (A, B), method="BFGS").x)(x0s)
    for x0, x in zip(x0s, batched):
        np.testing.assert_allclose(x, minimize(quadratic, x0, (A, B), method="BFGS").x,
                                   rtol=1e-10)


def test_dtypes():
    result = minimize(rosenbrock, np.array([0.5, 0.5], np.float32), method="BFGS")
    assert result.x.dtype == np.float32 and result.hess_inv.dtype == np.float32
    np.testing.assert_allclose(result.x, [1.0, 1.0], atol=1e-2)
    integers = minimize(quadratic, np.array([0, 0, 0]), (A, B), method="BFGS")
    assert integers.x.dtype == np.float64
    np.testing.assert_allclose(integers.x, np.linalg.solve(A, B), rtol=1e-4)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="not recognized"):
        minimize(rosenbrock, np.zeros(2), method="Nelder-Mead")
    with pytest.raises(TypeError, match="args must be a tuple"):
        minimize(quadratic, np.zeros(3), [A, B], method="BFGS")
    with pytest.raises(ValueError, match="1-d"):
        minimize(rosenbrock, np.zeros((2, 2)), method="BFGS")
    with pytest.raises(TypeError, match="unknown options"):
        minimize(rosenbrock, np.zeros(2), method="BFGS", options=dict(eps=1e-3))
    with pytest.raises(TypeError, match="method"):
        minimize(rosenbrock, np.zeros(2))


def test_the_scipy_recipe_in_docs_extending_runs():
    """The documented way to call scipy.optimize.minimize with funcad's gradient on pytree
    parameters (docs/extending.md) runs and finds the minimum."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "extending.md").read_text()
    section = text[text.index("## Using SciPy's optimizers"):]
    code = section[section.index("```python") + len("```python"):]
    code = code[:code.index("```")]
    namespace: dict = {}
    exec(compile(code, "docs/extending.md", "exec"), namespace)
    result, best = namespace["result"], namespace["best"]
    assert result.success
    assert best["w"].shape == (2, 3) and best["x"].shape == (3,)
    w, x = best["w"], best["x"]
    grad_w = 2 * np.outer(w @ x - 1.0, x) + 2 * w
    grad_x = 2 * w.T @ (w @ x - 1.0)
    np.testing.assert_allclose(grad_w, 0, atol=1e-4)
    np.testing.assert_allclose(grad_x, 0, atol=1e-4)


def test_live_cross_check_with_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = pytest.importorskip("jax.numpy")
    jopt = pytest.importorskip("jax.scipy.optimize")
    rng = np.random.default_rng(5)
    m = rng.standard_normal((4, 4))
    a, b, x0 = m @ m.T + np.eye(4), rng.standard_normal(4), rng.standard_normal(4)

    def objective(np_):
        return lambda x, a, b: 0.5 * x @ a @ x - b @ x + 0.1 * np_.sum(np_.cos(x))

    ours = minimize(objective(fnp), x0, (a, b), method="BFGS")
    theirs = jopt.minimize(objective(jnp), jnp.asarray(x0), (a, b), method="BFGS")
    np.testing.assert_allclose(ours.x, theirs.x, rtol=1e-9, atol=1e-12)
    assert int(ours.nit) == int(theirs.nit) and int(ours.nfev) == int(theirs.nfev)
    assert int(ours.status) == int(theirs.status)
