"""funcad.example_libraries.optimizers and stax against jax.example_libraries.

Optimizers: each one runs a few steps on a pytree of parameters (a dict holding a matrix and
a tuple of a vector and a scalar), eagerly and under funcad.jit, and is compared with the
trajectory recorded from the same run in JAX (x64; tests/data/example_libraries_jax.json,
rewritten by ``python tests/test_example_libraries.py``) and, where JAX is installed, with
the same run live.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import funcad
import funcad.numpy as fnp
from funcad.example_libraries import optimizers
from funcad.tree_util import tree_leaves

DATA = Path(__file__).parent / "data" / "example_libraries_jax.json"
STEPS = 6

# (name, constructor arguments); a schedule is written as ("schedule name", *its arguments).
OPTIMIZERS = {
    "sgd": ("sgd", (0.1,)),
    "sgd, exponential decay": ("sgd", (("exponential_decay", 0.1, 2, 0.5),)),
    "momentum": ("momentum", (0.05, 0.9)),
    "nesterov": ("nesterov", (0.05, 0.8)),
    "adagrad": ("adagrad", (0.2,)),
    "adagrad, inverse time decay": ("adagrad", (("inverse_time_decay", 0.2, 2, 0.5, True),
                                                0.5)),
    "rmsprop": ("rmsprop", (0.01, 0.8, 1e-6)),
    "rmsprop_momentum": ("rmsprop_momentum", (0.01,)),
    "adam": ("adam", (0.05,)),
    "adam, polynomial decay": ("adam", (("polynomial_decay", 0.05, 4, 0.001, 2.0), 0.8, 0.99)),
    "adamax": ("adamax", (("piecewise_constant", [1, 3], [0.1, 0.05, 0.01]),)),
    "sm3": ("sm3", (0.1,)),
}
SCHEDULES = {
    "constant": (0.3,),
    "exponential_decay": (0.1, 3, 0.5),
    "inverse_time_decay": (0.1, 3, 0.5),
    "inverse_time_decay staircase": (0.1, 3, 0.5, True),
    "polynomial_decay": (0.1, 5, 0.01, 2.0),
    "piecewise_constant": ([2, 5], [1.0, 0.5, 0.1]),
}


def initial_parameters() -> dict:
    rng = np.random.default_rng(0)
    return {"w": rng.normal(size=(3, 2)), "b": (rng.normal(size=2), np.float64(0.7))}


def loss(params: dict, xp) -> object:
    """A smooth loss in which every parameter meets every other (``xp``: a NumPy module)."""
    w, (b, c) = params["w"], params["b"]
    return (xp.sum(xp.sin(w) * b) + xp.sum(w ** 2) * c + xp.sum(xp.tanh(b)) ** 2
            + c ** 4 + xp.sum(xp.cos(w @ b)))


def make_optimizer(module, name: str, args: tuple):
    def build(arg):
        if isinstance(arg, tuple):
            schedule, *schedule_args = arg
            return getattr(module, schedule)(*schedule_args)
        return arg

    return getattr(module, name)(*(build(arg) for arg in args))


def run(module, grad, xp, case: str, wrap=lambda f: f) -> list[list[np.ndarray]]:
    """The parameters' leaves after each step of optimizer ``case`` in library ``module``."""
    init_fun, update_fun, get_params = make_optimizer(module, *OPTIMIZERS[case])

    @wrap
    def step(i, state):
        return update_fun(i, grad(lambda p: loss(p, xp))(get_params(state)), state)

    state, trajectory = init_fun(initial_parameters()), []
    for i in range(STEPS):
        state = step(i, state)
        trajectory.append([np.asarray(leaf) for leaf in tree_leaves(get_params(state))])
    return trajectory


def schedule_values(module, name: str) -> list[float]:
    args = SCHEDULES[name]
    function = name.split()[0]
    schedule = getattr(module, function)(*args)
    return [float(schedule(i)) for i in range(8)]


def recorded() -> dict:
    return json.loads(DATA.read_text())


def assert_trajectories_close(actual, expected) -> None:
    assert len(actual) == len(expected)
    for step, (got, want) in enumerate(zip(actual, expected)):
        assert len(got) == len(want)
        for leaf, reference in zip(got, want):
            np.testing.assert_allclose(leaf, np.asarray(reference), rtol=1e-10, atol=1e-12,
                                       err_msg=f"step {step}")


# ----------------------------------------------------------------------------------------------
# Optimizers


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("case", list(OPTIMIZERS))
def test_optimizer_matches_recorded_jax(case, jit):
    trajectory = run(optimizers, funcad.grad, fnp, case, funcad.jit if jit else lambda f: f)
    assert_trajectories_close(trajectory, recorded()["optimizers"][case])


@pytest.mark.parametrize("case", ["momentum", "adagrad, inverse time decay", "adam"])
def test_optimizer_matches_live_jax(case):
    """A few cases live (JAX's per-case compilation is slow); all are recorded above."""
    jax = pytest.importorskip("jax")
    from jax.example_libraries import optimizers as jax_optimizers

    jax.config.update("jax_enable_x64", True)
    expected = run(jax_optimizers, jax.grad, jax.numpy, case, jax.jit)
    assert_trajectories_close(run(optimizers, funcad.grad, fnp, case), expected)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedules_match_recorded_jax(name):
    np.testing.assert_allclose(schedule_values(optimizers, name),
                               recorded()["schedules"][name], rtol=1e-12)


def test_schedules_trace_under_jit():
    for name in SCHEDULES:
        schedule = getattr(optimizers, name.split()[0])(*SCHEDULES[name])
        traced = funcad.jit(lambda i, schedule=schedule: fnp.asarray(schedule(i), float))
        for i in range(8):
            np.testing.assert_allclose(traced(i), schedule(i), rtol=1e-12, err_msg=name)


def test_state_is_a_pytree_and_round_trips():
    init_fun, update_fun, get_params = optimizers.adam(0.1)
    params = initial_parameters()
    state = init_fun(params)
    assert isinstance(state, optimizers.OptimizerState)
    leaves = tree_leaves(state)
    assert len(leaves) == 3 * 3  # (x, m, v) for each of the three parameters
    marked = optimizers.unpack_optimizer_state(state)
    assert isinstance(marked["w"], optimizers.JoinPoint)
    again = optimizers.pack_optimizer_state(marked)
    assert again.tree_def == state.tree_def and again.subtree_defs == state.subtree_defs
    for a, b in zip(tree_leaves(again), leaves):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(get_params(again)["w"], params["w"])


def test_update_differentiates_through_the_step():
    """An update is made of funcad operations: the loss after one step differentiates in the
    step size, against finite differences."""
    params = initial_parameters()

    def after_one_step(step_size):
        init_fun, update_fun, get_params = optimizers.momentum(step_size, 0.9)
        state = init_fun(params)
        state = update_fun(0, funcad.grad(lambda p: loss(p, fnp))(params), state)
        return loss(get_params(state), fnp)

    h = 1e-6
    numeric = (after_one_step(0.1 + h) - after_one_step(0.1 - h)) / (2 * h)
    np.testing.assert_allclose(funcad.grad(after_one_step)(0.1), numeric, rtol=1e-6)


def test_clip_grads_and_l2_norm():
    tree = {"a": np.array([3.0, 0.0]), "b": (np.array([[4.0]]),)}
    np.testing.assert_allclose(optimizers.l2_norm(tree), 5.0)
    clipped = optimizers.clip_grads(tree, 1.0)
    np.testing.assert_allclose(clipped["a"], [0.6, 0.0])
    np.testing.assert_allclose(clipped["b"][0], [[0.8]])
    unclipped = optimizers.clip_grads(tree, 10.0)
    np.testing.assert_array_equal(unclipped["a"], tree["a"])
    norm_gradient = funcad.grad(lambda t: optimizers.l2_norm(t))(tree)
    np.testing.assert_allclose(norm_gradient["a"], [0.6, 0.0])


def test_state_of_another_optimizer_is_refused_by_name():
    params = initial_parameters()
    adam_state = optimizers.adam(0.1).init_fn(params)
    _, update_fun, _ = optimizers.momentum(0.1, 0.9)
    with pytest.raises(TypeError, match=r"momentum update_fun.*another optimizer's init_fun"):
        update_fun(0, params, adam_state)
    _, sgd_update, _ = optimizers.sgd(0.1)
    with pytest.raises(TypeError, match="sgd update_fun.*init_fun"):
        sgd_update(0, params, adam_state)
    with pytest.raises(TypeError, match="must be the OptimizerState"):
        sgd_update(0, params, params)
    with pytest.raises(TypeError, match="gradient tree"):
        optimizers.adam(0.1).update_fn(0, {"w": params["w"]}, adam_state)


def test_bad_schedule_and_packing_errors():
    with pytest.raises(TypeError, match="step_size must be a scalar or a schedule"):
        optimizers.sgd(np.ones(2))
    with pytest.raises(ValueError, match="one shorter"):
        optimizers.piecewise_constant([1, 2], [1.0, 2.0])
    with pytest.raises(TypeError, match="JoinPoint"):
        optimizers.pack_optimizer_state({"a": np.ones(2)})


def test_sm3_keeps_scalar_and_matrix_shapes_under_jit():
    init_fun, update_fun, get_params = optimizers.sm3(0.1)
    params = {"s": np.float64(1.5), "m": np.ones((2, 3))}
    state = init_fun(params)
    step = funcad.jit(update_fun)
    for i in range(3):
        state = step(i, {"s": np.float64(0.5), "m": np.full((2, 3), 0.25)}, state)
    out = get_params(state)
    assert np.shape(out["s"]) == () and np.shape(out["m"]) == (2, 3)


# ----------------------------------------------------------------------------------------------
# Recording (run with JAX installed: python tests/test_example_libraries.py)


def record() -> None:
    import jax
    from jax.example_libraries import optimizers as jax_optimizers

    jax.config.update("jax_enable_x64", True)
    data = {
        "optimizers": {case: [[leaf.tolist() for leaf in step] for step in
                              run(jax_optimizers, jax.grad, jax.numpy, case)]
                       for case in OPTIMIZERS},
        "schedules": {name: schedule_values(jax_optimizers, name) for name in SCHEDULES},
    }
    data["jax_version"] = jax.__version__
    DATA.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(record())
