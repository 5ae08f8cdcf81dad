"""The shape primitives: convert_element_type, stop_gradient, reshape, transpose, broadcast_to
and reduce_sum, with the helpers every other rule is written with.

This family is closed under its own rules: the derivative of a reshape is a reshape, of a
broadcast a sum, of a sum a broadcast. So the helpers built from it, ``unbroadcast`` (the
cotangent of a broadcast operand), ``move_batch_axis`` (a batch axis where a batching rule
wants it) and ``zeros``, can be used by every other primitive's rules and by the
interpreters, without anything below pointing back up.

Each primitive: implementation, shape/dtype rule, VJP, JVP (all are linear), batching rule,
IR rewrites and properties, in one place. Params are hashable (tuples, ints, dtypes), so IR
equations can be compared.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from funcad.core import Eqn, Primitive, ShapedArray, dtype_of, shape_of
from funcad.rules import (
    batching_rules,
    deflinear,
    defnondiff,
    defvjp,
    is_differentiable_dtype,
    simplify_rules,
)

__all__ = [
    "convert_element_type_p", "convert_element_type", "stop_gradient_p", "stop_gradient",
    "reshape_p", "reshape", "transpose_p", "transpose", "broadcast_to_p", "broadcast_to",
    "zeros", "zeros_like_shape", "reduction_dtype", "reduction_primitive", "reduce_sum_p",
    "reduce_sum", "expand_reduced", "unbroadcast", "move_batch_axis", "batch_size_of",
    "batch_axes_to_front",
]


# ----------------------------------------------------------------------------------------------
# convert_element_type


convert_element_type_p = Primitive("convert_element_type")
convert_element_type_p.copies_elements = True


@convert_element_type_p.def_impl
def _convert_impl(x: Any, *, new_dtype: np.dtype) -> Any:
    if new_dtype.kind != "c" and getattr(x, "dtype", None) in _COMPLEX_DTYPES:
        x = np.real(x)  # complex to real keeps the real part (as JAX does), with no warning
    return np.asarray(x).astype(new_dtype, copy=False) if np.ndim(x) else new_dtype.type(x)


_COMPLEX_DTYPES = frozenset(np.dtype(t) for t in (np.complex64, np.complex128, np.clongdouble))


@convert_element_type_p.def_abstract_eval
def _convert_abstract_eval(x: ShapedArray, *, new_dtype: np.dtype) -> ShapedArray:
    return ShapedArray(x.shape, new_dtype)


def convert_element_type(x: Any, new_dtype: Any) -> Any:
    return convert_element_type_p.bind(x, new_dtype=np.dtype(new_dtype))


def _convert_vjp(cotangent: Any, ans: Any, x: Any, *, new_dtype: np.dtype) -> Any:
    """The cotangent goes back in the input's dtype (None for integer inputs: no derivative).
    Between real and complex that is the transpose too: real to complex is x + 0i, whose
    transpose keeps the real part of the cotangent, and complex to real the other way round."""
    dtype = dtype_of(x)
    if not is_differentiable_dtype(dtype):
        return None
    return convert_element_type(cotangent, dtype)


defvjp(convert_element_type_p, _convert_vjp)

# ----------------------------------------------------------------------------------------------
# stop_gradient: the identity, whose output carries no derivative.

stop_gradient_p = Primitive("stop_gradient")
stop_gradient_p.def_impl(lambda x: x)
stop_gradient_p.def_abstract_eval(lambda x: ShapedArray(x.shape, x.dtype))
defnondiff(stop_gradient_p)
stop_gradient = stop_gradient_p.bind
# Generated code runs on values only: there it is a plain name.
stop_gradient_p.expression = lambda sources, params, avals: sources[0]


def _array_method_expression(method: str, argument: str) -> Any:
    """An expression ``x.method(argument)`` for generated code, on arrays only (a Python
    scalar in a weakly typed variable has no such method): an ndarray method costs a third
    of the NumPy function that wraps it."""
    def expression(sources, params, avals):
        (aval,) = avals
        if aval.weak_type or aval.shape == ():
            return None
        return f"{sources[0]}.{method}({params[argument]!r})"
    return expression

# ----------------------------------------------------------------------------------------------
# reshape, transpose, broadcast_to


reshape_p = Primitive("reshape")
reshape_p.copies_elements = True
reshape_p.def_impl(lambda x, *, new_sizes: np.reshape(x, new_sizes))
reshape_p.expression = _array_method_expression("reshape", "new_sizes")


@reshape_p.def_abstract_eval
def _reshape_abstract_eval(x: ShapedArray, *, new_sizes: tuple[int, ...]) -> ShapedArray:
    if int(np.prod(new_sizes, dtype=np.int64)) != x.size:
        raise ValueError(f"cannot reshape an array of shape {x.shape} into shape {new_sizes}")
    return ShapedArray(new_sizes, x.dtype)


def reshape(x: Any, new_sizes: Sequence[int]) -> Any:
    new_sizes = tuple(int(n) for n in new_sizes)
    if shape_of(x) == new_sizes:
        return x
    return reshape_p.bind(x, new_sizes=new_sizes)


defvjp(reshape_p, lambda cotangent, ans, x, *, new_sizes: reshape(cotangent, shape_of(x)))


transpose_p = Primitive("transpose")
transpose_p.copies_elements = True
transpose_p.def_impl(lambda x, *, permutation: np.transpose(x, permutation))
transpose_p.expression = _array_method_expression("transpose", "permutation")
transpose_p.def_abstract_eval(
    lambda x, *, permutation: ShapedArray(tuple(x.shape[i] for i in permutation), x.dtype)
)


def transpose(x: Any, permutation: Sequence[int] | np.ndarray) -> Any:
    """Permute the axes of ``x``: output axis i is input axis ``permutation[i]``, as
    ``jax.lax.transpose`` (the identity permutation returns ``x`` itself).

    >>> from funcad import lax
    >>> import funcad.numpy as fnp
    >>> print(lax.transpose(fnp.zeros((2, 3, 4)), (2, 0, 1)).shape)
    (4, 2, 3)
    """
    permutation = tuple(int(p) for p in permutation)
    if permutation == tuple(range(len(permutation))):
        return x
    return transpose_p.bind(x, permutation=permutation)


defvjp(transpose_p,
       lambda cotangent, ans, x, *, permutation: transpose(cotangent, np.argsort(permutation)))


broadcast_to_p = Primitive("broadcast_to")
broadcast_to_p.copies_elements = True
broadcast_to_p.output_buffer = "readonly_view"
broadcast_to_p.def_impl(lambda x, *, shape: np.broadcast_to(x, shape))


@broadcast_to_p.def_abstract_eval
def _broadcast_to_abstract_eval(x: ShapedArray, *, shape: tuple[int, ...]) -> ShapedArray:
    np.broadcast_shapes(x.shape, shape)  # raises on incompatible shapes
    if len(x.shape) > len(shape):
        raise ValueError(f"cannot broadcast an array of shape {x.shape} to shape {shape}")
    return ShapedArray(shape, x.dtype)


def broadcast_to(x: Any, shape: Sequence[int]) -> Any:
    """NumPy's broadcast_to: new leading axes, size-1 axes stretched."""
    shape = tuple(int(n) for n in shape)
    if shape_of(x) == shape and not isinstance(x, (int, float, complex)):
        return x
    return broadcast_to_p.bind(x, shape=shape)


defvjp(broadcast_to_p, lambda cotangent, ans, x, *, shape: unbroadcast(x, cotangent))


def zeros(shape: Sequence[int], dtype: Any) -> Any:
    """An array of zeros (a broadcast scalar: no memory until written)."""
    return broadcast_to(np.zeros((), dtype), shape)


def zeros_like_shape(x: Any, dtype: Any = None) -> Any:
    return zeros(shape_of(x), dtype_of(x) if dtype is None else dtype)


# ----------------------------------------------------------------------------------------------
# reduce_sum (the other reductions are in reductions.py: this one is the transpose of
# broadcasting, so every rule needs it).

_reduction_dtypes: dict[tuple, np.dtype] = {}


def reduction_dtype(name: str, numpy_reduce: Any, dtype: np.dtype) -> np.dtype:
    """NumPy's result dtype for a reduction (bool sums to int, float32 stays float32...)."""
    key = (name, dtype)
    result = _reduction_dtypes.get(key)
    if result is None:
        result = _reduction_dtypes[key] = np.asarray(
            numpy_reduce(np.ones((1,), dtype), axis=0)).dtype
    return result


def _reduction_batching_rule(primitive: Primitive):
    """Batch axis in front, reduced axes shifted by one."""
    def rule(values, batch_axes, *, axes):
        (x,) = batch_axes_to_front(values, batch_axes)
        return primitive.bind(x, axes=tuple(a + 1 for a in axes)), 0

    return rule


def reduction_primitive(name: str, numpy_reduce: Any) -> Primitive:
    """A reduction over a tuple of ``axes`` that NumPy computes as ``numpy_reduce``."""
    primitive = Primitive(name)
    primitive.output_buffer = "fresh"
    primitive.def_impl(lambda x, *, axes: numpy_reduce(x, axis=axes))

    def abstract_eval(x: ShapedArray, *, axes: tuple[int, ...]) -> ShapedArray:
        shape = tuple(n for i, n in enumerate(x.shape) if i not in axes)
        return ShapedArray(shape, reduction_dtype(name, numpy_reduce, x.dtype))

    primitive.def_abstract_eval(abstract_eval)
    batching_rules[primitive] = _reduction_batching_rule(primitive)
    return primitive


reduce_sum_p = reduction_primitive("reduce_sum", np.sum)


def reduce_sum(x: Any, axes: Sequence[int]) -> Any:
    return reduce_sum_p.bind(x, axes=tuple(axes))


def expand_reduced(reduced: Any, x_shape: tuple[int, ...], axes: Sequence[int]) -> Any:
    """Broadcast a reduction's output (or cotangent) back over the reduced ``axes``."""
    kept_shape = tuple(1 if i in axes else n for i, n in enumerate(x_shape))
    return broadcast_to(reshape(reduced, kept_shape), x_shape)


# Every input element contributes once to the sum.
defvjp(reduce_sum_p,
       lambda cotangent, ans, x, *, axes: expand_reduced(cotangent, shape_of(x), axes))


def unbroadcast(x: Any, cotangent: Any) -> Any:
    """Sum ``cotangent`` back down to the shape of ``x`` (undoing NumPy broadcasting) and give
    it ``x``'s dtype: the cotangent of a broadcast operand."""
    try:  # the common case: nothing to do
        if x.shape == cotangent.shape and x.dtype == cotangent.dtype:
            return cotangent
    except AttributeError:
        pass
    shape = shape_of(x)
    cotangent_shape = shape_of(cotangent)
    if cotangent_shape != shape:
        lead = len(cotangent_shape) - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and cotangent_shape[lead + i] != 1
        )
        if axes:
            cotangent = reduce_sum(cotangent, axes=axes)
        if shape_of(cotangent) != shape:
            cotangent = reshape(cotangent, shape)
    dtype = dtype_of(x)
    if dtype_of(cotangent) != dtype:
        cotangent = convert_element_type(cotangent, dtype)
    return cotangent


# ----------------------------------------------------------------------------------------------
# Forward mode: all of these are linear, so a tangent goes through the primitive itself.

for _linear in (reshape_p, transpose_p, broadcast_to_p, reduce_sum_p, convert_element_type_p):
    deflinear(_linear)

# ----------------------------------------------------------------------------------------------
# Batching: move the batch axis to the front and shift the axis params by one.


def move_batch_axis(x: Any, axis: int | None, to: int, size: int) -> Any:
    """``x`` with its batch axis at position ``to`` (an unbatched ``x`` is broadcast)."""
    if axis == to:
        return x
    if axis is None:
        shape = tuple(shape_of(x))
        expanded = reshape(x, shape[:to] + (1,) + shape[to:])
        return broadcast_to(expanded, shape[:to] + (size,) + shape[to:])
    ndim = len(shape_of(x))
    order = [i for i in range(ndim) if i != axis]
    order.insert(to, axis)
    return transpose(x, order)


def batch_size_of(values: Sequence[Any], batch_axes: Sequence[int | None]) -> int:
    """The batch size: the length of the first batched value along its batch axis."""
    for value, axis in zip(values, batch_axes):
        if axis is not None:
            return shape_of(value)[axis]
    raise ValueError("no batched argument")


def batch_axes_to_front(values: Sequence[Any], batch_axes: Sequence[int | None]) -> list[Any]:
    """Every value with its batch axis first (unbatched ones broadcast along it)."""
    size = batch_size_of(values, batch_axes)
    return [move_batch_axis(v, a, 0, size) for v, a in zip(values, batch_axes)]


def _batch_reshape(values, batch_axes, *, new_sizes):
    (x,) = batch_axes_to_front(values, batch_axes)
    return reshape(x, (shape_of(x)[0],) + new_sizes), 0


def _batch_transpose(values, batch_axes, *, permutation):
    (x,) = batch_axes_to_front(values, batch_axes)
    return transpose(x, (0,) + tuple(p + 1 for p in permutation)), 0


def _batch_broadcast_to(values, batch_axes, *, shape):
    (x,) = batch_axes_to_front(values, batch_axes)
    x_shape = shape_of(x)
    aligned = (x_shape[0],) + (1,) * (len(shape) + 1 - len(x_shape)) + x_shape[1:]
    return broadcast_to(reshape(x, aligned), (x_shape[0],) + tuple(shape)), 0


batching_rules[reshape_p] = _batch_reshape
batching_rules[transpose_p] = _batch_transpose
batching_rules[broadcast_to_p] = _batch_broadcast_to
batching_rules[convert_element_type_p] = lambda values, batch_axes, *, new_dtype: (
    convert_element_type_p.bind(values[0], new_dtype=new_dtype), batch_axes[0])
batching_rules[stop_gradient_p] = lambda values, batch_axes: (
    stop_gradient(values[0]), batch_axes[0])

# ----------------------------------------------------------------------------------------------
# IR rewrites (funcad.passes): operations that do nothing, and pairs that fold into one.


def _simplify_reshape(eqn, invars, producers):
    (x,) = invars
    inner = producers.get(x)
    if inner is not None and inner.primitive is reshape_p:
        x = inner.invars[0]  # reshape(reshape(x)) = reshape(x): only the final shape matters
    if x.aval.shape == tuple(eqn.params["new_sizes"]):
        return x
    if x is invars[0]:
        return None
    return [Eqn(reshape_p, [x], list(eqn.outvars), dict(eqn.params))]


def _simplify_transpose(eqn, invars, producers):
    (x,) = invars
    permutation = tuple(eqn.params["permutation"])
    inner = producers.get(x)
    if inner is not None and inner.primitive is transpose_p:
        # Output axis i is the inner result's axis permutation[i], which is x's axis
        # inner_permutation[permutation[i]].
        inner_permutation = tuple(inner.params["permutation"])
        permutation = tuple(inner_permutation[p] for p in permutation)
        x = inner.invars[0]
    if permutation == tuple(range(len(permutation))):
        return x
    if x is invars[0]:
        return None
    return [Eqn(transpose_p, [x], list(eqn.outvars), {"permutation": permutation})]


simplify_rules[reshape_p] = _simplify_reshape
simplify_rules[transpose_p] = _simplify_transpose
# The output is the input whenever the avals agree (same dtype, same shape, no axes summed):
# the passes check exactly that before renaming.
simplify_rules[convert_element_type_p] = lambda eqn, invars, producers: invars[0]
simplify_rules[broadcast_to_p] = lambda eqn, invars, producers: invars[0]
simplify_rules[reduce_sum_p] = lambda eqn, invars, producers: (
    invars[0] if tuple(eqn.params["axes"]) == () else None)
