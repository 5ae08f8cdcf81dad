"""funcad.lax against jax.lax's semantics, and the cumulative reductions of funcad.numpy.

Expected values are NumPy references or literals recorded from jax.lax (x64 enabled), so the
tests need no JAX. Derivatives are checked with check_grads (reverse and forward, second
order) on shapes drawn by Hypothesis; vmap against a Python loop; jit against eager; and the
errors jax.lax raises, with their types.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import strategies as S
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import Domain

import funcad
import funcad.lax as lax
import funcad.numpy as fnp
from funcad.primitives import lax_ops
from funcad.test_util import check_grads

MODES = ("rev", "fwd")


def assert_same(actual, expected, dtype=None):
    """Same shape, (NaN-aware) values and, if given, dtype."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-300, equal_nan=True)
    if dtype is not None:
        assert actual.dtype == np.dtype(dtype), (actual.dtype, dtype)


# ----------------------------------------------------------------------------------------------
# Values: arithmetic with C's semantics, and jax.lax's own conventions.


def test_div_truncates_integers_and_divides_floats():
    x = np.array([-7, 7, -8, 8, 0, 5], np.int32)
    y = np.array([2, 2, -3, -3, 3, -5], np.int32)
    assert_same(lax.div(x, y), [-3, 3, 2, -2, 0, -1], np.int32)
    assert_same(lax.div(np.uint8(7), np.uint8(2)), 3, np.uint8)
    assert_same(lax.div(-7.0, 2.0), -3.5)
    # XLA's integer division by zero (-1, all bits set) and overflow (the lowest over -1).
    x = np.array([7, -7, 0, -2 ** 31, -2 ** 31, 5], np.int32)
    y = np.array([0, 0, 0, -1, 0, -1], np.int32)
    assert_same(lax.div(x, y), [-1, -1, -1, -2 ** 31, -1, -5], np.int32)
    assert_same(lax.rem(x, y), [7, -7, 0, 0, -2 ** 31, 0], np.int32)
    u, zero = np.array([7, 0, 255], np.uint8), np.zeros(3, np.uint8)
    assert_same(lax.div(u, zero), [255, 255, 255], np.uint8)
    assert_same(lax.rem(u, zero), [7, 0, 255], np.uint8)


def test_rem_is_c_fmod_with_the_dividends_sign():
    x = np.array([-7, 7, -8, 8, 0, 5], np.int32)
    y = np.array([2, 2, -3, -3, 3, -5], np.int32)
    assert_same(lax.rem(x, y), np.fmod(x, y), np.int32)
    assert_same(lax.rem(x, y), [-1, 1, -2, 2, 0, 0])
    assert_same(lax.rem(-7.5, 2.0), -1.5)
    # d/dx fmod(x, y) = 1, d/dy = -trunc(x / y) (jax.lax: (1, -3) and (1, 3)).
    grad = funcad.grad(lax.rem, argnums=(0, 1))
    assert grad(7.5, 2.0) == (1.0, -3.0)
    assert grad(-7.5, 2.0) == (1.0, 3.0)


def test_round_halves_away_from_zero_by_default():
    x = np.array([0.5, 1.5, -0.5, 2.5, -2.5, 0.49999999999999994, 3.7, -3.2])
    assert_same(lax.round(x), [1, 2, -1, 3, -3, 0, 4, -3])
    assert_same(lax.round(x, 1), [0, 2, -0.0, 2, -2, 0, 4, -3])
    assert np.signbit(lax.round(-0.25))  # (as XLA: -0.0)
    assert funcad.grad(lambda v: lax.round(v * 3.0))(0.2) == 0.0
    with pytest.raises(ValueError, match="rounding_method"):
        lax.round(x, 2)


def test_clamp_values_and_jax_gradient_at_the_bounds():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    assert_same(lax.clamp(-0.5, x, 0.5), np.clip(x, -0.5, 0.5))
    grad = funcad.grad(lambda lo, v, hi: lax.clamp(lo, v, hi), argnums=(0, 1, 2))
    # jax.lax.clamp: x's derivative strictly inside, min's below, max's above, none at a bound.
    assert grad(0.0, 0.5, 1.0) == (0.0, 1.0, 0.0)
    assert grad(0.0, -1.0, 1.0) == (1.0, 0.0, 0.0)
    assert grad(0.0, 2.0, 1.0) == (0.0, 0.0, 1.0)
    assert grad(0.0, 0.0, 1.0) == (0.0, 0.0, 0.0)
    assert grad(0.0, 1.0, 1.0) == (0.0, 0.0, 0.0)


def test_elementwise_conveniences():
    x = np.array([-40.0, 0.0, 3.0])
    assert_same(lax.logistic(x), [4.24835425529159e-18, 0.5, 0.9525741268224334])
    assert lax.logistic(np.float32(-3.0)).dtype == np.float32
    assert_same(lax.rsqrt(np.array([4.0, 0.25])), [0.5, 2.0])
    assert_same(lax.square(np.array([3, -2], np.int32)), [9, 4], np.int32)
    assert_same(lax.reciprocal(np.array([4.0, -0.5])), [0.25, -2.0])
    assert_same(lax.is_finite(np.array([1.0, np.inf, np.nan])), [True, False, False])
    assert_same(lax.nextafter(1.0, 2.0), np.nextafter(1.0, 2.0))
    z = np.array([1 + 2j, -3j])
    assert_same(lax.real(z), [1, 0])
    assert_same(lax.imag(z), [2, -3])
    assert_same(lax.conj(z), [1 - 2j, 3j])
    assert_same(lax.complex(np.array([1.0]), np.array([2.0])), [1 + 2j])


def test_special_functions_match_jax():
    x = np.array([0.5, -1.25, 2.0])
    assert_same(lax.erf(x), [0.5204998778130465, -0.9229001282564582, 0.9953222650189527])
    assert_same(lax.erfc(x), [0.4795001221869535, 1.9229001282564582, 0.004677734981047267])
    assert_same(lax.lgamma(x), [0.5723649429247004, 1.3664317612369745, 0.0])
    assert_same(lax.digamma(x), [-1.9635100260214255, 3.7141391202135288, 0.42278433509846747])
    assert_same(lax.erf_inv(np.array([0.5, -0.25, 0.0])),
                [0.47693627620446977, -0.22531205501217808, 0.0])
    assert_same(lax.polygamma(1, np.array([0.5, 2.0])), [4.93480220054468, 0.6449340668482265])
    assert lax.erf(np.float32(0.5)).dtype == np.float32
    assert lax.erf(np.array([1, 2], np.int32)).dtype == scipy.special.erf(np.int32(1)).dtype
    with pytest.raises(ValueError, match="nonnegative integer"):
        lax.polygamma(-1, 2.0)


def test_scaled_bessel_functions_match_jax():
    x = np.array([0.0, 1.0, -2.0])
    assert_same(lax.bessel_i0e(x), [1.0, 0.46575960759364043, 0.30850832255367094])
    assert_same(lax.bessel_i1e(x), [0.0, 0.2079104153497085, -0.2152692892489376])
    # jax.grad(jax.lax.bessel_i1e) at 0 and -2.
    assert funcad.grad(lax.bessel_i1e)(0.0) == pytest.approx(0.5, rel=1e-14)
    assert funcad.grad(lax.bessel_i1e)(-2.0) == pytest.approx(-0.014395611319735546, rel=1e-12)
    assert lax.bessel_i0e(np.float32(1.0)).dtype == np.float32
    # Large arguments, where SciPy's ive is nan: jax.lax's values.
    x = np.array([1e300, -1e300, np.inf, -np.inf])
    np.testing.assert_allclose(lax.bessel_i0e(x), [3.98942280e-151, 3.98942280e-151, 0, 0],
                               rtol=1e-8)
    np.testing.assert_allclose(lax.bessel_i1e(x), [3.98942280e-151, -3.98942280e-151, 0, 0],
                               rtol=1e-8)
    second = funcad.grad(funcad.grad(lambda v: lax.bessel_i1e(v)))(2e9)
    assert np.isfinite(second)


def test_incomplete_gamma_beta_and_zeta():
    a, x = np.array([0.5, 2.0, 3.5]), np.array([0.3, 1.5, 4.0])
    assert_same(lax.igamma(a, x), scipy.special.gammainc(a, x))
    assert_same(lax.igammac(a, x), scipy.special.gammaincc(a, x))
    assert lax.igamma(2.0, 1.5) == pytest.approx(0.44217459962892536, rel=1e-14)  # (jax)
    # jax.grad(jax.lax.igamma, argnums=1)(2.0, 1.5)
    assert funcad.grad(lambda v: lax.igamma(2.0, v))(1.5) == pytest.approx(0.33469524022264474,
                                                                             rel=1e-12)
    b, y = np.array([3.0, 0.7, 1.2]), np.array([0.4, 0.1, 0.9])
    assert_same(lax.betainc(a, b, y), scipy.special.betainc(a, b, y))
    s, q = np.array([2.5, 3.0, 4.0]), np.array([1.5, 2.0, 3.0])
    assert_same(lax.zeta(s, q), scipy.special.zeta(s, q))
    assert lax.zeta(3.0, 2.0) == pytest.approx(0.20205690315959426, rel=1e-14)
    check_grads(lambda v: lax.igamma(a, v), (x,), order=2, modes=MODES)
    check_grads(lambda v: lax.igammac(a, v), (x,), order=2, modes=MODES)
    check_grads(lambda v: lax.betainc(a, b, v), (y,), order=2, modes=MODES)
    check_grads(lambda v: lax.zeta(s, v), (q,), order=2, modes=MODES)
    assert_same(funcad.vmap(lambda v: lax.igamma(2.0, v))(x), scipy.special.gammainc(2.0, x))
    assert_same(funcad.jit(lambda v: lax.betainc(2.0, 3.0, v))(y),
                scipy.special.betainc(2.0, 3.0, y))
    # Derivatives jax.lax lacks too are refused, never approximated.
    with pytest.raises(NotImplementedError, match="igamma: the derivative with respect to a"):
        funcad.grad(lambda v: lax.igamma(v, 1.5))(2.0)
    with pytest.raises(ValueError, match="betainc: the derivative with respect to a"):
        funcad.grad(lambda v: lax.betainc(v, 2.0, 0.5))(2.0)
    with pytest.raises(NotImplementedError, match="zeta: the derivative with respect to x"):
        funcad.grad(lambda v: lax.zeta(v, 2.0))(3.0)


def test_special_functions_without_scipy_name_the_extra(monkeypatch):
    monkeypatch.setattr(lax_ops, "_SCIPY_INSTALLED", False)
    monkeypatch.setattr(lax_ops, "_scipy_special", None)
    with pytest.raises(ImportError, match=r"funcad\[scipy\]"):
        lax.erf(np.array([0.5]))
    with pytest.raises(ImportError, match=r"funcad\.lax\.lgamma"):
        funcad.jit(lax.lgamma)(np.array([0.5]))


def test_bit_operations_match_jax():
    x = np.array([0, 1, -1, 255, -128, 2 ** 30], np.int32)
    shifts = np.array([0, 1, 31, 32, 40, -1], np.int32)
    assert_same(lax.clz(x), [32, 31, 0, 24, 0, 1], np.int32)
    assert_same(lax.population_count(x), [0, 1, 32, 8, 25, 1], np.int32)
    assert_same(lax.shift_left(x, shifts), [0, 2, -2147483648, 0, 0, 0], np.int32)
    assert_same(lax.shift_right_logical(x, shifts), [0, 0, 1, 0, 0, 0], np.int32)
    assert_same(lax.shift_right_arithmetic(x, shifts), [0, 0, -1, 0, -1, 0], np.int32)
    u = x.astype(np.uint8)
    u_shifts = np.array([0, 1, 7, 8, 9, 3], np.uint8)
    assert_same(lax.clz(u), [8, 7, 0, 0, 0, 8], np.uint8)
    assert_same(lax.shift_right_arithmetic(u, u_shifts), [0, 0, 255, 255, 255, 0], np.uint8)
    assert_same(lax.shift_right_logical(u, u_shifts), [0, 0, 1, 0, 0, 0], np.uint8)
    assert_same(lax.bitwise_and(np.int8(12), np.int8(10)), 8)
    assert_same(lax.bitwise_or(np.int8(12), np.int8(10)), 14)
    assert_same(lax.bitwise_xor(np.int8(12), np.int8(10)), 6)
    assert_same(lax.bitwise_not(np.array([True, False])), [False, True])
    with pytest.raises(TypeError, match="integer"):
        lax.clz(np.array([1.0]))


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint16, np.uint64])
def test_mulhi(dtype):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(17)
    x = rng.integers(info.min, info.max, 50, dtype=dtype, endpoint=True)
    y = rng.integers(info.min, info.max, 50, dtype=dtype, endpoint=True)
    x[:3], y[:3] = [info.min, info.max, info.max], [info.min, info.min, info.max]
    bits = np.dtype(dtype).itemsize * 8
    # Python's integers are exact, and >> floors as a two's complement high half does.
    expected = np.array([(int(a) * int(b)) >> bits for a, b in zip(x, y)],
                        dtype=object).astype(dtype)
    assert_same(lax.mulhi(x, y), expected, dtype)
    assert_same(funcad.jit(lax.mulhi)(x, y), expected)


def test_reduce_precision_matches_jax():
    x = np.array([1.0, 1.0 + 2 ** -8, 1.0 + 3 * 2 ** -9, 3.14159, 1e-30, 1e38, 7e4, -7e4, 65504.0,
                  65520.0, np.inf, -np.inf, np.nan, 0.0, -0.0, 6e-5, 6e-8, 1e-45], np.float32)
    bfloat16 = [1.0, 1.0, 1.0078125, 3.140625, 9.98402083170343e-31, 9.969209968386869e+37,
                70144.0, -70144.0, 65536.0, 65536.0, np.inf, -np.inf, np.nan, 0.0, -0.0,
                6.008148193359375e-05, 6.007030606269836e-08, 0.0]
    half = [1.0, 1.00390625, 1.005859375, 3.140625, 0.0, np.inf, np.inf, -np.inf, 65504.0,
            np.inf, np.inf, -np.inf, np.nan, 0.0, -0.0, 0.0, 0.0, 0.0]
    assert_same(lax.reduce_precision(x, 8, 7), np.array(bfloat16, np.float32), np.float32)
    assert_same(lax.reduce_precision(x, 5, 10), np.array(half, np.float32), np.float32)
    assert_same(lax.reduce_precision(x.astype(np.float64), 5, 10), half, np.float64)
    assert np.signbit(lax.reduce_precision(x, 5, 10)[14])
    # Rounding to float16's format is the cast to float16 and back (normal range).
    y = np.random.default_rng(18).standard_normal(200)
    assert_same(lax.reduce_precision(y, 5, 10), y.astype(np.float16).astype(np.float64))
    assert funcad.grad(lambda v: lax.reduce_precision(v, 5, 2))(1.3) == 1.0  # (as jax)
    assert_same(funcad.vmap(lambda v: lax.reduce_precision(v, 5, 2))(np.array([1.3, 2.7])),
                [1.25, 2.5])
    assert_same(funcad.jit(lambda v: lax.reduce_precision(v, 5, 2))(np.array([1.3])), [1.25])
    with pytest.raises(TypeError, match="floating"):
        lax.reduce_precision(np.array([1]), 5, 2)


def test_convert_element_type_saturates_as_xla():
    x = np.array([np.nan, 1e20, -1e20, 3.7, -3.7, np.inf, -np.inf, 2 ** 31 - 0.5, -0.5])
    assert_same(lax.convert_element_type(x, np.int32),
                [0, 2147483647, -2147483648, 3, -3, 2147483647, -2147483648, 2147483647, 0],
                np.int32)
    assert_same(lax.convert_element_type(x, np.uint8), [0, 255, 0, 3, 0, 255, 0, 255, 0],
                np.uint8)
    big = np.array([2.0 ** 63, 2.0 ** 63 - 1024, -2.0 ** 63])
    assert_same(lax.convert_element_type(big, np.int64),
                np.array([2 ** 63 - 1, 2 ** 63 - 1024, -2 ** 63], np.int64))
    with np.errstate(all="raise"):  # (no invalid casts underneath)
        lax.convert_element_type(np.array([np.nan, 6e4], np.float16), np.int8)
    assert_same(lax.convert_element_type(np.array([300, -5], np.int32), np.uint8), [44, 251])
    assert_same(lax.convert_element_type(np.array([1 + 2.7j], np.complex64), np.int32), [1])
    assert_same(lax.convert_element_type(x, np.bool_), x != 0)
    assert_same(funcad.jit(lambda v: lax.convert_element_type(v, np.int32))(x),
                lax.convert_element_type(x, np.int32))
    assert_same(funcad.grad(lambda v: fnp.sum(lax.convert_element_type(v, np.float32)))(
        np.array([1.0, 2.0])), [1, 1])


def test_bitcast_convert_type():
    assert_same(lax.bitcast_convert_type(np.float32(1.0), np.int32), 1065353216, np.int32)
    x = np.array([1.5, -2.0])
    halves = lax.bitcast_convert_type(x, np.int32)
    assert halves.shape == (2, 2)
    assert_same(lax.bitcast_convert_type(halves, np.float64), x, np.float64)
    with pytest.raises(TypeError, match="last axis"):
        lax.bitcast_convert_type(np.ones(3, np.int32), np.float64)
    assert_same(funcad.vmap(lambda v: lax.bitcast_convert_type(v, np.int32))(x), halves)


def test_constants():
    assert_same(lax.iota(np.float32, 4), [0, 1, 2, 3], np.float32)
    assert_same(lax.broadcasted_iota(np.int32, (2, 3), 1), [[0, 1, 2], [0, 1, 2]], np.int32)
    assert_same(lax.full((2, 3), 1.5), np.full((2, 3), 1.5), np.float64)
    assert_same(lax.full_like(np.ones(2, np.float32), 2), [2, 2], np.float32)
    assert_same(lax.zeros_like_array(np.ones((2,), np.int8)), [0, 0], np.int8)
    assert isinstance(lax.full((2,), 1.0), fnp.Array)
    with pytest.raises(TypeError, match="scalar fill_value"):
        lax.full((2,), np.ones(2))
    # A traced fill value broadcasts (and is differentiable).
    assert funcad.grad(lambda v: fnp.sum(lax.full((2, 3), v)))(1.0) == 6.0
    out = funcad.grad(lambda v: lax.stop_gradient({"a": v * 2.0})["a"] + v)(1.0)
    assert out == 1.0


# ----------------------------------------------------------------------------------------------
# Shapes and slicing.


def test_shapes_match_jax():
    x = np.arange(6.0).reshape(2, 3)
    z = np.arange(120.0).reshape(2, 3, 4, 5)
    assert_same(lax.broadcast_in_dim(np.arange(3.0), (2, 3, 4), (1,)),
                np.broadcast_to(np.arange(3.0)[None, :, None], (2, 3, 4)))
    assert_same(lax.broadcast(x, (2,)), np.broadcast_to(x, (2, 2, 3)))
    assert_same(lax.broadcast_to_rank(x, 4), x[None, None])
    assert lax.broadcast_shapes((2, 1), (3,)) == (2, 3)
    assert_same(lax.reshape(x, (3, 2), (1, 0)), x.T.reshape(3, 2))
    assert_same(lax.squeeze(x[None, :, None], (0, -2)), x)
    assert lax.expand_dims(x, (0, -1)).shape == (1, 2, 3, 1)
    assert lax.collapse(z, 1, 3).shape == (2, 12, 5)
    assert lax.collapse(z, 1).shape == (2, 60)
    assert lax.collapse(z, -2).shape == (2, 3, 20)
    assert_same(lax.rev(z, (0, 2)), z[::-1, :, ::-1])
    assert_same(lax.tile(x, (2, 3)), np.tile(x, (2, 3)))
    parts = lax.split(x, [1, 2], 1)
    assert_same(parts[0], x[:, :1])
    assert_same(parts[1], x[:, 1:])
    assert_same(lax.concatenate([x, x], -1), np.concatenate([x, x], 1))


def test_stacking_and_small_utilities():
    a, b = np.arange(3.0), -np.arange(3.0)
    assert_same(lax.stack([a, b], 1), np.stack([a, b], 1))
    parts = lax.unstack(np.arange(6).reshape(2, 3), 1)
    assert len(parts) == 3 and all(p.shape == (2,) for p in parts)
    assert_same(parts[2], [2, 5])
    assert lax.broadcast_like(np.ones(3), np.ones((2, 3))).shape == (2, 3)
    assert lax.dtype(1.0) == np.float64 and lax.dtype(np.ones(2, np.int8)) == np.int8
    assert_same(lax.empty((2,), np.int32), [0, 0], np.int32)
    assert lax.platform_dependent(2.0, default=lambda v: v + 1, cuda=lambda v: v) == 3.0
    assert lax.platform_dependent(2.0, cpu=lambda v: v * 5) == 10.0
    assert_same(lax.round(np.array([2.5]), lax.RoundingMethod.TO_NEAREST_EVEN), [2])
    assert_same(lax.round(np.array([2.5]), lax.RoundingMethod.AWAY_FROM_ZERO), [3])
    assert lax.dot(a, a, precision=lax.Precision.HIGHEST) == 5.0
    check_grads(lambda u, v: lax.stack([u, v]), (a, b), order=2, modes=MODES)


def test_pad_matches_jax():
    assert_same(lax.pad(np.arange(1.0, 4.0), -1.0, [(2, -1, 2)]),
                [-1, -1, 1, -1, -1, 2, -1, -1])
    assert_same(lax.pad(np.arange(6.0).reshape(2, 3), 0.0, [(-1, 1, 1), (1, -2, 0)]),
                [[0, 0], [0, 3], [0, 0]])
    assert lax.pad(np.ones((0, 2)), 0.0, [(1, 1, 3), (0, 0, 0)]).shape == (2, 2)
    assert lax.pad(np.ones(3, np.float32), 0.0, [(1, 0, 0)]).dtype == np.float32


def test_slicing_matches_jax():
    z = np.arange(120.0).reshape(2, 3, 4, 5)
    assert_same(lax.slice(z, (0, 1, 0, 2), (2, 3, 4, 5), (1, 2, 3, 1)), z[0:2, 1:3:2, 0:4:3, 2:5])
    assert_same(lax.slice_in_dim(z, -3, None, 2, 1), z[:, 0::2])
    assert_same(lax.index_in_dim(z, -1, 2, False), z[:, :, -1])
    assert_same(lax.index_in_dim(z, 1, 0), z[1:2])
    x = np.arange(5)
    # Negative starts count from the end; then the block is clamped to fit (XLA).
    assert_same(lax.dynamic_slice(x, (-2,), (2,)), [3, 4])
    assert_same(lax.dynamic_slice(x, (4,), (3,)), [2, 3, 4])
    assert_same(lax.dynamic_slice(x, (-9,), (2,)), [0, 1])
    assert_same(lax.dynamic_slice(x, (-2,), (2,), allow_negative_indices=False), [0, 1])
    assert_same(lax.dynamic_update_slice(x, np.array([9, 9]), (4,)), [0, 1, 2, 9, 9])
    m = np.arange(12.0).reshape(3, 4)
    assert_same(lax.dynamic_slice_in_dim(m, 1, 2, 1), m[:, 1:3])
    assert_same(lax.dynamic_index_in_dim(m, -1, 1, False), m[:, -1])
    assert_same(lax.dynamic_index_in_dim(m, 1), m[1:2])
    expected = m.copy()
    expected[:, 2] = 0
    assert_same(lax.dynamic_update_index_in_dim(m, np.zeros(3), 2, 1), expected)
    expected = m.copy()
    expected[:, 2:] = -1
    assert_same(lax.dynamic_update_slice_in_dim(m, -np.ones((3, 2)), 3, 1), expected)
    assert_same(lax.dynamic_slice(np.float64(3.0), (), ()), 3.0)


@pytest.mark.parametrize("starts", [(1, 2), (-1, 3), (5, -9), (0, 0), (2, 1)])
def test_dynamic_slices_with_traced_starts(starts):
    """Under jit the starts are traced: the gather and scatter give the same blocks."""
    m = np.arange(12.0).reshape(3, 4)
    update = -np.ones((2, 2))
    expected = lax.dynamic_slice(m, starts, (2, 2))
    assert_same(funcad.jit(lambda v, i, j: lax.dynamic_slice(v, (i, j), (2, 2)))(m, *starts),
                expected)
    assert_same(funcad.jit(lambda v, s: lax.dynamic_slice(v, s, (2, 2)))(m, np.array(starts)),
                expected)
    assert_same(
        funcad.jit(lambda v, i, j: lax.dynamic_update_slice(v, update, (i, j)))(m, *starts),
        lax.dynamic_update_slice(m, update, starts))


# ----------------------------------------------------------------------------------------------
# Convolutions, against a direct NumPy loop over output and kernel positions.


def _reference_conv(x, w, strides, padding, lhs_dilation, rhs_dilation, groups=1,
                    batch_groups=1):
    """XLA's convolution in NC.../OI... layouts, written out directly."""
    n, c, *spatial = x.shape
    o, i, *kernel = w.shape
    dilated = np.zeros((n, c) + tuple((s - 1) * d + 1 for s, d in zip(spatial, lhs_dilation)))
    dilated[(slice(None), slice(None)) + tuple(slice(None, None, d) for d in lhs_dilation)] = x
    for axis, (low, high) in enumerate(padding, start=2):
        widths = [(0, 0)] * dilated.ndim
        widths[axis] = (max(low, 0), max(high, 0))
        dilated = np.pad(dilated, widths)
        crop = [slice(None)] * dilated.ndim
        crop[axis] = slice(-min(low, 0), dilated.shape[axis] + min(high, 0))
        dilated = dilated[tuple(crop)]
    windows = [(k - 1) * d + 1 for k, d in zip(kernel, rhs_dilation)]
    out_shape = [max((p - wd) // s + 1, 0) if p >= wd else 0
                 for p, wd, s in zip(dilated.shape[2:], windows, strides)]
    out = np.zeros((n // batch_groups, o) + tuple(out_shape))
    per_group, per_batch_group = o // groups, o // batch_groups
    for index in np.ndindex(*out.shape):
        b, f, position = index[0], index[1], index[2:]
        g = f // per_group
        batch = b + (f // per_batch_group) * (n // batch_groups)
        total = 0.0
        for k in np.ndindex(*kernel):
            at = tuple(p * s + kk * d for p, s, kk, d in zip(position, strides, k, rhs_dilation))
            total += np.dot(dilated[(batch, slice(g * i, (g + 1) * i)) + at],
                            w[(f, slice(None)) + k])
        out[index] = total
    return out


CONV_CASES = [
    dict(lhs=(2, 3, 7), rhs=(4, 3, 3), strides=(1,), padding="VALID"),
    dict(lhs=(2, 3, 7), rhs=(4, 3, 3), strides=(2,), padding="SAME"),
    dict(lhs=(1, 2, 8), rhs=(2, 2, 3), strides=(3,), padding="SAME_LOWER"),
    dict(lhs=(2, 3, 5, 4), rhs=(2, 3, 3, 2), strides=(2, 1), padding=[(1, 2), (0, -1)],
         lhs_dilation=(2, 1), rhs_dilation=(1, 2)),
    dict(lhs=(2, 4, 5, 4), rhs=(6, 2, 3, 2), strides=(1, 1), padding="SAME", groups=2),
    dict(lhs=(4, 3, 4, 4), rhs=(6, 3, 2, 2), strides=(1, 1), padding="VALID",
         batch_groups=2),
    dict(lhs=(2, 3, 2), rhs=(4, 3, 5), strides=(1,), padding="VALID"),
]


@pytest.mark.parametrize("case", range(len(CONV_CASES)))
def test_conv_general_dilated(case):
    c = CONV_CASES[case]
    rng = np.random.default_rng(case)
    x, w = rng.standard_normal(c["lhs"]), rng.standard_normal(c["rhs"])
    count = len(c["lhs"]) - 2
    lhs_dilation = c.get("lhs_dilation", (1,) * count)
    rhs_dilation = c.get("rhs_dilation", (1,) * count)
    groups, batch_groups = c.get("groups", 1), c.get("batch_groups", 1)

    def f(a, b):
        return lax.conv_general_dilated(a, b, c["strides"], c["padding"], lhs_dilation,
                                        rhs_dilation, feature_group_count=groups,
                                        batch_group_count=batch_groups)

    padding = c["padding"]
    if isinstance(padding, str):
        windows = [(k - 1) * d + 1 for k, d in zip(c["rhs"][2:], rhs_dilation)]
        padding = lax.padtype_to_pads(c["lhs"][2:], windows, c["strides"], padding)
    expected = _reference_conv(x, w, c["strides"], padding, lhs_dilation, rhs_dilation,
                               groups, batch_groups)
    assert_same(f(x, w), expected)
    if expected.size:
        check_grads(f, (x, w), order=2, modes=MODES)
    xs = rng.standard_normal((2,) + c["lhs"])
    out = funcad.vmap(f, in_axes=(0, None))(xs, w)
    for k in range(2):
        assert_same(out[k], f(xs[k], w))
    assert_same(funcad.jit(f)(x, w), expected)


def test_conv_layouts_and_helpers():
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((4, 3, 3, 2))
    expected = lax.conv_general_dilated(x, w, (1, 2), "SAME")
    out = lax.conv_general_dilated(np.transpose(x, (0, 2, 3, 1)), np.transpose(w, (2, 3, 1, 0)),
                                   (1, 2), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    assert_same(out, np.transpose(expected, (0, 2, 3, 1)))
    # Spatial axes are matched by letter, in the kernel's order.
    out = lax.conv_general_dilated(np.transpose(x, (0, 3, 2, 1)), np.transpose(w, (2, 3, 1, 0)),
                                   (1, 2), "SAME", dimension_numbers=("NWHC", "HWIO", "NCHW"))
    assert_same(out, expected)
    assert_same(lax.conv(x, w, (1, 2), "SAME"), expected)
    assert_same(lax.conv_with_general_padding(x, w, (1, 1), [(1, 1), (0, 0)], (1, 1), (2, 1)),
                _reference_conv(x, w, (1, 1), [(1, 1), (0, 0)], (1, 1), (2, 1)))
    assert lax.conv_dimension_numbers((1, 2, 3, 4), (1, 2, 3, 4), ("NHWC", "HWIO", "NHWC")) \
        == lax.ConvDimensionNumbers((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
    assert lax.padtype_to_pads((5, 6), (3, 2), (2, 1), "SAME") == [(1, 1), (0, 1)]
    assert lax.padtype_to_pads((5, 6), (2, 2), (1, 1), "SAME_LOWER") == [(1, 0), (1, 0)]


def test_conv_patches():
    rng = np.random.default_rng(13)
    x = np.arange(2 * 2 * 4 * 3.0).reshape(2, 2, 4, 3)
    patches = lax.conv_general_dilated_patches(x, (2, 2), (1, 1), "VALID")
    assert patches.shape == (2, 8, 3, 2)
    assert_same(patches[0, :, 0, 0], x[0, :, 0:2, 0:2].ravel())  # (channel-major)
    # A convolution is its patches contracted with the flattened kernel.
    z, w = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((4, 3, 3, 2))
    p = lax.conv_general_dilated_patches(z, (3, 2), (2, 1), "SAME", rhs_dilation=(1, 2))
    assert_same(np.einsum("nkhw,ok->nohw", p, w.reshape(4, -1)),
                lax.conv_general_dilated(z, w, (2, 1), "SAME", rhs_dilation=(1, 2)))
    out = lax.conv_general_dilated_patches(np.transpose(z, (0, 2, 3, 1)), (3, 2), (2, 1),
                                           "SAME", rhs_dilation=(1, 2),
                                           dimension_numbers=("NHWC", "OIHW", "NHWC"))
    assert_same(out, np.transpose(p, (0, 2, 3, 1)))
    check_grads(lambda v: lax.conv_general_dilated_patches(v, (2, 2), (1, 2), "SAME"), (z,),
                order=2, modes=MODES)


def test_shape_helpers_match_jax():
    assert lax.conv_general_permutations(("NHWC", "HWIO", "NCHW")) == (
        (0, 3, 1, 2), (3, 2, 0, 1), (0, 1, 2, 3))
    assert tuple(lax.conv_shape_tuple((2, 3, 7, 5), (4, 3, 3, 2), (2, 1), [(1, 0), (0, 2)])) \
        == (2, 4, 3, 6)
    assert tuple(lax.conv_general_shape_tuple((2, 7, 5, 3), (3, 2, 3, 4), (2, 1), "SAME",
                                              ("NHWC", "HWIO", "NHWC"))) == (2, 4, 5, 4)
    assert tuple(lax.conv_transpose_shape_tuple((2, 7, 5, 3), (3, 2, 3, 4), (2, 1), "VALID",
                                                ("NHWC", "HWIO", "NHWC"))) == (2, 15, 6, 4)
    assert tuple(lax.reduce_window_shape_tuple((7, 5), (3, 2), (2, 1), [(1, 0), (0, 2)],
                                               (1, 2), (2, 1))) == (2, 10)
    rng = np.random.default_rng(16)
    x, w = rng.standard_normal((2, 7, 5, 3)), rng.standard_normal((3, 2, 3, 4))
    assert lax.conv_transpose(x, w, (2, 1), "VALID").shape == (2, 15, 6, 4)
    z = rng.standard_normal((7, 5))
    out = lax.reduce_window(z, 0.0, lax.add, (3, 2), (2, 1), [(1, 0), (0, 2)], (1, 2), (2, 1))
    assert out.shape == (2, 10)


def test_conv_transpose_matches_jax():
    x = np.arange(1.0, 9.0).reshape(1, 4, 2)  # NHC
    w = np.array([[[1.0, 0.0], [0.0, 1.0]], [[2.0, 1.0], [1.0, 0.0]]])  # HIO
    plain = [[4, 1], [1, 2], [10, 3], [3, 4], [16, 5], [5, 6], [22, 7], [7, 8]]
    flipped = [[1, 2], [4, 1], [3, 4], [10, 3], [5, 6], [16, 5], [7, 8], [22, 7]]
    for padding in ("SAME", "VALID"):
        assert_same(lax.conv_transpose(x, w, (2,), padding), [plain])
        assert_same(lax.conv_transpose(x, w, (2,), padding, transpose_kernel=True), [flipped])
    assert_same(lax.conv_transpose(x, w, (2,), [(1, 0)]), [plain[:-1]])
    assert_same(lax.conv_transpose(x, w, (2,), [(1, 0)], use_consistent_padding=True),
                [[[1, 2], [10, 3], [3, 4], [16, 5], [5, 6], [22, 7], [7, 8]]])
    check_grads(lambda a, b: lax.conv_transpose(a, b, (2,), "SAME"), (x, w), order=2,
                modes=MODES)


@pytest.mark.parametrize("call, error, match", [
    (lambda: lax.conv_general_dilated(np.ones((1, 2, 5)), np.ones((3, 4, 2)), (1,), "VALID"),
     TypeError, "feature"),
    (lambda: lax.conv_general_dilated(np.ones((1, 2, 5)), np.ones((3, 2, 2, 2)), (1,), "VALID"),
     TypeError, "ndim"),
    (lambda: lax.conv_general_dilated(np.ones((1, 2, 5)), np.ones((3, 2, 2)), (1, 1), "VALID"),
     ValueError, "window_strides"),
    (lambda: lax.conv_general_dilated(np.ones((1, 2, 5)), np.ones((3, 2, 2)), (1,), "FULL"),
     RuntimeError, "padding"),
    (lambda: lax.conv_general_dilated(np.ones((1, 2, 5)), np.ones((3, 2, 2)), (1,), "SAME",
                                      lhs_dilation=(2,)), ValueError, "String padding"),
    (lambda: lax.conv_general_dilated(np.ones((1, 2, 5, 5)), np.ones((3, 2, 2, 2)), (1, 1),
                                      "VALID", dimension_numbers=("NCHW", "OIHW", "NCHX")),
     TypeError, "spatial characters"),
    (lambda: lax.conv_general_dilated(np.ones((1, 2, 5)), np.ones((3, 2, 2)), (1,), "VALID",
                                      batch_group_count=2), ValueError, "batch_group_count"),
    (lambda: lax.gather(np.ones((3, 2)), np.array([[0.5]]), ROWS, (1, 2)), TypeError,
     "integers"),
    (lambda: lax.gather(np.ones((3, 2)), np.array([[0, 1]]), ROWS, (1, 2)), TypeError,
     "index-mapped"),
    (lambda: lax.gather(np.ones((3, 2)), np.array([[0]]), ROWS, (2, 2)), TypeError,
     "slice size 1"),
    (lambda: lax.gather(np.ones((3, 2)), np.array([[0]]), ROWS, (1, 2), mode="wrap"),
     ValueError, "Unknown gather mode"),
    (lambda: lax.scatter_add(np.ones((3, 2, 2)), np.array([[0]]), np.ones((2, 2, 2)),
                             SCATTER_ROWS), TypeError, "batch shape"),
    (lambda: lax.reduce_window(np.ones(3), 0.0, lambda a, b: a + b, (2,)), TypeError,
     "not one funcad recognises"),
    (lambda: lax.reduce_window(np.ones(3), 0.0, lax.add, (2, 2)), TypeError,
     "window_dimensions"),
])
def test_conv_window_and_indexing_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ----------------------------------------------------------------------------------------------
# gather and scatter, against loops over the windows.

ROWS = lax.GatherDimensionNumbers(offset_dims=(1, 2), collapsed_slice_dims=(0,),
                                  start_index_map=(0,))
WINDOWS = lax.GatherDimensionNumbers(offset_dims=(1, 2, 3), collapsed_slice_dims=(),
                                     start_index_map=(0, 1))
WINDOW_STARTS = np.array([[1, 0], [3, 2], [4, 3], [-1, 0]])


def _windows(x, starts, sizes, clip=True):
    out = []
    for start in starts:
        fits = all(0 <= s <= n - k for s, n, k in zip(start, x.shape, sizes))
        start = [min(max(s, 0), n - k) for s, n, k in zip(start, x.shape, sizes)]
        window = x[start[0]:start[0] + sizes[0], start[1]:start[1] + sizes[1]]
        out.append(window if fits or clip else np.full_like(window, np.nan))
    return np.stack(out)


def test_gather_matches_numpy_indexing():
    x = np.random.default_rng(8).standard_normal((5, 4, 3))
    assert_same(lax.gather(x, np.array([[1], [3], [0]]), ROWS, (1, 4, 3)), x[[1, 3, 0]])
    # Out-of-bounds windows: clamped by default (promise_in_bounds) and with 'clip', NaN
    # with 'fill' (jax.lax's default fill value for floats).
    expected = _windows(x, WINDOW_STARTS, (2, 2))
    assert_same(lax.gather(x, WINDOW_STARTS, WINDOWS, (2, 2, 3)), expected)
    assert_same(lax.gather(x, WINDOW_STARTS, WINDOWS, (2, 2, 3), mode="clip"), expected)
    assert_same(lax.gather(x, WINDOW_STARTS, WINDOWS, (2, 2, 3), mode="fill"),
                _windows(x, WINDOW_STARTS, (2, 2), clip=False))
    filled = lax.gather(x, WINDOW_STARTS, WINDOWS, (2, 2, 3), mode="fill", fill_value=7.0)
    assert_same(filled[2], np.full((2, 2, 3), 7.0))
    i = np.arange(6, dtype=np.int32).reshape(3, 2)
    out = lax.gather(i, np.array([[5], [0]]), lax.GatherDimensionNumbers(
        (1,), (0,), (0,)), (1, 2), mode="fill")
    assert_same(out, [[np.iinfo(np.int32).min] * 2, [0, 1]], np.int32)
    # Offset axes placed first; a reversed start map; batching axes.
    dn = lax.GatherDimensionNumbers(offset_dims=(0,), collapsed_slice_dims=(0, 2),
                                    start_index_map=(2, 0))
    assert_same(lax.gather(x, np.array([[1, 2], [0, 0]]), dn, (1, 4, 1)),
                np.stack([x[2, :, 1], x[0, :, 0]], axis=1))
    xb, ib = np.random.default_rng(9).standard_normal((3, 5, 4)), np.array([[1], [4], [2]])
    dn = lax.GatherDimensionNumbers((1,), (1,), (1,), operand_batching_dims=(0,),
                                    start_indices_batching_dims=(0,))
    assert_same(lax.gather(xb, ib, dn, (1, 1, 4)), xb[np.arange(3), ib[:, 0]])


def test_gather_derivatives_vmap_jit():
    x = np.random.default_rng(10).standard_normal((5, 4, 3))

    def f(v, starts):
        return lax.gather(v, starts, WINDOWS, (2, 2, 3), mode="clip")

    check_grads(lambda v: f(v, WINDOW_STARTS), (x,), order=2, modes=MODES)
    xs = np.stack([x, -x])
    starts = np.stack([WINDOW_STARTS, WINDOW_STARTS[::-1]])
    out = funcad.vmap(f)(xs, starts)
    for k in range(2):
        assert_same(out[k], f(xs[k], starts[k]))
    assert_same(funcad.jit(f)(x, WINDOW_STARTS), f(x, WINDOW_STARTS))


SCATTER_ROWS = lax.ScatterDimensionNumbers(update_window_dims=(1, 2), inserted_window_dims=(0,),
                                           scatter_dims_to_operand_dims=(0,))
SCATTER_WINDOWS = lax.ScatterDimensionNumbers(update_window_dims=(1, 2, 3),
                                              inserted_window_dims=(),
                                              scatter_dims_to_operand_dims=(0, 1))


def test_scatter_family_matches_numpy():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((5, 4, 3))
    rows, u = np.array([[1], [3], [1]]), rng.standard_normal((3, 4, 3))
    expected = x.copy()
    np.add.at(expected, rows[:, 0], u)
    assert_same(lax.scatter_add(x, rows, u, SCATTER_ROWS), expected)
    expected = x.copy()
    np.add.at(expected, rows[:, 0], -u)
    assert_same(lax.scatter_sub(x, rows, u, SCATTER_ROWS), expected)
    expected = x.copy()
    np.multiply.at(expected, rows[:, 0], u)
    assert_same(lax.scatter_mul(x, rows, u, SCATTER_ROWS), expected)
    expected = x.copy()
    expected[[3, 0]] = u[:2]
    assert_same(lax.scatter(x, np.array([[3], [0]]), u[:2], SCATTER_ROWS), expected)
    for name, ufunc in (("scatter_max", np.maximum), ("scatter_min", np.minimum)):
        expected = x.copy()
        ufunc.at(expected, rows[:, 0], u)
        assert_same(getattr(lax, name)(x, rows, u, SCATTER_ROWS), expected)
        i = np.arange(12, dtype=np.int32).reshape(3, 4)
        updates = np.array([[5, -1, 7, 3], [0, 0, 0, 0], [9, 2, -5, 4]], np.int32)
        expected = i.copy()
        ufunc.at(expected, [0, 2, 0], updates)
        dn = lax.ScatterDimensionNumbers((1,), (0,), (0,))
        assert_same(getattr(lax, name)(i, np.array([[0], [2], [0]]), updates, dn), expected,
                    np.int32)
    # Windows: out of bounds ones are dropped by default and clamped with 'clip'.
    w = rng.standard_normal((4, 2, 2, 3))
    dropped, clipped = x.copy(), x.copy()
    for start, update in zip(WINDOW_STARTS, w):
        fits = 0 <= start[0] <= 3 and 0 <= start[1] <= 2
        a, b = min(max(start[0], 0), 3), min(max(start[1], 0), 2)
        clipped[a:a + 2, b:b + 2] += update
        if fits:
            dropped[a:a + 2, b:b + 2] += update
    assert_same(lax.scatter_add(x, WINDOW_STARTS, w, SCATTER_WINDOWS), dropped)
    assert_same(lax.scatter_add(x, WINDOW_STARTS, w, SCATTER_WINDOWS, mode="clip"), clipped)
    replaced = x.copy()
    replaced[1:3, 0:2] = w[0]
    replaced[3:5, 2:4] = w[1]
    assert_same(lax.scatter(x, WINDOW_STARTS, w, SCATTER_WINDOWS), replaced)


@pytest.mark.parametrize("name", ["scatter", "scatter_add", "scatter_mul", "scatter_max",
                                  "scatter_min"])
def test_scatter_derivatives_vmap_jit(name):
    rng = np.random.default_rng(12)
    x, w = rng.standard_normal((5, 4, 3)), rng.standard_normal((4, 2, 2, 3))
    starts = np.array([[1, 0], [3, 2], [4, 3], [0, 2]])  # (no overlap, one dropped)
    fn = getattr(lax, name)

    def f(v, u, i):
        return fn(v, i, u, SCATTER_WINDOWS)

    check_grads(lambda v, u: f(v, u, starts), (x, w), order=2, modes=MODES)
    overlapping = np.array([[1, 0], [2, 1], [4, 3], [1, 1]])  # (and repeated positions)
    check_grads(lambda v, u: f(v, u, overlapping), (x, w), order=2, modes=MODES)
    xs, ws = np.stack([x, -x]), np.stack([w, 2 * w])
    indices = np.stack([starts, starts[::-1]])
    out = funcad.vmap(f)(xs, ws, indices)
    for k in range(2):
        assert_same(out[k], f(xs[k], ws[k], indices[k]))
    assert_same(funcad.jit(f)(x, w, starts), f(x, w, starts))


# ----------------------------------------------------------------------------------------------
# Products, reductions, sorting.


def test_products():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    assert_same(lax.dot(x, y), x @ y)
    assert_same(lax.dot(x[0], x[1]), x[0] @ x[1])
    assert_same(lax.dot(x, y[:, 0]), x @ y[:, 0])
    b = rng.standard_normal((2, 3, 4))
    assert_same(lax.batch_matmul(b, b.transpose(0, 2, 1)), b @ b.transpose(0, 2, 1))
    out = lax.dot_general(x, x, (((1,), (1,)), ((), ())), preferred_element_type=np.float32)
    assert out.dtype == np.float32
    assert_same(lax.dot(b, y.T, dimension_numbers=(((2,), (0,)), ((), ()))), b @ y.T)
    with pytest.raises(ValueError, match="dimension_numbers must be specified"):
        lax.dot(b, y.T)


@pytest.mark.parametrize("group_sizes", [[2, 0, 3], [7, 0, 0], [0, 0, 0], [1, 1, 5]])
def test_ragged_dot(group_sizes):
    rng = np.random.default_rng(20)
    lhs, rhs = rng.standard_normal((7, 3)), rng.standard_normal((3, 3, 2))
    sizes = np.array(group_sizes, np.int32)
    expected = np.zeros((7, 2))
    start = 0
    for g, n in enumerate(group_sizes):
        expected[start:start + n] = lhs[start:start + n] @ rhs[g]
        start += n
    assert_same(lax.ragged_dot(lhs, rhs, sizes), expected)
    check_grads(lambda a, b: lax.ragged_dot(a, b, sizes), (lhs, rhs), order=2, modes=MODES)
    assert_same(funcad.jit(lax.ragged_dot)(lhs, rhs, sizes), expected)  # (sizes traced)


def test_reduce_maps_known_computations_to_the_primitives():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    assert_same(lax.reduce(x, 0.0, lax.add, (1,)), [6, 15])
    assert_same(lax.reduce(x, 5.0, lax.add, (1,)), [11, 20])  # (jax.lax: the init once)
    assert_same(lax.reduce(x, 1.0, lax.mul, (0,)), [4, 10, 18])
    assert_same(lax.reduce(x, -np.inf, lax.max, (0, 1)), 6)
    assert_same(lax.reduce(x, np.inf, np.minimum, (0,)), [1, 2, 3])
    assert_same(lax.reduce(np.ones((0, 3)), 2.0, lax.add, (0,)), [2, 2, 2])
    assert_same(lax.reduce(x > 2, True, lax.bitwise_and, (1,)), [False, True])
    assert_same(lax.reduce((x,), (0.0,), lax.add, (0,))[0], [5, 7, 9])
    i = np.array([3, 1, 2], np.int32)
    assert_same(lax.reduce(i, np.iinfo(np.int32).min, lax.max, (0,)), 3, np.int32)
    assert_same(lax.reduce_and(x > 0, (0, 1)), True)
    assert_same(lax.reduce_or(x > 5, (1,)), [False, True])


def _reference_pool(x, numpy_reduce, window, strides):
    windows = np.lib.stride_tricks.sliding_window_view(x, window)
    windows = windows[tuple(slice(None, None, s) for s in strides)]
    return numpy_reduce(windows, axis=tuple(range(x.ndim, 2 * x.ndim)))


def test_reduce_window_matches_jax():
    x = np.array([1.0, 2.0, 3.0])
    # The init value is combined once; padding and dilation holes hold the identity.
    assert_same(lax.reduce_window(x, 10.0, lax.add, (2,), (1,), base_dilation=(2,)),
                [11, 12, 12, 13])
    assert_same(lax.reduce_window(x, 10.0, lax.add, (2,), (1,), [(1, 1)]), [11, 13, 15, 13])
    assert_same(lax.reduce_window(x, 10.0, lax.add, (2,), (1,), window_dilation=(2,)), [14])
    m = np.arange(12.0).reshape(3, 4)
    assert_same(lax.reduce_window(m, -np.inf, lax.max, (2, 2), (2, 2), "SAME"), [[5, 7], [9, 11]])
    # jax.grad of the summed max pool: each window's maximum gets the cotangent.
    assert_same(funcad.grad(lambda v: fnp.sum(lax.reduce_window(v, -np.inf, lax.max, (2, 2),
                                                                (2, 2), "SAME")))(m),
                [[0, 0, 0, 0], [0, 1, 0, 1], [0, 1, 0, 1]])
    rng = np.random.default_rng(4)
    z = rng.standard_normal((2, 7, 6))
    for numpy_reduce, computation, init in ((np.max, lax.max, -np.inf),
                                            (np.sum, lax.add, 0.0),
                                            (np.min, np.minimum, np.inf)):
        assert_same(lax.reduce_window(z, init, computation, (1, 3, 2), (1, 2, 2)),
                    _reference_pool(z, numpy_reduce, (1, 3, 2), (1, 2, 2)))
    i = rng.integers(-5, 5, (4, 5)).astype(np.int32)
    out = lax.reduce_window(i, np.int32(np.iinfo(np.int32).min), lax.max, (2, 2), (1, 1))
    assert_same(out, _reference_pool(i, np.max, (2, 2), (1, 1)), np.int32)


@pytest.mark.parametrize("computation, init", [(lax.add, 0.0), (lax.max, -np.inf),
                                               (lax.mul, 1.0), (lax.add, 1.5)])
def test_reduce_window_derivatives_vmap_jit(computation, init):
    z = np.random.default_rng(5).permutation(40).reshape(2, 5, 4) * 0.05 - 1.0  # (no ties)

    def f(v):
        return lax.reduce_window(v, init, computation, (1, 3, 2), (1, 2, 1), "SAME",
                                 window_dilation=(1, 1, 2))

    check_grads(f, (z,), order=2, modes=MODES)
    zs = np.stack([z, -z, 2 * z])
    out = funcad.vmap(f)(zs)
    for k in range(3):
        assert_same(out[k], f(zs[k]))
    assert_same(funcad.jit(f)(z), f(z))


@pytest.mark.parametrize("shape, axes", [((5,), (0,)), ((3, 4, 5), (0, 2)), ((3, 0), (1,)),
                                         ((2, 7), (1,)), ((4,), ())])
def test_reduce_xor(shape, axes):
    i = np.random.default_rng(14).integers(-100, 100, shape).astype(np.int32)
    expected = np.bitwise_xor.reduce(i, axis=axes) if axes else i
    assert_same(lax.reduce_xor(i, axes), expected, np.int32)
    assert_same(lax.reduce_xor(i > 0, axes), np.logical_xor.reduce(i > 0, axis=axes)
                if axes else i > 0, np.bool_)
    assert_same(funcad.jit(lambda v: lax.reduce_xor(v, axes))(i), expected)
    with pytest.raises(TypeError, match="boolean or integer"):
        lax.reduce_xor(np.ones(2), (0,))


def test_arg_reductions():
    x = np.array([[1.0, np.nan, 3.0], [2.0, 5.0, 5.0]])
    assert_same(lax.argmax(x, 1, np.int32), [1, 1], np.int32)
    assert_same(lax.argmin(x, 0, np.int64), [0, 0, 0], np.int64)  # (a NaN is chosen)
    assert_same(lax.argmax(x, 0, np.int32), [1, 0, 1])
    with pytest.raises(ValueError, match="Invalid axis"):
        lax.argmax(x, 2, np.int32)
    with pytest.raises(TypeError, match="index_dtype"):
        lax.argmax(x, 0, np.float32)


def test_cumulative_values_match_jax():
    assert_same(lax.cumlogsumexp(np.array([0.0, 1.0, -2.0]), reverse=True),
                [1.3490122167681864, 1.048587351573742, -2.0])
    assert_same(lax.cummax(np.array([1.0, 3.0, 2.0, 5.0]), reverse=True), [5, 5, 5, 5])
    assert_same(lax.cummin(np.array([3.0, 1.0, 2.0])), [3, 1, 1])
    assert_same(lax.cumprod(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1), [[1, 2], [3, 12]])
    assert_same(lax.cumsum(np.array([[1, 2], [3, 4]], np.int32)), [[1, 2], [4, 6]])
    assert_same(lax.cumsum(np.arange(4.0), reverse=True), [6, 6, 5, 3])
    assert_same(funcad.grad(lambda v: fnp.sum(lax.cummax(v)))(np.array([1.0, 3.0, 2.0, 5.0])),
                [1, 2, 0, 1])
    assert_same(funcad.grad(lambda v: fnp.sum(lax.cumlogsumexp(v)))(np.array([0.0, 1.0, -2.0])),
                [1.5284378817124142, 1.4364430913282462, 0.035119026959339716])
    # Wide ranges neither overflow nor underflow; -inf entries get a zero gradient (jax: nan).
    assert_same(funcad.grad(lambda v: fnp.sum(lax.cumlogsumexp(v)))(
        np.array([-1000.0, 0.0, 1000.0])), [1, 1, 1])
    assert_same(funcad.grad(lambda v: fnp.sum(lax.cumlogsumexp(v)))(
        np.array([-np.inf, -np.inf, 0.5, -1.0])), [0, 0, 1.8175744761936437, 0.18242552380635635])


def test_sort_and_top_k_match_jax():
    keys = np.array([1, 0, 1, 0, 1])
    second = np.array([3, 2, 1, 0, 0])
    values = np.arange(5.0)
    out = lax.sort((keys, second, values), num_keys=2)
    assert_same(out[0], [0, 0, 1, 1, 1])
    assert_same(out[1], [0, 2, 0, 1, 3])
    assert_same(out[2], [3, 1, 4, 2, 0])
    assert_same(lax.sort(np.array([0.0, np.nan, -1.0])), [-1, 0, np.nan])
    k, v = lax.sort_key_val(np.array([2.0, 1.0, 3.0]), np.array([20, 10, 30]))
    assert_same(k, [1, 2, 3])
    assert_same(v, [10, 20, 30])
    t = np.array([[1.0, 3.0, 3.0, 2.0], [4.0, 4.0, 4.0, 0.0]])
    top, index = lax.top_k(t, 3)
    assert_same(top, [[3, 3, 2], [4, 4, 4]])
    assert_same(index, [[1, 2, 3], [0, 1, 2]], np.int32)
    top, index = lax.top_k(t, 1, axis=0)
    assert_same(index, [[1, 1, 1, 0]])
    x = np.array([[1.0, 5.0, 3.0], [2.0, 0.0, 9.0]])
    top, index = lax.approx_max_k(x, 2)
    assert_same(top, [[5, 3], [9, 2]])
    assert_same(index, [[1, 2], [2, 0]], np.int32)
    low, index = lax.approx_min_k(x, 2, reduction_dimension=0)
    assert_same(low, [[1, 0, 3], [2, 5, 9]])
    assert_same(index, [[0, 1, 0], [1, 0, 1]], np.int32)
    tree = (1.0, np.ones(2))
    assert lax.optimization_barrier(tree) is tree
    assert lax.with_sharding_constraint(tree, None) is tree
    assert lax.composite(lambda v: v * 2, "double")(3.0) == 6.0
    assert_same(lax.shape_as_value((2, 3)), [2, 3])


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 8, 11])
@pytest.mark.parametrize("reverse", [False, True])
def test_associative_scan(n, reverse):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((3, n))
    expected = np.cumsum(x[:, ::-1], 1)[:, ::-1] if reverse else np.cumsum(x, 1)
    assert_same(lax.associative_scan(lax.add, x, reverse, 1), expected)

    def affine(a, b):  # composition of the maps y -> a y + b
        return a[0] * b[0], a[1] * b[0] + b[1]

    a, b = rng.standard_normal((n, 2)), rng.standard_normal((n, 2))
    out = lax.associative_scan(affine, (a, b), reverse)
    y = np.zeros(2)
    order = range(n - 1, -1, -1) if reverse else range(n)
    expected = np.zeros((n, 2))
    for i in order:
        y = a[i] * y + b[i]
        expected[i] = y
    assert_same(out[1], expected)
    # The same combination tree as jax.lax (visible with a non-associative fn).
    if n == 5:
        assert_same(lax.associative_scan(lax.sub, np.arange(1.0, 6.0), reverse),
                    [-1, 0, -2, 1, 5] if reverse else [1, -1, -4, 0, -5])
    if n:
        check_grads(lambda v: lax.associative_scan(lax.mul, v, reverse, 1), (x,), order=2,
                    modes=MODES)
        xs = rng.standard_normal((4, n))
        assert_same(funcad.vmap(lambda v: lax.associative_scan(lax.max, v))(xs),
                    np.maximum.accumulate(xs, 1))
        assert_same(funcad.jit(lambda v: lax.associative_scan(lax.max, v))(xs[0]),
                    np.maximum.accumulate(xs[0]))


def test_associative_scan_errors():
    with pytest.raises(ValueError, match="same length"):
        lax.associative_scan(lax.add, (np.ones(3), np.ones(2)))
    with pytest.raises(ValueError, match="at least one"):
        lax.associative_scan(lax.add, ())


def test_fft_matches_numpy():
    x = np.random.default_rng(15).standard_normal((3, 8))
    z = x + 1j * x[::-1]
    assert_same(lax.fft(z, "FFT", (8,)), np.fft.fft(z))
    assert_same(lax.fft(z, lax.FftType.IFFT, (3, 8)), np.fft.ifft2(z))
    assert_same(lax.fft(x, lax.FftType.RFFT, (8,)), np.fft.rfft(x))
    assert_same(lax.fft(z[:, :5], "IRFFT", (8,)), np.fft.irfft(z[:, :5], 8))


# ----------------------------------------------------------------------------------------------
# Implicitly differentiated solves.


def _jacobi(matvec, rhs):
    """A fixed number of Jacobi sweeps (diagonally dominant matrices): an iterative solver."""
    diagonal = fnp.stack([matvec(e)[i] for i, e in enumerate(np.eye(rhs.shape[0]))])
    x = rhs / diagonal
    for _ in range(80):
        x = x + (rhs - matvec(x)) / diagonal
    return x


def test_custom_linear_solve():
    rng = np.random.default_rng(19)
    a, b = rng.standard_normal((4, 4)) + 6 * np.eye(4), rng.standard_normal(4)

    def loss(m, rhs):
        x = lax.custom_linear_solve(lambda v: m @ v, rhs, _jacobi, transpose_solve=_jacobi)
        return fnp.sum(fnp.sin(x))

    x = np.linalg.solve(a, b)
    assert loss(a, b) == pytest.approx(np.sum(np.sin(x)), rel=1e-12)
    # The exact gradient of sum(sin(A^-1 b)).
    g = np.cos(x)
    u = np.linalg.solve(a.T, g)
    grads = funcad.grad(loss, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(grads[0], -np.outer(u, x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grads[1], u, rtol=1e-10)
    jitted = funcad.jit(funcad.grad(loss, argnums=(0, 1)))(a, b)
    np.testing.assert_allclose(jitted[0], grads[0], rtol=1e-12)
    check_grads(lambda rhs: loss(a, rhs), (b,), order=2, modes=("rev",))
    s = a + a.T
    sym = funcad.grad(lambda rhs: fnp.sum(lax.custom_linear_solve(
        lambda v: s @ v, rhs, _jacobi, symmetric=True) ** 2))(b)
    np.testing.assert_allclose(sym, 2 * np.linalg.solve(s, np.linalg.solve(s, b)), rtol=1e-8)
    bs = rng.standard_normal((3, 4))
    out = funcad.vmap(lambda rhs: lax.custom_linear_solve(lambda v: a @ v, rhs, _jacobi))(bs)
    np.testing.assert_allclose(out, np.linalg.solve(a, bs.T).T, rtol=1e-10)
    with pytest.raises(TypeError, match="transpose_solve required"):
        funcad.grad(lambda m: fnp.sum(lax.custom_linear_solve(lambda v: m @ v, b, _jacobi)))(a)


def test_custom_root():
    def newton(f, x0):
        x = x0
        for _ in range(30):
            x = x - f(x) / funcad.grad(f)(x)
        return x

    def scalar_solve(g, y):
        return y / g(1.0)

    def sqrt(a):
        return lax.custom_root(lambda x: x ** 2 - a, 1.0, newton, scalar_solve)

    assert sqrt(2.0) == pytest.approx(np.sqrt(2.0), rel=1e-15)
    # jax.lax.custom_root: grad 0.3535533905932738, second derivative -0.08838834764831847.
    assert funcad.grad(sqrt)(2.0) == pytest.approx(0.3535533905932738, rel=1e-12)
    assert funcad.grad(funcad.grad(sqrt))(2.0) == pytest.approx(-0.08838834764831847,
                                                                rel=1e-10)
    assert funcad.jit(funcad.grad(sqrt))(2.0) == pytest.approx(0.3535533905932738, rel=1e-12)
    assert_same(np.round(funcad.vmap(sqrt)(np.array([4.0, 9.0])), 12), [2, 3])
    assert funcad.grad(lambda g: lax.custom_root(lambda x: x ** 2 - 2.0, g, newton,
                                                 scalar_solve))(1.0) == 0.0


def test_names_jax_lax_has_raise_not_implemented_yet():
    with pytest.raises(AttributeError, match="funcad.lax does not implement scatter_apply yet"):
        lax.scatter_apply  # noqa: B018
    with pytest.raises(AttributeError, match="does not implement random_gamma_grad yet"):
        lax.random_gamma_grad  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'no_such_thing'") as info:
        lax.no_such_thing  # noqa: B018
    assert "implement" not in str(info.value)
    assert not hasattr(lax, "rng_uniform")
    assert hasattr(lax, "dynamic_update_slice")


# ----------------------------------------------------------------------------------------------
# Errors, with jax.lax's exception types.


@pytest.mark.parametrize("call, error, match", [
    (lambda: lax.dynamic_slice(np.ones(5), (1,), (6,)), TypeError, "slice_sizes"),
    (lambda: lax.dynamic_slice(np.ones(5), (1, 2), (2,)), ValueError, "start indices"),
    (lambda: lax.dynamic_slice(np.ones(5), (1,), (2, 2)), TypeError, "slice_sizes"),
    (lambda: lax.dynamic_update_slice(np.ones(5), np.ones(6), (0,)), TypeError, "smaller"),
    (lambda: lax.dynamic_update_slice(np.ones(5), np.ones(2, np.int32), (0,)), TypeError,
     "same dtypes"),
    (lambda: lax.squeeze(np.ones((2, 3)), (0,)), ValueError, "size not equal to one"),
    (lambda: lax.slice(np.ones(5), (3,), (2,)), TypeError, "start_indices"),
    (lambda: lax.pad(np.ones(3), 0.0, [(1, 1, -1)]), ValueError, "interior"),
    (lambda: lax.pad(np.ones(3), 0.0, [(-3, -1, 0)]), ValueError, "negative shape"),
    (lambda: lax.pad(np.ones(3), 0.0, [(1, 1, 0), (0, 0, 0)]), ValueError, "rank"),
    (lambda: lax.pad(np.ones(3), np.ones(2), [(1, 1, 0)]), TypeError, "scalar"),
    (lambda: lax.broadcast_in_dim(np.ones(3), (2, 4), (1,)), TypeError, "dimension sizes"),
    (lambda: lax.broadcast_in_dim(np.ones(3), (3, 4), (0, 1)), TypeError, "length"),
    (lambda: lax.cumsum(np.ones(3), 1), ValueError, "out of bounds"),
    (lambda: lax.rev(np.ones(3), (1,)), TypeError, "rev dimensions"),
    (lambda: lax.index_in_dim(np.ones(3), 5), IndexError, "out of bounds"),
    (lambda: lax.top_k(np.ones(3), 5), ValueError, "top_k"),
    (lambda: lax.reduce(np.ones(3), 0.0, lambda a, b: a * b + 1, (0,)), TypeError,
     "not one funcad recognises"),
    (lambda: lax.reduce((np.ones(3), np.ones(3)), (0.0, 0.0), lax.add, (0,)),
     NotImplementedError, "variadic"),
    (lambda: lax.sort((np.ones(3), np.ones(2))), TypeError, "same shape"),
    (lambda: lax.sort(np.ones(3), num_keys=2), ValueError, "num_keys"),
    (lambda: lax.split(np.ones(4), [1, 2]), ValueError, "sum"),
    (lambda: lax.tile(np.ones((2, 3)), (2,)), TypeError, "reps"),
    (lambda: lax.dot(np.ones((2, 3)), np.ones((2, 3))), TypeError, "incompatible"),
    (lambda: lax.reshape(np.ones((2, 3)), (6,), (0, 0)), ValueError, "permutation"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ----------------------------------------------------------------------------------------------
# Derivatives: check_grads to second order, reverse and forward, on drawn shapes.

AWAY = Domain(0.3, 2.0)  # positive, away from 0


def _shape(data, **kwargs):
    return data.draw(S.shapes(**kwargs))


def _array(data, shape, domain=S.DEFAULT_DOMAIN):
    return data.draw(S.arrays(shape, domain))


def _pad_case(data):
    shape = _shape(data, min_dims=1, min_side=0)
    config = []
    for n in shape:
        interior = data.draw(st.integers(0, 2))
        dilated = n + max(n - 1, 0) * interior
        lo = data.draw(st.integers(-dilated, 2))
        hi = data.draw(st.integers(-(dilated + lo), 2)) if dilated + lo >= 0 else 0
        if dilated + lo < 0:
            lo = -dilated
        config.append((lo, hi, interior))
    return (lambda x, v: lax.pad(x, v, config)), (_array(data, shape), np.float64(0.7))


def _slice_case(data):
    shape = _shape(data, min_dims=1)
    starts = [data.draw(st.integers(0, n)) for n in shape]
    limits = [data.draw(st.integers(s, n)) for s, n in zip(starts, shape)]
    strides = [data.draw(st.integers(1, 3)) for _ in shape]
    return (lambda x: lax.slice(x, starts, limits, strides)), (_array(data, shape),)


def _dynamic_slice_case(data):
    shape = _shape(data, min_dims=1)
    sizes = [data.draw(st.integers(0, n)) for n in shape]
    starts = [data.draw(st.integers(-n - 1, n + 1)) for n in shape]
    return (lambda x: lax.dynamic_slice(x, starts, sizes)), (_array(data, shape),)


def _dynamic_update_case(data):
    shape = _shape(data, min_dims=1)
    sizes = tuple(data.draw(st.integers(0, n)) for n in shape)
    starts = [data.draw(st.integers(-n - 1, n + 1)) for n in shape]
    return ((lambda x, u: lax.dynamic_update_slice(x, u, starts)),
            (_array(data, shape), _array(data, sizes)))


def _broadcast_in_dim_case(data):
    shape = _shape(data)
    target, dims = [], []
    for n in shape:
        if data.draw(st.booleans()):
            target.append(data.draw(st.integers(1, 3)))
        dims.append(len(target))
        target.append(n if n != 1 or data.draw(st.booleans()) else 3)
    target.append(2)
    return (lambda x: lax.broadcast_in_dim(x, target, dims)), (_array(data, shape),)


def _cumulative_case(name):
    def case(data):
        shape = _shape(data, min_dims=1, min_side=0)
        axis = data.draw(st.integers(-len(shape), len(shape) - 1))
        reverse = data.draw(st.booleans())
        fn = getattr(lax, name)
        if name in ("cummax", "cummin"):
            (x,) = data.draw(S.distinct_arrays((shape,)))
        else:
            x = _array(data, shape, Domain(-1.5, 1.5))
        return (lambda v: fn(v, axis, reverse)), (x,)

    return case


def _reduce_case(data):
    shape = _shape(data, min_dims=1)
    dims = data.draw(st.sets(st.integers(0, len(shape) - 1), min_size=1))
    op, init = data.draw(st.sampled_from([(lax.add, 0.0), (lax.add, 1.5), (lax.mul, 1.0),
                                          (lax.max, -np.inf)]))
    (x,) = data.draw(S.distinct_arrays((shape,)))
    return (lambda v: lax.reduce(v, init, op, tuple(dims))), (x,)


def _sort_case(data):
    shape = _shape(data, min_dims=1)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x, y = data.draw(S.distinct_arrays((shape, shape)))
    return (lambda a, b: lax.sort((a, b), axis, num_keys=1)), (x, y)


def _top_k_case(data):
    shape = _shape(data, min_dims=1)
    k = data.draw(st.integers(0, shape[-1]))
    (x,) = data.draw(S.distinct_arrays((shape,)))
    return (lambda a: lax.top_k(a, k)[0]), (x,)


def _unary_case(fn, domain=S.DEFAULT_DOMAIN):
    def case(data):
        return fn, (_array(data, _shape(data), domain),)

    return case


def _rem_case(data):
    """x = +-(q y + r) with 0.1 <= r <= 0.9 < y: away from fmod's jumps."""
    shape = _shape(data)
    y = _array(data, shape, Domain(1.0, 2.0))
    r = _array(data, shape, Domain(0.1, 0.9))
    q = data.draw(st.sampled_from([0.0, 1.0, 2.0]))
    sign = data.draw(st.sampled_from([-1.0, 1.0]))
    return lax.rem, (sign * (q * y + r), y)


def _rem_broadcast_case(data):
    """Broadcasting operands, |x| < |y|: away from fmod's jumps."""
    shapes = data.draw(S.broadcastable_shapes(2)).input_shapes
    x = _array(data, shapes[0], Domain(-0.9, 0.9))
    y = _array(data, shapes[1], Domain(1.0, 2.0))
    return lax.rem, (x, y)


def _clamp_broadcast_case(data):
    shapes = data.draw(S.broadcastable_shapes(3)).input_shapes
    (x,) = data.draw(S.distinct_arrays((shapes[1],)))
    return (lambda lo, v, hi: lax.clamp(lo, v, hi)), (
        np.full(shapes[0], -0.51), x, np.full(shapes[2], 0.52))


def _div_broadcast_case(data):
    """lax.div on floats is the true division (broadcasting)."""
    shapes = data.draw(S.broadcastable_shapes(2)).input_shapes
    return lax.div, (_array(data, shapes[0]), _array(data, shapes[1], Domain(0.5, 2.0)))


def _clamp_case(data):
    shape = _shape(data)
    (x,) = data.draw(S.distinct_arrays((shape,)))
    return (lambda lo, v, hi: lax.clamp(lo, v, hi)), (
        np.full(shape, -0.51), x, np.full(shape, 0.52))


GRAD_CASES = {
    "logistic": _unary_case(lax.logistic),
    "rsqrt": _unary_case(lax.rsqrt, AWAY),
    "reciprocal": _unary_case(lax.reciprocal, Domain(-2.0, 2.0, away=0.3)),
    "square": _unary_case(lax.square),
    "erf": _unary_case(lax.erf),
    "erfc": _unary_case(lax.erfc),
    "erf_inv": _unary_case(lax.erf_inv, Domain(-0.8, 0.8)),
    "lgamma": _unary_case(lax.lgamma, AWAY),
    "digamma": _unary_case(lax.digamma, AWAY),
    "polygamma": _unary_case(lambda x: lax.polygamma(1, x), AWAY),
    "bessel_i0e": _unary_case(lax.bessel_i0e, Domain(-2.0, 2.0, away=0.1)),
    "bessel_i1e": _unary_case(lax.bessel_i1e, Domain(-2.0, 2.0, away=0.1)),
    "rem": _rem_case,
    "rem, broadcasting": _rem_broadcast_case,
    "div, broadcasting": _div_broadcast_case,
    "clamp": _clamp_case,
    "clamp, broadcasting": _clamp_broadcast_case,
    "pad": _pad_case,
    "slice": _slice_case,
    "dynamic_slice": _dynamic_slice_case,
    "dynamic_update_slice": _dynamic_update_case,
    "broadcast_in_dim": _broadcast_in_dim_case,
    "rev": lambda data: (lambda s: ((lambda x: lax.rev(x, tuple(range(0, len(s), 2)))),
                                    (_array(data, s),)))(_shape(data)),
    "tile": lambda data: (lambda s: ((lambda x: lax.tile(x, (2,) * len(s))),
                                     (_array(data, s),)))(_shape(data)),
    "cumsum": _cumulative_case("cumsum"),
    "cumprod": _cumulative_case("cumprod"),
    "cummax": _cumulative_case("cummax"),
    "cummin": _cumulative_case("cummin"),
    "cumlogsumexp": _cumulative_case("cumlogsumexp"),
    "reduce": _reduce_case,
    "sort": _sort_case,
    "top_k": _top_k_case,
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
@settings(max_examples=20)
@given(data=st.data())
def test_derivatives(name, data):
    f, args = GRAD_CASES[name](data)
    check_grads(f, args, order=2, modes=MODES)


def test_derivatives_of_products():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    check_grads(lax.dot, (x, y), order=2, modes=MODES)
    b = rng.standard_normal((2, 3, 4))
    check_grads(lax.batch_matmul, (b, b.transpose(0, 2, 1) + 1), order=2, modes=MODES)
    check_grads(lambda p, q: lax.dot_general(p, q, (((1,), (0,)), ((), ()))), (x, y),
                order=2, modes=MODES)


# ----------------------------------------------------------------------------------------------
# reduce_prod and cumprod: exact gradients with zeros, O(n) memory.


def _others_product(x, axes):
    expected = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        others = x.copy()
        others[i] = 1.0
        same = tuple(slice(None) if d in axes else i[d] for d in range(x.ndim))
        expected[i] = np.prod(others[same])
    return expected


def _prod_hessian(x):
    """d^2 prod(x) / dx_i dx_j: the product of all but x_i and x_j (0 on the diagonal)."""
    n = x.size
    h = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                h[i, j] = np.prod(np.delete(x, [i, j]))
    return h


@pytest.mark.parametrize("x", [np.array([2.0, 0.0, 3.0, 4.0]), np.array([0.0, 5.0, 0.0, 3.0]),
                               np.array([0.0, 0.0, 0.0]), np.array([1.5]),
                               np.array([2.0, -1.0, 0.5, 3.0])])
def test_prod_gradient_and_hessian_exact_with_zeros(x):
    assert_same(funcad.grad(lambda v: fnp.prod(v))(x), _others_product(x, (0,)))
    assert_same(funcad.hessian(lambda v: fnp.prod(v))(x), _prod_hessian(x))
    assert_same(funcad.jacfwd(funcad.grad(lambda v: fnp.prod(v)))(x), _prod_hessian(x))


def test_prod_gradient_over_axes_with_zeros():
    x = np.array([[[1.0, 0.0], [2.0, 3.0]], [[0.0, 0.0], [4.0, 5.0]], [[1.5, 2.0], [0.5, 0.0]]])
    for axes in [(0,), (1, 2), (0, 2), (0, 1, 2)]:
        g = funcad.grad(lambda v: fnp.sum(fnp.sin(fnp.prod(v, axis=axes))))(x)
        cos = np.expand_dims(np.cos(np.prod(x, axis=axes)), axes)
        assert_same(g, cos * _others_product(x, axes))


def test_prod_gradient_is_linear_in_memory():
    """No (n, n) intermediate: every value in the staged gradient has O(n) elements."""
    n = 256
    jaxpr = funcad.make_jaxpr(funcad.grad(lambda v: fnp.prod(v)))(np.ones(n))
    sizes = [int(np.prod(v.aval.shape)) for eqn in jaxpr.jaxpr.eqns for v in eqn.outvars]
    assert max(sizes) <= n + 1
    hessian = funcad.make_jaxpr(funcad.hessian(lambda v: fnp.prod(v)))(np.ones(16))
    assert hessian is not None


def test_cumprod_derivatives_with_zeros_match_jax():
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    # jax.jacrev(jax.lax.cumprod)(x)
    expected = np.array([[1, 0, 0, 0, 0], [0, 2, 0, 0, 0], [0, 6, 0, 0, 0],
                         [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]], float)
    assert_same(funcad.jacrev(lambda v: lax.cumprod(v))(x), expected)
    assert_same(funcad.jacfwd(lambda v: lax.cumprod(v))(x), expected)
    hessian = funcad.hessian(lambda v: fnp.sum(lax.cumprod(v)))(x)
    expected = sum(np.pad(_prod_hessian(x[:k]), (0, 5 - k)) for k in range(1, 6))
    assert_same(hessian, expected)
    assert expected[1, 3] == 2 * 3 + 2 * 3 * 5


# ----------------------------------------------------------------------------------------------
# vmap and jit agreement.

VMAP_CASES = {
    "pad": (lambda x, v: lax.pad(x, v, [(1, -1, 2), (0, 2, 0)]), (0, 0)),
    "pad, shared value": (lambda x, v: lax.pad(x, v, [(1, -1, 2), (0, 2, 0)]), (0, None)),
    "dynamic_slice, batched starts": (
        lambda x, i: lax.dynamic_slice(x, (i, 1), (2, 2)), (0, 0)),
    "dynamic_slice, shared operand": (
        lambda x, i: lax.dynamic_slice(x, (i, -1), (2, 3)), (None, 0)),
    "dynamic_update_slice, batched starts": (
        lambda x, i: lax.dynamic_update_slice(x, -x[:2, :2], (i, i)), (0, 0)),
    "cumprod": (lambda x, i: lax.cumprod(x, 1, True), (0, None)),
    "cumlogsumexp": (lambda x, i: lax.cumlogsumexp(x, 0), (1, None)),
    "cummax": (lambda x, i: lax.cummax(x, -1), (0, None)),
    "sort": (lambda x, i: lax.sort((x, -x), 0)[1], (0, None)),
    "top_k": (lambda x, i: lax.top_k(x, 2), (0, None)),
    "clamp": (lambda x, i: lax.clamp(-0.5, x, 0.5), (0, None)),
    "rev": (lambda x, i: lax.rev(x, (0, 1)), (1, None)),
    "erf": (lambda x, i: lax.erf(x) + lax.lgamma(x + 3.0), (0, None)),
    "clz": (lambda x, i: lax.clz(i + 5) + lax.population_count(i), (None, 0)),
    "reduce": (lambda x, i: lax.reduce(x, -np.inf, lax.max, (1,)), (0, None)),
    "broadcast_in_dim": (lambda x, i: lax.broadcast_in_dim(x, (2, 3, 4, 2), (1, 2)),
                         (0, None)),
}


@pytest.mark.parametrize("name", sorted(VMAP_CASES))
def test_vmap_agrees_with_a_loop(name):
    f, in_axes = VMAP_CASES[name]
    rng = np.random.default_rng(2)
    xs = rng.standard_normal((5, 3, 4))
    index = np.array([0, 2, -1, 3, 1], np.int64)
    xs_in = xs if in_axes[0] in (0, None) else np.moveaxis(xs, 0, in_axes[0])
    x_unbatched = xs[0]
    out = funcad.vmap(f, in_axes=in_axes)(x_unbatched if in_axes[0] is None else xs_in,
                                          index[0] if in_axes[1] is None else index)
    for k in range(5):
        expected = f(x_unbatched if in_axes[0] is None else xs[k],
                     index[0] if in_axes[1] is None else index[k])
        for o, e in zip(funcad.tree_util.tree_leaves(out), funcad.tree_util.tree_leaves(
                expected)):
            assert_same(np.asarray(o)[k], e)


def test_vmap_of_pad_with_batched_padding_values():
    xs = np.arange(6.0).reshape(2, 3)
    out = funcad.vmap(lambda x, v: lax.pad(x, v, [(1, 1, 1)]))(xs, np.array([-1.0, -2.0]))
    assert_same(out, [[-1, 0, -1, 1, -1, 2, -1], [-2, 3, -2, 4, -2, 5, -2]])


@pytest.mark.parametrize("name", sorted(VMAP_CASES))
def test_jit_agrees_with_eager(name):
    f, _ = VMAP_CASES[name]
    x = np.random.default_rng(3).standard_normal((3, 4))
    expected = f(x, 2)
    out = funcad.jit(f)(x, 2)
    for o, e in zip(funcad.tree_util.tree_leaves(out), funcad.tree_util.tree_leaves(expected)):
        assert_same(o, e)


def test_jit_of_gradients():
    x = np.array([0.3, -1.2, 2.0, 0.5])
    for f in (lambda v: fnp.sum(lax.cumprod(v)), lambda v: fnp.prod(v),
              lambda v: fnp.sum(lax.dynamic_slice(v, (1,), (2,)) ** 2),
              lambda v: fnp.sum(lax.pad(v, 1.0, [(1, -1, 1)]) ** 2),
              lambda v: fnp.sum(lax.erf(v) * lax.logistic(v))):
        assert_same(funcad.jit(funcad.grad(f))(x), funcad.grad(f)(x))


def test_dynamic_slice_gradient_with_traced_start():
    """Under jit(grad) the start index is traced: the gather's gradient scatters back."""
    x = np.arange(5.0)
    g = funcad.jit(funcad.grad(lambda v, i: fnp.sum(lax.dynamic_slice(v, (i,), (2,)) ** 2)))
    assert_same(g(x, 4), [0, 0, 0, 6, 8])  # (start clamped to 3)
    assert_same(g(x, -4), [0, 2, 4, 0, 0])


# ----------------------------------------------------------------------------------------------
# funcad.numpy's cumulative reductions.


@pytest.mark.parametrize("call", [
    lambda m, a: m.cumprod(a),
    lambda m, a: m.cumprod(a, axis=-1),
    lambda m, a: m.cumprod(a, dtype=np.int32),
    lambda m, a: m.cumprod(a.astype(bool)),
    lambda m, a: m.cumprod(a.astype(np.uint8), axis=0),
    lambda m, a: m.cumulative_sum(a, axis=1, include_initial=True),
    lambda m, a: m.cumulative_prod(a[0], include_initial=True),
    lambda m, a: m.cumulative_prod(a, axis=0, dtype=np.float32),
    lambda m, a: m.cumulative_sum(np.float64(3.0)),
    lambda m, a: m.cumulative_sum(a.astype(bool), axis=0),
    lambda m, a: m.cumulative_sum(np.ones((2, 0)), axis=1, include_initial=True),
    lambda m, a: m.nancumsum(a),
    lambda m, a: m.nancumsum(np.array([[1.0, np.nan], [np.nan, 2.0]]), axis=1),
    lambda m, a: m.nancumprod(np.array([[1.0, np.nan], [2.0, 3.0]]), axis=0),
    lambda m, a: m.nancumprod(np.array([np.nan, 2.0], np.float32)),
])
def test_numpy_cumulative_values_and_dtypes(call):
    a = np.arange(1, 7, dtype=np.int32).reshape(2, 3)
    expected = call(np, a)
    assert_same(call(fnp, a), expected, expected.dtype)


def test_cumulative_of_a_scalar_and_of_empty_arrays():
    check_grads(lambda v: fnp.cumulative_prod(v, include_initial=True), (np.float64(1.5),),
                order=2, modes=MODES)
    assert_same(fnp.cumulative_prod(np.float64(1.5), include_initial=True), [1, 1.5])
    for f in (lambda v: fnp.prod(v, axis=1), lambda v: lax.cumprod(v, 1)):
        assert funcad.grad(lambda v: fnp.sum(f(v)))(np.ones((2, 0))).shape == (2, 0)
    assert funcad.vmap(lambda v: fnp.cumprod(v))(np.ones((3, 0))).shape == (3, 0)


def test_numpy_cumulative_errors():
    with pytest.raises(ValueError, match="axis"):
        fnp.cumulative_sum(np.ones((2, 3)))
    with pytest.raises(np.exceptions.AxisError):
        fnp.cumprod(np.ones((2, 3)), axis=2)
    with pytest.raises(TypeError, match="out="):
        fnp.nancumsum(np.ones(3), out=np.ones(3))


@pytest.mark.parametrize("name", ["cumprod", "cumulative_sum", "cumulative_prod", "nancumsum",
                                  "nancumprod"])
@settings(max_examples=12)
@given(data=st.data())
def test_numpy_cumulative_derivatives(name, data):
    shape = _shape(data, min_dims=1, min_side=0)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = _array(data, shape, Domain(-1.5, 1.5))
    fn = getattr(fnp, name)
    kwargs = {"include_initial": True} if name.startswith("cumulative") else {}
    check_grads(lambda v: fn(v, axis=axis, **kwargs), (x,), order=2, modes=MODES)


def test_nan_cumulative_gradients_are_zero_at_nans():
    x = np.array([1.0, np.nan, 2.0, 0.0])
    assert_same(funcad.grad(lambda v: fnp.sum(fnp.nancumprod(v)))(x), [4, 0, 1, 2])
    assert_same(funcad.grad(lambda v: fnp.sum(fnp.nancumsum(v)))(x), [4, 0, 2, 1])
    # NumPy's own functions reach funcad's on tracers.
    assert_same(funcad.grad(lambda v: fnp.sum(np.cumprod(v)))(np.array([1.0, 3.0, 2.0])),
                [10, 3, 3])


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.uint16, np.float32])
def test_sums_and_products_keep_the_operand_dtype(dtype):
    """jax.lax never promotes (NumPy's int32 sum is int64): the result wraps as XLA's does."""
    x = np.array([100, 27, 3], dtype)
    for out in (lax.reduce_sum(x, (0,)), lax.reduce_prod(x, (0,)), lax.cumsum(x),
                lax.cumprod(x, reverse=True), lax.reduce(x, dtype(0), lax.add, (0,))):
        assert out.dtype == dtype
    assert lax.reduce_sum(x, (0,)) == np.sum(x, dtype=dtype)
    np.testing.assert_array_equal(lax.cumsum(x), np.cumsum(x, dtype=dtype))
