"""The truncated normal distribution (funcad.scipy.stats.truncnorm): the normal restricted
to [a, b] in standard units ((x - loc) / scale). Masses are computed in log space and in
the left tail (mirrored for the right), where they lose no precision; a >= b gives nan."""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp
from funcad.scipy.stats import norm
from funcad.scipy.stats._common import log_diff, log_ndtr, ndtr, promote, safe
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def _log_mass(a: Any, b: Any) -> Any:
    """log(Phi(b) - Phi(a)) for a <= b: on the left of 0 as a difference of log_ndtr, on the
    right mirrored there, across 0 as log1p(-Phi(a) - Phi(-b))."""
    left = fnp.less_equal(b, 0)
    right = fnp.greater(a, 0)
    central = fnp.logical_not(fnp.logical_or(left, right))
    tail_a = fnp.where(right, fnp.negative(b), a)
    tail_b = fnp.where(right, fnp.negative(a), b)
    # keep the tail branch's arguments apart where the central one is chosen
    tail_a = safe(central, -2.0, tail_a)
    tail_b = safe(central, -1.0, tail_b)
    tail = log_diff(log_ndtr(tail_b), log_ndtr(tail_a))
    central_a = safe(central, a, -1.0)
    central_b = safe(central, b, 1.0)
    middle = fnp.log1p(fnp.negative(fnp.add(ndtr(central_a), ndtr(fnp.negative(central_b)))))
    return fnp.where(central, middle, tail)


def logpdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
           scale: ArrayLike = 1) -> Array:
    """Log of the truncated normal probability density at ``x`` (shape ``a``, ``b``; shifted by
    ``loc``, scaled by ``scale``), as ``scipy.stats.truncnorm.logpdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.truncnorm.logpdf(0.5, -1.0, 2.0))
    -0.84377223888021
    """
    x, a, b, loc, scale = promote(x, a, b, loc, scale)
    z = fnp.divide(fnp.subtract(x, loc), scale)
    valid = fnp.less(a, b)
    out = fnp.subtract(norm.logpdf(x, loc, scale),
                       _log_mass(safe(valid, a, 0.0), safe(valid, b, 1.0)))
    out = fnp.where(fnp.logical_or(fnp.less(z, a), fnp.greater(z, b)), -np.inf, out)
    return fnp.where(valid, out, np.nan)


def pdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
        scale: ArrayLike = 1) -> Array:
    """The truncated normal probability density at ``x`` (shape ``a``, ``b``; shifted by ``loc``,
    scaled by ``scale``), as ``scipy.stats.truncnorm.pdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.truncnorm.pdf(0.5, -1.0, 2.0))
    0.43008507592322476
    """
    return fnp.exp(logpdf(x, a, b, loc, scale))


def logcdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
           scale: ArrayLike = 1) -> Array:
    """log mass(a, z) - log mass(a, b), switching to log1p(-sf) near 1 (SciPy's way around
    the cancellation there)."""
    x, a, b, loc, scale = promote(x, a, b, loc, scale)
    z = fnp.divide(fnp.subtract(x, loc), scale)
    valid = fnp.less(a, b)
    inside = fnp.logical_and(valid, fnp.logical_and(fnp.greater(z, a), fnp.less(z, b)))
    a_in, b_in = safe(valid, a, 0.0), safe(valid, b, 1.0)
    z_in = safe(inside, z, fnp.multiply(0.5, fnp.add(a_in, b_in)))
    total = _log_mass(a_in, b_in)
    below = fnp.subtract(_log_mass(a_in, z_in), total)
    above = fnp.subtract(_log_mass(z_in, b_in), total)
    near_one = fnp.greater(below, -0.1)
    out = fnp.where(near_one, fnp.log1p(fnp.negative(fnp.exp(safe(near_one, above, -1.0)))),
                    below)
    out = fnp.where(fnp.greater_equal(z, b), 0, fnp.where(fnp.less_equal(z, a), -np.inf, out))
    return fnp.where(valid, out, np.nan)


def cdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
        scale: ArrayLike = 1) -> Array:
    """The truncated normal cumulative distribution function at ``x``: the probability of a value <=
    ``x`` (shape ``a``, ``b``; shifted by ``loc``, scaled by ``scale``), as
    ``scipy.stats.truncnorm.cdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.truncnorm.cdf(0.5, -1.0, 2.0))
    0.6508804213366272
    """
    return fnp.exp(logcdf(x, a, b, loc, scale))


def logsf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
          scale: ArrayLike = 1) -> Array:
    """The mirror image: the log CDF of -x for the interval [-b, -a] about -loc."""
    x, a, b, loc, scale = promote(x, a, b, loc, scale)
    return logcdf(fnp.negative(x), fnp.negative(b), fnp.negative(a), fnp.negative(loc), scale)


def sf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The truncated normal survival function at ``x``: ``1 - cdf``, computed without the
    cancellation (shape ``a``, ``b``; shifted by ``loc``, scaled by ``scale``), as
    ``scipy.stats.truncnorm.sf``.

    >>> from funcad.scipy import stats
    >>> print(stats.truncnorm.sf(0.5, -1.0, 2.0))
    0.349119578663372...
    """
    return fnp.exp(logsf(x, a, b, loc, scale))
