"""Optimizers as ``(init_fun, update_fun, get_params)`` triples, as in
jax.example_libraries.optimizers.

Each optimizer is written for one array: ``init(x0) -> state``, ``update(i, g, state) ->
state`` and ``get_params(state) -> x``, where a state is a small pytree (``x`` itself, or a
tuple such as ``(x, m, v)``). The ``optimizer`` decorator lifts the three to pytrees of
parameters: the ``OptimizerState`` it builds holds the flattened per-leaf states, the
parameters' tree structure and each leaf's state structure. Everything is made of
funcad.numpy operations, so an update runs eagerly, under ``funcad.jit`` (the state is a
pytree, ``i`` may be traced) and under ``grad``.

``update_fun`` checks the state it is given against the state structure its own ``init_fun``
makes for parameters of the gradients' shapes, so a state made by another optimizer (``adam``'s
``(x, m, v)`` given to ``momentum``) is refused by name instead of failing inside the update.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

import funcad.numpy as jnp
from funcad.tree_util import register_pytree_node, tree_flatten, tree_map, tree_unflatten
from funcad.typing import Array, ArrayLike

__all__ = [
    "OptimizerState", "Optimizer", "optimizer", "sgd", "momentum", "nesterov", "adagrad",
    "rmsprop", "rmsprop_momentum", "adam", "adamax", "sm3", "constant", "exponential_decay",
    "inverse_time_decay", "polynomial_decay", "piecewise_constant", "make_schedule", "l2_norm",
    "clip_grads", "JoinPoint", "unpack_optimizer_state", "pack_optimizer_state",
]

Schedule = Callable[[Any], Any]

OptimizerState = namedtuple("OptimizerState", ["packed_state", "tree_def", "subtree_defs"])
"""The state of an optimizer over a pytree of parameters: ``packed_state`` is a list with the
leaves of each parameter's state, ``tree_def`` the parameters' structure and ``subtree_defs``
the structure of each parameter's state. Only ``packed_state`` holds arrays (its children);
the two structures are static."""

register_pytree_node(
    OptimizerState,
    lambda state: ((state.packed_state,), (state.tree_def, state.subtree_defs)),
    lambda structures, children: OptimizerState(*children, *structures))


class Optimizer(NamedTuple):
    init_fn: Callable[[Any], OptimizerState]
    update_fn: Callable[[Any, Any, OptimizerState], OptimizerState]
    params_fn: Callable[[OptimizerState], Any]


def _flatten_each(trees: list) -> tuple[tuple, tuple]:
    """The leaves and the structure of each tree, as two tuples (the structures are the
    static part of an ``OptimizerState``, so they must hash)."""
    pairs = [tree_flatten(tree) for tree in trees]
    return tuple(leaves for leaves, _ in pairs), tuple(structure for _, structure in pairs)


def _check_state(name: str, state: Any) -> None:
    if not isinstance(state, OptimizerState):
        raise TypeError(
            f"{name}: opt_state must be the OptimizerState returned by this optimizer's "
            f"init_fun (or by update_fun), got {type(state).__name__}. Make it with "
            f"`opt_state = init_fun(params)` and pass it as the third argument: "
            f"`update_fun(i, grads, opt_state)`.")


def optimizer(opt_maker: Callable[..., tuple]) -> Callable[..., Optimizer]:
    """Lift an optimizer written for single arrays to pytrees of parameters.

    ``opt_maker(*args, **kwargs)`` returns ``(init, update, get_params)`` on one array; the
    decorated maker returns an ``Optimizer`` triple on pytrees, whose state is an
    ``OptimizerState``.
    """

    @functools.wraps(opt_maker)
    def tree_opt_maker(*args: Any, **kwargs: Any) -> Optimizer:
        init, update, get_params = opt_maker(*args, **kwargs)
        name = getattr(opt_maker, "__name__", "optimizer")
        # The state structures init makes, keyed by the parameter's number of dimensions
        # (the one thing a state structure may depend on, as in sm3): see _expected.
        expected_structures: dict[tuple, Any] = {}

        def expected(gradient: Any) -> Any:
            shape, dtype = jnp.shape(gradient), jnp.result_type(gradient)
            key = (len(shape), str(dtype))
            if key not in expected_structures:
                expected_structures[key] = tree_flatten(init(np.zeros(shape, dtype)))[1]
            return expected_structures[key]

        @functools.wraps(init)
        def tree_init(x0_tree: Any) -> OptimizerState:
            x0_flat, tree = tree_flatten(x0_tree)
            states_flat, subtrees = _flatten_each([init(x0) for x0 in x0_flat])
            return OptimizerState(states_flat, tree, subtrees)

        @functools.wraps(update)
        def tree_update(i: Any, grad_tree: Any, opt_state: OptimizerState) -> OptimizerState:
            _check_state(f"{name} update_fun", opt_state)
            states_flat, tree, subtrees = opt_state
            grad_flat, grad_structure = tree_flatten(grad_tree)
            if grad_structure != tree:
                raise TypeError(
                    f"{name} update_fun: the gradient tree {grad_structure} does not match "
                    f"the parameter tree {tree} the optimizer state was initialized with. "
                    f"Differentiate with respect to get_params(opt_state), so that the "
                    f"gradients have the parameters' structure.")
            for subtree, gradient in zip(subtrees, grad_flat):
                if subtree != expected(gradient):
                    raise TypeError(
                        f"{name} update_fun: opt_state holds per-parameter states of "
                        f"structure {subtree}, but {name} keeps states of structure "
                        f"{expected(gradient)}: the state was made by another optimizer's "
                        f"init_fun. Use the update_fun and get_params of the optimizer whose "
                        f"init_fun made it, or start this one from the parameters: "
                        f"`opt_state = init_fun(old_get_params(old_state))`.")
            states = [tree_unflatten(s, leaves) for s, leaves in zip(subtrees, states_flat)]
            new_states = [update(i, g, state) for g, state in zip(grad_flat, states)]
            new_states_flat, new_subtrees = _flatten_each(new_states)
            for subtree, new_subtree in zip(subtrees, new_subtrees):
                if new_subtree != subtree:
                    raise TypeError(
                        f"{name} update_fun produced a state of structure {new_subtree} from "
                        f"one of structure {subtree}: an update must keep its state's "
                        f"structure.")
            return OptimizerState(new_states_flat, tree, subtrees)

        @functools.wraps(get_params)
        def tree_get_params(opt_state: OptimizerState) -> Any:
            _check_state(f"{name} get_params", opt_state)
            states_flat, tree, subtrees = opt_state
            states = [tree_unflatten(s, leaves) for s, leaves in zip(subtrees, states_flat)]
            return tree_unflatten(tree, [get_params(state) for state in states])

        return Optimizer(tree_init, tree_update, tree_get_params)

    return tree_opt_maker


# ----------------------------------------------------------------------------------------------
# Optimizers (each on one array; the decorator lifts them to pytrees).


def _first(state: tuple) -> Any:
    return state[0]


@optimizer
def sgd(step_size: float | Schedule) -> tuple:
    """Stochastic gradient descent: ``x <- x - step_size(i) * g``. The state is ``x``."""
    step_size = make_schedule(step_size)

    def init(x0: Any) -> Any:
        return x0

    def update(i: Any, g: Any, x: Any) -> Any:
        return x - step_size(i) * g

    def get_params(x: Any) -> Any:
        return x

    return init, update, get_params


@optimizer
def momentum(step_size: float | Schedule, mass: float) -> tuple:
    """Heavy-ball momentum: ``v <- mass v + g``, ``x <- x - step_size(i) v``."""
    step_size = make_schedule(step_size)

    def init(x0: Any) -> tuple:
        return x0, jnp.zeros_like(x0)

    def update(i: Any, g: Any, state: tuple) -> tuple:
        x, velocity = state
        velocity = mass * velocity + g
        return x - step_size(i) * velocity, velocity

    return init, update, _first


@optimizer
def nesterov(step_size: float | Schedule, mass: float) -> tuple:
    """Nesterov momentum: ``v <- mass v + g``, ``x <- x - step_size(i) (mass v + g)``."""
    step_size = make_schedule(step_size)

    def init(x0: Any) -> tuple:
        return x0, jnp.zeros_like(x0)

    def update(i: Any, g: Any, state: tuple) -> tuple:
        x, velocity = state
        velocity = mass * velocity + g
        return x - step_size(i) * (mass * velocity + g), velocity

    return init, update, _first


@optimizer
def adagrad(step_size: float | Schedule, momentum: float = 0.9) -> tuple:
    """Adagrad (Duchi et al. 2011) with momentum on the normalised gradient; a coordinate
    that has seen only zero gradients takes no step (its inverse root is 0, not inf)."""
    step_size = make_schedule(step_size)

    def init(x0: Any) -> tuple:
        return x0, jnp.zeros_like(x0), jnp.zeros_like(x0)

    def update(i: Any, g: Any, state: tuple) -> tuple:
        x, g_sq, m = state
        g_sq = g_sq + jnp.square(g)
        positive = g_sq > 0
        g_sq_inv_sqrt = jnp.where(positive, 1.0 / jnp.sqrt(jnp.where(positive, g_sq, 1.0)),
                                  0.0)
        m = (1.0 - momentum) * (g * g_sq_inv_sqrt) + momentum * m
        return x - step_size(i) * m, g_sq, m

    return init, update, _first


@optimizer
def rmsprop(step_size: float | Schedule, gamma: float = 0.9, eps: float = 1e-8) -> tuple:
    """RMSProp: a running mean of squared gradients divides the step."""
    step_size = make_schedule(step_size)

    def init(x0: Any) -> tuple:
        return x0, jnp.zeros_like(x0)

    def update(i: Any, g: Any, state: tuple) -> tuple:
        x, avg_sq_grad = state
        avg_sq_grad = avg_sq_grad * gamma + jnp.square(g) * (1.0 - gamma)
        return x - step_size(i) * g / jnp.sqrt(avg_sq_grad + eps), avg_sq_grad

    return init, update, _first


@optimizer
def rmsprop_momentum(step_size: float | Schedule, gamma: float = 0.9, eps: float = 1e-8,
                     momentum: float = 0.9) -> tuple:
    """RMSProp with momentum on the normalised step (its own optimizer, as its state has one
    more array)."""
    step_size = make_schedule(step_size)

    def init(x0: Any) -> tuple:
        return x0, jnp.zeros_like(x0), jnp.zeros_like(x0)

    def update(i: Any, g: Any, state: tuple) -> tuple:
        x, avg_sq_grad, mom = state
        avg_sq_grad = avg_sq_grad * gamma + jnp.square(g) * (1.0 - gamma)
        mom = momentum * mom + step_size(i) * g / jnp.sqrt(avg_sq_grad + eps)
        return x - mom, avg_sq_grad, mom

    return init, update, _first


@optimizer
def adam(step_size: float | Schedule, b1: float = 0.9, b2: float = 0.999,
         eps: float = 1e-8) -> tuple:
    """Adam (Kingma and Ba 2015): bias-corrected first and second moment estimates; the
    corrections ``1 - b ** (i + 1)`` are computed in the parameters' dtype."""
    step_size = make_schedule(step_size)

    def init(x0: Any) -> tuple:
        return x0, jnp.zeros_like(x0), jnp.zeros_like(x0)

    def update(i: Any, g: Any, state: tuple) -> tuple:
        x, m, v = state
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * jnp.square(g) + b2 * v
        m_hat = m / (1 - jnp.asarray(b1, m.dtype) ** (i + 1))
        v_hat = v / (1 - jnp.asarray(b2, m.dtype) ** (i + 1))
        return x - step_size(i) * m_hat / (jnp.sqrt(v_hat) + eps), m, v

    return init, update, _first


@optimizer
def adamax(step_size: float | Schedule, b1: float = 0.9, b2: float = 0.999,
           eps: float = 1e-8) -> tuple:
    """AdaMax: Adam with an exponentially weighted infinity norm in place of the second
    moment."""
    step_size = make_schedule(step_size)

    def init(x0: Any) -> tuple:
        return x0, jnp.zeros_like(x0), jnp.zeros_like(x0)

    def update(i: Any, g: Any, state: tuple) -> tuple:
        x, m, u = state
        m = (1 - b1) * g + b1 * m
        u = jnp.maximum(b2 * u, jnp.abs(g))
        correction = 1 - jnp.asarray(b1, m.dtype) ** (i + 1)
        return x - (step_size(i) / correction) * m / (u + eps), m, u

    return init, update, _first


def _broadcast_along(ndim: int, vector: Any, axis: int) -> Any:
    """A 1-d ``vector`` as an array of ``ndim`` dimensions that varies along ``axis``."""
    index: list[slice | None] = [None] * ndim
    index[axis] = slice(None)
    return vector[tuple(index)]


@optimizer
def sm3(step_size: float | Schedule, momentum: float = 0.9) -> tuple:
    """SM3 (Anil et al. 2019): one accumulator vector per axis instead of one per element;
    an element's accumulator is the least of its row, column... maxima plus ``g ** 2``."""
    step_size = make_schedule(step_size)

    def init(x0: Any) -> tuple:
        x_shape = jnp.shape(x0)
        x0 = jnp.atleast_1d(x0)
        accumulators = [jnp.zeros(size, dtype=x0.dtype) for size in x0.shape]
        return x0, jnp.zeros_like(x0), accumulators, x_shape

    def update(i: Any, g: Any, state: tuple) -> tuple:
        x, m, accumulators, x_shape = state
        g = jnp.reshape(g, jnp.shape(x))
        ndim = len(jnp.shape(x))
        broadcast = [_broadcast_along(ndim, v, axis) for axis, v in enumerate(accumulators)]
        accumulated = functools.reduce(jnp.minimum, broadcast) + jnp.square(g)
        positive = accumulated > 0
        inverse_root = jnp.where(
            positive, 1.0 / jnp.sqrt(jnp.where(positive, accumulated, 1.0)), 0.0)
        m = (1.0 - momentum) * (g * inverse_root) + momentum * m
        x = x - step_size(i) * m
        accumulators = [jnp.max(accumulated, axis=tuple(a for a in range(ndim) if a != axis))
                        for axis in range(ndim)]
        return x, m, accumulators, x_shape

    def get_params(state: tuple) -> Any:
        x, _, _, x_shape = state
        # The tuple's length is static, its entries may be traced (under jit the state's
        # integers are arguments): only a 0-d parameter was reshaped, by atleast_1d.
        return jnp.reshape(x, jnp.shape(x) if len(x_shape) else ())

    return init, update, get_params


# ----------------------------------------------------------------------------------------------
# Step-size schedules: functions of the step index (a Python int or a traced integer).


def constant(step_size: ArrayLike) -> Schedule:
    """A schedule that returns ``step_size`` at every step, as
    ``jax.example_libraries.optimizers.constant``.

    >>> from funcad.example_libraries import optimizers
    >>> print(optimizers.constant(0.1)(100))
    0.1
    """
    def schedule(i: Any) -> Any:
        return step_size

    return schedule


def exponential_decay(step_size: float, decay_steps: float, decay_rate: float) -> Schedule:
    """A schedule ``step_size * decay_rate ** (i / decay_steps)``, as
    ``jax.example_libraries.optimizers.exponential_decay``.

    >>> from funcad.example_libraries import optimizers
    >>> print(optimizers.exponential_decay(1.0, 10, 0.5)(20))
    0.25
    """
    def schedule(i: Any) -> Any:
        return step_size * decay_rate ** (i / decay_steps)

    return schedule


def inverse_time_decay(step_size: float, decay_steps: float, decay_rate: float,
                       staircase: bool = False) -> Schedule:
    """A schedule ``step_size / (1 + decay_rate * i / decay_steps)`` (with ``staircase``,
    ``i / decay_steps`` rounded down), as ``jax.example_libraries.optimizers.inverse_time_decay``.

    >>> from funcad.example_libraries import optimizers
    >>> print(optimizers.inverse_time_decay(1.0, 10, 1.0)(10))
    0.5
    """
    if staircase:
        def schedule(i: Any) -> Any:
            return step_size / (1 + decay_rate * jnp.floor(i / decay_steps))
    else:
        def schedule(i: Any) -> Any:
            return step_size / (1 + decay_rate * i / decay_steps)
    return schedule


def polynomial_decay(step_size: float, decay_steps: float, final_step_size: float,
                     power: float = 1.0) -> Schedule:
    """A schedule going from ``step_size`` to ``final_step_size`` in ``decay_steps`` steps as
    ``(1 - i / decay_steps) ** power``, then constant, as
    ``jax.example_libraries.optimizers.polynomial_decay``.

    >>> from funcad.example_libraries import optimizers
    >>> print(optimizers.polynomial_decay(1.0, 10, 0.1)(5))
    0.55
    """
    def schedule(step_num: Any) -> Any:
        step_num = jnp.minimum(step_num, decay_steps)
        step_mult = (1 - step_num / decay_steps) ** power
        return step_mult * (step_size - final_step_size) + final_step_size

    return schedule


def piecewise_constant(boundaries: ArrayLike, values: ArrayLike) -> Schedule:
    """``values[k]`` on steps ``i`` with ``k`` boundaries below ``i``."""
    bounds = jnp.array(boundaries)
    levels = jnp.array(values)
    if not bounds.ndim == levels.ndim == 1:
        raise ValueError("boundaries and values must be sequences")
    if not bounds.shape[0] == levels.shape[0] - 1:
        raise ValueError("boundaries length must be one shorter than values length")

    def schedule(i: Any) -> Any:
        return levels[jnp.sum(i > bounds)]

    return schedule


def make_schedule(scalar_or_schedule: float | Schedule) -> Schedule:
    """A schedule as it is, a scalar as a constant schedule."""
    if callable(scalar_or_schedule):
        return scalar_or_schedule
    if jnp.ndim(scalar_or_schedule) == 0:
        return constant(scalar_or_schedule)
    raise TypeError(
        f"step_size must be a scalar or a schedule (a function of the step index), got "
        f"{type(scalar_or_schedule).__name__} of shape {jnp.shape(scalar_or_schedule)}")


# ----------------------------------------------------------------------------------------------
# Utilities.


def l2_norm(tree: Any) -> Array:
    """The l2 norm of a pytree of arrays (all leaves as one vector)."""
    leaves, _ = tree_flatten(tree)
    return jnp.sqrt(sum(jnp.vdot(x, x) for x in leaves))


def clip_grads(grad_tree: Any, max_norm: ArrayLike) -> Any:
    """The gradients scaled down to l2 norm ``max_norm`` where their norm exceeds it."""
    norm = l2_norm(grad_tree)
    return tree_map(lambda g: jnp.where(norm < max_norm, g, g * (max_norm / norm)), grad_tree)


class JoinPoint:
    """Marks where a parameter's state (a pytree) sits in the parameters' pytree."""

    def __init__(self, subtree: Any) -> None:
        self.subtree = subtree

    def __iter__(self) -> Any:  # (pytrees are containers of arrays: look iterable)
        yield self.subtree


def unpack_optimizer_state(opt_state: OptimizerState) -> Any:
    """The state as the parameters' pytree with a ``JoinPoint`` holding each parameter's
    state: a plain nested structure, for serialising."""
    _check_state("unpack_optimizer_state", opt_state)
    states_flat, tree_def, subtree_defs = opt_state
    subtrees = [tree_unflatten(s, leaves) for s, leaves in zip(subtree_defs, states_flat)]
    return tree_unflatten(tree_def, [JoinPoint(subtree) for subtree in subtrees])


def pack_optimizer_state(marked_pytree: Any) -> OptimizerState:
    """The inverse of ``unpack_optimizer_state``."""
    sentinels, tree_def = tree_flatten(marked_pytree)
    if not all(isinstance(s, JoinPoint) for s in sentinels):
        raise TypeError(
            "pack_optimizer_state: every leaf of marked_pytree must be a JoinPoint, as "
            "unpack_optimizer_state returns; pass what it returned (after deserialising).")
    states_flat, subtree_defs = _flatten_each([s.subtree for s in sentinels])
    return OptimizerState(states_flat, tree_def, subtree_defs)
