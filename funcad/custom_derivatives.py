"""Custom derivative rules: ``custom_vjp`` and ``custom_jvp``, as in JAX.

A decorated function becomes one primitive equation whose ``fun`` param is the function's
IR (what evaluation, ``make_jaxpr`` and batching use) and whose other params are the user's
rules, flattened to lists of leaves:

* ``custom_vjp_call``: reverse mode runs the user's ``fwd`` instead of the function, keeps
  its residuals, and later calls ``bwd`` with them. Forward mode is refused, as in JAX.
  Batching batches ``fwd`` and ``bwd`` too.
* ``custom_jvp_call``: forward mode calls the user's rule. Reverse mode uses it as well: the
  rule's tangent output is linear in the tangents, so the cotangents are the VJP of that
  linear map (its transpose), taken at zero tangents. ``grad`` of a ``custom_jvp`` function
  therefore gives the rule's numbers, never the derivative of the function's own code.

Arguments in ``nondiff_argnums`` are passed through as Python values (they may be functions
or other objects that are not arrays), to ``bwd`` first, and to the JVP rule as they are.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Generic, ParamSpec, Sequence, TypeVar

import numpy as np

from funcad import tree_util
from funcad.ad import vjp
from funcad.batching import vmap
from funcad.control_flow._subjaxprs import (
    aval_of,
    batched_jaxpr,
    batched_outputs,
    differentiable_mask,
    run_eagerly,
    strong_aval,
    strong_value,
    trace_function,
)
from funcad.core import Primitive, ShapedArray, get_aval, shape_of
from funcad.primitives.shape import batch_size_of, move_batch_axis, reduce_sum
from funcad.rules import (
    DifferentiationTracer,
    JVPWithPrimal,
    VJPWithResiduals,
    batching_rules,
    float0,
    is_differentiable_dtype,
    jvp_rules,
    vjp_rules,
    zeros_constant,
)
from funcad.traceback_util import api_boundary

__all__ = ["custom_vjp", "custom_jvp", "custom_vjp_call_p", "custom_jvp_call_p", "NamedRule"]

P = ParamSpec("P")  # (a function with a custom rule keeps its parameters and result type)
R = TypeVar("R")


class NamedRule:
    """A user's rule as an equation param: called like the function, printed by its name (the
    IR printer shows ``jvp=jvp of log1pexp``, not a function's address)."""

    __slots__ = ("function", "label")

    def __init__(self, function: Callable[..., Any], label: str):
        self.function = function
        self.label = label

    def __call__(self, *args: Any) -> Any:
        return self.function(*args)

    def __repr__(self) -> str:
        return self.label


def _type_of(x: Any) -> ShapedArray:
    return strong_aval(get_aval(x))


def _paths(tree: Any, root: str) -> list[str]:
    return [root + tree_util.keystr(p) for p, _ in tree_util.tree_leaves_with_path(tree)]


def _check_leaves(name: str, what: str, paths: Sequence[str], expected: Sequence[Any],
                  got: Sequence[Any]) -> None:
    for path, want, have in zip(paths, expected, got):
        want, have = strong_aval(want), _type_of(have)
        if want.shape != have.shape or want.dtype != have.dtype:
            raise TypeError(f"{name}: {what}: {path} should be {want.str_short()} but is "
                            f"{have.str_short()}.")


def _resolve_arguments(fun: Callable[..., Any], args: tuple, kwargs: dict) -> tuple:
    """Keyword arguments bound to positions by ``fun``'s signature (as JAX does)."""
    if not kwargs:
        return args
    try:
        bound = inspect.signature(fun).bind(*args, **kwargs)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{getattr(fun, '__name__', 'the function')}: {err}") from None
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError("custom derivative functions take keyword arguments only for "
                        "parameters that can be passed by position.")
    return bound.args


def _split_nondiff(args: tuple, nondiff_argnums: tuple) -> tuple[list, list]:
    nondiff = [args[i] for i in nondiff_argnums]
    diff = [a for i, a in enumerate(args) if i not in nondiff_argnums]
    return nondiff, diff


def _merge(nondiff: Sequence[Any], diff: Sequence[Any], nondiff_argnums: tuple) -> list:
    out, nd, d = [], iter(nondiff), iter(diff)
    for i in range(len(nondiff) + len(diff)):
        out.append(next(nd) if i in nondiff_argnums else next(d))
    return out


def _normalize_nondiff(nondiff_argnums: Any) -> tuple[int, ...]:
    nums = (nondiff_argnums,) if isinstance(nondiff_argnums, int) else tuple(nondiff_argnums)
    return tuple(sorted(int(i) for i in nondiff_argnums)) if nums else ()


def _closure_error(kind: str) -> TypeError:
    return TypeError(
        f"{kind}: the function closes over a value that is being differentiated, but a custom "
        f"rule only says how to differentiate with respect to the function's explicit "
        f"arguments. Pass that value as an argument instead.")


# ----------------------------------------------------------------------------------------------
# custom_vjp


custom_vjp_call_p = Primitive("custom_vjp_call", multiple_results=True)
custom_vjp_call_p.def_impl(lambda *args, fun, fwd, bwd, num_consts: run_eagerly(fun, *args))
custom_vjp_call_p.def_abstract_eval(lambda *avals, fun, fwd, bwd, num_consts: [
    strong_aval(a) for a in fun.out_avals])


def _custom_vjp_forward(primals, params, wanted):
    outs, residuals = params["fwd"](*primals[params["num_consts"]:])
    return outs, residuals


def _custom_vjp_backward(residuals, cotangents, ans, args, params, wanted):
    num_consts = params["num_consts"]
    if any(w is not None for w in wanted[:num_consts]):
        raise _closure_error("custom_vjp")
    return [None] * num_consts + list(params["bwd"](residuals, list(cotangents)))


def _custom_vjp_jvp(primals, tangents, params):
    raise TypeError("can't apply forward-mode autodiff (jvp) to a custom_vjp function.")


def _custom_vjp_batch(values, batch_axes, *, fun, fwd, bwd, num_consts):
    size = batch_size_of(values, batch_axes)
    args = [v if a is None else move_batch_axis(v, a, 0, size)
            for v, a in zip(values, batch_axes)]
    in_axes = tuple(None if a is None else 0 for a in batch_axes)
    arg_axes = in_axes[num_consts:]
    out_batched = [True] * len(fun.out_avals)
    batched_fun = batched_jaxpr(fun, in_axes, size, out_batched)

    def batched_fwd(*arg_values):
        return vmap(fwd, in_axes=arg_axes, out_axes=0, axis_size=size)(*arg_values)

    def batched_bwd(residuals, cotangents):
        cts = vmap(lambda r, c: [_zero_if_none(x, v) for x, v in zip(bwd(r, c), arg_avals)],
                   in_axes=(0, 0), out_axes=0, axis_size=size)(residuals, cotangents)
        # an argument shared by the whole batch gets the sum of the examples' cotangents
        return [reduce_sum(c, (0,)) if axis is None and is_differentiable_dtype(aval.dtype)
                else (None if not is_differentiable_dtype(aval.dtype) else c)
                for c, axis, aval in zip(cts, arg_axes, arg_avals)]

    arg_avals = list(fun.in_avals[num_consts:])
    outs = custom_vjp_call_p.bind(*args, fun=batched_fun,
                                  fwd=NamedRule(batched_fwd, f"batched {fwd!r}"),
                                  bwd=NamedRule(batched_bwd, f"batched {bwd!r}"),
                                  num_consts=num_consts)
    return outs, [0] * len(outs)


def _zero_if_none(cotangent: Any, aval: ShapedArray) -> Any:
    if cotangent is not None:
        return cotangent
    dtype = aval.dtype if is_differentiable_dtype(aval.dtype) else float0
    return np.zeros(aval.shape, dtype)


vjp_rules[custom_vjp_call_p] = VJPWithResiduals(_custom_vjp_forward, _custom_vjp_backward)
jvp_rules[custom_vjp_call_p] = JVPWithPrimal(_custom_vjp_jvp)
batching_rules[custom_vjp_call_p] = _custom_vjp_batch


class custom_vjp(Generic[P, R]):
    """A function with a custom reverse-mode rule (``jax.custom_vjp``)::

        @funcad.custom_vjp
        def f(x, y): ...
        def f_fwd(x, y): return f(x, y), residuals
        def f_bwd(residuals, g): return (cotangent_x, cotangent_y)  # None for a zero
        f.defvjp(f_fwd, f_bwd)

    With ``nondiff_argnums``, those arguments are passed to ``bwd`` first:
    ``f_bwd(*nondiff_args, residuals, g)``, and get no cotangent."""

    def __init__(self, fun: Callable[P, R], nondiff_argnums: Sequence[int] = ()):
        if not callable(fun):
            raise TypeError(f"custom_vjp expects a callable, got {fun!r}.")
        functools.update_wrapper(self, fun)
        self.fun: Callable[..., Any] = fun
        self.nondiff_argnums = _normalize_nondiff(nondiff_argnums)
        self.fwd: Callable[..., Any] | None = None
        self.bwd: Callable[..., Any] | None = None

    def defvjp(self, fwd: Callable[..., Any], bwd: Callable[..., Any],
               symbolic_zeros: bool = False, optimize_remat: bool = False) -> None:
        if not callable(fwd) or not callable(bwd):
            raise TypeError("custom_vjp.defvjp expects two callables: defvjp(fwd, bwd).")
        if symbolic_zeros:
            raise NotImplementedError("custom_vjp.defvjp(symbolic_zeros=True) is not "
                                      "supported; bwd receives zero cotangents as arrays.")
        self.fwd, self.bwd = fwd, bwd

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        return self if instance is None else functools.partial(self, instance)

    @api_boundary
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        name = getattr(self.fun, "__name__", "fun")
        if self.fwd is None:
            raise AttributeError(f"No VJP defined for custom_vjp function {name} using "
                                 f"defvjp.")
        positional = _resolve_arguments(self.fun, args, kwargs)
        for i in self.nondiff_argnums:
            if not -len(positional) <= i < len(positional):
                raise ValueError(f"custom_vjp: nondiff_argnums names argument {i}, but "
                                 f"{name} was called with {len(positional)} arguments.")
        nondiff, diff = _split_nondiff(positional, self.nondiff_argnums)
        diff = tree_util.tree_map(strong_value, diff)
        flat, in_tree = tree_util.tree_flatten(diff)
        nd = self.nondiff_argnums
        fun = self.fun
        traced = trace_function(lambda *d: fun(*_merge(nondiff, d, nd)), tuple(diff))
        if any(isinstance(c, DifferentiationTracer) for c in traced.consts):
            raise _closure_error("custom_vjp")
        out_tree = traced.out_tree
        out_avals = list(traced.jaxpr.out_avals)
        out_paths = _paths(tree_util.tree_unflatten(out_tree, out_avals), "output")
        arg_paths = _paths(diff, "argument")
        residual_tree_box: list[Any] = []
        user_fwd, user_bwd = self.fwd, self.bwd

        def fwd_flat(*leaves: Any) -> tuple[list, list]:
            result = user_fwd(*_merge(nondiff, tree_util.tree_unflatten(in_tree, list(leaves)),
                                      nd))
            if not (isinstance(result, (tuple, list)) and len(result) == 2):
                raise TypeError(f"custom_vjp: the fwd function of {name} must return a pair "
                                f"(output, residuals), got {type(result).__name__}.")
            out, residuals = result
            out_flat, tree = tree_util.tree_flatten(out)
            if tree != out_tree:
                raise TypeError(f"custom_vjp: the fwd function of {name} must return an output "
                                f"with the structure of {name}'s, {out_tree}, got {tree}.")
            _check_leaves("custom_vjp", f"the fwd function of {name} returns an output unlike "
                          f"{name}'s", out_paths, out_avals, out_flat)
            residual_flat, residual_tree = tree_util.tree_flatten(residuals)
            residual_tree_box[:] = [residual_tree]
            return out_flat, residual_flat

        def bwd_flat(residual_flat: list, cotangent_flat: list) -> list:
            residuals = tree_util.tree_unflatten(residual_tree_box[0], residual_flat)
            cotangent = tree_util.tree_unflatten(out_tree, cotangent_flat)
            result = user_bwd(*nondiff, residuals, cotangent)  # type: ignore[misc]  # (set with fwd)
            if not isinstance(result, (tuple, list)) or len(result) != len(diff):
                got = len(result) if isinstance(result, (tuple, list)) else type(result).__name__
                raise TypeError(
                    f"custom_vjp: the bwd function of {name} must return a tuple with one "
                    f"cotangent (or None) per differentiable argument, {len(diff)} of them, "
                    f"but it returned {got}.")
            leaves: list[Any] = []
            for k, (arg, cotangent_k) in enumerate(zip(diff, result)):
                arg_leaves, arg_tree = tree_util.tree_flatten(arg)
                if cotangent_k is None:
                    leaves.extend([None] * len(arg_leaves))
                    continue
                ct_leaves, ct_tree = tree_util.tree_flatten(
                    cotangent_k, is_leaf=lambda x: x is None)
                if ct_tree != arg_tree and len(ct_leaves) != len(arg_leaves):
                    raise TypeError(
                        f"custom_vjp: the bwd function of {name} returned a cotangent for "
                        f"argument {k} with structure {ct_tree}, but the argument has "
                        f"structure {arg_tree}.")
                for leaf, ct in zip(arg_leaves, ct_leaves):
                    aval = aval_of(leaf)
                    if ct is None or not is_differentiable_dtype(aval.dtype):
                        leaves.append(None)
                        continue
                    have = _type_of(ct)
                    if have.shape != aval.shape:
                        raise TypeError(
                            f"custom_vjp: the bwd function of {name} returned a cotangent of "
                            f"shape {have.shape} for {arg_paths[len(leaves)]}, which has shape "
                            f"{aval.shape}.")
                    leaves.append(ct)
            return leaves

        outs = custom_vjp_call_p.bind(
            *traced.consts, *flat, fun=traced.jaxpr, fwd=NamedRule(fwd_flat, f"fwd of {name}"),
            bwd=NamedRule(bwd_flat, f"bwd of {name}"), num_consts=len(traced.consts))
        return tree_util.tree_unflatten(out_tree, outs)


# ----------------------------------------------------------------------------------------------
# custom_jvp


custom_jvp_call_p = Primitive("custom_jvp_call", multiple_results=True)
custom_jvp_call_p.def_impl(lambda *args, fun, jvp, num_consts: run_eagerly(fun, *args))
custom_jvp_call_p.def_abstract_eval(lambda *avals, fun, jvp, num_consts: [
    strong_aval(a) for a in fun.out_avals])


def _instantiated_tangents(values: Sequence[Any], tangents: Sequence[Any]) -> list[Any]:
    out = []
    for value, tangent in zip(values, tangents):
        aval = aval_of(value)
        if not is_differentiable_dtype(aval.dtype):
            out.append(np.zeros(aval.shape, float0))
        else:
            out.append(zeros_constant(value) if tangent is None else tangent)
    return out


def _custom_jvp_rule(primals, tangents, params):
    num_consts = params["num_consts"]
    if any(t is not None for t in tangents[:num_consts]):
        raise _closure_error("custom_jvp")
    args = primals[num_consts:]
    outs, tangents_out = params["jvp"](args, _instantiated_tangents(args, tangents[num_consts:]))
    out_mask = differentiable_mask(params["fun"].out_avals)
    return outs, [t if m else None for t, m in zip(tangents_out, out_mask)]


def _custom_jvp_vjp(cotangents, ans, args, params, wanted):
    """The rule's tangent output is linear in the tangents: pull the cotangents back through
    that linear map (its VJP, taken at zero tangents, is its transpose)."""
    num_consts = params["num_consts"]
    if any(w is not None for w in wanted[:num_consts]):
        raise _closure_error("custom_jvp")
    values = args[num_consts:]
    in_mask = differentiable_mask([aval_of(v) for v in values])
    out_mask = differentiable_mask(params["fun"].out_avals)
    rule = params["jvp"]

    def tangent_map(*diff_tangents: Any) -> list[Any]:
        given = iter(diff_tangents)
        tangents = [next(given) if m else np.zeros(shape_of(v), float0)
                    for v, m in zip(values, in_mask)]
        _, tangents_out = rule(values, tangents)
        return [t for t, m in zip(tangents_out, out_mask) if m]

    zero_tangents = [zeros_constant(v) for v, m in zip(values, in_mask) if m]
    _, pullback = vjp(tangent_map, *zero_tangents)
    diff_cotangents = iter(pullback([c for c, m in zip(cotangents, out_mask) if m]))
    return [None] * num_consts + [next(diff_cotangents) if m else None for m in in_mask]


def _custom_jvp_batch(values, batch_axes, *, fun, jvp, num_consts):
    size = batch_size_of(values, batch_axes)
    args = [v if a is None else move_batch_axis(v, a, 0, size)
            for v, a in zip(values, batch_axes)]
    in_axes = tuple(None if a is None else 0 for a in batch_axes)
    out_batched = batched_outputs(fun, [a is not None for a in in_axes])
    out_axes = [0 if b else None for b in out_batched]
    batched_fun = batched_jaxpr(fun, in_axes, size, out_batched)
    arg_axes = list(in_axes[num_consts:])

    def batched_rule(primals, tangents):
        # (a tangent is laid out as its primal: batched along axis 0 if the primal is)
        return vmap(jvp, in_axes=(arg_axes, arg_axes), out_axes=(out_axes, out_axes),
                    axis_size=size)(list(primals), list(tangents))

    outs = custom_jvp_call_p.bind(*args, fun=batched_fun,
                                  jvp=NamedRule(batched_rule, f"batched {jvp!r}"),
                                  num_consts=num_consts)
    return outs, out_axes


jvp_rules[custom_jvp_call_p] = JVPWithPrimal(_custom_jvp_rule)
vjp_rules[custom_jvp_call_p] = _custom_jvp_vjp
batching_rules[custom_jvp_call_p] = _custom_jvp_batch


class custom_jvp(Generic[P, R]):
    """A function with a custom forward-mode rule (``jax.custom_jvp``)::

        @funcad.custom_jvp
        def f(x): ...
        @f.defjvp
        def f_jvp(primals, tangents):
            (x,), (t,) = primals, tangents
            return f(x), rule(x) * t

    or ``f.defjvps(lambda t, ans, x: ..., ...)``, one tangent contribution per argument.
    Reverse mode uses the same rule (transposed), so ``grad(f)`` gives the rule's numbers."""

    def __init__(self, fun: Callable[P, R], nondiff_argnums: Sequence[int] = ()):
        if not callable(fun):
            raise TypeError(f"custom_jvp expects a callable, got {fun!r}.")
        functools.update_wrapper(self, fun)
        self.fun: Callable[..., Any] = fun
        self.nondiff_argnums = _normalize_nondiff(nondiff_argnums)
        self.jvp: Callable[..., Any] | None = None

    def defjvp(self, jvp: Callable[..., Any], symbolic_zeros: bool = False) -> Callable:
        if not callable(jvp):
            raise TypeError("custom_jvp.defjvp expects a callable jvp(primals, tangents).")
        if symbolic_zeros:
            raise NotImplementedError("custom_jvp.defjvp(symbolic_zeros=True) is not "
                                      "supported; the rule receives zero tangents as arrays.")
        self.jvp = jvp
        return jvp

    def defjvps(self, *jvps: Callable[..., Any] | None) -> None:
        """One rule per argument, ``jvp_i(tangent_i, primal_out, *primals)``; their
        contributions add (``None``: the argument has no tangent contribution)."""
        fun, nd = self.fun, self.nondiff_argnums

        def jvp(*args):
            *nondiff, primals, tangents = args
            out = fun(*_merge(nondiff, primals, nd))
            total = None
            for rule, tangent in zip(jvps, tangents):
                if rule is None:
                    continue
                term = rule(tangent, out, *primals)
                total = term if total is None else tree_util.tree_map(
                    lambda a, b: a + b, total, term)
            if total is None:
                total = tree_util.tree_map(zeros_constant, out)
            return out, total

        self.jvp = jvp

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        return self if instance is None else functools.partial(self, instance)

    @api_boundary
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        name = getattr(self.fun, "__name__", "fun")
        if self.jvp is None:
            raise AttributeError(f"No JVP defined for custom_jvp function {name} using "
                                 f"defjvp.")
        positional = _resolve_arguments(self.fun, args, kwargs)
        nondiff, diff = _split_nondiff(positional, self.nondiff_argnums)
        diff = tree_util.tree_map(strong_value, diff)
        flat, in_tree = tree_util.tree_flatten(diff)
        nd = self.nondiff_argnums
        fun, user_jvp = self.fun, self.jvp
        traced = trace_function(lambda *d: fun(*_merge(nondiff, d, nd)), tuple(diff))
        if any(isinstance(c, DifferentiationTracer) for c in traced.consts):
            raise _closure_error("custom_jvp")
        out_tree = traced.out_tree
        out_avals = list(traced.jaxpr.out_avals)
        out_paths = _paths(tree_util.tree_unflatten(out_tree, out_avals), "output")

        def jvp_flat(values: Sequence[Any], tangents: Sequence[Any]) -> tuple[list, list]:
            primals = tree_util.tree_unflatten(in_tree, list(values))
            tangent_args = tree_util.tree_unflatten(in_tree, list(tangents))
            result = user_jvp(*nondiff, tuple(primals), tuple(tangent_args))
            if not (isinstance(result, (tuple, list)) and len(result) == 2):
                raise TypeError(f"custom_jvp: the JVP rule of {name} must return a pair "
                                f"(primal_out, tangent_out), got {type(result).__name__}.")
            out, tangent_out = result
            out_flat, tree = tree_util.tree_flatten(out)
            tangent_flat, tangent_tree = tree_util.tree_flatten(tangent_out)
            if tree != out_tree or tangent_tree != out_tree:
                raise TypeError(
                    f"Custom JVP rule of {name} must produce primal and tangent outputs with "
                    f"the structure of {name}'s output, {out_tree}; got primal {tree} and "
                    f"tangent {tangent_tree}.")
            _check_leaves("custom_jvp", f"the JVP rule of {name} returns a primal output "
                          f"unlike {name}'s", out_paths, out_avals, out_flat)
            for path, aval, t in zip(out_paths, out_avals, tangent_flat):
                if not is_differentiable_dtype(aval.dtype):
                    continue
                have = _type_of(t)
                if have.shape != aval.shape or have.dtype != aval.dtype:
                    raise TypeError(
                        f"Custom JVP rule of {name} must produce primal and tangent outputs "
                        f"with equal shapes and dtypes, but the tangent of {path} is "
                        f"{have.str_short()} for a primal {strong_aval(aval).str_short()}.")
            return out_flat, tangent_flat

        outs = custom_jvp_call_p.bind(*traced.consts, *flat, fun=traced.jaxpr,
                                      jvp=NamedRule(jvp_flat, f"jvp of {name}"),
                                      num_consts=len(traced.consts))
        return tree_util.tree_unflatten(out_tree, outs)
