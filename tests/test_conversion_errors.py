"""Converting a value under differentiation to a Python or NumPy value: each conversion either
returns the primal (where nothing is lost) or raises DerivativeDropError naming itself."""

from __future__ import annotations

import math

import numpy as np
import pytest

import funcad
import funcad.numpy as fnp

# Each conversion, the name its error gives, and what JAX raises in its place (recorded from
# jax 0.10.2 under grad, jvp and vjp; item() there returns the primal).
DROPPING = {
    "float": (float, "float()", "ConcretizationTypeError"),
    "math.sin": (math.sin, "float()", "ConcretizationTypeError"),
    "complex": (complex, "complex()", "ConcretizationTypeError"),
    "item": (lambda t: t.item(), "item()", None),
    "tolist": (lambda t: t.tolist(), "tolist()", "ConcretizationTypeError"),
    "tobytes": (lambda t: t.tobytes(), "tobytes()", "ConcretizationTypeError"),
    "tobytes Fortran order": (lambda t: t.tobytes("F"), "tobytes()", "ConcretizationTypeError"),
    "np.asarray": (np.asarray, "numpy.asarray()", "TracerArrayConversionError"),
    "np.array": (np.array, "numpy.asarray()", "TracerArrayConversionError"),
    "__array__": (lambda t: t.__array__(), "numpy.asarray()", "TracerArrayConversionError"),
    "np.float64": (np.float64, "numpy.asarray()", "TracerArrayConversionError"),
}

TRANSFORMATIONS = {
    "grad": (lambda f, x: funcad.grad(lambda y: f(y).sum())(x), "grad"),
    "jvp": (lambda f, x: funcad.jvp(f, (x,), (x,)), "jvp"),
    "vjp": (lambda f, x: funcad.vjp(f, x), "vjp"),
    "jacfwd": (lambda f, x: funcad.jacfwd(f)(x), "jvp"),
    "hessian": (lambda f, x: funcad.hessian(lambda y: f(y).sum())(x), ""),
}


def _using(conversion):
    def fun(t):
        conversion(t)
        return t * 2.0
    return fun


@pytest.mark.parametrize("transformation", sorted(TRANSFORMATIONS))
@pytest.mark.parametrize("name", sorted(DROPPING))
def test_conversions_that_would_drop_the_derivative_raise(name, transformation):
    conversion, operation, _ = DROPPING[name]
    run, who = TRANSFORMATIONS[transformation]
    x = np.float64(1.5) if name in ("float", "math.sin", "complex", "item", "np.float64") \
        else np.array([1.5, 2.5])
    with pytest.raises(funcad.DerivativeDropError) as info:
        run(_using(conversion), x)
    message = str(info.value)
    assert operation in message and who in message
    assert "stop_gradient" in message and "derivative" in message
    assert isinstance(info.value, TypeError)  # (as JAX's errors are)


def test_the_same_conversions_work_after_stop_gradient():
    def fun(t):
        kept = funcad.stop_gradient(t)
        assert kept.tobytes() == np.asarray([1.5, 2.5]).tobytes()
        assert kept.tolist() == [1.5, 2.5] and kept[0].item() == 1.5
        assert np.asarray(kept).dtype == np.float64 and float(kept[1]) == 2.5
        return (t * 2.0).sum()

    np.testing.assert_array_equal(funcad.grad(fun)(np.array([1.5, 2.5])), [2.0, 2.0])


def test_piecewise_constant_values_convert_to_their_primal():
    def fun(t):
        assert bool(t[0] > 1.0) and int(t[1]) == 2 and [0, 1, 2][t[1].astype(int)] == 2
        assert (t > 2.0).tolist() == [False, True] and (t > 2.0).tobytes() == b"\x00\x01"
        assert fnp.argmax(t).item() == 1 and t.astype(np.int32).tolist() == [1, 2]
        assert np.asarray(t.astype(np.int32)).tolist() == [1, 2]
        return (t * 2.0).sum()

    for run, _ in TRANSFORMATIONS.values():
        run(fun, np.array([1.5, 2.5]))


def test_a_leaked_differentiation_tracer_says_it_leaked():
    leaked = []
    funcad.grad(lambda t: leaked.append(t) or t * 2.0)(1.5)
    for conversion in (lambda t: t.tobytes(), lambda t: t.tolist(), float):
        with pytest.raises(funcad.UnexpectedTracerError):
            conversion(leaked[0])


def test_matches_live_jax():
    jax = pytest.importorskip("jax")
    for name, (conversion, _, jax_error) in DROPPING.items():
        x = 1.5 if name in ("float", "math.sin", "complex", "item", "np.float64") \
            else jax.numpy.array([1.5, 2.5])
        if jax_error is None:  # (item(): JAX returns the primal; funcad refuses on purpose)
            seen = []
            jax.grad(lambda t: seen.append(conversion(t)) or t * 2.0)(x)
            assert seen == [1.5]
            continue
        with pytest.raises(Exception) as info:
            jax.grad(lambda t: (conversion(t), t * 2.0)[1].sum())(x)
        assert type(info.value).__name__ == jax_error, name
