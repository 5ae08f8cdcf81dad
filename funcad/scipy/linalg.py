"""funcad.scipy.linalg: jax.scipy.linalg's functions, differentiable and batched over leading
axes (schur and hessenberg give values only, as in JAX)."""

from funcad.scipy._linalg import (
    block_diag,
    cho_factor,
    cho_solve,
    cholesky,
    circulant,
    companion,
    det,
    dft,
    eigh,
    eigh_tridiagonal,
    expm,
    expm_frechet,
    hankel,
    hessenberg,
    hilbert,
    inv,
    lu,
    lu_factor,
    lu_solve,
    polar,
    qr,
    schur,
    solve,
    solve_sylvester,
    solve_triangular,
    sqrtm,
    svd,
    toeplitz,
)

__all__ = [
    "block_diag", "toeplitz", "hankel", "circulant", "companion", "hilbert", "dft",
    "solve_triangular", "cholesky", "cho_factor", "cho_solve", "lu", "lu_factor", "lu_solve",
    "solve", "inv", "det", "expm", "expm_frechet", "sqrtm", "solve_sylvester", "eigh", "svd",
    "qr", "schur", "hessenberg", "polar", "eigh_tridiagonal",
]
