"""The normal distribution (funcad.scipy.stats.norm)."""

from __future__ import annotations

from typing import Any

import funcad.numpy as fnp
from funcad.scipy.stats._common import HALF_LOG_2PI, log_ndtr, ndtr, ndtri, promote

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]


def _standard(x: Any, loc: Any, scale: Any) -> tuple[Any, Any]:
    x, loc, scale = promote(x, loc, scale)
    return fnp.divide(fnp.subtract(x, loc), scale), scale


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    z, scale = _standard(x, loc, scale)
    return fnp.subtract(fnp.multiply(-0.5, fnp.square(z)), fnp.add(HALF_LOG_2PI, fnp.log(scale)))


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return ndtr(_standard(x, loc, scale)[0])


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return log_ndtr(_standard(x, loc, scale)[0])


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return ndtr(fnp.negative(_standard(x, loc, scale)[0]))


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return log_ndtr(fnp.negative(_standard(x, loc, scale)[0]))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    q, loc, scale = promote(q, loc, scale)
    return fnp.add(fnp.multiply(ndtri(q), scale), loc)


def isf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    q, loc, scale = promote(q, loc, scale)
    return fnp.subtract(loc, fnp.multiply(ndtri(q), scale))
