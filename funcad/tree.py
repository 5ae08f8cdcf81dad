"""funcad.tree: the short names of the pytree functions, as ``jax.tree``.

``funcad.tree.map(f, tree)`` is ``funcad.tree_util.tree_map(f, tree)``, and so on: the same
functions under JAX's newer names, plus ``broadcast`` (a prefix tree spread over a full
tree), ``reduce_associative`` (a balanced reduction) and ``static`` (a dataclass field that
``register_dataclass`` treats as metadata).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, TypeVar

from funcad.tree_util import (
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
)

__all__ = [
    "all", "broadcast", "flatten", "flatten_with_path", "leaves", "leaves_with_path", "map",
    "map_with_path", "reduce", "reduce_associative", "static", "structure", "transpose",
    "unflatten",
]

T = TypeVar("T")

all = tree_all
flatten = tree_flatten
flatten_with_path = tree_flatten_with_path
leaves = tree_leaves
leaves_with_path = tree_leaves_with_path
map = tree_map
map_with_path = tree_map_with_path
reduce = tree_reduce
structure = tree_structure
transpose = tree_transpose
unflatten = tree_unflatten

_NO_IDENTITY = object()


def broadcast(prefix_tree: Any, full_tree: Any,
              is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """``prefix_tree`` spread over the structure of ``full_tree``: each leaf of the prefix is
    repeated at every leaf of the subtree it covers (``None`` is a node with no leaves, as in
    JAX). ``broadcast((1, 2), ((a, b), c))`` is ``((1, 1), 2)``."""
    prefix_leaves, prefix_def = tree_flatten(prefix_tree, is_leaf)
    try:
        subtrees = prefix_def.flatten_up_to(full_tree)
    except ValueError as error:
        raise ValueError(
            f"funcad.tree.broadcast: prefix_tree {prefix_def} is not a tree prefix of "
            f"full_tree {tree_structure(full_tree, is_leaf)}: {error}") from None
    spread = []
    for leaf, subtree in zip(prefix_leaves, subtrees):
        spread.extend([leaf] * len(tree_leaves(subtree, is_leaf)))
    return tree_unflatten(tree_structure(full_tree, is_leaf), spread)


def reduce_associative(operation: Callable[[T, T], T], tree: Any, *,
                       identity: Any = _NO_IDENTITY,
                       is_leaf: Callable[[Any], bool] | None = None) -> T:
    """Reduce the leaves with an associative ``operation`` pairwise, in a balanced tree of
    depth log2(n) (so a sum of many arrays rounds as a pairwise sum). ``identity`` is the
    answer for a tree with no leaves."""
    values = tree_leaves(tree, is_leaf)
    if not values:
        if identity is _NO_IDENTITY:
            raise TypeError(
                "funcad.tree.reduce_associative: the tree has no leaves; pass identity= (the "
                "identity element of the operation) to reduce an empty tree.")
        return identity
    while len(values) > 1:
        pairs = [operation(values[i], values[i + 1]) for i in range(0, len(values) - 1, 2)]
        values = pairs + ([values[-1]] if len(values) % 2 else [])
    return values[0]


def static(**kwargs: Any) -> Any:
    """``dataclasses.field(**kwargs)`` marked ``static``: a field that
    ``funcad.tree_util.register_dataclass`` keeps in the tree's structure, not its leaves."""
    metadata = {"static": True, **(kwargs.pop("metadata", None) or {})}
    return dataclasses.field(metadata=metadata, **kwargs)
