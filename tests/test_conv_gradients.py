"""The windows primitives that convolutions and reduce_window are built on, and the gradients
of both with respect to their input: values against loops in NumPy, adjointness, derivatives
to second order, and composition with vmap and jit, on strided, dilated, padded and grouped
cases and on operands whose memory layout is not C order."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import funcad
import funcad.lax as lax
import funcad.numpy as fnp
from funcad.primitives import lax_ops
from funcad.test_util import check_grads

MODES = ("rev", "fwd")

# (operand shape, window, strides, dilation): windows over the trailing len(window) axes.
WINDOW_CASES = [
    ((2, 3, 7, 6), (3, 3), (1, 1), (1, 1)),
    ((2, 3, 7, 6), (3, 2), (2, 3), (1, 2)),
    ((1, 2, 9), (2,), (3,), (3,)),
    ((5, 4), (2, 2), (2, 1), (1, 1)),
    ((2, 3, 4, 4), (3, 3), (2, 2), (1, 1)),  # strides past the last full window
    ((2, 2, 2, 5), (3, 3), (1, 1), (1, 1)),  # a window that does not fit: no windows
    ((2, 3, 4), (0,), (1,), (1,)),  # an empty window
]


def windows_by_loop(x, window, strides, dilation):
    """lead + (positions,) + counts, each position's strided slice, in row-major order."""
    count = len(window)
    spatial = x.shape[x.ndim - count:]
    counts = lax_ops.window_counts(spatial, window, strides, dilation)
    lead = x.shape[:x.ndim - count]
    taps = []
    for offsets in itertools.product(*(range(k) for k in window)):
        index = tuple(slice(o * d, o * d + (m - 1) * s + 1, s) if m else slice(0, 0)
                      for o, d, m, s in zip(offsets, dilation, counts, strides))
        taps.append(x[(Ellipsis,) + index])
    if not taps:
        return np.zeros(lead + (0,) + counts)
    return np.stack(taps, axis=len(lead))


@pytest.mark.parametrize("case", range(len(WINDOW_CASES)))
def test_windows_and_transpose_are_adjoint(case):
    shape, window, strides, dilation = WINDOW_CASES[case]
    rng = np.random.default_rng(case)
    x = rng.standard_normal(shape)
    patches = lax_ops.windows(x, window, strides, dilation)
    np.testing.assert_array_equal(patches, windows_by_loop(x, window, strides, dilation))
    u = rng.standard_normal(np.shape(patches))
    back = lax_ops.windows_transpose(u, window, strides, dilation, shape[len(shape) -
                                                                           len(window):])
    assert np.shape(back) == shape
    np.testing.assert_allclose(np.vdot(patches, u), np.vdot(x, back), rtol=1e-12, atol=1e-12)
    if np.size(patches):
        check_grads(lambda v: lax_ops.windows(v, window, strides, dilation), (x,), order=2,
                    modes=MODES)
        check_grads(lambda v: lax_ops.windows_transpose(
            v, window, strides, dilation, shape[len(shape) - len(window):]), (u,), order=2,
            modes=MODES)


@pytest.mark.parametrize("layout", [(0, 1, 2, 3, 4), (0, 3, 4, 2, 1), (2, 4, 0, 3, 1)])
def test_windows_transpose_of_any_memory_layout(layout):
    """The transpose lays its sum out as its operand is; the values must not depend on it."""
    rng = np.random.default_rng(1)
    shape, window, strides, dilation = (2, 3, 8, 7), (3, 2), (2, 1), (1, 2)
    x = rng.standard_normal(shape)
    patches = windows_by_loop(x, window, strides, dilation)
    expected = np.zeros(shape)
    for p, offsets in enumerate(itertools.product(*(range(k) for k in window))):
        index = tuple(slice(o * d, o * d + (m - 1) * s + 1, s) for o, d, m, s in
                      zip(offsets, dilation, patches.shape[3:], strides))
        expected[(Ellipsis,) + index] += patches[:, :, p]
    # The same values, stored with the axes in the order ``layout`` in memory.
    strided = np.ascontiguousarray(np.transpose(patches, layout)).transpose(np.argsort(layout))
    np.testing.assert_array_equal(strided, patches)
    back = lax_ops.windows_transpose(strided, window, strides, dilation, shape[2:])
    np.testing.assert_allclose(back, expected, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(lax_ops.windows(np.asfortranarray(x), window, strides,
                                                  dilation), patches)


def test_windows_under_vmap_and_jit():
    rng = np.random.default_rng(2)
    xs = rng.standard_normal((3, 2, 6, 5))
    window, strides, dilation = (2, 3), (2, 1), (2, 1)

    def f(v):
        return fnp.sum(lax_ops.windows(v, window, strides, dilation) ** 2 * 0.5)

    gradient = funcad.grad(f)
    batched = funcad.vmap(gradient)(xs)
    for k in range(3):
        np.testing.assert_allclose(batched[k], gradient(xs[k]), rtol=1e-13)
    np.testing.assert_allclose(funcad.jit(gradient)(xs[0]), gradient(xs[0]), rtol=1e-13)
    u = rng.standard_normal((3,) + np.shape(lax_ops.windows(xs[0], window, strides,
                                                             dilation)))
    back = funcad.vmap(lambda v: lax_ops.windows_transpose(v, window, strides, dilation,
                                                           (6, 5)), in_axes=1, out_axes=2)(
        np.moveaxis(u, 0, 1))
    for k in range(3):
        np.testing.assert_allclose(back[:, :, k], lax_ops.windows_transpose(
            u[k], window, strides, dilation, (6, 5)), rtol=1e-13)


def test_windows_errors():
    with pytest.raises(ValueError, match="one entry per trailing axis"):
        lax_ops.windows(np.ones((3,)), (2, 2))
    with pytest.raises(ValueError, match="must be positive"):
        lax_ops.windows(np.ones((3, 3)), (2, 2), (0, 1))
    with pytest.raises(ValueError, match="expected shape"):
        lax_ops.windows_transpose(np.ones((4, 2, 2)), (2, 2), (1, 1), (1, 1), (4, 4))


# Convolutions in the layouts stax uses (NHWC, HWIO), with every option that changes which
# input elements a window reads.
CONV_CASES = [
    dict(lhs=(2, 7, 6, 3), rhs=(3, 3, 3, 4), strides=(1, 1), padding="VALID"),
    dict(lhs=(2, 7, 6, 3), rhs=(3, 2, 3, 4), strides=(2, 3), padding="SAME"),
    dict(lhs=(2, 6, 5, 2), rhs=(2, 3, 2, 3), strides=(1, 2), padding=[(2, 1), (0, 2)],
         lhs_dilation=(2, 1), rhs_dilation=(1, 2)),
    dict(lhs=(2, 5, 6, 4), rhs=(3, 3, 2, 6), strides=(2, 1), padding="SAME", groups=2),
    dict(lhs=(4, 5, 5, 3), rhs=(2, 2, 3, 4), strides=(1, 1), padding="VALID",
         batch_groups=2, rhs_dilation=(2, 2)),
]


def _conv(case):
    lhs_dilation = case.get("lhs_dilation")
    rhs_dilation = case.get("rhs_dilation")

    def f(x, w):
        return lax.conv_general_dilated(
            x, w, case["strides"], case["padding"], lhs_dilation, rhs_dilation,
            ("NHWC", "HWIO", "NHWC"), feature_group_count=case.get("groups", 1),
            batch_group_count=case.get("batch_groups", 1))
    return f


def _conv_by_loop(case, x, w):
    """The same convolution as sums of products over every window, in NCHW/OIHW."""
    x, w = np.transpose(x, (0, 3, 1, 2)), np.transpose(w, (3, 2, 0, 1))
    lhs_dilation = case.get("lhs_dilation", (1, 1))
    rhs_dilation = case.get("rhs_dilation", (1, 1))
    groups, batch_groups = case.get("groups", 1), case.get("batch_groups", 1)
    windows = [(k - 1) * d + 1 for k, d in zip(w.shape[2:], rhs_dilation)]
    dilated_shape = [(n - 1) * d + 1 for n, d in zip(x.shape[2:], lhs_dilation)]
    padding = case["padding"]
    if isinstance(padding, str):
        padding = lax.padtype_to_pads(dilated_shape, windows, case["strides"], padding)
    dilated = np.zeros(x.shape[:2] + tuple(n + lo + hi for n, (lo, hi) in
                                           zip(dilated_shape, padding)))
    dilated[(Ellipsis,) + tuple(slice(lo, lo + n, d) for (lo, _), n, d in
                                zip(padding, dilated_shape, lhs_dilation))] = x
    n, o, i = x.shape[0], w.shape[0], w.shape[1]
    counts = lax_ops.window_counts(dilated.shape[2:], w.shape[2:], case["strides"],
                                   rhs_dilation)
    out = np.zeros((n // batch_groups, o) + counts)
    for index in np.ndindex(*out.shape):
        b, f, position = index[0], index[1], index[2:]
        g = f // (o // groups)
        batch = b + (f // (o // batch_groups)) * (n // batch_groups)
        for k in np.ndindex(*w.shape[2:]):
            at = tuple(p * s + kk * d for p, s, kk, d in
                       zip(position, case["strides"], k, rhs_dilation))
            out[index] += np.dot(dilated[(batch, slice(g * i, (g + 1) * i)) + at],
                                 w[(f, slice(None)) + k])
    return np.transpose(out, (0, 2, 3, 1))


@pytest.mark.parametrize("case", range(len(CONV_CASES)))
def test_conv_input_gradient(case):
    c = CONV_CASES[case]
    rng = np.random.default_rng(10 + case)
    x, w = rng.standard_normal(c["lhs"]), rng.standard_normal(c["rhs"])
    f = _conv(c)
    expected = _conv_by_loop(c, x, w)
    np.testing.assert_allclose(f(x, w), expected, rtol=1e-12, atol=1e-12)
    check_grads(f, (x, w), order=2, modes=MODES)
    # The input gradient is the transpose of the (linear in x) convolution.
    u = rng.standard_normal(expected.shape)
    _, pullback = funcad.vjp(lambda v: f(v, w), x)
    (x_bar,) = pullback(u)
    np.testing.assert_allclose(np.vdot(x_bar, x), np.vdot(u, expected), rtol=1e-11)
    # The same gradient from an operand stored in another memory order, under jit and vmap.
    gradient = funcad.grad(lambda v, k: fnp.sum(f(v, k) * u), argnums=(0, 1))
    reference = gradient(x, w)
    fortran = gradient(np.asfortranarray(x), w)
    compiled = funcad.jit(gradient)(x, w)
    for got in (fortran, compiled):
        for a, b in zip(got, reference):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    xs = np.stack([x, 2 * x])
    batched = funcad.vmap(gradient, in_axes=(0, None))(xs, w)
    for k in range(2):
        for a, b in zip((batched[0][k], batched[1][k]), gradient(xs[k], w)):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_conv_gradient_has_no_scatter():
    """The input gradient is strided additions (windows_transpose), never an index_update."""
    x, w = np.ones((2, 8, 8, 3)), np.ones((3, 3, 3, 4))
    loss = lambda v, k: fnp.sum(lax.conv_general_dilated(  # noqa: E731
        v, k, (2, 1), "SAME", None, (1, 2), ("NHWC", "HWIO", "NHWC")) ** 2)
    text = str(funcad.make_jaxpr(funcad.grad(loss))(x, w))
    assert "windows_transpose" in text
    assert "index_update" not in text
    pooled = lambda v: fnp.sum(lax.reduce_window(  # noqa: E731
        v, -np.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "SAME"))
    assert "index_update" not in str(funcad.make_jaxpr(funcad.grad(pooled))(x))


POOL_CASES = [
    dict(shape=(2, 6, 5, 3), window=(1, 2, 2, 1), strides=(1, 2, 2, 1), padding="VALID"),
    dict(shape=(2, 7, 5, 3), window=(1, 3, 2, 1), strides=(1, 2, 1, 1), padding="SAME"),
    dict(shape=(7, 6), window=(3, 2), strides=(2, 2), padding=[(1, 0), (0, 2)],
         base_dilation=(1, 2), window_dilation=(2, 1)),
]


@pytest.mark.parametrize("computation", ["max", "avg"])
@pytest.mark.parametrize("case", range(len(POOL_CASES)))
def test_pool_gradients(case, computation):
    c = POOL_CASES[case]
    rng = np.random.default_rng(20 + case)
    x = rng.permutation(np.prod(c["shape"])).reshape(c["shape"]) * 0.1  # distinct: no ties
    options = dict(base_dilation=c.get("base_dilation"),
                   window_dilation=c.get("window_dilation"))
    if computation == "max":
        def f(v):
            return lax.reduce_window(v, -np.inf, lax.max, c["window"], c["strides"],
                                     c["padding"], **options)
    else:
        def f(v):
            return lax.reduce_window(v, 0.0, lax.add, c["window"], c["strides"],
                                     c["padding"], **options) / np.prod(c["window"])
    out = np.asarray(f(x))
    # Against windows taken by loop from the same padded and dilated operand.
    fill = -np.inf if computation == "max" else 0.0
    base = c.get("base_dilation") or (1,) * x.ndim
    padding = c["padding"]
    window_dilation = c.get("window_dilation") or (1,) * x.ndim
    if isinstance(padding, str):
        padding = lax.padtype_to_pads(x.shape, [(k - 1) * d + 1 for k, d in
                                                zip(c["window"], window_dilation)],
                                      c["strides"], padding)
    dilated = [(n - 1) * d + 1 for n, d in zip(x.shape, base)]
    padded = np.full([n + lo + hi for n, (lo, hi) in zip(dilated, padding)], fill)
    padded[tuple(slice(lo, lo + n, d) for (lo, _), n, d in zip(padding, dilated, base))] = x
    taps = windows_by_loop(padded, c["window"], c["strides"], window_dilation)
    expected = taps.max(axis=0) if computation == "max" else \
        taps.sum(axis=0) / np.prod(c["window"])
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    check_grads(f, (x,), order=2, modes=MODES, eps=1e-4)
    gradient = funcad.grad(lambda v: fnp.sum(f(v) * np.arange(out.size).reshape(out.shape)))
    np.testing.assert_allclose(funcad.jit(gradient)(x), gradient(x), rtol=1e-13)
    batched = funcad.vmap(gradient)(np.stack([x, -x]))
    np.testing.assert_allclose(batched[1], gradient(-x), rtol=1e-13)
