"""The Cauchy distribution (funcad.scipy.stats.cauchy)."""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats._common import promote

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]

_LOG_PI = float(np.log(np.pi))


def _standard(x: Any, loc: Any, scale: Any) -> tuple[Any, Any]:
    x, loc, scale = promote(x, loc, scale)
    return fnp.divide(fnp.subtract(x, loc), scale), scale


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    z, scale = _standard(x, loc, scale)
    return fnp.negative(fnp.add(fnp.add(_LOG_PI, fnp.log(scale)), fnp.log1p(fnp.square(z))))


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """1/2 + arctan(z) / pi written as arctan2(1, -z) / pi: no cancellation in the lower
    tail, so its log stays accurate there."""
    z, _ = _standard(x, loc, scale)
    return fnp.divide(fnp.arctan2(1, fnp.negative(z)), np.pi)


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return fnp.log(cdf(x, loc, scale))


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    z, _ = _standard(x, loc, scale)
    return fnp.divide(fnp.arctan2(1, z), np.pi)


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return fnp.log(sf(x, loc, scale))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    q, loc, scale = promote(q, loc, scale)
    out = fnp.add(loc, fnp.multiply(scale, fnp.tan(fnp.multiply(np.pi, fnp.subtract(q, 0.5)))))
    return _quantile_range(q, out)


def isf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    q, loc, scale = promote(q, loc, scale)
    out = fnp.add(loc, fnp.multiply(scale, fnp.tan(fnp.multiply(np.pi, fnp.subtract(0.5, q)))))
    return _quantile_range(q, out, -1)


def _quantile_range(q: Any, out: Any, sign: int = 1) -> Any:
    """-inf and inf (for ppf; the reverse for isf) at the ends of [0, 1], as SciPy (the
    tangent only comes near them), nan outside."""
    out = fnp.where(fnp.equal(q, 0), -sign * np.inf, fnp.where(fnp.equal(q, 1), sign * np.inf,
                                                               out))
    return fnp.where(fnp.logical_or(fnp.less(q, 0), fnp.greater(q, 1)), np.nan, out)
