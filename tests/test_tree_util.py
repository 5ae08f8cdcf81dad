"""Tests for funcad.tree_util (pytree flatten / unflatten / map and friends)."""

from __future__ import annotations

import collections
import dataclasses
import pickle
from typing import Any, ClassVar, NamedTuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from funcad import tree_util as tu
from funcad.tree_util import (
    DictKey,
    FlattenedIndexKey,
    GetAttrKey,
    KeyPath,
    PyTreeDef,
    SequenceKey,
    all_leaves,
    keystr,
    register_dataclass,
    register_pytree_node,
    register_pytree_node_class,
    register_pytree_with_keys,
    register_pytree_with_keys_class,
    tree_all,
    tree_flatten,
    tree_flatten_with_path,
    tree_leaves,
    tree_leaves_with_path,
    tree_map,
    tree_map_with_path,
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
# Key paths
# ---------------------------------------------------------------------------


KEYS = [SequenceKey(1), DictKey("a"), GetAttrKey("x"), FlattenedIndexKey(1)]


def copy_of(key: Any) -> Any:
    """A new key equal in value, built from the key's one public field."""
    field = type(key).__match_args__[0]
    return type(key)(getattr(key, field))


@pytest.mark.parametrize(
    "key, text, representation",
    [
        (SequenceKey(1), "[1]", "SequenceKey(idx=1)"),
        (DictKey("a"), "['a']", "DictKey(key='a')"),
        (DictKey(1), "[1]", "DictKey(key=1)"),
        (DictKey(None), "[None]", "DictKey(key=None)"),
        (DictKey((1, "b")), "[(1, 'b')]", "DictKey(key=(1, 'b'))"),
        (GetAttrKey("x"), ".x", "GetAttrKey(name='x')"),
        (FlattenedIndexKey(1), "[<flat index 1>]", "FlattenedIndexKey(key=1)"),
    ],
)
def test_key_str_and_repr(key: Any, text: str, representation: str) -> None:
    assert str(key) == text
    assert repr(key) == representation


def test_key_fields() -> None:
    assert SequenceKey(idx=2).idx == 2
    assert DictKey(key="k").key == "k"
    assert GetAttrKey(name="n").name == "n"
    assert FlattenedIndexKey(key=3).key == 3
    index = SequenceKey(np.int64(4))
    assert index.idx == 4 and type(index.idx) is int


def test_key_equality_and_hash() -> None:
    for key in KEYS:
        twin = copy_of(key)
        assert key == twin
        assert (key != twin) is False
        assert hash(key) == hash(twin)
    assert SequenceKey(1) != SequenceKey(2)
    assert DictKey("a") != DictKey("b")
    assert GetAttrKey("x") != GetAttrKey("y")
    # Different key classes never compare equal, even with equal values.
    assert SequenceKey(1) != FlattenedIndexKey(1)
    assert hash(SequenceKey(1)) != hash(FlattenedIndexKey(1))
    assert DictKey("x") != GetAttrKey("x")
    assert SequenceKey(1) != 1 and DictKey("a") != "a"
    # Dict keys compare like the keys they hold.
    assert DictKey(1) == DictKey(1.0)
    assert len({*KEYS, *map(copy_of, KEYS)}) == len(KEYS)


def test_keys_are_frozen() -> None:
    for key in KEYS:
        field = type(key).__match_args__[0]
        with pytest.raises(AttributeError):
            setattr(key, field, 5)
        with pytest.raises(AttributeError):
            key.other = 5  # type: ignore[attr-defined]
        with pytest.raises(AttributeError):
            delattr(key, field)


def test_key_constructors_check_types() -> None:
    with pytest.raises(TypeError):
        SequenceKey("a")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        SequenceKey(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        GetAttrKey(1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        FlattenedIndexKey(1.5)  # type: ignore[arg-type]


def test_keys_pickle_and_match() -> None:
    for key in KEYS:
        again = pickle.loads(pickle.dumps(key))
        assert again == key and type(again) is type(key)
    found = []
    for key in KEYS:
        match key:
            case SequenceKey(idx=i):
                found.append(("seq", i))
            case DictKey(key=k):
                found.append(("dict", k))
            case GetAttrKey(name):
                found.append(("attr", name))
            case FlattenedIndexKey(i):
                found.append(("flat", i))
    assert found == [("seq", 1), ("dict", "a"), ("attr", "x"), ("flat", 1)]


def test_flatten_with_path_jax_examples() -> None:
    pairs, treedef = tree_flatten_with_path([1, {"x": 3}])
    assert pairs == [((SequenceKey(0),), 1), ((SequenceKey(1), DictKey("x")), 3)]
    assert repr(treedef) == "PyTreeDef([*, {'x': *}])"
    assert tree_leaves_with_path([1, {"x": 3}]) == pairs
    assert tree_map_with_path(lambda path, x: x + path[0].idx, [1, 2, 3]) == [1, 3, 5]


def paths(tree: Any, **kw: Any) -> list[str]:
    return [keystr(p) for p, _ in tree_flatten_with_path(tree, **kw)[0]]


@pytest.mark.parametrize(
    "tree, expected",
    [
        (5, [""]),
        ((1, [2, 3]), ["[0]", "[1][0]", "[1][1]"]),
        ({"b": 1, "a": {"d": 2, "c": 3}}, ["['a']['c']", "['a']['d']", "['b']"]),
        ({2: "x", 1: "y"}, ["[1]", "[2]"]),
        (collections.OrderedDict([("q", 1), ("b", 2)]), ["['q']", "['b']"]),
        (collections.defaultdict(list, {"y": 1, "x": 2}), ["['x']", "['y']"]),
        (Point(1, (2,)), [".x", ".y[0]"]),
        ([None, 1, (None,)], ["[1]"]),
        ({"e": (), "f": {}, "g": 1}, ["['g']"]),
        (Params(w=1, b=[2], name="s"), [".w", ".b[0]"]),
        (FrozenState(step=1, value=(2, 3)), [".value[0]", ".value[1]"]),
        (Box((1, 2), "a"), ["[<flat index 0>][0]", "[<flat index 0>][1]"]),
        (Pair(1, 2), ["[<flat index 0>]", "[<flat index 1>]"]),
    ],
)
def test_keys_of_each_node_kind(tree: Any, expected: list[str]) -> None:
    assert paths(tree) == expected


def test_key_objects_of_each_node_kind() -> None:
    tree = {
        "t": (1,),
        "o": collections.OrderedDict(z=2),
        "p": Point(3, None),
        "box": Box(4, "a"),
        "dc": Params(5, 6),
    }
    got = [p for p, _ in tree_flatten_with_path(tree)[0]]
    assert got == [
        (DictKey("box"), FlattenedIndexKey(0)),
        (DictKey("dc"), GetAttrKey("w")),
        (DictKey("dc"), GetAttrKey("b")),
        (DictKey("o"), DictKey("z")),
        (DictKey("p"), GetAttrKey("x")),
        (DictKey("t"), SequenceKey(0)),
    ]


def test_flatten_with_path_matches_flatten() -> None:
    tree = {"a": [1, Point(2, {"k": 3})], "b": Box((4, None), "q"), "c": Params(5, [6])}
    pairs, treedef = tree_flatten_with_path(tree)
    leaves, expected = tree_flatten(tree)
    assert [x for _, x in pairs] == leaves
    assert treedef == expected and hash(treedef) == hash(expected)
    assert same(tree_unflatten(treedef, [x for _, x in pairs]), tree)
    assert tree_flatten_with_path(None) == ([], tree_structure(None))


def test_flatten_with_path_is_leaf() -> None:
    tree = ((1, 2), [3, {4: 4, 5: 5}])
    got = tree_flatten_with_path(tree, is_leaf=lambda x: isinstance(x, list))[0]
    assert got == [
        ((SequenceKey(0), SequenceKey(0)), 1),
        ((SequenceKey(0), SequenceKey(1)), 2),
        ((SequenceKey(1),), [3, {4: 4, 5: 5}]),
    ]
    # None is offered to is_leaf too, and then kept as a leaf.
    assert tree_leaves_with_path([None, 1], is_leaf=lambda x: x is None) == [
        ((SequenceKey(0),), None),
        ((SequenceKey(1),), 1),
    ]
    assert tree_leaves_with_path({"a": 1}, is_leaf=lambda x: True) == [((), {"a": 1})]


def test_flatten_with_path_is_leaf_takes_path() -> None:
    seen: list[KeyPath] = []

    def deep_enough(path: KeyPath, x: Any) -> bool:
        seen.append(path)
        return len(path) >= 2

    tree = ((1, 2), [3, {4: 4, 5: 5}])
    got = tree_flatten_with_path(tree, is_leaf=deep_enough, is_leaf_takes_path=True)[0]
    assert got == [
        ((SequenceKey(0), SequenceKey(0)), 1),
        ((SequenceKey(0), SequenceKey(1)), 2),
        ((SequenceKey(1), SequenceKey(0)), 3),
        ((SequenceKey(1), SequenceKey(1)), {4: 4, 5: 5}),
    ]
    assert seen[0] == ()
    out = tree_map_with_path(
        lambda path, *xs: (path[0].idx, *xs),
        ((1, 2), [3, 4, 5]),
        (([3], 0), ([0], 7, [5, 6])),
        is_leaf=lambda _, x: isinstance(x, list),
        is_leaf_takes_path=True,
    )
    assert out == (((0, 1, [3]), (0, 2, 0)), (1, [3, 4, 5], ([0], 7, [5, 6])))


def test_tree_map_with_path() -> None:
    tree = [{i: i for i in range(10)}]
    zeros = tree_map_with_path(lambda path, x: x - path[1].key + path[0].idx, tree)
    assert zeros == [{i: 0 for i in range(10)}]
    named = tree_map_with_path(lambda path, x: keystr(path), {"a": (1, None), "b": Params(1, 2)})
    assert named == {"a": ("['a'][0]", None), "b": Params("['b'].w", "['b'].b")}


def test_tree_map_with_path_several_trees() -> None:
    out = tree_map_with_path(
        lambda path, a, b, c: (keystr(path), a + b + c),
        {"x": 1, "y": (2, 3)},
        {"x": 10, "y": (20, 30)},
        {"x": 100, "y": (200, 300)},
    )
    assert out == {"x": ("['x']", 111), "y": (("['y'][0]", 222), ("['y'][1]", 333))}
    # Like tree_map, later trees may hold whole subtrees at the first tree's leaves.
    deeper = tree_map_with_path(lambda path, a, b: (path, a, b), (0, 1), ((1, 2), [3]))
    assert deeper == (((SequenceKey(0),), 0, (1, 2)), ((SequenceKey(1),), 1, [3]))


def test_tree_map_with_path_mismatch() -> None:
    with pytest.raises(ValueError) as info:
        tree_map_with_path(lambda p, a, b: a, {"w": (1, 2)}, {"w": [1, 2]})
    msg = str(info.value)
    assert msg.startswith("tree_map_with_path: argument 1 does not have the tree structure")
    assert "['w']" in msg
    assert "PyTreeDef({'w': (*, *)})" in msg and "PyTreeDef({'w': [*, *]})" in msg
    # The second structure is computed with the same path-taking is_leaf.
    with pytest.raises(ValueError, match=r"argument 1: PyTreeDef\(\[\(\*, \*\)\]\)"):
        tree_map_with_path(
            lambda p, a, b: a,
            [[1, 2]],
            [(2, 3)],
            is_leaf=lambda p, x: len(p) == 2,
            is_leaf_takes_path=True,
        )


@pytest.mark.parametrize(
    "keys, plain, simple",
    [
        ((), "", ""),
        ((DictKey("foo"), DictKey("bar"), SequenceKey(0)), "['foo']['bar'][0]", "foo/bar/0"),
        ((SequenceKey(0), GetAttrKey("bar"), DictKey("cin")), "[0].bar['cin']", "0/bar/cin"),
        ((DictKey(1), FlattenedIndexKey(2)), "[1][<flat index 2>]", "1/2"),
        ((DictKey("a"), "x", 3), "['a']x3", "a/x/3"),
    ],
)
def test_keystr(keys: KeyPath, plain: str, simple: str) -> None:
    assert keystr(keys) == plain
    assert keystr(keys, simple=True, separator="/") == simple
    assert keystr(keys, simple=True) == simple.replace("/", "")
    assert keystr(keys, separator=" ") == " ".join(str(k) for k in keys)
    with pytest.raises(TypeError):
        keystr(keys, True)  # type: ignore[misc]


def test_keystr_jax_example() -> None:
    params = {"foo": {"bar": {"baz": 1, "bat": [2, 3]}}}
    leaves = tree_leaves_with_path(params)
    assert [keystr(p) for p, _ in leaves] == [
        "['foo']['bar']['bat'][0]",
        "['foo']['bar']['bat'][1]",
        "['foo']['bar']['baz']",
    ]
    assert [keystr(p, simple=True, separator="/") for p, _ in leaves] == [
        "foo/bar/bat/0",
        "foo/bar/bat/1",
        "foo/bar/baz",
    ]


class Labelled:
    """A node registered with keys; counts flatten calls to see which one is used."""

    calls: ClassVar[collections.Counter] = collections.Counter()

    def __init__(self, a: Any, b: Any, tag: str) -> None:
        self.a, self.b, self.tag = a, b, tag

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Labelled) and (self.a, self.b, self.tag) == (
            other.a,
            other.b,
            other.tag,
        )


def _labelled_with_keys(x: Labelled) -> tuple:
    Labelled.calls["with_keys"] += 1
    return [(GetAttrKey("a"), x.a), (DictKey("bee"), x.b)], x.tag


register_pytree_with_keys(Labelled, _labelled_with_keys, lambda tag, ch: Labelled(*ch, tag))


def test_register_pytree_with_keys_round_trip() -> None:
    tree = [Labelled(1, (2, [3]), "t")]
    pairs, treedef = tree_flatten_with_path(tree)
    assert pairs == [
        ((SequenceKey(0), GetAttrKey("a")), 1),
        ((SequenceKey(0), DictKey("bee"), SequenceKey(0)), 2),
        ((SequenceKey(0), DictKey("bee"), SequenceKey(1), SequenceKey(0)), 3),
    ]
    assert [keystr(p) for p, _ in pairs] == ["[0].a", "[0]['bee'][0]", "[0]['bee'][1][0]"]
    assert repr(treedef) == "PyTreeDef([CustomNode(Labelled['t'], [*, (*, [*])])])"
    assert treedef == tree_structure(tree)
    assert tree_unflatten(treedef, [x for _, x in pairs]) == tree
    # Without a flatten_func, tree_flatten uses flatten_with_keys and drops the keys.
    before = Labelled.calls["with_keys"]
    assert tree_leaves(tree) == [1, 2, 3]
    assert Labelled.calls["with_keys"] == before + 1
    assert tree_map(lambda x: x * 2, tree) == [Labelled(2, (4, [6]), "t")]
    with pytest.raises(ValueError, match="Duplicate"):
        register_pytree_with_keys(Labelled, _labelled_with_keys, lambda tag, ch: None)


def test_register_pytree_with_keys_uses_flatten_func() -> None:
    class Fast:
        def __init__(self, v: Any) -> None:
            self.v = v

    used = []

    def with_keys(x: Fast) -> tuple:
        used.append("with_keys")
        return [(GetAttrKey("v"), x.v)], None

    def plain(x: Fast) -> tuple:
        used.append("plain")
        return [x.v], None

    register_pytree_with_keys(Fast, with_keys, lambda _, ch: Fast(ch[0]), plain)
    assert tree_leaves(Fast(1)) == [1] and used == ["plain"]
    assert tree_leaves_with_path(Fast(1)) == [((GetAttrKey("v"),), 1)]
    assert used == ["plain", "with_keys"]


def test_register_pytree_with_keys_class() -> None:
    @register_pytree_with_keys_class
    class Special:
        def __init__(self, x: Any, y: Any) -> None:
            self.x, self.y = x, y

        def tree_flatten_with_keys(self) -> tuple:
            return ((GetAttrKey("x"), self.x), (GetAttrKey("y"), self.y)), None

        @classmethod
        def tree_unflatten(cls, aux: Any, children: Any) -> Special:
            return cls(*children)

    assert paths(Special(1, [2])) == [".x", ".y[0]"]
    out = tree_map(lambda v: v + 1, Special(1, [2]))
    assert isinstance(out, Special) and out.x == 2 and out.y == [3]

    @register_pytree_with_keys_class
    class WithBoth(Special):
        def tree_flatten(self) -> tuple:
            return (self.y, self.x), None  # deliberately different, to see it is used

    assert tree_leaves(WithBoth(1, 2)) == [2, 1]
    assert tree_leaves_with_path(WithBoth(1, 2)) == [
        ((GetAttrKey("x"),), 1),
        ((GetAttrKey("y"),), 2),
    ]


def test_register_pytree_node_with_keys_argument() -> None:
    class Cell:
        def __init__(self, v: Any) -> None:
            self.v = v

    register_pytree_node(
        Cell,
        lambda c: ((c.v,), None),
        lambda _, ch: Cell(ch[0]),
        lambda c: (((DictKey("value"), c.v),), None),
    )
    assert paths([Cell((1, 2))]) == ["[0]['value'][0]", "[0]['value'][1]"]
    with pytest.raises(TypeError):
        register_pytree_node(type("Other", (), {}), lambda c: ((), None), lambda a, c: None, 3)


def test_malformed_flatten_with_keys() -> None:
    class Bad:
        pass

    register_pytree_with_keys(Bad, lambda b: b.answer, lambda _, ch: Bad())
    bad = Bad()
    bad.answer = ([1, 2], None)  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=r"\(key, child\) pairs"):
        tree_flatten_with_path(bad)
    bad.answer = [[(SequenceKey(0), 1)], None]  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="key_child_pairs, aux_data"):
        tree_flatten_with_path(bad)


def test_mismatch_paths_use_node_keys() -> None:
    # Structure errors name positions with the same keys as tree_flatten_with_path.
    with pytest.raises(ValueError, match=r"at \[0\]\['bee'\]: expected a tuple"):
        tree_map(lambda a, b: a, [Labelled(1, (2, 3), "t")], [Labelled(1, [2, 3], "t")])
    with pytest.raises(ValueError, match=r"at \[0\]\[<flat index 0>\]: expected a tuple"):
        tree_map(lambda a, b: a, [Box((1, 2), "a")], [Box([1, 2], "a")])
    with pytest.raises(ValueError, match=r"at \['p'\]\.y\[1\]: expected None"):
        tree_map(lambda a, b: a, {"p": Point(1, (2, None))}, {"p": Point(1, (2, 3))})
    with pytest.raises(ValueError, match=r"at <root>: expected a list"):
        tree_map(lambda a, b: a, [1], (1,))


def test_deep_key_paths_are_not_recursive() -> None:
    depth = 5000
    tree: Any = 1
    for i in range(depth):
        tree = [tree] if i % 2 else {"k": tree}
    [(path, leaf)], treedef = tree_flatten_with_path(tree)
    assert leaf == 1 and len(path) == depth
    assert treedef == tree_structure(tree)
    assert path[0] == SequenceKey(0) and path[-1] == DictKey("k")
    assert keystr(path).startswith("[0]['k'][0]['k']")
    doubled = tree_map_with_path(lambda p, x, y: (len(p), x + y), tree, tree)
    assert tree_leaves(doubled, is_leaf=lambda x: type(x) is tuple) == [(depth, 2)]
    assert (
        tree_leaves_with_path(
            tree, is_leaf=lambda p, x: len(p) == depth // 2, is_leaf_takes_path=True
        )[0][0]
        == path[: depth // 2]
    )
    wrong = tree_map(lambda x: (x,), tree)  # a tuple where a leaf was: still a prefix
    assert tree_leaves(tree_map_with_path(lambda p, x, y: y, tree, wrong)) == [1]
    broken: Any = ("not", "a", "dict")
    for i in range(1, depth):
        broken = [broken] if i % 2 else {"k": broken}
    with pytest.raises(ValueError, match=r"at (\[0\]\['k'\]){2499}\[0\]: expected a dict"):
        tree_map_with_path(lambda p, x, y: x, tree, broken)


def test_new_names_are_exported() -> None:
    for name in (
        "SequenceKey",
        "DictKey",
        "GetAttrKey",
        "FlattenedIndexKey",
        "KeyEntry",
        "KeyPath",
        "keystr",
        "tree_flatten_with_path",
        "tree_leaves_with_path",
        "tree_map_with_path",
        "register_pytree_with_keys",
        "register_pytree_with_keys_class",
    ):
        assert name in tu.__all__ and hasattr(tu, name)
    assert all(hasattr(tu, name) for name in tu.__all__)


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


def follow(tree: Any, path: KeyPath) -> Any:
    """Walk ``path`` down from ``tree`` the way each key says to."""
    x = tree
    for key in path:
        match key:
            case SequenceKey(idx=i):
                x = x[i]
            case DictKey(key=k):
                x = x[k]
            case GetAttrKey(name=name):
                x = getattr(x, name)
            case FlattenedIndexKey(key=i):
                assert type(x) is Box and i == 0  # the only node here without keys
                x = x.value
            case _:
                raise AssertionError(f"unexpected key {key!r}")
    return x


@given(trees)
def test_property_key_paths(tree: Any) -> None:
    pairs, treedef = tree_flatten_with_path(tree)
    leaves = tree_leaves(tree)
    assert len(pairs) == len(leaves)
    assert all(x is leaf for (_, x), leaf in zip(pairs, leaves))
    assert treedef == tree_structure(tree)
    key_paths = [p for p, _ in pairs]
    assert len(set(key_paths)) == len(key_paths)
    assert len({keystr(p) for p in key_paths}) == len(key_paths)
    assert all(follow(tree, p) is x for p, x in pairs)
    tagged = tree_map_with_path(lambda p, x: Tag(p), tree)
    assert tree_structure(tagged) == treedef
    assert [t.value for t in tree_leaves(tagged)] == key_paths
    assert same(tree_unflatten(treedef, [x for _, x in pairs]), tree)


@given(trees)
def test_property_key_paths_with_is_leaf(tree: Any) -> None:
    def is_list(x: Any) -> bool:
        return isinstance(x, list)

    pairs, treedef = tree_flatten_with_path(tree, is_leaf=is_list)
    leaves, expected = tree_flatten(tree, is_leaf=is_list)
    assert treedef == expected
    assert len(pairs) == len(leaves) and all(x is y for (_, x), y in zip(pairs, leaves))
    assert all(follow(tree, p) is x for p, x in pairs)
    # A path-taking is_leaf that stops at depth 2 keeps every path at most that long.
    shallow = tree_leaves_with_path(tree, is_leaf=lambda p, x: len(p) >= 2, is_leaf_takes_path=True)
    assert all(len(p) <= 2 and follow(tree, p) is x for p, x in shallow)
