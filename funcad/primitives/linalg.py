"""dot_general (every tensor contraction: matmul, dot, tensordot, einsum), and the two
decompositions whose derivatives need their own rules: svd and eigh (symmetric/Hermitian).

Each primitive: implementation, shape/dtype rule, VJP, JVP and batching rule in one place.

``dimension_numbers = ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch))`` names the
axes summed over and the axes paired elementwise. The output's axes are, in order: the batch
axes, the remaining ("free") axes of lhs, the free axes of rhs. This is JAX's convention.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from funcad.core import Primitive, ShapedArray, dtype_of, shape_of
from funcad.primitives.elementwise import (
    add,
    conj,
    div,
    eq,
    mul,
    neg,
    real,
    real_dtype,
    select,
    sub,
    ufunc_result_dtype,
)
from funcad.primitives.indexing import Slice, concatenate, getitem
from funcad.primitives.shape import (
    batch_axes_to_front,
    batch_size_of,
    move_batch_axis,
    reduce_sum,
    reshape,
    transpose,
    unbroadcast,
)
from funcad.rules import batching_rules, defjvp, defjvp_all, defvjp, defvjp_all

__all__ = [
    "dot_general_p", "dot_general", "svd_p", "svd", "eigh_p", "eigh",
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


def _linalg_dtypes(dtype: np.dtype, name: str) -> tuple[np.dtype, np.dtype]:
    """(dtype of the vectors, dtype of the values) for an input dtype, as numpy.linalg does."""
    if dtype.kind in "biu":
        return np.dtype(np.float64), np.dtype(np.float64)
    if dtype in (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.complex64),
                 np.dtype(np.complex128)):
        return dtype, real_dtype(dtype)
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


def _diag(x: Any) -> Any:
    """The diagonal (..., k) of square matrices (..., k, k)."""
    k = shape_of(x)[-1]
    return reduce_sum(mul(x, np.eye(k, dtype=real_dtype(dtype_of(x)))), (len(shape_of(x)) - 1,))


def _diag_matrix(v: Any) -> Any:
    k = shape_of(v)[-1]
    return mul(_rows(v), np.eye(k, dtype=dtype_of(v)))


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
    strict = np.tri(n, k=-1, dtype=bool)
    return (strict if lower else strict.T), np.eye(n, dtype=bool)


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
    *batch, m, n = a.shape
    batch = tuple(batch)
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
