"""Index tricks: ``r_`` and ``c_`` (concatenation written as indexing), ``mgrid`` and
``ogrid`` (grids from slices), ``ix_`` (open meshes from index vectors), and ``s_`` and
``index_exp`` (index expressions as values).

``r_``/``c_`` join tracers with funcad's concatenation, so they stay differentiable; the
slices in them, and in ``mgrid``/``ogrid``, must be static (they set shapes).
"""

from __future__ import annotations

from typing import Any, Protocol, overload

import numpy as np

from funcad.core import Tracer, dtype_of, shape_of
from funcad.numpy._array import with_at
from funcad.numpy._conversion import as_operand, astype, concrete_value, ndim_of
from funcad.numpy._shapes import concatenate, reshape, transpose
from funcad.typing import Array, ArrayLike

__all__ = ["r_", "c_", "mgrid", "ogrid", "s_", "index_exp", "ix_"]


s_ = np.s_
index_exp = np.index_exp


def _slice_values(item: slice) -> np.ndarray:
    """``start:stop:step`` as NumPy's ``arange``, or as ``linspace`` for an imaginary step
    (``0:1:5j``: five points, both ends included)."""
    start = 0 if item.start is None else item.start
    stop = item.stop
    step = 1 if item.step is None else item.step
    for v in (start, stop, step):
        if isinstance(v, Tracer):
            raise TypeError("slices in r_/c_/mgrid/ogrid must be static: their bounds set the "
                            "shape of the result")
    if isinstance(step, complex):
        return np.linspace(start, stop, int(abs(step)))
    return np.arange(start, stop, step)


class _Concatenator:
    """``r_[...]``/``c_[...]``: the items (arrays, scalars, slices) made at least
    ``ndmin``-dimensional and joined along ``axis``; a leading string ``"axis,ndmin,trans1d"``
    changes the defaults, as in NumPy (``"r"``/``"c"``, NumPy's matrix forms, are refused)."""

    def __init__(self, axis: int, ndmin: int, trans1d: int, name: str):
        self.axis, self.ndmin, self.trans1d, self.name = axis, ndmin, trans1d, name

    def _directive(self, text: str) -> tuple[int, int, int]:
        if text in ("r", "c"):
            raise NotImplementedError(f"{self.name}: the matrix directives 'r' and 'c' are not "
                                      f"supported (funcad has no matrix type)")
        parts = text.split(",")
        try:
            values = [int(p) for p in parts]
        except ValueError:
            raise ValueError(f"{self.name}: unknown special directive {text!r}") from None
        if len(values) > 3:
            raise ValueError(f"{self.name}: too many values in directive {text!r}")
        defaults = [self.axis, self.ndmin, self.trans1d]
        return tuple(values + defaults[len(values):])  # type: ignore[return-value]

    def _promote(self, a: Any, ndmin: int, trans1d: int) -> Any:
        n = ndim_of(a)
        if n >= ndmin:
            return a
        a = reshape(a, (1,) * (ndmin - n) + tuple(shape_of(a)))
        if trans1d != -1:
            # The array's own axes go to position trans1d among the new ones.
            k2 = ndmin - n
            k1 = trans1d + k2 + 1 if trans1d < 0 else trans1d
            axes = list(range(ndmin))
            a = transpose(a, axes[:k1] + axes[k2:] + axes[k1:k2])
        return a

    def __getitem__(self, key: Any) -> Array:
        items = key if isinstance(key, tuple) else (key,)
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        if items and isinstance(items[0], str):
            axis, ndmin, trans1d = self._directive(items[0])
            items = items[1:]
        arrays = []
        scalar_types: list[Any] = []  # Python scalars and the dtypes of 0-d arrays
        array_types = []
        for item in items:
            if isinstance(item, str):
                raise ValueError(f"{self.name}: a string directive must come first")
            if isinstance(item, slice):
                a = _slice_values(item)
                array_types.append(a.dtype)
            elif isinstance(item, (bool, int, float, complex)):
                scalar_types.append(item)
                a = np.asarray(item)
            else:
                a = as_operand(item)
                (array_types if ndim_of(a) else scalar_types).append(
                    dtype_of(a) if ndim_of(a) or isinstance(a, Tracer) else a)
            arrays.append(self._promote(a, ndmin, trans1d))
        if not arrays:
            return with_at(np.array([]))
        dtype = np.result_type(*array_types, *scalar_types)
        arrays = [astype(a, dtype) for a in arrays]
        out = concatenate(arrays, axis)
        return with_at(out) if isinstance(out, np.ndarray) else out

    def __len__(self) -> int:
        return 0


r_ = _Concatenator(0, 1, -1, "r_")
c_ = _Concatenator(-1, 2, 0, "c_")


class _Grid:
    """``mgrid[...]`` (dense) and ``ogrid[...]`` (open) grids from static slices."""

    def __init__(self, sparse: bool, name: str):
        self.sparse, self.name = sparse, name

    def __getitem__(self, key: Any) -> Any:
        items = key if isinstance(key, tuple) else (key,)
        if not all(isinstance(item, slice) for item in items):
            raise TypeError(f"{self.name}: expected slices, got {key!r}")
        vectors = [_slice_values(item) for item in items]
        dtype = np.result_type(*vectors)
        if not isinstance(key, tuple):
            return with_at(vectors[0].astype(dtype))
        grids = np.meshgrid(*[v.astype(dtype) for v in vectors], indexing="ij",
                            sparse=self.sparse)
        if self.sparse:
            return tuple(with_at(g) for g in grids)
        return with_at(np.stack(grids)) if grids else with_at(np.zeros((0,), dtype))


class _DenseGrid(Protocol):
    """The type of ``mgrid``: one array (the grids stacked, for several slices)."""

    def __getitem__(self, key: slice | tuple[slice, ...]) -> Array: ...


class _OpenGrid(Protocol):
    """The type of ``ogrid``: one array for one slice, a tuple of them for several."""

    @overload
    def __getitem__(self, key: slice) -> Array: ...
    @overload
    def __getitem__(self, key: tuple[slice, ...]) -> tuple[Array, ...]: ...


mgrid: _DenseGrid = _Grid(False, "mgrid")
ogrid: _OpenGrid = _Grid(True, "ogrid")


def ix_(*args: ArrayLike) -> tuple[Array, ...]:
    """Open mesh from 1-d index vectors: the k-th is shaped to vary along axis k only, so
    ``x[ix_(rows, cols)]`` is the cross product of the indices. Boolean vectors become
    the positions where they hold."""
    out = []
    n = len(args)
    for k, arg in enumerate(args):
        a = as_operand(arg)
        if ndim_of(a) != 1:
            raise ValueError("Cross index must be 1 dimensional")
        if dtype_of(a) == np.bool_:
            a = np.nonzero(concrete_value(a, "ix_"))[0]
        elif not isinstance(a, Tracer) and np.asarray(a).size == 0:
            a = np.asarray(a, np.intp)
        shape = [1] * n
        shape[k] = shape_of(a)[0]
        a = reshape(a, shape)
        out.append(with_at(a) if isinstance(a, np.ndarray) else a)
    return tuple(out)


