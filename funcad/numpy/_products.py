"""Products: matmul, dot, inner, outer, tensordot, kron. All of them are ``dot_general`` (or
an elementwise product) plus reshapes and broadcasts, so none needs a derivative rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from funcad.core import shape_of
from funcad.numpy._complex import conjugate
from funcad.numpy._conversion import as_operand, ndim_of, normalize_axes
from funcad.numpy._elementwise import multiply
from funcad.numpy._shapes import broadcast_to, ravel, reshape
from funcad.primitives.linalg import dot_general

__all__ = ["matmul", "dot", "vdot", "inner", "outer", "tensordot", "kron"]


def matmul(a: Any, b: Any) -> Any:
    """The matrix product with NumPy's rules: 1-d operands are promoted and the added axis
    removed; leading (batch) axes broadcast."""
    a, b = as_operand(a), as_operand(b)
    a_shape, b_shape = tuple(shape_of(a)), tuple(shape_of(b))
    if not a_shape or not b_shape:
        raise ValueError("matmul: input operand does not have enough dimensions (0-d); use *")
    if a_shape[-1] != b_shape[-2 if len(b_shape) > 1 else 0]:
        raise ValueError(
            f"matmul: mismatch in its core dimension: {a_shape} @ {b_shape} (the last axis of "
            f"the first operand must match the {'second-to-' if len(b_shape) > 1 else ''}last "
            f"axis of the second)")
    if len(a_shape) == 1 or len(b_shape) == 1:
        # dot_general's layout (lhs free axes, then rhs free axes) is matmul's layout here.
        b_contract = 0 if len(b_shape) == 1 else len(b_shape) - 2
        out = dot_general(a, b, (((len(a_shape) - 1,), (b_contract,)), ((), ())))
        if len(a_shape) == 1 and len(b_shape) > 2:
            # a(K) @ b(..., K, N): dot_general gave (..., N) already in order.
            return out
        return out
    if len(a_shape) == 2 and len(b_shape) == 2:
        return dot_general(a, b, (((1,), (0,)), ((), ())))
    batch = np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    if len(b_shape) == 2:  # fold a's batch axes into its rows
        return dot_general(a, b, (((len(a_shape) - 1,), (0,)), ((), ())))
    a = broadcast_to(a, batch + a_shape[-2:])
    b = broadcast_to(b, batch + b_shape[-2:])
    nb = len(batch)
    return dot_general(a, b, (((nb + 1,), (nb,)), (tuple(range(nb)), tuple(range(nb)))))


def dot(a: Any, b: Any) -> Any:
    """numpy.dot: sum over the last axis of a and the second-to-last of b (the only axis of
    a 1-d b); a product with a scalar is an elementwise product."""
    a, b = as_operand(a), as_operand(b)
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return multiply(a, b)
    b_axis = max(ndim_of(b) - 2, 0)
    if shape_of(a)[-1] != shape_of(b)[b_axis]:
        raise ValueError(f"dot: shapes {shape_of(a)} and {shape_of(b)} not aligned: "
                         f"{shape_of(a)[-1]} (dim {ndim_of(a) - 1}) != "
                         f"{shape_of(b)[b_axis]} (dim {b_axis})")
    return dot_general(a, b, (((ndim_of(a) - 1,), (b_axis,)), ((), ())))


def vdot(a: Any, b: Any) -> Any:
    """The dot product of the flattened arrays, conjugating the first (as numpy.vdot)."""
    return dot(ravel(conjugate(a)), ravel(b))


def inner(a: Any, b: Any) -> Any:
    a, b = as_operand(a), as_operand(b)
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return multiply(a, b)
    return dot_general(a, b, (((ndim_of(a) - 1,), (ndim_of(b) - 1,)), ((), ())))


def outer(a: Any, b: Any) -> Any:
    a, b = ravel(a), ravel(b)
    return multiply(reshape(a, (-1, 1)), reshape(b, (1, -1)))


def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    a, b = as_operand(a), as_operand(b)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        a_axes = tuple(range(ndim_of(a) - n, ndim_of(a)))
        b_axes = tuple(range(n))
    else:
        a_axes, b_axes = axes
        a_axes = (a_axes,) if isinstance(a_axes, (int, np.integer)) else tuple(a_axes)
        b_axes = (b_axes,) if isinstance(b_axes, (int, np.integer)) else tuple(b_axes)
        a_axes = normalize_axes(a_axes, ndim_of(a), "tensordot")
        b_axes = normalize_axes(b_axes, ndim_of(b), "tensordot")
    return dot_general(a, b, ((a_axes, b_axes), ((), ())))


def kron(a: Any, b: Any) -> Any:
    a, b = as_operand(a), as_operand(b)
    if ndim_of(a) != ndim_of(b):
        n = max(ndim_of(a), ndim_of(b))
        a = reshape(a, (1,) * (n - ndim_of(a)) + shape_of(a))
        b = reshape(b, (1,) * (n - ndim_of(b)) + shape_of(b))
    sa, sb = shape_of(a), shape_of(b)
    inter_a = tuple(v for s in sa for v in (s, 1))
    inter_b = tuple(v for s in sb for v in (1, s))
    out = multiply(reshape(a, inter_a), reshape(b, inter_b))
    return reshape(out, tuple(x * y for x, y in zip(sa, sb)))
