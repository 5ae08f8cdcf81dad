"""funcad.scipy.signal: convolution, correlation and detrending, differentiable."""

from funcad.scipy._signal import (
    convolve,
    convolve2d,
    correlate,
    correlate2d,
    detrend,
    fftconvolve,
)

__all__ = ["convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve", "detrend"]
