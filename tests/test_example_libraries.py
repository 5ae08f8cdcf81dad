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
import funcad.random as random
from funcad.example_libraries import optimizers, stax
from funcad.test_util import check_grads
from funcad.tree_util import tree_flatten, tree_leaves, tree_map, tree_unflatten

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
    # sgd's state of a length-2 vector would unpack as momentum's (x, velocity) pair
    vector = {"v": np.array([1.0, 2.0])}
    with pytest.raises(TypeError, match="momentum update_fun.*structure PyTreeDef"):
        update_fun(0, vector, optimizers.sgd(0.1).init_fn(vector))
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
# Stax



def networks(m) -> dict:
    """Networks that use every layer of stax module ``m``, each with its input shape."""
    return {
        "cnn": (m.serial(m.Conv(4, (3, 3), padding="SAME"), m.Relu,
                         m.Conv(3, (2, 2), strides=(2, 1)), m.Tanh,
                         m.MaxPool((2, 2), strides=(1, 1)), m.AvgPool((2, 2), padding="SAME"),
                         m.SumPool((2, 1)), m.BatchNorm(), m.Flatten, m.Dense(5), m.Gelu,
                         m.Dense(3), m.LogSoftmax), (2, 9, 8, 2)),
        "nchw": (m.serial(m.GeneralConv(("NCHW", "OIHW", "NCHW"), 3, (2, 2), padding="SAME"),
                          m.LeakyRelu, m.MaxPool((2, 2), spec="NCHW"),
                          m.AvgPool((2, 3), strides=(1, 2), padding="SAME", spec="NCHW"),
                          m.BatchNorm(axis=(0, 2, 3), center=False), m.Elu), (2, 2, 6, 7)),
        "transposed": (m.serial(m.ConvTranspose(3, (3, 3), strides=(2, 2), padding="SAME"),
                                m.Selu, m.ConvTranspose(2, (2, 3)), m.Softplus,
                                m.BatchNorm(axis=0, scale=False), m.Sigmoid), (2, 3, 4, 2)),
        "1d": (m.serial(m.Conv1DTranspose(2, (3,), strides=(2,)), m.Exp, m.Flatten,
                        m.Dense(4), m.Softmax), (3, 5, 2)),
        "branches": (m.serial(m.Dense(4), m.FanOut(3),
                              m.parallel(m.Dense(4), m.serial(m.Dense(4), m.Tanh), m.Identity),
                              m.FanInSum, m.FanOut(2), m.parallel(m.Dense(3), m.Relu),
                              m.FanInConcat(), m.shape_dependent(lambda s: m.Dense(s[-1])),
                              m.Dense(2)), (3, 5)),
    }


NETWORKS = list(networks(stax))


def stax_case(name: str):
    """(apply_fun, params, inputs, expected output shape, output, gradient) from the record."""
    entry = recorded()["stax"][name]
    (init_fun, apply_fun), input_shape = networks(stax)[name]
    output_shape, params = init_fun(random.PRNGKey(0), input_shape)
    leaves, structure = tree_flatten(params)
    assert [list(np.shape(leaf)) for leaf in leaves] == [list(np.shape(p))
                                                         for p in entry["params"]]
    params = tree_unflatten(structure, [np.asarray(p) for p in entry["params"]])
    return (apply_fun, params, np.asarray(entry["inputs"]), tuple(output_shape),
            entry["output_shape"], np.asarray(entry["output"]), entry["gradient"])


def network_loss(apply_fun, xp):
    return lambda params, inputs: xp.sum(xp.tanh(apply_fun(params, inputs)))


@pytest.mark.parametrize("name", NETWORKS)
def test_stax_network_matches_recorded_jax(name):
    apply_fun, params, inputs, output_shape, expected_shape, output, gradient = stax_case(name)
    assert list(output_shape) == expected_shape
    np.testing.assert_allclose(apply_fun(params, inputs), output, rtol=1e-10, atol=1e-12)
    got = tree_leaves(funcad.grad(network_loss(apply_fun, fnp))(params, inputs))
    assert len(got) == len(gradient)
    for leaf, reference in zip(got, gradient):
        np.testing.assert_allclose(leaf, np.asarray(reference), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name", NETWORKS)
def test_stax_network_jit_and_vmap(name):
    apply_fun, params, inputs, *_ = stax_case(name)
    loss_grad = funcad.grad(network_loss(apply_fun, fnp))
    eager = loss_grad(params, inputs)
    for a, b in zip(tree_leaves(funcad.jit(loss_grad)(params, inputs)), tree_leaves(eager)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    stacked = np.stack([inputs, 0.5 * inputs - 0.1, np.cos(inputs)])
    batched = funcad.vmap(apply_fun, in_axes=(None, 0))(params, stacked)
    for k in range(len(stacked)):
        np.testing.assert_allclose(batched[k], apply_fun(params, stacked[k]), rtol=1e-12,
                                   atol=1e-14)


def test_stax_layers_check_grads_to_second_order():
    rng = np.random.default_rng(1)
    init_fun, apply_fun = stax.serial(stax.Conv(2, (2, 2), strides=(1, 2), padding="SAME"),
                                      stax.Tanh, stax.MaxPool((2, 1)), stax.AvgPool((1, 2)),
                                      stax.BatchNorm(), stax.Flatten, stax.Dense(2),
                                      stax.LogSoftmax)
    _, params = init_fun(random.PRNGKey(1), (2, 3, 4, 1))
    params = tree_map(lambda p: rng.normal(size=np.shape(p)), params)
    inputs = rng.normal(size=(2, 3, 4, 1))
    check_grads(lambda p, x: fnp.sum(fnp.sin(apply_fun(p, x))), (params, inputs), order=2,
                modes=("fwd", "rev"))


def test_init_shapes_follow_the_layers():
    init_fun, apply_fun = stax.serial(stax.Conv(16, (3, 3)), stax.Relu, stax.AvgPool((2, 2)),
                                      stax.Flatten, stax.Dense(10), stax.LogSoftmax)
    output_shape, params = init_fun(random.PRNGKey(0), (4, 28, 28, 1))
    assert tuple(output_shape) == (4, 10)
    # An unknown batch size, -1, passes through convolutions (pooling makes it 0, as in JAX)
    assert tuple(stax.Conv(16, (3, 3))[0](random.PRNGKey(0), (-1, 28, 28, 1))[0]) == (
        -1, 26, 26, 16)
    (W, b), _, _, _, (W2, b2), _ = params
    assert np.shape(W) == (3, 3, 1, 16) and np.shape(b) == (1, 1, 1, 16)
    assert np.shape(W2) == (25 * 25 * 16, 10) and np.shape(b2) == (10,)
    out = apply_fun(params, np.zeros((4, 28, 28, 1)))
    assert np.shape(out) == (4, 10)
    np.testing.assert_allclose(np.exp(out).sum(axis=1), 1.0, rtol=1e-12)


def test_dropout():
    init_fun, apply_fun = stax.Dropout(0.75)
    inputs = np.ones((200, 50))
    assert init_fun(random.PRNGKey(0), inputs.shape) == ((200, 50), ())
    out = np.asarray(apply_fun((), inputs, rng=random.PRNGKey(0)))
    assert set(np.unique(out)) <= {0.0, 1 / 0.75}
    assert abs((out > 0).mean() - 0.75) < 0.02  # rate is the probability of keeping
    np.testing.assert_array_equal(apply_fun((), inputs, rng=random.PRNGKey(0)), out)
    assert not np.array_equal(apply_fun((), inputs, rng=random.PRNGKey(1)), out)
    _, test_apply = stax.Dropout(0.75, mode="test")
    np.testing.assert_array_equal(test_apply((), inputs, rng=random.PRNGKey(0)), inputs)
    with pytest.raises(ValueError, match="requires apply_fun to be called with a PRNG key"):
        apply_fun((), inputs)
    _, serial_apply = stax.serial(stax.Dense(3), stax.Dropout(0.5), stax.Relu)
    _, params = stax.serial(stax.Dense(3), stax.Dropout(0.5), stax.Relu)[0](
        random.PRNGKey(0), (4, 2))
    jitted = funcad.jit(lambda p, x, key: serial_apply(p, x, rng=key))
    np.testing.assert_allclose(jitted(params, np.ones((4, 2)), random.PRNGKey(2)),
                               serial_apply(params, np.ones((4, 2)), rng=random.PRNGKey(2)))


@pytest.mark.parametrize("name", NETWORKS)
def test_stax_init_matches_recorded_jax(name):
    """The same key gives JAX's initial parameters (funcad.random and funcad.nn.initializers
    reproduce JAX's streams; serial and parallel split keys as JAX's do)."""
    (init_fun, _), input_shape = networks(stax)[name]
    _, params = init_fun(random.PRNGKey(0), input_shape)
    expected = recorded()["stax"][name]["initial_params"]
    got = tree_leaves(params)
    assert len(got) == len(expected)
    for leaf, reference in zip(got, expected):
        np.testing.assert_allclose(leaf, np.asarray(reference), rtol=1e-12, atol=1e-15)


def test_dropout_matches_recorded_jax():
    entry = recorded()["dropout"]
    init_fun, apply_fun = dropout_network(stax)
    _, params = init_fun(random.PRNGKey(4), (5, 3))
    out = apply_fun(params, np.asarray(entry["inputs"]), rng=random.PRNGKey(6))
    np.testing.assert_allclose(out, np.asarray(entry["output"]), rtol=1e-12, atol=1e-15)


def test_layer_errors_name_the_fix():
    with pytest.raises(TypeError, match=r"layer 1 must be an \(init_fun, apply_fun\) pair.*"
                                        r"must be called"):
        stax.serial(stax.Relu, stax.FanOut)
    with pytest.raises(ValueError, match="input_shape must have 4 dimensions"):
        stax.Conv(3, (2, 2))[0](random.PRNGKey(0), (5, 5, 1))


# ----------------------------------------------------------------------------------------------
# Recording (run with JAX installed: python tests/test_example_libraries.py)


def record_network(jax, name: str) -> dict:
    from jax.example_libraries import stax as jax_stax

    (init_fun, apply_fun), input_shape = networks(jax_stax)[name]
    output_shape, params = init_fun(jax.random.PRNGKey(0), input_shape)
    initial = [np.asarray(p).tolist() for p in jax.tree.leaves(params)]
    rng = np.random.default_rng(sum(map(ord, name)))
    params = jax.tree.map(lambda p: 0.7 * rng.normal(size=np.shape(p)), params)
    inputs = rng.normal(size=input_shape)
    gradient = jax.grad(network_loss(apply_fun, jax.numpy))(params, inputs)
    return {"initial_params": initial,
            "params": [np.asarray(p).tolist() for p in jax.tree.leaves(params)],
            "inputs": inputs.tolist(), "output_shape": [int(n) for n in output_shape],
            "output": np.asarray(apply_fun(params, inputs)).tolist(),
            "gradient": [np.asarray(g).tolist() for g in jax.tree.leaves(gradient)]}


def dropout_network(m):
    return m.serial(m.Dense(6), m.Dropout(0.6), m.Tanh, m.Dropout(0.3), m.Dense(2))


def record_dropout(jax) -> dict:
    from jax.example_libraries import stax as jax_stax

    init_fun, apply_fun = dropout_network(jax_stax)
    _, params = init_fun(jax.random.PRNGKey(4), (5, 3))
    inputs = np.random.default_rng(5).normal(size=(5, 3))
    return {"inputs": inputs.tolist(),
            "output": np.asarray(apply_fun(params, inputs, rng=jax.random.PRNGKey(6))).tolist()}


def record() -> None:
    import jax
    from jax.example_libraries import optimizers as jax_optimizers

    jax.config.update("jax_enable_x64", True)
    data = {
        "optimizers": {case: [[leaf.tolist() for leaf in step] for step in
                              run(jax_optimizers, jax.grad, jax.numpy, case)]
                       for case in OPTIMIZERS},
        "schedules": {name: schedule_values(jax_optimizers, name) for name in SCHEDULES},
        "stax": {name: record_network(jax, name) for name in NETWORKS},
        "dropout": record_dropout(jax),
    }
    data["jax_version"] = jax.__version__
    DATA.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(record())
