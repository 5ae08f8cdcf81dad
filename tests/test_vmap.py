"""Tests of ``funcad.vmap``: every primitive family against a Python loop, the in_axes /
out_axes / axis_size API, its errors, and compositions with the other transformations.

The reference for ``vmap(f, in_axes, out_axes)(*args)`` is always the same: call ``f`` on each
example (the mapped arguments sliced along their mapped axis, the others as they are) and
``np.stack`` the results along ``out_axes``. Shapes, dtypes and values must all agree.

Each case of the primitive table draws (with Hypothesis) the static configuration of one
example (shapes, axes, indices...) and a generator of one example's arguments; the test then
draws the batch size, an in_axes entry per argument (None, 0, 1, -1 or the last position) and
an out_axes valid for the output, builds the batched arguments by stacking independently drawn
examples, and compares.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest
import strategies as S
from hypothesis import given, reject
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import Domain

import funcad
import funcad.numpy as fnp
from funcad import tree_util, vmap
from funcad.scipy.special import log_softmax, logsumexp, softmax

# ----------------------------------------------------------------------------------------------
# The reference and the comparison.


def _is_scalar(x):
    return type(x) in (bool, int, float, complex)


def loop_reference(f, in_axes, out_axes, args, size):
    """stack([f(*example_i) for i in range(size)], axis=out_axes), by a Python loop."""
    outs = []
    for i in range(size):
        example = [a if ax is None else np.take(np.asarray(a), i, axis=ax)
                   for a, ax in zip(args, in_axes)]
        outs.append(f(*example))
    return tree_util.tree_map(
        lambda *leaves: np.stack([np.asarray(leaf) for leaf in leaves], axis=out_axes), *outs)


def assert_trees_equal(got, want):
    got_leaves, got_tree = tree_util.tree_flatten(got)
    want_leaves, want_tree = tree_util.tree_flatten(want)
    assert got_tree == want_tree, (got_tree, want_tree)
    for g, w in zip(got_leaves, want_leaves):
        assert not isinstance(g, funcad.core.Tracer), g
        g = np.asarray(g)
        w = np.asarray(w)
        assert g.shape == w.shape, (g.shape, w.shape)
        assert g.dtype == w.dtype, (g.dtype, w.dtype)
        if w.dtype.kind in "fc":
            tol = {"rtol": 2e-5, "atol": 2e-5} if w.dtype in (np.float32, np.complex64) \
                else {"rtol": 1e-9, "atol": 1e-11}
            np.testing.assert_allclose(g, w, equal_nan=True, **tol)
        else:
            np.testing.assert_array_equal(g, w)


def check_vmap(f, in_axes, out_axes, *args, size=None):
    if size is None:
        size = next(np.shape(a)[ax] for a, ax in zip(args, in_axes) if ax is not None)
    got = vmap(f, in_axes=tuple(in_axes), out_axes=out_axes)(*args)
    want = loop_reference(f, in_axes, out_axes, args, size)
    assert_trees_equal(got, want)
    return got


# ----------------------------------------------------------------------------------------------
# The table: name -> case(draw) -> (f, example(draw) -> list of one example's arguments).
# Arguments that are Python scalars are never mapped (stacking them would change their type).

CASES = {}


def case(name):
    def register(fn):
        CASES[name] = fn
        return fn

    return register


def arrays(shape, domain=S.DEFAULT_DOMAIN, dtype=np.float64):
    return S.arrays(shape, domain, dtype)


def ints(shape, lo=-5, hi=5, dtype=np.int64):
    return hnp.arrays(np.dtype(dtype), shape, elements=st.integers(lo, hi))


def bools(shape):
    return hnp.arrays(np.bool_, shape)


ANY = Domain(-2.0, 2.0)
UNIT = Domain(-0.9, 0.9)
POSITIVE = Domain(0.1, 3.0)
NONZERO = Domain(-2.0, 2.0, away=0.1)

UNARY = {
    "negative": (fnp.negative, ANY), "positive": (fnp.positive, ANY), "sin": (fnp.sin, ANY),
    "cos": (fnp.cos, ANY), "tan": (fnp.tan, Domain(-1.2, 1.2)), "arcsin": (fnp.arcsin, UNIT),
    "arccos": (fnp.arccos, UNIT), "arctan": (fnp.arctan, ANY), "sinh": (fnp.sinh, ANY),
    "cosh": (fnp.cosh, ANY), "tanh": (fnp.tanh, ANY), "arcsinh": (fnp.arcsinh, ANY),
    "arccosh": (fnp.arccosh, Domain(1.1, 3.0)), "arctanh": (fnp.arctanh, UNIT),
    "exp": (fnp.exp, ANY), "exp2": (fnp.exp2, ANY), "log": (fnp.log, POSITIVE),
    "log2": (fnp.log2, POSITIVE), "log10": (fnp.log10, POSITIVE),
    "log1p": (fnp.log1p, Domain(-0.9, 2.0)), "expm1": (fnp.expm1, ANY),
    "sqrt": (fnp.sqrt, POSITIVE), "cbrt": (fnp.cbrt, ANY), "abs": (fnp.abs, ANY),
    "fabs": (fnp.fabs, ANY), "sign": (fnp.sign, ANY), "floor": (fnp.floor, ANY),
    "ceil": (fnp.ceil, ANY), "rint": (fnp.rint, ANY), "round2": (lambda x: fnp.round(x, 2), ANY),
    "square": (fnp.square, ANY), "reciprocal": (fnp.reciprocal, NONZERO),
    "isnan": (fnp.isnan, ANY), "isfinite": (fnp.isfinite, ANY), "isinf": (fnp.isinf, ANY),
    "sinc": (fnp.sinc, ANY), "deg2rad": (fnp.deg2rad, ANY), "rad2deg": (fnp.rad2deg, ANY),
    "expit": (funcad.scipy.special.expit, ANY),
    "logit": (funcad.scipy.special.logit, Domain(0.1, 0.9)),
    "neg_operator": (operator.neg, ANY), "abs_builtin": (abs, ANY),
}


def _unary_case(fn, domain):
    def make(draw):
        shape = draw(S.shapes(max_dims=2, min_side=0))
        dtype = draw(S.floating_dtypes())
        return fn, lambda draw: [draw(arrays(shape, domain, dtype))]

    return make


for _name, (_fn, _domain) in UNARY.items():
    case(f"unary_{_name}")(_unary_case(_fn, _domain))


@case("unary_logical_not")
def _(draw):
    shape = draw(S.shapes(max_dims=2))
    return fnp.logical_not, lambda draw: [draw(bools(shape))]


@case("unary_invert_int")
def _(draw):
    shape = draw(S.shapes(max_dims=2))
    return operator.invert, lambda draw: [draw(ints(shape))]


@case("unary_int_abs_negative")
def _(draw):
    shape = draw(S.shapes(max_dims=2))
    return (lambda x: (fnp.abs(x), -x, fnp.sign(x))), lambda draw: [draw(ints(shape))]


BINARY = {
    "add": (fnp.add, ANY, ANY), "subtract": (fnp.subtract, ANY, ANY),
    "multiply": (fnp.multiply, ANY, ANY), "divide": (fnp.divide, ANY, NONZERO),
    "maximum": (fnp.maximum, ANY, ANY), "minimum": (fnp.minimum, ANY, ANY),
    "fmax": (fnp.fmax, ANY, ANY), "fmin": (fnp.fmin, ANY, ANY),
    "arctan2": (fnp.arctan2, ANY, NONZERO), "remainder": (fnp.remainder, ANY, NONZERO),
    "floor_divide": (fnp.floor_divide, ANY, NONZERO), "logaddexp": (fnp.logaddexp, ANY, ANY),
    "logaddexp2": (fnp.logaddexp2, ANY, ANY), "hypot": (fnp.hypot, ANY, ANY),
    "power": (fnp.power, POSITIVE, ANY), "equal": (fnp.equal, ANY, ANY),
    "not_equal": (fnp.not_equal, ANY, ANY), "less": (fnp.less, ANY, ANY),
    "less_equal": (fnp.less_equal, ANY, ANY), "greater": (fnp.greater, ANY, ANY),
    "greater_equal": (fnp.greater_equal, ANY, ANY),
    "add_operator": (operator.add, ANY, ANY), "sub_operator": (operator.sub, ANY, ANY),
    "mul_operator": (operator.mul, ANY, ANY), "truediv_operator": (operator.truediv, ANY, NONZERO),
    "pow_operator": (operator.pow, POSITIVE, ANY), "mod_operator": (operator.mod, ANY, NONZERO),
    "floordiv_operator": (operator.floordiv, ANY, NONZERO), "lt_operator": (operator.lt, ANY, ANY),
    "ge_operator": (operator.ge, ANY, ANY), "xlogy": (funcad.scipy.special.xlogy, ANY, POSITIVE),
}


def _binary_case(fn, domain_x, domain_y):
    def make(draw):
        # Different ranks and size-1 axes: batched and unbatched operands broadcast together.
        (shape_x, shape_y), _ = draw(S.broadcastable_shapes(2, max_dims=3, min_side=0))
        dtype_x = draw(S.floating_dtypes())
        dtype_y = draw(S.floating_dtypes())
        scalar = draw(st.sampled_from([None, "x", "y"]))

        def example(draw):
            x = draw(arrays(shape_x, domain_x, dtype_x))
            y = draw(arrays(shape_y, domain_y, dtype_y))
            if scalar == "x":
                x = float(x.flat[0]) if x.size else 0.5
            elif scalar == "y":
                y = float(y.flat[0]) if y.size else 0.5
            return [x, y]

        return fn, example

    return make


for _name, (_fn, _dx, _dy) in BINARY.items():
    case(f"binary_{_name}")(_binary_case(_fn, _dx, _dy))


@case("binary_int_arithmetic")
def _(draw):
    (shape_x, shape_y), _ = draw(S.broadcastable_shapes(2, max_dims=3))
    op = draw(st.sampled_from([operator.add, operator.sub, operator.mul, operator.floordiv,
                               operator.mod, fnp.maximum, operator.truediv]))
    python_int = draw(st.booleans())

    def example(draw):
        y = draw(ints(shape_y, 1, 5, np.int32))
        return [draw(ints(shape_x)), int(y.flat[0]) if python_int else y]

    return op, example


@case("binary_logical")
def _(draw):
    (shape_x, shape_y), _ = draw(S.broadcastable_shapes(2, max_dims=3))
    op = draw(st.sampled_from([fnp.logical_and, fnp.logical_or, fnp.logical_xor,
                               ]))
    return op, lambda draw: [draw(bools(shape_x)), draw(bools(shape_y))]


@case("integer_pow")
def _(draw):
    shape = draw(S.shapes(max_dims=3))
    k = draw(st.integers(-2, 4))
    dtype = draw(S.floating_dtypes())
    return (lambda x: x ** k), lambda draw: [draw(arrays(shape, NONZERO, dtype))]


@case("integer_pow_int_base")
def _(draw):
    shape = draw(S.shapes(max_dims=2))
    k = draw(st.integers(0, 3))
    return (lambda x: (fnp.power(x, k), fnp.square(x))), lambda draw: [draw(ints(shape))]


@case("where")
def _(draw):
    (sc, sx, sy), _ = draw(S.broadcastable_shapes(3, max_dims=3))
    scalar = draw(st.sampled_from([None, "x", "y"]))

    def example(draw):
        x, y = draw(arrays(sx)), draw(arrays(sy))
        if scalar == "x":
            x = 0.5
        elif scalar == "y":
            y = -1.5
        return [draw(bools(sc)), x, y]

    return fnp.where, example


@case("where_nonbool_condition")
def _(draw):
    (sc, sx), _ = draw(S.broadcastable_shapes(2, max_dims=2))
    return (lambda c, x: fnp.where(c, x, 0.0)), lambda draw: [draw(ints(sc, 0, 2)),
                                                              draw(arrays(sx))]


@case("clip")
def _(draw):
    (sx, slo, shi), _ = draw(S.broadcastable_shapes(3, max_dims=2))
    kind = draw(st.sampled_from(["scalars", "arrays", "lower", "upper"]))
    if kind == "scalars":
        return (lambda x: fnp.clip(x, -0.5, 0.7)), lambda draw: [draw(arrays(sx))]
    if kind == "lower":
        return (lambda x, lo: fnp.clip(x, lo)), lambda draw: [draw(arrays(sx)),
                                                              draw(arrays(slo))]
    if kind == "upper":
        return (lambda x, hi: x.clip(max=hi)), lambda draw: [draw(arrays(sx)),
                                                             draw(arrays(shi))]
    return fnp.clip, lambda draw: [draw(arrays(sx)), draw(arrays(slo, Domain(-2, 0))),
                                   draw(arrays(shi, Domain(0, 2)))]


@case("nan_to_num")
def _(draw):
    shape = draw(S.shapes(min_dims=1, max_dims=2))

    def example(draw):
        x = draw(arrays(shape))
        x.flat[0] = draw(st.sampled_from([np.nan, np.inf, -np.inf, 1.0]))
        return [x]

    return fnp.nan_to_num, example


# Reductions.

REDUCTIONS = {"sum": fnp.sum, "mean": fnp.mean, "prod": fnp.prod, "max": fnp.max,
              "min": fnp.min, "var": fnp.var, "std": fnp.std}


def _reduction_case(fn):
    def make(draw):
        shape = draw(S.shapes(max_dims=3))
        axis = draw(S.axes_arguments(len(shape)))
        keepdims = draw(st.booleans())
        dtype = draw(S.floating_dtypes())
        return (lambda x: fn(x, axis=axis, keepdims=keepdims)), \
            lambda draw: [draw(arrays(shape, Domain(0.5, 1.5), dtype))]

    return make


for _name, _fn in REDUCTIONS.items():
    case(f"reduce_{_name}")(_reduction_case(_fn))


@case("reduce_int_and_bool")
def _(draw):
    shape = draw(S.shapes(max_dims=3))
    axis = draw(S.axes_arguments(len(shape)))
    keepdims = draw(st.booleans())
    fn = draw(st.sampled_from([fnp.sum, fnp.prod, fnp.max, fnp.min, fnp.mean]))
    return (lambda x, b: (fn(x, axis=axis, keepdims=keepdims),
                          fnp.all(b, axis=axis, keepdims=keepdims),
                          fnp.any(b, axis=axis, keepdims=keepdims),
                          fnp.count_nonzero(b, axis=axis))), \
        lambda draw: [draw(ints(shape)), draw(bools(shape))]


@case("var_ddof")
def _(draw):
    shape = draw(S.shapes(min_dims=1, max_dims=3, min_side=2))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return (lambda x: (fnp.var(x, axis=axis, ddof=1), fnp.std(x, axis=axis, ddof=1,
                                                             keepdims=True))), \
        lambda draw: [draw(arrays(shape))]


@case("argmax_argmin")
def _(draw):
    shape = draw(S.shapes(max_dims=3))
    ndim = len(shape)
    axis = draw(st.none() | st.integers(-ndim, ndim - 1)) if ndim else None
    keepdims = draw(st.booleans())
    return (lambda x: (fnp.argmax(x, axis=axis, keepdims=keepdims),
                       fnp.argmin(x, axis=axis, keepdims=keepdims))), \
        lambda draw: [draw(S.distinct_arrays((shape,)))[0]]


@case("cumsum")
def _(draw):
    shape = draw(S.shapes(max_dims=3))
    ndim = len(shape)
    axis = draw(st.none() | st.integers(-ndim, ndim - 1)) if ndim else None
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64]))
    gen = (lambda draw: [draw(ints(shape))]) if dtype == np.int64 else \
        (lambda draw: [draw(arrays(shape, dtype=dtype))])
    return (lambda x: fnp.cumsum(x, axis=axis)), gen


@case("sort_argsort")
def _(draw):
    shape = draw(S.shapes(min_dims=1, max_dims=3))
    ndim = len(shape)
    axis = draw(st.none() | st.integers(-ndim, ndim - 1))
    descending = draw(st.booleans())
    return (lambda x: (fnp.sort(x, axis=axis, descending=descending),
                       fnp.argsort(x, axis=axis, descending=descending))), \
        lambda draw: [draw(S.distinct_arrays((shape,)))[0]]


@case("logsumexp")
def _(draw):
    shape = draw(S.shapes(max_dims=3))
    axis = draw(S.axes_arguments(len(shape)))
    keepdims = draw(st.booleans())
    return (lambda x: logsumexp(x, axis=axis, keepdims=keepdims)), \
        lambda draw: [draw(arrays(shape))]


@case("softmax")
def _(draw):
    shape = draw(S.shapes(min_dims=1, max_dims=3))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return (lambda x: (softmax(x, axis=axis), log_softmax(x, axis=axis))), \
        lambda draw: [draw(arrays(shape))]


@case("norm")
def _(draw):
    kind = draw(st.sampled_from(["vector", "matrix", "all"]))
    if kind == "all":
        shape = draw(S.shapes(max_dims=3))
        return fnp.linalg.norm, lambda draw: [draw(arrays(shape))]
    if kind == "vector":
        shape = draw(S.shapes(min_dims=1, max_dims=3))
        axis = draw(st.integers(-len(shape), len(shape) - 1))
        ord_ = draw(st.sampled_from([None, 1, 2, 3, np.inf, -np.inf]))
        keepdims = draw(st.booleans())
        return (lambda x: fnp.linalg.norm(x, ord=ord_, axis=axis, keepdims=keepdims)), \
            lambda draw: [draw(arrays(shape, NONZERO))]
    shape = draw(S.shapes(min_dims=2, max_dims=3))
    ord_ = draw(st.sampled_from([None, "fro", 1, np.inf]))
    axis = (-2, -1) if draw(st.booleans()) else (0, 1)
    return (lambda x: fnp.linalg.norm(x, ord=ord_, axis=axis)), \
        lambda draw: [draw(S.distinct_arrays((shape,)))[0]]


# Shapes and layout.

@case("reshape")
def _(draw):
    shape = draw(S.shapes(max_dims=3, min_side=0))
    target = draw(S.reshape_targets(shape))
    return (lambda x: (fnp.reshape(x, target), fnp.ravel(x))), \
        lambda draw: [draw(arrays(shape))]


@case("reshape_method")
def _(draw):
    shape = draw(S.shapes(min_dims=1, max_dims=3))
    return (lambda x: x.reshape(-1, shape[-1])), lambda draw: [draw(arrays(shape))]


@case("transpose")
def _(draw):
    shape = draw(S.shapes(max_dims=3, min_side=0))
    perm = draw(st.none() | st.permutations(range(len(shape))).map(tuple))
    negative = draw(st.booleans())
    if perm is not None and negative:
        perm = tuple(p - len(shape) for p in perm)
    return (lambda x: fnp.transpose(x, perm)), lambda draw: [draw(arrays(shape))]


@case("T_and_mT")
def _(draw):
    shape = draw(S.shapes(min_dims=2, max_dims=3))
    return (lambda x: (x.T, x.mT)), lambda draw: [fnp.asarray(draw(arrays(shape)))]


@case("swapaxes_moveaxis")
def _(draw):
    shape = draw(S.shapes(min_dims=1, max_dims=3))
    n = len(shape)
    a, b = draw(st.integers(-n, n - 1)), draw(st.integers(-n, n - 1))
    return (lambda x: (fnp.swapaxes(x, a, b), fnp.moveaxis(x, a, b))), \
        lambda draw: [draw(arrays(shape))]


@case("expand_dims_squeeze")
def _(draw):
    shape = draw(S.shapes(max_dims=3, max_side=2))
    n = len(shape)
    axis = draw(st.integers(-(n + 1), n))
    ones = [i for i, k in enumerate(shape) if k == 1]
    sq_axis = draw(st.none() | st.sampled_from(ones)) if ones else None
    return (lambda x: (fnp.expand_dims(x, axis), fnp.squeeze(x, sq_axis),
                       x[None, ..., None])), lambda draw: [draw(arrays(shape))]


@case("broadcast_to")
def _(draw):
    (shape, target), _ = draw(S.broadcastable_shapes(2, max_dims=3))
    target = np.broadcast_shapes(shape, target)
    return (lambda x: (fnp.broadcast_to(x, target), fnp.broadcast_arrays(x, np.ones(target))[0])), \
        lambda draw: [draw(arrays(shape))]


@case("concatenate_stack")
def _(draw):
    shape = draw(S.shapes(min_dims=1, max_dims=3))
    n = len(shape)
    axis = draw(st.integers(-n, n - 1))
    count = draw(st.integers(2, 3))
    sizes = draw(st.lists(st.integers(0, 3), min_size=count, max_size=count))
    shapes = [shape[:axis % n] + (k,) + shape[axis % n + 1:] for k in sizes]
    stack_axis = draw(st.integers(-(n + 1), n))
    return (lambda *xs: (fnp.concatenate(xs, axis=axis),
                         fnp.stack([xs[0], xs[0] * 2], axis=stack_axis))), \
        lambda draw: [draw(arrays(s)) for s in shapes]


@case("hstack_vstack")
def _(draw):
    shape = draw(S.shapes(min_dims=1, max_dims=2))
    return (lambda x, y: (fnp.hstack([x, y]), fnp.vstack([x, y]))), \
        lambda draw: [draw(arrays(shape)), draw(arrays(shape))]


@case("split")
def _(draw):
    shape = draw(S.shapes(min_dims=1, max_dims=3))
    n = len(shape)
    axis = draw(st.integers(-n, n - 1))
    k = shape[axis]
    cuts = draw(st.one_of(st.sampled_from([d for d in range(1, k + 1) if k % d == 0]),
                          st.lists(st.integers(0, k), max_size=2).map(sorted)))
    return (lambda x: fnp.split(x, cuts, axis=axis)), lambda draw: [draw(arrays(shape))]


@case("flip")
def _(draw):
    shape = draw(S.shapes(max_dims=3))
    axis = draw(S.axes_arguments(len(shape)))
    return (lambda x: fnp.flip(x, axis)), lambda draw: [draw(arrays(shape))]


@case("tile_repeat")
def _(draw):
    shape = draw(S.shapes(max_dims=2))
    reps = draw(st.integers(1, 3) | st.lists(st.integers(1, 2), min_size=1, max_size=3)
                .map(tuple))
    n = len(shape)
    axis = draw(st.none() | st.integers(-n, n - 1)) if n else None
    repeats = draw(st.integers(1, 3))
    return (lambda x: (fnp.tile(x, reps), fnp.repeat(x, repeats, axis=axis))), \
        lambda draw: [draw(arrays(shape))]


@case("astype")
def _(draw):
    shape = draw(S.shapes(max_dims=2))
    dtype = draw(st.sampled_from([np.float32, np.int64, np.bool_, np.float64, np.int8]))
    return (lambda x: (fnp.astype(x, dtype), fnp.asarray(x, dtype))), \
        lambda draw: [draw(arrays(shape, Domain(-3, 3)))]


@case("stop_gradient")
def _(draw):
    shape = draw(S.shapes(max_dims=2))
    return (lambda x, y: funcad.stop_gradient({"a": x, "b": (x * y,)})), \
        lambda draw: [draw(arrays(shape)), draw(arrays(shape))]


@case("take_diagonal_trace")
def _(draw):
    shape = draw(S.shapes(min_dims=2, max_dims=3))
    offset = draw(st.integers(-1, 1))
    idx = draw(ints((2,), 0, shape[-1] - 1))
    return (lambda x: (fnp.diagonal(x, offset), fnp.trace(x, offset, 0, -1),
                       fnp.take(x, idx, axis=-1), fnp.take(x, idx))), \
        lambda draw: [draw(arrays(shape))]


@case("take_along_axis")
def _(draw):
    shape = draw(S.shapes(min_dims=1, max_dims=3))
    n = len(shape)
    axis = draw(st.integers(-n, n - 1))
    idx_shape = shape[:axis % n] + (draw(st.integers(1, 3)),) + shape[axis % n + 1:]
    return (lambda x, i: fnp.take_along_axis(x, i, axis)), \
        lambda draw: [draw(arrays(shape)), draw(ints(idx_shape, 0, shape[axis] - 1))]


@case("diag_triu_tril")
def _(draw):
    n = draw(st.integers(1, 3))
    k = draw(st.integers(-1, 1))
    return (lambda v, m: (fnp.diag(v, k), fnp.diag(m, k), fnp.triu(m, k), fnp.tril(m))), \
        lambda draw: [draw(arrays((n,))), draw(arrays((n, n + 1)))]


# Indexing.

def _draw_valid_index(draw, shape):
    index = draw(S.mixed_indices(shape))
    try:  # (index arrays and masks drawn independently may not broadcast together)
        np.zeros(shape)[index]
    except IndexError:
        reject()
    return index


@case("getitem_mixed_static")
def _(draw):
    shape = draw(S.shapes(max_dims=3))
    index = _draw_valid_index(draw, shape)
    return (lambda x: x[index]), lambda draw: [draw(arrays(shape))]


@case("getitem_advanced_static")
def _(draw):
    shape = draw(S.shapes(min_dims=1, max_dims=3))
    index = draw(S.advanced_indices(shape))
    return (lambda x: fnp.at(x)[index].get()), lambda draw: [draw(arrays(shape))]


@case("getitem_nonadjacent_static")
def _(draw):
    shape = draw(S.shapes(min_dims=3, max_dims=3))
    i = draw(ints((2,), -shape[0], shape[0] - 1))
    m = min(shape[1:])  # j indexes axis 2, or axis 1 after a None
    j = draw(ints((2, 1) if draw(st.booleans()) else (2,), -m, m - 1))
    return (lambda x: (fnp.at(x)[i, :, j].get(), fnp.at(x)[0, :, j].get(),
                       fnp.at(x)[i, None, j].get(), fnp.at(x)[i, ..., j].get(),
                       fnp.at(x)[:, i % shape[1], j].get())), \
        lambda draw: [draw(arrays(shape))]


@case("getitem_boolean_mask")
def _(draw):
    shape = draw(S.shapes(min_dims=1, max_dims=3))
    k = draw(st.integers(1, len(shape)))
    mask = draw(bools(shape[:k]))
    lead = draw(st.booleans()) and k < len(shape)
    if lead:
        mask = draw(bools(shape[1:k + 1]))
        return (lambda x: fnp.at(x)[:, mask].get()), lambda draw: [draw(arrays(shape))]
    return (lambda x: fnp.at(x)[mask].get()), lambda draw: [draw(arrays(shape))]


# Index patterns whose integer arrays are arguments (so they may be batched): each item is
# "i"/"j" (an index array argument), ":" , None, "..." or an int.
INDEX_PATTERNS = [
    ("i",), (":", "i"), ("i", ":"), ("...", "i"), ("i", "j"), ("i", ":", "j"),
    (1, ":", "i"), (":", None, "i"), (None, "i"), (":", "i", 0), (":", "i", "j"),
    ("i", None, ":"), ("...", "i", "j"), (":", ":", "i"), ("i", 1, ":"),
]


def _index_from_pattern(pattern, i, j):
    items = {"i": i, "j": j, ":": slice(None), "...": Ellipsis}
    return tuple(items.get(p, p) if isinstance(p, str) else p for p in pattern)


def _draw_pattern_shapes(draw, pattern):
    consumed = sum(1 for p in pattern if p is not None and p != "...")
    ndim = consumed + (draw(st.integers(0, 1)) if "..." in pattern else 0)
    shape = tuple(draw(st.integers(2, 4)) for _ in range(ndim))
    (shape_i, shape_j), _ = draw(S.broadcastable_shapes(2, max_dims=2, min_side=1,
                                                        max_side=3))
    # The sizes of the axes the arrays index: i indexes its position, j its position.
    position = {}
    axis = 0
    for p in pattern:
        if p == "...":
            axis += ndim - consumed
        elif p is not None:
            position.setdefault(p, axis)
            axis += 1
    return shape, shape_i, shape_j, shape[position["i"]], shape[position.get("j", 0)]


@case("getitem_batched_index_arrays")
def _(draw):
    pattern = draw(st.sampled_from(INDEX_PATTERNS))
    shape, shape_i, shape_j, ni, nj = _draw_pattern_shapes(draw, pattern)

    def f(x, i, j):
        return fnp.at(x)[_index_from_pattern(pattern, i, j)].get()

    return f, lambda draw: [draw(arrays(shape)), draw(ints(shape_i, -ni, ni - 1)),
                            draw(ints(shape_j, -nj, nj - 1, np.int32))]


@case("index_update_static")
def _(draw):
    shape = draw(S.shapes(max_dims=3))
    index = _draw_valid_index(draw, shape)
    mode = draw(st.sampled_from(["set", "add", "multiply", "subtract", "divide"]))
    target = np.zeros(shape)[index].shape
    drop = draw(st.integers(0, len(target)))
    values_shape = target[drop:]
    if values_shape and draw(st.booleans()):
        values_shape = (1,) + values_shape[1:]  # a broadcast axis of the values
    if draw(st.integers(0, 3)) == 0:
        values_shape = (1,) + values_shape  # an extra leading 1 (NumPy drops it)
    python_scalar = draw(st.booleans()) and not values_shape

    def f(x, v):
        return getattr(fnp.at(x)[index], mode)(v)

    def example(draw):
        v = draw(arrays(values_shape, NONZERO))
        return [draw(arrays(shape)), float(v) if python_scalar else v]

    return f, example


@case("index_update_batched_index_arrays")
def _(draw):
    pattern = draw(st.sampled_from(INDEX_PATTERNS))
    shape, shape_i, shape_j, ni, nj = _draw_pattern_shapes(draw, pattern)
    mode = draw(st.sampled_from(["set", "add", "multiply"]))
    target = np.zeros(shape)[_index_from_pattern(pattern, np.zeros(shape_i, int),
                                                 np.zeros(shape_j, int))].shape
    drop = draw(st.integers(0, len(target)))

    def f(x, v, i, j):
        return getattr(fnp.at(x)[_index_from_pattern(pattern, i, j)], mode)(v)

    def example(draw):
        i = draw(ints(shape_i, -ni, ni - 1))
        j = draw(ints(shape_j, -nj, nj - 1))
        return [draw(arrays(shape)), draw(arrays(target[drop:], NONZERO)), i, j]

    return f, example


# Products.

MATMUL_SHAPES = [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                 ((2, 2, 3), (3, 4)), ((2, 3), (2, 3, 4)), ((2, 2, 3), (2, 3, 4)),
                 ((1, 2, 3), (2, 3, 1)), ((3,), (2, 3, 4)), ((2, 2, 3), (3,))]


@case("matmul")
def _(draw):
    sa, sb = draw(st.sampled_from(MATMUL_SHAPES))
    dtype = draw(S.floating_dtypes())
    fn = draw(st.sampled_from([fnp.matmul, operator.matmul]))
    return fn, lambda draw: [draw(arrays(sa, dtype=dtype)), draw(arrays(sb))]


@case("dot")
def _(draw):
    sa, sb = draw(st.sampled_from([((), (3,)), ((3,), ()), ((3,), (3,)), ((2, 3), (3,)),
                                   ((3,), (3, 2)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 4)),
                                   ((2, 3), (2, 3, 4))]))
    return fnp.dot, lambda draw: [draw(arrays(sa)), draw(arrays(sb))]


@case("inner_outer_vdot_kron")
def _(draw):
    sa, sb = draw(st.sampled_from([((3,), (3,)), ((2, 3), (3,)), ((2, 3), (4, 3))]))
    return (lambda a, b: (fnp.inner(a, b), fnp.outer(a, b), fnp.vdot(a, a), fnp.kron(a, b))), \
        lambda draw: [draw(arrays(sa)), draw(arrays(sb))]


@case("tensordot")
def _(draw):
    sa, sb, axes = draw(st.sampled_from([
        ((2, 3), (3, 4), 1), ((2, 3, 4), (3, 4, 2), 2), ((2,), (3,), 0), ((2, 3), (2, 3), 2),
        ((2, 3, 4), (4, 2), ([0, 2], [1, 0])), ((3, 2), (3,), (0, 0)),
        ((2, 3, 4), (4, 3), ((-1, 1), (0, -1)))]))
    return (lambda a, b: fnp.tensordot(a, b, axes)), \
        lambda draw: [draw(arrays(sa)), draw(arrays(sb))]


@case("einsum")
def _(draw):
    spec, shapes = draw(st.sampled_from([
        ("ij,jk->ik", [(2, 3), (3, 4)]), ("i,i->", [(3,), (3,)]), ("ij->ji", [(2, 3)]),
        ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
        ("...ij,...jk->...ik", [(2, 2, 3), (3, 4)]), ("ij,ij->i", [(2, 3), (2, 3)]),
        ("i,j->ij", [(2,), (3,)]), ("ijk->kj", [(2, 3, 4)]), ("ij,jk,kl->il",
                                                            [(2, 3), (3, 2), (2, 2)]),
        ("ij", [(2, 3)]), ("ji", [(2, 3)])]))
    return (lambda *xs: fnp.einsum(spec, *xs)), \
        lambda draw: [draw(arrays(s)) for s in shapes]


@case("matrix_power_multi_dot")
def _(draw):
    n = draw(st.integers(0, 3))
    return (lambda a, b, c: (fnp.linalg.matrix_power(a, n),
                             fnp.linalg.multi_dot([b, a, c]))), \
        lambda draw: [draw(arrays((2, 2))), draw(arrays((3, 2))), draw(arrays((2,)))]


# ----------------------------------------------------------------------------------------------
# The generic test.


def _valid_axes(ndim):
    """Batch axes to try for an array of rank ``ndim`` (after inserting the batch axis)."""
    return sorted({a for a in (0, 1, -1, ndim, -ndim - 1) if -(ndim + 1) <= a <= ndim})


@st.composite
def batched_call(draw, name):
    f, example = CASES[name](draw)
    size = draw(st.integers(1, 3), label="batch size")
    examples = [example(draw) for _ in range(size)]
    first = examples[0]
    in_axes = []
    for a in first:
        if _is_scalar(a):
            in_axes.append(None)
        else:
            in_axes.append(draw(st.sampled_from([None] + _valid_axes(np.ndim(a)))))
    if all(ax is None for ax in in_axes):
        mappable = [k for k, a in enumerate(first) if not _is_scalar(a)]
        in_axes[draw(st.sampled_from(mappable))] = 0
    args = [a if ax is None else np.stack([e[k] for e in examples], axis=ax)
            for k, (a, ax) in enumerate(zip(first, in_axes))]
    out_ranks = [np.ndim(o) for o in tree_util.tree_leaves(f(*first))]
    out_axes = draw(st.sampled_from(_valid_axes(min(out_ranks))))
    return f, tuple(in_axes), out_axes, args, size


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_vmap_matches_loop(name, data):
    f, in_axes, out_axes, args, size = data.draw(batched_call(name), label="call")
    check_vmap(f, in_axes, out_axes, *args, size=size)


# Deterministic companions of the table, so that the combinations the issue names are always
# run (the table draws them at random).

RNG = np.random.default_rng(0)


def _randn(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (0, 0), (1, 0), (0, -1), (-1, 1)])
@pytest.mark.parametrize("shapes", [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)),
                                    ((2, 3), (3, 4)), ((5, 2, 3), (5, 3, 4)),
                                    ((5, 2, 3), (3, 4)), ((3,), (5, 3, 4))])
@pytest.mark.parametrize("out_axes", [0, 1, -1])
def test_matmul_either_or_both_batched(in_axes, shapes, out_axes):
    size = 4
    args = []
    for shape, ax in zip(shapes, in_axes):
        x = _randn(*shape)
        if ax is not None:
            x = np.stack([_randn(*shape) for _ in range(size)], axis=ax)
        args.append(x)
    out_ndim = np.ndim(np.matmul(np.ones(shapes[0]), np.ones(shapes[1])))
    if not -(out_ndim + 1) <= out_axes <= out_ndim:
        pytest.skip("out_axes out of range for a scalar output")
    check_vmap(fnp.matmul, in_axes, out_axes, *args)
    check_vmap(operator.matmul, in_axes, out_axes, *args)


def test_where_with_only_the_condition_batched():
    cond = _randn(4, 2, 3) > 0
    check_vmap(lambda c: fnp.where(c, np.arange(3.0), -1.0), (0,), 0, cond)
    check_vmap(lambda c, x, y: fnp.where(c, x, y), (1, None, None), -1,
               np.moveaxis(cond, 0, 1), _randn(3), _randn(2, 1))


def test_broadcasting_between_batched_and_unbatched_operands_of_different_ranks():
    x = _randn(4, 3)        # 4 examples of shape (3,)
    y = _randn(2, 5, 3)     # unbatched, rank 3
    check_vmap(fnp.add, (0, None), 0, x, y)
    check_vmap(fnp.multiply, (None, 1), 2, y, x.T)
    check_vmap(lambda a, b: a - b, (0, 0), 1, _randn(4, 2, 1, 3), _randn(4, 5, 1))
    check_vmap(lambda a: 2 * a + 1.5 - a ** 2, (1,), 0, _randn(3, 4, dtype=np.float32))


def test_index_update_with_batched_x_values_and_indices():
    x, v = _randn(4, 5, 6), _randn(4, 5, 2)
    i = np.array([[0, 3], [1, 1], [5, 2], [4, 0]])
    for mode in ("set", "add", "multiply"):
        f = lambda x, v, i, mode=mode: getattr(fnp.at(x)[:, i], mode)(v)
        for in_axes in [(0, 0, 0), (None, 0, 0), (0, None, 0), (0, 0, None), (None, None, 0),
                        (0, None, None), (None, 0, None)]:
            args = [x[0] if in_axes[0] is None else x, v[0] if in_axes[1] is None else v,
                    i[0] if in_axes[2] is None else i]
            check_vmap(f, in_axes, 0, *args)


@pytest.mark.parametrize("index", [
    (slice(None), 1), (Ellipsis, slice(None, None, -2)), (None, 2, slice(1, None, 2)),
    (np.array([2, 0, 2]),), (slice(None), np.array([[1, 0], [2, 2]])),
    (np.array([0, 1]), slice(None), np.array([1, 0])), (0, slice(None), np.array([2, 1])),
    (np.array([[True, False, True], [False, True, True], [False, False, False]]),),
    (slice(None), np.array([True, False, True])),
])
@pytest.mark.parametrize("in_axis", [0, 1, -1])
def test_static_indexing(index, in_axis):
    x = _randn(3, 3, 3)
    batched = np.stack([x, x + 1, 2 * x, -x], axis=in_axis)
    check_vmap(lambda a: a[index], (in_axis,), 0, batched)
    check_vmap(lambda a: a[index], (in_axis,), -1, batched)


# ----------------------------------------------------------------------------------------------
# The API: in_axes, out_axes, axis_size.


def test_in_axes_int_applies_to_every_argument():
    x, y = _randn(3, 4), _randn(3, 4)
    check_vmap(lambda a, b: a * b, (1, 1), 0, x, y)
    np.testing.assert_allclose(vmap(lambda a, b: a * b, 1)(x, y), (x * y).T)
    np.testing.assert_allclose(vmap(lambda a, b: a * b, -1, 1)(x, y), x * y)
    np.testing.assert_allclose(vmap(lambda a, b: a * b, np.int64(0))(x, y), x * y)


def test_in_axes_list_is_a_tuple():
    x, y = _randn(3, 4), _randn(4)
    np.testing.assert_allclose(vmap(fnp.dot, [0, None])(x, y), x @ y)


def test_in_axes_nested_prefix():
    x, a, b = _randn(3, 2), _randn(2), _randn(2, 3)

    def f(x, pair):
        return x * pair[0] + pair[1]

    want = np.stack([f(x[i], (a, b[:, i])) for i in range(3)])
    np.testing.assert_allclose(vmap(f, (0, (None, 1)))(x, (a, b)), want)
    # None covers a whole subtree.
    want = np.stack([f(x[i], (a, b[:, 0])) for i in range(3)])
    np.testing.assert_allclose(vmap(f, (0, None))(x, (a, b[:, 0])), want)


def test_in_axes_dict():
    params = {"w": _randn(4, 2), "b": _randn(2)}

    def f(p):
        return fnp.tanh(p["w"]) + p["b"]

    want = np.stack([f({"w": params["w"][i], "b": params["b"]}) for i in range(4)])
    np.testing.assert_allclose(vmap(f, in_axes=({"w": 0, "b": None},))(params), want)
    np.testing.assert_allclose(vmap(f, in_axes={"w": 0, "b": None})(params), want)
    want = np.stack([f({"w": params["w"][:, i], "b": params["b"][i]}) for i in range(2)])
    np.testing.assert_allclose(vmap(f, in_axes={"w": 1, "b": -1})(params), want)


def test_out_axes_pytree_and_unbatched_outputs():
    x = _randn(3, 4)
    const = _randn(2)

    def f(a):
        return a.sum(), {"k": a * 2, "c": const}, [fnp.outer(a, const)]

    total, d, (outer,) = vmap(f, out_axes=(0, {"k": 1, "c": None}, [-1]))(x)
    np.testing.assert_allclose(total, x.sum(1))
    np.testing.assert_allclose(d["k"], (x * 2).T)
    assert d["c"] is const  # out_axes None: returned as it is
    np.testing.assert_allclose(outer, np.einsum("bi,j->ijb", x, const))
    # An int out_axes broadcasts an output that does not depend on the batch.
    total, d, (outer,) = vmap(f, out_axes=(0, 1, 1))(x)
    np.testing.assert_array_equal(d["c"], np.stack([const] * 3, axis=1))
    assert d["c"].shape == (2, 3) and total.shape == (3,)


@pytest.mark.parametrize("out_axes", [0, 1, -1])
def test_outputs_not_depending_on_the_batch_are_broadcast(out_axes):
    x = _randn(5, 3)
    table = _randn(3, 2)
    ones, scalar, t = vmap(lambda a: (np.ones(3), 7.0, table), out_axes=(out_axes, 0, out_axes))(x)
    np.testing.assert_array_equal(ones, np.ones((5, 3)) if out_axes == 0 else np.ones((3, 5)))
    np.testing.assert_array_equal(scalar, np.full(5, 7.0))
    np.testing.assert_array_equal(vmap(lambda a: 7.0, out_axes=-1)(x), np.full(5, 7.0))
    np.testing.assert_array_equal(t, np.stack([table] * 5, axis=out_axes))


def test_axis_size_with_no_mapped_argument():
    x = _randn(3)
    out = vmap(lambda a: fnp.sin(a), in_axes=None, axis_size=4)(x)
    np.testing.assert_allclose(out, np.stack([np.sin(x)] * 4))
    out = vmap(lambda a: a * 2, in_axes=(None,), out_axes=1, axis_size=2)(x)
    np.testing.assert_allclose(out, np.stack([x * 2] * 2, axis=1))
    out = vmap(lambda: np.arange(3.0), in_axes=(), axis_size=2)()
    np.testing.assert_array_equal(out, np.stack([np.arange(3.0)] * 2))
    # axis_size equal to the mapped size is fine.
    np.testing.assert_allclose(vmap(fnp.sin, axis_size=3)(_randn(3, 2)).shape, (3, 2))


def test_pytree_outputs_and_inputs():
    from collections import namedtuple

    Point = namedtuple("Point", "x y")
    pts = Point(_randn(4, 2), _randn(4))

    def f(p):
        return {"norm": fnp.sqrt(fnp.sum(p.x ** 2) + p.y ** 2), "scaled": Point(p.x * p.y, p.y)}

    got = vmap(f)(pts)
    assert isinstance(got["scaled"], Point)
    for i in range(4):
        one = f(Point(pts.x[i], pts.y[i]))
        np.testing.assert_allclose(got["norm"][i], one["norm"])
        np.testing.assert_allclose(got["scaled"].x[i], one["scaled"].x)
        np.testing.assert_allclose(got["scaled"].y[i], one["scaled"].y)


def test_size_one_and_size_zero_batches():
    np.testing.assert_allclose(vmap(fnp.sin)(np.ones((1, 3))), np.sin(np.ones((1, 3))))
    assert vmap(fnp.sin)(np.ones((0, 3))).shape == (0, 3)
    assert vmap(lambda a: a.sum())(np.ones((0, 3))).shape == (0,)
    assert vmap(lambda a: a @ np.ones((3, 2)), 1, 1)(np.ones((3, 0))).shape == (2, 0)


def test_dtypes_are_kept():
    x = _randn(3, 2, dtype=np.float32)
    out = vmap(lambda a: fnp.exp(a) * 2.0 + a.sum())(x)
    assert out.dtype == np.float32
    assert vmap(lambda a: a > 0)(x).dtype == np.bool_
    assert vmap(lambda a: fnp.argmax(a))(x).dtype == np.intp


def test_vmapped_function_metadata():
    def my_function(x):
        """Docs."""
        return x

    g = vmap(my_function)
    assert "my_function" in g.__name__ and g.__doc__ == "Docs."


# ----------------------------------------------------------------------------------------------
# Errors.


def test_error_inconsistent_sizes_names_arguments_axes_and_sizes():
    with pytest.raises(ValueError, match=r"args\[0\] has size 3 along axis 0.*args\[1\] has "
                                         r"size 5 along axis 0"):
        vmap(fnp.add)(_randn(3, 4), _randn(5, 4))
    with pytest.raises(ValueError, match=r"args\[1\]\['w'\] has size 5 along axis 1"):
        vmap(lambda a, d: a, (0, {"w": 1}))(_randn(3), {"w": _randn(4, 5)})
    with pytest.raises(ValueError, match=r"size 3 along axis 0.*axis_size=4"):
        vmap(fnp.sin, axis_size=4)(_randn(3))


def test_error_axis_out_of_range():
    with pytest.raises(ValueError, match=r"in_axes for args\[0\] \(shape \(3, 4\)\) is 2, out "
                                         r"of range.*rank 2"):
        vmap(fnp.sin, 2)(_randn(3, 4))
    with pytest.raises(ValueError, match=r"args\[1\]\['w'\].*is -3, out of range"):
        vmap(lambda a, d: a, (None, {"w": -3}))(_randn(3), {"w": _randn(3, 4)})
    with pytest.raises(ValueError, match=r"axis 0 for args\[0\].*scalar"):
        vmap(fnp.sin)(2.0)
    with pytest.raises(ValueError, match=r"out_axes for output.*is 3, out of range"):
        vmap(fnp.sin, 0, 3)(_randn(3, 4))


def test_error_in_axes_structure_mismatch():
    with pytest.raises(ValueError, match=r"in_axes.*does not match.*keys"):
        vmap(lambda a, d: a, (0, {"w": 0}))(_randn(3), {"w": _randn(3), "v": _randn(3)})
    with pytest.raises(ValueError, match=r"in_axes.*does not match"):
        vmap(lambda a: a, {"a": 0})(_randn(3))
    with pytest.raises(ValueError, match=r"in_axes.*does not match"):
        vmap(lambda p: p[0], ((0, 0),))((_randn(3),))


def test_error_in_axes_tuple_of_wrong_length():
    with pytest.raises(ValueError, match=r"in_axes is a tuple of length 1 .* 2 positional"):
        vmap(fnp.add, (0,))(_randn(3), _randn(3))
    with pytest.raises(ValueError, match=r"length 3 .* 2 positional"):
        vmap(fnp.add, [0, 0, 0])(_randn(3), _randn(3))


def test_error_no_mapped_argument_and_no_axis_size():
    with pytest.raises(ValueError, match=r"at least one mapped argument.*axis_size"):
        vmap(fnp.sin, None)(_randn(3))
    with pytest.raises(ValueError, match=r"at least one mapped argument.*axis_size"):
        vmap(lambda: 1.0, ())()


def test_error_out_axes_none_for_a_batched_output():
    with pytest.raises(ValueError, match=r"out_axes is None for output \(shape \(4,\) per "
                                         r"example\).*varies.*batch of size 3"):
        vmap(fnp.sin, 0, None)(_randn(3, 4))
    with pytest.raises(ValueError, match=r"out_axes is None for output\['k'\]\[1\]"):
        vmap(lambda a: {"k": (a, a)}, 0, {"k": (0, None)})(_randn(3, 4))


def test_error_bad_in_axes_type():
    with pytest.raises(TypeError, match="int or None"):
        vmap(fnp.sin, 1.0)(_randn(3, 4))
    with pytest.raises(TypeError, match="callable"):
        vmap(3)


# ----------------------------------------------------------------------------------------------
# Compositions.


def test_vmap_of_vmap_with_different_in_axes():
    x, y = _randn(2, 3, 4), _randn(4, 5, 3)

    def f(a, b):  # a: (4,), b: (4,)
        return fnp.sin(a) @ b + a.sum()

    inner = vmap(f, in_axes=(0, 1))       # maps a's axis 0 of (3, 4) and b's axis 1 of (4, 3)
    outer = vmap(inner, in_axes=(0, 1), out_axes=1)  # x's axis 0, y's axis 1 (size 5? no: 2)
    y2 = _randn(4, 2, 3)
    got = outer(x, y2)
    want = np.stack([np.stack([f(x[i, j], y2[:, i, j]) for j in range(3)]) for i in range(2)],
                    axis=1)
    np.testing.assert_allclose(got, want)
    # The inner function closes over the outer example (an outer product of batches).
    got = vmap(lambda a: vmap(lambda b: a * b)(y[0, 0]))(x[0, 0])
    np.testing.assert_allclose(got, np.outer(x[0, 0], y[0, 0]))
    # Nested with out_axes None on the inner level for an output of the outer batch only.
    got = vmap(lambda a: vmap(lambda b: (a.sum(), b), out_axes=(None, 0))(y[0]))(x[0])
    np.testing.assert_allclose(got[0], x[0].sum(1))
    np.testing.assert_allclose(got[1], np.broadcast_to(y[0], (3,) + y[0].shape))


def _loss(w, x, y):
    logits = fnp.dot(x, w)
    return fnp.logaddexp(0.0, logits) - y * logits


def test_per_example_gradients():
    w, xs, ys = _randn(5), _randn(8, 5), (RNG.random(8) > 0.5).astype(float)
    got = vmap(funcad.grad(_loss), in_axes=(None, 0, 0))(w, xs, ys)
    want = np.stack([funcad.grad(_loss)(w, x, y) for x, y in zip(xs, ys)])
    np.testing.assert_allclose(got, want)
    closed_form = (1 / (1 + np.exp(-xs @ w)) - ys)[:, None] * xs
    np.testing.assert_allclose(got, closed_form)
    # With respect to a batched argument, and batched along another axis.
    got = vmap(funcad.grad(_loss, argnums=(0, 1)), in_axes=(None, 1, 0), out_axes=-1)(
        w, xs.T, ys)
    for i in range(8):
        gw, gx = funcad.grad(_loss, argnums=(0, 1))(w, xs[i], ys[i])
        np.testing.assert_allclose(got[0][:, i], gw)
        np.testing.assert_allclose(got[1][:, i], gx)


def test_grad_of_a_vmapped_loss():
    w, xs, ys = _randn(5), _randn(8, 5), (RNG.random(8) > 0.5).astype(float)
    got = funcad.grad(lambda w: vmap(_loss, (None, 0, 0))(w, xs, ys).mean())(w)
    want = np.mean([funcad.grad(_loss)(w, x, y) for x, y in zip(xs, ys)], axis=0)
    np.testing.assert_allclose(got, want)
    # Gradient with respect to the batched argument too.
    got = funcad.grad(lambda xs: vmap(_loss, (None, 0, 0))(w, xs, ys).sum())(xs)
    np.testing.assert_allclose(got, np.stack([funcad.grad(_loss, 1)(w, x, y)
                                              for x, y in zip(xs, ys)]))


def _g(x):
    return fnp.tanh(x[:2]) * x.sum() + fnp.array([x[0] ** 3, 0.0])


def test_jacrev_of_vmap_and_vmap_of_jacobians():
    xs = _randn(4, 3)
    per_example = np.stack([funcad.jacrev(_g)(x) for x in xs])  # (4, 2, 3)
    for jac in (funcad.jacrev, funcad.jacfwd):
        np.testing.assert_allclose(vmap(jac(_g))(xs), per_example)
        np.testing.assert_allclose(vmap(jac(_g), 1, 2)(xs.T), np.moveaxis(per_example, 0, 2))
        full = jac(vmap(_g))(xs)  # (4, 2, 4, 3): block diagonal in the batch
        assert full.shape == (4, 2, 4, 3)
        want = np.zeros((4, 2, 4, 3))
        for i in range(4):
            want[i, :, i, :] = per_example[i]
        np.testing.assert_allclose(full, want, atol=1e-12)
    hess = vmap(funcad.hessian(lambda x: fnp.sum(fnp.sin(x) * x[0])))(xs)
    np.testing.assert_allclose(hess, np.stack([
        funcad.hessian(lambda x: fnp.sum(fnp.sin(x) * x[0]))(x) for x in xs]))


def test_vmap_of_jvp_and_jvp_of_vmap():
    xs, ts = _randn(4, 3), _randn(4, 3)
    f = lambda x, t: funcad.jvp(_g, (x,), (t,))
    out, tan = vmap(f)(xs, ts)
    for i in range(4):
        o, t = funcad.jvp(_g, (xs[i],), (ts[i],))
        np.testing.assert_allclose(out[i], o)
        np.testing.assert_allclose(tan[i], t)
    # One tangent for every example (in_axes None), batch axis last.
    out, tan = vmap(f, (1, None), -1)(xs.T, ts[0])
    for i in range(4):
        np.testing.assert_allclose(tan[:, i], funcad.jvp(_g, (xs[i],), (ts[0],))[1])
    out, tan = funcad.jvp(vmap(_g), (xs,), (ts,))
    np.testing.assert_allclose(tan, np.stack([funcad.jvp(_g, (x,), (t,))[1]
                                              for x, t in zip(xs, ts)]))


def test_make_jaxpr_of_vmap_shows_batched_equations():
    xs = _randn(4, 3)
    w = _randn(3, 2)
    f = lambda x: fnp.tanh(x @ w).sum()
    closed = funcad.make_jaxpr(vmap(f))(xs)
    text = str(closed)
    assert "f64[4,3]" in text and "f64[4,2]" in text and "f64[4]" in text, text
    assert "dot_general" in text and "tanh" in text and "reduce_sum" in text, text
    (out,) = funcad.eval_jaxpr(closed.jaxpr, closed.consts, xs)
    np.testing.assert_allclose(out, vmap(f)(xs))
    np.testing.assert_allclose(out, [f(x) for x in xs])
    # And of vmap(grad(f)): the backward pass, batched.
    closed = funcad.make_jaxpr(vmap(funcad.grad(f)))(xs)
    (out,) = closed(xs)
    np.testing.assert_allclose(out, np.stack([funcad.grad(f)(x) for x in xs]))


def test_concretizing_a_batch_tracer_raises():
    xs = _randn(3, 2)
    for convert in (bool, float, int, lambda t: t.item(), np.asarray, lambda t: list(range(t))):
        with pytest.raises(funcad.ConcretizationTypeError, match="vmap"):
            vmap(lambda x, convert=convert: convert(x.sum()))(xs)

    def branchy(x):
        if x.sum() > 0:
            return x
        return -x

    with pytest.raises(funcad.ConcretizationTypeError, match="vmap"):
        vmap(branchy)(xs)
    # Values that do not depend on the batch stay concrete.
    np.testing.assert_allclose(vmap(lambda x, y: x * float(y.sum()), (0, None))(xs, xs[0]),
                               xs * xs[0].sum())


def test_leaked_batch_tracer_raises():
    leaked = []

    def f(x):
        leaked.append(x)
        return x

    vmap(f)(_randn(3, 2))
    with pytest.raises(funcad.UnexpectedTracerError, match="vmap"):
        fnp.sin(leaked[0])
    with pytest.raises(funcad.UnexpectedTracerError, match="vmap"):
        vmap(lambda y: y + leaked[0])(_randn(3, 2))


def _h(x):
    return fnp.sum(fnp.sin(x) ** 2 * x[0])


def test_deeper_compositions():
    xs = _randn(3, 4)
    second = funcad.grad(lambda x: funcad.grad(_h)(x).sum())
    np.testing.assert_allclose(vmap(second)(xs), np.stack([second(x) for x in xs]))
    scalar_grad = funcad.grad(lambda s: fnp.sin(s) * s)
    np.testing.assert_allclose(vmap(vmap(scalar_grad))(xs), np.sin(xs) + xs * np.cos(xs))
    np.testing.assert_allclose(
        funcad.grad(lambda xs: vmap(vmap(lambda s: fnp.sin(s) * s), 1, 1)(xs).sum())(xs),
        np.sin(xs) + xs * np.cos(xs))
    v = _randn(4)
    np.testing.assert_allclose(vmap(lambda x: funcad.hvp(_h, (x,), (v,)))(xs),
                               np.stack([funcad.hessian(_h)(x) @ v for x in xs]))

    def linearized(x):
        _, f_jvp = funcad.linearize(_h, x)
        return f_jvp(v)

    np.testing.assert_allclose(vmap(linearized)(xs),
                               np.stack([funcad.grad(_h)(x) @ v for x in xs]))
    # Nested derivatives inside vmap keep their levels apart.
    np.testing.assert_allclose(
        vmap(lambda x: funcad.grad(lambda y: funcad.grad(lambda z: x * z * y)(2.0))(3.0))(
            np.array([1.0, 2.0, 3.0])), [1.0, 2.0, 3.0])
    # An IR evaluated under vmap is batched like the function it came from.
    closed = funcad.make_jaxpr(_h)(xs[0])
    np.testing.assert_allclose(
        vmap(lambda x: funcad.eval_jaxpr(closed.jaxpr, closed.consts, x)[0])(xs),
        [_h(x) for x in xs])
