"""funcad.numpy.linalg: the parts of numpy.linalg built from funcad's primitives."""

from funcad.numpy._linalg import (
    eigh,
    eigvalsh,
    matrix_power,
    multi_dot,
    norm,
    svd,
    svdvals,
)

__all__ = ["norm", "matrix_power", "multi_dot", "svd", "svdvals", "eigh", "eigvalsh"]
