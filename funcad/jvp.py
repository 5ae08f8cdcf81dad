"""Forward-mode differentiation: ``jvp`` and ``linearize``.

A ``JVPTracer`` carries a primal value and its tangent (``None`` is a symbolic zero). For each
primitive applied to one of them the ``JVPTrace`` computes the primal output with its parent
trace, then the output tangent from the primitive's JVP rule, also bound under the parent, so
that any enclosing transformation (``grad``, ``vmap``, ``make_jaxpr``) sees the tangent
computation too. Rules live in ``funcad.rules.jvp_rules``; a symbolic-zero tangent is never
materialised unless a rule needs it.

``linearize`` runs the same interpreter with abstract tangents under a ``JaxprTrace`` that
folds constants: the primal computation happens once, at trace time, and what is recorded
is exactly the linear map from input tangents to output tangents.
"""

from __future__ import annotations

from typing import Any, Callable, Literal, Sequence, TypeVar, overload

import numpy as np

from funcad import tree_util
from funcad.core import (
    CURRENT_TRACE,
    EVAL_TRACE,
    Primitive,
    ShapedArray,
    Trace,
    Tracer,
    current_trace,
    dtype_of,
    escaped_tracer_error,
    eval_jaxpr,
    get_aval,
    returned_values,
    set_current_trace,
    shape_of,
)
from funcad.errors import raise_if_assignment
from funcad.primitives.shape import broadcast_to, convert_element_type
from funcad.rules import (
    DifferentiationTracer,
    JVPWithPrimal,
    as_primal,
    float0,
    is_differentiable,
    is_differentiable_dtype,
    jvp_rules,
    nondifferentiable,
    primals_of,
    split_aux,
)
from funcad.traceback_util import api_boundary
from funcad.tracing import JaxprTrace

__all__ = [
    "JVPTracer", "JVPTrace", "instantiate_tangent", "jvp", "linearize",
]

R = TypeVar("R")  # (the primal output of a transformed function)
A = TypeVar("A")  # (its auxiliary output, with has_aux)



class JVPTracer(DifferentiationTracer):
    """A value being differentiated in forward mode: its primal value (owned by the parent
    trace) and its tangent (a value of the parent trace, or None for a zero)."""

    __slots__ = ("tangent",)

    def __init__(self, trace: JVPTrace, primal: Any, tangent: Any):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    def __repr__(self) -> str:
        return (f"JVPTracer<{self.aval.str_short()}, {self._trace.name}>(primal="
                f"{self.primal!r}, tangent={self.tangent!r})")


class JVPTrace(Trace):
    def __init__(self, parent: Trace, name: str = "jvp"):
        super().__init__(parent)
        self.name = name

    def process(self, primitive: Primitive, args: Sequence[Any], params: dict) -> Any:
        tangents: Any = None
        primals: Any = args
        foreign = False
        arg: Any
        for i, arg in enumerate(args):
            if isinstance(arg, Tracer):
                if arg._trace is self:
                    if tangents is None:
                        tangents = [None] * len(args)
                        primals = list(args)
                    primals[i] = arg.primal  # type: ignore[attr-defined]  # (arg._trace is self: one of ours)
                    tangents[i] = arg.tangent  # type: ignore[attr-defined]
                elif not arg._trace.alive:
                    raise escaped_tracer_error(arg, primitive)
                else:
                    foreign = True
        parent = self.parent
        rule: Any = jvp_rules.get(primitive) if tangents is not None else None
        if type(rule) is JVPWithPrimal and any(t is not None for t in tangents):
            token = CURRENT_TRACE.set(parent)
            try:
                out, tangent_out = rule.rule(primals, tangents, params)
                tangent_out = _fit_outputs(primitive, tangent_out, out)
            finally:
                CURRENT_TRACE.reset(token)
            return _wrap(self, primitive, out, tangent_out)
        if parent is EVAL_TRACE and not foreign:
            out = primitive.impl(*primals, **params)
        else:
            out = parent.process(primitive, primals, params)
        if tangents is None or primitive in nondifferentiable:
            return out
        if all(t is None for t in tangents):
            return _wrap(self, primitive, out, None)
        if rule is None:
            raise NotImplementedError(
                f"Forward-mode differentiation rule for primitive {primitive.name!r} is not "
                f"implemented yet.")
        token = CURRENT_TRACE.set(parent)  # tangents are values of the parent trace
        try:
            tangent_out = _fit_outputs(primitive, rule(tangents, out, primals, params), out)
        finally:
            CURRENT_TRACE.reset(token)
        return _wrap(self, primitive, out, tangent_out)


def _fit_outputs(primitive: Primitive, tangent: Any, out: Any) -> Any:
    if primitive.multiple_results:
        return [_fit(t, o) for t, o in zip(tangent, out)]
    return _fit(tangent, out)


def _fit(tangent: Any, primal: Any) -> Any:
    """Give a tangent its primal's shape and dtype (a broadcast operand's tangent
    contribution may be smaller; mixed-precision products may be wider)."""
    if tangent is None or not is_differentiable(primal):
        return None
    shape = shape_of(primal)
    if shape_of(tangent) != shape:
        tangent = broadcast_to(tangent, shape)
    if dtype_of(tangent) != dtype_of(primal):
        tangent = convert_element_type(tangent, dtype_of(primal))
    return tangent


def _wrap(trace: JVPTrace, primitive: Primitive, out: Any, tangent: Any) -> Any:
    if primitive.multiple_results:
        tangents = tangent if tangent is not None else [None] * len(out)
        return [JVPTracer(trace, o, t) if is_differentiable(o) else o
                for o, t in zip(out, tangents)]
    return JVPTracer(trace, out, tangent) if is_differentiable(out) else out


# ----------------------------------------------------------------------------------------------
# The user-facing functions.


def _describe(aval: ShapedArray) -> str:
    if aval.dtype == float0:  # (NumPy would call it "void")
        return f"float0[{','.join(str(n) for n in aval.shape)}]"
    return aval.str_short()


def _check_tangents(primals_flat: list[Any], tangents_flat: list[Any], primal_tree: Any,
                    tangent_tree: Any) -> list[Any]:
    if primal_tree != tangent_tree:
        raise ValueError(
            f"jvp: primals and tangents must have the same structure; primals have "
            f"{primal_tree}, tangents have {tangent_tree}.")
    checked: list[Any] = []
    for i, (p, t) in enumerate(zip(primals_flat, tangents_flat)):
        p_aval = get_aval(p)
        if isinstance(t, (list, tuple)):
            t = np.asarray(t)
        t_aval = get_aval(t)
        if not is_differentiable(p):
            if (t_aval.dtype != float0 and t_aval.dtype != p_aval.dtype) or (
                    t_aval.shape != p_aval.shape):
                raise ValueError(
                    f"jvp: the tangent of integer/boolean primal {i} ({p_aval.str_short()}) "
                    f"must have dtype float0 and the primal's shape: expected "
                    f"{_describe(ShapedArray(p_aval.shape, float0))}, got {_describe(t_aval)}.")
            checked.append(None)
            continue
        dtype_ok = t_aval.dtype == p_aval.dtype or (
            t_aval.weak_type and np.can_cast(t_aval.dtype, p_aval.dtype, "same_kind"))
        if t_aval.shape != p_aval.shape or not dtype_ok:
            raise ValueError(
                f"jvp: tangent {i} must have the shape and dtype of its primal: expected "
                f"{p_aval.str_short()}, got {_describe(t_aval)}.")
        if t_aval.weak_type and t_aval.dtype != p_aval.dtype:
            if isinstance(t, Tracer):  # (e.g. a Python scalar argument of make_jaxpr)
                t = convert_element_type(t, p_aval.dtype)
            else:
                t = np.asarray(t, p_aval.dtype)
        elif not isinstance(t, (Tracer, np.ndarray, np.generic)):
            t = np.asarray(t, p_aval.dtype)
        checked.append(t)
    return checked


def instantiate_tangent(tangent: Any, primal: Any) -> Any:
    """An explicit tangent for ``primal``: zeros for a symbolic zero (None), float0 zeros for
    an integer or boolean primal, else the tangent itself."""
    dtype = dtype_of(primal)  # (a Python float output is float64: its zero tangent too)
    if not is_differentiable_dtype(dtype):
        return np.zeros(shape_of(primal), float0)
    if tangent is None:
        return np.zeros(shape_of(primal), dtype)
    return tangent


@overload
def jvp(fun: Callable[..., R], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: Literal[False] = False) -> tuple[R, Any]: ...


@overload
def jvp(fun: Callable[..., tuple[R, A]], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: Literal[True]) -> tuple[R, Any, A]: ...


@overload
def jvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: bool) -> tuple[Any, ...]: ...


@api_boundary
def jvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: bool = False) -> tuple[Any, ...]:
    """Evaluate ``fun(*primals)`` and its directional derivative along ``tangents``:
    returns ``(primals_out, tangents_out)`` (and ``aux`` with has_aux). ``primals`` and
    ``tangents`` are tuples (or lists) with one entry per positional argument."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            f"jvp: primals and tangents must be tuples or lists with one entry per positional "
            f"argument, got {type(primals).__name__} and {type(tangents).__name__}; write "
            f"jvp(f, (x,), (v,)) for a single argument.")
    primals_flat, primal_tree = tree_util.tree_flatten(tuple(primals))
    tangents_flat, tangent_tree = tree_util.tree_flatten(tuple(tangents))
    primals_flat = [as_primal(p) for p in primals_flat]
    tangents_flat = _check_tangents(primals_flat, tangents_flat, primal_tree, tangent_tree)
    trace = JVPTrace(current_trace(), "jvp")
    tracers = [JVPTracer(trace, p, t) if is_differentiable(p) else p
               for p, t in zip(primals_flat, tangents_flat)]
    try:
        with set_current_trace(trace):
            try:
                result = fun(*tree_util.tree_unflatten(primal_tree, tracers))
            except ValueError as error:
                raise_if_assignment(error, "jvp")
                raise
        if has_aux:
            out, aux = split_aux(result, "jvp")
            aux = primals_of(aux, trace)
        else:
            out, aux = result, None
        out_flat, out_tree = tree_util.tree_flatten(out)
        pairs = [_split(o, trace) for o in out_flat]
    finally:
        trace.finish()
    primals_out = [p for p, _ in pairs]
    tangents_out = [instantiate_tangent(t, p) for p, t in pairs]
    result_pair = (tree_util.tree_unflatten(out_tree, returned_values(primals_out)),
                   tree_util.tree_unflatten(out_tree, returned_values(tangents_out)))
    return result_pair + (aux,) if has_aux else result_pair


def _split(value: Any, trace: JVPTrace) -> tuple[Any, Any]:
    if isinstance(value, JVPTracer) and value._trace is trace:
        return value.primal, value.tangent
    if isinstance(value, Tracer) and not value._trace.alive:
        raise escaped_tracer_error(value)
    return value, None


@overload
def linearize(fun: Callable[..., R], *primals: Any,
              has_aux: Literal[False] = False) -> tuple[R, Callable[..., Any]]: ...


@overload
def linearize(fun: Callable[..., tuple[R, A]], *primals: Any,
              has_aux: Literal[True]) -> tuple[R, Callable[..., Any], A]: ...


@overload
def linearize(fun: Callable[..., Any], *primals: Any, has_aux: bool) -> tuple[Any, ...]: ...


@api_boundary
def linearize(fun: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """``(out, f_jvp)``: ``fun(*primals)`` and its linear map ``f_jvp(*tangents)`` (and
    ``aux`` with has_aux, as in ``jvp``). The primal computation runs once, here; ``f_jvp``
    replays only the recorded linear equations."""
    primals_flat, primal_tree = tree_util.tree_flatten(tuple(primals))
    primals_flat = [as_primal(p) for p in primals_flat]
    staging = JaxprTrace(current_trace(), fold_constants=True)
    tangent_inputs = [staging.new_input(ShapedArray(shape_of(p), dtype_of(p)))
                      for p in primals_flat]
    trace = JVPTrace(staging, "linearize")
    tracers = [JVPTracer(trace, p, t) if is_differentiable(p) else p
               for p, t in zip(primals_flat, tangent_inputs)]
    try:
        with set_current_trace(trace):
            try:
                result = fun(*tree_util.tree_unflatten(primal_tree, tracers))
            except ValueError as error:
                raise_if_assignment(error, "linearize")
                raise
        if has_aux:
            out, aux = split_aux(result, "linearize")
            aux = primals_of(aux, trace)
        else:
            out = result
        out_flat, out_tree = tree_util.tree_flatten(out)
        pairs = [_split(o, trace) for o in out_flat]
        with set_current_trace(staging):
            tangents_out = [instantiate_tangent(t, p) for p, t in pairs]
        closed = staging.build([t.var for t in tangent_inputs], tangents_out)
    finally:
        trace.finish()
        staging.finish()
    primals_out = [p for p, _ in pairs]
    in_avals = [ShapedArray(shape_of(p), dtype_of(p)) for p in primals_flat]

    @api_boundary
    def f_jvp(*tangents: Any) -> Any:
        tangents_flat, tangent_tree = tree_util.tree_flatten(tuple(tangents))
        checked = _check_tangents(primals_flat, tangents_flat, primal_tree, tangent_tree)
        inputs = [t if t is not None else np.zeros(a.shape, a.dtype)
                  for t, a in zip(checked, in_avals)]
        outs = eval_jaxpr(closed.jaxpr, closed.consts, *inputs)
        return tree_util.tree_unflatten(out_tree, returned_values(outs))

    out = tree_util.tree_unflatten(out_tree, returned_values(primals_out))
    return (out, f_jvp, aux) if has_aux else (out, f_jvp)
