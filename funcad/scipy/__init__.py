"""funcad.scipy: SciPy functions built from funcad's primitives."""

from funcad.scipy import integrate, optimize, special

__all__ = ["integrate", "optimize", "special"]
