"""``jit``: trace once per input signature, optimise the IR, replay compiled Python.

The first call with a new signature (pytree structure, shapes and dtypes of the array
arguments, values of the static arguments) traces the function to an IR with
``make_jaxpr``'s machinery, optimises it (``funcad.passes``), and compiles it
to straight-line Python (``funcad.codegen``). Later calls with that signature go straight to
the compiled function.

Called on tracers of an enclosing transformation (``grad(jit(f))``, ``vmap(jit(f))``), the
jitted function binds the ``jit_call`` primitive, whose params carry the IR: ``make_jaxpr``
shows it as one staged call, and the other interpreters differentiate or batch it by
interpreting its IR (``eval_jaxpr``) under themselves.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import gc
import inspect
import logging
import time
from typing import Any, Callable, Generic, Iterator, ParamSpec, Sequence, TypeVar, overload

import numpy as np

from funcad import tree_util
from funcad.ad import vjp
from funcad.batching import vmap
from funcad.codegen import Compiled, compiled_for
from funcad.core import (
    EVAL_TRACE,
    ClosedJaxpr,
    Primitive,
    ShapedArray,
    Tracer,
    config,
    contains_nan,
    eval_jaxpr,
    get_aval,
    lift_tracer_consts,
    returned_values,
    set_current_trace,
)
from funcad.jvp import instantiate_tangent, jvp
from funcad.passes import optimize
from funcad.rules import batching_rules, defjvp_all, defvjp_all, float0
from funcad.traceback_util import api_boundary
from funcad.tracing import trace_to_jaxpr

__all__ = [
    "jit_call_p", "Lowered", "Jitted", "jit", "disable_jit", "SLOW_COMPILE_SECONDS",
]

P = ParamSpec("P")  # (a jitted function keeps the parameters and result type of the original)
R = TypeVar("R")


logger = logging.getLogger("funcad.jit")

SLOW_COMPILE_SECONDS = 1.0
"""A compilation that takes longer logs a WARNING even with ``config.log_compiles`` off."""



# ----------------------------------------------------------------------------------------------
# The staged-call primitive.

jit_call_p = Primitive("jit_call", multiple_results=True)
jit_call_p.output_buffer = "fresh"  # (compiled code returns arrays of its own: see codegen)
# The IRs only ever run by ``eval_jaxpr`` (not held by a jitted function's cache entry or by
# an enclosing IR's generated code) keep their compiled code while they are among the few most
# recently run.
_recently_run: collections.OrderedDict[int, Compiled] = collections.OrderedDict()
_RECENTLY_RUN_SIZE = 32


@jit_call_p.def_impl
def _jit_call_impl(*args: Any, jaxpr: ClosedJaxpr, name: str) -> list[Any]:
    compiled = compiled_for(jaxpr, name)
    _recently_run[id(jaxpr)] = compiled
    _recently_run.move_to_end(id(jaxpr))
    if len(_recently_run) > _RECENTLY_RUN_SIZE:
        _recently_run.popitem(last=False)
    outs = compiled(*args)
    if config.debug_nans and any(contains_nan(o) for o in outs):
        with set_current_trace(EVAL_TRACE):  # (primitive by primitive, to find the NaN)
            eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *args)
    return outs


# Generated code calls a nested IR's compiled function directly (and so keeps it alive).
jit_call_p.lowering = lambda params: compiled_for(params["jaxpr"], params["name"])


jit_call_p.def_abstract_eval(lambda *avals, jaxpr, name: list(jaxpr.out_avals))


def _inline(jaxpr: ClosedJaxpr) -> Callable[..., list[Any]]:
    return lambda *args: eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *args)


def _jit_call_vjp(cotangents, ans, args, params, wanted):
    _, f_vjp = vjp(_inline(params["jaxpr"]), *args)
    return list(f_vjp(list(cotangents)))


def _jit_call_jvp(tangents, ans, args, params):
    tangents = [instantiate_tangent(t, a) for t, a in zip(tangents, args)]
    return jvp(_inline(params["jaxpr"]), tuple(args), tuple(tangents))[1]


def _jit_call_batch(values, batch_axes, *, jaxpr, name):
    outs = vmap(_inline(jaxpr), in_axes=tuple(batch_axes))(*values)
    return outs, [0] * len(outs)


# (jit_call's rules interpret its IR with the transformations themselves, so they live here,
# above the interpreters, rather than with the first-order primitives.)
defvjp_all(jit_call_p, _jit_call_vjp)
defjvp_all(jit_call_p, _jit_call_jvp)
batching_rules[jit_call_p] = _jit_call_batch

# ----------------------------------------------------------------------------------------------
# The jit wrapper.


def _leaf_signature(leaf: Any) -> tuple:
    """(shape, dtype, weak_type); a TypeError for a leaf that is not an array or scalar
    (arrays of non-numeric dtypes are refused when traced: their signature is new)."""
    if isinstance(leaf, np.ndarray):  # (funcad's Array too)
        return (leaf.shape, leaf.dtype, False)
    if isinstance(leaf, Tracer):
        aval = leaf.aval
    elif isinstance(leaf, (np.ndarray, np.generic, bool, int, float, complex)):
        aval = get_aval(leaf)
    else:
        raise TypeError(f"an object of type {type(leaf).__name__}")
    return (aval.shape, aval.dtype, aval.weak_type)


class _Entry:
    __slots__ = ("closed", "compiled", "out_tree", "lifted")

    def __init__(self, closed, compiled, out_tree, lifted):
        self.closed = closed  # (optimised)
        self.compiled = compiled
        self.out_tree = out_tree
        self.lifted = lifted  # tracers of outer transformations the IR closed over


_PYTHON_SCALARS = (bool, int, float, complex)


class Lowered:
    """What ``jit(f).lower(*args)`` returns: the IR as traced, the optimised IR, the
    generated Python source and the compiled function (``compiled(*flat_args)`` returns the
    list of output leaves)."""

    def __init__(self, traced: ClosedJaxpr, optimized: ClosedJaxpr, source: str,
                 compiled: Compiled | None = None):
        self.traced = traced
        self.jaxpr = optimized
        self.source = source
        self.compiled = compiled

    def as_text(self) -> str:
        return f"{self.jaxpr}\n\n{self.source}"

    def __repr__(self) -> str:
        return self.as_text()


class Jitted(Generic[P, R]):
    """A function compiled per input signature. Call it like the original."""

    def __init__(self, fun: Callable[P, R], static_argnums: Sequence[int],
                 static_argnames: Sequence[str]):
        self.fun = fun
        self.static_argnums, self.static_argnames, self._num_params = _infer_static(
            fun, tuple(static_argnums), tuple(static_argnames))
        self._cache: dict[Any, _Entry] = {}
        self._last_key: Any = None
        self.trace_count = 0
        functools.update_wrapper(self, fun)

    # -- signatures --------------------------------------------------------------------------

    def _split(self, args: tuple, kwargs: dict) -> tuple[tuple, list, set, dict]:
        n = len(args)
        static_nums = set()
        for i in self.static_argnums:
            if -n <= i < n:
                static_nums.add(i % n)
            elif self._num_params is None:  # (else passed by keyword, or left at its default)
                raise ValueError(
                    f"jit: static_argnums {self.static_argnums} names argument {i}, but the "
                    f"function was called with {n} positional arguments.")
        # A static value's type is part of the key: 1 == 1.0 == True, but x * n differs.
        static = []
        for i in sorted(static_nums):
            static.append(("arg", i, type(args[i]), args[i]))
        for name in self.static_argnames:
            if name in kwargs:
                static.append(("kwarg", name, type(kwargs[name]), kwargs[name]))
        dynamic_args = [a for i, a in enumerate(args) if i not in static_nums]
        dynamic_kwargs = {k: v for k, v in kwargs.items() if k not in self.static_argnames}
        for kind, where, _, value in static:
            try:
                hash(value)
            except TypeError:
                raise TypeError(
                    f"jit: static argument {where!r} has an unhashable value of type "
                    f"{type(value).__name__}; static arguments are cache keys and must be "
                    f"hashable (use a tuple instead of a list, or pass arrays as dynamic "
                    f"arguments).") from None
        return tuple(static), dynamic_args, static_nums, dynamic_kwargs

    def _signature(self, args: tuple, kwargs: dict):
        if not kwargs and not self.static_argnums:  # the common case, kept cheap
            flat, in_tree = tree_util.tree_flatten(args)
            try:
                avals = tuple(map(_leaf_signature, flat))
            except TypeError:
                raise self._bad_argument(args, kwargs, frozenset(), flat) from None
            # (None: f((x,), {"k": y}) has the tree that f(x, k=y) has below)
            return (in_tree, avals, None), flat, in_tree, frozenset()
        static, dynamic_args, static_nums, dynamic_kwargs = self._split(args, kwargs)
        flat, in_tree = tree_util.tree_flatten((tuple(dynamic_args), dynamic_kwargs))
        try:
            avals = tuple(map(_leaf_signature, flat))
        except TypeError:
            raise self._bad_argument(args, kwargs, static_nums, flat) from None
        key = (in_tree, avals, static)
        return key, flat, in_tree, static_nums

    def _bad_argument(self, args, kwargs, static_nums, flat) -> TypeError:
        """The error for the first leaf that is not a numeric array or scalar, naming its
        argument."""
        labels = [tree_util.tree_map(lambda _, i=i: f"argument {i}", a)
                  for i, a in enumerate(args) if i not in static_nums]
        kw_labels = {k: tree_util.tree_map(lambda _, k=k: f"keyword argument {k!r}", v)
                     for k, v in kwargs.items() if k not in self.static_argnames}
        labels = tree_util.tree_leaves((tuple(labels), kw_labels))
        for label, leaf in zip(labels, flat):
            try:
                dtype = _leaf_signature(leaf)[1]
                if dtype.kind in "biufc" or dtype == float0:
                    continue
                what = f"an array of dtype {np.result_type(leaf)}"
            except TypeError as err:
                what = str(err)
            text = repr(leaf)
            text = text if len(text) <= 60 else text[:57] + "..."
            return TypeError(
                f"jit: {label} of {getattr(self.fun, '__name__', 'the function')} is or "
                f"contains {what} ({text}), which is not a numeric array. Arguments of a "
                f"jitted function must be arrays or scalars (or pytrees of them); mark Python "
                f"values such as strings, flags or objects as static with static_argnums "
                f"(positional) or static_argnames (keyword).")
        return TypeError("jit: an argument is not a numeric array or scalar")

    # -- tracing -------------------------------------------------------------------------------

    def _trace(self, key, flat, in_tree, static_nums, args, kwargs
               ) -> tuple[_Entry, ClosedJaxpr]:
        """Trace, optimise and compile: the cache entry, and the IR as traced."""
        # The collector would walk the growing IR again and again (half the time of tracing
        # and compiling a 100,000-equation program): it runs once, when we are done.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._trace_uncollected(key, flat, in_tree, static_nums, args, kwargs)
        finally:
            if gc_was_enabled:
                gc.enable()

    def _trace_uncollected(self, key, flat, in_tree, static_nums, args, kwargs
                           ) -> tuple[_Entry, ClosedJaxpr]:
        if any(a[1].kind not in "biufc" and a[1] != float0 for a in key[1]):
            raise self._bad_argument(args, kwargs, static_nums, flat)
        self.trace_count += 1
        if config.log_retraces:
            logger.warning("funcad.jit: tracing %s (%s)", getattr(self.fun, "__name__", "fun"),
                           _explain(self._last_key, key))
        start = time.perf_counter()
        closed, out_tree = self._trace_ir(flat, in_tree, static_nums, args, kwargs)
        closed, lifted = lift_tracer_consts(closed)
        optimized = optimize(closed)
        compiled = compiled_for(optimized, getattr(self.fun, "__name__", "jitted"))
        _log_compile(getattr(self.fun, "__name__", "fun"), time.perf_counter() - start,
                     len(closed.jaxpr.eqns), len(optimized.jaxpr.eqns))
        return _Entry(optimized, compiled, out_tree, lifted), closed

    def _trace_ir(self, flat, in_tree, static_nums, args, kwargs) -> tuple[ClosedJaxpr, Any]:
        """The IR of the function at the signature of ``flat`` (and its output tree)."""
        in_avals = []
        for leaf in flat:
            aval = leaf.aval if isinstance(leaf, Tracer) else get_aval(leaf)
            in_avals.append(ShapedArray(aval.shape, aval.dtype, aval.weak_type))
        out_tree_box: list[Any] = []

        def flat_fun(*tracers: Any) -> list[Any]:
            unflat = tree_util.tree_unflatten(in_tree, list(tracers))
            if not kwargs and not self.static_argnums:
                dyn_args, dyn_kwargs = unflat, {}
            else:
                dyn_args, dyn_kwargs = unflat
            it = iter(dyn_args)
            full = [args[i] if i in static_nums else next(it) for i in range(len(args))]
            all_kwargs = dict(kwargs)
            all_kwargs.update(dyn_kwargs)
            out = self.fun(*full, **all_kwargs)
            out_flat, out_tree = tree_util.tree_flatten(out)
            out_tree_box.append(out_tree)
            return out_flat

        closed, _ = trace_to_jaxpr(flat_fun, in_avals)
        return closed, out_tree_box[0]

    # -- calling -------------------------------------------------------------------------------

    def _entry(self, args: tuple, kwargs: dict) -> tuple[_Entry, list, ClosedJaxpr | None]:
        """The cache entry, the flat arguments, and the IR as traced if traced now."""
        key, flat, in_tree, static_nums = self._signature(args, kwargs)
        entry = self._cache.get(key)
        traced = None
        if entry is None:
            entry, traced = self._trace(key, flat, in_tree, static_nums, args, kwargs)
            if not entry.lifted:  # an IR closing over outer tracers is valid for this call only
                self._cache[key] = entry
            self._last_key = key
        return entry, flat, traced

    @api_boundary
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if config.disable_jit:
            return self.fun(*args, **kwargs)
        entry, flat, _ = self._entry(args, kwargs)
        inputs = entry.lifted + flat
        if any(isinstance(x, Tracer) for x in inputs):
            outs = jit_call_p.bind(*inputs, jaxpr=entry.closed,
                                   name=getattr(self.fun, "__name__", "jitted"))
        else:
            outs = entry.compiled(*inputs)
            for i, out in enumerate(outs):
                if type(out) in _PYTHON_SCALARS:  # arithmetic on weak Python scalar inputs
                    outs[i] = np.asarray(out, entry.closed.out_avals[i].dtype)[()]
            if config.debug_nans and any(contains_nan(o) for o in outs):
                self._find_nan(args, kwargs)
            outs = returned_values(outs)
        return tree_util.tree_unflatten(entry.out_tree, outs)

    def _find_nan(self, args: tuple, kwargs: dict) -> None:
        """An output holds a NaN: run the function again without jit, so that the primitive
        that made it raises (as JAX's debug_nans does)."""
        self.fun(*args, **kwargs)
        raise FloatingPointError(
            f"invalid value (nan) in the output of the jitted function "
            f"{getattr(self.fun, '__name__', 'fun')}, which the run without jit did not "
            f"reproduce (funcad.config.debug_nans is on).")

    def lower(self, *args: P.args, **kwargs: P.kwargs) -> Lowered:
        """Trace (without running; cached as a call would be) and return the IR as traced,
        the optimised IR, the generated source and the compiled function."""
        entry, _, traced = self._entry(args, kwargs)
        if traced is None:  # (cached by a call: entries do not keep the IR as traced)
            _, flat, in_tree, static_nums = self._signature(args, kwargs)
            traced = lift_tracer_consts(
                self._trace_ir(flat, in_tree, static_nums, args, kwargs)[0])[0]
        return Lowered(traced, entry.closed, entry.compiled.source, entry.compiled)

    def clear_cache(self) -> None:
        self._cache.clear()

    def _cache_size(self) -> int:
        return len(self._cache)


def _infer_static(fun: Callable[..., Any], argnums: tuple, argnames: tuple
                  ) -> tuple[tuple, tuple, int | None]:
    """As in JAX, a static parameter is static however it is passed: complete static_argnums
    and static_argnames from each other by the signature, and check the numbers against it.
    Returns (argnums, argnames, number of positional parameters, or None if not fixed)."""
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        return argnums, argnames, None
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return argnums, argnames, None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    n = len(positional)
    nums, names = [], list(argnames)
    for i in argnums:
        if not -n <= i < n:
            raise ValueError(
                f"jit: static_argnums {argnums} names argument {i}, but "
                f"{getattr(fun, '__name__', 'the function')} takes {n} positional "
                f"argument{'s' if n != 1 else ''}.")
        nums.append(i % n)
        if positional[i].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and \
                positional[i].name not in names:
            names.append(positional[i].name)
    for k, p in enumerate(positional):
        if p.name in argnames and p.kind is p.POSITIONAL_OR_KEYWORD and k not in nums:
            nums.append(k)
    return tuple(nums), tuple(names), n


def _log_compile(name: str, seconds: float, traced_eqns: int, optimized_eqns: int) -> None:
    """One WARNING line per compilation with ``config.log_compiles`` on, and for a slow one
    (over ``SLOW_COMPILE_SECONDS``) whether it is on or not."""
    slow = seconds > SLOW_COMPILE_SECONDS
    if config.log_compiles or slow:
        logger.warning("funcad.jit: compiled %s in %.4f s: %d equations traced, %d after "
                       "optimisation%s", name, seconds, traced_eqns, optimized_eqns,
                       f" (slow: over {SLOW_COMPILE_SECONDS:g} s)" if slow else "")


@contextlib.contextmanager
def disable_jit(disable: bool = True) -> Iterator[None]:
    """Within ``with funcad.disable_jit():``, jitted functions run their Python eagerly, as
    in JAX: prints run on every call, ``if x > 0`` sees values, a debugger can step in."""
    previous = config.disable_jit
    config.disable_jit = bool(disable)
    try:
        yield
    finally:
        config.disable_jit = previous


def _explain(old: Any, new: Any) -> str:
    if old is None:
        return "first call"
    old_tree, old_avals, old_static = old
    new_tree, new_avals, new_static = new
    if old_tree != new_tree:
        return f"argument structure changed: {old_tree} -> {new_tree}"
    for i, (a, b) in enumerate(zip(old_avals, new_avals)):
        if a != b:
            what = "shape" if a[0] != b[0] else "dtype" if a[1] != b[1] else "weak type"
            return (f"argument leaf {i}: {what} changed from "
                    f"{ShapedArray(*a).str_short()} to {ShapedArray(*b).str_short()}")
    if old_static != new_static:
        old_values = {where: (kind, value) for _, where, kind, value in old_static or ()}
        new_values = {where: (kind, value) for _, where, kind, value in new_static or ()}

        def show(v: Any) -> str:
            return "not passed" if v is None else f"{v[1]!r} ({v[0].__name__})"

        for where in {**old_values, **new_values}:
            a, b = old_values.get(where), new_values.get(where)
            if a != b:
                return f"static argument {where!r} changed: {show(a)} -> {show(b)}"
    return "new signature"


@overload
def jit(fun: Callable[P, R], *, static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = ()) -> Jitted[P, R]: ...


@overload
def jit(fun: None = None, *, static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = ()) -> Callable[[Callable[P, R]], Jitted[P, R]]:
    ...


def jit(fun: Callable[P, R] | None = None, *, static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = ()) -> Any:
    """Compile ``fun`` per input signature (usable as ``@jit`` or
    ``@jit(static_argnums=...)``)."""
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    if isinstance(static_argnames, str):
        static_argnames = (static_argnames,)
    if fun is None:
        return lambda f: jit(f, static_argnums=static_argnums, static_argnames=static_argnames)
    if not callable(fun):
        raise TypeError(f"jit expects a callable, got {fun!r}")
    return Jitted(fun, static_argnums, static_argnames)
