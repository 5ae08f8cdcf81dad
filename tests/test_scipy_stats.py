"""funcad.scipy.stats against scipy.stats (values, float64), finite differences (derivatives
to second order in both modes, in the values and the parameters, inside the support),
vmap and jit, and jax.scipy.stats's list of names."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st
from strategies import Domain, arrays, broadcastable_shapes

import funcad
import funcad.scipy.stats as fstats
from funcad.primitives import lax_ops
from funcad.test_util import check_grads

# dir(jax.scipy.stats) and each distribution module's functions, recorded from jax 0.10.2.
JAX_STATS = {
    "bernoulli": ["cdf", "logpmf", "pmf", "ppf"],
    "beta": ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"],
    "betabinom": ["logpmf", "pmf"],
    "binom": ["logpmf", "pmf"],
    "cauchy": ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"],
    "chi2": ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"],
    "dirichlet": ["logpdf", "pdf"],
    "expon": ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"],
    "gamma": ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"],
    "gennorm": ["cdf", "logpdf", "pdf"],
    "geom": ["logpmf", "pmf"],
    "gumbel_l": ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"],
    "gumbel_r": ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"],
    "laplace": ["cdf", "logpdf", "pdf"],
    "logistic": ["cdf", "isf", "logpdf", "pdf", "ppf", "sf"],
    "multinomial": ["logpmf", "pmf"],
    "multivariate_normal": ["logpdf", "pdf"],
    "nbinom": ["logpmf", "pmf"],
    "norm": ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"],
    "pareto": ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"],
    "poisson": ["cdf", "entropy", "logpmf", "pmf"],
    "t": ["logpdf", "pdf"],
    "truncnorm": ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"],
    "uniform": ["cdf", "logpdf", "pdf", "ppf"],
    "vonmises": ["logpdf", "pdf"],
    "wrapcauchy": ["logpdf", "pdf"],
}
JAX_TOP_LEVEL = ["gaussian_kde", "mode", "rankdata", "sem"]

# Their parameters and defaults, recorded from jax 0.10.2 ("*" marks keyword-only).
JAX_SIGNATURES = {
    "bernoulli.cdf": "k, p",
    "bernoulli.logpmf": "k, p, loc=0",
    "bernoulli.pmf": "k, p, loc=0",
    "bernoulli.ppf": "q, p",
    "beta.cdf": "x, a, b, loc=0, scale=1",
    "beta.logcdf": "x, a, b, loc=0, scale=1",
    "beta.logpdf": "x, a, b, loc=0, scale=1",
    "beta.logsf": "x, a, b, loc=0, scale=1",
    "beta.pdf": "x, a, b, loc=0, scale=1",
    "beta.sf": "x, a, b, loc=0, scale=1",
    "betabinom.logpmf": "k, n, a, b, loc=0",
    "betabinom.pmf": "k, n, a, b, loc=0",
    "binom.logpmf": "k, n, p, loc=0",
    "binom.pmf": "k, n, p, loc=0",
    "cauchy.cdf": "x, loc=0, scale=1",
    "cauchy.isf": "q, loc=0, scale=1",
    "cauchy.logcdf": "x, loc=0, scale=1",
    "cauchy.logpdf": "x, loc=0, scale=1",
    "cauchy.logsf": "x, loc=0, scale=1",
    "cauchy.pdf": "x, loc=0, scale=1",
    "cauchy.ppf": "q, loc=0, scale=1",
    "cauchy.sf": "x, loc=0, scale=1",
    "chi2.cdf": "x, df, loc=0, scale=1",
    "chi2.logcdf": "x, df, loc=0, scale=1",
    "chi2.logpdf": "x, df, loc=0, scale=1",
    "chi2.logsf": "x, df, loc=0, scale=1",
    "chi2.pdf": "x, df, loc=0, scale=1",
    "chi2.sf": "x, df, loc=0, scale=1",
    "dirichlet.logpdf": "x, alpha",
    "dirichlet.pdf": "x, alpha",
    "expon.cdf": "x, loc=0, scale=1",
    "expon.logcdf": "x, loc=0, scale=1",
    "expon.logpdf": "x, loc=0, scale=1",
    "expon.logsf": "x, loc=0, scale=1",
    "expon.pdf": "x, loc=0, scale=1",
    "expon.ppf": "q, loc=0, scale=1",
    "expon.sf": "x, loc=0, scale=1",
    "gamma.cdf": "x, a, loc=0, scale=1",
    "gamma.logcdf": "x, a, loc=0, scale=1",
    "gamma.logpdf": "x, a, loc=0, scale=1",
    "gamma.logsf": "x, a, loc=0, scale=1",
    "gamma.pdf": "x, a, loc=0, scale=1",
    "gamma.sf": "x, a, loc=0, scale=1",
    "gennorm.cdf": "x, beta",
    "gennorm.logpdf": "x, beta",
    "gennorm.pdf": "x, beta",
    "geom.logpmf": "k, p, loc=0",
    "geom.pmf": "k, p, loc=0",
    "gumbel_l.cdf": "x, loc=0, scale=1",
    "gumbel_l.logcdf": "x, loc=0, scale=1",
    "gumbel_l.logpdf": "x, loc=0, scale=1",
    "gumbel_l.logsf": "x, loc=0, scale=1",
    "gumbel_l.pdf": "x, loc=0, scale=1",
    "gumbel_l.ppf": "p, loc=0, scale=1",
    "gumbel_l.sf": "x, loc=0, scale=1",
    "gumbel_r.cdf": "x, loc=0, scale=1",
    "gumbel_r.logcdf": "x, loc=0, scale=1",
    "gumbel_r.logpdf": "x, loc=0, scale=1",
    "gumbel_r.logsf": "x, loc=0, scale=1",
    "gumbel_r.pdf": "x, loc=0, scale=1",
    "gumbel_r.ppf": "p, loc=0, scale=1",
    "gumbel_r.sf": "x, loc=0, scale=1",
    "laplace.cdf": "x, loc=0, scale=1",
    "laplace.logpdf": "x, loc=0, scale=1",
    "laplace.pdf": "x, loc=0, scale=1",
    "logistic.cdf": "x, loc=0, scale=1",
    "logistic.isf": "x, loc=0, scale=1",
    "logistic.logpdf": "x, loc=0, scale=1",
    "logistic.pdf": "x, loc=0, scale=1",
    "logistic.ppf": "x, loc=0, scale=1",
    "logistic.sf": "x, loc=0, scale=1",
    "multinomial.logpmf": "x, n, p",
    "multinomial.pmf": "x, n, p",
    "multivariate_normal.logpdf": "x, mean, cov, allow_singular=None",
    "multivariate_normal.pdf": "x, mean, cov",
    "nbinom.logpmf": "k, n, p, loc=0",
    "nbinom.pmf": "k, n, p, loc=0",
    "norm.cdf": "x, loc=0, scale=1",
    "norm.isf": "q, loc=0, scale=1",
    "norm.logcdf": "x, loc=0, scale=1",
    "norm.logpdf": "x, loc=0, scale=1",
    "norm.logsf": "x, loc=0, scale=1",
    "norm.pdf": "x, loc=0, scale=1",
    "norm.ppf": "q, loc=0, scale=1",
    "norm.sf": "x, loc=0, scale=1",
    "pareto.cdf": "x, b, loc=0, scale=1",
    "pareto.logcdf": "x, b, loc=0, scale=1",
    "pareto.logpdf": "x, b, loc=0, scale=1",
    "pareto.logsf": "x, b, loc=0, scale=1",
    "pareto.pdf": "x, b, loc=0, scale=1",
    "pareto.ppf": "q, b, loc=0, scale=1",
    "pareto.sf": "x, b, loc=0, scale=1",
    "poisson.cdf": "k, mu, loc=0",
    "poisson.entropy": "mu, loc=0",
    "poisson.logpmf": "k, mu, loc=0",
    "poisson.pmf": "k, mu, loc=0",
    "t.logpdf": "x, df, loc=0, scale=1",
    "t.pdf": "x, df, loc=0, scale=1",
    "truncnorm.cdf": "x, a, b, loc=0, scale=1",
    "truncnorm.logcdf": "x, a, b, loc=0, scale=1",
    "truncnorm.logpdf": "x, a, b, loc=0, scale=1",
    "truncnorm.logsf": "x, a, b, loc=0, scale=1",
    "truncnorm.pdf": "x, a, b, loc=0, scale=1",
    "truncnorm.sf": "x, a, b, loc=0, scale=1",
    "uniform.cdf": "x, loc=0, scale=1",
    "uniform.logpdf": "x, loc=0, scale=1",
    "uniform.pdf": "x, loc=0, scale=1",
    "uniform.ppf": "q, loc=0, scale=1",
    "vonmises.logpdf": "x, kappa",
    "vonmises.pdf": "x, kappa",
    "wrapcauchy.logpdf": "x, c",
    "wrapcauchy.pdf": "x, c",
    "mode": "a, axis=0, nan_policy='propagate', keepdims=False",
    "rankdata": "a, method='average', *axis=None, *nan_policy='propagate'",
    "sem": "a, axis=0, ddof=1, nan_policy='propagate', *keepdims=False",
    "gaussian_kde": "self, dataset, bw_method=None, weights=None",
}

# Samplers of the arguments, each inside the support of the distributions that use it (with
# "loc" in [-0.1, 0.1] and "scale" in [0.5, 2], or "scale1" in [1, 1.5]).
SAMPLERS = {
    "real": lambda rng, s: rng.uniform(-2.5, 2.5, s),
    "loc": lambda rng, s: rng.uniform(-0.1, 0.1, s),
    "scale": lambda rng, s: rng.uniform(0.5, 2.0, s),
    "scale1": lambda rng, s: rng.uniform(1.0, 1.5, s),
    "shape": lambda rng, s: rng.uniform(1.5, 4.0, s),
    "unit": lambda rng, s: rng.uniform(0.1, 0.9, s),
    "mid": lambda rng, s: rng.uniform(0.3, 0.7, s),
    "posx": lambda rng, s: rng.uniform(0.3, 3.0, s),
    "big": lambda rng, s: rng.uniform(3.0, 5.0, s),
    "angle": lambda rng, s: rng.uniform(0.5, 5.5, s),
    "small": lambda rng, s: rng.uniform(-0.3, 0.3, s),
    "low": lambda rng, s: rng.uniform(-3.0, -1.5, s),
    "high": lambda rng, s: rng.uniform(1.5, 3.0, s),
    "count": lambda rng, s: rng.integers(0, 6, s).astype(float),
    "count1": lambda rng, s: rng.integers(1, 6, s).astype(float),
    "bit": lambda rng, s: rng.integers(0, 2, s).astype(float),
    "trials": lambda rng, s: rng.integers(6, 10, s).astype(float),
}

# (module, function, argument samplers, positions differentiated). Discrete values are not
# differentiated (piecewise constant); nor are the shape parameters of the beta CDFs (the
# incomplete beta function has no derivative in them, in JAX or funcad).
LOC_SCALE = ["loc", "scale"]
CASES = []
for _name in ("norm", "cauchy", "logistic", "gumbel_r", "gumbel_l", "laplace"):
    for _fn in JAX_STATS[_name]:
        if _fn in ("ppf", "isf"):
            CASES.append((_name, _fn, ["unit", *LOC_SCALE], (0, 1, 2)))
        else:
            CASES.append((_name, _fn, ["real", *LOC_SCALE], (0, 1, 2)))
CASES += [(n, f, ["posx", *LOC_SCALE], (0, 1, 2)) for n, f in [
    ("expon", "logpdf"), ("expon", "pdf"), ("expon", "cdf"), ("expon", "logcdf"),
    ("expon", "sf"), ("expon", "logsf")]]
CASES += [("expon", "ppf", ["unit", *LOC_SCALE], (0, 1, 2))]
CASES += [("uniform", f, ["mid", "loc", "scale1"], (0, 1, 2)) for f in ("logpdf", "pdf", "cdf")]
CASES += [("uniform", "ppf", ["unit", *LOC_SCALE], (0, 1, 2))]
CASES += [("t", f, ["real", "shape", *LOC_SCALE], (0, 1, 2, 3)) for f in ("logpdf", "pdf")]
for _name in ("gamma", "chi2"):
    for _fn in JAX_STATS[_name]:
        CASES.append((_name, _fn, ["posx", "shape", *LOC_SCALE], (0, 1, 2, 3)))
for _fn in JAX_STATS["beta"]:
    _diff = (0, 1, 2, 3, 4) if _fn in ("logpdf", "pdf") else (0, 3, 4)
    CASES.append(("beta", _fn, ["mid", "shape", "shape", "loc", "scale1"], _diff))
for _fn in JAX_STATS["pareto"]:
    if _fn == "ppf":
        CASES.append(("pareto", _fn, ["unit", "shape", *LOC_SCALE], (0, 1, 2, 3)))
    else:
        CASES.append(("pareto", _fn, ["big", "shape", *LOC_SCALE], (0, 1, 2, 3)))
CASES += [("gennorm", "logpdf", ["real", "shape"], (0, 1)),
          ("gennorm", "pdf", ["real", "shape"], (0, 1)),
          ("gennorm", "cdf", ["real", "shape"], (0, 1)),
          ("vonmises", "logpdf", ["real", "scale"], (0, 1)),
          ("vonmises", "pdf", ["real", "scale"], (0, 1)),
          ("wrapcauchy", "logpdf", ["angle", "unit"], (0, 1)),
          ("wrapcauchy", "pdf", ["angle", "unit"], (0, 1))]
CASES += [("truncnorm", f, ["small", "low", "high", "loc", "scale"], (0, 1, 2, 3, 4))
          for f in JAX_STATS["truncnorm"]]
CASES += [("poisson", f, ["count", "scale", "loc"], (1,)) for f in ("logpmf", "pmf")]
CASES += [("poisson", "cdf", ["count", "scale", "loc"], (1,)),
          ("poisson", "entropy", ["scale", "loc"], (0,)),
          ("bernoulli", "logpmf", ["bit", "unit", "loc"], (1,)),
          ("bernoulli", "pmf", ["bit", "unit", "loc"], (1,)),
          ("bernoulli", "cdf", ["real", "unit"], (1,)),
          ("bernoulli", "ppf", ["unit", "unit"], ()),
          ("binom", "logpmf", ["count", "trials", "unit", "loc"], (1, 2)),
          ("binom", "pmf", ["count", "trials", "unit", "loc"], (1, 2)),
          ("geom", "logpmf", ["count1", "unit", "loc"], (1,)),
          ("geom", "pmf", ["count1", "unit", "loc"], (1,)),
          ("nbinom", "logpmf", ["count", "shape", "unit", "loc"], (1, 2)),
          ("nbinom", "pmf", ["count", "shape", "unit", "loc"], (1, 2)),
          ("betabinom", "logpmf", ["count", "trials", "shape", "shape", "loc"], (2, 3)),
          ("betabinom", "pmf", ["count", "trials", "shape", "shape", "loc"], (2, 3))]
# Locations of discrete distributions shift by whole numbers.
DISCRETE_LOC = {"poisson", "bernoulli", "binom", "geom", "nbinom", "betabinom"}
IDS = [f"{name}.{fn}" for name, fn, _, _ in CASES]
DIFF_CASES = [case for case in CASES if case[3]]

# Argument shapes: all scalars; a vector of values; broadcasting (2, 3) with (3,) and (1,);
# no values (size 0).
SHAPES = {
    "scalar": lambda n: [()] * n,
    "vector": lambda n: [(4,)] + [()] * (n - 1),
    "broadcast": lambda n: [(2, 3)] + [(3,), (1,), ()][: n - 1] + [()] * max(0, n - 4),
    "empty": lambda n: [(0,)] + [()] * (n - 1),
}


def make_args(name, samplers, shapes, seed=0):
    rng = np.random.default_rng(seed)
    args = [SAMPLERS[s](rng, shape) for s, shape in zip(samplers, shapes)]
    if name in DISCRETE_LOC and "loc" in samplers:
        # a whole-number location, and the values moved with it (so they stay in the support)
        position = samplers.index("loc")
        args[position] = np.round(args[position] * 10)
        if samplers[0] in ("count", "count1", "bit"):
            args[0] = args[0] + args[position]
    return args


def scipy_function(name, fn):
    dist = getattr(scipy.stats, name)
    return getattr(dist, fn)


def funcad_function(name, fn):
    return getattr(getattr(fstats, name), fn)


def scipy_reference(name, fn, args):
    if name == "poisson" and fn == "entropy":
        mu = np.broadcast_arrays(*args)[0]
        return np.vectorize(lambda m: scipy.stats.poisson.entropy(m), otypes=[float])(mu)
    return scipy_function(name, fn)(*args)


# ---------------------------------------------------------------------------------------------
# Names


def test_every_jax_name_is_here():
    missing = [f"{name}.{fn}" for name, fns in JAX_STATS.items() for fn in fns
               if not callable(getattr(getattr(fstats, name, None), fn, None))]
    missing += [name for name in JAX_TOP_LEVEL if not hasattr(fstats, name)]
    assert not missing, missing


def _parameters(f):
    return ", ".join(("*" if p.kind == p.KEYWORD_ONLY else "") + p.name +
                     ("" if p.default is inspect.Parameter.empty else f"={p.default!r}")
                     for p in inspect.signature(f).parameters.values())


@pytest.mark.parametrize("qualified", sorted(JAX_SIGNATURES))
def test_parameters_and_defaults_are_jax_ones(qualified):
    target = fstats
    for part in qualified.split("."):
        target = getattr(target, part)
    if qualified == "gaussian_kde":
        target = target.__init__
    assert _parameters(target) == JAX_SIGNATURES[qualified]


def test_top_level_names_are_jax_names():
    assert sorted(fstats.__all__) == sorted([*JAX_STATS, *JAX_TOP_LEVEL])


@pytest.mark.parametrize("name", sorted(JAX_STATS))
def test_modules_have_exactly_jax_functions(name):
    assert sorted(getattr(fstats, name).__all__) == JAX_STATS[name]


def test_every_function_is_checked_here():
    covered = {case_id for case_id in IDS}
    covered |= {"dirichlet.logpdf", "dirichlet.pdf", "multinomial.logpmf", "multinomial.pmf",
                "multivariate_normal.logpdf", "multivariate_normal.pdf"}
    expected = {f"{name}.{fn}" for name, fns in JAX_STATS.items() for fn in fns}
    assert expected <= covered, sorted(expected - covered)


# ---------------------------------------------------------------------------------------------
# Elementwise distributions: values, derivatives, vmap, jit


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("name, fn, samplers, diff", CASES, ids=IDS)
def test_values_match_scipy(name, fn, samplers, diff, shape):
    args = make_args(name, samplers, SHAPES[shape](len(samplers)), seed=1)
    got = funcad_function(name, fn)(*args)
    want = scipy_reference(name, fn, args)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-12)
    assert np.result_type(got) == np.float64


@pytest.mark.parametrize("shape", ["scalar", "broadcast"])
@pytest.mark.parametrize("name, fn, samplers, diff", DIFF_CASES,
                         ids=[f"{name}.{fn}" for name, fn, _, _ in DIFF_CASES])
def test_derivatives(name, fn, samplers, diff, shape):
    args = make_args(name, samplers, SHAPES[shape](len(samplers)), seed=2)
    f = funcad_function(name, fn)

    def of_differentiated(*values):
        full = list(args)
        for position, value in zip(diff, values):
            full[position] = value
        return f(*full)

    check_grads(of_differentiated, [args[i] for i in diff], order=2, modes=("fwd", "rev"),
                rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name, fn, samplers, diff", CASES, ids=IDS)
def test_vmap_and_jit_agree(name, fn, samplers, diff):
    shapes = [(3,)] + [()] * (len(samplers) - 1)
    args = make_args(name, samplers, shapes, seed=3)
    f = funcad_function(name, fn)
    stacked = np.stack([f(args[0][i], *args[1:]) for i in range(3)])
    in_axes = (0,) + (None,) * (len(args) - 1)
    np.testing.assert_allclose(funcad.vmap(f, in_axes=in_axes)(*args), stacked, rtol=1e-12)
    # every argument batched
    batched = make_args(name, samplers, [(3,)] * len(samplers), seed=4)
    stacked = np.stack([f(*(a[i] for a in batched)) for i in range(3)])
    np.testing.assert_allclose(funcad.vmap(f)(*batched), stacked, rtol=1e-12)
    np.testing.assert_allclose(funcad.jit(f)(*args), f(*args), rtol=1e-12)
    if diff:
        position = diff[0]
        g = funcad.grad(lambda *a: funcad.numpy.sum(f(*a)), argnums=position)
        np.testing.assert_allclose(funcad.jit(g)(*args), g(*args), rtol=1e-10)


def test_poisson_entropy_in_its_asymptotic_regime():
    mu = np.array([100.0, 150.0, 400.0])
    np.testing.assert_allclose(fstats.poisson.entropy(mu),
                               [scipy.stats.poisson.entropy(m) for m in mu], rtol=1e-8)
    check_grads(fstats.poisson.entropy, (mu[1:],), order=2, modes=("fwd", "rev"))
    # the derivative of the entropy, d/dmu H = -sum p' log p, close to 1 / (2 mu)
    np.testing.assert_allclose(funcad.grad(fstats.poisson.entropy)(400.0), 1 / 800, rtol=1e-3)


def test_float32_stays_float32_and_integers_become_float64():
    x = np.float32([0.5, 1.5])
    assert fstats.norm.logpdf(x).dtype == np.float32
    assert fstats.gamma.logpdf(x, np.float32(2.0)).dtype == np.float32
    assert fstats.norm.logpdf(np.array([1, 2])).dtype == np.float64
    assert fstats.poisson.logpmf(np.array([1, 2]), 3).dtype == np.float64
    assert np.result_type(fstats.norm.cdf(1)) == np.float64
    x = np.float32(np.random.default_rng(0).standard_normal((2, 3)))
    assert fstats.multivariate_normal.logpdf(x, np.zeros(3, np.float32),
                                             np.eye(3, dtype=np.float32)).dtype == np.float32
    assert fstats.sem(x).dtype == np.float32
    assert fstats.sem(x, nan_policy="omit").dtype == np.float32
    assert fstats.gaussian_kde(x).logpdf(x).dtype == np.float32
    assert fstats.mode(x).mode.dtype == np.float32
    # under jit a Python scalar argument stays weakly typed
    assert funcad.jit(fstats.norm.logpdf)(x, 0.5, 2.0).dtype == np.float32
    assert funcad.jit(fstats.gamma.cdf)(x, 2.0).dtype == np.float32


@pytest.mark.parametrize("name, fn, samplers, diff", CASES, ids=IDS)
def test_float32_in_float32_out(name, fn, samplers, diff):
    args = [np.float32(a) for a in make_args(name, samplers, [(2,)] * len(samplers), seed=5)]
    f = funcad_function(name, fn)
    assert np.result_type(f(*args)) == np.float32
    if diff:
        g = funcad.grad(lambda *a: funcad.numpy.sum(f(*a)), argnums=diff[0])(*args)
        assert g.dtype == np.float32


# ---------------------------------------------------------------------------------------------
# Outside the support, and the tails


EDGE_CASES = [
    ("expon", "logpdf", (np.array([-1.0, 0.0, 1.0]),)),
    ("expon", "cdf", (np.array([-1.0, 0.0, 1.0]),)),
    ("expon", "logcdf", (np.array([-1.0, 0.5]),)),
    ("expon", "logsf", (np.array([-1.0, 0.5]),)),
    ("expon", "ppf", (np.array([-0.5, 0.0, 0.5, 1.0, 1.5]),)),
    ("uniform", "logpdf", (np.array([-1.0, 0.0, 0.5, 1.0, 2.0]),)),
    ("uniform", "cdf", (np.array([-1.0, 0.5, 2.0]),)),
    ("uniform", "ppf", (np.array([-0.5, 0.0, 0.5, 1.0, 1.5]),)),
    ("gamma", "logpdf", (np.array([-1.0, 0.0, 0.5, 2.0]), 0.5)),
    ("gamma", "logpdf", (np.array([-1.0, 0.0, 0.5]), 1.0)),
    ("gamma", "cdf", (np.array([-1.0, 0.0, 0.5]), 2.0)),
    ("gamma", "sf", (np.array([-1.0, 0.0, 0.5]), 2.0)),
    ("chi2", "logpdf", (np.array([-1.0, 0.0, 0.5]), 2.0)),
    ("beta", "logpdf", (np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), 0.5, 2.0)),
    ("beta", "logpdf", (np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), 1.0, 1.0)),
    ("beta", "cdf", (np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), 2.0, 3.0)),
    ("beta", "sf", (np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), 2.0, 3.0)),
    ("pareto", "logpdf", (np.array([-1.0, 0.5, 1.0, 2.0]), 2.0)),
    ("pareto", "cdf", (np.array([-1.0, 0.5, 1.0, 2.0]), 2.0)),
    ("pareto", "logsf", (np.array([-1.0, 0.5, 1.0, 2.0]), 2.0)),
    ("pareto", "ppf", (np.array([-0.5, 0.0, 0.5, 1.0]), 2.0)),
    ("wrapcauchy", "logpdf", (np.array([-1.0, 0.0, 1.0, 7.0]), 0.5)),
    ("cauchy", "ppf", (np.array([-0.5, 0.0, 0.25, 1.0, 1.5]),)),
    ("cauchy", "isf", (np.array([-0.5, 0.0, 0.25, 1.0, 1.5]),)),
    ("norm", "ppf", (np.array([-0.5, 0.0, 1e-3, 0.999, 1.0, 1.5]),)),
    ("norm", "ppf", (np.array([1e-300, 1e-20, 1e-10]),)),
    ("norm", "isf", (np.array([-0.5, 0.0, 1e-20, 0.3, 1.0, 1.5]),)),
    ("logistic", "ppf", (np.array([-0.5, 0.0, 1e-3, 0.7, 1.0, 1.5]),)),
    ("logistic", "isf", (np.array([-0.5, 0.0, 1e-3, 0.7, 1.0, 1.5]),)),
    ("logistic", "logpdf", (np.array([-800.0, -30.0, 0.0, 30.0, 800.0]),)),
    ("logistic", "sf", (np.array([-40.0, 0.0, 40.0]),)),
    ("gumbel_r", "ppf", (np.array([-0.5, 0.0, 0.3, 1.0, 1.5]),)),
    ("gumbel_l", "ppf", (np.array([-0.5, 0.0, 0.3, 1.0, 1.5]),)),
    ("gumbel_r", "logsf", (np.array([-3.0, 0.0, 30.0]),)),
    ("gumbel_l", "logcdf", (np.array([-30.0, 0.0, 3.0]),)),
    ("laplace", "cdf", (np.array([-800.0, -1.0, 0.0, 1.0, 800.0]),)),
    ("t", "logpdf", (np.array([-1e3, 0.0, 1e3]), 1e6)),
    ("vonmises", "logpdf", (np.array([-4.0, 0.0, 4.0]), 500.0)),
    ("gennorm", "cdf", (np.array([-3.0, 0.0, 0.5, 3.0]), 0.7)),
    ("norm", "logcdf", (np.array([-1e3, -40.0, -25.0, -19.0, -5.0, 0.0, 5.5, 10.0, 40.0]),)),
    ("norm", "logsf", (np.array([-40.0, -5.5, 0.0, 5.0, 21.0, 40.0]),)),
    ("truncnorm", "logpdf", (np.array([-3.0, -1.0, 0.0, 1.0, 3.0]), -1.0, 2.0)),
    ("truncnorm", "logpdf", (np.array([5.5, 6.0, 8.0]), 5.0, 9.0)),
    ("truncnorm", "logcdf", (np.array([-3.0, -1.0, 0.0, 1.9, 3.0]), -1.0, 2.0)),
    ("truncnorm", "logsf", (np.array([-3.0, -0.9, 0.0, 1.0, 3.0]), -1.0, 2.0)),
    ("truncnorm", "cdf", (np.array([-12.0, -11.0, -10.5]), -12.0, -10.0)),
    ("poisson", "logpmf", (np.array([-1.0, 0.0, 1.5, 2.0, 6.0]), 2.0)),
    ("poisson", "cdf", (np.array([-1.0, 0.0, 1.5, 2.0, 6.0]), 2.0)),
    ("poisson", "entropy", (np.array([0.0, 1e-3, 1.0, 50.0, 99.0, 100.0, 1000.0]),)),
    ("binom", "logpmf", (np.array([-1.0, 0.0, 1.5, 2.0, 5.0, 6.0]), 5.0, 0.3)),
    ("geom", "logpmf", (np.array([-1.0, 0.0, 1.0, 1.5, 3.0]), 0.3)),
    ("nbinom", "logpmf", (np.array([-1.0, 0.0, 1.5, 3.0]), 5.0, 0.3)),
    ("betabinom", "logpmf", (np.array([-1.0, 0.0, 1.5, 3.0, 5.0, 6.0]), 5.0, 2.0, 3.0)),
    ("bernoulli", "logpmf", (np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), 0.3)),
    ("bernoulli", "cdf", (np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), 0.3)),
    ("bernoulli", "ppf", (np.array([-0.5, 0.0, 0.5, 0.7, 0.8, 1.0]), 0.3)),
]


@pytest.mark.parametrize("name, fn, args", EDGE_CASES,
                         ids=[f"{n}.{f}-{i}" for i, (n, f, _) in enumerate(EDGE_CASES)])
def test_edges_and_tails_match_scipy(name, fn, args):
    with np.errstate(all="ignore"):
        want = scipy_reference(name, fn, args)
        got = funcad_function(name, fn)(*args)
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=0)


def test_out_of_support_densities_are_zero():
    assert fstats.expon.pdf(-1.0) == 0.0
    assert fstats.uniform.pdf(2.0) == 0.0
    assert fstats.poisson.pmf(-1.0, 2.0) == 0.0
    assert fstats.beta.pdf(1.5, 2.0, 2.0) == 0.0


@pytest.mark.parametrize("name, fn, x, params", [
    ("expon", "logpdf", -1.0, ()), ("gamma", "logpdf", -1.0, (2.0,)),
    ("beta", "logpdf", 1.5, (2.0, 3.0)), ("pareto", "logpdf", 0.5, (2.0,)),
    ("truncnorm", "logpdf", 3.0, (-1.0, 2.0)), ("uniform", "logpdf", 2.0, ()),
    ("wrapcauchy", "logpdf", 7.0, (0.5,)),
])
def test_no_nan_derivatives_outside_the_support(name, fn, x, params):
    f = funcad_function(name, fn)
    for position in range(1 + len(params)):
        def of_one(v, position=position):
            args = [x, *params]
            args[position] = v
            return f(*args)
        value = ([x, *params])[position]
        assert funcad.grad(of_one)(value) == 0.0
        assert funcad.jvp(of_one, (value,), (1.0,))[1] == 0.0


def test_log_ndtr_derivative_in_the_far_tail():
    """d/dx log Phi(x) = phi(x) / Phi(x) ~ -x for x -> -inf (no 0 / 0)."""
    for x in (-10.0, -30.0, -100.0):
        g = funcad.grad(fstats.norm.logcdf)(x)
        want = np.exp(scipy.stats.norm.logpdf(x) - scipy.stats.norm.logcdf(x))
        np.testing.assert_allclose(g, want, rtol=1e-6)
    check_grads(fstats.norm.logcdf, (np.array([-30.0, -19.0, -21.0, 4.0, 6.0]),), order=2,
                modes=("fwd", "rev"))


@pytest.mark.parametrize("fn", ["logpdf", "logcdf", "logsf"])
@pytest.mark.parametrize("x, a, b", [([5.5, 6.0, 8.0], 5.0, 9.0), ([-5.5, -6.0, -8.0], -9.0, -5.0),
                                     ([-0.5, 0.0, 0.8], -1.0, 1.0)])
def test_truncnorm_derivatives_in_the_tails(fn, x, a, b):
    x = 0.1 + 1.2 * np.array(x)  # (x given in standard units)
    check_grads(funcad_function("truncnorm", fn), (x, a, b, 0.1, 1.2), order=2,
                modes=("fwd", "rev"))


@pytest.mark.parametrize("fn", ["logcdf", "logsf"])
def test_norm_log_tails_derivatives(fn):
    check_grads(funcad_function("norm", fn), (np.array([-30.0, -8.0, 0.0, 8.0, 30.0]), 0.1, 1.3),
                order=2, modes=("fwd", "rev"))


def test_cauchy_tails_keep_their_precision():
    far = 1e8
    np.testing.assert_allclose(fstats.cauchy.logcdf(-far), -np.log(np.pi * far), rtol=1e-12)
    np.testing.assert_allclose(fstats.cauchy.logsf(far), -np.log(np.pi * far), rtol=1e-12)
    np.testing.assert_allclose(fstats.cauchy.cdf(-far), 1 / (np.pi * far), rtol=1e-12)


def test_shape_parameter_derivatives_of_the_cdfs():
    """jax.grad(jax.scipy.stats.gamma.cdf, 1)(1.0, 2.0) and its gennorm counterpart; the beta
    CDFs have none in a or b (refused, as in JAX)."""
    np.testing.assert_allclose(funcad.grad(fstats.gamma.cdf, argnums=1)(1.0, 2.0),
                               -0.2761960457028346, rtol=1e-8)
    np.testing.assert_allclose(funcad.grad(fstats.gennorm.cdf, argnums=1)(0.5, 1.5),
                               0.05507290394552765, rtol=1e-8)
    with pytest.raises(ValueError, match="derivative"):
        funcad.grad(fstats.beta.cdf, argnums=1)(0.3, 2.0, 3.0)


# ---------------------------------------------------------------------------------------------
# Multivariate distributions


@pytest.mark.parametrize("points", [(), (5,), (2, 3)])
def test_multivariate_normal_matches_scipy(points):
    rng = np.random.default_rng(4)
    n = 3
    a = rng.standard_normal((n, n))
    cov = a @ a.T + n * np.eye(n)
    mean = rng.standard_normal(n)
    x = rng.standard_normal(points + (n,))
    want = scipy.stats.multivariate_normal.logpdf(x, mean, cov)
    np.testing.assert_allclose(fstats.multivariate_normal.logpdf(x, mean, cov), want,
                               rtol=1e-10)
    np.testing.assert_allclose(fstats.multivariate_normal.pdf(x, mean, cov), np.exp(want),
                               rtol=1e-10)

    def f(x, mean, a):
        return fstats.multivariate_normal.logpdf(x, mean, a @ a.T + n * np.eye(n))

    check_grads(f, (x, mean, a), order=2, modes=("fwd", "rev"))


def test_multivariate_normal_stacked_covariances_scalar_and_univariate():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((4, 2, 2))
    covs = a @ np.swapaxes(a, -1, -2) + 2 * np.eye(2)
    x = rng.standard_normal((4, 2))
    mean = rng.standard_normal(2)
    want = [scipy.stats.multivariate_normal.logpdf(x[i], mean, covs[i]) for i in range(4)]
    np.testing.assert_allclose(fstats.multivariate_normal.logpdf(x, mean, covs), want,
                               rtol=1e-10)
    np.testing.assert_allclose(
        funcad.vmap(fstats.multivariate_normal.logpdf, in_axes=(0, None, 0))(x, mean, covs),
        want, rtol=1e-10)
    np.testing.assert_allclose(funcad.jit(fstats.multivariate_normal.logpdf)(x, mean, covs),
                               want, rtol=1e-10)
    np.testing.assert_allclose(fstats.multivariate_normal.logpdf(x, mean, 2.0),
                               scipy.stats.multivariate_normal.logpdf(x, mean, 2.0), rtol=1e-12)
    np.testing.assert_allclose(fstats.multivariate_normal.logpdf(0.3, 0.1, 2.0),
                               scipy.stats.norm.logpdf(0.3, 0.1, np.sqrt(2.0)), rtol=1e-12)
    with pytest.raises(ValueError, match="cov"):
        fstats.multivariate_normal.logpdf(x, mean, np.eye(3))
    with pytest.raises(NotImplementedError, match="allow_singular"):
        fstats.multivariate_normal.logpdf(x, mean, np.eye(2), allow_singular=True)
    assert np.isnan(fstats.multivariate_normal.logpdf(x[0], mean, -np.eye(2)))


def test_multivariate_normal_reads_both_triangles_as_jax():
    """Recorded from jax.scipy.stats (x64): cov is symmetrized, so is its gradient."""
    cov = np.array([[2.0, 0.5], [0.3, 1.0]])
    f = lambda c: fstats.multivariate_normal.logpdf(np.ones(2), np.zeros(2), c)  # noqa: E731
    np.testing.assert_allclose(f(cov), -2.740585939176314, rtol=1e-12)
    np.testing.assert_allclose(funcad.grad(f)(cov), [[-0.21857278, 0.25047259],
                                                     [0.25047259, -0.16540643]], rtol=1e-7)
    np.testing.assert_allclose(funcad.grad(f)(2 * np.eye(2)), [[-0.125, 0.125],
                                                               [0.125, -0.125]], rtol=1e-12)


@pytest.mark.parametrize("x_shape", [(3,), (3, 4), (2, 4)])
def test_dirichlet_matches_scipy(x_shape):
    rng = np.random.default_rng(6)
    alpha = np.array([1.5, 2.0, 3.0])
    raw = rng.uniform(0.2, 1.0, (3,) + x_shape[1:])
    x = (raw / raw.sum(0))[: x_shape[0]]
    want = scipy.stats.dirichlet.logpdf(x, alpha)
    np.testing.assert_allclose(fstats.dirichlet.logpdf(x, alpha), want, rtol=1e-10)
    np.testing.assert_allclose(fstats.dirichlet.pdf(x, alpha), np.exp(want), rtol=1e-10)
    if x_shape[0] == 2:  # off the simplex's boundary, x's free coordinates can move
        check_grads(fstats.dirichlet.logpdf, (x, alpha), order=2, modes=("fwd", "rev"))
    else:
        check_grads(lambda al: fstats.dirichlet.logpdf(x, al), (alpha,), order=2,
                    modes=("fwd", "rev"))
    assert fstats.dirichlet.logpdf(np.array([0.2, 0.3, 0.6]), alpha) == -np.inf
    with pytest.raises(ValueError, match="alpha"):
        fstats.dirichlet.logpdf(np.ones(3) / 3, np.ones((3, 1)))
    with pytest.raises(ValueError, match="x"):
        fstats.dirichlet.logpdf(np.ones(5) / 5, alpha)


def test_multinomial_matches_scipy_row_by_row():
    p = np.array([0.2, 0.3, 0.5])
    x = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 4.0], [1.0, 2.0, 2.0], [1.5, 2.0, 0.5]])
    want = scipy.stats.multinomial.logpmf(x, 4, p)
    np.testing.assert_allclose(fstats.multinomial.logpmf(x, 4, p), want, rtol=1e-10)
    np.testing.assert_allclose(fstats.multinomial.pmf(x, 4, p), np.exp(want), rtol=1e-10)
    check_grads(lambda p: fstats.multinomial.logpmf(x[:2], 4, p), (p,), order=2,
                modes=("fwd", "rev"))
    np.testing.assert_allclose(funcad.vmap(fstats.multinomial.logpmf, (0, None, None))(x, 4, p),
                               want, rtol=1e-10)


# ---------------------------------------------------------------------------------------------
# Summary statistics


SAMPLES = np.array([[3.0, 1.0, 3.0], [2.0, 2.0, 1.0], [3.0, 1.0, 1.0], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize("method", ["average", "min", "max", "dense", "ordinal"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_rankdata_matches_scipy(method, axis):
    got = fstats.rankdata(SAMPLES, method, axis=axis)
    want = scipy.stats.rankdata(SAMPLES, method, axis=axis)
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(funcad.jit(lambda a: fstats.rankdata(a, method, axis=axis))(
        SAMPLES), want)


def test_rankdata_and_mode_batch():
    ranks = funcad.vmap(lambda row: fstats.rankdata(row, "min"))(SAMPLES)
    np.testing.assert_array_equal(ranks, scipy.stats.rankdata(SAMPLES, "min", axis=1))
    modes = funcad.vmap(lambda row: fstats.mode(row).mode)(SAMPLES)
    np.testing.assert_array_equal(modes, scipy.stats.mode(SAMPLES, axis=1).mode)


def test_rankdata_nans_and_bad_arguments():
    np.testing.assert_array_equal(fstats.rankdata(np.array([1.0, np.nan, 3.0])),
                                  [np.nan] * 3)
    np.testing.assert_array_equal(fstats.rankdata(np.array([3, 1, 2])), [3.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="method"):
        fstats.rankdata(SAMPLES, "mean")
    with pytest.raises(NotImplementedError, match="nan_policy"):
        fstats.rankdata(SAMPLES, nan_policy="omit")
    np.testing.assert_array_equal(funcad.grad(lambda a: fstats.rankdata(a).sum())(SAMPLES),
                                  np.zeros_like(SAMPLES))


@pytest.mark.parametrize("axis, keepdims", [(0, False), (1, False), (1, True), (None, False),
                                            (None, True), (-1, True)])
def test_mode_matches_scipy(axis, keepdims):
    got = fstats.mode(SAMPLES, axis=axis, keepdims=keepdims)
    want = scipy.stats.mode(SAMPLES, axis=axis, keepdims=keepdims)
    np.testing.assert_array_equal(got.mode, want.mode)
    np.testing.assert_array_equal(got.count, want.count)
    jitted = funcad.jit(lambda a: fstats.mode(a, axis=axis, keepdims=keepdims))(SAMPLES)
    np.testing.assert_array_equal(jitted.mode, want.mode)


def test_mode_values_derivative_reaches_the_chosen_sample():
    a = np.array([1.0, 2.0, 2.0, 5.0])
    g = funcad.grad(lambda a: fstats.mode(a).mode)(a)
    assert g.sum() == 1.0 and g[1] + g[2] == 1.0
    assert fstats.mode(np.array([1, 2, 2, 5])).mode.dtype == np.array([1]).dtype
    scalar = fstats.mode(np.float64(3.0))
    assert (np.shape(scalar.mode), scalar.mode, scalar.count) == ((), 3.0, 1)
    empty = fstats.mode(np.array([], float))
    assert np.isnan(empty.mode) and empty.count == 0


@pytest.mark.parametrize("axis, ddof, keepdims", [(0, 1, False), (1, 0, True), (None, 1, False)])
def test_sem_matches_scipy(axis, ddof, keepdims):
    got = fstats.sem(SAMPLES, axis=axis, ddof=ddof, keepdims=keepdims)
    np.testing.assert_allclose(got, scipy.stats.sem(SAMPLES, axis=axis, ddof=ddof,
                                                    keepdims=keepdims), rtol=1e-12)
    rng = np.random.default_rng(7)
    check_grads(lambda a: fstats.sem(a, axis=axis, ddof=ddof), (rng.standard_normal((4, 3)),),
                order=2, modes=("fwd", "rev"))


def test_sem_nan_policies():
    b = np.array([1.0, np.nan, 3.0, 4.0])
    assert np.isnan(fstats.sem(b))
    np.testing.assert_allclose(fstats.sem(b, nan_policy="omit"),
                               scipy.stats.sem(b, nan_policy="omit"), rtol=1e-12)
    with pytest.raises(ValueError, match="nan_policy"):
        fstats.sem(b, nan_policy="raise")


def test_live_cross_check_with_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.scipy.stats as jstats

    x = np.linspace(-3, 3, 7)
    for name in ("norm", "cauchy", "logistic", "laplace", "gumbel_r"):
        for fn in ("logpdf", "cdf"):
            np.testing.assert_allclose(funcad_function(name, fn)(x, 0.2, 1.3),
                                       getattr(getattr(jstats, name), fn)(x, 0.2, 1.3),
                                       rtol=1e-10)


# ---------------------------------------------------------------------------------------------
# gaussian_kde


KDE_SETUPS = [((20,), None, None), ((2, 30), "weights", "silverman"), ((3, 25), None, 0.4),
              ((2, 15), None, lambda kde: 0.5 * kde.neff ** (-1 / 6))]


@pytest.mark.parametrize("shape, weights, bw", KDE_SETUPS, ids=["1d", "weights", "scalar",
                                                                "callable"])
def test_gaussian_kde_matches_scipy(shape, weights, bw):
    rng = np.random.default_rng(8)
    data = rng.standard_normal(shape)
    w = rng.uniform(0.5, 1.0, shape[-1]) if weights else None
    ours, theirs = fstats.gaussian_kde(data, bw, w), scipy.stats.gaussian_kde(data, bw, w)
    points = rng.standard_normal((ours.d, 5))
    np.testing.assert_allclose(ours(points), theirs(points), rtol=1e-10)
    np.testing.assert_allclose(ours.pdf(points), theirs.pdf(points), rtol=1e-10)
    np.testing.assert_allclose(ours.logpdf(points), theirs.logpdf(points), rtol=1e-10)
    np.testing.assert_allclose(ours.covariance, theirs.covariance, rtol=1e-10)
    np.testing.assert_allclose(ours.inv_cov, theirs.inv_cov, rtol=1e-10)
    np.testing.assert_allclose(ours.neff, theirs.neff, rtol=1e-12)
    assert (ours.d, ours.n) == (theirs.d, theirs.n)
    mean, cov = rng.standard_normal(ours.d), 0.5 * np.eye(ours.d)
    np.testing.assert_allclose(ours.integrate_gaussian(mean, cov),
                               theirs.integrate_gaussian(mean, cov), rtol=1e-10)
    other = rng.standard_normal((ours.d, 7))
    np.testing.assert_allclose(ours.integrate_kde(fstats.gaussian_kde(other)),
                               theirs.integrate_kde(scipy.stats.gaussian_kde(other)), rtol=1e-10)
    if ours.d == 1:
        np.testing.assert_allclose(ours.integrate_box_1d(-0.5, 1.0),
                                   theirs.integrate_box_1d(-0.5, 1.0), rtol=1e-10)
    assert ours.resample(0, (4,)).shape == (ours.d, 4)


def test_gaussian_kde_derivatives_jit_and_errors():
    rng = np.random.default_rng(9)
    data, points = rng.standard_normal((2, 12)), rng.standard_normal((2, 3))
    check_grads(lambda data, points: fstats.gaussian_kde(data).logpdf(points), (data, points),
                order=2, modes=("fwd", "rev"))
    check_grads(lambda w: fstats.gaussian_kde(data, weights=w).pdf(points),
                (rng.uniform(0.5, 1.0, 12),), order=2, modes=("fwd", "rev"))
    kde = fstats.gaussian_kde(data)
    np.testing.assert_allclose(funcad.jit(lambda k, p: k.logpdf(p))(kde, points),
                               kde.logpdf(points), rtol=1e-12)
    np.testing.assert_allclose(
        funcad.vmap(lambda p: kde.logpdf(p[:, None])[0], in_axes=1)(points),
        kde.logpdf(points), rtol=1e-12)
    with pytest.raises(ValueError, match="dimension"):
        kde.logpdf(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="multiple elements"):
        fstats.gaussian_kde(np.array([1.0]))
    with pytest.raises(ValueError, match="weights"):
        fstats.gaussian_kde(data, weights=np.ones(5))
    with pytest.raises(ValueError, match="bw_method"):
        fstats.gaussian_kde(data, "wide")
    with pytest.raises(NotImplementedError, match="bandwidth"):
        kde.set_bandwidth("scott")
    with pytest.raises(NotImplementedError, match="integrate_box"):
        kde.integrate_box([0, 0], [1, 1])
    with pytest.raises(ValueError, match="1-D"):
        kde.integrate_box_1d(0.0, 1.0)


# ---------------------------------------------------------------------------------------------
# Random shapes (size 0 included), and SciPy being optional


LOC_SCALE_FUNCTIONS = [(name, fn) for name in ("norm", "cauchy", "logistic", "laplace",
                                               "gumbel_r", "gumbel_l")
                       for fn in JAX_STATS[name] if fn not in ("ppf", "isf")]


@given(st.sampled_from(LOC_SCALE_FUNCTIONS), st.data())
def test_location_scale_families_broadcast_like_scipy(case, data):
    name, fn = case
    shapes = data.draw(broadcastable_shapes(3, min_side=0))
    x = data.draw(arrays(shapes.input_shapes[0], Domain(-3.0, 3.0)))
    loc = data.draw(arrays(shapes.input_shapes[1], Domain(-1.0, 1.0)))
    scale = data.draw(arrays(shapes.input_shapes[2], Domain(0.5, 2.0)))
    got = funcad_function(name, fn)(x, loc, scale)
    want = scipy_function(name, fn)(x, loc, scale)
    assert np.shape(got) == np.shape(want) == shapes.result_shape
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-12)


def test_without_scipy_the_special_functions_name_the_extra(monkeypatch):
    monkeypatch.setattr(lax_ops, "_scipy_special", None)
    monkeypatch.setattr(lax_ops, "_SCIPY_INSTALLED", False)
    for f, args in ((fstats.norm.cdf, (0.5,)), (fstats.gamma.logpdf, (1.0, 2.0)),
                    (fstats.t.logpdf, (0.5, 3.0)), (fstats.poisson.logpmf, (2.0, 1.5))):
        with pytest.raises(ImportError, match=r"funcad\[scipy\]"):
            f(*args)
    # densities that need no special function still work
    np.testing.assert_allclose(fstats.norm.logpdf(0.5), -0.5 * 0.25 - 0.5 * np.log(2 * np.pi))
    np.testing.assert_allclose(fstats.cauchy.cdf(1.0), 0.75)
