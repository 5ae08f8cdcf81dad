"""``dot_product_attention``: softmax(Q K^T * scale + bias) V per head, JAX's XLA path.

Queries are (batch, target, heads, head_dim), keys and values (batch, source, kv_heads,
head_dim), or the same without the batch axis. When there are fewer key/value heads than
query heads (grouped-query attention) each key/value head serves ``heads // kv_heads``
query heads: the queries are reshaped to (batch, target, kv_heads, groups, head_dim) and
the products are einsums over that layout. Masked logits are set to a large negative
number, not -inf, so a fully masked row gives a uniform softmax and finite derivatives.
The softmax runs in float32, as in JAX.
"""

from __future__ import annotations

from typing import Any, Literal, overload

import numpy as np

import funcad.lax as lax
import funcad.numpy as fnp
from funcad.nn._functions import softmax
from funcad.scipy.special import logsumexp
from funcad.typing import Array, ArrayLike

__all__ = ["dot_product_attention"]


def _four_dimensional(x: ArrayLike) -> Array:
    x = fnp.asarray(x)
    return fnp.expand_dims(x, tuple(range(4 - x.ndim))) if x.ndim < 4 else x


def _check(x: Any, shape: list[int], dtype: Any, name: str) -> None:
    if x is None:
        return
    if x.ndim != len(shape):
        raise ValueError(f"{name} ndim should be {len(shape)}, but got {x.ndim}")
    if dtype is not None and x.dtype != dtype:
        raise ValueError(f"{name} dtype should be {dtype}, but got {x.dtype}")
    for i, size in enumerate(shape):
        if size != -1 and x.shape[i] != size:
            raise ValueError(f"{name} shape should be {shape}: but got {x.shape}")


def _large_negative(dtype: Any) -> Any:
    """-0.7 times the largest float (capped at float32's, since the softmax is in float32)."""
    largest = min(float(np.finfo(dtype).max), float(np.finfo(np.float32).max))
    return fnp.asarray(-0.7 * largest, dtype=dtype)


def _grouped(x: Any, kv_heads: int, groups: int) -> Any:
    """A (B, N, T, S) bias or mask as (B, K, G, T, S), or (B, 1, 1, T, S) if N is 1."""
    if x is None:
        return None
    batch, heads, target, source = x.shape
    if heads == 1:
        return fnp.expand_dims(x, 2)
    if heads != kv_heads * groups:
        raise ValueError(f"dot_product_attention: a bias or mask has {heads} heads; expected "
                         f"1 or the number of query heads, {kv_heads * groups}.")
    return fnp.reshape(x, (batch, kv_heads, groups, target, source))


def _mask(logits: Any, mask: Any, is_causal: bool, query_lengths: Any, key_lengths: Any,
          window: Any) -> Any:
    target, source = logits.shape[-2], logits.shape[-1]
    combined = None

    def both(a: Any, b: Any) -> Any:
        return b if a is None else fnp.logical_and(a, b)

    if mask is not None:
        if mask.dtype != np.dtype(bool):
            raise ValueError(f"dot_product_attention: mask must be boolean, got {mask.dtype}.")
        combined = both(combined, mask)
    if is_causal:
        combined = both(combined, np.tril(np.ones((target, source), dtype=bool)))
    if window is not None:
        left, right = window
        query_position = np.arange(target)[:, None]
        key_position = np.arange(source)[None, :]
        combined = both(combined, (query_position <= key_position + left)
                        & (query_position >= key_position - right))
    if query_lengths is not None or key_lengths is not None:
        padding = np.ones((1, target, source), dtype=bool)
        if query_lengths is not None:
            padding = fnp.logical_and(
                padding, fnp.less(np.arange(target)[None, :, None], query_lengths[:, None, None]))
        if key_lengths is not None:
            padding = fnp.logical_and(
                padding, fnp.less(np.arange(source)[None, None, :], key_lengths[:, None, None]))
        combined = both(combined, padding[:, None, None, :, :])
    if combined is None:
        return logits
    return fnp.where(combined, logits, _large_negative(logits.dtype))


@overload
def dot_product_attention(query: ArrayLike, key: ArrayLike, value: ArrayLike,
                          bias: ArrayLike | None = None, mask: ArrayLike | None = None, *,
                          scale: float | None = None, is_causal: bool = False,
                          query_seq_lengths: ArrayLike | None = None,
                          key_value_seq_lengths: ArrayLike | None = None,
                          local_window_size: int | tuple[int, int] | None = None,
                          implementation: Literal["xla", "cudnn"] | None = None,
                          return_residual: Literal[False] = False) -> Array: ...
@overload
def dot_product_attention(query: ArrayLike, key: ArrayLike, value: ArrayLike,
                          bias: ArrayLike | None = None, mask: ArrayLike | None = None, *,
                          scale: float | None = None, is_causal: bool = False,
                          query_seq_lengths: ArrayLike | None = None,
                          key_value_seq_lengths: ArrayLike | None = None,
                          local_window_size: int | tuple[int, int] | None = None,
                          implementation: Literal["xla", "cudnn"] | None = None,
                          return_residual: Literal[True]) -> tuple[Array, Array]: ...
def dot_product_attention(query: ArrayLike, key: ArrayLike, value: ArrayLike,
                          bias: ArrayLike | None = None, mask: ArrayLike | None = None, *,
                          scale: float | None = None, is_causal: bool = False,
                          query_seq_lengths: ArrayLike | None = None,
                          key_value_seq_lengths: ArrayLike | None = None,
                          local_window_size: int | tuple[int, int] | None = None,
                          implementation: Literal["xla", "cudnn"] | None = None,
                          return_residual: bool = False) -> Array | tuple[Array, Array]:
    """Scaled dot-product attention, ``jax.nn.dot_product_attention`` (the "xla" path).

    Returns the attended values, shaped like ``query``; with ``return_residual`` also the
    logsumexp of each row of logits (shape (B, T, N), without a derivative)."""
    if implementation not in (None, "xla"):
        if implementation == "cudnn":
            raise ValueError("dot_product_attention: implementation='cudnn' needs a GPU; "
                             "funcad runs on NumPy, use implementation=None or 'xla'.")
        raise ValueError(f"Unsupported implementation option: {implementation}")
    output_shape = fnp.shape(query)
    query = _four_dimensional(query)
    key = _four_dimensional(key)
    value = _four_dimensional(value)
    bias = None if bias is None else _four_dimensional(bias)
    mask = None if mask is None else _four_dimensional(mask)
    if query_seq_lengths is not None:
        query_seq_lengths = fnp.asarray(query_seq_lengths)
    if key_value_seq_lengths is not None:
        key_value_seq_lengths = fnp.asarray(key_value_seq_lengths)
    if isinstance(local_window_size, int):
        local_window_size = (local_window_size, local_window_size)

    batch, source, kv_heads, head_dim = key.shape
    _check(value, [batch, source, kv_heads, head_dim], key.dtype, "value")
    _check(query, [batch, -1, -1, head_dim], key.dtype, "query")
    _check(mask, [-1] * 4, np.dtype(bool), "mask")
    _check(bias, [-1] * 4, None, "bias")
    _check(query_seq_lengths, [batch], np.dtype("int32"), "query_seq_lengths")
    _check(key_value_seq_lengths, [batch], np.dtype("int32"), "key_value_seq_lengths")
    target, heads = query.shape[1], query.shape[2]
    if heads % kv_heads != 0:
        raise ValueError(f"The number of query heads must be a multiple of key/value heads, "
                         f"but got {heads} vs {kv_heads}")
    groups = heads // kv_heads
    scale = (1.0 / np.sqrt(head_dim)) if scale is None else scale

    logits_dtype = np.promote_types(query.dtype, np.float32)
    grouped_query = fnp.reshape(query, (batch, target, kv_heads, groups, head_dim))
    logits = fnp.einsum("btkgh,bskh->bkgts", grouped_query, key).astype(logits_dtype)
    logits = fnp.multiply(logits, fnp.asarray(scale, dtype=logits_dtype))
    if bias is not None:
        logits = fnp.add(logits, _grouped(bias, kv_heads, groups)).astype(logits_dtype)
    logits = _mask(logits, _grouped(mask, kv_heads, groups), is_causal, query_seq_lengths,
                   key_value_seq_lengths, local_window_size)
    logits = logits.astype(np.float32)
    probabilities = softmax(logits, axis=-1).astype(key.dtype)
    encoded = fnp.einsum("bkgts,bskh->btkgh", probabilities, value)
    encoded = fnp.reshape(encoded, (batch, target, heads, head_dim))
    if query_seq_lengths is not None:
        valid = fnp.less(np.arange(target)[None, :], query_seq_lengths[:, None])
        encoded = fnp.multiply(encoded, valid[:, :, None, None].astype(encoded.dtype))
    encoded = fnp.reshape(encoded, output_shape)
    if not return_residual:
        return encoded
    residual = logsumexp(logits, axis=-1).astype(key.dtype)
    residual = fnp.reshape(fnp.transpose(residual, (0, 3, 1, 2)), (batch, target, heads))
    return encoded, fnp.reshape(lax.stop_gradient(residual), output_shape[:-1])
