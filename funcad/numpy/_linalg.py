"""The parts of numpy.linalg built from funcad's primitives (the API is funcad.numpy.linalg)."""

from __future__ import annotations

import math
from typing import Any, Literal, NamedTuple, Sequence, Union, cast, overload

import numpy as np

from funcad.core import dtype_of, shape_of
from funcad.custom_derivatives import custom_jvp
from funcad.numpy._complex import conj
from funcad.numpy._conversion import (
    as_operand,
    astype,
    ndim_of,
    normalize_axes,
    result_type,
)
from funcad.numpy._elementwise import (
    absolute,
    add,
    divide,
    equal,
    isnan,
    log,
    multiply,
    not_equal,
    power,
    sign,
    sqrt,
    subtract,
    where,
)
from funcad.numpy._indexing import IN_BOUNDS, take_along_axis
from funcad.numpy._products import cross as _cross
from funcad.numpy._products import matmul as _matmul
from funcad.numpy._products import outer as _outer
from funcad.numpy._products import tensordot as _tensordot
from funcad.numpy._products import vecdot as _vecdot
from funcad.numpy._reductions import amax, amin, any, prod, sum
from funcad.numpy._shapes import (
    broadcast_to,
    expand_dims,
    flip,
    moveaxis,
    ravel,
    reshape,
    shape,
    squeeze,
    swapaxes,
)
from funcad.numpy._shapes import diagonal as _diagonal
from funcad.numpy._sorting import argsort, sort
from funcad.primitives.linalg import cholesky as _cholesky
from funcad.primitives.linalg import eig as _eig
from funcad.primitives.linalg import eigh as _eigh
from funcad.primitives.linalg import householder_qr as _householder_qr
from funcad.primitives.linalg import linear_solve as _linear_solve
from funcad.primitives.linalg import lu as _lu
from funcad.primitives.linalg import qr as _qr
from funcad.primitives.linalg import scipy_installed
from funcad.primitives.linalg import svd as _svd
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "norm", "matrix_power", "multi_dot", "SVDResult", "EighResult", "svd", "svdvals", "eigh",
    "eigvalsh", "QRResult", "EigResult", "SlogdetResult", "solve", "inv", "det", "slogdet",
    "cholesky", "qr", "eig", "eigvals", "pinv", "lstsq", "matrix_rank", "cond", "tensorinv",
    "tensorsolve", "matrix_transpose", "diagonal", "trace", "outer", "cross", "vecdot",
    "matmul", "tensordot", "vector_norm", "matrix_norm",
]

_Order = Union[int, float, str, None]
"""A norm's order: a number (``numpy.inf`` too), ``'fro'``, ``'nuc'``, or None."""


def _abs_squared(x: Any) -> Any:
    a = absolute(x)  # (real for complex x)
    return multiply(a, a)


def norm(x: ArrayLike, ord: _Order = None, axis: int | Sequence[int] | None = None,
         keepdims: bool = False) -> Array:
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
    U: Array
    S: Array
    Vh: Array


class EighResult(NamedTuple):
    eigenvalues: Array
    eigenvectors: Array


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


def eigh(a: ArrayLike, UPLO: Literal["L", "U"] | None = None,
         symmetrize_input: bool = True) -> EighResult:
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


def eigvalsh(a: ArrayLike, UPLO: Literal["L", "U"] | None = "L", *,
             symmetrize_input: bool = True) -> Array:
    """The eigenvalues (ascending) of Hermitian matrices (see ``eigh``)."""
    return eigh(a, UPLO, symmetrize_input).eigenvalues


@overload
def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: Literal[True] = True,
        hermitian: bool = False, subset_by_index: tuple[int, int] | None = None) -> SVDResult: ...
@overload
def svd(a: ArrayLike, full_matrices: bool, compute_uv: Literal[False], hermitian: bool = False,
        subset_by_index: tuple[int, int] | None = None) -> Array: ...
@overload
def svd(a: ArrayLike, full_matrices: bool = True, *, compute_uv: Literal[False],
        hermitian: bool = False, subset_by_index: tuple[int, int] | None = None) -> Array: ...
@overload
def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True,
        hermitian: bool = False,
        subset_by_index: tuple[int, int] | None = None) -> SVDResult | Array: ...
def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True,
        hermitian: bool = False,
        subset_by_index: tuple[int, int] | None = None) -> SVDResult | Array:
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


def svdvals(x: ArrayLike, /) -> Array:
    """The singular values of the matrices in ``x``, descending."""
    return svd(x, compute_uv=False)


def matrix_power(a: ArrayLike, n: int) -> Array:
    """a @ a @ ... (n times) by repeated squaring; n == 0 gives the identity and a negative
    n the power of the inverse (``inv``, from one LU factorisation)."""
    a = as_operand(a)
    exponent: int | None
    try:
        exponent = int(n) if int(n) == n else None
    except TypeError:
        exponent = None
    if exponent is None:
        raise TypeError("matrix_power: the argument n (the exponent) must be an integer")
    n = exponent
    if ndim_of(a) < 2 or shape_of(a)[-1] != shape_of(a)[-2]:
        raise ValueError(f"matrix_power: the argument a must be square in its last two axes, "
                         f"got shape {tuple(shape_of(a))}")
    if n < 0:
        if dtype_of(a).kind not in "fc":
            a = astype(a, np.float64)
        a, n = inv(a), -n
    result = np.broadcast_to(np.eye(shape(a)[-1], dtype=result_type(a)), shape(a))
    base = a
    while n:
        if n & 1:
            result = matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return cast(Array, result)  # (a plain ndarray for n == 0: an Array in funcad's sense)


def multi_dot(arrays: Sequence[ArrayLike], *, precision: Any = None) -> Array:
    """The product of a chain of matrices (the first and last may be vectors), in the order
    of fewest scalar multiplications (the classic dynamic programme over the shapes)."""
    arrays = [as_operand(a) for a in arrays]
    if len(arrays) < 2:
        raise ValueError("multi_dot: expecting at least two arrays")
    ndims = [ndim_of(a) for a in arrays]
    if (not all(n == 2 for n in ndims[1:-1]) or ndims[0] not in (1, 2)
            or ndims[-1] not in (1, 2)):
        raise ValueError(f"multi_dot: the arrays must be 2-dimensional, except the first and "
                         f"last, which may be 1-dimensional; got shapes "
                         f"{[tuple(shape_of(a)) for a in arrays]}")
    first_vector, last_vector = ndims[0] == 1, ndims[-1] == 1
    if first_vector:
        arrays[0] = reshape(arrays[0], (1, -1))
    if last_vector:
        arrays[-1] = reshape(arrays[-1], (-1, 1))
    dims = [shape_of(arrays[0])[0]] + [shape_of(a)[1] for a in arrays]
    for i in range(len(arrays) - 1):
        if shape_of(arrays[i])[1] != shape_of(arrays[i + 1])[0]:
            raise ValueError(f"multi_dot: shapes {tuple(shape_of(arrays[i]))} and "
                             f"{tuple(shape_of(arrays[i + 1]))} of arrays {i} and {i + 1} "
                             f"are not aligned")
    count = len(arrays)
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j], split[i][j] = min(
                (cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1], k)
                for k in range(i, j))

    def product(i: int, j: int) -> Any:
        if i == j:
            return arrays[i]
        k = split[i][j]
        return matmul(product(i, k), product(k + 1, j))

    out = product(0, count - 1)
    if first_vector:
        out = squeeze(out, axis=0)
    if last_vector:
        out = squeeze(out, axis=-1)
    return out


# ----------------------------------------------------------------------------------------------
# Factorisations and solves (the primitives cholesky, triangular_solve, lu, qr, eig carry the
# derivative rules; everything below composes them).


class QRResult(NamedTuple):
    Q: Array
    R: Array


class EigResult(NamedTuple):
    eigenvalues: Array
    eigenvectors: Array


class SlogdetResult(NamedTuple):
    sign: Array
    logabsdet: Array


def _inexact(*xs: Any) -> list[Any]:
    """The operands in their common linalg dtype (integers and booleans as float64)."""
    dtype = np.dtype(result_type(*xs))
    if dtype.kind in "biu":
        dtype = np.dtype(np.float64)
    if dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        raise TypeError(f"array type {dtype.name} is unsupported in linalg")
    return [x if dtype_of(x) == dtype else astype(x, dtype) for x in xs]


def _broadcast_batch(x: Any, batch: tuple[int, ...]) -> Any:
    target = batch + tuple(shape_of(x))[-2:]
    return x if tuple(shape_of(x)) == target else broadcast_to(x, target)


def _solve_broadcast(a: Any, b: Any) -> Any:
    """a^-1 b for matrices b whose leading axes broadcast with a's, from one LU factorisation
    of a (with NumPy alone, by NumPy's solve)."""
    batch = tuple(np.broadcast_shapes(tuple(shape_of(a))[:-2], tuple(shape_of(b))[:-2]))
    factors = _lu(a)[:2] if scipy_installed() else ()
    if tuple(shape_of(a))[:-2] != batch:
        a = _broadcast_batch(a, batch)
        if factors:
            lu_packed, pivots = factors
            factors = [_broadcast_batch(lu_packed, batch),
                       broadcast_to(pivots, batch + tuple(shape_of(pivots))[-1:])]
    return _linear_solve(a, _broadcast_batch(b, batch), factors)


def solve(a: ArrayLike, b: ArrayLike) -> Array:
    """x with a @ x == b, from one LU factorisation of a (jax.numpy.linalg.solve): b is a
    vector (n,) when it is 1-D, else a stack of matrices (..., n, k) whose leading axes
    broadcast with a's. A singular a gives infinities or NaNs, as in JAX (no error). The
    derivative reuses the factorisation: its reverse step is one transposed solve."""
    a = _decomposable(a, "solve", square=True)
    b = as_operand(b)
    a, b = _inexact(a, b)
    n = shape_of(a)[-1]
    if ndim_of(b) == 0:
        raise ValueError("solve: the argument b must be at least 1-dimensional")
    if ndim_of(b) == 1:
        if shape_of(b)[0] != n:
            raise ValueError(f"solve: the argument b has {shape_of(b)[0]} elements but a "
                             f"(shape {tuple(shape_of(a))}) has {n} rows")
        return squeeze(_solve_broadcast(a, reshape(b, (n, 1))), axis=-1)
    if shape_of(b)[-2] != n:
        raise ValueError(f"solve: the argument b (shape {tuple(shape_of(b))}) must have {n} "
                         f"rows to match a (shape {tuple(shape_of(a))}); for a stack of "
                         f"vectors use solve(a, b[..., None])[..., 0]")
    try:
        np.broadcast_shapes(tuple(shape_of(a))[:-2], tuple(shape_of(b))[:-2])
    except ValueError:
        raise ValueError(f"solve: the leading (batch) dimensions of a (shape "
                         f"{tuple(shape_of(a))}) and b (shape {tuple(shape_of(b))}) do not "
                         f"broadcast") from None
    return _solve_broadcast(a, b)


def inv(a: ArrayLike) -> Array:
    """The inverse of the square matrices in ``a`` (solve against the identity). A singular
    matrix gives infinities or NaNs, as in JAX."""
    a = _decomposable(a, "inv", square=True)
    n = shape_of(a)[-1]
    eye = np.broadcast_to(np.eye(n, dtype=dtype_of(a)), tuple(shape_of(a)))
    return _solve_broadcast(a, eye)


def _lu_diagonal_and_parity(a: Any) -> tuple[Any, Any]:
    """(diagonal of U, (-1)^(number of row interchanges)) of the LU factorisation of a."""
    lu_packed, pivots, _ = _lu(a)
    d = _diagonal(lu_packed, 0, -2, -1)
    swaps = sum(not_equal(pivots, np.arange(shape_of(pivots)[-1], dtype=np.int32)), axis=-1)
    parity = subtract(1, multiply(2, astype(swaps % 2, dtype_of(d))))
    return d, parity


def _lu_det(a: Any) -> Any:
    d, parity = _lu_diagonal_and_parity(a)
    return multiply(parity, prod(d, axis=-1))


@custom_jvp
def _det(a: Any) -> Any:
    return _lu_det(a)


def _adjugate(a: Any, det_a: Any) -> Any:
    """adj(a), with a @ adj(a) == det(a) I: det(a) inv(a) for a nonsingular matrix, and for a
    singular one, from its SVD a = U S V^H, det(U) det(V^H) V diag(prod_{j != i} s_j) U^H
    (finite whatever the rank)."""
    n = shape_of(a)[-1]
    u, s, vh = svd(a, full_matrices=False)
    others = prod(where(np.eye(n, dtype=bool), 1, expand_dims(s, -2)), axis=-1)
    phase = multiply(_lu_det(u), _lu_det(vh))
    from_svd = multiply(expand_dims(phase, (-2, -1)),
                        matmul(multiply(conj(swapaxes(vh, -1, -2)), expand_dims(others, -2)),
                               conj(swapaxes(u, -1, -2))))
    singular = expand_dims(equal(det_a, 0), (-2, -1))
    safe = where(singular, np.eye(n, dtype=dtype_of(a)), a)  # no inf in the branch not taken
    return where(singular, from_svd, multiply(expand_dims(det_a, (-2, -1)), inv(safe)))


@_det.defjvp
def _det_jvp(primals: Any, tangents: Any) -> Any:
    (a,), (da,) = primals, tangents
    out = _det(a)
    adj = _adjugate(a, out)  # d det(a) = trace(adj(a) da)
    return out, sum(multiply(swapaxes(adj, -1, -2), da), axis=(-2, -1))


def det(a: ArrayLike) -> Array:
    """The determinants of the square matrices in ``a``, from their LU factorisations (0 for
    a singular matrix). The derivative is the adjugate, so it stays finite at singular
    matrices (as in JAX)."""
    a = _decomposable(a, "det", square=True)
    return _det(a)


def slogdet(a: ArrayLike, *, method: Literal["lu", "qr"] | None = None) -> SlogdetResult:
    """(sign, log|det|) of the square matrices in ``a``: (0, -inf) for a singular matrix.
    ``method`` 'lu' (the default) or 'qr', as in JAX."""
    a = _decomposable(a, "slogdet", square=True)
    if method in (None, "lu"):
        d, parity = _lu_diagonal_and_parity(a)
    elif method == "qr":
        q, r = _qr(a, full_matrices=False)
        d = _diagonal(r, 0, -2, -1)
        parity = det(q)
    else:
        raise ValueError(f"slogdet: unknown method {method!r} (expected None, 'lu' or 'qr')")
    size = absolute(d)
    zero = equal(size, 0)  # a singular matrix: -inf, without log's divide-by-zero warning
    logabsdet = sum(where(zero, -np.inf, log(where(zero, 1, size))), axis=-1)
    sign_ = multiply(parity, prod(sign(d), axis=-1))
    return SlogdetResult(sign_, logabsdet)


def cholesky(a: ArrayLike, *, upper: bool = False, symmetrize_input: bool = True) -> Array:
    """The Cholesky factor L (a == L @ L^H; with ``upper`` U = L^H, a == U^H @ U) of
    Hermitian positive definite matrices. With ``symmetrize_input`` (a + a^H) / 2 is
    factored, else only the lower triangle is read. A matrix that is not positive definite
    gives NaNs, as in JAX (NumPy raises LinAlgError instead)."""
    a = _decomposable(a, "cholesky", square=True)
    if symmetrize_input:
        a = _hermitian_part(a)
    lo = _cholesky(a)
    return conj(swapaxes(lo, -1, -2)) if upper else lo


@overload
def qr(a: ArrayLike, mode: Literal["r"]) -> Array: ...
@overload
def qr(a: ArrayLike, mode: Literal["reduced", "complete", "raw"] = "reduced") -> QRResult: ...
@overload
def qr(a: ArrayLike, mode: str = "reduced") -> Array | QRResult: ...
def qr(a: ArrayLike, mode: str = "reduced") -> Array | QRResult:
    """The QR decomposition (jax.numpy.linalg.qr): mode 'reduced' or 'complete' give
    QRResult(Q, R), 'r' gives R alone, 'raw' the Householder form (h, tau) of LAPACK's
    geqrf as NumPy gives it (values only, no derivative)."""
    a = _decomposable(a, "qr", square=False)
    if mode == "raw":
        h, tau = _householder_qr(a)
        return QRResult(h, tau)
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"qr: unsupported mode {mode!r} (expected 'reduced', 'complete', "
                         f"'r' or 'raw')")
    q, r = _qr(a, full_matrices=mode == "complete")
    return r if mode == "r" else QRResult(q, r)


def eig(a: ArrayLike) -> EigResult:
    """Eigenvalues and right eigenvectors (columns of unit norm, largest entry real) of
    general square matrices, complex whatever the input (as JAX). Both differentiate in both
    modes (JAX refuses eigenvector derivatives): right for distinct eigenvalues, with the
    coupling of repeated ones taken as zero."""
    a = _decomposable(a, "eig", square=True)
    w, v = _eig(a, compute_vectors=True)
    return EigResult(w, v)


def eigvals(a: ArrayLike) -> Array:
    """The eigenvalues of general square matrices (complex), differentiable in both modes."""
    a = _decomposable(a, "eigvals", square=True)
    return _eig(a, compute_vectors=False)[0]


def _default_rtol(a: Any) -> Any:
    m, n = shape_of(a)[-2:]
    return 10.0 * max(m, n) * np.finfo(dtype_of(a)).eps


def pinv(a: ArrayLike, rtol: ArrayLike | None = None, hermitian: bool = False, *,
         rcond: ArrayLike | None = None) -> Array:
    """The Moore-Penrose pseudo-inverse from the SVD, dropping singular values at or below
    ``rtol`` (or ``rcond``) times the largest; default 10 * max(m, n) * eps, as in JAX."""
    a = _decomposable(a, "pinv", square=bool(hermitian))
    if rcond is not None:
        if rtol is not None:
            raise ValueError("pinv: give only one of the arguments rtol and rcond")
        rtol = rcond
    m, n = shape_of(a)[-2:]
    batch = tuple(shape_of(a))[:-2]
    if m == 0 or n == 0:
        return cast(Array, np.zeros(batch + (n, m), dtype_of(a)))
    tol = _default_rtol(a) if rtol is None else rtol
    u, s, vh = svd(a, full_matrices=False, hermitian=hermitian)
    cutoff = multiply(expand_dims(as_operand(tol), -1), amax(s, axis=-1, keepdims=True))
    keep = s > cutoff
    s_inv = where(keep, divide(1, where(keep, s, 1)), 0)
    return matmul(multiply(conj(swapaxes(vh, -1, -2)), expand_dims(s_inv, -2)),
                  conj(swapaxes(u, -1, -2)))


def lstsq(a: ArrayLike, b: ArrayLike, rcond: float | None = None, *,
          numpy_resid: bool = False) -> tuple[Array, Array, Array, Array]:
    """(x, residuals, rank, singular values) of the least-squares problem min |a x - b|
    from the SVD of the 2-D ``a`` (jax.numpy.linalg.lstsq). Singular values below ``rcond``
    times the largest (default eps * max(m, n)) are dropped. Residuals are |b - a x|^2 per
    column, or with ``numpy_resid`` NumPy's (empty unless a has full column rank and
    m > n; needs concrete values)."""
    a, b = as_operand(a), as_operand(b)
    a, b = _inexact(a, b)
    if ndim_of(a) != 2:
        raise np.linalg.LinAlgError(f"lstsq: {ndim_of(a)}-dimensional array given for the "
                                    f"argument a. Array must be two-dimensional")
    if ndim_of(b) not in (1, 2):
        raise np.linalg.LinAlgError(f"lstsq: {ndim_of(b)}-dimensional array given for the "
                                    f"argument b. Array must be one or two-dimensional")
    m, n = shape_of(a)
    if shape_of(b)[0] != m:
        raise np.linalg.LinAlgError(f"lstsq: incompatible dimensions: a has {m} rows but b "
                                    f"(shape {tuple(shape_of(b))}) has {shape_of(b)[0]}")
    vector = ndim_of(b) == 1
    if vector:
        b = reshape(b, (m, 1))
    if rcond is None:
        rcond = np.finfo(dtype_of(a)).eps * max(m, n)
    u, s, vh = svd(a, full_matrices=False)
    if shape_of(s)[-1]:
        keep = s >= multiply(rcond, s[0])
    else:
        keep = s > 0
    rank = sum(keep)
    s_inv = where(keep, divide(1, where(keep, s, 1)), 0)
    uhb = matmul(conj(swapaxes(u, -1, -2)), b)
    x = matmul(conj(swapaxes(vh, -1, -2)), multiply(expand_dims(s_inv, -1), uhb))
    residual = subtract(b, matmul(a, x))
    resid = sum(_abs_squared(residual), axis=0)
    if numpy_resid and (int(rank) < n or m <= n):
        resid = cast(Array, np.zeros((0,), dtype_of(s)))
    if vector:
        x = reshape(x, (n,))
    return x, resid, rank, s


def matrix_rank(M: ArrayLike, rtol: ArrayLike | None = None, *, hermitian: bool = False,
                tol: ArrayLike | None = None) -> Array:
    """The number of singular values above ``rtol`` times the largest (default
    max(m, n) * eps), as jax.numpy.linalg.matrix_rank; ``tol`` is rtol's older name. A
    vector's rank is 1 unless it is all zeros."""
    M = as_operand(M)
    if tol is not None:
        if rtol is not None:
            raise ValueError("matrix_rank: give only one of the arguments rtol and tol")
        rtol = tol
    if ndim_of(M) < 2:
        return astype(any(not_equal(M, 0)), np.int_)
    M = _decomposable(M, "matrix_rank", square=bool(hermitian))
    s = svd(M, compute_uv=False, hermitian=hermitian)
    if shape_of(s)[-1] == 0:
        return cast(Array, np.zeros(tuple(shape_of(s))[:-1], np.int_))
    largest = amax(s, axis=-1)
    if rtol is None:
        threshold = multiply(largest, max(shape_of(M)[-2:]) * np.finfo(dtype_of(s)).eps)
    else:
        threshold = multiply(largest, rtol)
    return sum(s > expand_dims(threshold, -1), axis=-1)


def cond(x: ArrayLike, p: _Order = None) -> Array:
    """The condition number in norm ``p`` (None or 2: the ratio of the extreme singular
    values, -2 its inverse; 1, -1, inf, -inf, 'fro', 'nuc': norm(x) * norm(inv(x))). A
    singular matrix gives inf, as in JAX."""
    x = _decomposable(x, "cond", square=p not in (None, 2, -2))
    if p is None or p == 2 or p == -2:
        s = svdvals(x)
        r = divide(s[..., 0], s[..., -1]) if p != -2 else divide(s[..., -1], s[..., 0])
    elif p in ("fro", "nuc", 1, -1, np.inf, -np.inf):
        r = multiply(norm(x, ord=p, axis=(-2, -1)), norm(inv(x), ord=p, axis=(-2, -1)))
    else:
        raise ValueError(f"cond: invalid norm order {p!r} for matrices")
    return where(isnan(r) & ~any(isnan(x), axis=(-2, -1)), np.inf, r)


def tensorinv(a: ArrayLike, ind: int = 2) -> Array:
    """The inverse of ``a`` seen as a matrix from its first ``ind`` axes to the rest."""
    a = as_operand(a)
    ind = int(ind)
    if ind <= 0:
        raise ValueError(f"tensorinv: the argument ind must be positive, got {ind}")
    shp = tuple(shape_of(a))
    rows, cols = math.prod(shp[:ind]), math.prod(shp[ind:])
    if rows != cols:
        raise ValueError(f"tensorinv: the product of the first {ind} dimensions of a (shape "
                         f"{shp}) must equal the product of the rest ({rows} != {cols})")
    return reshape(inv(reshape(a, (rows, cols))), shp[ind:] + shp[:ind])


def tensorsolve(a: ArrayLike, b: ArrayLike, axes: Sequence[int] | None = None) -> Array:
    """x with tensordot(a, x, x.ndim) == b (numpy.linalg.tensorsolve); ``axes``: axes of a
    moved to the end first."""
    a, b = as_operand(a), as_operand(b)
    if axes is not None:
        axes = normalize_axes(axes, ndim_of(a), "tensorsolve")
        a = moveaxis(a, axes, tuple(range(ndim_of(a) - len(axes), ndim_of(a))))
    b_shape = tuple(shape_of(b))
    x_shape = tuple(shape_of(a))[len(b_shape):]
    rows, cols = math.prod(b_shape), math.prod(x_shape)
    if tuple(shape_of(a))[:len(b_shape)] != b_shape or rows != cols:
        raise np.linalg.LinAlgError(
            f"tensorsolve: the argument a (shape {tuple(shape_of(a))}) must have b's shape "
            f"{b_shape} followed by dimensions of the same total size")
    return reshape(solve(reshape(a, (rows, cols)), reshape(b, (rows,))), x_shape)


# ----------------------------------------------------------------------------------------------
# The array API's linalg names (numpy.linalg in NumPy 2).


def matrix_transpose(x: ArrayLike, /) -> Array:
    """Swap the last two axes."""
    x = as_operand(x)
    if ndim_of(x) < 2:
        raise ValueError(f"matrix_transpose: the argument x must be at least 2-dimensional, "
                         f"got shape {tuple(shape_of(x))}")
    return swapaxes(x, -1, -2)


def diagonal(x: ArrayLike, /, *, offset: int = 0) -> Array:
    """The diagonals of the matrices in the last two axes."""
    x = as_operand(x)
    if ndim_of(x) < 2:
        raise ValueError(f"diagonal: the argument x must be at least 2-dimensional, got "
                         f"shape {tuple(shape_of(x))}")
    return _diagonal(x, offset, -2, -1)


def trace(x: ArrayLike, /, *, offset: int = 0, dtype: DTypeLike | None = None) -> Array:
    """The sums of the diagonals of the matrices in the last two axes."""
    out = sum(diagonal(x, offset=offset), axis=-1)
    return out if dtype is None else astype(out, dtype)


def outer(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """The outer product of two vectors."""
    x1, x2 = as_operand(x1), as_operand(x2)
    if ndim_of(x1) != 1 or ndim_of(x2) != 1:
        raise ValueError(f"outer: the arguments x1 and x2 must be 1-dimensional, got shapes "
                         f"{tuple(shape_of(x1))} and {tuple(shape_of(x2))}")
    return _outer(x1, x2)


def cross(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1) -> Array:
    """The cross product of 3-vectors along ``axis`` (other axes broadcast)."""
    x1, x2 = as_operand(x1), as_operand(x2)
    for name, x in (("x1", x1), ("x2", x2)):
        (ax,) = normalize_axes(axis, ndim_of(x), "cross")
        if shape_of(x)[ax] != 3:
            raise ValueError(f"cross: the argument {name} (shape {tuple(shape_of(x))}) must "
                             f"have size 3 along axis {axis}")
    return _cross(x1, x2, axis=axis)


def vecdot(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1, precision: Any = None,
           preferred_element_type: DTypeLike | None = None) -> Array:
    """sum(conj(x1) * x2) along ``axis``."""
    out = _vecdot(x1, x2, axis=axis)
    return out if preferred_element_type is None else astype(out, preferred_element_type)


def matmul(x1: ArrayLike, x2: ArrayLike, /, *, precision: Any = None,
           preferred_element_type: DTypeLike | None = None) -> Array:
    """The matrix product (funcad.numpy.matmul)."""
    out = _matmul(x1, x2)
    return out if preferred_element_type is None else astype(out, preferred_element_type)


def tensordot(x1: ArrayLike, x2: ArrayLike, /, *,
              axes: int | Sequence[int] | Sequence[Sequence[int]] = 2, precision: Any = None,
              preferred_element_type: DTypeLike | None = None) -> Array:
    """The tensor contraction (funcad.numpy.tensordot)."""
    out = _tensordot(x1, x2, axes)
    return out if preferred_element_type is None else astype(out, preferred_element_type)


def vector_norm(x: ArrayLike, /, *, axis: int | Sequence[int] | None = None,
                keepdims: bool = False, ord: int | float | str = 2) -> Array:
    """The vector norm over ``axis`` (all axes when None, as one flattened vector)."""
    x = as_operand(x)
    if axis is None:
        out = norm(ravel(x), ord=ord, axis=0)
        return reshape(out, (1,) * ndim_of(x)) if keepdims else out
    axes = normalize_axes(axis, ndim_of(x), "vector_norm")
    if len(axes) == 1:
        return norm(x, ord=ord, axis=axes[0], keepdims=keepdims)
    moved = moveaxis(x, axes, tuple(range(-len(axes), 0)))
    flat = reshape(moved, tuple(shape_of(moved))[:-len(axes)] + (-1,))
    out = norm(flat, ord=ord, axis=-1)
    return expand_dims(out, tuple(sorted(axes))) if keepdims else out


def matrix_norm(x: ArrayLike, /, *, keepdims: bool = False,
                ord: int | float | str = "fro") -> Array:
    """The matrix norm of the last two axes."""
    x = as_operand(x)
    if ndim_of(x) < 2:
        raise ValueError(f"matrix_norm: the argument x must be at least 2-dimensional, got "
                         f"shape {tuple(shape_of(x))}")
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)
