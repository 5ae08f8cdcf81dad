"""funcad.scipy.linalg: values against SciPy (and recorded JAX values where JAX's semantics
are the reference: complex sqrtm, cleaned cho_factor, batched toeplitz, expm's algorithm and
its gradient), check_grads to second order in both modes on well-conditioned random inputs,
stacked ones included, vmap and jit agreement, and errors with SciPy's exception types.

The JAX numbers below were computed with jax 0.10.2 (x64) on the fixed inputs A, W, N;
test_live_jax recomputes a few of them when JAX is installed.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl
import strategies as S
from hypothesis import given, settings
from strategies import Domain

import funcad
import funcad.numpy as fnp
import funcad.scipy.linalg as L
from funcad.primitives import matrix_functions
from funcad.test_util import check_grads

BOTH = ("fwd", "rev")

A = np.array([[0.5, -1.2, 0.3], [0.8, 0.1, -0.4], [-0.6, 0.9, 1.1]])
W = np.array([[1.0, 2.0, -1.0], [0.5, -0.3, 0.7], [0.2, 1.5, -0.8]])
N = np.array([[-2.0, 1.0], [0.5, -1.0]])

EXPM_A = [[0.8563397365765876, -1.0039696098373254, 0.9274623333581591],
          [1.0045548088915592, 0.306170655606997, -0.40649405139815803],
          [-0.5139577240496153, 1.9203368226458823, 2.423914344150041]]
EXPM_3A = [[-1.8005415280083508, 7.568816840000656, 7.416609183872778],
           [-0.4326606361931993, -2.2432422466461186, 1.5343923915653341],
           [3.619650660816739, 10.387268890399715, 9.078490619331005]]
EXPM_GRAD = [[0.04326656116886782, 1.8507750540743921, 0.11072282127216032],
             [0.4198239077395788, -0.19023148466391876, 0.6010049401520202],
             [-1.3521917799489689, 3.3013574009413653, -0.9676343073373338]]
EXPM_FRECHET = [[2.5435492604037373, 0.6408707697722983, -2.9314922979226243],
                [0.823859093468387, 0.358366683820272, 0.752650309924772],
                [1.4022107555123737, 0.6670616982379541, -1.13548917730897]]
SQRTM_N = [[1.3813936044675548j, -0.4283729905961322j],
           [-0.21418649529806605j, 0.9530206138714228j]]
TOEPLITZ_BATCH = [[[1.0, 8.0], [2.0, 1.0], [3.0, 2.0]], [[4.0, 10.0], [5.0, 4.0], [6.0, 5.0]]]
CHO_FACTOR = [[1.6673332000533068, 0.09596162302465076, -0.6297481510992704],
              [0.0, 1.3419356791241803, -0.5734763277372601],
              [0.0, 0.0, 1.629276578028432]]
POLAR_U = [[0.35842448901418733, -0.7918232966299728, 0.4945176969421426],
           [0.9295994752861413, 0.3514519348583327, -0.11102411013858624],
           [-0.08588772451665808, 0.4994971515418044, 0.8620475012312108]]
POLAR_P = [[0.9744244594460015, -0.41444839135340283, -0.35878894037852416],
           [-0.41444839135340283, 1.4348805858294245, 0.17131910376365994],
           [-0.35878894037852416, 0.17131910376365994, 1.1410172044924092]]
POLAR_P_LEFT = [[1.277755509545703, 0.009750182771495577, -0.3837261937391308],
                [0.009750182771495537, 0.8232344177701802, -0.36357946495163],
                [-0.38372619373913086, -0.36357946495163, 1.44933232245195]]
EIGH_TRI = [0.7561980737359468, 1.8605090954539079, 3.383292830810145]
DET_GRAD = [[0.47, -0.64, 0.78], [1.59, 0.73, 0.27], [0.45, 0.44, 1.01]]
LU_P = [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]


def _rng(seed=0):
    return np.random.default_rng(seed)


def _general(shape, seed=0):
    """Well-conditioned square matrices: a random part plus a dominant diagonal."""
    rng = _rng(seed)
    n = shape[-1]
    return rng.normal(size=shape) * 0.5 + 2.0 * np.eye(n)


def _spd(shape, seed=0):
    rng = _rng(seed)
    x = rng.normal(size=shape)
    return x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])


def _per_matrix(f, *arrays):
    """f applied to each stacked matrix (leading axes flattened), restacked."""
    batch = arrays[0].shape[:-2]
    flat = [a.reshape((-1,) + a.shape[len(batch):]) for a in arrays]
    outs = [np.asarray(f(*parts)) for parts in zip(*flat)]
    return np.stack(outs).reshape(batch + outs[0].shape)


SQUARE_SHAPES = [(1, 1), (3, 3), (2, 3, 3), (2, 1, 2, 2)]


# ----------------------------------------------------------------------------------------------
# Values against SciPy.


@pytest.mark.parametrize("shape", SQUARE_SHAPES)
@pytest.mark.parametrize("name", ["inv", "det", "expm", "sqrtm", "cholesky", "cholesky_lower",
                                  "hessenberg"])
def test_square_functions_match_scipy(name, shape):
    a = _spd(shape) if name.startswith("cholesky") or name == "sqrtm" else _general(shape)
    ours = {"inv": L.inv, "det": L.det, "expm": L.expm, "sqrtm": L.sqrtm,
            "cholesky": L.cholesky, "cholesky_lower": lambda x: L.cholesky(x, lower=True),
            "hessenberg": L.hessenberg}[name]
    theirs = {"inv": sl.inv, "det": sl.det, "expm": sl.expm,
              "sqrtm": lambda x: sl.sqrtm(x.astype(complex)), "cholesky": sl.cholesky,
              "cholesky_lower": lambda x: sl.cholesky(x, lower=True),
              "hessenberg": sl.hessenberg}[name]
    np.testing.assert_allclose(ours(a), _per_matrix(theirs, a), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("trans", [0, 1, 2, "N", "T", "C"])
@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("unit_diagonal", [False, True])
def test_solve_triangular_matches_scipy(trans, lower, unit_diagonal):
    rng = _rng(1)
    a = _general((4, 4)) + 1j * rng.normal(size=(4, 4)) * 0.3
    for b in (rng.normal(size=4), rng.normal(size=(4, 2))):
        np.testing.assert_allclose(
            L.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal),
            sl.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal),
            rtol=1e-12)


def test_solve_triangular_stacked_and_broadcast():
    a = np.triu(_general((2, 3, 3)))
    b = _rng(2).normal(size=(3, 2))
    out = L.solve_triangular(a, b)
    assert out.shape == (2, 3, 2)
    for i in range(2):
        np.testing.assert_allclose(out[i], sl.solve_triangular(a[i], b), rtol=1e-12)
    vec = L.solve_triangular(a, _rng(3).normal(size=3), lower=False)
    assert vec.shape == (2, 3)
    with pytest.raises(ValueError, match="incompatible"):  # stacked vectors: b[..., None]
        L.solve_triangular(a, _rng(3).normal(size=(2, 3)))


@pytest.mark.parametrize("lower", [False, True])
def test_cho_factor_and_solve(lower):
    a = _spd((4, 4))
    b = _rng(4).normal(size=(4, 3))
    c, low = L.cho_factor(a, lower=lower)
    assert low is lower
    np.testing.assert_allclose(c, sl.cholesky(a, lower=lower), rtol=1e-12)
    np.testing.assert_allclose(L.cho_solve((c, low), b), sl.cho_solve(sl.cho_factor(a, lower), b),
                               rtol=1e-12)
    np.testing.assert_allclose(L.cho_solve((c, low), b[:, 0]), np.linalg.solve(a, b[:, 0]),
                               rtol=1e-12)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (1, 3)])
def test_lu_matches_scipy(shape):
    a = _rng(5).normal(size=shape)
    for ours, theirs in zip(L.lu(a), sl.lu(a)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    for ours, theirs in zip(L.lu(a, permute_l=True), sl.lu(a, permute_l=True)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    p, lo, up = L.lu(a, p_indices=True)
    np.testing.assert_array_equal(p, sl.lu(a, p_indices=True)[0])
    np.testing.assert_allclose(lo[p] @ up, a, atol=1e-14)
    for ours, theirs in zip(L.lu_factor(a), sl.lu_factor(a)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    c = a + 1j * _rng(15).normal(size=shape)
    for ours, theirs in zip(L.lu(c), sl.lu(c)):
        assert ours.dtype == theirs.dtype  # p is real
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("trans", [0, 1, 2])
def test_lu_solve_and_solve_match_scipy(trans):
    rng = _rng(6)
    a = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    b = rng.normal(size=(4, 2))
    np.testing.assert_allclose(L.lu_solve(L.lu_factor(a), b, trans=trans),
                               sl.lu_solve(sl.lu_factor(a), b, trans=trans), rtol=1e-11)
    np.testing.assert_allclose(L.solve(a, b[:, 0]), sl.solve(a, b[:, 0]), rtol=1e-11)
    spd = _spd((4, 4))
    for lower in (False, True):
        half = np.tril(spd) if lower else np.triu(spd)
        np.testing.assert_allclose(L.solve(half, b, assume_a="pos", lower=lower),
                                   np.linalg.solve(spd, b), rtol=1e-11)


def test_lu_solve_stacked():
    a = _general((2, 3, 3))
    b = _rng(7).normal(size=(2, 3))
    lu_and_piv = L.lu_factor(a)
    out = L.lu_solve(lu_and_piv, b[..., None])[..., 0]
    for i in range(2):
        np.testing.assert_allclose(out[i], np.linalg.solve(a[i], b[i]), rtol=1e-12)


def test_expm_frechet_sylvester_and_matrices_match_scipy():
    rng = _rng(8)
    e = rng.normal(size=(3, 3))
    for ours, theirs in zip(L.expm_frechet(A, e), sl.expm_frechet(A, e)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(L.expm_frechet(A, e, compute_expm=False),
                               sl.expm_frechet(A, e, compute_expm=False), rtol=1e-12)
    b, c = _general((2, 2)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(L.solve_sylvester(A, b, c), sl.solve_sylvester(A, b, c),
                               rtol=1e-12)
    np.testing.assert_allclose(L.block_diag(np.ones((2, 2)), 3, [1, 2]),
                               sl.block_diag(np.ones((2, 2)), 3, [1, 2]))
    assert L.block_diag().shape == (1, 0)
    assert L.block_diag(np.ones((2, 2), np.float32), 1).dtype == np.float64
    np.testing.assert_array_equal(L.toeplitz([1, 2, 3], [1, 4, 5, 6]),
                                  sl.toeplitz([1, 2, 3], [1, 4, 5, 6]))
    np.testing.assert_array_equal(L.toeplitz([1, 2 + 1j, 3]), sl.toeplitz([1, 2 + 1j, 3]))
    np.testing.assert_array_equal(L.hankel([1, 2, 3], [3, 4, 5, 6]),
                                  sl.hankel([1, 2, 3], [3, 4, 5, 6]))
    np.testing.assert_array_equal(L.circulant([1, 2, 3]), sl.circulant([1, 2, 3]))
    np.testing.assert_allclose(L.companion([1.0, 2, 3, 4]), sl.companion([1.0, 2, 3, 4]))
    np.testing.assert_allclose(L.hilbert(4), sl.hilbert(4))
    np.testing.assert_allclose(L.dft(5, "n"), sl.dft(5, "n"), atol=1e-15)


def test_more_special_matrices_match_scipy():
    for n in (1, 3, 5):
        for kind in ("symmetric", "lower", "upper"):
            for ours, theirs in ((L.pascal, sl.pascal), (L.invpascal, sl.invpascal)):
                want = theirs(n, kind)
                got = ours(n, kind)
                assert got.dtype == want.dtype
                np.testing.assert_array_equal(got, want)
        np.testing.assert_allclose(L.invhilbert(n), sl.invhilbert(n))
        np.testing.assert_allclose(L.helmert(n, full=True), sl.helmert(n, full=True))
        assert L.helmert(n).shape == sl.helmert(n).shape
    np.testing.assert_array_equal(L.hadamard(8), sl.hadamard(8))
    with pytest.raises(ValueError, match="power of 2"):
        L.hadamard(6)
    np.testing.assert_allclose(L.leslie([1, 2, 3], [0.5, 0.6]), sl.leslie([1, 2, 3], [0.5, 0.6]))
    np.testing.assert_array_equal(L.fiedler([1, 4, 2]), sl.fiedler([1, 4, 2]))
    for m in (1, 3, 5):
        for n in (1, 2, 4, 6):
            for mode in ("full", "same", "valid"):
                a = np.arange(1.0, m + 1)
                np.testing.assert_array_equal(L.convolution_matrix(a, n, mode),
                                              sl.convolution_matrix(a, n, mode))
    # leading axes batch, as in JAX
    c = np.array([[1.0, 2, 3], [4, 5, 6]])
    for f, g in ((L.hankel, sl.hankel), (L.circulant, sl.circulant), (L.companion, sl.companion),
                 (L.fiedler, sl.fiedler)):
        np.testing.assert_allclose(f(c), np.stack([g(row) for row in c]))
    rng = _rng(20)
    a = rng.normal(size=(4, 3))
    for mode, c in (("right", rng.normal(size=(2, 4))), ("left", rng.normal(size=(3, 2))),
                    ("right", rng.normal(size=4)), ("left", rng.normal(size=3))):
        for ours, theirs in zip(L.qr_multiply(a, c, mode), sl.qr_multiply(a, c, mode)):
            np.testing.assert_allclose(np.abs(ours), np.abs(theirs), atol=1e-14)
    with pytest.raises(ValueError, match="does not fit"):
        L.qr_multiply(a, np.ones((2, 3)), "right")


def test_rsf2csf_funm_and_fiedler_companion_match_scipy():
    rng = _rng(21)
    for n in (1, 2, 4, 6):
        a = rng.normal(size=(n, n))
        t, z = sl.schur(a)
        for ours, theirs in zip(L.rsf2csf(t, z), sl.rsf2csf(t, z)):
            np.testing.assert_allclose(ours, theirs, atol=1e-13)
        f = L.funm(a, fnp.exp)
        assert f.dtype == np.complex128  # complex, as JAX's
        np.testing.assert_allclose(f, sl.funm(a, np.exp), atol=1e-11)
        f, err = L.funm(a, fnp.sin, disp=False)
        np.testing.assert_allclose(f, sl.funm(a, np.sin), atol=1e-11)
        assert 0 < err < 1e-10
    assert L.funm(np.eye(2, dtype=np.float32), fnp.exp).dtype == np.complex64
    np.testing.assert_allclose(L.funm(np.eye(2), fnp.exp), np.e * np.eye(2))  # repeated
    stacked = rng.normal(size=(3, 4, 4))
    ts, zs = L.schur(stacked)
    np.testing.assert_allclose(funcad.vmap(L.rsf2csf)(ts, zs)[0],
                               np.stack([sl.rsf2csf(t, z)[0] for t, z in zip(ts, zs)]),
                               atol=1e-13)
    np.testing.assert_allclose(funcad.jit(lambda a: L.funm(a, fnp.cos))(stacked[0]),
                               sl.funm(stacked[0], np.cos), atol=1e-11)
    for n in range(2, 9):
        c = rng.normal(size=n)
        np.testing.assert_array_equal(L.fiedler_companion(c), sl.fiedler_companion(c))
    check_grads(L.fiedler_companion, (rng.normal(size=5),), order=2, modes=BOTH)


JAX_SCIPY_LINALG_NAMES = [
    "block_diag", "cho_factor", "cho_solve", "cholesky", "circulant", "companion",
    "convolution_matrix", "det", "dft", "eigh", "eigh_tridiagonal", "expm", "expm_frechet",
    "fiedler", "fiedler_companion", "funm", "hadamard", "hankel", "helmert", "hessenberg",
    "hilbert", "inv", "invhilbert", "invpascal", "leslie", "lu", "lu_factor", "lu_solve",
    "pascal", "polar", "qr", "qr_multiply", "rsf2csf", "schur", "solve", "solve_sylvester",
    "solve_triangular", "sqrtm", "svd", "toeplitz",
]
MISSING: set[str] = set()


def test_name_coverage():
    have = set(L.__all__)
    assert have >= set(JAX_SCIPY_LINALG_NAMES) - MISSING, \
        sorted(set(JAX_SCIPY_LINALG_NAMES) - MISSING - have)
    assert not have & MISSING


def test_decompositions_match_scipy():
    rng = _rng(9)
    a = rng.normal(size=(4, 4))
    spd = _spd((4, 4))
    w, v = L.eigh(spd)
    np.testing.assert_allclose(w, sl.eigh(spd)[0], rtol=1e-12)
    np.testing.assert_allclose(v @ np.diag(w) @ v.T, spd, atol=1e-12)
    sym = a + a.T
    w, v = L.eigh(sym, spd)
    np.testing.assert_allclose(w, sl.eigh(sym, spd, eigvals_only=True), rtol=1e-12)
    np.testing.assert_allclose(sym @ v, spd @ v * w, atol=1e-12)
    np.testing.assert_allclose(L.eigh(np.tril(sym), lower=True, eigvals_only=True),
                               sl.eigh(sym, eigvals_only=True), rtol=1e-12)
    u, s, vh = L.svd(a)
    np.testing.assert_allclose(s, sl.svd(a)[1], rtol=1e-12)
    np.testing.assert_allclose(u @ np.diag(s) @ vh, a, atol=1e-12)
    for mode in ("full", "economic"):
        q, r = L.qr(a[:, :3], mode=mode)
        q2, r2 = sl.qr(a[:, :3], mode=mode)
        np.testing.assert_allclose(np.abs(r), np.abs(r2), rtol=1e-12)
        np.testing.assert_allclose(q @ r, a[:, :3], atol=1e-12)
    (r,) = L.qr(a, mode="r")
    np.testing.assert_allclose(np.abs(r), np.abs(sl.qr(a, mode="r")[0]), rtol=1e-12)
    for output in ("real", "complex"):
        t, z = L.schur(a, output=output)
        t2, _ = sl.schur(a, output=output)
        np.testing.assert_allclose(np.abs(t), np.abs(t2), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(z @ t @ z.conj().T, a, atol=1e-12)
    h, q = L.hessenberg(a, calc_q=True)
    np.testing.assert_allclose(q @ h @ q.T, a, atol=1e-12)
    for side in ("right", "left"):
        for ours, theirs in zip(L.polar(a, side), sl.polar(a, side)):
            np.testing.assert_allclose(ours, theirs, atol=1e-12)
    d, e = rng.normal(size=5), rng.normal(size=4)
    np.testing.assert_allclose(L.eigh_tridiagonal(d, e, eigvals_only=True),
                               sl.eigh_tridiagonal(d, e, eigvals_only=True), rtol=1e-12)
    np.testing.assert_allclose(
        L.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(1, 3)),
        sl.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(1, 3)),
        rtol=1e-12)
    w, v = L.eigh_tridiagonal(d, e)
    t = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)
    np.testing.assert_allclose(t @ v, v * w, atol=1e-12)


def test_expm_accuracy_over_norms_and_dtypes():
    rng = _rng(10)
    for scale in (1e-3, 0.1, 0.5, 1.5, 3.0, 10.0, 40.0):
        a = rng.normal(size=(4, 4)) * scale
        want = sl.expm(a)
        np.testing.assert_allclose(L.expm(a), want, rtol=1e-10, atol=1e-12 * np.abs(want).max())
        got32 = L.expm(a.astype(np.float32))
        assert got32.dtype == np.float32
        np.testing.assert_allclose(got32, want, rtol=1e-3, atol=1e-4 * np.abs(want).max())
    c = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))
    np.testing.assert_allclose(L.expm(c), sl.expm(c), rtol=1e-11)
    np.testing.assert_allclose(L.expm(np.triu(A), upper_triangular=True), sl.expm(np.triu(A)),
                               rtol=1e-12)
    assert np.isnan(L.expm(A * 1e6, max_squarings=4)).all()


# ----------------------------------------------------------------------------------------------
# JAX's values (recorded) and semantics.


def test_recorded_jax_values():
    np.testing.assert_allclose(L.expm(A), EXPM_A, rtol=1e-13)
    np.testing.assert_allclose(L.expm(3 * A), EXPM_3A, rtol=1e-13)
    grad = funcad.grad(lambda a: (L.expm(a) * W).sum())(A)
    np.testing.assert_allclose(grad, EXPM_GRAD, rtol=1e-12)
    np.testing.assert_allclose(L.expm_frechet(A, W, compute_expm=False), EXPM_FRECHET,
                               rtol=1e-12)
    root = L.sqrtm(N)
    assert root.dtype == np.complex128  # complex, as JAX's
    np.testing.assert_allclose(root, SQRTM_N, atol=1e-14)
    assert L.sqrtm(N.astype(np.float32)).dtype == np.complex64
    batch = L.toeplitz(np.array([[1.0, 2, 3], [4, 5, 6]]), np.array([[7.0, 8], [9, 10]]))
    np.testing.assert_array_equal(batch, TOEPLITZ_BATCH)
    np.testing.assert_allclose(L.cho_factor(A @ A.T + np.eye(3))[0], CHO_FACTOR, rtol=1e-13)
    u, p = L.polar(A)
    np.testing.assert_allclose(u, POLAR_U, atol=1e-13)
    np.testing.assert_allclose(p, POLAR_P, atol=1e-13)
    np.testing.assert_allclose(L.polar(A, side="left")[1], POLAR_P_LEFT, atol=1e-13)
    np.testing.assert_allclose(
        L.eigh_tridiagonal(np.array([1.0, 2, 3]), np.array([0.5, -0.7]), eigvals_only=True),
        EIGH_TRI, rtol=1e-13)
    np.testing.assert_allclose(funcad.grad(L.det)(A), DET_GRAD, atol=1e-13)
    singular = np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])  # JAX: the adjugate
    np.testing.assert_allclose(funcad.grad(L.det)(singular),
                               [[-3.0, 6, -3], [6, -12, 6], [-3, 6, -3]], atol=1e-12)
    np.testing.assert_array_equal(L.lu(A)[0], LU_P)


def test_live_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jl = pytest.importorskip("jax.scipy.linalg")
    np.testing.assert_allclose(jl.expm(A), EXPM_A, rtol=1e-13)
    np.testing.assert_allclose(jax.grad(lambda a: (jl.expm(a) * W).sum())(A), EXPM_GRAD,
                               rtol=1e-12)
    np.testing.assert_allclose(jl.sqrtm(N), SQRTM_N, atol=1e-14)
    np.testing.assert_allclose(jl.cho_factor(A @ A.T + np.eye(3))[0], CHO_FACTOR, rtol=1e-13)


# ----------------------------------------------------------------------------------------------
# Derivatives: check_grads to second order, both modes.

_G = _general((3, 3))
_G2 = _general((2, 3, 3), seed=1)
_P = _spd((3, 3))
_P2 = _spd((2, 3, 3), seed=2)
_B = _rng(11).normal(size=(3, 2))
_B2 = _rng(12).normal(size=(2, 3, 2))
_V = _rng(13).normal(size=3)
_C = _G + 0.3j * _rng(14).normal(size=(3, 3))

GRADS = {
    "solve_triangular": (lambda a, b: L.solve_triangular(a, b, trans=1), (_G, _B)),
    "solve_triangular_stacked": (lambda a, b: L.solve_triangular(a, b, lower=True,
                                                                 unit_diagonal=True), (_G2, _B2)),
    "solve_triangular_vector": (lambda a, b: L.solve_triangular(a, b, trans="C"), (_C, _V)),
    "cholesky": (L.cholesky, (_P2,)),
    "cho_solve": (lambda a, b: L.cho_solve(L.cho_factor(a, lower=True), b), (_P, _B)),
    "lu": (lambda a: L.lu(a)[1:], (_G2,)),
    "lu_wide": (lambda a: L.lu(a, permute_l=True), (_G[:2],)),
    "lu_solve": (lambda a, b: L.lu_solve(L.lu_factor(a), b, trans=1), (_G2, _B2)),
    "lu_solve_vector": (lambda a, b: L.lu_solve(L.lu_factor(a), b), (_G2, _V)),
    "solve": (L.solve, (_G, _V)),
    "solve_pos": (lambda a, b: L.solve(a, b, assume_a="pos"), (_P2, _B2)),
    "inv": (L.inv, (_G2,)),
    "inv_complex": (L.inv, (_C,)),
    "det": (L.det, (_G2,)),
    "expm": (L.expm, (A,)),
    "expm_large_norm": (L.expm, (4 * A,)),
    "expm_stacked": (L.expm, (np.stack([0.01 * A, A, 3 * A]),)),
    "expm_complex": (L.expm, (_C * 0.5,)),
    "expm_frechet": (lambda a, e: L.expm_frechet(a, e), (A, W)),
    "sqrtm": (L.sqrtm, (_P2,)),
    "sqrtm_complex": (L.sqrtm, (_C,)),
    "solve_sylvester": (L.solve_sylvester, (_G, _P, _B @ _B.T)),
    "eigh": (lambda a: L.eigh(a, eigvals_only=True), (_P2,)),
    "eigh_generalized": (lambda a, b: L.eigh(a, b)[0], (_G + _G.T, _P)),
    "svd": (lambda a: L.svd(a, compute_uv=False), (_G2,)),
    "qr": (lambda a: L.qr(a, mode="economic"), (_G,)),
    "polar": (L.polar, (_G,)),
    "polar_left": (lambda a: L.polar(a, "left"), (_G2,)),
    "eigh_tridiagonal": (lambda d, e: L.eigh_tridiagonal(d, e, eigvals_only=True),
                         (np.array([1.0, 2, 3]), np.array([0.5, -0.7]))),
    "block_diag": (lambda a, b: L.block_diag(a, b, 2.0), (_G, _B)),
    "toeplitz": (L.toeplitz, (_V, _B[:, 0])),
    "hankel": (L.hankel, (_V, _B[:, 0])),
    "circulant": (L.circulant, (_B2[..., 0],)),
    "companion": (L.companion, (np.array([2.0, -1.0, 0.5, 3.0]),)),
    "fiedler": (L.fiedler, (_V,)),
    "leslie": (L.leslie, (_V, _B[:2, 0])),
    "convolution_matrix": (lambda a: L.convolution_matrix(a, 4, "same"), (_V,)),
    "qr_multiply": (lambda a, c: L.qr_multiply(a, c, "left"), (_G[:, :2], _B[:2])),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_check_grads(name):
    f, args = GRADS[name]
    check_grads(f, args, order=2, modes=BOTH)


@settings(max_examples=5)
@given(noise=S.arrays((2, 3, 3), Domain(-0.5, 0.5)), b=S.arrays((2, 3), Domain(-1, 1)))
def test_check_grads_on_drawn_matrices(noise, b):
    a = noise + 2 * np.eye(3)
    check_grads(lambda a, b: L.lu_solve(L.lu_factor(a), b[..., None]), (a, b), order=2,
                modes=BOTH)
    check_grads(L.expm, (noise,), order=1, modes=BOTH)


def test_schur_and_hessenberg_have_no_derivative():
    with pytest.raises(NotImplementedError, match="schur has no derivative"):
        funcad.grad(lambda a: L.schur(a)[0].sum())(A)
    with pytest.raises(NotImplementedError, match="hessenberg has no derivative"):
        funcad.jvp(L.hessenberg, (A,), (W,))
    with pytest.raises(NotImplementedError, match="schur has no derivative"):
        funcad.grad(lambda a: L.funm(a, fnp.exp).real.sum())(A)
    # stop_gradient is the way out the message names
    funcad.grad(lambda a: (funcad.lax.stop_gradient(L.schur(a)[0]) * a).sum())(A)


# ----------------------------------------------------------------------------------------------
# vmap and jit.

VMAP = {
    "solve": (L.solve, (_G2, _B2)),
    "lu_solve": (lambda a, b: L.lu_solve(L.lu_factor(a), b), (_G2, _B2)),
    "solve_triangular": (lambda a, b: L.solve_triangular(a, b, lower=True), (_G2, _B2)),
    "cho_solve": (lambda a, b: L.cho_solve(L.cho_factor(a), b), (_P2, _B2)),
    "inv": (lambda a, b: L.inv(a), (_G2, _B2)),
    "det": (lambda a, b: L.det(a), (_G2, _B2)),
    "expm": (lambda a, b: L.expm(a), (np.stack([0.01 * A, 5 * A]), _B2)),
    "sqrtm": (lambda a, b: L.sqrtm(a), (_P2, _B2)),
    "sylvester": (lambda a, b: L.solve_sylvester(a, a.T + 5 * np.eye(3), b @ b.T), (_G2, _B2)),
    "schur": (lambda a, b: L.schur(a)[0], (_G2, _B2)),
    "hessenberg": (lambda a, b: L.hessenberg(a), (_G2, _B2)),
    "polar": (lambda a, b: L.polar(a)[1], (_G2, _B2)),
    "toeplitz": (lambda a, b: L.toeplitz(a[0], b[:, 0]), (_G2, _B2)),
    "eigh_generalized": (lambda a, b: L.eigh(a + a.T, _P)[0], (_G2, _B2)),
}


@pytest.mark.parametrize("name", sorted(VMAP))
def test_vmap_and_jit_agree(name):
    f, (a, b) = VMAP[name]
    stacked = np.stack([np.asarray(f(a[i], b[i])) for i in range(a.shape[0])])
    np.testing.assert_allclose(funcad.vmap(f)(a, b), stacked, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(funcad.jit(f)(a[0], b[0]), stacked[0], rtol=1e-12, atol=1e-13)


def test_expm_grad_under_jit_and_vmap():
    g = funcad.grad(lambda a: (L.expm(a) * W).sum())
    np.testing.assert_allclose(funcad.jit(g)(A), EXPM_GRAD, rtol=1e-12)
    stacked = funcad.vmap(g)(np.stack([A, A]))
    np.testing.assert_allclose(stacked[1], EXPM_GRAD, rtol=1e-12)


# ----------------------------------------------------------------------------------------------
# Bad input.


def test_errors():
    with pytest.raises(ValueError, match="argument a must be a square"):
        L.inv(np.ones((2, 3)))
    with pytest.raises(ValueError, match="argument A must be a square"):
        L.expm(np.ones(3))
    with pytest.raises(ValueError, match="incompatible dimensions"):
        L.solve(np.eye(3), np.ones(4))
    with pytest.raises(ValueError, match="trans"):
        L.solve_triangular(np.eye(2), np.ones(2), trans=3)
    with pytest.raises(ValueError, match="assume_a"):
        L.solve(np.eye(2), np.ones(2), assume_a="banded")
    with pytest.raises(ValueError, match="mode"):
        L.qr(np.eye(2), mode="raw")
    with pytest.raises(ValueError, match="output"):
        L.schur(np.eye(2), output="quasi")
    with pytest.raises(ValueError, match="same shape"):
        L.expm_frechet(np.eye(2), np.eye(3))
    with pytest.raises(ValueError, match="pivots"):
        L.lu_solve((np.eye(3), np.zeros(2, np.int32)), np.ones(3))
    with pytest.raises(ValueError, match="argument q"):
        L.solve_sylvester(np.eye(2), np.eye(3), np.ones((3, 2)))
    with pytest.raises(ValueError, match="side"):
        L.polar(np.eye(2), side="up")
    with pytest.raises(NotImplementedError, match="select='v'"):
        L.eigh_tridiagonal(np.ones(3), np.ones(2), select="v", select_range=(0.0, 1.0))
    with pytest.raises(TypeError, match="float16"):
        L.inv(np.eye(2, dtype=np.float16))


def test_integers_become_float64_and_cholesky_of_indefinite_is_nan():
    assert L.inv(np.eye(3, dtype=np.int32)).dtype == np.float64
    assert L.expm(np.zeros((2, 2), np.int64)).dtype == np.float64
    assert L.det(np.eye(2, dtype=np.int8)).dtype == np.float64
    assert np.isnan(L.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]]))).any()
    assert L.inv(np.eye(2, dtype=np.float32)).dtype == np.float32


def test_without_scipy_kernels_raise_import_error(monkeypatch):
    monkeypatch.setattr(matrix_functions, "_SCIPY_INSTALLED", False)
    monkeypatch.setattr(matrix_functions, "_scipy_linalg", None)
    with pytest.raises(ImportError, match=r"funcad\[scipy\]"):
        L.sqrtm(np.eye(2))
    with pytest.raises(ImportError, match=r"funcad\[scipy\]"):
        L.schur(np.eye(2))
    # built from funcad operations alone: no SciPy needed
    np.testing.assert_allclose(L.toeplitz([1.0, 2.0]), [[1.0, 2.0], [2.0, 1.0]])


def test_in_an_environment_without_scipy(tmp_path):
    """A Python whose site-packages lack SciPy: import funcad and the submodules work, the
    functions built from funcad operations work, and SciPy kernels name the extra."""
    import subprocess
    import sys
    import sysconfig
    from pathlib import Path

    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        if not entry.name.lower().startswith(("scipy", "_distutils_hack", "__editable__")) \
                and not entry.name.endswith(".pth"):
            (tmp_path / entry.name).symlink_to(entry)
    root = Path(funcad.__file__).resolve().parent.parent
    script = (
        "import funcad, funcad.numpy as fnp\n"
        "import funcad.scipy.linalg as L, funcad.scipy.signal as S\n"
        "print(float(L.toeplitz(fnp.ones(2))[0, 1]), float(S.convolve([1.0], [2.0])[0]))\n"
        "try:\n    L.sqrtm(fnp.eye(2))\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-S", "-c", script], capture_output=True, text=True,
                         env={"PYTHONPATH": f"{root}:{tmp_path}"}, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "1.0 2.0"
    assert "funcad[scipy]" in lines[1]


def test_matrix_function_primitives_batch_on_any_axis():
    """The Sylvester and sqrtm primitives' batching rules: batch axes anywhere, unbatched
    operands broadcast; and their rules nest (vmap of grad)."""
    rng = _rng(30)
    a = rng.normal(size=(3, 3, 2)) * 0.3 + 2 * np.eye(3)[:, :, None]  # batch axis last
    b = _general((2, 2))
    c = rng.normal(size=(3, 2, 2))  # batch axis 1
    out = funcad.vmap(matrix_functions.sylvester, in_axes=(2, None, 1))(a, b, c)
    for i in range(2):
        np.testing.assert_allclose(out[i], sl.solve_sylvester(a[:, :, i], b, c[:, i]),
                                   rtol=1e-12)
    p = _P2.astype(complex)
    np.testing.assert_allclose(funcad.vmap(matrix_functions.sqrtm, in_axes=1, out_axes=2)(
        np.moveaxis(p, 0, 1)), np.moveaxis(_per_matrix(sl.sqrtm, p), 0, 2), rtol=1e-12)
    g = funcad.vmap(funcad.grad(lambda x: L.sqrtm(x).real.sum()))(_P2)
    for i in range(2):
        np.testing.assert_allclose(g[i], funcad.grad(lambda x: L.sqrtm(x).real.sum())(_P2[i]),
                                   rtol=1e-12)
