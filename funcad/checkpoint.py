"""``checkpoint`` (alias ``remat``): trade computation for memory in reverse mode.

A checkpointed function is one ``checkpoint`` equation whose param is the function's IR.
Under reverse mode the tape keeps only its inputs and outputs; the backward pass recomputes
the function's forward (under a fresh reverse-mode trace) when it reaches it, and frees that
inner tape as soon as its cotangents are out. So a long computation split into checkpointed
blocks holds, at the peak, the blocks' inputs plus one block's intermediates.

The ``policy`` says what the forward pass may keep: ``checkpoint_policies.nothing_saveable``
(the default: recompute everything) or ``everything_saveable`` (keep it all: no saving of
memory, no recomputation). Under ``jit`` the recomputed forward is emitted inside the backward
pass, where the IR passes cannot merge it with the forward pass (the forward is one opaque
equation), which is what JAX's ``prevent_cse`` asks for; the argument is accepted for that.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, ParamSpec, Sequence, TypeVar, overload

from funcad import tree_util
from funcad.ad import vjp, vjp_single_use
from funcad.control_flow._subjaxprs import (
    batched_jaxpr,
    batched_outputs,
    run,
    run_eagerly,
    strong_aval,
    strong_value,
    trace_function,
)
from funcad.core import Primitive
from funcad.jvp import jvp
from funcad.primitives.shape import batch_size_of, move_batch_axis
from funcad.rules import (
    JVPWithPrimal,
    VJPWithResiduals,
    batching_rules,
    jvp_rules,
    vjp_rules,
    zeros_constant,
)
from funcad.traceback_util import api_boundary

__all__ = ["checkpoint", "remat", "checkpoint_policies", "checkpoint_p"]

P = ParamSpec("P")  # (a checkpointed function keeps the parameters and result type)
R = TypeVar("R")


class _Policy:
    __slots__ = ("name", "saves_everything")

    def __init__(self, name: str, saves_everything: bool):
        self.name, self.saves_everything = name, saves_everything

    def __call__(self, *args: Any, **kwargs: Any) -> bool:  # (JAX's policies are predicates)
        return self.saves_everything

    def __repr__(self) -> str:
        return self.name


class checkpoint_policies:
    """What the forward pass of a checkpointed function keeps for the backward pass."""

    nothing_saveable = _Policy("nothing_saveable", False)
    everything_saveable = _Policy("everything_saveable", True)


checkpoint_p = Primitive("checkpoint", multiple_results=True)
checkpoint_p.def_impl(lambda *args, jaxpr, policy, prevent_cse: run_eagerly(jaxpr, *args))
checkpoint_p.def_abstract_eval(lambda *avals, jaxpr, policy, prevent_cse: [
    strong_aval(a) for a in jaxpr.out_avals])


def _checkpoint_forward(primals, params, wanted):
    jaxpr = params["jaxpr"]
    if params["policy"].saves_everything:
        outs, pullback = vjp(lambda *xs: run(jaxpr, *xs), *primals)
        return outs, pullback
    return run(jaxpr, *primals), None


def _checkpoint_backward(pullback, cotangents, ans, args, params, wanted):
    if pullback is None:  # recompute the forward now, differentiate it, and let it go
        _, pullback = vjp_single_use(lambda *xs: run(params["jaxpr"], *xs), *args)
    cotangents_in = pullback(list(cotangents))
    return [c if w is not None else None for c, w in zip(cotangents_in, wanted)]


def _checkpoint_jvp(primals, tangents, params):
    tangents = [zeros_constant(p) if t is None else t for p, t in zip(primals, tangents)]
    jaxpr = params["jaxpr"]
    return jvp(lambda *xs: run(jaxpr, *xs), tuple(primals), tuple(tangents))


def _checkpoint_batch(values, batch_axes, *, jaxpr, policy, prevent_cse):
    size = batch_size_of(values, batch_axes)
    values = [v if a is None else move_batch_axis(v, a, 0, size)
              for v, a in zip(values, batch_axes)]
    in_axes = [None if a is None else 0 for a in batch_axes]
    out_batched = batched_outputs(jaxpr, [a is not None for a in in_axes])
    batched = batched_jaxpr(jaxpr, in_axes, size, out_batched)
    outs = checkpoint_p.bind(*values, jaxpr=batched, policy=policy, prevent_cse=prevent_cse)
    return outs, [0 if b else None for b in out_batched]


vjp_rules[checkpoint_p] = VJPWithResiduals(_checkpoint_forward, _checkpoint_backward)
jvp_rules[checkpoint_p] = JVPWithPrimal(_checkpoint_jvp)
batching_rules[checkpoint_p] = _checkpoint_batch


@overload
def checkpoint(fun: Callable[P, R], *, prevent_cse: bool = True,
               policy: Callable[..., bool] | None = None,
               static_argnums: int | Sequence[int] = ()) -> Callable[P, R]: ...


@overload
def checkpoint(fun: None = None, *, prevent_cse: bool = True,
               policy: Callable[..., bool] | None = None,
               static_argnums: int | Sequence[int] = ()
               ) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def checkpoint(fun: Callable[..., Any] | None = None, *, prevent_cse: bool = True,
               policy: Callable[..., bool] | None = None,
               static_argnums: int | Sequence[int] = ()) -> Any:
    """``fun``, recomputed during the backward pass instead of stored (``jax.checkpoint``).
    ``static_argnums`` name arguments passed as Python values (not traced)."""
    if fun is None:
        return lambda f: checkpoint(f, prevent_cse=prevent_cse, policy=policy,
                                    static_argnums=static_argnums)
    if not callable(fun):
        raise TypeError(f"checkpoint expects a callable, got {fun!r}.")
    if policy is None:
        policy = checkpoint_policies.nothing_saveable
    if not isinstance(policy, _Policy):
        raise NotImplementedError(
            f"checkpoint: policy {policy!r} is not supported; use "
            f"funcad.checkpoint_policies.nothing_saveable or everything_saveable.")
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    @api_boundary
    @functools.wraps(fun)
    def checkpointed(*args: Any) -> Any:
        n = len(args)
        static_set = {i % n for i in static if -n <= i < n}
        dynamic = tuple(tree_util.tree_map(strong_value, a) for i, a in enumerate(args)
                        if i not in static_set)

        def call(*dyn: Any) -> Any:
            it = iter(dyn)
            return fun(*(args[i] if i in static_set else next(it) for i in range(n)))

        traced = trace_function(call, dynamic)
        flat = tree_util.tree_leaves(dynamic)
        outs = checkpoint_p.bind(*traced.consts, *flat, jaxpr=traced.jaxpr, policy=policy,
                                 prevent_cse=bool(prevent_cse))
        return tree_util.tree_unflatten(traced.out_tree, outs)

    return checkpointed


remat = checkpoint
