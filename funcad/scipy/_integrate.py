"""odeint: adaptive Dormand-Prince integration, differentiated by the adjoint method (the API is
funcad.scipy.integrate).

The state pytree is raveled to one vector. Each output time is reached by a ``while_loop`` of
Runge-Kutta steps (5th-order solution, 4th-order error estimate, step size from the mean
error ratio), and the solution at the time itself is read off a 4th-order polynomial fitted
to the last accepted step; a ``scan`` runs over the output times. The reverse-mode rule is a
``custom_vjp`` whose backward pass integrates the augmented (adjoint) system backwards in time
with the same solver, one interval at a time, so memory does not grow with the step count.
Values the user's function closes over are made explicit arguments first, so they get
cotangents too.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

import funcad.numpy as fnp
from funcad import tree_util
from funcad.ad import vjp
from funcad.control_flow import scan, while_loop
from funcad.control_flow._subjaxprs import run, trace_function
from funcad.core import Tracer, dtype_of, shape_of
from funcad.custom_derivatives import custom_vjp
from funcad.typing import ArrayLike

__all__ = ["odeint"]

# The Dormand-Prince tableau: the nodes, the stage weights, the 5th-order solution weights,
# the difference between the 5th- and 4th-order weights (the error estimate), and the weights
# of the solution at the step's midpoint (for the dense-output polynomial).
_ALPHA = (1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_BETA = (
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
_C_SOLUTION = (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0)
_C_ERROR = (35 / 384 - 1951 / 21600, 0.0, 500 / 1113 - 22642 / 50085, 125 / 192 - 451 / 720,
            -2187 / 6784 + 12231 / 42400, 11 / 84 - 649 / 6300, -1 / 60)
_C_MID = (6025192743 / 30085553152 / 2, 0.0, 51252292925 / 65400821598 / 2,
          -2691868925 / 45128329728 / 2, 187940372067 / 1594534317056 / 2,
          -1776094331 / 19743644256 / 2, 11237099 / 235043384 / 2)


def _weighted(weights: Sequence[float], k: Sequence[Any]) -> Any:
    total = None
    for w, kj in zip(weights, k):
        if w != 0.0:
            term = fnp.multiply(w, kj)
            total = term if total is None else fnp.add(total, term)
    return total


def _abs2(x: Any) -> Any:
    if fnp.iscomplexobj(x):
        return fnp.add(fnp.square(fnp.real(x)), fnp.square(fnp.imag(x)))
    return fnp.square(x)


def _norm(x: Any) -> Any:
    return fnp.sqrt(fnp.sum(_abs2(x)))


def _safe(denominator: Any, bad: Any) -> Any:
    """The denominator with 1 where ``bad``: a ``where`` then never sees a division by zero."""
    return fnp.where(bad, 1.0, denominator)


def _initial_step_size(fun: Callable, t0: Any, y0: Any, order: int, rtol: float, atol: float,
                       f0: Any) -> Any:
    """Hairer, Norsett and Wanner's starting step (Solving ODEs I, sec. II.4)."""
    scale = fnp.add(atol, fnp.multiply(fnp.abs(y0), rtol))
    d0 = _norm(fnp.divide(y0, scale))
    d1 = _norm(fnp.divide(f0, scale))
    small = fnp.logical_or(fnp.less(d0, 1e-5), fnp.less(d1, 1e-5))
    h0 = fnp.where(small, 1e-6, fnp.divide(fnp.multiply(0.01, d0), _safe(d1, small)))
    y1 = fnp.add(y0, fnp.multiply(fnp.astype(h0, dtype_of(y0)), f0))
    f1 = fun(y1, fnp.add(t0, h0))
    d2 = fnp.divide(_norm(fnp.divide(fnp.subtract(f1, f0), scale)), h0)
    flat = fnp.logical_and(fnp.less_equal(d1, 1e-15), fnp.less_equal(d2, 1e-15))
    h1 = fnp.where(flat, fnp.maximum(1e-6, fnp.multiply(h0, 1e-3)),
                   fnp.power(fnp.divide(0.01, _safe(fnp.maximum(d1, d2), flat)),
                             1.0 / (order + 1.0)))
    return fnp.minimum(fnp.multiply(100.0, h0), h1)


def _runge_kutta_step(fun: Callable, y0: Any, f0: Any, t0: Any, dt: Any) -> tuple:
    h = fnp.astype(dt, dtype_of(y0))
    k = [f0]
    for alpha, beta in zip(_ALPHA, _BETA):
        yi = fnp.add(y0, fnp.multiply(h, _weighted(beta, k)))
        k.append(fun(yi, fnp.add(t0, fnp.multiply(dt, alpha))))
    y1 = fnp.add(fnp.multiply(h, _weighted(_C_SOLUTION, k)), y0)
    error = fnp.multiply(h, _weighted(_C_ERROR, k))
    return y1, k[-1], error, k


def _interpolation_coefficients(y0: Any, y1: Any, k: Sequence[Any], dt: Any) -> Any:
    """The 4th-order polynomial through y0, the step's midpoint and y1 with the slopes at both
    ends, as coefficients of s**4 .. s**0 for s in [0, 1] across the step."""
    h = fnp.astype(dt, dtype_of(y0))
    y_mid = fnp.add(y0, fnp.multiply(h, _weighted(_C_MID, k)))
    dy0, dy1 = fnp.multiply(h, k[0]), fnp.multiply(h, k[-1])

    def combination(c_dy0: float, c_dy1: float, c_y0: float, c_y1: float, c_mid: float) -> Any:
        return _weighted((c_dy0, c_dy1, c_y0, c_y1, c_mid), (dy0, dy1, y0, y1, y_mid))

    a = combination(-2.0, 2.0, -8.0, -8.0, 16.0)
    b = combination(5.0, -3.0, 18.0, 14.0, -32.0)
    c = combination(-4.0, 1.0, -11.0, -5.0, 16.0)
    return fnp.stack([a, b, c, dy0, y0])


def _evaluate_polynomial(coefficients: Any, s: Any) -> Any:
    out = coefficients[0]
    for i in range(1, 5):
        out = fnp.add(fnp.multiply(out, s), coefficients[i])
    return out


def _mean_error_ratio(error: Any, rtol: float, atol: float, y0: Any, y1: Any) -> Any:
    tolerance = fnp.add(atol, fnp.multiply(rtol, fnp.maximum(fnp.abs(y0), fnp.abs(y1))))
    return fnp.sqrt(fnp.mean(_abs2(fnp.divide(error, tolerance))))


def _optimal_step_size(last_step: Any, ratio: Any, safety: float = 0.9, ifactor: float = 10.0,
                       dfactor: float = 0.2, order: float = 5.0) -> Any:
    shrink = fnp.where(fnp.less(ratio, 1), 1.0, dfactor)
    zero = fnp.equal(ratio, 0)
    factor = fnp.minimum(ifactor, fnp.maximum(
        fnp.multiply(fnp.power(_safe(ratio, zero), -1.0 / order), safety), shrink))
    return fnp.where(zero, fnp.multiply(last_step, ifactor), fnp.multiply(last_step, factor))


def _solve(fun: Callable, rtol: float, atol: float, mxstep: float, hmax: float, y0: Any,
           ts: Any) -> Any:
    """The solution (len(ts), n) of y' = fun(y, t) for a flat state y0."""
    t_dtype = dtype_of(ts)

    def to_time(x: Any) -> Any:
        return fnp.astype(x, t_dtype)

    def step_to(carry: list, target_t: Any) -> tuple[list, Any]:
        def keep_going(state: list) -> Any:
            i, _, _, t, dt, _, _ = state
            return fnp.logical_and(fnp.logical_and(fnp.less(t, target_t), fnp.less(i, mxstep)),
                                   fnp.greater(dt, 0))

        def step(state: list) -> list:
            i, y, f, t, dt, last_t, coefficients = state
            next_y, next_f, error, k = _runge_kutta_step(fun, y, f, t, dt)
            next_t = fnp.add(t, dt)
            ratio = _mean_error_ratio(error, rtol, atol, y, next_y)
            new_coefficients = _interpolation_coefficients(y, next_y, k, dt)
            dt = to_time(fnp.clip(_optimal_step_size(dt, ratio), 0.0, hmax))
            accept = fnp.less_equal(ratio, 1.0)
            new = [next_y, next_f, next_t, dt, t, new_coefficients]
            old = [y, f, t, dt, last_t, coefficients]
            return [fnp.add(i, 1)] + [fnp.where(accept, a, b) for a, b in zip(new, old)]

        _, *carry = while_loop(keep_going, step, [np.int64(0)] + carry)
        _, _, t, _, last_t, coefficients = carry
        s = fnp.divide(fnp.subtract(target_t, last_t), fnp.subtract(t, last_t))
        return carry, _evaluate_polynomial(coefficients, fnp.astype(s, dtype_of(coefficients)))

    f0 = fun(y0, ts[0])
    dt = to_time(fnp.clip(_initial_step_size(fun, ts[0], y0, 4, rtol, atol, f0), 0.0, hmax))
    coefficients = fnp.stack([y0] * 5)
    _, ys = scan(step_to, [y0, f0, ts[0], dt, ts[0], coefficients], ts[1:])
    return fnp.concatenate([fnp.expand_dims(y0, 0), ys])


def _odeint_flat(fun, rtol, atol, mxstep, hmax, y0, ts, *args):
    return _solve(lambda y, t: fun(y, t, *args), rtol, atol, mxstep, hmax, y0, ts)


def _odeint_forward(fun, rtol, atol, mxstep, hmax, y0, ts, *args):
    ys = _odeint_custom(fun, rtol, atol, mxstep, hmax, y0, ts, *args)
    return ys, (ys, ts, args)


def _odeint_backward(fun, rtol, atol, mxstep, hmax, residuals, g):
    """Integrate y, the adjoint a = dL/dy and the running cotangents of t0 and the args
    backwards over each interval between output times, adding each output's cotangent.
    Integer and boolean args have no cotangent and stay out of the augmented state."""
    ys, ts, args = residuals
    leaves, treedef = tree_util.tree_flatten(args)
    wanted = [i for i, leaf in enumerate(leaves)
              if fnp.issubdtype(dtype_of(leaf), np.inexact)]

    def augmented(state: tuple, minus_t: Any, *leaves: Any) -> tuple:
        y, y_bar = state[0], state[1]

        def field(y: Any, t: Any, *chosen: Any) -> Any:
            full = list(leaves)
            for i, value in zip(wanted, chosen):
                full[i] = value
            return fun(y, t, *tree_util.tree_unflatten(treedef, full))

        # (time runs backwards: the solver sees -t, increasing)
        y_dot, pullback = vjp(field, y, fnp.negative(minus_t), *[leaves[i] for i in wanted])
        y_cot, t_cot, *leaf_cots = pullback(y_bar)
        return (fnp.negative(y_dot), y_cot, t_cot, leaf_cots)

    def interval(carry: tuple, x: tuple) -> tuple[tuple, Any]:
        y_bar, t0_bar, leaf_bars = carry
        y_i, t_i, g_i, t_before, g_before = x
        # moving an output time moves that output along the vector field
        t_bar = fnp.real(fnp.dot(fun(y_i, t_i, *args), g_i))
        t0_bar = fnp.subtract(t0_bar, fnp.astype(t_bar, dtype_of(t0_bar)))
        _, y_bar, t0_bar, leaf_bars = odeint(
            augmented, (y_i, y_bar, t0_bar, leaf_bars),
            fnp.stack([fnp.negative(t_i), fnp.negative(t_before)]), *leaves,
            rtol=rtol, atol=atol, mxstep=mxstep, hmax=hmax)
        y_bar, t0_bar, leaf_bars = tree_util.tree_map(lambda v: v[1],
                                                      (y_bar, t0_bar, leaf_bars))
        return (fnp.add(y_bar, g_before), t0_bar, leaf_bars), fnp.astype(t_bar, dtype_of(ts))

    init = (g[-1], fnp.zeros((), dtype_of(ts)), [fnp.zeros_like(leaves[i]) for i in wanted])
    (y_bar, t0_bar, leaf_bars), ts_bar = scan(
        interval, init, (ys[1:], ts[1:], g[1:], ts[:-1], g[:-1]), reverse=True)
    ts_bar = fnp.concatenate([fnp.expand_dims(t0_bar, 0), ts_bar])
    cotangents: list[Any] = [None] * len(leaves)
    for i, bar in zip(wanted, leaf_bars):
        cotangents[i] = bar
    return (y_bar, ts_bar, *tree_util.tree_unflatten(treedef, cotangents))


_odeint_custom = custom_vjp(_odeint_flat, nondiff_argnums=(0, 1, 2, 3, 4))
_odeint_custom.defvjp(_odeint_forward, _odeint_backward)


# ----------------------------------------------------------------------------------------------
# Pytrees to one vector, and closed-over tracers to arguments.


def _inexact(x: Any) -> Any:
    x = fnp.asarray(x)
    if not fnp.issubdtype(dtype_of(x), np.inexact):
        x = fnp.astype(x, np.float64)
    return x


def _ravel(tree: Any) -> tuple[Any, Callable[[Any], Any], Callable[[Any], Any]]:
    """The leaves as one vector of their common dtype, a function back to the tree, and one
    back to the tree of stacked leaves (for a leading time axis)."""
    leaves, treedef = tree_util.tree_flatten(tree)
    if not leaves:
        raise ValueError("odeint: y0 has no arrays in it.")
    shapes = [shape_of(leaf) for leaf in leaves]
    dtypes = [dtype_of(leaf) for leaf in leaves]
    sizes = [math.prod(shape) for shape in shapes]
    dtype = np.result_type(*dtypes)
    flat = fnp.concatenate([fnp.ravel(fnp.astype(leaf, dtype)) for leaf in leaves])
    bounds = np.cumsum([0] + sizes)

    def unravel(vector: Any) -> Any:
        parts = [fnp.astype(fnp.reshape(vector[bounds[i]:bounds[i + 1]], shapes[i]), dtypes[i])
                 for i in range(len(leaves))]
        return tree_util.tree_unflatten(treedef, parts)

    def unravel_stacked(matrix: Any) -> Any:
        n = shape_of(matrix)[0]
        parts = [fnp.astype(fnp.reshape(matrix[:, bounds[i]:bounds[i + 1]], (n, *shapes[i])),
                            dtypes[i]) for i in range(len(leaves))]
        return tree_util.tree_unflatten(treedef, parts)

    return flat, unravel, unravel_stacked


def _closure_convert(func: Callable, y0: Any, t0: Any, args: tuple) -> tuple[Callable, list]:
    """``func`` with the tracers it closes over as trailing arguments (and those tracers)."""
    traced = trace_function(func, (y0, t0, *args))
    if not traced.consts:
        return func, []
    closed, out_tree, count = traced.jaxpr, traced.out_tree, len(traced.consts)

    def converted(y: Any, t: Any, *rest: Any) -> Any:
        own, consts = rest[:len(rest) - count], rest[len(rest) - count:]
        flat, _ = tree_util.tree_flatten((y, t, *own))
        return tree_util.tree_unflatten(out_tree, run(closed, *consts, *flat))

    return converted, list(traced.consts)


def odeint(func: Callable[..., Any], y0: Any, t: ArrayLike, *args: Any, rtol: float = 1.4e-8,
           atol: float = 1.4e-8, mxstep: float = math.inf, hmax: float = math.inf) -> Any:
    """Integrate ``dy/dt = func(y, t, *args)`` from ``y0`` at ``t[0]`` and return ``y`` at every
    time in ``t`` (strictly increasing floats), with a new leading axis of ``len(t)``, as
    ``jax.experimental.ode.odeint``. ``y0`` may be a pytree. Reverse-mode differentiable in
    ``y0``, ``t``, ``args`` and the values ``func`` closes over (by the adjoint method);
    forward mode is refused, as in JAX. ``mxstep`` bounds the steps per output interval and
    ``hmax`` the step size."""
    if not callable(func):
        raise TypeError(f"odeint: func must be callable, got {func!r}.")
    for leaf in tree_util.tree_leaves(args):
        if not (isinstance(leaf, (Tracer, np.ndarray, np.generic, int, float, complex, bool))
                or hasattr(leaf, "__array__")):
            raise TypeError(f"odeint: the contents of *args must be arrays or scalars, but got "
                            f"{leaf!r}.")
    t = fnp.asarray(t)
    if not fnp.issubdtype(dtype_of(t), np.floating):
        raise TypeError(f"odeint: t must be an array of floats, but it has dtype "
                        f"{dtype_of(t)}.")
    if len(shape_of(t)) != 1 or shape_of(t)[0] < 1:
        raise ValueError(f"odeint: t must be a 1-d array of at least one time, but it has shape "
                         f"{shape_of(t)}.")
    for name, value in (("rtol", rtol), ("atol", atol), ("mxstep", mxstep), ("hmax", hmax)):
        if isinstance(value, Tracer):
            raise TypeError(f"odeint: {name} must be a Python number, not a traced value.")
    y0 = tree_util.tree_map(_inexact, y0)
    args = tuple(tree_util.tree_map(fnp.asarray, args))
    func, consts = _closure_convert(func, y0, t[0], args)
    flat_y0, unravel, unravel_stacked = _ravel(y0)

    def flat_func(y: Any, time: Any, *rest: Any) -> Any:
        out = func(unravel(y), time, *rest)
        leaves = tree_util.tree_leaves(out)
        return fnp.concatenate([fnp.ravel(fnp.astype(leaf, dtype_of(flat_y0)))
                                for leaf in leaves])

    ys = _odeint_custom(flat_func, float(rtol), float(atol), mxstep, hmax, flat_y0, t, *args,
                        *consts)
    return unravel_stacked(ys)
