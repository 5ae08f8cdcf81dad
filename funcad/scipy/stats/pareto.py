"""The Pareto distribution (funcad.scipy.stats.pareto): support x >= loc + scale."""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import promote, safe

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def _standard(x: Any, b: Any, loc: Any, scale: Any) -> tuple[Any, Any, Any, Any]:
    """log z for z = (x - loc) / scale clamped into the support, the mask, b and scale."""
    x, b, loc, scale = promote(x, b, loc, scale)
    z = fnp.divide(fnp.subtract(x, loc), scale)
    inside = fnp.greater_equal(z, 1)
    return fnp.log(safe(inside, z, 2.0)), inside, b, scale


def logpdf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    log_z, inside, b, scale = _standard(x, b, loc, scale)
    out = fnp.subtract(fnp.subtract(fnp.log(b), fnp.log(scale)),
                       fnp.multiply(fnp.add(b, 1), log_z))
    return fnp.where(inside, out, -np.inf)


def pdf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return fnp.exp(logpdf(x, b, loc, scale))


def logsf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    log_z, inside, b, _ = _standard(x, b, loc, scale)
    return fnp.where(inside, fnp.negative(fnp.multiply(b, log_z)), 0)


def sf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return fnp.exp(logsf(x, b, loc, scale))


def cdf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    log_z, inside, b, _ = _standard(x, b, loc, scale)
    return fnp.where(inside, fnp.negative(fnp.expm1(fnp.negative(fnp.multiply(b, log_z)))), 0)


def logcdf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    log_z, inside, b, _ = _standard(x, b, loc, scale)
    out = fnp.log(fnp.negative(fnp.expm1(fnp.negative(fnp.multiply(b, log_z)))))
    return fnp.where(inside, out, -np.inf)


def ppf(q: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    q, b, loc, scale = promote(q, b, loc, scale)
    valid = fnp.logical_and(fnp.greater_equal(q, 0), fnp.less_equal(q, 1))
    z = fnp.exp(fnp.divide(fnp.negative(fnp.log1p(fnp.negative(safe(valid, q, 0.5)))), b))
    return fnp.where(valid, fnp.add(fnp.multiply(scale, z), loc), np.nan)
