"""Sorting in funcad.numpy: ``sort`` is a gather at ``argsort``'s indices."""

from __future__ import annotations

from typing import Any

from funcad.primitives.sorting import argsort as _argsort_primitive


def argsort(a: Any, axis: int | None = -1, kind: Any = None, order: Any = None, *,
            stable: bool = True, descending: bool = False) -> Any:
    """Indices that sort ``a`` along ``axis`` (stable). No derivative (integer output)."""
    import funcad.numpy as fnp

    a = fnp._arr(a)
    if axis is None:
        a, axis = fnp.ravel(a), 0
    (ax,) = fnp._axes(axis, fnp._ndim(a), "argsort")
    return _argsort_primitive(a, ax, descending)


def sort(a: Any, axis: int | None = -1, kind: Any = None, order: Any = None, *,
         stable: bool = True, descending: bool = False) -> Any:
    """``a`` sorted along ``axis``; the gradient goes back to each element's original place."""
    import funcad.numpy as fnp

    a = fnp._arr(a)
    if axis is None:
        a, axis = fnp.ravel(a), 0
    (ax,) = fnp._axes(axis, fnp._ndim(a), "sort")
    return fnp.take_along_axis(a, _argsort_primitive(a, ax, descending), ax)
