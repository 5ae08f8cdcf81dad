"""Reductions other than the sum (which lives with the shape primitives): max, min, prod,
all, any, argmax, argmin, and the cumulative sum.

Each primitive: implementation, shape/dtype rule, VJP, JVP and batching rule in one place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from funcad.core import Primitive, ShapedArray, dtype_of, shape_of
from funcad.primitives.elementwise import absorbing_div, div, eq, mul, select
from funcad.primitives.shape import (
    batch_axes_to_front,
    broadcast_to,
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
]


reduce_max_p = reduction_primitive("reduce_max", np.max)
reduce_min_p = reduction_primitive("reduce_min", np.min)
reduce_prod_p = reduction_primitive("reduce_prod", np.prod)
reduce_and_p = reduction_primitive("reduce_and", np.all)
reduce_or_p = reduction_primitive("reduce_or", np.any)
defnondiff(reduce_and_p, reduce_or_p)


def reduce_max(x: Any, axes: Any) -> Any:
    return reduce_max_p.bind(x, axes=tuple(axes))


def reduce_min(x: Any, axes: Any) -> Any:
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
    """d prod(x) / dx_i = product of all the other elements. Computed without dividing by
    x_i (which fails at zeros): the reduced axes are flattened to one axis of length n, and
    each element's "others" product is taken over an (n, n) copy with the diagonal set to 1."""
    shape = shape_of(x)
    kept = [i for i in range(len(shape)) if i not in axes]
    moved = transpose(x, kept + list(axes))
    kept_shape = tuple(shape[i] for i in kept)
    n = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    flat = reshape(moved, kept_shape + (n,))
    eye = np.eye(n, dtype=bool)
    rows = broadcast_to(reshape(flat, kept_shape + (1, n)), kept_shape + (n, n))
    others = reduce_prod(select(eye, 1, rows), (len(kept_shape) + 1,))
    cotangent = mul(others, reshape(g, kept_shape + (1,)))
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
# cumsum (with ``reverse``: its own transpose).

cumsum_p = Primitive("cumsum")
cumsum_p.output_buffer = "fresh"


@cumsum_p.def_impl
def _cumsum_impl(x: Any, *, axis: int, reverse: bool) -> Any:
    if reverse:
        flip = (slice(None),) * axis + (slice(None, None, -1),)
        return np.cumsum(np.asarray(x)[flip], axis=axis)[flip]
    return np.cumsum(x, axis=axis)


@cumsum_p.def_abstract_eval
def _cumsum_abstract_eval(x: ShapedArray, *, axis: int, reverse: bool) -> ShapedArray:
    return ShapedArray(x.shape, reduction_dtype("reduce_sum", np.sum, x.dtype))


def cumsum(x: Any, axis: int, reverse: bool = False) -> Any:
    return cumsum_p.bind(x, axis=axis, reverse=reverse)


defvjp(cumsum_p, lambda g, ans, x, *, axis, reverse: cumsum(g, axis, not reverse))
deflinear(cumsum_p)
batching_rules[cumsum_p] = _axis_param_batching_rule(cumsum_p)
