"""The parts of numpy.linalg built from funcad's primitives (the API is funcad.numpy.linalg)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from funcad.core import dtype_of, shape_of
from funcad.numpy._complex import conj
from funcad.numpy._conversion import as_operand, astype, ndim_of, normalize_axes, result_type
from funcad.numpy._elementwise import (
    absolute,
    add,
    divide,
    equal,
    multiply,
    not_equal,
    power,
    sign,
    sqrt,
    subtract,
    where,
)
from funcad.numpy._indexing import IN_BOUNDS, take_along_axis
from funcad.numpy._products import dot, matmul
from funcad.numpy._reductions import amax, amin, argmax, sum
from funcad.numpy._shapes import (
    concatenate,
    expand_dims,
    flip,
    moveaxis,
    shape,
    squeeze,
    swapaxes,
)
from funcad.numpy._sorting import argsort, sort
from funcad.primitives.linalg import eigh as _eigh
from funcad.primitives.linalg import svd as _svd

__all__ = [
    "norm", "matrix_power", "multi_dot", "SVDResult", "EighResult", "svd", "svdvals", "eigh",
    "eigvalsh",
]


def _abs_squared(x: Any) -> Any:
    a = absolute(x)  # (real for complex x)
    return multiply(a, a)


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """Vector and matrix norms (numpy.linalg.norm). The 2-norm's gradient at 0 is nan, as in
    any sqrt-based implementation; add a small epsilon inside if you need it there. Matrix
    orders 2, -2 and 'nuc' are the largest, smallest and summed singular values."""
    x = as_operand(x)
    if dtype_of(x).kind not in "fc":  # integers and booleans: norms are floats
        x = astype(x, np.float64)
    ndim = ndim_of(x)
    if axis is None and ord is None:
        return sqrt(sum(_abs_squared(x), keepdims=keepdims))
    if axis is None:
        if ndim > 2:
            raise ValueError("norm: improper number of dimensions to norm (give axis= for "
                             "an array of more than 2 dimensions with an ord)")
        axis = tuple(range(ndim))
    axes = normalize_axes(axis, ndim, "norm")
    if len(axes) == 1:
        ax = axes
        if isinstance(ord, str):
            raise ValueError(f"norm: invalid norm order {ord!r} for vectors")
        if ord is None or ord == 2:
            return sqrt(sum(_abs_squared(x), axis=ax, keepdims=keepdims))
        if ord == np.inf:
            return amax(absolute(x), axis=ax, keepdims=keepdims)
        if ord == -np.inf:
            return amin(absolute(x), axis=ax, keepdims=keepdims)
        if ord == 1:
            return sum(absolute(x), axis=ax, keepdims=keepdims)
        if ord == 0:
            real = np.dtype(result_type(absolute(np.zeros((), dtype_of(x)))))
            return sum(astype(not_equal(x, 0), real), axis=ax, keepdims=keepdims)
        return power(sum(power(absolute(x), ord), axis=ax, keepdims=keepdims), 1.0 / ord)
    if len(axes) == 2:
        row, col = axes
        if row == col:
            raise ValueError("norm: duplicate axes given")
        if ord in (None, "fro", "f"):
            return sqrt(sum(_abs_squared(x), axis=axes, keepdims=keepdims))
        if ord in (2, -2, "nuc"):
            return _singular_value_norm(x, ord, row, col, keepdims)
        if ord in (1, -1):
            sums = sum(absolute(x), axis=row, keepdims=True)  # column sums
            reduce_axis = col
        elif ord in (np.inf, -np.inf):
            sums = sum(absolute(x), axis=col, keepdims=True)  # row sums
            reduce_axis = row
        else:
            raise ValueError(f"norm: invalid norm order {ord!r} for matrices")
        pick = amax if ord in (1, np.inf) else amin
        out = pick(sums, axis=reduce_axis, keepdims=True)
        return out if keepdims else squeeze(out, axis=axes)
    raise ValueError("norm: improper number of dimensions to norm")


def _singular_value_norm(x: Any, ord: Any, row: int, col: int, keepdims: bool) -> Any:
    s = svdvals(moveaxis(x, (row, col), (-2, -1)))
    if ord == "nuc":
        out = sum(s, axis=-1)
    elif ord == 2:  # (the largest of no singular values is 0, as in NumPy)
        out = amax(s, axis=-1) if shape_of(s)[-1] else sum(s, axis=-1)
    else:
        out = amin(s, axis=-1)
    return expand_dims(out, tuple(sorted((row, col)))) if keepdims else out


# ----------------------------------------------------------------------------------------------
# Decompositions (the primitives svd and eigh carry the derivative rules).


class SVDResult(NamedTuple):
    U: Any
    S: Any
    Vh: Any


class EighResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


def _decomposable(a: Any, name: str, square: bool) -> Any:
    """``a`` as an operand of a decomposition: at least 2-D (square if asked), integers and
    booleans as float64, float16 and long doubles refused (as numpy.linalg does)."""
    a = as_operand(a)
    dtype = dtype_of(a)
    if ndim_of(a) < 2:
        raise np.linalg.LinAlgError(
            f"{name}: {ndim_of(a)}-dimensional array given for the argument a. Array must be "
            f"at least two-dimensional")
    if square and shape_of(a)[-1] != shape_of(a)[-2]:
        raise np.linalg.LinAlgError(
            f"{name}: last 2 dimensions of the argument a must be square, got shape "
            f"{tuple(shape_of(a))}")
    if dtype.kind in "biu":
        return astype(a, np.float64)
    if dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        raise TypeError(f"{name}: array type {dtype.name} of the argument a is unsupported "
                        f"in linalg")
    return a


def _hermitian_part(a: Any) -> Any:
    return divide(add(a, conj(swapaxes(a, -1, -2))), 2)


def _lower(uplo: Any, name: str) -> bool:
    if uplo is None or uplo == "L":
        return True
    if uplo == "U":
        return False
    raise ValueError(f"{name}: UPLO must be one of None, 'L', or 'U', got {uplo!r}")


def eigh(a: Any, UPLO: Any = None, symmetrize_input: bool = True) -> EighResult:
    """Eigenvalues (ascending) and eigenvectors (columns) of Hermitian matrices, as
    jax.numpy.linalg.eigh: with ``symmetrize_input`` the matrix used is (a + a^H) / 2 (both
    triangles count, and so do their derivatives); without it only the ``UPLO`` triangle
    ('L' by default) is read. Eigenvectors of repeated eigenvalues are not unique; their
    derivative takes the coupling between them as zero (see funcad.primitives.linalg)."""
    lower = _lower(UPLO, "eigh")
    a = _decomposable(a, "eigh", square=True)
    if symmetrize_input:
        a = _hermitian_part(a)
    w, v = _eigh(a, lower=lower)
    return EighResult(w, v)


def eigvalsh(a: Any, UPLO: Any = "L", *, symmetrize_input: bool = True) -> Any:
    """The eigenvalues (ascending) of Hermitian matrices (see ``eigh``)."""
    return eigh(a, UPLO, symmetrize_input).eigenvalues


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False,
        subset_by_index: Any = None) -> Any:
    """U, S (descending), Vh with a == U[..., :k] * S[..., None, :] @ Vh[..., :k, :], or S
    alone when ``compute_uv`` is false (jax.numpy.linalg.svd). ``hermitian``: from eigh,
    as JAX does. Derivatives of U and Vh at repeated singular values are not unique (the
    coupling between them is taken as zero); S and U/V-invariant quantities are fine."""
    if subset_by_index is not None:
        raise NotImplementedError("svd: the argument subset_by_index is not supported; "
                                  "slice the full result instead")
    a = _decomposable(a, "svd", square=bool(hermitian))
    if hermitian:
        w, v = _eigh(_hermitian_part(a), lower=True)
        s = absolute(w)
        if not compute_uv:
            return flip(sort(s, axis=-1), axis=-1)
        order = flip(argsort(s, axis=-1, stable=True), axis=-1)
        s = take_along_axis(s, order, axis=-1, mode=IN_BOUNDS)
        u = take_along_axis(v, expand_dims(order, -2), axis=-1, mode=IN_BOUNDS)
        signs = take_along_axis(sign(w), order, axis=-1, mode=IN_BOUNDS)
        vh = conj(swapaxes(multiply(u, expand_dims(signs, -2)), -1, -2))
        return SVDResult(u, s, vh)
    if not compute_uv:
        return _svd(a, full_matrices=full_matrices, compute_uv=False)[0]
    u, s, vh = _svd(a, full_matrices=full_matrices, compute_uv=True)
    return SVDResult(u, s, vh)


def svdvals(x: Any, /) -> Any:
    """The singular values of the matrices in ``x``, descending."""
    return svd(x, compute_uv=False)


def _inverse(a: Any) -> Any:
    """The inverse of the square matrices in ``a`` (..., n, n) by Gauss-Jordan elimination
    with partial pivoting, written with funcad operations (so it differentiates, stages
    and batches). A singular matrix gives infinities or nans, as JAX's inv does."""
    n = shape_of(a)[-1]
    batch = tuple(shape_of(a))[:-2]
    eye = np.broadcast_to(np.eye(n, dtype=dtype_of(a)), batch + (n, n))
    m = concatenate([a, eye], axis=-1)  # the augmented matrix [a | I]
    rows = np.arange(n)
    for k in range(n):
        pivot_row = argmax(absolute(m[..., k:, k]), axis=-1) + k  # (batch)
        pivot_row = pivot_row[..., None]
        order = where(equal(rows, k), pivot_row, where(equal(rows, pivot_row), k, rows))
        m = take_along_axis(m, order[..., :, None], axis=-2, mode=IN_BOUNDS)
        m_k = divide(m[..., k:k + 1, :], m[..., k:k + 1, k:k + 1])  # the pivot row, scaled
        factors = where(equal(rows, k)[:, None], 0, m[..., :, k:k + 1])
        m = subtract(m, multiply(factors, m_k))
        m = where(equal(rows, k)[:, None], m_k, m)
    return m[..., n:]


def matrix_power(a: Any, n: int) -> Any:
    """a @ a @ ... (n times) by repeated squaring; n == 0 gives the identity and a negative
    n the power of the inverse (numpy.linalg.matrix_power)."""
    a = as_operand(a)
    try:
        n = int(n) if int(n) == n else None
    except TypeError:
        n = None
    if n is None:
        raise TypeError("matrix_power: the argument n (the exponent) must be an integer")
    if ndim_of(a) < 2 or shape_of(a)[-1] != shape_of(a)[-2]:
        raise ValueError(f"matrix_power: the argument a must be square in its last two axes, "
                         f"got shape {tuple(shape_of(a))}")
    if n < 0:
        if dtype_of(a).kind not in "fc":
            a = astype(a, np.float64)
        a, n = _inverse(a), -n
    result = np.broadcast_to(np.eye(shape(a)[-1], dtype=result_type(a)), shape(a))
    base = a
    while n:
        if n & 1:
            result = matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


def multi_dot(arrays: Any) -> Any:
    out = arrays[0]
    for a in arrays[1:]:
        out = dot(out, a)
    return out
