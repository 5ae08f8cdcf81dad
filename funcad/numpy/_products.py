"""Products: matmul, dot, vdot, inner, outer, tensordot, kron, cross, vecdot, matvec,
vecmat. All of them are ``dot_general`` (or elementwise products) plus reshapes and
broadcasts, so none needs a derivative rule.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from funcad.core import shape_of
from funcad.numpy._complex import conjugate
from funcad.numpy._conversion import as_operand, ndim_of, normalize_axes
from funcad.numpy._elementwise import multiply, subtract
from funcad.numpy._shapes import broadcast_to, moveaxis, ravel, reshape, stack
from funcad.primitives.linalg import dot_general
from funcad.typing import Array, ArrayLike

__all__ = ["matmul", "dot", "vdot", "inner", "outer", "tensordot", "kron", "cross", "vecdot",
           "matvec", "vecmat"]


def matmul(a: ArrayLike, b: ArrayLike) -> Array:
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


def dot(a: ArrayLike, b: ArrayLike) -> Array:
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


def vdot(a: ArrayLike, b: ArrayLike) -> Array:
    """The dot product of the flattened arrays, conjugating the first (as numpy.vdot)."""
    return dot(ravel(conjugate(a)), ravel(b))


def inner(a: ArrayLike, b: ArrayLike) -> Array:
    """Inner product over the last axes of ``a`` and ``b`` (a product if either is a scalar), as
    numpy.inner. Differentiable.

    >>> funcad.numpy.inner(funcad.numpy.array([1.0, 2.0]), funcad.numpy.array([3.0, 4.0]))
    np.float64(11.0)
    """
    a, b = as_operand(a), as_operand(b)
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return multiply(a, b)
    return dot_general(a, b, (((ndim_of(a) - 1,), (ndim_of(b) - 1,)), ((), ())))


def outer(a: ArrayLike, b: ArrayLike) -> Array:
    """Outer product ``a[i] * b[j]`` of the flattened inputs, as numpy.outer. Differentiable.
    ``out=`` is not supported.

    >>> funcad.numpy.outer(funcad.numpy.array([1, 2]), funcad.numpy.array([1, 10, 100]))
    Array([[  1,  10, 100],
           [  2,  20, 200]])
    """
    a, b = ravel(a), ravel(b)
    return multiply(reshape(a, (-1, 1)), reshape(b, (1, -1)))


def tensordot(a: ArrayLike, b: ArrayLike,
              axes: int | Sequence[int] | Sequence[Sequence[int]] = 2) -> Array:
    """Sum over the last ``axes`` axes of a and the first of b (an int), or over the axes
    paired in ``axes = (a_axes, b_axes)`` (ints or sequences of the same length)."""
    a, b = as_operand(a), as_operand(b)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > min(ndim_of(a), ndim_of(b)):
            raise ValueError(f"tensordot: the argument axes={n} must be between 0 and the "
                             f"smaller number of dimensions ({ndim_of(a)}, {ndim_of(b)})")
        a_axes = tuple(range(ndim_of(a) - n, ndim_of(a)))
        b_axes = tuple(range(n))
    else:
        try:
            first, second = axes
        except (TypeError, ValueError):
            raise TypeError(f"tensordot: the argument axes must be an int or a pair of "
                            f"axis sequences, got {axes!r}") from None
        a_axes = (int(first),) if isinstance(first, (int, np.integer)) else tuple(first)
        b_axes = (int(second),) if isinstance(second, (int, np.integer)) else tuple(second)
        if len(a_axes) != len(b_axes):
            raise ValueError(f"tensordot: the argument axes pairs {len(a_axes)} axes of a "
                             f"with {len(b_axes)} axes of b; they must be as many")
        a_axes = normalize_axes(a_axes, ndim_of(a), "tensordot")
        b_axes = normalize_axes(b_axes, ndim_of(b), "tensordot")
    for i, j in zip(a_axes, b_axes):
        if shape_of(a)[i] != shape_of(b)[j]:
            raise ValueError(f"tensordot: shape-mismatch for sum: axis {i} of a has size "
                             f"{shape_of(a)[i]}, axis {j} of b has size {shape_of(b)[j]}")
    return dot_general(a, b, ((a_axes, b_axes), ((), ())))


def kron(a: ArrayLike, b: ArrayLike) -> Array:
    """Kronecker product: blocks ``a[i, j] * b``, as numpy.kron. Differentiable.

    >>> funcad.numpy.kron(funcad.numpy.array([1, 2]), funcad.numpy.array([1, 10]))
    Array([ 1, 10,  2, 20])
    """
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


def cross(a: ArrayLike, b: ArrayLike, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> Array:
    """The cross product of 2- or 3-element vectors along ``axisa``/``axisb`` (``axis``
    sets all three), broadcasting the other axes; two 2-element vectors give the z
    component only, as in NumPy."""
    lhs, rhs = as_operand(a), as_operand(b)
    if axis is not None:
        axisa = axisb = axisc = axis
    (axisa,) = normalize_axes(axisa, ndim_of(lhs), "cross (axisa)")
    (axisb,) = normalize_axes(axisb, ndim_of(rhs), "cross (axisb)")
    lhs, rhs = moveaxis(lhs, axisa, -1), moveaxis(rhs, axisb, -1)
    na, nb = shape_of(lhs)[-1], shape_of(rhs)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("cross: incompatible dimensions for cross product (dimension must "
                         "be 2 or 3)")
    a0, a1 = lhs[..., 0], lhs[..., 1]
    b0, b1 = rhs[..., 0], rhs[..., 1]
    z = subtract(multiply(a0, b1), multiply(a1, b0))
    if na == 2 and nb == 2:
        return z
    if na == 3 and nb == 3:
        a2, b2 = lhs[..., 2], rhs[..., 2]
        x = subtract(multiply(a1, b2), multiply(a2, b1))
        y = subtract(multiply(a2, b0), multiply(a0, b2))
    elif na == 3:  # b's third component is 0
        a2 = lhs[..., 2]
        x, y = multiply(multiply(a2, b1), -1), multiply(a2, b0)
    else:
        b2 = rhs[..., 2]
        x, y = multiply(a1, b2), multiply(multiply(a0, b2), -1)
    x, y, z = (broadcast_to(c, np.broadcast_shapes(shape_of(x), shape_of(y), shape_of(z)))
               for c in (x, y, z))
    out = stack([x, y, z], axis=-1)
    (axisc,) = normalize_axes(axisc, ndim_of(out), "cross (axisc)")
    return moveaxis(out, -1, axisc)


def vecdot(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1) -> Array:
    """sum(conj(x1) * x2) along ``axis``, broadcasting the other axes (numpy.vecdot)."""
    x1, x2 = as_operand(x1), as_operand(x2)
    if ndim_of(x1) == 0 or ndim_of(x2) == 0:
        raise ValueError("vecdot: the arguments x1 and x2 must have at least one dimension")
    (a1,) = normalize_axes(axis, ndim_of(x1), "vecdot")
    (a2,) = normalize_axes(axis, ndim_of(x2), "vecdot")
    x1, x2 = moveaxis(x1, a1, -1), moveaxis(x2, a2, -1)
    if shape_of(x1)[-1] != shape_of(x2)[-1]:
        raise ValueError(f"vecdot: the vectors have {shape_of(x1)[-1]} and "
                         f"{shape_of(x2)[-1]} elements along axis {axis}; they must match")
    batch = np.broadcast_shapes(shape_of(x1)[:-1], shape_of(x2)[:-1])
    x1 = broadcast_to(conjugate(x1), batch + shape_of(x1)[-1:])
    x2 = broadcast_to(x2, batch + shape_of(x2)[-1:])
    nb = len(batch)
    return dot_general(x1, x2, (((nb,), (nb,)), (tuple(range(nb)), tuple(range(nb)))))


def matvec(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """The matrix-vector product x1 (..., m, n) times x2 (..., n) -> (..., m), broadcasting."""
    x1, x2 = as_operand(x1), as_operand(x2)
    if ndim_of(x1) < 2 or ndim_of(x2) < 1:
        raise ValueError("matvec: x1 must have at least 2 dimensions and x2 at least 1")
    return matmul(x1, reshape(x2, shape_of(x2) + (1,)))[..., 0]


def vecmat(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """The vector-matrix product conj(x1) (..., n) times x2 (..., n, m) -> (..., m)."""
    x1, x2 = as_operand(x1), as_operand(x2)
    if ndim_of(x1) < 1 or ndim_of(x2) < 2:
        raise ValueError("vecmat: x1 must have at least 1 dimension and x2 at least 2")
    x1 = conjugate(x1)
    return matmul(reshape(x1, shape_of(x1)[:-1] + (1,) + shape_of(x1)[-1:]), x2)[..., 0, :]
