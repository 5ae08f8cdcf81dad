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

import functools
import keyword
import math
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


def _liveness(jaxpr: Jaxpr) -> dict[Var, int]:
    """For each variable, the index of the last equation that reads it (outputs: never die)."""
    last: dict[Var, int] = {}
    for index, eqn in enumerate(jaxpr.eqns):
        for a in eqn.invars:
            if type(a) is Var:
                last[a] = index
    for a in jaxpr.outvars:
        if type(a) is Var:
            last[a] = len(jaxpr.eqns)
    return last


def compile_jaxpr(closed: ClosedJaxpr, name: str = "jitted") -> Compiled:
    """Generate, compile and return the Python function for ``closed``. Variables are deleted
    after their last use (so memory is released as in the eager backward pass), and an
    elementwise operation writes into the buffer of an input that dies with it when that
    buffer is its own (not a view) and has the output's shape and dtype."""
    jaxpr: Jaxpr = closed.jaxpr
    namespace: dict[str, Any] = {"np": np, "_fresh": _fresh}
    names: dict[Var, str] = {}
    last_use = _liveness(jaxpr)
    bases: dict[Var, frozenset] = {}  # the fresh buffers a variable may share memory with
    sharers: dict[Var, set[Var]] = {}  # a buffer -> the live variables that may share it

    def set_bases(v: Var, buffers: frozenset) -> None:
        bases[v] = buffers
        for b in buffers:
            sharers.setdefault(b, set()).add(v)

    def new_name(var: Var, prefix: str = "v") -> str:
        text = f"{prefix}{len(names)}"
        names[var] = text
        return text

    def atom(a: Var | Literal) -> str:
        if type(a) is Literal:
            value = a.value
            if type(value) in (int, bool) or (type(value) is float and math.isfinite(value)):
                return repr(value)  # (inf and nan have no literal: they go in the namespace)
            key = f"k{len(namespace)}"
            namespace[key] = value
            return key
        return names[a]

    params_in = [new_name(v, "c") for v in jaxpr.constvars] + [new_name(v, "a") for v in
                                                                jaxpr.invars]
    for v in list(jaxpr.constvars) + list(jaxpr.invars):
        set_bases(v, frozenset([v]))  # not ours to overwrite: never marked reusable below
    owned: set[Var] = set()
    readonly: set[Var] = set()  # may be a read-only view (np.broadcast_to)
    lines = [""]  # (the def line, written last: its name must not shadow a global)
    for index, eqn in enumerate(jaxpr.eqns):
        prim = eqn.primitive
        args = [atom(a) for a in eqn.invars]
        ufunc = prim.ufunc
        reuse = None
        if ufunc is not None and not eqn.params and eqn.outvars[0].aval.ndim > 0:
            reuse = _reusable_input(eqn, index, last_use, bases, owned, sharers)
        outs = [new_name(v) for v in eqn.outvars]
        target = ", ".join(outs) if prim.multiple_results else outs[0]
        if prim.multiple_results and len(outs) == 1:
            target += ","
        expression = None
        if reuse is None and prim.expression is not None:
            expression = prim.expression(args, eqn.params, [a.aval for a in eqn.invars])
        if reuse is not None:
            key = f"u_{prim.name}"
            namespace[key] = ufunc
            expr = f"{key}({', '.join(args)}, out={names[reuse]})"
        elif expression is not None:
            expr = expression
            if all(_python_scalar(a) for a in eqn.invars):
                # Python operators on Python numbers give a Python number; the primitive gives
                # a NumPy scalar (and later promotions depend on it). Exact for floats.
                dtype = eqn.outvars[0].aval.dtype
                if dtype.kind in "fc":
                    namespace[f"t_{dtype.name}"] = dtype.type
                    expr = f"t_{dtype.name}({expr})"
                else:  # (integers and bools: call the ufunc, which gives NumPy's type)
                    key = f"u_{prim.name}"
                    namespace[key] = ufunc
                    expr = f"{key}({', '.join(args)})"
        elif ufunc is not None and not eqn.params:
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
        lines.append(f"    {target} = {expr}")
        # Track which buffers each output may share, for later reuse decisions.
        in_bases = frozenset().union(*(bases.get(a, frozenset()) for a in eqn.invars
                                       if type(a) is Var))
        for v in eqn.outvars:
            if reuse is not None:
                set_bases(v, bases[reuse])
                owned.add(v)
            elif prim.output_buffer != "fresh":  # (may be a view of an input)
                set_bases(v, in_bases)
                if prim.output_buffer == "readonly_view" or any(a in readonly
                                                                 for a in eqn.invars):
                    readonly.add(v)
            else:
                set_bases(v, frozenset([v]))
                if v.aval.ndim > 0:
                    owned.add(v)
        dying = [a for a in dict.fromkeys(eqn.invars)
                 if type(a) is Var and last_use.get(a) == index]
        dying += [v for v in eqn.outvars if v not in last_use]
        for v in dying:
            for b in bases[v]:
                sharers[b].discard(v)
        dead = [names[v] for v in dying if v is not reuse]
        if dead:
            lines.append(f"    del {', '.join(dead)}")
    # Outputs are the caller's own arrays: copy those that are (views of) arguments or
    # constants, that share a buffer with an earlier output, or that may be read-only.
    external = frozenset(jaxpr.constvars) | frozenset(jaxpr.invars)
    handed_out: set[Var] = set()
    outs = []
    for a in jaxpr.outvars:
        text = atom(a)
        if type(a) is Literal:
            if isinstance(a.value, np.ndarray):
                text = f"_fresh({text})"
        else:
            buffer = bases.get(a, frozenset())
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


def _reusable_input(eqn: Any, index: int, last_use: dict, bases: dict, owned: set,
                    sharers: dict) -> Any:
    """An input whose buffer the output may take: an array this function allocated (not a
    view, not an argument), read for the last time here, of the output's exact type, and not
    shared with any variable that is still alive (``sharers`` lists only live variables, so
    this costs the number of views alive, not the length of the program)."""
    out_aval = eqn.outvars[0].aval
    for a in eqn.invars:
        if type(a) is not Var or a not in owned or last_use.get(a) != index:
            continue
        if a.aval.shape != out_aval.shape or a.aval.dtype != out_aval.dtype:
            continue
        if any(v is not a and last_use.get(v, -1) > index
               for b in bases[a] for v in sharers.get(b, ())):
            continue
        return a
    return None
