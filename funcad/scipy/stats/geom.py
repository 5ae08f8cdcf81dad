"""The geometric distribution (funcad.scipy.stats.geom): the trial of the first success,
k = 1, 2, ..."""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import integer_support, promote, safe, xlog1py

__all__ = ["logpmf", "pmf"]


def logpmf(k: Any, p: Any, loc: Any = 0) -> Any:
    k, p, loc = promote(k, p, loc)
    k = fnp.subtract(k, loc)
    inside = integer_support(k, 1)
    k = safe(inside, k, 1.0)
    out = fnp.add(xlog1py(fnp.subtract(k, 1), fnp.negative(p)), fnp.log(p))
    return fnp.where(inside, out, -np.inf)


def pmf(k: Any, p: Any, loc: Any = 0) -> Any:
    return fnp.exp(logpmf(k, p, loc))
