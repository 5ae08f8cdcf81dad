"""numpy.fft built on the one fft primitive (the API is funcad.numpy.fft).

Every transform moves its axes to the end, crops or zero-pads them to the lengths asked for,
casts to the dtype NumPy computes in, binds ``fft`` once, scales for ``norm`` and moves the
axes back, as jax.numpy.fft does. The Hermitian transforms need no conjugate: conjugating a
half spectrum reflects its inverse transform (``hfft``), and the conjugate of a real
signal's spectrum is the spectrum of the reflected signal (``ihfft``).
"""

from __future__ import annotations

import math
import operator
from typing import Any, Literal, Sequence, Union

import numpy as np

from funcad.core import Tracer, dtype_of, shape_of
from funcad.numpy._array import with_at
from funcad.numpy._conversion import as_operand, astype, ndim_of, normalize_axes, reject_out
from funcad.numpy._shapes import moveaxis
from funcad.primitives.elementwise import div, mul
from funcad.primitives.fft import complex_dtype_for, real_dtype_for, reflect
from funcad.primitives.fft import fft as fft_primitive
from funcad.primitives.indexing import Slice, concatenate, getitem
from funcad.primitives.shape import convert_element_type
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
    "fftn", "ifftn", "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift",
]

_NORMS = (None, "backward", "ortho", "forward")
_Norm = Union[Literal["backward", "ortho", "forward"], None]


def _norm_factor(norm: Any, size: int, inverse: bool) -> float:
    """The factor on top of the primitive's own scaling (1/N for the inverse transforms)."""
    if norm in (None, "backward"):
        return 1.0
    if norm == "ortho":
        return math.sqrt(size) if inverse else 1 / math.sqrt(size)
    return float(size) if inverse else 1 / size


def _resize(x: Any, axis: int, length: int) -> Any:
    """``x`` cropped or zero-padded at the end of ``axis`` to ``length``."""
    shape = shape_of(x)
    n = shape[axis]
    if n == length:
        return x
    if n > length:
        return getitem(x, (Slice(None, None, None),) * axis + (Slice(0, length, None),))
    pad_shape = shape[:axis] + (length - n,) + shape[axis + 1:]
    return concatenate([x, np.zeros(pad_shape, dtype_of(x))], axis)


def _operand(name: str, a: Any, fft_type: str) -> Any:
    a = as_operand(a)
    dtype = dtype_of(a)
    if dtype.kind not in "biufc":
        raise TypeError(f"funcad.numpy.fft.{name}: a must be numeric, got dtype {dtype}")
    if fft_type == "RFFT":
        if dtype.kind == "c":
            raise TypeError(f"funcad.numpy.fft.{name}: a must be real, got dtype {dtype} "
                            f"(use fft for complex input)")
        target = real_dtype_for(dtype)
    else:
        target = complex_dtype_for(dtype)
    return a if dtype == target else astype(a, target)


def _fft_core(name: str, fft_type: str, a: Any, s: Sequence[int] | None,
              axes: Sequence[int] | None, norm: Any, *, inverse: bool,
              reflect_input: bool = False, reflect_output: bool = False,
              scale_by_length: bool = False) -> Any:
    """The transform of ``a`` over ``axes`` with lengths ``s`` (NumPy's conventions)."""
    if norm not in _NORMS:
        raise ValueError(f'funcad.numpy.fft.{name}: invalid norm value {norm!r}; should be '
                         f'"backward", "ortho" or "forward".')
    # NumPy computes float16 in float32, and gives a real float16 input's 1-D inverse back as
    # float16 (over more axes, its complex intermediate makes it float32).
    keep_float16 = fft_type == "IRFFT" and dtype_of(as_operand(a)) == np.float16
    x = _operand(name, a, fft_type)
    ndim = ndim_of(x)
    if s is not None:
        try:
            s = tuple(operator.index(n) for n in s)
        except TypeError as error:
            if any(isinstance(n, Tracer) for n in s):
                raise  # (the concretization error, naming the ways out)
            raise TypeError(f"funcad.numpy.fft.{name}: n/s must be integers, got {s!r} "
                            f"({error})") from None
        if any(n <= 0 for n in s):
            raise ValueError(f"funcad.numpy.fft.{name}: invalid number of FFT data points "
                             f"{s} in n/s (each must be positive)")
        if axes is not None and len(s) != len(tuple(axes)):
            raise ValueError(f"funcad.numpy.fft.{name}: s and axes have different lengths "
                             f"({len(s)} and {len(tuple(axes))})")
        if axes is None and len(s) > ndim:
            raise ValueError(f"funcad.numpy.fft.{name}: s has {len(s)} entries but a has "
                             f"only {ndim} axes")
    if axes is None:
        axes = tuple(range(ndim)) if s is None else tuple(range(ndim - len(s), ndim))
    else:
        axes = normalize_axes(tuple(axes), ndim, f"funcad.numpy.fft.{name}")
    if not axes:
        if fft_type in ("RFFT", "IRFFT"):
            raise ValueError(f"funcad.numpy.fft.{name}: needs at least one axis to transform")
        return x
    d = len(axes)
    trailing = tuple(range(ndim - d, ndim))
    x = moveaxis(x, axes, trailing) if axes != trailing else x
    in_shape = shape_of(x)
    if s is None:
        lengths = [in_shape[i] for i in trailing]
        if fft_type == "IRFFT":
            lengths[-1] = 2 * (lengths[-1] - 1)
        if any(n <= 0 for n in lengths):
            raise ValueError(f"funcad.numpy.fft.{name}: invalid number of FFT data points "
                             f"{tuple(lengths)} along axes {axes}; pass n= (or s=)")
    else:
        lengths = list(s)
    for axis, n in zip(trailing, lengths):
        if fft_type == "IRFFT" and axis == ndim - 1:
            n = n // 2 + 1
        x = _resize(x, axis, n)
    if reflect_input:
        x = reflect(x, d)
    out = fft_primitive(x, fft_type, lengths)
    if reflect_output:
        out = reflect(out, d)
    size = math.prod(lengths)
    factor = _norm_factor(norm, size, inverse)
    if scale_by_length:
        factor = factor * size if fft_type == "IRFFT" else factor / size
    if factor != 1.0:
        out = mul(out, factor)
    if keep_float16 and d == 1:
        out = astype(out, np.float16)
    return moveaxis(out, trailing, axes) if axes != trailing else out


def _one_axis(name: str, axis: Any) -> list[Any]:
    if isinstance(axis, (list, tuple)):
        raise ValueError(f"funcad.numpy.fft.{name} does not support multiple axes; use "
                         f"funcad.numpy.fft.{name}n. Got axis={axis!r}.")
    if axis is None:
        raise TypeError(f"funcad.numpy.fft.{name}: axis must be an int, got None")
    return [axis]


def _two_axes(name: str, axes: Any) -> Any:
    if len(tuple(axes)) != 2:
        raise ValueError(f"funcad.numpy.fft.{name} only supports 2 axes (use "
                         f"funcad.numpy.fft.{name[:-1]}n). Got axes={axes!r}.")
    return axes


def _length(n: Any) -> list[int] | None:
    return None if n is None else [n]


def fft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: _Norm = None,
        out: None = None) -> Array:
    """The 1-D discrete Fourier transform (numpy.fft.fft)."""
    reject_out(out, "funcad.numpy.fft.fft")
    return _fft_core("fft", "FFT", a, _length(n), _one_axis("fft", axis), norm, inverse=False)


def ifft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: _Norm = None,
         out: None = None) -> Array:
    """The 1-D inverse discrete Fourier transform (numpy.fft.ifft)."""
    reject_out(out, "funcad.numpy.fft.ifft")
    return _fft_core("ifft", "IFFT", a, _length(n), _one_axis("ifft", axis), norm,
                     inverse=True)


def rfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: _Norm = None,
         out: None = None) -> Array:
    """The 1-D transform of a real signal: the non-negative half of its spectrum."""
    reject_out(out, "funcad.numpy.fft.rfft")
    return _fft_core("rfft", "RFFT", a, _length(n), _one_axis("rfft", axis), norm,
                     inverse=False)


def irfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: _Norm = None,
          out: None = None) -> Array:
    """The inverse of rfft: a real signal of length n (default 2 * (m - 1))."""
    reject_out(out, "funcad.numpy.fft.irfft")
    return _fft_core("irfft", "IRFFT", a, _length(n), _one_axis("irfft", axis), norm,
                     inverse=True)


def hfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: _Norm = None,
         out: None = None) -> Array:
    """The transform of a signal with Hermitian symmetry given by its first half (a real
    spectrum): n times the reflected irfft of ``a``, which is irfft of its conjugate."""
    reject_out(out, "funcad.numpy.fft.hfft")
    return _fft_core("hfft", "IRFFT", a, _length(n), _one_axis("hfft", axis), norm,
                     inverse=False, reflect_output=True, scale_by_length=True)


def ihfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: _Norm = None,
          out: None = None) -> Array:
    """The inverse of hfft: the conjugate of rfft over n, as rfft of the reflected signal."""
    reject_out(out, "funcad.numpy.fft.ihfft")
    return _fft_core("ihfft", "RFFT", a, _length(n), _one_axis("ihfft", axis), norm,
                     inverse=True, reflect_input=True, scale_by_length=True)


def fftn(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: _Norm = None, out: None = None) -> Array:
    """The N-D discrete Fourier transform (numpy.fft.fftn)."""
    reject_out(out, "funcad.numpy.fft.fftn")
    return _fft_core("fftn", "FFT", a, s, axes, norm, inverse=False)


def ifftn(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: _Norm = None, out: None = None) -> Array:
    """The N-D inverse discrete Fourier transform (numpy.fft.ifftn)."""
    reject_out(out, "funcad.numpy.fft.ifftn")
    return _fft_core("ifftn", "IFFT", a, s, axes, norm, inverse=True)


def rfftn(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: _Norm = None, out: None = None) -> Array:
    """The N-D transform of a real signal (the last axis halved, numpy.fft.rfftn)."""
    reject_out(out, "funcad.numpy.fft.rfftn")
    return _fft_core("rfftn", "RFFT", a, s, axes, norm, inverse=False)


def irfftn(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
           norm: _Norm = None, out: None = None) -> Array:
    """The inverse of rfftn (numpy.fft.irfftn)."""
    reject_out(out, "funcad.numpy.fft.irfftn")
    return _fft_core("irfftn", "IRFFT", a, s, axes, norm, inverse=True)


def fft2(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
         norm: _Norm = None, out: None = None) -> Array:
    """The 2-D discrete Fourier transform (numpy.fft.fft2)."""
    reject_out(out, "funcad.numpy.fft.fft2")
    return _fft_core("fft2", "FFT", a, s, _two_axes("fft2", axes), norm, inverse=False)


def ifft2(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: _Norm = None, out: None = None) -> Array:
    """The 2-D inverse discrete Fourier transform (numpy.fft.ifft2)."""
    reject_out(out, "funcad.numpy.fft.ifft2")
    return _fft_core("ifft2", "IFFT", a, s, _two_axes("ifft2", axes), norm, inverse=True)


def rfft2(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: _Norm = None, out: None = None) -> Array:
    """The 2-D transform of a real signal (numpy.fft.rfft2)."""
    reject_out(out, "funcad.numpy.fft.rfft2")
    return _fft_core("rfft2", "RFFT", a, s, _two_axes("rfft2", axes), norm, inverse=False)


def irfft2(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
           norm: _Norm = None, out: None = None) -> Array:
    """The inverse of rfft2 (numpy.fft.irfft2)."""
    reject_out(out, "funcad.numpy.fft.irfft2")
    return _fft_core("irfft2", "IRFFT", a, s, _two_axes("irfft2", axes), norm, inverse=True)


# ----------------------------------------------------------------------------------------------
# Frequencies and shifts.


def _frequency_arguments(name: str, n: Any, d: Any, dtype: Any, device: Any):
    if device is not None:
        raise ValueError(f"funcad.numpy.fft.{name}: device= is not supported (funcad runs on "
                         f"the CPU with NumPy)")
    if isinstance(n, (list, tuple)):
        raise ValueError(f"funcad.numpy.fft.{name}: n must be an int, got n={list(n)}")
    if isinstance(d, (list, tuple)):
        raise ValueError(f"funcad.numpy.fft.{name}: d must be a single value, got "
                         f"d={list(d)}")
    try:
        n = operator.index(n)
    except TypeError:
        raise ValueError(f"funcad.numpy.fft.{name}: n should be an integer, got "
                         f"{n!r}") from None
    if n < 0:
        raise ValueError(f"funcad.numpy.fft.{name}: n must be non-negative, got {n}")
    out_dtype = np.dtype(np.float64 if dtype is None else dtype)
    work_dtype = np.finfo(np.result_type(out_dtype, np.float16)).dtype
    return n, out_dtype, work_dtype


def _frequencies(k: np.ndarray, n: int, d: Any, out_dtype: np.dtype,
                 work_dtype: np.dtype) -> Any:
    """``k / (d * n)`` computed in ``work_dtype``, differentiable in a traced ``d``."""
    k = k.astype(work_dtype)
    if isinstance(d, Tracer):
        out = div(k, mul(convert_element_type(d, work_dtype), n))
        return out if out_dtype == work_dtype else convert_element_type(out, out_dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = k / np.asarray(np.asarray(d) * n, dtype=work_dtype)
    return with_at(out.astype(out_dtype, copy=False))


def fftfreq(n: int, d: ArrayLike = 1.0, *, dtype: DTypeLike | None = None,
            device: Any = None) -> Array:
    """The sample frequencies of fft's bins: [0, 1, ..., -2, -1] / (d * n)."""
    n, out_dtype, work_dtype = _frequency_arguments("fftfreq", n, d, dtype, device)
    k = (np.arange(n) + n // 2) % max(n, 1) - n // 2
    return _frequencies(k, n, d, out_dtype, work_dtype)


def rfftfreq(n: int, d: ArrayLike = 1.0, *, dtype: DTypeLike | None = None,
             device: Any = None) -> Array:
    """The sample frequencies of rfft's bins: [0, 1, ..., n // 2] / (d * n)."""
    n, out_dtype, work_dtype = _frequency_arguments("rfftfreq", n, d, dtype, device)
    return _frequencies(np.arange(n // 2 + 1), n, d, out_dtype, work_dtype)


def _roll(x: Any, shift: int, axis: int) -> Any:
    n = shape_of(x)[axis]
    if n == 0 or shift % n == 0:
        return x
    split = n - shift % n
    whole = (Slice(None, None, None),) * axis
    return concatenate([getitem(x, whole + (Slice(split, None, None),)),
                        getitem(x, whole + (Slice(0, split, None),))], axis)


def _shift(name: str, x: Any, axes: Any, sign: int) -> Any:
    x = as_operand(x)
    shape = shape_of(x)
    ndim = len(shape)
    if axes is None:
        axes = tuple(range(ndim))
    elif isinstance(axes, (int, np.integer)):
        axes = (axes,)
    for axis in axes:
        axis = operator.index(axis)
        if not -ndim <= axis < ndim:
            raise np.exceptions.AxisError(f"funcad.numpy.fft.{name}: axis {axis} is out of "
                                          f"bounds for an array of dimension {ndim}")
        axis %= ndim
        x = _roll(x, sign * (shape[axis] // 2), axis)
    return with_at(x)


def fftshift(x: ArrayLike, axes: int | Sequence[int] | None = None) -> Array:
    """Move the zero-frequency bin to the centre (a roll by n // 2 along each axis)."""
    return _shift("fftshift", x, axes, 1)


def ifftshift(x: ArrayLike, axes: int | Sequence[int] | None = None) -> Array:
    """The inverse of fftshift (a roll by -(n // 2))."""
    return _shift("ifftshift", x, axes, -1)
