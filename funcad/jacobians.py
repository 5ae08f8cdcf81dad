"""Whole Jacobians and Hessians, built from the three interpreters.

``jacfwd`` pushes every basis vector of the input space through ``jvp`` at once, by vmapping
``jvp`` over the rows of an identity matrix; ``jacrev`` pulls every basis vector of the output
space back through one ``vjp`` the same way. Neither loops over outputs in Python. The result
has, for each output leaf, the structure of the differentiated arguments, each leaf of shape
``output.shape + input.shape`` (JAX's layout).
"""

from __future__ import annotations

import math
from typing import Any, Callable, ParamSpec, Sequence, cast

import numpy as np

from funcad import tree_util
from funcad.ad import check_input_dtypes, check_output_dtype, grad, normalize_argnums, vjp
from funcad.batching import vmap
from funcad.core import dtype_of, shape_of
from funcad.jvp import jvp
from funcad.primitives.indexing import Slice, getitem
from funcad.primitives.shape import reshape, transpose
from funcad.traceback_util import api_boundary

__all__ = [
    "jacfwd", "jacrev", "jacobian", "hessian", "hvp",
]

P = ParamSpec("P")  # (the parameters of a differentiated function, kept by the results)



def _size(shape: Sequence[int]) -> int:
    return math.prod(shape)


def _basis(shapes: list[tuple[int, ...]], dtypes: list[np.dtype]) -> list[np.ndarray]:
    """The standard basis of the space of these leaves, as one stacked array per leaf:
    leaf i gets shape (N,) + shapes[i] where N is the total size."""
    total = sum(_size(s) for s in shapes)
    out = []
    offset = 0
    for shape, dtype in zip(shapes, dtypes):
        n = _size(shape)
        block = np.zeros((total, n), dtype)
        block[offset:offset + n] = np.eye(n, dtype=dtype)
        out.append(block.reshape((total,) + tuple(shape)))
        offset += n
    return out


def _split_jacobian(stacked: Any, out_shape: tuple[int, ...], in_shapes: list[tuple[int, ...]],
                    stack_axis_first: bool) -> list[Any]:
    """Cut a Jacobian block of one output leaf into one piece per input leaf, each of shape
    out_shape + in_shape. ``stacked`` is (N_in, *out_shape) for jacfwd (basis first) or
    (N_out, *in_shape) pieces are handled by the caller for jacrev."""
    if stack_axis_first:  # (the basis axis goes last)
        ndim = len(shape_of(stacked))
        moved = transpose(stacked, tuple(range(1, ndim)) + (0,))
    else:
        moved = stacked
    if len(in_shapes) == 1:  # one input leaf: the whole block, no slicing
        return [reshape(moved, tuple(out_shape) + tuple(in_shapes[0]))]
    pieces = []
    offset = 0
    for in_shape in in_shapes:
        n = _size(in_shape)
        piece = getitem(moved, (Ellipsis, Slice(offset, offset + n, None)))
        pieces.append(reshape(piece, tuple(out_shape) + tuple(in_shape)))
        offset += n
    return pieces


def _split_args(fun, argnums, args, kwargs, name, holomorphic, allow_int=False,
                complex_ok=True):
    """The differentiated leaves, and ``fun`` of them alone. Keyword arguments are passed
    through, not differentiated, as in JAX."""
    nums = normalize_argnums(argnums, len(args), name)
    diff = [args[i] for i in nums]
    flat, in_tree = tree_util.tree_flatten(diff)
    flat = [x if hasattr(x, "dtype") else np.asarray(x, dtype=float if isinstance(
        x, float) else None) for x in flat]
    check_input_dtypes(flat, in_tree, nums, name, holomorphic, allow_int, complex_ok)

    def flat_fun(*leaves: Any) -> Any:
        full = list(args)
        for i, sub in zip(nums, tree_util.tree_unflatten(in_tree, list(leaves))):
            full[i] = sub
        return fun(*full, **kwargs)

    return nums, flat, in_tree, flat_fun


def _assemble(per_out: list[list[Any]], out_tree: Any, in_tree: Any, single: bool) -> Any:
    inner = [tree_util.tree_unflatten(in_tree, pieces) for pieces in per_out]
    if single:
        inner = [sub[0] for sub in inner]
    else:
        inner = [tuple(sub) for sub in inner]
    return tree_util.tree_unflatten(out_tree, inner)


def jacfwd(fun: Callable[P, Any], argnums: int | Sequence[int] = 0,
           has_aux: bool = False, holomorphic: bool = False) -> Callable[P, Any]:
    """The Jacobian of ``fun`` by forward mode (efficient when inputs are few). Inputs are
    real (outputs may be complex); with ``holomorphic=True`` both are complex and the
    Jacobian is the complex derivative."""
    single = isinstance(argnums, (int, np.integer))

    @api_boundary
    def jac_fun(*args: Any, **kwargs: Any) -> Any:
        nums, flat, in_tree, flat_fun = _split_args(fun, argnums, args, kwargs, "jacfwd",
                                                    holomorphic, complex_ok=False)
        in_shapes = [tuple(shape_of(x)) for x in flat]
        basis = _basis(in_shapes, [dtype_of(x) for x in flat])

        def pushforward(*tangents: Any) -> Any:
            return jvp(flat_fun, tuple(flat), tuple(tangents), has_aux=has_aux)

        if has_aux:
            out, tangents_out, aux = vmap(pushforward, out_axes=(None, 0, None))(*basis)
        else:
            out, tangents_out = vmap(pushforward, out_axes=(None, 0))(*basis)
        out_flat, out_tree = tree_util.tree_flatten(out)
        if holomorphic:
            for o in out_flat:
                check_output_dtype(dtype_of(o), "jacfwd", True)
        t_flat = tree_util.tree_leaves(tangents_out)
        per_out = [_split_jacobian(t, tuple(shape_of(o)), in_shapes, stack_axis_first=True)
                   for t, o in zip(t_flat, out_flat)]
        jac = _assemble(per_out, out_tree, in_tree, single)
        return (jac, aux) if has_aux else jac

    return cast("Callable[P, Any]", jac_fun)


def jacrev(fun: Callable[P, Any], argnums: int | Sequence[int] = 0,
           has_aux: bool = False, holomorphic: bool = False,
           allow_int: bool = False) -> Callable[P, Any]:
    """The Jacobian of ``fun`` by reverse mode (efficient when outputs are few). Outputs are
    real (inputs may be complex: JAX's gradients); with ``holomorphic=True`` both are complex
    and the Jacobian is the complex derivative. ``allow_int``: float0 blocks for integer
    inputs."""
    single = isinstance(argnums, (int, np.integer))

    @api_boundary
    def jac_fun(*args: Any, **kwargs: Any) -> Any:
        nums, flat, in_tree, flat_fun = _split_args(fun, argnums, args, kwargs, "jacrev",
                                                    holomorphic, allow_int)
        in_shapes = [tuple(shape_of(x)) for x in flat]
        result = vjp(flat_fun, *flat, has_aux=has_aux)
        out, f_vjp = result[0], result[1]
        out_flat, out_tree = tree_util.tree_flatten(out)
        for o in out_flat:
            check_output_dtype(dtype_of(o), "jacrev", holomorphic)
        out_shapes = [tuple(shape_of(o)) for o in out_flat]
        basis = _basis(out_shapes, [dtype_of(o) for o in out_flat])

        def pullback(*cotangent_leaves: Any) -> Any:
            return f_vjp(tree_util.tree_unflatten(out_tree, list(cotangent_leaves)))

        if not out_shapes:  # no outputs: nothing to pull back
            jac = _assemble([], out_tree, in_tree, single)
            return (jac, result[2]) if has_aux else jac
        if len(out_shapes) == 1 and _size(out_shapes[0]) == 1:  # a scalar function: no vmap
            rows = [b[0] for b in basis]
            per_out = [[reshape(ct, out_shapes[0] + in_shape)
                        for ct, in_shape in zip(pullback(*rows), in_shapes)]]
            jac = _assemble(per_out, out_tree, in_tree, single)
            return (jac, result[2]) if has_aux else jac
        else:
            cotangents = vmap(pullback)(*basis)  # one (N_out, *in_shape) block per input leaf
        if len(out_shapes) == 1:  # one output leaf: the whole block, no slicing
            per_out = [[reshape(ct, out_shapes[0] + in_shape)
                        for ct, in_shape in zip(cotangents, in_shapes)]]
            jac = _assemble(per_out, out_tree, in_tree, single)
            return (jac, result[2]) if has_aux else jac
        per_out = []
        offset = 0
        for out_shape in out_shapes:
            m = _size(out_shape)
            pieces = []
            for ct, in_shape in zip(cotangents, in_shapes):
                block = getitem(ct, (Slice(offset, offset + m, None),))
                pieces.append(reshape(block, out_shape + in_shape))
            per_out.append(pieces)
            offset += m
        jac = _assemble(per_out, out_tree, in_tree, single)
        return (jac, result[2]) if has_aux else jac

    return cast("Callable[P, Any]", jac_fun)


def jacobian(fun: Callable[P, Any], argnums: int | Sequence[int] = 0,
             has_aux: bool = False, holomorphic: bool = False,
             allow_int: bool = False) -> Callable[P, Any]:
    """The Jacobian of ``fun``: ``jacrev``, as in JAX."""
    return jacrev(fun, argnums, has_aux=has_aux, holomorphic=holomorphic, allow_int=allow_int)


def hessian(fun: Callable[P, Any], argnums: int | Sequence[int] = 0,
            has_aux: bool = False, holomorphic: bool = False) -> Callable[P, Any]:
    """The Hessian of a scalar function: ``jacfwd(jacrev(fun))`` (forward over reverse)."""
    return jacfwd(jacrev(fun, argnums, has_aux=has_aux, holomorphic=holomorphic), argnums,
                  has_aux=has_aux, holomorphic=holomorphic)


@api_boundary
def hvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """Hessian-vector product of a scalar function without forming the Hessian: the
    directional derivative of ``grad(fun)`` along ``tangents`` (forward over reverse)."""
    argnums = 0 if len(primals) == 1 else tuple(range(len(primals)))
    return jvp(grad(fun, argnums), tuple(primals), tuple(tangents))[1]
