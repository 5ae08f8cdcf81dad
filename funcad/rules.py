"""The rule tables: what each transformation knows about each primitive.

Every transformation is an interpreter that looks a primitive up in its own table. The tables
live here, below the primitives, so that a primitive's module can register all of its rules in
one visit, and the interpreters above can read them without either side importing the other.

One signature per table:

``vjp_rules[p]``: a tuple of per-argument rules, or one rule for all arguments
    Per argument (``defvjp``, the common form, which reads like a table of derivatives):
    ``rule_i(cotangent, ans, *args, **params) -> cotangent of argument i``; ``None`` for an
    argument with no derivative. For all arguments at once (``defvjp_all``: variadic
    primitives, multiple results, cotangents that share work): ``rule(cotangent, ans, args,
    params, wanted) -> list`` with one cotangent (or ``None`` for a zero) per argument, where
    ``wanted[i]`` is ``None`` for an argument that needs none. ``cotangent`` is a list for a
    multiple-results primitive. This is the one table with two forms: the backward pass calls
    a per-argument rule directly, with no wrapper around it, because eager ``grad`` spends
    its time in that loop (a wrapper costs 5% on a chain of scalar operations).
    A higher-order primitive whose backward pass needs values from inside its own forward
    computation (the carries of a loop, the residuals of a ``custom_vjp``) registers a
    ``VJPWithResiduals(forward, backward)`` instead: reverse mode then runs
    ``forward(args, params, wanted) -> (outputs, residuals)`` in place of the primitive, and
    later ``backward(residuals, cotangent, ans, args, params, wanted) -> list`` (``wanted``
    as above: the forward pass may keep only what the wanted cotangents need).

``jvp_rules[p](tangents, ans, args, params) -> tangent``
    The output's tangent (a list for a multiple-results primitive) from the inputs' tangents,
    ``None`` where an input's tangent is zero (at least one is not). ``defjvp`` builds one
    from per-argument contributions, which add; ``deflinear`` for primitives that are linear.
    A higher-order primitive that computes its output and tangent together (a loop run once
    for both) registers ``JVPWithPrimal(rule)``, ``rule(primals, tangents, params) ->
    (output, tangent)``, which forward mode calls in place of the primitive.

``batching_rules[p](values, batch_axes, **params) -> (out, out_batch_axis)``
    The result for a whole batch at once; ``batch_axes[i]`` is ``None`` for an argument that
    is the same for every example, and the rule may answer ``None`` for an output that is.

``simplify_rules[p](eqn, invars, producers)`` and ``zero_rules[p](eqn, invars, is_zero)``
    The primitive's own IR rewrites for ``funcad.passes``, besides the generic ones the
    passes derive from its properties (see ``core.Primitive``): None to keep the equation,
    an atom that is the output, a list of equations computing it, or (zero rules) ``ZERO``.
    ``producers`` maps a variable to the equation that made it; ``is_zero(atom)`` tells
    whether an atom is known to hold only zeros.

Rules are written with funcad's own primitives, never raw NumPy, so that the rule of one
transformation is itself traced by any enclosing one (``grad(grad(f))``, ``jit(grad(f))``).
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from funcad.core import Primitive, ShapedArray, Tracer, escaped_tracer_error, get_aval
from funcad.errors import DerivativeDropError
from funcad.tree_util import tree_map

__all__ = [
    "VJPWithResiduals", "JVPWithPrimal",
    "VJPRule", "JVPRule", "BatchingRule", "vjp_rules", "jvp_rules", "batching_rules",
    "simplify_rules", "zero_rules", "ZERO", "nondifferentiable", "float0", "INEXACT_DTYPES",
    "is_differentiable_dtype", "is_differentiable", "defvjp", "defvjp_all", "defjvp",
    "defjvp_all", "deflinear", "defnondiff", "zeros_constant", "DifferentiationTracer",
    "as_primal", "split_aux", "primals_of",
]


VJPRule = Callable[[Any, Any, Sequence[Any], dict, Sequence[Any]], Sequence[Any]]
JVPRule = Callable[[Sequence[Any], Any, Sequence[Any], dict], Any]
BatchingRule = Callable[..., tuple[Any, Any]]

# (the forms ``defvjp``/``defjvp`` and the residual-keeping rules register, besides the plain)
vjp_rules: dict[Primitive, VJPRule | tuple[Callable[..., Any] | None, ...] | VJPWithResiduals] = {}
jvp_rules: dict[Primitive, JVPRule | JVPWithPrimal] = {}
batching_rules: dict[Primitive, BatchingRule] = {}
simplify_rules: dict[Primitive, Callable[..., Any]] = {}
zero_rules: dict[Primitive, Callable[..., Any]] = {}

ZERO = "zero"
"""What a zero rule returns for "the output is zero" (the passes write the zero)."""

nondifferentiable: set[Primitive] = set()
"""Primitives whose outputs are piecewise constant (comparisons, ``floor``, ``argmax``...):
they carry no derivative, so the differentiating interpreters do not even record them."""

# ----------------------------------------------------------------------------------------------
# What can be differentiated.

float0 = np.dtype([("float0", np.void, 0)])
"""The dtype of the (empty) cotangent or tangent of an integer or boolean value, as in JAX."""

INEXACT_DTYPES = frozenset(np.dtype(t) for t in (np.float16, np.float32, np.float64,
                                                  np.longdouble, np.complex64, np.complex128,
                                                  np.clongdouble))


def is_differentiable_dtype(dtype: Any) -> bool:
    """Whether values of this dtype have a derivative (floating and complex dtypes do)."""
    return dtype in INEXACT_DTYPES


def is_differentiable(value: Any) -> bool:
    """Whether a value (array, NumPy scalar or tracer) has a floating or complex dtype, and so
    a derivative. Python scalars have none here: inputs are converted before they are asked."""
    return getattr(value, "dtype", None) in INEXACT_DTYPES


# ----------------------------------------------------------------------------------------------
# Registering rules.


class VJPWithResiduals(NamedTuple):
    """The reverse-mode rule of a primitive that keeps residuals from its forward pass."""

    forward: Callable[[Sequence[Any], dict, Sequence[Any]], tuple[Any, Any]]
    backward: Callable[..., Sequence[Any]]


class JVPWithPrimal(NamedTuple):
    """The forward-mode rule of a primitive that computes its output and tangent at once."""

    rule: Callable[[Sequence[Any], Sequence[Any], dict], tuple[Any, Any]]


def defvjp(primitive: Primitive, *argument_rules: Callable[..., Any] | None) -> None:
    """Register ``argument_rules[i](cotangent, ans, *args, **params)``: the cotangent of
    argument i given the output's cotangent. ``None`` marks an argument with no derivative
    (an integer index, a boolean predicate). Only the rules of wanted arguments are called."""
    vjp_rules[primitive] = tuple(argument_rules)


def defvjp_all(primitive: Primitive, rule: VJPRule) -> None:
    """Register a rule computing the cotangents of all arguments at once (variadic
    primitives, multiple results, or arguments whose cotangents share work)."""
    vjp_rules[primitive] = rule


def defjvp(primitive: Primitive, *argument_rules: Callable[..., Any] | None) -> None:
    """Register ``argument_rules[i](tangent, ans, *args, **params)``: argument i's
    contribution to the output tangent. Derivatives are linear in the tangents, so the
    contributions of several arguments add. ``None``: the argument has no derivative."""
    rules = tuple(argument_rules)

    def jvp_rule(tangents, ans, args, params):
        total = None
        for tangent, rule in zip(tangents, rules):
            if tangent is None or rule is None:
                continue
            term = rule(tangent, ans, *args, **params)
            total = term if total is None else total + term
        return total

    jvp_rules[primitive] = jvp_rule


def defjvp_all(primitive: Primitive, rule: JVPRule) -> None:
    """Register a rule computing the output tangent from all input tangents at once."""
    jvp_rules[primitive] = rule


def deflinear(primitive: Primitive, *linear_args: int) -> None:
    """The primitive is linear in the arguments ``linear_args`` (all of them when none are
    named) and takes the others as fixed operands, such as index arrays. Its tangent is the
    primitive applied to the tangents (zeros for linear arguments that have none); the
    property ``primitive.linear_in`` also tells the IR passes that zeros map to zero."""
    primitive.linear_in = linear_args or ...

    def jvp_rule(tangents, ans, args, params):
        linear = linear_args or range(len(args))
        operands = list(args)
        for i in linear:
            tangent = tangents[i]
            operands[i] = tangent if tangent is not None else zeros_constant(args[i])
        return primitive.bind(*operands, **params)

    jvp_rules[primitive] = jvp_rule


def defnondiff(*primitives: Primitive) -> None:
    """Declare primitives whose outputs are piecewise constant (no derivative)."""
    nondifferentiable.update(primitives)


def zeros_constant(like: Any) -> np.ndarray:
    """A zero with the shape and dtype of ``like``, as a constant (a broadcast NumPy scalar:
    no memory, and no equation under an enclosing trace)."""
    aval = get_aval(like)
    return np.broadcast_to(np.zeros((), aval.dtype), aval.shape)


# ----------------------------------------------------------------------------------------------
# The tracers of the differentiating interpreters (reverse and forward mode) share how they
# stand for their primal value and how they convert to Python values.

_DROPS_DERIVATIVE = frozenset(
    ["float()", "complex()", "numpy.asarray() (__array__)", "item()", "tolist()", "tobytes()"]
)
"""The conversions to Python or NumPy values that would lose a derivative. JAX refuses the same
ones (ConcretizationTypeError, TracerArrayConversionError) except ``item()``, which it answers
with the primal; funcad refuses it too (a silently dropped derivative is a wrong number). The
results of comparisons, ``argmax`` and casts to integers are not tracers (their derivative is
zero), so all of these conversions work on them."""


class DifferentiationTracer(Tracer):
    """A value under differentiation, standing for its ``primal`` value (a value of the parent
    trace). Python conversions: bool/int/index are piecewise constant, so their derivative
    really is zero and control flow on the concrete primal is fine; float/complex/asarray/item/
    tolist/tobytes would silently drop a derivative, so they raise DerivativeDropError."""

    __slots__ = ("primal",)
    primal: Any

    @property
    def aval(self) -> ShapedArray:
        aval = get_aval(self.primal)
        return ShapedArray(aval.shape, aval.dtype) if aval.weak_type else aval

    @property
    def shape(self) -> tuple[int, ...]:
        shape = getattr(self.primal, "shape", None)
        return shape if shape is not None else np.shape(self.primal)

    @property
    def dtype(self) -> np.dtype:
        dtype = getattr(self.primal, "dtype", None)
        return dtype if dtype is not None else get_aval(self.primal).dtype

    def concrete_value(self, operation: str) -> Any:
        if not self._trace.alive:
            raise escaped_tracer_error(self)
        if operation in _DROPS_DERIVATIVE:
            raise DerivativeDropError(operation, self.aval.str_short(), self._trace.name)
        primal = self.primal
        if isinstance(primal, Tracer):
            return primal.concrete_value(operation)
        return primal


def as_primal(leaf: Any) -> Any:
    """An input leaf as a value to differentiate at: tracers and NumPy values as they are
    (a tracer of a finished transformation refused), a Python float as a NumPy scalar (which
    computes faster than a 0-d array), anything else through ``np.asarray``."""
    if isinstance(leaf, (Tracer, np.ndarray, np.generic)):
        if isinstance(leaf, Tracer) and not leaf._trace.alive:
            raise escaped_tracer_error(leaf)
        return leaf
    if type(leaf) is float:
        return np.float64(leaf)
    return np.asarray(leaf)


def _describe_value(value: Any) -> str:
    if isinstance(value, Tracer):
        return f"an array {value.aval.str_short()}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of length {len(value)}"
    return type(value).__name__


def split_aux(result: Any, name: str) -> tuple[Any, Any]:
    """``(output, aux)`` from the result of a function differentiated with has_aux=True."""
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise TypeError(
            f"{name} with has_aux=True expects the function to return a pair "
            f"(output, auxiliary_data), but it returned {_describe_value(result)}."
        )
    return result[0], result[1]


def primals_of(tree: Any, trace: Any) -> Any:
    """``tree`` (auxiliary outputs) with the tracers of ``trace`` replaced by their primals."""
    def primal(x: Any) -> Any:
        return x.primal if isinstance(x, DifferentiationTracer) and x._trace is trace else x

    return tree_map(primal, tree)
