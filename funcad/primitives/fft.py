"""fft: the discrete Fourier transforms over an array's trailing axes, as one primitive.

``fft_type`` is one of ``FFT`` (complex to complex), ``IFFT`` (its inverse, scaled by 1/N),
``RFFT`` (real to the non-negative half of the spectrum: the last axis shrinks to
``n // 2 + 1``) and ``IRFFT`` (that half spectrum back to real, scaled by 1/N);
``fft_lengths`` are the lengths of the trailing axes transformed. The input must already
have the right shape and dtype: funcad.numpy.fft moves axes, crops, pads and casts.

Each transform is linear, so its tangent is itself and its cotangent its transpose, under
JAX's convention (no conjugation; a real input's cotangent is the real part of the
transposed map). The DFT matrix is symmetric, so FFT and IFFT are their own transposes. The
half-spectrum transforms are transposes of each other up to a reflection of the indices,
``j -> -j mod n`` (``reflect``), and a weight on the bins that the half spectrum stands for
twice (every bin but the zero and, for even n, the Nyquist one):

* RFFT^T(c) = N * reflect(IRFFT(c / w)), the real part of FFT(c zero-padded), written so
  that no complex real-part or conjugate is needed;
* IRFFT^T(t) = (w / N) * RFFT(reflect(t)).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from funcad.core import Primitive, ShapedArray, dtype_of, shape_of
from funcad.primitives.elementwise import mul
from funcad.primitives.indexing import Slice, concatenate, getitem
from funcad.primitives.shape import batch_axes_to_front
from funcad.rules import batching_rules, deflinear, defvjp

__all__ = [
    "FFT_TYPES", "fft_p", "fft", "complex_dtype_for", "real_dtype_for", "reflect",
    "half_spectrum_weights",
]

FFT_TYPES = ("FFT", "IFFT", "RFFT", "IRFFT")


def complex_dtype_for(dtype: Any) -> np.dtype:
    """The complex dtype NumPy's transforms give for an input dtype (float16 and float32
    give complex64, longdouble clongdouble, integers complex128)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return dtype
    if dtype.kind == "f":
        return np.result_type(dtype, np.complex64)
    return np.dtype(np.complex128)


def real_dtype_for(dtype: Any) -> np.dtype:
    """The real dtype of the same precision as ``complex_dtype_for(dtype)``."""
    return np.finfo(complex_dtype_for(dtype)).dtype


fft_p = Primitive("fft")
fft_p.output_buffer = "fresh"

_NUMPY_TRANSFORMS: dict[str, Callable[..., np.ndarray]] = {
    "FFT": np.fft.fftn, "IFFT": np.fft.ifftn, "RFFT": np.fft.rfftn, "IRFFT": np.fft.irfftn}


@fft_p.def_impl
def _fft_impl(x: Any, *, fft_type: str, fft_lengths: tuple[int, ...]) -> Any:
    x = np.asarray(x)
    axes = tuple(range(x.ndim - len(fft_lengths), x.ndim))
    out = _NUMPY_TRANSFORMS[fft_type](x, s=fft_lengths, axes=axes)
    dtype = real_dtype_for(x.dtype) if fft_type == "IRFFT" else complex_dtype_for(x.dtype)
    return out.astype(dtype, copy=False)


@fft_p.def_abstract_eval
def _fft_abstract_eval(x: ShapedArray, *, fft_type: str,
                       fft_lengths: tuple[int, ...]) -> ShapedArray:
    if fft_type not in FFT_TYPES:
        raise ValueError(f"fft: fft_type must be one of {FFT_TYPES}, got {fft_type!r}")
    d = len(fft_lengths)
    if d == 0 or len(x.shape) < d:
        raise ValueError(f"fft: fft_lengths {fft_lengths} need 1 to {len(x.shape)} trailing "
                         f"axes of an operand of shape {x.shape}")
    if any(n <= 0 for n in fft_lengths):
        raise ValueError(f"fft: fft_lengths must be positive, got {fft_lengths}")
    expected = list(fft_lengths)
    if fft_type == "IRFFT":
        expected[-1] = fft_lengths[-1] // 2 + 1
    if tuple(x.shape[-d:]) != tuple(expected):
        raise ValueError(f"fft: an {fft_type} of lengths {fft_lengths} needs trailing axes "
                         f"{tuple(expected)}, got an operand of shape {x.shape}")
    if fft_type == "RFFT":
        if x.dtype.kind != "f" or x.dtype != real_dtype_for(x.dtype):
            raise TypeError(f"fft: RFFT needs a float32, float64 or longdouble operand, got "
                            f"{x.dtype}")
    elif x.dtype.kind != "c":
        raise TypeError(f"fft: {fft_type} needs a complex operand, got {x.dtype}")
    shape = list(x.shape)
    if fft_type == "RFFT":
        shape[-1] = fft_lengths[-1] // 2 + 1
        dtype = complex_dtype_for(x.dtype)
    elif fft_type == "IRFFT":
        shape[-1] = fft_lengths[-1]
        dtype = real_dtype_for(x.dtype)
    else:
        dtype = x.dtype
    return ShapedArray(tuple(shape), dtype)


def fft(x: Any, fft_type: str, fft_lengths: Sequence[int]) -> Any:
    """The ``fft_type`` transform of ``x`` over its ``len(fft_lengths)`` trailing axes."""
    return fft_p.bind(x, fft_type=str(fft_type).upper(),
                      fft_lengths=tuple(int(n) for n in fft_lengths))


# ----------------------------------------------------------------------------------------------
# Helpers of the transposes (and of hfft/ihfft in funcad.numpy.fft, which need no conjugate
# written this way).


def reflect(x: Any, ndims: int) -> Any:
    """``x[-j mod n]`` along each of the ``ndims`` trailing axes (index 0 stays first, the
    rest reverse): the DFT of the result is the conjugate-frequency DFT of ``x``."""
    shape = shape_of(x)
    ndim = len(shape)
    whole = Slice(None, None, None)
    for axis in range(ndim - ndims, ndim):
        n = shape[axis]
        if n <= 1:
            continue
        head = getitem(x, (whole,) * axis + (Slice(0, 1, None),))
        tail = getitem(x, (whole,) * axis + (Slice(n - 1, 0, -1),))
        x = concatenate([head, tail], axis)
    return x


def half_spectrum_weights(n: int, dtype: Any) -> np.ndarray:
    """How many bins of a length-``n`` spectrum each bin of its non-negative half stands for:
    1 for the zero bin and (n even) the Nyquist bin, 2 for the others."""
    w = np.full(n // 2 + 1, 2, dtype=dtype)
    w[0] = 1
    if n % 2 == 0:
        w[-1] = 1
    return w


def _fft_vjp(g: Any, ans: Any, x: Any, *, fft_type: str, fft_lengths: tuple[int, ...]) -> Any:
    d = len(fft_lengths)
    n = fft_lengths[-1]
    size = math.prod(fft_lengths)
    if fft_type in ("FFT", "IFFT"):
        return fft(g, fft_type, fft_lengths)
    if fft_type == "RFFT":
        scale = size / half_spectrum_weights(n, real_dtype_for(dtype_of(g)))
        return reflect(fft(mul(g, scale), "IRFFT", fft_lengths), d)
    weights = half_spectrum_weights(n, real_dtype_for(dtype_of(g))) / size
    return mul(fft(reflect(g, d), "RFFT", fft_lengths), weights)


defvjp(fft_p, _fft_vjp)
deflinear(fft_p)


def _batch_fft(values, batch_axes, *, fft_type, fft_lengths):
    (x,) = batch_axes_to_front(values, batch_axes)
    return fft(x, fft_type, fft_lengths), 0


batching_rules[fft_p] = _batch_fft
