"""Shared pytest configuration: Hypothesis profiles and deterministic NumPy seeding.

Select a Hypothesis profile with the HYPOTHESIS_PROFILE environment variable:
``ci`` (small, derandomized: reproducible CI runs), ``dev`` (default) or
``thorough`` (many examples, for hunting bugs locally).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _seed_numpy_rng() -> Iterator[None]:
    """Make tests that use NumPy's global RNG reproducible and independent."""
    np.random.seed(0)
    yield
