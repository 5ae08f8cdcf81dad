"""argsort: the one sorting primitive. It has no derivative (its output is integer); sorting
itself is ``take_along_axis(x, argsort(x))``, whose derivative is the gather's scatter."""

from __future__ import annotations

from typing import Any

import numpy as np

from funcad.ad import defnondiff
from funcad.core import Primitive, ShapedArray

argsort_p = Primitive("argsort")
argsort_p.def_impl(lambda x, *, axis, descending: (
    np.flip(np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis) * -1
    + (np.shape(x)[axis] - 1) if descending else np.argsort(x, axis=axis, kind="stable")))
argsort_p.def_abstract_eval(lambda x, *, axis, descending: ShapedArray(x.shape, np.intp))
defnondiff(argsort_p)


def argsort(x: Any, axis: int = -1, descending: bool = False) -> Any:
    return argsort_p.bind(x, axis=axis, descending=descending)


def _batch_argsort(values, batch_axes, *, axis, descending):
    from funcad.batching import batch_size_of, move_batch_axis

    x = move_batch_axis(values[0], batch_axes[0], 0, batch_size_of(values, batch_axes))
    return argsort(x, axis + 1, descending), 0


def _register() -> None:
    from funcad.batching import batching_rules

    batching_rules[argsort_p] = _batch_argsort


_register()
