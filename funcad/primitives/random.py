"""threefry2x32: the counter-based hash behind every random number of ``funcad.random``.

Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
2011) maps a key (two uint32 words) and a counter (two uint32 words) to two uint32 words that
look independent for distinct counters. The four operands broadcast NumPy-style, so one call
hashes a whole array of counters (or of keys) in vectorised uint32 arithmetic, with the same
wrap-around as XLA's, which is why the streams match JAX bit for bit. The outputs are integers:
the primitive is non-differentiable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from funcad.core import Primitive, ShapedArray, shape_of
from funcad.primitives.shape import batch_axes_to_front, broadcast_to, reshape
from funcad.rules import batching_rules, defnondiff

__all__ = ["threefry2x32_p", "threefry2x32", "threefry2x32_numpy"]

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = np.uint32(0x1BD11BDA)


def threefry2x32_numpy(key1: Any, key2: Any, x0: Any, x1: Any) -> tuple[np.ndarray, np.ndarray]:
    """The 20 rounds on NumPy uint32 arrays (broadcast together); returns the two words."""
    key1, key2, x0, x1 = np.broadcast_arrays(
        *(np.asarray(v, np.uint32) for v in (key1, key2, x0, x1)))
    keys = (key1, key2, key1 ^ key2 ^ _PARITY)
    shape = x0.shape
    with np.errstate(over="ignore"):
        x0 = np.add(x0, keys[0], out=np.empty(shape, np.uint32))
        x1 = np.add(x1, keys[1], out=np.empty(shape, np.uint32))
        scratch = np.empty(shape, np.uint32)
        for block in range(5):
            for rotation in _ROTATIONS[block % 2]:
                np.add(x0, x1, out=x0)
                # rotate x1 left by `rotation` bits, then mix in x0
                np.right_shift(x1, np.uint32(32 - rotation), out=scratch)
                np.left_shift(x1, np.uint32(rotation), out=x1)
                np.bitwise_or(x1, scratch, out=x1)
                np.bitwise_xor(x1, x0, out=x1)
            np.add(x0, keys[(block + 1) % 3], out=x0)
            np.add(x1, keys[(block + 2) % 3], out=x1)
            np.add(x1, np.uint32(block + 1), out=x1)
    return x0, x1


def _threefry_impl(key1, key2, x0, x1):
    return list(threefry2x32_numpy(key1, key2, x0, x1))


def _threefry_abstract_eval(key1, key2, x0, x1):
    for name, value in zip(("key1", "key2", "x0", "x1"), (key1, key2, x0, x1)):
        if np.dtype(value.dtype) != np.uint32:
            raise TypeError(f"threefry2x32: {name} must be uint32, got {value.dtype}; "
                            "convert it with .astype(numpy.uint32)")
    shape = np.broadcast_shapes(key1.shape, key2.shape, x0.shape, x1.shape)
    return [ShapedArray(shape, np.dtype(np.uint32))] * 2


threefry2x32_p = Primitive("threefry2x32", multiple_results=True)
threefry2x32_p.output_buffer = "fresh"
threefry2x32_p.def_impl(_threefry_impl)
threefry2x32_p.def_abstract_eval(_threefry_abstract_eval)
defnondiff(threefry2x32_p)


def threefry2x32(key1: Any, key2: Any, x0: Any, x1: Any) -> list[Any]:
    """Hash counters ``(x0, x1)`` under key ``(key1, key2)``; all uint32, broadcast together."""
    return threefry2x32_p.bind(key1, key2, x0, x1)


def _batch_threefry(values, batch_axes):
    # Batch axes to the front, then every operand broadcast to the batched common shape.
    values = batch_axes_to_front(values, batch_axes)
    shapes = [tuple(shape_of(v)) for v in values]
    size = shapes[0][0]
    common = (size,) + np.broadcast_shapes(*(s[1:] for s in shapes))
    values = [v if tuple(shape_of(v)) == common else broadcast_to(_align(v, len(common)), common)
              for v in values]
    return threefry2x32(*values), [0, 0]


def _align(value, rank):
    """Insert unit axes after the batch axis so that the rest broadcasts from the right."""
    shape = tuple(shape_of(value))
    missing = rank - len(shape)
    if not missing:
        return value
    return reshape(value, shape[:1] + (1,) * missing + shape[1:])


batching_rules[threefry2x32_p] = _batch_threefry
