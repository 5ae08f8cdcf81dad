"""funcad.lax: the primitives themselves, one function each, and control flow (like jax.lax).

funcad.numpy is built from these. They do no argument conversion and follow the primitive's
exact semantics; reach for them when writing new rules or reading an IR.
"""

from funcad.control_flow import cond, fori_loop, map, scan, select_n, switch, while_loop
from funcad.primitives.elementwise import (
    abs, acos, acosh, add, asin, asinh, atan, atan2, atanh, cbrt, ceil, cos, cosh, div, eq,
    exp, exp2, expm1, floor, floor_divide, ge, gt, integer_pow, isfinite, isinf, isnan, le,
    log, log1p, log2, log10, logaddexp, logical_and, logical_not, logical_or, logical_xor, lt,
    max, min, mul, ne, neg, pow, rem, round, select, sign, sin, sinh, sqrt, sub, tan, tanh,
)
from funcad.primitives.indexing import concatenate, getitem, index_update
from funcad.primitives.linalg import dot_general
from funcad.primitives.reductions import cumsum, reduce_max, reduce_min, reduce_prod
from funcad.primitives.shape import (
    broadcast_to, convert_element_type, reduce_sum, reshape, stop_gradient, transpose,
)

__all__ = [
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "ceil",
    "cos", "cosh", "div", "eq", "exp", "exp2", "expm1", "floor", "floor_divide", "ge", "gt",
    "integer_pow", "isfinite", "isinf", "isnan", "le", "log", "log1p", "log2", "log10",
    "logaddexp", "logical_and", "logical_not", "logical_or", "logical_xor", "lt", "max", "min",
    "mul", "ne", "neg", "pow", "rem", "round", "select", "sign", "sin", "sinh", "sqrt", "sub",
    "tan", "tanh",
    "concatenate", "getitem", "index_update", "dot_general", "cumsum", "reduce_max",
    "reduce_min", "reduce_prod", "broadcast_to", "convert_element_type", "reduce_sum",
    "reshape", "stop_gradient", "transpose",
    "cond", "switch", "select_n", "scan", "while_loop", "fori_loop", "map",
]
