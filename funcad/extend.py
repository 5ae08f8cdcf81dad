"""funcad.extend: what a library outside funcad uses to add a primitive.

A primitive is a name with rules, all registered in one place. The surface here is small and
stays stable: ``Primitive`` and ``ShapedArray``; ``defvjp``/``defjvp`` (one rule per
argument, written with funcad operations so they can be differentiated, staged and batched
again), ``deflinear``, ``defnondiff``, ``defbatch``; and the helpers rules are written with
(``unbroadcast``, ``batch_axes_to_front``, ``move_batch_axis``). ``define_primitive`` does
it all in one call. docs/extending.md works through an example wrapping a SciPy function.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from funcad.core import Primitive, ShapedArray
from funcad.primitives.elementwise import elementwise_batching_rule, jvp_from_elementwise_vjp
from funcad.primitives.shape import batch_axes_to_front, move_batch_axis, unbroadcast
from funcad.rules import (
    batching_rules,
    defjvp,
    defjvp_all,
    deflinear,
    defnondiff,
    defvjp,
    defvjp_all,
)

__all__ = [
    "Primitive", "ShapedArray", "define_primitive", "defvjp", "defvjp_all", "defjvp",
    "defjvp_all", "deflinear", "defnondiff", "defbatch", "elementwise_batching_rule",
    "unbroadcast", "batch_axes_to_front", "move_batch_axis",
]


def defbatch(primitive: Primitive, rule: Callable[..., Any]) -> None:
    """Register ``rule(values, batch_axes, **params) -> (output, output_batch_axis)``: the
    primitive applied to a whole batch at once (``batch_axes[i]`` is None for an argument
    that is the same for every example)."""
    batching_rules[primitive] = rule


def define_primitive(name: str, impl: Callable[..., Any],
                     abstract_eval: Callable[..., ShapedArray], *,
                     vjp: Sequence[Callable[..., Any] | None] | None = None,
                     jvp: Sequence[Callable[..., Any] | None] | None = None,
                     batching: Callable[..., Any] | None = None,
                     elementwise: bool = False, nondifferentiable: bool = False
                     ) -> Callable[..., Any]:
    """Make a primitive and register its rules; returns its binder (``binder(*args,
    **params)`` applies it under whatever transformation is current).

    ``impl(*arrays, **params)`` computes with NumPy; ``abstract_eval(*avals, **params)``
    gives the output's ``ShapedArray``. ``vjp``: one rule per argument, ``rule(cotangent,
    ans, *args, **params)``. ``jvp``: one per argument, ``rule(tangent, ans, *args,
    **params)``; when omitted for an ``elementwise`` primitive it is derived from ``vjp``
    (an elementwise Jacobian is diagonal, so it is its own transpose). ``elementwise``: the
    primitive broadcasts its operands and works element by element, which also gives it a
    batching rule. ``nondifferentiable``: its output is piecewise constant (no derivative)."""
    primitive = Primitive(name)
    primitive.def_impl(impl)
    primitive.def_abstract_eval(abstract_eval)
    primitive.elementwise = elementwise
    if nondifferentiable:
        defnondiff(primitive)
    if vjp is not None:
        defvjp(primitive, *vjp)
    if jvp is None and vjp is not None and elementwise:
        jvp = [None if rule is None else jvp_from_elementwise_vjp(rule, i)
               for i, rule in enumerate(vjp)]
    if jvp is not None:
        defjvp(primitive, *jvp)
    if batching is not None:
        defbatch(primitive, batching)
    elif elementwise:
        defbatch(primitive, elementwise_batching_rule(primitive))
    return primitive.bind
