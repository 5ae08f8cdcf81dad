"""funcad.scipy: SciPy functions built from funcad's primitives."""

from funcad.scipy import integrate, special

__all__ = ["integrate", "special"]
