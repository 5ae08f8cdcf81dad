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
from funcad.primitives.elementwise import elementwise_batching_rule, exp, mul
from funcad.primitives.shape import batch_axes_to_front, broadcast_to, reshape
from funcad.rules import batching_rules, defjvp, defnondiff, defvjp

__all__ = ["threefry2x32_p", "threefry2x32", "threefry2x32_numpy", "erf_inv_p", "erf_inv",
           "ERFINV32", "ERFINV64"]

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = np.uint32(0x1BD11BDA)


def _threefry_python(key1: int, key2: int, x0: int, x1: int) -> tuple[int, int]:
    """The 20 rounds on Python ints: for a handful of counters (a split) far faster than
    NumPy's per-call overhead."""
    mask = 0xFFFFFFFF
    keys = (key1, key2, key1 ^ key2 ^ 0x1BD11BDA)
    x0, x1 = (x0 + key1) & mask, (x1 + key2) & mask
    for block in range(5):
        for rotation in _ROTATIONS[block % 2]:
            x0 = (x0 + x1) & mask
            x1 = (((x1 << rotation) | (x1 >> (32 - rotation))) & mask) ^ x0
        x0 = (x0 + keys[(block + 1) % 3]) & mask
        x1 = (x1 + keys[(block + 2) % 3] + block + 1) & mask
    return x0, x1


def threefry2x32_numpy(key1: Any, key2: Any, x0: Any, x1: Any) -> tuple[np.ndarray, np.ndarray]:
    """The 20 rounds on NumPy uint32 arrays (broadcast together); returns the two words."""
    key1, key2, x0, x1 = np.broadcast_arrays(
        *(np.asarray(v, np.uint32) for v in (key1, key2, x0, x1)))
    if key1.size <= 4:
        words = [_threefry_python(*map(int, w))
                 for w in zip(key1.flat, key2.flat, x0.flat, x1.flat)]
        first = np.array([w[0] for w in words], np.uint32).reshape(key1.shape)
        second = np.array([w[1] for w in words], np.uint32).reshape(key1.shape)
        return first, second
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


# ----------------------------------------------------------------------------------------------
# erf_inv as XLA evaluates it, so that normal samples agree with JAX's: Giles' polynomials
# ("Approximating the erfinv function", GPU Computing Gems, 2011) in w = -log(1 - x^2), by
# Horner's rule with a fused multiply-add per step. float32 has two ranges of w, float64 three.
# For float32 the fused steps are computed in float64, which rounds as the fused operation does
# but in rare ties; float64 steps are unfused (emulating the fusion costs ten times the time),
# so a few float64 values differ from XLA's in the last bit.
# d erfinv(x) / dx = sqrt(pi) / 2 exp(erfinv(x)^2).

ERFINV32 = (
    (5.0, 2.5, False, (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                       0.00021858087, -0.00125372503, -0.00417768164, 0.246640727,
                       1.50140941)),
    (np.inf, 3.0, True, (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
                         0.00573950773, -0.0076224613, 0.00943887047, 1.00167406,
                         2.83297682)),
)
ERFINV64 = (
    (6.25, 3.125, False, (
        -3.6444120640178196996e-21, -1.685059138182016589e-19, 1.2858480715256400167e-18,
        1.115787767802518096e-17, -1.333171662854620906e-16, 2.0972767875968561637e-17,
        6.6376381343583238325e-15, -4.0545662729752068639e-14, -8.1519341976054721522e-14,
        2.6335093153082322977e-12, -1.2975133253453532498e-11, -5.4154120542946279317e-11,
        1.051212273321532285e-09, -4.1126339803469836976e-09, -2.9070369957882005086e-08,
        4.2347877827932403518e-07, -1.3654692000834678645e-06, -1.3882523362786468719e-05,
        0.0001867342080340571352, -0.00074070253416626697512, -0.0060336708714301490533,
        0.24015818242558961693, 1.6536545626831027356)),
    (16.0, 3.25, True, (
        2.2137376921775787049e-09, 9.0756561938885390979e-08, -2.7517406297064545428e-07,
        1.8239629214389227755e-08, 1.5027403968909827627e-06, -4.013867526981545969e-06,
        2.9234449089955446044e-06, 1.2475304481671778723e-05, -4.7318229009055733981e-05,
        6.8284851459573175448e-05, 2.4031110387097893999e-05, -0.0003550375203628474796,
        0.00095328937973738049703, -0.0016882755560235047313, 0.0024914420961078508066,
        -0.0037512085075692412107, 0.005370914553590063617, 1.0052589676941592334,
        3.0838856104922207635)),
    (np.inf, 5.0, True, (
        -2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-09,
        -3.7894654401267369937e-09, 7.6157012080783393804e-09, -1.4960026627149240478e-08,
        2.9147953450901080826e-08, -6.7711997758452339498e-08, 2.2900482228026654717e-07,
        -9.9298272942317002539e-07, 4.5260625972231537039e-06, -1.9681778105531670567e-05,
        7.5995277030017761139e-05, -0.00021503011930044477347, -0.00013871931833623122026,
        1.0103004648645343977, 4.8499064014085844221)),
)


def _erf_inv_impl(x):
    x = np.asarray(x)
    dtype = x.dtype
    if dtype == np.float64:
        ranges, wide = ERFINV64, None  # unfused: exact fusing in float64 costs 10x
    elif dtype in (np.float32, np.float16):
        ranges, wide = ERFINV32, np.float64
    else:
        raise TypeError(f"erf_inv: x must be float16, float32 or float64, got {dtype}")
    work = np.float32 if dtype == np.float16 else dtype.type
    xw = x.astype(work)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log1p(-(xw * xw))
    out = np.empty(xw.shape, work)
    remaining = np.ones(xw.shape, bool)
    for bound, shift, root, coefficients in ranges:
        if not remaining.any():
            break
        where = remaining & (w < bound) if np.isfinite(bound) else remaining.copy()
        if where.all():  # the usual case, every value in the first range: no gathers
            where = Ellipsis
        remaining[where] = False
        part = w[where]
        part = (np.sqrt(part) if root else part) - work(shift)
        p = np.full(part.shape, coefficients[0], work)
        if wide is None:
            for c in coefficients[1:]:
                p *= part
                p += work(c)
        else:
            part_wide = part.astype(wide)
            for c in coefficients[1:]:
                p = (p.astype(wide) * part_wide + wide(work(c))).astype(work)
        out[where] = p
    out *= xw
    out = np.where(np.abs(xw) == 1, xw * work(np.inf), out)
    return out.astype(dtype)


erf_inv_p = Primitive("erf_inv_xla")
erf_inv_p.elementwise = True
erf_inv_p.output_buffer = "fresh"
erf_inv_p.def_impl(_erf_inv_impl)
erf_inv_p.def_abstract_eval(lambda x: ShapedArray(x.shape, x.dtype))
def _erf_inv_slope(ans: Any) -> Any:
    return mul(np.asarray(np.sqrt(np.pi) / 2, ans.dtype), exp(mul(ans, ans)))


defjvp(erf_inv_p, lambda tangent, ans, x: mul(tangent, _erf_inv_slope(ans)))
defvjp(erf_inv_p, lambda cotangent, ans, x: mul(cotangent, _erf_inv_slope(ans)))
batching_rules[erf_inv_p] = elementwise_batching_rule(erf_inv_p)


def erf_inv(x: Any) -> Any:
    """The inverse error function as XLA computes it on CPU."""
    return erf_inv_p.bind(x)
