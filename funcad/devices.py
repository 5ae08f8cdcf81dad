"""Devices, as JAX names them, for a library that computes with NumPy on one CPU.

Code written for JAX calls ``jax.devices()``, ``jax.device_put(x)`` and
``jax.block_until_ready(out)`` (to time asynchronous work). Here there is one device, the
CPU that NumPy runs on, and every computation has finished when its call returns, so these
functions do what they can: ``block_until_ready`` returns its argument, ``device_put`` makes
arrays of array-likes, ``device_get`` returns NumPy values. ``Array`` is the type to check
with ``isinstance``: NumPy arrays and scalars, and funcad's tracers inside transformations.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from funcad.core import Tracer
from funcad.tree_util import tree_map

__all__ = [
    "Array", "Device", "CpuDevice", "devices", "local_devices", "device_count",
    "local_device_count", "default_backend", "process_index", "process_count",
    "block_until_ready", "device_put", "device_get",
]


class _ArrayType(type):
    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, (np.ndarray, np.generic, Tracer))

    def __subclasscheck__(cls, subclass: type) -> bool:
        return issubclass(subclass, (np.ndarray, np.generic, Tracer))


class Array(metaclass=_ArrayType):
    """The type of funcad's arrays (``jax.Array``): ``isinstance(x, funcad.Array)`` holds for
    NumPy arrays and scalars and for tracers. It is a type for checks and annotations; make
    arrays with ``funcad.numpy.asarray``."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("funcad.Array cannot be instantiated; use funcad.numpy.asarray(x).")


class Device:
    """A device that arrays live on (``jax.Device``)."""

    platform = "cpu"
    device_kind = "cpu"

    def __init__(self, id: int = 0):
        self.id = id
        self.process_index = 0
        self.host_id = 0

    def __repr__(self) -> str:
        return f"CpuDevice(id={self.id})"

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}"


class CpuDevice(Device):
    """The CPU NumPy computes on."""


_CPU = CpuDevice(0)
_BACKENDS = ("cpu",)


def _check_backend(backend: Any, where: str) -> None:
    if backend is not None and backend not in _BACKENDS:
        raise RuntimeError(
            f"{where}: unknown backend {backend!r}; funcad computes with NumPy on the CPU, so "
            f"the only backend is 'cpu' (pass backend=None or 'cpu').")


def devices(backend: str | None = None) -> list[Device]:
    """The devices of ``backend``: the one CPU."""
    _check_backend(backend, "funcad.devices")
    return [_CPU]


def local_devices(process_index: int | None = None, backend: str | None = None,
                  host_id: int | None = None) -> list[Device]:
    """The devices attached to this process: the one CPU."""
    _check_backend(backend, "funcad.local_devices")
    index = process_index if process_index is not None else host_id
    if index not in (None, 0):
        raise ValueError(f"funcad.local_devices: process_index {index} does not exist; there "
                         f"is one process, index 0.")
    return [_CPU]


def device_count(backend: str | None = None) -> int:
    _check_backend(backend, "funcad.device_count")
    return 1


def local_device_count(backend: str | None = None) -> int:
    _check_backend(backend, "funcad.local_device_count")
    return 1


def default_backend() -> str:
    return "cpu"


def process_index(backend: str | None = None) -> int:
    return 0


def process_count(backend: str | None = None) -> int:
    return 1


def block_until_ready(x: Any) -> Any:
    """``x`` (any pytree), once every array in it has been computed: NumPy computes before it
    returns, so at once."""
    return x


def _check_device(device: Any, where: str) -> None:
    if device is None or isinstance(device, Device) or device in _BACKENDS:
        return
    raise ValueError(
        f"{where}: device must be None or a device of funcad.devices() (the CPU), got "
        f"{device!r}. Shardings and other devices do not exist here.")


def _put_leaf(x: Any, copy: bool) -> Any:
    if isinstance(x, Tracer):
        return x
    if isinstance(x, np.generic):
        return x.copy() if copy else x
    return np.array(x) if copy else np.asarray(x)


def device_put(x: Any, device: Any = None, *, src: Any = None, donate: bool = False,
               may_alias: bool | None = None) -> Any:
    """The arrays of the pytree ``x`` on ``device`` (the CPU): array-likes (Python scalars,
    lists) become NumPy arrays; an array is returned itself unless ``may_alias=False``
    (then a copy), as JAX may alias an array already on the device."""
    _check_device(device, "funcad.device_put")
    _check_device(src, "funcad.device_put (src)")
    copy = may_alias is False
    return tree_map(lambda leaf: _put_leaf(leaf, copy), x)


def device_get(x: Any) -> Any:
    """The pytree ``x`` with its arrays as NumPy values (they are already); other leaves
    (Python scalars, strings) are returned as they are. A tracer raises: it has no value
    yet."""
    return tree_map(lambda leaf: np.asarray(leaf) if isinstance(leaf, Tracer) else leaf, x)
