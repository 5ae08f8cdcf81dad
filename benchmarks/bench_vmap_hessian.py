"""Batching and forward-over-reverse: funcad's eager vmap and hessian against closed-form
NumPy, a Python loop of grads, autograd, JAX and PyTorch.

One run prints one table, side by side, float64, for two cases (issue 3, "Speed"):

  (e) per-example gradients of a logistic loss, w of shape (100,), a batch of 128 examples
      (x of shape (128, 100), labels y in {0, 1}):
          loss(w, x, y) = logaddexp(0, x . w) - y (x . w)      (one example)
      funcad ``vmap(grad(loss), in_axes=(None, 0, 0))``; a Python loop of ``funcad.grad``
      calls, stacked; the closed form (sigmoid(X w) - y)[:, None] * X; autograd (a loop of
      ``autograd.grad``: autograd has no vmap); JAX ``jax.vmap(jax.grad(loss))``; PyTorch
      ``torch.func.vmap(torch.func.grad(loss))``.
  (f) the full Hessian of f(x) = sum(tanh(A @ x)), A of shape (30, 50), x of shape (50,):
      funcad.hessian; the closed form A^T diag(-2 t (1 - t^2)) A with t = tanh(A x) (written
      as (A.T * d) @ A); ``autograd.hessian``; ``jax.hessian``; ``torch.func.hessian``. The
      "funcad loop" column is a Python loop of 50 Hessian-vector products
      (``funcad.hvp`` on the basis vectors), for scale: what jacfwd's vmap replaces.

JAX runs without ``jit`` (x64 enabled), PyTorch eager on CPU, everything with one thread.
Each cell is the median wall time of one call (the whole batch, the whole Hessian) and its
ratio to the closed form. Every column is checked against the closed form with
``np.allclose`` before anything is timed (and the closed form against finite differences);
a mismatch raises and the script exits non-zero. Then funcad against the targets of issue 3.

    python benchmarks/bench_vmap_hessian.py                 # the full run (about 1 minute)
    taskset -c 0 python benchmarks/bench_vmap_hessian.py    # pinned to one core (reported)
    python benchmarks/bench_vmap_hessian.py --quick         # smoke run, a few seconds
    python benchmarks/bench_vmap_hessian.py --only e        # one case (e, f)
    python benchmarks/bench_vmap_hessian.py --libs numpy,funcad,torch
    python benchmarks/bench_vmap_hessian.py --clock cpu     # CPU time instead of wall time

The helpers (timing in interleaved rounds, machine info, thread limits, the GC policy) are
those of bench_grad.py, imported from it.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import bench_grad  # (shared timing, formatting and environment helpers)
from bench_grad import Budget, Timing, fmt_ratio, fmt_time

REPO_ROOT = bench_grad.REPO_ROOT

CASES = {
    "e": "(e) per-example grads, logistic, w (100,), batch 128",
    "f": "(f) Hessian of sum(tanh(A @ x)), A (30, 50)",
}
# Columns. "funcad_loop" is a Python loop of funcad calls: per-example grad for (e), one
# Hessian-vector product per basis vector for (f).
COLUMNS = ("numpy", "funcad", "funcad_loop", "autograd", "jax", "torch")
PEERS = ("autograd", "jax", "torch")
LIBS = ("numpy", "funcad", "autograd", "jax", "torch")  # what --libs selects
COLUMN_TITLES = {
    "numpy": "NumPy closed form",
    "funcad": "funcad",
    "funcad_loop": "funcad loop",
    "autograd": "autograd",
    "jax": "JAX (eager)",
    "torch": "PyTorch eager",
}
CELL_NOTES = {
    ("e", "funcad"): "vmap(grad(loss), in_axes=(None, 0, 0))",
    ("e", "funcad_loop"): "np.stack([grad(loss)(w, x_i, y_i) for 128 examples])",
    ("e", "numpy"): "(sigmoid(X @ w) - y)[:, None] * X",
    ("e", "autograd"): "loop of autograd.grad (no vmap in autograd)",
    ("e", "jax"): "jax.vmap(jax.grad(loss), in_axes=(None, 0, 0)), no jit",
    ("e", "torch"): "torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0, 0))",
    ("f", "funcad"): "funcad.hessian(f) = jacfwd(jacrev(f))",
    ("f", "funcad_loop"): "np.stack([hvp(f, (x,), (e_i,)) for 50 basis vectors])",
    ("f", "numpy"): "(A.T * d) @ A, d = -2 t (1 - t^2), t = tanh(A @ x)",
    ("f", "autograd"): "autograd.hessian(f)",
    ("f", "jax"): "jax.hessian(f), no jit",
    ("f", "torch"): "torch.func.hessian(f)",
}

N_FEATURES = 100
BATCH = 128
A_SHAPE = (30, 50)

# Targets for funcad without jit (issue 3, "Speed").
TARGET_LOOP_SPEEDUP = 30.0
# The issue's own measurements (one core, float64), for the reader's comparison.
ISSUE_REFERENCE = {
    "e": {"numpy": 7e-6, "autograd": 6.0e-3, "torch": 158e-6, "jax": 1.5e-3},
    "f": {"numpy": 8e-6, "autograd": 2.8e-3, "torch": 549e-6, "jax": 4.9e-3},
}


# ----------------------------------------------------------------------------------------------
# The problems.


def logistic_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """w (100,), X (128, 100), y (128,) of 0.0/1.0, float64. X w is about N(0, 1)."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=N_FEATURES) / math.sqrt(N_FEATURES)
    X = rng.normal(size=(BATCH, N_FEATURES))
    y = (rng.random(BATCH) < 0.5).astype(np.float64)
    return w, X, y


def tanh_data(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """A (30, 50) and x (50,), float64; A x is about N(0, 1), away from tanh's saturation."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=A_SHAPE) / math.sqrt(A_SHAPE[1])
    x = rng.normal(size=A_SHAPE[1])
    return A, x


def make_logistic_loss(xp: Any, logaddexp: Callable[[Any, Any], Any] | None = None
                       ) -> Callable[[Any, Any, Any], Any]:
    """The loss of one example: softplus(z) - y z with z = x . w (the negative log-likelihood
    of y under sigmoid(z)), written with logaddexp(0, z) so that it cannot overflow."""
    lae = logaddexp or (lambda a, b: xp.logaddexp(a, b))

    def loss(w: Any, x: Any, y: Any) -> Any:
        z = xp.dot(x, w)
        return lae(0.0, z) - y * z

    return loss


def make_tanh_sum(xp: Any, A: Any) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        return xp.sum(xp.tanh(A @ x))

    return f


def numpy_per_example_grads(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """d loss_i / d w = (sigmoid(x_i . w) - y_i) x_i, for all i at once."""
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return (p - y)[:, None] * X


def numpy_hessian(A: np.ndarray, x: np.ndarray) -> np.ndarray:
    """H = A^T diag(d) A with d = tanh'' (A x) = -2 t (1 - t^2): scaling A's columns by d
    (A.T * d) instead of building the diagonal matrix."""
    t = np.tanh(A @ x)
    d = -2.0 * t * (1.0 - t * t)
    return (A.T * d) @ A


# ----------------------------------------------------------------------------------------------
# Per column: a zero-argument callable and a converter to one NumPy array.


class Impl:
    def __init__(self, call: Callable[[], Any],
                 to_numpy: Callable[[Any], np.ndarray] | None = None,
                 warmup: Callable[[], Any] | None = None):
        self.call = call
        self.to_numpy = to_numpy or (lambda r: np.asarray(r, dtype=np.float64))
        self.warmup = warmup


def numpy_impl(case: str) -> Impl:
    if case == "e":
        w, X, y = logistic_data()
        return Impl(lambda: numpy_per_example_grads(w, X, y))
    A, x = tanh_data()
    return Impl(lambda: numpy_hessian(A, x))


def funcad_impl(case: str) -> Impl:
    import funcad
    import funcad.numpy as fnp

    if case == "e":
        w, X, y = logistic_data()
        per_example = funcad.vmap(funcad.grad(make_logistic_loss(fnp)), in_axes=(None, 0, 0))
        return Impl(lambda: per_example(w, X, y))
    A, x = tanh_data()
    hess = funcad.hessian(make_tanh_sum(fnp, A))
    return Impl(lambda: hess(x))


def funcad_loop_impl(case: str) -> Impl:
    import funcad
    import funcad.numpy as fnp

    if case == "e":
        w, X, y = logistic_data()
        g = funcad.grad(make_logistic_loss(fnp))
        # Rows of X and elements of y as NumPy values, as a user's loop would index them.
        return Impl(lambda: np.stack([g(w, X[i], y[i]) for i in range(BATCH)]))
    A, x = tanh_data()
    f = make_tanh_sum(fnp, A)
    basis = list(np.eye(x.shape[0]))
    return Impl(lambda: np.stack([funcad.hvp(f, (x,), (v,)) for v in basis]))


def autograd_impl(case: str) -> Impl:
    import autograd
    import autograd.numpy as anp

    if case == "e":
        w, X, y = logistic_data()
        g = autograd.grad(make_logistic_loss(anp))
        return Impl(lambda: np.stack([g(w, X[i], y[i]) for i in range(BATCH)]))
    A, x = tanh_data()
    hess = autograd.hessian(make_tanh_sum(anp, A))
    return Impl(lambda: hess(x))


def jax_impl(case: str) -> Impl:
    import jax
    import jax.numpy as jnp

    def ready(fn: Callable[[], Any]) -> Callable[[], Any]:
        return lambda: jax.block_until_ready(fn())

    if case == "e":
        w, X, y = (jnp.asarray(a) for a in logistic_data())
        per_example = jax.vmap(jax.grad(make_logistic_loss(jnp)), in_axes=(None, 0, 0))
        return Impl(ready(lambda: per_example(w, X, y)))
    A, x = (jnp.asarray(a) for a in tanh_data())
    hess = jax.hessian(make_tanh_sum(jnp, A))
    return Impl(ready(lambda: hess(x)))


def torch_impl(case: str) -> Impl:
    import torch
    from torch.func import grad, hessian, vmap

    def to_numpy(t: Any) -> np.ndarray:
        return t.detach().numpy().astype(np.float64)

    if case == "e":
        w, X, y = (torch.from_numpy(a) for a in logistic_data())
        zero = torch.zeros((), dtype=torch.float64)
        loss = make_logistic_loss(torch, lambda a, b: torch.logaddexp(zero, b))
        per_example = vmap(grad(loss), in_dims=(None, 0, 0))
        return Impl(lambda: per_example(w, X, y), to_numpy)
    A, x = (torch.from_numpy(a) for a in tanh_data())
    hess = hessian(make_tanh_sum(torch, A))
    return Impl(lambda: hess(x), to_numpy)


IMPL_FACTORIES = {
    "numpy": numpy_impl,
    "funcad": funcad_impl,
    "funcad_loop": funcad_loop_impl,
    "autograd": autograd_impl,
    "jax": jax_impl,
    "torch": torch_impl,
}


# ----------------------------------------------------------------------------------------------
# Checking every column against the closed form before timing it.


class ResultMismatch(AssertionError):
    pass


def _assert_close(name: str, got: np.ndarray, want: np.ndarray) -> None:
    if got.shape != want.shape:
        raise ResultMismatch(f"{name}: shape {got.shape}, expected {want.shape}")
    scale = float(np.max(np.abs(want)))
    if not np.allclose(got, want, rtol=1e-7, atol=1e-12 * scale):
        err = float(np.max(np.abs(got - want)))
        raise ResultMismatch(f"{name}: differs from the closed form: max abs error {err:.3e}, "
                             f"max abs value {scale:.3e}")


def _check_closed_forms() -> None:
    """The closed forms against central finite differences of the plain NumPy functions, and
    the Hessian's two writings against each other."""
    eps = 1e-6
    w, X, y = logistic_data()
    loss = make_logistic_loss(np)
    ref = numpy_per_example_grads(w, X, y)
    for i in (0, 1, BATCH - 1):
        fd = np.array([(loss(w + eps * e, X[i], y[i]) - loss(w - eps * e, X[i], y[i]))
                       / (2 * eps) for e in np.eye(N_FEATURES)])
        if not np.allclose(fd, ref[i], rtol=1e-5, atol=1e-8):
            raise ResultMismatch(f"(e) closed form vs finite differences, example {i}: max abs "
                                 f"error {np.max(np.abs(fd - ref[i])):.3e}")
    A, x = tanh_data()
    H = numpy_hessian(A, x)
    t = np.tanh(A @ x)
    _assert_close("(f) (A.T * d) @ A vs A.T @ diag(d) @ A", H,
                  A.T @ np.diag(-2 * t * (1 - t**2)) @ A)

    def grad_f(v: np.ndarray) -> np.ndarray:
        return A.T @ (1 - np.tanh(A @ v) ** 2)

    fd = np.stack([(grad_f(x + eps * e) - grad_f(x - eps * e)) / (2 * eps)
                   for e in np.eye(x.shape[0])])
    if not np.allclose(fd, H, rtol=1e-5, atol=1e-8):
        raise ResultMismatch(f"(f) closed form vs finite differences of the gradient: max abs "
                             f"error {np.max(np.abs(fd - H)):.3e}")


def verify(case: str, columns: list[str]) -> None:
    ref = np.asarray(numpy_impl(case).call(), dtype=np.float64)
    for col in columns:
        if col == "numpy":
            continue
        impl = IMPL_FACTORIES[col](case)
        _assert_close(f"{COLUMN_TITLES[col]} ({CELL_NOTES[(case, col)]}), case ({case})",
                      impl.to_numpy(impl.call()), ref)


# ----------------------------------------------------------------------------------------------
# The run.


def budgets(quick: bool) -> dict[str, Budget]:
    if quick:
        return {"fast": Budget(0.2, 3, 50), "slow": Budget(0.2, 3, 20)}
    return {
        # microseconds to a millisecond per call: each sample loops over calls for >= 5 ms
        "fast": Budget(3.0, 25, 300, sample_floor=5e-3),
        # the loops, autograd and JAX: several ms per call
        "slow": Budget(3.0, 15, 200, sample_floor=5e-3),
    }


def run_table(cases: list[str], columns: list[str], quick: bool) -> dict[str, dict[str, Timing]]:
    plan = budgets(quick)
    results: dict[str, dict[str, Timing]] = {}
    for case in cases:
        verify(case, columns)
        print(f"  {CASES[case]}: every column agrees with the closed form; timing", end="",
              flush=True)
        cells = {}
        for col in columns:
            impl = IMPL_FACTORIES[col](case)
            budget = plan["slow" if col in ("funcad_loop", "autograd", "jax") else "fast"]
            cells[col] = (impl.call, budget, impl.warmup)
        t0 = time.perf_counter()
        results[case] = bench_grad.measure_interleaved(cells)
        print(f" ({time.perf_counter() - t0:.0f} s)", flush=True)
    return results


def print_table(results: dict[str, dict[str, Timing]], columns: list[str]) -> None:
    headers = ["case"] + [COLUMN_TITLES[c] for c in columns]
    rows = []
    for case, cells in results.items():
        base = cells["numpy"].median
        row = [CASES[case]]
        for col in columns:
            t = cells.get(col)
            row.append(f"{fmt_time(t.median)} ({fmt_ratio(t.median / base)})" if t else "-")
        rows.append(row)
    widths = [max(len(r[i]) for r in rows + [headers]) for i in range(len(headers))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    print("Each cell: median time per call (ratio to the NumPy closed form). The columns:")
    for case in results:
        for col in columns:
            print(f"  ({case}) {COLUMN_TITLES[col]}: {CELL_NOTES[(case, col)]}")
    print("Samples x calls per sample, and the spread (interquartile range / median):")
    for case, cells in results.items():
        print(f"  {case}: " + ", ".join(f"{col} {t.samples}x{t.number} {bench_grad._spread(t)}"
                                       for col, t in cells.items()))


def print_funcad_ratios(results: dict[str, dict[str, Timing]]) -> None:
    print("\nfuncad's time against the other columns (>1: funcad is faster):")
    for case, cells in results.items():
        f = cells["funcad"].median
        parts = []
        for col in ("funcad_loop", "torch", "jax", "autograd"):
            if col in cells:
                parts.append(f"{cells[col].median / f:.2f}x vs {COLUMN_TITLES[col]}")
        parts.append(f"{f / cells['numpy'].median:.1f}x the closed form's time")
        print(f"  ({case}) funcad {fmt_time(f)}: " + ", ".join(parts))
    print("For comparison, the issue's own figures (its machine): " + "; ".join(
        f"({case}) " + ", ".join(f"{COLUMN_TITLES[c]} {fmt_time(t)}" for c, t in ref.items())
        for case, ref in ISSUE_REFERENCE.items() if case in results))


def print_targets(results: dict[str, dict[str, Timing]]) -> bool:
    print("\nfuncad against the targets of issue 3 (eager, no jit):")
    ok_all = True

    def report(label: str, ok: bool | None, detail: str) -> None:
        nonlocal ok_all
        status = "n/a " if ok is None else ("PASS" if ok else "FAIL")
        ok_all = ok_all and ok is not False
        print(f"  [{status}] {label}: {detail}")

    for case, what in (("e", "per-example gradients"), ("f", "Hessian")):
        cells = results.get(case)
        if not cells:
            continue
        f = cells["funcad"].median
        if "torch" in cells:
            t = cells["torch"].median
            report(f"({case}) {what} faster than PyTorch eager", f < t,
                   f"funcad {fmt_time(f)} vs PyTorch {fmt_time(t)} ({t / f:.2f}x)")
        else:
            report(f"({case}) {what} faster than PyTorch eager", None, "PyTorch not run")
    cells = results.get("e")
    if cells and "funcad_loop" in cells:
        f, loop = cells["funcad"].median, cells["funcad_loop"].median
        report(f"(e) per-example gradients at least {TARGET_LOOP_SPEEDUP:.0f}x faster than the "
               f"loop of grads", loop / f >= TARGET_LOOP_SPEEDUP,
               f"funcad {fmt_time(f)} vs loop {fmt_time(loop)} ({loop / f:.1f}x)")
    return ok_all


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Eager vmap/hessian benchmark: funcad vs closed-form NumPy, a loop of "
                    "grads, autograd, JAX, PyTorch.")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: a few repeats per cell")
    parser.add_argument("--only", default=",".join(CASES),
                        help="comma-separated subset of e,f (default: both); the cases of "
                             "bench_grad.py (a,b,c,d,scaling) and bench_jit.py (ja-jf) are accepted and skipped, so "
                             "run_all.py can pass one --only to every script")
    parser.add_argument("--libs", default=",".join(LIBS),
                        help=f"comma-separated subset of {','.join(LIBS)} (default: all that "
                             f"are installed); funcad includes its loop column")
    parser.add_argument("--gc", choices=("freeze", "on", "off"), default="freeze",
                        help="garbage collector during timing, as in bench_grad.py: 'freeze' "
                             "(default) runs gc.freeze() after the imports; 'on'; 'off'")
    parser.add_argument("--threads", type=int, default=1,
                        help="limit BLAS/torch/XLA thread pools (default 1; 0 = library "
                             "defaults)")
    bench_grad.add_clock_argument(parser)
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    other = set(bench_grad.CASES) | {"scaling"} | set(bench_grad.OTHER_SCRIPTS_CASES)
    unknown = [s for s in only if s not in CASES and s not in other]
    if unknown:
        parser.error(f"--only: unknown case(s) {unknown}; choose from {', '.join(CASES)}")
    args.only = [s for s in only if s in CASES]
    libs = [s.strip() for s in args.libs.split(",") if s.strip()]
    unknown = [s for s in libs if s not in LIBS]
    if unknown:
        parser.error(f"--libs: unknown librar(y/ies) {unknown}; choose from {', '.join(LIBS)}")
    for required in ("numpy", "funcad"):
        if required not in libs:
            libs.insert(LIBS.index(required), required)
    args.libs = libs
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.only:
        print("bench_vmap_hessian.py: none of its cases (e, f) is in --only; nothing to run.")
        return 0
    if REPO_ROOT not in sys.path:
        sys.path.insert(0, REPO_ROOT)  # benchmark this checkout, installed or not
    limiter = bench_grad._limit_threads(args.threads) if args.threads else None  # noqa: F841
    versions = bench_grad.available_libs(args.libs, args.threads or None)
    if "torch" in versions:
        import torch.func  # noqa: F401  (imported before the freeze, like the rest)
    columns = [c for c in COLUMNS if (c if c != "funcad_loop" else "funcad") in versions]
    gc.collect()
    if args.gc == "freeze":
        gc.freeze()
        gc_note = (f"gc.freeze() after the imports ({gc.get_freeze_count():,} objects frozen), "
                   f"collector on")
    elif args.gc == "off":
        gc.disable()
        gc_note = "collector disabled (--gc off)"
    else:
        gc_note = f"collector on, nothing frozen ({len(gc.get_objects()):,} tracked objects)"
    print("funcad eager vmap / hessian benchmark (float64" + (", --quick" if args.quick else "")
          + ")")
    print("\n".join(bench_grad.machine_info(versions, args.threads or None)))
    print(f"GC:         {gc_note}")
    print(f"Clock:      {bench_grad.use_clock(args.clock)}")
    print(f"Load avg:   {bench_grad._loadavg()} (start)")
    print()
    _check_closed_forms()
    print("  closed forms agree with finite differences")
    results = run_table([c for c in CASES if c in args.only], columns, args.quick)
    print()
    print_table(results, columns)
    print_funcad_ratios(results)
    print_targets(results)
    print(f"\nLoad avg:   {bench_grad._loadavg()} (end)")
    # Missing a performance target is a report, not an error: exit 0 (mismatching results
    # raise before this point and exit non-zero).
    return 0


if __name__ == "__main__":
    sys.exit(main())
