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
from funcad.typing import Array

__all__ = [
    "Array", "Device", "CpuDevice", "Memory", "SingleDeviceSharding", "devices",
    "local_devices", "device_count", "local_device_count", "default_backend", "process_index",
    "process_count",
    "block_until_ready", "device_put", "device_get",
]


class Device:
    """A device that arrays live on (``jax.Device``). The one device is the CPU NumPy computes
    on; it has one memory, NumPy's host memory.

    The device equals NumPy's name for it, ``"cpu"`` (what ``np.ndarray.device`` returns), and
    hashes as that name, so ``funcad.devices()[0] == x.device`` and ``device in x.devices()``
    hold for the arrays funcad returns, whichever of the two names they carry. (JAX's devices
    do not equal strings; here a string is the only other name the CPU has.)"""

    platform = "cpu"
    device_kind = "cpu"

    def __init__(self, id: int = 0):
        self.id = id
        self.process_index = 0
        self.host_id = 0  # (JAX's deprecated name for process_index)
        self.local_hardware_id = id

    def __repr__(self) -> str:
        return f"CpuDevice(id={self.id})"

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, Device):
            return (other.platform, other.id) == (self.platform, self.id)
        if isinstance(other, str):
            return self.id == 0 and other == self.platform
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.platform) if self.id == 0 else hash((self.platform, self.id))

    def memory_stats(self) -> None:
        """None, as JAX's CPU devices answer: NumPy's allocations are not counted."""
        return None

    def addressable_memories(self) -> list[Memory]:
        """The memories this device reads and writes: the host memory."""
        return [self.default_memory()]

    def default_memory(self) -> Memory:
        return Memory(self)

    def memory(self, kind: str) -> Memory:
        """The memory of ``kind``: ``"device"`` is the only one (the host memory)."""
        if kind != Memory.kind:
            raise ValueError(f"Device.memory: kind must be {Memory.kind!r}, got {kind!r}; the "
                             f"CPU has one memory, NumPy's host memory.")
        return Memory(self)

    def live_buffers(self) -> list[Any]:
        """No buffers are tracked (JAX returns an empty list as well)."""
        return []


class Memory:
    """The memory a device's arrays live in (JAX's ``Memory``): on the CPU, host memory."""

    kind = "device"

    def __init__(self, device: Device):
        self.device = device
        self.platform = device.platform
        self.process_index = device.process_index

    def addressable_by_devices(self) -> list[Device]:
        return [self.device]

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Memory) and other.device == self.device

    def __hash__(self) -> int:
        return hash((Memory, self.device.id))

    def __repr__(self) -> str:
        return (f"CpuDeviceMemory(id={self.device.id}, process_index={self.process_index}, "
                f"client={self.platform})")


class CpuDevice(Device):
    """The CPU NumPy computes on."""


class SingleDeviceSharding:
    """How an array is laid out over devices (``jax.sharding.SingleDeviceSharding``): whole,
    on one device. Every funcad array has this sharding on the CPU."""

    def __init__(self, device: Device, *, memory_kind: str | None = None):
        if not isinstance(device, Device):
            raise TypeError(f"SingleDeviceSharding: device must be a funcad device (from "
                            f"funcad.devices()), got {device!r}.")
        if memory_kind not in (None, Memory.kind):
            raise ValueError(f"SingleDeviceSharding: memory_kind must be None or "
                             f"{Memory.kind!r}, got {memory_kind!r}.")
        self._device = device
        self.memory_kind = Memory.kind

    device_set = property(lambda self: {self._device})
    addressable_devices = device_set
    num_devices = 1
    is_fully_replicated = True  # (one device holds every element)
    is_fully_addressable = True
    has_addressable_devices = True

    def devices_indices_map(self, global_shape: tuple[int, ...]) -> dict[Device, tuple]:
        """Which part of an array of ``global_shape`` each device holds: all of it."""
        return {self._device: (slice(None),) * len(global_shape)}

    addressable_devices_indices_map = devices_indices_map

    def shard_shape(self, global_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(global_shape)

    def with_memory_kind(self, kind: str) -> SingleDeviceSharding:
        return SingleDeviceSharding(self._device, memory_kind=kind)

    def is_equivalent_to(self, other: Any, ndim: int) -> bool:
        return self == other

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, SingleDeviceSharding) and other._device == self._device

    def __hash__(self) -> int:
        return hash((SingleDeviceSharding, self._device))

    def __repr__(self) -> str:
        return f"SingleDeviceSharding(device={self._device!r}, memory_kind={self.memory_kind})"


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
    """The number of devices of ``backend`` (``jax.device_count``): always 1, the CPU that
    NumPy computes on. ``backend`` may be None or ``"cpu"``.

    >>> funcad.device_count()
    1
    """
    _check_backend(backend, "funcad.device_count")
    return 1


def local_device_count(backend: str | None = None) -> int:
    """The number of devices attached to this process (``jax.local_device_count``): always 1,
    as funcad runs in one process on the CPU.

    >>> funcad.local_device_count()
    1
    """
    _check_backend(backend, "funcad.local_device_count")
    return 1


def default_backend() -> str:
    """The name of the platform computations run on (``jax.default_backend``): ``"cpu"``,
    the only one (no GPU or TPU backends).

    >>> funcad.default_backend()
    'cpu'
    """
    return "cpu"


def process_index(backend: str | None = None) -> int:
    """This process's index among the processes of a multi-process run
    (``jax.process_index``): always 0, as funcad has no multi-process mode.

    >>> funcad.process_index()
    0
    """
    return 0


def process_count(backend: str | None = None) -> int:
    """The number of processes of the run (``jax.process_count``): always 1.

    >>> funcad.process_count()
    1
    """
    return 1


def block_until_ready(x: Any) -> Any:
    """``x`` (any pytree), once every array in it has been computed: NumPy computes before it
    returns, so at once."""
    return x


def _check_device(device: Any, where: str) -> None:
    if device is None or isinstance(device, (Device, SingleDeviceSharding)) or \
            device in _BACKENDS:
        return
    raise ValueError(
        f"{where}: device must be None, a device of funcad.devices() (the CPU) or its "
        f"SingleDeviceSharding, got {device!r}. Other devices and shardings do not exist here.")


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
