"""funcad.scipy: SciPy functions built from funcad's primitives."""

from funcad.scipy import integrate, linalg, optimize, signal, special, stats

__all__ = ["integrate", "optimize", "special", "linalg", "signal", "stats"]
