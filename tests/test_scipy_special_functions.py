"""funcad.scipy.special at jax.scipy.special's breadth: values against SciPy, derivatives
against finite differences (order 2, both modes) and against JAX's numbers (recorded here,
so that the tests run without JAX), vmap and jit agreement, dtypes and refusals."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import broadcastable_shapes

import funcad
import funcad.scipy.special as fs
from funcad.primitives import lax_ops
from funcad.test_util import check_grads

# dir(jax.scipy.special) of jax 0.10.2, public names.
JAX_NAMES = [
    "bernoulli", "bessel_jn", "beta", "betainc", "betaln", "boxcox", "boxcox1p", "comb",
    "dawsn", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp1", "expi", "expit",
    "expn", "factorial", "fresnel", "gamma", "gammainc", "gammaincc", "gammaln", "gammasgn",
    "hyp1f1", "hyp2f1", "i0", "i0e", "i1", "i1e", "kl_div", "log_ndtr", "log_softmax",
    "loggamma", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "owens_t", "poch",
    "polygamma", "rel_entr", "sici", "softmax", "spence", "sph_harm_y", "wofz", "xlog1py",
    "xlogy", "zeta",
]
STILL_MISSING: set = set()


def test_namespace_covers_jax_scipy_special():
    assert set(JAX_NAMES) - set(fs.__all__) == STILL_MISSING
    for name in fs.__all__:
        assert callable(getattr(fs, name))


def _uniform(lo, hi):
    return lambda rng, shape: rng.uniform(lo, hi, shape)


def _orders(lo, hi):
    return lambda rng, shape: rng.integers(lo, hi + 1, shape)


REAL = _uniform(-2.0, 2.0)
POSITIVE = _uniform(0.3, 3.0)

# name: (funcad function, SciPy function, one sampler per argument, differentiable args)
FUNCTIONS = {
    "erf": (fs.erf, scipy.special.erf, [REAL], [0]),
    "erfc": (fs.erfc, scipy.special.erfc, [REAL], [0]),
    "erfinv": (fs.erfinv, scipy.special.erfinv, [_uniform(-0.9, 0.9)], [0]),
    "erfcx": (fs.erfcx, scipy.special.erfcx, [REAL], [0]),
    "dawsn": (fs.dawsn, scipy.special.dawsn, [REAL], [0]),
    "ndtr": (fs.ndtr, scipy.special.ndtr, [_uniform(-4.0, 4.0)], [0]),
    "log_ndtr": (fs.log_ndtr, scipy.special.log_ndtr, [_uniform(-10.0, 5.0)], [0]),
    "ndtri": (fs.ndtri, scipy.special.ndtri, [_uniform(0.05, 0.95)], [0]),
    "gammaln": (fs.gammaln, scipy.special.gammaln, [POSITIVE], [0]),
    "loggamma": (fs.loggamma, scipy.special.loggamma, [POSITIVE], [0]),
    "gamma": (fs.gamma, scipy.special.gamma, [POSITIVE], [0]),
    "gammasgn": (fs.gammasgn, scipy.special.gammasgn, [_uniform(-3.9, 3.9)], []),
    "digamma": (fs.digamma, scipy.special.digamma, [POSITIVE], [0]),
    "polygamma": (fs.polygamma, scipy.special.polygamma, [_orders(0, 3), POSITIVE], [1]),
    "beta": (fs.beta, scipy.special.beta, [POSITIVE, POSITIVE], [0, 1]),
    "betaln": (fs.betaln, scipy.special.betaln, [POSITIVE, POSITIVE], [0, 1]),
    "betainc": (fs.betainc, scipy.special.betainc,
                [POSITIVE, POSITIVE, _uniform(0.1, 0.9)], [2]),
    "gammainc": (fs.gammainc, scipy.special.gammainc, [POSITIVE, POSITIVE], [0, 1]),
    "gammaincc": (fs.gammaincc, scipy.special.gammaincc, [POSITIVE, POSITIVE], [0, 1]),
    "xlogy": (fs.xlogy, scipy.special.xlogy, [REAL, POSITIVE], [0, 1]),
    "xlog1py": (fs.xlog1py, scipy.special.xlog1py, [REAL, POSITIVE], [0, 1]),
    "entr": (fs.entr, scipy.special.entr, [POSITIVE], [0]),
    "rel_entr": (fs.rel_entr, scipy.special.rel_entr, [POSITIVE, POSITIVE], [0, 1]),
    "kl_div": (fs.kl_div, scipy.special.kl_div, [POSITIVE, POSITIVE], [0, 1]),
    "i0": (fs.i0, scipy.special.i0, [REAL], [0]),
    "i0e": (fs.i0e, scipy.special.i0e, [REAL], [0]),
    "i1": (fs.i1, scipy.special.i1, [REAL], [0]),
    "i1e": (fs.i1e, scipy.special.i1e, [REAL], [0]),
    "zeta": (fs.zeta, scipy.special.zeta, [_uniform(2.0, 4.0), POSITIVE], [0, 1]),
    "spence": (fs.spence, scipy.special.spence, [POSITIVE], [0]),
    "expi": (fs.expi, scipy.special.expi, [POSITIVE], [0]),
    "exp1": (fs.exp1, scipy.special.exp1, [POSITIVE], [0]),
    "expn": (fs.expn, scipy.special.expn, [_orders(0, 4), POSITIVE], [1]),
    "poch": (fs.poch, scipy.special.poch, [POSITIVE, _uniform(0.1, 2.0)], [0, 1]),
    "factorial": (fs.factorial, lambda n: scipy.special.factorial(n, exact=False),
                  [_uniform(0.3, 4.0)], [0]),
    "comb": (fs.comb, scipy.special.comb, [_uniform(3.0, 6.0), _uniform(0.5, 2.5)], [0, 1]),
    "hyp1f1": (fs.hyp1f1, scipy.special.hyp1f1,
               [_uniform(0.5, 2.0), _uniform(0.5, 2.0), REAL], [0, 1, 2]),
    "hyp2f1": (fs.hyp2f1, scipy.special.hyp2f1,
               [_uniform(0.5, 2.0), _uniform(0.5, 2.0), _uniform(1.0, 2.5),
                _uniform(-0.5, 0.5)], [0, 1, 2, 3]),
    "owens_t": (fs.owens_t, scipy.special.owens_t, [REAL, REAL], [0, 1]),
    "boxcox": (fs.boxcox, scipy.special.boxcox, [POSITIVE, _uniform(-1.0, 1.0)], [0, 1]),
    "boxcox1p": (fs.boxcox1p, scipy.special.boxcox1p,
                 [_uniform(-0.5, 2.0), _uniform(-1.0, 1.0)], [0, 1]),
    "expit": (fs.expit, scipy.special.expit, [REAL], [0]),
    "logit": (fs.logit, scipy.special.logit, [_uniform(0.1, 0.9)], [0]),
    "wofz": (fs.wofz, scipy.special.wofz, [REAL], [0]),
}
SHAPES = [(), (3,), (2, 3)]


def _sample(name, shapes, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(sampler(rng, shape) for sampler, shape in zip(FUNCTIONS[name][2], shapes))


def _partial(f, args, argnums):
    """f as a function of its differentiable arguments only."""
    def g(*diff):
        full = list(args)
        for i, value in zip(argnums, diff):
            full[i] = value
        return f(*full)

    return g, tuple(args[i] for i in argnums)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("shape", SHAPES + [(0,)])
def test_values_match_scipy(name, shape):
    f, reference, samplers, _ = FUNCTIONS[name]
    args = _sample(name, [shape] * len(samplers))
    out = f(*args)
    expected = reference(*args)
    assert np.shape(out) == np.shape(expected)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", sorted(n for n in FUNCTIONS if FUNCTIONS[n][3]))
@pytest.mark.parametrize("shape", SHAPES + [(0,)])
def test_derivatives_order_two_both_modes(name, shape):
    f, _, samplers, argnums = FUNCTIONS[name]
    args = _sample(name, [shape] * len(samplers), seed=1)
    g, diff = _partial(f, args, argnums)
    check_grads(g, diff, order=2, modes=("fwd", "rev"))


@settings(max_examples=6, deadline=None)
@given(data=st.data())
@pytest.mark.parametrize("name", [n for n in sorted(FUNCTIONS) if len(FUNCTIONS[n][2]) > 1])
def test_functions_of_several_operands_broadcast(name, data):
    f, reference, samplers, argnums = FUNCTIONS[name]
    shapes = data.draw(broadcastable_shapes(num_shapes=len(samplers), max_dims=2)).input_shapes
    args = _sample(name, shapes, seed=2)
    np.testing.assert_allclose(f(*args), reference(*args), rtol=1e-12)
    g, diff = _partial(f, args, argnums)
    check_grads(g, diff, order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_vmap_and_jit_agree_with_per_example_values(name):
    f, _, samplers, argnums = FUNCTIONS[name]
    args = _sample(name, [(4, 2)] * len(samplers), seed=3)
    stacked = np.stack([f(*(a[i] for a in args)) for i in range(4)])
    np.testing.assert_allclose(funcad.vmap(f)(*args), stacked, rtol=1e-13)
    np.testing.assert_allclose(funcad.jit(f)(*args), f(*args), rtol=1e-13)
    if argnums and name != "wofz":
        i = argnums[-1]

        def summed(*a):
            return funcad.numpy.sum(f(*a))

        per_example = np.stack([funcad.grad(summed, i)(*(a[k] for a in args))
                                for k in range(4)])
        np.testing.assert_allclose(funcad.vmap(funcad.grad(summed, i))(*args), per_example,
                                   rtol=1e-12)
        np.testing.assert_allclose(funcad.jit(funcad.grad(summed, i))(*args),
                                   funcad.grad(summed, i)(*args), rtol=1e-12)


# Computed with jax 0.10.2 (x64): (name, args, argnum, value, first and second derivative
# in that argument; None where JAX has no second derivative).
JAX_DERIVATIVES = [
    ('ndtr', (0.7,), 0, 0.758036347776927, 0.31225393336676127, -0.21857775335673296),
    ('ndtr', (-3.0,), 0, 0.001349898031630093, 0.004431848411938004, 0.013295545235814015),
    ('log_ndtr', (-30.0,), 0, -454.3212439565018, 30.033259672197733, -0.998896371726687),
    ('log_ndtr', (-3.0,), 0, -6.607726221510351, 3.283098654930443, -0.9294408132147556),
    ('log_ndtr', (0.5,), 0, -0.36894641528865635, 0.5091604338370335, -0.5138245643036329),
    ('log_ndtr', (8.0,), 0, -6.661338147750941e-16, 5.052271083536886e-15,
     -4.041816866829511e-14),
    ('ndtri', (0.3,), 0, -0.5244005127080408, 2.876103659264292, -4.337826493638963),
    ('ndtri', (1e-08,), 0, -5.612001244174789, 17300007.889603723, -1679617384335141.2),
    ('gammaln', (2.5,), 0, 0.2846828704729196, 0.7031566406452437, 0.4903577561002349),
    ('gammaln', (-1.5,), 0, 0.8600470153764805, 0.703156640645244, 9.379246644989122),
    ('gamma', (2.5,), 0, 1.3293403881791377, 0.9347345216260867, 1.3091171559626753),
    ('gamma', (-1.5,), 0, 2.3632718012073535, 1.6617502606685974, 23.33417984355456),
    ('digamma', (1.7,), 0, 0.2085478748734939, 0.7932328301639985, -0.6040890841034584),
    ('loggamma', (3.2,), 0, 0.8854048271549102, 0.9988388912866002, 0.36632119073140085),
    ('betaln', (1.5, 2.5), 0, -1.627858836390381, -1.2196276944532236, 0.6509792448075642),
    ('betaln', (1.5, 2.5), 1, -1.627858836390381, -0.552961027786557, 0.2065348003631196),
    ('beta', (1.5, 2.5), 0, 0.1963495408493621, -0.23947333781305655, 0.41988779070038584),
    ('beta', (-0.5, 1.2), 1, -2.5074612496344146, -2.3344054442355953, 1.7550758910587243),
    ('betainc', (2.0, 3.0, 0.4), 2, 0.5248000000000095, 1.7280000000000222, -1.440000000000019),
    ('gammainc', (2.0, 1.5), 1, 0.44217459962892536, 0.33469524022264474,
     -0.11156508007421492),
    ('gammaincc', (2.0, 1.5), 1, 0.5578254003710746, -0.33469524022264474,
     0.11156508007421492),
    ('gammainc', (2.0, 1.5), 0, 0.44217459962892536, -0.3134886378250792, None),
    ('gammainc', (30.0, 25.0), 0, 0.1821039159774551, -0.04995487742583563, None),
    ('gammaincc', (0.5, 4.0), 0, 0.004677734981047264, 0.016565975346630374, None),
    ('xlogy', (0.0, 2.0), 0, 0.0, 0.6931471805599453, 0.0),
    ('xlog1py', (0.0, 1.5), 0, 0.0, 0.9162907318741551, 0.0),
    ('xlog1py', (0.7, 1.5), 1, 0.6414035123119085, 0.27999999999999997, -0.11199999999999999),
    ('entr', (0.4,), 0, 0.366516292749662, -0.083709268125845, -2.5),
    ('rel_entr', (0.5, 2.0), 0, -0.6931471805599453, -0.3862943611198906, 2.0),
    ('rel_entr', (0.5, 2.0), 1, -0.6931471805599453, -0.25, 0.125),
    ('kl_div', (0.5, 2.0), 0, 0.8068528194400546, -1.3862943611198906, 2.0),
    ('kl_div', (0.5, 2.0), 1, 0.8068528194400546, 0.75, 0.125),
    ('erf', (0.3,), 0, 0.3286267594591274, 1.031260909618963, -0.6187565457713778),
    ('erfc', (0.3,), 0, 0.6713732405408726, -1.031260909618963, 0.6187565457713778),
    ('erfinv', (0.6,), 0, 0.5951160814499948, 1.2628624281411842, 1.898207858155958),
    ('erfcx', (1.3,), 0, 0.35764266908609027, -0.19850822747167784, 0.19916394674581817),
    ('dawsn', (0.8,), 0, 0.5321017070563654, 0.1486372687098153, -1.3020230440484353),
    ('i0', (1.3,), 0, 1.4692777979442508, 0.7973293149792692, 0.8559475556525054),
    ('i0e', (-1.3,), 0, 0.4004249127388123, 0.1831273248889311, 0.19910265912410743),
    ('i1', (1.3,), 0, 0.7973293149792692, 0.8559475556525054, 0.6107006123940691),
    ('i1e', (-1.3,), 0, -0.2172975878498812, 0.01597533423517633, 0.08281292341750865),
    ('zeta', (3.0, 1.5), 1, 0.41439832211716, -0.7045455170012185, 1.7371249133336129),
    ('zeta', (3.0, 1.5), 0, 0.41439832211716, -0.26644231829748455, 0.2575688595679264),
    ('hyp1f1', (2.0, 1.5, 0.3), 0, 1.4809617006415705, 0.269863413945876, None),
    ('hyp1f1', (2.0, 1.5, 0.3), 1, 1.4809617006415705, -0.3557582438122738, None),
    ('hyp2f1', (2.0, 1.5, 1.3, 0.3), 0, 2.2637227041545898, 0.9062154208519264, None),
    ('hyp2f1', (2.0, 1.5, 1.3, 0.3), 1, 2.2637227041545898, 1.165895733416379, None),
    ('hyp2f1', (2.0, 1.5, 1.3, 0.3), 2, 2.2637227041545898, -1.320637846715148, None),
    ('spence', (0.5,), 0, 0.5822405264650135, -1.3862943611199001, 1.2274112777598516),
    ('spence', (2.5,), 0, -1.1473806603755703, -0.6108604879161039, 0.1405736586107373),
    ('expi', (1.2,), 0, 2.4420922851926514, 2.7667641022804563, 0.4611273503800762),
    ('expi', (-1.2,), 0, -0.1584084368514625, -0.2509951765935018, -0.4601578237547533),
    ('exp1', (1.2,), 0, 0.1584084368514625, -0.25099517659350185, None),
    ('expn', (0, 1.3), 1, 0.20963984079539427, -0.37090125679185143, None),
    ('expn', (2, 1.3), 1, 0.0964455478301448, -0.13545095784912914, None),
    ('poch', (0.7, 0.3), 0, 0.7703831838665656, 0.49520838798551736, -0.5977504105043951),
    ('poch', (0.7, 0.3), 1, 0.7703831838665656, -0.4446772417044999, 1.5239042134061573),
    ('hyp1f1', (2.0, 1.5, 0.3), 2, 1.4809617006415705, 1.9055609920409158, 2.250834036113473),
    ('hyp2f1', (2.0, 1.5, 1.3, 0.3), 3, 2.2637227041545898, 7.358906544960014,
     34.09101637957985),
    ('owens_t', (0.7, 0.3), 0, 0.036048111267421294, -0.025968961670415715,
     -0.018378095201414747),
    ('owens_t', (0.7, 0.3), 1, 0.036048111267421294, 0.11179317544558327,
     -0.0779711245587117),
    ('factorial', (3.0,), 0, 6.0000000000000036, 7.536706010590809, 11.169927316101958),
    ('comb', (5.0, 2.0), 0, 10.00000000000002, 4.500000000000007, 0.9999999999999991),
    ('comb', (5.0, 2.0), 1, 10.00000000000002, 3.3333333333333446, -5.676459114742315),
    ('boxcox', (1.7, 0.4), 0, 0.5911464215075987, 0.7273285697664938, -0.25670420109405667),
    ('boxcox', (1.7, 0.4), 1, 0.5911464215075987, 0.1623835656526671, 0.058444958595772256),
    ('boxcox1p', (0.7, -0.3), 0, 0.49054798213971185, 0.5016680031518156,
     -0.3836284729984472),
    ('boxcox1p', (0.7, -0.3), 1, 0.49054798213971185, 0.1266977214166769,
     0.044218807023833406),
    ('expit', (0.4,), 0, 0.5986876601124521, 0.24026074574152914, -0.04742154162820861),
    ('logit', (0.3,), 0, -0.8472978603872036, 4.761904761904762, -9.070294784580499),
    ('polygamma', (2, 1.5), 1, -0.828796644234319, 1.4090910340024378, -3.4742498266672275),
]


# Where JAX's own second derivative is less accurate: log_ndtr''(-30) is
# -0.99889622848811 (40-digit mpmath), JAX's asymptotic series gives -0.99889637.
# zeta's second derivative in x is a difference of SciPy's kernel (about 1e-8 relative).
LOOSER = {("log_ndtr", (-30.0,)): 2e-7, ("zeta", (3.0, 1.5)): 1e-7}


@pytest.mark.parametrize("name, args, argnum, value, first, second", JAX_DERIVATIVES)
def test_derivatives_match_recorded_jax(name, args, argnum, value, first, second):
    f = getattr(fs, name)
    np.testing.assert_allclose(f(*args), value, rtol=1e-9, atol=1e-15)
    g, (x,) = _partial(f, args, [argnum])
    np.testing.assert_allclose(funcad.grad(g)(x), first, rtol=1e-9)
    np.testing.assert_allclose(funcad.jvp(g, (x,), (1.0,))[1], first, rtol=1e-9)
    if second is not None:
        rtol = LOOSER.get((name, args), 1e-8)
        np.testing.assert_allclose(funcad.grad(funcad.grad(g))(x), second, rtol=rtol)
        np.testing.assert_allclose(funcad.jvp(funcad.grad(g), (x,), (1.0,))[1], second,
                                   rtol=rtol)


def test_parameter_derivatives_against_mpmath():
    """Mixed and second derivatives in the parameters (40-digit mpmath); JAX has none."""
    hyp1f1 = fs.hyp1f1
    assert funcad.grad(funcad.grad(hyp1f1, 0), 1)(2.0, 1.5, 0.3) == pytest.approx(
        -0.2108965627878564, rel=1e-7)
    assert funcad.grad(funcad.grad(hyp1f1, 0), 0)(2.0, 1.5, 0.3) == pytest.approx(
        0.031060344352597778, rel=1e-7)
    assert funcad.grad(funcad.grad(hyp1f1, 0), 2)(2.0, 1.5, 0.3) == pytest.approx(
        1.1687091759406947, rel=1e-7)
    a, b, x = np.array([0.5, 2.0, 3.0]), np.array([1.5, 1.5, 0.7]), np.array([0.3, 0.3, -1.0])
    d_a = funcad.grad(hyp1f1, 0)
    per_example = [d_a(a[i], b[i], x[i]) for i in range(3)]
    np.testing.assert_allclose(funcad.vmap(d_a)(a, b, x), per_example, rtol=1e-13)
    np.testing.assert_allclose(funcad.jit(d_a)(2.0, 1.5, 0.3), 0.269863413945876, rtol=1e-9)
    # jax.grad(jax.grad(jax.scipy.special.zeta, 0), 1)(3.0, 1.5)
    assert funcad.grad(funcad.grad(fs.zeta, 0), 1)(3.0, 1.5) == pytest.approx(
        0.12717682726883098, rel=1e-7)


def test_gammainc_second_derivative_in_a():
    """JAX stops at the first derivative in a; these are mpmath's (40 digits)."""
    for x, a, expected in ((1.5, 2.0, 0.10058919839254356), (25.0, 30.0, 0.009137883116240923)):
        d2 = funcad.grad(funcad.grad(fs.gammainc))(a, x)
        assert d2 == pytest.approx(expected, rel=1e-7)
        assert funcad.grad(funcad.grad(fs.gammaincc))(a, x) == pytest.approx(-d2, rel=1e-12)
    with pytest.raises(NotImplementedError, match="order 3"):
        funcad.grad(funcad.grad(funcad.grad(fs.gammainc)))(2.0, 1.5)


def test_gammainc_derivative_in_a_batches_and_stages():
    a, x = np.array([0.5, 2.0, 7.0, 30.0]), np.array([0.3, 1.5, 9.0, 25.0])
    per_example = [funcad.grad(fs.gammainc)(a[i], x[i]) for i in range(4)]
    np.testing.assert_allclose(funcad.vmap(funcad.grad(fs.gammainc))(a, x), per_example,
                               rtol=1e-13)
    np.testing.assert_allclose(funcad.jit(funcad.grad(fs.gammainc))(a[1], x[1]),
                               -0.3134886378250792, rtol=1e-9)
    second = funcad.vmap(funcad.grad(funcad.grad(fs.gammaincc)))(a, x)
    np.testing.assert_allclose(second, [-funcad.grad(funcad.grad(fs.gammainc))(a[i], x[i])
                                        for i in range(4)], rtol=1e-12)
    assert funcad.grad(fs.gammainc)(np.float32(2), np.float32(1.5)).dtype == np.float32


def test_log_ndtr_second_derivative_in_the_far_tail():
    # mpmath, 40 digits: d^2/dx^2 log(ncdf(x)) at x = -30
    assert funcad.grad(funcad.grad(fs.log_ndtr))(-30.0) == pytest.approx(
        -0.9988962284881099, rel=1e-9)


def test_log_ndtr_is_accurate_in_both_tails():
    x = np.array([-1e3, -40.0, -20.0, 10.0, 30.0])
    np.testing.assert_allclose(fs.log_ndtr(x), scipy.special.log_ndtr(x), rtol=1e-14)
    slope = funcad.vmap(funcad.grad(fs.log_ndtr))(x)
    assert np.all(np.isfinite(slope))
    np.testing.assert_allclose(slope[:2], [1e3, 40.0], rtol=1e-3)  # ~ -x in the lower tail
    assert 0 <= slope[-1] < 1e-190


def test_ndtri_near_zero_and_ndtr_in_the_lower_tail():
    p = np.array([1e-300, 1e-20, 1 - 1e-10])
    np.testing.assert_allclose(fs.ndtri(p), scipy.special.ndtri(p), rtol=1e-14)
    np.testing.assert_allclose(fs.ndtr(-30.0), scipy.special.ndtr(-30.0), rtol=1e-13)


def test_edge_values_follow_scipy():
    p = np.array([-1.0, 0.0, 0.0, 1.0, 1.0, 0.0])
    q = np.array([1.0, 0.0, -1.0, 0.0, 2.0, 3.0])
    np.testing.assert_array_equal(fs.rel_entr(p, q), scipy.special.rel_entr(p, q))
    np.testing.assert_array_equal(fs.kl_div(p, q), scipy.special.kl_div(p, q))
    x = np.array([-1.0, 0.0, 0.5])
    np.testing.assert_array_equal(fs.entr(x), scipy.special.entr(x))
    g = np.array([-2.5, -1.5, -1.0, 0.0, -0.0, 1.0])
    np.testing.assert_array_equal(fs.gammasgn(g), scipy.special.gammasgn(g))
    np.testing.assert_array_equal(fs.loggamma(np.array([-2.5, 0.0])),
                                  scipy.special.loggamma(np.array([-2.5, 0.0])))
    np.testing.assert_allclose(fs.factorial(np.array([-1.0, 0.0, 4.5])),
                               scipy.special.factorial(np.array([-1.0, 0.0, 4.5])))
    N, k = np.array([5.0, 5.0, 5.0, -1.0]), np.array([2.0, 6.0, -1.0, 0.0])
    np.testing.assert_allclose(fs.comb(N, k), scipy.special.comb(N, k), rtol=1e-13)
    np.testing.assert_allclose(fs.comb(N[:3], k[:3], repetition=True),
                               scipy.special.comb(N[:3], k[:3], repetition=True), rtol=1e-13)
    np.testing.assert_allclose(fs.zeta(np.array([2.0, 3.5])),
                               scipy.special.zeta(np.array([2.0, 3.5])), rtol=1e-14)
    np.testing.assert_allclose(fs.beta(-0.5, 1.2), scipy.special.beta(-0.5, 1.2), rtol=1e-13)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_derivative_conventions_at_the_edges():
    assert funcad.grad(fs.entr)(0.0) == np.inf  # the one-sided limit, as JAX
    assert funcad.grad(fs.xlog1py)(0.0, -1.0) == -np.inf
    assert funcad.grad(fs.rel_entr, (0, 1))(0.0, 2.0) == (0.0, 0.0)
    assert funcad.grad(lambda x: fs.sici(x)[0])(0.0) == 1.0  # Si' = sinc
    assert funcad.grad(fs.spence)(1.0) == -1.0
    # the true derivatives in lmbda at lmbda = 0 (JAX's are 0)
    log_x = np.log(1.7)
    np.testing.assert_allclose(funcad.grad(fs.boxcox, 1)(1.7, 0.0), log_x ** 2 / 2)
    np.testing.assert_allclose(funcad.grad(funcad.grad(fs.boxcox, 1), 1)(1.7, 0.0),
                               log_x ** 3 / 3)
    np.testing.assert_allclose(funcad.grad(fs.boxcox1p, 1)(0.7, 0.0), np.log1p(0.7) ** 2 / 2)
    assert funcad.grad(fs.gammasgn)(-1.5) == 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        # the density of P(1, x) = 1 - e^-x at 0 (JAX: nan)
        assert funcad.grad(fs.gammainc, 1)(1.0, 0.0) == 1.0
        assert funcad.grad(fs.gammaincc, 1)(1.0, 0.0) == -1.0


def test_two_output_functions():
    x = np.linspace(-2.0, 2.0, 5)
    for f, reference in ((fs.fresnel, scipy.special.fresnel), (fs.sici, scipy.special.sici)):
        for ours, theirs in zip(f(x), reference(x)):
            np.testing.assert_allclose(ours, theirs, rtol=1e-13)
    y = np.array([0.3, 1.2, 2.5])
    check_grads(fs.fresnel, (y,), order=2, modes=("fwd", "rev"))
    check_grads(fs.sici, (y,), order=2, modes=("fwd", "rev"))
    assert funcad.vmap(fs.fresnel)(y)[1].shape == (3,)


def test_bessel_jn_stacks_the_orders():
    z = np.array([[0.5, 1.5, 3.0]])
    out = fs.bessel_jn(z, v=3)
    assert out.shape == (4, 1, 3)
    np.testing.assert_allclose(out, [scipy.special.jv(k, z) for k in range(4)], rtol=1e-13)
    # jax.scipy.special.bessel_jn(jnp.array([1.5, 3.]), v=2)
    np.testing.assert_allclose(fs.bessel_jn(np.array([1.5, 3.0]), v=2),
                               [[0.51182767, -0.26005195], [0.55793651, 0.33905896],
                                [0.23208767, 0.48609126]], atol=1e-8)
    check_grads(lambda x: fs.bessel_jn(x, v=2), (z,), order=2, modes=("fwd", "rev"))
    with pytest.raises(ValueError, match="v must be nonnegative"):
        fs.bessel_jn(z, v=-1)


def test_multigammaln():
    a = np.array([1.7, 2.5, 4.0])
    np.testing.assert_allclose(fs.multigammaln(a, 3), scipy.special.multigammaln(a, 3),
                               rtol=1e-13)
    check_grads(lambda x: fs.multigammaln(x, 2), (a,), order=2, modes=("fwd", "rev"))
    # jax.scipy.special.multigammaln(jnp.array(0.4), 2) (JAX does not check SciPy's domain)
    assert fs.multigammaln(np.array(4.0), 2) == pytest.approx(
        scipy.special.multigammaln(4.0, 2), rel=1e-13)
    with pytest.raises(ValueError, match="a must be > "):
        fs.multigammaln(np.array(0.4), 2)
    with pytest.raises(TypeError, match="dimension d"):
        fs.multigammaln(a, 2.5)


def test_polygamma_with_an_array_of_orders():
    n, x = np.array([0, 1, 2, 3]), np.array([1.5])
    np.testing.assert_allclose(fs.polygamma(n, x), scipy.special.polygamma(n, x), rtol=1e-12)
    # jax.scipy.special.polygamma(jnp.array([0, 1, 2]), jnp.array(1.5))
    np.testing.assert_allclose(fs.polygamma(np.array([0, 1, 2]), 1.5),
                               [0.03648997, 0.9348022, -0.82879664], atol=1e-8)
    np.testing.assert_allclose(funcad.jit(fs.polygamma)(n, x), fs.polygamma(n, x))
    with pytest.raises(ValueError, match="integer dtype"):
        fs.polygamma(np.array([1.0]), x)


def test_bernoulli_numbers():
    np.testing.assert_array_equal(fs.bernoulli(6), scipy.special.bernoulli(6))
    assert fs.bernoulli(0).shape == (1,)
    with pytest.raises(ValueError, match="nonnegative"):
        fs.bernoulli(-1)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # (an all-False row)
def test_logsumexp_where_b_and_return_sign():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    where = rng.uniform(size=(3, 4)) < 0.6
    where[0] = False
    for axis in (None, 1):
        expected = scipy.special.logsumexp(a, axis=axis, b=where * b, return_sign=True)
        ours = fs.logsumexp(a, axis=axis, b=b, where=where, return_sign=True)
        np.testing.assert_allclose(ours[0], expected[0], rtol=1e-13)
        np.testing.assert_array_equal(ours[1], expected[1])
    # jax.scipy.special.logsumexp([1., 2, 3], where=[True, False, True]), and all False
    assert fs.logsumexp(np.array([1.0, 2, 3]), where=np.array([True, False, True])) == \
        pytest.approx(3.1269280110429727, rel=1e-14)
    with np.errstate(divide="ignore"):
        assert fs.logsumexp(np.array([1.0, 2.0]), where=np.array([False, False])) == -np.inf
    check_grads(lambda x: fs.logsumexp(x, axis=1, where=where[1:]), (a[1:],), order=2,
                modes=("fwd", "rev"))


UNARY_DTYPE_NAMES = [n for n in sorted(FUNCTIONS) if len(FUNCTIONS[n][2]) == 1]


@pytest.mark.parametrize("name", UNARY_DTYPE_NAMES)
def test_dtypes_follow_scipy(name):
    f, reference, _, _ = FUNCTIONS[name]
    x32 = np.array([0.5, 0.25], np.float32)
    assert f(x32).dtype == reference(x32).dtype
    assert funcad.jit(f)(x32).dtype == reference(x32).dtype
    with np.errstate(all="ignore"):  # (integers may be outside the domain)
        assert f(np.array([1, 2])).dtype == reference(np.array([1, 2])).dtype


@pytest.mark.parametrize("name", [n for n in sorted(FUNCTIONS) if len(FUNCTIONS[n][2]) > 1])
def test_dtypes_of_several_operands_follow_scipy(name):
    f, reference, samplers, _ = FUNCTIONS[name]
    args = _sample(name, [(2,)] * len(samplers))
    narrow = [a.astype(np.float32 if a.dtype.kind == "f" else np.int32) for a in args]
    assert f(*narrow).dtype == reference(*narrow).dtype
    assert funcad.jit(f)(*narrow).dtype == reference(*narrow).dtype
    integers = [np.array([1, 2])] * len(args)
    with np.errstate(all="ignore"):
        assert f(*integers).dtype == reference(*integers).dtype


def test_refused_derivatives_name_the_argument():
    third = funcad.grad(funcad.grad(funcad.grad(fs.hyp1f1, 0), 1))
    with pytest.raises(NotImplementedError, match="hyp1f1: derivatives of order 3"):
        third(1.0, 2.0, 0.5)
    with pytest.raises(NotImplementedError, match="zeta: derivatives of order 3"):
        funcad.grad(funcad.grad(funcad.grad(fs.zeta)))(3.0, 2.0)
    with pytest.raises(ValueError, match="with respect to a"):
        funcad.grad(fs.betainc)(1.0, 2.0, 0.5)
    with pytest.raises(NotImplementedError, match="exact=True"):
        fs.factorial(3, exact=True)


def test_missing_scipy_names_the_extra(monkeypatch):
    monkeypatch.setattr(lax_ops, "_scipy_special", None)
    monkeypatch.setattr(lax_ops, "_SCIPY_INSTALLED", False)
    for f, args in ((fs.gamma, (1.5,)), (fs.log_ndtr, (0.5,)), (fs.gammaln, (1.5,)),
                    (fs.zeta, (2.0, 1.0))):
        with pytest.raises(ImportError, match=r"funcad\[scipy\]"):
            f(*args)


def test_live_cross_check_with_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jss = pytest.importorskip("jax.scipy.special")
    x = np.array([0.3, 1.1, 2.4])
    for name in ("gammaln", "log_ndtr", "ndtri", "erfcx", "i1e", "owens_t"):
        args = (x / 3,) if name == "ndtri" else (x, x) if name == "owens_t" else (x,)
        np.testing.assert_allclose(funcad.vmap(funcad.grad(getattr(fs, name)))(*args),
                                   jax.vmap(jax.grad(getattr(jss, name)))(*args), rtol=1e-8)


def test_sph_harm_y_values_derivatives_and_refusals():
    n, m = np.array([0, 1, 2, 3, 2, 1]), np.array([0, -1, 1, 2, -2, 2])
    theta = np.array([0.3, 1.0, 2.0, 0.5, 1.2, 0.4])
    phi = np.array([0.5, -1.0, 2.0, 0.1, 3.0, 0.2])
    out = fs.sph_harm_y(n, m, theta, phi)
    assert out.dtype == np.complex128
    np.testing.assert_allclose(out, scipy.special.sph_harm_y(n, m, theta, phi), rtol=1e-13)
    assert out[-1] == 0  # |m| > n (SciPy's value; JAX's is not 0 there)
    # jax.scipy.special.sph_harm_y on the first five: values and d Re / d theta, d Im / d phi
    np.testing.assert_allclose(out[:5], [0.28209479 + 0.0j, 0.15707847 + 0.24463522j,
                                         -0.12165357 + 0.2658179j, 0.20203686 + 0.0409549j,
                                         0.32219012 + 0.09375932j], atol=1e-8)
    args = n[:5], m[:5]
    d_theta = funcad.grad(lambda t: funcad.numpy.sum(fs.sph_harm_y(*args, t, phi[:5]).real))
    np.testing.assert_allclose(d_theta(theta[:5]), [0.0, 0.10085893, -0.21014222, 0.62927875,
                                                    0.25052187], atol=1e-8)
    d_phi = funcad.grad(lambda p: funcad.numpy.sum(fs.sph_harm_y(*args, theta[:5], p).imag))
    np.testing.assert_allclose(d_phi(phi[:5]), [0.0, -0.15707847, -0.12165357, 0.40407373,
                                                -0.64438024], atol=1e-8)
    # SciPy's own derivative (diff_n=1), also at the pole theta = 0
    at_pole = np.array([0.0, 1.0, 2.0, 0.5, 1.2, 0.4])
    reference = scipy.special.sph_harm_y(n, m, at_pole, phi, diff_n=1)[1][:, 0]
    for part in (np.real, np.imag):
        ours = funcad.vmap(funcad.grad(lambda t, a, b, p: part(fs.sph_harm_y(a, b, t, p))))(
            at_pole, n, m, phi)
        np.testing.assert_allclose(ours, part(reference), atol=1e-13)
    check_grads(lambda t, p: fs.sph_harm_y(n, m, t, p), (theta, phi), order=2,
                modes=("fwd", "rev"))
    check_grads(lambda t, p: fs.sph_harm_y(2, 1, t, p), (theta[:2, None], phi[:3]), order=2,
                modes=("fwd", "rev"))
    np.testing.assert_allclose(funcad.jit(fs.sph_harm_y)(n, m, theta, phi), out)
    np.testing.assert_allclose(funcad.vmap(fs.sph_harm_y)(n, m, theta, phi), out)
    with pytest.raises(NotImplementedError, match="diff_n"):
        fs.sph_harm_y(n, m, theta, phi, diff_n=1)
    with pytest.raises(TypeError, match="n must have an integer dtype"):
        fs.sph_harm_y(n * 1.0, m, theta, phi)
    with pytest.raises(ValueError, match="n_max"):
        fs.sph_harm_y(n, m, theta, phi, n_max=2)
