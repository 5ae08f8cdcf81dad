"""The gamma distribution (funcad.scipy.stats.gamma): shape a, support x >= loc. The CDFs
are differentiable in every argument, a included (funcad.scipy.special.gammainc's
derivative in a, to second order)."""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.special import gammainc, gammaincc
from funcad.scipy.stats._common import gammaln, promote, safe, xlogy

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def logpdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, a, loc, scale = promote(x, a, loc, scale)
    z = fnp.divide(fnp.subtract(x, loc), scale)
    inside = fnp.greater_equal(z, 0)
    z = safe(inside, z, 1.0)
    out = fnp.subtract(fnp.subtract(xlogy(fnp.subtract(a, 1), z), z),
                       fnp.add(gammaln(a), fnp.log(scale)))
    return fnp.where(inside, out, -np.inf)


def pdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return fnp.exp(logpdf(x, a, loc, scale))


def _clamped(x: Any, a: Any, loc: Any, scale: Any) -> tuple[Any, Any]:
    x, a, loc, scale = promote(x, a, loc, scale)
    return a, fnp.maximum(fnp.divide(fnp.subtract(x, loc), scale), 0)


def cdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return gammainc(*_clamped(x, a, loc, scale))


def logcdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return fnp.log(cdf(x, a, loc, scale))


def sf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return gammaincc(*_clamped(x, a, loc, scale))


def logsf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return fnp.log(sf(x, a, loc, scale))
