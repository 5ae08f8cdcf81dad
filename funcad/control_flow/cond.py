"""Branching: ``cond``, ``switch`` and ``select_n``, built on one primitive, ``cond``.

``cond_p.bind(index, *operands, branches=(closed_0, closed_1, ...))`` runs
``branches[index]`` on the operands. Every branch is traced to a sub-IR once, when ``cond``
is called, and they must agree on the structure, shapes and dtypes of their outputs. Its rules:

* reverse mode: a ``cond`` over the branches' VJPs, at the same index (the selected branch's
  forward is recomputed inside its VJP, so only the operands are kept for the backward pass);
* forward mode: a ``cond`` over the branches' JVPs, computing output and tangent together;
* batching: with an unbatched index, a ``cond`` over the batched branches; with a batched
  index, every branch runs on the whole batch and each example selects its branch's result
  (as in JAX: both sides are computed).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from funcad import tree_util
from funcad.codegen import compiled_for
from funcad.control_flow._subjaxprs import (
    aval_of,
    batched_jaxpr,
    batched_outputs,
    differentiable_mask,
    jvp_jaxpr,
    run,
    run_compiled,
    run_eagerly,
    strong_aval,
    strong_value,
    trace_function,
    vjp_jaxpr,
    with_unused_inputs,
)
from funcad.core import Primitive, ShapedArray, dtype_of, shape_of
from funcad.primitives.elementwise import eq, max, min, ne, select
from funcad.primitives.shape import (
    batch_size_of,
    broadcast_to,
    convert_element_type,
    move_batch_axis,
    reshape,
)
from funcad.rules import (
    JVPWithPrimal,
    batching_rules,
    defvjp_all,
    is_differentiable_dtype,
    jvp_rules,
    zeros_constant,
)
from funcad.traceback_util import api_boundary

__all__ = ["cond_p", "cond", "switch", "select_n"]

cond_p = Primitive("cond", multiple_results=True)


@cond_p.def_impl
def _cond_impl(index: Any, *operands: Any, branches: tuple) -> list[Any]:
    return run_eagerly(branches[int(index)], *operands)


cond_p.def_abstract_eval(lambda index, *operands, branches: [
    strong_aval(a) for a in branches[0].out_avals])


def _cond_lowering(params: dict) -> Callable[..., list[Any]]:
    """Generated code runs the branches compiled, each compiled once."""
    branches = params["branches"]
    compiled = [compiled_for(b, f"branch{i}") for i, b in enumerate(branches)]
    out_avals = branches[0].out_avals
    return lambda index, *operands: run_compiled(compiled[int(index)], out_avals, operands)


cond_p.lowering = _cond_lowering


def _cond_vjp(cotangents, ans, args, params, wanted):
    """The VJP of the branch that ran: a ``cond`` over the branches' VJPs."""
    index, *operands = args
    branches = params["branches"]
    want = tuple(w is not None and is_differentiable_dtype(a.dtype)
                 for w, a in zip(wanted[1:], branches[0].in_avals))
    if not any(want):
        return [None] * len(args)
    pullbacks = tuple(vjp_jaxpr(b, want) for b in branches)
    results = iter(cond_p.bind(index, *operands, *cotangents, branches=pullbacks))
    return [None] + [next(results) if w else None for w in want]


def _cond_jvp(primals, tangents, params):
    """A ``cond`` over the branches' JVPs: output and tangent of the branch that runs."""
    index, *operands = primals
    branches = params["branches"]
    in_avals = branches[0].in_avals
    given = [zeros_constant(x) if t is None else t
             for x, t, m in zip(operands, tangents[1:], differentiable_mask(in_avals)) if m]
    pushforwards = tuple(jvp_jaxpr(b) for b in branches)
    results = cond_p.bind(index, *operands, *given, branches=pushforwards)
    num_outs = len(branches[0].out_avals)
    outs, tangents_out = results[:num_outs], iter(results[num_outs:])
    out_mask = differentiable_mask(branches[0].out_avals)
    return outs, [next(tangents_out) if m else None for m in out_mask]


def _cond_batch(values, batch_axes, *, branches):
    index, *operands = values
    index_axis, *operand_axes = batch_axes
    size = batch_size_of(values, batch_axes)
    num_outs = len(branches[0].out_avals)
    in_batched = [axis is not None for axis in operand_axes]
    if index_axis is None:  # an output varies if it does in any branch
        out_batched = [any(column) for column in zip(
            *(batched_outputs(b, in_batched) for b in branches))]
    else:
        out_batched = [True] * num_outs
    batched = [batched_jaxpr(b, operand_axes, size, out_batched) for b in branches]
    if index_axis is None:
        outs = cond_p.bind(index, *operands, branches=tuple(batched))
        return outs, [0 if b else None for b in out_batched]
    # Each example takes its own branch: run them all on the batch and select per example.
    index = move_batch_axis(index, index_axis, 0, size)
    results = [run(b, *operands) for b in batched]
    outs = []
    for k in range(num_outs):
        out = results[0][k]
        rank = len(shape_of(out))
        chooser = reshape(index, (size,) + (1,) * (rank - 1))
        for j in range(1, len(branches)):
            out = select(eq(chooser, j), results[j][k], out)
        outs.append(out)
    return outs, [0] * num_outs


defvjp_all(cond_p, _cond_vjp)
jvp_rules[cond_p] = JVPWithPrimal(_cond_jvp)
batching_rules[cond_p] = _cond_batch

# ----------------------------------------------------------------------------------------------
# The user's functions.


def _scalar_index(value: Any, name: str, argument: str, want: str) -> Any:
    shape = tuple(shape_of(value))
    if shape != ():
        raise TypeError(f"{name}: {argument} must be a scalar, but it has shape {shape}; "
                        f"to choose per element, use funcad.numpy.where or "
                        f"funcad.lax.select_n.")
    dtype = np.dtype(dtype_of(value))
    if want == "integer" and dtype.kind not in "iub":
        raise TypeError(f"{name}: {argument} must be an integer, got dtype {dtype.name}.")
    if dtype.kind not in "biuf":
        raise TypeError(f"{name}: {argument} must be a boolean or a number, got dtype "
                        f"{dtype.name}.")
    return value


@api_boundary
def cond(pred: Any, true_fun: Callable[..., Any], false_fun: Callable[..., Any],
         *operands: Any) -> Any:
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``, as one staged
    operation: both functions are traced, and must return the same structure, shapes and
    dtypes. ``pred`` is a scalar boolean (a number counts as ``pred != 0``)."""
    if not callable(true_fun) or not callable(false_fun):
        raise TypeError("cond: true_fun and false_fun must be callable; the operands come "
                        "after them: cond(pred, true_fun, false_fun, *operands).")
    pred = _scalar_index(strong_value(pred), "cond", "pred", "boolean")
    if np.dtype(dtype_of(pred)) != np.bool_:
        pred = ne(pred, 0)
    index = convert_element_type(pred, np.int32)
    return _bind_branches("cond", index, (false_fun, true_fun), operands,
                          ("false_fun", "true_fun"))


@api_boundary
def switch(index: Any, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """``branches[index](*operands)`` as one staged operation; ``index`` is clamped to
    ``[0, len(branches) - 1]``, as in JAX."""
    branches = tuple(branches)
    if not branches:
        raise ValueError("switch: branches must contain at least one function.")
    for i, fun in enumerate(branches):
        if not callable(fun):
            raise TypeError(f"switch: branches[{i}] is not callable ({fun!r}).")
    index = _scalar_index(strong_value(index), "switch", "index", "integer")
    if len(branches) == 1:
        return branches[0](*operands)
    index = convert_element_type(index, np.int32)
    index = min(max(index, np.int32(0)), np.int32(len(branches) - 1))
    return _bind_branches("switch", index, branches, operands,
                          tuple(f"branches[{i}]" for i in range(len(branches))))


def _bind_branches(name: str, index: Any, funs: Sequence[Callable[..., Any]],
                   operands: Sequence[Any], labels: Sequence[str]) -> Any:
    operands = tree_util.tree_map(strong_value, tuple(operands))
    flat, _ = tree_util.tree_flatten(operands)
    traced = [trace_function(fun, operands) for fun in funs]
    traced = _promote_weak_outputs(name, funs, operands, traced, labels)
    first = traced[0]
    out_avals = [strong_aval(a) for a in first.jaxpr.out_avals]
    paths = [f"output{tree_util.keystr(path)}" for path, _ in
             tree_util.tree_leaves_with_path(tree_util.tree_unflatten(
                 first.out_tree, list(range(len(out_avals)))))]
    for t, label in zip(traced[1:], labels[1:]):
        if t.out_tree != first.out_tree:
            raise TypeError(f"{name}: {labels[0]} and {label} must return the same structure, "
                            f"but they return {first.out_tree} and {t.out_tree}.")
        for path, want, have in zip(paths, out_avals, t.jaxpr.out_avals):
            if want.shape != have.shape or want.dtype != have.dtype:
                raise TypeError(
                    f"{name}: every branch must return the same shapes and dtypes, but "
                    f"{path} is {want.str_short()} in {labels[0]} and "
                    f"{strong_aval(have).str_short()} in {label}.")
    # Every branch takes the tracers that any branch closes over, in one order.
    const_avals = [[aval_of(c) for c in t.consts] for t in traced]
    branches = []
    for k, t in enumerate(traced):
        before = [a for avals in const_avals[:k] for a in avals]
        after = [a for avals in const_avals[k + 1:] for a in avals]
        branches.append(with_unused_inputs(t.jaxpr, len(t.consts), before, after))
    consts = [c for t in traced for c in t.consts]
    outs = cond_p.bind(index, *consts, *flat, branches=tuple(branches))
    return tree_util.tree_unflatten(first.out_tree, outs)


def _promote_weak_outputs(name, funs, operands, traced, labels):
    """A branch output that is a Python scalar (weakly typed) takes the dtype the other
    branches give that output, as in JAX: ``cond(p, lambda x: 0, lambda x: x, 1.5)``."""
    if len({t.out_tree for t in traced}) != 1:
        return traced  # (reported by the caller)
    columns = list(zip(*(t.jaxpr.out_avals for t in traced)))
    targets = []
    for avals in columns:
        strong = {a.dtype for a in avals if not a.weak_type}
        dtypes = {a.dtype for a in avals}
        targets.append(strong.pop() if len(dtypes) > 1 and len(strong) == 1 else None)
    if not any(t is not None for t in targets):
        return traced
    promoted = []
    for fun, t in zip(funs, traced):
        casts = [target if target is not None and aval.weak_type and aval.dtype != target
                 else None for target, aval in zip(targets, t.jaxpr.out_avals)]
        if not any(c is not None for c in casts):
            promoted.append(t)
            continue

        def cast_outputs(*args, fun=fun, casts=casts, out_tree=t.out_tree):
            flat = tree_util.tree_leaves(fun(*args))
            flat = [x if c is None else convert_element_type(x, c) for x, c in zip(flat, casts)]
            return tree_util.tree_unflatten(out_tree, flat)

        promoted.append(trace_function(cast_outputs, operands))
    return promoted


def select_n(which: Any, *cases: Any) -> Any:
    """Elementwise choice among ``cases`` (arrays of one shape and dtype): ``cases[which]``
    at each position. ``which`` is a boolean (two cases) or an integer array, of the cases'
    shape or a scalar."""
    if not cases:
        raise ValueError("select_n: at least one case is required.")
    cases = tuple(strong_value(c) for c in cases)
    which = strong_value(which)
    shape, dtype = tuple(shape_of(cases[0])), np.dtype(dtype_of(cases[0]))
    for i, case in enumerate(cases[1:], 1):
        if tuple(shape_of(case)) != shape or np.dtype(dtype_of(case)) != dtype:
            raise TypeError(
                f"select_n: all cases must have the same shape and dtype, but case 0 is "
                f"{ShapedArray(shape, dtype).str_short()} and case {i} is "
                f"{ShapedArray(tuple(shape_of(case)), dtype_of(case)).str_short()}.")
    which_shape, which_dtype = tuple(shape_of(which)), np.dtype(dtype_of(which))
    if which_shape not in ((), shape):
        raise TypeError(f"select_n: which must be a scalar or have the cases' shape {shape}, "
                        f"got shape {which_shape}.")
    if which_dtype == np.bool_:
        if len(cases) > 2:
            raise TypeError(f"select_n: a boolean which chooses between 2 cases, got "
                            f"{len(cases)}; use an integer which.")
    elif which_dtype.kind not in "iu":
        raise TypeError(f"select_n: which must be boolean or integer, got dtype "
                        f"{which_dtype.name}.")
    if len(cases) == 1:
        return cases[0]
    out = cases[0]
    for j, case in enumerate(cases[1:], 1):
        chosen = which if which_dtype == np.bool_ else eq(which, j)
        out = select(broadcast_to(chosen, shape), case, out)
    return out
