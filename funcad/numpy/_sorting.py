"""Sorting in funcad.numpy: ``sort`` is a gather at ``argsort``'s indices."""

from __future__ import annotations

from typing import Any

from funcad.numpy._conversion import as_operand, ndim_of, normalize_axes
from funcad.numpy._indexing import take_along_axis
from funcad.numpy._shapes import ravel
from funcad.primitives.sorting import argsort as argsort_primitive

__all__ = ["argsort", "sort"]


def argsort(a: Any, axis: int | None = -1, kind: Any = None, order: Any = None, *,
            stable: bool = True, descending: bool = False) -> Any:
    """Indices that sort ``a`` along ``axis`` (stable). No derivative (integer output)."""
    a = as_operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    (ax,) = normalize_axes(axis, ndim_of(a), "argsort")
    return argsort_primitive(a, ax, descending)


def sort(a: Any, axis: int | None = -1, kind: Any = None, order: Any = None, *,
         stable: bool = True, descending: bool = False) -> Any:
    """``a`` sorted along ``axis``; the gradient goes back to each element's original place."""
    a = as_operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    (ax,) = normalize_axes(axis, ndim_of(a), "sort")
    return take_along_axis(a, argsort_primitive(a, ax, descending), ax)
