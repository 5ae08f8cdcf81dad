"""``funcad.jit``: compiled gradients against hand-written NumPy, ``jax.jit``, PyTorch eager and
``torch.compile`` (issue 4, "Speed and memory").

One run prints one table, side by side, float64, for six cases:

  (ja) the tutorial's scalar function f(x) = 2 sin(x^3)^2: ``jit(grad(f))(10.0)``, per call
  (jb) the tanh MLP 64 -> 256 -> 256 -> 10, batch 256, softmax cross-entropy
       (``funcad.scipy.special.logsumexp``): the gradient with respect to all six parameters
  (jc) the 500-step chain  x = sin(x) * 1.01 + 0.1  on a (1000,) vector: grad of sum(x)
  (jd) the same step as a 20,000-step chain on a scalar (80,000 operations): the replay time
       of ``jit(grad)``; its trace + compile time is printed under the table. ``jax.jit`` of
       this function runs in a subprocess with a timeout (it is reported to crash compiling
       it), and the table says what happened.
  (je) per-example gradients of the logistic loss, w (100,), batch 128:
       ``jit(vmap(grad(loss), in_axes=(None, 0, 0)))``
  (jf) peak memory (tracemalloc) of one MLP gradient call: funcad ``jit(grad)``, eager
       ``grad`` and hand-written NumPy

Columns: hand-written NumPy (the floor and the base of every ratio; the closed form for (je)),
the same hand-written code on Python floats with ``math`` ((ja), (jd)), funcad
``jit(grad)``, funcad eager ``grad`` (``vmap(grad)`` for (je)), ``jax.jit(jax.grad)``
(``jax.jit(jax.vmap(jax.grad))`` for (je); x64, CPU, ``block_until_ready``), PyTorch eager
(float64; ``torch.func.vmap(grad)`` for (je)) and ``torch.compile`` of the MLP loss ((jb)
only; probed first in a subprocess with a timeout, skipped if it does not compile offline).
Each cell is the median time of one call after the first (the first call traces and
compiles; its time is printed under the table) and its ratio to hand-written NumPy. Every
column is checked against hand-written NumPy with ``np.allclose`` before anything is timed
(the chains also at 3 and 60 steps, because their full-length gradient underflows); a
mismatch raises and the script exits non-zero.

    python benchmarks/bench_jit.py                 # the full run (about 8 minutes, 5 of them
                                                   # waiting for jax.jit on (jd))
    taskset -c 0 python benchmarks/bench_jit.py    # pinned to one core (reported numbers)
    python benchmarks/bench_jit.py --quick         # smoke run
    python benchmarks/bench_jit.py --only ja,jb    # some cases (ja, jb, jc, jd, je, jf)
    python benchmarks/bench_jit.py --libs numpy,funcad,jax
    python benchmarks/bench_jit.py --clock cpu     # CPU time instead of wall time
    python benchmarks/bench_jit.py --jax-chain-timeout 60 --no-torch-compile

``--only`` accepts the cases of bench_grad.py (a, b, c, d, scaling) and bench_vmap_hessian.py
(e, f) and skips them, so that run_all.py can pass one ``--only`` to every script. The
helpers (interleaved timing, machine info, thread limits, the GC policy) are those of
bench_grad.py, imported from it.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import importlib.util
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import bench_grad  # (shared problems, timing, formatting and environment helpers)
import bench_vmap_hessian
from bench_grad import Budget, Timing, fmt_ratio, fmt_time

REPO_ROOT = bench_grad.REPO_ROOT

CASES = {
    "ja": "(ja) scalar 2*sin(x**3)**2",
    "jb": "(jb) MLP 64-256-256-10, batch 256",
    "jc": "(jc) 500-step chain, (1000,)",
    "jd": "(jd) 20,000-step scalar chain",
    "je": "(je) per-example grads, w (100,), batch 128",
    "jf": "(jf) peak memory, MLP gradient",
}
TIMED_CASES = ("ja", "jb", "jc", "jd", "je")
COLUMNS = ("numpy", "math", "funcad_jit", "funcad", "jax_jit", "torch", "torch_compile")
COLUMN_TITLES = {
    "numpy": "NumPy by hand",
    "math": "Python math",
    "funcad_jit": "funcad jit",
    "funcad": "funcad eager",
    "jax_jit": "jax.jit",
    "torch": "PyTorch eager",
    "torch_compile": "torch.compile",
}
# The library each column needs (what --libs selects).
COLUMN_LIB = {"numpy": "numpy", "math": "numpy", "funcad_jit": "funcad", "funcad": "funcad",
              "jax_jit": "jax", "torch": "torch", "torch_compile": "torch"}
LIBS = ("numpy", "funcad", "jax", "torch")
# Which columns each case has.
CASE_COLUMNS = {
    "ja": ("numpy", "math", "funcad_jit", "funcad", "jax_jit", "torch"),
    "jb": ("numpy", "funcad_jit", "funcad", "jax_jit", "torch", "torch_compile"),
    "jc": ("numpy", "funcad_jit", "funcad", "jax_jit", "torch"),
    "jd": ("numpy", "math", "funcad_jit", "funcad", "jax_jit"),
    "je": ("numpy", "funcad_jit", "funcad", "jax_jit", "torch"),
    "jf": ("numpy", "funcad_jit", "funcad"),
}
CELL_NOTES = {
    "ja": "jit(grad(f))(10.0); JAX: jax.jit(jax.grad(f))(10.0); PyTorch: a fresh leaf per call",
    "jb": "jit(grad(loss))(params, X, Y), all six parameter gradients; torch.compile(loss) + "
          "torch.autograd.grad",
    "jc": "jit(grad(chain))(x0) with x0 (1000,)",
    "jd": "replay of jit(grad(chain)) after the first call; jax.jit in a subprocess",
    "je": "jit(vmap(grad(loss), in_axes=(None, 0, 0))); NumPy: (sigmoid(X @ w) - y)[:, None] * "
          "X; JAX: jax.jit(jax.vmap(jax.grad(loss))); PyTorch: torch.func.vmap(grad) eager",
    "jf": "tracemalloc peak of one call above the heap before it, returned gradients included",
}

# Targets of issue 4 ("Speed and memory").
TARGET_SCALAR_US = 10.0
TARGET_MLP = 1.05
TARGET_CHAIN = 1.15
TARGET_LONG_CHAIN = 10.0
TARGET_PER_EXAMPLE_VS_JAX = 2.0
# The issue's own measurements of JAX (one core, float64), for the reader's comparison.
ISSUE_REFERENCE = "jax.jit(jax.grad): (ja) about 5.3 us, (jb) 0.59x, (jc) 0.55x of NumPy, " \
                  "(jd) crashes compiling"

SHORT_CHAINS = (3, 60)  # the chains are also checked at these lengths


# ----------------------------------------------------------------------------------------------
# The columns: a zero-argument callable per (case, column), and a converter to NumPy leaves.


def _np_leaf(v: Any) -> np.ndarray:
    if hasattr(v, "detach"):  # a torch tensor
        v = v.detach().numpy()
    return np.asarray(v, dtype=np.float64)


def _leaves(x: Any) -> list[np.ndarray]:
    if isinstance(x, (tuple, list)):
        return [_np_leaf(v) for v in x]
    return [_np_leaf(x)]


@dataclass
class Col:
    call: Callable[[], Any]
    warmup: Callable[[], Any] | None = None
    jitted: Any = None  # funcad's Jitted object, for the dispatch measurement
    args: tuple = ()  # its arguments
    first: float | None = None  # seconds of the first call (trace + compile + run for jit)
    stages: Any = None  # JitStages of the first call (funcad jit)


def _jax_ready(fn: Callable[[], Any]) -> Callable[[], Any]:
    import jax

    return lambda: jax.block_until_ready(fn())


def _problem_args(case: str, steps: int | None) -> tuple:
    """The NumPy arguments of each case (funcad's columns take them as they are)."""
    if case == "ja":
        return (bench_grad.X_SCALAR,)
    if case in ("jb", "jf"):
        params, X, Y = bench_grad.mlp_data()
        return (params, X, Y)
    if case == "jc":
        return (bench_grad.chain_vector_input(),)
    if case == "jd":
        return (bench_grad.CHAIN_SCALAR_X0,)
    return bench_vmap_hessian.logistic_data()


def _steps(case: str, steps: int | None) -> int:
    if case == "jc":
        return steps or bench_grad.CHAIN_VECTOR_STEPS
    return steps or bench_grad.CHAIN_SCALAR_STEPS


def _funcad_fn(case: str, steps: int | None) -> Callable[..., Any]:
    """The function funcad differentiates (and jit compiles), per case."""
    import funcad
    import funcad.numpy as fnp
    from funcad.scipy.special import logsumexp

    if case == "ja":
        return funcad.grad(bench_grad.scalar_f(fnp))
    if case in ("jb", "jf"):
        return funcad.grad(bench_grad.make_mlp_loss(fnp, logsumexp))
    if case in ("jc", "jd"):
        return funcad.grad(bench_grad.make_chain(fnp, _steps(case, steps)))
    return funcad.vmap(funcad.grad(bench_vmap_hessian.make_logistic_loss(fnp)),
                       in_axes=(None, 0, 0))


def make_col(case: str, col: str, steps: int | None = None) -> Col | None:
    args = _problem_args(case, steps)
    if col == "numpy":
        if case == "ja":
            return Col(lambda: bench_grad.numpy_grad_scalar(*args))
        if case in ("jb", "jf"):
            return Col(lambda: bench_grad.numpy_grad_mlp(*args))
        if case in ("jc", "jd"):
            n = _steps(case, steps)
            return Col(lambda: bench_grad.numpy_grad_chain(args[0], n))
        return Col(lambda: bench_vmap_hessian.numpy_per_example_grads(*args))
    if col == "math":
        if case == "ja":
            return Col(lambda: bench_grad.math_grad_scalar(*args))
        n = _steps(case, steps)
        return Col(lambda: bench_grad.math_grad_chain(args[0], n))
    if col == "funcad":
        fn = _funcad_fn(case, steps)
        return Col(lambda: fn(*args))
    if col == "funcad_jit":
        import funcad

        jitted = funcad.jit(_funcad_fn(case, steps))
        return Col(lambda: jitted(*args), jitted=jitted, args=args)
    if col == "jax_jit":
        return _jax_col(case, steps, args)
    if col == "torch":
        if case == "je":
            impl = bench_vmap_hessian.torch_impl("e")
            return Col(impl.call)
        impl = bench_grad.torch_impls({"ja": "a", "jb": "b", "jc": "c"}[case], steps)
        return Col(impl.call)
    if col == "torch_compile":
        return _torch_compile_col(args)
    raise ValueError(col)


def _jax_col(case: str, steps: int | None, args: tuple) -> Col:
    import jax
    import jax.numpy as jnp
    from jax.scipy.special import logsumexp

    if case == "ja":
        g = jax.jit(jax.grad(bench_grad.scalar_f(jnp)))
        return Col(_jax_ready(lambda: g(args[0])))
    if case == "jb":
        params, X, Y = args
        params_j = tuple(jnp.asarray(p) for p in params)
        X_j, Y_j = jnp.asarray(X), jnp.asarray(Y)
        g = jax.jit(jax.grad(bench_grad.make_mlp_loss(jnp, logsumexp)))
        return Col(_jax_ready(lambda: g(params_j, X_j, Y_j)))
    if case in ("jc", "jd"):
        x0 = jnp.asarray(args[0]) if case == "jc" else args[0]
        g = jax.jit(jax.grad(bench_grad.make_chain(jnp, _steps(case, steps))))
        return Col(_jax_ready(lambda: g(x0)))
    w, X, y = (jnp.asarray(a) for a in args)
    per_example = jax.jit(jax.vmap(jax.grad(bench_vmap_hessian.make_logistic_loss(jnp)),
                                   in_axes=(None, 0, 0)))
    return Col(_jax_ready(lambda: per_example(w, X, y)))


def _torch_mlp_loss() -> Callable[..., Any]:
    import torch

    def loss(W1, b1, W2, b2, W3, b3, X_t, Y_t):
        h1 = torch.tanh(X_t @ W1 + b1)
        h2 = torch.tanh(h1 @ W2 + b2)
        logits = h2 @ W3 + b3
        return torch.mean(torch.logsumexp(logits, dim=1) - torch.sum(Y_t * logits, dim=1))

    return loss


def _torch_compile_setup() -> None:
    with contextlib.suppress(Exception):
        import torch._inductor.config as inductor_config

        inductor_config.compile_threads = 1  # compile in-process: no worker pool on the core


def _torch_compile_col(args: tuple) -> Col:
    import torch

    _torch_compile_setup()
    params, X, Y = args
    f64 = torch.float64
    params_t = tuple(torch.tensor(p, dtype=f64, requires_grad=True) for p in params)
    X_t, Y_t = torch.tensor(X, dtype=f64), torch.tensor(Y, dtype=f64)
    compiled = torch.compile(_torch_mlp_loss())

    def call() -> Any:
        return torch.autograd.grad(compiled(*params_t, X_t, Y_t), params_t)

    return Col(call)


# ----------------------------------------------------------------------------------------------
# The stages of funcad.jit's first call.


@dataclass
class JitStages:
    """Times of the stages of one funcad.jit trace, measured by wrapping ``funcad.jit``'s
    module-level helpers ``_optimize`` and ``_compiled_for`` for the duration of the first
    call (instrumentation in this process only; funcad's files are not touched). The rest of
    the first call is the trace (and one run of the compiled code)."""

    optimize: float = 0.0
    codegen: float = 0.0
    eqns_traced: int | None = None
    eqns_optimized: int | None = None
    source_lines: int | None = None
    compiled: Any = None
    available: bool = False

    @contextlib.contextmanager
    def recording(self) -> Iterator[JitStages]:
        mod = sys.modules.get("funcad.jit")
        if mod is None or not all(hasattr(mod, n) for n in ("_optimize", "_compiled_for")):
            yield self
            return
        self.available = True
        orig_optimize, orig_compiled_for = mod._optimize, mod._compiled_for

        def optimize(closed: Any) -> Any:
            t0 = time.perf_counter()
            out = orig_optimize(closed)
            self.optimize += time.perf_counter() - t0
            if self.eqns_traced is None:
                self.eqns_traced = len(closed.jaxpr.eqns)
                self.eqns_optimized = len(out.jaxpr.eqns)
            return out

        def compiled_for(closed: Any, name: str) -> Any:
            t0 = time.perf_counter()
            out = orig_compiled_for(closed, name)
            self.codegen += time.perf_counter() - t0
            if self.compiled is None:
                self.compiled = out
                self.source_lines = len(getattr(out, "source", "").splitlines())
            return out

        mod._optimize, mod._compiled_for = optimize, compiled_for
        try:
            yield self
        finally:
            mod._optimize, mod._compiled_for = orig_optimize, orig_compiled_for


def _first_call(col: Col, name: str) -> Any:
    """Run a column's first call, timing it (and funcad.jit's stages)."""
    if name == "funcad_jit":
        col.stages = JitStages()
        with col.stages.recording():
            t0 = time.perf_counter()
            out = col.call()
            col.first = time.perf_counter() - t0
        return out
    t0 = time.perf_counter()
    out = col.call()
    col.first = time.perf_counter() - t0
    return out


# ----------------------------------------------------------------------------------------------
# Checking every column against hand-written NumPy before timing it.


def verify(case: str, cols: dict[str, Col], columns: list[str]) -> list[str]:
    """Run every column once (its first call: trace and compile for the jit columns) and
    compare it with hand-written NumPy; the chains also at 3 and 60 steps. Raises
    bench_grad.GradientMismatch."""
    ref = _leaves(cols["numpy"].call())
    checked = ["full"]
    for name, col in cols.items():
        if name == "numpy":
            continue
        got = _leaves(_first_call(col, name))
        bench_grad._assert_close(f"{COLUMN_TITLES[name]} vs hand-written NumPy, case ({case})",
                                 got, ref)
    if case in ("jc", "jd"):
        for steps in SHORT_CHAINS:
            ref = _leaves(make_col(case, "numpy", steps).call())
            for name in columns:
                if name == "numpy":
                    continue
                col = make_col(case, name, steps)
                bench_grad._assert_close(
                    f"{COLUMN_TITLES[name]} vs hand-written NumPy, case ({case}) at {steps} "
                    f"steps", _leaves(col.call()), ref)
            checked.append(f"{steps} steps")
    return checked


# ----------------------------------------------------------------------------------------------
# Subprocess probes: jax.jit on the 20,000-step chain, torch.compile on the MLP.


@dataclass
class ChildResult:
    status: str  # "ok", "timeout", "crashed", "error", "skipped"
    detail: str
    stages: list[dict] = field(default_factory=list)
    elapsed: float = 0.0
    stderr_tail: str = ""


def _run_child(argv: list[str], timeout: float) -> ChildResult:
    """Run this script in a child mode; JSON lines on stdout report its stages. Never waits
    longer than ``timeout``: the child is killed (by its pid) when the time is up."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.kill()
        out, err = proc.communicate()
    elapsed = time.perf_counter() - t0
    stages = []
    for line in out.splitlines():
        with contextlib.suppress(ValueError):
            stages.append(json.loads(line))
    tail = "\n".join(err.strip().splitlines()[-12:])
    rc = proc.returncode
    if timed_out:
        return ChildResult("timeout", f"killed after {elapsed:.0f} s (timeout)", stages,
                           elapsed, tail)
    if rc < 0:
        try:
            sig = signal.Signals(-rc).name
        except ValueError:
            sig = f"signal {-rc}"
        return ChildResult("crashed", sig, stages, elapsed, tail)
    if rc != 0:
        return ChildResult("error", f"exit {rc}", stages, elapsed, tail)
    return ChildResult("ok", "ok", stages, elapsed, tail)


def _emit(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


def child_jax_chain(steps: int, budget_seconds: float) -> int:
    """jax.jit(jax.grad) of the scalar chain, stage by stage (run in a subprocess)."""
    import faulthandler

    faulthandler.enable()  # a crash prints the Python stack to stderr
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    _emit(stage="imported")
    g = jax.jit(jax.grad(bench_grad.make_chain(jnp, steps)))
    x0 = bench_grad.CHAIN_SCALAR_X0
    t0 = time.perf_counter()
    lowered = g.lower(x0)
    _emit(stage="traced and lowered", seconds=time.perf_counter() - t0)
    t0 = time.perf_counter()
    compiled = lowered.compile()
    _emit(stage="compiled", seconds=time.perf_counter() - t0)
    t0 = time.perf_counter()
    value = float(jax.block_until_ready(compiled(x0)))
    _emit(stage="ran", seconds=time.perf_counter() - t0, value=value)
    times = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < budget_seconds and len(times) < 50):
        t0 = bench_grad.CLOCK()
        jax.block_until_ready(compiled(x0))
        times.append(bench_grad.CLOCK() - t0)
    _emit(stage="timed", median=statistics.median(times), samples=len(times), value=value)
    return 0


def child_torch_compile() -> int:
    """torch.compile of the MLP loss and its gradient (run in a subprocess)."""
    import torch

    torch.set_num_threads(1)
    _torch_compile_setup()
    t0 = time.perf_counter()
    col = _torch_compile_col(_problem_args("jb", None))
    got = _leaves(col.call())
    _emit(stage="compiled", seconds=time.perf_counter() - t0)
    ref = _leaves(make_col("jb", "numpy").call())
    bench_grad._assert_close("torch.compile vs hand-written NumPy (jb)", got, ref)
    _emit(stage="checked")
    return 0


def probe_torch_compile(timeout: float) -> ChildResult:
    return _run_child(["--child", "torch-compile"], timeout)


def jax_long_chain(timeout: float, quick: bool) -> ChildResult:
    return _run_child(["--child", "jax-chain", "--child-steps",
                       str(bench_grad.CHAIN_SCALAR_STEPS),
                       "--child-budget", "0.5" if quick else "3", "--clock",
                       "cpu" if bench_grad.CLOCK is time.process_time else "wall"], timeout)


def describe_jax_chain(res: ChildResult) -> str:
    """One line: what jax.jit did with the 20,000-step chain."""
    parts = [f"{s['stage']} in {s['seconds']:.1f} s" for s in res.stages if "seconds" in s]
    done = ", ".join(parts) if parts else "no stage completed"
    last = res.stages[-1]["stage"] if res.stages else "start"
    following = {"start": "importing jax", "imported": "tracing and lowering",
                 "traced and lowered": "compiling (XLA)", "compiled": "running",
                 "ran": "timing", "timed": "-"}.get(last, last)
    if res.status == "ok":
        return f"{done}; ran fine ({res.elapsed:.0f} s in all)"
    return (f"{res.status.upper()} ({res.detail}) while {following}, {res.elapsed:.0f} s after "
            f"start; before that: {done}")


# ----------------------------------------------------------------------------------------------
# The run.


def budgets(quick: bool) -> dict[str, Budget]:
    if quick:
        fast = Budget(0.2, 3, 50)
        return {"ja": fast, "jb": fast, "jc": fast, "jd": Budget(0.1, 3, 10),
                "je": fast, "slow": Budget(0.0, 1, 1), "dispatch": Budget(0.1, 3, 20)}
    return {
        # (ja) takes microseconds: each sample loops over calls for 20 ms.
        "ja": Budget(3.0, 15, 100, sample_floor=0.02),
        "jb": Budget(2.0, 15, 300),
        "jc": Budget(2.0, 11, 200),
        "jd": Budget(1.5, 5, 50),
        "je": Budget(3.0, 25, 300, sample_floor=5e-3),
        # funcad's eager grad on the 20,000-step chain takes about half a second per call.
        "slow": Budget(3.0, 3, 5),
        "dispatch": Budget(1.0, 11, 100, sample_floor=5e-3),
    }


@dataclass
class CaseResult:
    timings: dict[str, Timing]
    cols: dict[str, Col]
    checked: list[str]
    texts: dict[str, str] = field(default_factory=dict)  # cells that hold a text, not a time


def run_case(case: str, columns: list[str], quick: bool) -> CaseResult:
    cols = {}
    for name in columns:
        col = make_col(case, name)
        if col is not None:
            cols[name] = col
    checked = verify(case, cols, columns)
    print(f"  {CASES[case]}: every column agrees with hand-written NumPy "
          f"({', '.join(checked)}); timing", end="", flush=True)
    plan = budgets(quick)
    cells = {}
    for name, col in cols.items():
        slow = case == "jd" and name == "funcad"
        budget = plan["slow" if slow else case]
        # The first call (above) compiled/warmed everything; the long chain's columns are
        # not run again only to warm up.
        warmup = bench_grad._nothing if case == "jd" else col.warmup
        cells[name] = (col.call, budget, warmup)
    t0 = time.perf_counter()
    timings = bench_grad.measure_interleaved(cells)
    print(f" ({time.perf_counter() - t0:.0f} s)", flush=True)
    return CaseResult(timings, cols, checked)


def measure_memory(columns: list[str], repeats: int = 3) -> dict[str, list[int]]:
    """tracemalloc peak (bytes) of one MLP gradient call per column, above the traced heap
    just before the call; the returned gradients (0.65 MB) are included. The columns are
    run once before tracemalloc starts (funcad's jit traces and compiles there)."""
    cols = {name: make_col("jf", name) for name in columns}
    ref = _leaves(cols["numpy"].call())
    for name, col in cols.items():
        bench_grad._assert_close(f"{COLUMN_TITLES[name]} (jf)", _leaves(col.call()), ref)
    peaks: dict[str, list[int]] = {name: [] for name in cols}
    tracemalloc.start()
    try:
        for _ in range(repeats):
            for name, col in cols.items():
                gc.collect()
                tracemalloc.reset_peak()
                before = tracemalloc.get_traced_memory()[0]
                out = col.call()
                peaks[name].append(tracemalloc.get_traced_memory()[1] - before)
                del out
    finally:
        tracemalloc.stop()
    return peaks


def measure_dispatch(results: dict[str, CaseResult], quick: bool) -> dict[str, tuple]:
    """For each timed case: funcad's whole jit call against its generated function called
    directly (the same flat arguments), interleaved: the difference is the jit wrapper
    (signature, cache lookup, pytree flatten/unflatten). Only for the cases of calls under
    1 ms: on the others the wrapper's few microseconds are below the noise."""
    import funcad.tree_util as tu

    out = {}
    budget = budgets(quick)["dispatch"]
    for case, res in results.items():
        col = res.cols.get("funcad_jit")
        if col is None or col.stages is None or col.stages.compiled is None:
            continue
        if res.timings["funcad_jit"].median > 1e-3:
            continue
        flat, _ = tu.tree_flatten((list(col.args), {}))
        compiled = col.stages.compiled
        try:
            bench_grad._assert_close("generated function vs jit call",
                                     _leaves(compiled(*flat)), _leaves(col.call()))
        except (AssertionError, TypeError, ValueError) as err:  # (internals changed)
            print(f"  ({case}) generated function not callable directly: {err}")
            continue
        t = bench_grad.measure_interleaved({
            "call": (col.call, budget, None),
            "code": (lambda c=compiled, a=flat: c(*a), budget, None),
        })
        out[case] = (t["call"].median, t["code"].median)
    return out


def _cell(res: CaseResult, col: str) -> str:
    if col in res.texts:
        return res.texts[col]
    t = res.timings.get(col)
    if t is None:
        return "-"
    base = res.timings["numpy"].median
    note = " " + res.texts[f"{col}_note"] if f"{col}_note" in res.texts else ""
    return f"{fmt_time(t.median)} ({fmt_ratio(t.median / base)}){note}"


def fmt_bytes(n: float) -> str:
    return f"{n / 2**20:.2f} MB"


def print_table(results: dict[str, CaseResult], memory: dict[str, list[int]] | None,
                columns: list[str]) -> None:
    shown = [c for c in columns if any(c in r.timings or c in r.texts for r in results.values())
             or (memory and c in memory)]
    headers = ["case"] + [COLUMN_TITLES[c] for c in shown]
    rows = []
    for case, res in results.items():
        rows.append([CASES[case]] + [_cell(res, c) for c in shown])
    if memory:
        base = max(memory["numpy"])
        rows.append([CASES["jf"]] + [
            f"{fmt_bytes(max(memory[c]))} ({fmt_ratio(max(memory[c]) / base)})"
            if c in memory else "-" for c in shown])
    widths = [max(len(r[i]) for r in rows + [headers]) for i in range(len(headers))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    print("Each cell: median time per call after the first (ratio to hand-written NumPy); (jf): "
          "peak traced memory of one call (ratio to NumPy). The cases:")
    for case in list(results) + (["jf"] if memory else []):
        print(f"  ({case}) {CELL_NOTES[case]}")
    print("Samples x calls per sample, and the spread (interquartile range / median):")
    for case, res in results.items():
        print(f"  {case}: " + ", ".join(
            f"{c} {t.samples}x{t.number} {bench_grad._spread(t)}" for c, t in res.timings.items()))
    if memory:
        print("  jf: " + ", ".join(f"{c} {', '.join(fmt_bytes(p) for p in v)}"
                                   for c, v in memory.items()))


def print_first_calls(results: dict[str, CaseResult]) -> None:
    print("\nFirst call (trace + optimise + compile + one run) of a fresh function; funcad's IR "
          "size:")
    for case, res in results.items():
        parts = []
        for name in ("funcad_jit", "jax_jit", "torch_compile"):
            col = res.cols.get(name)
            if col is None or col.first is None:
                continue
            text = f"{COLUMN_TITLES[name]} {fmt_time(col.first)}"
            st = col.stages
            if name == "funcad_jit" and st is not None and st.available:
                trace = col.first - st.optimize - st.codegen
                text += (f" (trace + run {fmt_time(trace)}, optimise {fmt_time(st.optimize)}, "
                         f"codegen + compile {fmt_time(st.codegen)}; {st.eqns_traced} equations "
                         f"traced -> {st.eqns_optimized} optimised, {st.source_lines} lines of "
                         f"Python)")
            if name == "torch_compile":
                text += " (inductor cache warmed by the probe)"
            parts.append(text)
        if parts:
            print(f"  ({case}) " + "; ".join(parts))


def print_dispatch(dispatch: dict[str, tuple]) -> None:
    if not dispatch:
        return
    print("\nfuncad jit call vs its generated function called directly (interleaved medians; "
          "calls under 1 ms):")
    for case, (call, code) in dispatch.items():
        print(f"  ({case}) jit call {fmt_time(call)}, generated code {fmt_time(code)}: the "
              f"wrapper adds {fmt_time(max(call - code, 0.0))} ({100 * (call - code) / call:.0f}%)")


def print_targets(results: dict[str, CaseResult], memory: dict[str, list[int]] | None,
                  jax_chain: ChildResult | None) -> None:
    print("\nfuncad.jit against the targets of issue 4:")

    def report(label: str, ok: bool | None, detail: str) -> None:
        status = "n/a " if ok is None else ("PASS" if ok else "FAIL")
        print(f"  [{status}] {label}: {detail}")

    def med(case: str, col: str) -> float | None:
        res = results.get(case)
        t = res.timings.get(col) if res else None
        return t.median if t else None

    f, j = med("ja", "funcad_jit"), med("ja", "jax_jit")
    if f is not None:
        if j is not None:
            report("(ja) scalar jit(grad) faster than jax.jit(jax.grad) in this run", f < j,
                   f"funcad {fmt_time(f)} vs JAX {fmt_time(j)} ({j / f:.2f}x)")
        else:
            report("(ja) scalar jit(grad) faster than jax.jit(jax.grad) in this run", None,
                   "JAX not run")
        report(f"(ja) scalar jit(grad) below {TARGET_SCALAR_US:.0f} us", f < TARGET_SCALAR_US * 1e-6,
               fmt_time(f))
    for case, target, what in (("jb", TARGET_MLP, "MLP"), ("jc", TARGET_CHAIN, "500-step chain")):
        f, n = med(case, "funcad_jit"), med(case, "numpy")
        if f is not None:
            report(f"({case}) {what} jit(grad) within {target}x of hand-written NumPy",
                   f / n <= target, f"{f / n:.3f}x ({fmt_time(f)} vs {fmt_time(n)})")
    f, n = med("jd", "funcad_jit"), med("jd", "numpy")
    if f is not None:
        col = results["jd"].cols["funcad_jit"]
        report(f"(jd) 20,000-step chain: jit(grad) traces, compiles and runs; replay within "
               f"{TARGET_LONG_CHAIN:.0f}x of NumPy", f / n <= TARGET_LONG_CHAIN,
               f"replay {f / n:.2f}x ({fmt_time(f)} vs {fmt_time(n)}); trace + compile "
               f"(first call) {fmt_time(col.first)}")
    if jax_chain is not None:
        print(f"         jax.jit(jax.grad) on it: {describe_jax_chain(jax_chain)}")
    f, j = med("je", "funcad_jit"), med("je", "jax_jit")
    if f is not None:
        if j is not None:
            report(f"(je) jit(vmap(grad)) within {TARGET_PER_EXAMPLE_VS_JAX:.0f}x of "
                   f"jax.jit(jax.vmap(jax.grad))", f / j <= TARGET_PER_EXAMPLE_VS_JAX,
                   f"{f / j:.2f}x ({fmt_time(f)} vs {fmt_time(j)})")
        else:
            report("(je) jit(vmap(grad)) within 2x of jax.jit(jax.vmap(jax.grad))", None,
                   "JAX not run")
    if memory:
        jit_peak, eager_peak = max(memory["funcad_jit"]), max(memory["funcad"])
        report("(jf) peak memory of jit(grad) on the MLP <= eager grad's", jit_peak <= eager_peak,
               f"{fmt_bytes(jit_peak)} vs {fmt_bytes(eager_peak)} "
               f"({jit_peak / eager_peak:.2f}x; NumPy {fmt_bytes(max(memory['numpy']))})")
    print(f"For comparison, the issue's own figures (its machine): {ISSUE_REFERENCE}.")


def _file_digest(rel: str) -> str:
    path = os.path.join(REPO_ROOT, rel)
    try:
        with open(path, "rb") as fh:
            return hashlib.sha1(fh.read()).hexdigest()[:10]
    except OSError:
        return "absent"


def funcad_jit_info() -> str:
    passes = importlib.util.find_spec("funcad.passes") is not None
    return (f"funcad.passes {'present' if passes else 'absent (IR not optimised)'}; sha1 of "
            f"jit.py {_file_digest('funcad/jit.py')}, codegen.py "
            f"{_file_digest('funcad/codegen.py')}, passes.py {_file_digest('funcad/passes.py')}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="funcad.jit benchmark: jit(grad) vs hand-written NumPy, jax.jit, PyTorch.")
    parser.add_argument("--quick", action="store_true", help="smoke run: a few repeats per cell")
    parser.add_argument("--only", default=",".join(CASES),
                        help="comma-separated subset of ja,jb,jc,jd,je,jf (default: all); the "
                             "cases of bench_grad.py and bench_vmap_hessian.py are accepted and "
                             "skipped")
    parser.add_argument("--libs", default=",".join(LIBS),
                        help=f"comma-separated subset of {','.join(LIBS)} (default: all that "
                             f"are installed); numpy includes the math column, funcad both "
                             f"jit and eager, torch both eager and torch.compile")
    parser.add_argument("--gc", choices=("freeze", "on", "off"), default="freeze",
                        help="garbage collector during timing, as in bench_grad.py: 'freeze' "
                             "(default) runs gc.freeze() after the imports; 'on'; 'off'")
    parser.add_argument("--threads", type=int, default=1,
                        help="limit BLAS/torch/XLA thread pools (default 1; 0 = library "
                             "defaults)")
    parser.add_argument("--jax-chain-timeout", type=float, default=None,
                        help="seconds allowed to jax.jit on the 20,000-step chain in its "
                             "subprocess (default 300, --quick 60)")
    parser.add_argument("--no-torch-compile", action="store_true",
                        help="leave out the torch.compile column (and its probe)")
    parser.add_argument("--torch-compile-timeout", type=float, default=240.0,
                        help="seconds allowed to the torch.compile probe (default 240)")
    bench_grad.add_clock_argument(parser)
    parser.add_argument("--child", choices=("jax-chain", "torch-compile"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--child-steps", type=int, default=bench_grad.CHAIN_SCALAR_STEPS,
                        help=argparse.SUPPRESS)
    parser.add_argument("--child-budget", type=float, default=3.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    other = set(bench_grad.CASES) | {"scaling"} | set(bench_vmap_hessian.CASES)
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
    if args.jax_chain_timeout is None:
        args.jax_chain_timeout = 60.0 if args.quick else 300.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        bench_grad.use_clock(args.clock)
        if args.child == "jax-chain":
            return child_jax_chain(args.child_steps, args.child_budget)
        return child_torch_compile()
    if not args.only:
        print("bench_jit.py: none of its cases (ja, jb, jc, jd, je, jf) is in --only; nothing "
              "to run.")
        return 0
    if REPO_ROOT not in sys.path:
        sys.path.insert(0, REPO_ROOT)  # benchmark this checkout, installed or not
    limiter = bench_grad._limit_threads(args.threads) if args.threads else None  # noqa: F841
    versions = bench_grad.available_libs(args.libs, args.threads or None)
    if "torch" in versions:
        import torch.func  # noqa: F401  (imported before the freeze, like the rest)
    if "funcad" in versions:
        import funcad.numpy
        import funcad.scipy.special
        with contextlib.suppress(ImportError):  # (jit imports it on its first trace)
            import funcad.passes  # noqa: F401
    columns = [c for c in COLUMNS if COLUMN_LIB[c] in versions]
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
    print("funcad jit benchmark (float64" + (", --quick" if args.quick else "") + ")")
    print("\n".join(bench_grad.machine_info(versions, args.threads or None)))
    print(f"funcad.jit: {funcad_jit_info()}")
    print(f"GC:         {gc_note}")
    print(f"Clock:      {bench_grad.use_clock(args.clock)}")
    print(f"Load avg:   {bench_grad._loadavg()} (start)")
    print()

    extra: dict[str, Any] = {}
    if "torch_compile" in columns and "jb" in args.only:
        if args.no_torch_compile:
            columns.remove("torch_compile")
        else:
            print(f"  probing torch.compile on the MLP in a subprocess (timeout "
                  f"{args.torch_compile_timeout:.0f} s)", end="", flush=True)
            probe = probe_torch_compile(args.torch_compile_timeout)
            compiled = [s for s in probe.stages if s.get("stage") == "compiled"]
            if probe.status == "ok" and any(s.get("stage") == "checked" for s in probe.stages):
                print(f": compiled in {compiled[0]['seconds']:.1f} s, gradients agree",
                      flush=True)
            else:
                print(f": {probe.status} ({probe.detail}); the torch.compile column is left "
                      f"out. stderr:\n{probe.stderr_tail}", flush=True)
                columns.remove("torch_compile")
    if "jax_jit" in columns and "jd" in args.only:
        print(f"  jax.jit(jax.grad) on the 20,000-step chain in a subprocess (timeout "
              f"{args.jax_chain_timeout:.0f} s)", end="", flush=True)
        extra["jax_chain"] = jax_long_chain(args.jax_chain_timeout, args.quick)
        print(f": {describe_jax_chain(extra['jax_chain'])}", flush=True)
        if extra["jax_chain"].status != "ok" and extra["jax_chain"].stderr_tail:
            print("    its stderr ends with:\n" + "\n".join(
                "      " + line for line in extra["jax_chain"].stderr_tail.splitlines()[-6:]))

    results: dict[str, CaseResult] = {}
    for case in TIMED_CASES:
        if case not in args.only:
            continue
        case_columns = [c for c in columns if c in CASE_COLUMNS[case]]
        if case == "jd":  # jax.jit on the full chain is the subprocess above
            full = [c for c in case_columns if c != "jax_jit"]
            results[case] = run_case(case, full, args.quick)
            if "jax_jit" in case_columns:
                # The short chains are checked in-process (they compile quickly).
                for steps in SHORT_CHAINS:
                    ref = _leaves(make_col(case, "numpy", steps).call())
                    bench_grad._assert_close(
                        f"jax.jit vs hand-written NumPy, case (jd) at {steps} steps",
                        _leaves(make_col(case, "jax_jit", steps).call()), ref)
                _merge_jax_chain(results[case], extra.get("jax_chain"),
                                 results[case].cols["numpy"])
        else:
            results[case] = run_case(case, case_columns, args.quick)
    memory = None
    if "jf" in args.only:
        mem_columns = [c for c in columns if c in CASE_COLUMNS["jf"]]
        memory = measure_memory(mem_columns)
        print(f"  {CASES['jf']}: measured with tracemalloc", flush=True)
    dispatch = measure_dispatch(results, args.quick) if "funcad" in versions else {}
    print()
    print_table(results, memory, columns)
    print_first_calls(results)
    print_dispatch(dispatch)
    print_targets(results, memory, extra.get("jax_chain"))
    print(f"\nLoad avg:   {bench_grad._loadavg()} (end)")
    # Missing a performance target is a report, not an error: exit 0 (mismatching results
    # raise before this point and exit non-zero).
    return 0


def _merge_jax_chain(res: CaseResult, chain: ChildResult | None, numpy_col: Col) -> None:
    """Put the subprocess's jax.jit result on the long chain into the (jd) row."""
    if chain is None:
        return
    timed = [s for s in chain.stages if s.get("stage") == "timed"]
    if chain.status == "ok" and timed:
        bench_grad._assert_close("jax.jit on the 20,000-step chain vs hand-written NumPy",
                                 [np.asarray(timed[0]["value"])], _leaves(numpy_col.call()))
        res.timings["jax_jit"] = Timing(timed[0]["median"], timed[0]["samples"], 1, [])
        res.texts["jax_jit_note"] = "(own process)"
    else:
        res.texts["jax_jit"] = {"crashed": f"crashed: {chain.detail}",
                                "timeout": "timed out"}.get(chain.status, chain.status)


if __name__ == "__main__":
    sys.exit(main())
