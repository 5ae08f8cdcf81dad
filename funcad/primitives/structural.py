"""Primitives that move, select, reduce or retype array elements.

Each primitive: implementation, shape/dtype rule, VJP rule, in one place. Params are
hashable Python values (tuples, ints, dtypes, ``Slice``), so IR equations can be compared.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np

from funcad.ad import defnondiff, defvjp, defvjp_all, unbroadcast
from funcad.core import dtype_of, shape_of, Primitive, ShapedArray
from funcad.primitives.elementwise import div, eq, logical_and, mul, select

# ----------------------------------------------------------------------------------------------
# convert_element_type


convert_element_type_p = Primitive("convert_element_type")


@convert_element_type_p.def_impl
def _convert_impl(x: Any, *, new_dtype: np.dtype) -> Any:
    return np.asarray(x).astype(new_dtype, copy=False) if np.ndim(x) else new_dtype.type(x)


@convert_element_type_p.def_abstract_eval
def _convert_abstract_eval(x: ShapedArray, *, new_dtype: np.dtype) -> ShapedArray:
    return ShapedArray(x.shape, new_dtype)


def convert_element_type(x: Any, new_dtype: Any) -> Any:
    return convert_element_type_p.bind(x, new_dtype=np.dtype(new_dtype))


def _convert_vjp(g: Any, ans: Any, x: Any, *, new_dtype: np.dtype) -> Any:
    """The cotangent goes back in the input's dtype (None for integer inputs: no derivative)."""
    dtype = dtype_of(x)
    if dtype.kind not in "fc":
        return None
    return convert_element_type(g, dtype)


defvjp(convert_element_type_p, _convert_vjp)

# ----------------------------------------------------------------------------------------------
# stop_gradient: identity whose output carries no derivative.

stop_gradient_p = Primitive("stop_gradient")
stop_gradient_p.def_impl(lambda x: x)
stop_gradient_p.def_abstract_eval(lambda x: ShapedArray(x.shape, x.dtype))
defnondiff(stop_gradient_p)
stop_gradient = stop_gradient_p.bind

# ----------------------------------------------------------------------------------------------
# reshape, transpose, broadcast_to


reshape_p = Primitive("reshape")
reshape_p.def_impl(lambda x, *, new_sizes: np.reshape(x, new_sizes))


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


defvjp(reshape_p, lambda g, ans, x, *, new_sizes: reshape(g, shape_of(x)))


transpose_p = Primitive("transpose")
transpose_p.def_impl(lambda x, *, permutation: np.transpose(x, permutation))
transpose_p.def_abstract_eval(
    lambda x, *, permutation: ShapedArray(tuple(x.shape[i] for i in permutation), x.dtype)
)


def transpose(x: Any, permutation: Sequence[int]) -> Any:
    permutation = tuple(int(p) for p in permutation)
    if permutation == tuple(range(len(permutation))):
        return x
    return transpose_p.bind(x, permutation=permutation)


defvjp(transpose_p, lambda g, ans, x, *, permutation: transpose(g, np.argsort(permutation)))


broadcast_to_p = Primitive("broadcast_to")
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


defvjp(broadcast_to_p, lambda g, ans, x, *, shape: unbroadcast(x, g))


def zeros(shape: Sequence[int], dtype: Any) -> Any:
    """An array of zeros (a broadcast scalar: no memory until written)."""
    return broadcast_to(np.zeros((), dtype), shape)


def zeros_like_shape(x: Any, dtype: Any = None) -> Any:
    return zeros(shape_of(x), dtype_of(x) if dtype is None else dtype)


# ----------------------------------------------------------------------------------------------
# Reductions over a tuple of axes.

_reduction_dtypes: dict[tuple, np.dtype] = {}


def _reduction_primitive(name: str, numpy_reduce: Any) -> Primitive:
    primitive = Primitive(name)
    primitive.def_impl(lambda x, *, axes: numpy_reduce(x, axis=axes))

    def abstract_eval(x: ShapedArray, *, axes: tuple[int, ...]) -> ShapedArray:
        key = (name, x.dtype)
        dtype = _reduction_dtypes.get(key)
        if dtype is None:  # NumPy's own rule (bool sums to int, float32 stays float32, ...)
            dtype = _reduction_dtypes[key] = np.asarray(numpy_reduce(np.ones((1,), x.dtype),
                                                                     axis=0)).dtype
        shape = tuple(n for i, n in enumerate(x.shape) if i not in axes)
        return ShapedArray(shape, dtype)

    primitive.def_abstract_eval(abstract_eval)
    return primitive


reduce_sum_p = _reduction_primitive("reduce_sum", np.sum)
reduce_max_p = _reduction_primitive("reduce_max", np.max)
reduce_min_p = _reduction_primitive("reduce_min", np.min)
reduce_prod_p = _reduction_primitive("reduce_prod", np.prod)
reduce_and_p = _reduction_primitive("reduce_and", np.all)
reduce_or_p = _reduction_primitive("reduce_or", np.any)
defnondiff(reduce_and_p, reduce_or_p)


def reduce_sum(x: Any, axes: Sequence[int]) -> Any:
    return reduce_sum_p.bind(x, axes=tuple(axes))


def reduce_max(x: Any, axes: Sequence[int]) -> Any:
    return reduce_max_p.bind(x, axes=tuple(axes))


def reduce_min(x: Any, axes: Sequence[int]) -> Any:
    return reduce_min_p.bind(x, axes=tuple(axes))


def reduce_prod(x: Any, axes: Sequence[int]) -> Any:
    return reduce_prod_p.bind(x, axes=tuple(axes))


def expand_reduced(g: Any, x_shape: tuple[int, ...], axes: Sequence[int]) -> Any:
    """Broadcast a reduction's output (or cotangent) back over the reduced ``axes``."""
    kept_shape = tuple(1 if i in axes else n for i, n in enumerate(x_shape))
    return broadcast_to(reshape(g, kept_shape), x_shape)


# sum: every input element contributes once.
defvjp(reduce_sum_p, lambda g, ans, x, *, axes: expand_reduced(g, shape_of(x), axes))


def _reduce_chooser_vjp(g: Any, ans: Any, x: Any, *, axes: tuple[int, ...]) -> Any:
    """max/min: the cotangent goes to the chosen element, split evenly between ties."""
    shape = shape_of(x)
    location = convert_element_type(eq(x, expand_reduced(ans, shape, axes)), dtype_of(x))
    counts = reduce_sum(location, axes)
    return mul(expand_reduced(div(g, counts), shape, axes), location)


defvjp(reduce_max_p, _reduce_chooser_vjp)
defvjp(reduce_min_p, _reduce_chooser_vjp)


def _reduce_prod_vjp(g: Any, ans: Any, x: Any, *, axes: tuple[int, ...]) -> Any:
    """d prod(x) / dx_i = product of all the other elements. Computed without dividing by
    x_i (which fails at zeros): the reduced axes are flattened to one axis of length n, and
    each element's "others" product is taken over an (n, n) copy with the diagonal set to 1."""
    shape = shape_of(x)
    kept = [i for i in range(len(shape)) if i not in axes]
    moved = transpose(x, kept + list(axes))
    kept_shape = tuple(shape[i] for i in kept)
    n = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    flat = reshape(moved, kept_shape + (n,))
    eye = np.eye(n, dtype=bool)
    rows = broadcast_to(reshape(flat, kept_shape + (1, n)), kept_shape + (n, n))
    others = reduce_prod(select(eye, 1, rows), (len(kept_shape) + 1,))
    cotangent = mul(others, reshape(g, kept_shape + (1,)))
    cotangent = reshape(cotangent, kept_shape + tuple(shape[i] for i in axes))
    return transpose(cotangent, np.argsort(kept + list(axes)))


defvjp(reduce_prod_p, _reduce_prod_vjp)


def _arg_reduction_primitive(name: str, numpy_fn: Any) -> Primitive:
    primitive = Primitive(name)
    primitive.def_impl(lambda x, *, axis: numpy_fn(x, axis=axis))
    primitive.def_abstract_eval(lambda x, *, axis: ShapedArray(
        tuple(n for i, n in enumerate(x.shape) if i != axis), np.intp))
    defnondiff(primitive)
    return primitive


argmax_p = _arg_reduction_primitive("argmax", np.argmax)
argmin_p = _arg_reduction_primitive("argmin", np.argmin)


# ----------------------------------------------------------------------------------------------
# cumsum (with ``reverse``: its own transpose).

cumsum_p = Primitive("cumsum")


@cumsum_p.def_impl
def _cumsum_impl(x: Any, *, axis: int, reverse: bool) -> Any:
    if reverse:
        flip = (slice(None),) * axis + (slice(None, None, -1),)
        return np.cumsum(np.asarray(x)[flip], axis=axis)[flip]
    return np.cumsum(x, axis=axis)


@cumsum_p.def_abstract_eval
def _cumsum_abstract_eval(x: ShapedArray, *, axis: int, reverse: bool) -> ShapedArray:
    return ShapedArray(x.shape, _reduction_dtypes.get(("reduce_sum", x.dtype)) or
                       np.cumsum(np.ones((1,), x.dtype)).dtype)


def cumsum(x: Any, axis: int, reverse: bool = False) -> Any:
    return cumsum_p.bind(x, axis=axis, reverse=reverse)


defvjp(cumsum_p, lambda g, ans, x, *, axis, reverse: cumsum(g, axis, not reverse))

# ----------------------------------------------------------------------------------------------
# concatenate


concatenate_p = Primitive("concatenate")
concatenate_p.def_impl(lambda *xs, axis: np.concatenate(xs, axis=axis))


@concatenate_p.def_abstract_eval
def _concatenate_abstract_eval(*xs: ShapedArray, axis: int) -> ShapedArray:
    first = xs[0].shape
    for x in xs[1:]:
        if len(x.shape) != len(first) or any(
            a != b for i, (a, b) in enumerate(zip(x.shape, first)) if i != axis
        ):
            raise ValueError(
                f"concatenate: all input arrays must have the same shape except along axis "
                f"{axis}; got shapes {[x.shape for x in xs]}"
            )
    shape = list(first)
    shape[axis] = sum(x.shape[axis] for x in xs)
    dtype = np.result_type(*(x.dtype for x in xs))
    return ShapedArray(tuple(shape), dtype)


def concatenate(xs: Sequence[Any], axis: int) -> Any:
    return concatenate_p.bind(*xs, axis=axis)


def _concatenate_vjp(g, ans, args, params, wanted):
    axis = params["axis"]
    cotangents = []
    start = 0
    for x, want in zip(args, wanted):
        size = shape_of(x)[axis]
        if want is not None:
            index = (Slice(None, None, None),) * axis + (Slice(start, start + size, None),)
            cotangents.append(unbroadcast(x, getitem(g, index)))
        else:
            cotangents.append(None)
        start += size
    return cotangents


defvjp_all(concatenate_p, _concatenate_vjp)

# ----------------------------------------------------------------------------------------------
# Indexing: getitem and functional updates (x.at[i].set/add/multiply).
#
# An index is kept in the params as a static tuple ("indexer") of ints, None, Ellipsis,
# ``Slice``s and ``ArrayIndex(k)`` placeholders; the integer index arrays themselves are
# operands (after x, and after the update values), so they may be traced values too.


class Slice(NamedTuple):
    """A hashable stand-in for ``slice`` (slices are unhashable before Python 3.12)."""

    start: int | None
    stop: int | None
    step: int | None

    def __repr__(self) -> str:
        parts = ["" if v is None else str(v) for v in self]
        return ":".join(parts[:2] if self.step is None else parts)


class ArrayIndex(NamedTuple):
    """Placeholder for the ``position``-th integer index array operand."""

    position: int

    def __repr__(self) -> str:
        return f"<array {self.position}>"


def build_index(indexer: tuple, arrays: Sequence[Any]) -> tuple:
    """The NumPy index described by ``indexer`` with its arrays filled in."""
    out = []
    for item in indexer:
        if type(item) is Slice:
            out.append(slice(*item))
        elif type(item) is ArrayIndex:
            out.append(arrays[item.position])
        else:
            out.append(item)
    return tuple(out)


def _index_result_shape(shape: tuple[int, ...], indexer: tuple, arrays: Sequence[ShapedArray]):
    # Index a zero-strided stand-in of the right shape: NumPy computes the result shape (and
    # raises NumPy's own IndexError) without touching real data.
    dummy = np.broadcast_to(np.zeros((), np.int8), shape)
    fake_arrays = [np.zeros(a.shape, np.intp) for a in arrays]
    return dummy[build_index(indexer, fake_arrays)].shape


getitem_p = Primitive("getitem")
getitem_p.def_impl(lambda x, *arrays, indexer: x[build_index(indexer, arrays)])
getitem_p.def_abstract_eval(lambda x, *arrays, indexer: ShapedArray(
    _index_result_shape(x.shape, indexer, arrays), x.dtype))


def getitem(x: Any, indexer: tuple, *arrays: Any) -> Any:
    return getitem_p.bind(x, *arrays, indexer=indexer)


def _getitem_vjp(g, ans, args, params, wanted):
    """Scatter the cotangent back into zeros shaped like x (adding at repeated indices)."""
    x, *arrays = args
    cotangent = index_update(zeros_like_shape(x, dtype_of(g)), g, params["indexer"],
                             "add", *arrays)
    return [unbroadcast(x, cotangent)] + [None] * len(arrays)


defvjp_all(getitem_p, _getitem_vjp)

index_update_p = Primitive("index_update")


@index_update_p.def_impl
def _index_update_impl(x, values, *arrays, indexer, mode):
    index = build_index(indexer, arrays)
    out = np.array(x, copy=True)
    if mode == "set":
        out[index] = values
    elif arrays:  # advanced indexing may repeat positions: accumulate at each one
        # Broadcast the values ourselves: ufunc.at (NumPy 2.4) adds a values array that needs
        # new leading axes only once per position (np.add.at(zeros(1), [[0, 0], [0, 0]],
        # [1., 10.]) gives 11, not 22) and multiply.at reads garbage.
        values = np.broadcast_to(values, _index_result_shape(out.shape, indexer, arrays))
        {"add": np.add, "multiply": np.multiply}[mode].at(out, index, values)
    elif mode == "add":
        out[index] += values
    else:
        out[index] *= values
    return out


@index_update_p.def_abstract_eval
def _index_update_abstract_eval(x, values, *arrays, indexer, mode):
    target = _index_result_shape(x.shape, indexer, arrays)
    try:
        np.broadcast_shapes(values.shape, target)
        ok = len(values.shape) <= len(target) or all(n == 1 for n in values.shape[
            :len(values.shape) - len(target)])
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(
            f"x.at[...].{mode}(values): values of shape {values.shape} cannot be broadcast to "
            f"the indexed shape {target}"
        )
    return ShapedArray(x.shape, x.dtype)


def index_update(x: Any, values: Any, indexer: tuple, mode: str, *arrays: Any) -> Any:
    """A copy of x with x[index] set to / increased by / multiplied by values."""
    values_shape = shape_of(values)
    if values_shape and values_shape[0] == 1:
        # Extra leading 1-sized axes broadcast away, but NumPy's in-place updates (and its
        # assignment to a single element) refuse them: drop them here.
        target = _index_result_shape(shape_of(x), indexer, arrays)
        extra = len(values_shape) - len(target)
        if extra > 0 and all(n == 1 for n in values_shape[:extra]):
            values = reshape(values, values_shape[extra:])
    return index_update_p.bind(x, values, *arrays, indexer=indexer, mode=mode)


def _values_cotangent(values: Any, g_at_index: Any) -> Any:
    values_shape = shape_of(values)
    g_shape = shape_of(g_at_index)
    if len(values_shape) < len(g_shape) or values_shape == g_shape:
        return unbroadcast(values, g_at_index)
    # values may carry extra leading 1-sized axes that NumPy drops when assigning.
    return unbroadcast(values, reshape(g_at_index, (1,) * (len(values_shape) - len(g_shape))
                                       + g_shape))


def _may_repeat(x_shape: tuple[int, ...], indexer: tuple, arrays: Sequence[Any]) -> bool:
    """Whether an advanced index may name a position twice (True if the arrays are traced)."""
    if not all(isinstance(a, (np.ndarray, np.generic)) for a in arrays):
        return True
    size = int(np.prod(x_shape, dtype=np.int64))
    positions = np.arange(size).reshape(x_shape)[build_index(indexer, arrays)]
    return np.unique(positions).size != positions.size


def _product_of_others(x_shape: tuple[int, ...], values: Any, indexer: tuple,
                       arrays: Sequence[Any], target: tuple[int, ...]) -> Any:
    """For each indexed element, the product of the *other* values multiplied into the same
    position of x (1 at a position indexed once): d(x * v_1 * ... * v_k) / dv_j needs it.
    As in prod's rule, no division (zeros are fine): an (m, m) table of "same position,
    other element" over the m indexed elements, so use it only when positions repeat."""
    m = int(np.prod(target, dtype=np.int64))
    size = int(np.prod(x_shape, dtype=np.int64))
    positions = reshape(getitem(np.arange(size).reshape(x_shape), indexer, *arrays), (m,))
    values_shape = shape_of(values)
    if len(values_shape) > len(target):  # extra leading 1-sized axes
        values = reshape(values, values_shape[len(values_shape) - len(target):])
    row = reshape(broadcast_to(values, target), (1, m))
    same = logical_and(eq(reshape(positions, (m, 1)), reshape(positions, (1, m))),
                       np.logical_not(np.eye(m, dtype=bool)))
    others = reduce_prod(select(same, broadcast_to(row, (m, m)), 1), (1,))
    return reshape(others, target)


def _index_update_vjp(g, ans, args, params, wanted):
    x, values, *arrays = args
    indexer, mode = params["indexer"], params["mode"]
    x_ct = values_ct = None
    if mode == "set":  # overwritten positions do not reach the output
        if wanted[0] is not None:
            x_ct = index_update(g, 0, indexer, "set", *arrays)
        if wanted[1] is not None:
            g_at = getitem(g, indexer, *arrays)
            if arrays:  # a repeated position keeps only the last write: mask out the others
                target = shape_of(g_at)
                ids = np.arange(int(np.prod(target, dtype=np.int64))).reshape(target)
                winners = index_update(zeros(shape_of(x), np.intp), ids, indexer, "set", *arrays)
                g_at = select(eq(getitem(winners, indexer, *arrays), ids), g_at, 0)
            values_ct = _values_cotangent(values, g_at)
    elif mode == "add":
        x_ct = g
        if wanted[1] is not None:
            values_ct = _values_cotangent(values, getitem(g, indexer, *arrays))
    elif mode == "multiply":
        if wanted[0] is not None:
            x_ct = index_update(g, values, indexer, "multiply", *arrays)
        if wanted[1] is not None:
            g_at = getitem(mul(g, x), indexer, *arrays)
            if arrays and _may_repeat(shape_of(x), indexer, arrays):
                g_at = mul(g_at, _product_of_others(shape_of(x), values, indexer, arrays,
                                                    shape_of(g_at)))
            values_ct = _values_cotangent(values, g_at)
    else:
        raise NotImplementedError(f"no derivative for x.at[...].{mode}")
    return [x_ct, values_ct] + [None] * len(arrays)


defvjp_all(index_update_p, _index_update_vjp)


# ----------------------------------------------------------------------------------------------
# Forward mode: most of these primitives are linear, so a tangent goes through the primitive
# itself. Batching: move the batch axis to the front and shift the axis params by one.

from funcad.batching import batch_size_of, batching_rules, move_batch_axis  # noqa: E402
from funcad.jvp import defjvp, defjvp_all, deflinear  # noqa: E402

for _linear in (reshape_p, transpose_p, broadcast_to_p, reduce_sum_p, cumsum_p,
                convert_element_type_p):
    deflinear(_linear)
deflinear(concatenate_p)
deflinear(getitem_p, 0)


def _reduce_chooser_jvp(t: Any, ans: Any, x: Any, *, axes: tuple[int, ...]) -> Any:
    """max/min: the tangent at the chosen element (the mean over ties)."""
    shape = shape_of(x)
    location = convert_element_type(eq(x, expand_reduced(ans, shape, axes)), dtype_of(x))
    return div(reduce_sum(mul(t, location), axes), reduce_sum(location, axes))


defjvp(reduce_max_p, _reduce_chooser_jvp)
defjvp(reduce_min_p, _reduce_chooser_jvp)
# prod: d prod = sum_i (product of the others) dx_i; the VJP rule computes exactly that
# "others" product times the cotangent, so apply it to a cotangent of ones.
defjvp(reduce_prod_p, lambda t, ans, x, *, axes: reduce_sum(
    mul(t, _reduce_prod_vjp(convert_element_type(np.ones(shape_of(ans)), dtype_of(ans)), ans,
                            x, axes=axes)), axes))


def _index_update_jvp(tangents, ans, args, params):
    x, values, *arrays = args
    t_x, t_values = tangents[0], tangents[1]
    indexer, mode = params["indexer"], params["mode"]
    if t_x is None:
        t_x = zeros_like_shape(x)
    if mode in ("set", "add"):
        if t_values is None:
            t_values = zeros_like_shape(values)
        return index_update(t_x, t_values, indexer, mode, *arrays)
    # multiply: d(x_p v_1 ... v_k) = dx_p v_1 ... v_k + sum_j x_p (prod of the other v) dv_j.
    out = index_update(t_x, values, indexer, "multiply", *arrays)
    if t_values is not None:
        contribution = mul(t_values, getitem(x, indexer, *arrays))
        if arrays and _may_repeat(shape_of(x), indexer, arrays):
            target = _index_result_shape(shape_of(x), indexer, arrays)
            contribution = mul(contribution, _product_of_others(shape_of(x), values, indexer,
                                                                arrays, target))
        out = index_update(out, contribution, indexer, "add", *arrays)
    return out


defjvp_all(index_update_p, _index_update_jvp)


def _front(values, batch_axes, size):
    return [move_batch_axis(v, a, 0, size) for v, a in zip(values, batch_axes)]


def _batch_reshape(values, batch_axes, *, new_sizes):
    (x,) = _front(values, batch_axes, batch_size_of(values, batch_axes))
    return reshape(x, (shape_of(x)[0],) + new_sizes), 0


def _batch_transpose(values, batch_axes, *, permutation):
    (x,) = _front(values, batch_axes, batch_size_of(values, batch_axes))
    return transpose(x, (0,) + tuple(p + 1 for p in permutation)), 0


def _batch_broadcast_to(values, batch_axes, *, shape):
    (x,) = _front(values, batch_axes, batch_size_of(values, batch_axes))
    x_shape = shape_of(x)
    aligned = (x_shape[0],) + (1,) * (len(shape) + 1 - len(x_shape)) + x_shape[1:]
    return broadcast_to(reshape(x, aligned), (x_shape[0],) + tuple(shape)), 0


def _batch_convert(values, batch_axes, *, new_dtype):
    return convert_element_type_p.bind(values[0], new_dtype=new_dtype), batch_axes[0]


def _batch_stop_gradient(values, batch_axes):
    return stop_gradient(values[0]), batch_axes[0]


def _batch_reduction(primitive):
    def rule(values, batch_axes, **params):
        (x,) = _front(values, batch_axes, batch_size_of(values, batch_axes))
        return primitive.bind(x, axes=tuple(a + 1 for a in params["axes"])), 0

    return rule


def _batch_axis_param(primitive):
    def rule(values, batch_axes, **params):
        (x,) = _front(values, batch_axes, batch_size_of(values, batch_axes))
        return primitive.bind(x, **dict(params, axis=params["axis"] + 1)), 0

    return rule


def _batch_concatenate(values, batch_axes, *, axis):
    moved = _front(values, batch_axes, batch_size_of(values, batch_axes))
    return concatenate(moved, axis + 1), 0


for _p in (reduce_sum_p, reduce_max_p, reduce_min_p, reduce_prod_p, reduce_and_p, reduce_or_p):
    batching_rules[_p] = _batch_reduction(_p)
for _p in (argmax_p, argmin_p, cumsum_p):
    batching_rules[_p] = _batch_axis_param(_p)
batching_rules[reshape_p] = _batch_reshape
batching_rules[transpose_p] = _batch_transpose
batching_rules[broadcast_to_p] = _batch_broadcast_to
batching_rules[convert_element_type_p] = _batch_convert
batching_rules[stop_gradient_p] = _batch_stop_gradient
batching_rules[concatenate_p] = _batch_concatenate


def _advanced_positions(indexer: tuple) -> list[int]:
    """Positions of the items NumPy treats as advanced indices (arrays, and integers when any
    array is present)."""
    if not any(type(item) is ArrayIndex for item in indexer):
        return []
    return [i for i, item in enumerate(indexer)
            if type(item) is ArrayIndex or (type(item) is int)]


def _batched_indexer(indexer, arrays, array_axes, size, x_ndim):
    """The indexer and index arrays that apply ``indexer`` to every example of an operand
    whose batch axis is in front (``x_ndim``: the rank of one example). Returns (indexer,
    arrays, batch axis of the result, permutation or None): ``transpose(x[indexer],
    permutation)`` is the batch of results, each laid out as NumPy lays out one example's."""
    positions = _advanced_positions(indexer)
    contiguous = positions == list(range(positions[0], positions[-1] + 1)) if positions \
        else True
    if all(a is None for a in array_axes):
        new_indexer = (Slice(None, None, None),) + tuple(indexer)
        if contiguous:
            return new_indexer, list(arrays), 0, None
        index_rank = len(np.broadcast_shapes(*(shape_of(a) for a in arrays)))
        return new_indexer, list(arrays), index_rank, None  # NumPy moves advanced axes first
    # Some index arrays differ per example: index the batch axis with arange(size) as well.
    ranks = [len(shape_of(a)) - (ax is not None) for a, ax in zip(arrays, array_axes)]
    rank = builtins_max(ranks)
    new_arrays = [np.arange(size).reshape((size,) + (1,) * rank)]
    for a, ax in zip(arrays, array_axes):
        if ax is not None:
            a = move_batch_axis(a, ax, 0, size)
            a_shape = shape_of(a)
            a = reshape(a, (size,) + (1,) * (rank + 1 - len(a_shape)) + a_shape[1:])
        new_arrays.append(a)
    shifted = tuple(ArrayIndex(item.position + 1) if type(item) is ArrayIndex else item
                    for item in indexer)
    permutation = None
    if contiguous and positions[0] > 0:
        # One example puts its index axes after the axes of the leading slices/None/Ellipsis
        # (``pre`` of them); with arange in front NumPy puts them first: move them back.
        consumed = sum(1 for item in indexer if item is not None and item is not Ellipsis)
        def dims(items):  # result axes made by basic (non-advanced) items
            return sum((x_ndim - consumed) if item is Ellipsis else 1 for item in items
                       if type(item) is not ArrayIndex and type(item) is not int)

        pre = dims(indexer[:positions[0]])
        if pre:
            out_rank = 1 + rank + dims(indexer)
            permutation = ((0,) + tuple(range(1 + rank, 1 + rank + pre))
                           + tuple(range(1, 1 + rank)) + tuple(range(1 + rank + pre, out_rank)))
    return (ArrayIndex(0),) + shifted, new_arrays, 0, permutation


def builtins_max(values):
    return max(values) if values else 0


def _batch_getitem(values, batch_axes, *, indexer):
    x, *arrays = values
    x_axis, *array_axes = batch_axes
    size = batch_size_of(values, batch_axes)
    x = move_batch_axis(x, x_axis, 0, size)
    new_indexer, new_arrays, out_axis, permutation = _batched_indexer(
        indexer, arrays, array_axes, size, len(shape_of(x)) - 1)
    out = getitem(x, new_indexer, *new_arrays)
    return (out if permutation is None else transpose(out, permutation)), out_axis


batching_rules[getitem_p] = _batch_getitem


def _batch_index_update(values, batch_axes, *, indexer, mode):
    x, update, *arrays = values
    x_axis, update_axis, *array_axes = batch_axes
    size = batch_size_of(values, batch_axes)
    x = move_batch_axis(x, x_axis, 0, size)
    new_indexer, new_arrays, out_axis, permutation = _batched_indexer(
        indexer, arrays, array_axes, size, len(shape_of(x)) - 1)
    # Give the update the rank of the indexed target, with its batch axis (or a 1) where
    # the batch axis of x[new_indexer] lies (extra leading 1-sized axes of one example's
    # update, which NumPy allows, are dropped first).
    target_rank = len(_index_result_shape(shape_of(x), new_indexer,
                                          [get_aval_like(a) for a in new_arrays]))
    if update_axis is not None:
        update = move_batch_axis(update, update_axis, 0, size)
        u_shape = shape_of(update)
        if len(u_shape) > target_rank:
            u_shape = (size,) + u_shape[len(u_shape) - target_rank + 1:]
        update = reshape(update, (size,) + (1,) * (target_rank - len(u_shape)) + u_shape[1:])
        update = move_batch_axis(update, 0, out_axis, size)
    else:
        u_shape = tuple(shape_of(update))[-(target_rank - 1):] if target_rank > 1 else ()
        full = (1,) * (target_rank - 1 - len(u_shape)) + u_shape
        update = reshape(update, full[:out_axis] + (1,) + full[out_axis:])
    if permutation is not None:  # the target's layout is permuted: permute the update too
        update = transpose(update, np.argsort(permutation))
    return index_update(x, update, new_indexer, mode, *new_arrays), 0


def get_aval_like(a):
    return ShapedArray(shape_of(a), np.intp)


batching_rules[index_update_p] = _batch_index_update
