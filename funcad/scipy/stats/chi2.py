"""The chi-squared distribution (funcad.scipy.stats.chi2): a gamma distribution of shape
df / 2 and twice the scale."""

from __future__ import annotations

from typing import Any

import funcad.numpy as fnp
from funcad.scipy.stats import gamma
from funcad.scipy.stats._common import promote

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def _as_gamma(x: Any, df: Any, loc: Any, scale: Any) -> tuple[Any, Any, Any, Any]:
    x, df, loc, scale = promote(x, df, loc, scale)
    return x, fnp.multiply(0.5, df), loc, fnp.multiply(2, scale)


def logpdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return gamma.logpdf(*_as_gamma(x, df, loc, scale))


def pdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return gamma.pdf(*_as_gamma(x, df, loc, scale))


def cdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return gamma.cdf(*_as_gamma(x, df, loc, scale))


def logcdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return gamma.logcdf(*_as_gamma(x, df, loc, scale))


def sf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return gamma.sf(*_as_gamma(x, df, loc, scale))


def logsf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return gamma.logsf(*_as_gamma(x, df, loc, scale))
