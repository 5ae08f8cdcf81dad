"""The exponential distribution (funcad.scipy.stats.expon): support x >= loc."""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import promote, safe

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def _standard(x: Any, loc: Any, scale: Any) -> tuple[Any, Any, Any]:
    """z = (x - loc) / scale, the support mask, and z clamped to it (for safe formulas)."""
    x, loc, scale = promote(x, loc, scale)
    z = fnp.divide(fnp.subtract(x, loc), scale)
    inside = fnp.greater_equal(z, 0)
    return safe(inside, z, 1.0), inside, scale


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    z, inside, scale = _standard(x, loc, scale)
    return fnp.where(inside, fnp.negative(fnp.add(z, fnp.log(scale))), -np.inf)


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    z, inside, _ = _standard(x, loc, scale)
    return fnp.where(inside, fnp.negative(fnp.expm1(fnp.negative(z))), 0)


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    z, inside, _ = _standard(x, loc, scale)
    return fnp.where(inside, fnp.log(fnp.negative(fnp.expm1(fnp.negative(z)))), -np.inf)


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return fnp.exp(logsf(x, loc, scale))


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    z, inside, _ = _standard(x, loc, scale)
    return fnp.where(inside, fnp.negative(z), 0)


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    q, loc, scale = promote(q, loc, scale)
    valid = fnp.logical_and(fnp.greater_equal(q, 0), fnp.less_equal(q, 1))
    out = fnp.add(fnp.multiply(fnp.negative(fnp.log1p(fnp.negative(safe(valid, q, 0.5)))),
                               scale), loc)
    return fnp.where(valid, out, np.nan)
