"""funcad.scipy.signal: convolution and correlation, differentiable in both operands."""

from funcad.scipy._signal import convolve, convolve2d, correlate, correlate2d, fftconvolve

__all__ = ["convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve"]
