"""How much of jax.numpy funcad.numpy covers, with the list of names as data.

``JAX_NUMPY_NAMES`` is the public namespace of ``jax.numpy`` (JAX 0.10.2). The accelerator
dtypes that NumPy has no counterpart for are left out of the count. ``STILL_MISSING`` names
what funcad does not have yet: the test fails if a name on it appears (take it off the list)
or if a name not on it is missing, so the list stays the true account of what is left.
"""

from __future__ import annotations

import numpy as np

import funcad
import funcad.numpy as fnp
from funcad.numpy import _tracer_methods

JAX_NUMPY_NAMES = [
    'ComplexWarning', 'abs', 'absolute', 'acos', 'acosh', 'add', 'all', 'allclose', 'amax',
    'amin', 'angle', 'any', 'append', 'apply_along_axis', 'apply_over_axes', 'arange', 'arccos',
    'arccosh', 'arcsin', 'arcsinh', 'arctan', 'arctan2', 'arctanh', 'argmax', 'argmin',
    'argpartition', 'argsort', 'argwhere', 'around', 'array', 'array_equal', 'array_equiv',
    'array_repr', 'array_split', 'array_str', 'asarray', 'asin', 'asinh', 'astype', 'atan',
    'atan2', 'atanh', 'atleast_1d', 'atleast_2d', 'atleast_3d', 'average', 'bartlett',
    'bfloat16', 'bincount', 'bitwise_and', 'bitwise_count', 'bitwise_invert',
    'bitwise_left_shift', 'bitwise_not', 'bitwise_or', 'bitwise_right_shift', 'bitwise_xor',
    'blackman', 'block', 'bool', 'bool_', 'broadcast_arrays', 'broadcast_shapes',
    'broadcast_to', 'c_', 'can_cast', 'cbrt', 'cdouble', 'ceil', 'character', 'choose', 'clip',
    'column_stack', 'complex128', 'complex64', 'complex_', 'complexfloating', 'compress',
    'concat', 'concatenate', 'conj', 'conjugate', 'convolve', 'copy', 'copysign', 'corrcoef',
    'correlate', 'cos', 'cosh', 'count_nonzero', 'cov', 'cross', 'csingle', 'cumprod', 'cumsum',
    'cumulative_prod', 'cumulative_sum', 'deg2rad', 'degrees', 'delete', 'diag', 'diag_indices',
    'diag_indices_from', 'diagflat', 'diagonal', 'diff', 'digitize', 'divide', 'divmod', 'dot',
    'double', 'dsplit', 'dstack', 'dtype', 'e', 'ediff1d', 'einsum', 'einsum_path', 'empty',
    'empty_like', 'equal', 'euler_gamma', 'exp', 'exp2', 'expand_dims', 'expm1', 'extract',
    'eye', 'fabs', 'fft', 'fill_diagonal', 'finfo', 'flatnonzero', 'flexible', 'flip', 'fliplr',
    'flipud', 'float16', 'float32', 'float4_e2m1fn', 'float64', 'float6_e2m3fn',
    'float6_e3m2fn', 'float8_e3m4', 'float8_e4m3', 'float8_e4m3b11fnuz', 'float8_e4m3fn',
    'float8_e4m3fnuz', 'float8_e5m2', 'float8_e5m2fnuz', 'float8_e8m0fnu', 'float_',
    'float_power', 'floating', 'floor', 'floor_divide', 'fmax', 'fmin', 'fmod', 'frexp',
    'from_dlpack', 'frombuffer', 'fromfile', 'fromfunction', 'fromiter', 'frompyfunc',
    'fromstring', 'full', 'full_like', 'gcd', 'generic', 'geomspace', 'get_printoptions',
    'gradient', 'greater', 'greater_equal', 'hamming', 'hanning', 'heaviside', 'histogram',
    'histogram2d', 'histogram_bin_edges', 'histogramdd', 'hsplit', 'hstack', 'hypot', 'i0',
    'identity', 'iinfo', 'imag', 'index_exp', 'indices', 'inexact', 'inf', 'inner', 'insert',
    'int1', 'int16', 'int2', 'int32', 'int4', 'int64', 'int8', 'int_', 'integer', 'interp',
    'intersect1d', 'invert', 'isclose', 'iscomplex', 'iscomplexobj', 'isdtype', 'isfinite',
    'isin', 'isinf', 'isnan', 'isneginf', 'isposinf', 'isreal', 'isrealobj', 'isscalar',
    'issubdtype', 'iterable', 'ix_', 'kaiser', 'kron', 'lcm', 'ldexp', 'left_shift', 'less',
    'less_equal', 'lexsort', 'linalg', 'linspace', 'load', 'log', 'log10', 'log1p', 'log2',
    'logaddexp', 'logaddexp2', 'logical_and', 'logical_not', 'logical_or', 'logical_xor',
    'logspace', 'mask_indices', 'matmul', 'matrix_transpose', 'matvec', 'max', 'maximum',
    'mean', 'median', 'meshgrid', 'mgrid', 'min', 'minimum', 'mod', 'modf', 'moveaxis',
    'multiply', 'nan', 'nan_to_num', 'nanargmax', 'nanargmin', 'nancumprod', 'nancumsum',
    'nanmax', 'nanmean', 'nanmedian', 'nanmin', 'nanpercentile', 'nanprod', 'nanquantile',
    'nanstd', 'nansum', 'nanvar', 'ndarray', 'ndim', 'negative', 'newaxis', 'nextafter',
    'nonzero', 'not_equal', 'number', 'object_', 'ogrid', 'ones', 'ones_like', 'outer',
    'packbits', 'pad', 'partition', 'percentile', 'permute_dims', 'pi', 'piecewise', 'place',
    'poly', 'polyadd', 'polyder', 'polydiv', 'polyfit', 'polyint', 'polymul', 'polysub',
    'polyval', 'positive', 'pow', 'power', 'printoptions', 'prod', 'promote_types', 'ptp',
    'put', 'put_along_axis', 'quantile', 'r_', 'rad2deg', 'radians', 'ravel',
    'ravel_multi_index', 'real', 'reciprocal', 'remainder', 'repeat', 'reshape', 'resize',
    'result_type', 'right_shift', 'rint', 'roll', 'rollaxis', 'roots', 'rot90', 'round', 's_',
    'save', 'savez', 'searchsorted', 'select', 'set_printoptions', 'setdiff1d', 'setxor1d',
    'shape', 'sign', 'signbit', 'signedinteger', 'sin', 'sinc', 'single', 'sinh', 'size',
    'sort', 'sort_complex', 'spacing', 'split', 'sqrt', 'square', 'squeeze', 'stack', 'std',
    'subtract', 'sum', 'swapaxes', 'take', 'take_along_axis', 'tan', 'tanh', 'tensordot',
    'tile', 'trace', 'transpose', 'trapezoid', 'tri', 'tril', 'tril_indices',
    'tril_indices_from', 'trim_zeros', 'triu', 'triu_indices', 'triu_indices_from',
    'true_divide', 'trunc', 'ufunc', 'uint', 'uint1', 'uint16', 'uint2', 'uint32', 'uint4',
    'uint64', 'uint8', 'union1d', 'unique', 'unique_all', 'unique_counts', 'unique_inverse',
    'unique_values', 'unpackbits', 'unravel_index', 'unsignedinteger', 'unstack', 'unwrap',
    'vander', 'var', 'vdot', 'vecdot', 'vecmat', 'vectorize', 'vsplit', 'vstack', 'where',
    'zeros', 'zeros_like'
]

# Dtypes of accelerators (bfloat16, the float8/float6/float4 formats and the sub-byte
# integers): NumPy has no such types, so funcad, which computes with NumPy, cannot have them.
ACCELERATOR_DTYPES = {
    name for name in JAX_NUMPY_NAMES
    if name == "bfloat16" or name.startswith(("float8_", "float6_", "float4_"))
    or name in ("int1", "int2", "int4", "uint1", "uint2", "uint4")
}

STILL_MISSING: set[str] = set()


def _missing() -> set[str]:
    return {name for name in JAX_NUMPY_NAMES
            if name not in ACCELERATOR_DTYPES and not hasattr(fnp, name)}


def test_covers_at_least_95_percent_of_jax_numpy():
    wanted = [name for name in JAX_NUMPY_NAMES if name not in ACCELERATOR_DTYPES]
    missing = _missing()
    covered = 1 - len(missing) / len(wanted)
    assert covered >= 0.95, f"{covered:.1%} of jax.numpy; missing: {sorted(missing)}"


def test_the_list_of_missing_names_is_current():
    missing = _missing()
    assert sorted(missing - STILL_MISSING) == [], "missing, and not listed as missing"
    assert sorted(STILL_MISSING - missing) == [], "now present: remove from STILL_MISSING"


def test_names_with_a_numpy_counterpart_dispatch_from_numpy():
    """``np.<name>(tracer)`` reaches funcad for every function both libraries have (ufuncs
    reach it through ``__array_ufunc__``, classes and constants are shared)."""
    dispatched = {id(ours) for ours in _tracer_methods._FUNCTIONS.values()}
    undispatched = []
    for name in fnp.__all__:
        ours, theirs = getattr(fnp, name), getattr(np, name, None)
        if theirs is None or ours is theirs or isinstance(theirs, (type, np.ufunc)):
            continue
        if callable(theirs) and id(ours) not in dispatched:
            undispatched.append(name)
    assert undispatched == []


def test_numpy_ufuncs_reach_the_function_of_the_same_name():
    """``np.fmax(tracer, y)`` is funcad's ``fmax`` (NaN-ignoring), not ``maximum``."""
    table = _tracer_methods._UFUNCS
    wrong = [name for name in fnp.__all__ if isinstance(getattr(np, name, None), np.ufunc)
             and table.get(getattr(np, name)) is not getattr(fnp, name)]
    assert wrong == []
    assert table[np.fmax] is fnp.fmax and table[np.fabs] is fnp.fabs


def test_numpy_ufunc_on_a_tracer_differentiates():
    def f(x):
        return np.fmax(x, np.nan) + np.fmod(x, 0.3) + np.copysign(x, -1.0) + np.trunc(x)

    assert funcad.grad(f)(0.7) == 1.0 + 1.0 - 1.0 + 0.0
