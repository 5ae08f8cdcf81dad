"""Loops: ``scan``, ``while_loop``, ``fori_loop`` and ``map``, built on two primitives.

``scan_p.bind(*consts, *init, *xs, body=..., num_consts, num_carry, length, reverse)`` runs
``carry, y = body(consts, carry, x[i])`` for each slice of ``xs`` and stacks the ``y``\\ s.
``while_p.bind(*cond_consts, *body_consts, *init, cond=..., body=..., cond_nconsts,
body_nconsts)`` runs ``carry = body(carry)`` while ``cond(carry)``. Each body is traced once;
the loop runs in Python over its compiled code (eagerly, and in ``jit``'s generated code).

Reverse mode through ``scan`` keeps the carry of every step (the forward scan emits them as
extra outputs) and runs a reverse scan whose body is the body's VJP, recomputing each step's
forward from its carry. ``while_loop`` is reverse-differentiable too, which JAX refuses: when
its values are concrete (plain ``grad``) the loop runs once recording its carries, so the trip
count is known, and the backward pass is that same reverse scan. Where the trip count cannot be
known while tracing (under ``jit``, ``vmap`` or ``make_jaxpr``) it raises an error that points
to ``fori_loop`` with static bounds, or ``scan``.
"""

from __future__ import annotations

import weakref
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from funcad import tree_util
from funcad.batching import vmap
from funcad.codegen import compiled_for
from funcad.control_flow._subjaxprs import (
    aval_of,
    batched_jaxpr,
    batched_outputs,
    derived,
    differentiable_mask,
    jvp_jaxpr,
    run,
    run_compiled,
    strong_aval,
    strong_value,
    trace_function,
    vjp_jaxpr,
)
from funcad.core import (
    EVAL_TRACE,
    ClosedJaxpr,
    Jaxpr,
    Primitive,
    ShapedArray,
    Tracer,
    Var,
    current_trace,
    dtype_of,
    get_aval,
    shape_of,
)
from funcad.errors import ConcretizationTypeError
from funcad.primitives.elementwise import add, lt, select
from funcad.primitives.indexing import Slice, concatenate, getitem
from funcad.primitives.reductions import reduce_or_p
from funcad.primitives.shape import (
    batch_size_of,
    convert_element_type,
    move_batch_axis,
    reshape,
)
from funcad.rules import (
    JVPWithPrimal,
    VJPWithResiduals,
    batching_rules,
    is_differentiable_dtype,
    jvp_rules,
    vjp_rules,
    zeros_constant,
)
from funcad.traceback_util import api_boundary

__all__ = ["scan_p", "while_p", "scan", "while_loop", "fori_loop", "map"]


def _split(values: Sequence[Any], *sizes: int) -> list[list[Any]]:
    """``values`` cut into consecutive pieces of the given sizes (the rest last)."""
    pieces, start = [], 0
    for size in sizes:
        pieces.append(list(values[start:start + size]))
        start += size
    pieces.append(list(values[start:]))
    return pieces


def _stack(slices: list[Any], aval: ShapedArray) -> Any:
    """The slices of one output stacked along a new leading axis (concrete values)."""
    if not slices:
        return np.zeros((0,) + aval.shape, aval.dtype)
    return np.stack([np.asarray(s) for s in slices])


# ----------------------------------------------------------------------------------------------
# scan


scan_p = Primitive("scan", multiple_results=True)
scan_p.output_buffer = "fresh"


def _scan_loop(compiled, body, consts, carry, xs, num_carry, length, reverse):
    out_avals = body.out_avals
    ys_slices = []
    steps = range(length - 1, -1, -1) if reverse else range(length)
    for i in steps:
        outs = run_compiled(compiled, out_avals, consts + carry + [x[i] for x in xs])
        carry = outs[:num_carry]
        ys_slices.append(outs[num_carry:])
    if reverse:
        ys_slices.reverse()
    ys = [_stack([s[k] for s in ys_slices], aval)
          for k, aval in enumerate(out_avals[num_carry:])]
    return carry + ys


@scan_p.def_impl
def _scan_impl(*args, body, num_consts, num_carry, length, reverse):
    consts, carry, xs = _split(args, num_consts, num_carry)
    return _scan_loop(compiled_for(body, "scan_body"), body, consts, carry, xs, num_carry,
                      length, reverse)


def _scan_lowering(params: dict) -> Callable[..., list[Any]]:
    body = params["body"]
    compiled = compiled_for(body, "scan_body")
    num_consts, num_carry = params["num_consts"], params["num_carry"]

    def run_scan(*args: Any) -> list[Any]:
        consts, carry, xs = _split(args, num_consts, num_carry)
        return _scan_loop(compiled, body, consts, carry, xs, num_carry, params["length"],
                          params["reverse"])

    return run_scan


scan_p.lowering = _scan_lowering


@scan_p.def_abstract_eval
def _scan_abstract_eval(*avals, body, num_consts, num_carry, length, reverse):
    outs = [strong_aval(a) for a in body.out_avals]
    return outs[:num_carry] + [ShapedArray((length,) + a.shape, a.dtype)
                               for a in outs[num_carry:]]


class ScanVJP(NamedTuple):
    """How reverse mode splits a scan body's VJP between the forward and the backward scan.

    The body's VJP, traced once, holds the body's forward computation and the cotangent
    computation. Equations that read no cotangent can run in the forward scan instead: their
    values that the cotangent computation reads are the residuals, stacked by the forward
    scan (``forward``: the body, also returning them), so the backward scan (``backward``)
    recomputes nothing. ``backward`` takes the consts, the carry inputs it reads
    (``carry_residuals``, stacked too), the x inputs it reads (``x_residuals``, the scan's own
    xs), the residual values, the full carry cotangent and the y cotangent."""

    forward: Any
    backward: Any
    carry_residuals: tuple[int, ...]
    x_residuals: tuple[int, ...]
    num_values: int


def scan_vjp(body: Any, nc: int, ncarry: int, mask: Sequence[bool]) -> ScanVJP:
    """The split VJP of ``body`` for the wanted (``mask``) consts, carries and xs."""
    key = ("scan vjp", nc, ncarry, tuple(mask))
    cache = _split_cache.setdefault(body, {})
    if key in cache:
        return cache[key]
    pullback = vjp_jaxpr(body, mask)
    jaxpr = pullback.jaxpr
    n_in = len(body.in_avals)
    inputs = list(jaxpr.invars[:n_in])
    known = set(jaxpr.constvars) | set(inputs)
    known_eqns, unknown_eqns = [], []
    for eqn in jaxpr.eqns:
        if eqn.primitive.effectful:
            continue  # (a print in the body runs in the forward scan, once)
        if all(type(a) is not Var or a in known for a in eqn.invars):
            known_eqns.append(eqn)
            known.update(eqn.outvars)
        else:
            unknown_eqns.append(eqn)
    needed: dict[Var, None] = {}
    for atom in [a for e in unknown_eqns for a in e.invars] + list(jaxpr.outvars):
        if type(atom) is Var and atom in known and atom not in jaxpr.constvars:
            needed[atom] = None
    const_vars, carry_vars, x_vars = _split(inputs, nc, ncarry)
    carry_residuals = tuple(i for i, v in enumerate(carry_vars) if v in needed)
    x_residuals = tuple(i for i, v in enumerate(x_vars) if v in needed)
    values = [v for v in needed if v not in set(inputs)]
    known_part = ClosedJaxpr(Jaxpr(list(jaxpr.constvars), inputs, values, known_eqns),
                             list(pullback.consts))

    def forward_fun(*args):
        return (run(body, *args) + [args[nc + i] for i in carry_residuals]
                + run(known_part, *args))

    forward = derived(body, key + ("forward",), forward_fun, body.in_avals)
    backward = ClosedJaxpr(Jaxpr(
        list(jaxpr.constvars), const_vars + [carry_vars[i] for i in carry_residuals]
        + [x_vars[i] for i in x_residuals] + values + list(jaxpr.invars[n_in:]),
        list(jaxpr.outvars), unknown_eqns), list(pullback.consts))
    cache[key] = ScanVJP(forward, backward, carry_residuals, x_residuals, len(values))
    return cache[key]


def _recomputing_vjp(body: Any, nc: int, ncarry: int, mask: Sequence[bool]) -> ScanVJP:
    """A backward scan that recomputes each step from its carry (for ``while_loop``, whose
    forward pass runs the plain loop): every carry is a residual, nothing else."""
    pullback = vjp_jaxpr(body, mask)
    return ScanVJP(None, pullback, tuple(range(ncarry)), (), 0)


_split_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _masks(body, nc, ncarry, wanted):
    const_avals, carry_avals, x_avals = _split(body.in_avals, nc, ncarry)
    wanted_consts, _, wanted_xs = _split(wanted, nc, ncarry)
    const_mask = [w is not None and is_differentiable_dtype(a.dtype)
                  for w, a in zip(wanted_consts, const_avals)]
    carry_mask = list(differentiable_mask(carry_avals))
    x_mask = [w is not None and is_differentiable_dtype(a.dtype)
              for w, a in zip(wanted_xs, x_avals)]
    return const_mask, carry_mask, x_mask


def _scan_vjp_forward(primals, params, wanted):
    """The forward scan, also stacking the residuals the backward scan will read."""
    body, nc, ncarry = params["body"], params["num_consts"], params["num_carry"]
    const_mask, carry_mask, x_mask = _masks(body, nc, ncarry, wanted)
    split = scan_vjp(body, nc, ncarry, const_mask + carry_mask + x_mask)
    outs = scan_p.bind(*primals, **dict(params, body=split.forward))
    num_outs = len(body.out_avals)
    return outs[:num_outs], (split, outs[num_outs:])


def _scan_backward(residuals, cotangents, ans, args, params, wanted):
    """A reverse scan over the backward part of the body's VJP."""
    split, stacked = residuals
    body, nc, ncarry = params["body"], params["num_consts"], params["num_carry"]
    length, reverse = params["length"], params["reverse"]
    consts, init, xs = _split(args, nc, ncarry)
    const_mask, carry_mask, x_mask = _masks(body, nc, ncarry, wanted)
    if not any(const_mask) and not any(carry_mask) and not any(x_mask):
        return [None] * len(args)
    const_avals, carry_avals, x_avals = _split(body.in_avals, nc, ncarry)
    y_avals = [strong_aval(a) for a in body.out_avals[ncarry:]]
    n_acc, n_ct = sum(const_mask), sum(carry_mask)
    acc_avals = [a for a, m in zip(const_avals, const_mask) if m]
    ct_carry_avals = [a for a, m in zip(carry_avals, carry_mask) if m]
    stacked_avals = [ShapedArray(tuple(shape_of(s))[1:], dtype_of(s)) for s in stacked]
    res_x_avals = [x_avals[i] for i in split.x_residuals]
    n_stacked, n_res_x = len(stacked), len(split.x_residuals)

    def backward_step(*step_args):
        step_consts, acc, ct_carry, stacked_slices, res_x, ct_y = _split(
            step_args, nc, n_acc, n_ct, n_stacked, n_res_x)
        given = iter(ct_carry)
        full_ct_carry = [next(given) if m else np.zeros(a.shape, a.dtype)
                         for m, a in zip(carry_mask, carry_avals)]
        carry_slices, values = _split(stacked_slices, len(split.carry_residuals))
        cts = run(split.backward, *step_consts, *carry_slices, *res_x, *values, *full_ct_carry,
                  *ct_y)
        ct_consts, ct_carry_in, ct_x = _split(cts, n_acc, n_ct)
        return [add(a, c) for a, c in zip(acc, ct_consts)] + ct_carry_in + ct_x

    step_avals = (list(const_avals) + acc_avals + ct_carry_avals + stacked_avals + res_x_avals
                  + y_avals)
    key = ("scan backward", id(split), nc, ncarry, tuple(const_mask), tuple(x_mask))
    backward_body = derived(body, key, backward_step, step_avals)
    ct_carry_out, ct_ys = _split(cotangents, ncarry)
    acc_init = [zeros_constant(c) for c, m in zip(consts, const_mask) if m]
    ct_carry = [c for c, m in zip(ct_carry_out, carry_mask) if m]
    outs = scan_p.bind(*consts, *acc_init, *ct_carry, *stacked,
                       *[xs[i] for i in split.x_residuals], *ct_ys,
                       body=backward_body, num_consts=nc, num_carry=n_acc + n_ct,
                       length=length, reverse=not reverse)
    acc, ct_init, ct_xs = _split(outs, n_acc, n_ct)
    acc, ct_init, ct_xs = iter(acc), iter(ct_init), iter(ct_xs)
    return ([next(acc) if m else None for m in const_mask]
            + [next(ct_init) if m else None for m in carry_mask]
            + [next(ct_xs) if m else None for m in x_mask])


vjp_rules[scan_p] = VJPWithResiduals(_scan_vjp_forward, _scan_backward)


def _tangents_for(values, tangents, mask):
    return [zeros_constant(v) if t is None else t
            for v, t, m in zip(values, tangents, mask) if m]


def _scan_jvp(primals, tangents, params):
    """A scan over (carry, tangent of the carry), whose body is the body's JVP."""
    body, nc, ncarry = params["body"], params["num_consts"], params["num_carry"]
    consts, carry, xs = _split(primals, nc, ncarry)
    t_consts, t_carry, t_xs = _split(tangents, nc, ncarry)
    const_avals, carry_avals, x_avals = _split(body.in_avals, nc, ncarry)
    cm, km, xm = (differentiable_mask(const_avals), differentiable_mask(carry_avals),
                  differentiable_mask(x_avals))
    pushforward = jvp_jaxpr(body)
    n_cm, n_km = sum(cm), sum(km)
    out_mask = differentiable_mask(body.out_avals)
    y_mask = out_mask[ncarry:]
    assert tuple(out_mask[:ncarry]) == tuple(km)

    def step(*args):  # (consts, t_consts, carry, t_carry, x, t_x) in scan's layout
        c, tc, k, tk, x, tx = _split(args, nc, n_cm, ncarry, n_km, len(x_avals))
        outs = run(pushforward, *c, *k, *x, *tc, *tk, *tx)
        carry_out, ys, t_carry_out, t_ys = _split(outs, ncarry, len(y_mask), n_km)
        return carry_out + t_carry_out + ys + t_ys

    avals = (list(const_avals) + [a for a, m in zip(const_avals, cm) if m] + list(carry_avals)
             + [a for a, m in zip(carry_avals, km) if m] + list(x_avals)
             + [a for a, m in zip(x_avals, xm) if m])
    step_body = derived(body, ("scan jvp", nc, ncarry), step, avals)
    outs = scan_p.bind(*consts, *_tangents_for(consts, t_consts, cm), *carry,
                       *_tangents_for(carry, t_carry, km), *xs, *_tangents_for(xs, t_xs, xm),
                       body=step_body, num_consts=nc + n_cm, num_carry=ncarry + n_km,
                       length=params["length"], reverse=params["reverse"])
    carry_out, t_carry_out, ys, t_ys = _split(outs, ncarry, n_km, len(y_mask))
    t_carry_out, t_ys = iter(t_carry_out), iter(t_ys)
    return (carry_out + ys, [next(t_carry_out) if m else None for m in km]
            + [next(t_ys) if m else None for m in y_mask])


jvp_rules[scan_p] = JVPWithPrimal(_scan_jvp)


def _scan_batch(values, batch_axes, *, body, num_consts, num_carry, length, reverse):
    size = batch_size_of(values, batch_axes)
    consts, carry, xs = _split(values, num_consts, num_carry)
    const_axes, carry_axes, x_axes = _split(batch_axes, num_consts, num_carry)
    const_b = [a is not None for a in const_axes]
    x_b = [a is not None for a in x_axes]
    carry_b = [a is not None for a in carry_axes]
    while True:  # a carry is batched if it starts batched or the body makes it so
        out_b = batched_outputs(body, const_b + carry_b + x_b)
        new_carry_b = [c or o for c, o in zip(carry_b, out_b[:num_carry])]
        if new_carry_b == carry_b:
            break
        carry_b = new_carry_b
    consts = [move_batch_axis(c, a, 0, size) if b else c
              for c, a, b in zip(consts, const_axes, const_b)]
    carry = [move_batch_axis(c, a, 0, size) if b else c
             for c, a, b in zip(carry, carry_axes, carry_b)]
    xs = [move_batch_axis(x, a, 1, size) if b else x for x, a, b in zip(xs, x_axes, x_b)]
    in_axes = [0 if b else None for b in const_b + carry_b + x_b]
    batched_body = batched_jaxpr(body, in_axes, size, carry_b + list(out_b[num_carry:]))
    outs = scan_p.bind(*consts, *carry, *xs, body=batched_body, num_consts=num_consts,
                       num_carry=num_carry, length=length, reverse=reverse)
    return outs, ([0 if b else None for b in carry_b]
                  + [1 if b else None for b in out_b[num_carry:]])


batching_rules[scan_p] = _scan_batch

# ----------------------------------------------------------------------------------------------
# while


while_p = Primitive("while", multiple_results=True)


def _while_loop(cond_compiled, body_compiled, cond_jaxpr, body_jaxpr, cond_consts,
                body_consts, carry):
    cond_avals, body_avals = cond_jaxpr.out_avals, body_jaxpr.out_avals
    while run_compiled(cond_compiled, cond_avals, cond_consts + carry)[0]:
        carry = run_compiled(body_compiled, body_avals, body_consts + carry)
    return carry


@while_p.def_impl
def _while_impl(*args, cond, body, cond_nconsts, body_nconsts):
    cond_consts, body_consts, carry = _split(args, cond_nconsts, body_nconsts)
    return _while_loop(compiled_for(cond, "while_cond"), compiled_for(body, "while_body"),
                       cond, body, cond_consts, body_consts, carry)


def _while_lowering(params: dict) -> Callable[..., list[Any]]:
    cond, body = params["cond"], params["body"]
    compiled_cond, compiled_body = compiled_for(cond, "while_cond"), compiled_for(body,
                                                                                 "while_body")
    sizes = params["cond_nconsts"], params["body_nconsts"]

    def run_while(*args: Any) -> list[Any]:
        cond_consts, body_consts, carry = _split(args, *sizes)
        return _while_loop(compiled_cond, compiled_body, cond, body, cond_consts, body_consts,
                           carry)

    return run_while


while_p.lowering = _while_lowering
while_p.def_abstract_eval(lambda *avals, cond, body, cond_nconsts, body_nconsts: [
    strong_aval(a) for a in body.out_avals])

_UNKNOWN_TRIP_COUNT = (
    "  - differentiate the while_loop where its values are concrete (outside jit and vmap, "
    "and not inside a scan, cond or while body that is itself being differentiated);\n"
    "  - or write the loop with funcad.lax.fori_loop with static (Python int) bounds, or "
    "funcad.lax.scan with a length: reverse mode goes through those everywhere.")


def _concrete_bool(value: Any) -> bool:
    if isinstance(value, Tracer):
        try:
            value = value.concrete_value("the condition of a while_loop")
        except ConcretizationTypeError:
            raise ConcretizationTypeError(
                "the condition of a while_loop being differentiated in reverse mode",
                value.aval.str_short(),
                " (reverse mode needs the number of iterations, which is not known while "
                "tracing)", fixes=_UNKNOWN_TRIP_COUNT) from None
    return bool(value)


def _while_vjp_forward(primals, params, wanted):
    """Run the loop once, keeping every carry: the trip count is then known."""
    cond, body = params["cond"], params["body"]
    cond_consts, body_consts, carry = _split(primals, params["cond_nconsts"],
                                             params["body_nconsts"])
    carry_avals = [strong_aval(a) for a in body.out_avals]
    history = []
    if current_trace() is EVAL_TRACE:
        compiled_cond, compiled_body = (compiled_for(cond, "while_cond"),
                                        compiled_for(body, "while_body"))
        while run_compiled(compiled_cond, cond.out_avals, cond_consts + carry)[0]:
            history.append(carry)
            carry = run_compiled(compiled_body, carry_avals, body_consts + carry)
        stacked = [_stack([c[k] for c in history], aval) for k, aval in enumerate(carry_avals)]
    else:  # an enclosing transformation with concrete values (grad of grad)
        while _concrete_bool(run(cond, *cond_consts, *carry)[0]):
            history.append(carry)
            carry = run(body, *body_consts, *carry)
        stacked = [_stack_traced([c[k] for c in history], aval)
                   for k, aval in enumerate(carry_avals)]
    return carry, (stacked, len(history))


def _while_scan_split(params, wanted):
    nc_cond, nc_body = params["cond_nconsts"], params["body_nconsts"]
    body = params["body"]
    ncarry = len(body.out_avals)
    const_mask, carry_mask, _ = _masks(body, nc_body, ncarry, wanted[nc_cond:])
    return _recomputing_vjp(body, nc_body, ncarry, const_mask + carry_mask)


def _stack_traced(slices: list[Any], aval: ShapedArray) -> Any:
    if not slices:
        return np.zeros((0,) + aval.shape, aval.dtype)
    return concatenate([reshape(s, (1,) + aval.shape) for s in slices], 0)


def _while_backward(residuals, cotangents, ans, args, params, wanted):
    stacked, trip_count = residuals
    split = _while_scan_split(params, wanted)
    nc_cond, nc_body = params["cond_nconsts"], params["body_nconsts"]
    scan_params = dict(body=params["body"], num_consts=nc_body,
                       num_carry=len(params["body"].out_avals), length=trip_count,
                       reverse=False)
    cts = _scan_backward((split, stacked), list(cotangents), ans, args[nc_cond:],
                         scan_params, wanted[nc_cond:])
    return [None] * nc_cond + cts


vjp_rules[while_p] = VJPWithResiduals(_while_vjp_forward, _while_backward)


def _while_jvp(primals, tangents, params):
    """A while over (carry, tangent of the carry): the condition reads the carry alone."""
    cond, body = params["cond"], params["body"]
    nc_cond, nc_body = params["cond_nconsts"], params["body_nconsts"]
    cond_consts, body_consts, carry = _split(primals, nc_cond, nc_body)
    _, t_body_consts, t_carry = _split(tangents, nc_cond, nc_body)
    const_avals, carry_avals = _split(body.in_avals, nc_body)
    cm, km = differentiable_mask(const_avals), differentiable_mask(carry_avals)
    n_cm, n_km, ncarry = sum(cm), sum(km), len(carry_avals)
    pushforward = jvp_jaxpr(body)
    t_carry_avals = [a for a, m in zip(carry_avals, km) if m]

    def new_cond(*args):
        consts, carry_, _ = _split(args, nc_cond, ncarry)
        return run(cond, *consts, *carry_)

    def new_body(*args):
        c, tc, k, tk = _split(args, nc_body, n_cm, ncarry)
        outs = run(pushforward, *c, *k, *tc, *tk)
        return outs

    cond_j = derived(cond, ("while jvp cond", nc_cond, ncarry, n_km), new_cond,
                     list(cond.in_avals) + t_carry_avals)
    body_j = derived(body, ("while jvp body", nc_body), new_body,
                     list(const_avals) + [a for a, m in zip(const_avals, cm) if m]
                     + list(carry_avals) + t_carry_avals)
    outs = while_p.bind(*cond_consts, *body_consts, *_tangents_for(body_consts, t_body_consts, cm),
                        *carry, *_tangents_for(carry, t_carry, km), cond=cond_j, body=body_j,
                        cond_nconsts=nc_cond, body_nconsts=nc_body + n_cm)
    carry_out, t_out = _split(outs, ncarry)
    t_out = iter(t_out)
    return carry_out, [next(t_out) if m else None for m in km]


jvp_rules[while_p] = JVPWithPrimal(_while_jvp)


def _while_batch(values, batch_axes, *, cond, body, cond_nconsts, body_nconsts):
    """Every example's loop at once, until all are done: an example whose condition is false
    keeps its carry (as in JAX). Every carry is batched."""
    size = batch_size_of(values, batch_axes)
    cond_consts, body_consts, carry = _split(values, cond_nconsts, body_nconsts)
    cond_axes, body_axes, carry_axes = _split(batch_axes, cond_nconsts, body_nconsts)
    cond_consts = [c if a is None else move_batch_axis(c, a, 0, size)
                   for c, a in zip(cond_consts, cond_axes)]
    body_consts = [c if a is None else move_batch_axis(c, a, 0, size)
                   for c, a in zip(body_consts, body_axes)]
    carry = [move_batch_axis(c, a, 0, size) for c, a in zip(carry, carry_axes)]
    cond_in = [None if a is None else 0 for a in cond_axes] + [0] * len(carry)
    body_in = [None if a is None else 0 for a in body_axes] + [0] * len(carry)
    ncarry = len(carry)
    cond_b = batched_jaxpr(cond, cond_in, size, (True,))
    body_b = batched_jaxpr(body, body_in, size, (True,) * ncarry)

    def any_running(*args):
        return [reduce_or_p.bind(run(cond_b, *args)[0], axes=(0,))]

    def masked_step(*args):
        c_consts, b_consts, carry_ = _split(args, cond_nconsts, body_nconsts)
        running = run(cond_b, *c_consts, *carry_)[0]
        new = run(body_b, *b_consts, *carry_)
        return [select(reshape(running, (size,) + (1,) * (len(shape_of(n)) - 1)), n, old)
                for n, old in zip(new, carry_)]

    new_cond = derived(cond, ("while vmap cond", tuple(cond_in), size), any_running,
                       cond_b.in_avals)
    new_body = derived(body, ("while vmap body", tuple(cond_in), tuple(body_in), size),
                       masked_step, list(cond_b.in_avals[:cond_nconsts]) + list(body_b.in_avals))
    outs = while_p.bind(*cond_consts, *cond_consts, *body_consts, *carry, cond=new_cond,
                        body=new_body, cond_nconsts=cond_nconsts,
                        body_nconsts=cond_nconsts + body_nconsts)
    return outs, [0] * ncarry


batching_rules[while_p] = _while_batch

# ----------------------------------------------------------------------------------------------
# The user's functions.


def _leaf_paths(tree: Any, root: str) -> list[str]:
    return [root + tree_util.keystr(path) for path, _ in tree_util.tree_leaves_with_path(tree)]


def _trace_carry_function(name: str, fun: Callable[..., Any], carry: Any,
                          before: Sequence[Any] = (), after: Sequence[Any] = (),
                          carry_of_output: Callable[[Any], Any] = lambda out: out,
                          output_name: str = "body_fun"):
    """Trace ``fun(*before, carry, *after)`` whose output holds a new carry (picked out by
    ``carry_of_output``); the new carry must have the carry's structure, shapes and dtypes.
    A carry leaf that was a Python scalar takes the dtype the body gives it (JAX's weak
    types). Returns (traced, carry as used)."""
    flat_carry, carry_tree = tree_util.tree_flatten(carry)
    weak = [type(leaf) in (bool, int, float, complex) for leaf in flat_carry]
    for attempt in range(2):
        # A first trace types Python-scalar leaves weakly (NumPy's rule: 0 + f32 is f32), to
        # learn the dtype the body gives them; the loop itself then carries that dtype.
        in_avals = None
        if attempt == 0 and any(weak):
            args_flat = tree_util.tree_leaves((*before, carry, *after))
            in_avals = [get_aval(x) if type(x) in (bool, int, float, complex) else aval_of(x)
                        for x in args_flat]
        traced = trace_function(lambda *a: fun(*a), (*before, carry, *after), in_avals)
        out = tree_util.tree_unflatten(traced.out_tree, list(traced.jaxpr.out_avals))
        try:
            new_carry = carry_of_output(out)
        except (TypeError, ValueError) as err:
            raise TypeError(f"{name}: {err}") from None
        new_flat, new_tree = tree_util.tree_flatten(new_carry)
        if new_tree != carry_tree:
            raise TypeError(
                f"{name}: {output_name} must return a carry with the structure of its input "
                f"carry, {carry_tree}, but it returned {new_tree}.")
        if in_avals is None:
            break
        flat_carry = [np.asarray(leaf, aval.dtype)[()] if w else leaf
                      for leaf, aval, w in zip(flat_carry, new_flat, weak)]
        carry = tree_util.tree_unflatten(carry_tree, flat_carry)
    paths = _leaf_paths(carry, "carry")
    for path, leaf, aval in zip(paths, tree_util.tree_leaves(carry), new_flat):
        want = aval_of(leaf)
        if want.shape != aval.shape or want.dtype != aval.dtype:
            raise TypeError(
                f"{name}: {output_name} must return a carry with the shapes and dtypes of its "
                f"input carry, but {path} is {want.str_short()} on input and "
                f"{strong_aval(aval).str_short()} on output.")
    return traced, tree_util.tree_map(strong_value, carry)


@api_boundary
def scan(f: Callable[[Any, Any], tuple[Any, Any]], init: Any, xs: Any = None,
         length: int | None = None, reverse: bool = False, unroll: int | bool = 1,
         _split_transpose: bool = False) -> tuple[Any, Any]:
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs`` (a pytree), returning
    the final carry and the stacked ``y``\\ s, as ``jax.lax.scan``. ``f`` is traced once.
    ``unroll`` is accepted for compatibility (the loop runs in Python either way)."""
    if not callable(f):
        raise TypeError(f"scan: f must be callable, got {f!r}.")
    if not isinstance(unroll, (bool, int, np.integer)) or (not isinstance(unroll, bool)
                                                          and unroll < 1):
        raise ValueError(f"scan: unroll must be a positive int or a bool, got {unroll!r}.")
    xs = tree_util.tree_map(strong_value, xs)
    xs_flat, xs_tree = tree_util.tree_flatten(xs)
    lengths = [tuple(shape_of(x))[0] if tuple(shape_of(x)) else None for x in xs_flat]
    paths = _leaf_paths(xs, "xs")
    for path, x, n in zip(paths, xs_flat, lengths):
        if n is None:
            raise ValueError(f"scan: {path} is a scalar (shape ()); every leaf of xs must have "
                             f"a leading axis to scan over.")
    distinct = sorted({n for n in lengths if n is not None})  # (None raised above)
    if len(distinct) > 1:
        listing = ", ".join(f"{p} has {n}" for p, n in zip(paths, lengths))
        raise ValueError(f"scan: all leaves of xs must have the same leading axis size, but "
                         f"{listing}.")
    if length is not None:
        try:
            length = int(length)
        except TypeError:
            raise TypeError(f"scan: length must be a Python int, got {length!r}.") from None
        if distinct and distinct[0] != length:
            raise ValueError(f"scan: length={length} disagrees with the leading axis size "
                             f"{distinct[0]} of xs.")
    elif distinct:
        length = distinct[0]
    else:
        raise ValueError("scan: there is nothing to scan over: xs is None (or empty) and "
                         "length is not given.")
    x_slices = tree_util.tree_unflatten(xs_tree, [
        ShapedArray(tuple(shape_of(x))[1:], dtype_of(x)) for x in xs_flat])

    def pair(out: Any) -> Any:
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(f"f must return a pair (carry, y), got {out!r}")
        return out[0]

    traced, init = _trace_carry_function("scan", f, init, after=(x_slices,),
                                         carry_of_output=pair, output_name="f")
    init_flat, _ = tree_util.tree_flatten(init)
    outs = scan_p.bind(*traced.consts, *init_flat, *xs_flat, body=traced.jaxpr,
                       num_consts=len(traced.consts), num_carry=len(init_flat),
                       length=length, reverse=bool(reverse))
    carry_out, ys = tree_util.tree_unflatten(traced.out_tree, outs)
    return carry_out, ys


@api_boundary
def while_loop(cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any],
               init_val: Any) -> Any:
    """``while cond_fun(val): val = body_fun(val)``, staged, as ``jax.lax.while_loop``.
    Both functions are traced once; ``body_fun`` must keep the carry's structure, shapes and
    dtypes. Reverse-mode differentiable when the loop's values are concrete."""
    if not callable(cond_fun) or not callable(body_fun):
        raise TypeError("while_loop: cond_fun and body_fun must be callable: "
                        "while_loop(cond_fun, body_fun, init_val).")
    body, init_val = _trace_carry_function("while_loop", body_fun, init_val)
    cond = trace_function(cond_fun, (init_val,))
    cond_out = cond.jaxpr.out_avals
    if len(cond_out) != 1 or cond_out[0].shape != () or cond_out[0].dtype != np.bool_:
        got = ", ".join(strong_aval(a).str_short() for a in cond_out) or "nothing"
        raise TypeError(f"while_loop: cond_fun must return a boolean scalar, but it returned "
                        f"{got}.")
    init_flat, carry_tree = tree_util.tree_flatten(init_val)
    outs = while_p.bind(*cond.consts, *body.consts, *init_flat, cond=cond.jaxpr,
                        body=body.jaxpr, cond_nconsts=len(cond.consts),
                        body_nconsts=len(body.consts))
    return tree_util.tree_unflatten(carry_tree, outs)


@api_boundary
def fori_loop(lower: Any, upper: Any, body_fun: Callable[[Any, Any], Any], init_val: Any,
              *, unroll: int | bool | None = None) -> Any:
    """``for i in range(lower, upper): val = body_fun(i, val)``, as ``jax.lax.fori_loop``.
    With concrete bounds it is a ``scan`` (reverse-differentiable everywhere); with traced
    bounds, a ``while_loop``."""
    if not callable(body_fun):
        raise TypeError("fori_loop: body_fun must be callable: "
                        "fori_loop(lower, upper, body_fun, init_val).")
    for name, bound in (("lower", lower), ("upper", upper)):
        kind = np.dtype(dtype_of(strong_value(bound))).kind
        if kind not in "iu" or tuple(shape_of(strong_value(bound))) != ():
            raise TypeError(f"fori_loop: {name} must be an integer scalar, got {bound!r}.")
    index_dtype = np.result_type(dtype_of(strong_value(lower)), dtype_of(strong_value(upper)))
    if not isinstance(lower, Tracer) and not isinstance(upper, Tracer):
        start = index_dtype.type(lower)
        length = max(int(upper) - int(lower), 0)

        def step(carry, _):
            i, val = carry
            return (i + index_dtype.type(1), body_fun(i, val)), None

        (_, result), _ = scan(step, (start, init_val), None, length=length,
                              unroll=1 if unroll is None else unroll)
        return result
    lower = convert_element_type(lower, index_dtype)
    upper = convert_element_type(upper, index_dtype)

    def body(carry):
        i, stop, val = carry
        return i + index_dtype.type(1), stop, body_fun(i, val)

    _, _, result = while_loop(lambda carry: lt(carry[0], carry[1]), body,
                              (lower, upper, init_val))
    return result


@api_boundary
def map(f: Callable[[Any], Any], xs: Any, *, batch_size: int | None = None) -> Any:
    """``f`` applied to each slice of ``xs`` along its leading axis, stacked, as
    ``jax.lax.map`` (a ``scan`` with no carry). With ``batch_size``, ``f`` is vmapped over
    chunks of that many slices."""
    if batch_size is None:
        return scan(lambda carry, x: ((), f(x)), (), xs)[1]
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"map: batch_size must be a positive int, got {batch_size!r}.")
    xs = tree_util.tree_map(strong_value, xs)
    leaves = tree_util.tree_leaves(xs)
    if not leaves:
        raise ValueError("map: xs has no leaves to map over.")
    n = tuple(shape_of(leaves[0]))[0]
    full, rest = divmod(n, int(batch_size))

    def rows(x, start, stop):
        return getitem(x, (Slice(start, stop, None),))

    def chunked(x):
        shape = tuple(shape_of(x))
        return reshape(rows(x, 0, full * batch_size), (full, batch_size) + shape[1:])

    pieces = []
    if full:
        stacked = scan(lambda carry, chunk: ((), vmap(f)(chunk)), (),
                       tree_util.tree_map(chunked, xs))[1]
        pieces.append(tree_util.tree_map(
            lambda y: reshape(y, (full * batch_size,) + tuple(shape_of(y))[2:]), stacked))
    if rest:
        pieces.append(vmap(f)(tree_util.tree_map(lambda x: rows(x, full * batch_size, n), xs)))
    if len(pieces) == 1:
        return pieces[0]
    return tree_util.tree_map(lambda a, b: concatenate([a, b], 0), *pieces)
