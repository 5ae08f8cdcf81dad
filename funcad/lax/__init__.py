"""funcad.lax: jax.lax's operations, with its signatures and semantics, the primitives'
binders, and control flow.

funcad.numpy is built from the primitives. The functions here do no NumPy-style argument
conversion; where jax.lax's semantics differ from NumPy's they follow jax.lax and XLA
(``div`` and ``rem`` truncate toward zero as C does, with XLA's results for a zero divisor;
``round`` rounds halves away from zero; ``convert_element_type`` saturates floats converted
to integers; ``clamp`` has no derivative at its bounds; dynamic slices clamp their starts;
cumulative reductions default to ``axis=0``; sums and products, plain and cumulative, keep
the operand's dtype), while elementwise dtypes follow NumPy's rules as everywhere in funcad.
Elementwise functions broadcast NumPy-style. A name jax.lax has and funcad.lax does not yet
raises AttributeError saying so.

The operations live in underscored modules by family, each importing only those before it:
``_common`` (axis checks, enums), ``_elementwise`` (arithmetic, bits, types and constants),
``_shapes`` (reshapes, slices, gather and scatter), ``_products`` (dot and convolutions),
``_reductions`` (plain, windowed and cumulative reductions, sorting) and ``_composites``
(associative_scan, custom_linear_solve, custom_root). This module only names the API.
"""

from funcad.control_flow import cond, fori_loop, map, scan, select_n, switch, while_loop
from funcad.primitives import elementwise as _elementwise_ops
from funcad.primitives import lax_ops as _special_ops
from funcad.primitives import reductions as _reduction_ops
from funcad.primitives import shape as _shape_ops
from funcad.primitives.indexing import getitem, index_update
from funcad.primitives.numeric import nextafter as _nextafter

from funcad.lax._common import (
    RoundingMethod, Precision, PrecisionLike, dtype, platform_dependent,
)
from funcad.lax._common import (  # (the binders' types, kept out of the namespace)
    UnaryFunction as _UnaryFunction, BinaryFunction as _BinaryFunction,
    TernaryFunction as _TernaryFunction, IntegerPowFunction as _IntegerPowFunction,
    PolygammaFunction as _PolygammaFunction, BitcastFunction as _BitcastFunction,
    ReducePrecisionFunction as _ReducePrecisionFunction, TransposeFunction as _TransposeFunction,
    BroadcastToFunction as _BroadcastToFunction, ReductionFunction as _ReductionFunction,
)
from funcad.lax._elementwise import (
    div, rem, round, is_finite, clamp, bessel_i0e, bessel_i1e, square, rsqrt, reciprocal,
    logistic, bitwise_and, bitwise_or, bitwise_xor, bitwise_not, population_count, clz,
    shift_left, shift_right_logical, shift_right_arithmetic, mulhi, convert_element_type, iota,
    broadcasted_iota, full, empty, full_like, zeros_like_array, stop_gradient,
)
from funcad.lax._shapes import (
    reshape, broadcast_in_dim, broadcast, broadcast_to_rank, broadcast_shapes, broadcast_like,
    stack, unstack, squeeze, expand_dims, collapse, rev, pad, concatenate, split, tile, slice,
    slice_in_dim, index_in_dim, dynamic_slice, dynamic_update_slice, dynamic_slice_in_dim,
    dynamic_index_in_dim, dynamic_update_slice_in_dim, dynamic_update_index_in_dim,
    GatherDimensionNumbers, ScatterDimensionNumbers, GatherScatterMode, gather, scatter,
    scatter_add, scatter_sub, scatter_max, scatter_min, scatter_mul,
)
from funcad.lax._products import (
    dot_general, dot, ragged_dot, batch_matmul, ConvDimensionNumbers, conv_dimension_numbers,
    padtype_to_pads, conv_general_permutations, conv_shape_tuple, conv_general_shape_tuple,
    conv_transpose_shape_tuple, reduce_window_shape_tuple, conv_general_dilated_patches,
    conv_general_dilated, conv, conv_with_general_padding, conv_transpose, FftType, fft,
    DotDimensionNumbers, ConvGeneralDilatedDimensionNumbers,
)
from funcad.lax._reductions import (
    reduce_and, reduce_or, reduce_xor, reduce_sum, reduce_prod, reduce, reduce_window, argmax,
    argmin, cumsum, cumprod, cummax, cummin, cumlogsumexp, sort, sort_key_val, top_k,
    approx_max_k, approx_min_k, optimization_barrier,
)
from funcad.lax._composites import (
    associative_scan, with_sharding_constraint, composite, shape_as_value, custom_linear_solve,
    custom_root,
)

# The primitives' binders (``sin`` is ``sin_p.bind``), typed: arrays in, an array out.
(abs, acos, acosh, asin, asinh, atan, atanh, cbrt, ceil, conj, cos, cosh, exp, exp2, expm1,
 floor, imag, isfinite, isinf, isnan, log, log1p, log2, log10, logical_not, neg, real, sign, sin,
 sinh, sqrt, tan, tanh, digamma, erf, erf_inv, erfc, lgamma) = tuple[_UnaryFunction, ...]((
    _elementwise_ops.abs, _elementwise_ops.acos, _elementwise_ops.acosh, _elementwise_ops.asin,
    _elementwise_ops.asinh, _elementwise_ops.atan, _elementwise_ops.atanh, _elementwise_ops.cbrt,
    _elementwise_ops.ceil, _elementwise_ops.conj, _elementwise_ops.cos, _elementwise_ops.cosh,
    _elementwise_ops.exp, _elementwise_ops.exp2, _elementwise_ops.expm1, _elementwise_ops.floor,
    _elementwise_ops.imag, _elementwise_ops.isfinite, _elementwise_ops.isinf,
    _elementwise_ops.isnan, _elementwise_ops.log, _elementwise_ops.log1p, _elementwise_ops.log2,
    _elementwise_ops.log10, _elementwise_ops.logical_not, _elementwise_ops.neg,
    _elementwise_ops.real, _elementwise_ops.sign, _elementwise_ops.sin, _elementwise_ops.sinh,
    _elementwise_ops.sqrt, _elementwise_ops.tan, _elementwise_ops.tanh, _special_ops.digamma,
    _special_ops.erf, _special_ops.erf_inv, _special_ops.erfc, _special_ops.lgamma))
(add, atan2, complex, eq, floor_divide, ge, gt, le, logaddexp, logical_and, logical_or,
 logical_xor, lt, max, min, mul, ne, pow, sub, nextafter, igamma, igammac,
 zeta) = tuple[_BinaryFunction, ...]((
    _elementwise_ops.add, _elementwise_ops.atan2, _elementwise_ops.complex, _elementwise_ops.eq,
    _elementwise_ops.floor_divide, _elementwise_ops.ge, _elementwise_ops.gt, _elementwise_ops.le,
    _elementwise_ops.logaddexp, _elementwise_ops.logical_and, _elementwise_ops.logical_or,
    _elementwise_ops.logical_xor, _elementwise_ops.lt, _elementwise_ops.max, _elementwise_ops.min,
    _elementwise_ops.mul, _elementwise_ops.ne, _elementwise_ops.pow, _elementwise_ops.sub,
    _nextafter, _special_ops.igamma, _special_ops.igammac, _special_ops.zeta))
select, betainc = tuple[_TernaryFunction, ...]((_elementwise_ops.select, _special_ops.betainc))
integer_pow: _IntegerPowFunction = _elementwise_ops.integer_pow
polygamma: _PolygammaFunction = _special_ops.polygamma
bitcast_convert_type: _BitcastFunction = _special_ops.bitcast_convert_type
reduce_precision: _ReducePrecisionFunction = _special_ops.reduce_precision
transpose: _TransposeFunction = _shape_ops.transpose
broadcast_to: _BroadcastToFunction = _shape_ops.broadcast_to
reduce_max: _ReductionFunction = _reduction_ops.reduce_max
reduce_min: _ReductionFunction = _reduction_ops.reduce_min

__all__ = [
    # Elementwise
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "ceil",
    "cos", "cosh", "div", "eq", "exp", "exp2", "expm1", "floor", "floor_divide", "ge", "gt",
    "integer_pow", "isfinite", "isinf", "isnan", "is_finite", "le", "log", "log1p", "log2",
    "log10", "logaddexp", "logical_and", "logical_not", "logical_or", "logical_xor", "lt",
    "max", "min", "mul", "ne", "neg", "pow", "rem", "round", "select", "sign", "sin", "sinh",
    "sqrt", "sub", "tan", "tanh", "clamp", "square", "rsqrt", "reciprocal", "logistic", "erf",
    "erfc", "erf_inv", "lgamma", "digamma", "polygamma", "bessel_i0e", "bessel_i1e", "igamma",
    "igammac", "betainc", "zeta",
    "nextafter", "real", "imag", "conj", "complex",
    # Bits
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "population_count", "clz",
    "shift_left", "shift_right_logical", "shift_right_arithmetic", "bitcast_convert_type",
    "mulhi", "reduce_precision",
    # Types and constants
    "RoundingMethod", "Precision", "PrecisionLike", "dtype", "empty", "platform_dependent",
    "convert_element_type", "iota", "broadcasted_iota", "full", "full_like",
    "zeros_like_array", "stop_gradient",
    # Shapes
    "reshape", "transpose", "broadcast_to", "broadcast", "broadcast_in_dim",
    "broadcast_to_rank", "broadcast_shapes", "broadcast_like", "stack", "unstack", "squeeze",
    "expand_dims", "collapse", "rev",
    "pad", "concatenate", "split", "tile",
    # Slicing and indexing
    "getitem", "index_update", "gather", "scatter", "scatter_add", "scatter_sub", "scatter_mul",
    "scatter_min", "scatter_max",
    "GatherDimensionNumbers", "ScatterDimensionNumbers", "GatherScatterMode", "slice",
    "slice_in_dim", "index_in_dim", "dynamic_slice",
    "dynamic_slice_in_dim", "dynamic_index_in_dim", "dynamic_update_slice",
    "dynamic_update_slice_in_dim", "dynamic_update_index_in_dim",
    # Products and convolutions
    "dot_general", "dot", "batch_matmul", "ragged_dot", "conv_general_dilated", "conv",
    "conv_with_general_padding", "conv_transpose", "conv_general_dilated_patches",
    "conv_dimension_numbers",
    "ConvDimensionNumbers", "padtype_to_pads", "conv_general_permutations", "conv_shape_tuple",
    "conv_general_shape_tuple", "conv_transpose_shape_tuple", "reduce_window_shape_tuple",
    "fft", "FftType", "DotDimensionNumbers", "ConvGeneralDilatedDimensionNumbers",
    # Reductions
    "reduce", "reduce_window", "reduce_sum", "reduce_prod", "reduce_max", "reduce_min",
    "reduce_and", "reduce_or", "reduce_xor", "argmax", "argmin", "cumsum", "cumprod", "cummax",
    "cummin", "cumlogsumexp",
    # Sorting
    "sort", "sort_key_val", "top_k", "approx_max_k", "approx_min_k",
    # Control flow
    "associative_scan", "optimization_barrier", "with_sharding_constraint", "composite",
    "shape_as_value", "custom_linear_solve", "custom_root", "cond",
    "switch",
    "select_n", "scan", "while_loop", "fori_loop", "map",
]


# ----------------------------------------------------------------------------------------------
# jax.lax's names that funcad.lax does not implement yet: asking for one says so.

_JAX_LAX_NAMES = frozenset("""
AccuracyMode ConvDimensionNumbers ConvGeneralDilatedDimensionNumbers DotAlgorithm
DotAlgorithmPreset DotDimensionNumbers FftType GatherDimensionNumbers GatherScatterMode
Precision PrecisionLike RaggedDotDimensionNumbers RandomAlgorithm RoundingMethod
ScatterDimensionNumbers Tolerance abs abs_p acos acos_p acosh acosh_p add add_p after_all
after_all_p all_gather all_gather_p all_to_all all_to_all_p and_p approx_max_k approx_min_k
approx_top_k_p argmax argmax_p argmin argmin_p asin asin_p asinh asinh_p associative_scan
atan atan2 atan2_p atan_p atanh atanh_p axis_index axis_index_p axis_size batch_matmul
bessel_i0e bessel_i0e_p bessel_i1e bessel_i1e_p betainc bitcast_convert_type
bitcast_convert_type_p bitwise_and bitwise_not bitwise_or bitwise_xor broadcast
broadcast_in_dim broadcast_in_dim_p broadcast_like broadcast_shapes broadcast_to_rank
broadcasted_iota cbrt cbrt_p ceil ceil_p clamp clamp_p clz clz_p collapse complex complex_p
composite concatenate concatenate_p cond cond_p conj conj_p conv conv_dimension_numbers
conv_general_dilated conv_general_dilated_local conv_general_dilated_p
conv_general_dilated_patches conv_general_permutations conv_general_shape_tuple
conv_shape_tuple conv_transpose conv_transpose_shape_tuple conv_with_general_padding
convert_element_type convert_element_type_p copy_p cos cos_p cosh cosh_p create_token
create_token_p cumlogsumexp cumlogsumexp_p cummax cummax_p cummin cummin_p cumprod cumprod_p
cumsum cumsum_p custom_linear_solve custom_root dce_sink dce_sink_p device_put_p digamma
digamma_p div div_p dot dot_general dot_general_p dtype dynamic_index_in_dim dynamic_slice
dynamic_slice_in_dim dynamic_slice_p dynamic_update_index_in_dim dynamic_update_slice
dynamic_update_slice_in_dim dynamic_update_slice_p empty eq eq_p eq_to_p erf erf_inv
erf_inv_p erf_p erfc erfc_p exp exp2 exp2_p exp_p expand_dims expm1 expm1_p fft fft_p floor
floor_p fori_loop full full_like gather gather_p ge ge_p gt gt_p igamma igamma_grad_a
igamma_grad_a_p igamma_p igammac igammac_p imag imag_p index_in_dim index_take integer_pow
integer_pow_p iota iota_p is_finite is_finite_p le le_p le_to_p lgamma lgamma_p linalg
linear_solve_p log log1p log1p_p log_p logistic logistic_p lt lt_p lt_to_p map max max_p min
min_p mul mul_p mulhi mulhi_p ne ne_p neg neg_p nextafter nextafter_p not_p
optimization_barrier optimization_barrier_p or_p pad pad_p padtype_to_pads pbroadcast pcast
platform_dependent pmax pmax_p pmean pmin pmin_p polygamma polygamma_p population_count
population_count_p pow pow_p ppermute ppermute_p precv psend pshuffle psum psum_p
psum_scatter pswapaxes ragged_all_to_all ragged_all_to_all_p ragged_dot ragged_dot_general
random_gamma_grad real real_p reciprocal reduce reduce_and reduce_and_p reduce_max
reduce_max_p reduce_min reduce_min_p reduce_or reduce_or_p reduce_p reduce_precision
reduce_precision_p reduce_prod reduce_prod_p reduce_sum reduce_sum_p reduce_window
reduce_window_max_p reduce_window_min_p reduce_window_p reduce_window_shape_tuple
reduce_window_sum_p reduce_xor reduce_xor_p regularized_incomplete_beta_p rem rem_p reshape
reshape_p rev rev_p rng_bit_generator rng_bit_generator_p rng_uniform rng_uniform_p round
round_p rsqrt rsqrt_p scaled_dot scan scan_p scatter scatter_add scatter_add_p scatter_apply
scatter_max scatter_max_p scatter_min scatter_min_p scatter_mul scatter_mul_p scatter_p
scatter_sub scatter_sub_p select select_and_gather_add_p select_and_scatter_add_p
select_and_scatter_p select_n select_n_p shape_as_value sharding_constraint_p shift_left
shift_left_p shift_right_arithmetic shift_right_arithmetic_p shift_right_logical
shift_right_logical_p sign sign_p sin sin_p sinh sinh_p slice slice_in_dim slice_p sort
sort_key_val sort_p split split_p sqrt sqrt_p square square_p squeeze squeeze_p stack
stack_p stage stage_p stop_gradient stop_gradient_p sub sub_p switch tan tan_p tanh tanh_p
tile tile_p top_k top_k_p transpose transpose_p unstack unstack_p while_loop while_p
with_sharding_constraint xor_p zeta zeta_p
""".split())


def __getattr__(name):
    if name in _JAX_LAX_NAMES:
        raise AttributeError(f"funcad.lax does not implement {name} yet (jax.lax.{name} has no "
                             f"funcad counterpart)")
    raise AttributeError(f"module 'funcad.lax' has no attribute {name!r}")
