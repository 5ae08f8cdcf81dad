"""Shapes and layout: reshaping, transposing, broadcasting, joining, splitting, and the
diagonals and triangles of matrices.
"""

from __future__ import annotations

import operator
from typing import Any, Sequence

import numpy as np

from funcad.core import dtype_of, shape_of
from funcad.numpy._array import with_at
from funcad.numpy._conversion import as_operand, astype, ndim_of, normalize_axes
from funcad.numpy._elementwise import where
from funcad.numpy._indexing import getitem, take
from funcad.primitives import indexing
from funcad.primitives import shape as shape_primitives
from funcad.primitives.indexing import ArrayIndex, Slice, index_update

__all__ = [
    "shape", "ndim", "size", "reshape", "ravel", "transpose", "matrix_transpose", "swapaxes",
    "moveaxis", "expand_dims", "squeeze", "broadcast_to", "broadcast_arrays", "atleast_1d",
    "atleast_2d", "concatenate", "stack", "hstack", "vstack", "split", "flip", "tile",
    "repeat", "diagonal", "trace", "diag", "triu", "tril",
]


def shape(a: Any) -> tuple[int, ...]:
    return tuple(shape_of(as_operand(a)))


def ndim(a: Any) -> int:
    return ndim_of(as_operand(a))


def size(a: Any, axis: int | None = None) -> int:
    s = shape(a)
    return int(np.prod(s, dtype=np.int64)) if axis is None else s[axis]


def reshape(a: Any, shape: Any = None, order: str = "C", *, newshape: Any = None) -> Any:
    if order != "C":
        raise NotImplementedError("reshape: only order='C' is supported")
    shape = newshape if shape is None else shape
    a = as_operand(a)
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    shape = [operator.index(n) for n in shape]
    total = int(np.prod(shape_of(a), dtype=np.int64))
    if shape.count(-1) > 1:
        raise ValueError("reshape: can only specify one unknown dimension (-1)")
    if -1 in shape:
        known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
        if known == 0 or total % known:
            raise ValueError(f"cannot reshape array of size {total} into shape {tuple(shape)}")
        shape[shape.index(-1)] = total // known
    if int(np.prod(shape, dtype=np.int64)) != total:
        raise ValueError(f"cannot reshape array of size {total} into shape {tuple(shape)}")
    return shape_primitives.reshape(a, shape)


def ravel(a: Any, order: str = "C") -> Any:
    return reshape(a, (-1,), order)


def transpose(a: Any, axes: Any = None) -> Any:
    a = as_operand(a)
    n = ndim_of(a)
    if axes is None:
        axes = tuple(range(n))[::-1]
    axes = normalize_axes(tuple(axes), n, "transpose")
    if len(axes) != n:
        raise ValueError(f"transpose: axes {axes} don't match an array of {n} dimensions")
    return shape_primitives.transpose(a, axes)


def matrix_transpose(x: Any) -> Any:
    n = ndim_of(x)
    return transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    a = as_operand(a)
    n = ndim_of(a)
    (i,), (j,) = normalize_axes(axis1, n, "swapaxes"), normalize_axes(axis2, n, "swapaxes")
    perm = list(range(n))
    perm[i], perm[j] = perm[j], perm[i]
    return shape_primitives.transpose(a, perm)


def moveaxis(a: Any, source: Any, destination: Any) -> Any:
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


def expand_dims(a: Any, axis: Any) -> Any:
    a = as_operand(a)
    x_shape = shape_of(a)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out_ndim = len(x_shape) + len(axes)
    axes = normalize_axes(axes, out_ndim, "expand_dims")
    it = iter(x_shape)
    new_shape = [1 if i in axes else next(it) for i in range(out_ndim)]
    return shape_primitives.reshape(a, new_shape)


def squeeze(a: Any, axis: Any = None) -> Any:
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


def broadcast_to(array: Any, shape: Any) -> Any:
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    return shape_primitives.broadcast_to(as_operand(array), tuple(shape))


def broadcast_arrays(*args: Any) -> list[Any]:
    args = [as_operand(a) for a in args]
    common_shape = np.broadcast_shapes(*(shape_of(a) for a in args))
    return [broadcast_to(a, common_shape) for a in args]


def atleast_1d(*arys: Any) -> Any:
    out = [reshape(a, (1,)) if ndim_of(as_operand(a)) == 0 else as_operand(a) for a in arys]
    return out[0] if len(out) == 1 else out


def atleast_2d(*arys: Any) -> Any:
    out = []
    for a in arys:
        a = as_operand(a)
        out.append(reshape(a, (1,) * (2 - ndim_of(a)) + shape_of(a)) if ndim_of(a) < 2 else a)
    return out[0] if len(out) == 1 else out


def concatenate(arrays: Sequence[Any], axis: Any = 0, dtype: Any = None) -> Any:
    arrays = [as_operand(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        arrays, axis = [ravel(a) for a in arrays], 0
    n = ndim_of(arrays[0])
    if n == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    (ax,) = normalize_axes(axis, n, "concatenate")
    if dtype is not None:
        arrays = [astype(a, dtype) for a in arrays]
    if len(arrays) == 1:
        return arrays[0]
    return indexing.concatenate(arrays, ax)


def stack(arrays: Sequence[Any], axis: int = 0, dtype: Any = None) -> Any:
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


def hstack(tup: Sequence[Any]) -> Any:
    arrs = atleast_1d(*tup)
    arrs = [arrs] if not isinstance(arrs, list) else arrs
    return concatenate(arrs, axis=0 if ndim_of(arrs[0]) == 1 else 1)


def vstack(tup: Sequence[Any]) -> Any:
    arrs = atleast_2d(*tup)
    arrs = [arrs] if not isinstance(arrs, list) else arrs
    return concatenate(arrs, axis=0)


def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    ary = as_operand(ary)
    (ax,) = normalize_axes(axis, ndim_of(ary), "split")
    n = shape_of(ary)[ax]
    if isinstance(indices_or_sections, (int, np.integer)):
        if n % indices_or_sections:
            raise ValueError("array split does not result in an equal division")
        step = n // indices_or_sections
        bounds = list(range(0, n + 1, step)) if step else [0] * (indices_or_sections + 1)
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    pieces = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        index = (Slice(None, None, None),) * ax + (Slice(start, stop, None),)
        pieces.append(indexing.getitem(ary, index))
    return pieces


def flip(m: Any, axis: Any = None) -> Any:
    m = as_operand(m)
    axes = normalize_axes(axis, ndim_of(m), "flip")
    index = tuple(Slice(None, None, -1) if i in axes else Slice(None, None, None)
                  for i in range(ndim_of(m)))
    return indexing.getitem(m, index)


def tile(a: Any, reps: Any) -> Any:
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


def repeat(a: Any, repeats: int, axis: Any = None) -> Any:
    a = as_operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    (ax,) = normalize_axes(axis, ndim_of(a), "repeat")
    if not isinstance(repeats, (int, np.integer)):
        index = np.repeat(np.arange(shape_of(a)[ax]), repeats)
        return take(a, index, axis=ax)
    x_shape = tuple(shape_of(a))
    expanded = expand_dims(a, ax + 1)
    target = x_shape[: ax + 1] + (int(repeats),) + x_shape[ax + 1:]
    out_shape = x_shape[:ax] + (x_shape[ax] * int(repeats),) + x_shape[ax + 1:]
    return reshape(broadcast_to(expanded, target), out_shape)


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
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


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The sum of ``diagonal(a, offset, axis1, axis2)`` along its last axis."""
    diagonals = diagonal(a, offset, axis1, axis2)
    return shape_primitives.reduce_sum(diagonals, (ndim_of(diagonals) - 1,))


def diag(v: Any, k: int = 0) -> Any:
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


def triu(m: Any, k: int = 0) -> Any:
    m = as_operand(m)
    rows, cols = shape_of(m)[-2:]
    return where(np.triu(np.ones((rows, cols), bool), k), m, np.zeros((), dtype_of(m)))


def tril(m: Any, k: int = 0) -> Any:
    m = as_operand(m)
    rows, cols = shape_of(m)[-2:]
    return where(np.tril(np.ones((rows, cols), bool), k), m, np.zeros((), dtype_of(m)))
