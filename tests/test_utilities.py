"""The JAX utility surface: ravel_pytree, eval_shape and ShapeDtypeStruct, funcad.tree,
the device helpers, and vmap's keyword arguments."""

from __future__ import annotations

import dataclasses
import operator

import numpy as np
import pytest

import funcad
import funcad.numpy as fnp
import funcad.tree as ftree
from funcad import tree_util
from funcad.devices import (
    Array,
    block_until_ready,
    default_backend,
    device_count,
    device_get,
    device_put,
    devices,
    local_device_count,
    local_devices,
    process_index,
)
from funcad.flatten_util import ravel_pytree
from funcad.test_util import check_grads
from funcad.tracing import ShapeDtypeStruct, eval_shape

RNG = np.random.default_rng(0)


# ----------------------------------------------------------------------------------------------
# ravel_pytree


def mixed_tree():
    return {"w": RNG.normal(size=(2, 3)).astype(np.float32), "b": np.arange(3, dtype=np.int32),
            "s": (np.float64(0.5), [np.ones((0, 2))])}


def test_ravel_pytree_values_order_and_promotion():
    tree = mixed_tree()
    flat, unravel = ravel_pytree(tree)
    leaves = tree_util.tree_leaves(tree)  # (dict keys in sorted order: b, s, w)
    expected = np.concatenate([np.ravel(leaf).astype(np.float64) for leaf in leaves])
    assert flat.dtype == np.float64 and flat.shape == (3 + 1 + 0 + 6,)
    np.testing.assert_array_equal(flat, expected)
    back = unravel(flat)
    assert tree_util.tree_structure(back) == tree_util.tree_structure(tree)
    for got, want in zip(tree_util.tree_leaves(back), leaves):
        assert got.dtype == np.asarray(want).dtype and got.shape == np.shape(want)
        np.testing.assert_array_equal(got, want)


def test_ravel_pytree_single_dtype_keeps_it_and_unravel_accepts_any_dtype():
    tree = [np.ones(2, np.float32), np.zeros((1, 2), np.float32)]
    flat, unravel = ravel_pytree(tree)
    assert flat.dtype == np.float32
    back = unravel(np.arange(4.0))  # (one dtype: unravel keeps the vector's, as JAX)
    assert back[1].dtype == np.float64 and back[1].tolist() == [[2.0, 3.0]]


def test_ravel_pytree_complex_promotion_drops_imaginary_part_on_unravel():
    tree = (np.array([1.0, 2.0]), np.array([1 + 2j]))
    flat, unravel = ravel_pytree(tree)
    assert flat.dtype == np.complex128
    real, cplx = unravel(flat + 1j)
    assert real.dtype == np.float64 and real.tolist() == [1.0, 2.0]
    assert cplx.tolist() == [1 + 3j]


def test_ravel_pytree_empty_and_errors():
    flat, unravel = ravel_pytree({"a": None, "b": ()})
    assert flat.shape == (0,) and flat.dtype == np.float32
    assert unravel(flat) == {"a": None, "b": ()}
    _, unravel = ravel_pytree((np.ones(2), np.ones(3, np.float32)))
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        unravel(np.ones(4))
    with pytest.raises(TypeError, match="float64"):
        unravel(np.ones(5, np.float32))


def test_ravel_pytree_differentiates():
    shapes = [(int(RNG.integers(1, 4)),), (int(RNG.integers(1, 3)), 2)]
    tree = {"a": RNG.normal(size=shapes[0]), "b": RNG.normal(size=shapes[1])}
    _, unravel = ravel_pytree(tree)

    def loss(a, b):
        flat, _ = ravel_pytree({"a": a, "b": b})
        back = unravel(fnp.sin(flat) * flat)
        return (back["a"] ** 2).sum() + fnp.cos(back["b"]).sum()

    check_grads(loss, (tree["a"], tree["b"]), order=2, modes=("fwd", "rev"))
    grads = funcad.grad(lambda t: (ravel_pytree(t)[0] ** 2).sum())(tree)
    np.testing.assert_allclose(grads["a"], 2 * tree["a"])
    np.testing.assert_allclose(grads["b"], 2 * tree["b"])


def test_ravel_pytree_under_jit_and_vmap():
    tree = mixed_tree()
    eager = ravel_pytree(tree)[0]
    np.testing.assert_array_equal(funcad.jit(lambda t: ravel_pytree(t)[0])(tree), eager)
    batch = {"x": RNG.normal(size=(4, 2)), "y": RNG.normal(size=(4, 3, 1))}
    mapped = funcad.vmap(lambda t: ravel_pytree(t)[0])(batch)
    loop = np.stack([ravel_pytree({"x": batch["x"][i], "y": batch["y"][i]})[0]
                     for i in range(4)])
    np.testing.assert_array_equal(mapped, loop)
    _, unravel = ravel_pytree({"x": batch["x"][0], "y": batch["y"][0]})
    back = funcad.jit(unravel)(loop[2])
    np.testing.assert_array_equal(back["y"], batch["y"][2])


# ----------------------------------------------------------------------------------------------
# eval_shape and ShapeDtypeStruct


def test_shape_dtype_struct_attributes():
    s = ShapeDtypeStruct((2, 3), np.float32)
    assert (s.shape, s.dtype, s.ndim, s.size, len(s)) == ((2, 3), np.float32, 2, 6, 2)
    assert s == ShapeDtypeStruct([2, 3], "float32") and hash(s) == hash(ShapeDtypeStruct(
        (2, 3), np.float32))
    assert s != ShapeDtypeStruct((2, 3), np.float64)
    assert ShapeDtypeStruct((), np.int32).size == 1 and ShapeDtypeStruct((0, 4), "f8").size == 0
    assert repr(s) == "ShapeDtypeStruct(shape=(2, 3), dtype=float32)"


def test_eval_shape_matches_the_computed_outputs():
    def f(x, y, scale=1.0):
        return {"prod": fnp.outer(x, y) * scale, "total": (x.sum(), y.astype(np.int32))}

    x, y = RNG.normal(size=3).astype(np.float32), RNG.normal(size=4)
    out = f(x, y, scale=2.0)
    shapes = eval_shape(f, ShapeDtypeStruct((3,), np.float32), y, scale=2.0)
    assert tree_util.tree_structure(shapes) == tree_util.tree_structure(out)
    for s, o in zip(tree_util.tree_leaves(shapes), tree_util.tree_leaves(out)):
        assert isinstance(s, ShapeDtypeStruct)
        assert s.shape == np.shape(o) and s.dtype == np.asarray(o).dtype


def test_eval_shape_outputs_feed_eval_shape_and_make_jaxpr():
    first = eval_shape(lambda x: fnp.stack([x, x]), ShapeDtypeStruct((5,), np.float32))
    assert first == ShapeDtypeStruct((2, 5), np.float32)
    second = eval_shape(lambda m: m @ m.T, first)
    assert second.shape == (2, 2) and second.dtype == np.float32
    jaxpr = funcad.make_jaxpr(lambda m: m.sum(axis=0))(first)
    assert [a.shape for a in jaxpr.in_avals] == [(2, 5)]
    assert eval_shape(lambda x: x, 1.0).weak_type
    assert eval_shape(lambda x: x * np.float32(2), 3.0).dtype == np.float32


def test_eval_shape_computes_nothing():
    calls = []
    shape = eval_shape(lambda x: calls.append(type(x).__name__) or fnp.exp(x) * 1e300,
                       ShapeDtypeStruct((10 ** 9,), np.float64))
    assert shape.shape == (10 ** 9,) and calls == ["JaxprTracer"]


def test_eval_shape_and_shape_dtype_struct_against_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    try:
        def f(x, y):
            return x @ y, (x.sum(axis=0), x.astype("int32"))

        args = (np.ones((2, 3), np.float32), np.ones((3, 4), np.float32))
        ours = eval_shape(f, *args)
        theirs = jax.eval_shape(f, *args)
        for a, b in zip(tree_util.tree_leaves(ours), jax.tree.leaves(theirs)):
            assert (a.shape, a.dtype, a.ndim, a.size) == (b.shape, b.dtype, b.ndim, b.size)
    finally:
        jax.config.update("jax_enable_x64", False)


# ----------------------------------------------------------------------------------------------
# funcad.tree


def test_tree_namespace_is_tree_util():
    tree = {"a": (1, 2.0), "b": [np.ones(2)], "c": None}
    leaves, treedef = ftree.flatten(tree)
    assert leaves == tree_util.tree_leaves(tree)[:2] + leaves[2:]
    assert ftree.leaves(tree)[:2] == [1, 2.0] and ftree.structure(tree) == treedef
    assert ftree.unflatten(treedef, [10, 20, 30])["a"] == (10, 20)
    assert ftree.map(lambda x, y: x + y, (1, 2), (10, 20)) == (11, 22)
    assert ftree.reduce(operator.add, (1, [2, 3]), 10) == 16
    assert ftree.all((True, [1, 2])) and not ftree.all((True, [0]))
    paths = [tree_util.keystr(p) for p, _ in ftree.leaves_with_path({"x": [5, 6]})]
    assert paths == ["['x'][0]", "['x'][1]"]
    assert ftree.map_with_path(lambda p, v: len(p) * v, {"x": [5, 6]}) == {"x": [10, 12]}
    assert ftree.flatten_with_path((7,))[0][0][1] == 7
    outer, inner = ftree.structure((0, 0)), ftree.structure([0, 0, 0])
    swapped = ftree.transpose(outer, inner, ([1, 2, 3], [4, 5, 6]))
    assert swapped == [(1, 4), (2, 5), (3, 6)]


def test_tree_broadcast_and_reduce_associative():
    assert ftree.broadcast((1, 2), ((2, 3), [4, 5])) == ((1, 1), [2, 2])
    assert ftree.broadcast(1, [None, 2]) == [None, 1]
    assert ftree.broadcast({"a": 0, "b": 1}, {"a": [1, 2], "b": (3,)}) == \
        {"a": [0, 0], "b": (1,)}
    with pytest.raises(ValueError, match="prefix"):
        ftree.broadcast((1, 2, 3), (1, 2))
    assert ftree.reduce_associative(operator.add, [1, (2, 3), [4, 5, 6]]) == 21
    order = ftree.reduce_associative(lambda a, b: f"({a}{b})", list("abcde"))
    assert order == "(((ab)(cd))e)"  # balanced, in leaf order
    assert ftree.reduce_associative(operator.add, [], identity=0) == 0
    with pytest.raises(TypeError, match="identity"):
        ftree.reduce_associative(operator.add, ())


def test_tree_static_field_is_metadata():
    @tree_util.register_dataclass
    @dataclasses.dataclass
    class Layer:
        w: np.ndarray
        activation: str = ftree.static(default="relu")

    layer = Layer(np.ones(2))
    leaves, treedef = ftree.flatten(layer)
    assert len(leaves) == 1 and ftree.unflatten(treedef, [np.zeros(2)]).activation == "relu"


def test_tree_names_match_jax():
    jax = pytest.importorskip("jax")
    names = {n for n in dir(jax.tree) if not n.startswith("_")}
    assert names <= set(ftree.__all__), names - set(ftree.__all__)


# ----------------------------------------------------------------------------------------------
# Devices


def test_devices_and_backend():
    (device,) = devices()
    assert local_devices() == [device] and devices("cpu") == [device]
    assert (device.platform, device.id, str(device), repr(device)) == \
        ("cpu", 0, "cpu:0", "CpuDevice(id=0)")
    assert default_backend() == "cpu" and device_count() == 1
    assert local_device_count() == 1 and process_index() == 0
    with pytest.raises(RuntimeError, match="'gpu'"):
        devices("gpu")


def test_array_type_checks():
    assert isinstance(np.ones(2), Array) and isinstance(np.float32(1), Array)
    assert isinstance(fnp.sin(np.ones(2)), Array)
    assert not isinstance(1.0, Array) and not isinstance([1.0], Array)
    seen = []
    funcad.grad(lambda x: seen.append(isinstance(x, Array)) or x * 2.0)(1.0)
    funcad.jit(lambda x: seen.append(isinstance(x, Array)) or x)(np.ones(2))
    assert seen == [True, True]
    with pytest.raises(TypeError, match="asarray"):
        Array()


def test_block_until_ready_device_put_device_get():
    tree = {"a": np.ones(2), "b": (1.5, [2, 3])}
    assert block_until_ready(tree) is tree
    put = device_put(tree, devices()[0])
    assert put["a"] is tree["a"] and isinstance(put["b"][0], np.ndarray)
    assert put["b"][1] == [np.asarray(2), np.asarray(3)]
    copied = device_put(tree["a"], may_alias=False)
    assert copied is not tree["a"] and np.array_equal(copied, tree["a"])
    with pytest.raises(ValueError, match="device"):
        device_put(tree, "tpu")
    got = device_get({"x": np.arange(3), "y": 2.0})
    assert got["y"] == 2.0 and got["x"].tolist() == [0, 1, 2]
    with pytest.raises(funcad.ConcretizationTypeError):
        funcad.jit(device_get)(np.ones(2))


# ----------------------------------------------------------------------------------------------
# vmap with keyword arguments


def test_vmap_keyword_arguments_are_mapped_over_axis_zero():
    xs, ys, zs = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3)), RNG.normal(size=(4,))

    def f(x, y, *, z, bias=0.0):
        return fnp.dot(x, y) * z + bias

    got = funcad.vmap(f)(xs, y=ys, z=zs)
    loop = np.stack([f(xs[i], ys[i], z=zs[i]) for i in range(4)])
    np.testing.assert_allclose(got, loop)
    # in_axes covers the positional arguments only
    got = funcad.vmap(f, in_axes=(None,))(xs[0], y=ys, z=zs, bias=np.arange(4.0))
    loop = np.stack([f(xs[0], ys[i], z=zs[i], bias=float(i)) for i in range(4)])
    np.testing.assert_allclose(got, loop)
    with pytest.raises(ValueError, match="inconsistent sizes"):
        funcad.vmap(f)(xs, y=ys, z=np.ones(5))
    grads = funcad.vmap(funcad.grad(lambda x, y: (x * y).sum()))(xs, y=ys)
    np.testing.assert_allclose(grads, ys)
