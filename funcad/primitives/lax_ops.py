"""pad: lax's padding, with low, high and interior padding per axis; negative low/high
padding crops. It is a primitive because interior padding has no exact composition of the
shape primitives, and because its transpose (a strided crop) is again a pad and a reshape, so
every rule stays inside this family. The cumulative reductions shift arrays with it.

Implementation, shape/dtype rule, VJP, JVP (linear) and batching rule in one place.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from funcad.core import Primitive, ShapedArray, Tracer, dtype_of, shape_of
from funcad.primitives.elementwise import select
from funcad.primitives.shape import (
    batch_size_of,
    convert_element_type,
    move_batch_axis,
    reduce_sum,
    reshape,
    zeros,
)
from funcad.rules import batching_rules, deflinear, defvjp

__all__ = ["pad_p", "pad", "padded_shape", "shift"]


def padded_shape(shape: Sequence[int], config: Sequence[tuple[int, int, int]]) -> tuple:
    """The shape of ``pad(x, value, config)`` (entries may be negative: a bad config)."""
    return tuple(lo + hi + n + max(n - 1, 0) * interior
                 for n, (lo, hi, interior) in zip(shape, config))


def _pad_impl(x: Any, value: Any, *, config: tuple) -> Any:
    x = np.asarray(x)
    grown = [(max(lo, 0), max(hi, 0), interior) for lo, hi, interior in config]
    out = np.full(padded_shape(x.shape, grown), value, dtype=x.dtype)
    out[tuple(slice(lo, lo + (n - 1) * (interior + 1) + 1 if n else lo, interior + 1)
              for n, (lo, _, interior) in zip(x.shape, grown))] = x
    crop = tuple(slice(-lo if lo < 0 else 0, size + hi if hi < 0 else size)
                 for size, (lo, hi, _) in zip(out.shape, config))
    return out[crop]


pad_p = Primitive("pad")
pad_p.def_impl(_pad_impl)


@pad_p.def_abstract_eval
def _pad_abstract_eval(x: ShapedArray, value: ShapedArray, *, config: tuple) -> ShapedArray:
    if value.shape != ():
        raise TypeError(f"pad: padding_value must be a scalar, got shape {value.shape}")
    if len(config) != len(x.shape):
        raise ValueError(f"pad: padding_config has {len(config)} entries for an operand of "
                         f"rank {len(x.shape)}; expected one (low, high, interior) per axis")
    if any(interior < 0 for _, _, interior in config):
        raise ValueError(f"pad: interior padding must be nonnegative, got {config}")
    shape = padded_shape(x.shape, config)
    if any(n < 0 for n in shape):
        raise ValueError(f"pad: padding_config {config} gives the negative shape {shape} for "
                         f"an operand of shape {x.shape}")
    return ShapedArray(shape, x.dtype)


def pad(x: Any, padding_value: Any, config: Sequence[Sequence[int]]) -> Any:
    """x with ``lo`` and ``hi`` elements of ``padding_value`` around each axis and
    ``interior`` between neighbours; negative ``lo``/``hi`` remove elements."""
    config = tuple((int(lo), int(hi), int(interior)) for lo, hi, interior in config)
    dtype = dtype_of(x)
    if isinstance(padding_value, Tracer):
        if padding_value.dtype != dtype:
            padding_value = convert_element_type(padding_value, dtype)
    elif not isinstance(padding_value, (np.ndarray, np.generic)) or \
            padding_value.dtype != dtype:
        padding_value = np.asarray(padding_value).astype(dtype)
    return pad_p.bind(x, padding_value, config=config)


def shift(x: Any, axis: int, amount: int, fill: Any) -> Any:
    """x moved ``amount`` places up ``axis`` (down if negative), ``fill`` entering behind."""
    config = [(0, 0, 0)] * len(shape_of(x))
    config[axis] = (amount, -amount, 0)
    return pad(x, fill, config)


def _pad_vjp_operand(g: Any, ans: Any, x: Any, value: Any, *, config: tuple) -> Any:
    """The transpose of a pad is a strided crop: undo low/high (a pad with the opposite
    signs), then keep every (interior + 1)-th element, by padding each such axis to a
    multiple of its step, splitting it in two and cropping the inner axis to length 1."""
    shape = shape_of(x)
    if 0 in shape:
        return zeros(shape, dtype_of(g))
    g = pad(g, 0, [(-lo, -hi, 0) for lo, hi, _ in config])
    if all(interior == 0 for _, _, interior in config):
        return g
    g = pad(g, 0, [(0, interior, 0) for _, _, interior in config])
    split = []
    for n, (_, _, interior) in zip(shape, config):
        split += [n, interior + 1]
    g = pad(reshape(g, split), 0,
            [c for _, _, interior in config for c in ((0, 0, 0), (0, -interior, 0))])
    return reshape(g, shape)


def _pad_vjp_value(g: Any, ans: Any, x: Any, value: Any, *, config: tuple) -> Any:
    """The padding value reaches every output element that is not one of x's."""
    from_x = _pad_impl(np.ones(shape_of(x), bool), False, config=config)
    total = reduce_sum(select(from_x, 0, g), tuple(range(len(shape_of(g)))))
    return convert_element_type(total, dtype_of(value))


defvjp(pad_p, _pad_vjp_operand, _pad_vjp_value)
deflinear(pad_p)  # (jointly linear in the operand and the padding value)


def _batch_pad(values, batch_axes, *, config):
    x, value = values
    x_axis, value_axis = batch_axes
    size = batch_size_of(values, batch_axes)
    x = move_batch_axis(x, x_axis, 0, size)
    batched = ((0, 0, 0),) + config
    if value_axis is None:
        return pad_p.bind(x, value, config=batched), 0
    padded = pad_p.bind(x, np.zeros((), dtype_of(x)), config=batched)
    from_x = _pad_impl(np.ones(shape_of(x), bool), False, config=batched)
    value = reshape(value, (size,) + (1,) * len(config))
    return select(from_x, padded, value), 0


batching_rules[pad_p] = _batch_pad
