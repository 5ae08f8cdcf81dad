"""dot_general (every tensor contraction: matmul, dot, tensordot, einsum), and the
decompositions and solves whose derivatives need their own rules: svd, eigh
(symmetric/Hermitian), cholesky, triangular_solve, lu, qr and eig (and householder_qr, qr's
packed form, with no derivative). LAPACK kernels come from NumPy where it has them and from
SciPy (an optional extra, loaded on first use) otherwise.

Each primitive: implementation, shape/dtype rule, VJP, JVP and batching rule in one place.

``dimension_numbers = ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch))`` names the
axes summed over and the axes paired elementwise. The output's axes are, in order: the batch
axes, the remaining ("free") axes of lhs, the free axes of rhs. This is JAX's convention.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from typing import Any, Sequence

import numpy as np

from funcad.core import Primitive, ShapedArray, dtype_of, shape_of
from funcad.primitives.elementwise import abs as absolute
from funcad.primitives.elementwise import (
    add,
    conj,
    div,
    eq,
    imag,
    mul,
    neg,
    real,
    real_dtype,
    select,
    sub,
    ufunc_result_dtype,
)
from funcad.primitives.elementwise import complex as make_complex
from funcad.primitives.indexing import ArrayIndex, Slice, concatenate, getitem, index_update
from funcad.primitives.reductions import reduce_max
from funcad.primitives.shape import (
    batch_axes_to_front,
    batch_size_of,
    move_batch_axis,
    reduce_sum,
    reshape,
    stop_gradient,
    transpose,
    unbroadcast,
    zeros_like_shape,
)
from funcad.rules import batching_rules, defjvp, defjvp_all, defvjp, defvjp_all

__all__ = [
    "dot_general_p", "dot_general", "svd_p", "svd", "eigh_p", "eigh", "scipy_installed",
    "require_scipy_linalg", "lapack_kernel", "cholesky_p", "cholesky", "triangular_solve_p",
    "triangular_solve", "lu_p", "lu", "lu_factors", "lu_solve", "permute_rows",
    "linear_solve_p", "linear_solve", "qr_p", "qr", "eig_p", "eig", "householder_qr_p",
    "householder_qr", "batch_matmul", "batch_transpose",
]


DimensionNumbers = tuple[tuple[tuple[int, ...], tuple[int, ...]], tuple[tuple[int, ...], ...]]


def _free_axes(ndim: int, contract: Sequence[int], batch: Sequence[int]) -> list[int]:
    used = set(contract) | set(batch)
    return [i for i in range(ndim) if i not in used]


dot_general_p = Primitive("dot_general")
dot_general_p.output_buffer = "fresh"
dot_general_p.multilinear = True


@dot_general_p.def_impl
def _dot_general_impl(x: Any, y: Any, *, dimension_numbers: DimensionNumbers) -> Any:
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    x = np.asarray(x)
    y = np.asarray(y)
    if not x_batch:
        if x.ndim == 2 and y.ndim == 2 and len(x_contract) == 1:
            # BLAS reads transposed views directly: no copies for any of the 4 layouts.
            a = x if x_contract[0] == 1 else x.T
            b = y if y_contract[0] == 0 else y.T
            return np.dot(a, b)
        if x_contract == (x.ndim - 1,) and y_contract == (0,) and y.ndim <= 2:
            return np.dot(x, y)  # matrix-vector and friends: straight to BLAS
        return np.tensordot(x, y, (list(x_contract), list(y_contract)))
    # Batched: move axes to (batch, free, contract) x (batch, contract, free) and matmul.
    x_free = _free_axes(x.ndim, x_contract, x_batch)
    y_free = _free_axes(y.ndim, y_contract, y_batch)
    xt = x.transpose(list(x_batch) + x_free + list(x_contract))
    yt = y.transpose(list(y_batch) + list(y_contract) + y_free)
    batch_shape = xt.shape[: len(x_batch)]
    x_free_shape = xt.shape[len(x_batch): len(x_batch) + len(x_free)]
    y_free_shape = yt.shape[len(y_batch) + len(y_contract):]
    m = math.prod(x_free_shape)
    n = math.prod(y_free_shape)
    if not x_contract:  # nothing to sum: a batched outer product, by broadcasting
        out = np.multiply(xt.reshape(batch_shape + (m, 1)), yt.reshape(batch_shape + (1, n)))
        return out.reshape(batch_shape + x_free_shape + y_free_shape)
    k = math.prod(x.shape[i] for i in x_contract)
    out = np.matmul(xt.reshape(batch_shape + (m, k)), yt.reshape(batch_shape + (k, n)))
    return out.reshape(batch_shape + x_free_shape + y_free_shape)


def _dot_general_expression(sources, params, avals):
    """``np.dot`` of two matrices (either of them transposed, a view BLAS reads directly),
    for generated code; other contractions call the implementation."""
    (x_contract, y_contract), (x_batch, _) = params["dimension_numbers"]
    x, y = avals
    if (x_batch or len(x_contract) != 1 or len(x.shape) != 2 or len(y.shape) != 2
            or x.weak_type or y.weak_type):
        return None
    a = sources[0] if x_contract == (1,) else f"{sources[0]}.T"
    b = sources[1] if y_contract == (0,) else f"{sources[1]}.T"
    return f"np.dot({a}, {b})"


dot_general_p.expression = _dot_general_expression


@dot_general_p.def_abstract_eval
def _dot_general_abstract_eval(x: ShapedArray, y: ShapedArray, *,
                               dimension_numbers: DimensionNumbers) -> ShapedArray:
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    for a, b in zip(x_contract, y_contract):
        if x.shape[a] != y.shape[b]:
            raise ValueError(
                f"dot_general: contracting axis {a} of the left operand (shape {x.shape}) has "
                f"size {x.shape[a]} but contracting axis {b} of the right operand (shape "
                f"{y.shape}) has size {y.shape[b]}."
            )
    for a, b in zip(x_batch, y_batch):
        if x.shape[a] != y.shape[b]:
            raise ValueError(
                f"dot_general: batch axis {a} of the left operand (shape {x.shape}) and batch "
                f"axis {b} of the right operand (shape {y.shape}) differ in size."
            )
    shape = (
        tuple(x.shape[i] for i in x_batch)
        + tuple(x.shape[i] for i in _free_axes(len(x.shape), x_contract, x_batch))
        + tuple(y.shape[i] for i in _free_axes(len(y.shape), y_contract, y_batch))
    )
    return ShapedArray(shape, ufunc_result_dtype(np.multiply, (x, y)))


def dot_general(x: Any, y: Any, dimension_numbers: Any) -> Any:
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    dims = ((tuple(int(i) for i in x_contract), tuple(int(i) for i in y_contract)),
            (tuple(int(i) for i in x_batch), tuple(int(i) for i in y_batch)))
    return dot_general_p.bind(x, y, dimension_numbers=dims)


def _dot_general_vjp_lhs(g: Any, ans: Any, x: Any, y: Any, *,
                         dimension_numbers: DimensionNumbers, swap_ans: bool = False) -> Any:
    """The cotangent of x: contract g with y over y's free axes (batching over the batch
    axes), which leaves x's batch, free and contracting axes; then put them in x's order."""
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    x_ndim, y_ndim = len(shape_of(x)), len(shape_of(y))
    x_free = _free_axes(x_ndim, x_contract, x_batch)
    y_free = _free_axes(y_ndim, y_contract, y_batch)
    n_batch = len(x_batch)
    # Where the batch / x-free / y-free axes sit in g (ans's layout, or swapped for rhs).
    g_batch = list(range(n_batch))
    if swap_ans:
        g_y_free = list(range(n_batch, n_batch + len(y_free)))
    else:
        g_y_free = list(range(n_batch + len(x_free), n_batch + len(x_free) + len(y_free)))
    dims = ((tuple(g_y_free), tuple(y_free)), (tuple(g_batch), tuple(y_batch)))
    # Result layout: batch, x-free (g's remaining axes), then y's remaining (= contracting)
    # axes in y's order; map back to x's axis order.
    y_contract_order = sorted(range(len(y_contract)), key=lambda i: y_contract[i])
    x_contract_by_y = [x_contract[i] for i in y_contract_order]
    result_axes_in_x = list(x_batch) + x_free + x_contract_by_y
    cotangent = transpose(dot_general(g, y, dims), np.argsort(result_axes_in_x))
    return unbroadcast(x, cotangent)  # (only casts: mixed-dtype products)


def _dot_general_vjp_rhs(g: Any, ans: Any, x: Any, y: Any, *,
                         dimension_numbers: DimensionNumbers) -> Any:
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    swapped = ((y_contract, x_contract), (y_batch, x_batch))
    return _dot_general_vjp_lhs(g, ans, y, x, dimension_numbers=swapped, swap_ans=True)


defvjp(dot_general_p, _dot_general_vjp_lhs, _dot_general_vjp_rhs)


# ----------------------------------------------------------------------------------------------
# Forward mode (bilinear: one term per argument) and batching (the batch axis becomes one more
# batch dimension of the contraction, or a free axis when only one operand is batched).

defjvp(dot_general_p,
       lambda t, ans, x, y, *, dimension_numbers: dot_general(t, y, dimension_numbers),
       lambda t, ans, x, y, *, dimension_numbers: dot_general(x, t, dimension_numbers))


def _batch_dot_general(values, batch_axes, *, dimension_numbers):
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    x, y = values
    x_axis, y_axis = batch_axes
    size = batch_size_of(values, batch_axes)

    def shift(dims):
        return tuple(d + 1 for d in dims)

    if x_axis is not None and y_axis is not None:
        x = move_batch_axis(x, x_axis, 0, size)
        y = move_batch_axis(y, y_axis, 0, size)
        dims = ((shift(x_contract), shift(y_contract)),
                ((0,) + shift(x_batch), (0,) + shift(y_batch)))
        return dot_general(x, y, dims), 0
    if x_axis is not None:
        x = move_batch_axis(x, x_axis, 0, size)
        dims = ((shift(x_contract), y_contract), (shift(x_batch), y_batch))
        return dot_general(x, y, dims), len(x_batch)  # first free axis of x
    y = move_batch_axis(y, y_axis, 0, size)
    dims = ((x_contract, shift(y_contract)), (x_batch, shift(y_batch)))
    x_free = len(shape_of(x)) - len(x_contract) - len(x_batch)
    return dot_general(x, y, dims), len(x_batch) + x_free  # first free axis of y


batching_rules[dot_general_p] = _batch_dot_general


# ----------------------------------------------------------------------------------------------
# Decompositions: svd and eigh.
#
# Both act on the last two axes, the leading ones batch (as in numpy.linalg), so the batching
# rule only moves the batch axis to the front. The derivative rules are written with the
# primitives above, so they differentiate again. A complex cotangent pairs with a tangent as
# Re(sum(g * t)) (JAX's convention); with <a, b> = Re(sum(conj(a) * b)) the usual adjoints of
# the literature, the VJP of a linear map L is g -> conj(L*(conj(g))), which is how the VJP
# rules below are written: by hand, not by transposing the JVP (that needs funcad.ad, which
# sits above the primitives, and would trace the JVP at every backward step).
#
# Where two eigenvalues (or singular values) are equal, the eigenvectors (singular vectors)
# are not unique and have no derivative. The rules then take the coupling between the two
# as zero (instead of JAX's inf/nan): eigenvalues, singular values, and whatever depends only
# on whole eigenspaces (projectors, reconstructions, norms) still get their right derivative.
# Nearly equal values give large, correct derivatives of the vectors.


_LINALG_DTYPES = {np.dtype(t): (np.dtype(t), real_dtype(np.dtype(t)))
                  for t in (np.float32, np.float64, np.complex64, np.complex128)}


def _linalg_dtypes(dtype: np.dtype, name: str) -> tuple[np.dtype, np.dtype]:
    """(dtype of the vectors, dtype of the values) for an input dtype, as numpy.linalg does."""
    known = _LINALG_DTYPES.get(dtype)
    if known is not None:
        return known
    if dtype.kind in "biu":
        return np.dtype(np.float64), np.dtype(np.float64)
    raise TypeError(f"{name}: array type {dtype.name} is unsupported in linalg")


def _check_matrices(aval: ShapedArray, name: str, square: bool) -> None:
    if len(aval.shape) < 2:
        raise np.linalg.LinAlgError(
            f"{name}: {len(aval.shape)}-dimensional array given. Array must be at least "
            f"two-dimensional")
    if square and aval.shape[-1] != aval.shape[-2]:
        raise np.linalg.LinAlgError(
            f"{name}: last 2 dimensions of the array must be square, got shape {aval.shape}")


def _mm(a: Any, b: Any) -> Any:
    """Batched matrix product of (..., m, k) and (..., k, n) with the same leading axes."""
    nd = len(shape_of(a))
    batch = tuple(range(nd - 2))
    return dot_general(a, b, (((nd - 1,), (nd - 2,)), (batch, batch)))


def _t(x: Any) -> Any:
    nd = len(shape_of(x))
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


# (the short names keep the rules' formulas on one line; the long ones serve other modules)
batch_matmul, batch_transpose = _mm, _t


def _cj(x: Any) -> Any:
    return conj(x) if dtype_of(x).kind == "c" else x


def _h(x: Any) -> Any:
    return _cj(_t(x))


def _re(x: Any) -> Any:
    return real(x) if dtype_of(x).kind == "c" else x


def _rows(v: Any) -> Any:
    """A (..., k) vector as a (..., 1, k) row, to scale the columns of a matrix."""
    shape = tuple(shape_of(v))
    return reshape(v, shape[:-1] + (1, shape[-1]))


def _cols(v: Any) -> Any:
    """A (..., k) vector as a (..., k, 1) column, to scale the rows of a matrix."""
    return reshape(v, tuple(shape_of(v)) + (1,))


@functools.lru_cache(maxsize=64)
def _constant_mask(kind: str, n: int, dtype: np.dtype) -> np.ndarray:
    """A read-only (n, n) constant the rules use at every call, built once per shape: the
    identity ("eye"), the strict lower triangle ("strict"), or the strict lower triangle with
    halves on the diagonal ("phi", the weights of ``_phi`` for real matrices)."""
    if kind == "eye":
        out = np.eye(n, dtype=dtype)
    elif kind == "strict":
        out = np.tri(n, k=-1, dtype=dtype)
    else:
        out = np.tri(n, k=-1, dtype=dtype) + np.eye(n, dtype=dtype) * dtype.type(0.5)
    out.setflags(write=False)
    return out


def _diag(x: Any) -> Any:
    """The diagonal (..., k) of square matrices (..., k, k)."""
    k = shape_of(x)[-1]
    return reduce_sum(mul(x, _constant_mask("eye", k, np.dtype(real_dtype(dtype_of(x))))),
                      (len(shape_of(x)) - 1,))


def _diag_matrix(v: Any) -> Any:
    k = shape_of(v)[-1]
    return mul(_rows(v), _constant_mask("eye", k, np.dtype(dtype_of(v))))


def _cols_slice(x: Any, start: int, stop: int | None) -> Any:
    return getitem(x, (Ellipsis, Slice(start, stop, None)))


def _rows_slice(x: Any, start: int, stop: int | None) -> Any:
    return getitem(x, (Ellipsis, Slice(start, stop, None), Slice(None, None, None)))


def _safe_reciprocal_gaps(d: Any) -> Any:
    """1 / d where d != 0, else 0, with no inf or nan in either the value or its derivative
    (the double select keeps the derivative of the reciprocal away from d == 0)."""
    zero = eq(d, 0)
    one = np.ones((), dtype_of(d))
    return select(zero, np.zeros((), dtype_of(d)), div(one, select(zero, one, d)))


def _pairwise_gaps(v: Any) -> Any:
    """F with F[..., i, j] = 1 / (v_j - v_i) for v_i != v_j, and 0 where they are equal
    (the diagonal included)."""
    return _safe_reciprocal_gaps(sub(_rows(v), _cols(v)))


def _batch_decomposition(primitive: Primitive) -> Any:
    def rule(values, batch_axes, **params):
        (a,) = batch_axes_to_front(values, batch_axes)
        outs = primitive.bind(a, **params)
        return outs, [0] * len(outs)

    return rule


# eigh ------------------------------------------------------------------------------------------

eigh_p = Primitive("eigh", multiple_results=True)
eigh_p.output_buffer = "fresh"


@eigh_p.def_impl
def _eigh_impl(a: Any, *, lower: bool) -> list[Any]:
    w, v = np.linalg.eigh(a, UPLO="L" if lower else "U")
    return [w, v]


@eigh_p.def_abstract_eval
def _eigh_abstract_eval(a: ShapedArray, *, lower: bool) -> list[ShapedArray]:
    _check_matrices(a, "eigh", square=True)
    vectors, values = _linalg_dtypes(a.dtype, "eigh")
    return [ShapedArray(a.shape[:-1], values), ShapedArray(a.shape, vectors)]


def eigh(a: Any, lower: bool = True) -> list[Any]:
    """[eigenvalues (ascending), eigenvectors (columns)] of the Hermitian matrices whose lower
    (or upper) triangle ``a`` holds: the other strict triangle is not read, nor the imaginary
    part of the diagonal, and the derivatives follow that reading."""
    return eigh_p.bind(a, lower=bool(lower))


def _triangle_masks(n: int, lower: bool) -> tuple[np.ndarray, np.ndarray]:
    strict = _constant_mask("strict", n, np.dtype(bool))
    return (strict if lower else strict.T), _constant_mask("eye", n, np.dtype(bool))


def _hermitian_from_triangle(a: Any, lower: bool) -> Any:
    """The Hermitian matrix eigh reads from ``a``: the strict triangle, its conjugate
    transpose, and the real part of the diagonal."""
    strict, diagonal = _triangle_masks(shape_of(a)[-1], lower)
    zero = np.zeros((), dtype_of(a))
    part = select(strict, a, zero)
    diag = select(diagonal, _re(a), np.zeros((), real_dtype(dtype_of(a))))
    return add(add(part, _h(part)), diag)


def _hermitian_from_triangle_vjp(g: Any, lower: bool) -> Any:
    """The transpose of ``_hermitian_from_triangle`` under Re(sum(g * t))."""
    if np.dtype(dtype_of(g)).kind == "f":  # one product: (g + g^T) halved on the diagonal
        weights = _constant_mask("phi", shape_of(g)[-1], np.dtype(dtype_of(g)))
        return mul(add(g, _t(g)), weights if lower else weights.T)
    strict, diagonal = _triangle_masks(shape_of(g)[-1], lower)
    zero = np.zeros((), dtype_of(g))
    part = select(strict, add(g, _h(g)), zero)
    return add(part, select(diagonal, _re(g), np.zeros((), real_dtype(dtype_of(g)))))


def _eigh_jvp(tangents, ans, args, params):
    (da,) = tangents
    w, v = ans
    x = _mm(_h(v), _mm(_hermitian_from_triangle(da, params["lower"]), v))
    dw = _re(_diag(x))
    dv = _mm(v, mul(_pairwise_gaps(w), x))
    return [dw, dv]


def _eigh_vjp(cotangent, ans, args, params, wanted):
    gw, gv = cotangent
    w, v = ans
    inner = add(_diag_matrix(gw), mul(_pairwise_gaps(w), _mm(_t(v), gv)))
    g = _mm(_cj(v), _mm(inner, _t(v)))
    (a,) = args
    return [unbroadcast(a, _hermitian_from_triangle_vjp(g, params["lower"]))]


defjvp_all(eigh_p, _eigh_jvp)
defvjp_all(eigh_p, _eigh_vjp)
batching_rules[eigh_p] = _batch_decomposition(eigh_p)


# svd -------------------------------------------------------------------------------------------

svd_p = Primitive("svd", multiple_results=True)
svd_p.output_buffer = "fresh"


@svd_p.def_impl
def _svd_impl(a: Any, *, full_matrices: bool, compute_uv: bool) -> list[Any]:
    if not compute_uv:
        return [np.linalg.svd(a, compute_uv=False)]
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return [u, s, vh]


@svd_p.def_abstract_eval
def _svd_abstract_eval(a: ShapedArray, *, full_matrices: bool,
                       compute_uv: bool) -> list[ShapedArray]:
    _check_matrices(a, "svd", square=False)
    vectors, values = _linalg_dtypes(a.dtype, "svd")
    full_shape = tuple(a.shape)
    batch, (m, n) = full_shape[:-2], full_shape[-2:]
    k = min(m, n)
    s = ShapedArray(batch + (k,), values)
    if not compute_uv:
        return [s]
    u_cols, vh_rows = (m, n) if full_matrices else (k, k)
    return [ShapedArray(batch + (m, u_cols), vectors), s,
            ShapedArray(batch + (vh_rows, n), vectors)]


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True) -> list[Any]:
    """[U, s, Vh] (s descending, a == U[..., :k] * s @ Vh[..., :k, :]), or [s] when
    ``compute_uv`` is false."""
    return svd_p.bind(a, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))


def _reduced(u: Any, vh: Any) -> tuple[Any, Any]:
    """The first k = min(m, n) columns of U and rows of Vh."""
    m, n = shape_of(u)[-2], shape_of(vh)[-1]
    k = min(m, n)
    if shape_of(u)[-1] != k:
        u = _cols_slice(u, 0, k)
    if shape_of(vh)[-2] != k:
        vh = _rows_slice(vh, 0, k)
    return u, vh


def _svd_factors(a: Any, ans: Any, params: dict) -> tuple[Any, Any, Any]:
    """(U, s, V) of the reduced decomposition (computed again when compute_uv was false)."""
    if params["compute_uv"]:
        u, s, vh = ans
    else:
        u, s, vh = svd(a, full_matrices=False, compute_uv=True)
    u, vh = _reduced(u, vh)
    return u, s, _h(vh)


def _svd_jvp(tangents, ans, args, params):
    (da,) = tangents
    (a,) = args
    u, s, v = _svd_factors(a, ans, params)
    x = _mm(_h(u), _mm(da, v))  # (..., k, k)
    ds = _re(_diag(x))
    if not params["compute_uv"]:
        return [ds]
    m, n = shape_of(a)[-2:]
    f = _pairwise_gaps(mul(s, s))  # 1 / (s_j^2 - s_i^2)
    s_inv = _safe_reciprocal_gaps(s)
    xs = mul(x, _rows(s))  # X S
    du = _mm(u, mul(f, add(xs, _h(xs))))
    if dtype_of(x).kind == "c":  # the phase of each pair (u_i, v_i) is free: Im part only
        du = add(du, mul(u, _rows(mul(sub(_diag(x), _cj(_diag(x))), mul(s_inv, 0.5)))))
    sx = mul(_cols(s), x)  # S X
    dv = _mm(v, mul(f, add(sx, _h(sx))))
    if m > n:
        dav = _mm(da, v)
        du = add(du, mul(sub(dav, _mm(u, _mm(_h(u), dav))), _rows(s_inv)))
    if n > m:
        dahu = _mm(_h(da), u)
        dv = add(dv, mul(sub(dahu, _mm(v, _mm(_h(v), dahu))), _rows(s_inv)))
    u_full, _, vh_full = ans
    if params["full_matrices"] and m > n:  # the complement turns with U, in no new direction
        u_perp = _cols_slice(u_full, n, None)
        du = concatenate([du, neg(_mm(u, _mm(_h(du), u_perp)))], len(shape_of(du)) - 1)
    if params["full_matrices"] and n > m:
        v_perp = _h(_rows_slice(vh_full, m, None))
        dv = concatenate([dv, neg(_mm(v, _mm(_h(dv), v_perp)))], len(shape_of(dv)) - 1)
    return [du, ds, _h(dv)]


def _svd_vjp(cotangent, ans, args, params, wanted):
    (a,) = args
    u, s, v = _svd_factors(a, ans, params)
    if not params["compute_uv"]:
        (gs,) = cotangent
        g = _mm(_cj(u), mul(_cols(gs), _t(v)))
        return [unbroadcast(a, g)]
    gu, gs, gvh = cotangent
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    # The adjoint (Hermitian pairing) of the JVP, applied to conj(cotangents), conjugated.
    bu = _cj(gu)  # (..., m, m or k)
    bv = _t(gvh)  # conj(gvh)^H
    if params["full_matrices"] and m > n:
        u_full = ans[0]
        u_perp = _cols_slice(u_full, n, None)
        bu = sub(_cols_slice(bu, 0, k), _mm(u_perp, _mm(_h(_cols_slice(bu, n, None)), u)))
    elif shape_of(bu)[-1] != k:
        bu = _cols_slice(bu, 0, k)
    if params["full_matrices"] and n > m:
        v_perp = _h(_rows_slice(ans[2], m, None))
        bv = sub(_cols_slice(bv, 0, k), _mm(v_perp, _mm(_h(_cols_slice(bv, m, None)), v)))
    elif shape_of(bv)[-1] != k:
        bv = _cols_slice(bv, 0, k)
    f = _pairwise_gaps(mul(s, s))
    s_inv = _safe_reciprocal_gaps(s)
    uhb = _mm(_h(u), bu)
    g1 = mul(f, uhb)
    g2 = mul(f, _mm(_h(v), bv))
    xbar = add(_diag_matrix(gs), add(mul(add(g1, _h(g1)), _rows(s)),
                                      mul(_cols(s), add(g2, _h(g2)))))
    if dtype_of(uhb).kind == "c":
        kd = mul(_diag(uhb), s_inv)
        xbar = add(xbar, _diag_matrix(mul(sub(kd, _cj(kd)), 0.5)))
    abar = _mm(u, _mm(xbar, _h(v)))
    if m > n:
        p = sub(bu, _mm(u, uhb))  # (I - U U^H) bu
        abar = add(abar, _mm(mul(p, _rows(s_inv)), _h(v)))
    if n > m:
        q = sub(bv, _mm(v, _mm(_h(v), bv)))  # (I - V V^H) bv
        abar = add(abar, _mm(mul(u, _rows(s_inv)), _h(q)))
    return [unbroadcast(a, _cj(abar))]


defjvp_all(svd_p, _svd_jvp)
defvjp_all(svd_p, _svd_vjp)
batching_rules[svd_p] = _batch_decomposition(svd_p)


# ----------------------------------------------------------------------------------------------
# SciPy (LAPACK) kernels, loaded on first use: SciPy is an optional extra.

SCIPY_INSTALLED = importlib.util.find_spec("scipy") is not None
_scipy_linalg: Any = None


def scipy_installed() -> bool:
    """Whether SciPy can be loaded (without loading it)."""
    return SCIPY_INSTALLED


def require_scipy_linalg(name: str) -> Any:
    """scipy.linalg (loaded on first use), or an ImportError naming the extra that installs
    it."""
    global _scipy_linalg
    if _scipy_linalg is None:
        if not SCIPY_INSTALLED:
            raise ImportError(f"{name} needs SciPy, which is not installed: install funcad "
                              f"with its scipy extra, pip install 'funcad[scipy]'")
        _scipy_linalg = importlib.import_module("scipy.linalg")
    return _scipy_linalg


def lapack_kernel(name: str, dtype: np.dtype, needed_by: str | None = None) -> Any:
    """SciPy's BLAS or LAPACK routine ``name`` ('trsm', 'getrf', 'potrf'...) for ``dtype``,
    looked up once: SciPy's lookup costs more than the routine itself on a 3x3 matrix.
    Without SciPy, an ImportError names the function ``needed_by`` it."""
    if not SCIPY_INSTALLED:
        require_scipy_linalg(needed_by or name)
    return _lapack_kernel(name, dtype)


@functools.lru_cache(maxsize=None)
def _lapack_kernel(name: str, dtype: np.dtype) -> Any:
    scipy_linalg = require_scipy_linalg(name)
    if hasattr(scipy_linalg.blas, "d" + name):  # (BLAS names its routines dtrsm, ztrsm...)
        return scipy_linalg.blas.get_blas_funcs(name, dtype=dtype)
    return scipy_linalg.lapack.get_lapack_funcs(name, dtype=dtype)


def _tri_mask(m: int, n: int, lower: bool, k: int = 0) -> np.ndarray:
    """The entries of an (m, n) matrix on and below (lower) or above diagonal k."""
    if lower:
        return np.tri(m, n, k, dtype=bool)
    return ~np.tri(m, n, k - 1, dtype=bool)


def _masked(x: Any, mask: np.ndarray) -> Any:
    return select(mask, x, np.zeros((), dtype_of(x)))


def _batch_shape(x: Any) -> tuple[int, ...]:
    return tuple(shape_of(x))[:-2]


def _constant(value: np.ndarray, batch: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(value, batch + value.shape)


# cholesky --------------------------------------------------------------------------------------
#
# The lower factor L of A = L L^H, reading the lower triangle of A (as LAPACK's potrf with
# UPLO='L'). A matrix that is not positive definite gives NaNs, as in JAX, not an error.

cholesky_p = Primitive("cholesky")
cholesky_p.output_buffer = "fresh"


@cholesky_p.def_impl
def _cholesky_impl(a: Any) -> Any:
    if a.ndim == 2 and 0 < a.shape[-1] < 64 and a.dtype.kind in "fc" and SCIPY_INSTALLED:
        # One small matrix: potrf directly (NumPy's wrapper costs five times as much on a
        # 3x3; large matrices keep NumPy's LAPACK).
        # It is given a^T, a Fortran-ordered view, to factor as U^H U with U = L^T; it reads
        # the upper triangle of a^T, the lower triangle of a, and zeroes the other.
        factor, info = lapack_kernel("potrf", a.dtype)(a.T, lower=0)
        if info != 0:  # not positive definite (or NaN): as JAX, NaN on and below the diagonal
            return np.where(np.tri(a.shape[-1], dtype=bool), np.nan, 0).astype(a.dtype)
        return factor.T
    try:
        return np.linalg.cholesky(a)
    except np.linalg.LinAlgError:  # some matrix is not positive definite: NaNs there
        out = np.empty_like(a, dtype=np.result_type(a.dtype, np.float64)
                            if a.dtype.kind in "biu" else a.dtype)
        for index in np.ndindex(a.shape[:-2]):
            try:
                out[index] = np.linalg.cholesky(a[index])
            except np.linalg.LinAlgError:  # as JAX: NaN on and below the diagonal
                out[index] = np.where(np.tri(a.shape[-1], dtype=bool), np.nan, 0)
        return out


@cholesky_p.def_abstract_eval
def _cholesky_abstract_eval(a: ShapedArray) -> ShapedArray:
    _check_matrices(a, "cholesky", square=True)
    vectors, _ = _linalg_dtypes(a.dtype, "cholesky")
    return ShapedArray(a.shape, vectors)


def cholesky(a: Any) -> Any:
    """The lower Cholesky factor of the Hermitian positive definite matrices whose lower
    triangle ``a`` holds (NaNs where a matrix is not positive definite)."""
    return cholesky_p.bind(a)


def _phi(x: Any) -> Any:
    """The strictly lower triangle plus half the real part of the diagonal."""
    n = shape_of(x)[-1]
    if np.dtype(dtype_of(x)).kind == "f":  # one product with constant weights
        return mul(x, _constant_mask("phi", n, np.dtype(dtype_of(x))))
    half_diag = mul(_diag_matrix(_re(_diag(x))), 0.5)
    return add(_masked(x, _constant_mask("strict", n, np.dtype(bool))), half_diag)


def _cholesky_jvp(tangents, ans, args, params):
    (da,) = tangents
    lo = ans
    dh = _hermitian_from_triangle(da, True)
    x = triangular_solve(lo, dh, left_side=True, lower=True)  # L^{-1} dA
    x = triangular_solve(lo, x, left_side=False, lower=True, transpose_a=True,
                         conjugate_a=True)  # L^{-1} dA L^{-H}
    return _mm(lo, _phi(x))


# From this order on the Cholesky VJP forms L^T Lbar by blocks, skipping the upper triangle.
CHOLESKY_VJP_BLOCKED_FROM = 256


def _lower_of_lt_product(lo: Any, g: Any) -> Any:
    """A matrix whose lower triangle is that of L^T g (its upper triangle is not): for L and
    g lower triangular in effect (the lower triangle of L^T g reads only g's), in 2 x 2 blocks
    of which the upper right one is skipped: four half-size products, half the flops."""
    n = shape_of(lo)[-1]
    if n < CHOLESKY_VJP_BLOCKED_FROM:
        return _mm(_t(lo), g)
    h = n // 2
    lo_top, lo_bottom = _rows_slice(lo, 0, h), _rows_slice(lo, h, None)
    g_top, g_bottom = _rows_slice(g, 0, h), _rows_slice(g, h, None)
    l11, l21, l22 = (_cols_slice(lo_top, 0, h), _cols_slice(lo_bottom, 0, h),
                     _cols_slice(lo_bottom, h, None))
    g11, g21, g22 = (_cols_slice(g_top, 0, h), _cols_slice(g_bottom, 0, h),
                     _cols_slice(g_bottom, h, None))
    c11 = add(_mm(_t(l11), g11), _mm(_t(l21), g21))
    c21, c22 = _mm(_t(l22), g21), _mm(_t(l22), g22)
    axis = len(shape_of(c11)) - 1
    c12 = _constant(np.zeros((h, n - h), dtype_of(c11)), _batch_shape(c11))
    return concatenate([concatenate([c11, c12], axis), concatenate([c21, c22], axis)],
                       axis - 1)


def _lower_times_conj_inverse(p: Any, lo: Any) -> Any:
    """p conj(L)^-1 for p and L lower triangular, so the answer is: in 2 x 2 blocks for large
    matrices, three half-size solves and one product instead of a full solve."""
    n = shape_of(lo)[-1]
    if n < CHOLESKY_VJP_BLOCKED_FROM:
        return triangular_solve(lo, p, left_side=False, lower=True, conjugate_a=True)
    h = n // 2
    lo_bottom, p_top, p_bottom = _rows_slice(lo, h, None), _rows_slice(p, 0, h), \
        _rows_slice(p, h, None)
    l11, l21, l22 = (_cols_slice(_rows_slice(lo, 0, h), 0, h), _cols_slice(lo_bottom, 0, h),
                     _cols_slice(lo_bottom, h, None))
    x11 = triangular_solve(l11, _cols_slice(p_top, 0, h), left_side=False, lower=True,
                           conjugate_a=True)
    x22 = triangular_solve(l22, _cols_slice(p_bottom, h, None), left_side=False, lower=True,
                           conjugate_a=True)
    x21 = triangular_solve(l11, sub(_cols_slice(p_bottom, 0, h), _mm(x22, _cj(l21))),
                           left_side=False, lower=True, conjugate_a=True)
    axis = len(shape_of(x11)) - 1
    x12 = _constant(np.zeros((h, n - h), dtype_of(x11)), _batch_shape(x11))
    return concatenate([concatenate([x11, x12], axis), concatenate([x21, x22], axis)],
                       axis - 1)


def _cholesky_vjp(cotangent, ans, args, params, wanted):
    lo = ans
    g_x = _phi(_lower_of_lt_product(lo, cotangent))
    g_x = _lower_times_conj_inverse(g_x, lo)
    g_dh = triangular_solve(lo, g_x, left_side=True, lower=True, transpose_a=True)
    (a,) = args
    return [unbroadcast(a, _hermitian_from_triangle_vjp(g_dh, True))]


defjvp_all(cholesky_p, _cholesky_jvp)
defvjp_all(cholesky_p, _cholesky_vjp)
batching_rules[cholesky_p] = lambda values, batch_axes: (
    cholesky_p.bind(batch_axes_to_front(values, batch_axes)[0]), 0)


# triangular_solve ------------------------------------------------------------------------------
#
# As jax.lax.linalg.triangular_solve: with M = op(a) (the triangle of a that ``lower`` names,
# its diagonal taken as ones with ``unit_diagonal``, transposed with ``transpose_a``,
# conjugated with ``conjugate_a``), solve M x = b (``left_side``) or x M = b. a is
# (..., m, m); b is (..., m, n) on the left, (..., n, m) on the right, the same leading axes.

triangular_solve_p = Primitive("triangular_solve")
triangular_solve_p.output_buffer = "fresh"


def _solve_left(a: Any, b: Any, lower: bool, transpose_a: bool, conjugate_a: bool,
                unit_diagonal: bool) -> Any:
    """x with op(a) x = b, by BLAS's trsm (SciPy), or NumPy's solve without SciPy."""
    conj_only = conjugate_a and not transpose_a and a.dtype.kind == "c"
    if conj_only:  # conj(a) x = b  <=>  a conj(x) = conj(b)
        b = np.conj(b)
    trans = (2 if conjugate_a else 1) if transpose_a else 0
    if SCIPY_INSTALLED:
        x = _trsm_loop(a, b, trans, lower, unit_diagonal)
    else:
        n = a.shape[-1]
        tri = np.where(_tri_mask(n, n, lower), a, 0)
        if unit_diagonal:
            tri = np.where(np.eye(n, dtype=bool), 1, tri)
        if transpose_a:
            tri = np.swapaxes(tri, -1, -2)
            if conjugate_a:
                tri = np.conj(tri)
        try:
            x = np.linalg.solve(tri, b)
        except np.linalg.LinAlgError:  # singular, with NumPy alone: NaNs
            x = np.full(b.shape, np.nan, np.result_type(a.dtype, b.dtype))
    return np.conj(x) if conj_only else x


def _trsm_loop(a: Any, b: Any, trans: int, lower: bool, unit_diagonal: bool) -> Any:
    """op(a)^-1 b by BLAS's trsm, one matrix at a time: no singularity check, so a zero on
    the diagonal gives infinities and NaNs (as in JAX) instead of an error (BLAS raises no
    floating-point warnings). BLAS reads Fortran order, so it is given the transposes, which
    are views of C-ordered arrays, and solves x^T op(a)^T = b^T: the same flags on the right
    side, the other triangle."""
    dtype = a.dtype if a.dtype == b.dtype else np.result_type(a.dtype, b.dtype)
    a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
    trsm = lapack_kernel("trsm", dtype)
    flags = dict(side=1, lower=int(not lower), trans_a=trans, diag=int(unit_diagonal))
    if b.ndim == 2:  # one matrix: BLAS's Fortran-ordered answer, transposed, is C-ordered
        return trsm(1.0, a.T, b.T, **flags).T
    out = np.empty(b.shape, dtype)
    for index in np.ndindex(b.shape[:-2]):
        out[index] = trsm(1.0, a[index].T, b[index].T, **flags).T
    return out


@triangular_solve_p.def_impl
def _triangular_solve_impl(a: Any, b: Any, *, left_side: bool, lower: bool,
                           transpose_a: bool, conjugate_a: bool, unit_diagonal: bool) -> Any:
    if (a.ndim == 2 and b.ndim == 2 and a.dtype == b.dtype and a.dtype.kind == "f"
            and a.size and b.size and SCIPY_INSTALLED):
        # One real matrix, the common case, straight to trsm (see _trsm_loop): op(a) x = b
        # is x^T op(a)^T = b^T, and x op(a) = b is op(a)^T x^T = b^T, with a^T and b^T the
        # Fortran-ordered views BLAS reads.
        return lapack_kernel("trsm", a.dtype)(
            1.0, a.T, b.T, side=int(left_side), lower=int(not lower),
            trans_a=int(transpose_a), diag=int(unit_diagonal)).T
    if a.dtype == b.dtype and a.dtype.kind in "fc":
        dtype = a.dtype
    else:
        dtype = np.result_type(a.dtype, b.dtype, np.float32 if a.dtype.kind in "fc" and
                               b.dtype.kind in "fc" else np.float64)
    if a.size == 0 or b.size == 0:
        return np.zeros(b.shape, dtype)
    if left_side:
        x = _solve_left(a, b, lower, transpose_a, conjugate_a, unit_diagonal)
    else:  # x M = b  <=>  M^T x^T = b^T
        x = np.swapaxes(_solve_left(a, np.swapaxes(b, -1, -2), lower, not transpose_a,
                                    conjugate_a, unit_diagonal), -1, -2)
    return x.astype(dtype, copy=False)


@triangular_solve_p.def_abstract_eval
def _triangular_solve_abstract_eval(a: ShapedArray, b: ShapedArray, *, left_side: bool,
                                    lower: bool, transpose_a: bool, conjugate_a: bool,
                                    unit_diagonal: bool) -> ShapedArray:
    _check_triangular_solve(a, b, left_side)
    a_dtype, _ = _linalg_dtypes(a.dtype, "triangular_solve")
    b_dtype, _ = _linalg_dtypes(b.dtype, "triangular_solve")
    return ShapedArray(b.shape, np.result_type(a_dtype, b_dtype))


def _check_triangular_solve(a: Any, b: Any, left_side: bool) -> None:
    a_shape, b_shape = tuple(shape_of(a)), tuple(shape_of(b))
    _check_matrices(ShapedArray(a_shape, np.dtype(np.float64)), "triangular_solve", square=True)
    if len(b_shape) < 2:
        raise ValueError(f"triangular_solve: the argument b must be at least 2-dimensional, "
                         f"got shape {b_shape}")
    m = a_shape[-1]
    if a_shape[:-2] != b_shape[:-2]:
        raise ValueError(f"triangular_solve: the arguments a and b must have the same leading "
                         f"(batch) dimensions, got shapes {a_shape} and {b_shape}")
    side = b_shape[-2] if left_side else b_shape[-1]
    if side != m:
        raise ValueError(f"triangular_solve: the argument b (shape {b_shape}) must have {m} "
                         f"{'rows' if left_side else 'columns'} to match a (shape {a_shape})")


def triangular_solve(a: Any, b: Any, *, left_side: bool = False, lower: bool = False,
                     transpose_a: bool = False, conjugate_a: bool = False,
                     unit_diagonal: bool = False) -> Any:
    """x with op(a) x = b (``left_side``) or x op(a) = b, a triangular (see above)."""
    _check_triangular_solve(a, b, left_side)
    return triangular_solve_p.bind(a, b, left_side=bool(left_side), lower=bool(lower),
                                   transpose_a=bool(transpose_a),
                                   conjugate_a=bool(conjugate_a),
                                   unit_diagonal=bool(unit_diagonal))


def _read_triangle(x: Any, lower: bool, unit_diagonal: bool) -> Any:
    """The part of x that triangular_solve reads."""
    n = shape_of(x)[-1]
    return _masked(x, _tri_mask(n, n, lower, (-1 if lower else 1) if unit_diagonal else 0))


def _op(x: Any, transpose_a: bool, conjugate_a: bool) -> Any:
    x = _t(x) if transpose_a else x
    return _cj(x) if conjugate_a else x


def _triangular_solve_jvp(tangents, ans, args, params):
    da, db = tangents
    a, b = args
    rhs = db
    if da is not None:
        dm = _op(_read_triangle(da, params["lower"], params["unit_diagonal"]),
                 params["transpose_a"], params["conjugate_a"])
        term = _mm(dm, ans) if params["left_side"] else _mm(ans, dm)
        rhs = neg(term) if rhs is None else sub(rhs, term)
    return triangular_solve_p.bind(a, rhs, **params)


def _triangular_solve_vjp(cotangent, ans, args, params, wanted):
    a, b = args
    transposed = dict(params, transpose_a=not params["transpose_a"])
    gb = triangular_solve_p.bind(a, cotangent, **transposed)  # g M^{-T} or M^{-T} g
    ga = None
    if wanted[0] is not None:
        gm = neg(_mm(gb, _t(ans)) if params["left_side"] else _mm(_t(ans), gb))
        ga = _read_triangle(_op(gm, params["transpose_a"], params["conjugate_a"]),
                            params["lower"], params["unit_diagonal"])
        ga = unbroadcast(a, ga)
    return [ga, unbroadcast(b, gb)]


defjvp_all(triangular_solve_p, _triangular_solve_jvp)
defvjp_all(triangular_solve_p, _triangular_solve_vjp)


def _batch_triangular_solve(values, batch_axes, **params):
    a, b = batch_axes_to_front(values, batch_axes)
    return triangular_solve_p.bind(a, b, **params), 0


batching_rules[triangular_solve_p] = _batch_triangular_solve


# lu --------------------------------------------------------------------------------------------
#
# As jax.lax.linalg.lu: [lu, pivots, permutation] with a[permutation] == L @ U, L unit lower
# (m, k) and U upper (k, n), k = min(m, n), both packed in lu; pivots (..., k) are LAPACK's
# row interchanges (0-based), permutation (..., m) the rows they amount to (int32 both).
# Singular matrices factor without error (zeros on U's diagonal).

lu_p = Primitive("lu", multiple_results=True)
lu_p.output_buffer = "fresh"


def _permutation_from_pivots(pivots: np.ndarray, m: int) -> np.ndarray:
    """The rows (..., m) that LAPACK's interchanges (..., k), applied in order, amount to."""
    if pivots.ndim == 1:  # one matrix: swaps on a list beat array indexing for small k
        rows = list(range(m))
        for i, j in enumerate(pivots.tolist()):
            rows[i], rows[j] = rows[j], rows[i]
        return np.array(rows, np.int32)
    permutation = np.broadcast_to(np.arange(m, dtype=np.int32), pivots.shape[:-1] + (m,)).copy()
    for i in range(pivots.shape[-1]):
        j = pivots[..., i:i + 1]
        row_i = permutation[..., i:i + 1].copy()
        permutation[..., i:i + 1] = np.take_along_axis(permutation, j, axis=-1)
        np.put_along_axis(permutation, j, row_i, axis=-1)
    return permutation


@lu_p.def_impl
def _lu_impl(a: Any) -> list[Any]:
    """LAPACK's getrf, one matrix at a time. Each factor is left in Fortran order, as getrf
    returns it, so that getrs (linear_solve) reads it without a copy."""
    full_shape = tuple(a.shape)
    batch, (m, n) = full_shape[:-2], full_shape[-2:]
    k = min(m, n)
    dtype, _ = _linalg_dtypes(a.dtype, "lu")
    if a.size == 0:
        lu = np.zeros(a.shape, dtype)
        pivots = np.broadcast_to(np.arange(k, dtype=np.int32), batch + (k,)).copy()
        return [lu, pivots, _permutation_from_pivots(pivots, m)]
    getrf = lapack_kernel("getrf", dtype, "lu")
    if a.dtype != dtype:
        a = a.astype(dtype)
    if not batch:  # (singular matrices factor too: getrf's info > 0 only flags them)
        lu, pivots, _ = getrf(a)
        if pivots.dtype != np.int32:
            pivots = pivots.astype(np.int32)
    else:
        lu_transposed = np.empty(batch + (n, m), dtype)
        pivots = np.empty(batch + (k,), np.int32)
        for index in np.ndindex(*batch):
            factor, pivots[index], _ = getrf(a[index])
            lu_transposed[index] = factor.T
        lu = np.swapaxes(lu_transposed, -1, -2)
    return [lu, pivots, _permutation_from_pivots(pivots, m)]


@lu_p.def_abstract_eval
def _lu_abstract_eval(a: ShapedArray) -> list[ShapedArray]:
    _check_matrices(a, "lu", square=False)
    dtype, _ = _linalg_dtypes(a.dtype, "lu")
    full_shape = tuple(a.shape)
    batch, (m, n) = full_shape[:-2], full_shape[-2:]
    return [ShapedArray(a.shape, dtype), ShapedArray(batch + (min(m, n),), np.dtype(np.int32)),
            ShapedArray(batch + (m,), np.dtype(np.int32))]


def lu(a: Any) -> list[Any]:
    """[lu, pivots, permutation] of the LU decomposition with partial pivoting (see above)."""
    return lu_p.bind(a)


def lu_factors(lu_packed: Any) -> tuple[Any, Any]:
    """(L, U) padded to square (m, m) and (n, n) with identity blocks, so both are
    invertible triangles: L unit lower, U upper."""
    full_shape = tuple(shape_of(lu_packed))
    batch, (m, n) = full_shape[:-2], full_shape[-2:]
    k = min(m, n)
    dtype = dtype_of(lu_packed)
    lo = _masked(_cols_slice(lu_packed, 0, k) if n > k else lu_packed, np.tri(m, k, -1,
                                                                              dtype=bool))
    if m > k:
        lo = concatenate([lo, _constant(np.zeros((m, m - k), dtype), batch)], len(batch) + 1)
    lo = add(lo, np.eye(m, dtype=dtype))
    up = _masked(_rows_slice(lu_packed, 0, k) if m > k else lu_packed,
                 _tri_mask(k, n, lower=False))
    if n > k:
        tail = np.concatenate([np.zeros((n - k, k), dtype), np.eye(n - k, dtype=dtype)], 1)
        up = concatenate([up, _constant(tail, batch)], len(batch))
    return lo, up


def _lu_jvp(tangents, ans, args, params):
    (da,) = tangents
    lu_packed, _, permutation = ans
    m, n = shape_of(lu_packed)[-2:]
    lo, up = lu_factors(lu_packed)
    x = permute_rows(da, permutation)
    x = triangular_solve(lo, x, left_side=True, lower=True, unit_diagonal=True)
    x = triangular_solve(up, x, left_side=False, lower=False)  # L^{-1} P^T da U^{-1}
    dlu = add(_mm(lo, _masked(x, np.tri(m, n, -1, dtype=bool))),
              _mm(_masked(x, _tri_mask(m, n, lower=False)), up))
    return [dlu, None, None]


def _lu_vjp(cotangent, ans, args, params, wanted):
    g = cotangent[0]
    lu_packed, _, permutation = ans
    m, n = shape_of(lu_packed)[-2:]
    lo, up = lu_factors(lu_packed)
    gx = add(_masked(_mm(_t(lo), g), np.tri(m, n, -1, dtype=bool)),
             _masked(_mm(g, _t(up)), _tri_mask(m, n, lower=False)))
    gx = triangular_solve(up, gx, left_side=False, lower=False, transpose_a=True)
    gx = triangular_solve(lo, gx, left_side=True, lower=True, transpose_a=True,
                          unit_diagonal=True)
    (a,) = args
    return [unbroadcast(a, permute_rows(gx, permutation, inverse=True))]


defjvp_all(lu_p, _lu_jvp)
defvjp_all(lu_p, _lu_vjp)
batching_rules[lu_p] = _batch_decomposition(lu_p)


def _row_index(permutation: Any) -> tuple[tuple, list[Any]]:
    """The indexer and index arrays that pick rows permutation[..., i] of (..., n, k)."""
    batch = tuple(shape_of(permutation))[:-1]
    arrays = [np.arange(size).reshape((size,) + (1,) * (len(batch) - i))
              for i, size in enumerate(batch)] + [permutation]
    indexer = tuple(ArrayIndex(i) for i in range(len(arrays))) + (Slice(None, None, None),)
    return indexer, arrays


def permute_rows(b: Any, permutation: Any, inverse: bool = False) -> Any:
    """b[..., permutation, :] (a gather), or with ``inverse`` the x with
    x[..., permutation, :] == b (a scatter); permutation (..., n) has b's leading axes."""
    indexer, arrays = _row_index(permutation)
    if inverse:
        return index_update(zeros_like_shape(b), b, indexer, "set", *arrays)
    return getitem(b, indexer, *arrays)


def lu_solve(lu_packed: Any, permutation: Any, b: Any, transpose: bool = False) -> Any:
    """x with a x = b (or a^T x = b with ``transpose``) from the LU factors of the square
    matrices a, for (..., n, k) right-hand sides with a's leading axes."""
    if not transpose:  # a[permutation] = L U
        x = triangular_solve(lu_packed, permute_rows(b, permutation), left_side=True,
                             lower=True, unit_diagonal=True)
        return triangular_solve(lu_packed, x, left_side=True, lower=False)
    x = triangular_solve(lu_packed, b, left_side=True, lower=False, transpose_a=True)
    x = triangular_solve(lu_packed, x, left_side=True, lower=True, transpose_a=True,
                         unit_diagonal=True)
    return permute_rows(x, permutation, inverse=True)


# linear_solve ----------------------------------------------------------------------------------
#
# x = a^-1 b (a^-T b with ``transpose``) for square a (..., n, n) and b (..., n, k) with the
# same leading axes. The optional operands are a's LU factors [lu, pivots] from lu: solves
# with the same a then share one factorisation (the forward solve and the transposed one of
# its VJP), without NumPy's refactorising solve when SciPy is missing. The factors carry no
# derivative: the rules differentiate x in a and b directly, from
#     dx = a^-1 (db - da x),    so   bbar = a^-T xbar,   abar = -bbar x^T,
# which costs two triangular solves per reverse step where the LU factors' own rule costs an
# O(n^3) pass. (With ``transpose``: dx = a^-T (db - da^T x), bbar = a^-1 xbar,
# abar = -x bbar^T.) The factors are constants to the rules, the matrix a is not, so the rules
# differentiate again. Singular matrices give infinities and NaNs, as in JAX.

linear_solve_p = Primitive("linear_solve")
linear_solve_p.output_buffer = "fresh"

# Stacks of matrices smaller than this are solved by NumPy's vectorised solve, which beats a
# Python loop of getrs calls on stored factors.
_GETRS_STACKED_FROM = 64


def _getrs(lu_packed: Any, pivots: Any, b: Any, transpose: bool) -> Any:
    getrs = lapack_kernel("getrs", b.dtype, "solve")
    if b.ndim == 2:
        return getrs(lu_packed, pivots, b, trans=int(transpose))[0]
    out = np.empty(b.shape, b.dtype)
    for index in np.ndindex(b.shape[:-2]):
        out[index] = getrs(lu_packed[index], pivots[index], b[index], trans=int(transpose))[0]
    return out


@linear_solve_p.def_impl
def _linear_solve_impl(a: Any, b: Any, *factors: Any, transpose: bool) -> Any:
    dtype = a.dtype if a.dtype == b.dtype else np.result_type(a.dtype, b.dtype)
    b = b.astype(dtype, copy=False)
    if b.size == 0:
        return np.zeros(b.shape, dtype)
    if factors and (b.ndim == 2 or a.shape[-1] >= _GETRS_STACKED_FROM):
        lu_packed, pivots = factors
        return _getrs(lu_packed.astype(dtype, copy=False), pivots, b, transpose)
    matrix = np.swapaxes(a, -1, -2) if transpose else a
    try:
        return np.linalg.solve(matrix.astype(dtype, copy=False), b)
    except np.linalg.LinAlgError:  # some matrix is singular: infinities and NaNs, as JAX
        if not SCIPY_INSTALLED:
            return np.full(b.shape, np.nan, dtype)
        lu_packed, pivots = factors if factors else _lu_impl(a)[:2]
        return _getrs(lu_packed.astype(dtype, copy=False), pivots, b, transpose)


@linear_solve_p.def_abstract_eval
def _linear_solve_abstract_eval(a: ShapedArray, b: ShapedArray, *factors: ShapedArray,
                                transpose: bool) -> ShapedArray:
    a_dtype, _ = _linalg_dtypes(a.dtype, "solve")
    b_dtype, _ = _linalg_dtypes(b.dtype, "solve")
    return ShapedArray(b.shape, np.result_type(a_dtype, b_dtype))


def linear_solve(a: Any, b: Any, factors: Sequence[Any] = (), transpose: bool = False) -> Any:
    """a^-1 b (a^-T b with ``transpose``) for (..., n, n) a and (..., n, k) b with the same
    leading axes; ``factors``, if given, are a's [lu, pivots] (see above)."""
    _check_triangular_solve(a, b, left_side=True)
    return linear_solve_p.bind(a, b, *(stop_gradient(f) for f in factors),
                               transpose=bool(transpose))


def _linear_solve_jvp(tangents, ans, args, params):
    da, db = tangents[:2]
    a, _, *factors = args
    rhs = db
    if da is not None:
        term = _mm(_t(da) if params["transpose"] else da, ans)
        rhs = neg(term) if rhs is None else sub(rhs, term)
    return linear_solve_p.bind(a, rhs, *factors, **params)


def _linear_solve_vjp(cotangent, ans, args, params, wanted):
    a, _, *factors = args
    gb = linear_solve_p.bind(a, cotangent, *factors, transpose=not params["transpose"])
    ga = None
    if wanted[0] is not None:
        ga = neg(_mm(ans, _t(gb)) if params["transpose"] else _mm(gb, _t(ans)))
    return [ga, gb] + [None] * len(factors)


def _batch_linear_solve(values, batch_axes, **params):
    return linear_solve_p.bind(*batch_axes_to_front(values, batch_axes), **params), 0


defjvp_all(linear_solve_p, _linear_solve_jvp)
defvjp_all(linear_solve_p, _linear_solve_vjp)
batching_rules[linear_solve_p] = _batch_linear_solve


# qr --------------------------------------------------------------------------------------------
#
# [q, r] with a == q @ r, q with orthonormal columns, r upper triangular (numpy.linalg.qr's
# 'reduced' or, with full_matrices, 'complete'). Derivatives: for m >= n in reduced form (and
# square complete), the standard rule; for m < n, the square left block A1 = Q R1 by that rule
# and R2 = Q^H A2. Complete tall matrices have no derivative rule (as in JAX): Q's extra
# columns are not determined by a.

qr_p = Primitive("qr", multiple_results=True)
qr_p.output_buffer = "fresh"


@qr_p.def_impl
def _qr_impl(a: Any, *, full_matrices: bool) -> list[Any]:
    dtype, _ = _linalg_dtypes(a.dtype, "qr")
    q, r = np.linalg.qr(a.astype(dtype, copy=False), mode="complete" if full_matrices
                        else "reduced")
    return [q, r]


@qr_p.def_abstract_eval
def _qr_abstract_eval(a: ShapedArray, *, full_matrices: bool) -> list[ShapedArray]:
    _check_matrices(a, "qr", square=False)
    dtype, _ = _linalg_dtypes(a.dtype, "qr")
    full_shape = tuple(a.shape)
    batch, (m, n) = full_shape[:-2], full_shape[-2:]
    k = m if full_matrices else min(m, n)
    return [ShapedArray(batch + (m, k), dtype), ShapedArray(batch + (k, n), dtype)]


def qr(a: Any, full_matrices: bool = False) -> list[Any]:
    """[q, r] of the QR decompositions of the matrices in ``a`` (see above)."""
    return qr_p.bind(a, full_matrices=bool(full_matrices))


def _qr_check(a: Any, params: dict) -> None:
    m, n = shape_of(a)[-2:]
    if params["full_matrices"] and m > n:
        raise NotImplementedError(
            "qr: no derivative for the complete decomposition of a tall matrix (its extra "
            "columns of q are not determined by a); use full_matrices=False (mode='reduced')")


def _qr_square_jvp(q: Any, r: Any, dx: Any) -> tuple[Any, Any]:
    """(dq, dr) for a (..., m, n) with m >= n in reduced form."""
    n = shape_of(r)[-1]
    b = triangular_solve(r, dx, left_side=False, lower=False)  # dx R^{-1}
    c = _mm(_h(q), b)
    low = _masked(c, np.tri(n, n, -1, dtype=bool))
    d = sub(low, _h(low))  # skew-Hermitian
    if dtype_of(c).kind == "c":  # the free phases: the imaginary part of the diagonal
        d = add(d, _masked(sub(c, real(c)), np.eye(n, dtype=bool)))
    return add(_mm(q, sub(d, c)), b), _mm(sub(c, d), r)


def _qr_square_vjp(q: Any, r: Any, gq: Any, gr: Any) -> Any:
    """The transpose of ``_qr_square_jvp`` (pairing Re(sum(g * t)))."""
    n = shape_of(r)[-1]
    grt = _mm(gr, _t(r))
    qtgq = _mm(_t(q), gq)
    gc = sub(grt, qtgq)
    gd = sub(qtgq, grt)
    g_low = sub(gd, _h(gd))
    if dtype_of(gd).kind == "c":
        gc = add(gc, _masked(sub(gd, real(gd)), np.eye(n, dtype=bool)))
    gc = add(gc, _masked(g_low, np.tri(n, n, -1, dtype=bool)))
    gb = add(gq, _mm(_cj(q), gc))
    return triangular_solve(r, gb, left_side=False, lower=False, transpose_a=True)


def _qr_jvp(tangents, ans, args, params):
    (da,) = tangents
    (a,) = args
    _qr_check(a, params)
    q, r = ans
    m, n = shape_of(a)[-2:]
    if m >= n:
        return list(_qr_square_jvp(q, r, da))
    r1, r2 = _cols_slice(r, 0, m), _cols_slice(r, m, None)
    dq, dr1 = _qr_square_jvp(q, r1, _cols_slice(da, 0, m))
    dr2 = _mm(_h(q), sub(_cols_slice(da, m, None), _mm(dq, r2)))
    return [dq, concatenate([dr1, dr2], len(shape_of(r)) - 1)]


def _qr_vjp(cotangent, ans, args, params, wanted):
    gq, gr = cotangent
    (a,) = args
    _qr_check(a, params)
    q, r = ans
    m, n = shape_of(a)[-2:]
    if m >= n:
        return [unbroadcast(a, _qr_square_vjp(q, r, gq, gr))]
    r1, r2 = _cols_slice(r, 0, m), _cols_slice(r, m, None)
    gr2 = _cols_slice(gr, m, None)
    qgr2 = _mm(_cj(q), gr2)  # the cotangent of A2
    gq = sub(gq, _mm(qgr2, _t(r2)))
    ga1 = _qr_square_vjp(q, r1, gq, _cols_slice(gr, 0, m))
    return [unbroadcast(a, concatenate([ga1, qgr2], len(shape_of(r)) - 1))]


defjvp_all(qr_p, _qr_jvp)
defvjp_all(qr_p, _qr_vjp)
batching_rules[qr_p] = _batch_decomposition(qr_p)


# eig -------------------------------------------------------------------------------------------
#
# [w] or [w, v] of general square matrices, complex whatever the input (as JAX), v's columns of
# unit norm with their largest entry real (LAPACK's geev). Forward mode: dw = diag(V^-1 dA V)
# and dv = V (F * (V^-1 dA V)) with F_ij = 1 / (w_j - w_i), corrected for that normalisation
# (unit norm, the largest entry's phase); reverse mode is its transpose. So eigenvectors
# differentiate in both modes, beyond JAX, for distinct eigenvalues (repeated ones couple by
# zero, as in eigh).

eig_p = Primitive("eig", multiple_results=True)
eig_p.output_buffer = "fresh"


@eig_p.def_impl
def _eig_impl(a: Any, *, compute_vectors: bool) -> list[Any]:
    dtype = _eig_dtype(a.dtype)
    bad = None
    if not np.isfinite(a).all():  # LAPACK refuses infs and NaNs: NaNs there, as in JAX
        bad = ~np.isfinite(a).all(axis=(-2, -1))
        a = np.where(bad[..., None, None], 0, a)
    if compute_vectors:
        w, v = np.linalg.eig(a)
        outs = [w.astype(dtype), v.astype(dtype)]
    else:
        outs = [np.linalg.eigvals(a).astype(dtype)]
    if bad is not None:
        for out in outs:
            out[bad] = np.nan
    return outs


def _eig_dtype(dtype: np.dtype) -> np.dtype:
    vectors, _ = _linalg_dtypes(dtype, "eig")
    return np.result_type(vectors, np.complex64)


@eig_p.def_abstract_eval
def _eig_abstract_eval(a: ShapedArray, *, compute_vectors: bool) -> list[ShapedArray]:
    _check_matrices(a, "eig", square=True)
    dtype = _eig_dtype(a.dtype)
    w = ShapedArray(a.shape[:-1], dtype)
    return [w, ShapedArray(a.shape, dtype)] if compute_vectors else [w]


def eig(a: Any, compute_vectors: bool = True) -> list[Any]:
    """[eigenvalues, right eigenvectors (columns)] of square matrices, or [eigenvalues]."""
    return eig_p.bind(a, compute_vectors=bool(compute_vectors))


def _eig_vectors(a: Any, ans: Any, params: dict) -> Any:
    return ans[1] if params["compute_vectors"] else eig(a)[1]


def _colsum(x: Any) -> Any:
    return reduce_sum(x, (len(shape_of(x)) - 2,))


def _largest_entries(v: Any) -> tuple[Any, Any]:
    """(mask of each column's largest entry, that entry times the mask's count per column):
    LAPACK makes that entry real, which fixes the phase (piecewise constant)."""
    size = absolute(v)
    largest = eq(size, reshape(reduce_max(size, (len(shape_of(v)) - 2,)),
                               _batch_shape(v) + (1, shape_of(v)[-1])))
    real_type = real_dtype(dtype_of(v))
    count = _colsum(select(largest, np.ones((), real_type), np.zeros((), real_type)))
    pivot = div(real(_colsum(select(largest, v, np.zeros((), dtype_of(v))))), count)
    return largest, mul(pivot, count)


def _eig_jvp(tangents, ans, args, params):
    (da,) = tangents
    (a,) = args
    w = ans[0]
    v = _eig_vectors(a, ans, params)
    lu_packed, _, permutation = lu(v)
    x = lu_solve(lu_packed, permutation, _mm(da, v))  # V^-1 dA V
    dw = _diag(x)
    if not params["compute_vectors"]:
        return [dw]
    u = _mm(v, mul(_pairwise_gaps(w), x))
    u = sub(u, mul(v, _rows(real(_colsum(mul(conj(v), u))))))  # unit norm: Re(v^H dv) = 0
    largest, scale = _largest_entries(v)  # the largest entry stays real
    turn = div(imag(_colsum(select(largest, u, np.zeros((), dtype_of(u))))), scale)
    u = sub(u, mul(v, _rows(make_complex(np.zeros((), real_dtype(dtype_of(v))), turn))))
    return [dw, u]


def _eig_vjp(cotangent, ans, args, params, wanted):
    """The transpose of ``_eig_jvp``, step by step backwards (pairing Re(sum(g * t)))."""
    (a,) = args
    w = ans[0]
    v = _eig_vectors(a, ans, params)
    gx = _diag_matrix(cotangent[0])
    if params["compute_vectors"]:
        gv = cotangent[1]
        if not (isinstance(gv, np.ndarray) and not gv.any()):
            largest, scale = _largest_entries(v)
            g_turn = imag(_colsum(mul(gv, v)))
            g_q = make_complex(np.zeros((), real_dtype(dtype_of(v))), neg(div(g_turn, scale)))
            gu = add(gv, select(largest, _rows(g_q), np.zeros((), dtype_of(gv))))
            g_norm = neg(real(_colsum(mul(gu, v))))
            gu = add(gu, mul(conj(v), _rows(g_norm)))
            gx = add(gx, mul(_pairwise_gaps(w), _mm(_t(v), gu)))
    lu_packed, _, permutation = lu(v)
    # X = V^-1 dA V, so the cotangent of A is V^-T gX V^T
    ga = lu_solve(lu_packed, permutation, _mm(gx, _t(v)), transpose=True)
    return [unbroadcast(a, ga)]


defjvp_all(eig_p, _eig_jvp)
defvjp_all(eig_p, _eig_vjp)
batching_rules[eig_p] = _batch_decomposition(eig_p)


# householder_qr --------------------------------------------------------------------------------
#
# LAPACK's geqrf as numpy.linalg.qr(mode='raw') gives it, with h in a's layout (as JAX's
# qr(mode='raw')): R in h's upper triangle, the Householder vectors below it and their
# scalings tau. A packed form with no derivative here (the Householder vectors are an
# encoding of Q, which qr differentiates).

householder_qr_p = Primitive("householder_qr", multiple_results=True)
householder_qr_p.output_buffer = "fresh"


@householder_qr_p.def_impl
def _householder_qr_impl(a: Any) -> list[Any]:
    dtype, _ = _linalg_dtypes(a.dtype, "qr")
    h, tau = np.linalg.qr(a.astype(dtype, copy=False), mode="raw")
    return [np.swapaxes(h, -1, -2).astype(dtype, copy=False), tau.astype(dtype, copy=False)]


@householder_qr_p.def_abstract_eval
def _householder_qr_abstract_eval(a: ShapedArray) -> list[ShapedArray]:
    _check_matrices(a, "qr", square=False)
    dtype, _ = _linalg_dtypes(a.dtype, "qr")
    *batch, m, n = a.shape
    return [ShapedArray(a.shape, dtype), ShapedArray(tuple(batch) + (min(m, n),), dtype)]


def householder_qr(a: Any) -> list[Any]:
    """[h, tau]: the QR decomposition in LAPACK's Householder form (see above)."""
    return householder_qr_p.bind(a)


def _householder_qr_no_derivative(*args, **kwargs):
    raise NotImplementedError(
        "qr: mode='raw' (the Householder form) has no derivative; differentiate "
        "mode='reduced' or 'complete' instead, which give Q and R themselves")


defjvp_all(householder_qr_p, _householder_qr_no_derivative)
defvjp_all(householder_qr_p, _householder_qr_no_derivative)
batching_rules[householder_qr_p] = _batch_decomposition(householder_qr_p)
