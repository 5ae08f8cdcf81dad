"""The elementwise set of funcad.numpy beyond arithmetic: fmod, copysign, frexp/ldexp, modf,
nextafter, spacing, signbit, trunc, heaviside, i0, sinc, float_power, fmax/fmin, nan_to_num,
the integer ufuncs (gcd, lcm, shifts, bit counts) and the aliases.

Values and dtypes are compared with NumPy over a grid of dtypes (NumPy's dtype rules), and
with JAX where funcad follows JAX's conventions (derivatives at ties, sinc at 0). Every
differentiable function is checked to second order in both modes on random broadcasting
shapes, and under vmap and jit.
"""

from __future__ import annotations

import numpy as np
import pytest
import strategies as S
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import Domain

import funcad
import funcad.numpy as fnp
from funcad.test_util import check_grads

RNG = np.random.default_rng(0)

# ----------------------------------------------------------------------------------------------
# Values and dtypes against NumPy.

SAMPLES = {
    "bool": np.array([True, False, True]),
    "int8": np.array([-3, 0, 5], np.int8),
    "int32": np.array([-7, 2, 9], np.int32),
    "uint16": np.array([0, 3, 12], np.uint16),
    "float16": np.array([-1.5, 0.0, 2.25], np.float16),
    "float32": np.array([-2.5, -0.0, 3.75], np.float32),
    "float64": np.array([-np.inf, -1.25, 0.0, 0.5, 7.0, np.inf, np.nan]),
    "complex128": np.array([1 + 2j, -0.5j, 3.0]),
}
SECOND = {
    "bool": np.array([False, True, True]),
    "int8": np.array([2, 3, -4], np.int8),
    "int32": np.array([3, -5, 2], np.int32),
    "uint16": np.array([4, 2, 5], np.uint16),
    "float16": np.array([0.5, -2.0, 2.25], np.float16),
    "float32": np.array([1.5, 2.0, -0.0], np.float32),
    "float64": np.array([2.0, -0.75, -0.0, 3.0, np.nan, 1.0, 2.0]),
    "complex128": np.array([2 - 1j, 1j, 0.5]),
}

UNARY_VS_NUMPY = {
    "trunc": np.trunc, "fix": np.fix, "signbit": np.signbit, "spacing": np.spacing,
    "isposinf": np.isposinf, "isneginf": np.isneginf, "i0": np.i0,
    "bitwise_count": np.bitwise_count, "bitwise_invert": np.invert, "positive": np.positive,
    "acosh": np.arccosh, "asinh": np.arcsinh, "atanh": np.arctanh,
    # (NumPy before 2.3 gives sinc(0) = nan in float16: that reference is float32's, rounded)
    "sinc": lambda x: (np.sinc(x.astype(np.float32)).astype(np.float16)
                       if np.asarray(x).dtype == np.float16 else np.sinc(x)),
    "fabs": np.fabs, "nan_to_num": np.nan_to_num,
}
BINARY_VS_NUMPY = {
    "fmod": np.fmod, "copysign": np.copysign, "nextafter": np.nextafter, "gcd": np.gcd,
    "lcm": np.lcm, "heaviside": np.heaviside, "left_shift": np.left_shift,
    "right_shift": np.right_shift, "bitwise_left_shift": np.left_shift,
    "bitwise_right_shift": np.right_shift, "float_power": np.float_power, "pow": np.power,
    "fmax": np.fmax, "fmin": np.fmin, "divmod": np.divmod,
}


def _numpy_or_error(fn, *args):
    try:
        with np.errstate(all="ignore"):
            return fn(*args), None
    except TypeError:
        return None, TypeError
    except ValueError:
        return None, ValueError


def _assert_same(ours, theirs):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _assert_same(o, t)
        return
    ours = np.asarray(ours)
    assert ours.dtype == np.asarray(theirs).dtype, (ours.dtype, np.asarray(theirs).dtype)
    np.testing.assert_array_equal(ours, theirs)
    # Signs of zeros and nans match too (copysign, modf, trunc of -0.0).
    if ours.dtype.kind == "f":
        np.testing.assert_array_equal(np.signbit(ours), np.signbit(theirs))


@pytest.mark.parametrize("dtype", sorted(SAMPLES))
@pytest.mark.parametrize("name", sorted(UNARY_VS_NUMPY))
def test_unary_values_and_dtypes_match_numpy(name, dtype):
    x = SAMPLES[dtype]
    theirs, error = _numpy_or_error(UNARY_VS_NUMPY[name], x)
    if error is not None:
        with pytest.raises(error):
            getattr(fnp, name)(x)
        return
    with np.errstate(all="ignore"):
        ours = getattr(fnp, name)(x)
        staged = funcad.jit(getattr(fnp, name))(x)
    if name in ("i0", "sinc"):
        assert np.asarray(ours).dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, rtol=2e-3 if dtype == "float16" else 1e-14)
        np.testing.assert_allclose(staged, theirs, rtol=2e-3 if dtype == "float16" else 1e-14)
        return
    _assert_same(ours, theirs)
    _assert_same(staged, theirs)


@pytest.mark.parametrize("dtype", sorted(SAMPLES))
@pytest.mark.parametrize("name", sorted(BINARY_VS_NUMPY))
def test_binary_values_and_dtypes_match_numpy(name, dtype):
    x, y = SAMPLES[dtype], SECOND[dtype]
    if name in ("left_shift", "right_shift", "bitwise_left_shift", "bitwise_right_shift") \
            and dtype in ("int8", "int32"):
        y = np.abs(y)  # (a negative shift is undefined in C)
    theirs, error = _numpy_or_error(BINARY_VS_NUMPY[name], x, y)
    if error is not None:
        with pytest.raises(error):
            getattr(fnp, name)(x, y)
        return
    with np.errstate(all="ignore"):
        ours = getattr(fnp, name)(x, y)
        staged = funcad.jit(getattr(fnp, name))(x, y)
    if name in ("fmax", "fmin"):  # (signed zeros at ties: JAX's choice, tested below)
        theirs = np.where(x == y, y, theirs)
    if name == "float_power":
        assert ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, rtol=1e-15)
        return
    _assert_same(ours, theirs)
    _assert_same(staged, theirs)


@pytest.mark.parametrize("dtype", ["int8", "int32", "float16", "float32", "float64"])
def test_frexp_ldexp_and_modf_match_numpy(dtype):
    x = SAMPLES[dtype]
    with np.errstate(all="ignore"):
        _assert_same(fnp.frexp(x), np.frexp(x))
        _assert_same(fnp.modf(x), np.modf(x))
        _assert_same(funcad.jit(fnp.modf)(x), np.modf(x))
        if dtype.startswith("float"):
            _assert_same(fnp.ldexp(x, np.int32(3)), np.ldexp(x, np.int32(3)))
            _assert_same(fnp.ldexp(x, np.array([1, -2, 0], np.int64)[:1]),
                         np.ldexp(x, np.array([1], np.int64)))
    subnormal = np.array([5e-324, -3e-310, 1e308])
    _assert_same(fnp.frexp(subnormal), np.frexp(subnormal))
    _assert_same(fnp.ldexp(*np.frexp(subnormal)), subnormal)


@pytest.mark.parametrize("name", ["frexp", "modf", "copysign", "heaviside", "fmod"])
def test_complex_refused_with_type_error(name):
    args = (np.array([1j]),) * (1 if name in ("frexp", "modf") else 2)
    with pytest.raises(TypeError):
        getattr(fnp, name)(*args)


def test_scalars_and_python_numbers():
    assert fnp.fmod(-5, 3) == np.fmod(-5, 3) and fnp.fmod(-5, 3).dtype == np.int64
    assert fnp.fmod(np.float32(5.5), 2.0).dtype == np.float32
    assert fnp.copysign(np.float32(2), -1.0).dtype == np.float32
    assert fnp.ldexp(np.float32(1.5), 2) == 6 and fnp.ldexp(np.float32(1.5), 2).dtype == \
        np.float32
    assert fnp.gcd(12, 18) == 6 and fnp.lcm(np.int8(4), 6).dtype == np.int8
    assert fnp.heaviside(0.0, 0.5) == 0.5
    assert fnp.divmod(7, -2) == (np.int64(-4), np.int64(-1))
    assert fnp.pow is fnp.power and fnp.acosh is fnp.arccosh and fnp.fix is fnp.trunc
    assert fnp.bitwise_count(np.int16(-7)) == 3
    assert fnp.nan_to_num(np.float32(np.nan), nan=2.0).dtype == np.float32


def test_nan_to_num_keeps_integer_dtypes_and_takes_replacements():
    x = np.array([1, -2], np.int16)
    out = fnp.nan_to_num(x)
    assert out.dtype == np.int16 and out.tolist() == [1, -2]
    assert fnp.nan_to_num(np.array([True])).dtype == np.bool_
    y = np.array([np.nan, np.inf, -np.inf, 1.5], np.float32)
    for kwargs in ({}, {"nan": 7.0}, {"posinf": 9.0, "neginf": -9.0}, {"nan": -1, "posinf": 1}):
        _assert_same(fnp.nan_to_num(y, **kwargs), np.nan_to_num(y, **kwargs))
    g = funcad.grad(lambda v: fnp.sum(fnp.nan_to_num(v * 2.0)))(np.array([1.0, np.inf]))
    np.testing.assert_array_equal(g, [2.0, 0.0])


def test_nan_to_num_of_complex_treats_the_parts_separately():
    z = np.array([complex(np.nan, np.inf), complex(-np.inf, 1), 1 + 2j], np.complex64)
    _assert_same(fnp.nan_to_num(z), np.nan_to_num(z))
    _assert_same(fnp.nan_to_num(z, nan=1.0, posinf=2.0), np.nan_to_num(z, nan=1.0, posinf=2.0))
    _assert_same(funcad.jit(fnp.nan_to_num)(z), np.nan_to_num(z))


def test_where_with_one_argument_is_nonzero():
    x = np.array([[0, 1], [2, 0]])
    for ours, theirs in zip(fnp.where(x), np.where(x)):
        np.testing.assert_array_equal(ours, theirs)
    with pytest.raises(funcad.errors.ConcretizationTypeError, match="size="):
        funcad.jit(lambda v: fnp.where(v))(x)
    staged = funcad.jit(lambda v: fnp.where(v, size=3, fill_value=-1))(x)
    np.testing.assert_array_equal(staged[0], [0, 1, -1])
    np.testing.assert_array_equal(staged[1], [1, 0, -1])
    with pytest.raises(ValueError, match="both"):
        fnp.where(x, 1)


def test_positive_refuses_booleans():
    with pytest.raises(TypeError, match="bool"):
        fnp.positive(np.array([True]))


def test_fmax_fmin_ignore_nan_and_follow_jax_at_ties():
    x = np.array([np.nan, 1.0, np.nan, 2.0, 3.0])
    y = np.array([2.0, np.nan, np.nan, 2.0, -1.0])
    _assert_same(fnp.fmax(x, y), np.fmax(x, y))
    _assert_same(fnp.fmin(x, y), np.fmin(x, y))
    # JAX: at a tie, the derivative goes to the second argument.
    gx, gy = funcad.grad(lambda a, b: fnp.sum(fnp.fmax(a, b)), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, [0, 1, 1, 0, 1])
    np.testing.assert_array_equal(gy, [1, 0, 0, 1, 0])
    gx, gy = funcad.grad(lambda a, b: fnp.sum(fnp.fmin(a, b)), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, [0, 1, 1, 0, 0])
    np.testing.assert_array_equal(gy, [1, 0, 0, 1, 1])
    # and the zero chosen at a tie of signed zeros is JAX's (the second operand)
    assert np.signbit(fnp.fmax(0.0, -0.0)) and not np.signbit(fnp.fmax(-0.0, 0.0))


# ----------------------------------------------------------------------------------------------
# Derivatives: known values (JAX's), then second order against finite differences.


def test_known_derivatives():
    grad = funcad.grad
    assert grad(lambda y: fnp.fmod(5.5, y))(1.5) == -3.0
    assert grad(lambda x: fnp.fmod(x, 1.5))(5.5) == 1.0
    assert grad(lambda x: fnp.copysign(x, -1.0))(1.5) == -1.0
    assert grad(lambda y: fnp.copysign(2.0, y))(1.5) == 0.0
    assert grad(lambda x: fnp.ldexp(x, 3))(1.5) == 8.0
    assert grad(lambda x: fnp.frexp(x)[0])(1.5) == 0.5
    assert grad(lambda x: fnp.modf(x)[0])(1.5) == 1.0
    assert grad(lambda x: fnp.modf(x)[1])(1.5) == 0.0
    assert grad(lambda x: fnp.nextafter(x, 2.0))(1.5) == 1.0
    assert grad(lambda y: fnp.heaviside(0.0, y))(1.5) == 1.0
    assert grad(fnp.trunc)(1.5) == 0.0 and grad(fnp.spacing)(1.5) == 0.0
    np.testing.assert_allclose(grad(fnp.i0)(1.5), 0.9816664285779074, rtol=1e-14)
    np.testing.assert_allclose(grad(grad(fnp.i0))(1.5), 0.9922789040542856, rtol=1e-14)
    # sinc at 0: JAX's values, to every order checked.
    assert grad(fnp.sinc)(0.0) == 0.0
    np.testing.assert_allclose(grad(grad(fnp.sinc))(0.0), -np.pi ** 2 / 3, rtol=1e-12)
    np.testing.assert_allclose(grad(fnp.sinc)(1.5), 1 / (2.25 * np.pi), rtol=1e-14)
    np.testing.assert_allclose(grad(grad(fnp.sinc))(1.5), 1.9057670216916898, rtol=1e-13)
    np.testing.assert_allclose(grad(lambda x: fnp.float_power(x, 2.5))(1.5),
                               4.592793267718459, rtol=1e-14)


def _fmod_operands(draw, x_shape, y_shape):
    """|x / y| kept at least 0.05 from an integer, where fmod jumps."""
    n = draw(hnp.arrays(np.float64, x_shape, elements=st.integers(-3, 2).map(float)))
    jitter = draw(S.arrays(x_shape, Domain(-0.05, 0.05)))
    y = draw(hnp.arrays(np.float64, y_shape, elements=st.sampled_from([-3., -2., 1., 2.])))
    y_jitter = draw(S.arrays(y_shape, Domain(-0.01, 0.01)))
    return n + 0.5 + jitter, y + y_jitter


DIFFERENTIABLE_BINARY = {
    "fmod": None,
    "copysign": (Domain(-2, 2, away=0.1), Domain(-2, 2, away=0.1)),
    "nextafter": (Domain(-2, 2), Domain(-2, 2)),
    "heaviside": (Domain(-2, 2, away=0.1), Domain(-2, 2)),
    "float_power": (Domain(0.2, 2.0), Domain(-2, 2)),
    "fmax": None, "fmin": None,
}


@pytest.mark.parametrize("name", sorted(DIFFERENTIABLE_BINARY))
@given(data=st.data())
def test_binary_derivatives_second_order(name, data):
    (x_shape, y_shape), _ = data.draw(S.broadcastable_shapes(2), label="shapes")
    if name == "fmod":
        x, y = _fmod_operands(data.draw, x_shape, y_shape)
    elif name in ("fmax", "fmin"):
        x, y = data.draw(S.distinct_arrays((x_shape, y_shape)), label="x, y")
    else:
        x_domain, y_domain = DIFFERENTIABLE_BINARY[name]
        x = data.draw(S.arrays(x_shape, x_domain), label="x")
        y = data.draw(S.arrays(y_shape, y_domain), label="y")
    fn = getattr(fnp, name)
    check_grads(fn, (x, y), order=2, modes=("rev", "fwd"))


DIFFERENTIABLE_UNARY = {
    "i0": (fnp.i0, Domain(-4, 4)),
    "sinc": (fnp.sinc, Domain(-2, 2)),
    "sinc_near_zero": (fnp.sinc, Domain(-2e-3, 2e-3)),
    "frexp": (lambda x: fnp.frexp(x)[0], Domain(0.55, 0.95)),
    "modf": (lambda x: fnp.modf(x)[0], Domain(0.1, 0.9)),
    "ldexp": (lambda x: fnp.ldexp(x, np.array([-1, 2])[:1]), Domain(-2, 2)),
    "nan_to_num": (lambda x: fnp.nan_to_num(x * 3.0), Domain(-2, 2)),
    "fix": (lambda x: x * fnp.fix(x), Domain(0.1, 0.9)),
}


@pytest.mark.parametrize("name", sorted(DIFFERENTIABLE_UNARY))
@given(data=st.data())
def test_unary_derivatives_second_order(name, data):
    fn, domain = DIFFERENTIABLE_UNARY[name]
    x = data.draw(S.arrays(S.shapes(min_side=0), domain), label="x")
    check_grads(fn, (x,), order=2, modes=("rev", "fwd"), **(
        {"eps": 1e-5, "rtol": 1e-4} if name == "sinc_near_zero" else {}))


def test_i1_is_accurate_where_it_is_used():
    """I0's derivative I1 (its own primitive) against SciPy, over its whole finite range."""
    import scipy.special

    from funcad.primitives.numeric import i1

    x = np.concatenate([np.linspace(-30, 30, 601), [0.0, 1e-10, 7.999, 8.0, 100.0, 700.0]])
    np.testing.assert_allclose(i1(x), scipy.special.i1(x), rtol=1e-14, atol=1e-300)
    np.testing.assert_array_equal(i1(np.array([np.inf, -np.inf, np.nan])), [np.inf, -np.inf,
                                                                           np.nan])
    assert i1(np.float32(2.0)).dtype == np.float32 and i1(np.int8(1)).dtype == np.float64


# ----------------------------------------------------------------------------------------------
# vmap and jit agree with the per-example and eager results.

BATCHED = {
    "fmod": lambda x, y: fnp.fmod(x, y + 3.0),
    "copysign": fnp.copysign,
    "nextafter": fnp.nextafter,
    "heaviside": lambda x, y: fnp.heaviside(fnp.round(x), y),
    "i0": lambda x, y: fnp.i0(x) * y,
    "sinc": lambda x, y: fnp.sinc(x * y),
    "frexp": lambda x, y: fnp.frexp(x * y),
    "modf": lambda x, y: fnp.modf(x * y),
    "ldexp": lambda x, y: fnp.ldexp(x, fnp.trunc(y * 3).astype(np.int32)),
    "signbit": lambda x, y: fnp.signbit(x - y),
    "spacing": lambda x, y: fnp.spacing(x) * y,
    "gcd": lambda x, y: fnp.gcd((x * 10).astype(np.int64), (y * 10).astype(np.int64)),
    "shifts": lambda x, y: fnp.left_shift(fnp.abs(x * 4).astype(np.int32), 2)
    + fnp.right_shift(fnp.abs(y * 40).astype(np.int32), 1)
    + fnp.bitwise_count(fnp.abs(y * 40).astype(np.int32)),
    "fmax": fnp.fmax,
    "float_power": lambda x, y: fnp.float_power(fnp.abs(x) + 0.1, y),
}


@pytest.mark.parametrize("name", sorted(BATCHED))
def test_vmap_and_jit_agree(name):
    fn = BATCHED[name]
    xs, ys = RNG.uniform(-2, 2, (4, 3)), RNG.uniform(-2, 2, (4, 3))
    expected = [fn(x, y) for x, y in zip(xs, ys)]
    batched = funcad.vmap(fn)(xs, ys)
    staged = funcad.jit(fn)(xs, ys)
    eager = fn(xs, ys)
    for leaves in zip(*(funcad.tree_util.tree_leaves(o) for o in [batched, staged, eager])):
        np.testing.assert_allclose(leaves[0], leaves[2], rtol=1e-14)
        np.testing.assert_allclose(leaves[1], leaves[2], rtol=1e-14)
    stacked = funcad.tree_util.tree_map(lambda *rows: np.stack(rows), *expected)
    for b, e in zip(funcad.tree_util.tree_leaves(batched), funcad.tree_util.tree_leaves(stacked)):
        np.testing.assert_allclose(b, e, rtol=1e-14)
    # in_axes on the second operand only, and jit of a gradient where there is one
    funcad.vmap(fn, in_axes=(None, 0))(xs[0], ys)
    if name in ("fmod", "copysign", "i0", "sinc", "float_power", "fmax"):
        g = funcad.jit(funcad.grad(lambda x, y: fnp.sum(fn(x, y))))(xs, ys)
        np.testing.assert_allclose(g, funcad.grad(lambda x, y: fnp.sum(fn(x, y)))(xs, ys),
                                   rtol=1e-13)


BROADCAST_VS_NUMPY = {
    "fmod": np.fmod, "copysign": np.copysign, "nextafter": np.nextafter,
    "heaviside": np.heaviside, "fmax": np.fmax, "fmin": np.fmin, "ldexp": None,
    "float_power": np.float_power,
}


@pytest.mark.parametrize("name", sorted(BROADCAST_VS_NUMPY))
@given(data=st.data())
def test_binary_values_on_broadcast_and_empty_shapes(name, data):
    (x_shape, y_shape), _ = data.draw(S.broadcastable_shapes(2, min_side=0), label="shapes")
    dtype = data.draw(st.sampled_from([np.float32, np.float64]), label="dtype")
    x = data.draw(S.arrays(x_shape, Domain(-3, 3), dtype), label="x")
    y = data.draw(S.arrays(y_shape, Domain(-3, 3, away=0.1), dtype), label="y")
    if name == "ldexp":
        n = np.round(y * 3).astype(np.int32)
        expected, ours = np.ldexp(x, n), fnp.ldexp(x, n)
    else:
        if name == "float_power":
            x = np.abs(x) + 0.5
        expected, ours = BROADCAST_VS_NUMPY[name](x, y), getattr(fnp, name)(x, y)
    assert ours.shape == expected.shape and ours.dtype == expected.dtype
    np.testing.assert_allclose(ours, expected, rtol=1e-15 if name == "float_power" else 0)


@pytest.mark.parametrize("name", ["fmod", "copysign", "nextafter", "heaviside", "fmax"])
def test_float32_cotangents_keep_their_dtype(name):
    x = np.array([1.3, -2.6], np.float32)
    y = np.array([0.7, 1.9], np.float32)
    gx, gy = funcad.grad(lambda a, b: fnp.sum(getattr(fnp, name)(a, b)), argnums=(0, 1))(x, y)
    assert gx.dtype == np.float32 and gy.dtype == np.float32
    assert funcad.grad(lambda a: fnp.sum(fnp.i0(a)))(x).dtype == np.float32
    assert funcad.grad(lambda a: fnp.sum(fnp.frexp(a)[0]))(x).dtype == np.float32
