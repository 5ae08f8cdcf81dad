"""``scaled_matmul``: block-scaled batched matrix products, as ``jax.nn.scaled_matmul``
defines them (JAX computes them only with cuDNN on GPUs; here the definition itself, in
NumPy): each operand's contracting axis is cut into equal blocks, every block multiplied by
its scale, and the products accumulated in float32."""

from __future__ import annotations

from typing import Any

import numpy as np

import funcad.numpy as fnp

__all__ = ["scaled_matmul"]


def scaled_matmul(lhs: Any, rhs: Any, lhs_scales: Any, rhs_scales: Any,
                  preferred_element_type: Any = np.float32) -> Any:
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
