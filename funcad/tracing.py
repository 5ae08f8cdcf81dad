"""Abstract tracing: turn a Python function into the IR (``make_jaxpr``).

The ``JaxprTrace`` runs the user's function on tracers that carry only a shape and dtype.
Each primitive applied to them appends one equation to a growing list; at the end the
inputs, the constants met on the way and the outputs close it into a ``ClosedJaxpr``.
Since no values exist, Python control flow on traced values is an error here (see
``Tracer.concrete_value``).
"""

from __future__ import annotations

import typing
import warnings
import weakref
from typing import Any, Callable, ParamSpec, Sequence, overload

import numpy as np

from funcad import tree_util
from funcad.core import (
    ClosedJaxpr,
    Eqn,
    Jaxpr,
    Literal,
    Primitive,
    ShapedArray,
    Trace,
    Tracer,
    Var,
    current_trace,
    escaped_tracer_error,
    get_aval,
    set_current_trace,
)
from funcad.errors import raise_if_assignment
from funcad.traceback_util import api_boundary

__all__ = [
    "ShapeDtypeStruct", "JaxprTracer", "JaxprTrace", "trace_to_jaxpr", "make_jaxpr",
    "eval_shape",
]

P = ParamSpec("P")  # (make_jaxpr's result takes the traced function's parameters)

# The types of Python scalars: weak, as in NumPy (NEP 50), so ``f32 * 2.0`` stays f32.
_PYTHON_SCALAR_AVALS = {kind: get_aval(kind()) for kind in (bool, int, float, complex)}


class ShapeDtypeStruct:
    """A stand-in argument that has only a shape and a dtype (for ``make_jaxpr`` and
    ``eval_shape``, which also returns them). ``weak_type`` marks the type of a Python
    scalar, which takes its dtype from the other operand."""

    __slots__ = ("shape", "dtype", "weak_type")

    def __init__(self, shape: Sequence[int], dtype: Any, *, weak_type: bool = False):
        self.shape = tuple(int(n) for n in shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = bool(weak_type)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ShapeDtypeStruct) and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.weak_type))

    def __repr__(self) -> str:
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name}{weak})"


class JaxprTracer(Tracer):
    __slots__ = ("var",)

    def __init__(self, trace: JaxprTrace, var: Var):
        self._trace = trace
        self.var = var

    @property
    def aval(self) -> ShapedArray:
        return self.var.aval


class JaxprTrace(Trace):
    """Records every primitive applied to its tracers as an equation.

    Staging a long program (``jit(grad(f))`` of a 100,000-step loop) runs this once per
    operation, so it keeps the per-operation work small: the output type of each distinct
    (primitive, input types, params) is worked out once (``abstract_eval`` is a function of
    those alone), and a Python number becomes one literal, shared by the equations that
    read it."""

    name = "make_jaxpr"

    def __init__(self, parent: Trace, fold_constants: bool = False):
        super().__init__(parent)
        self.fold_constants = fold_constants
        self.eqns: list[Eqn] = []
        self.constvars: list[Var] = []
        self.consts: list[Any] = []
        self._const_var_by_id: dict[int, Var] = {}
        # (primitive, ids of the input avals, params) -> (output aval(s), the input avals)
        self._out_avals: dict[tuple, tuple] = {}
        self._avals: dict[ShapedArray, ShapedArray] = {}  # one object per distinct type
        # One literal per Python number: a loop's constants are in many equations.
        self._literals: dict[tuple, Literal] = {}

    def new_input(self, aval: ShapedArray) -> JaxprTracer:
        return JaxprTracer(self, Var(aval))

    def to_atom(self, value: Any) -> Var | Literal:
        """The IR atom for an operand: our tracer's variable, an inline literal for scalars,
        or a constant variable for arrays and tracers of outer transformations."""
        if isinstance(value, JaxprTracer) and value._trace is self:
            return value.var
        kind = type(value)
        aval = _PYTHON_SCALAR_AVALS.get(kind)
        if aval is not None:
            if kind is complex or not value:  # (0.0 == -0.0, 1 + 0j == 1 - 0j: not shared)
                return Literal(value, aval)
            key = (kind, value)  # (nan is never found again: a literal of its own each time)
            literal = self._literals.get(key)
            if literal is None:
                literal = self._literals[key] = Literal(value, aval)
            return literal
        if isinstance(value, Tracer):
            if not value._trace.alive:
                raise escaped_tracer_error(value)
        elif np.ndim(value) == 0:
            return Literal(value, self._interned(get_aval(value)))
        var = self._const_var_by_id.get(id(value))
        if var is None:
            aval = get_aval(value)
            var = Var(ShapedArray(aval.shape, aval.dtype))
            self._const_var_by_id[id(value)] = var
            self.constvars.append(var)
            self.consts.append(value)
        return var

    def _interned(self, aval: ShapedArray) -> ShapedArray:
        return self._avals.setdefault(aval, aval)

    def process(self, primitive: Primitive, args: Sequence[Any], params: dict) -> Any:
        if self.fold_constants and not any(
            isinstance(arg, JaxprTracer) and arg._trace is self for arg in args
        ):
            return self.parent.process(primitive, args, params)  # computed now, not staged
        invars = []
        for arg in args:
            invars.append(arg.var if type(arg) is JaxprTracer and arg._trace is self
                          else self.to_atom(arg))
        # (primitive, ids of the input avals, params)
        if len(invars) == 2:
            key: tuple = (primitive, id(invars[0].aval), id(invars[1].aval))
        elif len(invars) == 1:
            key = (primitive, id(invars[0].aval))
        else:
            key = (primitive, *[id(atom.aval) for atom in invars])
        if params:
            key += tuple([(name, type(value), value) for name, value in params.items()])
        try:
            out_aval = self._out_avals[key][0]
        except KeyError:
            out_aval = self._abstract_eval(primitive, invars, params, key)
        except TypeError:  # (an unhashable param)
            out_aval = primitive.abstract_eval(*[a.aval for a in invars], **params)
        if primitive.multiple_results:
            outs = [JaxprTracer(self, Var(aval)) for aval in out_aval]
            self.eqns.append(Eqn(primitive, invars, [t.var for t in outs], params))
            return outs
        out = JaxprTracer(self, Var(out_aval))
        self.eqns.append(Eqn(primitive, invars, [out.var], params))
        return out

    def _abstract_eval(self, primitive: Primitive, invars: list, params: dict,
                       key: tuple) -> Any:
        """``primitive.abstract_eval``, remembered under ``key``: it is a function of the
        input types and params alone."""
        in_avals = [a.aval for a in invars]
        out = primitive.abstract_eval(*in_avals, **params)
        if primitive.multiple_results:
            out = [self._interned(aval) for aval in out]
        else:
            out = self._interned(out)
        self._out_avals[key] = (out, in_avals)  # (holding the avals: their ids stay theirs)
        return out

    def build(self, invars: list[Var], outs: Sequence[Any]) -> ClosedJaxpr:
        outvars = [self.to_atom(out) for out in outs]
        jaxpr = Jaxpr(list(self.constvars), invars, outvars, list(self.eqns))
        return ClosedJaxpr(jaxpr, list(self.consts))


def _input_aval(leaf: Any, position: str) -> ShapedArray:
    if isinstance(leaf, ShapeDtypeStruct):
        return ShapedArray(leaf.shape, leaf.dtype, leaf.weak_type)
    if isinstance(leaf, (list, tuple)):
        leaf = np.asarray(leaf)
    try:
        aval = get_aval(leaf)
    except TypeError as err:
        raise TypeError(f"{position}: {err}") from None
    return aval  # a Python scalar stays weak, as it is in eager NumPy (2.0 * f32 is f32)


def trace_to_jaxpr(
    fun: Callable[..., Any], in_avals: Sequence[ShapedArray]
) -> tuple[ClosedJaxpr, Any]:
    """Trace ``fun`` (taking and returning flat lists) at the given input types.
    Returns the closed IR and the user function's output (flattened by the caller)."""
    trace = JaxprTrace(current_trace())
    in_tracers = [trace.new_input(aval) for aval in in_avals]
    random_state = _global_random_state()
    try:
        with set_current_trace(trace):
            try:
                outs = fun(*in_tracers)
            except ValueError as error:
                raise_if_assignment(error, "jit or make_jaxpr")
                raise
        closed = trace.build([t.var for t in in_tracers], outs)
    finally:
        trace.finish()
    _warn_if_global_random_used(fun, random_state)
    return closed, outs


# A function that draws from NumPy's global generator (np.random.normal, ...) while traced gets
# the draw frozen into the IR as a constant: every call of the compiled function repeats it.
# The trace compares the generator's state before and after (a few microseconds) and warns
# once per function. Nothing of this runs when a compiled function is called.
_WARNED_RANDOM: weakref.WeakSet = weakref.WeakSet()


def _global_random_state() -> tuple:
    state = np.random.get_state(legacy=False)
    return state["state"]["pos"], state["has_gauss"], state["state"]["key"]


def _user_function(fun: Callable[..., Any]) -> Callable[..., Any]:
    """The user's function inside jit's or make_jaxpr's flattening wrapper."""
    for cell in getattr(fun, "__closure__", None) or ():
        value = cell.cell_contents
        inner = getattr(value, "fun", None)
        if callable(inner):
            return inner
        if callable(value) and hasattr(value, "__code__") and value is not fun:
            return value
    return fun


def _warn_if_global_random_used(fun: Callable[..., Any], before: tuple) -> None:
    after = _global_random_state()
    if before[:2] == after[:2] and np.array_equal(before[2], after[2]):
        return
    user = _user_function(fun)
    try:
        if user in _WARNED_RANDOM:
            return
        _WARNED_RANDOM.add(user)
    except TypeError:  # not weak-referenceable: warn every time
        pass
    name = getattr(user, "__qualname__", repr(user))
    warnings.warn(
        f"{name} drew from NumPy's global random generator (numpy.random.*) while being "
        f"traced by jit or make_jaxpr: the values were frozen into the compiled function as "
        f"constants, so every call returns the same draw. Pass a key and use funcad.random "
        f"(e.g. funcad.random.normal(key, shape)) instead.", RuntimeWarning, stacklevel=4)


@overload
def make_jaxpr(
    fun: Callable[P, Any],
    static_argnums: int | Sequence[int] = (),
    return_shape: typing.Literal[False] = False,
) -> Callable[P, ClosedJaxpr]: ...


@overload
def make_jaxpr(
    fun: Callable[P, Any],
    static_argnums: int | Sequence[int],
    return_shape: typing.Literal[True],
) -> Callable[P, tuple[ClosedJaxpr, Any]]: ...


@overload
def make_jaxpr(
    fun: Callable[P, Any],
    static_argnums: int | Sequence[int] = (),
    *,
    return_shape: typing.Literal[True],
) -> Callable[P, tuple[ClosedJaxpr, Any]]: ...


@overload
def make_jaxpr(
    fun: Callable[P, Any],
    static_argnums: int | Sequence[int] = (),
    return_shape: bool = False,
) -> Callable[P, Any]: ...


def make_jaxpr(
    fun: Callable[..., Any],
    static_argnums: int | Sequence[int] = (),
    return_shape: bool = False,
) -> Callable[..., Any]:
    """``make_jaxpr(f)(*args)`` traces ``f`` at the shapes and dtypes of ``args`` and returns
    its IR as a ``ClosedJaxpr`` (print it to read it). Arguments may be arrays, scalars,
    ``ShapeDtypeStruct`` or pytrees of those; ``static_argnums`` are passed through as
    Python values."""
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    static = tuple(static_argnums)

    @api_boundary
    def make_jaxpr_f(*args: Any, **kwargs: Any) -> Any:
        n = len(args)
        for i in static:
            if not -n <= i < n:
                raise ValueError(
                    f"make_jaxpr: static_argnums {static!r} is out of range: the function was "
                    f"called with {n} positional argument{'s' if n != 1 else ''} (valid: "
                    f"{-n} to {n - 1}). Pass the static argument positionally."
                )
        static_set = {i % n for i in static}
        dynamic = [a for i, a in enumerate(args) if i not in static_set]
        flat, in_tree = tree_util.tree_flatten((dynamic, kwargs))  # (keywords traced too)
        in_avals = [_input_aval(leaf, f"make_jaxpr argument leaf {i}") for i, leaf in
                    enumerate(flat)]
        out_tree_box: list[Any] = []

        def flat_fun(*tracers: Any) -> list[Any]:
            dynamic_in, kwargs_in = tree_util.tree_unflatten(in_tree, list(tracers))
            dyn = iter(dynamic_in)
            full = [a if i in static_set else next(dyn) for i, a in enumerate(args)]
            out = fun(*full, **kwargs_in)
            out_flat, out_tree = tree_util.tree_flatten(out)
            out_tree_box.append(out_tree)
            return out_flat

        closed, _ = trace_to_jaxpr(flat_fun, in_avals)
        if return_shape:
            shapes = [ShapeDtypeStruct(a.shape, a.dtype) for a in closed.out_avals]
            return closed, tree_util.tree_unflatten(out_tree_box[0], shapes)
        return closed

    return make_jaxpr_f


@api_boundary
def eval_shape(fun: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The shapes and dtypes of ``fun(*args, **kwargs)`` as a pytree of ``ShapeDtypeStruct``,
    found by tracing, without computing anything. Arguments may be arrays, scalars,
    ``ShapeDtypeStruct`` (or anything with ``.shape`` and ``.dtype``) or pytrees of them."""
    flat, in_tree = tree_util.tree_flatten((args, kwargs))
    in_avals = [_input_aval(_as_struct(leaf), f"eval_shape argument leaf {i}")
                for i, leaf in enumerate(flat)]
    out_tree_box: list[Any] = []

    def flat_fun(*tracers: Any) -> list[Any]:
        call_args, call_kwargs = tree_util.tree_unflatten(in_tree, list(tracers))
        out_flat, out_tree = tree_util.tree_flatten(fun(*call_args, **call_kwargs))
        out_tree_box.append(out_tree)
        return out_flat

    closed, _ = trace_to_jaxpr(flat_fun, in_avals)
    shapes = [ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type)
              for a in closed.out_avals]
    return tree_util.tree_unflatten(out_tree_box[0], shapes)


def _as_struct(leaf: Any) -> Any:
    """Objects with a shape and a dtype (``jax.ShapeDtypeStruct``) as ``ShapeDtypeStruct``."""
    if isinstance(leaf, (ShapeDtypeStruct, Tracer, np.ndarray, np.generic)):
        return leaf
    shape, dtype = getattr(leaf, "shape", None), getattr(leaf, "dtype", None)
    if shape is not None and dtype is not None:
        return ShapeDtypeStruct(shape, dtype)
    return leaf
