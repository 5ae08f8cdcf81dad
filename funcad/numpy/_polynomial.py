"""Polynomials as coefficient arrays, highest power first (NumPy's ``poly*`` functions).

All of them are short loops of funcad operations over the (static) number of coefficients,
so they are differentiable in every coefficient and point, batch under ``vmap`` and trace
under ``jit``. Three need more than that:

* ``polyfit`` solves its least-squares problem with a QR factorisation of the
  column-scaled Vandermonde matrix (modified Gram-Schmidt, written in funcad operations);
  ``full=True``'s rank and singular values are computed by NumPy from concrete values
  (constants, not differentiated).
* ``roots`` is NumPy's eigenvalues of the companion matrix: it needs concrete values and
  has no derivative (as JAX's ``eig`` has no reverse-mode one), and says so.
* ``trim_zeros`` and the ``trim_leading_zeros=True`` options need concrete values (the
  result's length depends on them).
"""

from __future__ import annotations

import operator
import warnings
from typing import Any, Literal, Sequence, cast, overload

import numpy as np

from funcad.core import Tracer, dtype_of, shape_of
from funcad.errors import ConcretizationTypeError
from funcad.numpy._conversion import as_operand, astype, concrete_value, ndim_of, normalize_axes
from funcad.numpy._elementwise import (
    absolute,
    add,
    divide,
    multiply,
    negative,
    not_equal,
    sqrt,
    subtract,
)
from funcad.numpy._indexing import getitem
from funcad.numpy._products import matmul
from funcad.numpy._reductions import sum as sum_
from funcad.numpy._shapes import broadcast_to, concatenate, reshape, stack, trace, transpose
from funcad.numpy._signal import conjugate_if_complex, convolve
from funcad.rules import DifferentiationTracer
from funcad.typing import Array, ArrayLike

__all__ = [
    "poly", "polyadd", "polysub", "polymul", "polydiv", "polyder", "polyint", "polyval",
    "polyfit", "roots", "trim_zeros",
]

_FullFit = tuple[Array, Array, Array, Array, Array]
"""polyfit's result with ``full=True``: coefficients, residuals, rank, singular values, rcond."""


def _coefficients(p: Any, name: str) -> Any:
    p = as_operand(p)
    if ndim_of(p) == 0:
        return reshape(p, (1,))
    if ndim_of(p) != 1:
        raise ValueError(f"{name}: polynomial coefficients must be 1-d, got shape {shape_of(p)}")
    return p


def _inexact_dtype(dtype: np.dtype) -> np.dtype:
    return dtype if dtype.kind in "fc" else np.dtype(np.float64)


def _leading_zeros_trimmed(p: Any, name: str) -> Any:
    """``p`` without its leading zeros (at least one coefficient kept), from its values."""
    nonzero = np.flatnonzero(concrete_value(not_equal(p, 0), name))
    start = int(nonzero[0]) if nonzero.size else max(shape_of(p)[0] - 1, 0)
    return getitem(p, slice(start, None))


def poly(seq_of_zeros: ArrayLike) -> Array:
    """The monic polynomial with the given roots; for a square matrix, its characteristic
    polynomial (Faddeev-LeVerrier: real for a real matrix, and differentiable)."""
    z = as_operand(seq_of_zeros)
    shape = tuple(shape_of(z))
    dtype = _inexact_dtype(dtype_of(z))
    if len(shape) == 2 and shape[0] == shape[1] and shape[0] > 0:
        return _characteristic_polynomial(astype(z, dtype))
    if len(shape) != 1:
        raise ValueError("poly: input must be 1d or non-empty square 2d array.")
    if shape[0] == 0:
        return cast(Array, np.ones((), dtype)[()])
    z = astype(z, dtype)
    coefficients = concatenate([np.ones(1, dtype), negative(getitem(z, slice(0, 1)))])
    for i in range(1, shape[0]):
        # (x - z_i) times the polynomial so far.
        zero = np.zeros(1, dtype)
        coefficients = subtract(concatenate([coefficients, zero]),
                                multiply(getitem(z, i), concatenate([zero, coefficients])))
    return coefficients


def _characteristic_polynomial(a: Any) -> Any:
    n = shape_of(a)[0]
    identity = np.eye(n, dtype=dtype_of(a))
    coefficients = [np.ones((), dtype_of(a))]
    m = None
    for k in range(1, n + 1):
        m = multiply(coefficients[-1], identity) if m is None else add(
            matmul(a, m), multiply(coefficients[-1], identity))
        coefficients.append(divide(negative(trace(matmul(a, m))), k))
    return stack([broadcast_to(c, ()) for c in coefficients])


def _padded(p: Any, length: int) -> Any:
    n = shape_of(p)[0]
    if n == length:
        return p
    return concatenate([np.zeros(length - n, dtype_of(p)), p])


def polyadd(a1: ArrayLike, a2: ArrayLike) -> Array:
    """The sum of two polynomials (the shorter padded with leading zeros)."""
    a1, a2 = _coefficients(a1, "polyadd"), _coefficients(a2, "polyadd")
    length = max(shape_of(a1)[0], shape_of(a2)[0])
    return add(_padded(a1, length), _padded(a2, length))


def polysub(a1: ArrayLike, a2: ArrayLike) -> Array:
    """Difference of two polynomials given by coefficients, highest power first (the shorter padded
    with leading zeros), as numpy.polysub. Differentiable.

    >>> funcad.numpy.polysub(funcad.numpy.array([1.0, 2.0, 3.0]), funcad.numpy.array([1.0, 1.0]))
    Array([1., 1., 2.])
    """
    a1, a2 = _coefficients(a1, "polysub"), _coefficients(a2, "polysub")
    length = max(shape_of(a1)[0], shape_of(a2)[0])
    return subtract(_padded(a1, length), _padded(a2, length))


def polymul(a1: ArrayLike, a2: ArrayLike, *, trim_leading_zeros: bool = False) -> Array:
    """The product of two polynomials (a convolution). As in JAX, leading zeros are kept
    unless ``trim_leading_zeros`` (which needs concrete values)."""
    a1, a2 = _coefficients(a1, "polymul"), _coefficients(a2, "polymul")
    if trim_leading_zeros:
        a1 = _leading_zeros_trimmed(a1, "polymul(trim_leading_zeros=True)")
        a2 = _leading_zeros_trimmed(a2, "polymul(trim_leading_zeros=True)")
    dtype = np.result_type(dtype_of(a1), dtype_of(a2))
    if shape_of(a1)[0] == 0 or shape_of(a2)[0] == 0:
        return cast(Array, np.zeros(1, dtype))
    return convolve(a1, a2)


def polydiv(u: ArrayLike, v: ArrayLike, *,
            trim_leading_zeros: bool = False) -> tuple[Array, Array]:
    """Quotient and remainder of ``u / v`` by long division. As in JAX, the remainder keeps
    ``u``'s length (leading zeros included) so that its shape does not depend on values."""
    u, v = _coefficients(u, "polydiv"), _coefficients(v, "polydiv")
    if trim_leading_zeros:
        u = _leading_zeros_trimmed(u, "polydiv(trim_leading_zeros=True)")
        v = _leading_zeros_trimmed(v, "polydiv(trim_leading_zeros=True)")
    dtype = _inexact_dtype(np.result_type(dtype_of(u), dtype_of(v)))
    u, v = astype(u, dtype), astype(v, dtype)
    m, n = shape_of(u)[0], shape_of(v)[0]
    if n == 0:
        raise ZeroDivisionError("polydiv: the divisor v is empty")
    if m < n:
        return cast(Array, np.zeros(1, dtype)), u
    scale = divide(1.0, getitem(v, 0))
    rows = [getitem(u, i) for i in range(m)]
    quotient = []
    for k in range(m - n + 1):
        d = multiply(scale, rows[k])
        quotient.append(d)
        for j in range(n):
            rows[k + j] = subtract(rows[k + j], multiply(d, getitem(v, j)))
    remainder = stack([broadcast_to(r, ()) for r in rows])
    return stack([broadcast_to(q, ()) for q in quotient]), remainder


def _order(m: Any, name: str) -> int:
    m = operator.index(m)
    if m < 0:
        raise ValueError(f"{name}: the order m must be non-negative, got {m}")
    return m


def polyder(p: ArrayLike, m: int = 1) -> Array:
    """The ``m``-th derivative (integer coefficients stay integers, as in NumPy)."""
    m = _order(m, "polyder")
    coefficients = _coefficients(p, "polyder")
    for _ in range(m):
        n = shape_of(coefficients)[0]
        if n == 0:
            break
        coefficients = multiply(getitem(coefficients, slice(None, -1)),
                                np.arange(n - 1, 0, -1))
    return coefficients


def polyint(p: ArrayLike, m: int = 1, k: ArrayLike | None = None) -> Array:
    """The ``m``-th antiderivative, with integration constants ``k`` (a scalar for all, or
    one per integration, the first for the first integration)."""
    m = _order(m, "polyint")
    coefficients = _coefficients(p, "polyint")
    if m == 0:
        return coefficients
    if k is None:
        constants = [np.float64(0.0)] * m
    else:
        k = as_operand(k)
        if ndim_of(k) == 1 and shape_of(k)[0] == 1:
            k = getitem(k, 0)
        if ndim_of(k) == 0:
            constants = [k] * m
        else:
            if ndim_of(k) != 1 or shape_of(k)[0] < m:
                raise ValueError("polyint: k must be a scalar or a rank-1 array of length 1 "
                                 "or >= m")
            constants = [getitem(k, i) for i in range(m)]
    for constant in constants:
        n = shape_of(coefficients)[0]
        integrated = divide(coefficients, np.arange(n, 0, -1, dtype=np.float64))
        c = reshape(constant, (1,))
        dtype = np.result_type(dtype_of(integrated), dtype_of(c))
        coefficients = concatenate([astype(integrated, dtype), astype(c, dtype)])
    return coefficients


def polyval(p: ArrayLike, x: ArrayLike, *, unroll: int = 16) -> Array:
    """``p`` evaluated at ``x`` by Horner's rule, with NumPy's dtypes (a Python number ``x``
    counts as a float64/int64 array, as NumPy converts it). ``unroll`` is accepted for JAX
    compatibility."""
    p = _coefficients(p, "polyval")
    x = as_operand(x)
    if not isinstance(x, (Tracer, np.ndarray)):
        x = np.asarray(x)
    dtype = np.result_type(dtype_of(p), dtype_of(x))
    n = shape_of(p)[0]
    if n == 0:
        return cast(Array, np.zeros(shape_of(x), dtype_of(x)))
    y = broadcast_to(astype(getitem(p, 0), dtype), shape_of(x))
    for i in range(1, n):
        y = add(multiply(y, x), getitem(p, i))
    return y if dtype_of(y) == dtype else astype(y, dtype)


def _vander_columns(x: Any, order: int) -> list[Any]:
    """The columns ``x**(order - 1), ..., x, 1`` of the Vandermonde matrix."""
    columns = [np.ones(shape_of(x), dtype_of(x))]
    for _ in range(order - 1):
        columns.append(multiply(columns[-1], x))
    return columns[::-1]


def _dot(u: Any, v: Any) -> Any:
    return matmul(conjugate_if_complex(u), v)


def _solve_upper(r: list[list[Any]], b: list[Any]) -> list[Any]:
    """Back substitution for the upper triangle ``r`` (rows of 0-d values) and rows ``b``."""
    n = len(b)
    out: list[Any] = [None] * n
    for j in range(n - 1, -1, -1):
        total = b[j]
        for k in range(j + 1, n):
            total = subtract(total, multiply(r[j][k], out[k]))
        out[j] = divide(total, r[j][j])
    return out


@overload
def polyfit(x: ArrayLike, y: ArrayLike, deg: int, rcond: float | None = None,
            full: Literal[False] = False, w: ArrayLike | None = None,
            cov: Literal[False] = False) -> Array: ...
@overload
def polyfit(x: ArrayLike, y: ArrayLike, deg: int, rcond: float | None, full: Literal[True],
            w: ArrayLike | None = None,
            cov: bool | Literal["unscaled"] = False) -> _FullFit: ...
@overload
def polyfit(x: ArrayLike, y: ArrayLike, deg: int, rcond: float | None = None, *,
            full: Literal[True], w: ArrayLike | None = None,
            cov: bool | Literal["unscaled"] = False) -> _FullFit: ...
@overload
def polyfit(x: ArrayLike, y: ArrayLike, deg: int, rcond: float | None = None,
            full: Literal[False] = False, w: ArrayLike | None = None, *,
            cov: Literal[True, "unscaled"]) -> tuple[Array, Array]: ...
@overload
def polyfit(x: ArrayLike, y: ArrayLike, deg: int, rcond: float | None = None,
            full: bool = False, w: ArrayLike | None = None,
            cov: bool | Literal["unscaled"] = False) -> Array | tuple[Array, ...]: ...
def polyfit(x: ArrayLike, y: ArrayLike, deg: int, rcond: float | None = None,
            full: bool = False, w: ArrayLike | None = None,
            cov: bool | Literal["unscaled"] = False) -> Array | tuple[Array, ...]:
    """The least-squares polynomial fit of degree ``deg`` (``y`` may hold several data sets
    as columns), with NumPy's ``rcond``, ``full``, ``w`` and ``cov`` (``'unscaled'`` too).
    The fit assumes the scaled Vandermonde matrix has full rank (``rcond`` only sets the
    rank reported by ``full=True``)."""
    deg = operator.index(deg)
    if deg < 0:
        raise ValueError("polyfit: expected deg >= 0")
    x, y = as_operand(x), as_operand(y)
    if ndim_of(x) != 1:
        raise TypeError("polyfit: expected 1D vector for x")
    if shape_of(x)[0] == 0:
        raise TypeError("polyfit: expected non-empty vector for x")
    if ndim_of(y) not in (1, 2):
        raise TypeError("polyfit: expected 1D or 2D array for y")
    if shape_of(x)[0] != shape_of(y)[0]:
        raise TypeError("polyfit: expected x and y to have same length")
    n, order = shape_of(x)[0], deg + 1
    dtype = _inexact_dtype(np.result_type(dtype_of(x), dtype_of(y), np.float64))
    x, y = astype(x, np.result_type(dtype_of(x), np.float64)), astype(y, dtype)
    rcond = n * np.finfo(np.float64).eps if rcond is None else rcond
    columns = _vander_columns(x, order)
    if w is not None:
        w = as_operand(w)
        if ndim_of(w) != 1:
            raise TypeError("polyfit: expected a 1-d array for weights")
        if shape_of(w)[0] != n:
            raise TypeError("polyfit: expected w and y to have the same length")
        columns = [multiply(c, w) for c in columns]
        y = multiply(y, w if ndim_of(y) == 1 else reshape(w, (n, 1)))
    if cov and dtype_of(x).kind == "c":
        raise NotImplementedError("funcad.numpy.polyfit: cov= is not supported for complex x")
    # NumPy's column scale: sqrt(sum(c * c)), complex for complex x.
    scale = [sqrt(sum_(multiply(c, c))) for c in columns]
    columns = [divide(c, s) for c, s in zip(columns, scale)]
    # Modified Gram-Schmidt: columns = Q R, Q with orthonormal columns.
    q: list[Any] = []
    r: list[list[Any]] = [[None] * order for _ in range(order)]
    for j, v in enumerate(columns):
        for i in range(j):
            r[i][j] = _dot(q[i], v)
            v = subtract(v, multiply(r[i][j], q[i]))
        r[j][j] = sqrt(_dot(v, v))
        q.append(divide(v, r[j][j]))
    qty = [_dot(qi, y) for qi in q]
    scaled = _solve_upper(r, qty)
    coefficients = stack([divide(c, s) for c, s in zip(scaled, scale)])
    if full or cov:
        fitted = matmul(stack(columns, axis=1), stack(scaled))
        residual = subtract(y, fitted)
        magnitude = absolute(residual) if dtype_of(residual).kind == "c" else residual
        resids = sum_(multiply(magnitude, magnitude), axis=0)
        resids = reshape(resids, (1,)) if ndim_of(y) == 1 else resids
    r_value = _triangle_values(r)
    if full:
        if r_value is None:
            raise ConcretizationTypeError(
                "funcad.numpy.polyfit(full=True)", "(its rank and singular values)",
                fixes="  - the rank and singular values are computed by NumPy from concrete "
                      "values: use full=False under jit/vmap (the residuals are "
                      "sum((y - polyval(c, x))**2)).")
    if r_value is not None:
        s = np.linalg.svd(r_value, compute_uv=False)
        rank = np.int32(np.sum(s > rcond * s[0])) if s.size else np.int32(0)
        if rank < order and not full:
            warnings.warn("polyfit may be poorly conditioned (the scaled Vandermonde matrix "
                          "has rank < deg + 1)", np.exceptions.RankWarning, stacklevel=2)
    if full:
        if n <= order:
            resids = cast(Array, np.zeros(0, dtype))
        return coefficients, resids, rank, cast(Array, s), np.float64(rcond)
    if not cov:
        return coefficients
    identity_rows = list(np.eye(order, dtype=dtype_of(x)))
    r_inverse = stack(_solve_upper(r, identity_rows))
    base = matmul(r_inverse, transpose(conjugate_if_complex(r_inverse)))
    scale_vector = stack([broadcast_to(s, ()) for s in scale])
    base = divide(base, multiply(reshape(scale_vector, (order, 1)),
                                 reshape(scale_vector, (1, order))))
    if isinstance(cov, str) and cov == "unscaled":
        # (NumPy's unscaled covariance of several data sets has a last axis of 1.)
        factor = np.ones(1, dtype_of(base))
    else:
        if n <= order:
            raise ValueError("polyfit: the number of data points must exceed order to scale "
                             "the covariance matrix")
        factor = divide(resids, n - order)
    if ndim_of(y) == 1:
        return coefficients, multiply(base, getitem(factor, 0))
    return coefficients, multiply(reshape(base, (order, order, 1)), factor)


def _triangle_values(r: list[list[Any]]) -> np.ndarray | None:
    """The upper triangle ``r`` as a NumPy matrix, or None if its values are abstract."""
    try:
        rows = [[0.0 if value is None else _concrete(value, "polyfit") for value in row]
                for row in r]
    except ConcretizationTypeError:
        return None
    return np.array(rows)


def _concrete(value: Any, operation: str) -> np.ndarray:
    """The value of ``value`` for a NumPy computation with no derivative."""
    if isinstance(value, DifferentiationTracer):
        primal = value.primal
        return _concrete(primal, operation) if isinstance(primal, Tracer) else np.asarray(
            primal)
    if isinstance(value, Tracer):
        return np.asarray(value.concrete_value(f"funcad.numpy.{operation}"))
    return np.asarray(value)


def roots(p: ArrayLike, *, strip_zeros: bool = True) -> Array:
    """The roots of ``p``: the eigenvalues of its companion matrix, by NumPy, always complex
    (as in JAX). With ``strip_zeros`` leading zeros are removed and trailing ones give zero
    roots (NumPy's result); without it the companion matrix uses every coefficient, so a
    leading zero gives NaN roots. Needs concrete values, and has no derivative."""
    p = as_operand(p)
    if isinstance(p, DifferentiationTracer):
        raise TypeError(
            "funcad.numpy.roots has no derivative: its roots are the eigenvalues of the "
            "companion matrix, and eigenvalue decompositions are not differentiable in "
            "funcad (nor in reverse mode in JAX). Apply funcad.stop_gradient to its input "
            "if no derivative is needed.")
    if isinstance(p, Tracer):
        try:
            p.concrete_value("funcad.numpy.roots()")
        except ConcretizationTypeError:
            raise ConcretizationTypeError(
                "funcad.numpy.roots()", p.aval.str_short(),
                fixes="  - roots are computed by NumPy's eigenvalue solver from concrete "
                      "values: call it outside jit/vmap (for example on the jitted "
                      "function's result).") from None
    value = np.asarray(p)
    if value.dtype.kind not in "fc":
        value = value.astype(np.float64)
    if value.ndim != 1:
        raise ValueError(f"roots: input must be a rank-1 array, got shape {value.shape}")
    out_dtype = np.complex64 if value.dtype in (np.float32, np.complex64) else np.complex128
    trailing = 0
    if strip_zeros:
        nonzero = np.flatnonzero(value)
        if nonzero.size == 0:
            return cast(Array, np.zeros(0, out_dtype))
        trailing = value.size - int(nonzero[-1]) - 1
        value = value[int(nonzero[0]):int(nonzero[-1]) + 1]
    n = value.size
    if n < 2:
        return cast(Array, np.zeros(trailing, out_dtype))
    with np.errstate(divide="ignore", invalid="ignore"):
        companion = np.diag(np.ones(n - 2, value.dtype), -1)
        companion[0, :] = -value[1:] / value[0]
    if np.all(np.isfinite(companion)):
        found = np.linalg.eigvals(companion)
    else:
        found = np.full(n - 1, np.nan)
    return cast(Array, np.concatenate([found, np.zeros(trailing)]).astype(out_dtype))


def trim_zeros(filt: ArrayLike, trim: str = "fb",
               axis: int | Sequence[int] | None = None) -> Array:
    """``filt`` without its leading (``'f'``) and/or trailing (``'b'``) zeros along each
    of ``axis`` (default all): a slice, so differentiable; its length needs concrete
    values."""
    array = as_operand(filt)
    if not isinstance(trim, str):
        raise TypeError(f"trim_zeros: trim must be a string, got {trim!r}")
    mode = trim.lower()
    if not mode or set(mode) - {"f", "b"}:
        raise ValueError(f"trim_zeros: unexpected character(s) in trim: {trim!r} (use 'f', "
                         f"'b' or 'fb')")
    front, back = "f" in mode, "b" in mode
    ndim = ndim_of(array)
    axes = normalize_axes(axis, ndim, "trim_zeros")
    if not (front or back) or not axes:
        return array
    nonzero = concrete_value(not_equal(array, 0), "trim_zeros")
    index = []
    for ax in range(ndim):
        if ax not in axes:
            index.append(slice(None))
            continue
        along = np.any(nonzero, axis=tuple(i for i in range(ndim) if i != ax))
        hits = np.flatnonzero(along)
        if hits.size == 0:
            index.append(slice(0, 0))
            continue
        start = int(hits[0]) if front else None
        stop = int(hits[-1]) + 1 if back else None
        index.append(slice(start, stop))
    return getitem(array, tuple(index))

