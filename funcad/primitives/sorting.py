"""argsort and searchsorted: the sorting primitives. Neither has a derivative (their outputs
are integers); sorting itself is ``take_along_axis(x, argsort(x))``, whose derivative is the
gather's scatter, and everything built on searchsorted (sets, interp) gathers the same way."""

from __future__ import annotations

from typing import Any

import numpy as np

from funcad.core import Primitive, ShapedArray
from funcad.primitives.shape import batch_axes_to_front, batch_size_of, move_batch_axis
from funcad.rules import batching_rules, defnondiff

__all__ = [
    "argsort_p", "argsort", "searchsorted_p", "searchsorted",
]


argsort_p = Primitive("argsort")
argsort_p.output_buffer = "fresh"
argsort_p.def_impl(lambda x, *, axis, descending: (
    np.flip(np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis) * -1
    + (np.shape(x)[axis] - 1) if descending else np.argsort(x, axis=axis, kind="stable")))
argsort_p.def_abstract_eval(lambda x, *, axis, descending: ShapedArray(x.shape, np.intp))
defnondiff(argsort_p)


def argsort(x: Any, axis: int = -1, descending: bool = False) -> Any:
    return argsort_p.bind(x, axis=axis, descending=descending)


def _batch_argsort(values, batch_axes, *, axis, descending):
    (x,) = batch_axes_to_front(values, batch_axes)
    return argsort(x, axis + 1, descending), 0


batching_rules[argsort_p] = _batch_argsort


# ----------------------------------------------------------------------------------------------
# searchsorted: where each value of ``v`` would go in the sorted last axis of ``a``. The first
# ``batch_dims`` axes of ``a`` and ``v`` are a batch (one sorted row of ``a`` per example), so
# that vmap needs no loop of binds.


def _searchsorted_impl(a, v, *, side, batch_dims):
    if not batch_dims:
        return np.asarray(np.searchsorted(a, v, side=side), np.intp)
    a, v = np.asarray(a), np.asarray(v)
    batch = a.shape[:batch_dims]
    count = int(np.prod(batch, dtype=np.int64))
    rows = a.reshape((count, a.shape[-1]))
    values = v.reshape((count, int(np.prod(v.shape[batch_dims:], dtype=np.int64))))
    out = np.empty(values.shape, np.intp)
    for i in range(rows.shape[0]):
        out[i] = np.searchsorted(rows[i], values[i], side=side)
    return out.reshape(batch + v.shape[batch_dims:])


def _searchsorted_abstract_eval(a, v, *, side, batch_dims):
    return ShapedArray(v.shape, np.dtype(np.intp))


searchsorted_p = Primitive("searchsorted")
searchsorted_p.output_buffer = "fresh"
searchsorted_p.def_impl(_searchsorted_impl)
searchsorted_p.def_abstract_eval(_searchsorted_abstract_eval)
defnondiff(searchsorted_p)


def searchsorted(a: Any, v: Any, side: str = "left", batch_dims: int = 0) -> Any:
    return searchsorted_p.bind(a, v, side=side, batch_dims=batch_dims)


def _batch_searchsorted(values, batch_axes, *, side, batch_dims):
    a, v = values
    a_axis, v_axis = batch_axes
    size = batch_size_of(values, batch_axes)
    a = move_batch_axis(a, a_axis, 0, size)
    v = move_batch_axis(v, v_axis, 0, size)
    return searchsorted(a, v, side, batch_dims + 1), 0


batching_rules[searchsorted_p] = _batch_searchsorted
