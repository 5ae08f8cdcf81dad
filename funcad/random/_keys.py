"""PRNG keys and the Threefry streams behind them, laid out as in JAX.

A key is two uint32 words. ``PRNGKey(seed)`` gives them raw (a uint32 array of shape (2,));
``key(seed)`` gives a typed key, a ``KeyArray`` wrapping uint32 data of shape (..., 2) whose
``shape`` leaves out the trailing 2. Every function takes either kind and returns keys of the
kind it was given. A ``KeyArray`` is a pytree with its data as the one leaf, so it passes through
``jit``, ``vmap`` and ``grad`` like any array of integers.

The streams follow JAX's default "partitionable" Threefry layout: the n-th of the values of a
shape is the Threefry hash of the counter ``n`` (as 64 bits, high word and low word) under the
key, so a value depends only on its own index, and ``split`` is the same hash with the keys'
index as counter. ``bits`` of 32 bits xor the two output words; of 64 bits, join them.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar, Union, overload

import numpy as np

import funcad.lax as lax
import funcad.numpy as fnp
from funcad.core import Tracer, dtype_of, shape_of
from funcad.numpy._array import with_at
from funcad.primitives.random import random_bits as random_bits_primitive
from funcad.primitives.random import (
    random_bits_numpy,
    threefry2x32,
    threefry2x32_counters,
    threefry2x32_numpy,
)
from funcad.tree_util import register_pytree_node
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "KeyArray", "KeyArrayLike", "KeyDtype", "PRNGKey", "key", "key_data", "wrap_key_data",
    "key_impl", "key_dtype", "clone", "split", "fold_in", "bits", "random_bits", "as_key_data",
    "canonical_shape", "threefry_2x32", "threefry_seed", "UINT_DTYPES",
]

UINT_DTYPES = {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}
_FEW_KEYS = 16  # splits into at most this many keys hash on Python ints


class KeyDtype:
    """The dtype of typed keys: ``key<fry>``, the Threefry-2x32 implementation."""

    name = "key<fry>"

    def __repr__(self) -> str:
        return self.name

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KeyDtype) or other == self.name

    def __hash__(self) -> int:
        return hash(self.name)


_KEY_DTYPE = KeyDtype()


class KeyArray:
    """An array of typed PRNG keys: uint32 ``data`` of shape ``(*shape, 2)``."""

    __slots__ = ("data",)
    __array_priority__ = 100

    def __init__(self, data: Any):
        self.data = data

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(shape_of(self.data))[:-1]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def dtype(self) -> KeyDtype:
        return _KEY_DTYPE

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of an unsized key array (shape ())")
        return self.shape[0]

    def __iter__(self) -> Iterator[KeyArray]:
        if not self.shape:
            raise TypeError("iteration over a single key (shape ()): split it first, "
                            "e.g. funcad.random.split(key, 2)")
        return (self[i] for i in range(self.shape[0]))

    def __getitem__(self, index: Any) -> KeyArray:
        index = index if isinstance(index, tuple) else (index,)
        if any(i is Ellipsis for i in index):
            return KeyArray(self.data[index + (slice(None),)])
        return KeyArray(self.data[index + (Ellipsis, slice(None))])

    def reshape(self, *shape: Any) -> KeyArray:
        dims = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return KeyArray(fnp.reshape(self.data, tuple(dims) + (2,)))

    @property
    def T(self) -> KeyArray:
        axes = tuple(reversed(range(self.ndim))) + (self.ndim,)
        return KeyArray(fnp.transpose(self.data, axes))

    def __eq__(self, other: object) -> Any:
        if not isinstance(other, KeyArray):
            return NotImplemented
        return fnp.all(fnp.equal(self.data, other.data), axis=-1)

    def __ne__(self, other: object) -> Any:
        if not isinstance(other, KeyArray):
            return NotImplemented
        return fnp.logical_not(self == other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        if isinstance(self.data, Tracer):
            return f"KeyArray(shape={self.shape}, dtype=key<fry>, traced)"
        return f"Array({self.shape}, dtype=key<fry>) overlaying:\n{np.asarray(self.data)}"


register_pytree_node(KeyArray, lambda k: ((k.data,), None), lambda _, data: KeyArray(*data))

KeyArrayLike = Union[ArrayLike, KeyArray]
"""What the samplers take as a key: a typed key (``KeyArray``) or raw uint32 key data."""
_Key = TypeVar("_Key")


def _describe(value: Any) -> str:
    if isinstance(value, (bool, int, float)):
        return f"{type(value).__name__} {value!r}"
    return f"{type(value).__name__} of dtype {dtype_of(value)} and shape {tuple(shape_of(value))}"


def as_key_data(name: str, key: Any, *, allow_batched: bool = False) -> tuple[Any, bool]:
    """The uint32 (..., 2) data of ``key`` and whether it was typed; an error if not a key."""
    if isinstance(key, KeyArray):
        data, typed = key.data, True
    elif isinstance(key, np.ndarray) and key.shape == (2,) and key.dtype == np.uint32:
        return key, False  # the common raw key, checked at once
    else:
        try:
            dtype, shape = np.dtype(dtype_of(key)), tuple(shape_of(key))
        except (TypeError, ValueError):
            dtype, shape = None, ()
        if isinstance(key, (bool, int, float)) or dtype != np.uint32 or shape[-1:] != (2,):
            raise TypeError(
                f"{name}: key must be a PRNG key, got {_describe(key)}; make one with "
                f"funcad.random.key(seed) (or the raw funcad.random.PRNGKey(seed), uint32 of "
                f"shape (2,)) and split it for more keys")
        data, typed = key, False
    if not allow_batched and len(shape_of(data)) != 1:
        raise ValueError(
            f"{name} accepts a single key, but was given a key array of shape "
            f"{tuple(shape_of(data))[:-1]} != (). Use funcad.vmap for batching.")
    return data, typed


def _wrap(data: Any, typed: bool) -> Any:
    return KeyArray(data) if typed else data


def canonical_shape(name: str, shape: Any) -> tuple[int, ...]:
    """A shape as a tuple of Python ints, or an error naming the argument."""
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        shape = tuple(operator.index(d) for d in shape)
    except TypeError:
        raise TypeError(f"{name}: shape must be a sequence of integers, got {shape!r}") from None
    if any(d < 0 for d in shape):
        raise ValueError(f"{name}: shape must have non-negative sizes, got {shape}")
    return shape


# ----------------------------------------------------------------------------------------------
# Threefry on key data.


def _counters(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The 64-bit counters 0, 1, ... of ``shape`` as high and low uint32 words."""
    count = math.prod(shape)
    if count > 2 ** 64:
        raise NotImplementedError("random bits array of size exceeding 2 ** 64")
    if count < 2 ** 32:
        low = np.arange(count, dtype=np.uint32).reshape(shape)
        return np.zeros((), np.uint32), low
    index = np.arange(count, dtype=np.uint64).reshape(shape)
    return (index >> np.uint64(32)).astype(np.uint32), index.astype(np.uint32)


def _hash_counters(data: Any, shape: tuple[int, ...]) -> list[Any]:
    high, low = _counters(shape)
    if high.shape != low.shape:
        high = np.zeros(low.shape, np.uint32)
    if not isinstance(data, Tracer):
        # A concrete key (the common eager case): straight to NumPy, no binds. The result
        # is integers, so no transformation needs to see it.
        data = np.asarray(data)
        return list(threefry2x32_numpy(data[..., 0], data[..., 1], high, low))
    # (a Tracer's indexing is installed at run time by funcad.numpy, unseen by mypy)
    return threefry2x32(data[..., 0], data[..., 1], high, low)  # type: ignore[index]


def threefry_2x32(keypair: Any, count: ArrayLike) -> Array:
    """JAX's ``threefry_2x32``: hash a flat uint32 array of counts, halves as the two words."""
    count = fnp.asarray(count, np.uint32)
    shape = tuple(shape_of(count))
    flat = fnp.ravel(count)
    n = flat.shape[0]
    if n % 2:
        flat = fnp.concatenate([flat, np.zeros((1,), np.uint32)])
    half = flat.shape[0] // 2
    words = threefry2x32(keypair[0], keypair[1], flat[:half], flat[half:])
    hashed = fnp.concatenate(words)
    return fnp.reshape(hashed[:n], shape)


def threefry_seed(seed: Any) -> Any:
    """Key data from an integer seed: its 64 bits as (high word, low word)."""
    if isinstance(seed, (bool, int)) or isinstance(seed, np.integer):
        if isinstance(seed, int) and not -(2 ** 63) <= seed < 2 ** 64:
            raise OverflowError(f"seed {seed} does not fit in 64 bits")
        if isinstance(seed, int):
            seed = np.int64(seed) if seed < 2 ** 63 else np.uint64(seed)
    seed = fnp.asarray(seed)
    if shape_of(seed) != ():
        raise TypeError(f"PRNG key seed must be a scalar; got shape {tuple(shape_of(seed))}. "
                        "Use funcad.vmap for batching")
    dtype = np.dtype(dtype_of(seed))
    if not np.issubdtype(dtype, np.integer):
        raise TypeError(f"PRNG key seed must be an integer; got dtype {dtype}")
    if dtype.itemsize == 8:
        wide = lax.convert_element_type(seed, np.uint64)
        high: ArrayLike = lax.convert_element_type(fnp.right_shift(wide, np.uint64(32)), np.uint32)
    else:
        wide = seed
        high = np.zeros((), np.uint32)
    low = lax.convert_element_type(fnp.bitwise_and(wide, 0xFFFFFFFF), np.uint32)
    return fnp.stack([high, low])


def PRNGKey(seed: ArrayLike, *, impl: str | None = None) -> Array:
    """A raw key (uint32 of shape (2,)) from an integer seed, as ``jax.random.PRNGKey``."""
    _check_impl(impl)
    if isinstance(seed, KeyArray):
        raise TypeError("PRNGKey accepts a scalar seed, but was given a PRNG key.")
    return threefry_seed(seed)


def key(seed: ArrayLike, *, impl: str | None = None) -> KeyArray:
    """A typed key (``KeyArray`` of shape ()) from an integer seed, as ``jax.random.key``."""
    _check_impl(impl)
    if isinstance(seed, KeyArray):
        raise TypeError("key accepts a scalar seed, but was given a PRNG key.")
    return KeyArray(threefry_seed(seed))


def _check_impl(impl: str | None) -> None:
    if impl not in (None, "threefry2x32", "threefry"):
        raise ValueError(f"impl must be None or 'threefry2x32' (the one implementation "
                         f"funcad has), got {impl!r}")


def key_data(keys: KeyArrayLike) -> Array:
    """The uint32 data (..., 2) under typed or raw keys."""
    data, _ = as_key_data("key_data", keys, allow_batched=True)
    return data


def wrap_key_data(key_bits_array: ArrayLike, *, impl: str | None = None) -> KeyArray:
    """Typed keys over uint32 data of shape (..., 2)."""
    _check_impl(impl)
    if isinstance(key_bits_array, KeyArray):
        raise TypeError("wrap_key_data: the argument is already a typed key array")
    data = fnp.asarray(key_bits_array)
    if np.dtype(dtype_of(data)) != np.uint32 or tuple(shape_of(data))[-1:] != (2,):
        raise TypeError(f"wrap_key_data: key_bits_array must be uint32 of shape (..., 2), got "
                        f"{_describe(data)}")
    return KeyArray(data)


def key_impl(keys: KeyArrayLike) -> str:
    """The name of the keys' implementation: always ``'threefry2x32'``."""
    as_key_data("key_impl", keys, allow_batched=True)
    return "threefry2x32"


def key_dtype(impl: str | None = None) -> KeyDtype:
    """The dtype of typed keys (from ``funcad.random.key``), as ``jax.random.key_dtype``; ``impl``
    may only name threefry2x32, funcad's one generator.

    >>> from funcad import random
    >>> print(random.key_dtype())
    key<fry>
    """
    _check_impl(impl)
    return _KEY_DTYPE


def clone(key: _Key) -> _Key:
    """The same key (JAX's clone matters only for its buffer donation)."""
    return key


@overload
def split(key: KeyArray, num: int | Sequence[int] = 2) -> KeyArray: ...
@overload
def split(key: ArrayLike, num: int | Sequence[int] = 2) -> Array: ...
def split(key: KeyArrayLike, num: int | Sequence[int] = 2) -> Array | KeyArray:
    """``num`` new keys (an int or a shape) from one, as ``jax.random.split``."""
    data, typed = as_key_data("split", key)
    if type(num) is int:
        shape: tuple[int, ...] = (num,)
    else:
        try:
            shape = tuple(operator.index(n) for n in (num if isinstance(num, Sequence) else (num,)))
        except TypeError:
            raise TypeError(f"split: num must be an int or a tuple of ints, got {num!r}") from None
    if min(shape, default=0) < 0:
        raise ValueError(f"split: num must be non-negative, got {num!r}; pass the number of "
                         "keys wanted, e.g. split(key, 2)")
    count = math.prod(shape)
    if count == 0:
        return _wrap(fnp.zeros(shape + (2,), np.uint32), typed)
    if count <= _FEW_KEYS and isinstance(data, np.ndarray):
        # The common split of one concrete key into a few: Python ints all the way.
        key1, key2 = data.tolist()
        first, second = threefry2x32_counters(key1, key2, count)
        keys = np.array([*zip(first, second)], np.uint32).reshape(shape + (2,))
        return _wrap(with_at(keys), typed)
    first, second = _hash_counters(data, shape)
    if not isinstance(first, Tracer):
        return _wrap(np.stack([first, second], axis=-1), typed)
    return _wrap(fnp.stack([first, second], axis=-1), typed)


@overload
def fold_in(key: KeyArray, data: ArrayLike) -> KeyArray: ...
@overload
def fold_in(key: ArrayLike, data: ArrayLike) -> Array: ...
def fold_in(key: KeyArrayLike, data: ArrayLike) -> Array | KeyArray:
    """A new key from a key and a 32-bit integer, as ``jax.random.fold_in``."""
    key_words, typed = as_key_data("fold_in", key, allow_batched=True)
    if len(shape_of(data)):
        raise TypeError(f"fold_in accepts a scalar, but was given an array of shape "
                        f"{tuple(shape_of(data))} != (). Use funcad.vmap for batching.")
    if isinstance(data, (bool, int)):
        if not 0 <= data < 2 ** 32:
            raise OverflowError(f"fold_in: data {data} is out of bounds for uint32; pass an "
                                "integer in [0, 2**32) (or an int32 array, which wraps)")
        value = np.array(data, np.uint32)
    else:
        value = lax.convert_element_type(data, np.uint32)
    first, second = threefry2x32(key_words[..., 0], key_words[..., 1], np.uint32(0), value)
    return _wrap(fnp.stack([first, second], axis=-1), typed)


def random_bits(data: Any, bit_width: int, shape: tuple[int, ...]) -> Any:
    """Unsigned integers of ``bit_width`` bits from one key's data."""
    dtype = UINT_DTYPES[bit_width]
    if math.prod(shape) == 0:
        return with_at(np.zeros(shape, dtype))
    if isinstance(data, np.ndarray):
        # A concrete key: straight to NumPy, no bind. The result is integers, so no
        # transformation needs to see it.
        key1, key2 = data.tolist()
        return with_at(random_bits_numpy(key1, key2, bit_width, shape))
    return random_bits_primitive(data[0], data[1], bit_width, shape)


def bits(key: KeyArrayLike, shape: Sequence[int] = (), dtype: DTypeLike | None = None) -> Array:
    """Uniform random unsigned integers (uint64 by default, NumPy's width)."""
    data, _ = as_key_data("bits", key)
    dtype = np.dtype(np.uint64 if dtype is None else dtype)
    if not np.issubdtype(dtype, np.unsignedinteger):
        raise TypeError(f"bits: dtype argument must be an unsigned int dtype, got {dtype}")
    return random_bits(data, dtype.itemsize * 8, canonical_shape("bits", shape))
