"""Polynomials (``poly*``, ``roots``, ``trim_zeros``) and signal functions (``convolve``,
``correlate``, ``interp``, ``unwrap``) in funcad.numpy: values and dtypes against NumPy (and
JAX where funcad follows JAX: ``polydiv``'s remainder length, ``roots``' dtype, ``interp``'s
``'extrapolate'``), derivatives to second order in both modes, ``vmap`` against a loop, and
``jit``.

JAX is not a test dependency: the JAX values are recorded below (and ``trim_zeros`` with ``axis``
in ``data/test_numpy_polynomial_signal.json``) from ``jax`` 0.10.2 with ``jax_enable_x64``, and
one optional test recomputes them all with JAX when it is installed."""

from __future__ import annotations

import json
from pathlib import Path

import assertions
import numpy as np
import pytest
import strategies as S
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import funcad
import funcad.numpy as fnp
from funcad import tree_util
from funcad.numpy import _signal
from funcad.test_util import check_grads

BOTH = ("rev", "fwd")


def assert_same(actual, expected, rtol=1e-10) -> None:
    assertions.assert_same(actual, expected, rtol)


def check_vmap(f, *batched) -> None:
    out = funcad.vmap(f)(*batched)
    looped = [f(*example) for example in zip(*batched)]
    assert_same(out, tree_util.tree_map(lambda *leaves: np.stack(leaves), *looped))


def check_jit(f, *args) -> None:
    assert_same(funcad.jit(f)(*args), f(*args))


COEFFICIENT_DTYPES = [np.int64, np.int32, np.float32, np.float64, np.complex128]


def coefficients(dtype, n, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(-4, 5, n).astype(dtype)
    out = rng.standard_normal(n)
    if np.dtype(dtype).kind == "c":
        out = out + 1j * rng.standard_normal(n)
    return out.astype(dtype)


# ----------------------------------------------------------------------------------------------
# Values recorded from JAX (jax 0.10.2, jax_enable_x64) for the fixed inputs of the tests below;
# test_recorded_jax_values_match_live_jax recomputes them when JAX is installed.

POLYDIV_U, POLYDIV_V = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 1.0])
# jnp.polydiv(POLYDIV_U, POLYDIV_V)[1]
JAX_POLYDIV_REMAINDER = np.array([0.0, 0.0, 0.0, 2.875], np.float64)

XP, FP = np.array([0.0, 1.0, 2.0, 4.0]), np.array([1.0, 3.0, 2.0, 0.0])

# jax.grad(lambda t: jnp.interp(0.5, XP, FP, period=t))(5.0)
JAX_INTERP_PERIOD_GRAD = np.array(0.0, np.float64)

INTERP_X = np.array([-0.5, 0.3, 1.4, 2.5, 3.9, 4.5])
# jax.grad(lambda a, b, c: jnp.interp(a, b, c).sum(), argnums=(0, 1, 2))(INTERP_X, XP, FP)
JAX_INTERP_GRADS = (
    np.array([0.0, 2.0, -1.0, -1.0, -1.0, -0.0], np.float64),
    np.array([-1.3999999999999999, 1.1102230246251565e-16, 1.2, 1.2], np.float64),
    np.array([1.7, 0.9000000000000001, 1.2, 2.2], np.float64),
)

EXTRAPOLATE_X = np.linspace(-2.0, 6.0, 33)  # steps of 0.25 over the knots and past both ends
# jnp.interp(EXTRAPOLATE_X, XP, FP, left="extrapolate", right="extrapolate")
JAX_INTERP_EXTRAPOLATE = np.array([
    -3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 2.75, 2.5, 2.25,
    2.0, 1.75, 1.5, 1.25, 1.0, 0.75, 0.5, 0.25, 0.0, -0.25, -0.5, -0.75, -1.0, -1.25, -1.5,
    -1.75, -2.0,
], np.float64)

TRIMS = ("f", "b", "fb", "B", "F")


def _recorded_trim_zeros():
    """(filt, {(trim, axis): jnp.trim_zeros(filt, trim, axis=axis)}) for each recorded case."""
    path = Path(__file__).parent / "data" / "test_numpy_polynomial_signal.json"
    doc = json.loads(path.read_text())
    dtype = np.dtype(doc["dtype"])

    def array(entry):
        return np.array(entry["values"], dtype).reshape(entry["shape"])

    cases = []
    for case in doc["trim_zeros"]:
        expected = {}
        for key, entry in case["expected"].items():
            trim, axis = key.split()
            expected[trim, int(axis)] = array(entry)
        assert set(expected) == {(t, a) for t in TRIMS for a in (0, 1)}
        cases.append((array(case["filt"]), expected))
    return cases


TRIM_ZEROS_CASES = _recorded_trim_zeros()


def test_recorded_jax_values_match_live_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    assert_same(np.asarray(jnp.polydiv(POLYDIV_U, POLYDIV_V)[1]), JAX_POLYDIV_REMAINDER)
    assert_same(np.asarray(jax.grad(lambda t: jnp.interp(0.5, XP, FP, period=t))(5.0)),
                JAX_INTERP_PERIOD_GRAD)
    grads = jax.grad(lambda a, b, c: jnp.interp(a, b, c).sum(), argnums=(0, 1, 2))(
        INTERP_X, XP, FP)
    assert_same(tuple(np.asarray(g) for g in grads), JAX_INTERP_GRADS)
    assert_same(np.asarray(jnp.interp(EXTRAPOLATE_X, XP, FP, left="extrapolate",
                                      right="extrapolate")), JAX_INTERP_EXTRAPOLATE)
    assert len(TRIM_ZEROS_CASES) == 13
    for filt, expected in TRIM_ZEROS_CASES:
        for (trim, axis), recorded in expected.items():
            assert_same(np.asarray(jnp.trim_zeros(filt, trim, axis=axis)), recorded)


# ----------------------------------------------------------------------------------------------
# Polynomial arithmetic


@pytest.mark.parametrize("dtype", COEFFICIENT_DTYPES)
@pytest.mark.parametrize("lengths", [(1, 1), (3, 2), (2, 4), (5, 5)])
def test_polynomial_arithmetic_matches_numpy(dtype, lengths):
    a, b = coefficients(dtype, lengths[0], 1), coefficients(dtype, lengths[1], 2)
    a[0] = b[0] = 1  # no leading zeros: NumPy trims them, JAX and funcad keep them
    rtol = 1e-5 if np.dtype(dtype) == np.float32 else 1e-10
    assert_same(fnp.polyadd(a, b), np.polyadd(a, b), rtol)
    assert_same(fnp.polysub(a, b), np.polysub(a, b), rtol)
    assert_same(fnp.polymul(a, b), np.polymul(a, b), rtol)
    assert_same(fnp.polyder(a), np.polyder(a), rtol)
    assert_same(fnp.polyder(a, 2), np.polyder(a, 2), rtol)
    assert_same(fnp.polyint(a), np.polyint(a), rtol)
    assert_same(fnp.polyint(a, 2, k=[0.5, -1.0]), np.polyint(a, 2, k=[0.5, -1.0]), rtol)
    assert_same(fnp.polyint(a, 3, k=2.0), np.polyint(a, 3, k=2.0), rtol)
    x = np.array([[0.5, -1.0], [2.0, 0.0]])
    assert_same(fnp.polyval(a, x), np.polyval(a, x), rtol)
    assert_same(fnp.polyval(a, 3), np.polyval(a, 3), rtol)
    assert_same(fnp.poly(a), np.poly(a) if np.dtype(dtype).kind != "c" else np.poly(a) + 0j,
                max(rtol, 1e-9))


def test_polydiv_matches_numpy_quotient_and_jax_remainder_length():
    u, v = POLYDIV_U, POLYDIV_V
    q, r = fnp.polydiv(u, v)
    q_np, r_np = np.polydiv(u, v)
    assert_same(q, q_np)
    assert_same(r, JAX_POLYDIV_REMAINDER)
    assert_same(np.trim_zeros(np.asarray(r), "f"), r_np)
    assert_same(fnp.polydiv(np.array([1, 2]), np.array([1, 2, 3])),
                np.polydiv(np.array([1.0, 2.0]), np.array([1.0, 2.0, 3.0])))
    assert_same(fnp.polydiv(np.array([0.0, 1, 2, 3]), np.array([0.0, 1, 2]),
                            trim_leading_zeros=True),
                (np.array([1.0, 0.0]), np.array([0.0, 0.0, 3.0])))
    assert_same(fnp.polymul(np.array([0, 1, 2]), np.array([3, 4]), trim_leading_zeros=True),
                np.polymul(np.array([0, 1, 2]), np.array([3, 4])))
    assert_same(fnp.polymul(np.array([0, 1, 2]), np.array([3, 4])),
                np.array([0, 3, 10, 8]))  # JAX keeps the leading zero


def test_poly_of_a_matrix_is_its_characteristic_polynomial():
    rng = np.random.default_rng(5)
    for n in (1, 2, 4):
        a = rng.standard_normal((n, n))
        assert_same(fnp.poly(a), np.poly(a), 1e-9)
    assert_same(fnp.poly(np.array([])), np.poly(np.array([])))
    with pytest.raises(ValueError, match="square"):
        fnp.poly(np.ones((2, 3)))
    check_grads(fnp.poly, (rng.standard_normal((3, 3)),), order=2, modes=BOTH)


def test_polynomial_errors():
    with pytest.raises(ValueError, match="m"):
        fnp.polyder(np.ones(3), -1)
    with pytest.raises(ValueError, match="k"):
        fnp.polyint(np.ones(3), 3, k=[1.0, 2.0])
    with pytest.raises(ValueError, match="1-d"):
        fnp.polyval(np.ones((2, 2)), 1.0)


@given(st.data())
def test_polynomial_gradients(data):
    n = data.draw(st.integers(1, 4), label="n")
    m = data.draw(st.integers(1, 3), label="m")
    p = data.draw(S.arrays((n,)), label="p")
    q = data.draw(S.arrays((m,), S.Domain(0.5, 2.0)), label="q")
    x = data.draw(S.arrays(S.shapes(0, 2)), label="x")
    check_grads(fnp.polyval, (p, x), order=2, modes=BOTH)
    check_grads(fnp.polymul, (p, q), order=2, modes=BOTH)
    check_grads(fnp.polyadd, (p, q), order=2, modes=BOTH)
    check_grads(fnp.polysub, (p, q), order=2, modes=BOTH)
    check_grads(lambda a: fnp.polyder(a, 1), (p,), order=2, modes=BOTH)
    check_grads(lambda a, k: fnp.polyint(a, 2, k=k), (p, q[:1]), order=2, modes=BOTH)
    check_grads(fnp.polydiv, (p, q), order=2, modes=BOTH)
    check_grads(fnp.poly, (p,), order=2, modes=BOTH)


def test_polynomial_vmap_and_jit():
    rng = np.random.default_rng(2)
    ps, xs, qs = rng.standard_normal((3, 4)), rng.standard_normal((3, 5)), rng.standard_normal(
        (3, 2)) + 3.0
    check_vmap(fnp.polyval, ps, xs)
    check_vmap(fnp.polymul, ps, qs)
    check_vmap(fnp.polydiv, ps, qs)
    check_vmap(lambda p: fnp.polyint(p, 2, k=[1.0, 2.0]), ps)
    check_vmap(fnp.poly, ps)
    check_vmap(fnp.poly, rng.standard_normal((3, 3, 3)))
    check_jit(fnp.polyval, ps[0], xs)
    check_jit(fnp.polydiv, ps[0], qs[0])
    check_jit(lambda p: fnp.polyder(p, 2), ps[0])


# ----------------------------------------------------------------------------------------------
# polyfit


def _data(n=9, k=None, seed=0):
    rng = np.random.default_rng(seed)
    x = np.linspace(-1.0, 1.5, n)
    y = 0.5 * x ** 2 - x + 0.1 * rng.standard_normal(n)
    if k:
        y = np.stack([y * (j + 1) + j for j in range(k)], axis=1)
    return x, y


@pytest.mark.parametrize("deg", [0, 1, 3])
@pytest.mark.parametrize("columns", [None, 2])
def test_polyfit_matches_numpy(deg, columns):
    x, y = _data(k=columns)
    w = np.linspace(0.5, 2.0, x.size)
    assert_same(fnp.polyfit(x, y, deg), np.polyfit(x, y, deg), 1e-8)
    assert_same(fnp.polyfit(x, y, deg, w=w), np.polyfit(x, y, deg, w=w), 1e-8)
    ours, numpys = fnp.polyfit(x, y, deg, full=True), np.polyfit(x, y, deg, full=True)
    assert_same(ours, numpys, 1e-8)
    assert_same(fnp.polyfit(x, y, deg, cov=True), np.polyfit(x, y, deg, cov=True), 1e-8)
    assert_same(fnp.polyfit(x, y, deg, w=w, cov="unscaled"),
                np.polyfit(x, y, deg, w=w, cov="unscaled"), 1e-8)
    assert_same(fnp.polyfit(np.arange(5), np.arange(5) ** 2, 2),
                np.polyfit(np.arange(5), np.arange(5) ** 2, 2), 1e-8)


def test_polyfit_complex_matches_numpy():
    rng = np.random.default_rng(9)
    x = rng.standard_normal(8) + 1j * rng.standard_normal(8)
    y = rng.standard_normal(8) + 1j * rng.standard_normal(8)
    assert_same(fnp.polyfit(x, y, 2), np.polyfit(x, y, 2), 1e-8)
    assert_same(fnp.polyfit(x, y, 2, full=True), np.polyfit(x, y, 2, full=True), 1e-8)
    assert_same(fnp.polyfit(x.real, y, 2, full=True), np.polyfit(x.real, y, 2, full=True),
                1e-8)
    assert_same(fnp.polyfit(x.real, y, 2, cov=True), np.polyfit(x.real, y, 2, cov=True), 1e-8)
    check_grads(lambda a, b: fnp.polyfit(a, b, 1), (x, y), order=1, modes=BOTH)
    with pytest.raises(NotImplementedError, match="cov"):
        fnp.polyfit(x, y, 2, cov=True)


def test_polyfit_errors():
    x, y = _data()
    with pytest.raises(ValueError, match="deg"):
        fnp.polyfit(x, y, -1)
    with pytest.raises(TypeError, match="same length"):
        fnp.polyfit(x, y[:-1], 1)
    with pytest.raises(TypeError, match="non-empty"):
        fnp.polyfit(np.zeros(0), np.zeros(0), 1)
    with pytest.raises(TypeError, match="1D or 2D"):
        fnp.polyfit(x, np.ones((x.size, 1, 1)), 1)
    with pytest.raises(ValueError, match="exceed"):
        fnp.polyfit(x[:3], y[:3], 2, cov=True)
    # A rank-deficient fit warns as NumPy does (funcad's QR solve has no minimum-norm
    # fallback), and full=True needs concrete values.
    with pytest.warns(np.exceptions.RankWarning):
        fnp.polyfit(np.array([1.0, 1.0, 1.0, 2.0]), np.arange(4.0), 2)
    with pytest.raises(funcad.ConcretizationTypeError, match="full=False"):
        funcad.jit(lambda b: fnp.polyfit(x, b, 1, full=True))(y)


def test_polyfit_gradients_vmap_and_jit():
    x, y = _data(n=7)
    check_grads(lambda a, b: fnp.polyfit(a, b, 2), (x, y), order=2, modes=BOTH)
    check_grads(lambda b, w: fnp.polyfit(x, b, 1, w=w), (y, np.linspace(0.5, 1.5, 7)),
                order=2, modes=BOTH)
    check_grads(lambda b: fnp.polyfit(x, b, 2, cov=True), (y,), order=1, modes=BOTH)
    ys = np.stack([y, 2 * y, y - 1])
    check_vmap(lambda b: fnp.polyfit(x, b, 2, cov=True), ys)
    check_jit(lambda a, b: fnp.polyfit(a, b, 3), x, y)


# ----------------------------------------------------------------------------------------------
# roots and trim_zeros


@pytest.mark.parametrize("p", [[1, -3, 2], [0, 1, -3, 2], [1, -3, 2, 0, 0], [1.0, 0.0, 1.0],
                               [3.0], [0.0, 0.0], [2, -1, -4, 4, 1]])
def test_roots_match_numpy(p):
    p = np.asarray(p)
    ours, numpys = fnp.roots(p), np.roots(p)
    assert ours.dtype == np.complex128  # always complex, as in JAX
    assert_same(np.sort_complex(ours), np.sort_complex(numpys).astype(np.complex128), 1e-8)
    assert fnp.roots(p.astype(np.float32)).dtype == np.complex64


def test_roots_without_stripping_and_refusals():
    assert_same(np.sort_complex(fnp.roots(np.array([1.0, -3.0, 2.0, 0.0]), strip_zeros=False)),
                np.array([0.0, 1.0, 2.0], np.complex128), 1e-8)
    assert np.isnan(fnp.roots(np.array([0.0, 1.0, -3.0, 2.0]), strip_zeros=False)).any()
    with pytest.raises(TypeError, match="no derivative"):
        funcad.grad(lambda p: fnp.roots(p).sum().real)(np.array([1.0, -3.0, 2.0]))
    with pytest.raises(TypeError, match="no derivative"):
        funcad.jvp(fnp.roots, (np.array([1.0, -3.0, 2.0]),), (np.ones(3),))
    with pytest.raises(funcad.ConcretizationTypeError, match="roots"):
        funcad.jit(fnp.roots)(np.array([1.0, -3.0, 2.0]))
    with pytest.raises(ValueError, match="rank-1"):
        fnp.roots(np.ones((2, 2)))


@given(hnp.arrays(np.int64, S.shapes(1, 2, 0, 5), elements=st.sampled_from([0, 0, 1, 2])),
       st.sampled_from(["f", "b", "fb", "B", "F"]))
def test_trim_zeros_matches_numpy(filt, trim):
    assert_same(fnp.trim_zeros(filt, trim), np.trim_zeros(filt, trim))


@pytest.mark.parametrize("case", range(len(TRIM_ZEROS_CASES)))
def test_trim_zeros_along_an_axis_matches_jax(case):
    filt, expected = TRIM_ZEROS_CASES[case]
    assert filt.ndim == 2 and filt.dtype == np.int64
    for trim in TRIMS:
        assert_same(fnp.trim_zeros(filt, trim), np.trim_zeros(filt, trim))
        for axis in (0, 1):
            assert_same(fnp.trim_zeros(filt, trim, axis=axis), expected[trim, axis])


def test_trim_zeros_gradient_and_concreteness():
    filt = np.array([0.0, 0.0, 1.5, -2.0, 0.0])
    assert_same(funcad.grad(lambda f: (fnp.trim_zeros(f) * np.array([1.0, 2.0])).sum())(filt),
                np.array([0.0, 0.0, 1.0, 2.0, 0.0]))
    with pytest.raises(funcad.ConcretizationTypeError, match="trim_zeros"):
        funcad.jit(fnp.trim_zeros)(filt)
    for trim in ("", "fx"):
        with pytest.raises(ValueError, match="trim"):
            fnp.trim_zeros(filt, trim)


# ----------------------------------------------------------------------------------------------
# convolve and correlate


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float32, np.float64, np.complex128])
def test_convolve_and_correlate_match_numpy(mode, dtype):
    for n in range(1, 6):
        for m in range(1, 6):
            a, v = coefficients(dtype, n, n), coefficients(dtype, m, 10 + m)
            rtol = 1e-5 if np.dtype(dtype) == np.float32 else 1e-10
            assert_same(fnp.convolve(a, v, mode), np.convolve(a, v, mode), rtol)
            assert_same(fnp.correlate(a, v, mode), np.correlate(a, v, mode), rtol)


def test_long_kernels_go_in_blocks_of_taps(monkeypatch):
    monkeypatch.setattr(_signal, "_WINDOW_ELEMENTS", 7)
    rng = np.random.default_rng(8)
    a, v = rng.standard_normal(6), rng.standard_normal(5)
    for mode in ("full", "same", "valid"):
        assert_same(fnp.convolve(a, v, mode), np.convolve(a, v, mode))
        assert_same(fnp.correlate(v, a, mode), np.correlate(v, a, mode))
    check_grads(fnp.convolve, (a, v), order=2, modes=BOTH)
    check_vmap(fnp.convolve, rng.standard_normal((2, 6)), rng.standard_normal((2, 5)))


def test_convolve_arguments():
    a, v = np.array([1.0, 2.0, 3.0]), np.array([0.5, 1.0])
    assert_same(fnp.convolve(a, v, precision="highest"), np.convolve(a, v))
    assert_same(fnp.convolve(a, v, preferred_element_type=np.float32),
                np.convolve(a, v).astype(np.float32))
    assert_same(fnp.correlate(a, v), np.correlate(a, v))
    assert_same(fnp.convolve(2.0, v), np.convolve(2.0, v))
    with pytest.raises(ValueError, match="mode"):
        fnp.convolve(a, v, "circular")
    with pytest.raises(ValueError, match="empty"):
        fnp.convolve(a, np.zeros(0))
    with pytest.raises(ValueError, match="1-dimensional"):
        fnp.correlate(np.ones((2, 2)), v)


@given(st.data())
def test_convolve_gradients(data):
    n, m = data.draw(st.integers(1, 5), label="n"), data.draw(st.integers(1, 5), label="m")
    mode = data.draw(st.sampled_from(["full", "same", "valid"]), label="mode")
    a, v = data.draw(S.arrays((n,)), label="a"), data.draw(S.arrays((m,)), label="v")
    check_grads(lambda x, y: fnp.convolve(x, y, mode), (a, v), order=2, modes=BOTH)
    check_grads(lambda x, y: fnp.correlate(x, y, mode), (a, v), order=2, modes=BOTH)


def test_convolve_complex_gradients_vmap_and_jit():
    rng = np.random.default_rng(4)
    a = rng.standard_normal(4) + 1j * rng.standard_normal(4)
    v = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    check_grads(fnp.correlate, (a, v), order=2, modes=BOTH)
    check_grads(lambda x, y: fnp.correlate(x, y, "full"), (v, a), order=2, modes=BOTH)
    check_grads(fnp.convolve, (a, v), order=2, modes=BOTH)
    xs, ks = rng.standard_normal((3, 6)), rng.standard_normal((3, 2))
    check_vmap(fnp.convolve, xs, ks)
    check_vmap(lambda x, k: fnp.correlate(x, k, "same"), xs, ks)
    check_vmap(lambda k: fnp.correlate(xs[0], k, "full"), ks)
    check_jit(lambda x, k: fnp.convolve(x, k, "same"), xs[0], ks[0])


# ----------------------------------------------------------------------------------------------
# interp


@given(hnp.arrays(np.float64, S.shapes(0, 2), elements=st.floats(-2, 6)))
def test_interp_matches_numpy(x):
    assert_same(fnp.interp(x, XP, FP), np.interp(x, XP, FP))
    assert_same(fnp.interp(x, XP, FP, left=-5.0, right=9.0),
                np.interp(x, XP, FP, left=-5.0, right=9.0))
    assert_same(fnp.interp(x, XP, FP, period=3.0), np.interp(x, XP, FP, period=3.0))
    assert_same(fnp.interp(x, XP, FP + 1j * XP), np.interp(x, XP, FP + 1j * XP))


def test_interp_extrapolate_matches_jax():
    def extrapolate(x):
        return fnp.interp(x, XP, FP, left="extrapolate", right="extrapolate")

    assert_same(extrapolate(EXTRAPOLATE_X), JAX_INTERP_EXTRAPOLATE)
    assert_same(extrapolate(EXTRAPOLATE_X[:30].reshape(3, 10)),
                JAX_INTERP_EXTRAPOLATE[:30].reshape(3, 10))
    for i in (0, 7, 20, 32):  # 0-d, left of, inside and right of the knots
        assert_same(extrapolate(EXTRAPOLATE_X[i]), JAX_INTERP_EXTRAPOLATE[i])


def test_size_zero_points():
    assert_same(fnp.interp(np.zeros((0, 2)), XP, FP), np.interp(np.zeros((0, 2)), XP, FP))
    assert_same(fnp.polyval(np.array([1.0, 2.0]), np.zeros((2, 0))),
                np.polyval(np.array([1.0, 2.0]), np.zeros((2, 0))))
    assert_same(fnp.unwrap(np.zeros((3, 0))), np.unwrap(np.zeros((3, 0))))
    check_grads(lambda x, f: fnp.interp(x, XP, f), (np.zeros(0), FP), order=2, modes=BOTH)


def test_interp_dtypes_and_errors():
    assert_same(fnp.interp(np.array([0.5], np.float32), XP.astype(np.float32), FP),
                np.interp(np.array([0.5], np.float32), XP.astype(np.float32), FP))
    assert_same(fnp.interp(1, np.array([0, 2]), np.array([0, 4])),
                np.interp(1, np.array([0, 2]), np.array([0, 4])))
    assert_same(fnp.interp(np.array([0.0, 1.0, 2.0]), np.array([1.0]), np.array([7.0])),
                np.interp(np.array([0.0, 1.0, 2.0]), np.array([1.0]), np.array([7.0])))
    with pytest.raises(ValueError, match="equal size"):
        fnp.interp(0.5, XP, FP[:-1])
    with pytest.raises(ValueError, match="empty"):
        fnp.interp(0.5, np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match="extrapolate"):
        fnp.interp(0.5, XP, FP, left="linear")
    with pytest.raises(ValueError, match="period"):
        fnp.interp(0.5, XP, FP, period=0)
    assert_same(funcad.grad(lambda t: fnp.interp(0.5, XP, FP, period=t))(5.0),
                JAX_INTERP_PERIOD_GRAD)


def test_interp_gradients_in_x_xp_and_fp():
    x = INTERP_X
    check_grads(fnp.interp, (x, XP, FP), order=2, modes=BOTH)
    check_grads(lambda a, b, c: fnp.interp(a, b, c, left="extrapolate", right="extrapolate"),
                (x, XP, FP), order=2, modes=BOTH)
    check_grads(lambda a, c: fnp.interp(a, XP, c, period=3.0), (x, FP), order=2, modes=BOTH)
    ours = funcad.grad(lambda a, b, c: fnp.interp(a, b, c).sum(), argnums=(0, 1, 2))(x, XP, FP)
    assert_same(ours, JAX_INTERP_GRADS)
    xs = np.stack([x, x + 0.25])
    check_vmap(lambda a: fnp.interp(a, XP, FP), xs)
    check_vmap(lambda b: fnp.interp(x, b, FP), np.stack([XP, XP * 1.5]))
    check_vmap(lambda a, c: fnp.interp(a, XP, c, period=3.0), xs, np.stack([FP, -FP]))
    check_jit(lambda a, b, c: fnp.interp(a, b, c, right=0.0), x, XP, FP)


# ----------------------------------------------------------------------------------------------
# unwrap


@given(st.data())
def test_unwrap_matches_numpy(data):
    shape = data.draw(S.shapes(1, 2, 0, 6), label="shape")
    p = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(0, 20)), label="p")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    assert_same(fnp.unwrap(p, axis=axis), np.unwrap(p, axis=axis))
    assert_same(fnp.unwrap(p, discont=4.0, axis=axis), np.unwrap(p, discont=4.0, axis=axis))
    assert_same(fnp.unwrap(p, axis=axis, period=5.0), np.unwrap(p, axis=axis, period=5.0))


def test_unwrap_integers_and_errors():
    p = np.array([0, 1, 5, 2, 9, 3])
    for period in (5, 6):
        assert_same(fnp.unwrap(p, period=period), np.unwrap(p, period=period))
    assert_same(fnp.unwrap(p), np.unwrap(p))
    assert_same(fnp.unwrap(p.astype(np.float32)), np.unwrap(p.astype(np.float32)), 1e-5)
    with pytest.raises(ValueError, match="complex"):
        fnp.unwrap(np.array([1j, 2j]))


def test_unwrap_gradient_vmap_and_jit():
    rng = np.random.default_rng(6)
    phases = np.mod(np.cumsum(rng.uniform(-2.0, 2.0, (3, 8)), axis=1), 2 * np.pi)
    phases = phases + 0.05 * (np.abs(np.mod(phases, np.pi) - np.pi / 2) < 0.05)
    check_grads(fnp.unwrap, (phases,), order=2, modes=BOTH)
    check_grads(lambda p: fnp.unwrap(p, axis=0), (phases,), order=2, modes=BOTH)
    check_vmap(fnp.unwrap, phases)
    check_jit(lambda p: fnp.unwrap(p, period=4.0), phases)


def test_numpy_functions_dispatch_on_tracers():
    x = np.array([0.3, -1.0, 2.0])
    assert_same(funcad.grad(lambda a: np.polyval(a, 2.0))(x), np.array([4.0, 2.0, 1.0]))
    assert_same(funcad.grad(lambda a: np.convolve(a, a).sum())(x), np.full(3, 2.6))
    assert_same(funcad.grad(lambda a: np.interp(0.5, np.array([0.0, 1.0]), a[:2]))(x),
                np.array([0.5, 0.5, 0.0]))
    assert_same(funcad.grad(lambda a: np.unwrap(a).sum())(x), np.ones(3))
    assert_same(funcad.jit(lambda a: np.polyfit(np.arange(3.0), a, 1))(x),
                np.polyfit(np.arange(3.0), x, 1), 1e-10)
