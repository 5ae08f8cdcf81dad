"""The von Mises distribution (funcad.scipy.stats.vonmises): a circular normal distribution
of concentration kappa > 0 (nan otherwise), periodic in x like SciPy's and JAX's."""

from __future__ import annotations

import numpy as np

import funcad.lax as lax
import funcad.numpy as fnp
from funcad.scipy.stats._common import LOG_2PI, promote, safe
from funcad.typing import Array, ArrayLike

__all__ = ["logpdf", "pdf"]


def logpdf(x: ArrayLike, kappa: ArrayLike) -> Array:
    """kappa (cos x - 1) - log(2 pi i0e(kappa)): the scaled Bessel function does not
    overflow for large kappa."""
    x, kappa = promote(x, kappa)
    valid = fnp.greater(kappa, 0)
    kappa = safe(valid, kappa, 1.0)
    out = fnp.subtract(fnp.multiply(kappa, fnp.subtract(fnp.cos(x), 1)),
                       fnp.add(LOG_2PI, fnp.log(lax.bessel_i0e(kappa))))
    return fnp.where(valid, out, np.nan)


def pdf(x: ArrayLike, kappa: ArrayLike) -> Array:
    """The von Mises probability density at ``x`` (shape ``kappa``), as
    ``scipy.stats.vonmises.pdf``.

    >>> from funcad.scipy import stats
    >>> print(stats.vonmises.pdf(0.5, 2.0))
    0.40385253335183785
    """
    return fnp.exp(logpdf(x, kappa))
