"""funcad.numpy.linalg: the parts of numpy.linalg built from funcad's primitives."""

from funcad.numpy._linalg import matrix_power, multi_dot, norm

__all__ = ["norm", "matrix_power", "multi_dot"]
