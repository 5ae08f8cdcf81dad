"""funcad.scipy.integrate.odeint against SciPy's solve_ivp, closed forms, finite differences
and numbers recorded from jax.experimental.ode.odeint (x64)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
import scipy.linalg

import funcad
import funcad.numpy as fnp
from funcad.scipy.integrate import odeint
from funcad.test_util import check_grads

TIGHT = dict(rtol=1e-10, atol=1e-10)


def lotka_volterra(y, t, a, b, c, d):
    return fnp.stack([a * y[0] - b * y[0] * y[1], c * y[0] * y[1] - d * y[1]])


def pendulum(state, t, damping, length):
    """A pytree state: the angle and the angular velocity."""
    return {"theta": state["omega"],
            "omega": -damping * state["omega"] - 9.81 / length * fnp.sin(state["theta"])}


def solve_ivp(rhs, y0, t):
    out = scipy.integrate.solve_ivp(lambda s, y: rhs(y, s), (t[0], t[-1]), y0, t_eval=t,
                                    rtol=1e-12, atol=1e-12, method="DOP853")
    return out.y.T


LV_T = np.linspace(0.0, 3.0, 4)
LV_ARGS = (1.5, 1.0, 1.0, 3.0)
# jax.experimental.ode.odeint(lotka_volterra, [1., 1.], linspace(0, 3, 4), 1.5, 1., 1., 3.)
JAX_LV = np.array([[1.0, 1.0],
                   [2.7728509386292197, 0.25871088018783545],
                   [6.777189178130186, 2.01275390690942],
                   [0.9703304237727186, 1.9098537375796947]])
# ... with mxstep=3 (each interval stops after three steps, accepted or not)
JAX_LV_MXSTEP3 = np.array([[1.0, 1.0],
                           [2.8417915275062207, 0.28732433971561266],
                           [9.849983553079925, 1.7865825566488283],
                           [27.424418656307125, 7.469916484018287]])
# ... with hmax=0.1, rtol=atol=1e-3
JAX_LV_HMAX = np.array([[1.0, 1.0],
                        [2.7728509556051466, 0.25871090273204417],
                        [6.777182780398525, 2.0127608960012804],
                        [0.9703278078297402, 1.9098448979813754]])
# ... with rtol=atol=1e-3
JAX_LV_LOOSE = np.array([[1.0, 1.0],
                         [2.8035194641084917, 0.2498619677788014],
                         [6.82299911915916, 2.0808836419993857],
                         [0.9268814400172859, 1.8740128651331633]])
# jax.grad of sum(odeint(lotka_volterra, y0, t, a, 1., 1., 3.) ** 2) in (y0, t, a)
JAX_LV_GRAD = (np.array([-53.94966556931784, -5.478049125877168]),
               np.array([13.018738124211936, 19.057398317272586, -16.4977409329777,
                         -15.578395508506825]),
               -9.079011557569666)


def test_exponential_decay_matches_the_closed_form_and_solve_ivp():
    t = np.linspace(0.0, 2.0, 7)
    y0 = np.array([1.0, -2.0, 0.5])
    rates = np.array([0.3, 1.0, 2.5])
    ys = odeint(lambda y, t, k: -k * y, y0, t, rates)
    assert ys.shape == (7, 3) and ys.dtype == np.float64
    np.testing.assert_allclose(ys, y0 * np.exp(-np.outer(t, rates)), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ys, solve_ivp(lambda y, s: -rates * y, y0, t), rtol=1e-6,
                               atol=1e-8)
    tight = odeint(lambda y, t, k: -k * y, y0, t, rates, **TIGHT)
    np.testing.assert_allclose(tight, y0 * np.exp(-np.outer(t, rates)), rtol=1e-8, atol=1e-10)


def test_lotka_volterra_matches_solve_ivp_and_jax():
    ys = odeint(lotka_volterra, np.array([1.0, 1.0]), LV_T, *LV_ARGS)
    np.testing.assert_allclose(ys, JAX_LV, rtol=1e-12)
    reference = solve_ivp(lambda y, s: np.asarray(lotka_volterra(y, s, *LV_ARGS)), [1.0, 1.0],
                          LV_T)
    np.testing.assert_allclose(ys, reference, rtol=1e-6)
    np.testing.assert_allclose(odeint(lotka_volterra, np.array([1.0, 1.0]), LV_T, *LV_ARGS,
                                      **TIGHT), reference, rtol=1e-9)


@pytest.mark.parametrize("options, expected, rtol", [
    # (an interval cut short by mxstep extrapolates the last step's polynomial far beyond
    # it, which magnifies rounding differences)
    (dict(mxstep=3), JAX_LV_MXSTEP3, 1e-6),
    (dict(hmax=0.1, rtol=1e-3, atol=1e-3), JAX_LV_HMAX, 1e-9),
    (dict(rtol=1e-3, atol=1e-3), JAX_LV_LOOSE, 1e-9),
])
def test_solver_options_match_jax(options, expected, rtol):
    ys = odeint(lotka_volterra, np.array([1.0, 1.0]), LV_T, *LV_ARGS, **options)
    np.testing.assert_allclose(ys, expected, rtol=rtol)
    assert np.abs(ys - JAX_LV).max() > 1e-6  # (the options changed the steps)


def test_pendulum_pytree_state_matches_solve_ivp():
    t = np.linspace(0.0, 4.0, 9)
    state = {"theta": np.array(2.0), "omega": np.array(0.0)}
    out = odeint(pendulum, state, t, 0.2, 1.5, **TIGHT)
    assert set(out) == {"theta", "omega"} and out["theta"].shape == (9,)

    def rhs(y, s):
        d = pendulum({"theta": y[0], "omega": y[1]}, s, 0.2, 1.5)
        return [d["theta"], d["omega"]]

    reference = solve_ivp(rhs, [2.0, 0.0], t)
    np.testing.assert_allclose(out["theta"], reference[:, 0], rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(out["omega"], reference[:, 1], rtol=1e-8, atol=1e-8)


def test_leaves_keep_their_shapes_and_dtypes():
    t = np.linspace(0.0, 1.0, 3)
    out = odeint(lambda s, t: (-s[0], s[0] * s[1]), (np.float32(1.0), np.ones((2, 1))), t)
    assert out[0].shape == (3,) and out[0].dtype == np.float32
    assert out[1].shape == (3, 2, 1) and out[1].dtype == np.float64
    ints = odeint(lambda y, t: -y, np.array([1, 2]), t)  # (integers become floats)
    assert ints.dtype == np.float64
    np.testing.assert_allclose(ints[-1], [np.exp(-1), 2 * np.exp(-1)], rtol=1e-7)
    t32 = t.astype(np.float32)
    ys32 = odeint(lambda y, t: -y, np.ones(2, np.float32), t32)
    assert ys32.dtype == np.float32
    np.testing.assert_allclose(ys32[:, 0], np.exp(-t32), rtol=1e-6)
    g32 = funcad.grad(lambda y0: fnp.sum(odeint(lambda y, t: -y, y0, t32)))(np.ones(2, np.float32))
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, np.exp(-t32).sum(), rtol=1e-6)
    rotation = odeint(lambda y, t: 1j * y, np.array([1.0 + 0j]), t, **TIGHT)
    assert rotation.dtype == np.complex128
    np.testing.assert_allclose(rotation[:, 0], np.exp(1j * t), rtol=1e-9)
    single = odeint(lambda y, t: -y, np.array([1.0]), np.array([0.5]))
    np.testing.assert_array_equal(single, [[1.0]])
    # a time-dependent field: y' = cos(t) y, y = exp(sin t)
    ys = odeint(lambda y, t: fnp.cos(t) * y, 1.0, np.linspace(0.0, 3.0, 5), **TIGHT)
    np.testing.assert_allclose(ys, np.exp(np.sin(np.linspace(0.0, 3.0, 5))), rtol=1e-9)


def test_gradients_match_recorded_jax():
    def loss(y0, t, a):
        return fnp.sum(odeint(lotka_volterra, y0, t, a, 1.0, 1.0, 3.0) ** 2)

    grads = funcad.grad(loss, argnums=(0, 1, 2))(np.array([1.0, 1.0]), LV_T, 1.5)
    for got, want in zip(grads, JAX_LV_GRAD):
        np.testing.assert_allclose(got, want, rtol=1e-7)


def test_linear_ode_gradients_match_the_matrix_exponential():
    """y' = A y: y(T) = expm(A T) y0, so for L = w . y(T): dL/dy0 = expm(A T)^T w,
    dL/dA = the Frechet derivative of expm transposed, dL/dT = w . A y(T)."""
    rng = np.random.default_rng(1)
    a = 0.5 * rng.standard_normal((3, 3))
    y0, w, big_t = rng.standard_normal(3), rng.standard_normal(3), 1.3

    def loss(y0, a, t):
        ys = odeint(lambda y, s, a: a @ y, y0, fnp.stack([0.0, t]), a, **TIGHT)
        return fnp.dot(w, ys[-1])

    g_y0, g_a, g_t = funcad.grad(loss, argnums=(0, 1, 2))(y0, a, big_t)
    propagator = scipy.linalg.expm(a * big_t)
    np.testing.assert_allclose(g_y0, propagator.T @ w, rtol=1e-7)
    np.testing.assert_allclose(g_t, w @ a @ propagator @ y0, rtol=1e-7)
    expected_a = np.empty((3, 3))
    for i in range(3):
        for j in range(3):
            e = np.zeros((3, 3))
            e[i, j] = 1.0
            frechet = scipy.linalg.expm_frechet(a * big_t, e * big_t, compute_expm=False)
            expected_a[i, j] = w @ frechet @ y0
    np.testing.assert_allclose(g_a, expected_a, rtol=1e-6, atol=1e-9)
    # jacrev: one adjoint solve per output, batched
    jacobian = funcad.jacrev(lambda y0: odeint(lambda y, s: a @ y, y0, np.array([0.0, big_t]),
                                                **TIGHT)[-1])(y0)
    np.testing.assert_allclose(jacobian, propagator, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("shape", [(), (1,), (3,), (2, 2)])
def test_gradients_match_finite_differences(shape):
    rng = np.random.default_rng(len(shape) + sum(shape))
    y0 = rng.uniform(0.5, 1.5, shape)
    rate = rng.uniform(0.2, 0.8, shape)
    t = np.array([0.0, 0.4, 1.1])

    def f(y0, t, rate):
        return odeint(lambda y, s, k: -k * y + fnp.sin(s) * fnp.tanh(y), y0, t, rate, **TIGHT)

    check_grads(f, (y0, t, rate), order=1, modes=("rev",), eps=1e-4, rtol=1e-5, atol=1e-6)


def test_pytree_gradients_match_finite_differences():
    t = np.linspace(0.0, 1.5, 4)
    state = {"theta": np.array(1.0), "omega": np.array(0.3)}

    def f(state, damping, length):
        return odeint(pendulum, state, t, damping, length, **TIGHT)

    check_grads(f, (state, 0.2, 1.5), order=1, modes=("rev",), eps=1e-4, rtol=1e-5, atol=1e-6)


def test_closed_over_parameters_get_gradients():
    w = np.array([[0.1, -0.5], [0.3, 0.2]])
    t = np.linspace(0.0, 1.0, 4)
    y0 = np.array([1.0, 0.5])

    def closed(w):
        return fnp.sum(odeint(lambda y, s: fnp.tanh(w @ y), y0, t))

    def explicit(w):
        return fnp.sum(odeint(lambda y, s, w: fnp.tanh(w @ y), y0, t, w))

    np.testing.assert_allclose(funcad.grad(closed)(w), funcad.grad(explicit)(w), rtol=1e-12)
    check_grads(lambda w: odeint(lambda y, s: fnp.tanh(w @ y), y0, t, **TIGHT), (w,), order=1,
                modes=("rev",), eps=1e-4, rtol=1e-5, atol=1e-6)


def test_second_derivative():
    """The backward pass is itself made of funcad operations (another odeint), so it
    differentiates again: y' = -k y^2, y(1) = 1 / (1 + k)."""
    def y_end(k):
        return odeint(lambda y, s, k: -k * y * y, 1.0, np.array([0.0, 1.0]), k, **TIGHT)[-1]

    assert funcad.grad(y_end)(0.5) == pytest.approx(-1 / 1.5 ** 2, rel=1e-8)
    assert funcad.grad(funcad.grad(y_end))(0.5) == pytest.approx(2 / 1.5 ** 3, rel=1e-6)


def test_jit_agrees_with_eager():
    y0 = np.array([1.0, 1.0])

    def f(y0, a):
        return odeint(lotka_volterra, y0, LV_T, a, 1.0, 1.0, 3.0)

    np.testing.assert_allclose(funcad.jit(f)(y0, 1.5), f(y0, 1.5), rtol=1e-13)
    np.testing.assert_allclose(funcad.jit(f)(y0, 1.5), JAX_LV, rtol=1e-12)

    def loss(y0, a):
        return fnp.sum(f(y0, a) ** 2)

    jitted = funcad.jit(funcad.grad(loss, argnums=(0, 1)))(y0, 1.5)
    eager = funcad.grad(loss, argnums=(0, 1))(y0, 1.5)
    for got, want in zip(jitted, eager):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_vmap_agrees_with_stacked_examples():
    t = np.linspace(0.0, 1.0, 3)
    y0s = np.array([[1.0, 0.5], [0.2, 0.3], [2.0, 1.0]])
    rates = np.array([0.5, 1.0, 1.5])

    def f(y0, k):
        return odeint(lambda y, s, k: -k * fnp.sin(y), y0, t, k)

    stacked = np.stack([f(y, k) for y, k in zip(y0s, rates)])
    np.testing.assert_allclose(funcad.vmap(f)(y0s, rates), stacked, rtol=1e-12)
    np.testing.assert_allclose(funcad.vmap(f, in_axes=(0, None))(y0s, 0.7),
                               np.stack([f(y, 0.7) for y in y0s]), rtol=1e-12)
    grad_f = funcad.grad(lambda y0, k: fnp.sum(f(y0, k)), argnums=(0, 1))
    batched = funcad.vmap(grad_f)(y0s, rates)
    for i, (y, k) in enumerate(zip(y0s, rates)):
        single = grad_f(y, k)
        np.testing.assert_allclose(batched[0][i], single[0], rtol=1e-10)
        np.testing.assert_allclose(batched[1][i], single[1], rtol=1e-10)


def test_forward_mode_is_refused_as_in_jax():
    with pytest.raises(TypeError, match="forward-mode"):
        funcad.jvp(lambda y0: odeint(lambda y, s: -y, y0, np.array([0.0, 1.0])),
                   (np.array([1.0]),), (np.array([1.0]),))


def test_bad_arguments_are_refused():
    y0 = np.array([1.0])
    with pytest.raises(TypeError, match="t must be an array of floats"):
        odeint(lambda y, s: -y, y0, np.array([0, 1]))
    with pytest.raises(ValueError, match="1-d"):
        odeint(lambda y, s: -y, y0, np.array([[0.0, 1.0]]))
    with pytest.raises(ValueError, match="1-d"):
        odeint(lambda y, s: -y, y0, np.array(1.0))
    with pytest.raises(TypeError, match="callable"):
        odeint(y0, y0, np.array([0.0, 1.0]))
    with pytest.raises(TypeError, match="args must be arrays or scalars"):
        odeint(lambda y, s, name: -y, y0, np.array([0.0, 1.0]), "fast")


def test_integer_args_have_no_cotangent():
    t = np.linspace(0.0, 1.0, 3)

    def total(y0, k, n):
        return fnp.sum(odeint(lambda y, s, n, k: -n * k * y, y0, t, n, k, **TIGHT))

    g_y0, g_k = funcad.grad(total, argnums=(0, 1))(np.ones(2), 0.5, 2)
    np.testing.assert_allclose(g_y0, np.exp(-t).sum(), rtol=1e-8)
    np.testing.assert_allclose(g_k, 2 * (-2 * t * np.exp(-t)).sum(), rtol=1e-8)


def test_live_cross_check_with_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = pytest.importorskip("jax.numpy")
    ode = pytest.importorskip("jax.experimental.ode")
    rng = np.random.default_rng(3)
    w, y0, t = 0.5 * rng.standard_normal((3, 3)), rng.standard_normal(3), np.linspace(0, 2, 5)

    def ours(y0, w):
        return odeint(lambda y, s, w: fnp.tanh(w @ y) * fnp.cos(s), y0, t, w)

    def theirs(y0, w):
        return ode.odeint(lambda y, s, w: jnp.tanh(w @ y) * jnp.cos(s), y0, t, w)

    np.testing.assert_allclose(ours(y0, w), theirs(y0, w), rtol=1e-12, atol=1e-14)
    got = funcad.grad(lambda *a: fnp.sum(ours(*a) ** 2), argnums=(0, 1))(y0, w)
    want = jax.grad(lambda *a: jnp.sum(theirs(*a) ** 2), argnums=(0, 1))(y0, w)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
