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
* ``optimize``: all of the above in one forward sweep (each equation through simplification,
  zeros, folding and CSE in turn, the next one reading its result) and one backward sweep
  (DCE), so its time grows linearly with the length of the program.

Rules of the game, shared by every pass:

* The input is never mutated: passes build new ``Eqn``, ``Jaxpr`` and ``ClosedJaxpr``
  objects. ``Var`` objects (immutable in practice) are shared between input and output, so
  every variable keeps its aval, and so are an equation's params dict and lists of operands
  and outputs when they stay the same (nobody writes to them, and a long program is not
  copied twice).
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

import struct
from collections.abc import Callable
from typing import Any

import numpy as np

from funcad.core import ClosedJaxpr, Eqn, Jaxpr, Literal, ShapedArray, Tracer, Var
from funcad.primitives.shape import broadcast_to_p, convert_element_type_p
from funcad.rules import ZERO, simplify_rules, zero_rules

__all__ = [
    "dead_code_elimination", "common_subexpression_elimination", "FOLD_MAX_GROWTH",
    "FOLD_MAX_SIZE", "fold_constants", "simplify", "propagate_zeros", "PASSES", "MAX_ROUNDS",
    "MAX_REWRITE_DEPTH", "optimize",
]


Atom = Var | Literal

# ----------------------------------------------------------------------------------------------
# Helpers.


def _rename(atom: Atom, renaming: dict[Var, Atom]) -> Atom:
    """The atom that now stands for ``atom`` (renamings are resolved when they are made, so
    one lookup suffices; a literal is never renamed)."""
    return renaming.get(atom, atom)  # type: ignore[arg-type]  # (a literal: never a key)


def _with_invars(eqn: Eqn, invars: list[Atom]) -> Eqn:
    """A copy of ``eqn`` reading ``invars`` (same primitive, params and output variables)."""
    return Eqn(eqn.primitive, invars, list(eqn.outvars), dict(eqn.params))


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
    return _without_dead_code(closed, copy=True)


def _without_dead_code(closed: ClosedJaxpr, copy: bool) -> ClosedJaxpr:
    """``dead_code_elimination``; with ``copy=False`` the kept equations are the input's own
    objects (for ``optimize``, whose sweep has just made them)."""
    jaxpr = closed.jaxpr
    live: set[Var] = {v for v in jaxpr.outvars if type(v) is Var}
    kept: list[Eqn] = []
    for eqn in reversed(jaxpr.eqns):
        outvars = eqn.outvars
        if (outvars[0] in live if len(outvars) == 1 else any(v in live for v in outvars)) \
                or eqn.primitive.effectful:
            kept.append(_with_invars(eqn, list(eqn.invars)) if copy else eqn)
            live.update(eqn.invars)  # (literals too: harmless, and cheaper than a filter)
    kept.reverse()
    constvars, consts = [], []
    for var, value in zip(jaxpr.constvars, closed.consts):
        if var in live:
            constvars.append(var)
            consts.append(value)
    return ClosedJaxpr(Jaxpr(constvars, list(jaxpr.invars), list(jaxpr.outvars), kept), consts)


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


def _params_key(params: dict) -> tuple:
    return tuple(sorted((name, _param_key(v)) for name, v in params.items()))


_DOUBLE = struct.Struct("=d")
_FLOAT64 = np.dtype(np.float64)


def _literal_key(literal: Literal) -> tuple:
    """Literals are the same when dtype, weak type and value (bit pattern, so ``0.0`` and
    ``-0.0`` differ and ``nan`` equals itself) are."""
    aval = literal.aval
    value = literal.value
    if aval.dtype is _FLOAT64 and type(value) in (float, np.float64):
        bits: Any = _DOUBLE.pack(value)  # (the bytes NumPy's float64 holds, without an array)
    else:
        try:
            bits = np.asarray(value).astype(aval.dtype).tobytes()
        except (OverflowError, TypeError, ValueError):
            bits = (type(value), repr(value))
    return ("literal", aval.dtype, aval.weak_type, bits)


def common_subexpression_elimination(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Compute each distinct ``primitive[params](inputs)`` once: a later equation with the
    same primitive, equal params and the same inputs (the same variables, or equal literals)
    is dropped and its outputs are renamed to the first one's. Sound because primitives are
    pure. Constants holding the very same object are merged as well."""
    return _sweep(closed, merging=True)[0]


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
    return _sweep(closed, folding=True)[0]


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


def _splat_of_array(value: Any) -> Any:
    """The value every element of a constant holds, or None."""
    if not _is_concrete(value) or value.size == 0 or value.dtype.kind not in "biufc":
        return None
    flat = np.ravel(value)
    first = flat[0]
    if flat[-1] == first and np.all(flat == first):
        return first
    return None


def _constant_splats(closed: ClosedJaxpr) -> dict[Var, Any]:
    """Constants whose elements are all equal, mapped to that value."""
    splats: dict[Var, Any] = {}
    for var, value in zip(closed.jaxpr.constvars, closed.consts):
        first = _splat_of_array(value)
        if first is not None:
            splats[var] = first
    return splats


def _splat_value(atom: Atom, splats: dict[Var, Any]) -> Any:
    """The value every element of ``atom`` holds, or None if unknown."""
    if type(atom) is Literal:
        return atom.value
    return splats.get(atom)


def _splat_values(invars: list[Atom], splats: dict[Var, Any]) -> list[Any]:
    return [a.value if type(a) is Literal else splats.get(a) for a in invars]


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
# The rewrite rules of ``simplify`` and ``propagate_zeros``.
#
# A rule sees one equation (its inputs already renamed) and returns None (keep it), an atom
# (the output *is* that value: rename it, if the avals agree exactly), or a list of
# equations that compute the output instead (ending with one that defines the same outvar).

RuleResult = Var | Literal | list | None
Rule = Callable[..., RuleResult]


def _acceptable(result: RuleResult, eqn: Eqn) -> bool:
    """An atom may stand for the output only if its aval is exactly the output's."""
    return type(result) is list or result.aval == eqn.outvars[0].aval  # type: ignore[union-attr]  # (an atom)


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


def _identity(eqn: Eqn, invars: list[Atom], values: list[Any], zeros_only: bool,
              max_equations: int | None) -> RuleResult:
    """``x op e`` and ``e op x`` for an identity element ``e`` of the primitive (a splat of
    it): the other operand, as it is, or broadcast to the output's shape or converted to its
    dtype (in at most ``max_equations`` equations). ``values`` holds what every element of
    each operand holds (None: unknown)."""
    for position, number in eqn.primitive.identity_elements.items():
        if zeros_only and number != 0:
            continue
        value = values[position]
        if value is not None and bool(value == number):
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
    return _sweep(closed, simplifying=True)[0]


def _simplify_equation(eqn, invars, producers, splats, values) -> RuleResult:
    """The generic rewrites (scalar operands, identity elements), then the primitive's own.
    ``values``: the operands' splat values, or None when none is known (then only the
    primitive's own rule may apply)."""
    primitive = eqn.primitive
    operands = invars
    result = None
    if values is not None:
        if primitive.elementwise:
            for a, value in zip(invars, values):
                if value is not None and type(a) is Var and a.aval.shape != ():
                    operands = _scalar_operands(eqn, invars, splats)
                    if operands is not invars:
                        values = _splat_values(operands, splats)
                    break
        if primitive.identity_elements:
            result = _identity(eqn, operands, values, zeros_only=False, max_equations=1)
    if result is None:
        own_rule = simplify_rules.get(primitive)
        result = own_rule(eqn, operands, producers) if own_rule is not None else None
    if result is not None and _acceptable(result, eqn):
        return result
    if operands is not invars:
        return [_with_invars(eqn, operands)]
    return None


def _scalar_operands(eqn: Eqn, invars: list[Atom], splats: dict[Var, Any]) -> list[Atom]:
    """Operands of an elementwise equation that hold one value repeated and do not set the
    output's shape, replaced by a scalar literal of their dtype (a strong NumPy scalar
    promotes exactly as an array of its dtype does): ``ones((256, 10)) * 2.0 * g`` needs no
    array of twos. The list itself when there are none."""
    out_shape = eqn.outvars[0].aval.shape
    replaced = invars
    for i, atom in enumerate(invars):
        if type(atom) is not Var or atom.aval.shape == () or atom.aval.weak_type:
            continue
        value = splats.get(atom)
        if value is None:
            continue
        others = [a.aval.shape for j, a in enumerate(replaced) if j != i]
        if np.broadcast_shapes(*others) == out_shape:
            if replaced is invars:
                replaced = list(invars)
            replaced[i] = _scalar_literal(value, ShapedArray((), atom.aval.dtype))
    return replaced


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
    return _sweep(closed, zeros=True)[0]


def _zero_equation(eqn, invars, values, is_zero) -> RuleResult:
    """The primitive's own zero rule, then: zeros through a linear map (or a zero factor of a
    multilinear one) give a zero, and a zero identity element gives the other operand.
    ``values``: the operands' splat values, or None when none is known."""
    primitive = eqn.primitive
    if primitive is broadcast_to_p and type(invars[0]) is Literal:
        return None  # (already the canonical zero, or a broadcast scalar)
    own_rule = zero_rules.get(primitive)
    if own_rule is not None:
        result = own_rule(eqn, invars, is_zero)
        if result is ZERO:
            return _zero_of(eqn)
        if result is not None:
            return result
    if values is None:
        return None
    if primitive.linear_in is not None:
        linear = primitive.linear_operands(len(invars))
        if linear and all(values[i] is not None and bool(values[i] == 0) for i in linear):
            return _zero_of(eqn)
    if primitive.multilinear:
        for value in values:
            if value is not None and bool(value == 0):
                return _zero_of(eqn)
    if primitive.identity_elements:
        return _identity(eqn, invars, values, zeros_only=True, max_equations=None)
    return None


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
# The forward sweep: every pass but DCE, alone or all together.

MAX_REWRITE_DEPTH = 4  # how many times ``optimize`` rewrites the rewrite of one equation


def _sweep(closed: ClosedJaxpr, simplifying: bool = False, zeros: bool = False,
           folding: bool = False, merging: bool = False, again: bool = False
           ) -> tuple[ClosedJaxpr, bool]:
    """Walk the equations once, in order, through the chosen stages: simplification, zero
    propagation, folding and CSE, in that order, each seeing every earlier equation's final
    form. With ``again``, the equations a rule writes go through all the stages themselves
    (``0 - x`` becomes ``-x``, which may cancel a negation before it), up to
    ``MAX_REWRITE_DEPTH`` deep. Returns the new IR, and whether another sweep would find
    nothing (False only when that depth was reached)."""
    jaxpr = closed.jaxpr
    renaming: dict[Var, Atom] = {}
    rename = renaming.get
    constvars, consts = list(jaxpr.constvars), list(closed.consts)
    const_by_id: dict[int, Var] = {}
    if merging:  # constants holding the very same object are one constant
        constvars, consts = [], []
        for var, value in zip(jaxpr.constvars, closed.consts):
            first = const_by_id.get(id(value))
            if first is None:
                const_by_id[id(value)] = var
                constvars.append(var)
                consts.append(value)
            else:
                renaming[var] = first
    rewriting = simplifying or zeros
    splats = _constant_splats(closed) if rewriting else {}
    known: dict[Var, Any] = {}
    if folding:
        known = {var: value for var, value in zip(constvars, consts) if _is_concrete(value)}
    producers: dict[Var, Eqn] = {}
    seen: dict[tuple, list[Var]] = {}
    eqns: list[Eqn] = []
    settled = True

    literal_keys: dict[Literal, tuple] = {}

    def literal_key(literal: Literal) -> tuple:
        key = literal_keys.get(literal)
        if key is None:
            key = literal_keys[literal] = _literal_key(literal)
        return key

    def is_zero(atom: Atom) -> bool:
        return _is_splat_of(atom, splats, 0)

    def append(eqn: Eqn) -> None:
        eqns.append(eqn)
        if rewriting:
            for var in eqn.outvars:
                producers[var] = eqn
            if eqn.primitive.copies_elements:
                _note_splat(eqn, splats)

    def rewrite(eqn: Eqn, result: RuleResult, depth: int) -> None:
        nonlocal settled
        if type(result) is not list:
            renaming[eqn.outvars[0]] = result  # type: ignore[assignment]  # (an atom)
        elif again and depth < MAX_REWRITE_DEPTH:
            for new in result:
                emit(new, [rename(a, a) for a in new.invars], depth + 1)
        else:
            settled = settled and not again
            for new in result:
                append(new)

    def fold(eqn: Eqn, results: list[Any]) -> None:
        for var, value in zip(eqn.outvars, results):
            if var.aval.shape == ():
                renaming[var] = _scalar_literal(value, var.aval)
                continue
            first = const_by_id.get(id(value)) if merging else None
            if first is not None and first.aval == var.aval:
                renaming[var] = first  # (an impl that returned its input)
                continue
            known[var] = value
            constvars.append(var)
            consts.append(value)
            if merging:
                const_by_id[id(value)] = var
            if rewriting:
                splat = _splat_of_array(value)
                if splat is not None:
                    splats[var] = splat

    def emit(eqn: Eqn, invars: list[Atom], depth: int) -> None:
        primitive = eqn.primitive
        literals = splat_operands = False
        foldable = folding and not primitive.effectful  # (all operands known now)
        for a in invars:
            if type(a) is Literal:
                literals = True
                continue
            if foldable and a not in known:
                foldable = False
            if rewriting and a in splats:
                splat_operands = True
        if rewriting:
            # (what each operand holds, if that is known of any)
            values = _splat_values(invars, splats) if literals or splat_operands else None
            if simplifying and (values is not None or primitive in simplify_rules):
                result = _simplify_equation(eqn, invars, producers, splats, values)
                if result is not None:
                    return rewrite(eqn, result, depth)
            if zeros and (values is not None or primitive in zero_rules):
                result = _zero_equation(eqn, invars, values, is_zero)
                if result is not None and _acceptable(result, eqn):
                    return rewrite(eqn, result, depth)
        if foldable and not _grows_too_much(invars, eqn.outvars):
            results = _evaluate(eqn, invars, known)
            if results is not None:
                return fold(eqn, results)
        params = eqn.params
        if merging and not primitive.effectful:
            params_key = _params_key(params) if params else ()
            if literals:  # (equal literals may be different objects)
                key: Any = (primitive, params_key,
                            *[literal_key(a) if type(a) is Literal else a for a in invars])
            else:
                key = (primitive, params_key, *invars)
            first = seen.get(key)
            if first is not None and all(a.aval == b.aval for a, b in zip(first, eqn.outvars)):
                for var, first_var in zip(eqn.outvars, first):
                    renaming[var] = first_var
                return None
            seen[key] = eqn.outvars
        # (the lists of operands and outputs and the params are shared, never written to)
        new = Eqn(primitive, invars, eqn.outvars, params)
        eqns.append(new)
        if rewriting:
            for var in new.outvars:
                producers[var] = new
            if primitive.copies_elements:
                _note_splat(new, splats)
        return None

    renamed = renaming.__contains__
    for eqn in jaxpr.eqns:
        invars = eqn.invars
        if any(map(renamed, invars)):
            invars = list(map(rename, invars, invars))
        emit(eqn, invars, 0)
    outvars = [rename(v, v) for v in jaxpr.outvars]
    return ClosedJaxpr(Jaxpr(constvars, list(jaxpr.invars), outvars, eqns), consts), settled


# ----------------------------------------------------------------------------------------------
# All together.

PASSES = (simplify, propagate_zeros, fold_constants, common_subexpression_elimination,
          dead_code_elimination)  # the order of the stages in each of ``optimize``'s rounds
MAX_ROUNDS = 10


def optimize(closed: ClosedJaxpr, max_rounds: int = MAX_ROUNDS) -> ClosedJaxpr:
    """The five passes in rounds of two sweeps: one forward, in which each equation goes
    through ``simplify``, ``propagate_zeros``, ``fold_constants`` and CSE in turn and the
    next equation already reads the result (a folded constant may be a ``1`` to simplify
    away, a removed multiply may leave a duplicate for CSE), then DCE backward. One round is
    a fixed point, unless a chain of rewrites went deeper than ``MAX_REWRITE_DEPTH``: then
    another round goes on from there (at most ``max_rounds`` in all). The result never has
    more equations than the input: a round that would add some is discarded (so when no
    round helps, the input itself is returned)."""
    best = closed
    for _ in range(max_rounds):
        swept, settled = _sweep(best, simplifying=True, zeros=True, folding=True, merging=True,
                                again=True)
        candidate = _without_dead_code(swept, copy=False)
        if len(candidate.eqns) > len(best.eqns):
            break
        best = candidate
        if settled:
            break
    return best
