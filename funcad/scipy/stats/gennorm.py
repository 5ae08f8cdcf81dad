"""The generalized normal distribution (funcad.scipy.stats.gennorm): density proportional
to exp(-|x|^beta)."""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.special import gammainc
from funcad.scipy.stats._common import gammaln, promote

__all__ = ["logpdf", "pdf", "cdf"]

_LOG_2 = float(np.log(2))


def logpdf(x: Any, beta: Any) -> Any:
    x, beta = promote(x, beta)
    normalizer = fnp.subtract(fnp.log(beta), fnp.add(_LOG_2, gammaln(fnp.reciprocal(beta))))
    return fnp.subtract(normalizer, fnp.power(fnp.abs(x), beta))


def pdf(x: Any, beta: Any) -> Any:
    return fnp.exp(logpdf(x, beta))


def cdf(x: Any, beta: Any) -> Any:
    """(1 + sign(x) P(1/beta, |x|^beta)) / 2."""
    x, beta = promote(x, beta)
    tail = gammainc(fnp.reciprocal(beta), fnp.power(fnp.abs(x), beta))
    return fnp.multiply(0.5, fnp.add(1, fnp.multiply(fnp.sign(x), tail)))
