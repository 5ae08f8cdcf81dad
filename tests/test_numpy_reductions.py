"""Reductions and statistics of funcad.numpy: values, shapes and dtypes against NumPy (and
jax.numpy's numbers where their semantics differ), derivatives to second order in both modes,
NaN-free gradients of the ``nan*`` functions, ``vmap`` and ``jit`` agreement, and the errors
for what NumPy refuses or funcad cannot do under ``jit``.
"""

from __future__ import annotations

import warnings

import assertions
import numpy as np
import pytest
import strategies as S
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import funcad
import funcad.numpy as fnp
from funcad.errors import ConcretizationTypeError
from funcad.test_util import check_grads

METHODS = ["linear", "lower", "higher", "midpoint", "nearest"]


def assert_same(actual, expected, rtol=1e-10) -> None:
    assertions.assert_same(actual, expected, rtol)


def numpy_value(np_fn, *args):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np_fn(*args)


def quiet(fn, *args):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args)


def tree_map(fn, tree):
    if isinstance(tree, (tuple, list)):
        return type(tree)(tree_map(fn, t) for t in tree)
    return fn(tree)


def check_vmap_and_jit(fn, xs) -> None:
    """``vmap(fn)(xs)`` is the stacked per-example results, and ``jit(fn)`` is ``fn``."""
    per_example = [quiet(fn, x) for x in xs]
    batched = quiet(funcad.vmap(fn), xs)

    def stacked(k=None):
        return np.stack([np.asarray(p if k is None else p[k]) for p in per_example])

    if isinstance(batched, (tuple, list)):
        for k, b in enumerate(batched):
            np.testing.assert_allclose(b, stacked(k), rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_allclose(batched, stacked(), rtol=1e-12, atol=1e-12)
    assert_same(quiet(funcad.jit(fn), xs[0]), per_example[0])


@st.composite
def distinct_with_axis(draw, min_side=1):
    shape = draw(S.shapes(min_side=min_side), label="shape")
    (x,) = draw(S.distinct_arrays((shape,)), label="x")
    axis = draw(S.axes_arguments(len(shape)), label="axis")
    keepdims = draw(st.booleans(), label="keepdims")
    return x, axis, keepdims


# ----------------------------------------------------------------------------------------------
# Order statistics.


@pytest.mark.parametrize("method", METHODS)
@given(data=st.data())
def test_quantile_values(method, data):
    shape = data.draw(S.shapes(min_side=1), label="shape")
    dtype = data.draw(st.sampled_from([np.float64, np.float32, np.int64, np.int32]))
    x = data.draw(hnp.arrays(dtype, shape, elements=st.integers(-20, 20)), label="x")
    axis = data.draw(S.axes_arguments(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    q = data.draw(st.sampled_from([0.0, 0.3, 0.5, 1.0, [0.1, 0.625, 0.875],
                                   [[0.25, 0.375], [0.5, 0.9]]]), label="q")
    kwargs = dict(axis=axis, method=method, keepdims=keepdims)
    assert_same(fnp.quantile(x, np.asarray(q) if isinstance(q, list) else q, **kwargs),
                np.quantile(x, np.asarray(q) if isinstance(q, list) else q, **kwargs), 1e-5)
    p = np.asarray(q) * 100
    assert_same(fnp.percentile(x, p, **kwargs), np.percentile(x, p, **kwargs), 1e-5)
    # (NumPy's nanquantile moves a 2-d q's axes, or any q's for axis=(), behind the others;
    # x has no NaN here, so quantile's result is the one to compare with there.)
    np_nanquantile = np.nanquantile if np.ndim(q) < 2 and axis != () else np.quantile
    assert_same(fnp.nanquantile(x, q, **kwargs), np_nanquantile(x, q, **kwargs), 1e-5)


@pytest.mark.parametrize("name", ["median", "nanmedian"])
@given(data=st.data())
def test_median_values_with_nans(name, data):
    shape = data.draw(S.shapes(min_side=1), label="shape")
    x = data.draw(hnp.arrays(np.float64, shape, elements=st.sampled_from(
        [0.5, -1.0, 2.0, 3.5, np.nan])), label="x")
    axis = data.draw(S.axes_arguments(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    fn, np_fn = getattr(fnp, name), getattr(np, name)
    assert_same(quiet(fn, x, axis, None, False, keepdims),
                numpy_value(lambda a: np_fn(a, axis=axis, keepdims=keepdims), x))


def test_median_of_empty_slices_is_nan():
    assert_same(quiet(fnp.median, np.zeros((0, 3)), 0),
                numpy_value(lambda a: np.median(a, axis=0), np.zeros((0, 3))))
    assert_same(fnp.median(np.zeros((3, 0)), axis=0), np.median(np.zeros((3, 0)), axis=0))
    assert_same(fnp.median(np.float32(2.0)), np.median(np.float32(2.0)))
    # quantile of nothing: NaN, as in jax.numpy (NumPy raises an IndexError).
    assert_same(fnp.quantile(np.zeros((2, 0)), np.array([0.5, 0.9]), axis=1),
                np.full((2, 2), np.nan))


@pytest.mark.parametrize("method", METHODS)
@given(data=st.data())
def test_quantile_gradients(method, data):
    x, axis, keepdims = data.draw(distinct_with_axis())
    q = data.draw(st.sampled_from([0.3, np.array([0.2, 0.7]), 1.0]), label="q")
    for fn in (fnp.quantile, fnp.nanquantile):
        check_grads(lambda a, fn=fn: fn(a, q, axis=axis, method=method, keepdims=keepdims),
                    (x,), order=2, modes=("fwd", "rev"))


def test_quantile_gradient_goes_to_the_order_statistics():
    x = np.array([1.0, 4.0, 3.0, 2.0])
    np.testing.assert_allclose(funcad.grad(fnp.median)(x), [0, 0, 0.5, 0.5])  # as jax.numpy
    g = funcad.grad(lambda a: fnp.quantile(a, 0.25))(x)  # position 0.75 between 1 and 2
    np.testing.assert_allclose(g, [0.25, 0, 0, 0.75])
    g = funcad.grad(lambda a: fnp.quantile(a, 0.25, method="higher"))(x)
    np.testing.assert_allclose(g, [0, 0, 0, 1])
    # The derivative in q: the slope between the two order statistics, times n - 1.
    np.testing.assert_allclose(funcad.grad(lambda q: fnp.quantile(x, q))(0.25), 3.0)


def test_quantile_errors():
    x = np.arange(4.0)
    with pytest.raises(ValueError, match=r"range \[0, 1\]"):
        fnp.quantile(x, 1.5)
    with pytest.raises(ValueError, match=r"range \[0, 100\]"):
        fnp.nanpercentile(x, np.array([50.0, -1.0]))
    with pytest.raises(ValueError, match="method"):
        fnp.quantile(x, 0.5, method="inverted_cdf")
    with pytest.raises(TypeError, match="real"):
        fnp.median(x + 1j)
    with pytest.raises(np.exceptions.AxisError):
        fnp.median(x, axis=1)
    with pytest.raises(ValueError, match="repeated"):
        fnp.quantile(np.ones((2, 2)), 0.5, axis=(0, 0))
    with pytest.raises(TypeError, match="boolean"):
        fnp.ptp(x > 1)


def test_quantile_of_small_integers_and_booleans():
    # Interpolated in floats: NumPy's int8 difference 50 - (-100) wraps around (92.4).
    assert_same(fnp.quantile(np.array([100, -100, 50], np.int8), 0.3), np.float64(-10.0))
    b = np.array([True, False, True])
    assert_same(fnp.median(b), np.median(b))
    assert_same(fnp.quantile(b, 0.4, method="lower"), np.quantile(b, 0.4, method="lower"))
    with pytest.raises(TypeError):
        fnp.quantile(b, 0.4)  # NumPy refuses to subtract booleans


def test_quantile_nearest_rounds_halves_to_even_as_numpy():
    # (jax.numpy rounds these halves down; funcad follows NumPy's values.)
    q = np.array([0.125, 0.375, 0.625, 0.875])
    assert_same(fnp.quantile(np.arange(5), q, method="nearest"),
                np.quantile(np.arange(5), q, method="nearest"))


def test_quantile_vmap_and_jit():
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((3, 4, 5))
    xs[0, 1, 2] = np.nan
    for method in METHODS:
        check_vmap_and_jit(lambda a, m=method: fnp.quantile(a, np.array([0.2, 0.5]), axis=1,
                                                            method=m), xs)
        check_vmap_and_jit(lambda a, m=method: fnp.nanquantile(a, 0.4, axis=0, method=m), xs)
    check_vmap_and_jit(lambda a: fnp.nanmedian(a, axis=-1, keepdims=True), xs)
    check_vmap_and_jit(lambda a: fnp.quantile(a[0], a[1, :2] ** 2 / 4), xs)  # traced q


# ----------------------------------------------------------------------------------------------
# NaN-ignoring reductions.

NAN_REDUCTIONS = ["nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin"]


def nan_arrays(shape, dtype=np.float64):
    return hnp.arrays(dtype, shape, elements=st.sampled_from([0.5, -1.25, 2.0, 1.5, np.nan]))


@pytest.mark.parametrize("name", NAN_REDUCTIONS + ["nanargmax", "nanargmin"])
@given(data=st.data())
def test_nan_reduction_values(name, data):
    shape = data.draw(S.shapes(min_side=0), label="shape")
    dtype = data.draw(st.sampled_from([np.float64, np.float32, np.int64]), label="dtype")
    if dtype == np.int64:
        x = data.draw(hnp.arrays(dtype, shape, elements=st.integers(-3, 3)), label="x")
    else:
        x = data.draw(nan_arrays(shape, dtype), label="x")
    fn, np_fn = getattr(fnp, name), getattr(np, name)
    if name.startswith("nanarg"):
        axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1) if shape
                         else st.none(), label="axis")
        kwargs = {"axis": axis, "keepdims": data.draw(st.booleans())}
        try:
            expected = np_fn(x, **kwargs)
        except ValueError as e:
            if "All-NaN" not in str(e):  # an empty slice
                with pytest.raises(ValueError):
                    fn(x, **kwargs)
                return
            # An all-NaN slice: NumPy raises, jax.numpy (and funcad) give -1.
            got = np.asarray(fn(x, **kwargs))
            assert (got == -1).any()
            return
        assert_same(fn(x, **kwargs), expected)
        return
    axis = data.draw(S.axes_arguments(len(shape)), label="axis")
    kwargs = {"axis": axis, "keepdims": data.draw(st.booleans(), label="keepdims")}
    if name in ("nanvar", "nanstd"):
        kwargs["ddof"] = data.draw(st.sampled_from([0, 1]), label="ddof")
    try:
        expected = numpy_value(lambda a: np_fn(a, **kwargs), x)
    except ValueError:  # (an empty max or min)
        with pytest.raises(ValueError):
            fn(x, **kwargs)
        return
    assert_same(quiet(lambda a: fn(a, **kwargs), x), expected, 1e-5)


@pytest.mark.parametrize("name", NAN_REDUCTIONS + ["nanmedian"])
def test_nan_reductions_give_zero_gradients_at_nans(name):
    rng = np.random.default_rng(1)
    x = rng.permutation(24).reshape(2, 3, 4) * 0.1 + 0.05
    x[0, 1, 2] = np.nan
    x[1, :, 3] = np.nan  # an all-NaN slice along axis 1
    fn = getattr(fnp, name)

    def f(a):
        return fnp.sum(fnp.where(fnp.isnan(fn(a, axis=1)), 0.0, fn(a, axis=1)))

    g = quiet(funcad.grad(f), x)
    assert not np.isnan(g).any()
    assert g[0, 1, 2] == 0 and (g[1, :, 3] == 0).all()
    # The others' gradient is that of the function on the slice without its NaN.
    kept = np.array([0, 2])
    np.testing.assert_allclose(
        g[0, kept, 2], funcad.grad(lambda v: getattr(fnp, name[3:])(v))(x[0, kept, 2]))
    h = quiet(funcad.hessian(f), x)
    assert not np.isnan(h).any()


@pytest.mark.parametrize("name", NAN_REDUCTIONS)
@given(data=st.data())
def test_nan_reduction_gradients(name, data):
    x, axis, keepdims = data.draw(distinct_with_axis())
    kwargs = {"axis": axis, "keepdims": keepdims}
    if name in ("nanvar", "nanstd"):
        x = x + 0.01 * np.arange(x.size).reshape(x.shape)  # no zero variance
        if S.reduced_count(x.shape, axis) < 2:
            return
    check_grads(lambda a: getattr(fnp, name)(a, **kwargs), (x,), order=2, modes=("fwd", "rev"))


def test_nan_reductions_vmap_and_jit():
    rng = np.random.default_rng(2)
    xs = rng.standard_normal((3, 4, 5))
    xs[1, 2, :] = np.nan
    xs[0, 0, 1] = np.nan
    for name in NAN_REDUCTIONS + ["nanargmax", "nanargmin", "nanmedian"]:
        check_vmap_and_jit(lambda a, n=name: getattr(fnp, n)(a, axis=1), xs)


# ----------------------------------------------------------------------------------------------
# where=, initial=, ddof/correction and out= of the plain reductions.


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin", "all", "any", "var", "std",
                                  "mean"])
@given(data=st.data())
def test_where_argument(name, data):
    shape = data.draw(S.shapes(min_side=0), label="shape")
    x = data.draw(hnp.arrays(np.float64, shape, elements=st.sampled_from(
        [0.0, 1.5, -2.0, 3.0])), label="x")
    mask = data.draw(hnp.arrays(np.bool_, shape[data.draw(st.integers(0, len(shape))):]),
                     label="where")
    axis = data.draw(S.axes_arguments(len(shape)), label="axis")
    kwargs = {"axis": axis, "keepdims": data.draw(st.booleans()), "where": mask}
    if name in ("max", "min", "amax", "amin"):
        kwargs["initial"] = data.draw(st.sampled_from([-1.0, 0.5, 4.0]), label="initial")
    if name in ("var", "std"):
        kwargs[data.draw(st.sampled_from(["ddof", "correction"]))] = data.draw(
            st.sampled_from([0, 1]))
    fn, np_fn = getattr(fnp, name), getattr(np, name)
    assert_same(quiet(lambda a: fn(a, **kwargs), x),
                numpy_value(lambda a: np_fn(a, **kwargs), x))


@pytest.mark.parametrize("name", ["max", "var", "std", "mean"])
@given(data=st.data())
def test_where_gradients(name, data):
    x, axis, keepdims = data.draw(distinct_with_axis())
    mask = data.draw(hnp.arrays(np.bool_, x.shape), label="where")
    kwargs = {"axis": axis, "keepdims": keepdims, "where": mask}
    if name == "max":
        kwargs["initial"] = -100.0
    if name in ("var", "std", "mean"):
        counts = np.sum(mask, axis=axis)
        if np.any(counts < 2):
            mask = np.ones_like(mask)
            kwargs["where"] = mask
            if S.reduced_count(x.shape, axis) < 2:
                return
    check_grads(lambda a: getattr(fnp, name)(a, **kwargs), (x,), order=2,
                modes=("fwd", "rev"))


def test_where_gradient_skips_masked_elements():
    x = np.array([3.0, 1.0, 2.0, 5.0])
    mask = np.array([True, True, True, False])
    np.testing.assert_allclose(funcad.grad(lambda a: fnp.max(a, where=mask, initial=0))(x),
                               [1, 0, 0, 0])
    g = funcad.grad(lambda a: fnp.var(a, where=mask))(x)
    np.testing.assert_allclose(g[:3], funcad.grad(fnp.var)(x[:3]))
    assert g[3] == 0


def test_reductions_refuse_out_and_a_where_without_initial():
    x = np.arange(4.0)
    for name in ["all", "any", "max", "min", "var", "std", "median", "quantile", "ptp",
                 "nansum", "nanmax", "nanargmax", "nanmedian", "percentile"]:
        fn = getattr(fnp, name)
        args = (x, 0.5) if "quantile" in name else (x, 50) if "percentile" in name else (x,)
        with pytest.raises(TypeError, match="out="):
            fn(*args, out=np.zeros(()))
    with pytest.raises(ValueError, match="initial"):
        fnp.max(x, where=x > 1)
    with pytest.raises(ValueError, match="simultaneously"):
        fnp.var(x, ddof=1, correction=1)


def test_variance_of_complex_values_and_a_given_mean():
    z = np.array([[1 + 2j, -0.5j, 3.0], [2 - 1j, 1j, 0.5]])
    assert_same(fnp.var(z, axis=1), np.var(z, axis=1))
    assert_same(fnp.std(z), np.std(z))
    x = np.array([[1.0, 4.0, 3.0], [2.0, -1.0, 0.5]])
    center = np.mean(x, axis=1, keepdims=True)
    assert_same(fnp.var(x, axis=1, mean=center), np.var(x, axis=1, mean=center))
    assert_same(fnp.std(x, axis=1, mean=center, ddof=1), np.std(x, axis=1, mean=center, ddof=1))


def test_count_nonzero():
    x = np.array([[0, 1, 2], [0, 0, 3]])
    for kwargs in [{}, {"axis": 0}, {"axis": (0, 1), "keepdims": True}, {"axis": -1}]:
        assert_same(fnp.count_nonzero(x, **kwargs), np.asarray(np.count_nonzero(x, **kwargs)))


# ----------------------------------------------------------------------------------------------
# Averages, ranges, covariance.


@given(data=st.data())
def test_average(data):
    shape = data.draw(S.shapes(min_dims=1, min_side=1), label="shape")
    (x, w) = data.draw(S.distinct_arrays((shape, shape)), label="x, w")
    w = np.abs(w) + 0.1
    axis = data.draw(S.axes_arguments(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    returned = data.draw(st.booleans(), label="returned")
    kwargs = dict(axis=axis, returned=returned, keepdims=keepdims)
    assert_same(fnp.average(x, weights=w, **kwargs), np.average(x, weights=w, **kwargs))
    assert_same(fnp.average(x, **kwargs), np.average(x, **kwargs))
    if isinstance(axis, int):  # 1-d weights along the axis
        w1 = np.arange(shape[axis]) + 0.5
        assert_same(fnp.average(x, weights=w1, **kwargs), np.average(x, weights=w1, **kwargs))
    check_grads(lambda a, b: fnp.average(a, weights=b, axis=axis), (x, w), order=2,
                modes=("fwd", "rev"))


def test_average_dtypes_and_errors():
    assert_same(fnp.average(np.arange(3, dtype=np.int32)), np.average(np.arange(3,
                                                                               dtype=np.int32)))
    f32 = np.arange(4, dtype=np.float32)
    assert_same(fnp.average(f32, weights=np.arange(4)), np.average(f32, weights=np.arange(4)))
    with pytest.raises(TypeError, match="axis"):
        fnp.average(np.ones((2, 3)), weights=np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        fnp.average(np.ones((2, 3)), axis=1, weights=np.ones(2))
    with pytest.raises(ZeroDivisionError):
        fnp.average(np.ones(3), weights=np.zeros(3))


@given(data=st.data())
def test_ptp(data):
    x, axis, keepdims = data.draw(distinct_with_axis())
    assert_same(fnp.ptp(x, axis=axis, keepdims=keepdims), np.ptp(x, axis=axis,
                                                                  keepdims=keepdims))
    check_grads(lambda a: fnp.ptp(a, axis=axis, keepdims=keepdims), (x,), order=2,
                modes=("fwd", "rev"))
    xi = np.array([[3, -1], [2, 7]], np.int8)
    assert_same(fnp.ptp(xi, axis=0), np.ptp(xi, axis=0))


COV_CASES = [
    dict(), dict(rowvar=False), dict(bias=True), dict(ddof=0), dict(ddof=2),
    dict(fweights=np.array([1, 2, 0, 3, 1])), dict(aweights=np.array([0.5, 1.0, 2.0, 0.1, 1.0])),
    dict(fweights=np.array([1, 2, 1, 3, 1]), aweights=np.array([0.5, 1.0, 2.0, 0.1, 1.0])),
    dict(fweights=np.array([1, 2, 1, 3, 1]), aweights=np.array([0.5, 1.0, 2.0, 0.1, 1.0]),
         ddof=2),
]


@pytest.mark.parametrize("kwargs", COV_CASES)
def test_cov(kwargs):
    rng = np.random.default_rng(3)
    m = rng.standard_normal((3, 5))
    if kwargs.get("rowvar") is False:
        m = m.T
    assert_same(fnp.cov(m, **kwargs), np.cov(m, **kwargs))
    check_grads(lambda a: fnp.cov(a, **kwargs), (m,), order=2, modes=("fwd", "rev"))
    if "aweights" in kwargs:
        aw = kwargs["aweights"]
        rest = {k: v for k, v in kwargs.items() if k != "aweights"}
        check_grads(lambda w: fnp.cov(m, aweights=w, **rest), (aw,), order=2,
                    modes=("fwd", "rev"))


def test_cov_and_corrcoef_shapes_and_dtypes():
    rng = np.random.default_rng(4)
    m = rng.standard_normal((3, 6))
    for args in [(m[0],), (m[0], m[1]), (m,), (m, m[:2]), (m.astype(np.float32),),
                 (m + 1j * m[::-1],), (np.arange(6),)]:
        assert_same(fnp.cov(*args), np.cov(*args))
        assert_same(fnp.corrcoef(*args), np.corrcoef(*args))
    assert_same(fnp.corrcoef(m, rowvar=False), np.corrcoef(m, rowvar=False))
    check_grads(fnp.corrcoef, (m,), order=2, modes=("fwd", "rev"))
    check_vmap_and_jit(fnp.cov, rng.standard_normal((2, 3, 4)))
    check_vmap_and_jit(fnp.corrcoef, rng.standard_normal((2, 3, 4)))
    with pytest.raises(ValueError, match="2 dimensions"):
        fnp.cov(np.ones((2, 2, 2)))
    with pytest.raises(TypeError, match="fweights must be integer"):
        fnp.cov(m, fweights=np.ones(6))
    with pytest.raises(ValueError, match="negative"):
        fnp.cov(m, aweights=-np.ones(6))
    with pytest.raises(RuntimeError, match="incompatible"):
        fnp.cov(m, fweights=np.ones(5, int))


# ----------------------------------------------------------------------------------------------
# Differences and integrals.


@given(data=st.data())
def test_diff(data):
    shape = data.draw(S.shapes(min_dims=1, min_side=0), label="shape")
    (x,) = data.draw(S.distinct_arrays((shape,)), label="x")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    n = data.draw(st.integers(0, 3), label="n")
    ends = {}
    if data.draw(st.booleans(), label="prepend"):
        ends["prepend"] = 0.5
    if data.draw(st.booleans(), label="append"):
        end_shape = list(shape)
        end_shape[axis] = 2
        ends["append"] = np.ones(end_shape)
    assert_same(fnp.diff(x, n, axis, **ends), np.diff(x, n, axis, **ends))
    check_grads(lambda a: fnp.diff(a, n, axis, **ends), (x,), order=2, modes=("fwd", "rev"))
    assert_same(fnp.diff(x > 0, n, axis), np.diff(x > 0, n, axis))
    assert_same(fnp.diff(x.astype(np.int32), n, axis), np.diff(x.astype(np.int32), n, axis))


def test_diff_and_ediff1d_errors_and_ends():
    with pytest.raises(ValueError, match="non-negative"):
        fnp.diff(np.ones(3), -1)
    with pytest.raises(ValueError, match="at least one dimensional"):
        fnp.diff(np.float64(1.0))
    x = np.array([[1.0, 4.0], [2.0, 8.0]])
    for kwargs in [{}, {"to_end": [1, 2]}, {"to_begin": 3.0}, {"to_begin": [5], "to_end": 7}]:
        assert_same(fnp.ediff1d(x, **kwargs), np.ediff1d(x, **kwargs))
    assert_same(fnp.ediff1d(np.zeros(0)), np.ediff1d(np.zeros(0)))
    with pytest.raises(TypeError, match="same_kind"):
        fnp.ediff1d(np.arange(3), to_begin=[5.5])
    check_grads(lambda a: fnp.ediff1d(a, to_end=a[0]), (x,), order=2, modes=("fwd", "rev"))


@given(data=st.data())
def test_gradient(data):
    shape = data.draw(S.shapes(min_dims=1, min_side=2), label="shape")
    (x,) = data.draw(S.distinct_arrays((shape,)), label="x")
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1), label="axis")
    axes = range(len(shape)) if axis is None else [axis % len(shape)]
    kind = data.draw(st.sampled_from(["none", "scalar", "each"]), label="spacing")
    if kind == "none":
        spacing = ()
    elif kind == "scalar":
        spacing = (0.5,)
    else:
        spacing = tuple(np.cumsum(np.arange(1.0, shape[a] + 1)) * 0.3 if a % 2 else 0.25
                        for a in axes)
    assert_same(fnp.gradient(x, *spacing, axis=axis), np.gradient(x, *spacing, axis=axis))
    check_grads(lambda a: fnp.gradient(a, *spacing, axis=axis), (x,), order=2,
                modes=("fwd", "rev"))


def test_gradient_dtypes_and_errors():
    assert_same(fnp.gradient(np.arange(4)), np.gradient(np.arange(4)))
    assert_same(fnp.gradient(np.arange(4, dtype=np.float32)),
                np.gradient(np.arange(4, dtype=np.float32)))
    with pytest.raises(ValueError, match="too small"):
        fnp.gradient(np.ones(1))
    with pytest.raises(NotImplementedError, match="edge_order"):
        fnp.gradient(np.ones(4), edge_order=2)
    with pytest.raises(ValueError, match="match the length"):
        fnp.gradient(np.ones(4), np.arange(3.0))
    check_vmap_and_jit(lambda a: fnp.gradient(a, np.array([0.0, 1.0, 3.0, 4.5])),
                       np.random.default_rng(5).standard_normal((3, 4)))


@given(data=st.data())
def test_trapezoid(data):
    shape = data.draw(S.shapes(min_dims=1, min_side=1), label="shape")
    (y,) = data.draw(S.distinct_arrays((shape,)), label="y")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    x = np.cumsum(np.arange(1.0, shape[axis] + 1)) * 0.1
    assert_same(fnp.trapezoid(y, axis=axis), np.trapezoid(y, axis=axis))
    assert_same(fnp.trapezoid(y, dx=0.3, axis=axis), np.trapezoid(y, dx=0.3, axis=axis))
    assert_same(fnp.trapezoid(y, x, axis=axis), np.trapezoid(y, x, axis=axis))
    check_grads(lambda a, b: fnp.trapezoid(a, b, axis=axis), (y, x), order=2,
                modes=("fwd", "rev"))
    assert_same(fnp.trapezoid(np.arange(3)), np.trapezoid(np.arange(3)))


# ----------------------------------------------------------------------------------------------
# Counting.


def test_bincount():
    x = np.array([0, 1, 1, 3, 2, 1, 7])
    assert_same(fnp.bincount(x), np.bincount(x))
    assert_same(fnp.bincount(x, minlength=10), np.bincount(x, minlength=10))
    w = np.linspace(0.5, 2.0, 7)
    assert_same(fnp.bincount(x, weights=w), np.bincount(x, weights=w))
    assert_same(fnp.bincount(x, weights=w.astype(np.float32)),
                np.bincount(x, weights=w.astype(np.float32)))
    assert_same(fnp.bincount(np.zeros(0, int)), np.bincount(np.zeros(0, int)))
    check_grads(lambda v: fnp.bincount(x, weights=v), (w,), order=2, modes=("fwd", "rev"))
    # length= (as jax.numpy): values past it are dropped, and under jit below 0 count as 0.
    assert_same(fnp.bincount(x, length=3), np.bincount(x)[:3])
    jitted = funcad.jit(lambda v: fnp.bincount(v, length=3))
    assert_same(jitted(np.array([0, 1, 1, 5, -1])), np.array([2, 2, 0]))
    counts = funcad.vmap(lambda v: fnp.bincount(v, length=4))(np.array([[0, 1, 1], [3, 3, 2]]))
    np.testing.assert_array_equal(counts, [[1, 2, 0, 0], [0, 0, 1, 2]])
    with pytest.raises(ConcretizationTypeError, match="length="):
        funcad.jit(fnp.bincount)(x)
    with pytest.raises(ValueError, match="negative"):
        fnp.bincount(np.array([1, -1]))
    with pytest.raises(TypeError, match="integer"):
        fnp.bincount(np.array([1.0]))
    with pytest.raises(ValueError, match="1-dimensional"):
        fnp.bincount(np.ones((2, 2), int))
    with pytest.raises(ValueError, match="minlength"):
        fnp.bincount(x, minlength=-1)


@pytest.mark.parametrize("right", [False, True])
def test_digitize(right):
    x = np.array([-1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 2.0, 3.0])
    for bins in [np.array([-1.0, 0.0, 0.5, 2.0]), np.array([2.0, 0.5, 0.0, -1.0]),
                 np.array([0.0, 0.0, 1.0]), np.array([1.0])]:
        assert_same(fnp.digitize(x, bins, right), np.digitize(x, bins, right))
        traced = funcad.jit(lambda a, b: fnp.digitize(a, b, right))(x, bins)
        assert_same(traced, np.digitize(x, bins, right))
    with pytest.raises(ValueError, match="monotonically"):
        fnp.digitize(x, np.array([0.0, 2.0, 1.0]))
    assert_same(fnp.digitize(x, np.array([0.0, 1.0]), right, method="compare_all"),
                np.digitize(x, np.array([0.0, 1.0]), right))
    with pytest.raises(ValueError, match="method"):
        fnp.digitize(x, np.array([0.0, 1.0]), method="bogus")
    assert (funcad.grad(lambda a: fnp.sum(a * fnp.digitize(a, np.array([0.0, 1.0]))))(x)
            == np.digitize(x, [0.0, 1.0])).all()


HIST_BINS = [1, 4, 7, np.array([-1.0, 0.0, 0.5, 2.0])]


@pytest.mark.parametrize("bins", HIST_BINS, ids=str)
@pytest.mark.parametrize("density", [False, True])
def test_histogram_values(bins, density):
    rng = np.random.default_rng(6)
    a = rng.standard_normal(40)
    w = rng.random(40)
    assert_same(fnp.histogram(a, bins, density=density), np.histogram(a, bins, density=density))
    assert_same(fnp.histogram(a, bins, weights=w, density=density),
                np.histogram(a, bins, weights=w, density=density))
    if np.ndim(bins) == 0:
        assert_same(fnp.histogram(a, bins, range=(-1, 0.5), density=density),
                    np.histogram(a, bins, range=(-1, 0.5), density=density))
        assert_same(fnp.histogram_bin_edges(a, bins), np.histogram_bin_edges(a, bins))
    assert_same(fnp.histogram(np.arange(6).reshape(2, 3), bins),
                np.histogram(np.arange(6).reshape(2, 3), bins))
    assert_same(fnp.histogram(np.ones(3), bins), np.histogram(np.ones(3), bins))
    assert_same(fnp.histogram(np.zeros(0), bins), np.histogram(np.zeros(0), bins))
    assert_same(fnp.histogram(a.astype(np.float32), bins), np.histogram(a.astype(np.float32),
                                                                       bins), 1e-6)
    check_vmap_and_jit(lambda v: fnp.histogram(v, bins, density=density), rng.random((3, 10)))


def test_histogram_derivatives_follow_jax():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.5])
    # d/dw of sum(counts**2): twice each point's bin total (jax.numpy: [4, 4, 2, 4, 4]).
    g = funcad.grad(lambda w: fnp.sum(fnp.histogram(x, 3, weights=w)[0] ** 2))(np.ones(5))
    np.testing.assert_allclose(g, [4, 4, 2, 4, 4])
    # With density, through the edges made from min and max (jax.numpy's numbers).
    g = funcad.grad(lambda a: fnp.sum(fnp.histogram(a, 3, density=True)[0] ** 2))(x)
    np.testing.assert_allclose(g, [0.07111111111, 0, 0, 0, -0.07111111111], atol=1e-9)
    g = funcad.grad(lambda a: fnp.sum(fnp.histogram(a, 3)[1] ** 2))(x)
    np.testing.assert_allclose(g, [8, 0, 0, 0, 18])
    check_grads(lambda w: fnp.histogram(x, 3, weights=w, density=True)[0], (np.ones(5) + 0.1,),
                order=2, modes=("fwd", "rev"))


def test_histogram_bins_rules_and_errors():
    a = np.random.default_rng(7).standard_normal(30)
    assert_same(fnp.histogram(a, "auto"), np.histogram(a, "auto"))
    with pytest.raises(ConcretizationTypeError, match="bins"):
        funcad.jit(lambda v: fnp.histogram(v, "auto"))(a)
    with pytest.raises(ValueError, match="increase monotonically"):
        fnp.histogram(a, np.array([0.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match="not finite"):
        fnp.histogram(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="larger than min"):
        fnp.histogram(a, 3, range=(1, 0))
    with pytest.raises(ValueError, match="same shape"):
        fnp.histogram(a, 3, weights=np.ones(3))
    with pytest.raises(TypeError, match="integer, a string, or an array"):
        fnp.histogram(a, 3.0)


@pytest.mark.parametrize("density", [False, True])
def test_histogram2d_and_histogramdd(density):
    rng = np.random.default_rng(8)
    x, y, z = rng.standard_normal((3, 30))
    w = rng.random(30)
    for bins in [5, (3, 4), [np.array([-2.0, 0.0, 2.0]), 3]]:
        for weights in [None, w]:
            for range_ in [None, [(-1, 1), (-2, 2)]]:
                assert_same(fnp.histogram2d(x, y, bins, range_, density, weights),
                            np.histogram2d(x, y, bins, range_, density, weights))
    sample = np.stack([x, y, z], axis=1)
    for bins in [3, (2, 3, 4)]:
        hist, edges = fnp.histogramdd(sample, bins, density=density, weights=w)
        expected, expected_edges = np.histogramdd(sample, bins, density=density, weights=w)
        assert_same(hist, expected)
        assert_same(list(edges), list(expected_edges))
    check_grads(lambda v: fnp.histogram2d(x, y, 3, density=density, weights=v)[0], (w,),
                order=2, modes=("fwd", "rev"))
    check_vmap_and_jit(lambda v: fnp.histogram2d(v[0], v[1], 3, density=density)[0],
                       rng.random((2, 2, 10)))


def test_numpy_dispatch_reaches_the_statistics():
    x = np.array([[1.0, 4.0, 3.0], [2.0, -1.0, 0.5]])
    g = funcad.grad(lambda a: np.sum(np.median(a, axis=1)) + np.nanmax(a) + np.ptp(a)
                    + np.average(a, weights=np.arange(1.0, 4.0), axis=1)[0]
                    + np.trapezoid(a)[1] + np.cov(a)[0, 1])(x)
    expected = funcad.grad(lambda a: fnp.sum(fnp.median(a, axis=1)) + fnp.nanmax(a)
                           + fnp.ptp(a)
                           + fnp.average(a, weights=np.arange(1.0, 4.0), axis=1)[0]
                           + fnp.trapezoid(a)[1] + fnp.cov(a)[0, 1])(x)
    np.testing.assert_allclose(g, expected)
    counts = funcad.jit(lambda a: np.histogram(a, 3)[0])(x)
    assert_same(counts, np.histogram(x, 3)[0])


def test_vmap_of_bincount_needs_length():
    with pytest.raises(ConcretizationTypeError, match="length="):
        funcad.vmap(fnp.bincount)(np.array([[0, 1], [1, 1]]))
    w = np.array([[0.5, 1.0, 2.0], [1.0, 1.0, 3.0]])
    idx = np.array([[0, 2, 2], [1, 0, 1]])
    out = funcad.vmap(lambda i, v: fnp.bincount(i, v, length=3))(idx, w)
    np.testing.assert_allclose(out, [np.bincount(i, v, minlength=3) for i, v in zip(idx, w)])
