"""Indexing and joining: getitem (gather), index_update (scatter: ``x.at[i].set/add/multiply``)
and concatenate, whose derivatives are each other: the cotangent of a gather is a scatter,
of a concatenation its slices.

An index is kept in the params as a static tuple ("indexer") of ints, None, Ellipsis,
``Slice``s and ``ArrayIndex(k)`` placeholders; the integer index arrays themselves are
operands (after x, and after the update values), so they may be traced values too.

Each primitive: implementation, shape/dtype rule, VJP, JVP and batching rule in one place.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np

from funcad.core import Primitive, ShapedArray, dtype_of, shape_of
from funcad.primitives.elementwise import eq, logical_and, mul, select
from funcad.primitives.reductions import reduce_prod
from funcad.primitives.shape import (
    batch_axes_to_front,
    batch_size_of,
    broadcast_to,
    move_batch_axis,
    reshape,
    transpose,
    unbroadcast,
    zeros,
    zeros_like_shape,
)
from funcad.rules import batching_rules, defjvp_all, deflinear, defvjp_all

__all__ = [
    "Slice", "ArrayIndex", "build_index", "getitem_p", "getitem", "index_update_p",
    "index_update", "concatenate_p", "concatenate",
]


# ----------------------------------------------------------------------------------------------
# Index descriptions.


class Slice(NamedTuple):
    """A hashable stand-in for ``slice`` (slices are unhashable before Python 3.12)."""

    start: int | None
    stop: int | None
    step: int | None

    def __repr__(self) -> str:
        parts = ["" if v is None else str(v) for v in self]
        return ":".join(parts[:2] if self.step is None else parts)


class ArrayIndex(NamedTuple):
    """Placeholder for the ``position``-th integer index array operand."""

    position: int

    def __repr__(self) -> str:
        return f"<array {self.position}>"


def build_index(indexer: tuple, arrays: Sequence[Any]) -> tuple:
    """The NumPy index described by ``indexer`` with its arrays filled in."""
    out = []
    for item in indexer:
        if type(item) is Slice:
            out.append(slice(*item))
        elif type(item) is ArrayIndex:
            out.append(arrays[item.position])
        else:
            out.append(item)
    return tuple(out)


def _index_result_shape(shape: tuple[int, ...], indexer: tuple, arrays: Sequence[ShapedArray]):
    # Index a zero-strided stand-in of the right shape: NumPy computes the result shape (and
    # raises NumPy's own IndexError) without touching real data.
    dummy = np.broadcast_to(np.zeros((), np.int8), shape)
    fake_arrays = [np.zeros(a.shape, np.intp) for a in arrays]
    return dummy[build_index(indexer, fake_arrays)].shape


getitem_p = Primitive("getitem")
getitem_p.copies_elements = True  # (a view: output_buffer stays "view")
getitem_p.def_impl(lambda x, *arrays, indexer: x[build_index(indexer, arrays)])
getitem_p.def_abstract_eval(lambda x, *arrays, indexer: ShapedArray(
    _index_result_shape(x.shape, indexer, arrays), x.dtype))


def getitem(x: Any, indexer: tuple, *arrays: Any) -> Any:
    """``x[indexer]`` as one primitive: ``indexer`` is a tuple of basic indices (ints, slices, None,
    Ellipsis) and ``ArrayIndex(i)`` placeholders that stand for the integer arrays ``arrays[i]``;
    what ``funcad.numpy``'s indexing lowers to.

    >>> from funcad import lax
    >>> import numpy as np
    >>> print(lax.getitem(np.arange(6).reshape(2, 3), (slice(None), 1)))
    [1 4]
    """
    return getitem_p.bind(x, *arrays, indexer=indexer)


def _getitem_vjp(g, ans, args, params, wanted):
    """Scatter the cotangent back into zeros shaped like x (adding at repeated indices)."""
    x, *arrays = args
    cotangent = index_update(zeros_like_shape(x, dtype_of(g)), g, params["indexer"],
                             "add", *arrays)
    return [unbroadcast(x, cotangent)] + [None] * len(arrays)


defvjp_all(getitem_p, _getitem_vjp)
deflinear(getitem_p, 0)

index_update_p = Primitive("index_update")
index_update_p.output_buffer = "fresh"


@index_update_p.def_impl
def _index_update_impl(x, values, *arrays, indexer, mode):
    index = build_index(indexer, arrays)
    out = np.array(x, copy=True)
    if mode == "set":
        out[index] = values
    elif arrays:  # advanced indexing may repeat positions: accumulate at each one
        # Broadcast the values ourselves: ufunc.at (NumPy 2.4) adds a values array that needs
        # new leading axes only once per position (np.add.at(zeros(1), [[0, 0], [0, 0]],
        # [1., 10.]) gives 11, not 22) and multiply.at reads garbage.
        values = np.broadcast_to(values, _index_result_shape(out.shape, indexer, arrays))
        {"add": np.add, "multiply": np.multiply}[mode].at(out, index, values)
    elif mode == "add":
        out[index] += values
    else:
        out[index] *= values
    return out


@index_update_p.def_abstract_eval
def _index_update_abstract_eval(x, values, *arrays, indexer, mode):
    target = _index_result_shape(x.shape, indexer, arrays)
    try:
        np.broadcast_shapes(values.shape, target)
        ok = len(values.shape) <= len(target) or all(n == 1 for n in values.shape[
            :len(values.shape) - len(target)])
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(
            f"x.at[...].{mode}(values): values of shape {values.shape} cannot be broadcast to "
            f"the indexed shape {target}"
        )
    return ShapedArray(x.shape, x.dtype)


def index_update(x: Any, values: Any, indexer: tuple, mode: str, *arrays: Any) -> Any:
    """A copy of x with x[index] set to / increased by / multiplied by values."""
    values_shape = shape_of(values)
    if values_shape and values_shape[0] == 1:
        # Extra leading 1-sized axes broadcast away, but NumPy's in-place updates (and its
        # assignment to a single element) refuse them: drop them here.
        target = _index_result_shape(shape_of(x), indexer, arrays)
        extra = len(values_shape) - len(target)
        if extra > 0 and all(n == 1 for n in values_shape[:extra]):
            values = reshape(values, values_shape[extra:])
    return index_update_p.bind(x, values, *arrays, indexer=indexer, mode=mode)


def _values_cotangent(values: Any, g_at_index: Any) -> Any:
    values_shape = shape_of(values)
    g_shape = shape_of(g_at_index)
    if len(values_shape) < len(g_shape) or values_shape == g_shape:
        return unbroadcast(values, g_at_index)
    # values may carry extra leading 1-sized axes that NumPy drops when assigning.
    return unbroadcast(values, reshape(g_at_index, (1,) * (len(values_shape) - len(g_shape))
                                       + g_shape))


def _may_repeat(x_shape: tuple[int, ...], indexer: tuple, arrays: Sequence[Any]) -> bool:
    """Whether an advanced index may name a position twice (True if the arrays are traced)."""
    if not all(isinstance(a, (np.ndarray, np.generic)) for a in arrays):
        return True
    size = int(np.prod(x_shape, dtype=np.int64))
    positions = np.arange(size).reshape(x_shape)[build_index(indexer, arrays)]
    return np.unique(positions).size != positions.size


def _product_of_others(x_shape: tuple[int, ...], values: Any, indexer: tuple,
                       arrays: Sequence[Any], target: tuple[int, ...]) -> Any:
    """For each indexed element, the product of the *other* values multiplied into the same
    position of x (1 at a position indexed once): d(x * v_1 * ... * v_k) / dv_j needs it.
    As in prod's rule, no division (zeros are fine): an (m, m) table of "same position,
    other element" over the m indexed elements, so use it only when positions repeat."""
    m = int(np.prod(target, dtype=np.int64))
    size = int(np.prod(x_shape, dtype=np.int64))
    positions = reshape(getitem(np.arange(size).reshape(x_shape), indexer, *arrays), (m,))
    values_shape = shape_of(values)
    if len(values_shape) > len(target):  # extra leading 1-sized axes
        values = reshape(values, values_shape[len(values_shape) - len(target):])
    row = reshape(broadcast_to(values, target), (1, m))
    same = logical_and(eq(reshape(positions, (m, 1)), reshape(positions, (1, m))),
                       np.logical_not(np.eye(m, dtype=bool)))
    others = reduce_prod(select(same, broadcast_to(row, (m, m)), 1), (1,))
    return reshape(others, target)


def _index_update_vjp(g, ans, args, params, wanted):
    x, values, *arrays = args
    indexer, mode = params["indexer"], params["mode"]
    x_ct = values_ct = None
    if mode == "set":  # overwritten positions do not reach the output
        if wanted[0] is not None:
            x_ct = index_update(g, 0, indexer, "set", *arrays)
        if wanted[1] is not None:
            g_at = getitem(g, indexer, *arrays)
            if arrays:  # a repeated position keeps only the last write: mask out the others
                target = shape_of(g_at)
                ids = np.arange(int(np.prod(target, dtype=np.int64))).reshape(target)
                winners = index_update(zeros(shape_of(x), np.intp), ids, indexer, "set", *arrays)
                g_at = select(eq(getitem(winners, indexer, *arrays), ids), g_at, 0)
            values_ct = _values_cotangent(values, g_at)
    elif mode == "add":
        x_ct = g
        if wanted[1] is not None:
            values_ct = _values_cotangent(values, getitem(g, indexer, *arrays))
    elif mode == "multiply":
        if wanted[0] is not None:
            x_ct = index_update(g, values, indexer, "multiply", *arrays)
        if wanted[1] is not None:
            g_at = getitem(mul(g, x), indexer, *arrays)
            if arrays and _may_repeat(shape_of(x), indexer, arrays):
                g_at = mul(g_at, _product_of_others(shape_of(x), values, indexer, arrays,
                                                    shape_of(g_at)))
            values_ct = _values_cotangent(values, g_at)
    else:
        raise NotImplementedError(f"no derivative for x.at[...].{mode}")
    return [x_ct, values_ct] + [None] * len(arrays)


defvjp_all(index_update_p, _index_update_vjp)



def _index_update_jvp(tangents, ans, args, params):
    x, values, *arrays = args
    t_x, t_values = tangents[0], tangents[1]
    indexer, mode = params["indexer"], params["mode"]
    if t_x is None:
        t_x = zeros_like_shape(x)
    if mode in ("set", "add"):
        if t_values is None:
            t_values = zeros_like_shape(values)
        return index_update(t_x, t_values, indexer, mode, *arrays)
    # multiply: d(x_p v_1 ... v_k) = dx_p v_1 ... v_k + sum_j x_p (prod of the other v) dv_j.
    out = index_update(t_x, values, indexer, "multiply", *arrays)
    if t_values is not None:
        contribution = mul(t_values, getitem(x, indexer, *arrays))
        if arrays and _may_repeat(shape_of(x), indexer, arrays):
            target = _index_result_shape(shape_of(x), indexer, arrays)
            contribution = mul(contribution, _product_of_others(shape_of(x), values, indexer,
                                                                arrays, target))
        out = index_update(out, contribution, indexer, "add", *arrays)
    return out


defjvp_all(index_update_p, _index_update_jvp)



# ----------------------------------------------------------------------------------------------
# concatenate

concatenate_p = Primitive("concatenate")
concatenate_p.output_buffer = "fresh"
concatenate_p.def_impl(lambda *xs, axis: np.concatenate(xs, axis=axis))


@concatenate_p.def_abstract_eval
def _concatenate_abstract_eval(*xs: ShapedArray, axis: int) -> ShapedArray:
    first = xs[0].shape
    for x in xs[1:]:
        if len(x.shape) != len(first) or any(
            a != b for i, (a, b) in enumerate(zip(x.shape, first)) if i != axis
        ):
            raise ValueError(
                f"concatenate: all input arrays must have the same shape except along axis "
                f"{axis}; got shapes {[x.shape for x in xs]}"
            )
    shape = list(first)
    shape[axis] = sum(x.shape[axis] for x in xs)
    dtype = np.result_type(*(x.dtype for x in xs))
    return ShapedArray(tuple(shape), dtype)


def concatenate(xs: Sequence[Any], axis: int) -> Any:
    return concatenate_p.bind(*xs, axis=axis)


def _concatenate_vjp(g, ans, args, params, wanted):
    axis = params["axis"]
    cotangents = []
    start = 0
    for x, want in zip(args, wanted):
        size = shape_of(x)[axis]
        if want is not None:
            index = (Slice(None, None, None),) * axis + (Slice(start, start + size, None),)
            cotangents.append(unbroadcast(x, getitem(g, index)))
        else:
            cotangents.append(None)
        start += size
    return cotangents


defvjp_all(concatenate_p, _concatenate_vjp)
deflinear(concatenate_p)


def _batch_concatenate(values, batch_axes, *, axis):
    return concatenate(batch_axes_to_front(values, batch_axes), axis + 1), 0


batching_rules[concatenate_p] = _batch_concatenate



# ----------------------------------------------------------------------------------------------
# Batching getitem and index_update.


def _advanced_positions(indexer: tuple) -> list[int]:
    """Positions of the items NumPy treats as advanced indices (arrays, and integers when any
    array is present)."""
    if not any(type(item) is ArrayIndex for item in indexer):
        return []
    return [i for i, item in enumerate(indexer)
            if type(item) is ArrayIndex or (type(item) is int)]


def _batched_indexer(indexer, arrays, array_axes, size, x_ndim):
    """The indexer and index arrays that apply ``indexer`` to every example of an operand
    whose batch axis is in front (``x_ndim``: the rank of one example). Returns (indexer,
    arrays, batch axis of the result, permutation or None): ``transpose(x[indexer],
    permutation)`` is the batch of results, each laid out as NumPy lays out one example's."""
    positions = _advanced_positions(indexer)
    contiguous = positions == list(range(positions[0], positions[-1] + 1)) if positions \
        else True
    if all(a is None for a in array_axes):
        new_indexer = (Slice(None, None, None),) + tuple(indexer)
        if contiguous:
            return new_indexer, list(arrays), 0, None
        index_rank = len(np.broadcast_shapes(*(shape_of(a) for a in arrays)))
        return new_indexer, list(arrays), index_rank, None  # NumPy moves advanced axes first
    # Some index arrays differ per example: index the batch axis with arange(size) as well.
    ranks = [len(shape_of(a)) - (ax is not None) for a, ax in zip(arrays, array_axes)]
    rank = max(ranks, default=0)
    new_arrays = [np.arange(size).reshape((size,) + (1,) * rank)]
    for a, ax in zip(arrays, array_axes):
        if ax is not None:
            a = move_batch_axis(a, ax, 0, size)
            a_shape = shape_of(a)
            a = reshape(a, (size,) + (1,) * (rank + 1 - len(a_shape)) + a_shape[1:])
        new_arrays.append(a)
    shifted = tuple(ArrayIndex(item.position + 1) if type(item) is ArrayIndex else item
                    for item in indexer)
    permutation = None
    if contiguous and positions[0] > 0:
        # One example puts its index axes after the axes of the leading slices/None/Ellipsis
        # (``pre`` of them); with arange in front NumPy puts them first: move them back.
        consumed = sum(1 for item in indexer if item is not None and item is not Ellipsis)
        def dims(items):  # result axes made by basic (non-advanced) items
            return sum((x_ndim - consumed) if item is Ellipsis else 1 for item in items
                       if type(item) is not ArrayIndex and type(item) is not int)

        pre = dims(indexer[:positions[0]])
        if pre:
            out_rank = 1 + rank + dims(indexer)
            permutation = ((0,) + tuple(range(1 + rank, 1 + rank + pre))
                           + tuple(range(1, 1 + rank)) + tuple(range(1 + rank + pre, out_rank)))
    return (ArrayIndex(0),) + shifted, new_arrays, 0, permutation


def _batch_getitem(values, batch_axes, *, indexer):
    x, *arrays = values
    x_axis, *array_axes = batch_axes
    size = batch_size_of(values, batch_axes)
    x = move_batch_axis(x, x_axis, 0, size)
    new_indexer, new_arrays, out_axis, permutation = _batched_indexer(
        indexer, arrays, array_axes, size, len(shape_of(x)) - 1)
    out = getitem(x, new_indexer, *new_arrays)
    return (out if permutation is None else transpose(out, permutation)), out_axis


batching_rules[getitem_p] = _batch_getitem


def _batch_index_update(values, batch_axes, *, indexer, mode):
    x, update, *arrays = values
    x_axis, update_axis, *array_axes = batch_axes
    size = batch_size_of(values, batch_axes)
    x = move_batch_axis(x, x_axis, 0, size)
    new_indexer, new_arrays, out_axis, permutation = _batched_indexer(
        indexer, arrays, array_axes, size, len(shape_of(x)) - 1)
    # Give the update the rank of the indexed target, with its batch axis (or a 1) where
    # the batch axis of x[new_indexer] lies (extra leading 1-sized axes of one example's
    # update, which NumPy allows, are dropped first).
    target_rank = len(_index_result_shape(shape_of(x), new_indexer,
                                          [ShapedArray(shape_of(a), np.intp) for a in new_arrays]))
    if update_axis is not None:
        update = move_batch_axis(update, update_axis, 0, size)
        u_shape = shape_of(update)
        if len(u_shape) > target_rank:
            u_shape = (size,) + u_shape[len(u_shape) - target_rank + 1:]
        update = reshape(update, (size,) + (1,) * (target_rank - len(u_shape)) + u_shape[1:])
        update = move_batch_axis(update, 0, out_axis, size)
    else:
        u_shape = tuple(shape_of(update))[-(target_rank - 1):] if target_rank > 1 else ()
        full = (1,) * (target_rank - 1 - len(u_shape)) + u_shape
        update = reshape(update, full[:out_axis] + (1,) + full[out_axis:])
    if permutation is not None:  # the target's layout is permuted: permute the update too
        update = transpose(update, np.argsort(permutation))
    return index_update(x, update, new_indexer, mode, *new_arrays), 0


batching_rules[index_update_p] = _batch_index_update
