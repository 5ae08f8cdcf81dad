"""scipy.linalg's functions as in jax.scipy.linalg (the API is funcad.scipy.linalg).

Everything is built from funcad's primitives (cholesky, triangular_solve, lu, svd, eigh, and
sqrtm, sylvester, schur, hessenberg from funcad.primitives.matrix_functions), so each function
differentiates to any order, batches over leading (stacked) axes and stages under jit,
except ``schur`` and ``hessenberg``, which have no derivative (as in JAX). ``expm`` is Padé
approximation with scaling and squaring, written in funcad operations: its derivative is
that of the algorithm, exact to rounding. Functions whose kernels are SciPy's raise
ImportError naming the ``funcad[scipy]`` extra when SciPy is missing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal, cast, overload

import numpy as np

import funcad.numpy as fnp
from funcad.core import Tracer, dtype_of, shape_of
from funcad.errors import ConcretizationTypeError
from funcad.numpy._conversion import as_operand, ndim_of
from funcad.numpy._indexing import IN_BOUNDS, take, take_along_axis
from funcad.primitives import matrix_functions as _mf
from funcad.primitives.linalg import cholesky as _cholesky
from funcad.primitives.linalg import lu as _lu
from funcad.primitives.linalg import qr as _qr
from funcad.primitives.linalg import triangular_solve as _triangular_solve
from funcad.primitives.shape import stop_gradient
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "block_diag", "toeplitz", "hankel", "circulant", "companion", "fiedler_companion",
    "fiedler", "leslie",
    "convolution_matrix", "hilbert", "dft", "hadamard", "helmert", "invhilbert", "pascal",
    "invpascal", "solve_triangular", "cholesky", "cho_factor", "cho_solve", "lu", "lu_factor",
    "lu_solve", "solve", "inv", "det", "expm", "expm_frechet", "sqrtm", "solve_sylvester",
    "eigh", "svd", "qr", "qr_multiply", "schur", "rsf2csf", "funm", "hessenberg", "polar",
    "eigh_tridiagonal",
]


# ----------------------------------------------------------------------------------------------
# Helpers.


def _inexact(a: Any, name: str, argument: str = "a") -> Any:
    """``a`` as an inexact operand (integers and booleans as float64, as SciPy does)."""
    a = as_operand(a)
    dtype = dtype_of(a)
    if dtype.kind in "biu":
        return fnp.astype(a, np.float64)
    if dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        raise TypeError(f"{name}: array type {dtype.name} of the argument {argument} is "
                        f"unsupported in linalg")
    return a


def _square(a: Any, name: str, argument: str = "a") -> Any:
    a = _inexact(a, name, argument)
    if ndim_of(a) < 2 or shape_of(a)[-1] != shape_of(a)[-2]:
        raise ValueError(f"{name}: the argument {argument} must be a square matrix (or a stack "
                         f"of them), got shape {tuple(shape_of(a))}")
    return a


def _mt(x: Any) -> Any:
    return fnp.swapaxes(x, -1, -2)


def _mh(x: Any) -> Any:
    x = _mt(x)
    return fnp.conj(x) if dtype_of(x).kind == "c" else x


def _eye_like(a: Any) -> np.ndarray:
    return np.eye(shape_of(a)[-1], dtype=dtype_of(a))


def _known(x: Any) -> Any:
    """The value of ``x`` when it is known now (outside jit and vmap), else None."""
    if not isinstance(x, Tracer):
        return np.asarray(x)
    try:
        return np.asarray(x.concrete_value("a choice of algorithm"))
    except ConcretizationTypeError:
        return None


def _common_batch(a: Any, b: Any, a_core: int, b_core: int) -> tuple[Any, Any]:
    """a and b broadcast to the same leading axes (their last a_core / b_core axes kept)."""
    sa, sb = tuple(shape_of(a)), tuple(shape_of(b))
    batch = np.broadcast_shapes(sa[:len(sa) - a_core], sb[:len(sb) - b_core])
    if sa[:len(sa) - a_core] != batch:
        a = fnp.broadcast_to(a, batch + sa[len(sa) - a_core:])
    if sb[:len(sb) - b_core] != batch:
        b = fnp.broadcast_to(b, batch + sb[len(sb) - b_core:])
    return a, b


def _right_hand_side(a: Any, b: Any, name: str) -> tuple[Any, Any, bool]:
    """(a, b as matrices with a's leading axes, whether b was a vector). b is a vector only
    when it is 1-D (JAX's rule for the future, NumPy 2's): stacked vectors are written
    b[..., None]. Leading axes broadcast."""
    b = _inexact(b, name, "b")
    vector = ndim_of(b) == 1
    if ndim_of(b) < 1:
        raise ValueError(f"{name}: the argument b must be a vector or a matrix, got shape "
                         f"{tuple(shape_of(b))}")
    if vector:
        b = fnp.expand_dims(b, -1)
    if shape_of(b)[-2] != shape_of(a)[-1]:
        raise ValueError(f"{name}: incompatible dimensions: a has shape "
                         f"{tuple(shape_of(a))} and b has shape "
                         f"{tuple(shape_of(b))[:-1] if vector else tuple(shape_of(b))}")
    dtype = np.result_type(dtype_of(a), dtype_of(b))
    a, b = fnp.astype(a, dtype), fnp.astype(b, dtype)
    a, b = _common_batch(a, b, 2, 2)
    return a, b, vector


# ----------------------------------------------------------------------------------------------
# Special matrices.


def block_diag(*arrs: ArrayLike) -> Array:
    """The block-diagonal matrix of the given blocks (scalars and vectors are 1 x n blocks)."""
    if not arrs:
        return fnp.zeros((1, 0))
    blocks = [fnp.atleast_2d(as_operand(a)) for a in arrs]
    for i, b in enumerate(blocks):
        if ndim_of(b) > 2:
            raise ValueError(f"block_diag: arguments must be at most 2-dimensional, argument "
                             f"{i} has shape {tuple(shape_of(b))}")
    dtype = np.result_type(*(dtype_of(b) for b in blocks))
    total = sum(shape_of(b)[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        width = shape_of(b)[1]
        rows.append(fnp.pad(fnp.astype(b, dtype), ((0, 0), (left, total - left - width))))
        left += width
    return fnp.concatenate(rows, axis=0)


def _vector_arg(x: Any) -> Any:
    """x as an operand of at least one axis (a scalar is a 1-vector, as in SciPy)."""
    x = as_operand(x)
    if ndim_of(x) == 0:
        x = fnp.reshape(x, (1,))
    return x


def toeplitz(c: ArrayLike, r: ArrayLike | None = None) -> Array:
    """The Toeplitz matrix with first column c and first row r (r[0] is ignored; r defaults
    to conj(c)). Leading axes of c and r batch, as in JAX."""
    c = _vector_arg(c)
    r = fnp.conj(c) if r is None else _vector_arg(r)
    c, r = _common_batch(c, r, 1, 1)
    dtype = np.result_type(dtype_of(c), dtype_of(r))
    m, n = shape_of(c)[-1], shape_of(r)[-1]
    values = fnp.concatenate([fnp.flip(fnp.astype(c, dtype), -1),
                              fnp.astype(r, dtype)[..., 1:]], axis=-1)
    index = (m - 1) - np.arange(m)[:, None] + np.arange(n)[None, :]
    return take(values, index, axis=-1, mode=IN_BOUNDS)


def hankel(c: ArrayLike, r: ArrayLike | None = None) -> Array:
    """The Hankel matrix with first column c and last row r (r[0] is ignored; zeros by
    default). Leading axes of c and r batch, as in JAX."""
    c = _vector_arg(c)
    r = fnp.zeros_like(c) if r is None else _vector_arg(r)
    c, r = _common_batch(c, r, 1, 1)
    dtype = np.result_type(dtype_of(c), dtype_of(r))
    m, n = shape_of(c)[-1], shape_of(r)[-1]
    values = fnp.concatenate([fnp.astype(c, dtype), fnp.astype(r, dtype)[..., 1:]], axis=-1)
    return take(values, np.arange(m)[:, None] + np.arange(n)[None, :], axis=-1, mode=IN_BOUNDS)


def circulant(c: ArrayLike) -> Array:
    """The circulant matrix with first column c (leading axes batch)."""
    c = _vector_arg(c)
    n = shape_of(c)[-1]
    index = (np.arange(n)[:, None] - np.arange(n)[None, :]) % n
    return take(c, index, axis=-1, mode=IN_BOUNDS)


def companion(a: ArrayLike) -> Array:
    """The companion matrix of the polynomial with coefficients a (highest first); leading
    axes batch."""
    coefficients = as_operand(a)
    if ndim_of(coefficients) < 1 or shape_of(coefficients)[-1] < 2:
        raise ValueError(f"companion: the argument a must hold at least 2 coefficients, got "
                         f"shape {tuple(shape_of(coefficients))}")
    coefficients = _inexact(coefficients, "companion")
    n = shape_of(coefficients)[-1] - 1
    batch = tuple(shape_of(coefficients))[:-1]
    first = fnp.divide(fnp.negative(coefficients[..., 1:]), coefficients[..., :1])
    below = np.broadcast_to(np.eye(n - 1, n, dtype=dtype_of(first)), batch + (n - 1, n))
    return fnp.concatenate([fnp.expand_dims(first, -2), below], axis=-2)


def _fiedler_companion_layout(n: int) -> np.ndarray:
    """Where each entry of the n x n Fiedler companion matrix comes from: k < n is the
    coefficient -c_{k+1}, n is a one, n + 1 a zero."""
    index = np.full((n, n), n + 1)
    entries = {(0, 0): 0, (0, 1): 1, (0, 2): n, (1, 0): n}
    for row in range(2, n, 2):
        entries.update({(row, row - 1): row, (row, row + 1): row + 1, (row, row + 2): n,
                        (row + 1, row - 1): n})
    for (i, j), source in entries.items():
        if i < n and j < n:
            index[i, j] = source
    return index


def fiedler_companion(a: ArrayLike) -> Array:
    """The Fiedler companion matrix of the polynomial with coefficients a (highest first):
    pentadiagonal, with the same eigenvalues as ``companion(a)`` (leading axes batch)."""
    coefficients = as_operand(a)
    if ndim_of(coefficients) < 1 or shape_of(coefficients)[-1] < 2:
        raise ValueError(f"fiedler_companion: the argument a must hold at least 2 "
                         f"coefficients, got shape {tuple(shape_of(coefficients))}")
    coefficients = _inexact(coefficients, "fiedler_companion")
    n = shape_of(coefficients)[-1] - 1
    batch = tuple(shape_of(coefficients))[:-1]
    first = fnp.divide(fnp.negative(coefficients[..., 1:]), coefficients[..., :1])
    ones = np.array([1, 0], dtype_of(coefficients))
    values = fnp.concatenate([first, fnp.broadcast_to(ones, batch + (2,))], axis=-1)
    return take(values, _fiedler_companion_layout(n), axis=-1, mode=IN_BOUNDS)


def fiedler(a: ArrayLike) -> Array:
    """The symmetric matrix |a_i - a_j| (leading axes batch)."""
    values = as_operand(a)
    if ndim_of(values) < 1:
        raise ValueError("fiedler: the argument a must be at least 1-dimensional")
    return fnp.abs(fnp.subtract(values[..., :, None], values[..., None, :]))


def leslie(f: ArrayLike, s: ArrayLike) -> Array:
    """The Leslie matrix: fecundities f on the first row, survival rates s below the
    diagonal (leading axes batch)."""
    f, s = as_operand(f), as_operand(s)
    if ndim_of(f) < 1 or ndim_of(s) < 1 or shape_of(s)[-1] != shape_of(f)[-1] - 1:
        raise ValueError(f"leslie: f must hold n values and s n - 1, got shapes "
                         f"{tuple(shape_of(f))} and {tuple(shape_of(s))}")
    f, s = _common_batch(f, s, 1, 1)
    dtype = np.result_type(dtype_of(f), dtype_of(s), np.float64)  # as SciPy: floats
    n = shape_of(f)[-1]
    below = fnp.multiply(fnp.astype(s, dtype)[..., :, None], np.eye(n - 1, n, dtype=dtype))
    return fnp.concatenate([fnp.expand_dims(fnp.astype(f, dtype), -2), below], axis=-2)


def convolution_matrix(a: ArrayLike, n: int,
                       mode: Literal["full", "same", "valid"] = "full") -> Array:
    """The matrix A with A @ v == numpy.convolve(a, v, mode) for v of length n."""
    a = as_operand(a)
    if ndim_of(a) != 1 or shape_of(a)[0] == 0:
        raise ValueError(f"convolution_matrix: the argument a must be a non-empty vector, got "
                         f"shape {tuple(shape_of(a))}")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"convolution_matrix: the argument n must be a positive integer, got "
                         f"{n!r}")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"convolution_matrix: the argument mode must be 'full', 'same' or "
                         f"'valid', got {mode!r}")
    m = shape_of(a)[0]
    column = fnp.concatenate([a, fnp.zeros(n - 1, dtype_of(a))])
    row = fnp.zeros(n, dtype_of(a))
    full = toeplitz(column, row)  # (m + n - 1, n)
    if mode == "full":
        return full
    if mode == "same":
        start = (min(n, m) - 1) // 2
        return full[start:start + max(m, n)]
    start = min(m, n) - 1
    return full[start:start + max(m, n) - min(m, n) + 1]


def hilbert(n: int) -> Array:
    """The n x n Hilbert matrix 1 / (i + j + 1)."""
    i = np.arange(n, dtype=np.float64)
    return cast(Array, 1.0 / (i[:, None] + i[None, :] + 1.0))


def dft(n: int, scale: Literal["n", "sqrtn"] | None = None) -> Array:
    """The n x n discrete Fourier transform matrix (scale None, 'n' or 'sqrtn')."""
    if scale not in (None, "n", "sqrtn"):
        raise ValueError(f"dft: the argument scale must be None, 'n' or 'sqrtn', got {scale!r}")
    k = np.arange(n)
    m = np.exp(-2j * np.pi * np.outer(k, k) / n)
    return cast(Array, m / {None: 1, "n": n, "sqrtn": math.sqrt(n)}[scale])


def hadamard(n: int, dtype: DTypeLike = int) -> Array:
    """The n x n Hadamard matrix (Sylvester's construction; n a power of 2)."""
    if not isinstance(n, (int, np.integer)) or n < 1 or n & (n - 1):
        raise ValueError(f"hadamard: n must be a positive integer power of 2, got {n!r}")
    h = np.ones((1, 1), dtype=dtype)
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return cast(Array, h)


def helmert(n: int, full: bool = False) -> Array:
    """The Helmert matrix of order n (without its first row unless ``full``)."""
    h = np.tril(np.ones((n, n)), -1) - np.diag(np.arange(n))
    d = np.arange(n) * np.arange(1, n + 1)
    h[0] = 1
    d[0] = n
    out = h / np.sqrt(d)[:, None]
    return cast(Array, out if full else out[1:])


def invhilbert(n: int) -> Array:
    """The inverse of the n x n Hilbert matrix (exact integers, as float64)."""
    out = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            value = ((-1) ** (i + j) * (i + j + 1) * math.comb(n + i, n - j - 1)
                     * math.comb(n + j, n - i - 1) * math.comb(i + j, i) ** 2)
            out[i, j] = value
    return cast(Array, out)


def _pascal_kind(kind: Any, name: str) -> str:
    kind = "symmetric" if kind is None else kind
    if kind not in ("symmetric", "lower", "upper"):
        raise ValueError(f"{name}: the argument kind must be 'symmetric', 'lower' or 'upper', "
                         f"got {kind!r}")
    return kind


def pascal(n: int, kind: Literal["symmetric", "lower", "upper"] | None = None) -> Array:
    """The n x n Pascal matrix of binomial coefficients (uint64, as SciPy's exact one)."""
    which = _pascal_kind(kind, "pascal")
    lower = np.array([[math.comb(i, j) if j <= i else 0 for j in range(n)] for i in range(n)],
                     dtype=np.uint64).reshape(n, n)
    if which == "lower":
        return cast(Array, lower)
    if which == "upper":
        return cast(Array, lower.T.copy())
    return cast(Array, lower @ lower.T)


def invpascal(n: int, kind: Literal["symmetric", "lower", "upper"] | None = None) -> Array:
    """The inverse of the n x n Pascal matrix (int64, as SciPy's exact one)."""
    which = _pascal_kind(kind, "invpascal")
    lower = np.array([[(-1) ** (i - j) * math.comb(i, j) if j <= i else 0 for j in range(n)]
                      for i in range(n)], dtype=np.int64).reshape(n, n)
    if which == "lower":
        return cast(Array, lower)
    if which == "upper":
        return cast(Array, lower.T.copy())
    return cast(Array, lower.T @ lower)


# ----------------------------------------------------------------------------------------------
# Triangular, Cholesky and LU solves.


def _trans(trans: Any) -> int:
    mapping = {0: 0, 1: 1, 2: 2, "N": 0, "T": 1, "C": 2}
    try:
        return mapping[trans]
    except (KeyError, TypeError):
        raise ValueError(f"the argument trans must be 0, 1, 2, 'N', 'T' or 'C', got "
                         f"{trans!r}") from None


def solve_triangular(a: ArrayLike, b: ArrayLike, trans: Literal[0, 1, 2, "N", "T", "C"] = 0,
                     lower: bool = False, unit_diagonal: bool = False,
                     overwrite_b: bool = False, debug: Any = None,
                     check_finite: bool = True) -> Array:
    """x with op(a) x = b for a triangular a (only its ``lower`` or upper triangle is read,
    its diagonal taken as ones with ``unit_diagonal``); op is chosen by ``trans`` (0/'N',
    1/'T' transposed, 2/'C' conjugate transposed). b is a vector or a matrix."""
    kind = _trans(trans)
    a = _square(a, "solve_triangular")
    a, b, vector = _right_hand_side(a, b, "solve_triangular")
    x = _triangular_solve(a, b, left_side=True, lower=bool(lower), transpose_a=kind > 0,
                          conjugate_a=kind == 2, unit_diagonal=bool(unit_diagonal))
    return x[..., 0] if vector else x


def cholesky(a: ArrayLike, lower: bool = False, overwrite_a: bool = False,
             check_finite: bool = True) -> Array:
    """The Cholesky factor of Hermitian positive definite matrices: upper (a = U^H U) by
    default, lower (a = L L^H) with ``lower``. Both triangles of a count (its Hermitian part
    is factored). A matrix that is not positive definite gives NaNs, as in JAX."""
    a = _square(a, "cholesky")
    factor = _cholesky(fnp.divide(fnp.add(a, _mh(a)), 2))
    return factor if lower else _mh(factor)


def cho_factor(a: ArrayLike, lower: bool = False, overwrite_a: bool = False,
               check_finite: bool = True) -> tuple[Array, bool]:
    """(c, lower) for ``cho_solve``: c is the Cholesky factor, with zeros in its other
    triangle (as JAX; SciPy leaves whatever was there)."""
    return cholesky(a, lower=lower), bool(lower)


def cho_solve(c_and_lower: tuple[ArrayLike, bool], b: ArrayLike, overwrite_b: bool = False,
              check_finite: bool = True) -> Array:
    """x with a x = b, from ``cho_factor(a)``."""
    c, lower = c_and_lower
    c = _square(c, "cho_solve", "c")
    c, b, vector = _right_hand_side(c, b, "cho_solve")
    lower = bool(lower)
    # a = L L^H (lower) or U^H U: two triangular solves
    y = _triangular_solve(c, b, left_side=True, lower=lower, transpose_a=not lower,
                          conjugate_a=not lower)
    x = _triangular_solve(c, y, left_side=True, lower=lower, transpose_a=lower,
                          conjugate_a=lower)
    return x[..., 0] if vector else x


def _one_hot_rows(permutation: Any, dtype: np.dtype) -> Any:
    """P with P[..., i, j] = (permutation[..., i] == j): (P a)[i] = a[permutation[i]]."""
    m = shape_of(permutation)[-1]
    return fnp.astype(fnp.equal(fnp.expand_dims(permutation, -1), np.arange(m)), dtype)


def _lu_parts(a: Any) -> tuple[Any, Any, Any, Any]:
    """(packed lu, pivots, permutation, (L, U) of shapes (m, k) and (k, n))."""
    packed, pivots, permutation = _lu(a)
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    lo = fnp.add(fnp.tril(packed[..., :, :k], -1), np.eye(m, k, dtype=dtype_of(packed)))
    up = fnp.triu(packed[..., :k, :])
    return packed, pivots, permutation, (lo, up)


@overload
def lu(a: ArrayLike, permute_l: Literal[False] = False, overwrite_a: bool = False,
       check_finite: bool = True, p_indices: bool = False) -> tuple[Array, Array, Array]: ...
@overload
def lu(a: ArrayLike, permute_l: Literal[True], overwrite_a: bool = False,
       check_finite: bool = True, p_indices: bool = False) -> tuple[Array, Array]: ...
@overload
def lu(a: ArrayLike, permute_l: bool = False, overwrite_a: bool = False,
       check_finite: bool = True,
       p_indices: bool = False) -> tuple[Array, Array] | tuple[Array, Array, Array]: ...
def lu(a: ArrayLike, permute_l: bool = False, overwrite_a: bool = False,
       check_finite: bool = True,
       p_indices: bool = False) -> tuple[Array, Array] | tuple[Array, Array, Array]:
    """(p, l, u) with a = p @ l @ u, l unit lower (m, k), u upper (k, n), k = min(m, n); with
    ``permute_l``, (p @ l, u). ``p_indices`` (SciPy's) gives p as row indices instead, with
    a = l[p] @ u."""
    a = _inexact(a, "lu")
    if ndim_of(a) < 2:
        raise ValueError(f"lu: the argument a must be at least 2-dimensional, got shape "
                         f"{tuple(shape_of(a))}")
    _, _, permutation, (lo, up) = _lu_parts(a)
    p = _mt(_one_hot_rows(permutation, np.finfo(dtype_of(lo)).dtype))  # a = p l u (real)
    if permute_l:
        return fnp.matmul(p, lo), up
    if p_indices:
        return fnp.argsort(permutation, axis=-1).astype(np.int32), lo, up
    return p, lo, up


def lu_factor(a: ArrayLike, overwrite_a: bool = False,
              check_finite: bool = True) -> tuple[Array, Array]:
    """(lu, piv) for ``lu_solve``: L and U packed in one matrix, and LAPACK's row
    interchanges (0-based, int32)."""
    a = _inexact(a, "lu_factor")
    if ndim_of(a) < 2:
        raise ValueError(f"lu_factor: the argument a must be at least 2-dimensional, got shape "
                         f"{tuple(shape_of(a))}")
    packed, pivots, _ = _lu(a)
    return packed, pivots


def _pivots_to_permutation(pivots: Any, m: int) -> Any:
    """The row order that LAPACK's interchanges amount to (row i swapped with pivots[i],
    in order), written with funcad operations so that it batches and stages."""
    pivots = fnp.astype(as_operand(pivots), np.int32)
    batch = tuple(shape_of(pivots))[:-1]
    rows = np.arange(m, dtype=np.int32)
    permutation = fnp.broadcast_to(rows, batch + (m,))
    for i in range(shape_of(pivots)[-1]):
        j = pivots[..., i:i + 1]
        at_i = permutation[..., i:i + 1]
        at_j = take_along_axis(permutation, j, axis=-1, mode=IN_BOUNDS)
        permutation = fnp.where(rows == i, at_j, fnp.where(fnp.equal(rows, j), at_i,
                                                           permutation))
    return permutation


def _solve_packed(packed: Any, permutation: Any, b: Any, kind: int) -> Any:
    """x with op(a) x = b for a[permutation] = L U (b a matrix with packed's leading axes)."""
    p = _one_hot_rows(permutation, dtype_of(b))
    if kind == 0:
        y = _triangular_solve(packed, fnp.matmul(p, b), left_side=True, lower=True,
                              unit_diagonal=True)
        return _triangular_solve(packed, y, left_side=True, lower=False)
    # a^T = U^T L^T P (P a = L U): solve U^T, then L^T, then undo the permutation
    conjugate = kind == 2
    y = _triangular_solve(packed, b, left_side=True, lower=False, transpose_a=True,
                          conjugate_a=conjugate)
    y = _triangular_solve(packed, y, left_side=True, lower=True, transpose_a=True,
                          conjugate_a=conjugate, unit_diagonal=True)
    return fnp.matmul(_mt(p), y)


def lu_solve(lu_and_piv: tuple[ArrayLike, ArrayLike], b: ArrayLike,
             trans: Literal[0, 1, 2, "N", "T", "C"] = 0, overwrite_b: bool = False,
             check_finite: bool = True) -> Array:
    """x with op(a) x = b from ``lu_factor(a)``; ``trans`` 0 (a), 1 (a^T) or 2 (a^H)."""
    kind = _trans(trans)
    packed, pivots = lu_and_piv
    packed = _square(packed, "lu_solve", "lu")
    m = shape_of(packed)[-1]
    if tuple(shape_of(pivots)) != tuple(shape_of(packed))[:-1]:
        raise ValueError(f"lu_solve: the pivots (shape {tuple(shape_of(pivots))}) do not "
                         f"match lu (shape {tuple(shape_of(packed))})")
    permutation = _pivots_to_permutation(pivots, m)
    packed, b, vector = _right_hand_side(packed, b, "lu_solve")
    permutation = fnp.broadcast_to(permutation, tuple(shape_of(packed))[:-1])
    x = _solve_packed(packed, permutation, b, kind)
    return x[..., 0] if vector else x


_ASSUME_A = ("gen", "general", "sym", "symmetric", "her", "hermitian", "pos",
             "positive definite")


def solve(a: ArrayLike, b: ArrayLike, lower: bool = False, overwrite_a: bool = False,
          overwrite_b: bool = False, debug: bool = False, check_finite: bool = True,
          assume_a: str = "gen") -> Array:
    """x with a x = b: one LU factorisation ('gen', 'sym', 'her'), or Cholesky for
    ``assume_a='pos'`` (reading the ``lower`` or upper triangle of a)."""
    if assume_a not in _ASSUME_A:
        raise ValueError(f"solve: the argument assume_a must be one of {_ASSUME_A}, got "
                         f"{assume_a!r}")
    a = _square(a, "solve")
    if assume_a in ("pos", "positive definite"):
        return cho_solve(cho_factor(_hermitian_from(a, bool(lower)), lower=True), b)
    a, b, vector = _right_hand_side(a, b, "solve")
    packed, _, permutation = _lu(a)
    x = _solve_packed(packed, permutation, b, 0)
    return x[..., 0] if vector else x


def inv(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True) -> Array:
    """The inverse of square matrices, from one LU factorisation (a singular matrix gives
    infinities or NaNs, as in JAX)."""
    a = _square(a, "inv")
    eye = fnp.broadcast_to(_eye_like(a), shape_of(a))
    packed, _, permutation = _lu(a)
    return _solve_packed(packed, permutation, eye, 0)


def det(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True) -> Array:
    """The determinant of square matrices (funcad.numpy.linalg.det: one LU factorisation;
    its derivative is the adjugate, finite at singular matrices as JAX's)."""
    return fnp.linalg.det(_square(a, "det"))


# ----------------------------------------------------------------------------------------------
# Matrix functions.

# Padé coefficients b_0 .. b_m of exp, for the degrees used (Higham 2005).
_PADE = {
    3: (120.0, 60.0, 12.0, 1.0),
    5: (30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0),
    7: (17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0),
    9: (17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0, 2162160.0,
        110880.0, 3960.0, 90.0, 1.0),
    13: (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
         129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
         40840800.0, 960960.0, 16380.0, 182.0, 1.0),
}
# (degrees, the 1-norm bounds that select them, the bound of the highest degree)
_PADE_CHOICE = {
    "double": ((3, 5, 7, 9, 13), (1.495585217958292e-2, 2.539398330063230e-1,
                                  9.504178996162932e-1, 2.097847961257068e0),
               5.371920351148152),
    "single": ((3, 5, 7), (4.258730016922831e-1, 1.880152677804762e0), 3.925724783138660),
}


def _pade(a: Any, degree: int) -> tuple[Any, Any]:
    """(U, V): the odd and even parts of the degree-``degree`` Padé numerator at a."""
    b = _PADE[degree]
    eye = _eye_like(a)
    a2 = fnp.matmul(a, a)
    if degree < 13:
        powers = [eye, a2]
        while len(powers) <= degree // 2:
            powers.append(fnp.matmul(powers[-1], a2))
        odd_sum = sum(fnp.multiply(b[2 * i + 1], p) for i, p in enumerate(powers))
        even_sum = sum(fnp.multiply(b[2 * i], p) for i, p in enumerate(powers))
        return fnp.matmul(a, odd_sum), even_sum
    a4 = fnp.matmul(a2, a2)
    a6 = fnp.matmul(a4, a2)
    odd_high = fnp.matmul(a6, b[13] * a6 + b[11] * a4 + b[9] * a2)
    odd = fnp.matmul(a, odd_high + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    even_high = fnp.matmul(a6, b[12] * a6 + b[10] * a4 + b[8] * a2)
    even = even_high + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    return odd, even


def expm(A: ArrayLike, *, upper_triangular: bool = False, max_squarings: int = 16) -> Array:
    """The matrix exponential, by scaling and squaring with a Padé approximant (the degree
    and the number of squarings chosen from the 1-norm, as in JAX; NaNs when more than
    ``max_squarings`` squarings would be needed). Leading axes batch."""
    a = _square(A, "expm", "A")
    precision = "single" if dtype_of(a) in (np.float32, np.complex64) else "double"
    degrees, bounds, top = _PADE_CHOICE[precision]
    norm = stop_gradient(fnp.max(fnp.sum(fnp.abs(a), axis=-2), axis=-1))  # (batch)
    safe_norm = fnp.where(norm > 0, norm, top)  # (a zero matrix needs no squaring)
    squarings = fnp.maximum(0, fnp.floor(fnp.log2(fnp.divide(safe_norm, top))))
    scale = fnp.astype(fnp.power(2.0, squarings), dtype_of(a))
    scaled = fnp.divide(a, scale[..., None, None])
    scaled_norm = fnp.divide(norm, fnp.astype(fnp.power(2.0, squarings), dtype_of(norm)))
    which = fnp.digitize(scaled_norm, np.asarray(bounds, dtype_of(norm)))
    known = _known(which)
    if known is not None:  # one degree for all: compute only that one
        used = sorted({int(i) for i in np.ravel(known)})
    else:
        used = list(range(len(degrees)))
    numerator: Array | None = None
    denominator: Array | None = None
    for i in used:
        odd, even = _pade(scaled, degrees[i])
        p, q = fnp.add(odd, even), fnp.subtract(even, odd)
        if numerator is None or denominator is None:
            numerator, denominator = p, q
        else:
            pick = fnp.equal(which, i)[..., None, None]
            numerator = fnp.where(pick, p, numerator)
            denominator = fnp.where(pick, q, denominator)
    numerator, denominator = cast(Array, numerator), cast(Array, denominator)  # (used is not empty)
    if upper_triangular:
        r = _triangular_solve(denominator, numerator, left_side=True, lower=False)
    else:
        r = solve(denominator, numerator)
    steps = _known(squarings)
    steps = int(min(np.max(steps, initial=0), max_squarings)) if steps is not None else \
        int(max_squarings)
    for i in range(steps):
        r = fnp.where((squarings > i)[..., None, None], fnp.matmul(r, r), r)
    return fnp.where((squarings > max_squarings)[..., None, None], np.nan, r)


@overload
def expm_frechet(A: ArrayLike, E: ArrayLike, *, method: str | None = None,
                 compute_expm: Literal[True] = True) -> tuple[Array, Array]: ...
@overload
def expm_frechet(A: ArrayLike, E: ArrayLike, *, method: str | None = None,
                 compute_expm: Literal[False]) -> Array: ...
@overload
def expm_frechet(A: ArrayLike, E: ArrayLike, *, method: str | None = None,
                 compute_expm: bool = True) -> Array | tuple[Array, Array]: ...
def expm_frechet(A: ArrayLike, E: ArrayLike, *, method: str | None = None,
                 compute_expm: bool = True) -> Array | tuple[Array, Array]:
    """The Fréchet derivative of expm at A in the direction E (and expm(A) with
    ``compute_expm``), from the exponential of the block matrix [[A, E], [0, A]]."""
    if method not in (None, "SPS", "blockEnlarge"):
        raise ValueError(f"expm_frechet: unknown method {method!r} (expected 'SPS' or "
                         f"'blockEnlarge')")
    a = _square(A, "expm_frechet", "A")
    e = _square(E, "expm_frechet", "E")
    if shape_of(a) != shape_of(e):
        raise ValueError(f"expm_frechet: A and E must have the same shape, got "
                         f"{tuple(shape_of(a))} and {tuple(shape_of(e))}")
    dtype = np.result_type(dtype_of(a), dtype_of(e))
    a, e = fnp.astype(a, dtype), fnp.astype(e, dtype)
    n = shape_of(a)[-1]
    top = fnp.concatenate([a, e], axis=-1)
    bottom = fnp.concatenate([fnp.zeros_like(a), a], axis=-1)
    big = expm(fnp.concatenate([top, bottom], axis=-2))
    frechet = big[..., :n, n:]
    return (big[..., :n, :n], frechet) if compute_expm else frechet


def sqrtm(A: ArrayLike, blocksize: int = 1) -> Array:
    """The principal square root of square matrices, complex as in JAX (SciPy's Schur
    method). Its derivative solves a Sylvester equation (singular where A is)."""
    if not isinstance(blocksize, (int, np.integer)) or blocksize < 1:
        raise ValueError(f"sqrtm: the argument blocksize must be a positive integer, got "
                         f"{blocksize!r}")
    a = _square(A, "sqrtm", "A")
    _mf.require_scipy_linalg("funcad.scipy.linalg.sqrtm")
    complex_dtype = np.result_type(dtype_of(a), np.complex64)
    return _mf.sqrtm(fnp.astype(a, complex_dtype))


def solve_sylvester(A: ArrayLike, B: ArrayLike, C: ArrayLike, *,
                    method: Literal["schur", "eigen"] = "schur", tol: float = 1e-8) -> Array:
    """X with A X + X B = C (Bartels-Stewart, by SciPy); differentiable in A, B and C."""
    if method not in ("schur", "eigen"):
        raise ValueError(f"solve_sylvester: the argument method must be 'schur' or 'eigen', "
                         f"got {method!r}")
    _mf.require_scipy_linalg("funcad.scipy.linalg.solve_sylvester")
    a, b = _square(A, "solve_sylvester", "A"), _square(B, "solve_sylvester", "B")
    c = _inexact(C, "solve_sylvester", "C")
    dtype = np.result_type(dtype_of(a), dtype_of(b), dtype_of(c))
    a, b, c = (fnp.astype(x, dtype) for x in (a, b, c))
    batch = np.broadcast_shapes(*(tuple(shape_of(x))[:-2] for x in (a, b, c)))
    a, b, c = (fnp.broadcast_to(x, batch + tuple(shape_of(x))[-2:]) for x in (a, b, c))
    return _mf.sylvester(a, b, c)


# ----------------------------------------------------------------------------------------------
# Decompositions.


@overload
def eigh(a: ArrayLike, b: ArrayLike | None = None, lower: bool = True,
         eigvals_only: Literal[False] = False, overwrite_a: bool = False,
         overwrite_b: bool = False, turbo: bool = True, eigvals: None = None, type: int = 1,
         check_finite: bool = True) -> tuple[Array, Array]: ...
@overload
def eigh(a: ArrayLike, b: ArrayLike | None, lower: bool, eigvals_only: Literal[True],
         overwrite_a: bool = False,
         overwrite_b: bool = False, turbo: bool = True, eigvals: None = None, type: int = 1,
         check_finite: bool = True) -> Array: ...
@overload
def eigh(a: ArrayLike, b: ArrayLike | None = None, lower: bool = True, *,
         eigvals_only: Literal[True], overwrite_a: bool = False,
         overwrite_b: bool = False, turbo: bool = True, eigvals: None = None, type: int = 1,
         check_finite: bool = True) -> Array: ...
@overload
def eigh(a: ArrayLike, b: ArrayLike | None = None, lower: bool = True,
         eigvals_only: bool = False, overwrite_a: bool = False,
         overwrite_b: bool = False, turbo: bool = True, eigvals: None = None, type: int = 1,
         check_finite: bool = True) -> Array | tuple[Array, Array]: ...
def eigh(a: ArrayLike, b: ArrayLike | None = None, lower: bool = True,
         eigvals_only: bool = False, overwrite_a: bool = False,
         overwrite_b: bool = False, turbo: bool = True, eigvals: None = None, type: int = 1,
         check_finite: bool = True) -> Array | tuple[Array, Array]:
    """Eigenvalues (ascending) and eigenvectors of Hermitian a, reading its ``lower`` (or
    upper) triangle. With b (Hermitian positive definite), the generalized problem
    a v = w b v (type 1), reduced with b's Cholesky factor; JAX has no b."""
    if eigvals is not None:
        raise NotImplementedError("eigh: the argument eigvals (a subset) is not supported; "
                                  "slice the result instead")
    if type != 1:
        raise NotImplementedError(f"eigh: only type=1 is supported, got type={type!r}")
    a = _square(a, "eigh")
    if b is None:
        w, v = fnp.linalg.eigh(a, UPLO="L" if lower else "U", symmetrize_input=False)
        return w if eigvals_only else (w, v)
    b = _square(b, "eigh", "b")
    if shape_of(b)[-1] != shape_of(a)[-1]:
        raise ValueError(f"eigh: a (shape {tuple(shape_of(a))}) and b (shape "
                         f"{tuple(shape_of(b))}) must have the same size")
    dtype = np.result_type(dtype_of(a), dtype_of(b))
    a, b = _common_batch(fnp.astype(a, dtype), fnp.astype(b, dtype), 2, 2)
    a = _hermitian_from(a, lower)
    lo = _cholesky(_hermitian_from(b, lower))
    # C = L^{-1} a L^{-H}; C y = w y; v = L^{-H} y
    c = _triangular_solve(lo, a, left_side=True, lower=True)
    c = _triangular_solve(lo, c, left_side=False, lower=True, transpose_a=True,
                          conjugate_a=True)
    w, y = fnp.linalg.eigh(c, UPLO="L", symmetrize_input=True)
    if eigvals_only:
        return w
    v = _triangular_solve(lo, y, left_side=True, lower=True, transpose_a=True,
                          conjugate_a=True)
    return w, v


def _hermitian_from(a: Any, lower: bool) -> Any:
    """The Hermitian matrix whose ``lower`` (or upper) triangle a holds."""
    n = shape_of(a)[-1]
    strict = np.tri(n, k=-1, dtype=bool)
    if not lower:
        strict = strict.T
    part = fnp.where(strict, a, 0)
    diag = fnp.where(np.eye(n, dtype=bool), fnp.real(a) if dtype_of(a).kind == "c" else a, 0)
    return fnp.add(fnp.add(part, _mh(part)), diag)


@overload
def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: Literal[True] = True,
        overwrite_a: bool = False, check_finite: bool = True,
        lapack_driver: Literal["gesdd", "gesvd"] = "gesdd") -> tuple[Array, Array, Array]: ...
@overload
def svd(a: ArrayLike, full_matrices: bool, compute_uv: Literal[False],
        overwrite_a: bool = False, check_finite: bool = True,
        lapack_driver: Literal["gesdd", "gesvd"] = "gesdd") -> Array: ...
@overload
def svd(a: ArrayLike, full_matrices: bool = True, *, compute_uv: Literal[False],
        overwrite_a: bool = False, check_finite: bool = True,
        lapack_driver: Literal["gesdd", "gesvd"] = "gesdd") -> Array: ...
@overload
def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True,
        overwrite_a: bool = False, check_finite: bool = True,
        lapack_driver: Literal["gesdd", "gesvd"] = "gesdd"
        ) -> Array | tuple[Array, Array, Array]: ...
def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True,
        overwrite_a: bool = False, check_finite: bool = True,
        lapack_driver: Literal["gesdd", "gesvd"] = "gesdd"
        ) -> Array | tuple[Array, Array, Array]:
    """(U, s, Vh) with s descending, or s alone without ``compute_uv``."""
    if lapack_driver not in ("gesdd", "gesvd"):
        raise ValueError(f"svd: the argument lapack_driver must be 'gesdd' or 'gesvd', got "
                         f"{lapack_driver!r}")
    a = _inexact(a, "svd")
    if ndim_of(a) < 2:
        raise ValueError(f"svd: the argument a must be at least 2-dimensional, got shape "
                         f"{tuple(shape_of(a))}")
    out = fnp.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(out) if compute_uv else out


@overload
def qr(a: ArrayLike, overwrite_a: bool = False, lwork: Any = None,
       mode: Literal["full", "economic"] = "full", pivoting: bool = False,
       check_finite: bool = True) -> tuple[Array, Array]: ...
@overload
def qr(a: ArrayLike, overwrite_a: bool, lwork: Any, mode: Literal["r"],
       pivoting: bool = False, check_finite: bool = True) -> tuple[Array]: ...
@overload
def qr(a: ArrayLike, overwrite_a: bool = False, lwork: Any = None, *, mode: Literal["r"],
       pivoting: bool = False, check_finite: bool = True) -> tuple[Array]: ...
@overload
def qr(a: ArrayLike, overwrite_a: bool = False, lwork: Any = None, mode: str = "full",
       pivoting: bool = False,
       check_finite: bool = True) -> tuple[Array] | tuple[Array, Array]: ...
def qr(a: ArrayLike, overwrite_a: bool = False, lwork: Any = None, mode: str = "full",
       pivoting: bool = False,
       check_finite: bool = True) -> tuple[Array] | tuple[Array, Array]:
    """(q, r) of the QR decomposition: ``mode`` 'full' (q square), 'economic' (k = min(m, n)
    columns), 'r' (r alone, in a 1-tuple, as SciPy) or 'raw' (refused)."""
    if pivoting:
        raise NotImplementedError("qr: pivoting=True is not supported")
    if mode not in ("full", "economic", "r"):
        raise ValueError(f"qr: the argument mode must be 'full', 'economic' or 'r' ('raw' is "
                         f"not supported), got {mode!r}")
    a = _inexact(a, "qr")
    if ndim_of(a) < 2:
        raise ValueError(f"qr: the argument a must be at least 2-dimensional, got shape "
                         f"{tuple(shape_of(a))}")
    q, r = _qr(a, full_matrices=mode != "economic")
    return (r,) if mode == "r" else (q, r)


def qr_multiply(a: ArrayLike, c: ArrayLike, mode: Literal["right", "left"] = "right",
                pivoting: bool = False, conjugate: bool = False, overwrite_a: bool = False,
                overwrite_c: bool = False) -> tuple[Array, Array]:
    """(c @ Q, R) (mode 'right') or (Q @ c, R) ('left'), Q and R the economic QR factors
    of a (Q conjugated with ``conjugate``); a vector c is a row ('right') or column."""
    if mode not in ("right", "left"):
        raise ValueError(f"qr_multiply: the argument mode must be 'right' or 'left', got "
                         f"{mode!r}")
    if pivoting:
        raise NotImplementedError("qr_multiply: pivoting=True is not supported")
    q, r = qr(a, mode="economic")
    c = _inexact(c, "qr_multiply", "c")
    if conjugate and dtype_of(q).kind == "c":
        q = fnp.conj(q)
    size = shape_of(q)[-2] if mode == "right" else shape_of(q)[-1]
    axis = -1 if mode == "right" or ndim_of(c) == 1 else -2
    if ndim_of(c) < 1 or shape_of(c)[axis] != size:
        raise ValueError(f"qr_multiply: the argument c (shape {tuple(shape_of(c))}) does not "
                         f"fit Q (shape {tuple(shape_of(q))}) with mode {mode!r}")
    return (fnp.matmul(c, q) if mode == "right" else fnp.matmul(q, c)), r


def schur(a: ArrayLike,
          output: Literal["real", "complex", "r", "c"] = "real") -> tuple[Array, Array]:
    """(T, Z) with a = Z T Z^H: T upper triangular ('complex') or quasi-triangular with 2 x 2
    blocks for complex pairs ('real'). Values only: it has no derivative, as in JAX."""
    if output not in ("real", "complex", "r", "c"):
        raise ValueError(f"schur: the argument output must be 'real' or 'complex', got "
                         f"{output!r}")
    a = _square(a, "schur")
    _mf.require_scipy_linalg("funcad.scipy.linalg.schur")
    t, z = _mf.schur(a, output="complex" if output in ("complex", "c") else "real")
    return t, z


@overload
def hessenberg(a: ArrayLike, *, calc_q: Literal[False] = False, overwrite_a: bool = False,
               check_finite: bool = True) -> Array: ...
@overload
def hessenberg(a: ArrayLike, *, calc_q: Literal[True], overwrite_a: bool = False,
               check_finite: bool = True) -> tuple[Array, Array]: ...
@overload
def hessenberg(a: ArrayLike, *, calc_q: bool = False, overwrite_a: bool = False,
               check_finite: bool = True) -> Array | tuple[Array, Array]: ...
def hessenberg(a: ArrayLike, *, calc_q: bool = False, overwrite_a: bool = False,
               check_finite: bool = True) -> Array | tuple[Array, Array]:
    """H (upper Hessenberg) with a = Q H Q^H, and Q with ``calc_q``. No derivative, as in
    JAX."""
    a = _square(a, "hessenberg")
    _mf.require_scipy_linalg("funcad.scipy.linalg.hessenberg")
    out = _mf.hessenberg(a, calc_q=calc_q)
    return (out[0], out[1]) if calc_q else out[0]


def rsf2csf(T: ArrayLike, Z: ArrayLike, check_finite: bool = True) -> tuple[Array, Array]:
    """The complex Schur form (T, Z) from the real one: each 2 x 2 block of a complex pair
    is triangularised by a Givens rotation (the eigenvalue with positive imaginary part
    first, as SciPy's). Written with funcad operations; blocks are found with ``where``, so
    it stages and batches."""
    t, z = _square(T, "rsf2csf", "T"), _square(Z, "rsf2csf", "Z")
    if shape_of(t) != shape_of(z):
        raise ValueError(f"rsf2csf: T and Z must have the same shape, got "
                         f"{tuple(shape_of(t))} and {tuple(shape_of(z))}")
    dtype = np.result_type(dtype_of(t), dtype_of(z), np.complex64)
    t, z = fnp.astype(t, dtype), fnp.astype(z, dtype)
    n = shape_of(t)[-1]
    eps = np.finfo(dtype).eps
    for m in range(n - 1, 0, -1):
        a, b = t[..., m - 1, m - 1], t[..., m - 1, m]
        c, d = t[..., m, m - 1], t[..., m, m]
        block = fnp.abs(c) > eps * (fnp.abs(a) + fnp.abs(d))
        half = fnp.divide(fnp.subtract(a, d), 2)
        # (square roots of safe values off the blocks, so no NaN reaches a derivative)
        discriminant = fnp.add(fnp.multiply(half, half), fnp.multiply(b, c))
        root = fnp.sqrt(fnp.where(block, discriminant, 1))
        root = fnp.where(fnp.imag(root) < 0, fnp.negative(root), root)
        mu = fnp.add(half, root)  # an eigenvalue of the block, minus d
        r = fnp.sqrt(fnp.where(block, fnp.add(fnp.real(fnp.multiply(mu, fnp.conj(mu))),
                                              fnp.real(fnp.multiply(c, fnp.conj(c)))), 1))
        cos, sin = fnp.divide(mu, r), fnp.divide(c, r)
        g = fnp.stack([fnp.stack([fnp.conj(cos), sin], -1),
                       fnp.stack([fnp.negative(sin), cos], -1)], -2)  # (..., 2, 2)
        rows = fnp.matmul(g, t[..., m - 1:m + 1, :])
        rotated = fnp.concatenate([t[..., :m - 1, :], rows, t[..., m + 1:, :]], axis=-2)
        cols = fnp.matmul(rotated[..., :, m - 1:m + 1], _mh(g))
        rotated = fnp.concatenate([rotated[..., :, :m - 1], cols, rotated[..., :, m + 1:]],
                                  axis=-1)
        rotated = fnp.where((np.arange(n)[:, None] == m) & (np.arange(n)[None, :] == m - 1),
                            0, rotated)
        zcols = fnp.matmul(z[..., :, m - 1:m + 1], _mh(g))
        rotated_z = fnp.concatenate([z[..., :, :m - 1], zcols, z[..., :, m + 1:]], axis=-1)
        t = fnp.where(block[..., None, None], rotated, t)
        z = fnp.where(block[..., None, None], rotated_z, z)
    return t, z


@overload
def funm(A: ArrayLike, func: Callable[[Array], ArrayLike],
         disp: Literal[True] = True) -> Array: ...
@overload
def funm(A: ArrayLike, func: Callable[[Array], ArrayLike],
         disp: Literal[False]) -> tuple[Array, Array]: ...
@overload
def funm(A: ArrayLike, func: Callable[[Array], ArrayLike],
         disp: bool = True) -> Array | tuple[Array, Array]: ...
def funm(A: ArrayLike, func: Callable[[Array], ArrayLike],
         disp: bool = True) -> Array | tuple[Array, Array]:
    """func(A) for a function func of complex arrays applied to the eigenvalues: the complex
    Schur form T, F with diag(F) = func(diag(T)) and F T = T F solved diagonal by diagonal
    (Parlett's recurrence), then Z F Z^H. Complex, as JAX's. With ``disp`` false also an
    error estimate. Values only: the Schur form has no derivative."""
    a = _square(A, "funm", "A")
    t, z = schur(a, output="complex")
    n = shape_of(t)[-1]
    diag = fnp.diagonal(t, axis1=-2, axis2=-1)
    f = fnp.multiply(fnp.astype(func(diag), dtype_of(t))[..., None, :], _eye_like(t))
    gaps = fnp.subtract(diag[..., None, :], diag[..., :, None])  # T[j, j] - T[i, i]
    for p in range(1, n):
        band = np.eye(n, k=p, dtype=bool)
        numerator = fnp.subtract(fnp.matmul(t, f), fnp.matmul(f, t))
        # a zero gap (a repeated eigenvalue) leaves the numerator undivided, as SciPy's
        divisor = fnp.where(band & (gaps != 0), gaps, 1)
        f = fnp.where(band, fnp.divide(numerator, divisor), f)
    out = fnp.matmul(z, fnp.matmul(f, _mh(z)))
    if disp:
        return out
    upper = np.triu(np.ones((n, n), dtype=bool), 1)
    minden = fnp.min(fnp.where(upper, fnp.abs(gaps), np.inf), axis=(-2, -1)) if n > 1 else \
        fnp.asarray(np.inf)
    tol = np.finfo(np.result_type(dtype_of(out), np.float32)).eps
    minden = fnp.where(minden == 0, tol, minden)
    strict = fnp.max(fnp.sum(fnp.abs(fnp.where(upper, t, 0)), axis=-2), axis=-1)
    err = fnp.minimum(1, fnp.maximum(tol, fnp.multiply(fnp.divide(tol, minden), strict)))
    err = fnp.where(fnp.any(fnp.isinf(out)), np.inf, err)
    return out, err


def polar(a: ArrayLike, side: Literal["right", "left"] = "right", *,
          method: Literal["qdwh", "svd"] = "qdwh", eps: float | None = None,
          max_iterations: int | None = None) -> tuple[Array, Array]:
    """(u, p): a = u p (side 'right') or p u ('left'), u with orthonormal columns and p
    Hermitian positive semi-definite, from the SVD (both methods give that result)."""
    if side not in ("right", "left"):
        raise ValueError(f"polar: the argument side must be 'right' or 'left', got {side!r}")
    if method not in ("qdwh", "svd"):
        raise ValueError(f"polar: the argument method must be 'qdwh' or 'svd', got {method!r}")
    a = _inexact(a, "polar")
    if ndim_of(a) < 2:
        raise ValueError(f"polar: the argument a must be a matrix (or a stack), got shape "
                         f"{tuple(shape_of(a))}")
    u_, s, vh = fnp.linalg.svd(a, full_matrices=False)
    unitary = fnp.matmul(u_, vh)
    if side == "right":
        vs = fnp.multiply(_mh(vh), fnp.astype(s, dtype_of(a))[..., None, :])
        return unitary, fnp.matmul(vs, vh)
    us = fnp.multiply(u_, fnp.astype(s, dtype_of(a))[..., None, :])
    return unitary, fnp.matmul(us, _mh(u_))


@overload
def eigh_tridiagonal(d: ArrayLike, e: ArrayLike, *, eigvals_only: Literal[False] = False,
                     select: Literal["a", "i", "v"] = "a",
                     select_range: tuple[float, float] | None = None, tol: float | None = None,
                     key: Any = None) -> tuple[Array, Array]: ...
@overload
def eigh_tridiagonal(d: ArrayLike, e: ArrayLike, *, eigvals_only: Literal[True],
                     select: Literal["a", "i", "v"] = "a",
                     select_range: tuple[float, float] | None = None, tol: float | None = None,
                     key: Any = None) -> Array: ...
@overload
def eigh_tridiagonal(d: ArrayLike, e: ArrayLike, *, eigvals_only: bool = False,
                     select: Literal["a", "i", "v"] = "a",
                     select_range: tuple[float, float] | None = None, tol: float | None = None,
                     key: Any = None) -> Array | tuple[Array, Array]: ...
def eigh_tridiagonal(d: ArrayLike, e: ArrayLike, *, eigvals_only: bool = False,
                     select: Literal["a", "i", "v"] = "a",
                     select_range: tuple[float, float] | None = None, tol: float | None = None,
                     key: Any = None) -> Array | tuple[Array, Array]:
    """Eigenvalues (ascending; and eigenvectors unless ``eigvals_only``) of the real
    symmetric (or complex Hermitian) tridiagonal matrix with diagonal d and off-diagonal e.
    ``select`` 'a' (all) or 'i' (indices select_range[0] through select_range[1])."""
    d, e = as_operand(d), as_operand(e)
    if ndim_of(d) != 1 or ndim_of(e) != 1 or shape_of(e)[0] != max(shape_of(d)[0] - 1, 0):
        raise ValueError(f"eigh_tridiagonal: d must be a vector of n values and e of n - 1, "
                         f"got shapes {tuple(shape_of(d))} and {tuple(shape_of(e))}")
    if select not in ("a", "i", "v"):
        raise ValueError(f"eigh_tridiagonal: the argument select must be 'a', 'i' or 'v', got "
                         f"{select!r}")
    if select == "v":
        raise NotImplementedError("eigh_tridiagonal: select='v' is not implemented (its "
                                  "output size depends on the values); use select='i'")
    n = shape_of(d)[0]
    dtype = np.result_type(dtype_of(d), dtype_of(e), np.float32 if dtype_of(d).kind in "fc"
                           else np.float64)
    d, e = fnp.astype(d, dtype), fnp.astype(e, dtype)
    if n == 1:
        matrix = fnp.reshape(d, (1, 1))
    else:
        upper = fnp.conj(e) if dtype.kind == "c" else e
        matrix = fnp.add(fnp.add(fnp.diag(d), fnp.diag(e, -1)), fnp.diag(upper, 1))
    w, v = fnp.linalg.eigh(matrix, UPLO="L", symmetrize_input=False)
    if select == "i":
        if select_range is None:
            raise ValueError("eigh_tridiagonal: select='i' needs select_range=(low, high)")
        low, high = (int(i) for i in select_range)
        if not 0 <= low <= high < n:
            raise ValueError(f"eigh_tridiagonal: select_range {select_range!r} is out of "
                             f"range for {n} eigenvalues")
        w, v = w[low:high + 1], v[:, low:high + 1]
    return w if eigvals_only else (w, v)
