"""``scaled_matmul`` and ``scaled_dot_general``: block-scaled matrix products, as
``jax.nn.scaled_matmul`` defines them (JAX computes them only with cuDNN on GPUs; here the
definition itself, in NumPy): each operand's contracting axis is cut into equal blocks, every
block multiplied by its scale, and the products accumulated in float32."""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any, Literal, NamedTuple, Sequence

import numpy as np

import funcad.lax as lax
import funcad.numpy as fnp
from funcad.custom_derivatives import custom_vjp
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = ["BlockScaleConfig", "get_scaled_dot_general_config", "scaled_dot_general",
           "scaled_matmul"]


def scaled_matmul(lhs: ArrayLike, rhs: ArrayLike, lhs_scales: ArrayLike, rhs_scales: ArrayLike,
                  preferred_element_type: DTypeLike = np.float32) -> Array:
    """einsum('BMK,BNK->BMN', lhs * repeat(lhs_scales), rhs * repeat(rhs_scales)), the scales
    repeated along K by the block size K // K_scales, computed in float32 and returned as
    ``preferred_element_type``."""
    a, b, a_scales, b_scales = (fnp.asarray(x) for x in (lhs, rhs, lhs_scales, rhs_scales))
    if not all(x.ndim == 3 for x in (a, b, a_scales, b_scales)):
        raise ValueError("scaled_matmul requires all inputs to be 3-dimensional arrays")
    batch_a, rows, contract_a = a.shape
    batch_b, columns, contract_b = b.shape
    if contract_a != contract_b or batch_a != batch_b:
        raise ValueError(f"scaled_matmul requires inputs a and b to have matching batch (B) "
                         f"and contract (K) dimensions, but got shapes {a.shape} and "
                         f"{b.shape}")
    batch_as, rows_s, blocks_a = a_scales.shape
    batch_bs, columns_s, blocks_b = b_scales.shape
    if blocks_a != blocks_b or batch_as != batch_bs:
        raise ValueError(f"scaled_matmul requires scales to have matching batch (B) and "
                         f"contract (K) dimensions, but got shapes {a_scales.shape} and "
                         f"{b_scales.shape}")
    if rows_s != rows or columns_s != columns:
        raise ValueError(f"scaled_matmul requires scales to match non-contract dimensions of "
                         f"inputs, but got shapes a: {a.shape}, b: {b.shape}, a_scales: "
                         f"{a_scales.shape}, b_scales: {b_scales.shape}")
    if contract_a % blocks_a != 0:
        raise ValueError(f"scaled_matmul: the contracting size {contract_a} must be a multiple "
                         f"of the number of scale blocks {blocks_a}.")
    block = contract_a // blocks_a
    compute = np.float32

    def scaled(x: Any, scales: Any) -> Any:
        return fnp.multiply(x.astype(compute), fnp.repeat(scales.astype(compute), block, -1))

    product = fnp.einsum("bmk,bnk->bmn", scaled(a, a_scales), scaled(b, b_scales))
    return product.astype(preferred_element_type)


# ----------------------------------------------------------------------------------------------
# scaled_dot_general: quantize both operands block by block, then scaled_matmul. JAX runs the
# product only with cuDNN (on a CPU it raises NotImplementedError); here the same arithmetic
# runs in NumPy. The low-precision formats are emulated in the inputs' dtype: a quantized
# value is the input rounded (to nearest, ties to even) to the format's grid and clipped to its
# largest value, which is what the cast to float8_e4m3fn or float4_e2m1fn computes.


class _Format(NamedTuple):
    """A small floating-point format: its name (the ml_dtypes name), mantissa bits, smallest
    normal exponent and largest value."""

    name: str
    mantissa_bits: int
    min_exponent: int
    max: float


_FLOAT8_E4M3FN = _Format("float8_e4m3fn", 3, -6, 448.0)
_FLOAT4_E2M1FN = _Format("float4_e2m1fn", 1, 0, 6.0)
_FLOAT8_E8M0FNU = _Format("float8_e8m0fnu", 0, -127, 2.0 ** 127)  # (powers of two only)
_FORMATS = {f.name: f for f in (_FLOAT8_E4M3FN, _FLOAT4_E2M1FN, _FLOAT8_E8M0FNU)}


@dataclasses.dataclass(frozen=True)
class BlockScaleConfig:
    """How ``scaled_dot_general`` quantizes one operand (JAX's ``BlockScaleConfig``): blocks
    of ``block_size`` values along the contracting axis share one scale of ``scale_type``, the
    values are stored as ``data_type``; ``global_scale`` divides every value first (nvfp4).
    The types are named by their ml_dtypes names: NumPy has no such dtypes."""

    mode: str
    block_size: int
    data_type: str
    scale_type: str
    global_scale: Any
    infer_only: bool


def get_scaled_dot_general_config(mode: Literal["mxfp8", "nvfp4"],
                                  global_scale: ArrayLike | None = None) -> BlockScaleConfig:
    """The quantization of ``mode``, ``"mxfp8"`` (float8_e4m3fn values in blocks of 32, each
    with a power-of-two scale) or ``"nvfp4"`` (float4_e2m1fn values in blocks of 16, float8
    scales, and a float32 ``global_scale``, default 1)."""
    if mode == "nvfp4":
        scale = fnp.ones((1,), np.float32) if global_scale is None else fnp.asarray(
            global_scale)
        return BlockScaleConfig("nvfp4", 16, _FLOAT4_E2M1FN.name, _FLOAT8_E4M3FN.name, scale,
                                False)
    if mode == "mxfp8":
        return BlockScaleConfig("mxfp8", 32, _FLOAT8_E4M3FN.name, _FLOAT8_E8M0FNU.name, None,
                                False)
    raise ValueError(f"Unsupported mode: {mode}; get_scaled_dot_general_config knows 'mxfp8' "
                     f"and 'nvfp4'.")


def _round_to_format(x: Any, fmt: _Format) -> Any:
    """``x`` (already within ``±fmt.max``) rounded to the nearest value of ``fmt``."""
    _, exponent = fnp.frexp(x)  # (|x| = m * 2**exponent, m in [0.5, 1))
    exponent = fnp.maximum(exponent - 1, fmt.min_exponent)  # (subnormals: a fixed step)
    step = fnp.ldexp(fnp.ones_like(x), exponent - fmt.mantissa_bits)
    return fnp.round(x / step) * step


def _power_of_two_at_least(x: Any) -> Any:
    """The float8_e8m0fnu scale of a block: the smallest power of two at or above ``x``
    (kept in 2**-127 .. 2**127; a zero block gets 2**-127, as JAX's conversion does)."""
    mantissa, exponent = fnp.frexp(x)
    exponent = fnp.where(mantissa == 0.5, exponent - 1, exponent)  # (exact powers of two)
    exponent = fnp.clip(exponent, -127, 127)
    return fnp.ldexp(fnp.ones_like(x), fnp.where(x == 0, -127, exponent))


def _quantize(x: Any, config: BlockScaleConfig, what: str) -> tuple[Any, Any]:
    """``x`` of shape (B, M, K) as (values on the ``data_type`` grid, per-block scales of
    shape (B, M, K // block_size)), as JAX's ``quantize``."""
    batch, rows, contract = x.shape
    block = config.block_size
    if contract < block or contract % block:
        raise ValueError(f"scaled_dot_general: {what} is quantized in blocks of {block} "
                         f"({config.mode}) along an axis of size {contract}; that size must "
                         f"be a multiple of {block}.")
    data = _FORMATS[config.data_type]
    blocks = fnp.reshape(x, (batch, rows, contract // block, block))
    largest = np.asarray(data.max, x.dtype)
    per_block = fnp.max(fnp.abs(blocks), axis=-1, keepdims=True) / largest
    if config.mode == "mxfp8":
        scales = _power_of_two_at_least(per_block.astype(np.float32)).astype(x.dtype)
    else:
        blocks = blocks / config.global_scale.astype(x.dtype)
        per_block = fnp.max(fnp.abs(blocks), axis=-1, keepdims=True) / largest
        scales = _round_to_format(fnp.clip(per_block, 0, _FLOAT8_E4M3FN.max), _FLOAT8_E4M3FN)
    divisor = fnp.where(scales == 0, np.asarray(1, x.dtype), scales)  # (a block of zeros)
    values = _round_to_format(fnp.clip(blocks / divisor, -largest, largest), data)
    return fnp.reshape(values, x.shape), scales[..., 0]


def _quantized_matmul(a: Any, b: Any, configs: Sequence[BlockScaleConfig], out_dtype: Any,
                      what: tuple[str, str] = ("lhs", "rhs")) -> Any:
    """(B, M, K) x (B, N, K) -> (B, M, N), both quantized along K."""
    a_values, a_scales = _quantize(a, configs[0], what[0])
    b_values, b_scales = _quantize(b, configs[1], what[1])
    return scaled_matmul(a_values, b_values, a_scales, b_scales, out_dtype)


def _scaled_dot_3d(a, b, out_dtype, configs):
    if configs[0].mode == "nvfp4":
        out = _quantized_matmul(a, b, configs, np.float32)
        out = out * (configs[0].global_scale * configs[1].global_scale).astype(np.float32)
        return out.astype(out_dtype)
    return _quantized_matmul(a, b, configs, out_dtype)


def _scaled_dot_3d_forward(a, b, out_dtype, configs):
    return _scaled_dot_3d(a, b, out_dtype, configs), (a, b)


def _scaled_dot_3d_backward(out_dtype, configs, residuals, cotangent):
    """The products of the cotangent with each operand, quantized with ``configs[2]`` for the
    cotangent (a plain product when that is nvfp4, as JAX does); inputs that quantization
    clipped get no gradient (the straight-through estimator with zeroing)."""
    a, b = residuals
    g = cotangent
    if configs[2].mode == "nvfp4":
        grad_a = fnp.einsum("bmn,bnk->bmk", g, b).astype(out_dtype)
        grad_b = fnp.einsum("bmn,bmk->bnk", g, a).astype(out_dtype)
        largest = _FORMATS[configs[0].data_type].max * _FLOAT8_E4M3FN.max
        grad_a = fnp.where(fnp.abs(a) <= configs[0].global_scale * largest, grad_a, 0)
        grad_b = fnp.where(fnp.abs(b) <= configs[1].global_scale * largest, grad_b, 0)
    else:
        cotangent = "the output's cotangent (in the gradient, contracted with the kept axes)"
        grad_a = _quantized_matmul(g, fnp.swapaxes(b, 1, 2), (configs[2], configs[1]),
                                   out_dtype, (cotangent, "rhs (in the gradient of lhs)"))
        grad_b = _quantized_matmul(fnp.swapaxes(g, 1, 2), fnp.swapaxes(a, 1, 2),
                                   (configs[2], configs[0]), out_dtype,
                                   (cotangent, "lhs (in the gradient of rhs)"))
    return grad_a.astype(a.dtype), grad_b.astype(b.dtype)


_scaled_dot_3d = custom_vjp(_scaled_dot_3d, nondiff_argnums=(2, 3))
_scaled_dot_3d.defvjp(_scaled_dot_3d_forward, _scaled_dot_3d_backward)


def _to_3d(x: Any, batch: Sequence[int], contract: Sequence[int]) -> Any:
    """``x`` transposed to (batch axes, kept axes, contracting axes) and reshaped to 3-D."""
    kept = [d for d in range(x.ndim) if d not in batch and d not in contract]
    order = list(batch) + kept + list(contract)
    size = lambda axes: int(np.prod([x.shape[d] for d in axes], dtype=int))  # noqa: E731
    return fnp.reshape(fnp.transpose(x, order), (size(batch), size(kept), size(contract)))


def scaled_dot_general(lhs: ArrayLike, rhs: ArrayLike, dimension_numbers: lax.DotDimensionNumbers,
                       preferred_element_type: DTypeLike = np.float32,
                       configs: Sequence[BlockScaleConfig] | None = None,
                       implementation: str | None = None) -> Array:
    """``lax.dot_general`` of block-quantized operands (``jax.nn.scaled_dot_general``): each
    operand quantized along its contracting axes with ``configs[0]`` and ``configs[1]``, the
    product computed by ``scaled_matmul``; the backward pass quantizes the cotangent with
    ``configs[2]``. Without ``configs``, plain ``lax.dot_general``. Batch axes come first in
    the result, then the kept axes of ``lhs``, then those of ``rhs``."""
    if implementation is not None:
        warnings.warn("Backend selector, now ignored. The system chooses the backend "
                      "automatically.", DeprecationWarning, stacklevel=2)
    if configs is None:
        return lax.dot_general(lhs, rhs, dimension_numbers,
                               preferred_element_type=preferred_element_type)
    out_dtype = np.dtype(preferred_element_type)
    if out_dtype not in (np.dtype(np.float32), np.dtype(np.float16)):
        raise TypeError(f"scaled_dot_general: preferred_element_type must be float32 or "
                        f"float16 (JAX also allows bfloat16, which NumPy lacks), got "
                        f"{out_dtype}.")
    configs = tuple(configs)
    if len(configs) != 3 or not all(isinstance(c, BlockScaleConfig) for c in configs):
        raise TypeError("scaled_dot_general: configs must be three BlockScaleConfigs (lhs, "
                        "rhs, gradient), e.g. [get_scaled_dot_general_config('mxfp8')] * 3.")
    a, b = fnp.asarray(lhs), fnp.asarray(rhs)
    (a_contract, b_contract), (a_batch, b_batch) = (
        tuple(tuple(int(d) % x.ndim for d in axes) for axes, x in zip(pair, (a, b)))
        for pair in dimension_numbers)
    a_kept = [a.shape[d] for d in range(a.ndim) if d not in a_contract and d not in a_batch]
    b_kept = [b.shape[d] for d in range(b.ndim) if d not in b_contract and d not in b_batch]
    out = _scaled_dot_3d(_to_3d(a, a_batch, a_contract), _to_3d(b, b_batch, b_contract),
                         out_dtype, configs)
    return fnp.reshape(out, tuple(a.shape[d] for d in a_batch) + tuple(a_kept) + tuple(b_kept))
