"""Vectorising map: ``vmap``.

A ``BatchTracer`` stands for a whole batch of values: one array ``value`` with an extra axis
``batch_axis`` along which the examples lie. For each primitive applied to batch tracers the
``BatchTrace`` calls the primitive's batching rule, which computes the result for every
example at once, with funcad operations bound under the parent trace (no Python loop over
the batch), and says where the batch axis of the result is. A rule may answer ``None`` for
an output that is the same for every example.
"""

from __future__ import annotations

from typing import Any, Callable, ParamSpec, Sequence, cast

import numpy as np

from funcad import tree_util
from funcad.core import (
    CURRENT_TRACE,
    Primitive,
    ShapedArray,
    Trace,
    Tracer,
    current_trace,
    dtype_of,
    escaped_tracer_error,
    returned_values,
    set_current_trace,
    shape_of,
)
from funcad.errors import ConcretizationTypeError, raise_if_assignment
from funcad.primitives.shape import move_batch_axis
from funcad.rules import batching_rules
from funcad.traceback_util import api_boundary

__all__ = [
    "BatchTracer", "BatchTrace", "vmap",
]

P = ParamSpec("P")  # (the parameters of a vectorised function, kept by vmap's result)



class BatchTracer(Tracer):
    __slots__ = ("value", "batch_axis")

    def __init__(self, trace: BatchTrace, value: Any, batch_axis: int):
        self._trace = trace
        self.value = value
        self.batch_axis = batch_axis

    @property
    def aval(self) -> ShapedArray:
        shape = list(shape_of(self.value))
        del shape[self.batch_axis]
        return ShapedArray(tuple(shape), dtype_of(self.value))

    @property
    def shape(self) -> tuple[int, ...]:
        shape = shape_of(self.value)
        return shape[: self.batch_axis] + shape[self.batch_axis + 1:]

    @property
    def dtype(self) -> np.dtype:
        return dtype_of(self.value)

    def concrete_value(self, operation: str) -> Any:
        if not self._trace.alive:
            raise escaped_tracer_error(self)
        raise ConcretizationTypeError(
            operation, self.aval.str_short(),
            " inside vmap (it holds a different value for each example of the batch)")

    def __repr__(self) -> str:
        return (f"BatchTracer<{self.aval.str_short()}, vmap>(batch_axis={self.batch_axis}, "
                f"value={self.value!r})")


class BatchTrace(Trace):
    name = "vmap"

    def __init__(self, parent: Trace, axis_size: int):
        super().__init__(parent)
        self.axis_size = axis_size

    def process(self, primitive: Primitive, args: Sequence[Any], params: dict) -> Any:
        axes: Any = None
        values: Any = args
        arg: Any
        for i, arg in enumerate(args):
            if isinstance(arg, Tracer):
                if arg._trace is self:
                    if axes is None:
                        axes = [None] * len(args)
                        values = list(args)
                    values[i] = arg.value  # type: ignore[attr-defined]  # (arg._trace is self: one of ours)
                    axes[i] = arg.batch_axis  # type: ignore[attr-defined]
                elif not arg._trace.alive:
                    raise escaped_tracer_error(arg, primitive)
        parent = self.parent
        if axes is None:
            return parent.process(primitive, values, params)
        rule = batching_rules.get(primitive)
        if rule is None:
            raise NotImplementedError(
                f"Batching rule for primitive {primitive.name!r} is not implemented yet.")
        token = CURRENT_TRACE.set(parent)  # the rule computes with the parent's values
        try:
            out, out_axis = rule(values, axes, **params)
        finally:
            CURRENT_TRACE.reset(token)
        if primitive.multiple_results:
            return [o if a is None else BatchTracer(self, o, a) for o, a in zip(out, out_axis)]
        return out if out_axis is None else BatchTracer(self, out, out_axis)


# ----------------------------------------------------------------------------------------------
# vmap.


def _normalize_axis(axis: Any, ndim: int, what: str | Callable[[], str]) -> int | None:
    """``axis`` in range(ndim), or an error naming ``what`` (a callable that makes the text,
    so that the key path of a leaf is only worked out when there is an error to report)."""
    if axis is None:
        return None
    if isinstance(axis, (int, np.integer)) and -ndim <= axis < ndim:
        return int(axis) % ndim
    what = what() if callable(what) else what
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"vmap: {what} must be an int or None, got {axis!r}.")
    raise ValueError(f"vmap: {what} is {axis}, out of range for an array of rank {ndim} "
                     f"(valid: {-ndim} to {ndim - 1}).")


def _leaf_paths(tree: Any, root: str) -> list[str]:
    """Readable key paths of the leaves of ``tree`` (``args[1]['w']``), for error messages."""
    return [root + tree_util.keystr(path) for path, _ in tree_util.tree_leaves_with_path(tree)]


def _flat_axes(axes_spec: Any, tree: Any, what: str) -> list[Any]:
    """One axis per leaf of ``tree`` from a prefix tree of axes (fast paths first)."""
    if axes_spec is None or isinstance(axes_spec, (int, np.integer)):
        return [axes_spec] * len(tree_util.tree_leaves(tree))
    if (isinstance(axes_spec, tuple) and isinstance(tree, tuple)
            and len(axes_spec) == len(tree)
            and all(a is None or isinstance(a, (int, np.integer)) for a in axes_spec)):
        flat: list[Any] = []
        for axis, subtree in zip(axes_spec, tree):
            flat.extend([axis] * len(tree_util.tree_leaves(subtree)))
        return flat
    try:
        return tree_util.broadcast_prefix(axes_spec, tree)
    except ValueError as err:
        raise ValueError(
            f"vmap: {what} must be an int, None, or a tree prefix of the "
            f"{'arguments' if what == 'in_axes' else 'outputs'} with ints/None at the leaves; "
            f"{what}={axes_spec!r} does not match: {err}") from None


def vmap(fun: Callable[P, Any], in_axes: Any = 0, out_axes: Any = 0,
         axis_size: int | None = None) -> Callable[P, Any]:
    """Vectorise ``fun`` over an axis of its arguments: ``vmap(f)(xs)`` equals stacking
    ``f(x)`` over the leading axis of ``xs``, computed for the whole batch at once.
    ``in_axes``/``out_axes``: an int, None (not mapped), or a tree prefix of the arguments /
    outputs; negative axes count from the end."""
    if not callable(fun):
        raise TypeError(f"vmap expects a callable as its first argument, got {fun!r}.")
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)

    @api_boundary
    def vmapped(*args: Any, **kwargs: Any) -> Any:
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise ValueError(
                f"vmap: in_axes is a tuple of length {len(in_axes)} but the function was called "
                f"with {len(args)} positional arguments; give one entry per argument.")
        if kwargs:  # (as in JAX: keyword arguments are mapped over their axis 0)
            n, names = len(args), list(kwargs)
            spec = in_axes if isinstance(in_axes, tuple) else (in_axes,) * n
            return vmap(lambda *values: fun(*values[:n], **dict(zip(names, values[n:]))),
                        spec + (0,) * len(names), out_axes, axis_size)(*args, *kwargs.values())
        flat, in_tree = tree_util.tree_flatten(args)
        spec = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
        axes = _flat_axes(spec, args, "in_axes")
        flat = [np.asarray(x) if isinstance(x, (list, tuple)) else x for x in flat]
        size = axis_size
        sizes = []
        normalized = []
        for i, (x, axis) in enumerate(zip(flat, axes)):
            shape = tuple(shape_of(x))
            if axis is not None and not shape:
                raise ValueError(
                    f"vmap: in_axes specifies axis {axis} for {_leaf_paths(args, 'args')[i]}, "
                    f"but it is a scalar (rank 0, shape ()); use None for arguments that are "
                    f"not mapped.")
            if axis is not None and not (isinstance(axis, (int, np.integer))
                                         and -len(shape) <= axis < len(shape)):
                axis = _normalize_axis(
                    axis, len(shape),
                    f"in_axes for {_leaf_paths(args, 'args')[i]} (shape {shape})")
            axis = None if axis is None else int(axis) % len(shape)
            normalized.append(axis)
            if axis is not None:
                sizes.append((i, axis, shape[axis]))
        if sizes:
            distinct = {n for _, _, n in sizes}
            if len(distinct) > 1 or (size is not None and size not in distinct):
                paths = _leaf_paths(args, "args")
                listing = ", ".join(f"{paths[i]} has size {n} along axis {a} (shape "
                                    f"{tuple(shape_of(flat[i]))})" for i, a, n in sizes)
                extra = f"; but axis_size={size}" if size is not None else ""
                raise ValueError(
                    f"vmap got inconsistent sizes for the mapped axes: {listing}{extra}. All "
                    f"mapped arguments must have the same size along their mapped axis.")
            size = sizes[0][2]
        elif size is None:
            raise ValueError(
                f"vmap must have at least one mapped argument or an explicit axis_size to know "
                f"the batch size: in_axes={in_axes!r} maps none of the {len(args)} arguments "
                f"(shapes {[tuple(shape_of(x)) for x in flat]}); pass axis_size=n.")
        trace = BatchTrace(current_trace(), size)
        tracers = [x if a is None else BatchTracer(trace, x, a) for x, a in zip(flat, normalized)]
        try:
            with set_current_trace(trace):
                try:
                    out = cast("Callable[..., Any]", fun)(  # (P's keywords: mapped above)
                        *tree_util.tree_unflatten(in_tree, tracers))
                except ValueError as error:
                    raise_if_assignment(error, "vmap")
                    raise
            out_flat, out_tree = tree_util.tree_flatten(out)
            out_spec = _flat_axes(out_axes, out, "out_axes")
            results = []
            for j, (o, axis) in enumerate(zip(out_flat, out_spec)):
                results.append(_place_output(o, axis, trace, size, j, out))
        finally:
            trace.finish()
        # (an output with out_axes None is the user's own value: returned as it is)
        results = [r if a is None else v
                   for r, a, v in zip(results, out_spec, returned_values(results))]
        return tree_util.tree_unflatten(out_tree, results)

    vmapped.__name__ = f"vmap_{getattr(fun, '__name__', 'fun')}"
    vmapped.__doc__ = getattr(fun, "__doc__", None)
    return vmapped


def _place_output(value: Any, axis: Any, trace: BatchTrace, size: int, index: int,
                  out: Any = None) -> Any:
    if isinstance(value, BatchTracer) and value._trace is trace:
        if axis is None:
            raise ValueError(
                f"vmap: out_axes is None for {_leaf_paths(out, 'output')[index]} (shape "
                f"{value.shape} per example), but that output varies across the batch of size "
                f"{size}; use an int out_axes for it (or return something unbatched).")
        ndim = len(shape_of(value.value))
        target = _normalize_axis(axis, ndim, lambda: f"out_axes for "
                                 f"{_leaf_paths(out, 'output')[index]} (shape {value.shape} "
                                 f"per example)")
        return move_batch_axis(value.value, value.batch_axis, target, size)  # type: ignore[arg-type]  # (axis is not None)
    if isinstance(value, Tracer) and not value._trace.alive:
        raise escaped_tracer_error(value)
    if axis is None:
        return value
    if isinstance(value, (int, float, complex, bool, list, tuple)):
        value = np.asarray(value)
    ndim = len(shape_of(value)) + 1
    target = _normalize_axis(axis, ndim, lambda: f"out_axes for "
                             f"{_leaf_paths(out, 'output')[index]} (shape "
                             f"{tuple(shape_of(value))} per example)")
    return move_batch_axis(value, None, target, size)  # type: ignore[arg-type]  # (axis is not None)
