"""Hypothesis strategies shared by the property tests of the rule tables and the NumPy API.

Shapes are small (finite differences and second-order checks cost a pass per call), include
0-d arrays and, where asked for, size-0 arrays. Values are drawn from a per-function domain
kept away from singularities and kinks, so that central finite differences are valid:
``Domain(lo, hi, away=m)`` draws from ``[lo, hi]`` minus ``(-m, m)``.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_SIDE = 4
MAX_DIMS = 3


def _reused(factory):
    """Return the same strategy object for the same (hashable) arguments. The examples do not
    change; Hypothesis just does not validate a new strategy on every draw, which is much of
    the cost of a ``data.draw(arrays(...))`` inside a test."""
    cached = functools.lru_cache(maxsize=None)(factory)

    @functools.wraps(factory)
    def strategy(*args, **kwargs):
        try:
            hash((args, tuple(kwargs.items())))
        except TypeError:
            return factory(*args, **kwargs)
        return cached(*args, **kwargs)

    return strategy


class Domain(NamedTuple):
    """Where a function may be evaluated and differentiated: [lo, hi] without (-away, away)."""

    lo: float = -2.0
    hi: float = 2.0
    away: float = 0.0


@_reused
def shapes(min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 1,
           max_side: int = MAX_SIDE) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes, 0-d included by default; ``min_side=0`` allows size-0 arrays."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


@_reused
def broadcastable_shapes(num_shapes: int = 2, min_dims: int = 0, max_dims: int = MAX_DIMS,
                         min_side: int = 1, max_side: int = 3):
    """``num_shapes`` shapes that broadcast together (size-1 axes and missing leading axes)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=num_shapes, min_dims=min_dims,
                                             max_dims=max_dims, min_side=min_side,
                                             max_side=max_side)


DEFAULT_DOMAIN = Domain()


@_reused
def floats(domain: Domain = DEFAULT_DOMAIN, dtype: Any = np.float64) -> st.SearchStrategy[float]:
    width = np.dtype(dtype).itemsize * 8
    lo, hi, away = (_representable(v, dtype, inward) for v, inward in zip(domain, (1, -1, 1)))
    if away <= 0:
        return st.floats(lo, hi, width=width)
    parts = []
    if lo <= -away:
        parts.append(st.floats(lo, -away, width=width))
    if hi >= away:
        parts.append(st.floats(away, hi, width=width))
    return st.one_of(*parts)


def _representable(value: float, dtype: Any, direction: int) -> float:
    """``value`` rounded to ``dtype``, moved one step in ``direction`` if that left the
    domain (Hypothesis wants float32 bounds that float32 can represent exactly)."""
    rounded = np.dtype(dtype).type(value)
    if (rounded - value) * direction < 0:
        rounded = np.nextafter(rounded, np.dtype(dtype).type(direction * np.inf))
    return float(rounded)


@_reused
def arrays(shape: Any, domain: Domain = DEFAULT_DOMAIN, dtype: Any = np.float64):
    """Arrays of ``shape`` (a shape or a strategy of shapes) with values in ``domain``."""
    return hnp.arrays(np.dtype(dtype), shape, elements=floats(domain, dtype))


# A grid coarse enough that no finite-difference step (about 1e-5 * N(0, 1)) reorders values.
_GRID = 0.05


@_reused
@st.composite
def distinct_arrays(draw, shapes_: tuple[tuple[int, ...], ...], dtype: Any = np.float64,
                    scale: float = _GRID, magnitudes: bool = False) -> tuple[np.ndarray, ...]:
    """Arrays of the given shapes whose values are all different from each other (across
    the arrays too), at least ``scale`` apart: max/min/clip/sort have no ties and no kinks.
    With ``magnitudes``, the absolute values are distinct and at least scale/2 from 0 (for
    max(|x|) and |x| itself)."""
    sizes = [int(np.prod(s, dtype=np.int64)) for s in shapes_]
    total = sum(sizes)
    if magnitudes:
        ints = draw(st.lists(st.integers(0, 200), min_size=total, max_size=total, unique=True))
        signs = draw(st.lists(st.sampled_from([-1, 1]), min_size=total, max_size=total))
        values = [sign * (k + 0.5) for k, sign in zip(ints, signs)]
    else:
        values = draw(st.lists(st.integers(-200, 200), min_size=total, max_size=total,
                               unique=True))
    out = []
    start = 0
    for shape, size in zip(shapes_, sizes):
        chunk = np.asarray(values[start:start + size], dtype=np.float64) * scale
        out.append(chunk.reshape(shape).astype(dtype))
        start += size
    return tuple(out)


@_reused
def axes_arguments(ndim: int) -> st.SearchStrategy[Any]:
    """What ``axis=`` may be for an ndim-array: None, an int (negative too) or a tuple."""
    options = [st.none(), hnp.valid_tuple_axes(ndim)]
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
    return st.one_of(*options)


def reduced_count(shape: tuple[int, ...], axis: Any) -> int:
    """How many elements each output of a reduction over ``axis`` combines."""
    if axis is None:
        axis = tuple(range(len(shape)))
    elif isinstance(axis, int):
        axis = (axis,)
    return int(np.prod([shape[a] for a in axis], dtype=np.int64))


@_reused
@st.composite
def reshape_targets(draw, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape with the same number of elements as ``shape`` (sometimes with a -1)."""
    size = int(np.prod(shape, dtype=np.int64))
    remaining = size
    target = []
    for _ in range(draw(st.integers(0, 3))):
        divisors = [d for d in range(1, remaining + 1) if remaining % d == 0] or [1]
        d = draw(st.sampled_from(divisors))
        target.append(d)
        remaining //= d if d else 1
    target.append(remaining)
    target = draw(st.permutations(target))
    if size and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return tuple(target)


@_reused
@st.composite
def mixed_indices(draw, shape: tuple[int, ...], allow_bool: bool = True) -> Any:
    """A NumPy index for an array of ``shape``: ints, slices with steps (negative too),
    None, Ellipsis, integer arrays (negative and repeated entries) and boolean masks."""
    items: list[Any] = []
    axis = 0
    ndim = len(shape)
    used_ellipsis = False
    new_axes = 0
    while axis < ndim:
        n = shape[axis]
        kinds = ["slice", "full"] + (["none"] if new_axes < 2 else [])
        if n:
            kinds += ["int", "intarray"]
        if allow_bool:
            kinds.append("mask")
        if not used_ellipsis:
            kinds.append("ellipsis")
        kind = draw(st.sampled_from(kinds))
        if kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            start = draw(st.none() | st.integers(-n - 1, n + 1))
            stop = draw(st.none() | st.integers(-n - 1, n + 1))
            step = draw(st.none() | st.sampled_from([1, 2, 3, -1, -2]))
            items.append(slice(start, stop, step))
        elif kind == "full":
            items.append(slice(None))
        elif kind == "none":
            items.append(None)
            new_axes += 1
            continue
        elif kind == "intarray":
            index_shape = draw(shapes(0, 2, 1, 3))
            items.append(draw(hnp.arrays(np.intp, index_shape,
                                         elements=st.integers(-n, n - 1))))
        elif kind == "mask":
            k = draw(st.integers(1, ndim - axis))
            items.append(draw(hnp.arrays(np.bool_, shape[axis:axis + k])))
            axis += k
            continue
        elif kind == "ellipsis":
            used_ellipsis = True
            skip = draw(st.integers(0, ndim - axis))
            items.append(Ellipsis)
            axis += skip
            continue
        axis += 1
    if draw(st.integers(0, 3)) == 0:
        items.append(None if used_ellipsis else Ellipsis)
    if draw(st.booleans()) or len(items) != 1:
        return tuple(items)
    return items[0]


@_reused
@st.composite
def advanced_indices(draw, shape: tuple[int, ...]) -> Any:
    """Integer array indices with repeated entries, in front of, after or between slices."""
    ndim = len(shape)
    axis = draw(st.integers(0, ndim - 1))
    n = shape[axis]
    index_shape = draw(shapes(1, 2, 1, 4))
    index = draw(hnp.arrays(np.intp, index_shape, elements=st.integers(-n, n - 1)))
    head = tuple(draw(st.sampled_from([slice(None), slice(None, None, -1), slice(1, None)]))
                 for _ in range(axis))
    return head + (index,)


def floating_dtypes() -> st.SearchStrategy[np.dtype]:
    return st.sampled_from([np.dtype(np.float64), np.dtype(np.float32)])
