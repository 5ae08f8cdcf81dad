"""funcad.scipy.special against SciPy's values and JAX's derivative conventions."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special

import funcad
from funcad.scipy.special import expit, xlogy
from funcad.test_util import check_grads


@pytest.mark.parametrize("x, y", [(0.0, 2.0), (1.5, 2.0), (2.0, 0.5), (0.0, 0.0), (-1.0, 3.0)])
def test_xlogy_values_match_scipy(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_allclose(xlogy(x, y), scipy.special.xlogy(x, y))


@pytest.mark.parametrize("y", [0.5, 2.0, 7.0])
def test_xlogy_derivative_in_x_at_zero_is_log_y(y):
    """The limit along x: d/dx (x log y) = log y, also at x = 0 (JAX's and SciPy's rule)."""
    assert funcad.grad(xlogy, 0)(0.0, y) == pytest.approx(np.log(y))
    assert funcad.jvp(xlogy, (0.0, y), (1.0, 0.0))[1] == pytest.approx(np.log(y))
    assert funcad.grad(xlogy, 1)(0.0, y) == 0.0
    assert funcad.jit(funcad.grad(xlogy, 0))(0.0, y) == pytest.approx(np.log(y))
    # second order: d/dy d/dx = 1 / y
    assert funcad.grad(funcad.grad(xlogy, 0), 1)(0.0, y) == pytest.approx(1 / y)


@pytest.mark.parametrize("shapes", [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((0,), ())])
def test_xlogy_derivatives_against_finite_differences(shapes):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shapes[0])
    y = rng.uniform(0.5, 2.0, shapes[1])
    check_grads(xlogy, (x, y), order=2, modes=("fwd", "rev"))


def test_xlogy_batches_and_keeps_numpy_dtypes():
    x, y = np.array([0.0, 1.0, 2.0]), np.array([2.0, 3.0, 4.0])
    np.testing.assert_allclose(funcad.vmap(xlogy)(x, y), scipy.special.xlogy(x, y))
    np.testing.assert_allclose(funcad.vmap(funcad.grad(xlogy))(x, y), np.log(y))
    assert xlogy(np.float32(1), np.float32(2)).dtype == np.float32
    assert xlogy(1, 2).dtype == np.float64


def test_expit_keeps_the_lower_tail_and_finite_derivatives():
    x = np.array([-1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0])
    np.testing.assert_allclose(expit(x), scipy.special.expit(x), rtol=1e-15)
    assert expit(-40.0) == pytest.approx(4.248354255291589e-18, rel=1e-14)
    gradient = funcad.vmap(funcad.grad(expit))(x)
    np.testing.assert_allclose(gradient[:5], (scipy.special.expit(x) * scipy.special.expit(-x))[:5],
                               rtol=1e-14)
    assert np.all(np.isfinite(gradient)) and gradient[5] == pytest.approx(4.2483542552916e-18)
    check_grads(expit, (np.linspace(-5, 5, 7),), order=2, modes=("fwd", "rev"))
