"""Sub-IRs: the functions given to control flow, traced once, and what transformations make of
them.

A higher-order primitive carries each of its functions as a ``ClosedJaxpr`` param. Its
constants are concrete values; the tracers of enclosing transformations that a function
closes over are lifted to leading inputs (``num_consts`` of them), so that every interpreter
sees them as ordinary operands of the equation: a loop body that reads a parameter being
differentiated then gets a cotangent for it.

The rules of these primitives apply a transformation to a sub-IR (the VJP of a branch, the
JVP of a loop body, a batched body). ``derived`` traces such a function once and caches it,
keyed by the sub-IR it comes from (held weakly).
"""

from __future__ import annotations

import weakref
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from funcad import tree_util
from funcad.ad import vjp
from funcad.batching import vmap
from funcad.core import (
    EVAL_TRACE,
    ClosedJaxpr,
    Jaxpr,
    ShapedArray,
    Tracer,
    Var,
    config,
    contains_nan,
    eval_jaxpr,
    get_aval,
    lift_tracer_consts,
    set_current_trace,
)
from funcad.jvp import jvp
from funcad.passes import optimize
from funcad.rules import float0, is_differentiable_dtype
from funcad.tracing import trace_to_jaxpr

__all__ = [
    "Traced", "trace_function", "strong_aval", "aval_of", "describe", "check_same_types",
    "run", "run_eagerly", "run_compiled", "strong_value", "with_unused_inputs", "derived",
    "vjp_jaxpr", "jvp_jaxpr", "batched_outputs", "batched_jaxpr", "differentiable_mask", "zeros_of",
]


class Traced(NamedTuple):
    """A traced function: its IR (inputs: ``consts``, then the flat arguments), the tracers
    it closed over (``consts``), and the pytree structure of its output."""

    jaxpr: ClosedJaxpr
    consts: list[Any]
    out_tree: Any


def strong_aval(aval: ShapedArray) -> ShapedArray:
    return ShapedArray(aval.shape, aval.dtype) if aval.weak_type else aval


def aval_of(x: Any) -> ShapedArray:
    """The (strong) abstract value of a leaf: a Python scalar has NumPy's dtype for it; a
    ``ShapedArray`` stands for an argument known only by its type (a slice of a scan's xs)."""
    if isinstance(x, ShapedArray):
        return strong_aval(x)
    return strong_aval(get_aval(x))


def trace_function(fun: Callable[..., Any], args: Sequence[Any],
                   in_avals: Sequence[ShapedArray] | None = None) -> Traced:
    """Trace ``fun(*args)`` (``args`` a tuple of pytrees; their leaves' shapes and dtypes,
    or ``in_avals``, are what is traced) to a sub-IR."""
    flat, in_tree = tree_util.tree_flatten(tuple(args))
    if in_avals is None:
        in_avals = [aval_of(leaf) for leaf in flat]
    out_tree_box: list[Any] = []

    def flat_fun(*tracers: Any) -> list[Any]:
        out = fun(*tree_util.tree_unflatten(in_tree, list(tracers)))
        out_flat, out_tree = tree_util.tree_flatten(out)
        out_tree_box.append(out_tree)
        return out_flat

    closed, _ = trace_to_jaxpr(flat_fun, list(in_avals))
    closed, consts = lift_tracer_consts(closed)
    return Traced(closed, consts, out_tree_box[0])


def strong_value(x: Any) -> Any:
    """A Python scalar as the NumPy scalar of its default dtype (operands of higher-order
    primitives have strong types, so that a loop carry keeps one dtype); others as they are."""
    if type(x) in (bool, int, float, complex):
        return np.asarray(x)[()]
    if isinstance(x, (list, tuple)):
        return np.asarray(x)
    return x


def with_unused_inputs(closed: ClosedJaxpr, own_consts: int, before: Sequence[ShapedArray],
                       after: Sequence[ShapedArray]) -> ClosedJaxpr:
    """The same IR taking extra inputs it ignores: ``before`` its first ``own_consts``
    inputs, ``after`` them (and before the rest)."""
    if not before and not after:
        return closed
    jaxpr = closed.jaxpr
    invars = ([Var(a) for a in before] + list(jaxpr.invars[:own_consts])
              + [Var(a) for a in after] + list(jaxpr.invars[own_consts:]))
    return ClosedJaxpr(Jaxpr(list(jaxpr.constvars), invars, list(jaxpr.outvars),
                             list(jaxpr.eqns)), list(closed.consts))


def describe(aval: ShapedArray) -> str:
    return aval.str_short()


def check_same_types(name: str, what: str, paths: Sequence[str],
                     expected: Sequence[ShapedArray], got: Sequence[ShapedArray],
                     expected_label: str, got_label: str) -> None:
    """A TypeError naming the first leaf whose shape or dtype differs."""
    for path, want, have in zip(paths, expected, got):
        if want.shape != have.shape or want.dtype != have.dtype:
            raise TypeError(
                f"{name}: {what} must have the same shapes and dtypes, but {path} is "
                f"{describe(want)} in {expected_label} and {describe(have)} in {got_label}.")


# ----------------------------------------------------------------------------------------------
# Running a sub-IR.


def run(jaxpr: ClosedJaxpr, *args: Any) -> list[Any]:
    """Evaluate under the current trace, equation by equation (each one bound)."""
    return eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *args)


def run_eagerly(jaxpr: ClosedJaxpr, *args: Any) -> list[Any]:
    """Evaluate with NumPy, whatever trace is current: what an ``impl`` does (it may be called
    by an interpreter's fast path while that interpreter is still the current trace)."""
    with set_current_trace(EVAL_TRACE):
        return eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *args)


def run_compiled(compiled: Any, out_avals: Sequence[ShapedArray], args: Sequence[Any]
                 ) -> list[Any]:
    """Call compiled code on concrete values; a Python scalar result (a literal output)
    becomes a NumPy scalar of the IR's dtype, as an eager primitive would give."""
    outs = compiled(*args)
    for i, out in enumerate(outs):
        if type(out) in (bool, int, float, complex):
            outs[i] = np.asarray(out, out_avals[i].dtype)[()]
    if config.debug_nans and any(contains_nan(o) for o in outs):
        run_eagerly(compiled.closed, *args)  # (primitive by primitive, to find the NaN)
    return outs


# ----------------------------------------------------------------------------------------------
# Derived sub-IRs: the VJP, JVP or batched version of one, traced once and kept with it.

_derived: weakref.WeakKeyDictionary[ClosedJaxpr, dict] = weakref.WeakKeyDictionary()


def derived(source: ClosedJaxpr, key: Any, fun: Callable[..., list[Any]],
            in_avals: Sequence[ShapedArray]) -> ClosedJaxpr:
    """The IR of ``fun`` (flat in, flat out) at ``in_avals``, cached under ``key`` for as long
    as ``source`` lives. ``fun`` must not close over tracers (its IR has concrete consts)."""
    cache = _derived.setdefault(source, {})
    closed = cache.get(key)
    if closed is None:
        closed, _ = trace_to_jaxpr(fun, list(in_avals))
        if any(isinstance(c, Tracer) for c in closed.consts):  # pragma: no cover
            raise AssertionError("a derived sub-IR closed over a tracer")
        closed = optimize(closed)  # (it runs once per step of a loop: make it lean)
        cache[key] = closed
    return closed


def differentiable_mask(avals: Sequence[ShapedArray]) -> tuple[bool, ...]:
    return tuple(is_differentiable_dtype(a.dtype) for a in avals)


def zeros_of(aval: ShapedArray) -> np.ndarray:
    return np.zeros(aval.shape, aval.dtype)


def vjp_jaxpr(source: ClosedJaxpr, wanted: Sequence[bool]) -> ClosedJaxpr:
    """``(*inputs, *output_cotangents) -> cotangents of the wanted inputs``."""
    in_avals = list(source.in_avals)
    out_avals = [strong_aval(a) for a in source.out_avals]
    n_in = len(in_avals)
    wanted = tuple(wanted)

    def pullback(*args: Any) -> list[Any]:
        inputs, cotangents = args[:n_in], args[n_in:]
        _, f_vjp = vjp(lambda *xs: run(source, *xs), *inputs)
        input_cotangents = f_vjp(list(cotangents))
        return [c for c, want in zip(input_cotangents, wanted) if want]

    return derived(source, ("vjp", wanted), pullback, in_avals + out_avals)


def jvp_jaxpr(source: ClosedJaxpr) -> ClosedJaxpr:
    """``(*inputs, *tangents of the differentiable inputs) -> (*outputs, *tangents of the
    differentiable outputs)``."""
    in_avals = list(source.in_avals)
    mask = differentiable_mask(in_avals)
    out_mask = differentiable_mask(source.out_avals)
    n_in = len(in_avals)

    def pushforward(*args: Any) -> list[Any]:
        inputs, given = args[:n_in], iter(args[n_in:])
        tangents = [next(given) if m else np.zeros(a.shape, float0)
                    for m, a in zip(mask, in_avals)]
        outs, tangents_out = jvp(lambda *xs: run(source, *xs), tuple(inputs), tuple(tangents))
        return list(outs) + [t for t, m in zip(tangents_out, out_mask) if m]

    tangent_avals = [a for a, m in zip(in_avals, mask) if m]
    return derived(source, ("jvp",), pushforward, in_avals + tangent_avals)


def batched_outputs(source: ClosedJaxpr, in_batched: Sequence[bool]) -> tuple[bool, ...]:
    """Which outputs vary across a batch when the inputs marked in ``in_batched`` do: those
    computed from one of them (an equation with a batched input has batched outputs)."""
    batched = {var for var, b in zip(source.jaxpr.invars, in_batched) if b}
    for eqn in source.jaxpr.eqns:
        if any(type(a) is Var and a in batched for a in eqn.invars):
            batched.update(eqn.outvars)
    return tuple(type(v) is Var and v in batched for v in source.jaxpr.outvars)


def batched_jaxpr(source: ClosedJaxpr, in_axes: Sequence[int | None], size: int,
                  out_batched: Sequence[bool]) -> ClosedJaxpr:
    """The IR of ``vmap(source, in_axes)``: the outputs marked in ``out_batched`` batched
    along axis 0, the others (which must not vary) left as they are."""
    in_axes, out_batched = tuple(in_axes), tuple(out_batched)
    out_axes = tuple(0 if b else None for b in out_batched)
    avals = []
    for aval, axis in zip(source.in_avals, in_axes):
        shape = list(aval.shape)
        if axis is not None:
            shape.insert(axis, size)
        avals.append(ShapedArray(tuple(shape), aval.dtype))

    def batched(*args: Any) -> list[Any]:
        return list(vmap(lambda *xs: tuple(run(source, *xs)), in_axes=in_axes,
                         out_axes=out_axes, axis_size=size)(*args))

    return derived(source, ("vmap", in_axes, size, out_batched), batched, avals)
