"""funcad.lax's composite operations: associative_scan, custom_linear_solve and custom_root."""

from __future__ import annotations

import functools as _functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as _np

from funcad.ad import vjp as _vjp
from funcad.control_flow._subjaxprs import run as _run
from funcad.control_flow._subjaxprs import trace_function as _trace_function
from funcad.core import dtype_of as _dtype_of
from funcad.core import shape_of as _shape_of
from funcad.custom_derivatives import custom_vjp as _custom_vjp
from funcad.lax._common import as_array, normalize_axis
from funcad.lax._elementwise import full_like
from funcad.lax._shapes import rev, slice_in_dim
from funcad.primitives.elementwise import (
    neg,
)
from funcad.primitives.indexing import concatenate as _concatenate
from funcad.primitives.shape import reshape as _reshape
from funcad.rules import float0 as _float0
from funcad.tree_util import tree_flatten as _tree_flatten
from funcad.tree_util import tree_leaves as _tree_leaves
from funcad.tree_util import tree_map as _tree_map
from funcad.tree_util import tree_unflatten as _tree_unflatten
from funcad.typing import Array

_T = TypeVar("_T")
_R = TypeVar("_R")
_Solver = Callable[[Callable[[Any], Any], Any], Any]
"""A solver: ``solve(linear_function, right_hand_side) -> solution`` (pytrees)."""

__all__ = [
    "associative_scan", "with_sharding_constraint", "composite", "shape_as_value",
    "custom_linear_solve", "custom_root"
]


# ----------------------------------------------------------------------------------------------
# associative_scan: the parallel prefix of an associative ``fn``, from slices, concatenations
# and reshapes (so it is differentiable, batchable and staged like any composition).


def _interleave(even, odd, axis):
    """even[0], odd[0], even[1], odd[1], ... along ``axis`` (even may be one longer)."""
    n_even, n_odd = _shape_of(even)[axis], _shape_of(odd)[axis]
    if n_even > n_odd:
        odd = _concatenate([odd, slice_in_dim(even, 0, 1, axis=axis)], axis)
    shape = tuple(_shape_of(even))
    pair_shape = shape[:axis + 1] + (1,) + shape[axis + 1:]
    pairs = _concatenate([_reshape(even, pair_shape), _reshape(odd, pair_shape)], axis + 1)
    merged = _reshape(pairs, shape[:axis] + (2 * n_even,) + shape[axis + 1:])
    return slice_in_dim(merged, 0, n_even + n_odd, axis=axis)


def associative_scan(fn: Callable[[_T, _T], _T], elems: _T, reverse: bool = False,
                     axis: int = 0) -> _T:
    """The running ``fn``-combination of ``elems`` (a pytree of arrays of equal length along
    ``axis``) for an associative ``fn`` of two such pytrees: element i is
    fn(...fn(fn(e_0, e_1), e_2)..., e_i). Pairs are combined in log2(n) rounds."""
    leaves, tree = _tree_flatten(elems)
    if not leaves:
        raise ValueError("associative_scan: elems must hold at least one array")
    ndim = len(_shape_of(leaves[0]))
    axis = normalize_axis(int(axis), ndim, "associative_scan")
    n = _shape_of(leaves[0])[axis]
    if any(_shape_of(leaf)[axis:axis + 1] != (n,) for leaf in leaves):
        raise ValueError(f"associative_scan: every array of elems needs the same length "
                         f"along axis {axis}, got shapes {[_shape_of(v) for v in leaves]}")
    if reverse:
        leaves = [rev(leaf, (axis,)) for leaf in leaves]

    def combine(a, b):
        out = _tree_leaves(fn(_tree_unflatten(tree, a), _tree_unflatten(tree, b)))
        if len(out) != len(a):
            raise TypeError("associative_scan: fn must return a pytree like its arguments")
        return out

    def scan_(values):
        length = _shape_of(values[0])[axis]
        if length < 2:
            return values
        pairs = combine([slice_in_dim(v, 0, length - 1, 2, axis) for v in values],
                        [slice_in_dim(v, 1, length, 2, axis) for v in values])
        odd = scan_(pairs)
        rest = [slice_in_dim(v, 2, length, 2, axis) for v in values]
        if length % 2 == 0:
            odd_part = [slice_in_dim(o, 0, _shape_of(o)[axis] - 1, axis=axis) for o in odd]
        else:
            odd_part = odd
        even = combine(odd_part, rest) if _shape_of(rest[0])[axis] else rest
        even = [_concatenate([slice_in_dim(v, 0, 1, axis=axis), e], axis)
                for v, e in zip(values, even)]
        return [_interleave(e, o, axis) for e, o in zip(even, odd)]

    out = scan_(leaves)
    if reverse:
        out = [rev(leaf, (axis,)) for leaf in out]
    return _tree_unflatten(tree, out)


def with_sharding_constraint(x: _T, shardings: Any) -> _T:
    """x itself: funcad runs on one device, where every sharding is the whole array."""
    return x


def composite(decomposition: Callable[..., _R], name: str,
              version: int = 0) -> Callable[..., _R]:
    """``decomposition`` under a name (which only a compiler for devices would use)."""
    @_functools.wraps(decomposition)
    def wrapped(*args: Any, **kwargs: Any) -> _R:
        return decomposition(*args, **kwargs)

    return wrapped


def shape_as_value(shape: Sequence[int]) -> Array:
    """A shape as an integer array."""
    return as_array(_np.array(tuple(int(n) for n in shape), dtype=_np.intp))


# ----------------------------------------------------------------------------------------------
# custom_linear_solve: a solve differentiated implicitly (never through the solver).


def custom_linear_solve(matvec: Callable[[Any], Any], b: Any, solve: _Solver,
                        transpose_solve: _Solver | None = None, symmetric: bool = False,
                        has_aux: bool = False) -> Any:
    """x = solve(matvec, b) for a linear ``matvec``, whose reverse-mode derivative does not
    go through ``solve`` (which may be iterative): b's cotangent is transpose_solve(vecmat,
    g) (``solve`` again if ``symmetric``), and the values matvec closes over get minus their
    cotangent through matvec(x) of it. (Forward mode is refused, as for any custom_vjp.)"""
    if has_aux:
        raise NotImplementedError("funcad.lax.custom_linear_solve: has_aux=True is not "
                                  "implemented yet")
    traced = _trace_function(matvec, (b,))

    def matvec_with(consts, v):
        return _tree_unflatten(traced.out_tree, _run(traced.jaxpr, *consts,
                                                     *_tree_leaves(v)))

    @_custom_vjp
    def linear_solve(consts, rhs):
        return solve(lambda v: matvec_with(consts, v), rhs)

    def forward(consts, rhs):
        x = solve(lambda v: matvec_with(consts, v), rhs)
        return x, (consts, x)

    def backward(residuals, g):
        consts, x = residuals
        if symmetric:
            rhs_cotangent = solve(lambda v: matvec_with(consts, v), g)
        elif transpose_solve is None:
            raise TypeError("transpose_solve required for backwards mode automatic "
                            "differentiation of custom_linear_solve")
        else:
            _, vecmat = _vjp(lambda v: matvec_with(consts, v), x)  # (its own transpose)
            rhs_cotangent = transpose_solve(lambda u: vecmat(u)[0], g)
        _, consts_vjp = _vjp(lambda c: matvec_with(c, x), consts)
        (consts_cotangent,) = consts_vjp(rhs_cotangent)
        consts_cotangent = [c if _dtype_of(c) == _float0 else neg(c) for c in consts_cotangent]
        return consts_cotangent, rhs_cotangent

    linear_solve.defvjp(forward, backward)
    return linear_solve(list(traced.consts), b)


def custom_root(f: Callable[[Any], Any], initial_guess: Any, solve: _Solver,
                tangent_solve: _Solver, has_aux: bool = False) -> Any:
    """The root x = solve(f, initial_guess) of f, differentiated implicitly (never through
    ``solve``): by the implicit function theorem, the values f closes over get minus their
    cotangent through f(x) of u, where u solves the transposed linearisation of f in x,
    J^T u = g, by ``tangent_solve(linear_map, g)``. The initial guess gets none."""
    if has_aux:
        raise NotImplementedError("funcad.lax.custom_root: has_aux=True is not implemented "
                                  "yet")
    traced = _trace_function(f, (initial_guess,))

    def f_with(consts, x):
        return _tree_unflatten(traced.out_tree, _run(traced.jaxpr, *consts, *_tree_leaves(x)))

    @_custom_vjp
    def root(consts, guess):
        return solve(lambda x: f_with(consts, x), guess)

    def forward(consts, guess):
        x = solve(lambda v: f_with(consts, v), guess)
        return x, (consts, x, guess)

    def backward(residuals, g):
        consts, x, guess = residuals
        _, transposed = _vjp(lambda v: f_with(consts, v), x)
        u = tangent_solve(lambda w: transposed(w)[0], g)
        _, consts_vjp = _vjp(lambda c: f_with(c, x), consts)
        (consts_cotangent,) = consts_vjp(u)
        consts_cotangent = [c if _dtype_of(c) == _float0 else neg(c) for c in consts_cotangent]
        return consts_cotangent, _tree_map(lambda v: full_like(v, 0), guess)

    root.defvjp(forward, backward)
    return root(list(traced.consts), initial_guess)
