"""funcad.nn against values recorded from jax.nn (tests/data/jax_nn.json, JAX with x64), and
its derivatives against finite differences."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import funcad
import funcad.numpy as fnp
from funcad import nn, random
from funcad.nn import initializers
from funcad.test_util import check_grads

DATA = json.loads((pathlib.Path(__file__).parent / "data" / "jax_nn.json").read_text())

VARIANTS = {
    "gelu_exact": lambda x: nn.gelu(x, approximate=False),
    "elu_alpha": lambda x: nn.elu(x, 0.7),
    "celu_alpha": lambda x: nn.celu(x, 2.5),
    "leaky_relu_slope": lambda x: nn.leaky_relu(x, 0.2),
    "squareplus_b": lambda x: nn.squareplus(x, 1.5),
}


def elementwise(name):
    return VARIANTS.get(name) or getattr(nn, name)


def derivative(f, order=1):
    for _ in range(order):
        f = funcad.grad(f)
    return funcad.vmap(f)


@pytest.mark.parametrize("name", sorted(DATA["elementwise"]))
def test_elementwise_values_and_derivatives_match_jax(name):
    """Values, first and second derivatives at random points and at the kinks (where JAX's
    conventions decide: relu'(0) = 0, leaky_relu'(0) = 1, ...)."""
    case = DATA["elementwise"][name]
    f = elementwise(name)
    x = np.array(case["x"])
    np.testing.assert_allclose(f(x), case["y"], rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(derivative(f)(x), case["d1"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(derivative(f, 2)(x), case["d2"], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("key", sorted(DATA["extremes"]))
def test_extremes_are_finite_and_match_jax(key):
    """softplus(1000), log_sigmoid(-1000), sigmoid(+-1e4), gelu and the elus far out: finite
    values and derivatives equal to JAX's, in the input's dtype."""
    name, dtype = key.split(":")
    case = DATA["extremes"][key]
    f = elementwise(name)
    x = np.array(case["x"], dtype=dtype)
    with np.errstate(over="ignore"):
        y = f(x)
        d1 = derivative(f)(x)
    assert y.dtype == np.dtype(dtype) and d1.dtype == np.dtype(dtype)
    # Absolute slack of a few ulps of 1: where a formula cancels (1 - sigmoid far out,
    # x + sqrt(x^2 + b) for x << 0) XLA and NumPy round differently.
    eps = float(np.finfo(dtype).eps)
    np.testing.assert_allclose(y, np.array(case["y"], dtype), rtol=10 * eps, atol=4 * eps)
    np.testing.assert_allclose(d1, np.array(case["d1"], dtype), rtol=10 * eps, atol=4 * eps)
    expected_finite = np.isfinite(np.array(case["d1"], dtype))
    assert np.array_equal(np.isfinite(d1), expected_finite)


def test_exact_values_at_the_extremes():
    assert nn.softplus(1000.0) == 1000.0
    assert funcad.grad(nn.softplus)(1000.0) == 1.0
    assert nn.log_sigmoid(-1000.0) == -1000.0
    assert funcad.grad(nn.log_sigmoid)(-1000.0) == 1.0
    assert funcad.grad(nn.log_sigmoid)(1000.0) == 0.0
    assert nn.sigmoid(1000.0) == 1.0 and nn.sigmoid(-1000.0) == 0.0
    assert funcad.grad(nn.sigmoid)(1000.0) == 0.0 and funcad.grad(nn.sigmoid)(-1000.0) == 0.0
    # sigmoid's derivative keeps its relative precision in both tails (JAX's ans * (1 - ans)
    # loses it above 0: 9.348e-14 at 30, 0 in float32)
    for x in (-30.0, 30.0):
        assert funcad.grad(nn.sigmoid)(x) == pytest.approx(np.exp(-30) / (1 + np.exp(-30)) ** 2,
                                                           rel=1e-14)
    assert funcad.grad(nn.sigmoid)(np.float32(30)) == pytest.approx(9.3576e-14, rel=1e-4)
    assert funcad.grad(nn.elu)(-1000.0) == 0.0 and funcad.grad(nn.elu)(1e300) == 1.0
    assert funcad.grad(nn.selu)(-1e4) == 0.0
    assert funcad.grad(funcad.grad(nn.gelu))(-1e3) == 0.0
    assert funcad.grad(lambda x: nn.gelu(x, approximate=False))(50.0) == 1.0
    assert funcad.grad(nn.relu)(0.0) == 0.0 and funcad.grad(nn.relu6)(0.0) == 0.0
    assert funcad.grad(nn.hard_sigmoid)(-3.0) == 0.0
    assert funcad.grad(nn.relu6)(6.0) == 0.0
    logits = np.array([1e4, 1e4 - 1.0, -1e4], np.float32)
    probabilities = nn.softmax(logits)
    assert probabilities.dtype == np.float32 and np.all(np.isfinite(probabilities))
    np.testing.assert_allclose(probabilities, [1 / (1 + np.exp(-1)), 1 / (1 + np.e), 0],
                               rtol=1e-6)
    jacobian = funcad.jacrev(nn.softmax)(logits)
    assert jacobian.dtype == np.float32 and np.all(np.isfinite(jacobian))


SMOOTH = {
    # name: where to sample (away from the kinks)
    "squareplus": (-4, 4), "softplus": (-4, 4), "soft_sign": (0.2, 4), "sigmoid": (-4, 4),
    "silu": (-4, 4), "mish": (-4, 4), "log_sigmoid": (-4, 4), "elu": (0.2, 4),
    "elu_alpha": (-4, -0.2), "celu": (-4, -0.2), "celu_alpha": (0.2, 4), "selu": (-4, -0.2),
    "gelu": (-4, 4), "gelu_exact": (-4, 4), "tanh": (-3, 3), "log1mexp": (0.1, 4),
    "relu": (0.2, 4), "relu6": (0.2, 5.8), "leaky_relu": (-4, -0.2),
    "leaky_relu_slope": (0.2, 4), "hard_tanh": (-0.9, 0.9), "hard_sigmoid": (-2.9, 2.9),
    "hard_silu": (-2.9, 2.9), "sparse_plus": (-0.9, 0.9), "sparse_sigmoid": (-0.9, 0.9),
    "squareplus_b": (-4, 4),
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_elementwise_derivatives_against_finite_differences(name, shape):
    low, high = SMOOTH[name]
    rng = np.random.default_rng(abs(hash((name, shape))) % 2**32)
    x = rng.uniform(low, high, shape)
    check_grads(elementwise(name), (x,), order=2, modes=("fwd", "rev"))


def _reduction(case):
    kwargs = dict(case["kwargs"])
    if isinstance(kwargs.get("axis"), list):
        kwargs["axis"] = tuple(kwargs["axis"])
    if case["where"] is not None:
        kwargs["where"] = np.array(case["where"])
    f = getattr(nn, case["name"])
    return lambda x: f(x, **kwargs)


@pytest.mark.parametrize("index", range(len(DATA["reductions"])))
def test_reductions_match_jax(index):
    """softmax, log_softmax, logsumexp, logmeanexp, standardize and glu (with axis, where,
    algorithm): values and the gradient of a weighted sum."""
    case = DATA["reductions"][index]
    f = _reduction(case)
    x = np.array(case["x"])
    y = f(x)
    expected = np.array(case["y"])
    expected = np.where(np.abs(expected) >= 1e308, np.copysign(np.inf, expected), expected)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-14)
    weights = np.array(case["weights"])
    finite = np.isfinite(expected)
    gradient = funcad.grad(lambda x: fnp.sum(fnp.where(finite, f(x), 0.0) * weights))(x)
    np.testing.assert_allclose(gradient, case["grad"], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("index", [i for i, c in enumerate(DATA["reductions"])
                                   if c["where"] is None
                                   and np.max(np.abs(c["x"])) < 100])
def test_reductions_derivatives_against_finite_differences(index):
    case = DATA["reductions"][index]
    check_grads(_reduction(case), (np.array(case["x"]),), order=2, modes=("fwd", "rev"))


def _attention_args(case):
    arrays = [np.array(case[n]) for n in ("q", "k", "v")]
    bias = None if case["bias"] is None else np.array(case["bias"])
    mask = None if case["mask"] is None else np.array(case["mask"])
    kwargs = dict(case["kwargs"])
    for name in ("query_seq_lengths", "key_value_seq_lengths"):
        if name in kwargs:
            kwargs[name] = np.array(kwargs[name], np.int32)
    if "local_window_size" in kwargs:
        kwargs["local_window_size"] = tuple(kwargs["local_window_size"])
    return arrays, bias, mask, kwargs


@pytest.mark.parametrize("index", range(len(DATA["attention"])))
def test_dot_product_attention_matches_jax(index):
    """Grouped-query attention with bias, boolean and causal masks, sequence lengths and a
    local window. The softmax runs in float32, as in JAX, hence the tolerance."""
    case = DATA["attention"][index]
    (q, k, v), bias, mask, kwargs = _attention_args(case)

    def f(q, k, v, bias):
        return nn.dot_product_attention(q, k, v, bias, mask, **kwargs)

    np.testing.assert_allclose(f(q, k, v, bias), case["y"], rtol=1e-5, atol=1e-6)
    weights = np.array(case["weights"])
    argnums = (0, 1, 2) if bias is None else (0, 1, 2, 3)
    grads = funcad.grad(lambda *a: fnp.sum(f(*a) * weights), argnums)(q, k, v, bias)
    for got, expected in zip(grads, case["grads"]):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    _, residual = nn.dot_product_attention(q, k, v, bias, mask, return_residual=True,
                                           **kwargs)
    np.testing.assert_allclose(residual, case["residual"], rtol=1e-5, atol=1e-5)


def test_dot_product_attention_derivatives_against_finite_differences():
    rng = np.random.default_rng(3)
    q = rng.standard_normal((1, 2, 2, 3)).astype(np.float32)
    k = rng.standard_normal((1, 3, 1, 3)).astype(np.float32)
    v = rng.standard_normal((1, 3, 1, 3)).astype(np.float32)
    check_grads(lambda q, k, v: nn.dot_product_attention(q, k, v, is_causal=True), (q, k, v),
                order=2, modes=("fwd", "rev"), eps=1e-2, atol=5e-2, rtol=5e-2)


def test_dot_product_attention_errors_name_the_argument():
    q = np.zeros((1, 2, 3, 4))
    with pytest.raises(ValueError, match="value shape"):
        nn.dot_product_attention(q, np.zeros((1, 2, 3, 4)), np.zeros((1, 5, 3, 4)))
    with pytest.raises(ValueError, match="multiple of key/value heads"):
        nn.dot_product_attention(q, np.zeros((1, 2, 2, 4)), np.zeros((1, 2, 2, 4)))
    with pytest.raises(ValueError, match="cudnn"):
        nn.dot_product_attention(q, q, q, implementation="cudnn")


def test_dot_product_attention_under_jit_and_vmap():
    rng = np.random.default_rng(4)
    q, k, v = (rng.standard_normal((3, 2, 2, 4)) for _ in range(3))

    def f(q, k, v):
        return nn.dot_product_attention(q, k, v, is_causal=True)

    eager = f(q, k, v)
    np.testing.assert_allclose(funcad.jit(f)(q, k, v), eager, rtol=1e-12)
    unbatched = funcad.vmap(lambda q, k, v: nn.dot_product_attention(q, k, v, is_causal=True))
    np.testing.assert_allclose(unbatched(q, k, v), eager, rtol=1e-12)


def test_scaled_matmul_is_the_block_scaled_product():
    """JAX's documented definition (JAX itself runs it only through cuDNN): the docstring's
    example, and einsum of the operands with their scales repeated along K."""
    a = np.array([1, 2, 3]).reshape((1, 1, 3))
    b = np.array([4, 5, 6]).reshape((1, 1, 3))
    half = np.array([0.5]).reshape((1, 1, 1))
    y = nn.scaled_matmul(a, b, half, half)
    assert y.dtype == np.float32 and y.shape == (1, 1, 1) and y[0, 0, 0] == 8.0
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((2, 3, 8)), rng.standard_normal((2, 4, 8))
    a_scales, b_scales = rng.uniform(0.5, 2, (2, 3, 2)), rng.uniform(0.5, 2, (2, 4, 2))
    expected = np.einsum("bmk,bnk->bmn", a * np.repeat(a_scales, 4, -1),
                         b * np.repeat(b_scales, 4, -1))
    np.testing.assert_allclose(nn.scaled_matmul(a, b, a_scales, b_scales), expected, rtol=1e-5)
    y = nn.scaled_matmul(a, b, a_scales, b_scales, preferred_element_type=np.float64)
    assert y.dtype == np.float64
    check_grads(lambda a, b: nn.scaled_matmul(a.astype(np.float32), b.astype(np.float32),
                                              a_scales, b_scales),
                (a.astype(np.float32), b.astype(np.float32)), order=2, modes=("fwd", "rev"),
                eps=1e-2, atol=1e-2, rtol=1e-2)
    with pytest.raises(ValueError, match="matching batch"):
        nn.scaled_matmul(a, b[:, :, :4], a_scales, b_scales)
    with pytest.raises(ValueError, match="3-dimensional"):
        nn.scaled_matmul(a[0], b, a_scales, b_scales)


@pytest.mark.parametrize("index", range(len(DATA["one_hot"])))
def test_one_hot_matches_jax(index):
    case = DATA["one_hot"][index]
    y = nn.one_hot(np.array(case["x"]), 4, **case["kwargs"])
    assert y.dtype == np.dtype(case["dtype"])
    np.testing.assert_array_equal(y, case["y"])


def test_one_hot_under_vmap_and_jit():
    labels = np.array([3, 0, 1])
    expected = nn.one_hot(labels, 4)
    np.testing.assert_array_equal(funcad.vmap(lambda i: nn.one_hot(i, 4))(labels), expected)
    np.testing.assert_array_equal(funcad.jit(lambda i: nn.one_hot(i, 4))(labels), expected)
    with pytest.raises(TypeError, match="num_classes"):
        nn.one_hot(labels, 2.5)
    with pytest.raises(ValueError, match="axis"):
        nn.one_hot(labels, 4, axis=3)


@pytest.mark.parametrize("f", [nn.gelu, nn.softplus, nn.relu, lambda x: nn.softmax(x, axis=0),
                               lambda x: nn.standardize(x), nn.log1mexp])
def test_vmap_and_jit_agree_with_eager(f):
    rng = np.random.default_rng(5)
    x = rng.uniform(0.1, 3, (4, 3))
    rows = np.stack([f(row) for row in x])
    np.testing.assert_allclose(funcad.vmap(f)(x), rows, rtol=1e-14)
    np.testing.assert_allclose(funcad.jit(f)(x), f(x), rtol=1e-14)
    gradient = funcad.grad(lambda x: fnp.sum(f(x) ** 2))
    np.testing.assert_allclose(funcad.jit(gradient)(x), gradient(x), rtol=1e-13)
    per_row = np.stack([gradient(row) for row in x])
    np.testing.assert_allclose(funcad.vmap(gradient)(x), per_row, rtol=1e-13)


def test_float32_stays_float32_through_derivatives():
    x = np.linspace(-3, 3, 5, dtype=np.float32)
    for name in sorted(SMOOTH):
        f = elementwise(name)
        if name == "log1mexp":
            x = np.linspace(0.5, 3, 5, dtype=np.float32)
        assert f(x).dtype == np.float32, name
        assert derivative(f)(x).dtype == np.float32, name
        assert derivative(f, 2)(x).dtype == np.float32, name
    for f in (nn.softmax, nn.log_softmax, nn.standardize, nn.glu):
        assert funcad.grad(lambda x: fnp.sum(f(x) ** 2))(x[:4]).dtype == np.float32


def test_errors_name_the_argument():
    with pytest.raises(TypeError, match="relu"):
        nn.relu([1.0, 2.0])
    with pytest.raises(ValueError, match="divisible by 2"):
        nn.glu(np.zeros(3))
    with pytest.raises(ValueError, match="algorithm"):
        nn.standardize(np.zeros(3), algorithm="slow")


def test_public_names_cover_jax_nn():
    expected = {
        "celu", "dot_product_attention", "elu", "gelu", "glu", "hard_sigmoid", "hard_silu",
        "hard_swish", "hard_tanh", "identity", "initializers", "leaky_relu", "log1mexp",
        "log_sigmoid", "log_softmax", "logmeanexp", "logsumexp", "mish", "one_hot", "relu",
        "relu6", "scaled_matmul", "selu", "sigmoid", "silu", "soft_sign", "softmax",
        "softplus", "sparse_plus", "sparse_sigmoid", "squareplus", "standardize", "swish",
        "tanh"}
    assert expected <= set(nn.__all__)
    assert nn.swish is nn.silu and nn.hard_swish is nn.hard_silu
    np.testing.assert_array_equal(nn.identity(np.arange(3.0)), np.arange(3.0))


# funcad.nn.initializers (drawn with funcad.random)

def _initialize(case):
    key = random.PRNGKey(case["seed"])
    shape = tuple(case["shape"])
    if case["factory"] is None:
        return getattr(initializers, case["name"])(key, shape, case["dtype"])
    factory = dict(case["factory"])
    if isinstance(factory.get("in_axis"), list):
        factory["in_axis"] = tuple(factory["in_axis"])
    init = getattr(initializers, case["name"])(**factory)
    return init(key, shape, case["dtype"]) if case["dtype"] else init(key, shape)


@pytest.mark.parametrize("index", range(len(DATA["initializers"])))
def test_initializers_draw_jax_numbers_for_the_same_key(index):
    """funcad.random is JAX's generator, so each initializer gives JAX's array for a key (to
    the rounding of the inverse error function in the normal draws)."""
    case = DATA["initializers"][index]
    y = _initialize(case)
    assert y.dtype == np.dtype(case["result_dtype"])
    assert y.shape == tuple(case["shape"])
    expected = np.array(case["real"])
    if "imag" in case:
        expected = expected + 1j * np.array(case["imag"])
    rtol = 1e-6 if y.dtype in (np.float32, np.complex64) else 1e-14
    np.testing.assert_allclose(y, expected, rtol=rtol, atol=rtol)


FAN_CASES = [
    # (mode, shape, in_axis, out_axis, batch_axis, the variance's denominator)
    ("fan_in", (300, 200), -2, -1, (), 300),
    ("fan_out", (300, 200), -2, -1, (), 200),
    ("fan_avg", (3, 3, 40, 60), -2, -1, (), 9 * 50),
    ("fan_geo_avg", (50, 80, 30), 0, 1, (), np.sqrt(50 * 30 * 80 * 30)),
    ("fan_in", (4, 100, 150), -2, -1, 0, 100),
]


@pytest.mark.parametrize("distribution", ["truncated_normal", "normal", "uniform"])
@pytest.mark.parametrize("mode, shape, in_axis, out_axis, batch_axis, denominator", FAN_CASES)
def test_variance_scaling_variance_is_scale_over_fan(distribution, mode, shape, in_axis,
                                                     out_axis, batch_axis, denominator):
    init = initializers.variance_scaling(2.0, mode, distribution, in_axis=in_axis,
                                         out_axis=out_axis, batch_axis=batch_axis)
    draws = np.asarray(init(random.PRNGKey(1), shape))
    expected = 2.0 / denominator
    # sampling error of a variance from n >= 60000 draws is below 1%
    assert draws.var() == pytest.approx(expected, rel=0.03)
    assert abs(draws.mean()) < 4 * np.sqrt(expected / draws.size)
    if distribution == "truncated_normal":
        assert np.abs(draws).max() <= 2 * np.sqrt(expected) / 0.87962566103423978
    if distribution == "uniform":
        assert np.abs(draws).max() <= np.sqrt(3 * expected)


@pytest.mark.parametrize("distribution", ["truncated_normal", "normal", "uniform"])
def test_complex_variance_scaling_has_the_variance_in_the_modulus(distribution):
    init = initializers.variance_scaling(1.0, "fan_in", distribution)
    draws = np.asarray(init(random.PRNGKey(2), (400, 200), np.complex128))
    assert draws.dtype == np.complex128
    assert np.mean(np.abs(draws) ** 2) == pytest.approx(1 / 400, rel=0.03)


@pytest.mark.parametrize("name, scale, mode, distribution", [
    ("glorot_uniform", 1.0, "fan_avg", "uniform"),
    ("glorot_normal", 1.0, "fan_avg", "truncated_normal"),
    ("xavier_uniform", 1.0, "fan_avg", "uniform"),
    ("xavier_normal", 1.0, "fan_avg", "truncated_normal"),
    ("lecun_uniform", 1.0, "fan_in", "uniform"),
    ("lecun_normal", 1.0, "fan_in", "truncated_normal"),
    ("he_uniform", 2.0, "fan_in", "uniform"),
    ("he_normal", 2.0, "fan_in", "truncated_normal"),
    ("kaiming_uniform", 2.0, "fan_in", "uniform"),
    ("kaiming_normal", 2.0, "fan_in", "truncated_normal"),
])
def test_named_initializers_are_variance_scaling(name, scale, mode, distribution):
    key = random.PRNGKey(4)
    named = getattr(initializers, name)(in_axis=0, out_axis=2, dtype=np.float32)
    general = initializers.variance_scaling(scale, mode, distribution, in_axis=0, out_axis=2)
    y = named(key, (5, 2, 7))
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, general(key, (5, 2, 7), np.float32))


@pytest.mark.parametrize("shape, column_axis", [((5, 3), -1), ((3, 5), -1), ((2, 3, 4), 0),
                                                ((4, 2, 3), 1)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape, column_axis):
    y = np.asarray(initializers.orthogonal(scale=1.5, column_axis=column_axis)(
        random.PRNGKey(3), shape))
    assert y.shape == shape
    matrix = np.moveaxis(y, column_axis, -1).reshape(-1, shape[column_axis])
    small = min(matrix.shape)
    gram = matrix.T @ matrix if matrix.shape[1] == small else matrix @ matrix.T
    np.testing.assert_allclose(gram, 1.5 ** 2 * np.eye(small), atol=1e-12)


def test_delta_orthogonal_is_zero_off_the_centre():
    y = np.asarray(initializers.delta_orthogonal()(random.PRNGKey(0), (3, 5, 2, 4)))
    centre = y[1, 2]
    np.testing.assert_allclose(centre @ centre.T, np.eye(2), atol=1e-12)
    y[1, 2] = 0
    assert not y.any()


def test_initializers_under_jit_and_vmap():
    init = initializers.glorot_normal()
    key = random.PRNGKey(5)
    np.testing.assert_array_equal(funcad.jit(lambda k: init(k, (3, 4)))(key), init(key, (3, 4)))
    keys = random.split(key, 3)
    batched = funcad.vmap(lambda k: init(k, (3, 4)))(keys)
    np.testing.assert_array_equal(batched, np.stack([init(k, (3, 4)) for k in keys]))
    # a typed key draws what the raw key with the same seed draws
    np.testing.assert_array_equal(init(random.key(5), (3, 4)), init(key, (3, 4)))


def test_constant_zeros_ones_and_the_protocol():
    key = random.PRNGKey(0)
    np.testing.assert_array_equal(initializers.constant(-2.0)(key, (2, 2)), np.full((2, 2), -2.0))
    assert initializers.zeros(key, (2,)).dtype == np.float64
    assert initializers.ones(key, (2,), np.float32).dtype == np.float32
    for init in (initializers.zeros, initializers.normal(), initializers.orthogonal(),
                 initializers.variance_scaling(1.0, "fan_in", "normal")):
        assert isinstance(init, initializers.Initializer)
    assert set(initializers.__all__) >= {
        "Initializer", "constant", "delta_orthogonal", "glorot_normal", "glorot_uniform",
        "he_normal", "he_uniform", "kaiming_normal", "kaiming_uniform", "lecun_normal",
        "lecun_uniform", "normal", "ones", "orthogonal", "truncated_normal", "uniform",
        "variance_scaling", "xavier_normal", "xavier_uniform", "zeros"}


def test_initializer_errors_name_the_problem():
    key = random.PRNGKey(0)
    with pytest.raises(ValueError, match="invalid mode"):
        initializers.variance_scaling(1.0, "fan", "normal")(key, (2, 2))
    with pytest.raises(ValueError, match="invalid distribution"):
        initializers.variance_scaling(1.0, "fan_in", "cauchy")(key, (2, 2))
    with pytest.raises(ValueError, match="at least 2D or specify"):
        initializers.lecun_normal()(key, (4,))
    with pytest.raises(ValueError, match="at least a 2D shape"):
        initializers.orthogonal()(key, (4,))
    with pytest.raises(ValueError, match="3D, 4D or 5D"):
        initializers.delta_orthogonal()(key, (4, 4))
    with pytest.raises(ValueError, match="fan_in"):
        initializers.delta_orthogonal()(key, (3, 4, 2))
    with pytest.raises(ValueError, match="out of range"):
        initializers.variance_scaling(1.0, "fan_in", "normal", in_axis=5)(key, (2, 2))
