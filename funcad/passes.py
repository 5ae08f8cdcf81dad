"""Optimisation passes over the IR: each a small pure function ``ClosedJaxpr -> ClosedJaxpr``.

``jit`` traces a function once and replays the IR on every later call, so every equation
removed here is work saved on every call. The IRs worth optimising are mostly those of the
backward pass (``make_jaxpr(grad(f))``): it multiplies by the seed cotangent ``1.0``, adds
and multiplies zeros on paths that do not depend on the input, reshapes and transposes
values back and forth, and keeps the forward pass's final output although nobody reads it.

The passes:

* ``dead_code_elimination``: drop equations (and constants) that do not reach an output.
* ``common_subexpression_elimination``: compute each ``primitive[params](inputs)`` once.
* ``fold_constants``: evaluate equations whose inputs are all known now, at optimise time.
* ``simplify``: remove trivial operations (``x * 1``, ``x + 0``, reshapes to the same shape,
  transposes that cancel, ...).
* ``propagate_zeros``: symbolic zeros: ``x + 0 -> x``, ``0 * x -> 0``, ``sum(0) -> 0``, ...
* ``optimize``: all of the above, repeated until the IR stops shrinking.

Rules of the game, shared by every pass:

* The input is never mutated: passes build new ``Eqn``, ``Jaxpr`` and ``ClosedJaxpr``
  objects. ``Var`` objects (immutable in practice) are shared between input and output, so
  every variable keeps its aval.
* A variable is only ever replaced by an atom of *exactly* the same aval (shape, dtype and
  weak type): a replacement of another dtype would change NumPy's type promotion downstream,
  and one of another shape its broadcasting. Outputs of the IR may become inputs of the IR or
  literals after a replacement; ``eval_jaxpr`` reads both.
* Results are equal to the original's up to floating-point rounding (``allclose``), with
  exactly the same shapes and dtypes; see ``propagate_zeros`` for its one documented
  departure from IEEE arithmetic (``0 * inf`` is ``0``, as with JAX's symbolic zeros).

The passes know no primitive by name. The generic rewrites follow from each primitive's
properties (``core.Primitive``: ``identity_elements``, ``linear_in``, ``multilinear``,
``elementwise``, ``copies_elements``); a primitive's own rewrites (``reshape(reshape(x))``,
``-(-x)``, ...) live with the primitive, in the tables ``funcad.rules.simplify_rules`` and
``funcad.rules.zero_rules``. The one primitive this module names is ``broadcast_to`` (with
``convert_element_type``), which it writes itself: a zero array is ``broadcast_to(0, shape)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from funcad.core import ClosedJaxpr, Eqn, Jaxpr, Literal, ShapedArray, Tracer, Var
from funcad.primitives.shape import broadcast_to_p, convert_element_type_p
from funcad.rules import ZERO, simplify_rules, zero_rules

__all__ = [
    "dead_code_elimination", "common_subexpression_elimination", "FOLD_MAX_GROWTH",
    "FOLD_MAX_SIZE", "fold_constants", "simplify", "propagate_zeros", "PASSES", "MAX_ROUNDS",
    "optimize",
]


Atom = Var | Literal

# ----------------------------------------------------------------------------------------------
# Helpers: renaming variables and rebuilding a jaxpr.


def _rename(atom: Atom, renaming: dict[Var, Atom]) -> Atom:
    """The atom that now stands for ``atom`` (renamings are resolved when they are made, so
    one lookup suffices)."""
    return renaming.get(atom, atom) if type(atom) is Var else atom


def _with_invars(eqn: Eqn, invars: list[Atom]) -> Eqn:
    """A copy of ``eqn`` reading ``invars`` (same primitive, params and output variables)."""
    return Eqn(eqn.primitive, invars, list(eqn.outvars), dict(eqn.params))


def _rebuild(closed: ClosedJaxpr, eqns: list[Eqn], renaming: dict[Var, Atom],
             constvars: list[Var] | None = None, consts: list[Any] | None = None) -> ClosedJaxpr:
    """A new ClosedJaxpr with ``eqns``, the same inputs, outputs renamed through ``renaming``
    and (by default) the same constants."""
    jaxpr = closed.jaxpr
    if constvars is None:
        constvars, consts = list(jaxpr.constvars), list(closed.consts)
    outvars = [_rename(v, renaming) for v in jaxpr.outvars]
    return ClosedJaxpr(Jaxpr(list(constvars), list(jaxpr.invars), outvars, eqns), list(consts))


def _scalar_literal(value: Any, aval: ShapedArray) -> Literal:
    """A 0-d literal of type ``aval`` holding ``value``: a NumPy scalar of the aval's dtype for
    a strong type, a Python scalar for a weak one (so NumPy promotes it as the IR says)."""
    scalar = np.asarray(value).astype(aval.dtype)[()]
    return Literal(scalar.item() if aval.weak_type else scalar, aval)


def _is_concrete(value: Any) -> bool:
    return isinstance(value, (np.ndarray, np.generic)) and not isinstance(value, Tracer)


# ----------------------------------------------------------------------------------------------
# Dead-code elimination.


def dead_code_elimination(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Drop equations none of whose outputs reach the jaxpr's outputs, and constants nobody
    reads. Primitives are pure except the ``effectful`` ones (printing), which always stay, so
    an equation whose results are unused can go. One backward sweep: an equation is live if it
    feeds a live variable or has an effect."""
    jaxpr = closed.jaxpr
    live: set[Var] = {v for v in jaxpr.outvars if type(v) is Var}
    kept: list[Eqn] = []
    for eqn in reversed(jaxpr.eqns):
        if eqn.primitive.effectful or any(v in live for v in eqn.outvars):
            kept.append(_with_invars(eqn, list(eqn.invars)))
            live.update(a for a in eqn.invars if type(a) is Var)
    kept.reverse()
    constvars, consts = [], []
    for var, value in zip(jaxpr.constvars, closed.consts):
        if var in live:
            constvars.append(var)
            consts.append(value)
    return _rebuild(closed, kept, {}, constvars, consts)


# ----------------------------------------------------------------------------------------------
# Common-subexpression elimination.


def _param_key(value: Any) -> Any:
    """A hashable stand-in for a param: the value itself (tagged with its type, so that
    ``1``, ``1.0`` and ``True`` stay apart), or its identity when it is unhashable."""
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    return (type(value), value)


def _literal_key(literal: Literal) -> tuple:
    """Literals are the same when dtype, weak type and value (bit pattern, so ``0.0`` and
    ``-0.0`` differ and ``nan`` equals itself) are."""
    aval = literal.aval
    try:
        bits = np.asarray(literal.value).astype(aval.dtype).tobytes()
    except (OverflowError, TypeError, ValueError):
        bits = (type(literal.value), repr(literal.value))
    return ("literal", aval.dtype, aval.weak_type, bits)


def _atom_key(atom: Atom) -> Any:
    return _literal_key(atom) if type(atom) is Literal else atom


def common_subexpression_elimination(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Compute each distinct ``primitive[params](inputs)`` once: a later equation with the
    same primitive, equal params and the same inputs (the same variables, or equal literals)
    is dropped and its outputs are renamed to the first one's. Sound because primitives are
    pure. Constants holding the very same object are merged as well."""
    jaxpr = closed.jaxpr
    renaming: dict[Var, Atom] = {}
    constvars, consts = [], []
    const_by_id: dict[int, Var] = {}
    for var, value in zip(jaxpr.constvars, closed.consts):
        first = const_by_id.get(id(value))
        if first is None:
            const_by_id[id(value)] = var
            constvars.append(var)
            consts.append(value)
        else:
            renaming[var] = first
    seen: dict[tuple, list[Var]] = {}
    eqns: list[Eqn] = []
    for eqn in jaxpr.eqns:
        invars = [_rename(a, renaming) for a in eqn.invars]
        params_key = tuple(sorted((name, _param_key(v)) for name, v in eqn.params.items()))
        key = (eqn.primitive, params_key, tuple(_atom_key(a) for a in invars))
        first_outvars = None if eqn.primitive.effectful else seen.get(key)
        if first_outvars is not None and all(
            a.aval == b.aval for a, b in zip(first_outvars, eqn.outvars)
        ):
            for var, first in zip(eqn.outvars, first_outvars):
                renaming[var] = first
            continue
        seen[key] = eqn.outvars
        eqns.append(_with_invars(eqn, invars))
    return _rebuild(closed, eqns, renaming, constvars, consts)


# ----------------------------------------------------------------------------------------------
# Constant folding.

FOLD_MAX_GROWTH = 4  # an output may have up to 4x the elements of its largest input...
FOLD_MAX_SIZE = 1000  # ... or up to 1000 elements, whichever is larger


def fold_constants(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Evaluate now every equation whose inputs are all literals or constants (with the
    primitive's NumPy ``impl``, as ``eval_jaxpr`` would), so replays skip it. A 0-d result
    becomes a literal; an array result becomes a new constant (its output variable turns into
    a constvar).

    Outputs much larger than their inputs are left to be computed at run time: folding
    ``broadcast_to(0.0, (1000, 1000))`` would store a megabyte-sized constant where the IR
    holds one scalar. So is anything whose evaluation fails (a dead equation may well fail;
    a live one fails again at run time, where the error belongs), or whose result does not
    have the shape and dtype the IR promises, or that reads a tracer of an enclosing
    transformation."""
    jaxpr = closed.jaxpr
    known: dict[Var, Any] = {}
    for var, value in zip(jaxpr.constvars, closed.consts):
        if _is_concrete(value):
            known[var] = value
    constvars, consts = list(jaxpr.constvars), list(closed.consts)
    renaming: dict[Var, Atom] = {}
    eqns: list[Eqn] = []
    for eqn in jaxpr.eqns:
        invars = [_rename(a, renaming) for a in eqn.invars]
        results = None
        foldable = not eqn.primitive.effectful and all(
            type(a) is Literal or a in known for a in invars)
        if foldable and not _grows_too_much(invars, eqn.outvars):
            results = _evaluate(eqn, invars, known)
        if results is None:
            eqns.append(_with_invars(eqn, invars))
            continue
        for var, value in zip(eqn.outvars, results):
            if var.aval.shape == ():
                renaming[var] = _scalar_literal(value, var.aval)
            else:
                known[var] = value
                constvars.append(var)
                consts.append(value)
    return _rebuild(closed, eqns, renaming, constvars, consts)


def _grows_too_much(invars: list[Atom], outvars: list[Var]) -> bool:
    largest_input = max((a.aval.size for a in invars), default=1)
    return any(
        v.aval.size > FOLD_MAX_GROWTH * largest_input and v.aval.size > FOLD_MAX_SIZE
        for v in outvars
    )


def _evaluate(eqn: Eqn, invars: list[Atom], known: dict[Var, Any]) -> list[Any] | None:
    """The equation's output values, or None if it cannot (or should not) be folded."""
    values = [a.value if type(a) is Literal else known[a] for a in invars]
    try:
        out = eqn.primitive.impl(*values, **eqn.params)
    except Exception:
        return None
    outs = list(out) if eqn.primitive.multiple_results else [out]
    results = []
    for var, value in zip(eqn.outvars, outs):
        if not _is_concrete(value):
            value = np.asarray(value)
        if value.shape != var.aval.shape or value.dtype != var.aval.dtype:
            return None
        results.append(value)
    return results


# ----------------------------------------------------------------------------------------------
# What the rewriting passes know about values: "splats", arrays holding one value repeated.
# The zeros and ones of the backward pass are such arrays (a literal, a constant of zeros,
# ``broadcast_to`` of a literal), and they are what ``simplify`` and ``propagate_zeros`` need.


def _constant_splats(closed: ClosedJaxpr) -> dict[Var, Any]:
    """Constants whose elements are all equal, mapped to that value."""
    splats: dict[Var, Any] = {}
    for var, value in zip(closed.jaxpr.constvars, closed.consts):
        if not _is_concrete(value) or value.size == 0 or value.dtype.kind not in "biufc":
            continue
        flat = np.ravel(value)
        first = flat[0]
        if flat[-1] == first and np.all(flat == first):
            splats[var] = first
    return splats


def _splat_value(atom: Atom, splats: dict[Var, Any]) -> Any:
    """The value every element of ``atom`` holds, or None if unknown."""
    if type(atom) is Literal:
        return atom.value
    return splats.get(atom)


def _is_splat_of(atom: Atom, splats: dict[Var, Any], number: int) -> bool:
    value = _splat_value(atom, splats)
    return value is not None and bool(value == number)


def _note_splat(eqn: Eqn, splats: dict[Var, Any]) -> None:
    """A primitive that only copies elements turns a splat into a splat."""
    if not eqn.primitive.copies_elements:
        return
    value = _splat_value(eqn.invars[0], splats)
    if value is not None:
        with np.errstate(all="ignore"):  # (nan to int: the conversion warns at run time)
            splats[eqn.outvars[0]] = np.asarray(value).astype(eqn.outvars[0].aval.dtype)[()]


# ----------------------------------------------------------------------------------------------
# The rewriting driver shared by ``simplify`` and ``propagate_zeros``.
#
# A rule sees one equation (its inputs already renamed) and returns None (keep it), an atom
# (the output *is* that value: rename it, if the avals agree exactly), or a list of
# equations that compute the output instead (ending with one that defines the same outvar).

RuleResult = Var | Literal | list | None
Rule = Callable[[Eqn, list, dict, dict], RuleResult]


def _acceptable(result: RuleResult, eqn: Eqn) -> bool:
    """An atom may stand for the output only if its aval is exactly the output's."""
    return type(result) is list or result.aval == eqn.outvars[0].aval


def _cast_to_output(x: Atom, eqn: Eqn) -> RuleResult:
    """``x`` converted to the output's dtype and broadcast to its shape: the value of
    ``x + 0`` when the zero widens the type or the shape."""
    out = eqn.outvars[0]
    if x.aval == out.aval:
        return x
    if out.aval.weak_type:
        return None
    needs_broadcast = x.aval.shape != out.aval.shape
    # (a weak scalar of the right dtype still needs a conversion to become a strong one)
    needs_convert = x.aval.dtype != out.aval.dtype or (x.aval.weak_type and not needs_broadcast)
    new_eqns = []
    if needs_convert:
        converted = out if not needs_broadcast else Var(ShapedArray(x.aval.shape,
                                                                    out.aval.dtype))
        new_eqns.append(Eqn(convert_element_type_p, [x], [converted],
                            {"new_dtype": out.aval.dtype}))
        x = converted
    if needs_broadcast:
        new_eqns.append(Eqn(broadcast_to_p, [x], [out], {"shape": out.aval.shape}))
    return new_eqns


def _rewrite(closed: ClosedJaxpr, rule: Rule) -> ClosedJaxpr:
    """Walk the equations in order, applying ``rule`` to each."""
    splats = _constant_splats(closed)
    producers: dict[Var, Eqn] = {}
    renaming: dict[Var, Atom] = {}
    eqns: list[Eqn] = []
    for eqn in closed.jaxpr.eqns:
        invars = [_rename(a, renaming) for a in eqn.invars]
        result = rule(eqn, invars, producers, splats)
        if result is not None and not _acceptable(result, eqn):
            result = None
        if type(result) in (Var, Literal):
            renaming[eqn.outvars[0]] = result
            continue
        new_eqns = result if result is not None else [_with_invars(eqn, invars)]
        for new_eqn in new_eqns:
            eqns.append(new_eqn)
            for var in new_eqn.outvars:
                producers[var] = new_eqn
            _note_splat(new_eqn, splats)
    return _rebuild(closed, eqns, renaming)


def _identity(eqn: Eqn, invars: list[Atom], splats: dict[Var, Any], zeros_only: bool,
              max_equations: int | None) -> RuleResult:
    """``x op e`` and ``e op x`` for an identity element ``e`` of the primitive (a splat of
    it): the other operand, as it is, or broadcast to the output's shape or converted to its
    dtype (in at most ``max_equations`` equations)."""
    for position, number in eqn.primitive.identity_elements.items():
        if zeros_only and number != 0:
            continue
        if _is_splat_of(invars[position], splats, number):
            result = _cast_to_output(invars[1 - position], eqn)
            if result is not None and (max_equations is None or type(result) is not list
                                       or len(result) <= max_equations):
                return result
    return None


# ----------------------------------------------------------------------------------------------
# Removal of trivial operations.


def simplify(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Remove operations that do nothing: ``x * 1``, ``1 * x``, ``x + 0``, ``0 + x``,
    ``x - 0``, ``x / 1``, ``x ** 1``, ``-(-x)``, a reshape to the same shape, a transpose by
    the identity permutation, a conversion to the same dtype, ``broadcast_to`` the same shape,
    a sum over no axes. Two transposes in a row become one (or none, when they cancel), as do
    two reshapes. The ``1`` and ``0`` may be literals or arrays known to hold only ones or
    zeros. When ``x * 1`` has another shape or dtype than ``x`` (the ``1`` broadcasts or
    promotes it), it becomes one ``broadcast_to`` or ``convert_element_type`` of ``x``.
    Otherwise a rewrite happens only when the replacement has exactly the output's aval.
    Finally, an array operand of an elementwise operation known to hold one value repeated
    (``broadcast_to(2.0, shape)``, a constant of twos) becomes a scalar literal when it does not
    set the output's shape.

    ``x + 0 -> x`` turns ``-0.0 + 0.0 = 0.0`` into ``-0.0``; every other rewrite here is exact.
    ``stop_gradient`` is kept: it is the identity on values, but a jaxpr may be evaluated under
    ``grad`` again (``eval_jaxpr`` binds every equation), and there it matters."""
    return _rewrite(closed, _simplify_equation)


def _simplify_equation(eqn, invars, producers, splats) -> RuleResult:
    """The generic rewrites (scalar operands, identity elements), then the primitive's own."""
    primitive = eqn.primitive
    operands = _scalar_operands(eqn, invars, splats) if primitive.elementwise else invars
    result = _identity(eqn, operands, splats, zeros_only=False, max_equations=1)
    if result is None:
        own_rule = simplify_rules.get(primitive)
        result = own_rule(eqn, operands, producers) if own_rule is not None else None
    if result is not None and _acceptable(result, eqn):
        return result
    if any(a is not b for a, b in zip(operands, invars)):
        return [_with_invars(eqn, operands)]
    return None


def _scalar_operands(eqn: Eqn, invars: list[Atom], splats: dict[Var, Any]) -> list[Atom]:
    """Operands of an elementwise equation that hold one value repeated and do not set the
    output's shape, replaced by a scalar literal of their dtype (a strong NumPy scalar
    promotes exactly as an array of its dtype does): ``ones((256, 10)) * 2.0 * g`` needs no
    array of twos."""
    out_shape = eqn.outvars[0].aval.shape
    invars = list(invars)
    for i, atom in enumerate(invars):
        if type(atom) is not Var or atom.aval.weak_type or atom.aval.shape == ():
            continue
        value = splats.get(atom)
        if value is None:
            continue
        others = [a.aval.shape for j, a in enumerate(invars) if j != i]
        if np.broadcast_shapes(*others) == out_shape:
            invars[i] = _scalar_literal(value, ShapedArray((), atom.aval.dtype))
    return invars


# ----------------------------------------------------------------------------------------------
# Symbolic zeros.


def propagate_zeros(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Follow values known to be zero (a literal ``0``, a constant of zeros, ``broadcast_to``
    of those, and every result this pass turns into a zero) through the program:
    ``x + 0 -> x``, ``x - 0 -> x``, ``0 - x -> -x``, ``0 * x -> 0``, ``-0 -> 0``,
    ``0 ** n -> 0`` (n > 0); the sum, reshape, transpose, broadcast, conversion, slice or
    cumulative sum of a zero is a zero (any linear map of zeros), and so are a ``dot_general``
    with a zero operand, a ``select`` between zeros and a concatenation of zeros. A zero of a
    non-scalar type is written ``broadcast_to(0, shape)``, which costs no memory.

    Where ``x + 0`` broadcasts ``x`` or promotes its dtype, ``x`` is converted and broadcast
    instead, which is exact.

    This follows JAX's symbolic-zero semantics: a zero times anything is zero, also when the
    other factor is ``inf`` or ``nan`` (IEEE arithmetic would give ``nan``), and the zero is
    ``+0`` (IEEE would give ``-0.0`` for ``-1.0 * 0.0``). For cotangents this
    is the right answer (a path that carries no derivative contributes nothing), and it is the
    answer ``grad`` itself gives when it skips unused paths."""
    return _rewrite(closed, _zero_equation)


def _zero_equation(eqn, invars, producers, splats) -> RuleResult:
    """The primitive's own zero rule, then: zeros through a linear map (or a zero factor of a
    multilinear one) give a zero, and a zero identity element gives the other operand."""
    primitive = eqn.primitive
    if primitive is broadcast_to_p and type(invars[0]) is Literal:
        return None  # (already the canonical zero, or a broadcast scalar)

    def is_zero(atom: Atom) -> bool:
        return _is_splat_of(atom, splats, 0)

    own_rule = zero_rules.get(primitive)
    if own_rule is not None:
        result = own_rule(eqn, invars, is_zero)
        if result is ZERO:
            return _zero_of(eqn)
        if result is not None:
            return result
    linear = primitive.linear_operands(len(invars))
    if linear and all(is_zero(invars[i]) for i in linear):
        return _zero_of(eqn)
    if primitive.multilinear and any(is_zero(a) for a in invars):
        return _zero_of(eqn)
    return _identity(eqn, invars, splats, zeros_only=True, max_equations=None)


def _zero_of(eqn: Eqn) -> RuleResult:
    """A zero with exactly the aval of ``eqn``'s (single) output."""
    out = eqn.outvars[0]
    if out.aval.shape == ():
        return _scalar_literal(0, out.aval)
    if out.aval.weak_type:  # (broadcast_to's result is never weak)
        return None
    zero = _scalar_literal(0, ShapedArray((), out.aval.dtype))
    return [Eqn(broadcast_to_p, [zero], [out], {"shape": out.aval.shape})]


# ----------------------------------------------------------------------------------------------
# All together.

PASSES = (simplify, propagate_zeros, fold_constants, common_subexpression_elimination,
          dead_code_elimination)  # in the order ``optimize`` runs them
MAX_ROUNDS = 10


def optimize(closed: ClosedJaxpr, max_rounds: int = MAX_ROUNDS) -> ClosedJaxpr:
    """Run ``simplify``, ``propagate_zeros``, ``fold_constants``, CSE and DCE, in that order,
    again and again while the number of equations shrinks (at most ``max_rounds`` times):
    one pass's output is the next one's opportunity (a folded constant may be a ``1`` to
    simplify away, a removed multiply may leave a duplicate for CSE). The result never has
    more equations than the input: a round that would add some is discarded (so when no
    round helps, the input itself is returned)."""
    best = closed
    for _ in range(max_rounds):
        candidate = best
        for optimisation_pass in PASSES:
            candidate = optimisation_pass(candidate)
        if len(candidate.eqns) > len(best.eqns):
            break
        shrank = len(candidate.eqns) < len(best.eqns)
        best = candidate
        if not shrank:
            break
    return best
