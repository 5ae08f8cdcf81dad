"""Tests for funcad.tree_util (pytree flatten / unflatten / map and friends)."""

from __future__ import annotations

import collections
import dataclasses
import pickle
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from funcad import tree_util as tu
from funcad.tree_util import (
    PyTreeDef,
    all_leaves,
    register_dataclass,
    register_pytree_node,
    register_pytree_node_class,
    tree_all,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_reduce,
    tree_structure,
    tree_transpose,
    tree_unflatten,
    treedef_children,
    treedef_is_leaf,
    treedef_is_strict_leaf,
    treedef_tuple,
)


class Point(NamedTuple):
    x: Any
    y: Any


class Other(NamedTuple):
    x: Any
    y: Any


def same(a: Any, b: Any) -> bool:
    """Structural equality that also checks container types, iteratively."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, (tuple, list)):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y))
        elif isinstance(x, dict):
            ordered = isinstance(x, collections.OrderedDict)
            if (list(x) != list(y)) if ordered else (set(x) != set(y)):
                return False
            if (
                isinstance(x, collections.defaultdict)
                and x.default_factory is not y.default_factory
            ):
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif isinstance(x, Box):
            if x.label != y.label:
                return False
            stack.append((x.value, y.value))
        elif isinstance(x, Params):
            if x.name != y.name:
                return False
            stack.extend([(x.w, y.w), (x.b, y.b)])
        elif isinstance(x, np.ndarray):
            if x.shape != y.shape or not np.array_equal(x, y):
                return False
        elif x is not y and x != y:
            return False
    return True


def roundtrip(tree: Any, **kw: Any) -> Any:
    leaves, treedef = tree_flatten(tree, **kw)
    return tree_unflatten(treedef, leaves)


# ---------------------------------------------------------------------------
# Basic flatten / unflatten
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tree, expected_leaves",
    [
        (1.0, [1.0]),
        ((), []),
        ([], []),
        ({}, []),
        (None, []),
        ((1, 2, 3), [1, 2, 3]),
        ([1, [2, (3,)]], [1, 2, 3]),
        ({"b": 2, "a": 1}, [1, 2]),
        ((1, None, 2), [1, 2]),
        ([None, [None], {"a": None}], []),
        (Point(1, 2), [1, 2]),
        (collections.OrderedDict([("b", 1), ("a", 2)]), [1, 2]),
        ({"x": (1, [2, {"z": 4, "y": 3}]), "w": 0}, [0, 1, 2, 3, 4]),
    ],
)
def test_flatten_leaves_and_roundtrip(tree: Any, expected_leaves: list) -> None:
    leaves, treedef = tree_flatten(tree)
    assert leaves == expected_leaves
    assert treedef.num_leaves == len(expected_leaves)
    assert same(tree_unflatten(treedef, leaves), tree)


def test_arrays_and_scalars_are_leaves() -> None:
    a = np.arange(3.0)
    obj = object()
    tree = (a, 1, 2.5, 3j, True, "s", b"b", obj, np.float32(1.0))
    leaves = tree_leaves(tree)
    assert len(leaves) == len(tree)
    assert all(x is y for x, y in zip(leaves, tree))


def test_leaves_are_not_copied() -> None:
    a = np.zeros(2)
    assert tree_leaves({"a": [a]})[0] is a


def test_unflatten_with_new_leaves() -> None:
    treedef = tree_structure({"a": (1, 2), "b": [3]})
    assert tree_unflatten(treedef, ["x", "y", "z"]) == {"a": ("x", "y"), "b": ["z"]}
    # any iterable works
    assert treedef.unflatten(iter([4, 5, 6])) == {"a": (4, 5), "b": [6]}


def test_unflatten_returns_fresh_containers() -> None:
    leaves, treedef = tree_flatten([1, 2])
    out = tree_unflatten(treedef, leaves)
    assert out == [1, 2] and out is not leaves
    out.append(3)
    assert leaves == [1, 2]


def test_dict_children_sorted_by_key() -> None:
    tree = {"c": 3, "a": 1, "b": 2}
    leaves, treedef = tree_flatten(tree)
    assert leaves == [1, 2, 3]
    assert tree_structure({"a": 0, "b": 0, "c": 0}) == treedef
    rebuilt = tree_unflatten(treedef, leaves)
    assert list(rebuilt) == ["a", "b", "c"]
    assert rebuilt == tree


def test_dict_with_incomparable_keys_is_deterministic() -> None:
    d1 = {1: "int", "a": "str", 2: "int2"}
    d2 = {"a": "str", 2: "int2", 1: "int"}
    l1, t1 = tree_flatten(d1)
    l2, t2 = tree_flatten(d2)
    assert l1 == l2 and t1 == t2
    assert tree_unflatten(t1, l1) == d1


def test_none_is_an_empty_node() -> None:
    leaves, treedef = tree_flatten(None)
    assert leaves == []
    assert treedef.num_leaves == 0 and treedef.num_nodes == 1
    assert tree_unflatten(treedef, []) is None
    assert repr(treedef) == "PyTreeDef(None)"
    assert tree_structure((None, 1)) != tree_structure((2, 1))
    assert tree_map(lambda x: x + 1, (None, 1, [None])) == (None, 2, [None])


def test_namedtuple() -> None:
    p = Point(np.ones(2), (3, 4))
    leaves, treedef = tree_flatten(p)
    assert len(leaves) == 3
    out = tree_unflatten(treedef, leaves)
    assert type(out) is Point and same(out, p)
    # A different namedtuple class (or a plain tuple) is a different structure.
    assert tree_structure(Point(1, 2)) != tree_structure(Other(1, 2))
    assert tree_structure(Point(1, 2)) != tree_structure((1, 2))
    assert repr(tree_structure(Point(1, 2))) == "PyTreeDef(Point(x=*, y=*))"


def test_collections_namedtuple() -> None:
    Pair = collections.namedtuple("Pair", ["first", "second"])
    out = tree_map(lambda v: v * 10, Pair(1, [2]))
    assert type(out) is Pair and out == Pair(10, [20])


def test_ordered_dict_keeps_insertion_order() -> None:
    od = collections.OrderedDict([("z", 1), ("a", 2), ("m", 3)])
    leaves, treedef = tree_flatten(od)
    assert leaves == [1, 2, 3]
    out = tree_unflatten(treedef, leaves)
    assert type(out) is collections.OrderedDict
    assert list(out) == ["z", "a", "m"]
    reordered = collections.OrderedDict([("a", 2), ("z", 1), ("m", 3)])
    assert tree_structure(reordered) != treedef
    assert tree_structure(dict(od)) != treedef
    assert repr(treedef) == "PyTreeDef(OrderedDict({'z': *, 'a': *, 'm': *}))"


def test_defaultdict_sorted_keys_and_factory() -> None:
    dd = collections.defaultdict(list, {"b": 1, "a": 2})
    leaves, treedef = tree_flatten(dd)
    assert leaves == [2, 1]
    out = tree_unflatten(treedef, [5, 6])
    assert type(out) is collections.defaultdict
    assert out.default_factory is list
    assert dict(out) == {"a": 5, "b": 6}
    assert out["missing"] == []
    assert tree_structure(collections.defaultdict(int, dd)) != treedef
    assert tree_structure(dict(dd)) != treedef
    assert repr(treedef) == "PyTreeDef(defaultdict(list, {'a': *, 'b': *}))"


def test_dict_subclass_is_a_leaf() -> None:
    class MyDict(dict):
        pass

    d = MyDict(a=1)
    assert tree_leaves([d]) == [d]


# ---------------------------------------------------------------------------
# is_leaf
# ---------------------------------------------------------------------------


def test_is_leaf_stops_descent() -> None:
    tree = [(1, 2), (3, 4), 5]
    leaves = tree_leaves(tree, is_leaf=lambda x: isinstance(x, tuple))
    assert leaves == [(1, 2), (3, 4), 5]
    assert roundtrip(tree, is_leaf=lambda x: isinstance(x, tuple)) == tree


def test_is_leaf_on_root_and_none() -> None:
    assert tree_leaves((1, 2), is_leaf=lambda x: isinstance(x, tuple)) == [(1, 2)]
    leaves, treedef = tree_flatten([None, 1], is_leaf=lambda x: x is None)
    assert leaves == [None, 1]
    assert treedef == tree_structure([0, 0])


def test_tree_map_with_is_leaf() -> None:
    tree = {"a": (1, 2), "b": [(3, 4)]}
    out = tree_map(lambda t: sum(t), tree, is_leaf=lambda x: isinstance(x, tuple))
    assert out == {"a": 3, "b": [7]}


# ---------------------------------------------------------------------------
# tree_map and friends
# ---------------------------------------------------------------------------


def test_tree_map_single() -> None:
    tree = {"w": np.ones(2), "b": (1.0, [2.0])}
    out = tree_map(lambda x: x * 2, tree)
    assert np.array_equal(out["w"], 2 * np.ones(2))
    assert out["b"] == (2.0, [4.0])


def test_tree_map_multiple_trees() -> None:
    a = {"x": 1, "y": (2, 3)}
    b = {"y": (20, 30), "x": 10}
    c = {"x": 100, "y": (200, 300)}
    assert tree_map(lambda p, q, r: p + q + r, a, b, c) == {"x": 111, "y": (222, 333)}


def test_tree_map_rest_may_be_deeper_at_leaves() -> None:
    # As in JAX: leaves of the first tree may correspond to subtrees of the others.
    out = tree_map(lambda axis, sub: (axis, sub), (0, 1), ((1, 2), [3]))
    assert out == ((0, (1, 2)), (1, [3]))


def test_tree_map_structure_mismatch_message() -> None:
    with pytest.raises(ValueError) as info:
        tree_map(lambda a, b: a, (1, (2, 3)), (1, [2, 3]))
    msg = str(info.value)
    assert "PyTreeDef((*, (*, *)))" in msg
    assert "PyTreeDef((*, [*, *]))" in msg
    assert "[1]" in msg


@pytest.mark.parametrize(
    "first, second",
    [
        ((1, 2), (1, 2, 3)),
        ([1, 2], (1, 2)),
        ({"a": 1}, {"b": 1}),
        ({"a": 1}, {"a": 1, "b": 2}),
        ((1, None), (1, 2)),
        ((1, (2,)), (1, None)),
        (Point(1, 2), Other(1, 2)),
        (Point(1, 2), (1, 2)),
        (collections.OrderedDict(a=1, b=2), collections.OrderedDict(b=2, a=1)),
        (collections.OrderedDict(a=1), {"a": 1}),
        (collections.defaultdict(list, a=1), {"a": 1}),
        (collections.defaultdict(list, a=1), collections.defaultdict(list, b=1)),
        ({"a": (1, 2)}, 3),
    ],
)
def test_tree_map_mismatches_raise(first: Any, second: Any) -> None:
    with pytest.raises(ValueError, match="tree structure") as info:
        tree_map(lambda a, b: a, first, second)
    msg = str(info.value)
    assert repr(tree_structure(first)) in msg
    assert repr(tree_structure(second)) in msg


def test_tree_map_mismatch_path_into_dicts() -> None:
    with pytest.raises(ValueError, match=r"\['params'\]\['w'\]"):
        tree_map(lambda a, b: a, {"params": {"w": (1, 2)}}, {"params": {"w": [1, 2]}})


def test_tree_reduce() -> None:
    tree = {"a": 1, "b": [2, 3]}
    assert tree_reduce(lambda x, y: x + y, tree) == 6
    assert tree_reduce(lambda x, y: x + y, tree, 10) == 16
    assert tree_reduce(lambda x, y: x + y, (), initializer=0) == 0
    with pytest.raises(TypeError):
        tree_reduce(lambda x, y: x + y, ())


def test_tree_all() -> None:
    assert tree_all((True, [1, {"a": 2}]))
    assert not tree_all((True, [0]))
    assert tree_all(None)
    assert tree_all([(0,), 1], is_leaf=lambda x: isinstance(x, tuple))


def test_all_leaves() -> None:
    assert all_leaves([1, 2.0, np.ones(2)])
    assert not all_leaves([1, (2,)])
    assert not all_leaves([None])
    assert all_leaves([None, (1,)], is_leaf=lambda x: x is None or isinstance(x, tuple))


def test_tree_transpose() -> None:
    outer = tree_structure([0, 0, 0])
    inner = tree_structure({"a": 0, "b": 0})
    tree = [{"a": 1, "b": 2}, {"a": 3, "b": 4}, {"a": 5, "b": 6}]
    assert tree_transpose(outer, inner, tree) == {"a": [1, 3, 5], "b": [2, 4, 6]}


def test_tree_transpose_mismatch() -> None:
    outer = tree_structure([0, 0])
    inner = tree_structure((0, 0))
    with pytest.raises(TypeError, match="tree_transpose"):
        tree_transpose(outer, inner, [(1, 2), [3, 4]])


def test_tree_transpose_empty_outer() -> None:
    assert tree_transpose(tree_structure(()), tree_structure((0, 0)), ()) == ((), ())


# ---------------------------------------------------------------------------
# PyTreeDef
# ---------------------------------------------------------------------------


def test_treedef_equality_and_hash() -> None:
    t1 = tree_structure({"a": [1, 2], "b": None})
    t2 = tree_structure({"b": None, "a": ["x", np.zeros(3)]})
    t3 = tree_structure({"a": [1, 2], "b": 3})
    assert t1 == t2 and hash(t1) == hash(t2)
    assert t1 != t3
    assert len({t1, t2, t3}) == 2
    assert t1 != "not a treedef"
    assert tree_structure(1) == tree_structure(np.ones(4))
    assert tree_structure((1,)) != tree_structure([1])
    assert tree_structure({"a": 1}) != tree_structure({"b": 1})


def test_treedef_cached_and_uncached_compare_equal() -> None:
    # (1, 2) takes the fast path; the tuple produced by is_leaf=... does not.
    fast = tree_structure((1, 2))
    slow = tree_structure((1, 2), is_leaf=lambda x: False)
    assert fast == slow and hash(fast) == hash(slow)
    assert tree_structure({"a": 1, "b": 2}) == tree_structure({"a": 1, "b": 2}, lambda x: False)


def test_treedef_is_immutable() -> None:
    treedef = tree_structure((1, 2))
    with pytest.raises(AttributeError):
        treedef.num_leaves = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        treedef._nodes = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        PyTreeDef()


def test_treedef_counts() -> None:
    treedef = tree_structure((1, {"a": None, "b": [2, 3]}))
    assert treedef.num_leaves == 3
    # tuple, 1, dict, None, list, 2, 3
    assert treedef.num_nodes == 7
    assert tree_structure(5).num_nodes == 1
    assert tree_structure(()).num_leaves == 0


@pytest.mark.parametrize(
    "tree, text",
    [
        (1, "PyTreeDef(*)"),
        ((1, {"a": 2, "b": None}), "PyTreeDef((*, {'a': *, 'b': None}))"),
        ((1,), "PyTreeDef((*,))"),
        ((), "PyTreeDef(())"),
        ([1, [2, 3]], "PyTreeDef([*, [*, *]])"),
        ({}, "PyTreeDef({})"),
    ],
)
def test_treedef_repr(tree: Any, text: str) -> None:
    assert repr(tree_structure(tree)) == text


def test_treedef_children() -> None:
    treedef = tree_structure((1, {"a": 2, "b": (3, 4)}, None))
    kids = treedef.children()
    assert kids == [tree_structure(0), tree_structure({"a": 0, "b": (0, 0)}), tree_structure(None)]
    assert [k.num_leaves for k in kids] == [1, 3, 0]
    assert treedef_children(treedef) == kids
    assert tree_structure(7).children() == []
    assert tree_structure(()).children() == []


def test_treedef_is_leaf() -> None:
    assert treedef_is_leaf(tree_structure(1))
    assert treedef_is_leaf(tree_structure(None))  # JAX semantics: a single node
    assert not treedef_is_leaf(tree_structure((1,)))
    assert treedef_is_strict_leaf(tree_structure(1))
    assert not treedef_is_strict_leaf(tree_structure(None))


def test_treedef_tuple_and_compose() -> None:
    a = tree_structure([0, 0])
    b = tree_structure({"k": 0})
    assert treedef_tuple([a, b]) == tree_structure(([0, 0], {"k": 0}))
    assert treedef_tuple([a, b]).num_leaves == 3
    assert a.compose(b) == tree_structure([{"k": 0}, {"k": 0}])
    assert a.compose(b).num_leaves == 2


def test_treedef_node_data() -> None:
    assert tree_structure(1).node_data() is None
    assert tree_structure({"b": 1, "a": 2}).node_data() == (dict, ("a", "b"))
    assert tree_structure(Point(1, 2)).node_data() == (Point, None)


def test_treedef_pickle() -> None:
    treedef = tree_structure({"a": (1, Point(2, 3)), "b": [None]})
    again = pickle.loads(pickle.dumps(treedef))
    assert again == treedef and hash(again) == hash(treedef)


def test_flatten_up_to() -> None:
    treedef = tree_structure((0, {"a": 0}))
    assert treedef.flatten_up_to(((1, 2), {"a": [3]})) == [(1, 2), [3]]
    with pytest.raises(ValueError, match=r"\[1\]"):
        treedef.flatten_up_to((1, {"b": 2}))


def test_unflatten_wrong_leaf_count() -> None:
    treedef = tree_structure((1, [2, 3]))
    with pytest.raises(ValueError, match="expected 3 leaves.*got 2"):
        tree_unflatten(treedef, [1, 2])
    with pytest.raises(ValueError, match="expected 3 leaves.*got 4"):
        tree_unflatten(treedef, [1, 2, 3, 4])
    with pytest.raises(ValueError, match="expected 1 leaves.*got 0"):
        tree_unflatten(tree_structure(1), [])
    with pytest.raises(ValueError, match="expected 0 leaves.*got 1"):
        tree_unflatten(tree_structure(None), [1])


# ---------------------------------------------------------------------------
# Custom nodes and dataclasses
# ---------------------------------------------------------------------------


class Box:
    def __init__(self, value: Any, label: str) -> None:
        self.value = value
        self.label = label

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Box) and (self.value, self.label) == (other.value, other.label)


register_pytree_node(Box, lambda b: ((b.value,), b.label), lambda label, ch: Box(ch[0], label))


def test_custom_node() -> None:
    tree = [Box(1, "a"), Box((2, 3), "b")]
    leaves, treedef = tree_flatten(tree)
    assert leaves == [1, 2, 3]
    assert tree_unflatten(treedef, leaves) == tree
    assert tree_map(lambda x: x * 2, tree) == [Box(2, "a"), Box((4, 6), "b")]
    # aux data is part of the structure
    assert tree_structure(Box(1, "a")) != tree_structure(Box(1, "b"))
    assert tree_structure(Box(1, "a")) == tree_structure(Box(9, "a"))
    assert repr(tree_structure(Box(1, "a"))) == "PyTreeDef(CustomNode(Box['a'], [*]))"


def test_custom_node_aux_mismatch_in_tree_map() -> None:
    with pytest.raises(ValueError, match="node data differs"):
        tree_map(lambda a, b: a, Box(1, "a"), Box(1, "b"))


def test_custom_node_subclass_is_leaf() -> None:
    class SubBox(Box):
        pass

    s = SubBox(1, "a")
    assert tree_leaves(s) == [s]


def test_register_twice_raises() -> None:
    with pytest.raises(ValueError, match="Duplicate"):
        register_pytree_node(Box, lambda b: ((), None), lambda a, c: Box(None, a))
    for builtin in (tuple, list, dict, type(None), collections.OrderedDict):
        with pytest.raises(ValueError, match="Duplicate"):
            register_pytree_node(builtin, lambda x: ((), None), lambda a, c: None)


def test_register_non_type_raises() -> None:
    with pytest.raises(TypeError):
        register_pytree_node("Box", lambda b: ((), None), lambda a, c: None)  # type: ignore


def test_registration_after_use_takes_effect() -> None:
    class Late:
        def __init__(self, v: Any) -> None:
            self.v = v

    obj = Late(1)
    assert tree_leaves([obj]) == [obj]  # a leaf, and now cached as one
    register_pytree_node(Late, lambda x: ([x.v], None), lambda _, ch: Late(ch[0]))
    assert tree_leaves([obj]) == [1]
    assert tree_leaves((obj, obj)) == [1, 1]


@register_pytree_node_class
class Pair:
    def __init__(self, a: Any, b: Any) -> None:
        self.a, self.b = a, b

    def tree_flatten(self) -> tuple:
        return (self.a, self.b), None

    @classmethod
    def tree_unflatten(cls, aux: Any, children: Any) -> Pair:
        return cls(*children)


def test_register_pytree_node_class() -> None:
    out = tree_map(lambda x: x + 1, Pair(1, [2]))
    assert isinstance(out, Pair) and out.a == 2 and out.b == [3]


@register_dataclass
@dataclasses.dataclass
class Params:
    w: Any
    b: Any
    name: str = dataclasses.field(default="layer", metadata={"static": True})


@dataclasses.dataclass(frozen=True)
class FrozenState:
    step: int
    value: Any
    total: Any = dataclasses.field(init=False, default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", "derived")


register_dataclass(FrozenState, data_fields=["value"], meta_fields=["step"])


def test_dataclass_decorator_static_fields() -> None:
    p = Params(w=np.ones(2), b=3.0, name="dense")
    leaves, treedef = tree_flatten(p)
    assert len(leaves) == 2 and leaves[1] == 3.0
    out = tree_unflatten(treedef, [10, 20])
    assert out == Params(w=10, b=20, name="dense")
    # static fields are aux data: they change the structure
    assert tree_structure(Params(1, 2, "a")) != tree_structure(Params(1, 2, "b"))
    assert tree_structure(Params(1, 2, "a")) == tree_structure(Params(5, 6, "a"))


def test_dataclass_plain_call_explicit_fields() -> None:
    s = FrozenState(step=3, value=(1, 2))
    leaves, treedef = tree_flatten(s)
    assert leaves == [1, 2]
    out = tree_map(lambda x: x * 10, s)
    assert out.step == 3 and out.value == (10, 20) and out.total == "derived"
    assert tree_structure(FrozenState(4, (1, 2))) != treedef


def test_dataclass_decorator_with_arguments() -> None:
    @register_dataclass(data_fields=["x"], meta_fields=["tag"])
    @dataclasses.dataclass
    class Tagged:
        x: Any
        tag: str

    assert tree_leaves(Tagged(1, "t")) == [1]
    assert tree_map(lambda v: v + 1, Tagged(1, "t")) == Tagged(2, "t")


def test_dataclass_only_one_field_list_given() -> None:
    @dataclasses.dataclass
    class Three:
        a: Any
        b: Any
        c: Any

    register_dataclass(Three, meta_fields=["b"])
    assert tree_leaves(Three(1, 2, 3)) == [1, 3]


def test_dataclass_errors() -> None:
    @dataclasses.dataclass
    class D:
        a: Any
        b: Any

    with pytest.raises(ValueError, match="init fields"):
        register_dataclass(D, data_fields=["a"], meta_fields=[])
    with pytest.raises(ValueError, match="both data and meta"):
        register_dataclass(D, data_fields=["a", "b"], meta_fields=["a"])

    class NotDC:
        pass

    with pytest.raises(TypeError, match="not a dataclass"):
        register_dataclass(NotDC)
    register_dataclass(D)
    with pytest.raises(ValueError, match="Duplicate"):
        register_dataclass(D)


def test_non_dataclass_with_explicit_fields() -> None:
    class Plain:
        def __init__(self, a: Any, k: str) -> None:
            self.a, self.k = a, k

    register_dataclass(Plain, data_fields=["a"], meta_fields=["k"])
    out = tree_map(lambda v: v * 3, Plain(2, "z"))
    assert out.a == 6 and out.k == "z"


def test_dataclass_mismatch_path_uses_field_name() -> None:
    with pytest.raises(ValueError, match=r"\.w"):
        tree_map(lambda a, b: a, Params((1, 2), 3.0), Params([1, 2], 3.0))


# ---------------------------------------------------------------------------
# Deep trees
# ---------------------------------------------------------------------------


def test_deep_nesting_is_not_recursive() -> None:
    depth = 5000
    tree: Any = 1
    for i in range(depth):
        tree = [tree] if i % 2 else {"k": tree}
    leaves, treedef = tree_flatten(tree)
    assert leaves == [1]
    assert treedef.num_nodes == depth + 1
    rebuilt = tree_unflatten(treedef, [2])
    assert tree_structure(rebuilt) == treedef
    assert hash(treedef) == hash(tree_structure(rebuilt))
    assert repr(treedef).startswith("PyTreeDef([{'k': [")
    assert tree_leaves(tree_map(lambda x, y: x + y, tree, rebuilt)) == [3]
    assert len(treedef.children()) == 1
    assert tu.broadcast_prefix(0, tree) == [0]
    x = rebuilt
    for i in reversed(range(depth)):
        x = x[0] if i % 2 else x["k"]
    assert x == 2


# ---------------------------------------------------------------------------
# broadcast_prefix
# ---------------------------------------------------------------------------


def test_broadcast_prefix_in_axes_style() -> None:
    a, b, c = np.ones(1), np.ones(2), np.ones(3)
    assert tu.broadcast_prefix((0, None), ((a, b), c)) == [0, 0, None]
    assert tu.broadcast_prefix(1, ((a, b), {"x": c})) == [1, 1, 1]
    assert tu.broadcast_prefix(None, (a, b)) == [None, None]
    assert tu.broadcast_prefix(((0, 1), None), ((a, b), c)) == [0, 1, None]
    assert tu.broadcast_prefix({"x": 0, "y": 1}, {"y": [a, b], "x": c}) == [0, 1, 1]


def test_broadcast_prefix_none_in_full_tree_contributes_nothing() -> None:
    assert tu.broadcast_prefix((0, 1), (None, (1, 2))) == [1, 1]


def test_broadcast_prefix_identical_structure() -> None:
    tree = {"a": (1, 2), "b": [3]}
    assert tu.broadcast_prefix(tree, tree) == [1, 2, 3]


def test_broadcast_prefix_is_leaf() -> None:
    full = [(1, 2), (3, 4)]
    out = tu.broadcast_prefix([0, 1], full, is_leaf=lambda x: isinstance(x, tuple))
    assert out == [0, 1]


@pytest.mark.parametrize(
    "prefix, full",
    [
        ((0, 0, 0), (1, 2)),
        ([0, 0], (1, 2)),
        ({"a": 0}, {"b": 1}),
        ((0, (0, 0)), (1, 2)),
        ((0, 0), None),
    ],
)
def test_broadcast_prefix_not_a_prefix(prefix: Any, full: Any) -> None:
    with pytest.raises(ValueError, match="not a tree prefix") as info:
        tu.broadcast_prefix(prefix, full)
    msg = str(info.value)
    assert repr(tree_structure(prefix)) in msg
    assert repr(tree_structure(full)) in msg


# ---------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------

leaf_values = st.one_of(
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=3),
    st.booleans(),
    st.builds(lambda n: np.arange(float(n)), st.integers(0, 3)),
)
dict_keys = st.text(alphabet="abcdefg", min_size=1, max_size=2)


def _containers(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.lists(children, max_size=4).map(tuple),
        st.lists(children, max_size=4),
        st.dictionaries(dict_keys, children, max_size=4),
        st.builds(Point, children, children),
        st.dictionaries(dict_keys, children, max_size=4).map(collections.OrderedDict),
        st.dictionaries(dict_keys, children, max_size=3).map(
            lambda d: collections.defaultdict(list, d)
        ),
        st.builds(Box, children, st.sampled_from(["p", "q"])),
        st.builds(Params, children, children),
    )


trees = st.recursive(st.one_of(st.none(), leaf_values), _containers, max_leaves=25)


def reference_leaves(tree: Any) -> list:
    """A straightforward recursive flattener, as an oracle."""
    if tree is None:
        return []
    if isinstance(tree, Box):
        return reference_leaves(tree.value)
    if isinstance(tree, Params):
        return reference_leaves(tree.w) + reference_leaves(tree.b)
    if type(tree) in (tuple, list, Point):
        return [x for c in tree for x in reference_leaves(c)]
    if type(tree) in (dict, collections.defaultdict):
        return [x for k in sorted(tree) for x in reference_leaves(tree[k])]
    if type(tree) is collections.OrderedDict:
        return [x for k in tree for x in reference_leaves(tree[k])]
    return [tree]


@given(trees)
def test_property_roundtrip(tree: Any) -> None:
    leaves, treedef = tree_flatten(tree)
    ref = reference_leaves(tree)
    assert len(leaves) == len(ref) == treedef.num_leaves
    assert all(a is b for a, b in zip(leaves, ref))
    rebuilt = tree_unflatten(treedef, leaves)
    assert same(rebuilt, tree)
    assert tree_structure(rebuilt) == treedef
    assert hash(tree_structure(rebuilt)) == hash(treedef)
    assert treedef.num_nodes == 1 + sum(c.num_nodes for c in treedef.children())
    assert sum(c.num_leaves for c in treedef.children()) == treedef.num_leaves or (
        treedef_is_strict_leaf(treedef)
    )


class Tag:
    """An unregistered wrapper, hence a leaf."""

    def __init__(self, value: Any) -> None:
        self.value = value


@given(trees)
def test_property_tree_map(tree: Any) -> None:
    leaves, treedef = tree_flatten(tree)
    tagged = tree_map(Tag, tree)
    assert tree_structure(tagged) == treedef
    assert all(t.value is x for t, x in zip(tree_leaves(tagged), leaves))
    pairs = tree_leaves(tree_map(lambda a, b: Tag((a, b)), tree, tree))
    assert len(pairs) == len(leaves)
    assert all(t.value[0] is x and t.value[1] is x for t, x in zip(pairs, leaves))


@given(trees)
def test_property_broadcast_prefix(tree: Any) -> None:
    leaves = tree_leaves(tree)
    # None in a prefix covers a subtree; None in the full tree has no leaves, so a
    # tree is always its own prefix and broadcasts to its own leaves.
    out = tu.broadcast_prefix(tree, tree)
    assert len(out) == len(leaves) and all(a is b for a, b in zip(out, leaves))
    assert tu.broadcast_prefix(0, tree) == [0] * len(leaves)
    assert tu.broadcast_prefix(None, tree) == [None] * len(leaves)
