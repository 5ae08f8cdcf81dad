"""funcad.lax's products and convolutions (compositions of pad, windows and dot_general)."""

from __future__ import annotations

import builtins as _builtins
import enum as _enum
from collections.abc import Sequence
from typing import Any, Union, cast
from typing import NamedTuple as _NamedTuple

import numpy as _np

from funcad.core import dtype_of as _dtype_of
from funcad.core import shape_of as _shape_of
from funcad.lax._common import PrecisionLike
from funcad.lax._elementwise import convert_element_type
from funcad.lax._shapes import rev
from funcad.primitives.elementwise import (
    ge,
    lt,
    min,
    select,
)
from funcad.primitives.fft import fft as _fft
from funcad.primitives.indexing import ArrayIndex as _ArrayIndex
from funcad.primitives.indexing import getitem
from funcad.primitives.lax_ops import pad as _pad
from funcad.primitives.lax_ops import windows as _windows
from funcad.primitives.linalg import dot_general as _dot_general
from funcad.primitives.reductions import cumsum as _cumsum
from funcad.primitives.shape import (
    broadcast_to,
    transpose,
)
from funcad.primitives.shape import reduce_sum as _reduce_sum
from funcad.primitives.shape import reshape as _reshape
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "dot_general", "dot", "ragged_dot", "batch_matmul", "ConvDimensionNumbers",
    "conv_dimension_numbers", "padtype_to_pads", "spatial_arg", "conv_general_permutations",
    "conv_shape_tuple", "conv_general_shape_tuple", "conv_transpose_shape_tuple",
    "reduce_window_shape_tuple", "conv_general_dilated_patches", "conv_general_dilated", "conv",
    "conv_with_general_padding", "conv_transpose", "FftType", "fft", "DotDimensionNumbers",
    "ConvGeneralDilatedDimensionNumbers"
]


# ----------------------------------------------------------------------------------------------
# Products.

DotDimensionNumbers = tuple[tuple[Sequence[int], Sequence[int]],
                            tuple[Sequence[int], Sequence[int]]]
"""``((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch))``, as in jax.lax."""


def dot_general(lhs: ArrayLike, rhs: ArrayLike, dimension_numbers: DotDimensionNumbers,
                precision: PrecisionLike = None,
                preferred_element_type: DTypeLike | None = None) -> Array:
    """Contraction over ``((lhs_contract, rhs_contract), (lhs_batch, rhs_batch))``. On the
    CPU every ``precision`` computes the same; ``preferred_element_type`` is the result's
    dtype (the operands are converted to it first)."""
    if preferred_element_type is not None:
        lhs = convert_element_type(lhs, preferred_element_type)
        rhs = convert_element_type(rhs, preferred_element_type)
    return _dot_general(lhs, rhs, dimension_numbers)


def dot(lhs: ArrayLike, rhs: ArrayLike, *, dimension_numbers: DotDimensionNumbers | None = None,
        precision: PrecisionLike = None, preferred_element_type: DTypeLike | None = None) -> Array:
    """vector-vector, matrix-vector or matrix-matrix product (or ``dot_general`` with
    ``dimension_numbers``)."""
    if dimension_numbers is None:
        lhs_shape, rhs_shape = _shape_of(lhs), _shape_of(rhs)
        if len(lhs_shape) not in (1, 2) or len(rhs_shape) not in (1, 2):
            raise ValueError(f"dot: dimension_numbers must be specified when not performing "
                             f"simple un-batched matrix-matrix, matrix-vector, or vector-vector "
                             f"products; got lhs_shape={lhs_shape} rhs_shape={rhs_shape}")
        if lhs_shape[-1] != rhs_shape[0]:
            raise TypeError(f"dot: incompatible shapes for a product: {lhs_shape} and "
                            f"{rhs_shape}")
        dimension_numbers = (((len(lhs_shape) - 1,), (0,)), ((), ()))
    return dot_general(lhs, rhs, dimension_numbers, precision, preferred_element_type)


def ragged_dot(lhs: ArrayLike, rhs: ArrayLike, group_sizes: ArrayLike,
               precision: PrecisionLike = None, preferred_element_type: DTypeLike | None = None,
               group_offset: ArrayLike | None = None) -> Array:
    """lhs (m, k) rows in consecutive groups of ``group_sizes``, each times its own matrix
    of rhs (g, k, n); rows past the groups give zeros. Each row's matrix is gathered by its
    group index (rows compared with the groups' ends), then a batched product."""
    if group_offset is not None:
        raise NotImplementedError("funcad.lax.ragged_dot: group_offset is not implemented yet")
    (m, k), rhs_shape = _shape_of(lhs), tuple(_shape_of(rhs))
    if len(rhs_shape) != 3 or rhs_shape[1] != k or _shape_of(group_sizes) != rhs_shape[:1]:
        raise TypeError(f"ragged_dot needs lhs (m, k), rhs (g, k, n) and group_sizes (g,), "
                        f"got shapes {(m, k)}, {rhs_shape} and {_shape_of(group_sizes)}")
    if preferred_element_type is not None:
        lhs = convert_element_type(lhs, preferred_element_type)
        rhs = convert_element_type(rhs, preferred_element_type)
    ends = _cumsum(convert_element_type(group_sizes, _np.intp), 0)
    rows = _np.arange(m).reshape(m, 1)
    group = _reduce_sum(convert_element_type(ge(rows, _reshape(ends, (1, rhs_shape[0]))),
                                            _np.intp), (1,))
    inside = lt(group, rhs_shape[0])
    matrices = getitem(rhs, (_ArrayIndex(0),), min(group, rhs_shape[0] - 1))  # (m, k, n)
    products = _dot_general(lhs, matrices, (((1,), (1,)), ((0,), (0,))))  # (m, n)
    return select(_reshape(inside, (m, 1)), products, 0)


def batch_matmul(lhs: ArrayLike, rhs: ArrayLike, precision: PrecisionLike = None) -> Array:
    """Matrix products over the leading (batch) axes, which must agree."""
    lhs_shape, rhs_shape = _shape_of(lhs), _shape_of(rhs)
    if len(lhs_shape) != len(rhs_shape) or len(lhs_shape) < 2 or \
            lhs_shape[:-2] != rhs_shape[:-2]:
        raise ValueError(f"batch_matmul needs operands of equal rank >= 2 and equal batch "
                         f"axes, got shapes {lhs_shape} and {rhs_shape}")
    ndim = len(lhs_shape)
    batch = tuple(range(ndim - 2))
    return _dot_general(lhs, rhs, (((ndim - 1,), (ndim - 2,)), (batch, batch)))


# ----------------------------------------------------------------------------------------------
# Convolutions, as compositions: one pad (the input's dilation and padding), the windows of
# the padded input (one strided copy; their transpose, the input's gradient, adds one strided
# slice per kernel position into one buffer), and a dot_general with the kernel, grouped by
# its batch axes. Every derivative and batching rule comes from those primitives.


class ConvDimensionNumbers(_NamedTuple):
    """Where the batch, feature and spatial axes are: ``lhs_spec`` = (batch, feature,
    spatial...), ``rhs_spec`` = (output feature, input feature, spatial...), ``out_spec``
    = (batch, feature, spatial...), each an axis of that array."""

    lhs_spec: tuple[int, ...]
    rhs_spec: tuple[int, ...]
    out_spec: tuple[int, ...]


ConvGeneralDilatedDimensionNumbers = Union[None, ConvDimensionNumbers, tuple[str, str, str]]
"""A convolution's layouts: None (NC.../OI.../NC...), three strings such as ``("NHWC",
"HWIO", "NHWC")``, or ``ConvDimensionNumbers``."""


def _spec_permutations(specs):
    """Axis permutations from strings such as ('NCHW', 'OIHW', 'NHWC'); spatial axes are
    matched by letter, in the order of the kernel's string."""
    pairs = (("N", "C"), ("O", "I"), ("N", "C"))
    for i, (spec, (a, b)) in enumerate(zip(specs, pairs)):
        if spec.count(a) != 1 or spec.count(b) != 1:
            raise TypeError(f"convolution dimension_numbers[{i}] must contain the characters "
                            f"'{a}' and '{b}' exactly once, got {spec}.")
        if len(set(spec)) != len(spec):
            raise TypeError(f"convolution dimension_numbers[{i}] cannot have duplicate "
                            f"characters, got {spec}.")
    spatial = [set(spec) - set(pair) for spec, pair in zip(specs, pairs)]
    if not spatial[0] == spatial[1] == spatial[2]:
        raise TypeError(f"convolution dimension_numbers elements must each have the same set "
                        f"of spatial characters, got {tuple(specs)}.")
    kernel = specs[1]
    order = [c for c in kernel if c not in "OI"]
    return ConvDimensionNumbers(*(
        (spec.index(a), spec.index(b)) + tuple(spec.index(c) for c in order)
        for spec, (a, b) in zip(specs, pairs)))


def conv_dimension_numbers(
        lhs_shape: Sequence[int], rhs_shape: Sequence[int],
        dimension_numbers: ConvGeneralDilatedDimensionNumbers) -> ConvDimensionNumbers:
    """``dimension_numbers`` (None, three strings, or ConvDimensionNumbers) as
    ConvDimensionNumbers."""
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return dimension_numbers
    if len(lhs_shape) != len(rhs_shape):
        raise TypeError(f"convolution requires lhs and rhs ndim to be equal, got "
                        f"{len(lhs_shape)} and {len(rhs_shape)}.")
    if dimension_numbers is None:
        iota_ = tuple(range(len(lhs_shape)))
        return ConvDimensionNumbers(iota_, iota_, iota_)
    if not isinstance(dimension_numbers, (list, tuple)) or len(dimension_numbers) != 3 or \
            not all(isinstance(spec, str) for spec in dimension_numbers):
        raise TypeError(f"convolution dimension_numbers must be None, ConvDimensionNumbers "
                        f"or three strings, got {dimension_numbers!r}")
    for i, spec in enumerate(dimension_numbers):
        if len(spec) != len(lhs_shape):
            raise TypeError(f"convolution dimension_numbers[{i}] must have len equal to the "
                            f"ndim of lhs and rhs, got {len(spec)} for lhs and rhs shapes "
                            f"{tuple(lhs_shape)} and {tuple(rhs_shape)}.")
    return _spec_permutations(tuple(dimension_numbers))


def padtype_to_pads(in_shape: Sequence[int], window_shape: Sequence[int],
                    window_strides: Sequence[int], padding: str) -> list[tuple[int, int]]:
    """(low, high) padding per spatial axis for 'VALID', 'SAME' (an odd total puts the extra
    element at the end) or 'SAME_LOWER' (at the start)."""
    kind = padding.upper() if isinstance(padding, str) else padding
    if kind == "VALID":
        return [(0, 0)] * len(in_shape)
    if kind not in ("SAME", "SAME_LOWER"):
        raise RuntimeError(f"Unrecognized padding type: expected 'VALID', 'SAME' or "
                           f"'SAME_LOWER', got {padding!r}.")
    pads = []
    for n, k, stride in zip(in_shape, window_shape, window_strides):
        out = -(-int(n) // int(stride))
        total = _builtins.max((out - 1) * int(stride) + int(k) - int(n), 0)
        low = total // 2 if kind == "SAME" else total - total // 2
        pads.append((low, total - low))
    return pads


def spatial_arg(value: Sequence[int] | None, count: int, name: str) -> tuple[int, ...]:
    value = (1,) * count if value is None else tuple(int(v) for v in value)
    if len(value) != count:
        raise ValueError(f"conv_general_dilated: {name} must have one entry per spatial axis "
                         f"({count}), got {value}")
    return value


def conv_general_permutations(
        dimension_numbers: tuple[str, str, str]) -> tuple[tuple[int, ...], ...]:
    """The axis permutations (lhs, rhs, out) of three layout strings."""
    return tuple(_spec_permutations(tuple(dimension_numbers)))


def _window_count(size, window, stride):
    return _builtins.max((size - window) // stride + 1, 0) if size >= window else 0


def conv_shape_tuple(lhs_shape: Sequence[int], rhs_shape: Sequence[int], strides: Sequence[int],
                     pads: Sequence[tuple[int, int]],
                     batch_group_count: int = 1) -> tuple[int, ...]:
    """The output shape of a convolution in NC.../OI... layouts with (low, high) ``pads``."""
    spatial = [n + low + high for n, (low, high) in zip(lhs_shape[2:], pads)]
    out = [_window_count(n, k, s) for n, k, s in zip(spatial, rhs_shape[2:], strides)]
    return (lhs_shape[0] // batch_group_count, rhs_shape[0], *out)


def _layout_shape(canonical, out_spec):
    shape = [0] * len(canonical)
    for axis, n in zip(out_spec, canonical):
        shape[axis] = n
    return tuple(shape)


def conv_general_shape_tuple(
        lhs_shape: Sequence[int], rhs_shape: Sequence[int], window_strides: Sequence[int],
        padding: str | Sequence[tuple[int, int]],
        dimension_numbers: ConvGeneralDilatedDimensionNumbers) -> tuple[int, ...]:
    """The output shape of conv_general_dilated (no dilation) in the output layout."""
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    lhs = tuple(lhs_shape[a] for a in dn.lhs_spec)
    rhs = tuple(rhs_shape[a] for a in dn.rhs_spec)
    if isinstance(padding, str):
        padding = padtype_to_pads(lhs[2:], rhs[2:], window_strides, padding)
    return _layout_shape(conv_shape_tuple(lhs, rhs, window_strides, padding), dn.out_spec)


def conv_transpose_shape_tuple(
        lhs_shape: Sequence[int], rhs_shape: Sequence[int], window_strides: Sequence[int],
        padding: str | Sequence[tuple[int, int]],
        dimension_numbers: ConvGeneralDilatedDimensionNumbers) -> tuple[int, ...]:
    """The output shape of conv_transpose (no kernel dilation) in the output layout."""
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    lhs = tuple(lhs_shape[a] for a in dn.lhs_spec)
    rhs = tuple(rhs_shape[a] for a in dn.rhs_spec)
    if isinstance(padding, str):
        padding = [_transpose_padding(k, s, padding.upper())
                   for k, s in zip(rhs[2:], window_strides)]
    spatial = [(n - 1) * s + 1 + low + high - k + 1 if n else 0
               for n, s, (low, high), k in zip(lhs[2:], window_strides, padding, rhs[2:])]
    return _layout_shape((lhs[0], rhs[0], *spatial), dn.out_spec)


def reduce_window_shape_tuple(operand_shape: Sequence[int], window_dimensions: Sequence[int],
                              window_strides: Sequence[int], padding: Sequence[tuple[int, int]],
                              base_dilation: Sequence[int] | None = None,
                              window_dilation: Sequence[int] | None = None) -> tuple[int, ...]:
    """The output shape of reduce_window."""
    count = len(operand_shape)
    base_dilation = base_dilation or (1,) * count
    window_dilation = window_dilation or (1,) * count
    sizes = [(n - 1) * d + 1 + low + high if n else low + high
             for n, d, (low, high) in zip(operand_shape, base_dilation, padding)]
    windows = [(k - 1) * d + 1 for k, d in zip(window_dimensions, window_dilation)]
    return tuple(_window_count(n, w, s) for n, w, s in zip(sizes, windows, window_strides))


def _conv_patches(x, kernel, strides, padding, lhs_dilation, rhs_dilation):
    """The windows of x (N, C, spatial...) for a kernel of spatial shape ``kernel``:
    (N, C, kernel positions, out...), positions in row-major order, and the out shape."""
    count = len(kernel)
    spatial = _shape_of(x)[2:]
    windows = [(k - 1) * d + 1 for k, d in zip(kernel, rhs_dilation)]
    if isinstance(padding, str):
        if any(d != 1 for d in lhs_dilation):
            raise ValueError("String padding is not implemented for transposed convolution "
                             "using this op. Please either exactly specify the required "
                             "padding or use conv_transpose.")
        padding = padtype_to_pads(spatial, windows, strides, padding)
    padding = [tuple(int(v) for v in pair) for pair in padding]
    if len(padding) != count or any(len(pair) != 2 for pair in padding):
        raise ValueError(f"conv_general_dilated: padding must be a string or one (low, high) "
                         f"pair per spatial axis ({count}), got {padding}")
    config = [(0, 0, 0), (0, 0, 0)] + [
        (low, high, dilation - 1) for (low, high), dilation in zip(padding, lhs_dilation)]
    if any(any(pair) for pair in config):  # ('VALID' without dilation pads nothing)
        x = _pad(x, 0, config)
    p = _windows(x, kernel, strides, rhs_dilation)  # (N, C, positions, out...)
    return p, list(_shape_of(p)[3:])


def conv_general_dilated_patches(lhs: ArrayLike, filter_shape: Sequence[int],
                                 window_strides: Sequence[int],
                                 padding: str | Sequence[tuple[int, int]],
                                 lhs_dilation: Sequence[int] | None = None,
                                 rhs_dilation: Sequence[int] | None = None,
                                 dimension_numbers: ConvGeneralDilatedDimensionNumbers = None,
                                 precision: PrecisionLike = None,
                                 preferred_element_type: DTypeLike | None = None) -> Array:
    """The patches a convolution with a kernel of spatial shape ``filter_shape`` sees: the
    output has C * prod(filter_shape) features (channel-major), in the output layout."""
    lhs_shape = tuple(_shape_of(lhs))
    count = len(lhs_shape) - 2
    filter_shape = tuple(int(k) for k in filter_shape)
    if len(filter_shape) != count:
        raise ValueError(f"conv_general_dilated_patches: filter_shape {filter_shape} must "
                         f"have one entry per spatial axis ({count})")
    dn = conv_dimension_numbers(lhs_shape, (1, 1) + filter_shape, dimension_numbers)
    strides = spatial_arg(window_strides, count, "window_strides")
    lhs_dilation = spatial_arg(lhs_dilation, count, "lhs_dilation")
    rhs_dilation = spatial_arg(rhs_dilation, count, "rhs_dilation")
    if preferred_element_type is not None:
        lhs = convert_element_type(lhs, preferred_element_type)
    x = transpose(lhs, dn.lhs_spec)
    p, out = _conv_patches(x, filter_shape, strides, padding, lhs_dilation, rhs_dilation)
    n, c, positions = _shape_of(p)[:3]
    result = _reshape(p, (n, c * positions, *out))
    return transpose(result, _np.argsort(dn.out_spec))


def conv_general_dilated(lhs: ArrayLike, rhs: ArrayLike, window_strides: Sequence[int],
                         padding: str | Sequence[tuple[int, int]],
                         lhs_dilation: Sequence[int] | None = None,
                         rhs_dilation: Sequence[int] | None = None,
                         dimension_numbers: ConvGeneralDilatedDimensionNumbers = None,
                         feature_group_count: int = 1, batch_group_count: int = 1,
                         precision: PrecisionLike = None,
                         preferred_element_type: DTypeLike | None = None) -> Array:
    """XLA's convolution (a cross-correlation: the kernel is not flipped), with strides,
    padding (pairs or 'VALID'/'SAME'/'SAME_LOWER'), input and kernel dilation, layouts and
    feature or batch groups."""
    lhs_shape, rhs_shape = tuple(_shape_of(lhs)), tuple(_shape_of(rhs))
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    count = len(lhs_shape) - 2
    if count < 0:
        raise TypeError(f"convolution needs operands of rank >= 2, got shapes {lhs_shape} "
                        f"and {rhs_shape}")
    strides = spatial_arg(window_strides, count, "window_strides")
    lhs_dilation = spatial_arg(lhs_dilation, count, "lhs_dilation")
    rhs_dilation = spatial_arg(rhs_dilation, count, "rhs_dilation")
    if any(v < 1 for v in strides + lhs_dilation + rhs_dilation):
        raise ValueError("conv_general_dilated: strides and dilations must be positive")
    if preferred_element_type is not None:
        lhs = convert_element_type(lhs, preferred_element_type)
        rhs = convert_element_type(rhs, preferred_element_type)
    x, w = transpose(lhs, dn.lhs_spec), transpose(rhs, dn.rhs_spec)
    (n, c, *_), (o, i, *kernel) = _shape_of(x), _shape_of(w)
    groups, batch_groups = int(feature_group_count), int(batch_group_count)
    if groups < 1 or batch_groups < 1 or (groups > 1 and batch_groups > 1):
        raise ValueError(f"conv_general_dilated: feature_group_count ({groups}) and "
                         f"batch_group_count ({batch_groups}) must be positive, one of them 1")
    if c != i * groups or o % groups:
        raise TypeError(f"conv_general_dilated lhs feature dimension size divided by "
                        f"feature_group_count must equal the rhs input feature dimension size, "
                        f"and the rhs output features must be a multiple of it; got lhs "
                        f"features {c}, rhs (output, input) features ({o}, {i}), "
                        f"feature_group_count {groups}")
    if n % batch_groups or o % batch_groups:
        raise ValueError(f"conv_general_dilated: lhs batch size {n} and rhs output features "
                         f"{o} must be multiples of batch_group_count {batch_groups}")
    p, out = _conv_patches(x, kernel, strides, padding, lhs_dilation, rhs_dilation)
    positions = _shape_of(p)[2]
    if not positions:
        return transpose(broadcast_to(_np.zeros((), _dtype_of(x)), (n // batch_groups, o,
                                                                      *out)),
                         _np.argsort(dn.out_spec))
    # The contraction runs over (positions, input features) in that order: the windows keep
    # the features innermost, so the product reads them as one matrix without a copy, and
    # the windows' cotangent comes back with each position's features contiguous.
    if batch_groups > 1:
        p = _reshape(p, (batch_groups, n // batch_groups, c, positions, *out))
        w = _reshape(w, (batch_groups, o // batch_groups, i, positions))
    else:
        p = _reshape(p, (n, groups, i, positions, *out))
        w = _reshape(w, (groups, o // groups, i, positions))
        p = transpose(p, (1, 0) + tuple(range(2, 4 + count)))
    w = transpose(w, (0, 1, 3, 2))  # (group, output features, positions, input features)
    contract = ((3, 2), (2, 3))
    result = _dot_general(p, w, (contract, ((0,), (0,))))  # (group, N', out..., O_g)
    result = transpose(result, (1, 0, count + 2) + tuple(range(2, count + 2)))
    shape = _shape_of(result)
    result = _reshape(result, (shape[0], shape[1] * shape[2]) + tuple(shape[3:]))
    return transpose(result, _np.argsort(dn.out_spec))


def conv(lhs: ArrayLike, rhs: ArrayLike, window_strides: Sequence[int],
         padding: str | Sequence[tuple[int, int]], precision: PrecisionLike = None,
         preferred_element_type: DTypeLike | None = None) -> Array:
    """conv_general_dilated with NCHW/OIHW layouts and no dilation."""
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs: ArrayLike, rhs: ArrayLike, window_strides: Sequence[int],
                              padding: str | Sequence[tuple[int, int]],
                              lhs_dilation: Sequence[int] | None,
                              rhs_dilation: Sequence[int] | None, precision: PrecisionLike = None,
                              preferred_element_type: DTypeLike | None = None) -> Array:
    """``conv_general_dilated`` with the default (NCHW, OIHW) layout: explicit (low, high)
    ``padding`` per spatial axis and both dilations, as ``jax.lax.conv_with_general_padding``.

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> x = fnp.ones((1, 1, 4, 4))
    >>> w = fnp.ones((1, 1, 3, 3))
    >>> print(lax.conv_with_general_padding(x, w, (1, 1), [(1, 1), (1, 1)], None, None)[0, 0])
    [[4. 6. 6. 4.]
     [6. 9. 9. 6.]
     [6. 9. 9. 6.]
     [4. 6. 6. 4.]]
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation,
                                rhs_dilation, precision=precision,
                                preferred_element_type=preferred_element_type)


def _transpose_padding(window, stride, padding):
    """(low, high) padding of the stride-dilated input for a transposed convolution whose
    forward convolution had this (dilated) window and padding ('SAME', 'VALID' or a pair)."""
    if padding == "SAME":
        total = window + stride - 2
        low = window - 1 if stride > window - 1 else -(-total // 2)
    elif padding == "VALID":
        total = window + stride - 2 + _builtins.max(window - stride, 0)
        low = window - 1
    elif isinstance(padding, (tuple, list)) and len(padding) == 2:
        low, high = (window - int(p) - 1 for p in padding)
        total = low + high
    else:
        raise ValueError(f"conv_transpose: invalid padding {padding!r}")
    return low, total - low


_TRANSPOSE_LAYOUTS = {2: ("NC", "IO", "NC"), 3: ("NHC", "HIO", "NHC"),
                      4: ("NHWC", "HWIO", "NHWC"), 5: ("NHWDC", "HWDIO", "NHWDC")}


def conv_transpose(lhs: ArrayLike, rhs: ArrayLike, strides: Sequence[int],
                   padding: str | Sequence[tuple[int, int]],
                   rhs_dilation: Sequence[int] | None = None,
                   dimension_numbers: ConvGeneralDilatedDimensionNumbers = None,
                   transpose_kernel: bool = False, precision: PrecisionLike = None,
                   preferred_element_type: DTypeLike | None = None,
                   use_consistent_padding: bool = False) -> Array:
    """The transposed (fractionally strided) convolution: the input dilated by ``strides``
    (layouts default to NHWC/HWIO). 'SAME'/'VALID' name the forward convolution's padding;
    pairs are the transposed convolution's own, unless ``use_consistent_padding`` (then
    they are the forward one's, as in PyTorch). ``transpose_kernel`` flips the kernel and
    swaps its feature axes, which makes this the gradient of conv_general_dilated."""
    lhs_shape, rhs_shape = tuple(_shape_of(lhs)), tuple(_shape_of(rhs))
    if len(lhs_shape) != len(rhs_shape) or len(lhs_shape) < 2:
        raise TypeError(f"conv_transpose needs operands of equal rank >= 2, got shapes "
                        f"{lhs_shape} and {rhs_shape}")
    if dimension_numbers is None:
        if len(lhs_shape) not in _TRANSPOSE_LAYOUTS:
            raise ValueError("No 4+ dimensional dimension_number defaults.")
        dimension_numbers = _TRANSPOSE_LAYOUTS[len(lhs_shape)]
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    count = len(lhs_shape) - 2
    strides = spatial_arg(strides, count, "strides")
    rhs_dilation = spatial_arg(rhs_dilation, count, "rhs_dilation")
    kernel = [rhs_shape[axis] for axis in dn.rhs_spec[2:]]
    windows = [(k - 1) * d + 1 for k, d in zip(kernel, rhs_dilation)]
    if use_consistent_padding or padding in ("SAME", "VALID"):
        kinds = [padding] * count if isinstance(padding, str) else list(padding)
        padding = [_transpose_padding(k, s, kind)
                   for k, s, kind in zip(windows, strides, kinds)]
    if transpose_kernel:
        rhs = rev(rhs, tuple(dn.rhs_spec[2:]))
        order = list(range(len(rhs_shape)))
        order[dn.rhs_spec[0]], order[dn.rhs_spec[1]] = dn.rhs_spec[1], dn.rhs_spec[0]
        rhs = transpose(rhs, order)
    return conv_general_dilated(lhs, rhs, (1,) * count, padding, strides, rhs_dilation, dn,
                                precision=precision,
                                preferred_element_type=preferred_element_type)


class FftType(_enum.IntEnum):
    """The transforms of ``fft``."""

    FFT = 0
    IFFT = 1
    RFFT = 2
    IRFFT = 3


def fft(x: ArrayLike, fft_type: FftType | str, fft_lengths: Sequence[int]) -> Array:
    """The discrete Fourier transform ``fft_type`` (FFT, IFFT, RFFT, IRFFT, as a name or
    FftType) over the trailing ``len(fft_lengths)`` axes."""
    return _fft(x, getattr(fft_type, "name", cast(Any, fft_type)), fft_lengths)  # (a name)
