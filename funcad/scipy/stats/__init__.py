"""funcad.scipy.stats: probability distributions (one module each, as in jax.scipy.stats)
and summary statistics, differentiable in the values and the parameters.

Densities and masses are written with funcad.numpy and the special functions behind
funcad.lax (some need SciPy, the ``funcad[scipy]`` extra: they raise an ImportError naming
it on first use without it). Values outside the support give -inf log densities (0
densities), as in SciPy and JAX.
"""

from funcad.scipy.stats import (
    bernoulli,
    beta,
    betabinom,
    binom,
    cauchy,
    chi2,
    dirichlet,
    expon,
    gamma,
    gennorm,
    geom,
    gumbel_l,
    gumbel_r,
    laplace,
    logistic,
    multinomial,
    multivariate_normal,
    nbinom,
    norm,
    pareto,
    poisson,
    t,
    truncnorm,
    uniform,
    vonmises,
    wrapcauchy,
)
from funcad.scipy.stats._kde import gaussian_kde
from funcad.scipy.stats._summary import mode, rankdata, sem

__all__ = [
    "bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet", "expon",
    "gamma", "gennorm", "geom", "gumbel_l", "gumbel_r", "laplace", "logistic", "multinomial",
    "multivariate_normal", "nbinom", "norm", "pareto", "poisson", "t", "truncnorm", "uniform",
    "vonmises", "wrapcauchy", "gaussian_kde", "mode", "rankdata", "sem",
]
