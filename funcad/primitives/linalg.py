"""dot_general: every tensor contraction (matmul, dot, tensordot, einsum) is one of these.

Implementation, shape/dtype rule, VJP, JVP (it is bilinear) and batching rule in one place.

``dimension_numbers = ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch))`` names the
axes summed over and the axes paired elementwise. The output's axes are, in order: the batch
axes, the remaining ("free") axes of lhs, the free axes of rhs. This is JAX's convention.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from funcad.core import Primitive, ShapedArray, shape_of
from funcad.primitives.elementwise import ufunc_result_dtype
from funcad.primitives.shape import batch_size_of, move_batch_axis, transpose, unbroadcast
from funcad.rules import batching_rules, defjvp, defvjp

__all__ = [
    "dot_general_p", "dot_general",
]


DimensionNumbers = tuple[tuple[tuple[int, ...], tuple[int, ...]], tuple[tuple[int, ...], ...]]


def _free_axes(ndim: int, contract: Sequence[int], batch: Sequence[int]) -> list[int]:
    used = set(contract) | set(batch)
    return [i for i in range(ndim) if i not in used]


dot_general_p = Primitive("dot_general")
dot_general_p.output_buffer = "fresh"
dot_general_p.multilinear = True


@dot_general_p.def_impl
def _dot_general_impl(x: Any, y: Any, *, dimension_numbers: DimensionNumbers) -> Any:
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    x = np.asarray(x)
    y = np.asarray(y)
    if not x_batch:
        if x.ndim == 2 and y.ndim == 2 and len(x_contract) == 1:
            # BLAS reads transposed views directly: no copies for any of the 4 layouts.
            a = x if x_contract[0] == 1 else x.T
            b = y if y_contract[0] == 0 else y.T
            return np.dot(a, b)
        if x_contract == (x.ndim - 1,) and y_contract == (0,) and y.ndim <= 2:
            return np.dot(x, y)  # matrix-vector and friends: straight to BLAS
        return np.tensordot(x, y, (list(x_contract), list(y_contract)))
    # Batched: move axes to (batch, free, contract) x (batch, contract, free) and matmul.
    x_free = _free_axes(x.ndim, x_contract, x_batch)
    y_free = _free_axes(y.ndim, y_contract, y_batch)
    xt = x.transpose(list(x_batch) + x_free + list(x_contract))
    yt = y.transpose(list(y_batch) + list(y_contract) + y_free)
    batch_shape = xt.shape[: len(x_batch)]
    x_free_shape = xt.shape[len(x_batch): len(x_batch) + len(x_free)]
    y_free_shape = yt.shape[len(y_batch) + len(y_contract):]
    m = math.prod(x_free_shape)
    n = math.prod(y_free_shape)
    if not x_contract:  # nothing to sum: a batched outer product, by broadcasting
        out = np.multiply(xt.reshape(batch_shape + (m, 1)), yt.reshape(batch_shape + (1, n)))
        return out.reshape(batch_shape + x_free_shape + y_free_shape)
    k = math.prod(x.shape[i] for i in x_contract)
    out = np.matmul(xt.reshape(batch_shape + (m, k)), yt.reshape(batch_shape + (k, n)))
    return out.reshape(batch_shape + x_free_shape + y_free_shape)


@dot_general_p.def_abstract_eval
def _dot_general_abstract_eval(x: ShapedArray, y: ShapedArray, *,
                               dimension_numbers: DimensionNumbers) -> ShapedArray:
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    for a, b in zip(x_contract, y_contract):
        if x.shape[a] != y.shape[b]:
            raise ValueError(
                f"dot_general: contracting axis {a} of the left operand (shape {x.shape}) has "
                f"size {x.shape[a]} but contracting axis {b} of the right operand (shape "
                f"{y.shape}) has size {y.shape[b]}."
            )
    for a, b in zip(x_batch, y_batch):
        if x.shape[a] != y.shape[b]:
            raise ValueError(
                f"dot_general: batch axis {a} of the left operand (shape {x.shape}) and batch "
                f"axis {b} of the right operand (shape {y.shape}) differ in size."
            )
    shape = (
        tuple(x.shape[i] for i in x_batch)
        + tuple(x.shape[i] for i in _free_axes(len(x.shape), x_contract, x_batch))
        + tuple(y.shape[i] for i in _free_axes(len(y.shape), y_contract, y_batch))
    )
    return ShapedArray(shape, ufunc_result_dtype(np.multiply, (x, y)))


def dot_general(x: Any, y: Any, dimension_numbers: Any) -> Any:
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    dims = ((tuple(int(i) for i in x_contract), tuple(int(i) for i in y_contract)),
            (tuple(int(i) for i in x_batch), tuple(int(i) for i in y_batch)))
    return dot_general_p.bind(x, y, dimension_numbers=dims)


def _dot_general_vjp_lhs(g: Any, ans: Any, x: Any, y: Any, *,
                         dimension_numbers: DimensionNumbers, swap_ans: bool = False) -> Any:
    """The cotangent of x: contract g with y over y's free axes (batching over the batch
    axes), which leaves x's batch, free and contracting axes; then put them in x's order."""
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    x_ndim, y_ndim = len(shape_of(x)), len(shape_of(y))
    x_free = _free_axes(x_ndim, x_contract, x_batch)
    y_free = _free_axes(y_ndim, y_contract, y_batch)
    n_batch = len(x_batch)
    # Where the batch / x-free / y-free axes sit in g (ans's layout, or swapped for rhs).
    g_batch = list(range(n_batch))
    if swap_ans:
        g_y_free = list(range(n_batch, n_batch + len(y_free)))
    else:
        g_y_free = list(range(n_batch + len(x_free), n_batch + len(x_free) + len(y_free)))
    dims = ((tuple(g_y_free), tuple(y_free)), (tuple(g_batch), tuple(y_batch)))
    # Result layout: batch, x-free (g's remaining axes), then y's remaining (= contracting)
    # axes in y's order; map back to x's axis order.
    y_contract_order = sorted(range(len(y_contract)), key=lambda i: y_contract[i])
    x_contract_by_y = [x_contract[i] for i in y_contract_order]
    result_axes_in_x = list(x_batch) + x_free + x_contract_by_y
    cotangent = transpose(dot_general(g, y, dims), np.argsort(result_axes_in_x))
    return unbroadcast(x, cotangent)  # (only casts: mixed-dtype products)


def _dot_general_vjp_rhs(g: Any, ans: Any, x: Any, y: Any, *,
                         dimension_numbers: DimensionNumbers) -> Any:
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    swapped = ((y_contract, x_contract), (y_batch, x_batch))
    return _dot_general_vjp_lhs(g, ans, y, x, dimension_numbers=swapped, swap_ans=True)


defvjp(dot_general_p, _dot_general_vjp_lhs, _dot_general_vjp_rhs)


# ----------------------------------------------------------------------------------------------
# Forward mode (bilinear: one term per argument) and batching (the batch axis becomes one more
# batch dimension of the contraction, or a free axis when only one operand is batched).

defjvp(dot_general_p,
       lambda t, ans, x, y, *, dimension_numbers: dot_general(t, y, dimension_numbers),
       lambda t, ans, x, y, *, dimension_numbers: dot_general(x, t, dimension_numbers))


def _batch_dot_general(values, batch_axes, *, dimension_numbers):
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    x, y = values
    x_axis, y_axis = batch_axes
    size = batch_size_of(values, batch_axes)

    def shift(dims):
        return tuple(d + 1 for d in dims)

    if x_axis is not None and y_axis is not None:
        x = move_batch_axis(x, x_axis, 0, size)
        y = move_batch_axis(y, y_axis, 0, size)
        dims = ((shift(x_contract), shift(y_contract)),
                ((0,) + shift(x_batch), (0,) + shift(y_batch)))
        return dot_general(x, y, dims), 0
    if x_axis is not None:
        x = move_batch_axis(x, x_axis, 0, size)
        dims = ((shift(x_contract), y_contract), (shift(x_batch), y_batch))
        return dot_general(x, y, dims), len(x_batch)  # first free axis of x
    y = move_batch_axis(y, y_axis, 0, size)
    dims = ((x_contract, shift(y_contract)), (x_batch, shift(y_batch)))
    x_free = len(shape_of(x)) - len(x_contract) - len(x_batch)
    return dot_general(x, y, dims), len(x_batch) + x_free  # first free axis of y


batching_rules[dot_general_p] = _batch_dot_general
