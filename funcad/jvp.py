"""Forward-mode differentiation: ``jvp`` and ``linearize``.

A ``JVPTracer`` carries a primal value and its tangent (``None`` is a symbolic zero). For each
primitive applied to one of them the ``JVPTrace`` computes the primal output with its parent
trace, then the output tangent from the primitive's JVP rule, also bound under the parent, so
that any enclosing transformation (``grad``, ``vmap``, ``make_jaxpr``) sees the tangent
computation too. Derivatives are linear in the tangents, so a rule is one function per
argument and the contributions of several arguments are added.

``linearize`` runs the same interpreter with abstract tangents under a ``JaxprTrace`` that
folds constants: the primal computation happens once, at trace time, and what is recorded
is exactly the linear map from input tangents to output tangents.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from funcad import tree_util
from funcad.ad import float0, nondifferentiable
from funcad.core import (
    _current_trace,
    EVAL_TRACE,
    Primitive,
    ShapedArray,
    Trace,
    Tracer,
    current_trace,
    dtype_of,
    escaped_tracer_error,
    get_aval,
    set_current_trace,
    shape_of,
)

# jvp_rules[p] is a tuple with one rule per argument, ``rule(tangent, ans, *args, **params)``
# giving that argument's contribution to the output tangent (``defjvp``), or one function
# ``rule(tangents, ans, args, params)`` for all arguments at once (``defjvp_all``; a tangent is
# None where it is zero).
jvp_rules: dict[Primitive, tuple | Callable[..., Any]] = {}


def defjvp(primitive: Primitive, *arg_rules: Callable[..., Any] | None) -> None:
    jvp_rules[primitive] = tuple(arg_rules)


def defjvp_all(primitive: Primitive, rule: Callable[..., Any]) -> None:
    jvp_rules[primitive] = rule


def deflinear(primitive: Primitive, *linear_args: int) -> None:
    """The primitive is linear in the arguments ``linear_args`` (all when none are named) and
    takes the others as fixed operands: its tangent is the primitive applied to the tangents,
    with zeros for the linear arguments that have none."""

    def rule(tangents: Sequence[Any], ans: Any, args: Sequence[Any], params: dict) -> Any:
        linear = linear_args or tuple(range(len(args)))
        operands = list(args)
        for i in linear:
            t = tangents[i]
            operands[i] = t if t is not None else _zeros_like(args[i])
        return primitive.bind(*operands, **params)

    jvp_rules[primitive] = rule


def _zeros_like(x: Any) -> Any:
    return _structural_module().zeros(shape_of(x), dtype_of(x))


class JVPTracer(Tracer):
    __slots__ = ("primal", "tangent")

    def __init__(self, trace: JVPTrace, primal: Any, tangent: Any):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    @property
    def aval(self) -> ShapedArray:
        aval = get_aval(self.primal)
        return ShapedArray(aval.shape, aval.dtype) if aval.weak_type else aval

    @property
    def shape(self) -> tuple[int, ...]:
        return shape_of(self.primal)

    @property
    def dtype(self) -> np.dtype:
        return dtype_of(self.primal)

    def concrete_value(self, operation: str) -> Any:
        from funcad.ad import concrete_value_of_differentiated

        return concrete_value_of_differentiated(self, operation)

    def __repr__(self) -> str:
        return (f"JVPTracer<{self.aval.str_short()}, {self._trace.name}>(primal="
                f"{self.primal!r}, tangent={self.tangent!r})")


def _is_inexact(value: Any) -> bool:
    dtype = getattr(value, "dtype", None)
    return dtype is not None and dtype.kind in "fc"


class JVPTrace(Trace):
    def __init__(self, parent: Trace, name: str = "jvp"):
        super().__init__(parent)
        self.name = name

    def process(self, primitive: Primitive, args: Sequence[Any], params: dict) -> Any:
        tangents = None
        primals = args
        foreign = False
        for i, arg in enumerate(args):
            if isinstance(arg, Tracer):
                if arg._trace is self:
                    if tangents is None:
                        tangents = [None] * len(args)
                        primals = list(args)
                    primals[i] = arg.primal
                    tangents[i] = arg.tangent
                elif not arg._trace.alive:
                    raise escaped_tracer_error(arg, primitive)
                else:
                    foreign = True
        parent = self.parent
        if parent is EVAL_TRACE and not foreign:
            out = primitive.impl(*primals, **params)
        else:
            out = parent.process(primitive, primals, params)
        if tangents is None or primitive in nondifferentiable:
            return out
        if all(t is None for t in tangents):
            return _wrap(self, primitive, out, None)
        rule = jvp_rules.get(primitive)
        if rule is None:
            raise NotImplementedError(
                f"Forward-mode differentiation rule for primitive {primitive.name!r} is not "
                f"implemented yet.")
        token = _current_trace.set(parent)  # tangents are values of the parent trace
        try:
            if type(rule) is tuple:
                tangent_out = None
                for t, arg_rule in zip(tangents, rule):
                    if t is None or arg_rule is None:
                        continue
                    term = arg_rule(t, out, *primals, **params)
                    tangent_out = term if tangent_out is None else tangent_out + term
            else:
                tangent_out = rule(tangents, out, primals, params)
            if primitive.multiple_results:
                tangent_out = [_fit(t, o) for t, o in zip(tangent_out, out)]
            else:
                tangent_out = _fit(tangent_out, out)
        finally:
            _current_trace.reset(token)
        return _wrap(self, primitive, out, tangent_out)


_structural = None


def _structural_module() -> Any:
    """funcad.primitives.structural, imported on first use (it sits above this module)."""
    global _structural
    if _structural is None:
        from funcad.primitives import structural

        _structural = structural
    return _structural


def _fit(tangent: Any, primal: Any) -> Any:
    """Give a tangent its primal's shape and dtype (a broadcast operand's tangent
    contribution may be smaller; mixed-precision products may be wider)."""
    if tangent is None or not _is_inexact(primal):
        return None
    structural = _structural_module()
    shape = shape_of(primal)
    if shape_of(tangent) != shape:
        tangent = structural.broadcast_to(tangent, shape)
    if dtype_of(tangent) != dtype_of(primal):
        tangent = structural.convert_element_type(tangent, dtype_of(primal))
    return tangent


def _wrap(trace: JVPTrace, primitive: Primitive, out: Any, tangent: Any) -> Any:
    if primitive.multiple_results:
        tangents = tangent if tangent is not None else [None] * len(out)
        return [JVPTracer(trace, o, t) if _is_inexact(o) else o for o, t in zip(out, tangents)]
    return JVPTracer(trace, out, tangent) if _is_inexact(out) else out


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
    checked = []
    for i, (p, t) in enumerate(zip(primals_flat, tangents_flat)):
        p_aval = get_aval(p)
        if isinstance(t, (list, tuple)):
            t = np.asarray(t)
        t_aval = get_aval(t)
        if not _is_inexact(p):
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
                from funcad.primitives.structural import convert_element_type

                t = convert_element_type(t, p_aval.dtype)
            else:
                t = np.asarray(t, p_aval.dtype)
        elif not isinstance(t, (Tracer, np.ndarray, np.generic)):
            t = np.asarray(t, p_aval.dtype)
        checked.append(t)
    return checked


def _as_value(x: Any) -> Any:
    if isinstance(x, (Tracer, np.ndarray, np.generic)):
        if isinstance(x, Tracer) and not x._trace.alive:
            raise escaped_tracer_error(x)
        return x
    if type(x) is float:
        return np.float64(x)
    return np.asarray(x)


def _instantiate(tangent: Any, primal: Any) -> Any:
    dtype = dtype_of(primal)  # (a Python float output is float64: its zero tangent too)
    if dtype.kind not in "fc":
        return np.zeros(shape_of(primal), float0)
    if tangent is None:
        return np.zeros(shape_of(primal), dtype)
    return tangent


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
    primals_flat = [_as_value(p) for p in primals_flat]
    tangents_flat = _check_tangents(primals_flat, tangents_flat, primal_tree, tangent_tree)
    trace = JVPTrace(current_trace(), "jvp")
    tracers = [JVPTracer(trace, p, t) if _is_inexact(p) else p
               for p, t in zip(primals_flat, tangents_flat)]
    try:
        with set_current_trace(trace):
            result = fun(*tree_util.tree_unflatten(primal_tree, tracers))
        if has_aux:
            if not (isinstance(result, (tuple, list)) and len(result) == 2):
                raise TypeError("jvp with has_aux=True expects the function to return a pair "
                                "(output, auxiliary_data).")
            out, aux = result
            aux = tree_util.tree_map(lambda x: _primal_of(x, trace), aux)
        else:
            out, aux = result, None
        out_flat, out_tree = tree_util.tree_flatten(out)
        pairs = [_split(o, trace) for o in out_flat]
    finally:
        trace.finish()
    primals_out = [p for p, _ in pairs]
    tangents_out = [_instantiate(t, p) for p, t in pairs]
    result_pair = (tree_util.tree_unflatten(out_tree, primals_out),
                   tree_util.tree_unflatten(out_tree, tangents_out))
    return result_pair + (aux,) if has_aux else result_pair


def _primal_of(x: Any, trace: JVPTrace) -> Any:
    return x.primal if isinstance(x, JVPTracer) and x._trace is trace else x


def _split(value: Any, trace: JVPTrace) -> tuple[Any, Any]:
    if isinstance(value, JVPTracer) and value._trace is trace:
        return value.primal, value.tangent
    if isinstance(value, Tracer) and not value._trace.alive:
        raise escaped_tracer_error(value)
    return value, None


def linearize(fun: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """``(out, f_jvp)``: ``fun(*primals)`` and its linear map ``f_jvp(*tangents)``. The primal
    computation runs once, here; ``f_jvp`` replays only the recorded linear equations."""
    from funcad.core import eval_jaxpr
    from funcad.tracing import JaxprTrace

    primals_flat, primal_tree = tree_util.tree_flatten(tuple(primals))
    primals_flat = [_as_value(p) for p in primals_flat]
    staging = JaxprTrace(current_trace(), fold_constants=True)
    tangent_inputs = [staging.new_input(ShapedArray(shape_of(p), dtype_of(p)))
                      for p in primals_flat]
    trace = JVPTrace(staging, "linearize")
    tracers = [JVPTracer(trace, p, t) if _is_inexact(p) else p
               for p, t in zip(primals_flat, tangent_inputs)]
    try:
        with set_current_trace(trace):
            out = fun(*tree_util.tree_unflatten(primal_tree, tracers))
        out_flat, out_tree = tree_util.tree_flatten(out)
        pairs = [_split(o, trace) for o in out_flat]
        with set_current_trace(staging):
            tangents_out = [_instantiate(t, p) for p, t in pairs]
        closed = staging.build([t.var for t in tangent_inputs], tangents_out)
    finally:
        trace.finish()
        staging.finish()
    primals_out = [p for p, _ in pairs]
    in_avals = [ShapedArray(shape_of(p), dtype_of(p)) for p in primals_flat]

    def f_jvp(*tangents: Any) -> Any:
        tangents_flat, tangent_tree = tree_util.tree_flatten(tuple(tangents))
        checked = _check_tangents(primals_flat, tangents_flat, primal_tree, tangent_tree)
        inputs = [t if t is not None else np.zeros(a.shape, a.dtype)
                  for t, a in zip(checked, in_avals)]
        outs = eval_jaxpr(closed.jaxpr, closed.consts, *inputs)
        return tree_util.tree_unflatten(out_tree, outs)

    return tree_util.tree_unflatten(out_tree, primals_out), f_jvp
