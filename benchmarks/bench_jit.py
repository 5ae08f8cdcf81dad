"""Compiled gradients: ``funcad.jit`` against hand-written NumPy, funcad eager, ``jax.jit``,
PyTorch eager and ``torch.compile``, float64; the problems of bench_grad.py and
bench_vmap_hessian.py.

  (ja) jit(grad(f)) of f(x) = 2 sin(x^3)^2 at 10.0, per call
  (jb) the MLP gradient; torch.compile of the loss, if it compiles here
  (jc) the 500-step chain on (1000,)
  (jd) the 20,000-step scalar chain: the replay; the first call (trace and compile) is printed
  (je) jit(vmap(grad)) per-example gradients of the logistic loss
  jf:  peak memory (tracemalloc) of one MLP gradient
  jg:  the first call of jit(grad) on a 25,000-step scalar chain against one eager grad call,
       and how it grows at 10,000, 25,000 and 100,000 steps

    python benchmarks/bench_jit.py                      # about 3 minutes
    python benchmarks/bench_jit.py --quick --only ja,je --libs numpy,funcad,jax
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads

# isort: split
import contextlib
import functools
import gc
import math
import statistics
import subprocess
import sys
import time
import tracemalloc
from typing import Any

import bench_grad
import bench_vmap_hessian

COLUMNS = {
    "numpy": harness.Column("NumPy by hand", "numpy"),
    "math": harness.Column("Python math", "numpy"),
    "funcad_jit": harness.Column("funcad jit", "funcad", compiled=True),
    "funcad": harness.Column("funcad eager", "funcad"),
    "jax_jit": harness.Column("jax.jit", "jax", compiled=True),
    "torch": harness.Column("PyTorch eager", "torch"),
    "torch_compile": harness.Column("torch.compile", "torch", compiled=True),
}
TORCH_COMPILE_TIMEOUT = 240.0


def grad_scalar_in_floats(x: float) -> float:
    """Hand-written, on Python floats with ``math``: what a scalar costs without NumPy."""
    u = x**3
    s = math.sin(u)
    y = 2.0 * s * s  # noqa: F841
    return 4.0 * s * math.cos(u) * (3.0 * x * x)


def grad_chain_in_floats(x: float, steps: int) -> float:
    inputs = []
    for _ in range(steps):
        inputs.append(x)
        x = math.sin(x) * 1.01 + 0.1
    cotangent = 1.0
    for x in reversed(inputs):
        cotangent = cotangent * 1.01 * math.cos(x)
    return cotangent


def jit_of_grad(lib: Any, f: Any) -> Any:
    return lib.jit(lib.grad(f))


def jit_of_batched_grads(lib: Any, loss: Any) -> Any:
    return lib.jit(bench_vmap_hessian.batched_grads(lib, loss))


def grad_of_compiled(lib: Any, loss: Any) -> Any:
    """torch.compile of the loss, differentiated by torch.autograd; no cell if it fails here."""
    if not torch_compile_works():
        return None
    with contextlib.suppress(ImportError, AttributeError):
        import torch._inductor.config

        torch._inductor.config.compile_threads = 1  # no worker pool on the pinned core
    return lib.grad(lib.jit(loss))


@functools.cache
def torch_compile_works() -> bool:
    """torch.compile needs a C compiler and may hang or crash: try it in a child process
    with a timeout first, so that failing costs a column, not the run."""
    probe = ("import bench_jit, harness\nbench_jit.torch_compile_works = lambda: True\n"
             "harness.check('torch.compile', bench_jit.FAMILY.calls('jb', "
             "['numpy', 'torch_compile']))")
    start = time.perf_counter()
    try:
        child = subprocess.run([sys.executable, "-c", probe], cwd=harness.HERE, check=False,
                               capture_output=True, text=True, timeout=TORCH_COMPILE_TIMEOUT)
        failure = None
        if child.returncode:
            failure = (child.stderr.strip().splitlines() or [f"exit {child.returncode}"])[-1]
    except subprocess.TimeoutExpired:
        failure = f"no result in {TORCH_COMPILE_TIMEOUT:.0f} s"
    seconds = time.perf_counter() - start
    print(f"  torch.compile, tried in a child process: "
          f"{'works' if failure is None else f'left out ({failure})'} ({seconds:.0f} s)")
    return failure is None


JIT = {"funcad_jit": jit_of_grad, "funcad": bench_grad.gradient, "jax_jit": jit_of_grad,
       "torch": bench_grad.gradient}
SCALAR_BY_HAND = {"numpy": bench_grad.grad_scalar_by_hand, "math": grad_scalar_in_floats}
CHAIN_BY_HAND = {"numpy": bench_grad.grad_chain_by_hand, "math": grad_chain_in_floats}
CASES = {
    "ja": harness.Case("(ja) scalar 2*sin(x**3)**2", bench_grad.scalar, lambda: (10.0,),
                       SCALAR_BY_HAND, JIT),
    "jb": harness.Case("(jb) MLP 64-256-256-10, batch 256", bench_grad.mlp,
                       bench_grad.mlp_arguments, {"numpy": bench_grad.grad_mlp_by_hand},
                       {**JIT, "torch_compile": grad_of_compiled}),
    "jc": harness.Case("(jc) 500-step chain, (1000,)", bench_grad.chain,
                       bench_grad.vector_arguments, {"numpy": bench_grad.grad_chain_by_hand},
                       JIT, {"steps": 500}, bench_grad.SHORT_CHAINS),
    # jax.jit is left out: XLA does not finish compiling this 120,000-equation gradient.
    "jd": harness.Case("(jd) 20,000-step scalar chain", bench_grad.chain, lambda: (0.5,),
                       CHAIN_BY_HAND, {"funcad_jit": jit_of_grad, "funcad": bench_grad.gradient},
                       {"steps": 20_000}, bench_grad.SHORT_CHAINS),
    "je": harness.Case("(je) per-example grads, w (100,), batch 128",
                       bench_vmap_hessian.logistic, bench_vmap_hessian.logistic_arguments,
                       {"numpy": bench_vmap_hessian.per_example_by_hand},
                       {"funcad_jit": jit_of_batched_grads,
                        "funcad": bench_vmap_hessian.batched_grads,
                        "jax_jit": jit_of_batched_grads,
                        "torch": bench_vmap_hessian.batched_grads}),
}


def memory(options: Any) -> None:
    """Peak traced memory of one MLP gradient above the heap before the call, the returned
    gradients included; the worst of three. NumPy reports its buffers to tracemalloc, JAX
    and PyTorch do not, so they have no cell."""
    columns = [name for name in ("numpy", "funcad_jit", "funcad")
               if COLUMNS[name].library in options.libs]
    calls = FAMILY.calls("jb", columns)
    harness.check("(jf) memory", calls)  # and the jit's trace, outside tracemalloc
    peaks = dict.fromkeys(calls, 0)
    tracemalloc.start()
    try:
        for _ in range(3):
            for name, call in calls.items():
                gc.collect()
                tracemalloc.reset_peak()
                before = tracemalloc.get_traced_memory()[0]
                result = call()
                peaks[name] = max(peaks[name], tracemalloc.get_traced_memory()[1] - before)
                del result
    finally:
        tracemalloc.stop()
    print("Peak memory of one MLP gradient (tracemalloc, ratio to NumPy by hand):")
    harness.markdown(["case"] + [COLUMNS[name].title for name in peaks],
                     [["(jf) MLP gradient"] + [f"{peak / 2**20:.2f} MB "
                                               f"({peak / peaks['numpy']:.2f}x)"
                                               for peak in peaks.values()]])


FIRST_CALL_STEPS = (10_000, 25_000, 100_000)  # (jg) is the middle one; --quick: a tenth
FIRST_CALL_ROUNDS = (3, 3, 2)


def long_chain(lib: Any, steps: int) -> Any:
    def f(x: Any) -> Any:
        for _ in range(steps):
            x = x * 1.0001 + lib.np.sin(x) * 1e-4
        return x

    return f


def first_call(options: Any) -> None:
    """What compiling costs: the first call of jit(grad) (trace, optimise, generate and
    compile the code, run it once) next to one eager grad call of the same chain, in the same
    process, at several lengths. Rounds of one eager call then one first call of a new
    jit(grad); the medians over the rounds."""
    funcad = harness.library("funcad")
    shorter = 10 if options.quick else 1
    rows = []
    for steps, rounds in zip(FIRST_CALL_STEPS, FIRST_CALL_ROUNDS):
        f = long_chain(funcad, steps // shorter)
        eager, first = [], []
        for _ in range(rounds):
            gc.collect()
            start = time.perf_counter()
            want = funcad.grad(f)(0.3)
            eager.append(time.perf_counter() - start)
            gc.collect()
            start = time.perf_counter()
            got = funcad.jit(funcad.grad(f))(0.3)
            first.append(time.perf_counter() - start)
            harness.compare(f"(jg) at {steps // shorter} steps", got, want)
        equations = 9 * (steps // shorter)
        rows.append([f"{'(jg) ' if steps == FIRST_CALL_STEPS[1] else ''}"
                     f"{steps // shorter:,} steps ({equations:,} equations)",
                     harness.fmt_time(statistics.median(eager)),
                     harness.fmt_time(statistics.median(first)),
                     harness.fmt_ratio(statistics.median(j / e for j, e in zip(first, eager))),
                     harness.fmt_time(statistics.median(first) / equations)])
    print("First call of jit(grad) of the scalar chain x = x * 1.0001 + sin(x) * 1e-4 (the "
          "IR as traced has 9 equations per step), medians of "
          f"{'/'.join(map(str, FIRST_CALL_ROUNDS))} rounds:")
    harness.markdown(["chain", "funcad grad, one call", "jit(grad), first call",
                      "ratio", "first call per equation"], rows)


NOTE = ("Cells time the calls after the first. (je) is jit(vmap(grad)) for funcad and JAX, "
        "vmap(grad) eager for funcad eager and PyTorch. jax.jit has no (jd) cell: XLA "
        "does not finish compiling the 20,000-step chain's gradient (see docs/performance.md).")
FAMILY = harness.Family("Compiled gradients", COLUMNS, CASES,
                        {"jf": memory, "jg": first_call}, NOTE)

if __name__ == "__main__":
    sys.exit(harness.main(FAMILY))
