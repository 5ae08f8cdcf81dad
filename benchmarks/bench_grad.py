"""Eager reverse-mode gradients: funcad against hand-written NumPy, autograd, JAX and PyTorch.

One run prints one table, side by side, float64, for four cases:

  (a) the tutorial's scalar function f(x) = 2 sin(x^3)^2:  grad(f)(10.0), per call
  (b) a tanh MLP 64 -> 256 -> 256 -> 10, batch 256, softmax cross-entropy (mean over the
      batch): the gradient with respect to all six parameter arrays
  (c) a 500-step chain  x = sin(x) * 1.01 + 0.1  on a (1000,) vector: grad of sum(x)
  (d) the same step as a 20,000-step chain on a scalar

Columns: hand-written NumPy forward + backward (the floor), funcad's eager ``grad``, and,
when importable, autograd, JAX (eager: no ``jit``, x64 enabled) and PyTorch eager (float64).
Each cell is the median wall time of one gradient call and its ratio to hand-written NumPy.
Every implementation's gradient is checked against hand-written NumPy (and hand-written
NumPy against funcad and the closed form) before anything is timed; a mismatch aborts.

Then: funcad against the targets of issue 2, and the scaling of funcad's backward pass on
scalar chains of 1k, 10k and 100k steps.

    python benchmarks/bench_grad.py                 # the full run (about 2-3 minutes)
    taskset -c 0 python benchmarks/bench_grad.py    # pinned to one core (reported numbers)
    python benchmarks/bench_grad.py --quick         # smoke run, a few seconds per cell
    python benchmarks/bench_grad.py --only a,b      # some cases (a, b, c, d, scaling)
    python benchmarks/bench_grad.py --clock cpu     # CPU time instead of wall time

Cases e and f belong to bench_vmap_hessian.py, cases ja to jf to bench_jit.py; --only
accepts and skips them, so that run_all.py can pass one --only to every script.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CASES = {
    "a": "(a) scalar 2*sin(x**3)**2",
    "b": "(b) MLP 64-256-256-10, batch 256",
    "c": "(c) 500-step chain, (1000,)",
    "d": "(d) 20,000-step scalar chain",
}
LIBS = ("numpy", "funcad", "autograd", "jax", "torch")
LIB_TITLES = {
    "numpy": "NumPy by hand",
    "funcad": "funcad grad",
    "autograd": "autograd",
    "jax": "JAX (eager)",
    "torch": "PyTorch eager",
}
CHAIN_VECTOR_STEPS = 500
CHAIN_VECTOR_SIZE = 1000
CHAIN_SCALAR_STEPS = 20_000
SCALING_STEPS = (1_000, 10_000, 100_000)
PRIMITIVES_PER_STEP = 3  # sin, mul, add
MLP_SIZES = (64, 256, 256, 10)
MLP_BATCH = 256
X_SCALAR = 10.0

# Cases of the other benchmark scripts (accepted by --only and skipped here).
OTHER_SCRIPTS_CASES = ("e", "f",  # bench_vmap_hessian.py
                       "ja", "jb", "jc", "jd", "je", "jf")  # bench_jit.py

# Targets for funcad's eager grad (issue 2, "Speed").
TARGET_MLP = 1.15
TARGET_CHAIN = 2.5


# ----------------------------------------------------------------------------------------------
# The problems, written once per library.


def make_chain(xp: Any, steps: int) -> Callable[[Any], Any]:
    """sum(x_n) with x_{k+1} = sin(x_k) * 1.01 + 0.1, for any NumPy-like namespace."""

    def chain(x: Any) -> Any:
        for _ in range(steps):
            x = xp.sin(x) * 1.01 + 0.1
        return xp.sum(x)

    return chain


def make_mlp_loss(xp: Any, logsumexp: Callable[..., Any]) -> Callable[..., Any]:
    """Mean softmax cross-entropy of a tanh MLP; ``Y`` is one-hot."""

    def loss(params: tuple, X: Any, Y: Any) -> Any:
        W1, b1, W2, b2, W3, b3 = params
        h1 = xp.tanh(X @ W1 + b1)
        h2 = xp.tanh(h1 @ W2 + b2)
        logits = h2 @ W3 + b3
        return xp.mean(logsumexp(logits, axis=1) - xp.sum(Y * logits, axis=1))

    return loss


def scalar_f(xp: Any) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        return 2 * xp.sin(x**3) ** 2

    return f


def mlp_data(seed: int = 0) -> tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in itertools.pairwise(MLP_SIZES):
        params.append(rng.normal(size=(n_in, n_out)) / math.sqrt(n_in))
        params.append(0.1 * rng.normal(size=n_out))
    X = rng.normal(size=(MLP_BATCH, MLP_SIZES[0]))
    labels = rng.integers(0, MLP_SIZES[-1], size=MLP_BATCH)
    Y = np.eye(MLP_SIZES[-1])[labels]
    return tuple(params), X, Y


def chain_vector_input(seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-2.0, 2.0, size=CHAIN_VECTOR_SIZE)


CHAIN_SCALAR_X0 = 0.5


# Hand-written NumPy: the forward pass keeps what the backward pass needs, the backward
# pass applies the chain rule by hand. The same operations a careful person would write.


def numpy_grad_scalar(x: float) -> np.float64:
    """d/dx 2 sin(x^3)^2 = 4 sin(u) cos(u) 3x^2 with u = x^3."""
    x = np.float64(x)
    u = x**3
    s = np.sin(u)
    y = 2.0 * s * s  # noqa: F841  (the forward value, computed as a forward pass would)
    ds = 4.0 * s  # dy/ds
    du = ds * np.cos(u)  # dy/du
    return du * (3.0 * x * x)  # dy/dx


def math_grad_scalar(x: float) -> float:
    """The same hand-written code with the math module (Python floats): a reference for
    what a scalar can cost without NumPy's per-call overhead."""
    u = x**3
    s = math.sin(u)
    y = 2.0 * s * s  # noqa: F841
    return 4.0 * s * math.cos(u) * (3.0 * x * x)


def numpy_grad_chain(x0: Any, steps: int) -> Any:
    """grad of sum(x_n), x_{k+1} = sin(x_k) * 1.01 + 0.1: g <- g * 1.01 * cos(x_k)."""
    x = np.asarray(x0, dtype=np.float64)
    xs = []
    for _ in range(steps):
        xs.append(x)
        x = np.sin(x) * 1.01 + 0.1
    y = np.sum(x)  # noqa: F841  (the forward value)
    g = np.ones_like(x)
    for xk in reversed(xs):
        g = g * 1.01 * np.cos(xk)
    return g


def math_grad_chain(x0: float, steps: int) -> float:
    xs = []
    x = x0
    sin = math.sin
    for _ in range(steps):
        xs.append(x)
        x = sin(x) * 1.01 + 0.1
    g = 1.0
    cos = math.cos
    for xk in reversed(xs):
        g = g * 1.01 * cos(xk)
    return g


def numpy_grad_mlp(params: tuple, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, ...]:
    W1, b1, W2, b2, W3, b3 = params
    batch = X.shape[0]
    # forward
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    z = h2 @ W3 + b3
    zmax = z.max(axis=1, keepdims=True)
    e = np.exp(z - zmax)
    s = e.sum(axis=1, keepdims=True)
    lse = np.log(s[:, 0]) + zmax[:, 0]
    loss = np.mean(lse - np.sum(Y * z, axis=1))  # noqa: F841  (the forward value)
    # backward: d loss / d z = (softmax(z) - Y) / batch
    dz = (e / s - Y) / batch
    dW3 = h2.T @ dz
    db3 = dz.sum(axis=0)
    da2 = (dz @ W3.T) * (1.0 - h2 * h2)
    dW2 = h1.T @ da2
    db2 = da2.sum(axis=0)
    da1 = (da2 @ W2.T) * (1.0 - h1 * h1)
    dW1 = X.T @ da1
    db1 = da1.sum(axis=0)
    return dW1, db1, dW2, db2, dW3, db3


# ----------------------------------------------------------------------------------------------
# Per library: a zero-argument callable computing the gradient, and a converter to NumPy.


@dataclass
class Impl:
    call: Callable[[], Any]
    to_numpy: Callable[[Any], list[np.ndarray]]
    warmup: Callable[[], Any] | None = None  # a cheaper call compiling/caching the same ops


def _leaves(x: Any) -> list[np.ndarray]:
    if isinstance(x, (tuple, list)):
        return [np.asarray(v, dtype=np.float64) for v in x]
    return [np.asarray(x, dtype=np.float64)]


def numpy_impls(case: str, steps: int | None = None) -> Impl:
    if case == "a":
        return Impl(lambda: numpy_grad_scalar(X_SCALAR), _leaves)
    if case == "b":
        params, X, Y = mlp_data()
        return Impl(lambda: numpy_grad_mlp(params, X, Y), _leaves)
    if case == "c":
        x0 = chain_vector_input()
        n = steps or CHAIN_VECTOR_STEPS
        return Impl(lambda: numpy_grad_chain(x0, n), _leaves)
    n = steps or CHAIN_SCALAR_STEPS
    return Impl(lambda: numpy_grad_chain(CHAIN_SCALAR_X0, n), _leaves)


def funcad_impls(case: str, steps: int | None = None) -> Impl:
    import funcad
    import funcad.numpy as fnp
    from funcad.scipy.special import logsumexp

    if case == "a":
        g = funcad.grad(scalar_f(fnp))
        return Impl(lambda: g(X_SCALAR), _leaves)
    if case == "b":
        params, X, Y = mlp_data()
        g = funcad.grad(make_mlp_loss(fnp, logsumexp))
        return Impl(lambda: g(params, X, Y), _leaves)
    if case == "c":
        x0 = chain_vector_input()
        g = funcad.grad(make_chain(fnp, steps or CHAIN_VECTOR_STEPS))
        return Impl(lambda: g(x0), _leaves)
    g = funcad.grad(make_chain(fnp, steps or CHAIN_SCALAR_STEPS))
    return Impl(lambda: g(CHAIN_SCALAR_X0), _leaves)


def autograd_impls(case: str, steps: int | None = None) -> Impl:
    import autograd
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp

    if case == "a":
        g = autograd.grad(scalar_f(anp))
        return Impl(lambda: g(X_SCALAR), _leaves)
    if case == "b":
        params, X, Y = mlp_data()
        g = autograd.grad(make_mlp_loss(anp, logsumexp))
        return Impl(lambda: g(params, X, Y), _leaves)
    if case == "c":
        x0 = chain_vector_input()
        g = autograd.grad(make_chain(anp, steps or CHAIN_VECTOR_STEPS))
        return Impl(lambda: g(x0), _leaves)
    g = autograd.grad(make_chain(anp, steps or CHAIN_SCALAR_STEPS))
    warm = autograd.grad(make_chain(anp, 200))
    return Impl(lambda: g(CHAIN_SCALAR_X0), _leaves, lambda: warm(CHAIN_SCALAR_X0))


def jax_impls(case: str, steps: int | None = None) -> Impl:
    import jax
    import jax.numpy as jnp
    from jax.scipy.special import logsumexp

    def ready(fn: Callable[[], Any]) -> Callable[[], Any]:
        return lambda: jax.block_until_ready(fn())

    if case == "a":
        g = jax.grad(scalar_f(jnp))
        return Impl(ready(lambda: g(X_SCALAR)), _leaves)
    if case == "b":
        params, X, Y = mlp_data()
        params_j = tuple(jnp.asarray(p) for p in params)
        X_j, Y_j = jnp.asarray(X), jnp.asarray(Y)
        g = jax.grad(make_mlp_loss(jnp, logsumexp))
        return Impl(ready(lambda: g(params_j, X_j, Y_j)), _leaves)
    if case == "c":
        x0 = jnp.asarray(chain_vector_input())
        g = jax.grad(make_chain(jnp, steps or CHAIN_VECTOR_STEPS))
        warm = jax.grad(make_chain(jnp, 20))
        return Impl(ready(lambda: g(x0)), _leaves, ready(lambda: warm(x0)))
    g = jax.grad(make_chain(jnp, steps or CHAIN_SCALAR_STEPS))
    warm = jax.grad(make_chain(jnp, 20))
    return Impl(ready(lambda: g(CHAIN_SCALAR_X0)), _leaves, ready(lambda: warm(CHAIN_SCALAR_X0)))


def torch_impls(case: str, steps: int | None = None) -> Impl:
    import torch

    f64 = torch.float64

    def to_numpy(x: Any) -> list[np.ndarray]:
        return [t.detach().numpy().astype(np.float64) for t in x]

    if case == "a":

        def call_a() -> Any:
            x = torch.tensor(X_SCALAR, dtype=f64, requires_grad=True)
            y = 2 * torch.sin(x**3) ** 2
            return torch.autograd.grad(y, (x,))

        return Impl(call_a, to_numpy)
    if case == "b":
        params, X, Y = mlp_data()
        params_t = tuple(torch.tensor(p, dtype=f64, requires_grad=True) for p in params)
        X_t, Y_t = torch.tensor(X, dtype=f64), torch.tensor(Y, dtype=f64)

        def call_b() -> Any:
            W1, b1, W2, b2, W3, b3 = params_t
            h1 = torch.tanh(X_t @ W1 + b1)
            h2 = torch.tanh(h1 @ W2 + b2)
            logits = h2 @ W3 + b3
            loss = torch.mean(torch.logsumexp(logits, dim=1) - torch.sum(Y_t * logits, dim=1))
            return torch.autograd.grad(loss, params_t)

        return Impl(call_b, to_numpy)

    def chain_call(x0: Any, n: int, fresh_leaf: bool) -> Callable[[], Any]:
        leaf = torch.tensor(x0, dtype=f64, requires_grad=True)

        def call() -> Any:
            x = torch.tensor(x0, dtype=f64, requires_grad=True) if fresh_leaf else leaf
            y = x
            for _ in range(n):
                y = torch.sin(y) * 1.01 + 0.1
            return torch.autograd.grad(torch.sum(y), (x,))

        return call

    if case == "c":
        return Impl(chain_call(chain_vector_input(), steps or CHAIN_VECTOR_STEPS, False),
                    to_numpy)
    return Impl(chain_call(CHAIN_SCALAR_X0, steps or CHAIN_SCALAR_STEPS, True), to_numpy)


IMPL_FACTORIES = {
    "numpy": numpy_impls,
    "funcad": funcad_impls,
    "autograd": autograd_impls,
    "jax": jax_impls,
    "torch": torch_impls,
}


# ----------------------------------------------------------------------------------------------
# Checking the gradients before timing them.


class GradientMismatch(AssertionError):
    pass


def _assert_close(name: str, got: list[np.ndarray], want: list[np.ndarray]) -> None:
    if len(got) != len(want):
        raise GradientMismatch(f"{name}: {len(got)} gradient arrays, expected {len(want)}")
    for i, (a, b) in enumerate(zip(got, want)):
        if a.shape != b.shape:
            raise GradientMismatch(f"{name}: gradient {i} has shape {a.shape}, expected {b.shape}")
        scale = float(np.max(np.abs(b))) if b.size else 0.0
        # The absolute floor is the smallest normal float64: the long chains' gradients
        # underflow, and an implementation that flushes subnormals to zero (XLA does) ends at
        # 0 where NumPy keeps 5e-324.
        if not np.allclose(a, b, rtol=1e-7, atol=1e-12 * scale + np.finfo(np.float64).tiny):
            err = float(np.max(np.abs(a - b)))
            raise GradientMismatch(
                f"{name}: gradient {i} differs from the reference: max abs error {err:.3e}, "
                f"max abs value {scale:.3e}")


def verify(case: str, libs: list[str], full_length_libs: list[str] | None = None) -> list[str]:
    """Check every implementation of ``case`` against hand-written NumPy, and hand-written
    NumPy against funcad (and, for (a), the closed form). Raises GradientMismatch.
    ``full_length_libs`` limits the check at the benchmark's own length (default: all)."""
    lengths = [None]
    if case in "cd":
        # The 20,000-step chain's gradient underflows to exactly 0 (each step multiplies it by
        # ~0.64), which any implementation matches; short chains make the check meaningful.
        lengths = [None, 3, 60]
    checked = []
    for steps in lengths:
        ref = numpy_impls(case, steps).call()
        ref = _leaves(ref)
        if case == "a":
            u = X_SCALAR**3
            closed = 12 * X_SCALAR**2 * math.cos(u) * math.sin(u)
            _assert_close("hand-written NumPy vs closed form (a)", ref, [np.asarray(closed)])
            _assert_close("math-module version vs closed form (a)",
                          _leaves(math_grad_scalar(X_SCALAR)), [np.asarray(closed)])
        if case == "d" and steps is not None:
            _assert_close(f"math-module chain vs NumPy ({steps} steps)",
                          _leaves(math_grad_chain(CHAIN_SCALAR_X0, steps)), ref)
        for lib in libs:
            if lib == "numpy":
                continue
            if steps is None and full_length_libs is not None and lib not in full_length_libs:
                continue
            impl = IMPL_FACTORIES[lib](case, steps)
            got = impl.to_numpy(impl.call())
            label = f"{lib} vs hand-written NumPy, case ({case})"
            if steps is not None:
                label += f" at {steps} steps"
            _assert_close(label, got, ref)
        checked.append("full" if steps is None else f"{steps} steps")
    return checked


# ----------------------------------------------------------------------------------------------
# Timing.


# The clock of every timed sample: wall time. bench_vmap_hessian.py --clock cpu swaps in
# time.process_time (CPU time of the process: not inflated when the core is shared).
CLOCK: Callable[[], float] = time.perf_counter


def add_clock_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--clock", choices=("wall", "cpu"), default="wall",
        help="what a sample measures: 'wall' time (default, time.perf_counter) or the "
             "process's 'cpu' time (time.process_time: not inflated when another process "
             "shares the core; all threads of the process count)")


def use_clock(name: str) -> str:
    """Set the sampling clock; returns a line for the machine-info header."""
    global CLOCK
    if name == "cpu":
        CLOCK = time.process_time
        return "CPU time of the process (time.process_time), --clock cpu"
    CLOCK = time.perf_counter
    return "wall time (time.perf_counter)"


@dataclass
class Timing:
    median: float  # seconds per call
    samples: int
    number: int  # calls per sample
    all: list[float] = field(default_factory=list)


@dataclass
class Budget:
    seconds: float  # time to spend per cell after the calibration call
    min_samples: int
    max_samples: int
    sample_floor: float = 2e-3  # a sample loops over calls until it lasts this long


@dataclass
class _Plan:
    fn: Callable[[], Any]
    number: int
    samples: int
    times: list[float]


def _calibrate(fn: Callable[[], Any], budget: Budget, warmup: Callable[[], Any] | None) -> _Plan:
    """Warm up, time one call, and choose calls per sample and the number of samples."""
    (warmup or fn)()
    gc.collect()
    t0 = CLOCK()
    fn()
    first = CLOCK() - t0
    number = 1 if first >= budget.sample_floor else max(1, int(budget.sample_floor / first))
    samples = int(budget.seconds / (first * number))
    samples = max(budget.min_samples, min(budget.max_samples, samples))
    # A lone call after the warm-up is a valid sample; loops of short calls start afresh.
    return _Plan(fn, number, samples, [first] if number == 1 else [])


def _sample(plan: _Plan) -> None:
    if plan.number == 1 and plan.times and plan.times[-1] > 0.02:
        gc.collect()  # collect the previous call's cyclic garbage outside the timed region
    t0 = CLOCK()
    for _ in range(plan.number):
        plan.fn()
    plan.times.append((CLOCK() - t0) / plan.number)


def measure_interleaved(
    cells: dict[str, tuple[Callable[[], Any], Budget, Callable[[], Any] | None]],
) -> dict[str, Timing]:
    """Time several implementations of one problem in rounds, one sample of each per round,
    so that a burst of load from elsewhere on the machine hits all of them alike."""
    plans = {name: _calibrate(fn, budget, warmup) for name, (fn, budget, warmup) in cells.items()}
    while True:
        pending = [p for p in plans.values() if len(p.times) < p.samples]
        if not pending:
            break
        for plan in pending:
            _sample(plan)
    return {name: Timing(statistics.median(p.times), len(p.times), p.number, p.times)
            for name, p in plans.items()}


def measure(fn: Callable[[], Any], budget: Budget, warmup: Callable[[], Any] | None) -> Timing:
    return measure_interleaved({"fn": (fn, budget, warmup)})["fn"]


def budgets(quick: bool) -> dict[str, Budget]:
    if quick:
        default = Budget(0.2, 3, 50)
        return {"a": default, "b": default, "c": default, "d": Budget(0.0, 1, 1),
                "slow": Budget(0.0, 1, 1), "scaling": Budget(0.0, 1, 1)}
    return {
        # (a) takes microseconds: each sample loops over calls for 20 ms.
        "a": Budget(3.0, 15, 100, sample_floor=0.02),
        "b": Budget(2.0, 15, 300),
        "c": Budget(2.0, 11, 200),
        "d": Budget(1.5, 5, 50),
        # autograd and JAX on the 20,000-step chain take seconds per call: fewer repeats.
        "slow": Budget(4.0, 3, 5),
        "scaling": Budget(2.0, 3, 21),
    }


def fmt_ratio(r: float) -> str:
    return f"{r:.0f}x" if r >= 100 else (f"{r:.1f}x" if r >= 10 else f"{r:.2f}x")


def fmt_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            value = seconds / scale
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{seconds * 1e9:.2g} ns"


# ----------------------------------------------------------------------------------------------
# Environment.


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _loadavg() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def _git_revision() -> str:
    try:
        rev = subprocess.run(["git", "-C", REPO_ROOT, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO_ROOT, "status", "--porcelain", "funcad"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return rev + (" (funcad/ has uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine_info(libs: dict[str, str], threads: int | None) -> list[str]:
    lines = [f"CPU:        {_cpu_model()} ({platform.machine()})"]
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    lines.append(f"Cores:      {os.cpu_count()} online, {affinity} usable by this process"
                 + (" (pinned)" if affinity != os.cpu_count() else ""))
    lines.append(f"Python:     {platform.python_version()} ({platform.python_implementation()}, "
                 f"{platform.system()} {platform.release()})")
    lines.append(f"NumPy:      {np.__version__}")
    try:
        import threadpoolctl

        for pool in threadpoolctl.threadpool_info():
            lines.append(
                f"Threadpool: {pool.get('internal_api')} {pool.get('version')} "
                f"({pool.get('architecture', '-')}), {pool.get('num_threads')} thread(s), "
                f"{os.path.basename(pool.get('filepath', ''))}")
    except ImportError:
        lines.append("BLAS:       (install threadpoolctl to show it)")
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "XLA_FLAGS"):
        lines.append(f"{name + ':':<12}{os.environ.get(name, '(unset)')}")
    lines.append(f"Threads:    {'limited to ' + str(threads) if threads else 'library defaults'}"
                 f" (BLAS via threadpoolctl, torch.set_num_threads, XLA_FLAGS)")
    lines.append("Versions:   " + ", ".join(f"{k} {v}" for k, v in libs.items()))
    lines.append(f"funcad:     {_git_revision()} at {REPO_ROOT}")
    return lines


def _limit_threads(threads: int) -> Any:
    """Limit every thread pool to ``threads``. XLA reads its flags when jax is imported, so
    this runs before any peer is imported. Returns the threadpoolctl limiter (keep it)."""
    if "XLA_FLAGS" not in os.environ and threads == 1:
        os.environ["XLA_FLAGS"] = (
            "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    try:
        import threadpoolctl
    except ImportError:
        return None
    return threadpoolctl.threadpool_limits(limits=threads)


def available_libs(wanted: list[str], threads: int | None) -> dict[str, str]:
    """Import what is installed; return {lib: version} for the libraries that will run."""
    versions: dict[str, str] = {}
    for lib in wanted:
        try:
            if lib == "numpy":
                versions[lib] = np.__version__
            elif lib == "funcad":
                import funcad

                versions[lib] = funcad.__version__
            elif lib == "autograd":
                from importlib.metadata import version

                import autograd  # noqa: F401

                versions[lib] = version("autograd")
            elif lib == "jax":
                os.environ.setdefault("JAX_PLATFORMS", "cpu")
                import jax
                import jaxlib

                jax.config.update("jax_enable_x64", True)
                versions[lib] = f"{jax.__version__} (jaxlib {jaxlib.__version__})"
            elif lib == "torch":
                import torch

                if threads:
                    torch.set_num_threads(threads)
                versions[lib] = torch.__version__
        except ImportError as err:
            print(f"note: {lib} is not importable ({err}); its column is left out.")
    return versions


# ----------------------------------------------------------------------------------------------
# The run.


def run_table(cases: list[str], libs: list[str], quick: bool) -> dict[str, dict[str, Timing]]:
    plan = budgets(quick)
    results: dict[str, dict[str, Timing]] = {}
    for case in cases:
        # In a quick run, the slow peers skip the full-length check of the 20,000-step chain
        # (it is checked at 3 and 60 steps, and its full-length gradient underflows anyway).
        full = ["numpy", "funcad"] if quick and case == "d" else None
        checked = verify(case, libs, full)
        print(f"  {CASES[case]}: gradients agree ({', '.join(checked)}); timing", end="",
              flush=True)
        cells = {}
        for lib in libs:
            impl = IMPL_FACTORIES[lib](case)
            slow = case == "d" and lib in ("autograd", "jax")
            budget = plan["slow" if slow else case]
            warmup = impl.warmup
            if case == "d" and (full is None or lib in full):
                warmup = _nothing  # the full-length check just ran the same operations
            cells[lib] = (impl.call, budget, warmup)
        t0 = time.perf_counter()
        results[case] = measure_interleaved(cells)
        print(f" ({time.perf_counter() - t0:.0f} s)", flush=True)
    return results


def _spread(t: Timing) -> str:
    if len(t.all) < 4:
        return "(n/a)"
    q1, _, q3 = statistics.quantiles(t.all, n=4)
    return f"({100 * (q3 - q1) / t.median:.0f}%)"


def _nothing() -> None:
    return None


def print_table(results: dict[str, dict[str, Timing]], libs: list[str]) -> None:
    headers = ["case"] + [LIB_TITLES[lib] for lib in libs]
    rows = []
    for case, cells in results.items():
        base = cells["numpy"].median if "numpy" in cells else None
        row = [CASES[case]]
        for lib in libs:
            t = cells[lib]
            ratio = f" ({fmt_ratio(t.median / base)})" if base else ""
            row.append(fmt_time(t.median) + ratio)
        rows.append(row)
    widths = [max(len(r[i]) for r in rows + [headers]) for i in range(len(headers))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    print("Each cell: median time per gradient call (ratio to hand-written NumPy). Samples x "
          "calls per sample, and the spread (interquartile range / median):")
    for case, cells in results.items():
        print(f"  {case}: " + ", ".join(f"{lib} {t.samples}x{t.number} {_spread(t)}"
                                       for lib, t in cells.items()))


def print_overheads(results: dict[str, dict[str, Timing]]) -> None:
    lines = []
    for case, steps in (("c", CHAIN_VECTOR_STEPS), ("d", CHAIN_SCALAR_STEPS)):
        cells = results.get(case)
        if not cells or "numpy" not in cells:
            continue
        base = cells["numpy"].median
        prims = steps * PRIMITIVES_PER_STEP
        parts = [f"{lib} {(t.median - base) / prims * 1e6:.1f} us"
                 for lib, t in cells.items() if lib != "numpy"]
        lines.append(f"  ({case}) {prims} primitives: " + ", ".join(parts))
    if lines:
        print("\nOverhead per primitive (trace + backward) above hand-written NumPy "
              "(design budget: < 5 us):")
        print("\n".join(lines))


def print_targets(results: dict[str, dict[str, Timing]]) -> bool:
    print("\nfuncad against the targets of issue 2:")
    ok_all = True

    def report(label: str, ok: bool | None, detail: str) -> None:
        nonlocal ok_all
        status = "n/a " if ok is None else ("PASS" if ok else "FAIL")
        ok_all = ok_all and ok is not False
        print(f"  [{status}] {label}: {detail}")

    for case, cells in results.items():
        if "funcad" not in cells:
            continue
        if "autograd" in cells:
            f, a = cells["funcad"].median, cells["autograd"].median
            report(f"faster than autograd on {case}", f < a,
                   f"funcad {fmt_time(f)} vs autograd {fmt_time(a)} ({a / f:.2f}x faster)")
        else:
            report(f"faster than autograd on {case}", None, "autograd not run")
    for case, target in (("b", TARGET_MLP), ("c", TARGET_CHAIN)):
        cells = results.get(case)
        if cells and "funcad" in cells and "numpy" in cells:
            r = cells["funcad"].median / cells["numpy"].median
            report(f"{CASES[case]} within {target}x of NumPy", r <= target, f"{r:.3f}x")
    return ok_all


def _without_gc(fn: Callable[[], Any]) -> Callable[[], Any]:
    def call() -> Any:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return fn()
        finally:
            if was_enabled:
                gc.enable()

    return call


def run_scaling(quick: bool) -> None:
    """funcad's grad on scalar chains of 1k, 10k and 100k steps: the time per step should
    stay flat. It is shown with the cyclic garbage collector as configured (--gc) and with
    the collector paused during the call, which isolates funcad's own work from the GC's
    traversals of the growing tape (about 15 tracked objects per step)."""
    import funcad
    import funcad.numpy as fnp

    budget = budgets(quick)["scaling"]
    print("\nScaling of funcad's eager grad on scalar chains (forward trace + backward pass), "
          "time per step:")
    header = ["steps", "funcad grad", "per step", "funcad, GC paused", "per step",
              "NumPy by hand", "per step"]
    widths = [9, 11, 9, 17, 9, 13, 9]
    print("| " + " | ".join(h.rjust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for steps in SCALING_STEPS:
        g = funcad.grad(make_chain(fnp, steps))
        timings = measure_interleaved({
            "funcad": (lambda g=g: g(CHAIN_SCALAR_X0), budget, None),
            "nogc": (_without_gc(lambda g=g: g(CHAIN_SCALAR_X0)), budget, _nothing),
            "numpy": (lambda n=steps: numpy_grad_chain(CHAIN_SCALAR_X0, n), budget, None),
        })
        cells = [f"{steps:,}"]
        for name in ("funcad", "nogc", "numpy"):
            t = timings[name].median
            cells += [fmt_time(t), f"{t / steps * 1e6:.2f} us"]
        print("| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |")


def scalar_reference_note(cases: list[str]) -> None:
    """The hand-written column uses NumPy even for scalars; show what plain Python floats
    with the math module cost for (a) and (d), for scale."""
    budget = Budget(0.5, 5, 100, sample_floor=0.02)
    parts = []
    if "a" in cases:
        t = measure(lambda: math_grad_scalar(X_SCALAR), budget, None)
        parts.append(f"(a) {fmt_time(t.median)}")
    if "d" in cases:
        t = measure(lambda: math_grad_chain(CHAIN_SCALAR_X0, CHAIN_SCALAR_STEPS), budget, None)
        parts.append(f"(d) {fmt_time(t.median)}")
    print(f"\nFor scale, the same hand-written code on Python floats with the math module "
          f"(not NumPy): {', '.join(parts)}.")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Eager gradient benchmark: funcad vs hand-written NumPy, autograd, JAX, "
                    "PyTorch.")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: one or a few repeats per cell")
    parser.add_argument("--only", default="a,b,c,d,scaling",
                        help="comma-separated subset of a,b,c,d,scaling (default: all)")
    parser.add_argument("--libs", default=",".join(LIBS),
                        help=f"comma-separated subset of {','.join(LIBS)} (default: all "
                             f"that are installed)")
    parser.add_argument(
        "--gc", choices=("freeze", "on", "off"), default="freeze",
        help="garbage collector during timing: 'freeze' (default) runs gc.freeze() after the "
             "imports, so the peers' large heaps (jax + torch: ~200k objects) are not "
             "re-scanned by every full collection; 'on' leaves it as is; 'off' disables it")
    parser.add_argument("--threads", type=int, default=1,
                        help="limit BLAS/torch/XLA thread pools (default 1; 0 = library "
                             "defaults)")
    add_clock_argument(parser)
    args = parser.parse_args(argv)
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    # run_all.py passes one --only to every script: skip the other scripts' cases.
    unknown = [s for s in args.only
               if s not in CASES and s != "scaling" and s not in OTHER_SCRIPTS_CASES]
    if unknown:
        parser.error(f"--only: unknown case(s) {unknown}; choose from a, b, c, d, scaling")
    args.only = [s for s in args.only if s not in OTHER_SCRIPTS_CASES]
    args.libs = [s.strip() for s in args.libs.split(",") if s.strip()]
    unknown = [s for s in args.libs if s not in LIBS]
    if unknown:
        parser.error(f"--libs: unknown librar(y/ies) {unknown}; choose from {', '.join(LIBS)}")
    for required in ("numpy", "funcad"):
        if required not in args.libs:
            args.libs.insert(LIBS.index(required), required)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.only:
        print("bench_grad.py: none of its cases (a, b, c, d, scaling) is in --only; "
              "nothing to run.")
        return 0
    if REPO_ROOT not in sys.path:
        sys.path.insert(0, REPO_ROOT)  # benchmark this checkout, installed or not
    limiter = _limit_threads(args.threads) if args.threads else None  # noqa: F841
    versions = available_libs(args.libs, args.threads or None)
    libs = [lib for lib in args.libs if lib in versions]
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
    print("funcad eager-gradient benchmark (float64" + (", --quick" if args.quick else "")
          + ")")
    print("\n".join(machine_info(versions, args.threads or None)))
    print(f"GC:         {gc_note}")
    print(f"Clock:      {use_clock(args.clock)}")
    print(f"Load avg:   {_loadavg()} (start)")
    print()
    cases = [c for c in CASES if c in args.only]
    ok = True
    if cases:
        results = run_table(cases, libs, args.quick)
        print()
        print_table(results, libs)
        print_overheads(results)
        if "a" in cases or "d" in cases:
            scalar_reference_note(cases)
        ok = print_targets(results)
    if "scaling" in args.only:
        run_scaling(args.quick)
    print(f"\nLoad avg:   {_loadavg()} (end)")
    # Missing a performance target is a report, not an error: exit 0 (mismatching gradients
    # raise before this point and exit non-zero).
    del ok
    return 0


if __name__ == "__main__":
    sys.exit(main())
