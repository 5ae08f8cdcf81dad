"""einsum as a sequence of primitives: take diagonals of repeated labels, sum out labels no
one else needs, contract operands pairwise with dot_general, and transpose to the output.
Its derivative needs no rule of its own: it follows from those primitives'."""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from funcad.core import dtype_of, shape_of
from funcad.numpy._conversion import as_operand, astype
from funcad.primitives.indexing import ArrayIndex, getitem
from funcad.primitives.linalg import dot_general
from funcad.primitives.shape import reduce_sum, reshape, transpose
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = ["einsum"]


def _parse(subscripts: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        inputs_part, output = subscripts.split("->")
    else:
        inputs_part, output = subscripts, None
    inputs = inputs_part.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(f"einsum: {len(inputs)} operand subscripts in {subscripts!r} but "
                         f"{len(shapes)} operands were given")
    used = set(subscripts) - set(".,->")
    spare = [c for c in string.ascii_letters if c not in used]
    # Replace each "..." by labels for the broadcast axes (aligned from the right).
    if "..." in subscripts:
        ell_ndim = max(len(shape) - (len(term) - 3) for term, shape in zip(inputs, shapes)
                       if "..." in term)
        ell = "".join(spare[:ell_ndim])
        expanded = []
        for term, shape in zip(inputs, shapes):
            if "..." in term:
                n = len(shape) - (len(term) - 3)
                term = term.replace("...", ell[ell_ndim - n:])
            expanded.append(term)
        inputs = expanded
        if output is not None:
            output = output.replace("...", ell)
        else:
            output = ell + "".join(sorted(c for c in set("".join(inputs)) - set(ell)
                                          if "".join(inputs).count(c) == 1))
    if output is None:  # implicit mode: labels seen once, in alphabetical order
        joined = "".join(inputs)
        output = "".join(sorted(c for c in set(joined) if joined.count(c) == 1))
    for term, shape in zip(inputs, shapes):
        if len(term) != len(shape):
            raise ValueError(f"einsum: subscripts {term!r} name {len(term)} axes but the "
                             f"operand has shape {shape}")
    return inputs, output


def _take_diagonals(x: Any, labels: str) -> tuple[Any, str]:
    """Reduce a repeated label (``ii``) to one axis holding the diagonal."""
    while len(set(labels)) != len(labels):
        label = next(c for c in labels if labels.count(c) > 1)
        first = labels.index(label)
        second = labels.index(label, first + 1)
        rest = [i for i in range(len(labels)) if i not in (first, second)]
        x = transpose(x, rest + [first, second])
        n = shape_of(x)[-1]
        rows = np.arange(n)
        indexer = (Ellipsis, ArrayIndex(0), ArrayIndex(1))
        x = getitem(x, indexer, rows, rows)
        labels = "".join(labels[i] for i in rest) + label
    return x, labels


def _drop_broadcast_axes(x: Any, labels: str, sizes: dict[str, int]) -> tuple[Any, str]:
    """An axis of size 1 whose label is longer in another operand broadcasts (as in NumPy):
    x is constant along that label, so the axis is dropped and the other operands carry it."""
    x_shape = shape_of(x)
    keep = [i for i, c in enumerate(labels) if x_shape[i] != 1 or sizes[c] == 1]
    if len(keep) == len(labels):
        return x, labels
    return reshape(x, [x_shape[i] for i in keep]), "".join(labels[i] for i in keep)


def _sum_unneeded(x: Any, labels: str, needed: set[str]) -> tuple[Any, str]:
    axes = tuple(i for i, c in enumerate(labels) if c not in needed)
    if axes:
        x = reduce_sum(x, axes)
        labels = "".join(c for c in labels if c in needed)
    return x, labels


# optimize= values JAX accepts (opt_einsum's strategies), besides True/False and a path.
_STRATEGIES = frozenset({"auto", "auto-hq", "greedy", "optimal", "dp", "branch-all",
                         "branch-2", "branch-1", "random-greedy", "random-greedy-128", "eager"})


def _contraction_path(subscripts: str, ops: list[Any], optimize: Any) -> list[tuple[int, ...]]:
    """The order of pairwise contractions: NumPy's einsum_path for a strategy (from shapes
    only), the path given, or left to right for ``optimize=False``."""
    n = len(ops)
    if isinstance(optimize, (list, tuple)):
        path = list(optimize)
        if path and path[0] == "einsum_path":  # (NumPy's einsum_path output form)
            path = path[1:]
        steps = []
        remaining = n
        for step in path:
            step = tuple(int(i) for i in step)
            if not step or any(i < 0 or i >= remaining for i in step) or len(set(step)) != \
                    len(step):
                raise ValueError(f"einsum: optimize path step {step} does not index the "
                                 f"{remaining} operands left")
            steps.append(step)
            remaining -= len(step) - 1
        if remaining != 1:
            raise ValueError(f"einsum: the optimize path leaves {remaining} operands, not 1")
        return steps
    if optimize is True:
        strategy = "greedy"
    elif isinstance(optimize, str) and optimize in _STRATEGIES:
        strategy = "optimal" if optimize in ("optimal", "dp", "branch-all") else "greedy"
    elif optimize is False or optimize is None:
        strategy = None
    else:
        raise ValueError(f"einsum: the argument optimize must be True, False, a contraction "
                         f"path or one of {sorted(_STRATEGIES)}, got {optimize!r}")
    if strategy is None or n <= 2:
        return [(0, 1)] * (n - 1)
    dummies = [np.broadcast_to(np.zeros((), dtype_of(x)), tuple(shape_of(x))) for x in ops]
    path = np.einsum_path(subscripts, *dummies, optimize=strategy)[0]
    return [tuple(step) for step in path[1:]]


def einsum(subscripts: str, *operands: ArrayLike, out: None = None,
           optimize: str | bool | list[Any] | tuple[Any, ...] | None = "auto",
           precision: Any = None, preferred_element_type: DTypeLike | None = None,
           dtype: DTypeLike | None = None) -> Array:
    """Einstein summation, differentiable, any number of operands, contracted pairwise in
    the order ``optimize`` chooses (JAX's values: ``'auto'``, ``'greedy'``, ``'optimal'``...,
    True, False for left to right, or an explicit path as einsum_path gives). Supports
    repeated labels (diagonals), ``...`` and the implicit output form."""
    if out is not None:
        raise TypeError("einsum: the out= argument is not supported (funcad arrays are "
                        "immutable; use the return value).")
    if preferred_element_type is not None:
        dtype = preferred_element_type if dtype is None else dtype
    ops = [as_operand(x) for x in operands]
    # Like NumPy, compute in the operands' common dtype (no partial products in float32 when
    # a float64 comes later) and return that dtype (sums of int32 stay int32).
    dtype = np.result_type(*(dtype_of(x) for x in ops)) if dtype is None else np.dtype(dtype)
    ops = [astype(x, dtype) for x in ops]
    inputs, output = _parse(subscripts, [tuple(shape_of(x)) for x in ops])
    sizes: dict[str, int] = {}
    for term, x in zip(inputs, ops):
        for label, n in zip(term, shape_of(x)):
            if sizes.setdefault(label, n) != n and n != 1 and sizes[label] != 1:
                raise ValueError(f"einsum: label {label!r} has sizes {sizes[label]} and {n}")
            if n != 1:
                sizes[label] = n
    path = _contraction_path(subscripts, ops, optimize)
    pairs = [_drop_broadcast_axes(*_take_diagonals(x, term), sizes)
             for x, term in zip(ops, inputs)]

    def needed_except(k: int) -> set[str]:
        others = set(output)
        for j, (_, term) in enumerate(pairs):
            if j != k:
                others |= set(term)
        return others

    pairs = [_sum_unneeded(x, term, needed_except(k)) for k, (x, term) in enumerate(pairs)]
    for step in path:
        chosen = [pairs[i] for i in step]
        pairs = [p for i, p in enumerate(pairs) if i not in step]
        later = set(output).union(*(set(t) for _, t in pairs))
        a, la = chosen[0]
        for k, (b, lb) in enumerate(chosen[1:], 2):
            rest = later.union(*(set(t) for _, t in chosen[k:]))
            shared = [c for c in la if c in lb]
            batch = [c for c in shared if c in rest]
            contract = [c for c in shared if c not in rest]
            a = dot_general(a, b, ((tuple(la.index(c) for c in contract),
                                    tuple(lb.index(c) for c in contract)),
                                   (tuple(la.index(c) for c in batch),
                                    tuple(lb.index(c) for c in batch))))
            la = "".join(batch) + "".join(c for c in la if c not in lb) + "".join(
                c for c in lb if c not in la)
        pairs.append((a, la))
        pairs[-1] = _sum_unneeded(*pairs[-1], needed_except(len(pairs) - 1))
    x, labels = pairs[0]
    x, labels = _sum_unneeded(x, labels, set(output))
    return astype(transpose(x, [labels.index(c) for c in output]), dtype)
