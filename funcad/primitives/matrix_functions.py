"""Matrix functions and decompositions computed by SciPy (funcad.scipy.linalg builds on them):

* ``sylvester``: the X with A X + X B = C (scipy.linalg.solve_sylvester). It is linear in C
  and its derivative in A and B is again a Sylvester solve, so its rules stay inside it.
* ``sqrtm``: the principal square root X of a complex matrix (scipy.linalg.sqrtm). From
  X X = A, the tangent solves X dX + dX X = dA: a Sylvester solve, whose transpose is the
  Sylvester solve with the transposed X.
* ``schur`` and ``hessenberg``: decompositions without derivatives (as in JAX: they are not
  unique). Differentiating them raises an error that says so.

SciPy is optional: these primitives exist without it and raise ImportError when used. Each
works on stacked matrices (leading axes), one SciPy call per matrix.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

import numpy as np

from funcad.core import Primitive, ShapedArray
from funcad.primitives.elementwise import add, neg, sub
from funcad.primitives.linalg import batch_matmul, batch_transpose
from funcad.primitives.shape import batch_axes_to_front
from funcad.rules import batching_rules, defjvp_all, defvjp_all

__all__ = [
    "require_scipy_linalg", "sylvester_p", "sylvester", "sqrtm_p", "sqrtm", "schur_p",
    "schur", "hessenberg_p", "hessenberg",
]

_SCIPY_INSTALLED = importlib.util.find_spec("scipy") is not None
_scipy_linalg: Any = None


def require_scipy_linalg(name: str) -> Any:
    """scipy.linalg (loaded on first use), or an ImportError naming the extra."""
    global _scipy_linalg
    if _scipy_linalg is None:
        if not _SCIPY_INSTALLED:
            raise ImportError(f"{name} needs SciPy, which is not installed: install funcad "
                              f"with its scipy extra, pip install 'funcad[scipy]'")
        _scipy_linalg = importlib.import_module("scipy.linalg")
    return _scipy_linalg


def _per_matrix(function: Any, arrays: list[Any], batch: tuple, outputs: list[ShapedArray]
                ) -> list[Any]:
    """Calls ``function`` on each stacked matrix of ``arrays`` (leading axes ``batch``)."""
    results = [np.empty(out.shape, out.dtype) for out in outputs]
    for index in np.ndindex(*batch):
        values = function(*(a[index] for a in arrays))
        for result, value in zip(results, values):
            result[index] = value
    return results


def _square(aval: ShapedArray, name: str, argument: str) -> None:
    if len(aval.shape) < 2 or aval.shape[-1] != aval.shape[-2]:
        raise np.linalg.LinAlgError(f"{name}: the argument {argument} must be a square matrix "
                                    f"(or a stack of them), got shape {aval.shape}")


def _inexact(dtype: np.dtype, name: str) -> np.dtype:
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        raise TypeError(f"{name}: array type {dtype.name} is unsupported in linalg")
    return np.dtype(dtype)


def _batch_to_front(primitive: Primitive) -> Any:
    def rule(values, batch_axes, **params):
        values = batch_axes_to_front(values, batch_axes)
        out = primitive.bind(*values, **params)
        return (out, [0] * len(out)) if primitive.multiple_results else (out, 0)

    return rule


# sylvester ---------------------------------------------------------------------------------

sylvester_p = Primitive("sylvester")
sylvester_p.output_buffer = "fresh"


@sylvester_p.def_impl
def _sylvester_impl(a: Any, b: Any, c: Any) -> Any:
    solve = require_scipy_linalg("sylvester").solve_sylvester
    out = _sylvester_abstract_eval(*(ShapedArray(np.shape(x), np.result_type(x))
                                     for x in (a, b, c)))
    return _per_matrix(lambda a, b, c: [solve(a, b, c)], [a, b, c], out.shape[:-2], [out])[0]


@sylvester_p.def_abstract_eval
def _sylvester_abstract_eval(a: ShapedArray, b: ShapedArray, c: ShapedArray) -> ShapedArray:
    _square(a, "solve_sylvester", "a")
    _square(b, "solve_sylvester", "b")
    m, n = a.shape[-1], b.shape[-1]
    if len(c.shape) < 2 or c.shape[-2:] != (m, n):
        raise ValueError(f"solve_sylvester: the argument q must have shape (..., {m}, {n}) "
                         f"for a of shape {a.shape} and b of shape {b.shape}, got {c.shape}")
    if not (a.shape[:-2] == b.shape[:-2] == c.shape[:-2]):
        raise ValueError(f"solve_sylvester: a, b and q must have the same leading axes, got "
                         f"shapes {a.shape}, {b.shape} and {c.shape}")
    dtype = _inexact(np.result_type(a.dtype, b.dtype, c.dtype), "solve_sylvester")
    return ShapedArray(c.shape, dtype)


def sylvester(a: Any, b: Any, c: Any) -> Any:
    """X with a @ X + X @ b == c, for stacked square a (m, m), b (n, n) and c (m, n)."""
    return sylvester_p.bind(a, b, c)


def _sylvester_jvp(tangents, ans, args, params):
    a, b, c = args
    da, db, dc = tangents
    rhs = dc if dc is not None else None
    if da is not None:
        term = neg(batch_matmul(da, ans))
        rhs = term if rhs is None else add(rhs, term)
    if db is not None:
        term = batch_matmul(ans, db)
        rhs = neg(term) if rhs is None else sub(rhs, term)
    return sylvester(a, b, rhs)


def _sylvester_vjp(cotangent, ans, args, params, wanted):
    a, b, c = args
    gc = sylvester(batch_transpose(a), batch_transpose(b), cotangent)
    out = [None, None, None]
    if wanted[0] is not None:
        out[0] = neg(batch_matmul(gc, batch_transpose(ans)))
    if wanted[1] is not None:
        out[1] = neg(batch_matmul(batch_transpose(ans), gc))
    if wanted[2] is not None:
        out[2] = gc
    return out


defjvp_all(sylvester_p, _sylvester_jvp)
defvjp_all(sylvester_p, _sylvester_vjp)
batching_rules[sylvester_p] = _batch_to_front(sylvester_p)


# sqrtm -------------------------------------------------------------------------------------

sqrtm_p = Primitive("sqrtm")
sqrtm_p.output_buffer = "fresh"


@sqrtm_p.def_impl
def _sqrtm_impl(a: Any) -> Any:
    root = require_scipy_linalg("sqrtm").sqrtm
    out = _sqrtm_abstract_eval(ShapedArray(np.shape(a), np.result_type(a)))
    return _per_matrix(lambda m: [root(m)], [a], out.shape[:-2], [out])[0]


@sqrtm_p.def_abstract_eval
def _sqrtm_abstract_eval(a: ShapedArray) -> ShapedArray:
    _square(a, "sqrtm", "A")
    if a.dtype not in (np.complex64, np.complex128):
        raise TypeError(f"sqrtm: the primitive takes complex matrices, got {a.dtype.name}")
    return ShapedArray(a.shape, a.dtype)


def sqrtm(a: Any) -> Any:
    """The principal square root of stacked complex square matrices."""
    return sqrtm_p.bind(a)


defjvp_all(sqrtm_p, lambda tangents, ans, args, params: sylvester(ans, ans, tangents[0]))
defvjp_all(sqrtm_p, lambda cotangent, ans, args, params, wanted:
           [sylvester(batch_transpose(ans), batch_transpose(ans), cotangent)])
batching_rules[sqrtm_p] = _batch_to_front(sqrtm_p)


# schur and hessenberg (values only) --------------------------------------------------------


def _no_derivative(name: str) -> Any:
    def rule(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"{name} has no derivative: the decomposition is not unique (as in JAX, it is "
            f"computed for its values only); differentiate a function of the matrix that "
            f"does not depend on the choice, or wrap the call in funcad.lax.stop_gradient")

    return rule


schur_p = Primitive("schur", multiple_results=True)
schur_p.output_buffer = "fresh"


@schur_p.def_impl
def _schur_impl(a: Any, *, output: str) -> list[Any]:
    decompose = require_scipy_linalg("schur").schur
    outs = _schur_abstract_eval(ShapedArray(np.shape(a), np.result_type(a)), output=output)
    return _per_matrix(lambda m: decompose(m, output=output), [a], outs[0].shape[:-2], outs)


@schur_p.def_abstract_eval
def _schur_abstract_eval(a: ShapedArray, *, output: str) -> list[ShapedArray]:
    _square(a, "schur", "a")
    dtype = _inexact(a.dtype, "schur")
    if output == "complex":
        dtype = np.result_type(dtype, np.complex64)
    return [ShapedArray(a.shape, dtype), ShapedArray(a.shape, dtype)]


def schur(a: Any, output: str = "real") -> list[Any]:
    """[T, Z] with a == Z T Z^H, T (quasi-)upper triangular."""
    return schur_p.bind(a, output=output)


hessenberg_p = Primitive("hessenberg", multiple_results=True)
hessenberg_p.output_buffer = "fresh"


@hessenberg_p.def_impl
def _hessenberg_impl(a: Any, *, calc_q: bool) -> list[Any]:
    reduce = require_scipy_linalg("hessenberg").hessenberg
    outs = _hessenberg_abstract_eval(ShapedArray(np.shape(a), np.result_type(a)),
                                     calc_q=calc_q)

    def one(m: Any) -> list[Any]:
        return list(reduce(m, calc_q=True)) if calc_q else [reduce(m)]

    return _per_matrix(one, [a], outs[0].shape[:-2], outs)


@hessenberg_p.def_abstract_eval
def _hessenberg_abstract_eval(a: ShapedArray, *, calc_q: bool) -> list[ShapedArray]:
    _square(a, "hessenberg", "a")
    out = ShapedArray(a.shape, _inexact(a.dtype, "hessenberg"))
    return [out, out] if calc_q else [out]


def hessenberg(a: Any, calc_q: bool = False) -> list[Any]:
    """[H] or [H, Q] with a == Q H Q^H, H upper Hessenberg."""
    return hessenberg_p.bind(a, calc_q=bool(calc_q))


for _p, _name in ((schur_p, "schur"), (hessenberg_p, "hessenberg")):
    defjvp_all(_p, _no_derivative(_name))
    defvjp_all(_p, _no_derivative(_name))
    batching_rules[_p] = _batch_to_front(_p)
