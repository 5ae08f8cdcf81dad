"""``funcad.random``: JAX's ``jax.random`` on funcad, value for value.

Randomness is explicit: a key (``key(seed)``, or the raw ``PRNGKey(seed)``) goes into every
sampler, and ``split`` or ``fold_in`` make new keys from old. The same key always gives the
same values, the values JAX gives for it (Threefry-2x32, JAX's default partitionable layout),
under ``jit``, ``vmap`` and ``grad`` alike. dtypes follow NumPy as the rest of funcad does:
floats default to float64 and integers to int64 (JAX's values with ``jax_enable_x64``); pass
``dtype=numpy.float32`` for JAX's default single-precision streams.
"""

from __future__ import annotations

from funcad.random._core import (
    bernoulli,
    choice,
    gumbel,
    normal,
    orthogonal,
    permutation,
    randint,
    truncated_normal,
    uniform,
)
from funcad.random._distributions import (
    ball,
    beta,
    binomial,
    categorical,
    cauchy,
    chisquare,
    dirichlet,
    double_sided_maxwell,
    exponential,
    f,
    gamma,
    generalized_normal,
    geometric,
    laplace,
    loggamma,
    logistic,
    lognormal,
    maxwell,
    multinomial,
    multivariate_normal,
    pareto,
    poisson,
    rademacher,
    rayleigh,
    t,
    triangular,
    wald,
    weibull_min,
)
from funcad.random._keys import (
    KeyArray,
    KeyArrayLike,
    PRNGKey,
    bits,
    clone,
    fold_in,
    key,
    key_data,
    key_dtype,
    key_impl,
    split,
    wrap_key_data,
)

__all__ = [
    "KeyArray", "KeyArrayLike", "PRNGKey", "key", "key_data", "wrap_key_data", "key_impl",
    "key_dtype", "clone", "split", "fold_in", "bits", "uniform", "normal", "truncated_normal",
    "bernoulli", "randint", "permutation", "choice", "orthogonal", "gumbel",
    "exponential", "laplace", "logistic", "cauchy", "rademacher", "categorical", "pareto",
    "weibull_min", "maxwell", "double_sided_maxwell", "rayleigh", "wald", "geometric",
    "triangular", "lognormal", "multivariate_normal", "gamma", "loggamma", "beta", "dirichlet",
    "chisquare", "t", "f", "generalized_normal", "ball", "poisson", "binomial", "multinomial",
]
