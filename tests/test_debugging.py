"""Tests for funcad.debug.print and funcad.config.debug_nans (funcad/debugging.py, core)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import funcad
import funcad.numpy as fnp
from funcad import grad, jit, lax, vmap


def _printing(x):
    funcad.debug.print("x={} twice={t}", x, t=2 * x)
    return fnp.sin(x)


def test_debug_print_eagerly_and_under_grad_jvp_and_vmap(capsys):
    _printing(1.0)
    grad(_printing)(1.5)
    funcad.jvp(_printing, (2.5,), (1.0,))
    vmap(_printing)(np.array([3.0, 4.0]))
    assert capsys.readouterr().out.splitlines() == [
        "x=1.0 twice=2.0", "x=1.5 twice=3.0", "x=2.5 twice=5.0", "x=3.0 twice=6.0",
        "x=4.0 twice=8.0"]


def test_debug_print_is_kept_by_the_ir_passes():
    closed = funcad.make_jaxpr(_printing)(1.0)
    assert "debug_print" in str(closed)
    from funcad import passes

    assert any(e.primitive.name == "debug_print" for e in passes.optimize(closed).eqns)


@pytest.fixture
def debug_nans():
    funcad.config.debug_nans = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            yield
    finally:
        funcad.config.debug_nans = False


def test_debug_nans_names_the_primitive_and_the_pass(debug_nans):
    with pytest.raises(FloatingPointError, match="'log' during the forward pass"):
        grad(lambda x: fnp.log(x) * x)(-1.0)
    # forward: min(inf, 1) = 1; backward: the zero cotangent of exp(x) times inf
    f = grad(lambda x: fnp.minimum(fnp.exp(x), 1.0))
    with pytest.raises(FloatingPointError, match="'mul' during the backward pass"):
        f(1000.0)
    with pytest.raises(FloatingPointError, match="'mul' during the backward pass"):
        jit(f)(1000.0)
    with pytest.raises(FloatingPointError, match="'log' during the forward pass"):
        jit(fnp.log)(-1.0)
    with pytest.raises(FloatingPointError, match="'log'"):
        lax.scan(lambda c, x: (c + fnp.log(x), None), 0.0, np.array([1.0, -1.0]))
    assert grad(fnp.log)(2.0) == 0.5  # (no NaN, no error)


def test_debug_nans_is_off_by_default_and_switches_off():
    assert not funcad.config.debug_nans
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(fnp.log(-1.0))
        funcad.config.debug_nans = True
        funcad.config.debug_nans = False
        assert np.isnan(fnp.log(-1.0))


def test_debug_print_under_jit_prints_on_every_call(capsys):
    f = jit(_printing)
    f(1.0)
    f(2.0)
    jit(grad(_printing))(3.0)
    jit(vmap(_printing))(np.array([4.0, 5.0]))
    assert capsys.readouterr().out.splitlines() == [
        "x=1.0 twice=2.0", "x=2.0 twice=4.0", "x=3.0 twice=6.0", "x=4.0 twice=8.0",
        "x=5.0 twice=10.0"]
