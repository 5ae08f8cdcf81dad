"""funcad.scipy.signal: convolve, correlate, convolve2d, correlate2d, fftconvolve, detrend,
stft, istft, csd and welch against SciPy (every mode, 1-d to 3-d, either operand the larger,
complex), second-order derivatives in both modes, vmap and jit agreement, dtypes (integers
stay integers in the direct method, as SciPy's; JAX makes them floats) and SciPy's errors.
JAX's numbers for correlate2d were recorded with jax 0.10.2 (x64); test_live_jax rechecks
them, and the spectral estimates, when JAX is installed.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss
import strategies as S
from hypothesis import given, settings
from strategies import Domain

import funcad
import funcad.scipy.signal as fs
from funcad.test_util import check_grads

BOTH = ("fwd", "rev")
MODES = ("full", "same", "valid")

X = np.array([[0.5, -1.0, 2.0, 0.25], [1.5, 0.3, -0.7, 1.0], [0.2, 0.9, -1.1, 0.4]])
K = np.array([[1.0, -0.5], [0.25, 2.0]])
CORRELATE2D_JAX = {
    "full": [[1.0, -1.875, 3.75, 1.0, 0.0625], [2.75, 1.975, -3.325, 3.7, 0.5],
             [-0.35, 3.2, -1.325, -0.675, 1.1], [-0.1, -0.25, 1.45, -1.3, 0.4]],
    "same": [[1.975, -3.325, 3.7, 0.5], [3.2, -1.325, -0.675, 1.1],
             [-0.25, 1.45, -1.3, 0.4]],
    "valid": [[1.975, -3.325, 3.7], [3.2, -1.325, -0.675]],
}

SHAPE_PAIRS = [((7,), (3,)), ((2,), (5,)), ((1,), (1,)), ((4, 5), (2, 3)), ((2, 3), (4, 5)),
               ((3, 3, 2), (2, 2, 2)), ((3, 2), (5, 4))]
N_D = {"convolve": (fs.convolve, ss.convolve), "correlate": (fs.correlate, ss.correlate),
       "fftconvolve": (fs.fftconvolve, ss.fftconvolve)}


def _valid_possible(s1, s2):
    return all(a >= b for a, b in zip(s1, s2)) or all(a <= b for a, b in zip(s1, s2))


@pytest.mark.parametrize("name", sorted(N_D))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shapes", SHAPE_PAIRS)
def test_matches_scipy(name, mode, shapes):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    ours, theirs = N_D[name]
    if mode == "valid" and not _valid_possible(*shapes):
        with pytest.raises(ValueError, match="valid"):
            ours(a, b, mode)
        return
    want = theirs(a, b, mode)
    got = ours(a, b, mode)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_methods_complex_and_two_d(mode):
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4, 5)) + 1j * rng.normal(size=(4, 5))
    b = rng.normal(size=(2, 3)) - 0.5j * rng.normal(size=(2, 3))
    for ours, theirs in ((fs.convolve, ss.convolve), (fs.correlate, ss.correlate)):
        for method in ("auto", "direct", "fft"):
            np.testing.assert_allclose(ours(a, b, mode, method=method),
                                       theirs(a, b, mode, method=method), atol=1e-12)
    np.testing.assert_allclose(fs.convolve2d(a, b, mode), ss.convolve2d(a, b, mode),
                               atol=1e-12)
    np.testing.assert_allclose(fs.correlate2d(a, b, mode), ss.correlate2d(a, b, mode),
                               atol=1e-12)
    np.testing.assert_allclose(fs.fftconvolve(a, b, mode), ss.fftconvolve(a, b, mode),
                               atol=1e-12)
    np.testing.assert_allclose(fs.correlate2d(X, K, mode), CORRELATE2D_JAX[mode], atol=1e-14)
    for kernel_shape in ((4, 4), (1, 2), (5, 6)):  # even sizes, and larger than in1
        k = rng.normal(size=kernel_shape)
        np.testing.assert_allclose(fs.correlate2d(a, k, mode), ss.correlate2d(a, k, mode),
                                   atol=1e-12)
        np.testing.assert_allclose(fs.convolve2d(a, k, mode), ss.convolve2d(a, k, mode),
                                   atol=1e-12)


def test_fftconvolve_axes():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(3, 6)), rng.normal(size=(1, 4))
    for mode in MODES:
        np.testing.assert_allclose(fs.fftconvolve(a, b, mode, axes=1),
                                   ss.fftconvolve(a, b, mode, axes=1), atol=1e-12)
        np.testing.assert_allclose(fs.fftconvolve(a, b[[0, 0, 0]], mode, axes=[-1]),
                                   ss.fftconvolve(a, b[[0, 0, 0]], mode, axes=[-1]),
                                   atol=1e-12)
    with pytest.raises(ValueError, match="match or be 1"):
        fs.fftconvolve(a, rng.normal(size=(2, 4)), axes=1)
    with pytest.raises(ValueError, match="axes"):
        fs.fftconvolve(a, b, axes=2)


def test_dtypes_and_edge_shapes():
    ints = fs.convolve(np.array([1, 2, 3]), np.array([1, 1]))
    assert ints.dtype == np.int64  # SciPy's dtype; JAX gives float64
    np.testing.assert_array_equal(ints, [1, 3, 5, 3])
    assert fs.fftconvolve(np.arange(3), np.arange(2)).dtype == np.float64
    f32 = np.ones(3, np.float32)
    assert fs.convolve(f32, f32).dtype == np.float32
    assert fs.fftconvolve(f32, f32).dtype == np.float32
    assert fs.correlate(f32, np.ones(2)).dtype == np.float64
    np.testing.assert_allclose(fs.convolve(np.float64(2.0), np.float64(3.0)), 6.0)
    for f in (fs.convolve, fs.fftconvolve, fs.correlate2d):
        with pytest.raises(ValueError, match="zero-size"):
            f(np.ones((0, 2)), np.ones((2, 2)))
    np.testing.assert_allclose(fs.convolve(np.ones((1, 1)), np.ones((1, 1)), "same"), [[1.0]])


def test_blocks_of_taps(monkeypatch):
    """With a small window budget the direct method sums blocks of kernel taps."""
    from funcad.scipy import _signal

    monkeypatch.setattr(_signal, "_WINDOW_ELEMENTS", 40)
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(9, 8)), rng.normal(size=(5, 4))
    for mode in MODES:
        np.testing.assert_allclose(fs.convolve(a, b, mode), ss.convolve(a, b, mode), atol=1e-12)
        np.testing.assert_allclose(fs.correlate2d(a, b, mode), ss.correlate2d(a, b, mode),
                                   atol=1e-12)
    check_grads(lambda a, b: fs.convolve(a, b, "same"), (a[:4, :4], b[:3, :2]), order=2,
                modes=BOTH)


@pytest.mark.parametrize("kwargs", [{}, {"bp": [3, 7]}, {"bp": [0, 3, 3, 10]}, {"bp": [9]},
                                    {"type": "constant"}, {"axis": 0}, {"axis": 0, "bp": [1]}])
def test_detrend(kwargs):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(3, 10))
    np.testing.assert_allclose(fs.detrend(x, **kwargs), ss.detrend(x, **kwargs), atol=1e-13)
    z = x + 1j * rng.normal(size=(3, 10))
    np.testing.assert_allclose(fs.detrend(z, **kwargs), ss.detrend(z, **kwargs), atol=1e-13)
    check_grads(lambda x: fs.detrend(x, **kwargs), (x,), order=2, modes=BOTH)
    np.testing.assert_allclose(funcad.vmap(lambda row: fs.detrend(row, bp=[4]))(x),
                               ss.detrend(x, bp=[4]), atol=1e-13)
    assert fs.detrend(np.arange(5)).dtype == np.float64
    assert fs.detrend(np.ones(5, np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="linear"):
        fs.detrend(x, type="quadratic")
    with pytest.raises(ValueError, match="breakpoints"):
        fs.detrend(x, bp=[11])


def test_errors():
    with pytest.raises(ValueError, match="same dimensionality"):
        fs.convolve(np.ones((3, 2)), np.ones(3))
    with pytest.raises(ValueError, match="mode"):
        fs.correlate(np.ones(3), np.ones(3), "middle")
    with pytest.raises(ValueError, match="method"):
        fs.convolve(np.ones(3), np.ones(3), method="overlap")
    with pytest.raises(ValueError, match="2-D"):
        fs.convolve2d(np.ones(3), np.ones(3))
    with pytest.raises(NotImplementedError, match="boundary"):
        fs.convolve2d(np.ones((3, 3)), np.ones((2, 2)), boundary="wrap")
    with pytest.raises(NotImplementedError, match="fillvalue"):
        fs.correlate2d(np.ones((3, 3)), np.ones((2, 2)), fillvalue=1.0)
    with pytest.raises(ValueError, match="valid"):
        fs.convolve(np.ones((3, 2)), np.ones((2, 3)), "valid")


GRADS = {
    "convolve": fs.convolve, "correlate": fs.correlate, "fftconvolve": fs.fftconvolve,
    "convolve2d": fs.convolve2d, "correlate2d": fs.correlate2d,
    "convolve_fft": lambda a, b, mode: fs.convolve(a, b, mode, method="fft"),
}


@pytest.mark.parametrize("name", sorted(GRADS))
@pytest.mark.parametrize("mode", MODES)
def test_check_grads(name, mode):
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(4, 5)), rng.normal(size=(2, 3))
    f = GRADS[name]
    check_grads(lambda a, b: f(a, b, mode), (a, b), order=2, modes=BOTH)


def test_check_grads_complex_and_one_d():
    rng = np.random.default_rng(4)
    a = rng.normal(size=6) + 1j * rng.normal(size=6)
    b = rng.normal(size=3) + 1j * rng.normal(size=3)
    check_grads(lambda a, b: fs.correlate(a, b, "same"), (a, b), order=2, modes=BOTH)
    check_grads(lambda a, b: fs.fftconvolve(a, b), (a, b), order=2, modes=BOTH)


@settings(max_examples=10)
@given(a=S.arrays((5,), Domain(-2, 2)), b=S.arrays((3,), Domain(-2, 2)))
def test_drawn_values_and_grads(a, b):
    np.testing.assert_allclose(fs.convolve(a, b), ss.convolve(a, b), atol=1e-12)
    check_grads(lambda a, b: fs.correlate(a, b, "valid"), (a, b), order=2, modes=BOTH)


@pytest.mark.parametrize("name", ["convolve", "correlate", "fftconvolve", "convolve2d",
                                  "correlate2d"])
def test_vmap_and_jit_agree(name):
    rng = np.random.default_rng(5)
    xs, ks = rng.normal(size=(3, 5, 6)), rng.normal(size=(3, 2, 3))
    f = getattr(fs, name)
    for mode in MODES:
        def g(x, k, mode=mode):
            return f(x, k, mode)

        stacked = np.stack([g(x, k) for x, k in zip(xs, ks)])
        np.testing.assert_allclose(funcad.vmap(g)(xs, ks), stacked, atol=1e-12)
        np.testing.assert_allclose(funcad.jit(g)(xs[0], ks[0]), stacked[0], atol=1e-12)


def test_live_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    js = pytest.importorskip("jax.scipy.signal")
    for mode in MODES:
        np.testing.assert_allclose(js.correlate2d(X, K, mode), CORRELATE2D_JAX[mode],
                                   atol=1e-14)
        np.testing.assert_allclose(fs.convolve(X, K, mode), js.convolve(X, K, mode),
                                   atol=1e-13)
    _close(fs.welch(_SIGNAL, nperseg=8, axis=1), js.welch(_SIGNAL, nperseg=8, axis=1))
    _close(fs.stft(_SIGNAL, nperseg=8, axis=1), js.stft(_SIGNAL, nperseg=8, axis=1))
    _close(fs.csd(_SIGNAL, _OTHER, nperseg=8, axis=1, average="median"),
           js.csd(_SIGNAL, _OTHER, nperseg=8, axis=1, average="median"))
    np.testing.assert_allclose(fs.detrend(_SIGNAL, bp=[1]), js.detrend(_SIGNAL, bp=[1]),
                               atol=1e-13)


_SIGNAL = np.random.default_rng(8).normal(size=(2, 40, 3))
_OTHER = np.random.default_rng(9).normal(size=(2, 40, 3))
STFT_CASES = [
    dict(nperseg=8, axis=1), dict(nperseg=8), dict(nperseg=7, noverlap=3, nfft=10, axis=1),
    dict(nperseg=8, boundary=None, padded=False, axis=1), dict(nperseg=8, boundary="even", axis=1),
    dict(nperseg=8, boundary="odd", axis=1),
    dict(nperseg=8, boundary="constant", axis=1, detrend="linear"),
    dict(nperseg=8, scaling="psd", fs=3.0, axis=1),
    dict(nperseg=8, window="hamming", axis=1, return_onesided=False),
    dict(nperseg=9, window=("tukey", 0.3), axis=1),
]
WELCH_CASES = [
    dict(nperseg=8, axis=1), dict(), dict(nperseg=7, noverlap=2, nfft=9, axis=1,
                                          scaling="spectrum"),
    dict(nperseg=8, axis=1, average="median"), dict(nperseg=8, axis=1, detrend="linear", fs=2.0),
    dict(nperseg=8, axis=1, detrend=False, window="blackman"),
    dict(nperseg=8, axis=1, return_onesided=False), dict(nperseg=8, window="bartlett", axis=1),
]


def _close(ours, theirs):
    for a, b in zip(ours, theirs):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, atol=1e-12)


@pytest.mark.filterwarnings("ignore:.*nperseg")
@pytest.mark.parametrize("kwargs", STFT_CASES, ids=str)
def test_stft_matches_scipy(kwargs):
    _close(fs.stft(_SIGNAL, **kwargs), ss.stft(_SIGNAL, **kwargs))
    z = _SIGNAL + 1j * _OTHER
    _close(fs.stft(z, **kwargs), ss.stft(z, **dict(kwargs, return_onesided=False)))


@pytest.mark.filterwarnings("ignore:.*nperseg")
@pytest.mark.parametrize("kwargs", WELCH_CASES, ids=str)
def test_welch_and_csd_match_scipy(kwargs):
    _close(fs.welch(_SIGNAL, **kwargs), ss.welch(_SIGNAL, **kwargs))
    _close(fs.csd(_SIGNAL, _OTHER, **kwargs), ss.csd(_SIGNAL, _OTHER, **kwargs))
    z = _SIGNAL + 1j * _OTHER
    two_sided = dict(kwargs, return_onesided=False)
    _close(fs.welch(z, **kwargs), ss.welch(z, **two_sided))
    _close(fs.csd(z, _SIGNAL, **kwargs), ss.csd(z, _SIGNAL, **two_sided))


def test_spectral_derivatives_vmap_jit_and_errors():
    x = _SIGNAL[0, :24, 0]
    check_grads(lambda x: fs.welch(x, nperseg=8)[1], (x,), order=2, modes=BOTH)
    check_grads(lambda x: fs.welch(x, nperseg=8, average="median")[1], (x,), order=1,
                modes=BOTH)
    check_grads(lambda x, y: fs.csd(x, y, nperseg=6, detrend="linear")[1],
                (x, _OTHER[0, :24, 0]), order=2, modes=BOTH)
    check_grads(lambda x: fs.stft(x, nperseg=8)[2], (x,), order=2, modes=BOTH)
    rows = _SIGNAL[:, :, 0]
    np.testing.assert_allclose(funcad.vmap(lambda r: fs.welch(r, nperseg=8)[1])(rows),
                               ss.welch(rows, nperseg=8)[1], atol=1e-12)
    np.testing.assert_allclose(funcad.jit(lambda r: fs.stft(r, nperseg=8)[2])(rows),
                               ss.stft(rows, nperseg=8)[2], atol=1e-12)
    with pytest.warns(UserWarning, match="nperseg"):
        fs.welch(np.ones(10))
    with pytest.raises(ValueError, match="noverlap"):
        fs.stft(np.ones(10), nperseg=4, noverlap=4)
    with pytest.raises(ValueError, match="nfft"):
        fs.welch(np.ones(10), nperseg=4, nfft=3)
    with pytest.raises(ValueError, match="boundary"):
        fs.stft(np.ones(10), nperseg=4, boundary="wrap")
    with pytest.raises(ValueError, match="average"):
        fs.welch(np.ones(10), nperseg=4, average="max")
    with pytest.raises(ValueError, match="window"):
        fs.welch(np.ones(10), nperseg=4, window=np.ones(3))


@pytest.mark.filterwarnings("ignore:.*NOLA")
@pytest.mark.parametrize("kwargs", [dict(nperseg=8), dict(nperseg=7), dict(nperseg=8, noverlap=6),
                                    dict(nperseg=8, nfft=12), dict(nperseg=8, window="hamming"),
                                    dict(nperseg=8, boundary=False),
                                    dict(nperseg=8, scaling="psd", fs=2.0)], ids=str)
def test_istft_matches_scipy_and_inverts_stft(kwargs):
    x = _SIGNAL[:, :, 0]
    forward = {k: v for k, v in kwargs.items() if k != "boundary"}
    if kwargs.get("boundary", True) is False:
        forward["boundary"] = None
    _, _, zxx = ss.stft(x, **forward)
    t, out = fs.istft(zxx, **kwargs)
    want_t, want = ss.istft(zxx, **kwargs)
    np.testing.assert_allclose(out, want, atol=1e-12)
    np.testing.assert_allclose(t, np.arange(out.shape[-1]) / kwargs.get("fs", 1.0))
    if kwargs.get("boundary", True):
        np.testing.assert_allclose(out[..., :40], x, atol=1e-12)
    check_grads(lambda z: fs.istft(z, **kwargs)[1], (zxx[0],), order=2, modes=BOTH)


def test_istft_axes_two_sided_vmap_and_jit():
    x = _SIGNAL[:, :, 0]
    _, _, zxx = ss.stft(x.T, nperseg=8, axis=0)  # (freq, 3, time)
    np.testing.assert_allclose(fs.istft(zxx, nperseg=8, time_axis=-1, freq_axis=0)[1],
                               ss.istft(zxx, nperseg=8, time_axis=-1, freq_axis=0)[1],
                               atol=1e-12)
    z = x[0] + 1j * x[1]
    _, _, zc = ss.stft(z, nperseg=8, return_onesided=False)
    np.testing.assert_allclose(fs.istft(zc, nperseg=8, input_onesided=False)[1], z[:40],
                               atol=1e-12)
    _, _, stacked = ss.stft(x, nperseg=8)
    np.testing.assert_allclose(funcad.vmap(lambda s: fs.istft(s, nperseg=8)[1])(stacked),
                               ss.istft(stacked, nperseg=8)[1], atol=1e-12)
    np.testing.assert_allclose(funcad.jit(lambda s: fs.istft(s, nperseg=8)[1])(stacked),
                               ss.istft(stacked, nperseg=8)[1], atol=1e-12)
    with pytest.raises(ValueError, match="time_axis and freq_axis"):
        fs.istft(stacked, time_axis=1, freq_axis=1)
    with pytest.warns(UserWarning, match="NOLA"):
        fs.istft(stacked, nperseg=8, boundary=False)


def test_name_coverage():
    jax_names = ["convolve", "convolve2d", "correlate", "correlate2d", "csd", "detrend",
                 "fftconvolve", "istft", "stft", "welch"]
    assert sorted(fs.__all__) == jax_names
