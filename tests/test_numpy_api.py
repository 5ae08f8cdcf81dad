"""Property tests of funcad.numpy against NumPy itself.

For each function, on inputs drawn by Hypothesis (float64, float32, integer and boolean
arrays, 0-d and size-0 shapes, Python scalars), funcad.numpy must give NumPy's values, shape
and dtype: eagerly, and staged (``make_jaxpr``'s output types must be NumPy's result types,
and ``eval_jaxpr`` must reproduce the values). Where NumPy refuses the inputs, funcad must
refuse them too. The last part checks NumPy dispatch: plain ``np.sin(tracer)`` and friends
inside ``funcad.grad``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import strategies as S
from hypothesis import assume, given, note
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import funcad
import funcad.numpy as fnp
import funcad.test_util
from funcad import tree_util
from funcad.numpy import _tracer_methods
from funcad.scipy import special

FLOATS = [np.dtype(np.float64), np.dtype(np.float32)]
INTS = [np.dtype(np.int64), np.dtype(np.int32), np.dtype(np.int8)]
NUMERIC = FLOATS + INTS
ALL = NUMERIC + [np.dtype(np.bool_)]


def values(dtype: np.dtype, shape, special_values: bool = True):
    """Arrays of ``dtype``: small integers, or floats in [-3, 3] with (optionally) the
    special values 0, -0, inf, -inf and nan mixed in."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return hnp.arrays(dtype, shape)
    if dtype.kind in "iu":
        return hnp.arrays(dtype, shape, elements=st.integers(-5, 5))
    elements = st.floats(-3, 3, width=dtype.itemsize * 8)
    if special_values:
        elements = elements | st.sampled_from([0.0, -0.0, np.inf, -np.inf, np.nan])
    return hnp.arrays(dtype, shape, elements=elements)


def assert_same(actual, expected, *, rtol=None) -> None:
    """Same shape, same dtype, same values (nan where NumPy has nan)."""
    expected_dtype = np.result_type(expected)
    assert np.shape(actual) == np.shape(expected), (np.shape(actual), np.shape(expected))
    assert np.result_type(actual) == expected_dtype, (np.result_type(actual), expected_dtype)
    actual, expected = np.asarray(actual), np.asarray(expected)
    if expected_dtype.kind in "fc":
        if rtol is None:
            rtol = {2: 1e-3, 4: 1e-5}.get(expected_dtype.itemsize, 1e-12)
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol, equal_nan=True)
    else:
        np.testing.assert_array_equal(actual, expected)


def check_against_numpy(fn, np_fn, *args, rtol=None) -> None:
    """``fn(*args)`` must match ``np_fn(*args)``: eagerly (a NumPy value, not a tracer), and
    as a jaxpr whose out avals are NumPy's result types and whose evaluation gives NumPy's
    values. ``args`` are arrays or pytrees of arrays (static arguments go in a closure)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (NumPy's "mean of empty slice")
        try:
            expected = np_fn(*args)
        except Exception:  # noqa: BLE001 - whatever NumPy refuses ...
            with pytest.raises(Exception):  # noqa: B017 - ... funcad refuses as well
                fn(*args)
            return
        expected_leaves = tree_util.tree_leaves(expected)
        actual = fn(*args)
        actual_leaves = tree_util.tree_leaves(actual)
        assert len(actual_leaves) == len(expected_leaves)
        for a, e in zip(actual_leaves, expected_leaves):
            assert isinstance(a, (np.ndarray, np.generic)), type(a)
            assert_same(a, e, rtol=rtol)

        closed = funcad.make_jaxpr(fn)(*args)
        assert len(closed.out_avals) == len(expected_leaves)
        for aval, e in zip(closed.out_avals, expected_leaves):
            assert (aval.shape, aval.dtype) == (np.shape(e), np.result_type(e)), (
                f"make_jaxpr says {aval.str_short()}, NumPy gives "
                f"{np.result_type(e).name}{list(np.shape(e))}")
        staged = funcad.eval_jaxpr(closed.jaxpr, closed.consts, *tree_util.tree_leaves(args))
        for s, e in zip(staged, expected_leaves):
            assert_same(s, e, rtol=rtol)

# ----------------------------------------------------------------------------------------------
# Elementwise.

UNARY = ["sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh",
         "arccosh", "arctanh", "exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sqrt",
         "cbrt", "abs", "absolute", "fabs", "square", "negative", "positive", "sign", "floor",
         "ceil", "rint", "isnan", "isinf", "isfinite", "deg2rad", "rad2deg", "sinc", "round",
         "logical_not"]


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary(name, data):
    # (numpy.positive refuses booleans; funcad's, an identity, lets them through.)
    dtype = data.draw(st.sampled_from(NUMERIC if name == "positive" else ALL), label="dtype")
    x = data.draw(values(dtype, S.shapes(min_side=0)), label="x")
    check_against_numpy(getattr(fnp, name), getattr(np, name), x)


@given(data=st.data())
def test_reciprocal_floats(data):
    """(Integer reciprocal is not NumPy's: funcad's is 1 / x in floating point, as JAX's.)"""
    x = data.draw(values(data.draw(st.sampled_from(FLOATS)), S.shapes()), label="x")
    check_against_numpy(fnp.reciprocal, np.reciprocal, x)


@given(data=st.data())
def test_round_decimals(data):
    dtype = data.draw(st.sampled_from(NUMERIC), label="dtype")
    x = data.draw(values(dtype, S.shapes()), label="x") * (7 if dtype.kind == "i" else 1)
    decimals = data.draw(st.integers(-1, 2), label="decimals")
    check_against_numpy(lambda a: fnp.round(a, decimals), lambda a: np.round(a, decimals), x)


BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "power", "maximum",
          "minimum", "fmax", "fmin", "arctan2", "remainder", "mod", "floor_divide", "logaddexp",
          "logaddexp2", "hypot", "equal", "not_equal", "less", "less_equal", "greater",
          "greater_equal", "logical_and", "logical_or", "logical_xor", "float_power"]


@pytest.mark.parametrize("name", BINARY)
@given(data=st.data())
def test_binary_broadcasting_and_promotion(name, data):
    (x_shape, y_shape), _ = data.draw(S.broadcastable_shapes(2, min_side=0), label="shapes")
    x_dtype, y_dtype = data.draw(st.tuples(st.sampled_from(ALL), st.sampled_from(ALL)))
    x = data.draw(values(x_dtype, x_shape), label="x")
    y = data.draw(values(y_dtype, y_shape), label="y")
    check_against_numpy(getattr(fnp, name), getattr(np, name), x, y)


@pytest.mark.parametrize("name", ["sin", "exp", "sqrt", "square", "abs", "negative", "floor",
                                  "deg2rad", "round", "positive", "fabs", "rint"])
@given(data=st.data())
def test_results_of_python_scalars_are_strong(name, data):
    """Only a Python scalar itself is weak: np.sin(2.0) is a float64 that promotes float32
    arrays (staged programs must type it so too)."""
    dtype = data.draw(st.sampled_from(ALL), label="dtype")
    x = data.draw(values(dtype, S.shapes()), label="x")
    scalar = data.draw(st.sampled_from([2, 0.5, -1.5]), label="scalar")
    fn, np_fn = getattr(fnp, name), getattr(np, name)
    check_against_numpy(lambda a: fn(scalar) * a, lambda a: np_fn(scalar) * a, x)
    check_against_numpy(lambda a: fnp.where(a > 0, fn(scalar), 1.5) + a,
                        lambda a: np.where(a > 0, np_fn(scalar), 1.5) + a, x)
    check_against_numpy(lambda a: fnp.add(scalar, 1.5) - a, lambda a: np.add(scalar, 1.5) - a, x)


def test_make_jaxpr_python_scalar_argument_is_weak():
    x32 = np.ones(3, np.float32)
    check_against_numpy(lambda s, x: s * x, lambda s, x: s * x, 2.0, x32)


@pytest.mark.parametrize("name", ["add", "multiply", "divide", "power", "maximum", "arctan2",
                                  "remainder", "floor_divide", "less", "logaddexp"])
@given(data=st.data())
def test_python_scalars_are_weak(name, data):
    """A Python scalar takes the array's dtype where it fits (NEP 50): f32 op 2.0 is f32,
    i8 op 3 is i8, i8 op 2.5 is f64."""
    dtype = data.draw(st.sampled_from(ALL), label="dtype")
    x = data.draw(values(dtype, S.shapes()), label="x")
    scalar = data.draw(st.sampled_from([2, -3, 2.5, -0.5, True]), label="scalar")
    fn, np_fn = getattr(fnp, name), getattr(np, name)
    check_against_numpy(lambda a: fn(a, scalar), lambda a: np_fn(a, scalar), x)
    check_against_numpy(lambda a: fn(scalar, a), lambda a: np_fn(scalar, a), x)


@given(data=st.data())
def test_operators(data):
    (x_shape, y_shape), _ = data.draw(S.broadcastable_shapes(2), label="shapes")
    x_dtype, y_dtype = data.draw(st.tuples(st.sampled_from(NUMERIC), st.sampled_from(FLOATS)))
    x = data.draw(values(x_dtype, x_shape), label="x")
    y = data.draw(values(y_dtype, y_shape), label="y")
    for op in (lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b,
               lambda a, b: a / b, lambda a, b: a ** 2, lambda a, b: a // b,
               lambda a, b: a % b, lambda a, b: -a + abs(b), lambda a, b: (a < b) & (b >= 1),
               lambda a, b: 2.0 * a - 3 / b, lambda a, b: a == b, lambda a, b: ~(a > b)):
        check_against_numpy(op, op, x, y)


@given(data=st.data())
def test_where_and_clip(data):
    (c_shape, x_shape, y_shape), _ = data.draw(S.broadcastable_shapes(3), label="shapes")
    x_dtype, y_dtype = data.draw(st.tuples(st.sampled_from(ALL), st.sampled_from(ALL)))
    cond = data.draw(hnp.arrays(np.bool_, c_shape), label="cond")
    x = data.draw(values(x_dtype, x_shape), label="x")
    y = data.draw(values(y_dtype, y_shape), label="y")
    check_against_numpy(fnp.where, np.where, cond, x, y)
    check_against_numpy(lambda c, a: fnp.where(c, a, 0.5), lambda c, a: np.where(c, a, 0.5),
                        cond, x)
    check_against_numpy(lambda a: fnp.where(a, 1, 2), lambda a: np.where(a, 1, 2), x)
    lo, hi = sorted(data.draw(st.tuples(st.integers(-3, 3), st.integers(-3, 3))))
    check_against_numpy(lambda a: fnp.clip(a, lo, hi), lambda a: np.clip(a, lo, hi), x)
    check_against_numpy(lambda a: fnp.clip(a, -0.5, 1.5), lambda a: np.clip(a, -0.5, 1.5), x)


# ----------------------------------------------------------------------------------------------
# Reductions.

REDUCTIONS = ["sum", "prod", "mean", "max", "min", "amax", "amin", "var", "std", "all", "any",
              "count_nonzero"]


@pytest.mark.parametrize("name", REDUCTIONS)
@given(data=st.data())
def test_reductions(name, data):
    dtype = data.draw(st.sampled_from(ALL), label="dtype")
    shape = data.draw(S.shapes(min_side=0), label="shape")
    x = data.draw(values(dtype, shape, special_values=False), label="x")
    axis = data.draw(S.axes_arguments(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    kwargs = {"axis": axis, "keepdims": keepdims}
    if name in ("var", "std"):
        kwargs["ddof"] = data.draw(st.sampled_from([0, 1]), label="ddof")
    if name in ("sum", "prod", "mean") and data.draw(st.booleans(), label="use where"):
        suffix = shape[data.draw(st.integers(0, len(shape)), label="where axes"):]
        kwargs["where"] = data.draw(hnp.arrays(np.bool_, suffix), label="where")
    if name in ("sum", "prod", "max", "min") and data.draw(st.booleans(), label="use initial"):
        kwargs["initial"] = data.draw(st.sampled_from([0, 1, -2, 3]), label="initial")
    fn, np_fn = getattr(fnp, name), getattr(np, name)
    check_against_numpy(lambda a: fn(a, **kwargs), lambda a: np_fn(a, **kwargs), x)


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "var"])
@given(data=st.data())
def test_reduction_dtype_argument(name, data):
    dtype = data.draw(st.sampled_from(ALL), label="dtype")
    x = data.draw(values(dtype, S.shapes(), special_values=False), label="x")
    # (An integer dtype= for mean/var of floats, truncating NumPy's result, is not supported.)
    out_dtype = data.draw(st.sampled_from([np.float32, np.float64] + (
        [np.int64] if name in ("sum", "prod") else [])), label="out")
    fn, np_fn = getattr(fnp, name), getattr(np, name)
    check_against_numpy(lambda a: fn(a, dtype=out_dtype), lambda a: np_fn(a, dtype=out_dtype),
                        x, rtol=1e-4)


@pytest.mark.parametrize("name", ["argmax", "argmin", "cumsum"])
@given(data=st.data())
def test_index_reductions_and_cumsum(name, data):
    dtype = data.draw(st.sampled_from(ALL), label="dtype")
    shape = data.draw(S.shapes(min_side=0), label="shape")
    x = data.draw(values(dtype, shape, special_values=False), label="x")
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1) if shape
                     else st.none(), label="axis")
    kwargs = {"axis": axis}
    if name != "cumsum":
        kwargs["keepdims"] = data.draw(st.booleans(), label="keepdims")
    fn, np_fn = getattr(fnp, name), getattr(np, name)
    check_against_numpy(lambda a: fn(a, **kwargs), lambda a: np_fn(a, **kwargs), x)


# ----------------------------------------------------------------------------------------------
# Shapes and layout.


@given(data=st.data())
def test_reshape_transpose_and_friends(data):
    dtype = data.draw(st.sampled_from(ALL), label="dtype")
    shape = data.draw(S.shapes(min_side=0), label="shape")
    ndim = len(shape)
    x = data.draw(values(dtype, shape), label="x")
    target = data.draw(S.reshape_targets(shape), label="target")
    perm = data.draw(st.permutations(range(ndim)), label="perm")
    cases = [
        (lambda a: fnp.reshape(a, target), lambda a: np.reshape(a, target)),
        (fnp.ravel, np.ravel),
        (lambda a: fnp.transpose(a, perm), lambda a: np.transpose(a, perm)),
        (fnp.transpose, np.transpose),
        (fnp.squeeze, np.squeeze),
        (fnp.atleast_1d, np.atleast_1d),
        (fnp.atleast_2d, np.atleast_2d),
        (lambda a: fnp.expand_dims(a, 0), lambda a: np.expand_dims(a, 0)),
        (lambda a: fnp.expand_dims(a, (-1, 1)), lambda a: np.expand_dims(a, (-1, 1))),
        (lambda a: fnp.broadcast_to(a, (2,) + shape), lambda a: np.broadcast_to(a, (2,) + shape)),
        (lambda a: fnp.flip(a), lambda a: np.flip(a)),
        (lambda a: fnp.tile(a, (2, 1)), lambda a: np.tile(a, (2, 1))),
        (lambda a: fnp.repeat(a, 2), lambda a: np.repeat(a, 2)),
        (lambda a: fnp.array(a, ndmin=3), lambda a: np.array(a, ndmin=3)),
        (lambda a: fnp.astype(a, np.float32), lambda a: a.astype(np.float32)),
        (lambda a: fnp.asarray(a, dtype=np.int64), lambda a: np.asarray(a, dtype=np.int64)),
    ]
    if ndim:
        axis = data.draw(st.integers(-ndim, ndim - 1), label="axis")
        other = data.draw(st.integers(-ndim, ndim - 1), label="other")
        count = shape[axis]
        reps = data.draw(st.lists(st.integers(0, 2), min_size=count, max_size=count))
        cases += [
            (lambda a: fnp.swapaxes(a, axis, other), lambda a: np.swapaxes(a, axis, other)),
            (lambda a: fnp.moveaxis(a, axis, other), lambda a: np.moveaxis(a, axis, other)),
            (lambda a: fnp.flip(a, axis), lambda a: np.flip(a, axis)),
            (lambda a: fnp.repeat(a, reps, axis), lambda a: np.repeat(a, reps, axis)),
            (lambda a: fnp.repeat(a, 3, axis), lambda a: np.repeat(a, 3, axis)),
            (lambda a: fnp.split(a, [1, 2], axis), lambda a: np.split(a, [1, 2], axis)),
        ]
        if x.size:  # (numpy.take skips its bounds check when the result is empty)
            cases.append((lambda a: fnp.take(a, [0, -1, 0], axis),
                          lambda a: np.take(a, [0, -1, 0], axis)))
    if ndim >= 2:
        offset = data.draw(st.integers(-2, 2), label="offset")
        cases += [
            (lambda a: fnp.diagonal(a, offset), lambda a: np.diagonal(a, offset)),
            (lambda a: fnp.triu(a, offset), lambda a: np.triu(a, offset)),
            (lambda a: fnp.tril(a, offset), lambda a: np.tril(a, offset)),
            (lambda a: fnp.diagonal(a, offset, -1, 0), lambda a: np.diagonal(a, offset, -1, 0)),
        ]
        if x.size:  # (numpy.trace of an empty boolean matrix is False, not 0)
            cases.append((lambda a: fnp.trace(a, offset), lambda a: np.trace(a, offset)))
    if ndim == 1:
        k = data.draw(st.integers(-2, 2), label="k")
        cases.append((lambda a: fnp.diag(a, k), lambda a: np.diag(a, k)))
    for i, (fn, np_fn) in enumerate(cases):
        note(f"case {i}")
        check_against_numpy(fn, np_fn, x)


@given(data=st.data())
def test_take_along_axis(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    x = data.draw(values(data.draw(st.sampled_from(ALL)), shape), label="x")
    index_shape = list(shape)
    index_shape[axis] = data.draw(st.integers(1, 3))
    index = data.draw(hnp.arrays(np.intp, tuple(index_shape),
                                 elements=st.integers(0, shape[axis] - 1)), label="index")
    check_against_numpy(lambda a: fnp.take_along_axis(a, index, axis),
                        lambda a: np.take_along_axis(a, index, axis), x)


@given(data=st.data())
def test_concatenate_stack_split(data):
    shape = data.draw(S.shapes(min_dims=1, min_side=0), label="shape")
    ndim = len(shape)
    axis = data.draw(st.integers(-ndim, ndim - 1), label="axis")
    dtypes = data.draw(st.lists(st.sampled_from(ALL), min_size=1, max_size=3), label="dtypes")
    parts, same = [], []
    for dtype in dtypes:
        part_shape = list(shape)
        part_shape[axis] = data.draw(st.integers(0, 3))
        parts.append(data.draw(values(dtype, tuple(part_shape))))
        same.append(data.draw(values(dtype, shape)))
    stack_axis = data.draw(st.integers(-ndim - 1, ndim), label="stack_axis")
    check_against_numpy(lambda xs: fnp.concatenate(xs, axis),
                        lambda xs: np.concatenate(xs, axis), parts)
    check_against_numpy(lambda xs: fnp.concatenate(xs, None),
                        lambda xs: np.concatenate(xs, None), parts)
    check_against_numpy(lambda xs: fnp.stack(xs, stack_axis),
                        lambda xs: np.stack(xs, stack_axis), same)
    check_against_numpy(fnp.hstack, np.hstack, same)
    check_against_numpy(fnp.vstack, np.vstack, same)
    n = shape[axis]
    sections = data.draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0] or [1]))
    check_against_numpy(lambda a: fnp.split(a, sections, axis),
                        lambda a: np.split(a, sections, axis), same[0])


# ----------------------------------------------------------------------------------------------
# Indexing and .at updates.


@given(data=st.data())
def test_indexing(data):
    dtype = data.draw(st.sampled_from(ALL), label="dtype")
    shape = data.draw(S.shapes(min_side=0), label="shape")
    x = data.draw(values(dtype, shape), label="x")
    index = data.draw(S.mixed_indices(shape) | hnp.basic_indices(shape, allow_newaxis=True,
                                                                  allow_ellipsis=True),
                      label="index")
    check_against_numpy(lambda a: a[index], lambda a: a[index], x)
    check_against_numpy(lambda a: fnp.at(a)[index].get(), lambda a: a[index], x)


@given(data=st.data())
def test_traced_integer_index_arrays(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    x = data.draw(values(np.float64, shape), label="x")
    index = data.draw(S.advanced_indices(shape), label="index")
    head, array = index[:-1], index[-1]
    check_against_numpy(lambda a, i: a[head + (i,)], lambda a, i: a[head + (i,)], x, array)


def _numpy_update(x, index, v, mode):
    out = np.array(x, copy=True)
    if mode == "set":
        out[index] = v
    else:  # (broadcast first: NumPy 2.4's ufunc.at mishandles values needing leading axes)
        getattr(np, mode).at(out, index, np.broadcast_to(v, out[index].shape))
    return out


def test_index_update_broadcast_values_at_repeated_positions():
    """Each of the 4 indexed elements gets its (broadcast) value: 2 * (1 + 10) is added."""
    index = np.array([[0, 0], [0, 0]])
    np.testing.assert_array_equal(fnp.at(np.zeros(2))[index].add(np.array([1.0, 10.0])),
                                  [22.0, 0.0])
    np.testing.assert_array_equal(fnp.at(np.ones(2))[index].multiply(np.array([2.0, 3.0])),
                                  [36.0, 1.0])
    rows = np.array([[0, 1], [0, 1]])
    np.testing.assert_array_equal(fnp.at(np.zeros(3))[rows].add(np.array([1.0, 10.0])),
                                  [2.0, 20.0, 0.0])


@pytest.mark.parametrize("mode", ["set", "add", "multiply"])
@given(data=st.data())
def test_index_update(mode, data):
    dtype = data.draw(st.sampled_from(NUMERIC), label="dtype")
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    x = data.draw(values(dtype, shape, special_values=False), label="x")
    index = data.draw(S.mixed_indices(shape) | S.advanced_indices(shape), label="index")
    try:
        target = x[index].shape
    except IndexError:
        assume(False)
    # Values of x's dtype, or float64 values into a float x. (Floats into an integer x have no
    # NumPy reference: x[i] = v casts, x[i] += v refuses, np.add.at casts unsafely.)
    v_dtype = data.draw(st.sampled_from([dtype] + FLOATS if dtype.kind == "f" else [dtype]),
                        label="v_dtype")
    v = data.draw(values(v_dtype, data.draw(st.sampled_from([target, target[1:], ()]))),
                  label="v")
    # (the values are cast to x's dtype first, as JAX does: NumPy's ufunc.at would multiply
    # float64 values at repeated indices in float64, so inf * 1e-109 stays inf, not nan)
    check_against_numpy(lambda a, b: getattr(fnp.at(a)[index], mode)(b),
                        lambda a, b: _numpy_update(a, index, np.asarray(b).astype(a.dtype), mode),
                        x, v)


# ----------------------------------------------------------------------------------------------
# Products.


@given(data=st.data())
def test_matmul_dot_and_friends(data):
    (a_shape, b_shape), _ = data.draw(hnp.mutually_broadcastable_shapes(
        signature=np.matmul.signature, max_dims=2, max_side=3), label="shapes")
    a_dtype, b_dtype = data.draw(st.tuples(st.sampled_from(NUMERIC), st.sampled_from(NUMERIC)))
    a = data.draw(values(a_dtype, a_shape, special_values=False), label="a")
    b = data.draw(values(b_dtype, b_shape, special_values=False), label="b")
    check_against_numpy(fnp.matmul, np.matmul, a, b)
    check_against_numpy(lambda x, y: x @ y, lambda x, y: x @ y, a, b)
    check_against_numpy(fnp.dot, np.dot, a, b)
    check_against_numpy(fnp.outer, np.outer, a, b)
    check_against_numpy(fnp.kron, np.kron, a, b)
    check_against_numpy(fnp.inner, np.inner, a, b)
    check_against_numpy(fnp.vdot, np.vdot, a, a)
    check_against_numpy(lambda x, y: fnp.tensordot(x, y, 1), lambda x, y: np.tensordot(x, y, 1),
                        a, b)
    check_against_numpy(lambda x: fnp.tensordot(x, x, x.ndim),
                        lambda x: np.tensordot(x, x, x.ndim), a)


EINSUM_SPECS = ["ij,jk->ik", "ij,jk", "ii->", "ii", "ii->i", "ij->ji", "ji", "ij->", "i,i",
                "i,j->ij", "bij,bjk->bik", "...ij,jk->...ik", "i...->...", "ij,jk,kl->il",
                "i,j,k->ijk", "ij,jk,ki->", "ab,ca", "iij->j", "...i,...i"]


@pytest.mark.parametrize("spec", EINSUM_SPECS)
@given(data=st.data())
def test_einsum(spec, data):
    inputs = spec.split("->")[0].split(",")
    sizes = {c: data.draw(st.integers(0, 3), label=c) for c in sorted(set(spec) - set(".,->"))}
    ellipsis = data.draw(S.shapes(max_dims=2, max_side=3), label="...")
    operands = []
    for term in inputs:
        shape = tuple(sizes[c] for c in term.replace("...", ""))
        if "..." in term:
            head = term.split("...")[0]
            shape = shape[:len(head)] + ellipsis + shape[len(head):]
        dtype = data.draw(st.sampled_from(NUMERIC), label="dtype")
        operands.append(data.draw(values(dtype, shape, special_values=False), label=term))
    check_against_numpy(lambda *ops: fnp.einsum(spec, *ops),
                        lambda *ops: np.einsum(spec, *ops), *operands)


# ----------------------------------------------------------------------------------------------
# funcad.numpy.linalg and funcad.scipy.special (references written in NumPy).


@given(data=st.data())
def test_norm(data):
    dtype = data.draw(st.sampled_from(NUMERIC), label="dtype")
    shape = data.draw(S.shapes(min_dims=1, max_dims=2), label="shape")
    x = data.draw(values(dtype, shape, special_values=False), label="x")
    for ord_ in (None, 1, 2, 3, np.inf, -np.inf, 0):
        for axis in [None, -1] if len(shape) == 1 else [-1, 0]:
            check_against_numpy(lambda a, o=ord_, ax=axis: fnp.linalg.norm(a, o, ax),
                                lambda a, o=ord_, ax=axis: np.linalg.norm(a, o, ax), x)
    check_against_numpy(lambda a: fnp.linalg.norm(a, keepdims=True),
                        lambda a: np.linalg.norm(a, keepdims=True), x)
    if len(shape) == 2:
        for ord_ in (None, "fro", 1, np.inf):
            check_against_numpy(lambda a, o=ord_: fnp.linalg.norm(a, o),
                                lambda a, o=ord_: np.linalg.norm(a, o), x)


def _logsumexp_reference(a, axis=None, b=None, keepdims=False):
    a = np.asarray(a, np.float64)
    shift = np.max(a, axis=axis, keepdims=True)
    terms = np.exp(a - shift) if b is None else b * np.exp(a - shift)
    out = np.log(np.sum(terms, axis=axis, keepdims=True)) + shift
    return out if keepdims else np.squeeze(out, axis=axis)


@given(data=st.data())
def test_logsumexp_softmax(data):
    shape = data.draw(S.shapes(), label="shape")
    x = data.draw(values(np.float64, shape, special_values=False) | values(
        np.float64, shape, special_values=False).map(lambda a: a * 300), label="x")
    axis = data.draw(S.axes_arguments(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    b = data.draw(values(np.float64, shape, special_values=False).map(np.abs), label="b")
    check_against_numpy(lambda a: special.logsumexp(a, axis, keepdims=keepdims),
                        lambda a: _logsumexp_reference(a, axis, keepdims=keepdims), x)
    check_against_numpy(lambda a, w: special.logsumexp(a, axis, w, keepdims=keepdims),
                        lambda a, w: _logsumexp_reference(a, axis, w, keepdims), x, b)

    def softmax_reference(a):
        e = np.exp(a - np.max(a, axis=axis, keepdims=True))
        return e / np.sum(e, axis=axis, keepdims=True)

    check_against_numpy(lambda a: special.softmax(a, axis), softmax_reference, x)
    x32 = x.astype(np.float32)
    assert special.logsumexp(x32, axis).dtype == np.float32
    assert special.softmax(x32, axis).dtype == np.float32


# ----------------------------------------------------------------------------------------------
# NumPy dispatch on tracers, inside grad.


def test_numpy_functions_inside_grad():
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    cases = [
        (lambda t: np.sum(np.sin(t)), np.cos(x)),
        (lambda t: np.sum(np.sum(t, axis=0) ** 2), 2 * np.sum(x, axis=0) * np.ones_like(x)),
        (lambda t: np.sum(t * np.ones(3)), np.ones_like(x)),
        (lambda t: np.sum(np.ones(3) * t), np.ones_like(x)),
        (lambda t: np.sum(np.float64(2.0) * t), 2 * np.ones_like(x)),
        (lambda t: np.sum(t * np.float64(2.0)), 2 * np.ones_like(x)),
        (lambda t: np.sum(np.arange(3.0) - t), -np.ones_like(x)),
        (lambda t: np.mean(np.exp(t)), np.exp(x) / 6),
        (lambda t: np.max(t), (x == x.max()).astype(float)),
        (lambda t: np.sum(np.where(t > 0, t, 0.0)), (x > 0).astype(float)),
        (lambda t: np.sum(np.dot(t, np.arange(3.0))), np.tile(np.arange(3.0), (2, 1))),
        (lambda t: np.sum(np.ones((4, 2)) @ t), 4 * np.ones_like(x)),
        (lambda t: np.add.reduce(t, axis=None), np.ones_like(x)),
        (lambda t: np.sum(np.concatenate([t, np.ones((1, 3))]) ** 2), 2 * x),
        (lambda t: np.einsum("ij,ij->", t, t), 2 * x),
        (lambda t: np.linalg.norm(t), x / np.linalg.norm(x)),
        (lambda t: np.sum(np.square(t)), 2 * x),
        (lambda t: np.sum(np.abs(t)), np.sign(x)),
    ]
    for f, expected in cases:
        g = funcad.grad(f)(x)
        assert isinstance(g, np.ndarray) and g.dtype == np.float64 and g.shape == x.shape
        np.testing.assert_allclose(g, expected, rtol=1e-12, err_msg=str(f))


def test_numpy_dispatch_keeps_float32():
    x = np.array([0.5, 1.5, -2.0], np.float32)
    g = funcad.grad(lambda t: np.sum(np.float32(2.0) * np.sin(t) * 3.0))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 6 * np.cos(x), rtol=1e-6)
    assert funcad.grad(lambda t: np.sum(t * np.ones(3)))(x).dtype == np.float32
    # A float64 array operand promotes the output, not the cotangent of x.
    assert funcad.grad(lambda t: np.sum(np.ones(3) * t))(x).dtype == np.float32


def test_numpy_dispatch_under_make_jaxpr():
    x = np.array([[0.5, -1.0, 2.0]], np.float32)
    fns = [lambda t: np.sin(t), lambda t: np.sum(t, axis=0), lambda t: t * np.ones(3),
           lambda t: np.ones(3) * t, lambda t: np.float64(2.0) * t, lambda t: np.mean(t),
           lambda t: np.transpose(t), lambda t: np.maximum(t, 0.0), lambda t: np.cumsum(t)]
    for f in fns:
        check_against_numpy(f, f, x)


def test_unsupported_numpy_function_names_itself():
    window = np.lib.stride_tricks.sliding_window_view
    with pytest.raises(funcad.NotImplementedForTracerError, match=r"numpy\.sliding_window"):
        funcad.grad(lambda t: np.sum(window(t, 2)))(np.ones(4))
    with pytest.raises(funcad.NotImplementedForTracerError, match=r"numpy\.sliding_window"):
        funcad.make_jaxpr(lambda t: window(t, 2))(np.ones(4))
    with pytest.raises(funcad.NotImplementedForTracerError, match=r"numpy\.sin\.at"):
        funcad.grad(lambda t: np.sin.at(t, [0]))(np.ones(4))


# ----------------------------------------------------------------------------------------------
# The public namespaces hold their API and nothing else.


@pytest.mark.parametrize("module", [funcad, fnp, fnp.linalg, fnp.fft, funcad.scipy, special,
                                    funcad.lax, funcad.tree_util, funcad.test_util],
                         ids=lambda module: module.__name__)
def test_public_namespace_holds_only_the_api(module):
    """``__all__`` is the API: every name in it exists, and every public attribute is in it
    or is a submodule of the package, so no import or helper of the implementation leaks."""
    assert len(set(module.__all__)) == len(module.__all__)
    assert [name for name in module.__all__ if not hasattr(module, name)] == []
    # (names that are not identifiers are pytest's: it rewrites the asserts of modules
    # named test_*.py, funcad/test_util.py among them)
    leaked = [name for name in dir(module) if not name.startswith("_") and name.isidentifier()
              and name not in module.__all__
              and getattr(getattr(module, name), "__name__", None) != f"{module.__name__}.{name}"]
    assert leaked == []


def test_numpy_dispatch_reaches_only_the_api():
    """The NumPy functions a tracer answers for are funcad.numpy's (and its linalg's and
    fft's) API."""
    api = {id(getattr(fnp, name)) for name in fnp.__all__}
    api |= {id(getattr(fnp.linalg, name)) for name in fnp.linalg.__all__}
    api |= {id(getattr(fnp.fft, name)) for name in fnp.fft.__all__}
    dispatched = _tracer_methods._FUNCTIONS
    assert np.sum in dispatched and np.linalg.norm in dispatched
    assert [ours for ours in dispatched.values() if id(ours) not in api] == []
