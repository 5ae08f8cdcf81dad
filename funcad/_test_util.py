"""Checking derivatives against finite differences (``check_grads``).

The check never forms a Jacobian. It draws a random input direction v and a random output
direction u, and compares a directional derivative of f from central differences,
``<u, (f(x + eps v) - f(x - eps v)) / 2 eps>``, with the same number from reverse mode,
``<vjp(f, x)(u), v>``. Second order applies the same check to the function
``x -> vjp(f, x)(u)``.

Complex values are pairs of reals: directions perturb the real and imaginary parts at once,
and ``<a, b>`` is Re(sum(a * b)), with no conjugation, the pairing under which funcad's (and
JAX's) VJPs are the transposes of the JVPs.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from funcad import tree_util
from funcad.ad import vjp
from funcad.jvp import jvp
from funcad.rules import float0

__all__ = [
    "check_vjp", "check_grads", "check_jvp", "check_dot_product",
]


_DEFAULT_EPS = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 1e-2,
                np.dtype(np.float16): 1e-1}
_DEFAULT_TOL = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 5e-2,
                np.dtype(np.float16): 1e-1}


def _inexact(x: Any) -> bool:
    return np.result_type(x).kind in "fc"


def _lowest_precision(leaves: Sequence[Any]) -> np.dtype:
    """The real dtype of the least precise inexact leaf (complex64 counts as float32)."""
    dtypes = [np.result_type(np.finfo(np.result_type(x)).dtype)
              for x in leaves if _inexact(x)]
    return min(dtypes, key=lambda d: d.itemsize) if dtypes else np.dtype(np.float64)


def _random_like(rng: np.random.Generator, x: Any) -> Any:
    x = np.asarray(x)
    if not _inexact(x):
        return np.zeros(x.shape, x.dtype)
    if x.dtype.kind == "c":
        return (rng.standard_normal(x.shape) + 1j * rng.standard_normal(x.shape)).astype(x.dtype)
    return rng.standard_normal(x.shape).astype(x.dtype)


def _widest(x: np.ndarray) -> np.ndarray:
    return x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)


def _inner(xs: Sequence[Any], ys: Sequence[Any]) -> float:
    total = 0.0
    for x, y in zip(xs, ys):
        x, y = np.asarray(x), np.asarray(y)
        if _inexact(x) and _inexact(y):
            total += float(np.real(np.sum(_widest(x) * _widest(y))))
    return total


def _axpy(a: float, xs: Sequence[Any], ys: Sequence[Any]) -> list[Any]:
    out = []
    for x, y in zip(xs, ys):
        y = np.asarray(y)
        out.append((y + a * np.asarray(x)).astype(y.dtype) if _inexact(y) else y)
    return out


def check_vjp(f: Callable[..., Any], args: Sequence[Any], *, eps: float | None = None,
              atol: float | None = None, rtol: float | None = None,
              rng: np.random.Generator | None = None, label: str = "") -> None:
    """One random-direction comparison of reverse mode with central differences."""
    rng = rng if rng is not None else np.random.default_rng(0)
    flat, in_tree = tree_util.tree_flatten(tuple(args))
    flat = [np.asarray(x) for x in flat]
    dtype = _lowest_precision(flat)
    eps = eps if eps is not None else _DEFAULT_EPS.get(dtype, 1e-5)
    atol = atol if atol is not None else _DEFAULT_TOL.get(dtype, 1e-5)
    rtol = rtol if rtol is not None else _DEFAULT_TOL.get(dtype, 1e-5)

    def flat_f(leaves: Sequence[Any]) -> list[Any]:
        out = f(*tree_util.tree_unflatten(in_tree, list(leaves)))
        return [np.asarray(o) for o in tree_util.tree_leaves(out)]

    out, f_vjp = vjp(f, *tree_util.tree_unflatten(in_tree, flat))
    out_flat, out_tree = tree_util.tree_flatten(out)
    v = [_random_like(rng, x) for x in flat]
    u = [_random_like(rng, o) for o in out_flat]
    plus = flat_f(_axpy(eps, v, flat))
    minus = flat_f(_axpy(-eps, v, flat))
    numeric = [(_widest(p) - _widest(m)) / (2 * eps)
               if _inexact(p) else np.zeros(np.shape(p)) for p, m in zip(plus, minus)]
    numeric_dir = _inner(u, numeric)
    cotangents = tree_util.tree_leaves(f_vjp(tree_util.tree_unflatten(out_tree, u)))
    reverse_dir = _inner(cotangents, v)
    scale = max(abs(numeric_dir), abs(reverse_dir))
    if not abs(numeric_dir - reverse_dir) <= atol + rtol * scale:
        raise AssertionError(
            f"check_grads{label}: reverse mode and finite differences disagree.\n"
            f"  <u, (f(x + eps v) - f(x - eps v)) / (2 eps)> = {numeric_dir!r}\n"
            f"  <vjp(f, x)(u), v>                             = {reverse_dir!r}\n"
            f"  difference {abs(numeric_dir - reverse_dir):.3g} > atol {atol:g} + rtol {rtol:g}"
            f" * {scale:.3g}  (eps={eps:g}, input dtype {dtype.name})"
        )


def check_grads(f: Callable[..., Any], args: Sequence[Any], order: int = 1,
                modes: Sequence[str] = ("rev",), eps: float | None = None,
                atol: float | None = None, rtol: float | None = None,
                seed: int = 0) -> None:
    """Check ``f``'s derivatives at ``args`` (a tuple of arguments, each a pytree) against
    central finite differences along random directions, up to ``order`` (1 or 2). Raises
    AssertionError with the numbers when they disagree."""
    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    for mode in modes:
        if mode not in ("rev", "fwd"):
            raise ValueError(f"check_grads: unknown mode {mode!r} (expected 'rev' or 'fwd')")
    if order < 1:
        raise ValueError(f"check_grads: order must be >= 1, got {order}")
    rng = np.random.default_rng(seed)
    args = tuple(args)
    if "fwd" in modes:
        _check_fwd(f, args, order, eps, atol, rtol, rng)
    if "rev" in modes:
        _check_rev(f, args, order, eps, atol, rtol, rng)
    if "fwd" in modes and "rev" in modes:
        check_dot_product(f, args, atol=atol, rtol=rtol, rng=rng)


def check_jvp(f: Callable[..., Any], args: Sequence[Any], *, eps: float | None = None,
              atol: float | None = None, rtol: float | None = None,
              rng: np.random.Generator | None = None, label: str = "") -> None:
    """Forward mode against central differences along one random input direction v: the
    whole output tangent is compared elementwise."""
    rng = rng if rng is not None else np.random.default_rng(0)
    flat, in_tree = tree_util.tree_flatten(tuple(args))
    flat = [np.asarray(x) for x in flat]
    dtype = _lowest_precision(flat)
    eps = eps if eps is not None else _DEFAULT_EPS.get(dtype, 1e-5)
    atol = atol if atol is not None else _DEFAULT_TOL.get(dtype, 1e-5)
    rtol = rtol if rtol is not None else _DEFAULT_TOL.get(dtype, 1e-5)
    v = [_random_like(rng, x) for x in flat]
    tangents = [t if _inexact(x) else np.zeros(np.shape(x), float0)
                for t, x in zip(v, flat)]
    _, tangent_out = jvp(f, tree_util.tree_unflatten(in_tree, flat),
                         tree_util.tree_unflatten(in_tree, tangents))

    def flat_f(leaves: Sequence[Any]) -> list[Any]:
        out = f(*tree_util.tree_unflatten(in_tree, list(leaves)))
        return [np.asarray(o) for o in tree_util.tree_leaves(out)]

    plus = flat_f(_axpy(eps, v, flat))
    minus = flat_f(_axpy(-eps, v, flat))
    for i, (t, p, m) in enumerate(zip(tree_util.tree_leaves(tangent_out), plus, minus)):
        if not _inexact(p):
            continue
        numeric = (_widest(p) - _widest(m)) / (2 * eps)
        t = _widest(np.asarray(t))
        if not np.allclose(t, numeric, atol=atol, rtol=rtol):
            worst = np.max(np.abs(t - numeric)) if t.size else 0.0
            raise AssertionError(
                f"check_grads{label}: forward mode and finite differences disagree on output "
                f"leaf {i}.\n  jvp tangent:        {t!r}\n  finite differences: {numeric!r}\n"
                f"  max difference {worst:.3g} (atol {atol:g}, rtol {rtol:g}, eps={eps:g}, "
                f"input dtype {dtype.name})")


def check_dot_product(f: Callable[..., Any], args: Sequence[Any], *, atol: float | None = None,
                      rtol: float | None = None,
                      rng: np.random.Generator | None = None) -> None:
    """The transpose test: for random u, v, <u, jvp(f, x)(v)> == <vjp(f, x)(u), v>."""
    rng = rng if rng is not None else np.random.default_rng(0)
    flat, in_tree = tree_util.tree_flatten(tuple(args))
    flat = [np.asarray(x) for x in flat]
    dtype = _lowest_precision(flat)
    atol = atol if atol is not None else _DEFAULT_TOL.get(dtype, 1e-5)
    rtol = rtol if rtol is not None else _DEFAULT_TOL.get(dtype, 1e-5)
    primals = tree_util.tree_unflatten(in_tree, flat)
    v = [_random_like(rng, x) for x in flat]
    tangents = [t if _inexact(x) else np.zeros(np.shape(x), float0) for t, x in zip(v, flat)]
    out, tangent_out = jvp(f, primals, tree_util.tree_unflatten(in_tree, tangents))
    out_flat, out_tree = tree_util.tree_flatten(out)
    u = [_random_like(rng, o) for o in out_flat]
    _, f_vjp = vjp(f, *primals)
    cotangents = tree_util.tree_leaves(f_vjp(tree_util.tree_unflatten(out_tree, u)))
    forward = _inner(u, tree_util.tree_leaves(tangent_out))
    reverse = _inner(cotangents, v)
    if not abs(forward - reverse) <= atol + rtol * max(abs(forward), abs(reverse)):
        raise AssertionError(
            f"check_grads: forward and reverse mode disagree (transpose test).\n"
            f"  <u, jvp(v)> = {forward!r}\n  <vjp(u), v> = {reverse!r}")


def _check_fwd(f, args, order, eps, atol, rtol, rng, level=1) -> None:
    check_jvp(f, args, eps=eps, atol=atol, rtol=rtol, rng=rng,
              label=f" (fwd, derivative of order {level})")
    if order > 1:
        flat, in_tree = tree_util.tree_flatten(tuple(args))
        v = tree_util.tree_unflatten(in_tree, [
            _random_like(rng, x) if _inexact(x) else np.zeros(np.shape(x), float0)
            for x in flat])

        def f_jvp_at(*primals: Any) -> Any:
            return jvp(f, primals, v)[1]

        _check_fwd(f_jvp_at, args, order - 1, eps, atol, rtol, rng, level + 1)


def _check_rev(f, args, order, eps, atol, rtol, rng, level=1) -> None:
    check_vjp(f, args, eps=eps, atol=atol, rtol=rtol, rng=rng,
              label=f" (rev, derivative of order {level})")
    if order > 1:
        out = f(*args)
        u = tree_util.tree_map(lambda o: _random_like(rng, o), out)

        def f_vjp_at(*primals: Any) -> Any:
            return vjp(f, *primals)[1](u)

        _check_rev(f_vjp_at, args, order - 1, eps, atol, rtol, rng, level + 1)
