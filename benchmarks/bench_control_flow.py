"""Loops and checkpointing: ``scan`` under ``jit(grad)`` and eager ``grad``, and the memory
``checkpoint`` saves.

  (ra) a tanh RNN, 1,000 steps, hidden 64, batch 32, input 16, written with ``lax.scan``:
       the gradient of the mean squared final state with respect to (Wx, Wh, b), against
       backpropagation through time written by hand in NumPy, eager grad of the same scan,
       eager grad of the same RNN written as a Python loop, and jax.jit(jax.grad)
  (ck) peak memory (tracemalloc) of grad of a 50-layer tanh MLP, width 512, batch 256,
       beyond the returned gradient (105 MB), with each block of 5 layers checkpointed or not

    python benchmarks/bench_control_flow.py            # about 1 minute
    python benchmarks/bench_control_flow.py --quick --only ra --libs numpy,funcad
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads

# isort: split
import gc
import sys
import time
import tracemalloc
from typing import Any

import numpy as np

COLUMNS = {
    "numpy": harness.Column("NumPy by hand", "numpy"),
    "funcad_jit": harness.Column("funcad jit(grad) scan", "funcad", compiled=True),
    "funcad": harness.Column("funcad grad scan", "funcad"),
    "funcad_loop": harness.Column("funcad grad Python loop", "funcad"),
    "jax_jit": harness.Column("jax.jit(grad) scan", "jax", compiled=True),
}
STEPS, HIDDEN, BATCH, INPUT = 1000, 64, 32, 16


def rnn_arguments(steps: int = STEPS) -> tuple:
    rng = np.random.default_rng(0)
    params = (rng.normal(size=(INPUT, HIDDEN)) / np.sqrt(INPUT),
              rng.normal(size=(HIDDEN, HIDDEN)) / np.sqrt(HIDDEN), np.zeros(HIDDEN))
    return params, rng.normal(size=(steps, BATCH, INPUT))


def rnn(lib: Any, loop: bool = False) -> Any:
    """mean(h_T^2) with h_t = tanh(x_t Wx + h_{t-1} Wh + b), h_0 = 0."""
    xp = lib.np

    def step(h: Any, x: Any, params: tuple) -> Any:
        wx, wh, b = params
        return xp.tanh(x @ wx + h @ wh + b)

    def loss(params: tuple, xs: Any) -> Any:
        h = xp.zeros((BATCH, HIDDEN))
        if loop:
            for x in xs:
                h = step(h, x, params)
        else:
            h, _ = lib.scan(lambda h, x: (step(h, x, params), None), h, xs)
        return xp.mean(h ** 2)

    return loss


def rnn_by_hand(params: tuple, xs: np.ndarray) -> tuple:
    """Backpropagation through time: the forward pass keeps every state."""
    wx, wh, b = params
    hs = [np.zeros((BATCH, HIDDEN))]
    for x in xs:
        hs.append(np.tanh(x @ wx + hs[-1] @ wh + b))
    g = 2.0 * hs[-1] / hs[-1].size
    gwx, gwh, gb = np.zeros_like(wx), np.zeros_like(wh), np.zeros_like(b)
    for t in range(len(xs), 0, -1):
        pre = g * (1.0 - hs[t] * hs[t])
        gwx += xs[t - 1].T @ pre
        gwh += hs[t - 1].T @ pre
        gb += pre.sum(axis=0)
        g = pre @ wh.T
    return gwx, gwh, gb


def _with_scan(lib: Any) -> Any:
    if lib.name == "funcad":
        import funcad.lax

        lib.scan = funcad.lax.scan
    else:
        import jax.lax

        lib.scan = jax.lax.scan
    return lib


CASES = {
    "ra": harness.Case(
        f"(ra) tanh RNN, {STEPS} steps, hidden {HIDDEN}, batch {BATCH}",
        lambda lib: rnn(_with_scan(lib)), rnn_arguments, {"numpy": rnn_by_hand},
        {"funcad_jit": lambda lib, f: lib.jit(lib.grad(f)),
         "funcad": lambda lib, f: lib.grad(f),
         "funcad_loop": lambda lib, f: lib.grad(rnn(lib, loop=True)),
         "jax_jit": lambda lib, f: lib.jit(lib.grad(f))}),
}

LAYERS, WIDTH, MLP_BATCH, BLOCK = 50, 512, 256, 5


def checkpoint_memory(options: Any) -> None:
    """Peak traced memory of one gradient above the heap before the call, minus the
    gradient itself, with and without checkpointing each block; the worst of two calls."""
    import funcad
    import funcad.numpy as fnp

    layers, width, batch = (10, 128, 64) if options.quick else (LAYERS, WIDTH, MLP_BATCH)
    rng = np.random.default_rng(0)
    params = [(rng.normal(size=(width, width)) / np.sqrt(width), np.zeros(width))
              for _ in range(layers)]
    x = rng.normal(size=(batch, width))

    def block(h, ps):
        for w, b in ps:
            h = fnp.tanh(h @ w + b)
        return h

    def loss(params, checkpointed):
        h = x
        for k in range(0, layers, BLOCK):
            h = (funcad.checkpoint(block) if checkpointed else block)(h, params[k:k + BLOCK])
        return fnp.mean(h ** 2)

    rows, beyond = [], {}
    for checkpointed in (False, True):
        start = time.perf_counter()
        gradient = funcad.grad(loss)(params, checkpointed)
        seconds = time.perf_counter() - start
        size = sum(w.nbytes + b.nbytes for w, b in gradient)
        del gradient
        peak = 0
        tracemalloc.start()
        for _ in range(2):
            gc.collect()
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            gradient = funcad.grad(loss)(params, checkpointed)
            peak = max(peak, tracemalloc.get_traced_memory()[1] - before)
            del gradient
        tracemalloc.stop()
        beyond[checkpointed] = peak - size
        rows.append([f"{'checkpointed blocks of ' + str(BLOCK) if checkpointed else 'plain'}",
                     f"{peak / 2**20:.1f} MB", f"{size / 2**20:.1f} MB",
                     f"{beyond[checkpointed] / 2**20:.1f} MB",
                     f"{beyond[checkpointed] / beyond[False]:.2f}x", f"{seconds:.2f} s"])
    print(f"\n(ck) grad of a {layers}-layer tanh MLP, width {width}, batch {batch} "
          f"(tracemalloc):")
    harness.markdown(["funcad grad", "peak", "gradient", "beyond the gradient", "ratio",
                      "one call"], rows)


NOTE = ("Columns: funcad jit(grad) and jax.jit(grad) of the scan (their first call, tracing "
        "and compiling, is printed under the table); funcad grad of the same scan, eagerly; "
        "funcad grad of the RNN written as a Python loop.")
FAMILY = harness.Family("Loops and checkpointing", COLUMNS, CASES,
                        extras={"ck": checkpoint_memory}, note=NOTE)

if __name__ == "__main__":
    sys.exit(harness.main(FAMILY))
