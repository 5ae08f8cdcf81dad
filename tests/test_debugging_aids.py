"""Debugging aids: disable_jit, log_compiles, traceback filtering, and NumPy's warnings at
the user's line."""

from __future__ import annotations

import importlib
import logging
import os
import traceback
import warnings

import numpy as np
import pytest

import funcad
import funcad.numpy as fnp
from funcad.jit import disable_jit
from funcad.traceback_util import UNFILTERED, api_boundary, is_internal_file
from funcad.tracing import eval_shape

PACKAGE_DIR = os.path.dirname(funcad.__file__)
jit_module = importlib.import_module("funcad.jit")  # (funcad.jit is also the function)


# ----------------------------------------------------------------------------------------------
# disable_jit


def test_disable_jit_runs_python_eagerly():
    seen = []

    @funcad.jit
    def f(x):
        seen.append(float(x))  # a concrete value: only possible eagerly
        return x * 2 if x > 0 else -x

    with disable_jit():
        assert f(3.0) == 6.0 and f(-2.0) == 2.0 and f(3.0) == 6.0
    assert seen == [3.0, -2.0, 3.0]  # every call ran the Python, none was cached
    assert not funcad.config.disable_jit
    with pytest.raises(funcad.ConcretizationTypeError):
        f(1.0)


def test_disable_jit_as_config_flag_and_nested_transformations(monkeypatch):
    monkeypatch.setattr(funcad.config, "disable_jit", False)
    funcad.config.update("jax_disable_jit", True)
    try:
        grads = funcad.grad(funcad.jit(lambda x: x ** 3 if x > 0 else x))(2.0)
        assert grads == 12.0
        assert funcad.jit(lambda x: x + 1).trace_count == 0
    finally:
        funcad.config.update("disable_jit", False)
    with disable_jit():
        with disable_jit(False):
            assert not funcad.config.disable_jit
        assert funcad.config.disable_jit
    with pytest.raises(AttributeError, match="no option 'jax_no_such_flag'"):
        funcad.config.update("jax_no_such_flag", True)


# ----------------------------------------------------------------------------------------------
# log_compiles


def _records(caplog):
    return [r for r in caplog.records if r.name.startswith("funcad")]


def test_log_compiles_logs_each_compilation(caplog, monkeypatch):
    monkeypatch.setattr(funcad.config, "log_compiles", True)
    caplog.set_level(logging.WARNING, logger="funcad")

    def polynomial(x):
        return fnp.sin(x) * x + 1.0

    f = funcad.jit(polynomial)
    f(np.ones(3))
    f(np.ones(3))  # cached: no compilation
    f(np.ones(4))
    records = _records(caplog)
    assert len(records) == 2 and all(r.levelno == logging.WARNING for r in records)
    message = records[0].getMessage()
    assert "polynomial" in message and "3 equations traced" in message and " s" in message


def test_no_compile_log_by_default_but_slow_compiles_warn(caplog, monkeypatch):
    monkeypatch.setattr(funcad.config, "log_compiles", False)
    caplog.set_level(logging.DEBUG, logger="funcad")
    funcad.jit(lambda x: x * 2)(np.ones(2))
    assert _records(caplog) == []
    monkeypatch.setattr(jit_module, "SLOW_COMPILE_SECONDS", -1.0)  # every compile is slow

    def slow_one(x):
        return fnp.exp(x) - x

    funcad.jit(slow_one)(np.ones(2))
    (record,) = _records(caplog)
    assert record.levelno == logging.WARNING
    assert "slow_one" in record.getMessage() and "2 equations" in record.getMessage()
    assert "slow" in record.getMessage()


# ----------------------------------------------------------------------------------------------
# Traceback filtering


def user_function(x):
    return fnp.reshape(x, (7, 7)).sum()  # the line every error below comes from


TRANSFORMATIONS = {
    "grad": lambda f, x: funcad.grad(f)(x),
    "value_and_grad": lambda f, x: funcad.value_and_grad(f)(x),
    "vjp": lambda f, x: funcad.vjp(f, x),
    "jvp": lambda f, x: funcad.jvp(f, (x,), (x,)),
    "linearize": lambda f, x: funcad.linearize(f, x),
    "vmap": lambda f, x: funcad.vmap(f)(x[None]),
    "jit": lambda f, x: funcad.jit(f)(x),
    "make_jaxpr": lambda f, x: funcad.make_jaxpr(f)(x),
    "eval_shape": lambda f, x: eval_shape(f, x),
    "jacfwd": lambda f, x: funcad.jacfwd(f)(x),
    "jacrev": lambda f, x: funcad.jacrev(f)(x),
    "hessian": lambda f, x: funcad.hessian(f)(x),
    "grad of jit": lambda f, x: funcad.grad(funcad.jit(f))(x),
    "vmap of grad": lambda f, x: funcad.vmap(funcad.grad(f))(x[None]),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMATIONS))
def test_errors_inside_transformations_show_the_users_frames(name):
    with pytest.raises(ValueError) as info:
        TRANSFORMATIONS[name](user_function, np.ones(3))
    frames = traceback.extract_tb(info.value.__traceback__)
    internal = [f for f in frames if is_internal_file(f.filename)]
    assert len(internal) == 1, [f"{f.filename}:{f.lineno}" for f in internal]  # the boundary
    assert frames[-1].name == "user_function" and frames[-1].filename == __file__
    full = traceback.extract_tb(getattr(info.value, UNFILTERED))
    assert len([f for f in full if is_internal_file(f.filename)]) > 1


def test_filtering_off_keeps_the_whole_traceback(monkeypatch):
    monkeypatch.setattr(funcad.config, "traceback_filtering", "off")
    assert funcad.config.traceback_filtering == "off"
    with pytest.raises(ValueError) as info:
        funcad.grad(user_function)(np.ones(3))
    frames = traceback.extract_tb(info.value.__traceback__)
    assert len([f for f in frames if is_internal_file(f.filename)]) > 2
    assert frames[-1].filename.startswith(PACKAGE_DIR)  # (the raise inside funcad)


def test_filtering_keeps_the_exception_itself():
    def f(x):
        try:
            raise KeyError("inner")
        except KeyError as inner:
            raise RuntimeError("outer") from inner

    with pytest.raises(RuntimeError, match="^outer$") as info:
        funcad.grad(f)(1.0)
    assert isinstance(info.value.__cause__, KeyError) and not getattr(
        info.value, "__notes__", None)
    with pytest.raises(ValueError, match="traceback_filtering must be one of"):
        funcad.config.traceback_filtering = "sometimes"


def test_api_boundary_keeps_the_function_and_costs_little():
    def add(a, b=1):
        """Adds."""
        return a + b

    wrapped = api_boundary(add)
    assert wrapped(1, b=2) == 3 and wrapped.__name__ == "add" and wrapped.__doc__ == "Adds."
    assert funcad.grad(lambda x: x)(1.0) == 1.0
    assert funcad.jit(user_function).__name__ == "user_function"


# ----------------------------------------------------------------------------------------------
# NumPy's floating-point warnings at the user's line


def _warnings_of(fun, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fun(*args)
    return [w for w in caught if issubclass(w.category, RuntimeWarning)]


def overflowing(x):
    return fnp.exp(x) * 2.0  # OVERFLOW LINE


OVERFLOW_LINE = next(i for i, line in enumerate(open(__file__), 1)
                     if line.rstrip().endswith("# OVERFLOW LINE"))


@pytest.mark.parametrize("how", ["eager", "grad", "vmap"])
def test_numpy_warnings_point_at_the_users_line(how):
    x = np.array([1000.0])
    run = {"eager": overflowing, "grad": lambda v: funcad.grad(
        lambda u: overflowing(u).sum())(v), "vmap": funcad.vmap(overflowing)}[how]
    caught = _warnings_of(run, x)
    assert caught, "no warning"
    first = caught[0]
    assert str(first.message) == "overflow encountered in exp"
    assert (first.filename, first.lineno) == (__file__, OVERFLOW_LINE)


def test_numpy_warnings_keep_errstate_and_plain_numpy(monkeypatch):
    x = np.array([1000.0])
    with np.errstate(over="ignore"):
        assert _warnings_of(overflowing, x) == []
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        overflowing(x)
    plain = _warnings_of(lambda v: np.exp(v), x)
    assert [str(w.message) for w in plain] == ["overflow encountered in exp"]
    assert plain[0].filename == __file__
    monkeypatch.setattr(funcad.config, "traceback_filtering", "off")
    assert np.geterr()["over"] == "warn"
    (inside,) = _warnings_of(overflowing, x)
    assert inside.filename.startswith(PACKAGE_DIR)  # NumPy's own attribution
    monkeypatch.undo()
    assert np.geterr()["over"] == "log"


def test_numpy_warnings_under_jit_point_at_the_call():
    jitted = funcad.jit(overflowing)
    caught = _warnings_of(lambda v: jitted(v), np.array([1000.0]))  # CALL LINE
    call_line = next(i for i, line in enumerate(open(__file__), 1)
                     if line.rstrip().endswith("# CALL LINE"))
    assert [(w.filename, w.lineno) for w in caught][:1] == [(__file__, call_line)]


def test_a_users_error_callback_is_left_alone(monkeypatch):
    calls = []
    monkeypatch.setattr(funcad.config, "traceback_filtering", "off")
    with np.errstate(all="call", call=lambda kind, flag: calls.append(kind)):
        funcad.config.traceback_filtering = "auto"  # (must not replace the callback)
        overflowing(np.array([1000.0]))
        assert np.geterrcall() is not None and calls == ["overflow"]
    funcad.config.traceback_filtering = "off"
