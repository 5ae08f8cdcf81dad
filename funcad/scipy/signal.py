"""funcad.scipy.signal: convolution, correlation, detrending and spectral estimates
(stft, csd, welch), differentiable."""

from funcad.scipy._signal import (
    convolve,
    convolve2d,
    correlate,
    correlate2d,
    csd,
    detrend,
    fftconvolve,
    stft,
    welch,
)

__all__ = [
    "convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve", "detrend", "stft", "csd",
    "welch",
]
