"""threefry2x32: the counter-based hash behind every random number of ``funcad.random``.

Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
2011) maps a key (two uint32 words) and a counter (two uint32 words) to two uint32 words that
look independent for distinct counters. The four operands broadcast NumPy-style, so one call
hashes a whole array of counters (or of keys) in vectorised uint32 arithmetic, with the same
wrap-around as XLA's, which is why the streams match JAX bit for bit. The outputs are integers:
the primitive is non-differentiable.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from funcad.core import Primitive, ShapedArray, shape_of
from funcad.primitives.elementwise import (
    bitwise_or_p,
    bitwise_xor_p,
    elementwise_batching_rule,
    exp,
    mul,
)
from funcad.primitives.numeric import left_shift
from funcad.primitives.shape import batch_axes_to_front, broadcast_to, convert_element_type, reshape
from funcad.rules import batching_rules, defjvp, defnondiff, defvjp

__all__ = [
    "threefry2x32_p", "threefry2x32", "threefry2x32_numpy", "threefry2x32_counters",
    "random_bits_p", "random_bits", "random_bits_numpy", "uniform_numpy", "erf_inv_numpy",
    "erf_inv_p", "erf_inv", "ERFINV32",
    "ERFINV64",
]

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = 0x1BD11BDA
_WORD = 0xFFFFFFFF
_FEW = 16  # up to this many counters, packed Python ints beat NumPy's per-call cost
_CHUNK = 1 << 17  # counters hashed per pass: fewer calls, and the buffers still in cache


def _threefry_packed(key1: int, key2: int, x0: int, x1: int, ones: int) -> tuple[int, int]:
    """The 20 rounds on Python ints that pack lanes of 64 bits (``ones`` has a 1 in each).

    Each lane's low 32 bits hold a word, and the 32 guard bits above catch what spills out:
    the carries of additions and the bits a rotation pushes up (or pulls down from the next
    lane), so each Python operation works on every lane. ``x1`` is masked after every round,
    because its next rotation would shift its guard bits back down; ``x0`` only at the end,
    since its guard bits hold just a few carries. Splitting one key is two lanes.
    """
    mask = ones * _WORD
    keys = (key1, key2, key1 ^ key2 ^ (ones * _PARITY))
    x0 = x0 + key1
    x1 = (x1 + key2) & mask
    for block in range(5):
        for rotation in _ROTATIONS[block & 1]:
            x0 += x1
            x1 = (((x1 << rotation) | (x1 >> (32 - rotation))) ^ x0) & mask
        x0 += keys[(block + 1) % 3]
        x1 = (x1 + keys[(block + 2) % 3] + (block + 1) * ones) & mask
    return x0 & mask, x1


def _pack(words: Any) -> int:
    """Python ints (or an iterable of them) as the 64-bit lanes of one int, first lowest."""
    packed = 0
    for shift, word in zip(range(0, 64 * len(words), 64), words):
        packed |= word << shift
    return packed


def _unpack(packed: int, count: int) -> list[int]:
    return [(packed >> shift) & _WORD for shift in range(0, 64 * count, 64)]


@functools.lru_cache(maxsize=64)
def _lanes(count: int) -> tuple[int, int]:
    """``ones`` and the counters 0, 1, ..., count - 1, packed."""
    return _pack([1] * count), _pack(list(range(count)))


def threefry2x32_counters(key1: int, key2: int, count: int) -> tuple[list[int], list[int]]:
    """Hash the counters 0..count-1 (high words zero) under one key, on Python ints: the
    whole of ``split`` for a handful of keys, with no NumPy call."""
    ones, counters = _lanes(count)
    x0, x1 = _threefry_packed(key1 * ones, key2 * ones, 0, counters, ones)
    return _unpack(x0, count), _unpack(x1, count)


def _threefry_few(words: list[np.ndarray],
                  shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    count = math.prod(shape)
    ones = _pack([1] * count)
    packed = [int(w.reshape(())) * ones if w.size == 1 else  # one word for every lane
              _pack((w if w.shape == shape else np.broadcast_to(w, shape)).ravel().tolist())
              for w in words]
    key1, key2, counter0, counter1 = packed
    x0, x1 = _threefry_packed(key1, key2, counter0, counter1, ones)
    return (np.array(_unpack(x0, count), np.uint32).reshape(shape),
            np.array(_unpack(x1, count), np.uint32).reshape(shape))


def _threefry_chunk(key1, key2, parity, x0, x1, out0, out1, scratch) -> None:
    """The 20 rounds on one chunk of uint32 words, written into ``out0`` and ``out1``."""
    np.add(x0, key1, out=out0)
    np.add(x1, key2, out=out1)
    keys = (key1, key2, parity)
    for block in range(5):
        for rotation in _ROTATIONS[block & 1]:
            np.add(out0, out1, out=out0)
            # rotate out1 left by `rotation` bits, then mix in out0
            np.right_shift(out1, np.uint32(32 - rotation), out=scratch)
            np.left_shift(out1, np.uint32(rotation), out=out1)
            np.bitwise_or(out1, scratch, out=out1)
            np.bitwise_xor(out1, out0, out=out1)
        np.add(out0, keys[(block + 1) % 3], out=out0)
        if keys[(block + 2) % 3].ndim:
            np.add(out1, keys[(block + 2) % 3], out=out1)
            np.add(out1, np.uint32(block + 1), out=out1)
        else:  # one key for all counters: add the key and the round number at once
            np.add(out1, np.uint32((int(keys[(block + 2) % 3]) + block + 1) & _WORD), out=out1)


def threefry2x32_numpy(key1: Any, key2: Any, x0: Any, x1: Any) -> tuple[np.ndarray, np.ndarray]:
    """The 20 rounds on NumPy uint32 arrays (broadcast together); returns the two words.

    A handful of counters goes through packed Python ints. More are hashed a chunk at a time,
    so that the hundred passes of the rounds run in cache rather than in memory; a word that
    is one value for every counter (the key, usually) stays a scalar.
    """
    words = [np.asarray(v, np.uint32) for v in (key1, key2, x0, x1)]
    shape = np.broadcast_shapes(*(w.shape for w in words))
    count = math.prod(shape)
    if count <= _FEW:
        return _threefry_few(words, shape)
    flat = [w.reshape(()) if w.size == 1 else np.broadcast_to(w, shape).ravel() for w in words]
    flat.insert(2, np.bitwise_xor(np.bitwise_xor(flat[0], flat[1]), np.uint32(_PARITY)))
    out0, out1 = np.empty(count, np.uint32), np.empty(count, np.uint32)
    scratch = np.empty(min(count, _CHUNK), np.uint32)
    with np.errstate(over="ignore"):
        for start in range(0, count, _CHUNK):
            part = slice(start, min(start + _CHUNK, count))
            key1_part, key2_part, parity_part, x0_part, x1_part = [
                w if w.ndim == 0 else w[part] for w in flat]
            _threefry_chunk(key1_part, key2_part, parity_part, x0_part, x1_part, out0[part],
                            out1[part], scratch[:part.stop - start])
    return out0.reshape(shape), out1.reshape(shape)


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
# random_bits: a whole array of bits from one key, JAX's partitionable stream. The n-th value
# hashes the counter n (high word, low word); 64-bit values join the two output words, the
# narrower ones xor them and keep the low bits. One primitive rather than a hash followed by
# the joining arithmetic, so that the joining runs on each chunk while it is in cache.


def random_bits_numpy(key1: Any, key2: Any, bit_width: int, shape: tuple[int, ...]) -> np.ndarray:
    """The bits of ``shape`` under the key ``(key1, key2)``, a chunk of counters at a time."""
    dtype = np.dtype(f"uint{bit_width}")
    count = math.prod(shape)
    key1, key2 = np.uint32(key1), np.uint32(key2)
    if count <= _FEW:
        first, second = threefry2x32_counters(int(key1), int(key2), count)
        words = np.array(first, np.uint32), np.array(second, np.uint32)
        return _join_words(*words, np.empty(count, dtype)).reshape(shape)
    parity = np.uint32(int(key1) ^ int(key2) ^ _PARITY)
    out = np.empty(count, dtype)
    size = min(count, _CHUNK)
    word0, word1, scratch = (np.empty(size, np.uint32) for _ in range(3))
    with np.errstate(over="ignore"):
        for start in range(0, count, _CHUNK):
            stop = min(start + _CHUNK, count)
            n = stop - start
            index = np.arange(start, stop, dtype=np.uint64)
            high = (index >> np.uint64(32)).astype(np.uint32) if stop > 2 ** 32 else np.uint32(0)
            low = index.astype(np.uint32)
            _threefry_chunk(key1, key2, parity, high, low, word0[:n], word1[:n], scratch[:n])
            _join_words(word0[:n], word1[:n], out[start:stop])
    return out.reshape(shape)


def uniform_numpy(key1: Any, key2: Any, shape: tuple[int, ...], dtype: Any, low: Any,
                  span: Any) -> np.ndarray:
    """Floats in [low, low + span) from the bits of ``shape``, as ``funcad.random.uniform``
    computes them (mantissa bits under the exponent of 1, minus 1, scaled, clamped at low),
    with ``span`` a power of two so that the scaling is exact. Each chunk is converted while
    its bits are in cache: the eager path of uniform and normal samples."""
    dtype = np.dtype(dtype)
    nbits, nmant = dtype.itemsize * 8, np.finfo(dtype).nmant
    uint = np.dtype(f"uint{nbits}")
    low, span = dtype.type(low), dtype.type(span)
    bits = random_bits_numpy(key1, key2, nbits, (math.prod(shape),))
    shift, one = uint.type(nbits - nmant), np.array(1.0, dtype).view(uint)
    floats = bits.view(dtype)
    for start in range(0, bits.size, _CHUNK):
        raw, part = bits[start:start + _CHUNK], floats[start:start + _CHUNK]
        np.right_shift(raw, shift, out=raw)
        np.bitwise_or(raw, one, out=raw)
        np.subtract(part, dtype.type(1), out=part)
        np.multiply(part, span, out=part)
        np.add(part, low, out=part)
        np.maximum(low, part, out=part)
    return floats.reshape(shape)


def _join_words(first: np.ndarray, second: np.ndarray, out: np.ndarray) -> np.ndarray:
    if out.dtype == np.uint64:
        out[...] = first
        np.left_shift(out, np.uint64(32), out=out)
        np.bitwise_or(out, second, out=out, casting="unsafe")
    elif out.dtype == np.uint32:
        np.bitwise_xor(first, second, out=out)
    else:
        out[...] = np.bitwise_xor(first, second)  # truncated to the low bits, as JAX does
    return out


def _random_bits_abstract_eval(key1, key2, *, bit_width, shape):
    for name, value in (("key1", key1), ("key2", key2)):
        if np.dtype(value.dtype) != np.uint32 or value.shape != ():
            raise TypeError(f"random_bits: {name} must be a uint32 scalar, got {value.dtype} "
                            f"of shape {value.shape}")
    if bit_width not in (8, 16, 32, 64):
        raise TypeError(f"random_bits: bit_width must be 8, 16, 32 or 64, got {bit_width}")
    return ShapedArray(tuple(shape), np.dtype(f"uint{bit_width}"))


random_bits_p = Primitive("random_bits")
random_bits_p.output_buffer = "fresh"
random_bits_p.def_impl(random_bits_numpy)
random_bits_p.def_abstract_eval(_random_bits_abstract_eval)
defnondiff(random_bits_p)


def random_bits(key1: Any, key2: Any, bit_width: int, shape: tuple[int, ...]) -> Any:
    """Unsigned integers of ``bit_width`` bits and ``shape`` from one key's two words."""
    return random_bits_p.bind(key1, key2, bit_width=bit_width, shape=tuple(shape))


def _batch_random_bits(values, batch_axes, *, bit_width, shape):
    # A batch of keys: the hash of every key with every counter, joined with primitives.
    key1, key2 = (reshape(k, (shape_of(k)[0],) + (1,) * len(shape))
                  for k in batch_axes_to_front(values, batch_axes))
    index = np.arange(math.prod(shape), dtype=np.uint64).reshape(shape)
    high = (index >> np.uint64(32)).astype(np.uint32)
    first, second = threefry2x32(key1, key2, high, index.astype(np.uint32))
    if bit_width == 64:
        wide = np.dtype(np.uint64)
        joined = bitwise_or_p.bind(left_shift(convert_element_type(first, wide), np.uint64(32)),
                            convert_element_type(second, wide))
    else:
        joined = bitwise_xor_p.bind(first, second)
        if bit_width < 32:
            joined = convert_element_type(joined, np.dtype(f"uint{bit_width}"))
    return joined, 0


batching_rules[random_bits_p] = _batch_random_bits


# ----------------------------------------------------------------------------------------------
# erf_inv as XLA evaluates it, so that normal samples agree with JAX's. XLA uses Giles'
# polynomials ("Approximating the erfinv function", GPU Computing Gems, 2011) in
# w = -log(1 - x^2), by Horner's rule with a fused multiply-add per step; float32 has two
# ranges of w, float64 three.
#
# float32 follows them step for step, each fused step computed in float64 (which rounds as
# the fused operation does but in rare ties).
#
# float64 follows them only where w >= 6.25 (|x| > 0.998). There XLA's polynomials are off by
# up to 1e-10 relative, and funcad reproduces that, unfused, to a few ulps. Below, where XLA
# is accurate to about 1e-16, funcad evaluates Wichura's rational approximations instead
# (algorithm AS 241, "The percentage points of the normal distribution", 1988: erf_inv(x) =
# ndtri((1 + x) / 2) / sqrt 2), which are as accurate at a third of the work and need a
# logarithm only for |x| > 0.85. They run a chunk at a time, in cache.
#
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

# AS 241 (PPND16): numerator and denominator coefficients, highest power first, for
# |q| <= 0.425 in r = 0.180625 - q^2 (q = p - 1/2), and for r = sqrt(-log(min(p, 1 - p))) - 1.6
# when r <= 5. (Its third range, r > 5, lies wholly in XLA's Giles ranges.)
_AS241_CENTRAL = (
    (2.5090809287301226727e+3, 3.3430575583588128105e+4, 6.7265770927008700853e+4,
     4.5921953931549871457e+4, 1.3731693765509461125e+4, 1.9715909503065514427e+3,
     1.3314166789178437745e+2, 3.3871328727963666080e0),
    (5.2264952788528545610e+3, 2.8729085735721942674e+4, 3.9307895800092710610e+4,
     2.1213794301586595867e+4, 5.3941960214247511077e+3, 6.8718700749205790830e+2,
     4.2313330701600911252e+1, 1.0))
_AS241_MIDDLE = (
    (7.74545014278341407640e-4, 2.27238449892691845833e-2, 2.41780725177450611770e-1,
     1.27045825245236838258e0, 3.64784832476320460504e0, 5.76949722146069140550e0,
     4.63033784615654529590e0, 1.42343711074968357734e0),
    (1.05075007164441684324e-9, 5.47593808499534494600e-4, 1.51986665636164571966e-2,
     1.48103976427480074590e-1, 6.89767334985100004550e-1, 1.67638483018380384940e0,
     2.05319162663775882187e0, 1.0))
_INV_SQRT2 = 1 / np.sqrt(2.0)
_GILES_FROM = float(np.sqrt(-np.expm1(-6.25)))  # |x| where XLA's w = 6.25; a margin below
_ERF_INV_CHUNK = 1 << 15


def _rational(coefficients, r, out, scratch):
    """numerator(r) / denominator(r) by Horner's rule, in place in ``out``."""
    numerator, denominator = coefficients
    np.multiply(r, numerator[0], out=out)
    np.multiply(r, denominator[0], out=scratch)
    out += numerator[1]
    scratch += denominator[1]
    for a, b in zip(numerator[2:], denominator[2:]):
        out *= r
        out += a
        scratch *= r
        scratch += b
    out /= scratch
    return out


def _erf_inv_float64(x: np.ndarray) -> np.ndarray:
    flat = x.ravel()
    out = np.empty(flat.shape)
    size = min(flat.size, _ERF_INV_CHUNK)
    half, r, scratch = (np.empty(size) for _ in range(3))
    outer = []  # where |x| > 0.85, by chunk
    for start in range(0, flat.size, _ERF_INV_CHUNK):
        part = flat[start:start + _ERF_INV_CHUNK]
        n = part.size
        q, rc, sc, o = half[:n], r[:n], scratch[:n], out[start:start + n]
        np.multiply(part, 0.5, out=q)  # q = p - 1/2 for p = (1 + x) / 2, exact
        np.multiply(q, q, out=rc)
        np.subtract(0.180625, rc, out=rc)
        _rational(_AS241_CENTRAL, rc, o, sc)
        o *= _INV_SQRT2
        o *= q
        np.abs(q, out=rc)
        outer.append(np.flatnonzero(~(rc <= 0.425)) + start)
    positions = np.concatenate(outer) if outer else np.zeros(0, np.intp)
    if positions.size:
        out[positions] = _erf_inv_outer(flat[positions])
    return out.reshape(x.shape)


def _erf_inv_outer(x: np.ndarray) -> np.ndarray:
    """erf_inv(x) for |x| > 0.85 (and NaN)."""
    magnitude = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt(-np.log((1.0 - magnitude) * 0.5)) - 1.6  # 1 - |x| is exact here
        values = _rational(_AS241_MIDDLE, r, np.empty(x.shape), np.empty(x.shape))
    values = np.copysign(values * _INV_SQRT2, x)
    giles = np.flatnonzero(~(magnitude < _GILES_FROM - 1e-6))
    if giles.size:
        values[giles] = _erf_inv_giles(x[giles], ERFINV64, None)
    return values


def _erf_inv_giles(x: np.ndarray, ranges: tuple, wide: Any) -> np.ndarray:
    """XLA's piecewise polynomials in ``x``'s own dtype; with ``wide``, each Horner step is
    a fused multiply-add computed in that wider dtype."""
    work = x.dtype.type
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log1p(-(x * x))
    out = np.empty(x.shape, x.dtype)
    remaining = np.ones(x.shape, bool)
    for bound, shift, root, coefficients in ranges:
        if not remaining.any():
            break
        where = remaining & (w < bound) if np.isfinite(bound) else remaining.copy()
        if where.all():  # the usual case, every value in the first range: no gathers
            where = Ellipsis
        remaining[where] = False
        part = w[where]
        part = (np.sqrt(part) if root else part) - work(shift)
        p = np.full(part.shape, coefficients[0], x.dtype)
        if wide is None:
            for c in coefficients[1:]:
                p *= part
                p += work(c)
        else:
            part_wide = part.astype(wide)
            for c in coefficients[1:]:
                p = (p.astype(wide) * part_wide + wide(work(c))).astype(x.dtype)
        out[where] = p
    out *= x
    return np.where(np.abs(x) == 1, x * work(np.inf), out)


def erf_inv_numpy(x: Any) -> np.ndarray:
    """erf_inv on a NumPy array, as XLA computes it (see above)."""
    x = np.asarray(x)
    dtype = x.dtype
    if dtype == np.float64:
        return _erf_inv_float64(x)
    if dtype not in (np.float32, np.float16):
        raise TypeError(f"erf_inv: x must be float16, float32 or float64, got {dtype}")
    return _erf_inv_giles(x.astype(np.float32), ERFINV32, np.float64).astype(dtype)


erf_inv_p = Primitive("erf_inv_xla")
erf_inv_p.elementwise = True
erf_inv_p.output_buffer = "fresh"
erf_inv_p.def_impl(erf_inv_numpy)
erf_inv_p.def_abstract_eval(lambda x: ShapedArray(x.shape, x.dtype))
def _erf_inv_slope(ans: Any) -> Any:
    return mul(np.asarray(np.sqrt(np.pi) / 2, ans.dtype), exp(mul(ans, ans)))


defjvp(erf_inv_p, lambda tangent, ans, x: mul(tangent, _erf_inv_slope(ans)))
defvjp(erf_inv_p, lambda cotangent, ans, x: mul(cotangent, _erf_inv_slope(ans)))
batching_rules[erf_inv_p] = elementwise_batching_rule(erf_inv_p)


def erf_inv(x: Any) -> Any:
    """The inverse error function as XLA computes it on CPU."""
    return erf_inv_p.bind(x)
