"""Window functions (``bartlett``, ``blackman``, ``hamming``, ``hanning``, ``kaiser``): NumPy's
values for a static length, viewed as ``Array``; a traced Kaiser ``beta`` is computed with
funcad's ``i0``, so the window can be differentiated in it.
"""

from __future__ import annotations

import operator
from typing import Any, cast

import numpy as np

from funcad.numpy._array import with_at
from funcad.numpy._conversion import as_operand, contains_tracer
from funcad.numpy._elementwise import divide, i0, multiply
from funcad.typing import Array, ArrayLike

__all__ = ["bartlett", "blackman", "hamming", "hanning", "kaiser"]


def _length(M: Any, name: str) -> int:
    try:
        return operator.index(M)
    except TypeError:
        raise TypeError(f"{name}: M must be a static integer, got {M!r}") from None


def bartlett(M: int) -> Array:
    """The Bartlett (triangular) window of ``M`` points, as numpy.bartlett.

    >>> funcad.numpy.bartlett(5)
    Array([0. , 0.5, 1. , 0.5, 0. ])
    """
    return with_at(np.bartlett(_length(M, "bartlett")))


def blackman(M: int) -> Array:
    """The Blackman window of ``M`` points, as numpy.blackman.

    >>> funcad.numpy.allclose(funcad.numpy.blackman(3), [0.0, 1.0, 0.0])
    np.True_
    """
    return with_at(np.blackman(_length(M, "blackman")))


def hamming(M: int) -> Array:
    """The Hamming window of ``M`` points, as numpy.hamming.

    >>> funcad.numpy.hamming(3)
    Array([0.08, 1.  , 0.08])
    """
    return with_at(np.hamming(_length(M, "hamming")))


def hanning(M: int) -> Array:
    """The Hann window of ``M`` points, as numpy.hanning.

    >>> funcad.numpy.hanning(5)
    Array([0. , 0.5, 1. , 0.5, 0. ])
    """
    return with_at(np.hanning(_length(M, "hanning")))


def kaiser(M: int, beta: ArrayLike) -> Array:
    """``i0(beta * sqrt(1 - t**2)) / i0(beta)`` on ``M`` points ``t`` from -1 to 1."""
    M = _length(M, "kaiser")
    if not contains_tracer(beta):
        return with_at(np.kaiser(M, cast(float, beta)))  # (concrete here)
    beta = as_operand(beta)
    if M <= 0:
        return with_at(np.zeros(0))
    if M == 1:
        return with_at(np.ones(1))
    t = np.linspace(-1.0, 1.0, M)
    radius = np.sqrt(np.clip(1.0 - t * t, 0.0, None))
    return divide(i0(multiply(beta, radius)), i0(beta))


