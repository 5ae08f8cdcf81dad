"""The assertion the NumPy-API tests share: same structure, shapes, dtypes and values."""

from __future__ import annotations

from typing import Any

import numpy as np

from funcad import tree_util

_LOW_PRECISION = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.complex64))


def assert_same(actual: Any, expected: Any, rtol: float | None = None) -> None:
    """Same pytree of leaves, each with the same shape, dtype and values, NaN where expected
    has NaN. ``rtol`` (also the absolute tolerance) defaults to 1e-5 for single or half
    precision and 1e-12 otherwise."""
    actual_leaves = tree_util.tree_leaves(actual)
    expected_leaves = tree_util.tree_leaves(expected)
    assert len(actual_leaves) == len(expected_leaves), (len(actual_leaves), len(expected_leaves))
    for a, e in zip(actual_leaves, expected_leaves):
        a, e = np.asarray(a), np.asarray(e)
        assert a.shape == e.shape, (a.shape, e.shape)
        assert a.dtype == e.dtype, (a.dtype, e.dtype)
        tol = rtol if rtol is not None else 1e-5 if e.dtype in _LOW_PRECISION else 1e-12
        np.testing.assert_allclose(a, e, rtol=tol, atol=tol, equal_nan=True)
