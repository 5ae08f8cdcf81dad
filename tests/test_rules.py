"""Property tests of the derivative rule tables.

Every differentiable primitive (and the funcad.numpy / funcad.scipy functions built from them)
is checked with ``check_grads`` against central finite differences along random directions,
to second order, on shapes and values drawn by Hypothesis. The domains are chosen so that
finite differences are valid: away from singularities (log at 0, arcsin at +-1), kinks (abs
at 0, ties of max/min) and jumps (remainder where x/y is an integer).

Besides the numbers, ``check`` asserts that each input's cotangent has that input's shape
and dtype. The last part pins down derivative conventions that finite differences cannot
see: ties of max/min, abs at 0, the where-NaN trap, products with zeros, mixed precision.
"""

from __future__ import annotations

import numpy as np
import pytest
import strategies as S
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import Domain

import funcad
import funcad.numpy as fnp
from funcad import tree_util
from funcad.scipy.special import logsumexp, softmax
from funcad.test_util import check_grads


def check(f, *args, order: int = 2) -> None:
    """check_grads to ``order``, plus: every cotangent has its primal's shape and dtype."""
    check_grads(f, args, order=order)
    out, f_vjp = funcad.vjp(f, *args)
    cotangent = tree_util.tree_map(lambda o: np.ones(np.shape(o), np.result_type(o)), out)
    cotangents = f_vjp(cotangent)
    for primal, ct in zip(tree_util.tree_leaves(args), tree_util.tree_leaves(cotangents)):
        assert isinstance(ct, (np.ndarray, np.generic)), type(ct)
        assert np.shape(ct) == np.shape(primal), (np.shape(ct), np.shape(primal))
        assert np.result_type(ct) == np.result_type(primal), (ct.dtype, np.result_type(primal))


# ----------------------------------------------------------------------------------------------
# Elementwise functions.

ANY = Domain(-2.0, 2.0)
UNIT = Domain(-0.9, 0.9)
POSITIVE = Domain(0.1, 3.0)
NONZERO = Domain(-2.0, 2.0, away=0.1)

UNARY = {
    "sin": (fnp.sin, Domain(-3, 3)), "cos": (fnp.cos, Domain(-3, 3)),
    "tan": (fnp.tan, Domain(-1.2, 1.2)), "arcsin": (fnp.arcsin, UNIT),
    "arccos": (fnp.arccos, UNIT), "arctan": (fnp.arctan, ANY), "sinh": (fnp.sinh, ANY),
    "cosh": (fnp.cosh, ANY), "tanh": (fnp.tanh, ANY), "arcsinh": (fnp.arcsinh, ANY),
    "arccosh": (fnp.arccosh, Domain(1.1, 3.0)), "arctanh": (fnp.arctanh, UNIT),
    "exp": (fnp.exp, ANY), "exp2": (fnp.exp2, ANY), "log": (fnp.log, POSITIVE),
    "log2": (fnp.log2, POSITIVE), "log10": (fnp.log10, POSITIVE),
    "log1p": (fnp.log1p, Domain(-0.9, 2.0)), "expm1": (fnp.expm1, ANY),
    "sqrt": (fnp.sqrt, POSITIVE), "cbrt": (fnp.cbrt, NONZERO), "abs": (fnp.abs, NONZERO),
    "square": (fnp.square, ANY), "reciprocal": (fnp.reciprocal, NONZERO),
    "negative": (fnp.negative, ANY), "positive": (fnp.positive, ANY),
    "sinc": (fnp.sinc, Domain(-2, 2, away=0.05)), "deg2rad": (fnp.deg2rad, ANY),
    "expit": (funcad.scipy.special.expit, ANY),
    "logit": (funcad.scipy.special.logit, Domain(0.1, 0.9)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary(name, data):
    fn, domain = UNARY[name]
    x = data.draw(S.arrays(S.shapes(min_side=0), domain), label="x")
    check(fn, x)


@pytest.mark.parametrize("name", ["sin", "exp", "sqrt", "abs"])
def test_unary_python_scalar_input(name):
    fn, _ = UNARY[name]
    check(fn, 0.7)


def _remainder_operands(draw, x_shape, y_shape):
    """x = (n + 1/2 + jitter) and |y| in {1, 2, 3} (+ small jitter): x / y stays at least 0.06
    from an integer, where remainder jumps."""
    n = draw(hnp.arrays(np.float64, x_shape, elements=st.integers(-3, 2).map(float)))
    jitter = draw(S.arrays(x_shape, Domain(-0.05, 0.05)))
    magnitude = draw(hnp.arrays(np.float64, y_shape, elements=st.sampled_from([1., 2., 3.])))
    sign = draw(hnp.arrays(np.float64, y_shape, elements=st.sampled_from([-1., 1.])))
    y_jitter = draw(S.arrays(y_shape, Domain(-0.01, 0.01)))
    return n + 0.5 + jitter, sign * (magnitude + y_jitter)


BINARY = {
    "add": (fnp.add, ANY, ANY), "subtract": (fnp.subtract, ANY, ANY),
    "multiply": (fnp.multiply, ANY, ANY), "divide": (fnp.divide, ANY, NONZERO),
    "power": (fnp.power, Domain(0.2, 2.0), ANY), "arctan2": (fnp.arctan2, NONZERO, ANY),
    "logaddexp": (fnp.logaddexp, ANY, ANY), "hypot": (fnp.hypot, NONZERO, NONZERO),
    "logaddexp2": (fnp.logaddexp2, ANY, ANY), "maximum": (fnp.maximum, None, None),
    "minimum": (fnp.minimum, None, None), "remainder": (fnp.remainder, None, None),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_broadcasting(name, data):
    fn, x_domain, y_domain = BINARY[name]
    (x_shape, y_shape), _ = data.draw(S.broadcastable_shapes(2), label="shapes")
    if name in ("maximum", "minimum"):
        x, y = data.draw(S.distinct_arrays((x_shape, y_shape)), label="x, y")
    elif name == "remainder":
        x, y = _remainder_operands(data.draw, x_shape, y_shape)
    else:
        x = data.draw(S.arrays(x_shape, x_domain), label="x")
        y = data.draw(S.arrays(y_shape, y_domain), label="y")
    check(fn, x, y)


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_with_python_scalar(name, data):
    """A Python scalar on either side is a constant; the array operand gets the cotangent."""
    fn, x_domain, y_domain = BINARY[name]
    shape = data.draw(S.shapes(), label="shape")
    if name in ("maximum", "minimum"):
        (x,) = data.draw(S.distinct_arrays((shape,)), label="x")
        x = x + 0.025  # off the grid: never equal to the constant
        check(lambda a: fn(a, 0.5), x)
        check(lambda a: fn(0.5, a), x)
        return
    if name == "remainder":
        x, y = _remainder_operands(data.draw, shape, shape)
        check(lambda a: fn(a, 2.0), np.where(np.abs(x % 2.0 - 1.0) > 0.95, 0.5, x))
        check(lambda b: fn(2.5, b), y)
        return
    x = data.draw(S.arrays(shape, x_domain), label="x")
    y = data.draw(S.arrays(shape, y_domain), label="y")
    scalar_y = float(np.clip(0.7, y_domain.lo, y_domain.hi))
    scalar_x = float(np.clip(0.7, x_domain.lo, x_domain.hi))
    check(lambda a: fn(a, scalar_y), x)
    check(lambda b: fn(scalar_x, b), y)


@pytest.mark.parametrize("k", range(-2, 5))
@given(data=st.data())
def test_integer_power(k, data):
    domain = NONZERO if k < 0 else ANY
    x = data.draw(S.arrays(S.shapes(min_side=0), domain), label="x")
    check(lambda a: a ** k, x)
    check(lambda a: fnp.power(a, k), x)


@given(data=st.data())
def test_power_traced_exponent(data):
    """x ** y with both traced: d/dy = x^y log x (positive base)."""
    (x_shape, y_shape), _ = data.draw(S.broadcastable_shapes(2), label="shapes")
    x = data.draw(S.arrays(x_shape, Domain(0.2, 2.0)), label="x")
    y = data.draw(S.arrays(y_shape, Domain(-2.5, 2.5)), label="y")
    check(lambda a, b: a ** b, x, y)
    check(lambda b: 1.7 ** b, y)
    check(lambda a: a ** 2.5, x)


def test_power_zero_exponent_and_zero_base():
    """0 ** 0 == 1 with derivative 0 in the base (not nan); d/dy at x == 0 taken as 0."""
    gx, gy = funcad.grad(lambda x, y: fnp.power(x, y), argnums=(0, 1))(0.0, 0.0)
    assert gx == 0.0 and gy == 0.0
    assert funcad.grad(lambda x: x ** 0)(0.0) == 0.0
    assert funcad.grad(lambda x: x ** 0.0)(0.0) == 0.0


@given(data=st.data())
def test_where(data):
    (c_shape, x_shape, y_shape), _ = data.draw(S.broadcastable_shapes(3), label="shapes")
    cond = data.draw(hnp.arrays(np.bool_, c_shape), label="cond")
    x = data.draw(S.arrays(x_shape), label="x")
    y = data.draw(S.arrays(y_shape), label="y")
    check(lambda a, b: fnp.where(cond, a, b), x, y)
    check(lambda a, b: fnp.where(cond, a * b, 2.0), x, y)
    check(lambda a: fnp.where(a > 0.3, a, -a), x + 0.01 * (np.abs(x - 0.3) < 0.01))


@given(data=st.data())
def test_clip(data):
    (x_shape, lo_shape, hi_shape), _ = data.draw(S.broadcastable_shapes(3), label="shapes")
    (x,) = data.draw(S.distinct_arrays((x_shape,)), label="x")
    check(lambda a: fnp.clip(a, -0.525, 0.475), x)  # bounds off the value grid
    check(lambda a: fnp.clip(a, max=0.475), x)
    lo = data.draw(S.arrays(lo_shape, Domain(-3, -1)), label="lo") + 0.0125
    hi = data.draw(S.arrays(hi_shape, Domain(1, 3)), label="hi") + 0.0125
    x = x * 20  # values spread over [-200, 200]: some clipped by the traced bounds
    x = x + 0.003  # off lo/hi + 0.0125 ± 1e-5
    check(lambda a, b, c: fnp.clip(a, b, c), x / 50, lo, hi)


# ----------------------------------------------------------------------------------------------
# Reductions.

REDUCTIONS = {"sum": fnp.sum, "mean": fnp.mean, "prod": fnp.prod, "max": fnp.max,
              "min": fnp.min, "var": fnp.var, "std": fnp.std}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(data=st.data())
def test_reductions(name, data):
    allows_empty = name in ("sum", "prod")
    shape = data.draw(S.shapes(min_side=0 if allows_empty else 1), label="shape")
    axis = data.draw(S.axes_arguments(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    kwargs = {"axis": axis, "keepdims": keepdims}
    if name in ("var", "std"):
        kwargs["ddof"] = data.draw(st.sampled_from([0, 1]), label="ddof")
        assume(S.reduced_count(shape, axis) >= 2)
    if name in ("max", "min", "std", "var"):
        (x,) = data.draw(S.distinct_arrays((shape,)), label="x")
    elif name == "prod":
        x = data.draw(S.arrays(shape, Domain(-1.5, 1.5)), label="x")
    else:
        x = data.draw(S.arrays(shape), label="x")
    fn = REDUCTIONS[name]
    check(lambda a: fn(a, **kwargs), x)


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "mean"])
@given(data=st.data())
def test_reduction_methods(name, data):
    """The same reductions as tracer methods and through NumPy dispatch."""
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    (x,) = data.draw(S.distinct_arrays((shape,)), label="x")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    check(lambda a: getattr(a, name)(axis=axis), x)
    check(lambda a: getattr(np, name)(a, axis=axis), x)


@given(data=st.data())
def test_prod_with_zeros(data):
    shape = data.draw(S.shapes(min_dims=1, min_side=2), label="shape")
    x = data.draw(S.arrays(shape, Domain(-1.5, 1.5)), label="x")
    zeros = data.draw(hnp.arrays(np.bool_, shape), label="zeros")
    x = np.where(zeros, 0.0, x)
    axis = data.draw(S.axes_arguments(len(shape)), label="axis")
    check(lambda a: fnp.prod(a, axis=axis), x)
    # The exact gradient: the product of the other elements along the reduced axes.
    g = funcad.grad(lambda a: fnp.sum(fnp.prod(a, axis=axis)))(x)
    axes = tuple(range(x.ndim)) if axis is None else np.atleast_1d(axis) % x.ndim
    expected = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        others = x.copy()
        others[i] = 1.0
        same = tuple(slice(None) if d in axes else i[d] for d in range(x.ndim))
        expected[i] = np.prod(others[same])
    np.testing.assert_allclose(g, expected, rtol=1e-12, atol=1e-300)


@given(data=st.data())
def test_cumsum(data):
    shape = data.draw(S.shapes(min_side=0), label="shape")
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1) if shape
                     else st.none(), label="axis")
    x = data.draw(S.arrays(shape), label="x")
    check(lambda a: fnp.cumsum(a, axis=axis), x)
    check(lambda a: fnp.cumsum(a * a, axis=axis), x)


# ----------------------------------------------------------------------------------------------
# Shapes and layout.


@given(data=st.data())
def test_reshape_and_ravel(data):
    shape = data.draw(S.shapes(min_side=0), label="shape")
    target = data.draw(S.reshape_targets(shape), label="target")
    x = data.draw(S.arrays(shape), label="x")
    check(lambda a: fnp.reshape(a, target) * 2.0, x)
    check(lambda a: a.reshape(target), x)
    check(lambda a: fnp.ravel(fnp.sin(a)), x)


@given(data=st.data())
def test_transpose_swapaxes_moveaxis(data):
    shape = data.draw(S.shapes(), label="shape")
    ndim = len(shape)
    x = data.draw(S.arrays(shape), label="x")
    perm = data.draw(st.permutations(range(ndim)), label="perm")
    check(lambda a: fnp.transpose(a, perm), x)
    check(lambda a: fnp.transpose(a) * a.T, x)
    if ndim:
        i, j = data.draw(st.tuples(st.integers(-ndim, ndim - 1), st.integers(-ndim, ndim - 1)))
        check(lambda a: fnp.swapaxes(a, i, j), x)
        k = data.draw(st.integers(1, ndim), label="k")
        source = data.draw(st.permutations(range(-ndim, 0)), label="source")[:k]
        dest = data.draw(st.permutations(range(ndim)), label="dest")[:k]
        check(lambda a: fnp.moveaxis(a, source, dest), x)


@given(data=st.data())
def test_expand_dims_squeeze(data):
    shape = data.draw(S.shapes(max_side=2), label="shape")
    x = data.draw(S.arrays(shape), label="x")
    k = data.draw(st.integers(1, 2), label="k")
    out_ndim = len(shape) + k
    axes = data.draw(st.lists(st.integers(-out_ndim, out_ndim - 1), min_size=k, max_size=k,
                              unique_by=lambda a: a % out_ndim), label="axes")
    check(lambda a: fnp.expand_dims(a, tuple(axes)), x)
    one_axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="one axis")
    check(lambda a: fnp.expand_dims(a, one_axis), x)
    ones = [i for i, n in enumerate(shape) if n == 1]
    squeeze_axes = data.draw(st.none() | st.lists(st.sampled_from(ones), unique=True).map(tuple)
                             if ones else st.none(), label="squeeze")
    check(lambda a: fnp.squeeze(a, squeeze_axes), x)


@given(data=st.data())
def test_broadcast_to(data):
    (shape, _), result = data.draw(S.broadcastable_shapes(2), label="shapes")
    x = data.draw(S.arrays(shape), label="x")
    check(lambda a: fnp.broadcast_to(a, result), x)
    check(lambda a: fnp.broadcast_arrays(a, np.zeros(result))[0], x)


@given(data=st.data())
def test_concatenate_stack(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    ndim = len(shape)
    axis = data.draw(st.integers(-ndim, ndim - 1), label="axis")
    sizes = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3), label="sizes")
    parts = []
    for size in sizes:
        part_shape = list(shape)
        part_shape[axis] = size
        parts.append(data.draw(S.arrays(tuple(part_shape)), label="part"))
    check(lambda xs: fnp.concatenate(xs, axis=axis), parts)
    check(lambda xs: fnp.concatenate(xs, axis=None), parts)
    same = [data.draw(S.arrays(shape)) for _ in sizes]
    stack_axis = data.draw(st.integers(-ndim - 1, ndim), label="stack_axis")
    check(lambda xs: fnp.stack(xs, axis=stack_axis), same)
    check(lambda a, b: fnp.stack([a, b, a]), same[0], same[-1])


@given(data=st.data())
def test_split(data):
    shape = data.draw(S.shapes(min_dims=1, max_side=6), label="shape")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    n = shape[axis]
    sections = data.draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0])
                         | st.lists(st.integers(0, n), max_size=3).map(sorted), label="sections")
    x = data.draw(S.arrays(shape), label="x")
    check(lambda a: fnp.split(a, sections, axis=axis), x)


@given(data=st.data())
def test_flip_tile_repeat(data):
    shape = data.draw(S.shapes(max_side=3), label="shape")
    x = data.draw(S.arrays(shape), label="x")
    ndim = len(shape)
    flip_axis = data.draw(S.axes_arguments(ndim), label="flip axis")
    check(lambda a: fnp.flip(a, flip_axis), x)
    reps = data.draw(st.integers(1, 3) | st.lists(st.integers(1, 3), max_size=3).map(tuple),
                     label="reps")
    check(lambda a: fnp.tile(a, reps), x)
    axis = data.draw(st.none() | st.integers(-ndim, ndim - 1) if ndim else st.none(), "axis")
    count = shape[axis] if axis is not None else x.size
    repeats = data.draw(st.integers(0, 3) | st.lists(st.integers(0, 3), min_size=count,
                                                      max_size=count), label="repeats")
    check(lambda a: fnp.repeat(a, repeats, axis=axis), x)


# ----------------------------------------------------------------------------------------------
# Indexing and functional updates.


def _numpy_index_or_reject(x, index):
    try:
        return x[index]
    except IndexError:
        assume(False)


@given(data=st.data())
def test_basic_indexing(data):
    shape = data.draw(S.shapes(min_side=0), label="shape")
    x = data.draw(S.arrays(shape), label="x")
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True),
                      label="index")
    check(lambda a: a[index], x)


@given(data=st.data())
def test_mixed_indexing(data):
    """Integer arrays (repeated entries sum their cotangents), boolean masks, with slices."""
    shape = data.draw(S.shapes(), label="shape")
    x = data.draw(S.arrays(shape), label="x")
    index = data.draw(S.mixed_indices(shape), label="index")
    _numpy_index_or_reject(x, index)
    check(lambda a: a[index], x)


@given(data=st.data())
def test_repeated_integer_indices(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    x = data.draw(S.arrays(shape), label="x")
    index = data.draw(S.advanced_indices(shape), label="index")
    check(lambda a: a[index], x)
    check(lambda a: fnp.take(a, index[-1], axis=len(index) - 1), x)


def _values_shape(draw, target: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts to ``target``: a suffix of it, some axes 1, maybe a leading 1."""
    k = draw(st.integers(0, len(target)))
    suffix = [draw(st.sampled_from([n, 1])) for n in target[len(target) - k:]]
    lead = [1] if draw(st.integers(0, 4)) == 0 else []
    return tuple(lead + suffix)


@pytest.mark.parametrize("mode", ["set", "add", "multiply"])
@given(data=st.data())
def test_index_update(mode, data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    x = data.draw(S.arrays(shape), label="x")
    index = data.draw(S.mixed_indices(shape) | S.advanced_indices(shape), label="index")
    target = _numpy_index_or_reject(x, index).shape
    values = data.draw(S.arrays(_values_shape(data.draw, target)), label="values")
    check(lambda a, v: getattr(fnp.at(a)[index], mode)(v), x, values)
    check(lambda v: getattr(fnp.at(x)[index], mode)(v * v), values)


def test_index_update_repeated_positions():
    """Repeated positions: ``add`` adds every value, ``multiply`` multiplies by every value,
    and ``set`` keeps one of them (the last, as NumPy): only that one gets a cotangent."""
    x = np.array([1.5, -2.0, 0.5])
    index = np.array([0, 2, 0, 0])
    values = np.array([2.0, 3.0, -0.5, 0.25])
    for mode in ("set", "add", "multiply"):
        check(lambda a, v, mode=mode: getattr(fnp.at(a)[index], mode)(v), x, values)
    g_values = funcad.grad(lambda v: fnp.sum(fnp.at(x)[index].multiply(v)))(values)
    np.testing.assert_allclose(g_values, [1.5 * -0.5 * 0.25, 0.5, 1.5 * 2 * 0.25,
                                          1.5 * 2 * -0.5])
    g_values = funcad.grad(lambda v: fnp.sum(fnp.at(x)[index].set(v) * np.arange(1, 4)))(values)
    np.testing.assert_allclose(g_values, [0.0, 3.0, 0.0, 1.0])


# ----------------------------------------------------------------------------------------------
# Products and contractions.


@given(data=st.data())
def test_matmul(data):
    """1-d operands, 2-d, and batched with broadcast batch axes (NumPy's gufunc signature)."""
    (a_shape, b_shape), _ = data.draw(hnp.mutually_broadcastable_shapes(
        signature=np.matmul.signature, max_dims=2, max_side=3), label="shapes")
    a = data.draw(S.arrays(a_shape), label="a")
    b = data.draw(S.arrays(b_shape), label="b")
    check(fnp.matmul, a, b)
    check(lambda x, y: x @ y, a, b)


@given(data=st.data())
def test_dot_inner_outer(data):
    a_shape = data.draw(S.shapes(max_side=3), label="a_shape")
    b_shape = data.draw(S.shapes(max_side=3), label="b_shape")
    if a_shape and b_shape:  # align numpy.dot's contracted axes
        b_shape = b_shape[:-2] + (a_shape[-1],) + b_shape[-1:] if len(b_shape) > 1 else (
            a_shape[-1],)
    a = data.draw(S.arrays(a_shape), label="a")
    b = data.draw(S.arrays(b_shape), label="b")
    check(fnp.dot, a, b)
    check(fnp.outer, a, b)
    c_shape = b_shape[:-1] + a_shape[-1:] if b_shape and a_shape else b_shape
    c = data.draw(S.arrays(c_shape), label="c")
    check(fnp.inner, a, c)


@given(data=st.data())
def test_tensordot(data):
    shape = data.draw(S.shapes(min_dims=1, max_side=3), label="shape")
    k = data.draw(st.integers(0, len(shape)), label="k")
    extra = data.draw(S.shapes(max_dims=2, max_side=3), label="extra")
    a = data.draw(S.arrays(shape), label="a")
    b = data.draw(S.arrays(shape[len(shape) - k:] + extra), label="b")
    check(lambda x, y: fnp.tensordot(x, y, axes=k), a, b)
    # Explicit, permuted axis lists.
    perm = data.draw(st.permutations(range(len(shape))), label="perm")
    b2 = np.transpose(data.draw(S.arrays(shape)), perm)
    a_axes = list(range(len(shape)))
    b_axes = [perm.index(i) for i in a_axes]
    check(lambda x, y: fnp.tensordot(x, y, axes=(a_axes, b_axes)), a, b2)


EINSUM_SPECS = [
    "ij,jk->ik", "ij,jk", "ii->", "ii", "ii->i", "ij->ji", "ji", "ij->", "ij->j",
    "i,i", "i,j->ij", "ij,ij->ij", "bij,bjk->bik", "...ij,jk->...ik", "i...->...",
    "...i,...i->...", "ij,jk,kl->il", "ij,ij,ij->", "i,j,k->ijk", "bij,bjk,bkl->bil",
    "ij,jk,ki->", "ii,i->i", "ab,ca", "iij->j",
]


@pytest.mark.parametrize("spec", EINSUM_SPECS)
@given(data=st.data())
def test_einsum(spec, data):
    inputs = spec.split("->")[0].split(",")
    labels = sorted(set(spec) - set(".,->"))
    sizes = {c: data.draw(st.integers(1, 3), label=c) for c in labels}
    ellipsis = data.draw(S.shapes(max_dims=2, max_side=3), label="...")
    operands = []
    for term in inputs:
        shape = tuple(sizes[c] for c in term.replace("...", ""))
        if "..." in term:
            head = term.split("...")[0]
            shape = shape[:len(head)] + ellipsis + shape[len(head):]
        operands.append(data.draw(S.arrays(shape), label=term))
    np.testing.assert_allclose(fnp.einsum(spec, *operands), np.einsum(spec, *operands),
                               rtol=1e-12, atol=1e-12)
    check(lambda *ops: fnp.einsum(spec, *ops), *operands)


@given(data=st.data())
def test_einsum_broadcast_ellipsis(data):
    """'...' axes of different operands broadcast against each other, as in NumPy."""
    (a_batch, b_batch), _ = data.draw(S.broadcastable_shapes(2, max_dims=2), label="batches")
    a = data.draw(S.arrays(a_batch + (2, 3)), label="a")
    b = data.draw(S.arrays(b_batch + (3, 2)), label="b")
    expected = np.einsum("...ij,...jk->...ik", a, b)
    np.testing.assert_allclose(fnp.einsum("...ij,...jk->...ik", a, b), expected, rtol=1e-12)
    check(lambda x, y: fnp.einsum("...ij,...jk->...ik", x, y), a, b)


# ----------------------------------------------------------------------------------------------
# funcad.scipy.special and funcad.numpy.linalg.


@given(data=st.data())
def test_logsumexp(data):
    shape = data.draw(S.shapes(), label="shape")
    axis = data.draw(S.axes_arguments(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    x = data.draw(S.arrays(shape, Domain(-3, 3)), label="x")
    check(lambda a: logsumexp(a, axis=axis, keepdims=keepdims), x)
    b_shape = data.draw(st.sampled_from([shape, shape[1:], ()]), label="b_shape")
    b = data.draw(S.arrays(b_shape, Domain(0.2, 2.0)), label="b")
    check(lambda a, w: logsumexp(a, axis=axis, b=w, keepdims=keepdims), x, b)


@given(data=st.data())
def test_softmax_log_softmax(data):
    shape = data.draw(S.shapes(), label="shape")
    axis = data.draw(S.axes_arguments(len(shape)), label="axis")
    x = data.draw(S.arrays(shape, Domain(-3, 3)), label="x")
    check(lambda a: softmax(a, axis=axis), x)
    check(lambda a: funcad.scipy.special.log_softmax(a, axis=axis), x)


@given(data=st.data())
def test_norm(data):
    shape = data.draw(S.shapes(min_dims=1, max_dims=3), label="shape")
    ndim = len(shape)
    # No zeros (|x| has a kink there), no ties of |x| (max |x| has a kink there).
    (x,) = data.draw(S.distinct_arrays((shape,), magnitudes=True), label="x")
    axis = data.draw(st.integers(-ndim, ndim - 1), label="axis")
    for ord_ in (None, 1, 2, 3, np.inf, -np.inf, 0.5):
        check(lambda a, o=ord_: fnp.linalg.norm(a, ord=o, axis=axis), x)
    check(lambda a: fnp.linalg.norm(a), x)
    check(lambda a: fnp.linalg.norm(a, axis=axis, keepdims=True), x)
    if ndim >= 2:
        check(lambda a: fnp.linalg.norm(a, ord="fro", axis=(0, -1)), x)
        # The matrix 1- and inf-norms are maxima of column / row sums of |x|: no near-ties.
        if _well_separated(np.abs(x).sum(axis=0), axis=-1):
            check(lambda a: fnp.linalg.norm(a, ord=1, axis=(0, -1)), x)
        if _well_separated(np.abs(x).sum(axis=-1), axis=0):
            check(lambda a: fnp.linalg.norm(a, ord=np.inf, axis=(0, -1)), x)


def _well_separated(values, axis):
    return bool(np.all(np.diff(np.sort(values, axis=axis), axis=axis) > 0.01))


# ----------------------------------------------------------------------------------------------
# The rules are written in funcad operations, so the backward pass can itself be staged:
# make_jaxpr(grad(f)) (and of grad of grad) reproduces the eager gradients.

_Y = np.array([0.35, 0.55, 0.8])
STAGED_LOSSES = {
    "sin": lambda a: fnp.sum(fnp.sin(a)),
    "pow": lambda a: fnp.sum(a ** _Y),
    "integer_pow": lambda a: fnp.sum(a ** 3),
    "abs": lambda a: fnp.sum(fnp.abs(a - 0.5)),
    "max": lambda a: fnp.sum(fnp.max(a, axis=0)),
    "maximum": lambda a: fnp.sum(fnp.maximum(a, _Y)),
    "prod": lambda a: fnp.prod(a),
    "var": lambda a: fnp.var(a, axis=1).sum(),
    "cumsum": lambda a: fnp.sum(fnp.cumsum(a, axis=1) ** 2),
    "getitem": lambda a: fnp.sum(a[np.array([0, 0, 1]), ::-1] ** 2),
    "at_set": lambda a: fnp.sum(fnp.at(a)[np.array([0, 0])].set(a[1] * 2) ** 2),
    "at_multiply": lambda a: fnp.sum(fnp.at(a)[np.array([0, 0])].multiply(a[1]) ** 2),
    "matmul": lambda a: fnp.sum(fnp.matmul(a, a.T) ** 2),
    "einsum": lambda a: fnp.einsum("ij,ij,kj->", a, a, a),
    "logsumexp": lambda a: logsumexp(a, axis=1, b=_Y[:2, None]).sum(),
    "softmax": lambda a: (softmax(a, axis=0) ** 2).sum(),
    "norm": lambda a: fnp.linalg.norm(a, ord=np.inf, axis=1).sum(),
    "concatenate": lambda a: (fnp.concatenate([a, a[:1]]) ** 2).sum(),
    "where": lambda a: fnp.where(a > 0.5, a, a ** 2).sum(),
    "clip": lambda a: (fnp.clip(a, 0.4, 0.7) ** 2).sum(),
    "remainder": lambda a: fnp.remainder(a, 0.25).sum() + fnp.remainder(1.0, a).sum(),
    "arctan2": lambda a: fnp.arctan2(a, _Y).sum(),
    "hypot": lambda a: fnp.hypot(a, _Y).sum(),
    "tile_split": lambda a: (fnp.split(fnp.tile(a, (2, 1)), 3, axis=1)[1] ** 2).sum(),
}


@pytest.mark.parametrize("name", sorted(STAGED_LOSSES))
@given(x=S.arrays((2, 3), Domain(0.2, 0.95)))
def test_backward_pass_stages(name, x):
    loss = STAGED_LOSSES[name]
    for fn in (funcad.grad(loss),
               funcad.grad(lambda a: fnp.sum(funcad.grad(loss)(a) ** 2))):
        expected = fn(x)
        closed = funcad.make_jaxpr(fn)(x)
        assert [(a.shape, a.dtype) for a in closed.out_avals] == [(x.shape, x.dtype)]
        (staged,) = funcad.eval_jaxpr(closed.jaxpr, closed.consts, x)
        np.testing.assert_allclose(staged, expected, rtol=1e-12, atol=1e-300)


# ----------------------------------------------------------------------------------------------
# float32: gradients are float32 and agree with the float64 computation.

FLOAT32_CASES = {
    **{name: (fn, domain) for name, (fn, domain) in UNARY.items()},
    "sum_axis": (lambda a: fnp.sum(a, axis=-1), ANY),
    "prod": (lambda a: fnp.prod(a), Domain(0.5, 1.5)),
    "mean": (lambda a: fnp.mean(a, axis=0), ANY),
    "var": (fnp.var, ANY),
    "logsumexp": (logsumexp, ANY),
    "softmax": (lambda a: softmax(a, axis=-1), ANY),
    "norm": (fnp.linalg.norm, NONZERO),
    "matmul_self": (lambda a: fnp.matmul(a, fnp.swapaxes(a, -1, -2)) if a.ndim >= 2
                    else a * a, ANY),
    "cumsum": (lambda a: fnp.cumsum(a * a), ANY),
    "pow_scalar": (lambda a: a ** 2.5, POSITIVE),
    "pow_int": (lambda a: a ** 3, ANY),
    "times_python_scalar": (lambda a: 3.0 * a - a / 2.0, ANY),
    "where": (lambda a: fnp.where(a > 0, a, 0.5 * a), NONZERO),
    "getitem": (lambda a: a[..., ::-1] * a, ANY),
    "einsum": (lambda a: fnp.einsum("...i,...i->...", a, a), ANY),
}


@pytest.mark.parametrize("name", sorted(FLOAT32_CASES))
@given(data=st.data())
def test_float32_gradients(name, data):
    fn, domain = FLOAT32_CASES[name]
    x32 = data.draw(S.arrays(S.shapes(min_dims=1), domain, np.float32), label="x")
    if name == "var":
        assume(x32.size >= 2)

    def loss(a):
        return fnp.sum(fn(a))

    out32 = fn(x32)
    assert np.result_type(out32) == np.float32, np.result_type(out32)
    g32 = funcad.grad(loss)(x32)
    g64 = funcad.grad(loss)(x32.astype(np.float64))
    assert g32.dtype == np.float32, g32.dtype
    assert g32.shape == x32.shape
    np.testing.assert_allclose(g32, g64, rtol=2e-4, atol=2e-5 * (1 + np.max(np.abs(g64),
                                                                            initial=0)))


# ----------------------------------------------------------------------------------------------
# Derivative conventions finite differences cannot check.


def test_max_min_ties_split_evenly():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    np.testing.assert_allclose(funcad.grad(lambda a: fnp.max(a))(x), [[0, .5, .5], [0, 0, 0]])
    np.testing.assert_allclose(funcad.grad(lambda a: fnp.sum(fnp.max(a, axis=1)))(x),
                               [[0, .5, .5], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(funcad.grad(lambda a: fnp.sum(fnp.min(a, axis=0)))(x),
                               [[1, 0, 0], [0, 1, 1]])
    np.testing.assert_allclose(funcad.grad(lambda a: fnp.min(a))(np.array([1.0, 1.0])),
                               [0.5, 0.5])


def test_maximum_minimum_ties_split_evenly():
    for fn in (fnp.maximum, fnp.minimum):
        gx, gy = funcad.grad(fn, argnums=(0, 1))(1.5, 1.5)
        assert (gx, gy) == (0.5, 0.5)
        assert funcad.grad(lambda x, fn=fn: fn(x, x))(1.5) == 1.0
        g = funcad.grad(lambda x, fn=fn: fnp.sum(fn(x, 1.0)))(np.array([0.0, 1.0, 2.0]))
        np.testing.assert_allclose(g, [0, 0.5, 1] if fn is fnp.maximum else [1, 0.5, 0])


def test_abs_at_zero_is_one():
    assert funcad.grad(fnp.abs)(0.0) == 1.0
    assert funcad.grad(fnp.abs)(-0.0) == 1.0
    assert funcad.grad(fnp.abs)(-2.0) == -1.0
    assert funcad.grad(lambda x: abs(x))(0.0) == 1.0


def test_where_nan_trap_and_double_where():
    """The unselected branch still takes part in the backward pass: its cotangent is zero,
    but zero times sqrt'(-1) = nan is nan. Making the branch's *input* safe (the double
    where) keeps the gradient finite. This test documents the trap: if it starts giving 0
    for the single where, update the docstring of funcad.numpy.where."""
    with np.errstate(invalid="ignore", divide="ignore"):
        single = funcad.grad(lambda x: fnp.where(x > 0, fnp.sqrt(x), 0.0))(-1.0)
    assert np.isnan(single)

    def double(x):
        safe = fnp.where(x > 0, x, 1.0)
        return fnp.where(x > 0, fnp.sqrt(safe), 0.0)

    assert funcad.grad(double)(-1.0) == 0.0
    assert funcad.grad(double)(4.0) == 0.25
    assert np.all(np.isfinite(funcad.grad(lambda x: fnp.sum(double(x)))(np.array([-1., 0.]))))


def test_mixed_precision_cotangent_dtypes():
    """A float32 operand times a float64 one: the product is float64, and each operand's
    cotangent has the operand's own dtype."""
    x32 = np.array([0.5, 2.0], np.float32)
    y64 = np.array([3.0, 4.0])
    cases = [
        lambda x, y: fnp.sum(x * y),
        lambda x, y: fnp.dot(x, y),
        lambda x, y: fnp.sum(fnp.outer(x, y)),
        lambda x, y: fnp.einsum("i,i->", x, y),
        lambda x, y: fnp.sum(fnp.where(x > 1, x, y)),
        lambda x, y: fnp.sum(fnp.concatenate([x, y])),
        lambda x, y: fnp.sum(fnp.maximum(x, y) + x / y + y ** x),
        lambda x, y: fnp.sum(fnp.at(y)[0].set(x[1]) * fnp.at(y)[:].add(x)),
    ]
    for f in cases:
        gx, gy = funcad.grad(f, argnums=(0, 1))(x32, y64)
        assert gx.dtype == np.float32 and gy.dtype == np.float64, (gx.dtype, gy.dtype)
        check(f, x32.astype(np.float64), y64)


def test_second_order_mixed_precision():
    x32 = np.float32(1.5)
    g2 = funcad.grad(funcad.grad(lambda x: x * np.float64(2.0) * x))(x32)
    assert np.result_type(g2) == np.float32 and g2 == 4.0


def test_integer_and_constant_operands_get_no_cotangent():
    g = funcad.grad(lambda x: fnp.sum(x * np.arange(3)))(np.ones(3))
    np.testing.assert_array_equal(g, [0.0, 1.0, 2.0])
    g = funcad.grad(lambda x: fnp.sum(x[np.array([2, 2])]) + fnp.sum(fnp.floor(x) * x))(
        np.array([0.5, 1.5, 2.5]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 4.0])


def test_stop_gradient_and_nondifferentiable_outputs():
    x = np.array([0.5, -1.5, 2.0])
    g = funcad.grad(lambda a: fnp.sum(funcad.stop_gradient(a) * a))(x)
    np.testing.assert_array_equal(g, x)
    g = funcad.grad(lambda a: fnp.sum(a * fnp.sign(a) + fnp.round(a) + fnp.floor(a)))(x)
    np.testing.assert_array_equal(g, np.sign(x))
    g = funcad.grad(lambda a: fnp.sum(a[fnp.argmax(a)] * fnp.where(a > 0, 1.0, 2.0)))(x)
    np.testing.assert_array_equal(g, [0.0, 0.0, 4.0])
