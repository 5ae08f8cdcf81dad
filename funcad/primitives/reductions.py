"""Reductions other than the sum (which lives with the shape primitives): max, min, prod,
all, any, argmax, argmin, and the cumulative sum, product, max, min and logsumexp.

Each primitive: implementation, shape/dtype rule, VJP, JVP and batching rule in one place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from funcad.core import Primitive, ShapedArray, dtype_of, shape_of
from funcad.primitives.elementwise import absorbing_div, add, div, eq, exp, mul, select, sub
from funcad.primitives.lax_ops import shift
from funcad.primitives.shape import (
    batch_axes_to_front,
    convert_element_type,
    expand_reduced,
    reduce_sum,
    reduction_dtype,
    reduction_primitive,
    reshape,
    transpose,
)
from funcad.rules import batching_rules, defjvp, deflinear, defnondiff, defvjp

__all__ = [
    "reduce_max_p", "reduce_min_p", "reduce_prod_p", "reduce_and_p", "reduce_or_p",
    "reduce_max", "reduce_min", "reduce_prod", "argmax_p", "argmin_p", "cumsum_p", "cumsum",
    "cumprod_p", "cumprod", "cummax_p", "cummax", "cummin_p", "cummin", "cumlogsumexp_p",
    "cumlogsumexp", "linear_recurrence",
]


reduce_max_p = reduction_primitive("reduce_max", np.max)
reduce_min_p = reduction_primitive("reduce_min", np.min)
reduce_prod_p = reduction_primitive("reduce_prod", np.prod)
reduce_and_p = reduction_primitive("reduce_and", np.all)
reduce_or_p = reduction_primitive("reduce_or", np.any)
defnondiff(reduce_and_p, reduce_or_p)


def reduce_max(x: Any, axes: Any) -> Any:
    """The maximum of ``x`` over the axes ``axes``, as ``jax.lax.reduce_max``.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.reduce_max(fnp.array([[1, 5], [3, 2]]), (1,)))
    [5 3]
    """
    return reduce_max_p.bind(x, axes=tuple(axes))


def reduce_min(x: Any, axes: Any) -> Any:
    """The minimum of ``x`` over the axes ``axes``, as ``jax.lax.reduce_min``.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.reduce_min(fnp.array([[1, 5], [3, 2]]), (1,)))
    [1 2]
    """
    return reduce_min_p.bind(x, axes=tuple(axes))


def reduce_prod(x: Any, axes: Any) -> Any:
    return reduce_prod_p.bind(x, axes=tuple(axes))


def _chosen_locations(x: Any, ans: Any, axes: tuple[int, ...]) -> Any:
    """1 where x holds the chosen (max or min) value of its reduced slice, else 0."""
    return convert_element_type(eq(x, expand_reduced(ans, shape_of(x), axes)), dtype_of(x))


def _reduce_chooser_vjp(g: Any, ans: Any, x: Any, *, axes: tuple[int, ...]) -> Any:
    """max/min: the cotangent goes to the chosen element, split evenly between ties. A slice
    with a nan has no chosen element (count 0): a zero cotangent still gives zeros there."""
    location = _chosen_locations(x, ans, axes)
    counts = reduce_sum(location, axes)
    return mul(expand_reduced(absorbing_div(g, counts), shape_of(x), axes), location)


def _reduce_chooser_jvp(t: Any, ans: Any, x: Any, *, axes: tuple[int, ...]) -> Any:
    """max/min: the tangent at the chosen element (the mean over ties)."""
    location = _chosen_locations(x, ans, axes)
    return div(reduce_sum(mul(t, location), axes), reduce_sum(location, axes))


for _chooser in (reduce_max_p, reduce_min_p):
    defvjp(_chooser, _reduce_chooser_vjp)
    defjvp(_chooser, _reduce_chooser_jvp)


def _reduce_prod_vjp(g: Any, ans: Any, x: Any, *, axes: tuple[int, ...]) -> Any:
    """d prod(x) / dx_i = product of all the other elements, computed without dividing by
    x_i (which fails at zeros): the reduced axes are flattened to one axis, and the others'
    product is the exclusive cumulative product from the front times the one from the back.
    O(n), and differentiable again through cumprod's own rules."""
    shape = shape_of(x)
    kept = [i for i in range(len(shape)) if i not in axes]
    moved = transpose(x, kept + list(axes))
    kept_shape = tuple(shape[i] for i in kept)
    n = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    flat = reshape(moved, kept_shape + (n,))
    axis = len(kept_shape)
    before = shift(cumprod(flat, axis), axis, 1, 1)
    after = shift(cumprod(flat, axis, reverse=True), axis, -1, 1)
    cotangent = mul(mul(before, after), reshape(g, kept_shape + (1,)))
    cotangent = reshape(cotangent, kept_shape + tuple(shape[i] for i in axes))
    return transpose(cotangent, np.argsort(kept + list(axes)))


defvjp(reduce_prod_p, _reduce_prod_vjp)
# d prod = sum_i (product of the others) dx_i; the VJP rule computes exactly that "others"
# product times the cotangent, so apply it to a cotangent of ones.
defjvp(reduce_prod_p, lambda t, ans, x, *, axes: reduce_sum(
    mul(t, _reduce_prod_vjp(convert_element_type(np.ones(shape_of(ans)), dtype_of(ans)), ans,
                            x, axes=axes)), axes))

# ----------------------------------------------------------------------------------------------
# argmax, argmin: integer results, no derivative.


def _arg_reduction_primitive(name: str, numpy_fn: Any) -> Primitive:
    primitive = Primitive(name)
    primitive.output_buffer = "fresh"
    primitive.def_impl(lambda x, *, axis: numpy_fn(x, axis=axis))
    primitive.def_abstract_eval(lambda x, *, axis: ShapedArray(
        tuple(n for i, n in enumerate(x.shape) if i != axis), np.intp))
    defnondiff(primitive)
    batching_rules[primitive] = _axis_param_batching_rule(primitive)
    return primitive


def _axis_param_batching_rule(primitive: Primitive) -> Any:
    """Batch axis in front, the ``axis`` param shifted by one."""

    def rule(values, batch_axes, **params):
        (x,) = batch_axes_to_front(values, batch_axes)
        return primitive.bind(x, **dict(params, axis=params["axis"] + 1)), 0

    return rule


argmax_p = _arg_reduction_primitive("argmax", np.argmax)
argmin_p = _arg_reduction_primitive("argmin", np.argmin)

# ----------------------------------------------------------------------------------------------
# The cumulative reductions, each along ``axis``, from the back when ``reverse``.
#
# cumsum is linear (its own transpose, reversed). The others' derivatives are first-order
# linear recurrences along the axis, y_i = a_i y_{i-1} + b_i: the tangent of a running
# product, of a running max (which carries the tangent of the last element that set it), and
# of a running logsumexp (whose coefficients are all at most 1, so nothing overflows). Their
# transposes are recurrences running the other way. A recurrence is solved in log2(n) steps
# of shifts (pads), products and sums: O(n log n), exact with zeros, and made of primitives,
# so these rules differentiate again.


def _flip(x: Any, axis: int) -> Any:
    return np.flip(x, axis) if np.ndim(x) else x


def _cumulative_impl(accumulate: Any) -> Any:
    def impl(x: Any, *, axis: int, reverse: bool) -> Any:
        if reverse:
            return _flip(accumulate(_flip(x, axis), axis=axis), axis)
        return accumulate(x, axis=axis)

    return impl


def _cumulative_primitive(name: str, accumulate: Any) -> Primitive:
    primitive = Primitive(name)
    primitive.output_buffer = "fresh"
    impl = _cumulative_impl(accumulate)
    primitive.def_impl(impl)
    primitive.def_abstract_eval(lambda x, *, axis, reverse: ShapedArray(
        x.shape, reduction_dtype(name, lambda a, axis: impl(a, axis=axis, reverse=False),
                                 x.dtype)))
    batching_rules[primitive] = _axis_param_batching_rule(primitive)
    return primitive


cumsum_p = _cumulative_primitive("cumsum", np.cumsum)
cumprod_p = _cumulative_primitive("cumprod", np.cumprod)
cummax_p = _cumulative_primitive("cummax", np.maximum.accumulate)
cummin_p = _cumulative_primitive("cummin", np.minimum.accumulate)
cumlogsumexp_p = _cumulative_primitive("cumlogsumexp", np.logaddexp.accumulate)


def cumsum(x: Any, axis: int, reverse: bool = False) -> Any:
    return cumsum_p.bind(x, axis=axis, reverse=reverse)


def cumprod(x: Any, axis: int, reverse: bool = False) -> Any:
    return cumprod_p.bind(x, axis=axis, reverse=reverse)


def cummax(x: Any, axis: int, reverse: bool = False) -> Any:
    return cummax_p.bind(x, axis=axis, reverse=reverse)


def cummin(x: Any, axis: int, reverse: bool = False) -> Any:
    return cummin_p.bind(x, axis=axis, reverse=reverse)


def cumlogsumexp(x: Any, axis: int, reverse: bool = False) -> Any:
    return cumlogsumexp_p.bind(x, axis=axis, reverse=reverse)


defvjp(cumsum_p, lambda g, ans, x, *, axis, reverse: cumsum(g, axis, not reverse))
deflinear(cumsum_p)


def _previous(x: Any, axis: int, reverse: bool, fill: Any) -> Any:
    """x_{i-1} at position i (x_{i+1} if ``reverse``), ``fill`` at the first position."""
    return shift(x, axis, -1 if reverse else 1, fill)


def linear_recurrence(a: Any, b: Any, axis: int, reverse: bool = False) -> Any:
    """y with y_i = a_i y_{i-1} + b_i along ``axis`` (y_{i+1} if ``reverse``), starting from
    zero: each step composes every element's affine map with the one ``d`` places before."""
    n = shape_of(b)[axis]
    step = -1 if reverse else 1
    d = 1
    while d < n:
        b = add(b, mul(a, shift(b, axis, step * d, 0)))
        if 2 * d < n:
            a = mul(a, shift(a, axis, step * d, 1))
        d *= 2
    return b


def _recurrence_jvp(coefficients: Any) -> Any:
    """JVP rule of a cumulative reduction whose tangent is y_i = a_i y_{i-1} + w_i t_i."""
    def rule(t, ans, x, *, axis, reverse):
        a, w = coefficients(x, ans, axis, reverse)
        return linear_recurrence(a, mul(w, t), axis, reverse)

    return rule


def _recurrence_vjp(coefficients: Any) -> Any:
    """The transpose: r_j = a_{j+1} r_{j+1} + g_j, run the other way, times w_j."""
    def rule(g, ans, x, *, axis, reverse):
        a, w = coefficients(x, ans, axis, reverse)
        later = _previous(a, axis, not reverse, 0)
        return mul(w, linear_recurrence(later, g, axis, not reverse))

    return rule


def _cumprod_coefficients(x, ans, axis, reverse):
    """d(p_i) = x_i d(p_{i-1}) + p_{i-1} dx_i."""
    return x, _previous(ans, axis, reverse, 1)


def _chooser_coefficients(x, ans, axis, reverse):
    """The running max takes the tangent of the element that last set it (at a tie, the
    later one), and keeps its tangent elsewhere."""
    chosen = convert_element_type(eq(x, ans), dtype_of(ans))
    return sub(1, chosen), chosen


def _cumlogsumexp_coefficients(x, ans, axis, reverse):
    """d(s_i) = exp(s_{i-1} - s_i) d(s_{i-1}) + exp(x_i - s_i) dx_i: both weights are at
    most 1. Where s_i is -inf (only -inf so far) both are 0 (a safe s_i keeps them finite)."""
    safe = select(eq(ans, -np.inf), 0, ans)
    return (exp(sub(_previous(ans, axis, reverse, -np.inf), safe)), exp(sub(x, safe)))


for _primitive, _coefficients in ((cumprod_p, _cumprod_coefficients),
                                  (cummax_p, _chooser_coefficients),
                                  (cummin_p, _chooser_coefficients),
                                  (cumlogsumexp_p, _cumlogsumexp_coefficients)):
    defvjp(_primitive, _recurrence_vjp(_coefficients))
    defjvp(_primitive, _recurrence_jvp(_coefficients))
