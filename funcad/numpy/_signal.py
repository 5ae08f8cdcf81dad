"""Signal processing: ``convolve``, ``correlate``, ``interp`` and ``unwrap``.

A 1-d convolution is a gather and a matrix-vector product: the longer signal, padded with
zeros, is gathered into the (output length, kernel length) matrix of its windows and
multiplied by the kernel (a long kernel in blocks of taps, to bound the memory). So it is
differentiable in both operands, batches under ``vmap``, and keeps NumPy's dtypes (integers
stay integers). ``interp`` locates each point with
``searchsorted`` and interpolates with gathers, so its derivative flows to ``x``, ``xp`` and
``fp`` as in JAX.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from funcad.core import Tracer, dtype_of, shape_of
from funcad.numpy._conversion import as_operand, astype, ndim_of, normalize_axes
from funcad.numpy._elementwise import (
    absolute,
    add,
    divide,
    equal,
    greater,
    less,
    less_equal,
    logical_and,
    mod,
    multiply,
    subtract,
    where,
)
from funcad.numpy._indexing import IN_BOUNDS, getitem, take
from funcad.numpy._products import matmul
from funcad.numpy._reductions import cumsum
from funcad.numpy._shapes import concatenate, reshape
from funcad.numpy._sorting import sorted_order
from funcad.primitives.elementwise import conj
from funcad.primitives.sorting import searchsorted as searchsorted_primitive
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = ["convolve", "correlate", "interp", "unwrap", "diff_along", "conjugate_if_complex"]

_MODES = ("full", "same", "valid")
_Mode = Literal["full", "same", "valid"]
_WINDOW_ELEMENTS = 1 << 22
"""The most elements one gather of windows holds (longer kernels go in blocks of taps)."""


def _signal(x: Any, name: str, which: str) -> Any:
    x = as_operand(x)
    if ndim_of(x) == 0:
        x = reshape(x, (1,))
    if ndim_of(x) != 1:
        raise ValueError(f"{name}: {which} must be 1-dimensional, got shape {shape_of(x)}")
    if shape_of(x)[0] == 0:
        raise ValueError(f"{name}: {which} cannot be empty")
    return x


def conjugate_if_complex(x: Any) -> Any:
    return conj(x) if dtype_of(x).kind == "c" else x


def _convolve(a: Any, v: Any, mode: str, name: str) -> Any:
    """The convolution of 1-d ``a`` and ``v`` with NumPy's output windows."""
    if mode not in _MODES:
        raise ValueError(f"{name}: mode must be one of {_MODES}, got {mode!r}")
    n, m = shape_of(a)[0], shape_of(v)[0]
    if m > n:
        a, v, n, m = v, a, m, n
    start, length = {"full": (0, n + m - 1), "same": ((m - 1) // 2, n),
                     "valid": (m - 1, n - m + 1)}[mode]
    dtype = np.result_type(dtype_of(a), dtype_of(v))
    zeros = np.zeros(m - 1, dtype_of(a))
    padded = concatenate([zeros, a, zeros]) if m > 1 else a
    # out[t] = sum_k v[k] a[t - k] = sum_k padded[t + m - 1 - k] v[k], over blocks of taps
    # k small enough that a block's windows hold at most _WINDOW_ELEMENTS elements.
    t = np.arange(start, start + length)[:, None]
    block = max(1, _WINDOW_ELEMENTS // max(length, 1))
    out: Any = None
    for k0 in range(0, m, block):
        k = np.arange(k0, min(k0 + block, m))[None, :]
        taps = v if k.size == m else getitem(v, slice(k0, k0 + k.size))
        part = matmul(take(padded, t + (m - 1) - k, mode=IN_BOUNDS), taps)
        out = part if out is None else add(out, part)
    return out if dtype_of(out) == dtype else astype(out, dtype)


def _finish(out: Any, preferred_element_type: Any) -> Any:
    return out if preferred_element_type is None else astype(out, preferred_element_type)


def convolve(a: ArrayLike, v: ArrayLike, mode: _Mode = "full", *, precision: Any = None,
             preferred_element_type: DTypeLike | None = None) -> Array:
    """The discrete linear convolution of two 1-d sequences (``mode`` full, same or valid).
    ``precision`` is accepted for JAX compatibility (NumPy computes in full precision)."""
    a, v = _signal(a, "convolve", "a"), _signal(v, "convolve", "v")
    return _finish(_convolve(a, v, mode, "convolve"), preferred_element_type)


def correlate(a: ArrayLike, v: ArrayLike, mode: _Mode = "valid", *, precision: Any = None,
              preferred_element_type: DTypeLike | None = None) -> Array:
    """The cross-correlation ``c[k] = sum_n a[n + k] conj(v[n])`` of two 1-d sequences."""
    a, v = _signal(a, "correlate", "a"), _signal(v, "correlate", "v")
    n, m = shape_of(a)[0], shape_of(v)[0]
    flipped = conjugate_if_complex(getitem(v, slice(None, None, -1)))
    if m > n:
        # NumPy's windows for a kernel longer than the signal: the reversed correlation of
        # the swapped pair, conjugated.
        swapped = _convolve(getitem(conjugate_if_complex(a), slice(None, None, -1)),
                            v, mode, "correlate")
        out = conjugate_if_complex(getitem(swapped, slice(None, None, -1)))
        return _finish(out, preferred_element_type)
    return _finish(_convolve(a, flipped, mode, "correlate"), preferred_element_type)


def diff_along(p: Any, axis: int) -> Any:
    """``p[1:] - p[:-1]`` along the normalized ``axis``."""
    head = (slice(None),) * axis
    return subtract(getitem(p, head + (slice(1, None),)), getitem(p, head + (slice(None, -1),)))


def unwrap(p: ArrayLike, discont: ArrayLike | None = None, axis: int = -1,
           period: ArrayLike = 2 * math.pi) -> Array:
    """``p`` with every jump larger than ``discont`` (default ``period / 2``) between
    neighbours along ``axis`` replaced by its remainder modulo ``period``. Its derivative
    is the identity (the corrections are piecewise constant)."""
    values = as_operand(p)
    span: Any = period  # (a number, an array or a tracer: Python's arithmetic is used below)
    if dtype_of(values).kind == "c":
        raise ValueError("unwrap: complex inputs are not supported")
    (ax,) = normalize_axes(axis, ndim_of(values), "unwrap")
    if shape_of(values)[ax] == 0:
        return values
    dd = diff_along(values, ax)
    period_dtype = dtype_of(span) if isinstance(span, Tracer) else np.result_type(span)
    integer = dtype_of(values).kind in "biu" and period_dtype.kind in "biu"
    if integer:
        high, rem = divmod(span, 2)
        ambiguous = rem == 0
    else:
        high, ambiguous = span / 2, True
    if discont is None:
        discont = span / 2
    low = -high
    dd_mod = add(mod(subtract(dd, low), span), low)
    if ambiguous:
        dd_mod = where(logical_and(equal(dd_mod, low), greater(dd, 0)), high, dd_mod)
    correction = where(less(absolute(dd), discont), 0, subtract(dd_mod, dd))
    dtype = np.result_type(dtype_of(dd), dtype_of(span) if isinstance(span, Tracer)
                           else span)
    head = (slice(None),) * ax
    first = astype(getitem(values, head + (slice(0, 1),)), dtype)
    rest = add(getitem(values, head + (slice(1, None),)), cumsum(correction, axis=ax))
    return concatenate([first, astype(rest, dtype)], axis=ax)


def interp(x: ArrayLike, xp: ArrayLike, fp: ArrayLike, left: ArrayLike | str | None = None,
           right: ArrayLike | str | None = None, period: ArrayLike | None = None) -> Array:
    """Piecewise-linear interpolation of the points (``xp``, ``fp``) at ``x``, with NumPy's
    dtypes (float64, complex128 for complex ``fp``). ``left``/``right``: the values outside
    ``xp`` (default the end values; ``'extrapolate'`` continues the end segments, as JAX
    allows); ``period``: periodic ``x`` coordinates (then ``left`` and ``right`` are
    ignored). Differentiable in ``x``, ``xp`` and ``fp``."""
    x, xp, fp = as_operand(x), as_operand(xp), as_operand(fp)
    if ndim_of(xp) != 1 or tuple(shape_of(xp)) != tuple(shape_of(fp)):
        raise ValueError("interp: xp and fp must be one-dimensional arrays of equal size")
    if shape_of(xp)[0] == 0:
        raise ValueError("interp: array of sample points is empty")
    if dtype_of(x).kind == "c" or dtype_of(xp).kind == "c":
        raise TypeError("interp: x and xp must be real, got complex values")
    for name, value in (("left", left), ("right", right)):
        if isinstance(value, str) and value != "extrapolate":
            raise ValueError(f"interp: the only valid string value of {name} is "
                             f"'extrapolate', got {value!r}")
    out_dtype = np.complex128 if dtype_of(fp).kind == "c" else np.float64
    x, xp, fp = astype(x, np.float64), astype(xp, np.float64), astype(fp, out_dtype)
    if period is not None:
        if np.ndim(period) != 0:
            raise ValueError(f"interp: period must be a scalar, got {period!r}")
        if isinstance(period, (int, float, np.number)) and period == 0:
            raise ValueError("interp: period must be a non-zero value")
        period = absolute(period)
        x, xp = mod(x, period), mod(xp, period)
        order = sorted_order(xp, 0)
        xp, fp = take(xp, order, mode=IN_BOUNDS), take(fp, order, mode=IN_BOUNDS)
        xp = concatenate([subtract(getitem(xp, slice(-1, None)), period), xp,
                          add(getitem(xp, slice(None, 1)), period)])
        fp = concatenate([getitem(fp, slice(-1, None)), fp, getitem(fp, slice(None, 1))])
    n = shape_of(xp)[0]
    upper = searchsorted_primitive(xp, x, "right")
    i = where(less(upper, 1), 1, where(greater(upper, n - 1), n - 1, upper)) if n > 1 \
        else np.zeros(shape_of(x), np.intp)
    below = subtract(i, 1) if n > 1 else i
    x0, x1 = take(xp, below, mode=IN_BOUNDS), take(xp, i, mode=IN_BOUNDS)
    f0, f1 = take(fp, below, mode=IN_BOUNDS), take(fp, i, mode=IN_BOUNDS)
    dx = subtract(x1, x0)
    tiny = less_equal(absolute(dx), np.spacing(np.finfo(np.float64).eps))
    slope = divide(subtract(f1, f0), where(tiny, 1.0, dx))
    f = where(tiny, f0, add(f0, multiply(subtract(x, x0), slope)))
    if period is None:
        if not isinstance(left, str):
            f = where(less(x, getitem(xp, 0)), getitem(fp, 0) if left is None else left, f)
        if not isinstance(right, str):
            f = where(greater(x, getitem(xp, -1)), getitem(fp, -1) if right is None else right,
                      f)
    return astype(f, out_dtype) if dtype_of(f) != out_dtype else f
