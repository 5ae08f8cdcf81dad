"""Reverse-mode differentiation: ``vjp``, ``grad`` and ``value_and_grad``.

The forward pass runs the user's function on ``VJPTracer``s. Each primitive applied to one
of them is computed by the parent trace (so an outer transformation sees it) and recorded
as one *tape entry*: the primitive, its params, its input values and its output value. The
tape is the IR of this one evaluation, in execution order: an equation list whose values
are concrete, so Python control flow on them just works.

The backward pass walks the tape in reverse in a plain loop (no recursion, so a
100,000-step chain is fine), calls each primitive's VJP rule with the output's cotangent,
and *sums* the cotangents of a value that feeds several paths. Entries whose output got no
cotangent are skipped (symbolic zeros). When the tape is consumed (``grad``), each entry is
popped as it is processed, so every intermediate is freed as soon as no later step needs it.

VJP rules are written with funcad operations, so the backward pass is itself traced by any
outer transformation: that is all ``grad(grad(f))`` needs.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Literal, ParamSpec, Sequence, TypeVar, overload

import numpy as np

from funcad import tree_util
from funcad.core import (
    CURRENT_PASS,
    CURRENT_TRACE,
    EVAL_TRACE,
    Primitive,
    ShapedArray,
    Trace,
    Tracer,
    current_trace,
    escaped_tracer_error,
    get_aval,
    returned_values,
    set_current_trace,
    shape_of,
)
from funcad.errors import raise_if_assignment
from funcad.rules import (
    DifferentiationTracer,
    VJPWithResiduals,
    as_primal,
    float0,
    is_differentiable,
    is_differentiable_dtype,
    nondifferentiable,
    primals_of,
    split_aux,
    vjp_rules,
)
from funcad.traceback_util import api_boundary

__all__ = [
    "VJPTracer", "VJPTrace", "backward_pass", "check_input_dtypes", "normalize_argnums",
    "check_output_dtype", "vjp_single_use", "vjp",
    "value_and_grad", "grad",
]

P = ParamSpec("P")  # (the parameters of a transformed function, kept by grad's result)
R = TypeVar("R")  # (the primal output of a function given to vjp)
A = TypeVar("A")  # (its auxiliary output, with has_aux)


# ----------------------------------------------------------------------------------------------
# The forward pass: record a tape.


class VJPTracer(DifferentiationTracer):
    """A value being differentiated: its primal value (owned by the parent trace) and the id
    of the tape node that produced it."""

    __slots__ = ("node",)

    def __init__(self, trace: VJPTrace, primal: Any, node: int):
        self._trace = trace
        self.primal = primal
        self.node = node

    def __repr__(self) -> str:
        return f"VJPTracer<{self.aval.str_short()}, {self._trace.name}>(primal={self.primal!r})"


# A tape entry is one recorded operation, kept as a plain tuple (cheap to build, and
# untracked by the garbage collector once its contents are):
#   (out_node, num_outs, rule, in_nodes, args, params, ans)
# out_node: node id of the (first) output; num_outs: 1, or the number of outputs of a
# multiple-results primitive (consecutive ids); rule: the vjp_rules entry; in_nodes: per
# argument, its node id or None for a constant; args: the primal inputs (values of the
# parent trace); ans: the primal output(s).
TapeEntry = tuple


class VJPTrace(Trace):
    def __init__(self, parent: Trace, name: str = "vjp"):
        super().__init__(parent)
        self.name = name
        self.tape: list[TapeEntry] = []
        self.num_nodes = 0

    def new_tracer(self, primal: Any) -> VJPTracer:
        node = self.num_nodes
        self.num_nodes += 1
        return VJPTracer(self, primal, node)

    def process(self, primitive: Primitive, args: Sequence[Any], params: dict) -> Any:
        in_nodes: Any = None
        primals: Any = args
        foreign = False
        arg: Any
        for i, arg in enumerate(args):
            if isinstance(arg, Tracer):
                if arg._trace is self:
                    if in_nodes is None:
                        in_nodes = [None] * len(args)
                        primals = list(args)
                    primals[i] = arg.primal  # type: ignore[attr-defined]  # (arg._trace is self: one of ours)
                    in_nodes[i] = arg.node  # type: ignore[attr-defined]
                elif not arg._trace.alive:
                    raise escaped_tracer_error(arg, primitive)
                else:
                    foreign = True
        parent = self.parent
        if in_nodes is None:  # no input depends on ours: a constant to this trace
            if parent is EVAL_TRACE and not foreign:
                return primitive.impl(*primals, **params)
            return parent.process(primitive, primals, params)
        rule: Any = vjp_rules.get(primitive)
        if type(rule) is VJPWithResiduals:
            return self._record_with_residuals(primitive, rule, primals, in_nodes, params)
        if parent is EVAL_TRACE and not foreign:
            out = primitive.impl(*primals, **params)
        else:
            out = parent.process(primitive, primals, params)
        if rule is None:
            if primitive in nondifferentiable:
                return out
            raise NotImplementedError(
                f"Reverse-mode differentiation rule for primitive {primitive.name!r} is not "
                f"implemented yet."
            )
        node = self.num_nodes
        in_nodes = tuple(in_nodes)
        primals = tuple(primals)
        if primitive.multiple_results:
            self.num_nodes += len(out)
            self.tape.append((node, len(out), rule, in_nodes, primals, params, out))
            return [
                VJPTracer(self, o, node + i) if is_differentiable(o) else o
                for i, o in enumerate(out)
            ]
        if not is_differentiable(out):
            return out
        self.num_nodes += 1
        self.tape.append((node, 1, rule, in_nodes, primals, params, out))
        return VJPTracer(self, out, node)

    def _record_with_residuals(self, primitive, rule, primals, in_nodes, params):
        """Run the primitive's forward rule (under the parent trace), keep its residuals for
        the backward rule, and record one tape entry that holds them."""
        token = CURRENT_TRACE.set(self.parent)
        try:
            out, residuals = rule.forward(primals, params, in_nodes)
        finally:
            CURRENT_TRACE.reset(token)
        backward = functools.partial(rule.backward, residuals)
        node = self.num_nodes
        entry_args = (node, 1, backward, tuple(in_nodes), tuple(primals), params, out)
        if not primitive.multiple_results:
            if not is_differentiable(out):
                return out
            self.num_nodes += 1
            self.tape.append(entry_args)
            return VJPTracer(self, out, node)
        out = list(out)
        self.num_nodes += len(out)
        self.tape.append((node, len(out)) + entry_args[2:])
        return [VJPTracer(self, o, node + i) if is_differentiable(o) else o
                for i, o in enumerate(out)]


# ----------------------------------------------------------------------------------------------
# The backward pass.


def _zeros_like_value(value: Any) -> Any:
    aval = get_aval(value)
    return np.zeros(aval.shape, aval.dtype)


def backward_pass(
    tape: list[TapeEntry],
    out_nodes: Sequence[int | None],
    out_cotangents: Sequence[Any],
    num_inputs: int,
    consume: bool,
) -> list[Any]:
    """Propagate output cotangents back through ``tape``; return one cotangent (or None for
    "no dependence") per input node 0..num_inputs-1. With ``consume`` the tape is emptied as
    it goes, releasing each intermediate as soon as it is no longer needed."""
    token = CURRENT_PASS.set("backward pass")
    try:
        return _backward_pass(tape, out_nodes, out_cotangents, num_inputs, consume)
    finally:
        CURRENT_PASS.reset(token)


def _backward_pass(tape, out_nodes, out_cotangents, num_inputs, consume):
    cotangents: dict[int, Any] = {}
    for node, ct in zip(out_nodes, out_cotangents):
        if node is not None:
            prev = cotangents.get(node)
            cotangents[node] = ct if prev is None else prev + ct

    pop = cotangents.pop
    position = len(tape)
    while position:
        position -= 1
        entry = tape.pop() if consume else tape[position]
        out_node, num_outs, rule, in_nodes, args, params, ans = entry
        del entry
        if num_outs == 1 and type(ans) is not list:  # (multiple-results outputs are lists)
            g = pop(out_node, None)
            if g is None:
                continue
        else:
            gs = [pop(out_node + i, None) for i in range(num_outs)]
            if all(g is None for g in gs):
                continue
            g = [_zeros_like_value(a) if g is None else g for g, a in zip(gs, ans)]
        if type(rule) is tuple:  # one rule per argument: call only those needed
            for node, argument_rule in zip(in_nodes, rule):
                if node is None or argument_rule is None:
                    continue
                cotangent = argument_rule(g, ans, *args, **params)
                previous = cotangents.get(node)
                cotangents[node] = cotangent if previous is None else previous + cotangent
        else:  # one rule for all arguments; it skips those whose node is None
            for node, cotangent in zip(in_nodes, rule(g, ans, args, params, in_nodes)):
                if node is None or cotangent is None:
                    continue
                previous = cotangents.get(node)
                cotangents[node] = cotangent if previous is None else previous + cotangent
    return [cotangents.get(i) for i in range(num_inputs)]


# ----------------------------------------------------------------------------------------------
# The user-facing transformations.

def _check_output_leaf(value: Any, trace: VJPTrace) -> tuple[Any, int | None]:
    """Split an output leaf into (primal value, tape node or None)."""
    if isinstance(value, VJPTracer) and value._trace is trace:
        return value.primal, value.node
    if isinstance(value, Tracer) and not value._trace.alive:
        raise escaped_tracer_error(value)
    return value, None


def _run_forward(fun, args, diff_argnums, name, has_aux, check=None):
    """Run ``fun`` on VJPTracers for the leaves of ``args[diff_argnums]``; ``check`` is None
    or ``(holomorphic, allow_int)`` for ``check_input_dtypes``.
    Returns (trace, primal output tree, out nodes, out tree, aux, flat diff leaves, in_tree)."""
    diff_args = [args[i] for i in diff_argnums]
    flat, in_tree = tree_util.tree_flatten(diff_args)
    flat = [as_primal(leaf) for leaf in flat]
    if check is not None:
        check_input_dtypes(flat, in_tree, diff_argnums, name, *check)
    trace = VJPTrace(current_trace(), name)
    # Input leaf i is tape node i (a leaf with no derivative leaves its node unused), so that
    # the backward pass's cotangent of node i is that of leaf i.
    tracers = []
    for leaf in flat:
        if is_differentiable(leaf):
            tracers.append(trace.new_tracer(leaf))
        else:
            trace.num_nodes += 1
            tracers.append(leaf)
    traced_args = list(args)
    for i, sub in zip(diff_argnums, tree_util.tree_unflatten(in_tree, tracers)):
        traced_args[i] = sub
    try:
        with set_current_trace(trace):
            try:
                result = fun(*traced_args)
            except ValueError as error:
                raise_if_assignment(error, name)
                raise
        if has_aux:
            out, aux = split_aux(result, name)
            aux = primals_of(aux, trace)
        else:
            out, aux = result, None
        out_flat, out_tree = tree_util.tree_flatten(out)
        pairs = [_check_output_leaf(v, trace) for v in out_flat]
    finally:
        trace.finish()
    out_primals = [p for p, _ in pairs]
    out_nodes = [n for _, n in pairs]
    return trace, out_primals, out_nodes, out_tree, aux, flat, in_tree


def check_input_dtypes(flat, in_tree, argnums, name, holomorphic=False, allow_int=False,
                       complex_ok=True) -> None:
    """Refuse inputs that ``name`` cannot differentiate, as JAX does: with ``holomorphic``
    every input must be complex; otherwise floating (or complex, where ``complex_ok``),
    or integer/bool with ``allow_int`` (their cotangents are float0 zeros)."""
    for i, leaf in enumerate(flat):
        dtype = getattr(leaf, "dtype", None)
        kind = dtype.kind if dtype is not None else "O"
        if (kind == "f" and not holomorphic) or (kind == "c" and (holomorphic or complex_ok)):
            continue
        where = f"argument {_leaf_argnums(in_tree, argnums)[i]} (leaf {i} of the " \
                f"differentiated arguments)"
        dtype_name = dtype.name if dtype is not None else type(leaf).__name__
        if holomorphic:
            raise TypeError(f"{name} with holomorphic=True requires inputs with complex dtype, "
                            f"but got {dtype_name} for {where}.")
        if kind == "c":
            raise TypeError(
                f"{name} requires real-valued inputs (input dtype that is a sub-dtype of "
                f"np.floating), but got {dtype_name} for {where}. For holomorphic "
                f"differentiation, pass holomorphic=True. For differentiation of "
                f"non-holomorphic functions involving complex inputs, use funcad.jvp directly.")
        if kind in "biu" and allow_int:
            continue
        raise TypeError(
            f"{name} requires real- or complex-valued inputs (input dtype that is a sub-dtype "
            f"of np.inexact), but {where} has dtype {dtype_name}: integer and boolean inputs "
            f"have no gradient. Pass floating-point values (1.0 rather than 1, or "
            f"x.astype(float)), leave this argument out of argnums, or set allow_int=True "
            f"(float0 zeros)."
        )


def check_output_dtype(dtype: np.dtype, name: str, holomorphic: bool) -> None:
    """Refuse an output ``name`` cannot differentiate (JAX's rules and messages)."""
    if holomorphic:
        if dtype.kind != "c":
            raise TypeError(f"{name} with holomorphic=True requires outputs with complex "
                            f"dtype, but got {dtype.name}.")
    elif dtype.kind == "c":
        raise TypeError(
            f"{name} requires real-valued outputs (output dtype that is a sub-dtype of "
            f"np.floating), but got {dtype.name}. For holomorphic differentiation, pass "
            f"holomorphic=True. For differentiation of non-holomorphic functions involving "
            f"complex outputs, use funcad.vjp directly.")
    elif dtype.kind != "f":
        raise TypeError(
            f"{name} requires real-valued outputs (output dtype that is a sub-dtype of "
            f"np.floating), but got {dtype.name}. Compute floating-point outputs "
            f"(e.g. .astype(float)), or use funcad.vjp for integer outputs.")


def _leaf_argnums(in_tree: tree_util.PyTreeDef, argnums: Sequence[int]) -> list[int]:
    """For each leaf of the flattened differentiated arguments, its positional argnum."""
    subtrees = in_tree.children()
    out: list[int] = []
    for argnum, sub in zip(argnums, subtrees):
        out.extend([argnum] * sub.num_leaves)
    return out


def normalize_argnums(argnums: int | Sequence[int], num_args: int, name: str) -> tuple[int, ...]:
    single = isinstance(argnums, (int, np.integer))
    nums = (argnums,) if single else tuple(argnums)  # type: ignore[arg-type]  # (not an int)
    if not nums:
        raise ValueError(f"{name}: argnums must name at least one argument, got {argnums!r}.")
    out = []
    for n in nums:
        if not isinstance(n, (int, np.integer)):
            raise TypeError(f"{name}: argnums must be ints, got {n!r} in {argnums!r}.")
        if not -num_args <= n < num_args:
            raise ValueError(
                f"{name}: argnums {argnums!r} is out of range: the function was called with "
                f"{num_args} positional argument{'s' if num_args != 1 else ''} (valid: "
                f"{-num_args} to {num_args - 1})."
            )
        if int(n) % num_args in out:
            raise ValueError(
                f"{name}: argnums {argnums!r} names argument {int(n) % num_args} more than "
                f"once; list each argument once."
            )
        out.append(int(n) % num_args)
    return tuple(out)


@overload
def vjp(fun: Callable[..., R], *primals: Any,
        has_aux: Literal[False] = False) -> tuple[R, Callable[[Any], tuple[Any, ...]]]: ...


@overload
def vjp(fun: Callable[..., tuple[R, A]], *primals: Any,
        has_aux: Literal[True]) -> tuple[R, Callable[[Any], tuple[Any, ...]], A]: ...


@overload
def vjp(fun: Callable[..., Any], *primals: Any, has_aux: bool) -> tuple[Any, ...]: ...


@api_boundary
def vjp(fun: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """Evaluate ``fun(*primals)`` and return ``(out, f_vjp)`` (and ``aux`` with has_aux), where
    ``f_vjp(cotangent)`` maps a cotangent shaped like ``out`` to a tuple with one cotangent per
    primal. ``f_vjp`` may be called many times."""
    return _vjp(fun, primals, has_aux, single_use=False)


def vjp_single_use(fun: Callable[..., Any], *primals: Any) -> tuple[Any, Any]:
    """``vjp`` whose ``f_vjp`` may be called once, and frees each intermediate as soon as the
    backward pass is done with it (what ``grad`` does): for rules that recompute a forward
    pass only to pull one cotangent back through it (``checkpoint``)."""
    return _vjp(fun, primals, False, single_use=True)


def _vjp(fun, primals, has_aux, single_use):
    argnums = tuple(range(len(primals)))
    trace, out_primals, out_nodes, out_tree, aux, flat_in, in_tree = _run_forward(
        fun, primals, argnums, "vjp", has_aux
    )
    out_avals = [_cotangent_aval(p) for p in out_primals]
    tape = trace.tape
    num_inputs = len(flat_in)

    @api_boundary
    def f_vjp(cotangent: Any) -> tuple[Any, ...]:
        ct_flat = _check_cotangent(cotangent, out_tree, out_avals)
        if single_use and not tape and trace.num_nodes > num_inputs:
            raise RuntimeError("this VJP function can be called only once")
        in_cts = backward_pass(tape, out_nodes, ct_flat, num_inputs, consume=single_use)
        in_cts = returned_values([_finalize_cotangent(ct, x) for ct, x in zip(in_cts, flat_in)])
        return tuple(tree_util.tree_unflatten(in_tree, in_cts))

    out = tree_util.tree_unflatten(out_tree, returned_values(out_primals))
    return (out, f_vjp, aux) if has_aux else (out, f_vjp)


def _cotangent_aval(value: Any) -> ShapedArray:
    aval = get_aval(value)
    return ShapedArray(aval.shape, aval.dtype)


def _check_cotangent(cotangent: Any, out_tree: Any, out_avals: list[ShapedArray]) -> list[Any]:
    ct_flat, ct_tree = tree_util.tree_flatten(cotangent)
    if ct_tree != out_tree:
        raise ValueError(
            f"The cotangent passed to the vjp function must have the structure of the "
            f"function's output: expected {out_tree}, got {ct_tree}."
        )
    checked = []
    for i, (ct, aval) in enumerate(zip(ct_flat, out_avals)):
        if isinstance(ct, (list, tuple)):
            ct = np.asarray(ct)
        ct_aval = get_aval(ct)
        shape_ok = ct_aval.shape == aval.shape
        dtype_ok = ct_aval.dtype == aval.dtype or (
            ct_aval.weak_type and np.can_cast(ct_aval.dtype, aval.dtype, "same_kind")
        )
        if not is_differentiable_dtype(aval.dtype):  # integer/bool outputs: float0 or own dtype
            dtype_ok = dtype_ok or ct_aval.dtype == float0
        if not (shape_ok and dtype_ok):
            raise ValueError(
                f"Cotangent {i} passed to the vjp function has the wrong type: expected "
                f"{aval.str_short()} (the shape and dtype of output {i}), got "
                f"{ct_aval.str_short()}."
            )
        if ct_aval.weak_type:
            ct = np.asarray(ct, aval.dtype)
        checked.append(ct)
    return checked


def _finalize_cotangent(ct: Any, primal: Any) -> Any:
    """None (no dependence) becomes explicit zeros; integer inputs get float0 zeros."""
    if not is_differentiable(primal):
        return np.zeros(shape_of(primal), float0)
    if ct is None:
        aval = get_aval(primal)
        return np.zeros(aval.shape, aval.dtype)
    return ct


def value_and_grad(
    fun: Callable[P, Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
    holomorphic: bool = False, allow_int: bool = False,
) -> Callable[P, tuple[Any, Any]]:
    """``value_and_grad(f)(*args)`` returns ``(f(*args), gradient)``; with ``has_aux``,
    ``((value, aux), gradient)``. The gradient has the structure of ``args[argnums]`` (a tuple
    of them when argnums is a tuple). ``holomorphic`` and ``allow_int`` as for ``grad``."""
    return _make_grad(fun, argnums, has_aux, with_value=True, name="value_and_grad",
                      holomorphic=holomorphic, allow_int=allow_int)


def grad(
    fun: Callable[P, Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
    holomorphic: bool = False, allow_int: bool = False,
) -> Callable[P, Any]:
    """``grad(f)(*args)``: the gradient of the scalar function ``f`` with respect to
    ``args[argnums]``, with the same structure (a tuple of them when argnums is a tuple).
    With ``has_aux``, ``f`` returns ``(value, aux)`` and ``(gradient, aux)`` is returned.

    A real output may depend on complex inputs: their gradient is JAX's, the transpose of
    the derivative with no conjugation (``grad(lambda z: abs(z) ** 2)(z) == 2 conj(z)``).
    With ``holomorphic=True`` inputs and output are complex and the result is f'(z).
    ``allow_int=True`` gives integer and boolean inputs float0 zeros instead of an error."""
    return _make_grad(fun, argnums, has_aux, with_value=False, name="grad",
                      holomorphic=holomorphic, allow_int=allow_int)


def _make_grad(fun, argnums, has_aux, with_value, name, holomorphic=False, allow_int=False):
    if not callable(fun):
        raise TypeError(f"{name} expects a callable as its first argument, got {fun!r}.")
    single = isinstance(argnums, (int, np.integer))

    @api_boundary
    def grad_f(*args: Any, **kwargs: Any) -> Any:
        nums = normalize_argnums(argnums, len(args), name)
        target = (lambda *a: fun(*a, **kwargs)) if kwargs else fun
        trace, out_primals, out_nodes, out_tree, aux, flat_in, in_tree = _run_forward(
            target, args, nums, name, has_aux, (holomorphic, allow_int)
        )
        value = _check_scalar_output(out_primals, out_tree, name, has_aux, holomorphic)
        seed = value.dtype.type(1)  # d value / d value (a NumPy scalar: cheapest)
        in_cts = backward_pass(trace.tape, out_nodes, [seed], len(flat_in), consume=True)
        in_cts = returned_values([_finalize_cotangent(ct, x) for ct, x in zip(in_cts, flat_in)])
        grads = tree_util.tree_unflatten(in_tree, in_cts)
        gradient = grads[0] if single else tuple(grads)
        if with_value:
            (value,) = returned_values([value])
            return ((value, aux) if has_aux else value), gradient
        return (gradient, aux) if has_aux else gradient

    grad_f.__name__ = f"{name}_{getattr(fun, '__name__', 'fun')}"
    grad_f.__doc__ = getattr(fun, "__doc__", None)
    return grad_f


def _check_scalar_output(out_primals, out_tree, name, has_aux, holomorphic) -> Any:
    if out_tree.num_leaves != 1 or not tree_util.treedef_is_leaf(out_tree):
        hint = "" if has_aux else " If it also returns auxiliary data, use has_aux=True."
        raise TypeError(
            f"{name} requires the function to return a single scalar array, but it returned "
            f"a pytree {out_tree}.{hint} For non-scalar or multiple outputs use funcad.vjp "
            f"(or funcad.jacrev)."
        )
    (value,) = out_primals
    if isinstance(value, (float, int, bool)):
        value = np.asarray(value)
    aval = get_aval(value)
    if aval.shape != ():
        raise TypeError(
            f"{name} requires a scalar output (shape ()), but the function returned an array "
            f"of shape {aval.shape}. For non-scalar outputs use funcad.vjp (or funcad.jacrev), "
            f"or reduce the output (e.g. .sum())."
        )
    check_output_dtype(aval.dtype, name, holomorphic)
    return value
