"""Creating arrays: ``asarray`` and ``array`` (tracers, and nested lists holding them, stay
differentiable), the constants (``zeros``, ``arange``, ``eye``, the index helpers...), which
are plain NumPy arrays viewed as ``Array`` (for ``.at``): they carry no derivative and cost
no equation under a trace, and the sequences and grids (``linspace``, ``meshgrid``,
``vander``...), built from funcad ops when an input is traced, so that their endpoints and
values can be differentiated.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Iterable, Literal, Protocol, Sequence, TypeVar, cast, overload

import numpy as np

from funcad.core import Tracer, dtype_of, shape_of
from funcad.numpy._array import returns_array, with_at
from funcad.numpy._conversion import as_operand, astype, contains_tracer, ndim_of
from funcad.numpy._elementwise import (
    absolute,
    add,
    exp,
    floor,
    log,
    multiply,
    power,
    sign,
    subtract,
    true_divide,
)
from funcad.numpy._shapes import (
    broadcast_to,
    concatenate,
    diag,
    expand_dims,
    flip,
    moveaxis,
    ravel,
    reshape,
    stack,
)
from funcad.primitives import indexing
from funcad.primitives.indexing import ArrayIndex, Slice, index_update
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "asarray", "array", "copy", "zeros_like", "ones_like", "full_like", "empty_like", "full",
    "zeros", "ones", "empty", "eye", "identity", "arange", "linspace", "logspace",
    "geomspace", "tri", "meshgrid", "indices", "tril_indices", "triu_indices",
    "tril_indices_from", "triu_indices_from", "diag_indices", "diag_indices_from",
    "mask_indices", "diagflat", "fromfunction", "vander", "fill_diagonal", "frombuffer",
    "fromiter", "fromstring", "fromfile",
]


_Result = TypeVar("_Result")


def _traced(*values: Any) -> bool:
    return any(contains_tracer(v) for v in values)


def asarray(a: ArrayLike, dtype: DTypeLike | None = None,
            order: Literal["K", "A", "C", "F"] | None = None, *,
            copy: bool | None = None) -> Array:
    """Like numpy.asarray; tracers (and nested lists and tuples holding tracers) stay
    differentiable."""
    if _traced(a):
        out = as_operand(a)
        return out if dtype is None else astype(out, dtype)
    concrete = cast(Any, a)  # (no tracer in it: NumPy's own conversion)
    if order is None:
        return with_at(np.asarray(concrete, dtype=dtype, copy=copy))
    return with_at(np.asarray(concrete, dtype=dtype, order=order, copy=copy))


def array(object: ArrayLike, dtype: DTypeLike | None = None, copy: bool = True,
          order: Literal["K", "A", "C", "F"] | None = "K", ndmin: int = 0) -> Array:
    """Like numpy.array; tracers (and nested lists holding them) stay differentiable, and
    are never copied (funcad's values are immutable)."""
    if _traced(object):
        out = asarray(object, dtype)
        if ndmin > ndim_of(out):
            out = reshape(out, (1,) * (ndmin - ndim_of(out)) + tuple(shape_of(out)))
        return out
    return with_at(np.array(cast(Any, object), dtype=dtype, copy=copy, order=order,
                            ndmin=ndmin))


def copy(a: ArrayLike, order: Literal["K", "A", "C", "F"] = "K") -> Array:
    """A copy of ``a`` (a tracer is returned as it is: it cannot be modified anyway)."""
    if _traced(a):
        return as_operand(a)
    return with_at(np.array(cast(Any, a), copy=True, order=order))


def zeros_like(a: ArrayLike, dtype: DTypeLike | None = None,
               shape: int | Sequence[int] | None = None) -> Array:
    """An array of zeros of ``a``'s shape and dtype (or ``shape`` and ``dtype``), as
    numpy.zeros_like; constant (derivative zero).

    >>> funcad.numpy.zeros_like(funcad.numpy.array([1, 2]))
    Array([0, 0])
    """
    a = as_operand(a)
    return with_at(np.zeros(shape_of(a) if shape is None else shape,
                            dtype_of(a) if dtype is None else dtype))


def ones_like(a: ArrayLike, dtype: DTypeLike | None = None,
              shape: int | Sequence[int] | None = None) -> Array:
    """An array of ones of ``a``'s shape and dtype (or ``shape`` and ``dtype``), as
    numpy.ones_like; constant (derivative zero).

    >>> funcad.numpy.ones_like(funcad.numpy.array([[1.0, 2.0]]))
    Array([[1., 1.]])
    """
    a = as_operand(a)
    return with_at(np.ones(shape_of(a) if shape is None else shape,
                           dtype_of(a) if dtype is None else dtype))


def full_like(a: ArrayLike, fill_value: ArrayLike, dtype: DTypeLike | None = None,
              shape: int | Sequence[int] | None = None) -> Array:
    """An array of ``a``'s shape and dtype (or ``shape`` and ``dtype``) filled with ``fill_value``,
    as numpy.full_like; differentiable in a traced ``fill_value``.

    >>> funcad.numpy.full_like(funcad.numpy.array([1, 2, 3]), 9)
    Array([9, 9, 9])
    """
    a = as_operand(a)
    shape = shape_of(a) if shape is None else shape
    dtype = dtype_of(a) if dtype is None else dtype
    if isinstance(fill_value, Tracer):
        return broadcast_to(astype(fill_value, dtype), shape)
    return with_at(np.full(shape, fill_value, dtype))


def empty_like(a: ArrayLike, dtype: DTypeLike | None = None,
               shape: int | Sequence[int] | None = None) -> Array:
    """A new array of ``a``'s shape and dtype (or ``dtype`` and ``shape``); unlike numpy.empty_like
    it is filled with zeros, as in JAX.

    >>> funcad.numpy.empty_like(funcad.numpy.array([1.5, 2.5]))
    Array([0., 0.])
    """
    return zeros_like(a, dtype, shape)


def full(shape: int | Sequence[int], fill_value: ArrayLike,
         dtype: DTypeLike | None = None) -> Array:
    """An array of ``shape`` (an int or a tuple) filled with ``fill_value``, as numpy.full; a
    traced ``fill_value`` is broadcast, so the result is differentiable in it.

    >>> funcad.numpy.full((2, 2), 7)
    Array([[7, 7],
           [7, 7]])
    >>> funcad.grad(lambda v: funcad.numpy.full(3, v).sum())(1.0)
    np.float64(3.0)
    """
    if _traced(fill_value):
        fill_value = as_operand(fill_value)
        value = fill_value if dtype is None else astype(fill_value, dtype)
        return broadcast_to(value, (shape,) if isinstance(shape, int) else tuple(shape))
    return with_at(np.full(shape, fill_value, dtype))


class _Filled(Protocol):
    """The type of ``zeros``, ``ones`` and ``empty`` (numpy.zeros' parameters)."""

    def __call__(self, shape: int | Sequence[int], dtype: DTypeLike | None = None,
                 order: Literal["C", "F"] = "C", *, device: str | None = None,
                 like: Any = None) -> Array: ...


class _Eye(Protocol):
    """The type of ``eye`` (numpy.eye's parameters)."""

    def __call__(self, N: int, M: int | None = None, k: int = 0, dtype: DTypeLike | None = float,
                 order: Literal["C", "F"] = "C", *, device: str | None = None,
                 like: Any = None) -> Array: ...


class _Identity(Protocol):
    """The type of ``identity`` (numpy.identity's parameters)."""

    def __call__(self, n: int, dtype: DTypeLike | None = None, *, like: Any = None) -> Array: ...


class _Arange(Protocol):
    """The type of ``arange`` (numpy.arange's parameters: ``arange(stop)`` or
    ``arange(start, stop[, step])``)."""

    def __call__(self, start: ArrayLike, stop: ArrayLike | None = None,
                 step: ArrayLike | None = None, dtype: DTypeLike | None = None, *,
                 device: str | None = None, like: Any = None) -> Array: ...


class _Tri(Protocol):
    """The type of ``tri`` (numpy.tri's parameters)."""

    def __call__(self, N: int, M: int | None = None, k: int = 0, dtype: DTypeLike = float, *,
                 like: Any = None) -> Array: ...


zeros: _Filled = returns_array(np.zeros)
ones: _Filled = returns_array(np.ones)
empty: _Filled = returns_array(np.zeros)
eye: _Eye = returns_array(np.eye)
identity: _Identity = returns_array(np.identity)
arange: _Arange = returns_array(np.arange)
tri: _Tri = returns_array(np.tri)


# ----------------------------------------------------------------------------------------------
# Sequences: NumPy's when the endpoints are concrete, funcad ops when they are traced.


def _check_num(num: Any, name: str) -> int:
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"{name}: number of samples, {num}, must be non-negative")
    return num


def _sample_axis(values: Any, axis: int, name: str) -> Any:
    """Move the samples' leading axis to ``axis`` (of the result's rank)."""
    n = ndim_of(values)
    if not -n <= axis < n:
        raise np.exceptions.AxisError(f"{name}: axis {axis} is out of bounds for an array of "
                                      f"dimension {n}")
    return moveaxis(values, 0, axis) if axis % n else values


@overload
def linspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
             retstep: Literal[False] = False, dtype: DTypeLike | None = None,
             axis: int = 0) -> Array: ...
@overload
def linspace(start: ArrayLike, stop: ArrayLike, num: int, endpoint: bool,
             retstep: Literal[True], dtype: DTypeLike | None = None,
             axis: int = 0) -> tuple[Array, Array]: ...
@overload
def linspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True, *,
             retstep: Literal[True], dtype: DTypeLike | None = None,
             axis: int = 0) -> tuple[Array, Array]: ...
@overload
def linspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype: DTypeLike | None = None,
             axis: int = 0) -> Array | tuple[Array, Array]: ...
def linspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype: DTypeLike | None = None,
             axis: int = 0) -> Array | tuple[Array, Array]:
    """``num`` evenly spaced samples from ``start`` to ``stop``; traced endpoints give
    ``start + i * step`` (the last sample exactly ``stop``), differentiable in both."""
    num = _check_num(num, "linspace")
    if not _traced(start, stop):
        # (NumPy's stubs overload on a literal retstep; here it is a bool, both are handled.)
        out = np.linspace(cast(Any, start), cast(Any, stop), num, endpoint, retstep, dtype,  # type: ignore[call-overload]
                          axis)
        return (with_at(out[0]), out[1]) if retstep else with_at(out)
    start, stop = as_operand(start), as_operand(stop)
    work = np.result_type(dtype_of(start), dtype_of(stop), float)
    start, stop = astype(start, work), astype(stop, work)
    shape = np.broadcast_shapes(shape_of(start), shape_of(stop))
    start, stop = broadcast_to(start, shape), broadcast_to(stop, shape)
    div = num - 1 if endpoint else num
    delta = subtract(stop, start)
    steps = np.arange(num, dtype=work).reshape((num,) + (1,) * len(shape))
    if div > 0:
        step = true_divide(delta, div)
        samples = add(multiply(steps, step), start)
        if endpoint and num > 1:
            samples = concatenate([indexing.getitem(samples, (Slice(None, -1, None),)),
                                   expand_dims(stop, 0)], 0)
    else:
        step = with_at(np.full(shape, np.nan, work))
        samples = add(multiply(steps, delta), start)
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind in "iu":
            samples = floor(samples)
        samples = astype(samples, dtype)
    samples = _sample_axis(samples, axis, "linspace")
    return (samples, step) if retstep else samples


def logspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
             base: ArrayLike = 10.0, dtype: DTypeLike | None = None, axis: int = 0) -> Array:
    """``base ** linspace(start, stop)``; ``base`` may be an array (broadcast with the
    endpoints) and may be traced."""
    num = _check_num(num, "logspace")
    if not _traced(start, stop, base):
        return with_at(np.logspace(cast(Any, start), cast(Any, stop), num, endpoint,
                                   cast(Any, base), dtype, axis))
    exponents = linspace(start, stop, num, endpoint, axis=0)
    base = as_operand(base)
    if ndim_of(base):
        exponents, base = _broadcast_samples(exponents, base)
    out = _sample_axis(power(base, exponents), axis, "logspace")
    return out if dtype is None else astype(out, dtype)


def _broadcast_samples(samples: Any, other: Any) -> tuple[Any, Any]:
    """Samples (axis 0 first) and an array broadcast with one sample."""
    one = tuple(shape_of(samples))[1:]
    shape = np.broadcast_shapes(one, shape_of(other))
    num = shape_of(samples)[0]
    samples = reshape(samples, (num,) + (1,) * (len(shape) - len(one)) + one)
    return broadcast_to(samples, (num,) + shape), broadcast_to(other, shape)


def geomspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
              dtype: DTypeLike | None = None, axis: int = 0) -> Array:
    """``num`` samples evenly spaced on a log scale from ``start`` to ``stop`` (of the same
    sign; the endpoints are exact)."""
    num = _check_num(num, "geomspace")
    if not _traced(start, stop):
        return with_at(np.geomspace(cast(Any, start), cast(Any, stop), num, endpoint, dtype,
                                    axis))
    start, stop = as_operand(start), as_operand(stop)
    for name, value in (("start", start), ("stop", stop)):
        if not isinstance(value, Tracer) and np.any(np.asarray(value) == 0):
            raise ValueError(f"geomspace: geometric sequence cannot include zero ({name})")
    if dtype_of(start).kind == "c" or dtype_of(stop).kind == "c":
        raise NotImplementedError("geomspace: complex traced endpoints are not supported")
    work = np.result_type(dtype_of(start), dtype_of(stop), float)
    start, stop = astype(start, work), astype(stop, work)
    direction = sign(start)
    samples = linspace(log(absolute(start)), log(absolute(stop)), num, endpoint, axis=0)
    samples = multiply(exp(samples), direction)
    if num:
        first = expand_dims(broadcast_to(start, tuple(shape_of(samples))[1:]), 0)
        parts = [first, indexing.getitem(samples, (Slice(1, None, None),))]
        if endpoint and num > 1:
            last = expand_dims(broadcast_to(stop, tuple(shape_of(samples))[1:]), 0)
            parts = [first, indexing.getitem(samples, (Slice(1, -1, None),)), last]
        samples = concatenate(parts, 0)
    out = _sample_axis(samples, axis, "geomspace")
    return out if dtype is None else astype(out, dtype)


def meshgrid(*xi: ArrayLike, copy: bool = True, sparse: bool = False,
             indexing: str = "xy") -> list[Array]:
    """Coordinate grids from 1-d coordinate vectors (``indexing="xy"``: the first two
    axes swapped, as in NumPy), broadcast unless ``sparse``."""
    if indexing not in ("xy", "ij"):
        raise ValueError("meshgrid: valid values for `indexing` are 'xy' and 'ij'")
    vectors = [ravel(as_operand(x)) for x in xi]
    ndim = len(vectors)
    lengths = [shape_of(v)[0] for v in vectors]
    if indexing == "xy" and ndim > 1:
        lengths[0], lengths[1] = lengths[1], lengths[0]
    grids = []
    for i, v in enumerate(vectors):
        position = i
        if indexing == "xy" and ndim > 1 and i < 2:
            position = 1 - i
        shape = [1] * ndim
        shape[position] = shape_of(v)[0]
        g = reshape(v, shape)
        if not sparse:
            g = broadcast_to(g, tuple(lengths))
        grids.append(with_at(np.array(g)) if copy and not isinstance(g, Tracer) else g)
    return grids


# ----------------------------------------------------------------------------------------------
# Index helpers (static shapes: NumPy's own, viewed as Array)


@overload
def indices(dimensions: Sequence[int], dtype: DTypeLike | None = None,
            sparse: Literal[False] = False) -> Array: ...
@overload
def indices(dimensions: Sequence[int], dtype: DTypeLike | None = None, *,
            sparse: Literal[True]) -> tuple[Array, ...]: ...
@overload
def indices(dimensions: Sequence[int], dtype: DTypeLike | None,
            sparse: Literal[True]) -> tuple[Array, ...]: ...
@overload
def indices(dimensions: Sequence[int], dtype: DTypeLike | None = None,
            sparse: bool = False) -> Array | tuple[Array, ...]: ...
def indices(dimensions: Sequence[int], dtype: DTypeLike | None = None,
            sparse: bool = False) -> Array | tuple[Array, ...]:
    """The grid of indices of an array of shape ``dimensions``: one stacked array, or a tuple of
    broadcastable arrays if ``sparse``, as numpy.indices.

    >>> funcad.numpy.indices((2, 3))[1]
    Array([[0, 1, 2],
           [0, 1, 2]])
    """
    # (NumPy's stubs overload on a literal sparse; here it is a bool, both are handled.)
    out = np.indices(tuple(dimensions), int if dtype is None else dtype, sparse)  # type: ignore[call-overload]
    return tuple(with_at(g) for g in out) if sparse else with_at(out)


def tril_indices(n: int, k: int = 0, m: int | None = None) -> tuple[Array, Array]:
    """The row and column indices of the lower triangle (on and below the ``k``-th diagonal) of an
    (n, m) array, as numpy.tril_indices.

    >>> funcad.numpy.tril_indices(2)
    (Array([0, 1, 1]), Array([0, 0, 1]))
    """
    return cast("tuple[Array, Array]", tuple(with_at(i) for i in np.tril_indices(n, k, m)))


def triu_indices(n: int, k: int = 0, m: int | None = None) -> tuple[Array, Array]:
    """The row and column indices of the upper triangle (on and above the ``k``-th diagonal) of an
    (n, m) array, as numpy.triu_indices.

    >>> funcad.numpy.triu_indices(2)
    (Array([0, 0, 1]), Array([0, 1, 1]))
    """
    return cast("tuple[Array, Array]", tuple(with_at(i) for i in np.triu_indices(n, k, m)))


def _matrix_shape(arr: Any, name: str) -> tuple[int, int]:
    shape = tuple(shape_of(as_operand(arr)))
    if len(shape) != 2:
        raise ValueError(f"{name}: input array must be 2-d, got shape {shape}")
    return shape


def tril_indices_from(arr: ArrayLike, k: int = 0) -> tuple[Array, Array]:
    """The indices of the lower triangle of the 2-d ``arr``, as numpy.tril_indices_from.

    >>> funcad.numpy.tril_indices_from(funcad.numpy.ones((2, 2)))
    (Array([0, 1, 1]), Array([0, 0, 1]))
    """
    rows, cols = _matrix_shape(arr, "tril_indices_from")
    return tril_indices(rows, k, cols)


def triu_indices_from(arr: ArrayLike, k: int = 0) -> tuple[Array, Array]:
    """The indices of the upper triangle of the 2-d ``arr``, as numpy.triu_indices_from.

    >>> funcad.numpy.triu_indices_from(funcad.numpy.ones((2, 2)))
    (Array([0, 0, 1]), Array([0, 1, 1]))
    """
    rows, cols = _matrix_shape(arr, "triu_indices_from")
    return triu_indices(rows, k, cols)


def diag_indices(n: int, ndim: int = 2) -> tuple[Array, ...]:
    """The index arrays of the main diagonal of an ``ndim``-dimensional array of side ``n``, as
    numpy.diag_indices.

    >>> funcad.numpy.diag_indices(3)
    (Array([0, 1, 2]), Array([0, 1, 2]))
    """
    return tuple(with_at(i) for i in np.diag_indices(n, ndim))


def diag_indices_from(arr: ArrayLike) -> tuple[Array, ...]:
    """The index arrays of the main diagonal of ``arr`` (at least 2-d, all sides equal), as
    numpy.diag_indices_from.

    >>> funcad.numpy.diag_indices_from(funcad.numpy.ones((2, 2)))
    (Array([0, 1]), Array([0, 1]))
    """
    shape = tuple(shape_of(as_operand(arr)))
    if len(shape) < 2:
        raise ValueError("diag_indices_from: input array must be at least 2-d")
    if len(set(shape)) != 1:
        raise ValueError("diag_indices_from: all dimensions of input must be of equal length")
    return diag_indices(shape[0], len(shape))


def mask_indices(n: int, mask_func: Callable[..., ArrayLike],
                 k: int = 0) -> tuple[Array, Array]:
    """The indices where ``mask_func(ones((n, n)), k)`` is nonzero (``triu``, ``tril``...)."""
    mask = np.asarray(mask_func(np.ones((n, n), int), k))
    return cast("tuple[Array, Array]", tuple(with_at(i) for i in np.nonzero(mask != 0)))


def diagflat(v: ArrayLike, k: int = 0) -> Array:
    """A 2-d array with the flattened ``v`` on its ``k``-th diagonal, as numpy.diagflat.
    Differentiable.

    >>> funcad.numpy.diagflat(funcad.numpy.array([[1, 2]]))
    Array([[1, 0],
           [0, 2]])
    """
    return diag(ravel(as_operand(v)), k)


def fromfunction(function: Callable[..., _Result], shape: Sequence[int], *,
                 dtype: DTypeLike = float, **kwargs: Any) -> _Result:
    """``function`` called once, on the coordinate grids of ``shape``."""
    grids = indices(tuple(shape), dtype)
    return function(*grids, **kwargs)


def vander(x: ArrayLike, N: int | None = None, increasing: bool = False) -> Array:
    """The Vandermonde matrix: columns of powers of ``x``, made by repeated products (so
    the derivative is exact at 0)."""
    x = as_operand(x)
    if ndim_of(x) != 1:
        raise ValueError("vander: x must be a one-dimensional array or sequence")
    n = shape_of(x)[0] if N is None else operator.index(N)
    if n < 0:
        raise ValueError("vander: N must be nonnegative")
    if n == 0:
        return with_at(np.zeros((shape_of(x)[0], 0), np.result_type(dtype_of(x), int)))
    columns = [with_at(np.ones(shape_of(x), np.result_type(dtype_of(x), int)))]
    for _ in range(n - 1):
        columns.append(multiply(columns[-1], x))
    out = stack(columns, axis=1)
    return out if increasing else flip(out, 1)


def fill_diagonal(a: ArrayLike, val: ArrayLike, wrap: bool = False, *,
                  inplace: bool = True) -> Array:
    """A copy of ``a`` with its main diagonal set to ``val`` (repeated cyclically); JAX's
    functional form, so ``inplace=False`` is required."""
    if inplace:
        raise ValueError("fill_diagonal: funcad arrays are immutable, so fill_diagonal cannot "
                         "modify its argument in place; pass inplace=False and use the result")
    a = as_operand(a)
    shape = tuple(shape_of(a))
    if len(shape) < 2:
        raise ValueError("fill_diagonal: array must be at least 2-d")
    if len(shape) == 2:
        step = shape[1] + 1
        end = None if wrap else shape[1] * shape[1]
    else:
        if len(set(shape)) != 1:
            raise ValueError("fill_diagonal: all dimensions of input must be of equal length")
        step = 1 + int(np.cumprod(shape[:-1]).sum())
        end = None
    size = int(np.prod(shape, dtype=np.int64))
    positions = np.arange(size)[:end:step]
    val = ravel(astype(as_operand(val), dtype_of(a)))
    if positions.size == 0 or shape_of(val)[0] == 0:
        return cast(Array, a)
    if shape_of(val)[0] != positions.size:
        val = indexing.getitem(val, (ArrayIndex(0),), np.arange(positions.size)
                               % shape_of(val)[0])
    flat = index_update(ravel(a), val, (ArrayIndex(0),), "set", positions)
    return reshape(flat, shape)


# ----------------------------------------------------------------------------------------------
# From bytes, strings and iterables (concrete by nature: NumPy's semantics)


def frombuffer(buffer: Any, dtype: DTypeLike = float, count: int = -1,
               offset: int = 0) -> Array:
    r"""A 1-d array read from a bytes-like ``buffer`` (``count`` items of ``dtype`` from byte
    ``offset``), as numpy.frombuffer; the result is a copy, not a view of the buffer.

    >>> funcad.numpy.frombuffer(b'\x01\x02', dtype=funcad.numpy.uint8)
    Array([1, 2], dtype=uint8)
    """
    return with_at(np.frombuffer(buffer, dtype, count, offset))


def fromiter(iterable: Iterable[Any], dtype: DTypeLike, count: int = -1) -> Array:
    """A 1-d array of ``dtype`` from the items of ``iterable`` (at most ``count``), as
    numpy.fromiter.

    >>> funcad.numpy.fromiter(range(4), dtype=int)
    Array([0, 1, 2, 3])
    """
    return with_at(np.fromiter(iterable, dtype, count))


def fromstring(string: str, dtype: DTypeLike = float, count: int = -1, *, sep: str) -> Array:
    """Numbers read from text separated by ``sep`` (NumPy's binary mode, sep='', is gone)."""
    return with_at(np.fromstring(string, dtype, count, sep=sep))



def fromfile(file: Any, dtype: DTypeLike = float, count: int = -1, sep: str = "",
             offset: int = 0, **kwargs: Any) -> Array:
    """An array read from a file (binary, or text with ``sep``), as numpy.fromfile.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'x.bin')
    >>> funcad.numpy.arange(3.0).tofile(path)
    >>> funcad.numpy.fromfile(path)
    Array([0., 1., 2.])
    """
    return with_at(np.fromfile(file, dtype, count, sep, offset, **kwargs))
