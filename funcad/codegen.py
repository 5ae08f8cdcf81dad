"""Turn an IR into straight-line Python source that calls NumPy directly.

Each equation becomes one assignment. What to write is asked of the primitive, never looked
up by its name: a primitive with an ``expression`` is written as that Python expression
(``a * b``: on arrays the same ufunc call, on NumPy scalars several times faster), one with a
``ufunc`` calls the ufunc itself, one with a ``lowering`` calls what that gives, and
everything else calls the primitive's implementation with its params bound in advance. The
source is compiled once with ``compile``/``exec`` and kept next to the function, so a user can
read (and step through) exactly what runs.
"""

from __future__ import annotations

import ast
import functools
import keyword
import math
import operator
import weakref
from typing import Any, Callable

import numpy as np

from funcad.core import ClosedJaxpr, Jaxpr, Literal, Var

__all__ = [
    "Compiled", "compile_jaxpr", "compiled_for",
]


class Compiled:
    """A compiled IR: ``fn(*consts_and_args) -> list of outputs`` and its source text."""

    __slots__ = ("fn", "source", "closed", "__weakref__")

    def __init__(self, fn: Callable[..., list[Any]], source: str, closed: ClosedJaxpr):
        self.fn = fn
        self.source = source
        self.closed = closed

    def __call__(self, *args: Any) -> list[Any]:
        return self.fn(*self.closed.consts, *args)

    def __repr__(self) -> str:
        return f"<compiled {len(self.closed.jaxpr.eqns)} equations>"


# The compiled function of each IR, while something holds it (a jitted function's cache
# entry, the generated code of an enclosing IR, a loop that is running). Weak, so that
# dropping a jitted function frees its IR and constants.
_compiled_by_jaxpr: weakref.WeakValueDictionary[int, Compiled] = weakref.WeakValueDictionary()


def compiled_for(closed: ClosedJaxpr, name: str = "jitted") -> Compiled:
    """The compiled function of ``closed``: compiled once, while anything holds the result."""
    compiled = _compiled_by_jaxpr.get(id(closed))
    if compiled is None or compiled.closed is not closed:
        compiled = compile_jaxpr(closed, name)
        _compiled_by_jaxpr[id(closed)] = compiled
    return compiled


def _fresh(value: Any) -> Any:
    """A copy of an array the caller must not share (outputs are the caller's to mutate)."""
    return value.copy() if isinstance(value, np.ndarray) else value


def _python_scalar(a: Var | Literal) -> bool:
    """Whether ``a`` may hold a Python scalar at run time. Python operators on two of those
    give a Python scalar, where the primitive (and the IR's type) gives a NumPy one."""
    if type(a) is Literal:
        return type(a.value) in (bool, int, float, complex)
    return a.aval.weak_type


def _liveness(jaxpr: Jaxpr) -> tuple[list[list[Var]], set[Var], set[Var]]:
    """One backward sweep: for each equation the variables it reads for the last time (the
    outputs never die), the variables read at all (outputs included), and those read more
    than once."""
    read = {v for v in jaxpr.outvars if type(v) is Var}
    again: set[Var] = set()
    eqns = jaxpr.eqns
    deaths: list[list[Var]] = [[]] * len(eqns)
    for index in range(len(eqns) - 1, -1, -1):
        dying = []
        for a in eqns[index].invars:
            if type(a) is Var:
                if a in read:
                    again.add(a)
                else:
                    read.add(a)
                    dying.append(a)
        if dying:
            deaths[index] = dying
    return deaths, read, again


# Scalars read once are written into the expression that reads them, up to this depth.
MAX_NESTING = 8
# Dead scalars (a few bytes each) are deleted this many at a time: a ``del`` statement costs
# the compiler as much as an assignment, and one per equation made up a third of the source.
SCALARS_PER_DEL = 32

# Python's operator precedences, for parentheses where they are needed and only there (the
# parser takes twice as long on a statement with them all).
_ATOM = 16
_UNARY = 14
_ARGUMENT = 3  # what a call's argument needs: any expression but a bare tuple
_ALWAYS = _ATOM + 1  # a position not understood below: always parenthesised
_BINARY = {ast.Pow: 15, ast.Mult: 13, ast.MatMult: 13, ast.Div: 13, ast.FloorDiv: 13,
           ast.Mod: 13, ast.Add: 12, ast.Sub: 12, ast.LShift: 11, ast.RShift: 11,
           ast.BitAnd: 10, ast.BitXor: 9, ast.BitOr: 8}
_PLACEHOLDERS = [f"_funcad_{i}_" for i in range(8)]
_aval = operator.attrgetter("aval")


def _placeholders(count: int) -> list[str]:
    while len(_PLACEHOLDERS) < count:
        _PLACEHOLDERS.append(f"_funcad_{len(_PLACEHOLDERS)}_")
    return _PLACEHOLDERS[:count]


def _precedence(node: ast.AST) -> int:
    if isinstance(node, ast.BinOp):
        return _BINARY.get(type(node.op), 0)
    if isinstance(node, ast.UnaryOp):
        return 6 if isinstance(node.op, ast.Not) else _UNARY
    if isinstance(node, (ast.Name, ast.Constant, ast.Call, ast.Attribute, ast.Subscript)):
        return _ATOM
    if isinstance(node, ast.Compare):
        return 7
    if isinstance(node, ast.BoolOp):
        return 5 if isinstance(node.op, ast.And) else 4
    return _ARGUMENT if isinstance(node, ast.IfExp) else 0


def _needed(parent: ast.AST, child: ast.AST) -> int:
    """The precedence an operand needs in its place to be written without parentheses."""
    if isinstance(parent, ast.BinOp):
        own = _BINARY.get(type(parent.op))
        if own is None:
            return _ALWAYS
        if isinstance(parent.op, ast.Pow):  # (right-associative, and -x ** y is -(x ** y))
            return _ATOM if child is parent.left else _UNARY
        return own if child is parent.left else own + 1  # (a - (b - c) keeps its parentheses)
    if isinstance(parent, ast.UnaryOp):
        return 7 if isinstance(parent.op, ast.Not) else _UNARY
    if isinstance(parent, ast.Call) and child is not parent.func or \
            isinstance(parent, ast.keyword):
        return _ARGUMENT
    if isinstance(parent, ast.Compare):
        return 8
    return _ALWAYS


_templates: dict[str, tuple[int, list[int], list[int]]] = {}


def _template(text: str, count: int) -> tuple[int, list[int], list[int]]:
    """For an expression written on placeholders: its precedence, and for each placeholder the
    precedence its value needs there and how many times it appears."""
    shape = _templates.get(text)
    if shape is None:
        names = _placeholders(count)
        needs, counts = [0] * count, [0] * count
        try:
            tree = ast.parse(text, mode="eval").body
        except SyntaxError:
            tree = None
        if tree is None:
            shape = (0, [_ALWAYS] * count, [text.count(n) for n in names])
        else:
            position = {n: i for i, n in enumerate(names)}
            if isinstance(tree, ast.Name) and tree.id in position:
                counts[position[tree.id]] += 1
            for parent in ast.walk(tree):
                for child in ast.iter_child_nodes(parent):
                    if isinstance(child, ast.Name) and child.id in position:
                        i = position[child.id]
                        counts[i] += 1
                        needs[i] = max(needs[i], _needed(parent, child))
            shape = (_precedence(tree), needs, counts)
        _templates[text] = shape
    return shape


def compile_jaxpr(closed: ClosedJaxpr, name: str = "jitted") -> Compiled:
    """Generate, compile and return the Python function for ``closed``. Variables are deleted
    after their last use (so memory is released as in the eager backward pass): arrays at
    once, scalars that share no array's memory ``SCALARS_PER_DEL`` at a time. An elementwise
    operation writes into the buffer of an input that dies with it when that buffer is its
    own (not a view) and has the output's shape and dtype.

    A scalar computed from scalars by an expression or a ufunc, and read by exactly one later
    equation, gets no variable: it is written where it is read (``v4 = a0 * 1.0001 +
    u_sin(a0) * 0.0001``), up to ``MAX_NESTING`` deep. Python compiles a statement in about
    10 us, so a long scalar program compiles several times faster, and each such scalar
    costs no store, load and ``del`` at run time. Only scalars whose inputs share no array's
    memory are moved (scalars are never written in place, arrays may be), so reading them
    later reads the same values."""
    jaxpr: Jaxpr = closed.jaxpr
    namespace: dict[str, Any] = {"np": np, "_fresh": _fresh}
    names: dict[Var, str] = {}
    deaths, read, read_again = _liveness(jaxpr)
    outputs = set(jaxpr.outvars)
    # The fresh buffers a variable may share memory with (absent: only its own), and for
    # each buffer we may overwrite, the live variables that may share it.
    bases: dict[Var, frozenset] = {}
    sharers: dict[Var, set[Var]] = {}
    owned: set[Var] = set()
    readonly: set[Var] = set()  # may be a read-only view (np.broadcast_to)
    isolated: set[Var] = set()  # scalars sharing no array's memory
    # A scalar written where it is read: its expression, that expression's precedence, its
    # nesting depth, and the variables it reads. A variable read by a deferred expression is
    # held (and its ``del`` waits) until that expression is written out.
    deferred: dict[Var, tuple[str, int, int, list[Var]]] = {}
    held: dict[Var, int] = {}
    dead: set[Var] = set()  # past their last use, but held
    dead_scalars: list[str] = []  # deleted together, SCALARS_PER_DEL at a time
    lines = [""]  # (the def line, written last: its name must not shadow a global)
    # (primitive, ids of the operands' avals) -> the expression on placeholders, its shape
    templates: dict[tuple, tuple] = {}
    float_texts: dict[float, str] = {}  # repr of the non-zero floats met so far

    def set_bases(v: Var, buffers: frozenset) -> None:
        bases[v] = buffers
        for b in buffers:
            if b in owned:
                sharers[b].add(v)
        if v.aval.shape == () and all(b.aval.shape == () for b in buffers):
            isolated.add(v)

    def new_name(var: Var, prefix: str = "v") -> str:
        text = f"{prefix}{len(names)}"
        names[var] = text
        return text

    def literal(a: Literal) -> str:
        value = a.value
        if type(value) in (int, bool):
            return repr(value)
        if type(value) is float and math.isfinite(value):
            text = repr(value)
            if value:  # (0.0 == -0.0: those two are not remembered)
                float_texts[value] = text
            return text
        key = f"k{len(namespace)}"  # (inf and nan have no literal: they go in the namespace)
        namespace[key] = value
        return key

    def release(reading: list[Var]) -> None:
        """An expression reading these variables has been written: delete the dead ones."""
        for v in reading:
            count = held[v] - 1
            if count:
                held[v] = count
                continue
            del held[v]
            if v in dead:
                dead.discard(v)
                dead_scalars.append(names[v])  # (only scalars are ever held)

    def write(statement: str, dels: list[str]) -> None:
        lines.append(statement)
        if dels:
            lines.append(f"    del {', '.join(dels)}")
        if len(dead_scalars) >= SCALARS_PER_DEL:
            lines.append(f"    del {', '.join(dead_scalars)}")
            dead_scalars.clear()

    def write_out(var: Var) -> None:
        """Give a deferred scalar its variable after all (an expression reads it twice)."""
        text, _, _, reading = deferred.pop(var)
        release(reading)
        write(f"    {new_name(var)} = {text}", [])

    params_in = [new_name(v, "c") for v in jaxpr.constvars] + [new_name(v, "a") for v in
                                                                jaxpr.invars]
    for v in list(jaxpr.constvars) + list(jaxpr.invars):  # (never marked reusable below)
        if v.aval.shape == ():
            isolated.add(v)
    for index, eqn in enumerate(jaxpr.eqns):
        prim = eqn.primitive
        invars = eqn.invars
        outvars = eqn.outvars
        out: Any = outvars[0] if outvars else None  # (an effect may have no output: a print)
        ufunc = prim.ufunc
        reuse = None
        if ufunc is not None and not eqn.params and out.aval.shape != ():
            reuse = _reusable_input(eqn, deaths[index], bases, owned, sharers)
        template = None
        if reuse is None and prim.expression is not None:
            if eqn.params:
                template = prim.expression(_placeholders(len(invars)), eqn.params,
                                           [a.aval for a in invars])
                shape: Any = None if template is None else _template(template, len(invars))
            else:  # (the same for every equation of these types: asked once)
                if len(invars) == 2:
                    key: Any = (prim, id(invars[0].aval), id(invars[1].aval))
                else:
                    key = (prim, *map(id, map(_aval, invars)))
                known = templates.get(key)
                if known is None:
                    template = prim.expression(_placeholders(len(invars)), eqn.params,
                                               [a.aval for a in invars])
                    shape = None if template is None else _template(template, len(invars))
                    templates[key] = known = (template, shape)
                template, shape = known
        reading: list[Var] = []  # the named variables read here
        inner: list[Var] = []  # those read by the deferred scalars written in here
        depth = 0
        precedence = _ATOM
        python_scalars = False
        if template is not None:
            python_scalars = True
            for a in invars:
                if not (a.aval.weak_type if type(a) is Var else _python_scalar(a)):
                    python_scalars = False
                    break
            if python_scalars and ufunc is not None and out.aval.dtype.kind not in "fc":
                template = None  # (integers and bools: the ufunc gives NumPy's type)
        if template is not None:
            precedence, needs, counts = shape
            expr = template
            for i, a in enumerate(invars):
                if type(a) is Literal:
                    value = a.value
                    text = float_texts.get(value) if type(value) is float else None
                    if text is None:
                        text = literal(a)
                    if text[0] == "-" and _UNARY < needs[i]:
                        text = f"({text})"
                else:
                    text = names.get(a)
                    if text is None and counts[i] > 1:
                        write_out(a)
                        text = names[a]
                    if text is None:
                        text, inner_precedence, inner_depth, inner_reading = deferred.pop(a)
                        inner += inner_reading
                        if inner_precedence < needs[i]:
                            text = f"({text})"
                        if inner_depth > depth:
                            depth = inner_depth
                    else:
                        reading.append(a)
                expr = expr.replace(_PLACEHOLDERS[i], text)
            if python_scalars:
                # Python operators on Python numbers give a Python number; the primitive gives
                # a NumPy scalar (and later promotions depend on it). Exact for floats.
                dtype = out.aval.dtype
                namespace[f"t_{dtype.name}"] = dtype.type
                expr = f"t_{dtype.name}({expr})"
                precedence = _ATOM
        else:
            args = []
            for a in invars:
                if type(a) is Literal:
                    text = literal(a)  # (a negative number is fine as an argument)
                else:
                    text = names.get(a)
                    if text is None:
                        text, inner_precedence, inner_depth, inner_reading = deferred.pop(a)
                        inner += inner_reading
                        if inner_precedence < _ARGUMENT:
                            text = f"({text})"
                        if inner_depth > depth:
                            depth = inner_depth
                    else:
                        reading.append(a)
                args.append(text)
            if reuse is not None:
                key = f"u_{prim.name}"
                namespace[key] = ufunc
                expr = f"{key}({', '.join(args)}, out={names[reuse]})"
            elif ufunc is not None and not eqn.params:
                # (also integers and bools from Python numbers: the ufunc gives NumPy's type)
                key = f"u_{prim.name}"
                namespace[key] = ufunc
                expr = f"{key}({', '.join(args)})"
            else:
                key = f"p{index}_{prim.name}"
                if prim.lowering is not None:
                    namespace[key] = prim.lowering(eqn.params)
                else:
                    namespace[key] = functools.partial(prim.impl, **eqn.params) if eqn.params \
                        else prim.impl
                expr = f"{key}({', '.join(args)})"
        # Track which buffers each output may share, for later reuse decisions.
        if reuse is not None:
            owned.add(out)
            set_bases(out, bases.get(reuse) or frozenset([reuse]))
        elif prim.output_buffer != "fresh":  # (may be a view of an input)
            in_bases = frozenset().union(*(bases.get(a) or frozenset([a]) for a in invars
                                           if type(a) is Var))
            may_be_readonly = prim.output_buffer == "readonly_view" or any(
                a in readonly for a in invars)
            for v in outvars:
                set_bases(v, in_bases)
                if may_be_readonly:
                    readonly.add(v)
        else:
            for v in outvars:
                if v.aval.shape == ():
                    isolated.add(v)
                else:
                    owned.add(v)
                    sharers[v] = {v}
        dying = deaths[index]
        if out not in read or len(outvars) > 1:
            dying = dying + [v for v in outvars if v not in read]
        for v in dying if owned else ():  # (no buffer of ours yet: nothing to untrack)
            buffers = bases.get(v)
            if buffers is None:  # (its own buffer only)
                if v in owned:
                    sharers[v].discard(v)
                continue
            for b in buffers:
                if b in owned:
                    sharers[b].discard(v)
        defer = (out not in read_again and out in read and out.aval.shape == ()
                 and ufunc is not None and reuse is None and depth < MAX_NESTING
                 and not prim.multiple_results and not prim.effectful and out not in outputs)
        if defer:
            for a in invars:
                if type(a) is not Literal and a not in isolated:
                    defer = False
                    break
        dels: list[str] = []
        if defer:
            for v in reading:
                held[v] = held.get(v, 0) + 1
            deferred[out] = (expr, precedence, depth + 1, reading + inner)
        elif inner:
            release(inner)
        for v in dying:
            if v in held:
                dead.add(v)
            elif v is not reuse and v in names:
                (dead_scalars if v in isolated else dels).append(names[v])
        if defer:
            continue
        if not outvars:
            write(f"    {expr}", dels)
            continue
        if prim.multiple_results:
            target = ", ".join([new_name(v) for v in outvars]) + ("," if len(outvars) == 1
                                                                  else "")
        else:
            target = names[out] = f"v{len(names)}"
        write(f"    {target} = {expr}", dels)
    assert not deferred and not held  # (each was read by a later equation)
    # Outputs are the caller's own arrays: copy those that are (views of) arguments or
    # constants, that share a buffer with an earlier output, or that may be read-only.
    external = frozenset(jaxpr.constvars) | frozenset(jaxpr.invars)
    handed_out: set[Var] = set()
    outs = []
    for a in jaxpr.outvars:
        if type(a) is Literal:
            text = literal(a)
            if isinstance(a.value, np.ndarray):
                text = f"_fresh({text})"
        else:
            text = names[a]
            buffer = bases.get(a) or frozenset([a])
            if a in external or a in readonly or buffer & external or buffer & handed_out:
                text = f"_fresh({text})"
            else:
                handed_out |= buffer
        outs.append(text)
    lines.append(f"    return [{', '.join(outs)}]")
    safe_name = "".join(ch if ch.isascii() and ch.isalnum() else "_" for ch in name)
    if not safe_name.isidentifier() or keyword.iskeyword(safe_name) or safe_name in namespace:
        safe_name = f"jitted_{safe_name}"
    lines[0] = f"def {safe_name}({', '.join(params_in)}):"
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<funcad.jit {name}>", "exec"), namespace)
    return Compiled(namespace[safe_name], source, closed)


def _reusable_input(eqn: Any, dying: list[Var], bases: dict, owned: set,
                    sharers: dict) -> Any:
    """An input whose buffer the output may take: an array this function allocated (not a
    view, not an argument), read for the last time here, of the output's exact type, and not
    shared with any variable that is still alive (``sharers`` lists only live variables, so
    this costs the number of views alive, not the length of the program), nor with another
    operand (``x + x.T`` written into x makes NumPy copy x.T first, which costs more than a
    new buffer)."""
    out_aval = eqn.outvars[0].aval
    for a in eqn.invars:
        if type(a) is not Var or a not in owned or a not in dying:
            continue
        if a.aval.shape != out_aval.shape or a.aval.dtype != out_aval.dtype:
            continue
        a_bases = bases.get(a) or frozenset((a,))
        if any(v is not a and v not in dying for b in a_bases for v in sharers.get(b, ())):
            continue
        if any(type(o) is Var and o is not a and not a_bases.isdisjoint(bases.get(o) or (o,))
               for o in eqn.invars):
            continue
        return a
    return None
