"""The derivative property cases shared by test_rules.py and test_jvp.py.

A case draws its inputs with Hypothesis (``data``: ``st.data()``) and yields the checks to run
on them, as ``(f, args)`` pairs. The same table is checked twice, each time to second order
against central finite differences: by test_rules.py in reverse mode (plus each cotangent's
shape and dtype), and by test_jvp.py in forward mode with the transpose test
``<u, jvp(v)> == <vjp(u), v>`` (plus each output tangent's shape and dtype).

``CASES`` maps a case id (``"family"`` or ``"family:parameter"``) to its function. The
domains keep finite differences valid: away from singularities (log at 0, arcsin at +-1),
kinks (abs at 0, ties of max/min) and jumps (remainder where x/y is an integer).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import strategies as S
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import Domain

import funcad
import funcad.numpy as fnp
from funcad.scipy.special import log_softmax, logsumexp, softmax

Checks = Iterator[tuple[Callable[..., Any], tuple[Any, ...]]]

CASES: dict[str, Callable[[Any], Checks]] = {}


def case(params: Iterable[Any] | None = None, name: str | None = None):
    """Register the decorated case under ``name`` (default: its own); with ``params``, once per
    parameter, as ``name:param`` (the case is then called as ``fn(param, data)``)."""

    def register(fn: Callable[..., Checks]) -> Callable[..., Checks]:
        key = name or fn.__name__
        if params is None:
            CASES[key] = fn
        else:
            for param in params:
                CASES[f"{key}:{param}"] = functools.partial(fn, param)
        return fn

    return register


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


@case(params=sorted(UNARY))
def unary(name, data):
    fn, domain = UNARY[name]
    yield fn, (data.draw(S.arrays(S.shapes(min_side=0), domain), label="x"),)


@case(params=["sin", "exp", "sqrt", "abs", "tanh"])
def unary_python_scalar(name, data):
    yield UNARY[name][0], (0.7,)


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


@case(params=sorted(BINARY))
def binary_broadcasting(name, data):
    fn, x_domain, y_domain = BINARY[name]
    (x_shape, y_shape), _ = data.draw(S.broadcastable_shapes(2), label="shapes")
    if name in ("maximum", "minimum"):
        x, y = data.draw(S.distinct_arrays((x_shape, y_shape)), label="x, y")
    elif name == "remainder":
        x, y = _remainder_operands(data.draw, x_shape, y_shape)
    else:
        x = data.draw(S.arrays(x_shape, x_domain), label="x")
        y = data.draw(S.arrays(y_shape, y_domain), label="y")
    yield fn, (x, y)


@case(params=sorted(BINARY))
def binary_with_python_scalar(name, data):
    """A Python scalar on either side is a constant (no tangent, no cotangent)."""
    fn, x_domain, y_domain = BINARY[name]
    shape = data.draw(S.shapes(), label="shape")
    if name in ("maximum", "minimum"):
        (x,) = data.draw(S.distinct_arrays((shape,)), label="x")
        x = x + 0.025  # off the grid: never equal to the constant
        yield lambda a: fn(a, 0.5), (x,)
        yield lambda a: fn(0.5, a), (x,)
        return
    if name == "remainder":
        x, y = _remainder_operands(data.draw, shape, shape)
        yield lambda a: fn(a, 2.0), (np.where(np.abs(x % 2.0 - 1.0) > 0.95, 0.5, x),)
        yield lambda b: fn(2.5, b), (y,)
        return
    x = data.draw(S.arrays(shape, x_domain), label="x")
    y = data.draw(S.arrays(shape, y_domain), label="y")
    scalar_y = float(np.clip(0.7, y_domain.lo, y_domain.hi))
    scalar_x = float(np.clip(0.7, x_domain.lo, x_domain.hi))
    yield lambda a: fn(a, scalar_y), (x,)
    yield lambda b: fn(scalar_x, b), (y,)


@case(params=range(-2, 5))
def integer_power(k, data):
    domain = NONZERO if k < 0 else ANY
    x = data.draw(S.arrays(S.shapes(min_side=0), domain), label="x")
    yield lambda a: a ** k, (x,)
    yield lambda a: fnp.power(a, k), (x,)


@case()
def power_traced_exponent(data):
    """x ** y with both traced: d/dy = x^y log x (positive base)."""
    (x_shape, y_shape), _ = data.draw(S.broadcastable_shapes(2), label="shapes")
    x = data.draw(S.arrays(x_shape, Domain(0.2, 2.0)), label="x")
    y = data.draw(S.arrays(y_shape, Domain(-2.5, 2.5)), label="y")
    yield lambda a, b: a ** b, (x, y)
    yield lambda b: 1.7 ** b, (y,)
    yield lambda a: a ** 2.5, (x,)


@case()
def where(data):
    (c_shape, x_shape, y_shape), _ = data.draw(S.broadcastable_shapes(3), label="shapes")
    cond = data.draw(hnp.arrays(np.bool_, c_shape), label="cond")
    x = data.draw(S.arrays(x_shape), label="x")
    y = data.draw(S.arrays(y_shape), label="y")
    yield lambda a, b: fnp.where(cond, a, b), (x, y)
    yield lambda a, b: fnp.where(cond, a * b, 2.0), (x, y)
    yield lambda a: fnp.where(a > 0.3, a, -a), (x + 0.01 * (np.abs(x - 0.3) < 0.01),)


@case()
def clip(data):
    (x_shape, lo_shape, hi_shape), _ = data.draw(S.broadcastable_shapes(3), label="shapes")
    (x,) = data.draw(S.distinct_arrays((x_shape,)), label="x")
    yield lambda a: fnp.clip(a, -0.525, 0.475), (x,)  # bounds off the value grid
    yield lambda a: fnp.clip(a, max=0.475), (x,)
    lo = data.draw(S.arrays(lo_shape, Domain(-3, -1)), label="lo") + 0.0125
    hi = data.draw(S.arrays(hi_shape, Domain(1, 3)), label="hi") + 0.0125
    x = x * 20  # values spread over [-200, 200]: some clipped by the traced bounds
    x = x + 0.003  # off lo/hi + 0.0125 ± 1e-5
    yield lambda a, b, c: fnp.clip(a, b, c), (x / 50, lo, hi)


# ----------------------------------------------------------------------------------------------
# Reductions, funcad.scipy.special and norms.

REDUCTIONS = {"sum": fnp.sum, "mean": fnp.mean, "prod": fnp.prod, "max": fnp.max,
              "min": fnp.min, "var": fnp.var, "std": fnp.std}


@case(params=sorted(REDUCTIONS))
def reductions(name, data):
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
        # (|x| <= 1.1: a product of 36 values of 1.5 is 1e6, and where two are exact zeros its
        # gradient is exactly zero but central differences see e^2 times that product)
        x = data.draw(S.arrays(shape, Domain(-1.1, 1.1)), label="x")
    else:
        x = data.draw(S.arrays(shape), label="x")
    fn = REDUCTIONS[name]
    yield lambda a: fn(a, **kwargs), (x,)


@case(params=["sum", "prod", "max", "min", "mean"])
def reduction_methods(name, data):
    """The same reductions as tracer methods and through NumPy dispatch."""
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    (x,) = data.draw(S.distinct_arrays((shape,)), label="x")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    yield lambda a: getattr(a, name)(axis=axis), (x,)
    yield lambda a: getattr(np, name)(a, axis=axis), (x,)


@st.composite
def prod_with_zeros_operands(draw):
    """(x, axis): x with some exact zeros, and an ``axis=`` argument for prod."""
    shape = draw(S.shapes(min_dims=1, min_side=2))
    x = draw(S.arrays(shape, Domain(-1.1, 1.1)))  # (bounded products: see reductions)
    x = np.where(draw(hnp.arrays(np.bool_, shape)), 0.0, x)
    return x, draw(S.axes_arguments(len(shape)))


@case()
def prod_with_zeros(data):
    x, axis = data.draw(prod_with_zeros_operands(), label="x, axis")
    yield lambda a: fnp.prod(a, axis=axis), (x,)


@case()
def cumsum(data):
    shape = data.draw(S.shapes(min_side=0), label="shape")
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1) if shape
                     else st.none(), label="axis")
    x = data.draw(S.arrays(shape), label="x")
    yield lambda a: fnp.cumsum(a, axis=axis), (x,)
    yield lambda a: fnp.cumsum(a * a, axis=axis), (x,)


@case(name="logsumexp")
def logsumexp_case(data):
    shape = data.draw(S.shapes(), label="shape")
    axis = data.draw(S.axes_arguments(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    x = data.draw(S.arrays(shape, Domain(-3, 3)), label="x")
    yield lambda a: logsumexp(a, axis=axis, keepdims=keepdims), (x,)
    b_shape = data.draw(st.sampled_from([shape, shape[1:], ()]), label="b_shape")
    b = data.draw(S.arrays(b_shape, Domain(0.2, 2.0)), label="b")
    yield lambda a, w: logsumexp(a, axis=axis, b=w, keepdims=keepdims), (x, b)


@case()
def softmax_log_softmax(data):
    shape = data.draw(S.shapes(), label="shape")
    axis = data.draw(S.axes_arguments(len(shape)), label="axis")
    x = data.draw(S.arrays(shape, Domain(-3, 3)), label="x")
    yield lambda a: softmax(a, axis=axis), (x,)
    yield lambda a: log_softmax(a, axis=axis), (x,)


def _well_separated(values, axis):
    return bool(np.all(np.diff(np.sort(values, axis=axis), axis=axis) > 0.01))


@case()
def norm(data):
    shape = data.draw(S.shapes(min_dims=1, max_dims=3), label="shape")
    ndim = len(shape)
    # No zeros (|x| has a kink there), no ties of |x| (max |x| has a kink there).
    (x,) = data.draw(S.distinct_arrays((shape,), magnitudes=True), label="x")
    axis = data.draw(st.integers(-ndim, ndim - 1), label="axis")
    for ord_ in (None, 1, 2, 3, np.inf, -np.inf, 0.5):
        yield lambda a, o=ord_: fnp.linalg.norm(a, ord=o, axis=axis), (x,)
    yield lambda a: fnp.linalg.norm(a), (x,)
    yield lambda a: fnp.linalg.norm(a, axis=axis, keepdims=True), (x,)
    if ndim >= 2:
        yield lambda a: fnp.linalg.norm(a, ord="fro", axis=(0, -1)), (x,)
        # The matrix 1- and inf-norms are maxima of column / row sums of |x|: no near-ties.
        if _well_separated(np.abs(x).sum(axis=0), axis=-1):
            yield lambda a: fnp.linalg.norm(a, ord=1, axis=(0, -1)), (x,)
        if _well_separated(np.abs(x).sum(axis=-1), axis=0):
            yield lambda a: fnp.linalg.norm(a, ord=np.inf, axis=(0, -1)), (x,)


# ----------------------------------------------------------------------------------------------
# Shapes and layout.


@case()
def reshape_and_ravel(data):
    shape = data.draw(S.shapes(min_side=0), label="shape")
    target = data.draw(S.reshape_targets(shape), label="target")
    x = data.draw(S.arrays(shape), label="x")
    yield lambda a: fnp.reshape(a, target) * 2.0, (x,)
    yield lambda a: a.reshape(target), (x,)
    yield lambda a: fnp.ravel(fnp.sin(a)), (x,)


@case()
def transpose_swapaxes_moveaxis(data):
    shape = data.draw(S.shapes(min_side=0), label="shape")
    ndim = len(shape)
    x = data.draw(S.arrays(shape), label="x")
    perm = data.draw(st.permutations(range(ndim)), label="perm")
    yield lambda a: fnp.transpose(a, perm), (x,)
    yield lambda a: fnp.transpose(fnp.sin(a), perm), (x,)
    yield lambda a: fnp.transpose(a) * a.T, (x,)
    if ndim:
        i, j = data.draw(st.tuples(st.integers(-ndim, ndim - 1), st.integers(-ndim, ndim - 1)),
                         label="i, j")
        yield lambda a: fnp.swapaxes(a, i, j), (x,)
        yield lambda a: fnp.swapaxes(a * a.T.T[...], i, j), (x,)
        k = data.draw(st.integers(1, ndim), label="k")
        source = data.draw(st.permutations(range(-ndim, 0)), label="source")[:k]
        dest = data.draw(st.permutations(range(ndim)), label="dest")[:k]
        yield lambda a: fnp.moveaxis(a, source, dest), (x,)


@case()
def expand_dims_squeeze(data):
    shape = data.draw(S.shapes(max_side=2), label="shape")
    x = data.draw(S.arrays(shape), label="x")
    k = data.draw(st.integers(1, 2), label="k")
    out_ndim = len(shape) + k
    axes = data.draw(st.lists(st.integers(-out_ndim, out_ndim - 1), min_size=k, max_size=k,
                              unique_by=lambda a: a % out_ndim), label="axes")
    yield lambda a: fnp.expand_dims(a, tuple(axes)), (x,)
    one_axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="one axis")
    yield lambda a: fnp.expand_dims(a, one_axis), (x,)
    yield lambda a: fnp.squeeze(fnp.expand_dims(a, one_axis), one_axis), (x,)
    ones = [i for i, n in enumerate(shape) if n == 1]
    squeeze_axes = data.draw(st.none() | st.lists(st.sampled_from(ones), unique=True).map(tuple)
                             if ones else st.none(), label="squeeze")
    yield lambda a: fnp.squeeze(a, squeeze_axes), (x,)


@case()
def broadcast_to(data):
    (shape, _), result = data.draw(S.broadcastable_shapes(2), label="shapes")
    x = data.draw(S.arrays(shape), label="x")
    yield lambda a: fnp.broadcast_to(a, result), (x,)
    yield lambda a: fnp.broadcast_arrays(a, np.zeros(result))[0], (x,)
    yield lambda a: fnp.broadcast_arrays(a, np.zeros(result))[0] * 3.0, (x,)


@case()
def concatenate_stack(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    ndim = len(shape)
    axis = data.draw(st.integers(-ndim, ndim - 1), label="axis")
    sizes = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3), label="sizes")
    parts = []
    for size in sizes:
        part_shape = list(shape)
        part_shape[axis] = size
        parts.append(data.draw(S.arrays(tuple(part_shape)), label="part"))
    yield lambda xs: fnp.concatenate(xs, axis=axis), (parts,)
    yield lambda xs: fnp.concatenate(xs, axis=None), (parts,)
    # A constant part (no tangent, no cotangent) among traced ones.
    yield lambda a: fnp.concatenate([a, np.ones_like(parts[0]), a], axis=axis), (parts[0],)
    same = [data.draw(S.arrays(shape)) for _ in sizes]
    stack_axis = data.draw(st.integers(-ndim - 1, ndim), label="stack_axis")
    yield lambda xs: fnp.stack(xs, axis=stack_axis), (same,)
    yield lambda a, b: fnp.stack([a, b, a]), (same[0], same[-1])


@case()
def split(data):
    shape = data.draw(S.shapes(min_dims=1, max_side=6), label="shape")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    n = shape[axis]
    sections = data.draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0])
                         | st.lists(st.integers(0, n), max_size=3).map(sorted), label="sections")
    x = data.draw(S.arrays(shape), label="x")
    yield lambda a: fnp.split(a, sections, axis=axis), (x,)


@case()
def flip_tile_repeat(data):
    shape = data.draw(S.shapes(max_side=3), label="shape")
    x = data.draw(S.arrays(shape), label="x")
    ndim = len(shape)
    flip_axis = data.draw(S.axes_arguments(ndim), label="flip axis")
    yield lambda a: fnp.flip(a, flip_axis), (x,)
    reps = data.draw(st.integers(1, 3) | st.lists(st.integers(1, 3), max_size=3).map(tuple),
                     label="reps")
    yield lambda a: fnp.tile(a, reps), (x,)
    axis = data.draw(st.none() | st.integers(-ndim, ndim - 1) if ndim else st.none(), "axis")
    count = shape[axis] if axis is not None else x.size
    repeats = data.draw(st.integers(0, 3) | st.lists(st.integers(0, 3), min_size=count,
                                                      max_size=count), label="repeats")
    yield lambda a: fnp.repeat(a, repeats, axis=axis), (x,)


@case()
def sort(data):
    shape = data.draw(S.shapes(), label="shape")
    (x,) = data.draw(S.distinct_arrays((shape,)), label="x")
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1) if shape
                     else st.none(), label="axis")
    yield lambda a: fnp.sort(a, axis=axis), (x,)
    yield lambda a: fnp.sort(a * a, axis=axis, descending=True), (x + 0.0125,)
    yield lambda a: fnp.argsort(a, axis=axis), (x,)  # integer output: float0 tangent


# ----------------------------------------------------------------------------------------------
# Indexing and functional updates.


def numpy_index_or_reject(x, index):
    try:
        return x[index]
    except IndexError:
        assume(False)


@case()
def basic_indexing(data):
    shape = data.draw(S.shapes(min_side=0), label="shape")
    x = data.draw(S.arrays(shape), label="x")
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True),
                      label="index")
    yield lambda a: a[index], (x,)


@case()
def mixed_indexing(data):
    """Integer arrays (repeated and negative entries sum their cotangents), boolean masks,
    with slices."""
    shape = data.draw(S.shapes(), label="shape")
    x = data.draw(S.arrays(shape), label="x")
    index = data.draw(S.mixed_indices(shape) | S.advanced_indices(shape) if shape
                      else S.mixed_indices(shape), label="index")
    numpy_index_or_reject(x, index)
    yield lambda a: a[index], (x,)
    yield lambda a: a[index] * 2.0, (x,)


@case()
def repeated_integer_indices(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    x = data.draw(S.arrays(shape), label="x")
    index = data.draw(S.advanced_indices(shape), label="index")
    yield lambda a: a[index], (x,)
    yield lambda a: fnp.take(a, index[-1], axis=len(index) - 1), (x,)


def _values_shape(draw, target: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts to ``target``: a suffix of it, some axes 1, maybe a leading 1."""
    k = draw(st.integers(0, len(target)))
    suffix = [draw(st.sampled_from([n, 1])) for n in target[len(target) - k:]]
    lead = [1] if draw(st.integers(0, 4)) == 0 else []
    return tuple(lead + suffix)


@case(params=["set", "add", "multiply"])
def index_update(mode, data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    x = data.draw(S.arrays(shape), label="x")
    index = data.draw(S.mixed_indices(shape) | S.advanced_indices(shape), label="index")
    target = numpy_index_or_reject(x, index).shape
    values = data.draw(S.arrays(_values_shape(data.draw, target)), label="values")
    yield lambda a, v: getattr(fnp.at(a)[index], mode)(v), (x, values)
    yield lambda a: getattr(fnp.at(a)[index], mode)(values), (x,)
    yield lambda v: getattr(fnp.at(x)[index], mode)(v * v), (values,)


# Repeated positions: ``add`` adds every value, ``multiply`` multiplies by every value, and
# ``set`` keeps one of them (the last, as NumPy): only that one gets a cotangent.
REPEATED_POSITIONS = (np.array([1.5, -2.0, 0.5]), np.array([0, 2, 0, 0]),
                      np.array([2.0, 3.0, -0.5, 0.25]))


@case()
def index_update_repeated_positions(data):
    x, index, values = REPEATED_POSITIONS
    for mode in ("set", "add", "multiply"):
        yield lambda a, v, mode=mode: getattr(fnp.at(a)[index], mode)(v), (x, values)


# ----------------------------------------------------------------------------------------------
# Products and contractions.


@case()
def matmul(data):
    """1-d operands, 2-d, and batched with broadcast batch axes (NumPy's gufunc signature)."""
    (a_shape, b_shape), _ = data.draw(hnp.mutually_broadcastable_shapes(
        signature=np.matmul.signature, max_dims=2, max_side=3), label="shapes")
    a = data.draw(S.arrays(a_shape), label="a")
    b = data.draw(S.arrays(b_shape), label="b")
    yield fnp.matmul, (a, b)
    yield lambda x, y: x @ y, (a, b)
    yield lambda x: fnp.matmul(x, b), (a,)


@case()
def dot_inner_outer(data):
    a_shape = data.draw(S.shapes(max_side=3), label="a_shape")
    b_shape = data.draw(S.shapes(max_side=3), label="b_shape")
    if a_shape and b_shape:  # align numpy.dot's contracted axes
        b_shape = b_shape[:-2] + (a_shape[-1],) + b_shape[-1:] if len(b_shape) > 1 else (
            a_shape[-1],)
    a = data.draw(S.arrays(a_shape), label="a")
    b = data.draw(S.arrays(b_shape), label="b")
    yield fnp.dot, (a, b)
    yield fnp.outer, (a, b)
    c_shape = b_shape[:-1] + a_shape[-1:] if b_shape and a_shape else b_shape
    c = data.draw(S.arrays(c_shape), label="c")
    yield fnp.inner, (a, c)


@case()
def tensordot(data):
    shape = data.draw(S.shapes(min_dims=1, max_side=3), label="shape")
    k = data.draw(st.integers(0, len(shape)), label="k")
    extra = data.draw(S.shapes(max_dims=2, max_side=3), label="extra")
    a = data.draw(S.arrays(shape), label="a")
    b = data.draw(S.arrays(shape[len(shape) - k:] + extra), label="b")
    yield lambda x, y: fnp.tensordot(x, y, axes=k), (a, b)
    # Explicit, permuted axis lists.
    perm = data.draw(st.permutations(range(len(shape))), label="perm")
    b2 = np.transpose(data.draw(S.arrays(shape)), perm)
    a_axes = list(range(len(shape)))
    b_axes = [perm.index(i) for i in a_axes]
    yield lambda x, y: fnp.tensordot(x, y, axes=(a_axes, b_axes)), (a, b2)


EINSUM_SPECS = [
    "ij,jk->ik", "ij,jk", "ii->", "ii", "ii->i", "ij->ji", "ji", "ij->", "ij->j",
    "i,i", "i,j->ij", "ij,ij->ij", "bij,bjk->bik", "...ij,jk->...ik", "i...->...",
    "...i,...i->...", "ij,jk,kl->il", "ij,ij,ij->", "i,j,k->ijk", "bij,bjk,bkl->bil",
    "ij,jk,ki->", "ii,i->i", "ab,ca", "iij->j",
]


@case(params=EINSUM_SPECS)
def einsum(spec, data):
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
    yield lambda *ops: fnp.einsum(spec, *ops), tuple(operands)


@case()
def einsum_broadcast_ellipsis(data):
    """'...' axes of different operands broadcast against each other, as in NumPy."""
    (a_batch, b_batch), _ = data.draw(S.broadcastable_shapes(2, max_dims=2), label="batches")
    a = data.draw(S.arrays(a_batch + (2, 3)), label="a")
    b = data.draw(S.arrays(b_batch + (3, 2)), label="b")
    expected = np.einsum("...ij,...jk->...ik", a, b)
    np.testing.assert_allclose(fnp.einsum("...ij,...jk->...ik", a, b), expected, rtol=1e-12)
    yield lambda x, y: fnp.einsum("...ij,...jk->...ik", x, y), (a, b)
