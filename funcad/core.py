"""The core of funcad: the IR, primitives, bind, the current-interpreter context, tracers.

Everything funcad computes goes through one door, ``Primitive.bind``. ``bind`` hands the
operation to the *current trace* (the interpreter in charge, kept in a ContextVar so that
threads and async tasks each have their own). With no transformation active that is the
``EvalTrace``, which simply runs the primitive's NumPy implementation. A transformation
(``grad``, ``make_jaxpr``, ...) installs its own trace, whose ``process`` method decides what
an operation means for it: record it on a tape, add it to an IR, and so on.

Each trace keeps a pointer to its parent, the trace that was current when it started. A
tracer is unpacked only by the trace that made it (``tracer._trace is self``); to every other
trace it is an opaque constant that is handed up the parent chain until its owner sees it.
That rule alone keeps nested transformations apart (no "perturbation confusion").

The IR (``Jaxpr``) is a list of equations ``outvars = primitive[params] invars`` over typed
variables. Higher-order primitives carry sub-IRs in their params, and the printer shows them.
"""

from __future__ import annotations

import contextvars
import itertools
import math
import os
from typing import Any, Callable, Iterator, Sequence, final

import numpy as np

from funcad.errors import ConcretizationTypeError, UnexpectedTracerError
from funcad.traceback_util import filtering, set_filtering

__all__ = [
    "Config", "config", "ALL_PRIMITIVES", "CURRENT_PASS", "contains_nan",
    "ShapedArray", "short_dtype_name", "get_aval", "is_python_scalar", "Primitive", "Trace",
    "EvalTrace", "EVAL_TRACE", "CURRENT_TRACE", "current_trace", "set_current_trace",
    "escaped_tracer_error", "Tracer", "Var", "Literal", "Eqn", "Jaxpr", "ClosedJaxpr",
    "lift_tracer_consts", "eval_jaxpr", "pp_jaxpr", "shape_of", "dtype_of",
    "returned_values", "set_returned_values",
]


# ----------------------------------------------------------------------------------------------
# Abstract values: what is known of an array while tracing (its shape and dtype).

_PYTHON_SCALAR_TYPES = (bool, int, float, complex)


class ShapedArray:
    """The type of an array: shape and dtype. ``weak_type`` marks a Python scalar, which, as
    in NumPy (NEP 50), takes its dtype from the other operand (``f32 * 2.0`` stays f32)."""

    __slots__ = ("shape", "dtype", "weak_type")

    def __init__(self, shape: tuple[int, ...], dtype: Any, weak_type: bool = False):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = weak_type

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ShapedArray)
            and self.shape == other.shape
            and self.dtype == other.dtype
            and self.weak_type == other.weak_type
        )

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.weak_type))

    def str_short(self) -> str:
        return f"{short_dtype_name(self.dtype)}[{','.join(map(str, self.shape))}]"

    def __repr__(self) -> str:
        return f"ShapedArray({self.str_short()}{', weak' if self.weak_type else ''})"


_SHORT_KIND = {"f": "f", "i": "i", "u": "u", "c": "c"}


def short_dtype_name(dtype: np.dtype) -> str:
    """``float64`` -> ``f64``, ``int32`` -> ``i32``, ``bool`` -> ``bool``."""
    kind = _SHORT_KIND.get(dtype.kind)
    return f"{kind}{dtype.itemsize * 8}" if kind else dtype.name


def get_aval(x: Any) -> ShapedArray:
    """The abstract value of a tracer, an array, or a Python scalar."""
    if isinstance(x, Tracer):
        return x.aval
    if isinstance(x, (np.ndarray, np.generic)):
        return ShapedArray(x.shape, x.dtype)
    if isinstance(x, _PYTHON_SCALAR_TYPES):
        return ShapedArray((), np.result_type(type(x)), weak_type=True)
    raise TypeError(
        f"Value {x!r} of type {type(x).__name__} is not a valid funcad array: expected a NumPy "
        f"array, a Python or NumPy scalar, or a funcad tracer."
    )


def is_python_scalar(x: Any) -> bool:
    return type(x) in _PYTHON_SCALAR_TYPES


# ----------------------------------------------------------------------------------------------
# Configuration.


class Config:
    """``funcad.config``: switches that change how funcad runs, not what it computes.

    ``log_retraces`` (env ``FUNCAD_LOG_RETRACES=1``): log each trace of a jitted function, with
    what changed in its signature. ``debug_nans`` (env ``FUNCAD_DEBUG_NANS=1``): raise
    ``FloatingPointError`` at the first primitive whose output holds a NaN, naming it and the
    pass (forward or backward); a jitted function whose output holds a NaN is run again
    without ``jit`` to find that primitive. Checking costs time only while it is on.

    ``disable_jit`` (env ``FUNCAD_DISABLE_JIT=1``): ``jit(f)(x)`` runs ``f`` eagerly
    (``funcad.disable_jit()`` is the context manager). ``log_compiles`` (env
    ``FUNCAD_LOG_COMPILES=1``): log every jit compilation and its time as a WARNING on the
    ``funcad`` logger. ``traceback_filtering`` (env ``FUNCAD_TRACEBACK_FILTERING``): ``"auto"``
    (the default) removes funcad's frames from the tracebacks of errors raised inside
    transformations and points NumPy's warnings at the user's line; ``"off"`` keeps
    everything (``funcad.traceback_util``). ``update(name, value)`` sets any of them, also by
    JAX's names (``config.update("jax_disable_jit", True)``)."""

    def __init__(self) -> None:
        self.log_retraces = _env_flag("FUNCAD_LOG_RETRACES")
        self._debug_nans = False
        self.disable_jit = _env_flag("FUNCAD_DISABLE_JIT")
        self.log_compiles = _env_flag("FUNCAD_LOG_COMPILES")

    @property
    def traceback_filtering(self) -> str:
        return filtering()

    @traceback_filtering.setter
    def traceback_filtering(self, mode: str) -> None:
        set_filtering(mode)

    _NAMES = ("log_retraces", "debug_nans", "disable_jit", "log_compiles",
              "traceback_filtering")

    def update(self, name: str, value: Any) -> None:
        """``config.update("disable_jit", True)``; JAX's ``jax_`` prefix is accepted."""
        option = name
        for prefix in ("jax_", "funcad_"):
            option = option[len(prefix):] if option.startswith(prefix) else option
        if option not in self._NAMES:
            raise AttributeError(
                f"funcad.config has no option {name!r}; the options are "
                f"{', '.join(self._NAMES)}.")
        setattr(self, option, value)

    @property
    def debug_nans(self) -> bool:
        return self._debug_nans

    @debug_nans.setter
    def debug_nans(self, enabled: bool) -> None:
        enabled = bool(enabled)
        if enabled != self._debug_nans:
            self._debug_nans = enabled
            for primitive in ALL_PRIMITIVES:
                primitive.impl = _plain(primitive.impl)
                if enabled:
                    primitive.impl = _checking_nans(primitive, primitive.impl)


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


ALL_PRIMITIVES: list[Primitive] = []
"""Every primitive made (so that ``debug_nans`` can check all of their outputs)."""

CURRENT_PASS: contextvars.ContextVar[str] = contextvars.ContextVar(
    "funcad_current_pass", default="forward pass")
"""Which pass is computing: the backward pass of reverse mode sets it (for error messages)."""


def contains_nan(value: Any) -> bool:
    dtype = getattr(value, "dtype", None)
    if dtype is None or isinstance(value, Tracer):
        return False
    return dtype.kind in "fc" and bool(np.isnan(value).any())


def _checking_nans(primitive: Primitive, impl: Callable[..., Any]) -> Callable[..., Any]:
    def impl_checking_nans(*args: Any, **params: Any) -> Any:
        out = impl(*args, **params)
        outs = out if primitive.multiple_results else (out,)
        if any(contains_nan(o) for o in outs):
            raise FloatingPointError(
                f"invalid value (nan) encountered in primitive {primitive.name!r} during the "
                f"{CURRENT_PASS.get()} (funcad.config.debug_nans is on).")
        return out

    impl_checking_nans.plain_impl = impl  # type: ignore[attr-defined]  # (a function attribute)
    return impl_checking_nans


def _plain(impl: Callable[..., Any]) -> Callable[..., Any]:
    return getattr(impl, "plain_impl", impl)


# ----------------------------------------------------------------------------------------------
# Primitives and bind.


class Primitive:
    """An operation every transformation knows by name. Its transformation rules live in
    tables keyed by the primitive (``funcad.rules``). The attributes below describe it to the
    IR passes and the code generator, so that neither keeps lists of primitive names:

    ``impl``, ``abstract_eval``
        NumPy implementation; output ``ShapedArray`` from the input ones (same params).
    ``elementwise``
        It broadcasts its operands as NumPy does and computes each output element from the
        operands' elements at that position.
    ``ufunc``
        The NumPy ufunc it computes (so it is elementwise), or None.
    ``expression``
        ``expression(operand_sources, params, in_avals) -> str | None``: a Python expression
        that computes the primitive (``"a * b"``: on NumPy scalars, several times faster than
        a call), or None where there is none. Only for primitives with a ``ufunc``.
    ``output_buffer``
        ``"fresh"``: the output never shares memory with an input; ``"view"`` (the default):
        it may; ``"readonly_view"``: it may, and it may be read-only (``broadcast_to``).
    ``linear_in``
        The positions of the operands in which it is jointly linear, the others being fixed
        (index arrays, a predicate); ``...`` for all of them (variadic primitives); None.
        Zeros in all of them give a zero.
    ``multilinear``
        Linear in each operand separately (``mul``, ``dot_general``): one zero gives a zero.
    ``identity_elements``
        ``{position: value}``: an operand equal to ``value`` at ``position`` makes the
        output the other operand (``x * 1``, ``x + 0``, ``x - 0``).
    ``copies_elements``
        Every output element is a copy (possibly converted) of an input element, so an input
        holding one value repeated gives an output holding it too.
    ``lowering``
        ``lowering(params) -> callable`` for generated code, when calling ``impl`` with the
        params bound is not what it wants (``jit_call`` calls its IR's compiled function).
    ``effectful``
        It has a side effect (printing): the passes never remove it, merge two of them, or
        run it ahead of time.
    """

    __slots__ = ("name", "multiple_results", "impl", "abstract_eval", "elementwise", "ufunc",
                 "expression",
                 "output_buffer", "linear_in", "multilinear", "identity_elements",
                 "copies_elements", "lowering", "effectful")

    def __init__(self, name: str, multiple_results: bool = False):
        self.name = name
        self.multiple_results = multiple_results
        self.impl: Callable[..., Any] = _missing_rule(name, "impl")
        self.abstract_eval: Callable[..., Any] = _missing_rule(name, "abstract_eval")
        self.elementwise = False
        self.ufunc: np.ufunc | None = None
        self.expression: Callable[..., str | None] | None = None
        self.output_buffer = "view"
        self.linear_in: tuple[int, ...] | Any = None
        self.multilinear = False
        self.identity_elements: dict[int, Any] = {}
        self.copies_elements = False
        self.lowering: Callable[[dict], Callable[..., Any]] | None = None
        self.effectful = False
        ALL_PRIMITIVES.append(self)

    def def_impl(self, impl: Callable[..., Any]) -> Callable[..., Any]:
        self.impl = _checking_nans(self, impl) if config.debug_nans else impl
        return impl

    def def_abstract_eval(self, rule: Callable[..., Any]) -> Callable[..., Any]:
        self.abstract_eval = rule
        return rule

    def linear_operands(self, num_operands: int) -> tuple[int, ...]:
        """The positions of the operands it is linear in (``linear_in`` made explicit)."""
        if self.linear_in is Ellipsis:
            return tuple(range(num_operands))
        return tuple(self.linear_in or ())

    def bind(self, *args: Any, **params: Any) -> Any:
        """Apply the primitive under whatever interpreter is current."""
        return CURRENT_TRACE.get().process(self, args, params)

    def __repr__(self) -> str:
        return self.name


def _missing_rule(name: str, rule: str) -> Callable[..., Any]:
    def missing(*args: Any, **params: Any) -> Any:
        raise NotImplementedError(f"primitive {name!r} has no {rule} rule")

    return missing


# ----------------------------------------------------------------------------------------------
# Traces (interpreters) and the current-trace context.


class Trace:
    """An interpreter of primitives. ``parent`` is the trace that was current when this one
    started; a trace computes on its own values by binding with its parent."""

    name = "trace"  # the user-facing transformation name, used in error messages

    def __init__(self, parent: Trace):
        self.parent = parent
        self.alive = True

    def process(self, primitive: Primitive, args: Sequence[Any], params: dict) -> Any:
        raise NotImplementedError

    def finish(self) -> None:
        """Mark the transformation as over: its tracers must not be used again."""
        self.alive = False


class EvalTrace(Trace):
    """No transformation: run the NumPy implementation."""

    name = "eval"

    def process(self, primitive: Primitive, args: Sequence[Any], params: dict) -> Any:
        for arg in args:
            if isinstance(arg, Tracer):
                raise escaped_tracer_error(arg, primitive)
        return primitive.impl(*args, **params)


EVAL_TRACE = EvalTrace(None)  # type: ignore[arg-type]  # (the root: its process reads no parent)
config = Config()
config.debug_nans = _env_flag("FUNCAD_DEBUG_NANS")
CURRENT_TRACE: contextvars.ContextVar[Trace] = contextvars.ContextVar(
    "funcad_current_trace", default=EVAL_TRACE
)
"""The interpreter in charge. ``set_current_trace`` is the readable way to change it; an
interpreter's per-operation path calls ``CURRENT_TRACE.set``/``.reset`` itself (cheaper)."""


def returned_values(leaves: list) -> list:
    """The output leaves a transformation hands back to the user. funcad.numpy, above core,
    sets the conversion (``set_returned_values``): its arrays get ``.at`` and the rest of the
    array API there. Until then, the leaves as they are."""
    return _RETURNED[0](leaves)


def set_returned_values(convert: Callable[[list], list]) -> None:
    _RETURNED[0] = convert


_RETURNED: list[Callable[[list], list]] = [lambda leaves: leaves]


def current_trace() -> Trace:
    return CURRENT_TRACE.get()


class set_current_trace:
    """Context manager making ``trace`` the current interpreter for the ``with`` block."""

    __slots__ = ("trace", "token")

    def __init__(self, trace: Trace):
        self.trace = trace

    def __enter__(self) -> Trace:
        self.token = CURRENT_TRACE.set(self.trace)
        return self.trace

    def __exit__(self, *exc: Any) -> None:
        CURRENT_TRACE.reset(self.token)


def escaped_tracer_error(tracer: Tracer, primitive: Primitive | None = None) -> Exception:
    trace = tracer._trace
    where = f" by primitive {primitive.name!r}" if primitive is not None else ""
    state = (
        "has already returned"
        if not trace.alive
        else "is not active in this context (for example, another thread)"
    )
    return UnexpectedTracerError(
        f"Encountered a tracer {tracer.aval.str_short()} created by the funcad.{trace.name} "
        f"transformation, which {state}; it was used{where}. This happens when a value being "
        f"transformed escapes the function: stored in a global or an outer variable, or "
        f"returned through a side channel. Return values out of the transformed function "
        f"instead, or call funcad.stop_gradient / use plain NumPy values for data that should "
        f"not be traced."
    )


# ----------------------------------------------------------------------------------------------
# Tracers.


class Tracer:
    """A stand-in for an array inside a transformation. Subclasses define ``aval`` and how
    (or whether) a concrete value may be read. The array API (operators, ``.sum()``,
    ``x[i]``, NumPy dispatch) is installed by funcad.numpy, which is built on the primitives."""

    __slots__ = ("_trace",)
    __array_priority__ = 1000
    _trace: Trace

    @property
    def aval(self) -> ShapedArray:
        raise NotImplementedError

    @property
    def shape(self) -> tuple[int, ...]:
        return self.aval.shape

    @property
    def dtype(self) -> np.dtype:
        return self.aval.dtype

    @property
    def ndim(self) -> int:
        return len(self.aval.shape)

    @property
    def size(self) -> int:
        return self.aval.size

    def __len__(self) -> int:
        shape = self.aval.shape
        if not shape:
            raise TypeError("len() of unsized object (a traced array of shape ())")
        return shape[0]

    def __iter__(self) -> Iterator[Any]:
        shape = self.aval.shape
        if not shape:
            raise TypeError("iteration over a 0-d traced array")
        return (self[i] for i in range(shape[0]))  # type: ignore[index]  # (indexing: installed by funcad.numpy)

    def concrete_value(self, operation: str) -> Any:
        """The concrete value for a Python conversion (``bool(x)``, ``int(x)``...), or an
        error saying why there is none."""
        if not self._trace.alive:
            raise escaped_tracer_error(self)
        raise ConcretizationTypeError(operation, self.aval.str_short())

    def __bool__(self) -> bool:
        return bool(self.concrete_value("bool()"))

    def __int__(self) -> int:
        return int(self.concrete_value("int()"))

    def __index__(self) -> int:
        return np.asarray(self.concrete_value("an index conversion (__index__)")).__index__()

    def __float__(self) -> float:
        return float(self.concrete_value("float()"))

    def __complex__(self) -> complex:
        return complex(self.concrete_value("complex()"))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.concrete_value("numpy.asarray() (__array__)"), dtype=dtype)

    def __setitem__(self, index: Any, value: Any) -> None:
        raise TypeError(
            "funcad arrays are immutable: x[index] = value is not supported on a traced array. "
            "Use the functional form x = x.at[index].set(value) (also .add, .multiply)."
        )

    def __hash__(self) -> int:
        raise TypeError("unhashable type: a funcad tracer (arrays are not hashable)")

    def __repr__(self) -> str:
        return f"{type(self).__name__}<{self.aval.str_short()}, {self._trace.name}>"


# ----------------------------------------------------------------------------------------------
# The IR.

_var_ids = itertools.count()


class Var:
    """A typed variable of the IR. Names (a, b, c, ...) are given when printing."""

    __slots__ = ("aval", "id")

    def __init__(self, aval: ShapedArray):
        self.aval = aval
        self.id = next(_var_ids)

    def __repr__(self) -> str:
        return f"Var({self.id}:{self.aval.str_short()})"


@final  # (so that ``type(atom) is Literal`` tells a type checker the other case is a Var)
class Literal:
    """A scalar constant written inline in the IR."""

    __slots__ = ("value", "aval")

    def __init__(self, value: Any, aval: ShapedArray):
        self.value = value
        self.aval = aval

    def __repr__(self) -> str:
        return f"Literal({self.value!r})"


class Eqn:
    """One equation: ``outvars = primitive[params] invars``."""

    __slots__ = ("primitive", "invars", "outvars", "params")

    def __init__(self, primitive: Primitive, invars: list, outvars: list[Var], params: dict):
        self.primitive = primitive
        self.invars = invars
        self.outvars = outvars
        self.params = params


class Jaxpr:
    """A closed-over-nothing program: inputs, constants, equations and outputs."""

    __slots__ = ("constvars", "invars", "outvars", "eqns")

    def __init__(self, constvars: list[Var], invars: list[Var], outvars: list, eqns: list[Eqn]):
        self.constvars = constvars
        self.invars = invars
        self.outvars = outvars
        self.eqns = eqns

    @property
    def in_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.invars]

    @property
    def out_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.outvars]

    def __str__(self) -> str:
        return pp_jaxpr(self)

    __repr__ = __str__


class ClosedJaxpr:
    """A Jaxpr together with the values of its constants."""

    __slots__ = ("jaxpr", "consts", "__weakref__")

    def __init__(self, jaxpr: Jaxpr, consts: list[Any]):
        self.jaxpr = jaxpr
        self.consts = consts

    @property
    def eqns(self) -> list[Eqn]:
        return self.jaxpr.eqns

    @property
    def in_avals(self) -> list[ShapedArray]:
        return self.jaxpr.in_avals

    @property
    def out_avals(self) -> list[ShapedArray]:
        return self.jaxpr.out_avals

    def __call__(self, *args: Any) -> list[Any]:
        return eval_jaxpr(self.jaxpr, self.consts, *args)

    def __str__(self) -> str:
        return pp_jaxpr(self.jaxpr)

    __repr__ = __str__


def lift_tracer_consts(closed: ClosedJaxpr) -> tuple[ClosedJaxpr, list[Any]]:
    """Constants that are tracers of enclosing transformations become leading inputs, so that
    a staged call of the IR passes them as operands, where those transformations see them.
    Returns the new IR and the lifted tracers (its first inputs)."""
    jaxpr = closed.jaxpr
    lifted_vars, lifted_values, kept_vars, kept_values = [], [], [], []
    for var, value in zip(jaxpr.constvars, closed.consts):
        if isinstance(value, Tracer):
            lifted_vars.append(var)
            lifted_values.append(value)
        else:
            kept_vars.append(var)
            kept_values.append(value)
    if not lifted_vars:
        return closed, []
    new = Jaxpr(kept_vars, lifted_vars + list(jaxpr.invars), list(jaxpr.outvars),
                list(jaxpr.eqns))
    return ClosedJaxpr(new, kept_values), lifted_values


def eval_jaxpr(jaxpr: Jaxpr | ClosedJaxpr, consts: Sequence[Any], *args: Any) -> list[Any]:
    """Evaluate ``jaxpr`` at new inputs, binding each equation under the current trace (so an
    outer ``grad`` or ``make_jaxpr`` sees every operation). Returns the list of outputs."""
    if isinstance(jaxpr, ClosedJaxpr):
        jaxpr = jaxpr.jaxpr
    if len(consts) != len(jaxpr.constvars):
        raise ValueError(
            f"eval_jaxpr: the jaxpr has {len(jaxpr.constvars)} constants but "
            f"{len(consts)} were given (pass closed_jaxpr.consts)."
        )
    if len(args) != len(jaxpr.invars):
        raise ValueError(
            f"eval_jaxpr: the jaxpr takes {len(jaxpr.invars)} inputs but {len(args)} were given."
        )
    env: dict[Var, Any] = {}
    for var, value in zip(jaxpr.constvars, consts):
        env[var] = value
    for var, value in zip(jaxpr.invars, args):
        env[var] = value

    def read(atom: Var | Literal) -> Any:
        return atom.value if type(atom) is Literal else env[atom]

    for eqn in jaxpr.eqns:
        out = eqn.primitive.bind(*map(read, eqn.invars), **eqn.params)
        if eqn.primitive.multiple_results:
            for var, value in zip(eqn.outvars, out):
                env[var] = value
        else:
            env[eqn.outvars[0]] = out
    return [read(v) for v in jaxpr.outvars]


# ----------------------------------------------------------------------------------------------
# Printing the IR.


def _var_names() -> Iterator[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    for n in itertools.count(1):
        for combo in itertools.product(letters, repeat=n):
            yield "".join(combo)


class _Namer:
    def __init__(self) -> None:
        self.names: dict[Var, str] = {}
        self.fresh = _var_names()

    def __call__(self, atom: Var | Literal) -> str:
        if type(atom) is Literal:
            value = atom.value
            if isinstance(value, (np.generic, np.ndarray)):
                value = value.item()
            return repr(value)
        if atom not in self.names:
            self.names[atom] = next(self.fresh)
        return self.names[atom]

    def typed(self, var: Var) -> str:
        return f"{self(var)}:{var.aval.str_short()}"


def _pp_param(value: Any, indent: int) -> str:
    if isinstance(value, tuple) and value and all(
            isinstance(v, (Jaxpr, ClosedJaxpr)) for v in value):
        return "(" + "".join(_pp_param(v, indent) for v in value) + "\n" + " " * indent + ")"
    if isinstance(value, ClosedJaxpr):
        value = value.jaxpr
    if isinstance(value, Jaxpr):
        inner = pp_jaxpr(value, indent + 2)
        return "\n" + inner
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, type) and issubclass(value, np.generic):
        return np.dtype(value).name
    return repr(value)


def pp_jaxpr(jaxpr: Jaxpr, indent: int = 0) -> str:
    """A readable listing: ``{ lambda consts ; inputs. let eqns in (outputs,) }``."""
    name = _Namer()
    pad = " " * indent
    consts = " ".join(name.typed(v) for v in jaxpr.constvars)
    invars = " ".join(name.typed(v) for v in jaxpr.invars)
    lines = [f"{pad}{{ lambda {consts}; {invars}. let"]
    for eqn in jaxpr.eqns:
        params = ""
        if eqn.params:
            params = "[" + " ".join(
                f"{k}={_pp_param(v, indent + 4)}" for k, v in sorted(eqn.params.items())
            ) + "]"
        outs = " ".join(name.typed(v) for v in eqn.outvars)
        ins = " ".join(name(v) for v in eqn.invars)
        lines.append(f"{pad}    {outs} = {eqn.primitive.name}{params} {ins}")
    outs = ", ".join(name(v) for v in jaxpr.outvars)
    trailing = "," if len(jaxpr.outvars) == 1 else ""
    lines.append(f"{pad}  in ({outs}{trailing}) }}")
    return "\n".join(lines)


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of an array, tracer or scalar (without NumPy's dispatch machinery)."""
    shape = getattr(x, "shape", None)
    return shape if shape is not None else np.shape(x)


def dtype_of(x: Any) -> np.dtype:
    """The dtype of an array, tracer or scalar (Python scalars: NumPy's default dtype)."""
    dtype = getattr(x, "dtype", None)
    return dtype if dtype is not None else get_aval(x).dtype
