"""svd, svdvals, eigh, eigvalsh and the singular-value norms (orders 2, -2, 'nuc').

Values against NumPy (and JAX where the semantics are JAX's: symmetrize_input, UPLO,
hermitian=True), up to the sign or phase of singular vectors and eigenvectors: what is
compared are reconstructions, projectors and the values. Derivatives with check_grads to
second order in both modes, on random well-conditioned matrices (separated singular values
and eigenvalues) of several shapes, stacked ones included; raw U, Vh and eigenvectors only
for real inputs, where LAPACK's sign choice is locally constant.

JAX's values, tangents and gradients are recorded in data/linalg_decompositions_jax.json
(computed by _jax_reference, 64-bit, on the fixed inputs below), so the comparisons run
without JAX installed; test_recorded_jax_values_match_live_jax recomputes them when JAX is
available, and ``python tests/test_linalg_decompositions.py`` rewrites that file.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcad
import funcad.numpy as fnp
from funcad.primitives.linalg import eigh_p, svd_p
from funcad.test_util import check_grads

BOTH = ("fwd", "rev")
SHAPES = [(3, 3), (4, 2), (2, 4), (1, 3), (2, 3, 3), (2, 4, 3), (2, 1, 2, 3)]
SQUARE_SHAPES = [(1, 1), (3, 3), (4, 4), (2, 3, 3), (2, 1, 2, 2)]


def _unitary(rng, n, complex_):
    z = rng.standard_normal((n, n))
    if complex_:
        z = z + 1j * rng.standard_normal((n, n))
    q, r = np.linalg.qr(z)
    return q * (np.diagonal(r) / np.abs(np.diagonal(r)))


def well_conditioned(shape, seed=0, complex_=False, dtype=None):
    """Matrices U diag(s) V^H with singular values 1 + 0.6 i (i = 0, 1, ...) scaled by a
    random factor: separated, and away from zero."""
    rng = np.random.default_rng(seed)
    *batch, m, n = shape
    k = min(m, n)
    out = np.empty(shape, np.complex128 if complex_ else np.float64)
    for index in np.ndindex(*batch):
        s = (1.0 + 0.6 * rng.permutation(k)) * rng.uniform(0.8, 1.2)
        u = _unitary(rng, m, complex_)[:, :k]
        v = _unitary(rng, n, complex_)[:, :k]
        out[index] = (u * s) @ v.conj().T
    return out if dtype is None else out.astype(dtype)


def hermitian(shape, seed=0, complex_=False):
    """Hermitian matrices with eigenvalues -2 + 0.7 i (separated), in random bases."""
    rng = np.random.default_rng(seed)
    *batch, n, _ = shape
    out = np.empty(shape, np.complex128 if complex_ else np.float64)
    for index in np.ndindex(*batch):
        w = -2.0 + 0.7 * rng.permutation(n) + rng.uniform(-0.1, 0.1)
        q = _unitary(rng, n, complex_)
        out[index] = (q * w) @ q.conj().T
    return out


def H(x):
    return fnp.conj(fnp.swapaxes(x, -1, -2))


def _k(a):
    return min(np.shape(a)[-2:])


def reconstruction(u, s, vh, k):
    return fnp.matmul(u[..., :k] * s[..., None, :], vh[..., :k, :])


# ----------------------------------------------------------------------------------------------
# The inputs and functions compared with JAX, and JAX's values on them (recorded).


def _not_hermitian(complex_):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((2, 3, 3))
    if complex_:
        a = a + 1j * rng.standard_normal((2, 3, 3))
    return a


def _svd_tangent_inputs():
    a = well_conditioned((4, 3), seed=10)
    return a, np.random.default_rng(0).standard_normal(a.shape)


def _eigh_gradient_input():
    return hermitian((3, 3), seed=13) + 0.3 * np.random.default_rng(1).standard_normal((3, 3))


def _eigh_loss(lib):
    def g(x):
        w, v = lib.linalg.eigh(x)
        return lib.sum(w * w) + lib.sum(lib.abs(v[:, 0]) ** 3)
    return g


def _eigh_tangent_inputs():
    a = hermitian((4, 4), seed=25)
    return a, np.random.default_rng(3).standard_normal(a.shape)


COMPLEX_GRADIENT_SHAPES = [(3, 3), (4, 3), (3, 4)]


def _complex_gradient_input(shape):
    rng = np.random.default_rng(26)
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _svd_complex_loss(lib, weights):
    def g(x):
        u, s, vh = lib.linalg.svd(x, full_matrices=False)
        return lib.sum(s * weights) + lib.sum(lib.abs(u[0] * vh[:, -1]) ** 2 * s)
    return g


def _eigh_complex_loss(lib, weights):
    def g(x):
        w, v = lib.linalg.eigh(x)
        return lib.sum(w * weights) + lib.sum(lib.abs(v[0]) ** 2 * w)
    return g


NORM_ORDS = [2, -2, "nuc"]
NORM_AXES = [(None, False), (None, True), ((0, 1), False), ((1, 0), True), ((-1, -3), True),
             ((2, 0), False)]


def _norm_input(axis):
    x = well_conditioned((3, 4, 2), seed=20)
    if axis is None:
        x = x[0]
    elif 2 in axis or -1 in axis:
        x = np.moveaxis(x, 0, -1)  # (so every axis pair sees a non-trivial matrix)
    return x


def _jax_reference(jax):
    """JAX's values, tangents and gradients (64-bit) on the inputs above, by name."""
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    ref = {}
    for complex_ in (False, True):
        a = hermitian((2, 3, 3), seed=3, complex_=complex_)
        ref[f"svd_hermitian/{complex_}/S"] = jnp.linalg.svd(a, hermitian=True).S
        ref[f"svd_hermitian/{complex_}/svdvals"] = jnp.linalg.svd(a, hermitian=True,
                                                                  compute_uv=False)
    for complex_, uplo, symmetrize in itertools.product((False, True), (None, "L", "U"),
                                                        (True, False)):
        a, key = _not_hermitian(complex_), f"eigh_uplo/{complex_}/{uplo}/{symmetrize}"
        w, v = jnp.linalg.eigh(a, UPLO=uplo, symmetrize_input=symmetrize)
        jv = np.asarray(v)[..., :1]
        ref[key + "/eigenvalues"] = w
        ref[key + "/projector"] = np.matmul(jv, np.swapaxes(jv.conj(), -1, -2))
        ref[key + "/eigvalsh"] = jnp.linalg.eigvalsh(a, UPLO=uplo or "L",
                                                     symmetrize_input=symmetrize)
    a, t = _svd_tangent_inputs()
    (ju, _, _), (jdu, jds, jdvh) = jax.jvp(lambda x: tuple(jnp.linalg.svd(x, False)), (a,),
                                           (t,))
    ref.update({"svd_tangents/U": ju, "svd_tangents/dU": jdu, "svd_tangents/dS": jds,
                "svd_tangents/dVh": jdvh})
    a = _eigh_gradient_input()
    ref["eigh_gradient/grad"] = jax.grad(_eigh_loss(jnp))(a)
    ref["eigh_gradient/hessian"] = jax.hessian(_eigh_loss(jnp))(a)
    a, t = _eigh_tangent_inputs()
    (_, jv), (jdw, jdv) = jax.jvp(lambda x: tuple(jnp.linalg.eigh(x)), (a,), (t,))
    ref.update({"eigh_tangents/V": jv, "eigh_tangents/dW": jdw, "eigh_tangents/dV": jdv})
    for shape in COMPLEX_GRADIENT_SHAPES:
        z, weights = _complex_gradient_input(shape), np.arange(1.0, 1.0 + min(shape))
        ref[f"complex_gradients/{shape}/svd"] = jax.grad(_svd_complex_loss(jnp, weights))(z)
        if shape[0] == shape[1]:
            ref[f"complex_gradients/{shape}/eigh"] = jax.grad(_eigh_complex_loss(jnp,
                                                                                 weights))(z)
    for ord, (axis, keepdims) in itertools.product(NORM_ORDS, NORM_AXES):
        jf = lambda y: jnp.sum(jnp.linalg.norm(y, ord, axis=axis, keepdims=keepdims))
        ref[f"norm/{ord}/{axis}/{keepdims}"] = jax.grad(jf)(_norm_input(axis))
    return {key: np.asarray(value) for key, value in ref.items()}


JAX_DATA = Path(__file__).parent / "data" / "linalg_decompositions_jax.json"
SIGN_ALIGNED = {"svd_tangents/U": ("svd_tangents/dU", "svd_tangents/dVh"),
                "eigh_tangents/V": ("eigh_tangents/dV",)}  # (columns; rows of dVh)


def _write_reference(ref):
    def encode(x):
        entry = {"real": x.real.tolist()}
        if np.iscomplexobj(x):
            entry["imag"] = x.imag.tolist()
        return json.dumps(entry)  # (floats by repr: exact round trips)

    JAX_DATA.parent.mkdir(exist_ok=True)
    JAX_DATA.write_text("{\n" + ",\n".join(f"{json.dumps(k)}: {encode(v)}"
                                            for k, v in ref.items()) + "\n}\n")


def _read_reference():
    def decode(entry):
        x = np.array(entry["real"], np.float64)
        return x + 1j * np.array(entry["imag"], np.float64) if "imag" in entry else x

    return {key: decode(entry) for key, entry in json.loads(JAX_DATA.read_text()).items()}


JAX = _read_reference()


def test_recorded_jax_values_match_live_jax():
    jax = pytest.importorskip("jax")
    live = _jax_reference(jax)
    assert live.keys() == JAX.keys()
    for vectors, tangents in SIGN_ALIGNED.items():  # (LAPACK's signs may differ elsewhere)
        signs = np.sign(np.sum(live[vectors] * JAX[vectors], axis=0))
        live[vectors] = live[vectors] * signs
        for key in tangents:
            live[key] = live[key] * (signs[:, None] if key.endswith("dVh") else signs)
    for key, recorded in JAX.items():
        assert live[key].shape == recorded.shape, key
        np.testing.assert_allclose(live[key], recorded, rtol=1e-10,
                                   atol=1e-8 if key.endswith("hessian") else 1e-10,
                                   err_msg=key)


# ----------------------------------------------------------------------------------------------
# Values.


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
@pytest.mark.parametrize("full_matrices", [True, False])
def test_svd_values(shape, dtype, full_matrices):
    a = well_conditioned(shape, seed=len(shape), complex_=np.dtype(dtype).kind == "c",
                         dtype=dtype)
    u, s, vh = fnp.linalg.svd(a, full_matrices=full_matrices)
    nu, ns, nvh = np.linalg.svd(a, full_matrices=full_matrices)
    for ours, theirs in ((u, nu), (s, ns), (vh, nvh)):
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    tol = 1e-4 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-10
    np.testing.assert_allclose(s, ns, rtol=tol)
    np.testing.assert_allclose(reconstruction(u, s, vh, _k(a)), a, atol=tol * 10)
    np.testing.assert_allclose(np.swapaxes(u.conj(), -1, -2) @ u,
                               np.broadcast_to(np.eye(u.shape[-1]), u.shape[:-2] +
                                               (u.shape[-1],) * 2), atol=tol * 10)
    result = fnp.linalg.svd(a, full_matrices=full_matrices)
    assert type(result).__name__ == "SVDResult" and result.S is result[1]
    sv = fnp.linalg.svdvals(a)
    assert sv.dtype == ns.dtype
    np.testing.assert_allclose(sv, ns, rtol=tol)
    np.testing.assert_allclose(fnp.linalg.svd(a, compute_uv=False), ns, rtol=tol)


def test_svd_integer_and_empty_inputs():
    a = np.arange(6).reshape(2, 3)
    assert fnp.linalg.svd(a).S.dtype == np.float64
    np.testing.assert_allclose(fnp.linalg.svdvals(a), np.linalg.svd(a, compute_uv=False))
    for shape in [(0, 3), (2, 0, 3), (3, 0)]:
        ours, theirs = fnp.linalg.svd(np.ones(shape)), np.linalg.svd(np.ones(shape))
        assert [x.shape for x in ours] == [x.shape for x in theirs]


@pytest.mark.parametrize("complex_", [False, True])
def test_svd_hermitian_matches_jax(complex_):
    a = hermitian((2, 3, 3), seed=3, complex_=complex_)
    ours = fnp.linalg.svd(a, hermitian=True)
    np.testing.assert_allclose(ours.S, JAX[f"svd_hermitian/{complex_}/S"], rtol=1e-12)
    np.testing.assert_allclose(reconstruction(*ours, 3), a, atol=1e-12)
    np.testing.assert_allclose(fnp.linalg.svd(a, hermitian=True, compute_uv=False),
                               JAX[f"svd_hermitian/{complex_}/svdvals"], rtol=1e-12)
    check_grads(lambda x: fnp.linalg.svd(x, hermitian=True, compute_uv=False), (a,), order=2,
                modes=BOTH)


@pytest.mark.parametrize("shape", SQUARE_SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
def test_eigh_values(shape, dtype):
    a = hermitian(shape, seed=len(shape), complex_=np.dtype(dtype).kind == "c").astype(dtype)
    w, v = fnp.linalg.eigh(a)
    nw, nv = np.linalg.eigh(a)
    assert (w.dtype, v.dtype, w.shape, v.shape) == (nw.dtype, nv.dtype, nw.shape, nv.shape)
    tol = 1e-4 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-10
    np.testing.assert_allclose(w, nw, rtol=tol, atol=tol)
    np.testing.assert_allclose(np.matmul(v * w[..., None, :], H(v)), a, atol=tol * 10)
    assert type(fnp.linalg.eigh(a)).__name__ == "EighResult"
    assert fnp.linalg.eigh(a).eigenvalues is not None
    np.testing.assert_allclose(fnp.linalg.eigvalsh(a), nw, rtol=tol, atol=tol)


@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize("uplo", [None, "L", "U"])
@pytest.mark.parametrize("symmetrize", [True, False])
def test_eigh_uplo_and_symmetrize_match_jax(complex_, uplo, symmetrize):
    """A matrix that is not Hermitian: JAX's choice of which parts are read."""
    a, key = _not_hermitian(complex_), f"eigh_uplo/{complex_}/{uplo}/{symmetrize}"
    ours = fnp.linalg.eigh(a, UPLO=uplo, symmetrize_input=symmetrize)
    np.testing.assert_allclose(ours.eigenvalues, JAX[key + "/eigenvalues"], rtol=1e-10,
                               atol=1e-12)
    v = ours.eigenvectors[..., :1]
    projector = np.matmul(v, np.swapaxes(v.conj(), -1, -2))
    np.testing.assert_allclose(projector, JAX[key + "/projector"], atol=1e-10)
    np.testing.assert_allclose(
        fnp.linalg.eigvalsh(a, UPLO=uplo or "L", symmetrize_input=symmetrize),
        JAX[key + "/eigvalsh"], rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------------------------
# Derivatives.


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("full_matrices", [True, False])
def test_svd_derivatives_real(shape, full_matrices):
    a = well_conditioned(shape, seed=7)
    k = _k(a)

    def f(x):
        u, s, vh = fnp.linalg.svd(x, full_matrices=full_matrices)
        return (s, fnp.sum(s), reconstruction(u, s, vh, k), u[..., :k], vh[..., :k, :],
                fnp.matmul(u[..., :k], H(u[..., :k])), fnp.matmul(H(vh), vh))

    check_grads(f, (a,), order=2, modes=BOTH)
    check_grads(fnp.linalg.svdvals, (a,), order=2, modes=BOTH)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 2)])
@pytest.mark.parametrize("full_matrices", [True, False])
def test_svd_derivatives_complex(shape, full_matrices):
    """Phase-invariant quantities only: the phase of each singular pair is free."""
    a = well_conditioned(shape, seed=8, complex_=True)
    k = _k(a)

    def f(x):
        u, s, vh = fnp.linalg.svd(x, full_matrices=full_matrices)
        return (s, reconstruction(u, s, vh, k), fnp.matmul(u[..., :k], H(u[..., :k])),
                fnp.matmul(H(vh[..., :k, :]), vh[..., :k, :]),
                fnp.abs(u[..., :k] * fnp.conj(vh[..., :k, :]).swapaxes(-1, -2)[..., :1, :]))

    check_grads(f, (a,), order=2, modes=BOTH)
    check_grads(fnp.linalg.svdvals, (a,), order=2, modes=BOTH)


def test_svd_full_matrices_complement_derivative():
    """The complement of U (full_matrices, tall) follows the column space of a."""
    for shape in [(4, 2), (2, 4, 3)]:
        a = well_conditioned(shape, seed=9)
        k = _k(a)

        def complement(x):
            u = fnp.linalg.svd(x, full_matrices=True).U
            return fnp.matmul(u[..., k:], H(u[..., k:]))

        check_grads(complement, (a,), order=2, modes=BOTH)
        vh = fnp.linalg.svd(np.swapaxes(a, -1, -2), full_matrices=True).Vh
        assert vh.shape[-1] == vh.shape[-2]
        check_grads(lambda x: fnp.matmul(H(fnp.linalg.svd(x).Vh[..., k:, :]),
                                         fnp.linalg.svd(x).Vh[..., k:, :]),
                    (np.swapaxes(a, -1, -2),), order=2, modes=BOTH)


def test_svd_tangents_match_jax():
    """The raw tangents of U, s and Vh (reduced), signs aligned column by column."""
    a, t = _svd_tangent_inputs()
    (u, s, vh), (du, ds, dvh) = funcad.jvp(lambda x: tuple(fnp.linalg.svd(x, False)), (a,), (t,))
    ju, jdu, jds, jdvh = (JAX["svd_tangents/" + k] for k in ("U", "dU", "dS", "dVh"))
    signs = np.sign(np.sum(u * ju, axis=0))
    np.testing.assert_allclose(ds, jds, rtol=1e-10)
    np.testing.assert_allclose(du * signs, jdu, atol=1e-10)
    np.testing.assert_allclose(dvh * signs[:, None], jdvh, atol=1e-10)


@pytest.mark.parametrize("shape", SQUARE_SHAPES)
@pytest.mark.parametrize("symmetrize", [True, False])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_derivatives_real(shape, symmetrize, uplo):
    a = hermitian(shape, seed=11)

    def f(x):
        w, v = fnp.linalg.eigh(x, UPLO=uplo, symmetrize_input=symmetrize)
        return w, v, fnp.matmul(v * fnp.exp(w)[..., None, :], H(v))  # expm of the matrix

    check_grads(f, (a,), order=2, modes=BOTH)


@pytest.mark.parametrize("shape", [(3, 3), (2, 2, 2)])
@pytest.mark.parametrize("symmetrize", [True, False])
def test_eigh_derivatives_complex(shape, symmetrize):
    a = hermitian(shape, seed=12, complex_=True)

    def f(x):
        w, v = fnp.linalg.eigh(x, symmetrize_input=symmetrize)
        return w, fnp.matmul(v[..., :1], H(v[..., :1])), fnp.matmul(v * w[..., None, :], H(v))

    check_grads(f, (a,), order=2, modes=BOTH)
    check_grads(fnp.linalg.eigvalsh, (a,), order=2, modes=BOTH)


def test_eigh_gradient_matches_jax():
    a = _eigh_gradient_input()
    np.testing.assert_allclose(funcad.grad(_eigh_loss(fnp))(a), JAX["eigh_gradient/grad"],
                               atol=1e-10)
    np.testing.assert_allclose(funcad.hessian(_eigh_loss(fnp))(a), JAX["eigh_gradient/hessian"],
                               atol=1e-8)


def test_eigh_tangents_match_jax():
    """The raw tangents of the eigenvalues and eigenvectors, signs aligned."""
    a, t = _eigh_tangent_inputs()
    (w, v), (dw, dv) = funcad.jvp(lambda x: tuple(fnp.linalg.eigh(x)), (a,), (t,))
    jv, jdw, jdv = (JAX["eigh_tangents/" + k] for k in ("V", "dW", "dV"))
    signs = np.sign(np.sum(v * jv, axis=0))
    np.testing.assert_allclose(dw, jdw, atol=1e-10)
    np.testing.assert_allclose(dv * signs, jdv, atol=1e-10)


@pytest.mark.parametrize("shape", COMPLEX_GRADIENT_SHAPES)
def test_complex_gradients_match_jax(shape):
    """JAX's convention for complex cotangents, on phase-invariant functions."""
    z, weights = _complex_gradient_input(shape), np.arange(1.0, 1.0 + min(shape))
    np.testing.assert_allclose(funcad.grad(_svd_complex_loss(fnp, weights))(z),
                               JAX[f"complex_gradients/{shape}/svd"], atol=1e-12)
    if shape[0] == shape[1]:
        np.testing.assert_allclose(funcad.grad(_eigh_complex_loss(fnp, weights))(z),
                                   JAX[f"complex_gradients/{shape}/eigh"], atol=1e-12)


def test_float32_derivatives_stay_float32():
    a = well_conditioned((3, 3), seed=27, dtype=np.float32)
    for f in [lambda x: fnp.linalg.norm(x, 2), lambda x: fnp.sum(fnp.linalg.eigvalsh(x) ** 2),
              lambda x: fnp.sum(fnp.linalg.svd(x).U[:, 0] * x[0])]:
        assert funcad.grad(f)(a).dtype == np.float32
        assert funcad.hessian(f)(a).dtype == np.float32
        assert np.asarray(funcad.jvp(f, (a,), (a,))[1]).dtype == np.float32
    check_grads(lambda x: fnp.linalg.svdvals(x), (a,), order=2, modes=BOTH)


def test_repeated_eigenvalues_give_finite_derivatives():
    """Eigenvalues, and projectors onto whole eigenspaces, have derivatives at a repeated
    eigenvalue; the eigenvectors' derivative couples the equal pair by zero (not nan)."""
    q = _unitary(np.random.default_rng(2), 3, False)
    a = (q * np.array([1.0, 1.0, 3.0])) @ q.T
    g = funcad.grad(lambda x: fnp.sum(fnp.linalg.eigvalsh(x) ** 2))(a)
    np.testing.assert_allclose(g, 2 * a, atol=1e-12)

    def top_projector(x):
        v = fnp.linalg.eigh(x).eigenvectors
        return fnp.matmul(v[:, 2:], v[:, 2:].T)

    check_grads(top_projector, (a,), order=1, modes=BOTH)
    jac = funcad.jacrev(lambda x: fnp.linalg.eigh(x).eigenvectors)(a)
    assert np.all(np.isfinite(jac))
    s = fnp.linalg.svd(np.eye(3) * 2.0)
    jac = funcad.jacfwd(lambda x: fnp.linalg.svd(x).U)(np.eye(3) * 2.0)
    assert np.all(np.isfinite(jac)) and np.allclose(s.S, 2.0)
    np.testing.assert_allclose(funcad.grad(lambda x: fnp.sum(fnp.linalg.svdvals(x)))(
        np.eye(3) * 2.0), np.eye(3), atol=1e-12)


def test_rank_deficient_singular_values():
    a = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])  # rank 1, one zero singular value
    g = funcad.grad(lambda x: fnp.linalg.norm(x, 2))(a)
    np.testing.assert_allclose(g, a / np.linalg.norm(a, 2), atol=1e-12)
    assert np.all(np.isfinite(funcad.jacrev(lambda x: fnp.linalg.svd(x, False).U)(a)))


@given(seed=st.integers(0, 2 ** 16), batch=st.integers(1, 3), m=st.integers(1, 4),
       n=st.integers(1, 4))
def test_svdvals_gradient_random_shapes(seed, batch, m, n):
    a = well_conditioned((batch, m, n), seed=seed)
    check_grads(lambda x: fnp.sum(fnp.linalg.svdvals(x) ** 2), (a,), order=2, modes=BOTH)
    g = funcad.grad(lambda x: fnp.sum(fnp.linalg.svdvals(x) ** 2))(a)
    np.testing.assert_allclose(g, 2 * a, atol=1e-10)  # (the Frobenius norm squared)


@given(seed=st.integers(0, 2 ** 16), batch=st.integers(1, 3), n=st.integers(1, 4))
def test_eigvalsh_gradient_random_shapes(seed, batch, n):
    a = hermitian((batch, n, n), seed=seed)
    check_grads(lambda x: fnp.linalg.eigvalsh(x) ** 3, (a,), order=2, modes=BOTH)
    g = funcad.grad(lambda x: fnp.sum(fnp.linalg.eigvalsh(x) ** 2))(a)
    np.testing.assert_allclose(g, 2 * a, atol=1e-10)  # (the trace of a @ a)


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (2, 0, 0), (0, 2, 2)])
def test_size_zero_matrices(shape):
    x = np.ones(shape)
    for f in [lambda y: fnp.sum(fnp.linalg.svdvals(y)), lambda y: fnp.sum(fnp.linalg.svd(y).U)]:
        assert funcad.grad(f)(x).shape == shape
    _, tangents = funcad.jvp(lambda y: tuple(fnp.linalg.svd(y)), (x,), (x,))
    assert [t.shape for t in tangents] == [o.shape for o in np.linalg.svd(x)]
    if shape[-1] == shape[-2]:
        g = funcad.grad(lambda y: fnp.sum(fnp.linalg.eigh(y).eigenvectors))(x)
        assert g.shape == shape


# ----------------------------------------------------------------------------------------------
# vmap and jit.


@pytest.mark.parametrize("in_axis", [0, 1, 2])
def test_vmap_agrees_with_stacked(in_axis):
    a = np.moveaxis(well_conditioned((3, 4, 3), seed=14), 0, in_axis)
    h = np.moveaxis(hermitian((3, 3, 3), seed=15), 0, in_axis)
    examples = [np.take(a, i, axis=in_axis) for i in range(3)]
    h_examples = [np.take(h, i, axis=in_axis) for i in range(3)]

    def f(x):
        u, s, vh = fnp.linalg.svd(x, full_matrices=False)
        return s, reconstruction(u, s, vh, 3)

    out = funcad.vmap(f, in_axes=in_axis)(a)
    for i, x in enumerate(examples):
        for batched, single in zip(out, f(x)):
            np.testing.assert_allclose(batched[i], single, atol=1e-12)
    w = funcad.vmap(fnp.linalg.eigvalsh, in_axes=in_axis)(h)
    np.testing.assert_allclose(w, np.stack([np.linalg.eigvalsh(x) for x in h_examples]),
                               atol=1e-12)
    grads = funcad.vmap(funcad.grad(lambda x: fnp.linalg.norm(x, "nuc")), in_axes=in_axis)(a)
    for i, x in enumerate(examples):
        np.testing.assert_allclose(grads[i], funcad.grad(
            lambda y: fnp.linalg.norm(y, "nuc"))(x), atol=1e-12)


def test_batching_rules_directly():
    a = well_conditioned((2, 3, 4), seed=16)
    outs = funcad.vmap(lambda x: svd_p.bind(x, full_matrices=True, compute_uv=True),
                       in_axes=2, out_axes=0)(np.moveaxis(a, 0, 2))
    assert [o.shape for o in outs] == [x.shape for x in np.linalg.svd(a)]
    np.testing.assert_allclose(outs[1], np.linalg.svd(a).S, rtol=1e-12)
    h = hermitian((2, 3, 3), seed=17)
    w, v = funcad.vmap(lambda x: eigh_p.bind(x, lower=True))(h)
    np.testing.assert_allclose(w, np.linalg.eigvalsh(h), atol=1e-12)


def test_jit_agrees_with_eager():
    a = well_conditioned((2, 4, 3), seed=18)
    h = hermitian((2, 3, 3), seed=19)

    def f(x, y):
        u, s, vh = fnp.linalg.svd(x)
        w, v = fnp.linalg.eigh(y)
        return (s, reconstruction(u, s, vh, 3), w, fnp.matmul(v * w[..., None, :], H(v)),
                fnp.linalg.norm(x, 2, axis=(-2, -1)), fnp.linalg.norm(x, -2, axis=(1, 2)))

    for ours, eager in zip(funcad.jit(f)(a, h), f(a, h)):
        np.testing.assert_allclose(ours, eager, atol=1e-12)
    g = funcad.jit(funcad.grad(lambda x: fnp.linalg.norm(x, "nuc")))(a[0])
    np.testing.assert_allclose(g, funcad.grad(lambda x: fnp.linalg.norm(x, "nuc"))(a[0]),
                               atol=1e-12)
    jaxpr = str(funcad.make_jaxpr(lambda x: fnp.linalg.svd(x).S)(a))
    assert "svd" in jaxpr


# ----------------------------------------------------------------------------------------------
# Norms.


@pytest.mark.parametrize("ord", NORM_ORDS)
@pytest.mark.parametrize("axis,keepdims", NORM_AXES)
def test_norm_singular_value_orders(ord, axis, keepdims):
    x = _norm_input(axis)
    ours = fnp.linalg.norm(x, ord, axis=axis, keepdims=keepdims)
    theirs = np.linalg.norm(x, ord, axis=axis, keepdims=keepdims)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    f = lambda y: fnp.linalg.norm(y, ord, axis=axis, keepdims=keepdims)  # noqa: E731
    check_grads(f, (x,), order=2, modes=BOTH)
    np.testing.assert_allclose(funcad.grad(lambda y: fnp.sum(f(y)))(x),
                               JAX[f"norm/{ord}/{axis}/{keepdims}"], atol=1e-10)


@pytest.mark.parametrize("ord", [2, -2, "nuc"])
def test_norm_singular_value_orders_dtypes(ord):
    for dtype in [np.float32, np.complex64, np.complex128, np.int64]:
        x = (well_conditioned((3, 2), seed=21) * 3).astype(dtype)
        if dtype == np.complex128:
            x = x + 1j * well_conditioned((3, 2), seed=22)
        ours, theirs = fnp.linalg.norm(x, ord), np.linalg.norm(x, ord)
        assert ours.dtype == theirs.dtype, (dtype, ours.dtype, theirs.dtype)
        np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    z = well_conditioned((3, 3), seed=23, complex_=True)
    check_grads(lambda y: fnp.linalg.norm(y, ord), (z,), order=2, modes=BOTH)
    assert fnp.linalg.norm(np.ones((2, 0)), "nuc") == np.linalg.norm(np.ones((2, 0)), "nuc")
    if ord == 2:
        assert fnp.linalg.norm(np.ones((2, 0)), 2) == 0.0


def test_norm_via_numpy_dispatch_under_grad():
    x = well_conditioned((3, 3), seed=24)
    g = funcad.grad(lambda y: np.linalg.norm(y, 2))(x)
    u, s, vh = np.linalg.svd(x)
    np.testing.assert_allclose(g, np.outer(u[:, 0], vh[0]), atol=1e-12)
    g = funcad.grad(lambda y: np.sum(np.linalg.svd(y).S) + np.sum(np.linalg.eigvalsh(y)))(x)
    np.testing.assert_allclose(g, u @ vh + np.eye(3), atol=1e-12)


# ----------------------------------------------------------------------------------------------
# Errors.


def test_errors():
    with pytest.raises(np.linalg.LinAlgError, match="argument a"):
        fnp.linalg.svd(np.ones(3))
    with pytest.raises(np.linalg.LinAlgError):
        fnp.linalg.svdvals(np.float64(1.0))
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        fnp.linalg.eigh(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        fnp.linalg.eigvalsh(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        fnp.linalg.svd(np.ones((2, 3)), hermitian=True)
    with pytest.raises(np.linalg.LinAlgError):
        fnp.linalg.eigh(np.ones(4))
    with pytest.raises(TypeError, match="float16"):
        fnp.linalg.svd(np.ones((2, 2), np.float16))
    with pytest.raises(TypeError, match="float16"):
        fnp.linalg.eigh(np.ones((2, 2), np.float16))
    with pytest.raises(ValueError, match="UPLO"):
        fnp.linalg.eigh(np.eye(2), UPLO="X")
    with pytest.raises(NotImplementedError, match="subset_by_index"):
        fnp.linalg.svd(np.eye(2), subset_by_index=(0, 1))
    with pytest.raises(ValueError):
        fnp.linalg.norm(np.ones((2, 0)), -2)
    with pytest.raises(ValueError):
        fnp.linalg.norm(np.ones((2, 2)), 2, axis=(0, 0))
    # The primitives' shape rules refuse the same under jit (abstract evaluation).
    with pytest.raises(np.linalg.LinAlgError):
        funcad.jit(lambda x: eigh_p.bind(x, lower=True))(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError):
        funcad.jit(lambda x: svd_p.bind(x, full_matrices=True, compute_uv=True))(np.ones(3))
    with pytest.raises(TypeError, match="float16"):
        funcad.make_jaxpr(lambda x: svd_p.bind(x, full_matrices=True, compute_uv=False))(
            np.ones((2, 2), np.float16))


if __name__ == "__main__":  # (rewrites the recorded JAX values)
    import jax

    _write_reference(_jax_reference(jax))
