"""The right-skewed Gumbel distribution (funcad.scipy.stats.gumbel_r)."""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import promote

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def _standard(x: Any, loc: Any, scale: Any) -> tuple[Any, Any]:
    x, loc, scale = promote(x, loc, scale)
    return fnp.divide(fnp.subtract(x, loc), scale), scale


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    z, scale = _standard(x, loc, scale)
    return fnp.subtract(fnp.negative(fnp.add(z, fnp.exp(fnp.negative(z)))), fnp.log(scale))


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return fnp.exp(logpdf(x, loc, scale))


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    z, _ = _standard(x, loc, scale)
    return fnp.negative(fnp.exp(fnp.negative(z)))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return fnp.exp(logcdf(x, loc, scale))


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    z, _ = _standard(x, loc, scale)
    return fnp.negative(fnp.expm1(fnp.negative(fnp.exp(fnp.negative(z)))))


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return fnp.log(sf(x, loc, scale))


def ppf(p: Any, loc: Any = 0, scale: Any = 1) -> Any:
    p, loc, scale = promote(p, loc, scale)
    valid = fnp.logical_and(fnp.greater_equal(p, 0), fnp.less_equal(p, 1))
    out = fnp.subtract(loc, fnp.multiply(scale, fnp.log(fnp.negative(fnp.log(p)))))
    return fnp.where(valid, out, np.nan)
