"""funcad.scipy: SciPy functions built from funcad's primitives."""

from funcad.scipy import special

__all__ = ["special"]
