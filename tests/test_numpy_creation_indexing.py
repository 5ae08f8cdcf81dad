"""funcad.numpy's creation and indexing functions: NumPy's values and dtypes, JAX's semantics
where JAX departs from NumPy (out-of-bounds modes, ``inplace=False``, ``size=``), derivatives
to second order in both modes, and agreement under ``vmap`` and ``jit``.

JAX's numbers are written out (they were read from jax 0.10.2 with x64 enabled), so these
tests do not need JAX installed.
"""

from __future__ import annotations

import numpy as np
import pytest
import strategies as S
from assertions import assert_same
from hypothesis import given
from hypothesis import strategies as st

import funcad
import funcad.numpy as fnp
from funcad import tree_util
from funcad.errors import ConcretizationTypeError
from funcad.test_util import check_grads


def check_everywhere(f, x, expected, grads=True):
    """``f(fnp, x)`` eagerly and under jit equals ``expected``; derivatives; vmap."""
    assert_same(f(fnp, x), expected)
    assert_same(funcad.jit(lambda a: f(fnp, a))(x), expected)
    if grads and np.size(x):
        check_grads(lambda a: f(fnp, a), (x,), order=2, modes=("fwd", "rev"))
    batch = np.stack([x, x * 0.5 + 0.25])
    batched = funcad.vmap(lambda a: f(fnp, a))(batch)
    for i, one in enumerate(batch):
        reference = f(np, one) if expected is not None else None
        assert_same(tree_util.tree_map(lambda leaf, i=i: np.asarray(leaf)[i], batched),
                    reference)


# ----------------------------------------------------------------------------------------------
# Creation with traced values


POSITIVE = S.Domain(0.5, 2.0)

# name -> (function of (module, x), domain); x is drawn with a random shape.
CREATION = {
    "linspace": (lambda m, x: m.linspace(x, 2 * x + 1, 5), S.DEFAULT_DOMAIN),
    "linspace_open": (lambda m, x: m.linspace(-x, x + 3, 4, endpoint=False, axis=-1),
                      S.DEFAULT_DOMAIN),
    "linspace_retstep": (lambda m, x: m.linspace(x, 1.0, 3, retstep=True), S.DEFAULT_DOMAIN),
    "linspace_one": (lambda m, x: m.linspace(x, x + 1, 1), S.DEFAULT_DOMAIN),
    "linspace_zero": (lambda m, x: m.linspace(x, x + 1, 0), S.DEFAULT_DOMAIN),
    "logspace": (lambda m, x: m.logspace(x, 1.0, 4), S.DEFAULT_DOMAIN),
    "logspace_base": (lambda m, x: m.logspace(0.5, 2.0, 3, base=x + 1, axis=-1), POSITIVE),
    "geomspace": (lambda m, x: m.geomspace(x, 3 * x, 4), POSITIVE),
    "geomspace_negative": (lambda m, x: m.geomspace(-x, -x - 1, 5, endpoint=False), POSITIVE),
    "array_of_tracers": (lambda m, x: m.array([x, x * 2, np.ones_like(x)]), S.DEFAULT_DOMAIN),
    "asarray_tuple": (lambda m, x: m.asarray((x, (-x, x * x))[1]), S.DEFAULT_DOMAIN),
    "array_ndmin": (lambda m, x: m.array([[m.sum(x), 1.0], [2.0, m.prod(x)]], ndmin=5),
                    S.DEFAULT_DOMAIN),
    "copy": (lambda m, x: m.copy(x) * 2, S.DEFAULT_DOMAIN),
    "full": (lambda m, x: m.full((2, 3) + np.shape(x), x), S.DEFAULT_DOMAIN),
    "vander": (lambda m, x: m.vander(np.ravel(x) if m is np else m.ravel(x), 4),
               S.DEFAULT_DOMAIN),
    "vander_increasing": (lambda m, x: m.vander(np.ravel(x) if m is np else m.ravel(x),
                                                increasing=True), S.DEFAULT_DOMAIN),
    "diagflat": (lambda m, x: m.diagflat(x, -1), S.DEFAULT_DOMAIN),
    "kaiser": (lambda m, x: m.kaiser(6, np.sum(x) + 3 if m is np else m.sum(x) + 3), POSITIVE),
    "r_": (lambda m, x: m.r_[m.ravel(x), 0:3, 2.5, m.ravel(x) * 2], S.DEFAULT_DOMAIN),
    "c_": (lambda m, x: m.c_[m.ravel(x), m.ravel(x) ** 2], S.DEFAULT_DOMAIN),
    "r_directive": (lambda m, x: m.r_["0,2", m.ravel(x), m.ravel(x) - 1], S.DEFAULT_DOMAIN),
}


@pytest.mark.parametrize("name", sorted(CREATION))
@given(data=st.data())
def test_creation_with_traced_values(name, data):
    f, domain = CREATION[name]
    shape = data.draw(S.shapes(0, 2, 1, 3), "shape")
    x = data.draw(S.arrays(shape, domain), "x")
    check_everywhere(f, x, f(np, x))


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_meshgrid(indexing, sparse, n):
    vectors = [np.linspace(-1.0, 1.0, 2 + k) * (k + 1) for k in range(n)]
    expected = np.meshgrid(*vectors, indexing=indexing, sparse=sparse)
    assert_same(fnp.meshgrid(*vectors, indexing=indexing, sparse=sparse), expected)

    def f(m, x):
        return m.meshgrid(x, *vectors[1:], indexing=indexing, sparse=sparse)

    check_everywhere(f, vectors[0], f(np, vectors[0]))
    with pytest.raises(ValueError, match="indexing"):
        fnp.meshgrid(*vectors, indexing="yx")


def test_linspace_endpoints_are_exact_and_dispatch_from_numpy():
    # np.linspace(tracer) used to recurse into itself; now it is built from funcad ops.
    f = funcad.grad(lambda t: np.sum(np.linspace(0.0, t, 5) ** 2))
    np.testing.assert_allclose(f(2.0), 2 * 2.0 * np.sum(np.linspace(0, 1, 5) ** 2))
    out = funcad.jit(lambda a, b: fnp.linspace(a, b, 7))(0.1, 0.7)
    assert out[0] == 0.1 and out[-1] == 0.7
    out = funcad.jit(lambda a, b: fnp.geomspace(a, b, 7))(0.1, 0.7)
    assert out[0] == 0.1 and out[-1] == 0.7
    np.testing.assert_array_equal(funcad.jit(lambda a: fnp.linspace(a, 10, 4, dtype=int))(0.5),
                                  np.linspace(0.5, 10, 4, dtype=int))
    grids = funcad.grad(lambda t: np.sum(np.meshgrid(np.ones(2) * t, np.arange(3.0))[0]))(1.0)
    assert grids == 6.0


def test_index_helpers_match_numpy():
    a = np.ones((3, 5))
    for ours, theirs in [
        (fnp.indices((2, 3)), np.indices((2, 3))),
        (fnp.indices((2, 3), sparse=True), np.indices((2, 3), sparse=True)),
        (fnp.tril_indices(4, -1, 5), np.tril_indices(4, -1, 5)),
        (fnp.triu_indices(3), np.triu_indices(3)),
        (fnp.tril_indices_from(a, 1), np.tril_indices_from(a, 1)),
        (fnp.triu_indices_from(a), np.triu_indices_from(a)),
        (fnp.diag_indices(3, 3), np.diag_indices(3, 3)),
        (fnp.diag_indices_from(np.ones((2, 2, 2))), np.diag_indices_from(np.ones((2, 2, 2)))),
        (fnp.mask_indices(3, fnp.triu, 1), np.mask_indices(3, np.triu, 1)),
        (fnp.tri(3, 4, -1), np.tri(3, 4, -1)),
        (fnp.fromfunction(lambda i, j: i * 10 + j, (2, 3)),
         np.fromfunction(lambda i, j: i * 10 + j, (2, 3))),
        (fnp.frombuffer(b"\x01\x02\x03\x04", np.uint8), np.frombuffer(b"\x01\x02\x03\x04",
                                                                      np.uint8)),
        (fnp.fromiter(range(4), float), np.fromiter(range(4), float)),
        (fnp.fromstring("1 2 3", sep=" "), np.fromstring("1 2 3", sep=" ")),
        (fnp.mgrid[0:3, 0:1:4j], np.mgrid[0:3, 0:1:4j]),
        (fnp.mgrid[1:4], np.mgrid[1:4]),
        (fnp.ogrid[0:3, 0:2], np.ogrid[0:3, 0:2]),
        (fnp.ix_([0, 2], [True, False, True]), np.ix_([0, 2], [True, False, True])),
        (fnp.r_[0:4, np.array([7, 8])], np.r_[0:4, np.array([7, 8])]),
        (fnp.c_[np.array([[1, 2, 3]]), 0, 0, np.array([[4, 5, 6]])],
         np.c_[np.array([[1, 2, 3]]), 0, 0, np.array([[4, 5, 6]])]),
        (fnp.r_["-1,3,1", np.ones((2, 2))], np.r_["-1,3,1", np.ones((2, 2))]),
        (fnp.r_[np.ones(2, np.float32), 3.0], np.r_[np.ones(2, np.float32), 3.0]),
        (fnp.bartlett(5), np.bartlett(5)), (fnp.blackman(4), np.blackman(4)),
        (fnp.hamming(1), np.hamming(1)), (fnp.hanning(0), np.hanning(0)),
        (fnp.kaiser(7, 2.5), np.kaiser(7, 2.5)),
    ]:
        assert_same(ours, theirs)
    assert fnp.s_[1:2, ::3] == np.s_[1:2, ::3] and fnp.index_exp[2] == np.index_exp[2]
    assert fnp.zeros(3).at[0].set(1.0)[0] == 1.0  # (constructors return Array, with .at)
    with pytest.raises(NotImplementedError, match="matrix"):
        fnp.r_["r", [1, 2]]
    check_grads(lambda v: fnp.sum(fnp.ix_(v, v)[0] * fnp.ix_(v, v)[1]),
                (np.array([0.5, -1.0]),), order=2, modes=("fwd", "rev"))


def test_fill_diagonal_follows_jax():
    for shape, wrap in [((3, 3), False), ((5, 3), True), ((5, 3), False), ((2, 4), False),
                        ((3, 3, 3), False)]:
        a = np.arange(float(np.prod(shape))).reshape(shape)
        val = np.array([-1.0, -2.0])
        expected = a.copy()
        np.fill_diagonal(expected, val, wrap=wrap)
        assert_same(fnp.fill_diagonal(a, val, wrap=wrap, inplace=False), expected)
        check_grads(lambda x, v, wrap=wrap: fnp.fill_diagonal(x, v, wrap=wrap, inplace=False),
                    (a, val), order=2, modes=("fwd", "rev"))
    with pytest.raises(ValueError, match="inplace=False"):
        fnp.fill_diagonal(np.zeros((2, 2)), 1.0)
    with pytest.raises(ValueError, match="equal length"):
        fnp.fill_diagonal(np.zeros((2, 3, 2)), 1.0, inplace=False)


# ----------------------------------------------------------------------------------------------
# Indexing functions


INDEXING = {
    "take": lambda m, x: m.take(x, np.array([0, -1, 0, 1]) % max(x.size, 1)),
    "take_axis": lambda m, x: m.take(x, np.array([[1, 0], [0, 0]]) % x.shape[0], axis=0),
    "take_along_axis": lambda m, x: m.take_along_axis(
        x, np.argsort(x, axis=-1)[..., ::-1], axis=-1),
    "take_along_axis_none": lambda m, x: m.take_along_axis(
        x, np.arange(x.size)[::-1] if x.size else np.zeros(0, int), axis=None),
    "put": lambda m, x: m.put(x, [0, 2], [-5.0, 7.5], inplace=False) if m is fnp else
    _numpy_put(x, [0, 2], [-5.0, 7.5]),
    "put_along_axis": lambda m, x: m.put_along_axis(
        x, np.zeros(x.shape[:-1] + (1,), int), -x[..., :1], axis=-1, inplace=False)
    if m is fnp else _numpy_put_along_axis(x, np.zeros(x.shape[:-1] + (1,), int),
                                           -x[..., :1], -1),
    "compress": lambda m, x: m.compress([True, False, True], x, axis=0),
    "extract": lambda m, x: m.extract(np.arange(x.size).reshape(x.shape) % 2 == 0, x),
    "choose": lambda m, x: m.choose(np.arange(x.size).reshape(x.shape) % 3,
                                    [x, 2 * x, x * x]),
    "select": lambda m, x: m.select([x > 0.5, x < -0.5], [x, x * x], default=-1.0),
    "piecewise": lambda m, x: m.piecewise(x, [x < 0, x > 1], [lambda v: -v, lambda v: v * v,
                                                              lambda v: v + 1]),
    "piecewise_constants": lambda m, x: m.piecewise(x, [x < 0], [1.5, lambda v: 3 * v]),
    "place": lambda m, x: m.place(x, x > 0, np.array([10.0, 20.0]), inplace=False)
    if m is fnp else _numpy_place(x, x > 0, np.array([10.0, 20.0])),
    "getitem_mixed": lambda m, x: x[np.array([0, -1]), ..., None][::-1],
    "diag": lambda m, x: m.diag(m.ravel(x), 1),
}


def _numpy_put(x, ind, v):
    out = x.copy()
    np.put(out, ind, v)
    return out


def _numpy_put_along_axis(x, ind, v, axis):
    out = x.copy()
    np.put_along_axis(out, ind, v, axis)
    return out


def _numpy_place(x, mask, vals):
    out = x.copy()
    np.place(out, mask, vals)
    return out


MIN_DIMS = {"take_axis": 1, "take_along_axis": 1, "put_along_axis": 1, "compress": 1,
            "getitem_mixed": 1, "place": 1}
MIN_SIZE = {"put": 3, "compress": 3}


@pytest.mark.parametrize("name", sorted(INDEXING))
@given(data=st.data())
def test_indexing_functions_against_numpy(name, data):
    f = INDEXING[name]
    min_dims = MIN_DIMS.get(name, 0)
    shape = data.draw(S.shapes(min_dims, max(min_dims, 3), 1, 4), "shape")
    if name == "compress":
        shape = (3,) + shape[1:]
    if int(np.prod(shape)) < MIN_SIZE.get(name, 0):
        shape = (MIN_SIZE[name],)
    if name == "take_along_axis":
        (x,) = data.draw(S.distinct_arrays((shape,)), "x")
    else:
        x = data.draw(S.arrays(shape, S.Domain(-2, 2, 0.1)), "x")
        # (away from the conditions' thresholds, for finite differences)
        x = np.where(np.abs(np.abs(x) - 0.5) < 0.05, x + 0.2, x)
        x = np.where(np.abs(x - 1) < 0.05, x + 0.2, x)
    check_everywhere(f, x, f(np, x))


def test_out_of_bounds_modes_follow_jax():
    x = np.arange(3.0)
    index = np.array([0, 5, -1])
    assert_same(fnp.take(x, index), np.array([0.0, np.nan, 2.0]))
    assert_same(fnp.take(x, index, mode="wrap"), np.array([0.0, 2.0, 2.0]))
    assert_same(fnp.take(x, index, mode="clip"), np.array([0.0, 2.0, 0.0]))
    assert_same(fnp.take(x, index, fill_value=-2.0), np.array([0.0, -2.0, 2.0]))
    assert_same(fnp.take(np.arange(3), np.array([0, 5])), np.array([0, np.iinfo(np.int64).min]))
    with pytest.raises(IndexError, match="out of bounds"):
        fnp.take(x, index, mode="raise")
    assert_same(fnp.take_along_axis(np.arange(6.0).reshape(2, 3), np.array([[5], [0]]), 1),
                np.array([[np.nan], [3.0]]))
    assert_same(fnp.take_along_axis(np.arange(6.0).reshape(2, 3), np.array([5, 0]), None),
                np.array([5.0, 0.0]))
    # put clips by default; values repeat cyclically.
    assert_same(fnp.put(np.arange(5.0), np.array([0, 7]), np.array([9.0, 8.0, 7.0]),
                        inplace=False), np.array([9.0, 1, 2, 3, 8]))
    assert_same(fnp.put(np.arange(5.0), np.array([0, 1, 2]), np.array([9.0, 8.0]),
                        inplace=False), np.array([9.0, 8, 9, 3, 4]))
    assert_same(fnp.put(np.arange(5.0), np.array([-1]), np.array([9.0]), inplace=False),
                np.array([0.0, 1, 2, 3, 9]))
    assert_same(fnp.put(np.arange(5.0), np.array([-1, 7]), np.array([9.0, 8.0]), mode="wrap",
                        inplace=False), np.array([0.0, 1, 8, 3, 9]))
    assert_same(fnp.choose(np.array([-1, 3]), [np.arange(2), 10 + np.arange(2),
                                               20 + np.arange(2)], mode="wrap"),
                np.array([20, 1]))
    assert_same(fnp.take(np.arange(6.0).reshape(2, 3), np.array([1, -1]), axis=1, mode="clip"),
                np.array([[1.0, 0.0], [4.0, 3.0]]))
    assert_same(fnp.choose(np.array([0, 1, 2]), [np.arange(3), 10 + np.arange(3),
                                                 20 + np.arange(3)], mode="clip"),
                np.array([0, 11, 22]))
    with pytest.raises(ValueError, match="invalid entry"):
        fnp.choose(np.array([0, 5]), [np.arange(2), np.arange(2)])
    assert_same(fnp.ravel_multi_index((np.array([1, 5]), np.array([2, 0])), (2, 3),
                                      mode="clip"), np.array([5, 3]))
    # Traced flat indices are clipped (JAX), concrete ones refused (NumPy).
    assert_same(funcad.jit(lambda i: fnp.unravel_index(i, (2, 3)))(np.array([5, 7, -1])),
                (np.array([1, 1, 1]), np.array([2, 2, 2])))
    with pytest.raises(ValueError):
        fnp.unravel_index(np.array([7]), (2, 3))
    assert_same(fnp.unravel_index(np.array([5, 0, 4]), (2, 3)),
                np.unravel_index(np.array([5, 0, 4]), (2, 3)))
    assert_same(fnp.ravel_multi_index((np.array([1, 0]), np.array([2, 1])), (2, 3), order="F"),
                np.ravel_multi_index((np.array([1, 0]), np.array([2, 1])), (2, 3), order="F"))


def test_inplace_functions_require_inplace_false():
    x = np.zeros(4)
    for call in [lambda: fnp.put(x, [0], [1.0]), lambda: fnp.place(x, x == 0, [1.0]),
                 lambda: fnp.put_along_axis(x, np.array([0]), 1.0, 0)]:
        with pytest.raises(ValueError, match="inplace=False"):
            call()


def test_value_dependent_shapes_with_size():
    a = np.array([0.0, 1, 0, 2])
    assert_same(fnp.nonzero(a, size=3, fill_value=-1), (np.array([1, 3, -1]),))
    m = np.array([[0, 1], [3, 0]])
    assert_same(fnp.nonzero(m, size=3), (np.array([0, 1, 0]), np.array([1, 0, 0])))
    assert_same(fnp.argwhere(m, size=3, fill_value=7), np.array([[0, 1], [1, 0], [7, 7]]))
    assert_same(fnp.flatnonzero(a, size=1), np.array([1]))
    assert_same(fnp.compress(np.array([1, 0, 1]), np.arange(6).reshape(3, 2), axis=0, size=3,
                             fill_value=-1), np.array([[0, 1], [4, 5], [-1, -1]]))
    for f in [lambda v: fnp.nonzero(v, size=2), lambda v: fnp.argwhere(v, size=3),
              lambda v: fnp.flatnonzero(v, size=2), lambda v: fnp.extract(v > 0, v, size=2),
              lambda v: fnp.compress(v > 0, v, size=3)]:
        expected = f(a)
        assert_same(funcad.jit(f)(a), expected)
        batch = np.stack([a, a[::-1]])
        assert_same(funcad.vmap(f)(batch), tree_util.tree_map(
            lambda *xs: np.stack(xs), f(batch[0]), f(batch[1])))
    # Without size=, under jit: the error names size=.
    for f in [fnp.nonzero, fnp.argwhere, fnp.flatnonzero, lambda v: fnp.extract(v > 0, v),
              lambda v: fnp.compress(v > 0, v)]:
        with pytest.raises(ConcretizationTypeError, match="size="):
            funcad.jit(f)(a)
    # Inside grad the values are concrete: it works, and the gradient flows.
    grad = funcad.grad(lambda v: fnp.sum(fnp.extract(v > 0, v) ** 2))(np.array([1.0, -1, 3]))
    assert_same(grad, np.array([2.0, 0, 6]))
    check_grads(lambda v: fnp.compress(np.array([True, False, True]), v, size=4),
                (np.array([1.0, -2.0, 3.0]),), order=2, modes=("fwd", "rev"))


def test_array_of_tracers_inside_grad():
    def f(x):
        return fnp.sum(fnp.array([[x[0], x[1]], [x[1] * 2, 3.0]]) ** 2)

    assert_same(funcad.grad(f)(np.array([1.0, 2.0])), np.array([2.0, 4 + 16]))
    assert_same(funcad.jit(f)(np.array([1.0, 2.0])), f(np.array([1.0, 2.0])))
    x32 = np.float32(1.5)
    assert_same(funcad.jit(lambda v: fnp.asarray((v, -v), dtype=np.float64))(x32),
                np.asarray((x32, -x32), dtype=np.float64))
    assert_same(funcad.jit(lambda v: fnp.array([v, 2.0]))(x32), np.array([x32, 2.0]))
    with pytest.raises(ValueError):
        funcad.grad(lambda x: fnp.sum(fnp.array([x, x[:1]])))(np.ones(2))


# ----------------------------------------------------------------------------------------------
# .at


AT_INDICES = [np.array([0, 0, 2]), (slice(None), np.array([1, 1])), np.array([True, False, True]),
              (Ellipsis, 0), np.array([[1, 0], [2, 1]])]


@pytest.mark.parametrize("k", range(len(AT_INDICES)))
@pytest.mark.parametrize("method", ["set", "add", "subtract", "multiply", "divide", "power",
                                    "min", "max", "apply", "get"])
def test_at_updates(k, method):
    index = AT_INDICES[k]
    rng = np.random.default_rng(k)
    x = rng.uniform(0.5, 2.0, (3, 3))
    target = x[index]
    v = rng.uniform(0.5, 2.0, target.shape)
    expected = x.copy()
    if method == "get":
        expected = target
    elif method == "apply":
        np.sin.at(expected, index)
    else:
        ufunc = {"set": None, "add": np.add, "subtract": np.subtract, "multiply": np.multiply,
                 "divide": np.divide, "power": None, "min": np.minimum, "max": np.maximum}[method]
        if method == "set":
            expected[index] = v
        elif method == "power":  # repeated indices multiply their exponents (JAX)
            exponents = np.ones_like(x)
            np.multiply.at(exponents, index, v)
            expected = x ** exponents
        else:
            ufunc.at(expected, index, v)

    def f(a, b):
        ref = fnp.asarray(a).at[index]
        if method == "get":
            return ref.get()
        if method == "apply":
            return ref.apply(fnp.sin)
        return getattr(ref, method)(b)

    assert_same(f(x, v), expected)
    assert_same(funcad.jit(f)(x, v), expected)
    check_grads(f, (x, v), order=2, modes=("fwd", "rev"))
    batched = funcad.vmap(f)(np.stack([x, x + 1]), np.stack([v, v * 2]))
    assert_same(batched[1], f(x + 1, v * 2))


def test_at_min_max_with_repeated_traced_indices():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    index = np.array([0, 2, 0, 0, 2, 3])
    v = np.array([-1.0, 5.0, -3.0, 0.5, 4.0, np.nan])
    for method, ufunc in (("min", np.minimum), ("max", np.maximum)):
        expected = x.copy()
        with np.errstate(invalid="ignore"):
            ufunc.at(expected, index, v)
        f = funcad.jit(lambda i, b, method=method: getattr(fnp.asarray(x).at[i], method)(b))
        assert_same(f(index, v), expected)
        assert_same(getattr(fnp.asarray(x).at[index], method)(v), expected)
        ints = np.array([0, 1, 2, 3])
        expected = ints.copy()
        ufunc.at(expected, index, np.array([-1, 5, -3, 0, 4, 9]))
        assert_same(funcad.jit(lambda i, method=method: getattr(fnp.asarray(ints).at[i], method)(
            np.array([-1, 5, -3, 0, 4, 9])))(index), expected)
        check_grads(lambda a, b, method=method: getattr(fnp.asarray(a).at[index], method)(b),
                    (x, v[:5].tolist() + [1.5]), order=2, modes=("fwd", "rev"))


def test_at_updates_with_batched_indices():
    x = np.zeros(4)
    indices = np.array([[0, 0, 1], [3, 3, 3]])
    values = np.array([[1.0, -2.0, 5.0], [4.0, 7.0, -1.0]])
    for method in ("set", "add", "multiply", "min", "max"):
        def f(i, v, method=method):
            return getattr(fnp.asarray(x + 1).at[i], method)(v)

        expected = np.stack([f(i, v) for i, v in zip(indices, values)])
        assert_same(funcad.vmap(f)(indices, values), expected)
        assert_same(funcad.jit(funcad.vmap(f))(indices, values), expected)
    f = lambda i: fnp.asarray(x).at[i].apply(lambda t: t + 1)
    assert_same(funcad.vmap(f)(indices), np.array([[2.0, 1, 0, 0], [0, 0, 0, 3]]))


def test_at_modes_follow_jax():
    x = fnp.arange(3.0)
    assert_same(x.at[np.array([0, 5])].get(mode="fill"), np.array([0.0, np.nan]))
    assert_same(x.at[np.array([0, 5])].get(mode="fill", fill_value=-1.0), np.array([0.0, -1.0]))
    assert_same(x.at[np.array([0, 5, -7])].get(mode="clip"), np.array([0.0, 2.0, 0.0]))
    assert_same(x.at[np.array([0, 5])].set(9.0, mode="drop"), np.array([9.0, 1, 2]))
    assert_same(x.at[5].add(1.0, mode="drop"), np.array([0.0, 1, 2]))
    assert_same(x.at[np.array([0, 5])].set(9.0, mode="clip"), np.array([9.0, 1, 9]))
    assert_same(x.at[np.array([0, 0, 1])].min(np.array([-1.0, -3.0, 5.0])),
                np.array([-3.0, 1, 2]))
    assert_same(fnp.arange(3).at[0].divide(2), np.array([0, 1, 2]))
    assert_same(x.at[0].set(1.0, indices_are_sorted=True, unique_indices=True),
                np.array([1.0, 1, 2]))
    f = funcad.jit(lambda i: x.at[i].add(10.0, mode="drop"))
    assert_same(f(np.array([1, 3])), np.array([0.0, 11, 2]))
    with pytest.raises(ValueError, match="mode"):
        x.at[0].set(1.0, mode="bogus")
    with pytest.raises(IndexError):
        x.at[5].set(1.0)
    # Gradients through dropped and filled positions.
    check_grads(lambda a: fnp.asarray(a).at[np.array([0, 4, 1])].get(mode="fill",
                                                                      fill_value=0.0),
                (np.array([1.0, 2.0, 3.0]),), order=2, modes=("fwd", "rev"))
    check_grads(lambda a, b: fnp.asarray(a).at[np.array([0, 4, 0])].add(b, mode="drop"),
                (np.array([1.0, 2.0, 3.0]), np.array([0.5, 1.5, -1.0])), order=2,
                modes=("fwd", "rev"))


def test_indexing_errors():
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(TypeError, match="integer"):
        fnp.take(x, np.array([0.5]))
    with pytest.raises(ValueError, match="same number of dimensions"):
        fnp.take_along_axis(x, np.array([0]), axis=1)
    with pytest.raises(ValueError, match="1-dimensional"):
        fnp.take_along_axis(x, np.zeros((1, 1), int), axis=None)
    with pytest.raises(ValueError, match="same length"):
        fnp.select([x > 0], [x, x])
    with pytest.raises(TypeError, match="boolean"):
        fnp.select([x], [x])
    with pytest.raises(ValueError):
        fnp.piecewise(x, [x > 0], [1, 2, 3])
    with pytest.raises(ValueError):
        fnp.place(x, np.ones(3, bool), [1.0], inplace=False)
    with pytest.raises(ValueError, match="0d"):
        fnp.nonzero(np.float64(1.0), size=1)
    with pytest.raises(ValueError, match="needs size="):
        fnp.nonzero(x, fill_value=1)
    with pytest.raises(TypeError, match="out="):
        fnp.take(x, [0], out=np.zeros(1))
