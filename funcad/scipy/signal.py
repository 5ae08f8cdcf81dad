"""funcad.scipy.signal: convolution, correlation, detrending and spectral estimates
(stft, istft, csd, welch), differentiable."""

from funcad.scipy._signal import (
    convolve,
    convolve2d,
    correlate,
    correlate2d,
    csd,
    detrend,
    fftconvolve,
    istft,
    stft,
    welch,
)

__all__ = [
    "convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve", "detrend", "stft", "csd",
    "welch", "istft",
]
