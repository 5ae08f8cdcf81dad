"""funcad.numpy's shape functions against NumPy: joins, splits, flips, rolls, ``pad`` in every
mode, ``repeat``, ``insert``/``delete``, ``reshape(order="F")``...

Each case is written once for both modules (``f(np, x)`` and ``f(fnp, x)``) and checked on
random shapes for NumPy's values, shape and dtype, for second-order derivatives in both modes
(``check_grads``), and for agreement under ``vmap`` (with the per-example results stacked) and
``jit``. Then the errors NumPy raises, and NumPy's dispatch of these functions on tracers.
"""

from __future__ import annotations

import numpy as np
import pytest
import strategies as S
from assertions import assert_same
from hypothesis import given, note
from hypothesis import strategies as st

import funcad
import funcad.numpy as fnp
from funcad import tree_util
from funcad.test_util import check_grads


def _pairs(ndim, widths):
    """One pair per axis, cycling through ``widths`` (one pair for all, for a 0-d array)."""
    if ndim == 0:
        return widths[0]
    return tuple(widths[i % len(widths)] for i in range(ndim))


# name -> (function of (module, x), smallest rank, whether size-0 axes are allowed; None: no
# size-0 axes and distinct values, for functions with kinks at ties)
CASES = {
    "pad_constant": (lambda m, x: m.pad(x, _pairs(x.ndim, [(1, 2), (0, 1)]),
                                        constant_values=_pairs(x.ndim, [(-1.5, 2.0), (3, 4)])),
                     0, True),
    "pad_constant_int_width": (lambda m, x: m.pad(x, 2), 0, True),
    "pad_edge": (lambda m, x: m.pad(x, _pairs(x.ndim, [(2, 1), (0, 3)]), mode="edge"), 0, False),
    "pad_linear_ramp": (lambda m, x: m.pad(x, _pairs(x.ndim, [(3, 1), (2, 0)]),
                                           mode="linear_ramp", end_values=(1.5, -2.0)), 0,
                        False),
    "pad_maximum": (lambda m, x: m.pad(x, (2, 1), mode="maximum", stat_length=2), 0, None),
    "pad_minimum": (lambda m, x: m.pad(x, (1, 2), mode="minimum"), 0, None),
    "pad_mean": (lambda m, x: m.pad(x, (2, 2), mode="mean", stat_length=(1, 3)), 0, False),
    # (along one axis: the medians of padded rows could tie)
    "pad_median": (lambda m, x: m.pad(x, ((0, 0),) * (x.ndim - 1) + ((1, 2),), mode="median"),
                   1, None),
    "pad_reflect": (lambda m, x: m.pad(x, _pairs(x.ndim, [(5, 2), (1, 7)]), mode="reflect"), 0,
                    False),
    "pad_reflect_odd": (lambda m, x: m.pad(x, _pairs(x.ndim, [(5, 2), (1, 7)]), mode="reflect",
                                           reflect_type="odd"), 0, False),
    "pad_symmetric": (lambda m, x: m.pad(x, _pairs(x.ndim, [(6, 1), (0, 4)]),
                                         mode="symmetric"), 0, False),
    "pad_symmetric_odd": (lambda m, x: m.pad(x, (4, 5), mode="symmetric", reflect_type="odd"),
                          0, False),
    "pad_wrap": (lambda m, x: m.pad(x, _pairs(x.ndim, [(5, 2), (1, 0)]), mode="wrap"), 0, False),
    "append": (lambda m, x: m.append(x, m.ones(3)), 0, True),
    "append_axis": (lambda m, x: m.append(x, x[:1] * 2, axis=0), 1, True),
    "insert": (lambda m, x: m.insert(x, 1, 7.0), 0, False),
    "insert_axis": (lambda m, x: m.insert(x, [0, 1], x[:1] * 2, axis=0), 1, False),
    "delete": (lambda m, x: m.delete(x, [0, -1]), 0, False),
    "delete_axis": (lambda m, x: m.delete(x, slice(None, None, 2), axis=-1), 1, True),
    "array_split": (lambda m, x: m.array_split(x, 3, axis=0), 1, True),
    "split_indices": (lambda m, x: m.split(x, [1, 3], axis=-1), 1, True),
    "hsplit": (lambda m, x: m.hsplit(x, [1]), 1, True),
    "vsplit": (lambda m, x: m.vsplit(x, [2]), 2, True),
    "dsplit": (lambda m, x: m.dsplit(x, [1]), 3, True),
    "column_stack": (lambda m, x: m.column_stack([x, x * 2]), 1, True),
    "dstack": (lambda m, x: m.dstack([x, -x]), 0, True),
    "stack_axis": (lambda m, x: m.stack([x, x * 3], axis=-1), 0, True),
    "unstack": (lambda m, x: m.unstack(x, axis=-1), 1, True),
    "concat": (lambda m, x: m.concat([x, x + 1], axis=0), 1, True),
    "block": (lambda m, x: m.block([[m.atleast_2d(x), m.atleast_2d(x) * 2],
                                    [m.atleast_2d(x) - 1, m.atleast_2d(x)]]), 0, True),
    "flip": (lambda m, x: m.flip(x), 0, True),
    "fliplr": (lambda m, x: m.fliplr(x), 2, True),
    "flipud": (lambda m, x: m.flipud(x), 1, True),
    "rot90": (lambda m, x: m.rot90(x), 2, True),
    "rot90_k3": (lambda m, x: m.rot90(x, 3, axes=(-1, 0)), 2, True),
    "rot90_k2": (lambda m, x: m.rot90(x, -2), 2, True),
    "roll": (lambda m, x: m.roll(x, 2), 0, True),
    "roll_axes": (lambda m, x: m.roll(x, (1, -3), (0, -1)), 1, True),
    "repeat": (lambda m, x: m.repeat(x, 2, axis=0), 1, True),
    "repeat_array": (lambda m, x: m.repeat(x, np.arange(x.size) % 3, axis=None), 0, True),
    "repeat_array_axis": (lambda m, x: m.repeat(x, np.arange(x.shape[0]) % 3 + 1, axis=0), 1,
                          True),
    "tile": (lambda m, x: m.tile(x, (2, 1, 2)), 0, True),
    "resize": (lambda m, x: m.resize(x, (3, 5)), 0, False),
    "atleast_3d": (lambda m, x: m.atleast_3d(x), 0, True),
    "rollaxis": (lambda m, x: m.rollaxis(x, -1, 0), 1, True),
    "permute_dims": (lambda m, x: m.permute_dims(x, tuple(range(x.ndim))[::-1]), 0, True),
    "reshape_F": (lambda m, x: m.reshape(x, (-1, 1), order="F"), 0, True),
    "ravel_F": (lambda m, x: m.ravel(x, order="F"), 0, True),
}


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_shape_functions_against_numpy(name, data):
    f, min_dims, empty = CASES[name]
    shape = data.draw(S.shapes(min_dims, max(min_dims, 3), 0 if empty else 1, 4), "shape")
    if empty is None:
        (x,) = data.draw(S.distinct_arrays((shape,)), "x")
    else:
        x = data.draw(S.arrays(shape), "x")
    expected = f(np, x)
    assert_same(f(fnp, x), expected)
    assert_same(funcad.jit(lambda a: f(fnp, a))(x), expected)
    if x.size:
        check_grads(lambda a: f(fnp, a), (x,), order=2, modes=("fwd", "rev"))
    batch = np.stack([x, x * 2 - 1])
    per_example = [f(np, b) for b in batch]
    batched = funcad.vmap(lambda a: f(fnp, a))(batch)
    note(f"batched: {batched}")
    for i, one in enumerate(per_example):
        assert_same(tree_util.tree_map(lambda leaf, i=i: np.asarray(leaf)[i], batched), one)


@pytest.mark.parametrize("mode", ["edge", "wrap", "reflect", "symmetric", "maximum",
                                  "minimum", "mean", "median", "linear_ramp", "constant"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.float32])
def test_pad_keeps_numpy_dtypes_and_rounding(mode, dtype):
    x = (np.arange(12).reshape(3, 4) * 7 % 5).astype(dtype)
    if dtype is np.bool_ and mode in ("mean", "median", "linear_ramp"):
        return  # (NumPy itself fails on these)
    for width in [((2, 5), (1, 0)), 3, ((0, 0), (9, 4))]:
        assert_same(fnp.pad(x, width, mode=mode), np.pad(x, width, mode=mode))


def test_pad_with_a_function_and_traced_constants():
    def fill(vector, width, axis, kwargs):
        return vector.at[:width[0]].set(kwargs["value"]).at[vector.shape[0] - width[1]:].set(-1)

    x = np.arange(6.0).reshape(2, 3)
    expected = np.pad(x, ((1, 2), (2, 1)), lambda v, w, a, k: (
        v.__setitem__(slice(0, w[0]), k["value"]), v.__setitem__(
            slice(v.shape[0] - w[1], None), -1)) and None, value=9.0)
    assert_same(fnp.pad(x, ((1, 2), (2, 1)), fill, value=9.0), expected)
    # A traced constant: the padding's derivative is the number of padded elements.
    grad = funcad.grad(lambda c: fnp.pad(x, 1, constant_values=c).sum())(0.0)
    assert grad == np.pad(x, 1).size - x.size
    grad = funcad.grad(lambda c: fnp.pad(x, 1, constant_values=((c, 0.0), (0.0, 2 * c))).sum())(
        1.0)
    assert grad == 3 + 2 * 4  # (axis 0 first: its rows have 3 elements, then 4 rows)


def test_reshape_orders_follow_jax():
    x = np.arange(24.0).reshape(2, 3, 4)
    assert_same(fnp.reshape(x, (4, -1), order="F"), np.reshape(x, (4, -1), order="F"))
    assert_same(fnp.ravel(x, order="F"), np.ravel(x, order="F"))
    for bad in ("A", "K"):
        with pytest.raises(NotImplementedError, match="order"):
            fnp.reshape(x, (4, 6), order=bad)
    with pytest.raises(NotImplementedError, match="order='K'"):
        fnp.ravel(x, order="K")


def test_repeat_total_repeat_length_and_traced_repeats():
    x = np.arange(3.0)
    # JAX's semantics: truncated, or padded with the last element.
    assert_same(fnp.repeat(x, np.array([1, 0, 2]), total_repeat_length=5),
                np.array([0.0, 2, 2, 2, 2]))
    assert_same(fnp.repeat(x, 2, total_repeat_length=4), np.array([0.0, 0, 1, 1]))
    f = funcad.jit(lambda r: fnp.repeat(x, r, total_repeat_length=5))
    assert_same(f(np.array([1, 0, 2])), np.array([0.0, 2, 2, 2, 2]))
    assert_same(f(np.array([2, 2, 2])), np.array([0.0, 0, 1, 1, 2]))
    with pytest.raises(TypeError, match="total_repeat_length"):
        funcad.jit(lambda r: fnp.repeat(x, r))(np.array([1, 0, 2]))
    with pytest.raises(ValueError, match="negative"):
        fnp.repeat(x, -1)
    check_grads(lambda a: fnp.repeat(a, np.array([2, 0, 3])), (x,), order=2,
                modes=("fwd", "rev"))


def test_roll_with_a_traced_shift():
    x = np.arange(10.0).reshape(2, 5)
    f = funcad.jit(lambda s: fnp.roll(x, s, axis=1))
    for s in (-7, 0, 3, 12):
        assert_same(f(np.array(s)), np.roll(x, s, axis=1))
    assert_same(funcad.vmap(lambda s: fnp.roll(x, s))(np.array([1, 4])),
                np.stack([np.roll(x, 1), np.roll(x, 4)]))
    g = funcad.jit(lambda s, t: fnp.roll(x, [s, t], (0, 1)))
    assert_same(g(1, -6), np.roll(x, (1, -6), (0, 1)))
    assert_same(funcad.jit(lambda s: fnp.roll(x, s, (0, 1)))(np.array([2, 3])),
                np.roll(x, (2, 3), (0, 1)))
    check_grads(lambda a: fnp.roll(a, np.int64(2), 1), (x,), order=2, modes=("fwd", "rev"))


def test_shape_errors_match_numpy():
    x = np.ones((2, 3))
    cases = [
        (lambda m: m.split(x, 2, axis=1), ValueError),
        (lambda m: m.pad(x, -1), ValueError),
        (lambda m: m.pad(x, 1, mode="nonsense"), ValueError),
        (lambda m: m.pad(x, 1, mode="edge", constant_values=3), ValueError),
        (lambda m: m.pad(np.ones((0, 2)), 1, mode="edge"), ValueError),
        (lambda m: m.block([(x,)]), TypeError),
        (lambda m: m.block([[x], x]), ValueError),
        (lambda m: m.rot90(x, axes=(1, 1)), ValueError),
        (lambda m: m.vsplit(np.ones(3), 1), ValueError),
        (lambda m: m.dsplit(x, 1), ValueError),
        (lambda m: m.fliplr(np.ones(3)), ValueError),
        (lambda m: m.repeat(x, [1, 2], axis=1), ValueError),
        (lambda m: m.rollaxis(x, 3), np.exceptions.AxisError),
        (lambda m: m.unstack(np.float64(1.0)), ValueError),
        (lambda m: m.resize(x, (-1, 2)), ValueError),
        (lambda m: m.array_split(x, 0), ValueError),
    ]
    for make, error in cases:
        with pytest.raises(error):
            make(np)
        with pytest.raises(error):
            make(fnp)


def test_numpy_dispatch_of_shape_functions_on_tracers():
    def f(x):
        y = np.pad(x, (1, 2), mode="reflect")
        y = np.roll(np.append(y, x[:2]), 3)
        y = np.concatenate(np.array_split(y, 3)[::-1])
        return np.sum(np.insert(y, 2, x[0]) ** 2) + np.sum(np.rot90(np.atleast_2d(x)))

    x = np.array([0.5, -1.0, 2.0, 1.5])
    check_grads(f, (x,), order=2, modes=("fwd", "rev"))
    np.testing.assert_allclose(funcad.jit(f)(x), f(x))


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float32, np.bool_])
def test_shape_functions_keep_numpy_dtypes(name, dtype):
    f, min_dims, _ = CASES[name]
    shape = (3, 4, 2)[:max(min_dims, 2)]
    x = (np.arange(int(np.prod(shape))).reshape(shape) * 5 % 7 - 3).astype(dtype)
    try:
        expected = f(np, x)
    except (TypeError, ValueError) as error:  # NumPy refuses (bool arithmetic): so do we
        with pytest.raises(type(error)):
            f(fnp, x)
        return
    assert_same(f(fnp, x), expected)
    assert_same(funcad.jit(lambda a: f(fnp, a))(x), expected)


def test_pad_width_by_axis():
    x = np.arange(6.0).reshape(2, 3)
    # (the same widths written per axis, as NumPy before 2.3, which has no dicts, needs them)
    for width, per_axis in [({-1: 2}, [(0, 0), (2, 2)]), ({0: (1, 2), 1: (0, 3)}, [(1, 2), (0, 3)]),
                            ({}, [(0, 0), (0, 0)])]:
        assert_same(fnp.pad(x, width, mode="symmetric"), np.pad(x, per_axis, mode="symmetric"))
    with pytest.raises(IndexError):
        fnp.pad(x, {2: 1})
