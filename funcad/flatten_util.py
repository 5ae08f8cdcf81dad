"""funcad.flatten_util: ``ravel_pytree``, a pytree of arrays as one flat vector, as in JAX.

Optimisers and solvers that want one vector (``scipy.optimize.minimize``, a Newton step,
a Hessian as a matrix) take ``flat, unravel = ravel_pytree(params)`` and give
``unravel(flat)`` back to the model. The leaves are promoted to one dtype (NumPy's rules:
``float32`` with ``int32`` is ``float64``), and ``unravel`` converts each piece back to its
leaf's dtype. Both are written in funcad operations, so they differentiate, jit and vmap.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

import funcad.numpy as fnp
from funcad.core import dtype_of, shape_of
from funcad.tree_util import tree_flatten, tree_unflatten

__all__ = ["ravel_pytree"]


def ravel_pytree(pytree: Any) -> tuple[Any, Callable[[Any], Any]]:
    """``(flat, unravel)``: the leaves of ``pytree`` raveled and concatenated into one 1-D
    array of their promoted dtype, and the function that maps such a vector back to a pytree
    of the same structure, shapes and dtypes. A tree with no leaves gives an empty
    ``float32`` vector (JAX's convention)."""
    leaves, treedef = tree_flatten(pytree)
    if not leaves:
        return np.zeros(0, np.float32), _Unravel(treedef, (), (), (), None)
    leaves = [np.asarray(leaf) if isinstance(leaf, (list, tuple)) else leaf for leaf in leaves]
    from_dtypes = tuple(np.dtype(dtype_of(leaf)) for leaf in leaves)
    to_dtype = np.result_type(*from_dtypes)
    shapes = tuple(tuple(shape_of(leaf)) for leaf in leaves)
    sizes = tuple(math.prod(shape) for shape in shapes)
    if all(dtype == to_dtype for dtype in from_dtypes):
        pieces = [fnp.ravel(leaf) for leaf in leaves]
        unravel = _Unravel(treedef, sizes, shapes, from_dtypes, None)
    else:
        pieces = [fnp.ravel(fnp.asarray(leaf).astype(to_dtype)) for leaf in leaves]
        unravel = _Unravel(treedef, sizes, shapes, from_dtypes, to_dtype)
    flat = pieces[0] if len(pieces) == 1 else fnp.concatenate(pieces)
    return flat, unravel


class _Unravel:
    """The inverse of one ``ravel_pytree``: a vector of the raveled length back to the tree.
    ``to_dtype`` is None when all leaves had one dtype (then any dtype is accepted, as in
    JAX, so that a vector of another dtype unravels to leaves of that dtype)."""

    __slots__ = ("treedef", "sizes", "shapes", "from_dtypes", "to_dtype")

    def __init__(self, treedef: Any, sizes: tuple, shapes: tuple, from_dtypes: tuple,
                 to_dtype: np.dtype | None):
        self.treedef = treedef
        self.sizes = sizes
        self.shapes = shapes
        self.from_dtypes = from_dtypes
        self.to_dtype = to_dtype

    def __call__(self, flat: Any) -> Any:
        if isinstance(flat, (list, tuple)):
            flat = np.asarray(flat)
        total = sum(self.sizes)
        shape = tuple(shape_of(flat))
        if shape != (total,):
            raise ValueError(
                f"unravel: expected a 1-D array of shape ({total},) (the length of the raveled "
                f"tree {self.treedef}), got shape {shape}.")
        if self.to_dtype is not None and np.dtype(dtype_of(flat)) != self.to_dtype:
            raise TypeError(
                f"unravel: got an array of dtype {np.dtype(dtype_of(flat))}, but the tree was "
                f"raveled to dtype {self.to_dtype}; convert it with .astype({self.to_dtype}).")
        leaves = []
        offset = 0
        for size, leaf_shape, dtype in zip(self.sizes, self.shapes, self.from_dtypes):
            piece = flat if size == total else flat[offset:offset + size]
            piece = fnp.reshape(piece, leaf_shape)
            if self.to_dtype is not None and dtype != self.to_dtype:
                if self.to_dtype.kind == "c" and dtype.kind != "c":
                    piece = fnp.real(piece)  # (as JAX: the imaginary part is dropped)
                piece = piece.astype(dtype)
            leaves.append(piece)
            offset += size
        return tree_unflatten(self.treedef, leaves)

    def __repr__(self) -> str:
        return f"unravel({self.treedef})"
