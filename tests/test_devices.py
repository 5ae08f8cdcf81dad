"""The one CPU device, its memory and its sharding answer what JAX's do on a CPU."""

from __future__ import annotations

import numpy as np
import pytest

import funcad.numpy as fnp
from funcad.devices import CpuDevice, Device, Memory, SingleDeviceSharding, device_put, devices


def test_the_device_describes_the_cpu():
    (device,) = devices()
    assert (device.platform, device.device_kind, device.id) == ("cpu", "cpu", 0)
    assert device.process_index == 0 and device.host_id == 0 and device.local_hardware_id == 0
    assert device.memory_stats() is None and device.live_buffers() == []
    assert isinstance(device, CpuDevice) and isinstance(device, Device)


def test_the_device_equals_the_name_arrays_carry():
    (device,) = devices()
    y = fnp.sin(np.ones(3))
    assert device == y.device and y.device == device  # (NumPy's name for it: "cpu")
    assert device in y.devices() and {device} == {"cpu"}
    assert device == devices()[0] and device == CpuDevice(0) and hash(device) == hash("cpu")
    assert device != CpuDevice(1) and device != "gpu" and device != 0
    assert len({device, CpuDevice(0), CpuDevice(1)}) == 2


def test_the_device_has_one_memory():
    (device,) = devices()
    memory = device.default_memory()
    assert device.addressable_memories() == [memory] and device.memory("device") == memory
    assert isinstance(memory, Memory) and memory.kind == "device"
    assert (memory.platform, memory.process_index) == ("cpu", 0)
    assert memory.addressable_by_devices() == [device]
    assert repr(memory) == "CpuDeviceMemory(id=0, process_index=0, client=cpu)"
    assert len({memory, device.default_memory()}) == 1
    with pytest.raises(ValueError, match="kind must be 'device'"):
        device.memory("pinned_host")


def test_single_device_sharding():
    (device,) = devices()
    sharding = SingleDeviceSharding(device)
    assert sharding.device_set == {device} and sharding.addressable_devices == {device}
    assert sharding.is_fully_replicated and sharding.is_fully_addressable
    assert sharding.num_devices == 1 and sharding.memory_kind == "device"
    assert sharding.shard_shape((2, 3)) == (2, 3)
    assert sharding.devices_indices_map((2, 3)) == {device: (slice(None), slice(None))}
    assert sharding.addressable_devices_indices_map(()) == {device: ()}
    assert sharding == SingleDeviceSharding(device, memory_kind="device")
    assert sharding.with_memory_kind("device") == sharding and sharding.is_equivalent_to(
        sharding, 2)
    assert hash(sharding) == hash(SingleDeviceSharding(device)) and sharding != device
    assert repr(sharding) == "SingleDeviceSharding(device=CpuDevice(id=0), memory_kind=device)"
    x = np.ones(2)
    assert device_put(x, sharding) is x
    with pytest.raises(TypeError, match="device must be a funcad device"):
        SingleDeviceSharding("cpu")
    with pytest.raises(ValueError, match="memory_kind"):
        SingleDeviceSharding(device, memory_kind="pinned_host")
    with pytest.raises(ValueError, match="SingleDeviceSharding"):
        device_put(x, "tpu")


def test_matches_live_jax():
    jax = pytest.importorskip("jax")
    theirs, ours = jax.devices("cpu")[0], devices()[0]
    for name in ("platform", "device_kind", "id", "process_index", "host_id"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.memory_stats() == theirs.memory_stats()
    assert (repr(ours), str(ours)) == (repr(theirs), str(theirs))
    assert str(theirs.default_memory()) == repr(ours.default_memory())
    assert theirs.default_memory().kind == ours.default_memory().kind
    theirs_sharding = jax.numpy.ones(3).sharding
    assert repr(theirs_sharding) == repr(SingleDeviceSharding(ours))
    assert theirs_sharding.devices_indices_map((3,))[theirs] == \
        SingleDeviceSharding(ours).devices_indices_map((3,))[ours]
