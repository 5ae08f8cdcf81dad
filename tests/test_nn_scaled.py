"""funcad.nn.scaled_dot_general and get_scaled_dot_general_config: block quantization to
mxfp8 / nvfp4 emulated in NumPy, then scaled_matmul; gradients by JAX's formulas."""

from __future__ import annotations

import numpy as np
import pytest

import funcad
import funcad.nn as nn
import funcad.numpy as fnp
from funcad.nn._products import _FLOAT4_E2M1FN, _FLOAT8_E4M3FN, _quantize, _round_to_format

RNG = np.random.default_rng(0)
A = RNG.standard_normal((2, 32, 64)).astype(np.float32)
B = RNG.standard_normal((2, 32, 64)).astype(np.float32)
BATCHED = (((2,), (2,)), ((0,), (0,)))


def configs(mode, global_scale=None):
    return [nn.get_scaled_dot_general_config(mode, global_scale)] * 3


def dequantized(x, mode, global_scale=None):
    x3 = fnp.asarray(x).reshape((-1,) + x.shape[-2:])
    values, scales = _quantize(x3, configs(mode, global_scale)[0], "x")
    block = x.shape[-1] // scales.shape[-1]
    return (np.asarray(values) * np.repeat(np.asarray(scales), block, axis=-1)).reshape(x.shape)


def test_configs():
    mx = nn.get_scaled_dot_general_config("mxfp8")
    assert (mx.mode, mx.block_size, mx.data_type, mx.scale_type, mx.global_scale) == \
        ("mxfp8", 32, "float8_e4m3fn", "float8_e8m0fnu", None)
    nv = nn.get_scaled_dot_general_config("nvfp4")
    assert (nv.mode, nv.block_size, nv.data_type, nv.scale_type) == \
        ("nvfp4", 16, "float4_e2m1fn", "float8_e4m3fn")
    assert np.asarray(nv.global_scale).tolist() == [1.0] and not nv.infer_only
    with pytest.raises(ValueError, match="Unsupported mode: int8"):
        nn.get_scaled_dot_general_config("int8")


def test_rounding_to_the_formats_matches_the_casts():
    # (the casts to ml_dtypes.float8_e4m3fn and float4_e2m1fn of the same values)
    x = np.array([1.0625, 1.1875, 2**-10, 2**-9 * 1.5, 300, 440, -0.3, 0.0], np.float32)
    assert np.asarray(_round_to_format(x, _FLOAT8_E4M3FN)).tolist() == \
        [1.0, 1.25, 0.0, 0.00390625, 288.0, 448.0, -0.3125, 0.0]
    y = np.array([0.25, 0.75, 1.25, 2.5, 5.0, 5.5, -1.75, 0.2], np.float32)
    assert np.asarray(_round_to_format(y, _FLOAT4_E2M1FN)).tolist() == \
        [0.0, 1.0, 1.0, 2.0, 4.0, 6.0, -2.0, 0.0]


@pytest.mark.parametrize("mode", ["mxfp8", "nvfp4"])
def test_quantization_blocks_scales_and_zero_blocks(mode):
    x = A.copy()
    x[0, 0, :32] = 0.0
    values, scales = _quantize(fnp.asarray(x), configs(mode)[0], "x")
    block = 32 if mode == "mxfp8" else 16
    assert values.shape == x.shape and scales.shape == (2, 32, 64 // block)
    assert np.all(np.asarray(values)[0, 0, :32] == 0.0)  # (a block of zeros stays zeros)
    largest = 448.0 if mode == "mxfp8" else 6.0
    assert np.abs(np.asarray(values)).max() <= largest
    if mode == "mxfp8":  # (power-of-two scales, 2**-127 for the zero block)
        assert np.all(np.log2(np.asarray(scales)) == np.round(np.log2(np.asarray(scales))))
        assert np.asarray(scales)[0, 0, 0] == 2.0 ** -127
    error = np.abs(dequantized(x, mode) - x).max() / np.abs(x).max()
    assert 0 < error < (0.07 if mode == "mxfp8" else 0.3)


@pytest.mark.parametrize("mode", ["mxfp8", "nvfp4"])
def test_forward_is_the_product_of_the_dequantized_operands(mode):
    out = nn.scaled_dot_general(A, B, BATCHED, configs=configs(mode))
    assert out.shape == (2, 32, 32) and out.dtype == np.float32
    reference = np.einsum("bmk,bnk->bmn", dequantized(A, mode), dequantized(B, mode))
    np.testing.assert_allclose(out, reference, rtol=1e-5, atol=1e-5)
    exact = np.einsum("bmk,bnk->bmn", A, B)
    error = np.abs(out - exact).max() / np.abs(exact).max()
    assert 0 < error < (0.1 if mode == "mxfp8" else 0.4)  # (mxfp8 keeps 3 bits, nvfp4 1)
    np.testing.assert_array_equal(
        funcad.jit(lambda a, b: nn.scaled_dot_general(a, b, BATCHED, configs=configs(mode)))(
            A, B), out)


def test_nvfp4_global_scale():
    scale = np.array([0.5], np.float32)
    out = nn.scaled_dot_general(A, B, BATCHED, configs=configs("nvfp4", scale))
    reference = np.einsum("bmk,bnk->bmn", dequantized(A, "nvfp4", scale),
                          dequantized(B, "nvfp4", scale)) * 0.25
    np.testing.assert_allclose(out, reference, rtol=1e-5, atol=1e-5)


def test_general_dimension_numbers_vmap_and_the_plain_fallback():
    lhs = RNG.standard_normal((64, 4)).astype(np.float32)
    rhs = RNG.standard_normal((6, 64)).astype(np.float32)
    numbers = (((0,), (1,)), ((), ()))
    out = nn.scaled_dot_general(lhs, rhs, numbers, configs=configs("mxfp8"))
    reference = dequantized(lhs.T, "mxfp8") @ dequantized(rhs, "mxfp8").T
    np.testing.assert_allclose(out, reference, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(nn.scaled_dot_general(lhs, rhs, numbers), lhs.T @ rhs.T,
                               rtol=1e-4, atol=1e-7)
    batched = funcad.vmap(lambda a, b: nn.scaled_dot_general(
        a, b, (((1,), (1,)), ((), ())), configs=configs("mxfp8")))(A, B)
    np.testing.assert_array_equal(batched,
                                  nn.scaled_dot_general(A, B, BATCHED, configs=configs("mxfp8")))


def test_gradients_follow_jaxs_rule():
    def loss(mode):
        return lambda a, b: (nn.scaled_dot_general(a, b, BATCHED, configs=configs(mode))
                             * 0.01).sum()

    cotangent = np.full((2, 32, 32), 0.01, np.float32)
    # nvfp4: plain products of the cotangent (a straight-through estimator).
    grad_a, grad_b = funcad.grad(loss("nvfp4"), argnums=(0, 1))(A, B)
    close = {"rtol": 1e-4, "atol": 1e-7}
    np.testing.assert_allclose(grad_a, np.einsum("bmn,bnk->bmk", cotangent, B), **close)
    np.testing.assert_allclose(grad_b, np.einsum("bmn,bmk->bnk", cotangent, A), **close)
    # mxfp8: the cotangent and the other operand quantized along the kept axis.
    grad_a, grad_b = funcad.grad(loss("mxfp8"), argnums=(0, 1))(A, B)
    b_t = np.swapaxes(B, 1, 2)
    np.testing.assert_allclose(grad_a, np.einsum("bmn,bkn->bmk", dequantized(cotangent, "mxfp8"),
                                                 dequantized(b_t, "mxfp8")), rtol=1e-4, atol=1e-7)
    assert grad_a.dtype == np.float32 and grad_b.shape == B.shape
    np.testing.assert_array_equal(funcad.jit(funcad.grad(loss("mxfp8")))(A, B), grad_a)


def test_errors():
    with pytest.raises(ValueError, match="lhs is quantized in blocks of 32 .* size 48"):
        nn.scaled_dot_general(A[..., :48], B[..., :48], BATCHED, configs=configs("mxfp8"))
    with pytest.raises(ValueError, match="cotangent .* size 5"):
        funcad.grad(lambda a: nn.scaled_dot_general(a, B[:, :5], BATCHED,
                                                    configs=configs("mxfp8")).sum())(A)
    with pytest.raises(TypeError, match="preferred_element_type must be float32 or float16"):
        nn.scaled_dot_general(A, B, BATCHED, np.float64, configs=configs("mxfp8"))
    with pytest.raises(TypeError, match="three BlockScaleConfigs"):
        nn.scaled_dot_general(A, B, BATCHED, configs=configs("mxfp8")[:2])
    with pytest.warns(DeprecationWarning, match="ignored"):
        nn.scaled_dot_general(A, B, BATCHED, implementation="cudnn")


@pytest.mark.parametrize("mode", ["mxfp8", "nvfp4"])
def test_quantization_matches_live_jax(mode):
    pytest.importorskip("jax")
    import jax
    import jax.numpy as jnp
    from jax._src.cudnn.scaled_matmul_stablehlo import quantize
    x = (A * np.exp(RNG.standard_normal(A.shape) * 3)).astype(np.float32)
    theirs = quantize(jnp.asarray(x), jax.nn.get_scaled_dot_general_config(mode))
    ours = _quantize(fnp.asarray(x), configs(mode)[0], "x")
    for mine, their in zip(ours, theirs):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(their.astype(np.float32)))
