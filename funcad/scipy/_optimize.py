"""minimize with BFGS and a strong-Wolfe line search, as jax.scipy.optimize (the API is
funcad.scipy.optimize).

The iterations are ``while_loop``\\ s over a state of arrays, so ``minimize`` runs eagerly
and under ``jit`` alike. Branches are ``where`` selections rather than ``cond``: every
candidate step is computed and the valid one kept, as JAX does. The line search is Nocedal
and Wright's algorithm 3.5, its zoom phase algorithm 3.6 (cubic, then quadratic
interpolation, then bisection), and the inverse-Hessian update algorithm 6.1.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple

import numpy as np

import funcad.numpy as fnp
from funcad.ad import value_and_grad
from funcad.control_flow import while_loop
from funcad.core import dtype_of, shape_of
from funcad.typing import Array, ArrayLike

__all__ = ["minimize", "OptimizeResults", "line_search", "LineSearchResults"]


class OptimizeResults(NamedTuple):
    """The result of ``minimize``. ``status``: 0 converged, 1 the iteration limit reached,
    3 the zoom phase of the line search failed, 5 the line search's iteration limit reached,
    -1 otherwise (``2 +`` the line search's status when it failed)."""

    x: Array
    success: Array
    status: Array
    fun: Array
    jac: Array
    hess_inv: Array
    nfev: Array
    njev: Array
    nit: Array


class LineSearchResults(NamedTuple):
    """The result of ``line_search``: ``a_k`` the step length, ``f_k`` and ``g_k`` the value
    and gradient there; ``status`` 0 passed, 1 zoom failed, 3 the iteration limit reached."""

    failed: Array
    nit: Array
    nfev: Array
    ngev: Array
    k: Array
    a_k: Array
    f_k: Array
    g_k: Array
    status: Array


def _select(flag: Any, new: dict, old: dict) -> dict:
    return {key: fnp.where(flag, value, old[key]) for key, value in new.items()}


def _replace(state: dict, flag: Any, **new: Any) -> dict:
    out = dict(state)
    out.update(_select(flag, new, state))
    return out


def _nan_unless(ok: Any, value: Any) -> Any:
    return fnp.where(ok, value, np.nan)


def _nonzero(x: Any) -> tuple[Any, Any]:
    """Whether ``x`` is nonzero, and ``x`` with 1 where it is zero: divisions by it are then
    computed without warnings, and their results discarded with ``_nan_unless``."""
    ok = x != 0
    return ok, fnp.where(ok, x, 1.0)


def _cubic_minimizer(a, fa, fpa, b, fb, c, fc):
    """The minimizer of the cubic through (a, fa) with slope fpa, (b, fb) and (c, fc); nan
    where there is none."""
    db, dc = fnp.subtract(b, a), fnp.subtract(c, a)
    ok, denominator = _nonzero((db * dc) ** 2 * (db - dc))
    rb = fb - fa - fpa * db
    rc = fc - fa - fpa * dc
    big_a = (dc ** 2 * rb - db ** 2 * rc) / denominator
    big_b = (-dc ** 3 * rb + db ** 3 * rc) / denominator
    a_ok, big_a = _nonzero(big_a)
    radical = big_b * big_b - 3.0 * big_a * fpa
    r_ok = radical >= 0
    root = fnp.sqrt(fnp.where(r_ok, radical, 0.0))
    return _nan_unless(ok & a_ok & r_ok, a + (-big_b + root) / (3.0 * big_a))


def _quadratic_minimizer(a, fa, fpa, b, fb):
    db = fnp.subtract(b, a)
    ok, db_safe = _nonzero(db)
    c_ok, curvature = _nonzero((fb - fa - fpa * db) / (db_safe ** 2))
    return _nan_unless(ok & c_ok, a - fpa / (2.0 * curvature))


def _zoom(phi_and_derivative, wolfe_one, wolfe_two, a_lo, phi_lo, dphi_lo, a_hi, phi_hi,
          dphi_hi, g_0, pass_through):
    """Shrink [a_lo, a_hi] until a step satisfies both Wolfe conditions (or give up)."""
    state = dict(done=np.bool_(False), failed=np.bool_(False), j=np.int64(0), a_lo=a_lo,
                 phi_lo=phi_lo, dphi_lo=dphi_lo, a_hi=a_hi, phi_hi=phi_hi, dphi_hi=dphi_hi,
                 a_rec=(a_lo + a_hi) / 2.0, phi_rec=(phi_lo + phi_hi) / 2.0,
                 a_star=fnp.ones_like(a_lo), phi_star=phi_lo, dphi_star=dphi_lo, g_star=g_0,
                 nfev=np.int64(0), ngev=np.int64(0))
    threshold = 1e-10 if np.finfo(dtype_of(a_lo)).bits >= 64 else 1e-5

    def body(state: dict) -> dict:
        s = dict(state)
        width = s["a_hi"] - s["a_lo"]
        low = fnp.minimum(s["a_hi"], s["a_lo"])
        high = fnp.maximum(s["a_hi"], s["a_lo"])
        cubic_check, quadratic_check = 0.2 * width, 0.1 * width
        s["failed"] = fnp.logical_or(s["failed"], width <= threshold)
        # (the cubic step may be nan; then its bounds check fails)
        a_cubic = _cubic_minimizer(s["a_lo"], s["phi_lo"], s["dphi_lo"], s["a_hi"],
                                   s["phi_hi"], s["a_rec"], s["phi_rec"])
        use_cubic = (s["j"] > 0) & (a_cubic > low + cubic_check) & (a_cubic < high - cubic_check)
        a_quadratic = _quadratic_minimizer(s["a_lo"], s["phi_lo"], s["dphi_lo"], s["a_hi"],
                                           s["phi_hi"])
        use_quadratic = (~use_cubic & (a_quadratic > low + quadratic_check)
                         & (a_quadratic < high - quadratic_check))
        a_j = fnp.where(use_cubic, a_cubic, s["a_rec"])
        a_j = fnp.where(use_quadratic, a_quadratic, a_j)
        a_j = fnp.where(~use_cubic & ~use_quadratic, (s["a_lo"] + s["a_hi"]) / 2.0, a_j)
        phi_j, dphi_j, g_j = phi_and_derivative(a_j)
        phi_j = fnp.astype(phi_j, dtype_of(s["phi_lo"]))
        dphi_j = fnp.astype(dphi_j, dtype_of(s["dphi_lo"]))
        s["nfev"], s["ngev"] = s["nfev"] + 1, s["ngev"] + 1

        hi_to_j = wolfe_one(a_j, phi_j) | (phi_j >= s["phi_lo"])
        star_to_j = wolfe_two(dphi_j) & ~hi_to_j
        hi_to_lo = (dphi_j * (s["a_hi"] - s["a_lo"]) >= 0.0) & ~hi_to_j & ~star_to_j
        lo_to_j = ~hi_to_j & ~star_to_j

        s = _replace(s, hi_to_j, a_hi=a_j, phi_hi=phi_j, dphi_hi=dphi_j, a_rec=s["a_hi"],
                     phi_rec=s["phi_hi"])
        s["done"] = star_to_j | s["done"]
        s = _replace(s, star_to_j, a_star=a_j, phi_star=phi_j, dphi_star=dphi_j, g_star=g_j)
        s = _replace(s, hi_to_lo, a_hi=s["a_lo"], phi_hi=s["phi_lo"], dphi_hi=s["dphi_lo"],
                     a_rec=s["a_hi"], phi_rec=s["phi_hi"])
        s = _replace(s, lo_to_j & ~hi_to_lo, a_rec=s["a_lo"], phi_rec=s["phi_lo"])
        s = _replace(s, lo_to_j, a_lo=a_j, phi_lo=phi_j, dphi_lo=dphi_j)
        s["j"] = s["j"] + 1
        s["failed"] = s["failed"] | (s["j"] >= 30)
        return s

    return while_loop(lambda s: ~s["done"] & ~pass_through & ~s["failed"], body, state)


def line_search(f: Callable[[Array], ArrayLike], xk: ArrayLike, pk: ArrayLike,
                old_fval: ArrayLike | None = None, old_old_fval: ArrayLike | None = None,
                gfk: ArrayLike | None = None, c1: float = 1e-4, c2: float = 0.9,
                maxiter: int = 20) -> LineSearchResults:
    """An inexact line search along ``pk`` (a descent direction) from ``xk`` for a step that
    satisfies the strong Wolfe conditions with constants ``c1`` and ``c2``."""
    dtype = np.result_type(dtype_of(xk), dtype_of(pk), np.float16)
    xk, pk = fnp.astype(xk, dtype), fnp.astype(pk, dtype)

    def phi_and_derivative(step: Any) -> tuple[Any, Any, Any]:
        value, gradient = value_and_grad(f)(fnp.add(xk, fnp.multiply(fnp.astype(step, dtype),
                                                                     pk)))
        return value, fnp.real(fnp.dot(gradient, pk)), gradient

    initial_given = old_fval is not None and gfk is not None
    if old_fval is not None and gfk is not None:  # (initial_given, spelled out for mypy)
        phi_0, dphi_0 = fnp.asarray(old_fval), fnp.real(fnp.dot(gfk, pk))
    else:
        phi_0, dphi_0, gfk = phi_and_derivative(np.zeros((), dtype))
    if old_old_fval is not None:
        ok, slope = _nonzero(dphi_0)
        candidate = 1.01 * 2 * (phi_0 - old_old_fval) / slope
        start = fnp.where(~ok | (candidate > 1), 1.0, candidate)
    else:
        start = fnp.ones_like(dphi_0)
    start = fnp.astype(start, dtype_of(dphi_0))

    def wolfe_one(a_i: Any, phi_i: Any) -> Any:  # (the sufficient decrease fails)
        return phi_i > phi_0 + c1 * a_i * dphi_0

    def wolfe_two(dphi_i: Any) -> Any:  # (the curvature condition holds)
        return fnp.abs(dphi_i) <= -c2 * dphi_0

    zero_step = fnp.zeros_like(dphi_0)
    count = np.int64(0 if initial_given else 1)
    state = dict(done=np.bool_(False), failed=np.bool_(False), i=np.int64(1), a_i1=zero_step,
                 phi_i1=phi_0, dphi_i1=dphi_0, nfev=count, ngev=count, a_star=zero_step,
                 phi_star=phi_0, dphi_star=dphi_0, g_star=gfk)

    def body(state: dict) -> dict:
        s = dict(state)
        a_i = fnp.where(s["i"] == 1, start, s["a_i1"] * 2.0)
        phi_i, dphi_i, g_i = phi_and_derivative(a_i)
        s["nfev"], s["ngev"] = s["nfev"] + 1, s["ngev"] + 1
        star_to_zoom1 = wolfe_one(a_i, phi_i) | ((phi_i >= s["phi_i1"]) & (s["i"] > 1))
        star_to_i = wolfe_two(dphi_i) & ~star_to_zoom1
        star_to_zoom2 = (dphi_i >= 0.0) & ~star_to_zoom1 & ~star_to_i
        zoom1 = _zoom(phi_and_derivative, wolfe_one, wolfe_two, s["a_i1"], s["phi_i1"],
                      s["dphi_i1"], a_i, phi_i, dphi_i, gfk, ~star_to_zoom1)
        s["nfev"], s["ngev"] = s["nfev"] + zoom1["nfev"], s["ngev"] + zoom1["ngev"]
        zoom2 = _zoom(phi_and_derivative, wolfe_one, wolfe_two, a_i, phi_i, dphi_i, s["a_i1"],
                      s["phi_i1"], s["dphi_i1"], gfk, ~star_to_zoom2)
        s["nfev"], s["ngev"] = s["nfev"] + zoom2["nfev"], s["ngev"] + zoom2["ngev"]
        keys = ("a_star", "phi_star", "dphi_star", "g_star")
        s["done"] = star_to_zoom1 | s["done"]
        s["failed"] = (star_to_zoom1 & zoom1["failed"]) | s["failed"]
        s = _replace(s, star_to_zoom1, **{k: zoom1[k] for k in keys})
        s["done"] = star_to_i | s["done"]
        s = _replace(s, star_to_i, a_star=a_i, phi_star=phi_i, dphi_star=dphi_i, g_star=g_i)
        s["done"] = star_to_zoom2 | s["done"]
        s["failed"] = (star_to_zoom2 & zoom2["failed"]) | s["failed"]
        s = _replace(s, star_to_zoom2, **{k: zoom2[k] for k in keys})
        s.update(i=s["i"] + 1, a_i1=a_i, phi_i1=phi_i, dphi_i1=dphi_i)
        return s

    state = while_loop(lambda s: ~s["done"] & (s["i"] <= maxiter) & ~s["failed"], body, state)
    status = fnp.where(state["failed"], 1, fnp.where(state["i"] > maxiter, 3, 0))
    a_k = state["a_star"]
    if np.finfo(dtype_of(a_k)).bits != 64:
        # (a tiny step in low precision would stall the minimizer)
        a_k = fnp.where(fnp.abs(a_k) < 1e-8, fnp.sign(a_k) * 1e-8, a_k)
    return LineSearchResults(failed=state["failed"] | ~state["done"], nit=state["i"] - 1,
                             nfev=state["nfev"], ngev=state["ngev"], k=state["i"], a_k=a_k,
                             f_k=state["phi_star"], g_k=state["g_star"], status=status)


def _minimize_bfgs(fun: Callable[[Any], Any], x0: Any, maxiter: Any = None, norm: Any = np.inf,
                   gtol: float = 1e-5, line_search_maxiter: int = 10) -> dict:
    if maxiter is None:
        maxiter = int(np.size(np.empty(shape_of(x0)))) * 200
    d = shape_of(x0)[0]
    f_0, g_0 = value_and_grad(fun)(x0)
    state = dict(converged=fnp.linalg.norm(g_0, ord=norm) < gtol, failed=np.bool_(False),
                 k=np.int64(0), nfev=np.int64(1), ngev=np.int64(1), x_k=x0, f_k=f_0, g_k=g_0,
                 H_k=fnp.eye(d, dtype=dtype_of(x0)),
                 old_old_fval=f_0 + fnp.linalg.norm(g_0) / 2,
                 line_search_status=np.int64(0))

    def body(state: dict) -> dict:
        s = dict(state)
        p_k = -fnp.dot(s["H_k"], s["g_k"])
        found = line_search(fun, s["x_k"], p_k, old_fval=s["f_k"],
                            old_old_fval=s["old_old_fval"], gfk=s["g_k"],
                            maxiter=line_search_maxiter)
        s_k = found.a_k * p_k
        x_next = s["x_k"] + s_k
        y_k = found.g_k - s["g_k"]
        ok, curvature = _nonzero(fnp.dot(y_k, s_k))
        rho = fnp.reciprocal(curvature)
        ok = ok & fnp.isfinite(rho)  # (no update without curvature information)
        rho = fnp.where(ok, rho, 0.0)
        w = fnp.eye(d, dtype=dtype_of(rho)) - rho * fnp.outer(s_k, y_k)
        h_next = w @ s["H_k"] @ w.T + rho * fnp.outer(s_k, s_k)
        h_next = fnp.where(ok, h_next, s["H_k"])
        s.update(nfev=s["nfev"] + found.nfev, ngev=s["ngev"] + found.ngev,
                 failed=found.failed, line_search_status=found.status,
                 converged=fnp.linalg.norm(found.g_k, ord=norm) < gtol, k=s["k"] + 1,
                 x_k=x_next, f_k=found.f_k, g_k=found.g_k,
                 H_k=fnp.astype(h_next, dtype_of(s["H_k"])), old_old_fval=s["f_k"])
        return s

    state = while_loop(lambda s: ~s["converged"] & ~s["failed"] & (s["k"] < maxiter), body,
                       state)
    state["status"] = fnp.where(
        state["converged"], 0,
        fnp.where(state["k"] == maxiter, 1,
                  fnp.where(state["failed"], 2 + state["line_search_status"], -1)))
    return state


_BFGS_OPTIONS = ("maxiter", "norm", "gtol", "line_search_maxiter")


def minimize(fun: Callable[..., ArrayLike], x0: ArrayLike, args: tuple[Any, ...] = (), *,
             method: str, tol: float | None = None,
             options: Mapping[str, Any] | None = None) -> OptimizeResults:
    """Minimize ``fun(x, *args)`` (a real scalar) over a 1-d ``x`` from ``x0``, as
    ``jax.scipy.optimize.minimize``: ``method="BFGS"`` with gradients by ``funcad.grad``;
    options ``maxiter`` (default 200 * x0.size), ``norm`` (of the gradient, default inf),
    ``gtol`` (default 1e-5) and ``line_search_maxiter`` (default 10). ``tol`` is accepted and
    unused, as in JAX. Works under ``jit``; not differentiable itself."""
    options = {} if options is None else dict(options)
    if not isinstance(args, tuple):
        raise TypeError(f"minimize: args must be a tuple, got {type(args).__name__}.")
    if not isinstance(method, str):
        raise TypeError(f"minimize: method must be a string, got {method!r}.")
    if method.lower() != "bfgs":
        raise ValueError(f"minimize: method {method!r} not recognized (only 'BFGS' is "
                         f"supported).")
    unknown = sorted(set(options) - set(_BFGS_OPTIONS))
    if unknown:
        raise TypeError(f"minimize: unknown options {unknown} for BFGS (expected some of "
                        f"{list(_BFGS_OPTIONS)}).")
    x0 = fnp.asarray(x0)
    if len(shape_of(x0)) != 1:
        raise ValueError(f"minimize: x0 must be a 1-d array, but it has shape {shape_of(x0)}.")
    if not fnp.issubdtype(dtype_of(x0), np.floating):
        if fnp.issubdtype(dtype_of(x0), np.complexfloating):
            raise TypeError("minimize: x0 must be real; complex x0 is not supported.")
        x0 = fnp.astype(x0, np.float64)
    state = _minimize_bfgs(lambda x: fun(x, *args), x0, **options)
    return OptimizeResults(x=state["x_k"], success=state["converged"] & ~state["failed"],
                           status=state["status"], fun=state["f_k"], jac=state["g_k"],
                           hess_inv=state["H_k"], nfev=state["nfev"], njev=state["ngev"],
                           nit=state["k"])
