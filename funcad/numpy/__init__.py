"""funcad.numpy: the NumPy API, built from funcad's primitives.

Every function here accepts NumPy arrays, Python scalars and funcad tracers, follows NumPy's
semantics (broadcasting, dtype promotion, ``axis``/``keepdims``), and is differentiable
because it is made of primitives with derivative rules. Functions that only build constants
(``zeros``, ``arange``, ``eye``...) return NumPy arrays viewed as ``Array``, the ndarray
subclass with JAX's ``.at[...]`` updates.

The functions live in underscored modules, one per concept, each importing only those below
it: ``_conversion`` (operands from user inputs, axes, dtypes), ``_indexing``,
``_elementwise``, ``_array``, ``_shapes``, ``_reductions``, ``_products`` and ``_einsum``,
``_sorting``, ``_creation``, then ``_linalg`` (behind ``linalg``) and ``_tracer_methods``.
This module only names the API.

Importing it also gives tracers their array behaviour (operators, methods, indexing, and
NumPy dispatch through ``__array_ufunc__``/``__array_function__``): see
``funcad/numpy/_tracer_methods.py``. NumPy's functions are dispatched to the names listed in
``__all__``, and to no others.
"""

from numpy import (
    bool_,
    complex64,
    complex128,
    dtype,
    e,
    euler_gamma,
    finfo,
    float16,
    float32,
    float64,
    floating,
    iinfo,
    inexact,
    inf,
    int8,
    int16,
    int32,
    int64,
    integer,
    issubdtype,
    nan,
    ndarray,
    newaxis,
    pi,
    uint8,
    uint16,
    uint32,
    uint64,
)

from funcad.numpy import _tracer_methods, fft, linalg
from funcad.numpy._array import Array, at
from funcad.numpy._conversion import astype, result_type
from funcad.numpy._creation import (
    arange,
    array,
    asarray,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    geomspace,
    identity,
    linspace,
    logspace,
    meshgrid,
    ones,
    ones_like,
    tri,
    zeros,
    zeros_like,
)
from funcad.numpy._complex import (
    angle,
    conj,
    conjugate,
    imag,
    iscomplex,
    iscomplexobj,
    isreal,
    isrealobj,
    real,
)
from funcad.numpy._einsum import einsum
from funcad.numpy._elementwise import (
    abs,
    absolute,
    acos,
    add,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    around,
    asin,
    atan,
    atan2,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    cbrt,
    ceil,
    clip,
    cos,
    cosh,
    deg2rad,
    degrees,
    divide,
    equal,
    exp,
    exp2,
    expm1,
    fabs,
    float_power,
    floor,
    floor_divide,
    fmax,
    fmin,
    greater,
    greater_equal,
    hypot,
    invert,
    isfinite,
    isinf,
    isnan,
    less,
    less_equal,
    log,
    log1p,
    log2,
    log10,
    logaddexp,
    logaddexp2,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    maximum,
    minimum,
    mod,
    multiply,
    nan_to_num,
    negative,
    not_equal,
    positive,
    power,
    rad2deg,
    radians,
    reciprocal,
    remainder,
    rint,
    round,
    sign,
    sin,
    sinc,
    sinh,
    sqrt,
    square,
    subtract,
    tan,
    tanh,
    true_divide,
    where,
)
from funcad.numpy._indexing import argwhere, nonzero, take, take_along_axis
from funcad.numpy._products import dot, inner, kron, matmul, outer, tensordot, vdot
from funcad.numpy._reductions import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    count_nonzero,
    cumsum,
    max,
    mean,
    min,
    prod,
    std,
    sum,
    var,
)
from funcad.numpy._setops import (
    intersect1d,
    isin,
    setdiff1d,
    setxor1d,
    union1d,
    unique,
    unique_all,
    unique_counts,
    unique_inverse,
    unique_values,
)
from funcad.numpy._shapes import (
    atleast_1d,
    atleast_2d,
    broadcast_arrays,
    broadcast_to,
    concatenate,
    diag,
    diagonal,
    expand_dims,
    flip,
    hstack,
    matrix_transpose,
    moveaxis,
    ndim,
    ravel,
    repeat,
    reshape,
    shape,
    size,
    split,
    squeeze,
    stack,
    swapaxes,
    tile,
    trace,
    transpose,
    tril,
    triu,
    vstack,
)
from funcad.numpy._sorting import (
    argpartition,
    argsort,
    lexsort,
    partition,
    searchsorted,
    sort,
    sort_complex,
)

__all__ = [
    # Elementwise functions
    "abs", "absolute", "acos", "add", "arccos", "arccosh", "arcsin", "arcsinh", "arctan",
    "arctan2", "arctanh", "around", "asin", "atan", "atan2", "bitwise_and", "bitwise_not",
    "bitwise_or", "bitwise_xor", "cbrt", "ceil", "clip", "cos", "cosh", "deg2rad", "degrees",
    "divide", "equal", "exp", "exp2", "expm1", "fabs", "float_power", "floor", "floor_divide",
    "fmax", "fmin", "greater", "greater_equal", "hypot", "invert", "isfinite", "isinf", "isnan",
    "less", "less_equal", "log", "log10", "log1p", "log2", "logaddexp", "logaddexp2",
    "logical_and", "logical_not", "logical_or", "logical_xor", "maximum", "minimum", "mod",
    "multiply", "nan_to_num", "negative", "not_equal", "positive", "power", "rad2deg",
    "radians", "reciprocal", "remainder", "rint", "round", "sign", "sin", "sinc", "sinh",
    "sqrt", "square", "subtract", "tan", "tanh", "true_divide", "where",
    # Reductions
    "all", "amax", "amin", "any", "argmax", "argmin", "count_nonzero", "cumsum", "max", "mean",
    "min", "prod", "std", "sum", "var",
    # Shapes and layout
    "atleast_1d", "atleast_2d", "broadcast_arrays", "broadcast_to", "concatenate", "diag",
    "diagonal", "expand_dims", "flip", "hstack", "matrix_transpose", "moveaxis", "ndim",
    "ravel", "repeat", "reshape", "shape", "size", "split", "squeeze", "stack", "swapaxes",
    "tile", "trace", "transpose", "tril", "triu", "vstack",
    # Products
    "dot", "inner", "kron", "matmul", "outer", "tensordot", "vdot", "einsum",
    # Indexing
    "argwhere", "nonzero", "take", "take_along_axis",
    # Sorting
    "argpartition", "argsort", "lexsort", "partition", "searchsorted", "sort", "sort_complex",
    # Sets
    "intersect1d", "isin", "setdiff1d", "setxor1d", "union1d", "unique", "unique_all",
    "unique_counts", "unique_inverse", "unique_values",
    # Creation
    "arange", "array", "asarray", "empty", "empty_like", "eye", "full", "full_like",
    "geomspace", "identity", "linspace", "logspace", "meshgrid", "ones", "ones_like", "tri",
    "zeros", "zeros_like",
    # Complex numbers
    "angle", "conj", "conjugate", "imag", "iscomplex", "iscomplexobj", "isreal", "isrealobj",
    "real",
    # Dtypes
    "astype", "result_type",
    # The array type and its .at updates
    "Array", "at",
    # NumPy's dtypes and constants, re-exported
    "bool_", "complex128", "complex64", "dtype", "e", "euler_gamma", "finfo", "float16",
    "float32", "float64", "floating", "iinfo", "inexact", "inf", "int16", "int32", "int64",
    "int8", "integer", "issubdtype", "nan", "ndarray", "newaxis", "pi", "uint16", "uint32",
    "uint64", "uint8",
    # Submodules
    "linalg", "fft",
]

_tracer_methods.register_numpy_functions(globals())
