"""Shapes and layout: reshaping, transposing, broadcasting, joining, splitting, and the
diagonals and triangles of matrices.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Mapping, Sequence, Union, cast, overload

import numpy as np

from funcad.core import Tracer, dtype_of, shape_of
from funcad.numpy._array import with_at
from funcad.numpy._conversion import (
    as_operand,
    astype,
    concrete_value,
    contains_tracer,
    ndim_of,
    normalize_axes,
)
from funcad.numpy._elementwise import where
from funcad.numpy._indexing import IN_BOUNDS, getitem, take
from funcad.primitives import elementwise as ew
from funcad.primitives import indexing
from funcad.primitives import shape as shape_primitives
from funcad.primitives.indexing import ArrayIndex, Slice, index_update
from funcad.primitives.reductions import cumsum, reduce_max, reduce_min
from funcad.primitives.sorting import argsort
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "shape", "ndim", "size", "reshape", "ravel", "transpose", "matrix_transpose", "swapaxes",
    "moveaxis", "expand_dims", "squeeze", "broadcast_to", "broadcast_arrays", "atleast_1d",
    "atleast_2d", "concatenate", "stack", "hstack", "vstack", "split", "flip", "tile",
    "repeat", "diagonal", "trace", "diag", "triu", "tril", "atleast_3d", "permute_dims",
    "rollaxis", "concat", "column_stack", "dstack", "unstack", "block", "array_split",
    "hsplit", "vsplit", "dsplit", "fliplr", "flipud", "rot90", "roll", "append", "insert",
    "delete", "resize", "pad",
]

_Arrays = Union[np.ndarray, Tracer, Sequence[ArrayLike]]
"""A sequence of arrays, or an array whose slices along the first axis are them."""


def shape(a: ArrayLike) -> tuple[int, ...]:
    """The shape of ``a`` as a tuple of Python ints, as numpy.shape; known while tracing.

    >>> funcad.numpy.shape([[1, 2, 3]])
    (1, 3)
    """
    return tuple(shape_of(as_operand(a)))


def ndim(a: ArrayLike) -> int:
    """The number of dimensions of ``a`` (an array, a tracer, a scalar or a nested list), as
    numpy.ndim; a Python int, known while tracing.

    >>> funcad.numpy.ndim([[1, 2], [3, 4]])
    2
    """
    return ndim_of(as_operand(a))


def size(a: ArrayLike, axis: int | None = None) -> int:
    """The number of elements of ``a`` (along ``axis`` if given), as numpy.size; a Python int,
    known while tracing.

    >>> funcad.numpy.size(funcad.numpy.ones((2, 3)))
    6
    >>> funcad.numpy.size(funcad.numpy.ones((2, 3)), axis=1)
    3
    """
    s = shape(a)
    return int(np.prod(s, dtype=np.int64)) if axis is None else s[axis]


def reshape(a: ArrayLike, shape: int | Sequence[int] | None = None, order: str = "C", *,
            newshape: int | Sequence[int] | None = None, copy: bool | None = None) -> Array:
    """``a`` with a new shape, reading and writing elements in C (row-major) or F
    (column-major) order; ``order="A"`` is refused, as in JAX."""
    if order == "F":
        a = as_operand(a)
        new = _resolved_shape(shape_of(a), newshape if shape is None else shape)
        flipped = shape_primitives.transpose(a, tuple(range(ndim_of(a)))[::-1])
        out = shape_primitives.reshape(flipped, new[::-1])
        return shape_primitives.transpose(out, tuple(range(len(new)))[::-1])
    if order != "C":
        raise NotImplementedError(f"reshape: order={order!r} is not implemented (use 'C' or "
                                  f"'F')")
    shape = newshape if shape is None else shape
    a = as_operand(a)
    return shape_primitives.reshape(a, _resolved_shape(shape_of(a), shape))


def _resolved_shape(old: tuple[int, ...], shape: Any) -> tuple[int, ...]:
    """``shape`` with its -1 filled in, checked against the size of ``old``."""
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    shape = [operator.index(n) for n in shape]
    total = int(np.prod(old, dtype=np.int64))
    if shape.count(-1) > 1:
        raise ValueError("reshape: can only specify one unknown dimension (-1)")
    if -1 in shape:
        known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
        if known == 0 or total % known:
            raise ValueError(f"cannot reshape array of size {total} into shape {tuple(shape)}")
        shape[shape.index(-1)] = total // known
    if int(np.prod(shape, dtype=np.int64)) != total:
        raise ValueError(f"cannot reshape array of size {total} into shape {tuple(shape)}")
    return tuple(shape)


def ravel(a: ArrayLike, order: str = "C") -> Array:
    """The elements as a 1-d array, in C (row-major) or F (column-major) ``order``, as numpy.ravel.
    Differentiable. ``order='K'`` is not supported; the result is a copy.

    >>> funcad.numpy.ravel(funcad.numpy.array([[1, 2], [3, 4]]))
    Array([1, 2, 3, 4])
    >>> funcad.numpy.ravel(funcad.numpy.array([[1, 2], [3, 4]]), order='F')
    Array([1, 3, 2, 4])
    """
    if order == "K":
        raise NotImplementedError("ravel: order='K' is not implemented (use 'C' or 'F')")
    return reshape(a, (-1,), order)


def transpose(a: ArrayLike, axes: Sequence[int] | None = None) -> Array:
    """Permute the axes (reverse them if ``axes`` is None), as numpy.transpose; also named
    ``permute_dims``. Differentiable.

    >>> funcad.numpy.transpose(funcad.numpy.array([[1, 2, 3]]))
    Array([[1],
           [2],
           [3]])
    >>> funcad.numpy.transpose(funcad.numpy.ones((2, 3, 4)), (1, 0, 2)).shape
    (3, 2, 4)
    """
    a = as_operand(a)
    n = ndim_of(a)
    if axes is None:
        axes = tuple(range(n))[::-1]
    axes = normalize_axes(tuple(axes), n, "transpose")
    if len(axes) != n:
        raise ValueError(f"transpose: axes {axes} don't match an array of {n} dimensions")
    return shape_primitives.transpose(a, axes)


def matrix_transpose(x: ArrayLike) -> Array:
    """Swap the last two axes (a stack of matrices transposed), as numpy.matrix_transpose.
    Differentiable.

    >>> funcad.numpy.matrix_transpose(funcad.numpy.ones((5, 2, 3))).shape
    (5, 3, 2)
    """
    n = ndim_of(x)
    return transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


def swapaxes(a: ArrayLike, axis1: int, axis2: int) -> Array:
    """Exchange the axes ``axis1`` and ``axis2``, as numpy.swapaxes. Differentiable.

    >>> funcad.numpy.swapaxes(funcad.numpy.ones((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    a = as_operand(a)
    n = ndim_of(a)
    (i,), (j,) = normalize_axes(axis1, n, "swapaxes"), normalize_axes(axis2, n, "swapaxes")
    perm = list(range(n))
    perm[i], perm[j] = perm[j], perm[i]
    return shape_primitives.transpose(a, perm)


def moveaxis(a: ArrayLike, source: int | Sequence[int],
             destination: int | Sequence[int]) -> Array:
    """Move the axes ``source`` to the positions ``destination``, the others keeping their order,
    as numpy.moveaxis. Differentiable.

    >>> funcad.numpy.moveaxis(funcad.numpy.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    a = as_operand(a)
    n = ndim_of(a)
    src = normalize_axes(source, n, "moveaxis")
    dst = normalize_axes(destination, n, "moveaxis")
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must have the same length")
    order = [i for i in range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return shape_primitives.transpose(a, order)


def expand_dims(a: ArrayLike, axis: int | Sequence[int]) -> Array:
    """Insert axes of size 1 at the positions ``axis`` (an int or a tuple), as numpy.expand_dims.
    Differentiable.

    >>> funcad.numpy.expand_dims(funcad.numpy.ones(3), (0, 2)).shape
    (1, 3, 1)
    """
    a = as_operand(a)
    x_shape = shape_of(a)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out_ndim = len(x_shape) + len(axes)
    axes = normalize_axes(axes, out_ndim, "expand_dims")
    it = iter(x_shape)
    new_shape = [1 if i in axes else next(it) for i in range(out_ndim)]
    return shape_primitives.reshape(a, new_shape)


def squeeze(a: ArrayLike, axis: int | Sequence[int] | None = None) -> Array:
    """Remove axes of size 1 (only those in ``axis`` if given: each must have size 1), as
    numpy.squeeze. Differentiable.

    >>> funcad.numpy.squeeze(funcad.numpy.ones((1, 3, 1))).shape
    (3,)
    """
    a = as_operand(a)
    x_shape = shape_of(a)
    if axis is None:
        axes = tuple(i for i, n in enumerate(x_shape) if n == 1)
    else:
        axes = normalize_axes(axis, len(x_shape), "squeeze")
        for i in axes:
            if x_shape[i] != 1:
                raise ValueError(f"squeeze: cannot select an axis to squeeze out which has "
                                 f"size not equal to one (axis {i} has size {x_shape[i]})")
    return shape_primitives.reshape(a, [n for i, n in enumerate(x_shape) if i not in axes])


def broadcast_to(array: ArrayLike, shape: int | Sequence[int]) -> Array:
    """``array`` broadcast to ``shape`` (an int or a tuple), as numpy.broadcast_to; the result is a
    new array, not a read-only view. Differentiable. (the gradient sums over the broadcast
    axes).

    >>> funcad.numpy.broadcast_to(funcad.numpy.array([1, 2]), (2, 2))
    Array([[1, 2],
           [1, 2]])
    """
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    return shape_primitives.broadcast_to(as_operand(array), tuple(shape))


def broadcast_arrays(*args: ArrayLike) -> list[Array]:
    """The arguments broadcast against one another to their common shape, as a list (as
    jax.numpy.broadcast_arrays; numpy returns a tuple of read-only views). Differentiable.

    >>> x, y = funcad.numpy.broadcast_arrays(funcad.numpy.ones(3), funcad.numpy.ones((2, 1)))
    >>> x.shape, y.shape
    ((2, 3), (2, 3))
    """
    operands = [as_operand(a) for a in args]
    common_shape = np.broadcast_shapes(*(shape_of(a) for a in operands))
    return [broadcast_to(a, common_shape) for a in operands]


@overload
def atleast_1d() -> list[Array]: ...
@overload
def atleast_1d(x: ArrayLike, /) -> Array: ...
@overload
def atleast_1d(x: ArrayLike, y: ArrayLike, /, *arys: ArrayLike) -> list[Array]: ...
def atleast_1d(*arys: ArrayLike) -> Array | list[Array]:
    """Each argument viewed with at least one dimension (scalars become shape (1,)); a list when
    given several, as numpy.atleast_1d. Differentiable.

    >>> funcad.numpy.atleast_1d(3.0)
    Array([3.])
    """
    out = [reshape(a, (1,)) if ndim_of(as_operand(a)) == 0 else as_operand(a) for a in arys]
    return out[0] if len(out) == 1 else out


@overload
def atleast_2d() -> list[Array]: ...
@overload
def atleast_2d(x: ArrayLike, /) -> Array: ...
@overload
def atleast_2d(x: ArrayLike, y: ArrayLike, /, *arys: ArrayLike) -> list[Array]: ...
def atleast_2d(*arys: ArrayLike) -> Array | list[Array]:
    """Each argument viewed with at least two dimensions (leading axes of size 1 added); a list
    when given several, as numpy.atleast_2d. Differentiable.

    >>> funcad.numpy.atleast_2d([1, 2]).shape
    (1, 2)
    """
    out = []
    for a in arys:
        a = as_operand(a)
        out.append(reshape(a, (1,) * (2 - ndim_of(a)) + shape_of(a)) if ndim_of(a) < 2 else a)
    return out[0] if len(out) == 1 else out


def concatenate(arrays: _Arrays, axis: int | None = 0, dtype: DTypeLike | None = None) -> Array:
    """Join a sequence of arrays along an existing ``axis`` (flattened first if None), as
    numpy.concatenate; also named ``concat``. Differentiable. ``out=`` and ``casting=`` are not
    supported.

    >>> funcad.numpy.concatenate([funcad.numpy.array([1, 2]), funcad.numpy.array([3])])
    Array([1, 2, 3])
    """
    operands: list[Any] = [as_operand(a) for a in arrays]
    if not operands:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        operands, axis = [ravel(a) for a in operands], 0
    n = ndim_of(operands[0])
    if n == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    (ax,) = normalize_axes(axis, n, "concatenate")
    if dtype is not None:
        operands = [astype(a, dtype) for a in operands]
    if len(operands) == 1:
        return operands[0]
    return indexing.concatenate(operands, ax)


def stack(arrays: _Arrays, axis: int = 0, dtype: DTypeLike | None = None) -> Array:
    """Join arrays of one shape along a new ``axis``, as numpy.stack. Differentiable. ``out=`` and
    ``casting=`` are not supported.

    >>> funcad.numpy.stack([funcad.numpy.array([1, 2]), funcad.numpy.array([3, 4])], axis=1)
    Array([[1, 3],
           [2, 4]])
    """
    arrays = [as_operand(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to stack")
    shapes = {tuple(shape_of(a)) for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"all input arrays must have the same shape, got {sorted(shapes)}")
    (ax,) = normalize_axes(axis, ndim_of(arrays[0]) + 1, "stack")
    expanded = [expand_dims(a, ax) for a in arrays]
    if dtype is not None:
        expanded = [astype(a, dtype) for a in expanded]
    return expanded[0] if len(expanded) == 1 else indexing.concatenate(expanded, ax)


def hstack(tup: _Arrays, dtype: DTypeLike | None = None) -> Array:
    """Join arrays along the second axis (the first for 1-d inputs), as numpy.hstack.
    Differentiable.

    >>> funcad.numpy.hstack([funcad.numpy.array([1, 2]), funcad.numpy.array([3])])
    Array([1, 2, 3])
    """
    arrs = atleast_1d(*tup)
    arrs = [arrs] if not isinstance(arrs, list) else arrs
    return concatenate(arrs, axis=0 if ndim_of(arrs[0]) == 1 else 1, dtype=dtype)


def vstack(tup: _Arrays, dtype: DTypeLike | None = None) -> Array:
    """Join arrays along the first axis, 1-d inputs becoming rows, as numpy.vstack. Differentiable.

    >>> funcad.numpy.vstack([funcad.numpy.array([1, 2]), funcad.numpy.array([3, 4])])
    Array([[1, 2],
           [3, 4]])
    """
    arrs = atleast_2d(*tup)
    arrs = [arrs] if not isinstance(arrs, list) else arrs
    return concatenate(arrs, axis=0, dtype=dtype)


def flip(m: ArrayLike, axis: int | Sequence[int] | None = None) -> Array:
    """Reverse the order of elements along ``axis`` (all axes if None), as numpy.flip.
    Differentiable.

    >>> funcad.numpy.flip(funcad.numpy.array([1, 2, 3]))
    Array([3, 2, 1])
    """
    m = as_operand(m)
    axes = normalize_axes(axis, ndim_of(m), "flip")
    index = tuple(Slice(None, None, -1) if i in axes else Slice(None, None, None)
                  for i in range(ndim_of(m)))
    return indexing.getitem(m, index)


def tile(a: ArrayLike, reps: int | Sequence[int]) -> Array:
    """Repeat the whole array ``reps`` times along each axis, as numpy.tile. Differentiable.

    >>> funcad.numpy.tile(funcad.numpy.array([1, 2]), 2)
    Array([1, 2, 1, 2])
    >>> funcad.numpy.tile(funcad.numpy.array([1, 2]), (2, 1))
    Array([[1, 2],
           [1, 2]])
    """
    a = as_operand(a)
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    x_shape = shape_of(a)
    n = max(len(reps), len(x_shape))
    reps = (1,) * (n - len(reps)) + reps
    x_shape = (1,) * (n - len(x_shape)) + tuple(x_shape)
    a = reshape(a, x_shape)
    # Interleave: (1, s0, 1, s1, ...) broadcast to (r0, s0, r1, s1, ...).
    inter = tuple(v for s in x_shape for v in (1, s))
    target = tuple(v for r, s in zip(reps, x_shape) for v in (r, s))
    out = broadcast_to(reshape(a, inter), target)
    return reshape(out, tuple(r * s for r, s in zip(reps, x_shape)))


def repeat(a: ArrayLike, repeats: ArrayLike, axis: int | None = None, *,
           total_repeat_length: int | None = None) -> Array:
    """Each element repeated ``repeats`` times along ``axis``. With ``total_repeat_length``
    (needed when ``repeats`` is traced, as in JAX) the output has that length: truncated,
    or padded with the last element."""
    a = as_operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    (ax,) = normalize_axes(axis, ndim_of(a), "repeat")
    n = shape_of(a)[ax]
    if isinstance(repeats, Tracer) or (isinstance(repeats, (list, tuple))
                                       and contains_tracer(repeats)):
        if total_repeat_length is None:
            raise TypeError(
                "repeat: traced repeats need a static total_repeat_length= (the output's "
                "length depends on their values)")
        counts = as_operand(repeats)
        counts = shape_primitives.broadcast_to(counts, (n,)) if shape_of(counts) != (n,) \
            else counts
        length = operator.index(total_repeat_length)
        # Output j reads element #{k : cumsum(counts)[k] <= j}, clipped to the last one.
        ends = cumsum(counts, 0)
        table = ew.le(shape_primitives.reshape(ends, (1, n)),
                      np.arange(length).reshape(length, 1))
        index = shape_primitives.reduce_sum(
            shape_primitives.convert_element_type(table, np.intp), (1,))
        return take(a, ew.min(index, max(n - 1, 0)), axis=ax, mode="clip")
    counts = np.asarray(repeats)
    if counts.dtype.kind not in "iu" and counts.size:
        raise TypeError(f"repeat: repeats must be integers, got dtype {counts.dtype.name}")
    if np.any(counts < 0):
        raise ValueError("repeat: repeats may not contain negative values")
    counts = counts.astype(np.intp)
    if counts.ndim == 0 and total_repeat_length is None:
        r = int(counts)
        x_shape = tuple(shape_of(a))
        expanded = expand_dims(a, ax + 1)
        target = x_shape[: ax + 1] + (r,) + x_shape[ax + 1:]
        out_shape = x_shape[:ax] + (x_shape[ax] * r,) + x_shape[ax + 1:]
        return reshape(broadcast_to(expanded, target), out_shape)
    if counts.ndim > 1 or (counts.ndim == 1 and counts.shape[0] not in (1, n)):
        raise ValueError(f"repeat: operands could not be broadcast together: repeats of shape "
                         f"{counts.shape} for an axis of size {n}")
    index = np.repeat(np.arange(n), np.broadcast_to(counts, (n,)))
    if total_repeat_length is not None:
        length = operator.index(total_repeat_length)
        if index.size >= length:
            index = index[:length]
        else:
            last = index[-1] if index.size else 0
            index = np.concatenate([index, np.full(length - index.size, last, index.dtype)])
    return take(a, index, axis=ax, mode=IN_BOUNDS)


def diagonal(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Array:
    """The diagonal at ``offset`` of the 2-d slices over ``axis1`` and ``axis2`` (moved to the last
    axis), as numpy.diagonal. Differentiable. Returns a copy, not a read-only view.

    >>> funcad.numpy.diagonal(funcad.numpy.arange(9).reshape(3, 3), offset=1)
    Array([1, 5])
    """
    a = as_operand(a)
    n = ndim_of(a)
    (i,), (j,) = normalize_axes(axis1, n, "diagonal"), normalize_axes(axis2, n, "diagonal")
    rest = [k for k in range(n) if k not in (i, j)]
    moved = shape_primitives.transpose(a, rest + [i, j])
    rows, cols = shape_of(moved)[-2:]
    start_r, start_c = (0, offset) if offset >= 0 else (-offset, 0)
    length = max(0, min(rows - start_r, cols - start_c))
    r = np.arange(start_r, start_r + length)
    c = np.arange(start_c, start_c + length)
    return getitem(moved, (Ellipsis, r, c))


def trace(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Array:
    """The sum of ``diagonal(a, offset, axis1, axis2)`` along its last axis."""
    diagonals = diagonal(a, offset, axis1, axis2)
    return shape_primitives.reduce_sum(diagonals, (ndim_of(diagonals) - 1,))


def diag(v: ArrayLike, k: int = 0) -> Array:
    """The ``k``-th diagonal of a 2-d array, or a 2-d array with the 1-d ``v`` on its ``k``-th
    diagonal, as numpy.diag. Differentiable. Returns a copy, not a view.

    >>> funcad.numpy.diag(funcad.numpy.array([[1, 2], [3, 4]]))
    Array([1, 4])
    >>> funcad.numpy.diag(funcad.numpy.array([1, 2]), k=1)
    Array([[0, 1, 0],
           [0, 0, 2],
           [0, 0, 0]])
    """
    v = as_operand(v)
    if ndim_of(v) == 2:
        return diagonal(v, k)
    if ndim_of(v) != 1:
        raise ValueError("diag: input must be 1-d or 2-d")
    n = shape_of(v)[0] + abs(k)
    rows = np.arange(shape_of(v)[0]) + max(0, -k)
    cols = np.arange(shape_of(v)[0]) + max(0, k)
    out = with_at(np.zeros((n, n), dtype_of(v)))
    return index_update(out, v, (ArrayIndex(0), ArrayIndex(1)), "set", rows, cols)


def triu(m: ArrayLike, k: int = 0) -> Array:
    """The array with the elements below the ``k``-th diagonal zeroed (for the last two axes), as
    numpy.triu. Differentiable.

    >>> funcad.numpy.triu(funcad.numpy.ones((2, 2)))
    Array([[1., 1.],
           [0., 1.]])
    """
    m = as_operand(m)
    rows, cols = shape_of(m)[-2:]
    return where(np.triu(np.ones((rows, cols), bool), k), m, np.zeros((), dtype_of(m)))


def tril(m: ArrayLike, k: int = 0) -> Array:
    """The array with the elements above the ``k``-th diagonal zeroed (for the last two axes), as
    numpy.tril. Differentiable.

    >>> funcad.numpy.tril(funcad.numpy.ones((2, 2)))
    Array([[1., 0.],
           [1., 1.]])
    """
    m = as_operand(m)
    rows, cols = shape_of(m)[-2:]
    return where(np.tril(np.ones((rows, cols), bool), k), m, np.zeros((), dtype_of(m)))


# ----------------------------------------------------------------------------------------------
# More layouts, joins and splits


@overload
def atleast_3d() -> list[Array]: ...
@overload
def atleast_3d(x: ArrayLike, /) -> Array: ...
@overload
def atleast_3d(x: ArrayLike, y: ArrayLike, /, *arys: ArrayLike) -> list[Array]: ...
def atleast_3d(*arys: ArrayLike) -> Array | list[Array]:
    """Each argument viewed with at least three dimensions ((N,) becomes (1, N, 1), (M, N) becomes
    (M, N, 1)); a list when given several, as numpy.atleast_3d. Differentiable.

    >>> funcad.numpy.atleast_3d([1, 2]).shape
    (1, 2, 1)
    """
    out = []
    for a in arys:
        a = as_operand(a)
        s = tuple(shape_of(a))
        new = {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}.get(len(s), s)
        out.append(shape_primitives.reshape(a, new) if new != s else a)
    return out[0] if len(out) == 1 else out


# NumPy's array-API names are its own functions under another name: the same here, so that
# NumPy's dispatch finds one funcad function for each.
permute_dims = transpose


def rollaxis(a: ArrayLike, axis: int, start: int = 0) -> Array:
    """Move ``axis`` to before position ``start`` (NumPy's older form of ``moveaxis``)."""
    a = as_operand(a)
    n = ndim_of(a)
    (ax,) = normalize_axes(axis, n, "rollaxis")
    start = operator.index(start)
    if not -n <= start <= n:
        raise np.exceptions.AxisError(f"rollaxis: start {start} is out of bounds for an "
                                      f"array of dimension {n}")
    start %= n + 1
    if ax < start:
        start -= 1
    if ax == start:
        return cast(Array, a)  # (an operand of at least one dimension)
    order = [i for i in range(n) if i != ax]
    order.insert(start, ax)
    return shape_primitives.transpose(a, order)


concat = concatenate


def column_stack(tup: _Arrays) -> Array:
    """Join 1-d arrays as columns (2-d arrays as they are) of a 2-d array, as numpy.column_stack.
    Differentiable.

    >>> funcad.numpy.column_stack([funcad.numpy.array([1, 2]), funcad.numpy.array([3, 4])])
    Array([[1, 3],
           [2, 4]])
    """
    arrs = []
    for a in tup:
        a = as_operand(a)
        if ndim_of(a) < 2:
            a = reshape(a, (-1, 1))
        arrs.append(a)
    return concatenate(arrs, axis=1)


def dstack(tup: _Arrays, dtype: DTypeLike | None = None) -> Array:
    """Join arrays along the third axis (after atleast_3d), as numpy.dstack. Differentiable.

    >>> funcad.numpy.dstack([funcad.numpy.array([1, 2]), funcad.numpy.array([3, 4])]).shape
    (1, 2, 2)
    """
    arrs = [atleast_3d(a) for a in tup]
    return concatenate(arrs, axis=2, dtype=dtype)


def unstack(x: ArrayLike, /, *, axis: int = 0) -> tuple[Array, ...]:
    """The slices of ``x`` along ``axis``, as a tuple (the inverse of ``stack``), as numpy.unstack.
    Differentiable.

    >>> funcad.numpy.unstack(funcad.numpy.array([[1, 2], [3, 4]]))
    (Array([1, 2]), Array([3, 4]))
    """
    x = as_operand(x)
    if ndim_of(x) == 0:
        raise ValueError("unstack requires an input with at least one dimension")
    (ax,) = normalize_axes(axis, ndim_of(x), "unstack")
    full = (Slice(None, None, None),) * ax
    return tuple(indexing.getitem(x, full + (i,)) for i in range(shape_of(x)[ax]))


def _block_depth(arrays: Any, name: str = "arrays") -> int:
    if isinstance(arrays, tuple):
        raise TypeError(f"block: {name} is a tuple; only lists can be used to arrange blocks")
    if isinstance(arrays, list):
        if not arrays:
            raise ValueError(f"block: {name} is an empty list")
        depths = {_block_depth(a, f"{name}[{i}]") for i, a in enumerate(arrays)}
        if len(depths) != 1:
            raise ValueError(f"block: list depths are mismatched in {name}")
        return depths.pop() + 1
    return 0


def _block_ndim(arrays: Any) -> int:
    if isinstance(arrays, list):
        return max(_block_ndim(a) for a in arrays)
    return ndim_of(as_operand(arrays))


def block(arrays: ArrayLike | list[Any]) -> Array:
    """An array assembled from nested lists of blocks: the innermost lists are joined along
    the last axis, the next ones along the one before, and so on."""
    depth = _block_depth(arrays)
    ndim = max(depth, _block_ndim(arrays))

    def assemble(item: Any, level: int) -> Any:
        if level == depth:
            a = as_operand(item)
            return reshape(a, (1,) * (ndim - ndim_of(a)) + tuple(shape_of(a)))
        parts = [assemble(sub, level + 1) for sub in item]
        return concatenate(parts, axis=ndim - (depth - level))

    return assemble(arrays, 0)


def _split_bounds(n: int, indices_or_sections: Any, equal: bool, name: str) -> list[int]:
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError(f"{name}: number sections must be larger than 0")
        if equal and n % sections:
            raise ValueError("array split does not result in an equal division")
        base, extra = divmod(n, sections)
        sizes = [base + 1] * extra + [base] * (sections - extra)
        return [0] + list(np.cumsum(sizes, dtype=np.int64).tolist())
    indices = concrete_value(as_operand(indices_or_sections), name).tolist()
    return [0] + [operator.index(i) for i in indices] + [n]


def _split(ary: Any, indices_or_sections: Any, axis: int, equal: bool, name: str) -> list[Any]:
    ary = as_operand(ary)
    (ax,) = normalize_axes(axis, ndim_of(ary), name)
    bounds = _split_bounds(shape_of(ary)[ax], indices_or_sections, equal, name)
    head = (Slice(None, None, None),) * ax
    return [indexing.getitem(ary, head + (Slice(start, stop, None),))
            for start, stop in zip(bounds[:-1], bounds[1:])]


def split(ary: ArrayLike, indices_or_sections: int | Sequence[int] | ArrayLike,
          axis: int = 0) -> list[Array]:
    """Split into a list of sub-arrays along ``axis``: into ``indices_or_sections`` equal parts (an
    int, which must divide the axis), or at the given indices, as numpy.split. Differentiable.

    >>> funcad.numpy.split(funcad.numpy.arange(6), 3)
    [Array([0, 1]), Array([2, 3]), Array([4, 5])]
    >>> funcad.numpy.split(funcad.numpy.arange(5), [2])
    [Array([0, 1]), Array([2, 3, 4])]
    """
    return _split(ary, indices_or_sections, axis, True, "split")


def array_split(ary: ArrayLike, indices_or_sections: int | Sequence[int] | ArrayLike,
                axis: int = 0) -> list[Array]:
    """Like ``split``, but the sections need not divide the axis evenly."""
    return _split(ary, indices_or_sections, axis, False, "array_split")


def hsplit(ary: ArrayLike,
           indices_or_sections: int | Sequence[int] | ArrayLike) -> list[Array]:
    """Split along the second axis (the first for 1-d inputs), as numpy.hsplit. Differentiable.

    >>> funcad.numpy.hsplit(funcad.numpy.arange(4).reshape(1, 4), 2)
    [Array([[0, 1]]), Array([[2, 3]])]
    """
    ary = as_operand(ary)
    if ndim_of(ary) == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return split(ary, indices_or_sections, 1 if ndim_of(ary) > 1 else 0)


def vsplit(ary: ArrayLike,
           indices_or_sections: int | Sequence[int] | ArrayLike) -> list[Array]:
    """Split a 2-d (or more) array along the first axis, as numpy.vsplit. Differentiable.

    >>> funcad.numpy.vsplit(funcad.numpy.arange(4).reshape(2, 2), 2)
    [Array([[0, 1]]), Array([[2, 3]])]
    """
    if ndim_of(as_operand(ary)) < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return split(ary, indices_or_sections, 0)


def dsplit(ary: ArrayLike,
           indices_or_sections: int | Sequence[int] | ArrayLike) -> list[Array]:
    """Split a 3-d (or more) array along the third axis, as numpy.dsplit. Differentiable.

    >>> [p.shape for p in funcad.numpy.dsplit(funcad.numpy.ones((1, 1, 4)), 2)]
    [(1, 1, 2), (1, 1, 2)]
    """
    if ndim_of(as_operand(ary)) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return split(ary, indices_or_sections, 2)


def fliplr(m: ArrayLike) -> Array:
    """Reverse the second axis (columns) of a 2-d (or more) array, as numpy.fliplr. Differentiable.

    >>> funcad.numpy.fliplr(funcad.numpy.array([[1, 2], [3, 4]]))
    Array([[2, 1],
           [4, 3]])
    """
    if ndim_of(as_operand(m)) < 2:
        raise ValueError("fliplr: input must be >= 2-d")
    return flip(m, 1)


def flipud(m: ArrayLike) -> Array:
    """Reverse the first axis (rows) of a 1-d (or more) array, as numpy.flipud. Differentiable.

    >>> funcad.numpy.flipud(funcad.numpy.array([[1, 2], [3, 4]]))
    Array([[3, 4],
           [1, 2]])
    """
    if ndim_of(as_operand(m)) < 1:
        raise ValueError("flipud: input must be >= 1-d")
    return flip(m, 0)


def rot90(m: ArrayLike, k: int = 1, axes: Sequence[int] = (0, 1)) -> Array:
    """``m`` rotated by 90 degrees ``k`` times, from the first axis towards the second."""
    m = as_operand(m)
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("rot90: len(axes) must be 2")
    i, j = normalize_axes(axes[0], ndim_of(m), "rot90")[0], \
        normalize_axes(axes[1], ndim_of(m), "rot90")[0]
    if i == j:
        raise ValueError("rot90: axes must be different")
    k = operator.index(k) % 4
    if k == 0:
        return cast(Array, m)  # (an operand of at least two dimensions)
    if k == 2:
        return flip(flip(m, i), j)
    perm = list(range(ndim_of(m)))
    perm[i], perm[j] = perm[j], perm[i]
    if k == 1:
        return shape_primitives.transpose(flip(m, j), perm)
    return flip(shape_primitives.transpose(m, perm), j)


def _roll_one(a: Any, shift: int, ax: int) -> Any:
    n = shape_of(a)[ax]
    if n == 0:
        return a
    shift %= n
    if shift == 0:
        return a
    head = (Slice(None, None, None),) * ax
    tail = indexing.getitem(a, head + (Slice(n - shift, None, None),))
    rest = indexing.getitem(a, head + (Slice(None, n - shift, None),))
    return indexing.concatenate([tail, rest], ax)


def roll(a: ArrayLike, shift: ArrayLike | Sequence[int],
         axis: int | Sequence[int] | None = None) -> Array:
    """Elements shifted by ``shift`` along ``axis`` (ints or tuples, broadcast together),
    those past the end coming back at the start. A traced shift gathers instead."""
    a = as_operand(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), shape_of(a))
    if contains_tracer(shift):
        shift = as_operand(shift)
        axes = normalize_axes(axis, ndim_of(a), "roll")
        out: Any = a
        shifts = shape_primitives.broadcast_to(shift, (len(axes),))
        for k, ax in enumerate(axes):
            n = shape_of(out)[ax]
            if n == 0:
                continue
            s = indexing.getitem(shifts, (k,))
            index = ew.rem(ew.add(ew.rem(ew.sub(np.arange(n), s), n), n), n)
            out = take(out, index, axis=ax, mode="clip")
        return out
    shift_values, axis_values = np.broadcast_arrays(np.atleast_1d(np.asarray(shift)),
                                                    np.atleast_1d(np.asarray(axis)))
    out = a
    for s, ax in zip(shift_values.tolist(), axis_values.tolist()):
        (ax,) = normalize_axes(ax, ndim_of(a), "roll")
        out = _roll_one(out, operator.index(s), ax)
    return out


def _labelled(a: Any) -> np.ndarray:
    """The flat positions of ``a``'s elements, laid out like ``a`` (for index arithmetic
    done by NumPy itself)."""
    return np.arange(int(np.prod(shape_of(a), dtype=np.int64))).reshape(shape_of(a))


def append(arr: ArrayLike, values: ArrayLike, axis: int | None = None) -> Array:
    """``values`` joined to the end of ``arr`` along ``axis`` (both flattened if None), as
    numpy.append. Differentiable.

    >>> funcad.numpy.append(funcad.numpy.array([1, 2]), [3, 4])
    Array([1, 2, 3, 4])
    """
    arr, values = as_operand(arr), as_operand(values)
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], 0)
    return concatenate([arr, values], axis)


def insert(arr: ArrayLike, obj: ArrayLike | slice, values: ArrayLike,
           axis: int | None = None) -> Array:
    """``values`` inserted before the positions ``obj`` along ``axis``: NumPy works out where
    each element goes on their positions, and a gather builds the result."""
    arr = as_operand(arr)
    values = astype(as_operand(values), dtype_of(arr))
    if axis is None:
        arr, axis = ravel(arr), 0
    positions: Any = concrete_value(as_operand(obj), "insert") if contains_tracer(obj) else obj
    arr_ids = _labelled(arr)
    value_ids = _labelled(values) + arr_ids.size
    ids = np.insert(arr_ids, positions, value_ids, axis=axis)
    return take(concatenate([ravel(arr), ravel(values)], 0), ids, mode=IN_BOUNDS)


def delete(arr: ArrayLike, obj: ArrayLike | slice, axis: int | None = None, *,
           assume_unique_indices: bool = False) -> Array:
    """``arr`` without the entries ``obj`` (ints, slices, integer or boolean arrays) along
    ``axis``."""
    arr = as_operand(arr)
    if axis is None:
        arr, axis = ravel(arr), 0
    positions: Any = concrete_value(as_operand(obj), "delete") if contains_tracer(obj) else obj
    ids = np.delete(_labelled(arr), positions, axis=axis)
    return take(ravel(arr), ids, mode=IN_BOUNDS)


def resize(a: ArrayLike, new_shape: int | Sequence[int]) -> Array:
    """``a`` flattened, repeated cyclically and cut to ``new_shape``."""
    a = as_operand(a)
    new_shape = (new_shape,) if isinstance(new_shape, (int, np.integer)) else tuple(new_shape)
    if any(operator.index(n) < 0 for n in new_shape):
        raise ValueError("resize: all elements of `new_shape` must be non-negative")
    total = int(np.prod(new_shape, dtype=np.int64))
    size = int(np.prod(shape_of(a), dtype=np.int64))
    if size == 0 or total == 0:
        return with_at(np.zeros(new_shape, dtype_of(a)))
    return reshape(take(ravel(a), np.arange(total) % size, mode=IN_BOUNDS), new_shape)


# ----------------------------------------------------------------------------------------------
# pad


def _pairs(value: Any, ndim: int, name: str, integer: bool = True) -> Any:
    """``value`` broadcast to one (before, after) pair per axis, as NumPy does."""
    if contains_tracer(value):
        pairs = shape_primitives.broadcast_to(as_operand(value), (ndim, 2))
        return [[indexing.getitem(pairs, (i, j)) for j in range(2)] for i in range(ndim)]
    arr = np.asarray(value)
    if integer:
        if arr.dtype.kind not in "iub" and not (arr.dtype.kind == "f"
                                                 and np.all(arr == np.round(arr))):
            raise TypeError(f"pad: `{name}` must be of integral type, got {arr.dtype.name}")
        arr = arr.astype(np.int64)
        if np.any(arr < 0):
            raise ValueError(f"pad: index can't contain negative values ({name}={value!r})")
    try:
        arr = np.broadcast_to(arr, (ndim, 2))
    except ValueError:
        raise ValueError(f"pad: {name} of shape {np.shape(value)} cannot be broadcast to "
                         f"({ndim}, 2)") from None
    return arr.tolist()


def _slab(x: Any, ax: int, start: int, stop: int | None,
          step: int | None = None) -> Any:
    head = (Slice(None, None, None),) * ax
    return indexing.getitem(x, head + (Slice(start, stop, step),))


def _fill_block(x: Any, ax: int, width: int, value: Any) -> Any:
    s = list(shape_of(x))
    s[ax] = width
    value = as_operand(value)
    value = astype(value, dtype_of(x)) if dtype_of(value) != dtype_of(x) else value
    return shape_primitives.broadcast_to(value, tuple(s))


def _stat(window: Any, ax: int, mode: str) -> Any:
    """The statistic of ``window`` along ``ax``, kept as a size-1 axis."""
    n = shape_of(window)[ax]
    keep = tuple(1 if i == ax else m for i, m in enumerate(shape_of(window)))
    integer = dtype_of(window).kind in "iub"
    if mode == "maximum":
        out = reduce_max(window, (ax,))
    elif mode == "minimum":
        out = reduce_min(window, (ax,))
    elif mode == "mean":
        total = shape_primitives.reduce_sum(
            astype(window, np.float64) if integer else window, (ax,))
        out = ew.div(total, n)
    else:
        order = argsort(window, ax, False)
        sorted_ = indexing.getitem(window, tuple(ArrayIndex(i) for i in range(ndim_of(window))),
                                   *_along_arrays(shape_of(window), ax, order))
        lo, hi = (n - 1) // 2, n // 2
        a = _slab(sorted_, ax, lo, lo + 1)
        b = _slab(sorted_, ax, hi, hi + 1)
        if integer:
            a, b = astype(a, np.float64), astype(b, np.float64)
        out = shape_primitives.reshape(ew.div(ew.add(a, b), 2), keep)
    out = shape_primitives.reshape(out, keep)
    if integer and dtype_of(out) != dtype_of(window):
        out = astype(ew.round(out), dtype_of(window))
    return out


def _along_arrays(shape_: tuple[int, ...], ax: int, indices: Any) -> list[Any]:
    arrays = []
    for i, n in enumerate(shape_):
        if i == ax:
            arrays.append(indices)
        else:
            s = [1] * len(shape_)
            s[i] = n
            arrays.append(np.arange(n).reshape(s))
    return arrays


def _reflect_axis(x: Any, ax: int, before: int, after: int, symmetric: bool,
                  odd: bool) -> Any:
    """Reflect/symmetric padding the way NumPy grows it: chunks of at most the original
    length (less one, for reflect), each mirrored around the current edge."""
    n = shape_of(x)[ax]
    period = n if symmetric else n - 1
    while before > 0 or after > 0:
        m = shape_of(x)[ax]
        parts = []
        if before > 0:
            k = min(before, period)
            block = _slab(x, ax, k - 1, None, -1) if symmetric else _slab(x, ax, k, 0, -1)
            if odd:
                block = ew.sub(ew.mul(_slab(x, ax, 0, 1), 2), block)
            parts.append(block)
            before -= k
        parts.append(x)
        if after > 0:
            k = min(after, period)
            if symmetric:
                block = _slab(x, ax, m - 1, m - 1 - k if m - 1 - k >= 0 else None, -1)
            else:
                block = _slab(x, ax, m - 2, m - 2 - k if m - 2 - k >= 0 else None, -1)
            if odd:
                block = ew.sub(ew.mul(_slab(x, ax, m - 1, m), 2), block)
            parts.append(block)
            after -= k
        x = indexing.concatenate([astype(p, dtype_of(x)) for p in parts], ax)
    return x


_PAD_MODES = ("constant", "edge", "linear_ramp", "maximum", "mean", "median", "minimum",
              "reflect", "symmetric", "wrap", "empty")


def pad(array: ArrayLike, pad_width: ArrayLike | Sequence[Any] | Mapping[int, Any],
        mode: str | Callable[..., Any] = "constant", **kwargs: Any) -> Array:
    """``array`` padded along each axis, axis after axis (so corners see the padding of the
    axes before), with NumPy's modes, each built from slices, broadcasts and
    concatenations; ``mode`` may also be a function ``f(vector, pad_width, axis, kwargs)``
    returning the padded vector (called on each 1-d slice, as JAX does)."""
    x = as_operand(array)
    ndim = ndim_of(x)
    if isinstance(pad_width, dict):  # {axis: width or (before, after)}, the others unpadded
        by_axis = [(0, 0)] * ndim
        for axis, width in pad_width.items():
            (ax,) = normalize_axes(axis, ndim, "pad")
            by_axis[ax] = tuple(_pairs(width, 1, "pad_width")[0])
        pad_width = by_axis
    widths = _pairs(pad_width, ndim, "pad_width")
    if callable(mode):
        return _pad_with_function(x, widths, mode, kwargs)
    allowed = {"constant": {"constant_values"}, "linear_ramp": {"end_values"},
               "maximum": {"stat_length"}, "mean": {"stat_length"},
               "median": {"stat_length"}, "minimum": {"stat_length"},
               "reflect": {"reflect_type"}, "symmetric": {"reflect_type"}}
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode {mode!r} is not supported; expected one of "
                         f"{', '.join(_PAD_MODES)} or a function")
    unexpected = set(kwargs) - allowed.get(mode, set())
    if unexpected:
        raise ValueError(f"pad: unsupported keyword arguments for mode {mode!r}: "
                         f"{sorted(unexpected)}")
    if ndim == 0:
        return x
    if mode in ("constant", "empty"):
        values = _pairs(kwargs.get("constant_values", 0), ndim, "constant_values", False)
    elif mode == "linear_ramp":
        values = _pairs(kwargs.get("end_values", 0), ndim, "end_values", False)
    elif mode in ("maximum", "mean", "median", "minimum"):
        stat_length = kwargs.get("stat_length")
        lengths = None if stat_length is None else _pairs(stat_length, ndim, "stat_length")
    reflect_type = kwargs.get("reflect_type", "even")
    if reflect_type not in ("even", "odd"):
        raise ValueError(f"pad: reflect_type must be 'even' or 'odd', got {reflect_type!r}")
    for ax in range(ndim):
        before, after = widths[ax]
        if before == 0 and after == 0:
            continue
        n = shape_of(x)[ax]
        if n == 0 and mode not in ("constant", "empty"):
            raise ValueError(f"pad: can't extend empty axis {ax} using modes other than "
                             f"'constant' or 'empty'")
        if mode in ("constant", "empty"):
            fill = values[ax] if mode == "constant" else (0, 0)
            x = indexing.concatenate([_fill_block(x, ax, before, fill[0]), x,
                                      _fill_block(x, ax, after, fill[1])], ax)
        elif mode == "edge":
            x = indexing.concatenate([_fill_block(x, ax, before, _slab(x, ax, 0, 1)), x,
                                      _fill_block(x, ax, after, _slab(x, ax, n - 1, n))], ax)
        elif mode == "linear_ramp":
            x = _linear_ramp(x, ax, before, after, values[ax])
        elif mode in ("maximum", "mean", "median", "minimum"):
            lb, la = (n, n) if lengths is None else (max(min(lengths[ax][0], n), 0),
                                                     max(min(lengths[ax][1], n), 0))
            if lb == 0 or la == 0:
                raise ValueError(f"pad: stat_length of 0 yields no value for padding "
                                 f"(axis {ax})")
            first = _stat(_slab(x, ax, 0, lb), ax, mode)
            last = _stat(_slab(x, ax, n - la, n), ax, mode)
            x = indexing.concatenate([_fill_block(x, ax, before, first), x,
                                      _fill_block(x, ax, after, last)], ax)
        elif mode == "wrap":
            index = np.arange(-before, n + after) % n
            x = take(x, index, axis=ax, mode=IN_BOUNDS)
        elif n == 1 and mode == "reflect":  # NumPy extends a single element as "edge"
            x = indexing.concatenate([_fill_block(x, ax, before, x), x,
                                      _fill_block(x, ax, after, x)], ax)
        else:
            x = _reflect_axis(x, ax, before, after, mode == "symmetric", reflect_type == "odd")
    return x


def _linear_ramp(x: Any, ax: int, before: int, after: int, ends: Any) -> Any:
    n = shape_of(x)[ax]
    dtype = dtype_of(x)
    work = np.float64 if dtype.kind in "iub" else dtype

    def ramp(edge: Any, end: Any, width: int, rising: bool) -> Any:
        s = [1] * ndim_of(x)
        s[ax] = width
        t = (np.arange(width) / width if width else np.zeros(0)).astype(work).reshape(s)
        if not rising:
            t = t[(slice(None),) * ax + (slice(None, None, -1),)]
        end = astype(as_operand(end), work)
        value = ew.add(end, ew.mul(ew.sub(astype(edge, work), end), t))
        if dtype.kind in "iu":  # (NumPy's integer ramps round down)
            value = ew.floor(value)
        return astype(value, dtype)

    parts = [ramp(_slab(x, ax, 0, 1), ends[0], before, True), x,
             ramp(_slab(x, ax, n - 1, n), ends[1], after, False)]
    return indexing.concatenate(parts, ax)


def _pad_with_function(x: Any, widths: list, func: Any, kwargs: dict) -> Any:
    """Zero-pad, then hand each 1-d slice along each axis to ``func``, which returns it."""
    x = pad(x, widths, "constant")
    for ax in range(ndim_of(x)):
        moved = moveaxis(x, ax, -1)
        rows = reshape(moved, (-1, shape_of(moved)[-1]))
        out = [as_operand(func(with_at(indexing.getitem(rows, (i,))), tuple(widths[ax]), ax,
                               kwargs))
               for i in range(shape_of(rows)[0])]
        if out:
            rows = stack(out) if len(out) > 1 else reshape(out[0], (1, -1))
        x = moveaxis(reshape(rows, shape_of(moved)), -1, ax)
    return x
