"""lax's operations that no composition of other primitives computes exactly:

* ``pad``, with low, high and interior padding per axis (negative low/high padding crops).
  Its transpose (a strided crop) is again a pad and a reshape, so every rule stays inside
  this family; the cumulative reductions shift arrays with it.
* ``windows`` (the sliding windows of the trailing axes, one strided copy) and its transpose
  ``windows_transpose`` (one strided addition per window position), each the other's VJP:
  convolutions and reduce_window are built on them.
* ``bitcast_convert_type``: the same bytes read as another dtype (no derivative), and
  ``reduce_precision`` (rounding to a narrower float format, on the bits).
* the special functions ``erf``, ``erfc``, ``erf_inv``, ``lgamma``, ``digamma``,
  ``polygamma``, the scaled Bessel functions ``bessel_ive``, the incomplete gamma and beta
  functions (differentiable in their last argument) and Hurwitz's zeta (in q), computed by
  SciPy. SciPy is optional (the ``funcad[scipy]`` extra): without it these primitives exist
  but raise ImportError when used.

Each primitive: implementation, shape/dtype rule, VJP, JVP and batching rule in one place.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
from typing import Any, Callable, Sequence, cast

import numpy as np

from funcad.core import Primitive, ShapedArray, Tracer, dtype_of, get_aval, shape_of
from funcad.primitives.elementwise import (
    absorbing_mul,
    add,
    broadcast_shapes,
    elementwise_batching_rule,
    exp,
    integer_pow,
    jvp_from_elementwise_vjp,
    log,
    log1p,
    mul,
    neg,
    select,
    sign,
    sub,
    ufunc_result_dtype,
)
from funcad.primitives.shape import (
    batch_size_of,
    convert_element_type,
    move_batch_axis,
    reduce_sum,
    reshape,
    unbroadcast,
    zeros,
)
from funcad.rules import batching_rules, defjvp, deflinear, defnondiff, defvjp, vjp_rules

# SciPy is optional, and only the special functions need it: whether it is installed is
# known here, but scipy.special is loaded when one of them is first used (loading it costs
# about 0.2 s, more than the rest of `import funcad`).
_SCIPY_INSTALLED = importlib.util.find_spec("scipy") is not None
_scipy_special: Any = None

__all__ = [
    "pad_p", "pad", "padded_shape", "shift", "bitcast_convert_type_p", "bitcast_convert_type",
    "erf_p", "erfc_p", "erf_inv_p", "lgamma_p", "digamma_p", "polygamma_p", "erf", "erfc",
    "erf_inv", "lgamma", "digamma", "polygamma", "bessel_ive_p", "bessel_ive", "require_scipy",
    "igamma_p", "igammac_p", "betainc_p", "zeta_p", "igamma", "igammac", "betainc", "zeta",
    "reduce_precision_p", "reduce_precision", "windows_p", "windows", "windows_transpose_p",
    "windows_transpose", "window_counts",
]


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


def _check_pad(x_shape: tuple[int, ...], value_shape: tuple[int, ...], config: tuple) -> tuple:
    """The output shape, after the checks jax.lax.pad makes."""
    if value_shape != ():
        raise TypeError(f"pad: padding_value must be a scalar, got shape {value_shape}")
    if len(config) != len(x_shape):
        raise ValueError(f"pad: padding_config has {len(config)} entries for an operand of "
                         f"rank {len(x_shape)}; expected one (low, high, interior) per axis")
    if any(interior < 0 for _, _, interior in config):
        raise ValueError(f"pad: interior padding must be nonnegative, got {config}")
    shape = padded_shape(x_shape, config)
    if any(n < 0 for n in shape):
        raise ValueError(f"pad: padding_config {config} gives the negative shape {shape} for "
                         f"an operand of shape {x_shape}")
    return shape


@pad_p.def_abstract_eval
def _pad_abstract_eval(x: ShapedArray, value: ShapedArray, *, config: tuple) -> ShapedArray:
    return ShapedArray(_check_pad(x.shape, value.shape, config), x.dtype)


def pad(x: Any, padding_value: Any, config: Sequence[Sequence[int]]) -> Any:
    """x with ``lo`` and ``hi`` elements of ``padding_value`` around each axis and
    ``interior`` between neighbours; negative ``lo``/``hi`` remove elements."""
    config = tuple((int(lo), int(hi), int(interior)) for lo, hi, interior in config)
    _check_pad(shape_of(x), shape_of(padding_value), config)  # (eager binds skip the aval)
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


# ----------------------------------------------------------------------------------------------
# windows and windows_transpose: the sliding windows of a (padded) array over its trailing
# axes, and their transpose. Convolutions and reduce_window are a pad, ``windows`` and a
# dot_general or reduction. As one primitive the windows cost one strided copy, and their
# transpose adds one strided slice per window position into one buffer: no scatter and no
# zero-filled array per position. Each is linear and the other's transpose, so grad-of-grad,
# jvp, vmap and jit compose.


def window_counts(spatial: Sequence[int], window: Sequence[int], strides: Sequence[int],
                  dilation: Sequence[int]) -> tuple[int, ...]:
    """The number of window positions along each axis (zero where the window does not fit)."""
    spans = [(k - 1) * d + 1 for k, d in zip(window, dilation)]
    return tuple(max((n - span) // s + 1, 0) if n >= span else 0
                 for n, span, s in zip(spatial, spans, strides))


def _windows_impl(x: Any, *, window: tuple, strides: tuple, dilation: tuple) -> Any:
    x = np.asarray(x)
    count = len(window)
    lead, spatial = x.shape[:x.ndim - count], x.shape[x.ndim - count:]
    out = window_counts(spatial, window, strides, dilation)
    positions = int(np.prod(window, dtype=np.int64))
    # In memory the last leading axis (a convolution's input features) is innermost, after
    # the window positions, as im2col lays them out: a product with the kernel then reads
    # (positions, features) as one matrix without a copy. Without leading axes the
    # positions are outermost, so that reducing over them adds contiguous blocks.
    ndim = len(lead) + 2 * count
    order = list(range(ndim))
    if lead:
        order = order[:len(lead) - 1] + order[len(lead) + count:] + \
            order[len(lead):len(lead) + count] + [len(lead) - 1]
    shape = lead + tuple(window) + out
    result = np.empty([shape[i] for i in order], x.dtype).transpose(np.argsort(order))
    if result.size:
        steps = x.strides[x.ndim - count:]
        view = np.lib.stride_tricks.as_strided(
            x, lead + tuple(window) + out, x.strides[:x.ndim - count]
            + tuple(step * d for step, d in zip(steps, dilation))
            + tuple(step * s for step, s in zip(steps, strides)), writeable=False)
        np.copyto(result, view)
    return result.reshape(lead + (positions,) + out)


def _windows_transpose_impl(patches: Any, *, window: tuple, strides: tuple, dilation: tuple,
                            spatial: tuple) -> Any:
    patches = np.asarray(patches)
    count = len(window)
    lead = patches.shape[:patches.ndim - count - 1]
    out = patches.shape[patches.ndim - count:]
    # The sum is laid out in memory as the patches are (a cotangent often arrives with its
    # channels innermost), so each strided addition walks both arrays in the same order.
    axes = [i for i in range(patches.ndim) if i != len(lead)]
    order = sorted(range(len(axes)), key=lambda i: -abs(patches.strides[axes[i]]))
    shape = lead + tuple(spatial)
    result = np.zeros([shape[i] for i in order], patches.dtype)
    if not patches.size:
        return result.transpose(np.argsort(order))
    taps = patches.transpose([len(lead)] + [axes[i] for i in order])
    taps = taps.reshape(tuple(window) + taps.shape[1:])
    everything = [slice(None)] * len(lead)
    for offsets in itertools.product(*(range(k) for k in window)):
        target = everything + [slice(o * d, o * d + (m - 1) * s + 1, s)
                               for o, d, m, s in zip(offsets, dilation, out, strides)]
        result[tuple(target[i] for i in order)] += taps[offsets]
    return result.transpose(np.argsort(order))


windows_p = Primitive("windows")
windows_p.def_impl(_windows_impl)
windows_p.output_buffer = "fresh"
windows_p.copies_elements = True
windows_transpose_p = Primitive("windows_transpose")
windows_transpose_p.def_impl(_windows_transpose_impl)
windows_transpose_p.output_buffer = "fresh"


@windows_p.def_abstract_eval
def _windows_abstract_eval(x: ShapedArray, *, window: tuple, strides: tuple,
                           dilation: tuple) -> ShapedArray:
    count = len(window)
    lead, spatial = x.shape[:len(x.shape) - count], x.shape[len(x.shape) - count:]
    positions = int(np.prod(window, dtype=np.int64))
    return ShapedArray(lead + (positions,) + window_counts(spatial, window, strides, dilation),
                       x.dtype)


@windows_transpose_p.def_abstract_eval
def _windows_transpose_abstract_eval(patches: ShapedArray, *, window: tuple, strides: tuple,
                                     dilation: tuple, spatial: tuple) -> ShapedArray:
    return ShapedArray(patches.shape[:len(patches.shape) - len(window) - 1] + spatial,
                       patches.dtype)


def _window_params(x_shape: tuple, window: Sequence[int], strides: Sequence[int] | None,
                   dilation: Sequence[int] | None) -> tuple:
    window = tuple(int(k) for k in window)
    count = len(window)
    strides = (1,) * count if strides is None else tuple(int(s) for s in strides)
    dilation = (1,) * count if dilation is None else tuple(int(d) for d in dilation)
    if count > len(x_shape) or len(strides) != count or len(dilation) != count:
        raise ValueError(f"windows: window {window}, strides {strides} and dilation "
                         f"{dilation} must have one entry per trailing axis of an operand of "
                         f"shape {tuple(x_shape)}")
    if any(v < 1 for v in strides + dilation) or any(k < 0 for k in window):
        raise ValueError(f"windows: strides {strides} and dilation {dilation} must be "
                         f"positive and the window {window} nonnegative")
    return window, strides, dilation


def windows(x: Any, window: Sequence[int], strides: Sequence[int] | None = None,
            dilation: Sequence[int] | None = None) -> Any:
    """The windows of x over its last ``len(window)`` axes: shape ``lead + (positions,) +
    counts``, window positions in row-major order, ``counts`` the windows per axis."""
    window, strides, dilation = _window_params(shape_of(x), window, strides, dilation)
    return windows_p.bind(x, window=window, strides=strides, dilation=dilation)


def windows_transpose(patches: Any, window: Sequence[int], strides: Sequence[int] | None,
                      dilation: Sequence[int] | None, spatial: Sequence[int]) -> Any:
    """The transpose of ``windows`` for an operand whose trailing axes are ``spatial``: each
    window position's values added back where they were taken from."""
    window, strides, dilation = _window_params(
        tuple(shape_of(patches))[:-len(window) - 1] + tuple(spatial), window, strides,
        dilation)
    spatial = tuple(int(n) for n in spatial)
    expected = tuple(shape_of(patches))[:-len(window) - 1] + (
        int(np.prod(window, dtype=np.int64)),) + window_counts(spatial, window, strides,
                                                                dilation)
    if tuple(shape_of(patches)) != expected:
        raise ValueError(f"windows_transpose: patches of shape {tuple(shape_of(patches))} "
                         f"are not the windows of an operand with trailing axes {spatial}; "
                         f"expected shape {expected}")
    return windows_transpose_p.bind(patches, window=window, strides=strides,
                                    dilation=dilation, spatial=spatial)


defvjp(windows_p, lambda g, ans, x, *, window, strides, dilation: windows_transpose_p.bind(
    g, window=window, strides=strides, dilation=dilation,
    spatial=tuple(shape_of(x))[len(shape_of(x)) - len(window):]))
defvjp(windows_transpose_p, lambda g, ans, patches, *, window, strides, dilation, spatial:
       windows_p.bind(g, window=window, strides=strides, dilation=dilation))
deflinear(windows_p)
deflinear(windows_transpose_p)


def _batch_windows(primitive: Primitive) -> Any:
    """The batch axis joins the leading axes, which both primitives carry through."""
    def rule(values, batch_axes, **params):
        (x,), (axis,) = values, batch_axes
        return primitive.bind(move_batch_axis(x, axis, 0, shape_of(x)[axis]), **params), 0
    return rule


batching_rules[windows_p] = _batch_windows(windows_p)
batching_rules[windows_transpose_p] = _batch_windows(windows_transpose_p)


# ----------------------------------------------------------------------------------------------
# bitcast_convert_type: a wider dtype's element splits into a new last axis of narrower ones;
# narrower elements along a last axis of the right length join into one wider element.


def _bitcast_shape(shape: tuple[int, ...], old: np.dtype, new: np.dtype) -> tuple[int, ...]:
    if old.itemsize == new.itemsize:
        return shape
    if old.itemsize > new.itemsize:
        return shape + (old.itemsize // new.itemsize,)
    ratio = new.itemsize // old.itemsize
    if not shape or shape[-1] != ratio:
        raise TypeError(f"bitcast_convert_type from {old.name} to {new.name} needs a last axis "
                        f"of length {ratio}, got an operand of shape {shape}")
    return shape[:-1]


def _bitcast_impl(x: Any, *, new_dtype: np.dtype) -> Any:
    shape = _bitcast_shape(np.shape(x), np.result_type(x), new_dtype)
    x = np.ascontiguousarray(x)  # (which makes a 0-d array 1-d)
    return np.reshape(x.reshape(x.shape or (1,)).view(new_dtype), shape)


bitcast_convert_type_p = Primitive("bitcast_convert_type")
bitcast_convert_type_p.output_buffer = "fresh"
bitcast_convert_type_p.def_impl(_bitcast_impl)
bitcast_convert_type_p.def_abstract_eval(lambda x, *, new_dtype: ShapedArray(
    _bitcast_shape(x.shape, x.dtype, new_dtype), new_dtype))
defnondiff(bitcast_convert_type_p)


def bitcast_convert_type(x: Any, new_dtype: Any) -> Any:
    """Reinterpret the bits of ``x`` as ``new_dtype``, as ``jax.lax.bitcast_convert_type``: a
    narrower dtype adds a trailing axis, a wider one consumes it.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.bitcast_convert_type(fnp.float32(1.0), 'int32'))
    1065353216
    """
    return bitcast_convert_type_p.bind(x, new_dtype=np.dtype(new_dtype))


def _batch_bitcast(values, batch_axes, *, new_dtype):
    (x,) = values
    x = move_batch_axis(x, batch_axes[0], 0, shape_of(x)[batch_axes[0]])
    return bitcast_convert_type_p.bind(x, new_dtype=new_dtype), 0


batching_rules[bitcast_convert_type_p] = _batch_bitcast

# ----------------------------------------------------------------------------------------------
# reduce_precision: a float rounded to a narrower format (``exponent_bits``, ``mantissa_bits``)
# and back, as XLA does it on the bits: the mantissa rounded to nearest even (a carry may
# reach the exponent), then exponents beyond the narrow range overflow to infinity and those
# below its normal range flush to zero; NaNs stay NaN. Its derivative, as in JAX, is the same
# rounding of the cotangent.


def _reduce_precision_impl(x: Any, *, exponent_bits: int, mantissa_bits: int) -> Any:
    x = np.asarray(x)
    info = np.finfo(x.dtype)
    unsigned = np.dtype(f"u{x.dtype.itemsize}").type
    bits = x.dtype.itemsize * 8
    source_mantissa, source_exponent = info.nmant, info.nexp
    u = x.view(unsigned)
    if mantissa_bits < source_mantissa:
        shift = source_mantissa - mantissa_bits
        last = unsigned(1 << shift)
        bias = ((u & last) >> unsigned(shift)) + unsigned((1 << (shift - 1)) - 1)
        u = (u + bias) & ~unsigned((1 << shift) - 1)
    if exponent_bits < source_exponent:
        exponent_mask = unsigned(((1 << source_exponent) - 1) << source_mantissa)
        exponent_bias = (1 << (source_exponent - 1)) - 1
        reduced_bias = (1 << (exponent_bits - 1)) - 1
        exponent = u & exponent_mask
        signed_zero = u & unsigned(1 << (bits - 1))
        u = np.where(exponent > unsigned((exponent_bias + reduced_bias) << source_mantissa),
                     signed_zero | exponent_mask,
                     np.where(exponent <= unsigned((exponent_bias - reduced_bias)
                                                   << source_mantissa), signed_zero, u))
    out = np.asarray(u, unsigned).view(x.dtype)
    return np.where(np.isnan(x), x, out)[()] if out.ndim == 0 else np.where(np.isnan(x), x, out)


reduce_precision_p = Primitive("reduce_precision")
reduce_precision_p.elementwise = True
reduce_precision_p.output_buffer = "fresh"
reduce_precision_p.def_impl(_reduce_precision_impl)


@reduce_precision_p.def_abstract_eval
def _reduce_precision_abstract_eval(x: ShapedArray, *, exponent_bits: int,
                                    mantissa_bits: int) -> ShapedArray:
    return ShapedArray(x.shape, x.dtype)


def reduce_precision(x: Any, exponent_bits: int, mantissa_bits: int) -> Any:
    """x rounded to a float format with the given exponent and mantissa widths."""
    dtype = dtype_of(x)
    if dtype.kind != "f":
        raise TypeError(f"reduce_precision requires a floating operand, got {dtype.name}")
    if int(exponent_bits) < 1 or int(mantissa_bits) < 0:
        raise ValueError(f"reduce_precision: exponent_bits must be >= 1 and mantissa_bits >= "
                         f"0, got {exponent_bits} and {mantissa_bits}")
    return reduce_precision_p.bind(x, exponent_bits=int(exponent_bits),
                                   mantissa_bits=int(mantissa_bits))


defvjp(reduce_precision_p, lambda g, ans, x, *, exponent_bits, mantissa_bits:
       reduce_precision_p.bind(g, exponent_bits=exponent_bits, mantissa_bits=mantissa_bits))
deflinear(reduce_precision_p)
batching_rules[reduce_precision_p] = elementwise_batching_rule(reduce_precision_p)

# ----------------------------------------------------------------------------------------------
# Special functions (SciPy's ufuncs), elementwise, with NumPy's dtype rule through the ufunc.


def require_scipy(name: str) -> Any:
    """scipy.special (loaded on first use), or an ImportError naming the extra that installs
    it."""
    global _scipy_special
    if _scipy_special is None:
        if not _SCIPY_INSTALLED:
            raise ImportError(f"{name} needs SciPy, which is not installed: install funcad "
                              f"with its scipy extra, pip install 'funcad[scipy]'")
        _scipy_special = importlib.import_module("scipy.special")
    return _scipy_special


def _special_primitive(name: str, scipy_name: str, order: str | None = None,
                       dtype_name: str | None = None) -> Primitive:
    """A SciPy ufunc of x; with ``order``, of (params[order], x), its dtype rule then that
    of the unary ufunc ``dtype_name``."""
    primitive = Primitive(name)
    primitive.elementwise = True
    primitive.output_buffer = "fresh"

    def ufunc(which: str = scipy_name) -> Any:
        return getattr(require_scipy(f"funcad.lax.{name}"), which)

    def impl(x: Any, **params: Any) -> Any:
        if order is None:
            return ufunc()(x)
        dtype = ufunc_result_dtype(ufunc(cast(str, dtype_name)), (_aval(x),))  # (given with order)
        return np.asarray(ufunc()(params[order], x)).astype(dtype, copy=False)

    def abstract_eval(x: ShapedArray, **params: Any) -> ShapedArray:
        return ShapedArray(x.shape, ufunc_result_dtype(ufunc(dtype_name or scipy_name), (x,)))

    primitive.def_impl(impl)
    primitive.def_abstract_eval(abstract_eval)
    batching_rules[primitive] = elementwise_batching_rule(primitive)
    return primitive


def _aval(x: Any) -> ShapedArray:
    return ShapedArray(np.shape(x), np.result_type(x))


erf_p = _special_primitive("erf", "erf")
erfc_p = _special_primitive("erfc", "erfc")
erf_inv_p = _special_primitive("erf_inv", "erfinv")
lgamma_p = _special_primitive("lgamma", "gammaln")
digamma_p = _special_primitive("digamma", "psi")
polygamma_p = _special_primitive("polygamma", "polygamma", "n", "psi")
bessel_ive_p = _special_primitive("bessel_ive", "ive", "v", "i0e")


def _bessel_ive_impl(x: Any, *, v: int) -> Any:
    """SciPy's i0e and i1e for orders 0 and 1; ive (nan beyond |x| ~ 1e9) with the large-x
    expansion exp(-|x|) I_v(x) ~ (1 - (4v^2 - 1) / 8|x| + ...) / sqrt(2 pi |x|) otherwise."""
    special = require_scipy("funcad.lax.bessel_ive")
    dtype = ufunc_result_dtype(special.i0e, (_aval(x),))
    if v in (0, 1):
        return (special.i0e if v == 0 else special.i1e)(x).astype(dtype, copy=False)
    x = np.asarray(x, dtype)
    size = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = 4.0 * v * v
        series = 1 - (mu - 1) / (8 * size) + (mu - 1) * (mu - 9) / (2 * (8 * size) ** 2)
        large = series / np.sqrt(2 * np.pi * size) * (np.sign(x) if v % 2 else 1)
        out = np.where(np.isinf(x), 0.0, np.where(size > 1e8, large, special.ive(v, x)))
    return out.astype(dtype, copy=False)[()] if out.ndim == 0 else out.astype(dtype,
                                                                            copy=False)


bessel_ive_p.def_impl(_bessel_ive_impl)
erf, erfc, erf_inv = erf_p.bind, erfc_p.bind, erf_inv_p.bind
lgamma, digamma = lgamma_p.bind, digamma_p.bind


def bessel_ive(v: int, x: Any) -> Any:
    """exp(-|x|) I_v(x), the exponentially scaled modified Bessel function of integer order."""
    if int(v) != v:
        raise ValueError(f"bessel_ive: the order v must be an integer, got {v!r}")
    return bessel_ive_p.bind(x, v=abs(int(v)))  # (I_-v = I_v for integer v)


def polygamma(n: int, x: Any) -> Any:
    """The n-th derivative of digamma, for a fixed integer order n >= 0."""
    if int(n) != n or n < 0:
        raise ValueError(f"polygamma: the order n must be a nonnegative integer, got {n!r}")
    return polygamma_p.bind(x, n=int(n))


def _special_nary(name: str, scipy_name: str, dtype_name: str) -> Primitive:
    """A SciPy function of several broadcast operands, with the dtype rule of the ufunc
    ``dtype_name`` (weak Python scalars included)."""
    primitive = Primitive(name)
    primitive.elementwise = True
    primitive.output_buffer = "fresh"

    def scipy_fn(which: str) -> Any:
        return getattr(require_scipy(f"funcad.lax.{name}"), which)

    def impl(*args: Any) -> Any:
        dtype = ufunc_result_dtype(scipy_fn(dtype_name), tuple(get_aval(a) for a in args))
        out = scipy_fn(scipy_name)(*args)
        return out.astype(dtype, copy=False) if isinstance(out, np.ndarray) else \
            dtype.type(out)

    def abstract_eval(*avals: ShapedArray) -> ShapedArray:
        return ShapedArray(broadcast_shapes(*(a.shape for a in avals)),
                           ufunc_result_dtype(scipy_fn(dtype_name), avals))

    primitive.def_impl(impl)
    primitive.def_abstract_eval(abstract_eval)
    batching_rules[primitive] = elementwise_batching_rule(primitive)
    return primitive


igamma_p = _special_nary("igamma", "gammainc", "gammainc")
igammac_p = _special_nary("igammac", "gammaincc", "gammainc")
betainc_p = _special_nary("betainc", "betainc", "betainc")
zeta_p = _special_nary("zeta", "zeta", "gammainc")
igamma, igammac, betainc, zeta = igamma_p.bind, igammac_p.bind, betainc_p.bind, zeta_p.bind


def _no_derivative(name: str, argument: str, error: type = NotImplementedError) -> Any:
    def rule(g: Any, ans: Any, *args: Any) -> Any:
        raise error(f"{name}: the derivative with respect to {argument} is not implemented "
                    f"(only with respect to the last argument)")

    return rule


def _gamma_density(a: Any, x: Any) -> Any:
    """x^(a-1) e^-x / Gamma(a): d/dx of the regularized lower incomplete gamma function."""
    return exp(sub(sub(mul(sub(a, 1), log(x)), x), lgamma(a)))


def _beta_density(a: Any, b: Any, x: Any) -> Any:
    """x^(a-1) (1-x)^(b-1) / B(a, b): d/dx of the regularized incomplete beta function."""
    log_beta = sub(add(lgamma(a), lgamma(b)), lgamma(add(a, b)))
    return exp(sub(add(mul(sub(a, 1), log(x)), mul(sub(b, 1), log1p(neg(x)))), log_beta))


defvjp(igamma_p, _no_derivative("igamma", "a"),
       lambda g, ans, a, x: unbroadcast(x, absorbing_mul(g, _gamma_density(a, x))))
defvjp(igammac_p, _no_derivative("igammac", "a"),
       lambda g, ans, a, x: unbroadcast(x, neg(absorbing_mul(g, _gamma_density(a, x)))))
defvjp(betainc_p, _no_derivative("betainc", "a", ValueError),
       _no_derivative("betainc", "b", ValueError),
       lambda g, ans, a, b, x: unbroadcast(x, absorbing_mul(g, _beta_density(a, b, x))))
# d/dq zeta(x, q) = -x zeta(x + 1, q).
defvjp(zeta_p, _no_derivative("zeta", "x"),
       lambda g, ans, x, q: unbroadcast(q, neg(absorbing_mul(g, mul(x, zeta(add(x, 1), q))))))


def _argument_rules(primitive: Primitive) -> tuple[Callable[..., Any], ...]:
    """The per-argument VJP rules that defvjp registered for an elementwise primitive."""
    return cast("tuple[Callable[..., Any], ...]", vjp_rules[primitive])


for _special in (igamma_p, igammac_p, betainc_p, zeta_p):
    defjvp(_special, *(jvp_from_elementwise_vjp(rule, i)
                       for i, rule in enumerate(_argument_rules(_special))))

_TWO_OVER_SQRT_PI = float(2 / np.sqrt(np.pi))
# erf' = 2/sqrt(pi) exp(-x^2); erf_inv' = sqrt(pi)/2 exp(erf_inv(x)^2), infinite at |x| = 1;
# lgamma' = digamma, digamma' = polygamma(1), polygamma(n)' = polygamma(n + 1): poles at
# the nonpositive integers.
defvjp(erf_p, lambda g, ans, x: mul(g, mul(_TWO_OVER_SQRT_PI, exp(neg(integer_pow(x, 2))))))
defvjp(erfc_p, lambda g, ans, x: mul(g, mul(-_TWO_OVER_SQRT_PI, exp(neg(integer_pow(x, 2))))))
defvjp(erf_inv_p, lambda g, ans, x: absorbing_mul(
    g, mul(1 / _TWO_OVER_SQRT_PI, exp(integer_pow(ans, 2)))))
defvjp(lgamma_p, lambda g, ans, x: absorbing_mul(g, digamma(x)))
defvjp(digamma_p, lambda g, ans, x: absorbing_mul(g, polygamma(1, x)))
defvjp(polygamma_p, lambda g, ans, x, *, n: absorbing_mul(g, polygamma(n + 1, x)))
# d/dx exp(-|x|) I_v(x) = (I_{v-1} + I_{v+1}) / 2 e^-|x| - sign(x) e^-|x| I_v(x).
defvjp(bessel_ive_p, lambda g, ans, x, *, v: mul(g, sub(
    mul(0.5, add(bessel_ive(v - 1, x), bessel_ive(v + 1, x))), mul(sign(x), ans))))
for _special in (erf_p, erfc_p, erf_inv_p, lgamma_p, digamma_p, polygamma_p, bessel_ive_p):
    defjvp(_special, jvp_from_elementwise_vjp(_argument_rules(_special)[0], 0))
