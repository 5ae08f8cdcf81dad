"""``funcad.debug.print``: print values as a program runs, under every transformation.

``debug_print`` is an ``effectful`` primitive with no outputs: the IR passes never remove,
merge or run it ahead of time, so under ``jit`` it prints on every call, at run time. Under
``grad`` and ``jvp`` it prints the primal values (it has no derivative); under ``vmap`` it
prints once per example, as JAX's does.
"""

from __future__ import annotations

import builtins
from typing import Any

from funcad import tree_util
from funcad.core import Primitive
from funcad.primitives.indexing import Slice, getitem
from funcad.primitives.shape import batch_size_of
from funcad.rules import batching_rules, defnondiff

__all__ = ["debug_print_p", "debug_print"]

debug_print_p = Primitive("debug_print", multiple_results=True)
debug_print_p.effectful = True


@debug_print_p.def_impl
def _debug_print_impl(*leaves: Any, fmt: str, in_tree: Any) -> list[Any]:
    args, kwargs = tree_util.tree_unflatten(in_tree, list(leaves))
    builtins.print(fmt.format(*args, **kwargs))
    return []


debug_print_p.def_abstract_eval(lambda *avals, fmt, in_tree: [])
defnondiff(debug_print_p)


def _debug_print_batch(values, batch_axes, *, fmt, in_tree):
    """One print per example of the batch."""
    for i in range(batch_size_of(values, batch_axes)):
        example = [value if axis is None else getitem(
            value, (Slice(None, None, None),) * axis + (i,)) for value, axis in
            zip(values, batch_axes)]
        debug_print_p.bind(*example, fmt=fmt, in_tree=in_tree)
    return [], []


batching_rules[debug_print_p] = _debug_print_batch


def debug_print(fmt: str, *args: Any, ordered: bool = False, **kwargs: Any) -> None:
    """Print ``fmt.format(*args, **kwargs)`` with the values the arguments have when the
    program runs (``jax.debug.print``): inside ``jit`` on every call, inside ``vmap`` once per
    example. ``ordered`` is accepted for compatibility (funcad runs everything in order)."""
    if not isinstance(fmt, str):
        raise TypeError(f"debug.print: fmt must be a format string, got {fmt!r}.")
    leaves, in_tree = tree_util.tree_flatten((args, kwargs))
    debug_print_p.bind(*leaves, fmt=fmt, in_tree=in_tree)
