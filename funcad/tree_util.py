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
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import operator
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

__all__ = [
    "PyTreeDef",
    "all_leaves",
    "register_dataclass",
    "register_pytree_node",
    "register_pytree_node_class",
    "tree_all",
    "tree_flatten",
    "tree_leaves",
    "tree_map",
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
# type -> child names, used only to print readable paths in error messages.
_custom_child_names: dict[type, tuple[str, ...]] = {}
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
                children = stack[-k:]
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
                    raise _mismatch(self, idx, x)
                extend(reversed(x))
            elif kind == _DICT or kind == _DEFAULTDICT:
                if t is not typ:
                    raise _mismatch(self, idx, x)
                keys = aux if kind == _DICT else aux[1]
                if len(x) != n or _sorted_keys(x) != keys:
                    raise _mismatch(self, idx, x)
                extend([x[key] for key in reversed(keys)])
            elif kind == _NONE:
                if x is not None:
                    raise _mismatch(self, idx, x)
            elif kind == _ORDEREDDICT:
                if t is not typ or tuple(x) != aux:
                    raise _mismatch(self, idx, x)
                extend([x[key] for key in reversed(aux)])
            else:
                if t is not typ:
                    raise _mismatch(self, idx, x)
                children, x_aux = _custom[t][0](x)
                children = list(children)
                if len(children) != n:
                    raise _mismatch(self, idx, x)
                if x_aux != aux:
                    raise _mismatch(
                        self, idx, x, f"node data differs: expected {aux!r}, got {x_aux!r}"
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


def _child_key(entry: tuple, j: int) -> str:
    kind, typ, aux, _ = entry
    if kind == _TUPLE or kind == _LIST:
        return f"[{j}]"
    if kind == _NAMEDTUPLE:
        return f".{typ._fields[j]}"
    if kind == _DICT or kind == _ORDEREDDICT:
        return f"[{aux[j]!r}]"
    if kind == _DEFAULTDICT:
        return f"[{aux[1][j]!r}]"
    names = _custom_child_names.get(typ)
    return f".{names[j]}" if names is not None and j < len(names) else f"[{j}]"


def _path_to(nodes: tuple, target: int) -> str:
    """Key path (like ``[0]['a'].x``) of the pre-order entry ``target``."""
    frames: list[list[Any]] = []  # [entry, next child index, key path so far]
    for i, entry in enumerate(nodes):
        while frames and frames[-1][1] >= frames[-1][0][3]:
            frames.pop()
        path = ""
        if frames:
            top = frames[-1]
            path = top[2] + _child_key(top[0], top[1])
            top[1] += 1
        if i == target:
            return path
        if entry[3]:
            frames.append([entry, 0, path])
    raise AssertionError("unreachable")  # pragma: no cover


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
    treedef: PyTreeDef, idx: int, x: Any, detail: str | None = None
) -> _StructureMismatch:
    entry = treedef._nodes[idx]
    if detail is None:
        detail = f"expected {_describe_expected(entry)}, got {_describe_value(x)}"
    path = _path_to(treedef._nodes, idx) or "<root>"
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
            raise ValueError(
                f"tree_map: argument {i} does not have the tree structure of argument 0 "
                f"(at {e.path}: {e.detail}).\n"
                f"  argument 0: {treedef!r}\n"
                f"  argument {i}: {tree_structure(other, is_leaf)!r}"
            ) from None
    return treedef.unflatten([f(*xs) for xs in zip(*columns)])


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
) -> None:
    """Make instances of exactly ``nodetype`` pytree nodes.

    ``flatten_func(x) -> (children, aux_data)``; ``aux_data`` must be hashable
    and comparable, since it becomes part of the ``PyTreeDef``.
    ``unflatten_func(aux_data, children) -> x`` rebuilds the node.
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
    _custom[nodetype] = (flatten_func, unflatten_func)
    _kind_cache[nodetype] = _CUSTOM


def register_pytree_node_class(cls: TypeT) -> TypeT:
    """Class decorator: register ``cls`` using its ``tree_flatten`` method and
    ``tree_unflatten`` classmethod (the JAX convention)."""
    register_pytree_node(cls, operator.methodcaller("tree_flatten"), cls.tree_unflatten)
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

    def flatten(x: Any) -> tuple[list[Any], tuple]:
        return [getattr(x, n) for n in data], tuple(getattr(x, n) for n in meta)

    def unflatten(aux: tuple, children: Iterable[Any]) -> Any:
        kwargs = dict(zip(meta, aux))
        kwargs.update(zip(data, children))
        return nodetype(**kwargs)

    register_pytree_node(nodetype, flatten, unflatten)
    _custom_child_names[nodetype] = data
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
