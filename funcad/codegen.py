"""Turn an IR into straight-line Python source that calls NumPy directly.

Each equation becomes one assignment. Elementwise arithmetic is written with Python
operators (``a * b``): on arrays that is the same ufunc call, on NumPy scalars it is several
times faster. Other ufunc primitives call the ufunc itself; everything else calls the
primitive's implementation with its params bound in advance. The source is compiled once
with ``compile``/``exec`` and kept next to the function, so a user can read (and step
through) exactly what runs.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from funcad.core import ClosedJaxpr, Jaxpr, Literal, Var

_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/"}


def _ufunc_of(primitive: Any) -> np.ufunc | None:
    from funcad.primitives.elementwise import ELEMENTWISE_PRIMITIVES

    if primitive in ELEMENTWISE_PRIMITIVES and isinstance(primitive.impl, np.ufunc):
        return primitive.impl
    return None


class Compiled:
    """A compiled IR: ``fn(*consts_and_args) -> list of outputs`` and its source text."""

    __slots__ = ("fn", "source", "closed")

    def __init__(self, fn: Callable[..., list[Any]], source: str, closed: ClosedJaxpr):
        self.fn = fn
        self.source = source
        self.closed = closed

    def __call__(self, *args: Any) -> list[Any]:
        return self.fn(*self.closed.consts, *args)

    def __repr__(self) -> str:
        return f"<compiled {len(self.closed.jaxpr.eqns)} equations>"


def compile_jaxpr(closed: ClosedJaxpr, name: str = "jitted") -> Compiled:
    jaxpr: Jaxpr = closed.jaxpr
    namespace: dict[str, Any] = {"np": np}
    names: dict[Var, str] = {}

    def new_name(var: Var, prefix: str = "v") -> str:
        text = f"{prefix}{len(names)}"
        names[var] = text
        return text

    def atom(a: Var | Literal) -> str:
        if type(a) is Literal:
            value = a.value
            if type(value) in (int, float, bool):
                return repr(value)
            key = f"k{len(namespace)}"
            namespace[key] = value
            return key
        return names[a]

    params_in = [new_name(v, "c") for v in jaxpr.constvars] + [new_name(v, "a") for v in
                                                                jaxpr.invars]
    safe_name = "".join(ch if ch.isalnum() else "_" for ch in name) or "jitted"
    lines = [f"def {safe_name}({', '.join(params_in)}):"]
    for index, eqn in enumerate(jaxpr.eqns):
        prim = eqn.primitive
        args = [atom(a) for a in eqn.invars]
        outs = [new_name(v) for v in eqn.outvars]
        target = ", ".join(outs) if prim.multiple_results else outs[0]
        if prim.multiple_results and len(outs) == 1:
            target += ","
        if prim.name in _INFIX and len(args) == 2:
            expr = f"{args[0]} {_INFIX[prim.name]} {args[1]}"
            if prim.name == "div":  # keep NumPy's semantics for two Python numbers
                expr = f"np.true_divide({args[0]}, {args[1]})"
        elif prim.name == "neg":
            expr = f"-{args[0]}"
        elif prim.name == "integer_pow" and eqn.params["y"] in (2, 3) and \
                eqn.invars[0].aval.dtype.kind in "fc":
            expr = " * ".join([args[0]] * eqn.params["y"])
        elif _ufunc_of(prim) is not None and not eqn.params:
            key = f"u_{prim.name}"
            namespace[key] = _ufunc_of(prim)
            expr = f"{key}({', '.join(args)})"
        else:
            key = f"p{index}_{prim.name}"
            namespace[key] = functools.partial(prim.impl, **eqn.params) if eqn.params \
                else prim.impl
            expr = f"{key}({', '.join(args)})"
        lines.append(f"    {target} = {expr}")
    outs = ", ".join(atom(a) for a in jaxpr.outvars)
    lines.append(f"    return [{outs}]")
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<funcad.jit {name}>", "exec"), namespace)
    return Compiled(namespace[safe_name], source, closed)
