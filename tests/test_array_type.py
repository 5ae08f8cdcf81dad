"""The arrays funcad returns (funcad.numpy's Array at every boundary) and the jax.Array
methods of tracers."""

import inspect
import pickle

import numpy as np
import pytest

import funcad
import funcad.numpy as fnp
from funcad.core import Tracer
from funcad.errors import ConcretizationTypeError, DerivativeDropError
from funcad.numpy import Array
from funcad.numpy._array_type import _WRAPPERS, returning_arrays
from funcad.traceback_util import is_internal_file

X = np.array([3.0, -1.0, 2.0, 0.5])


def f_sum(x):
    return fnp.sum(fnp.sin(x) * x)


# ----------------------------------------------------------------------------------------------
# Where results come from: each is an Array with .at and .block_until_ready().


RESULTS = {
    "eager sin": lambda: fnp.sin(X),
    "eager composite": lambda: fnp.linalg.norm(np.ones((2, 4)) * X, axis=0),
    "eager tuple": lambda: fnp.linalg.svd(np.diag(X))[0][0],
    "grad": lambda: funcad.grad(f_sum)(X),
    "value_and_grad": lambda: funcad.value_and_grad(f_sum)(X)[1],
    "vjp out": lambda: funcad.vjp(fnp.sin, X)[0],
    "vjp cotangent": lambda: funcad.vjp(fnp.sin, X)[1](np.ones(4))[0],
    "jvp primal": lambda: funcad.jvp(fnp.sin, (X,), (np.ones(4),))[0],
    "jvp tangent": lambda: funcad.jvp(fnp.sin, (X,), (np.ones(4),))[1],
    "linearize": lambda: funcad.linearize(fnp.sin, X)[1](np.ones(4)),
    "vmap": lambda: funcad.vmap(lambda x: x * 2.0)(X),
    "jit": lambda: funcad.jit(lambda x: fnp.sin(x) + 1.0)(X),
    "jacfwd": lambda: funcad.jacfwd(fnp.sin)(X)[0],
    "jacrev": lambda: funcad.jacrev(fnp.sin)(X)[1],
    "hessian": lambda: funcad.hessian(f_sum)(X)[2],
}


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_results_have_at(name):
    out = RESULTS[name]()
    assert type(out) is Array and isinstance(out, np.ndarray)
    expected = np.array(out, copy=True)
    expected[0] = 7.0
    np.testing.assert_array_equal(out.at[0].set(7.0), expected)
    expected = np.array(out, copy=True)
    expected[[1, 1]] += 2.0
    np.testing.assert_array_equal(out.at[np.array([1, 1])].add(1.0), np.asarray(out) + [0, 2, 0, 0])
    assert out.block_until_ready() is out


def test_values_are_unchanged():
    np.testing.assert_array_equal(fnp.sin(X), np.sin(X))
    np.testing.assert_allclose(funcad.grad(f_sum)(X), np.sin(X) + X * np.cos(X))
    np.testing.assert_array_equal(funcad.jit(lambda x: x * 3.0)(X), X * 3.0)


def test_scalars_stay_scalars():
    """NumPy scalars are not ndarrays: they are returned as they are (jit's scalar code
    computes on them because they are fast)."""
    for out in (fnp.sum(X), funcad.grad(lambda x: fnp.sin(x) * x)(0.5),
                funcad.jit(lambda x: fnp.sum(x))(X), funcad.value_and_grad(f_sum)(X)[0]):
        assert type(out) is np.float64 or (type(out) is Array and out.shape == ())
    assert type(fnp.sum(X)) is np.float64
    assert type(funcad.jit(lambda x: x * 2.0)(np.float64(1.0))) is np.float64
    assert fnp.ndim(X) == 1 and type(fnp.ndim(X)) is int
    assert fnp.shape(X) == (4,)
    out = fnp.sum(X, keepdims=True)
    assert type(out) is Array and out.block_until_ready() is out


def test_at_modes_on_results():
    y = fnp.cos(X)
    np.testing.assert_array_equal(y.at[10].set(1.0, mode="drop"), np.cos(X))
    np.testing.assert_array_equal(y.at[np.array([0, 9])].get(mode="fill", fill_value=-1.0),
                                  [np.cos(X[0]), -1.0])
    np.testing.assert_array_equal(y.at[1:3].multiply(2.0),
                                  np.cos(X) * [1, 2, 2, 1])
    np.testing.assert_array_equal(y.at[0].min(-5.0), np.cos(X) * [0, 1, 1, 1] + [-5, 0, 0, 0])
    np.testing.assert_array_equal(y.at[0].max(5.0), np.cos(X) * [0, 1, 1, 1] + [5, 0, 0, 0])
    np.testing.assert_allclose(y.at[2].apply(fnp.exp),
                               np.where(np.arange(4) == 2, np.exp(np.cos(X)), np.cos(X)))
    np.testing.assert_allclose(y.at[3].power(2.0), np.cos(X) ** [1, 1, 1, 2])


def test_at_on_results_differentiates():
    def g(x):
        return fnp.sum(fnp.sin(x).at[0].set(0.0) ** 2)

    expected = 2 * np.sin(X) * np.cos(X) * [0, 1, 1, 1]
    np.testing.assert_allclose(funcad.grad(g)(X), expected)
    np.testing.assert_allclose(funcad.jit(funcad.grad(g))(X), expected)


def test_arithmetic_gives_plain_arrays():
    """NumPy on an Array returns plain ndarrays and NumPy scalars (the documented choice)."""
    y = fnp.sin(X)
    assert type(y + 1.0) is np.ndarray
    assert type(np.sin(y)) is np.ndarray
    assert type(y * X) is np.ndarray
    assert type(np.sum(y)) is np.float64
    assert type(np.asarray(y)) is np.ndarray
    np.testing.assert_array_equal(np.asarray(y), np.sin(X))
    assert type(y[1:]) is Array  # (a view keeps the type, as for any subclass)


def test_pickle_and_copy():
    y = funcad.grad(f_sum)(X)
    z = pickle.loads(pickle.dumps(y))
    assert type(z) is Array
    np.testing.assert_array_equal(z, y)
    assert z.at[0].set(1.0)[0] == 1.0


def test_results_feed_back_in():
    y = funcad.grad(f_sum)(X)
    for fn in (funcad.grad(f_sum), funcad.jit(funcad.grad(f_sum)), funcad.vmap(fnp.sin)):
        np.testing.assert_allclose(fn(y), fn(np.asarray(y)))
    jitted = funcad.jit(lambda x: x * 2.0)
    jitted(y)
    jitted(np.asarray(y))
    assert jitted.trace_count == 1  # (an Array has the signature of its ndarray)


def test_array_jax_methods():
    y = fnp.exp(X)
    assert y.copy_to_host_async() is None
    assert y.addressable_data(0) is y
    with pytest.raises(IndexError, match="single shard"):
        y.addressable_data(1)
    assert y.is_fully_addressable and y.is_fully_replicated
    assert y.devices() == {"cpu"} and y.device == "cpu"
    assert y.to_device("cpu") is not None
    assert y.committed is False and y.weak_type is False and y.is_deleted() is False
    np.testing.assert_array_equal(y.ptp(), np.ptp(np.exp(X)))
    np.testing.assert_array_equal(y.reshape(2, 2).ptp(axis=1, keepdims=True),
                                  np.ptp(np.exp(X).reshape(2, 2), axis=1, keepdims=True))
    assert y.nbytes == 32 and y.itemsize == 8


def test_numpy_on_arrays_returns_what_it_returns_on_ndarrays():
    """``Array.__array_wrap__`` is a plain ndarray's: a subclass result is viewed as ndarray,
    0-d results are scalars, an ``out=`` Array is written and returned viewed as ndarray, and
    NumPy's Python code that calls the wrap itself (numpy.linalg) gets plain ndarrays."""
    y = fnp.asarray(np.array([[2.0, 1.0], [1.0, 3.0]]))
    assert type(np.linalg.inv(y)) is np.ndarray
    assert type(np.linalg.solve(y, np.ones(2))) is np.ndarray
    assert type(np.sin(y[0, 0:1].reshape(()))) is np.float64
    assert type(y.__array_wrap__(fnp.zeros(2))) is np.ndarray
    assert type(y.__array_wrap__(np.zeros(()), None, True)) is np.float64
    out = fnp.zeros((2, 2))
    result = np.exp(y, out=out)
    assert type(result) is np.ndarray and np.shares_memory(result, out)
    np.testing.assert_allclose(out, np.exp(np.asarray(y)))
    assert type(y @ np.eye(2)) is np.ndarray and type(-y) is np.ndarray
    assert type(y[0]) is Array and type(y[0, 1]) is np.float64 and type(y[(0,)]) is Array


def test_traced_index_into_an_array():
    y = fnp.asarray(A)
    np.testing.assert_array_equal(funcad.vmap(lambda i: y[i])(np.array([1, 0])), A[[1, 0]])
    np.testing.assert_array_equal(funcad.vmap(lambda i: y[i, 2])(np.array([1, 0])),
                                  A[[1, 0], 2])
    np.testing.assert_array_equal(funcad.jit(lambda i: y[0, i])(2), A[0, 2])


def test_block_until_ready_on_scalars():
    """A NumPy scalar has no method to add; funcad.block_until_ready takes any pytree."""
    value = fnp.sum(X)
    assert type(value) is np.float64 and funcad.block_until_ready(value) is value
    tree = {"s": value, "a": fnp.sin(X), "n": 3}
    assert funcad.block_until_ready(tree) is tree


# ----------------------------------------------------------------------------------------------
# The wrappers that view funcad.numpy's results.


def test_wrappers_have_their_functions_signatures():
    assert len(_WRAPPERS) > 300
    for function, wrapper in _WRAPPERS.items():
        assert wrapper.__wrapped_function__ is function and wrapper.__wrapped__ is function
        assert wrapper.__name__ == function.__name__ and wrapper.__doc__ == function.__doc__
        assert (inspect.signature(wrapper, follow_wrapped=False)
                == inspect.signature(function, follow_wrapped=False)), function.__name__
        assert is_internal_file(wrapper.__code__.co_filename)  # (hidden from tracebacks)
    assert fnp.sum.__wrapped_function__ in _WRAPPERS


def test_wrappers_take_arguments_as_their_functions():
    np.testing.assert_array_equal(fnp.sum(a=A, axis=0), A.sum(axis=0))
    np.testing.assert_array_equal(fnp.sum(A, 1, None, None, True), A.sum(1, keepdims=True))
    np.testing.assert_array_equal(fnp.where(A > 0, A, 0.0), np.where(A > 0, A, 0.0))
    with pytest.raises(TypeError):
        fnp.where(condition=A > 0)  # (positional-only, as in the function)
    with pytest.raises(TypeError):
        fnp.sin(A, A)
    np.testing.assert_allclose(fnp.einsum("ij,kj->ik", A, A), A @ A.T)
    np.testing.assert_array_equal(fnp.pad(X, 1, constant_values=9.0), np.pad(X, 1,
                                                                             constant_values=9.0))
    assert [type(x) for x in fnp.meshgrid(X, X)] == [Array, Array]


def probe(x, y=None, z=1.0, *rest, w=None, **named):
    """What the function receives, and its first argument back."""
    probe.seen = [type(v) for v in (x, y, z, *rest, w, *named.values())]
    return x


def _unwritable(_x):
    return _x


@pytest.mark.parametrize("function", [probe, _unwritable])
def test_wrapper_results_and_operands(function):
    """Results are viewed as Array; operands that are Arrays (positional, without a default or
    with None) reach the function as plain ndarrays, the rest as they are. A function whose
    signature the wrapper cannot repeat gets the generic wrapper."""
    wrapped = returning_arrays(function)
    y = fnp.asarray(X)
    out = wrapped(y)
    assert type(out) is Array and out.base is not None
    np.testing.assert_array_equal(out, X)
    assert type(wrapped(np.float64(2.0))) is np.float64
    assert type(wrapped((X, [X]))) is tuple and type(wrapped((X, [X]))[1][0]) is Array
    if function is probe:
        wrapped(y, y, y, y, w=y, v=y)
        assert probe.seen == [np.ndarray, np.ndarray, Array, Array, Array, Array]
        wrapped(X, z=y)
        assert probe.seen == [np.ndarray, type(None), Array, type(None)]
    else:
        assert wrapped.__code__ is not function.__code__
    seen = []
    funcad.grad(lambda x: (seen.append(wrapped(x)), fnp.sum(x))[1])(X)
    assert isinstance(seen[0], Tracer)


def test_array_operands_compute_as_ndarrays():
    """An Array passed back in gives the same values, and the results are still Arrays."""
    y = fnp.sin(X)
    for out in (fnp.cos(y), fnp.add(y, y), fnp.where(y > 0, y, -y), fnp.linalg.norm(y)):
        assert type(out) in (Array, np.float64)
    np.testing.assert_array_equal(fnp.add(y, y), 2 * np.sin(X))
    np.testing.assert_array_equal(fnp.where(y > 0, y, -y), np.abs(np.sin(X)))
    np.testing.assert_array_equal(y, np.sin(X))  # (the operand itself is unchanged)
    assert type(y) is Array


# ----------------------------------------------------------------------------------------------
# The tracer methods jax.Array has, under each transformation: values as NumPy's.

A = np.array([[3.0, -1.0, 2.0, 0.5], [0.25, 4.0, -2.0, 1.0]])

METHODS = {
    "sort": (lambda x: x.sort(), lambda a: np.sort(a)),
    "sort axis 0": (lambda x: x.sort(axis=0), lambda a: np.sort(a, axis=0)),
    "argsort": (lambda x: x.argsort(), lambda a: np.argsort(a, kind="stable")),
    "argpartition": (lambda x: fnp.take_along_axis(x, x.argpartition(1), axis=1)[:, 1],
                     lambda a: np.sort(a)[:, 1]),
    "searchsorted": (lambda x: x[0].sort().searchsorted(np.array([0.0, 2.5])),
                     lambda a: np.sort(a[0]).searchsorted([0.0, 2.5])),
    "cumprod": (lambda x: x.cumprod(axis=1), lambda a: a.cumprod(axis=1)),
    "ptp": (lambda x: x.ptp(axis=0), lambda a: np.ptp(a, axis=0)),
    "compress": (lambda x: x.compress(np.array([True, False, True, True]), axis=1),
                 lambda a: a.compress([True, False, True, True], axis=1)),
    "choose": (lambda x: (x[0] > 1).astype(int).choose([x[0], x[1]], mode="clip"),
               lambda a: (a[0] > 1).astype(int).choose([a[0], a[1]])),
    "view int64": (lambda x: x.view(np.int64), lambda a: a.view(np.int64)),
    "view uint32": (lambda x: x.view(np.uint32), lambda a: a.view(np.uint32)),
    "view back": (lambda x: x.view(np.uint32).view(np.float64), lambda a: a),
    "view float32 pairs": (lambda x: x.view(np.uint32).view(np.uint64),
                           lambda a: a.view(np.uint64)),
    "byteswap": (lambda x: x.byteswap(), lambda a: a.byteswap()),
    "to_device": (lambda x: x.to_device("cpu"), lambda a: a),
}


@pytest.mark.parametrize("name,transform", [
    (name, transform) for name in sorted(METHODS) for transform in ("jit", "vmap", "grad")
    if (name, transform) != ("choose", "grad")  # (integer values are never grad's tracers)
])
def test_tracer_methods(name, transform):
    method, reference = METHODS[name]
    expected = reference(A)
    if transform == "jit":
        out = funcad.jit(method)(A)
    elif transform == "vmap":
        out = funcad.vmap(method)(np.stack([A, A * 2.0]))
        expected = np.stack([expected, reference(A * 2.0)])
    elif transform == "grad":
        seen = []
        funcad.grad(lambda x: (seen.append(method(x)), fnp.sum(x))[1])(A)
        out = seen[0]
        out = out.primal if hasattr(out, "primal") else out
    np.testing.assert_array_equal(np.asarray(out), expected)
    assert np.asarray(out).dtype == expected.dtype


def test_tracer_properties():
    def check(x):
        assert x.itemsize == 8 and x.nbytes == 64
        assert x.device == "cpu"
        assert x.weak_type is False
        with pytest.raises(NotImplementedError, match="flatten"):
            x.flat
        return fnp.sum(x)

    funcad.jit(check)(A)
    funcad.grad(check)(A)
    funcad.jit(lambda x: (None if x.weak_type else 1, x)[1])(1.0)
    assert funcad.make_jaxpr(lambda x: x.nbytes * x)(np.zeros(3, np.float32)) is not None


def test_tracer_tobytes():
    """Like ``tolist()``: an error for an abstract value, and for a differentiated one (it
    would drop the derivative)."""
    assert fnp.sin(A).tobytes() == np.sin(A).tobytes()
    with pytest.raises(DerivativeDropError, match="tobytes"):
        funcad.jvp(lambda x: (x.tobytes(), x)[1], (A,), (A,))
    with pytest.raises(ConcretizationTypeError, match="tobytes"):
        funcad.vmap(lambda x: (x.tobytes(), x)[1])(A)
    with pytest.raises(ConcretizationTypeError, match="tobytes"):
        funcad.jit(lambda x: (x.tobytes(), x)[1])(A)
    with pytest.raises(DerivativeDropError, match="tobytes"):
        funcad.grad(lambda x: (x.tobytes(), fnp.sum(x))[1])(A)


def test_ndarray_methods_keep_numpy_meaning():
    """An Array is an ndarray: its in-place methods stay NumPy's (``sort`` sorts in place and
    returns None), unlike a tracer's, which return new arrays as in JAX."""
    y = fnp.asarray(A.copy())
    assert y.sort() is None
    np.testing.assert_array_equal(y, np.sort(A))


def test_view_errors():
    with pytest.raises(ValueError, match="0-d"):
        funcad.jit(lambda x: x.view(np.float32))(1.0)
    with pytest.raises(ValueError, match="larger dtype"):
        funcad.jit(lambda x: x.view(np.uint32).view(np.complex128))(np.zeros(3))
    with pytest.raises(NotImplementedError, match="type"):
        funcad.jit(lambda x: x.view(np.int64, np.ndarray))(A)
    with pytest.raises(ValueError, match="immutable"):
        funcad.jit(lambda x: x.byteswap(inplace=True))(A)


def test_jax_array_methods_are_covered():
    """Every public jax.Array method or property that a tracer has in JAX exists here too
    (the device- and sharding-level ones are on the returned Array only)."""
    jax = pytest.importorskip("jax")

    names = {n for n in dir(jax.Array) if not n.startswith("_")}
    on_arrays_only = {"addressable_data", "addressable_shards", "global_shards", "sharding",
                      "is_fully_addressable", "is_fully_replicated", "committed",
                      "copy_to_host_async", "format"}
    missing = sorted(n for n in names - on_arrays_only if not hasattr(Tracer, n))
    assert missing == []
    missing_on_array = sorted(n for n in names - {"addressable_shards", "global_shards",
                                                  "sharding", "format"}
                              if not hasattr(Array, n))
    assert missing_on_array == []
