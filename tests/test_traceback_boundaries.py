"""Checkpoint, the custom-derivative decorators and the control-flow functions are API
boundaries: an error raised in the user's function under them shows the user's frames and only
the outermost funcad call, unless ``traceback_filtering`` is ``"off"``."""

from __future__ import annotations

import traceback

import numpy as np
import pytest

import funcad
import funcad.numpy as fnp
from funcad import lax
from funcad.traceback_util import UNFILTERED, is_internal_file


def failing(x):
    return fnp.reshape(x, (7, 7)).sum()  # the line every error below comes from


def failing_carry(carry, x):
    return failing(carry), x


def _custom_vjp_with(fun, fwd, bwd):
    wrapped = funcad.custom_vjp(fun)
    wrapped.defvjp(fwd, bwd)
    return wrapped


def _custom_jvp_with(fun, rule):
    wrapped = funcad.custom_jvp(fun)
    wrapped.defjvp(rule)
    return wrapped


def _good_fwd(x):
    return fnp.sin(x), x


def _good_bwd(x, g):
    return (g * fnp.cos(x),)


def _failing_bwd(x, g):
    return (failing(g),)


def _failing_jvp_rule(primals, tangents):
    return fnp.sin(primals[0]), failing(tangents[0])


CALLS = {
    "checkpoint": lambda x: funcad.checkpoint(failing)(x),
    "checkpoint under grad": lambda x: funcad.grad(funcad.checkpoint(failing))(x),
    "remat of a decorated function": lambda x: funcad.remat(failing)(x),
    "custom_vjp, primal function": lambda x: _custom_vjp_with(failing, _good_fwd, _good_bwd)(x),
    "custom_vjp, fwd under grad": lambda x: funcad.grad(
        lambda y: _custom_vjp_with(fnp.sin, lambda z: (failing(z), z), _good_bwd)(y).sum())(x),
    "custom_vjp, bwd under grad": lambda x: funcad.grad(
        lambda y: _custom_vjp_with(fnp.sin, _good_fwd, _failing_bwd)(y).sum())(x),
    "custom_jvp, primal function": lambda x: _custom_jvp_with(failing, _failing_jvp_rule)(x),
    "custom_jvp, rule under jvp": lambda x: funcad.jvp(
        _custom_jvp_with(fnp.sin, _failing_jvp_rule), (x,), (x,)),
    "cond": lambda x: lax.cond(True, failing, failing, x),
    "switch": lambda x: lax.switch(1, [failing, failing], x),
    "switch of one branch": lambda x: lax.switch(0, [failing], x),
    "scan": lambda x: lax.scan(failing_carry, x, fnp.ones(2)),
    "scan under jit": lambda x: funcad.jit(lambda y: lax.scan(failing_carry, y, fnp.ones(2)))(x),
    "while_loop body": lambda x: lax.while_loop(lambda c: True, failing, x),
    "while_loop cond": lambda x: lax.while_loop(failing, lambda c: c, x),
    "fori_loop": lambda x: lax.fori_loop(0, 2, lambda i, c: failing(c), x),
    "fori_loop with traced bounds": lambda x: funcad.jit(
        lambda n, y: lax.fori_loop(0, n, lambda i, c: failing(c), y))(2, x),
    "map": lambda x: lax.map(failing, x[None]),
    "map in batches": lambda x: lax.map(failing, fnp.stack([x, x]), batch_size=2),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_an_error_under_each_boundary_shows_the_users_frames(name):
    with pytest.raises((ValueError, TypeError)) as info:
        CALLS[name](np.ones(3))
    frames = traceback.extract_tb(info.value.__traceback__)
    internal = [f"{f.filename}:{f.lineno}" for f in frames if is_internal_file(f.filename)]
    assert len(internal) == 1, internal  # (the outermost call into funcad)
    assert frames[-1].name == "failing" and frames[-1].filename == __file__
    full = traceback.extract_tb(getattr(info.value, UNFILTERED))
    assert len([f for f in full if is_internal_file(f.filename)]) > 1


@pytest.mark.parametrize("name", ["checkpoint", "custom_vjp, primal function", "cond", "scan",
                                  "while_loop body", "fori_loop", "map"])
def test_filtering_off_shows_funcads_frames(name, monkeypatch):
    monkeypatch.setattr(funcad.config, "traceback_filtering", "off")
    with pytest.raises((ValueError, TypeError)) as info:
        CALLS[name](np.ones(3))
    frames = traceback.extract_tb(info.value.__traceback__)
    assert len([f for f in frames if is_internal_file(f.filename)]) > 2
    assert frames[-1].filename.startswith(str(funcad.__path__[0]))  # (the raise in funcad)
    assert not hasattr(info.value, UNFILTERED)


def test_the_boundaries_keep_names_and_results():
    assert lax.scan.__name__ == "scan" and "carry" in lax.scan.__doc__
    assert lax.cond.__name__ == "cond" and lax.map.__name__ == "map"
    assert funcad.checkpoint(failing).__name__ == "failing"
    carry, ys = lax.scan(lambda c, x: (c + x, c * x), 0.0, fnp.arange(3.0))
    assert float(carry) == 3.0 and np.allclose(ys, [0.0, 0.0, 2.0])
    square = funcad.custom_jvp(lambda x: x * x)
    square.defjvp(lambda p, t: (p[0] * p[0], 2.0 * p[0] * t[0]))
    assert funcad.grad(square)(3.0) == 6.0
