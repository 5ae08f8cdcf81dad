"""N-dimensional convolution and correlation (the API is funcad.scipy.signal).

The direct method gathers the windows of the larger operand, one index array per axis, and
contracts them with the smaller one, computing only the output positions the mode keeps; it
keeps SciPy's dtypes (integers stay integers). ``fftconvolve`` multiplies spectra from
funcad.numpy.fft. Both are compositions of funcad operations, so they differentiate in both
operands (to any order), batch and stage.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal, cast

import numpy as np

import funcad.numpy as fnp
from funcad.core import dtype_of, shape_of
from funcad.lax import PrecisionLike
from funcad.numpy._conversion import as_operand, ndim_of
from funcad.numpy._indexing import IN_BOUNDS, take
from funcad.typing import Array, ArrayLike

__all__ = [
    "convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve", "detrend", "stft", "csd",
    "welch", "istft",
]

_MODES = ("full", "same", "valid")
_WINDOW_ELEMENTS = 1 << 22
"""The most elements one gather of windows holds (larger kernels go in blocks of taps)."""


def _check_mode(mode: Any, name: str) -> None:
    if mode not in _MODES:
        raise ValueError(f"{name}: the argument mode must be one of 'valid', 'same' or 'full', "
                         f"got {mode!r}")


def _operands(in1: Any, in2: Any, name: str) -> tuple[Any, Any]:
    in1, in2 = as_operand(in1), as_operand(in2)
    if ndim_of(in1) != ndim_of(in2):
        raise ValueError(f"{name}: in1 and in2 should have the same dimensionality, got shapes "
                         f"{tuple(shape_of(in1))} and {tuple(shape_of(in2))}")
    _nonempty(in1, in2, name)
    return in1, in2


def _nonempty(in1: Any, in2: Any, name: str) -> None:
    if 0 in tuple(shape_of(in1)) or 0 in tuple(shape_of(in2)):
        raise ValueError(f"{name}: zero-size arrays are not supported (as in JAX), got shapes "
                         f"{tuple(shape_of(in1))} and {tuple(shape_of(in2))}")


def _output_window(n: int, m: int, mode: str, centre_up: bool = False) -> tuple[int, int]:
    """(start, length) of the kept part of the full convolution of lengths n and m. 'same'
    starts at (m - 1) // 2, or at m // 2 with ``centre_up`` (correlate2d's centring)."""
    if mode == "full":
        return 0, n + m - 1
    if mode == "same":
        return (m // 2 if centre_up else (m - 1) // 2), n
    return min(n, m) - 1, abs(n - m) + 1


def _check_valid(s1: tuple, s2: tuple, name: str) -> None:
    if not (all(a >= b for a, b in zip(s1, s2)) or all(a <= b for a, b in zip(s1, s2))):
        raise ValueError(f"{name}: for mode 'valid', one of in1 and in2 must be at least as "
                         f"large as the other in every dimension, got shapes {s1} and {s2}")


def _direct(in1: Any, in2: Any, mode: str, name: str, centre_up: bool = False) -> Any:
    s1, s2 = tuple(shape_of(in1)), tuple(shape_of(in2))
    if mode == "valid":
        _check_valid(s1, s2, name)
    dtype = np.result_type(dtype_of(in1), dtype_of(in2))
    windows_out = [_output_window(n, m, mode, centre_up) for n, m in zip(s1, s2)]
    if ndim_of(in1) == 0:
        return fnp.multiply(in1, in2)
    # Convolution commutes: gather windows of the operand with more elements (the signal),
    # contract them with the other (the kernel).
    signal, kernel = (in1, in2) if math.prod(s1) >= math.prod(s2) else (in2, in1)
    sn, km = tuple(shape_of(signal)), tuple(shape_of(kernel))
    padded = fnp.pad(signal, [(m - 1, m - 1) for m in km])
    nd = len(sn)
    # full[t] = sum_k kernel[k] padded[t + m - 1 - k]: the windows for a block of the
    # kernel's first-axis taps are gathered axis by axis, (L_0, b, L_1, m_1, ...), and
    # contracted with that block; blocks bound the memory of the windows.
    per_tap = math.prod(length for _, length in windows_out) * math.prod(km[1:])
    per_tap = max(per_tap, math.prod(length for _, length in windows_out[:1]) *
                  math.prod(shape_of(padded)[1:]))
    block = max(1, _WINDOW_ELEMENTS // max(per_tap, 1))
    out = None
    for k0 in range(0, km[0], block):
        taps = np.arange(k0, min(k0 + block, km[0]))
        x = padded
        for axis, ((start, length), m) in enumerate(zip(windows_out, km)):
            t = np.arange(start, start + length)[:, None]
            k = (taps if axis == 0 else np.arange(m))[None, :]
            x = take(x, t + (m - 1) - k, axis=2 * axis, mode=IN_BOUNDS)
        part_kernel = kernel if taps.size == km[0] else kernel[k0:k0 + taps.size]
        part = fnp.tensordot(x, part_kernel, axes=(list(range(1, 2 * nd, 2)),
                                                   list(range(nd))))
        out = part if out is None else fnp.add(out, part)
    out = cast(Array, out)  # (km[0] >= 1: the loop ran)
    return out if dtype_of(out) == dtype else fnp.astype(out, dtype)


def _method(method: Any, name: str) -> str:
    if method not in ("auto", "direct", "fft"):
        raise ValueError(f"{name}: the argument method must be 'auto', 'direct' or 'fft', "
                         f"got {method!r}")
    return method


def convolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto",
             precision: PrecisionLike = None) -> Array:
    """The N-dimensional convolution of in1 and in2 (scipy.signal.convolve). ``method``
    'fft' uses ``fftconvolve``; 'auto' and 'direct' the direct sum (exact for integers,
    which keep their dtype). ``precision`` is accepted for JAX compatibility."""
    _check_mode(mode, "convolve")
    in1, in2 = _operands(in1, in2, "convolve")
    if _method(method, "convolve") == "fft":
        return fftconvolve(in1, in2, mode)
    return _direct(in1, in2, mode, "convolve")


def _reverse_conj(x: Any) -> Any:
    if ndim_of(x):
        x = fnp.flip(x)
    return fnp.conj(x) if dtype_of(x).kind == "c" else x


def correlate(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto",
              precision: PrecisionLike = None) -> Array:
    """The N-dimensional cross-correlation: the convolution of in1 with in2 reversed and
    conjugated (scipy.signal.correlate)."""
    _check_mode(mode, "correlate")
    in1, in2 = _operands(in1, in2, "correlate")
    if _method(method, "correlate") == "fft":
        return fftconvolve(in1, _reverse_conj(in2), mode)
    return _direct(in1, _reverse_conj(in2), mode, "correlate")


def _two_d(in1: Any, in2: Any, boundary: Any, fillvalue: Any, name: str) -> tuple[Any, Any]:
    in1, in2 = as_operand(in1), as_operand(in2)
    if ndim_of(in1) != 2 or ndim_of(in2) != 2:
        raise ValueError(f"{name}: in1 and in2 must both be 2-D arrays, got shapes "
                         f"{tuple(shape_of(in1))} and {tuple(shape_of(in2))}")
    _nonempty(in1, in2, name)
    if boundary != "fill":
        raise NotImplementedError(f"{name}: only boundary='fill' is supported, got "
                                  f"{boundary!r}")
    if fillvalue != 0:
        raise NotImplementedError(f"{name}: only fillvalue=0 is supported, got {fillvalue!r}")
    return in1, in2


def convolve2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
               fillvalue: float = 0, precision: PrecisionLike = None) -> Array:
    """The 2-D convolution (scipy.signal.convolve2d), zero-filled boundary only (as JAX)."""
    _check_mode(mode, "convolve2d")
    in1, in2 = _two_d(in1, in2, boundary, fillvalue, "convolve2d")
    return _direct(in1, in2, mode, "convolve2d")


def correlate2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
                fillvalue: float = 0, precision: PrecisionLike = None) -> Array:
    """The 2-D cross-correlation (scipy.signal.correlate2d), zero-filled boundary only. Its
    'same' window is centred as SciPy's correlate2d centres it (one later than correlate's
    for even kernel sizes), and 'valid' with the larger in2 is conjugated, as there."""
    _check_mode(mode, "correlate2d")
    in1, in2 = _two_d(in1, in2, boundary, fillvalue, "correlate2d")
    out = _direct(in1, _reverse_conj(in2), mode, "correlate2d", centre_up=True)
    swapped = mode == "valid" and not all(a >= b for a, b in zip(shape_of(in1), shape_of(in2)))
    if swapped and dtype_of(out).kind == "c":  # SciPy's (and JAX's) correlate2d conjugates
        out = fnp.conj(out)
    return out


def _fft_axes(axes: Any, ndim: int) -> list[int]:
    if axes is None:
        return list(range(ndim))
    axes = [axes] if np.ndim(axes) == 0 else list(axes)
    out = []
    for axis in axes:
        if not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
            raise ValueError(f"fftconvolve: the argument axes holds {axis!r}, not an axis of "
                             f"a {ndim}-dimensional array")
        axis = int(axis) % ndim
        if axis in out:
            raise ValueError("fftconvolve: the argument axes must be unique")
        out.append(axis)
    return sorted(out)


def fftconvolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full",
                axes: int | Sequence[int] | None = None) -> Array:
    """Convolution by FFT over ``axes`` (all by default); the other axes broadcast
    (scipy.signal.fftconvolve). The result is inexact, as SciPy's."""
    _check_mode(mode, "fftconvolve")
    in1, in2 = _operands(in1, in2, "fftconvolve")
    nd = ndim_of(in1)
    if nd == 0:
        return fnp.multiply(in1, in2)
    ax = _fft_axes(axes, nd)
    s1, s2 = tuple(shape_of(in1)), tuple(shape_of(in2))
    for i in range(nd):
        if i not in ax and s1[i] != s2[i] and 1 not in (s1[i], s2[i]):
            raise ValueError(f"fftconvolve: in1 and in2 must match or be 1 along the axes "
                             f"that are not convolved, got shapes {s1} and {s2}")
    if mode == "valid":
        _check_valid(tuple(s1[i] for i in ax), tuple(s2[i] for i in ax), "fftconvolve")
    dtype = np.result_type(dtype_of(in1), dtype_of(in2), np.float64 if
                           np.result_type(dtype_of(in1), dtype_of(in2)).kind in "biu"
                           else np.float16)
    in1, in2 = fnp.astype(in1, dtype), fnp.astype(in2, dtype)
    full = [s1[i] + s2[i] - 1 for i in ax]
    if dtype.kind == "c":
        out = fnp.fft.ifftn(fnp.multiply(fnp.fft.fftn(in1, full, ax), fnp.fft.fftn(in2, full, ax)),
                            full, ax)
    else:
        out = fnp.fft.irfftn(fnp.multiply(fnp.fft.rfftn(in1, full, ax),
                                          fnp.fft.rfftn(in2, full, ax)), full, ax)
    index = [slice(None)] * nd
    for i in ax:
        start, length = _output_window(s1[i], s2[i], mode)
        index[i] = slice(start, start + length)
    out = out[tuple(index)]
    return out if dtype_of(out) == dtype else fnp.astype(out, dtype)


def detrend(data: ArrayLike, axis: int = -1, type: str = "linear", bp: ArrayLike = 0,
            overwrite_data: None = None) -> Array:
    """``data`` minus its least-squares line (``type`` 'linear', piecewise between the
    breakpoints ``bp``) or its mean ('constant') along ``axis`` (scipy.signal.detrend).
    Integers become float64, as in SciPy."""
    if type not in ("linear", "l", "constant", "c"):
        raise ValueError(f"detrend: the argument type must be 'linear' or 'constant', got "
                         f"{type!r}")
    data = as_operand(data)
    if dtype_of(data).kind not in "fc":
        data = fnp.astype(data, np.float64)
    nd = ndim_of(data)
    if not isinstance(axis, (int, np.integer)) or not -max(nd, 1) <= axis < max(nd, 1):
        raise ValueError(f"detrend: axis {axis!r} is out of bounds for a {nd}-dimensional "
                         f"array")
    if type in ("constant", "c"):
        return fnp.subtract(data, fnp.mean(data, axis=axis, keepdims=True))
    x = fnp.moveaxis(data, axis, -1)
    n = shape_of(x)[-1]
    breaks = np.sort(np.unique(np.concatenate([[0], np.ravel(np.asarray(bp, dtype=int)),
                                               [n]])))
    if np.any(breaks > n) or np.any(breaks < 0):
        raise ValueError(f"detrend: breakpoints must lie in [0, {n}] along the axis, got "
                         f"{bp!r}")
    pieces = []
    for start, stop in zip(breaks[:-1], breaks[1:]):
        segment = x[..., start:stop]
        length = stop - start
        if length == 1:
            pieces.append(fnp.zeros_like(segment))
            continue
        t = np.arange(length, dtype=np.float64)
        t = (t - t.mean()).astype(np.finfo(dtype_of(x)).dtype)
        centred = fnp.subtract(segment, fnp.mean(segment, axis=-1, keepdims=True))
        slope = fnp.divide(fnp.sum(fnp.multiply(centred, t), axis=-1, keepdims=True),
                           float(np.sum(t * t)))
        pieces.append(fnp.subtract(centred, fnp.multiply(slope, t)))
    out = pieces[0] if len(pieces) == 1 else fnp.concatenate(pieces, axis=-1)
    return fnp.moveaxis(out, -1, axis)


# ----------------------------------------------------------------------------------------------
# Spectral analysis: stft, csd, welch (SciPy's _spectral_helper, in funcad operations).


def _window(window: Any, nperseg: int, name: str) -> np.ndarray:
    """The window as an array of nperseg values: a name (periodic, as scipy's get_window;
    hann, hamming, blackman, bartlett, boxcar without SciPy, any other name with it) or the
    values themselves."""
    if isinstance(window, str) or isinstance(window, tuple):
        k = np.arange(nperseg)
        formulas = {
            "hann": lambda: 0.5 - 0.5 * np.cos(2 * np.pi * k / nperseg),
            "hamming": lambda: 0.54 - 0.46 * np.cos(2 * np.pi * k / nperseg),
            "blackman": lambda: (0.42 - 0.5 * np.cos(2 * np.pi * k / nperseg)
                                 + 0.08 * np.cos(4 * np.pi * k / nperseg)),
            "bartlett": lambda: 1 - np.abs(2 * k / nperseg - 1),
            "boxcar": lambda: np.ones(nperseg),
        }
        if isinstance(window, str) and window in formulas:
            return formulas[window]()
        scipy_signal = _require_scipy_signal(name)
        return np.asarray(scipy_signal.get_window(window, nperseg))
    values = np.asarray(window)
    if values.ndim != 1 or values.shape[0] != nperseg:
        raise ValueError(f"{name}: the window must be 1-D with nperseg = {nperseg} values, got "
                         f"shape {values.shape}")
    return values


def _require_scipy_signal(name: str) -> Any:
    if importlib.util.find_spec("scipy") is None:
        raise ImportError(f"{name}: this window needs SciPy, which is not installed: install "
                          f"funcad with its scipy extra, pip install 'funcad[scipy]'")
    return importlib.import_module("scipy.signal")


def _extend(x: Any, width: int, boundary: Any, name: str) -> Any:
    """x extended by ``width`` values at both ends of its last axis (SciPy's boundaries)."""
    pad = [(0, 0)] * (ndim_of(x) - 1) + [(width, width)]
    if boundary == "zeros":
        return fnp.pad(x, pad)
    if boundary == "even":
        return fnp.pad(x, pad, mode="reflect")
    if boundary == "constant":
        return fnp.pad(x, pad, mode="edge")
    if boundary == "odd":
        edges = fnp.pad(x, pad, mode="edge")
        return fnp.subtract(fnp.multiply(2, edges), fnp.pad(x, pad, mode="reflect"))
    raise ValueError(f"{name}: the argument boundary must be one of 'zeros', 'even', 'odd', "
                     f"'constant' or None, got {boundary!r}")


def _segments_spectrum(x: Any, win: np.ndarray, nperseg: int, noverlap: int, nfft: int,
                       detrend_type: Any, onesided: bool) -> Any:
    """The FFT of each detrended, windowed segment: (..., segments, frequencies)."""
    step = nperseg - noverlap
    count = (shape_of(x)[-1] - noverlap) // step
    starts = np.arange(count) * step
    segments = take(x, starts[:, None] + np.arange(nperseg)[None, :], axis=-1, mode=IN_BOUNDS)
    if callable(detrend_type):
        segments = detrend_type(segments)
    elif detrend_type not in (False, None):
        segments = detrend(segments, axis=-1, type=detrend_type)
    real_dtype = np.finfo(dtype_of(segments)).dtype
    segments = fnp.multiply(segments, win.astype(real_dtype))
    if onesided:
        return fnp.fft.rfft(segments, n=nfft, axis=-1)
    return fnp.fft.fft(segments, n=nfft, axis=-1)


def _spectral_arguments(x: Any, nperseg: Any, noverlap: Any, nfft: Any, axis: int,
                        return_onesided: bool, name: str, default_nperseg: Any) -> tuple:
    x = as_operand(x)
    if dtype_of(x).kind not in "fc":
        x = fnp.astype(x, np.float64)
    nd = ndim_of(x)
    if nd == 0:
        raise ValueError(f"{name}: the argument x must be at least 1-dimensional")
    if not -nd <= axis < nd:
        raise ValueError(f"{name}: axis {axis} is out of bounds for a {nd}-dimensional array")
    axis = axis % nd
    n = shape_of(x)[axis]
    nperseg = int(default_nperseg if nperseg is None else nperseg)
    if nperseg > n:  # as SciPy: the whole signal is one segment
        warnings.warn(f"{name}: nperseg = {nperseg} is greater than the input length = {n}, "
                      f"using nperseg = {n}", stacklevel=3)
        nperseg = n
    if nperseg < 1:
        raise ValueError(f"{name}: nperseg must be a positive integer, got {nperseg}")
    noverlap = nperseg // 2 if noverlap is None else int(noverlap)
    if not 0 <= noverlap < nperseg:
        raise ValueError(f"{name}: noverlap must be less than nperseg, got {noverlap} and "
                         f"{nperseg}")
    nfft = nperseg if nfft is None else int(nfft)
    if nfft < nperseg:
        raise ValueError(f"{name}: nfft must be greater than or equal to nperseg")
    onesided = bool(return_onesided) and dtype_of(x).kind != "c"
    return fnp.moveaxis(x, axis, -1), axis, nperseg, noverlap, nfft, onesided


def stft(x: ArrayLike, fs: float = 1.0, window: str | tuple[Any, ...] | ArrayLike = "hann",
         nperseg: int = 256, noverlap: int | None = None, nfft: int | None = None,
         detrend: Literal[False] | str | Callable[[Array], ArrayLike] | None = False,
         return_onesided: bool = True, boundary: str | None = "zeros", padded: bool = True,
         axis: int = -1, scaling: str = "spectrum") -> tuple[Array, Array, Array]:
    """(f, t, Zxx): the short-time Fourier transform (scipy.signal.stft). Frequencies take
    the place of ``axis``, segment times are the last axis."""
    detrend_type = detrend
    x, axis, nperseg, noverlap, nfft, onesided = _spectral_arguments(
        x, nperseg, noverlap, nfft, axis, return_onesided, "stft", nperseg)
    if scaling not in ("spectrum", "psd"):
        raise ValueError(f"stft: the argument scaling must be 'spectrum' or 'psd', got "
                         f"{scaling!r}")
    win = _window(window, nperseg, "stft")
    if boundary is not None:
        x = _extend(x, nperseg // 2, boundary, "stft")
    if padded:
        step = nperseg - noverlap
        extra = (-(shape_of(x)[-1] - nperseg) % step) % nperseg
        x = fnp.pad(x, [(0, 0)] * (ndim_of(x) - 1) + [(0, extra)])
    spectrum = _segments_spectrum(x, win, nperseg, noverlap, nfft, detrend_type, onesided)
    scale = 1.0 / win.sum() if scaling == "spectrum" else 1.0 / np.sqrt(fs * (win * win).sum())
    spectrum = fnp.multiply(spectrum, np.asarray(scale, np.finfo(dtype_of(x)).dtype))
    zxx = fnp.moveaxis(fnp.swapaxes(spectrum, -1, -2), -2, axis)
    freqs = np.fft.rfftfreq(nfft, 1 / fs) if onesided else np.fft.fftfreq(nfft, 1 / fs)
    step = nperseg - noverlap
    times = np.arange(nperseg / 2, shape_of(x)[-1] - nperseg / 2 + 1, step) / float(fs)
    if boundary is not None:
        times = times - (nperseg / 2) / fs
    return cast(Array, freqs), cast(Array, times), zxx


def csd(x: ArrayLike, y: ArrayLike | None, fs: float = 1.0,
        window: str | tuple[Any, ...] | ArrayLike = "hann", nperseg: int | None = None,
        noverlap: int | None = None, nfft: int | None = None,
        detrend: Literal[False] | str | Callable[[Array], ArrayLike] | None = "constant",
        return_onesided: bool = True, scaling: str = "density", axis: int = -1,
        average: str = "mean") -> tuple[Array, Array]:
    """(f, Pxy): the cross power spectral density by Welch's method (scipy.signal.csd):
    the average over segments of conj(X) Y, scaled; frequencies take the place of
    ``axis``."""
    if scaling not in ("density", "spectrum"):
        raise ValueError(f"csd: the argument scaling must be 'density' or 'spectrum', got "
                         f"{scaling!r}")
    if average not in ("mean", "median"):
        raise ValueError(f"csd: the argument average must be 'mean' or 'median', got "
                         f"{average!r}")
    same = y is None or y is x
    x_dtype = np.result_type(dtype_of(as_operand(x)),
                             dtype_of(as_operand(x if same else y)))
    onesided_arg = return_onesided and x_dtype.kind != "c"
    xs, axis, nperseg, noverlap, nfft, onesided = _spectral_arguments(
        x, nperseg, noverlap, nfft, axis, onesided_arg, "csd", 256)
    win = _window(window, nperseg, "csd")
    fx = _segments_spectrum(xs, win, nperseg, noverlap, nfft, detrend, onesided)
    if same:
        fy = fx
    else:
        ys = _spectral_arguments(y, nperseg, noverlap, nfft, axis, onesided_arg, "csd",
                                 256)[0]
        if shape_of(ys)[-1] != shape_of(xs)[-1]:
            raise ValueError(f"csd: x and y must have the same length along axis, got "
                             f"{shape_of(xs)[-1]} and {shape_of(ys)[-1]}")
        fy = _segments_spectrum(ys, win, nperseg, noverlap, nfft, detrend, onesided)
    scale = 1.0 / (fs * (win * win).sum()) if scaling == "density" else 1.0 / win.sum() ** 2
    pxy = fnp.multiply(fnp.multiply(fnp.conj(fx), fy), scale)
    if same:
        pxy = fnp.real(pxy)
    if onesided:
        doubled = np.ones(shape_of(pxy)[-1])
        doubled[1:-1 if nfft % 2 == 0 else None] = 2
        pxy = fnp.multiply(pxy, doubled.astype(np.finfo(dtype_of(pxy)).dtype))
    segments = shape_of(pxy)[-2]
    if average == "mean":
        pxy = fnp.mean(pxy, axis=-2) if segments else fnp.sum(pxy, axis=-2)
    else:
        bias = _median_bias(segments)
        if dtype_of(pxy).kind == "c":
            pxy = fnp.add(fnp.median(fnp.real(pxy), axis=-2),
                          fnp.multiply(1j, fnp.median(fnp.imag(pxy), axis=-2)))
        else:
            pxy = fnp.median(pxy, axis=-2)
        pxy = fnp.divide(pxy, bias)
    freqs = np.fft.rfftfreq(nfft, 1 / fs) if onesided else np.fft.fftfreq(nfft, 1 / fs)
    return cast(Array, freqs), fnp.moveaxis(pxy, -1, axis)


def _median_bias(n: int) -> float:
    """The bias of the median of n chi-squared(2) variables relative to their mean."""
    ii_2 = 2 * np.arange(1.0, (n - 1) // 2 + 1)
    return 1 + np.sum(1.0 / (ii_2 + 1) - 1.0 / ii_2)


def welch(x: ArrayLike, fs: float = 1.0, window: str | tuple[Any, ...] | ArrayLike = "hann",
          nperseg: int | None = None, noverlap: int | None = None, nfft: int | None = None,
          detrend: Literal[False] | str | Callable[[Array], ArrayLike] | None = "constant",
          return_onesided: bool = True, scaling: str = "density", axis: int = -1,
          average: str = "mean") -> tuple[Array, Array]:
    """(f, Pxx): the power spectral density by Welch's method (scipy.signal.welch)."""
    return csd(x, None, fs=fs, window=window, nperseg=nperseg, noverlap=noverlap, nfft=nfft,
               detrend=detrend, return_onesided=return_onesided, scaling=scaling, axis=axis,
               average=average)


def istft(Zxx: ArrayLike, fs: float = 1.0, window: str | tuple[Any, ...] | ArrayLike = "hann",
          nperseg: int | None = None, noverlap: int | None = None, nfft: int | None = None,
          input_onesided: bool = True,
          boundary: bool = True, time_axis: int = -1, freq_axis: int = -2,
          scaling: str = "spectrum") -> tuple[Array, Array]:
    """(t, x): the inverse short-time Fourier transform by weighted overlap-add
    (scipy.signal.istft). The output's time axis is last. t has the length of that axis
    (SciPy and JAX give the length of the first axis for stacked inputs)."""
    zxx = as_operand(Zxx)
    nd = ndim_of(zxx)
    if nd < 2:
        raise ValueError(f"istft: Zxx must be at least 2-dimensional, got shape "
                         f"{tuple(shape_of(zxx))}")
    time_axis, freq_axis = time_axis % nd, freq_axis % nd
    if time_axis == freq_axis:
        raise ValueError("istft: time_axis and freq_axis must differ")
    if scaling not in ("spectrum", "psd"):
        raise ValueError(f"istft: the argument scaling must be 'spectrum' or 'psd', got "
                         f"{scaling!r}")
    zxx = fnp.moveaxis(zxx, (freq_axis, time_axis), (-2, -1))
    if dtype_of(zxx).kind != "c":
        zxx = fnp.astype(zxx, np.result_type(dtype_of(zxx), np.complex64)
                         if dtype_of(zxx).kind == "f" else np.complex128)
    nfreq, nseg = shape_of(zxx)[-2:]
    n_default = 2 * (nfreq - 1) if input_onesided else nfreq
    nperseg = n_default if nperseg is None else int(nperseg)
    if nperseg < 1:
        raise ValueError(f"istft: nperseg must be a positive integer, got {nperseg}")
    if nfft is None:
        nfft = nperseg if input_onesided and nperseg == n_default + 1 else n_default
    elif nfft < nperseg:
        raise ValueError("istft: nfft must be greater than or equal to nperseg")
    noverlap = nperseg // 2 if noverlap is None else int(noverlap)
    if not 0 <= noverlap < nperseg:
        raise ValueError(f"istft: noverlap must be less than nperseg, got {noverlap} and "
                         f"{nperseg}")
    step = nperseg - noverlap
    inverse = fnp.fft.irfft if input_onesided else fnp.fft.ifft
    segments = inverse(zxx, n=nfft, axis=-2)[..., :nperseg, :]  # (..., nperseg, nseg)
    win = _window(window, nperseg, "istft")
    gain = win.sum() if scaling == "spectrum" else np.sqrt(fs * (win * win).sum())
    real = np.finfo(dtype_of(segments)).dtype
    weighted = fnp.multiply(fnp.swapaxes(segments, -1, -2), (win * gain).astype(real))
    length = nperseg + (nseg - 1) * step
    index = (np.arange(nseg)[:, None] * step + np.arange(nperseg)[None, :]).ravel()
    batch = tuple(shape_of(weighted))[:-2]
    out = fnp.zeros(batch + (length,), dtype_of(weighted))
    out = fnp.at(out)[..., index].add(fnp.reshape(weighted, batch + (nseg * nperseg,)))
    norm = np.zeros(length)
    np.add.at(norm, index, np.tile(win * win, nseg))
    if boundary:
        half = nperseg // 2
        out, norm = out[..., half:length - half], norm[half:length - half]
    if np.any(norm <= 1e-10):
        warnings.warn("istft: NOLA condition failed, STFT may not be invertible (possibly "
                      "because boundary=False)", stacklevel=2)
    out = fnp.divide(out, np.where(norm > 1e-10, norm, 1.0).astype(real))
    if input_onesided and dtype_of(out).kind == "c":
        out = fnp.real(out)
    return cast(Array, np.arange(shape_of(out)[-1]) / float(fs)), out
