"""funcad.numpy.linalg beyond svd/eigh: the primitives cholesky, triangular_solve, lu, qr and
eig, and the functions built on them (solve, inv, det, slogdet, pinv, lstsq, ...).

Values against NumPy (float32/float64, stacked matrices) and against JAX's numbers, recorded
below as literals (64-bit, on fixed inputs) so that the tests run without JAX; derivatives
with check_grads to second order in both modes on random well-conditioned matrices
(A A^T + n I for cholesky); vmap and jit agreement; errors with NumPy's exception types.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import broadcastable_shapes

import funcad
import funcad.numpy as fnp
import funcad.primitives.linalg as plinalg
from funcad.primitives.linalg import cholesky, eig, lu, lu_factors, qr, triangular_solve
from funcad.test_util import check_grads

L = fnp.linalg
BOTH = ("fwd", "rev")
SQUARE = [(1, 1), (3, 3), (2, 3, 3), (2, 1, 2, 2)]
RECT = [(3, 3), (4, 2), (2, 4), (2, 4, 3), (2, 3, 5)]

# The fixed inputs of the recorded JAX values.
A_SPD = np.array([[4.0, 1, 2], [1, 3, 0.5], [2, 0.5, 5]])
G = np.array([[1.0, 2, 0], [3, -1, 2], [0.5, 1, 1]])
S_SINGULAR = np.array([[1.0, 2], [2, 4]])
W = np.array([[1.0, 2, 3], [4, 5, 6]])
RHS = np.array([1.0, 2, 3])


def _rng(seed=0):
    return np.random.default_rng(seed)


def well_conditioned(shape, rng, dtype=np.float64, complex_=False):
    """A random matrix with a dominant diagonal (square) or full rank (rectangular)."""
    x = rng.standard_normal(shape)
    if complex_:
        x = x + 1j * rng.standard_normal(shape)
    m, n = shape[-2:]
    x = x + 3 * np.eye(m, n)
    return x.astype(np.result_type(dtype, x.dtype) if complex_ else dtype)


def spd(shape, rng, complex_=False):
    x = rng.standard_normal(shape)
    if complex_:
        x = x + 1j * rng.standard_normal(shape)
    n = shape[-1]
    return x @ np.conj(np.swapaxes(x, -1, -2)) + n * np.eye(n)


# ----------------------------------------------------------------------------------------------
# JAX's numbers (jax 0.10.2, x64), recorded as literals.

JAX = {
    "cholesky": [[2.0, 0.0, 0.0], [0.5, 1.6583123951777, 0.0], [1.0, 0.0, 2.0]],
    "cholesky_grad": [[0.21922229518055, 0.02386649156668, 0.04962216385556],
                      [0.02386649156668, 0.30151134457776, 0.30151134457776],
                      [0.04962216385556, 0.30151134457776, 0.25]],
    "solve": [-0.71428571428571, 0.85714285714286, 2.5],
    "solve_grad": [[0.1530612244898, -0.18367346938776, -0.53571428571429],
                   [0.10204081632653, -0.12244897959184, -0.35714285714286],
                   [0.51020408163265, -0.61224489795918, -1.78571428571429]],
    "inv": [[0.42857142857143, 0.28571428571429, -0.57142857142857],
            [0.28571428571429, -0.14285714285714, 0.28571428571429], [-0.5, 0.0, 1.0]],
    "det": -7.0,
    "slogdet": (-1.0, 1.94591014905531),
    "det_grad_singular": [[4.0, -2.0], [-2.0, 1.0]],
    "det_hessian_singular": [[[[0.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [-1.0, 0.0]]],
                             [[[0.0, -1.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]]]],
    "slogdet_grad": [[0.42857142857143, 0.28571428571429, -0.5],
                     [0.28571428571429, -0.14285714285714, 0.0],
                     [-0.57142857142857, 0.28571428571429, 1.0]],
    "lu": ([[3.0, -1.0, 2.0], [0.33333333333333, 2.33333333333333, -0.66666666666667],
            [0.16666666666667, 0.5, 1.0]], [1, 1, 2], [1, 0, 2]),
    "lu_wide": ([[4.0, 5.0, 6.0], [0.25, 0.75, 1.5]], [1, 1], [1, 0]),
    "lu_grad": [[3.16666666666667, 4.16666666666667, -2.33333333333333],
                [5.09259259259259, -3.55555555555556, 4.44444444444444],
                [-0.88888888888889, 1.0, 2.0]],
    "triangular_solve": [
        (dict(left_side=True, lower=True), [[1.0, 4.0], [1.0, 7.0], [1.5, -3.0]]),
        (dict(left_side=False, lower=False, transpose_a=True),
         [[-7.0, 4.0, 3.0], [-10.0, 7.0, 6.0]]),
        (dict(left_side=True, lower=True, unit_diagonal=True, transpose_a=True),
         [[2.5, 4.0], [-1.0, -1.0], [3.0, 6.0]]),
    ],
    "qr": ([[-0.31234752377721, 0.83811635492349, -0.44721359549996],
            [-0.93704257133164, -0.34921514788479, -0.0],
            [-0.15617376188861, 0.41905817746175, 0.89442719099992]],
           [[-3.20156211871642, 0.15617376188861, -2.03025890455188],
            [0.0, 2.44450603519352, -0.27937211830783], [0.0, 0.0, 0.89442719099992]]),
    "qr_grad": [[-1.06151990414157, -0.15203912837746, 0.07855523564632],
                [0.22567534442559, -1.28625771921643, -1.28625771921643],
                [-5.63413649570322, 1.61850033462062, 1.15731160657306]],
    "eigvals": [-2.91358185056528, 0.76243349353959, 3.15114835702568],
    "eigvals_grad": [[2.0, 6.0, 1.0], [4.0, -2.0, 2.0], [0.0, 4.0, 2.0]],
    "pinv": [[-0.94444444444444, 0.44444444444444], [-0.11111111111111, 0.11111111111111],
             [0.72222222222222, -0.22222222222222]],
    "pinv_grad": [[-0.16666666666667, 0.0, 0.16666666666667],
                  [0.16666666666667, 0.0, -0.16666666666667]],
    "lstsq": ([0.5, 0.0], [1.5], 2, [9.50803200069573, 0.77286963567348]),
    "matrix_rank": (1, 3),
    "cond": {None: 5.13659480223881, 1: 8.35714285714286, np.inf: 9.0,
             "fro": 6.5606472117265, -2: 0.1946815037005},
    "matrix_power_-2": [[0.55102040816327, 0.08163265306122, -0.73469387755102],
                        [-0.06122448979592, 0.10204081632653, 0.08163265306122],
                        [-0.71428571428571, -0.14285714285714, 1.28571428571429]],
}

JAX_LINALG_NAMES = [
    "cholesky", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh", "inv",
    "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank", "matrix_transpose",
    "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve", "svd", "svdvals",
    "tensordot", "tensorinv", "tensorsolve", "trace", "vecdot", "vector_norm",
]


def _close(actual, expected, tol=1e-10):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=tol, atol=tol)


def _jax_cases():
    """(name, funcad computation) pairs whose results JAX[name] records."""
    lax_lu = lu
    return {
        "cholesky": lambda: L.cholesky(A_SPD),
        "cholesky_grad": lambda: funcad.grad(lambda a: L.cholesky(a).sum())(A_SPD),
        "solve": lambda: L.solve(G, RHS),
        "solve_grad": lambda: funcad.grad(lambda a: L.solve(a, RHS).sum())(G),
        "inv": lambda: L.inv(G),
        "det": lambda: L.det(G),
        "slogdet": lambda: tuple(L.slogdet(G)),
        "det_grad_singular": lambda: funcad.grad(L.det)(S_SINGULAR),
        "det_hessian_singular": lambda: funcad.hessian(L.det)(S_SINGULAR),
        "slogdet_grad": lambda: funcad.grad(lambda a: L.slogdet(a)[1])(G),
        "lu": lambda: tuple(lax_lu(G)),
        "lu_wide": lambda: tuple(lax_lu(W)),
        "lu_grad": lambda: funcad.grad(lambda a: (lax_lu(a)[0] ** 2).sum())(G),
        "qr": lambda: tuple(L.qr(G)),
        "qr_grad": lambda: funcad.grad(
            lambda a: (L.qr(a)[0] * np.arange(9.0).reshape(3, 3)).sum() + L.qr(a)[1].sum())(G),
        "eigvals": lambda: np.sort_complex(np.asarray(L.eigvals(G))),
        "eigvals_grad": lambda: funcad.grad(lambda a: fnp.real(L.eigvals(a) ** 2).sum())(G),
        "pinv": lambda: L.pinv(W),
        "pinv_grad": lambda: funcad.grad(lambda a: L.pinv(a).sum())(W),
        "lstsq": lambda: L.lstsq(W.T, np.array([1.0, 0, 2])),
        "matrix_rank": lambda: (L.matrix_rank(S_SINGULAR), L.matrix_rank(G)),
        "matrix_power_-2": lambda: L.matrix_power(G, -2),
    }


@pytest.mark.parametrize("name", sorted(_jax_cases()))
def test_recorded_jax_values(name):
    actual = _jax_cases()[name]()
    expected = JAX[name]
    if isinstance(expected, tuple):
        for a, e in zip(actual, expected):
            _close(a, e)
    else:
        _close(actual, expected)


def test_recorded_jax_triangular_solve_and_cond():
    for params, expected in JAX["triangular_solve"]:
        b = W.T if params["left_side"] else W
        _close(triangular_solve(G, b, **params), expected)
    for p, expected in JAX["cond"].items():
        _close(L.cond(G, p), expected)
    assert L.cond(S_SINGULAR, 1) == np.inf


def test_recorded_values_match_live_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jl, jnp = jax.numpy.linalg, jax.numpy
    live = {
        "cholesky": jl.cholesky(A_SPD),
        "cholesky_grad": jax.grad(lambda a: jl.cholesky(a).sum())(A_SPD),
        "solve": jl.solve(G, RHS),
        "solve_grad": jax.grad(lambda a: jl.solve(a, RHS).sum())(G),
        "inv": jl.inv(G),
        "det": jl.det(G),
        "slogdet": tuple(jl.slogdet(G)),
        "det_grad_singular": jax.grad(jl.det)(S_SINGULAR),
        "det_hessian_singular": jax.hessian(jl.det)(S_SINGULAR),
        "slogdet_grad": jax.grad(lambda a: jl.slogdet(a)[1])(G),
        "lu": tuple(jax.lax.linalg.lu(G)),
        "lu_wide": tuple(jax.lax.linalg.lu(W)),
        "lu_grad": jax.grad(lambda a: (jax.lax.linalg.lu(a)[0] ** 2).sum())(G),
        "qr": tuple(jl.qr(G)),
        "eigvals": np.sort_complex(np.asarray(jl.eigvals(G))),
        "eigvals_grad": jax.grad(lambda a: jnp.real(jl.eigvals(a) ** 2).sum())(G),
        "pinv": jl.pinv(W),
        "pinv_grad": jax.grad(lambda a: jl.pinv(a).sum())(W),
        "matrix_power_-2": jl.matrix_power(G, -2),
    }
    for name, value in live.items():
        expected = JAX[name]
        for a, e in zip(value, expected) if isinstance(expected, tuple) else [(value, expected)]:
            _close(a, e)
    for p, expected in JAX["cond"].items():
        _close(jl.cond(G, p), expected)
    assert sorted(n for n in dir(jl) if not n.startswith("_")) == JAX_LINALG_NAMES


def test_every_jax_linalg_name_exists():
    missing = [n for n in JAX_LINALG_NAMES if n not in L.__all__ or not hasattr(L, n)]
    assert not missing, missing


# ----------------------------------------------------------------------------------------------
# Values against NumPy, float32 and float64, stacked.

NUMPY_CASES = {
    "solve_matrix": (lambda a, b: L.solve(a, b), lambda a, b: np.linalg.solve(a, b), "ab"),
    "solve_vector": (lambda a, b: L.solve(a, b.reshape(-1)[:a.shape[-1]]),
                     lambda a, b: np.linalg.solve(a, b.reshape(-1)[:a.shape[-1]]), "ab"),
    "inv": (L.inv, np.linalg.inv, "a"),
    "det": (L.det, np.linalg.det, "a"),
    "slogdet_sign": (lambda a: L.slogdet(a)[0], lambda a: np.linalg.slogdet(a)[0], "a"),
    "slogdet_log": (lambda a: L.slogdet(a)[1], lambda a: np.linalg.slogdet(a)[1], "a"),
    "slogdet_qr": (lambda a: L.slogdet(a, method="qr")[1],
                   lambda a: np.linalg.slogdet(a)[1], "a"),
    "cholesky": (L.cholesky, np.linalg.cholesky, "s"),
    "cholesky_upper": (lambda a: L.cholesky(a, upper=True),
                       lambda a: np.linalg.cholesky(a, upper=True), "s"),
    "pinv": (L.pinv, np.linalg.pinv, "a"),
    "matrix_power_-3": (lambda a: L.matrix_power(a, -3),
                        lambda a: np.linalg.matrix_power(a, -3), "a"),
    "cond": (L.cond, np.linalg.cond, "a"),
    "cond_1": (lambda a: L.cond(a, 1), lambda a: np.linalg.cond(a, 1), "a"),
    "matrix_rank": (L.matrix_rank, np.linalg.matrix_rank, "a"),
    "trace": (L.trace, np.linalg.trace, "a"),
    "diagonal": (lambda a: L.diagonal(a, offset=1), lambda a: np.linalg.diagonal(a, offset=1),
                 "a"),
    "matrix_transpose": (L.matrix_transpose, np.linalg.matrix_transpose, "a"),
    "matrix_norm_nuc": (lambda a: L.matrix_norm(a, ord="nuc"),
                        lambda a: np.linalg.matrix_norm(a, ord="nuc"), "a"),
    "vector_norm_3": (lambda a: L.vector_norm(a, ord=3, axis=(0, -1)),
                      lambda a: np.linalg.vector_norm(a, ord=3, axis=(0, -1)), "a"),
    "vector_norm_all": (L.vector_norm, np.linalg.vector_norm, "a"),
    "vecdot": (lambda a: L.vecdot(a, a[..., :1, :]),
               lambda a: np.linalg.vecdot(a, a[..., :1, :]), "a"),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3), (2, 1, 4, 4)])
@pytest.mark.parametrize("name", sorted(NUMPY_CASES))
def test_values_against_numpy(name, shape, dtype):
    ours, theirs, kinds = NUMPY_CASES[name]
    rng = _rng(1)
    args = []
    for kind in kinds:
        if kind == "a":
            args.append(well_conditioned(shape, rng, dtype))
        elif kind == "s":
            args.append(spd(shape, rng).astype(dtype))
        else:
            args.append(rng.standard_normal(shape[:-1] + (2,)).astype(dtype))
    out = ours(*args)
    expected = theirs(*args)
    assert np.asarray(out).dtype == np.asarray(expected).dtype, (out.dtype, expected.dtype)
    tol = 2e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(np.asarray(out), expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
@pytest.mark.parametrize("shape", RECT)
def test_qr_against_numpy(mode, shape):
    a = _rng(2).standard_normal(shape)
    ours, theirs = L.qr(a, mode), np.linalg.qr(a, mode)
    for x, y in zip(ours, theirs) if mode != "r" else [(ours, theirs)]:
        np.testing.assert_allclose(x, y, atol=1e-12)
    h, tau = L.qr(a, "raw")
    h2, tau2 = np.linalg.qr(a, "raw")
    np.testing.assert_allclose(h, np.swapaxes(h2, -1, -2))
    np.testing.assert_allclose(tau, tau2)


@pytest.mark.parametrize("shape", [(5, 3), (3, 3), (3, 5)])
def test_lstsq_against_numpy(shape):
    rng = _rng(3)
    a = rng.standard_normal(shape)
    for b in (rng.standard_normal(shape[0]), rng.standard_normal((shape[0], 2))):
        for ours, theirs in zip(L.lstsq(a, b, numpy_resid=True), np.linalg.lstsq(a, b)):
            np.testing.assert_allclose(ours, theirs, atol=1e-12)
        x, resid, rank, s = L.lstsq(a, b)
        np.testing.assert_allclose(resid, np.sum(np.abs(b.reshape(shape[0], -1)
                                                        - a @ x.reshape(shape[1], -1)) ** 2, 0),
                                   atol=1e-12)


def test_eig_and_eigvals_against_numpy():
    rng = _rng(4)
    for complex_ in (False, True):
        a = well_conditioned((2, 4, 4), rng, complex_=complex_)
        w, v = L.eig(a)
        assert w.dtype == v.dtype == np.complex128
        np.testing.assert_allclose(a @ v, v * w[..., None, :], atol=1e-10)
        np.testing.assert_allclose(np.linalg.norm(v, axis=-2), 1)
        np.testing.assert_allclose(np.sort_complex(L.eigvals(a)),
                                   np.sort_complex(np.linalg.eigvals(a)), atol=1e-10)
    assert L.eigvals(np.eye(2, dtype=np.float32)).dtype == np.complex64


def test_tensor_functions_and_products_against_numpy():
    rng = _rng(5)
    t = rng.standard_normal((4, 6, 8, 3))
    np.testing.assert_allclose(L.tensorinv(t, 2), np.linalg.tensorinv(t, 2))
    a = rng.standard_normal((6, 4, 2, 3, 4))
    b = rng.standard_normal((6, 4))
    np.testing.assert_allclose(L.tensorsolve(a, b), np.linalg.tensorsolve(a, b))
    a2 = rng.standard_normal((6, 2, 4, 3, 4))
    np.testing.assert_allclose(L.tensorsolve(a2, b, axes=(1,)),
                               np.linalg.tensorsolve(a2, b, axes=(1,)))
    x, y = rng.standard_normal((2, 3)), rng.standard_normal(3)
    np.testing.assert_allclose(L.cross(x, y), np.linalg.cross(x, y))
    np.testing.assert_allclose(L.outer(y, y[:2]), np.linalg.outer(y, y[:2]))
    np.testing.assert_allclose(L.matmul(x, y), np.linalg.matmul(x, y))
    np.testing.assert_allclose(L.tensordot(x, x, axes=2), np.linalg.tensordot(x, x, axes=2))
    ms = [rng.standard_normal(s) for s in [(3,), (3, 4), (4, 2), (2,)]]
    np.testing.assert_allclose(L.multi_dot(ms), np.linalg.multi_dot(ms))


def test_integer_input_becomes_float64():
    a = np.array([[2, 1], [1, 3]])
    for f in (L.inv, L.det, L.cholesky, L.pinv, lambda x: L.solve(x, np.array([1, 2]))):
        assert np.asarray(f(a)).dtype == np.float64
    np.testing.assert_allclose(L.solve(a, np.array([1, 2])), np.linalg.solve(a, [1, 2]))


@given(broadcastable_shapes(2, min_dims=0, max_dims=2, min_side=1, max_side=3),
       st.integers(1, 3), st.integers(1, 2))
@settings(max_examples=15, deadline=None)
def test_solve_broadcasts_leading_axes(batch_shapes, n, k):
    a_batch, b_batch = batch_shapes.input_shapes
    rng = _rng(6)
    a = well_conditioned(a_batch + (n, n), rng)
    b = rng.standard_normal(b_batch + (n, k))
    np.testing.assert_allclose(L.solve(a, b), np.linalg.solve(a, b), atol=1e-10)


def test_singular_matrices_as_jax():
    assert L.det(np.zeros((2, 2))) == 0
    assert L.det(S_SINGULAR) == 0
    sign, logabsdet = L.slogdet(np.zeros((3, 3)))
    assert sign == 0 and logabsdet == -np.inf
    assert np.all(~np.isfinite(L.inv(S_SINGULAR)))  # no error, infinities or NaNs
    np.testing.assert_allclose(funcad.grad(L.det)(np.zeros((3, 3))), np.zeros((3, 3)))


def test_cholesky_of_a_non_positive_definite_matrix_is_nan():
    out = L.cholesky(np.array([[[1.0, 2], [2, 1]], [[2.0, 0], [0, 2]]]))
    assert np.isnan(out[0][np.tril_indices(2)]).all() and out[0][0, 1] == 0
    np.testing.assert_allclose(out[1], np.sqrt(2) * np.eye(2))


# ----------------------------------------------------------------------------------------------
# Derivatives (second order, both modes), at random well-conditioned inputs.

GRAD_CASES = {
    "solve_matrix": (lambda a, b: L.solve(a, b), "ab"),
    "solve_vector": (lambda a, b: L.solve(a, b), "av"),
    "inv": (L.inv, "a"),
    "det": (L.det, "a"),
    "slogdet": (lambda a: L.slogdet(a)[1], "a"),
    "slogdet_qr": (lambda a: L.slogdet(a, method="qr")[1], "a"),
    "cholesky": (L.cholesky, "s"),
    "cholesky_upper_no_symmetrize": (lambda a: L.cholesky(a, upper=True,
                                                          symmetrize_input=False), "s"),
    "pinv": (L.pinv, "a"),
    "cond": (L.cond, "a"),
    "cond_fro": (lambda a: L.cond(a, "fro"), "a"),
    "matrix_power_-2": (lambda a: L.matrix_power(a, -2), "a"),
    "qr": (lambda a: tuple(L.qr(a)), "a"),
    "eigvals": (L.eigvals, "a"),
    "eig": (lambda a: tuple(L.eig(a)), "a"),
    "trace": (L.trace, "a"),
    "matrix_norm": (lambda a: L.matrix_norm(a, ord=1), "a"),
}


REAL_ONLY = ("cond_fro", "matrix_norm")  # abs of complex entries: real inputs only


@pytest.mark.parametrize("name,shape,complex_", [
    (name, shape, complex_) for name in sorted(GRAD_CASES)
    for shape in [(1, 1), (3, 3), (2, 2, 2)] for complex_ in (False, True)
    if not (complex_ and name in REAL_ONLY)])
def test_derivatives(name, shape, complex_):
    f, kinds = GRAD_CASES[name]
    rng = _rng(7)
    args = []
    for kind in kinds:
        if kind == "a":
            args.append(well_conditioned(shape, rng, complex_=complex_))
        elif kind == "s":
            args.append(spd(shape, rng, complex_=complex_))
        elif kind == "v":
            args.append(rng.standard_normal(shape[-1]))
        else:
            args.append(rng.standard_normal(shape[:-1] + (2,)))
    check_grads(f, args, order=2, modes=BOTH, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("getrs_from", [1, 64])
@pytest.mark.parametrize("a_shape,b_shape", [((3, 3), (2, 3, 2)), ((2, 3, 3), (3, 1)),
                                             ((2, 1, 3, 3), (4, 3, 2))])
def test_solve_derivatives_with_broadcast_batches(monkeypatch, getrs_from, a_shape, b_shape):
    """Broadcast leading axes: the cotangent of the broadcast operand is summed back, and
    the stored-factor (getrs) and NumPy-solve paths for stacks agree."""
    monkeypatch.setattr(plinalg, "_GETRS_STACKED_FROM", getrs_from)
    rng = _rng(18)
    a, b = well_conditioned(a_shape, rng), rng.standard_normal(b_shape)
    np.testing.assert_allclose(L.solve(a, b), np.linalg.solve(a, b), atol=1e-10)
    check_grads(L.solve, (a, b), order=2, modes=BOTH, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(funcad.vmap(L.solve, in_axes=(None, 0))(a, b[None]),
                               np.linalg.solve(a, b)[None], atol=1e-10)


@pytest.mark.parametrize("shape,complex_", [((5, 5), False), ((2, 4, 4), True), ((3, 3), False)])
def test_cholesky_derivative_by_blocks(monkeypatch, shape, complex_):
    """The blocked L^T Lbar of large matrices (forced here on small ones, odd orders too)
    gives the unblocked gradient, to second order, also with an upper-triangle cotangent."""
    rng = _rng(11)
    s = spd(shape, rng, complex_=complex_)
    w = rng.standard_normal(shape)

    def f(a):
        return fnp.sum(fnp.real(L.cholesky(a)) * w)

    expected = funcad.grad(f)(s)
    monkeypatch.setattr(plinalg, "CHOLESKY_VJP_BLOCKED_FROM", 2)
    np.testing.assert_allclose(funcad.grad(f)(s), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(funcad.jit(funcad.grad(f))(s), expected, rtol=1e-12, atol=1e-12)
    check_grads(L.cholesky, (s,), order=2, modes=BOTH, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("shape", [(4, 2), (2, 4), (2, 3, 5)])
def test_derivatives_rectangular(shape):
    rng = _rng(8)
    a = well_conditioned(shape, rng)
    check_grads(lambda x: tuple(L.qr(x)), (a,), order=2, modes=BOTH)
    check_grads(L.pinv, (a,), order=2, modes=BOTH)
    check_grads(lambda x: lu(x)[0], (a,), order=2, modes=BOTH)
    if len(shape) == 2:
        b = rng.standard_normal(shape[0])
        check_grads(lambda x, y: L.lstsq(x, y)[0], (a, b), order=2, modes=BOTH)


def test_det_derivative_is_the_adjugate():
    rng = _rng(9)
    for a in (np.eye(3), S_SINGULAR, rng.standard_normal((4, 4)), np.diag([1.0, 0, 2])):
        check_grads(L.det, (a,), order=2, modes=BOTH)
    a = rng.standard_normal((3, 3))
    np.testing.assert_allclose(funcad.grad(L.det)(a), np.linalg.det(a) * np.linalg.inv(a).T)


def test_complete_qr_of_a_tall_matrix_has_no_derivative():
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        funcad.grad(lambda a: L.qr(a, "complete")[0].sum())(np.ones((3, 2)))


def test_eigenvectors_differentiate_in_both_modes():
    rng = _rng(10)
    for complex_ in (False, True):
        a = well_conditioned((2, 3, 3), rng, complex_=complex_)
        check_grads(lambda x: tuple(L.eig(x)), (a,), order=2, modes=BOTH)
    # a real matrix with a complex pair of eigenvalues: the phases are LAPACK's
    rotation = np.array([[0.0, -2, 0.3], [1, 0.1, 0], [0.2, 0, 3]])
    check_grads(lambda x: L.eig(x).eigenvectors, (rotation,), order=2, modes=BOTH)


# ----------------------------------------------------------------------------------------------
# The primitives directly: every flag of triangular_solve, lu's factors.


@pytest.mark.parametrize("flags", list(itertools.product([False, True], repeat=5)))
def test_triangular_solve_flags(flags):
    left_side, lower, transpose_a, conjugate_a, unit_diagonal = flags
    rng = _rng(11)
    a = well_conditioned((2, 3, 3), rng, complex_=True)
    b = rng.standard_normal((2, 3, 2) if left_side else (2, 2, 3)) + 0j
    b = b + 1j * rng.standard_normal(b.shape)
    params = dict(left_side=left_side, lower=lower, transpose_a=transpose_a,
                  conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)
    x = triangular_solve(a, b, **params)
    m = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
        m = m - m * np.eye(3) + np.eye(3)
    m = np.swapaxes(m, -1, -2) if transpose_a else m
    m = np.conj(m) if conjugate_a else m
    np.testing.assert_allclose(m @ x if left_side else x @ m, b, atol=1e-12)
    check_grads(lambda p, q: triangular_solve(p, q, **params), (a, b), order=2, modes=BOTH)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 5), (2, 4, 4), (0, 3, 3), (2, 0, 0)])
def test_lu_factors(shape):
    a = _rng(12).standard_normal(shape)
    packed, pivots, permutation = lu(a)
    assert pivots.dtype == permutation.dtype == np.int32
    lo, up = lu_factors(packed)
    m, n = shape[-2:]
    k = min(m, n)
    rows = np.take_along_axis(a, permutation[..., None].astype(np.intp), axis=-2)
    np.testing.assert_allclose(rows, np.asarray(lo)[..., :k] @ np.asarray(up)[..., :k, :],
                               atol=1e-12)


def test_primitives_batch_and_jit():
    rng = _rng(13)
    a = spd((4, 3, 3), rng)
    b = rng.standard_normal((3, 2))
    for f in (cholesky, lambda x: lu(x)[0], lambda x: qr(x)[1], lambda x: eig(x, False)[0],
              lambda x: triangular_solve(x, b, left_side=True, lower=True)):
        stacked = np.stack([f(x) for x in a])
        np.testing.assert_allclose(funcad.vmap(f)(a), stacked, atol=1e-12)
        np.testing.assert_allclose(funcad.vmap(f, in_axes=2)(np.moveaxis(a, 0, 2)), stacked,
                                   atol=1e-12)
        np.testing.assert_allclose(funcad.jit(f)(a[0]), f(a[0]), atol=1e-12)


# ----------------------------------------------------------------------------------------------
# vmap and jit of the numpy-level functions; staging; dispatch.

VMAP_CASES = {
    "solve": lambda a: L.solve(a, a[..., 0]),
    "inv": L.inv,
    "det": L.det,
    "slogdet": lambda a: L.slogdet(a)[1],
    "cholesky": lambda a: L.cholesky(a @ a.mT + 3 * np.eye(3)),
    "qr": lambda a: L.qr(a).R,
    "pinv": L.pinv,
    "cond": L.cond,
    "matrix_rank": L.matrix_rank,
    "eigvals": lambda a: fnp.sort(fnp.real(L.eigvals(a))),
    "grad_det": funcad.grad(L.det),
    "grad_logdet": funcad.grad(lambda a: L.slogdet(a)[1]),
}


@pytest.mark.parametrize("name", sorted(VMAP_CASES))
def test_vmap_and_jit_agree(name):
    f = VMAP_CASES[name]
    xs = well_conditioned((4, 3, 3), _rng(14))
    stacked = np.stack([np.asarray(f(x)) for x in xs])
    np.testing.assert_allclose(funcad.vmap(f)(xs), stacked, atol=1e-10)
    np.testing.assert_allclose(funcad.jit(f)(xs[0]), f(xs[0]), atol=1e-10)


def test_solve_factorises_once_and_its_gradient_reuses_the_factors():
    a, b = np.eye(3), np.ones((3, 2))
    jaxpr = funcad.make_jaxpr(L.solve)(a, b)
    names = [eqn.primitive.name for eqn in jaxpr.jaxpr.eqns]
    assert names.count("lu") == 1 and names.count("linear_solve") == 1
    assert not {"svd", "eig", "eigh", "cholesky", "qr", "triangular_solve"} & set(names)
    # The reverse step is one transposed solve with the same factors and an outer product:
    # no second factorisation and no pass through the LU factors' own O(n^3) rule.
    grad_jaxpr = funcad.make_jaxpr(funcad.grad(lambda x: L.solve(x, b).sum()))(a)
    eqns = grad_jaxpr.jaxpr.eqns
    grad_names = [e.primitive.name for e in eqns]
    assert grad_names.count("lu") == 1 and grad_names.count("linear_solve") == 2
    assert "triangular_solve" not in grad_names
    solves = [e for e in eqns if e.primitive.name == "linear_solve"]
    assert [e.params["transpose"] for e in solves] == [False, True]
    assert solves[0].invars[2:] == solves[1].invars[2:]  # the same lu and pivots


def test_numpy_dispatch_reaches_funcad():
    rng = _rng(15)
    a = well_conditioned((3, 3), rng)
    b = rng.standard_normal(3)
    g = funcad.grad(lambda x: np.linalg.solve(x, b).sum())(a)
    np.testing.assert_allclose(g, funcad.grad(lambda x: L.solve(x, b).sum())(a))
    g = funcad.grad(lambda x: np.linalg.det(x) + np.linalg.inv(x).sum())(a)
    np.testing.assert_allclose(g, funcad.grad(lambda x: L.det(x) + L.inv(x).sum())(a))


# ----------------------------------------------------------------------------------------------
# Bad input.


def test_errors():
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        L.inv(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        L.det(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="two-dimensional"):
        L.cholesky(np.ones(3))
    with pytest.raises(np.linalg.LinAlgError, match="two-dimensional"):
        L.solve(np.ones(3), np.ones(3))
    with pytest.raises(np.linalg.LinAlgError, match="two-dimensional"):
        L.eig(np.ones(3))
    with pytest.raises(ValueError, match="argument b"):
        L.solve(np.eye(3), np.ones(2))
    with pytest.raises(ValueError, match="argument b"):
        L.solve(np.eye(3), np.ones((2, 3)))
    with pytest.raises(ValueError, match="broadcast"):
        L.solve(np.ones((2, 3, 3)), np.ones((3, 3, 1)))
    with pytest.raises(ValueError, match="norm order"):
        L.cond(np.eye(2), 3)
    with pytest.raises(ValueError, match="mode"):
        L.qr(np.eye(2), "economic")
    with pytest.raises(ValueError, match="method"):
        L.slogdet(np.eye(2), method="svd")
    with pytest.raises(TypeError, match="float16"):
        L.inv(np.eye(2, dtype=np.float16))
    with pytest.raises(ValueError, match="1-dimensional"):
        L.outer(np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="size 3"):
        L.cross(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="product"):
        L.tensorinv(np.ones((2, 3)), 1)
    with pytest.raises(np.linalg.LinAlgError, match="two-dimensional"):
        L.lstsq(np.ones((2, 2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="same leading"):
        triangular_solve(np.ones((2, 3, 3)), np.ones((3, 3)))


def test_without_scipy_lu_names_the_extra(monkeypatch):
    monkeypatch.setattr(plinalg, "SCIPY_INSTALLED", False)
    monkeypatch.setattr(plinalg, "_scipy_linalg", None)
    with pytest.raises(ImportError, match=r"funcad\[scipy\]"):
        L.det(np.eye(2))
    # solve and inv fall back on NumPy's solve, with their derivatives and batching
    rng = _rng(17)
    a, b = well_conditioned((3, 3), rng), rng.standard_normal((3, 2))
    np.testing.assert_allclose(L.solve(a, b), np.linalg.solve(a, b), rtol=1e-12)
    np.testing.assert_allclose(L.inv(a), np.linalg.inv(a), rtol=1e-12)
    check_grads(L.solve, (a, b), order=2, modes=BOTH)
    stack = well_conditioned((2, 3, 3), rng)
    np.testing.assert_allclose(funcad.vmap(L.inv)(stack), np.linalg.inv(stack), rtol=1e-12)
    assert np.isnan(L.solve(np.zeros((2, 2)), np.ones(2))).all()
    # triangular solves and cholesky (with its derivatives) work with NumPy alone
    a = spd((3, 3), _rng(16))
    x = triangular_solve(a, np.ones((3, 1)), left_side=True, lower=True)
    np.testing.assert_allclose(np.tril(a) @ x, np.ones((3, 1)))
    check_grads(L.cholesky, (a,), order=1, modes=BOTH)


SIZE_ZERO = {
    "inv": (L.inv, np.linalg.inv, (2, 0, 0)),
    "det": (L.det, np.linalg.det, (0, 0)),
    "det_stack": (L.det, np.linalg.det, (0, 3, 3)),
    "slogdet": (lambda a: L.slogdet(a)[1], lambda a: np.linalg.slogdet(a)[1], (0, 0)),
    "solve": (lambda a: L.solve(a, a), lambda a: np.linalg.solve(a, a), (0, 0)),
    "cholesky": (L.cholesky, np.linalg.cholesky, (0, 0)),
    "qr_r": (lambda a: L.qr(a, "r"), lambda a: np.linalg.qr(a, "r"), (0, 3)),
    "pinv": (L.pinv, np.linalg.pinv, (0, 3)),
    # (NumPy before 2.3 raises on an empty matrix_rank: a (0, 3) matrix has rank 0)
    "matrix_rank": (L.matrix_rank, lambda a: np.zeros((), np.int64), (0, 3)),
}


@pytest.mark.parametrize("name", sorted(SIZE_ZERO))
def test_size_zero_matrices(name):
    ours, theirs, shape = SIZE_ZERO[name]
    a = np.zeros(shape)
    out, expected = np.asarray(ours(a)), theirs(a)
    assert out.shape == expected.shape and out.dtype == expected.dtype
    np.testing.assert_array_equal(out, expected)


def test_size_zero_derivatives():
    assert funcad.grad(L.det)(np.zeros((0, 0))).shape == (0, 0)
    check_grads(lambda a: L.inv(a), (np.zeros((2, 0, 0)),), order=2, modes=BOTH)
    check_grads(lambda a: L.solve(a, np.ones((0, 2))), (np.zeros((0, 0)),), order=1,
                modes=BOTH)


def test_negative_matrix_power_uses_one_lu():
    jaxpr = funcad.make_jaxpr(lambda a: L.matrix_power(a, -3))(np.eye(3))
    names = [eqn.primitive.name for eqn in jaxpr.jaxpr.eqns]
    assert names.count("lu") == 1
    a = well_conditioned((2, 3, 3), _rng(17))
    np.testing.assert_allclose(L.matrix_power(a, -3), np.linalg.matrix_power(a, -3))


def test_multi_dot_order_values_derivatives_and_errors():
    rng = _rng(18)
    for shapes in ([(3,), (3, 4), (4, 2), (2,)], [(10, 3), (3, 50), (50, 2)], [(2, 3), (3,)]):
        ms = [rng.standard_normal(s) for s in shapes]
        np.testing.assert_allclose(L.multi_dot(ms), np.linalg.multi_dot(ms))
        check_grads(lambda *m: L.multi_dot(list(m)), ms, order=2, modes=BOTH)
    jaxpr = funcad.make_jaxpr(lambda *m: L.multi_dot(list(m)))(
        np.ones((10, 3)), np.ones((3, 50)), np.ones((50, 2)))
    first = jaxpr.jaxpr.eqns[0]
    assert [v.aval.shape for v in first.outvars] == [(3, 2)]  # (b @ c) first: the cheap order
    with pytest.raises(ValueError, match="at least two"):
        L.multi_dot([np.ones(3)])
    with pytest.raises(ValueError, match="2-dimensional"):
        L.multi_dot([np.ones((2, 3)), np.ones((3, 2, 2))])
    with pytest.raises(ValueError, match="aligned"):
        L.multi_dot([np.ones((2, 3)), np.ones((2, 2))])


def test_float32_derivatives_keep_float32():
    rng = _rng(19)
    a = well_conditioned((3, 3), rng, np.float32)
    for f in (L.det, lambda x: L.slogdet(x)[1], lambda x: L.inv(x).sum(),
              lambda x: L.cholesky(x @ x.T).sum(), lambda x: L.qr(x).R.sum(),
              lambda x: fnp.real(L.eigvals(x)).sum(), lambda x: L.pinv(x).sum()):
        g = funcad.grad(f)(a)
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, funcad.grad(f)(a.astype(np.float64)), rtol=2e-3,
                                   atol=2e-3)


def test_eigvals_hessian():
    a = well_conditioned((3, 3), _rng(20))
    h = funcad.hessian(lambda x: fnp.real(L.eigvals(x)).sum())(a)
    eps = 1e-5
    g = funcad.grad(lambda x: fnp.real(L.eigvals(x)).sum())
    numeric = np.stack([(g(a + eps * e) - g(a - eps * e)) / (2 * eps)
                        for e in np.eye(9).reshape(9, 3, 3)]).reshape(3, 3, 3, 3)
    np.testing.assert_allclose(np.moveaxis(h.reshape(3, 3, 3, 3), (0, 1), (2, 3)), numeric,
                               atol=1e-6)


def test_eig_of_non_finite_matrices_is_nan_where_they_are():
    a = np.array([[[np.nan, 1], [0, 1]], [[2.0, 0], [0, 1]]])
    w = L.eigvals(a)
    assert np.isnan(w[0]).all()
    np.testing.assert_allclose(np.sort(w[1].real), [1, 2])
    assert np.isnan(L.eig(a).eigenvectors[0]).all()


def test_derivatives_of_the_composed_functions():
    rng = _rng(21)
    t = rng.standard_normal((2, 3, 6)) + 3 * np.eye(6).reshape(6, 2, 3).transpose(1, 2, 0)
    check_grads(lambda x: L.tensorinv(x, 2), (t,), order=2, modes=BOTH)
    check_grads(lambda x, y: L.tensorsolve(x, y), (t, rng.standard_normal((2, 3))), order=2,
                modes=BOTH)
    x, y = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    for f in (lambda p, q: L.cross(p, q), lambda p, q: L.outer(p[0], q[1]),
              lambda p, q: L.vecdot(p, q), lambda p, q: L.diagonal(p @ q.T, offset=-1),
              lambda p, q: L.vector_norm(p - q, ord=3), lambda p, q: L.matrix_norm(p * q),
              lambda p, q: L.matrix_transpose(p) * q.T):
        check_grads(f, (x, y), order=2, modes=BOTH)


def test_qr_raw_stages_and_batches_but_has_no_derivative():
    a = _rng(22).standard_normal((3, 4, 2))
    h, tau = L.qr(a, "raw")
    h2, tau2 = funcad.jit(lambda x: tuple(L.qr(x, "raw")))(a)
    np.testing.assert_allclose(h2, h)
    np.testing.assert_allclose(tau2, tau)
    np.testing.assert_allclose(funcad.vmap(lambda x: L.qr(x, "raw")[1])(a), tau)
    with pytest.raises(NotImplementedError, match="raw"):
        funcad.grad(lambda x: L.qr(x, "raw")[0].sum())(a[0])
