"""funcad.numpy.fft against numpy.fft (values, shapes, dtypes, n/s/axes/norm), its
derivatives (finite differences to second order in both modes, and JAX's numbers where the
complex convention matters), vmap and jit agreement, NumPy dispatch on tracers, and the
errors NumPy and JAX raise for bad arguments."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import strategies as S
from hypothesis import given
from hypothesis import strategies as st

import funcad
import funcad.numpy as fnp
from funcad.primitives.fft import fft as fft_primitive
from funcad.test_util import check_grads

F = fnp.fft

# jax.numpy.fft's public names (jax 0.10).
JAX_FFT_NAMES = [
    "fft", "fft2", "fftfreq", "fftn", "fftshift", "hfft", "ifft", "ifft2", "ifftn",
    "ifftshift", "ihfft", "irfft", "irfft2", "irfftn", "rfft", "rfft2", "rfftfreq", "rfftn",
]

NORMS = [None, "backward", "ortho", "forward"]
RNG = np.random.default_rng(0)


def _real(shape):
    return RNG.standard_normal(shape)


def _complex(shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def assert_same(actual, expected, rtol=1e-10):
    assert np.shape(actual) == np.shape(expected), (np.shape(actual), np.shape(expected))
    assert np.result_type(actual) == np.result_type(expected), (
        np.result_type(actual), np.result_type(expected))
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=rtol, atol=rtol)


def numpy_fft(name, *args, **kwargs):
    with warnings.catch_warnings():  # (NumPy's warning for s= without axes=)
        warnings.simplefilter("ignore", DeprecationWarning)
        return getattr(np.fft, name)(*args, **kwargs)


def test_names_cover_jax_numpy_fft():
    assert set(JAX_FFT_NAMES) <= set(F.__all__)
    assert "fft" in fnp.__all__ and fnp.fft is F
    for name in F.__all__:
        assert callable(getattr(F, name))


# ----------------------------------------------------------------------------------------------
# Values against NumPy.

ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
REAL_INPUT = {"rfft", "ihfft", "rfft2", "rfftn"}
N_D = ["fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn"]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", ONE_D)
@given(data=st.data())
def test_one_dimensional_values(name, norm, data):
    shape = data.draw(S.shapes(min_dims=1, max_dims=3, min_side=2, max_side=5))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = data.draw(st.none() | st.integers(1, 7))
    if n is None and name in ("irfft", "hfft") and shape[axis] < 2:
        n = 3
    x = _real(shape) if name in REAL_INPUT else _complex(shape)
    assert_same(getattr(F, name)(x, n=n, axis=axis, norm=norm),
                numpy_fft(name, x, n=n, axis=axis, norm=norm))


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", N_D)
@given(data=st.data())
def test_multidimensional_values(name, norm, data):
    shape = data.draw(S.shapes(min_dims=2, max_dims=4, min_side=2, max_side=4))
    ndim = len(shape)
    if name.endswith("2"):
        axes = data.draw(st.lists(st.integers(-ndim, ndim - 1), min_size=2, max_size=2,
                                  unique_by=lambda a: a % ndim).map(tuple) | st.just(None))
    else:
        axes = data.draw(st.none() | st.lists(st.integers(0, ndim - 1), min_size=1,
                                              max_size=ndim, unique=True).map(tuple))
    n_axes = 2 if name.endswith("2") else (ndim if axes is None else len(axes))
    s = data.draw(st.none() | st.lists(st.integers(1, 5), min_size=n_axes,
                                       max_size=n_axes).map(tuple))
    x = _real(shape) if name in REAL_INPUT else _complex(shape)
    kwargs = {"s": s, "norm": norm}
    if axes is not None:
        kwargs["axes"] = axes
    assert_same(getattr(F, name)(x, **kwargs), numpy_fft(name, x, **kwargs))


@pytest.mark.parametrize("name", ONE_D + N_D)
@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32, np.bool_, np.complex64])
def test_dtypes_follow_numpy(name, dtype):
    if dtype == np.complex64 and name in REAL_INPUT:
        return
    x = (RNG.standard_normal((3, 4)) > 0).astype(dtype)
    expected = numpy_fft(name, x)
    actual = getattr(F, name)(x)
    assert actual.dtype == expected.dtype
    rtol = 1e-2 if dtype == np.float16 else 1e-5
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol)


def test_size_zero_batch_and_empty_axes():
    x = np.ones((0, 4))
    assert_same(F.fft(x), np.fft.fft(x))
    assert_same(F.rfft(x), np.fft.rfft(x))
    assert_same(F.irfft(F.rfft(x), n=4), np.fft.irfft(np.fft.rfft(x), n=4))
    # No axes to transform: the input cast to the transform's dtype, as in JAX.
    y = _real((2, 3))
    assert_same(F.fftn(y, axes=()), y.astype(np.complex128))
    check_grads(lambda x: fnp.real(F.fftn(x)) * x, (np.float64(1.5),), order=2,
                modes=("rev", "fwd"))


@pytest.mark.parametrize("n", [1, 4, 5])
@pytest.mark.parametrize("d", [1.0, 0.25, 3])
def test_frequencies(n, d):
    assert_same(F.fftfreq(n, d), np.fft.fftfreq(n, d))
    assert_same(F.rfftfreq(n, d), np.fft.rfftfreq(n, d))
    assert F.fftfreq(n, d, dtype=np.float32).dtype == np.float32
    np.testing.assert_allclose(F.fftfreq(n, d, dtype=np.float32), np.fft.fftfreq(n, d),
                               rtol=1e-6)
    assert F.rfftfreq(n, d, dtype=np.complex128).dtype == np.complex128
    assert F.fftfreq(0).shape == (0,)


def test_frequencies_differentiate_in_d():
    grad = funcad.grad(lambda d: fnp.sum(F.fftfreq(5, d) ** 2))(0.5)
    k = np.fft.fftfreq(5)  # (fftfreq(n, d) = k / d, so the gradient is -2 sum(k^2) / d^3)
    np.testing.assert_allclose(grad, -2 * np.sum(k ** 2) / 0.5 ** 3)
    check_grads(lambda d: F.rfftfreq(6, d), (np.float64(0.7),), order=2, modes=("rev", "fwd"))


@pytest.mark.parametrize("axes", [None, 0, 1, (1,), (0, 1), (-1, 0), (1, 1)])
@pytest.mark.parametrize("shape", [(5,), (4, 5), (3, 1)])
def test_shifts(shape, axes):
    x = np.arange(np.prod(shape)).reshape(shape)
    if axes is not None and max(np.atleast_1d(axes)) >= len(shape):
        with pytest.raises(np.exceptions.AxisError):
            F.fftshift(x, axes)
        return
    assert_same(F.fftshift(x, axes), np.fft.fftshift(x, axes))
    assert_same(F.ifftshift(x, axes), np.fft.ifftshift(x, axes))
    y = _real(shape)
    check_grads(lambda y: F.fftshift(y, axes) * y, (y,), order=2, modes=("rev", "fwd"))
    assert_same(F.ifftshift(F.fftshift(y, axes), axes), y)


# ----------------------------------------------------------------------------------------------
# Derivatives.

# Real-to-real compositions that run every transform forward and backward.
REAL_FUNCTIONS = {
    "rfft-irfft": lambda x: F.irfft(F.rfft(x, n=7) * np.array([1.0, 2.0 - 1j, 0.5j, 3.0])),
    "rfft n crop": lambda x: F.irfft(F.rfft(x, n=4) ** 2, n=5),
    "rfft n pad ortho": lambda x: F.irfft(F.rfft(x, n=9, norm="ortho") * 1j, norm="forward"),
    "fft real part": lambda x: fnp.real(F.fft(x * x, axis=0)) + fnp.imag(F.ifft(x, norm="ortho")),
    "hfft": lambda x: F.hfft(F.ihfft(x) ** 2, n=6, norm="ortho"),
    "ihfft": lambda x: fnp.imag(F.ihfft(fnp.sin(x), n=4)) * 3.0,
    "fft2": lambda x: fnp.real(F.ifft2(F.fft2(x) ** 2, s=(2, 7))),
    "rfftn": lambda x: F.irfftn(F.rfftn(x, axes=(0,)) ** 2, axes=(1, 0), s=(4, 3)),
    "irfft2": lambda x: F.irfft2(F.rfft2(x, s=(3, 4)) * F.rfft2(x, s=(3, 4))),
    "shift power": lambda x: fnp.real(F.fftshift(F.fft(x))) ** 2 + fnp.imag(F.fft(x)) ** 2,
}


@pytest.mark.parametrize("name", sorted(REAL_FUNCTIONS))
@given(data=st.data())
def test_grads_of_real_compositions(name, data):
    f = REAL_FUNCTIONS[name]
    shape = data.draw(S.shapes(min_dims=2, max_dims=3, min_side=2, max_side=4))
    x = data.draw(S.arrays(shape))
    check_grads(f, (x,), order=2, modes=("rev", "fwd"))


def test_grads_of_complex_inputs():
    z = _complex((3, 4))

    def loss(x, y):
        c = x + 1j * y
        return fnp.sum(fnp.abs(F.fft(c)) ** 2) + fnp.sum(F.irfft(c, n=5) ** 3)

    check_grads(loss, (z.real, z.imag), order=2, modes=("rev", "fwd"))
    # Parseval: sum |fft(c)|^2 = n * sum |c|^2, so its gradient is 2 n c.
    g = funcad.grad(lambda x, y: fnp.sum(fnp.abs(F.fft(x + 1j * y)) ** 2), (0, 1))(z.real,
                                                                                   z.imag)
    np.testing.assert_allclose(g[0] + 1j * g[1], 2 * 4 * z)


COMPLEX_INPUT = {
    "fft": lambda z: F.fft(z, n=3),
    "ifft": lambda z: F.ifft(z, axis=0, norm="ortho"),
    "irfft": lambda z: F.irfft(z, n=4),
    "hfft": lambda z: F.hfft(z, n=3, axis=0, norm="forward"),
    "fft2": lambda z: F.fft2(z, s=(3, 3)),
    "ifftn": lambda z: F.ifftn(z, axes=(1,)),
    "irfftn": lambda z: F.irfftn(z, s=(2, 5)),
    "irfft2": lambda z: F.irfft2(z, axes=(1, 0)),
}


@pytest.mark.parametrize("name", sorted(COMPLEX_INPUT))
def test_grads_through_complex_inputs(name):
    """A complex input built from two real ones, a real loss of the (complex or real)
    transform: every part of the cotangent reaches x and y."""
    g = COMPLEX_INPUT[name]
    w = _complex((4, 5))

    def loss(x, y):
        out = g(x + 1j * y)
        out = out * w[: out.shape[0], : out.shape[1]]
        return fnp.real(out) ** 2 + fnp.imag(out) * fnp.real(out)

    check_grads(loss, (_real((2, 3)), _real((2, 3))), order=2, modes=("rev", "fwd"))


def test_grad_of_a_complex_input_matches_jax():
    w = np.array([0.5 - 1j, 2 + 0.25j])

    def loss(z):
        return (fnp.sum(fnp.real(F.fft(z) * w)) + fnp.sum(F.irfft(z, n=3) ** 2)
                + fnp.sum(F.hfft(z, axis=0) ** 3) + fnp.sum(fnp.imag(F.ifft2(z * z))))

    expected = [[10.541666666667 - 2.75j, 23.333333333333 - 3.916666666667j],
                [5.666666666667 - 0.75j, -10.833333333333 - 2.25j]]  # jax.grad, jax 0.10.2
    np.testing.assert_allclose(funcad.grad(loss)(C2), expected, atol=1e-10)


@given(fft_type=st.sampled_from(["FFT", "IFFT", "RFFT", "IRFFT"]),
       batch=S.shapes(min_dims=0, max_dims=2, min_side=0, max_side=3),
       lengths=st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple))
def test_primitive_transposes_and_tangents(fft_type, batch, lengths):
    """<L x, c> = <x, L^T c> for the real bilinear pairing (JAX's convention), and the
    tangent of the linear map is the map itself."""
    in_shape = batch + lengths
    if fft_type == "IRFFT":
        in_shape = in_shape[:-1] + (lengths[-1] // 2 + 1,)
    x = _real(in_shape) if fft_type == "RFFT" else _complex(in_shape)
    y, vjp = funcad.vjp(lambda x: fft_primitive(x, fft_type, lengths), x)
    assert_same(y, getattr(np.fft, fft_type.lower() + "n")(x, s=lengths,
                                                          axes=range(-len(lengths), 0)))
    c = _real(y.shape) if fft_type == "IRFFT" else _complex(y.shape)
    (x_bar,) = vjp(c)
    assert x_bar.dtype == x.dtype and x_bar.shape == x.shape
    np.testing.assert_allclose(np.real(np.sum(y * c)), np.real(np.sum(x * x_bar)),
                               atol=1e-9)
    _, tangent = funcad.jvp(lambda x: fft_primitive(x, fft_type, lengths), (x,), (x,))
    assert_same(tangent, y)


@pytest.mark.parametrize("name", ONE_D + N_D)
def test_single_precision_stays_single(name):
    x = _real((3, 4)).astype(np.float32)
    if name not in REAL_INPUT:
        x = (x + 1j * x[::-1]).astype(np.complex64)
    y, vjp = funcad.vjp(lambda a: getattr(F, name)(a), x)
    assert y.dtype == numpy_fft(name, x).dtype
    (x_bar,) = vjp(np.ones(y.shape, y.dtype))
    assert x_bar.dtype == x.dtype
    assert funcad.jvp(lambda a: getattr(F, name)(a), (x,), (x,))[1].dtype == y.dtype


def _jax_cotangent(y, k):
    r = np.cos(np.arange(y.size) * 0.7 + k).reshape(y.shape)
    if np.iscomplexobj(y):
        r = r + 1j * np.sin(np.arange(y.size) * 1.3 + k).reshape(y.shape)
    return r.astype(y.dtype)


X1 = np.array([0.5, -1.0, 2.0, 0.25, 1.5])
C1 = np.array([1 + 0.5j, -0.5 + 2j, 0.25 - 1j, 2 + 0.75j])
X2 = np.array([[0.5, -1.0, 2.0], [0.25, 1.5, -0.75]])
C2 = np.array([[1 + 0.5j, -0.5 + 2j], [0.25 - 1j, 2 + 0.75j]])

# jax.vjp of jax.numpy.fft.<name>(input, **kwargs) at the inputs above, with the cotangent
# _jax_cotangent(output, case index), computed with jax 0.10.2 (x64).
JAX_VJPS = [
    ("rfft", X1, {}, [1.934809330185, 2.318245321758, 0.509846760398, 0.357658055829,
                      -0.12055946817]),
    ("rfft", X1, {"n": 4}, [-0.325935903969, 2.023401233586, -0.068246915378, 0.531990809233,
                            0.0]),
    ("rfft", X1, {"n": 8, "norm": "ortho"}, [-0.980878068225, -0.744606149465, 0.302034053727,
                                             0.12266359535, 0.064859384659]),
    ("irfft", C1, {}, [0.015776581182, -0.530939921929 - 0.87108877845j,
                       -0.321783958126 - 0.182395131759j, -0.153045197728]),
    ("irfft", C1, {"n": 7}, [0.261258139609, -0.788682232551 + 0.167348059165j,
                             -0.086984476118 + 0.029874886906j,
                             -0.039235051803 + 0.007880582168j]),
    ("irfft", C1, {"n": 3, "norm": "forward"}, [2.111559889061,
                                                -1.260573332671 - 0.274481787532j, 0, 0]),
    ("hfft", C1, {}, [0.261291438466, 2.697185559299 - 5.475351471655j,
                      1.888586960277 - 1.146470345852j, 0.91395776186]),
    ("hfft", C1, {"n": 5, "norm": "ortho"}, [-0.666419995709, 1.521077265496 - 1.147175990429j,
                                             0.831119419315 - 0.205340616285j, 0]),
    ("ihfft", X1, {}, [-0.378767944288, 0.171190936726, -0.159903673282, 0.220401947727,
                       0.001578699308]),
    ("ihfft", X1, {"n": 6, "norm": "forward"}, [-2.330243372278, 0.161369279631,
                                                -0.092974719213, -0.613985666346,
                                                0.002535386433]),
    ("fft", X1, {}, [1.129168732757, -3.590910203609, -0.947040167053, -1.03864062384,
                     0.252064616363]),
    ("ifft", C1, {"n": 6}, [0.412511927757 - 0.188204470902j, -0.523140893122 - 0.183314759674j,
                            0.099464433439 + 0.074930823457j,
                            0.027965698315 - 0.016212321795j]),
    ("rfft2", X2, {}, [[2.544290298891, 1.416501457651, 0.587349370316],
                       [1.125587362202, 0.439850435336, -1.050455172001]]),
    ("irfft2", C2, {}, [[0.062547718799, 0.26126699382], [0.602862944152, -0.01923087532]]),
    ("irfftn", C2, {"s": (3, 3)}, [[0.001255002627, 0.001730626849 + 0.001268602369j],
                                   [-0.225594182191 - 0.35524727309j,
                                    0.450380046928 - 0.020987078157j]]),
    ("rfftn", X2, {"axes": (0,)}, [[-0.937496983982, -0.502012090561, 0.169576933206],
                                   [-0.581878841736, -1.497924496138, -1.70947285429]]),
]


@pytest.mark.parametrize("case", range(len(JAX_VJPS)))
def test_cotangents_match_jax(case):
    name, x, kwargs, expected = JAX_VJPS[case]
    y, vjp = funcad.vjp(lambda a: getattr(F, name)(a, **kwargs), x)
    (x_bar,) = vjp(_jax_cotangent(np.asarray(y), case))
    assert x_bar.dtype == x.dtype
    np.testing.assert_allclose(x_bar, np.array(expected, dtype=x.dtype), atol=1e-10)


# ----------------------------------------------------------------------------------------------
# vmap, jit and NumPy dispatch.

BATCHED = {
    "fft": lambda x: F.fft(x, n=5),
    "rfft": lambda x: F.rfft(x, axis=0),
    "irfft": lambda x: F.irfft(x, n=4, norm="ortho"),
    "hfft": lambda x: F.hfft(x, axis=0),
    "ihfft": lambda x: F.ihfft(x),
    "fft2": lambda x: F.fft2(x, s=(3, 2)),
    "rfftn": lambda x: F.rfftn(x, axes=(1, 0)),
    "irfftn": lambda x: F.irfftn(x),
    "fftshift": lambda x: F.fftshift(x, axes=0),
}


@pytest.mark.parametrize("in_axis", [0, 1, 2])
@pytest.mark.parametrize("name", sorted(BATCHED))
def test_vmap_and_jit_agree(name, in_axis):
    f = BATCHED[name]
    xs = _real((3, 4, 5)) if name in ("rfft", "ihfft", "rfftn") else _complex((3, 4, 5))
    expected = np.stack([f(np.take(xs, i, axis=in_axis)) for i in range(xs.shape[in_axis])])
    assert_same(funcad.vmap(f, in_axes=in_axis)(xs), expected)
    assert_same(funcad.jit(f)(xs), f(xs))
    assert_same(funcad.jit(funcad.vmap(f, in_axes=in_axis))(xs), expected)


def test_vmap_and_jit_of_gradients():
    def loss(x):
        return fnp.sum(F.irfft(F.rfft(x) * (1.0 + 2j), n=6) * x)

    xs = _real((3, 6))
    expected = np.stack([funcad.grad(loss)(x) for x in xs])
    np.testing.assert_allclose(funcad.vmap(funcad.grad(loss))(xs), expected)
    np.testing.assert_allclose(funcad.jit(funcad.vmap(funcad.grad(loss)))(xs), expected)
    # d/dx sum(irfft(rfft(x) * a) * x) = 2 Re(a) x for a scalar a (the map is (Re a) x).
    np.testing.assert_allclose(expected, 2 * xs)


def test_one_primitive_per_transform():
    jaxpr = funcad.make_jaxpr(lambda x: F.fft(x))(_complex((4,)))
    assert [eqn.primitive.name for eqn in jaxpr.jaxpr.eqns] == ["fft"]
    jaxpr = funcad.make_jaxpr(lambda x: F.rfftn(x, axes=(0, 1)))(_real((3, 4, 2)))
    assert sum(eqn.primitive.name == "fft" for eqn in jaxpr.jaxpr.eqns) == 1


def test_numpy_dispatch_on_tracers():
    def loss(x):
        return np.sum(np.fft.irfft(np.fft.rfft(x) * 2.0, n=5) * x)

    x = _real((5,))
    np.testing.assert_allclose(funcad.grad(loss)(x), 4 * x)
    np.testing.assert_allclose(funcad.jit(lambda x: np.fft.fftshift(np.fft.fft(x)))(x),
                               np.fft.fftshift(np.fft.fft(x)))


# ----------------------------------------------------------------------------------------------
# Bad arguments.


@pytest.mark.parametrize("call, error", [
    (lambda: F.fft(_complex((4,)), norm="bad"), ValueError),
    (lambda: F.irfftn(_complex((4, 3)), norm="Ortho"), ValueError),
    (lambda: F.fft(_complex((4,)), n=0), ValueError),
    (lambda: F.rfft(_real((4,)), n=-2), ValueError),
    (lambda: F.fft(_complex((4,)), n=2.5), TypeError),
    (lambda: F.fftn(_complex((3, 4)), s=(0, 2)), ValueError),
    (lambda: F.fftn(_complex((3, 4)), s=(2,), axes=(0, 1)), ValueError),
    (lambda: F.fftn(_complex((3, 4)), s=(2, 2, 2)), ValueError),
    (lambda: F.fft(_complex((4,)), axis=1), np.exceptions.AxisError),
    (lambda: F.fft(np.float64(1.0)), np.exceptions.AxisError),
    (lambda: F.fftn(_complex((3, 4)), axes=(0, 2)), IndexError),
    (lambda: F.fftn(_complex((3, 4)), axes=(0, 0)), ValueError),
    (lambda: F.fft(_complex((3, 4)), axis=(0, 1)), ValueError),
    (lambda: F.rfft(_real((3, 4)), axis=None), TypeError),
    (lambda: F.fft2(np.ones((2, 2, 2)), axes=(0, 1, 2)), ValueError),
    (lambda: F.rfft(_complex((4,))), TypeError),
    (lambda: F.ihfft(_complex((4,))), TypeError),
    (lambda: F.irfft(np.ones(1, complex)), ValueError),
    (lambda: F.fft(np.ones((4, 0))), ValueError),
    (lambda: F.fft(_real((4,)), out=np.zeros(4, complex)), TypeError),
    (lambda: F.fftfreq(4.5), ValueError),
    (lambda: F.fftfreq([4]), ValueError),
    (lambda: F.rfftfreq(4, d=[1.0, 2.0]), ValueError),
    (lambda: F.fftshift(np.ones(3), axes=1), np.exceptions.AxisError),
])
def test_bad_arguments_are_refused(call, error):
    with pytest.raises(error) as info:
        call()
    assert "funcad.numpy.fft." in str(info.value)


def test_numpy_refuses_the_same():
    """The refusals above that NumPy makes too, with the same exception types."""
    with pytest.raises(ValueError):
        np.fft.fft(np.ones(4), norm="bad")
    with pytest.raises(ValueError):
        np.fft.fft(np.ones(4), n=0)
    with pytest.raises(TypeError):
        np.fft.fft(np.ones(4), n=2.5)
    with pytest.raises(TypeError):
        np.fft.rfft(np.ones(4, complex))
    with pytest.raises(IndexError):
        np.fft.fft(np.ones(4), axis=1)
    with pytest.raises(ValueError):
        np.fft.irfft(np.ones(1, complex))
    with pytest.raises(ValueError):
        np.fft.fftfreq(4.5)


def test_lengths_need_concrete_values_under_jit():
    with pytest.raises(funcad.errors.ConcretizationTypeError):
        funcad.jit(lambda x, n: F.fft(x, n=n))(_complex((4,)), 3)


@pytest.mark.parametrize("name", sorted(COMPLEX_INPUT))
def test_check_grads_on_complex_inputs_directly(name):
    """The transforms of a complex argument, complex in and (mostly) complex out, checked by
    check_grads itself with complex directions."""
    check_grads(COMPLEX_INPUT[name], (_complex((2, 3)),), order=2, modes=("rev", "fwd"))
