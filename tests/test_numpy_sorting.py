"""Sorting and set operations in funcad.numpy, against NumPy (values, dtypes) and JAX (where
JAX's semantics differ: partition's order, ``size=``/``fill_value=`` padding), with
derivatives to second order, ``vmap`` against a loop over examples, and ``jit``.

JAX's results are recorded below (JAX 0.10.2 with ``jax_enable_x64``, index outputs read as
intp), so these tests run without JAX; ``test_recorded_values_match_jax`` recomputes them
when JAX is installed."""

from __future__ import annotations

import numpy as np
import pytest
import strategies as S
from assertions import assert_same
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import funcad
import funcad.numpy as fnp
from funcad import tree_util
from funcad.test_util import check_grads


def jax_result(fn, *args, **kwargs):
    """JAX's result as NumPy arrays, with JAX's int32 index outputs read as intp."""
    out = fn(*args, **kwargs)
    return tree_util.tree_map(
        lambda x: np.asarray(x).astype(np.intp) if np.asarray(x).dtype.kind in "iu"
        and np.asarray(x).dtype != np.asarray(args[0]).dtype else np.asarray(x), out)


def enable_jax_x64():
    """JAX with 64-bit types (the recorded values' setting), skipping without JAX."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax, pytest.importorskip("jax.numpy")


def padded(x, size, fill):
    """``x`` cut or padded with ``fill`` to ``size`` entries (the ``size=`` convention)."""
    x = np.asarray(x)
    return np.concatenate([x[:size], np.full(max(size - x.size, 0), fill, x.dtype)])


def check_vmap(f, xs, *rest) -> None:
    """vmap(f) over the first axis of ``xs`` equals the stacked per-example results."""
    batched = funcad.vmap(lambda x: f(x, *rest))(xs)
    looped = [f(x, *rest) for x in xs]
    expected = tree_util.tree_map(lambda *leaves: np.stack(leaves), *looped)
    assert_same(batched, expected)


def check_jit(f, *args) -> None:
    assert_same(funcad.jit(f)(*args), f(*args))


# ----------------------------------------------------------------------------------------------
# sort, argsort, lexsort


@given(st.data())
def test_sort_and_argsort_match_numpy(data):
    shape = data.draw(S.shapes(1, 3, 0, 4), label="shape")
    x = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(-3, 3)), label="x")
    axis = data.draw(st.sampled_from([None, -1, 0]), label="axis")
    assert_same(fnp.sort(x, axis=axis), np.sort(x, axis=axis, kind="stable"))
    assert_same(fnp.argsort(x, axis=axis), np.argsort(x, axis=axis, kind="stable"))
    # Descending, ties keep their order (JAX's stable descending sort; the recorded cases
    # below compare with JAX itself). The integers are small, so -x does not overflow.
    assert_same(fnp.argsort(x, axis=axis, descending=True),
                np.argsort(-x, axis=axis, kind="stable"))
    ascending = np.sort(x, axis=axis)
    assert_same(fnp.sort(x, axis=axis, descending=True),
                np.flip(ascending, axis=0 if axis is None else axis))


SORT_INPUTS = [
    np.array([1, -3, 1, 0], np.int64),
    np.array([[2, -1, 2, 0], [0, 0, -3, 2], [3, -1, -1, 3]], np.int64),
    np.array([[[1, 1], [0, -2], [3, 1]], [[-2, 1], [1, 1], [0, 3]]], np.int64),
    np.zeros((0,), np.int64),
    np.zeros((2, 0), np.int64),
    np.array([[3]], np.int64),
]
# (index into SORT_INPUTS, axis, JAX's argsort and sort of it with descending=True)
SORT_DESCENDING_JAX = [
    (0, None, np.array([0, 2, 3, 1], np.intp),
     np.array([1, 1, 0, -3], np.int64)),
    (0, -1, np.array([0, 2, 3, 1], np.intp),
     np.array([1, 1, 0, -3], np.int64)),
    (0, 0, np.array([0, 2, 3, 1], np.intp),
     np.array([1, 1, 0, -3], np.int64)),
    (1, None, np.array([8, 11, 0, 2, 7, 3, 4, 5, 1, 9, 10, 6], np.intp),
     np.array([3, 3, 2, 2, 2, 0, 0, 0, -1, -1, -1, -3], np.int64)),
    (1, -1, np.array([[0, 2, 3, 1], [3, 0, 1, 2], [0, 3, 1, 2]], np.intp),
     np.array([[2, 2, 0, -1], [2, 0, 0, -3], [3, 3, -1, -1]], np.int64)),
    (1, 0, np.array([[2, 1, 0, 2], [0, 0, 2, 1], [1, 2, 1, 0]], np.intp),
     np.array([[3, 0, 2, 3], [2, -1, -1, 2], [0, -1, -3, 0]], np.int64)),
    (2, None, np.array([4, 11, 0, 1, 5, 7, 8, 9, 2, 10, 3, 6], np.intp),
     np.array([3, 3, 1, 1, 1, 1, 1, 1, 0, 0, -2, -2], np.int64)),
    (2, -1, np.array([[[0, 1], [0, 1], [0, 1]], [[1, 0], [0, 1], [1, 0]]], np.intp),
     np.array([[[1, 1], [0, -2], [3, 1]], [[1, -2], [1, 1], [3, 0]]], np.int64)),
    (2, 0, np.array([[[0, 0], [1, 1], [0, 1]], [[1, 1], [0, 0], [1, 0]]], np.intp),
     np.array([[[1, 1], [1, 1], [3, 3]], [[-2, 1], [0, -2], [0, 1]]], np.int64)),
    (3, None, np.zeros((0,), np.intp),
     np.zeros((0,), np.int64)),
    (4, -1, np.zeros((2, 0), np.intp),
     np.zeros((2, 0), np.int64)),
    (4, 0, np.zeros((2, 0), np.intp),
     np.zeros((2, 0), np.int64)),
    (5, 0, np.array([[0]], np.intp),
     np.array([[3]], np.int64)),
]
# (kth, axis) as parametrized: JAX's partition and argpartition in
# test_partition_matches_jax_order (of its x, with its kth)
PARTITION_JAX = {
    (0, 0): (np.array([[1.0, 2.0, 0.0, 7.0], [17.0, 18.0, 12.0, 19.0], [14.0, 16.0, 10.0, 15.0],
                       [4.0, 8.0, 9.0, 13.0], [3.0, 6.0, 5.0, 11.0]], np.float64),
             np.array([[2, 4, 2, 2], [0, 0, 0, 0], [1, 1, 1, 1], [3, 2, 3, 3],
                       [4, 3, 4, 4]], np.intp)),
    (2, 0): (np.array([[6.0, 3.0, 0.0, 1.0], [7.0, 4.0, 13.0, 2.0], [11.0, 5.0, 15.0, 8.0],
                       [16.0, 10.0, 19.0, 18.0], [14.0, 9.0, 17.0, 12.0]], np.float64),
             np.array([[1, 0, 4, 4], [2, 4, 0, 1], [4, 3, 2, 3], [0, 1, 1, 0],
                       [3, 2, 3, 2]], np.intp)),
    (4, 0): (np.array([[0.0, 1.0, 11.0, 4.0], [8.0, 2.0, 13.0, 6.0], [10.0, 3.0, 15.0, 9.0],
                       [17.0, 5.0, 16.0, 12.0], [18.0, 7.0, 19.0, 14.0]], np.float64),
             np.array([[3, 1, 1, 2], [1, 0, 2, 1], [4, 3, 0, 0], [2, 2, 4, 3],
                       [0, 4, 3, 4]], np.intp)),
    (-1, 0): (np.array([[2.0, 10.0, 0.0, 1.0], [3.0, 13.0, 7.0, 5.0], [4.0, 15.0, 9.0, 8.0],
                        [6.0, 18.0, 11.0, 16.0], [12.0, 19.0, 14.0, 17.0]], np.float64),
              np.array([[0, 2, 3, 0], [3, 3, 4, 3], [1, 4, 2, 1], [2, 0, 0, 2],
                        [4, 1, 1, 4]], np.intp)),
    (-3, 0): (np.array([[0.0, 3.0, 2.0, 6.0], [1.0, 5.0, 7.0, 9.0], [4.0, 13.0, 8.0, 10.0],
                        [18.0, 17.0, 19.0, 15.0], [11.0, 16.0, 12.0, 14.0]], np.float64),
              np.array([[0, 4, 2, 3], [2, 1, 1, 1], [4, 0, 0, 0], [1, 2, 3, 2],
                        [3, 3, 4, 4]], np.intp)),
    (0, -1): (np.array([[3.0, 13.0, 12.0, 8.0], [10.0, 16.0, 15.0, 14.0], [0.0, 7.0, 6.0, 1.0],
                        [4.0, 19.0, 18.0, 5.0], [2.0, 17.0, 11.0, 9.0]], np.float64),
              np.array([[0, 1, 2, 3], [2, 0, 1, 3], [2, 0, 1, 3], [0, 1, 2, 3],
                        [1, 0, 2, 3]], np.intp)),
    (2, -1): (np.array([[3.0, 12.0, 13.0, 14.0], [2.0, 6.0, 9.0, 17.0], [7.0, 10.0, 15.0, 18.0],
                        [5.0, 8.0, 16.0, 19.0], [0.0, 1.0, 4.0, 11.0]], np.float64),
              np.array([[1, 3, 2, 0], [3, 0, 1, 2], [0, 1, 2, 3], [1, 3, 0, 2],
                        [2, 3, 1, 0]], np.intp)),
    (4, -1): (np.array([[2.0, 9.0, 15.0, 18.0], [1.0, 6.0, 8.0, 11.0], [4.0, 5.0, 13.0, 17.0],
                        [0.0, 3.0, 12.0, 19.0], [7.0, 10.0, 14.0, 16.0]], np.float64),
              np.array([[1, 3, 2, 0], [1, 3, 0, 2], [3, 1, 2, 0], [0, 1, 3, 2],
                        [1, 0, 3, 2]], np.intp)),
    (-1, -1): (np.array([[1.0, 2.0, 11.0, 18.0], [4.0, 8.0, 14.0, 19.0], [6.0, 9.0, 10.0, 16.0],
                         [0.0, 3.0, 5.0, 13.0], [7.0, 12.0, 15.0, 17.0]], np.float64),
               np.array([[3, 0, 2, 1], [0, 3, 2, 1], [0, 2, 1, 3], [2, 0, 3, 1],
                         [2, 0, 1, 3]], np.intp)),
    (-3, -1): (np.array([[0.0, 8.0, 13.0, 10.0], [5.0, 7.0, 18.0, 9.0], [1.0, 2.0, 16.0, 15.0],
                         [6.0, 11.0, 19.0, 17.0], [3.0, 4.0, 14.0, 12.0]], np.float64),
               np.array([[0, 2, 1, 3], [1, 2, 0, 3], [0, 2, 1, 3], [3, 0, 1, 2],
                         [1, 0, 2, 3]], np.intp)),
}


@pytest.mark.parametrize("case", SORT_DESCENDING_JAX, ids=range(len(SORT_DESCENDING_JAX)))
def test_sort_and_argsort_descending_match_jax(case):
    index, axis, jax_argsort, jax_sort = case
    x = SORT_INPUTS[index]
    assert_same(fnp.argsort(x, axis=axis, descending=True), jax_argsort)
    assert_same(fnp.sort(x, axis=axis, descending=True), jax_sort)


def test_sort_refuses_order_and_unknown_kind():
    with pytest.raises(ValueError, match="order"):
        fnp.sort(np.arange(3), order="a")
    with pytest.raises(ValueError, match="kind"):
        fnp.argsort(np.arange(3), kind="bogo")
    assert_same(fnp.sort(np.array([2, 1]), kind="quicksort"), np.array([1, 2]))
    assert fnp.argsort(np.array([2, 1]), dtype=np.int32).dtype == np.int32


@given(st.data())
def test_sort_gradients(data):
    shape = data.draw(S.shapes(0, 3, 0, 4), label="shape")
    (x,) = data.draw(S.distinct_arrays((shape,)), label="x")
    axes = [None] + list(range(-len(shape), len(shape)))
    axis = data.draw(st.sampled_from(axes), label="axis")
    descending = data.draw(st.booleans(), label="descending")
    check_grads(lambda a: fnp.sort(a, axis=axis, descending=descending), (x,), order=2,
                modes=("rev", "fwd"))
    if shape and 0 not in shape:
        length = x.size if axis is None else shape[axis]
        kth = data.draw(st.integers(0, length - 1), label="kth")
        check_grads(lambda a: fnp.partition(a, kth, axis=axis), (x,), order=2,
                    modes=("rev", "fwd"))


def test_lexsort_matches_numpy():
    rng = np.random.default_rng(1)
    keys = rng.integers(0, 3, (3, 10))
    assert_same(fnp.lexsort(keys), np.lexsort(keys))
    assert_same(fnp.lexsort([keys[0], keys[1]]), np.lexsort([keys[0], keys[1]]))
    grid = rng.integers(0, 2, (2, 3, 4))
    assert_same(fnp.lexsort(grid, axis=0), np.lexsort(grid, axis=0))
    assert_same(fnp.lexsort(grid, axis=-1), np.lexsort(grid, axis=-1))
    with pytest.raises(TypeError, match="keys"):
        fnp.lexsort([])
    with pytest.raises(ValueError, match="same shape"):
        fnp.lexsort([np.arange(3), np.arange(4)])
    check_vmap(lambda k: fnp.lexsort(k), rng.integers(0, 3, (4, 2, 6)))
    check_jit(lambda k: fnp.lexsort(k), keys)


def test_lexsort_orders_differentiable_gathers():
    primary, secondary = np.array([1.0, 0.0, 1.0, 0.0]), np.array([0.3, 0.1, 0.2, 0.4])
    order = fnp.lexsort([secondary, primary])
    check_grads(lambda s: fnp.take(s, fnp.lexsort([s, primary])), (secondary,), order=2,
                modes=("rev", "fwd"))
    assert_same(order, np.lexsort([secondary, primary]))


# ----------------------------------------------------------------------------------------------
# partition, argpartition (JAX's order), sort_complex


@pytest.mark.parametrize("kth", [0, 2, 4, -1, -3])
@pytest.mark.parametrize("axis", [0, -1])
def test_partition_matches_jax_order(kth, axis):
    rng = np.random.default_rng(kth + 7)
    x = rng.permutation(20).reshape(5, 4).astype(np.float64) if axis == -1 else \
        rng.permutation(20).reshape(5, 4).astype(np.float64)
    parametrized_kth = kth
    if abs(kth) >= x.shape[axis] and kth >= 0:
        kth = x.shape[axis] - 1
    jax_partition, jax_argpartition = PARTITION_JAX[parametrized_kth, axis]
    assert_same(fnp.partition(x, kth, axis), jax_partition)
    assert_same(fnp.argpartition(x, kth, axis), jax_argpartition)
    # NumPy's promise holds too: the kth element is in its sorted place.
    assert_same(np.take(fnp.partition(x, kth, axis), kth, axis),
                np.take(np.sort(x, axis), kth, axis))


PARTITION_TIES_JAX = np.array([0, 1, 1, 1, 3, 3, 2], np.int64)  # JAX's partition(x, 3)


def test_partition_with_ties_and_integers():
    x = np.array([3, 1, 3, 2, 1, 1, 0])
    assert_same(fnp.partition(x, 3), PARTITION_TIES_JAX)
    parts = fnp.argpartition(x, 3)
    assert sorted(parts.tolist()) == list(range(7))
    assert_same(np.take(x, parts)[:4], np.sort(x)[:4])


def test_partition_gradients_batching_and_errors():
    x = np.array([[0.5, -1.0, 2.0, 0.1], [1.5, 0.3, -0.7, 0.9]])
    check_grads(lambda a: fnp.partition(a, 1), (x,), order=2, modes=("rev", "fwd"))
    check_grads(lambda a: fnp.partition(a, 0, axis=0), (x,), order=2, modes=("rev", "fwd"))
    check_vmap(lambda a: fnp.partition(a, 2), x)
    check_vmap(lambda a: fnp.argpartition(a, 1), x)
    check_jit(lambda a: fnp.partition(a, 2), x)
    with pytest.raises(ValueError, match="kth"):
        fnp.partition(x, 4)
    with pytest.raises(TypeError, match="kth"):
        fnp.partition(x, [1, 2])
    with pytest.raises(ValueError, match="kind"):
        fnp.partition(x, 1, kind="quickselect")
    with pytest.raises(ValueError, match="order"):
        fnp.argpartition(x, 1, order="f")
    assert_same(fnp.partition(x, 1, kind="introselect"), fnp.partition(x, 1))
    assert_same(fnp.partition(x, 5, axis=None), fnp.partition(x.ravel(), 5))
    assert_same(fnp.argpartition(x, 5, axis=None), fnp.argpartition(x.ravel(), 5))


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.float32, np.float64, np.complex64])
def test_sort_complex_dtypes(dtype):
    x = np.array([3, 1, 2, 1], dtype)
    if np.dtype(dtype).kind == "c":
        x = x + np.array([0, 2, 0, -1], dtype) * 1j
    assert_same(fnp.sort_complex(x), np.sort_complex(x))


def test_sort_complex_gradient():
    z = np.array([1.0 + 2.0j, -0.5 + 0.1j, 0.7 - 1.0j])
    check_grads(fnp.sort_complex, (z,), order=2, modes=("rev", "fwd"))
    check_grads(fnp.sort_complex, (np.array([0.3, -1.0, 2.0]),), order=2, modes=("rev",))


# ----------------------------------------------------------------------------------------------
# searchsorted


@given(st.data())
def test_searchsorted_matches_numpy(data):
    a = np.sort(data.draw(hnp.arrays(np.float64, st.integers(0, 6),
                                     elements=st.sampled_from([0.0, 0.5, 1.0, 2.0])), label="a"))
    v = data.draw(hnp.arrays(np.float64, S.shapes(0, 2),
                             elements=st.sampled_from([-1.0, 0.0, 0.5, 1.5, 2.0, 3.0])),
                  label="v")
    side = data.draw(st.sampled_from(["left", "right"]), label="side")
    method = data.draw(st.sampled_from(["scan", "scan_unrolled", "sort", "compare_all"]))
    assert_same(fnp.searchsorted(a, v, side=side, method=method), np.searchsorted(a, v, side))


def test_searchsorted_sorter_batching_jit_and_errors():
    rng = np.random.default_rng(3)
    a = rng.standard_normal(6)
    sorter = np.argsort(a)
    v = np.array([-0.5, 0.0, 1.0])
    assert_same(fnp.searchsorted(a, v, sorter=sorter), np.searchsorted(a, v, sorter=sorter))
    rows = np.sort(rng.standard_normal((4, 5)), axis=1)
    values = rng.standard_normal((4, 3))
    check_vmap(lambda r, x: fnp.searchsorted(r, x), rows, values[0])
    batched = funcad.vmap(fnp.searchsorted)(rows, values)
    assert_same(batched, np.stack([np.searchsorted(r, x) for r, x in zip(rows, values)]))
    batched = funcad.vmap(lambda x: fnp.searchsorted(rows[0], x, side="right"))(values)
    assert_same(batched, np.searchsorted(rows[0], values, side="right"))
    nested = funcad.vmap(funcad.vmap(fnp.searchsorted, in_axes=(None, 0)))(rows, values[:, :, None])
    assert_same(nested, np.stack([np.searchsorted(r, x[:, None]) for r, x in zip(rows, values)]))
    check_jit(lambda x: fnp.searchsorted(rows[1], x), values)
    # No derivative: the positions are integers, and a gradient through a gather at them is
    # the gather's.
    assert_same(funcad.grad(lambda x: fnp.searchsorted(rows[0], x).sum() * 0.0 + x.sum())(v),
                np.ones(3))
    with pytest.raises(ValueError, match="side"):
        fnp.searchsorted(a, v, side="middle")
    with pytest.raises(ValueError, match="method"):
        fnp.searchsorted(a, v, method="guess")
    with pytest.raises(ValueError, match="1-dimensional"):
        fnp.searchsorted(rows, v)


# ----------------------------------------------------------------------------------------------
# unique and its array-API forms


UNIQUE_INPUTS = [
    np.array([3, 1, 3, 2, 1, 1]),
    np.array([[1, 2], [1, 2], [0, 5]]),
    np.array([np.nan, 1.0, np.nan, 2.0, 1.0]),
    np.array([0.5, -1.0, 0.5]),
    np.array(3.0),
    np.zeros(0),
]
UNIQUE_VALUES_JAX = [  # JAX's unique_values of each of UNIQUE_INPUTS
    np.array([1, 2, 3], np.int64),
    np.array([0, 1, 2, 5], np.int64),
    np.array([1.0, 2.0, np.nan, np.nan], np.float64),
    np.array([-1.0, 0.5], np.float64),
    np.array([3.0], np.float64),
    np.zeros((0,), np.float64),
]


@pytest.mark.parametrize("x, jax_values", list(zip(UNIQUE_INPUTS, UNIQUE_VALUES_JAX)),
                         ids=range(len(UNIQUE_INPUTS)))
@pytest.mark.parametrize("equal_nan", [True, False])
def test_unique_matches_numpy(x, jax_values, equal_nan):
    flags = dict(return_index=True, return_inverse=True, return_counts=True)
    assert_same(fnp.unique(x, **flags, equal_nan=equal_nan),
                np.unique(x, **flags, equal_nan=equal_nan))
    assert_same(fnp.unique(x), np.unique(x))
    assert_same(fnp.unique(x, return_counts=True), np.unique(x, return_counts=True))
    for name in ("unique_all", "unique_counts", "unique_inverse"):
        ours, numpys = getattr(fnp, name)(x), getattr(np, name)(x)
        assert_same(ours, numpys)
        assert ours._fields == numpys._fields
    # NumPy 2.4's unique_values is in hash order; JAX's (and funcad's) is sorted.
    assert_same(fnp.unique_values(x), jax_values)


UNIQUE_AXIS_INPUT = np.array([[1, 2, 1], [1, 2, 1], [0, 5, 0], [1, 2, 1]])
# axis: JAX's unique(UNIQUE_AXIS_INPUT, axis=axis) values, index, inverse and counts
UNIQUE_AXIS_JAX = {
    0: (np.array([[0, 5, 0], [1, 2, 1]], np.int64), np.array([2, 0], np.intp),
        np.array([1, 1, 0, 1], np.intp), np.array([1, 3], np.intp)),
    1: (np.array([[1, 2], [1, 2], [0, 5], [1, 2]], np.int64), np.array([0, 1], np.intp),
        np.array([0, 1, 0], np.intp), np.array([2, 1], np.intp)),
    -1: (np.array([[1, 2], [1, 2], [0, 5], [1, 2]], np.int64), np.array([0, 1], np.intp),
         np.array([0, 1, 0], np.intp), np.array([2, 1], np.intp)),
}


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unique_along_an_axis_matches_numpy(axis):
    x = UNIQUE_AXIS_INPUT
    flags = dict(return_index=True, return_inverse=True, return_counts=True)
    assert_same(fnp.unique(x, axis=axis, **flags), UNIQUE_AXIS_JAX[axis])
    assert_same(fnp.unique(x, axis=axis), np.unique(x, axis=axis))
    assert_same(fnp.unique(np.zeros((3, 0)), axis=0, return_counts=True),
                np.unique(np.zeros((3, 0)), axis=0, return_counts=True))


@given(st.data())
def test_unique_random_integers_match_numpy(data):
    x = data.draw(hnp.arrays(np.int64, S.shapes(0, 2, 0, 5), elements=st.integers(-2, 2)))
    flags = dict(return_index=True, return_inverse=True, return_counts=True)
    assert_same(fnp.unique(x, **flags), np.unique(x, **flags))
    size = data.draw(st.integers(1, 6), label="size")
    if x.size:
        values, index, inverse, counts = np.unique(x, **flags)
        assert_same(fnp.unique(x, size=size, **flags),
                    (padded(values, size, values[0]), padded(index, size, index[0]), inverse,
                     padded(counts, size, 0)))
        assert_same(fnp.unique(x, size=size, fill_value=-9, **flags)[0],
                    padded(values, size, -9))
    else:
        # Every padded output has size entries (JAX's indices and counts have none here).
        values, index, inverse, counts = fnp.unique(x, size=size, fill_value=-9, **flags)
        assert_same((values, index, inverse, counts),
                    (np.full(size, -9), np.zeros(size, np.intp), np.zeros(x.shape, np.intp),
                     np.zeros(size, np.intp)))


UNIQUE_SIZE_INPUT = np.array([3.0, 1.0, 3.0, 2.0, 1.0, 1.0])
# (size, fill_value): JAX's unique(UNIQUE_SIZE_INPUT, size=, fill_value=) values, index,
# inverse and counts; JAX's unique_all is these four, unique_counts values and counts,
# unique_inverse values and inverse, and unique_values the values.
UNIQUE_SIZE_JAX = {
    (2, None): (np.array([1.0, 2.0], np.float64), np.array([1, 3], np.intp),
                np.array([2, 0, 2, 1, 0, 0], np.intp), np.array([3, 1], np.intp)),
    (2, -9.0): (np.array([1.0, 2.0], np.float64), np.array([1, 3], np.intp),
                np.array([2, 0, 2, 1, 0, 0], np.intp), np.array([3, 1], np.intp)),
    (5, None): (np.array([1.0, 2.0, 3.0, 1.0, 1.0], np.float64),
                np.array([1, 3, 0, 1, 1], np.intp), np.array([2, 0, 2, 1, 0, 0], np.intp),
                np.array([3, 1, 2, 0, 0], np.intp)),
    (5, -9.0): (np.array([1.0, 2.0, 3.0, -9.0, -9.0], np.float64),
                np.array([1, 3, 0, 1, 1], np.intp), np.array([2, 0, 2, 1, 0, 0], np.intp),
                np.array([3, 1, 2, 0, 0], np.intp)),
}


def unique_forms(result):
    """``unique_all``, ``unique_counts``, ``unique_inverse`` and ``unique_values`` from
    ``unique``'s values, index, inverse and counts."""
    values, index, inverse, counts = result
    return {"unique_all": (values, index, inverse, counts), "unique_counts": (values, counts),
            "unique_inverse": (values, inverse), "unique_values": values}


@pytest.mark.parametrize("size", [2, 5])
@pytest.mark.parametrize("fill_value", [None, -9.0])
def test_unique_with_size_matches_jax(size, fill_value):
    x = UNIQUE_SIZE_INPUT
    flags = dict(return_index=True, return_inverse=True, return_counts=True)
    expected = UNIQUE_SIZE_JAX[size, fill_value]
    assert_same(fnp.unique(x, size=size, fill_value=fill_value, **flags), expected)
    for name, jax_form in unique_forms(expected).items():
        assert_same(getattr(fnp, name)(x, size=size, fill_value=fill_value), jax_form)


UNIQUE_GRAD_JAX = np.array([2.0, 1.0, 0.0, 3.0, 0.0], np.float64)


def test_unique_values_are_differentiable():
    v = np.array([2.0, 1.0, 2.0, 3.0, 1.0])
    w = np.arange(1.0, 4.0)
    # The gradient goes to each value's first occurrence (JAX's with size=; JAX's is zero
    # without it).
    expected = UNIQUE_GRAD_JAX  # jax.grad(lambda v: (jnp.unique(v, size=3) * w).sum())(v)
    assert_same(funcad.grad(lambda v: (fnp.unique(v) * w).sum())(v), expected)
    assert_same(funcad.grad(lambda v: (fnp.unique(v, size=3) * w).sum())(v), expected)
    distinct = np.array([0.3, -1.2, 0.8, 2.0])
    check_grads(fnp.unique, (distinct,), order=2, modes=("rev", "fwd"))
    check_grads(lambda a: fnp.unique(a, size=6, fill_value=0.0), (distinct,), order=2,
                modes=("rev", "fwd"))
    check_grads(lambda a: fnp.unique(a, axis=0), (distinct.reshape(2, 2),), order=2,
                modes=("rev", "fwd"))


def test_unique_with_size_under_jit_and_vmap():
    xs = np.array([[3.0, 1.0, 3.0, 2.0], [0.0, 0.0, 0.0, 0.0], [4.0, 3.0, 2.0, 1.0]])

    def f(x):
        return fnp.unique(x, size=3, fill_value=-1.0, return_index=True,
                          return_inverse=True, return_counts=True)

    check_vmap(f, xs)
    check_jit(f, xs[0])
    check_vmap(lambda x: fnp.unique_all(x, size=4), xs)
    check_vmap(lambda x: fnp.isin(x, np.array([1.0, 3.0])), xs)


def test_unique_without_size_needs_concrete_values():
    with pytest.raises(funcad.ConcretizationTypeError, match="size="):
        funcad.jit(fnp.unique)(np.arange(3.0))
    with pytest.raises(funcad.ConcretizationTypeError, match="size="):
        funcad.vmap(fnp.unique)(np.ones((2, 3)))
    with pytest.raises(funcad.ConcretizationTypeError, match="size="):
        funcad.jit(lambda a: fnp.union1d(a, a))(np.arange(3.0))
    with pytest.raises(ValueError, match="fill_value"):
        fnp.unique(np.zeros(0), size=2)
    with pytest.raises(TypeError, match="size"):
        funcad.jit(lambda n: fnp.unique(np.arange(3), size=n))(2)


# ----------------------------------------------------------------------------------------------
# union1d, intersect1d, setdiff1d, setxor1d, isin

SET_PAIRS = [
    (np.array([1, 2, 3, 3]), np.array([3, 2, 7])),
    (np.array([5, 1, 2, 2, 5]), np.array([2, 5, 5, 0])),
    (np.array([1, 2]), np.array([3, 7])),
    (np.array([[1, 2]]), np.array([[2]])),
    (np.zeros(0), np.array([1.0])),
    (np.array([0.5, np.nan]), np.array([np.nan, 0.5, 1.5])),
]


@pytest.mark.parametrize("pair", SET_PAIRS, ids=range(len(SET_PAIRS)))
def test_set_operations_match_numpy(pair):
    a, b = pair
    for name in ("union1d", "intersect1d", "setdiff1d", "setxor1d"):
        assert_same(getattr(fnp, name)(a, b), getattr(np, name)(a, b))
        assert_same(getattr(fnp, name)(b, a), getattr(np, name)(b, a))
    assert_same(fnp.intersect1d(a, b, return_indices=True),
                np.intersect1d(a, b, return_indices=True))
    assert_same(fnp.isin(a, b), np.isin(a, b))
    assert_same(fnp.isin(a, b, invert=True), np.isin(a, b, invert=True))


@given(st.data())
def test_set_operations_random_integers(data):
    a = data.draw(hnp.arrays(np.int64, st.integers(0, 6), elements=st.integers(-3, 3)))
    b = data.draw(hnp.arrays(np.int64, S.shapes(0, 2, 0, 3), elements=st.integers(-3, 3)))
    for name in ("union1d", "intersect1d", "setdiff1d", "setxor1d"):
        assert_same(getattr(fnp, name)(a, b), getattr(np, name)(a, b))
    assert_same(fnp.intersect1d(a, b, return_indices=True),
                np.intersect1d(a, b, return_indices=True))
    assert_same(fnp.isin(b, a), np.isin(b, a))
    size = data.draw(st.integers(1, 7), label="size")
    for name in ("union1d", "setdiff1d", "setxor1d"):
        expected = getattr(np, name)(a, b)
        default = 0 if name == "setdiff1d" or not expected.size else expected[0]
        if name == "union1d" and not expected.size:
            with pytest.raises(ValueError, match="fill_value"):
                fnp.union1d(a, b, size=size)
            continue
        assert_same(getattr(fnp, name)(a, b, size=size), padded(expected, size, default))
        assert_same(getattr(fnp, name)(a, b, size=size, fill_value=9),
                    padded(expected, size, 9))
    values, index1, index2 = np.intersect1d(a, b, return_indices=True)
    assert_same(fnp.intersect1d(a, b, size=size, fill_value=-1, return_indices=True),
                (padded(values, size, -1), padded(index1, size, a.size),
                 padded(index2, size, b.size)))


# (a, b, size): JAX's intersect1d(a, b, size=size, return_indices=True)
INTERSECT1D_SIZE_JAX = [
    (np.array([1, 2, 3, 3]), np.array([3, 2, 7]), 4,
     (np.array([2, 3, 2, 2], np.int64), np.array([1, 2, 4, 4], np.intp),
      np.array([1, 0, 3, 3], np.intp))),
    (np.array([1, 2]), np.array([3, 7]), 2,
     (np.array([0, 0], np.int64), np.array([2, 2], np.intp), np.array([2, 2], np.intp))),
]


def test_intersect1d_with_size_defaults_match_jax():
    for a, b, size, expected in INTERSECT1D_SIZE_JAX:
        assert_same(fnp.intersect1d(a, b, size=size, return_indices=True), expected)


@pytest.mark.parametrize("pair", [
    (np.array([0.5, np.nan, 2.0]), np.array([np.nan, 0.5])),
    (np.array([np.nan, 1.0, np.nan]), np.array([np.nan, 2.0])),
    (np.array([np.nan, np.nan]), np.array([1.0])),
    (np.array([1.0 + np.nan * 1j, 2.0]), np.array([2.0 + 0j, np.nan])),
])
def test_set_operations_nan(pair):
    # NaNs are one value within each array and never equal across them, as in NumPy.
    a, b = pair
    for name in ("union1d", "intersect1d", "setdiff1d", "setxor1d", "isin"):
        assert_same(getattr(fnp, name)(a, b), getattr(np, name)(a, b))
        assert_same(getattr(fnp, name)(b, a), getattr(np, name)(b, a))


def test_set_operation_gradients_and_transformations():
    a, b = np.array([0.3, -1.2, 0.8, 2.0]), np.array([2.5, -0.4])
    for name in ("union1d", "setdiff1d", "setxor1d"):
        fn = getattr(fnp, name)
        check_grads(lambda x, y, fn=fn: fn(x, y), (a, b), order=2, modes=("rev", "fwd"))
        check_grads(lambda x, y, fn=fn: fn(x, y, size=7, fill_value=0.0), (a, b), order=2,
                    modes=("rev", "fwd"))
        check_jit(lambda x, y, fn=fn: fn(x, y, size=5), a, b)
        check_vmap(lambda x, fn=fn: fn(x, b, size=5), np.stack([a, a[::-1] + 1.0]))
    shared = np.array([0.3, 2.5, 1.0])
    # Common values are gathered from ar1 (its first occurrence), so the gradient is there
    # (finite differences cannot check it: a perturbed value leaves the intersection).
    assert_same(funcad.grad(lambda x: fnp.intersect1d(x, shared).sum())(a),
                np.array([1.0, 0.0, 0.0, 0.0]))
    assert_same(funcad.grad(lambda y: fnp.intersect1d(np.array([0.3, 0.3]), y, size=2).sum())(
        shared), np.zeros(3))
    ints_a, ints_b = np.array([[1, 2, 3, 3], [5, 5, 1, 0]]), np.array([3, 2, 5])
    check_vmap(lambda x: fnp.intersect1d(x, ints_b, size=3, return_indices=True), ints_a)
    check_jit(lambda x: fnp.intersect1d(x, ints_b, size=3, return_indices=True), ints_a[0])
    check_jit(lambda x: fnp.isin(x, ints_b, invert=True), ints_a)
    with pytest.raises(ValueError, match="method"):
        fnp.isin(a, b, method="magic")
    with pytest.raises(ValueError, match="kind"):
        fnp.isin(a, b, kind="hash")
    assert_same(fnp.isin(ints_a, ints_b, kind="sort"), np.isin(ints_a, ints_b, kind="sort"))


def test_numpy_functions_dispatch_on_tracers():
    x = np.array([0.3, -1.0, 2.0, -1.0])
    assert_same(funcad.grad(lambda a: np.sort(a)[1] * 2.0)(x), np.array([0.0, 0.0, 0.0, 2.0]))
    assert_same(funcad.grad(lambda a: np.unique(a).sum())(x), np.array([1.0, 1.0, 1.0, 0.0]))
    assert_same(funcad.grad(lambda a: np.partition(a, 1)[0])(x), np.array([0.0, 1.0, 0.0, 0.0]))
    assert_same(funcad.jit(lambda a: np.searchsorted(np.sort(a), 0.0))(x), np.intp(2))
    assert_same(funcad.jit(lambda a: np.isin(a, a[:1]))(x), np.array([True, False, False,
                                                                       False]))
    assert_same(fnp.unique(x, sorted=False), np.unique(x))
    assert_same(funcad.jit(funcad.grad(lambda a: fnp.unique(a, size=2).sum()))(x),
                np.array([1.0, 1.0, 0.0, 0.0]))


# ----------------------------------------------------------------------------------------------
# The recorded JAX values, recomputed (only where JAX is installed)


def test_recorded_values_match_jax():
    jax, jnp = enable_jax_x64()
    for index, axis, jax_argsort, jax_sort in SORT_DESCENDING_JAX:
        x = SORT_INPUTS[index]
        assert_same(jax_result(jnp.argsort, x, axis=axis, descending=True), jax_argsort)
        assert_same(jax_result(jnp.sort, x, axis=axis, descending=True), jax_sort)
    for (kth, axis), (jax_partition, jax_argpartition) in PARTITION_JAX.items():
        x = np.random.default_rng(kth + 7).permutation(20).reshape(5, 4).astype(np.float64)
        kth = min(kth, x.shape[axis] - 1)  # as test_partition_matches_jax_order clips it
        assert_same(np.asarray(jnp.partition(x, kth, axis)), jax_partition)
        assert_same(np.asarray(jnp.argpartition(x, kth, axis)).astype(np.intp),
                    jax_argpartition)
    assert_same(np.asarray(jnp.partition(np.array([3, 1, 3, 2, 1, 1, 0]), 3)),
                PARTITION_TIES_JAX)
    for x, jax_values in zip(UNIQUE_INPUTS, UNIQUE_VALUES_JAX):
        assert_same(jax_result(jnp.unique_values, x), jax_values)
    flags = dict(return_index=True, return_inverse=True, return_counts=True)
    for axis, expected in UNIQUE_AXIS_JAX.items():
        assert_same(jax_result(jnp.unique, UNIQUE_AXIS_INPUT, axis=axis, **flags), expected)
    for (size, fill_value), expected in UNIQUE_SIZE_JAX.items():
        assert_same(jax_result(jnp.unique, UNIQUE_SIZE_INPUT, size=size,
                               fill_value=fill_value, **flags), expected)
        for name, jax_form in unique_forms(expected).items():
            assert_same(jax_result(getattr(jnp, name), UNIQUE_SIZE_INPUT, size=size,
                                   fill_value=fill_value), jax_form)
    v, w = np.array([2.0, 1.0, 2.0, 3.0, 1.0]), np.arange(1.0, 4.0)
    assert_same(np.asarray(jax.grad(lambda v: (jnp.unique(v, size=3) * w).sum())(v)),
                UNIQUE_GRAD_JAX)
    for a, b, size, expected in INTERSECT1D_SIZE_JAX:
        assert_same(jax_result(jnp.intersect1d, a, b, size=size, return_indices=True),
                    expected)


@given(st.data())
def test_descending_sort_matches_jax(data):
    _, jnp = enable_jax_x64()
    shape = data.draw(S.shapes(1, 3, 0, 4), label="shape")
    x = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(-3, 3)), label="x")
    axis = data.draw(st.sampled_from([None, -1, 0]), label="axis")
    assert_same(fnp.argsort(x, axis=axis, descending=True),
                jax_result(jnp.argsort, x, axis=axis, descending=True))
    assert_same(fnp.sort(x, axis=axis, descending=True),
                jax_result(jnp.sort, x, axis=axis, descending=True))
