"""funcad.scipy.stats: probability distributions (one module each, as in jax.scipy.stats)
and summary statistics, differentiable in the values and the parameters.

Densities and masses are written with funcad.numpy and the special functions behind
funcad.lax (some need SciPy, the ``funcad[scipy]`` extra: they raise an ImportError naming
it on first use without it). Values outside the support give -inf log densities (0
densities), as in SciPy and JAX.

Where JAX's values differ from SciPy's, these follow SciPy: a discrete value that is not a
whole number is outside the support (binom, geom, nbinom, betabinom; JAX evaluates the
formula there), betabinom's support moves with loc, bernoulli.ppf(0) is -1, cauchy's
quantiles at 0 and 1 are infinite, chi2.logpdf is finite at 0 for df = 2, and multinomial
checks each row's total on its own. gaussian_kde.resample takes a NumPy Generator or a
seed (funcad has no PRNG keys).
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
