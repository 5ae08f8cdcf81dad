"""funcad.scipy: SciPy functions built from funcad's primitives."""

from funcad.scipy import special  # noqa: F401
