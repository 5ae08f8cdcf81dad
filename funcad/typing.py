"""Type aliases for annotating code that uses funcad, as ``jax.typing`` does for JAX.

``ArrayLike`` is what funcad's functions accept: NumPy arrays and scalars, Python numbers,
nested sequences of them, and the tracers that stand in for arrays inside transformations.
``Array`` is what they return: a NumPy array (``funcad.numpy.Array`` at run time) or, inside
a transformation, a tracer. ``DTypeLike`` is anything ``numpy.dtype`` accepts.

    from funcad.typing import ArrayLike, Array

    def loss(w: ArrayLike, x: ArrayLike) -> Array:
        return funcad.numpy.sum(funcad.numpy.tanh(x @ w))
"""

from __future__ import annotations

from typing import Union

import numpy as np
import numpy.typing as npt

from funcad.core import Tracer

__all__ = ["Array", "ArrayLike", "DTypeLike", "Shape"]

Array = Union[np.ndarray, Tracer]
ArrayLike = Union[npt.ArrayLike, Tracer]
DTypeLike = npt.DTypeLike
Shape = tuple[int, ...]
