"""NumPy's non-numeric utilities, as code calls them through the namespace: print and error
options, predicates (``iterable``, ``isscalar``), text forms, ``broadcast_shapes``,
``apply_along_axis``/``apply_over_axes`` and ``vectorize`` (built on ``funcad.vmap``, as in
JAX), ``ufunc``/``frompyfunc``, bit packing, file input and output, and ``einsum_path``.

Functions that read or write files, or NumPy's own state, need concrete values: they refuse
abstract tracers (under ``jit``) with funcad's concretization error.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Collection, Literal, Sequence

import numpy as np
from numpy import (
    errstate,
    get_printoptions,
    geterr,
    printoptions,
    set_printoptions,
    seterr,
)

from funcad.batching import vmap
from funcad.core import Tracer, dtype_of, shape_of
from funcad.numpy._array import at
from funcad.numpy._conversion import as_operand, astype, ndim_of, normalize_axes
from funcad.numpy._creation import asarray, full
from funcad.numpy._elementwise import (
    bitwise_and,
    multiply,
    not_equal,
    right_shift,
)
from funcad.numpy._reductions import sum
from funcad.numpy._shapes import (
    broadcast_to,
    concatenate,
    expand_dims,
    moveaxis,
    ravel,
    reshape,
    stack,
)
from funcad.primitives.elementwise import broadcast_shapes as _broadcast_shapes
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "seterr", "geterr", "errstate", "set_printoptions", "get_printoptions", "printoptions",
    "iterable", "isscalar", "array_repr", "array_str", "broadcast_shapes", "apply_along_axis",
    "apply_over_axes", "vectorize", "ufunc", "frompyfunc", "from_dlpack", "load", "save",
    "savez", "packbits", "unpackbits", "einsum_path",
]


def iterable(y: Any) -> bool:
    """Whether ``y`` can be iterated (a tracer can, unless it is 0-d)."""
    if isinstance(y, Tracer):
        return ndim_of(y) > 0
    return bool(np.iterable(y))


def isscalar(element: Any) -> bool:
    """JAX's rule: Python and NumPy scalars and 0-d arrays (or tracers) are scalars; lists,
    strings and higher-dimensional arrays are not."""
    if isinstance(element, (Tracer, np.ndarray)):
        return ndim_of(element) == 0
    return isinstance(element, (bool, int, float, complex, np.generic))


def _concrete(x: Any, name: str) -> np.ndarray:
    """The value of ``x`` as a NumPy array; an abstract tracer (under jit or vmap) raises
    ConcretizationTypeError naming ``name``."""
    if isinstance(x, Tracer):
        return np.asarray(x.concrete_value(f"{name}() (it needs concrete values)"))
    return np.asarray(x)


def array_repr(arr: ArrayLike, max_line_width: int | None = None, precision: int | None = None,
               suppress_small: bool | None = None) -> str:
    """The repr of an array, as numpy.array_repr (a tracer's own repr for a tracer).

    >>> funcad.numpy.array_repr(funcad.numpy.array([1, 2]))
    'array([1, 2])'
    """
    if isinstance(arr, Tracer):
        return repr(arr)
    return np.array_repr(np.asarray(arr), max_line_width, precision, suppress_small)


def array_str(a: ArrayLike, max_line_width: int | None = None, precision: int | None = None,
              suppress_small: bool | None = None) -> str:
    """The str of an array, as numpy.array_str (a tracer's own str for a tracer).

    >>> funcad.numpy.array_str(funcad.numpy.array([1, 2]))
    '[1 2]'
    """
    if isinstance(a, Tracer):
        return str(a)
    return np.array_str(np.asarray(a), max_line_width, precision, suppress_small)


def broadcast_shapes(*shapes: int | Sequence[int]) -> tuple[int, ...]:
    """The shape that ``shapes`` (tuples or integers) broadcast to, as numpy.broadcast_shapes."""
    return _broadcast_shapes(*(tuple(s) if np.iterable(s) else (int(s),) for s in shapes))


# ----------------------------------------------------------------------------------------------
# Functions applied over axes, built on vmap.


def apply_along_axis(func1d: Callable[..., Any], axis: int, arr: ArrayLike, *args: Any,
                     **kwargs: Any) -> Array:
    """func1d applied to every 1-d slice along ``axis``; its output axes take the place of
    ``axis`` (numpy.apply_along_axis). A vmap over the other axes, so it stages and
    differentiates."""
    arr = as_operand(arr)
    ndim = ndim_of(arr)
    (axis,) = normalize_axes(axis, ndim, "apply_along_axis")
    fn = lambda x: func1d(x, *args, **kwargs)  # noqa: E731
    for _ in range(ndim - 1):
        fn = vmap(fn)
    out = as_operand(fn(moveaxis(arr, axis, -1)))
    extra = ndim_of(out) - (ndim - 1)
    return moveaxis(out, list(range(ndim - 1, ndim - 1 + extra)),
                    list(range(axis, axis + extra)))


def apply_over_axes(func: Callable[[Array, int], ArrayLike], a: ArrayLike,
                    axes: int | Sequence[int]) -> Array:
    """func(a, axis) for each axis in turn; a result with one axis fewer gets it back."""
    array = as_operand(a)
    for axis in np.atleast_1d(np.asarray(axes)).tolist():
        out = as_operand(func(array, axis))
        if ndim_of(out) == ndim_of(array) - 1:
            out = expand_dims(out, axis)
        elif ndim_of(out) != ndim_of(array):
            raise ValueError("apply_over_axes: function is not returning an array of the "
                             "correct shape")
        array = out
    return array


_DIMENSION_LIST = r"\((?:\w+(?:,\s*\w+)*)?\)"
_SIGNATURE = re.compile(rf"^{_DIMENSION_LIST}(?:,\s*{_DIMENSION_LIST})*->"
                        rf"{_DIMENSION_LIST}(?:,\s*{_DIMENSION_LIST})*$")


def _parse_signature(signature: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    compact = signature.replace(" ", "")
    if not _SIGNATURE.match(compact):
        raise ValueError(f"vectorize: not a valid gufunc signature: {signature!r}")
    inputs, outputs = compact.split("->")

    def dims(part: str) -> list[tuple[str, ...]]:
        return [tuple(d for d in group.split(",") if d)
                for group in re.findall(r"\(([^)]*)\)", part)]

    return dims(inputs), dims(outputs)


class vectorize:
    """A function of core (per-example) arrays made to broadcast over leading axes, by
    ``funcad.vmap`` (JAX's vectorize): without ``signature`` the function takes scalars;
    with one (``"(n),(n)->()"``) the named core axes are passed whole. ``excluded`` names
    positional indices or keywords passed through unchanged."""

    def __init__(self, pyfunc: Callable[..., Any], *,
                 excluded: Collection[int | str] = frozenset(),
                 signature: str | None = None) -> None:
        self.pyfunc = pyfunc
        self.excluded = frozenset(excluded)
        self.signature = signature
        self._core = _parse_signature(signature) if signature is not None else None
        self.__doc__ = getattr(pyfunc, "__doc__", None)
        self.__name__ = getattr(pyfunc, "__name__", "vectorized")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fixed_kwargs = {k: v for k, v in kwargs.items() if k in self.excluded}
        mapped_names = [k for k in kwargs if k not in self.excluded]
        positions = [i for i in range(len(args)) if i not in self.excluded]
        mapped = [as_operand(args[i]) for i in positions] + [
            as_operand(kwargs[k]) for k in mapped_names]

        def call(*values: Any) -> Any:
            full_args = list(args)
            for i, v in zip(positions, values):
                full_args[i] = v
            named = dict(fixed_kwargs)
            named.update(zip(mapped_names, values[len(positions):]))
            return self.pyfunc(*full_args, **named)

        if self._core is None:
            core_in: list[tuple[str, ...]] = [()] * len(mapped)
        else:
            core_in = self._core[0]
            if len(core_in) != len(mapped):
                raise TypeError(f"vectorize: the signature {self.signature!r} names "
                                f"{len(core_in)} inputs, but {len(mapped)} were given")
        sizes: dict[str, int] = {}
        loops = []
        for value, dims in zip(mapped, core_in):
            shape = tuple(shape_of(value))
            if len(shape) < len(dims):
                raise ValueError(f"vectorize: an input has shape {shape}, with fewer axes "
                                 f"than its core dimensions {dims} in {self.signature!r}")
            for dim, n in zip(dims, shape[len(shape) - len(dims):]):
                if sizes.setdefault(dim, n) != n:
                    raise ValueError(f"vectorize: core dimension {dim!r} has inconsistent "
                                     f"sizes {sizes[dim]} and {n}")
            loops.append(shape[:len(shape) - len(dims)])
        loop_shape = broadcast_shapes(*loops) if loops else ()
        operands = [broadcast_to(v, loop_shape + tuple(shape_of(v))[len(lp):])
                    if tuple(lp) != loop_shape else v for v, lp in zip(mapped, loops)]
        fn = call
        for _ in loop_shape:
            fn = vmap(fn)
        return fn(*operands)


# ----------------------------------------------------------------------------------------------
# ufunc: a function of scalars with NumPy's ufunc methods.


class ufunc:
    """A scalar function with NumPy's ufunc interface (JAX's ``jnp.ufunc``): calls broadcast
    (by ``vectorize``); ``outer``, ``reduce`` and ``accumulate`` (for two inputs and one
    output) and ``at`` are computed from calls, so they are differentiable and stage under
    ``jit`` (``reduce``/``accumulate`` unroll along the reduced axis)."""

    def __init__(self, func: Callable[..., Any], /, nin: int, nout: int, *,
                 name: str | None = None, nargs: int | None = None,
                 identity: ArrayLike | None = None) -> None:
        self._func = func
        self.nin, self.nout = int(nin), int(nout)
        self.nargs = self.nin if nargs is None else int(nargs)
        self.identity = identity
        self.__name__ = name or getattr(func, "__name__", "ufunc")
        self._call = vectorize(func)

    def __repr__(self) -> str:
        return f"<funcad.numpy.ufunc '{self.__name__}'>"

    def __call__(self, *args: ArrayLike, out: None = None, where: None = None) -> Any:
        if out is not None:
            raise TypeError(f"{self.__name__}: the out= argument is not supported (funcad "
                            f"arrays are immutable; use the return value).")
        if where is not None:
            raise NotImplementedError(f"{self.__name__}: the where= argument is not supported")
        if len(args) != self.nin:
            raise TypeError(f"{self.__name__} takes {self.nin} arguments, got {len(args)}")
        return self._call(*args)

    def _binary(self, method: str) -> None:
        if self.nin != 2 or self.nout != 1:
            raise ValueError(f"{method} only supported for binary functions with one output "
                             f"({self.__name__} has nin={self.nin}, nout={self.nout})")

    def outer(self, A: ArrayLike, B: ArrayLike) -> Array:
        self._binary("outer")
        A, B = as_operand(A), as_operand(B)
        return self(reshape(A, tuple(shape_of(A)) + (1,) * ndim_of(B)), B)

    def reduce(self, a: ArrayLike, axis: int | Sequence[int] | None = 0,
               dtype: DTypeLike | None = None, out: None = None, keepdims: bool = False,
               initial: ArrayLike | None = None, where: None = None) -> Array:
        self._binary("reduce")
        if out is not None:
            raise TypeError(f"{self.__name__}.reduce: the out= argument is not supported")
        if where is not None:
            raise NotImplementedError(f"{self.__name__}.reduce: where= is not supported")
        array = as_operand(a)
        if dtype is not None:
            array = astype(array, dtype)
        axes = normalize_axes(tuple(range(ndim_of(array))) if axis is None else axis,
                              ndim_of(array), f"{self.__name__}.reduce")
        if len(axes) != 1:
            for ax in sorted(axes, reverse=True):
                array = self.reduce(array, axis=ax, initial=initial, keepdims=keepdims)
                initial = None
            return array
        (ax,) = axes
        x = moveaxis(array, ax, 0)
        n = shape_of(x)[0]
        if initial is None and self.identity is not None and n == 0:
            initial = self.identity
        if n == 0 and initial is None:
            raise ValueError(f"zero-size array to reduction operation {self.__name__} which "
                             f"has no identity")
        if initial is None:
            acc, start = x[0], 1
        else:
            acc, start = full(tuple(shape_of(x))[1:], initial, dtype_of(x)), 0
        for i in range(start, n):
            acc = self(acc, x[i])
        return expand_dims(acc, ax) if keepdims else acc

    def accumulate(self, a: ArrayLike, axis: int = 0, dtype: DTypeLike | None = None,
                   out: None = None) -> Array:
        self._binary("accumulate")
        if out is not None:
            raise TypeError(f"{self.__name__}.accumulate: the out= argument is not supported")
        array = as_operand(a)
        if dtype is not None:
            array = astype(array, dtype)
        (ax,) = normalize_axes(axis, ndim_of(array), f"{self.__name__}.accumulate")
        x = moveaxis(array, ax, 0)
        if shape_of(x)[0] == 0:
            return array
        rows = [x[0]]
        for i in range(1, shape_of(x)[0]):
            rows.append(self(rows[-1], x[i]))
        return moveaxis(stack(rows), 0, ax)

    def at(self, a: ArrayLike, indices: Any, b: ArrayLike | None = None, /, *,
           inplace: bool = True) -> Array:
        """``a`` with ``func`` applied at ``indices`` (with ``b`` for a binary function);
        repeated indices are applied one after the other, as numpy.ufunc.at. funcad arrays
        are immutable, so pass ``inplace=False`` and use the result (JAX's rule)."""
        if inplace:
            raise NotImplementedError(f"{self.__name__}.at: funcad arrays are immutable; "
                                      f"call it with inplace=False and use the result")
        array = as_operand(a)
        index = np.asarray(_concrete(indices, f"{self.__name__}.at"))
        if index.dtype.kind not in "iu":
            raise TypeError(f"{self.__name__}.at: indices must be integers, got {index.dtype}")
        flat = index.reshape(-1)
        if b is not None:
            b = broadcast_to(as_operand(b), flat.shape + tuple(shape_of(array))[1:])
        for k, i in enumerate(flat.tolist()):
            current = array[i]
            value = self(current) if b is None else self(current, b[k])
            array = at(array)[i].set(value)
        return array


def frompyfunc(func: Callable[..., Any], /, nin: int, nout: int, *,
               identity: ArrayLike | None = None) -> ufunc:
    """A ``ufunc`` from a function of scalars (numpy.frompyfunc, but the results are
    funcad arrays of the function's dtype, not object arrays)."""
    return ufunc(func, nin, nout, identity=identity)


# ----------------------------------------------------------------------------------------------
# Bit packing, made of integer primitives (so it stages and batches).


def packbits(a: ArrayLike, axis: int | None = None,
             bitorder: Literal["big", "little"] = "big") -> Array:
    """Pack the truth values of ``a`` into uint8 bytes along ``axis`` (flattened when
    None), zero-padding to a multiple of 8."""
    a = as_operand(a)
    if dtype_of(a).kind not in "biu":
        raise TypeError(f"packbits: the argument a must be of integer or boolean type, got "
                        f"{dtype_of(a)}")
    if bitorder not in ("big", "little"):
        raise ValueError(f"packbits: bitorder must be 'big' or 'little', got {bitorder!r}")
    bits = astype(not_equal(a, 0), np.uint8)
    if axis is None:
        bits, axis = ravel(bits), 0
    (axis,) = normalize_axes(axis, ndim_of(bits), "packbits")
    bits = moveaxis(bits, axis, -1)
    shape = tuple(shape_of(bits))
    pad = -shape[-1] % 8
    if pad:
        bits = concatenate([bits, np.zeros(shape[:-1] + (pad,), np.uint8)], axis=-1)
    bits = reshape(bits, shape[:-1] + ((shape[-1] + pad) // 8, 8))
    weights = (2 ** np.arange(8, dtype=np.uint8))
    weights = weights[::-1] if bitorder == "big" else weights
    packed = astype(sum(multiply(bits, weights), axis=-1), np.uint8)
    return moveaxis(packed, -1, axis)


def unpackbits(a: ArrayLike, axis: int | None = None, count: int | None = None,
               bitorder: Literal["big", "little"] = "big") -> Array:
    """The bits of uint8 ``a`` as a uint8 array of 0s and 1s, along ``axis`` (flattened when
    None); ``count`` keeps the first ``count`` bits (or pads with zeros, or drops from the
    end when negative)."""
    a = as_operand(a)
    if dtype_of(a) != np.uint8:
        raise TypeError(f"unpackbits: the argument a must be of type uint8, got {dtype_of(a)}")
    if bitorder not in ("big", "little"):
        raise ValueError(f"unpackbits: bitorder must be 'big' or 'little', got {bitorder!r}")
    if axis is None:
        a, axis = ravel(a), 0
    (axis,) = normalize_axes(axis, ndim_of(a), "unpackbits")
    a = moveaxis(a, axis, -1)
    shifts = np.arange(8, dtype=np.uint8)
    shifts = shifts[::-1] if bitorder == "big" else shifts
    bits = bitwise_and(right_shift(expand_dims(a, -1), shifts), np.uint8(1))
    shape = tuple(shape_of(a))
    bits = reshape(bits, shape[:-1] + (shape[-1] * 8,))
    if count is not None:
        n = shape[-1] * 8
        keep = count if count >= 0 else max(n + count, 0)
        if keep <= n:
            bits = bits[..., :keep]
        else:
            bits = concatenate([bits, np.zeros(shape[:-1] + (keep - n,), np.uint8)], axis=-1)
    return moveaxis(bits, -1, axis)


# ----------------------------------------------------------------------------------------------
# Interchange and files: NumPy's, on concrete values.


def from_dlpack(x: Any, /, *, device: Any = None, copy: bool | None = None) -> Array:
    """An array from any object with ``__dlpack__`` (on the CPU, as NumPy reads it)."""
    if device is not None and device != "cpu":
        raise ValueError(f"from_dlpack: only the CPU is supported, got device={device!r}")
    return asarray(np.from_dlpack(x, copy=copy))


def save(file: Any, arr: ArrayLike, allow_pickle: bool = True) -> None:
    """Write an array to a .npy file, as numpy.save; refuses tracers (the values are not known
    inside a transformation).

    >>> import io
    >>> buffer = io.BytesIO()
    >>> funcad.numpy.save(buffer, funcad.numpy.arange(3))
    >>> _ = buffer.seek(0)
    >>> funcad.numpy.load(buffer)
    Array([0, 1, 2])
    """
    np.save(file, _concrete(arr, "funcad.numpy.save"), allow_pickle=allow_pickle)


def savez(file: Any, *args: ArrayLike, **kwds: ArrayLike) -> None:
    """Write arrays to an uncompressed .npz file (positional ones named ``arr_0``...), as
    numpy.savez; refuses tracers.

    >>> import io
    >>> buffer = io.BytesIO()
    >>> funcad.numpy.savez(buffer, x=funcad.numpy.arange(3))
    >>> _ = buffer.seek(0)
    >>> funcad.numpy.load(buffer)['x']
    array([0, 1, 2])
    """
    named: dict[str, Any] = {k: _concrete(v, "funcad.numpy.savez") for k, v in kwds.items()}
    np.savez(file, *(_concrete(a, "funcad.numpy.savez") for a in args), **named)


def load(file: Any, *args: Any, **kwargs: Any) -> Any:
    """numpy.load; a single array comes back as a funcad array (an ``.npz`` archive as
    NumPy's lazy mapping of arrays)."""
    out = np.load(file, *args, **kwargs)
    return asarray(out) if isinstance(out, np.ndarray) else out


def einsum_path(subscripts: str, *operands: ArrayLike,
                optimize: bool | str | list[Any] = "greedy") -> tuple[list[Any], str]:
    """NumPy's contraction order for ``einsum`` (it depends only on the operands' shapes, so
    tracers are fine)."""
    dummies = [np.broadcast_to(np.zeros((), dtype_of(x)), tuple(shape_of(x)))
               for x in (as_operand(o) for o in operands)]
    return np.einsum_path(subscripts, *dummies, optimize=optimize)

