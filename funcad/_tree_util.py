"""Pytree utilities: turn nested containers into a flat list of leaves and back.

Every transformation in funcad (``grad``, ``vjp``, ...) accepts and returns
*pytrees*: arbitrarily nested tuples, lists, dicts, ``None``, namedtuples,
``OrderedDict``/``defaultdict`` and user-registered node types, whose non-node
values ("leaves") are arrays or scalars.  The transformations work on the flat
list of leaves and use a ``PyTreeDef`` to rebuild the original shape.

The API and semantics follow ``jax.tree_util`` (dict children are ordered by
sorted key, ``None`` is a node with no children, subclasses of registered types
are leaves unless registered themselves, except namedtuples), so code written
against JAX's pytree API works unchanged.

Implementation notes:

* A ``PyTreeDef`` stores its nodes as one flat tuple in pre-order; each entry
  is ``(kind, type, aux_data, num_children)``.  Equality and hashing are then
  plain tuple operations, and every traversal (flatten, unflatten, repr,
  ``flatten_up_to``) is an explicit loop, so trees thousands of levels deep
  work without hitting Python's recursion limit.
* ``tree_flatten`` sits on the hot path of every ``grad`` call, so node types
  are looked up by exact ``type(x)`` in a cache dict, and the common case of a
  single container of leaves reuses a cached ``PyTreeDef``.
* Key paths (``tree_flatten_with_path``, ``keystr``, the ``...Key`` classes)
  name positions in a tree the way JAX does: ``SequenceKey`` for tuple and
  list children, ``DictKey`` for dict children, ``GetAttrKey`` for namedtuple
  and dataclass fields, ``FlattenedIndexKey`` for nodes registered without
  keys.  ``_child_keys`` is the single statement of that rule; structure
  errors print their paths with it too.  The path functions have their own
  loop, so ``tree_flatten`` pays nothing for them.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import operator
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

__all__ = [
    "broadcast_prefix",
    "DictKey",
    "FlattenedIndexKey",
    "GetAttrKey",
    "KeyEntry",
    "KeyPath",
    "PyTreeDef",
    "SequenceKey",
    "all_leaves",
    "keystr",
    "register_dataclass",
    "register_pytree_node",
    "register_pytree_node_class",
    "register_pytree_with_keys",
    "register_pytree_with_keys_class",
    "tree_all",
    "tree_flatten",
    "tree_flatten_with_path",
    "tree_leaves",
    "tree_leaves_with_path",
    "tree_map",
    "tree_map_with_path",
    "tree_reduce",
    "tree_structure",
    "tree_transpose",
    "tree_unflatten",
    "treedef_children",
    "treedef_is_leaf",
    "treedef_is_strict_leaf",
    "treedef_tuple",
]

PyTree = Any
IsLeaf = Callable[[Any], bool]
T = TypeVar("T")
TypeT = TypeVar("TypeT", bound=type)

# ---------------------------------------------------------------------------
# Node kinds and the registry
# ---------------------------------------------------------------------------

_LEAF = 0
_NONE = 1
_TUPLE = 2
_LIST = 3
_DICT = 4
_NAMEDTUPLE = 5
_ORDEREDDICT = 6
_DEFAULTDICT = 7
_CUSTOM = 8

_NoneType = type(None)
_OrderedDict = collections.OrderedDict
_defaultdict = collections.defaultdict

_BUILTIN_KINDS: dict[type, int] = {
    tuple: _TUPLE,
    list: _LIST,
    dict: _DICT,
    _NoneType: _NONE,
    _OrderedDict: _ORDEREDDICT,
    _defaultdict: _DEFAULTDICT,
}

# type -> (flatten_func, unflatten_func) for user-registered node types.
_custom: dict[type, tuple[Callable[[Any], Any], Callable[[Any, Any], Any]]] = {}
# type -> flatten_with_keys for node types registered with keys.
_custom_with_keys: dict[type, Callable[[Any], tuple[Iterable[tuple[Any, Any]], Any]]] = {}
# Dataclass type -> the keys of its children, which depend on the type alone.
_field_keys: dict[type, tuple[GetAttrKey, ...]] = {}
# Exact type -> node kind.  Filled lazily; one dict lookup per visited object.
_kind_cache: dict[type, int] = dict(_BUILTIN_KINDS)

_LEAF_ENTRY = (_LEAF, None, None, 0)
_NONE_ENTRY = (_NONE, _NoneType, None, 0)


def _resolve_kind(t: type) -> int:
    """Classify a type not yet in the cache and remember the answer."""
    if t in _custom:
        kind = _CUSTOM
    elif issubclass(t, tuple) and hasattr(t, "_fields"):
        kind = _NAMEDTUPLE
    else:
        kind = _LEAF
    _kind_cache[t] = kind
    return kind


def _mixed_sort_key(key: Any) -> tuple:
    t = type(key)
    return (t.__module__, t.__qualname__, key)


def _sorted_keys(d: dict) -> tuple:
    """Dict keys in sorted order (JAX's child order for dicts).

    Keys of different, mutually incomparable types (e.g. ``1`` and ``"a"``) are
    grouped by type name first so the order is still deterministic.
    """
    try:
        return tuple(sorted(d))
    except TypeError:
        try:
            return tuple(sorted(d, key=_mixed_sort_key))
        except TypeError:
            raise TypeError(
                f"pytree dict keys must be sortable to define a child order; got keys {list(d)!r}"
            ) from None


# ---------------------------------------------------------------------------
# Key paths
# ---------------------------------------------------------------------------

# A key path names one position in a tree: the tuple of the keys of the
# children passed through on the way from the root.  funcad produces the four
# key classes below; nodes registered with keys may use any hashable objects.
KeyEntry = Any
KeyPath = tuple[KeyEntry, ...]


class _Key:
    """Shared behaviour of the key classes: one immutable value, compared by class.

    Equality and hashing are by value within one key class, so ``SequenceKey(0)``
    and ``FlattenedIndexKey(0)`` differ (they mean different things).
    """

    __slots__ = ()
    __match_args__: tuple[str, ...] = ()
    _salt = ""  # the class name, mixed into hashes

    def _value(self) -> Any:
        return getattr(self, self.__match_args__[0])

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self._value() == other._value()

    def __hash__(self) -> int:
        return hash((self._salt, self._value()))

    def __reduce__(self) -> tuple:
        return (type(self), (self._value(),))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__match_args__[0]}={self._value()!r})"


class SequenceKey(_Key):
    """The key of a tuple or list child: its index.  Prints as ``[0]``."""

    __slots__ = ("idx",)
    __match_args__ = ("idx",)
    _salt = "SequenceKey"
    idx: int

    def __init__(self, idx: int) -> None:
        object.__setattr__(self, "idx", operator.index(idx))

    def __str__(self) -> str:
        return f"[{self.idx}]"


class DictKey(_Key):
    """The key of a dict child (``dict``, ``OrderedDict``, ``defaultdict``).

    Prints as ``['a']``: the key's repr in brackets, as code would index it.
    """

    __slots__ = ("key",)
    __match_args__ = ("key",)
    _salt = "DictKey"
    key: Hashable

    def __init__(self, key: Hashable) -> None:
        object.__setattr__(self, "key", key)

    def __str__(self) -> str:
        return f"[{self.key!r}]"


class GetAttrKey(_Key):
    """The key of an attribute child (namedtuple fields, dataclass fields).

    Prints as ``.name``.
    """

    __slots__ = ("name",)
    __match_args__ = ("name",)
    _salt = "GetAttrKey"
    name: str

    def __init__(self, name: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"GetAttrKey: name must be a str, got {name!r}")
        object.__setattr__(self, "name", name)

    def __str__(self) -> str:
        return f".{self.name}"

    def __repr__(self) -> str:
        return f"GetAttrKey(name='{self.name}')"


class FlattenedIndexKey(_Key):
    """The key of a child of a node registered without keys: its position among
    the children its flatten function returns.  Prints as ``[<flat index 0>]``,
    which cannot be mistaken for an index into the node itself.
    """

    __slots__ = ("key",)
    __match_args__ = ("key",)
    _salt = "FlattenedIndexKey"
    key: int

    def __init__(self, key: int) -> None:
        object.__setattr__(self, "key", operator.index(key))

    def __str__(self) -> str:
        return f"[<flat index {self.key}>]"


_KEY_CLASSES = (SequenceKey, DictKey, GetAttrKey, FlattenedIndexKey)


def keystr(keys: KeyPath, *, simple: bool = False, separator: str = "") -> str:
    """Readable form of a key path: ``['params'][0].w`` by default.

    ``simple=True`` prints each key's bare value (``params``, ``0``, ``w``),
    shorter but ambiguous (an index and a dict key ``0`` look alike); with
    ``separator='/'`` that gives ``params/0/w``.  Keys of other types print
    with ``str``.
    """
    if simple:
        return separator.join(
            str(k._value()) if isinstance(k, _KEY_CLASSES) else str(k) for k in keys
        )
    return separator.join(map(str, keys))


_ABSENT = object()  # "the node's value is not known", for _child_keys


def _flatten_custom_with_keys(t: type, x: Any) -> tuple[list[Any], list[Any], Any]:
    """``(keys, children, aux_data)`` of a custom node.

    Nodes registered without keys get ``FlattenedIndexKey`` positions.
    """
    with_keys = _custom_with_keys.get(t)
    if with_keys is None:
        children, aux = _custom[t][0](x)
        children = list(children)
        return [FlattenedIndexKey(j) for j in range(len(children))], children, aux
    out = with_keys(x)
    if not isinstance(out, tuple) or len(out) != 2:
        raise ValueError(
            f"flatten_with_keys for {t.__name__} must return a (key_child_pairs, aux_data) "
            f"tuple, got {out!r}"
        )
    keys: list[Any] = []
    children = []
    for pair in out[0]:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise ValueError(
                f"flatten_with_keys for {t.__name__} must give (key, child) pairs, got {pair!r}"
            )
        keys.append(pair[0])
        children.append(pair[1])
    return keys, children, out[1]


def _child_keys(entry: tuple, x: Any = _ABSENT) -> tuple[list[Any], Any]:
    """Keys of the children of the node ``entry`` and, given its value ``x``, the
    children themselves (else ``None``).

    This is the one place that says which key each node kind gives its children.
    Without ``x``, nodes registered with keys (other than dataclasses, whose
    keys depend on the type alone) fall back to ``FlattenedIndexKey``.
    """
    kind, typ, aux, n = entry
    known = x is not _ABSENT
    if kind == _TUPLE or kind == _LIST:
        return [SequenceKey(j) for j in range(n)], (x if known else None)
    if kind == _NAMEDTUPLE:
        return [GetAttrKey(f) for f in typ._fields], (x if known else None)
    if kind == _DICT or kind == _ORDEREDDICT or kind == _DEFAULTDICT:
        names = aux[1] if kind == _DEFAULTDICT else aux
        return [DictKey(k) for k in names], ([x[k] for k in names] if known else None)
    if kind == _NONE or kind == _LEAF:
        return [], ([] if known else None)
    if known:
        keys, children, _ = _flatten_custom_with_keys(typ, x)
        return keys, children
    fields = _field_keys.get(typ)
    if fields is not None:
        return list(fields), None
    return [FlattenedIndexKey(j) for j in range(n)], None


def _key_path(nodes: tuple, target: int, tree: Any = _ABSENT) -> KeyPath:
    """Key path of the pre-order entry ``target`` of ``nodes``.

    ``tree``, when given, is a value whose structure matches ``nodes`` at least
    on the way to ``target``; it supplies the keys of nodes registered with keys.
    """
    # Per open node: [entry, its child keys, its children or None, next child index].
    frames: list[list[Any]] = []
    for i, entry in enumerate(nodes):
        while frames and frames[-1][3] >= frames[-1][0][3]:
            frames.pop()
        if frames:
            top = frames[-1]
            j = top[3]
            top[3] = j + 1
            x = top[2][j] if top[2] is not None else _ABSENT
        else:
            x = tree
        if i == target:
            return tuple(frame[1][frame[3] - 1] for frame in frames)
        if entry[3]:
            keys, children = _child_keys(entry, x)
            frames.append([entry, keys, children, 0])
    raise AssertionError("unreachable")  # pragma: no cover


# ---------------------------------------------------------------------------
# PyTreeDef
# ---------------------------------------------------------------------------

_set = object.__setattr__


def _make_treedef(nodes: tuple, num_leaves: int) -> PyTreeDef:
    """Internal constructor (also used by pickle)."""
    td = object.__new__(PyTreeDef)
    _set(td, "_nodes", nodes)
    _set(td, "_num_leaves", num_leaves)
    return td


class PyTreeDef:
    """The structure of a pytree, with its leaves left out.

    Immutable and hashable; two treedefs are equal when their node types,
    aux data (dict keys, namedtuple class, custom ``aux_data``, ...) and
    shapes are equal.  Obtain one from ``tree_flatten`` / ``tree_structure``.
    """

    __slots__ = ("_hash", "_nodes", "_num_leaves")
    _hash: int
    _nodes: tuple[Any, ...]  # (one (kind, type, aux data, arity) entry per node, in order)
    _num_leaves: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("PyTreeDef cannot be built directly; use tree_structure(tree)")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("PyTreeDef is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("PyTreeDef is immutable")

    def __reduce__(self) -> tuple:
        return (_make_treedef, (self._nodes, self._num_leaves))

    # -- basic properties ---------------------------------------------------

    @property
    def num_leaves(self) -> int:
        """Number of leaves in trees of this structure."""
        return self._num_leaves

    @property
    def num_nodes(self) -> int:
        """Number of nodes, counting leaves and ``None`` (as JAX does)."""
        return len(self._nodes)

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, PyTreeDef):
            return NotImplemented
        return self._num_leaves == other._num_leaves and self._nodes == other._nodes

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            h = hash(self._nodes)
            _set(self, "_hash", h)
            return h

    def __repr__(self) -> str:
        return f"PyTreeDef({_nodes_to_str(self._nodes)})"

    # -- rebuilding ---------------------------------------------------------

    def unflatten(self, leaves: Iterable[Any]) -> PyTree:
        """Build a tree of this structure from ``leaves`` (in flatten order)."""
        if type(leaves) is not list and type(leaves) is not tuple:
            leaves = list(leaves)
        n = self._num_leaves
        if len(leaves) != n:
            raise ValueError(
                f"tree_unflatten: expected {n} leaves for structure {self!r}, got {len(leaves)}"
            )
        nodes = self._nodes
        m = len(nodes)
        if m == 1:
            entry = nodes[0]
            return leaves[0] if entry[0] == _LEAF else _build(entry, ())
        if m == n + 1:  # one container whose children are all leaves
            return _build(nodes[0], leaves)
        stack: list[Any] = []
        push = stack.append
        i = n
        for entry in reversed(nodes):
            if entry[0] == _LEAF:
                i -= 1
                push(leaves[i])
                continue
            k = entry[3]
            if k:
                children: Any = stack[-k:]
                del stack[-k:]
                children.reverse()
            else:
                children = ()
            push(_build(entry, children))
        return stack[0]

    def flatten_up_to(self, tree: PyTree) -> list[Any]:
        """Flatten ``tree`` only as deep as this structure goes.

        Returns one entry per leaf of ``self``: the (possibly non-leaf) subtree
        of ``tree`` at that position.  Raises ``ValueError`` if ``tree`` does
        not have this structure as a prefix.
        """
        nodes = self._nodes
        if len(nodes) == 1 and nodes[0][0] == _LEAF:
            return [tree]
        if len(nodes) == self._num_leaves + 1:  # fast path: one tuple/list of leaves
            kind, typ, _, n = nodes[0]
            if (kind == _TUPLE or kind == _LIST) and type(tree) is typ and len(tree) == n:
                return list(tree)
        out: list[Any] = []
        add = out.append
        stack = [tree]
        pop = stack.pop
        extend = stack.extend
        for idx, entry in enumerate(nodes):
            x = pop()
            kind, typ, aux, n = entry
            if kind == _LEAF:
                add(x)
                continue
            t = type(x)
            if kind == _TUPLE or kind == _LIST or kind == _NAMEDTUPLE:
                if t is not typ or len(x) != n:
                    raise _mismatch(self, idx, x, tree)
                extend(reversed(x))
            elif kind == _DICT or kind == _DEFAULTDICT:
                if t is not typ:
                    raise _mismatch(self, idx, x, tree)
                keys = aux if kind == _DICT else aux[1]
                if len(x) != n or _sorted_keys(x) != keys:
                    raise _mismatch(self, idx, x, tree)
                extend([x[key] for key in reversed(keys)])
            elif kind == _NONE:
                if x is not None:
                    raise _mismatch(self, idx, x, tree)
            elif kind == _ORDEREDDICT:
                if t is not typ or tuple(x) != aux:
                    raise _mismatch(self, idx, x, tree)
                extend([x[key] for key in reversed(aux)])
            else:
                if t is not typ:
                    raise _mismatch(self, idx, x, tree)
                children, x_aux = _custom[t][0](x)
                children = list(children)
                if len(children) != n:
                    raise _mismatch(self, idx, x, tree)
                if x_aux != aux:
                    raise _mismatch(
                        self, idx, x, tree, f"node data differs: expected {aux!r}, got {x_aux!r}"
                    )
                children.reverse()
                extend(children)
        return out

    # -- structure queries --------------------------------------------------

    def children(self) -> list[PyTreeDef]:
        """Treedefs of the root's immediate children (empty for a leaf)."""
        nodes = self._nodes
        if nodes[0][3] == 0:
            return []
        out = []
        i = 1
        end = len(nodes)
        while i < end:
            start = i
            need = 1
            leaves = 0
            while need:
                entry = nodes[i]
                need += entry[3] - 1
                if entry[0] == _LEAF:
                    leaves += 1
                i += 1
            out.append(_make_treedef(nodes[start:i], leaves))
        return out

    def node_data(self) -> tuple[type, Any] | None:
        """``(node_type, aux_data)`` of the root, or ``None`` for a leaf."""
        kind, typ, aux, _ = self._nodes[0]
        return None if kind == _LEAF else (typ, aux)

    def compose(self, inner: PyTreeDef) -> PyTreeDef:
        """The structure obtained by putting ``inner`` at every leaf of ``self``."""
        out: list[tuple] = []
        for entry in self._nodes:
            if entry[0] == _LEAF:
                out.extend(inner._nodes)
            else:
                out.append(entry)
        return _make_treedef(tuple(out), self._num_leaves * inner._num_leaves)


def _build(entry: tuple, children: Sequence[Any]) -> Any:
    """Create the container for one node from its rebuilt children."""
    kind, typ, aux, _ = entry
    if kind == _TUPLE:
        return tuple(children)
    if kind == _LIST:
        return list(children)
    if kind == _DICT:
        return dict(zip(aux, children))
    if kind == _NONE:
        return None
    if kind == _NAMEDTUPLE:
        return typ(*children)
    if kind == _ORDEREDDICT:
        return _OrderedDict(zip(aux, children))
    if kind == _DEFAULTDICT:
        return _defaultdict(aux[0], zip(aux[1], children))
    return _custom[typ][1](aux, tuple(children))


def _nodes_to_str(nodes: tuple) -> str:
    stack: list[str] = []
    for entry in reversed(nodes):
        kind, typ, aux, n = entry
        if kind == _LEAF:
            stack.append("*")
            continue
        if n:
            ch = stack[-n:]
            del stack[-n:]
            ch.reverse()
        else:
            ch = []
        if kind == _TUPLE:
            s = "(" + ", ".join(ch) + ("," if n == 1 else "") + ")"
        elif kind == _LIST:
            s = "[" + ", ".join(ch) + "]"
        elif kind == _DICT:
            s = "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(aux, ch)) + "}"
        elif kind == _NONE:
            s = "None"
        elif kind == _NAMEDTUPLE:
            s = f"{typ.__name__}(" + ", ".join(f"{f}={c}" for f, c in zip(typ._fields, ch)) + ")"
        elif kind == _ORDEREDDICT:
            s = "OrderedDict({" + ", ".join(f"{k!r}: {c}" for k, c in zip(aux, ch)) + "})"
        elif kind == _DEFAULTDICT:
            factory = aux[0]
            fname = "None" if factory is None else getattr(factory, "__name__", repr(factory))
            body = ", ".join(f"{k!r}: {c}" for k, c in zip(aux[1], ch))
            s = f"defaultdict({fname}, {{{body}}})"
        else:
            s = f"CustomNode({typ.__name__}[{aux!r}], [" + ", ".join(ch) + "])"
        stack.append(s)
    return stack[0]


# -- structure-mismatch reporting -------------------------------------------


class _StructureMismatch(ValueError):
    """Raised by ``flatten_up_to``; carries a readable path and detail."""

    def __init__(self, message: str, path: str, detail: str) -> None:
        super().__init__(message)
        self.path = path
        self.detail = detail


def _path_to(nodes: tuple, target: int, tree: Any = _ABSENT) -> str:
    """Readable key path (like ``[0]['a'].x``) of the pre-order entry ``target``."""
    return keystr(_key_path(nodes, target, tree))


def _describe_expected(entry: tuple) -> str:
    kind, typ, aux, n = entry
    if kind == _TUPLE or kind == _LIST:
        return f"a {typ.__name__} of length {n}"
    if kind == _DICT or kind == _ORDEREDDICT:
        return f"a {typ.__name__} with keys {list(aux)!r}"
    if kind == _DEFAULTDICT:
        return f"a defaultdict with keys {list(aux[1])!r}"
    if kind == _NONE:
        return "None"
    if kind == _NAMEDTUPLE:
        return f"a {typ.__name__} namedtuple"
    return f"a {typ.__name__} node with {n} children"


def _describe_value(x: Any) -> str:
    if x is None:
        return "None"
    t = type(x)
    if t is tuple or t is list:
        return f"a {t.__name__} of length {len(x)}"
    if isinstance(x, tuple) and hasattr(t, "_fields"):
        return f"a {t.__name__} namedtuple"
    if isinstance(x, dict):
        return f"a {t.__name__} with keys {list(x)!r}"
    return f"a value of type {t.__name__}"


def _mismatch(
    treedef: PyTreeDef, idx: int, x: Any, tree: Any, detail: str | None = None
) -> _StructureMismatch:
    """The error for subtree ``x`` of ``tree`` not matching entry ``idx`` of ``treedef``."""
    entry = treedef._nodes[idx]
    if detail is None:
        detail = f"expected {_describe_expected(entry)}, got {_describe_value(x)}"
    path = _path_to(treedef._nodes, idx, tree) or "<root>"
    return _StructureMismatch(
        f"tree structure mismatch at {path}: {detail} (expected structure {treedef!r})",
        path,
        detail,
    )


# ---------------------------------------------------------------------------
# Flattening
# ---------------------------------------------------------------------------

_LEAF_TREEDEF = _make_treedef((_LEAF_ENTRY,), 1)
_NONE_TREEDEF = _make_treedef((_NONE_ENTRY,), 0)

# Cache of treedefs for "one tuple/list/dict whose children are all leaves",
# keyed by (kind, aux, n).  Bounded: cleared when it grows past the limit.
_flat_cache: dict[tuple, PyTreeDef] = {}
_FLAT_CACHE_LIMIT = 4096


def _flat_treedef(kind: int, typ: type, aux: Any, n: int) -> PyTreeDef:
    key = (kind, aux, n)
    td = _flat_cache.get(key)
    if td is None:
        if len(_flat_cache) >= _FLAT_CACHE_LIMIT:
            _flat_cache.clear()
        td = _make_treedef(((kind, typ, aux, n),) + (_LEAF_ENTRY,) * n, n)
        _flat_cache[key] = td
    return td


def tree_flatten(tree: PyTree, is_leaf: IsLeaf | None = None) -> tuple[list[Any], PyTreeDef]:
    """Split ``tree`` into its list of leaves and its structure.

    ``is_leaf(x)`` returning True stops the descent at ``x`` (it is called on
    every subtree, including ``None``).  The inverse is ``tree_unflatten``.
    """
    if is_leaf is None:
        kinds = _kind_cache
        t = type(tree)
        try:
            kind = kinds[t]
        except KeyError:
            kind = _resolve_kind(t)
        if kind == _LEAF:
            return [tree], _LEAF_TREEDEF
        # Fast path: a single tuple/list/dict whose children are all known leaves.
        if kind == _TUPLE or kind == _LIST:
            for c in tree:
                if kinds.get(type(c)) != _LEAF:
                    break
            else:
                return list(tree), _flat_treedef(kind, t, None, len(tree))
        elif kind == _DICT:
            keys = _sorted_keys(tree)
            values = [tree[k] for k in keys]
            for c in values:
                if kinds.get(type(c)) != _LEAF:
                    break
            else:
                return values, _flat_treedef(_DICT, dict, keys, len(keys))
        elif kind == _NONE:
            return [], _NONE_TREEDEF
    return _flatten_general(tree, is_leaf)


def _flatten_general(tree: PyTree, is_leaf: IsLeaf | None) -> tuple[list[Any], PyTreeDef]:
    kinds = _kind_cache
    leaves: list[Any] = []
    nodes: list[tuple] = []
    add_leaf = leaves.append
    add_node = nodes.append
    stack = [tree]
    pop = stack.pop
    extend = stack.extend
    while stack:
        x = pop()
        if is_leaf is not None and is_leaf(x):
            add_leaf(x)
            add_node(_LEAF_ENTRY)
            continue
        t = type(x)
        try:
            kind = kinds[t]
        except KeyError:
            kind = _resolve_kind(t)
        if kind == _LEAF:
            add_leaf(x)
            add_node(_LEAF_ENTRY)
        elif kind == _TUPLE or kind == _LIST or kind == _NAMEDTUPLE:
            add_node((kind, t, None, len(x)))
            extend(reversed(x))
        elif kind == _DICT:
            keys = _sorted_keys(x)
            add_node((kind, t, keys, len(keys)))
            extend([x[k] for k in reversed(keys)])
        elif kind == _NONE:
            add_node(_NONE_ENTRY)
        elif kind == _ORDEREDDICT:
            keys = tuple(x)
            add_node((kind, t, keys, len(keys)))
            extend([x[k] for k in reversed(keys)])
        elif kind == _DEFAULTDICT:
            keys = _sorted_keys(x)
            add_node((kind, t, (x.default_factory, keys), len(keys)))
            extend([x[k] for k in reversed(keys)])
        else:
            children, aux = _custom[t][0](x)
            children = list(children)
            add_node((kind, t, aux, len(children)))
            children.reverse()
            extend(children)
    return leaves, _make_treedef(tuple(nodes), len(leaves))


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> PyTree:
    """Rebuild a tree with structure ``treedef`` from ``leaves``."""
    return treedef.unflatten(leaves)


def tree_leaves(tree: PyTree, is_leaf: IsLeaf | None = None) -> list[Any]:
    """The leaves of ``tree``, in flatten order."""
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: PyTree, is_leaf: IsLeaf | None = None) -> PyTreeDef:
    """The ``PyTreeDef`` of ``tree``."""
    return tree_flatten(tree, is_leaf)[1]


def tree_map(
    f: Callable[..., Any], tree: PyTree, *rest: PyTree, is_leaf: IsLeaf | None = None
) -> PyTree:
    """Apply ``f`` leaf-wise, returning a tree with the structure of ``tree``.

    With extra trees, ``f`` receives the corresponding leaf of each; the
    extra trees must have ``tree``'s structure (or deeper subtrees at its
    leaf positions, which are passed to ``f`` whole, as in JAX).
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    if not rest:
        return treedef.unflatten([f(x) for x in leaves])
    columns = [leaves]
    for i, other in enumerate(rest, 1):
        try:
            columns.append(treedef.flatten_up_to(other))
        except _StructureMismatch as e:
            other_def = tree_structure(other, is_leaf)
            raise _argument_mismatch("tree_map", i, e, treedef, other_def) from None
    return treedef.unflatten([f(*xs) for xs in zip(*columns)])


def _argument_mismatch(
    name: str, i: int, e: _StructureMismatch, first: PyTreeDef, other: PyTreeDef
) -> ValueError:
    """The error for extra tree argument ``i`` of a map not matching argument 0."""
    return ValueError(
        f"{name}: argument {i} does not have the tree structure of argument 0 "
        f"(at {e.path}: {e.detail}).\n"
        f"  argument 0: {first!r}\n"
        f"  argument {i}: {other!r}"
    )


def tree_flatten_with_path(
    tree: PyTree, is_leaf: Callable[..., bool] | None = None, is_leaf_takes_path: bool = False
) -> tuple[list[tuple[KeyPath, Any]], PyTreeDef]:
    """Like ``tree_flatten``, but pair each leaf with its key path.

    Returns ``([(key_path, leaf), ...], treedef)`` with the leaves and treedef
    ``tree_flatten`` gives.  With ``is_leaf_takes_path=True``, ``is_leaf`` is
    called as ``is_leaf(key_path, x)``, so the descent can stop by position.
    A separate loop from ``tree_flatten``, so that one stays as fast as it is.
    """
    kinds = _kind_cache
    pairs: list[tuple[KeyPath, Any]] = []
    nodes: list[tuple] = []
    add_pair = pairs.append
    add_node = nodes.append
    path: list[Any] = []  # keys from the root to the node being visited
    stack: list[tuple[Any, int, Any]] = [(tree, 0, None)]  # (subtree, depth, its key)
    pop = stack.pop
    while stack:
        x, depth, key = pop()
        if depth:
            del path[depth - 1 :]
            path.append(key)
        if is_leaf is not None and (is_leaf(tuple(path), x) if is_leaf_takes_path else is_leaf(x)):
            add_pair((tuple(path), x))
            add_node(_LEAF_ENTRY)
            continue
        t = type(x)
        try:
            kind = kinds[t]
        except KeyError:
            kind = _resolve_kind(t)
        if kind == _LEAF:
            add_pair((tuple(path), x))
            add_node(_LEAF_ENTRY)
            continue
        if kind == _TUPLE or kind == _LIST or kind == _NAMEDTUPLE:
            entry: tuple[Any, ...] = (kind, t, None, len(x))
        elif kind == _DICT:
            keys = _sorted_keys(x)
            entry = (kind, t, keys, len(keys))
        elif kind == _NONE:
            entry = _NONE_ENTRY
        elif kind == _ORDEREDDICT:
            keys = tuple(x)
            entry = (kind, t, keys, len(keys))
        elif kind == _DEFAULTDICT:
            keys = _sorted_keys(x)
            entry = (kind, t, (x.default_factory, keys), len(keys))
        else:
            child_keys, children, aux = _flatten_custom_with_keys(t, x)
            add_node((kind, t, aux, len(children)))
            below = depth + 1
            stack.extend(
                [(children[j], below, child_keys[j]) for j in range(len(children) - 1, -1, -1)]
            )
            continue
        add_node(entry)
        child_keys, children = _child_keys(entry, x)
        below = depth + 1
        stack.extend(
            [(children[j], below, child_keys[j]) for j in range(len(child_keys) - 1, -1, -1)]
        )
    return pairs, _make_treedef(tuple(nodes), len(pairs))


def tree_leaves_with_path(
    tree: PyTree, is_leaf: Callable[..., bool] | None = None, is_leaf_takes_path: bool = False
) -> list[tuple[KeyPath, Any]]:
    """``(key_path, leaf)`` for every leaf of ``tree``, in flatten order."""
    return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


def tree_map_with_path(
    f: Callable[..., Any],
    tree: PyTree,
    *rest: PyTree,
    is_leaf: Callable[..., bool] | None = None,
    is_leaf_takes_path: bool = False,
) -> PyTree:
    """Like ``tree_map``, but ``f`` also receives each leaf's key path first:
    ``f(key_path, leaf, *rest_leaves)``.

    The extra trees follow ``tree_map``'s rule: ``tree``'s structure, or deeper
    subtrees at its leaf positions.
    """
    pairs, treedef = tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    if not rest:
        return treedef.unflatten([f(p, x) for p, x in pairs])
    columns = []
    for i, other in enumerate(rest, 1):
        try:
            columns.append(treedef.flatten_up_to(other))
        except _StructureMismatch as e:
            other_def = tree_flatten_with_path(other, is_leaf, is_leaf_takes_path)[1]
            raise _argument_mismatch("tree_map_with_path", i, e, treedef, other_def) from None
    return treedef.unflatten([f(p, x, *xs) for (p, x), xs in zip(pairs, zip(*columns))])


_NO_INITIALIZER = object()


def tree_reduce(
    function: Callable[[T, Any], T],
    tree: PyTree,
    initializer: Any = _NO_INITIALIZER,
    is_leaf: IsLeaf | None = None,
) -> T:
    """``functools.reduce`` over the leaves of ``tree``."""
    leaves = tree_leaves(tree, is_leaf)
    if initializer is _NO_INITIALIZER:
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_all(tree: PyTree, *, is_leaf: IsLeaf | None = None) -> bool:
    """True when every leaf of ``tree`` is truthy (True for no leaves)."""
    return all(tree_leaves(tree, is_leaf))


def all_leaves(iterable: Iterable[Any], is_leaf: IsLeaf | None = None) -> bool:
    """True when every element of ``iterable`` is a leaf (``None`` is not)."""
    kinds = _kind_cache
    for x in iterable:
        if is_leaf is not None and is_leaf(x):
            continue
        t = type(x)
        kind = kinds[t] if t in kinds else _resolve_kind(t)
        if kind != _LEAF:
            return False
    return True


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    """True for a structure with a single node (a leaf, ``None``, or ``()``)."""
    return treedef.num_nodes == 1


def treedef_is_strict_leaf(treedef: PyTreeDef) -> bool:
    """True only for the structure of a single leaf."""
    return treedef.num_nodes == 1 and treedef.num_leaves == 1


def treedef_children(treedef: PyTreeDef) -> list[PyTreeDef]:
    """Treedefs of the root's immediate children."""
    return treedef.children()


def treedef_tuple(treedefs: Iterable[PyTreeDef]) -> PyTreeDef:
    """The structure of a tuple whose children have the given structures."""
    treedefs = list(treedefs)
    nodes: list[tuple] = [(_TUPLE, tuple, None, len(treedefs))]
    for td in treedefs:
        nodes.extend(td._nodes)
    return _make_treedef(tuple(nodes), sum(td._num_leaves for td in treedefs))


def tree_transpose(
    outer_treedef: PyTreeDef, inner_treedef: PyTreeDef, pytree_to_transpose: PyTree
) -> PyTree:
    """Turn an outer-of-inner tree into an inner-of-outer tree.

    E.g. a list of ``(a, b)`` pairs becomes a pair of lists.  The input must
    have structure ``outer_treedef.compose(inner_treedef)``; ``TypeError``
    otherwise (as in JAX).
    """
    flat, treedef = tree_flatten(pytree_to_transpose)
    inner_size = inner_treedef.num_leaves
    outer_size = outer_treedef.num_leaves
    expected = outer_treedef.compose(inner_treedef)
    if treedef != expected:
        raise TypeError(
            f"tree_transpose: input structure {treedef!r} does not match "
            f"outer.compose(inner) = {expected!r}"
        )
    # flat is row-major: outer leaf i, inner leaf j is at i * inner_size + j.
    columns = [
        outer_treedef.unflatten(flat[j::inner_size] if outer_size else [])
        for j in range(inner_size)
    ]
    return inner_treedef.unflatten(columns)


# ---------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------


def register_pytree_node(
    nodetype: type,
    flatten_func: Callable[[Any], tuple[Iterable[Any], Hashable]],
    unflatten_func: Callable[[Any, Iterable[Any]], Any],
    flatten_with_keys_func: Callable[[Any], tuple[Iterable[tuple[Any, Any]], Hashable]]
    | None = None,
) -> None:
    """Make instances of exactly ``nodetype`` pytree nodes.

    ``flatten_func(x) -> (children, aux_data)``; ``aux_data`` must be hashable
    and comparable, since it becomes part of the ``PyTreeDef``.
    ``unflatten_func(aux_data, children) -> x`` rebuilds the node.
    ``flatten_with_keys_func``, if given, is ``flatten_func`` with each child
    paired with its key (see ``register_pytree_with_keys``); without it the
    key-path functions name the children ``FlattenedIndexKey(i)``.
    Registering the same type twice raises ``ValueError``.
    """
    if not isinstance(nodetype, type):
        raise TypeError(f"register_pytree_node: expected a type, got {nodetype!r}")
    if nodetype in _BUILTIN_KINDS or nodetype in _custom:
        raise ValueError(
            f"Duplicate pytree node registration for type {nodetype.__module__}."
            f"{nodetype.__qualname__}"
        )
    if not callable(flatten_func) or not callable(unflatten_func):
        raise TypeError("register_pytree_node: flatten_func and unflatten_func must be callable")
    if flatten_with_keys_func is not None and not callable(flatten_with_keys_func):
        raise TypeError("register_pytree_node: flatten_with_keys_func must be callable")
    _custom[nodetype] = (flatten_func, unflatten_func)
    if flatten_with_keys_func is not None:
        _custom_with_keys[nodetype] = flatten_with_keys_func
    _kind_cache[nodetype] = _CUSTOM


def register_pytree_node_class(cls: TypeT) -> TypeT:
    """Class decorator: register ``cls`` using its ``tree_flatten`` method and
    ``tree_unflatten`` classmethod (the JAX convention)."""
    register_pytree_node(cls, operator.methodcaller("tree_flatten"),
                         cls.tree_unflatten)  # type: ignore[attr-defined]  # (the class's own)
    return cls


def register_pytree_with_keys(
    nodetype: type,
    flatten_with_keys: Callable[[Any], tuple[Iterable[tuple[Any, Any]], Hashable]],
    unflatten_func: Callable[[Any, Iterable[Any]], Any],
    flatten_func: Callable[[Any], tuple[Iterable[Any], Hashable]] | None = None,
) -> None:
    """Register ``nodetype`` with named children, so key paths say what they are.

    ``flatten_with_keys(x) -> ([(key, child), ...], aux_data)``; the keys show
    up in ``tree_flatten_with_path`` and friends.  ``flatten_func``, if given,
    must return the same children in the same order and the same aux data; it
    only saves building the keys in ``tree_flatten`` (which otherwise drops
    them from ``flatten_with_keys``'s answer).
    """
    if flatten_func is None:

        def flatten_func(x: Any) -> tuple[list[Any], Any]:
            pairs, aux = flatten_with_keys(x)
            return [child for _, child in pairs], aux

    register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys)


def register_pytree_with_keys_class(cls: TypeT) -> TypeT:
    """Class decorator: register ``cls`` using its ``tree_flatten_with_keys``
    method and ``tree_unflatten`` classmethod, and its ``tree_flatten`` method
    too if it has one."""
    flatten_func = operator.methodcaller("tree_flatten") if hasattr(cls, "tree_flatten") else None
    register_pytree_with_keys(
        cls, operator.methodcaller("tree_flatten_with_keys"),
        cls.tree_unflatten, flatten_func  # type: ignore[attr-defined]  # (the class's own)
    )
    return cls


def register_dataclass(
    nodetype: type | None = None,
    data_fields: Sequence[str] | None = None,
    meta_fields: Sequence[str] | None = None,
) -> Any:
    """Register a dataclass as a pytree node; usable as ``@register_dataclass``.

    ``data_fields`` become children (leaves / subtrees) and ``meta_fields``
    become hashable aux data.  If neither is given, every ``init`` field of
    the dataclass is data except those declared with
    ``field(metadata=dict(static=True))``.  Instances are rebuilt by calling
    ``nodetype(**fields)``.  Also usable as
    ``@register_dataclass(data_fields=..., meta_fields=...)``.
    """
    if nodetype is None:
        return lambda cls: register_dataclass(cls, data_fields, meta_fields)
    if not isinstance(nodetype, type):
        raise TypeError(f"register_dataclass: expected a class, got {nodetype!r}")
    is_dc = dataclasses.is_dataclass(nodetype)
    if (data_fields is None or meta_fields is None) and not is_dc:
        raise TypeError(
            f"register_dataclass: {nodetype.__name__} is not a dataclass; "
            "pass both data_fields and meta_fields"
        )
    init_names: list[str] = []
    static_names: set[str] = set()
    if is_dc:
        for f in dataclasses.fields(nodetype):
            if f.init:
                init_names.append(f.name)
                if f.metadata.get("static", False):
                    static_names.add(f.name)
    if data_fields is None and meta_fields is None:
        data = tuple(n for n in init_names if n not in static_names)
        meta = tuple(n for n in init_names if n in static_names)
    elif data_fields is None:
        meta = tuple(meta_fields)  # type: ignore[arg-type]
        data = tuple(n for n in init_names if n not in meta)
    elif meta_fields is None:
        data = tuple(data_fields)
        meta = tuple(n for n in init_names if n not in data)
    else:
        data, meta = tuple(data_fields), tuple(meta_fields)
    overlap = set(data) & set(meta)
    if overlap:
        raise ValueError(f"register_dataclass: fields {sorted(overlap)} are both data and meta")
    if is_dc and set(data) | set(meta) != set(init_names):
        raise ValueError(
            f"register_dataclass: data_fields {list(data)} and meta_fields {list(meta)} "
            f"must together name exactly the init fields {init_names} of {nodetype.__name__}"
        )

    keys = tuple(GetAttrKey(n) for n in data)

    def flatten(x: Any) -> tuple[list[Any], tuple]:
        return [getattr(x, n) for n in data], tuple(getattr(x, n) for n in meta)

    def flatten_with_keys(x: Any) -> tuple[list[tuple[GetAttrKey, Any]], tuple]:
        children = [(k, getattr(x, n)) for k, n in zip(keys, data)]
        return children, tuple(getattr(x, n) for n in meta)

    def unflatten(aux: tuple, children: Iterable[Any]) -> Any:
        kwargs = dict(zip(meta, aux))
        kwargs.update(zip(data, children))
        return nodetype(**kwargs)

    register_pytree_node(nodetype, flatten, unflatten, flatten_with_keys)
    _field_keys[nodetype] = keys
    return nodetype


# ---------------------------------------------------------------------------
# Helpers for transformations
# ---------------------------------------------------------------------------


def _is_none(x: Any) -> bool:
    return x is None


def broadcast_prefix(
    prefix_tree: PyTree, full_tree: PyTree, is_leaf: IsLeaf | None = None
) -> list[Any]:
    """Expand a prefix tree to one entry per leaf of ``full_tree``.

    Used for arguments like vmap's ``in_axes``: ``(0, None)`` against
    ``((a, b), c)`` gives ``[0, 0, None]``.  ``None`` in the prefix is a leaf
    (it covers a whole subtree); ``is_leaf`` applies to both trees.  Raises
    ``ValueError`` naming both structures when ``prefix_tree`` is not a prefix.
    """
    prefix_is_leaf = _is_none if is_leaf is None else (lambda x: x is None or is_leaf(x))
    prefix_leaves, prefix_def = tree_flatten(prefix_tree, prefix_is_leaf)
    try:
        subtrees = prefix_def.flatten_up_to(full_tree)
    except _StructureMismatch as e:
        raise ValueError(
            f"broadcast_prefix: {tree_structure(prefix_tree, is_leaf)!r} is not a tree prefix "
            f"of {tree_structure(full_tree, is_leaf)!r} (at {e.path}: {e.detail})"
        ) from None
    out: list[Any] = []
    for p, sub in zip(prefix_leaves, subtrees):
        out.extend([p] * tree_flatten(sub, is_leaf)[1].num_leaves)
    return out
