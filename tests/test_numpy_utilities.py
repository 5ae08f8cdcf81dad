"""funcad.numpy's dtypes and whole-array comparisons, its non-numeric utilities (vectorize,
apply_along_axis, ufunc, bit packing, files, printing) and the products and norms.

Values are compared with NumPy (and JAX where the semantics are JAX's: isscalar, vectorize,
ufunc); differentiable functions are checked to second order in both modes, and under vmap
and jit.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
import strategies as S
from hypothesis import given
from hypothesis import strategies as st

import funcad
import funcad.numpy as fnp
from funcad.errors import ConcretizationTypeError
from funcad.test_util import check_grads

RNG = np.random.default_rng(0)

# ----------------------------------------------------------------------------------------------
# Dtype names and introspection.


def test_dtype_names_are_numpys():
    assert fnp.bool is np.bool_ and fnp.int_ is np.int64 and fnp.uint is np.uint64
    assert fnp.float_ is np.float64 and fnp.double is np.float64 and fnp.single is np.float32
    assert fnp.cdouble is np.complex128 and fnp.complex_ is np.complex128
    assert fnp.csingle is np.complex64
    for name in ("number", "generic", "signedinteger", "unsignedinteger", "character",
                 "flexible", "object_", "complexfloating"):
        assert getattr(fnp, name) is getattr(np, name)
    assert issubclass(fnp.ComplexWarning, RuntimeWarning)


def test_introspection_takes_dtypes_arrays_and_tracers():
    assert fnp.can_cast(np.int8, np.float32) and not fnp.can_cast(np.float64, np.float32)
    assert fnp.can_cast(np.float64, np.float32, casting="same_kind")
    assert not fnp.can_cast(np.ones(2), np.float32)
    with pytest.raises(TypeError, match="from_"):
        fnp.can_cast(1.0, np.float32)
    assert fnp.promote_types("int8", "uint8") == np.int16
    assert fnp.promote_types(np.ones(2, np.float32), np.int64) == np.float64
    assert fnp.isdtype(np.float32, "real floating") and not fnp.isdtype(np.int8, "bool")
    assert fnp.isdtype(np.ones(2, np.int8), ("integral", np.float16))

    def traced(x):
        assert fnp.isdtype(x, "real floating") and fnp.can_cast(x, np.float64)
        assert fnp.issubdtype(x.dtype, np.floating) and fnp.finfo(x).bits == 32
        assert fnp.promote_types(x, np.int8) == np.float32
        return x

    funcad.jit(traced)(np.ones(2, np.float32))


# ----------------------------------------------------------------------------------------------
# isclose, allclose, array_equal, array_equiv.

CLOSE_CASES = [
    (np.array([1.0, 2.0, np.inf, -np.inf, np.nan, np.inf]),
     np.array([1.0 + 1e-9, 2.1, np.inf, np.inf, np.nan, 1e308])),
    (np.array([1, 2, 3], np.int8), np.array([1, 2, 4], np.int8)),
    (np.array([1e10, 1e-8]), np.array([1.00001e10, 1e-9])),
    (np.array([True, False]), np.array([1.0, 0.0])),
    (np.array([1 + 1j, np.nan + 0j]), np.array([1 + 1.0000001j, np.nan + 0j])),
    (np.float32(1.0), 1.0 + 1e-7),
    (np.zeros((2, 0)), np.zeros((1, 0))),
    (np.array([np.inf, 1e308, -np.inf, np.nan]), np.array([1e308, np.inf, -np.inf, 1.0])),
]


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")  # (rtol=1e300, NumPy's too)
@pytest.mark.parametrize("equal_nan", [False, True])
@pytest.mark.parametrize("tolerances", [{}, {"rtol": 0.1}, {"atol": 0.5, "rtol": 0.0},
                                        {"rtol": 1e300}])
@pytest.mark.parametrize("case", range(len(CLOSE_CASES)))
def test_isclose_and_allclose_match_numpy(case, tolerances, equal_nan):
    a, b = CLOSE_CASES[case]
    expected = np.isclose(a, b, equal_nan=equal_nan, **tolerances)
    out = fnp.isclose(a, b, equal_nan=equal_nan, **tolerances)
    assert np.asarray(out).dtype == np.bool_
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(
        funcad.jit(lambda x, y: fnp.isclose(x, y, equal_nan=equal_nan, **tolerances))(a, b),
        expected)
    assert bool(fnp.allclose(a, b, equal_nan=equal_nan, **tolerances)) == np.allclose(
        a, b, equal_nan=equal_nan, **tolerances)


def test_isclose_under_vmap_and_grad():
    xs, ys = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
    ys[0] = xs[0]
    np.testing.assert_array_equal(funcad.vmap(fnp.isclose)(xs, ys), np.isclose(xs, ys))
    np.testing.assert_array_equal(funcad.vmap(fnp.allclose)(xs, ys),
                                  [np.allclose(x, y) for x, y in zip(xs, ys)])
    g = funcad.grad(lambda x: fnp.sum(fnp.where(fnp.isclose(x, 1.0), 0.0, x ** 2)))(
        np.array([1.0, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 4.0])


@pytest.mark.parametrize("a, b", [
    (np.array([1.0, np.nan]), np.array([1.0, np.nan])),
    (np.array([1, 2]), np.array([1, 2])),
    (np.array([1, 2]), np.array([1, 3])),
    (np.ones(2), np.ones(3)),
    (np.ones((1, 2)), np.ones(2)),
    (np.array([1 + 1j, np.nan]), np.array([1 + 1j, np.nan])),
    (np.zeros((0, 2)), np.zeros((0, 2))),
])
def test_array_equal_and_equiv_match_numpy(a, b):
    for equal_nan in (False, True):
        assert bool(fnp.array_equal(a, b, equal_nan=equal_nan)) == np.array_equal(
            a, b, equal_nan=equal_nan)
    assert bool(fnp.array_equiv(a, b)) == np.array_equiv(a, b)
    assert bool(funcad.jit(fnp.array_equiv)(a, b)) == np.array_equiv(a, b)
    assert bool(fnp.array_equiv(np.ones((3, 2)), np.ones(3))) is False


# ----------------------------------------------------------------------------------------------
# Predicates, text forms, options.


def test_isscalar_and_iterable_follow_jax():
    for value, expected in [(1, True), (1.5, True), (np.float32(1), True),
                            (np.array(1.0), True), (np.ones(2), False), ([1], False),
                            ("a", False)]:
        assert fnp.isscalar(value) is expected, value
    funcad.jit(lambda x: (fnp.isscalar(x) or None) and x)(2.0)
    assert funcad.vmap(lambda x: x * fnp.isscalar(x))(np.ones(3)).tolist() == [1, 1, 1]
    assert fnp.iterable([1]) and fnp.iterable(np.ones(2)) and not fnp.iterable(1.0)
    funcad.jit(lambda x: x if fnp.iterable(x) and not fnp.iterable(x[0]) else None)(np.ones(2))


def test_text_forms_and_options():
    x = np.array([1.5, 2.0])
    assert fnp.array_repr(x) == np.array_repr(x) and fnp.array_str(x) == np.array_str(x)
    assert fnp.array_str(x, precision=1) == np.array_str(x, precision=1)
    text = []
    funcad.jit(lambda v: text.append(fnp.array_repr(v)) or v)(x)
    assert "f64[2]" in text[0]
    with fnp.printoptions(precision=2):
        assert fnp.get_printoptions()["precision"] == 2
    old = fnp.seterr(all="ignore")
    assert fnp.geterr()["divide"] == "ignore"
    fnp.seterr(**old)
    with fnp.errstate(divide="ignore"):
        fnp.divide(1.0, np.zeros(1))
    assert fnp.set_printoptions is np.set_printoptions


def test_broadcast_shapes():
    assert fnp.broadcast_shapes((2, 1), (3,)) == (2, 3)
    assert fnp.broadcast_shapes(3, (2, 1)) == (2, 3) and fnp.broadcast_shapes() == ()
    with pytest.raises(ValueError, match="broadcast"):
        fnp.broadcast_shapes((2,), (3,))


# ----------------------------------------------------------------------------------------------
# apply_along_axis, apply_over_axes, vectorize.


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("func", ["sum", "cumsum", "outer", "scalar"])
def test_apply_along_axis_matches_numpy(func, axis):
    fns = {"sum": (fnp.sum, np.sum), "cumsum": (fnp.cumsum, np.cumsum),
           "outer": (lambda v: fnp.outer(v, v), lambda v: np.outer(v, v)),
           "scalar": (lambda v: v[0] * v[-1], lambda v: v[0] * v[-1])}
    ours, theirs = fns[func]
    x = RNG.normal(size=(2, 3, 4))
    expected = np.apply_along_axis(theirs, axis, x)
    np.testing.assert_allclose(fnp.apply_along_axis(ours, axis, x), expected, rtol=1e-14)
    np.testing.assert_allclose(funcad.jit(lambda a: fnp.apply_along_axis(ours, axis, a))(x),
                               expected, rtol=1e-14)
    check_grads(lambda a: fnp.apply_along_axis(ours, axis, a), (x,), order=2,
                modes=("rev", "fwd"))


def test_apply_over_axes_matches_numpy():
    x = RNG.normal(size=(2, 3, 4))
    for axes in (0, [0, 2], (1, -1)):
        np.testing.assert_allclose(fnp.apply_over_axes(fnp.sum, x, axes),
                                   np.apply_over_axes(np.sum, x, axes), rtol=1e-14)
    check_grads(lambda a: fnp.apply_over_axes(fnp.sum, a, [0, 2]), (x,), order=2)
    with pytest.raises(ValueError):
        fnp.apply_over_axes(lambda a, ax: fnp.sum(a), x, [0])


def test_vectorize_without_signature_broadcasts_scalars():
    def f(a, b, *, scale=1.0):
        assert fnp.ndim(a) == 0 and fnp.ndim(b) == 0
        return fnp.where(a > b, a * scale, b) ** 2

    vf = fnp.vectorize(f, excluded={"scale"})
    x, y = RNG.normal(size=(3, 1)), RNG.normal(size=(4,))
    expected = np.vectorize(lambda a, b: (a * 2.0 if a > b else b) ** 2)(x, y)
    np.testing.assert_allclose(vf(x, y, scale=2.0), expected, rtol=1e-14)
    np.testing.assert_allclose(funcad.jit(lambda a, b: vf(a, b, scale=2.0))(x, y), expected)
    check_grads(lambda a, b: vf(a, b, scale=2.0), (x, y), order=2, modes=("rev", "fwd"))
    assert fnp.vectorize(lambda a: a + 1)(1.0) == 2.0


def test_vectorize_with_signature_and_excluded_positions():
    def f(a, b, power):
        assert fnp.shape(a) == (3,) and fnp.shape(b) == (3, 2)
        return fnp.dot(a, b) ** power, fnp.sum(a)

    vf = fnp.vectorize(f, signature="(n),(n,m)->(m),()", excluded={2})
    a, b = RNG.normal(size=(4, 3)), RNG.normal(size=(5, 1, 3, 2))
    out, total = vf(a, b, 2)
    assert out.shape == (5, 4, 2) and total.shape == (5, 4)
    np.testing.assert_allclose(out, np.einsum("in,kinm->kim", a, np.broadcast_to(
        b, (5, 4, 3, 2))) ** 2, rtol=1e-13)
    check_grads(lambda x, y: vf(x, y, 2)[0], (a, b), order=2, modes=("rev", "fwd"))
    with pytest.raises(ValueError, match="inconsistent"):
        vf(a, RNG.normal(size=(4, 2)), 2)
    with pytest.raises(ValueError, match="signature"):
        fnp.vectorize(f, signature="(n)->")
    with pytest.raises(TypeError, match="inputs"):
        fnp.vectorize(lambda x: x, signature="(n),(n)->()")(a)


# ----------------------------------------------------------------------------------------------
# ufunc and frompyfunc.


def test_ufunc_call_outer_reduce_accumulate_at():
    add = fnp.frompyfunc(lambda a, b: a + b, nin=2, nout=1, identity=0)
    smooth_max = fnp.ufunc(lambda a, b: fnp.logaddexp(a, b), 2, 1, name="smooth_max")
    x, y = RNG.normal(size=(3, 4)), RNG.normal(size=(4,))
    np.testing.assert_allclose(add(x, y), x + y)
    np.testing.assert_allclose(add.outer(y, y), np.add.outer(y, y))
    for axis in (0, 1, None, (0, 1)):
        np.testing.assert_allclose(add.reduce(x, axis=axis), np.add.reduce(x, axis=axis),
                                   rtol=1e-14)
    np.testing.assert_allclose(add.reduce(x, axis=1, keepdims=True, initial=1.0),
                               np.add.reduce(x, axis=1, keepdims=True, initial=1.0))
    np.testing.assert_allclose(add.reduce(np.zeros((0, 2))), np.zeros(2))
    np.testing.assert_allclose(add.accumulate(x, axis=1), np.add.accumulate(x, axis=1))
    np.testing.assert_allclose(smooth_max.reduce(x, axis=0), np.logaddexp.reduce(x, axis=0))
    idx = np.array([0, 2, 0])
    expected = y.copy()
    np.add.at(expected, idx, np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(add.at(y, idx, np.array([1.0, 2.0, 3.0]), inplace=False),
                               expected)
    with pytest.raises(NotImplementedError, match="inplace=False"):
        add.at(y, idx, 1.0)
    with pytest.raises(ValueError, match="identity"):
        smooth_max.reduce(np.zeros((0,)))
    with pytest.raises(TypeError, match="out="):
        add(x, y, out=x)
    check_grads(lambda a: smooth_max.reduce(a, axis=1), (x,), order=2, modes=("rev", "fwd"))
    check_grads(lambda a: smooth_max.accumulate(a, axis=0), (x,), order=2)
    np.testing.assert_allclose(funcad.jit(lambda a: smooth_max.reduce(a, axis=1))(x),
                               np.logaddexp.reduce(x, axis=1))
    np.testing.assert_allclose(funcad.vmap(lambda a: smooth_max.reduce(a))(x),
                               np.logaddexp.reduce(x, axis=1))


# ----------------------------------------------------------------------------------------------
# Bits, files, dlpack, einsum_path.


@pytest.mark.parametrize("bitorder", ["big", "little"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_packbits_unpackbits_match_numpy(axis, bitorder):
    bits = RNG.integers(0, 2, size=(3, 11)).astype(np.bool_)
    packed = fnp.packbits(bits, axis=axis, bitorder=bitorder)
    expected = np.packbits(bits, axis=axis, bitorder=bitorder)
    assert packed.dtype == np.uint8
    np.testing.assert_array_equal(packed, expected)
    np.testing.assert_array_equal(funcad.jit(
        lambda b: fnp.packbits(b, axis=axis, bitorder=bitorder))(bits), expected)
    for count in (None, 3, 40, -2):
        if axis is None or count is None or count <= expected.shape[axis] * 8:
            np.testing.assert_array_equal(
                fnp.unpackbits(expected, axis=axis, count=count, bitorder=bitorder),
                np.unpackbits(expected, axis=axis, count=count, bitorder=bitorder))
    np.testing.assert_array_equal(funcad.vmap(fnp.packbits)(bits.astype(np.int32)),
                                  np.stack([np.packbits(b) for b in bits]))
    with pytest.raises(TypeError, match="uint8"):
        fnp.unpackbits(np.ones(2, np.int32))
    with pytest.raises(TypeError, match="integer or boolean"):
        fnp.packbits(np.ones(2))


def test_save_load_savez_and_dlpack():
    x = RNG.normal(size=(2, 3))
    buffer = io.BytesIO()
    fnp.save(buffer, x)
    buffer.seek(0)
    loaded = fnp.load(buffer)
    np.testing.assert_array_equal(loaded, x)
    assert isinstance(loaded, fnp.Array)
    buffer = io.BytesIO()
    fnp.savez(buffer, x, y=x * 2)
    buffer.seek(0)
    with fnp.load(buffer) as archive:
        np.testing.assert_array_equal(archive["y"], x * 2)
    np.testing.assert_array_equal(fnp.from_dlpack(x), x)
    with pytest.raises(ConcretizationTypeError, match="save"):
        funcad.jit(lambda v: fnp.save(io.BytesIO(), v) or v)(x)


def test_einsum_path_matches_numpy():
    a, b, c = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4)), RNG.normal(size=(4, 5))
    path, text = fnp.einsum_path("ij,jk,kl->il", a, b, c, optimize="greedy")
    assert path == np.einsum_path("ij,jk,kl->il", a, b, c, optimize="greedy")[0]
    assert isinstance(text, str)
    funcad.jit(lambda x: fnp.einsum_path("ij,jk->ik", x, b)[0] and x)(a)


@given(data=st.data())
def test_vectorized_function_agrees_with_a_loop(data):
    x = data.draw(S.arrays(S.shapes(min_dims=1, max_dims=2)), label="x")
    vf = fnp.vectorize(lambda v: fnp.sin(v) * v)
    np.testing.assert_allclose(vf(x), np.sin(x) * x, rtol=1e-14)


# ----------------------------------------------------------------------------------------------
# Products.

CROSS_CASES = [
    ((3,), (3,), {}), ((4, 3), (3,), {}), ((2, 1, 3), (5, 3), {}), ((3, 4), (4, 3),
                                                                     {"axisa": 0}),
    ((3, 2), (2, 3), {"axisa": 0, "axisb": 1, "axisc": 0}), ((2, 3, 4), (2, 3, 4), {"axis": 1}),
    ((2,), (3,), {}), ((4, 3), (4, 2), {}), ((2,), (2,), {}), ((5, 2), (2,), {}),
]


@pytest.mark.parametrize("case", range(len(CROSS_CASES)))
def test_cross_matches_numpy_and_differentiates(case):
    a_shape, b_shape, kwargs = CROSS_CASES[case]
    a, b = RNG.normal(size=a_shape), RNG.normal(size=b_shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # (NumPy's, for 2-vectors)
        expected = np.cross(a, b, **kwargs)
    out = fnp.cross(a, b, **kwargs)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(funcad.jit(lambda x, y: fnp.cross(x, y, **kwargs))(a, b),
                               expected, rtol=1e-14, atol=1e-15)
    check_grads(lambda x, y: fnp.cross(x, y, **kwargs), (a, b), order=2, modes=("rev", "fwd"))


def test_cross_refuses_bad_dimensions():
    with pytest.raises(ValueError, match="dimension must be 2 or 3"):
        fnp.cross(np.ones(4), np.ones(3))


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((4, 1, 3), (2, 3)),
                                    ((2, 0), (2, 0))])
def test_vecdot_matvec_vecmat_match_numpy(shapes):
    x_shape, y_shape = shapes
    x, y = RNG.normal(size=x_shape), RNG.normal(size=y_shape)
    np.testing.assert_allclose(fnp.vecdot(x, y), np.vecdot(x, y), rtol=1e-14)
    z = RNG.normal(size=x_shape) + 1j * RNG.normal(size=x_shape)
    np.testing.assert_allclose(fnp.vecdot(z, y + 1j), np.vecdot(z, y + 1j), rtol=1e-14)
    assert fnp.vecdot(x.astype(np.int32), y.astype(np.int32)).dtype == np.vecdot(
        x.astype(np.int32), y.astype(np.int32)).dtype
    m = RNG.normal(size=(2, 5) + y_shape[-1:])
    np.testing.assert_allclose(fnp.matvec(m, y), np.matvec(m, y), rtol=1e-14)
    mt = RNG.normal(size=(2,) + x_shape[-1:] + (4,))
    np.testing.assert_allclose(fnp.vecmat(z, mt), np.vecmat(z, mt), rtol=1e-14)
    if x.size:
        check_grads(fnp.vecdot, (x, y), order=2, modes=("rev", "fwd"))
        check_grads(fnp.matvec, (m, y), order=2, modes=("rev", "fwd"))
        check_grads(fnp.vecmat, (x, mt), order=2, modes=("rev", "fwd"))
    np.testing.assert_allclose(fnp.vecdot(x, x, axis=0), np.vecdot(x, x, axis=0), rtol=1e-14)
    with pytest.raises(ValueError):
        fnp.vecdot(np.ones(3), np.ones(4))


TENSORDOT_CASES = [
    ((2, 3, 4), (3, 4, 5), 2), ((2, 3, 4), (4, 5), 1), ((2, 3), (4,), 0),
    ((2, 3, 4), (3, 2), (1, 0)), ((2, 3, 4), (3, 4, 5), ([1, 2], [0, 1])),
    ((2, 3, 4), (4, 3), ((2, 1), (0, 1))), ((2, 3, 4), (3, 5), np.array([[1], [0]])),
    ((2, 3, 4), (5, 4), [[-1], [1]]), ((0, 3), (3, 2), 1),
]


@pytest.mark.parametrize("case", range(len(TENSORDOT_CASES)))
def test_tensordot_axes_forms_match_numpy(case):
    a_shape, b_shape, axes = TENSORDOT_CASES[case]
    a, b = RNG.normal(size=a_shape), RNG.normal(size=b_shape)
    expected = np.tensordot(a, b, axes)
    np.testing.assert_allclose(fnp.tensordot(a, b, axes), expected, rtol=1e-13)
    np.testing.assert_allclose(funcad.jit(lambda x, y: fnp.tensordot(x, y, axes))(a, b),
                               expected, rtol=1e-13)
    check_grads(lambda x, y: fnp.tensordot(x, y, axes), (a, b), order=2, modes=("rev", "fwd"))


def test_tensordot_refuses_mismatches():
    with pytest.raises(ValueError, match="shape-mismatch"):
        fnp.tensordot(np.ones((2, 3)), np.ones((2, 3)), 1)
    with pytest.raises(ValueError, match="as many"):
        fnp.tensordot(np.ones((2, 3)), np.ones((2, 3)), ([0, 1], [0]))
    with pytest.raises(ValueError, match="axes=3"):
        fnp.tensordot(np.ones((2, 3)), np.ones((2, 3)), 3)


def test_inner_outer_kron_vdot_match_numpy():
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=(4, 3))
    z = a + 1j * a[::-1]
    for ours, theirs, args in [(fnp.inner, np.inner, (a, b)), (fnp.outer, np.outer, (a, b)),
                               (fnp.kron, np.kron, (a, b)), (fnp.vdot, np.vdot, (z, a + 2j)),
                               (fnp.kron, np.kron, (a[0], b)), (fnp.inner, np.inner, (2.0, b))]:
        np.testing.assert_allclose(ours(*args), theirs(*args), rtol=1e-14)
    for f in (fnp.inner, fnp.outer, fnp.kron):
        check_grads(f, (a, b), order=2, modes=("rev", "fwd"))


@pytest.mark.parametrize("optimize", ["auto", "greedy", "optimal", True, False,
                                      [(1, 2), (0, 1)], ["einsum_path", (0, 2), (0, 1)],
                                      [(0, 1, 2)]])
def test_einsum_optimize_values(optimize):
    a, b, c = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4)), RNG.normal(size=(4, 2))
    expected = np.einsum("ij,jk,kl->il", a, b, c)
    f = lambda x, y, z: fnp.einsum("ij,jk,kl->il", x, y, z, optimize=optimize)  # noqa: E731
    np.testing.assert_allclose(f(a, b, c), expected, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(funcad.jit(f)(a, b, c), expected, rtol=1e-13, atol=1e-14)
    check_grads(f, (a, b, c), order=2, modes=("rev", "fwd"))
    g = lambda x, y: fnp.einsum("ii,ij->j", x, y, optimize=optimize  # noqa: E731
                                if not isinstance(optimize, list) else [(0, 1)])
    sq = RNG.normal(size=(3, 3))
    np.testing.assert_allclose(g(sq, b), np.einsum("ii,ij->j", sq, b), rtol=1e-13, atol=1e-14)


def test_einsum_refuses_bad_optimize_and_out():
    with pytest.raises(ValueError, match="optimize"):
        fnp.einsum("ij,jk", np.ones((2, 2)), np.ones((2, 2)), optimize="bogus")
    with pytest.raises(ValueError, match="path"):
        fnp.einsum("ij,jk,kl", *[np.ones((2, 2))] * 3, optimize=[(0, 5)])
    with pytest.raises(TypeError, match="out="):
        fnp.einsum("ij", np.ones((2, 2)), out=np.ones((2, 2)))


# ----------------------------------------------------------------------------------------------
# linalg: norms and matrix powers.


@pytest.mark.parametrize("ord", [None, "fro", 1, -1, np.inf, -np.inf])
@pytest.mark.parametrize("axis", [None, (0, 1), (1, 0), (2, 0)])
def test_matrix_norms_match_numpy(ord, axis):
    x = RNG.normal(size=(3, 4)) if axis in (None, (0, 1), (1, 0)) else RNG.normal(size=(3, 2, 4))
    for keepdims in (False, True):
        np.testing.assert_allclose(fnp.linalg.norm(x, ord, axis, keepdims),
                                   np.linalg.norm(x, ord, axis, keepdims), rtol=1e-14)
    z = x + 1j * x[::-1]
    np.testing.assert_allclose(fnp.linalg.norm(z, ord, axis), np.linalg.norm(z, ord, axis),
                               rtol=1e-14)
    check_grads(lambda v: fnp.linalg.norm(v, ord, axis), (x,), order=2, modes=("rev", "fwd"))


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # (0 ** -1, as NumPy)
@pytest.mark.parametrize("ord", [None, 0, 1, 2, 3, 0.5, np.inf, -np.inf, -1])
def test_vector_norms_match_numpy(ord):
    x = RNG.normal(size=(3, 4))
    z = x + 1j * x[::-1]
    for v in (x, z, x.astype(np.int32)):
        np.testing.assert_allclose(fnp.linalg.norm(v, ord, axis=1), np.linalg.norm(
            v, ord, axis=1), rtol=1e-13)
    if ord != 0:
        check_grads(lambda v: fnp.linalg.norm(v, ord, axis=0), (x,), order=2,
                    modes=("rev", "fwd"))


def test_matrix_norms_of_singular_values_match_numpy():
    a = RNG.normal(size=(2, 3, 4))
    for ord in (2, -2, "nuc"):
        np.testing.assert_allclose(fnp.linalg.norm(a, ord, axis=(1, 2)),
                                   np.linalg.norm(a, ord, axis=(1, 2)), rtol=1e-12)
        check_grads(lambda m: fnp.linalg.norm(m, ord), (a[0],), order=2, modes=("rev", "fwd"))
    with pytest.raises(ValueError, match="invalid norm order"):
        fnp.linalg.norm(np.ones((2, 2)), 3)


@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 5])
def test_matrix_power_matches_numpy_including_negative_powers(n):
    a = RNG.normal(size=(2, 3, 3)) + 3 * np.eye(3)
    np.testing.assert_allclose(fnp.linalg.matrix_power(a, n), np.linalg.matrix_power(a, n),
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(funcad.jit(lambda m: fnp.linalg.matrix_power(m, n))(a),
                               np.linalg.matrix_power(a, n), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(funcad.vmap(lambda m: fnp.linalg.matrix_power(m, n))(a),
                               np.linalg.matrix_power(a, n), rtol=1e-12, atol=1e-14)
    check_grads(lambda m: fnp.linalg.matrix_power(m, n), (a,), order=2, modes=("rev", "fwd"))
    permutation = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])  # (pivoting)
    np.testing.assert_allclose(fnp.linalg.matrix_power(permutation, -1), permutation.T,
                               atol=1e-15)
    assert fnp.linalg.matrix_power(np.eye(2, dtype=np.int64), 3).dtype == np.int64
    with pytest.raises(TypeError, match="integer"):
        fnp.linalg.matrix_power(a, 1.5)
    with pytest.raises(ValueError, match="square"):
        fnp.linalg.matrix_power(np.ones((2, 3)), 2)


BATCHED_PRODUCTS = {
    "cross": lambda a, b: fnp.cross(a, b),
    "vecdot": lambda a, b: fnp.vecdot(a, b),
    "matvec": lambda a, b: fnp.matvec(fnp.outer(a, b), b),
    "vecmat": lambda a, b: fnp.vecmat(a, fnp.outer(a, b)),
    "tensordot": lambda a, b: fnp.tensordot(a, fnp.outer(a, b), ([0], [0])),
    "einsum_optimal": lambda a, b: fnp.einsum("i,j,k->ijk", a, b, a, optimize="optimal"),
    "matrix_power": lambda a, b: fnp.linalg.matrix_power(fnp.outer(a, b) + 3 * np.eye(3), -2),
    "norm_inf": lambda a, b: fnp.linalg.norm(fnp.outer(a, b), -np.inf),
    "isclose": lambda a, b: fnp.isclose(a, fnp.round(b, 1), atol=0.1),
    "packbits": lambda a, b: fnp.packbits(a > b),
}


@pytest.mark.parametrize("name", sorted(BATCHED_PRODUCTS))
def test_vmap_agrees_with_stacked_examples(name):
    fn = BATCHED_PRODUCTS[name]
    xs, ys = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
    expected = np.stack([fn(x, y) for x, y in zip(xs, ys)])
    np.testing.assert_allclose(funcad.vmap(fn)(xs, ys), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(funcad.vmap(fn, in_axes=(None, 0))(xs[0], ys),
                               np.stack([fn(xs[0], y) for y in ys]), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(funcad.jit(funcad.vmap(fn))(xs, ys), expected, rtol=1e-12,
                               atol=1e-14)
