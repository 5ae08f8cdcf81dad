"""argsort: the one sorting primitive. It has no derivative (its output is integer); sorting
itself is ``take_along_axis(x, argsort(x))``, whose derivative is the gather's scatter."""

from __future__ import annotations

from typing import Any

import numpy as np

from funcad.core import Primitive, ShapedArray
from funcad.primitives.shape import batch_axes_to_front
from funcad.rules import batching_rules, defnondiff

__all__ = [
    "argsort_p", "argsort",
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
