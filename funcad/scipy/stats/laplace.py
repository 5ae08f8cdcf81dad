"""The Laplace distribution (funcad.scipy.stats.laplace)."""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import promote

__all__ = ["logpdf", "pdf", "cdf"]

_LOG_2 = float(np.log(2))


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    z = fnp.divide(fnp.subtract(x, loc), scale)
    return fnp.negative(fnp.add(fnp.add(_LOG_2, fnp.log(scale)), fnp.abs(z)))


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """exp(z) / 2 below the location, 1 - exp(-z) / 2 above (each branch at |z|, so neither
    overflows)."""
    x, loc, scale = promote(x, loc, scale)
    z = fnp.divide(fnp.subtract(x, loc), scale)
    half_tail = fnp.multiply(0.5, fnp.exp(fnp.negative(fnp.abs(z))))
    return fnp.where(fnp.less(z, 0), half_tail, fnp.subtract(1, half_tail))
